//! CodeCommit's authentication, as data and one function.
//!
//! Order of checks for a CodeCommit host (the first failure decides the reason):
//! 1. no `Authorization` → 401 `no_credentials` with the configured challenges;
//! 2. not `Basic base64(user:password)` in UTF-8 → 403 `malformed_authorization`;
//! 3. empty user and password (`Basic Og==`) → 403 `empty_credentials`;
//! 4. user is a static Git credential → its password (constant time) or 403 `wrong_password`;
//! 5. user is `AKID` or `AKID%SESSIONTOKEN` → 403 `unknown_access_key`, `missing_session_token`,
//!    `invalid_session_token`, `session_expired`;
//! 6. password shape `YYYYMMDDTHHMMSSZ<64 hex>` → 403 `bad_password_format`;
//! 7. timestamp within 15 minutes either way of the mock's clock → 403 `expired`/`not_yet_valid`;
//! 8. signature for the endpoint's region, the host without port and `/<repository path>`
//!    (constant time) → else 403 `wrong_region` when it verifies for another region, else
//!    `signature_mismatch`.
//!
//! The region is part of the signature's credential scope, so a password signed for another
//! region fails here (403) before the repository is looked up; a correct signature for a region
//! whose endpoint does not hold the repository gets the 404 of step "repository" in the server.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::config::{Config, Identity, StaticHost};
use crate::log::{Exposed, Reason};
use crate::sigv4::SignedPassword;

/// How far a password's timestamp may be from the mock's clock, either way, inclusive.
///
/// AWS documents only that the password stops working "after about 15 minutes"; the exact edge
/// and any tolerance for clock skew are not documented. The mock's fixed rule: a password signed
/// exactly 15 minutes before (or after) the mock's clock is accepted, one second more is not.
pub const WINDOW: time::Duration = time::Duration::minutes(15);

/// Regions tried to tell `wrong_region` from `signature_mismatch` (besides configured ones).
const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "af-south-1",
    "sa-east-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// The result of checking one request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authn {
    /// The user name sent, without session token (safe to log).
    pub user: Option<String>,
    /// Proven identity, or why not.
    pub result: Result<String, Reason>,
}

impl Authn {
    fn fail(user: Option<&str>, reason: Reason) -> Authn {
        Authn {
            user: user.map(str::to_owned),
            result: Err(reason),
        }
    }
}

/// The identities and static credentials, indexed.
#[derive(Debug)]
pub struct Gate {
    by_key: HashMap<String, Identity>,
    by_user: HashMap<String, (String, String)>,
    regions: Vec<String>,
}

impl Gate {
    pub fn new(config: &Config) -> Gate {
        let by_key = config
            .identities
            .iter()
            .map(|i| (i.access_key_id.clone(), i.clone()))
            .collect();
        let by_user = config
            .git_credentials
            .iter()
            .map(|c| (c.username.clone(), (c.password.clone(), c.identity.clone())))
            .collect();
        let mut regions: Vec<String> = KNOWN_REGIONS.iter().map(|r| (*r).to_owned()).collect();
        for r in &config.repositories {
            if !regions.contains(&r.region) {
                regions.push(r.region.clone());
            }
        }
        Gate {
            by_key,
            by_user,
            regions,
        }
    }

    /// Checks credentials for a CodeCommit endpoint. `host` has no port; `repo_path` has no
    /// leading `/` (`v1/repos/MyDemoRepo`), as git hands it to credential helpers.
    pub fn codecommit(
        &self,
        authorization: Option<&[u8]>,
        host: &str,
        region: &str,
        repo_path: &str,
        now: OffsetDateTime,
    ) -> Authn {
        let Some(header) = authorization else {
            return Authn::fail(None, Reason::NoCredentials);
        };
        let Some((user, password)) = parse_basic(header) else {
            return Authn::fail(None, Reason::MalformedAuthorization);
        };
        if user.is_empty() && password.is_empty() {
            return Authn::fail(None, Reason::EmptyCredentials);
        }
        if let Some((expected, identity)) = self.by_user.get(&user) {
            let ok: bool = expected.as_bytes().ct_eq(password.as_bytes()).into();
            return if ok {
                Authn {
                    user: Some(user),
                    result: Ok(identity.clone()),
                }
            } else {
                Authn::fail(Some(&user), Reason::WrongPassword)
            };
        }
        let (key, token) = match user.split_once('%') {
            Some((key, token)) => (key, Some(token)),
            None => (user.as_str(), None),
        };
        let Some(identity) = self.by_key.get(key) else {
            return Authn::fail(Some(key), Reason::UnknownAccessKey);
        };
        let fail = |reason| Authn::fail(Some(key), reason);
        match (&identity.session_token, token) {
            (Some(_), None) => return fail(Reason::MissingSessionToken),
            (None, Some(_)) => return fail(Reason::InvalidSessionToken),
            (Some(expected), Some(sent)) => {
                if !bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) {
                    return fail(Reason::InvalidSessionToken);
                }
                if identity.session_expires.is_some_and(|exp| exp <= now) {
                    return fail(Reason::SessionExpired);
                }
            }
            (None, None) => {}
        }
        let Ok(signed) = SignedPassword::parse(&password) else {
            return fail(Reason::BadPasswordFormat);
        };
        if signed.time < now - WINDOW {
            return fail(Reason::Expired);
        }
        if signed.time > now + WINDOW {
            return fail(Reason::NotYetValid);
        }
        let path = format!("/{repo_path}");
        let secret = &identity.secret_access_key;
        if signed.verifies(secret, region, host, &path) {
            return Authn {
                user: Some(key.to_owned()),
                result: Ok(identity.name.clone()),
            };
        }
        let other_region = self
            .regions
            .iter()
            .filter(|r| *r != region)
            .any(|r| signed.verifies(secret, r, host, &path));
        fail(if other_region {
            Reason::WrongRegion
        } else {
            Reason::SignatureMismatch
        })
    }

    /// Checks credentials for a static (non-CodeCommit) host.
    pub fn static_host(&self, authorization: Option<&[u8]>, host: &StaticHost) -> Authn {
        let Some(header) = authorization else {
            return Authn::fail(None, Reason::NoCredentials);
        };
        let Some((user, password)) = parse_basic(header) else {
            return Authn::fail(None, Reason::MalformedAuthorization);
        };
        let user_ok: bool = host.username.as_bytes().ct_eq(user.as_bytes()).into();
        let pass_ok: bool = host.password.as_bytes().ct_eq(password.as_bytes()).into();
        if user_ok && pass_ok {
            Authn {
                user: Some(user.clone()),
                result: Ok(user),
            }
        } else {
            Authn::fail(Some(&user), Reason::BadCredentials)
        }
    }
}

/// What a request to a foreign host or over plain http carried, safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The user name sent, up to its first `%` (an access key id without its session token).
    pub user: Option<String>,
    /// What the credentials exposed, by shape (see [`exposed`]).
    pub exposed: Vec<Exposed>,
    /// `no_credentials` without `Authorization` (401, so git asks its helpers), else `refused`.
    pub reason: Reason,
}

/// Judges a request to a server that only wants to see what a helper hands over: a foreign host
/// (`refused` = `foreign_host`) or any host over plain http (`plain_http`). Never keeps the
/// password, the token or the signature.
pub fn exposure(authorization: Option<&[u8]>, refused: Reason) -> Exposure {
    let Some(header) = authorization else {
        return Exposure {
            user: None,
            exposed: Vec::new(),
            reason: Reason::NoCredentials,
        };
    };
    let (user, exposed) = match parse_basic(header) {
        Some((user, password)) => {
            let shown = user.split('%').next().unwrap_or_default();
            let shown = (!shown.is_empty()).then(|| shown.to_owned());
            (shown, exposed(&user, &password))
        }
        // Not Basic: nothing to classify, still a refusal.
        None => (None, Vec::new()),
    };
    Exposure {
        user,
        exposed,
        reason: refused,
    }
}

/// Length of an AWS access key id: `AKIA` or `ASIA` and 16 upper-case letters or digits.
const KEY_ID_LEN: usize = 20;

/// What a Basic user name and password expose, by shape:
/// - user name starting with `(AKIA|ASIA)[A-Z0-9]{16}` → `access_key_id`, and when `%` and a
///   non-empty token follow the key id → `session_token` too;
/// - password `\d{8}T\d{6}Z[0-9a-f]{64}` → `codecommit_password`, any other non-empty one →
///   `other_password`.
pub fn exposed(user: &str, password: &str) -> Vec<Exposed> {
    let mut out = Vec::new();
    if starts_with_key_id(user) {
        out.push(Exposed::AccessKeyId);
        // The first 20 bytes are ASCII, so 20 is a character boundary.
        if user[KEY_ID_LEN..]
            .strip_prefix('%')
            .is_some_and(|token| !token.is_empty())
        {
            out.push(Exposed::SessionToken);
        }
    }
    if is_codecommit_password(password) {
        out.push(Exposed::CodecommitPassword);
    } else if !password.is_empty() {
        out.push(Exposed::OtherPassword);
    }
    out
}

fn starts_with_key_id(user: &str) -> bool {
    let b = user.as_bytes();
    b.len() >= KEY_ID_LEN
        && (b.starts_with(b"AKIA") || b.starts_with(b"ASIA"))
        && b[4..KEY_ID_LEN]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `YYYYMMDDTHHMMSSZ` and 64 lower-case hex digits, by shape only (no calendar check: a leak is
/// a leak even with a nonsense date).
fn is_codecommit_password(password: &str) -> bool {
    let b = password.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 80
        && digits(0..8)
        && b[8] == b'T'
        && digits(9..15)
        && b[15] == b'Z'
        && b[16..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

/// Splits `Basic <base64(user:password)>`; `None` for anything else.
pub fn parse_basic(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    // Standard alphabet with padding (RFC 4648 §4), as HTTP Basic uses (RFC 7617).
    let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sigv4;
    use time::macros::datetime;

    const HOST: &str = "git-codecommit.us-east-2.amazonaws.com";

    fn gate() -> Gate {
        Gate::new(
            &Config::from_toml(
                r#"
                [[identity]]
                name = "alice"
                access_key_id = "AKIAALICE"
                secret_access_key = "alice-secret"
                [[identity]]
                name = "tom"
                access_key_id = "ASIATOM"
                secret_access_key = "tom-secret"
                session_token = "tok/en+="
                session_expires = "2030-01-01T00:00:00Z"
                [[git_credential]]
                identity = "alice"
                username = "alice-at-111122223333"
                password = "pw"
                "#,
            )
            .expect("config"),
        )
    }

    fn basic(user: &str, pass: &str) -> Vec<u8> {
        // Encoded by a tiny independent encoder, so decode is checked against something.
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let raw = format!("{user}:{pass}").into_bytes();
        let mut s = String::from("Basic ");
        for c in raw.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s.into_bytes()
    }

    fn check(user: &str, pass: &str, now: OffsetDateTime) -> Result<String, Reason> {
        gate()
            .codecommit(
                Some(&basic(user, pass)),
                HOST,
                "us-east-2",
                "v1/repos/R",
                now,
            )
            .result
    }

    #[test]
    fn basic_parsing() {
        assert_eq!(
            parse_basic(b"Basic Og=="),
            Some((String::new(), String::new()))
        );
        assert_eq!(
            parse_basic(&basic("a%b", "p:q")),
            Some(("a%b".into(), "p:q".into()))
        );
        assert_eq!(parse_basic(b"Basic !!!!"), None);
        assert_eq!(parse_basic(b"Basic YQ="), None);
        assert_eq!(parse_basic(b"Bearer abc"), None);
        assert_eq!(parse_basic(b"Basic \xff\xfe"), None);
        assert_eq!(parse_basic(b"Basic YWJj"), None, "no colon");
    }

    #[test]
    fn sigv4_outcomes() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        let pw = |secret, at, region, path| sigv4::password(secret, at, region, HOST, path);
        let good = pw("alice-secret", now, "us-east-2", "/v1/repos/R");
        assert_eq!(check("AKIAALICE", &good, now), Ok("alice".into()));
        let minutes = |m| time::Duration::minutes(m);
        assert_eq!(
            check("AKIAALICE", &good, now + minutes(14)),
            Ok("alice".into())
        );
        assert_eq!(
            check("AKIAALICE", &good, now + minutes(16)),
            Err(Reason::Expired)
        );
        assert_eq!(
            check("AKIAALICE", &good, now - minutes(16)),
            Err(Reason::NotYetValid)
        );
        assert_eq!(
            check("AKIAOTHER", &good, now),
            Err(Reason::UnknownAccessKey)
        );
        let mut tampered = good.clone().into_bytes();
        tampered[79] = if tampered[79] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert_eq!(
            check("AKIAALICE", &tampered, now),
            Err(Reason::SignatureMismatch)
        );
        let wrong_secret = pw("bob-secret", now, "us-east-2", "/v1/repos/R");
        assert_eq!(
            check("AKIAALICE", &wrong_secret, now),
            Err(Reason::SignatureMismatch)
        );
        let wrong_path = pw("alice-secret", now, "us-east-2", "/v1/repos/S");
        assert_eq!(
            check("AKIAALICE", &wrong_path, now),
            Err(Reason::SignatureMismatch)
        );
        let wrong_region = pw("alice-secret", now, "eu-west-1", "/v1/repos/R");
        assert_eq!(
            check("AKIAALICE", &wrong_region, now),
            Err(Reason::WrongRegion)
        );
        assert_eq!(
            check("AKIAALICE", "hunter2", now),
            Err(Reason::BadPasswordFormat)
        );
        assert_eq!(check("", "", now), Err(Reason::EmptyCredentials));
    }

    #[test]
    fn sessions_and_static() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        let good = sigv4::password("tom-secret", now, "us-east-2", HOST, "/v1/repos/R");
        assert_eq!(check("ASIATOM%tok/en+=", &good, now), Ok("tom".into()));
        assert_eq!(
            check("ASIATOM", &good, now),
            Err(Reason::MissingSessionToken)
        );
        assert_eq!(
            check("ASIATOM%other", &good, now),
            Err(Reason::InvalidSessionToken)
        );
        assert_eq!(
            check("ASIATOM%tok%2Fen%2B%3D", &good, now),
            Err(Reason::InvalidSessionToken)
        );
        let later = datetime!(2030-01-01 00:00:01 UTC);
        let good_later = sigv4::password("tom-secret", later, "us-east-2", HOST, "/v1/repos/R");
        assert_eq!(
            check("ASIATOM%tok/en+=", &good_later, later),
            Err(Reason::SessionExpired)
        );
        assert_eq!(
            check("alice-at-111122223333", "pw", now),
            Ok("alice".into())
        );
        assert_eq!(
            check("alice-at-111122223333", "pw2", now),
            Err(Reason::WrongPassword)
        );
        let none = gate().codecommit(None, HOST, "us-east-2", "v1/repos/R", now);
        assert_eq!(none.result, Err(Reason::NoCredentials));
        let bad = gate().codecommit(Some(b"Basic ###"), HOST, "us-east-2", "v1/repos/R", now);
        assert_eq!(bad.result, Err(Reason::MalformedAuthorization));
    }

    /// The window's edges, by the fixed rule of [`WINDOW`]: 15 minutes either way is accepted,
    /// one second more is not.
    #[test]
    fn the_fifteen_minute_window_is_inclusive() {
        let signed = datetime!(2026-03-01 12:00:00 UTC);
        let good = sigv4::password("alice-secret", signed, "us-east-2", HOST, "/v1/repos/R");
        let at = |secs: i64| check("AKIAALICE", &good, signed + time::Duration::seconds(secs));
        assert_eq!(
            at(15 * 60),
            Ok("alice".into()),
            "signed exactly 15 minutes ago"
        );
        assert_eq!(at(15 * 60 + 1), Err(Reason::Expired));
        assert_eq!(at(-15 * 60), Ok("alice".into()), "signed 15 minutes ahead");
        assert_eq!(at(-15 * 60 - 1), Err(Reason::NotYetValid));
        // The mock's clock has sub-second precision, the password's timestamp has not.
        let late = signed + time::Duration::seconds(15 * 60) + time::Duration::milliseconds(1);
        assert_eq!(check("AKIAALICE", &good, late), Err(Reason::Expired));
    }

    #[test]
    fn empty_user_or_password_alone_is_not_empty_credentials() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        assert_eq!(check("", "", now), Err(Reason::EmptyCredentials));
        assert_eq!(check("", "pw", now), Err(Reason::UnknownAccessKey));
        assert_eq!(check("AKIAALICE", "", now), Err(Reason::BadPasswordFormat));
    }

    /// `+` and `/` are the two characters of the base64 alphabet that are not letters or
    /// digits; secret keys and session tokens are full of them, so their encodings are too.
    #[test]
    fn basic_credentials_with_plus_and_slash_in_their_encoding() {
        let header = basic("a", "???>>>");
        let text = String::from_utf8(header.clone()).expect("ascii");
        assert!(text.contains('+') && text.contains('/'), "{text}");
        assert_eq!(parse_basic(&header), Some(("a".into(), "???>>>".into())));
        // A static Git credential whose encoding holds both is accepted end to end.
        let gate = Gate::new(
            &Config::from_toml(
                r#"
                [[identity]]
                name = "carol"
                access_key_id = "AKIACAROL"
                secret_access_key = "s"
                [[git_credential]]
                identity = "carol"
                username = "carol-at-1"
                password = "?>?>/+=="
                "#,
            )
            .expect("config"),
        );
        let header = basic("carol-at-1", "?>?>/+==");
        assert!(header.contains(&b'+') && header.contains(&b'/'));
        let now = datetime!(2026-03-01 12:00:00 UTC);
        let authn = gate.codecommit(Some(&header), HOST, "us-east-2", "v1/repos/R", now);
        assert_eq!(authn.result, Ok("carol".into()));
        // Padding only at the end, at most two, and no stray bits: anything else is malformed.
        for bad in [
            &b"Basic YQ==YQ=="[..],
            b"Basic Y===",
            b"Basic YR==",
            b"Basic YWJjOmRl=ZWY=",
            b"Basic YWJj-ZGVm",
            b"Basic YWJj_ZGVm",
        ] {
            assert_eq!(parse_basic(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            parse_basic(b"basic  YTpi  "),
            Some(("a".into(), "b".into()))
        );
    }

    /// A session token stops working at its expiry instant (STS's `Expiration`), not a second
    /// later.
    #[test]
    fn a_session_expires_at_its_expiry_instant() {
        let expiry = datetime!(2030-01-01 00:00:00 UTC);
        let pw = |at| sigv4::password("tom-secret", at, "us-east-2", HOST, "/v1/repos/R");
        let just_before = expiry - time::Duration::seconds(1);
        assert_eq!(
            check("ASIATOM%tok/en+=", &pw(just_before), just_before),
            Ok("tom".into())
        );
        assert_eq!(
            check("ASIATOM%tok/en+=", &pw(expiry), expiry),
            Err(Reason::SessionExpired)
        );
    }

    /// A region only a repository names (not in the built-in list) is still recognised as the
    /// region a password was signed for.
    #[test]
    fn wrong_region_knows_configured_regions() {
        let gate = Gate::new(
            &Config::from_toml(
                r#"
                [[identity]]
                name = "alice"
                access_key_id = "AKIAALICE"
                secret_access_key = "alice-secret"
                [[repository]]
                region = "xx-mars-1"
                name = "R"
                "#,
            )
            .expect("config"),
        );
        let now = datetime!(2026-03-01 12:00:00 UTC);
        let pw = sigv4::password("alice-secret", now, "xx-mars-1", HOST, "/v1/repos/R");
        let authn = gate.codecommit(
            Some(&basic("AKIAALICE", &pw)),
            HOST,
            "us-east-2",
            "v1/repos/R",
            now,
        );
        assert_eq!(authn.result, Err(Reason::WrongRegion));
    }

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const CC_PASSWORD: &str =
        "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a";

    #[test]
    fn what_credentials_expose() {
        use Exposed::*;
        assert_eq!(exposed(KEY, CC_PASSWORD), [AccessKeyId, CodecommitPassword]);
        assert_eq!(
            exposed("ASIAIOSFODNN7EXAMPLE%IQoJb3JpZ2luX2Vj/+=", CC_PASSWORD),
            [AccessKeyId, SessionToken, CodecommitPassword]
        );
        // The key id is a prefix: what follows it without `%` is not a token.
        assert_eq!(
            exposed("AKIAIOSFODNN7EXAMPLEX", "x"),
            [AccessKeyId, OtherPassword]
        );
        assert_eq!(exposed("AKIAIOSFODNN7EXAMPLE%", ""), [AccessKeyId]);
        assert_eq!(exposed("AKIAIOSFODNN7EXAMPLE-%t", ""), [AccessKeyId]);
        // Not a key id: too short, wrong prefix, lower case, punctuation at either end.
        for user in [
            "AKIAIOSFODNN7EXAMPL",
            "AKIDIOSFODNN7EXAMPLE",
            "AGPAIOSFODNN7EXAMPLE",
            "akiaIOSFODNN7EXAMPLE",
            "AKIAiosfodnn7example",
            "AKIAIOSFODNN7EXAMPL-",
            "AKIA-IOSFODNN7EXAMPLE",
            "AKIA_IOSFODNN7EXAMPL",
            "octocat",
            "",
        ] {
            assert_eq!(exposed(user, "pw"), [OtherPassword], "{user}");
        }
        assert_eq!(exposed("octocat", ""), []);
        // Password shape, one position at a time.
        let mut not_codecommit = vec![
            CC_PASSWORD[..79].to_owned(),
            format!("{CC_PASSWORD}0"),
            CC_PASSWORD.replacen('T', "t", 1),
            CC_PASSWORD.replacen('Z', "z", 1),
            CC_PASSWORD.replace("b6df", "B6DF"),
            CC_PASSWORD.replace("b6df", "g6df"),
        ];
        for i in (0..8).chain(9..15) {
            let mut p = CC_PASSWORD.as_bytes().to_vec();
            p[i] = b'x';
            not_codecommit.push(String::from_utf8(p).expect("ascii"));
        }
        for p in &not_codecommit {
            assert_eq!(exposed("u", p), [OtherPassword], "{p}");
        }
        // A nonsense date is still the shape of a signed password.
        let month_13 = CC_PASSWORD.replacen("1224", "1332", 1);
        assert_eq!(exposed("u", &month_13), [CodecommitPassword]);
    }

    #[test]
    fn exposure_keeps_no_secret() {
        let header = basic(&format!("{KEY}%the-token"), CC_PASSWORD);
        let seen = exposure(Some(&header), Reason::PlainHttp);
        assert_eq!(
            seen,
            Exposure {
                user: Some(KEY.into()),
                exposed: vec![
                    Exposed::AccessKeyId,
                    Exposed::SessionToken,
                    Exposed::CodecommitPassword
                ],
                reason: Reason::PlainHttp,
            }
        );
        assert_eq!(
            exposure(None, Reason::ForeignHost),
            Exposure {
                user: None,
                exposed: vec![],
                reason: Reason::NoCredentials
            }
        );
        assert_eq!(
            exposure(Some(b"Bearer t"), Reason::ForeignHost),
            Exposure {
                user: None,
                exposed: vec![],
                reason: Reason::ForeignHost
            }
        );
        let empty_user = exposure(Some(&basic("%tok", "pw")), Reason::ForeignHost);
        assert_eq!(
            (empty_user.user, empty_user.exposed),
            (None, vec![Exposed::OtherPassword])
        );
    }
}
