//! `securityhub import` and `scan --security-hub`: findings into AWS
//! Security Hub, each in its own account and region, with archival of what
//! a scan no longer reports where it assessed it. The only writes ibaudit
//! makes, and only when asked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ibaudit_report::{asff, inert, json, Report};
use ibaudit_rules::scope::NotAssessed;
use ibaudit_rules::{registry, AssessedScope};
use ibaudit_securityhub::{import, Options, Outcome, Status, Target};
use serde_json::{json, Value};

use crate::args::SecurityhubImportArgs;
use crate::commands::{read_bytes, EXIT_CLEAN, EXIT_USAGE};
use crate::output::diag;

/// What `scan --security-hub` passes on.
pub(crate) struct ScanImport {
    pub dry_run: bool,
    pub role_name: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub quiet: bool,
}

/// `ibaudit securityhub import REPORT.json`: exit 0 when every account and
/// region took its findings (or has Security Hub off, which is said), 2
/// naming each account and region where the import failed.
pub(crate) fn run_import(args: SecurityhubImportArgs) -> Result<u8> {
    let bytes = read_bytes(&args.report)?;
    let report = json::read(&bytes).map_err(|e| {
        anyhow!(
            "{}: not an ibaudit JSON report (`--format json`): {e}",
            args.report.display()
        )
    })?;
    let hub = ScanImport {
        dry_run: args.dry_run,
        role_name: args.hub.security_hub_role_name,
        external_id: args.hub.security_hub_external_id,
        profile: args.profile,
        endpoint_url: args.endpoint_url,
        region: args.region,
        quiet: args.quiet,
    };
    let outcomes = send(&report, &hub, usize::from(args.concurrency), &args.report)?;
    if args.dry_run {
        let plan: Vec<Value> = outcomes.iter().map(plan_entry).collect();
        let mut text =
            ibaudit_report::inert::json_pretty(&json!({ "dry_run": true, "targets": plan }))
                .expect("the plan serialises");
        text.push('\n');
        crate::output::write_report(&text, None)?;
    }
    Ok(if failed(&outcomes) {
        EXIT_USAGE
    } else {
        EXIT_CLEAN
    })
}

/// After `scan` wrote its reports: the audit's exit code, or 2 when the
/// import failed somewhere (the reports are already written).
pub(crate) fn after_scan(report: &Report, hub: &ScanImport, code: u8) -> Result<u8> {
    let outcomes = send(report, hub, 8, Path::new("the scan"))?;
    Ok(if failed(&outcomes) { EXIT_USAGE } else { code })
}

fn failed(outcomes: &[Outcome]) -> bool {
    outcomes
        .iter()
        .any(|o| matches!(o.status, Status::Failed(_)) || !o.refused.is_empty())
}

fn plan_entry(o: &Outcome) -> Value {
    let mut v = json!({
        "account_id": o.account_id,
        "region": o.region,
        "import": o.imported,
        "archive": o.archived,
        "active_before": o.active_before,
    });
    if let Some(why) = &o.not_archived {
        v["not_archived"] = Value::String(why.clone());
    }
    match &o.status {
        Status::Done => {}
        Status::NotEnabled(why) => v["skipped"] = Value::String(why.clone()),
        Status::Failed(why) => v["failed"] = Value::String(why.clone()),
    }
    v
}

/// The targets of a report: every account and region it assessed (a region
/// with no finding too: its findings may all have been fixed), and any
/// other place a finding names.
pub(crate) fn targets(report: &Report, scope: &AssessedScope, now_ms: u64) -> Vec<Target> {
    let opts = asff::Options {
        scope: scope
            .accounts
            .iter()
            .map(|a| {
                (
                    a.account_id.clone(),
                    a.regions.iter().map(|r| r.region.clone()).collect(),
                )
            })
            .collect(),
        // A suppressed finding goes in as SUPPRESSED: left out, it would be
        // archived as fixed.
        include_suppressed: true,
        now_ms,
        // A report read back from JSON has no networks: then only each
        // finding's own resource.
        related: asff::related(report),
        first_seen: report.first_seen.clone(),
    };
    let now = asff::rfc3339(now_ms);
    let mut grouped: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for a in &scope.accounts {
        for r in &a.regions {
            grouped
                .entry((a.account_id.clone(), r.region.clone()))
                .or_default();
        }
    }
    for f in asff::selected(report, true) {
        let doc = asff::finding(f, &opts, &now);
        let key = (
            doc["AwsAccountId"].as_str().unwrap_or_default().to_string(),
            doc["Region"].as_str().unwrap_or_default().to_string(),
        );
        grouped.entry(key).or_default().push(doc);
    }
    grouped
        .into_iter()
        .map(|((account_id, region), findings)| {
            let partition = scope
                .accounts
                .iter()
                .find(|a| a.account_id == account_id)
                .map(|a| a.partition.clone())
                .unwrap_or_else(|| asff::partition(&region).to_string());
            let archivable = archivable(scope, &account_id, &region);
            Target {
                account_id,
                region,
                partition,
                findings,
                archivable,
            }
        })
        .collect()
}

/// The generator ids whose absence in `account` and `region` means fixed.
fn archivable(
    scope: &AssessedScope,
    account: &str,
    region: &str,
) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for rule in registry() {
        let id = rule.meta().id;
        match scope.assessed(account, region, id) {
            Ok(()) => {
                out.insert(generator_id(id));
            }
            Err(NotAssessed::Rule) => {}
            Err(other) => return Err(other.reason().to_string()),
        }
    }
    Ok(out)
}

fn generator_id(rule: &str) -> String {
    format!("{}/{rule}", ibaudit_report::TOOL_NAME)
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn send(
    report: &Report,
    hub: &ScanImport,
    concurrency: usize,
    source: &Path,
) -> Result<Vec<Outcome>> {
    let Some(scope) = &report.scope else {
        bail!(
            "{}: the report records no assessed scope (a report of `ibaudit iac`, or one written before this version): nothing can be imported from it, since nothing in it says where absence means fixed",
            source.display()
        );
    };
    let now_ms = asff::now_ms();
    let targets = targets(report, scope, now_ms);
    for t in &targets {
        if !is_account(&t.account_id) || !asff::is_region(&t.region) {
            bail!(
                "{}: findings name account {:?} and region {:?}, which Security Hub cannot take: nothing was imported",
                source.display(),
                inert(&t.account_id),
                inert(&t.region)
            );
        }
    }
    let opts = Options {
        profile: hub.profile.clone(),
        endpoint_url: hub.endpoint_url.clone(),
        home_region: hub.region.clone(),
        role_name: hub.role_name.clone(),
        external_id: hub.external_id.clone(),
        session_name: "ibaudit-securityhub".into(),
        dry_run: hub.dry_run,
        max_attempts: 8,
        concurrency,
        generator_ids: registry()
            .iter()
            .map(|r| generator_id(r.meta().id))
            .collect(),
        now: asff::rfc3339(now_ms),
    };
    let quiet = hub.quiet;
    let dry = hub.dry_run;
    let progress = move |o: &Outcome| say(o, quiet, dry);
    // The SDK reads a Security Hub finding (hundreds of optional resource
    // detail types) in deeply nested calls with large frames, beyond the
    // 2 MiB of tokio's default worker stack in unoptimised builds.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(32 * 1024 * 1024)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcomes = runtime.block_on(import(targets, &opts, &progress))?;
    if !quiet {
        let imported: usize = outcomes.iter().map(|o| o.imported.len()).sum();
        let archived: usize = outcomes.iter().map(|o| o.archived.len()).sum();
        let skipped = outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::NotEnabled(_)))
            .count();
        let failed = outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Failed(_)))
            .count();
        diag!(
            "ibaudit: Security Hub{}: {} account-region(s), {imported} finding(s) {}, {archived} {}, {skipped} skipped (not enabled), {failed} failed",
            if dry { " (dry run, nothing sent)" } else { "" },
            outcomes.len(),
            if dry { "to import" } else { "imported" },
            if dry { "to archive" } else { "archived" },
        );
    }
    Ok(outcomes)
}

/// One line per account and region; every refused finding on its own line.
fn say(o: &Outcome, quiet: bool, dry: bool) {
    let at = inert(&format!("{} {}", o.account_id, o.region)).into_owned();
    match &o.status {
        Status::Failed(why) => diag!(
            "ibaudit: Security Hub import failed in {at}: {}",
            inert(why)
        ),
        Status::NotEnabled(why) if !quiet => diag!(
            "ibaudit: Security Hub is not enabled in {at}: skipped ({})",
            inert(why)
        ),
        Status::NotEnabled(_) => {}
        Status::Done if !quiet => {
            let not_archived = o
                .not_archived
                .as_deref()
                .map(|w| format!("; nothing archived: {w}"))
                .unwrap_or_default();
            diag!(
                "ibaudit: Security Hub {at}: {} {} ({} kept their first CreatedAt), {} {}{not_archived}",
                o.imported.len(),
                if dry { "to import" } else { "imported" },
                o.kept_created_at,
                o.archived.len(),
                if dry { "to archive" } else { "archived" },
            )
        }
        Status::Done => {}
    }
    for r in &o.refused {
        diag!(
            "ibaudit: Security Hub refused {} in {at}: {}: {}",
            inert(&r.id),
            inert(&r.code),
            inert(&r.message)
        );
    }
}
