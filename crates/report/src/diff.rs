//! Baselines: what changed between two audits, by fingerprint.
//!
//! A finding's fingerprint is stable across runs for the same rule, account,
//! region and resource and never contains the message or a timestamp, so a
//! finding present in both audits is "unchanged" even when its wording moved.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::markdown::{code, rule_link, text};
use crate::{Report, TOOL_NAME, TOOL_VERSION};

/// A finding as both a live report and a JSON report (version 1) carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub severity: ibaudit_rules::Severity,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    pub message: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub suppressed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Entry {
    pub fn is_not_assessed(&self) -> bool {
        self.rule == "IB900"
    }
}

/// The findings of an audit.
pub fn entries(report: &Report) -> Vec<Entry> {
    report
        .findings
        .iter()
        .map(|f| Entry {
            rule: f.rule.to_string(),
            severity: f.severity,
            account_id: f.account_id.clone(),
            region: f.region.clone(),
            resource_id: f.resource_id.clone(),
            message: f.message.clone(),
            fingerprint: f.fingerprint.clone(),
            suppressed: f.suppressed.is_some(),
        })
        .collect()
}

#[derive(Deserialize)]
struct JsonReport {
    ibaudit_report: u32,
    #[serde(default)]
    snapshot: Option<JsonSnapshot>,
    findings: Vec<JsonFinding>,
}

#[derive(Deserialize)]
struct JsonSnapshot {
    #[serde(default)]
    collected_at: Option<String>,
}

#[derive(Deserialize)]
struct JsonFinding {
    rule: String,
    severity: ibaudit_rules::Severity,
    account_id: String,
    region: String,
    resource_id: String,
    message: String,
    fingerprint: String,
    #[serde(default)]
    suppressed: Option<serde_json::Value>,
    #[serde(default)]
    first_seen: Option<String>,
}

/// The findings of a JSON report (version 1); the error names the JSON path.
pub fn entries_from_json(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let doc: JsonReport = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("{} at {path}", e.into_inner())
    })?;
    if doc.ibaudit_report != 1 {
        return Err(format!(
            "report version {} is not supported (this ibaudit reads version 1)",
            doc.ibaudit_report
        ));
    }
    Ok(doc
        .findings
        .into_iter()
        .map(|f| Entry {
            rule: f.rule,
            severity: f.severity,
            account_id: f.account_id,
            region: f.region,
            resource_id: f.resource_id,
            message: f.message,
            fingerprint: f.fingerprint,
            suppressed: f.suppressed.is_some_and(|v| !v.is_null()),
        })
        .collect())
}

/// What a baseline JSON report tells: the fingerprints it has, and when
/// each was first seen (its `first_seen`, else the baseline's own
/// `collected_at`: it was seen then at the latest).
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub fingerprints: BTreeSet<String>,
    pub first_seen: std::collections::BTreeMap<String, String>,
}

/// A baseline JSON report; the error names the JSON path.
pub fn baseline(bytes: &[u8]) -> Result<Baseline, String> {
    entries_from_json(bytes)?;
    let doc: JsonReport = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let collected = doc.snapshot.and_then(|s| s.collected_at);
    let mut out = Baseline::default();
    for f in doc.findings {
        if let Some(t) = f.first_seen.or_else(|| collected.clone()) {
            out.first_seen.insert(f.fingerprint.clone(), t);
        }
        out.fingerprints.insert(f.fingerprint);
    }
    Ok(out)
}

/// The fingerprints of a baseline JSON report.
pub fn baseline_fingerprints(bytes: &[u8]) -> Result<BTreeSet<String>, String> {
    Ok(baseline(bytes)?.fingerprints)
}

/// New, fixed and unchanged findings, each most severe first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub new: Vec<Entry>,
    pub fixed: Vec<Entry>,
    pub unchanged: Vec<Entry>,
}

fn sort(v: &mut [Entry]) {
    v.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            &a.account_id,
            &a.region,
            &a.rule,
            &a.resource_id,
            &a.fingerprint,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                &b.account_id,
                &b.region,
                &b.rule,
                &b.resource_id,
                &b.fingerprint,
            ))
    });
}

pub fn diff(old: &[Entry], new: &[Entry]) -> Diff {
    let old_by: BTreeMap<&str, &Entry> = old.iter().map(|e| (e.fingerprint.as_str(), e)).collect();
    let new_by: BTreeMap<&str, &Entry> = new.iter().map(|e| (e.fingerprint.as_str(), e)).collect();
    let mut d = Diff::default();
    for (fp, e) in &new_by {
        if old_by.contains_key(fp) {
            d.unchanged.push((*e).clone());
        } else {
            d.new.push((*e).clone());
        }
    }
    for (fp, e) in &old_by {
        if !new_by.contains_key(fp) {
            d.fixed.push((*e).clone());
        }
    }
    sort(&mut d.new);
    sort(&mut d.fixed);
    sort(&mut d.unchanged);
    d
}

impl Diff {
    pub fn summary_line(&self) -> String {
        format!(
            "{} new, {} fixed, {} unchanged",
            self.new.len(),
            self.fixed.len(),
            self.unchanged.len()
        )
    }
}

/// `{"ibaudit_diff": 1, "tool", "summary", "new", "fixed", "unchanged"}`.
pub fn render_json(d: &Diff) -> String {
    let doc = serde_json::json!({
        "ibaudit_diff": 1,
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "summary": {"new": d.new.len(), "fixed": d.fixed.len(), "unchanged": d.unchanged.len()},
        "new": d.new,
        "fixed": d.fixed,
        "unchanged": d.unchanged,
    });
    let mut s = crate::inert::json_pretty(&doc).expect("the diff serialises");
    s.push('\n');
    s
}

/// Plain text, one line per finding, data made inert.
pub fn render_table(d: &Diff) -> String {
    let mut out = String::new();
    for (label, list) in [
        ("new", &d.new),
        ("fixed", &d.fixed),
        ("unchanged", &d.unchanged),
    ] {
        for e in list {
            out.push_str(&format!(
                "{:<9} {:<8} {:<6} {} {} {}: {}\n",
                label,
                if e.is_not_assessed() {
                    "n/a"
                } else {
                    e.severity.as_str()
                },
                crate::inert(&e.rule),
                crate::inert(&e.account_id),
                crate::inert(&e.region),
                crate::inert(&e.resource_id),
                crate::inert(&e.message)
            ));
        }
    }
    out.push_str(&d.summary_line());
    out.push('\n');
    out
}

/// GitHub-flavoured: new first (what a review must look at), then fixed;
/// unchanged only counted.
pub fn render_markdown(d: &Diff, repository_url: &str) -> String {
    let mut out = format!("## ibaudit: changes\n\n**{}**\n\n", d.summary_line());
    for (title, list) in [("New findings", &d.new), ("Fixed findings", &d.fixed)] {
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("### {title}\n\n"));
        out.push_str("| severity | rule | account | region | resource | finding |\n|---|---|---|---|---|---|\n");
        for e in list {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                if e.is_not_assessed() {
                    "not assessed"
                } else {
                    e.severity.as_str()
                },
                rule_link(&e.rule, repository_url),
                code(&e.account_id),
                code(&e.region),
                code(&e.resource_id),
                text(&e.message)
            ));
        }
        out.push('\n');
    }
    out
}
