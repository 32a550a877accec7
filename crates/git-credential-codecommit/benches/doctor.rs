//! `doctor` on a healthy machine, as a user runs it: a whole process, the real git on PATH,
//! the configuration `configure` writes, keys in the shared credentials file.
//!
//! `cargo bench -p git-credential-codecommit --bench doctor`. Prints the median; the goal (well
//! under a second) is reported, not asserted: timing belongs in benchmarks.
use codecommit_testkit::Sandbox;
use codecommit_testkit::bench::{self, median, ms, percentile, timed};
use std::path::Path;
use std::time::Duration;

const URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";

fn main() {
    if bench::filtered_out("doctor") {
        return;
    }
    let ours = Path::new(env!("CARGO_BIN_EXE_git-credential-codecommit"));
    // git, and the shell it runs helpers with, from the system.
    let sandbox = Sandbox::new().with_system_path();
    std::fs::copy(ours, sandbox.bin().join("git-credential-codecommit")).expect("install");
    sandbox.write_aws_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    sandbox.write_aws_config("[default]\nregion = us-east-2\n");
    std::fs::write(
        sandbox.gitconfig_system(),
        "[credential]\n\thelper = osxkeychain\n",
    )
    .expect("system gitconfig");
    let configure = sandbox
        .command(ours)
        .args(["configure", "--global"])
        .output()
        .expect("run configure");
    assert!(configure.status.success(), "{configure:?}");

    // A failure shows the doctor's findings (stdout) with its stderr: the healthy machine has a
    // problem.
    let run = || {
        let mut doctor = sandbox.command(ours);
        doctor.args(["doctor", URL]);
        timed(doctor)
    };
    for _ in 0..5 {
        run();
    }
    let mut samples: Vec<Duration> = (0..50).map(|_| run()).collect();
    let median = median(&mut samples);
    println!(
        "git-credential-codecommit doctor (healthy machine): median {} (p10 {}, p90 {}, {} runs)",
        ms(median),
        ms(percentile(&samples, 0.1)),
        ms(percentile(&samples, 0.9)),
        samples.len()
    );
    println!(
        "  goal well under a second (under 250 ms): {}",
        if median < Duration::from_millis(250) {
            "met"
        } else {
            "MISSED"
        }
    );
}
