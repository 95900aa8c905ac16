//! The report as one self-contained HTML file: a summary, the findings
//! (filtered, sorted and paged in the page), each rule's page, and for each
//! VPC that Image Builder uses its path drawn as SVG (laid out by
//! [`crate::svg`], not by the browser).
//!
//! Nothing is fetched: the style and the script are inline and allowed by
//! their SHA-256 hashes in the page's Content-Security-Policy, which
//! allows nothing else (`default-src 'none'`); there is no inline event
//! handler and no link out of the page. Every string from the report is
//! escaped for where it goes: HTML text and attributes here, XML in the
//! SVG, and the findings' data as JSON in a `<script type="application/json">`
//! block with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`,
//! which the script reads and writes into the page with `textContent`
//! only.
//!
//! The file is bounded: at most [`MAX_FINDINGS`] findings (most severe
//! first; the note says how many were left out) and [`MAX_DRAWN`] VPC
//! drawings (those with findings first).

use std::fmt::Write;

use ibaudit_rules::{registry, Finding, Report, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::paths::View;
use crate::Summary;

const CSS: &str = include_str!("html.css");
const JS: &str = include_str!("html.js");

/// Findings in the page at most; the JSON report has them all.
pub const MAX_FINDINGS: usize = 20_000;
/// VPC drawings at most, those with findings first.
pub const MAX_DRAWN: usize = 200;
/// IB900 findings listed in the summary at most.
const MAX_GAPS_LISTED: usize = 50;

/// Text escaped for HTML text and attribute values (quoted), made inert.
pub fn escape(s: &str) -> String {
    crate::svg::escape(s)
}

/// `'sha256-<base64>'` of `text`, as CSP source expressions name an inline
/// script or style.
pub fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's Content-Security-Policy: its own style and script, by hash;
/// nothing from anywhere, not even the page's own origin.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(JS),
        csp_hash(CSS)
    )
}

/// JSON safe inside a `<script>` element: no `<`, `>` or `&` (so no
/// `</script>` or `<!--`), and the line separators JavaScript once
/// rejected, written as escapes; `JSON.parse` reads it unchanged.
fn script_json(v: &Value) -> String {
    let text = serde_json::to_string(v).expect("JSON values serialise");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn finding_data(f: &Finding) -> Value {
    let mut v = json!({
        "fingerprint": f.fingerprint,
        "rule": f.rule,
        "name": f.name,
        "outcome": f.outcome,
        "severity": f.severity.as_str(),
        "not_assessed": f.not_assessed,
        "account_id": crate::inert(&f.account_id),
        "region": crate::inert(&f.region),
        "resource_type": f.resource_type,
        "resource_id": crate::inert(&f.resource_id),
        "message": crate::inert(&f.message),
    });
    let put = |v: &mut Value, k: &str, s: &Option<String>| {
        if let Some(s) = s {
            v[k] = Value::String(crate::inert(s).into_owned());
        }
    };
    put(&mut v, "account_name", &f.account_name);
    put(&mut v, "resource_name", &f.resource_name);
    put(&mut v, "resource_arn", &f.resource_arn);
    if let Some(l) = &f.location {
        let mut loc = json!({
            "file": crate::inert(&l.file),
            "line": l.line,
            "column": l.column,
        });
        put(&mut loc, "address", &l.address);
        put(&mut loc, "logical_id", &l.logical_id);
        v["location"] = loc;
    }
    if let Some(i) = f.introduced {
        v["introduced"] = Value::Bool(i);
    }
    v
}

fn severity_cards(report: &Report, out: &mut String) {
    let s = Summary::of(report);
    out.push_str(r#"<div class="cards">"#);
    for sev in Severity::ALL {
        let n = s
            .by_severity
            .iter()
            .find(|(x, _)| *x == sev)
            .map_or(0, |(_, n)| *n);
        let _ = write!(
            out,
            r#"<div class="card {0}" data-severity="{0}"><b>{n}</b>{0}</div>"#,
            sev.as_str()
        );
    }
    let _ = write!(
        out,
        r#"<div class="card unknown" data-severity="not-assessed"><b>{}</b>not assessed</div>"#,
        s.not_assessed
    );
    if s.suppressed > 0 {
        let _ = write!(
            out,
            r#"<div class="card"><b>{}</b>suppressed</div>"#,
            s.suppressed
        );
    }
    out.push_str("</div>");
}

fn by_account_region(report: &Report, out: &mut String) {
    let mut rows: std::collections::BTreeMap<(&str, &str), [usize; 6]> = Default::default();
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        let row = rows
            .entry((f.account_id.as_str(), f.region.as_str()))
            .or_default();
        let i = if f.not_assessed {
            5
        } else {
            Severity::ALL
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(4)
        };
        row[i] += 1;
    }
    if let Some(scope) = &report.scope {
        for a in &scope.accounts {
            for r in &a.regions {
                rows.entry((a.account_id.as_str(), r.region.as_str()))
                    .or_default();
            }
        }
    }
    out.push_str(
        r#"<table class="by-place"><thead><tr><th>account</th><th>region</th><th>critical</th><th>high</th><th>medium</th><th>low</th><th>info</th><th>not assessed</th></tr></thead><tbody>"#,
    );
    for ((account, region), counts) in rows.iter().take(500) {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td>",
            escape(account),
            escape(region)
        );
        for n in counts {
            let _ = write!(out, "<td>{n}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    if rows.len() > 500 {
        let _ = write!(
            out,
            r#"<p class="muted">{} more account-regions are not listed; the JSON report has them.</p>"#,
            rows.len() - 500
        );
    }
}

fn not_assessed(report: &Report, out: &mut String) {
    let gaps: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.not_assessed)
        .collect();
    out.push_str(r#"<h2 id="not-assessed">Not assessed</h2>"#);
    let deadline = report.scope.as_ref().is_some_and(|s| s.stopped_at_deadline);
    if deadline {
        out.push_str("<p><b>The scan stopped at its maximum duration: what it did not reach is not in this report.</b></p>");
    }
    if gaps.is_empty() && !deadline {
        out.push_str("<p>Everything in scope was assessed.</p>");
        return;
    }
    let _ = write!(
        out,
        "<p>{} gap(s): the audit is incomplete, and what these blocked is drawn as unknown, never as fine.</p><ul class=\"gaps\">",
        gaps.len()
    );
    for f in gaps.iter().take(MAX_GAPS_LISTED) {
        let _ = write!(
            out,
            r##"<li><a href="#f-{}"><code>{}</code> <code>{}</code></a>: {}</li>"##,
            escape(&f.fingerprint),
            escape(&f.account_id),
            escape(&f.region),
            escape(&f.message)
        );
    }
    out.push_str("</ul>");
    if gaps.len() > MAX_GAPS_LISTED {
        let _ = write!(
            out,
            r#"<p class="muted">{} more are in the findings below (filter: not assessed).</p>"#,
            gaps.len() - MAX_GAPS_LISTED
        );
    }
}

fn filters(out: &mut String) {
    out.push_str(r#"<div class="filters"><input id="q" type="search" placeholder="Filter: rule, resource, account, region, any text" aria-label="Filter the findings"><select id="f-severity" aria-label="Severity"><option value="">every severity</option>"#);
    for s in Severity::ALL {
        let _ = write!(out, r#"<option value="{0}">{0}</option>"#, s.as_str());
    }
    out.push_str(r#"<option value="not-assessed">not assessed</option></select><select id="f-rule" aria-label="Rule"><option value="">every rule</option></select><select id="f-account" aria-label="Account"><option value="">every account</option></select><select id="f-region" aria-label="Region"><option value="">every region</option></select><button id="show-all" type="button" hidden>Show every finding</button></div>"#);
}

fn diagrams(views: &[View<'_>], out: &mut String) {
    out.push_str(r#"<h2 id="paths">Paths</h2><p>Each VPC that Image Builder uses, as a build sees it: build subnets and their route tables, the endpoints for Image Builder, Systems Manager and S3, and the buckets at the end of the S3 path. An element a finding is about is marked with its severity and links to it; what was not assessed is dashed with a <b>?</b>, never drawn as fine.</p><div class="legend"><span class="badge-sev critical">critical</span><span class="badge-sev high">high</span><span class="badge-sev medium">medium</span><span class="badge-sev low">low</span><span class="badge-sev info">info</span><span class="badge-sev unknown">? not assessed</span><span class="badge-sev ok">no finding</span></div>"#);
    if views.is_empty() {
        out.push_str("<p>No VPC in the report uses Image Builder.</p>");
        return;
    }
    for v in views.iter().take(MAX_DRAWN) {
        let worst = v.worst();
        let (class, label) = match worst {
            Some(_)
                if v.findings
                    .iter()
                    .chain(&v.region_gaps)
                    .all(|f| f.not_assessed) =>
            {
                ("unknown", "not assessed".to_string())
            }
            Some(s) => (s.as_str(), s.as_str().to_string()),
            None => ("ok", "no finding".to_string()),
        };
        let n = v.findings.len() + v.region_gaps.len();
        let _ = write!(
            out,
            r#"<details class="vpc" data-vpc="{}"{}><summary><code>{}</code>{} in <code>{}</code> <code>{}</code><span class="badge-sev {class}">{label}</span> <span class="muted">{n} finding(s)</span></summary><div class="diagram">{}</div></details>"#,
            escape(&v.net.vpc_id),
            if worst.is_some() { " open" } else { "" },
            escape(&v.net.vpc_id),
            v.net
                .vpc_name
                .as_ref()
                .map(|n| format!(" ({})", escape(n)))
                .unwrap_or_default(),
            escape(&v.net.account_id),
            escape(&v.net.region),
            crate::svg::render(v),
        );
    }
    if views.len() > MAX_DRAWN {
        let with = views[MAX_DRAWN..]
            .iter()
            .filter(|v| v.worst().is_some())
            .count();
        let _ = write!(
            out,
            r#"<p class="note">{} more VPC(s) are not drawn ({with} of them with findings): at most {MAX_DRAWN} drawings per page, the most severe first. Their findings are in the table.</p>"#,
            views.len() - MAX_DRAWN
        );
    }
}

/// A rule's doc page (ours, compiled in) as HTML: raw HTML in it is shown
/// as text, and links are written as their text and address, not followed.
fn rule_page(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut link: Vec<String> = Vec::new();
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Some(Event::Text(t)),
        Event::Start(Tag::Link { dest_url, .. }) => {
            link.push(dest_url.to_string());
            None
        }
        Event::End(TagEnd::Link) => link.pop().map(|u| Event::Text(format!(" ({u})").into())),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
            level: level
                .min(pulldown_cmark::HeadingLevel::H4)
                .max(pulldown_cmark::HeadingLevel::H3),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        e => Some(e),
    });
    // Headings keep their level pairs: the end tags are rewritten alike.
    let events: Vec<Event<'_>> = events
        .map(|e| match e {
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(
                level
                    .min(pulldown_cmark::HeadingLevel::H4)
                    .max(pulldown_cmark::HeadingLevel::H3),
            )),
            e => e,
        })
        .collect();
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

fn rule_pages(out: &mut String) {
    out.push_str(r#"<h2 id="rules">Rules</h2><p>What each rule checks, why it matters and how to fix it.</p>"#);
    for rule in registry() {
        let meta = rule.meta();
        let page = meta.doc_page();
        let _ = write!(
            out,
            r#"<details class="rule" id="rule-{0}"><summary><b>{0}</b> {1} <span class="muted">{2}</span></summary>{3}</details>"#,
            escape(meta.id),
            escape(meta.name),
            escape(page.summary),
            rule_page(page.text)
        );
    }
}

/// The report as one HTML page.
pub fn render(report: &Report) -> String {
    let views = crate::paths::views(report);
    let kept: Vec<&Finding> = {
        let mut k: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        k.sort_by_key(|f| std::cmp::Reverse((f.not_assessed, f.severity)));
        k
    };
    let listed = &kept[..kept.len().min(MAX_FINDINGS)];
    let data = json!({
        "findings": listed.iter().map(|f| finding_data(f)).collect::<Vec<_>>(),
        "total": kept.len(),
    });

    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{}"><meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ibaudit report</title><style>{CSS}</style></head><body>"#,
        content_security_policy()
    );
    let _ = write!(
        out,
        r#"<header><h1>ibaudit report</h1><p class="muted">{} · {} account(s) · collected {} · ibaudit {}</p></header><main>"#,
        escape(&crate::table::summary_line(report)),
        report.accounts.len(),
        escape(&report.collected_at),
        crate::TOOL_VERSION
    );
    out.push_str(r#"<h2 id="summary">Summary</h2>"#);
    severity_cards(report, &mut out);
    by_account_region(report, &mut out);
    not_assessed(report, &mut out);
    if !report.notes.is_empty() {
        out.push_str(r#"<h2 id="notes">Notes</h2><ul>"#);
        for n in &report.notes {
            let _ = write!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ul>");
    }
    out.push_str(r#"<h2 id="findings-title">Findings</h2>"#);
    if listed.len() < kept.len() {
        let _ = write!(
            out,
            r#"<p class="note"><b>{} of {} findings are in this page</b> (the most severe; at most {MAX_FINDINGS}). The JSON report has them all.</p>"#,
            listed.len(),
            kept.len()
        );
    }
    filters(&mut out);
    out.push_str(r#"<div class="pager"><button id="prev" type="button">Previous</button><button id="next" type="button">Next</button><span id="status" role="status"></span></div><table id="findings"><thead><tr><th data-sort="severity">severity</th><th data-sort="rule">rule</th><th data-sort="account_id">account</th><th data-sort="region">region</th><th data-sort="resource">resource</th><th>finding</th></tr></thead><tbody></tbody></table>"#);
    diagrams(&views, &mut out);
    rule_pages(&mut out);
    let _ = write!(
        out,
        r#"</main><script type="application/json" id="report-data">{}</script><script>{JS}</script></body></html>"#,
        script_json(&data)
    );
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = json!({"m": "</script><!-- & \u{2028}"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn the_policy_allows_only_the_pages_own_style_and_script() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; script-src 'sha256-"));
        assert!(!csp.contains("unsafe") && !csp.contains("http") && !csp.contains("'self'"));
        assert_eq!(csp.matches("'sha256-").count(), 2);
    }

    #[test]
    fn rule_pages_show_raw_html_as_text_and_follow_no_link() {
        let html = rule_page(
            "# T\n\nx <img src=x onerror=alert(1)> [AWS](https://docs.aws.amazon.com/x)\n",
        );
        assert!(!html.contains("<img") && !html.contains("<a "), "{html}");
        assert!(html.contains("&lt;img") && html.contains("AWS (https://docs.aws.amazon.com/x)"));
    }
}
