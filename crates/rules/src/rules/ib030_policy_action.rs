//! An endpoint policy action that can never match.

use ibaudit_policy::Effect;

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB030", "policy-action-malformed", High);

pub struct PolicyActionMalformed;

impl Rule for PolicyActionMalformed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for ep in ctx.policy_endpoints(out)? {
            let analysed = ctx.policy(ep);
            for p in &analysed.lint.actions {
                let element = if p.not_action { "NotAction" } else { "Action" };
                let (severity, consequence) = match (p.effect, p.not_action) {
                    (Effect::Deny, false) => {
                        (Severity::High, "the deny silently does nothing for it")
                    }
                    (Effect::Deny, true) => {
                        (Severity::High, "the deny applies to more than intended")
                    }
                    (Effect::Allow, false) => (Severity::Low, "it allows nothing"),
                    (Effect::Allow, true) => (Severity::Low, "the allow covers more than intended"),
                };
                out.report_keyed(
                    severity,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!("{}/{element}/{}", p.statement, p.action),
                    format!(
                        "the policy of endpoint {} has {element} `{}` in {} ({:?}), which can never match because {}: {consequence}",
                        ep.vpc_endpoint_id, p.action, p.label, p.effect, p.reason
                    ),
                );
            }
        }
        Ok(())
    }
}
