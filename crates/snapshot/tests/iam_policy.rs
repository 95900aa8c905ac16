//! The shipped IAM policy grants exactly what the collector calls: the IAM
//! actions of [`ApiCall::ALL`] that need a permission, each read-only. The
//! collector refuses any SDK operation outside that list, so the list is
//! what it calls.

use std::collections::BTreeSet;

use ibaudit_snapshot::ApiCall;
use serde_json::Value;

fn policy() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../iam/ibaudit-readonly-policy.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_shipped_policy_grants_exactly_the_calls_the_collector_makes() {
    let policy = policy();
    assert_eq!(policy["Version"], "2012-10-17");
    let mut granted = Vec::new();
    for statement in policy["Statement"].as_array().expect("a Statement list") {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        assert_eq!(statement["Resource"], "*", "{statement}");
        let keys: BTreeSet<&str> = statement
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["Sid", "Effect", "Action", "Resource"]),
            "no NotAction, Condition or other element: {statement}"
        );
        for action in statement["Action"].as_array().expect("an Action list") {
            granted.push(action.as_str().expect("an action name").to_string());
        }
    }
    let unique: BTreeSet<&str> = granted.iter().map(String::as_str).collect();
    assert_eq!(
        unique.len(),
        granted.len(),
        "an action is listed twice: {granted:?}"
    );
    let needed: BTreeSet<&str> = ApiCall::ALL
        .iter()
        .filter(|c| c.needs_permission())
        .map(|c| c.iam_action())
        .collect();
    assert_eq!(
        unique, needed,
        "iam/ibaudit-readonly-policy.json and the operation list differ"
    );
}

#[test]
fn every_call_is_read_only_and_unambiguous() {
    for call in ApiCall::ALL {
        let action = call.iam_action();
        let (prefix, name) = action.split_once(':').expect("service:Name");
        assert_eq!(prefix, call.service().iam_prefix());
        assert!(
            ["Describe", "Get", "List"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{action} is not read-only"
        );
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{action}: no wildcard or odd character"
        );
    }
}
