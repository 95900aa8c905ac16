//! ASFF documents (as `ibaudit_report::asff` renders them, the one source
//! of what a finding says) to the SDK's types, and a finding Security Hub
//! holds to the document that archives it.

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, FindingProviderFields,
    FindingProviderSeverity, Partition, Recommendation, RecordState, Remediation, Resource,
    ResourceDetails, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::{json, Map, Value};

use crate::string_map;

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    v[field]
        .as_str()
        .ok_or_else(|| format!("{field} is missing or not text"))
}

fn opt(v: &Value, field: &str) -> Option<String> {
    v[field].as_str().map(str::to_string)
}

/// One ASFF finding as the SDK sends it. Every field ibaudit renders is
/// carried; a required one missing is an error naming it.
pub fn to_sdk(v: &Value) -> Result<AwsSecurityFinding, String> {
    let mut resources = Vec::new();
    for (i, r) in v["Resources"]
        .as_array()
        .ok_or("Resources is missing")?
        .iter()
        .enumerate()
    {
        let mut b = Resource::builder()
            .r#type(text(r, "Type").map_err(|e| format!("Resources[{i}].{e}"))?)
            .id(text(r, "Id").map_err(|e| format!("Resources[{i}].{e}"))?)
            .set_partition(r["Partition"].as_str().map(Partition::from))
            .set_region(opt(r, "Region"));
        if let Some(other) = string_map(&r["Details"]["Other"]) {
            b = b.details(ResourceDetails::builder().set_other(Some(other)).build());
        }
        resources.push(b.build());
    }
    let rec = &v["Remediation"]["Recommendation"];
    Ok(AwsSecurityFinding::builder()
        .schema_version(text(v, "SchemaVersion")?)
        .id(text(v, "Id")?)
        .product_arn(text(v, "ProductArn")?)
        .generator_id(text(v, "GeneratorId")?)
        .aws_account_id(text(v, "AwsAccountId")?)
        .set_region(opt(v, "Region"))
        .set_types(strings(&v["Types"]))
        .created_at(text(v, "CreatedAt")?)
        .updated_at(text(v, "UpdatedAt")?)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(
                    v["Severity"]["Label"]
                        .as_str()
                        .ok_or("Severity.Label is missing")?,
                ))
                .build(),
        )
        .set_finding_provider_fields(provider_fields(&v["FindingProviderFields"]))
        .title(text(v, "Title")?)
        .description(text(v, "Description")?)
        .set_remediation(rec.is_object().then(|| {
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .set_text(opt(rec, "Text"))
                        .set_url(opt(rec, "Url"))
                        .build(),
                )
                .build()
        }))
        .set_source_url(opt(v, "SourceUrl"))
        .set_product_fields(string_map(&v["ProductFields"]))
        .set_resources(Some(resources))
        .set_compliance(v["Compliance"]["Status"].as_str().map(|s| {
            Compliance::builder()
                .status(ComplianceStatus::from(s))
                .build()
        }))
        .set_record_state(v["RecordState"].as_str().map(RecordState::from))
        .set_workflow(
            v["Workflow"]["Status"]
                .as_str()
                .map(|s| Workflow::builder().status(WorkflowStatus::from(s)).build()),
        )
        .build())
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect()
    })
}

fn provider_fields(v: &Value) -> Option<FindingProviderFields> {
    v.is_object().then(|| {
        let sev = &v["Severity"];
        FindingProviderFields::builder()
            .set_severity(sev.is_object().then(|| {
                FindingProviderSeverity::builder()
                    .set_label(sev["Label"].as_str().map(SeverityLabel::from))
                    .set_original(opt(sev, "Original"))
                    .build()
            }))
            .set_types(strings(&v["Types"]))
            .build()
    })
}

/// The document that archives `f` (a finding ibaudit imported earlier, as
/// GetFindings returned it): the same identity and text, `UpdatedAt` now,
/// `Compliance.Status` `PASSED` ("the security check passed", ASFF
/// Compliance) and `RecordState` `ARCHIVED`.
pub fn archived(f: &AwsSecurityFinding, now: &str) -> Value {
    let s = |x: Option<&str>| Value::String(x.unwrap_or_default().to_string());
    let resources: Vec<Value> = f
        .resources()
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("Type".into(), s(r.r#type()));
            o.insert("Id".into(), s(r.id()));
            if let Some(p) = r.partition() {
                o.insert("Partition".into(), Value::String(p.as_str().to_string()));
            }
            if let Some(region) = r.region() {
                o.insert("Region".into(), Value::String(region.to_string()));
            }
            if let Some(other) = r.details().and_then(|d| d.other()) {
                let other: Map<String, Value> = other
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                o.insert("Details".into(), json!({ "Other": other }));
            }
            Value::Object(o)
        })
        .collect();
    let mut doc = json!({
        "SchemaVersion": s(f.schema_version()),
        "Id": s(f.id()),
        "ProductArn": s(f.product_arn()),
        "GeneratorId": s(f.generator_id()),
        "AwsAccountId": s(f.aws_account_id()),
        "Types": f.types(),
        "CreatedAt": s(f.created_at()),
        "UpdatedAt": now,
        "Severity": { "Label": f.severity().and_then(|x| x.label()).map(|l| l.as_str()).unwrap_or("INFORMATIONAL") },
        "Title": s(f.title()),
        "Description": s(f.description()),
        "Resources": resources,
        "Compliance": { "Status": "PASSED" },
        "RecordState": "ARCHIVED",
    });
    if let Some(r) = f.region() {
        doc["Region"] = Value::String(r.to_string());
    }
    if let Some(p) = f.product_fields() {
        let p: Map<String, Value> = p
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        doc["ProductFields"] = Value::Object(p);
    }
    if let Some(rec) = f.remediation().and_then(|r| r.recommendation()) {
        doc["Remediation"] = json!({ "Recommendation": {
            "Text": rec.text(), "Url": rec.url(),
        }});
    }
    if let Some(p) = f.finding_provider_fields() {
        let mut fields = json!({ "Types": p.types() });
        if let Some(s) = p.severity() {
            fields["Severity"] = json!({
                "Label": s.label().map(|l| l.as_str()),
                "Original": s.original(),
            });
        }
        doc["FindingProviderFields"] = fields;
    }
    if let Some(u) = f.source_url() {
        doc["SourceUrl"] = Value::String(u.to_string());
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "ibaudit/abc",
            "ProductArn": "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
            "GeneratorId": "ibaudit/IB002",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
            "CreatedAt": "2026-01-01T00:00:00.000Z",
            "UpdatedAt": "2026-01-02T00:00:00.000Z",
            "Severity": { "Label": "HIGH" },
            "Title": "t",
            "Description": "d",
            "Remediation": { "Recommendation": { "Text": "fix", "Url": "https://example.com/IB002" } },
            "SourceUrl": "https://example.com/IB002",
            "ProductFields": { "ibaudit/rule": "IB002" },
            "Resources": [{ "Type": "Other", "Id": "vpce-1", "Partition": "aws", "Region": "eu-west-1",
                            "Details": { "Other": { "resource_id": "vpce-1" } } }],
            "Compliance": { "Status": "FAILED" },
            "RecordState": "ACTIVE",
            "Workflow": { "Status": "NEW" },
        })
    }

    #[test]
    fn a_document_converts_and_archives_with_its_identity() {
        let f = to_sdk(&doc()).unwrap();
        assert_eq!(f.id(), Some("ibaudit/abc"));
        assert_eq!(f.severity().unwrap().label().unwrap().as_str(), "HIGH");
        assert_eq!(
            f.resources()[0].details().unwrap().other().unwrap()["resource_id"],
            "vpce-1"
        );
        assert_eq!(f.compliance().unwrap().status().unwrap().as_str(), "FAILED");
        let a = archived(&f, "2026-02-01T00:00:00.000Z");
        assert_eq!(a["Id"], "ibaudit/abc");
        assert_eq!(a["CreatedAt"], "2026-01-01T00:00:00.000Z");
        assert_eq!(a["UpdatedAt"], "2026-02-01T00:00:00.000Z");
        assert_eq!(a["Compliance"]["Status"], "PASSED");
        assert_eq!(a["RecordState"], "ARCHIVED");
        assert_eq!(a["Resources"], doc()["Resources"]);
        assert_eq!(a["ProductFields"], doc()["ProductFields"]);
        // And it converts back.
        let back = to_sdk(&a).unwrap();
        assert_eq!(back.record_state().unwrap().as_str(), "ARCHIVED");
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let mut d = doc();
        d.as_object_mut().unwrap().remove("Title");
        assert_eq!(to_sdk(&d).unwrap_err(), "Title is missing or not text");
        let mut d = doc();
        d["Resources"][0].as_object_mut().unwrap().remove("Id");
        assert_eq!(
            to_sdk(&d).unwrap_err(),
            "Resources[0].Id is missing or not text"
        );
    }
}
