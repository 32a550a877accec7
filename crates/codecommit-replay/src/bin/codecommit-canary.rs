//! A deliberately broken helper in front of a real one; see `codecommit_replay::canary`.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(codecommit_replay::canary::main(args));
}
