//! The streamed read within its memory budget, as the `ibaudit` binary runs
//! it (the counting allocator installed): a valid snapshot whose model fits
//! the budget is read, however long its strings; one that does not is
//! refused with the budget's own message, its JSON path and the position
//! where the budget ran out, never as broken JSON.
//!
//! The budget counts the whole process's heap, so the tests of this file
//! run one at a time.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ibaudit_snapshot::memory::CountingAllocator;
use ibaudit_snapshot::{from_bytes, load, LoadError, Snapshot};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What the budget's refusal says.
const REFUSAL: &str = "reading this snapshot would take more than 1.6x its size in memory";

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ibaudit-snapshot-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn demo() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/snapshot.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A valid endpoint policy of at least `mib` MiB: one statement per
/// component, as a JSON document (the text AWS returns as `PolicyDocument`).
fn huge_policy(mib: usize) -> String {
    let mut policy = String::from(r#"{"Version":"2012-10-17","Statement":["#);
    let mut i = 0;
    while policy.len() < mib << 20 {
        if i > 0 {
            policy.push(',');
        }
        policy.push_str(&format!(
            r#"{{"Sid":"Component{i}","Effect":"Allow","Principal":"*","Action":["imagebuilder:GetComponent"],"Resource":"arn:aws:imagebuilder:us-east-1:111122223333:component/component-{i}/1.0.0"}}"#
        ));
        i += 1;
    }
    policy.push_str("]}");
    policy
}

fn policy_of<'a>(s: &'a Snapshot, region: usize, id: &str) -> &'a str {
    s.accounts[0].regions[region]
        .describe_vpc_endpoints
        .as_ref()
        .unwrap()
        .vpc_endpoints
        .iter()
        .find(|e| e.vpc_endpoint_id == id)
        .and_then(|e| e.policy_document.as_deref())
        .unwrap_or_else(|| panic!("no policy for {id}"))
}

fn data_error(e: LoadError) -> (String, usize, usize, String) {
    match e {
        LoadError::Data {
            json_path,
            line,
            column,
            message,
            ..
        } => (json_path, line, column, message),
        other => panic!("expected the budget's refusal, got: {other}"),
    }
}

#[test]
fn a_30_mib_endpoint_policy_in_the_demo_is_read_within_the_budget() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("policy");
    let policy = huge_policy(30);

    // The demo, one of its endpoints carrying the policy.
    let mut doc = demo();
    doc["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0]["PolicyDocument"] =
        serde_json::Value::String(policy.clone());
    let path = dir.write("demo.json", &serde_json::to_vec_pretty(&doc).unwrap());
    drop(doc);
    let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy_of(&s, 0, "vpce-0a1b2c3d4e5f60001"), policy);
    assert_eq!(s.accounts[0].regions.len(), 3);
}

#[test]
fn a_30_mib_endpoint_policy_at_the_end_of_the_file_is_read_within_the_budget() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("last");
    let policy = huge_policy(30);
    // The policy the last thing in the file: the reader's last check of the
    // budget is the one that looks for the end of the document (which took
    // a refusal there for "unexpected data after the end", at 0:0).
    let text = format!(
        r#"{{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{{"account_id":"111122223333","regions":[{{"region":"us-east-1","DescribeVpcEndpoints":{{"VpcEndpoints":[{{"VpcEndpointId":"vpce-1","VpcEndpointType":"Interface","VpcId":"vpc-1","ServiceName":"com.amazonaws.us-east-1.imagebuilder","PolicyDocument":{}}}]}}}}]}}]}}"#,
        serde_json::to_string(&policy).unwrap()
    );
    let path = dir.write("last.json", text.as_bytes());
    let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy_of(&s, 0, "vpce-1"), policy);
    drop(s);
    // The same from standard input.
    let s = from_bytes(text.into_bytes(), Path::new("-")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy_of(&s, 0, "vpce-1"), policy);
}

#[test]
fn a_snapshot_over_the_budget_is_refused_where_the_budget_ran_out() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("tiny");
    // About 10 MiB of one-letter ids in a list the rules read: each costs a
    // 24-byte record for 4 bytes of text.
    let head = r#"{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{"account_id":"111122223333","regions":[{"region":"us-east-1","DescribeVpcEndpoints":{"VpcEndpoints":[{"VpcEndpointId":"vpce-1","VpcEndpointType":"Interface","VpcId":"vpc-1","NetworkInterfaceIds":["#;
    let items = vec![r#""a""#; (10 << 20) / 4].join(",");
    let text = format!("{head}{items}]}}]}}}}]}}]}}");
    let path = dir.write("tiny.json", text.as_bytes());
    for err in [
        load(&path).unwrap_err(),
        from_bytes(text.clone().into_bytes(), Path::new("-")).unwrap_err(),
    ] {
        let (json_path, line, column, message) = data_error(err);
        assert_eq!(
            json_path,
            "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[0].NetworkInterfaceIds"
        );
        assert!(message.starts_with(REFUSAL), "{message}");
        // Within the list, where the reader stood.
        assert_eq!(line, 1);
        assert!(
            (head.len()..head.len() + items.len()).contains(&column),
            "column {column} outside the list"
        );
    }
}

#[test]
fn over_the_budget_once_the_document_is_read_is_the_budgets_refusal_at_its_end() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("end");
    // 65,535 empty routes (each a record of some 360 bytes for 3 bytes of
    // text), then a 20 MiB string: read within the budget, the string's
    // copy into the model takes the heap over it only once its last byte
    // has been read. Padded so that the string's end and the end of the
    // document come in the same read of the file: the budget is next
    // checked when the reader looks for the end.
    let routes = vec!["{}"; 65_535].join(",");
    let head = format!(
        r#"{{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{{"account_id":"111122223333","regions":[{{"region":"us-east-1","DescribeRouteTables":{{"RouteTables":[{{"RouteTableId":"rtb-1","VpcId":"vpc-1","Routes":[{routes}]}}]}},"#
    );
    let endpoint = r#""DescribeVpcEndpoints":{"VpcEndpoints":[{"VpcEndpointId":"vpce-1","VpcEndpointType":"Interface","VpcId":"vpc-1","PolicyDocument":""#;
    let tail = r#""}]}}]}]}"#;
    let string = 20 << 20;
    const CHUNK: usize = 8 << 10;
    let mut pad = 0;
    while (head.len() + pad + endpoint.len() + string) / CHUNK
        != (head.len() + pad + endpoint.len() + string + tail.len() - 1) / CHUNK
    {
        pad += 1;
    }
    let text = format!(
        "{head}{}{endpoint}{}{tail}",
        " ".repeat(pad),
        "a".repeat(string)
    );
    drop(routes);
    let path = dir.write("end.json", text.as_bytes());
    let (json_path, line, column, message) = data_error(load(&path).unwrap_err());
    assert!(message.starts_with(REFUSAL), "{message}");
    assert_eq!(json_path, "the top level");
    assert_eq!((line, column), (1, text.len()));
}

#[test]
fn what_each_keeps_counts_once_when_a_refused_read_is_read_again() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("kept");
    // 400,000 accounts of 45 bytes each (18 MB), for each of which the
    // caller keeps 400 bytes (an audit's findings and scope): over the
    // budget of the file part way. The refused first read is read again for
    // the error's path; the accounts handed over before are not handed
    // again, and what was kept of them must not buy the second read a
    // budget of its own.
    let accounts: Vec<String> = (0..400_000)
        .map(|i| format!(r#"{{"account_id":"{i:012}","regions":[]}}"#))
        .collect();
    let text = format!(
        r#"{{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{}]}}"#,
        accounts.join(",")
    );
    drop(accounts);
    let path = dir.write("kept.json", text.as_bytes());
    let start = ibaudit_snapshot::memory::live_bytes().unwrap();
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut peak = 0;
    let read = ibaudit_snapshot::load_each(&path, |_, _| {
        kept.push(vec![0; 400]);
        peak = peak.max(ibaudit_snapshot::memory::live_bytes().unwrap());
    });
    let (_, _, _, message) = data_error(read.unwrap_err());
    assert!(message.starts_with(REFUSAL), "{message}");
    let allowed = (text.len() as f64 * ibaudit_snapshot::memory::GROWTH) as usize;
    assert!(
        peak - start <= allowed + (2 << 20),
        "the heap grew by {} for a budget of {allowed}",
        peak - start
    );
    assert!(kept.len() < 400_000);
}
