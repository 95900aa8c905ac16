//! An Image Builder endpoint that is not `available`.

use ibaudit_snapshot::Operation;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    EndpointNotAvailable {
        id: "IB004",
        name: "endpoint-not-available",
        outcomes: {
            FAILED: "failed", High, "an Image Builder endpoint is in a state that carries no traffic (failed, rejected, deleted, ...)";
            PENDING: "pending", Medium, "an Image Builder endpoint is pending or pending acceptance";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    // Every Image Builder endpoint, including deleted ones: the state is the point.
    for ep in ctx
        .endpoints()?
        .iter()
        .filter(|e| ctx.is_imagebuilder_endpoint(e))
    {
        let Some(state) = ep.state.as_deref() else {
            out.not_assessed(Missing::field_missing(
                Operation::DescribeVpcEndpoints,
                &ep.vpc_endpoint_id,
                "the endpoint has no State field",
            ));
            continue;
        };
        if state.eq_ignore_ascii_case("available") {
            continue;
        }
        let outcome = if state.eq_ignore_ascii_case("pendingAcceptance")
            || state.eq_ignore_ascii_case("pending")
        {
            &PENDING
        } else {
            &FAILED
        };
        out.report(
            outcome,
            common::endpoint(&ep.vpc_endpoint_id),
            format!(
                "Image Builder endpoint {} in {} is in state `{state}`, not `available`: it does not carry Image Builder API traffic",
                ep.vpc_endpoint_id, ep.vpc_id
            ),
        );
    }
    Ok(())
}
