use std::collections::BTreeSet;
use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ibaudit_report::{asff, diff, json, markdown, ocsf, sarif, table};
use ibaudit_rules::{audit, registry, rule_by_id, AuditOptions, Config, Date, Outcome, Report};

use crate::args::{AuditArgs, ColorChoice, DiffArgs, DiffFormat, Format, MergeArgs, OutputArgs};
use crate::output::{diag, write_merged_snapshot, write_report, write_with, Spool};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INCOMPLETE: u8 = 3;

/// `ibaudit rules`: the catalog, one line each.
pub(crate) fn run_rules() -> Result<u8> {
    let mut text = String::new();
    for rule in registry() {
        let m = rule.meta();
        text.push_str(&format!(
            "{:<6} {:<8} {:<30} {}\n",
            m.id,
            m.severity.as_str(),
            m.name,
            m.doc_page().summary
        ));
    }
    write_report(&text, None)?;
    Ok(EXIT_CLEAN)
}

/// `ibaudit explain ID`: a rule's page.
pub(crate) fn run_explain(rule: &str) -> Result<u8> {
    let Some(r) = rule_by_id(rule) else {
        let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
        bail!("unknown rule `{rule}`; the rules are {}", ids.join(", "));
    };
    write_report(r.meta().doc, None)?;
    Ok(EXIT_CLEAN)
}

fn read_snapshot(path: &Path) -> Result<ibaudit_snapshot::Snapshot> {
    read(path, ibaudit_snapshot::from_bytes, ibaudit_snapshot::load)
}

/// `path` read with `load`, or standard input (`-`) with `from_bytes`.
fn read(
    path: &Path,
    from_bytes: fn(
        Vec<u8>,
        &Path,
    ) -> Result<ibaudit_snapshot::Snapshot, ibaudit_snapshot::LoadError>,
    load: fn(&Path) -> Result<ibaudit_snapshot::Snapshot, ibaudit_snapshot::LoadError>,
) -> Result<ibaudit_snapshot::Snapshot> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(from_bytes(bytes, Path::new("<stdin>"))?);
    }
    Ok(load(path)?)
}

fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub(crate) fn run_audit(args: AuditArgs) -> Result<u8> {
    let config = load_config(&args.output)?;
    let path = &args.snapshot;
    if path != Path::new("-") && std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return stream_and_report(path, config, &args.output);
    }
    let snapshot = read_snapshot(path)?;
    audit_and_report(snapshot, config, &args.output)
}

/// Whether a report `out` asks for draws or names each VPC's network
/// ([`Report::networks`]).
pub(crate) fn needs_networks(out: &OutputArgs) -> bool {
    std::iter::once(out.format)
        .chain(out.outputs.iter().map(|(f, _)| *f))
        .any(|f| {
            matches!(
                f,
                Format::Html | Format::Markdown | Format::Asff | Format::Ocsf | Format::OcsfJsonl
            )
        })
}

/// [`audit_and_report`] of the snapshot file at `path`, read and audited
/// account by account ([`ibaudit_snapshot::load_each`]): what is held is
/// one account at a time and the findings, not the organization.
fn stream_and_report(path: &Path, config: Config, out: &OutputArgs) -> Result<u8> {
    let options = audit_options(config, &out.environments);
    let started = std::time::Instant::now();
    let mut auditor: Option<ibaudit_rules::Auditor> = None;
    let mut regions = 0;
    let keep_networks = needs_networks(out);
    // An account once audited is freed on a thread of its own, while the
    // next is read: freeing a large account's many small allocations is a
    // few percent of the audit. At most one waits to be freed, so at most
    // two accounts are held at once; the last may not be freed at all
    // before the process ends (the system takes its memory back whole).
    let (drop_tx, drop_rx) = std::sync::mpsc::sync_channel::<ibaudit_snapshot::Account>(0);
    std::thread::Builder::new()
        .name("ibaudit-free".into())
        .spawn(move || drop_rx.into_iter().for_each(drop))
        .context("cannot start a thread")?;
    let envelope = ibaudit_snapshot::load_each(path, |organization, account| {
        regions += account.regions.len();
        auditor
            .get_or_insert_with(|| {
                ibaudit_rules::Auditor::new(&options, organization).keep_networks(keep_networks)
            })
            .account(&account);
        // Should the thread be gone, the account comes back in the error
        // and is freed here.
        let _ = drop_tx.send(account);
    })?;
    drop(drop_tx);
    let auditor = auditor.unwrap_or_else(|| {
        ibaudit_rules::Auditor::new(&options, envelope.organization.as_ref())
            .keep_networks(keep_networks)
    });
    let mut report = auditor.finish(envelope.collected_at.clone());
    if out.verbose {
        diag!(
            "ibaudit: audited {} account(s), {regions} region(s) with {} rules in {} ms",
            report.accounts.len(),
            registry().len(),
            started.elapsed().as_millis()
        );
    }
    let scope = scope_of_report(&report);
    report_and_keep(&mut report, scope, out)
}

/// The regions of each account a report assessed: what the SARIF report
/// names as its scope ([`sarif::scope_of`] for a report of a snapshot no
/// longer held).
pub(crate) fn scope_of_report(
    report: &Report,
) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut scope: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for a in report.scope.iter().flat_map(|s| &s.accounts) {
        scope
            .entry(a.account_id.clone())
            .or_default()
            .extend(a.regions.iter().map(|r| r.region.clone()));
    }
    scope
}

/// `ibaudit merge`: every input is read first (a bad one fails before
/// anything is written); an overlap is an input error (exit 2) naming both
/// files.
///
/// The inputs are read account by account ([`ibaudit_snapshot::load_each`]):
/// each account is checked against the accounts seen before it
/// ([`ibaudit_snapshot::Merger`]), written to a spool file and dropped; the
/// merged snapshot is then written from the spool, one account at a time,
/// its parts joined. So memory is set by the largest account, not by the
/// inputs.
pub(crate) fn run_merge(args: MergeArgs) -> Result<u8> {
    if args
        .snapshots
        .iter()
        .filter(|p| *p == Path::new("-"))
        .count()
        > 1
    {
        bail!("standard input (`-`) can be merged only once");
    }
    let mut merger = ibaudit_snapshot::Merger::new();
    let mut spool = Spool::beside(args.output.as_deref())?;
    let mut regions = 0;
    for path in &args.snapshots {
        let label = path.display().to_string();
        let mut failed: Option<anyhow::Error> = None;
        let mut each = |_: Option<&ibaudit_snapshot::Organization>,
                        account: ibaudit_snapshot::Account| {
            if failed.is_some() {
                return;
            }
            regions += account.regions.len();
            let added = merger
                .account(&label, &account)
                .map_err(anyhow::Error::from)
                .and_then(|()| {
                    spool.add(&account).map_err(|e| {
                        anyhow!("cannot write the accounts read to a temporary file: {e}")
                    })
                });
            if let Err(e) = added {
                failed = Some(e);
            }
        };
        let envelope = if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            let mut snapshot = ibaudit_snapshot::from_bytes_keeping(bytes, Path::new("<stdin>"))?;
            for account in std::mem::take(&mut snapshot.accounts) {
                each(snapshot.organization.as_ref(), account);
            }
            snapshot
        } else {
            ibaudit_snapshot::load_each_keeping(path, &mut each)?
        };
        if let Some(e) = failed {
            return Err(e);
        }
        merger.envelope(&label, &envelope)?;
    }
    let merged = merger.finish()?;
    write_merged_snapshot(&merged, spool, args.output.as_deref())?;
    if !args.quiet {
        diag!(
            "ibaudit: merged {} snapshot(s): {} account(s), {regions} region(s){}",
            args.snapshots.len(),
            merged.accounts.len(),
            args.output
                .as_ref()
                .map(|p| format!(", written to {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(EXIT_CLEAN)
}

pub(crate) fn load_config(out: &OutputArgs) -> Result<Config> {
    load_config_file(out.config.as_deref())
}

fn load_config_file(path: Option<&Path>) -> Result<Config> {
    Ok(match path {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    })
}

fn audit_options(config: Config, environments: &[String]) -> AuditOptions {
    let environments = if environments.is_empty() {
        config.environments.clone()
    } else {
        environments.to_vec()
    };
    AuditOptions {
        config,
        environments,
        today: Date::today(),
    }
}

fn audit_verbose(
    snapshot: &ibaudit_snapshot::Snapshot,
    options: &AuditOptions,
    verbose: bool,
) -> Report {
    let started = std::time::Instant::now();
    let report = audit(snapshot, options);
    if verbose {
        let regions: usize = snapshot.accounts.iter().map(|a| a.regions.len()).sum();
        diag!(
            "ibaudit: audited {} account(s), {regions} region(s) with {} rules in {} ms",
            snapshot.accounts.len(),
            registry().len(),
            started.elapsed().as_millis()
        );
    }
    report
}

/// Audits a snapshot and writes the reports as `out` asks; returns the exit code.
pub(crate) fn audit_and_report(
    snapshot: ibaudit_snapshot::Snapshot,
    config: Config,
    out: &OutputArgs,
) -> Result<u8> {
    audit_and_keep(snapshot, config, out).map(|(code, _)| code)
}

/// [`audit_and_report`], keeping the report for a step after the reports
/// are written (the Security Hub import).
pub(crate) fn audit_and_keep(
    snapshot: ibaudit_snapshot::Snapshot,
    config: Config,
    out: &OutputArgs,
) -> Result<(u8, Report)> {
    // Read the baseline before the audit: a bad baseline is a usage error
    // that should not wait for the audit.
    let baseline = match &out.baseline {
        Some(path) => Some(read_baseline(path)?),
        None => None,
    };
    let options = audit_options(config, &out.environments);
    let mut report = audit_verbose(&snapshot, &options, out.verbose);
    let scope = sarif::scope_of(&snapshot);
    drop(snapshot);
    let code = write_with_baseline(&mut report, scope, out, baseline)?;
    Ok((code, report))
}

/// The reports of an audit already made, with its baseline read now.
fn report_and_keep(
    report: &mut Report,
    scope: std::collections::BTreeMap<String, BTreeSet<String>>,
    out: &OutputArgs,
) -> Result<u8> {
    let baseline = read_baseline_of(out)?;
    write_with_baseline(report, scope, out, baseline)
}

/// The baseline `out` names (`--baseline`), read.
pub(crate) fn read_baseline_of(out: &OutputArgs) -> Result<Option<diff::Baseline>> {
    out.baseline.as_deref().map(read_baseline).transpose()
}

/// Writes the reports of `report`, with first-seen times from `baseline`.
pub(crate) fn write_with_baseline(
    report: &mut Report,
    scope: std::collections::BTreeMap<String, BTreeSet<String>>,
    out: &OutputArgs,
    baseline: Option<diff::Baseline>,
) -> Result<u8> {
    if let Some(b) = &baseline {
        // First seen: when the baseline says, else now (this snapshot).
        report.first_seen = report
            .findings
            .iter()
            .map(|f| {
                let t = b
                    .first_seen
                    .get(&f.fingerprint)
                    .cloned()
                    .unwrap_or_else(|| report.collected_at.clone());
                (f.fingerprint.clone(), t)
            })
            .collect();
    }
    write_reports(
        report,
        scope,
        out,
        baseline.as_ref().map(|b| &b.fingerprints),
        &ReportExtras::default(),
    )
}

/// A report ready to be written: its text, or what writes it as it is made.
enum Rendered<'r> {
    Text(String),
    Json,
    Sarif(sarif::Planned<'r>),
}

/// What an IaC run adds to the reports.
#[derive(Default)]
pub(crate) struct ReportExtras {
    /// The SARIF category prefix when `--sarif-category` is not given.
    pub sarif_category: Option<String>,
    /// Only findings the change introduces count toward `--fail-on`.
    pub count_introduced_only: bool,
    /// Findings of the collected account that the change fixes.
    pub fixed: Vec<ibaudit_rules::Finding>,
}

pub(crate) fn options_for(config: Config, environments: &[String]) -> AuditOptions {
    audit_options(config, environments)
}

/// Writes the reports `out` asks for; returns the exit code.
pub(crate) fn write_reports(
    report: &Report,
    scope: std::collections::BTreeMap<String, BTreeSet<String>>,
    out: &OutputArgs,
    baseline: Option<&BTreeSet<String>>,
    extras: &ReportExtras,
) -> Result<u8> {
    let mut notes = report.notes.clone();
    // ASFF and OCSF: one clock reading, so both name the same time.
    let finding_options = asff::Options {
        scope: scope.clone(),
        include_suppressed: false,
        now_ms: asff::now_ms(),
        related: asff::related(report),
        first_seen: report.first_seen.clone(),
    };
    let sarif_options = sarif::Options {
        category: out
            .sarif_category
            .clone()
            .or_else(|| extras.sarif_category.clone())
            .unwrap_or_else(|| ibaudit_report::TOOL_NAME.to_string()),
        include_suppressed: out.sarif_include_suppressed,
        scope,
        ..sarif::Options::default()
    };
    let mut sarif_notes_given = false;
    // JSON and SARIF are written as they are made (their text is never held
    // whole); the other formats are text of a bounded size, or for a reader
    // of a page.
    let mut render = |format: Format, to_stdout: bool| -> Rendered<'_> {
        Rendered::Text(match format {
            Format::Json => return Rendered::Json,
            Format::Asff => asff::render(report, &finding_options),
            Format::Ocsf => ocsf::render(report, &finding_options),
            Format::OcsfJsonl => ocsf::render_lines(report, &finding_options),
            Format::Html => ibaudit_report::html::render(report),
            Format::Markdown => markdown::render(
                report,
                &markdown::Options {
                    fixed: extras.fixed.clone(),
                    ..markdown::Options::default()
                },
            ),
            Format::Sarif => {
                let planned = sarif::plan(report, &sarif_options);
                if !sarif_notes_given {
                    notes.extend(planned.notes.iter().cloned());
                    sarif_notes_given = true;
                }
                return Rendered::Sarif(planned);
            }
            Format::Table => {
                let to_terminal = to_stdout && std::io::stdout().is_terminal();
                let style = table::Style {
                    terminal: to_terminal,
                    color: to_stdout && color_enabled(out.color),
                    ..table::Style::default()
                };
                table::render(report, style)
            }
        })
    };
    let main = render(out.format, out.output.is_none());
    let extra: Vec<(Rendered<'_>, &Path)> = out
        .outputs
        .iter()
        .map(|(format, path)| (render(*format, false), path.as_path()))
        .collect();
    for note in &notes {
        diag!("ibaudit: warning: {note}");
    }
    let write = |rendered: &Rendered<'_>, path: Option<&Path>| -> Result<()> {
        match rendered {
            Rendered::Text(text) => write_report(text, path),
            Rendered::Json => write_with(&|w| json::render_to(report, w), path),
            Rendered::Sarif(planned) => write_with(&|w| planned.write_to(w), path),
        }
    };
    // The extra reports first: the main report may be standard output, read
    // by a pipe that expects the files to exist once it ends.
    for (rendered, path) in &extra {
        write(rendered, Some(path))?;
    }
    write(&main, out.output.as_deref())?;
    if !out.quiet {
        let summary = table::summary_line(report);
        for path in out
            .output
            .iter()
            .map(|p| p.as_path())
            .chain(extra.iter().map(|(_, p)| *p))
        {
            diag!("ibaudit: wrote {}: {summary}", path.display());
        }
    }
    let outcome = match baseline {
        None if extras.count_introduced_only => {
            let mut counted = report.clone();
            // IB900 always counts, as with a baseline.
            counted
                .findings
                .retain(|f| f.is_not_assessed() || f.introduced != Some(false));
            counted.outcome(out.fail_on.0)
        }
        None => report.outcome(out.fail_on.0),
        Some(known) => {
            let mut counted = report.clone();
            let before = counted.findings.len();
            // IB900 always counts: an audit that could not look is incomplete
            // whatever an earlier report said.
            counted
                .findings
                .retain(|f| f.is_not_assessed() || !known.contains(&f.fingerprint));
            if !out.quiet {
                diag!(
                    "ibaudit: baseline: {} finding(s) already in the baseline do not count toward --fail-on",
                    before - counted.findings.len()
                );
            }
            counted.outcome(out.fail_on.0)
        }
    };
    Ok(match outcome {
        Outcome::Clean => EXIT_CLEAN,
        Outcome::Failed => EXIT_FINDINGS,
        Outcome::Incomplete => EXIT_INCOMPLETE,
    })
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

pub(crate) fn read_baseline(path: &Path) -> Result<diff::Baseline> {
    let bytes = read_bytes(path)?;
    diff::baseline(&bytes).map_err(|e| {
        anyhow!(
            "{}: not an ibaudit JSON report (--baseline takes the output of --format json): {e}",
            path.display()
        )
    })
}

/// What a `diff` input holds, told by its content.
enum DiffInput {
    Report(Vec<diff::Entry>),
    Snapshot(ibaudit_snapshot::Snapshot),
}

#[derive(serde::Deserialize)]
struct Kind {
    ibaudit_report: Option<serde::de::IgnoredAny>,
    ibaudit_snapshot: Option<serde::de::IgnoredAny>,
}

fn read_diff_input(path: &Path) -> Result<DiffInput> {
    let bytes = read_bytes(path)?;
    let kind: Kind =
        serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", path.display()))?;
    match (kind.ibaudit_report.is_some(), kind.ibaudit_snapshot.is_some()) {
        (true, false) => diff::entries_from_json(&bytes)
            .map(DiffInput::Report)
            .map_err(|e| anyhow!("{}: {e}", path.display())),
        (false, true) => Ok(DiffInput::Snapshot(ibaudit_snapshot::from_bytes(bytes, path)?)),
        _ => bail!(
            "{}: neither an ibaudit JSON report (`ibaudit_report`) nor a snapshot (`ibaudit_snapshot`)",
            path.display()
        ),
    }
}

pub(crate) fn run_diff(args: DiffArgs) -> Result<u8> {
    let out = &args;
    let config = load_config_file(args.config.as_deref())?;
    let old = read_diff_input(&args.old)?;
    let new = read_diff_input(&args.new)?;
    let options = audit_options(config, &out.environments);
    let (old, new) = match (old, new) {
        (DiffInput::Report(a), DiffInput::Report(b)) => (a, b),
        (DiffInput::Snapshot(a), DiffInput::Snapshot(b)) => (
            diff::entries(&audit_verbose(&a, &options, out.verbose)),
            diff::entries(&audit_verbose(&b, &options, out.verbose)),
        ),
        _ => bail!(
            "{} and {} must both be JSON reports or both snapshots",
            args.old.display(),
            args.new.display()
        ),
    };
    let d = diff::diff(&old, &new);
    let render = |format: DiffFormat| match format {
        DiffFormat::Json => diff::render_json(&d),
        DiffFormat::Markdown => diff::render_markdown(&d, ibaudit_report::INFORMATION_URI),
        DiffFormat::Table => diff::render_table(&d),
    };
    for (format, path) in &out.outputs {
        write_report(&render(*format), Some(path))?;
    }
    write_report(&render(out.format), out.output.as_deref())?;
    if !out.quiet && (out.output.is_some() || !out.outputs.is_empty()) {
        diag!("ibaudit: diff: {}", d.summary_line());
    }
    // New findings gate like an audit's; the new side's gaps decide code 3.
    let failed = d.new.iter().any(|e| {
        !e.suppressed && !e.is_not_assessed() && out.fail_on.0.is_some_and(|t| e.severity >= t)
    });
    let incomplete = new.iter().any(|e| !e.suppressed && e.is_not_assessed());
    Ok(if failed {
        EXIT_FINDINGS
    } else if incomplete {
        EXIT_INCOMPLETE
    } else {
        EXIT_CLEAN
    })
}
