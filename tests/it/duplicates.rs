//! A key written twice: JSON readers disagree on which copy wins (RFC 8259
//! section 4), so a snapshot with one is refused (exit 2, with its JSON path)
//! and an endpoint policy with one is invalid (IB031), never read either way.

use crate::common::*;

const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events";

/// The small valid snapshot as compact JSON text, with `from` replaced by `to`.
fn spliced(from: &str, to: &str) -> String {
    let text = serde_json::to_string(&small_snapshot(&["111122223333"])).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    text.replacen(from, to, 1)
}

fn refused(text: &str, needles: &[&str]) {
    let (_dir, path) = write_temp("input.json", text);
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(o.stdout.is_empty(), "no report on bad input");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
}

#[test]
fn an_empty_second_errors_list_cannot_hide_a_failed_call() {
    let text = spliced(
        r#""region":"us-east-1""#,
        r#""region":"us-east-1","errors":[{"operation":"DescribeVpcs","code":"AccessDenied"}],"errors":[]"#,
    );
    refused(
        &text,
        &[
            "input.json: at accounts[0].regions[0].errors (line 1, column ",
            r#"duplicate key "errors""#,
            "JSON readers disagree on which copy wins",
        ],
    );
}

#[test]
fn a_trail_reported_twice_is_refused() {
    let text = spliced(
        r#""GetTrailStatus":{"#,
        &format!(r#""GetTrailStatus":{{"{ARN}":{{"IsLogging":false}},"#),
    );
    refused(
        &text,
        &[&format!(
            "at accounts[0].regions[0].GetTrailStatus.{ARN} (line 1"
        )],
    );
}

#[test]
fn a_policy_with_two_effects_is_invalid_not_allow() {
    let policy = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Effect":"Allow"}]}"#;
    // The first endpoint's policy (the Image Builder endpoint's) becomes
    // `policy`; its old text moves under a key the reader ignores.
    let text = spliced(
        r#""PolicyDocument":"#,
        &format!(
            r#""PolicyDocument":{},"ReplacedPolicyDocument":"#,
            serde_json::to_string(policy).unwrap()
        ),
    );
    let (_dir, path) = write_temp("input.json", &text);
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    let ib031: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB031")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(ib031.len(), 1, "{report:#}");
    assert!(
        ib031[0].ends_with(
            "is not a valid endpoint policy: it is ambiguous: Statement[0] has the key \"Effect\" \
             twice (line 1, column 83); JSON readers disagree on which copy wins"
        ),
        "{}",
        ib031[0]
    );
}
