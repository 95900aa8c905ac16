//! An isolated build subnet without Systems Manager endpoints.

use ibaudit_snapshot::scope::EndpointService;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    IsolatedBuildMissingSsm {
        id: "IB014",
        name: "isolated-build-missing-ssm",
        outcomes: {
            MISSING_SSM: "missing-ssm", High, "an isolated build subnet has no ssm or ssmmessages interface endpoint in its VPC";
        },
    }
}

const SERVICES: [EndpointService; 2] = [EndpointService::Ssm, EndpointService::SsmMessages];

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for id in out.report_gaps(ctx.build_subnet_ids()?) {
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
            if !ctx.has_interface_endpoint(&subnet.vpc_id, service.id())? {
                lacking.push(service.service_name(ctx.region()));
            }
        }
        if !lacking.is_empty() {
            out.report(
                &MISSING_SSM,
                common::subnet(id),
                format!(
                    "build subnet {id} has no default route and its VPC {} has no interface endpoint for {}: Image Builder runs build steps through Systems Manager, so builds time out verifying the SSM Agent",
                    subnet.vpc_id,
                    common::list(&lacking)
                ),
            );
        }
    }
    Ok(())
}
