//! AWS SDK types to the snapshot's AWS CLI shapes: same field names, enum
//! values exactly as AWS sent them (`as_str()`, so `available` stays
//! lower case where the SDK maps it to an unknown variant).

use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::types as ct;
use aws_sdk_ec2::types as ec2;
use aws_sdk_imagebuilder::types as ib;
use aws_smithy_types::date_time::Format;
use ibaudit_snapshot::aws;

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
                ipv6_cidr_block: s(a.ipv6_cidr_block()),
                ipv6_cidr_block_state: a.ipv6_cidr_block_state().map(|st| aws::CidrBlockState {
                    state: st.state().map(|x| x.as_str().to_string()),
                }),
            })
            .collect()
    };
}

pub fn vpc_endpoint(e: &ec2::VpcEndpoint) -> aws::VpcEndpoint {
    aws::VpcEndpoint {
        vpc_endpoint_id: s(e.vpc_endpoint_id()),
        vpc_endpoint_type: e
            .vpc_endpoint_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        vpc_id: s(e.vpc_id()),
        service_name: o(e.service_name()),
        state: e.state().map(|x| x.as_str().to_string()),
        policy_document: o(e.policy_document()),
        route_table_ids: e.route_table_ids().to_vec(),
        subnet_ids: e.subnet_ids().to_vec(),
        groups: e
            .groups()
            .iter()
            .map(|g| aws::SecurityGroupIdentifier {
                group_id: s(g.group_id()),
                group_name: o(g.group_name()),
            })
            .collect(),
        private_dns_enabled: e.private_dns_enabled(),
        requester_managed: e.requester_managed(),
        network_interface_ids: e.network_interface_ids().to_vec(),
        dns_entries: e
            .dns_entries()
            .iter()
            .map(|d| aws::DnsEntry {
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
                value: s(t.value()),
            })
            .collect(),
        owner_id: o(e.owner_id()),
    }
}

pub fn vpc(v: &ec2::Vpc) -> aws::Vpc {
    aws::Vpc {
        vpc_id: s(v.vpc_id()),
        cidr_block: o(v.cidr_block()),
        cidr_block_association_set: v
            .cidr_block_association_set()
            .iter()
            .map(|a| aws::CidrBlockAssociation {
                cidr_block: s(a.cidr_block()),
                cidr_block_state: a.cidr_block_state().map(|st| aws::CidrBlockState {
                    state: st.state().map(|x| x.as_str().to_string()),
                }),
            })
            .collect(),
        ipv6_cidr_block_association_set: ipv6_associations!(v.ipv6_cidr_block_association_set()),
        is_default: v.is_default(),
        owner_id: o(v.owner_id()),
    }
}

pub fn subnet(x: &ec2::Subnet) -> aws::Subnet {
    aws::Subnet {
        subnet_id: s(x.subnet_id()),
        vpc_id: s(x.vpc_id()),
        availability_zone: o(x.availability_zone()),
        availability_zone_id: o(x.availability_zone_id()),
        cidr_block: o(x.cidr_block()),
        ipv6_cidr_block_association_set: ipv6_associations!(x.ipv6_cidr_block_association_set()),
    }
}

pub fn security_group(g: &ec2::SecurityGroup) -> aws::SecurityGroup {
    aws::SecurityGroup {
        group_id: s(g.group_id()),
        group_name: o(g.group_name()),
        vpc_id: o(g.vpc_id()),
        ip_permissions: g
            .ip_permissions()
            .iter()
            .map(|p| aws::IpPermission {
                ip_protocol: s(p.ip_protocol()),
                from_port: p.from_port(),
                to_port: p.to_port(),
                ip_ranges: p
                    .ip_ranges()
                    .iter()
                    .map(|r| aws::IpRange {
                        cidr_ip: s(r.cidr_ip()),
                    })
                    .collect(),
                ipv6_ranges: p
                    .ipv6_ranges()
                    .iter()
                    .map(|r| aws::Ipv6Range {
                        cidr_ipv6: s(r.cidr_ipv6()),
                    })
                    .collect(),
                prefix_list_ids: p
                    .prefix_list_ids()
                    .iter()
                    .map(|r| aws::PrefixListId {
                        prefix_list_id: s(r.prefix_list_id()),
                    })
                    .collect(),
                user_id_group_pairs: p
                    .user_id_group_pairs()
                    .iter()
                    .map(|r| aws::UserIdGroupPair {
                        group_id: o(r.group_id()),
                        user_id: o(r.user_id()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn route_table(t: &ec2::RouteTable) -> aws::RouteTable {
    aws::RouteTable {
        route_table_id: s(t.route_table_id()),
        vpc_id: s(t.vpc_id()),
        associations: t
            .associations()
            .iter()
            .map(|a| aws::RouteTableAssociation {
                main: a.main().unwrap_or(false),
                subnet_id: o(a.subnet_id()),
                gateway_id: o(a.gateway_id()),
                route_table_association_id: o(a.route_table_association_id()),
            })
            .collect(),
        routes: t
            .routes()
            .iter()
            .map(|r| aws::Route {
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

pub fn prefix_list(p: &ec2::PrefixList) -> aws::PrefixList {
    aws::PrefixList {
        prefix_list_id: s(p.prefix_list_id()),
        prefix_list_name: s(p.prefix_list_name()),
        cidrs: p.cidrs().to_vec(),
    }
}

pub fn trail(t: &ct::Trail) -> aws::Trail {
    aws::Trail {
        name: s(t.name()),
        trail_arn: s(t.trail_arn()),
        home_region: o(t.home_region()),
        is_multi_region_trail: t.is_multi_region_trail(),
        is_organization_trail: t.is_organization_trail(),
        s3_bucket_name: o(t.s3_bucket_name()),
    }
}

pub fn event_selectors(e: &GetEventSelectorsOutput) -> aws::EventSelectorsResponse {
    aws::EventSelectorsResponse {
        trail_arn: o(e.trail_arn()),
        event_selectors: (!e.event_selectors().is_empty()).then(|| {
            e.event_selectors()
                .iter()
                .map(|x| aws::EventSelector {
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
                    name: o(x.name()),
                    field_selectors: x
                        .field_selectors()
                        .iter()
                        .map(|f| aws::AdvancedFieldSelector {
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

pub fn infrastructure_summary(
    x: &ib::InfrastructureConfigurationSummary,
) -> aws::InfrastructureConfigurationSummary {
    aws::InfrastructureConfigurationSummary {
        arn: s(x.arn()),
        name: o(x.name()),
    }
}

pub fn infrastructure_configuration(
    x: &ib::InfrastructureConfiguration,
) -> aws::InfrastructureConfiguration {
    aws::InfrastructureConfiguration {
        arn: s(x.arn()),
        name: o(x.name()),
        subnet_id: o(x.subnet_id()),
        security_group_ids: x.security_group_ids().to_vec(),
    }
}
