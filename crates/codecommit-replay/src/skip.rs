//! Why a variant cannot run on this machine with this git and helper. A skip always says why,
//! and the report shows it; in CI a skip of a scenario is a failure (see the replay's tests).

use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::platform::Platform;
use crate::sandbox::Tools;
use crate::scenario::Variant;
use crate::version::GIT_CONFIG_SYSTEM_SINCE;
use crate::vocabulary::{ConfigFile, Store};

/// Whether a variant's story involves the system configuration file.
fn uses_system_config(variant: &Variant<'_>) -> bool {
    !variant.setup.system_gitconfig.trim().is_empty()
        || variant.steps.iter().any(|s| {
            s.write
                .as_ref()
                .is_some_and(|w| w.file == ConfigFile::SystemGitconfig)
                || s.git.iter().chain(&s.tool).any(|a| a == "--system")
        })
}

/// `None` when the variant can run; otherwise the reason it cannot, in one sentence.
pub fn reason(
    variant: &Variant<'_>,
    git: &Git,
    helper: &HelperUnderTest,
    tools: &Tools,
) -> Option<String> {
    if git.version < GIT_CONFIG_SYSTEM_SINCE && uses_system_config(variant) {
        return Some(
            "needs a system configuration of its own, and git before 2.32 has no GIT_CONFIG_SYSTEM to give it one".into(),
        );
    }
    let moves_clock = variant.steps.iter().any(|s| s.moves_clock());
    if moves_clock && helper.static_executable {
        return Some(
            "moves the clock, and the helper under test is statically linked, which libfaketime cannot reach".into(),
        );
    }
    // The doctor runs after every step and `tool` steps run it as a helper: when it is the
    // static build (a container whose glibc cannot run the dynamic one), its clock stays put
    // while git's and the helper's move, and what it signs or reports would be of the wrong time.
    if moves_clock && crate::helper::is_static_elf(&tools.tool) {
        return Some(
            "moves the clock, and this project's git-credential-codecommit (the doctor, and `tool` steps) is statically linked here, which libfaketime cannot reach".into(),
        );
    }
    if moves_clock && let Some(why) = Platform::HOST.clock_skip(tools.faketime.is_some()) {
        return Some(why);
    }
    if tools.stores.is_real(Store::Osxkeychain) {
        return real_keychain_reason(variant);
    }
    None
}

/// Why a variant cannot run against the machine's real stores: what its stand-in is told to do
/// that only a person at the machine could make the real store do.
fn real_keychain_reason(variant: &Variant<'_>) -> Option<String> {
    let installs_keychain = variant
        .setup
        .install
        .iter()
        .any(|i| i.program.store() == Some(Store::Osxkeychain));
    (installs_keychain && variant.setup.keychain.deny).then(|| {
        "real stores: the user clicks Deny at the keychain's dialog, which no job can do".into()
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_static_tool_skips_the_variants_that_move_the_clock_and_only_those() {
        let scenarios = Scenario::load_dir(&crate::default_scenarios_dir()).expect("scenarios");
        let variants: Vec<_> = scenarios.iter().flat_map(|s| s.variants()).collect();
        let moves = |v: &Variant<'_>| v.steps.iter().any(|s| s.moves_clock());
        assert!(variants.iter().any(moves) && !variants.iter().all(moves));
        let git = Git {
            path: PathBuf::from("/usr/bin/git"),
            version: crate::version::GitVersion::parse("git version 2.47.3").expect("a version"),
            describe: "git version 2.47.3".into(),
            exec_path: None,
        };
        // A script: not a static executable, so libfaketime reaches the helper under test.
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let helper = HelperUnderTest {
            name: "helper".into(),
            program: script.clone(),
            native_shape: false,
            static_executable: false,
        };
        let tools = |tool: &Path| Tools {
            standin: script.clone(),
            tool: tool.to_path_buf(),
            faketime: Some(script.clone()),
            stores: Default::default(),
            remote: crate::remote::RemoteUnderTest {
                program: script.clone(),
                contract: crate::remote::RemoteContract::load(
                    crate::remote::DEFAULT,
                    &crate::default_scenarios_dir(),
                )
                .expect("loads"),
            },
        };
        // A static executable made here (no system file is static on every distribution), and
        // the shell, dynamic everywhere.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let static_elf = dir.path().join("git-credential-codecommit");
        std::fs::write(&static_elf, crate::helper::minimal_elf(false)).expect("write");
        let (static_tool, dynamic_tool) = (tools(&static_elf), tools(Path::new("/bin/sh")));
        for v in &variants {
            let with_static = reason(v, &git, &helper, &static_tool);
            assert_eq!(
                with_static
                    .as_deref()
                    .is_some_and(|r| r.contains("git-credential-codecommit (the doctor")),
                moves(v),
                "{}: {with_static:?}",
                v.name()
            );
            assert_eq!(
                reason(v, &git, &helper, &dynamic_tool),
                None,
                "{}",
                v.name()
            );
        }
    }
}
