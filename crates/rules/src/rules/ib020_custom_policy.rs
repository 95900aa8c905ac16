//! A non-default policy on an Image Builder endpoint: some failures go unlogged.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    CustomPolicyLoggingGap {
        id: "IB020",
        name: "custom-policy-logging-gap",
        outcomes: {
            CUSTOM_POLICY: "custom-policy", Low, "an Image Builder endpoint has a non-default policy: some failed requests go unlogged";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in ctx.imagebuilder_endpoints()? {
        if ctx.policy(ep).is_default() {
            continue;
        }
        out.report(
            &CUSTOM_POLICY,
            common::endpoint(&ep.vpc_endpoint_id),
            format!(
                "Image Builder endpoint {} has a non-default endpoint policy: failed requests such as those failing with RequestLimitExceeded might not be logged to CloudTrail or CloudWatch; watch image and pipeline status (the infrastructure configuration's SNS topic) and the endpoint's AWS/PrivateLinkEndpoints metrics instead",
                ep.vpc_endpoint_id
            ),
        );
    }
    Ok(())
}
