//! Reading and writing a snapshot loses nothing: AWS shapes keep their
//! casing, policy documents stay the strings AWS returned, and keys this
//! version does not know survive.

use std::path::{Path, PathBuf};

use ibaudit_snapshot::{from_slice, load, RegionSnapshot, Snapshot};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    // Snapshots only: the rule fixtures' base account and the demo. The rule
    // fixtures are patches over the base: the end-to-end tests round-trip
    // the snapshots they describe.
    let mut out = vec![root.join("rules/base.json")];
    let mut stack = vec![root.join("demo")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn roundtrip(s: &Snapshot) -> Snapshot {
    let text = serde_json::to_string_pretty(s).unwrap();
    from_slice(text.as_bytes(), Path::new("roundtrip.json"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn every_fixture_survives_a_round_trip() {
    let files = fixtures();
    assert!(files.len() >= 2, "fixtures found: {}", files.len());
    for path in files {
        let first = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let second = roundtrip(&first);
        assert_eq!(first, second, "{}", path.display());
        // And the written form is stable.
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap()
        );
    }
}

#[test]
fn policy_documents_stay_verbatim() {
    let doc = "{ \"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\",}]}";
    let text = serde_json::json!({
        "ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
        "accounts": [{"account_id": "111122223333", "regions": [{"region": "us-east-1",
            "DescribeVpcEndpoints": {"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface",
                "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.imagebuilder", "State": "pendingAcceptance",
                "PolicyDocument": doc}]}}]}]
    })
    .to_string();
    let s = from_slice(text.as_bytes(), Path::new("s.json")).unwrap();
    let again = roundtrip(&s);
    let ep = &again.accounts[0].regions[0]
        .describe_vpc_endpoints
        .as_ref()
        .unwrap()
        .vpc_endpoints[0];
    assert_eq!(ep.policy_document.as_deref(), Some(doc));
    assert_eq!(
        ep.state.as_deref(),
        Some("pendingAcceptance"),
        "state kept as AWS sent it"
    );
    assert_eq!(
        again.accounts[0].partition, "aws",
        "partition defaults to aws"
    );
}

#[test]
fn unknown_keys_are_kept() {
    let text = r#"{
      "ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00.123Z",
      "collector": {"name": "ibaudit", "version": "9.9.9"},
      "future": {"a": [1, 2]},
      "accounts": [{"account_id": "111122223333", "partition": "aws-us-gov", "org": "o-1",
        "regions": [{"region": "us-gov-west-1", "DescribeNewThings": {"Things": [{"X": 1}]},
          "errors": [{"operation": "DescribeVpcs", "code": "Throttling", "message": "Rate exceeded"}]}]}]
    }"#;
    let s = from_slice(text.as_bytes(), Path::new("s.json")).unwrap();
    let again = roundtrip(&s);
    assert_eq!(
        again.extra.get("future").unwrap(),
        serde_json::json!({"a": [1, 2]})
    );
    assert_eq!(again.extra.raw("future").unwrap().get(), r#"{"a": [1, 2]}"#);
    assert_eq!(again.accounts[0].extra.get("org").unwrap(), "o-1");
    let region: &RegionSnapshot = &again.accounts[0].regions[0];
    assert_eq!(
        region.extra.get("DescribeNewThings").unwrap()["Things"][0]["X"],
        1
    );
    assert!(region.has("DescribeNewThings") && !region.has("DescribeVpcs"));
    assert_eq!(region.errors[0].code, "Throttling");
    assert_eq!(again.collector.as_ref().unwrap().version, "9.9.9");
}

#[test]
fn absent_and_empty_operations_differ() {
    let text = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
      "accounts": [{"account_id": "111122223333", "regions": [{"region": "us-east-1", "DescribeVpcs": {"Vpcs": []}}]}]}"#;
    let s = roundtrip(&from_slice(text.as_bytes(), Path::new("s.json")).unwrap());
    let r = &s.accounts[0].regions[0];
    assert!(
        r.describe_vpcs.as_ref().is_some_and(|v| v.vpcs.is_empty()),
        "collected, nothing there"
    );
    assert!(r.describe_subnets.is_none(), "not collected");
    let written = serde_json::to_value(&s).unwrap();
    assert!(written["accounts"][0]["regions"][0]
        .get("DescribeSubnets")
        .is_none());
    assert_eq!(
        written["accounts"][0]["regions"][0]["DescribeVpcs"],
        serde_json::json!({"Vpcs": []})
    );
}

#[test]
fn duplicate_operation_keys_are_rejected() {
    let text = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
      "accounts": [{"account_id": "111122223333", "regions": [{"region": "us-east-1",
        "DescribeVpcs": {"Vpcs": []}, "DescribeVpcs": {"Vpcs": []}}]}]}"#;
    let err = from_slice(text.as_bytes(), Path::new("s.json"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"duplicate key "DescribeVpcs""#)
            && err.contains("at accounts[0].regions[0].DescribeVpcs (line 3, column 39)"),
        "{err}"
    );
}
