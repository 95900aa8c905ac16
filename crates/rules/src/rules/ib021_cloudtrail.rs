//! No trail records write management events in a region with an Image Builder endpoint.

use ibaudit_snapshot::aws::{AdvancedEventSelector, EventSelectorsResponse, Trail};
use ibaudit_snapshot::Operation;

use crate::context::RegionCtx;
use crate::missing::Missing;
use crate::finding::{Resource, ResourceKind};
use crate::rule::{rule, Sink};

use super::common;

rule! {
    CloudTrailNotRecording {
        id: "IB021",
        name: "cloudtrail-not-recording",
        outcomes: {
            NOT_RECORDING: "not-recording", Medium, "no trail logs write management events in a region with an Image Builder endpoint";
            READ_ONLY: "read-only", Low, "the trails of a region with an Image Builder endpoint record only read-only management events";
        },
    }
}

/// What a trail's selectors record of management events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Recording {
    Nothing,
    ReadOnly,
    Writes,
}

const IMAGEBUILDER_SOURCE: &str = "imagebuilder.amazonaws.com";

fn advanced(selector: &AdvancedEventSelector) -> Recording {
    let field = |name: &str| {
        selector
            .field_selectors
            .iter()
            .find(|f| f.field.eq_ignore_ascii_case(name))
    };
    let management = field("eventCategory")
        .and_then(|f| f.equals.as_ref())
        .is_some_and(|v| v.iter().any(|x| x == "Management"));
    if !management {
        return Recording::Nothing;
    }
    if let Some(source) = field("eventSource") {
        let listed = |v: &Option<Vec<String>>| {
            v.as_ref()
                .is_some_and(|v| v.iter().any(|x| x == IMAGEBUILDER_SOURCE))
        };
        if source
            .equals
            .as_ref()
            .is_some_and(|_| !listed(&source.equals))
            || listed(&source.not_equals)
        {
            return Recording::Nothing;
        }
    }
    let Some(read_only) = field("readOnly") else {
        return Recording::Writes;
    };
    let has = |v: &Option<Vec<String>>, x: &str| {
        v.as_ref()
            .is_some_and(|v| v.iter().any(|y| y.eq_ignore_ascii_case(x)))
    };
    let writes = if read_only.equals.is_some() {
        has(&read_only.equals, "false")
    } else {
        !has(&read_only.not_equals, "false")
    };
    let reads = if read_only.equals.is_some() {
        has(&read_only.equals, "true")
    } else {
        !has(&read_only.not_equals, "true")
    };
    match (writes, reads) {
        (true, _) => Recording::Writes,
        (false, true) => Recording::ReadOnly,
        (false, false) => Recording::Nothing,
    }
}

fn recording(selectors: &EventSelectorsResponse) -> Recording {
    let basic = selectors.event_selectors.iter().flatten().map(|s| {
        if !s.include_management_events.unwrap_or(true) {
            return Recording::Nothing;
        }
        match s.read_write_type.as_deref().unwrap_or("All") {
            t if t.eq_ignore_ascii_case("ReadOnly") => Recording::ReadOnly,
            _ => Recording::Writes,
        }
    });
    let advanced = selectors
        .advanced_event_selectors
        .iter()
        .flatten()
        .map(advanced);
    basic.chain(advanced).max().unwrap_or(Recording::Nothing)
}

/// A trail covers the region if it lives there or is multi-region (an
/// organization trail is multi-region too). Shadow trails appear in every
/// region they cover, so those are the only candidates.
fn covers(trail: &Trail, region: &str) -> bool {
    trail.is_multi_region_trail == Some(true)
        || trail.home_region.as_deref().is_none_or(|h| h == region)
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
    let endpoints = ctx.imagebuilder_endpoints()?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut unknown = Vec::new();
    let mut read_only = Vec::new();
    for trail in ctx.trails()?.iter().filter(|t| covers(t, ctx.region())) {
        let status = match ctx.account.trail_status(trail) {
            Ok(s) => s,
            Err(m) => {
                unknown.push(m);
                continue;
            }
        };
        match status.is_logging {
            Some(true) => {}
            Some(false) => continue,
            None => {
                unknown.push(Missing::field_missing(
                    Operation::GetTrailStatus,
                    &trail.trail_arn,
                    "the response has no IsLogging field",
                ));
                continue;
            }
        }
        match ctx.account.event_selectors(trail).map(recording) {
            Ok(Recording::Writes) => return Ok(()),
            Ok(Recording::ReadOnly) => read_only.push(trail.name.as_str()),
            Ok(Recording::Nothing) => {}
            Err(m) => unknown.push(m),
        }
    }
    if !unknown.is_empty() {
        unknown.into_iter().for_each(|m| out.not_assessed(m));
        return Ok(());
    }
    let ids: Vec<&str> = endpoints
        .iter()
        .map(|e| e.vpc_endpoint_id.as_str())
        .collect();
    let region = Resource::new(ResourceKind::Region, ctx.region());
    if read_only.is_empty() {
        out.report(
            &NOT_RECORDING,
            region,
            format!(
                "no CloudTrail trail is logging write management events in {}, where Image Builder endpoint {} is: changes to images, pipelines and endpoints there leave no audit record",
                ctx.region(),
                common::list(&ids)
            ),
        );
    } else {
        out.report(
            &READ_ONLY,
            region,
            format!(
                "CloudTrail in {} records only read-only management events (trail {}): writes through Image Builder endpoint {} leave no audit record",
                ctx.region(),
                common::list(&read_only),
                common::list(&ids)
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ibaudit_snapshot::aws::{AdvancedFieldSelector, EventSelector};

    fn field(name: &str, equals: &[&str], not_equals: &[&str]) -> AdvancedFieldSelector {
        let v = |x: &[&str]| (!x.is_empty()).then(|| x.iter().map(|s| s.to_string()).collect());
        AdvancedFieldSelector {
            field: name.into(),
            equals: v(equals),
            not_equals: v(not_equals),
            ..Default::default()
        }
    }

    fn adv(fields: Vec<AdvancedFieldSelector>) -> Recording {
        advanced(&AdvancedEventSelector {
            name: None,
            field_selectors: fields,
        })
    }

    #[test]
    fn advanced_selectors() {
        assert_eq!(
            adv(vec![field("eventCategory", &["Management"], &[])]),
            Recording::Writes
        );
        assert_eq!(
            adv(vec![
                field("eventCategory", &["Management"], &[]),
                field("readOnly", &["true"], &[])
            ]),
            Recording::ReadOnly
        );
        assert_eq!(
            adv(vec![
                field("eventCategory", &["Management"], &[]),
                field("readOnly", &["false"], &[])
            ]),
            Recording::Writes
        );
        assert_eq!(
            adv(vec![
                field("eventCategory", &["Management"], &[]),
                field("readOnly", &[], &["false"])
            ]),
            Recording::ReadOnly
        );
        assert_eq!(
            adv(vec![field("eventCategory", &["Data"], &[])]),
            Recording::Nothing
        );
        assert_eq!(
            adv(vec![
                field("eventCategory", &["Management"], &[]),
                field("eventSource", &[], &["imagebuilder.amazonaws.com"])
            ]),
            Recording::Nothing
        );
        assert_eq!(
            adv(vec![
                field("eventCategory", &["Management"], &[]),
                field("eventSource", &["kms.amazonaws.com"], &[])
            ]),
            Recording::Nothing
        );
    }

    #[test]
    fn basic_selectors() {
        let sel = |rw: Option<&str>, mgmt: Option<bool>| EventSelectorsResponse {
            trail_arn: None,
            event_selectors: Some(vec![EventSelector {
                read_write_type: rw.map(Into::into),
                include_management_events: mgmt,
            }]),
            advanced_event_selectors: None,
        };
        assert_eq!(recording(&sel(Some("All"), Some(true))), Recording::Writes);
        assert_eq!(
            recording(&sel(Some("WriteOnly"), Some(true))),
            Recording::Writes
        );
        assert_eq!(
            recording(&sel(Some("ReadOnly"), Some(true))),
            Recording::ReadOnly
        );
        assert_eq!(
            recording(&sel(Some("All"), Some(false))),
            Recording::Nothing
        );
        assert_eq!(recording(&sel(None, None)), Recording::Writes);
        assert_eq!(
            recording(&EventSelectorsResponse::default()),
            Recording::Nothing
        );
    }
}
