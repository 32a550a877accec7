use git_credential_codecommit::protocol::{Form, MAX_INPUT, ParseError, Request, Response};
use git_credential_codecommit::secret::Secret;

fn read(input: &[u8]) -> Result<Request, ParseError> {
    Request::read(input)
}

#[test]
fn reads_the_attributes_git_sends() {
    let request = read(b"protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\nusername=jane\npassword=pw\n\n")
        .expect("valid input");
    assert_eq!(request.protocol.as_deref(), Some("https"));
    assert_eq!(
        request.host.as_deref(),
        Some("git-codecommit.us-east-2.amazonaws.com")
    );
    assert_eq!(request.path.as_deref(), Some("v1/repos/MyDemoRepo"));
    assert_eq!(request.username.as_deref(), Some("jane"));
    assert_eq!(
        request.password.as_ref().map(|p| p.expose().as_str()),
        Some("pw")
    );
}

#[test]
fn ignores_attributes_it_does_not_know() {
    // git 2.46 sends capabilities and challenges; other tools send url=.
    let request = read(
        b"capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=h.example\nwwwauth[]=Basic realm=\"x\"\nstate[]=osxkeychain:seen=1\nurl=https://other.example/\npassword_expiry_utc=123\n",
    )
    .expect("unknown keys are not an error");
    assert_eq!(request.host.as_deref(), Some("h.example"));
    assert_eq!(request.path, None);
}

#[test]
fn stops_at_the_blank_line() {
    let request = read(b"host=first.example\n\nhost=after-blank.example\n").expect("valid");
    assert_eq!(request.host.as_deref(), Some("first.example"));
}

#[test]
fn end_of_file_without_newline_ends_input() {
    let request = read(b"protocol=https\nhost=h.example").expect("valid");
    assert_eq!(request.host.as_deref(), Some("h.example"));
    assert_eq!(read(b"").expect("empty input is valid"), Request::default());
}

#[test]
fn tolerates_crlf() {
    let request = read(b"protocol=https\r\nhost=h.example\r\n\r\nhost=ignored\r\n").expect("valid");
    assert_eq!(request.protocol.as_deref(), Some("https"));
    assert_eq!(request.host.as_deref(), Some("h.example"));
}

#[test]
fn later_value_overwrites_earlier_like_git() {
    let request = read(b"host=a.example\nhost=b.example\n").expect("valid");
    assert_eq!(request.host.as_deref(), Some("b.example"));
}

#[test]
fn values_keep_equals_signs_and_spaces() {
    let request = read(b"path=v1/repos/a=b c \n").expect("valid");
    assert_eq!(request.path.as_deref(), Some("v1/repos/a=b c "));
}

#[test]
fn errors_name_the_line() {
    assert_eq!(
        read(b"protocol=https\nnonsense\n"),
        Err(ParseError::MissingEquals { line: 2 })
    );
    assert_eq!(
        read(b"host=\xff\xfe\n"),
        Err(ParseError::NotUtf8 { line: 1 })
    );
    assert_eq!(
        read(b"protocol=https\nhost=a\0b\n"),
        Err(ParseError::Nul {
            line: 2,
            key: "host".into()
        })
    );
    assert_eq!(
        ParseError::MissingEquals { line: 2 }.to_string(),
        "line 2 of git's input has no '=' (expected key=value)"
    );
}

#[test]
fn refuses_input_larger_than_git_would_send() {
    let mut input = b"wwwauth[]=".to_vec();
    input.extend(std::iter::repeat_n(b'a', MAX_INPUT));
    input.push(b'\n');
    assert_eq!(read(&input), Err(ParseError::TooLarge));
    // Just under the limit is fine.
    let mut input = b"wwwauth[]=".to_vec();
    input.extend(std::iter::repeat_n(b'a', MAX_INPUT - 20));
    input.extend(b"\nhost=h\n");
    assert_eq!(
        read(&input).expect("under the limit").host.as_deref(),
        Some("h")
    );
}

/// The limit is exact: `MAX_INPUT` bytes are read, one byte more is refused.
#[test]
fn input_of_exactly_the_limit_is_read() {
    let mut input = b"host=h\nwwwauth[]=".to_vec();
    input.resize(MAX_INPUT - 2, b'a');
    input.extend(b"\n\n");
    assert_eq!(input.len(), MAX_INPUT);
    assert_eq!(
        read(&input).expect("exactly the limit").host.as_deref(),
        Some("h")
    );
    // The same request one byte longer.
    input.insert(input.len() - 2, b'a');
    assert_eq!(read(&input), Err(ParseError::TooLarge));
}

#[test]
fn response_uses_lf_only_and_this_order() {
    let mut out = Vec::new();
    Response {
        username: Secret::new("AKIDEXAMPLE%token".into()),
        password: Secret::new("20260102T030405Zabc".into()),
        password_expiry_utc: Some(1_767_323_945),
        form: Form::Password,
    }
    .write(&mut out)
    .expect("written");
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        "username=AKIDEXAMPLE%token\npassword=20260102T030405Zabc\npassword_expiry_utc=1767323945\n"
    );
}

#[test]
fn response_refuses_values_that_would_inject_lines() {
    let mut out = Vec::new();
    let error = Response {
        username: Secret::new("AKID\nprotocol=http".into()),
        password: Secret::new("p".into()),
        password_expiry_utc: None,
        form: Form::Password,
    }
    .write(&mut out)
    .expect_err("newline in a value");
    assert_eq!(
        error.to_string(),
        "'username' contains a newline or NUL byte and cannot be sent to git"
    );
    assert!(out.is_empty(), "nothing half-written");
}

#[test]
fn secrets_do_not_print() {
    let request = read(b"password=hunter2\n").expect("valid");
    assert!(!format!("{request:?}").contains("hunter2"));
    let secret = Secret::new("hunter2".to_owned());
    assert_eq!(format!("{secret} {secret:?}"), "REDACTED REDACTED");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any bytes: an answer or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read(&input);
        }

        /// Lines built from the protocol's own pieces, mangled: parsing is total and lossless for
        /// the keys it keeps.
        #[test]
        fn well_formed_lines_round_trip(host in "[a-zA-Z0-9.:=-]{0,40}", path in "[^\n\r\0]{0,60}", crlf in any::<bool>()) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let input = format!("protocol=https{eol}host={host}{eol}path={path}{eol}");
            let request = read(input.as_bytes()).expect("well formed");
            prop_assert_eq!(request.host.as_deref(), Some(host.as_str()));
            prop_assert_eq!(request.path.as_deref(), Some(path.as_str()));
        }
    }
}

#[test]
fn capabilities_accumulate_and_are_offered_by_name() {
    let request = read(
        b"capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=h\nwwwauth[]=Basic realm=\"x\"\n",
    )
    .expect("valid");
    assert_eq!(request.capabilities, ["authtype", "state"]);
    assert!(request.offers("authtype") && request.offers("state"));
    assert!(!request.offers("authtyp"));
    let old_git = read(b"protocol=https\nhost=h\n").expect("valid");
    assert!(old_git.capabilities.is_empty() && !old_git.offers("authtype"));
}

fn authtype_response(username: &str, password: &str) -> Response {
    Response {
        username: Secret::new(username.into()),
        password: Secret::new(password.into()),
        password_expiry_utc: Some(1_767_323_945),
        form: Form::AuthType,
    }
}

#[test]
fn the_authtype_answer_is_an_ephemeral_basic_credential_without_user_or_password() {
    let mut out = Vec::new();
    authtype_response("AKIDEXAMPLE%token", "20260102T030405Zabc")
        .write(&mut out)
        .expect("written");
    // base64("AKIDEXAMPLE%token:20260102T030405Zabc")
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        "capability[]=authtype\nauthtype=Basic\ncredential=QUtJREVYQU1QTEUldG9rZW46MjAyNjAxMDJUMDMwNDA1WmFiYw==\nephemeral=1\npassword_expiry_utc=1767323945\n"
    );
}

#[test]
fn the_credential_is_the_bytes_curl_puts_after_basic() {
    // RFC 7617's example: Aladdin / open sesame.
    assert_eq!(
        authtype_response("Aladdin", "open sesame")
            .basic_credential()
            .expose(),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
}

#[test]
fn the_authtype_answer_refuses_what_the_password_answer_refuses() {
    let mut out = Vec::new();
    let error = authtype_response("AKID\nprotocol=http", "p")
        .write(&mut out)
        .expect_err("newline in the user name");
    assert_eq!(
        error.to_string(),
        "'username' contains a newline or NUL byte and cannot be sent to git"
    );
    assert!(out.is_empty(), "nothing half-written");
}
