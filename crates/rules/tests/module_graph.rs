//! The shape of the rules crate, checked from its sources.
//!
//! - No module imports a module that imports it back, directly or through a
//!   cycle: the crate reads bottom up (finding, missing, context, the rule
//!   contract, the rules, the registry, config, audit).
//! - Every rule file is registered, and the README's "Adding a rule" names
//!   what adding one takes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Module path (`crate::rules::ib001_endpoint_missing`) -> its source.
fn modules(src: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let rel = file.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let last = parts.pop().expect("a file name");
            let stem = last.trim_end_matches(".rs");
            if stem != "mod" && stem != "lib" {
                parts.push(stem.to_string());
            }
            let name = std::iter::once("crate".to_string())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("::");
            (name, fs::read_to_string(&file).expect("readable source"))
        })
        .collect()
}

/// The code without comments, string and character literals (so that a
/// path in a doc comment or a message is not an import).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !ident_char(prev(&b, i)) {
            let mut hashes = 0;
            let mut j = i + 1;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev(b: &[char], i: usize) -> char {
    if i == 0 {
        ' '
    } else {
        b[i - 1]
    }
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads an identifier at `i`, if one starts there.
fn ident(b: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i;
    while j < b.len() && ident_char(b[j]) {
        j += 1;
    }
    (j > i).then(|| (b[i..j].iter().collect(), j))
}

fn skip_space(b: &[char], mut i: usize) -> usize {
    while i < b.len() && b[i].is_whitespace() {
        i += 1;
    }
    i
}

/// Follows a path from module `base` at `i` (just after a `::`), adding the
/// modules it names to `targets`; handles `{a, b::c}` groups.
fn follow(
    b: &[char],
    i: usize,
    base: &str,
    known: &BTreeSet<String>,
    targets: &mut BTreeSet<String>,
) {
    let i = skip_space(b, i);
    if b.get(i) == Some(&'{') {
        let mut j = i + 1;
        loop {
            j = skip_space(b, j);
            match b.get(j) {
                None | Some('}') => break,
                Some(',') => j += 1,
                _ => {
                    let start = j;
                    // Find the end of this item: a comma or the closing brace at depth 0.
                    let mut depth = 0;
                    while j < b.len() {
                        match b[j] {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => break,
                            _ => {}
                        }
                        j += 1;
                    }
                    follow(b, start, base, known, targets);
                }
            }
        }
        return;
    }
    let Some((name, end)) = ident(b, i) else {
        targets.insert(base.to_string());
        return;
    };
    let after = skip_space(b, end);
    let more = b.get(after) == Some(&':') && b.get(after + 1) == Some(&':');
    if name == "super" && more {
        return follow(b, after + 2, parent(base), known, targets);
    }
    let candidate = format!("{base}::{name}");
    if known.contains(&candidate) {
        if more {
            follow(b, after + 2, &candidate, known, targets);
        } else {
            targets.insert(candidate);
        }
    } else {
        // An item (or `self`) of `base`.
        targets.insert(base.to_string());
    }
}

fn parent(module: &str) -> &str {
    module.rsplit_once("::").map_or("crate", |(p, _)| p)
}

/// The modules `module`'s code names: `crate::`, `super::` and `self::`
/// paths, and paths that start with one of its child modules' names.
fn imports(module: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let b: Vec<char> = code.chars().collect();
    let inline = inline_modules(&b);
    let mut targets = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let continues_path = i >= 2 && b[i - 1] == ':' && b[i - 2] == ':';
        if !ident_char(prev(&b, i)) && !continues_path {
            if let Some((word, end)) = ident(&b, i) {
                let after = skip_space(&b, end);
                let is_path = b.get(after) == Some(&':') && b.get(after + 1) == Some(&':');
                if is_path {
                    let child = format!("{module}::{word}");
                    let base = match word.as_str() {
                        "crate" => Some("crate".to_string()),
                        // Inside an inline `mod x { .. }`, `super` is the file's module.
                        "super" if inline.iter().any(|r| r.contains(&i)) => {
                            Some(module.to_string())
                        }
                        "super" => Some(parent(module).to_string()),
                        "self" => Some(module.to_string()),
                        _ if known.contains(&child) => Some(module.to_string()),
                        _ => None,
                    };
                    if let Some(base) = base {
                        let start = if known.contains(&child) && word != "crate" {
                            i
                        } else {
                            after + 2
                        };
                        follow(&b, start, &base, known, &mut targets);
                    }
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    targets.remove(module);
    targets
}

/// The character ranges of inline `mod name { .. }` blocks.
fn inline_modules(b: &[char]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i + 3 < b.len() {
        let word = !ident_char(prev(b, i)) && b[i..].starts_with(&['m', 'o', 'd']);
        if word && b[i + 3].is_whitespace() {
            if let Some((_, end)) = ident(b, skip_space(b, i + 3)) {
                let open = skip_space(b, end);
                if b.get(open) == Some(&'{') {
                    let mut depth = 0;
                    let mut j = open;
                    while j < b.len() {
                        match b[j] {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    ranges.push(open..j);
                }
            }
        }
        i += 1;
    }
    ranges
}

type Graph = BTreeMap<String, BTreeSet<String>>;

fn graph(src: &Path) -> Graph {
    let modules = modules(src);
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| (name.clone(), imports(name, &code_only(text), &known)))
        .collect()
}

/// Every cycle's modules, one list per strongly connected component of more
/// than one module (Tarjan's algorithm).
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().expect("on the stack");
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let g = graph(&crate_dir().join("src"));
    // The graph is really built: these imports exist.
    for (from, to) in [
        ("crate::rules::ib001_endpoint_missing", "crate::context"),
        ("crate::rules::ib010_s3_awstoe", "crate::rules::s3_policy"),
        ("crate::rules", "crate::rules::not_assessed"),
        ("crate::audit", "crate::registry"),
        ("crate::rule", "crate::finding"),
    ] {
        assert!(
            g.get(from).is_some_and(|t| t.contains(to)),
            "expected {from} -> {to}; the graph is {g:#?}"
        );
    }
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "modules that import each other (directly or through a cycle): {found:#?}"
    );
}

#[test]
fn cycles_are_found() {
    let dir = std::env::temp_dir().join(format!("ibaudit-module-graph-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("rules")).unwrap();
    fs::write(dir.join("lib.rs"), "mod a;\nmod b;\nmod rules;\n").unwrap();
    fs::write(
        dir.join("a.rs"),
        "// use crate::b; in a comment does not count\nuse crate::{b::X, rules};\n",
    )
    .unwrap();
    fs::write(
        dir.join("b.rs"),
        "const S: &str = \"crate::a\";\nmod tests {\n    use super::*;\n}\n",
    )
    .unwrap();
    fs::write(dir.join("rules/mod.rs"), "pub mod x;\nfn f() { x::g() }\n").unwrap();
    fs::write(dir.join("rules/x.rs"), "fn g() { super::super::b::h() }\n").unwrap();
    let g = graph(&dir);
    assert_eq!(
        g["crate::a"],
        BTreeSet::from(["crate::b".to_string(), "crate::rules".to_string()])
    );
    assert!(g["crate::b"].is_empty(), "{g:#?}");
    assert_eq!(
        g["crate::rules"],
        BTreeSet::from(["crate::rules::x".to_string()])
    );
    assert_eq!(
        g["crate::rules::x"],
        BTreeSet::from(["crate::b".to_string()])
    );
    assert!(cycles(&g).is_empty(), "{g:#?}");
    // b imports a back through a group: a cycle.
    fs::write(dir.join("rules/x.rs"), "").unwrap();
    fs::write(dir.join("b.rs"), "use crate::{\n    a::Y,\n};\n").unwrap();
    let g = graph(&dir);
    assert_eq!(cycles(&g), vec![vec!["crate::a", "crate::b"]]);
    // A longer cycle: a -> rules -> rules::x -> a.
    fs::write(dir.join("b.rs"), "").unwrap();
    fs::write(dir.join("rules/x.rs"), "fn g() { super::super::a::h() }\n").unwrap();
    fs::write(dir.join("a.rs"), "use crate::rules;\n").unwrap();
    let g = graph(&dir);
    assert_eq!(
        cycles(&g),
        vec![vec!["crate::a", "crate::rules", "crate::rules::x"]]
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Every rule file in `src/rules/` is registered under the id it declares,
/// and the README's "Adding a rule" names the one list line.
#[test]
fn every_rule_file_is_registered_and_the_readme_says_how() {
    let dir = crate_dir().join("src/rules");
    let list = fs::read_to_string(dir.join("mod.rs")).unwrap();
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        if !text.contains("rule! {") {
            continue;
        }
        let id = text
            .split("id: \"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap_or_else(|| panic!("{stem}: no id in its rule!"));
        let rule = ibaudit_rules::rule_by_id(id)
            .unwrap_or_else(|| panic!("{stem} declares {id}, which is not registered"));
        assert_eq!(rule.meta().id, id);
        let lines = list
            .lines()
            .filter(|l| l.trim().starts_with(&format!("{stem}::")))
            .count();
        assert_eq!(lines, 1, "{stem}: one line in the rules! list");
        seen += 1;
    }
    assert_eq!(seen, ibaudit_rules::registry().len());

    let readme = fs::read_to_string(crate_dir().join("../../README.md")).unwrap();
    let section = readme
        .split("\n## Adding a rule\n")
        .nth(1)
        .expect("README has an \"Adding a rule\" section");
    let section = section.split("\n## ").next().unwrap();
    for needle in [
        "rule! {",
        "crates/rules/src/rules/mod.rs",
        "rules/IBNNN.md",
        "fixtures/rules/IBNNN",
    ] {
        assert!(
            section.contains(needle),
            "\"Adding a rule\" does not mention {needle}"
        );
    }
}

/// Every rule declares its outcomes once: ids are kebab-case and unique in
/// the rule, and the rule's severity is its primary (first) outcome's.
#[test]
fn outcomes_are_declared_once_per_rule() {
    for rule in ibaudit_rules::registry() {
        let meta = rule.meta();
        assert!(!meta.outcomes.is_empty(), "{}", meta.id);
        assert_eq!(meta.severity, meta.outcomes[0].severity, "{}", meta.id);
        let mut ids = BTreeSet::new();
        for o in meta.outcomes {
            assert!(
                !o.id.is_empty()
                    && o.id
                        .split('-')
                        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{}: outcome id `{}` is not kebab-case",
                meta.id,
                o.id
            );
            assert!(ids.insert(o.id), "{}: outcome `{}` twice", meta.id, o.id);
            assert!(!o.title.is_empty(), "{}/{}: no title", meta.id, o.id);
            assert!(std::ptr::eq(meta.outcome(o.id).unwrap(), *o));
        }
    }
}
