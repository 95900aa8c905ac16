//! One VPC's path drawn as SVG, laid out here (fixed columns, rows in the
//! network's order): the same network always gives the same bytes.
//!
//! Columns, left to right: the build subnets (with their Availability
//! Zones), their route tables and the routes that matter, the endpoints for
//! Image Builder, Systems Manager and S3, and the buckets at the end of the
//! S3 path. Each element a finding is about is marked with its severity and
//! links to the finding (`#f-<fingerprint>`); what was not assessed is drawn
//! dashed with a `?`, never as fine.

use std::fmt::Write;

use ibaudit_rules::network::{Element, HopKind, Known, Network};
use ibaudit_rules::Finding;

use crate::paths::{rules, Mark, View};

const PAD: i32 = 16;
const HEADER: i32 = 58;
const COLUMNS: [(i32, i32); 4] = [(16, 250), (300, 250), (584, 290), (908, 276)];
const WIDTH: i32 = 1200;
/// Pixels per character at the drawing's 12px font, for cutting text to fit.
const CHAR: i32 = 7;

/// Text escaped for SVG (XML) character data and attribute values, made
/// inert first (control characters shown as `\u{..}`).
pub fn escape(s: &str) -> String {
    let s = crate::inert(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` in lines of at most `width` pixels.
fn wrap(s: &str, width: i32) -> Vec<String> {
    let max = ((width - 2 * 8) / CHAR).max(4) as usize;
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(max).map(|c| c.iter().collect()).collect()
}

/// `s` cut to `width` pixels, with an ellipsis when cut.
fn fit(s: &str, width: i32) -> String {
    let max = ((width - 2 * 8) / CHAR).max(4) as usize;
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

struct Box_ {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Box_ {
    fn right(&self) -> (i32, i32) {
        (self.x + self.w, self.y + self.h / 2)
    }
    fn left(&self) -> (i32, i32) {
        (self.x, self.y + self.h / 2)
    }
}

/// One element: a box with a title, lines of detail, its mark and its
/// findings (the first, most severe, is the link target).
struct Node<'a> {
    kind: &'static str,
    id: String,
    title: String,
    lines: Vec<String>,
    mark: Mark,
    findings: Vec<&'a Finding>,
    dashed: bool,
}

fn node_height(n: &Node<'_>) -> i32 {
    30 + 15 * n.lines.len() as i32
}

fn draw(out: &mut String, n: &Node<'_>, b: &Box_) {
    let mut findings: Vec<&Finding> = n.findings.clone();
    findings.sort_by_key(|f| {
        (
            std::cmp::Reverse((!f.is_not_assessed(), f.severity)),
            f.rule,
        )
    });
    let fps: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let class = format!(
        "el {} m-{}{}",
        n.kind,
        n.mark.class(),
        if n.dashed || n.mark == Mark::Unknown {
            " dashed"
        } else {
            ""
        }
    );
    let _ = write!(
        out,
        r#"<g class="{class}" data-id="{}" data-mark="{}""#,
        escape(&n.id),
        n.mark.class()
    );
    if !fps.is_empty() {
        let _ = write!(out, r#" data-finding="{}""#, escape(&fps.join(" ")));
    }
    out.push('>');
    if let Some(first) = fps.first() {
        let _ = write!(out, r##"<a href="#f-{}">"##, escape(first));
    }
    let rules: Vec<&str> = {
        let mut r: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        r.dedup();
        r
    };
    let _ = write!(
        out,
        r#"<title>{}</title>"#,
        escape(&if rules.is_empty() {
            format!("{} {}: {}", n.kind, n.id, n.mark.label())
        } else {
            format!(
                "{} {}: {} ({})",
                n.kind,
                n.id,
                n.mark.label(),
                rules.join(", ")
            )
        })
    );
    let _ = write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6"/>"#,
        b.x, b.y, b.w, b.h
    );
    let _ = write!(
        out,
        r#"<text class="t" x="{}" y="{}">{}</text>"#,
        b.x + 8,
        b.y + 18,
        escape(&fit(
            &n.title,
            if n.mark == Mark::Fine { b.w } else { b.w - 56 }
        ))
    );
    for (i, line) in n.lines.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            b.x + 8,
            b.y + 34 + 15 * i as i32,
            escape(&fit(line, b.w))
        );
    }
    if n.mark != Mark::Fine {
        let badge = match n.mark {
            Mark::Unknown => "?".to_string(),
            m => m.class().to_uppercase(),
        };
        let bw = 8 + CHAR * badge.chars().count() as i32;
        let _ = write!(
            out,
            r#"<rect class="badge" x="{}" y="{}" width="{bw}" height="16" rx="3"/><text class="bt" x="{}" y="{}">{badge}</text>"#,
            b.x + b.w - bw - 4,
            b.y + 4,
            b.x + b.w - bw,
            b.y + 16
        );
    }
    if !fps.is_empty() {
        out.push_str("</a>");
    }
    out.push_str("</g>");
}

fn edge(out: &mut String, from: (i32, i32), to: (i32, i32), class: &str) {
    let mid = (from.0 + to.0) / 2;
    let _ = write!(
        out,
        r#"<path class="edge {class}" d="M{} {} C{mid} {} {mid} {} {} {}"/>"#,
        from.0, from.1, from.1, to.1, to.0, to.1
    );
}

fn on_off(v: &Known<bool>) -> String {
    match v {
        Known::Yes(true) => "on".into(),
        Known::Yes(false) => "off".into(),
        Known::Unknown(_) => "unknown".into(),
    }
}

fn with_name(id: &str, name: Option<&String>) -> String {
    match name {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

/// The nodes of each column, in order.
struct Layout<'a> {
    subnets: Vec<Node<'a>>,
    /// Route tables, each with the subnet rows that use it.
    tables: Vec<(Node<'a>, Vec<usize>, Vec<String>)>,
    endpoints: Vec<(Node<'a>, Option<String>)>,
    buckets: Vec<Node<'a>>,
}

fn layout<'a>(v: &View<'a>) -> Layout<'a> {
    let net: &Network = v.net;
    let mut subnets = Vec::new();
    let mut tables: Vec<(Node<'a>, Vec<usize>, Vec<String>)> = Vec::new();
    for (i, s) in net.subnets.iter().enumerate() {
        let el = Element::Resource(&s.id);
        subnets.push(Node {
            kind: "subnet",
            id: s.id.clone(),
            title: s.id.clone(),
            lines: s
                .name
                .iter()
                .cloned()
                .chain([
                    format!(
                        "{} · {}",
                        s.zone.as_deref().unwrap_or("zone unknown"),
                        if s.build {
                            "build subnet"
                        } else {
                            "endpoint subnet"
                        }
                    ),
                    match &s.route_table {
                        Known::Yes(t) if t.main => format!("{} (main)", t.id),
                        Known::Yes(t) => t.id.clone(),
                        Known::Unknown(_) => "route table unknown".to_string(),
                    },
                ])
                .collect(),
            mark: v.mark(el, rules::SUBNET),
            findings: v.about(el),
            dashed: false,
        });
        match &s.route_table {
            Known::Yes(t) => {
                if let Some(row) = tables.iter_mut().find(|(n, _, _)| n.id == t.id) {
                    row.1.push(i);
                    continue;
                }
                let mut lines: Vec<String> = t
                    .hops
                    .iter()
                    .map(|h| match h.kind {
                        HopKind::S3Gateway => format!("S3 → {}", h.target),
                        k => format!("{} → {} {}", h.destination, k.label(), h.target),
                    })
                    .collect();
                if !t.hops.iter().any(|h| h.kind == HopKind::S3Gateway) {
                    lines.push("no S3 gateway route".into());
                }
                if !t.hops.iter().any(|h| h.kind != HopKind::S3Gateway) {
                    lines.push("no default route".into());
                }
                let targets = t.hops.iter().map(|h| h.target.clone()).collect();
                tables.push((
                    Node {
                        kind: "route-table",
                        id: t.id.clone(),
                        title: t.id.clone(),
                        lines,
                        mark: Mark::Fine,
                        findings: Vec::new(),
                        dashed: false,
                    },
                    vec![i],
                    targets,
                ));
            }
            Known::Unknown(why) => tables.push((
                Node {
                    kind: "route-table",
                    id: format!("unknown:{}", s.id),
                    title: "route table unknown".into(),
                    lines: vec![why.clone()],
                    mark: Mark::Unknown,
                    findings: Vec::new(),
                    dashed: true,
                },
                vec![i],
                Vec::new(),
            )),
        }
    }

    let mut endpoints = Vec::new();
    for e in &net.endpoints {
        let el = Element::Resource(&e.id);
        let mut lines: Vec<String> = std::iter::once(e.id.clone())
            .chain(e.name.iter().cloned())
            .collect();
        lines.push(format!(
            "{} · {}",
            e.kind,
            e.state.as_deref().unwrap_or("state unknown")
        ));
        if e.kind.eq_ignore_ascii_case("Interface") {
            lines.push(format!(
                "private DNS {}",
                match e.private_dns {
                    Some(true) => "on",
                    Some(false) => "off",
                    None => "unknown",
                }
            ));
            lines.push(match &e.zones {
                Known::Yes(z) if z.is_empty() => "no zone".to_string(),
                Known::Yes(z) => format!("zones {}", z.join(", ")),
                Known::Unknown(_) => "zones unknown".to_string(),
            });
            if e.service == "imagebuilder" {
                let verdict = if v.about(el).iter().any(|f| f.rule == "IB005") {
                    "blocked"
                } else if v.blocked("IB005") || v.about(el).iter().any(|f| f.is_not_assessed()) {
                    "unknown"
                } else {
                    "allowed"
                };
                lines.push(format!("TCP 443 in: {verdict}"));
            }
            if !e.security_groups.is_empty() {
                lines.push(format!("SG {}", e.security_groups.join(", ")));
            }
        }
        lines.push(if e.custom_policy {
            "custom policy".into()
        } else {
            "default policy".into()
        });
        let rules = match e.service {
            "imagebuilder" => rules::IMAGEBUILDER,
            "s3" => rules::S3,
            _ => rules::ENDPOINT,
        };
        endpoints.push((
            Node {
                kind: "endpoint",
                id: e.id.clone(),
                title: format!("{} endpoint", e.service),
                lines,
                mark: v.mark(el, rules),
                findings: v.about(el),
                dashed: false,
            },
            Some(e.service.to_string()),
        ));
    }
    let missing: Vec<&str> = match &net.missing {
        Known::Yes(m) => m.clone(),
        Known::Unknown(_) => Vec::new(),
    };
    for service in missing {
        let rule = match service {
            "imagebuilder" => "IB001",
            "s3" => "IB012",
            _ => "IB014",
        };
        let fs: Vec<&Finding> = v
            .findings
            .iter()
            .copied()
            .filter(|f| f.rule == rule)
            .collect();
        let worst = fs.iter().map(|f| f.severity).max();
        endpoints.push((
            Node {
                kind: "endpoint missing",
                id: format!("missing:{service}"),
                title: format!("{service}: no endpoint"),
                lines: vec![match service {
                    "s3" => "S3 only through a route".to_string(),
                    _ => "calls leave the VPC, if routed".to_string(),
                }],
                mark: worst.map_or(
                    if v.blocked(rule) {
                        Mark::Unknown
                    } else {
                        Mark::Fine
                    },
                    Mark::Finding,
                ),
                findings: fs,
                dashed: true,
            },
            None,
        ));
    }
    if let Known::Unknown(why) = &net.missing {
        endpoints.push((
            Node {
                kind: "endpoint missing",
                id: "unknown:endpoints".into(),
                title: "endpoints unknown".into(),
                lines: vec![why.clone()],
                mark: Mark::Unknown,
                findings: Vec::new(),
                dashed: true,
            },
            None,
        ));
    }

    let s3_custom = net
        .endpoints
        .iter()
        .any(|e| e.service == "s3" && e.custom_policy);
    let buckets = net
        .buckets
        .iter()
        .map(|b| {
            let el = Element::Bucket {
                rule: b.rule,
                key: &b.key,
            };
            let about = v.about(el);
            let verdict = if about.iter().any(|f| f.outcome == "blocks") {
                "endpoint policy blocks it"
            } else if about.iter().any(|f| !f.is_not_assessed()) {
                "endpoint policy: cannot prove"
            } else if v.blocked(b.rule) {
                "endpoint policy: not assessed"
            } else if v.findings.iter().any(|f| f.rule == "IB012") {
                "not reached from a build subnet (IB012)"
            } else if s3_custom {
                "endpoint policy allows it"
            } else {
                "no custom S3 endpoint policy"
            };
            let mut lines = wrap(&b.name, COLUMNS[3].1);
            lines.push(verdict.to_string());
            Node {
                kind: "bucket",
                id: b.key.clone(),
                title: format!(
                    "{} ({})",
                    if b.rule == "IB010" {
                        "AWSTOE"
                    } else {
                        "managed components"
                    },
                    b.environment
                ),
                lines,
                mark: v.mark(el, &[b.rule]),
                findings: about,
                dashed: false,
            }
        })
        .collect();
    Layout {
        subnets,
        tables,
        endpoints,
        buckets,
    }
}

/// The drawing of one network, with `id` for the element's `id` attribute.
pub fn render(v: &View<'_>) -> String {
    let net = v.net;
    let l = layout(v);
    let vpc_el = Element::Resource(&net.vpc_id);
    let vpc_mark = v.mark(vpc_el, rules::VPC);

    // Rows, top down per column.
    let place = |nodes: &mut dyn Iterator<Item = &Node<'_>>, col: usize| -> Vec<Box_> {
        let (x, w) = COLUMNS[col];
        let mut y = HEADER + 26;
        nodes
            .map(|n| {
                let h = node_height(n);
                let b = Box_ { x, y, w, h };
                y += h + 12;
                b
            })
            .collect()
    };
    let sb = place(&mut l.subnets.iter(), 0);
    let tb = place(&mut l.tables.iter().map(|(n, _, _)| n), 1);
    let eb = place(&mut l.endpoints.iter().map(|(n, _)| n), 2);
    let bb = place(&mut l.buckets.iter(), 3);
    let bottom = [&sb, &tb, &eb, &bb]
        .iter()
        .filter_map(|c| c.last().map(|b| b.y + b.h))
        .max()
        .unwrap_or(HEADER + 26)
        + PAD;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="vpc-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {bottom}" width="{WIDTH}" height="{bottom}" role="img" data-vpc="{}" data-account="{}" data-region="{}" aria-label="{}">"#,
        escape(&net.vpc_id),
        escape(&net.account_id),
        escape(&net.region),
        escape(&format!(
            "Path from {} in {} {} to Image Builder, Systems Manager and S3",
            net.vpc_id, net.account_id, net.region
        )),
    );
    // The VPC itself: the frame and its DNS attributes.
    let vpc = Node {
        kind: "vpc",
        id: net.vpc_id.clone(),
        title: format!(
            "VPC {} · {} · {}",
            with_name(&net.vpc_id, net.vpc_name.as_ref()),
            net.account_id,
            net.region
        ),
        lines: vec![format!(
            "DNS support {} · DNS hostnames {}{}",
            on_off(&net.dns_support),
            on_off(&net.dns_hostnames),
            if v.region_gaps.is_empty() {
                String::new()
            } else {
                format!(
                    " · not assessed here: {}",
                    v.region_gaps
                        .iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        )],
        mark: vpc_mark,
        findings: v
            .about(vpc_el)
            .into_iter()
            .chain(v.region_gaps.iter().copied())
            .collect(),
        dashed: matches!(net.dns_support, Known::Unknown(_))
            || matches!(net.dns_hostnames, Known::Unknown(_)),
    };
    draw(
        &mut out,
        &vpc,
        &Box_ {
            x: PAD / 2,
            y: 4,
            w: WIDTH - PAD,
            h: HEADER - 8,
        },
    );
    for (i, title) in [
        "build subnets",
        "route tables",
        "endpoints",
        "S3 buckets (AWS)",
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            out,
            r#"<text class="col" x="{}" y="{}">{title}</text>"#,
            COLUMNS[i].0,
            HEADER + 16
        );
    }
    // Edges under the boxes.
    for (t, (_, rows, _)) in l.tables.iter().enumerate() {
        for &r in rows {
            edge(&mut out, sb[r].right(), tb[t].left(), "route");
        }
    }
    for (t, (_, _, targets)) in l.tables.iter().enumerate() {
        for (e, (n, _)) in l.endpoints.iter().enumerate() {
            if targets.contains(&n.id) {
                edge(&mut out, tb[t].right(), eb[e].left(), "s3");
            }
        }
    }
    // Interface endpoints are reached inside the VPC (its local route).
    let local: Vec<usize> = l
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, (n, s))| s.as_deref() != Some("s3") && !n.kind.contains("missing"))
        .map(|(i, _)| i)
        .collect();
    if let (Some(&first), Some(&last)) = (local.first(), local.last()) {
        let x = COLUMNS[2].0 - 14;
        let _ = write!(
            out,
            r#"<path class="edge local" d="M{x} {} V{}"/>"#,
            eb[first].left().1,
            eb[last].left().1
        );
        for &i in &local {
            let (ex, ey) = eb[i].left();
            let _ = write!(out, r#"<path class="edge local" d="M{x} {ey} H{ex}"/>"#);
        }
    }
    for (e, (n, s)) in l.endpoints.iter().enumerate() {
        if s.as_deref() == Some("s3") && !n.kind.contains("missing") {
            for b in &bb {
                edge(&mut out, eb[e].right(), b.left(), "s3");
            }
        }
    }
    for (n, b) in l.subnets.iter().zip(&sb) {
        draw(&mut out, n, b);
    }
    for ((n, _, _), b) in l.tables.iter().zip(&tb) {
        draw(&mut out, n, b);
    }
    for ((n, _), b) in l.endpoints.iter().zip(&eb) {
        draw(&mut out, n, b);
    }
    for (n, b) in l.buckets.iter().zip(&bb) {
        draw(&mut out, n, b);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_controls() {
        let e = escape("<img src=x onerror=\"a\">'&\u{1b}[2K\r");
        assert_eq!(
            e,
            "&lt;img src=x onerror=&quot;a&quot;&gt;&#39;&amp;\\u{1b}[2K\\u{d}"
        );
    }

    #[test]
    fn fit_cuts_by_characters_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 100), "abcdef");
        let cut = fit(&"x".repeat(100), 100);
        assert_eq!(cut.chars().count(), 12);
        assert!(cut.ends_with('…'));
    }
}
