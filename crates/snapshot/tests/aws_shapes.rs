//! Every shape AWS documents for the operations a snapshot holds reads
//! without an input error, and reads back as written: endpoint types without
//! a service name, IP address types and DNS options, organization trails,
//! basic and advanced event selectors, AWS CLI v1 and v2 timestamps.

use std::path::{Path, PathBuf};

use ibaudit_snapshot::aws::{Timestamp, VpcEndpoint};
use ibaudit_snapshot::{from_slice, load, LoadError, Snapshot};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/aws-shapes")
}

fn fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    out
}

fn fixture(name: &str) -> Snapshot {
    load(&dir().join(format!("{name}.json"))).unwrap_or_else(|e| panic!("{e}"))
}

fn endpoints(s: &Snapshot) -> &[VpcEndpoint] {
    &s.accounts[0].regions[0]
        .describe_vpc_endpoints
        .as_ref()
        .unwrap()
        .vpc_endpoints
}

fn endpoint<'a>(s: &'a Snapshot, id: &str) -> &'a VpcEndpoint {
    endpoints(s)
        .iter()
        .find(|e| e.vpc_endpoint_id == id)
        .unwrap_or_else(|| panic!("no endpoint {id}"))
}

#[test]
fn every_documented_shape_loads_and_round_trips() {
    let files = fixtures();
    assert!(files.len() >= 20, "fixtures found: {}", files.len());
    for path in files {
        let first = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let text = serde_json::to_string_pretty(&first).unwrap();
        let second = from_slice(text.as_bytes(), &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, second, "{}", path.display());
        assert!(
            first.extra.contains_key("_source"),
            "{}: cite the AWS page the shape comes from in `_source`",
            path.display()
        );
    }
}

#[test]
fn lattice_endpoints_have_no_service_name_and_none_is_invented() {
    let s = fixture("endpoints-resource-and-service-network");
    let resource = endpoint(&s, "vpce-0a1b2c3d4e5f60011");
    let network = endpoint(&s, "vpce-0a1b2c3d4e5f60012");
    assert_eq!(resource.vpc_endpoint_type, "Resource");
    assert_eq!(network.vpc_endpoint_type, "ServiceNetwork");
    assert_eq!(resource.service_name, None);
    assert_eq!(network.service_name, None);
    let written = serde_json::to_value(resource).unwrap();
    assert!(
        written.get("ServiceName").is_none(),
        "a field AWS did not send is not written: {written}"
    );
    assert_eq!(
        endpoint(&s, "vpce-0a1b2c3d4e5f60001")
            .service_name
            .as_deref(),
        Some("com.amazonaws.us-east-1.imagebuilder")
    );
}

#[test]
fn every_endpoint_type_is_kept_as_sent() {
    let types = |name: &str| -> Vec<String> {
        endpoints(&fixture(name))
            .iter()
            .map(|e| e.vpc_endpoint_type.to_string())
            .collect()
    };
    assert!(types("endpoints-gateway-load-balancer").contains(&"GatewayLoadBalancer".into()));
    let lattice = types("endpoints-resource-and-service-network");
    assert!(lattice.contains(&"Resource".into()));
    assert!(lattice.contains(&"ServiceNetwork".into()));
}

#[test]
fn cli_v1_and_v2_timestamps_are_kept_as_written() {
    let v1 = fixture("timestamps-cli-v1");
    assert_eq!(
        endpoint(&v1, "vpce-0a1b2c3d4e5f60001").creation_timestamp,
        Some(Timestamp::Text("2017-09-05T17:55:27.583Z".into()))
    );
    assert_eq!(
        endpoint(&v1, "vpce-0a1b2c3d4e5f60002").creation_timestamp,
        Some(Timestamp::Text("2017-09-05T20:41:28Z".into()))
    );
    let v2 = fixture("timestamps-cli-v2");
    assert_eq!(
        endpoint(&v2, "vpce-0a1b2c3d4e5f60002").creation_timestamp,
        Some(Timestamp::Text("2017-09-05T17:55:27.583000+00:00".into()))
    );
}

fn with_endpoint(fields: &str) -> Vec<u8> {
    format!(
        r#"{{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
        "accounts": [{{"account_id": "111122223333", "regions": [{{"region": "us-east-1",
        "DescribeVpcEndpoints": {{"VpcEndpoints": [{{{fields}}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

#[test]
fn an_epoch_seconds_timestamp_reads_and_writes_as_a_number() {
    let bytes = with_endpoint(
        r#""VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1",
        "CreationTimestamp": 1504632927.583"#,
    );
    let s = from_slice(&bytes, Path::new("epoch.json")).unwrap_or_else(|e| panic!("{e}"));
    let ep = &endpoints(&s)[0];
    let Some(Timestamp::EpochSeconds(n)) = &ep.creation_timestamp else {
        panic!("{:?}", ep.creation_timestamp);
    };
    assert_eq!(n.as_f64(), Some(1504632927.583));
    let written = serde_json::to_value(ep).unwrap();
    assert_eq!(
        written["CreationTimestamp"],
        serde_json::json!(1504632927.583)
    );
}

#[test]
fn a_timestamp_of_another_json_type_is_an_input_error() {
    let bytes = with_endpoint(
        r#""VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1",
        "CreationTimestamp": {"at": "noon"}"#,
    );
    let err = from_slice(&bytes, Path::new("t.json")).unwrap_err();
    assert!(matches!(err, LoadError::Data { .. }), "{err}");
    assert!(err.to_string().contains("CreationTimestamp"), "{err}");
    assert!(
        err.to_string()
            .contains("a timestamp: an ISO 8601 string or epoch seconds"),
        "{err}"
    );
}

#[test]
fn fields_aws_always_sends_stay_required() {
    // Without its id, the snapshot is malformed, refused at the path.
    let err = from_slice(
        &with_endpoint(r#""VpcEndpointType": "Resource", "VpcId": "vpc-1""#),
        Path::new("m.json"),
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::Data { .. }), "{err}");
    assert!(
        err.to_string().contains("missing field `VpcEndpointId`"),
        "{err}"
    );
    // Without another, the endpoint is not assessed: left out of the model
    // and recorded, by its id, with the field it lacks.
    for (missing, fields, resource) in [
        (
            "VpcEndpointType",
            r#""VpcEndpointId": "vpce-1", "VpcId": "vpc-1""#,
            "vpce-1",
        ),
        (
            "VpcId",
            r#""VpcEndpointId": "vpce-1", "VpcEndpointType": "Resource""#,
            "vpce-1",
        ),
    ] {
        let s = from_slice(&with_endpoint(fields), Path::new("m.json"))
            .unwrap_or_else(|e| panic!("{missing}: {e}"));
        assert!(endpoints(&s).is_empty(), "{missing}");
        let errors = &s.accounts[0].regions[0].errors;
        assert_eq!(errors.len(), 1, "{missing}: {errors:?}");
        assert_eq!(errors[0].operation, "DescribeVpcEndpoints");
        assert_eq!(errors[0].code, ibaudit_snapshot::aws::FIELD_MISSING);
        assert_eq!(errors[0].resource.as_deref(), Some(resource));
        assert_eq!(
            errors[0].message,
            format!("the endpoint at DescribeVpcEndpoints.VpcEndpoints[0] has no {missing} field")
        );
    }
    // ServiceName is not one of them.
    let ok = with_endpoint(
        r#""VpcEndpointId": "vpce-1", "VpcEndpointType": "ServiceNetwork", "VpcId": "vpc-1",
        "ServiceNetworkArn": "arn:aws:vpc-lattice:us-east-1:444455556666:servicenetwork/sn-0a1b2c3d4e5f6a7b8""#,
    );
    from_slice(&ok, Path::new("ok.json")).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn basic_selector_exclusions_are_kept_even_when_empty() {
    let s = fixture("selectors-basic-write-only");
    let region = &s.accounts[0].regions[0];
    let sel = region
        .get_event_selectors
        .as_ref()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let basic = &sel.event_selectors.as_ref().unwrap()[0];
    assert_eq!(basic.exclude_management_event_sources, Some(vec![]));
    let s = fixture("selectors-basic-exclude-kms");
    let region = &s.accounts[0].regions[0];
    let sel = region
        .get_event_selectors
        .as_ref()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(
        sel.event_selectors.as_ref().unwrap()[0].exclude_management_event_sources,
        Some(vec!["kms.amazonaws.com".into()])
    );
}
