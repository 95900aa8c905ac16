//! The plan reader and the builder on the fixture plans.

use std::path::Path;

use ibaudit_iac::build::{build, BuildOptions};
use ibaudit_iac::ir::{IrKind, V};
use ibaudit_iac::terraform::{read_plan, PlanOptions};

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn references_known_only_after_apply_resolve_through_configuration_and_modules() {
    let bytes = fixture("fixtures/iac/terraform/ib-vpc/plan.json");
    let model = read_plan(
        &bytes,
        &PlanOptions {
            display: "plan.json",
            regions: &[],
            source_root: None,
        },
    )
    .unwrap();
    assert_eq!(model.regions.len(), 1);
    let r = &model.regions[0];
    assert_eq!(r.region, "us-east-1");
    let ep = r
        .resources
        .iter()
        .find(|x| x.id == "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this")
        .expect("the module instance keeps its key");
    let IrKind::Endpoint(e) = &ep.kind else {
        panic!("not an endpoint")
    };
    // vpc_id = var.vpc_id, the call's argument aws_vpc.main.id.
    assert_eq!(e.vpc, V::Known("aws_vpc.main".into()));
    // subnet_ids = aws_subnet.private[*].id through the module call: both instances.
    assert_eq!(
        e.subnets,
        vec![
            V::Known("aws_subnet.private[0]".into()),
            V::Known("aws_subnet.private[1]".into())
        ]
    );
    assert_eq!(e.private_dns_enabled, V::Known(false));
    // policy is not set: the default policy, not an unknown.
    assert_eq!(e.policy, V::Known(None));
    // The plan JSON's entry line: no --source-root.
    assert!(!ep.origin.in_source);
    assert!(ep.origin.location.line > 1);
    // count instances never collapse.
    let assoc: Vec<_> = r
        .resources
        .iter()
        .filter(|x| {
            x.origin
                .key
                .starts_with("aws_route_table_association.private[")
        })
        .collect();
    assert_eq!(assoc.len(), 2);
    let IrKind::RouteTableAssociation(a1) = &assoc[1].kind else {
        panic!()
    };
    assert_eq!(a1.subnet, Some(V::Known("aws_subnet.private[1]".into())));
    // The delete is recorded by its real id.
    assert!(model
        .deleted
        .iter()
        .any(|(reg, id)| reg == "us-east-1" && id == "vpce-0legacy000000001"));
    let built = build(
        &model,
        &BuildOptions {
            account_id: "111122223333",
            partition: "aws",
            base: None,
            collected_at: "2026-12-01T10:00:00Z".into(),
        },
    );
    if let Ok(out) = std::env::var("IBAUDIT_DUMP") {
        std::fs::write(
            out,
            serde_json::to_string_pretty(&built.variants[0].snapshot).unwrap(),
        )
        .unwrap();
    }
}

/// Inputs the fuzzer found that once panicked: each reads (or is refused)
/// and builds without a panic.
#[test]
fn fuzzer_findings_read_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        if let Ok(model) = read_plan(
            &bytes,
            &PlanOptions {
                display: "plan.json",
                regions: &["us-east-1".to_string()],
                source_root: None,
            },
        ) {
            build(
                &model,
                &BuildOptions {
                    account_id: "111122223333",
                    partition: "aws",
                    base: None,
                    collected_at: "2026-12-01T10:00:00Z".into(),
                },
            );
        }
        n += 1;
    }
    assert!(n >= 2);
}
