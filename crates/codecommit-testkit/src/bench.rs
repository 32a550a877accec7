//! What the workspace's benchmarks share: the cargo-bench filter, a timed process, medians and
//! percentiles. Timing lives in benchmarks, never in tests; these only measure and format.

use std::process::Command;
use std::time::{Duration, Instant};

/// Whether `cargo bench FILTER` asked for another bench: cargo passes `--bench` (and other
/// flags) to every `harness = false` bench, and a filter that `name` does not contain means
/// "not this one".
pub fn filtered_out(name: &str) -> bool {
    filtered_out_by(name, std::env::args().skip(1))
}

fn filtered_out_by(name: &str, args: impl Iterator<Item = String>) -> bool {
    args.filter(|a| !a.starts_with("--"))
        .any(|filter| !name.contains(filter.as_str()))
}

/// How long `command` takes to run to its end; panics with its stdout and stderr when it fails,
/// so a broken build is never timed as a fast one.
pub fn timed(mut command: Command) -> Duration {
    let started = Instant::now();
    let out = command.output().expect("start the benchmarked program");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// The median; sorts `samples`, which must not be empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The `p` percentile (0 to 1) of samples already sorted (by [`median`]).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Milliseconds with two decimals: "1.87 ms".
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_and_the_filter() {
        let ms_ = Duration::from_millis;
        let mut samples = vec![ms_(5), ms_(1), ms_(3), ms_(2), ms_(4)];
        assert_eq!(median(&mut samples), ms_(3));
        assert_eq!(samples, [ms_(1), ms_(2), ms_(3), ms_(4), ms_(5)]);
        assert_eq!(percentile(&samples, 0.0), ms_(1));
        assert_eq!(percentile(&samples, 0.9), ms_(5));
        assert_eq!(percentile(&samples, 0.5), ms_(3));
        assert_eq!(ms(Duration::from_micros(1874)), "1.87 ms");

        let args = |a: &[&str]| {
            a.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert!(!filtered_out_by("get", args(&["--bench"])));
        assert!(!filtered_out_by("get", args(&["--bench", "ge"])));
        assert!(filtered_out_by("get", args(&["--bench", "remote"])));
    }

    #[test]
    fn a_failing_program_is_not_timed() {
        // This test program itself, on every platform (no `true` or `false` on Windows): libtest
        // refuses an unknown flag with a failing exit status, and lists nothing successfully.
        let me = std::env::current_exe().expect("this test program");
        let mut failing = Command::new(&me);
        failing.arg("--no-such-flag");
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || timed(failing)));
        assert!(failed.is_err());
        let mut listing = Command::new(&me);
        listing.args(["--list", "--exact", "no-such-test"]);
        assert!(timed(listing) < Duration::from_secs(60));
    }
}
