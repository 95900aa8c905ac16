//! An isolated build subnet without Systems Manager endpoints.

use crate::context::{Missing, RegionCtx};
use crate::finding::Severity;
use crate::registry::{rule_meta, Rule, RuleMeta, Sink};

rule_meta!("IB014", "isolated-build-missing-ssm", High);

pub struct IsolatedBuildMissingSsm;

const SERVICES: [&str; 2] = ["ssm", "ssmmessages"];

impl Rule for IsolatedBuildMissingSsm {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        for id in ctx.build_subnet_ids(out)? {
            let isolated = ctx
                .subnet(id)
                .and_then(|s| Ok((s, RegionCtx::default_route(ctx.route_table(s)?).is_none())));
            let subnet = match isolated {
                Ok((_, false)) => continue,
                Ok((s, true)) => s,
                Err(m) => {
                    out.not_assessed(m);
                    continue;
                }
            };
            let mut lacking = Vec::new();
            for service in SERVICES {
                if !ctx.has_interface_endpoint(&subnet.vpc_id, service)? {
                    lacking.push(ctx.service_name(service));
                }
            }
            if !lacking.is_empty() {
                out.report(
                    Severity::High,
                    super::subnet(id),
                    format!(
                        "build subnet {id} has no default route and its VPC {} has no interface endpoint for {}: Image Builder runs build steps through Systems Manager, so builds time out verifying the SSM Agent",
                        subnet.vpc_id,
                        super::list(&lacking)
                    ),
                );
            }
        }
        Ok(())
    }
}
