//! Many accounts offline: account names, times and errors in the snapshot,
//! `ibaudit merge`, shards, and the files that set up an organization scan.

use std::path::Path;

use crate::common::*;
use serde_json::{json, Value};

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `v` as ibaudit reads and writes it (AWS shapes keep only the fields it knows).
/// `v` as `merge` writes it: read keeping every operation response whole,
/// written by ibaudit's own serialiser.
fn canonical(v: &Value) -> Value {
    serde_json::to_value(keeping(v)).unwrap()
}

fn keeping(v: &Value) -> ibaudit_snapshot::Snapshot {
    let bytes = serde_json::to_vec(v).unwrap();
    ibaudit_snapshot::from_slice_keeping(&bytes, Path::new("input.json")).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

/// The demo account's regions under `id`, sorted by name as a collector writes them.
fn demo_account(id: &str, name: &str) -> Value {
    let demo = read_json(&demo());
    let mut account = demo["accounts"][0].clone();
    account["account_id"] = json!(id);
    account["account_name"] = json!(name);
    account["regions"]
        .as_array_mut()
        .unwrap()
        .sort_by(|a, b| a["region"].as_str().cmp(&b["region"].as_str()));
    account
}

fn envelope(accounts: Vec<Value>) -> Value {
    json!({
        "ibaudit_snapshot": 1,
        "collected_at": "2026-11-26T07:00:00Z",
        "collector": {"name": "ibaudit", "version": "0.1.0"},
        "organization": {"id": "o-a1b2c3d4e5", "management_account_id": "111122223333"},
        "accounts": accounts,
    })
}

/// Three accounts; the third could not be entered.
fn three_accounts() -> Value {
    envelope(vec![
        demo_account("111122223333", "security"),
        demo_account("444455556666", "workloads"),
        json!({
            "account_id": "777788889999",
            "partition": "aws",
            "account_name": "sandbox",
            "collected_at": "2026-11-26T07:03:00Z",
            "errors": [{
                "operation": "AssumeRole",
                "code": "AccessDenied",
                "message": "User is not authorized to perform: sts:AssumeRole",
                "resource": "arn:aws:iam::777788889999:role/ibaudit-audit"
            }],
            "regions": []
        }),
    ])
}

fn report(dir: &Path, snapshot: &Value, fail_on: &str) -> (i32, Value) {
    let path = dir.join("in.json");
    write_json(&path, snapshot);
    let args = [
        "audit",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        fail_on,
    ];
    let out = ibaudit(&args);
    assert!(out.status.code().is_some(), "{}", stderr(&out));
    (code(&out), serde_json::from_str(&stdout(&out)).unwrap())
}

#[test]
fn account_fields_round_trip_exactly() {
    let doc = three_accounts();
    let snapshot = ibaudit_snapshot::from_slice(
        serde_json::to_string(&doc).unwrap().as_bytes(),
        Path::new("three.json"),
    )
    .unwrap();
    assert_eq!(snapshot.accounts[2].errors[0].code, "AccessDenied");
    assert_eq!(
        snapshot.accounts[1].account_name.as_deref(),
        Some("workloads")
    );
    assert_eq!(snapshot.organization.as_ref().unwrap().id, "o-a1b2c3d4e5");
    let written = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(
        written,
        canonical(&written),
        "a second round changes nothing"
    );
    // The account-level fields come back exactly as they were read.
    for (read, original) in written["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .zip(doc["accounts"].as_array().unwrap())
    {
        let read = read.as_object().unwrap();
        let original = original.as_object().unwrap();
        assert_eq!(
            read.keys().collect::<Vec<_>>(),
            original.keys().collect::<Vec<_>>()
        );
        for k in [
            "account_id",
            "partition",
            "account_name",
            "collected_at",
            "errors",
        ] {
            assert_eq!(read.get(k), original.get(k), "{k}");
        }
    }
    assert_eq!(written["organization"], doc["organization"]);
}

#[test]
fn account_fields_are_checked() {
    let cases = [
        (
            json!({"account_name": "a", "collected_at": "yesterday"}),
            "collected_at",
        ),
        (json!({"errors": [{"operation": "AssumeRole"}]}), "errors"),
    ];
    for (fields, path) in cases {
        let mut doc = envelope(vec![demo_account("111122223333", "x")]);
        for (k, v) in fields.as_object().unwrap() {
            doc["accounts"][0][k] = v.clone();
        }
        let err = ibaudit_snapshot::from_slice(doc.to_string().as_bytes(), Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("accounts[0].{path}")), "{err}");
    }
    let mut doc = envelope(vec![]);
    doc["organization"]["id"] = json!("123");
    let err = ibaudit_snapshot::from_slice(doc.to_string().as_bytes(), Path::new("s.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an organization id"), "{err}");
    // A second copy of an account key must not hide the first.
    let text = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z", "accounts": [
        {"account_id": "111122223333", "regions": [], "errors": [{"operation": "AssumeRole", "code": "AccessDenied"}], "errors": []}]}"#;
    let err = ibaudit_snapshot::from_slice(text.as_bytes(), Path::new("s.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains(r#"duplicate key "errors""#), "{err}");
}

#[test]
fn an_account_that_could_not_be_entered_is_not_assessed_and_the_rest_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (exit, all) = report(dir.path(), &three_accounts(), "none");
    assert_eq!(exit, 3, "the audit is incomplete");
    let (exit, _) = report(dir.path(), &three_accounts(), "high");
    assert_eq!(exit, 1, "high findings elsewhere still fail the run");
    let (_, alone) = report(
        dir.path(),
        &envelope(vec![demo_account("444455556666", "workloads")]),
        "none",
    );

    let of = |r: &Value, id: &str| -> Vec<Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["account_id"] == id)
            .cloned()
            .collect()
    };
    // The other accounts are audited as if alone, with their names.
    assert!(!of(&alone, "444455556666").is_empty());
    assert_eq!(of(&all, "444455556666"), of(&alone, "444455556666"));
    assert!(of(&all, "111122223333")
        .iter()
        .all(|f| f["account_name"] == "security"));

    let refused = of(&all, "777788889999");
    assert_eq!(refused.len(), 1, "{refused:#?}");
    let f = &refused[0];
    assert_eq!(f["rule"], "IB900");
    assert_eq!(f["account_name"], "sandbox");
    assert_eq!(f["region"], "*");
    assert_eq!(f["resource_type"], "AWS::::Account");
    assert_eq!(f["resource_id"], "777788889999");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "AssumeRole for arn:aws:iam::777788889999:role/ibaudit-audit failed for account 777788889999 (AccessDenied: User is not authorized to perform: sts:AssumeRole); not assessed: IB001, IB002,"
        ),
        "{message}"
    );
    // Every rule but IB900 itself.
    let ids = message.rsplit("not assessed: ").next().unwrap();
    assert_eq!(ids.split(", ").count(), ibaudit_rules::registry().len() - 1);
}

#[test]
fn the_table_shows_each_account_with_its_name_and_sarif_carries_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.json");
    write_json(&path, &three_accounts());
    let out = ibaudit(&["audit", path.to_str().unwrap(), "--format", "table"]);
    let table = stdout(&out);
    let header = table.lines().find(|l| l.contains("Severity")).unwrap();
    assert!(header.contains("| Account"), "{table}");
    assert!(table.contains("| 777788889999 "), "{table}");
    assert!(table.contains("| sandbox "), "{table}");

    let out = ibaudit(&["audit", path.to_str().unwrap(), "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .filter_map(|r| r["properties"]["account_name"].as_str())
        .collect();
    assert!(names.contains(&"sandbox") && names.contains(&"workloads"));
    let runs: Vec<(&str, &str)> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["account_id"].as_str().unwrap(),
                r["properties"]["account_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        runs,
        [
            ("111122223333", "security"),
            ("444455556666", "workloads"),
            ("777788889999", "sandbox")
        ]
    );

    // One account: no Account column.
    write_json(&path, &envelope(vec![demo_account("111122223333", "x")]));
    let out = ibaudit(&["audit", path.to_str().unwrap(), "--format", "table"]);
    assert!(!stdout(&out).contains("Account"), "{}", stdout(&out));
}

/// Nine accounts of an organization: the demo's data under different ids.
fn organization() -> Value {
    let ids = [
        "100000000001",
        "204938571623",
        "310000000003",
        "444455556666",
        "512398740012",
        "600000000006",
        "777788889999",
        "812345678901",
        "999900001111",
    ];
    envelope(
        ids.iter()
            .enumerate()
            .map(|(i, id)| demo_account(id, &format!("team-{i}")))
            .collect(),
    )
}

#[test]
fn three_shards_merged_are_the_unsharded_snapshot_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let whole = organization();
    // As one unsharded run writes it: every response as collected, through
    // ibaudit's own serialiser.
    let whole_path = dir.path().join("whole.json");
    let snapshot = keeping(&whole);
    std::fs::write(
        &whole_path,
        serde_json::to_string_pretty(&snapshot).unwrap() + "\n",
    )
    .unwrap();

    let mut files = Vec::new();
    for i in 1..=3u32 {
        let shard = ibaudit_snapshot::Shard::new(i, 3).unwrap();
        let mut part = whole.clone();
        part["accounts"]
            .as_array_mut()
            .unwrap()
            .retain(|a| shard.contains(a["account_id"].as_str().unwrap()));
        assert!(
            !part["accounts"].as_array().unwrap().is_empty(),
            "shard {i} is empty"
        );
        let path = dir.path().join(format!("shard-{i}.json"));
        write_json(&path, &part);
        files.push(path);
    }
    // Given in any order, the shards merge into the same bytes as one run.
    let merged = dir.path().join("all.json");
    let args = [
        "merge",
        files[2].to_str().unwrap(),
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ];
    let out = ibaudit(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&merged).unwrap(),
        std::fs::read_to_string(&whole_path).unwrap()
    );

    // And the audit of the merged snapshot is the audit of the whole.
    let audit = |p: &Path| {
        let out = ibaudit(&["audit", p.to_str().unwrap(), "--format", "json"]);
        stdout(&out)
    };
    assert_eq!(audit(&merged), audit(&whole_path));
}

#[test]
fn shards_read_at_different_times_keep_each_account_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = envelope(vec![demo_account("111122223333", "a")]);
    a["collected_at"] = json!("2026-11-26T07:10:00Z");
    let b = envelope(vec![demo_account("444455556666", "b")]);
    let (pa, pb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    write_json(&pa, &a);
    write_json(&pb, &b);
    let out = ibaudit(&["merge", pa.to_str().unwrap(), pb.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merged: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(merged["collected_at"], "2026-11-26T07:00:00Z");
    assert_eq!(
        merged["accounts"][0]["collected_at"],
        "2026-11-26T07:10:00Z"
    );
    assert!(merged["accounts"][1].get("collected_at").is_none());
}

#[test]
fn the_same_account_and_region_twice_is_an_input_error_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = envelope(vec![demo_account("111122223333", "security")]);
    a["accounts"][0]["regions"]
        .as_array_mut()
        .unwrap()
        .truncate(2);
    let b = envelope(vec![demo_account("111122223333", "security")]);
    let (pa, pb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    write_json(&pa, &a);
    write_json(&pb, &b);
    let all = dir.path().join("all.json");
    let out = Ibaudit::new(&["merge", "a.json", "b.json", "-o", "all.json"])
        .dir(dir.path())
        .run();
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "ibaudit: error: account 111122223333 region ap-southeast-2 is in both a.json and b.json: merge joins different accounts or regions and never chooses between two readings of the same one\n"
    );
    assert!(!all.exists(), "nothing is written on error");

    // Different regions of one account join.
    let mut c = envelope(vec![demo_account("111122223333", "security")]);
    c["accounts"][0]["regions"]
        .as_array_mut()
        .unwrap()
        .drain(..2);
    write_json(&pb, &c);
    let out = Ibaudit::new(&["merge", "a.json", "b.json", "-o", "all.json"])
        .dir(dir.path())
        .run();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        read_json(&all),
        canonical(&envelope(vec![demo_account("111122223333", "security")]))
    );
}

#[test]
fn merge_writes_back_fields_the_model_does_not_name_and_an_audit_ignores_them() {
    let dir = tempfile::tempdir().unwrap();
    let sent = |id: &str, vpc: &str| {
        json!({"account_id": id, "partition": "aws", "regions": [{
            "region": "eu-west-1",
            "DescribeVpcs": {"Vpcs": [{
                "VpcId": vpc,
                "State": "available",
                "Tags": [{"Key": "Name", "Value": "build"}],
                "CidrBlockAssociationSet": [],
                "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
                "SomethingAwsAddsNextYear": {"Deep": [1, 2.5, null, "x"]}
            }], "NextToken": null},
            "DescribeVpcAttribute": [{"VpcId": vpc, "EnableDnsSupport": {"Value": true},
                                      "UnknownAttribute": {"Value": false}}]
        }]})
    };
    let a = envelope(vec![sent("111122223333", "vpc-a")]);
    let b = envelope(vec![sent("444455556666", "vpc-b")]);
    write_json(&dir.path().join("a.json"), &a);
    write_json(&dir.path().join("b.json"), &b);
    let out = Ibaudit::new(&["merge", "b.json", "a.json", "-o", "all.json"])
        .dir(dir.path())
        .run();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merged = read_json(&dir.path().join("all.json"));
    for (i, input) in [a, b].iter().enumerate() {
        assert_eq!(
            merged["accounts"][i]["regions"], input["accounts"][0]["regions"],
            "account {i}: every response as its input held it"
        );
    }
    // An audit reads only what the rules name; the rest does not disturb it.
    let out = Ibaudit::new(&["audit", "all.json", "--format", "json", "--fail-on", "none"])
        .dir(dir.path())
        .run();
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
}

/// The YAML template writes the policy as a JSON flow mapping after
/// `PolicyDocument:`; the braces balance (policy text holds none in strings).
fn inline_policy(template: &str) -> Value {
    let start = template
        .find("PolicyDocument: {")
        .expect("the template has an inline policy")
        + "PolicyDocument: ".len();
    let mut depth = 0;
    for (i, c) in template[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return serde_json::from_str(&template[start..=start + i]).unwrap();
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced policy in the template");
}

#[test]
fn the_member_role_grants_exactly_the_shipped_read_only_policy() {
    let template =
        std::fs::read_to_string(root().join("deploy/cloudformation/ibaudit-member-role.yaml"))
            .unwrap();
    assert_eq!(
        inline_policy(&template),
        read_json(&root().join("iam/ibaudit-readonly-policy.json"))
    );
    assert_eq!(template.matches("PolicyDocument: {").count(), 1);
    assert!(template.contains("RoleName: ibaudit-audit"));
    assert!(template.contains("sts:ExternalId: !Ref ExternalId"));
}

#[test]
fn the_auditor_may_list_the_organization_and_assume_only_the_audit_role() {
    let policy = read_json(&root().join("iam/ibaudit-auditor-policy.json"));
    let mut grants: Vec<(String, String)> = Vec::new();
    for s in policy["Statement"].as_array().unwrap() {
        assert_eq!(s["Effect"], "Allow");
        let resources: Vec<&str> = match &s["Resource"] {
            Value::String(r) => vec![r.as_str()],
            v => v
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect(),
        };
        for a in s["Action"].as_array().unwrap() {
            for r in &resources {
                grants.push((a.as_str().unwrap().to_string(), r.to_string()));
            }
        }
    }
    grants.sort();
    let expected: Vec<(String, String)> = [
        ("organizations:DescribeOrganization", "*"),
        ("organizations:ListAccounts", "*"),
        ("sts:AssumeRole", "arn:aws:iam::*:role/ibaudit-audit"),
    ]
    .iter()
    .map(|(a, r)| (a.to_string(), r.to_string()))
    .collect();
    assert_eq!(grants, expected);
}

#[test]
fn the_indexed_job_gives_each_pod_its_own_shard() {
    let job =
        std::fs::read_to_string(root().join("deploy/kubernetes/ibaudit-org-scan.yaml")).unwrap();
    assert!(job.contains("completionMode: Indexed"));
    let number = |key: &str| -> u32 {
        let line = job
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no {key}"));
        line.split(':').nth(1).unwrap().trim().parse().unwrap()
    };
    let n = number("completions:");
    assert!(number("parallelism:") <= n);
    assert!(
        job.contains(&format!("--shard \"$((JOB_COMPLETION_INDEX + 1))/{n}\"")),
        "every pod reads shard index+1 of {n}"
    );
}

#[test]
fn the_snapshots_organization_decides_organization_conditions() {
    let dir = tempfile::tempdir().unwrap();
    let base = rule_fixture(&fixture(
        "rules/IB013/fail-organization-only-undetermined.json",
    ));
    let ib013 = |org: Option<&str>, config: Option<&str>| -> Vec<String> {
        let mut doc = base.clone();
        if let Some(org) = org {
            doc["organization"] = json!({"id": org, "management_account_id": "111122223333"});
        }
        let path = dir.path().join("s.json");
        write_json(&path, &doc);
        let cfg = dir.path().join("c.toml");
        let mut args = vec![
            "audit",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ];
        if let Some(c) = config {
            std::fs::write(&cfg, format!("organization_id = \"{c}\"\n")).unwrap();
            args.extend(["--config", cfg.to_str().unwrap()]);
        }
        let out: Value = serde_json::from_str(&stdout(&ibaudit(&args))).unwrap();
        out["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "IB013")
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ib013(None, None),
        ["low"],
        "unknown organization: cannot prove"
    );
    assert!(
        ib013(Some("o-a1b2c3d4e5"), None).is_empty(),
        "the snapshot's organization"
    );
    assert_eq!(ib013(Some("o-zzzzzzzzzz"), None), ["medium"]);
    // The snapshot's organization block, read from AWS, wins over the
    // configuration; the configuration serves where the snapshot has none.
    assert_eq!(
        ib013(Some("o-zzzzzzzzzz"), Some("o-a1b2c3d4e5")),
        ["medium"]
    );
    assert!(ib013(None, Some("o-a1b2c3d4e5")).is_empty());
}

/// An organization's snapshot as text, its `organization` block after its
/// `accounts` (as a writer of any key order may put it).
fn organization_last(accounts: &[Value]) -> String {
    format!(
        r#"{{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
 "accounts": {},
 "organization": {{"id": "o-a1b2c3d4e5", "management_account_id": "111122223333"}}}}"#,
        serde_json::to_string_pretty(accounts).unwrap()
    )
}

/// The accounts of a rule fixture whose verdict rests on the organization's
/// id, copied under each id (its ARNs and owner ids too), and the demo's.
fn organization_accounts() -> Vec<Value> {
    let fixture = rule_fixture(&fixture(
        "rules/IB013/fail-organization-only-undetermined.json",
    ));
    let account = fixture["accounts"][0].to_string();
    let mut accounts: Vec<Value> = ["111122223333", "444455556666", "777788889999"]
        .iter()
        .map(|id| serde_json::from_str(&account.replace(BASE_ACCOUNT, id)).unwrap())
        .collect();
    accounts.push(demo_account("123456789012", "demo"));
    accounts
}

#[test]
fn an_organization_read_account_by_account_is_audited_as_a_whole() {
    let text = organization_last(&organization_accounts());
    let (_dir, path) = write_temp("org.json", &text);
    let options = options();
    let whole = ibaudit_rules::audit(&ibaudit_snapshot::load(&path).unwrap(), &options);

    let mut auditor = None;
    let mut seen = Vec::new();
    let envelope = ibaudit_snapshot::load_each(&path, |organization, account| {
        seen.push(organization.map(|o| o.id.clone()));
        auditor
            .get_or_insert_with(|| ibaudit_rules::Auditor::new(&options, organization))
            .account(&account);
    })
    .unwrap();
    assert!(envelope.accounts.is_empty());
    assert_eq!(envelope.organization.unwrap().id, "o-a1b2c3d4e5");
    // Read ahead: every account is audited knowing the organization.
    assert_eq!(seen, vec![Some("o-a1b2c3d4e5".to_string()); 4]);
    let streamed = auditor.unwrap().finish(envelope.collected_at);

    assert_eq!(streamed.collected_at, whole.collected_at);
    assert_eq!(streamed.accounts, whole.accounts);
    assert_eq!(streamed.findings, whole.findings);
    assert_eq!(streamed.notes, whole.notes);
    assert_eq!(streamed.scope, whole.scope);
    assert_eq!(streamed.networks, whole.networks);
    assert!(!whole.networks.is_empty());

    // The organization's id decides verdicts here: without it they differ.
    let mut without: Value = serde_json::from_str(&text).unwrap();
    without.as_object_mut().unwrap().remove("organization");
    let without = ibaudit_rules::audit(
        &ibaudit_snapshot::from_slice(without.to_string().as_bytes(), Path::new("x.json")).unwrap(),
        &options,
    );
    assert_ne!(without.findings, whole.findings);

    // And so does the command: a file (read account by account) and the
    // same bytes from standard input (read whole) give the same report.
    let from_file = ibaudit(&[
        "audit",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let from_stdin = Ibaudit::new(&["audit", "-", "--format", "json", "--fail-on", "none"])
        .stdin(text.clone())
        .run();
    assert_eq!(
        code(&from_file),
        code(&from_stdin),
        "{}",
        stderr(&from_file)
    );
    assert_eq!(stdout(&from_file), stdout(&from_stdin));
    assert!(!stdout(&from_file).is_empty());
}

#[test]
fn an_account_read_twice_is_refused_after_the_list_as_a_whole_read_refuses_it() {
    let mut accounts = organization_accounts();
    accounts.push(accounts[1].clone());
    let text = organization_last(&accounts);
    let (_dir, path) = write_temp("twice.json", &text);
    let whole = ibaudit_snapshot::load(&path).unwrap_err().to_string();
    let streamed = ibaudit_snapshot::load_each(&path, |_, _| {})
        .unwrap_err()
        .to_string();
    assert_eq!(streamed, whole);
    assert!(
        whole.contains("at accounts (") && whole.contains("444455556666 appears more than once"),
        "{whole}"
    );
}
