//! AWS SDK types to the snapshot's AWS CLI shapes: every field the SDK
//! returned, under the AWS CLI's names, enum values exactly as AWS sent them
//! (`as_str()`, so `available` stays lower case where the SDK maps it to an
//! unknown variant), and nothing AWS did not send.
//!
//! `shapes` (generated from the AWS CLI's service models and the SDK's
//! sources by `tests/harness/gen_cli_shapes.py`) writes each SDK type as the
//! JSON the AWS CLI prints; the snapshot model reads the fields it names from
//! that JSON and keeps the rest as sent. The SDK keeps a list AWS did not send
//! as `None` and one it sent empty as `Some(vec![])` (its public fields; the
//! slice accessors lose the difference), so both are written as AWS sent them.
//! The SDK cannot tell absent from empty where it makes a member required
//! (`AdvancedFieldSelector.Field`, `AdvancedEventSelector.FieldSelectors`):
//! those are always written.
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
use aws_sdk_ec2::types as ec2;
use aws_sdk_imagebuilder::types as ib;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use ibaudit_snapshot::aws::{self, Extra};
use serde_json::Value;

/// A JSON number, or `null` for a value JSON cannot hold (NaN, infinity).
#[allow(dead_code)] // for floating-point members, which the described shapes have none of today
fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A map's entries in key order, so a snapshot is the same from run to run.
fn sorted(entries: impl Iterator<Item = (String, Value)>) -> serde_json::Map<String, Value> {
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

/// The model of a resource from its full AWS CLI JSON; `minimal` when the
/// JSON lacks a field the model requires (an identifier AWS always sends),
/// which keeps what the rules read, as before, with empty identifiers.
fn model<T: serde::de::DeserializeOwned>(full: Value, minimal: impl FnOnce() -> T) -> T {
    serde_json::from_value(full).unwrap_or_else(|_| minimal())
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn o(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

fn list(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

/// VPCs and subnets carry IPv6 associations of two SDK types with the same shape.
macro_rules! ipv6_associations {
    ($list:expr) => {
        $list
            .iter()
            .map(|a| aws::Ipv6CidrBlockAssociation {
                extra: Extra::new(),
                ipv6_cidr_block: s(a.ipv6_cidr_block()),
                ipv6_cidr_block_state: a.ipv6_cidr_block_state().map(|st| aws::CidrBlockState {
                    extra: Extra::new(),
                    state: st.state().map(|x| x.as_str().to_string()),
                }),
            })
            .collect()
    };
}

pub fn vpc_endpoint(x: &ec2::VpcEndpoint) -> aws::VpcEndpoint {
    model(shapes::ec2_vpc_endpoint(x), || vpc_endpoint_minimal(x))
}

pub fn vpc(x: &ec2::Vpc) -> aws::Vpc {
    model(shapes::ec2_vpc(x), || vpc_minimal(x))
}

pub fn subnet(x: &ec2::Subnet) -> aws::Subnet {
    model(shapes::ec2_subnet(x), || subnet_minimal(x))
}

pub fn security_group(x: &ec2::SecurityGroup) -> aws::SecurityGroup {
    model(shapes::ec2_security_group(x), || security_group_minimal(x))
}

pub fn route_table(x: &ec2::RouteTable) -> aws::RouteTable {
    model(shapes::ec2_route_table(x), || route_table_minimal(x))
}

pub fn prefix_list(x: &ec2::PrefixList) -> aws::PrefixList {
    model(shapes::ec2_prefix_list(x), || prefix_list_minimal(x))
}

pub fn trail(x: &ct::Trail) -> aws::Trail {
    model(shapes::ct_trail(x), || trail_minimal(x))
}

pub fn event_selectors(x: &GetEventSelectorsOutput) -> aws::EventSelectorsResponse {
    model(shapes::ct_get_event_selectors_output(x), || {
        event_selectors_minimal(x)
    })
}

pub fn infrastructure_summary(
    x: &ib::InfrastructureConfigurationSummary,
) -> aws::InfrastructureConfigurationSummary {
    model(shapes::ib_infrastructure_configuration_summary(x), || {
        infrastructure_summary_minimal(x)
    })
}

pub fn infrastructure_configuration(
    x: &ib::InfrastructureConfiguration,
) -> aws::InfrastructureConfiguration {
    model(shapes::ib_infrastructure_configuration(x), || {
        infrastructure_configuration_minimal(x)
    })
}

pub fn trail_status(x: &GetTrailStatusOutput) -> aws::TrailStatus {
    model(shapes::ct_get_trail_status_output(x), || aws::TrailStatus {
        is_logging: x.is_logging(),
        extra: Extra::new(),
    })
}

fn vpc_endpoint_minimal(e: &ec2::VpcEndpoint) -> aws::VpcEndpoint {
    aws::VpcEndpoint {
        extra: Extra::new(),
        vpc_endpoint_id: s(e.vpc_endpoint_id()),
        vpc_endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        vpc_id: s(e.vpc_id()),
        service_name: o(e.service_name()),
        state: e.state().map(|x| x.as_str().to_string()),
        policy_document: o(e.policy_document()),
        route_table_ids: e.route_table_ids().to_vec().into(),
        subnet_ids: e.subnet_ids().to_vec().into(),
        groups: e
            .groups()
            .iter()
            .map(|g| aws::SecurityGroupIdentifier {
                extra: Extra::new(),
                group_id: s(g.group_id()),
                group_name: o(g.group_name()),
            })
            .collect(),
        private_dns_enabled: e.private_dns_enabled(),
        requester_managed: e.requester_managed(),
        network_interface_ids: e.network_interface_ids().to_vec().into(),
        dns_entries: e
            .dns_entries()
            .iter()
            .map(|d| aws::DnsEntry {
                extra: Extra::new(),
                dns_name: o(d.dns_name()),
                hosted_zone_id: o(d.hosted_zone_id()),
            })
            .collect(),
        creation_timestamp: e
            .creation_timestamp()
            .and_then(|t| t.fmt(Format::DateTime).ok())
            .map(aws::Timestamp::from),
        tags: e
            .tags()
            .iter()
            .map(|t| aws::Tag {
                key: s(t.key()),
                value: o(t.value()),
            })
            .collect(),
        owner_id: o(e.owner_id()),
    }
}

fn vpc_minimal(v: &ec2::Vpc) -> aws::Vpc {
    aws::Vpc {
        extra: Extra::new(),
        vpc_id: s(v.vpc_id()),
        cidr_block: o(v.cidr_block()),
        cidr_block_association_set: v
            .cidr_block_association_set()
            .iter()
            .map(|a| aws::CidrBlockAssociation {
                extra: Extra::new(),
                cidr_block: s(a.cidr_block()),
                cidr_block_state: a.cidr_block_state().map(|st| aws::CidrBlockState {
                    extra: Extra::new(),
                    state: st.state().map(|x| x.as_str().to_string()),
                }),
            })
            .collect(),
        ipv6_cidr_block_association_set: ipv6_associations!(v.ipv6_cidr_block_association_set()),
        is_default: v.is_default(),
        owner_id: o(v.owner_id()),
    }
}

fn subnet_minimal(x: &ec2::Subnet) -> aws::Subnet {
    aws::Subnet {
        extra: Extra::new(),
        subnet_id: s(x.subnet_id()),
        vpc_id: s(x.vpc_id()),
        availability_zone: o(x.availability_zone()),
        availability_zone_id: o(x.availability_zone_id()),
        cidr_block: o(x.cidr_block()),
        ipv6_cidr_block_association_set: ipv6_associations!(x.ipv6_cidr_block_association_set()),
    }
}

fn security_group_minimal(g: &ec2::SecurityGroup) -> aws::SecurityGroup {
    aws::SecurityGroup {
        extra: Extra::new(),
        group_id: s(g.group_id()),
        group_name: o(g.group_name()),
        vpc_id: o(g.vpc_id()),
        ip_permissions: g
            .ip_permissions()
            .iter()
            .map(|p| aws::IpPermission {
                extra: Extra::new(),
                ip_protocol: s(p.ip_protocol()),
                from_port: p.from_port(),
                to_port: p.to_port(),
                ip_ranges: p
                    .ip_ranges()
                    .iter()
                    .map(|r| aws::IpRange {
                        extra: Extra::new(),
                        cidr_ip: s(r.cidr_ip()),
                    })
                    .collect(),
                ipv6_ranges: p
                    .ipv6_ranges()
                    .iter()
                    .map(|r| aws::Ipv6Range {
                        extra: Extra::new(),
                        cidr_ipv6: s(r.cidr_ipv6()),
                    })
                    .collect(),
                prefix_list_ids: p
                    .prefix_list_ids()
                    .iter()
                    .map(|r| aws::PrefixListId {
                        extra: Extra::new(),
                        prefix_list_id: s(r.prefix_list_id()),
                    })
                    .collect(),
                user_id_group_pairs: p
                    .user_id_group_pairs()
                    .iter()
                    .map(|r| aws::UserIdGroupPair {
                        extra: Extra::new(),
                        group_id: o(r.group_id()),
                        user_id: o(r.user_id()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn route_table_minimal(t: &ec2::RouteTable) -> aws::RouteTable {
    aws::RouteTable {
        extra: Extra::new(),
        route_table_id: s(t.route_table_id()),
        vpc_id: s(t.vpc_id()),
        associations: t
            .associations()
            .iter()
            .map(|a| aws::RouteTableAssociation {
                extra: Extra::new(),
                main: a.main(),
                subnet_id: o(a.subnet_id()),
                gateway_id: o(a.gateway_id()),
                route_table_association_id: o(a.route_table_association_id()),
            })
            .collect(),
        routes: t
            .routes()
            .iter()
            .map(|r| aws::Route {
                extra: Extra::new(),
                destination_cidr_block: o(r.destination_cidr_block()),
                destination_ipv6_cidr_block: o(r.destination_ipv6_cidr_block()),
                destination_prefix_list_id: o(r.destination_prefix_list_id()),
                gateway_id: o(r.gateway_id()),
                nat_gateway_id: o(r.nat_gateway_id()),
                transit_gateway_id: o(r.transit_gateway_id()),
                egress_only_internet_gateway_id: o(r.egress_only_internet_gateway_id()),
                network_interface_id: o(r.network_interface_id()),
                instance_id: o(r.instance_id()),
                vpc_peering_connection_id: o(r.vpc_peering_connection_id()),
                carrier_gateway_id: o(r.carrier_gateway_id()),
                local_gateway_id: o(r.local_gateway_id()),
                core_network_arn: o(r.core_network_arn()),
                state: r.state().map(|x| x.as_str().to_string()),
                origin: r.origin().map(|x| x.as_str().to_string()),
            })
            .collect(),
    }
}

fn prefix_list_minimal(p: &ec2::PrefixList) -> aws::PrefixList {
    aws::PrefixList {
        extra: Extra::new(),
        prefix_list_id: s(p.prefix_list_id()),
        prefix_list_name: s(p.prefix_list_name()),
        cidrs: p.cidrs().to_vec().into(),
    }
}

fn trail_minimal(t: &ct::Trail) -> aws::Trail {
    aws::Trail {
        extra: Extra::new(),
        name: s(t.name()),
        trail_arn: s(t.trail_arn()),
        home_region: o(t.home_region()),
        is_multi_region_trail: t.is_multi_region_trail(),
        is_organization_trail: t.is_organization_trail(),
        s3_bucket_name: o(t.s3_bucket_name()),
    }
}

fn event_selectors_minimal(e: &GetEventSelectorsOutput) -> aws::EventSelectorsResponse {
    aws::EventSelectorsResponse {
        extra: Extra::new(),
        trail_arn: o(e.trail_arn()),
        event_selectors: (!e.event_selectors().is_empty()).then(|| {
            e.event_selectors()
                .iter()
                .map(|x| aws::EventSelector {
                    extra: Extra::new(),
                    read_write_type: x.read_write_type().map(|t| t.as_str().to_string()),
                    include_management_events: x.include_management_events(),
                    exclude_management_event_sources: list(x.exclude_management_event_sources()),
                })
                .collect()
        }),
        advanced_event_selectors: (!e.advanced_event_selectors().is_empty()).then(|| {
            e.advanced_event_selectors()
                .iter()
                .map(|x| aws::AdvancedEventSelector {
                    extra: Extra::new(),
                    name: o(x.name()),
                    field_selectors: x
                        .field_selectors()
                        .iter()
                        .map(|f| aws::AdvancedFieldSelector {
                            extra: Extra::new(),
                            field: f.field().to_string(),
                            equals: list(f.equals()),
                            not_equals: list(f.not_equals()),
                            starts_with: list(f.starts_with()),
                            not_starts_with: list(f.not_starts_with()),
                            ends_with: list(f.ends_with()),
                            not_ends_with: list(f.not_ends_with()),
                        })
                        .collect(),
                })
                .collect()
        }),
    }
}

fn infrastructure_summary_minimal(
    x: &ib::InfrastructureConfigurationSummary,
) -> aws::InfrastructureConfigurationSummary {
    aws::InfrastructureConfigurationSummary {
        extra: Extra::new(),
        arn: s(x.arn()),
        name: o(x.name()),
    }
}

fn infrastructure_configuration_minimal(
    x: &ib::InfrastructureConfiguration,
) -> aws::InfrastructureConfiguration {
    aws::InfrastructureConfiguration {
        extra: Extra::new(),
        arn: s(x.arn()),
        name: o(x.name()),
        subnet_id: o(x.subnet_id()),
        security_group_ids: x.security_group_ids().to_vec().into(),
    }
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
        let json = serde_json::to_value(vpc_endpoint(&e)).unwrap();
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
        let json = serde_json::to_value(event_selectors(&out)).unwrap();
        assert_eq!(json["EventSelectors"], serde_json::json!([]));
        assert!(json.get("AdvancedEventSelectors").is_none(), "{json}");
    }
}
