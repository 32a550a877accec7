//! Each git client image: its git version, and a real push and clone through the mock container
//! over a user-defined docker network, with the workspace's helper built into the image.

use codecommit_matrix::client::{GitClient, HOME, ROOT};
use codecommit_matrix::engine::require_docker;
use codecommit_matrix::exec::ExecOutput;
use codecommit_matrix::images::{expected_git, git_image, mock_image, parse_git_version, releases};
use codecommit_matrix::mock::MockContainer;
use codecommit_matrix::unique_name;

use crate::support::{
    ALICE_KEY, ALICE_SECRET, AWS_CONFIG, REPO_URL, assert_authenticated, assert_statuses,
    aws_credentials, config_toml, log_since,
};

/// The sandbox's files in a client container: git trusts the mock's CA and reaches it by its
/// container name; the workspace's helper (on PATH in the image) answers for CodeCommit hosts.
fn sandbox_files(mock: &MockContainer) -> Vec<(String, Vec<u8>)> {
    let gitconfig = format!(
        "[user]\n\tname = Matrix\n\temail = matrix@example.com\n\
         [init]\n\tdefaultBranch = main\n\
         [http]\n\tproxy = {}\n\tsslCAInfo = {ROOT}/ca.pem\n\
         [credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = codecommit\n\tUseHttpPath = true\n",
        mock.proxy_url_in_network()
    );
    vec![
        (format!("{ROOT}/ca.pem"), mock.ca_pem().as_bytes().to_vec()),
        (format!("{HOME}/.gitconfig"), gitconfig.into_bytes()),
        (
            format!("{HOME}/.aws/config"),
            AWS_CONFIG.as_bytes().to_vec(),
        ),
        (
            format!("{HOME}/.aws/credentials"),
            aws_credentials(ALICE_KEY, ALICE_SECRET).into_bytes(),
        ),
    ]
}

#[track_caller]
fn ok(client: &GitClient, cwd: &str, argv: &[&str], mock: &MockContainer) -> String {
    let out = client
        .run(cwd, argv)
        .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", client.release()));
    assert!(
        out.success(),
        "{}: {argv:?} in {ROOT}/{cwd}\n{out}--- mock container output\n{}",
        git_image(client.release()),
        mock.output()
    );
    out.stdout.trim().to_owned()
}

#[track_caller]
fn fails(client: &GitClient, argv: &[&str], needle: &str) -> ExecOutput {
    let out = client
        .run("", argv)
        .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", client.release()));
    assert!(
        !out.success() && out.stderr.contains(needle),
        "{}: {argv:?}: expected a failure mentioning {needle:?}\n{out}",
        git_image(client.release())
    );
    out
}

#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn every_git_image_pushes_and_clones_through_the_mock_container() {
    let releases = releases();
    let mut images = vec![mock_image()];
    images.extend(releases.iter().map(|r| git_image(r)));
    let image_refs: Vec<&str> = images.iter().map(String::as_str).collect();
    let _engine = require_docker(&image_refs);
    let network = unique_name("net");
    let mock = MockContainer::start(&config_toml(), &network).expect("start the mock container");
    let mut versions = Vec::new();

    for release in &releases {
        let client = GitClient::start(release, &network, &sandbox_files(&mock))
            .unwrap_or_else(|e| panic!("start {}: {e}", git_image(release)));
        let version = client.git_version().expect("git --version");
        let parsed = parse_git_version(&version)
            .unwrap_or_else(|| panic!("{release}: cannot parse {version:?}"));
        if let Some(expected) = expected_git(release) {
            assert!(
                expected.admits(parsed),
                "{}: {version}, expected {expected:?} for Debian {release}",
                git_image(release)
            );
        }
        let label = format!("{} ({version})", git_image(release));

        // A client that clears every helper (as some GUI clients do with `-c credential.helper=`):
        // the 401 leaves git asking for a user name, which the sandbox forbids.
        let mark = mock.log().expect("read log").len();
        fails(
            &client,
            &["git", "-c", "credential.helper=", "ls-remote", REPO_URL],
            "could not read Username",
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_statuses(
            &format!("{label}: helpers cleared"),
            &entries,
            &whole,
            &[(401, Some("no_credentials"))],
        );

        // Push a commit with the image's git and the workspace's helper inside the image.
        let branch = format!("image-{release}");
        ok(&client, "", &["git", "init", "-q", "src"], &mock);
        ok(
            &client,
            "src",
            &["git", "commit", "-q", "--allow-empty", "-m", &label],
            &mock,
        );
        let pushed = ok(&client, "src", &["git", "rev-parse", "HEAD"], &mock);
        let mark = mock.log().expect("read log").len();
        let refspec = format!("HEAD:refs/heads/{branch}");
        ok(
            &client,
            "src",
            &["git", "push", "-q", REPO_URL, &refspec],
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_authenticated(
            &format!("{label}: push"),
            &entries,
            &whole,
            "git-receive-pack",
        );

        // Clone it back.
        let mark = mock.log().expect("read log").len();
        ok(
            &client,
            "",
            &["git", "clone", "-q", "--branch", &branch, REPO_URL, "clone"],
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_authenticated(
            &format!("{label}: clone"),
            &entries,
            &whole,
            "git-upload-pack",
        );
        let cloned = ok(&client, "clone", &["git", "rev-parse", "HEAD"], &mock);
        assert_eq!(
            cloned, pushed,
            "{label}: the clone's HEAD is not the pushed commit"
        );

        versions.push(
            serde_json::json!({ "release": release, "image": git_image(release), "git": version }),
        );
    }

    // The matrix's git versions, for the README's table and CI artifacts.
    let report = serde_json::to_string_pretty(&versions).expect("JSON");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("git-image-versions.json");
    std::fs::write(&path, format!("{report}\n")).expect("write the versions report");
    eprintln!("git in each image ({}):\n{report}", path.display());
}
