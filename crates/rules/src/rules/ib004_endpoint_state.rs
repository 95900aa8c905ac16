//! An Image Builder endpoint that is not `available`.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB004", "endpoint-not-available", High);

pub struct EndpointNotAvailable;

impl Rule for EndpointNotAvailable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        // Every Image Builder endpoint, including deleted ones: the state is the point.
        for ep in ctx
            .endpoints()?
            .iter()
            .filter(|e| ctx.is_imagebuilder_endpoint(e))
        {
            let Some(state) = ep.state.as_deref() else {
                out.not_assessed(Missing {
                    operation: "DescribeVpcEndpoints",
                    resource: Some(ep.vpc_endpoint_id.clone()),
                    code: Some("FieldMissing".into()),
                    message: Some("the endpoint has no State field".into()),
                });
                continue;
            };
            if state.eq_ignore_ascii_case("available") {
                continue;
            }
            let severity = if state.eq_ignore_ascii_case("pendingAcceptance")
                || state.eq_ignore_ascii_case("pending")
            {
                Severity::Medium
            } else {
                Severity::High
            };
            out.report(
                severity,
                super::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "Image Builder endpoint {} in {} is in state `{state}`, not `available`: it does not carry Image Builder API traffic",
                    ep.vpc_endpoint_id, ep.vpc_id
                ),
            );
        }
        Ok(())
    }
}
