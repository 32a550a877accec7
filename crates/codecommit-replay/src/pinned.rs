//! Contracts pinned as TOML files in a directory of `scenarios/` (`helpers/` for credential
//! helpers, `remotes/` for remote helpers): found by name or by path, parsed strictly, with the
//! file named in every error. One loader, so both kinds answer a typo the same way.

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// The contract `name_or_file`: a file, or `DIR/NAME.toml`. `what` names the kind in errors
/// ("contract", "remote contract").
pub fn load<T: DeserializeOwned>(what: &str, dir: &Path, name_or_file: &str) -> Result<T, String> {
    let as_file = PathBuf::from(name_or_file);
    let file = if as_file.is_file() {
        as_file
    } else {
        let file = dir.join(format!("{name_or_file}.toml"));
        if !file.is_file() {
            return Err(format!(
                "no {what} '{name_or_file}': not a file, and not one of {} in {}",
                names(dir).join(", "),
                dir.display()
            ));
        }
        file
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    parse(&text, &file)
}

/// `text`, read from `file`, as a contract; the error is one line that names the file.
pub fn parse<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        format!(
            "{}: {}",
            file.display(),
            e.to_string().trim().replace('\n', " ")
        )
    })
}

/// The names of the contracts pinned in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pin {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn by_name_by_file_and_every_error_names_the_fix() {
        let dir = std::env::temp_dir().join(format!("pinned-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("b.toml"), "name = \"b\"\n").expect("b");
        std::fs::write(dir.join("a.toml"), "name = \"a\"\nnmae = \"typo\"\n").expect("a");
        std::fs::write(dir.join("notes.txt"), "not a contract").expect("notes");

        assert_eq!(names(&dir), ["a", "b"]);
        assert!(load::<Pin>("pin", &dir, "b").is_ok());
        let file = dir.join("b.toml");
        assert!(load::<Pin>("pin", &dir, &file.to_string_lossy()).is_ok());
        let e = load::<Pin>("pin", &dir, "c").expect_err("unknown");
        assert!(
            e.starts_with("no pin 'c': not a file, and not one of a, b in "),
            "{e}"
        );
        let e = load::<Pin>("pin", &dir, "a").expect_err("typo");
        assert!(
            e.contains("a.toml") && e.contains("nmae") && !e.contains('\n'),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
