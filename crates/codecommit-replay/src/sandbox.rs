//! One sandbox per replayed variant: its own HOME, system and global git configuration, AWS
//! files, a PATH holding only what the scenario installs plus git itself, and an environment
//! rebuilt from an allowlist for every process (nothing of the caller's leaks in).
//!
//! ```text
//! ROOT/home            HOME, ~/.gitconfig (GIT_CONFIG_GLOBAL), ~/.aws/{config,credentials}
//! ROOT/etc/gitconfig   GIT_CONFIG_SYSTEM
//! ROOT/bin             what the scenario installs (aws, git-credential-osxkeychain…)
//! ROOT/git             git itself
//! ROOT/standin         stand-in state, the helper transcript, the prompts (CODECOMMIT_STANDIN_DIR)
//! ROOT/work            where git runs
//! ROOT/mock            the mock's repositories
//! ```

use crate::helper::HelperUnderTest;
use crate::scenario::Setup;
use crate::standin::{self, HelperTarget, StandinConfig};
use crate::version::GitVersion;
use crate::vocabulary::{ConfigFile, Program};
use crate::world;
use codecommit_testkit::env::ChildEnv;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

/// What the harness itself provides to every sandbox.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The `codecommit-standin` binary.
    pub standin: PathBuf,
    /// This workspace's `git-credential-codecommit`, which a step's `tool` runs and whose
    /// `doctor` examines the sandbox after every step (whatever the helper under test is: the
    /// tool is this project's, the helper is the one being judged).
    pub tool: PathBuf,
    /// libfaketime, for steps that move the clock (`None`: such steps cannot run here).
    pub faketime: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SandboxError + '_ {
    move |source| SandboxError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Sandbox {
    /// A fresh sandbox; `keep` leaves it on disk (its path is printed) for a look after a failure.
    pub fn new(label: &str, keep: bool) -> Result<Sandbox, SandboxError> {
        let prefix: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(48)
            .collect();
        let temp = tempfile::Builder::new()
            .prefix(&format!("replay-{prefix}-"))
            .tempdir()
            .map_err(|source| SandboxError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let root = temp.path().to_owned();
        for dir in [
            "home/.aws",
            "home/.config",
            "etc",
            "bin",
            "git",
            "standin",
            "work",
            "tmp",
            "mock",
        ] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(io(&path))?;
        }
        let temp = if keep {
            let _ = temp.keep();
            None
        } else {
            Some(temp)
        };
        Ok(Sandbox { root, _temp: temp })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    pub fn standin_dir(&self) -> PathBuf {
        self.root.join("standin")
    }
    pub fn mock_dir(&self) -> PathBuf {
        self.root.join("mock")
    }
    /// The git under test, linked into the sandbox's `git` directory (on its PATH).
    pub fn git(&self) -> PathBuf {
        self.root
            .join("git")
            .join(format!("git{}", std::env::consts::EXE_SUFFIX))
    }
    pub fn system_gitconfig(&self) -> PathBuf {
        self.root.join("etc/gitconfig")
    }
    pub fn global_gitconfig(&self) -> PathBuf {
        self.home().join(".gitconfig")
    }

    /// Where one of the user's files is in this sandbox.
    pub fn file(&self, file: ConfigFile) -> PathBuf {
        match file {
            ConfigFile::SystemGitconfig => self.system_gitconfig(),
            ConfigFile::GlobalGitconfig => self.global_gitconfig(),
            ConfigFile::AwsConfig => self.home().join(".aws/config"),
            ConfigFile::AwsCredentials => self.home().join(".aws/credentials"),
        }
    }

    /// Writes the setup's files and installs its programs.
    pub fn prepare(
        &self,
        setup: &Setup,
        git: &Path,
        helper: &HelperUnderTest,
        tools: &Tools,
    ) -> Result<(), SandboxError> {
        let extra = self.placeholders();
        let expand = |text: &str| world::expand(text, &extra).map_err(SandboxError::Setup);
        let files = [
            (
                self.file(ConfigFile::SystemGitconfig),
                &setup.system_gitconfig,
            ),
            (
                self.file(ConfigFile::GlobalGitconfig),
                &setup.global_gitconfig,
            ),
            (self.file(ConfigFile::AwsConfig), &setup.aws_config),
            (
                self.file(ConfigFile::AwsCredentials),
                &setup.aws_credentials,
            ),
        ];
        for (path, text) in files {
            std::fs::write(&path, expand(text)?).map_err(io(&path))?;
        }
        link(git, &self.git())?;
        let mut helpers = BTreeMap::new();
        for install in &setup.install {
            let name = install.program.file_name();
            // `dir/name` goes under the root, off PATH; a bare name goes on PATH.
            let target = match &install.dir {
                Some(dir) => {
                    let dir = self.root.join(dir);
                    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                    dir.join(name)
                }
                None => self.bin().join(name),
            };
            if install.program.is_helper_under_test() {
                // A helper that only speaks the AWS CLI's shape answers as
                // `git-credential-codecommit` too: the harness puts the AWS CLI's words in.
                let before_operation =
                    if install.program == Program::Codecommit && !helper.native_shape {
                        vec!["codecommit".into(), "credential-helper".into()]
                    } else {
                        Vec::new()
                    };
                helpers.insert(
                    name.to_owned(),
                    HelperTarget {
                        program: helper.program.clone(),
                        before_operation,
                    },
                );
            }
            link(&tools.standin, &with_exe(&target))?;
        }
        link(
            &tools.standin,
            &with_exe(&self.standin_dir().join("askpass")),
        )?;
        let askpass = setup
            .askpass
            .iter()
            .map(|(k, v)| Ok((expand(k)?, expand(v)?)))
            .collect::<Result<_, SandboxError>>()?;
        let config = StandinConfig {
            helpers,
            keychain: setup.keychain,
            manager: setup.manager,
            askpass,
        };
        let path = self.standin_dir().join(standin::CONFIG_FILE);
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&config).unwrap_or_default(),
        )
        .map_err(io(&path))?;
        Ok(())
    }

    /// Placeholders that depend on the sandbox: `{root}`.
    pub fn placeholders(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([("root", self.root.display().to_string())])
    }

    /// Rewrites one of the setup's files (a step in which the user edits their configuration).
    pub fn write(&self, file: ConfigFile, text: &str) -> Result<(), SandboxError> {
        let path = self.file(file);
        let text = world::expand(text, &self.placeholders()).map_err(SandboxError::Setup)?;
        std::fs::write(&path, text).map_err(io(&path))
    }

    /// The whole environment of a git process: each variable is here for a reason, and nothing
    /// else gets in.
    pub fn env(
        &self,
        proxy: &str,
        ca_file: &Path,
        clock_offset: u64,
        tools: &Tools,
        git: GitVersion,
    ) -> ChildEnv {
        let home = self.home();
        // Older git cannot be pointed at the sandbox's system file: it reads none rather than the
        // machine's. (Its global file is $HOME/.gitconfig, the sandbox's anyway.)
        let system =
            (git >= crate::version::GIT_CONFIG_SYSTEM_SINCE).then(|| self.system_gitconfig());
        let mut env = ChildEnv::new()
            // Everything that reads configuration from HOME reads the sandbox's.
            .home(&home)
            // The two files a scenario's git configuration lives in; never /etc/gitconfig.
            .git_config(system.as_deref(), &self.global_gitconfig())
            // Only what the scenario installed, and git: "command not found" is real.
            .path([self.bin(), self.root.join("git")])
            // A terminal prompt fails instead of hanging; prompts go to the recording askpass.
            .no_prompt()
            .set("GIT_ASKPASS", with_exe(&self.standin_dir().join("askpass")))
            .set("CODECOMMIT_STANDIN_DIR", self.standin_dir())
            // The AWS SDKs and CLI read these files only, and never call instance metadata.
            .aws_files(&home.join(".aws/config"), &home.join(".aws/credentials"))
            // Harness plumbing, not part of any story: the mock's proxy and CA. curl reads only
            // the lower-case name for plain http.
            .https_proxy(proxy, ca_file)
            .set("http_proxy", proxy)
            // Stable commits and dates.
            .git_identity("Replay", "replay@example.com", "2026-01-02T03:04:05Z")
            .tmp(&self.root.join("tmp"));
        if clock_offset > 0
            && let Some(lib) = &tools.faketime
        {
            // Git, its helpers and the helper under test all see the same later time.
            env = env
                .set("LD_PRELOAD", lib)
                .set("FAKETIME", format!("+{clock_offset}"))
                // Only the wall clock moves: timeouts measured on the monotonic clock stay real.
                .set("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        env
    }
}

fn with_exe(path: &Path) -> PathBuf {
    if cfg!(windows) && path.extension().is_none() {
        path.with_extension("exe")
    } else {
        path.to_owned()
    }
}

/// Puts a program into the sandbox under another name. A symbolic link keeps the name in
/// `argv[0]` (which picks the stand-in's role) without copying the binary; Windows gets a copy.
fn link(program: &Path, name: &Path) -> Result<(), SandboxError> {
    #[cfg(unix)]
    let result = std::os::unix::fs::symlink(program, name);
    #[cfg(not(unix))]
    let result = std::fs::copy(program, name).map(|_| ());
    result.map_err(io(name))
}

/// Finds libfaketime: `CODECOMMIT_REPLAY_FAKETIME`, then where Debian and Homebrew put it.
pub fn find_faketime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CODECOMMIT_REPLAY_FAKETIME") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
        "/usr/local/lib/faketime/libfaketime.so.1",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}
