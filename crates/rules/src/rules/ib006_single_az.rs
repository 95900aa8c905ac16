//! An Image Builder endpoint in a single Availability Zone.

use std::collections::BTreeSet;

use crate::context::RegionCtx;
use crate::missing::{Missing, Partial};
use crate::rule::{rule, Sink};

use super::common;

rule! {
    EndpointSingleAz {
        id: "IB006",
        name: "endpoint-single-az",
        outcomes: {
            SINGLE_AZ: "single-az", Low, "an Image Builder endpoint has subnets in one Availability Zone only";
            BUILD_ZONE_UNCOVERED: "build-zone-uncovered", Medium, "a build subnet is in a zone where the Image Builder endpoint has no subnet";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    let endpoints = ctx.imagebuilder_endpoints()?;
    if endpoints.is_empty() {
        return Ok(());
    }
    // Build subnets only raise the severity; their absence is reported by
    // the rules that depend on them.
    let build_subnets: Vec<_> = ctx
        .build_subnet_ids()
        .map(Partial::known)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|id| ctx.subnet(id).ok())
        .collect();
    'endpoints: for ep in endpoints {
        let mut zones = BTreeSet::new();
        for id in &ep.subnet_ids {
            match ctx.subnet(id).map(|s| s.availability_zone.as_deref()) {
                Ok(Some(z)) => {
                    zones.insert(z);
                }
                Ok(None) => {}
                Err(m) => {
                    out.not_assessed(m);
                    continue 'endpoints;
                }
            }
        }
        if zones.len() >= 2 {
            continue;
        }
        let uncovered: Vec<String> = build_subnets
            .iter()
            .filter(|s| s.vpc_id == ep.vpc_id)
            .filter_map(|s| {
                let z = s.availability_zone.as_deref()?;
                (!zones.contains(z)).then(|| format!("{} ({z})", s.subnet_id))
            })
            .collect();
        let zones_text = if zones.is_empty() {
            "no Availability Zone".to_string()
        } else {
            format!(
                "only {}",
                zones.iter().copied().collect::<Vec<_>>().join(", ")
            )
        };
        if uncovered.is_empty() {
            out.report(
                &SINGLE_AZ,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} has subnets in {zones_text}: an outage of that zone cuts builds in {} off from the Image Builder API",
                    ep.vpc_endpoint_id, ep.vpc_id
                ),
            );
        } else {
            out.report(
                &BUILD_ZONE_UNCOVERED,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} has subnets in {zones_text}, while build subnet {} is in a zone without an endpoint subnet: its traffic crosses zones and fails with that zone",
                    ep.vpc_endpoint_id,
                    common::list(&uncovered)
                ),
            );
        }
    }
    Ok(())
}
