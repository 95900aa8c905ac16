//! AWS response shapes, exactly as the AWS CLI prints them with `--output json`.
//!
//! The model holds what the rules read and what a reader needs to recognise
//! the resources (their `Name` tags included); unknown fields are ignored on
//! read. Everything else AWS returned is kept as the exact JSON text of the
//! whole response beside the model ([`crate::Response`]), not in the model. A field is required only where AWS always sends it (an identifier such
//! as `VpcEndpointId`); a resource described without one is left out of the
//! model and recorded as not assessed, by its id or its position
//! ([`crate::described`]), instead of auditing something else or refusing
//! the whole snapshot; a field AWS omits for some shapes is optional, and a
//! rule that needs it reports that one resource as not assessed. Required
//! fields read through a default (`required::...`) that notes them absent:
//! these types are meant to be read within their responses, where the
//! resource lists decide; a resource type read on its own, outside any list,
//! reads a missing required field as empty.

use serde::{Deserialize, Serialize};

use crate::described::Described;
use crate::response::Model;
use crate::Operation;

pub use crate::described::FIELD_MISSING;

/// Text from AWS: identifiers, names, states, policy documents. Up to 24
/// bytes (every resource id AWS issues: `subnet-0123456789abcdef0` is 24)
/// it is held inline, with no allocation of its own; longer text is on the
/// heap as a `String` would be. Reads as a `&str`.
pub type Text = compact_str::CompactString;

/// A list read at its exact length. Read item by item, a list grows by
/// doubling, and the smallest non-empty one holds room for four: the one
/// security group of an endpoint would cost four records. Most lists in a
/// snapshot are that short, and they dominate its memory.
fn shrunk<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeVpcEndpointsResponse {
    #[serde(rename = "VpcEndpoints", deserialize_with = "crate::described::list")]
    pub vpc_endpoints: Vec<VpcEndpoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    #[serde(default = "required::vpc_endpoint_id")]
    pub vpc_endpoint_id: Text,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`, `Resource`,
    /// `ServiceNetwork`, or a type added since: kept as AWS sends it.
    #[serde(default = "required::vpc_endpoint_type")]
    pub vpc_endpoint_type: Text,
    #[serde(default = "required::vpc_id")]
    pub vpc_id: Text,
    /// Absent on `Resource` and `ServiceNetwork` endpoints, which connect to
    /// VPC Lattice instead of an endpoint service: a `Resource` endpoint names
    /// "a resource configuration that will be associated with the VPC endpoint
    /// of type resource" (`ResourceConfigurationArn`), a `ServiceNetwork`
    /// endpoint "a service network that will be associated with the VPC
    /// endpoint of type service-network" (`ServiceNetworkArn`) (EC2 API
    /// reference, CreateVpcEndpoint). The EC2 API reference marks every
    /// VpcEndpoint field "Required: No". An endpoint without a service name is
    /// not the endpoint of an AWS service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<Text>,
    /// As AWS sends it (`available`, `pendingAcceptance`, ...): compare case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Text>,
    /// The policy as the JSON string AWS returns; never re-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub route_table_ids: Vec<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub subnet_ids: Vec<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub groups: Vec<SecurityGroupIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_dns_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_managed: Option<bool>,
    #[serde(default, deserialize_with = "shrunk")]
    pub network_interface_ids: Vec<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub dns_entries: Vec<DnsEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Timestamp>,
    #[serde(default, deserialize_with = "shrunk")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Text>,
}

/// A timestamp exactly as the AWS CLI printed it. AWS CLI v2 prints ISO 8601
/// (`2026-01-10T12:00:00+00:00`, `2017-09-05T17:55:27.583000+00:00`); v1
/// prints what the service sent: ISO 8601 from EC2 (`2017-09-05T17:55:27.583Z`),
/// epoch seconds as a JSON number from JSON-protocol services such as
/// CloudTrail (`"LatestDeliveryTime": 1454022144.869` in the CLI's
/// get-trail-status example). Both are kept as written; no rule reads the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Timestamp {
    Text(String),
    EpochSeconds(serde_json::Number),
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a timestamp: an ISO 8601 string or epoch seconds")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Ok(Timestamp::Text(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                Ok(Timestamp::EpochSeconds(v.into()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp::EpochSeconds(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Timestamp, E> {
                serde_json::Number::from_f64(v)
                    .map(Timestamp::EpochSeconds)
                    .ok_or_else(|| E::custom("a timestamp must be a finite number"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl From<String> for Timestamp {
    fn from(s: String) -> Self {
        Timestamp::Text(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIdentifier {
    #[serde(default = "required::groups_group_id")]
    pub group_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DnsEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_zone_id: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    #[serde(default = "required::tags_key")]
    pub key: Text,
    #[serde(default)]
    pub value: Text,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeVpcsResponse {
    #[serde(rename = "Vpcs", deserialize_with = "crate::described::list")]
    pub vpcs: Vec<Vpc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    #[serde(default = "required::vpc_id")]
    pub vpc_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub cidr_block_association_set: Vec<CidrBlockAssociation>,
    #[serde(default, deserialize_with = "shrunk")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockAssociation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Text>,
    /// The resource's tags; reports show its `Name` tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockAssociation {
    #[serde(default = "required::cidr_block_association_cidr_block")]
    pub cidr_block: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block_state: Option<CidrBlockState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6CidrBlockAssociation {
    #[serde(default = "required::ipv6_cidr_block_association_ipv6_cidr_block")]
    pub ipv6_cidr_block: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block_state: Option<CidrBlockState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Text>,
}

/// One DescribeVpcAttribute response: the VPC id and the one attribute asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcAttributeResponse {
    #[serde(default = "required::vpc_id")]
    pub vpc_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_support: Option<AttributeBooleanValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<AttributeBooleanValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeBooleanValue {
    #[serde(default = "required::attribute_value")]
    pub value: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeSubnetsResponse {
    #[serde(rename = "Subnets", deserialize_with = "crate::described::list")]
    pub subnets: Vec<Subnet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    #[serde(default = "required::subnet_id")]
    pub subnet_id: Text,
    #[serde(default = "required::vpc_id")]
    pub vpc_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub ipv6_cidr_block_association_set: Vec<Ipv6CidrBlockAssociation>,
    /// The resource's tags; reports show its `Name` tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeSecurityGroupsResponse {
    #[serde(rename = "SecurityGroups", deserialize_with = "crate::described::list")]
    pub security_groups: Vec<SecurityGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    #[serde(default = "required::group_id")]
    pub group_id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Text>,
    /// Inbound rules.
    #[serde(default, deserialize_with = "shrunk")]
    pub ip_permissions: Vec<IpPermission>,
    /// The resource's tags; reports show its `Name` tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermission {
    /// `tcp`, `udp`, `icmp`, a protocol number such as `6`, or `-1` for all.
    #[serde(default = "required::ip_permissions_ip_protocol")]
    pub ip_protocol: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, deserialize_with = "shrunk")]
    pub ip_ranges: Vec<IpRange>,
    #[serde(default, deserialize_with = "shrunk")]
    pub ipv6_ranges: Vec<Ipv6Range>,
    #[serde(default, deserialize_with = "shrunk")]
    pub prefix_list_ids: Vec<PrefixListId>,
    #[serde(default, deserialize_with = "shrunk")]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpRange {
    #[serde(default = "required::ip_ranges_cidr_ip")]
    pub cidr_ip: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6Range {
    #[serde(default = "required::ipv6_ranges_cidr_ipv6")]
    pub cidr_ipv6: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListId {
    #[serde(default = "required::prefix_list_ids_prefix_list_id")]
    pub prefix_list_id: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserIdGroupPair {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Text>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeRouteTablesResponse {
    #[serde(rename = "RouteTables", deserialize_with = "crate::described::list")]
    pub route_tables: Vec<RouteTable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTable {
    #[serde(default = "required::route_table_id")]
    pub route_table_id: Text,
    #[serde(default = "required::vpc_id")]
    pub vpc_id: Text,
    #[serde(default, deserialize_with = "shrunk")]
    pub associations: Vec<RouteTableAssociation>,
    #[serde(default, deserialize_with = "shrunk")]
    pub routes: Vec<Route>,
    /// The resource's tags; reports show its `Name` tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTableAssociation {
    #[serde(default, skip_serializing_if = "is_false")]
    pub main: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_association_id: Option<Text>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ipv6_cidr_block: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_gateway_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_network_arn: Option<Text>,
    /// `active` or `blackhole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Text>,
}

impl Route {
    /// The route's next hop, whatever its kind; `None` for a route with none.
    pub fn target(&self) -> Option<&str> {
        [
            &self.gateway_id,
            &self.nat_gateway_id,
            &self.transit_gateway_id,
            &self.egress_only_internet_gateway_id,
            &self.network_interface_id,
            &self.instance_id,
            &self.vpc_peering_connection_id,
            &self.carrier_gateway_id,
            &self.local_gateway_id,
            &self.core_network_arn,
        ]
        .into_iter()
        .flatten()
        .map(Text::as_str)
        .next()
    }

    /// A route is usable unless AWS marks it `blackhole` (next hop gone).
    pub fn is_active(&self) -> bool {
        !self
            .state
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("blackhole"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribePrefixListsResponse {
    #[serde(rename = "PrefixLists", deserialize_with = "crate::described::list")]
    pub prefix_lists: Vec<PrefixList>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixList {
    #[serde(default = "required::prefix_list_id")]
    pub prefix_list_id: Text,
    #[serde(default = "required::prefix_list_name")]
    pub prefix_list_name: Text,
    #[serde(default, deserialize_with = "shrunk")]
    pub cidrs: Vec<Text>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeTrailsResponse {
    #[serde(rename = "trailList", deserialize_with = "crate::described::list")]
    pub trail_list: Vec<Trail>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trail {
    #[serde(default = "required::trail_name")]
    pub name: Text,
    #[serde(rename = "TrailARN", default = "required::trail_arn")]
    pub trail_arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_region: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_multi_region_trail: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_organization_trail: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<Text>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrailStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_logging: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSelectorsResponse {
    #[serde(rename = "TrailARN", default, skip_serializing_if = "Option::is_none")]
    pub trail_arn: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_selectors: Option<Vec<EventSelector>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All` (AWS's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_write_type: Option<Text>,
    /// AWS's default when absent is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_management_events: Option<bool>,
    /// Event sources whose management events the trail does not log:
    /// "the list can be empty (disables the filter), or it can filter out AWS
    /// Key Management Service or Amazon RDS Data API events by containing
    /// `kms.amazonaws.com` or `rdsdata.amazonaws.com`" (CloudTrail API
    /// reference, EventSelector). An empty list AWS sent stays an empty list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_management_event_sources: Option<Vec<Text>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedEventSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub field_selectors: Vec<AdvancedFieldSelector>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedFieldSelector {
    #[serde(default = "required::field_selectors_field")]
    pub field: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_starts_with: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_with: Option<Vec<Text>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_ends_with: Option<Vec<Text>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListInfrastructureConfigurationsResponse {
    #[serde(deserialize_with = "crate::described::list")]
    pub infrastructure_configuration_summary_list: Vec<InfrastructureConfigurationSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureConfigurationSummary {
    #[serde(default = "required::arn")]
    pub arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetInfrastructureConfigurationResponse {
    #[serde(default = "required::infrastructure_configuration")]
    pub infrastructure_configuration: InfrastructureConfiguration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureConfiguration {
    #[serde(default = "required::infrastructure_configuration_arn")]
    pub arn: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// Absent: Image Builder launches build instances in the default VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Text>,
    #[serde(default, deserialize_with = "shrunk")]
    pub security_group_ids: Vec<Text>,
}

/// A call that failed for good after retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionError {
    pub operation: String,
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// The defaults of required fields: each notes its field absent from the
/// resource being read ([`crate::described::absent`]) and reads as empty;
/// the resource's list then leaves the resource out.
mod required {
    use super::*;

    macro_rules! required {
        ($($f:ident: $ty:ty = $name:literal;)*) => {$(
            pub(super) fn $f() -> $ty {
                crate::described::absent($name);
                <$ty>::default()
            }
        )*};
    }

    required! {
        vpc_endpoint_id: Text = "VpcEndpointId";
        vpc_endpoint_type: Text = "VpcEndpointType";
        vpc_id: Text = "VpcId";
        groups_group_id: Text = "Groups[].GroupId";
        tags_key: Text = "Tags[].Key";
        cidr_block_association_cidr_block: Text = "CidrBlockAssociationSet[].CidrBlock";
        ipv6_cidr_block_association_ipv6_cidr_block: Text =
            "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock";
        attribute_value: bool = "EnableDnsSupport/EnableDnsHostnames.Value";
        subnet_id: Text = "SubnetId";
        group_id: Text = "GroupId";
        ip_permissions_ip_protocol: Text = "IpPermissions[].IpProtocol";
        ip_ranges_cidr_ip: Text = "IpPermissions[].IpRanges[].CidrIp";
        ipv6_ranges_cidr_ipv6: Text = "IpPermissions[].Ipv6Ranges[].CidrIpv6";
        prefix_list_ids_prefix_list_id: Text = "IpPermissions[].PrefixListIds[].PrefixListId";
        route_table_id: Text = "RouteTableId";
        prefix_list_id: Text = "PrefixListId";
        prefix_list_name: Text = "PrefixListName";
        trail_name: Text = "Name";
        trail_arn: Text = "TrailARN";
        field_selectors_field: Text = "AdvancedEventSelectors[].FieldSelectors[].Field";
        arn: Text = "arn";
        infrastructure_configuration: InfrastructureConfiguration = "infrastructureConfiguration";
        infrastructure_configuration_arn: Text = "infrastructureConfiguration.arn";
    }
}

macro_rules! described {
    ($($ty:ty: $op:ident, $list:expr, $what:literal, $idf:literal, |$x:ident| $id:expr
        $(, vpc: $vpc:expr)? $(, service: $service:expr)?;)*) => {
        /// The resource lists the model reads item by item, as their
        /// operation's key in a region and the list's key in its response
        /// (`None`: the response is the list): where the scan records the
        /// items a read splices ([`crate::splice`]).
        pub(crate) const LISTS: &[(&str, Option<&str>)] = &[$(
            (<$ty as Described>::OPERATION.name(), <$ty as Described>::LIST),
        )*];
        $(
        impl Described for $ty {
            const OPERATION: Operation = Operation::$op;
            const LIST: Option<&'static str> = $list;
            const WHAT: &'static str = $what;
            const ID: &'static str = $idf;
            fn id(&self) -> &str {
                let $x = self;
                $id
            }
            $(fn vpc_id(&self) -> Option<&str> {
                let $x = self;
                $vpc
            })?
            $(fn service_name(&self) -> Option<&str> {
                let $x = self;
                $service
            })?
        }
    )*};
}

described! {
    VpcEndpoint: DescribeVpcEndpoints, Some("VpcEndpoints"), "endpoint", "VpcEndpointId", |x| &x.vpc_endpoint_id,
        vpc: Some(&x.vpc_id), service: x.service_name.as_deref();
    Vpc: DescribeVpcs, Some("Vpcs"), "VPC", "VpcId", |x| &x.vpc_id, vpc: Some(&x.vpc_id);
    VpcAttributeResponse: DescribeVpcAttribute, None, "VPC attribute response", "VpcId", |x| &x.vpc_id;
    Subnet: DescribeSubnets, Some("Subnets"), "subnet", "SubnetId", |x| &x.subnet_id, vpc: Some(&x.vpc_id);
    SecurityGroup: DescribeSecurityGroups, Some("SecurityGroups"), "security group", "GroupId", |x| &x.group_id,
        vpc: x.vpc_id.as_deref();
    RouteTable: DescribeRouteTables, Some("RouteTables"), "route table", "RouteTableId", |x| &x.route_table_id,
        vpc: Some(&x.vpc_id);
    PrefixList: DescribePrefixLists, Some("PrefixLists"), "prefix list", "PrefixListId", |x| &x.prefix_list_id;
    Trail: DescribeTrails, Some("trailList"), "trail", "TrailARN", |x| &x.trail_arn;
    InfrastructureConfigurationSummary: ListInfrastructureConfigurations,
        Some("infrastructureConfigurationSummaryList"), "infrastructure configuration", "arn", |x| &x.arn;
    GetInfrastructureConfigurationResponse: GetInfrastructureConfiguration, None,
        "infrastructure configuration", "infrastructureConfiguration.arn",
        |x| &x.infrastructure_configuration.arn;
}

/// How each operation's response is read within a snapshot: as derived,
/// its resource lists deciding on incomplete resources; the responses that
/// are themselves a list, or a map by resource, item by item.
macro_rules! model {
    ($($ty:ty $(=> $read:expr)?;)*) => {$(
        impl Model for $ty {
            fn read<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                model!(@read d $(, $read)?)
            }
        }
    )*};
    (@read $d:ident) => { <Self as Deserialize>::deserialize($d) };
    (@read $d:ident, $read:expr) => { $read($d) };
}

model! {
    DescribeVpcEndpointsResponse;
    DescribeVpcsResponse;
    Vec<VpcAttributeResponse> => crate::described::list;
    DescribeSubnetsResponse;
    DescribeSecurityGroupsResponse;
    DescribeRouteTablesResponse;
    DescribePrefixListsResponse;
    DescribeTrailsResponse;
    std::collections::BTreeMap<String, TrailStatus>;
    std::collections::BTreeMap<String, EventSelectorsResponse> =>
        |d| crate::described::map(Operation::GetEventSelectors, d);
    ListInfrastructureConfigurationsResponse;
    Vec<GetInfrastructureConfigurationResponse> => crate::described::list;
}
