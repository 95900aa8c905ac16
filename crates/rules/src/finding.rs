use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected critical, high, medium, low or info)")
            })
    }
}

/// What a finding is about. The kind decides the CloudFormation-style type
/// name and how the ARN is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    VpcEndpoint,
    Vpc,
    Subnet,
    SecurityGroup,
    /// Identified by its ARN.
    InfrastructureConfiguration,
    /// Identified by its ARN.
    Trail,
    /// A whole region of an account.
    Region,
    /// A whole account (identified by its id).
    Account,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::VpcEndpoint,
        ResourceKind::Vpc,
        ResourceKind::Subnet,
        ResourceKind::SecurityGroup,
        ResourceKind::InfrastructureConfiguration,
        ResourceKind::Trail,
        ResourceKind::Region,
        ResourceKind::Account,
    ];

    /// The kind whose [`ResourceKind::type_name`] is `name`.
    pub fn from_type_name(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.type_name() == name)
    }

    pub fn type_name(self) -> &'static str {
        match self {
            ResourceKind::VpcEndpoint => "AWS::EC2::VPCEndpoint",
            ResourceKind::Vpc => "AWS::EC2::VPC",
            ResourceKind::Subnet => "AWS::EC2::Subnet",
            ResourceKind::SecurityGroup => "AWS::EC2::SecurityGroup",
            ResourceKind::InfrastructureConfiguration => {
                "AWS::ImageBuilder::InfrastructureConfiguration"
            }
            ResourceKind::Trail => "AWS::CloudTrail::Trail",
            ResourceKind::Region => "AWS::Region",
            // AWS Config's resource type for an account.
            ResourceKind::Account => "AWS::::Account",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    pub id: String,
}

impl Resource {
    pub fn new(kind: ResourceKind, id: impl Into<String>) -> Self {
        Resource {
            kind,
            id: id.into(),
        }
    }

    /// The resource's ARN, where it has one.
    pub fn arn(&self, partition: &str, region: &str, account: &str) -> Option<String> {
        let ec2 = |what: &str| format!("arn:{partition}:ec2:{region}:{account}:{what}/{}", self.id);
        match self.kind {
            ResourceKind::VpcEndpoint => Some(ec2("vpc-endpoint")),
            ResourceKind::Vpc => Some(ec2("vpc")),
            ResourceKind::Subnet => Some(ec2("subnet")),
            ResourceKind::SecurityGroup => Some(ec2("security-group")),
            ResourceKind::InfrastructureConfiguration | ResourceKind::Trail => {
                self.id.starts_with("arn:").then(|| self.id.clone())
            }
            ResourceKind::Region | ResourceKind::Account => None,
        }
    }
}

/// Why a finding does not count: the matching suppression's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One problem on one resource. Knows nothing of output formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    /// The id of the rule's outcome this finding is (`blocks`, `no-path`):
    /// see `RuleMeta::outcome`.
    pub outcome: &'static str,
    /// The outcome's severity.
    pub severity: Severity,
    pub account_id: String,
    /// The account's name in AWS Organizations, where the snapshot has it.
    pub account_name: Option<String>,
    pub region: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub resource_arn: Option<String>,
    /// The resource's `Name` tag, where the snapshot has one (endpoints,
    /// VPCs, subnets): how reviewers know their resources. Text anyone who
    /// can tag the resource sets: reports print it inert.
    pub resource_name: Option<String>,
    pub message: String,
    /// Stable for the same rule, account, region, resource and key: never a
    /// timestamp, never the message text.
    pub fingerprint: String,
    pub suppressed: Option<Suppressed>,
    /// The finding says something could not be assessed, not that something
    /// is wrong: it makes a run incomplete, never failed.
    pub not_assessed: bool,
    /// What distinguishes several findings of one rule on one resource (a
    /// bucket, a statement), as the fingerprint includes it.
    pub key: Option<String>,
    /// Where the resource is declared, for infrastructure as code.
    pub location: Option<Location>,
    /// For a change audited in its account (`iac --snapshot`): whether the
    /// change introduces the finding.
    pub introduced: Option<bool>,
}

/// Where an IaC resource is declared: the file and 1-based line and column
/// of the attribute (or block) that sets what the finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The Terraform resource address, module keys and indexes included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The CloudFormation logical id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_id: Option<String>,
    /// False when the location is the plan JSON's entry, not the `.tf`
    /// source (no `--source-root`).
    pub in_source: bool,
    /// Related places: a module's call site.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedLocation {
    pub label: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Finding {
    pub fn is_not_assessed(&self) -> bool {
        self.not_assessed
    }
}
