//! `ibaudit`: parse arguments, run the command, map the outcome to an exit code.

mod args;
#[cfg(feature = "collector")]
mod collect;
mod commands;
mod iac;
mod output;
#[cfg(feature = "collector")]
mod securityhub;

use std::process::ExitCode;

use clap::Parser;
use output::diag;

/// Counts the heap in use, so that reading a snapshot keeps to its memory
/// budget (`ibaudit_snapshot::memory`).
#[global_allocator]
static ALLOCATOR: ibaudit_snapshot::memory::CountingAllocator =
    ibaudit_snapshot::memory::CountingAllocator;

/// glibc's malloc serves a large block from the heap once a block of that
/// size has been freed (its mmap threshold rises to the largest block
/// freed), and grows such a block by copying, keeping both copies resident;
/// the heap it leaves behind is not given back. Reading a snapshot frees
/// the whole file's text and then grows the model: with the threshold fixed
/// at its default, every large block is its own mapping, grown in place and
/// returned when freed, so peak memory follows what is in use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: mallopt only changes a malloc parameter; called before any
    // thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Runs the command. The one place that knows every command, so the
/// command modules depend on `commands` (the shared reporting) and never
/// on each other or back.
fn run(cli: args::Cli) -> anyhow::Result<u8> {
    use args::Command;
    match cli.command {
        #[cfg(feature = "collector")]
        Command::Collect(args) => collect::run_collect(args),
        #[cfg(feature = "collector")]
        Command::Scan(args) => {
            let hub = args.security_hub.then(|| securityhub::ScanImport {
                dry_run: args.security_hub_dry_run,
                role_name: args.hub.security_hub_role_name.clone(),
                external_id: args.hub.security_hub_external_id.clone(),
                profile: args.scope.profile.clone(),
                endpoint_url: args.scope.endpoint_url.clone(),
                region: args.scope.regions.first().cloned(),
                quiet: args.output.quiet,
            });
            let (code, report) = collect::run_scan(args)?;
            match hub {
                Some(hub) => securityhub::after_scan(&report, &hub, code),
                None => Ok(code),
            }
        }
        Command::Audit(args) => commands::run_audit(args),
        Command::Iac(args) => iac::run_iac(args),
        Command::Diff(args) => commands::run_diff(args),
        Command::Merge(args) => commands::run_merge(args),
        #[cfg(feature = "collector")]
        Command::Securityhub(args::SecurityhubCommand::Import(args)) => {
            securityhub::run_import(args)
        }
        Command::Rules => commands::run_rules(),
        Command::Explain { rule } => commands::run_explain(&rule),
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fix_mmap_threshold();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version, on standard output as clap writes them.
        Err(e) if !e.use_stderr() => e.exit(),
        // A usage error quotes the arguments it refuses: shown inert, as
        // every message (an argument may come from data, `explain "$id"`).
        Err(e) => {
            let text = e.render().to_string();
            for line in text.trim_end_matches('\n').split('\n') {
                output::say(line);
            }
            return ExitCode::from(commands::EXIT_USAGE);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            diag!("ibaudit: error: {err:#}");
            ExitCode::from(commands::EXIT_USAGE)
        }
    }
}
