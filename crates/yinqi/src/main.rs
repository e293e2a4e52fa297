//! The `yinqi` command: runs the platform's jobs from the command line — load the bank
//! registry and bureaus' lists, settle eligibility, generate demo data, benchmark.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
