//! An Image Builder endpoint in a single Availability Zone.

use std::collections::BTreeSet;

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB006", "endpoint-single-az", Low);

pub struct EndpointSingleAz;

impl Rule for EndpointSingleAz {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        let endpoints = ctx.imagebuilder_endpoints()?;
        if endpoints.is_empty() {
            return Ok(());
        }
        // Build subnets only raise the severity; their absence is reported by
        // the rules that depend on them.
        let mut quiet = Sink::default();
        let build_subnets: Vec<_> = ctx
            .build_subnet_ids(&mut quiet)
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
                    Severity::Low,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "Image Builder endpoint {} has subnets in {zones_text}: an outage of that zone cuts builds in {} off from the Image Builder API",
                        ep.vpc_endpoint_id, ep.vpc_id
                    ),
                );
            } else {
                out.report(
                    Severity::Medium,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "Image Builder endpoint {} has subnets in {zones_text}, while build subnet {} is in a zone without an endpoint subnet: its traffic crosses zones and fails with that zone",
                        ep.vpc_endpoint_id,
                        super::list(&uncovered)
                    ),
                );
            }
        }
        Ok(())
    }
}
