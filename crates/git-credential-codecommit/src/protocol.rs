//! Git's credential helper protocol: `key=value` lines on stdin, answered the same way on stdout.
//!
//! See `git help credential`. Git ends its input with a blank line or end of file. Helpers must
//! ignore attributes they do not know: git 2.41 and later send `wwwauth[]`, 2.46 and later
//! `capability[]` and `state[]`, and other tools send `url=`. Values run to the end of the line and
//! may contain `=`; a trailing `\r` is tolerated because some Windows tools write CRLF.

use crate::secret::Secret;
use std::io::{self, BufRead, Write};

/// Git never sends more than a few kilobytes (a long `wwwauth[]` challenge at most): anything
/// larger is not git talking, and reading it all would let a broken caller exhaust memory.
pub const MAX_INPUT: usize = 1 << 20;

/// What git asks about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    pub host: Option<String>,
    /// The repository path, without leading or trailing `/`; only sent with `credential.useHttpPath`.
    pub path: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// Every `capability[]` git offered (git 2.46 and later over HTTP: `authtype`, `state`).
    pub capabilities: Vec<String>,
}

/// Input that is not git's credential protocol.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("line {line} of git's input has no '=' (expected key=value)")]
    MissingEquals { line: usize },
    #[error("line {line} of git's input is not valid UTF-8")]
    NotUtf8 { line: usize },
    #[error("line {line} of git's input contains a NUL byte in '{key}'")]
    Nul { line: usize, key: String },
    #[error(
        "git's input is larger than {MAX_INPUT} bytes; is something other than git calling this helper?"
    )]
    TooLarge,
    #[error("could not read git's input: {0}")]
    Io(String),
}

impl Request {
    /// Reads one request: up to a blank line or end of file, whichever comes first.
    pub fn read(input: impl BufRead) -> Result<Request, ParseError> {
        let mut request = Request::default();
        let mut limited = input.take(MAX_INPUT as u64 + 1);
        let mut total = 0usize;
        let mut buf = Vec::new();
        for line_no in 1.. {
            buf.clear();
            let n = limited
                .read_until(b'\n', &mut buf)
                .map_err(|e| ParseError::Io(e.to_string()))?;
            total += n;
            if total > MAX_INPUT {
                return Err(ParseError::TooLarge);
            }
            if n == 0 {
                break;
            }
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                break;
            }
            let line =
                std::str::from_utf8(line).map_err(|_| ParseError::NotUtf8 { line: line_no })?;
            let (key, value) = line
                .split_once('=')
                .ok_or(ParseError::MissingEquals { line: line_no })?;
            if value.contains('\0') {
                return Err(ParseError::Nul {
                    line: line_no,
                    key: key.to_owned(),
                });
            }
            // Like git's own `credential_read`, a repeated key overwrites the earlier one.
            let value = value.to_owned();
            match key {
                "protocol" => request.protocol = Some(value),
                "host" => request.host = Some(value),
                "path" => request.path = Some(value),
                "username" => request.username = Some(value),
                "password" => request.password = Some(Secret::new(value)),
                // Unlike the other keys, `capability[]` accumulates: one line per capability.
                "capability[]" => request.capabilities.push(value),
                _ => {}
            }
        }
        Ok(request)
    }

    /// Whether git offered `capability` (`authtype`: git 2.46 and later, over HTTP).
    pub fn offers(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

/// How a `get` hands git the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `username=` and `password=`: what every git understands, and what a storing helper after
    /// this one is handed on `store` and keeps.
    Password,
    /// Git 2.46's `authtype` capability, when git offers it: `capability[]=authtype`,
    /// `authtype=Basic`, `credential=` (base64 of `username:password`, the very bytes curl would
    /// put after `Basic `) and `ephemeral=1` (never keep it). No `username=` or `password=`, so a
    /// store that does not know the capability is handed nothing it can keep.
    AuthType,
}

/// What a `get` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Holds the session token for temporary credentials, so it is as secret as the password.
    pub username: Secret<String>,
    pub password: Secret<String>,
    /// Unix seconds after which git 2.40 and later treat the password as expired. Git 2.46 and
    /// later apply it to a `credential=` as well (`credential_clear_secrets`).
    pub password_expiry_utc: Option<u64>,
    pub form: Form,
}

/// A value that cannot be written as one protocol line.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("'{key}' contains a newline or NUL byte and cannot be sent to git")]
    BadValue { key: &'static str },
    #[error("could not write to git: {0}")]
    Io(#[from] io::Error),
}

impl Response {
    /// Writes the response with `\n` line ends on every platform (git rejects `\r`).
    pub fn write(&self, mut out: impl Write) -> Result<(), WriteError> {
        let mut text = String::new();
        match self.form {
            Form::Password => {
                push_line(&mut text, "username", self.username.expose())?;
                push_line(&mut text, "password", self.password.expose())?;
            }
            Form::AuthType => {
                for (key, value) in [("username", &self.username), ("password", &self.password)] {
                    if value.expose().contains(['\n', '\0']) {
                        return Err(WriteError::BadValue { key });
                    }
                }
                push_line(&mut text, "capability[]", "authtype")?;
                push_line(&mut text, "authtype", "Basic")?;
                push_line(&mut text, "credential", self.basic_credential().expose())?;
                push_line(&mut text, "ephemeral", "1")?;
            }
        }
        if let Some(expiry) = self.password_expiry_utc {
            push_line(&mut text, "password_expiry_utc", &expiry.to_string())?;
        }
        // One write, so git never sees half an answer.
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

impl Response {
    /// `base64(username:password)`: what curl sends after `Basic ` for this user name and
    /// password, so git 2.46's `Authorization: Basic <credential>` is the same header.
    pub fn basic_credential(&self) -> Secret<String> {
        use base64::Engine as _;
        let pair = format!("{}:{}", self.username.expose(), self.password.expose());
        Secret::new(base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

fn push_line(text: &mut String, key: &'static str, value: &str) -> Result<(), WriteError> {
    if value.contains(['\n', '\0']) {
        return Err(WriteError::BadValue { key });
    }
    text.push_str(key);
    text.push('=');
    text.push_str(value);
    text.push('\n');
    Ok(())
}
