//! Each VPC's path, drawn: the SVG of the HTML report and the Mermaid
//! flowcharts of the markdown report, on the demo and on hostile names.
//! (The pages in a real browser are `html.rs`.)

use ibaudit_report::paths::{views, View};
use ibaudit_report::{html, mermaid, svg};
use serde_json::Value;

use crate::common::*;

/// The SVG one element a line, for a readable snapshot.
fn lines(svg: &str) -> String {
    svg.replace("><", ">\n<")
}

fn view<'a>(views: &'a [View<'a>], vpc: &str) -> &'a View<'a> {
    views
        .iter()
        .find(|v| v.net.vpc_id == vpc)
        .unwrap_or_else(|| panic!("no drawing of {vpc}"))
}

#[test]
fn the_build_vpc_is_laid_out_the_same_every_time() {
    let report = audit_file(&demo());
    let all = views(&report);
    let build = view(&all, "vpc-01f2e3d4c5b6a0101");
    let drawn = svg::render(build);
    assert_eq!(drawn, svg::render(build), "the layout is deterministic");
    insta::assert_snapshot!("demo_svg_build_vpc", lines(&drawn));
    insta::assert_snapshot!("demo_mermaid_build_vpc", mermaid::flowchart(build));
    // The same report gives the same page, byte for byte.
    assert_eq!(html::render(&report), html::render(&audit_file(&demo())));
}

/// Every finding about an element of a VPC's path is on that element, and
/// links to its row.
#[test]
fn each_finding_is_marked_on_its_element() {
    let report = audit_file(&demo());
    let all = views(&report);
    assert_eq!(all.len(), 5, "the demo's five Image Builder VPCs");
    let mut marked = 0;
    for v in &all {
        let drawn = svg::render(v);
        for f in &v.findings {
            assert!(
                drawn.contains(&format!("href=\"#f-{}\"", f.fingerprint))
                    || drawn.split("data-finding=\"").skip(1).any(|s| s
                        .split('"')
                        .next()
                        .unwrap()
                        .split(' ')
                        .any(|x| x == f.fingerprint)),
                "{} {} on {} is not drawn in {}",
                f.rule,
                f.outcome,
                f.resource_id,
                v.net.vpc_id
            );
            marked += 1;
        }
    }
    // IB001 IB002 IB003 IB004 IB005 IB010 IB011 IB012 IB014 IB020 IB030
    // IB031 and IB900 of the demo are about a VPC's path; IB021 (a trail)
    // and IB013 (principals) are not drawn.
    let on_paths: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| {
            all.iter()
                .any(|v| v.findings.iter().any(|g| g.fingerprint == f.fingerprint))
        })
        .map(|f| f.rule)
        .collect();
    assert_eq!(marked, on_paths.len());
    for rule in [
        "IB003", "IB004", "IB005", "IB010", "IB011", "IB012", "IB014", "IB900",
    ] {
        assert!(on_paths.contains(&rule), "{rule} is drawn: {on_paths:?}");
    }
}

#[test]
fn what_was_not_assessed_is_drawn_unknown_and_a_clean_vpc_collapsed() {
    let report = audit_file(&demo());
    let all = views(&report);
    // DescribeVpcAttribute was refused for this VPC: its DNS attributes
    // are unknown, and the VPC is marked so, not fine.
    let syd = svg::render(view(&all, "vpc-01f2e3d4c5b6a0202"));
    assert!(syd.contains("DNS support unknown · DNS hostnames unknown"));
    let vpc = syd
        .split("<g ")
        .find(|g| g.contains("data-id=\"vpc-01f2e3d4c5b6a0202\""))
        .unwrap();
    assert!(
        vpc.contains("data-mark=\"unknown\"") && vpc.contains("dashed"),
        "{vpc}"
    );
    // The missing Systems Manager endpoints of an isolated build subnet.
    let legacy = svg::render(view(&all, "vpc-01f2e3d4c5b6a0020"));
    for s in [
        "ssm: no endpoint",
        "ssmmessages: no endpoint",
        "TCP 443 in: blocked",
        "private DNS off",
    ] {
        assert!(legacy.contains(s), "{s}");
    }
    let page = html::render(&report);
    assert!(page.contains(r#"<details class="vpc" data-vpc="vpc-01f2e3d4c5b6a0001"><summary>"#));
    assert!(page.contains(r#"<details class="vpc" data-vpc="vpc-01f2e3d4c5b6a0101" open>"#));
}

/// Strings that would run script, break out of a Mermaid label or rewrite
/// a terminal line, were they not escaped.
pub const HOSTILE_NAMES: [&str; 5] = [
    "<img src=x onerror=\"document.documentElement.dataset.pwned=1\">",
    "</script><script>window.__pwned=1</script>",
    "\"]; n0-->n1; click n0 call alert(1) %% ``` \r\u{1b}[2K",
    "javascript:window.__pwned=1",
    "\"><svg onload=window.__pwned=1>]]><!--",
];

/// The demo with every Name tag of its VPCs, subnets and endpoints set to
/// one of [`HOSTILE_NAMES`].
pub fn hostile_names_snapshot() -> Value {
    let mut doc = read_json(&demo());
    let mut i = 0;
    let mut tag = |v: &mut Value| {
        if let Some(tags) = v.get_mut("Tags").and_then(Value::as_array_mut) {
            for t in tags {
                if t["Key"] == "Name" {
                    t["Value"] = Value::from(HOSTILE_NAMES[i % HOSTILE_NAMES.len()]);
                    i += 1;
                }
            }
        }
    };
    for account in doc["accounts"].as_array_mut().unwrap() {
        for region in account["regions"].as_array_mut().unwrap() {
            for (op, key) in [
                ("DescribeVpcs", "Vpcs"),
                ("DescribeSubnets", "Subnets"),
                ("DescribeVpcEndpoints", "VpcEndpoints"),
            ] {
                if let Some(list) = region.get_mut(op).and_then(|r| r.get_mut(key)) {
                    for v in list.as_array_mut().unwrap() {
                        tag(v);
                    }
                }
            }
        }
    }
    assert!(i >= 10, "the demo has names to replace ({i})");
    doc
}

/// Names anyone who can tag a resource sets, in every context they reach.
#[test]
fn hostile_names_stay_text_in_svg_mermaid_and_the_page() {
    let doc = hostile_names_snapshot();
    let (_dir, path) = write_temp("hostile.json", &doc.to_string());
    let report = audit_file(&path);
    let all = views(&report);
    for v in &all {
        let drawn = svg::render(v);
        assert!(
            !drawn.contains("<img") && !drawn.contains("<script") && !drawn.contains("</script")
        );
        assert!(!drawn.contains('\r') && !drawn.contains('\u{1b}'));
        let chart = mermaid::flowchart(v);
        for line in chart.lines() {
            assert!(
                !line.contains('`') && !line.contains('<') && !line.contains('\r'),
                "{line}"
            );
            if let Some(rest) = line.strip_prefix('n').filter(|l| l.contains("[")) {
                // `nK["label"]` or `nK[/"label"/]`: exactly two quotes, the delimiters.
                assert_eq!(rest.matches('"').count(), 2, "{line}");
            }
        }
    }
    let page = html::render(&report);
    // Outside the one script of the page, no `<script`; no `<img`, no
    // event handler attribute, no javascript: URL as an attribute.
    let script_at = page.rfind("<script>").unwrap();
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the data block and the page's script"
    );
    assert!(page[..script_at].contains(r#"<script type="application/json" id="report-data">"#));
    assert!(
        !page.contains("<img")
            && !page.contains("onerror=\"")
            && !page.contains("href=\"javascript:")
    );
    // The data block is JSON that reads back to the names, as text.
    let data_start = page.find(r#"id="report-data">"#).unwrap() + r#"id="report-data">"#.len();
    let data_end = data_start + page[data_start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&page[data_start..data_end]).unwrap();
    let names: Vec<&str> = data["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["resource_name"].as_str())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("<img src=x")),
        "{names:?}"
    );
    let drawn: String = all.iter().map(mermaid::flowchart).collect();
    assert!(
        drawn.contains("\\u{d}\\u{1b}[2K"),
        "control characters are shown escaped"
    );
}
