//! The terminal table: one row per finding, most severe first, a summary
//! line under it. Colour only when asked (a terminal without NO_COLOR);
//! plain ASCII at a fixed width otherwise, so piped output is stable.

use comfy_table::presets::{ASCII_FULL, UTF8_FULL};
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table};
use ibaudit_rules::{Finding, Severity};

use crate::{inert, Report, Summary};

/// How the table is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Box-drawing characters and the terminal's width.
    pub terminal: bool,
    pub color: bool,
    /// Used when not on a terminal (or when its width is unknown).
    pub width: u16,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            terminal: false,
            color: false,
            width: 120,
        }
    }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

/// One line: "5 findings: 1 high, 2 medium, 2 low; 1 not assessed; 1 suppressed".
pub fn summary_line(report: &Report) -> String {
    let s = Summary::of(report);
    let counted: usize = s.by_severity.iter().map(|(_, n)| n).sum();
    let mut line = if counted == 0 {
        "No findings".to_string()
    } else {
        let parts: Vec<String> = s
            .by_severity
            .iter()
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        format!(
            "{counted} finding{}: {}",
            if counted == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    if s.not_assessed > 0 {
        line.push_str(&format!(
            "; {} not assessed (IB900): the audit is incomplete",
            s.not_assessed
        ));
    }
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    line.push_str(&format!(
        ". {} account{}, snapshot taken {}.",
        report.accounts.len(),
        if report.accounts.len() == 1 { "" } else { "s" },
        inert(&report.collected_at)
    ));
    line
}

/// The account's id, and its name under it where the snapshot has one (made
/// inert: a name is text anyone with access to the organization can set).
fn account_cell(f: &Finding) -> String {
    match &f.account_name {
        Some(name) => format!("{}\n{}", crate::inert(&f.account_id), crate::inert(name)),
        None => crate::inert(&f.account_id).into_owned(),
    }
}

pub fn render(report: &Report, style: Style) -> String {
    let mut rows: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    rows.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            a.rule,
            &a.account_id,
            &a.region,
            &a.resource_id,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                b.rule,
                &b.account_id,
                &b.region,
                &b.resource_id,
            ))
    });
    let mut out = String::new();
    if !rows.is_empty() {
        let many_accounts = report.accounts.len() > 1;
        let mut table = Table::new();
        if style.terminal {
            table.load_style(UTF8_FULL.with_rounded_corners());
        } else {
            table.load_style(ASCII_FULL).force_no_tty();
        }
        // A terminal that reports no width, or one too narrow for a
        // table (a pseudo-terminal of 0 columns), gets the fixed width.
        if !style.terminal || table.width().is_none_or(|w| w < 40) {
            table.set_width(style.width);
        }
        if style.color {
            table.enforce_styling();
        }
        table.set_content_arrangement(ContentArrangement::Dynamic);
        let mut header = vec!["Severity", "Rule", "Region", "Resource", "Message"];
        if many_accounts {
            header.insert(2, "Account");
        }
        table.set_header(header.into_iter().map(|h| {
            let c = Cell::new(h);
            if style.color {
                c.add_attribute(Attribute::Bold)
            } else {
                c
            }
        }));
        for f in rows {
            let mut sev = Cell::new(f.severity.as_str());
            if style.color {
                sev = sev.fg(severity_color(f.severity));
            }
            let mut row = vec![
                sev,
                Cell::new(f.rule),
                // Every cell from the snapshot is made inert: ids, Sids and
                // error messages may hold escape sequences or bidi overrides.
                Cell::new(inert(&f.region)),
                Cell::new(match (&f.resource_name, &f.location) {
                    (_, Some(l)) => {
                        format!("{}\n{}:{}", inert(&f.resource_id), inert(&l.file), l.line)
                    }
                    (Some(name), None) => format!("{}\n({})", inert(&f.resource_id), inert(name)),
                    (None, None) => inert(&f.resource_id).into_owned(),
                }),
                Cell::new(inert(&f.message)),
            ];
            if many_accounts {
                row.insert(2, Cell::new(account_cell(f)));
            }
            table.add_row(row);
        }
        // Every column but the message keeps its content's width; the
        // message wraps in what is left.
        let columns = table.column_count();
        for i in 0..columns - 1 {
            if let Some(c) = table.column_mut(i) {
                c.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{9b}31m\u{7f}\u{202e}";

    fn hostile_report() -> Report {
        let f = |account: &str| Finding {
            rule: "IB002",
            name: "private-dns-disabled",
            outcome: "disabled",
            severity: Severity::Medium,
            account_id: format!("{account}{HOSTILE}"),
            account_name: Some(format!("name{HOSTILE}")),
            region: format!("us-east-1{HOSTILE}"),
            resource_type: "AWS::EC2::VPCEndpoint",
            resource_id: format!("vpce-1{HOSTILE}"),
            resource_arn: None,
            resource_name: None,
            message: format!("Statement[0] (Sid \"S{HOSTILE}\")"),
            fingerprint: "f".into(),
            suppressed: None,
            not_assessed: false,
            key: None,
            location: None,
            introduced: None,
        };
        Report {
            collected_at: format!("2026-11-26T07:00:00Z{HOSTILE}"),
            accounts: vec!["111122223333".into(), "444455556666".into()],
            findings: vec![f("111122223333"), f("444455556666")],
            notes: Vec::new(),
            scope: None,
            networks: Vec::new(),
            first_seen: Default::default(),
        }
    }

    /// The text with the table's own colour sequences (`ESC [ ... m`) removed.
    fn without_sgr(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' && chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                    assert!(
                        d.is_ascii_digit() || d == ';',
                        "not a colour sequence: {s:?}"
                    );
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn snapshot_text_is_inert_in_every_style() {
        let report = hostile_report();
        for terminal in [false, true] {
            for color in [false, true] {
                let text = render(
                    &report,
                    Style {
                        terminal,
                        color,
                        width: 400,
                    },
                );
                let plain = without_sgr(&text);
                assert!(
                    !plain
                        .chars()
                        .any(|c| c != '\n' && crate::inert::is_unsafe(c)),
                    "{plain:?}"
                );
                for needle in [
                    "vpce-1\\u{1b}]0;pwned\\u{7}",
                    "Sid \"S\\u{1b}]0;pwned",
                    "\\u{202e}",
                ] {
                    assert!(plain.contains(needle), "{needle} in {plain}");
                }
                if !color {
                    assert!(!text.contains('\u{1b}'), "{text:?}");
                }
            }
        }
        let line = summary_line(&report);
        assert!(line.contains("07:00:00Z\\u{1b}]0;pwned"), "{line}");
    }
}
