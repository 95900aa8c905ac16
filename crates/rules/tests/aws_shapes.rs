//! Every shape AWS documents audits without a panic and to the findings its
//! fixture expects: the `expect` key of each file in `fixtures/aws-shapes`
//! lists every finding of every rule (`rule`, `resource`, `severity`).

use std::path::{Path, PathBuf};

use ibaudit_rules::{audit, AuditOptions, Config, Date};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/aws-shapes");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    out
}

type Findings = Vec<(String, String, String)>;

fn expected(path: &Path, s: &ibaudit_snapshot::Snapshot) -> Findings {
    let list = s
        .extra
        .get("expect")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_else(|| panic!("{}: no `expect` list", path.display()));
    let mut out: Findings = list
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_else(|| panic!("{k}")).to_string();
            (field("rule"), field("resource"), field("severity"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_documented_shape_audits_to_its_expected_findings() {
    let options = AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").unwrap(),
    };
    let files = fixtures();
    assert!(files.len() >= 20, "fixtures found: {}", files.len());
    for path in files {
        let snapshot = ibaudit_snapshot::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let want = expected(&path, &snapshot);
        let report = audit(&snapshot, &options);
        let mut got: Findings = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule.to_string(),
                    f.resource_id.clone(),
                    f.severity.to_string(),
                )
            })
            .collect();
        got.sort();
        let all: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} {} {}: {}", f.rule, f.severity, f.resource_id, f.message))
            .collect();
        assert_eq!(
            got,
            want,
            "{}: findings differ:\n{}",
            path.display(),
            all.join("\n")
        );
    }
}

/// The shape that stopped whole audits: an account whose VPC has VPC Lattice
/// endpoints. They carry no service name, so they are neither Image Builder,
/// S3 nor SSM endpoints, and nothing is reported of them, not even "not
/// assessed".
#[test]
fn lattice_endpoints_are_out_of_scope_not_unassessed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aws-shapes/endpoints-resource-and-service-network.json");
    let snapshot = ibaudit_snapshot::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let options = AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").unwrap(),
    };
    let report = audit(&snapshot, &options);
    for f in &report.findings {
        assert!(
            !f.message.contains("vpce-0a1b2c3d4e5f60011")
                && !f.message.contains("vpce-0a1b2c3d4e5f60012"),
            "{}: {}",
            f.rule,
            f.message
        );
    }
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A management selector that also filters on a field trails do not offer
/// for management events (`eventName` is for event data stores): whether
/// Image Builder's writes are recorded is not known, so the trail is not
/// assessed, naming the field; a selector that records them settles it.
#[test]
fn a_selector_filter_the_auditor_does_not_evaluate_is_not_assessed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/aws-shapes/selectors-advanced-management.json");
    let trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events";
    let options = AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").unwrap(),
    };
    let with_selectors = |selectors: serde_json::Value| {
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        doc["accounts"][0]["regions"][0]["GetEventSelectors"][trail]["AdvancedEventSelectors"] =
            selectors;
        let snapshot: ibaudit_snapshot::Snapshot = serde_json::from_value(doc).unwrap();
        audit(&snapshot, &options).findings
    };
    let filtered = serde_json::json!({"Name": "Some writes", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "eventName", "StartsWith": ["Create"]}]});

    let findings = with_selectors(serde_json::json!([filtered]));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule, "IB900");
    assert_eq!(f.resource_id, trail);
    assert!(
        f.message.contains("`eventName`") && f.message.contains("IB021"),
        "{}",
        f.message
    );

    let findings = with_selectors(serde_json::json!([
        filtered,
        {"Name": "Management events", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]}]}
    ]));
    assert!(findings.is_empty(), "{findings:#?}");
}
