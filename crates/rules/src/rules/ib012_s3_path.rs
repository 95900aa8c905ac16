//! A build subnet with no way to reach S3.

use std::collections::{BTreeMap, BTreeSet};

use ibaudit_snapshot::aws::{RouteTable, Subnet};

use ibaudit_snapshot::scope::is_usable;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    NoS3Path {
        id: "IB012",
        name: "no-s3-path",
        outcomes: {
            NO_PATH: "no-path", High, "a build subnet has no route to S3: no gateway endpoint route, no default route, no S3 interface endpoint";
        },
    }
}

/// Whether the table routes S3 traffic somewhere: to one of the VPC's S3
/// gateway endpoints, or from the S3 prefix list to any next hop.
///
/// "A route is automatically added to each of the route tables with a
/// destination that specifies the AWS prefix list ID of the service
/// (`pl-xxxxxxxx`), and a target with the endpoint ID (`vpce-xxxxxxxx`)"
/// (VPC User Guide, Routing for gateway endpoints): a prefix-list route
/// is read by its list's name, which only DescribePrefixLists gives. When
/// that name is needed (no other route decides) and DescribePrefixLists
/// was not collected or failed, the answer is not known.
fn routes_to_s3(ctx: &RegionCtx<'_>, table: &RouteTable, vpc_id: &str) -> Result<bool, Missing> {
    let s3 = ctx.service_name("s3");
    let gateways: Vec<_> = ctx
        .endpoints_in_vpc(vpc_id)?
        .iter()
        .filter(|e| {
            e.vpc_endpoint_type.eq_ignore_ascii_case("Gateway")
                && e.service_name.as_deref() == Some(s3.as_str())
                && is_usable(e)
        })
        .collect();
    if gateways
        .iter()
        .any(|g| g.route_table_ids.contains(&table.route_table_id))
    {
        return Ok(true);
    }
    let active = || table.routes.iter().filter(|r| r.is_active());
    if active().any(|r| {
        r.gateway_id
            .as_deref()
            .is_some_and(|id| gateways.iter().any(|g| g.vpc_endpoint_id == id))
    }) {
        return Ok(true);
    }
    let mut unknown = None;
    for r in active().filter(|r| r.target().is_some()) {
        let Some(pl) = r.destination_prefix_list_id.as_deref() else {
            continue;
        };
        match ctx.prefix_list_name(pl) {
            Ok(name) if name == Some(s3.as_str()) => return Ok(true),
            Ok(_) => {}
            Err(m) => unknown = Some(m),
        }
    }
    if let Some(m) = unknown {
        return Err(m);
    }
    // A gateway endpoint left out of an incomplete listing may be the
    // target of one of this table's routes.
    ctx.endpoints_complete(Some(vpc_id), "s3")?;
    Ok(false)
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    let endpoints = ctx.imagebuilder_endpoints()?;
    let build_ids = match ctx.build_subnet_ids() {
        Ok(ids) => out.report_gaps(ids),
        Err(m) => {
            out.not_assessed(m);
            Vec::new()
        }
    };
    // VPC -> the subnets to check there: the build subnets where any are
    // known (builds run nowhere else), otherwise the Image Builder
    // endpoints' own subnets.
    let mut subjects: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    if build_ids.is_empty() {
        for ep in &endpoints {
            subjects
                .entry(ep.vpc_id.as_str())
                .or_default()
                .extend(ep.subnet_ids.iter().map(|id| id.as_str()));
        }
    }
    for id in build_ids {
        match ctx.subnet(id) {
            Ok(s) => {
                subjects.entry(s.vpc_id.as_str()).or_default().insert(id);
            }
            Err(m) => out.not_assessed(m),
        }
    }
    for (vpc_id, subnet_ids) in subjects {
        if ctx.has_interface_endpoint(vpc_id, "s3")? {
            continue;
        }
        for id in subnet_ids {
            let check = |subnet: &Subnet| -> Result<Option<String>, Missing> {
                let table = ctx.route_table(subnet)?;
                if RegionCtx::default_route(table).is_some()
                    || routes_to_s3(ctx, table, vpc_id)?
                {
                    return Ok(None);
                }
                Ok(Some(table.route_table_id.to_string()))
            };
            match ctx.subnet(id).and_then(check) {
                Ok(None) => {}
                Ok(Some(table)) => out.report(
                    &NO_PATH,
                    common::subnet(id),
                    format!(
                        "subnet {id} in {vpc_id} has no path to S3: its route table {table} has no route to an S3 gateway endpoint and no default route, and the VPC has no {} interface endpoint; builds cannot download AWSTOE or managed components",
                        ctx.service_name("s3")
                    ),
                ),
                Err(m) => out.not_assessed(m),
            }
        }
    }
    Ok(())
}
