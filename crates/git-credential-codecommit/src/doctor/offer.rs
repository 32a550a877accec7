//! `--check-stores` on git 2.46 to 2.53: asks the CodeCommit helper what it answers git's
//! `capability[]=authtype` offer, exactly as that git asks it (the same fields, its
//! `GIT_EXEC_PATH`). Those releases leave an `authtype` answer off the probe they send before a
//! request larger than `http.postBuffer`, so a helper that answers that way fails every push
//! over 1 MiB with a 401 (git commit ed0f7a62f7 fixed it in 2.54). The answer is read into
//! memory and dropped: nothing of it is printed.

use super::checks::Target;
use super::helpers::Helper;
use super::stores::{run, shell_command};
use std::path::Path;

/// What the helper answered the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferAnswer {
    /// `authtype` and `credential`: lost on the probe of a large request.
    Authtype,
    /// `username` and `password`: curl puts them on every request, the probe included.
    Password,
    /// Nothing, or something that could not be read: other checks say why.
    Nothing,
}

/// Asks `helper` for the URL's credentials as git 2.46 to 2.53 ask over HTTP.
pub fn ask(
    helper: &Helper,
    target: &Target,
    with_path: bool,
    exec_path: Option<&Path>,
) -> OfferAnswer {
    let mut input = format!(
        "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost={}\n",
        target.parts.host_and_port()
    );
    if with_path {
        input.push_str(&format!(
            "path={}\n",
            target.parts.path.trim_start_matches('/')
        ));
    }
    let env: Vec<(&str, &Path)> = exec_path
        .map(|p| ("GIT_EXEC_PATH", p))
        .into_iter()
        .collect();
    match run(&format!("{} get", shell_command(helper)), &input, &env) {
        Err(_) => OfferAnswer::Nothing,
        Ok(output) => read(output.expose()),
    }
}

fn read(output: &str) -> OfferAnswer {
    let has = |key: &str| output.lines().any(|l| l.starts_with(&format!("{key}=")));
    if has("credential") && has("authtype") {
        OfferAnswer::Authtype
    } else if has("username") && has("password") {
        OfferAnswer::Password
    } else {
        OfferAnswer::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_of_an_answer() {
        assert_eq!(
            read("capability[]=authtype\nauthtype=Basic\ncredential=QQ==\nephemeral=1\n"),
            OfferAnswer::Authtype
        );
        assert_eq!(
            read("username=AKIA\npassword=2026\n"),
            OfferAnswer::Password
        );
        assert_eq!(read(""), OfferAnswer::Nothing);
        assert_eq!(read("credential=QQ==\n"), OfferAnswer::Nothing);
    }
}
