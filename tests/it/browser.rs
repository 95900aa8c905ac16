//! The HTML report and the markdown report's Mermaid diagrams in a real
//! browser: Debian's Chromium, driven headless by playwright-core
//! (`tests/harness/chromium/`, installed by `make browser`), and Mermaid
//! itself for the flowcharts.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;
use crate::diagrams::{hostile_names_snapshot, HOSTILE_NAMES};

fn harness() -> PathBuf {
    let dir = root().join("tests/harness/chromium");
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.exists() && dir.join("node_modules/playwright-core").exists(),
        "the browser tests need Chromium and tests/harness/chromium/node_modules: run `make browser`"
    );
    dir
}

fn node(script: &str, args: &[&Path], extra: &[&str]) -> Value {
    let o = Command::new("node")
        .arg(harness().join(script))
        .args(args)
        .args(extra)
        .output()
        .expect("node runs (make browser installs the harness)");
    assert!(
        o.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn page_of(snapshot: &Path, dir: &Path, name: &str, format: &str) -> PathBuf {
    let out = dir.join(name);
    let o = ibaudit(&[
        "audit",
        snapshot.to_str().unwrap(),
        "--fail-on",
        "none",
        "--output",
        &format!("{format}={}", out.display()),
    ]);
    assert!(matches!(code(&o), 0 | 3), "{}", stderr(&o));
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Nothing leaves the page, nothing errs, nothing is refused by the CSP,
/// nothing from the data runs.
fn assert_inert(page: &Value) {
    for k in [
        "console_errors",
        "page_errors",
        "requests",
        "csp_violations",
    ] {
        assert!(strings(&page[k]).is_empty(), "{k}: {}", page[k]);
    }
    assert_eq!(page["pwned"], false, "a script from the data ran");
}

#[test]
fn the_demo_page_works_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = page_of(&demo(), dir.path(), "demo.html", "html");
    let shots = root().join("target/html-screenshots");
    // No screenshot of an earlier run can pass for this one's.
    for shot in ["summary.png", "diagram.png", "filtered.png"] {
        let _ = std::fs::remove_file(shots.join(shot));
    }
    let page = node(
        "check_html.mjs",
        &[&html, &shots],
        &[
            "--filter",
            "IB012",
            "--filter",
            "subnet-02a3b4c5d6e7f0022",
            "--click-first-mark",
        ],
    );
    assert_inert(&page);

    // Every finding of the JSON report is in the page's data, and listed.
    let json = ibaudit(&["audit", demo().to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(page["data_findings"], findings.len());
    assert_eq!(page["rows"].as_array().unwrap().len(), findings.len());

    // Typing a rule id shows only its rows; a resource id, only rows that
    // name it.
    let ib012 = page["filters"]["IB012"].as_array().unwrap();
    assert!(!ib012.is_empty());
    assert!(ib012.iter().all(|r| r["rule"] == "IB012"), "{ib012:?}");
    let expected = findings.iter().filter(|f| f["rule"] == "IB012").count();
    assert_eq!(ib012.len(), expected);
    let by_subnet = page["filters"]["subnet-02a3b4c5d6e7f0022"]
        .as_array()
        .unwrap();
    assert!(!by_subnet.is_empty());
    assert!(by_subnet.iter().all(|r| r["text"]
        .as_str()
        .unwrap()
        .contains("subnet-02a3b4c5d6e7f0022")));

    // Each finding about a VPC's path is marked in its VPC's drawing.
    let diagrams = page["diagrams"].as_array().unwrap();
    assert_eq!(diagrams.len(), 5);
    let marked: Vec<(String, String)> = diagrams
        .iter()
        .flat_map(|d| {
            strings(&d["findings"])
                .into_iter()
                .map(move |f| (d["vpc"].as_str().unwrap().to_string(), f))
        })
        .collect();
    for f in findings {
        let rule = f["rule"].as_str().unwrap();
        if ![
            "IB001", "IB002", "IB003", "IB004", "IB005", "IB006", "IB010", "IB011", "IB012",
            "IB014",
        ]
        .contains(&rule)
        {
            continue;
        }
        let fp = f["fingerprint"].as_str().unwrap();
        assert!(
            marked.iter().any(|(_, m)| m == fp),
            "{rule} on {} is in no drawing",
            f["resource_id"]
        );
    }
    // Clicking a marked element shows its finding's row, and only it.
    let clicked = &page["clicked"];
    let rows = clicked["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{clicked}");
    assert_eq!(rows[0]["fingerprint"], clicked["fingerprint"]);

    // A row's rule opens its page, in the page: what it checks, how to fix.
    let rule = &page["rule_page"];
    assert_eq!(rule["open"], true, "{rule}");
    let text = rule["text"].as_str().unwrap();
    assert!(
        text.contains("What it checks") && text.contains("How to fix"),
        "{text}"
    );

    for shot in ["summary.png", "diagram.png", "filtered.png"] {
        let png = std::fs::read(shots.join(shot)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{shot}");
    }
}

#[test]
fn hostile_names_run_nothing_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("hostile.json");
    std::fs::write(&snapshot, hostile_names_snapshot().to_string()).unwrap();
    let html = page_of(&snapshot, dir.path(), "hostile.html", "html");
    let page = node(
        "check_html.mjs",
        &[&html, &dir.path().join("shots")],
        &["--filter", "<img", "--click-first-mark"],
    );
    assert_inert(&page);
    // The strings are on the page as text.
    let text = page["text_loaded"].as_str().unwrap();
    for name in [
        HOSTILE_NAMES[0],
        HOSTILE_NAMES[1],
        HOSTILE_NAMES[3],
        HOSTILE_NAMES[4],
    ] {
        assert!(text.contains(name), "{name} is not shown as text");
    }
    assert!(!page["filters"]["<img"].as_array().unwrap().is_empty());

    // The markdown report's flowcharts render, every node, and run nothing.
    let md = page_of(&snapshot, dir.path(), "hostile.md", "markdown");
    let rendered = node("render_mermaid.mjs", &[&md], &[]);
    check_mermaid(&rendered);
    let labels: Vec<String> = rendered["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| strings(&b["labels"]))
        .collect();
    assert!(
        labels.iter().any(|l| l.contains("<img src=x onerror=")),
        "the hostile name shows as text in a node: {labels:?}"
    );
}

fn check_mermaid(rendered: &Value) {
    let blocks = rendered["blocks"].as_array().unwrap();
    assert!(!blocks.is_empty(), "no mermaid block");
    for b in blocks {
        assert_eq!(b["ok"], true, "{}", b["error"]);
        assert_eq!(
            b["nodes"].as_u64().unwrap() as usize,
            b["declared"].as_array().unwrap().len(),
            "every declared node is drawn: {b}"
        );
    }
    assert_eq!(rendered["pwned"], false);
    assert!(strings(&rendered["requests"]).is_empty());
    assert!(
        strings(&rendered["console_errors"]).is_empty(),
        "{}",
        rendered["console_errors"]
    );
}

#[test]
fn the_demo_flowcharts_render_with_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let md = page_of(&demo(), dir.path(), "demo.md", "markdown");
    let rendered = node("render_mermaid.mjs", &[&md], &[]);
    check_mermaid(&rendered);
    // The four VPCs with findings; the clean one is not drawn in markdown.
    assert_eq!(rendered["blocks"].as_array().unwrap().len(), 4);
}

/// The page of an `ibaudit iac` run: locations instead of ARNs, and the
/// drawings name resources by their logical ids.
#[test]
fn the_iac_page_works_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("iac.html");
    let template = fixture("iac/cfn/broken.yaml");
    assert!(template.exists(), "{}", template.display());
    let o = ibaudit(&[
        "iac",
        template.to_str().unwrap(),
        "--region",
        "eu-west-1",
        "--fail-on",
        "none",
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert!(matches!(code(&o), 0 | 3), "{}", stderr(&o));
    let page = node("check_html.mjs", &[&html, &dir.path().join("shots")], &[]);
    assert_inert(&page);
    let text = page["text_loaded"].as_str().unwrap();
    assert!(text.contains("broken.yaml:"), "a location file:line");
    assert!(!page["diagrams"].as_array().unwrap().is_empty());
}
