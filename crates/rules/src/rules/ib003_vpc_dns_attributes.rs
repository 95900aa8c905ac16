//! Private DNS on, but the VPC's DNS attributes off.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB003", "vpc-dns-attributes-disabled", High);

pub struct VpcDnsAttributesDisabled;

impl Rule for VpcDnsAttributesDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for ep in ctx.imagebuilder_endpoints()? {
            if ep.private_dns_enabled != Some(true) {
                continue;
            }
            let mut off = Vec::new();
            for (name, value) in [
                ("enableDnsSupport", ctx.dns_support(&ep.vpc_id)),
                ("enableDnsHostnames", ctx.dns_hostnames(&ep.vpc_id)),
            ] {
                match value {
                    Ok(true) => {}
                    Ok(false) => off.push(name),
                    Err(m) => out.not_assessed(m),
                }
            }
            if !off.is_empty() {
                out.report(
                    Severity::High,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "Image Builder endpoint {} has private DNS enabled but its VPC {} has {} set to false: private DNS cannot work, so calls to imagebuilder.{}.amazonaws.com do not reach the endpoint",
                        ep.vpc_endpoint_id,
                        ep.vpc_id,
                        super::list(&off),
                        ctx.region()
                    ),
                );
            }
        }
        Ok(())
    }
}
