//! One odd resource does not cost the organization: the demo with one
//! endpoint described without `VpcEndpointType` (the output of the AWS CLI's
//! own `create-vpc-endpoint` example) audits, incomplete (exit 3), with an
//! IB900 finding naming the endpoint, the field and the verdicts that rested
//! on it, and every other finding of the demo's JSON report unchanged.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

fn report(path: &str) -> (i32, Value) {
    let o = Ibaudit::new(&["audit", path, "--format", "json", "--fail-on", "none"]).run();
    let report =
        serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (code(&o), report)
}

fn fingerprints(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_endpoint_without_its_type_is_not_assessed_and_the_rest_is_audited() {
    let id = "vpce-0a1b2c3d4e5f60002";
    let mut doc = read_json(&demo());
    let endpoint = &mut doc["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][1];
    assert_eq!(endpoint["VpcEndpointId"], id);
    endpoint.as_object_mut().unwrap().remove("VpcEndpointType");
    let (_dir, path) = write_temp("odd.json", &serde_json::to_string_pretty(&doc).unwrap());

    let (code_before, before) = report(demo().to_str().unwrap());
    let (code_after, after) = report(path.to_str().unwrap());
    assert_eq!(code_before, 3, "the demo already has a gap");
    assert_eq!(code_after, 3);

    let gaps: Vec<&Value> = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB900" && f["resource_id"] == id)
        .collect();
    assert_eq!(gaps.len(), 1, "{after:#}");
    let message = gaps[0]["message"].as_str().unwrap();
    assert!(message.contains("VpcEndpointType"), "{message}");
    assert_eq!(gaps[0]["not_assessed"], true);

    // Its ServiceName is S3's: it may still be the gateway an S3 route goes
    // through, so whether build subnets in its VPC reach S3 is not known.
    assert!(message.ends_with("not assessed: IB012"), "{message}");
    let mut expected = fingerprints(&before);
    expected.insert(gaps[0]["fingerprint"].as_str().unwrap().to_string());
    let after_set = fingerprints(&after);
    assert!(after_set.is_subset(&expected), "{after:#}");
    for f in before["findings"].as_array().unwrap() {
        if !after_set.contains(f["fingerprint"].as_str().unwrap()) {
            assert_eq!(
                (&f["rule"], &f["region"]),
                (&"IB012".into(), &"us-east-1".into()),
                "{f:#}"
            );
        }
    }
}
