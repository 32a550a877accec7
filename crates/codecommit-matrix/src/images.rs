//! The images `docker/build.sh` makes, by the stable tags the tests use.

/// The mock endpoint's service image (docker/mock/Dockerfile).
pub const MOCK_IMAGE: (&str, &str) = ("codecommit-mock", "local");

/// Port the mock container serves its proxy on (docker/mock/entrypoint.sh).
pub const MOCK_PORT: u16 = 8080;

/// The client images' name; the tag is the Debian release (docker/git/Dockerfile).
pub const GIT_IMAGE: &str = "codecommit-git";

/// The replay images' name, one per release: the git client image plus Python, the scenarios and
/// an entrypoint that replays them on an outside helper (docker/replay/Dockerfile).
pub const REPLAY_IMAGE: &str = "codecommit-replay";

/// Releases built by default; `CODECOMMIT_MATRIX_RELEASES` (space-separated) overrides, for both
/// `docker/build.sh` and the tests.
pub const DEFAULT_RELEASES: [&str; 5] = ["bullseye", "bookworm", "trixie", "forky", "sid"];

pub const RELEASES_ENV: &str = "CODECOMMIT_MATRIX_RELEASES";

/// The releases in the matrix.
pub fn releases() -> Vec<String> {
    match std::env::var(RELEASES_ENV) {
        Ok(list) if !list.trim().is_empty() => list.split_whitespace().map(str::to_owned).collect(),
        _ => DEFAULT_RELEASES.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// `codecommit-git:<release>`.
pub fn git_image(release: &str) -> String {
    format!("{GIT_IMAGE}:{release}")
}

/// `codecommit-replay:<release>`.
pub fn replay_image(release: &str) -> String {
    format!("{REPLAY_IMAGE}:{release}")
}

/// `codecommit-mock:local`.
pub fn mock_image() -> String {
    format!("{}:{}", MOCK_IMAGE.0, MOCK_IMAGE.1)
}

/// Which git a Debian release ships: `(major, minor)` from `lowest` to `highest` (none while the
/// release still moves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedGit {
    pub lowest: (u32, u32),
    pub highest: Option<(u32, u32)>,
}

impl ExpectedGit {
    /// True when `version` (`(major, minor, patch)`) is one this release ships.
    pub fn admits(&self, version: (u32, u32, u32)) -> bool {
        let minor = (version.0, version.1);
        minor >= self.lowest && self.highest.is_none_or(|h| minor <= h)
    }
}

/// The git `release` ships, or `None` for a release this table does not know.
pub fn expected_git(release: &str) -> Option<ExpectedGit> {
    let (lowest, highest) = match release {
        "bullseye" => ((2, 30), Some((2, 30))),
        "bookworm" => ((2, 39), Some((2, 39))),
        "trixie" => ((2, 47), Some((2, 47))),
        // testing and unstable move: at least what trixie has.
        "forky" | "sid" => ((2, 47), None),
        _ => return None,
    };
    Some(ExpectedGit { lowest, highest })
}

/// Parses `git version 2.39.5` (and Apple's or Windows' suffixes) into `(major, minor, patch)`.
pub fn parse_git_version(text: &str) -> Option<(u32, u32, u32)> {
    let version = text.trim().strip_prefix("git version ")?;
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>());
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().and_then(Result::ok).unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_versions_parse() {
        assert_eq!(parse_git_version("git version 2.30.2\n"), Some((2, 30, 2)));
        assert_eq!(
            parse_git_version("git version 2.39.5 (Apple Git-154)"),
            Some((2, 39, 5))
        );
        assert_eq!(
            parse_git_version("git version 2.47.1.windows.2"),
            Some((2, 47, 1))
        );
        assert_eq!(parse_git_version("git version 3.0"), Some((3, 0, 0)));
        assert_eq!(parse_git_version("hub version 2.14"), None);
    }

    #[test]
    fn frozen_releases_admit_one_minor_version_and_moving_ones_anything_newer() {
        let bookworm = expected_git("bookworm").expect("known");
        assert!(bookworm.admits((2, 39, 5)));
        assert!(!bookworm.admits((2, 40, 0)));
        assert!(!bookworm.admits((2, 38, 9)));
        let forky = expected_git("forky").expect("known");
        assert!(forky.admits((2, 53, 0)) && forky.admits((3, 0, 0)));
        assert!(!forky.admits((2, 46, 0)));
    }

    #[test]
    fn every_default_release_has_an_expected_git() {
        for release in DEFAULT_RELEASES {
            assert!(expected_git(release).is_some(), "{release}");
        }
    }
}
