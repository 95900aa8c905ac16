//! The deployed twin: each CloudFormation fixture of the network deployed
//! into the emulator (moto's CloudFormation, the `cfn-twin` scenario of
//! `tests/harness/emulator.py`), the account scanned live with `ibaudit
//! scan`, and its findings compared with `ibaudit iac` on the template: the
//! same rule, the same outcome (the severity it gives), the same resource once
//! the template's logical ids are mapped to the physical ids the stack
//! reports. Where moto 5.2.5 falls short of CloudFormation, the harness
//! deploys a transformed copy and creates the rest through the API; its hello
//! line lists each workaround (see "Testing the collector" in the README).
//!
//! The two sides may differ only where a template cannot tell: the findings
//! each test documents in `Twin::iac_only` and `Twin::scan_only`, IB900 and
//! IB021 only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::collector::{run, Emulator};
use crate::common::*;

const REGION: &str = "us-east-1";

/// One finding as both sides can name it: rule, name, severity (the
/// outcome's), region, resource.
type Key = (String, String, String, String, String);

fn key(rule: &str, name: &str, severity: &str, resource: &str) -> Key {
    (
        rule.to_string(),
        name.to_string(),
        severity.to_string(),
        REGION.to_string(),
        resource.to_string(),
    )
}

/// A template, what both sides must find in it, and where they may differ.
struct Twin {
    template: &'static str,
    /// Findings both sides must report, with the template's logical ids.
    agreed: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Only `iac` reports these (rule, resource), and why.
    iac_only: &'static [(&'static str, &'static str, &'static str)],
    /// Only `scan` reports these (rule, resource), and why.
    scan_only: &'static [(&'static str, &'static str, &'static str)],
}

/// What a template that declares no trail leaves open: `iac` cannot judge
/// the account's trails (IB900 on DescribeTrails, "outside the files"), and
/// the twin's account has no other trail, so `scan` finds the region
/// unrecorded (IB021).
const NO_TRAIL_IAC: (&str, &str, &str) = (
    "IB900",
    "DescribeTrails",
    "the template declares no trail: the account's trails are outside the files",
);
const NO_TRAIL_SCAN: (&str, &str, &str) = (
    "IB021",
    REGION,
    "the twin's account holds what the template declares: no trail",
);

/// A JSON report's findings as keys, with the resource id mapped.
fn keys(report: &Value, map: &dyn Fn(&str) -> String) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {report}"))
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_else(|| panic!("{k}: {f}"));
            (
                s("rule").to_string(),
                s("name").to_string(),
                s("severity").to_string(),
                s("region").to_string(),
                map(s("resource_id")),
            )
        })
        .collect()
}

/// Both reports, their findings one a line, for a failure message.
fn both_sides(
    iac: &Value,
    scan: &Value,
    physical: &BTreeMap<String, String>,
    emu: &Emulator,
) -> String {
    let mut out = String::new();
    for (side, report) in [("ibaudit iac", iac), ("ibaudit scan", scan)] {
        let _ = writeln!(out, "--- {side}:");
        for f in report["findings"].as_array().into_iter().flatten() {
            let s = |k: &str| f[k].as_str().unwrap_or("");
            let _ = writeln!(
                out,
                "  {} {} {} {} {} | {}",
                s("rule"),
                s("name"),
                s("severity"),
                s("region"),
                s("resource_id"),
                s("message")
            );
        }
    }
    let _ = writeln!(out, "--- logical -> physical: {physical:#?}");
    let _ = writeln!(
        out,
        "--- workarounds of the deployed copy: {:#}",
        emu.ids["workarounds"]
    );
    out
}

fn json_report(o: &std::process::Output, side: &str) -> Value {
    serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("{side}: {e}: {}\n{}", stdout(o), stderr(o)))
}

/// Exit 3 exactly when the report holds a not-assessed finding (IB900), 0
/// otherwise: `--fail-on none` never gives 1.
fn check_code(o: &std::process::Output, report: &Value, side: &str) {
    let incomplete = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["rule"] == "IB900");
    assert_eq!(
        code(o),
        if incomplete { 3 } else { 0 },
        "{side}: {}",
        stderr(o)
    );
}

fn check(twin: &Twin) {
    let template = fixture(&format!("iac/cfn/{}", twin.template));
    let template = template.to_str().unwrap();
    let emu = Emulator::start_with("cfn-twin", &[template, REGION]);
    let physical: BTreeMap<String, String> =
        serde_json::from_value(emu.ids["physical"].clone()).expect("the stack's resources");
    assert!(
        !physical.is_empty(),
        "the stack has no resources: {}",
        emu.ids
    );

    let o = Ibaudit::new(&[
        "iac",
        template,
        "--region",
        REGION,
        "--account-id",
        &emu.account,
        "--format",
        "json",
        "--fail-on",
        "none",
    ])
    .run();
    let iac = json_report(&o, "iac");
    check_code(&o, &iac, "iac");

    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "scan",
            "--region",
            REGION,
            "--endpoint-url",
            &emu.endpoint,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--save-snapshot",
            "s.json",
        ],
        dir.path(),
    );
    let scan = json_report(&o, "scan");
    check_code(&o, &scan, "scan");
    // The scan read the stack: every endpoint and build configuration it
    // deployed is in the collected snapshot.
    let snapshot = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    for (logical, kind) in emu.ids["types"].as_object().unwrap() {
        if matches!(
            kind.as_str(),
            Some("AWS::EC2::VPCEndpoint" | "AWS::ImageBuilder::InfrastructureConfiguration")
        ) {
            let id = &physical[logical];
            assert!(
                snapshot.contains(&format!("\"{id}\"")),
                "{logical} ({id}) is not in the scanned snapshot"
            );
        }
    }

    let to_physical = |id: &str| physical.get(id).cloned().unwrap_or_else(|| id.to_string());
    let from_iac = keys(&iac, &to_physical);
    let from_scan = keys(&scan, &|id: &str| id.to_string());
    let context = both_sides(&iac, &scan, &physical, &emu);

    // What each side must hold, whatever the other says.
    for (rule, name, severity, logical) in twin.agreed {
        let want = key(rule, name, severity, &to_physical(logical));
        assert!(
            from_iac.contains(&want) && from_scan.contains(&want),
            "{rule} {name} {severity} on {logical} missing from a side\n{context}"
        );
    }

    // Where they differ: exactly the documented findings, IB900 and IB021 only.
    let documented = |list: &[(&str, &str, &str)]| -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(rule, resource, _why)| {
                assert!(
                    matches!(*rule, "IB900" | "IB021"),
                    "only IB900 and IB021 may differ between the template and its twin, not {rule}"
                );
                (rule.to_string(), to_physical(resource))
            })
            .collect()
    };
    let rule_and_resource = |set: BTreeSet<&Key>| -> BTreeSet<(String, String)> {
        set.into_iter()
            .map(|k| (k.0.clone(), k.4.clone()))
            .collect()
    };
    assert_eq!(
        rule_and_resource(from_iac.difference(&from_scan).collect()),
        documented(twin.iac_only),
        "findings of `iac` that `scan` of the deployed twin does not report (left: found, right: documented)\n{context}"
    );
    assert_eq!(
        rule_and_resource(from_scan.difference(&from_iac).collect()),
        documented(twin.scan_only),
        "findings of `scan` of the deployed twin that `iac` does not report (left: found, right: documented)\n{context}"
    );
}

#[test]
fn healthy_template_and_its_twin_agree() {
    // Nothing to find on either side: the trail is in the template.
    check(&Twin {
        template: "healthy.yaml",
        agreed: &[],
        iac_only: &[],
        scan_only: &[],
    });
}

#[test]
fn broken_template_and_its_twin_agree() {
    check(&Twin {
        template: "broken.yaml",
        agreed: &[
            (
                "IB002",
                "private-dns-disabled",
                "medium",
                "ImageBuilderEndpoint",
            ),
            (
                "IB005",
                "endpoint-blocks-https",
                "high",
                "ImageBuilderEndpoint",
            ),
            ("IB006", "endpoint-single-az", "low", "ImageBuilderEndpoint"),
            ("IB012", "no-s3-path", "high", "SubnetA"),
            ("IB014", "isolated-build-missing-ssm", "high", "SubnetA"),
        ],
        iac_only: &[NO_TRAIL_IAC],
        scan_only: &[NO_TRAIL_SCAN],
    });
}

#[test]
fn json_template_and_its_twin_agree() {
    check(&Twin {
        template: "endpoints.json",
        agreed: &[
            ("IB006", "endpoint-single-az", "low", "ImageBuilderEndpoint"),
            ("IB010", "s3-policy-blocks-awstoe", "high", "S3Endpoint"),
        ],
        iac_only: &[NO_TRAIL_IAC],
        scan_only: &[NO_TRAIL_SCAN],
    });
}
