//! Organization scans against the scale emulator (crates/scale-emulator),
//! served in-process: a generated organization of five accounts x two
//! regions, no latency. What a scan finds is checked against the
//! generator's own expectation; throttling, server errors, a refused
//! AssumeRole and an account whose calls hang are each forced. Behaviour
//! only: nothing here is timed (`make bench-scale` measures).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use ibaudit_scale_emulator::org::Spec;
use ibaudit_scale_emulator::{expectation, Background, Options};
use serde_json::Value;

use crate::common::*;

/// (account, region, rule, resource) of a finding.
type Pair = (String, String, String, String);

fn spec() -> Spec {
    Spec {
        seed: 18,
        accounts: 5,
        regions: 2,
        broken_share: 0.5,
        imagebuilder_share: 0.8,
    }
}

fn options() -> Options {
    let mut o = Options::new(spec());
    o.latency = Duration::ZERO;
    o
}

fn pair(f: &Value) -> Pair {
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    (s("account_id"), s("region"), s("rule"), s("resource_id"))
}

/// What the generator says a scan of the whole organization finds.
fn expected(opts: &Options) -> BTreeSet<Pair> {
    expectation(opts)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(pair)
        .collect()
}

/// `scan --org --all-regions` through the emulator, as JSON.
fn scan(emu: &Background, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "scan",
        "--org",
        "--all-regions",
        "--endpoint-url",
        &emu.endpoint,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--save-snapshot",
        "s.json",
    ];
    args.extend_from_slice(extra);
    in_dir(Ibaudit::new(&args), dir).run()
}

/// The binary run in `dir`, with credentials the emulator takes and
/// nothing of the machine's own AWS configuration.
fn in_dir(cmd: Ibaudit, dir: &Path) -> Ibaudit {
    cmd.dir(dir)
        .env("HOME", dir)
        .env("AWS_ACCESS_KEY_ID", "AKIDSCALETEST")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// The findings of a JSON report: assessed ones, and the accounts not assessed.
fn findings(o: &Output) -> (BTreeSet<Pair>, BTreeSet<String>) {
    let out = stdout(o);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let all = doc["findings"].as_array().unwrap();
    let assessed = all
        .iter()
        .filter(|f| f["not_assessed"] != true)
        .map(pair)
        .collect();
    let not = all
        .iter()
        .filter(|f| f["not_assessed"] == true)
        .map(|f| f["account_id"].as_str().unwrap().to_string())
        .collect();
    (assessed, not)
}

fn account<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("account {id} missing from the snapshot"))
}

/// The snapshot without when it was read.
fn without_times(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                // The trail status times come from the emulator's clock.
                m.retain(|k, _| {
                    k != "collected_at" && !k.ends_with("Time") && !k.ends_with("Succeeded")
                });
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
fn a_clean_scan_finds_exactly_what_the_generator_broke_in_the_fewest_calls() {
    let opts = options();
    let want = expected(&opts);
    assert!(
        want.len() >= 3,
        "the generated organization is broken somewhere"
    );
    let emu = Background::start(opts.clone());
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (got, not_assessed) = findings(&o);
    assert!(not_assessed.is_empty(), "{not_assessed:?}");
    assert_eq!(got, want, "lost: {:?}", want.difference(&got));
    let counts = emu.emulator.counts();
    assert_eq!(counts["total_throttled"], 0, "{counts}");
    assert_eq!(
        counts["total_calls"],
        expectation(&opts)["minimum_total"],
        "{counts}"
    );
}

/// `collect --org --all-regions -o OUTPUT` through the emulator.
fn collect(emu: &Background, dir: &Path, output: &str) -> Output {
    collect_with(emu, dir, output, &[])
}

/// `collect --org --all-regions -o OUTPUT EXTRA...` through the emulator.
fn collect_with(emu: &Background, dir: &Path, output: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "collect",
        "--org",
        "--all-regions",
        "--endpoint-url",
        &emu.endpoint,
        "-o",
        output,
    ];
    args.extend_from_slice(extra);
    in_dir(Ibaudit::new(&args), dir).run()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn collect_writes_each_account_as_it_is_read_and_the_snapshot_is_the_scans() {
    let emu = Background::start(options());
    let dir = tempfile::tempdir().unwrap();
    let o = collect(&emu, dir.path(), "c.json");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Nothing but the snapshot is left beside it.
    assert_eq!(names_in(dir.path()), ["c.json"]);
    let o = scan(&emu, dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap()
    };
    let (collected, scanned) = (read("c.json"), read("s.json"));
    let ids: Vec<&str> = collected["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), spec().accounts);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(without_times(collected), without_times(scanned));

    // A snapshot that cannot be written leaves no file behind.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let o = collect(&emu, dir.path(), "sub");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(names_in(dir.path()), ["c.json", "s.json", "sub"]);
    assert!(names_in(&dir.path().join("sub")).is_empty());
}

#[test]
fn throttled_and_failing_calls_are_retried_and_the_results_are_the_same() {
    let clean = Background::start(options());
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&clean, dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let baseline = without_times(read_json(&dir.path().join("s.json")));
    let (want, _) = findings(&o);

    // Throttling of one action only: the SDK's adaptive retry mode makes the
    // next attempts of the whole service and region (every account's) wait
    // for its client-side rate limiter, seconds each. Server errors do not
    // slow it down, so they go everywhere.
    let mut opts = options();
    opts.throttle_fraction = 0.5;
    opts.throttle_services = vec!["imagebuilder:GetInfrastructureConfiguration".into()];
    opts.error_fraction = 0.1;
    opts.error_services = ["ec2", "sts", "organizations", "cloudtrail", "imagebuilder"]
        .map(String::from)
        .to_vec();
    opts.throttle_max_consecutive = 1;
    let emu = Background::start(opts);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let counts = emu.emulator.counts();
    assert!(counts["total_throttled"].as_u64().unwrap() > 0, "{counts}");
    assert!(counts["total_faulted"].as_u64().unwrap() > 0, "{counts}");
    let (got, not_assessed) = findings(&o);
    assert!(not_assessed.is_empty(), "{not_assessed:?}");
    assert_eq!(got, want);
    let snapshot = without_times(read_json(&dir.path().join("s.json")));
    assert!(snapshot == baseline, "the snapshot differs after retries");
}

#[test]
fn an_account_that_refuses_assume_role_is_not_assessed_and_the_rest_are() {
    let mut opts = options();
    let refused = opts.spec.account_id(3);
    opts.deny_assume = vec![refused.clone()];
    let want: BTreeSet<Pair> = expected(&opts)
        .into_iter()
        .filter(|p| p.0 != refused)
        .collect();
    let emu = Background::start(opts);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), &[]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let (got, not_assessed) = findings(&o);
    assert_eq!(not_assessed, BTreeSet::from([refused.clone()]));
    assert_eq!(got, want);
    let snapshot = read_json(&dir.path().join("s.json"));
    let errors = &account(&snapshot, &refused)["errors"];
    assert_eq!(errors[0]["operation"], "AssumeRole", "{errors:#}");
    assert_eq!(errors[0]["code"], "AccessDenied", "{errors:#}");
}

#[test]
fn an_account_whose_calls_hang_is_cut_at_the_deadline_and_the_rest_are_audited() {
    let mut opts = options();
    let hanging = opts.spec.account_id(2);
    opts.hang_accounts = vec![hanging.clone()];
    let want: BTreeSet<Pair> = expected(&opts)
        .into_iter()
        .filter(|p| p.0 != hanging)
        .collect();
    let emu = Background::start(opts);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), &["--max-duration", "4s"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let (got, not_assessed) = findings(&o);
    assert_eq!(not_assessed, BTreeSet::from([hanging.clone()]));
    assert_eq!(got, want);
    assert!(emu.emulator.counts()["hung"].as_u64().unwrap() > 0);
    let snapshot = read_json(&dir.path().join("s.json"));
    let a = account(&snapshot, &hanging);
    assert!(
        a["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["code"] == "DeadlineExceeded")),
        "{a:#}"
    );
}

#[test]
fn credentials_that_expire_mid_scan_are_assumed_again() {
    let mut opts = options();
    // Shorter than the collector's refresh margin: every use assumes again.
    opts.credential_lifetime = Some(Duration::from_secs(2));
    let want = expected(&opts);
    let members = opts.spec.accounts as u64 - 1;
    let emu = Background::start(opts);
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (got, not_assessed) = findings(&o);
    assert!(not_assessed.is_empty(), "{not_assessed:?}");
    assert_eq!(got, want);
    // No call went out with expired credentials, and they were asked for
    // again (one AssumeRole per member when they last the whole scan).
    let counts = emu.emulator.counts();
    assert_eq!(counts["total_faulted"], 0, "{counts}");
    let assumed = counts["calls"]["sts:AssumeRole"].as_u64().unwrap();
    assert!(assumed > members, "{counts}");
}

/// The first place where two JSON values differ, as a path.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => {
                        if let Some(d) = first_difference(l, r, &p) {
                            return Some(d);
                        }
                    }
                    (l, r) => return Some(format!("{p}: {l:?} / {r:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} / {b}")),
    }
}

/// `audit FILE --format json` of a snapshot in `dir`.
fn audit_in(dir: &Path, file: &str) -> Output {
    let args = ["audit", file, "--format", "json", "--fail-on", "none"];
    in_dir(Ibaudit::new(&args), dir).run()
}

#[test]
fn eight_shards_merged_equal_the_unsharded_collection_of_forty_accounts() {
    const SHARDS: u32 = 8;
    let mut opts = options();
    opts.spec = Spec {
        seed: 40,
        accounts: 40,
        regions: 3,
        ..spec()
    };
    let want = expected(&opts);
    let emu = Background::start(opts.clone());
    let dir = tempfile::tempdir().unwrap();
    let assumed = || {
        emu.emulator.counts()["calls"]["sts:AssumeRole"]
            .as_u64()
            .unwrap()
    };

    let o = collect(&emu, dir.path(), "whole.json");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let whole = read_json(&dir.path().join("whole.json"));
    let ids = |s: &Value| -> Vec<String> {
        s["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account_id"].as_str().unwrap().to_string())
            .collect()
    };
    let all: BTreeSet<String> = ids(&whole).into_iter().collect();
    let members = opts.spec.accounts as u64 - 1;
    assert_eq!(all.len(), opts.spec.accounts);
    assert_eq!(assumed(), members);

    // Each account in exactly one shard: the one its id hashes to.
    let mut shard_of: std::collections::BTreeMap<String, u32> = Default::default();
    let mut files = Vec::new();
    for i in 1..=SHARDS {
        let file = format!("shard-{i}.json");
        let o = collect_with(
            &emu,
            dir.path(),
            &file,
            &["--shard", &format!("{i}/{SHARDS}")],
        );
        assert_eq!(code(&o), 0, "shard {i}: {}", stderr(&o));
        for id in ids(&read_json(&dir.path().join(&file))) {
            assert_eq!(
                ibaudit_snapshot::shard_of(&id, SHARDS),
                i,
                "{id} in shard {i}"
            );
            if let Some(other) = shard_of.insert(id.clone(), i) {
                panic!("{id} is in shards {other} and {i}");
            }
        }
        files.push(file);
    }
    assert_eq!(shard_of.keys().cloned().collect::<BTreeSet<_>>(), all);
    // With these ids every shard reads some of the accounts.
    let used: BTreeSet<u32> = shard_of.values().copied().collect();
    assert_eq!(used.len(), SHARDS as usize, "{shard_of:?}");
    // Between them the shards entered every member once more.
    assert_eq!(assumed(), 2 * members);

    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["-o", "merged.json"]);
    let o = in_dir(Ibaudit::new(&args), dir.path()).run();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let merged = without_times(read_json(&dir.path().join("merged.json")));
    let whole = without_times(whole);
    if let Some(d) = first_difference(&merged, &whole, "") {
        panic!("the merged shards differ from the unsharded snapshot (merged / whole) at {d}");
    }

    let (of_merged, of_whole) = (
        audit_in(dir.path(), "merged.json"),
        audit_in(dir.path(), "whole.json"),
    );
    assert_eq!(code(&of_merged), 0, "{}", stderr(&of_merged));
    assert_eq!(code(&of_whole), 0, "{}", stderr(&of_whole));
    let (got, not_assessed) = findings(&of_merged);
    assert!(not_assessed.is_empty(), "{not_assessed:?}");
    assert_eq!(got, findings(&of_whole).0);
    assert_eq!(got, want, "lost: {:?}", want.difference(&got));
}
