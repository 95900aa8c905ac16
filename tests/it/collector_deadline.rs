//! The collector bounded in time (`--max-duration`) and honest about the
//! calls it made, against the AWS API emulator (`tests/harness/emulator.py`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::collector::{run, Emulator, REGIONS};
use crate::common::*;

/// Requests the emulator received, by `service:Action`, all regions together.
fn counts_by_action(emu: &Emulator) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (service, _region, action, n) in emu.counts() {
        *out.entry(format!("{service}:{action}")).or_default() += n;
    }
    out
}

/// Without a bound, the hung call would hold the collection for minutes
/// (5 attempts of 60 s): well past this.
const GENEROUS: Duration = Duration::from_secs(90);

fn region<'a>(snap: &'a Value, name: &str) -> &'a Value {
    snap["accounts"][0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == name)
        .unwrap_or_else(|| panic!("no {name} in {snap}"))
}

fn errors(region: &Value) -> Vec<(String, String)> {
    region
        .get("errors")
        .and_then(Value::as_array)
        .map(|e| {
            e.iter()
                .map(|e| {
                    (
                        e["operation"].as_str().unwrap().to_string(),
                        e["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_hung_call_stops_at_the_deadline_and_is_reported_not_assessed() {
    let emu = Emulator::start("hung");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "collect",
        "--endpoint-url",
        &emu.endpoint,
        "--max-duration",
        "8s",
        "-o",
        "snap.json",
    ];
    args.extend(REGIONS);
    let start = Instant::now();
    let o = run(&args, dir.path());
    let took = start.elapsed();
    assert!(took < GENEROUS, "took {took:?}: {}", stderr(&o));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("stopped at --max-duration 8s") && !err.contains("panicked"),
        "{err}"
    );
    // The snapshot is written: what was read is kept, the hung call is
    // recorded as not read.
    let snap: Value = read_json(&dir.path().join("snap.json"));
    let euw1 = region(&snap, "eu-west-1");
    assert!(euw1["DescribeVpcEndpoints"]["VpcEndpoints"].is_array());
    assert!(euw1.get("DescribeSecurityGroups").is_none(), "{euw1}");
    assert!(
        errors(euw1).contains(&("DescribeSecurityGroups".into(), "DeadlineExceeded".into())),
        "{:?}",
        errors(euw1)
    );
    // Offline, the audit says what the deadline left unassessed, and exits 3.
    let audit = run(
        &[
            "audit",
            "snap.json",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        dir.path(),
    );
    assert_eq!(code(&audit), 3, "{}", stderr(&audit));
    let report: Value = serde_json::from_str(&stdout(&audit)).unwrap();
    let gaps: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB900" && f["region"] == "eu-west-1")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        gaps.iter().any(|m| m.contains("DescribeSecurityGroups")
            && m.contains("DeadlineExceeded")
            && m.contains("IB005")),
        "{gaps:#?}"
    );

    // `scan` is bounded the same way, and its audit is incomplete.
    let mut args = vec![
        "scan",
        "--endpoint-url",
        &emu.endpoint,
        "--max-duration",
        "8s",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--save-snapshot",
        "scan.json",
    ];
    args.extend(REGIONS);
    let start = Instant::now();
    let o = run(&args, dir.path());
    let took = start.elapsed();
    assert!(took < GENEROUS, "took {took:?}: {}", stderr(&o));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == "IB900"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("DeadlineExceeded"))
        }),
        "{report:#}"
    );
    assert!(dir.path().join("scan.json").exists());
}

#[test]
fn a_deadline_that_is_not_reached_changes_nothing() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "collect",
        "--endpoint-url",
        &emu.endpoint,
        "--max-duration",
        "1h",
        "-o",
        "snap.json",
    ];
    args.extend(REGIONS);
    let o = run(&args, dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("max-duration"), "{}", stderr(&o));
    let snap: Value = read_json(&dir.path().join("snap.json"));
    for name in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
        assert_eq!(errors(region(&snap, name)), [], "{name}");
    }
}

#[test]
fn bad_durations_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0s", "45", "1.5m", "soon"] {
        let o = run(
            &["collect", "--max-duration", bad, "-o", "snap.json"],
            dir.path(),
        );
        assert_eq!(code(&o), 2, "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("--max-duration"), "{}", stderr(&o));
    }
}

/// `-v` prints, per action, the operations and attempts the binary made;
/// the attempts are exactly the requests the emulator received.
#[test]
fn call_counters_agree_with_the_emulator() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "collect",
        "--endpoint-url",
        &emu.endpoint,
        "-o",
        "snap.json",
        "-v",
    ];
    args.extend(REGIONS);
    let o = run(&args, dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let mut counted: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut so_far = Vec::new();
    for line in err.lines() {
        let Some(rest) = line.strip_prefix("ibaudit: ") else {
            continue;
        };
        if let Some((action, n)) = rest.split_once(": ") {
            if let Some((calls, attempts)) = n.split_once(" call(s), ") {
                let attempts = attempts.strip_suffix(" attempt(s)").unwrap();
                counted.insert(
                    action.to_string(),
                    (calls.parse().unwrap(), attempts.parse().unwrap()),
                );
            }
        }
        if let Some((_, n)) = rest.split_once(" (") {
            if let Some((n, _)) = n.split_once(" calls so far") {
                so_far.push(n.parse::<u64>().unwrap());
            }
        }
    }
    let received = counts_by_action(&emu);
    let attempts: BTreeMap<String, u64> = counted.iter().map(|(k, v)| (k.clone(), v.1)).collect();
    assert_eq!(
        attempts, received,
        "the binary's attempts vs the emulator's requests:\n{err}"
    );
    for (action, (calls, attempts)) in &counted {
        assert!(
            *calls > 0 && calls <= attempts,
            "{action}: {calls} call(s), {attempts} attempt(s)"
        );
    }
    assert_eq!(
        counted["ec2:DescribeVpcEndpoints"].0, 3,
        "one page per region"
    );
    assert_eq!(counted["sts:GetCallerIdentity"].0, 1);
    // Progress counts what was made so far, so it grows and is never zero.
    assert_eq!(so_far.len(), 3, "{err}");
    assert!(
        so_far[0] > 0 && so_far.windows(2).all(|w| w[0] <= w[1]),
        "{so_far:?}"
    );
}
