//! AWS SDK types to the JSON the AWS CLI prints for them: every field the
//! SDK returned, under the AWS CLI's names, enum values exactly as AWS sent
//! them (`as_str()`, so `available` stays lower case where the SDK maps it to
//! an unknown variant), and nothing AWS did not send.
//!
//! `shapes` (generated from the AWS CLI's service models and the SDK's
//! sources by `tests/harness/gen_cli_shapes.py`) writes each SDK type as the
//! JSON the AWS CLI prints. The region collector assembles each operation's
//! response from it and keeps that JSON whole beside the typed model the rules
//! read ([`ibaudit_snapshot::Response`]). The SDK keeps a list AWS did not
//! send as `None` and one it sent empty as `Some(vec![])` (its public fields;
//! the slice accessors lose the difference), so both are written as AWS sent
//! them. The SDK cannot tell absent from empty where it makes a member
//! required (`AdvancedFieldSelector.Field`,
//! `AdvancedEventSelector.FieldSelectors`): those are always written.
//!
//! Timestamps are written as the AWS CLI (v1, the `awscli` package) prints
//! them by default, which is the value the service sent: EC2's XML
//! timestamps as ISO 8601 with milliseconds (`2026-01-10T12:00:44.000Z`),
//! CloudTrail's JSON timestamps as epoch seconds (`1454022144.869`).

#[allow(clippy::all, clippy::pedantic, unused_parens, deprecated)]
#[rustfmt::skip]
mod shapes;

use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types as ct;
use aws_sdk_ec2::operation::describe_vpc_attribute::DescribeVpcAttributeOutput;
use aws_sdk_ec2::types as ec2;
use aws_sdk_imagebuilder::types as ib;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// A map's entries in key order, so a snapshot is the same from run to run.
fn sorted(entries: impl Iterator<Item = (String, Value)>) -> Map<String, Value> {
    let mut v: Vec<(String, Value)> = entries.collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.into_iter().collect()
}

/// An EC2 (XML) timestamp as EC2 sends it and the AWS CLI prints it:
/// ISO 8601 in UTC with milliseconds (`2017-09-05T17:55:27.583Z` in the
/// EC2 API reference's examples).
fn ts_iso(t: &DateTime) -> Value {
    let whole = DateTime::from_secs(t.secs())
        .fmt(Format::DateTime)
        .unwrap_or_default();
    let base = whole.trim_end_matches('Z');
    Value::String(format!("{base}.{:03}Z", t.subsec_nanos() / 1_000_000))
}

/// A JSON-protocol timestamp as the service sends it and the AWS CLI prints
/// it: epoch seconds, a JSON number (`"LatestDeliveryTime": 1454022144.869`
/// in the CLI's get-trail-status example), to the microsecond the SDK keeps.
fn ts_epoch(t: &DateTime) -> Value {
    let micros = (t.subsec_nanos() + 500) / 1_000;
    let (secs, micros) = if micros == 1_000_000 {
        (t.secs() + 1, 0)
    } else {
        (t.secs(), micros)
    };
    if micros == 0 {
        return Value::from(secs);
    }
    let text = format!("{secs}.{micros:06}");
    serde_json::from_str::<serde_json::Number>(text.trim_end_matches('0'))
        .map_or(Value::Null, Value::Number)
}

/// A response holding one list under its AWS CLI key (`{"Vpcs": [...]}`):
/// the pages of a paginated call, or the chunks of a filtered one, joined.
pub fn list_response(key: &str, items: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), Value::Array(items));
    Value::Object(m)
}

pub fn vpc_endpoint(x: &ec2::VpcEndpoint) -> Value {
    shapes::ec2_vpc_endpoint(x)
}

pub fn vpc(x: &ec2::Vpc) -> Value {
    shapes::ec2_vpc(x)
}

pub fn subnet(x: &ec2::Subnet) -> Value {
    shapes::ec2_subnet(x)
}

pub fn security_group(x: &ec2::SecurityGroup) -> Value {
    shapes::ec2_security_group(x)
}

pub fn route_table(x: &ec2::RouteTable) -> Value {
    shapes::ec2_route_table(x)
}

pub fn prefix_list(x: &ec2::PrefixList) -> Value {
    shapes::ec2_prefix_list(x)
}

pub fn trail(x: &ct::Trail) -> Value {
    shapes::ct_trail(x)
}

pub fn trail_status(x: &GetTrailStatusOutput) -> Value {
    shapes::ct_get_trail_status_output(x)
}

pub fn event_selectors(x: &GetEventSelectorsOutput) -> Value {
    shapes::ct_get_event_selectors_output(x)
}

pub fn infrastructure_summary(x: &ib::InfrastructureConfigurationSummary) -> Value {
    shapes::ib_infrastructure_configuration_summary(x)
}

/// A GetInfrastructureConfiguration response without its `requestId` (the
/// call's, not the configuration's: "The request ID that uniquely identifies
/// this request", Image Builder API reference).
pub fn get_infrastructure_configuration(x: &ib::InfrastructureConfiguration) -> Value {
    let mut m = Map::new();
    m.insert(
        "infrastructureConfiguration".into(),
        shapes::ib_infrastructure_configuration(x),
    );
    Value::Object(m)
}

/// A DescribeVpcAttribute response: `VpcId` and the attribute asked for, as
/// `{"Value": bool}` (EC2 API reference, DescribeVpcAttribute,
/// AttributeBooleanValue). `vpc` stands in for a `VpcId` AWS left out.
pub fn vpc_attribute(x: &DescribeVpcAttributeOutput, vpc: &str) -> Value {
    let mut m = Map::new();
    m.insert(
        "VpcId".into(),
        Value::from(x.vpc_id.as_deref().unwrap_or(vpc)),
    );
    for (key, attr) in [
        ("EnableDnsHostnames", &x.enable_dns_hostnames),
        ("EnableDnsSupport", &x.enable_dns_support),
        (
            "EnableNetworkAddressUsageMetrics",
            &x.enable_network_address_usage_metrics,
        ),
    ] {
        if let Some(a) = attr {
            let mut v = Map::new();
            if let Some(b) = a.value {
                v.insert("Value".into(), Value::Bool(b));
            }
            m.insert(key.into(), Value::Object(v));
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_timestamps_keep_their_milliseconds() {
        // "2017-09-05T17:55:27.583Z" (EC2 API reference examples).
        let t = DateTime::from_secs_and_nanos(1_504_634_127, 583_000_000);
        assert_eq!(ts_iso(&t), "2017-09-05T17:55:27.583Z");
        let whole = DateTime::from_secs(1_768_046_444);
        assert_eq!(ts_iso(&whole), "2026-01-10T12:00:44.000Z");
    }

    #[test]
    fn json_timestamps_are_epoch_seconds_as_sent() {
        // "LatestDeliveryTime": 1454022144.869 (the CLI's get-trail-status example).
        let t = DateTime::from_secs_f64(1_454_022_144.869);
        assert_eq!(ts_epoch(&t).to_string(), "1454022144.869");
        assert_eq!(
            ts_epoch(&DateTime::from_secs(1_454_022_144)).to_string(),
            "1454022144"
        );
    }

    #[test]
    fn lists_keep_absent_apart_from_empty_and_unnamed_fields_are_kept() {
        let mut e = ec2::VpcEndpoint::builder()
            .vpc_endpoint_id("vpce-1")
            .vpc_endpoint_type(ec2::VpcEndpointType::Resource)
            .vpc_id("vpc-1")
            .ip_address_type(ec2::IpAddressType::Dualstack)
            .dns_options(
                ec2::DnsOptions::builder()
                    .dns_record_ip_type(ec2::DnsRecordIpType::Dualstack)
                    .build(),
            )
            .build();
        e.route_table_ids = Some(vec![]);
        let json = vpc_endpoint(&e);
        assert_eq!(json["RouteTableIds"], serde_json::json!([]));
        for absent in [
            "ServiceName",
            "SubnetIds",
            "NetworkInterfaceIds",
            "DnsEntries",
            "Tags",
        ] {
            assert!(json.get(absent).is_none(), "{absent} invented: {json}");
        }
        assert_eq!(json["IpAddressType"], "dualstack");
        assert_eq!(json["DnsOptions"]["DnsRecordIpType"], "dualstack");
    }

    #[test]
    fn an_empty_selector_list_aws_sent_stays() {
        let out = GetEventSelectorsOutput::builder()
            .trail_arn("arn:aws:cloudtrail:us-east-1:111122223333:trail/t")
            .set_event_selectors(Some(vec![]))
            .build();
        let json = event_selectors(&out);
        assert_eq!(json["EventSelectors"], serde_json::json!([]));
        assert!(json.get("AdvancedEventSelectors").is_none(), "{json}");
    }
}
