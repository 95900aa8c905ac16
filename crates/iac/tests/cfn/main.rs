//! The CloudFormation reader on the fixture templates of `fixtures/iac/cfn/`
//! (valid CloudFormation: `cfn-lint` passes on them), through the public
//! API only.

use ibaudit_iac::cfn::{looks_like_template, read_template, CfnOptions};
use ibaudit_iac::ir::{
    IacModel, IrKind, IrRegion, IrResource, Location, RouteTarget, SourceKind, V,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/iac/cfn/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str, regions: &[&str], params: &[(&str, &str)], account: Option<&str>) -> IacModel {
    let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let opts = CfnOptions {
        parameters: &params,
        regions: &regions,
        account_id: account,
        partition: "aws",
    };
    read_template(&fixture(name), &format!("fixtures/iac/cfn/{name}"), &opts).unwrap()
}

fn res<'a>(r: &'a IrRegion, id: &str) -> &'a IrResource {
    r.resources
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no resource {id} in {} {:?}", r.region, r.variant))
}

fn k<T>(t: T) -> V<T> {
    V::Known(t)
}

fn ks(s: &str) -> V<String> {
    V::Known(s.to_string())
}

fn loc(file: &str, line: u32, column: u32) -> Location {
    Location {
        file: format!("fixtures/iac/cfn/{file}"),
        line,
        column,
    }
}

#[test]
fn every_fixture_looks_like_a_template() {
    for f in [
        "healthy.yaml",
        "broken.yaml",
        "parameters.yaml",
        "endpoints.json",
    ] {
        assert!(looks_like_template(&fixture(f)), "{f}");
    }
}

#[test]
fn healthy_vpc() {
    let m = read("healthy.yaml", &["eu-west-1"], &[], Some("123456789012"));
    assert_eq!(m.regions.len(), 1);
    assert!(m.not_assessed.is_empty(), "{:?}", m.not_assessed);
    let r = &m.regions[0];
    assert_eq!((r.region.as_str(), &r.variant), ("eu-west-1", &None));
    // The IAM role, instance profile, bucket and bucket policy are not read.
    let ids: Vec<&str> = r.resources.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Vpc",
            "SubnetA",
            "SubnetB",
            "PrivateRouteTable",
            "SubnetARouteTable",
            "SubnetBRouteTable",
            "S3Endpoint",
            "EndpointSecurityGroup",
            "ImageBuilderEndpoint",
            "SsmEndpoint",
            "SsmMessagesEndpoint",
            "BuildSecurityGroup",
            "BuildConfig",
            "Trail"
        ]
    );

    let vpc = res(r, "Vpc");
    assert_eq!(vpc.origin.kind, SourceKind::CloudFormation);
    assert_eq!(
        (vpc.origin.key.as_str(), vpc.origin.iac_type.as_str()),
        ("Vpc", "AWS::EC2::VPC")
    );
    assert_eq!(vpc.origin.location, loc("healthy.yaml", 13, 3));
    assert_eq!(
        *vpc.origin.attribute("EnableDnsHostnames"),
        loc("healthy.yaml", 18, 7)
    );
    let IrKind::Vpc(v) = &vpc.kind else { panic!() };
    assert_eq!(v.cidr_block, k(Some("10.20.0.0/16".to_string())));
    assert_eq!(
        (v.dns_support.clone(), v.dns_hostnames.clone()),
        (k(true), k(true))
    );
    assert_eq!(v.name.as_deref(), Some("imagebuilder-vpc"));

    // Two subnets in two distinct (symbolic) zones of the region.
    let IrKind::Subnet(a) = &res(r, "SubnetA").kind else {
        panic!()
    };
    let IrKind::Subnet(b) = &res(r, "SubnetB").kind else {
        panic!()
    };
    assert_eq!(a.vpc, ks("Vpc"));
    assert_eq!(
        a.availability_zone,
        k(Some("eu-west-1:GetAZs[0]".to_string()))
    );
    assert_eq!(
        b.availability_zone,
        k(Some("eu-west-1:GetAZs[1]".to_string()))
    );
    assert_eq!(
        a.cidr_block,
        V::Unknown(
            "CidrBlock of AWS::EC2::Subnet SubnetA depends on Fn::Cidr, which this reader does not compute".into()
        )
    );
    assert_eq!(b.cidr_block, k(Some("10.20.1.0/24".to_string())));

    let IrKind::RouteTableAssociation(assoc) = &res(r, "SubnetBRouteTable").kind else {
        panic!()
    };
    assert_eq!(
        (assoc.route_table.clone(), assoc.subnet.clone()),
        (ks("PrivateRouteTable"), Some(ks("SubnetB")))
    );

    let IrKind::Endpoint(s3) = &res(r, "S3Endpoint").kind else {
        panic!()
    };
    assert_eq!(s3.service_name, ks("com.amazonaws.eu-west-1.s3"));
    assert_eq!(s3.endpoint_type, ks("Gateway"));
    assert_eq!(s3.route_tables, vec![ks("PrivateRouteTable")]);
    assert_eq!(s3.policy, k(None));

    let IrKind::SecurityGroup(sg) = &res(r, "EndpointSecurityGroup").kind else {
        panic!()
    };
    assert_eq!(sg.vpc, k(Some("Vpc".to_string())));
    let V::Known(ingress) = &sg.ingress else {
        panic!("{:?}", sg.ingress)
    };
    assert_eq!(ingress.len(), 1);
    assert_eq!(
        (
            ingress[0].protocol.as_str(),
            ingress[0].from_port,
            ingress[0].to_port
        ),
        ("tcp", Some(443), Some(443))
    );
    // `!GetAtt Vpc.CidrBlock` is the VPC's CidrBlock property.
    assert_eq!(ingress[0].cidr_blocks, vec![ks("10.20.0.0/16")]);

    for (id, service) in [
        ("ImageBuilderEndpoint", "imagebuilder"),
        ("SsmEndpoint", "ssm"),
        ("SsmMessagesEndpoint", "ssmmessages"),
    ] {
        let IrKind::Endpoint(e) = &res(r, id).kind else {
            panic!()
        };
        assert_eq!(
            e.service_name,
            ks(&format!("com.amazonaws.eu-west-1.{service}")),
            "{id}"
        );
        assert_eq!(e.endpoint_type, ks("Interface"));
        assert_eq!(e.private_dns_enabled, k(true));
        assert_eq!(e.subnets, vec![ks("SubnetA"), ks("SubnetB")]);
        assert_eq!(e.security_groups, vec![ks("EndpointSecurityGroup")]);
        assert_eq!(e.vpc, ks("Vpc"));
    }
    assert_eq!(
        *res(r, "ImageBuilderEndpoint")
            .origin
            .attribute("PrivateDnsEnabled"),
        loc("healthy.yaml", 83, 7)
    );

    let config = res(r, "BuildConfig");
    let IrKind::InfrastructureConfiguration(c) = &config.kind else {
        panic!()
    };
    assert_eq!(c.name.as_deref(), Some("private-build"));
    assert_eq!(c.subnet, k(Some("SubnetA".to_string())));
    assert_eq!(c.security_groups, vec![ks("BuildSecurityGroup")]);
    assert_eq!(
        *config.origin.attribute("SubnetId"),
        loc("healthy.yaml", 141, 7)
    );

    let IrKind::Trail(t) = &res(r, "Trail").kind else {
        panic!()
    };
    assert_eq!(t.name, "imagebuilder-audit");
    assert_eq!(
        t.arn,
        "arn:aws:cloudtrail:eu-west-1:123456789012:trail/imagebuilder-audit"
    );
    assert_eq!(
        (
            t.is_logging.clone(),
            t.is_multi_region.clone(),
            t.is_organization.clone()
        ),
        (k(true), k(true), k(false))
    );
    let V::Known(Some(sel)) = &t.event_selectors else {
        panic!("{:?}", t.event_selectors)
    };
    assert_eq!(sel.len(), 1);
    assert_eq!(sel[0].read_write_type.as_deref(), Some("All"));
    assert_eq!(sel[0].include_management_events, Some(true));
    assert_eq!(sel[0].exclude_management_event_sources, None);
    assert_eq!(t.advanced_event_selectors, k(None));
    // The bucket's name is given by AWS at deploy.
    assert_eq!(t.s3_bucket_name, None);
}

#[test]
fn every_region_of_the_partition_when_none_is_given() {
    let m = read("healthy.yaml", &[], &[], None);
    let regions: Vec<&str> = m.regions.iter().map(|r| r.region.as_str()).collect();
    assert!(regions.len() > 30, "{regions:?}");
    assert!(regions.contains(&"us-east-1") && regions.contains(&"ap-southeast-2"));
    assert!(!regions
        .iter()
        .any(|r| r.starts_with("cn-") || r.starts_with("us-gov-")));
    let use1 = m.regions.iter().find(|r| r.region == "us-east-1").unwrap();
    let IrKind::Endpoint(e) = &res(use1, "ImageBuilderEndpoint").kind else {
        panic!()
    };
    assert_eq!(e.service_name, ks("com.amazonaws.us-east-1.imagebuilder"));
    // No account: the trail's ARN is its logical id.
    let IrKind::Trail(t) = &res(use1, "Trail").kind else {
        panic!()
    };
    assert_eq!(t.arn, "Trail");
}

#[test]
fn broken_vpc() {
    let m = read("broken.yaml", &["us-east-1"], &[], None);
    assert_eq!(m.regions.len(), 1);
    let r = &m.regions[0];
    let IrKind::Vpc(v) = &res(r, "Vpc").kind else {
        panic!()
    };
    // EnableDnsSupport is not set: CloudFormation's default, true.
    assert_eq!(
        (v.dns_support.clone(), v.dns_hostnames.clone()),
        (k(true), k(false))
    );
    // No S3 endpoint at all.
    assert!(!r.resources.iter().any(|x| matches!(&x.kind, IrKind::Endpoint(e) if e.service_name.known().is_some_and(|s| s.ends_with(".s3")))));

    let IrKind::Endpoint(ib) = &res(r, "ImageBuilderEndpoint").kind else {
        panic!()
    };
    // PrivateDnsEnabled is not set: CloudFormation's default, false.
    assert_eq!(ib.private_dns_enabled, k(false));
    let IrKind::Endpoint(ssm) = &res(r, "SsmEndpoint").kind else {
        panic!()
    };
    assert_eq!(ssm.private_dns_enabled, k(false));
    assert_eq!(
        ssm.policy,
        k(Some(
            r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}],"Version":"2012-10-17"}"#
                .to_string()
        ))
    );

    let IrKind::SecurityGroup(sg) = &res(r, "EndpointSecurityGroup").kind else {
        panic!()
    };
    let V::Known(ingress) = &sg.ingress else {
        panic!()
    };
    // IpProtocol 6 is spelled tcp, as the API does; only port 22.
    assert_eq!(
        ingress
            .iter()
            .map(|i| (i.protocol.as_str(), i.from_port, i.to_port))
            .collect::<Vec<_>>(),
        [("tcp", Some(22), Some(22))]
    );
    let IrKind::SecurityGroupRule(rule) = &res(r, "EndpointSecurityGroupDns").kind else {
        panic!()
    };
    assert!(rule.ingress);
    assert_eq!(rule.security_group, ks("EndpointSecurityGroup"));
    assert_eq!(
        (rule.rule.protocol.as_str(), rule.rule.from_port),
        ("udp", Some(53))
    );
    assert!(rule.rule.self_source);
    assert!(rule.rule.security_groups.is_empty());
}

#[test]
fn json_template() {
    let m = read("endpoints.json", &["us-east-1", "ap-south-1"], &[], None);
    assert_eq!(m.regions.len(), 2);
    let use1 = &m.regions[0];
    let vpc = res(use1, "Vpc");
    assert_eq!(vpc.origin.location, loc("endpoints.json", 11, 5));
    assert_eq!(
        *vpc.origin.attribute("CidrBlock"),
        loc("endpoints.json", 14, 9)
    );
    let IrKind::Vpc(v) = &vpc.kind else { panic!() };
    assert_eq!(v.cidr_block, k(Some("10.50.0.0/16".to_string())));
    // "true" as a string is a boolean to CloudFormation.
    assert_eq!(
        (v.dns_support.clone(), v.dns_hostnames.clone()),
        (k(true), k(true))
    );

    let IrKind::Subnet(s) = &res(use1, "Subnet").kind else {
        panic!()
    };
    assert_eq!(s.vpc, ks("Vpc"));
    assert_eq!(
        s.availability_zone,
        k(Some("us-east-1:GetAZs[0]".to_string()))
    );

    let IrKind::Route(route) = &res(use1, "DefaultRoute").kind else {
        panic!()
    };
    assert_eq!(route.route_table, ks("RouteTable"));
    assert_eq!(
        route.route.destination_cidr_block.as_deref(),
        Some("0.0.0.0/0")
    );
    assert_eq!(
        route.route.target,
        Some((RouteTarget::NatGateway, ks("NatGateway")))
    );

    let IrKind::PrefixList(pl) = &res(use1, "AdminPrefixList").kind else {
        panic!()
    };
    assert_eq!(
        (pl.prefix_list_id.as_str(), pl.name.as_str()),
        ("AdminPrefixList", "admin-networks")
    );
    let IrKind::SecurityGroupRule(admins) = &res(use1, "HttpsFromAdmins").kind else {
        panic!()
    };
    assert_eq!(admins.rule.protocol, "-1");
    assert_eq!(admins.rule.prefix_list_ids, vec![ks("AdminPrefixList")]);
    let IrKind::SecurityGroupRule(https) = &res(use1, "HttpsFromVpc").kind else {
        panic!()
    };
    assert_eq!(https.security_group, ks("EndpointSecurityGroup"));
    assert_eq!(https.rule.cidr_blocks, vec![ks("10.50.0.0/16")]);
    let IrKind::SecurityGroup(sg) = &res(use1, "EndpointSecurityGroup").kind else {
        panic!()
    };
    assert_eq!(sg.group_name.as_deref(), Some("ib-endpoints"));

    let IrKind::Endpoint(s3) = &res(use1, "S3Endpoint").kind else {
        panic!()
    };
    assert_eq!(s3.service_name, ks("com.amazonaws.us-east-1.s3"));
    let V::Known(Some(policy)) = &s3.policy else {
        panic!("{:?}", s3.policy)
    };
    let policy: serde_json::Value = serde_json::from_str(policy).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"][0],
        "arn:aws:s3:::ec2imagebuilder-managed-resources-us-east-1-prod/components/*"
    );
    let IrKind::Endpoint(ib) = &res(use1, "ImageBuilderEndpoint").kind else {
        panic!()
    };
    assert_eq!(ib.service_name, ks("com.amazonaws.us-east-1.imagebuilder"));

    // ap-south-1 is not in the Network mapping: the CIDRs are unknown, not
    // guessed, and the rest of the template is still read.
    let aps1 = &m.regions[1];
    let IrKind::Vpc(v) = &res(aps1, "Vpc").kind else {
        panic!()
    };
    assert_eq!(
        v.cidr_block,
        V::Unknown("CidrBlock of AWS::EC2::VPC Vpc depends on Fn::FindInMap [Network, ap-south-1, Cidr], which Mappings does not define (CloudFormation would refuse the stack)".into())
    );
    let IrKind::SecurityGroupRule(https) = &res(aps1, "HttpsFromVpc").kind else {
        panic!()
    };
    assert!(
        matches!(&https.rule.cidr_blocks[..], [V::Unknown(s)] if s.starts_with("CidrIp of AWS::EC2::SecurityGroupIngress HttpsFromVpc depends on Fn::FindInMap"))
    );
}

#[test]
fn parameters_without_values_and_an_undecided_condition() {
    let m = read("parameters.yaml", &["eu-west-1"], &[], None);
    let variants: Vec<Option<&str>> = m.regions.iter().map(|r| r.variant.as_deref()).collect();
    assert_eq!(
        variants,
        [
            Some("Condition IsProd=true"),
            Some("Condition IsProd=false")
        ]
    );
    assert_eq!(
        m.notes,
        ["Condition IsProd is undecided: it depends on parameter Environment, which has no value (pass --parameter Environment=...); resources are assessed with it true and with it false"]
    );
    let (prod, dev) = (&m.regions[0], &m.regions[1]);
    let IrKind::Endpoint(e) = &res(prod, "ImageBuilderEndpoint").kind else {
        panic!()
    };
    assert_eq!(e.private_dns_enabled, k(true));
    assert_eq!(
        e.vpc,
        V::Unknown("VpcId of AWS::EC2::VPCEndpoint ImageBuilderEndpoint depends on parameter VpcId, which has no value (pass --parameter VpcId=...)".into())
    );
    assert_eq!(
        e.subnets,
        vec![V::Unknown("SubnetIds of AWS::EC2::VPCEndpoint ImageBuilderEndpoint depends on parameter EndpointSubnets, which has no value (pass --parameter EndpointSubnets=...)".into())]
    );
    // InChina is decided (the partition is known): no fork on it.
    assert_eq!(e.service_name, ks("com.amazonaws.eu-west-1.imagebuilder"));
    let IrKind::Endpoint(e) = &res(dev, "ImageBuilderEndpoint").kind else {
        panic!()
    };
    assert_eq!(e.private_dns_enabled, k(false));
    // The resource with `Condition: IsProd` exists in one variant only.
    assert!(prod.resources.iter().any(|x| x.id == "ProdOnlyEndpoint"));
    assert!(!dev.resources.iter().any(|x| x.id == "ProdOnlyEndpoint"));
    let IrKind::InfrastructureConfiguration(c) = &res(dev, "BuildConfig").kind else {
        panic!()
    };
    assert_eq!(
        c.subnet,
        V::Unknown("SubnetId of AWS::ImageBuilder::InfrastructureConfiguration BuildConfig depends on parameter BuildSubnet, which has no value (pass --parameter BuildSubnet=...)".into())
    );
    assert_eq!(c.name, None);
    // A parameter's Default is used.
    let IrKind::SecurityGroup(sg) = &res(dev, "EndpointSecurityGroup").kind else {
        panic!()
    };
    let V::Known(ingress) = &sg.ingress else {
        panic!()
    };
    assert_eq!(ingress[0].cidr_blocks, vec![ks("10.40.0.0/16")]);
}

#[test]
fn parameters_given() {
    let m = read(
        "parameters.yaml",
        &["eu-west-1"],
        &[
            ("Environment", "dev"),
            ("VpcId", "vpc-0123"),
            ("BuildSubnet", "subnet-b"),
            ("EndpointSubnets", "subnet-1, subnet-2"),
            ("Environment", "prod"),
        ],
        None,
    );
    assert_eq!(m.regions.len(), 1);
    assert!(m.notes.is_empty(), "{:?}", m.notes);
    let r = &m.regions[0];
    assert_eq!(r.variant, None);
    let IrKind::Endpoint(e) = &res(r, "ProdOnlyEndpoint").kind else {
        panic!()
    };
    assert_eq!(e.vpc, ks("vpc-0123"));
    assert_eq!(e.subnets, vec![ks("subnet-1"), ks("subnet-2")]);
    let IrKind::InfrastructureConfiguration(c) = &res(r, "BuildConfig").kind else {
        panic!()
    };
    assert_eq!(c.subnet, k(Some("subnet-b".to_string())));
    assert_eq!(c.name.as_deref(), Some("build-prod"));
}

#[test]
fn a_value_outside_allowed_values_is_refused() {
    let regions = vec!["eu-west-1".to_string()];
    let params = vec![("Environment".to_string(), "staging".to_string())];
    let opts = CfnOptions {
        parameters: &params,
        regions: &regions,
        ..CfnOptions::default()
    };
    let e = read_template(&fixture("parameters.yaml"), "parameters.yaml", &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameters.yaml: parameter Environment=staging is not one of its AllowedValues (dev, prod)"
    );
}
