//! ibaudit's action matching against another implementation: policyuniverse's
//! wildcard expansion, recorded by `scripts/crosscheck_policyuniverse.py`.
//! Every (pattern, action) pair must agree, or be a recorded disagreement
//! with its reason.

use std::collections::BTreeSet;
use std::path::Path;

use ibaudit_policy::glob::matches;
use serde_json::Value;

#[test]
fn action_matching_agrees_with_policyuniverse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/policy-crosscheck/policyuniverse-actions.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let known: BTreeSet<(String, String)> = doc["known_disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert!(
                d["reason"].as_str().is_some_and(|r| r.len() > 20),
                "a disagreement needs its reason: {d}"
            );
            (
                d["pattern"].as_str().unwrap().to_string(),
                d["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut found = BTreeSet::new();
    let mut pairs = 0;
    for case in doc["cases"].as_array().unwrap() {
        let pattern = case["pattern"].as_str().unwrap();
        let matched: BTreeSet<&str> = case["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        for action in case["service_actions"].as_array().unwrap() {
            let action = action.as_str().unwrap();
            pairs += 1;
            if matches(pattern, action, true) != matched.contains(action) {
                found.insert((pattern.to_string(), action.to_string()));
            }
        }
    }
    assert!(pairs > 1000, "{pairs} pairs compared");
    let unexplained: Vec<_> = found.difference(&known).collect();
    let stale: Vec<_> = known.difference(&found).collect();
    assert!(
        unexplained.is_empty(),
        "disagreements with policyuniverse not recorded: {unexplained:?}"
    );
    assert!(
        stale.is_empty(),
        "recorded disagreements that no longer occur: {stale:?}"
    );
}
