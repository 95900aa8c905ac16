//! The rule contract: what a rule is ([`Rule`], [`RuleMeta`]), the outcomes
//! it can report ([`RuleOutcome`]), where it reports them ([`Sink`]), and the
//! [`rule!`] macro that declares all of it in the rule's own file.

use crate::context::RegionCtx;
use crate::doc::DocPage;
use crate::finding::{Resource, Severity};
use crate::missing::{Missing, Partial};

/// One way a rule's check can end in a finding, with the severity every
/// finding of that kind has. Declared once, in the rule's `rule!`.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Stable, kebab-case, unique within the rule (`blocks`, `cannot-prove`).
    pub id: &'static str,
    pub severity: Severity,
    /// One line saying what this outcome means.
    pub title: &'static str,
}

/// A rule's identity and documentation, declared once in the rule's file.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    /// The rule's default severity: its primary (first) outcome's.
    pub severity: Severity,
    /// Every outcome the rule can report; the first is its primary.
    pub outcomes: &'static [&'static RuleOutcome],
    /// The rule's doc page, `rules/<ID>.md`, compiled in.
    pub doc: &'static str,
}

impl RuleMeta {
    pub fn doc_page(&self) -> DocPage<'static> {
        DocPage::parse(self.doc)
    }

    /// The outcome with this id, if the rule has it.
    pub fn outcome(&self, id: &str) -> Option<&'static RuleOutcome> {
        self.outcomes.iter().copied().find(|o| o.id == id)
    }
}

/// A rule: reads one region (and, through it, its account) and reports.
///
/// Returning `Err(Missing)` says the rule could not look at the region at all;
/// the audit turns it into an IB900 finding. A rule that can look at some
/// resources but not others reports the others through [`Sink::not_assessed`].
///
/// Implemented by the crate's `rule!` macro, never by hand.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing>;
}

/// Declares a rule in its file: the unit struct, one `pub static` per
/// outcome, `META` (the doc page is read from `rules/<ID>.md`) and the
/// [`Rule`] impl, whose `check` calls the file's
/// `fn check(ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing>`.
///
/// ```ignore
/// rule! {
///     /// What the rule is about.
///     PrivateDnsDisabled {
///         id: "IB002",
///         name: "private-dns-disabled",
///         outcomes: {
///             DISABLED: "disabled", Medium, "the endpoint has private DNS disabled";
///         },
///     }
/// }
/// ```
///
/// The first outcome is the rule's primary: its severity is the rule's.
/// Registering the rule is one line in `crates/rules/src/rules/mod.rs`.
macro_rules! rule {
    (
        $(#[$attr:meta])*
        $name:ident {
            id: $id:literal,
            name: $slug:literal,
            outcomes: {
                $( $(#[$oattr:meta])* $outcome:ident: $oid:literal, $severity:ident, $title:literal; )+
            } $(,)?
        }
    ) => {
        $(#[$attr])*
        pub struct $name;

        $(
            $(#[$oattr])*
            pub static $outcome: $crate::rule::RuleOutcome = $crate::rule::RuleOutcome {
                id: $oid,
                severity: $crate::finding::Severity::$severity,
                title: $title,
            };
        )+

        pub static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            id: $id,
            name: $slug,
            severity: [$($crate::finding::Severity::$severity),+][0],
            outcomes: &[$(&$outcome),+],
            doc: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../rules/",
                $id,
                ".md"
            )),
        };

        impl $crate::rule::Rule for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &META
            }

            fn check(
                &self,
                ctx: &$crate::context::RegionCtx<'_>,
                out: &mut $crate::rule::Sink,
            ) -> Result<(), $crate::missing::Missing> {
                check(ctx, out)
            }
        }
    };
}
pub(crate) use rule;

/// A finding as a rule reports it, before the audit adds account, ARN and
/// fingerprint.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub outcome: &'static RuleOutcome,
    pub resource: Resource,
    pub message: String,
    /// Distinguishes several findings of one rule on one resource.
    pub key: Option<String>,
}

/// Where a rule puts what it finds.
#[derive(Debug, Default)]
pub struct Sink {
    findings: Vec<Raw>,
    missing: Vec<Missing>,
}

impl Sink {
    /// A finding of `outcome` (one of the rule's own) on `resource`.
    pub fn report(
        &mut self,
        outcome: &'static RuleOutcome,
        resource: Resource,
        message: impl Into<String>,
    ) {
        self.findings.push(Raw {
            outcome,
            resource,
            message: message.into(),
            key: None,
        });
    }

    /// As [`Sink::report`], for a rule that can report several findings on
    /// one resource: `key` tells them apart (and enters the fingerprint).
    pub fn report_keyed(
        &mut self,
        outcome: &'static RuleOutcome,
        resource: Resource,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.findings.push(Raw {
            outcome,
            resource,
            message: message.into(),
            key: Some(key.into()),
        });
    }

    /// This resource (or the whole region) could not be checked.
    pub fn not_assessed(&mut self, missing: Missing) {
        self.missing.push(missing);
    }

    /// Reports what `partial` could not work out as not assessed; returns
    /// what it could.
    pub fn report_gaps<T>(&mut self, partial: Partial<T>) -> T {
        self.missing.extend(partial.missing);
        partial.value
    }

    pub(crate) fn into_parts(self) -> (Vec<Raw>, Vec<Missing>) {
        (self.findings, self.missing)
    }
}
