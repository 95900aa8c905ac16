//! No security group of an Image Builder endpoint lets HTTPS in.

use ibaudit_policy::ip::Cidr;
use ibaudit_snapshot::aws::{IpPermission, VpcEndpoint};

use crate::context::RegionCtx;
use crate::missing::{Missing, Partial};
use crate::rule::{rule, Sink};

use super::common;

rule! {
    EndpointBlocksHttps {
        id: "IB005",
        name: "endpoint-blocks-https",
        outcomes: {
            BLOCKED: "blocked", High, "no security group of an Image Builder endpoint lets HTTPS in from its VPC or the build subnets";
        },
    }
}

/// Whether the permission admits TCP 443 at all, whatever the source.
fn admits_https(p: &IpPermission) -> bool {
    let proto = p.ip_protocol.to_ascii_lowercase();
    match proto.as_str() {
        "-1" | "all" => true,
        "tcp" | "6" => match (p.from_port, p.to_port) {
            (Some(from), Some(to)) => from <= 443 && 443 <= to || (from == -1 && to == -1),
            // AWS always returns ports for TCP; absent means no restriction.
            _ => true,
        },
        _ => false,
    }
}

/// What the rule found out about one endpoint's groups.
enum Verdict {
    Allowed,
    Blocked,
    /// Some group or the VPC's ranges were not collected.
    Unknown(Vec<Missing>),
}

fn judge(
    ctx: &RegionCtx<'_>,
    ep: &VpcEndpoint,
    reaching: &[Cidr],
    reaching_known: Result<(), Missing>,
) -> Verdict {
    let mut missing = Vec::new();
    for g in &ep.groups {
        let group = match ctx.security_group(&g.group_id) {
            Ok(x) => x,
            Err(m) => {
                missing.push(m);
                continue;
            }
        };
        for p in group.ip_permissions.iter().filter(|p| admits_https(p)) {
            if !p.user_id_group_pairs.is_empty() {
                return Verdict::Allowed;
            }
            for pl in &p.prefix_list_ids {
                match ctx.prefix_list_name(&pl.prefix_list_id) {
                    // An AWS-managed list holds "the range of public IP
                    // addresses used by the service" (VPC User Guide): not
                    // a source inside the VPC.
                    Ok(Some(_)) => {}
                    // A list DescribePrefixLists does not name is the
                    // customer's own; its entries are not collected, so it
                    // counts as admitting the VPC.
                    Ok(None) => return Verdict::Allowed,
                    Err(m) => missing.push(m),
                }
            }
            let ranges: Vec<Cidr> = p
                .ip_ranges
                .iter()
                .map(|r| r.cidr_ip.as_str())
                .chain(p.ipv6_ranges.iter().map(|r| r.cidr_ipv6.as_str()))
                .filter_map(Cidr::parse)
                .collect();
            if ranges
                .iter()
                .any(|r| reaching.iter().any(|v| r.overlaps(*v)))
            {
                return Verdict::Allowed;
            }
            if !ranges.is_empty() {
                if let Err(m) = &reaching_known {
                    missing.push(m.clone());
                }
            }
        }
    }
    if missing.is_empty() {
        Verdict::Blocked
    } else {
        Verdict::Unknown(missing)
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    let endpoints = ctx.imagebuilder_endpoints()?;
    if endpoints.is_empty() {
        return Ok(());
    }
    // Build subnets' ranges count as reaching sources where they are known;
    // a failure to know them is reported by the rules that need them.
    let build_ranges: Vec<Cidr> = ctx
        .build_subnet_ids()
        .map(Partial::known)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|id| ctx.subnet(id).ok())
        .flat_map(|s| {
            s.cidr_block.iter().map(|c| c.as_str()).chain(
                s.ipv6_cidr_block_association_set
                    .iter()
                    .map(|a| a.ipv6_cidr_block.as_str()),
            )
        })
        .filter_map(Cidr::parse)
        .collect();
    for ep in endpoints {
        let mut reaching = build_ranges.clone();
        let vpc = ctx.vpc(&ep.vpc_id);
        if let Ok(vpc) = vpc {
            let associated = |state: &Option<ibaudit_snapshot::aws::CidrBlockState>| {
                !state
                    .as_ref()
                    .and_then(|s| s.state.as_deref())
                    .is_some_and(|s| {
                        s.eq_ignore_ascii_case("disassociated")
                            || s.eq_ignore_ascii_case("failed")
                    })
            };
            reaching.extend(
                vpc.cidr_block
                    .iter()
                    .map(|c| c.as_str())
                    .chain(
                        vpc.cidr_block_association_set
                            .iter()
                            .filter(|a| associated(&a.cidr_block_state))
                            .map(|a| a.cidr_block.as_str()),
                    )
                    .chain(
                        vpc.ipv6_cidr_block_association_set
                            .iter()
                            .filter(|a| associated(&a.ipv6_cidr_block_state))
                            .map(|a| a.ipv6_cidr_block.as_str()),
                    )
                    .filter_map(Cidr::parse),
            );
        }
        match judge(ctx, ep, &reaching, vpc.map(|_| ())) {
            Verdict::Allowed => {}
            Verdict::Unknown(missing) => missing.into_iter().for_each(|m| out.not_assessed(m)),
            Verdict::Blocked => {
                let groups: Vec<&str> = ep.groups.iter().map(|g| g.group_id.as_str()).collect();
                out.report(
                    &BLOCKED,
                    common::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "no security group of Image Builder endpoint {} ({}) allows inbound TCP 443 from {} or its build subnets: HTTPS calls to the Image Builder API through the endpoint are dropped",
                        ep.vpc_endpoint_id,
                        if groups.is_empty() { "none attached".to_string() } else { common::list(&groups) },
                        ep.vpc_id
                    ),
                );
            }
        }
    }
    Ok(())
}
