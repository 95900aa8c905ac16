//! An S3 endpoint policy that blocks the AWSTOE download.

use crate::context::{Missing, RegionCtx};
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB010", "s3-policy-blocks-awstoe", High);

pub struct S3PolicyBlocksAwstoe;

impl Rule for S3PolicyBlocksAwstoe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        super::s3_policy::check(
            ctx,
            out,
            "the AWSTOE download",
            "",
            crate::requests::toe_bucket,
        )
    }
}
