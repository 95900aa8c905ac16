//! SARIF output: valid against the SARIF 2.1.0 schema and acceptable to
//! GitHub code scanning (the requirements the schema does not express).

use crate::common::*;
use ibaudit_report::sarif::{render_with_limits, Limits};
use serde_json::Value;

pub(crate) fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("schema/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

/// Schema validation plus GitHub's own checks; returns the document.
fn assert_github_sarif(text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"]
        .as_str()
        .is_some_and(|s| s.starts_with("https://")));
    let runs = doc["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() <= 20);
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "ibaudit");
        assert!(driver["semanticVersion"].is_string() && driver["informationUri"].is_string());
        let rules = driver["rules"].as_array().unwrap();
        assert!(!rules.is_empty());
        for rule in rules {
            for key in ["id", "name"] {
                assert!(
                    rule[key].as_str().is_some_and(|s| !s.is_empty()),
                    "rule {key}: {rule}"
                );
            }
            assert!(!rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty());
            assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
            let props = &rule["properties"];
            // One descriptor per (rule, outcome): `IBNNN` for the primary
            // outcome, `IBNNN/<outcome>` for the others.
            let id = rule["id"].as_str().unwrap();
            let rule_of = props["ibaudit/rule"].as_str().unwrap();
            let outcome = props["ibaudit/outcome"].as_str().unwrap();
            let meta = ibaudit_rules::rule_by_id(rule_of)
                .unwrap_or_else(|| panic!("{id}: no rule {rule_of}"))
                .meta();
            let declared = meta
                .outcome(outcome)
                .unwrap_or_else(|| panic!("{id}: {rule_of} has no outcome {outcome}"));
            if meta.outcomes[0].id == outcome {
                assert_eq!(id, rule_of);
            } else {
                assert_eq!(id, format!("{rule_of}/{outcome}"));
            }
            assert_eq!(props["ibaudit/severity"], declared.severity.as_str());
            if rule_of == "IB900" || declared.severity == ibaudit_rules::Severity::Info {
                // Not assessed, and info, are not vulnerabilities: no
                // security tag or score, shown at `note`.
                assert!(props.get("security-severity").is_none(), "{id}");
                assert!(!props["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == "security"));
                assert_eq!(rule["defaultConfiguration"]["level"], "note", "{id}");
                continue;
            }
            assert!(props["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "security"));
            assert!(props["precision"].is_string());
            let sev = props["security-severity"]
                .as_str()
                .expect("security-severity is a string");
            let n: f64 = sev.parse().expect("security-severity is numeric");
            assert!((0.0..=10.0).contains(&n));
        }
        let id = run["automationDetails"]["id"].as_str().unwrap();
        assert!(id.starts_with("ibaudit/") && id.ends_with('/'), "{id}");
        let results = run["results"]
            .as_array()
            .expect("results is always present");
        assert!(results.len() <= 25_000);
        for r in results {
            let rule_id = r["ruleId"].as_str().unwrap();
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(
                rules[index]["id"], rule_id,
                "ruleIndex names the descriptor"
            );
            assert_eq!(r["rule"]["id"], rule_id);
            assert_eq!(r["rule"]["index"], index);
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
            let locations = r["locations"].as_array().unwrap();
            assert_eq!(locations.len(), 1, "exactly one location");
            let uri = locations[0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let scheme = uri.split_once(':').is_some_and(|(s, _)| !s.contains('/'));
            assert!(
                !scheme && !uri.starts_with('/') && !uri.contains("://"),
                "URI must be relative without a scheme: {uri}"
            );
            let scope = id.split('/').nth(1).unwrap();
            assert!(
                scope.starts_with("accounts-") || uri.starts_with(&format!("aws/{scope}/")),
                "{uri} is under the run's account"
            );
            assert_eq!(locations[0]["physicalLocation"]["region"]["startLine"], 1);
            let logical = &locations[0]["logicalLocations"][0];
            assert!(logical["fullyQualifiedName"].is_string());
            let text = r["message"]["text"].as_str().unwrap();
            assert!(
                text.contains(logical["name"].as_str().unwrap()),
                "message names the resource: {text}"
            );
            if let Some(arn) = logical["fullyQualifiedName"]
                .as_str()
                .filter(|a| a.starts_with("arn:"))
            {
                assert!(text.contains(arn), "message names the ARN: {text}");
            }
            let hash = r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap();
            assert!(hash.len() > 4 && !hash.contains(' '));
        }
    }
    doc
}

#[test]
fn demo_sarif_is_valid_and_github_ready() {
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ]);
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    let doc = assert_github_sarif(&stdout(&o));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 5, "the demo shows several findings");
    let levels: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert!(
        levels.contains("error") && levels.contains("warning") && levels.contains("note"),
        "{levels:?}"
    );
}

#[test]
fn empty_report_still_has_results() {
    // The rule fixtures' base: a clean account.
    let path = fixture("rules/base.json");
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = assert_github_sarif(&stdout(&o));
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn one_run_per_account() {
    let snap = small_snapshot(&["111122223333", "444455556666"]);
    let (_dir, path) = write_temp("s.json", &snap.to_string());
    let o = ibaudit(&[
        "audit",
        path.to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ]);
    let doc = assert_github_sarif(&stdout(&o));
    let ids: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "ibaudit/111122223333/us-east-1/",
            "ibaudit/444455556666/us-east-1/"
        ]
    );
    for run in doc["runs"].as_array().unwrap() {
        assert!(!run["results"].as_array().unwrap().is_empty());
    }
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let demo = demo();
    let args = [
        "audit",
        demo.to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ];
    let a = stdout(&ibaudit(&args));
    let b = stdout(&ibaudit(&args));
    assert_eq!(a, b, "SARIF is byte-identical across runs");
    let doc: Value = serde_json::from_str(&a).unwrap();
    let hashes: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    let unique: std::collections::BTreeSet<&&str> = hashes.iter().collect();
    assert_eq!(
        unique.len(),
        hashes.len(),
        "every result has its own fingerprint"
    );
}

#[test]
fn limits_keep_the_most_severe_results() {
    let report = audit_file(&demo());
    let high = report
        .findings
        .iter()
        .filter(|f| f.severity >= ibaudit_rules::Severity::High)
        .count();
    assert!(high >= 1 && high < report.findings.len());
    let limits = Limits {
        results_per_run: high,
        ..Limits::default()
    };
    // Over the results limit a run is split into parts, never truncated:
    // a result left out would be closed as fixed by GitHub.
    let rendered = render_with_limits(&report, limits);
    assert!(
        rendered.notes.iter().any(|n| n.contains("split")),
        "{:?}",
        rendered.notes
    );
    let doc = assert_github_sarif(&rendered.text);
    let runs = doc["runs"].as_array().unwrap();
    assert!(runs.len() > 1);
    let total: usize = runs
        .iter()
        .map(|r| r["results"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, report.findings.len());

    // Over the size limit: whole runs are left out, least severe first, until it fits.
    let full = ibaudit_report::sarif::render(&report);
    let limits = Limits {
        gzipped_bytes: full.text.len() / 40,
        ..Limits::default()
    };
    let rendered = render_with_limits(&report, limits);
    assert!(
        rendered.notes.iter().any(|n| n.contains("gzipped")),
        "{:?}",
        rendered.notes
    );
    assert_github_sarif(&rendered.text);

    // More accounts than runs allowed: accounts are grouped, none left out.
    let snap = small_snapshot(&["111122223333", "444455556666", "777788889999"]);
    let snapshot =
        ibaudit_snapshot::from_slice(snap.to_string().as_bytes(), std::path::Path::new("s.json"))
            .unwrap();
    let report = ibaudit_rules::audit(&snapshot, &options());
    let rendered = render_with_limits(
        &report,
        Limits {
            runs_per_file: 2,
            ..Limits::default()
        },
    );
    let doc = assert_github_sarif(&rendered.text);
    assert!(doc["runs"].as_array().unwrap().len() <= 2);
    let total: usize = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["results"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, report.findings.len());
}

#[test]
fn suppressed_findings_carry_a_suppression() {
    let snap = small_snapshot(&["111122223333"]);
    let (dir, path) = write_temp("s.json", &snap.to_string());
    let cfg = dir.path().join("ibaudit.toml");
    std::fs::write(&cfg, "[[suppress]]\nrule = \"IB002\"\nresource = \"vpce-0a1b*\"\nreason = \"private DNS handled by a resolver rule\"\n").unwrap();
    let o = ibaudit(&[
        "audit",
        path.to_str().unwrap(),
        "--format",
        "sarif",
        "--config",
        cfg.to_str().unwrap(),
        "--fail-on",
        "none",
        "--sarif-include-suppressed",
    ]);
    let doc = assert_github_sarif(&stdout(&o));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ib002 = results
        .iter()
        .find(|r| r["ruleId"] == "IB002")
        .expect("IB002 is still listed");
    assert_eq!(ib002["suppressions"][0]["kind"], "external");
    assert_eq!(
        ib002["suppressions"][0]["justification"],
        "private DNS handled by a resolver rule"
    );
    assert!(results
        .iter()
        .filter(|r| r["ruleId"] != "IB002")
        .all(|r| r.get("suppressions").is_none()));
}

/// The severity GitHub displays for a result, computed the way GitHub does:
/// from the `security-severity` of the result's rule (the descriptor its
/// `rule.index` names), "over 9.0 is critical, 7.0 to 8.9 is high, 4.0 to 6.9
/// is medium and 3.9 or less is low" (GitHub docs, "SARIF support for code
/// scanning", `reportingDescriptor` object); 0.0 is "None" (GitHub changelog,
/// "CodeQL code scanning: new severity levels for security alerts"). Without
/// a score the alert is a non-security one, shown by its level: error,
/// warning or note.
fn github_displayed(rules: &[Value], result: &Value) -> String {
    let index = result["rule"]["index"].as_u64().expect("rule.index") as usize;
    let rule = &rules[index];
    assert_eq!(rule["id"], result["ruleId"]);
    match rule["properties"].get("security-severity") {
        Some(score) => {
            let n: f64 = score.as_str().expect("a string").parse().expect("a number");
            match n {
                n if n >= 9.0 => "critical",
                n if n >= 7.0 => "high",
                n if n >= 4.0 => "medium",
                n if n > 0.0 => "low",
                _ => "none",
            }
            .to_string()
        }
        None => format!("level:{}", result["level"].as_str().unwrap()),
    }
}

/// For one snapshot: every result's displayed severity against the
/// finding's severity in the JSON report (matched by fingerprint). `info`
/// has no GitHub band: it is shown as a `note` alert. IB900 (not assessed)
/// is shown as a `note` alert too, never as a vulnerability.
fn displayed_mismatches(name: &str, snapshot: &Value, checked: &mut usize) -> Vec<String> {
    let (_dir, path) = write_temp("s.json", &snapshot.to_string());
    let p = path.to_str().unwrap();
    let sarif = ibaudit(&["audit", p, "--format", "sarif", "--fail-on", "none"]);
    assert!([0, 3].contains(&code(&sarif)), "{name}: {}", stderr(&sarif));
    let json = ibaudit(&["audit", p, "--format", "json", "--fail-on", "none"]);
    let doc = assert_github_sarif(&stdout(&sarif));
    let report: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let severity: std::collections::BTreeMap<&str, (&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap(),
                (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()),
            )
        })
        .collect();
    let mut bad = Vec::new();
    let mut seen = 0;
    for run in doc["runs"].as_array().unwrap() {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            seen += 1;
            let fp = r["fingerprints"]["ibaudit/v1"].as_str().unwrap();
            let (rule, sev) = severity
                .get(fp)
                .unwrap_or_else(|| panic!("{name}: {fp} is not in the JSON report"));
            let want = match (*rule, *sev) {
                ("IB900", _) | (_, "info") => "level:note".to_string(),
                (_, s) => s.to_string(),
            };
            let shown = github_displayed(rules, r);
            if shown != want {
                bad.push(format!(
                    "{name}: {} {fp}: GitHub shows {shown}, ibaudit says {sev}",
                    r["ruleId"]
                ));
            }
        }
    }
    assert_eq!(seen, severity.len(), "{name}: every finding is a result");
    *checked += seen;
    bad
}

#[test]
fn github_displays_ibaudit_s_severity_for_every_result() {
    let mut bad = Vec::new();
    let mut checked = 0;
    let mut outcomes = std::collections::BTreeSet::new();
    bad.extend(displayed_mismatches(
        "demo",
        &read_json(&demo()),
        &mut checked,
    ));
    let root = fixture("rules");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "the rule fixtures are found");
    for f in &files {
        let snap = rule_fixture(f);
        let name = f.strip_prefix(&root).unwrap().display().to_string();
        bad.extend(displayed_mismatches(&name, &snap, &mut checked));
        let report = ibaudit_rules::audit(
            &ibaudit_snapshot::from_slice(snap.to_string().as_bytes(), f).unwrap(),
            &options(),
        );
        outcomes.extend(report.findings.iter().map(|f| (f.rule, f.outcome)));
    }
    assert!(
        bad.is_empty(),
        "{} of {checked}:\n{}",
        bad.len(),
        bad.join("\n")
    );
    // The fixtures reach outcomes other than the primaries, so the check
    // covers results whose severity differs from their rule's.
    let secondary = outcomes
        .iter()
        .filter(|(rule, outcome)| {
            ibaudit_rules::rule_by_id(rule).unwrap().meta().outcomes[0].id != *outcome
        })
        .count();
    assert!(secondary >= 8, "{outcomes:?}");
}

#[test]
fn a_secondary_outcome_has_its_own_stable_descriptor() {
    // IB006's primary outcome is `single-az` (low); a build zone without an
    // endpoint subnet is `build-zone-uncovered` (medium).
    let snap = rule_fixture(&fixture(
        "rules/IB006/fail-build-zone-uncovered-medium.json",
    ));
    let (_dir, path) = write_temp("s.json", &snap.to_string());
    let args = [
        "audit",
        path.to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ];
    let doc = assert_github_sarif(&stdout(&ibaudit(&args)));
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let r = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "IB006/build-zone-uncovered")
        .expect("the medium finding names its outcome's descriptor");
    let d = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(d["properties"]["security-severity"], "5.5");
    assert_eq!(d["name"], "endpoint-single-az/build-zone-uncovered");
    assert!(d["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with("A build subnet is in a zone"));
    let primary = rules.iter().find(|d| d["id"] == "IB006").unwrap();
    assert_eq!(primary["properties"]["security-severity"], "2.0");
    // The descriptor list is the same in every run and every file.
    let again = assert_github_sarif(&stdout(&ibaudit(&args)));
    assert_eq!(
        again["runs"][0]["tool"]["driver"]["rules"],
        run["tool"]["driver"]["rules"]
    );
    let total: usize = ibaudit_rules::registry()
        .iter()
        .map(|r| r.meta().outcomes.len())
        .sum();
    assert_eq!(rules.len(), total);
}

/// Every rule page lists its outcomes as the rule declares them, with the
/// SARIF rule id and the severity GitHub shows for each, and the SARIF
/// descriptors say the same.
#[test]
fn rule_pages_list_their_outcomes_as_sarif_shows_them() {
    let doc = assert_github_sarif(&stdout(&ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ])));
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for rule in ibaudit_rules::registry() {
        let meta = rule.meta();
        let section = meta.doc_page().section("Outcomes");
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(
            rows.len(),
            meta.outcomes.len(),
            "{}: one row per outcome",
            meta.id
        );
        for (row, outcome) in rows.iter().zip(meta.outcomes) {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
            let id = ibaudit_report::sarif::descriptor_id(meta, outcome);
            let descriptor = rules
                .iter()
                .find(|d| d["id"] == id.as_str())
                .unwrap_or_else(|| panic!("no SARIF rule {id}"));
            let shown = match descriptor["properties"].get("security-severity") {
                Some(s) => {
                    let n: f64 = s.as_str().unwrap().parse().unwrap();
                    let band = match n {
                        n if n >= 9.0 => "Critical",
                        n if n >= 7.0 => "High",
                        n if n >= 4.0 => "Medium",
                        _ => "Low",
                    };
                    format!("{band} ({})", s.as_str().unwrap())
                }
                None => "Note".to_string(),
            };
            assert_eq!(
                cells,
                [
                    format!("`{}`", outcome.id).as_str(),
                    outcome.severity.as_str(),
                    format!("`{id}`").as_str(),
                    shown.as_str(),
                    outcome.title,
                ],
                "{}: the Outcomes row of {}",
                meta.id,
                outcome.id
            );
        }
    }
}
