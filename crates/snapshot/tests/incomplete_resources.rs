//! One resource described without a field the model requires does not cost
//! the snapshot: it is left out of the model and recorded in its region's
//! `errors` (code `FieldMissing`, the resource's id, its position, the
//! fields it lacks), and everything else is read as before. A resource
//! without its id, a field of the wrong type, or broken JSON still refuses
//! the snapshot with its JSON path and position; outside a snapshot (the collector's reading of an AWS
//! response) a missing field is still an error.

use std::path::Path;

use ibaudit_snapshot::aws::{
    CollectionError, DescribeVpcEndpointsResponse, VpcAttributeResponse, FIELD_MISSING,
};
use ibaudit_snapshot::{
    from_slice, from_slice_keeping, json_pretty, LoadError, RegionSnapshot, Response, Snapshot,
};
use serde_json::{json, Value};

fn snapshot(region: Value) -> Vec<u8> {
    let mut region = region;
    region["region"] = "us-east-1".into();
    serde_json::to_vec_pretty(&json!({
        "ibaudit_snapshot": 1,
        "collected_at": "2026-11-26T07:00:00Z",
        "accounts": [{"account_id": "111122223333", "regions": [region]}]
    }))
    .unwrap()
}

fn read(region: Value) -> Snapshot {
    from_slice(&snapshot(region), Path::new("s.json")).unwrap_or_else(|e| panic!("{e}"))
}

fn left_out(operation: &str, resource: &str, message: &str) -> CollectionError {
    CollectionError {
        operation: operation.to_string(),
        code: FIELD_MISSING.to_string(),
        message: message.to_string(),
        resource: Some(resource.to_string()),
    }
}

fn endpoint(id: &str) -> Value {
    json!({"VpcEndpointId": id, "VpcEndpointType": "Interface", "VpcId": "vpc-1",
           "ServiceName": "com.amazonaws.us-east-1.imagebuilder",
           "Groups": [{"GroupId": "sg-1"}], "Tags": [{"Key": "Name", "Value": "e"}]})
}

fn without(mut v: Value, field: &str) -> Value {
    v.as_object_mut().unwrap().remove(field);
    v
}

fn ids(r: &RegionSnapshot) -> Vec<&str> {
    r.describe_vpc_endpoints
        .as_ref()
        .unwrap()
        .vpc_endpoints
        .iter()
        .map(|e| e.vpc_endpoint_id.as_str())
        .collect()
}

#[test]
fn an_endpoint_without_a_required_field_is_left_out_and_named() {
    for (second, resource, message) in [
        (
            without(endpoint("vpce-2"), "VpcEndpointType"),
            "vpce-2",
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no VpcEndpointType field",
        ),
        (
            without(endpoint("vpce-2"), "VpcId"),
            "vpce-2",
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no VpcId field",
        ),
        (
            without(without(endpoint("vpce-2"), "VpcEndpointType"), "VpcId"),
            "vpce-2",
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no VpcEndpointType and VpcId fields",
        ),
        // A field required inside it spoils the endpoint, not just the item.
        (
            {
                let mut e = endpoint("vpce-2");
                e["Groups"] = json!([{"GroupId": "sg-1"}, {"GroupName": "no id"}]);
                e
            },
            "vpce-2",
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no Groups[].GroupId field",
        ),
        (
            {
                let mut e = endpoint("vpce-2");
                e["Tags"] = json!([{"Value": "no key"}]);
                e
            },
            "vpce-2",
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no Tags[].Key field",
        ),
    ] {
        let s = read(json!({"DescribeVpcEndpoints": {"VpcEndpoints": [
            endpoint("vpce-1"), second, endpoint("vpce-3")
        ]}}));
        let r = &s.accounts[0].regions[0];
        assert_eq!(ids(r), ["vpce-1", "vpce-3"], "{message}");
        assert_eq!(
            r.errors,
            [left_out("DescribeVpcEndpoints", resource, message)]
        );
    }
}

#[test]
fn every_described_resource_is_left_out_alike() {
    let trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/t";
    for (region, operation, resource, message) in [
        (
            json!({"DescribeVpcs": {"Vpcs": [{"VpcId": "vpc-1"}, {"VpcId": "vpc-2",
                "CidrBlockAssociationSet": [{"CidrBlockState": {"State": "associated"}}]}]}}),
            "DescribeVpcs",
            "vpc-2",
            "the VPC at DescribeVpcs.Vpcs[1] has no CidrBlockAssociationSet[].CidrBlock field",
        ),
        (
            json!({"DescribeSubnets": {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1"},
                {"SubnetId": "subnet-2"}]}}),
            "DescribeSubnets",
            "subnet-2",
            "the subnet at DescribeSubnets.Subnets[1] has no VpcId field",
        ),
        (
            json!({"DescribeSecurityGroups": {"SecurityGroups": [{"GroupId": "sg-1"},
                {"GroupId": "sg-2", "IpPermissions": [{"FromPort": 443, "ToPort": 443}]}]}}),
            "DescribeSecurityGroups",
            "sg-2",
            "the security group at DescribeSecurityGroups.SecurityGroups[1] has no IpPermissions[].IpProtocol field",
        ),
        (
            json!({"DescribeSecurityGroups": {"SecurityGroups": [{"GroupId": "sg-1"},
                {"GroupId": "sg-2", "IpPermissions": [{"IpProtocol": "tcp", "IpRanges": [{}]}]}]}}),
            "DescribeSecurityGroups",
            "sg-2",
            "the security group at DescribeSecurityGroups.SecurityGroups[1] has no IpPermissions[].IpRanges[].CidrIp field",
        ),
        (
            json!({"DescribeRouteTables": {"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1"},
                {"RouteTableId": "rtb-2"}]}}),
            "DescribeRouteTables",
            "rtb-2",
            "the route table at DescribeRouteTables.RouteTables[1] has no VpcId field",
        ),
        (
            json!({"DescribePrefixLists": {"PrefixLists": [
                {"PrefixListId": "pl-1", "PrefixListName": "com.amazonaws.us-east-1.s3"},
                {"PrefixListId": "pl-2"}]}}),
            "DescribePrefixLists",
            "pl-2",
            "the prefix list at DescribePrefixLists.PrefixLists[1] has no PrefixListName field",
        ),
        (
            json!({"DescribeTrails": {"trailList": [{"Name": "a", "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/a"},
                {"TrailARN": trail}]}}),
            "DescribeTrails",
            trail,
            "the trail at DescribeTrails.trailList[1] has no Name field",
        ),
        (
            json!({"DescribeVpcAttribute": [{"VpcId": "vpc-1", "EnableDnsSupport": {"Value": true}},
                {"VpcId": "vpc-2", "EnableDnsSupport": {}}]}),
            "DescribeVpcAttribute",
            "vpc-2",
            "the VPC attribute response at DescribeVpcAttribute[1] has no EnableDnsSupport/EnableDnsHostnames.Value field",
        ),
        (
            json!({"GetEventSelectors": {
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/a": {"EventSelectors": []},
                (trail): {"AdvancedEventSelectors": [{"FieldSelectors": [{"Equals": ["Management"]}]}]}}}),
            "GetEventSelectors",
            trail,
            "the response at GetEventSelectors.arn:aws:cloudtrail:us-east-1:111122223333:trail/t has no AdvancedEventSelectors[].FieldSelectors[].Field field",
        ),
    ] {
        let s = read(region.clone());
        let r = &s.accounts[0].regions[0];
        assert_eq!(
            r.errors,
            [left_out(operation, resource, message)],
            "{region}"
        );
        // The complete one is read; the other is not in the model.
        let written = serde_json::to_value(r).unwrap();
        let kept = &written[operation];
        let count = match kept {
            Value::Array(items) => items.len(),
            Value::Object(o) if operation == "GetEventSelectors" => o.len(),
            Value::Object(o) => o.values().next().unwrap().as_array().unwrap().len(),
            other => panic!("{other}"),
        };
        assert_eq!(count, 1, "{region}: {kept}");
    }
}

/// A resource without its id is malformed, not odd: nothing could name it
/// in a report. The snapshot is refused at the resource's JSON path.
#[test]
fn a_resource_without_its_id_refuses_the_snapshot_at_its_path() {
    let config = "arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/c";
    for (region, path, field) in [
        (
            json!({"DescribeVpcEndpoints": {"VpcEndpoints": [
                endpoint("vpce-1"), without(endpoint("vpce-2"), "VpcEndpointId")]}}),
            "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[1]",
            "VpcEndpointId",
        ),
        (
            json!({"DescribeVpcs": {"Vpcs": [{"VpcId": "vpc-1"}, {"CidrBlock": "10.0.0.0/16"}]}}),
            "accounts[0].regions[0].DescribeVpcs.Vpcs[1]",
            "VpcId",
        ),
        (
            json!({"DescribeSubnets": {"Subnets": [{"VpcId": "vpc-1"}]}}),
            "accounts[0].regions[0].DescribeSubnets.Subnets[0]",
            "SubnetId",
        ),
        (
            json!({"DescribeTrails": {"trailList": [{"Name": "a"}]}}),
            "accounts[0].regions[0].DescribeTrails.trailList[0]",
            "TrailARN",
        ),
        (
            json!({"ListInfrastructureConfigurations": {"infrastructureConfigurationSummaryList": [
                {"arn": config}, {"name": "no arn"}]}}),
            "accounts[0].regions[0].ListInfrastructureConfigurations.infrastructureConfigurationSummaryList[1]",
            "arn",
        ),
        (
            json!({"DescribeVpcAttribute": [{"EnableDnsHostnames": {"Value": true}}]}),
            "accounts[0].regions[0].DescribeVpcAttribute[0]",
            "VpcId",
        ),
        (
            json!({"GetInfrastructureConfiguration": [
                {"infrastructureConfiguration": {"name": "no arn"}}]}),
            "accounts[0].regions[0].GetInfrastructureConfiguration[0]",
            "arn",
        ),
    ] {
        let err = from_slice(&snapshot(region.clone()), Path::new("s.json")).unwrap_err();
        assert!(matches!(err, LoadError::Data { .. }), "{region}: {err}");
        let text = err.to_string();
        assert!(text.contains(path), "{region}: {text}");
        assert!(
            text.contains(&format!("missing field `{field}`")),
            "{region}: {text}"
        );
    }
}

#[test]
fn the_rest_of_the_demo_reads_as_before() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/snapshot.json");
    let text = std::fs::read(&path).unwrap();
    let demo = from_slice(&text, &path).unwrap();
    let mut doc: Value = serde_json::from_slice(&text).unwrap();
    let eps = &mut doc["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"];
    let id = eps[1]["VpcEndpointId"].as_str().unwrap().to_string();
    eps[1].as_object_mut().unwrap().remove("VpcEndpointType");
    let changed = from_slice(&serde_json::to_vec_pretty(&doc).unwrap(), &path)
        .unwrap_or_else(|e| panic!("{e}"));

    // Everything but that endpoint, and the error naming it.
    let mut expected = demo.clone();
    let region = &mut expected.accounts[0].regions[0];
    region
        .describe_vpc_endpoints
        .as_mut()
        .unwrap()
        .value_mut()
        .vpc_endpoints
        .retain(|e| e.vpc_endpoint_id != id);
    region.errors.push(left_out(
        "DescribeVpcEndpoints",
        &id,
        "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no VpcEndpointType field",
    ));
    // And what is known of it, for the rules to tell what it could be.
    region.left_out.push(ibaudit_snapshot::LeftOut {
        operation: ibaudit_snapshot::Operation::DescribeVpcEndpoints,
        resource: id.clone(),
        vpc_id: Some("vpc-01f2e3d4c5b6a0001".into()),
        service_name: Some("com.amazonaws.us-east-1.s3".into()),
    });
    assert_eq!(changed, expected);
}

#[test]
fn a_kept_response_keeps_the_resource_and_is_recorded_once() {
    let text = snapshot(json!({"DescribeVpcEndpoints": {"VpcEndpoints": [
        endpoint("vpce-1"), without(endpoint("vpce-2"), "VpcEndpointType")
    ]}}));
    let first = from_slice_keeping(&text, Path::new("k.json")).unwrap_or_else(|e| panic!("{e}"));
    let r = &first.accounts[0].regions[0];
    assert_eq!(ids(r), ["vpce-1"]);
    assert_eq!(r.errors.len(), 1);
    // What AWS sent is written back whole, the error beside it; read again,
    // the error is not recorded twice.
    let written = json_pretty(&first).unwrap();
    assert!(written.contains("vpce-2"), "{written}");
    let second = from_slice_keeping(written.as_bytes(), Path::new("k2.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.accounts[0].regions[0].errors, r.errors);
    let typed = from_slice(written.as_bytes(), Path::new("k3.json")).unwrap();
    assert_eq!(typed.accounts[0].regions[0].errors, r.errors);
}

#[test]
fn malformed_fields_still_refuse_the_snapshot_with_their_path_and_position() {
    for (value, says) in [
        (json!(5), "invalid type: integer `5`, expected a string"),
        (Value::Null, "invalid type: null, expected a string"),
    ] {
        let mut e = endpoint("vpce-2");
        e["VpcEndpointType"] = value;
        let text =
            snapshot(json!({"DescribeVpcEndpoints": {"VpcEndpoints": [endpoint("vpce-1"), e]}}));
        match from_slice(&text, Path::new("m.json")) {
            Err(LoadError::Data {
                json_path,
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!(
                    json_path,
                    "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[1].VpcEndpointType"
                );
                assert!(message.contains(says), "{message}");
                let at = String::from_utf8_lossy(&text)
                    .lines()
                    .nth(line - 1)
                    .unwrap()
                    .to_string();
                assert!(at.contains("\"VpcEndpointType\""), "line {line}: {at}");
                assert!(column > 0);
            }
            other => panic!("{other:?}"),
        }
    }
    // Broken JSON inside an endpoint.
    let text = br#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z", "accounts": [{"account_id": "111122223333", "regions": [{"region": "us-east-1",
"DescribeVpcEndpoints": {"VpcEndpoints": [{"VpcEndpointId": "vpce-1" "VpcId": "vpc-1"}]}}]}]}"#;
    match from_slice(text, Path::new("b.json")) {
        Err(LoadError::Syntax { line, column, .. }) => assert_eq!((line, column), (2, 70)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn outside_a_snapshot_a_missing_field_is_still_an_error() {
    // The collector reads each AWS response through `Response::from_json`
    // and records one that does not read as the model.
    let e = Response::<DescribeVpcEndpointsResponse>::from_json(json!({"VpcEndpoints": [
        {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1"}
    ]}))
    .unwrap_err();
    assert!(
        e.to_string().contains("missing field `VpcEndpointType`"),
        "{e}"
    );
    let e = Response::<Vec<VpcAttributeResponse>>::from_json(
        json!([{"EnableDnsSupport": {"Value": true}}]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("missing field `VpcId`"), "{e}");
    let e = Response::<DescribeVpcEndpointsResponse>::from_json(json!({"VpcEndpoints": [
        {"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1",
         "Groups": [{"GroupName": "g"}]}
    ]}))
    .unwrap_err();
    assert!(e.to_string().contains("missing field `GroupId`"), "{e}");
    // And so is it for a response read on its own.
    let e = serde_json::from_str::<Response<DescribeVpcEndpointsResponse>>(
        r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcId": "vpc-1"}]}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("missing field `VpcEndpointType`"),
        "{e}"
    );
}
