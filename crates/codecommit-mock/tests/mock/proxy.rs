//! The CONNECT proxy: TLS is refused without the CA and works with it; unserved hosts and
//! garbage are refused and logged; nothing ever connects outward.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use codecommit_mock::Reason;
use codecommit_testkit::Sandbox;

use crate::support::*;

#[test]
fn tls_is_refused_without_the_ca_and_works_with_it() {
    let mock = start();
    for git_bin in gits() {
        let sandbox = Sandbox::new();
        let url = url_with("alice-at-111122223333", "alice-git-password", REPO_URL);
        // Only the proxy: the certificate is not trusted.
        let mut cmd = sandbox.command(&git_bin);
        cmd.args([
            "-c",
            &format!("http.proxy={}", mock.proxy_url()),
            "ls-remote",
            &url,
        ]);
        fails(&mut cmd, "certificate", &mock);
        // HTTPS_PROXY and GIT_SSL_CAINFO from the environment work as well as -c.
        let mut cmd = sandbox.command(&git_bin);
        cmd.env("HTTPS_PROXY", mock.proxy_url())
            .env("GIT_SSL_CAINFO", mock.ca_file())
            .args(["ls-remote", &url]);
        ok(&mut cmd, &mock);
    }
    assert!(mock.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn certificate_names_the_host() {
    let mock = start();
    let sandbox = Sandbox::new();
    let out = run(curl(&sandbox, &mock)
        .args(["-v", "-u", ":"])
        .arg(format!("{REPO_URL}/info/refs?service=git-upload-pack")));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("subjectAltName") && stderr.contains(HOST),
        "{stderr}"
    );
}

#[test]
fn unserved_hosts_are_refused_and_logged() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    for url in [
        "https://example.com/repo.git",
        "https://git-codecommit.us-east-2.amazonaws.com.evil.example/v1/repos/R",
    ] {
        let out = fails(
            git(&sandbox, git_bin, &mock).args(["ls-remote", url]),
            "403",
            &mock,
        );
        // libcurl words the proxy's refusal of the tunnel two ways: "Received HTTP code 403 from
        // proxy after CONNECT" in 7.74 (Debian bullseye's, seen in a clean bullseye container),
        // "CONNECT tunnel failed, response 403" in bookworm's 7.88 and later.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("CONNECT tunnel failed, response 403")
                || stderr.contains("Received HTTP code 403 from proxy after CONNECT"),
            "{stderr}"
        );
        assert_last(&mock, 403, Some(Reason::HostNotServed));
    }
}

fn raw(mock: &codecommit_mock::MockHandle, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(mock.proxy_addr()).expect("connect to the proxy");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request).expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn garbage_on_the_proxy_port_gets_400() {
    let mock = start();
    assert!(
        raw(
            &mock,
            b"GET /relative HTTP/1.1\r\nHost: example.com\r\n\r\n"
        )
        .starts_with("HTTP/1.1 400")
    );
    assert!(raw(&mock, b"CONNECT \xff\xfe:443 HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(raw(&mock, &[b'A'; 9000]).starts_with("HTTP/1.1 400"));
    let answer = raw(
        &mock,
        b"GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
    );
    // The proxy's own refusals are plain text, so a client shows them as they are.
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"),
        "{answer}"
    );
    assert_eq!(reasons(&mock), vec![Reason::BadProxyRequest; 4]);
}

#[test]
fn silent_clients_are_dropped_after_the_header_timeout() {
    let mut config = config();
    config.limits.header_timeout_secs = 1;
    let mock = start_with(config);
    let started = std::time::Instant::now();
    let mut stream = TcpStream::connect(mock.proxy_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    assert_eq!(stream.read(&mut buf).expect("closed, not timed out"), 0);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A host of a served shape that no certificate can name: the proxy says so (502) and logs its
/// own reason, instead of a bad request.
#[test]
fn a_certificate_that_cannot_be_issued_is_its_own_reason() {
    let mock = start();
    for host in [
        "vpce-a_b.git-codecommit.us-east-2.vpce.amazonaws.com",
        &format!(
            "vpce-{}.git-codecommit.us-east-2.vpce.amazonaws.com",
            "0".repeat(64)
        ),
    ] {
        let answer = raw(
            &mock,
            format!("CONNECT {host}:443 HTTP/1.1\r\n\r\n").as_bytes(),
        );
        assert!(
            answer.starts_with("HTTP/1.1 502 Bad Gateway\r\n"),
            "{answer}"
        );
        assert_last(&mock, 502, Some(Reason::CertificateFailed));
        assert_eq!(
            mock.log().last().map(|e| e.host.clone()).as_deref(),
            Some(host)
        );
    }
}

/// Over plain http, an unserved host is the proxy's refusal (plain text, which git shows); a
/// served one answers like the server it stands for (an XML error document, which git does not).
#[test]
fn plain_http_answers_carry_their_content_type() {
    let mock = start();
    let answer = raw(&mock, b"GET http://example.com/ HTTP/1.1\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n")
            && answer.ends_with("\r\n\r\nhost not served by codecommit-mock\n"),
        "{answer}"
    );
    let answer = raw(
        &mock,
        format!("GET http://{HOST}/ HTTP/1.1\r\nAuthorization: Basic YTpi\r\n\r\n").as_bytes(),
    );
    assert!(
        answer.starts_with("HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"),
        "{answer}"
    );
    let answer = raw(
        &mock,
        format!("GET http://{HOST}/ HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/xml\r\n")
            && answer.contains("\r\nWWW-Authenticate: Basic realm=\"git-codecommit\"\r\n"),
        "{answer}"
    );
    assert_eq!(
        reasons(&mock),
        [
            Reason::HostNotServed,
            Reason::PlainHttp,
            Reason::NoCredentials
        ]
    );
}
