//! The AWS Security Finding Format (ASFF, `SchemaVersion` `2018-10-08`): a
//! `{"Findings": [...]}` document, the body of Security Hub's
//! `BatchImportFindings`, one finding per unsuppressed ibaudit finding.
//!
//! # Identity
//!
//! A finding's `Id` is `ibaudit/<fingerprint>`: the same rule, resource and
//! outcome give the same `Id` from scan to scan (never a timestamp or message
//! text), so Security Hub updates a finding instead of adding one. The OCSF
//! renderer uses the same string as `finding_info.uid`.
//!
//! # Limits
//!
//! Every string is cut to the limit the ASFF documentation gives its field
//! (`Title` 256, `Description` 1024, `Id` 512, `Remediation.Recommendation.Text`
//! 512, `ProductFields` and `Details.Other` values 2048 and 1024 characters,
//! keys 128), at a character boundary with an ellipsis; a finding names one
//! resource (the limit is 32). The botocore model has no length limits on
//! these strings, only the pattern `.*\S.*`: every string holds something
//! other than white space and, because `.` does not match a line break, no
//! line break: white space runs are written as one space.
//!
//! `BatchImportFindings` takes from 1 to 100 findings a call: the document
//! holds every finding, and an importer sends it in slices of at most 100
//! (`jq -c '.Findings | _nwise(100) | {Findings: .}'`). An audit without
//! findings gives `{"Findings": []}`: nothing to import.
//!
//! # Untrusted text
//!
//! Messages and resource names quote text anyone who can tag a resource in
//! the account sets. Control and bidirectional characters are written
//! escaped ([`crate::inert`]), and `<` and `>` become `‹` and `›`, so no
//! markup reaches a console that renders it.

use std::collections::{BTreeMap, BTreeSet};

use ibaudit_rules::{registry, Finding, RuleMeta, Severity};
use serde_json::{json, Map, Value};

use crate::{Report, INFORMATION_URI, TOOL_NAME, TOOL_VERSION};

pub const SCHEMA_VERSION: &str = "2018-10-08";

/// The finding type, under the ASFF namespace `Software and Configuration
/// Checks`.
pub const TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";

/// The ASFF documentation's limits, in characters.
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 1024;
pub const MAX_ID: usize = 512;
pub const MAX_REMEDIATION_TEXT: usize = 512;
pub const MAX_FIELD_KEY: usize = 128;
pub const MAX_PRODUCT_FIELD_VALUE: usize = 2048;
pub const MAX_OTHER_VALUE: usize = 1024;
/// Resource ids, ARNs, URLs, account ids: no documented limit below this.
pub const MAX_STRING: usize = 512;

/// Used when a finding's region is not one region and its account's scope
/// names none: Security Hub needs a region, and `us-east-1` is the one
/// where account-level and global resources are conventionally reported.
pub const FALLBACK_REGION: &str = "us-east-1";

/// What `render` needs beyond the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The audited regions of each account (as `sarif::scope_of` gives it):
    /// where a finding that names no single region is reported.
    pub scope: BTreeMap<String, BTreeSet<String>>,
    /// Keep suppressed findings, with `Workflow.Status` `SUPPRESSED`.
    pub include_suppressed: bool,
    /// Now, in milliseconds since the epoch: `CreatedAt`, `UpdatedAt`.
    pub now_ms: u64,
    /// The resources each finding is about beside its own, by fingerprint
    /// ([`related`]): CloudFormation type and id.
    pub related: BTreeMap<String, Vec<(&'static str, String)>>,
    /// When each finding was first seen, by fingerprint (RFC 3339, as
    /// `Report::first_seen` has it).
    pub first_seen: BTreeMap<String, String>,
}

/// ASFF allows 32 resources a finding ("Maximum number of 32 items").
pub const MAX_RESOURCES: usize = 32;

/// The resources a finding is about beside its own, from the report's
/// networks: for an endpoint, its VPC, subnets and security groups; for a
/// subnet or a security group, its VPC. Security Hub shows each under the
/// finding with its own type (`AwsEc2Vpc`, `AwsEc2Subnet`,
/// `AwsEc2SecurityGroup`), so a finding can be found from any of them.
pub fn related(report: &Report) -> BTreeMap<String, Vec<(&'static str, String)>> {
    use ibaudit_rules::ResourceKind as K;
    let mut out = BTreeMap::new();
    for net in &report.networks {
        for f in report.findings.iter().filter(|f| {
            f.account_id == net.account_id
                && (f.region == net.region || f.region.split(',').any(|r| r == net.region))
        }) {
            let mut rel: Vec<(&'static str, String)> = Vec::new();
            if let Some(e) = net.endpoints.iter().find(|e| e.id == f.resource_id) {
                rel.push((K::Vpc.type_name(), net.vpc_id.clone()));
                rel.extend(
                    e.subnet_ids
                        .iter()
                        .map(|s| (K::Subnet.type_name(), s.clone())),
                );
                rel.extend(
                    e.security_groups
                        .iter()
                        .map(|g| (K::SecurityGroup.type_name(), g.clone())),
                );
            } else if net.subnets.iter().any(|s| s.id == f.resource_id)
                || net
                    .endpoints
                    .iter()
                    .any(|e| e.security_groups.contains(&f.resource_id))
            {
                rel.push((K::Vpc.type_name(), net.vpc_id.clone()));
            }
            if !rel.is_empty() {
                out.entry(f.fingerprint.clone()).or_insert(rel);
            }
        }
    }
    out
}

/// Milliseconds since the epoch, from the system clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// RFC 3339 UTC, to the millisecond.
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let date = ibaudit_rules::Date::from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

/// `ibaudit/<fingerprint>`: the `Id` of the finding, and OCSF's
/// `finding_info.uid`.
pub fn finding_id(f: &Finding) -> String {
    clean(&format!("{TOOL_NAME}/{}", f.fingerprint), MAX_ID)
}

/// The AWS partition of a region.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Whether `s` reads as one AWS region (`eu-west-1`, `us-gov-west-1`), not
/// `*` or a list.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The region a finding is reported in: its own when it is one region; for
/// an IaC finding (`*` or `eu-west-1,us-east-1`), the first region of its
/// list; else the first audited region of its account, then of the report,
/// then [`FALLBACK_REGION`].
pub fn report_region(f: &Finding, scope: &BTreeMap<String, BTreeSet<String>>) -> String {
    if is_region(&f.region) {
        return f.region.clone();
    }
    if let Some(r) = f.region.split(',').map(str::trim).find(|r| is_region(r)) {
        return r.to_string();
    }
    scope
        .get(&f.account_id)
        .into_iter()
        .chain(scope.values())
        .flat_map(|rs| rs.iter())
        .find(|r| is_region(r))
        .cloned()
        .unwrap_or_else(|| FALLBACK_REGION.to_string())
}

/// Whether `s` is an AWS account id (12 digits).
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account a finding is reported in: its own when it is an account id;
/// for an IaC finding without one, the only audited account, else
/// `000000000000` (Security Hub needs an account; the `ProductFields` keep
/// what the finding said).
pub fn report_account(f: &Finding, scope: &BTreeMap<String, BTreeSet<String>>) -> String {
    if is_account(&f.account_id) {
        return f.account_id.clone();
    }
    let accounts: Vec<&String> = scope.keys().filter(|a| is_account(a)).collect();
    match accounts.as_slice() {
        [only] => (*only).clone(),
        _ => "000000000000".to_string(),
    }
}

/// Untrusted or multi-line text made fit for a field of `max` characters:
/// white space runs (line breaks included) become one space, other control
/// and bidirectional characters are escaped, `<` `>` become `‹` `›`, and
/// text past `max` is cut at a character boundary and ends in `…`. Empty
/// text becomes `-` (the model's pattern needs a non-space character).
pub fn clean(s: &str, max: usize) -> String {
    let mut flat = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !flat.is_empty() {
            flat.push(' ');
        }
        flat.push_str(word);
    }
    let inert = crate::inert(&flat);
    let mut out: String = inert
        .chars()
        .map(|c| match c {
            '<' => '‹',
            '>' => '›',
            c => c,
        })
        .collect();
    if out.is_empty() {
        out.push('-');
    }
    truncate(out, max)
}

/// `s` cut to at most `max` characters, ending in `…` when cut.
pub fn truncate(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The rule's metadata, where the registry has it.
pub fn rule_meta(id: &str) -> Option<&'static RuleMeta> {
    registry().iter().map(|r| r.meta()).find(|m| m.id == id)
}

/// The rule's page: `rules/<ID>.md` in the repository.
pub fn rule_url(rule: &str) -> String {
    format!("{INFORMATION_URI}/blob/main/rules/{rule}.md")
}

/// The first paragraph of the rule page's "How to fix" (before any code
/// block), as plain text; the rule's summary when the page has none.
pub fn remediation_text(rule: &str) -> String {
    let Some(meta) = rule_meta(rule) else {
        return format!("See the rule's page, {}.", rule_url(rule));
    };
    let page = meta.doc_page();
    let fix = page.section("How to fix");
    let para = fix
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with("```"))
        .unwrap_or(page.summary);
    let text = para.replace('`', "");
    // A lead-in to commands shown in a code block: say where they are.
    match text.trim_end().strip_suffix(':') {
        Some(lead) => format!("{lead}: the commands are on the rule's page."),
        None => text,
    }
}

/// The rule's title: `IB002 private-dns-disabled: <summary>`.
pub fn rule_title(f: &Finding) -> String {
    let summary = rule_meta(f.rule)
        .map(|m| m.doc_page().summary)
        .unwrap_or("");
    if summary.is_empty() {
        format!("{} {}", f.rule, f.name)
    } else {
        format!("{} {}: {summary}", f.rule, f.name)
    }
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// ASFF's resource type for an ibaudit resource type. ASFF has no type for
/// an interface endpoint, an Image Builder infrastructure configuration, a
/// region or an account: those are `Other`.
pub fn resource_type(cfn_type: &str) -> &'static str {
    match cfn_type {
        "AWS::EC2::VPC" => "AwsEc2Vpc",
        "AWS::EC2::Subnet" => "AwsEc2Subnet",
        "AWS::EC2::SecurityGroup" => "AwsEc2SecurityGroup",
        "AWS::CloudTrail::Trail" => "AwsCloudTrailTrail",
        _ => "Other",
    }
}

/// The resource's id: its ARN, else its id (`AWS::Region:eu-west-1` for a
/// region or account, whose id alone says nothing).
pub fn resource_uid(f: &Finding) -> String {
    let id = match &f.resource_arn {
        Some(arn) => arn.clone(),
        None if matches!(f.resource_type, "AWS::Region" | "AWS::::Account") => {
            format!("{}:{}", f.resource_type, f.resource_id)
        }
        None => f.resource_id.clone(),
    };
    clean(&id, MAX_STRING)
}

fn field(map: &mut Map<String, Value>, key: &str, value: &str, max: usize) {
    map.insert(clean(key, MAX_FIELD_KEY), Value::String(clean(value, max)));
}

/// One finding's ASFF document; `now` is RFC 3339 ([`rfc3339`]).
pub fn finding(f: &Finding, opts: &Options, now: &str) -> Value {
    let region = report_region(f, &opts.scope);
    let account = report_account(f, &opts.scope);
    let part = partition(&region);

    let mut other = Map::new();
    field(
        &mut other,
        "resource_type",
        f.resource_type,
        MAX_OTHER_VALUE,
    );
    field(&mut other, "resource_id", &f.resource_id, MAX_OTHER_VALUE);
    if let Some(name) = &f.resource_name {
        field(&mut other, "name", name, MAX_OTHER_VALUE);
    }
    if let Some(loc) = &f.location {
        field(&mut other, "file", &loc.file, MAX_OTHER_VALUE);
        field(&mut other, "line", &loc.line.to_string(), MAX_OTHER_VALUE);
        if let Some(a) = &loc.address {
            field(&mut other, "address", a, MAX_OTHER_VALUE);
        }
        if let Some(l) = &loc.logical_id {
            field(&mut other, "logical_id", l, MAX_OTHER_VALUE);
        }
    }

    let mut product = Map::new();
    let v = MAX_PRODUCT_FIELD_VALUE;
    field(&mut product, "ibaudit/rule", f.rule, v);
    field(&mut product, "ibaudit/outcome", f.outcome, v);
    field(&mut product, "ibaudit/fingerprint", &f.fingerprint, v);
    field(&mut product, "ibaudit/version", TOOL_VERSION, v);
    if f.region != region {
        field(&mut product, "ibaudit/region", &f.region, v);
    }
    if f.account_id != account {
        field(&mut product, "ibaudit/account", &f.account_id, v);
    }
    if let Some(key) = &f.key {
        field(&mut product, "ibaudit/key", key, v);
    }
    if let Some(s) = &f.suppressed {
        field(&mut product, "ibaudit/suppressed", &s.reason, v);
    }

    let compliance = if f.is_not_assessed() {
        "NOT_AVAILABLE"
    } else {
        "FAILED"
    };
    let workflow = if f.suppressed.is_some() {
        "SUPPRESSED"
    } else {
        "NEW"
    };
    json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(f),
        "ProductArn": clean(
            &format!("arn:{part}:securityhub:{region}:{account}:product/{account}/default"),
            MAX_STRING,
        ),
        "GeneratorId": clean(&format!("{TOOL_NAME}/{}", f.rule), MAX_STRING),
        "AwsAccountId": account,
        "Region": region,
        "Types": [TYPE],
        // When the finding was first seen where a baseline tells it, else
        // now; the Security Hub import replaces it with the `CreatedAt` the
        // hub already has for the same `Id`, so that it stays the first
        // time the finding was seen.
        "CreatedAt": opts.first_seen.get(&f.fingerprint).map_or(now, String::as_str),
        "UpdatedAt": now,
        "Severity": { "Label": severity_label(f.severity) },
        // "Finding providers also should not use BatchImportFindings to
        // update ... Severity, Types. Instead, finding providers use
        // FindingProviderFields" (BatchImportFindings API reference): the
        // top-level fields set a new finding, these keep it current.
        "FindingProviderFields": {
            "Severity": {
                "Label": severity_label(f.severity),
                "Original": f.severity.as_str(),
            },
            "Types": [TYPE],
        },
        "Title": clean(&rule_title(f), MAX_TITLE),
        "Description": clean(&f.message, MAX_DESCRIPTION),
        "Remediation": {
            "Recommendation": {
                "Text": clean(&remediation_text(f.rule), MAX_REMEDIATION_TEXT),
                "Url": rule_url(f.rule),
            }
        },
        "SourceUrl": rule_url(f.rule),
        "ProductFields": product,
        "Resources": resources(f, opts, part, &region, &account, other),
        "Compliance": { "Status": compliance },
        "RecordState": "ACTIVE",
        "Workflow": { "Status": workflow },
    })
}

/// The finding's own resource (with its details), then the related ones
/// with their ASFF types, at most [`MAX_RESOURCES`].
fn resources(
    f: &Finding,
    opts: &Options,
    part: &str,
    region: &str,
    account: &str,
    other: Map<String, Value>,
) -> Value {
    let mut out = vec![json!({
        "Type": resource_type(f.resource_type),
        "Id": resource_uid(f),
        "Partition": part,
        "Region": region,
        "Details": { "Other": other },
    })];
    let mut seen = std::collections::BTreeSet::new();
    seen.insert(f.resource_id.clone());
    for (kind, id) in opts.related.get(&f.fingerprint).into_iter().flatten() {
        if out.len() == MAX_RESOURCES {
            break;
        }
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(k) = ibaudit_rules::ResourceKind::from_type_name(kind) else {
            continue;
        };
        let uid = ibaudit_rules::Resource::new(k, id.clone())
            .arn(part, region, account)
            .unwrap_or_else(|| id.clone());
        out.push(json!({
            "Type": resource_type(kind),
            "Id": clean(&uid, MAX_STRING),
            "Partition": part,
            "Region": region,
        }));
    }
    Value::Array(out)
}

/// The findings to report: unsuppressed ones unless told otherwise.
pub fn selected(report: &Report, include_suppressed: bool) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| include_suppressed || f.suppressed.is_none())
        .collect()
}

/// The document as pretty-printed JSON, with a trailing newline.
pub fn render(report: &Report, opts: &Options) -> String {
    let now = rfc3339(opts.now_ms);
    let findings: Vec<Value> = selected(report, opts.include_suppressed)
        .into_iter()
        .map(|f| finding(f, opts, &now))
        .collect();
    let mut out = crate::inert::json_pretty(&json!({ "Findings": findings }))
        .expect("the document serialises");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }

    #[test]
    fn regions_are_told_from_lists() {
        assert!(is_region("eu-west-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("*"));
        assert!(!is_region("eu-west-1,us-east-1"));
        assert!(!is_region("eu-west-"));
    }

    #[test]
    fn clean_flattens_escapes_and_cuts_at_a_char_boundary() {
        assert_eq!(clean("a\n\tb  c", 10), "a b c");
        assert_eq!(clean("x\u{1b}[31m<b>", 50), "x\\u{1b}[31m‹b›");
        assert_eq!(clean("\u{202e}", 50), "\\u{202e}");
        assert_eq!(clean("   ", 5), "-");
        let cut = clean(&"日本".repeat(300), 256);
        assert_eq!(cut.chars().count(), 256);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_796_000_000_123), "2026-11-30T00:53:20.123Z");
    }

    fn finding(rule: &'static str, region: &str, account: &str) -> Finding {
        Finding {
            rule,
            name: "x",
            outcome: "o",
            severity: Severity::High,
            account_id: account.into(),
            account_name: None,
            region: region.into(),
            resource_type: "AWS::EC2::VPCEndpoint",
            resource_id: "vpce-1".into(),
            resource_arn: None,
            resource_name: Some("n\n<b>".into()),
            message: "m".repeat(2000),
            fingerprint: "abc".into(),
            suppressed: None,
            not_assessed: rule == "IB900",
            key: None,
            location: None,
            introduced: None,
        }
    }

    fn render_one(f: Finding, scope: BTreeMap<String, BTreeSet<String>>) -> Value {
        let report = Report {
            collected_at: "2026-01-01T00:00:00Z".into(),
            accounts: vec![],
            findings: vec![f],
            notes: vec![],
            scope: None,
            networks: Vec::new(),
            first_seen: Default::default(),
        };
        let opts = Options {
            scope,
            now_ms: 0,
            ..Options::default()
        };
        let doc: Value = serde_json::from_str(&render(&report, &opts)).unwrap();
        doc["Findings"][0].clone()
    }

    #[test]
    fn a_finding_without_one_region_or_account_is_placed() {
        let x = render_one(finding("IB002", "*", "*"), BTreeMap::new());
        assert_eq!(x["Region"], FALLBACK_REGION);
        assert_eq!(x["AwsAccountId"], "000000000000");
        assert_eq!(x["ProductFields"]["ibaudit/region"], "*");
        let scope = BTreeMap::from([(
            "111122223333".to_string(),
            BTreeSet::from(["cn-north-1".to_string()]),
        )]);
        let x = render_one(finding("IB002", "*", "*"), scope);
        assert_eq!(x["Region"], "cn-north-1");
        assert_eq!(x["AwsAccountId"], "111122223333");
        assert_eq!(
            x["ProductArn"],
            "arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default"
        );
        assert_eq!(x["Resources"][0]["Partition"], "aws-cn");
        let x = render_one(
            finding("IB002", "us-gov-west-1,us-east-1", "111122223333"),
            BTreeMap::new(),
        );
        assert_eq!(x["Region"], "us-gov-west-1");
        assert_eq!(x["Resources"][0]["Partition"], "aws-us-gov");
    }

    #[test]
    fn fields_are_cut_inert_and_not_assessed_is_not_a_failure() {
        let x = render_one(
            finding("IB002", "eu-west-1", "111122223333"),
            BTreeMap::new(),
        );
        assert_eq!(x["Id"], "ibaudit/abc");
        assert_eq!(x["Compliance"]["Status"], "FAILED");
        assert_eq!(x["Severity"]["Label"], "HIGH");
        let d = x["Description"].as_str().unwrap();
        assert_eq!(d.chars().count(), MAX_DESCRIPTION);
        assert!(d.ends_with('…'));
        assert_eq!(x["Resources"][0]["Details"]["Other"]["name"], "n ‹b›");
        assert_eq!(x["Resources"][0]["Type"], "Other");
        assert_eq!(x["Resources"][0]["Id"], "vpce-1");
        let x = render_one(
            finding("IB900", "eu-west-1", "111122223333"),
            BTreeMap::new(),
        );
        assert_eq!(x["Compliance"]["Status"], "NOT_AVAILABLE");
        let o = crate::ocsf::event(
            &finding("IB900", "eu-west-1", "111122223333"),
            &Options::default(),
        );
        assert_eq!(o["compliance"]["status_id"], 2);
        assert_eq!(o["compliance"]["status"], "Warning");
    }

    #[test]
    fn every_rule_has_a_remediation_text() {
        for rule in registry() {
            let text = remediation_text(rule.meta().id);
            assert!(!text.trim().is_empty(), "{}", rule.meta().id);
        }
    }
}
