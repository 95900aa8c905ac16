//! Bad input: every kind gets exit 2 and a message naming the file and the
//! place in it; nothing panics and nothing is written.

use crate::common::*;

fn run_on(contents: &str) -> (i32, String) {
    let (_dir, path) = write_temp("input.json", contents);
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "no report on bad input");
    (code(&o), err)
}

fn expect(contents: &str, needles: &[&str]) {
    let (code, err) = run_on(contents);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("input.json"), "names the file: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
}

fn valid() -> serde_json::Value {
    small_snapshot(&["111122223333"])
}

#[test]
fn not_json() {
    expect("hello, world\n", &["input.json:1:1:", "not valid JSON"]);
}

#[test]
fn syntax_error_has_line_and_column() {
    expect(
        "{\n  \"ibaudit_snapshot\": 1,\n  \"collected_at\": oops\n}",
        &["input.json:3:", "not valid JSON"],
    );
}

#[test]
fn truncated() {
    let text = serde_json::to_string_pretty(&valid()).unwrap();
    let cut = &text[..text.len() / 2];
    expect(cut, &["truncated", "unexpected end of file"]);
}

#[test]
fn empty_file() {
    expect("", &["empty"]);
    expect("  \n", &["empty"]);
}

#[test]
fn trailing_garbage() {
    let text = format!("{} {{}}", valid());
    expect(&text, &["after the end of the snapshot"]);
}

#[test]
fn wrong_version() {
    let mut v = valid();
    v["ibaudit_snapshot"] = 2.into();
    expect(
        &v.to_string(),
        &["unsupported snapshot version 2", "reads version 1"],
    );
    // The version key after a shape this version cannot read still wins.
    let text = r#"{"accounts": "a future shape", "ibaudit_snapshot": 7}"#;
    expect(text, &["unsupported snapshot version 7"]);
}

#[test]
fn not_a_snapshot() {
    expect(r#"{"Vpcs": []}"#, &["not an ibaudit snapshot"]);
    expect("[1, 2]", &["not an ibaudit snapshot"]);
}

#[test]
fn wrong_types_name_the_json_path() {
    let mut v = valid();
    v["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0]
        ["PrivateDnsEnabled"] = "yes".into();
    expect(
        &serde_json::to_string_pretty(&v).unwrap(),
        &[
            "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[0].PrivateDnsEnabled",
            "line ",
            "expected a boolean",
        ],
    );
    let mut v = valid();
    v["accounts"][0]["regions"] = serde_json::json!({"region": "us-east-1"});
    expect(
        &v.to_string(),
        &["accounts[0].regions", "expected a sequence"],
    );
}

#[test]
fn missing_required_fields_name_the_json_path() {
    // A resource without its id is malformed: nothing could name it.
    let mut v = valid();
    v["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0]
        .as_object_mut()
        .unwrap()
        .remove("VpcEndpointId");
    expect(
        &v.to_string(),
        &[
            "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[0]",
            "missing field `VpcEndpointId`",
        ],
    );
    let mut v = valid();
    v.as_object_mut().unwrap().remove("collected_at");
    expect(&v.to_string(), &["missing field `collected_at`"]);
    let mut v = valid();
    v["accounts"][0]["regions"][0]
        .as_object_mut()
        .unwrap()
        .remove("region");
    expect(
        &v.to_string(),
        &["accounts[0].regions[0]", "missing field `region`"],
    );
}

/// A resource described without a field AWS always sends (other than its
/// id) is no reason to refuse the snapshot: it is left out, not assessed
/// (IB900 naming it, where it is and what it lacks), and the rest is audited.
#[test]
fn a_resource_without_a_required_field_is_not_assessed_by_its_id() {
    let mut v = valid();
    let endpoint = &mut v["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0];
    let id = endpoint["VpcEndpointId"].as_str().unwrap().to_string();
    endpoint.as_object_mut().unwrap().remove("VpcEndpointType");
    let (_dir, path) = write_temp("input.json", &v.to_string());
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let gaps: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB900")
        .collect();
    assert_eq!(gaps.len(), 1, "{report:#}");
    assert_eq!(gaps[0]["resource_id"], id.as_str());
    let message = gaps[0]["message"].as_str().unwrap();
    assert!(
        message.contains("at DescribeVpcEndpoints.VpcEndpoints[0] has no VpcEndpointType field"),
        "{message}"
    );
}

#[test]
fn invalid_values_name_the_json_path() {
    let mut v = valid();
    v["accounts"][0]["account_id"] = "1234".into();
    expect(&v.to_string(), &["accounts[0].account_id", "not 12 digits"]);
    let mut v = valid();
    v["collected_at"] = "yesterday".into();
    expect(&v.to_string(), &["collected_at", "RFC 3339"]);
    let mut v = valid();
    v["accounts"][0]["regions"][0]["region"] = "US East".into();
    expect(
        &v.to_string(),
        &["accounts[0].regions[0].region", "not an AWS region name"],
    );
    let mut v = valid();
    let region = v["accounts"][0]["regions"][0].clone();
    v["accounts"][0]["regions"] = serde_json::json!([region.clone(), region]);
    expect(
        &v.to_string(),
        &["accounts[0].regions", "us-east-1 appears more than once"],
    );
}

#[test]
fn unknown_keys_and_fields_are_tolerated() {
    let mut v = valid();
    v["future_envelope_key"] = serde_json::json!({"x": 1});
    v["accounts"][0]["regions"][0]["DescribeSomethingNew"] = serde_json::json!({"Things": []});
    v["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0]["IpAddressType"] =
        "ipv4".into();
    let (_dir, path) = write_temp("input.json", &v.to_string());
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn directory_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = ibaudit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(dir.path().to_str().unwrap()) && stderr(&o).contains("cannot read"),
        "{}",
        stderr(&o)
    );
    let missing = dir.path().join("nope.json");
    let o = ibaudit(&["audit", missing.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("nope.json: cannot read"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn an_unreadable_path_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = ibaudit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("cannot read: Is a directory"), "{err}");
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
}

#[test]
fn an_unreadable_config_says_why_once() {
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--config",
        "/nonexistent/ibaudit.toml",
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("cannot read: No such file"), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}
