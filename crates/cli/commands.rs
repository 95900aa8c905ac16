use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{bail, Result};
use ibaudit_report::{json, sarif, table};
use ibaudit_rules::{audit, registry, rule_by_id, AuditOptions, Config, Date, Outcome};

use crate::args::{AuditArgs, Cli, ColorChoice, Command, Format, MergeArgs, OutputArgs};
use crate::output::write_report;

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INCOMPLETE: u8 = 3;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        #[cfg(feature = "collector")]
        Command::Collect(args) => crate::collect::run_collect(args),
        #[cfg(feature = "collector")]
        Command::Scan(args) => crate::collect::run_scan(args),
        Command::Audit(args) => run_audit(args),
        Command::Merge(args) => run_merge(args),
        Command::Rules => {
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
        Command::Explain { rule } => {
            let Some(r) = rule_by_id(&rule) else {
                let ids: Vec<&str> = registry().iter().map(|r| r.meta().id).collect();
                bail!("unknown rule `{rule}`; the rules are {}", ids.join(", "));
            };
            write_report(r.meta().doc, None)?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn read_snapshot(path: &Path) -> Result<ibaudit_snapshot::Snapshot> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(ibaudit_snapshot::from_slice(&bytes, Path::new("<stdin>"))?);
    }
    Ok(ibaudit_snapshot::load(path)?)
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

fn run_audit(args: AuditArgs) -> Result<u8> {
    let config = load_config(&args.output)?;
    let snapshot = read_snapshot(&args.snapshot)?;
    audit_and_report(snapshot, config, &args.output)
}

/// `ibaudit merge`: every input is read first (a bad one fails before
/// anything is written); an overlap is an input error (exit 2) naming both files.
fn run_merge(args: MergeArgs) -> Result<u8> {
    if args
        .snapshots
        .iter()
        .filter(|p| *p == Path::new("-"))
        .count()
        > 1
    {
        bail!("standard input (`-`) can be merged only once");
    }
    let mut inputs = Vec::with_capacity(args.snapshots.len());
    for path in &args.snapshots {
        inputs.push((path.display().to_string(), read_snapshot(path)?));
    }
    let merged = ibaudit_snapshot::merge(inputs)?;
    let mut text = serde_json::to_string_pretty(&merged).expect("a snapshot serialises");
    text.push('\n');
    write_report(&text, args.output.as_deref())?;
    if !args.quiet {
        let regions: usize = merged.accounts.iter().map(|a| a.regions.len()).sum();
        eprintln!(
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
    Ok(match &out.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    })
}

/// Audits a snapshot and writes the report as `out` asks; returns the exit code.
pub(crate) fn audit_and_report(
    snapshot: ibaudit_snapshot::Snapshot,
    config: Config,
    out: &OutputArgs,
) -> Result<u8> {
    let environments = if out.environments.is_empty() {
        config.environments.clone()
    } else {
        out.environments.clone()
    };
    let options = AuditOptions {
        config,
        environments,
        today: Date::today(),
    };
    let started = std::time::Instant::now();
    let report = audit(&snapshot, &options);
    if out.verbose {
        let regions: usize = snapshot.accounts.iter().map(|a| a.regions.len()).sum();
        eprintln!(
            "ibaudit: audited {} account(s), {regions} region(s) with {} rules in {} ms",
            snapshot.accounts.len(),
            registry().len(),
            started.elapsed().as_millis()
        );
    }
    drop(snapshot);

    let mut notes = report.notes.clone();
    let text = match out.format {
        Format::Json => json::render(&report),
        Format::Sarif => {
            let rendered = sarif::render(&report);
            notes.extend(rendered.notes);
            rendered.text
        }
        Format::Table => {
            let to_terminal = out.output.is_none() && std::io::stdout().is_terminal();
            let style = table::Style {
                terminal: to_terminal,
                color: out.output.is_none() && color_enabled(out.color),
                ..table::Style::default()
            };
            table::render(&report, style)
        }
    };
    for note in &notes {
        eprintln!("ibaudit: warning: {note}");
    }
    write_report(&text, out.output.as_deref())?;
    if let (Some(path), false) = (&out.output, out.quiet) {
        eprintln!(
            "ibaudit: wrote {}: {}",
            path.display(),
            table::summary_line(&report)
        );
    }
    Ok(match report.outcome(out.fail_on.0) {
        Outcome::Clean => EXIT_CLEAN,
        Outcome::Failed => EXIT_FINDINGS,
        Outcome::Incomplete => EXIT_INCOMPLETE,
    })
}
