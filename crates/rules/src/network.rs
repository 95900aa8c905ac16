//! The path a build takes out of each VPC that Image Builder uses: its build
//! subnets and their route tables, the interface endpoints for Image
//! Builder and Systems Manager, the S3 path and the buckets at its end. What
//! the HTML report and the Mermaid diagrams draw; the verdicts on it are the
//! findings, matched by resource id (see [`Network::elements`]).
//!
//! Nothing here is invented: a value the snapshot does not have is
//! [`Known::Unknown`] with the reason, and is drawn as unknown, never as
//! fine.

use std::collections::BTreeSet;

use ibaudit_snapshot::aws::{Route, RouteTable, VpcEndpoint};
use ibaudit_snapshot::scope::{is_gone, EndpointService};

use crate::context::RegionCtx;
use crate::missing::Missing;

/// A value from the snapshot, or why it is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Yes(T),
    Unknown(String),
}

impl<T> Known<T> {
    fn of(r: Result<T, Missing>) -> Known<T> {
        match r {
            Ok(v) => Known::Yes(v),
            Err(m) => Known::Unknown(m.describe()),
        }
    }

    pub fn as_ref(&self) -> Known<&T> {
        match self {
            Known::Yes(v) => Known::Yes(v),
            Known::Unknown(why) => Known::Unknown(why.clone()),
        }
    }
}

/// One VPC of one account and region, as a build sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub vpc_name: Option<String>,
    pub dns_support: Known<bool>,
    pub dns_hostnames: Known<bool>,
    /// Build subnets (an infrastructure configuration's `subnetId`) first,
    /// then the subnets of the VPC's Image Builder endpoints.
    pub subnets: Vec<SubnetPath>,
    /// The endpoints for `imagebuilder`, `ssm`, `ssmmessages` and `s3`, in
    /// that order; an absent service has no entry (see [`Network::missing`]).
    pub endpoints: Vec<EndpointNode>,
    /// The services of [`SERVICES`] with no endpoint in the VPC; `Unknown`
    /// when the endpoints were not described.
    pub missing: Known<Vec<&'static str>>,
    /// The buckets at the end of the S3 path, per environment.
    pub buckets: Vec<Bucket>,
}

/// The services a build reaches through the VPC, in drawing order.
pub const SERVICES: [EndpointService; 4] = [
    EndpointService::ImageBuilder,
    EndpointService::Ssm,
    EndpointService::SsmMessages,
    EndpointService::S3,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetPath {
    pub id: String,
    pub name: Option<String>,
    pub zone: Option<String>,
    /// An infrastructure configuration builds here.
    pub build: bool,
    pub route_table: Known<RouteTableNode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTableNode {
    pub id: String,
    /// The VPC's main table, used because the subnet has no association.
    pub main: bool,
    /// The routes that matter to a build, in the table's order.
    pub hops: Vec<Hop>,
}

/// What a route leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HopKind {
    S3Gateway,
    Nat,
    InternetGateway,
    TransitGateway,
    /// Any other next hop of a default route (peering, an instance, ...).
    Other,
}

impl HopKind {
    pub fn label(self) -> &'static str {
        match self {
            HopKind::S3Gateway => "S3 gateway endpoint",
            HopKind::Nat => "NAT gateway",
            HopKind::InternetGateway => "internet gateway",
            HopKind::TransitGateway => "transit gateway",
            HopKind::Other => "other next hop",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub kind: HopKind,
    pub destination: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointNode {
    pub id: String,
    pub name: Option<String>,
    /// `imagebuilder`, `ssm`, `ssmmessages` or `s3`.
    pub service: &'static str,
    /// `Interface` or `Gateway`, as described.
    pub kind: String,
    pub state: Option<String>,
    pub private_dns: Option<bool>,
    /// The Availability Zones of its subnets, where the subnets are known.
    pub zones: Known<Vec<String>>,
    pub security_groups: Vec<String>,
    /// The subnets of its network interfaces (interface endpoints).
    pub subnet_ids: Vec<String>,
    /// A policy document is attached (else AWS's default full access).
    pub custom_policy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    pub environment: String,
    /// The AWSTOE application (`IB010`) or the managed components (`IB011`).
    pub rule: &'static str,
    /// The finding key IB010 and IB011 give a verdict on this bucket.
    pub key: String,
}

/// One drawn element, for matching findings to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element<'a> {
    /// A resource id: the VPC, a subnet, an endpoint, a security group.
    Resource(&'a str),
    /// A bucket: the findings of `rule` on any S3 endpoint of the VPC with this key.
    Bucket { rule: &'a str, key: &'a str },
}

impl Network {
    /// The networks of a region: each VPC with an Image Builder endpoint or
    /// a build subnet, sorted by VPC id. Empty when the region says nothing
    /// of Image Builder (or its endpoints were not described: IB900 says so).
    pub fn of_region(ctx: &RegionCtx<'_>) -> Vec<Network> {
        let Ok(vpcs) = ctx.imagebuilder_vpcs() else {
            return Vec::new();
        };
        let builds: BTreeSet<&str> = ctx
            .build_subnet_ids()
            .map(|p| p.value.into_iter().collect())
            .unwrap_or_default();
        vpcs.value
            .into_iter()
            .map(|vpc| Network::of_vpc(ctx, vpc, &builds))
            .collect()
    }

    fn of_vpc(ctx: &RegionCtx<'_>, vpc_id: &str, builds: &BTreeSet<&str>) -> Network {
        let region = ctx.region();
        let endpoints: Vec<&VpcEndpoint> = ctx
            .endpoints_in_vpc(vpc_id)
            .map(|e| e.iter().copied().filter(|e| !is_gone(e)).collect())
            .unwrap_or_default();

        let mut subnet_ids: Vec<(&str, bool)> = builds
            .iter()
            .filter(|id| ctx.subnet(id).is_ok_and(|s| s.vpc_id == vpc_id))
            .map(|id| (*id, true))
            .collect();
        for ep in &endpoints {
            if ctx.is_imagebuilder_endpoint(ep) {
                for id in &ep.subnet_ids {
                    if !subnet_ids.iter().any(|(s, _)| *s == id.as_str()) {
                        subnet_ids.push((id.as_str(), false));
                    }
                }
            }
        }
        let s3_gateways: Vec<&VpcEndpoint> = endpoints
            .iter()
            .copied()
            .filter(|e| {
                e.vpc_endpoint_type.eq_ignore_ascii_case("Gateway")
                    && EndpointService::S3.is_endpoint_for(region, e)
            })
            .collect();
        let subnets = subnet_ids
            .into_iter()
            .map(|(id, build)| {
                let subnet = ctx.subnet(id);
                SubnetPath {
                    id: id.to_string(),
                    name: subnet.as_ref().ok().and_then(|s| name(&s.tags)),
                    zone: subnet
                        .as_ref()
                        .ok()
                        .and_then(|s| s.availability_zone.as_deref().map(str::to_string)),
                    build,
                    route_table: Known::of(
                        subnet
                            .and_then(|s| ctx.route_table(s))
                            .map(|t| route_table_node(ctx, t, id, &s3_gateways)),
                    ),
                }
            })
            .collect();

        let mut nodes = Vec::new();
        let mut absent = Vec::new();
        for service in SERVICES {
            let mut found = false;
            for ep in endpoints
                .iter()
                .filter(|e| service.is_endpoint_for(region, e))
            {
                found = true;
                nodes.push(EndpointNode {
                    id: ep.vpc_endpoint_id.to_string(),
                    name: name(&ep.tags),
                    service: service.id(),
                    kind: ep.vpc_endpoint_type.to_string(),
                    state: ep.state.as_deref().map(str::to_string),
                    private_dns: ep.private_dns_enabled,
                    zones: zones(ctx, ep),
                    security_groups: ep.groups.iter().map(|g| g.group_id.to_string()).collect(),
                    subnet_ids: ep.subnet_ids.iter().map(|s| s.to_string()).collect(),
                    custom_policy: ep.policy_document.is_some(),
                });
            }
            if !found {
                absent.push(service.id());
            }
        }
        let missing = match ctx.endpoints_in_vpc(vpc_id) {
            Ok(_) => Known::Yes(absent),
            Err(m) => Known::Unknown(m.describe()),
        };

        let mut buckets = Vec::new();
        for env in ctx.environments {
            for (rule, (bucket, _)) in [
                ("IB010", crate::requests::toe_bucket(ctx, env)),
                ("IB011", crate::requests::managed_resources_bucket(ctx, env)),
            ] {
                buckets.push(Bucket {
                    key: format!("{env}/{bucket}"),
                    name: bucket,
                    environment: env.clone(),
                    rule,
                });
            }
        }

        Network {
            account_id: ctx.account.account.account_id.clone(),
            region: region.to_string(),
            vpc_id: vpc_id.to_string(),
            vpc_name: ctx.vpc(vpc_id).ok().and_then(|v| name(&v.tags)),
            dns_support: Known::of(ctx.dns_support(vpc_id)),
            dns_hostnames: Known::of(ctx.dns_hostnames(vpc_id)),
            subnets,
            endpoints: nodes,
            missing,
            buckets,
        }
    }

    /// Every element drawn, in drawing order: the VPC, its subnets, the
    /// endpoints and their security groups, the buckets.
    pub fn elements(&self) -> Vec<Element<'_>> {
        let mut out = vec![Element::Resource(&self.vpc_id)];
        out.extend(self.subnets.iter().map(|s| Element::Resource(&s.id)));
        for e in &self.endpoints {
            out.push(Element::Resource(&e.id));
            out.extend(e.security_groups.iter().map(|g| Element::Resource(g)));
        }
        out.extend(self.buckets.iter().map(|b| Element::Bucket {
            rule: b.rule,
            key: &b.key,
        }));
        out
    }
}

fn name(tags: &[ibaudit_snapshot::aws::Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key == "Name" && !t.value.is_empty())
        .map(|t| t.value.to_string())
}

fn zones(ctx: &RegionCtx<'_>, ep: &VpcEndpoint) -> Known<Vec<String>> {
    let mut out = BTreeSet::new();
    for id in &ep.subnet_ids {
        match ctx.subnet(id) {
            Ok(s) => {
                if let Some(z) = &s.availability_zone {
                    out.insert(z.to_string());
                }
            }
            Err(m) => return Known::Unknown(m.describe()),
        }
    }
    Known::Yes(out.into_iter().collect())
}

fn route_table_node(
    ctx: &RegionCtx<'_>,
    table: &RouteTable,
    subnet_id: &str,
    s3_gateways: &[&VpcEndpoint],
) -> RouteTableNode {
    let s3 = ctx.service_name("s3");
    let mut hops = Vec::new();
    // A gateway endpoint associated with the table adds its route.
    for g in s3_gateways {
        if g.route_table_ids.contains(&table.route_table_id) {
            hops.push(Hop {
                kind: HopKind::S3Gateway,
                destination: s3.clone(),
                target: g.vpc_endpoint_id.to_string(),
            });
        }
    }
    for r in table.routes.iter().filter(|r| r.is_active()) {
        let Some(target) = r.target() else { continue };
        if hops.iter().any(|h| h.target == target) {
            continue;
        }
        let to_s3 = r.destination_prefix_list_id.as_deref().is_some_and(|pl| {
            ctx.prefix_list_name(pl)
                .is_ok_and(|n| n == Some(s3.as_str()))
        }) || s3_gateways.iter().any(|g| g.vpc_endpoint_id == target);
        let default =
            RegionCtx::default_route(table).is_some_and(|d| std::ptr::eq(d, r)) || is_default(r);
        if !(to_s3 || default) {
            continue;
        }
        hops.push(Hop {
            kind: if to_s3 {
                HopKind::S3Gateway
            } else {
                hop_kind(r)
            },
            destination: r
                .destination_cidr_block
                .as_deref()
                .or(r.destination_ipv6_cidr_block.as_deref())
                .or(r.destination_prefix_list_id.as_deref())
                .unwrap_or("")
                .to_string(),
            target: target.to_string(),
        });
    }
    let main = !table
        .associations
        .iter()
        .any(|a| a.subnet_id.as_deref() == Some(subnet_id));
    RouteTableNode {
        id: table.route_table_id.to_string(),
        main,
        hops,
    }
}

fn is_default(r: &Route) -> bool {
    [&r.destination_cidr_block, &r.destination_ipv6_cidr_block]
        .into_iter()
        .flatten()
        .any(|d| d.as_str() == "0.0.0.0/0" || d.as_str() == "::/0")
}

fn hop_kind(r: &Route) -> HopKind {
    if r.nat_gateway_id.is_some() {
        HopKind::Nat
    } else if r.transit_gateway_id.is_some() || r.core_network_arn.is_some() {
        HopKind::TransitGateway
    } else if r
        .gateway_id
        .as_deref()
        .is_some_and(|g| g.starts_with("igw-"))
        || r.egress_only_internet_gateway_id.is_some()
    {
        HopKind::InternetGateway
    } else {
        HopKind::Other
    }
}
