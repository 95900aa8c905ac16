//! The path of each VPC with findings as a Mermaid flowchart, for the
//! markdown report: GitHub renders a ```` ```mermaid ```` code block as a
//! diagram ("Creating Mermaid diagrams", GitHub Docs).
//!
//! Node ids are generated (`n0`, `n1`, ...), never taken from the data;
//! every label is quoted and written with Mermaid's entity codes for the
//! characters that could end the label, the statement or the code block
//! (`"`, `#`, `<`, `>`, `&`, a backtick): Mermaid's flowchart syntax says
//! "Numbers given are base 10, so # can be encoded as #35;" and quoted
//! text may hold any other character. Control characters are shown as
//! `\u{..}` first, so no line of the data starts a Mermaid statement.

use std::fmt::Write;

use ibaudit_rules::network::{Element, HopKind, Known};

use crate::paths::{rules, Mark, View};

/// A label's text, safe inside `"..."` in a Mermaid flowchart inside a
/// markdown code block.
pub fn label(s: &str) -> String {
    let s = crate::inert(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

struct Chart {
    text: String,
    nodes: usize,
    classes: Vec<(usize, &'static str)>,
}

impl Chart {
    fn node(&mut self, indent: &str, text: &str, mark: Mark, dashed: bool) -> String {
        let id = format!("n{}", self.nodes);
        self.nodes += 1;
        let marker = match mark {
            Mark::Fine => String::new(),
            Mark::Unknown => " · ? not assessed".to_string(),
            Mark::Finding(s) => format!(" · {}", s.as_str().to_uppercase()),
        };
        let (open, close) = if dashed { ("[/", "/]") } else { ("[", "]") };
        let _ = writeln!(
            self.text,
            "{indent}{id}{open}\"{}{}\"{close}",
            label(text),
            marker
        );
        self.classes.push((self.nodes - 1, mark.class()));
        id
    }
}

/// The flowchart of one network (without the code fence).
pub fn flowchart(v: &View<'_>) -> String {
    let net = v.net;
    let mut c = Chart {
        text: String::from("flowchart LR\n"),
        nodes: 0,
        classes: Vec::new(),
    };
    let on = |k: &Known<bool>| match k {
        Known::Yes(true) => "on",
        Known::Yes(false) => "off",
        Known::Unknown(_) => "unknown",
    };
    let vpc_title = format!(
        "VPC {}{} · DNS support {} · DNS hostnames {}",
        net.vpc_id,
        net.vpc_name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
        on(&net.dns_support),
        on(&net.dns_hostnames)
    );
    let vpc = c.node(
        "",
        &vpc_title,
        v.mark(Element::Resource(&net.vpc_id), rules::VPC),
        false,
    );
    let mut tables: Vec<(String, String)> = Vec::new();
    let mut endpoint_ids: Vec<(String, String, &str)> = Vec::new();
    for e in &net.endpoints {
        let mut t = format!("{} endpoint {} · {}", e.service, e.id, e.kind);
        if let Some(s) = &e.state {
            let _ = write!(t, " · {s}");
        }
        if e.kind.eq_ignore_ascii_case("Interface") {
            let _ = write!(
                t,
                " · private DNS {}",
                match e.private_dns {
                    Some(true) => "on",
                    Some(false) => "off",
                    None => "unknown",
                }
            );
        }
        let rules = match e.service {
            "imagebuilder" => rules::IMAGEBUILDER,
            "s3" => rules::S3,
            _ => rules::ENDPOINT,
        };
        let id = c.node("", &t, v.mark(Element::Resource(&e.id), rules), false);
        let _ = writeln!(c.text, "{vpc} --- {id}");
        endpoint_ids.push((e.id.clone(), id, e.service));
    }
    if let Known::Yes(missing) = &net.missing {
        for service in missing {
            let rule = match *service {
                "imagebuilder" => "IB001",
                "s3" => "IB012",
                _ => "IB014",
            };
            let worst = v
                .findings
                .iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.severity)
                .max();
            let id = c.node(
                "",
                &format!("no {service} endpoint"),
                worst.map_or(Mark::Fine, Mark::Finding),
                true,
            );
            let _ = writeln!(c.text, "{vpc} -.- {id}");
        }
    }
    for s in &net.subnets {
        let t = format!(
            "subnet {}{} · {}{}",
            s.id,
            s.name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            s.zone.as_deref().unwrap_or("zone unknown"),
            if s.build { " · build" } else { "" }
        );
        let sid = c.node(
            "",
            &t,
            v.mark(Element::Resource(&s.id), rules::SUBNET),
            false,
        );
        let _ = writeln!(c.text, "{vpc} --- {sid}");
        match &s.route_table {
            Known::Yes(t) => {
                let tid = match tables.iter().find(|(id, _)| *id == t.id) {
                    Some((_, n)) => n.clone(),
                    None => {
                        let hops: Vec<String> = t
                            .hops
                            .iter()
                            .map(|h| match h.kind {
                                HopKind::S3Gateway => format!("S3 → {}", h.target),
                                k => format!("{} → {}", h.destination, k.label()),
                            })
                            .collect();
                        let text = format!(
                            "route table {}{} · {}",
                            t.id,
                            if t.main { " (main)" } else { "" },
                            if hops.is_empty() {
                                "no S3 or default route".to_string()
                            } else {
                                hops.join(" · ")
                            }
                        );
                        let n = c.node("", &text, Mark::Fine, false);
                        for h in t.hops.iter().filter(|h| h.kind == HopKind::S3Gateway) {
                            if let Some((_, e, _)) =
                                endpoint_ids.iter().find(|(id, _, _)| *id == h.target)
                            {
                                let _ = writeln!(c.text, "{n} --> {e}");
                            }
                        }
                        tables.push((t.id.clone(), n.clone()));
                        n
                    }
                };
                let _ = writeln!(c.text, "{sid} --> {tid}");
            }
            Known::Unknown(_) => {
                let n = c.node("", "route table unknown", Mark::Unknown, true);
                let _ = writeln!(c.text, "{sid} --> {n}");
            }
        }
    }
    let s3: Vec<String> = endpoint_ids
        .iter()
        .filter(|(_, _, s)| *s == "s3")
        .map(|(_, n, _)| n.clone())
        .collect();
    for b in &net.buckets {
        let el = Element::Bucket {
            rule: b.rule,
            key: &b.key,
        };
        let id = c.node(
            "",
            &format!("bucket {}", b.name),
            v.mark(el, &[b.rule]),
            false,
        );
        for e in &s3 {
            let _ = writeln!(c.text, "{e} --> {id}");
        }
    }
    c.text.push_str(
        "classDef critical fill:#f5c2c7,stroke:#842029\nclassDef high fill:#f8d7da,stroke:#b02a37\nclassDef medium fill:#fff3cd,stroke:#997404\nclassDef low fill:#cff4fc,stroke:#087990\nclassDef info fill:#e2e3e5,stroke:#41464b\nclassDef unknown fill:#ffffff,stroke:#6c757d,stroke-dasharray:4 3\n",
    );
    for class in ["critical", "high", "medium", "low", "info", "unknown"] {
        let ids: Vec<String> = c
            .classes
            .iter()
            .filter(|(_, k)| *k == class)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(c.text, "class {} {class}", ids.join(","));
        }
    }
    c.text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_end_the_label_the_statement_or_the_fence() {
        let l = label("a\"]; click n0 call x() %% `` ``` <b>#1&\n");
        assert!(!l.contains('"') && !l.contains('`') && !l.contains('<') && !l.contains('\n'));
        assert_eq!(
            l,
            "a#quot;]; click n0 call x() %% #96;#96; #96;#96;#96; #lt;b#gt;#35;1#amp;\\u{a}"
        );
    }
}
