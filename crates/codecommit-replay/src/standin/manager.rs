//! `git-credential-manager` (and `-core`): a stand-in for Git Credential Manager on Windows. It
//! stores whatever git approves (user name and password, never an expiry: GCM 2.x does not keep
//! `password_expiry_utc`), answers with it, and refuses items the Windows Credential Manager
//! cannot hold (CredWriteW: user names over 513 characters, secrets over 2,560 bytes), with the
//! error GCM prints. With nothing stored it answers nothing, modelling the user dismissing GCM's
//! sign-in dialog. Items are kept in [`super::MANAGER_FILE`].
//!
//! Git 2.46's `authtype` capability: GCM 2.x does not announce it (read in
//! `git-ecosystem/git-credential-manager` `main`, `src/shared/Core/Commands/GetCommand.cs`
//! prints protocol, host, path, username, password and the optional expiry and refresh token;
//! the unreleased `vnext` capability plumbing says it is not wired up). Its `StoreCommand`
//! requires `username` and `password` (`EnsureMinimumInputArguments`), so a `store` with only
//! a helper's `credential=` throws, printed as `fatal: Missing 'username' input argument`, exit
//! -1 (255), and nothing is kept.

use super::store::{Answer, Query, erase, found, load_items, nothing, save_items};
use super::{HelperOperation, MANAGER_FILE, get};
use crate::scenario::ManagerModel;
use std::path::Path;

/// CredWriteW's limits (wincred.h): CRED_MAX_USERNAME_LENGTH and CRED_MAX_CREDENTIAL_BLOB_SIZE.
const WINDOWS_MAX_USERNAME: usize = 513;
const WINDOWS_MAX_BLOB: usize = 5 * 512;

/// GCM's words when CredWriteW refuses the item (git-remote-codecommit #38).
const REFUSED: &str =
    "fatal: Failed to write item to store. [0x6c6]\nfatal: The array bounds are invalid\n";

/// GCM's `StoreCommand.EnsureMinimumInputArguments`, as `Application.OnException` prints it.
const MISSING_USERNAME: &str = "fatal: Missing 'username' input argument\n";
const MISSING_PASSWORD: &str = "fatal: Missing 'password' input argument\n";

pub(super) fn answer(
    dir: &Path,
    model: &ManagerModel,
    op: &HelperOperation,
    input: &[(String, String)],
) -> Answer {
    let file = dir.join(MANAGER_FILE);
    let query = Query::from(input);
    match op {
        HelperOperation::Get => match load_items(&file).iter().rev().find(|i| query.matches(i)) {
            // GCM answers with what it holds; it never passes an expiry on.
            Some(item) => found(item, false),
            None => nothing(),
        },
        HelperOperation::Store => {
            let Some(username) = query.username else {
                return (Vec::new(), MISSING_USERNAME.to_owned(), 255);
            };
            let Some(password) = get(input, "password") else {
                return (Vec::new(), MISSING_PASSWORD.to_owned(), 255);
            };
            let blob = password.encode_utf16().count() * 2;
            if model.windows_limits
                && (username.chars().count() > WINDOWS_MAX_USERNAME || blob > WINDOWS_MAX_BLOB)
            {
                return (Vec::new(), REFUSED.to_owned(), 1);
            }
            let mut items = load_items(&file);
            items.retain(|i| !query.same_item(i));
            items.push(query.item(username, password, None));
            save_items(&file, &items);
            nothing()
        }
        HelperOperation::Erase => erase(&file, load_items(&file), &query),
        // An operation this helper does not know: nothing, as git's contrib helpers do.
        HelperOperation::Other(_) => nothing(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::store::tests::pairs;
    use super::*;

    const HOST: &str =
        "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n";

    fn store(username: &str, password: &str) -> Vec<(String, String)> {
        pairs(&format!(
            "{HOST}username={username}\npassword={password}\npassword_expiry_utc=100\n"
        ))
    }

    const LIMITED: ManagerModel = ManagerModel {
        windows_limits: true,
    };

    #[test]
    fn the_latest_store_wins_and_no_expiry_is_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Get, &pairs(HOST)),
            nothing()
        );
        answer(
            d,
            &LIMITED,
            &HelperOperation::Store,
            &store("AKIA", "first"),
        );
        answer(
            d,
            &LIMITED,
            &HelperOperation::Store,
            &store("AKIA", "second"),
        );
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Get, &pairs(HOST)).0,
            pairs("username=AKIA\npassword=second\n")
        );
        assert_eq!(load_items(&d.join(MANAGER_FILE)).len(), 1);
    }

    #[test]
    fn what_windows_cannot_hold_is_refused_at_the_limits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let refused = (Vec::new(), REFUSED.to_owned(), 1);
        let user = |n: usize| "u".repeat(n);
        // 1,280 UTF-16 code units are exactly 2,560 bytes.
        let secret = |n: usize| "s".repeat(n);
        let op = &HelperOperation::Store;
        assert_eq!(
            answer(d, &LIMITED, op, &store(&user(513), &secret(1280))),
            nothing()
        );
        assert_eq!(answer(d, &LIMITED, op, &store(&user(514), "pw")), refused);
        assert_eq!(
            answer(d, &LIMITED, op, &store("AKIA", &secret(1281))),
            refused
        );
        let unlimited = ManagerModel {
            windows_limits: false,
        };
        assert_eq!(
            answer(d, &unlimited, op, &store(&user(514), &secret(1281))),
            nothing()
        );
    }

    #[test]
    fn an_authtype_credential_is_refused_as_gcm_refuses_a_missing_user_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        // What git 2.46 and later hand every helper after a helper answered with `authtype`.
        let authtype = pairs(&format!(
            "capability[]=authtype\nauthtype=Basic\ncredential=QUtJQTpwdw==\nephemeral=1\n{HOST}password_expiry_utc=100\n"
        ));
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Store, &authtype),
            (Vec::new(), MISSING_USERNAME.to_owned(), 255)
        );
        let no_password = pairs(&format!("{HOST}username=AKIA\n"));
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Store, &no_password),
            (Vec::new(), MISSING_PASSWORD.to_owned(), 255)
        );
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Get, &pairs(HOST)),
            nothing()
        );
    }

    #[test]
    fn erase_forgets_and_an_unknown_operation_does_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        answer(d, &LIMITED, &HelperOperation::Store, &store("AKIA", "pw"));
        let unknown = HelperOperation::Other("capability".into());
        assert_eq!(
            answer(d, &LIMITED, &unknown, &store("AKIA", "other")),
            nothing()
        );
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Get, &pairs(HOST)).0,
            pairs("username=AKIA\npassword=pw\n")
        );
        answer(d, &LIMITED, &HelperOperation::Erase, &pairs(HOST));
        assert_eq!(
            answer(d, &LIMITED, &HelperOperation::Get, &pairs(HOST)),
            nothing()
        );
    }
}
