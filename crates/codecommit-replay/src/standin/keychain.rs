//! `git-credential-osxkeychain`: a stand-in for the macOS keychain helper, which this machine
//! cannot run. It keeps items in a JSON file ([`super::KEYCHAIN_FILE`]), keyed as the real
//! helper keys them (protocol, host, path, account), and models what differs between releases:
//! whether `password_expiry_utc` is kept (2.45+), whether `store` replaces an existing item
//! (2.45+; before, the duplicate-item error was ignored, so a stale password stayed), and a user
//! who denies access at every dialog.
//!
//! Git 2.46's `authtype` capability: no release of the real helper announces it (read in
//! `contrib/credential/osxkeychain/git-credential-osxkeychain.c` of 2.39 and of the 2.46 tree,
//! which announces only `capability[]=state`), so it never answers `authtype`/`credential` and
//! keeps only a user name and password. Git still hands it `store` with a helper's `credential=`
//! and no user name or password: before 2.45 (`add_internet_password` returned early, `void`)
//! nothing is kept, silently; from 2.45 (the SecItem rewrite, modelled by `overwrites`) it
//! returns -1 and the helper dies with `failed to store: -1`, exit 1, which git shows.

use super::store::{Answer, Query, erase, found, load_items, nothing, save_items};
use super::{HelperOperation, KEYCHAIN_FILE, get};
use crate::scenario::KeychainModel;
use std::path::Path;

pub(super) fn answer(
    dir: &Path,
    model: &KeychainModel,
    op: &HelperOperation,
    input: &[(String, String)],
) -> Answer {
    if model.deny {
        // The user clicks Deny: the keychain neither reveals nor saves anything.
        return nothing();
    }
    let file = dir.join(KEYCHAIN_FILE);
    let query = Query::from(input);
    match op {
        HelperOperation::Get => match load_items(&file).iter().find(|i| query.matches(i)) {
            Some(item) => found(item, model.keeps_expiry),
            None => nothing(),
        },
        HelperOperation::Store => {
            let (Some(username), Some(password)) = (query.username, get(input, "password")) else {
                return incomplete(model);
            };
            let expiry = if model.keeps_expiry {
                get(input, "password_expiry_utc").map(str::to_owned)
            } else {
                None
            };
            let mut items = load_items(&file);
            match items.iter_mut().find(|i| query.same_item(i)) {
                Some(existing) if model.overwrites => {
                    existing.password = password.to_owned();
                    existing.password_expiry_utc = expiry;
                }
                // Before 2.45 the duplicate-item error was ignored: the old password stays.
                Some(_) => {}
                None => items.push(query.item(username, password, expiry)),
            }
            save_items(&file, &items);
            nothing()
        }
        HelperOperation::Erase => erase(&file, load_items(&file), &query),
        // An operation this helper does not know: nothing, as git's contrib helpers do.
        HelperOperation::Other(_) => nothing(),
    }
}

/// `store` without a user name or password ("Only store complete credentials"): before 2.45
/// the helper returned quietly; from 2.45 `add_internet_password` returns -1 and `main` dies.
fn incomplete(model: &KeychainModel) -> Answer {
    if model.overwrites {
        (Vec::new(), "failed to store: -1\n".to_owned(), 1)
    } else {
        nothing()
    }
}

#[cfg(test)]
mod tests {
    use super::super::store::tests::pairs;
    use super::*;

    const HOST: &str =
        "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n";

    fn store(password: &str, expiry: &str) -> Vec<(String, String)> {
        pairs(&format!(
            "{HOST}username=AKIA\npassword={password}\npassword_expiry_utc={expiry}\n"
        ))
    }

    fn model(keeps_expiry: bool, overwrites: bool, deny: bool) -> KeychainModel {
        KeychainModel {
            keeps_expiry,
            overwrites,
            deny,
        }
    }

    /// Stores twice, then gets: what the keychain answers.
    fn twice(model: &KeychainModel) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        assert_eq!(
            answer(d, model, &HelperOperation::Store, &store("first", "100")),
            nothing()
        );
        answer(d, model, &HelperOperation::Store, &store("second", "200"));
        answer(d, model, &HelperOperation::Get, &pairs(HOST)).0
    }

    #[test]
    fn before_245_the_first_password_stays_and_no_expiry_is_kept() {
        assert_eq!(
            twice(&model(false, false, false)),
            pairs("username=AKIA\npassword=first\n")
        );
    }

    #[test]
    fn from_245_store_replaces_the_item_and_keeps_its_expiry() {
        assert_eq!(
            twice(&model(true, true, false)),
            pairs("username=AKIA\npassword=second\npassword_expiry_utc=200\n")
        );
    }

    #[test]
    fn a_denying_user_gets_nothing_stored_or_answered() {
        assert_eq!(twice(&model(true, true, true)), []);
    }

    #[test]
    fn store_without_a_user_name_or_password_saves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = model(true, true, false);
        let no_password = pairs(&format!("{HOST}username=AKIA\n"));
        answer(dir.path(), &m, &HelperOperation::Store, &no_password);
        assert!(!dir.path().join(KEYCHAIN_FILE).exists());
    }

    /// What git 2.46 and later hand every helper on `store` after a helper answered with
    /// `authtype` (seen in the replay's transcripts with git 2.47.3).
    fn authtype_store() -> Vec<(String, String)> {
        pairs(&format!(
            "capability[]=authtype\nauthtype=Basic\ncredential=QUtJQTpwdw==\nephemeral=1\n{HOST}password_expiry_utc=100\n"
        ))
    }

    #[test]
    fn an_authtype_credential_is_never_kept_and_from_245_store_says_so() {
        for (m, said) in [
            (model(false, false, false), nothing()),
            (
                model(true, true, false),
                (Vec::new(), "failed to store: -1\n".to_owned(), 1),
            ),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let d = dir.path();
            assert_eq!(
                answer(d, &m, &HelperOperation::Store, &authtype_store()),
                said
            );
            assert_eq!(
                answer(d, &m, &HelperOperation::Get, &pairs(HOST)),
                nothing()
            );
        }
    }

    #[test]
    fn erase_forgets_and_an_unknown_operation_does_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (d, m) = (dir.path(), model(true, true, false));
        answer(d, &m, &HelperOperation::Store, &store("pw", "100"));
        let held = std::fs::read(d.join(KEYCHAIN_FILE)).expect("stored");
        let unknown = HelperOperation::Other("capability".into());
        assert_eq!(answer(d, &m, &unknown, &pairs(HOST)), nothing());
        assert_eq!(std::fs::read(d.join(KEYCHAIN_FILE)).expect("kept"), held);
        answer(d, &m, &HelperOperation::Erase, &pairs(HOST));
        assert_eq!(
            answer(d, &m, &HelperOperation::Get, &pairs(HOST)),
            nothing()
        );
    }
}
