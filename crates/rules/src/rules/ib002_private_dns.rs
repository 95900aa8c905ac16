//! An Image Builder endpoint without private DNS.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB002", "private-dns-disabled", Medium);

pub struct PrivateDnsDisabled;

impl Rule for PrivateDnsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for ep in ctx.imagebuilder_endpoints()? {
            match ep.private_dns_enabled {
                Some(true) => {}
                Some(false) => out.report(
                    Severity::Medium,
                    super::endpoint(&ep.vpc_endpoint_id),
                    format!(
                        "Image Builder endpoint {} has private DNS disabled: imagebuilder.{}.amazonaws.com does not resolve to it, so SDK and CLI calls from {} bypass the endpoint",
                        ep.vpc_endpoint_id,
                        ctx.region(),
                        ep.vpc_id
                    ),
                ),
                None => out.not_assessed(Missing {
                    operation: "DescribeVpcEndpoints",
                    resource: Some(ep.vpc_endpoint_id.clone()),
                    code: Some("FieldMissing".into()),
                    message: Some("the endpoint has no PrivateDnsEnabled field".into()),
                }),
            }
        }
        Ok(())
    }
}
