//! GitHub as users live it: which alerts an upload keeps or closes, what
//! code scanning displays, the step-summary markdown, several reports from
//! one run, and baselines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::*;
use ibaudit_report::sarif::{render_with, scope_of, Limits, Options};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// A model of GitHub code scanning's analyses, per its documentation:
// - an analysis is keyed by tool and category (`runAutomationDetails.id`);
// - "multiple SARIF runs with the same category" in one upload is rejected;
// - a new analysis of a category replaces the previous one: its alerts absent
//   from the new analysis are closed as fixed;
// - alerts of categories absent from the upload are left as they were.
// ---------------------------------------------------------------------------

#[derive(Default, Debug)]
struct CodeScanning {
    /// category -> open alerts (fingerprints)
    open: BTreeMap<String, BTreeSet<String>>,
    /// alerts closed as fixed
    closed: BTreeSet<String>,
}

fn runs_of(sarif: &Value) -> Vec<(String, BTreeSet<String>)> {
    sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            let category = run["automationDetails"]["id"].as_str().unwrap().to_string();
            let alerts = run["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["fingerprints"]["ibaudit/v1"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            (category, alerts)
        })
        .collect()
}

impl CodeScanning {
    fn upload(&mut self, sarif: &Value) -> Result<(), String> {
        let runs = runs_of(sarif);
        let categories: BTreeSet<&String> = runs.iter().map(|(c, _)| c).collect();
        if categories.len() != runs.len() {
            return Err("multiple SARIF runs with the same category".into());
        }
        for (category, alerts) in runs {
            let previous = self
                .open
                .insert(category, alerts.clone())
                .unwrap_or_default();
            for gone in previous.difference(&alerts) {
                self.closed.insert(gone.clone());
            }
        }
        Ok(())
    }

    fn all_open(&self) -> BTreeSet<String> {
        self.open.values().flatten().cloned().collect()
    }
}

fn sarif_of(snapshot: &Value, opts: Options) -> (Value, Vec<String>) {
    let snap =
        ibaudit_snapshot::from_slice(snapshot.to_string().as_bytes(), Path::new("s.json")).unwrap();
    let report = ibaudit_rules::audit(&snap, &options());
    let rendered = render_with(
        &report,
        &Options {
            scope: scope_of(&snap),
            ..opts
        },
    );
    (
        serde_json::from_str(&rendered.text).unwrap(),
        rendered.notes,
    )
}

fn sarif(snapshot: &Value) -> Value {
    sarif_of(snapshot, Options::default()).0
}

fn demo_json() -> Value {
    read_json(&demo())
}

/// The demo with only the given regions.
fn demo_regions(keep: &[&str]) -> Value {
    let mut snap = demo_json();
    for account in snap["accounts"].as_array_mut().unwrap() {
        account["regions"]
            .as_array_mut()
            .unwrap()
            .retain(|r| keep.contains(&r["region"].as_str().unwrap()));
    }
    snap
}

fn fingerprints(sarif: &Value) -> BTreeSet<String> {
    runs_of(sarif).into_iter().flat_map(|(_, a)| a).collect()
}

/// Rewrites every category to the old `ibaudit/<account>/` scheme: what the
/// model says would have happened without region-set categories.
fn with_account_only_categories(sarif: &Value) -> Value {
    let mut s = sarif.clone();
    for run in s["runs"].as_array_mut().unwrap() {
        let id = run["automationDetails"]["id"].as_str().unwrap().to_string();
        let account = id.split('/').nth(1).unwrap().to_string();
        run["automationDetails"]["id"] = json!(format!("ibaudit/{account}/"));
    }
    s
}

#[test]
fn a_region_subset_never_closes_the_other_regions() {
    let full = sarif(&demo_json());
    let subset = sarif(&demo_regions(&["us-east-1"]));
    let mut gh = CodeScanning::default();
    gh.upload(&full).unwrap();
    let before = gh.all_open();
    gh.upload(&subset).unwrap();
    assert!(gh.closed.is_empty(), "closed: {:?}", gh.closed);
    assert_eq!(gh.all_open(), before, "every earlier alert is still open");

    // The model is not vacuous: with one category per account, the subset
    // scan would close the other regions' alerts as fixed.
    let mut old = CodeScanning::default();
    old.upload(&with_account_only_categories(&full)).unwrap();
    old.upload(&with_account_only_categories(&subset)).unwrap();
    assert!(!old.closed.is_empty());
}

#[test]
fn the_same_scope_updates_its_own_alerts() {
    // A later scan of the same regions replaces the earlier analysis: a fixed
    // finding is closed, the others stay.
    let before = sarif(&demo_regions(&["us-east-1", "eu-west-1"]));
    let mut fixed = demo_regions(&["us-east-1", "eu-west-1"]);
    for region in fixed["accounts"][0]["regions"].as_array_mut().unwrap() {
        if region["region"] == "eu-west-1" {
            for vpc in region["DescribeVpcAttribute"].as_array_mut().unwrap() {
                if vpc.get("EnableDnsHostnames").is_some() {
                    vpc["EnableDnsHostnames"]["Value"] = json!(true);
                }
            }
        }
    }
    let after = sarif(&fixed);
    let mut gh = CodeScanning::default();
    gh.upload(&before).unwrap();
    gh.upload(&after).unwrap();
    assert_eq!(
        runs_of(&before)[0].0,
        runs_of(&after)[0].0,
        "same scope, same category"
    );
    let gone: BTreeSet<String> = fingerprints(&before)
        .difference(&fingerprints(&after))
        .cloned()
        .collect();
    assert!(!gone.is_empty(), "the fix removed a finding");
    assert_eq!(gh.closed, gone);
}

#[test]
fn one_file_per_account_keeps_the_other_accounts() {
    let a = sarif(&small_snapshot(&["111122223333"]));
    let b = sarif(&small_snapshot(&["444455556666"]));
    let mut gh = CodeScanning::default();
    gh.upload(&a).unwrap();
    gh.upload(&b).unwrap();
    gh.upload(&a).unwrap();
    assert!(gh.closed.is_empty());
    assert_eq!(gh.all_open(), &fingerprints(&a) | &fingerprints(&b));
}

#[test]
fn several_accounts_in_one_file_then_fewer() {
    let both = sarif(&small_snapshot(&["111122223333", "444455556666"]));
    let ids: Vec<String> = runs_of(&both).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        ids,
        [
            "ibaudit/111122223333/us-east-1/",
            "ibaudit/444455556666/us-east-1/"
        ]
    );
    let one = sarif(&small_snapshot(&["444455556666"]));
    let mut gh = CodeScanning::default();
    gh.upload(&both).unwrap();
    gh.upload(&one).unwrap();
    assert!(gh.closed.is_empty());
    assert_eq!(gh.all_open(), fingerprints(&both));
}

#[test]
fn organization_shards_never_close_each_other() {
    // Shard files uploaded one by one, then the merged file once: no upload
    // closes an alert of an account it did not scan, and none is rejected.
    let accounts = [
        "111122223333",
        "222233334444",
        "444455556666",
        "777788889999",
    ];
    let shard1 = sarif(&small_snapshot(&accounts[..2]));
    let shard2 = sarif(&small_snapshot(&accounts[2..]));
    let merged = sarif(&small_snapshot(&accounts));
    let mut gh = CodeScanning::default();
    gh.upload(&shard1).unwrap();
    gh.upload(&shard2).unwrap();
    gh.upload(&merged).unwrap();
    gh.upload(&shard1).unwrap();
    assert!(gh.closed.is_empty());
    assert_eq!(gh.all_open(), fingerprints(&merged));
}

#[test]
fn more_accounts_than_runs_are_bucketed_stably_and_nothing_is_lost() {
    let accounts: Vec<String> = (0..30).map(|i| format!("1000000000{i:02}")).collect();
    let refs: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let snap = small_snapshot(&refs);
    let (doc, notes) = sarif_of(&snap, Options::default());
    let runs = runs_of(&doc);
    assert!(runs.len() <= 20, "{} runs", runs.len());
    assert!(notes.iter().any(|n| n.contains("buckets")), "{notes:?}");
    let total: usize = runs.iter().map(|(_, a)| a.len()).sum();
    let report = audit_file_value(&snap);
    assert_eq!(
        total,
        report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .count(),
        "every result is uploaded"
    );
    let mut gh = CodeScanning::default();
    gh.upload(&doc).unwrap();
    // The same organization scanned again: same categories, nothing closed.
    gh.upload(&sarif_of(&snap, Options::default()).0).unwrap();
    assert!(gh.closed.is_empty());
    // One account fewer (suspended, skipped): its bucket gets a new category,
    // so its alerts are not closed as fixed.
    let fewer = small_snapshot(&refs[1..]);
    gh.upload(&sarif(&fewer)).unwrap();
    assert!(gh.closed.is_empty(), "{:?}", gh.closed);
}

fn audit_file_value(snap: &Value) -> ibaudit_rules::Report {
    let s = ibaudit_snapshot::from_slice(snap.to_string().as_bytes(), Path::new("s.json")).unwrap();
    ibaudit_rules::audit(&s, &options())
}

#[test]
fn results_past_the_limit_are_split_never_dropped_inside_a_run() {
    let limits = Limits {
        results_per_run: 5,
        ..Limits::default()
    };
    let (doc, notes) = sarif_of(
        &demo_json(),
        Options {
            limits,
            ..Options::default()
        },
    );
    let runs = runs_of(&doc);
    assert!(runs.len() >= 2);
    assert!(runs
        .iter()
        .all(|(c, a)| a.len() <= 5 && c.contains("part-")));
    assert!(notes.iter().any(|n| n.contains("split")), "{notes:?}");
    assert_eq!(fingerprints(&doc), fingerprints(&sarif(&demo_json())));
    // Stable: the same audit gives the same parts.
    assert_eq!(
        doc,
        sarif_of(
            &demo_json(),
            Options {
                limits,
                ..Options::default()
            }
        )
        .0
    );
}

#[test]
fn runs_left_out_keep_their_alerts() {
    let snap = small_snapshot(&["111122223333", "444455556666", "777788889999"]);
    let full = sarif(&snap);
    let (cut, notes) = sarif_of(
        &snap,
        Options {
            limits: Limits {
                runs_per_file: 2,
                ..Limits::default()
            },
            ..Options::default()
        },
    );
    // Over the runs limit the accounts are bucketed, not dropped.
    assert_eq!(fingerprints(&cut), fingerprints(&full));
    assert!(!notes.is_empty());

    // Over the size limit, whole runs are left out, and said so.
    let text = serde_json::to_string(&full).unwrap();
    let (small, notes) = sarif_of(
        &snap,
        Options {
            limits: Limits {
                gzipped_bytes: text.len() / 40,
                ..Limits::default()
            },
            ..Options::default()
        },
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("neither updated nor closed")),
        "{notes:?}"
    );
    let mut gh = CodeScanning::default();
    gh.upload(&full).unwrap();
    gh.upload(&small).unwrap();
    assert!(gh.closed.is_empty(), "a left-out run closes nothing");
}

#[test]
fn sarif_category_prefixes_every_run() {
    let (doc, _) = sarif_of(
        &small_snapshot(&["111122223333", "444455556666"]),
        Options {
            category: "prod-org".into(),
            ..Options::default()
        },
    );
    let ids: Vec<String> = runs_of(&doc).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        ids,
        [
            "prod-org/111122223333/us-east-1/",
            "prod-org/444455556666/us-east-1/"
        ]
    );
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--format",
        "sarif",
        "--sarif-category",
        "nightly/",
        "--fail-on",
        "none",
    ]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["runs"][0]["automationDetails"]["id"],
        "nightly/111122223333/ap-southeast-2+eu-west-1+us-east-1/"
    );
    let bad = ibaudit(&["audit", demo().to_str().unwrap(), "--sarif-category", "a b"]);
    assert_eq!(code(&bad), 2);
}

// ---------------------------------------------------------------------------
// What GitHub displays.
// ---------------------------------------------------------------------------

fn demo_sarif(extra: &[&str]) -> Value {
    let demo = demo();
    let mut args = vec![
        "audit",
        demo.to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let o = ibaudit(&args);
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("schema/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    doc
}

#[test]
fn rule_descriptions_fit_github() {
    let doc = demo_sarif(&[]);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let outcomes: usize = ibaudit_rules::registry()
        .iter()
        .map(|r| r.meta().outcomes.len())
        .sum();
    assert_eq!(rules.len(), outcomes, "one descriptor per rule outcome");
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            !full.is_empty() && full.chars().count() <= 1024,
            "{id}: fullDescription is {} characters",
            full.chars().count()
        );
        let md = rule["help"]["markdown"].as_str().unwrap();
        assert!(!md.trim().is_empty());
        let mut in_code = false;
        for line in md.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            assert!(
                in_code || !line.starts_with("# "),
                "{id}: help.markdown has an H1: {line}"
            );
        }
        assert!(!md.contains(&format!("{id}: {}", rule["name"].as_str().unwrap())));
        assert!(md.contains("## What it checks"), "{id}");
    }
}

#[test]
fn not_assessed_is_not_a_security_vulnerability() {
    let doc = demo_sarif(&[]);
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ib900: Vec<&Value> = rules
        .iter()
        .filter(|r| r["properties"]["ibaudit/rule"] == "IB900")
        .collect();
    assert_eq!(ib900.len(), 2, "IB900 and IB900/unread-failure");
    for d in &ib900 {
        assert!(d["properties"].get("security-severity").is_none());
        assert!(!d["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security"));
        assert_eq!(d["defaultConfiguration"]["level"], "note");
    }
    let results = run["results"].as_array().unwrap();
    let gaps: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["rule"] == "IB900")
        .collect();
    assert!(!gaps.is_empty(), "the demo has a permission gap");
    assert!(gaps.iter().all(|r| r["level"] == "note"));
    // Every other descriptor but the `info` ones stays a security rule
    // with a numeric severity.
    for r in rules.iter().filter(|r| {
        r["properties"]["ibaudit/rule"] != "IB900" && r["properties"]["ibaudit/severity"] != "info"
    }) {
        assert!(
            r["properties"]["security-severity"].is_string(),
            "{}",
            r["id"]
        );
    }
    // The tool run itself says it was incomplete.
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), gaps.len());
    assert_eq!(notes[0]["associatedRule"]["id"], "IB900");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("DescribeVpcAttribute"));
    // A complete audit says it succeeded.
    let (clean, _) = sarif_of(&small_snapshot(&["111122223333"]), Options::default());
    assert_eq!(
        clean["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

fn suppressing_config(dir: &Path) -> std::path::PathBuf {
    let cfg = dir.join("ibaudit.toml");
    std::fs::write(
        &cfg,
        "[[suppress]]\nrule = \"IB002\"\nresource = \"vpce-0a1b*\"\nreason = \"resolver rule\"\n",
    )
    .unwrap();
    cfg
}

#[test]
fn suppressed_findings_are_left_out_unless_asked() {
    let (dir, path) = write_temp("s.json", &small_snapshot(&["111122223333"]).to_string());
    let cfg = suppressing_config(dir.path());
    let run = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            path.to_str().unwrap(),
            "--format",
            "sarif",
            "--config",
            cfg.to_str().unwrap(),
            "--fail-on",
            "none",
        ];
        args.extend_from_slice(extra);
        let doc: Value = serde_json::from_str(&stdout(&ibaudit(&args))).unwrap();
        doc["runs"][0]["results"].as_array().unwrap().clone()
    };
    let default = run(&[]);
    assert!(!default.is_empty());
    assert!(default.iter().all(|r| r["ruleId"] != "IB002"));
    let kept = run(&["--sarif-include-suppressed"]);
    let ib002 = kept.iter().find(|r| r["ruleId"] == "IB002").unwrap();
    assert_eq!(ib002["suppressions"][0]["justification"], "resolver rule");
    assert_eq!(kept.len(), default.len() + 1);
}

// ---------------------------------------------------------------------------
// Hostile data stays inert.
// ---------------------------------------------------------------------------

const HOSTILE_ID: &str = "[pwn](https://evil.example/x) <img src=x onerror=alert(1)> |a|b| `c` **d** @octocat #1\u{1b}[31m\u{202e}";

fn hostile_snapshot(id: &str) -> Value {
    let mut snap = small_snapshot(&["111122223333"]);
    snap["accounts"][0]["regions"][0]["DescribeVpcEndpoints"]["VpcEndpoints"][0]["VpcEndpointId"] =
        json!(id);
    snap
}

#[test]
fn hostile_ids_cannot_form_links_or_dot_segments_in_sarif() {
    for id in [HOSTILE_ID, "..", "."] {
        let (doc, _) = sarif_of(&hostile_snapshot(id), Options::default());
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let mine: Vec<&Value> = results
            .iter()
            .filter(|r| r["properties"]["resource_id"] == id)
            .collect();
        assert!(!mine.is_empty(), "{id}: {results:?}");
        for r in mine {
            let text = r["message"]["text"].as_str().unwrap();
            // Every bracket is escaped: no embedded link can form.
            for (i, c) in text.char_indices() {
                if c == '[' || c == ']' {
                    assert_eq!(&text[i - 1..i], "\\", "unescaped bracket in {text}");
                }
            }
            assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let segments: Vec<&str> = uri.split('/').collect();
            assert_eq!(segments.len(), 4, "{uri}");
            assert!(
                segments.iter().all(|s| *s != "." && *s != ".."),
                "dot-segment in {uri}"
            );
        }
    }
}

/// The whole rendered text, reviewed as an insta snapshot.
fn golden(name: &str, actual: &str) {
    insta::assert_snapshot!(name, actual);
}

#[test]
fn markdown_of_the_demo() {
    let o = ibaudit(&["audit", demo().to_str().unwrap(), "--format", "markdown"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let md = stdout(&o);
    golden("demo.md", &md);
    let summary = md.find("| account |").unwrap();
    let first_finding = md.find("### Account").unwrap();
    assert!(summary < first_finding, "the summary comes first");
    assert!(md.contains("[IB003](https://github.com/ibaudit/ibaudit/blob/main/rules/IB003.md)"));
}

#[test]
fn markdown_keeps_hostile_text_inert() {
    let (_dir, path) = write_temp("s.json", &hostile_snapshot(HOSTILE_ID).to_string());
    let o = ibaudit(&["audit", path.to_str().unwrap(), "--format", "markdown"]);
    let md = stdout(&o);
    golden("hostile.md", &md);
    // Inside code spans nothing is interpreted; outside them, nothing may form markup.
    let outside = outside_code_spans(&md);
    assert!(
        md.contains("``[pwn](https://evil.example/x)"),
        "the id is shown, in a code span"
    );
    for bad in [
        "](https://evil",
        "<img",
        "\u{1b}",
        "\u{202e}",
        "[pwn]",
        "**d**",
        "@octocat",
        "https://evil",
        "#1",
    ] {
        assert!(!outside.contains(bad), "{bad:?} in\n{outside}");
    }
    // Every table row keeps its four cells: no pipe from the data splits one.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("IB0"))
    {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "{line}");
    }
}

/// The markup outside code spans and escapes (CommonMark: a span closes at
/// the next run of exactly as many backticks; a backslash-escaped character
/// is literal), so that what remains is what GitHub would interpret.
fn outside_code_spans(md: &str) -> String {
    let b = md.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii_punctuation() {
            // An escaped character is literal text: shown as a placeholder.
            out.push('\u{b7}');
            i += 2;
            continue;
        }
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let fence = "`".repeat(n);
            let mut j = i + n;
            let mut close = None;
            while let Some(k) = md[j..].find(&fence) {
                let at = j + k;
                let run = b[at..].iter().take_while(|&&c| c == b'`').count();
                if run == n {
                    close = Some(at + n);
                    break;
                }
                j = at + run;
            }
            match close {
                Some(end) => {
                    out.push_str("<code>");
                    i = end;
                }
                None => {
                    out.push_str(&fence);
                    i += n;
                }
            }
            continue;
        }
        let c = md[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn markdown_fits_the_step_summary_limit() {
    let report = audit_file(&demo());
    let full = ibaudit_report::markdown::render(&report, &Default::default());
    let small = ibaudit_report::markdown::render(
        &report,
        &ibaudit_report::markdown::Options {
            max_bytes: full.len() * 2 / 3,
            ..Default::default()
        },
    );
    assert!(small.len() <= full.len() * 2 / 3);
    assert!(small.contains("least severe were left out"), "{small}");
    assert!(small.contains("| high |"), "the most severe stay");
    assert!(
        full.contains("| info | [IB") && !small.contains("| info | [IB"),
        "the least severe go first"
    );
}

// ---------------------------------------------------------------------------
// Several reports from one run.
// ---------------------------------------------------------------------------

#[test]
fn output_writes_every_format_and_still_gates() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = demo();
    let run = || {
        Ibaudit::new(&[
            "audit",
            snapshot.to_str().unwrap(),
            "--output",
            "sarif=out/r.sarif",
            "--output",
            "markdown=summary.md",
            "--output",
            "json=r.json",
            "--format",
            "table",
        ])
        .dir(dir.path())
        .run()
    };
    let o = run();
    // out/ does not exist: a clear error, exit 2, nothing half-written.
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let o = run();
    assert_eq!(code(&o), 1, "high findings still fail: {}", stderr(&o));
    assert!(stdout(&o).contains("IB003"), "the table on stdout");
    let sarif: Value = read_json(&dir.path().join("out/r.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let json: Value = read_json(&dir.path().join("r.json"));
    assert_eq!(json["ibaudit_report"], 1);
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.starts_with("## ibaudit"));
    for name in ["out/r.sarif", "summary.md", "r.json"] {
        assert!(
            stderr(&o).contains(&format!("wrote {name}")),
            "{}",
            stderr(&o)
        );
    }

    let bad = ibaudit(&["audit", demo().to_str().unwrap(), "--output", "r.sarif"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("FORMAT=FILE"), "{}", stderr(&bad));
    let bad = ibaudit(&["audit", demo().to_str().unwrap(), "--output", "pdf=r.pdf"]);
    assert_eq!(code(&bad), 2);
}

// ---------------------------------------------------------------------------
// Baselines.
// ---------------------------------------------------------------------------

/// The demo with a new high finding: private DNS on with VPC DNS support off
/// in a VPC that had it on is hard to build by hand, so the new finding is a
/// second account copying the small snapshot's broken endpoint.
fn demo_plus_account() -> Value {
    let mut snap = demo_json();
    let extra = small_snapshot(&["444455556666"]);
    snap["accounts"]
        .as_array_mut()
        .unwrap()
        .push(extra["accounts"][0].clone());
    snap
}

fn json_report(dir: &Path, snapshot: &Value, name: &str) -> std::path::PathBuf {
    let snap_path = dir.join(format!("{name}.snapshot.json"));
    std::fs::write(&snap_path, snapshot.to_string()).unwrap();
    let out = dir.join(format!("{name}.json"));
    let o = ibaudit(&[
        "audit",
        snap_path.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
        "--fail-on",
        "none",
    ]);
    assert!([0, 3].contains(&code(&o)), "{}", stderr(&o));
    out
}

#[test]
fn diff_of_reports_and_of_snapshots_agree() {
    let dir = tempfile::tempdir().unwrap();
    let old = json_report(dir.path(), &demo_json(), "old");
    let new = json_report(dir.path(), &demo_plus_account(), "new");
    let o = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 3, "the new side is incomplete: {}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let old_n = audit_file(&demo()).findings.len();
    assert_eq!(d["summary"]["unchanged"], old_n);
    assert_eq!(d["summary"]["fixed"], 0);
    let new_list = d["new"].as_array().unwrap();
    assert!(!new_list.is_empty());
    assert!(new_list.iter().all(|e| e["account_id"] == "444455556666"));

    // The same from the two snapshots, audited with the same options.
    let o2 = ibaudit(&[
        "diff",
        dir.path().join("old.snapshot.json").to_str().unwrap(),
        dir.path().join("new.snapshot.json").to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let d2: Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(d["summary"], d2["summary"]);
    assert_eq!(d["new"], d2["new"]);

    // Swapped: what was new is fixed.
    let o3 = ibaudit(&[
        "diff",
        new.to_str().unwrap(),
        old.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let d3: Value = serde_json::from_str(&stdout(&o3)).unwrap();
    assert_eq!(d3["fixed"], d["new"]);

    // Gating: a new medium finding fails --fail-on medium.
    let o4 = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--fail-on",
        "medium",
    ]);
    assert_eq!(code(&o4), 1, "{}", stdout(&o4));
    assert!(stdout(&o4).contains("new "), "{}", stdout(&o4));

    // Markdown: new findings listed, rule linked.
    let o5 = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "markdown",
        "--fail-on",
        "none",
    ]);
    let md = stdout(&o5);
    assert!(md.contains("### New findings") && !md.contains("### Fixed findings"));
    assert!(md.contains("[IB002](https://github.com/ibaudit/ibaudit/blob/main/rules/IB002.md)"));

    // Several formats from one diff; SARIF is not one of them.
    let o7 = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--output",
        &format!("json={}", dir.path().join("d.json").display()),
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o7), 3, "{}", stderr(&o7));
    let d7: Value = read_json(&dir.path().join("d.json"));
    assert_eq!(d7, d);
    assert!(stdout(&o7).ends_with(&format!(
        "{} new, 0 fixed, {old_n} unchanged\n",
        new_list.len()
    )));
    let o8 = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&o8), 2);

    // A report and a snapshot do not mix.
    let o6 = ibaudit(&[
        "diff",
        old.to_str().unwrap(),
        dir.path().join("new.snapshot.json").to_str().unwrap(),
    ]);
    assert_eq!(code(&o6), 2);
    assert!(stderr(&o6).contains("both"), "{}", stderr(&o6));
}

#[test]
fn baseline_counts_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = json_report(dir.path(), &demo_json(), "base");
    // Without a baseline the demo fails on its high findings.
    let o = ibaudit(&["audit", demo().to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    // With it, only the demo's IB900 remains: incomplete, exit 3.
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("already in the baseline"));
    // The report still lists every finding.
    assert!(stdout(&o).contains("IB003"));
    // A new finding at or above --fail-on fails the build again.
    let new_path = dir.path().join("new.snapshot.json");
    std::fs::write(&new_path, demo_plus_account().to_string()).unwrap();
    let o = ibaudit(&[
        "audit",
        new_path.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on",
        "medium",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // A baseline that is not a JSON report is a usage error naming the file.
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--baseline",
        demo().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("snapshot.json"), "{}", stderr(&o));
}

/// The release archives, the action's download and `cargo binstall` agree on
/// one name, `ibaudit-v<version>-<target>.tar.gz` under
/// `releases/download/v<version>/`, for the same four targets.
#[test]
fn release_archives_action_download_and_binstall_agree() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let release = read(".github/workflows/release.yml");
    let action = read("action.yml");
    let cargo = read("Cargo.toml");
    let targets = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ];
    for t in targets {
        assert!(
            release.contains(&format!("- target: {t}\n")),
            "release.yml builds {t}"
        );
        assert!(
            action.contains(&format!(") target={t} ;;")),
            "action.yml downloads {t}"
        );
    }
    assert_eq!(release.matches("- target: ").count(), targets.len());
    // The tag is `v<version>`, checked against Cargo.toml by the workflow.
    assert!(release.contains(r#"name="ibaudit-$TAG-$TARGET""#));
    assert!(release.contains(r#"tar -C dist -czf "dist/$name.tar.gz" "$name""#));
    assert!(release.contains(r#"if [ "$TAG" != "v$version" ]"#));
    assert!(action.contains(r#"archive="ibaudit-$VERSION-$target.tar.gz""#));
    assert!(action.contains("/releases/download/$VERSION/$archive"));
    // `version: v0.1.0` in the action is the tag.
    assert!(action.contains("default: v0.1.0"));
    assert!(cargo.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }.tar.gz""#
    ));
    assert!(cargo.contains(r#"bin-dir = "{ name }-v{ version }-{ target }/{ bin }{ binary-ext }""#));
    assert!(cargo.contains("repository.workspace = true"));
    // SHA256SUMS lines are what release-checksums.txt holds and the action
    // reads: `<sha256>  <archive>`.
    assert!(release.contains("sha256sum -- *.tar.gz > SHA256SUMS"));
    assert!(action.contains(r#"awk -v f="$archive" '$2 == f { print $1 }'"#));
}
