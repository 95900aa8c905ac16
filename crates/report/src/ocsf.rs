//! OCSF 1.5.0 Compliance Finding events (class 2003, category 2, Findings)
//! with the `cloud` profile, one per unsuppressed finding: a JSON array
//! (`--format ocsf`) or one event per line (`--format ocsf-jsonl`).
//!
//! `finding_info.uid` is the ASFF `Id` (`ibaudit/<fingerprint>`), the same
//! from scan to scan; the region and account follow the ASFF renderer's
//! choices ([`asff::report_region`], [`asff::report_account`]) for findings
//! that name no single region or account. Text is made inert as in ASFF
//! ([`asff::clean`]), without its length limits: OCSF sets none.

use ibaudit_rules::{Finding, Severity};
use serde_json::{json, Map, Value};

use crate::asff::{self, Options};
use crate::{Report, INFORMATION_URI, TOOL_NAME, TOOL_VERSION};

pub const OCSF_VERSION: &str = "1.5.0";
pub const CLASS_UID: u32 = 2003;
pub const CATEGORY_UID: u32 = 2;
/// `class_uid * 100 + activity_id`: Compliance Finding: Create.
pub const TYPE_UID: u32 = 200_301;

/// Long enough for any text the findings carry; OCSF has no limit.
const NO_LIMIT: usize = usize::MAX;

/// OCSF's `severity_id` and its caption.
pub fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn text(s: &str) -> String {
    asff::clean(s, NO_LIMIT)
}

/// One Compliance Finding event.
pub fn event(f: &Finding, opts: &Options) -> Value {
    let region = asff::report_region(f, &opts.scope);
    let account = asff::report_account(f, &opts.scope);
    let partition = asff::partition(&region);
    let time = opts.now_ms;
    let (severity_id, severity) = severity(f.severity);
    // A finding that could not be assessed is a warning, never a failure.
    let (compliance_id, compliance) = if f.is_not_assessed() {
        (2, "Warning")
    } else {
        (3, "Fail")
    };
    let (status_id, status) = if f.suppressed.is_some() {
        (3, "Suppressed")
    } else {
        (1, "New")
    };

    let mut resource = Map::new();
    resource.insert("uid".into(), json!(asff::resource_uid(f)));
    resource.insert("type".into(), json!(f.resource_type));
    resource.insert(
        "name".into(),
        json!(text(f.resource_name.as_deref().unwrap_or(&f.resource_id))),
    );
    resource.insert("region".into(), json!(region));
    resource.insert("cloud_partition".into(), json!(partition));
    if f.resource_arn.is_some() {
        resource.insert("uid_alt".into(), json!(text(&f.resource_id)));
    }
    if let Some(loc) = &f.location {
        let mut data = Map::new();
        data.insert("file".into(), json!(text(&loc.file)));
        data.insert("line".into(), json!(loc.line));
        data.insert("column".into(), json!(loc.column));
        if let Some(a) = &loc.address {
            data.insert("address".into(), json!(text(a)));
        }
        if let Some(l) = &loc.logical_id {
            data.insert("logical_id".into(), json!(text(l)));
        }
        resource.insert("data".into(), Value::Object(data));
    }

    let mut unmapped = Map::new();
    unmapped.insert("outcome".into(), json!(f.outcome));
    unmapped.insert("fingerprint".into(), json!(text(&f.fingerprint)));
    if f.region != region {
        unmapped.insert("region".into(), json!(text(&f.region)));
    }
    if f.account_id != account {
        unmapped.insert("account".into(), json!(text(&f.account_id)));
    }
    if let Some(k) = &f.key {
        unmapped.insert("key".into(), json!(text(k)));
    }
    if let Some(s) = &f.suppressed {
        unmapped.insert("suppressed".into(), json!(text(&s.reason)));
    }

    let url = asff::rule_url(f.rule);
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": TYPE_UID,
        "type_name": "Compliance Finding: Create",
        "time": time,
        // `time` is UTC.
        "timezone_offset": 0,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": text(&f.message),
        "finding_info": {
            "uid": asff::finding_id(f),
            "title": text(&asff::rule_title(f)),
            "desc": text(&f.message),
            "types": ["Software and Configuration Checks/AWS Security Best Practices"],
            "created_time": time,
            "src_url": url,
        },
        "compliance": {
            "control": f.rule,
            "standards": [TOOL_NAME],
            "status_id": compliance_id,
            "status": compliance,
        },
        "resources": [Value::Object(resource)],
        "cloud": {
            "provider": "AWS",
            "account": { "uid": account },
            "region": region,
            "cloud_partition": partition,
        },
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": TOOL_NAME,
                "vendor_name": TOOL_NAME,
                "version": TOOL_VERSION,
                "url_string": INFORMATION_URI,
            },
            "profiles": ["cloud"],
        },
        "remediation": {
            "desc": text(&asff::remediation_text(f.rule)),
            "references": [url],
        },
        "unmapped": { "ibaudit": Value::Object(unmapped) },
    })
}

fn events(report: &Report, opts: &Options) -> Vec<Value> {
    asff::selected(report, opts.include_suppressed)
        .into_iter()
        .map(|f| event(f, opts))
        .collect()
}

/// The events as a pretty-printed JSON array, with a trailing newline.
pub fn render(report: &Report, opts: &Options) -> String {
    let mut out = crate::inert::json_pretty(&events(report, opts)).expect("the events serialise");
    out.push('\n');
    out
}

/// One event per line (JSON lines); nothing for no findings.
pub fn render_lines(report: &Report, opts: &Options) -> String {
    let mut out = String::new();
    for e in events(report, opts) {
        out.push_str(&crate::inert::json_compact(&e).expect("the event serialises"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ocsf_ids() {
        assert_eq!(severity(Severity::Info), (1, "Informational"));
        assert_eq!(severity(Severity::Critical), (5, "Critical"));
    }

    #[test]
    fn type_uid_is_class_and_activity() {
        assert_eq!(TYPE_UID, CLASS_UID * 100 + 1);
    }
}
