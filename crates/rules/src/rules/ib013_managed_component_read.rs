//! An Image Builder endpoint policy that denies reading Amazon-managed components.

use ibaudit_policy::{evaluate, Decision};

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!(
    "IB013",
    "imagebuilder-policy-blocks-managed-components",
    Medium
);

pub struct ImageBuilderPolicyBlocksManagedComponents;

impl Rule for ImageBuilderPolicyBlocksManagedComponents {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        let library = format!(
            "arn:{}:imagebuilder:{}:aws:component/*",
            ctx.partition(),
            ctx.region()
        );
        for ep in ctx.imagebuilder_endpoints()? {
            let analysed = ctx.policy(ep);
            let subject = format!("Image Builder endpoint {}", ep.vpc_endpoint_id);
            let Some(policy) = &analysed.policy else {
                out.report(
                    Severity::Low,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "cannot tell whether {subject} lets your principals call imagebuilder:GetComponent on {library}: its policy is not valid ({}; see IB031)",
                        analysed.lint.invalid.join("; ")
                    ),
                );
                continue;
            };
            let request = crate::requests::managed_component_read(ctx, ep);
            let resource = super::endpoint(&ep.vpc_endpoint_id);
            match evaluate(policy, &request) {
                Decision::Allowed { .. } => {}
                Decision::Denied { statement } => out.report(
                    Severity::Medium,
                    resource,
                    format!(
                        "{subject} does not let your principals call imagebuilder:GetComponent on the Amazon-managed component library {library}: {}; recipes with Amazon-managed components fail",
                        match statement {
                            Some(i) => format!("{} explicitly denies it", policy.statements[i].label()),
                            None => "no statement of its policy allows it".to_string(),
                        }
                    ),
                ),
                Decision::Undetermined { keys } => out.report(
                    Severity::Low,
                    resource,
                    format!(
                        "cannot prove that {subject} lets your principals call imagebuilder:GetComponent on {library}: it depends on {}",
                        ibaudit_policy::describe_keys(&keys)
                    ),
                ),
            }
        }
        Ok(())
    }
}
