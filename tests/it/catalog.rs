//! The rule catalog keeps its promises: every registered rule has a doc page
//! with the expected sections and fixtures, and every doc page and fixture
//! directory belongs to a rule. Ids and names are unique and stable.

use std::collections::BTreeSet;

use crate::common::root;
use ibaudit_rules::registry;

const SECTIONS: [&str; 5] = [
    "What it checks",
    "Why it matters",
    "How to fix",
    "Example",
    "References",
];

#[test]
fn every_rule_has_a_complete_doc_page() {
    for rule in registry() {
        let m = rule.meta();
        let page = m.doc_page();
        assert_eq!(
            page.title,
            format!("{}: {}", m.id, m.name),
            "{}: title",
            m.id
        );
        assert!(
            !page.summary.is_empty() && page.summary.len() < 160 && !page.summary.starts_with('#'),
            "{}: summary line",
            m.id
        );
        for s in SECTIONS {
            assert!(
                !page.section(s).is_empty(),
                "{}: section `{s}` missing or empty",
                m.id
            );
        }
        assert!(
            page.section("References")
                .contains("https://docs.aws.amazon.com/"),
            "{}: cites no AWS page",
            m.id
        );
        assert!(
            page.section("How to fix").contains("aws "),
            "{}: no AWS CLI fix",
            m.id
        );
    }
}

#[test]
fn every_doc_page_and_fixture_directory_belongs_to_a_rule() {
    let ids: BTreeSet<String> = registry().iter().map(|r| r.meta().id.to_string()).collect();
    let pages: BTreeSet<String> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md"))
        .map(|n| n.trim_end_matches(".md").to_string())
        .collect();
    assert_eq!(pages, ids, "rules/*.md and the registry differ");
    let fixture_dirs: BTreeSet<String> = std::fs::read_dir(root().join("fixtures/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        fixture_dirs, ids,
        "fixtures/rules/* and the registry differ"
    );
}

#[test]
fn ids_and_names_are_unique_and_well_formed() {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for rule in registry() {
        let m = rule.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(
            m.id.len() == 5
                && m.id.starts_with("IB")
                && m.id[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            m.id
        );
        assert!(
            m.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            m.name
        );
    }
}

/// The catalog's ids, names and default severities are a public contract: a
/// change is a reviewed snapshot diff (`cargo insta review`), and a new rule
/// a new line there, not an edit here.
#[test]
fn catalog_is_stable() {
    let got: Vec<String> = registry()
        .iter()
        .map(|r| format!("{} {} {}", r.meta().id, r.meta().name, r.meta().severity))
        .collect();
    insta::assert_snapshot!(got.join("\n"));
}
