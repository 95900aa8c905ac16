//! One file per rule. Each declares its metadata with `rule_meta!` and
//! implements [`crate::Rule`].

pub mod ib001_endpoint_missing;
pub mod ib002_private_dns;
pub mod ib003_vpc_dns_attributes;
pub mod ib004_endpoint_state;
pub mod ib005_https_ingress;
pub mod ib006_single_az;
pub mod ib010_s3_awstoe;
pub mod ib011_s3_managed_components;
pub mod ib012_s3_path;
pub mod ib013_managed_component_read;
pub mod ib014_ssm_endpoints;
pub mod ib020_custom_policy;
pub mod ib021_cloudtrail;
pub mod ib030_policy_action;
pub mod ib031_policy_invalid;
pub mod not_assessed;
mod s3_policy;

use crate::finding::{Resource, ResourceKind};

pub(crate) fn endpoint(id: &str) -> Resource {
    Resource::new(ResourceKind::VpcEndpoint, id)
}

pub(crate) fn subnet(id: &str) -> Resource {
    Resource::new(ResourceKind::Subnet, id)
}

/// "a, b and c"
pub(crate) fn list(items: &[impl AsRef<str>]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}
