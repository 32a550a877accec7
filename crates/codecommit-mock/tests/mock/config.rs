//! Configuration errors name what is wrong.

use codecommit_mock::Config;

use crate::support::config_toml;

#[track_caller]
fn error(text: &str) -> String {
    match Config::from_toml(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_keys_are_named() {
    let e = error(
        "[[identity]]\nname = \"a\"\naccess_key_id = \"K\"\nsecret_access_key = \"s\"\nsecret_key = \"x\"\n",
    );
    assert!(e.contains("secret_key"), "{e}");
    let e = error("[[repositories]]\nname = \"R\"\n");
    assert!(e.contains("repositories"), "{e}");
    let e = error(&(config_toml() + "\n[faults]\nthrotle = true\n"));
    assert!(e.contains("throtle"), "{e}");
}

#[test]
fn references_and_names_are_checked() {
    let e = error("[[repository]]\nregion = \"us-east-2\"\nname = \"R\"\npull = [\"ghost\"]\n");
    assert!(e.contains("ghost"), "{e}");
    let e = error("[[repository]]\nregion = \"us-east-2\"\nname = \"bad name\"\n");
    assert!(e.contains("bad name"), "{e}");
    let e = error("[[repository]]\nregion = \"us-east-2\"\nname = \"R.git\"\n");
    assert!(e.contains(".git"), "{e}");
    let e = error("[[repository]]\nregion = \"Ohio\"\nname = \"R\"\n");
    assert!(e.contains("Ohio"), "{e}");
    let e =
        error("[[git_credential]]\nidentity = \"nobody\"\nusername = \"u\"\npassword = \"p\"\n");
    assert!(e.contains("nobody"), "{e}");
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let config = Config::from_toml(&config_toml()).expect("config");
    let text = format!("{config:?}");
    for secret in [
        crate::support::ALICE_SECRET,
        crate::support::TOM_TOKEN,
        "alice-git-password",
        "gh-password",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn foreign_hosts_are_checked() {
    let with = |host: &str| config_toml() + &format!("\n[[foreign_host]]\nhost = \"{host}\"\n");
    for (host, says) in [
        ("git_lab.example", "is not a host name"),
        ("git lab.example", "is not a host name"),
        ("-x.example", "is not a host name"),
        ("x..example", "is not a host name"),
        ("", "is not a host name"),
        (
            "git-codecommit.us-east-2.amazonaws.com",
            "is a CodeCommit host",
        ),
        ("GitHub.com", "is also a [[static_host]]"),
    ] {
        let e = error(&with(host));
        assert!(
            e.starts_with(&format!("foreign host {host:?}: {says}")),
            "{e}"
        );
    }
    let twice = with("git.example.com") + "[[foreign_host]]\nhost = \"Git.Example.com\"\n";
    assert_eq!(error(&twice), r#"duplicate foreign_host "Git.Example.com""#);
    let ok = Config::from_toml(&with("git-codecommit.us-east-2.amazonaws.com.evil.example"))
        .expect("a look-alike is a foreign host");
    assert_eq!(ok.foreign_hosts.len(), 1);
    let e = error(&(with("x.example") + "[[foreign_host]]\nhost = \"y.example\"\nport = 80\n"));
    assert!(e.contains("port"), "{e}");
}

#[test]
fn static_hosts_must_be_dns_names() {
    let text = config_toml().replace("host = \"github.com\"", "host = \"git..hub.com\"");
    let e = error(&text);
    assert!(
        e.starts_with(r#"static host "git..hub.com": is not a host name"#),
        "{e}"
    );
}

#[test]
fn clock_jump_values_are_checked() {
    let with =
        |table: &str| config_toml() + &format!("\n[faults]\nadvance_clock_after = {table}\n");
    for (table, says) in [
        (
            "{ requests = 0, seconds = 960 }",
            "`[faults] advance_clock_after`: requests = 0: the jump comes after a request, so at least 1",
        ),
        (
            "{ requests = 2, seconds = 0 }",
            "`[faults] advance_clock_after`: seconds = 0: must be from 1 to",
        ),
        (
            "{ requests = 2, seconds = 99999999999 }",
            "`[faults] advance_clock_after`: seconds = 99999999999: must be from 1 to",
        ),
        ("{ requests = 2, secs = 960 }", "secs"),
        ("{ requests = 2 }", "seconds"),
        ("{ requests = -1, seconds = 960 }", "requests"),
    ] {
        let e = error(&with(table));
        assert!(e.contains(says), "{table}: {e}");
    }
    let ok = Config::from_toml(&with("{ requests = 1, seconds = 960 }")).expect("valid jump");
    assert_eq!(
        ok.faults.advance_clock_after,
        Some(codecommit_mock::config::ClockJumpConfig {
            requests: 1,
            seconds: 960
        })
    );
}

#[test]
fn throttle_values_are_checked() {
    let e = error(&(config_toml() + "\n[faults]\nretry_after_secs = -1\n"));
    assert!(e.contains("retry_after_secs"), "{e}");
    let e = error(&(config_toml() + "\n[faults]\nthrottle_first = true\n"));
    assert!(e.contains("throttle_first"), "{e}");
    let ok = Config::from_toml(
        &(config_toml() + "\n[faults]\nthrottle_first = 3\nretry_after_secs = 0\n"),
    )
    .expect("valid faults");
    assert_eq!(
        (ok.faults.throttle_first, ok.faults.retry_after_secs),
        (3, 0)
    );
    let default = Config::from_toml(&config_toml()).expect("config");
    assert_eq!(default.faults.retry_after_secs, 1);
}
