//! ibaudit's rules: one file per documented consideration, each a pure
//! function of a snapshot region (and its account), plus the audit that runs
//! them, the not-assessed bookkeeping (IB900) and suppressions.

mod audit;
pub mod config;
mod context;
mod finding;
mod registry;
mod requests;
mod rules;

pub use audit::{audit, AuditOptions, Outcome, Report};
pub use config::{Config, ConfigError, Date, Suppression};
pub use context::{AccountCtx, Missing, RegionCtx};
pub use finding::{Finding, Resource, ResourceKind, Severity, Suppressed};
pub use registry::{registry, rule_by_id, DocPage, Rule, RuleMeta, Sink};
