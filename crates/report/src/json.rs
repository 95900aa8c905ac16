//! The JSON report, version 1. Its shape is a contract with scripts: it is
//! built from its own types here, never by dumping internal ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Report, Summary, TOOL_NAME, TOOL_VERSION};

#[derive(Serialize)]
struct ReportV1<'a> {
    ibaudit_report: u32,
    tool: Tool,
    snapshot: SnapshotV1<'a>,
    findings: Findings<'a>,
    summary: SummaryV1,
    /// Every account and region assessed, with what in each was not: a
    /// region with no finding is listed too. Absent for IaC input.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a ibaudit_rules::AssessedScope>,
}

/// The findings, each mapped to its version-1 shape as it is written: the
/// report never holds a second copy of them.
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(report.findings.iter().map(|f| FindingV1 {
            rule: f.rule,
            name: f.name,
            outcome: f.outcome,
            severity: f.severity.as_str(),
            not_assessed: f.not_assessed,
            account_id: &f.account_id,
            account_name: f.account_name.as_deref(),
            region: &f.region,
            resource_type: f.resource_type,
            resource_id: &f.resource_id,
            resource_arn: f.resource_arn.as_deref(),
            resource_name: f.resource_name.as_deref(),
            message: &f.message,
            fingerprint: &f.fingerprint,
            key: f.key.as_deref(),
            suppressed: f.suppressed.as_ref(),
            location: f.location.as_ref(),
            introduced: f.introduced,
            first_seen: report.first_seen.get(&f.fingerprint).map(String::as_str),
        }))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct SnapshotV1<'a> {
    collected_at: &'a str,
    accounts: &'a [String],
}

#[derive(Serialize)]
struct FindingV1<'a> {
    rule: &'a str,
    name: &'a str,
    /// The rule's outcome (`no-private-dns`): with the rule, what was found.
    outcome: &'a str,
    severity: &'a str,
    /// The finding says something was not assessed, not that it is wrong.
    not_assessed: bool,
    account_id: &'a str,
    /// The account's name in AWS Organizations, where the snapshot has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    account_name: Option<&'a str>,
    region: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_arn: Option<&'a str>,
    /// The resource's `Name` tag, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<&'a str>,
    message: &'a str,
    fingerprint: &'a str,
    /// What tells several findings of one rule on one resource apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a ibaudit_rules::Suppressed>,
    /// Where an IaC resource is declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a ibaudit_rules::Location>,
    /// Whether an IaC change introduces the finding (`iac --snapshot`).
    #[serde(skip_serializing_if = "Option::is_none")]
    introduced: Option<bool>,
    /// When the finding was first seen, where a baseline tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryV1 {
    total: usize,
    by_severity: BTreeMap<&'static str, usize>,
    not_assessed: usize,
    suppressed: usize,
}

/// The report as pretty-printed JSON, with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    render_to(report, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`], written to `w` as it is made: the report's text is never
/// held whole, so its memory is the findings' own, whatever their number.
/// `w` is written in small pieces: give it a buffered writer.
pub fn render_to(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let summary = Summary::of(report);
    let doc = ReportV1 {
        ibaudit_report: 1,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        snapshot: SnapshotV1 {
            collected_at: &report.collected_at,
            accounts: &report.accounts,
        },
        findings: Findings(report),
        summary: SummaryV1 {
            total: summary.total,
            by_severity: summary
                .by_severity
                .iter()
                .map(|(s, n)| (s.as_str(), *n))
                .collect(),
            not_assessed: summary.not_assessed,
            suppressed: summary.suppressed,
        },
        scope: report.scope.as_ref(),
    };
    crate::inert::json_pretty_to_writer(&mut *w, &doc).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

#[derive(Deserialize)]
struct ReadReport {
    ibaudit_report: u32,
    snapshot: ReadSnapshot,
    findings: Vec<ReadFinding>,
    #[serde(default)]
    scope: Option<ibaudit_rules::AssessedScope>,
}

#[derive(Deserialize)]
struct ReadSnapshot {
    collected_at: String,
    accounts: Vec<String>,
}

#[derive(Deserialize)]
struct ReadFinding {
    rule: String,
    #[serde(default)]
    outcome: Option<String>,
    account_id: String,
    #[serde(default)]
    account_name: Option<String>,
    region: String,
    resource_type: String,
    resource_id: String,
    #[serde(default)]
    resource_arn: Option<String>,
    #[serde(default)]
    resource_name: Option<String>,
    message: String,
    fingerprint: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    suppressed: Option<ReadSuppressed>,
    #[serde(default)]
    location: Option<serde_json::Value>,
    #[serde(default)]
    first_seen: Option<String>,
}

#[derive(Deserialize)]
struct ReadSuppressed {
    reason: String,
    #[serde(default)]
    expires: Option<String>,
}

/// Why a JSON report cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The JSON path (`findings[3].rule`), or empty for the whole document.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} at {}", self.message, self.path)
        }
    }
}

/// A JSON report (version 1) read back into the report it was rendered
/// from, for a later step (the Security Hub import). Rules, outcomes and
/// resource types are looked up in this ibaudit's registry: a report of
/// another version's rules is refused with the path of what is unknown.
pub fn read(bytes: &[u8]) -> Result<Report, ReadError> {
    let mut first_seen = BTreeMap::new();
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let doc: ReadReport = serde_path_to_error::deserialize(de).map_err(|e| ReadError {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })?;
    if doc.ibaudit_report != 1 {
        return Err(ReadError {
            path: "ibaudit_report".into(),
            message: format!(
                "report version {} is not supported (this ibaudit reads version 1)",
                doc.ibaudit_report
            ),
        });
    }
    let mut findings = Vec::with_capacity(doc.findings.len());
    for (i, f) in doc.findings.into_iter().enumerate() {
        let at = |field: &str| format!("findings[{i}].{field}");
        let meta = ibaudit_rules::rule_by_id(&f.rule)
            .map(|r| r.meta())
            .ok_or_else(|| ReadError {
                path: at("rule"),
                message: format!("unknown rule {:?}", crate::inert::inert(&f.rule)),
            })?;
        let outcome = match &f.outcome {
            Some(o) => meta.outcome(o).ok_or_else(|| ReadError {
                path: at("outcome"),
                message: format!(
                    "rule {} has no outcome {:?}",
                    meta.id,
                    crate::inert::inert(o)
                ),
            })?,
            None => {
                return Err(ReadError {
                    path: at("outcome"),
                    message: "missing field `outcome` (a report written before this ibaudit version: audit the snapshot again)".into(),
                })
            }
        };
        let resource_type = ibaudit_rules::ResourceKind::from_type_name(&f.resource_type)
            .map(|k| k.type_name())
            .ok_or_else(|| ReadError {
                path: at("resource_type"),
                message: format!(
                    "unknown resource type {:?}",
                    crate::inert::inert(&f.resource_type)
                ),
            })?;
        if f.location.is_some() {
            return Err(ReadError {
                path: at("location"),
                message: "a finding of infrastructure as code (`ibaudit iac`) describes no deployed resource".into(),
            });
        }
        let not_assessed = meta.id == "IB900";
        if let Some(t) = f.first_seen {
            first_seen.insert(f.fingerprint.clone(), t);
        }
        findings.push(ibaudit_rules::Finding {
            rule: meta.id,
            name: meta.name,
            outcome: outcome.id,
            severity: outcome.severity,
            account_id: f.account_id,
            account_name: f.account_name,
            region: f.region,
            resource_type,
            resource_id: f.resource_id,
            resource_arn: f.resource_arn,
            resource_name: f.resource_name,
            message: f.message,
            fingerprint: f.fingerprint,
            suppressed: f.suppressed.map(|s| ibaudit_rules::Suppressed {
                reason: s.reason,
                expires: s.expires,
            }),
            not_assessed,
            key: f.key,
            location: None,
            introduced: None,
        });
    }
    Ok(Report {
        collected_at: doc.snapshot.collected_at,
        accounts: doc.snapshot.accounts,
        findings,
        notes: Vec::new(),
        scope: doc.scope,
        networks: Vec::new(),
        first_seen,
    })
}
