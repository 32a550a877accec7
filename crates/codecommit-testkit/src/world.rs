//! The standard test world: who exists at the mock, which repositories, and the placeholders
//! scenario files use for them (`{url}`, `{alice.key}`…). The replay starts every scenario from
//! it; the mock's and the matrix's tests use its identities and repository.
//!
//! All keys are fake and only the mock knows them.

use std::collections::BTreeMap;

pub const REGION: &str = "us-east-2";
pub const HOST: &str = "git-codecommit.us-east-2.amazonaws.com";
pub const REPO: &str = "MyDemoRepo";
pub const GITHUB_HOST: &str = "github.com";
pub const GITHUB_REPO: &str = "octo/hello.git";
/// A host that is not CodeCommit and that no helper under test should answer for.
pub const FOREIGN_HOST: &str = "git.example.com";
/// A host that contains CodeCommit's whole name and is someone else's.
pub const LOOK_ALIKE_HOST: &str = "git-codecommit.us-east-2.amazonaws.com.evil.example";

/// The standard repository's clone URL, `https://{HOST}/v1/repos/{REPO}`.
pub fn url() -> String {
    format!("https://{HOST}/v1/repos/{REPO}")
}

/// Long-term IAM user keys.
pub const ALICE_KEY: &str = "AKIAALICE00EXAMPLE00";
pub const ALICE_SECRET: &str = "alice/Secret+Access/Key/EXAMPLE000000000";
/// Temporary credentials (an assumed role) with a session token of ordinary length.
pub const BOB_KEY: &str = "ASIABOB0000EXAMPLE00";
pub const BOB_SECRET: &str = "bob/Secret+Access/Key/EXAMPLE00000000000";
/// Temporary credentials whose session expired before the scenario starts.
pub const DAVE_KEY: &str = "ASIADAVE000EXAMPLE00";
pub const DAVE_SECRET: &str = "dave/Secret+Access/Key/EXAMPLE0000000000";
/// Temporary credentials with a session token as long as the largest STS issues (role
/// chaining with session tags), too long for the Windows credential store.
pub const CAROL_KEY: &str = "ASIACAROL00EXAMPLE00";
pub const CAROL_SECRET: &str = "carol/Secret+Access/Key/EXAMPLE000000000";
/// IAM "HTTPS Git credentials" of a user whose name contains `@`.
pub const JANE_USER: &str = "jane@example.com-at-111122223333";
pub const JANE_PASSWORD: &str = "JaneGitCredentialPassword=EXAMPLE";
pub const OCTO_USER: &str = "octo";
pub const OCTO_PASSWORD: &str = "ghp_octoEXAMPLEtoken000000000000000000";

/// A session token of about `len` characters, shaped like STS's (base64 with `/` and `+`).
pub fn session_token(seed: &str, len: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut token = format!("IQoJb3JpZ2luX2Vj{seed}");
    let mut x: u32 = seed
        .bytes()
        .fold(7, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    while token.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        token.push(alphabet[(x >> 16) as usize % alphabet.len()] as char);
    }
    token
}

pub fn bob_token() -> String {
    session_token("bob", 420)
}
pub fn carol_token() -> String {
    session_token("carol", 2600)
}
pub fn dave_token() -> String {
    session_token("dave", 420)
}

/// The mock's configuration for the standard world, as TOML.
pub fn mock_config() -> String {
    let people = ["alice", "bob", "carol", "dave"];
    let everyone = people
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[[identity]]
name = "alice"
access_key_id = "{ALICE_KEY}"
secret_access_key = "{ALICE_SECRET}"

[[identity]]
name = "bob"
access_key_id = "{BOB_KEY}"
secret_access_key = "{BOB_SECRET}"
session_token = "{bob}"
session_expires = "2099-01-01T00:00:00Z"

[[identity]]
name = "carol"
access_key_id = "{CAROL_KEY}"
secret_access_key = "{CAROL_SECRET}"
session_token = "{carol}"
session_expires = "2099-01-01T00:00:00Z"

[[identity]]
name = "dave"
access_key_id = "{DAVE_KEY}"
secret_access_key = "{DAVE_SECRET}"
session_token = "{dave}"
session_expires = "2020-01-01T00:00:00Z"

[[git_credential]]
identity = "alice"
username = "{JANE_USER}"
password = "{JANE_PASSWORD}"

[[repository]]
region = "{REGION}"
name = "{REPO}"
pull = [{everyone}]
push = [{everyone}]

[[foreign_host]]
host = "{FOREIGN_HOST}"

[[foreign_host]]
host = "{LOOK_ALIKE_HOST}"

[[static_host]]
host = "{GITHUB_HOST}"
username = "{OCTO_USER}"
password = "{OCTO_PASSWORD}"
repositories = ["{GITHUB_REPO}"]
"#,
        bob = bob_token(),
        carol = carol_token(),
        dave = dave_token(),
    )
}

/// `{name}` placeholders scenario files may use.
pub fn placeholders() -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("url", url()),
        ("host", HOST.to_owned()),
        ("region", REGION.to_owned()),
        ("repo", REPO.to_owned()),
        ("github_url", format!("https://{GITHUB_HOST}/{GITHUB_REPO}")),
        (
            "foreign_url",
            format!("https://{FOREIGN_HOST}/team/project.git"),
        ),
        ("look_alike_host", LOOK_ALIKE_HOST.to_owned()),
        (
            "look_alike_url",
            format!("https://{LOOK_ALIKE_HOST}/v1/repos/{REPO}"),
        ),
        ("http_url", format!("http://{HOST}/v1/repos/{REPO}")),
        ("alice.key", ALICE_KEY.to_owned()),
        ("alice.secret", ALICE_SECRET.to_owned()),
        ("bob.key", BOB_KEY.to_owned()),
        ("bob.secret", BOB_SECRET.to_owned()),
        ("bob.token", bob_token()),
        ("carol.key", CAROL_KEY.to_owned()),
        ("carol.secret", CAROL_SECRET.to_owned()),
        ("carol.token", carol_token()),
        ("dave.key", DAVE_KEY.to_owned()),
        ("dave.secret", DAVE_SECRET.to_owned()),
        ("dave.token", dave_token()),
        ("jane.user", JANE_USER.to_owned()),
        ("jane.user_encoded", JANE_USER.replace('@', "%40")),
        ("jane.password", JANE_PASSWORD.to_owned()),
        ("octo.user", OCTO_USER.to_owned()),
        ("octo.password", OCTO_PASSWORD.to_owned()),
    ])
}

/// Replaces `{name}` placeholders; an unknown name is an error that names it.
pub fn expand(text: &str, extra: &BTreeMap<&'static str, String>) -> Result<String, String> {
    let known = placeholders();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && end > 0 =>
            {
                let name = &after[..end];
                let value = extra
                    .get(name)
                    .or_else(|| known.get(name))
                    .ok_or_else(|| format!("unknown placeholder {{{name}}}"))?;
                out.push_str(value);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The secret key of one of the world's access key ids.
pub fn secret_of(access_key_id: &str) -> Option<&'static str> {
    [
        (ALICE_KEY, ALICE_SECRET),
        (BOB_KEY, BOB_SECRET),
        (CAROL_KEY, CAROL_SECRET),
        (DAVE_KEY, DAVE_SECRET),
    ]
    .into_iter()
    .find(|(k, _)| *k == access_key_id)
    .map(|(_, s)| s)
}

/// Secrets of the world, longest first, with the names transcripts show instead.
pub fn secrets() -> Vec<(String, &'static str)> {
    let mut secrets = vec![
        (carol_token(), "[CAROL_TOKEN]"),
        (bob_token(), "[BOB_TOKEN]"),
        (dave_token(), "[DAVE_TOKEN]"),
        (ALICE_SECRET.to_owned(), "[ALICE_SECRET]"),
        (BOB_SECRET.to_owned(), "[BOB_SECRET]"),
        (CAROL_SECRET.to_owned(), "[CAROL_SECRET]"),
        (DAVE_SECRET.to_owned(), "[DAVE_SECRET]"),
        (JANE_PASSWORD.to_owned(), "[JANE_PASSWORD]"),
        (OCTO_PASSWORD.to_owned(), "[OCTO_PASSWORD]"),
    ];
    secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_are_stable_long_enough_and_look_like_sts() {
        assert_eq!(session_token("x", 40), session_token("x", 40));
        assert_ne!(session_token("x", 40), session_token("y", 40));
        assert!(bob_token().len() >= 420 && bob_token().len() < 440);
        // Longer than the Windows credential store takes (2,560 bytes for the whole blob).
        assert!(carol_token().len() >= 2600);
        assert!(bob_token().starts_with("IQoJb3JpZ2luX2Vj"));
        assert!(
            carol_token()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        );
        assert_ne!(bob_token(), dave_token());
    }

    #[test]
    fn the_mock_config_names_every_identity_and_the_repository() {
        let config = mock_config();
        let parsed: toml::Table = config.parse().expect("the world's mock config is TOML");
        let names: Vec<&str> = parsed["identity"]
            .as_array()
            .expect("identities")
            .iter()
            .filter_map(|i| i["name"].as_str())
            .collect();
        assert_eq!(names, ["alice", "bob", "carol", "dave"]);
        let repo = &parsed["repository"][0];
        assert_eq!(repo["region"].as_str(), Some(REGION));
        assert_eq!(repo["name"].as_str(), Some(REPO));
        assert!(config.contains(&carol_token()));
        assert!(
            config.contains(r#"session_expires = "2020-01-01T00:00:00Z""#),
            "dave expired"
        );
        assert_eq!(
            parsed["git_credential"][0]["username"].as_str(),
            Some(JANE_USER)
        );
        assert_eq!(parsed["static_host"][0]["host"].as_str(), Some(GITHUB_HOST));
    }

    #[test]
    fn expand_replaces_known_placeholders_and_names_unknown_ones() {
        let extra = BTreeMap::from([("dir", "/s".to_owned())]);
        assert_eq!(
            expand("git clone {url} {dir}/c", &extra),
            Ok(format!("git clone {} /s/c", url()))
        );
        assert_eq!(
            expand("{jane.user_encoded}", &extra),
            Ok("jane%40example.com-at-111122223333".to_owned())
        );
        // Not placeholders: braces around other text stay as they are.
        assert_eq!(expand("{} {a b} {", &extra), Ok("{} {a b} {".to_owned()));
        assert_eq!(
            expand("{url} {nobody.key}", &extra),
            Err("unknown placeholder {nobody.key}".to_owned())
        );
        // `extra` wins over the world.
        let over = BTreeMap::from([("region", "eu-west-1".to_owned())]);
        assert_eq!(expand("{region}", &over), Ok("eu-west-1".to_owned()));
    }

    #[test]
    fn secrets_are_longest_first_and_cover_every_secret_placeholder() {
        let secrets = secrets();
        assert!(secrets.windows(2).all(|w| w[0].0.len() >= w[1].0.len()));
        let known = placeholders();
        for name in ["secret", "token", "password"] {
            for (key, value) in known.iter().filter(|(k, _)| k.ends_with(name)) {
                assert!(
                    secrets.iter().any(|(s, _)| s == value),
                    "{key} is not redacted"
                );
            }
        }
    }
}
