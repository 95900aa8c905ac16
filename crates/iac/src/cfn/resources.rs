//! The resource types the rules read, from their evaluated properties to
//! the IR. Defaults are CloudFormation's, as the CloudFormation Template
//! Reference documents them
//! (`https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-<service>-<type>.html`);
//! each is cited where it is applied.

use ibaudit_snapshot::aws::{AdvancedEventSelector, AdvancedFieldSelector, EventSelector, Text};

use super::intrinsics::{Eval, Val};
use super::node::Pos;
use super::template::{at, Resource};
use crate::ir::{
    Action, Id, IrEndpoint, IrInfrastructureConfiguration, IrIngress, IrKind, IrPrefixList,
    IrResource, IrRoute, IrRouteSpec, IrRouteTable, IrRouteTableAssociation, IrSecurityGroup,
    IrSecurityGroupRule, IrSubnet, IrTrail, IrVpc, Location, Origin, RouteTarget, SourceKind, V,
};
use crate::IacError;

/// A mapping's evaluated fields.
type Fields = Vec<(String, Val)>;

/// A gap found while reading one resource: its message.
pub(crate) type Gap = (Origin, String);

pub(crate) fn location(file: &str, pos: Pos) -> Location {
    Location {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
    }
}

pub(crate) fn origin(file: &str, r: &Resource) -> Origin {
    let attributes = match r.properties {
        Some((_, props)) if props.intrinsic().is_none() => props
            .entries()
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.clone(), location(file, e.key_pos)))
            .collect(),
        _ => Vec::new(),
    };
    Origin {
        kind: SourceKind::CloudFormation,
        key: r.id.to_string(),
        iac_type: r.ty.to_string(),
        location: location(file, r.pos),
        attributes,
        related: Vec::new(),
        in_source: true,
    }
}

/// Whether the reader turns this type into the IR.
pub(crate) fn is_read(ty: &str) -> bool {
    matches!(
        ty,
        "AWS::EC2::VPC"
            | "AWS::EC2::Subnet"
            | "AWS::EC2::RouteTable"
            | "AWS::EC2::Route"
            | "AWS::EC2::SubnetRouteTableAssociation"
            | "AWS::EC2::GatewayRouteTableAssociation"
            | "AWS::EC2::SecurityGroup"
            | "AWS::EC2::SecurityGroupIngress"
            | "AWS::EC2::SecurityGroupEgress"
            | "AWS::EC2::VPCEndpoint"
            | "AWS::EC2::PrefixList"
            | "AWS::CloudTrail::Trail"
            | "AWS::ImageBuilder::InfrastructureConfiguration"
    )
}

/// A value that is not known: the whole sentence, for `V::Unknown`.
enum Miss {
    Unknown(String),
    Err(IacError),
}

impl From<IacError> for Miss {
    fn from(e: IacError) -> Miss {
        Miss::Err(e)
    }
}

fn known<T>(v: V<T>) -> Result<T, Miss> {
    match v {
        V::Known(t) => Ok(t),
        V::Unknown(s) => Err(Miss::Unknown(s)),
    }
}

/// `Ok(Unknown)` for a miss, `Err` for an error.
fn settle<T>(r: Result<T, Miss>) -> Result<V<T>, IacError> {
    match r {
        Ok(t) => Ok(V::Known(t)),
        Err(Miss::Unknown(s)) => Ok(V::Unknown(s)),
        Err(Miss::Err(e)) => Err(e),
    }
}

/// One resource's evaluated properties.
struct Props<'r> {
    ty: &'r str,
    id: &'r str,
    values: Vec<(String, Val)>,
    /// All properties are unknown (`Properties: !If [...]` on an undecided
    /// value, ...), for this reason.
    whole: Option<String>,
}

impl Props<'_> {
    fn get(&self, name: &str) -> Option<Val> {
        if let Some(r) = &self.whole {
            return Some(Val::Unknown(r.clone()));
        }
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn has(&self, name: &str) -> bool {
        self.whole.is_none() && self.values.iter().any(|(k, _)| k == name)
    }

    fn say(&self, attr: &str, reason: &str) -> String {
        format!("{attr} of {} {} {reason}", self.ty, self.id)
    }

    fn explain<T>(&self, attr: &str, v: V<T>) -> V<T> {
        match v {
            V::Unknown(r) => V::Unknown(self.say(attr, &r)),
            k => k,
        }
    }

    fn not_set<T>(&self, attr: &str) -> V<T> {
        V::Unknown(self.say(attr, "is not set (CloudFormation requires it)"))
    }

    fn text(&self, ev: &mut Eval, name: &str) -> Result<Option<V<String>>, IacError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => Ok(Some(self.explain(name, ev.v_text(&v)?))),
        }
    }

    /// Known text, else `None` (for names, which the IR keeps only when known).
    fn known_text(&self, ev: &mut Eval, name: &str) -> Result<Option<String>, IacError> {
        Ok(match self.text(ev, name)? {
            Some(V::Known(s)) => Some(s),
            _ => None,
        })
    }

    fn id(&self, ev: &Eval, name: &str) -> Option<V<Id>> {
        self.get(name).map(|v| self.explain(name, ev.v_id(&v)))
    }

    fn required_id(&self, ev: &Eval, name: &str) -> V<Id> {
        self.id(ev, name).unwrap_or_else(|| self.not_set(name))
    }

    fn boolean(&self, ev: &Eval, name: &str, default: bool) -> V<bool> {
        match self.get(name) {
            None => V::Known(default),
            Some(v) => self.explain(name, ev.v_bool(&v)),
        }
    }

    fn ids(&self, ev: &Eval, name: &str) -> Vec<V<Id>> {
        let Some(v) = self.get(name) else {
            return Vec::new();
        };
        match ev.v_list(&v) {
            V::Known(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.explain(&format!("{name}[{i}]"), ev.v_id(item)))
                .collect(),
            V::Unknown(r) => vec![V::Unknown(self.say(name, &r))],
        }
    }

    fn name_tag(&self, ev: &mut Eval) -> Result<Option<String>, IacError> {
        let Some(Val::List(tags)) = self.get("Tags") else {
            return Ok(None);
        };
        for t in tags {
            let Val::Map(m) = t else { continue };
            let field = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            if field("Key") == Some(&Val::Str("Name".into())) {
                if let Some(v) = field("Value") {
                    if let V::Known(s) = ev.v_text(v)? {
                        return Ok(Some(s));
                    }
                }
            }
        }
        Ok(None)
    }
}

fn props<'r>(ev: &mut Eval, r: &'r Resource) -> Result<Props<'r>, IacError> {
    let mut p = Props {
        ty: r.ty,
        id: r.id,
        values: Vec::new(),
        whole: None,
    };
    let Some((ppos, node)) = r.properties else {
        return Ok(p);
    };
    if node.intrinsic().is_some() {
        match ev.eval(node)? {
            Val::Map(m) => p.values = m,
            Val::Null | Val::NoValue => {}
            Val::Unknown(reason) => p.whole = Some(reason),
            other => {
                p.whole = Some(format!(
                    "is not a mapping (found {})",
                    super::intrinsics::describe(&other)
                ));
            }
        }
        return Ok(p);
    }
    match node.entries() {
        Some(entries) => {
            for e in entries {
                match ev.eval(&e.value)? {
                    Val::NoValue => {}
                    v => p.values.push((e.key.clone(), v)),
                }
            }
        }
        None if matches!(node.kind, super::node::Kind::Null) => {}
        None => {
            return Err(at(
                &ev.t.file,
                ppos,
                format!(
                    "Properties of {} must be a mapping, not {}",
                    r.id,
                    node.describe()
                ),
            ))
        }
    }
    Ok(p)
}

/// The IR of one resource, or `None` for a type the rules do not read.
pub(crate) fn read(
    ev: &mut Eval,
    r: &Resource,
    gaps: &mut Vec<Gap>,
) -> Result<Option<IrResource>, IacError> {
    if !is_read(r.ty) {
        return Ok(None);
    }
    let file = ev.t.file.clone();
    let origin = origin(&file, r);
    let p = props(ev, r)?;
    let kind = match r.ty {
        "AWS::EC2::VPC" => IrKind::Vpc(IrVpc {
            cidr_block: match p.text(ev, "CidrBlock")? {
                Some(v) => v.map(Some),
                None if p.has("Ipv4IpamPoolId") => {
                    V::Unknown(p.say("CidrBlock", "is allocated from an IPAM pool at deploy"))
                }
                None => V::Known(None),
            },
            // aws-resource-ec2-vpc, EnableDnsSupport: "Indicates whether the
            // DNS resolution is supported for the VPC. ... Enabled by
            // default."
            dns_support: p.boolean(ev, "EnableDnsSupport", true),
            // aws-resource-ec2-vpc, EnableDnsHostnames: "Indicates whether
            // the instances launched in the VPC get DNS hostnames. ...
            // Disabled by default for nondefault VPCs."
            dns_hostnames: p.boolean(ev, "EnableDnsHostnames", false),
            is_default: false,
            name: p.name_tag(ev)?,
        }),
        "AWS::EC2::Subnet" => IrKind::Subnet(IrSubnet {
            vpc: p.required_id(ev, "VpcId"),
            availability_zone: match p.text(ev, "AvailabilityZone")? {
                Some(v) => v.map(Some),
                // A zone id (use1-az1) is not a zone name: compared with the
                // names of other subnets it could count one zone as two.
                None if p.has("AvailabilityZoneId") => V::Unknown(p.say(
                    "AvailabilityZone",
                    "is given as AvailabilityZoneId, whose zone name is known only at deploy",
                )),
                None => V::Known(None),
            },
            cidr_block: match p.text(ev, "CidrBlock")? {
                Some(v) => v.map(Some),
                None if p.has("Ipv4IpamPoolId") => {
                    V::Unknown(p.say("CidrBlock", "is allocated from an IPAM pool at deploy"))
                }
                None => V::Known(None),
            },
            name: p.name_tag(ev)?,
        }),
        "AWS::EC2::RouteTable" => IrKind::RouteTable(IrRouteTable {
            vpc: p.required_id(ev, "VpcId"),
            routes: Vec::new(),
            is_main: false,
            name: p.name_tag(ev)?,
        }),
        "AWS::EC2::Route" => IrKind::Route(IrRoute {
            route_table: p.required_id(ev, "RouteTableId"),
            route: route_spec(ev, &p, &origin, gaps)?,
        }),
        "AWS::EC2::SubnetRouteTableAssociation" => {
            IrKind::RouteTableAssociation(IrRouteTableAssociation {
                route_table: p.required_id(ev, "RouteTableId"),
                subnet: Some(p.required_id(ev, "SubnetId")),
            })
        }
        "AWS::EC2::GatewayRouteTableAssociation" => {
            IrKind::RouteTableAssociation(IrRouteTableAssociation {
                route_table: p.required_id(ev, "RouteTableId"),
                subnet: None,
            })
        }
        "AWS::EC2::SecurityGroup" => IrKind::SecurityGroup(IrSecurityGroup {
            vpc: match p.id(ev, "VpcId") {
                Some(v) => v.map(Some),
                None => V::Known(None),
            },
            group_name: p.known_text(ev, "GroupName")?,
            ingress: inline_ingress(ev, &p)?,
        }),
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            let ingress = r.ty == "AWS::EC2::SecurityGroupIngress";
            let security_group = match p.id(ev, "GroupId") {
                Some(v) => v,
                None if p.has("GroupName") => V::Unknown(p.say(
                    "GroupId",
                    "is not set: the group is named by GroupName, which this reader does not resolve",
                )),
                None => p.not_set("GroupId"),
            };
            let fields = p.whole.is_none().then_some(p.values.as_slice());
            let rule = rule_entry(ev, &p, fields, "", !ingress)?;
            let mut rule = match rule {
                V::Known(rule) => rule,
                // The IR's rule has no unknown protocol or ports: a rule
                // whose protocol or ports are unknown is read as one that
                // may allow anything from an unknown source, which no check
                // can pass on.
                V::Unknown(sentence) => IrIngress {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    cidr_blocks: vec![V::Unknown(sentence)],
                    ipv6_cidr_blocks: Vec::new(),
                    prefix_list_ids: Vec::new(),
                    security_groups: Vec::new(),
                    self_source: false,
                },
            };
            if let V::Known(group) = &security_group {
                let before = rule.security_groups.len();
                rule.security_groups.retain(|g| g.known() != Some(group));
                rule.self_source = rule.security_groups.len() != before;
            }
            IrKind::SecurityGroupRule(IrSecurityGroupRule {
                security_group,
                ingress,
                rule,
            })
        }
        "AWS::EC2::VPCEndpoint" => IrKind::Endpoint(IrEndpoint {
            vpc: p.required_id(ev, "VpcId"),
            service_name: p
                .text(ev, "ServiceName")?
                .unwrap_or_else(|| p.not_set("ServiceName")),
            // aws-resource-ec2-vpcendpoint, VpcEndpointType: "The type of
            // endpoint. Default: Gateway" (as the EC2 API's CreateVpcEndpoint
            // says too).
            endpoint_type: p
                .text(ev, "VpcEndpointType")?
                .unwrap_or(V::Known("Gateway".into())),
            // aws-resource-ec2-vpcendpoint, PrivateDnsEnabled: "Indicate
            // whether to associate a private hosted zone with the specified
            // VPC. ... Default: false". (The console turns it on for AWS
            // services; a template that omits it does not.)
            private_dns_enabled: p.boolean(ev, "PrivateDnsEnabled", false),
            policy: match p.get("PolicyDocument") {
                None => V::Known(None),
                Some(Val::Str(s)) => V::Known(Some(s)),
                Some(v @ (Val::Map(_) | Val::List(_))) => match ev.json_of(&v)? {
                    Ok(j) => V::Known(Some(j.to_string())),
                    Err(r) => V::Unknown(p.say("PolicyDocument", &r)),
                },
                Some(v) => p.explain("PolicyDocument", ev.v_text(&v)?).map(Some),
            },
            subnets: p.ids(ev, "SubnetIds"),
            security_groups: p.ids(ev, "SecurityGroupIds"),
            route_tables: p.ids(ev, "RouteTableIds"),
            state: None,
            name: p.name_tag(ev)?,
        }),
        "AWS::EC2::PrefixList" => match p.text(ev, "PrefixListName")? {
            Some(V::Known(name)) => IrKind::PrefixList(IrPrefixList {
                prefix_list_id: r.id.to_string(),
                name,
            }),
            Some(V::Unknown(s)) => {
                gaps.push((origin, format!("{s}: the prefix list is not assessed")));
                return Ok(None);
            }
            None => {
                gaps.push((
                    origin,
                    p.say(
                        "PrefixListName",
                        "is not set: the prefix list is not assessed",
                    ),
                ));
                return Ok(None);
            }
        },
        "AWS::CloudTrail::Trail" => IrKind::Trail(trail(ev, &p)?),
        "AWS::ImageBuilder::InfrastructureConfiguration" => {
            IrKind::InfrastructureConfiguration(IrInfrastructureConfiguration {
                name: p.known_text(ev, "Name")?,
                // "SubnetId: The subnet ID in which to place the instance
                // used to customize your Amazon EC2 AMI." Not set: Image
                // Builder uses the default VPC.
                subnet: match p.id(ev, "SubnetId") {
                    Some(v) => v.map(Some),
                    None => V::Known(None),
                },
                security_groups: p.ids(ev, "SecurityGroupIds"),
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(IrResource {
        id: r.id.to_string(),
        origin,
        action: Action::Create,
        kind,
    }))
}

const ROUTE_TARGETS: &[(&str, RouteTarget)] = &[
    ("GatewayId", RouteTarget::Gateway),
    ("NatGatewayId", RouteTarget::NatGateway),
    ("TransitGatewayId", RouteTarget::TransitGateway),
    (
        "EgressOnlyInternetGatewayId",
        RouteTarget::EgressOnlyInternetGateway,
    ),
    ("NetworkInterfaceId", RouteTarget::NetworkInterface),
    ("VpcPeeringConnectionId", RouteTarget::VpcPeeringConnection),
    ("InstanceId", RouteTarget::Instance),
    ("CarrierGatewayId", RouteTarget::CarrierGateway),
    ("LocalGatewayId", RouteTarget::LocalGateway),
    ("CoreNetworkArn", RouteTarget::CoreNetwork),
    ("VpcEndpointId", RouteTarget::VpcEndpoint),
];

fn route_spec(
    ev: &mut Eval,
    p: &Props,
    origin: &Origin,
    gaps: &mut Vec<Gap>,
) -> Result<IrRouteSpec, IacError> {
    // The IR's destinations are known or absent: an unknown one is left out
    // and said as a gap, so the route never counts as a path.
    let mut destination = |name: &str, gaps: &mut Vec<Gap>| -> Result<Option<String>, IacError> {
        Ok(match p.text(ev, name)? {
            None => None,
            Some(V::Known(s)) => Some(s),
            Some(V::Unknown(s)) => {
                gaps.push((origin.clone(), format!("{s}: the route is not assessed")));
                None
            }
        })
    };
    let destination_cidr_block = destination("DestinationCidrBlock", gaps)?;
    let destination_ipv6_cidr_block = destination("DestinationIpv6CidrBlock", gaps)?;
    Ok(IrRouteSpec {
        destination_cidr_block,
        destination_ipv6_cidr_block,
        destination_prefix_list_id: p.id(ev, "DestinationPrefixListId"),
        target: ROUTE_TARGETS
            .iter()
            .find_map(|(name, t)| p.id(ev, name).map(|v| (*t, v))),
    })
}

/// IpProtocol as the EC2 API spells it.
fn protocol(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// One permission: an inline `SecurityGroupIngress` entry or the properties
/// of an `AWS::EC2::SecurityGroupIngress`/`Egress`. `prefix` names the
/// entry in sentences (`SecurityGroupIngress[0].`). `None` fields: the
/// entry is not a mapping.
fn rule_entry(
    ev: &mut Eval,
    p: &Props,
    fields: Option<&[(String, Val)]>,
    prefix: &str,
    egress: bool,
) -> Result<V<IrIngress>, IacError> {
    let say = |attr: &str, reason: &str| p.say(&format!("{prefix}{attr}"), reason);
    let Some(fields) = fields else {
        let reason = p.whole.clone().unwrap_or_else(|| "is not a mapping".into());
        let attr = match prefix.trim_end_matches('.') {
            "" => "Properties",
            entry => entry,
        };
        return Ok(V::Unknown(p.say(attr, &reason)));
    };
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let r: Result<IrIngress, Miss> = (|| {
        let explain = |attr: &str, v: V<String>| match v {
            V::Unknown(r) => V::Unknown(say(attr, &r)),
            k => k,
        };
        let protocol = match get("IpProtocol") {
            None => {
                return Err(Miss::Unknown(say(
                    "IpProtocol",
                    "is not set (CloudFormation requires it)",
                )))
            }
            Some(v) => protocol(&known(explain("IpProtocol", ev.v_text(v)?))?),
        };
        let port = |attr: &str| -> Result<Option<i32>, Miss> {
            match get(attr) {
                None => Ok(None),
                Some(v) => Ok(Some(known(match ev.v_i32(v) {
                    V::Unknown(r) => V::Unknown(say(attr, &r)),
                    k => k,
                })?)),
            }
        };
        let from_port = port("FromPort")?;
        let to_port = port("ToPort")?;
        let mut text = |attr: &str| -> Result<Vec<V<String>>, IacError> {
            Ok(match get(attr) {
                None => Vec::new(),
                Some(v) => vec![explain(attr, ev.v_text(v)?)],
            })
        };
        let cidr_blocks = text("CidrIp")?;
        let ipv6_cidr_blocks = text("CidrIpv6")?;
        let id = |attr: &str| -> Vec<V<Id>> {
            match get(attr) {
                None => Vec::new(),
                Some(v) => vec![explain(attr, ev.v_id(v))],
            }
        };
        let (prefix_list_ids, mut security_groups) = if egress {
            (
                id("DestinationPrefixListId"),
                id("DestinationSecurityGroupId"),
            )
        } else {
            (id("SourcePrefixListId"), id("SourceSecurityGroupId"))
        };
        if !egress && get("SourceSecurityGroupName").is_some() {
            security_groups.push(V::Unknown(say(
                "SourceSecurityGroupName",
                "names a group by name, which this reader does not resolve",
            )));
        }
        Ok(IrIngress {
            protocol,
            from_port,
            to_port,
            cidr_blocks,
            ipv6_cidr_blocks,
            prefix_list_ids,
            security_groups,
            self_source: false,
        })
    })();
    settle(r)
}

fn inline_ingress(ev: &mut Eval, p: &Props) -> Result<V<Vec<IrIngress>>, IacError> {
    let Some(v) = p.get("SecurityGroupIngress") else {
        return Ok(V::Known(Vec::new()));
    };
    let items = match ev.v_list(&v) {
        V::Known(items) => items,
        V::Unknown(r) => return Ok(V::Unknown(p.say("SecurityGroupIngress", &r))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let fields = match item {
            Val::Map(m) => Some(m.as_slice()),
            _ => None,
        };
        match rule_entry(ev, p, fields, &format!("SecurityGroupIngress[{i}]."), false)? {
            V::Known(rule) => out.push(rule),
            V::Unknown(s) => return Ok(V::Unknown(s)),
        }
    }
    Ok(V::Known(out))
}

fn trail(ev: &mut Eval, p: &Props) -> Result<IrTrail, IacError> {
    let trail_name = p.text(ev, "TrailName")?;
    let name = match &trail_name {
        Some(V::Known(n)) => n.clone(),
        _ => p.id.to_string(),
    };
    // The ARN is built where the account is known and the name is not
    // unknown (without TrailName, the name is the logical id, as the IR
    // keys trails by it); else it is the logical id.
    let arn = match (ev.account, &trail_name) {
        (Some(account), None | Some(V::Known(_))) => format!(
            "arn:{}:cloudtrail:{}:{account}:trail/{name}",
            ev.partition.name, ev.region
        ),
        _ => p.id.to_string(),
    };
    let is_logging = match p.get("IsLogging") {
        // Required by aws-resource-cloudtrail-trail ("Required: Yes").
        None => p.not_set("IsLogging"),
        Some(v) => p.explain("IsLogging", ev.v_bool(&v)),
    };
    Ok(IrTrail {
        name,
        arn,
        // aws-resource-cloudtrail-trail, IsMultiRegionTrail ("Specifies
        // whether the trail applies only to the current Region or to all
        // Regions. The default is false.") and IsOrganizationTrail ("The
        // default is false"), as CloudTrail's CreateTrail says.
        is_multi_region: p.boolean(ev, "IsMultiRegionTrail", false),
        is_organization: p.boolean(ev, "IsOrganizationTrail", false),
        is_logging,
        event_selectors: event_selectors(ev, p)?,
        advanced_event_selectors: advanced_event_selectors(ev, p)?,
        s3_bucket_name: p.known_text(ev, "S3BucketName")?,
    })
}

/// A list of mappings (`EventSelectors`), each a slice of fields, with the
/// name of each for sentences.
fn mapping_list(ev: &Eval, p: &Props, name: &str) -> Result<Option<Vec<(String, Fields)>>, Miss> {
    let Some(v) = p.get(name) else {
        return Ok(None);
    };
    let items = known(p.explain(name, ev.v_list(&v)))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("{name}[{i}]");
        match item {
            Val::Map(m) => out.push((at, m)),
            Val::Unknown(r) => return Err(Miss::Unknown(p.say(&at, &r))),
            _ => return Err(Miss::Unknown(p.say(&at, "is not a mapping"))),
        }
    }
    Ok(Some(out))
}

fn field<'v>(m: &'v [(String, Val)], k: &str) -> Option<&'v Val> {
    m.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

fn text_field(
    ev: &mut Eval,
    p: &Props,
    m: &[(String, Val)],
    at: &str,
    k: &str,
) -> Result<Option<Text>, Miss> {
    match field(m, k) {
        None => Ok(None),
        Some(v) => Ok(Some(
            known(p.explain(&format!("{at}.{k}"), ev.v_text(v)?))?.into(),
        )),
    }
}

fn text_list_field(
    ev: &mut Eval,
    p: &Props,
    m: &[(String, Val)],
    at: &str,
    k: &str,
) -> Result<Option<Vec<Text>>, Miss> {
    let Some(v) = field(m, k) else {
        return Ok(None);
    };
    let attr = format!("{at}.{k}");
    let items = known(p.explain(&attr, ev.v_list(v)))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(known(p.explain(&format!("{attr}[{i}]"), ev.v_text(item)?))?.into());
    }
    Ok(Some(out))
}

fn event_selectors(ev: &mut Eval, p: &Props) -> Result<V<Option<Vec<EventSelector>>>, IacError> {
    let r = (|| -> Result<Option<Vec<EventSelector>>, Miss> {
        let Some(list) = mapping_list(ev, p, "EventSelectors")? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (at, m) in list {
            let include = match field(&m, "IncludeManagementEvents") {
                None => true,
                Some(v) => {
                    known(p.explain(&format!("{at}.IncludeManagementEvents"), ev.v_bool(v)))?
                }
            };
            out.push(EventSelector {
                // aws-properties-cloudtrail-trail-eventselector,
                // ReadWriteType: "By default, the value is All."
                read_write_type: Some(
                    text_field(ev, p, &m, &at, "ReadWriteType")?.unwrap_or_else(|| "All".into()),
                ),
                // IncludeManagementEvents: "By default, the value is true."
                include_management_events: Some(include),
                exclude_management_event_sources: text_list_field(
                    ev,
                    p,
                    &m,
                    &at,
                    "ExcludeManagementEventSources",
                )?,
            });
        }
        Ok(Some(out))
    })();
    settle(r)
}

fn advanced_event_selectors(
    ev: &mut Eval,
    p: &Props,
) -> Result<V<Option<Vec<AdvancedEventSelector>>>, IacError> {
    let r = (|| -> Result<Option<Vec<AdvancedEventSelector>>, Miss> {
        let Some(list) = mapping_list(ev, p, "AdvancedEventSelectors")? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(list.len());
        for (at, m) in list {
            let mut field_selectors = Vec::new();
            if let Some(v) = field(&m, "FieldSelectors") {
                let attr = format!("{at}.FieldSelectors");
                let items = known(p.explain(&attr, ev.v_list(v)))?;
                for (i, item) in items.into_iter().enumerate() {
                    let fat = format!("{attr}[{i}]");
                    let Val::Map(f) = item else {
                        return Err(Miss::Unknown(p.say(&fat, "is not a mapping")));
                    };
                    let Some(name) = text_field(ev, p, &f, &fat, "Field")? else {
                        return Err(Miss::Unknown(p.say(&format!("{fat}.Field"), "is not set")));
                    };
                    field_selectors.push(AdvancedFieldSelector {
                        field: name,
                        equals: text_list_field(ev, p, &f, &fat, "Equals")?,
                        not_equals: text_list_field(ev, p, &f, &fat, "NotEquals")?,
                        starts_with: text_list_field(ev, p, &f, &fat, "StartsWith")?,
                        not_starts_with: text_list_field(ev, p, &f, &fat, "NotStartsWith")?,
                        ends_with: text_list_field(ev, p, &f, &fat, "EndsWith")?,
                        not_ends_with: text_list_field(ev, p, &f, &fat, "NotEndsWith")?,
                    });
                }
            }
            out.push(AdvancedEventSelector {
                name: text_field(ev, p, &m, &at, "Name")?,
                field_selectors,
            });
        }
        Ok(Some(out))
    })();
    settle(r)
}
