//! The findings of a report laid over its networks (see
//! `ibaudit_rules::network`): which findings each drawn element is about,
//! and the verdicts the drawings show. Shared by the HTML report's SVG and
//! the markdown report's Mermaid flowcharts.

use std::collections::HashMap;

use ibaudit_rules::network::{Element, Network};
use ibaudit_rules::{Finding, Report, Severity};

/// A network and the findings about it.
pub struct View<'a> {
    pub net: &'a Network,
    /// Every unsuppressed finding about an element of the network.
    pub findings: Vec<&'a Finding>,
    /// Region-wide IB900 findings of the network's account and region:
    /// what they blocked is unknown everywhere in the drawing.
    pub region_gaps: Vec<&'a Finding>,
}

/// How a drawn element is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// No finding about it, and everything it needs was assessed.
    Fine,
    /// The most severe finding about it.
    Finding(Severity),
    /// Something about it was not assessed (and nothing worse was found).
    Unknown,
}

impl Mark {
    pub fn class(self) -> &'static str {
        match self {
            Mark::Fine => "ok",
            Mark::Finding(s) => s.as_str(),
            Mark::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mark::Fine => "no finding",
            Mark::Finding(s) => s.as_str(),
            Mark::Unknown => "not assessed",
        }
    }
}

/// Whether a finding's region covers `region`: IaC findings that hold in
/// several regions name them all (`eu-west-1,us-east-1`) or `*`.
fn region_matches(finding: &str, region: &str) -> bool {
    finding == region || finding == "*" || finding.split(',').any(|r| r == region)
}

/// Every network of the report with its findings: those with findings
/// first, most severe first, then by account, region and VPC.
pub fn views(report: &Report) -> Vec<View<'_>> {
    let mut by_resource: HashMap<(&str, &str), Vec<&Finding>> = HashMap::new();
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        by_resource
            .entry((f.account_id.as_str(), f.resource_id.as_str()))
            .or_default()
            .push(f);
    }
    let mut out: Vec<View<'_>> = report
        .networks
        .iter()
        .map(|net| {
            let about = |id: &str| -> Vec<&Finding> {
                by_resource
                    .get(&(net.account_id.as_str(), id))
                    .map(|v| {
                        v.iter()
                            .copied()
                            .filter(|f| region_matches(&f.region, &net.region))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut findings: Vec<&Finding> = Vec::new();
            for el in net.elements() {
                match el {
                    Element::Resource(id) => findings.extend(about(id)),
                    Element::Bucket { .. } => {}
                }
            }
            // Bucket verdicts are findings on the S3 endpoints: already in.
            let mut seen = std::collections::HashSet::new();
            findings.retain(|f| seen.insert(f.fingerprint.as_str()));
            let region_gaps = about(&net.region)
                .into_iter()
                .filter(|f| f.is_not_assessed())
                .collect();
            View {
                net,
                findings,
                region_gaps,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.worst()),
            &a.net.account_id,
            &a.net.region,
            &a.net.vpc_id,
        )
            .cmp(&(
                std::cmp::Reverse(b.worst()),
                &b.net.account_id,
                &b.net.region,
                &b.net.vpc_id,
            ))
    });
    out
}

impl<'a> View<'a> {
    /// The most severe finding's severity (IB900 counts as its own
    /// severity), or `None` for a network with no finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .chain(&self.region_gaps)
            .map(|f| f.severity)
            .max()
    }

    /// The findings about one element. For a bucket: the findings of its
    /// rule with its key on the network's S3 endpoints.
    pub fn about(&self, el: Element<'_>) -> Vec<&'a Finding> {
        match el {
            Element::Resource(id) => self
                .findings
                .iter()
                .copied()
                .filter(|f| f.resource_id == id)
                .collect(),
            Element::Bucket { rule, key } => self
                .findings
                .iter()
                .copied()
                .filter(|f| f.rule == rule && f.key.as_deref() == Some(key))
                .collect(),
        }
    }

    /// Whether `rule` was kept from a verdict region-wide.
    pub fn blocked(&self, rule: &str) -> bool {
        self.region_gaps.iter().any(|f| blocks(f, rule))
    }

    /// The element's mark: its most severe finding, else unknown when a
    /// not-assessed finding is about it (or a region-wide one blocks one of
    /// `rules`), else fine.
    pub fn mark(&self, el: Element<'_>, rules: &[&str]) -> Mark {
        let about = self.about(el);
        let worst = about
            .iter()
            .filter(|f| !f.is_not_assessed())
            .map(|f| f.severity)
            .max();
        match worst {
            Some(s) => Mark::Finding(s),
            None if !about.is_empty() || rules.iter().any(|r| self.blocked(r)) => Mark::Unknown,
            None => Mark::Fine,
        }
    }
}

/// Whether an IB900 finding names `rule` among those it blocked (its
/// message ends `not assessed: IB003, IB012`).
pub fn blocks(f: &Finding, rule: &str) -> bool {
    f.message
        .rsplit_once("not assessed: ")
        .is_some_and(|(_, list)| list.split(", ").any(|r| r.trim() == rule))
}

/// The rules whose verdict an element of each kind shows.
pub mod rules {
    pub const VPC: &[&str] = &["IB003", "IB001", "IB014"];
    pub const SUBNET: &[&str] = &["IB001", "IB012"];
    pub const IMAGEBUILDER: &[&str] = &["IB002", "IB004", "IB005", "IB006", "IB013", "IB020"];
    pub const ENDPOINT: &[&str] = &["IB030", "IB031"];
    pub const S3: &[&str] = &["IB010", "IB011", "IB030", "IB031"];
}
