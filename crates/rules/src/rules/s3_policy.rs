//! What IB010 and IB011 share: evaluate an anonymous S3 download through
//! every S3 endpoint of every Image Builder VPC, for every environment.

use ibaudit_policy::{evaluate, Decision};

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{RuleOutcome, Sink};

/// The calling rule's outcomes.
pub(crate) struct Outcomes {
    /// The policy denies the download.
    pub blocks: &'static RuleOutcome,
    /// Whether it allows it depends on condition keys the audit cannot know.
    pub cannot_prove: &'static RuleOutcome,
    /// The policy does not parse or is not a valid endpoint policy.
    pub policy_invalid: &'static RuleOutcome,
}

/// `bucket_for(ctx, environment) -> (bucket, object ARN)`; `what` names the
/// download in messages.
pub(crate) fn check(
    ctx: &RegionCtx<'_>,
    out: &mut Sink,
    outcomes: Outcomes,
    what: &str,
    prefix: &str,
    bucket_for: fn(&RegionCtx<'_>, &str) -> (String, String),
) -> Result<(), Missing> {
    for vpc in out.report_gaps(ctx.imagebuilder_vpcs()?) {
        for ep in ctx.s3_endpoints(vpc)? {
            let analysed = ctx.policy(ep);
            let resource = super::common::endpoint(&ep.vpc_endpoint_id);
            let Some(policy) = &analysed.policy else {
                out.report(
                    outcomes.policy_invalid,
                    resource,
                    format!(
                        "cannot tell whether S3 endpoint {} in {vpc} lets {what} through: its policy is not valid ({}; see IB031)",
                        ep.vpc_endpoint_id,
                        analysed.lint.invalid.join("; ")
                    ),
                );
                continue;
            };
            for env in ctx.environments {
                let (bucket, object) = bucket_for(ctx, env);
                let pattern = format!("arn:{}:s3:::{bucket}/{prefix}*", ctx.partition());
                let request = crate::requests::awstoe_download(ctx, ep, object);
                let key = format!("{env}/{bucket}");
                let subject = format!("S3 endpoint {} in {vpc}", ep.vpc_endpoint_id);
                match evaluate(policy, &request) {
                    Decision::Allowed { .. } => {}
                    Decision::Denied { statement: Some(i) } => out.report_keyed(
                        outcomes.blocks,
                        resource.clone(),
                        key,
                        format!(
                            "{subject} blocks {what}: {} explicitly denies the unauthenticated s3:GetObject on {pattern}",
                            policy.statements[i].label()
                        ),
                    ),
                    Decision::Denied { statement: None } => out.report_keyed(
                        outcomes.blocks,
                        resource.clone(),
                        key,
                        format!(
                            "{subject} blocks {what}: no statement of its policy allows the unauthenticated s3:GetObject on {pattern} (statements limited to your principals, organization or resources do not apply to it)"
                        ),
                    ),
                    Decision::Undetermined { keys } => out.report_keyed(
                        outcomes.cannot_prove,
                        resource.clone(),
                        key,
                        format!(
                            "cannot prove that {subject} lets {what} through: whether its policy allows the unauthenticated s3:GetObject on {pattern} depends on {}",
                            ibaudit_policy::describe_keys(&keys)
                        ),
                    ),
                }
            }
        }
    }
    Ok(())
}
