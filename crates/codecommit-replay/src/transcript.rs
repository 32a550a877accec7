//! What a run shows, made stable: temporary paths, ports, timestamps, signatures, expiry times
//! and every secret of the world are replaced by names, so transcripts can be compared across
//! runs and machines and never carry a secret.

use crate::standin::HelperCall;
use regex::Regex;
use std::sync::OnceLock;

/// Replaces what changes from run to run, and every secret.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// The sandbox root as the platform writes it, and as git configuration holds it on Windows
    /// (with `/`: `Platform::config_path`); one entry where they are the same.
    roots: Vec<String>,
    port: String,
}

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // A CodeCommit password: timestamp, Z, 64 hex digits of signature.
            (r"\d{8}T\d{6}Z[0-9a-f]{64}", "[PASSWORD]"),
            (r"password_expiry_utc=\d+", "password_expiry_utc=[EXPIRY]"),
            (r"\b[0-9a-f]{40}\b", "[OID]"),
            (r"\b[0-9a-f]{7,12}\.\.[0-9a-f]{7,12}\b", "[OID]..[OID]"),
        ]
        .iter()
        .map(|(p, r)| (Regex::new(p).expect("a valid pattern"), *r))
        .collect()
    })
}

impl Normalizer {
    pub fn new(root: &std::path::Path, proxy_port: u16) -> Normalizer {
        let mut roots = vec![root.display().to_string()];
        let slashed = roots[0].replace('\\', "/");
        if slashed != roots[0] {
            roots.push(slashed);
        }
        Normalizer {
            roots,
            port: proxy_port.to_string(),
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for root in &self.roots {
            out = out.replace(root, "[ROOT]");
        }
        for (secret, name) in crate::world::secrets() {
            out = out.replace(&secret, name);
            // Git and git-remote-codecommit percent-encode user names in URLs.
            let encoded = secret
                .replace('%', "%25")
                .replace('/', "%2F")
                .replace('+', "%2B")
                .replace('=', "%3D");
            if encoded != secret {
                out = out.replace(&encoded, name);
            }
        }
        for (pattern, replacement) in patterns() {
            out = pattern.replace_all(&out, *replacement).into_owned();
        }
        out.replace(&format!("127.0.0.1:{}", self.port), "127.0.0.1:[PORT]")
    }

    /// One helper call as a transcript line: `aws get (protocol=https host=… path=…) -> username=… password=[PASSWORD]`,
    /// every attribute in the order it came (`capability[]=authtype`, `wwwauth[]=…` from the gits
    /// that send them), passwords as `[PASSWORD]` and git 2.46's `credential=` as `[CREDENTIAL]`.
    pub fn helper_call(&self, call: &HelperCall) -> String {
        let pairs = |pairs: &[(String, String)]| {
            // Every line as it came, `capability[]`, `wwwauth[]`, `state[]` (git 2.41, 2.46)
            // and the authtype answer included; the secrets by name.
            pairs
                .iter()
                .map(|(k, v)| match k.as_str() {
                    "password" => "password=[PASSWORD]".to_owned(),
                    // base64 of user:password (git 2.46's authtype): as secret as a password.
                    "credential" => "credential=[CREDENTIAL]".to_owned(),
                    _ => self.text(&format!("{k}={v}")),
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut line = format!(
            "{} {} ({})",
            call.helper,
            call.operation,
            pairs(&call.input)
        );
        if !call.output.is_empty() {
            line.push_str(&format!(" -> {}", pairs(&call.output)));
        }
        if call.exit != 0 {
            line.push_str(&format!(" [exit {}]", call.exit));
        }
        for err in call.stderr.lines().filter(|l| !l.trim().is_empty()) {
            line.push_str(&format!("\n    stderr: {}", self.text(err)));
        }
        line
    }
}

/// Collapses consecutive repeats: `[401, 200, 200, 200]` → `[401, 200]`.
pub fn collapse(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if out.last() != Some(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standin::HelperOperation;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_windows_root_is_replaced_as_windows_and_as_git_configuration_write_it() {
        // A Windows path is one plain string on Linux: the replacement is the same there.
        let n = Normalizer::new(std::path::Path::new(r"C:\Temp\replay-x"), 1);
        assert_eq!(
            n.text(r"file:C:/Temp/replay-x/etc/gitconfig and C:\Temp\replay-x\home"),
            r"file:[ROOT]/etc/gitconfig and [ROOT]\home"
        );
    }

    #[test]
    fn capabilities_and_challenges_show_and_the_credential_is_named() {
        let n = Normalizer::new(std::path::Path::new("/nonexistent-root"), 1);
        let call = HelperCall {
            helper: "aws".into(),
            operation: HelperOperation::Get,
            args: vec!["get".into()],
            input: pairs(&[
                ("capability[]", "authtype"),
                ("capability[]", "state"),
                ("protocol", "https"),
                ("wwwauth[]", "Basic realm=\"CodeCommit\""),
            ]),
            output: pairs(&[
                ("capability[]", "authtype"),
                ("authtype", "Basic"),
                ("credential", "QUtJQTpzZWNyZXQ="),
                ("ephemeral", "1"),
                ("password_expiry_utc", "1767323945"),
            ]),
            exit: 0,
            stderr: String::new(),
        };
        assert_eq!(
            n.helper_call(&call),
            "aws get (capability[]=authtype capability[]=state protocol=https wwwauth[]=Basic realm=\"CodeCommit\") -> capability[]=authtype authtype=Basic credential=[CREDENTIAL] ephemeral=1 password_expiry_utc=[EXPIRY]"
        );
    }
}
