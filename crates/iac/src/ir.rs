//! The intermediate model both IaC readers produce: the resources that decide
//! the rules, with references still as ids, every value a rule needs either
//! known or "known only after apply/deploy" (with why), and where each
//! resource is declared. [`crate::build`] turns it into the snapshot model the
//! rules read; the rules never learn where the data came from.

use ibaudit_snapshot::aws::{AdvancedEventSelector, EventSelector};

/// A 1-based position in a file, as editors and GitHub count them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Relative to the current directory or `--source-root`, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Which language declared a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// The key is the full resource address, module keys and indexes included.
    Terraform,
    /// The key is the logical id.
    CloudFormation,
}

/// Where a resource is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub kind: SourceKind,
    /// Terraform address (`module.net["a"].aws_vpc_endpoint.ib[0]`) or
    /// CloudFormation logical id (`ImageBuilderEndpoint`).
    pub key: String,
    /// The IaC type: `aws_vpc_endpoint`, `AWS::EC2::VPCEndpoint`.
    pub iac_type: String,
    /// The block (or plan entry) that declares the resource.
    pub location: Location,
    /// Where the attribute that sets each value is, by attribute name
    /// (`subnet_id`, `PrivateDnsEnabled`), where it is known.
    pub attributes: Vec<(String, Location)>,
    /// Related places: a module's call site (`module.net`), outermost first.
    pub related: Vec<(String, Location)>,
    /// False when the location is the plan JSON's entry, not the source.
    pub in_source: bool,
}

impl Origin {
    /// The attribute's own location, else the block's.
    pub fn attribute(&self, name: &str) -> &Location {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| l)
            .unwrap_or(&self.location)
    }
}

/// A value a rule may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V<T> {
    Known(T),
    /// Known only after apply or deploy, or not decidable from the files:
    /// the whole sentence saying what and why ("subnet_id of
    /// aws_imagebuilder_infrastructure_configuration.main is known only after
    /// apply").
    Unknown(String),
}

impl<T> V<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            V::Known(t) => Some(t),
            V::Unknown(_) => None,
        }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> V<U> {
        match self {
            V::Known(t) => V::Known(f(t)),
            V::Unknown(w) => V::Unknown(w),
        }
    }
}

/// The id another resource is referred to by: the real AWS id where it is
/// known (`vpc-0123`, from a plan's prior state or a literal), else the
/// declaring resource's key (its address or logical id).
pub type Id = String;

/// What a plan does to a resource. Templates declare: `Create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    /// Exists and is unchanged.
    NoOp,
    /// Deleted and created again (either order).
    Replace,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct IacModel {
    pub regions: Vec<IrRegion>,
    /// Real AWS ids the change deletes (a plan's `delete` actions): gone
    /// from a `--snapshot`, and from every reference.
    pub deleted: Vec<(String, Id)>,
    /// Whole-input gaps: an errored plan, `complete: false`, deferred
    /// changes, a condition that could not be decided. Each is a sentence;
    /// they make the run incomplete (exit 3).
    pub not_assessed: Vec<InputGap>,
    /// Things the reader should know that are not findings.
    pub notes: Vec<String>,
}

/// A gap that is not about one attribute of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputGap {
    /// The resource it touches, where there is one.
    pub origin: Option<Origin>,
    pub region: Option<String>,
    pub message: String,
}

/// The resources declared for one region (and account, where known).
#[derive(Debug, Default)]
pub struct IrRegion {
    pub region: String,
    pub resources: Vec<IrResource>,
    /// Set when this region is one alternative of an undecided condition
    /// or pseudo parameter: said in each finding (`Condition IsProd=true`).
    pub variant: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IrResource {
    /// The id it is referred to by (see [`Id`]).
    pub id: Id,
    pub origin: Origin,
    pub action: Action,
    pub kind: IrKind,
}

#[derive(Debug, Clone)]
pub enum IrKind {
    Vpc(IrVpc),
    Subnet(IrSubnet),
    RouteTable(IrRouteTable),
    /// A route declared on its own (`aws_route`, `AWS::EC2::Route`).
    Route(IrRoute),
    /// A subnet's explicit association (`aws_route_table_association`,
    /// `AWS::EC2::SubnetRouteTableAssociation`).
    RouteTableAssociation(IrRouteTableAssociation),
    /// `aws_main_route_table_association`: the VPC's main table.
    MainRouteTableAssociation(IrMainRouteTableAssociation),
    SecurityGroup(IrSecurityGroup),
    /// A rule declared on its own (`aws_security_group_rule`,
    /// `aws_vpc_security_group_ingress_rule`, `AWS::EC2::SecurityGroupIngress`).
    SecurityGroupRule(IrSecurityGroupRule),
    Endpoint(IrEndpoint),
    /// `aws_vpc_endpoint_policy`.
    EndpointPolicy(IrEndpointPolicy),
    /// `aws_vpc_endpoint_route_table_association`.
    EndpointRouteTable(IrEndpointLink),
    /// `aws_vpc_endpoint_subnet_association`.
    EndpointSubnet(IrEndpointLink),
    /// `aws_vpc_endpoint_security_group_association`.
    EndpointSecurityGroup(IrEndpointSecurityGroup),
    /// `aws_vpc_endpoint_private_dns`.
    EndpointPrivateDns(IrEndpointPrivateDns),
    /// A prefix list whose name is known (`aws_ec2_managed_prefix_list`, a
    /// `data.aws_prefix_list`).
    PrefixList(IrPrefixList),
    Trail(IrTrail),
    /// `aws_cloudtrail` event selectors declared apart, where a language does.
    InfrastructureConfiguration(IrInfrastructureConfiguration),
}

#[derive(Debug, Clone)]
pub struct IrVpc {
    pub cidr_block: V<Option<String>>,
    /// `enableDnsSupport`: AWS's default is true.
    pub dns_support: V<bool>,
    /// `enableDnsHostnames`: AWS's default is false for a VPC you create.
    pub dns_hostnames: V<bool>,
    /// `aws_default_vpc`.
    pub is_default: bool,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IrSubnet {
    pub vpc: V<Id>,
    pub availability_zone: V<Option<String>>,
    pub cidr_block: V<Option<String>>,
    pub name: Option<String>,
}

/// A route's next hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteTarget {
    /// An internet gateway or a gateway endpoint (`GatewayId`).
    Gateway,
    NatGateway,
    TransitGateway,
    EgressOnlyInternetGateway,
    NetworkInterface,
    VpcPeeringConnection,
    Instance,
    CarrierGateway,
    LocalGateway,
    CoreNetwork,
    /// `vpc_endpoint_id` on an `aws_route` (a Gateway Load Balancer endpoint).
    VpcEndpoint,
}

#[derive(Debug, Clone)]
pub struct IrRouteSpec {
    pub destination_cidr_block: Option<String>,
    pub destination_ipv6_cidr_block: Option<String>,
    pub destination_prefix_list_id: Option<V<Id>>,
    /// `None` when the route names no target (a blackhole, from the API's view).
    pub target: Option<(RouteTarget, V<Id>)>,
}

#[derive(Debug, Clone)]
pub struct IrRouteTable {
    pub vpc: V<Id>,
    /// Inline routes.
    pub routes: Vec<IrRouteSpec>,
    /// `aws_default_route_table`: the VPC's main table.
    pub is_main: bool,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IrRoute {
    pub route_table: V<Id>,
    pub route: IrRouteSpec,
}

#[derive(Debug, Clone)]
pub struct IrRouteTableAssociation {
    pub route_table: V<Id>,
    /// `None` for a gateway association (no subnet).
    pub subnet: Option<V<Id>>,
}

#[derive(Debug, Clone)]
pub struct IrMainRouteTableAssociation {
    pub vpc: V<Id>,
    pub route_table: V<Id>,
}

/// One ingress permission (`IpPermission`).
#[derive(Debug, Clone)]
pub struct IrIngress {
    /// `tcp`, `udp`, `icmp`, `-1` (as the API spells them; `all` and
    /// protocol numbers are normalised by the reader).
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr_blocks: Vec<V<String>>,
    pub ipv6_cidr_blocks: Vec<V<String>>,
    pub prefix_list_ids: Vec<V<Id>>,
    pub security_groups: Vec<V<Id>>,
    /// The group itself as a source.
    pub self_source: bool,
}

#[derive(Debug, Clone)]
pub struct IrSecurityGroup {
    pub vpc: V<Option<Id>>,
    pub group_name: Option<String>,
    /// Inline ingress rules. `None` when the group's rules are unknown.
    pub ingress: V<Vec<IrIngress>>,
}

#[derive(Debug, Clone)]
pub struct IrSecurityGroupRule {
    pub security_group: V<Id>,
    /// Egress rules are read and ignored by the rules.
    pub ingress: bool,
    pub rule: IrIngress,
}

#[derive(Debug, Clone)]
pub struct IrEndpoint {
    pub vpc: V<Id>,
    pub service_name: V<String>,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`, ... as the API spells it.
    pub endpoint_type: V<String>,
    /// The reader applies its language's default where it is not set
    /// (false for both `aws_vpc_endpoint` and `AWS::EC2::VPCEndpoint`).
    pub private_dns_enabled: V<bool>,
    /// `None`: no policy set, the default full-access policy applies.
    pub policy: V<Option<String>>,
    pub subnets: Vec<V<Id>>,
    pub security_groups: Vec<V<Id>>,
    pub route_tables: Vec<V<Id>>,
    /// The state where a plan knows it (an existing endpoint); `None` for
    /// one being created.
    pub state: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IrEndpointPolicy {
    pub endpoint: V<Id>,
    pub policy: V<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct IrEndpointLink {
    pub endpoint: V<Id>,
    /// The route table or subnet.
    pub target: V<Id>,
}

#[derive(Debug, Clone)]
pub struct IrEndpointSecurityGroup {
    pub endpoint: V<Id>,
    pub security_group: V<Id>,
    /// `replace_default_association`: the VPC's default group is removed.
    pub replace_default: bool,
}

#[derive(Debug, Clone)]
pub struct IrEndpointPrivateDns {
    pub endpoint: V<Id>,
    pub enabled: V<bool>,
}

#[derive(Debug, Clone)]
pub struct IrPrefixList {
    pub prefix_list_id: Id,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct IrTrail {
    pub name: String,
    /// `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>` where
    /// the account is known, else the trail's key.
    pub arn: String,
    pub is_multi_region: V<bool>,
    pub is_organization: V<bool>,
    /// `enable_logging` / `IsLogging`: AWS starts logging a new trail.
    pub is_logging: V<bool>,
    /// `None`: no selectors declared, AWS's default applies (all management
    /// events, read and write).
    pub event_selectors: V<Option<Vec<EventSelector>>>,
    pub advanced_event_selectors: V<Option<Vec<AdvancedEventSelector>>>,
    pub s3_bucket_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IrInfrastructureConfiguration {
    pub name: Option<String>,
    /// `None`: no subnet set, Image Builder uses the default VPC.
    pub subnet: V<Option<Id>>,
    pub security_groups: Vec<V<Id>>,
}
