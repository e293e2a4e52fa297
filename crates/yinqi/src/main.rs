//! The `yinqi` command: runs the platform's jobs from the command line — load the bank
//! registry and bureaus' lists, settle eligibility, generate demo data, benchmark.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `yinqi codes list | head` closes our stdout early; `println!` then panics. That is the
/// reader's choice, not an error: end quietly with the shell's SIGPIPE status instead of a
/// backtrace. (The crate forbids `unsafe`, so the signal itself stays as Rust sets it.)
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
