//! The helper under test: this workspace's `git-credential-codecommit` by default, or any
//! program that answers `PROGRAM codecommit credential-helper get` as the AWS CLI does.
//!
//! What the scenarios expect of it is keyed by what it does, found by asking it once in a
//! throwaway sandbox: whether it prints `password_expiry_utc`, and whether it also answers in
//! the short shape (`PROGRAM get`) that `helper = codecommit` needs.

use crate::world;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const HELPER_ENV: &str = "CODECOMMIT_REPLAY_HELPER";

#[derive(Debug, Clone, serde::Serialize)]
pub struct HelperUnderTest {
    /// How reports name it: the file name, or `aws-cli 1.45.11` when it says so.
    pub name: String,
    pub program: PathBuf,
    pub native_shape: bool,
    pub expiry: bool,
    /// A statically linked executable ignores `LD_PRELOAD`, so libfaketime cannot move its
    /// clock: scenarios in which time passes cannot run with it.
    pub static_executable: bool,
}

impl HelperUnderTest {
    pub fn probe(program: &Path) -> Result<HelperUnderTest, String> {
        let program = std::fs::canonicalize(program)
            .map_err(|e| format!("helper {}: {e}", program.display()))?;
        let probe = tempfile::tempdir().map_err(|e| format!("probe directory: {e}"))?;
        let aws = probe.path().join(".aws");
        std::fs::create_dir_all(&aws).map_err(|e| format!("probe directory: {e}"))?;
        std::fs::write(
            aws.join("credentials"),
            format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                world::ALICE_KEY,
                world::ALICE_SECRET
            ),
        )
        .map_err(|e| format!("probe credentials: {e}"))?;
        let ask = |args: &[&str]| -> Result<String, String> {
            let mut child = Command::new(&program)
                .args(args)
                .env_clear()
                .env("HOME", probe.path())
                .env("USERPROFILE", probe.path())
                .env("AWS_CONFIG_FILE", aws.join("config"))
                .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run the helper {}: {e}", program.display()))?;
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(
                    format!(
                        "protocol=https\nhost={}\npath=v1/repos/{}\n\n",
                        world::HOST,
                        world::REPO
                    )
                    .as_bytes(),
                );
            }
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success() && stdout.starts_with("username=") {
                Ok(stdout)
            } else {
                Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
            }
        };
        let answer = ask(&["codecommit", "credential-helper", "get"]).map_err(|stderr| {
            format!("the helper under test {} gave no credentials to `codecommit credential-helper get`: {stderr}", program.display())
        })?;
        let native_shape = ask(&["get"]).is_ok();
        let name = describe(&program);
        let static_executable = is_static_elf(&program);
        Ok(HelperUnderTest {
            name,
            program,
            native_shape,
            expiry: answer.contains("\npassword_expiry_utc="),
            static_executable,
        })
    }
}

/// Whether `path` is an ELF executable without a program interpreter (`PT_INTERP`), that is,
/// statically linked. Scripts and other formats are not.
pub fn is_static_elf(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    // 64-bit little-endian ELF only: the images this matters for are x86_64 and aarch64 Linux.
    if bytes.get(..6) != Some(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    let phoff = phoff as usize;
    !(0..phnum).any(|i| u32_at(phoff + i * phentsize) == Some(3))
}

fn describe(program: &Path) -> String {
    let out = Command::new(program).arg("--version").env_clear().output();
    let version = out.ok().map(|o| {
        let text = if o.stdout.is_empty() {
            o.stderr
        } else {
            o.stdout
        };
        String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    });
    match version {
        // `aws-cli/1.45.11 Python/3.11.7 …` → `aws-cli/1.45.11`
        Some(v) if !v.is_empty() => v
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" Python/", " python/"),
        _ => program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// A binary of this workspace: beside the running program (or one directory up, for tests in
/// `deps/`); built with the cargo that started us when it is not there yet.
pub fn workspace_binary(package: &str, name: &str) -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the running program: {e}"))?;
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let dirs: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(Path::to_path_buf)
        .collect();
    if let Some(found) = dirs.iter().map(|d| d.join(&file)).find(|p| p.is_file()) {
        return Ok(found);
    }
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Err(format!(
            "{file} is not beside {}; build it with `cargo build -p {package}` or pass --helper",
            exe.display()
        ));
    };
    let release = exe.components().any(|c| c.as_os_str() == "release");
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", name]);
    if release {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo to build {name}: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo build -p {package}` failed"));
    }
    dirs.iter()
        .map(|d| d.join(&file))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("built {name}, but it is not beside {}", exe.display()))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::is_static_elf;
    use std::path::Path;

    #[test]
    fn tells_static_executables_from_dynamic_ones_and_scripts() {
        // Debian links ldconfig statically; git and the shell are dynamic; a script is no ELF.
        assert!(is_static_elf(Path::new("/sbin/ldconfig")));
        assert!(!is_static_elf(Path::new("/bin/sh")));
        assert!(!is_static_elf(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("Cargo.toml")
                .as_path()
        ));
        assert!(!is_static_elf(Path::new("/nonexistent")));
    }
}
