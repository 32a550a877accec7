//! The stand-ins and recorders git runs inside a replay sandbox; see `codecommit_replay::standin`.
fn main() {
    let code = codecommit_replay::standin::main(std::env::args_os().collect());
    std::process::exit(code);
}
