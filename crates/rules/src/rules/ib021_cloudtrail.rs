//! No trail records write management events in a region with an Image Builder endpoint.

use ibaudit_snapshot::aws::{
    Text,
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector, EventSelectorsResponse, Trail,
};

use ibaudit_snapshot::Operation;

use crate::context::RegionCtx;
use crate::finding::{Resource, ResourceKind};
use crate::missing::Missing;
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

/// What a trail's selectors record of Image Builder's management events.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Recording {
    Nothing,
    ReadOnly,
    /// A selector that would record Image Builder writes but also filters on
    /// something the auditor does not evaluate (the named field or value).
    Undetermined(String),
    Writes,
}

const IMAGEBUILDER_SOURCE: &str = "imagebuilder.amazonaws.com";

/// One management event of Image Builder, as advanced selectors see it.
/// CloudTrail's fields for management events on trails are "eventCategory
/// (required), eventSource, and readOnly" (CloudTrail API reference,
/// AdvancedFieldSelector); other fields (`eventName`, `userIdentity.arn`, ...)
/// vary from one Image Builder call to the next.
fn event_value(field: &str, read_only: bool) -> Option<&'static str> {
    if field.eq_ignore_ascii_case("eventCategory") {
        Some("Management")
    } else if field.eq_ignore_ascii_case("eventSource") {
        Some(IMAGEBUILDER_SOURCE)
    } else if field.eq_ignore_ascii_case("readOnly") {
        Some(if read_only { "true" } else { "false" })
    } else {
        None
    }
}

/// Whether one field selector keeps `value`. `Equals`, `StartsWith` and
/// `EndsWith` "include events that match" one of their values; `NotEquals`,
/// `NotStartsWith` and `NotEndsWith` "exclude events that match" any of theirs
/// (CloudTrail API reference, AdvancedFieldSelector); every operator present
/// must hold. `readOnly` is `true` or `false`, compared without case.
fn keeps(f: &AdvancedFieldSelector, value: &str) -> bool {
    let fold = f.field.eq_ignore_ascii_case("readOnly");
    let eq = |a: &str, b: &str| {
        if fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let any = |v: &Option<Vec<Text>>, test: &dyn Fn(&str) -> bool| {
        v.as_ref().map(|v| v.iter().any(|x| test(x)))
    };
    let include = [
        any(&f.equals, &|x| eq(value, x)),
        any(&f.starts_with, &|x| value.starts_with(x)),
        any(&f.ends_with, &|x| value.ends_with(x)),
    ];
    let exclude = [
        any(&f.not_equals, &|x| eq(value, x)),
        any(&f.not_starts_with, &|x| value.starts_with(x)),
        any(&f.not_ends_with, &|x| value.ends_with(x)),
    ];
    include.iter().all(|m| m.unwrap_or(true)) && exclude.iter().all(|m| !m.unwrap_or(false))
}

/// Whether an advanced selector records the Image Builder management event
/// that is (or is not) read-only: every field selector must keep it ("the
/// trail processes and logs the event" when it matches a selector, CloudTrail
/// API reference, PutEventSelectors). `eventCategory` is required; a selector
/// without it records no management event.
fn records(selector: &AdvancedEventSelector, read_only: bool) -> Result<bool, String> {
    let has_category = selector
        .field_selectors
        .iter()
        .any(|f| f.field.eq_ignore_ascii_case("eventCategory"));
    if !has_category {
        return Ok(false);
    }
    let mut unknown = None;
    for f in &selector.field_selectors {
        match event_value(&f.field, read_only) {
            Some(value) if !keeps(f, value) => return Ok(false),
            Some(_) => {}
            None => unknown = unknown.or(Some(f.field.to_string())),
        }
    }
    unknown.map_or(Ok(true), Err)
}

fn advanced(selector: &AdvancedEventSelector) -> Recording {
    match (records(selector, false), records(selector, true)) {
        (Ok(true), _) => Recording::Writes,
        (Err(field), _) => Recording::Undetermined(format!("`{field}`")),
        (Ok(false), Ok(true)) => Recording::ReadOnly,
        // Writes are certainly not recorded; which reads are is beside the point.
        (Ok(false), Ok(false) | Err(_)) => Recording::Nothing,
    }
}

/// A basic selector: management events unless `IncludeManagementEvents` is
/// false, minus `ExcludeManagementEventSources`; `ReadWriteType` is
/// `ReadOnly`, `WriteOnly` or `All` (AWS's default).
fn basic(s: &EventSelector) -> Recording {
    if !s.include_management_events.unwrap_or(true) {
        return Recording::Nothing;
    }
    if s.exclude_management_event_sources
        .iter()
        .flatten()
        .any(|x| x == IMAGEBUILDER_SOURCE)
    {
        return Recording::Nothing;
    }
    match s.read_write_type.as_deref().unwrap_or("All") {
        t if t.eq_ignore_ascii_case("ReadOnly") => Recording::ReadOnly,
        t if t.eq_ignore_ascii_case("WriteOnly") || t.eq_ignore_ascii_case("All") => {
            Recording::Writes
        }
        t => Recording::Undetermined(format!("ReadWriteType `{t}`")),
    }
}

fn recording(selectors: &EventSelectorsResponse) -> Recording {
    let basic = selectors.event_selectors.iter().flatten().map(basic);
    let advanced = selectors
        .advanced_event_selectors
        .iter()
        .flatten()
        .map(advanced);
    basic.chain(advanced).max().unwrap_or(Recording::Nothing)
}

/// A trail covers the region if it lives there or is multi-region. An
/// organization trail is no exception: "The following command creates an
/// organization trail that only logs events in a single AWS Region"
/// (CloudTrail user guide, creating a trail for an organization with the AWS
/// CLI). Shadow trails appear in every region they cover, so those are the
/// only candidates.
fn covers(trail: &Trail, region: &str) -> bool {
    trail.is_multi_region_trail == Some(true)
        || trail.home_region.as_deref().is_none_or(|h| h == region)
}

fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing> {
        let endpoints = ctx.imagebuilder_endpoints()?;
        if endpoints.is_empty() {
            // The endpoint left out of an incomplete listing may be one.
            return ctx.endpoints_complete(None, "imagebuilder");
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
                Ok(Recording::Undetermined(what)) => unknown.push(Missing {
                    operation: Operation::GetEventSelectors,
                    resource: Some(trail.trail_arn.to_string()),
                    code: Some("SelectorNotEvaluated".into()),
                    message: Some(format!(
                        "an event selector that would record Image Builder's write management events also filters on {what}, which the auditor does not evaluate"
                    )),
                }),
                Ok(Recording::Nothing) => {}
                Err(m) => unknown.push(m),
            }
        }
        if !unknown.is_empty() {
            unknown.into_iter().for_each(|m| out.not_assessed(m));
            return Ok(());
        }
        // A trail left out of an incomplete listing may be the one logging.
        if let Err(m) = ctx.complete(Operation::DescribeTrails) {
            out.not_assessed(m);
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

    fn field(name: &str, equals: &[&str], not_equals: &[&str]) -> AdvancedFieldSelector {
        let v = |x: &[&str]| (!x.is_empty()).then(|| x.iter().map(|s| (*s).into()).collect());
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

    fn op(name: &str, set: impl FnOnce(&mut AdvancedFieldSelector)) -> AdvancedFieldSelector {
        let mut f = AdvancedFieldSelector {
            field: name.into(),
            ..Default::default()
        };
        set(&mut f);
        f
    }

    fn v(x: &[&str]) -> Option<Vec<Text>> {
        Some(x.iter().map(|s| Text::from(*s)).collect())
    }

    #[test]
    fn advanced_selector_operators() {
        let mgmt = || field("eventCategory", &["Management"], &[]);
        // The documented exclusions of KMS and RDS Data API events leave
        // Image Builder's writes recorded.
        assert_eq!(
            adv(vec![
                mgmt(),
                field(
                    "eventSource",
                    &[],
                    &["kms.amazonaws.com", "rdsdata.amazonaws.com"]
                )
            ]),
            Recording::Writes
        );
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventSource", |f| f.not_starts_with = v(&["imagebuilder"]))
            ]),
            Recording::Nothing
        );
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventSource", |f| f.starts_with = v(&["image"]))
            ]),
            Recording::Writes
        );
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventSource", |f| f.ends_with = v(&[".amazonaws.com"]))
            ]),
            Recording::Writes
        );
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventSource", |f| f.not_ends_with = v(&[".amazonaws.com"]))
            ]),
            Recording::Nothing
        );
        // Every operator of a field selector must hold.
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventSource", |f| {
                    f.starts_with = v(&["image"]);
                    f.not_equals = v(&[IMAGEBUILDER_SOURCE]);
                })
            ]),
            Recording::Nothing
        );
        // Network activity events are not management events.
        assert_eq!(
            adv(vec![
                field("eventCategory", &["NetworkActivity"], &[]),
                field("eventSource", &[IMAGEBUILDER_SOURCE], &[])
            ]),
            Recording::Nothing
        );
        // No eventCategory: CloudTrail requires it; nothing is assumed.
        assert_eq!(
            adv(vec![field("readOnly", &["false"], &[])]),
            Recording::Nothing
        );
        // A field the auditor does not evaluate: neither a pass nor a finding.
        assert_eq!(
            adv(vec![
                mgmt(),
                op("eventName", |f| f.starts_with = v(&["Create"]))
            ]),
            Recording::Undetermined("`eventName`".into())
        );
        // ... unless the known fields already rule the writes out.
        assert_eq!(
            adv(vec![
                mgmt(),
                field("readOnly", &["true"], &[]),
                op("eventName", |f| f.starts_with = v(&["Get"]))
            ]),
            Recording::Nothing
        );
    }

    #[test]
    fn basic_selector_exclusions() {
        let sel = |exclude: &[&str], rw: &str| EventSelectorsResponse {
            trail_arn: None,
            event_selectors: Some(vec![EventSelector {
                read_write_type: Some(rw.into()),
                include_management_events: Some(true),
                exclude_management_event_sources: v(exclude),
            }]),
            advanced_event_selectors: None,
        };
        assert_eq!(recording(&sel(&[], "All")), Recording::Writes);
        assert_eq!(
            recording(&sel(&["kms.amazonaws.com", "rdsdata.amazonaws.com"], "All")),
            Recording::Writes
        );
        assert_eq!(
            recording(&sel(&[IMAGEBUILDER_SOURCE], "All")),
            Recording::Nothing
        );
        assert_eq!(
            recording(&sel(&[], "Sometimes")),
            Recording::Undetermined("ReadWriteType `Sometimes`".into())
        );
        // A selector that records writes wins over one that cannot be evaluated.
        let mut both = sel(&[], "Sometimes");
        both.event_selectors.as_mut().unwrap().push(EventSelector {
            read_write_type: Some("WriteOnly".into()),
            include_management_events: Some(true),
            exclude_management_event_sources: None,
        });
        assert_eq!(recording(&both), Recording::Writes);
    }

    #[test]
    fn basic_selectors() {
        let sel = |rw: Option<&str>, mgmt: Option<bool>| EventSelectorsResponse {
            trail_arn: None,
            event_selectors: Some(vec![EventSelector {
                read_write_type: rw.map(Into::into),
                include_management_events: mgmt,
                exclude_management_event_sources: None,
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
