//! The collector against a real AWS API emulator: moto's server, seeded
//! through the AWS API, behind a small endpoint that adds what moto lacks
//! (Image Builder, multi-page responses, fault injection) in AWS's own wire
//! formats. See `tests/harness/emulator.py`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::common::*;
use serde_json::Value;

/// A running emulator; stopped when dropped, whether the test passed or not.
pub(crate) struct Emulator {
    child: Child,
    pub(crate) endpoint: String,
    /// The account the scenario seeded (moto's default account).
    pub(crate) account: String,
    pub(crate) ids: Value,
}

pub(crate) fn venv_python() -> PathBuf {
    let python = std::env::var_os("IBAUDIT_EMULATOR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/moto-venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run `make emulator` (make test does)",
        python.display()
    );
    python
}

impl Emulator {
    pub(crate) fn start(scenario: &str) -> Emulator {
        Emulator::start_with(scenario, &[])
    }

    /// A scenario that takes arguments (`cfn-twin TEMPLATE`).
    pub(crate) fn start_with(scenario: &str, args: &[&str]) -> Emulator {
        let mut child = Command::new(venv_python())
            .arg(root().join("tests/harness/emulator.py"))
            .arg(scenario)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the emulator starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .expect("the emulator says where it listens");
        let hello: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("emulator said {line:?}: {e}"));
        Emulator {
            child,
            endpoint: hello["endpoint"].as_str().unwrap().to_string(),
            account: hello["account"].as_str().unwrap().to_string(),
            ids: hello["ids"].clone(),
        }
    }

    pub(crate) fn id(&self, path: &str) -> String {
        let mut v = &self.ids;
        for part in path.split('.') {
            v = match part.parse::<usize>() {
                Ok(i) => &v[i],
                Err(_) => &v[part],
            };
        }
        v.as_str()
            .unwrap_or_else(|| panic!("no id {path}"))
            .to_string()
    }

    /// One request to the emulator's control endpoint; the reply's body.
    fn control(&self, method: &str, path: &str, body: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }

    /// Adds a fault from now on (the shape of `Emulator.faults` in emulator.py).
    pub(crate) fn add_fault(&self, fault: Value) {
        self.control("POST", "/_emulator/faults", &fault.to_string());
    }

    /// Clears every fault.
    pub(crate) fn clear_faults(&self) {
        self.control("DELETE", "/_emulator/faults", "");
    }

    /// Requests the emulator saw, by (service, region, action).
    pub(crate) fn counts(&self) -> Vec<(String, String, String, u64)> {
        let body = self.control("GET", "/_emulator/counts", "");
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let s = |k: &str| c[k].as_str().unwrap().to_string();
                (
                    s("service"),
                    s("region"),
                    s("action"),
                    c["count"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLESECRET";

/// Runs ibaudit with test credentials and nothing from the user's AWS setup.
pub(crate) fn run(args: &[&str], home: &Path) -> Output {
    Ibaudit::new(args)
        .dir(home)
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .run()
}

pub(crate) const REGIONS: [&str; 6] = [
    "--region",
    "us-east-1",
    "--region",
    "eu-west-1",
    "--region",
    "ap-southeast-2",
];

/// `scan` of the three test regions as JSON, saving the snapshot as `s.json`.
fn scan(emu: &Emulator, dir: &Path, fail_on: &str) -> Output {
    let mut args = vec![
        "scan",
        "--endpoint-url",
        &emu.endpoint,
        "--format",
        "json",
        "--fail-on",
        fail_on,
    ];
    args.extend(["--save-snapshot", "s.json"]);
    args.extend(REGIONS);
    run(&args, dir)
}

pub(crate) fn findings(report: &str) -> Vec<(String, String, String, String)> {
    let doc: Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("rule"), s("region"), s("resource_id"), s("severity"))
        })
        .collect()
}

fn has(
    found: &[(String, String, String, String)],
    rule: &str,
    resource: &str,
    severity: &str,
) -> bool {
    found
        .iter()
        .any(|f| f.0 == rule && f.2 == resource && f.3 == severity)
}

#[test]
fn scan_finds_what_the_account_has_and_the_snapshot_agrees() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), "none");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let live = findings(&stdout(&o));
    let expected = [
        ("IB002", emu.id("euw1.imagebuilder"), "medium"),
        ("IB006", emu.id("euw1.imagebuilder"), "medium"),
        ("IB003", emu.id("apse2.imagebuilder"), "high"),
        ("IB005", emu.id("apse2.imagebuilder"), "high"),
        ("IB014", emu.id("apse2.subnets.1"), "high"),
        ("IB010", emu.id("use1_org.s3"), "high"),
        ("IB011", emu.id("use1_org.s3"), "high"),
    ];
    for (rule, resource, severity) in &expected {
        assert!(
            has(&live, rule, resource, severity),
            "{rule} {severity} on {resource} missing from {live:#?}"
        );
    }
    assert!(
        !live.iter().any(|f| f.0 == "IB900"),
        "everything was collected: {live:#?}"
    );
    for healthy in [emu.id("use1.imagebuilder"), emu.id("use1.s3")] {
        assert!(
            !live.iter().any(|f| f.2 == healthy),
            "{healthy} is healthy: {live:#?}"
        );
    }
    // The saved snapshot, audited offline, gives the same findings.
    let offline = run(
        &["audit", "s.json", "--format", "json", "--fail-on", "none"],
        dir.path(),
    );
    assert_eq!(code(&offline), 0, "{}", stderr(&offline));
    assert_eq!(findings(&stdout(&offline)), live);
}

#[test]
fn collect_writes_aws_shapes_and_reads_each_trail_once() {
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
    let text = std::fs::read_to_string(dir.path().join("snap.json")).unwrap();
    let snap: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(snap["ibaudit_snapshot"], 1);
    let account = &snap["accounts"][0];
    assert_eq!(account["account_id"], "123456789012");
    assert_eq!(account["partition"], "aws");
    let regions: Vec<&str> = account["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["ap-southeast-2", "eu-west-1", "us-east-1"]);
    let use1 = account["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "us-east-1")
        .unwrap();
    for key in ibaudit_snapshot::OPERATIONS {
        assert!(use1.get(key).is_some(), "us-east-1 lacks {key}");
    }
    let ep = use1["DescribeVpcEndpoints"]["VpcEndpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["VpcEndpointId"] == emu.id("use1.imagebuilder").as_str())
        .unwrap();
    assert_eq!(ep["VpcEndpointType"], "Interface");
    assert_eq!(ep["ServiceName"], "com.amazonaws.us-east-1.imagebuilder");
    assert!(ep["State"].is_string() && ep["PrivateDnsEnabled"] == true);
    assert!(ep["Groups"][0]["GroupId"].is_string());
    // The multi-region trail shows in every region but is read once, from
    // its home region, and stored there; the single-region trail likewise.
    let trail = emu.id("trail");
    assert_eq!(use1["GetTrailStatus"][&trail]["IsLogging"], true);
    assert!(use1["GetEventSelectors"][&trail].is_object());
    let euw1 = account["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "eu-west-1")
        .unwrap();
    assert_eq!(
        euw1["GetTrailStatus"][emu.id("trail_off")]["IsLogging"],
        false
    );
    let apse2 = account["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "ap-southeast-2")
        .unwrap();
    assert!(apse2["DescribeTrails"]["trailList"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["TrailARN"] == trail.as_str()));
    let counts = emu.counts();
    let calls = |region: &str, action: &str| {
        counts
            .iter()
            .filter(|c| c.1 == region && c.2 == action)
            .map(|c| c.3)
            .sum::<u64>()
    };
    for action in ["GetTrailStatus", "GetEventSelectors"] {
        assert_eq!(calls("us-east-1", action), 1, "{counts:?}");
        assert_eq!(calls("eu-west-1", action), 1, "{counts:?}");
        assert_eq!(calls("ap-southeast-2", action), 0, "{counts:?}");
    }
    for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
        assert_eq!(
            calls(region, "DescribeVpcEndpoints"),
            1,
            "one page per region: {counts:?}"
        );
    }
    // No credential anywhere.
    assert!(
        !text.contains(SECRET)
            && !stderr(&o).contains(SECRET)
            && !text.contains("AKIAIOSFODNN7EXAMPLE")
    );
}

/// Every call the collector made is in the shipped policy and is read-only.
#[test]
fn collector_calls_only_the_read_only_actions_it_ships() {
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("iam/ibaudit-readonly-policy.json")).unwrap(),
    )
    .unwrap();
    let allowed: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    let declared: BTreeSet<String> = ibaudit_collector::ACTIONS
        .iter()
        .map(|a| a.to_string())
        .filter(|a| a != "sts:GetCallerIdentity")
        .collect();
    assert_eq!(
        declared, allowed,
        "the collector's action list and the shipped policy differ"
    );
    for action in &allowed {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "Get", "List"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{action} is not read-only"
        );
    }
    // What the SDK actually sent, as the collector's interceptor saw it.
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "collect",
        "--endpoint-url",
        &emu.endpoint,
        "-o",
        "snap.json",
        "-v",
        "--all-regions",
    ];
    let o = run(&args, dir.path());
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    let mut seen = BTreeSet::new();
    for line in stderr(&o).lines() {
        if let Some(rest) = line.strip_prefix("ibaudit: ") {
            if let Some((action, counts)) = rest.split_once(": ") {
                if counts.contains("call(s)") {
                    seen.insert(action.to_string());
                }
            }
        }
    }
    assert!(
        seen.contains("ec2:DescribeVpcEndpoints") && seen.contains("ec2:DescribeRegions"),
        "{seen:?}"
    );
    for action in &seen {
        // GetCallerIdentity needs no permission: AWS answers it for any valid credentials.
        assert!(
            allowed.contains(action) || action == "sts:GetCallerIdentity",
            "called {action}, which the policy does not list"
        );
    }
}

#[test]
fn failures_are_recorded_and_retries_absorb_throttling() {
    let emu = Emulator::start("faults");
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), "critical");
    assert_eq!(
        code(&o),
        3,
        "AccessDenied on one operation makes the audit incomplete: {}",
        stderr(&o)
    );
    let found = findings(&stdout(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let gap = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "IB900" && f["region"] == "eu-west-1")
        .unwrap_or_else(|| panic!("IB900 for eu-west-1: {found:#?}"));
    let msg = gap["message"].as_str().unwrap();
    assert!(
        msg.contains("DescribeSecurityGroups")
            && msg.contains("UnauthorizedOperation")
            && msg.contains("IB005"),
        "{msg}"
    );
    // The other regions were collected in full despite throttling.
    assert!(
        !found.iter().any(|f| f.0 == "IB900" && f.1 != "eu-west-1"),
        "{found:#?}"
    );
    let snap: Value = read_json(&dir.path().join("s.json"));
    for r in snap["accounts"][0]["regions"].as_array().unwrap() {
        assert!(r.get("DescribeVpcEndpoints").is_some(), "{}", r["region"]);
        let errors = r
            .get("errors")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(
            errors,
            usize::from(r["region"] == "eu-west-1"),
            "{}: {:?}",
            r["region"],
            r.get("errors")
        );
    }
    let counts = emu.counts();
    let n = |region: &str, action: &str| {
        counts
            .iter()
            .filter(|c| c.1 == region && c.2 == action)
            .map(|c| c.3)
            .sum::<u64>()
    };
    assert_eq!(
        n("us-east-1", "DescribeVpcEndpoints"),
        3,
        "two throttled attempts, then success: {counts:?}"
    );
    assert_eq!(
        n("ap-southeast-2", "ListInfrastructureConfigurations"),
        2,
        "{counts:?}"
    );
}

#[test]
fn throttling_that_never_ends_is_not_assessed_and_other_regions_go_on() {
    let emu = Emulator::start("throttled-forever");
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), "critical");
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let gaps: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB900")
        .collect();
    assert!(
        gaps.iter().any(|g| g["region"] == "eu-west-1"
            && g["message"]
                .as_str()
                .unwrap()
                .contains("DescribeVpcEndpoints")
            && g["message"]
                .as_str()
                .unwrap()
                .contains("RequestLimitExceeded")),
        "{gaps:#?}"
    );
    assert!(gaps.iter().all(|g| g["region"] == "eu-west-1"), "{gaps:#?}");
    let counts = emu.counts();
    let attempts: u64 = counts
        .iter()
        .filter(|c| c.1 == "eu-west-1" && c.2 == "DescribeVpcEndpoints")
        .map(|c| c.3)
        .sum();
    // Without --max-duration, the SDK's five attempts, then it is said.
    assert_eq!(attempts, 5, "bounded attempts: {counts:?}");
}

#[test]
fn pages_are_followed_to_the_end_and_states_kept_as_sent() {
    let emu = Emulator::start("pagination");
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "collect",
            "--endpoint-url",
            &emu.endpoint,
            "--region",
            "us-west-2",
            "-o",
            "snap.json",
        ],
        dir.path(),
    );
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    let snap: Value = read_json(&dir.path().join("snap.json"));
    let region = &snap["accounts"][0]["regions"][0];
    let states: Vec<(&str, &str)> = region["DescribeVpcEndpoints"]["VpcEndpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["VpcEndpointId"].as_str().unwrap(),
                e["State"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("vpce-0aaa000000000001", "available"),
            ("vpce-0aaa000000000002", "pendingAcceptance"),
            ("vpce-0aaa000000000003", "failed"),
            ("vpce-0aaa000000000004", "Available"),
        ]
    );
    let configs = region["GetInfrastructureConfiguration"].as_array().unwrap();
    assert_eq!(configs.len(), 5, "three pages of two: {configs:?}");
    assert_eq!(
        region["ListInfrastructureConfigurations"]["infrastructureConfigurationSummaryList"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let counts = emu.counts();
    let n = |action: &str| {
        counts
            .iter()
            .filter(|c| c.2 == action)
            .map(|c| c.3)
            .sum::<u64>()
    };
    assert_eq!(n("DescribeVpcEndpoints"), 2);
    assert_eq!(n("ListInfrastructureConfigurations"), 3);
    assert_eq!(n("GetInfrastructureConfiguration"), 5);
    // The audit reads the states as AWS sent them.
    let o = run(
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
    let found = findings(&stdout(&o));
    assert!(
        has(&found, "IB004", "vpce-0aaa000000000002", "medium"),
        "{found:#?}"
    );
    assert!(
        has(&found, "IB004", "vpce-0aaa000000000003", "high"),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "IB004" && f.2 == "vpce-0aaa000000000001"),
        "{found:#?}"
    );
}

#[test]
fn unreachable_endpoint_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "collect",
            "--endpoint-url",
            &url,
            "--region",
            "us-east-1",
            "-o",
            "snap.json",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cannot reach AWS at") && err.contains(&url),
        "{err}"
    );
    assert!(!err.contains("panicked") && !dir.path().join("snap.json").exists());
}

#[test]
fn missing_credentials_name_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let o = Ibaudit::new(&[
        "collect",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
        "-o",
        "snap.json",
    ])
    .dir(dir.path())
    .env("HOME", dir.path())
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("credentials are missing or not valid") && err.contains("credential chain"),
        "{err}"
    );
    assert!(!err.contains("panicked") && !dir.path().join("snap.json").exists());
}

#[test]
fn scale_three_regions_300_endpoints_50_vpcs() {
    let emu = Emulator::start("scale");
    let dir = tempfile::tempdir().unwrap();
    let o = scan(&emu, dir.path(), "none");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let live = findings(&stdout(&o));
    let vpcs = emu.ids["vpcs"].as_array().unwrap();
    assert_eq!(vpcs.len(), 50);
    for (i, v) in vpcs.iter().enumerate() {
        let ep = v["imagebuilder"].as_str().unwrap();
        assert_eq!(
            has(&live, "IB002", ep, "medium"),
            i % 5 == 0,
            "IB002 on VPC {i}"
        );
        assert_eq!(
            has(&live, "IB005", ep, "high"),
            i % 7 == 0,
            "IB005 on VPC {i}"
        );
    }
    let snap: Value = read_json(&dir.path().join("s.json"));
    let endpoints: usize = snap["accounts"][0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["DescribeVpcEndpoints"]["VpcEndpoints"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(endpoints, 300);
    let offline = run(
        &["audit", "s.json", "--format", "json", "--fail-on", "none"],
        dir.path(),
    );
    assert_eq!(findings(&stdout(&offline)), live);
}

#[test]
fn expired_credentials_are_a_clear_error() {
    let emu = Emulator::start("expired-credentials");
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "scan",
            "--endpoint-url",
            &emu.endpoint,
            "--region",
            "us-east-1",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("credentials are missing or not valid") && err.contains("ExpiredToken"),
        "{err}"
    );
    assert!(!err.contains(SECRET) && !err.contains("panicked") && o.stdout.is_empty());
}

/// Credentials for an AWS CLI call.
#[derive(Clone)]
pub(crate) struct Creds {
    pub key: String,
    pub secret: String,
    pub token: Option<String>,
}

/// One AWS CLI call against the emulator, with `creds` and the config and
/// credentials files in `home` (absent files are none), as JSON (`Null`
/// when the command prints nothing).
pub(crate) fn aws_cli(
    emu: &Emulator,
    home: &Path,
    creds: &Creds,
    region: &str,
    args: &[&str],
) -> Value {
    let mut c = Command::new(venv_python());
    c.args(["-m", "awscli"])
        .args(args)
        .args(["--region", region, "--output", "json"])
        .current_dir(home)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_ACCESS_KEY_ID", &creds.key)
        .env("AWS_SECRET_ACCESS_KEY", &creds.secret)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &emu.endpoint);
    if let Some(t) = &creds.token {
        c.env("AWS_SESSION_TOKEN", t);
    }
    let o = c
        .output()
        .expect("the AWS CLI runs (make emulator installs it)");
    assert!(
        o.status.success(),
        "aws {args:?} in {region}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    if o.stdout.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("aws {args:?}: {e}: {}", String::from_utf8_lossy(&o.stdout)))
}
