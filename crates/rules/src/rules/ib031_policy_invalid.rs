//! An endpoint policy that is not a valid endpoint policy.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    PolicyInvalid {
        id: "IB031",
        name: "policy-invalid",
        outcomes: {
            INVALID: "invalid", High, "an endpoint policy is not a valid endpoint policy";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in out.report_gaps(ctx.policy_endpoints()?) {
        let analysed = ctx.policy(ep);
        if !analysed.lint.invalid.is_empty() {
            out.report(
                &INVALID,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "the policy of endpoint {} ({}) is not a valid endpoint policy: {}",
                    ep.vpc_endpoint_id,
                    ep.service_name.as_deref().unwrap_or("no service name"),
                    analysed.lint.invalid.join("; ")
                ),
            );
        }
    }
    Ok(())
}
