//! One file per rule. Each declares its metadata with `rule_meta!` and
//! implements [`crate::Rule`].

pub mod ib001_endpoint_missing;
pub mod ib002_private_dns;
pub mod ib003_vpc_dns_attributes;
pub mod ib004_endpoint_state;
pub mod ib005_https_ingress;
pub mod ib006_single_az;
pub mod ib012_s3_path;
pub mod ib014_ssm_endpoints;
pub mod ib020_custom_policy;
pub mod ib021_cloudtrail;
pub mod not_assessed;

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
