//! CodeCommit's git password: a SigV4 signature over a `GIT` pseudo-request.
//!
//! Written here from hmac + sha2 on purpose: the helper crate signs with its own code, and the mock
//! must not share a bug with it. Every stage is a function taking its inputs (never the clock), so
//! tests check canonical request, string to sign and signature separately.
//!
//! - canonical request: `GIT\n<path>\n\nhost:<host>\n\nhost\n`, where `<path>` is the repository
//!   path with one leading `/` (`/v1/repos/MyDemoRepo`) and `<host>` has no port;
//! - string to sign: `AWS4-HMAC-SHA256\n<YYYYMMDDTHHMMSS>\n<YYYYMMDD>/<region>/codecommit/aws4_request\n<hex sha256(canonical)>`
//!   (the timestamp has **no** trailing `Z`, unlike standard SigV4);
//! - key: the standard SigV4 derivation with service `codecommit`;
//! - password: `<YYYYMMDDTHHMMSS>Z<hex signature>`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

type HmacSha256 = Hmac<Sha256>;

pub const SERVICE: &str = "codecommit";

/// The canonical request CodeCommit's password signs.
pub fn canonical_request(path: &str, host: &str) -> String {
    format!("GIT\n{path}\n\nhost:{host}\n\nhost\n")
}

/// `YYYYMMDDTHHMMSS` (no `Z`) as used in the string to sign.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The string to sign for `canonical` at `ts` (`YYYYMMDDTHHMMSS`) in `region`.
pub fn string_to_sign(ts: &str, region: &str, canonical: &str) -> String {
    let date = &ts[..8.min(ts.len())];
    let digest = hex::encode(Sha256::digest(canonical.as_bytes()));
    format!("AWS4-HMAC-SHA256\n{ts}\n{date}/{region}/{SERVICE}/aws4_request\n{digest}")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The SigV4 signing key for `secret` on `date` (`YYYYMMDD`) in `region`, service `codecommit`.
pub fn signing_key(secret: &str, date: &str, region: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, SERVICE.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The raw signature bytes for a password made at `ts`.
pub fn signature(secret: &str, ts: &str, region: &str, host: &str, path: &str) -> [u8; 32] {
    let sts = string_to_sign(ts, region, &canonical_request(path, host));
    hmac(
        &signing_key(secret, &ts[..8.min(ts.len())], region),
        sts.as_bytes(),
    )
}

/// The password a client would compute (used by tests to forge good and bad passwords).
pub fn password(secret: &str, at: OffsetDateTime, region: &str, host: &str, path: &str) -> String {
    let ts = timestamp(at);
    format!(
        "{ts}Z{}",
        hex::encode(signature(secret, &ts, region, host, path))
    )
}

/// A password split into its timestamp and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPassword {
    /// `YYYYMMDDTHHMMSS`, exactly as sent.
    pub ts: String,
    pub time: OffsetDateTime,
    pub signature: [u8; 32],
}

/// Why a password is not of the form `YYYYMMDDTHHMMSSZ<64 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("password is {0} bytes long, expected 80 (`YYYYMMDDTHHMMSSZ` and 64 hex digits)")]
    Length(usize),
    #[error("password does not start with a `YYYYMMDDTHHMMSSZ` timestamp")]
    Timestamp,
    #[error("password signature is not 64 lower-case hex digits")]
    Signature,
}

impl SignedPassword {
    pub fn parse(password: &str) -> Result<SignedPassword, FormatError> {
        let b = password.as_bytes();
        if b.len() != 80 {
            return Err(FormatError::Length(b.len()));
        }
        if !password.is_ascii() {
            return Err(FormatError::Timestamp);
        }
        let digits = |r: std::ops::Range<usize>| -> Result<u32, FormatError> {
            let s = &password[r];
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().map_err(|_| FormatError::Timestamp)
            } else {
                Err(FormatError::Timestamp)
            }
        };
        if b[8] != b'T' || b[15] != b'Z' {
            return Err(FormatError::Timestamp);
        }
        let year = digits(0..4)? as i32;
        let month = Month::try_from(digits(4..6)? as u8).map_err(|_| FormatError::Timestamp)?;
        let date = Date::from_calendar_date(year, month, digits(6..8)? as u8)
            .map_err(|_| FormatError::Timestamp)?;
        let t = Time::from_hms(
            digits(9..11)? as u8,
            digits(11..13)? as u8,
            digits(13..15)? as u8,
        )
        .map_err(|_| FormatError::Timestamp)?;
        let hex_part = &password[16..];
        if !hex_part
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(FormatError::Signature);
        }
        let mut signature = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut signature).map_err(|_| FormatError::Signature)?;
        Ok(SignedPassword {
            ts: password[..15].to_owned(),
            time: PrimitiveDateTime::new(date, t).assume_utc(),
            signature,
        })
    }

    /// Constant-time check of the signature against `secret`, `region`, `host` and `path`.
    pub fn verifies(&self, secret: &str, region: &str, host: &str, path: &str) -> bool {
        let expected = signature(secret, &self.ts, region, host, path);
        expected.ct_eq(&self.signature).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    // git-remote-codecommit's test/git_url_test.py.
    #[test]
    fn git_remote_codecommit_vector() {
        let at = datetime!(2017-12-24 11:53:20 UTC);
        let host = "git-codecommit.us-west-2.amazonaws.com";
        assert_eq!(
            password("secret", at, "us-west-2", host, "/v1/repos/test_repo"),
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
        );
        assert_eq!(
            password(
                "secret",
                at,
                "us-west-2",
                "land.called.honahlee",
                "/v1/repos/test_repo"
            ),
            "20171224T115320Za14a37a53035bbceb6e1748247b143124fe7326cdffd3d418236a592ce6158a0"
        );
    }

    // gembaadvantage/codecommit-sign pkg/awsv4/signer_test.go, checked stage by stage.
    #[test]
    fn codecommit_sign_vector_stages() {
        let host = "git-codecommit.eu-west-1.amazonaws.com";
        let canonical = canonical_request("/v1/repos/dummy-repo", host);
        assert_eq!(
            canonical,
            "GIT\n/v1/repos/dummy-repo\n\nhost:git-codecommit.eu-west-1.amazonaws.com\n\nhost\n"
        );
        assert_eq!(
            hex::encode(Sha256::digest(canonical.as_bytes())),
            "b7cad41c14b37f02e4d2deaf4f0773423b7dbe5db34af6b45362223291f968ef"
        );
        let ts = timestamp(datetime!(2021-09-01 10:25:23 UTC));
        assert_eq!(ts, "20210901T102523");
        assert_eq!(
            string_to_sign(&ts, "eu-west-1", &canonical),
            "AWS4-HMAC-SHA256\n20210901T102523\n20210901/eu-west-1/codecommit/aws4_request\n\
             b7cad41c14b37f02e4d2deaf4f0773423b7dbe5db34af6b45362223291f968ef"
        );
        assert_eq!(
            hex::encode(signature(
                "SECRET_ACCESS_KEY",
                &ts,
                "eu-west-1",
                host,
                "/v1/repos/dummy-repo"
            )),
            "670ef0c32f13fc847ed0c001a2b90bc772451c1eb89eadf84a73f3e82da9f56a"
        );
    }

    #[test]
    fn parse_and_verify() {
        let host = "git-codecommit.us-west-2.amazonaws.com";
        let p = SignedPassword::parse(
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a",
        )
        .expect("valid password");
        assert_eq!(p.time, datetime!(2017-12-24 11:53:20 UTC));
        assert!(p.verifies("secret", "us-west-2", host, "/v1/repos/test_repo"));
        assert!(!p.verifies("Secret", "us-west-2", host, "/v1/repos/test_repo"));
        assert!(!p.verifies("secret", "us-east-2", host, "/v1/repos/test_repo"));
        assert!(!p.verifies("secret", "us-west-2", host, "/v1/repos/test_repo2"));
        assert!(!p.verifies(
            "secret",
            "us-west-2",
            &format!("{host}:443"),
            "/v1/repos/test_repo"
        ));
    }

    #[test]
    fn format_errors() {
        let good =
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a";
        assert_eq!(SignedPassword::parse(""), Err(FormatError::Length(0)));
        assert_eq!(
            SignedPassword::parse(&good[..79]),
            Err(FormatError::Length(79))
        );
        assert_eq!(
            SignedPassword::parse(&good.replace('Z', "z")),
            Err(FormatError::Timestamp)
        );
        assert_eq!(
            SignedPassword::parse(&good.replacen("1224", "1332", 1)),
            Err(FormatError::Timestamp)
        );
        assert_eq!(
            SignedPassword::parse(&good.replace("b6df", "B6DF")),
            Err(FormatError::Signature)
        );
        assert_eq!(
            SignedPassword::parse(&good.replace("b6df", "x6df")),
            Err(FormatError::Signature)
        );
        // Multi-byte characters must not panic on slicing.
        let weird = format!("é{}", &good[2..]);
        assert!(SignedPassword::parse(&weird).is_err());
    }
}
