//! What an audit assessed: each account and region it read, and what in
//! each it could not assess (the gaps IB900 reports, with the rules they
//! blocked). A region with no finding is listed too: that is what lets a
//! later step (the Security Hub import) tell "absent because fixed" from
//! "absent because not looked at".

use serde::{Deserialize, Serialize};

use ibaudit_snapshot::Snapshot;

/// The error code the collector records for what it did not read because
/// the run reached its maximum duration.
pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";

/// The accounts and regions an audit covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessedScope {
    /// The collection stopped at its maximum duration (`--max-duration`):
    /// what it did not reach is not in the snapshot, so no absence here
    /// means anything.
    pub stopped_at_deadline: bool,
    pub accounts: Vec<AccountScope>,
}

/// One account of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountScope {
    pub account_id: String,
    pub partition: String,
    /// Failures that stopped the whole account (AssumeRole refused, not
    /// ACTIVE): when not empty, nothing in the account was fully assessed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_assessed: Vec<Gap>,
    /// Every region read, with or without findings.
    pub regions: Vec<RegionScope>,
}

/// One region of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionScope {
    pub region: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_assessed: Vec<Gap>,
}

/// Data that was not collected, and the rules it kept from a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The AWS error code; `None` when the call's response is simply absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The rules this gap kept from a verdict; every rule for an account
    /// gap; empty when no verdict rested on it.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl AssessedScope {
    /// The accounts and regions of `snapshot`, without gaps (the audit adds
    /// them as it finds them).
    pub fn of(snapshot: &Snapshot) -> AssessedScope {
        let mut scope = AssessedScope::default();
        for a in &snapshot.accounts {
            scope.add(a);
        }
        scope
    }

    /// Adds `account`, its regions without gaps, to the scope.
    pub fn add(&mut self, a: &ibaudit_snapshot::Account) {
        self.stopped_at_deadline |= a.errors.iter().any(|e| e.code == DEADLINE_EXCEEDED)
            || a.regions
                .iter()
                .any(|r| r.errors.iter().any(|e| e.code == DEADLINE_EXCEEDED));
        self.accounts.push(AccountScope {
            account_id: a.account_id.clone(),
            partition: a.partition.clone(),
            not_assessed: a
                .errors
                .iter()
                .map(|e| Gap {
                    operation: e.operation.clone(),
                    resource: e.resource.clone(),
                    code: Some(e.code.clone()),
                    rules: crate::registry()
                        .iter()
                        .map(|r| r.meta().id.to_string())
                        .collect(),
                })
                .collect(),
            regions: a
                .regions
                .iter()
                .map(|r| RegionScope {
                    region: r.region.clone(),
                    not_assessed: Vec::new(),
                })
                .collect(),
        });
    }

    /// Whether the absence of a finding of `rule` in `account` and `region`
    /// means the rule found nothing there: the run was not stopped at its
    /// deadline, the account was entered, the region was read, and no gap
    /// there kept `rule` from a verdict. Anything else, and absence means
    /// nothing.
    pub fn assessed(&self, account: &str, region: &str, rule: &str) -> Result<(), NotAssessed> {
        if self.stopped_at_deadline {
            return Err(NotAssessed::Deadline);
        }
        let a = self
            .accounts
            .iter()
            .find(|a| a.account_id == account)
            .ok_or(NotAssessed::Account)?;
        if !a.not_assessed.is_empty() {
            return Err(NotAssessed::AccountGap);
        }
        let r = a
            .regions
            .iter()
            .find(|r| r.region == region)
            .ok_or(NotAssessed::Region)?;
        if r.not_assessed
            .iter()
            .any(|g| g.rules.iter().any(|x| x == rule))
        {
            return Err(NotAssessed::Rule);
        }
        Ok(())
    }
}

/// Why an absence means nothing (see [`AssessedScope::assessed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAssessed {
    Deadline,
    Account,
    AccountGap,
    Region,
    Rule,
}

impl NotAssessed {
    pub fn reason(self) -> &'static str {
        match self {
            NotAssessed::Deadline => "the scan stopped at its maximum duration",
            NotAssessed::Account => "the account is not in the report's scope",
            NotAssessed::AccountGap => "the account was not assessed",
            NotAssessed::Region => "the region is not in the report's scope",
            NotAssessed::Rule => "the rule was not assessed in this region",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> AssessedScope {
        AssessedScope {
            stopped_at_deadline: false,
            accounts: vec![
                AccountScope {
                    account_id: "111111111111".into(),
                    partition: "aws".into(),
                    not_assessed: vec![],
                    regions: vec![
                        RegionScope {
                            region: "eu-west-1".into(),
                            not_assessed: vec![Gap {
                                operation: "DescribeVpcAttribute".into(),
                                resource: Some("vpc-1".into()),
                                code: Some("AccessDenied".into()),
                                rules: vec!["IB003".into()],
                            }],
                        },
                        RegionScope {
                            region: "us-east-1".into(),
                            not_assessed: vec![],
                        },
                    ],
                },
                AccountScope {
                    account_id: "222222222222".into(),
                    partition: "aws".into(),
                    not_assessed: vec![Gap {
                        operation: "AssumeRole".into(),
                        resource: None,
                        code: Some("AccessDenied".into()),
                        rules: vec![],
                    }],
                    regions: vec![],
                },
            ],
        }
    }

    #[test]
    fn absence_means_fixed_only_where_the_rule_was_assessed() {
        let s = scope();
        assert_eq!(s.assessed("111111111111", "us-east-1", "IB003"), Ok(()));
        assert_eq!(s.assessed("111111111111", "eu-west-1", "IB002"), Ok(()));
        assert_eq!(
            s.assessed("111111111111", "eu-west-1", "IB003"),
            Err(NotAssessed::Rule)
        );
        assert_eq!(
            s.assessed("111111111111", "ap-south-1", "IB002"),
            Err(NotAssessed::Region)
        );
        assert_eq!(
            s.assessed("222222222222", "us-east-1", "IB002"),
            Err(NotAssessed::AccountGap)
        );
        assert_eq!(
            s.assessed("333333333333", "us-east-1", "IB002"),
            Err(NotAssessed::Account)
        );
        let stopped = AssessedScope {
            stopped_at_deadline: true,
            ..scope()
        };
        assert_eq!(
            stopped.assessed("111111111111", "us-east-1", "IB002"),
            Err(NotAssessed::Deadline)
        );
    }
}
