//! Data-perimeter endpoint policies depend on the customer's organization:
//! without its id IB010 and IB013 cannot prove anything ("cannot prove", the
//! undetermined severity), with it (from the snapshot's `organization` block
//! or the configuration's `organization_id`) they give a definite answer.

use ibaudit_rules::{audit, AuditOptions, Config, Date, Finding, Severity};
use ibaudit_snapshot::{Organization, Snapshot};
use serde_json::Value;

const ORG: &str = "o-a1b2c3d4e5";
const S3_ENDPOINT: &str = "vpce-0a1b2c3d4e5f60002";
const IMAGEBUILDER_ENDPOINT: &str = "vpce-0a1b2c3d4e5f60001";

/// AWS's data-perimeter pattern on the S3 endpoint: deny what does not come
/// through an endpoint of the organization (aws:VpceOrgID, "the identifier of
/// the organization in AWS Organizations that owns the VPC endpoint from
/// which the request was made").
const VPCE_ORG_PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
  {"Sid":"DenyOutsideOrgEndpoints","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
   "Condition":{"StringNotEqualsIfExists":{"aws:VpceOrgID":"o-a1b2c3d4e5"}}}]}"#;

/// An identity perimeter on the Image Builder endpoint: only the
/// organization's principals.
const PRINCIPAL_ORG_PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AllowOrgPrincipals","Effect":"Allow","Principal":"*","Action":"*","Resource":"*",
   "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}"#;

/// The account (an Image Builder VPC with an S3 gateway endpoint) with
/// `policy` on endpoint `endpoint`.
fn snapshot(endpoint: &str, policy: &str) -> Snapshot {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/s3-endpoint-account.json"
    );
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let endpoints = doc["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"]
        .as_array_mut()
        .unwrap();
    let ep = endpoints
        .iter_mut()
        .find(|e| e["VpcEndpointId"] == endpoint)
        .unwrap();
    ep["PolicyDocument"] = Value::String(policy.to_string());
    serde_json::from_value(doc).unwrap()
}

fn run(snapshot: &Snapshot, config_org: Option<&str>, rule: &str) -> Vec<Finding> {
    let options = AuditOptions {
        config: Config {
            organization_id: config_org.map(str::to_string),
            ..Config::default()
        },
        environments: Vec::new(),
        today: Date::parse("2026-11-29").unwrap(),
    };
    audit(snapshot, &options)
        .findings
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

fn with_org(mut s: Snapshot, id: &str) -> Snapshot {
    s.organization = Some(Organization {
        id: id.to_string(),
        management_account_id: "999988887777".into(),
        extra: Default::default(),
    });
    s
}

#[test]
fn ib010_vpce_org_perimeter_cannot_be_proved_without_the_organization() {
    let s = snapshot(S3_ENDPOINT, VPCE_ORG_PERIMETER);
    let findings = run(&s, None, "IB010");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Medium);
    assert_eq!(findings[0].resource_id, S3_ENDPOINT);
    assert!(
        findings[0].message.starts_with("cannot prove")
            && findings[0].message.contains("aws:vpceorgid"),
        "{}",
        findings[0].message
    );
}

#[test]
fn ib010_vpce_org_perimeter_passes_with_the_organization_from_the_snapshot() {
    let s = with_org(snapshot(S3_ENDPOINT, VPCE_ORG_PERIMETER), ORG);
    assert_eq!(run(&s, None, "IB010"), []);
}

#[test]
fn ib010_vpce_org_perimeter_passes_with_the_organization_from_the_configuration() {
    let s = snapshot(S3_ENDPOINT, VPCE_ORG_PERIMETER);
    assert_eq!(run(&s, Some(ORG), "IB010"), []);
}

#[test]
fn ib010_the_snapshot_organization_wins_over_the_configuration() {
    // The snapshot says the account is in another organization: the Deny applies.
    let s = with_org(snapshot(S3_ENDPOINT, VPCE_ORG_PERIMETER), "o-zzzzzzzzzz");
    let findings = run(&s, Some(ORG), "IB010");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::High);
    assert!(
        findings[0]
            .message
            .contains("Statement[1] (Sid \"DenyOutsideOrgEndpoints\") explicitly denies"),
        "{}",
        findings[0].message
    );
}

#[test]
fn ib013_principal_org_perimeter_depends_on_the_organization() {
    let s = snapshot(IMAGEBUILDER_ENDPOINT, PRINCIPAL_ORG_PERIMETER);
    let findings = run(&s, None, "IB013");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Low);
    assert!(
        findings[0].message.contains("aws:principalorgid"),
        "{}",
        findings[0].message
    );
    assert_eq!(run(&with_org(s.clone(), ORG), None, "IB013"), []);
    assert_eq!(
        run(&with_org(s, "o-zzzzzzzzzz"), None, "IB013")[0].severity,
        Severity::Medium
    );
}

#[test]
fn a_misspelt_global_key_is_cannot_prove_not_a_block() {
    let policy = VPCE_ORG_PERIMETER.replace("aws:VpceOrgID", "aws:VpceOrgId5");
    let s = with_org(snapshot(S3_ENDPOINT, &policy), ORG);
    let findings = run(&s, None, "IB010");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Medium);
    assert!(
        findings[0].message.ends_with(
            "depends on aws:vpceorgid5 (not an IAM global condition key; did you mean aws:VpceOrgID?)"
        ),
        "{}",
        findings[0].message
    );
}

#[test]
fn the_snapshot_organization_block_is_read_written_and_checked() {
    let base = |org: &str| {
        format!(
            r#"{{"ibaudit_snapshot":1,"collected_at":"2026-11-29T07:00:00Z","accounts":[],"organization":{org}}}"#
        )
    };
    let path = std::path::Path::new("org.json");
    let s = ibaudit_snapshot::from_slice(
        base(r#"{"id":"o-a1b2c3d4e5","management_account_id":"999988887777"}"#).as_bytes(),
        path,
    )
    .unwrap();
    let org = s.organization.clone().unwrap();
    assert_eq!(org.id, ORG);
    assert_eq!(org.management_account_id, "999988887777");
    assert!(!s.extra.contains_key("organization"));
    let text = serde_json::to_string(&s).unwrap();
    assert!(
        text.contains(
            r#""organization":{"id":"o-a1b2c3d4e5","management_account_id":"999988887777"}"#
        ),
        "{text}"
    );
    for bad in [
        r#"{"id":"a1b2c3d4e5"}"#,
        r#"{"id":"o-A1B2C3D4E5"}"#,
        r#"{"id":"o-a1b2c3d4e5","management_account_id":"12"}"#,
        r#"{"management_account_id":"999988887777"}"#,
    ] {
        let err = ibaudit_snapshot::from_slice(base(bad).as_bytes(), path).unwrap_err();
        assert!(err.to_string().contains("organization"), "{bad}: {err}");
    }
}

/// A Deny on one network key, everything else allowed.
fn network_deny(operator: &str, key: &str, value: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},
  {{"Sid":"DenyOutside","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
   "Condition":{{"{operator}":{{"{key}":"{value}"}}}}}}]}}"#
    )
}

#[test]
fn ib010_network_keys_are_the_audited_accounts_endpoint_and_vpc() {
    let decided = |policy: String| {
        run(&snapshot(S3_ENDPOINT, &policy), None, "IB010")
            .into_iter()
            .map(|f| f.severity)
            .collect::<Vec<_>>()
    };
    // aws:VpceAccount: "the AWS account ID that owns the VPC endpoint".
    assert_eq!(
        decided(network_deny(
            "StringNotEquals",
            "aws:VpceAccount",
            "111122223333"
        )),
        []
    );
    assert_eq!(
        decided(network_deny(
            "StringNotEquals",
            "aws:VpceAccount",
            "444455556666"
        )),
        [Severity::High]
    );
    // aws:SourceVpcArn: "the ARN of the VPC to which the VPC endpoint is attached".
    assert_eq!(
        decided(network_deny(
            "ArnNotLike",
            "aws:SourceVpcArn",
            "arn:aws:ec2:us-east-1:*:vpc/vpc-01f2e3d4c5b6a0001"
        )),
        []
    );
    assert_eq!(
        decided(network_deny(
            "ArnNotLike",
            "aws:SourceVpcArn",
            "arn:aws:ec2:eu-west-1:*:vpc/vpc-01f2e3d4c5b6a0001"
        )),
        [Severity::High]
    );
    // aws:VpceOrgPaths: the organization's paths are not in the snapshot.
    assert_eq!(
        decided(network_deny(
            "ForAnyValue:StringNotLike",
            "aws:VpceOrgPaths",
            "o-a1b2c3d4e5/*"
        )),
        [Severity::Medium]
    );
}
