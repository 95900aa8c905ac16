//! ibaudit's rules: one file per documented consideration, each a pure
//! function of a snapshot region (and its account), plus the audit that runs
//! them, the not-assessed bookkeeping (IB900) and suppressions.
//!
//! The modules, bottom up: `finding` (what a finding is), `missing` (data a
//! rule did not get), `context` (the index over a region), `doc` and `rule`
//! (the rule contract), `rules` (the rules and their list), `registry`,
//! `date`, `suppress` (what a suppression matches), `config` (the config
//! file), `audit`.

mod audit;
pub mod config;
mod context;
mod date;
mod doc;
mod finding;
mod missing;
pub mod network;
mod registry;
mod requests;
mod rule;
mod rules;
pub mod scope;
mod suppress;

pub use audit::{audit, fingerprint, sort_and_dedup, AuditOptions, Auditor, Outcome, Report};
pub use config::{Config, ConfigError, Date, Suppression};
pub use context::{AccountCtx, RegionCtx};
pub use doc::DocPage;
pub use finding::{
    Finding, Location, RelatedLocation, Resource, ResourceKind, Severity, Suppressed,
};
pub use missing::{Missing, Partial};
pub use registry::{registry, rule_by_id};
pub use rule::{Rule, RuleMeta, RuleOutcome, Sink};
pub use scope::AssessedScope;
