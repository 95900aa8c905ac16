//! IB900: what could not be assessed, and which rules it blocked.
//!
//! Rules report the data they needed and did not get; this rule turns those
//! reports (and collection errors no rule could interpret) into one finding
//! per operation and resource, naming the rules it blocked.

use std::collections::BTreeMap;

use ibaudit_snapshot::{Operation, RegionSnapshot};

use crate::context::RegionCtx;
use crate::finding::{Resource, ResourceKind};
use crate::missing::{is_incomplete_resource, Missing};
use crate::rule::{rule, Raw, Sink};

rule! {
    NotAssessed {
        id: "IB900",
        name: "not-assessed",
        outcomes: {
            NOT_ASSESSED: "not-assessed", High, "data a rule needs was not collected or failed to collect";
            UNREAD_FAILURE: "unread-failure", High, "an operation no rule reads failed to collect";
        },
    }
}

/// Collection errors for operations no rule reads are still gaps in the
/// snapshot: report them, since nothing else will.
fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    for e in ctx
        .data
        .errors
        .iter()
        .filter(|e| Operation::from_name(&e.operation).is_none())
    {
        out.report_keyed(
            &UNREAD_FAILURE,
            scope(ctx.data, e.resource.as_deref()),
            e.operation.clone(),
            format!(
                "{} failed in {}{} ({}{}); no rule could use what it would have returned",
                e.operation,
                ctx.region(),
                e.resource
                    .as_deref()
                    .map(|r| format!(" for {r}"))
                    .unwrap_or_default(),
                e.code,
                if e.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", e.message)
                }
            ),
        );
    }
    Ok(())
}

fn scope(region: &RegionSnapshot, resource: Option<&str>) -> Resource {
    match resource {
        None => Resource::new(ResourceKind::Region, region.region.clone()),
        Some(r) if r.starts_with("vpce-") => Resource::new(ResourceKind::VpcEndpoint, r),
        Some(r) if r.starts_with("vpc-") => Resource::new(ResourceKind::Vpc, r),
        Some(r) if r.starts_with("subnet-") => Resource::new(ResourceKind::Subnet, r),
        Some(r) if r.starts_with("sg-") => Resource::new(ResourceKind::SecurityGroup, r),
        Some(r) if r.contains(":cloudtrail:") => Resource::new(ResourceKind::Trail, r),
        Some(r) if r.contains(":imagebuilder:") => {
            Resource::new(ResourceKind::InfrastructureConfiguration, r)
        }
        Some(r) => Resource::new(ResourceKind::Region, format!("{}/{r}", region.region)),
    }
}

/// (operation, resource) -> the most informative report and the rules it blocked.
type Gaps = BTreeMap<(&'static str, Option<String>), (Missing, Vec<&'static str>)>;

/// One IB900 finding per (operation, resource), naming every rule it blocked.
pub(crate) fn findings(region: &RegionSnapshot, blocked: Vec<(&'static str, Missing)>) -> Vec<Raw> {
    let mut grouped: Gaps = BTreeMap::new();
    for (rule, m) in blocked {
        let entry = grouped
            .entry((m.operation.name(), m.resource.clone()))
            .or_insert_with(|| (m.clone(), Vec::new()));
        // Keep the most informative report: one with an error code beats "not collected".
        if entry.0.code.is_none() && m.code.is_some() {
            entry.0 = m;
        }
        if !entry.1.contains(&rule) {
            entry.1.push(rule);
        }
    }
    // A recorded failure no rule's verdict rested on is still data the
    // snapshot lacks: reported too, so that a failed call is never silent,
    // whatever the rest of the region holds.
    for e in &region.errors {
        let Some(op) = Operation::from_name(&e.operation) else {
            continue; // reported by `check` as UNREAD_FAILURE
        };
        // A listing's failure is read by any rule that reported the
        // listing failed; a resource left out for a missing field only by
        // one that reported that resource.
        let read = grouped.iter().any(|((name, resource), (m, _))| {
            *name == op.name()
                && (*resource == e.resource || (m.code.is_some() && !is_incomplete_resource(e)))
        });
        if !read {
            grouped
                .entry((op.name(), e.resource.clone()))
                .or_insert_with(|| (Missing::failed(op, e.resource.as_deref(), e), Vec::new()));
        }
    }
    grouped
        .into_values()
        .map(|(m, mut rules)| {
            rules.sort_unstable();
            let what = match &m.resource {
                Some(r) => format!("{} for {r} in {}", m.operation, region.region),
                None => format!("{} in {}", m.operation, region.region),
            };
            let why = match (&m.code, &m.message) {
                (Some(code), Some(msg)) => format!("failed ({code}: {msg})"),
                (Some(code), None) => format!("failed ({code})"),
                (None, _) => "was not collected (absent from the snapshot)".to_string(),
            };
            let left_out = m.code.as_deref() == Some(ibaudit_snapshot::aws::FIELD_MISSING);
            let blocked = if rules.is_empty() && left_out && m.resource.is_some() {
                "it is left out of the audit: no rule assessed it, and verdicts on what its \
                 VPC or region holds were reached without it"
                    .to_string()
            } else if rules.is_empty() {
                "no verdict here rested on it, but the snapshot lacks what it would have returned"
                    .to_string()
            } else {
                format!("not assessed: {}", rules.join(", "))
            };
            Raw {
                outcome: &NOT_ASSESSED,
                resource: scope(region, m.resource.as_deref()),
                message: format!("{what} {why}; {blocked}"),
                key: Some(m.operation.name().to_string()),
            }
        })
        .collect()
}
