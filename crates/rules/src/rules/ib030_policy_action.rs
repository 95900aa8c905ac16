//! An endpoint policy action that can never match.

use ibaudit_policy::Effect;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    PolicyActionMalformed {
        id: "IB030",
        name: "policy-action-malformed",
        outcomes: {
            DENY: "deny", High, "a Deny statement names an action that can never match";
            ALLOW: "allow", Low, "an Allow statement names an action that can never match";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for ep in out.report_gaps(ctx.policy_endpoints()?) {
        let analysed = ctx.policy(ep);
        for p in &analysed.lint.actions {
            let element = if p.not_action { "NotAction" } else { "Action" };
            let (outcome, consequence) = match (p.effect, p.not_action) {
                (Effect::Deny, false) => {
                    (&DENY, "the deny silently does nothing for it")
                }
                (Effect::Deny, true) => {
                    (&DENY, "the deny applies to more than intended")
                }
                (Effect::Allow, false) => (&ALLOW, "it allows nothing"),
                (Effect::Allow, true) => (&ALLOW, "the allow covers more than intended"),
            };
            out.report_keyed(
                outcome,
                common::endpoint(&ep.vpc_endpoint_id),
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
