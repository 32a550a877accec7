//! What the two stand-in credential stores share: their items on disk, the query git's
//! attributes make, and the answers a store gives. How each store keeps and answers items is
//! in [`super::keychain`] and [`super::manager`].

use super::{HelperCall, HelperOperation, TRANSCRIPT_FILE, append_json_line, get, operation};
use super::{parse_pairs, read_stdin};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// An item in a stand-in store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Item {
    pub protocol: String,
    pub host: String,
    pub path: Option<String>,
    pub username: String,
    pub password: String,
    pub password_expiry_utc: Option<String>,
}

pub fn load_items(file: &Path) -> Vec<Item> {
    std::fs::read(file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub fn save_items(file: &Path, items: &[Item]) {
    let _ = std::fs::write(file, serde_json::to_vec_pretty(items).unwrap_or_default());
}

/// The attributes git gives a store, as a search.
pub(super) struct Query<'a> {
    pub protocol: &'a str,
    pub host: &'a str,
    pub path: Option<&'a str>,
    pub username: Option<&'a str>,
}

impl<'a> Query<'a> {
    pub fn from(input: &'a [(String, String)]) -> Query<'a> {
        Query {
            protocol: get(input, "protocol").unwrap_or(""),
            host: get(input, "host").unwrap_or(""),
            path: get(input, "path"),
            username: get(input, "username"),
        }
    }

    /// The keychain's search: attributes the query leaves out match anything.
    pub fn matches(&self, item: &Item) -> bool {
        item.protocol == self.protocol
            && item.host.eq_ignore_ascii_case(self.host)
            && self.path.is_none_or(|p| item.path.as_deref() == Some(p))
            && self.username.is_none_or(|u| item.username == u)
    }

    /// The item `store` saves for this query.
    pub fn item(
        &self,
        username: &str,
        password: &str,
        password_expiry_utc: Option<String>,
    ) -> Item {
        Item {
            protocol: self.protocol.to_owned(),
            host: self.host.to_owned(),
            path: self.path.map(str::to_owned),
            username: username.to_owned(),
            password: password.to_owned(),
            password_expiry_utc,
        }
    }

    /// The item this query names exactly: the one `store` replaces.
    pub fn same_item(&self, item: &Item) -> bool {
        item.protocol == self.protocol
            && item.host.eq_ignore_ascii_case(self.host)
            && item.path.as_deref() == self.path
            && Some(item.username.as_str()) == self.username
    }
}

/// What a stand-in store answers: output pairs, stderr, exit code.
pub(super) type Answer = (Vec<(String, String)>, String, i32);

/// No output, no message, exit 0: "nothing here", and git asks its next helper. Also the
/// answer to an operation a store does not know, as git's contrib helpers do.
pub(super) fn nothing() -> Answer {
    (Vec::new(), String::new(), 0)
}

/// `erase`, the same in both stores: every item the query matches goes.
pub(super) fn erase(file: &Path, mut items: Vec<Item>, query: &Query<'_>) -> Answer {
    items.retain(|i| !query.matches(i));
    save_items(file, &items);
    nothing()
}

/// An item as a store gives it to git on `get`, with its expiry when the store keeps one.
pub(super) fn found(item: &Item, with_expiry: bool) -> Answer {
    let mut out = vec![
        ("username".to_owned(), item.username.clone()),
        ("password".to_owned(), item.password.clone()),
    ];
    if with_expiry && let Some(e) = &item.password_expiry_utc {
        out.push(("password_expiry_utc".to_owned(), e.clone()));
    }
    (out, String::new(), 0)
}

/// Runs a stand-in store as git does (operation last in `args`, attributes on stdin), prints
/// its answer, and records the call like any other helper's.
pub(super) fn serve(
    dir: &Path,
    name: &str,
    args: &[String],
    act: impl FnOnce(&HelperOperation, &[(String, String)]) -> Answer,
) -> i32 {
    let operation = operation(args);
    let input = parse_pairs(&read_stdin());
    let (output, stderr, exit) = act(&operation, &input);
    let mut text = String::new();
    for (k, v) in &output {
        text.push_str(&format!("{k}={v}\n"));
    }
    let _ = std::io::stdout().write_all(text.as_bytes());
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    append_json_line(
        &dir.join(TRANSCRIPT_FILE),
        &HelperCall {
            helper: name.to_owned(),
            operation,
            args: args.to_vec(),
            input,
            output,
            exit,
            stderr,
        },
    );
    exit
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub fn pairs(text: &str) -> Vec<(String, String)> {
        parse_pairs(text.as_bytes())
    }

    fn item(path: Option<&str>, username: &str) -> Item {
        Item {
            protocol: "https".into(),
            host: "git-codecommit.us-east-2.amazonaws.com".into(),
            path: path.map(str::to_owned),
            username: username.into(),
            password: "pw".into(),
            password_expiry_utc: Some("100".into()),
        }
    }

    #[test]
    fn attributes_left_out_of_a_query_match_anything() {
        let input = pairs("protocol=https\nhost=GIT-CODECOMMIT.us-east-2.amazonaws.com\n");
        let q = Query::from(&input);
        assert!(q.matches(&item(Some("v1/repos/R"), "AKIA")));
        assert!(q.matches(&item(None, "AKIA")));
        // Without a user name and path, the query names no item exactly.
        assert!(!q.same_item(&item(None, "AKIA")));
        let input = pairs(
            "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\nusername=AKIA\n",
        );
        let q = Query::from(&input);
        assert!(q.matches(&item(Some("v1/repos/R"), "AKIA")));
        assert!(q.same_item(&item(Some("v1/repos/R"), "AKIA")));
        assert!(!q.matches(&item(Some("v1/repos/Other"), "AKIA")));
        assert!(!q.matches(&item(None, "AKIA")));
        assert!(!q.matches(&item(Some("v1/repos/R"), "ASIA")));
        let http = pairs("protocol=http\nhost=git-codecommit.us-east-2.amazonaws.com\n");
        assert!(!Query::from(&http).matches(&item(None, "AKIA")));
    }

    #[test]
    fn erase_removes_every_match_and_only_those() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("items.json");
        let items = vec![
            item(Some("v1/repos/R"), "AKIA"),
            item(Some("v1/repos/R"), "ASIA"),
            item(Some("v1/repos/Other"), "AKIA"),
        ];
        let input =
            pairs("protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n");
        assert_eq!(erase(&file, items, &Query::from(&input)), nothing());
        assert_eq!(load_items(&file), [item(Some("v1/repos/Other"), "AKIA")]);
    }

    #[test]
    fn found_gives_the_expiry_only_when_the_store_keeps_it() {
        let i = item(None, "AKIA");
        assert_eq!(found(&i, false).0, pairs("username=AKIA\npassword=pw\n"));
        assert_eq!(
            found(&i, true).0,
            pairs("username=AKIA\npassword=pw\npassword_expiry_utc=100\n")
        );
    }

    #[test]
    fn a_missing_or_broken_file_holds_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("items.json");
        assert_eq!(load_items(&file), []);
        std::fs::write(&file, "not json").expect("write");
        assert_eq!(load_items(&file), []);
    }
}
