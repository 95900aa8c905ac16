//! The AWS API operations a snapshot can hold, named once.
//!
//! The snapshot's region keys, the collector's calls, the rules' not-assessed
//! bookkeeping and the shipped IAM policy all speak of operations through
//! [`Operation`], so a new operation cannot be added in one place and
//! forgotten in another.

use std::fmt;

/// The AWS service an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    CloudTrail,
    ImageBuilder,
}

impl Service {
    /// The service prefix of its IAM actions (`ec2`, `cloudtrail`, `imagebuilder`).
    pub const fn iam_prefix(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::CloudTrail => "cloudtrail",
            Service::ImageBuilder => "imagebuilder",
        }
    }
}

macro_rules! operations {
    ($($variant:ident => $service:ident),* $(,)?) => {
        /// An operation whose response a region of the snapshot holds under
        /// its own name (`DescribeVpcEndpoints`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Operation {
            $($variant,)*
        }

        impl Operation {
            /// Every operation, in the order a region writes them.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            /// The key of the operation's response in a region, which is
            /// also the API operation's name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => stringify!($variant),)*
                }
            }

            pub const fn service(self) -> Service {
                match self {
                    $(Operation::$variant => Service::$service,)*
                }
            }
        }
    };
}

operations! {
    DescribeVpcEndpoints => Ec2,
    DescribeVpcs => Ec2,
    DescribeVpcAttribute => Ec2,
    DescribeSubnets => Ec2,
    DescribeSecurityGroups => Ec2,
    DescribeRouteTables => Ec2,
    DescribePrefixLists => Ec2,
    DescribeTrails => CloudTrail,
    GetTrailStatus => CloudTrail,
    GetEventSelectors => CloudTrail,
    ListInfrastructureConfigurations => ImageBuilder,
    GetInfrastructureConfiguration => ImageBuilder,
}

impl Operation {
    /// The IAM action that authorizes the call, e.g. `ec2:DescribeVpcs`.
    pub fn iam_action(self) -> String {
        format!("{}:{}", self.service().iam_prefix(), self.name())
    }

    /// The operation a snapshot key names, if it is one.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }
}

impl fmt::Display for Operation {
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
        }
        assert_eq!(Operation::from_name("DescribeNothing"), None);
        assert_eq!(Operation::DescribeVpcs.iam_action(), "ec2:DescribeVpcs");
        assert_eq!(
            Operation::GetInfrastructureConfiguration.iam_action(),
            "imagebuilder:GetInfrastructureConfiguration"
        );
        assert_eq!(
            Operation::GetTrailStatus.iam_action(),
            "cloudtrail:GetTrailStatus"
        );
    }
}
