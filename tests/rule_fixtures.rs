//! Every rule against its pass and fail fixtures.
//!
//! A fixture is a snapshot with an `expect` key listing exactly the findings
//! of its directory's rule (`rule`, `resource`, `severity`); pass fixtures
//! expect none. The snapshot reader keeps unknown envelope keys, so the
//! expectation travels inside the fixture it describes.

mod common;

use std::collections::BTreeSet;

/// (rule, resource, severity), sorted: a multiset, so two findings on one
/// resource count twice.
use common::{audit_file, fixture, json_files};
use ibaudit_rules::registry;

type Expected = Vec<(String, String, String)>;

fn expected(path: &std::path::Path) -> Expected {
    let snapshot = ibaudit_snapshot::load(path).unwrap();
    let list = snapshot
        .extra
        .get("expect")
        .unwrap_or_else(|| panic!("{}: no `expect` key", path.display()));
    list.as_array()
        .unwrap_or_else(|| panic!("{}: `expect` is not a list", path.display()))
        .iter()
        .map(|e| {
            let field = |k: &str| {
                e[k].as_str()
                    .unwrap_or_else(|| panic!("{}: expect entry without {k}", path.display()))
                    .to_string()
            };
            (field("rule"), field("resource"), field("severity"))
        })
        .collect::<Vec<_>>()
        .sorted()
}

trait Sorted {
    fn sorted(self) -> Self;
}

impl Sorted for Expected {
    fn sorted(mut self) -> Self {
        self.sort();
        self
    }
}

fn check_rule(id: &str) {
    let dir = fixture(&format!("rules/{id}"));
    let files = json_files(&dir);
    let names = |prefix: &str| {
        files
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .count()
    };
    assert!(
        names("fail") >= 1,
        "{id}: no fail fixture in {}",
        dir.display()
    );
    assert!(
        names("pass") >= 1,
        "{id}: no pass fixture in {}",
        dir.display()
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let want = expected(&path);
        assert!(
            want.iter().all(|(rule, _, _)| rule == id),
            "{name}: expect lists another rule than {id}"
        );
        if name.starts_with("pass") {
            assert!(
                want.is_empty(),
                "{id}/{name}: a pass fixture expects nothing"
            );
        } else {
            assert!(
                !want.is_empty(),
                "{id}/{name}: a fail fixture must expect a finding"
            );
        }
        let report = audit_file(&path);
        let got: Expected = report
            .findings
            .iter()
            .filter(|f| f.rule == id)
            .map(|f| {
                (
                    f.rule.to_string(),
                    f.resource_id.clone(),
                    f.severity.to_string(),
                )
            })
            .collect::<Vec<_>>()
            .sorted();
        let messages: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} {} {}: {}", f.rule, f.severity, f.resource_id, f.message))
            .collect();
        assert_eq!(
            got,
            want,
            "{id}/{name}: findings differ; all findings:\n{}",
            messages.join("\n")
        );
        if id != "IB900" {
            let gaps: Vec<&String> = messages.iter().filter(|m| m.starts_with("IB900")).collect();
            assert!(
                gaps.is_empty(),
                "{id}/{name}: the fixture is incomplete: {gaps:?}"
            );
        }
    }
}

macro_rules! rule_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $( #[test] fn $name() { check_rule($id); } )*

        #[test]
        fn every_registered_rule_has_a_fixture_test() {
            let tested: BTreeSet<&str> = [$($id),*].into_iter().collect();
            let registered: BTreeSet<&str> = registry().iter().map(|r| r.meta().id).collect();
            assert_eq!(tested, registered);
        }
    };
}

rule_tests! {
    ib001_imagebuilder_endpoint_missing => "IB001",
    ib002_private_dns_disabled => "IB002",
    ib003_vpc_dns_attributes_disabled => "IB003",
    ib004_endpoint_not_available => "IB004",
    ib005_endpoint_blocks_https => "IB005",
    ib006_endpoint_single_az => "IB006",
    ib010_s3_policy_blocks_awstoe => "IB010",
    ib011_s3_policy_blocks_managed_components => "IB011",
    ib012_no_s3_path => "IB012",
    ib013_imagebuilder_policy_blocks_managed_components => "IB013",
    ib014_isolated_build_missing_ssm => "IB014",
    ib020_custom_policy_logging_gap => "IB020",
    ib021_cloudtrail_not_recording => "IB021",
    ib030_policy_action_malformed => "IB030",
    ib031_policy_invalid => "IB031",
    ib900_not_assessed => "IB900",
}
