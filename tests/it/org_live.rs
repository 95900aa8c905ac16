//! Organization scans against the emulator (`tests/harness/emulator.py org`):
//! a management account read with its own credentials, twelve members
//! entered with AssumeRole (credentials moto maps to the member's account),
//! one member whose role refuses the audit, one suspended member.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::collector::{run, Emulator, SECRET};
use crate::common::*;

const TWO_REGIONS: [&str; 4] = ["--region", "us-east-1", "--region", "eu-west-1"];

fn member(emu: &Emulator, name: &str) -> String {
    emu.id(&format!("accounts.{name}"))
}

/// (rule, account id) of every finding of a JSON report.
fn findings(report: &str) -> Vec<(String, String, String)> {
    let doc: Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["account_id"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn account<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("account {id} missing from the snapshot"))
}

fn count(emu: &Emulator, service: &str, action: &str) -> u64 {
    emu.counts()
        .iter()
        .filter(|c| c.0 == service && c.2 == action)
        .map(|c| c.3)
        .sum()
}

/// The snapshot without any `collected_at`: what differs between two runs.
/// The snapshot without when it was read: `collected_at`, and the trail
/// status times the emulator takes from its clock at each call (the
/// collector keeps every field GetTrailStatus returns).
fn without_times(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("collected_at");
                for clock in ["LatestDeliveryTime", "LatestDeliveryAttemptTime"] {
                    m.remove(clock);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn org_scan_reads_every_active_account_and_reports_the_others_not_assessed() {
    let emu = Emulator::start("org");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "scan",
        "--org",
        "--endpoint-url",
        &emu.endpoint,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--save-snapshot",
        "s.json",
        "--account-concurrency",
        "4",
        "-v",
    ];
    args.extend(TWO_REGIONS);
    let o = run(&args, dir.path());
    let err = stderr(&o);
    // Incomplete: the refused and the suspended account are not assessed.
    assert_eq!(code(&o), 3, "{err}");
    let snapshot = read_json(&dir.path().join("s.json"));

    // The organization block, from DescribeOrganization.
    assert_eq!(snapshot["organization"]["id"], emu.id("organization"));
    assert_eq!(
        snapshot["organization"]["management_account_id"],
        emu.id("management")
    );

    // Every account of the organization, sorted by id, named as ListAccounts names it.
    let ids: Vec<&str> = snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 13, "{ids:?}");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let refused = emu.id("refused");
    let suspended = emu.id("suspended");
    for i in 1..=12 {
        let name = format!("member-{i:02}");
        let a = account(&snapshot, &member(&emu, &name));
        assert_eq!(a["account_name"], name.as_str());
        let id = a["account_id"].as_str().unwrap();
        if id == refused || id == suspended {
            assert!(a["regions"].as_array().unwrap().is_empty(), "{a:#}");
        } else {
            assert!(a["errors"].as_array().is_none_or(Vec::is_empty), "{a:#}");
            let regions: Vec<&str> = a["regions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["region"].as_str().unwrap())
                .collect();
            assert_eq!(regions, ["eu-west-1", "us-east-1"], "{name}");
        }
    }

    // The refused account: AssumeRole, AWS's code and message, the role ARN.
    let errors = &account(&snapshot, &refused)["errors"];
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors:#}");
    assert_eq!(errors[0]["operation"], "AssumeRole");
    assert_eq!(errors[0]["code"], "AccessDenied");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("not authorized to perform: sts:AssumeRole"));
    assert_eq!(
        errors[0]["resource"],
        format!("arn:aws:iam::{refused}:role/ibaudit-audit")
    );
    // The suspended account: recorded, and listed on stderr.
    let errors = &account(&snapshot, &suspended)["errors"];
    assert_eq!(errors[0]["code"], "AccountNotActive", "{errors:#}");
    assert!(
        err.contains(&format!("skipped {suspended} (member-12)")) && err.contains("SUSPENDED"),
        "{err}"
    );

    // Findings per account: IB900 for exactly the two accounts not entered,
    // and each member's own findings under its own id.
    let found = findings(&stdout(&o));
    let ib900: BTreeSet<&str> = found
        .iter()
        .filter(|f| f.0 == "IB900")
        .map(|f| f.1.as_str())
        .collect();
    assert_eq!(
        ib900,
        [refused.as_str(), suspended.as_str()].into_iter().collect(),
        "{found:#?}"
    );
    let on = |rule: &str, name: &str| {
        found
            .iter()
            .any(|f| f.0 == rule && f.1 == member(&emu, name))
    };
    // member-02: private DNS off; member-03: no HTTPS to the endpoint;
    // member-04: DNS hostnames off.
    assert!(on("IB002", "member-02"), "{found:#?}");
    assert!(on("IB005", "member-03"), "{found:#?}");
    assert!(on("IB003", "member-04"), "{found:#?}");
    assert!(
        !on("IB002", "member-01") && !on("IB005", "member-01"),
        "{found:#?}"
    );
    assert!(!on("IB002", "member-03"), "{found:#?}");

    // One AssumeRole per account entered (the caller's own account needs
    // none, the suspended one is never tried), and every account read once.
    assert_eq!(count(&emu, "sts", "AssumeRole"), 11);
    assert_eq!(count(&emu, "organizations", "ListAccounts"), 1);
    assert_eq!(count(&emu, "organizations", "DescribeOrganization"), 1);
    assert_eq!(count(&emu, "sts", "GetCallerIdentity"), 1);
    let endpoints: Vec<_> = emu
        .counts()
        .into_iter()
        .filter(|c| c.2 == "DescribeVpcEndpoints")
        .collect();
    assert_eq!(
        endpoints.iter().map(|c| c.3).sum::<u64>(),
        2 * 11,
        "{endpoints:?}"
    );

    // Every call made is granted by the shipped policies: the member role's
    // read-only one, or the auditor's own (organizations, AssumeRole).
    let mut granted = policy_actions("iam/ibaudit-readonly-policy.json");
    granted.extend(policy_actions("iam/ibaudit-auditor-policy.json"));
    // GetCallerIdentity needs no permission: AWS answers it for any valid credentials.
    granted.insert("sts:GetCallerIdentity".into());
    let seen = calls_made(&err);
    for action in [
        "sts:AssumeRole",
        "organizations:ListAccounts",
        "organizations:DescribeOrganization",
    ] {
        assert!(seen.contains(action), "{seen:?}");
    }
    let ungranted: Vec<_> = seen.difference(&granted).collect();
    assert!(
        ungranted.is_empty(),
        "calls no shipped policy grants: {ungranted:?}"
    );

    // No credential anywhere: neither the caller's nor an assumed role's.
    let text = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    for out in [&text, &stdout(&o), &err] {
        assert!(!out.contains(SECRET));
        assert!(!out.contains("SessionToken") && !out.contains("ASIA"));
    }
}

fn policy_actions(path: &str) -> BTreeSet<String> {
    read_json(&root().join(path))["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The IAM actions `-v` says were called.
fn calls_made(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("ibaudit: "))
        .filter_map(|l| l.split_once(": "))
        .filter(|(_, counts)| counts.contains("call(s)"))
        .map(|(action, _)| action.to_string())
        .collect()
}

/// The auditing principal's policy is exactly what an organization scan adds.
#[test]
fn the_auditor_policy_is_what_the_organization_scan_calls() {
    let declared: BTreeSet<String> = ibaudit_collector::AUDITOR_ACTIONS
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(policy_actions("iam/ibaudit-auditor-policy.json"), declared);
    for action in &declared {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "Get", "List", "AssumeRole"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{action} is not read-only"
        );
    }
}

#[test]
fn accounts_lists_and_exclusions_choose_the_accounts_read() {
    let emu = Emulator::start("org");
    let dir = tempfile::tempdir().unwrap();
    let two = member(&emu, "member-02");
    let three = member(&emu, "member-03");
    std::fs::write(
        dir.path().join("accounts.txt"),
        format!("# the audited accounts\n123456789012\n{two} # platform\n\n{three}\n"),
    )
    .unwrap();
    let mut args = vec![
        "collect",
        "--accounts",
        "@accounts.txt",
        "--exclude-accounts",
        &three,
        "--endpoint-url",
        &emu.endpoint,
        "-o",
        "s.json",
    ];
    args.extend(TWO_REGIONS);
    let o = run(&args, dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let snapshot = read_json(&dir.path().join("s.json"));
    let ids: Vec<&str> = snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    let mut expected = vec!["123456789012", two.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    // Without --org: no organization call, and no names to show.
    assert!(snapshot["organization"].is_null());
    assert!(account(&snapshot, &two)["account_name"].is_null());
    assert_eq!(count(&emu, "organizations", "ListAccounts"), 0);
    assert_eq!(count(&emu, "sts", "AssumeRole"), 1);
}

#[test]
fn three_shards_merged_equal_one_unsharded_run() {
    let emu = Emulator::start("org");
    let dir = tempfile::tempdir().unwrap();
    let collect = |extra: &[&str], out: &str| {
        let mut args = vec![
            "collect",
            "--org",
            "--endpoint-url",
            &emu.endpoint,
            "-o",
            out,
        ];
        args.extend(TWO_REGIONS);
        args.extend(extra);
        run(&args, dir.path())
    };
    let whole = collect(&[], "all.json");
    assert_eq!(code(&whole), 3, "{}", stderr(&whole));
    let mut sizes = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let o = collect(&["--shard", &shard], &format!("shard-{i}.json"));
        assert!(matches!(code(&o), 0 | 3), "{}", stderr(&o));
        let s = read_json(&dir.path().join(format!("shard-{i}.json")));
        assert_eq!(s["organization"]["id"], emu.id("organization"));
        sizes.push(s["accounts"].as_array().unwrap().len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 13, "{sizes:?}");
    assert!(
        sizes.iter().all(|n| *n < 13),
        "every shard reads a part: {sizes:?}"
    );
    let o = Ibaudit::new(&[
        "merge",
        "shard-1.json",
        "shard-2.json",
        "shard-3.json",
        "-o",
        "merged.json",
    ])
    .dir(dir.path())
    .run();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let merged = without_times(read_json(&dir.path().join("merged.json")));
    let all = without_times(read_json(&dir.path().join("all.json")));
    assert_eq!(merged, all);
}

#[test]
fn a_malformed_account_list_is_a_usage_error_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("accounts.txt"),
        "123456789012\n12345678901x # typo\n",
    )
    .unwrap();
    let o = run(
        &[
            "collect",
            "--accounts",
            "@accounts.txt",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "-o",
            "s.json",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("`12345678901x` is not an account id") && err.contains("line 2"),
        "{err}"
    );
    assert!(!Path::new(&dir.path().join("s.json")).exists());
}

/// The deadline in an organization scan: one account at a time, in id
/// order; the AssumeRole into the member in the middle hangs. The accounts
/// before it are read in full, it is abandoned at the deadline, and none
/// after it is started; every account is in the snapshot, and the ones not
/// read are not assessed (IB900, exit 3).
#[test]
fn the_deadline_stops_an_organization_scan_and_the_accounts_read_are_assessed() {
    let emu = Emulator::start("org-deadline");
    let dir = tempfile::tempdir().unwrap();
    let hung = emu.id("hung");
    let scan = |extra: &[&str], out: &str| {
        let mut args = vec![
            "scan",
            "--org",
            "--endpoint-url",
            &emu.endpoint,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--save-snapshot",
            out,
        ];
        args.extend(TWO_REGIONS);
        args.extend(extra);
        let start = std::time::Instant::now();
        let o = run(&args, dir.path());
        // Without the deadline, the hung call would hold the scan for minutes.
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "took {:?}: {}",
            start.elapsed(),
            stderr(&o)
        );
        o
    };
    // What every account holds when read in full: the same organization
    // without the hung member, and no deadline.
    let whole = scan(&["--exclude-accounts", &hung], "whole.json");
    assert_eq!(code(&whole), 3, "{}", stderr(&whole));
    let reference = without_times(read_json(&dir.path().join("whole.json")));
    let reference_findings = findings(&stdout(&whole));
    let before = count(&emu, "sts", "AssumeRole");

    let o = scan(
        &["--account-concurrency", "1", "--max-duration", "30s"],
        "cut.json",
    );
    let err = stderr(&o);
    assert_eq!(code(&o), 3, "{err}");
    assert!(
        err.contains("stopped at --max-duration 30s") && err.contains("account(s) not read"),
        "{err}"
    );
    let snapshot = without_times(read_json(&dir.path().join("cut.json")));
    assert_eq!(snapshot["organization"], reference["organization"]);

    // Every account of the organization is there, in id order.
    let ids: Vec<String> = snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 13, "{ids:?}");
    let h = ids.iter().position(|id| *id == hung).unwrap();
    assert!(
        (2..=10).contains(&h),
        "accounts both before and after the hung one: {ids:?}"
    );
    let suspended = emu.id("suspended");
    let management = emu.id("management");
    let role = |id: &str| format!("arn:aws:iam::{id}:role/ibaudit-audit");
    let found = findings(&stdout(&o));
    let of = |found: &[(String, String, String)], id: &str| {
        let mut f: Vec<(String, String, String)> =
            found.iter().filter(|f| f.1 == id).cloned().collect();
        f.sort();
        f
    };
    let mut started = 0;
    for (i, id) in ids.iter().enumerate() {
        let a = account(&snapshot, id);
        let errors = a["errors"].as_array().cloned().unwrap_or_default();
        if *id == suspended {
            // Not active: recorded as such whenever it comes, with no call.
            assert_eq!(errors.len(), 1, "{a:#}");
            assert_eq!(errors[0]["code"], "AccountNotActive");
        } else if i < h {
            // Read before the deadline: exactly as without one, findings too.
            assert_eq!(a, account(&reference, id), "account {id}");
            assert_eq!(of(&found, id), of(&reference_findings, id), "account {id}");
            started += usize::from(*id != management);
        } else {
            assert!(a["regions"].as_array().unwrap().is_empty(), "{a:#}");
            assert_eq!(errors.len(), 1, "{a:#}");
            assert_eq!(errors[0]["code"], "DeadlineExceeded", "{a:#}");
            let rules: BTreeSet<&str> = found
                .iter()
                .filter(|f| f.1 == *id)
                .map(|f| f.0.as_str())
                .collect();
            assert_eq!(rules, ["IB900"].into_iter().collect(), "{found:#?}");
            let message = errors[0]["message"].as_str().unwrap();
            if i == h {
                // In progress: its AssumeRole abandoned at the deadline.
                assert_eq!(errors[0]["operation"], "AssumeRole");
                assert_eq!(errors[0]["resource"], role(id));
                assert!(message.contains("maximum duration (30s)"), "{message}");
                started += 1;
            } else if *id == management {
                // Read with the caller's own credentials: its first call.
                assert_eq!(errors[0]["operation"], "DescribeVpcEndpoints");
                assert!(message.contains("before this account was started"));
            } else {
                assert_eq!(errors[0]["operation"], "AssumeRole");
                assert_eq!(errors[0]["resource"], role(id));
                assert!(
                    message.contains("stopped at its maximum duration (30s)")
                        && message.contains("before this account was started"),
                    "{message}"
                );
            }
        }
    }
    // No call for an account not started: one AssumeRole per account begun.
    assert_eq!(count(&emu, "sts", "AssumeRole") - before, started as u64);
    // The audit says which accounts were not assessed.
    let ib900: BTreeSet<&str> = found
        .iter()
        .filter(|f| f.0 == "IB900")
        .map(|f| f.1.as_str())
        .collect();
    assert!(ib900.contains(hung.as_str()), "{found:#?}");
    for id in &ids[h..] {
        assert!(ib900.contains(id.as_str()), "{id}: {found:#?}");
    }
}
