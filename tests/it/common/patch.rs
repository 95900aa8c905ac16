//! Fixture patches: a JSON merge patch (RFC 7386) over a base snapshot,
//! extended so that lists of AWS objects merge by their id. The format is
//! described in `fixtures/rules/README.md`; `benches/` has no copy of it.
//!
//! - An object merges into an object key by key; `null` deletes a key.
//! - `{"$replace": X}` is X, taken as it is.
//! - A list of objects merges into a list of objects by id when the first
//!   object of the patch list has one of [`ID_KEYS`] (the first found, in that
//!   order) and every object of both lists has it as a string, the base's
//!   ids being unique: an object whose id is in the base merges into that
//!   object, `{"<id key>": "<id>", "$delete": true}` removes it, any other
//!   object is appended. Otherwise a list replaces (so `[]` empties one).
//! - Anything else replaces.
//!
//! Then [`resolve`] turns every `{"$json": V}` into the text of V (keys
//! sorted, two-space indent), so a policy document, which a snapshot holds
//! as the string AWS returned, reads as JSON in a fixture.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The fields that identify an AWS object in a list, most specific first:
/// a subnet also names its VPC, but is identified by its `SubnetId`.
pub const ID_KEYS: [&str; 11] = [
    "account_id",
    "region",
    "VpcEndpointId",
    "SubnetId",
    "GroupId",
    "RouteTableId",
    "RouteTableAssociationId",
    "TrailARN",
    "arn",
    "PrefixListId",
    "VpcId",
];

/// `patch` applied to `base` (`None`: the key is absent).
pub fn apply(base: Option<&Value>, patch: &Value) -> Value {
    match patch {
        Value::Object(p) => {
            if let (1, Some(v)) = (p.len(), p.get("$replace")) {
                return v.clone();
            }
            let mut out = match base {
                Some(Value::Object(b)) => b.clone(),
                _ => Map::new(),
            };
            for (k, v) in p {
                if v.is_null() {
                    out.remove(k);
                } else {
                    let merged = apply(out.get(k), v);
                    out.insert(k.clone(), merged);
                }
            }
            Value::Object(out)
        }
        Value::Array(p) => match base {
            Some(Value::Array(b)) => match merge_key(b, p) {
                Some(key) => Value::Array(merge_by_id(b, p, key)),
                None => patch.clone(),
            },
            _ => patch.clone(),
        },
        _ => patch.clone(),
    }
}

/// Every `{"$json": V}` in `doc` becomes the string of V, pretty-printed
/// with its keys sorted.
pub fn resolve(doc: &mut Value) {
    match doc {
        Value::Object(o) => {
            if let (1, Some(v)) = (o.len(), o.get("$json")) {
                let text = serde_json::to_string_pretty(&sorted(v)).unwrap();
                *doc = Value::String(text);
            } else {
                o.values_mut().for_each(resolve);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(resolve),
        _ => (),
    }
}

/// `v` with the keys of every object in sorted order, whatever order the
/// map type keeps.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&o[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        _ => v.clone(),
    }
}

/// The objects `patch` appends to a list of `base` that lack a field every
/// object of that list has: most likely an id mistyped, which would
/// otherwise add an object instead of changing one. Each as
/// `path: id (missing fields)`.
pub fn suspicious_appends(base: &Value, patch: &Value) -> Vec<String> {
    let mut out = Vec::new();
    appends_in(base, patch, "", &mut out);
    out
}

fn appends_in(base: &Value, patch: &Value, path: &str, out: &mut Vec<String>) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) if !p.contains_key("$replace") => {
            for (k, v) in p {
                if let Some(bv) = b.get(k) {
                    appends_in(bv, v, &format!("{path}/{k}"), out);
                }
            }
        }
        (Value::Array(b), Value::Array(p)) => {
            let Some(key) = merge_key(b, p) else { return };
            for e in p {
                let want = id(e, key);
                if let Some(old) = b.iter().find(|x| id(x, key) == want) {
                    appends_in(old, e, &format!("{path}[{}]", want.unwrap_or("")), out);
                    continue;
                }
                let missing: Vec<&String> = b
                    .first()
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|first| first.keys())
                    .filter(|k| b.iter().all(|x| x.get(k.as_str()).is_some()))
                    .filter(|k| e.get(k.as_str()).is_none())
                    .collect();
                if !missing.is_empty() {
                    out.push(format!("{path}: {} ({missing:?})", want.unwrap_or("")));
                }
            }
        }
        _ => (),
    }
}

fn id_key(v: &Value) -> Option<&'static str> {
    let o = v.as_object()?;
    ID_KEYS
        .into_iter()
        .find(|k| o.get(*k).is_some_and(Value::is_string))
}

fn id<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The id the patch list merges by, or `None` when it replaces.
fn merge_key(base: &[Value], patch: &[Value]) -> Option<&'static str> {
    let key = id_key(patch.first()?)?;
    if !patch.iter().chain(base).all(|e| id(e, key).is_some()) {
        return None;
    }
    let unique: BTreeSet<&str> = base.iter().filter_map(|e| id(e, key)).collect();
    (unique.len() == base.len()).then_some(key)
}

fn merge_by_id(base: &[Value], patch: &[Value], key: &str) -> Vec<Value> {
    let mut out = base.to_vec();
    for p in patch {
        let want = id(p, key);
        let at = out.iter().position(|e| id(e, key) == want);
        if p.get("$delete") == Some(&Value::Bool(true)) {
            let at = at.unwrap_or_else(|| panic!("$delete of {key} {want:?}: not in the base"));
            out.remove(at);
        } else if let Some(at) = at {
            out[at] = apply(Some(&out[at]), p);
        } else {
            out.push(apply(None, p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::apply;

    fn check(base: serde_json::Value, patch: serde_json::Value, want: serde_json::Value) {
        assert_eq!(apply(Some(&base), &patch), want, "{patch}");
    }

    #[test]
    fn objects_merge_and_null_deletes() {
        check(
            json!({"a": 1, "b": {"c": 2, "d": 3}}),
            json!({"a": null, "b": {"c": 5}, "e": [1]}),
            json!({"b": {"c": 5, "d": 3}, "e": [1]}),
        );
    }

    #[test]
    fn lists_of_aws_objects_merge_by_id() {
        let base = json!({"VpcEndpoints": [
            {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "State": "available"},
            {"VpcEndpointId": "vpce-2", "VpcId": "vpc-1", "State": "available"},
            {"VpcEndpointId": "vpce-3", "VpcId": "vpc-1", "State": "available"}
        ]});
        check(
            base,
            json!({"VpcEndpoints": [
                {"VpcEndpointId": "vpce-3", "State": "deleted"},
                {"VpcEndpointId": "vpce-1", "$delete": true},
                {"VpcEndpointId": "vpce-9", "VpcId": "vpc-2"}
            ]}),
            json!({"VpcEndpoints": [
                {"VpcEndpointId": "vpce-2", "VpcId": "vpc-1", "State": "available"},
                {"VpcEndpointId": "vpce-3", "VpcId": "vpc-1", "State": "deleted"},
                {"VpcEndpointId": "vpce-9", "VpcId": "vpc-2"}
            ]}),
        );
    }

    #[test]
    fn other_lists_and_replace_are_taken_as_they_are() {
        let base = json!({"l": [{"VpcId": "vpc-1", "A": 1}, {"VpcId": "vpc-1", "B": 1}],
                          "e": [{"GroupId": "sg-1"}], "s": ["x", "y"]});
        check(
            base.clone(),
            // Duplicate ids in the base: no merge. Scalars: no merge.
            json!({"l": [{"VpcId": "vpc-1", "A": 2}], "s": ["z"]}),
            json!({"l": [{"VpcId": "vpc-1", "A": 2}], "e": [{"GroupId": "sg-1"}], "s": ["z"]}),
        );
        check(
            base.clone(),
            json!({"e": [], "l": {"$replace": null}}),
            json!({"l": null, "e": [], "s": ["x", "y"]}),
        );
        check(
            base,
            json!({"e": {"$replace": [{"GroupId": "sg-2"}]}}),
            json!({"l": [{"VpcId": "vpc-1", "A": 1}, {"VpcId": "vpc-1", "B": 1}],
                   "e": [{"GroupId": "sg-2"}], "s": ["x", "y"]}),
        );
    }

    #[test]
    fn json_values_become_their_text() {
        let mut doc = json!({"PolicyDocument": {"$json": {"Version": "2012-10-17", "Statement": []}},
                             "l": [{"$json": "x"}], "o": {"$json": 1, "b": 2}});
        super::resolve(&mut doc);
        assert_eq!(
            doc,
            json!({"PolicyDocument": "{\n  \"Statement\": [],\n  \"Version\": \"2012-10-17\"\n}",
                   "l": ["\"x\""], "o": {"$json": 1, "b": 2}})
        );
    }

    #[test]
    fn an_appended_object_missing_common_fields_is_suspicious() {
        let base = json!({"Subnets": [
            {"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "us-east-1a"},
            {"SubnetId": "subnet-2", "VpcId": "vpc-1", "AvailabilityZone": "us-east-1b"}
        ]});
        let typo = json!({"Subnets": [{"SubnetId": "subnet-3", "AvailabilityZone": "us-east-1c"}]});
        assert_eq!(
            super::suspicious_appends(&base, &typo),
            [r#"/Subnets: subnet-3 (["VpcId"])"#]
        );
        let whole = json!({"Subnets": [
            {"SubnetId": "subnet-2", "AvailabilityZone": "us-east-1c"},
            {"SubnetId": "subnet-3", "VpcId": "vpc-1", "AvailabilityZone": "us-east-1c"}
        ]});
        assert!(super::suspicious_appends(&base, &whole).is_empty());
    }

    #[test]
    #[should_panic(expected = "not in the base")]
    fn deleting_an_unknown_id_is_an_error() {
        apply(
            Some(&json!([{"SubnetId": "subnet-1"}])),
            &json!([{"SubnetId": "subnet-2", "$delete": true}]),
        );
    }
}
