//! Small helpers the rules share: resources by kind, and lists in prose.

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
