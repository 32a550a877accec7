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
    let moves_clock = variant.steps.iter().any(|s| s.advance.is_some());
    if moves_clock && helper.static_executable {
        return Some(
            "moves the clock, and the helper under test is statically linked, which libfaketime cannot reach".into(),
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
