//! The evaluation corpus: policy, request and expected decision, each case
//! citing the AWS documentation it encodes (`fixtures/policy-corpus/`).

use std::path::{Path, PathBuf};

use ibaudit_policy::{evaluate, parse, Caller, Context, Decision, EndpointKind, KeyState, Request};
use serde_json::Value;

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/policy-corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn caller(v: &Value) -> Caller {
    match v {
        Value::String(s) if s == "anonymous" => Caller::Anonymous,
        Value::Object(m) => {
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            if let Some(service) = s("service") {
                Caller::Service(service)
            } else if let Some(arn) = s("arn") {
                let account =
                    s("account").unwrap_or_else(|| arn.split(':').nth(4).unwrap_or("").to_string());
                Caller::Principal { account, arn }
            } else {
                Caller::Account(s("account").expect("principal needs service, arn or account"))
            }
        }
        other => panic!("bad principal {other}"),
    }
}

pub fn request(v: &Value) -> Request {
    let mut context = Context::closed();
    if let Some(Value::Object(keys)) = v.get("context") {
        for (k, val) in keys {
            let values = match val {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
                other => vec![other.to_string()],
            };
            context.set(k, KeyState::Values(values));
        }
    }
    for k in v
        .get("unknown")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        context.set(k.as_str().unwrap(), KeyState::Unknown);
    }
    Request {
        caller: caller(&v["principal"]),
        action: v["action"].as_str().expect("action").to_string(),
        resource: v["resource"].as_str().expect("resource").to_string(),
        context,
        endpoint: match v.get("endpoint").and_then(Value::as_str) {
            None | Some("interface") => EndpointKind::Interface,
            Some("gateway") => EndpointKind::Gateway,
            Some(other) => panic!("bad endpoint kind {other}"),
        },
    }
}

fn describe(d: &Decision) -> String {
    match d {
        Decision::Allowed { statement } => format!("allowed (statement {statement})"),
        Decision::Denied { statement: Some(s) } => format!("explicit-deny (statement {s})"),
        Decision::Denied { statement: None } => "implicit-deny".into(),
        Decision::Undetermined { keys } => format!("undetermined ({})", keys.join(", ")),
    }
}

#[test]
fn corpus() {
    let mut total = 0;
    let mut failures = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for file in corpus_files() {
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in cases {
            total += 1;
            let name = case["name"].as_str().expect("name").to_string();
            assert!(names.insert(name.clone()), "duplicate case name {name}");
            assert!(
                case["cite"].as_str().is_some_and(|c| c.len() > 20),
                "{name}: cite the documentation"
            );
            let text = match (&case["policy_text"], &case["policy"]) {
                (Value::String(t), _) => t.clone(),
                (_, p) => p.to_string(),
            };
            let where_ = format!("{}: {name}", file.file_name().unwrap().to_string_lossy());
            let policy = match parse(&text) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{where_}: policy does not parse: {e}"));
                    continue;
                }
            };
            let got = evaluate(&policy, &request(&case["request"]));
            let expect = case["expect"].as_str().expect("expect");
            let mut ok = matches!(
                (expect, &got),
                ("allowed", Decision::Allowed { .. })
                    | ("explicit-deny", Decision::Denied { statement: Some(_) })
                    | ("implicit-deny", Decision::Denied { statement: None })
                    | ("undetermined", Decision::Undetermined { .. })
            );
            if let (
                Some(want),
                Decision::Allowed { statement }
                | Decision::Denied {
                    statement: Some(statement),
                },
            ) = (case["statement"].as_u64(), &got)
            {
                ok &= want as usize == *statement;
            }
            if let (Some(want), Decision::Undetermined { keys }) =
                (case["unknown_keys"].as_array(), &got)
            {
                let want: Vec<String> = want
                    .iter()
                    .map(|k| k.as_str().unwrap().to_ascii_lowercase())
                    .collect();
                ok &= want.iter().all(|k| keys.contains(k));
            }
            if !ok {
                failures.push(format!(
                    "{where_}: expected {expect}, got {}",
                    describe(&got)
                ));
            }
        }
    }
    assert!(
        total >= 150,
        "the corpus has {total} cases; at least 150 are required"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
