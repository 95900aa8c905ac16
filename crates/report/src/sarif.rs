//! SARIF 2.1.0 that GitHub code scanning accepts: one run per scanned scope
//! (an account and its set of regions), every result with a scheme-less
//! relative location, stable partial fingerprints and numeric
//! `security-severity` on every security rule.
//!
//! # Categories
//!
//! GitHub keys an analysis by tool and `runAutomationDetails.id` (the
//! category): a new upload of a category replaces that category's previous
//! analysis, and its alerts absent from the new one are closed as fixed;
//! alerts of other categories are left as they are. One upload may not hold
//! two runs of the same category ("multiple SARIF runs with the same category"
//! is rejected). So a category must name exactly the scope that was scanned:
//! `<prefix>/<account>/<regions>/`, where `<regions>` is the sorted list of
//! the account's audited regions joined by `+` (or, when long,
//! `<n>-regions-<digest>`). A scan of some regions never closes the alerts of
//! the others; two accounts never share a category. With more accounts than
//! GitHub's runs per file, accounts are grouped into stable buckets (a hash of
//! the account id) whose category carries a digest of the bucket's exact scope.
//! A run over GitHub's results per run is split into parts by a hash of each
//! finding's fingerprint; whatever still does not fit is left out as whole
//! runs, never as results inside a run, so GitHub leaves those categories'
//! alerts as they were instead of closing them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use ibaudit_rules::{registry, Finding, RuleMeta, RuleOutcome, Severity};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run, RunAutomationDetails,
    Suppression, Tool, ToolComponent,
};

use crate::{Report, INFORMATION_URI, TOOL_NAME, TOOL_VERSION};

const NOT_ASSESSED: &str = "IB900";

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning's upload limits (runs per file, results stored per
/// run, the gzipped size of the file).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub results_per_run: usize,
    pub runs_per_file: usize,
    pub gzipped_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // GitHub accepts 25,000 results per run but "only the top 5,000
            // results will be included, prioritized by severity" (SARIF
            // results limits): a result past 5,000 would be dropped and its
            // alert closed, so runs are split at 5,000.
            results_per_run: 5_000,
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

/// Keeps unreserved characters; percent-encodes the rest (`/` too), so that
/// an ARN used as a resource id never looks like a URI scheme. A segment made
/// only of dots (`.`, `..`) is percent-encoded whole: RFC 3986 section 5.2.4
/// would otherwise remove it as a dot-segment and move the location; an empty
/// segment becomes `%20`-free `_` so the path keeps its depth.
pub fn encode_segment(s: &str) -> String {
    if s.is_empty() {
        return "_".to_string();
    }
    if s.bytes().all(|b| b == b'.') {
        return "%2E".repeat(s.len());
    }
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

/// A place in a file of the repository: a relative URI against `%SRCROOT%`
/// (SARIF 3.4.4 uriBaseId; GitHub resolves relative URIs against the
/// checkout), with its 1-based line and column.
fn source_location(file: &str, line: u32, column: u32) -> PhysicalLocation {
    PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(iac_uri(file))
                .uri_base_id("%SRCROOT%")
                .build(),
        )
        .region(
            Region::builder()
                .start_line(line.max(1) as i64)
                .start_column(column.max(1) as i64)
                .build(),
        )
        .build()
}

/// A repository-relative file path as a SARIF URI: each segment
/// percent-encoded, no scheme, no `..`.
pub fn iac_uri(file: &str) -> String {
    file.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// `aws/<account>/<region>/<resource-id>`: relative, no scheme.
pub fn location_uri(f: &Finding) -> String {
    format!(
        "aws/{}/{}/{}",
        encode_segment(&f.account_id),
        encode_segment(&f.region),
        encode_segment(&f.resource_id)
    )
}

/// The id of the descriptor of a rule's outcome: the rule's id for its
/// primary (first) outcome, so the alerts of the rule keep their rule id, and
/// `<rule>/<outcome>` for the others. Both parts are fixed in the rule's
/// declaration, so the id of a finding is the same from run to run.
pub fn descriptor_id(rule: &RuleMeta, outcome: &RuleOutcome) -> String {
    match rule.outcomes.first() {
        Some(primary) if primary.id == outcome.id => rule.id.to_string(),
        _ => format!("{}/{}", rule.id, outcome.id),
    }
}

/// The descriptor id of a finding: its outcome's, or the rule's own id when
/// the finding names no outcome its rule declares.
pub fn finding_descriptor_id(f: &Finding) -> String {
    registry()
        .iter()
        .map(|r| r.meta())
        .find(|m| m.id == f.rule)
        .and_then(|m| m.outcome(f.outcome).map(|o| descriptor_id(m, o)))
        .unwrap_or_else(|| f.rule.to_string())
}

/// `the endpoint ...` as a sentence: `The endpoint ....`
fn sentence(title: &str) -> String {
    let mut chars = title.trim().chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// One reporting descriptor per (rule, outcome). GitHub reads
/// `security-severity` from the rule, the `reportingDescriptor` object, and
/// "translates numerical scores as follows: over 9.0 is critical, 7.0 to 8.9
/// is high, 4.0 to 6.9 is medium and 3.9 or less is low" (GitHub docs, "SARIF
/// support for code scanning"); a result cannot carry its own. So every
/// outcome, with its own severity, has a descriptor of its own, and a result
/// names its outcome's. Security-severity 0.0 is "None" (GitHub changelog,
/// "CodeQL code scanning: new severity levels for security alerts"), and
/// "severity levels for non-security alerts remain as error, warning, or
/// note": an `info` outcome is a non-security descriptor at `note`.
fn rule_descriptors() -> Vec<ReportingDescriptor> {
    let mut out = Vec::new();
    for rule in registry() {
        let meta = rule.meta();
        for outcome in meta.outcomes {
            out.push(outcome_descriptor(meta, outcome));
        }
    }
    out
}

fn outcome_descriptor(meta: &RuleMeta, outcome: &RuleOutcome) -> ReportingDescriptor {
    let page = meta.doc_page();
    let not_assessed = meta.id == NOT_ASSESSED;
    let primary = meta.outcomes.first().is_some_and(|p| p.id == outcome.id);
    // An `info` outcome is not a vulnerability: no score (GitHub has no
    // band for 0), no `security` tag, level `note`, as for IB900.
    let scored = !not_assessed && outcome.severity != Severity::Info;
    let mut props = BTreeMap::new();
    props.insert("precision".to_string(), json!("high"));
    if scored {
        props.insert(
            "security-severity".to_string(),
            json!(security_severity(outcome.severity)),
        );
    }
    props.insert(
        "problem.severity".to_string(),
        json!(match outcome.severity {
            _ if !scored => "recommendation",
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            _ => "recommendation",
        }),
    );
    props.insert("ibaudit/rule".to_string(), json!(meta.id));
    props.insert("ibaudit/outcome".to_string(), json!(outcome.id));
    props.insert(
        "ibaudit/severity".to_string(),
        json!(outcome.severity.as_str()),
    );
    let tags: Vec<String> = if not_assessed {
        // Not a vulnerability of the account: an audit that could not
        // look. Without `security` and `security-severity` GitHub lists
        // it as a non-security alert at the `note` level.
        ["audit-coverage", "aws", "imagebuilder"].as_slice()
    } else if !scored {
        ["aws", "privatelink", "imagebuilder"].as_slice()
    } else {
        ["security", "aws", "privatelink", "imagebuilder"].as_slice()
    }
    .iter()
    .map(|t| t.to_string())
    .collect();
    let default_level = if scored {
        level_name(outcome.severity)
    } else {
        "note"
    };
    let name = if primary {
        meta.name.to_string()
    } else {
        format!("{}/{}", meta.name, outcome.id)
    };
    ReportingDescriptor::builder()
        .id(descriptor_id(meta, outcome))
        .name(name)
        .short_description(
            MultiformatMessageString::builder()
                .text(sentence(outcome.title))
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(full_description(page.section("What it checks")))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(page.text)
                .markdown(help_markdown(page.text))
                .build(),
        )
        .help_uri(format!("{INFORMATION_URI}/blob/main/rules/{}.md", meta.id))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(default_level))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// GitHub: `fullDescription` is limited to 1,024 characters.
pub const FULL_DESCRIPTION_MAX: usize = 1024;

/// The first paragraphs of "What it checks" that fit GitHub's limit, or the
/// first paragraph cut at a word with an ellipsis when even it does not.
pub fn full_description(section: &str) -> String {
    let mut out = String::new();
    for para in section.split("\n\n") {
        let para = para.trim();
        let sep = if out.is_empty() { 0 } else { 2 };
        if out.chars().count() + sep + para.chars().count() > FULL_DESCRIPTION_MAX {
            break;
        }
        if sep > 0 {
            out.push_str("\n\n");
        }
        out.push_str(para);
    }
    if out.is_empty() {
        let limit = FULL_DESCRIPTION_MAX - 1;
        let cut: String = section.chars().take(limit).collect();
        let cut = match cut.rfind(' ') {
            Some(i) if i > limit / 2 => cut[..i].to_string(),
            _ => cut,
        };
        out = format!("{cut}\u{2026}");
    }
    out
}

/// The doc page without its `# IBNNN: name` title line: GitHub already shows
/// the rule's name above the help.
pub fn help_markdown(page: &str) -> String {
    let body = page.trim_start();
    let body = match body.strip_prefix("# ") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, r)| r),
        None => body,
    };
    body.trim_start_matches('\n').to_string()
}

/// Escapes text for a SARIF plain-text message: unsafe characters through
/// [`crate::inert`], and `[`/`]` as `\[`/`\]`, so that no text from the data
/// can form an embedded link `[text](id)` (SARIF 2.1.0, 3.11.6: literal
/// square brackets in a message are escaped with a backslash).
pub fn escape_message(s: &str) -> String {
    let s = crate::inert(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        _ => "note",
    }
}

fn result(f: &Finding, rule_id: &str, rule_index: Option<usize>) -> SarifResult {
    let arn_text = f
        .resource_arn
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let text = escape_message(&format!("{}{}: {}", f.resource_id, arn_text, f.message));
    let logical = LogicalLocation::builder()
        .name(f.resource_id.clone())
        .fully_qualified_name(
            f.resource_arn
                .clone()
                .unwrap_or_else(|| format!("{}/{}/{}", f.account_id, f.region, f.resource_id)),
        )
        .kind("resource")
        .build();
    let physical = match &f.location {
        // An IaC finding points at the file and line in the repository, so
        // GitHub annotates the pull request's diff: a relative URI against
        // `%SRCROOT%` (SARIF 3.4.4 uriBaseId; GitHub's upload resolves
        // relative URIs against the checkout).
        Some(l) => source_location(&l.file, l.line, l.column),
        None => PhysicalLocation::builder()
            .artifact_location(ArtifactLocation::builder().uri(location_uri(f)).build())
            .region(Region::builder().start_line(1).build())
            .build(),
    };
    let location = Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    let related: Vec<Location> = f
        .location
        .iter()
        .flat_map(|l| l.related.iter())
        .enumerate()
        .map(|(i, r)| {
            Location::builder()
                .id(i as i64)
                .physical_location(source_location(&r.file, r.line, r.column))
                .message(Message::builder().text(escape_message(&r.label)).build())
                .build()
        })
        .collect();
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("rule".to_string(), json!(f.rule));
    props.insert("outcome".to_string(), json!(f.outcome));
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
    // IB900 is an incomplete audit, not a vulnerability: `note`, whatever
    // the severity ibaudit gives it for the exit code.
    let result_level = if f.is_not_assessed() {
        ResultLevel::Note
    } else {
        level(f.severity)
    };
    let mut r = SarifResult::builder()
        .rule_id(rule_id)
        .level(result_level)
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(partial)
        .fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    r.rule_index = rule_index.map(|i| i as i64);
    r.rule = rule_index.map(|i| {
        ReportingDescriptorReference::builder()
            .id(rule_id)
            .index(i as i64)
            .build()
    });
    if let Some(s) = &f.suppressed {
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(s.reason.clone())
            .build()]);
    }
    r
}

/// How the SARIF is cut into runs and what it holds.
#[derive(Debug, Clone)]
pub struct Options {
    /// The first part of every category (`--sarif-category`); default `ibaudit`.
    pub category: String,
    /// Keep suppressed findings, marked with `suppressions`. GitHub does not
    /// honour that property (a suppressed result arrives as an open alert), so
    /// by default they are left out.
    pub include_suppressed: bool,
    /// The regions audited in each account. Regions without findings still
    /// belong to the scope, so the caller passes what the snapshot held; when
    /// empty, the report's accounts and the regions of their findings are used.
    pub scope: BTreeMap<String, BTreeSet<String>>,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            category: TOOL_NAME.to_string(),
            include_suppressed: false,
            scope: BTreeMap::new(),
            limits: Limits::default(),
        }
    }
}

/// The accounts and regions of a snapshot, as [`Options::scope`] wants them.
/// An account listed twice contributes the union of its regions.
pub fn scope_of(snapshot: &ibaudit_snapshot::Snapshot) -> BTreeMap<String, BTreeSet<String>> {
    let mut scope: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in &snapshot.accounts {
        scope
            .entry(a.account_id.clone())
            .or_default()
            .extend(a.regions.iter().map(|r| r.region.clone()));
    }
    scope
}

fn digest(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn stable_hash(s: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(s.as_bytes());
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// A category segment from data: the characters of account ids and region
/// names, anything else replaced, so a category is always well-formed.
fn category_segment(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "_".to_string()
    } else {
        clean
    }
}

/// `us-east-1+eu-west-1` (sorted), or `<n>-regions-<digest>` past 64 characters.
pub fn regions_key(regions: &BTreeSet<String>) -> String {
    if regions.is_empty() {
        return "no-regions".to_string();
    }
    let joined = regions
        .iter()
        .map(|r| category_segment(r))
        .collect::<Vec<_>>()
        .join("+");
    if joined.len() <= 64 {
        joined
    } else {
        let parts: Vec<&str> = regions.iter().map(String::as_str).collect();
        format!("{}-regions-{}", regions.len(), digest(&parts))
    }
}

/// The category of one account's run: `<prefix>/<account>/<regions>/`.
pub fn account_category(prefix: &str, account: &str, regions: &BTreeSet<String>) -> String {
    format!(
        "{}/{}/{}/",
        prefix.trim_end_matches('/'),
        category_segment(account),
        regions_key(regions)
    )
}

/// One run to be: a category and its results.
struct Unit<'a> {
    category: String,
    findings: Vec<&'a Finding>,
}

fn units<'a>(report: &'a Report, opts: &Options, notes: &mut Vec<String>) -> Vec<Unit<'a>> {
    let prefix = opts.category.trim_end_matches('/');
    let mut scope = opts.scope.clone();
    for a in &report.accounts {
        scope.entry(a.clone()).or_default();
    }
    if opts.scope.is_empty() {
        for f in &report.findings {
            scope
                .entry(f.account_id.clone())
                .or_default()
                .insert(f.region.clone());
        }
    } else {
        for f in &report.findings {
            scope.entry(f.account_id.clone()).or_default();
        }
    }
    let kept: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| opts.include_suppressed || f.suppressed.is_none())
        .collect();
    let runs_limit = opts.limits.runs_per_file.max(1);
    let mut groups: Vec<Unit<'a>> = if scope.len() <= runs_limit {
        scope
            .iter()
            .map(|(account, regions)| Unit {
                category: account_category(prefix, account, regions),
                findings: kept
                    .iter()
                    .copied()
                    .filter(|f| &f.account_id == account)
                    .collect(),
            })
            .collect()
    } else {
        // Stable buckets: an account stays in its bucket from run to run; the
        // digest changes when the bucket's scope does, so a smaller scan never
        // stands in for a larger one.
        let buckets = (runs_limit * 4 / 5).max(1) as u64;
        let mut members: BTreeMap<u64, Vec<(&String, &BTreeSet<String>)>> = BTreeMap::new();
        for (account, regions) in &scope {
            members
                .entry(stable_hash(account) % buckets)
                .or_default()
                .push((account, regions));
        }
        notes.push(format!(
            "SARIF: {} accounts are more than GitHub's {} runs per file; they are grouped into {} stable buckets, one run each",
            scope.len(),
            runs_limit,
            members.len()
        ));
        members
            .into_iter()
            .map(|(k, accts)| {
                let mut parts: Vec<String> = Vec::new();
                for (a, regions) in &accts {
                    parts.push(format!(
                        "{a}:{}",
                        regions.iter().cloned().collect::<Vec<_>>().join(",")
                    ));
                }
                let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                let names: BTreeSet<&str> = accts.iter().map(|(a, _)| a.as_str()).collect();
                Unit {
                    category: format!(
                        "{prefix}/accounts-{}-of-{buckets}/{}-accounts-{}/",
                        k + 1,
                        accts.len(),
                        digest(&refs)
                    ),
                    findings: kept
                        .iter()
                        .copied()
                        .filter(|f| names.contains(f.account_id.as_str()))
                        .collect(),
                }
            })
            .collect()
    };
    // Split runs over the results limit into parts by fingerprint hash.
    let per_run = opts.limits.results_per_run.max(1);
    let mut out = Vec::new();
    for g in groups.drain(..) {
        if g.findings.len() <= per_run {
            out.push(g);
            continue;
        }
        let mut parts = 2u64;
        let split = loop {
            let mut split: Vec<Vec<&Finding>> = vec![Vec::new(); parts as usize];
            for f in &g.findings {
                split[(stable_hash(&f.fingerprint) % parts) as usize].push(*f);
            }
            if split.iter().all(|s| s.len() <= per_run) || parts >= 4096 {
                break split;
            }
            parts *= 2;
        };
        notes.push(format!(
            "SARIF: {} results are more than GitHub's {per_run} per run; the run {} is split into {parts} parts by fingerprint",
            g.findings.len(),
            g.category
        ));
        for (i, fs) in split.into_iter().enumerate() {
            out.push(Unit {
                category: format!("{}part-{}-of-{parts}/", g.category, i + 1),
                findings: fs,
            });
        }
    }
    out
}

/// A run without its results (`results` is `[]`): [`RunDoc`] writes them
/// one at a time in its place.
fn run_shell(unit: &Unit<'_>, rules: &[ReportingDescriptor]) -> serde_json::Value {
    let driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .semantic_version(TOOL_VERSION)
        .version(TOOL_VERSION)
        .information_uri(INFORMATION_URI)
        .rules(rules.to_vec())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(unit.category.clone())
                .build(),
        )
        .results(Vec::<SarifResult>::new())
        .build();
    let mut value = serde_json::to_value(run).expect("a run serialises");
    // What could not be assessed is a problem of the tool's run, which SARIF
    // records as tool execution notifications (3.20.21); the IB900 results
    // stay too, at `note`, so the gap is visible among the alerts.
    let gaps: Vec<serde_json::Value> = unit
        .findings
        .iter()
        .filter(|f| f.is_not_assessed() && f.suppressed.is_none())
        .map(|f| {
            json!({
                "level": "error",
                "message": {"text": escape_message(&format!("{} {}: {}", f.account_id, f.region, f.message))},
                "associatedRule": {"id": f.rule},
            })
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": gaps.is_empty()});
    if !gaps.is_empty() {
        invocation["toolExecutionNotifications"] = json!(gaps);
    }
    value["invocations"] = json!([invocation]);
    // The account's name, where the snapshot has it, beside its id.
    if let Some(f) = unit.findings.iter().find(|f| f.account_name.is_some()) {
        value["properties"] = json!({
            "account_id": f.account_id,
            "account_name": f.account_name,
        });
    }
    value
}

/// One run as it is written: its results made and written one at a time,
/// so that a file of many results never holds them all as JSON values.
struct RunDoc<'u, 'a> {
    unit: &'u Unit<'a>,
    rules: &'u [ReportingDescriptor],
}

impl serde::Serialize for RunDoc<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let shell = run_shell(self.unit, self.rules);
        let serde_json::Value::Object(fields) = shell else {
            return Err(serde::ser::Error::custom("a run is an object"));
        };
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            if k == "results" {
                m.serialize_entry(k, &Results(self))?;
            } else {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

struct Results<'r, 'u, 'a>(&'r RunDoc<'u, 'a>);

impl serde::Serialize for Results<'_, '_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index: BTreeMap<&str, usize> = self
            .0
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        s.collect_seq(self.0.unit.findings.iter().map(|f| {
            let id = finding_descriptor_id(f);
            let i = index.get(id.as_str()).copied();
            // As a value, as the run's other parts: keys in name order.
            serde_json::to_value(result(f, &id, i)).expect("a result serialises")
        }))
    }
}

fn worst(unit: &Unit<'_>) -> (Option<Severity>, usize) {
    (
        unit.findings
            .iter()
            .filter(|f| !f.is_not_assessed())
            .map(|f| f.severity)
            .max(),
        unit.findings.len(),
    )
}

fn left_out_note(reason: &str, gone: &[String]) -> String {
    format!(
        "SARIF: {reason}; left out {} whole run(s): {}. GitHub leaves the alerts of a category absent from an upload as they were (neither updated nor closed as fixed); upload that scope in a separate file (fewer accounts or regions per run, or split with --sarif-category)",
        gone.len(),
        gone.join(", ")
    )
}

/// The SARIF file of `units`, written to `w` run by run, in small pieces
/// (`w` should be buffered).
fn write_document(
    units: &[Unit<'_>],
    rules: &[ReportingDescriptor],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    struct Runs<'u, 'a>(&'u [Unit<'a>], &'u [ReportingDescriptor]);
    impl serde::Serialize for Runs<'_, '_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|unit| RunDoc {
                unit,
                rules: self.1,
            }))
        }
    }
    // Keys in name order, as a JSON object value writes them.
    #[derive(serde::Serialize)]
    struct Doc<'u, 'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: Runs<'u, 'a>,
        version: &'static str,
    }
    let doc = Doc {
        schema: SCHEMA_URI,
        runs: Runs(units, rules),
        version: "2.1.0",
    };
    crate::inert::json_pretty_to_writer(&mut *w, &doc).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// The size of `units`' SARIF file once gzipped, as GitHub measures its
/// limit, counted as it is written: the file is not held.
fn gzipped_len(units: &[Unit<'_>], rules: &[ReportingDescriptor]) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let enc = flate2::write::GzEncoder::new(Count(0), flate2::Compression::default());
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, enc);
    write_document(units, rules, &mut w).expect("counting cannot fail");
    let enc = w
        .into_inner()
        .map_err(|e| e.into_error())
        .expect("counting cannot fail");
    enc.finish().expect("counting cannot fail").0
}

/// What a SARIF file of a report will hold, within GitHub's limits: its
/// runs, decided (and the notes saying what was left out) before anything is
/// written, so that the file can be written as it is made
/// ([`Planned::write_to`]).
pub struct Planned<'a> {
    units: Vec<Unit<'a>>,
    rules: Vec<ReportingDescriptor>,
    pub notes: Vec<String>,
}

impl Planned<'_> {
    /// Writes the SARIF file to `w`, run by run and result by result, in
    /// small pieces: give it a buffered writer.
    pub fn write_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        write_document(&self.units, &self.rules, w)
    }
}

pub fn render(report: &Report) -> Rendered {
    render_with(report, &Options::default())
}

/// Renders within `limits` with the default options.
pub fn render_with_limits(report: &Report, limits: Limits) -> Rendered {
    render_with(
        report,
        &Options {
            limits,
            ..Options::default()
        },
    )
}

/// Renders as `opts` asks, within GitHub's limits.
pub fn render_with(report: &Report, opts: &Options) -> Rendered {
    let planned = plan(report, opts);
    let mut text = Vec::new();
    planned.write_to(&mut text).expect("writing to memory");
    Rendered {
        text: String::from_utf8(text).expect("serde_json writes UTF-8"),
        notes: planned.notes,
    }
}

/// The runs of `report`'s SARIF file as `opts` asks, within GitHub's limits.
pub fn plan<'a>(report: &'a Report, opts: &Options) -> Planned<'a> {
    let rules = rule_descriptors();
    let mut notes = Vec::new();
    let mut units = units(report, opts, &mut notes);
    let limits = opts.limits;
    if units.len() > limits.runs_per_file {
        let mut order: Vec<usize> = (0..units.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(worst(&units[i])));
        let drop: BTreeSet<usize> = order[limits.runs_per_file.max(1)..]
            .iter()
            .copied()
            .collect();
        let gone: Vec<String> = drop.iter().map(|&i| units[i].category.clone()).collect();
        notes.push(left_out_note(
            &format!(
                "GitHub accepts at most {} runs per file",
                limits.runs_per_file
            ),
            &gone,
        ));
        let mut i = 0;
        units.retain(|_| {
            let keep = !drop.contains(&i);
            i += 1;
            keep
        });
    }
    loop {
        let size = gzipped_len(&units, &rules);
        if size <= limits.gzipped_bytes {
            return Planned {
                units,
                rules,
                notes,
            };
        }
        if units.len() <= 1 {
            notes.push(format!(
                "SARIF: the file is {size} bytes gzipped, over GitHub's {} byte limit, and cannot be split further: GitHub will reject it; audit fewer accounts or regions per file",
                limits.gzipped_bytes
            ));
            return Planned {
                units,
                rules,
                notes,
            };
        }
        let least = (0..units.len())
            .min_by_key(|&i| worst(&units[i]))
            .expect("at least two runs");
        let gone = units.remove(least);
        notes.push(left_out_note(
            &format!(
                "{size} bytes gzipped is over GitHub's {} byte limit",
                limits.gzipped_bytes
            ),
            &[gone.category],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_description_fits_and_cuts_at_a_word() {
        let short = "One paragraph.\n\nAnother one.";
        assert_eq!(full_description(short), short);
        let long = "word ".repeat(400);
        let cut = full_description(&long);
        assert!(cut.chars().count() <= FULL_DESCRIPTION_MAX);
        assert!(cut.ends_with("word\u{2026}"), "{cut}");
        let two = format!("first.\n\n{}", "x".repeat(1100));
        assert_eq!(full_description(&two), "first.");
    }

    #[test]
    fn help_markdown_drops_only_the_title() {
        assert_eq!(
            help_markdown("# IB002: x\n\nSummary.\n\n## What\n\n# not a title\n"),
            "Summary.\n\n## What\n\n# not a title\n"
        );
    }

    #[test]
    fn segments_never_become_dot_segments_or_schemes() {
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("."), "%2E");
        assert_eq!(encode_segment("a..b"), "a..b");
        assert_eq!(encode_segment("arn:aws:x/y"), "arn%3Aaws%3Ax%2Fy");
        assert_eq!(encode_segment(""), "_");
    }

    #[test]
    fn messages_cannot_embed_links() {
        assert_eq!(
            escape_message("[a](https://e) \u{1b}"),
            "\\[a\\](https://e) \\u{1b}"
        );
    }

    #[test]
    fn regions_key_is_sorted_and_bounded() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            regions_key(&set(&["us-east-1", "eu-west-1"])),
            "eu-west-1+us-east-1"
        );
        let many: Vec<String> = (0..20).map(|i| format!("xx-region-{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let key = regions_key(&set(&refs));
        assert!(key.starts_with("20-regions-") && key.len() < 64, "{key}");
        assert_eq!(
            account_category("ibaudit", "1/../2", &set(&["us-east-1"])),
            "ibaudit/1____2/us-east-1/"
        );
    }
}
