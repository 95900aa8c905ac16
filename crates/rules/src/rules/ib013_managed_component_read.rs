//! An Image Builder endpoint policy that denies reading Amazon-managed components.

use ibaudit_policy::{evaluate, Decision};

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    ImageBuilderPolicyBlocksManagedComponents {
        id: "IB013",
        name: "imagebuilder-policy-blocks-managed-components",
        outcomes: {
            DENIES: "denies", Medium, "an Image Builder endpoint policy does not let your principals read Amazon-managed components";
            CANNOT_PROVE: "cannot-prove", Low, "whether an Image Builder endpoint policy lets your principals read Amazon-managed components depends on unknown condition keys";
            POLICY_INVALID: "policy-invalid", Low, "an Image Builder endpoint policy is not valid, so the managed component read cannot be judged";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
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
                &POLICY_INVALID,
                common::endpoint(&ep.vpc_endpoint_id),
                format!(
                    "cannot tell whether {subject} lets your principals call imagebuilder:GetComponent on {library}: its policy is not valid ({}; see IB031)",
                    analysed.lint.invalid.join("; ")
                ),
            );
            continue;
        };
        let request = crate::requests::managed_component_read(ctx, ep);
        let resource = common::endpoint(&ep.vpc_endpoint_id);
        match evaluate(policy, &request) {
            Decision::Allowed { .. } => {}
            Decision::Denied { statement } => out.report(
                &DENIES,
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
                &CANNOT_PROVE,
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
