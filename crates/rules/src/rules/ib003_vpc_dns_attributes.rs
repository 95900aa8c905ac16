//! Private DNS on, but the VPC's DNS attributes off.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    VpcDnsAttributesDisabled {
        id: "IB003",
        name: "vpc-dns-attributes-disabled",
        outcomes: {
            ATTRIBUTES_OFF: "attributes-off", High, "private DNS is on but the VPC has enableDnsSupport or enableDnsHostnames off";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in ctx.imagebuilder_endpoints()? {
        if !ibaudit_snapshot::scope::needs_vpc_dns_attributes(ep) {
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
                &ATTRIBUTES_OFF,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} has private DNS enabled but its VPC {} has {} set to false: private DNS cannot work, so calls to imagebuilder.{}.amazonaws.com do not reach the endpoint",
                    ep.vpc_endpoint_id,
                    ep.vpc_id,
                    common::list(&off),
                    ctx.region()
                ),
            );
        }
    }
    Ok(())
}
