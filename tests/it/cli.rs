//! The command line end to end: exit codes, formats, output files,
//! suppressions, and clear errors on bad input.

use crate::common::*;
use serde_json::Value;

fn small(accounts: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    write_temp(
        "snapshot.json",
        &serde_json::to_string_pretty(&small_snapshot(accounts)).unwrap(),
    )
}

/// What the tests below rest on.
#[test]
fn the_small_snapshot_has_one_medium_and_one_low_finding() {
    let text = small_snapshot(&["111122223333"]).to_string();
    let snapshot =
        ibaudit_snapshot::from_slice(text.as_bytes(), std::path::Path::new("small.json")).unwrap();
    let report = ibaudit_rules::audit(&snapshot, &options());
    let got: Vec<(&str, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.severity.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("IB002", "medium".to_string()),
            ("IB006", "low".to_string())
        ]
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    // The small snapshot has one medium (IB002) and one low (IB006) finding.
    let (_d, p) = small(&["111122223333"]);
    let p = p.to_str().unwrap();
    let run = |fail_on: &str| {
        code(&ibaudit(&[
            "audit",
            p,
            "--format",
            "json",
            "--fail-on",
            fail_on,
        ]))
    };
    assert_eq!(run("high"), 0);
    assert_eq!(run("critical"), 0);
    assert_eq!(run("medium"), 1);
    assert_eq!(run("low"), 1);
    assert_eq!(run("none"), 0);
    assert_eq!(
        code(&ibaudit(&["audit", p, "--format", "json"])),
        0,
        "default is high"
    );
}

#[test]
fn incomplete_audit_exits_3_unless_something_fails() {
    let mut snap = small_snapshot(&["111122223333"]);
    snap["accounts"][0]["regions"][0]
        .as_object_mut()
        .unwrap()
        .remove("DescribeSecurityGroups");
    let (_d, p) = write_temp("s.json", &snap.to_string());
    let p = p.to_str().unwrap();
    let o = ibaudit(&["audit", p, "--format", "json"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let gap = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IB900")
        .expect("IB900 reported");
    let msg = gap["message"].as_str().unwrap();
    assert!(
        msg.contains("DescribeSecurityGroups") && msg.contains("IB005"),
        "{msg}"
    );
    assert_eq!(doc["summary"]["not_assessed"], 1);
    // A failing finding decides code 1 even when incomplete; IB900 never counts toward 1.
    assert_eq!(
        code(&ibaudit(&[
            "audit",
            p,
            "--format",
            "json",
            "--fail-on",
            "medium"
        ])),
        1
    );
    assert_eq!(
        code(&ibaudit(&[
            "audit",
            p,
            "--format",
            "json",
            "--fail-on",
            "none"
        ])),
        3
    );
}

#[test]
fn json_report_v1_shape() {
    let (_d, p) = small(&["111122223333"]);
    let o = ibaudit(&["audit", p.to_str().unwrap(), "--format", "json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["ibaudit_report"], 1);
    assert_eq!(doc["tool"]["name"], "ibaudit");
    assert_eq!(doc["snapshot"]["collected_at"], "2026-11-26T07:00:00Z");
    let findings = doc["findings"].as_array().unwrap();
    let ib002 = findings.iter().find(|f| f["rule"] == "IB002").unwrap();
    assert_eq!(ib002["name"], "private-dns-disabled");
    assert_eq!(ib002["severity"], "medium");
    assert_eq!(ib002["account_id"], "111122223333");
    assert_eq!(ib002["region"], "us-east-1");
    assert_eq!(ib002["resource_type"], "AWS::EC2::VPCEndpoint");
    assert_eq!(ib002["resource_id"], "vpce-0a1b2c3d4e5f60001");
    assert_eq!(
        ib002["resource_arn"],
        "arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0a1b2c3d4e5f60001"
    );
    assert!(ib002["message"].as_str().unwrap().contains("private DNS"));
    assert!(ib002["fingerprint"].as_str().unwrap().len() >= 16);
    assert!(ib002.get("suppressed").is_none());
    assert_eq!(doc["summary"]["total"], findings.len());
    assert_eq!(doc["summary"]["by_severity"]["medium"], 1);
    assert_eq!(doc["summary"]["by_severity"]["low"], 1);
    assert!(o.stderr.is_empty(), "nothing on stderr: {}", stderr(&o));
}

#[test]
fn output_is_deterministic() {
    let demo = demo();
    for format in ["json", "sarif", "table"] {
        let args = [
            "audit",
            demo.to_str().unwrap(),
            "--format",
            format,
            "--fail-on",
            "none",
        ];
        assert_eq!(ibaudit(&args).stdout, ibaudit(&args).stdout, "{format}");
    }
}

#[test]
fn fingerprints_do_not_depend_on_messages_or_order() {
    let (_d, p) = small(&["111122223333"]);
    let mut snap = small_snapshot(&["111122223333"]);
    // Same findings, different collection time and key order of the endpoint list.
    snap["collected_at"] = "2027-01-01T00:00:00Z".into();
    let (_d2, p2) = write_temp("s2.json", &snap.to_string());
    let fp = |p: &std::path::Path| -> Vec<String> {
        let doc: Value = serde_json::from_str(&stdout(&ibaudit(&[
            "audit",
            p.to_str().unwrap(),
            "--format",
            "json",
        ])))
        .unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fp(&p), fp(&p2));
}

#[test]
fn table_is_plain_when_piped_and_honours_no_color() {
    let o = ibaudit(&["audit", demo().to_str().unwrap(), "--fail-on", "none"]);
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'), "no escape codes when piped");
    assert!(text.is_ascii(), "ASCII when piped");
    assert!(
        text.lines()
            .all(|l| l.len() <= 120 || !l.starts_with(['+', '|'])),
        "fixed width"
    );
    assert!(text.contains("IB002") && text.contains("Severity"));
    let summary = text.lines().last().unwrap();
    assert!(
        summary.contains("finding") && summary.contains("account"),
        "{summary}"
    );
    // Forced colour shows escapes; NO_COLOR does not affect an explicit request,
    // but auto mode never colours a pipe.
    let colored = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--fail-on",
        "none",
        "--color",
        "always",
    ]);
    assert!(stdout(&colored).contains('\u{1b}'));
}

#[test]
fn table_rows_are_sorted_by_severity_then_rule() {
    let text = stdout(&ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--fail-on",
        "none",
    ]));
    let order = ["critical", "high", "medium", "low", "info"];
    let mut seen = Vec::new();
    for line in text.lines() {
        let first = line
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or("")
            .trim();
        if let Some(i) = order.iter().position(|s| *s == first) {
            seen.push(i);
        }
    }
    assert!(seen.len() >= 3, "{text}");
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "rows sorted by severity: {seen:?}"
    );
}

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.sarif");
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        "--fail-on",
        "none",
    ]);
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "the report goes to the file only");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(serde_json::from_str::<Value>(&written).is_ok());
    // A failed run leaves the previous report untouched and no temp files.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"ibaudit_snapshot\": 1,").unwrap();
    let o = ibaudit(&[
        "audit",
        bad.to_str().unwrap(),
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // Nothing is created when the input is bad and no file existed.
    let fresh = dir.path().join("fresh.json");
    let o = ibaudit(&[
        "audit",
        bad.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(!fresh.exists());
}

#[test]
fn suppressions_are_kept_but_do_not_count() {
    let (dir, p) = small(&["111122223333"]);
    let cfg = dir.path().join("ibaudit.toml");
    std::fs::write(
        &cfg,
        "[[suppress]]\nrule = \"IB002\"\nresource = \"arn:aws:ec2:*:vpc-endpoint/vpce-0a1b*\"\nreason = \"resolver rule forwards the name\"\nexpires = 2999-12-31\n",
    )
    .unwrap();
    let args = [
        "audit",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "medium",
        "--config",
        cfg.to_str().unwrap(),
    ];
    let o = ibaudit(&args);
    assert_eq!(
        code(&o),
        0,
        "with IB002 (medium) suppressed only IB006 (low) remains, below --fail-on medium"
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ib002 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IB002")
        .unwrap();
    assert_eq!(
        ib002["suppressed"]["reason"],
        "resolver rule forwards the name"
    );
    assert_eq!(ib002["suppressed"]["expires"], "2999-12-31");
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert!(doc["summary"]["by_severity"].get("medium").is_none());
}

#[test]
fn suppression_decides_the_exit_code() {
    let (dir, p) = small(&["111122223333"]);
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\nreason = \"accepted\"\n[[suppress]]\nrule = \"IB006\"\nresource = \"vpce-*\"\nreason = \"accepted\"\n").unwrap();
    let o = ibaudit(&[
        "audit",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "low",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn expired_suppression_no_longer_applies_and_says_so() {
    let (dir, p) = small(&["111122223333"]);
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\nreason = \"temporary\"\nexpires = 2020-01-31\n").unwrap();
    let o = ibaudit(&[
        "audit",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "medium",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("expired on 2020-01-31") && err.contains("c.toml"),
        "{err}"
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("suppressed").is_none()));
}

#[test]
fn bad_config_is_a_usage_error_with_position() {
    let (dir, p) = small(&["111122223333"]);
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\n").unwrap();
    let o = ibaudit(&[
        "audit",
        p.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("c.toml:1:1: missing field `reason`"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["audit"],
        vec!["audit", "x.json", "--format", "xml"],
        vec!["audit", "x.json", "--fail-on", "severe"],
        vec!["audit", "x.json", "--environment", "Prod Env"],
        vec!["frobnicate"],
        vec!["explain", "IB999"],
    ] {
        let o = ibaudit(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!stderr(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn rules_and_explain() {
    let o = ibaudit(&["rules"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    assert_eq!(text.lines().count(), ibaudit_rules::registry().len());
    assert!(text.lines().next().unwrap().starts_with("IB001  high"));
    let o = ibaudit(&["explain", "ib002"]);
    assert_eq!(code(&o), 0);
    let page = stdout(&o);
    assert!(page.starts_with("# IB002: private-dns-disabled") && page.contains("## How to fix"));
}

#[test]
fn snapshot_from_stdin() {
    let snap = small_snapshot(&["111122223333"]).to_string();
    let o = Ibaudit::new(&["audit", "-", "--format", "json"])
        .stdin(snap)
        .run();
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("IB002"));
}

/// The demo's table and JSON report as reviewed snapshots: a changed message,
/// column or field is a visible diff (`cargo insta review`).
#[test]
fn demo_table_and_json_are_snapshotted() {
    let demo = demo();
    let demo = demo.to_str().unwrap();
    let table = ibaudit(&["audit", demo, "--fail-on", "none"]);
    // The demo has a not-assessed finding: incomplete, exit 3.
    assert_eq!(code(&table), 3, "{}", stderr(&table));
    insta::assert_snapshot!("demo_table", stdout(&table));
    let json = ibaudit(&["audit", demo, "--fail-on", "none", "--format", "json"]);
    assert_eq!(code(&json), 3, "{}", stderr(&json));
    let mut doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    // The version changes with every release; the rest is the contract.
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    doc["tool"]["version"] = Value::from("[version]");
    insta::assert_json_snapshot!("demo_json", doc);
}

#[test]
fn demo_shows_a_realistic_report() {
    let report = audit_file(&demo());
    let rules: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    for id in [
        "IB001", "IB002", "IB003", "IB004", "IB005", "IB006", "IB010", "IB011", "IB012", "IB013",
        "IB014", "IB020", "IB021", "IB030", "IB031", "IB900",
    ] {
        assert!(rules.contains(id), "the demo shows {id}: {rules:?}");
    }
    let regions: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.region.as_str()).collect();
    assert!(regions.len() >= 3, "{regions:?}");
}

#[test]
fn quiet_and_verbose_only_change_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let demo = demo();
    let base = [
        "audit",
        demo.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ];
    let normal = ibaudit(&base);
    assert!(stderr(&normal).contains("wrote"), "{}", stderr(&normal));
    let report = std::fs::read(&out).unwrap();
    let quiet = ibaudit(&[&base[..], &["-q"]].concat());
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
    assert_eq!(std::fs::read(&out).unwrap(), report);
    let verbose = ibaudit(&[&base[..], &["-v"]].concat());
    assert!(
        stderr(&verbose).contains("audited 1 account(s), 3 region(s)"),
        "{}",
        stderr(&verbose)
    );
    assert_eq!(code(&normal), code(&quiet));
    assert_eq!(code(&normal), code(&verbose));
}

#[test]
fn organization_id_decides_organization_conditions() {
    let (dir, snapshot) = write_temp(
        "snapshot.json",
        &rule_fixture(&fixture(
            "rules/IB013/fail-organization-only-undetermined.json",
        ))
        .to_string(),
    );
    let ib013 = |org: Option<&str>| -> Vec<String> {
        let mut args = vec![
            "audit",
            snapshot.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ];
        let cfg = dir.path().join("c.toml");
        if let Some(org) = org {
            std::fs::write(&cfg, format!("organization_id = \"{org}\"\n")).unwrap();
            args.extend(["--config", cfg.to_str().unwrap()]);
        }
        let doc: Value = serde_json::from_str(&stdout(&ibaudit(&args))).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "IB013")
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ib013(None), ["low"], "unknown organization: cannot prove");
    assert!(
        ib013(Some("o-a1b2c3d4e5")).is_empty(),
        "the policy's organization: allowed"
    );
    assert_eq!(
        ib013(Some("o-zzzzzzzzzz")),
        ["medium"],
        "another organization: denied"
    );
}
