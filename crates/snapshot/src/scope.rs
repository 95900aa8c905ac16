//! What matters in a region, defined once: the collector describes exactly
//! these resources and the rules check exactly these, so the two cannot
//! drift apart and data cannot go missing without a word.
//!
//! The terms are those of the rules' contract: an **Image Builder endpoint**,
//! a **build subnet**, an **Image Builder VPC**, and the AWS service names
//! `com.amazonaws.<region>.<service>`.

use std::collections::BTreeSet;

use crate::aws::{InfrastructureConfiguration, Subnet, VpcEndpoint};

/// The AWS services whose endpoints the audit looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EndpointService {
    ImageBuilder,
    S3,
    Ssm,
    SsmMessages,
}

impl EndpointService {
    pub const ALL: &'static [EndpointService] = &[
        EndpointService::ImageBuilder,
        EndpointService::S3,
        EndpointService::Ssm,
        EndpointService::SsmMessages,
    ];

    /// The last part of the service name: `imagebuilder`, `s3`, `ssm`, `ssmmessages`.
    pub const fn id(self) -> &'static str {
        match self {
            EndpointService::ImageBuilder => "imagebuilder",
            EndpointService::S3 => "s3",
            EndpointService::Ssm => "ssm",
            EndpointService::SsmMessages => "ssmmessages",
        }
    }

    /// `com.amazonaws.<region>.<service>`.
    pub fn service_name(self, region: &str) -> String {
        service_name(region, self.id())
    }

    /// Whether an endpoint is for this service in `region`: an exact match.
    pub fn is_endpoint_for(self, region: &str, ep: &VpcEndpoint) -> bool {
        // VPC Lattice `Resource` and `ServiceNetwork` endpoints have no
        // service name: they are never an endpoint of an AWS service.
        ep.service_name
            .as_deref()
            .is_some_and(|name| is_service_name(name, region, self.id()))
    }
}

/// The name of an AWS service's endpoint in a region. Amazon VPC documents
/// that "an AWS prefix list name uses the form com.amazonaws.region.service",
/// and the Image Builder guide: "Create a VPC endpoint for Image Builder
/// using the following service name: com.amazonaws.region.imagebuilder".
pub fn service_name(region: &str, service: &str) -> String {
    format!("com.amazonaws.{region}.{service}")
}

/// Whether `name` is exactly `com.amazonaws.<region>.<service>`, never a
/// substring or suffix test (`com.amazonaws.us-east-1.imagebuilder-fips` or
/// another region's endpoint is not it).
pub fn is_service_name(name: &str, region: &str, service: &str) -> bool {
    name.strip_prefix("com.amazonaws.")
        .and_then(|rest| rest.strip_prefix(region))
        .and_then(|rest| rest.strip_prefix('.'))
        == Some(service)
}

/// An Image Builder endpoint: an `Interface` endpoint whose `ServiceName` is
/// exactly `com.amazonaws.<region>.imagebuilder` for the region it is in.
pub fn is_imagebuilder_endpoint(region: &str, ep: &VpcEndpoint) -> bool {
    ep.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
        && EndpointService::ImageBuilder.is_endpoint_for(region, ep)
}

/// States in which an endpoint no longer exists or never will carry traffic.
pub fn is_gone(ep: &VpcEndpoint) -> bool {
    ep.state.as_deref().is_some_and(|s| {
        ["deleted", "deleting"]
            .iter()
            .any(|x| s.eq_ignore_ascii_case(x))
    })
}

/// Whether an endpoint can carry traffic now or once it settles.
pub fn is_usable(ep: &VpcEndpoint) -> bool {
    !ep.state.as_deref().is_some_and(|s| {
        ["deleted", "deleting", "failed", "rejected", "expired"]
            .iter()
            .any(|x| s.eq_ignore_ascii_case(x))
    })
}

/// The Image Builder endpoints of a region that still exist (not deleted or
/// deleting): the ones every endpoint rule looks at.
pub fn imagebuilder_endpoints<'a>(
    region: &'a str,
    endpoints: impl IntoIterator<Item = &'a VpcEndpoint> + 'a,
) -> impl Iterator<Item = &'a VpcEndpoint> + 'a {
    endpoints
        .into_iter()
        .filter(move |e| is_imagebuilder_endpoint(region, e) && !is_gone(e))
}

/// A build subnet: the `subnetId` of an Image Builder infrastructure
/// configuration in the region (absent: Image Builder uses the default VPC).
pub fn build_subnet(config: &InfrastructureConfiguration) -> Option<&str> {
    config.subnet_id.as_deref()
}

/// The build subnets of some infrastructure configurations, sorted and
/// without repeats.
pub fn build_subnets<'a>(
    configs: impl IntoIterator<Item = &'a InfrastructureConfiguration>,
) -> BTreeSet<&'a str> {
    configs.into_iter().filter_map(build_subnet).collect()
}

/// The Image Builder VPCs: those that hold an Image Builder endpoint (give
/// the region's [`imagebuilder_endpoints`]) or a build subnet (give the
/// described build subnets).
pub fn imagebuilder_vpcs<'a>(
    imagebuilder_endpoints: impl IntoIterator<Item = &'a VpcEndpoint>,
    build_subnets: impl IntoIterator<Item = &'a Subnet>,
) -> BTreeSet<&'a str> {
    imagebuilder_endpoints
        .into_iter()
        .map(|e| e.vpc_id.as_str())
        .chain(build_subnets.into_iter().map(|s| s.vpc_id.as_str()))
        .collect()
}

/// Whether an Image Builder endpoint relies on its VPC's DNS attributes
/// (`enableDnsSupport`, `enableDnsHostnames`): when private DNS is on.
/// Amazon VPC documents: "To use private DNS, you must set the following VPC
/// attributes to true: enableDnsHostnames and enableDnsSupport."
pub fn needs_vpc_dns_attributes(ep: &VpcEndpoint) -> bool {
    ep.private_dns_enabled == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(kind: &str, service: &str, state: Option<&str>, vpc: &str) -> VpcEndpoint {
        serde_json::from_value(serde_json::json!({
            "VpcEndpointId": "vpce-1", "VpcEndpointType": kind, "VpcId": vpc,
            "ServiceName": service, "State": state,
        }))
        .unwrap()
    }

    #[test]
    fn service_names_are_matched_exactly() {
        assert_eq!(
            EndpointService::SsmMessages.service_name("eu-west-1"),
            "com.amazonaws.eu-west-1.ssmmessages"
        );
        assert!(is_service_name(
            "com.amazonaws.eu-west-1.s3",
            "eu-west-1",
            "s3"
        ));
        for other in [
            "com.amazonaws.eu-west-1.s3-control",
            "com.amazonaws.eu-west-12.s3",
            "com.amazonaws.us-east-1.s3",
            "com.amazonaws.eu-west-1.s3.",
            "aws.sagemaker.eu-west-1.s3",
            "com.amazonaws.eu-west-1",
            "",
        ] {
            assert!(!is_service_name(other, "eu-west-1", "s3"), "{other}");
        }
        assert!(!EndpointService::Ssm.is_endpoint_for(
            "eu-west-1",
            &endpoint(
                "Interface",
                "com.amazonaws.eu-west-1.ssmmessages",
                None,
                "vpc-1"
            )
        ));
        let ids: Vec<&str> = EndpointService::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["imagebuilder", "s3", "ssm", "ssmmessages"]);
    }

    #[test]
    fn imagebuilder_endpoints_are_live_interface_endpoints_of_the_region() {
        let r = "us-east-1";
        let ib = "com.amazonaws.us-east-1.imagebuilder";
        let eps = [
            endpoint("Interface", ib, Some("available"), "vpc-a"),
            endpoint("interface", ib, None, "vpc-b"),
            endpoint("Gateway", ib, None, "vpc-c"),
            endpoint("Interface", ib, Some("Deleted"), "vpc-d"),
            endpoint("Interface", ib, Some("failed"), "vpc-e"),
            endpoint(
                "Interface",
                "com.amazonaws.us-east-2.imagebuilder",
                None,
                "vpc-f",
            ),
            endpoint(
                "Interface",
                "com.amazonaws.us-east-1.imagebuilder-fips",
                None,
                "vpc-g",
            ),
        ];
        let vpcs: Vec<&str> = imagebuilder_endpoints(r, &eps)
            .map(|e| e.vpc_id.as_str())
            .collect();
        // A failed endpoint still exists: rules report its state.
        assert_eq!(vpcs, ["vpc-a", "vpc-b", "vpc-e"]);
        assert!(is_imagebuilder_endpoint(r, &eps[3]) && is_gone(&eps[3]));
        assert!(!is_usable(&eps[4]) && is_usable(&eps[1]));
    }

    #[test]
    fn imagebuilder_vpcs_join_endpoints_and_build_subnets() {
        let configs: Vec<InfrastructureConfiguration> = serde_json::from_value(serde_json::json!([
            {"arn": "a", "subnetId": "subnet-2"},
            {"arn": "b"},
            {"arn": "c", "subnetId": "subnet-1"},
            {"arn": "d", "subnetId": "subnet-2"},
        ]))
        .unwrap();
        assert_eq!(
            build_subnets(&configs).into_iter().collect::<Vec<_>>(),
            ["subnet-1", "subnet-2"]
        );
        let subnets: Vec<Subnet> = serde_json::from_value(serde_json::json!([
            {"SubnetId": "subnet-1", "VpcId": "vpc-b"},
        ]))
        .unwrap();
        let eps = [endpoint("Interface", "x", None, "vpc-a")];
        assert_eq!(
            imagebuilder_vpcs(&eps, &subnets)
                .into_iter()
                .collect::<Vec<_>>(),
            ["vpc-a", "vpc-b"]
        );
    }
}
