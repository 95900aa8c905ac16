//! `collect` and `scan`: the live side, on a tokio runtime.

use std::io::IsTerminal;
use std::sync::Mutex;

use anyhow::{Context, Result};
use ibaudit_collector::{collect, human, Collected, Progress, Scope, DEADLINE_EXCEEDED};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{CollectArgs, ScanArgs, ScopeArgs};
use crate::commands::{audit_and_report, load_config, EXIT_CLEAN, EXIT_INCOMPLETE};
use crate::output::{diag, write_report};

fn scope(args: &ScopeArgs) -> Scope {
    Scope {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        all_regions: args.all_regions,
        endpoint_url: args.endpoint_url.clone(),
        concurrency: usize::from(args.concurrency),
        max_duration: args.max_duration,
        ..Scope::default()
    }
}

/// Runs the collection with a progress bar on a terminal, log lines otherwise.
/// Ctrl-C stops it before anything is written.
fn run_collection(args: &ScopeArgs, quiet: bool) -> Result<Collected> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    let terminal = std::io::stderr().is_terminal() && !quiet;
    let report = |p: Progress| {
        if quiet {
            return;
        }
        match p {
            Progress::Regions(regions) if terminal => {
                let b = ProgressBar::new(regions.len() as u64);
                b.set_style(
                    ProgressStyle::with_template(
                        "{spinner} collecting {pos}/{len} regions {wide_bar} {msg}",
                    )
                    .expect("a valid template"),
                );
                *bar.lock().expect("bar lock") = Some(b);
            }
            Progress::Regions(regions) => diag!(
                "ibaudit: collecting {} region(s): {}",
                regions.len(),
                regions.join(", ")
            ),
            Progress::RegionDone {
                region,
                calls,
                errors,
            } => match bar.lock().expect("bar lock").as_ref() {
                Some(b) => {
                    b.inc(1);
                    b.set_message(
                        ibaudit_report::inert(&format!("{region} done, {calls} calls"))
                            .into_owned(),
                    );
                }
                None => {
                    diag!("ibaudit: {region} done ({calls} calls so far, {errors} failed here)")
                }
            },
            Progress::TrailsDone { trails } => match bar.lock().expect("bar lock").take() {
                Some(b) => b.finish_and_clear(),
                None => diag!("ibaudit: read {trails} trail(s)"),
            },
        }
    };
    let scope = scope(args);
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = collect(&scope, &report) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if let Some(b) = bar.lock().expect("bar lock").take() {
        b.finish_and_clear();
    }
    match outcome {
        Some(r) => Ok(r?),
        None => anyhow::bail!("interrupted: nothing was written"),
    }
}

fn snapshot_json(c: &Collected) -> String {
    let mut text = serde_json::to_string_pretty(&c.snapshot).expect("a snapshot serialises");
    text.push('\n');
    text
}

fn print_calls(c: &Collected) {
    for (call, n) in &c.calls {
        diag!(
            "ibaudit: {}: {} call(s), {} attempt(s)",
            call.iam_action(),
            n.operations,
            n.attempts
        );
    }
}

/// Says that the collection stopped at its deadline, and what that means.
fn report_deadline(c: &Collected, args: &ScopeArgs, quiet: bool) {
    if c.deadline_reached && !quiet {
        let cut = c
            .snapshot
            .accounts
            .iter()
            .flat_map(|a| &a.regions)
            .flat_map(|r| &r.errors)
            .filter(|e| e.code == DEADLINE_EXCEEDED)
            .count();
        diag!(
            "ibaudit: stopped at --max-duration {}: {cut} call(s) not made or abandoned, recorded as not assessed",
            args.max_duration.map(human).unwrap_or_default()
        );
    }
}

fn errors_of(c: &Collected) -> usize {
    c.snapshot
        .accounts
        .iter()
        .flat_map(|a| &a.regions)
        .map(|r| r.errors.len())
        .sum()
}

pub fn run_collect(args: CollectArgs) -> Result<u8> {
    let collected = run_collection(&args.scope, args.quiet)?;
    write_report(&snapshot_json(&collected), Some(&args.output))?;
    if args.verbose {
        print_calls(&collected);
    }
    report_deadline(&collected, &args.scope, args.quiet);
    let errors = errors_of(&collected);
    if !args.quiet {
        diag!(
            "ibaudit: wrote {} ({} region(s), {} call(s) failed{})",
            args.output.display(),
            collected
                .snapshot
                .accounts
                .iter()
                .map(|a| a.regions.len())
                .sum::<usize>(),
            errors,
            if errors > 0 {
                ": the audit will report them as not assessed"
            } else {
                ""
            }
        );
    }
    Ok(if errors > 0 {
        EXIT_INCOMPLETE
    } else {
        EXIT_CLEAN
    })
}

pub fn run_scan(args: ScanArgs) -> Result<u8> {
    // A bad config is a usage error: find it before any AWS call.
    let config = load_config(&args.output)?;
    let collected = run_collection(&args.scope, args.output.quiet)?;
    if args.output.verbose {
        print_calls(&collected);
    }
    report_deadline(&collected, &args.scope, args.output.quiet);
    if let Some(path) = &args.save_snapshot {
        write_report(&snapshot_json(&collected), Some(path))?;
    }
    audit_and_report(collected.snapshot, config, &args.output)
}
