//! No silent pass, by construction: for every operation a snapshot region can
//! hold (`Operation::ALL`, so a new operation cannot skip this), losing its
//! data makes the audit incomplete, with an IB900 finding naming it.
//!
//! The account is the rule fixtures' base with a small patch under which the
//! answer of some rule rests on every operation (see [`every_operation_matters`]).
//! For each operation, each of these must yield IB900 naming it:
//!
//! - its key removed from the region (not collected);
//! - its key kept, and a region-wide AccessDenied recorded in `errors`;
//! - its key kept, and an AccessDenied recorded for one resource it is
//!   about (`"resource": "vpc-..."`).
//!
//! An operation no rule reads would fail here. The fix is then either a rule
//! that consults it through `RegionCtx`, or the collector not calling it
//! (and the operation leaving `Operation`): never a silent pass.

use ibaudit_rules::{audit, Outcome, Report};
use ibaudit_snapshot::Operation;
use serde_json::{json, Value};

use crate::common::{base_account, code, ibaudit, options, patch, stderr, stdout, write_temp};

const VPC: &str = "vpc-01f2e3d4c5b6a0001";
const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events";
const CONFIG: &str =
    "arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/linux-private-build";

/// The base account, changed so that every operation decides something:
///
/// - the endpoints' security group admits HTTPS only from `10.0.128.0/17`,
///   inside the VPC's `10.0.0.0/16` but outside the build subnet: IB005's
///   verdict rests on the VPC's CIDR blocks (DescribeVpcs);
/// - the build subnets' route table reaches S3 by a route from the S3 prefix
///   list through a NAT gateway, and the S3 gateway endpoint is on no route
///   table: IB012's verdict rests on that list's name (DescribePrefixLists).
///
/// The other operations already decide something in the base: the
/// endpoints (every rule), the VPC's DNS attributes (IB003), the subnets and
/// route tables (IB012), the trails, their status and selectors (IB021), the
/// infrastructure configurations (the build subnets).
fn every_operation_matters() -> Value {
    let doc = patch::apply(
        Some(&base_account()),
        &json!({"accounts": [{"account_id": "111122223333", "regions": [{
            "region": "us-east-1",
            "DescribeVpcEndpoints": {"VpcEndpoints": [
                {"VpcEndpointId": "vpce-0a1b2c3d4e5f60002", "RouteTableIds": []}
            ]},
            "DescribeSecurityGroups": {"SecurityGroups": [{
                "GroupId": "sg-03c4d5e6f7a8b0001",
                "IpPermissions": [{
                    "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                    "IpRanges": [{"CidrIp": "10.0.128.0/17"}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []
                }]
            }]},
            "DescribeRouteTables": {"RouteTables": [{
                "RouteTableId": "rtb-04d5e6f7a8b9c0001",
                "Routes": [
                    {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                     "Origin": "CreateRouteTable", "State": "active"},
                    {"DestinationPrefixListId": "pl-63a5400a", "NatGatewayId": "nat-08b9cadbecfd00001",
                     "Origin": "CreateRoute", "State": "active"}
                ]
            }]}
        }]}]}),
    );
    assert!(
        !doc.to_string().contains('$'),
        "the patch left a directive in the snapshot"
    );
    doc
}

/// One resource each operation is about in the account above: where a
/// failure recorded for that resource alone must still be reported.
/// Exhaustive, so a new operation must name one.
fn resource_of(op: Operation) -> &'static str {
    match op {
        Operation::DescribeVpcEndpoints => VPC,
        Operation::DescribeVpcs => VPC,
        Operation::DescribeVpcAttribute => VPC,
        Operation::DescribeSubnets => "subnet-02a3b4c5d6e7f0001",
        Operation::DescribeSecurityGroups => "sg-03c4d5e6f7a8b0001",
        Operation::DescribeRouteTables => VPC,
        Operation::DescribePrefixLists => "pl-63a5400a",
        Operation::DescribeTrails => TRAIL,
        Operation::GetTrailStatus => TRAIL,
        Operation::GetEventSelectors => TRAIL,
        Operation::ListInfrastructureConfigurations => CONFIG,
        Operation::GetInfrastructureConfiguration => CONFIG,
    }
}

fn region(doc: &mut Value) -> &mut serde_json::Map<String, Value> {
    doc["accounts"][0]["regions"][0].as_object_mut().unwrap()
}

fn audited(doc: &Value) -> Report {
    let bytes = serde_json::to_vec(doc).unwrap();
    let snap = ibaudit_snapshot::from_slice(&bytes, std::path::Path::new("no-silent-pass.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    audit(&snap, &options())
}

/// The messages of the IB900 findings that name `op` as what was missing.
fn gaps_naming(report: &Report, op: Operation) -> Vec<String> {
    let head = format!("{} ", op.name());
    report
        .findings
        .iter()
        .filter(|f| f.rule == "IB900" && f.message.starts_with(&head))
        .map(|f| f.message.clone())
        .collect()
}

fn denied(op: Operation, resource: Option<&str>) -> Value {
    let mut e = json!({
        "operation": op.name(),
        "code": "AccessDenied",
        "message": format!("User is not authorized to perform: {}", op.iam_action()),
    });
    if let Some(r) = resource {
        e["resource"] = json!(r);
    }
    e
}

/// The variants of losing `op`, each described and built.
fn variants(op: Operation) -> Vec<(String, Value)> {
    let base = every_operation_matters();
    let mut removed = base.clone();
    assert!(
        region(&mut removed).remove(op.name()).is_some(),
        "the account holds {op}"
    );
    let mut failed = base.clone();
    region(&mut failed).insert("errors".into(), json!([denied(op, None)]));
    let mut failed_one = base;
    let resource = resource_of(op);
    region(&mut failed_one).insert("errors".into(), json!([denied(op, Some(resource))]));
    vec![
        (format!("{op} removed"), removed),
        (format!("{op} failed (AccessDenied)"), failed),
        (
            format!("{op} failed for {resource} (AccessDenied)"),
            failed_one,
        ),
    ]
}

#[test]
fn the_account_every_operation_matters_to_audits_clean() {
    let report = audited(&every_operation_matters());
    let found: Vec<_> = report
        .findings
        .iter()
        .map(|f| format!("{} {}: {}", f.rule, f.resource_id, f.message))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(report.outcome(None), Outcome::Clean);
}

#[test]
fn losing_any_operation_is_reported_not_assessed() {
    let mut silent = Vec::new();
    for &op in Operation::ALL {
        for (what, doc) in variants(op) {
            let report = audited(&doc);
            let gaps = gaps_naming(&report, op);
            if gaps.is_empty() || report.outcome(None) != Outcome::Incomplete {
                silent.push(format!(
                    "{what}: outcome {:?}, findings {:?}",
                    report.outcome(None),
                    report
                        .findings
                        .iter()
                        .map(|f| format!("{} {}", f.rule, f.message))
                        .collect::<Vec<_>>()
                ));
                continue;
            }
            if what.contains("AccessDenied") {
                assert!(
                    gaps.iter().any(|m| m.contains("failed (AccessDenied")),
                    "{what}: {gaps:?}"
                );
            } else {
                assert!(
                    gaps.iter().any(|m| m.contains("was not collected")),
                    "{what}: {gaps:?}"
                );
            }
        }
    }
    assert!(
        silent.is_empty(),
        "losing these passes silently; make a rule consult the operation through \
         RegionCtx, or stop collecting it:\n{}",
        silent.join("\n")
    );
}

/// The same, end to end through the binary: exit 3, and the IB900 finding in
/// the JSON report.
#[test]
fn the_binary_exits_3_when_any_operation_is_missing() {
    for &op in Operation::ALL {
        let (what, doc) = variants(op).swap_remove(0);
        let (_dir, path) = write_temp("snapshot.json", &doc.to_string());
        let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code(&o), 3, "{what}: {}", stderr(&o));
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let head = format!("{} ", op.name());
        assert!(
            report["findings"].as_array().unwrap().iter().any(|f| {
                f["rule"] == "IB900" && f["message"].as_str().unwrap().starts_with(&head)
            }),
            "{what}: {report:#}"
        );
    }
}

/// What the collector writes when a call is denied (the key absent, the
/// failure in `errors`), over the plain base account, where some verdicts
/// need no data from the denied call: still exit 3 and IB900 naming it, since
/// the snapshot lacks what the call would have returned.
#[test]
fn a_denied_call_exits_3_even_where_no_verdict_needs_it() {
    for &op in Operation::ALL {
        let mut doc = base_account();
        let r = region(&mut doc);
        r.remove(op.name());
        r.insert("errors".into(), json!([denied(op, None)]));
        let (_dir, path) = write_temp("snapshot.json", &doc.to_string());
        let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code(&o), 3, "{op} denied: {}", stderr(&o));
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let head = format!("{} ", op.name());
        assert!(
            report["findings"].as_array().unwrap().iter().any(|f| {
                let m = f["message"].as_str().unwrap();
                f["rule"] == "IB900" && m.starts_with(&head) && m.contains("failed (AccessDenied")
            }),
            "{op} denied: {report:#}"
        );
    }
}
