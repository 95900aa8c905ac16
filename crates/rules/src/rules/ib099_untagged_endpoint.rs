//! An Image Builder endpoint without tags (scratch rule).

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    UntaggedEndpoint {
        id: "IB099",
        name: "untagged-endpoint",
        outcomes: {
            UNTAGGED: "untagged", Low, "an Image Builder endpoint has no tags";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in ctx.imagebuilder_endpoints()? {
        if ep.tags.is_empty() {
            out.report(
                &UNTAGGED,
                common::endpoint(&ep.vpc_endpoint_id),
                format!("Image Builder endpoint {} has no tags", ep.vpc_endpoint_id),
            );
        }
    }
    Ok(())
}
