//! An S3 endpoint policy that blocks Amazon-managed components.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

rule! {
    S3PolicyBlocksManagedComponents {
        id: "IB011",
        name: "s3-policy-blocks-managed-components",
        outcomes: {
            BLOCKS: "blocks", High, "an S3 endpoint policy blocks the managed components download";
            CANNOT_PROVE: "cannot-prove", Medium, "whether an S3 endpoint policy lets the managed components download through depends on unknown condition keys";
            POLICY_INVALID: "policy-invalid", Medium, "an S3 endpoint policy is not valid, so the managed components download cannot be judged";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    super::s3_policy::check(
        ctx,
        out,
        super::s3_policy::Outcomes {
            blocks: &BLOCKS,
            cannot_prove: &CANNOT_PROVE,
            policy_invalid: &POLICY_INVALID,
        },
        "the managed components download",
        "components/",
        crate::requests::managed_resources_bucket,
    )
}
