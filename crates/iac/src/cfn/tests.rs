//! The reader end to end on small templates: errors with their positions,
//! the bombs, conditions and variants, and the unknowns.

use super::*;
use crate::ir::{IrKind, IrResource, V};

fn opts_in<'a>(regions: &'a [String], params: &'a [(String, String)]) -> CfnOptions<'a> {
    CfnOptions {
        parameters: params,
        regions,
        account_id: None,
        partition: "aws",
    }
}

fn read(src: &str) -> Result<IacModel, IacError> {
    let regions = vec!["eu-west-1".to_string()];
    read_template(src.as_bytes(), "t.yaml", &opts_in(&regions, &[]))
}

fn error(src: &str) -> String {
    read(src).unwrap_err().to_string()
}

fn res<'a>(m: &'a IacModel, region: usize, id: &str) -> &'a IrResource {
    m.regions[region]
        .resources
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

const VPC: &str =
    "  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";

#[test]
fn malformed_yaml_names_line_and_column() {
    let e = error("Resources:\n  Vpc:\n    Type: [AWS::EC2::VPC\n  Other: x\n");
    assert!(e.starts_with("t.yaml:4:"), "{e}");
    assert!(e.contains("invalid YAML"), "{e}");
    let e = error("Resources:\n  A: 1\n   B: 2\n");
    assert!(e.starts_with("t.yaml:3:"), "{e}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = error("{\n  \"Resources\": {\n    \"Vpc\": {\"Type\": \"AWS::EC2::VPC\",}\n  }\n}\n");
    assert_eq!(
        e,
        "t.yaml:3:37: invalid JSON: expected a key in double quotes, found '}'"
    );
    let e = error("{\"Resources\": {}");
    assert_eq!(
        e,
        "t.yaml:1:17: invalid JSON: expected ',' or '}' in an object, found the end of the file"
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let e = error(&format!(
        "Resources:\n{VPC}  Vpc:\n    Type: AWS::EC2::Subnet\n"
    ));
    assert_eq!(
        e,
        "t.yaml:6:3: duplicate key Vpc (first at line 2, column 3)"
    );
    let e = error("{\"Resources\": {\"A\": {\"Type\": \"X\", \"Type\": \"Y\"}}}");
    assert_eq!(
        e,
        "t.yaml:1:35: duplicate key Type (first at line 1, column 22)"
    );
}

#[test]
fn a_deep_nesting_bomb_is_refused() {
    let mut yaml = String::from("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Metadata: ");
    yaml.push_str(&"[".repeat(50_000));
    let e = error(&yaml);
    assert!(e.starts_with("t.yaml:4:"), "{e}");
    let mut block = String::from("Resources:\n");
    for i in 1..300 {
        block.push_str(&format!("{}k:\n", " ".repeat(i)));
    }
    let e = error(&block);
    assert!(e.contains("nests deeper than 128 levels"), "{e}");
    let json = format!("{{\"Resources\": {}", "{\"a\": ".repeat(200_000));
    let e = error(&json);
    assert_eq!(e, "t.yaml:1:777: the document nests deeper than 128 levels");
}

#[test]
fn an_alias_bomb_is_refused() {
    let mut s =
        String::from("Metadata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        s.push_str(&format!(
            "  l{i}: &l{i} [{}]\n",
            vec![format!("*l{}", i - 1); 10].join(", ")
        ));
    }
    s.push_str(&format!("Resources:\n{VPC}"));
    let e = error(&s);
    assert!(e.contains("alias bomb"), "{e}");
    // A few aliases are fine.
    let ok = format!(
        "Metadata:\n  t: &tags [{{Key: Name, Value: x}}]\nResources:\n{VPC}      Tags: *tags\n"
    );
    let m = read(&ok).unwrap();
    let IrKind::Vpc(v) = &res(&m, 0, "Vpc").kind else {
        panic!()
    };
    assert_eq!(v.name.as_deref(), Some("x"));
}

#[test]
fn undeclared_names_are_errors_at_their_position() {
    let e = error(&format!("Resources:\n{VPC}  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vcp\n"));
    assert_eq!(e, "t.yaml:9:19: Ref to Vcp, which is not a parameter, a resource or a pseudo parameter of this template");
    let e = error(&format!("Resources:\n{VPC}  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !GetAtt Nope.VpcId\n"));
    assert_eq!(
        e,
        "t.yaml:9:22: Fn::GetAtt on Nope, which is not a resource of this template"
    );
    let e = error(&format!("Resources:\n{VPC}  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Sub '${{Vpc}}-${{Missing}}'\n"));
    assert!(
        e.starts_with("t.yaml:9:19: Fn::Sub refers to ${Missing}"),
        "{e}"
    );
    let e = error(&format!("Resources:\n{VPC}    Condition: IsProd\n"));
    assert_eq!(
        e,
        "t.yaml:6:16: condition IsProd is not declared in Conditions"
    );
    let e = error(&format!("Resources:\n{VPC}  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !FindInMap [Nope, a, b]\n"));
    assert_eq!(
        e,
        "t.yaml:9:26: Fn::FindInMap on Nope, which is not declared in Mappings"
    );
    let e = error(&format!(
        "Resources:\n{VPC}      EnableDnsSupport: {{'Fn::Bogus': 1}}\n"
    ));
    assert_eq!(e, "t.yaml:6:26: unknown intrinsic function Fn::Bogus");
}

#[test]
fn not_a_template() {
    let e = read("just: yaml\n").unwrap_err();
    assert!(matches!(e, IacError::Input { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "t.yaml: not a CloudFormation template: no Resources section"
    );
    assert!(matches!(read("").unwrap_err(), IacError::Input { .. }));
    assert!(matches!(
        read("[1, 2]").unwrap_err(),
        IacError::Input { .. }
    ));
    assert_eq!(
        error("Resources: [a]\n"),
        "t.yaml:1:1: Resources must be a mapping of logical ids, not a list"
    );
    assert_eq!(
        error("Resources:\n  A:\n    Properties: {}\n"),
        "t.yaml:2:3: resource A has no Type"
    );
    let e = read_template(b"Resources: {}\n\xff\n", "t.yaml", &CfnOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "t.yaml:2:1: the file is not UTF-8 text");
}

#[test]
fn unknown_partition_is_a_usage_error() {
    let opts = CfnOptions {
        partition: "aws-mars",
        ..CfnOptions::default()
    };
    let e = read_template(b"Resources: {}\n", "t.yaml", &opts).unwrap_err();
    assert!(matches!(e, IacError::Usage(_)), "{e:?}");
}

#[test]
fn a_region_of_another_partition_uses_its_url_suffix() {
    let src = "Resources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: vpc-1\n      ServiceName: !Sub 'cn.com.${AWS::URLSuffix}.${AWS::Partition}'\n";
    let regions = vec!["cn-north-1".to_string()];
    let m = read_template(src.as_bytes(), "t.yaml", &opts_in(&regions, &[])).unwrap();
    let IrKind::Endpoint(e) = &res(&m, 0, "E").kind else {
        panic!()
    };
    assert_eq!(
        e.service_name,
        V::Known("cn.com.amazonaws.com.cn.aws-cn".into())
    );
    let cn = CfnOptions {
        partition: "aws-cn",
        ..CfnOptions::default()
    };
    let m = read_template(src.as_bytes(), "t.yaml", &cn).unwrap();
    let regions: Vec<&str> = m.regions.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(regions, ["cn-north-1", "cn-northwest-1"]);
}

#[test]
fn no_value_removes_a_property_and_its_default_applies() {
    let src = "Parameters:\n  Dns: {Type: String, Default: ''}\nConditions:\n  HasDns: !Not [!Equals [!Ref Dns, '']]\nResources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: vpc-1\n      ServiceName: x\n      PrivateDnsEnabled: !If [HasDns, !Ref Dns, !Ref AWS::NoValue]\n      SubnetIds: [a, !Ref AWS::NoValue, b]\n";
    let m = read(src).unwrap();
    assert_eq!(m.regions.len(), 1);
    let IrKind::Endpoint(e) = &res(&m, 0, "E").kind else {
        panic!()
    };
    assert_eq!(e.private_dns_enabled, V::Known(false));
    assert_eq!(e.subnets, vec![V::Known("a".into()), V::Known("b".into())]);
    assert_eq!(e.endpoint_type, V::Known("Gateway".into()));
}

#[test]
fn dependent_conditions_fork_only_where_they_are_undecided() {
    let src = "Parameters:\n  Env: {Type: String}\n  Nat: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  UseNat: !And [!Condition IsProd, !Equals [!Ref Nat, 'yes']]\n  Unused: !Equals [!Ref Nat, 'no']\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: UseNat\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
    let m = read(src).unwrap();
    let variants: Vec<Option<&str>> = m.regions.iter().map(|r| r.variant.as_deref()).collect();
    assert_eq!(
        variants,
        [
            Some("Condition IsProd=true, UseNat=true"),
            Some("Condition IsProd=true, UseNat=false"),
            Some("Condition IsProd=false"),
        ]
    );
    let with_vpc: Vec<bool> = m.regions.iter().map(|r| !r.resources.is_empty()).collect();
    assert_eq!(with_vpc, [true, false, false]);
    assert_eq!(m.notes.len(), 3, "{:?}", m.notes);
    assert!(
        m.notes[1].starts_with("Condition UseNat is undecided: it depends on parameter Nat"),
        "{:?}",
        m.notes
    );
    assert_eq!(
        m.notes[2],
        "Condition Unused is undecided: it depends on parameter Nat, which has no value (pass --parameter Nat=...); no resource depends on it"
    );
}

#[test]
fn more_than_16_combinations_are_capped_with_a_gap() {
    let mut src = String::from("Parameters:\n");
    for i in 0..5 {
        src.push_str(&format!("  P{i}: {{Type: String}}\n"));
    }
    src.push_str("Conditions:\n");
    for i in 0..5 {
        src.push_str(&format!("  C{i}: !Equals [!Ref P{i}, x]\n"));
    }
    src.push_str("Resources:\n");
    for i in 0..5 {
        src.push_str(&format!(
            "  V{i}:\n    Type: AWS::EC2::VPC\n    Condition: C{i}\n"
        ));
    }
    let m = read(&src).unwrap();
    assert_eq!(m.regions.len(), MAX_VARIANTS);
    assert_eq!(
        m.regions[0].variant.as_deref(),
        Some("Condition C0=true, C1=true, C2=true, C3=true, C4=true")
    );
    assert_eq!(m.regions[0].resources.len(), 5);
    assert_eq!(m.not_assessed.len(), 1);
    assert_eq!(m.not_assessed[0].region.as_deref(), Some("eu-west-1"));
    assert!(
        m.not_assessed[0]
            .message
            .contains("more than 16 combinations"),
        "{:?}",
        m.not_assessed
    );
    assert_eq!(m.notes.len(), 5);
}

#[test]
fn unknown_sentences_name_attribute_resource_and_cause() {
    let src = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !ImportValue SharedCidr\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      VpcId: !Ref Vpc\n  Ib:\n    Type: AWS::ImageBuilder::InfrastructureConfiguration\n    Properties:\n      Name: !Sub '${AWS::StackName}-build'\n      InstanceProfileName: p\n      SecurityGroupIds: [!GetAtt Vpc.DefaultSecurityGroup, !Ref Sg]\n      SubnetId: '{{resolve:ssm:/net/subnet}}'\n";
    let m = read(src).unwrap();
    let IrKind::Vpc(v) = &res(&m, 0, "Vpc").kind else {
        panic!()
    };
    assert_eq!(
        v.cidr_block,
        V::Unknown(
            "CidrBlock of AWS::EC2::VPC Vpc depends on Fn::ImportValue, known only at deploy"
                .into()
        )
    );
    let IrKind::InfrastructureConfiguration(c) = &res(&m, 0, "Ib").kind else {
        panic!()
    };
    assert_eq!(c.name, None);
    assert_eq!(
        c.security_groups,
        vec![
            // The VPC's default group, as the builder models it.
            V::Known("Vpc.default_security_group".into()),
            V::Known("Sg".into()),
        ]
    );
    assert_eq!(
        c.subnet,
        V::Unknown("SubnetId of AWS::ImageBuilder::InfrastructureConfiguration Ib depends on the dynamic reference {{resolve:ssm:/net/subnet}}, resolved at deploy".into())
    );
}

#[test]
fn a_standalone_rule_with_unknown_ports_allows_nothing_known() {
    let src = "Parameters:\n  Port: {Type: Number}\nResources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: !Ref Port, ToPort: 443, CidrIp: 10.0.0.0/8}\n  Rule:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref Sg\n      IpProtocol: tcp\n      FromPort: !Ref Port\n      ToPort: 443\n      CidrIp: 0.0.0.0/0\n";
    let m = read(src).unwrap();
    let IrKind::SecurityGroup(sg) = &res(&m, 0, "Sg").kind else {
        panic!()
    };
    assert_eq!(sg.vpc, V::Known(None));
    assert_eq!(
        sg.ingress.clone().map(|_| ()),
        V::Unknown("SecurityGroupIngress[0].FromPort of AWS::EC2::SecurityGroup Sg depends on parameter Port, which has no value (pass --parameter Port=...)".into())
    );
    let IrKind::SecurityGroupRule(rule) = &res(&m, 0, "Rule").kind else {
        panic!()
    };
    assert_eq!(rule.security_group, V::Known("Sg".into()));
    assert_eq!(rule.rule.protocol, "-1");
    assert_eq!(
        rule.rule.cidr_blocks,
        vec![V::Unknown("FromPort of AWS::EC2::SecurityGroupIngress Rule depends on parameter Port, which has no value (pass --parameter Port=...)".into())]
    );
}

#[test]
fn a_route_with_an_unknown_destination_is_a_gap() {
    let src = "Parameters:\n  Dest: {Type: String}\nResources:\n  Rt:\n    Type: AWS::EC2::RouteTable\n    Properties: {VpcId: vpc-1}\n  R:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: !Ref Rt\n      DestinationCidrBlock: !Ref Dest\n      GatewayId: igw-1\n";
    let m = read(src).unwrap();
    let IrKind::Route(r) = &res(&m, 0, "R").kind else {
        panic!()
    };
    assert_eq!(r.route.destination_cidr_block, None);
    assert_eq!(
        r.route.target,
        Some((crate::ir::RouteTarget::Gateway, V::Known("igw-1".into())))
    );
    assert_eq!(m.not_assessed.len(), 1);
    let gap = &m.not_assessed[0];
    assert_eq!(gap.origin.as_ref().map(|o| o.key.as_str()), Some("R"));
    assert_eq!(
        gap.message,
        "DestinationCidrBlock of AWS::EC2::Route R depends on parameter Dest, which has no value (pass --parameter Dest=...): the route is not assessed"
    );
}

#[test]
fn a_gap_in_every_region_is_said_once() {
    let src = "Resources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: 'https://example.com/t.yaml'}\n  Pl:\n    Type: AWS::EC2::PrefixList\n    Properties:\n      PrefixListName: !ImportValue Name\n      AddressFamily: IPv4\n      MaxEntries: 1\n";
    let regions = vec!["eu-west-1".to_string(), "us-east-1".to_string()];
    let m = read_template(src.as_bytes(), "t.yaml", &opts_in(&regions, &[])).unwrap();
    let gaps: Vec<(&str, Option<&str>)> = m
        .not_assessed
        .iter()
        .map(|g| (g.message.as_str(), g.region.as_deref()))
        .collect();
    assert_eq!(
        gaps,
        [
            ("nested stack Net (AWS::CloudFormation::Stack): the resources it creates are not assessed", None),
            ("PrefixListName of AWS::EC2::PrefixList Pl depends on Fn::ImportValue, known only at deploy: the prefix list is not assessed", None),
        ]
    );
    assert_eq!(
        m.not_assessed[0].origin.as_ref().map(|o| o.location.line),
        Some(2)
    );
    assert!(m.regions.iter().all(|r| r.resources.is_empty()));
}

#[test]
fn transforms_are_gaps_and_the_rest_is_read() {
    let src = "Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]\nResources:\n  Fn::ForEach::Subnets:\n    - Name\n    - [A, B]\n    - Subnet${Name}: {Type: AWS::EC2::Subnet}\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n";
    let m = read(src).unwrap();
    let gaps: Vec<&str> = m.not_assessed.iter().map(|g| g.message.as_str()).collect();
    assert_eq!(
        gaps,
        [
            "template uses Transform AWS::Serverless-2016-10-31: resources it generates are not assessed",
            "template uses Transform AWS::LanguageExtensions: resources it generates are not assessed",
            "Resources entry Fn::ForEach::Subnets is expanded by a transform: the resources it generates are not assessed",
        ]
    );
    assert_eq!(m.regions[0].resources.len(), 1);
}

#[test]
fn trail_defaults_and_selectors() {
    let src = "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      S3BucketName: logs\n      AdvancedEventSelectors:\n        - Name: mgmt\n          FieldSelectors:\n            - {Field: eventCategory, Equals: [Management]}\n            - {Field: eventSource, NotEquals: [kms.amazonaws.com]}\n      EventSelectors:\n        - ExcludeManagementEventSources: [kms.amazonaws.com]\n";
    let regions = vec!["eu-west-1".to_string()];
    let opts = CfnOptions {
        account_id: Some("111122223333"),
        ..opts_in(&regions, &[])
    };
    let m = read_template(src.as_bytes(), "t.yaml", &opts).unwrap();
    let IrKind::Trail(t) = &res(&m, 0, "T").kind else {
        panic!()
    };
    assert_eq!(t.name, "T");
    assert_eq!(t.arn, "arn:aws:cloudtrail:eu-west-1:111122223333:trail/T");
    assert_eq!(
        t.is_logging,
        V::Unknown(
            "IsLogging of AWS::CloudTrail::Trail T is not set (CloudFormation requires it)".into()
        )
    );
    assert_eq!(
        (t.is_multi_region.clone(), t.is_organization.clone()),
        (V::Known(false), V::Known(false))
    );
    assert_eq!(t.s3_bucket_name.as_deref(), Some("logs"));
    let V::Known(Some(sel)) = &t.event_selectors else {
        panic!()
    };
    assert_eq!(sel[0].read_write_type.as_deref(), Some("All"));
    assert_eq!(sel[0].include_management_events, Some(true));
    assert_eq!(
        sel[0].exclude_management_event_sources,
        Some(vec!["kms.amazonaws.com".into()])
    );
    let V::Known(Some(adv)) = &t.advanced_event_selectors else {
        panic!()
    };
    assert_eq!(adv[0].name.as_deref(), Some("mgmt"));
    assert_eq!(adv[0].field_selectors.len(), 2);
    assert_eq!(adv[0].field_selectors[0].field, "eventCategory");
    assert_eq!(
        adv[0].field_selectors[0].equals,
        Some(vec!["Management".into()])
    );
    assert_eq!(
        adv[0].field_selectors[1].not_equals,
        Some(vec!["kms.amazonaws.com".into()])
    );
    assert_eq!(adv[0].field_selectors[1].equals, None);
}

#[test]
fn unfit_values_are_unknown_not_guessed() {
    let src = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n      EnableDnsHostnames: yes\n      EnableDnsSupport: [true]\n";
    let m = read(src).unwrap();
    let IrKind::Vpc(v) = &res(&m, 0, "Vpc").kind else {
        panic!()
    };
    assert_eq!(
        v.dns_hostnames,
        V::Unknown(
            "EnableDnsHostnames of AWS::EC2::VPC Vpc is not a boolean (found \"yes\")".into()
        )
    );
    assert_eq!(
        v.dns_support,
        V::Unknown("EnableDnsSupport of AWS::EC2::VPC Vpc is not a boolean (found a list)".into())
    );
}

#[test]
fn circular_get_att_is_an_error() {
    let src = "Resources:\n  A:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: v, CidrBlock: !GetAtt B.CidrBlock}\n  B:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: v, CidrBlock: !GetAtt A.CidrBlock}\n";
    let e = error(src);
    assert!(e.contains("circular reference"), "{e}");
}

#[test]
fn a_long_get_att_chain_is_refused_not_overflowed() {
    let mut src = String::from("Resources:\n  S0:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: v, CidrBlock: !GetAtt S1.CidrBlock}\n");
    // Each subnet takes its CIDR from the next one: evaluating the first
    // walks the whole chain.
    for i in 1..2000 {
        src.push_str(&format!(
            "  S{i}:\n    Type: AWS::EC2::Subnet\n    Properties: {{VpcId: v, CidrBlock: !GetAtt S{}.CidrBlock}}\n",
            i + 1
        ));
    }
    src.push_str("  S2000:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: v, CidrBlock: 10.0.0.0/24}\n");
    let e = error(&src);
    assert!(e.contains("nest deeper than 400 levels"), "{e}");
}

#[test]
fn looks_like_template_is_cheap_and_right() {
    assert!(looks_like_template(
        b"AWSTemplateFormatVersion: '2010-09-09'\n"
    ));
    assert!(looks_like_template(b"# c\nResources:\n  A: {}\n"));
    assert!(looks_like_template(b"\"Resources\" : {}\n"));
    assert!(looks_like_template(
        b"\xEF\xBB\xBF{\"Description\": \"x\", \"Resources\": {}}"
    ));
    assert!(!looks_like_template(
        b"{\"format_version\": \"1.2\", \"resource_changes\": [{\"Resources\": 1}]}"
    ));
    assert!(!looks_like_template(
        br#"{"values": {"template_body": "{\"Resources\": {}, \"AWSTemplateFormatVersion\": 1}"}}"#
    ));
    assert!(!looks_like_template(b"resource \"aws_vpc\" \"x\" {}\n"));
    assert!(!looks_like_template(b"  Resources:\n"));
    assert!(!looks_like_template(b""));
}

#[test]
fn a_trail_whose_name_is_unknown_is_keyed_by_its_logical_id() {
    let src = "Parameters:\n  Name: {Type: String}\n  Logging: {Type: String, Default: 'false'}\nResources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      TrailName: !Ref Name\n      S3BucketName: !Ref Bucket\n      IsLogging: !Ref Logging\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Sub 'logs-${AWS::Region}'}\n";
    let regions = vec!["eu-west-1".to_string()];
    let opts = CfnOptions {
        account_id: Some("111122223333"),
        ..opts_in(&regions, &[])
    };
    let m = read_template(src.as_bytes(), "t.yaml", &opts).unwrap();
    let IrKind::Trail(t) = &res(&m, 0, "T").kind else {
        panic!()
    };
    assert_eq!((t.name.as_str(), t.arn.as_str()), ("T", "T"));
    assert_eq!(t.is_logging, V::Known(false));
    // A bucket's Ref is its BucketName where the template sets it.
    assert_eq!(t.s3_bucket_name.as_deref(), Some("logs-eu-west-1"));
}

#[test]
fn properties_chosen_by_an_if() {
    let src = "Parameters:\n  Env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties: !If\n      - IsProd\n      - {VpcId: vpc-1, ServiceName: a, PrivateDnsEnabled: true, VpcEndpointType: Interface}\n      - {VpcId: vpc-2, ServiceName: b}\n";
    let m = read(src).unwrap();
    let e = res(&m, 0, "E");
    let IrKind::Endpoint(ep) = &e.kind else {
        panic!()
    };
    assert_eq!(ep.vpc, V::Known("vpc-1".into()));
    assert_eq!(ep.private_dns_enabled, V::Known(true));
    // No per-property positions: a property's location is the resource's.
    assert_eq!(e.origin.attribute("PrivateDnsEnabled").line, 6);
}
