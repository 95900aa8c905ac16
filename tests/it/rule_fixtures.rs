//! Every rule against its pass and fail fixtures.
//!
//! `fixtures/rules/base.json` is a clean account; each fixture
//! `fixtures/rules/<rule id>/{pass,fail}-*.json` is a patch over it (see
//! `fixtures/rules/README.md`) with an `expect` key listing exactly the
//! findings of its directory's rule (`rule`, `resource`, `severity`), written
//! by hand; pass fixtures expect none. Each fixture's complete findings, with
//! their messages, are also an `insta` snapshot, so that a changed message is
//! a visible diff. The fixture directories are discovered: a new rule needs
//! its directory, nothing here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ibaudit_rules::{audit, registry, Report};
use serde_json::Value;

use crate::common::{base_account, fixture, options, patch, read_json, rule_fixture};

/// The snapshot a fixture describes: its patch applied to the base.
fn snapshot_of(path: &Path) -> ibaudit_snapshot::Snapshot {
    let doc = rule_fixture(path);
    let bytes = serde_json::to_vec(&doc).unwrap();
    ibaudit_snapshot::from_slice(&bytes, path).unwrap_or_else(|e| panic!("{e}"))
}

fn audit_fixture(path: &Path) -> Report {
    audit(&snapshot_of(path), &options())
}

/// (rule, resource, severity), sorted: a multiset, so two findings on one
/// resource count twice.
type Expected = Vec<(String, String, String)>;

fn expected(path: &Path) -> Expected {
    let doc = read_json(path);
    let list = doc
        .get("expect")
        .unwrap_or_else(|| panic!("{}: no `expect` key", path.display()));
    let mut out: Expected = list
        .as_array()
        .unwrap_or_else(|| panic!("{}: `expect` is not a list", path.display()))
        .iter()
        .map(|e| {
            let field = |k: &str| {
                e[k].as_str()
                    .unwrap_or_else(|| panic!("{}: expect entry without {k}", path.display()))
                    .to_string()
            };
            (field("rule"), field("resource"), field("severity"))
        })
        .collect();
    out.sort();
    out
}

/// The fixture directories, by rule id.
fn rule_dirs() -> Vec<(String, PathBuf)> {
    let root = fixture("rules");
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
        .collect();
    dirs.sort();
    dirs
}

fn fixtures_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(
            f.extension().is_some_and(|e| e == "json")
                && (name.starts_with("pass-") || name.starts_with("fail-")),
            "{}: a fixture is pass-*.json or fail-*.json",
            f.display()
        );
    }
    files
}

fn line(f: &ibaudit_rules::Finding) -> String {
    format!("{} {} {}: {}", f.rule, f.severity, f.resource_id, f.message)
}

/// What is wrong with one fixture's expectation, if anything: `expect`
/// lists exactly the findings of its directory's rule.
fn check_expected(id: &str, path: &Path) -> Option<String> {
    let name = format!("{id}/{}", path.file_name().unwrap().to_string_lossy());
    let want = expected(path);
    if let Some((rule, _, _)) = want.iter().find(|(rule, _, _)| rule != id) {
        return Some(format!("{name}: expect lists {rule}, not {id}"));
    }
    let pass = name.contains("/pass-");
    if pass != want.is_empty() {
        return Some(format!(
            "{name}: a pass fixture expects nothing, a fail fixture at least one finding"
        ));
    }
    let report = audit_fixture(path);
    let mut got: Expected = report
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| {
            (
                f.rule.to_string(),
                f.resource_id.clone(),
                f.severity.to_string(),
            )
        })
        .collect();
    got.sort();
    (got != want).then(|| {
        let all: Vec<String> = report.findings.iter().map(line).collect();
        format!(
            "{name}: findings differ\n  want: {want:?}\n  got:  {got:?}\n  all findings:\n    {}",
            all.join("\n    ")
        )
    })
}

/// Runs `check` on every fixture whose name starts with `kind`, and reports
/// every failure at once.
fn check_all(kind: &str, check: impl Fn(&str, &Path) -> Option<String>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (id, dir) in rule_dirs() {
        for path in fixtures_in(&dir) {
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(kind)
            {
                count += 1;
                failures.extend(check(&id, &path));
            }
        }
    }
    assert!(count >= 40, "only {count} {kind}* fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_base_account_audits_clean() {
    let base =
        ibaudit_snapshot::load(&fixture("rules/base.json")).unwrap_or_else(|e| panic!("{e}"));
    let report = audit(&base, &options());
    let all: Vec<String> = report.findings.iter().map(line).collect();
    assert!(all.is_empty(), "the base has findings: {all:#?}");
}

#[test]
fn every_fail_fixture_gives_exactly_its_expected_findings() {
    check_all("fail-", check_expected);
}

#[test]
fn every_pass_fixture_gives_no_finding_of_its_rule() {
    check_all("pass-", check_expected);
}

/// A fixture is about its rule: any other rule has everything it needs
/// (no IB900), except in IB900's own fixtures.
#[test]
fn no_fixture_but_ib900_s_is_incomplete() {
    check_all("", |id, path| {
        let gaps: Vec<String> = audit_fixture(path)
            .findings
            .iter()
            .filter(|f| f.rule == "IB900")
            .map(line)
            .collect();
        (id != "IB900" && !gaps.is_empty()).then(|| {
            let name = path.file_name().unwrap().to_string_lossy();
            format!("{id}/{name}: the fixture is incomplete: {gaps:#?}")
        })
    });
}

#[test]
fn every_rule_has_pass_and_fail_fixtures_and_every_directory_a_rule() {
    let registered: BTreeSet<String> = registry().iter().map(|r| r.meta().id.to_string()).collect();
    let dirs = rule_dirs();
    let found: BTreeSet<String> = dirs.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        found, registered,
        "fixtures/rules/* and the registry differ"
    );
    for (id, dir) in dirs {
        let names: Vec<String> = fixtures_in(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        for kind in ["pass-", "fail-"] {
            assert!(
                names.iter().any(|n| n.starts_with(kind)),
                "{id}: no {kind}*.json fixture in {}",
                dir.display()
            );
        }
    }
}

/// A patch object whose id is not in the base is appended: a mistyped id
/// would silently add an object instead of changing one. An appended object
/// must carry every field its base siblings all have.
#[test]
fn no_fixture_appends_an_object_by_a_mistyped_id() {
    let base = base_account();
    let mut problems = Vec::new();
    for (id, dir) in rule_dirs() {
        for path in fixtures_in(&dir) {
            for p in patch::suspicious_appends(&base, &read_json(&path)) {
                let name = path.file_name().unwrap().to_string_lossy();
                problems.push(format!("{id}/{name}: {p}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A directive the applier did not act on (a `$delete` in a list that does
/// not merge by id, a `$replace` or `$json` beside other keys) would stay in
/// the snapshot as an unknown key, which the reader tolerates: silently
/// ignored. None may be left.
#[test]
fn every_patch_directive_takes_effect() {
    fn leftovers(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    if k.starts_with('$') {
                        out.push(format!("{path}/{k}"));
                    }
                    leftovers(v, &format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    leftovers(v, &format!("{path}[{i}]"), out);
                }
            }
            _ => (),
        }
    }
    let mut problems = Vec::new();
    for (id, dir) in rule_dirs() {
        for path in fixtures_in(&dir) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let mut left = Vec::new();
            leftovers(&rule_fixture(&path), "", &mut left);
            problems.extend(left.into_iter().map(|l| format!("{id}/{name}: {l}")));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A fixture says, in a sentence, what case it is.
#[test]
fn every_fixture_describes_its_case() {
    for (id, dir) in rule_dirs() {
        for path in fixtures_in(&dir) {
            let doc = read_json(&path);
            let text = doc["description"].as_str().unwrap_or_default();
            assert!(
                text.len() > 20 && text.ends_with('.'),
                "{id}/{}: `description` is a sentence saying what the case is",
                path.file_name().unwrap().to_string_lossy()
            );
        }
    }
}

/// What a fixture describes is a snapshot that reading and writing keeps as
/// it is (AWS shapes, verbatim policy documents, unknown keys).
#[test]
fn every_fixture_survives_a_round_trip() {
    for (_, dir) in rule_dirs() {
        for path in fixtures_in(&dir) {
            let first = snapshot_of(&path);
            let text = serde_json::to_string_pretty(&first).unwrap();
            let second = ibaudit_snapshot::from_slice(text.as_bytes(), &path)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(first, second, "{}", path.display());
            assert_eq!(
                serde_json::to_string(&first).unwrap(),
                serde_json::to_string(&second).unwrap(),
                "{}: the written form is stable",
                path.display()
            );
        }
    }
}

/// Every finding of every fixture, message included, sorted, as reviewed
/// snapshots (`cargo insta review`).
#[test]
fn findings_with_messages() {
    insta::glob!("../../fixtures/rules", "IB*/*.json", |path| {
        let report = audit_fixture(path);
        let mut findings: Vec<(&str, String, &str, &str)> = report
            .findings
            .iter()
            .map(|f| {
                let severity = f.severity.to_string();
                (f.rule, severity, f.resource_id.as_str(), f.message.as_str())
            })
            .collect();
        findings.sort();
        let findings: Vec<Value> = findings
            .into_iter()
            .map(|(rule, severity, resource, message)| {
                serde_json::json!({
                    "rule": rule,
                    "severity": severity,
                    "resource": resource,
                    "message": message,
                })
            })
            .collect();
        insta::assert_json_snapshot!(findings);
    });
}
