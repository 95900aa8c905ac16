//! An endpoint policy that is not a valid endpoint policy.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB031", "policy-invalid", High);

pub struct PolicyInvalid;

impl Rule for PolicyInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for ep in ctx.policy_endpoints(out)? {
            let analysed = ctx.policy(ep);
            if !analysed.lint.invalid.is_empty() {
                out.report(
                    Severity::High,
                    super::endpoint(&ep.vpc_endpoint_id),
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
}
