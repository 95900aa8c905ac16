//! `collect` and `scan`: the live side, on a tokio runtime.

use std::io::IsTerminal;
use std::sync::Mutex;

use anyhow::{Context, Result};
use ibaudit_collector::{
    collect, human, AccountScope, Collected, Progress, Scope, DEADLINE_EXCEEDED,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{CollectArgs, ScanArgs, ScopeArgs};
use crate::commands::{audit_and_keep, load_config, EXIT_CLEAN, EXIT_INCOMPLETE};
use crate::output::{diag, write_snapshot};

fn scope(args: &ScopeArgs) -> Scope {
    Scope {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        all_regions: args.all_regions,
        endpoint_url: args.endpoint_url.clone(),
        concurrency: usize::from(args.concurrency),
        max_duration: args.max_duration,
        accounts: args.many_accounts().then(|| AccountScope {
            org: args.org,
            include: args.accounts.clone().map(|l| l.0).unwrap_or_default(),
            exclude: args
                .exclude_accounts
                .clone()
                .map(|l| l.0)
                .unwrap_or_default(),
            shard: args.shard,
            role_name: args.role_name.clone(),
            external_id: args.external_id.clone(),
            role_session_name: args.role_session_name.clone(),
            account_concurrency: usize::from(args.account_concurrency),
        }),
        ..Scope::default()
    }
}

/// `123456789012 (Name)`, shown inert.
fn account_label(id: &str, name: Option<&str>) -> String {
    let label = match name {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    };
    ibaudit_report::inert(&label).into_owned()
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
            Progress::Accounts(n) if terminal => {
                let b = ProgressBar::new(n as u64);
                b.set_style(
                    ProgressStyle::with_template(
                        "{spinner} collecting {pos}/{len} accounts {wide_bar} {msg}",
                    )
                    .expect("a valid template"),
                );
                *bar.lock().expect("bar lock") = Some(b);
            }
            Progress::Accounts(n) => diag!("ibaudit: collecting {n} account(s)"),
            Progress::AccountSkipped {
                account_id,
                account_name,
                status,
            } => {
                let label = account_label(&account_id, account_name.as_deref());
                let status = ibaudit_report::inert(&status).into_owned();
                match bar.lock().expect("bar lock").as_ref() {
                    Some(b) => b.println(format!(
                        "ibaudit: skipped {label}: the organization lists it as {status}"
                    )),
                    None => {
                        diag!("ibaudit: skipped {label}: the organization lists it as {status}")
                    }
                }
            }
            Progress::AccountDone {
                account_id,
                account_name,
                regions,
                errors,
            } => {
                let label = account_label(&account_id, account_name.as_deref());
                match bar.lock().expect("bar lock").as_ref() {
                    Some(b) => {
                        b.inc(1);
                        b.set_message(label);
                    }
                    None => {
                        diag!("ibaudit: {label} done ({regions} region(s), {errors} failure(s))")
                    }
                }
            }
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
        // Accounts the deadline stopped before or while entering them.
        let accounts = c
            .snapshot
            .accounts
            .iter()
            .filter(|a| a.errors.iter().any(|e| e.code == DEADLINE_EXCEEDED))
            .count();
        let accounts = if accounts > 0 {
            format!(", {accounts} account(s) not read")
        } else {
            String::new()
        };
        diag!(
            "ibaudit: stopped at --max-duration {}: {cut} call(s) not made or abandoned{accounts}, recorded as not assessed",
            args.max_duration.map(human).unwrap_or_default()
        );
    }
}

fn errors_of(c: &Collected) -> usize {
    c.snapshot
        .accounts
        .iter()
        .map(|a| a.errors.len() + a.regions.iter().map(|r| r.errors.len()).sum::<usize>())
        .sum()
}

pub fn run_collect(args: CollectArgs) -> Result<u8> {
    let collected = run_collection(&args.scope, args.quiet)?;
    write_snapshot(&collected.snapshot, Some(&args.output))?;
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

/// The exit code, and the report (for `--security-hub`).
pub fn run_scan(args: ScanArgs) -> Result<(u8, ibaudit_report::Report)> {
    // A bad config is a usage error: find it before any AWS call.
    let config = load_config(&args.output)?;
    let collected = run_collection(&args.scope, args.output.quiet)?;
    if args.output.verbose {
        print_calls(&collected);
    }
    report_deadline(&collected, &args.scope, args.output.quiet);
    if let Some(path) = &args.save_snapshot {
        write_snapshot(&collected.snapshot, Some(path))?;
    }
    let (code, report) = audit_and_keep(collected.snapshot, config, &args.output)?;
    Ok((code, report))
}
