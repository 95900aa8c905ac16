//! GitHub-flavoured markdown for `$GITHUB_STEP_SUMMARY` and pull-request
//! comments: a summary by severity and account, then the findings grouped by
//! account and region, each rule id linking to its doc page.
//!
//! Every string from the data is inert: [`text`] backslash-escapes every
//! ASCII punctuation character (CommonMark: "Any ASCII punctuation character
//! may be backslash-escaped"), so data cannot open a link, an image, HTML,
//! emphasis or a table cell; [`code`] puts identifiers in code spans, where
//! GitHub renders no links, mentions or HTML. Control and bidirectional
//! characters are escaped first by [`crate::inert`].

use std::collections::BTreeMap;

use ibaudit_rules::{Finding, Severity};

use crate::{Report, Summary, INFORMATION_URI};

/// GitHub: "The maximum size of a job summary is 1MiB".
pub const STEP_SUMMARY_MAX: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many bytes; the least severe findings are left out beyond.
    pub max_bytes: usize,
    /// Where `rules/IBNNN.md` lives.
    pub repository_url: String,
    /// Findings of the collected account that an IaC change fixes: listed
    /// first with the introduced ones, for a pull-request comment.
    pub fixed: Vec<ibaudit_rules::Finding>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_bytes: STEP_SUMMARY_MAX,
            repository_url: INFORMATION_URI.to_string(),
            fixed: Vec::new(),
        }
    }
}

/// Data as inert markdown text: every ASCII punctuation character escaped
/// (so `https\://` and `www\.` are not autolinked either), `@` in a code span.
pub fn text(s: &str) -> String {
    let s = crate::inert(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '@' {
            // GitHub turns `@name` into a mention (a notification in a
            // pull-request comment) after rendering, escaped or not; it never
            // does inside code, so the `@` goes in a code span of its own.
            out.push_str("`@`");
            continue;
        }
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Data as a code span that is safe inside a table cell: the fence is longer
/// than any run of backticks in it, and `|` is escaped (GFM: a pipe inside a
/// cell, code spans included, must be escaped).
pub fn code(s: &str) -> String {
    let s = crate::inert(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// `[IB003](<repo>/blob/main/rules/IB003.md)`: rule ids are ours, not data.
pub fn rule_link(rule: &str, repository_url: &str) -> String {
    if rule.bytes().all(|b| b.is_ascii_alphanumeric()) {
        format!(
            "[{rule}]({}/blob/main/rules/{rule}.md)",
            repository_url.trim_end_matches('/')
        )
    } else {
        text(rule)
    }
}

fn severity_cell(f: &Finding) -> String {
    if f.is_not_assessed() {
        "not assessed".to_string()
    } else {
        f.severity.as_str().to_string()
    }
}

fn resource_cell(f: &Finding) -> String {
    let mut cell = code(&f.resource_id);
    if let Some(name) = &f.resource_name {
        cell.push_str(" (");
        cell.push_str(&code(name));
        cell.push(')');
    }
    if let Some(arn) = f.resource_arn.as_deref().filter(|a| *a != f.resource_id) {
        cell.push_str("<br>");
        cell.push_str(&code(arn));
    }
    if let Some(l) = &f.location {
        cell.push_str("<br>");
        cell.push_str(&code(&format!("{}:{}", l.file, l.line)));
    }
    cell
}

/// For a change audited in its account: what it introduces and what it
/// fixes, first, as a pull-request comment wants them.
fn change_section(kept: &[&Finding], opts: &Options, out: &mut Out) {
    let introduced: Vec<&&Finding> = kept
        .iter()
        .filter(|f| f.introduced == Some(true) && !f.is_not_assessed())
        .collect();
    if kept.iter().all(|f| f.introduced.is_none()) && opts.fixed.is_empty() {
        return;
    }
    out.push_str(&format!(
        "### This change\n\n{} finding(s) introduced, {} fixed.\n\n",
        introduced.len(),
        opts.fixed.len()
    ));
    if introduced.is_empty() && opts.fixed.is_empty() {
        return;
    }
    out.push_str("| change | severity | rule | resource | finding |\n|---|---|---|---|---|\n");
    for (what, f) in introduced
        .iter()
        .map(|f| ("introduced", **f))
        .chain(opts.fixed.iter().map(|f| ("fixed", f)))
    {
        out.push_str(&format!(
            "| {what} | {} | {} | {} | {} |\n",
            severity_cell(f),
            rule_link(f.rule, &opts.repository_url),
            resource_cell(f),
            text(&f.message)
        ));
    }
    out.push('\n');
}

fn summary_table(report: &Report, out: &mut Out) {
    let mut rows: BTreeMap<&str, [usize; 7]> = BTreeMap::new();
    for a in &report.accounts {
        rows.entry(a.as_str()).or_default();
    }
    for f in &report.findings {
        let row = rows.entry(f.account_id.as_str()).or_default();
        let col = if f.suppressed.is_some() {
            6
        } else if f.is_not_assessed() {
            5
        } else {
            match f.severity {
                Severity::Critical => 0,
                Severity::High => 1,
                Severity::Medium => 2,
                Severity::Low => 3,
                Severity::Info => 4,
            }
        };
        row[col] += 1;
    }
    out.push_str(
        "| account | critical | high | medium | low | info | not assessed | suppressed |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut total = [0usize; 7];
    for (account, counts) in &rows {
        out.push_str(&format!("| {} |", code(account)));
        for (i, n) in counts.iter().enumerate() {
            total[i] += n;
            out.push_str(&format!(" {n} |"));
        }
        out.push('\n');
    }
    if rows.len() > 1 {
        out.push_str("| **total** |");
        for n in total {
            out.push_str(&format!(" **{n}** |"));
        }
        out.push('\n');
    }
}

/// Markdown text being written, kept to at most `cap` bytes: what goes past
/// it is only noted (`over`), so a report of many findings never holds more
/// than the limit's worth of text while it is fitted to the limit.
struct Out {
    text: String,
    cap: usize,
    over: bool,
}

impl Out {
    fn new(cap: usize) -> Out {
        Out {
            text: String::new(),
            cap,
            over: false,
        }
    }

    fn push_str(&mut self, s: &str) {
        if self.over {
            return;
        }
        if self.text.len() + s.len() <= self.cap {
            self.text.push_str(s);
            return;
        }
        let mut fits = self.cap - self.text.len();
        while !s.is_char_boundary(fits) {
            fits -= 1;
        }
        self.text.push_str(&s[..fits]);
        self.over = true;
    }

    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
}

fn render_kept(report: &Report, kept: &[&Finding], opts: &Options, note: Option<&str>) -> Out {
    let mut out = Out::new(opts.max_bytes);
    out.push_str("## ibaudit\n\n");
    let summary = Summary::of(report);
    out.push_str(&format!(
        "**{}**\n\n",
        text(&crate::table::summary_line(report))
    ));
    if summary.not_assessed > 0 {
        out.push_str("> [!WARNING]\n> The audit is incomplete: some scope was not assessed (IB900). The findings below are not the whole picture.\n\n");
    }
    summary_table(report, &mut out);
    out.push('\n');
    if let Some(note) = note {
        out.push_str(&format!("> [!NOTE]\n> {note}\n\n"));
    }
    change_section(kept, opts, &mut out);
    paths_section(report, &mut out);
    let mut groups: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in kept {
        groups
            .entry((f.account_id.as_str(), f.region.as_str()))
            .or_default()
            .push(f);
    }
    if groups.is_empty() {
        out.push_str("No findings to list.\n");
    }
    let mut current_account: Option<&str> = None;
    for ((account, region), mut fs) in groups {
        if current_account != Some(account) {
            out.push_str(&format!("### Account {}\n\n", code(account)));
            current_account = Some(account);
        }
        fs.sort_by(|a, b| {
            (std::cmp::Reverse(a.severity), a.rule, &a.resource_id).cmp(&(
                std::cmp::Reverse(b.severity),
                b.rule,
                &b.resource_id,
            ))
        });
        out.push_str(&format!("#### {} in {}\n\n", fs.len(), code(region)));
        out.push_str("| severity | rule | resource | finding |\n|---|---|---|---|\n");
        for f in fs {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                severity_cell(f),
                rule_link(f.rule, &opts.repository_url),
                resource_cell(f),
                text(&f.message)
            ));
        }
        out.push('\n');
    }
    if summary.suppressed > 0 {
        out.push_str(&format!(
            "{} suppressed finding(s) are not listed; the JSON report has them with their reasons.\n",
            summary.suppressed
        ));
    }
    out
}

/// At most this many flowcharts, and this many bytes of them: the rest of
/// the 1 MiB is the findings'.
pub const MAX_DIAGRAMS: usize = 10;
pub const MAX_DIAGRAM_BYTES: usize = 256 * 1024;

/// The path of each VPC with findings, as Mermaid flowcharts.
fn paths_section(report: &Report, out: &mut Out) {
    let views: Vec<_> = crate::paths::views(report)
        .into_iter()
        .filter(|v| v.worst().is_some())
        .collect();
    if views.is_empty() {
        return;
    }
    out.push_str("### Paths\n\n");
    let mut bytes = 0;
    let mut drawn = 0;
    for v in &views {
        let chart = crate::mermaid::flowchart(v);
        if drawn == MAX_DIAGRAMS || bytes + chart.len() > MAX_DIAGRAM_BYTES {
            break;
        }
        bytes += chart.len();
        drawn += 1;
        out.push_str(&format!(
            "#### Path of {} in {} {}\n\n```mermaid\n{chart}```\n\n",
            code(&v.net.vpc_id),
            code(&v.net.account_id),
            code(&v.net.region),
        ));
    }
    if drawn < views.len() {
        out.push_str(&format!(
            "{} more VPC(s) with findings are not drawn here (at most {MAX_DIAGRAMS} diagrams); the HTML report (`--format html`) draws them.\n\n",
            views.len() - drawn
        ));
    }
}

/// The report as markdown of at most `opts.max_bytes` bytes.
pub fn render(report: &Report, opts: &Options) -> String {
    let mut kept: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    // Least severe last; IB900 counts as most important (the audit's gap).
    kept.sort_by_key(|f| std::cmp::Reverse((f.is_not_assessed(), f.severity)));
    let all = kept.len();
    let mut out = render_kept(report, &kept, opts, None);
    while out.over && !kept.is_empty() {
        let drop = kept.len().div_ceil(10);
        kept.truncate(kept.len() - drop);
        let floor = kept
            .last()
            .map(|f| f.severity.as_str())
            .unwrap_or("any severity");
        let note = format!(
            "{} of {all} findings are listed: the least severe were left out to fit GitHub's 1 MiB summary limit (listed down to {floor}). The JSON report has them all.",
            kept.len()
        );
        out = render_kept(report, &kept, opts, Some(&note));
    }
    let over = out.over;
    let mut out = out.text;
    if over {
        // Even the summary does not fit: cut at a line boundary.
        let mut cut = opts.max_bytes.saturating_sub(64).min(out.len());
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        let end = out[..cut].rfind('\n').map_or(0, |i| i + 1);
        out.truncate(end);
        out.push_str("\n(truncated to fit 1 MiB)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_form_markup() {
        let t = text("[x](https://e.com) <img src=x> |a| `b` *c* \u{1b}[31m");
        for bad in ["](", "[x]", " <img"] {
            assert!(!t.contains(bad), "{t}");
        }
        assert!(t.contains("\\<img") && t.contains("\\|a\\|") && t.contains("\\`b\\`"));
        assert!(!t.contains('\u{1b}'));
        assert_eq!(text("@octocat"), "`@`octocat");
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("vpce-1"), "`vpce-1`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }
}
