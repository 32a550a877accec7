//! The AWS SDK's credential chain for real, against stand-ins (wiremock on loopback) for the
//! container credentials endpoint, STS and the SSO portal: the temporary credentials they hand
//! out, with their session tokens, must end up in the user name and sign the password.
//! Each stand-in's `expect(1)` is verified when its server drops at the end of the test.
use super::binary::{helper, stdout_of};
use codecommit_testkit::Sandbox;
use git_credential_codecommit::secret::Secret;
use git_credential_codecommit::sign::GitRequest;
use std::time::{Duration, SystemTime};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REQUEST: &str =
    "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\n\n";
const ISSUED_KEY: &str = "ASIAISSUEDBYSTANDIN0";
const ISSUED_SECRET: &str = "issued/secret+key/from/the/stand-in000";
const ISSUED_TOKEN: &str = "FQoGZXIvYXdzEXAMPLE/issued/session+token==";

fn rfc3339(t: SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Checks the helper's answer: the issued key and token in the user name, a password that is the
/// signature with the issued secret, and an expiry capped by the credentials' own.
fn assert_signed_with_issued_credentials(stdout: &str, credentials_expire: SystemTime) {
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("username={ISSUED_KEY}%{ISSUED_TOKEN}").as_str()),
        "{stdout}"
    );
    let password = lines
        .next()
        .and_then(|l| l.strip_prefix("password="))
        .expect("a password line");
    let stamp = time::PrimitiveDateTime::parse(
        &password[..15],
        time::macros::format_description!("[year][month][day]T[hour][minute][second]"),
    )
    .expect("timestamp")
    .assume_utc();
    let signed_at = SystemTime::from(stamp);
    let expected = GitRequest {
        host: "git-codecommit.us-east-2.amazonaws.com",
        path: "v1/repos/MyDemoRepo",
        region: "us-east-2",
        time: signed_at,
    }
    .password(&Secret::new(ISSUED_SECRET.into()));
    assert_eq!(password, expected.expose(), "signed with the issued secret");
    let expiry = (signed_at + Duration::from_secs(900)).min(credentials_expire);
    assert_eq!(
        lines.next(),
        Some(format!("password_expiry_utc={}", unix(expiry)).as_str())
    );
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn container_credentials_endpoint() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    // Expires in 5 minutes: the password must not claim to last longer.
    let expires = SystemTime::now() + Duration::from_secs(300);
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/creds"))
            .and(header("authorization", "container-auth-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "AccessKeyId": ISSUED_KEY,
                "SecretAccessKey": ISSUED_SECRET,
                "Token": ISSUED_TOKEN,
                "Expiration": rfc3339(expires),
            })))
            .expect(1)
            .named("container credentials")
            .mount(&server),
    );
    let sandbox = Sandbox::new();
    let assert = helper(&sandbox)
        .arg("get")
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/creds", server.uri()),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token")
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

/// A TLS front on 127.0.0.1 for `backend` (a wiremock on plain HTTP), with a certificate for
/// 127.0.0.1 issued by `authority`. Returns its `https://` base URL.
fn tls_front(
    rt: &tokio::runtime::Runtime,
    authority: &codecommit_mock::tls::Authority,
    backend: std::net::SocketAddr,
) -> String {
    let config = authority.server_config("127.0.0.1").expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here: nothing reaches
                // the backend, which is what the tests count.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// The HTTPS client is built by the helper itself (rustls on ring, not the SDK's aws-lc default):
/// it must trust the platform's roots, which `SSL_CERT_FILE` replaces here, and only them.
#[test]
fn container_credentials_over_https_trust_the_platform_roots() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(MockServer::start());
    let expires = SystemTime::now() + Duration::from_secs(300);
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/creds"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "AccessKeyId": ISSUED_KEY,
                "SecretAccessKey": ISSUED_SECRET,
                "Token": ISSUED_TOKEN,
                "Expiration": rfc3339(expires),
            })))
            .expect(1)
            .named("container credentials over HTTPS, once: with the right roots only")
            .mount(&server),
    );
    let authority = codecommit_mock::tls::Authority::new().expect("CA");
    let stranger = codecommit_mock::tls::Authority::new().expect("another CA");
    let uri = format!("{}/creds", tls_front(&rt, &authority, *server.address()));
    let sandbox = Sandbox::new();
    let trusted = sandbox.root().join("trusted.pem");
    let untrusted = sandbox.root().join("untrusted.pem");
    std::fs::write(&trusted, authority.ca_pem()).expect("write CA");
    std::fs::write(&untrusted, stranger.ca_pem()).expect("write CA");

    let refused = helper(&sandbox)
        .arg("get")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
        .env("SSL_CERT_FILE", &untrusted)
        .write_stdin(REQUEST)
        .assert()
        .failure();
    assert_eq!(stdout_of(&refused), "", "no credentials without trust");

    let assert = helper(&sandbox)
        .arg("get")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
        .env("SSL_CERT_FILE", &trusted)
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

fn assume_role_response(expires: SystemTime) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:session</AssumedRoleId><Arn>arn:aws:sts::111122223333:assumed-role/CodeCommitRole/session</Arn></AssumedRoleUser>\
         <Credentials><AccessKeyId>{ISSUED_KEY}</AccessKeyId><SecretAccessKey>{ISSUED_SECRET}</SecretAccessKey><SessionToken>{ISSUED_TOKEN}</SessionToken><Expiration>{}</Expiration></Credentials>\
         </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>",
        rfc3339(expires)
    )
}

/// `CodeCommitProfile` assumes a role with the keys of profile `source`, through STS at `sts`.
fn assume_role_profile(sandbox: &Sandbox, sts: &str) {
    sandbox.write_aws_credentials(
        "[source]\naws_access_key_id = AKIASOURCEPROFILE000\naws_secret_access_key = sourcesecret\n",
    );
    sandbox.write_aws_config(&format!(
        "[profile CodeCommitProfile]\nrole_arn = arn:aws:iam::111122223333:role/CodeCommitRole\nsource_profile = source\nregion = us-east-2\nendpoint_url = {sts}\n"
    ));
}

#[test]
fn assume_role_profile_calls_sts_with_the_source_profile() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let expires = SystemTime::now() + Duration::from_secs(3600);
    rt.block_on(
        Mock::given(method("POST"))
            .and(body_string_contains("Action=AssumeRole"))
            .and(body_string_contains(
                "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FCodeCommitRole",
            ))
            // Signed by the source profile's key.
            .and(header_contains_credential("AKIASOURCEPROFILE000"))
            .respond_with(ResponseTemplate::new(200).set_body_string(assume_role_response(expires)))
            .expect(1)
            .named("sts:AssumeRole")
            .mount(&server),
    );
    let sandbox = Sandbox::new();
    assume_role_profile(&sandbox, &server.uri());
    let assert = helper(&sandbox)
        .args(["--profile", "CodeCommitProfile", "get"])
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

#[test]
fn sts_refusal_is_one_line_naming_the_profile() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(403).set_body_string(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>",
            ))
            .mount(&server),
    );
    let sandbox = Sandbox::new();
    assume_role_profile(&sandbox, &server.uri());
    let assert = helper(&sandbox)
        .args(["--profile", "CodeCommitProfile", "get"])
        .write_stdin(REQUEST)
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("profile 'CodeCommitProfile'") && stderr.contains("AccessDenied"),
        "{stderr}"
    );
    assert!(!stderr.contains("sourcesecret"), "{stderr}");
}

#[test]
fn web_identity_token_file() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let expires = SystemTime::now() + Duration::from_secs(3600);
    let body = assume_role_response(expires)
        .replace("AssumeRoleResponse", "AssumeRoleWithWebIdentityResponse")
        .replace("AssumeRoleResult", "AssumeRoleWithWebIdentityResult");
    rt.block_on(
        Mock::given(method("POST"))
            .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
            .and(body_string_contains(
                "WebIdentityToken=oidc-token-from-file",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(1)
            .named("sts:AssumeRoleWithWebIdentity")
            .mount(&server),
    );
    let sandbox = Sandbox::new();
    let token_file = sandbox.root().join("web-identity-token");
    std::fs::write(&token_file, "oidc-token-from-file").expect("token file");
    let assert = helper(&sandbox)
        .arg("get")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
        .env(
            "AWS_ROLE_ARN",
            "arn:aws:iam::111122223333:role/CodeCommitRole",
        )
        .env("AWS_ROLE_SESSION_NAME", "ci")
        .env("AWS_ENDPOINT_URL_STS", server.uri())
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

#[test]
fn sso_profile_with_a_cached_token() {
    use sha1::Digest;
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let expires = SystemTime::now() + Duration::from_secs(1800);
    let millis = u128::from(unix(expires)) * 1000;
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/federation/credentials"))
            .and(query_param("account_id", "111122223333"))
            .and(query_param("role_name", "CodeCommitDevelopers"))
            .and(header("x-amz-sso_bearer_token", "cached-sso-access-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "roleCredentials": {
                    "accessKeyId": ISSUED_KEY,
                    "secretAccessKey": ISSUED_SECRET,
                    "sessionToken": ISSUED_TOKEN,
                    "expiration": millis,
                }
            })))
            .expect(1)
            .named("sso:GetRoleCredentials")
            .mount(&server),
    );
    let sandbox = Sandbox::new();
    let start_url = "https://d-1234567890.awsapps.com/start";
    sandbox.write_aws_config(&format!(
        "[profile sso]\nsso_start_url = {start_url}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = CodeCommitDevelopers\nregion = us-east-2\n"
    ));
    // What `aws sso login` leaves behind for a legacy SSO profile: the key is sha1(start URL).
    let cache = sandbox.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).expect("sso cache dir");
    let name = hex::encode(sha1::Sha1::digest(start_url.as_bytes()));
    let token_expires = rfc3339(SystemTime::now() + Duration::from_secs(3600));
    std::fs::write(
        cache.join(format!("{name}.json")),
        serde_json::json!({"accessToken": "cached-sso-access-token", "expiresAt": token_expires, "region": "us-east-1", "startUrl": start_url}).to_string(),
    )
    .expect("sso token");
    let assert = helper(&sandbox)
        .args(["--profile", "sso", "get"])
        .env("AWS_ENDPOINT_URL_SSO", server.uri())
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

#[cfg(unix)] // credential_process runs through `sh -c` on Unix and `cmd.exe /C` on Windows.
#[test]
fn credential_process_profile() {
    let sandbox = Sandbox::new().with_system_path();
    let expires = SystemTime::now() + Duration::from_secs(600);
    let script = sandbox.root().join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' '{}'\n",
            serde_json::json!({"Version": 1, "AccessKeyId": ISSUED_KEY, "SecretAccessKey": ISSUED_SECRET, "SessionToken": ISSUED_TOKEN, "Expiration": rfc3339(expires)})
        ),
    )
    .expect("script");
    sandbox.write_aws_config(&format!(
        "[profile proc]\ncredential_process = sh {}\n",
        script.display()
    ));
    let assert = helper(&sandbox)
        .args(["--profile", "proc", "get"])
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

/// An instance metadata stand-in that must not be asked anything: its `expect(0)` is verified
/// when it drops, at the end of the test.
pub fn unasked_instance_metadata(rt: &tokio::runtime::Runtime) -> MockServer {
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(404))
            .expect(0)
            .named("instance metadata")
            .mount(&server),
    );
    server
}

/// The most common set-up, keys in the shared file and no region anywhere, must cost no request:
/// the SDK's default chain would first ask instance metadata for a region (a round trip, and off
/// EC2 a wait for its timeout, on every git fetch).
#[test]
fn keys_in_the_shared_file_never_ask_instance_metadata() {
    let rt = runtime();
    let server = unasked_instance_metadata(&rt);
    let sandbox = Sandbox::new().with_instance_metadata(server.uri());
    sandbox.write_aws_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = filesecret\n",
    );
    let assert = helper(&sandbox)
        .arg("get")
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert!(
        stdout_of(&assert).starts_with("username=AKIAIOSFODNN7EXAMPLE\npassword="),
        "{}",
        stdout_of(&assert)
    );
}

/// The last link of the default chain: an instance profile's role, through IMDSv2.
#[test]
fn instance_metadata_credentials() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start());
    let expires = SystemTime::now() + Duration::from_secs(3600);
    let token = "imds-session-token";
    rt.block_on(async {
        Mock::given(method("PUT"))
            .and(path("/latest/api/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                    .set_body_string(token),
            )
            .named("imds token")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/latest/meta-data/iam/security-credentials/"))
            .and(header("x-aws-ec2-metadata-token", token))
            .respond_with(ResponseTemplate::new(200).set_body_string("CodeCommitInstanceRole"))
            .named("imds role name")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(
                "/latest/meta-data/iam/security-credentials/CodeCommitInstanceRole",
            ))
            .and(header("x-aws-ec2-metadata-token", token))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "Code": "Success",
                "Type": "AWS-HMAC",
                "LastUpdated": rfc3339(SystemTime::now()),
                "AccessKeyId": ISSUED_KEY,
                "SecretAccessKey": ISSUED_SECRET,
                "Token": ISSUED_TOKEN,
                "Expiration": rfc3339(expires),
            })))
            .expect(1)
            .named("imds role credentials")
            .mount(&server)
            .await;
    });
    let sandbox = Sandbox::new().with_instance_metadata(server.uri());
    let assert = helper(&sandbox)
        .arg("get")
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert_signed_with_issued_credentials(&stdout_of(&assert), expires);
}

/// Matches a SigV4 `Authorization` header made with the given access key id.
fn header_contains_credential(access_key_id: &'static str) -> impl wiremock::Match {
    move |request: &wiremock::Request| {
        request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(&format!("Credential={access_key_id}/")))
    }
}
