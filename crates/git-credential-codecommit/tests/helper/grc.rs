//! Our `git-remote-codecommit` against the Python package (PyPI `git-remote-codecommit`), same
//! URL, same shared files and environment, same frozen clock (libfaketime): each hands `git` the
//! same arguments (`remote-http REMOTE SIGNED-URL`), byte for byte. A `git` that records its
//! arguments stands in for the real one, which would go to the network.
//!
//! Both tools are mandatory in CI (`CODECOMMIT_TEST_STRICT`).
use codecommit_testkit::{Sandbox, require_tool};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const FROZEN: &str = "2026-01-02 03:04:05";

/// Regions the Python package's botocore lists for CodeCommit: both China regions, GovCloud, and
/// some of the newest. Ours accepts any region name; the Python package only listed ones.
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "eu-west-1",
    "ap-southeast-3",
    "il-central-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
];

/// One random situation both programs are put in.
#[derive(Debug, Clone)]
struct Case {
    /// The profile the keys are in; `None`: `[default]`.
    profile: Option<String>,
    /// The profile is named in the URL (`PROFILE@`) rather than by `AWS_PROFILE`.
    profile_in_url: bool,
    region: &'static str,
    /// `codecommit::REGION://` rather than the profile's `region`.
    region_in_url: bool,
    /// `AWS_DEFAULT_REGION` (which botocore reads before the profile) instead of the profile.
    region_in_env: bool,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    repository: String,
    /// `CODE_COMMIT_ENDPOINT`.
    endpoint: Option<String>,
}

fn case() -> impl Strategy<Value = Case> {
    let token_chars = "[A-Za-z0-9/+]{20,400}=?";
    (
        (
            proptest::option::of("[a-z][a-z0-9_.-]{0,15}"),
            any::<bool>(),
            proptest::sample::select(REGIONS),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            "(AKIA|ASIA)[A-Z0-9]{16}",
            "[A-Za-z0-9/+]{40}",
            proptest::option::of(token_chars),
            "[A-Za-z0-9._-]{1,100}",
            proptest::option::of(
                "vpce-[a-z0-9]{8}\\.git-codecommit\\.us-east-2\\.vpce\\.amazonaws\\.com",
            ),
        ),
    )
        .prop_map(
            |(
                (profile, profile_in_url, region, region_in_url, region_in_env),
                (access_key_id, secret, token, repository, endpoint),
            )| Case {
                profile: profile.filter(|p| p != "default"),
                profile_in_url,
                region,
                region_in_url,
                region_in_env,
                access_key_id,
                secret,
                token,
                repository,
                endpoint,
            },
        )
}

impl Case {
    fn url(&self) -> String {
        let profile = match (&self.profile, self.profile_in_url) {
            (Some(p), true) => format!("{p}@"),
            _ => String::new(),
        };
        if self.region_in_url {
            // What git passes once it has stripped `codecommit::`.
            format!("{}://{profile}{}", self.region, self.repository)
        } else {
            format!("codecommit://{profile}{}", self.repository)
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if let (Some(p), false) = (&self.profile, self.profile_in_url) {
            env.push(("AWS_PROFILE", p.clone()));
        }
        if self.region_in_env {
            env.push(("AWS_DEFAULT_REGION", self.region.to_owned()));
        }
        if let Some(endpoint) = &self.endpoint {
            env.push(("CODE_COMMIT_ENDPOINT", endpoint.clone()));
        }
        env
    }

    fn files(&self) -> (String, String) {
        let name = self.profile.as_deref().unwrap_or("default");
        let section = match &self.profile {
            Some(p) => format!("profile {p}"),
            None => "default".to_owned(),
        };
        let region = if self.region_in_env {
            // A different region in the profile: the environment must win in both.
            "sa-east-1"
        } else {
            self.region
        };
        let config = format!("[{section}]\nregion = {region}\noutput = json\n");
        let mut credentials = format!(
            "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.access_key_id, self.secret
        );
        if let Some(token) = &self.token {
            credentials.push_str(&format!("aws_session_token = {token}\n"));
        }
        (config, credentials)
    }
}

struct Peers {
    grc: PathBuf,
    libfaketime: PathBuf,
}

/// What a program did: its exit status, stderr, and the arguments it gave `git`.
#[derive(Debug, PartialEq)]
struct Handed {
    code: Option<i32>,
    git_args: Vec<String>,
}

impl Peers {
    fn new() -> Peers {
        Peers {
            grc: require_tool("git-remote-codecommit", "CODECOMMIT_TEST_GRC"),
            libfaketime: codecommit_testkit::faketime::require_libfaketime(),
        }
    }

    fn run(&self, program: &Path, case: &Case, extra_env: &[(&str, &str)]) -> (Handed, String) {
        let sandbox = Sandbox::new().with_system_path();
        let (config, credentials) = case.files();
        sandbox.write_aws_config(&config);
        sandbox.write_aws_credentials(&credentials);
        let capture = sandbox.root().join("git-args");
        install_recording_git(&sandbox.bin());
        let mut cmd = sandbox.command(program);
        // libfaketime preloaded: an absolute `FAKETIME` freezes the clock there.
        cmd.env("LD_PRELOAD", &self.libfaketime)
            .env("FAKETIME", FROZEN)
            .arg("origin")
            .arg(case.url())
            .envs(case.env())
            .envs(extra_env.iter().copied())
            .env("GIT_ARGS_FILE", &capture);
        let output = cmd.output().expect("run with libfaketime");
        let git_args = std::fs::read_to_string(&capture)
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let handed = Handed {
            code: output.status.code(),
            git_args,
        };
        (handed, String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// A `git` first on PATH that writes its arguments, one a line, to `$GIT_ARGS_FILE`.
fn install_recording_git(bin: &Path) {
    let git = bin.join("git");
    std::fs::write(
        &git,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$GIT_ARGS_FILE\"\n",
    )
    .expect("write recording git");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_git-remote-codecommit"))
}

proptest! {
    // Each case starts Python (about half a second): few cases, each a whole new situation.
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[cfg_attr(
        any(missing_grc, missing_faketime),
        ignore = "needs git-remote-codecommit and libfaketime: set CODECOMMIT_TEST_GRC or put it on PATH; apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
    )]
    #[test]
    fn hands_git_the_python_packages_signed_url(case in case()) {
        let peers = Peers::new();
        let (python, python_err) = peers.run(&peers.grc, &case, &[]);
        // With the debug log on: what it logs must not hold the secret parts of the URL.
        let (native, native_err) =
            peers.run(ours(), &case, &[("GIT_CREDENTIAL_CODECOMMIT_LOG", "debug")]);
        prop_assert_eq!(python.code, Some(0), "Python failed: {}", python_err);
        prop_assert_eq!(&python.git_args.first().map(String::as_str), &Some("remote-http"));
        prop_assert_eq!(&native, &python, "{:?}\nours: {}", case, native_err);
        let url = &native.git_args[2];
        let (userinfo, _) = url.trim_start_matches("https://").split_once('@').expect("userinfo");
        let (_, password) = userinfo.split_once(':').expect("user:password");
        prop_assert!(native_err.contains("handing over to git remote-http"), "no log: {}", native_err);
        for hidden in [password, case.secret.as_str()].into_iter().chain(case.token.as_deref()) {
            prop_assert!(!native_err.contains(hidden), "the log holds a secret: {}", native_err);
        }
    }
}

/// Where ours differs on purpose (the module docs of `remote` list why): the same comparison
/// shows each difference, so the conformance test above would catch any of them by mistake.
#[cfg_attr(
    any(missing_grc, missing_faketime),
    ignore = "needs git-remote-codecommit and libfaketime: set CODECOMMIT_TEST_GRC or put it on PATH; apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
#[test]
fn differs_from_the_python_package_where_its_users_asked() {
    let peers = Peers::new();
    let base = Case {
        profile: Some("jane@example.com".into()),
        profile_in_url: true,
        region: "us-east-2",
        region_in_url: false,
        region_in_env: false,
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        token: None,
        repository: "MyRepo".into(),
        endpoint: None,
    };
    let host = |handed: &Handed| {
        handed
            .git_args
            .get(2)
            .and_then(|u| u.split_once('@'))
            .map(|(_, rest)| rest.to_owned())
    };
    // A profile name with `@`: Python splits at the first one and finds no profile `jane`.
    let (python, python_err) = peers.run(&peers.grc, &base, &[]);
    let (native, native_err) = peers.run(ours(), &base, &[]);
    assert_eq!(python.code, Some(1), "{python_err}");
    assert!(
        python_err.contains("profile was not found: jane."),
        "{python_err}"
    );
    assert_eq!(native.code, Some(0), "{native_err}");
    assert_eq!(
        host(&native).as_deref(),
        Some("git-codecommit.us-east-2.amazonaws.com/v1/repos/MyRepo")
    );

    // AWS_USE_FIPS_ENDPOINT: Python ignores it.
    let plain = Case {
        profile: None,
        profile_in_url: false,
        ..base.clone()
    };
    let fips = [("AWS_USE_FIPS_ENDPOINT", "true")];
    let (python, _) = peers.run(&peers.grc, &plain, &fips);
    let (native, native_err) = peers.run(ours(), &plain, &fips);
    assert_eq!(
        host(&python).as_deref(),
        Some("git-codecommit.us-east-2.amazonaws.com/v1/repos/MyRepo")
    );
    assert_eq!(
        host(&native).as_deref(),
        Some("git-codecommit-fips.us-east-2.amazonaws.com/v1/repos/MyRepo"),
        "{native_err}"
    );

    // A region name botocore's table does not list yet: Python refuses it.
    let new_region = Case {
        region: "xx-newplace-1",
        ..plain.clone()
    };
    let (python, python_err) = peers.run(&peers.grc, &new_region, &[]);
    let (native, native_err) = peers.run(ours(), &new_region, &[]);
    assert_eq!(python.code, Some(1), "{python_err}");
    assert!(
        python_err.contains("not available for use with AWS CodeCommit: xx-newplace-1"),
        "{python_err}"
    );
    assert_eq!(
        host(&native).as_deref(),
        Some("git-codecommit.xx-newplace-1.amazonaws.com/v1/repos/MyRepo"),
        "{native_err}"
    );
}
