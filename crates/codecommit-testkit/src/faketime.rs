//! libfaketime, found one way for everyone who needs it: the build scripts that mark the clock
//! tests ignored ([`crate::build::Tool::Faketime`]), the tests that freeze a peer's clock, and
//! the replay, which moves the clock of git and every helper. All of them preload the library
//! (`LD_PRELOAD=libfaketime.so.1`, `FAKETIME=...`); the `faketime` program is only a wrapper
//! that does the same, so it is neither looked for nor needed.
//!
//! The library is `CODECOMMIT_LIBFAKETIME` when that is set (a path to `libfaketime.so.1`),
//! otherwise where the distributions' packages put it (Debian's and Ubuntu's `libfaketime`,
//! which `apt-get install faketime` brings too; Fedora's `libfaketime`; a `make install` from
//! source). On macOS and Windows it is never found: their loaders ignore `LD_PRELOAD`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The one variable that names the library, overriding the search.
pub const LIBFAKETIME_ENV: &str = "CODECOMMIT_LIBFAKETIME";

/// The library's file name: the one `FAKETIME` reads from (`libfaketimeMT.so.1` is another
/// build of the same, for programs that start threads before `main`; not needed here).
pub const LIBRARY: &str = "libfaketime.so.1";

/// What to do when the library is missing, for skip reasons and `ignore` messages.
pub const INSTALL_HINT: &str = "apt-get install libfaketime (or faketime), or set CODECOMMIT_LIBFAKETIME to the path of libfaketime.so.1";

/// libfaketime's path, or why there is none usable here.
pub fn find_libfaketime() -> Result<PathBuf, String> {
    let preload_works = !cfg!(any(windows, target_os = "macos"));
    search(
        std::env::var_os(LIBFAKETIME_ENV),
        preload_works,
        &library_dirs(),
        Path::is_file,
    )
}

/// Where packages install the library: `/usr/lib/<multiarch>/faketime` (Debian, Ubuntu, for
/// whichever architectures are installed), `/usr/lib64/faketime` (Fedora), `/usr/lib/faketime`
/// and `/usr/local/lib/faketime` (a build from source).
fn library_dirs() -> Vec<PathBuf> {
    let mut multiarch: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("-linux-"))
        .map(|e| e.path().join("faketime"))
        .collect();
    multiarch.sort();
    multiarch.extend(
        [
            "/usr/lib64/faketime",
            "/usr/lib/faketime",
            "/usr/local/lib/faketime",
        ]
        .map(PathBuf::from),
    );
    multiarch
}

/// The decision, with the environment and the file system passed in.
fn search(
    override_path: Option<OsString>,
    preload_works: bool,
    dirs: &[PathBuf],
    exists: impl Fn(&Path) -> bool,
) -> Result<PathBuf, String> {
    if !preload_works {
        return Err(
            "libfaketime works through LD_PRELOAD, which this operating system's loader ignores"
                .into(),
        );
    }
    if let Some(path) = override_path.filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if exists(&path) {
            Ok(path)
        } else {
            Err(format!(
                "{LIBFAKETIME_ENV}={} is not a file (it names the library, {LIBRARY})",
                path.display()
            ))
        };
    }
    dirs.iter()
        .map(|dir| dir.join(LIBRARY))
        .find(|lib| exists(lib))
        .ok_or_else(|| format!("{LIBRARY} not found: {INSTALL_HINT}"))
}

/// Finds the library a test needs, or fails the test saying how to provide it (as
/// [`crate::require_tool`] does for programs).
#[track_caller]
pub fn require_libfaketime() -> PathBuf {
    find_libfaketime().unwrap_or_else(|why| panic!("{why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_names_the_library_and_wins_over_the_search() {
        let dirs = [PathBuf::from("/usr/lib/x86_64-linux-gnu/faketime")];
        let debian = dirs[0].join(LIBRARY);
        let mine = PathBuf::from("/opt/faketime/lib/libfaketime.so.1");
        let both = |p: &Path| p == debian || p == mine;
        assert_eq!(
            search(Some(mine.clone().into()), true, &dirs, both),
            Ok(mine.clone())
        );
        assert_eq!(search(None, true, &dirs, both), Ok(debian.clone()));
        // Empty is unset.
        assert_eq!(
            search(Some("".into()), true, &dirs, both),
            Ok(debian.clone())
        );
        // A wrong override is an error that says what the variable must name, not a fallback.
        let err = search(Some("/usr/bin/nothing".into()), true, &dirs, both).expect_err("error");
        assert!(
            err.contains("CODECOMMIT_LIBFAKETIME=/usr/bin/nothing") && err.contains(LIBRARY),
            "{err}"
        );
    }

    #[test]
    fn a_missing_library_says_what_works() {
        let dirs = library_dirs();
        let err = search(None, true, &dirs, |_| false).expect_err("error");
        assert!(err.contains("apt-get install libfaketime"), "{err}");
        assert!(err.contains(LIBFAKETIME_ENV), "{err}");
        // macOS and Windows: not found whatever is installed.
        let err = search(None, false, &dirs, |_| true).expect_err("error");
        assert!(err.contains("LD_PRELOAD"), "{err}");
        // Every place a package puts it is searched.
        for dir in ["/usr/lib64/faketime", "/usr/local/lib/faketime"] {
            assert!(dirs.contains(&PathBuf::from(dir)), "{dir}: {dirs:?}");
        }
    }

    /// Debian's package (here, and in CI) is found by the search, without the override.
    #[cfg(target_os = "linux")]
    #[test]
    fn debian_multiarch_directories_are_searched() {
        let triples: Vec<String> = library_dirs()
            .iter()
            .filter_map(|d| d.parent()?.file_name()?.to_str().map(str::to_owned))
            .collect();
        let arch = std::env::consts::ARCH;
        if Path::new("/usr/lib")
            .join(format!("{arch}-linux-gnu"))
            .is_dir()
        {
            assert!(
                triples.contains(&format!("{arch}-linux-gnu")),
                "{triples:?}"
            );
        }
    }
}
