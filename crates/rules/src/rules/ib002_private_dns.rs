//! An Image Builder endpoint without private DNS.

use ibaudit_snapshot::Operation;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    PrivateDnsDisabled {
        id: "IB002",
        name: "private-dns-disabled",
        outcomes: {
            DISABLED: "disabled", Medium, "an Image Builder endpoint has private DNS disabled, so the service name does not resolve to it";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in ctx.imagebuilder_endpoints()? {
        match ep.private_dns_enabled {
            Some(true) => {}
            Some(false) => out.report(
                &DISABLED,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} has private DNS disabled: imagebuilder.{}.amazonaws.com does not resolve to it, so SDK and CLI calls from {} bypass the endpoint",
                    ep.vpc_endpoint_id,
                    ctx.region(),
                    ep.vpc_id
                ),
            ),
            None => out.not_assessed(Missing::field_missing(
                Operation::DescribeVpcEndpoints,
                &ep.vpc_endpoint_id,
                "the endpoint has no PrivateDnsEnabled field",
            )),
        }
    }
    Ok(())
}
