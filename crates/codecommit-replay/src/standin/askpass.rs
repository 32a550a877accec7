//! `askpass`: the program git runs to ask the user (`GIT_ASKPASS`). It records every prompt git
//! shows ([`super::PROMPTS_FILE`]) and answers the ones the scenario scripts, by the start of
//! the prompt; otherwise it fails, as a closed dialog does.

use super::{PROMPTS_FILE, Prompt, StandinConfig, append_json_line};
use std::path::Path;

pub(super) fn main(dir: &Path, config: &StandinConfig, prompt: &str) -> i32 {
    let answer = config
        .askpass
        .iter()
        .find(|(start, _)| prompt.starts_with(start.as_str()))
        .map(|(_, a)| a);
    append_json_line(
        &dir.join(PROMPTS_FILE),
        &Prompt {
            prompt: prompt.to_owned(),
            answered: answer.is_some(),
        },
    );
    match answer {
        Some(answer) => {
            println!("{answer}");
            0
        }
        None => 1,
    }
}
