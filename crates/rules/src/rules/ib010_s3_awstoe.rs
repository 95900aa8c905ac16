//! An S3 endpoint policy that blocks the AWSTOE download.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

rule! {
    S3PolicyBlocksAwstoe {
        id: "IB010",
        name: "s3-policy-blocks-awstoe",
        outcomes: {
            BLOCKS: "blocks", High, "an S3 endpoint policy blocks the AWSTOE download";
            CANNOT_PROVE: "cannot-prove", Medium, "whether an S3 endpoint policy lets the AWSTOE download through depends on unknown condition keys";
            POLICY_INVALID: "policy-invalid", Medium, "an S3 endpoint policy is not valid, so the AWSTOE download cannot be judged";
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
        "the AWSTOE download",
        "",
        crate::requests::toe_bucket,
    )
}
