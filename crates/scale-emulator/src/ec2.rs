//! EC2 (query protocol, XML responses): the describe calls the collector
//! makes, with AWS's element names (`locationName` in botocore's
//! `ec2/2016-11-15/service-2.json`), filters, id lists and pagination.

use crate::errors;
use crate::http::Response;
use crate::org::{Endpoint, Region, Spec};
use crate::params::{passes, Params};
use crate::xml::Xml;

const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const CREATED: &str = "2026-01-10T12:00:00.000Z";

type Reply = Result<String, Response>;

fn bad(code: &str, message: String, rid: &str) -> Response {
    errors::ec2(400, code, &message, rid)
}

fn invalid_filter(name: String, rid: &str) -> Response {
    bad(
        "InvalidParameterValue",
        format!("The filter '{name}' is invalid"),
        rid,
    )
}

/// One page of `items`: `MaxResults` (at most `max`, default `max`) from
/// `NextToken` on.
fn page<T>(
    items: Vec<T>,
    p: &Params,
    max: usize,
    rid: &str,
) -> Result<(Vec<T>, Option<String>), Response> {
    let start = match p.get("NextToken") {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("o")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n <= items.len())
            .ok_or_else(|| bad("InvalidNextToken", "The token is invalid.".into(), rid))?,
    };
    let size = match p.get("MaxResults") {
        None => max,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|&m| m >= 1)
            .ok_or_else(|| {
                bad(
                    "InvalidParameterValue",
                    format!("Value ( {m} ) for parameter maxResults is invalid."),
                    rid,
                )
            })?
            .min(max),
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("o{end}"));
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}

/// Those of `all` named in `ids` (all when empty); an unknown id is an error.
fn by_ids<'a, T>(
    all: &'a [T],
    ids: &[String],
    id: impl Fn(&T) -> &str,
    not_found: impl Fn(&str) -> Response,
) -> Result<Vec<&'a T>, Response> {
    if ids.is_empty() {
        return Ok(all.iter().collect());
    }
    for want in ids {
        if !all.iter().any(|x| id(x) == want) {
            return Err(not_found(want));
        }
    }
    Ok(all
        .iter()
        .filter(|x| ids.iter().any(|w| w == id(x)))
        .collect())
}

fn doc(action: &str, rid: &str) -> (Xml, String) {
    let root = format!("{action}Response");
    let mut x = Xml::document(&root, NS);
    x.leaf("requestId", rid);
    (x, root)
}

fn v(s: &str) -> Vec<String> {
    vec![s.to_string()]
}

pub fn handle(spec: &Spec, region: &Region, action: &str, p: &Params, rid: &str) -> Response {
    let out = match action {
        "DescribeVpcEndpoints" => vpc_endpoints(region, p, rid),
        "DescribeVpcs" => vpcs(region, p, rid),
        "DescribeVpcAttribute" => vpc_attribute(region, p, rid),
        "DescribeSubnets" => subnets(region, p, rid),
        "DescribeSecurityGroups" => security_groups(region, p, rid),
        "DescribeRouteTables" => route_tables(region, p, rid),
        "DescribePrefixLists" => prefix_lists(region, p, rid),
        "DescribeRegions" => regions(spec, p, rid),
        other => Err(bad(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
            rid,
        )),
    };
    match out {
        Ok(body) => Response::new(200, "text/xml;charset=UTF-8", body),
        Err(e) => e,
    }
}

fn service_name(region: &Region, e: &Endpoint) -> String {
    format!("com.amazonaws.{}.{}", region.name, e.service)
}

fn vpc_endpoints(region: &Region, p: &Params, rid: &str) -> Reply {
    let ids = p.list("VpcEndpointId");
    let filters = p.filters();
    let mut items = Vec::new();
    for e in by_ids(
        &region.endpoints,
        &ids,
        |e| &e.id,
        |id| {
            bad(
                "InvalidVpcEndpointId.NotFound",
                format!("The Vpc Endpoint Id '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "vpc-endpoint-id" => Some(v(&e.id)),
            "vpc-id" => Some(v(&e.vpc)),
            "service-name" => Some(vec![service_name(region, e)]),
            "vpc-endpoint-type" => Some(v(if e.interface { "Interface" } else { "Gateway" })),
            "vpc-endpoint-state" => Some(v(e.state)),
            "tag:Name" => Some(v(&e.name)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(e);
        }
    }
    let (items, next) = page(items, p, 1000, rid)?;
    let (mut x, root) = doc("DescribeVpcEndpoints", rid);
    x.items("vpcEndpointSet", items, |x, e| {
        let svc = service_name(region, e);
        x.leaf("vpcEndpointId", &e.id)
            .leaf(
                "vpcEndpointType",
                if e.interface { "Interface" } else { "Gateway" },
            )
            .leaf("vpcId", &e.vpc)
            .leaf("serviceName", &svc)
            .leaf("state", e.state)
            .leaf("policyDocument", e.policy)
            .values("routeTableIdSet", &e.route_tables)
            .values("subnetIdSet", &e.subnets)
            .items("groupSet", &e.groups, |x, (id, name)| {
                x.leaf("groupId", id).leaf("groupName", name);
            });
        if e.interface {
            x.leaf("ipAddressType", "ipv4")
                .open("dnsOptions")
                .leaf("dnsRecordIpType", "ipv4")
                .close("dnsOptions");
        }
        x.leaf("privateDnsEnabled", e.private_dns)
            .leaf("requesterManaged", false)
            .values("networkInterfaceIdSet", &e.enis);
        let zone = format!(
            "Z{:012X}",
            crate::org::hash_str(&region.name) & 0xffff_ffff_ffff
        );
        let mut names = Vec::new();
        if e.interface {
            let base = format!("{}-{:08x}", e.id, crate::org::hash_str(&e.id) as u32);
            names.push((
                format!("{base}.{}.{}.vpce.amazonaws.com", e.service, region.name),
                zone.clone(),
            ));
            for s in &e.subnets {
                if let Some(sub) = region.subnets.iter().find(|x| &x.id == s) {
                    names.push((
                        format!(
                            "{base}-{}.{}.{}.vpce.amazonaws.com",
                            sub.zone, e.service, region.name
                        ),
                        zone.clone(),
                    ));
                }
            }
            if e.private_dns {
                names.push((
                    format!("{}.{}.amazonaws.com", e.service, region.name),
                    format!("Z{:012X}", crate::org::hash_str(&e.id) & 0xffff_ffff_ffff),
                ));
            }
        }
        x.items("dnsEntrySet", names, |x, (name, zone)| {
            x.leaf("dnsName", name).leaf("hostedZoneId", zone);
        })
        .leaf("creationTimestamp", CREATED)
        .tags(&[("Name", &e.name)])
        .leaf("ownerId", &region.account);
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn vpcs(region: &Region, p: &Params, rid: &str) -> Reply {
    let ids = p.list("VpcId");
    let filters = p.filters();
    let mut items = Vec::new();
    for vpc in by_ids(
        &region.vpcs,
        &ids,
        |x| &x.id,
        |id| {
            bad(
                "InvalidVpcID.NotFound",
                format!("The vpc ID '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "vpc-id" => Some(v(&vpc.id)),
            "cidr" | "cidr-block-association.cidr-block" => Some(v(&vpc.cidr)),
            "is-default" => Some(v("false")),
            "state" => Some(v("available")),
            "owner-id" => Some(v(&region.account)),
            "tag:Name" => Some(v(&vpc.name)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(vpc);
        }
    }
    let (items, next) = page(items, p, 1000, rid)?;
    let (mut x, root) = doc("DescribeVpcs", rid);
    x.items("vpcSet", items, |x, vpc| {
        x.leaf("vpcId", &vpc.id)
            .leaf("ownerId", &region.account)
            .leaf("state", "available")
            .leaf("cidrBlock", &vpc.cidr)
            .items("cidrBlockAssociationSet", [vpc], |x, vpc| {
                x.leaf("associationId", &vpc.association)
                    .leaf("cidrBlock", &vpc.cidr)
                    .open("cidrBlockState")
                    .leaf("state", "associated")
                    .close("cidrBlockState");
            })
            .leaf("dhcpOptionsId", &vpc.dhcp)
            .leaf("instanceTenancy", "default")
            .leaf("isDefault", false)
            .open("blockPublicAccessStates")
            .leaf("internetGatewayBlockMode", "off")
            .close("blockPublicAccessStates")
            .tags(&[("Name", &vpc.name)]);
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn vpc_attribute(region: &Region, p: &Params, rid: &str) -> Reply {
    let id = p.get("VpcId").unwrap_or_default();
    let Some(vpc) = region.vpcs.iter().find(|x| x.id == id) else {
        return Err(bad(
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
            rid,
        ));
    };
    let attribute = p.get("Attribute").unwrap_or_default();
    let value = match attribute {
        "enableDnsSupport" => vpc.dns_support,
        "enableDnsHostnames" => vpc.dns_hostnames,
        "enableNetworkAddressUsageMetrics" => false,
        other => {
            return Err(bad(
                "InvalidParameterValue",
                format!("Value ({other}) for parameter attribute is invalid. Unknown attribute."),
                rid,
            ))
        }
    };
    let (mut x, root) = doc("DescribeVpcAttribute", rid);
    x.leaf("vpcId", &vpc.id)
        .open(attribute)
        .leaf("value", value)
        .close(attribute);
    Ok(x.finish(&root))
}

fn subnets(region: &Region, p: &Params, rid: &str) -> Reply {
    let ids = p.list("SubnetId");
    let filters = p.filters();
    let mut items = Vec::new();
    for s in by_ids(
        &region.subnets,
        &ids,
        |x| &x.id,
        |id| {
            bad(
                "InvalidSubnetID.NotFound",
                format!("The subnet ID '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "subnet-id" => Some(v(&s.id)),
            "vpc-id" => Some(v(&s.vpc)),
            "availability-zone" | "availabilityZone" => Some(v(&s.zone)),
            "availability-zone-id" => Some(v(&s.zone_id)),
            "cidr-block" | "cidr" | "cidrBlock" => Some(v(&s.cidr)),
            "state" => Some(v("available")),
            "default-for-az" => Some(v("false")),
            "tag:Name" => Some(v(&s.name)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(s);
        }
    }
    let (items, next) = page(items, p, 1000, rid)?;
    let (mut x, root) = doc("DescribeSubnets", rid);
    x.items("subnetSet", items, |x, s| {
        // A /24 less AWS's five reserved addresses and one per endpoint
        // network interface in the subnet.
        let enis: usize = region
            .endpoints
            .iter()
            .map(|e| e.subnets.iter().filter(|id| **id == s.id).count())
            .sum();
        x.leaf("subnetId", &s.id)
            .leaf(
                "subnetArn",
                format!(
                    "arn:aws:ec2:{}:{}:subnet/{}",
                    region.name, region.account, s.id
                ),
            )
            .leaf("state", "available")
            .leaf("ownerId", &region.account)
            .leaf("vpcId", &s.vpc)
            .leaf("cidrBlock", &s.cidr)
            .values::<&str>("ipv6CidrBlockAssociationSet", [])
            .leaf("availableIpAddressCount", 251 - enis)
            .leaf("availabilityZone", &s.zone)
            .leaf("availabilityZoneId", &s.zone_id)
            .leaf("defaultForAz", false)
            .leaf("mapPublicIpOnLaunch", false)
            .leaf("mapCustomerOwnedIpOnLaunch", false)
            .leaf("assignIpv6AddressOnCreation", false)
            .leaf("ipv6Native", false)
            .leaf("enableDns64", false)
            .open("privateDnsNameOptionsOnLaunch")
            .leaf("hostnameType", "ip-name")
            .leaf("enableResourceNameDnsARecord", false)
            .leaf("enableResourceNameDnsAAAARecord", false)
            .close("privateDnsNameOptionsOnLaunch")
            .open("blockPublicAccessStates")
            .leaf("internetGatewayBlockMode", "off")
            .close("blockPublicAccessStates")
            .tags(&[("Name", &s.name)]);
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn security_groups(region: &Region, p: &Params, rid: &str) -> Reply {
    let ids = p.list("GroupId");
    let filters = p.filters();
    let mut items = Vec::new();
    for g in by_ids(
        &region.groups,
        &ids,
        |x| &x.id,
        |id| {
            bad(
                "InvalidGroup.NotFound",
                format!("The security group '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "group-id" => Some(v(&g.id)),
            "group-name" => Some(v(&g.name)),
            "vpc-id" => Some(v(&g.vpc)),
            "owner-id" => Some(v(&region.account)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(g);
        }
    }
    let (items, next) = page(items, p, 1000, rid)?;
    let (mut x, root) = doc("DescribeSecurityGroups", rid);
    x.items("securityGroupInfo", items, |x, g| {
        x.leaf("ownerId", &region.account)
            .leaf("groupId", &g.id)
            .leaf("groupName", &g.name)
            .leaf("groupDescription", format!("{} endpoints", g.name))
            .leaf("vpcId", &g.vpc)
            .leaf(
                "securityGroupArn",
                format!(
                    "arn:aws:ec2:{}:{}:security-group/{}",
                    region.name, region.account, g.id
                ),
            )
            .items("ipPermissions", [g], |x, g| {
                x.leaf("ipProtocol", "tcp")
                    .leaf("fromPort", g.port)
                    .leaf("toPort", g.port)
                    .values::<&str>("groups", [])
                    .items("ipRanges", [g], |x, g| {
                        x.leaf("cidrIp", &g.source)
                            .leaf("description", "from the VPC");
                    })
                    .values::<&str>("ipv6Ranges", [])
                    .values::<&str>("prefixListIds", []);
            })
            .items("ipPermissionsEgress", [()], |x, ()| {
                x.leaf("ipProtocol", "-1")
                    .values::<&str>("groups", [])
                    .items("ipRanges", [()], |x, ()| {
                        x.leaf("cidrIp", "0.0.0.0/0");
                    })
                    .values::<&str>("ipv6Ranges", [])
                    .values::<&str>("prefixListIds", []);
            })
            .tags(&[("Name", &g.name)]);
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn route_tables(region: &Region, p: &Params, rid: &str) -> Reply {
    let ids = p.list("RouteTableId");
    let filters = p.filters();
    let mut items = Vec::new();
    for t in by_ids(
        &region.tables,
        &ids,
        |x| &x.id,
        |id| {
            bad(
                "InvalidRouteTableID.NotFound",
                format!("The routeTable ID '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "route-table-id" => Some(v(&t.id)),
            "vpc-id" => Some(v(&t.vpc)),
            "association.subnet-id" => Some(t.subnets.iter().map(|(_, s)| s.clone()).collect()),
            "association.main" => Some(v(if t.main { "true" } else { "false" })),
            "owner-id" => Some(v(&region.account)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(t);
        }
    }
    let (items, next) = page(items, p, 100, rid)?;
    route_tables_xml(region, &items, next, rid)
}

fn route_tables_xml(
    region: &Region,
    items: &[&crate::org::Table],
    next: Option<String>,
    rid: &str,
) -> Reply {
    let (mut x, root) = doc("DescribeRouteTables", rid);
    x.items("routeTableSet", items.iter().copied(), |x, t| {
        x.leaf("routeTableId", &t.id)
            .leaf("vpcId", &t.vpc)
            .leaf("ownerId", &region.account);
        let mut routes = vec![(t.vpc_cidr.as_str(), "local", "CreateRouteTable", false)];
        if let Some(vpce) = &t.s3_route {
            routes.push((
                region.s3_prefix_list.as_str(),
                vpce.as_str(),
                "CreateRoute",
                true,
            ));
        }
        x.items("routeSet", routes, |x, (dest, gateway, origin, prefix)| {
            if prefix {
                x.leaf("destinationPrefixListId", dest);
            } else {
                x.leaf("destinationCidrBlock", dest);
            }
            x.leaf("gatewayId", gateway)
                .leaf("state", "active")
                .leaf("origin", origin);
        });
        let mut assocs: Vec<(bool, &str, Option<&str>)> = Vec::new();
        if let Some(a) = &t.main_association {
            assocs.push((true, a, None));
        }
        for (a, s) in &t.subnets {
            assocs.push((false, a, Some(s)));
        }
        x.items("associationSet", assocs, |x, (main, id, subnet)| {
            x.leaf("main", main)
                .leaf("routeTableAssociationId", id)
                .leaf("routeTableId", &t.id);
            if let Some(s) = subnet {
                x.leaf("subnetId", s);
            }
            x.open("associationState")
                .leaf("state", "associated")
                .close("associationState");
        })
        .values::<&str>("propagatingVgwSet", []);
        if t.name.is_empty() {
            x.tags(&[]);
        } else {
            x.tags(&[("Name", &t.name)]);
        }
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn prefix_lists(region: &Region, p: &Params, rid: &str) -> Reply {
    let lists = [
        (
            region.s3_prefix_list.clone(),
            format!("com.amazonaws.{}.s3", region.name),
            ["3.5.0.0/19", "16.12.0.0/23", "52.216.0.0/15"],
        ),
        (
            region.dynamodb_prefix_list.clone(),
            format!("com.amazonaws.{}.dynamodb", region.name),
            ["3.218.180.0/22", "35.71.64.0/22", "52.94.0.0/22"],
        ),
    ];
    let ids = p.list("PrefixListId");
    let filters = p.filters();
    let mut items = Vec::new();
    for l in by_ids(
        &lists,
        &ids,
        |x| &x.0,
        |id| {
            bad(
                "InvalidPrefixListID.NotFound",
                format!("The prefix list ID '{id}' does not exist"),
                rid,
            )
        },
    )? {
        let ok = passes(&filters, |name| match name {
            "prefix-list-id" => Some(v(&l.0)),
            "prefix-list-name" => Some(v(&l.1)),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(l);
        }
    }
    let (items, next) = page(items, p, 1000, rid)?;
    let (mut x, root) = doc("DescribePrefixLists", rid);
    x.items("prefixListSet", items, |x, (id, name, cidrs)| {
        x.leaf("prefixListId", id)
            .leaf("prefixListName", name)
            .values("cidrSet", cidrs);
    });
    if let Some(t) = next {
        x.leaf("nextToken", t);
    }
    Ok(x.finish(&root))
}

fn regions(spec: &Spec, p: &Params, rid: &str) -> Reply {
    let names = p.list("RegionName");
    let filters = p.filters();
    let mut items = Vec::new();
    for r in spec.region_names() {
        if !names.is_empty() && !names.iter().any(|n| n == r) {
            continue;
        }
        let ok = passes(&filters, |name| match name {
            "region-name" => Some(v(r)),
            "endpoint" => Some(vec![format!("ec2.{r}.amazonaws.com")]),
            "opt-in-status" => Some(v("opt-in-not-required")),
            _ => None,
        })
        .map_err(|n| invalid_filter(n, rid))?;
        if ok {
            items.push(*r);
        }
    }
    let (mut x, root) = doc("DescribeRegions", rid);
    x.items("regionInfo", items, |x, r| {
        x.leaf("regionName", r)
            .leaf("regionEndpoint", format!("ec2.{r}.amazonaws.com"))
            .leaf("optInStatus", "opt-in-not-required");
    });
    Ok(x.finish(&root))
}
