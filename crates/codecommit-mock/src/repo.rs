//! Repositories: names by CodeCommit's rules, request paths, and the bare repositories on disk.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::log::Reason;

/// A CodeCommit repository name: 1 to 100 of ASCII letters, digits, `.`, `_`, `-`
/// (and not `.` or `..`, which would name a directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must be 1 to 100 characters, is {0}")]
    Length(usize),
    #[error("may only contain ASCII letters, digits, `.`, `_` and `-`")]
    Characters,
    #[error("`.` and `..` are not repository names")]
    Dots,
}

impl RepoName {
    pub fn parse(s: &str) -> Result<RepoName, NameError> {
        if s.is_empty() || s.len() > 100 {
            return Err(NameError::Length(s.len()));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(NameError::Characters);
        }
        if s == "." || s == ".." {
            return Err(NameError::Dots);
        }
        Ok(RepoName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A repository path on a static host: `/`-separated segments by the same character rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticRepoPath(String);

impl StaticRepoPath {
    pub fn parse(s: &str) -> Result<StaticRepoPath, NameError> {
        if s.is_empty() || s.len() > 512 {
            return Err(NameError::Length(s.len()));
        }
        for segment in s.split('/') {
            RepoName::parse(segment)?;
        }
        Ok(StaticRepoPath(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The two smart-HTTP services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    UploadPack,
    ReceivePack,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::UploadPack => "git-upload-pack",
            Service::ReceivePack => "git-receive-pack",
        }
    }
    fn parse(s: &str) -> Option<Service> {
        match s {
            "git-upload-pack" => Some(Service::UploadPack),
            "git-receive-pack" => Some(Service::ReceivePack),
            _ => None,
        }
    }
}

/// A request path split into the repository part and what git asks of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitPath {
    /// Everything before the git route, without leading `/` (`v1/repos/MyDemoRepo`).
    pub repo: String,
    pub service: Service,
    /// `GET info/refs?service=…` (advertisement) rather than `POST <service>`.
    pub advertisement: bool,
    /// The route after the repository, with leading `/` (`/info/refs`).
    pub route: &'static str,
}

/// Splits and checks `path` (no query) and `query`. Anything git does not send for smart HTTP is
/// refused: traversal, percent-encoding, empty segments, dumb-protocol paths, unknown services.
pub fn parse_git_path(method: &str, path: &str, query: Option<&str>) -> Result<GitPath, Reason> {
    if path.len() > 1024 || !path.starts_with('/') || path.contains(['%', '\\']) || !path.is_ascii()
    {
        return Err(Reason::BadPath);
    }
    let inner = &path[1..];
    if inner
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(Reason::BadPath);
    }
    let routes: [(&'static str, bool); 3] = [
        ("/info/refs", true),
        ("/git-upload-pack", false),
        ("/git-receive-pack", false),
    ];
    let Some((route, advertisement)) = routes.into_iter().find(|(r, _)| path.ends_with(r)) else {
        return Err(Reason::UnknownService);
    };
    let repo = &inner[..inner.len() - (route.len() - 1)];
    let repo = repo.strip_suffix('/').ok_or(Reason::BadPath)?;
    if repo.is_empty() {
        return Err(Reason::BadPath);
    }
    let service = if advertisement {
        let service = query
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix("service="))
            .and_then(Service::parse)
            .ok_or(Reason::UnknownService)?;
        if method != "GET" && method != "HEAD" {
            return Err(Reason::MethodNotAllowed);
        }
        service
    } else {
        if method != "POST" {
            return Err(Reason::MethodNotAllowed);
        }
        Service::parse(&route[1..]).ok_or(Reason::UnknownService)?
    };
    Ok(GitPath {
        repo: repo.to_owned(),
        service,
        advertisement,
        route,
    })
}

/// Splits a CodeCommit repository path `v1/repos/<name>`.
pub fn codecommit_name(repo: &str) -> Result<RepoName, Reason> {
    let name = repo.strip_prefix("v1/repos/").ok_or(Reason::BadPath)?;
    RepoName::parse(name).map_err(|_| Reason::InvalidRepositoryName)
}

/// Where the bare repositories live: `<root>/codecommit/<region>/<name>.git` and
/// `<root>/hosts/<host>/<path>`.
#[derive(Debug, Clone)]
pub struct RepoStore {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run {git}: {source}")]
    Spawn {
        git: PathBuf,
        source: std::io::Error,
    },
    #[error("`{command}` failed: {stderr}")]
    Git { command: String, stderr: String },
}

/// Repository configuration set at every start. `core.fsync=committed` makes git fsync objects,
/// packs and refs before it reports a push as done, so a `kill -9` loses nothing git was told.
const REPO_CONFIG: &[(&str, &str)] = &[
    ("http.receivepack", "true"),
    ("core.fsync", "committed"),
    ("core.fsyncMethod", "fsync"),
];

impl RepoStore {
    pub fn new(root: PathBuf) -> RepoStore {
        RepoStore { root }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `GIT_PROJECT_ROOT` for a CodeCommit region.
    pub fn region_root(&self, region: &str) -> PathBuf {
        self.root.join("codecommit").join(region)
    }
    /// `GIT_PROJECT_ROOT` for a static host.
    pub fn host_root(&self, host: &str) -> PathBuf {
        self.root.join("hosts").join(host)
    }
    /// A directory with no git configuration, used as `HOME` for every git the mock runs.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// Creates `dir` as an empty bare repository unless it exists, and applies [`REPO_CONFIG`].
    pub fn ensure(&self, git: &Path, dir: &Path) -> Result<(), StoreError> {
        let home = self.home();
        std::fs::create_dir_all(&home).map_err(|source| StoreError::Io {
            path: home.clone(),
            source,
        })?;
        if !dir.join("HEAD").is_file() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
            self.git(
                git,
                dir,
                &[
                    "-c",
                    "init.defaultBranch=main",
                    "init",
                    "--bare",
                    "--quiet",
                    ".",
                ],
            )?;
        }
        for (key, value) in REPO_CONFIG {
            self.git(git, dir, &["config", key, value])?;
        }
        Ok(())
    }

    fn git(&self, git: &Path, dir: &Path, args: &[&str]) -> Result<(), StoreError> {
        let out = std::process::Command::new(git)
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(child_env(&self.home()))
            .output()
            .map_err(|source| StoreError::Spawn {
                git: git.to_owned(),
                source,
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(StoreError::Git {
                command: format!("git {}", args.join(" ")),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }
}

/// The environment of every git process the mock starts, built from scratch: this machine
/// exports `GIT_SSL_CAINFO` and has an `/etc/gitconfig`, and neither belongs in the server.
pub fn child_env(home: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = vec![
        // No user or system configuration: the repositories' own config is the whole story.
        ("HOME".into(), home.into()),
        ("XDG_CONFIG_HOME".into(), home.into()),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        // Stable, untranslated messages in the CGI's stderr.
        ("LANG".into(), "C".into()),
        ("LC_ALL".into(), "C".into()),
    ];
    // git finds its helpers (`git-upload-pack`, …) through its exec path and PATH.
    if let Some(path) = std::env::var_os("PATH") {
        env.push(("PATH".into(), path));
    }
    // Windows cannot start processes without these.
    if cfg!(windows) {
        for key in [
            "SYSTEMROOT",
            "SystemRoot",
            "COMSPEC",
            "PATHEXT",
            "WINDIR",
            "TEMP",
            "TMP",
        ] {
            if let Some(v) = std::env::var_os(key) {
                env.push((key.into(), v));
            }
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(RepoName::parse("MyDemoRepo").is_ok());
        assert!(RepoName::parse("a.b_c-d").is_ok());
        assert!(RepoName::parse(&"x".repeat(100)).is_ok());
        assert_eq!(
            RepoName::parse(&"x".repeat(101)),
            Err(NameError::Length(101))
        );
        assert_eq!(RepoName::parse(""), Err(NameError::Length(0)));
        assert_eq!(RepoName::parse("a b"), Err(NameError::Characters));
        assert_eq!(RepoName::parse("ä"), Err(NameError::Characters));
        assert_eq!(RepoName::parse(".."), Err(NameError::Dots));
    }

    #[test]
    fn paths() {
        let p = parse_git_path(
            "GET",
            "/v1/repos/MyDemoRepo/info/refs",
            Some("service=git-upload-pack"),
        )
        .expect("advertisement");
        assert_eq!(
            (p.repo.as_str(), p.service, p.advertisement),
            ("v1/repos/MyDemoRepo", Service::UploadPack, true)
        );
        let p = parse_git_path("POST", "/v1/repos/R/git-receive-pack", None).expect("push");
        assert_eq!(
            (p.repo.as_str(), p.service, p.advertisement),
            ("v1/repos/R", Service::ReceivePack, false)
        );
        let err = |m, p, q| parse_git_path(m, p, q).err();
        assert_eq!(
            err("GET", "/v1/repos/R/info/refs", None),
            Some(Reason::UnknownService)
        );
        assert_eq!(
            err(
                "GET",
                "/v1/repos/R/info/refs",
                Some("service=git-upload-archive")
            ),
            Some(Reason::UnknownService)
        );
        assert_eq!(
            err("GET", "/v1/repos/R/HEAD", None),
            Some(Reason::UnknownService)
        );
        assert_eq!(
            err("GET", "/v1/repos/R/git-upload-pack", None),
            Some(Reason::MethodNotAllowed)
        );
        assert_eq!(
            err(
                "POST",
                "/v1/repos/R/info/refs",
                Some("service=git-upload-pack")
            ),
            Some(Reason::MethodNotAllowed)
        );
        assert_eq!(
            err(
                "GET",
                "/v1/repos/../R/info/refs",
                Some("service=git-upload-pack")
            ),
            Some(Reason::BadPath)
        );
        assert_eq!(
            err(
                "GET",
                "/v1/repos/%2e%2e/info/refs",
                Some("service=git-upload-pack")
            ),
            Some(Reason::BadPath)
        );
        assert_eq!(
            err(
                "GET",
                "/v1//repos/R/info/refs",
                Some("service=git-upload-pack")
            ),
            Some(Reason::BadPath)
        );
        assert_eq!(
            err("GET", "/info/refs", Some("service=git-upload-pack")),
            Some(Reason::BadPath)
        );
        assert_eq!(
            codecommit_name("v1/repos/R").map(|n| n.0),
            Ok("R".to_owned())
        );
        assert_eq!(
            codecommit_name("v1/repos/a/b"),
            Err(Reason::InvalidRepositoryName)
        );
        assert_eq!(codecommit_name("v2/repos/R"), Err(Reason::BadPath));
    }
}
