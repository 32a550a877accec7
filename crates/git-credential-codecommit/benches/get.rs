//! One `get` as git runs it: a whole process, a request on stdin, keys from the shared
//! credentials file. The helper measured is the one the README installs (`installed_bin`: on
//! Linux, glibc linked in, a static-pie), beside cargo's default build of the same code
//! (dynamically linked, position-independent) and `aws codecommit credential-helper get` when the
//! AWS CLI is found (CODECOMMIT_TEST_AWS or PATH), interleaved so machine noise hits all alike.
//!
//! `CODECOMMIT_BENCH_BASELINE=/path/to/an/older/git-credential-codecommit` adds that build,
//! interleaved too, to show whether a change made `get` slower.
//!
//! The spawn floor is `/bin/cat` started the same way (same sandbox, environment and pipes, the
//! same request on stdin, read to the end): what any helper costs before it does anything. `get`
//! is reported as a ratio to it; the goal is within 1.5x.
//!
//! Instance metadata is on, as on a user's machine (the sandbox turns it off for tests), at a
//! loopback address that accepts and never answers, as 169.254.169.254 behaves off EC2: a `get`
//! that asked it would wait for the metadata client's timeout, and this benchmark would show it.
//!
//! `cargo bench -p git-credential-codecommit --bench get` (optimised build). Prints medians and
//! the ratio; the goals (under 5 ms, at least 100x faster) are reported, not asserted: timing
//! belongs in benchmarks, not in tests that a busy machine would make flaky.
use codecommit_testkit::bench::{self, median, ms, percentile};
use codecommit_testkit::binary::installed_bin;
use codecommit_testkit::{Sandbox, find_tool};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const REQUEST: &[u8] =
    b"protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\n\n";
/// What git 2.46 and later send: the helper then asks the calling git its release
/// (`$GIT_EXEC_PATH/git version`) to choose the answer's form.
const OFFERED: &[u8] = b"capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\nwwwauth[]=Basic realm=\"git-codecommit\"\n\n";

/// The smallest program that does what git asks of a helper: read the request and exit.
const FLOOR: &str = "/bin/cat";

fn once(sandbox: &Sandbox, program: &Path, args: &[&str]) -> Duration {
    once_with(sandbox, program, args, REQUEST, None)
}

/// One run with `request` on stdin and, as git runs a helper, its exec path.
fn once_with(
    sandbox: &Sandbox,
    program: &Path,
    args: &[&str],
    request: &[u8],
    exec_path: Option<&Path>,
) -> Duration {
    let mut command = sandbox.command(program);
    if let Some(exec_path) = exec_path {
        command.env("GIT_EXEC_PATH", exec_path);
    }
    let started = Instant::now();
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the helper");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request)
        .expect("write the request");
    let out = child.wait_with_output().expect("wait for the helper");
    let elapsed = started.elapsed();
    let expected: &[u8] = if program == Path::new(FLOOR) {
        request
    } else {
        b"username=AKIAIOSFODNN7EXAMPLE\npassword="
    };
    assert!(
        out.status.success()
            && (out.stdout.starts_with(expected)
                || out
                    .stdout
                    .starts_with(b"capability[]=authtype\nauthtype=Basic\n")),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that is not ours means "not this bench".
    if bench::filtered_out("get") {
        return;
    }
    let installed = installed_bin("git-credential-codecommit", "git-credential-codecommit");
    let ours = installed.as_path();
    let default_build = Path::new(env!("CARGO_BIN_EXE_git-credential-codecommit"));
    let aws = find_tool("aws", "CODECOMMIT_TEST_AWS");
    // Instance metadata: bound, never accepted; connections wait in its backlog until the client
    // gives up.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let mut sandbox = Sandbox::new().with_instance_metadata(format!(
        "http://{}",
        silent.local_addr().expect("its address")
    ));
    if let Some(aws) = &aws {
        // The AWS CLI's entry point is a script: it needs its interpreter's directory.
        sandbox = sandbox
            .with_path(aws.parent().map(Path::to_path_buf))
            .with_system_path();
    }
    sandbox.write_aws_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );

    let run = |program: &Path, args: &[&str]| once(&sandbox, program, args);
    let rounds = 200;
    let aws_every = 10; // the AWS CLI takes about half a second: sample it every 10th round
    for _ in 0..20 {
        run(ours, &["get"]);
        run(default_build, &["get"]);
    }
    if let Some(aws) = &aws {
        run(aws, &["codecommit", "credential-helper", "get"]);
    }
    // The machine's git (CODECOMMIT_BENCH_GIT or PATH), for the offer git 2.46 and later make:
    // its exec path, as git exports it to every helper.
    let git_exec_path = find_tool("git", "CODECOMMIT_BENCH_GIT").and_then(|git| {
        let out = std::process::Command::new(git)
            .arg("--exec-path")
            .output()
            .ok()?;
        let path = String::from_utf8(out.stdout).ok()?;
        Some(std::path::PathBuf::from(path.trim()))
    });
    let baseline = std::env::var_os("CODECOMMIT_BENCH_BASELINE").map(std::path::PathBuf::from);
    let floor = Path::new(FLOOR);
    let mut floor_samples = Vec::with_capacity(rounds);
    let mut our_samples = Vec::with_capacity(rounds);
    let mut default_samples = Vec::with_capacity(rounds);
    let mut offered_samples = Vec::with_capacity(rounds);
    let mut baseline_samples = Vec::new();
    let mut aws_samples = Vec::new();
    for round in 0..rounds {
        floor_samples.push(run(floor, &[]));
        our_samples.push(run(ours, &["get"]));
        default_samples.push(run(default_build, &["get"]));
        if let Some(exec_path) = &git_exec_path {
            offered_samples.push(once_with(
                &sandbox,
                ours,
                &["get"],
                OFFERED,
                Some(exec_path),
            ));
        }
        if let Some(baseline) = &baseline {
            baseline_samples.push(run(baseline, &["get"]));
        }
        if let Some(aws) = aws.as_ref().filter(|_| round % aws_every == 0) {
            aws_samples.push(run(aws, &["codecommit", "credential-helper", "get"]));
        }
    }

    let our_median = median(&mut our_samples);
    println!(
        "git-credential-codecommit get, as installed ({}): median {} (p10 {}, p90 {}, {} runs)",
        ours.display(),
        ms(our_median),
        ms(percentile(&our_samples, 0.1)),
        ms(percentile(&our_samples, 0.9)),
        our_samples.len()
    );
    println!(
        "  goal under 5 ms: {}",
        if our_median < Duration::from_millis(5) {
            "met"
        } else {
            "MISSED"
        }
    );
    let floor_median = median(&mut floor_samples);
    let to_floor = our_median.as_secs_f64() / floor_median.as_secs_f64();
    println!(
        "spawn floor ({FLOOR} reading the request): median {} (p10 {}, p90 {}); get / floor = {to_floor:.2}; goal within 1.5x: {}",
        ms(floor_median),
        ms(percentile(&floor_samples, 0.1)),
        ms(percentile(&floor_samples, 0.9)),
        if to_floor <= 1.5 { "met" } else { "MISSED" }
    );
    let default_median = median(&mut default_samples);
    println!(
        "cargo's default build ({}) get: median {} (p10 {}, p90 {}); default / floor = {:.2}",
        default_build.display(),
        ms(default_median),
        ms(percentile(&default_samples, 0.1)),
        ms(percentile(&default_samples, 0.9)),
        default_median.as_secs_f64() / floor_median.as_secs_f64()
    );
    if let Some(exec_path) = &git_exec_path {
        let offered_median = median(&mut offered_samples);
        println!(
            "get offered capability[]=authtype by the git in {} (it asks that git its release): median {} (p10 {}, p90 {}); offered / floor = {:.2}",
            exec_path.display(),
            ms(offered_median),
            ms(percentile(&offered_samples, 0.1)),
            ms(percentile(&offered_samples, 0.9)),
            offered_median.as_secs_f64() / floor_median.as_secs_f64()
        );
    }
    if let Some(baseline) = &baseline {
        let base_median = median(&mut baseline_samples);
        println!(
            "baseline {} get: median {} (p10 {}, p90 {}); this build / baseline = {:.2}; baseline / floor = {:.2}",
            baseline.display(),
            ms(base_median),
            ms(percentile(&baseline_samples, 0.1)),
            ms(percentile(&baseline_samples, 0.9)),
            our_median.as_secs_f64() / base_median.as_secs_f64(),
            base_median.as_secs_f64() / floor_median.as_secs_f64()
        );
    }
    if aws_samples.is_empty() {
        println!(
            "aws codecommit credential-helper get: not measured (no `aws` found; set CODECOMMIT_TEST_AWS)"
        );
        return;
    }
    let aws_median = median(&mut aws_samples);
    let ratio = aws_median.as_secs_f64() / our_median.as_secs_f64();
    println!(
        "aws codecommit credential-helper get: median {} (p10 {}, p90 {}, {} runs)",
        ms(aws_median),
        ms(percentile(&aws_samples, 0.1)),
        ms(percentile(&aws_samples, 0.9)),
        aws_samples.len()
    );
    println!(
        "ratio: {ratio:.0}x faster; goal at least 100x: {}",
        if ratio >= 100.0 { "met" } else { "MISSED" }
    );
}
