//! One sandbox per replayed variant: its own HOME, system and global git configuration, AWS
//! files, a PATH holding only what the scenario installs plus git itself, and an environment
//! rebuilt from an allowlist for every process (nothing of the caller's leaks in).
//!
//! ```text
//! ROOT/home            HOME, ~/.gitconfig (GIT_CONFIG_GLOBAL), ~/.aws/{config,credentials}
//! ROOT/etc/gitconfig   GIT_CONFIG_SYSTEM
//! ROOT/bin             what the scenario installs (aws, git-credential-osxkeychain…)
//! ROOT/git             git itself (on Windows git runs in place: see `platform`)
//! ROOT/exec-path       git's exec path without the programs it would shadow (only when it would)
//! ROOT/standin         stand-in state, the helper transcript, the prompts (CODECOMMIT_STANDIN_DIR)
//! ROOT/work            where git runs
//! ROOT/mock            the mock's repositories
//! ```

use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::platform::{self, Installed, Platform};
use crate::scenario::Setup;
use crate::standin::{self, HelperTarget, StandinConfig};
use crate::version::GitVersion;
use crate::vocabulary::{ConfigFile, Program, Store};
use crate::world;
use codecommit_testkit::env::ChildEnv;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
    /// The git that steps run: the sandbox's link, or on Windows the installation's own.
    git: PathBuf,
    /// `PATH` after the sandbox's `bin`: the directory git is in (and on Windows its `sh`).
    git_path: Vec<PathBuf>,
    /// `GIT_EXEC_PATH`, when git's own exec path would shadow a program the scenario installs.
    exec_path: Option<PathBuf>,
    /// The real programs playing the stores in a `--real-store` run, by store.
    real_stores: BTreeMap<Store, RealStore>,
}

/// Which programs play the credential stores a scenario installs (`git-credential-osxkeychain`,
/// `git-credential-manager`): the harness's stand-ins (`standin::keychain`, `standin::manager`)
/// on every platform, or for the stores named in `real` this machine's programs (git's exec
/// path, then `PATH`), each behind the recorder. Isolation is the caller's (a throw-away
/// keychain) or the environment's (GCM's store in the sandbox, see [`Sandbox::env`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stores {
    pub real: BTreeSet<Store>,
}

impl Stores {
    /// The real programs for these stores, stand-ins for the others.
    pub fn real(stores: impl IntoIterator<Item = Store>) -> Stores {
        Stores {
            real: stores.into_iter().collect(),
        }
    }
    pub fn is_real(&self, store: Store) -> bool {
        self.real.contains(&store)
    }
}

/// A real store program installed behind the recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealStore {
    /// The name the scenario installs it under (`git-credential-manager-core`).
    pub name: String,
    pub program: PathBuf,
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
    /// Stand-ins or the machine's real stores.
    pub stores: Stores,
    /// The remote helper under test, installed as `git-remote-codecommit`.
    pub remote: crate::remote::RemoteUnderTest,
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
        // macOS's temporary directory is behind a symbolic link (/var -> /private/var), and git
        // resolves some paths it prints (the work tree's): the root is the resolved path, so
        // what git is given is what it prints and [ROOT] replaces it. Not on Windows, where it
        // would be a `\\?\` path that git's configuration and sh do not read.
        let root = if Platform::HOST == Platform::Windows {
            temp.path().to_owned()
        } else {
            std::fs::canonicalize(temp.path()).map_err(io(temp.path()))?
        };
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
        Ok(Sandbox {
            git: root.join("git").join(Platform::HOST.exe_name("git")),
            git_path: vec![root.join("git")],
            exec_path: None,
            real_stores: BTreeMap::new(),
            root,
            _temp: temp,
        })
    }

    /// The real store programs of a `--real-store` run, as installed by [`Sandbox::prepare`].
    pub fn real_stores(&self) -> &BTreeMap<Store, RealStore> {
        &self.real_stores
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
    /// The git under test, linked into the sandbox's `git` directory (on its PATH); on Windows
    /// the installation's own `git.exe`.
    pub fn git(&self) -> PathBuf {
        self.git.clone()
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
        &mut self,
        setup: &Setup,
        git: &Git,
        helper: &HelperUnderTest,
        tools: &Tools,
    ) -> Result<(), SandboxError> {
        let platform = Platform::HOST;
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
        if platform == Platform::Windows {
            // Git for Windows' launchers cannot start from a copy: git runs where it is installed.
            self.git = git.path.clone();
            self.git_path = platform::git_for_windows_path(&git.path, Path::is_file);
        } else {
            link(&git.path, &self.git())?;
        }
        let mut helpers = BTreeMap::new();
        let mut on_path = Vec::new();
        for install in &setup.install {
            let name = install.program.file_name();
            // `dir/name` goes under the root, off PATH; a bare name goes on PATH.
            let target = match &install.dir {
                Some(dir) => {
                    let dir = self.root.join(dir);
                    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                    dir.join(name)
                }
                None => {
                    on_path.push(platform.exe_name(name));
                    self.bin().join(name)
                }
            };
            if let Some(store) = install.program.store()
                && tools.stores.is_real(store)
            {
                // The recorder stands in front of the real program, so the transcript is kept.
                let program = real_store_program(name, git)?;
                helpers.insert(
                    name.to_owned(),
                    HelperTarget {
                        program: program.clone(),
                        before_operation: Vec::new(),
                    },
                );
                self.real_stores.insert(
                    store,
                    RealStore {
                        name: name.to_owned(),
                        program,
                    },
                );
            }
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
            // The remote helper under test speaks to git for the whole transfer: it is installed
            // itself, not the recorder (`remote`).
            let program = if install.program == Program::Remote {
                &tools.remote.program
            } else {
                &tools.standin
            };
            for file in platform::install_plan(&target, platform) {
                match file {
                    Installed::Standin(path) => link(program, &path)?,
                    Installed::Text(path, text) => {
                        std::fs::write(&path, text).map_err(io(&path))?
                    }
                }
            }
        }
        self.exec_path = self.mirror_exec_path(git, &on_path)?;
        link(
            &tools.standin,
            &self.standin_dir().join(platform.exe_name("askpass")),
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

    /// When git's exec path holds a program the sandbox installs on `PATH` (git would run the
    /// exec path's, see [`platform::shadowing`]), a copy of the exec path without it, made of
    /// links, for `GIT_EXEC_PATH`; otherwise `None` and git's own exec path is used.
    fn mirror_exec_path(
        &self,
        git: &Git,
        on_path: &[String],
    ) -> Result<Option<PathBuf>, SandboxError> {
        let Some(real) = &git.exec_path else {
            return Ok(None);
        };
        let entries: Vec<String> = std::fs::read_dir(real)
            .map_err(io(real))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let shadowing = platform::shadowing(&entries, on_path);
        if shadowing.is_empty() {
            return Ok(None);
        }
        let mirror = self.root.join("exec-path");
        std::fs::create_dir_all(&mirror).map_err(io(&mirror))?;
        for entry in entries.iter().filter(|e| !shadowing.contains(e)) {
            link_in_place(&real.join(entry), &mirror.join(entry))?;
        }
        Ok(Some(mirror))
    }

    /// Placeholders that depend on the sandbox: `{root}`, as git configuration can hold it.
    pub fn placeholders(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([("root", Platform::HOST.config_path(&self.root))])
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
            .path(std::iter::once(self.bin()).chain(self.git_path.iter().cloned()))
            // A terminal prompt fails instead of hanging; prompts go to the recording askpass.
            .no_prompt()
            .set(
                "GIT_ASKPASS",
                self.standin_dir().join(Platform::HOST.exe_name("askpass")),
            )
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
        if let Some(exec_path) = &self.exec_path {
            // Git's exec path without the programs the scenario installs (mirror_exec_path).
            env = env.set("GIT_EXEC_PATH", exec_path);
        }
        if self.real_stores.contains_key(&Store::Manager) {
            // The real Git Credential Manager keeps its items in the sandbox (DPAPI-encrypted
            // files), not in the machine's Windows Credential Manager, which GCM cannot be pointed
            // elsewhere in; the CredWriteW limits the stand-in models therefore do not apply.
            env = env
                .set("GCM_CREDENTIAL_STORE", "dpapi")
                .set("GCM_DPAPI_STORE_PATH", self.standin_dir().join("gcm-dpapi"))
                .set(
                    "GCM_PLAINTEXT_STORE_PATH",
                    self.standin_dir().join("gcm-plaintext"),
                )
                // No dialog or terminal prompt can be answered in a job: GCM fails instead.
                .set("GCM_INTERACTIVE", "never")
                .set("GCM_GUI_PROMPT", "false");
        }
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

/// The real program behind a store's name for `--real-store`: git's exec path, then this
/// process's `PATH` (where Git for Windows puts `git-credential-manager.exe`).
fn real_store_program(name: &str, git: &Git) -> Result<PathBuf, SandboxError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    platform::find_program(
        name,
        git.exec_path.as_deref(),
        std::env::split_paths(&path),
        Platform::HOST,
        Path::is_file,
    )
    .ok_or_else(|| {
        SandboxError::Setup(format!(
            "--real-store: no {name} in git's exec path ({}) or on PATH",
            git.exec_path
                .as_deref()
                .map_or_else(|| "none".into(), |p| p.display().to_string())
        ))
    })
}

/// Puts an installed file or directory into the exec-path mirror: a symbolic link on Unix; on
/// Windows a hard link (git's exec path is mostly hard links of git.exe already), and a
/// directory (only `mergetools`, which no scenario uses) is left out rather than copied.
fn link_in_place(file: &Path, name: &Path) -> Result<(), SandboxError> {
    #[cfg(unix)]
    let result = std::os::unix::fs::symlink(file, name);
    #[cfg(not(unix))]
    let result = if file.is_dir() {
        Ok(())
    } else {
        std::fs::hard_link(file, name).or_else(|_| std::fs::copy(file, name).map(|_| ()))
    };
    result.map_err(io(name))
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

/// Finds libfaketime as the build scripts do ([`codecommit_testkit::faketime`]:
/// `CODECOMMIT_LIBFAKETIME`, then where the packages put it), so a test ignored for want of it
/// and the replay's skip name the same remedy. Never on macOS or Windows, where a preloaded
/// library cannot move git's clock ([`Platform::clock_skip`]).
pub fn find_faketime() -> Option<PathBuf> {
    if Platform::HOST != Platform::Unix {
        return None;
    }
    codecommit_testkit::faketime::find_libfaketime().ok()
}

#[cfg(test)]
mod tests {
    /// The build script marks the clock tests ignored (`missing_faketime`) exactly when the
    /// replay cannot move the clock: one detection, so an `ignore` message that says how to
    /// provide libfaketime provides it to the replay too. Strict mode never sets the cfg.
    #[test]
    fn the_build_script_and_the_replay_agree_on_libfaketime() {
        if codecommit_testkit::strict() {
            return;
        }
        assert_eq!(
            cfg!(missing_faketime),
            super::find_faketime().is_none(),
            "the build script decided missing_faketime={}, the replay found {:?}",
            cfg!(missing_faketime),
            super::find_faketime()
        );
    }
}
