//! The AWS API operations ibaudit makes, named once.
//!
//! The snapshot's region keys, the collector's calls, its call counters and
//! `-v` output, the rules' not-assessed bookkeeping and the shipped IAM policy
//! all speak of operations through [`Operation`] (what a region of a snapshot
//! holds) and [`AccountOperation`] (what the collector asks once per account
//! and does not store), joined in [`ApiCall`]. A new operation cannot be added
//! in one place and forgotten in another.

use std::fmt;

/// The AWS service an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    CloudTrail,
    ImageBuilder,
    Sts,
    Organizations,
}

impl Service {
    /// The service prefix of its IAM actions (`ec2`, `cloudtrail`, `imagebuilder`, `sts`).
    pub const fn iam_prefix(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::CloudTrail => "cloudtrail",
            Service::ImageBuilder => "imagebuilder",
            Service::Sts => "sts",
            Service::Organizations => "organizations",
        }
    }
}

/// Declares an enum of operations grouped by service, with its list, names
/// and IAM actions (`prefix:Name`), all `const`.
macro_rules! operations {
    (
        $(#[$doc:meta])*
        $enum:ident {
            $($prefix:ident => $service:ident [$($variant:ident),* $(,)?]),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $enum {
            $($($variant,)*)*
        }

        impl $enum {
            /// Every operation, in the order they are declared (for
            /// [`Operation`], the order a region writes them).
            pub const ALL: &'static [$enum] = &[$($($enum::$variant,)*)*];

            /// The API operation's name (for [`Operation`], also its key in
            /// a region of the snapshot).
            pub const fn name(self) -> &'static str {
                match self {
                    $($($enum::$variant => stringify!($variant),)*)*
                }
            }

            pub const fn service(self) -> Service {
                match self {
                    $($($enum::$variant => Service::$service,)*)*
                }
            }

            /// The IAM action that authorizes the call, e.g. `ec2:DescribeVpcs`.
            pub const fn iam_action(self) -> &'static str {
                match self {
                    $($($enum::$variant => concat!(stringify!($prefix), ":", stringify!($variant)),)*)*
                }
            }

            /// The operation a name designates, if it is one.
            pub fn from_name(name: &str) -> Option<$enum> {
                $enum::ALL.iter().copied().find(|op| op.name() == name)
            }
        }

        impl fmt::Display for $enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

operations! {
    /// An operation whose response a region of the snapshot holds under its
    /// own name (`DescribeVpcEndpoints`, ...).
    Operation {
        ec2 => Ec2 [
            DescribeVpcEndpoints,
            DescribeVpcs,
            DescribeVpcAttribute,
            DescribeSubnets,
            DescribeSecurityGroups,
            DescribeRouteTables,
            DescribePrefixLists,
        ],
        cloudtrail => CloudTrail [DescribeTrails, GetTrailStatus, GetEventSelectors],
        imagebuilder => ImageBuilder [
            ListInfrastructureConfigurations,
            GetInfrastructureConfiguration,
        ],
    }
}

operations! {
    /// A call the collector makes once per account whose answer is not kept
    /// under its own name: who the credentials belong to, and which regions
    /// are enabled (with `--all-regions`).
    AccountOperation {
        sts => Sts [GetCallerIdentity],
        ec2 => Ec2 [DescribeRegions],
    }
}

operations! {
    /// The calls an organization scan adds, made with the caller's own
    /// credentials: listing the organization's accounts and entering each
    /// one. `iam/ibaudit-auditor-policy.json` grants exactly these.
    OrgOperation {
        organizations => Organizations [ListAccounts, DescribeOrganization],
        sts => Sts [AssumeRole],
    }
}

impl OrgOperation {
    /// The IAM action of every organization call, in declaration order: the
    /// tail of [`ApiCall::IAM_ACTIONS`].
    pub const IAM_ACTIONS: &'static [&'static str] = ApiCall::IAM_ACTIONS
        .split_at(AccountOperation::ALL.len() + Operation::ALL.len())
        .1;
}

impl AccountOperation {
    /// Whether the call needs an IAM permission. STS documents of
    /// GetCallerIdentity: "No permissions are required to perform this
    /// operation. If an administrator attaches a policy to your identity that
    /// explicitly denies access to the sts:GetCallerIdentity action, you can
    /// still perform this operation."
    pub const fn needs_permission(self) -> bool {
        !matches!(self, AccountOperation::GetCallerIdentity)
    }
}

/// Any call the collector makes: the one list its counters, its `-v` output
/// and the shipped IAM policy are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiCall {
    Account(AccountOperation),
    Region(Operation),
    Org(OrgOperation),
}

impl ApiCall {
    /// Every call: account-level, then region-level, then the organization
    /// scan's.
    pub const ALL: &'static [ApiCall] = &{
        const A: usize = AccountOperation::ALL.len();
        const R: usize = A + Operation::ALL.len();
        const N: usize = R + OrgOperation::ALL.len();
        let mut all = [ApiCall::Account(AccountOperation::GetCallerIdentity); N];
        let mut i = 0;
        while i < N {
            all[i] = if i < A {
                ApiCall::Account(AccountOperation::ALL[i])
            } else if i < R {
                ApiCall::Region(Operation::ALL[i - A])
            } else {
                ApiCall::Org(OrgOperation::ALL[i - R])
            };
            i += 1;
        }
        all
    };

    /// The IAM actions of the calls every scan makes (all but the
    /// organization scan's): what `iam/ibaudit-readonly-policy.json` grants,
    /// plus `sts:GetCallerIdentity`, which needs no permission.
    pub const READ_ONLY_IAM_ACTIONS: &'static [&'static str] = ApiCall::IAM_ACTIONS
        .split_at(AccountOperation::ALL.len() + Operation::ALL.len())
        .0;

    /// The IAM action of every call, in [`ApiCall::ALL`]'s order.
    pub const IAM_ACTIONS: &'static [&'static str] = &{
        const N: usize = ApiCall::ALL.len();
        let mut all = [""; N];
        let mut i = 0;
        while i < N {
            all[i] = ApiCall::ALL[i].iam_action();
            i += 1;
        }
        all
    };

    pub const fn name(self) -> &'static str {
        match self {
            ApiCall::Account(op) => op.name(),
            ApiCall::Region(op) => op.name(),
            ApiCall::Org(op) => op.name(),
        }
    }

    pub const fn service(self) -> Service {
        match self {
            ApiCall::Account(op) => op.service(),
            ApiCall::Region(op) => op.service(),
            ApiCall::Org(op) => op.service(),
        }
    }

    pub const fn iam_action(self) -> &'static str {
        match self {
            ApiCall::Account(op) => op.iam_action(),
            ApiCall::Region(op) => op.iam_action(),
            ApiCall::Org(op) => op.iam_action(),
        }
    }

    /// Whether the call needs an IAM permission (every one but
    /// `sts:GetCallerIdentity`).
    pub const fn needs_permission(self) -> bool {
        match self {
            ApiCall::Account(op) => op.needs_permission(),
            ApiCall::Region(_) | ApiCall::Org(_) => true,
        }
    }

    /// The call an SDK names by its service (`EC2`, `CloudTrail`,
    /// `imagebuilder`, `STS`: compared without case) and operation name.
    pub fn from_service_and_name(service: &str, name: &str) -> Option<ApiCall> {
        ApiCall::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name && c.service().iam_prefix().eq_ignore_ascii_case(service))
    }
}

impl From<Operation> for ApiCall {
    fn from(op: Operation) -> ApiCall {
        ApiCall::Region(op)
    }
}

impl From<OrgOperation> for ApiCall {
    fn from(op: OrgOperation) -> ApiCall {
        ApiCall::Org(op)
    }
}

impl From<AccountOperation> for ApiCall {
    fn from(op: AccountOperation) -> ApiCall {
        ApiCall::Account(op)
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_actions_are_prefixed() {
        for &op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
            assert_eq!(
                op.iam_action(),
                format!("{}:{}", op.service().iam_prefix(), op.name())
            );
        }
        assert_eq!(Operation::from_name("DescribeNothing"), None);
        assert_eq!(Operation::from_name("DescribeRegions"), None);
        assert_eq!(Operation::DescribeVpcs.iam_action(), "ec2:DescribeVpcs");
        assert_eq!(
            Operation::GetInfrastructureConfiguration.iam_action(),
            "imagebuilder:GetInfrastructureConfiguration"
        );
        assert_eq!(
            Operation::GetTrailStatus.iam_action(),
            "cloudtrail:GetTrailStatus"
        );
        assert_eq!(
            AccountOperation::GetCallerIdentity.iam_action(),
            "sts:GetCallerIdentity"
        );
        assert_eq!(
            AccountOperation::DescribeRegions.iam_action(),
            "ec2:DescribeRegions"
        );
    }

    #[test]
    fn every_call_is_listed_once_with_its_action() {
        assert_eq!(
            ApiCall::ALL.len(),
            Operation::ALL.len() + AccountOperation::ALL.len() + OrgOperation::ALL.len()
        );
        assert_eq!(
            ApiCall::READ_ONLY_IAM_ACTIONS.len(),
            Operation::ALL.len() + AccountOperation::ALL.len()
        );
        assert!(!ApiCall::READ_ONLY_IAM_ACTIONS.contains(&"sts:AssumeRole"));
        assert_eq!(
            OrgOperation::IAM_ACTIONS,
            [
                "organizations:ListAccounts",
                "organizations:DescribeOrganization",
                "sts:AssumeRole"
            ]
        );
        for (i, &call) in ApiCall::ALL.iter().enumerate() {
            assert_eq!(ApiCall::IAM_ACTIONS[i], call.iam_action());
            assert!(!ApiCall::ALL[..i].contains(&call), "{call} is listed twice");
        }
        assert!(ApiCall::ALL.contains(&ApiCall::Region(Operation::DescribeTrails)));
        assert!(ApiCall::ALL.contains(&ApiCall::Account(AccountOperation::DescribeRegions)));
        assert!(!ApiCall::from(AccountOperation::GetCallerIdentity).needs_permission());
        assert!(ApiCall::from(AccountOperation::DescribeRegions).needs_permission());
        assert!(ApiCall::from(Operation::DescribeVpcs).needs_permission());
    }

    #[test]
    fn sdk_names_map_to_calls() {
        // The service ids the AWS SDK for Rust puts in an operation's metadata.
        for (service, name, call) in [
            (
                "EC2",
                "DescribeVpcs",
                ApiCall::Region(Operation::DescribeVpcs),
            ),
            (
                "CloudTrail",
                "GetTrailStatus",
                ApiCall::Region(Operation::GetTrailStatus),
            ),
            (
                "imagebuilder",
                "ListInfrastructureConfigurations",
                ApiCall::Region(Operation::ListInfrastructureConfigurations),
            ),
            (
                "STS",
                "GetCallerIdentity",
                ApiCall::Account(AccountOperation::GetCallerIdentity),
            ),
            (
                "EC2",
                "DescribeRegions",
                ApiCall::Account(AccountOperation::DescribeRegions),
            ),
        ] {
            assert_eq!(ApiCall::from_service_and_name(service, name), Some(call));
        }
        assert_eq!(ApiCall::from_service_and_name("EC2", "RunInstances"), None);
        assert_eq!(ApiCall::from_service_and_name("STS", "DescribeVpcs"), None);
        assert_eq!(ApiCall::from_service_and_name("", ""), None);
    }
}
