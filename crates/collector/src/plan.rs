//! What a region's listings say to describe next, by the terms of
//! [`ibaudit_snapshot::scope`], which the rules check by as well: the
//! subnets, VPCs, route tables, security groups and DNS attributes that
//! Image Builder endpoints and build subnets use, and nothing else.

use std::collections::BTreeSet;

use ibaudit_snapshot::aws::VpcEndpoint;
use ibaudit_snapshot::{scope, RegionSnapshot};

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The region holds an Image Builder endpoint (its trails matter).
    pub has_imagebuilder_endpoint: bool,
    /// The build subnets: their VPCs are Image Builder VPCs.
    pub build_subnets: BTreeSet<String>,
    /// Build subnets and the Image Builder endpoints' subnets.
    pub subnets: BTreeSet<String>,
    /// The Image Builder endpoints' security groups.
    pub security_groups: BTreeSet<String>,
    /// VPCs whose DNS attributes an Image Builder endpoint relies on.
    pub dns_vpcs: BTreeSet<String>,
}

fn imagebuilder_endpoints(snap: &RegionSnapshot) -> impl Iterator<Item = &VpcEndpoint> {
    scope::imagebuilder_endpoints(
        &snap.region,
        snap.describe_vpc_endpoints
            .iter()
            .flat_map(|r| &r.vpc_endpoints),
    )
}

impl Plan {
    /// From the listings (endpoints, infrastructure configurations).
    pub fn of(snap: &RegionSnapshot) -> Plan {
        let endpoints: Vec<&VpcEndpoint> = imagebuilder_endpoints(snap).collect();
        let build_subnets: BTreeSet<String> = scope::build_subnets(
            snap.get_infrastructure_configuration
                .iter()
                .flatten()
                .map(|g| &g.infrastructure_configuration),
        )
        .into_iter()
        .map(str::to_string)
        .collect();
        let mut subnets = build_subnets.clone();
        subnets.extend(
            endpoints
                .iter()
                .flat_map(|e| e.subnet_ids.iter().map(|id| id.to_string())),
        );
        Plan {
            has_imagebuilder_endpoint: !endpoints.is_empty(),
            subnets,
            security_groups: endpoints
                .iter()
                .flat_map(|e| e.groups.iter().map(|g| g.group_id.to_string()))
                .collect(),
            dns_vpcs: endpoints
                .iter()
                .filter(|e| scope::needs_vpc_dns_attributes(e))
                .map(|e| e.vpc_id.to_string())
                .collect(),
            build_subnets,
        }
    }

    /// The Image Builder VPCs, once the build subnets are described (those
    /// that were not add nothing: their failure is recorded).
    pub fn vpcs(&self, snap: &RegionSnapshot) -> BTreeSet<String> {
        let build = snap
            .describe_subnets
            .iter()
            .flat_map(|r| &r.subnets)
            .filter(|s| self.build_subnets.contains(s.subnet_id.as_str()));
        scope::imagebuilder_vpcs(imagebuilder_endpoints(snap), build)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(value: serde_json::Value) -> RegionSnapshot {
        let mut v = value;
        v["region"] = "us-east-1".into();
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_what_image_builder_uses_is_described() {
        let snap = region(serde_json::json!({
            "DescribeVpcEndpoints": {"VpcEndpoints": [
                {"VpcEndpointId": "vpce-ib", "VpcEndpointType": "Interface", "VpcId": "vpc-ib",
                 "ServiceName": "com.amazonaws.us-east-1.imagebuilder", "State": "available",
                 "PrivateDnsEnabled": true, "SubnetIds": ["subnet-e1"], "Groups": [{"GroupId": "sg-ib"}]},
                {"VpcEndpointId": "vpce-gone", "VpcEndpointType": "Interface", "VpcId": "vpc-gone",
                 "ServiceName": "com.amazonaws.us-east-1.imagebuilder", "State": "deleted",
                 "PrivateDnsEnabled": true, "SubnetIds": ["subnet-gone"], "Groups": [{"GroupId": "sg-gone"}]},
                {"VpcEndpointId": "vpce-other", "VpcEndpointType": "Interface", "VpcId": "vpc-other",
                 "ServiceName": "com.amazonaws.us-east-1.imagebuilder-fips",
                 "SubnetIds": ["subnet-other"], "Groups": [{"GroupId": "sg-other"}]},
                {"VpcEndpointId": "vpce-nodns", "VpcEndpointType": "Interface", "VpcId": "vpc-nodns",
                 "ServiceName": "com.amazonaws.us-east-1.imagebuilder", "PrivateDnsEnabled": false}
            ]},
            "GetInfrastructureConfiguration": [
                {"infrastructureConfiguration": {"arn": "a", "subnetId": "subnet-b"}},
                {"infrastructureConfiguration": {"arn": "b"}}
            ],
            "DescribeSubnets": {"Subnets": [
                {"SubnetId": "subnet-b", "VpcId": "vpc-build"},
                {"SubnetId": "subnet-e1", "VpcId": "vpc-ib"}
            ]}
        }));
        let plan = Plan::of(&snap);
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(plan.has_imagebuilder_endpoint);
        assert_eq!(plan.build_subnets, set(&["subnet-b"]));
        assert_eq!(plan.subnets, set(&["subnet-b", "subnet-e1"]));
        assert_eq!(plan.security_groups, set(&["sg-ib"]));
        assert_eq!(plan.dns_vpcs, set(&["vpc-ib"]));
        assert_eq!(plan.vpcs(&snap), set(&["vpc-build", "vpc-ib", "vpc-nodns"]));
    }

    #[test]
    fn nothing_listed_means_nothing_to_describe() {
        let plan = Plan::of(&region(serde_json::json!({})));
        assert_eq!(plan, Plan::default());
    }
}
