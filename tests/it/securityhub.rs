//! The Security Hub import against moto's Security Hub, through the real
//! SDK, checked with the AWS CLI (the reference client).
//!
//! moto stores what BatchImportFindings sends in the calling account's hub,
//! whatever the finding's `AwsAccountId`, and GetFindings ignores its
//! filters: ibaudit checks both on its own side, and these tests read each
//! account's hub with that account's own credentials.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value};

use crate::collector::{aws_cli, run, Creds, Emulator, REGIONS, SECRET};
use crate::common::*;

/// Credentials for the AWS CLI: the test's own, or an assumed role's.
fn own() -> Creds {
    Creds {
        key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: SECRET.into(),
        token: None,
    }
}

fn aws(emu: &Emulator, home: &Path, creds: &Creds, region: &str, args: &[&str]) -> Value {
    aws_cli(emu, home, creds, region, args)
}

/// Credentials in `account`, through the import's role.
fn member(emu: &Emulator, home: &Path, account: &str) -> Creds {
    let arn = format!("arn:aws:iam::{account}:role/ibaudit-securityhub");
    let c = aws(
        emu,
        home,
        &own(),
        "us-east-1",
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &arn,
            "--role-session-name",
            "check",
        ],
    );
    let c = &c["Credentials"];
    Creds {
        key: c["AccessKeyId"].as_str().unwrap().into(),
        secret: c["SecretAccessKey"].as_str().unwrap().into(),
        token: c["SessionToken"].as_str().map(str::to_string),
    }
}

/// Every finding in the hub of `creds`'s account in `region`, by Id.
fn hub(emu: &Emulator, home: &Path, creds: &Creds, region: &str) -> BTreeMap<String, Value> {
    let v = aws(emu, home, creds, region, &["securityhub", "get-findings"]);
    let list = v["Findings"].as_array().unwrap();
    let by_id: BTreeMap<String, Value> = list
        .iter()
        .map(|f| (f["Id"].as_str().unwrap().to_string(), f.clone()))
        .collect();
    assert_eq!(by_id.len(), list.len(), "no Id twice in the hub");
    by_id
}

fn state(f: &Value) -> (&str, &str) {
    (
        f["RecordState"].as_str().unwrap(),
        f["Compliance"]["Status"].as_str().unwrap(),
    )
}

/// The ASFF Ids a JSON report's findings get, by region.
fn ids(report: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let doc = read_json(report);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        out.entry(f["region"].as_str().unwrap().to_string())
            .or_default()
            .insert(format!("ibaudit/{}", f["fingerprint"].as_str().unwrap()));
    }
    out
}

fn scan_to(emu: &Emulator, dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let target = format!("json={out}");
    let mut args = vec!["scan", "--endpoint-url", &emu.endpoint, "--output", &target];
    args.extend(REGIONS);
    args.extend(extra);
    let o = run(&args, dir);
    assert!([0, 1, 3].contains(&code(&o)), "{}", stderr(&o));
    o
}

fn import(emu: &Emulator, dir: &Path, report: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "securityhub",
        "import",
        report,
        "--endpoint-url",
        &emu.endpoint,
        "--region",
        "us-east-1",
    ];
    args.extend(extra);
    run(&args, dir)
}

fn calls(emu: &Emulator, region: &str, action: &str) -> u64 {
    emu.counts()
        .iter()
        .filter(|c| c.0 == "securityhub" && c.1 == region && c.2 == action)
        .map(|c| c.3)
        .sum()
}

/// Import, import again, a region not assessed, a fix: what Security Hub
/// holds after each step.
#[test]
fn import_reimport_not_assessed_and_fixed() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let me = own();

    scan_to(&emu, d, "r1.json", &[]);
    let first = ids(&d.join("r1.json"));
    let ib005: BTreeSet<String> = read_json(&d.join("r1.json"))["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB005" && f["region"] == "ap-southeast-2")
        .map(|f| format!("ibaudit/{}", f["fingerprint"].as_str().unwrap()))
        .collect();
    assert!(
        !ib005.is_empty(),
        "the scenario has no HTTPS to an endpoint in ap-southeast-2"
    );

    // 1. Every finding in its own region, active and failed (or not available).
    let o = import(&emu, d, "r1.json", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut created = BTreeMap::new();
    for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
        let held = hub(&emu, d, &me, region);
        let want = first.get(region).cloned().unwrap_or_default();
        assert_eq!(
            held.keys().cloned().collect::<BTreeSet<_>>(),
            want,
            "{region}"
        );
        for (id, f) in &held {
            assert_eq!(f["RecordState"], "ACTIVE", "{id}");
            assert_eq!(f["Region"], region);
            assert_eq!(f["AwsAccountId"], emu.account.as_str());
            created.insert(id.clone(), f["CreatedAt"].clone());
        }
    }

    // 2. Again, unchanged: no duplicate, the same Ids, the first CreatedAt kept.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = import(&emu, d, "r1.json", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kept their first CreatedAt"),
        "{}",
        stderr(&o)
    );
    for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
        let held = hub(&emu, d, &me, region);
        assert_eq!(
            held.keys().cloned().collect::<BTreeSet<_>>(),
            first.get(region).cloned().unwrap_or_default()
        );
        for (id, f) in &held {
            assert_eq!(f["CreatedAt"], created[id], "{id}");
            assert_eq!(f["RecordState"], "ACTIVE");
        }
    }

    // 3. The fix is made, but security groups cannot be read in that region:
    // the rule is not assessed there, so its finding stays active.
    let sg = emu.id("apse2.sg");
    aws(
        &emu,
        d,
        &me,
        "ap-southeast-2",
        &[
            "ec2",
            "authorize-security-group-ingress",
            "--group-id",
            &sg,
            "--protocol",
            "tcp",
            "--port",
            "443",
            "--cidr",
            "10.4.0.0/16",
        ],
    );
    emu.add_fault(json!({"service": "ec2", "region": "ap-southeast-2", "action": "DescribeSecurityGroups",
        "status": 403, "code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation.", "times": -1}));
    scan_to(&emu, d, "r2.json", &[]);
    let second = ids(&d.join("r2.json"));
    assert!(second["ap-southeast-2"].is_disjoint(&ib005));
    let o = import(&emu, d, "r2.json", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let held = hub(&emu, d, &me, "ap-southeast-2");
    for id in &ib005 {
        assert_eq!(
            state(&held[id]),
            ("ACTIVE", "FAILED"),
            "{id} was archived unassessed"
        );
    }
    let gap: Vec<&Value> = held
        .values()
        .filter(|f| f["GeneratorId"] == "ibaudit/IB900")
        .collect();
    assert!(!gap.is_empty());
    assert!(gap.iter().all(|f| state(f) == ("ACTIVE", "NOT_AVAILABLE")));

    // 4. Readable again, through `scan --security-hub`: the fixed finding is
    // archived as passed, so is the gap; nothing else changes.
    emu.clear_faults();
    let o = scan_to(&emu, d, "r3.json", &["--security-hub"]);
    assert!(stderr(&o).contains("archived"), "{}", stderr(&o));
    let third = ids(&d.join("r3.json"));
    let held = hub(&emu, d, &me, "ap-southeast-2");
    for id in &ib005 {
        assert_eq!(state(&held[id]), ("ARCHIVED", "PASSED"), "{id}");
        assert_eq!(held[id]["CreatedAt"], created[id]);
    }
    for f in &gap {
        let id = f["Id"].as_str().unwrap();
        assert_eq!(state(&held[id]), ("ARCHIVED", "PASSED"), "{id}");
    }
    for (id, f) in &held {
        if third["ap-southeast-2"].contains(id) {
            assert_eq!(f["RecordState"], "ACTIVE", "{id}");
        }
    }
    for region in ["us-east-1", "eu-west-1"] {
        let held = hub(&emu, d, &me, region);
        assert_eq!(
            held.keys().cloned().collect::<BTreeSet<_>>(),
            third.get(region).cloned().unwrap_or_default()
        );
        assert!(
            held.values().all(|f| f["RecordState"] == "ACTIVE"),
            "{region}"
        );
    }
}

/// A saved report of 250 findings: three batches, throttling absorbed, a
/// region without Security Hub skipped and said so, and a dry run first.
#[test]
fn batches_throttling_and_a_region_without_security_hub() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A real finding as the template of 250.
    let o = Ibaudit::new(&["audit", demo().to_str().unwrap(), "--format", "json"]).run();
    let demo_report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let template = demo_report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IB002")
        .expect("the demo has an IB002 finding")
        .clone();
    let findings: Vec<Value> = (0..250)
        .map(|i| {
            let mut f = template.clone();
            f["account_id"] = json!(emu.account);
            f["region"] = json!("us-east-1");
            f["resource_id"] = json!(format!("vpce-{i:017x}"));
            f["fingerprint"] = json!(format!("{i:032x}"));
            f.as_object_mut().unwrap().remove("resource_arn");
            f
        })
        .collect();
    let mut report = demo_report.clone();
    report["findings"] = json!(findings);
    report["scope"] = json!({"stopped_at_deadline": false, "accounts": [{
        "account_id": emu.account, "partition": "aws",
        "regions": [{"region": "us-east-1"}, {"region": "eu-west-1"}]}]});
    std::fs::write(d.join("big.json"), report.to_string()).unwrap();

    emu.add_fault(json!({"service": "securityhub", "region": "eu-west-1", "action": "GetFindings",
        "status": 401, "code": "InvalidAccessException",
        "message": format!("Account {} is not subscribed to AWS Security Hub", emu.account), "times": -1}));
    emu.add_fault(
        json!({"service": "securityhub", "region": "us-east-1", "action": "BatchImportFindings",
        "status": 429, "code": "LimitExceededException", "message": "Rate exceeded", "times": 2}),
    );

    // The dry run sends nothing and says what it would.
    let o = import(&emu, d, "big.json", &["--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let targets = plan["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{plan:#}");
    let use1 = targets.iter().find(|t| t["region"] == "us-east-1").unwrap();
    assert_eq!(use1["import"].as_array().unwrap().len(), 250);
    let euw1 = targets.iter().find(|t| t["region"] == "eu-west-1").unwrap();
    assert!(euw1["skipped"]
        .as_str()
        .unwrap()
        .contains("InvalidAccessException"));
    assert_eq!(calls(&emu, "us-east-1", "BatchImportFindings"), 0);

    let o = import(&emu, d, "big.json", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "Security Hub is not enabled in {} eu-west-1: skipped",
            emu.account
        )),
        "{err}"
    );
    let held = hub(&emu, d, &own(), "us-east-1");
    assert_eq!(held.len(), 250);
    // Three batches of at most 100, two of the attempts throttled and retried.
    assert_eq!(calls(&emu, "us-east-1", "BatchImportFindings"), 3 + 2);
    assert_eq!(calls(&emu, "eu-west-1", "BatchImportFindings"), 0);
    // Every Security Hub call made is one the import role's policy grants.
    let made: BTreeSet<String> = emu
        .counts()
        .into_iter()
        .filter(|c| c.0 == "securityhub")
        .map(|c| format!("securityhub:{}", c.2))
        .collect();
    let granted: BTreeSet<String> = ibaudit_securityhub::ACTIONS
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert!(made.is_subset(&granted), "{made:?}");
    assert!(made.contains("securityhub:GetFindings"));
}

/// An organization: each member's findings in its own hub, through the
/// import role; an account whose role is refused fails by name (exit 2),
/// after the others were imported.
#[test]
fn each_member_account_gets_its_own_findings() {
    let emu = Emulator::start("org");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        &[
            "scan",
            "--org",
            "--endpoint-url",
            &emu.endpoint,
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--output",
            "json=org.json",
        ],
        d,
    );
    assert!([1, 3].contains(&code(&o)), "{}", stderr(&o));
    let o = import(&emu, d, "org.json", &[]);
    let refused = emu.id("refused");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("Security Hub import failed in {refused} ")),
        "{}",
        stderr(&o)
    );
    let report = read_json(&d.join("org.json"));
    let mut want: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let region = f["region"].as_str().unwrap();
        if region == "*" {
            continue;
        }
        want.entry((f["account_id"].as_str().unwrap().into(), region.into()))
            .or_default()
            .insert(format!("ibaudit/{}", f["fingerprint"].as_str().unwrap()));
    }
    for name in ["member-02", "member-03"] {
        let account = emu.id(&format!("accounts.{name}"));
        let creds = member(&emu, d, &account);
        for region in ["us-east-1", "eu-west-1"] {
            let held = hub(&emu, d, &creds, region);
            let expected = want
                .get(&(account.clone(), region.to_string()))
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                held.keys().cloned().collect::<BTreeSet<_>>(),
                expected,
                "{name} {region}"
            );
            assert!(held.values().all(|f| f["AwsAccountId"] == account.as_str()));
        }
    }
    // The caller's own hub holds only its own findings.
    let held = hub(&emu, d, &own(), "us-east-1");
    assert_eq!(
        held.keys().cloned().collect::<BTreeSet<_>>(),
        want.get(&(emu.account.clone(), "us-east-1".to_string()))
            .cloned()
            .unwrap_or_default()
    );
    assert!(held
        .values()
        .all(|f| f["AwsAccountId"] == emu.account.as_str()));
}

/// Only a JSON report of a snapshot can be imported: IaC reports and other
/// files are refused before any call, by file and reason.
#[test]
fn reports_without_a_scope_are_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut report: Value = serde_json::from_slice(
        &Ibaudit::new(&["audit", demo().to_str().unwrap(), "--format", "json"])
            .run()
            .stdout,
    )
    .unwrap();
    report.as_object_mut().unwrap().remove("scope");
    std::fs::write(d.join("noscope.json"), report.to_string()).unwrap();
    let o = run(
        &[
            "securityhub",
            "import",
            "noscope.json",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        d,
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("noscope.json: the report records no assessed scope"),
        "{}",
        stderr(&o)
    );
    report["findings"][0]["rule"] = json!("IB999");
    std::fs::write(d.join("bad.json"), report.to_string()).unwrap();
    let o = run(
        &[
            "securityhub",
            "import",
            "bad.json",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        d,
    );
    assert_eq!(code(&o), 2);
    insta::assert_snapshot!(stderr(&o), @"ibaudit: error: bad.json: not an ibaudit JSON report (`--format json`): unknown rule \"IB999\" at findings[0].rule");
}

/// The import role's policy: exactly the import's two actions, each on the
/// account's own resources, and the StackSet template grants that policy.
#[test]
fn the_import_role_grants_exactly_what_the_import_calls() {
    let policy = read_json(&root().join("iam/ibaudit-securityhub-policy.json"));
    let mut grants: Vec<(String, String)> = Vec::new();
    for s in policy["Statement"].as_array().unwrap() {
        assert_eq!(s["Effect"], "Allow");
        assert!(s.get("NotAction").is_none() && s.get("NotResource").is_none());
        for a in s["Action"].as_array().unwrap() {
            grants.push((
                a.as_str().unwrap().to_string(),
                s["Resource"].as_str().unwrap().to_string(),
            ));
        }
    }
    grants.sort();
    assert_eq!(
        grants,
        [
            (
                "securityhub:BatchImportFindings".to_string(),
                "arn:aws:securityhub:*:ACCOUNT_ID:product/ACCOUNT_ID/default".to_string()
            ),
            (
                "securityhub:GetFindings".to_string(),
                "arn:aws:securityhub:*:ACCOUNT_ID:hub/default".to_string()
            ),
        ]
    );
    let declared: BTreeSet<&str> = ibaudit_securityhub::ACTIONS.iter().copied().collect();
    let granted: BTreeSet<&str> = grants.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(declared, granted);

    // The template: the same statements, with the account and partition filled in.
    let template =
        std::fs::read_to_string(root().join("deploy/cloudformation/ibaudit-securityhub-role.yaml"))
            .unwrap();
    assert!(template.contains("RoleName: ibaudit-securityhub"));
    assert!(template.contains("sts:ExternalId: !Ref ExternalId"));
    for (action, resource) in &grants {
        let sub = resource
            .replace("arn:aws:", "arn:${AWS::Partition}:")
            .replace("ACCOUNT_ID", "${AWS::AccountId}");
        let at = template
            .find(&format!("- {action}\n"))
            .unwrap_or_else(|| panic!("{action} is not in the template"));
        let next = template[at..]
            .lines()
            .find(|l| l.trim_start().starts_with("Resource:"))
            .unwrap();
        assert_eq!(next.trim(), format!("Resource: !Sub \"{sub}\""), "{action}");
    }
    assert_eq!(template.matches("- securityhub:").count(), 2);
    // No wildcard action, in either YAML form.
    for line in template.lines().map(str::trim) {
        assert!(
            !matches!(line, "- \"*\"" | "- '*'" | "Action: \"*\"" | "Action: '*'")
                && !line.starts_with("- securityhub:*")
                && !line.starts_with("- \"securityhub:*"),
            "{line}"
        );
    }

    // The caller assumes only the import role; the read-only policies
    // grant nothing of Security Hub.
    let caller = read_json(&root().join("iam/ibaudit-securityhub-caller-policy.json"));
    assert_eq!(
        caller["Statement"][0]["Resource"],
        "arn:aws:iam::*:role/ibaudit-securityhub"
    );
    assert_eq!(caller["Statement"][0]["Action"], json!(["sts:AssumeRole"]));
    for f in [
        "iam/ibaudit-readonly-policy.json",
        "iam/ibaudit-auditor-policy.json",
    ] {
        let text = std::fs::read_to_string(root().join(f)).unwrap();
        assert!(!text.contains("securityhub"), "{f}");
    }
}
