//! The helper under test: this workspace's `git-credential-codecommit` by default, or any
//! program that answers `PROGRAM codecommit credential-helper get` as the AWS CLI does.
//!
//! What the scenarios expect of it is keyed by its contract (`contract`), never by what it
//! happened to do once: this module only says which program it is.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const HELPER_ENV: &str = "CODECOMMIT_REPLAY_HELPER";

#[derive(Debug, Clone, serde::Serialize)]
pub struct HelperUnderTest {
    /// How reports name it: `aws-cli/1.45.11 python/3.11.7` or the first line of `--version`,
    /// else the file name.
    pub name: String,
    pub program: PathBuf,
    /// Whether it answers `PROGRAM get` (its contract's `shapes.native`): when it does not, the
    /// harness puts the AWS CLI's words in for `helper = codecommit`.
    pub native_shape: bool,
    /// A statically linked executable ignores `LD_PRELOAD`, so libfaketime cannot move its
    /// clock: scenarios in which time passes cannot run with it.
    pub static_executable: bool,
}

impl HelperUnderTest {
    pub fn new(program: &Path, native_shape: bool) -> Result<HelperUnderTest, String> {
        let program = std::fs::canonicalize(program).map_err(|e| {
            format!(
                "the helper under test {}: {e} (pass --helper PROGRAM)",
                program.display()
            )
        })?;
        Ok(HelperUnderTest {
            name: describe(&program),
            static_executable: is_static_elf(&program),
            program,
            native_shape,
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
    let mut command = Command::new(program);
    command.arg("--version");
    codecommit_testkit::env::ChildEnv::new().apply(&mut command);
    let version = crate::exec::run(command, None, std::time::Duration::from_secs(30))
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr_text()
            } else {
                o.stdout_text()
            };
            text.lines().next().unwrap_or("").to_owned()
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

/// A binary of this workspace, beside the running program (or one directory up, for tests in
/// `deps/`). Run by cargo (`cargo run`, `cargo test`: `CARGO` is set), it is first built from the
/// current sources, so a stale binary left in `target/` never stands in for the helper under
/// test; an installed harness uses what is beside it.
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
    if let Some(cargo) = std::env::var_os("CARGO") {
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
            return Err(format!("`cargo build -p {package} --bin {name}` failed"));
        }
    }
    dirs.iter()
        .map(|d| d.join(&file))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{file} is not beside {}; build it with `cargo build -p {package}` or pass --helper",
                exe.display()
            )
        })
}

/// A 64-bit little-endian ELF header and its program headers, nothing else: with a `PT_INTERP`
/// header (what the dynamic loader's path is) a dynamic executable, without one a static one, as
/// [`is_static_elf`] reads them. For tests that need a static executable on any distribution
/// (Ubuntu's `/sbin/ldconfig` is a shell script, Debian's a static ELF).
#[cfg(test)]
pub(crate) fn minimal_elf(interpreter: bool) -> Vec<u8> {
    const PT_LOAD: u32 = 1;
    const PT_INTERP: u32 = 3;
    let headers: &[u32] = if interpreter {
        &[PT_INTERP, PT_LOAD]
    } else {
        &[PT_LOAD]
    };
    let mut elf = vec![0u8; 64];
    elf[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    elf[0x10..0x12].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf[0x12..0x14].copy_from_slice(&0x3eu16.to_le_bytes()); // x86-64
    elf[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
    elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // program headers right after
    elf[0x34..0x36].copy_from_slice(&64u16.to_le_bytes());
    elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
    elf[0x38..0x3a].copy_from_slice(&(headers.len() as u16).to_le_bytes());
    for kind in headers {
        let mut header = vec![0u8; 56];
        header[..4].copy_from_slice(&kind.to_le_bytes());
        elf.extend(header);
    }
    elf
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::{is_static_elf, minimal_elf};
    use std::path::Path;

    #[test]
    fn tells_static_executables_from_dynamic_ones_and_scripts() {
        // Made here: no distribution's file is static everywhere (Debian's /sbin/ldconfig is,
        // Ubuntu's is a shell script that runs ldconfig.real).
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (static_elf, dynamic_elf) = (dir.path().join("static"), dir.path().join("dynamic"));
        std::fs::write(&static_elf, minimal_elf(false)).expect("write");
        std::fs::write(&dynamic_elf, minimal_elf(true)).expect("write");
        assert!(is_static_elf(&static_elf));
        assert!(!is_static_elf(&dynamic_elf));
        // The shell is dynamic on every Linux distribution; a script is no ELF.
        assert!(!is_static_elf(Path::new("/bin/sh")));
        assert!(!is_static_elf(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("Cargo.toml")
                .as_path()
        ));
        assert!(!is_static_elf(Path::new("/nonexistent")));
    }
}
