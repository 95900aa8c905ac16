//! A build subnet whose VPC has no Image Builder endpoint.

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::rule::{rule, Sink};

use super::common;

rule! {
    ImageBuilderEndpointMissing {
        id: "IB001",
        name: "imagebuilder-endpoint-missing",
        outcomes: {
            NO_PATH: "no-path", High, "a build subnet cannot reach the Image Builder API: no endpoint in its VPC and no default route";
            DEFAULT_ROUTE: "default-route", Info, "a build subnet reaches the Image Builder API outside the VPC, through its default route";
        },
    }
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    let service = ctx.service_name("imagebuilder");
    for subnet_id in out.report_gaps(ctx.build_subnet_ids()?) {
        let subnet = match ctx.subnet(subnet_id) {
            Ok(s) => s,
            Err(m) => {
                out.not_assessed(m);
                continue;
            }
        };
        let has_endpoint = ctx
            .endpoints_in_vpc(&subnet.vpc_id)?
            .iter()
            .any(|e| ctx.is_imagebuilder_endpoint(e) && !ibaudit_snapshot::scope::is_gone(e));
        if has_endpoint {
            continue;
        }
        // The endpoint left out of an incomplete listing may be this VPC's.
        if let Err(m) = ctx.endpoints_complete(Some(&subnet.vpc_id), "imagebuilder") {
            out.not_assessed(m);
            continue;
        }
        let table = match ctx.route_table(subnet) {
            Ok(t) => t,
            Err(m) => {
                out.not_assessed(m);
                continue;
            }
        };
        match RegionCtx::default_route(table) {
            None => out.report(
                &NO_PATH,
                common::subnet(subnet_id),
                format!(
                    "build subnet {subnet_id} is in {vpc}, which has no {service} interface endpoint, and its route table {rt} has no default route: build instances there cannot reach the Image Builder API",
                    vpc = subnet.vpc_id,
                    rt = table.route_table_id,
                ),
            ),
            Some(route) => out.report(
                &DEFAULT_ROUTE,
                common::subnet(subnet_id),
                format!(
                    "build subnet {subnet_id} is in {vpc}, which has no {service} interface endpoint: Image Builder API traffic leaves the VPC through {hop} (route table {rt})",
                    vpc = subnet.vpc_id,
                    hop = route.target().unwrap_or("the default route"),
                    rt = table.route_table_id,
                ),
            ),
        }
    }
    Ok(())
}
