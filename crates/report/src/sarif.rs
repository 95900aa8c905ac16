//! SARIF 2.1.0 that GitHub code scanning accepts: one run per account, every
//! result with a scheme-less relative location, stable partial fingerprints
//! and numeric `security-severity` on every rule.

use std::collections::BTreeMap;
use std::io::Write;

use ibaudit_rules::{registry, Finding, Severity};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool,
    ToolComponent,
};

use crate::{Report, INFORMATION_URI, TOOL_NAME, TOOL_VERSION};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning's upload limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub results_per_run: usize,
    pub runs_per_file: usize,
    pub gzipped_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            results_per_run: 25_000,
            runs_per_file: 20,
            gzipped_bytes: 10 * 1000 * 1000,
        }
    }
}

/// The SARIF document and what had to be left out to fit GitHub's limits.
pub struct Rendered {
    pub text: String,
    pub notes: Vec<String>,
}

/// GitHub reads `security-severity` as a CVSS-like score.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// Keeps unreserved characters and `/`; percent-encodes the rest, so that an
/// ARN used as a resource id never looks like a URI scheme.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `aws/<account>/<region>/<resource-id>`: relative, no scheme.
pub fn location_uri(f: &Finding) -> String {
    format!(
        "aws/{}/{}/{}",
        f.account_id,
        f.region,
        encode_segment(&f.resource_id)
    )
}

fn rule_descriptors() -> Vec<ReportingDescriptor> {
    registry()
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            let page = meta.doc_page();
            let mut props = BTreeMap::new();
            props.insert("precision".to_string(), json!("high"));
            props.insert(
                "security-severity".to_string(),
                json!(security_severity(meta.severity)),
            );
            props.insert(
                "problem.severity".to_string(),
                json!(match meta.severity {
                    Severity::Critical | Severity::High => "error",
                    Severity::Medium => "warning",
                    _ => "recommendation",
                }),
            );
            ReportingDescriptor::builder()
                .id(meta.id)
                .name(meta.name)
                .short_description(
                    MultiformatMessageString::builder()
                        .text(page.summary)
                        .build(),
                )
                .full_description(
                    MultiformatMessageString::builder()
                        .text(page.section("What it checks"))
                        .build(),
                )
                .help(
                    MultiformatMessageString::builder()
                        .text(page.text)
                        .markdown(page.text)
                        .build(),
                )
                .help_uri(format!("{INFORMATION_URI}/blob/main/rules/{}.md", meta.id))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(json!(level_name(meta.severity)))
                        .build(),
                )
                .properties(
                    PropertyBag::builder()
                        .tags(vec![
                            "security".to_string(),
                            "aws".to_string(),
                            "privatelink".to_string(),
                            "imagebuilder".to_string(),
                        ])
                        .additional_properties(props)
                        .build(),
                )
                .build()
        })
        .collect()
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        _ => "note",
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> SarifResult {
    let arn_text = f
        .resource_arn
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let text = format!("{}{}: {}", f.resource_id, arn_text, f.message);
    let logical = LogicalLocation::builder()
        .name(f.resource_id.clone())
        .fully_qualified_name(
            f.resource_arn
                .clone()
                .unwrap_or_else(|| format!("{}/{}/{}", f.account_id, f.region, f.resource_id)),
        )
        .kind("resource")
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(location_uri(f)).build())
                .region(Region::builder().start_line(1).build())
                .build(),
        )
        .logical_locations(vec![logical])
        .build();
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("account_id".to_string(), json!(f.account_id));
    if let Some(name) = &f.account_name {
        props.insert("account_name".to_string(), json!(name));
    }
    props.insert("region".to_string(), json!(f.region));
    props.insert("resource_type".to_string(), json!(f.resource_type));
    props.insert("resource_id".to_string(), json!(f.resource_id));
    let mut partial = BTreeMap::new();
    partial.insert(
        "primaryLocationLineHash".to_string(),
        format!("{}:1", &f.fingerprint[..f.fingerprint.len().min(16)]),
    );
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("ibaudit/v1".to_string(), f.fingerprint.clone());
    let mut r = SarifResult::builder()
        .rule_id(f.rule)
        .level(level(f.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(partial)
        .fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    if let Some(s) = &f.suppressed {
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(s.reason.clone())
            .build()]);
    }
    r
}

fn run(account: &str, findings: &[&Finding], rules: &[ReportingDescriptor]) -> Run {
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .semantic_version(TOOL_VERSION)
        .version(TOOL_VERSION)
        .information_uri(INFORMATION_URI)
        .rules(rules.to_vec())
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(format!("ibaudit/{account}/"))
                .build(),
        )
        .results(
            findings
                .iter()
                .map(|f| result(f, index.get(f.rule).copied()))
                .collect::<Vec<_>>(),
        )
        .build();
    // The account's name, where the snapshot has it, beside its id.
    if let Some(name) = findings.iter().find_map(|f| f.account_name.as_deref()) {
        let mut props = BTreeMap::new();
        props.insert("account_id".to_string(), json!(account));
        props.insert("account_name".to_string(), json!(name));
        run.properties = Some(PropertyBag::builder().additional_properties(props).build());
    }
    run
}

/// Most severe first; unsuppressed before suppressed; otherwise report order.
fn keep_order(findings: &mut [&Finding]) {
    findings.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            f.suppressed.is_some(),
            f.is_not_assessed(),
        )
    });
}

fn gzipped_len(text: &str) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).expect("writing to memory");
    enc.finish().expect("writing to memory").len()
}

fn serialise(sarif: &Sarif) -> String {
    let mut text = serde_json::to_string_pretty(sarif).expect("SARIF serialises");
    text.push('\n');
    text
}

pub fn render(report: &Report) -> Rendered {
    render_with_limits(report, Limits::default())
}

/// Renders within `limits`, keeping the most severe results when over.
pub fn render_with_limits(report: &Report, limits: Limits) -> Rendered {
    let rules = rule_descriptors();
    let mut notes = Vec::new();
    let mut per_account: Vec<(&str, Vec<&Finding>)> = report
        .accounts
        .iter()
        .map(|a| {
            (
                a.as_str(),
                report
                    .findings
                    .iter()
                    .filter(|f| &f.account_id == a)
                    .collect(),
            )
        })
        .collect();
    if per_account.len() > limits.runs_per_file {
        // Keep the accounts with the most severe unsuppressed findings.
        let worst = |fs: &Vec<&Finding>| {
            let top = fs
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(|f| f.severity)
                .max();
            (std::cmp::Reverse(top), std::cmp::Reverse(fs.len()))
        };
        per_account.sort_by_key(|(_, fs)| worst(fs));
        let dropped: Vec<&str> = per_account[limits.runs_per_file..]
            .iter()
            .map(|(a, _)| *a)
            .collect();
        notes.push(format!(
            "SARIF: GitHub accepts at most {} runs per file; left out {} account(s) with the least severe findings: {} (split the scan or use --format json)",
            limits.runs_per_file,
            dropped.len(),
            dropped.join(", ")
        ));
        per_account.truncate(limits.runs_per_file);
        per_account.sort_by_key(|(a, _)| *a);
    }
    for (account, fs) in per_account.iter_mut() {
        if fs.len() > limits.results_per_run {
            keep_order(fs);
            notes.push(format!(
                "SARIF: GitHub accepts at most {} results per run; left out the {} least severe of account {account}",
                limits.results_per_run,
                fs.len() - limits.results_per_run
            ));
            fs.truncate(limits.results_per_run);
            restore_report_order(fs);
        }
    }
    loop {
        let sarif = Sarif::builder()
            .schema(SCHEMA_URI)
            .version(json!("2.1.0"))
            .runs(
                per_account
                    .iter()
                    .map(|(a, fs)| run(a, fs, &rules))
                    .collect::<Vec<_>>(),
            )
            .build();
        let text = serialise(&sarif);
        let size = gzipped_len(&text);
        let total: usize = per_account.iter().map(|(_, fs)| fs.len()).sum();
        if size <= limits.gzipped_bytes || total == 0 {
            if size > limits.gzipped_bytes {
                notes.push(format!("SARIF: the file is {size} bytes gzipped even without results, over GitHub's limit"));
            }
            return Rendered { text, notes };
        }
        // Drop the least severe tenth of all results and try again.
        let drop = total.div_ceil(10);
        let mut all: Vec<(usize, &Finding)> = per_account
            .iter()
            .enumerate()
            .flat_map(|(i, (_, fs))| fs.iter().map(move |f| (i, *f)))
            .collect();
        all.sort_by_key(|(_, f)| (f.severity, std::cmp::Reverse(f.suppressed.is_some())));
        let gone: std::collections::HashSet<*const Finding> = all[..drop]
            .iter()
            .map(|(_, f)| *f as *const Finding)
            .collect();
        for (_, fs) in per_account.iter_mut() {
            fs.retain(|f| !gone.contains(&(*f as *const Finding)));
        }
        notes.push(format!(
            "SARIF: {size} bytes gzipped is over GitHub's {} byte limit; left out the {drop} least severe results",
            limits.gzipped_bytes
        ));
    }
}

fn restore_report_order(fs: &mut [&Finding]) {
    fs.sort_by(|a, b| {
        (a.region.as_str(), a.rule, a.resource_id.as_str()).cmp(&(
            b.region.as_str(),
            b.rule,
            b.resource_id.as_str(),
        ))
    });
}
