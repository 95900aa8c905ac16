//! An S3 endpoint policy that blocks Amazon-managed components.

use crate::context::{Missing, RegionCtx};
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB011", "s3-policy-blocks-managed-components", High);

pub struct S3PolicyBlocksManagedComponents;

impl Rule for S3PolicyBlocksManagedComponents {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        super::s3_policy::check(
            ctx,
            out,
            "the managed components download",
            "components/",
            crate::requests::managed_resources_bucket,
        )
    }
}
