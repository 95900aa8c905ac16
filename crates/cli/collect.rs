//! `collect` and `scan`: the live side, on a tokio runtime.

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result};
use ibaudit_collector::{
    collect_each, human, AccountScope, AccountSink, Collected, Progress, Scope, DEADLINE_EXCEEDED,
};
use ibaudit_snapshot::{Account, Organization};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{CollectArgs, ScanArgs, ScopeArgs};
use crate::commands::{
    load_config, needs_networks, options_for, read_baseline_of, scope_of_report,
    write_with_baseline, EXIT_CLEAN, EXIT_INCOMPLETE,
};
use crate::output::{diag, write_spooled_snapshot, Spool};

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

/// What is kept of the accounts read: counts for the summary lines and the
/// exit code.
#[derive(Default)]
struct Tally {
    regions: usize,
    /// Failures recorded, the account's own and its regions'.
    errors: usize,
    /// Region calls the deadline stopped.
    cut: usize,
    /// Accounts the deadline stopped before or while entering them.
    cut_accounts: usize,
}

impl Tally {
    fn add(&mut self, a: &Account) {
        self.regions += a.regions.len();
        self.errors += a.errors.len() + a.regions.iter().map(|r| r.errors.len()).sum::<usize>();
        self.cut += a
            .regions
            .iter()
            .flat_map(|r| &r.errors)
            .filter(|e| e.code == DEADLINE_EXCEEDED)
            .count();
        if a.errors.iter().any(|e| e.code == DEADLINE_EXCEEDED) {
            self.cut_accounts += 1;
        }
    }
}

/// Runs the collection with a progress bar on a terminal, log lines otherwise,
/// handing each account to `sink` as it is read; an organization scan sets
/// `organization` before the first account. Ctrl-C stops it before
/// anything is written.
fn run_collection(
    args: &ScopeArgs,
    quiet: bool,
    organization: &OnceLock<Organization>,
    sink: &mut AccountSink<'_>,
) -> Result<Collected> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    let terminal = std::io::stderr().is_terminal() && !quiet;
    let report = |p: Progress| {
        if let Progress::Organization(o) = p {
            let _ = organization.set(o);
            return;
        }
        if quiet {
            return;
        }
        match p {
            Progress::Organization(_) => {}
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
            r = collect_each(&scope, &report, sink) => Some(r),
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
fn report_deadline(c: &Collected, tally: &Tally, args: &ScopeArgs, quiet: bool) {
    if c.deadline_reached && !quiet {
        let cut = tally.cut;
        let accounts = tally.cut_accounts;
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

pub fn run_collect(args: CollectArgs) -> Result<u8> {
    // Each account goes to the spool as soon as it is read, and is dropped:
    // memory does not grow with the number of accounts.
    let mut spool = Spool::beside(Some(&args.output))?;
    let mut tally = Tally::default();
    let organization = OnceLock::new();
    let collected = run_collection(&args.scope, args.quiet, &organization, &mut |a: Account| {
        tally.add(&a);
        spool
            .add(&a)
            .map_err(|e| format!("cannot write the accounts read to a temporary file: {e}"))
    })?;
    write_spooled_snapshot(&collected.snapshot, spool, Some(&args.output))?;
    if args.verbose {
        print_calls(&collected);
    }
    report_deadline(&collected, &tally, &args.scope, args.quiet);
    let errors = tally.errors;
    if !args.quiet {
        diag!(
            "ibaudit: wrote {} ({} region(s), {} call(s) failed{})",
            args.output.display(),
            tally.regions,
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
///
/// Each account is audited as soon as it is read and dropped: what is kept
/// is its findings and scope (and, for the reports that draw them, its
/// networks), so memory does not grow with the accounts' resources. With
/// `--save-snapshot` each account also goes to a spool file, copied into
/// the snapshot at the end as `collect` does.
pub fn run_scan(args: ScanArgs) -> Result<(u8, ibaudit_report::Report)> {
    // A bad config or baseline is a usage error: find it before any AWS call.
    let config = load_config(&args.output)?;
    let baseline = read_baseline_of(&args.output)?;
    let options = options_for(config, &args.output.environments);
    let keep_networks = needs_networks(&args.output);
    let mut spool = match &args.save_snapshot {
        Some(path) => Some(Spool::beside(Some(path))?),
        None => None,
    };
    let mut tally = Tally::default();
    let organization = OnceLock::new();
    let mut auditor: Option<ibaudit_rules::Auditor> = None;
    let mut audit_time = std::time::Duration::ZERO;
    let collected = run_collection(
        &args.scope,
        args.output.quiet,
        &organization,
        &mut |a: Account| {
            tally.add(&a);
            if let Some(spool) = spool.as_mut() {
                spool.add(&a).map_err(|e| {
                    format!("cannot write the accounts read to a temporary file: {e}")
                })?;
            }
            let started = std::time::Instant::now();
            auditor
                .get_or_insert_with(|| {
                    ibaudit_rules::Auditor::new(&options, organization.get())
                        .keep_networks(keep_networks)
                })
                .account(&a);
            audit_time += started.elapsed();
            Ok(())
        },
    )?;
    if args.output.verbose {
        print_calls(&collected);
    }
    report_deadline(&collected, &tally, &args.scope, args.output.quiet);
    let mut envelope = collected.snapshot;
    envelope.organization = envelope.organization.or(organization.into_inner());
    if let (Some(path), Some(spool)) = (&args.save_snapshot, spool) {
        write_spooled_snapshot(&envelope, spool, Some(path))?;
    }
    let auditor = auditor.unwrap_or_else(|| {
        ibaudit_rules::Auditor::new(&options, envelope.organization.as_ref())
            .keep_networks(keep_networks)
    });
    let mut report = auditor.finish(envelope.collected_at.clone());
    if args.output.verbose {
        diag!(
            "ibaudit: audited {} account(s), {} region(s) with {} rules in {} ms",
            report.accounts.len(),
            tally.regions,
            ibaudit_rules::registry().len(),
            audit_time.as_millis()
        );
    }
    let scope = scope_of_report(&report);
    let code = write_with_baseline(&mut report, scope, &args.output, baseline)?;
    Ok((code, report))
}
