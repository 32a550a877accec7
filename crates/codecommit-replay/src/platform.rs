//! What differs between Linux, macOS (Apple's and Homebrew's git) and Windows (Git for Windows)
//! when the replay lays out a sandbox, as pure functions of a [`Platform`] so that Linux tests
//! cover every branch. The only `cfg!` is [`Platform::HOST`].

use std::path::{Path, PathBuf};

/// The operating system a sandbox is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux and the other Unix systems whose loader honours `LD_PRELOAD` (libfaketime).
    Unix,
    /// macOS: a Unix, but `LD_PRELOAD` means nothing to its loader.
    MacOs,
    /// Windows with Git for Windows: programs need `.exe`, `aws.cmd` is a batch file, git runs
    /// `!` helpers with the `sh.exe` of its own installation.
    Windows,
}

impl Platform {
    /// The platform this program was built for.
    pub const HOST: Platform = if cfg!(windows) {
        Platform::Windows
    } else if cfg!(target_os = "macos") {
        Platform::MacOs
    } else {
        Platform::Unix
    };

    /// A program's file name as installed: Windows wants `.exe` on a name without extension.
    pub fn exe_name(self, name: &str) -> String {
        if self == Platform::Windows && Path::new(name).extension().is_none() {
            format!("{name}.exe")
        } else {
            name.to_owned()
        }
    }

    /// A sandbox path as it is written into git configuration (`{root}`): git reads `\` in a
    /// configuration value as the start of an escape (`\U` of `C:\Users` is a `bad config
    /// line`), so on Windows the path is written with `/`, which Windows, git and Git Bash's `sh`
    /// all accept.
    pub fn config_path(self, path: &Path) -> String {
        let text = path.display().to_string();
        if self == Platform::Windows {
            text.replace('\\', "/")
        } else {
            text
        }
    }

    /// Why steps that move the clock cannot run here, if they cannot: the replay moves the clock
    /// of git and every helper by preloading libfaketime with `LD_PRELOAD`.
    pub fn clock_skip(self, faketime_found: bool) -> Option<String> {
        match self {
            Platform::Unix if faketime_found => None,
            Platform::Unix => Some(format!(
                "moves the clock, and libfaketime is not installed ({})",
                codecommit_testkit::faketime::INSTALL_HINT
            )),
            Platform::MacOs => Some(
                "moves the clock, which the replay does with libfaketime through LD_PRELOAD: macOS ignores LD_PRELOAD (and strips DYLD_INSERT_LIBRARIES for Apple's git), so the clock scenarios run on Linux".into(),
            ),
            Platform::Windows => Some(
                "moves the clock, which the replay does with libfaketime through LD_PRELOAD: there is no libfaketime for Windows, so the clock scenarios run on Linux".into(),
            ),
        }
    }
}

/// One file to create when a program is installed into a sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// The stand-in binary under this path (a symbolic link on Unix, a copy on Windows).
    Standin(PathBuf),
    /// A text file with this content (a batch file).
    Text(PathBuf, String),
}

/// What installing a stand-in as `target` (a path whose file name picks the stand-in's role)
/// creates. On Windows `aws.cmd` must be a batch file, which `cmd.exe` runs: the stand-in goes
/// beside it as `aws.cmd.exe` (its role is still `aws.cmd`: only `.exe` is dropped from the name)
/// and the batch file passes its arguments on (`%*`) and returns its exit code.
pub fn install_plan(target: &Path, platform: Platform) -> Vec<Installed> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_batch = Path::new(&name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cmd") || e.eq_ignore_ascii_case("bat"));
    if platform == Platform::Windows && is_batch {
        let exe = format!("{name}.exe");
        // `%~dp0`: the batch file's own directory, with its trailing `\`; quoted for spaces.
        let text = format!("@\"%~dp0{exe}\" %*\r\n");
        vec![
            Installed::Standin(target.with_file_name(exe)),
            Installed::Text(target.to_owned(), text),
        ]
    } else {
        vec![Installed::Standin(
            target.with_file_name(platform.exe_name(&name)),
        )]
    }
}

/// The directories a Git for Windows `git.exe` needs on a sandbox's `PATH`: its own (the real
/// `git.exe` is run in place: `cmd\git.exe` and `bin\git.exe` are launchers that find the
/// installation relative to themselves, so a copy elsewhere cannot start), and the one holding
/// the installation's `sh.exe` (`usr\bin`), with which git runs `!` helpers and the AWS CLI's
/// `aws.cmd` line. `exists` is asked about files (the file system, or a test's list).
pub fn git_for_windows_path(git: &Path, exists: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = git.parent().map(Path::to_path_buf).into_iter().collect();
    // git.exe is in cmd\, bin\ or mingw64\bin\ of the installation: look up to three levels.
    let sh = git
        .ancestors()
        .skip(1)
        .take(3)
        .map(|top| top.join("usr").join("bin"))
        .find(|dir| exists(&dir.join("sh.exe")));
    dirs.extend(sh);
    dirs
}

/// Which entries of git's exec path (`git --exec-path`) would shadow a program the sandbox
/// installs on its `PATH`. Git puts its exec path in front of `PATH` for everything it runs
/// (`setup_path` in exec-cmd.c), so `helper = osxkeychain` runs the exec path's
/// `git-credential-osxkeychain` (Homebrew's and Apple's git ship one there) before the
/// sandbox's. `installed` are file names as installed (`git-credential-osxkeychain.exe` on
/// Windows).
pub fn shadowing(exec_path_entries: &[String], installed: &[String]) -> Vec<String> {
    exec_path_entries
        .iter()
        .filter(|e| installed.iter().any(|i| i.eq_ignore_ascii_case(e)))
        .cloned()
        .collect()
}

/// Finds a program by file name: first in git's exec path, then in `dirs` (the caller's
/// `PATH`), as git itself finds `git-credential-NAME`.
pub fn find_program(
    name: &str,
    exec_path: Option<&Path>,
    dirs: impl IntoIterator<Item = PathBuf>,
    platform: Platform,
    exists: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let file = platform.exe_name(name);
    exec_path
        .map(Path::to_path_buf)
        .into_iter()
        .chain(dirs)
        .map(|d| d.join(&file))
        .find(|p| exists(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_get_exe_on_windows_only_when_they_have_no_extension() {
        assert_eq!(Platform::Windows.exe_name("aws"), "aws.exe");
        assert_eq!(Platform::Windows.exe_name("aws.cmd"), "aws.cmd");
        assert_eq!(Platform::MacOs.exe_name("aws"), "aws");
        assert_eq!(
            Platform::Unix.exe_name("git-credential-manager"),
            "git-credential-manager"
        );
    }

    #[test]
    fn sandbox_paths_in_git_configuration_use_forward_slashes_on_windows() {
        let root = Path::new(r"C:\Users\RUNNER~1\AppData\Local\Temp\replay-x");
        assert_eq!(
            Platform::Windows.config_path(root),
            "C:/Users/RUNNER~1/AppData/Local/Temp/replay-x"
        );
        let unix = Path::new("/tmp/replay x");
        assert_eq!(Platform::Unix.config_path(unix), "/tmp/replay x");
        assert_eq!(Platform::MacOs.config_path(unix), "/tmp/replay x");
    }

    #[test]
    fn clock_scenarios_skip_with_a_reason_where_libfaketime_cannot_work() {
        assert_eq!(Platform::Unix.clock_skip(true), None);
        let missing = Platform::Unix.clock_skip(false).expect("skips");
        // The remedy works for the replay and for the build scripts alike (one detection).
        assert!(
            missing.contains(codecommit_testkit::faketime::LIBFAKETIME_ENV),
            "{missing}"
        );
        for (platform, word) in [(Platform::MacOs, "macOS"), (Platform::Windows, "Windows")] {
            // Found or not: a preloaded library does not reach git there.
            for found in [true, false] {
                let why = platform.clock_skip(found).expect("skips");
                assert!(why.starts_with("moves the clock"), "{why}");
                assert!(why.contains(word), "{why}");
            }
        }
    }

    #[test]
    fn aws_cmd_is_a_batch_file_on_windows_that_runs_the_stand_in_beside_it() {
        let target = Path::new("/s/Program Files/Amazon/AWSCLI/bin/aws.cmd");
        assert_eq!(
            install_plan(target, Platform::Windows),
            [
                Installed::Standin(PathBuf::from(
                    "/s/Program Files/Amazon/AWSCLI/bin/aws.cmd.exe"
                )),
                Installed::Text(target.to_owned(), "@\"%~dp0aws.cmd.exe\" %*\r\n".into()),
            ]
        );
        assert_eq!(
            install_plan(Path::new("/s/bin/aws"), Platform::Windows),
            [Installed::Standin(PathBuf::from("/s/bin/aws.exe"))]
        );
        // Elsewhere the stand-in itself carries the name: `sh` runs it by its `#!`-less binary.
        assert_eq!(
            install_plan(target, Platform::MacOs),
            [Installed::Standin(target.to_owned())]
        );
        assert_eq!(
            install_plan(Path::new("/s/bin/aws"), Platform::Unix),
            [Installed::Standin(PathBuf::from("/s/bin/aws"))]
        );
    }

    #[test]
    fn git_for_windows_runs_in_place_with_its_own_sh_on_path() {
        let top = PathBuf::from("/c/Program Files/Git");
        let sh = top.join("usr/bin/sh.exe");
        let exists = |p: &Path| p == sh.as_path();
        for git in ["cmd/git.exe", "bin/git.exe", "mingw64/bin/git.exe"] {
            let git = top.join(git);
            assert_eq!(
                git_for_windows_path(&git, exists),
                [git.parent().expect("dir").to_owned(), top.join("usr/bin")],
                "{}",
                git.display()
            );
        }
        // A git without an installation around it (a MinGit without sh): its directory only.
        let lone = PathBuf::from("/d/tools/git.exe");
        assert_eq!(
            git_for_windows_path(&lone, exists),
            [PathBuf::from("/d/tools")]
        );
    }

    #[test]
    fn the_exec_path_shadows_what_the_sandbox_installs_under_the_same_name() {
        let exec: Vec<String> = [
            "git-remote-https",
            "git-credential-osxkeychain",
            "mergetools",
        ]
        .map(String::from)
        .to_vec();
        let installed: Vec<String> = ["aws", "git-credential-osxkeychain"]
            .map(String::from)
            .to_vec();
        assert_eq!(shadowing(&exec, &installed), ["git-credential-osxkeychain"]);
        assert!(shadowing(&exec, &["aws".to_owned()]).is_empty());
        // Windows file names are case-insensitive.
        let win = vec!["Git-Credential-Manager.exe".to_owned()];
        assert_eq!(
            shadowing(&win, &["git-credential-manager.exe".to_owned()]),
            ["Git-Credential-Manager.exe"]
        );
    }

    #[test]
    fn a_real_program_is_found_in_the_exec_path_before_path() {
        let exec = PathBuf::from("/git/libexec/git-core");
        let on_path = PathBuf::from("/usr/local/bin");
        let both = |p: &Path| p.starts_with(&exec) || p.starts_with(&on_path);
        let found = find_program(
            "git-credential-osxkeychain",
            Some(&exec),
            [on_path.clone()],
            Platform::MacOs,
            both,
        );
        assert_eq!(found, Some(exec.join("git-credential-osxkeychain")));
        let only_path = |p: &Path| p.starts_with(&on_path);
        let found = find_program(
            "git-credential-manager",
            Some(&exec),
            [on_path.clone()],
            Platform::Windows,
            only_path,
        );
        assert_eq!(found, Some(on_path.join("git-credential-manager.exe")));
        assert_eq!(find_program("x", None, [], Platform::Unix, |_| true), None);
    }
}
