//! The registry: every rule, as `crate::rules` lists them.

use crate::rule::Rule;
use crate::rules;

/// Every rule, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    rules::ALL
}

/// Looks a rule up by id, case-insensitively.
pub fn rule_by_id(id: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id))
}
