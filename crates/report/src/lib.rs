//! Renderers for an audit [`Report`]: a terminal table, the JSON report
//! (version 1, frozen), SARIF 2.1.0 for GitHub code scanning, GitHub-flavoured
//! markdown, AWS Security Finding Format (Security Hub), OCSF 1.5.0
//! Compliance Findings, and the difference between two audits. Each owns its
//! mapping from the format-free finding type.

pub mod asff;
pub mod diff;
pub mod html;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod ocsf;
pub mod paths;
pub mod sarif;
pub mod svg;
pub mod table;

pub use ibaudit_rules::Report;

/// Untrusted text made inert for a human reader; shared with the snapshot
/// crate, whose error messages quote snapshot text.
pub use ibaudit_snapshot::inert;

/// The tool's identity, as every format names it.
pub const TOOL_NAME: &str = "ibaudit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const INFORMATION_URI: &str = "https://github.com/ibaudit/ibaudit";

/// Counts that every format's summary shares: a partition of the findings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Every finding listed, suppressed or not.
    pub total: usize,
    /// Unsuppressed findings other than IB900, by severity (most severe first).
    pub by_severity: Vec<(ibaudit_rules::Severity, usize)>,
    /// Unsuppressed IB900 findings.
    pub not_assessed: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of(report: &Report) -> Summary {
        let mut s = Summary {
            total: report.findings.len(),
            ..Summary::default()
        };
        for sev in ibaudit_rules::Severity::ALL {
            let n = report
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none() && !f.is_not_assessed() && f.severity == sev)
                .count();
            if n > 0 {
                s.by_severity.push((sev, n));
            }
        }
        s.not_assessed = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.is_not_assessed())
            .count();
        s.suppressed = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count();
        s
    }
}
