//! Suppressions: which findings a configured suppression covers, and which
//! suppressions have expired.

use crate::date::Date;
use crate::finding::{Finding, Suppressed};

/// One accepted finding pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub rule: String,
    /// Glob (`*`, `?`) over the resource id or ARN.
    pub resource: String,
    pub reason: String,
    pub expires: Option<Date>,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Suppression {
    fn matches(&self, f: &Finding) -> bool {
        self.rule.eq_ignore_ascii_case(f.rule)
            && self.account.as_deref().is_none_or(|a| a == f.account_id)
            && self.region.as_deref().is_none_or(|r| r == f.region)
            && (glob(&self.resource, &f.resource_id)
                || f.resource_arn
                    .as_deref()
                    .is_some_and(|arn| glob(&self.resource, arn)))
    }

    fn describe(&self) -> String {
        format!("{} on `{}`", self.rule, self.resource)
    }
}

/// `*` matches any run of characters (`/` and `:` included), `?` one: the
/// same wildcards as IAM's, case-sensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    ibaudit_policy::glob::matches(pattern, text, false)
}

/// Marks the findings that an unexpired suppression covers; returns a note
/// for each suppression that has expired. `source` names the config file.
pub(crate) fn apply(
    suppressions: &[Suppression],
    source: &str,
    findings: &mut [Finding],
    today: Date,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut active = Vec::new();
    for (i, s) in suppressions.iter().enumerate() {
        match s.expires {
            Some(day) if day < today => {
                let hits = findings.iter().filter(|f| s.matches(f)).count();
                notes.push(format!(
                    "{source}: suppression #{} ({}) expired on {day} and no longer applies; {hits} finding(s) it matched count again",
                    i + 1,
                    s.describe()
                ));
            }
            _ => active.push(s),
        }
    }
    for f in findings.iter_mut() {
        if let Some(s) = active.iter().find(|s| s.matches(f)) {
            f.suppressed = Some(Suppressed {
                reason: s.reason.clone(),
                expires: s.expires.map(|d| d.to_string()),
            });
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("vpce-*", "vpce-0abc"));
        assert!(glob("*", ""));
        assert!(glob(
            "arn:aws:ec2:*:vpc-endpoint/vpce-0?bc",
            "arn:aws:ec2:us-east-1:111122223333:vpc-endpoint/vpce-0abc"
        ));
        assert!(!glob("vpce-0?bc", "vpce-0abbc"));
        assert!(glob("*a*b", "xxaxxb"));
        assert!(!glob("vpce-1*", "vpce-0abc"));
        assert!(!glob("vpce-0abc", "vpce-0abcd"));
    }
}
