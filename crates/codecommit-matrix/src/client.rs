//! A git client image (`codecommit-git:<release>`) as a container on the mock's docker network,
//! with a sandbox inside it: every command runs under `env -i` with an environment from the same
//! builder, for the same reasons, as `codecommit_testkit::Sandbox::env` on the host.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codecommit_testkit::env::ChildEnv;
use testcontainers::CopyTargetOptions;
use testcontainers::runners::SyncRunner;
use testcontainers::{Container, GenericImage, ImageExt};

use crate::exec::{ExecOutput, exec};
use crate::images::{GIT_IMAGE, git_image};
use crate::{Error, unique_name};

/// The sandbox's root inside a client container.
pub const ROOT: &str = "/sandbox";
/// HOME inside the sandbox.
pub const HOME: &str = "/sandbox/home";

/// A running client container; removed on drop.
pub struct GitClient {
    container: Container<GenericImage>,
    release: String,
}

impl std::fmt::Debug for GitClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitClient")
            .field("id", &self.container.id())
            .field("release", &self.release)
            .finish()
    }
}

impl GitClient {
    /// Starts `codecommit-git:<release>` on `network`, with `files` (absolute path, contents)
    /// written before it starts; paths under [`ROOT`] are the sandbox's.
    pub fn start(release: &str, network: &str, files: &[(String, Vec<u8>)]) -> Result<Self, Error> {
        let mut request = GenericImage::new(GIT_IMAGE, release)
            .with_network(network)
            .with_container_name(unique_name(&format!("git-{release}")))
            .with_startup_timeout(Duration::from_secs(60))
            // The sandbox's directories, and the image's idle command made explicit.
            .with_cmd(["sleep", "infinity"]);
        for dir in [".aws", ".config"] {
            // An empty file creates the directory it sits in; git and the SDK ignore it.
            request = request.with_copy_to(
                CopyTargetOptions::new(format!("{HOME}/{dir}/.keep")).with_mode(0o644),
                Vec::new(),
            );
        }
        request = request.with_copy_to(
            CopyTargetOptions::new(format!("{ROOT}/tmp/.keep")).with_mode(0o644),
            Vec::new(),
        );
        for (path, contents) in files {
            request = request.with_copy_to(
                CopyTargetOptions::new(path.clone()).with_mode(0o644),
                contents.clone(),
            );
        }
        let container = request.start().map_err(|source| Error::Start {
            image: git_image(release),
            output: String::new(),
            source: Box::new(source),
        })?;
        Ok(GitClient {
            container,
            release: release.to_owned(),
        })
    }

    pub fn release(&self) -> &str {
        &self.release
    }

    /// Runs `argv` as is, with the image's environment.
    pub fn exec_raw(&self, argv: &[&str]) -> Result<ExecOutput, Error> {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        exec(&self.container, &argv)
    }

    /// Runs `argv` in the sandbox, in directory `cwd` (relative to [`ROOT`]), with
    /// [`sandbox_env`] and nothing else.
    pub fn run(&self, cwd: &str, argv: &[&str]) -> Result<ExecOutput, Error> {
        let dir = if cwd.is_empty() {
            ROOT.to_owned()
        } else {
            format!("{ROOT}/{cwd}")
        };
        let mut full: Vec<String> = vec!["env".into(), "-i".into(), format!("--chdir={dir}")];
        full.extend(
            sandbox_env()
                .vars()
                .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())),
        );
        full.extend(argv.iter().map(|a| (*a).to_owned()));
        exec(&self.container, &full)
    }

    /// `git --version` in this image, e.g. `git version 2.39.5`.
    pub fn git_version(&self) -> Result<String, Error> {
        let out = self.run("", &["git", "--version"])?;
        if !out.success() {
            return Err(Error::Container(format!(
                "git --version in {}: {out}",
                git_image(&self.release)
            )));
        }
        Ok(out.stdout.trim().to_owned())
    }
}

/// The whole environment of a sandboxed command in a client container (a Debian system,
/// whatever the host is): [`ChildEnv`] says why each variable is there.
pub fn sandbox_env() -> ChildEnv {
    // Paths in the container, written with `/` whatever the host: `Path::join` on a Windows
    // host would hand the container `/sandbox\tmp`.
    let unix = |path: String| PathBuf::from(path);
    ChildEnv::for_unix()
        .home(Path::new(HOME))
        .set("XDG_CONFIG_HOME", format!("{HOME}/.config"))
        // No system configuration: GIT_CONFIG_SYSTEM needs git 2.32, and bullseye has 2.30 (whose
        // global file is $HOME/.gitconfig anyway).
        .git_config(None, &unix(format!("{HOME}/.gitconfig")))
        .no_prompt()
        // The image's binaries (the workspace's helper is in /usr/local/bin) and nothing else.
        .path(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from))
        .tmp(&unix(format!("{ROOT}/tmp")))
        .aws_files(
            &unix(format!("{HOME}/.aws/config")),
            &unix(format!("{HOME}/.aws/credentials")),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_sandbox_is_unix_and_takes_nothing_from_this_process() {
        let env = sandbox_env();
        let get = |k: &str| env.get(k).map(|v| v.to_string_lossy().into_owned());
        assert_eq!(get("HOME").as_deref(), Some(HOME));
        assert_eq!(get("PATH").as_deref(), Some("/usr/local/bin:/usr/bin:/bin"));
        assert_eq!(get("TMPDIR").as_deref(), Some("/sandbox/tmp"));
        assert_eq!(
            get("XDG_CONFIG_HOME").as_deref(),
            Some("/sandbox/home/.config")
        );
        assert_eq!(
            get("GIT_CONFIG_GLOBAL").as_deref(),
            Some("/sandbox/home/.gitconfig")
        );
        assert_eq!(get("GIT_CONFIG_NOSYSTEM").as_deref(), Some("1"));
        assert_eq!(
            get("AWS_SHARED_CREDENTIALS_FILE").as_deref(),
            Some("/sandbox/home/.aws/credentials")
        );
        // Nothing of the host's (Windows' SYSTEMROOT, the developer's variables) gets in.
        let names: Vec<String> = env
            .vars()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "AWS_CONFIG_FILE",
                "AWS_EC2_METADATA_DISABLED",
                "AWS_SHARED_CREDENTIALS_FILE",
                "GIT_CONFIG_GLOBAL",
                "GIT_CONFIG_NOSYSTEM",
                "GIT_TERMINAL_PROMPT",
                "HOME",
                "LANG",
                "LC_ALL",
                "PATH",
                "TMPDIR",
                "TZ",
                "USERPROFILE",
                "XDG_CONFIG_HOME",
            ]
        );
    }
}
