//! One odd resource does not cost the audit: the demo with one endpoint
//! described without `VpcEndpointType` (as in the AWS CLI's own
//! `create-vpc-endpoint` example) is audited, incomplete, with an IB900
//! finding naming that endpoint, the field and the rules whose verdicts
//! rested on it; every other finding of the demo unchanged, and no finding
//! invented by leaving any one resource out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ibaudit_rules::{audit, AuditOptions, Config, Date, Finding, Outcome, Report};
use serde_json::Value;

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/snapshot.json")
}

fn options() -> AuditOptions {
    AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").unwrap(),
    }
}

fn audit_text(text: &[u8]) -> Report {
    let s = ibaudit_snapshot::from_slice(text, &demo_path()).unwrap_or_else(|e| panic!("{e}"));
    audit(&s, &options())
}

/// The demo, with `field` removed from the endpoint `id`.
fn demo_without(id: &str, field: &str) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(demo_path()).unwrap()).unwrap();
    let mut found = false;
    for region in doc["accounts"][0]["regions"].as_array_mut().unwrap() {
        for e in region["DescribeVpcEndpoints"]["VpcEndpoints"]
            .as_array_mut()
            .unwrap()
        {
            if e["VpcEndpointId"] == id {
                assert!(e.as_object_mut().unwrap().remove(field).is_some());
                found = true;
            }
        }
    }
    assert!(found, "no endpoint {id} in the demo");
    serde_json::to_vec_pretty(&doc).unwrap()
}

fn fingerprints(findings: &[&Finding]) -> BTreeSet<String> {
    findings.iter().map(|f| f.fingerprint.clone()).collect()
}

#[test]
fn an_endpoint_without_its_type_is_not_assessed_and_the_rest_is_audited() {
    let demo = audit_text(&std::fs::read(demo_path()).unwrap());
    // The demo's S3 gateway endpoint in us-east-1. Without its type it may
    // still be the gateway a route table's S3 route goes through (its
    // ServiceName is S3's): whether build subnets reach S3 (IB012) is not
    // known there; nothing else rests on it.
    let id = "vpce-0a1b2c3d4e5f60002";
    let changed = audit_text(&demo_without(id, "VpcEndpointType"));

    assert_eq!(changed.accounts, demo.accounts);
    assert_eq!(changed.outcome(None), Outcome::Incomplete);
    let (gap, rest): (Vec<&Finding>, Vec<&Finding>) = changed
        .findings
        .iter()
        .partition(|f| f.rule == "IB900" && f.resource_id == id);
    assert_eq!(gap.len(), 1, "{:#?}", changed.findings);
    let gap = gap[0];
    assert!(gap.not_assessed);
    assert_eq!(gap.region, "us-east-1");
    assert!(gap.message.contains("VpcEndpointType"), "{}", gap.message);
    assert!(
        gap.message.contains("DescribeVpcEndpoints"),
        "{}",
        gap.message
    );
    assert!(
        gap.message.ends_with("not assessed: IB012"),
        "{}",
        gap.message
    );
    let rest = fingerprints(&rest);
    let before: Vec<&Finding> = demo.findings.iter().collect();
    assert!(rest.is_subset(&fingerprints(&before)));
    for f in before.iter().filter(|f| !rest.contains(&f.fingerprint)) {
        assert_eq!((f.rule, &*f.region), ("IB012", "us-east-1"), "{f:?}");
    }
    for f in changed.findings.iter().filter(|f| f.rule != "IB900") {
        let b = demo
            .findings
            .iter()
            .find(|b| b.fingerprint == f.fingerprint);
        assert_eq!(f.message, b.unwrap().message);
    }
}

#[test]
fn the_other_endpoints_of_its_region_are_still_assessed() {
    // The Image Builder endpoint with the most findings, left out: its own
    // findings give way to one IB900, and the region's other endpoints keep
    // theirs.
    let demo = audit_text(&std::fs::read(demo_path()).unwrap());
    let id = "vpce-0a1b2c3d4e5f60021";
    let changed = audit_text(&demo_without(id, "VpcId"));
    assert!(changed
        .findings
        .iter()
        .any(|f| f.rule == "IB900" && f.resource_id == id && f.message.contains("VpcId")));
    assert!(!changed
        .findings
        .iter()
        .any(|f| f.rule != "IB900" && f.resource_id == id));
    let kept: BTreeSet<String> = changed
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    for f in demo.findings.iter().filter(|f| f.resource_id != id) {
        assert!(kept.contains(&f.fingerprint), "lost: {f:?}");
    }
}

/// Leaving a resource out never invents a finding: with any one resource of
/// the demo described without a field its listing requires (its id aside),
/// every finding
/// other than IB900 is one the whole demo has too. What rested on the
/// resource being absent (no Image Builder endpoint in its VPC, no S3 route,
/// no trail logging, a subnet on its VPC's main route table) is not
/// assessed instead.
#[test]
fn a_resource_left_out_never_invents_a_finding() {
    let demo = audit_text(&std::fs::read(demo_path()).unwrap());
    let known: BTreeSet<String> = demo
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    let doc: Value = serde_json::from_slice(&std::fs::read(demo_path()).unwrap()).unwrap();
    // Every required field other than the id (without its id a resource
    // refuses the snapshot).
    let lists = [
        ("DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointType"),
        ("DescribeVpcEndpoints", "VpcEndpoints", "VpcId"),
        ("DescribeRouteTables", "RouteTables", "VpcId"),
        ("DescribeSubnets", "Subnets", "VpcId"),
        ("DescribeTrails", "trailList", "Name"),
        ("DescribePrefixLists", "PrefixLists", "PrefixListName"),
    ];
    let mut cases = 0;
    for (r, region) in doc["accounts"][0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (op, list, field) in lists {
            let n = region[op][list].as_array().map_or(0, Vec::len);
            for i in 0..n {
                let mut changed = doc.clone();
                let item = &mut changed["accounts"][0]["regions"][r][op][list][i];
                if item.as_object_mut().unwrap().remove(field).is_none() {
                    continue;
                }
                cases += 1;
                let report = audit_text(&serde_json::to_vec(&changed).unwrap());
                assert_eq!(report.outcome(None), Outcome::Incomplete);
                for f in report.findings.iter().filter(|f| f.rule != "IB900") {
                    assert!(
                        known.contains(&f.fingerprint),
                        "{op}.{list}[{i}] in {} without {field} invents {} on {}: {}",
                        region["region"],
                        f.rule,
                        f.resource_id,
                        f.message
                    );
                }
            }
        }
    }
    assert!(cases > 20, "only {cases} cases");
}
