//! `ibaudit`: parse arguments, run the command, map the outcome to an exit code.

mod args;
#[cfg(feature = "collector")]
mod collect;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use output::diag;

/// Counts the heap in use, so that reading a snapshot keeps to its memory
/// budget (`ibaudit_snapshot::memory`).
#[global_allocator]
static ALLOCATOR: ibaudit_snapshot::memory::CountingAllocator =
    ibaudit_snapshot::memory::CountingAllocator;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            diag!("ibaudit: error: {err:#}");
            ExitCode::from(commands::EXIT_USAGE)
        }
    }
}
