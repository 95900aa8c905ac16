//! A non-default policy on an Image Builder endpoint: some failures go unlogged.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB020", "custom-policy-logging-gap", Low);

pub struct CustomPolicyLoggingGap;

impl Rule for CustomPolicyLoggingGap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for ep in ctx.imagebuilder_endpoints()? {
            if ctx.policy(ep).is_default() {
                continue;
            }
            out.report(
                Severity::Low,
                super::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} has a non-default endpoint policy: failed requests such as those failing with RequestLimitExceeded might not be logged to CloudTrail or CloudWatch; watch image and pipeline status (the infrastructure configuration's SNS topic) and the endpoint's AWS/PrivateLinkEndpoints metrics instead",
                    ep.vpc_endpoint_id
                ),
            );
        }
        Ok(())
    }
}
