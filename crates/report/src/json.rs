//! The JSON report, version 1. Its shape is a contract with scripts: it is
//! built from its own types here, never by dumping internal ones.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Report, Summary, TOOL_NAME, TOOL_VERSION};

#[derive(Serialize)]
struct ReportV1<'a> {
    ibaudit_report: u32,
    tool: Tool,
    snapshot: SnapshotV1<'a>,
    findings: Vec<FindingV1<'a>>,
    summary: SummaryV1,
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
    severity: &'a str,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a ibaudit_rules::Suppressed>,
    /// Where an IaC resource is declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a ibaudit_rules::Location>,
    /// Whether an IaC change introduces the finding (`iac --snapshot`).
    #[serde(skip_serializing_if = "Option::is_none")]
    introduced: Option<bool>,
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
        findings: report
            .findings
            .iter()
            .map(|f| FindingV1 {
                rule: f.rule,
                name: f.name,
                severity: f.severity.as_str(),
                account_id: &f.account_id,
                account_name: f.account_name.as_deref(),
                region: &f.region,
                resource_type: f.resource_type,
                resource_id: &f.resource_id,
                resource_arn: f.resource_arn.as_deref(),
                resource_name: f.resource_name.as_deref(),
                message: &f.message,
                fingerprint: &f.fingerprint,
                suppressed: f.suppressed.as_ref(),
                location: f.location.as_ref(),
                introduced: f.introduced,
            })
            .collect(),
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
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("the report serialises");
    out.push('\n');
    out
}
