//! The generated organization: N accounts x R regions, each account-region
//! derived on demand from a hash of (seed, account, region), so nothing is
//! stored and memory does not grow with N.
//!
//! Every region holds a few VPCs. Some are "Image Builder VPCs" (an
//! infrastructure configuration whose build subnet is in the VPC, an
//! Image Builder interface endpoint, an S3 gateway endpoint with its route,
//! `ssm` and `ssmmessages` endpoints, a security group admitting TCP 443
//! from the VPC, DNS attributes on); a known share of them has exactly one
//! defect ([`Variant`]), which decides the one finding ibaudit must report
//! on it. The others are plain VPCs that Image Builder does not use (the
//! collector must not describe them). Each account has one multi-region
//! trail in `us-east-1`, healthy or broken ([`TrailKind`]).

use std::collections::BTreeMap;

/// The 17 regions every account has enabled by default, in the order the
/// emulator offers them (`--regions R` takes the first R).
pub const REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];

/// The prefix of a region's Availability Zone ids (`use1-az1`).
fn zone_id_prefix(region: &str) -> String {
    let mut parts = region.split('-');
    let (geo, dir, n) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let dir = match dir {
        "east" => "e",
        "west" => "w",
        "north" => "n",
        "south" => "s",
        "central" => "c",
        "northeast" => "ne",
        "southeast" => "se",
        "northwest" => "nw",
        "southwest" => "sw",
        other => other,
    };
    let geo = match geo {
        "ap" | "eu" | "us" | "sa" | "me" | "af" | "il" | "mx" => geo.to_string(),
        "ca" => "ca".to_string(),
        other => other.chars().take(2).collect(),
    };
    format!("{geo}{dir}{n}")
}

/// The trail every account has, in the first region.
pub const TRAIL_HOME: &str = REGIONS[0];
pub const TRAIL_NAME: &str = "org-audit";

/// AWS's default policy of a gateway endpoint, as DescribeVpcEndpoints returns it.
const DEFAULT_GATEWAY_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
/// AWS's default policy of an interface endpoint.
const DEFAULT_INTERFACE_POLICY: &str = "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\", \n      \"Effect\": \"Allow\", \n      \"Principal\": \"*\", \n      \"Resource\": \"*\"\n    }\n  ]\n}";
/// A custom Image Builder endpoint policy that still allows what builds need.
const CUSTOM_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ImageBuilderOnly","Effect":"Allow","Principal":"*","Action":"imagebuilder:*","Resource":"*"}]}"#;

/// SplitMix64's finaliser.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of several numbers.
pub fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x243F_6A88_85A3_08D3, |h, &p| {
        splitmix(h ^ p.wrapping_mul(0xA24B_AED4_963E_E407))
    })
}

/// A hash of a string.
pub fn hash_str(s: &str) -> u64 {
    // FNV-1a, then mixed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(h)
}

/// A small deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// In [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// What is wrong with an Image Builder VPC, if anything: one defect each,
/// so each broken VPC yields exactly one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Healthy,
    /// The Image Builder endpoint has private DNS off: IB002 on it.
    PrivateDnsOff,
    /// The endpoint's security group admits TCP 22, not 443: IB005 on it.
    NoHttps,
    /// No `ssm` / `ssmmessages` endpoints, and no default route: IB014 on the build subnet.
    NoSsm,
    /// `enableDnsHostnames` off while private DNS is on: IB003 on the endpoint.
    DnsHostnamesOff,
    /// The endpoint is in one zone, the build subnet in another: IB006
    /// (build-zone-uncovered, medium) on the endpoint.
    SingleAz,
    /// No S3 gateway endpoint or route: IB012 on the build subnet.
    NoS3Route,
    /// No Image Builder endpoint in the build subnet's VPC: IB001 on the build subnet.
    NoEndpoint,
    /// A non-default endpoint policy: IB020 (low) on the endpoint.
    CustomPolicy,
    /// The endpoint is `pending`: IB004 (medium) on it.
    Pending,
}

const BROKEN: [Variant; 9] = [
    Variant::PrivateDnsOff,
    Variant::NoHttps,
    Variant::NoSsm,
    Variant::DnsHostnamesOff,
    Variant::SingleAz,
    Variant::NoS3Route,
    Variant::NoEndpoint,
    Variant::CustomPolicy,
    Variant::Pending,
];

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Healthy => "healthy",
            Variant::PrivateDnsOff => "private-dns-off",
            Variant::NoHttps => "no-https",
            Variant::NoSsm => "no-ssm",
            Variant::DnsHostnamesOff => "dns-hostnames-off",
            Variant::SingleAz => "single-az",
            Variant::NoS3Route => "no-s3-route",
            Variant::NoEndpoint => "no-endpoint",
            Variant::CustomPolicy => "custom-policy",
            Variant::Pending => "pending",
        }
    }
}

/// An account's trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailKind {
    /// Multi-region, logging, all management events.
    Healthy,
    /// Multi-region but stopped: IB021 (not-recording) in every region with an Image Builder endpoint.
    NotLogging,
    /// Logging read-only management events only: IB021 (read-only, low).
    ReadOnly,
    /// No trail at all: IB021 (not-recording).
    Missing,
}

#[derive(Debug, Clone)]
pub struct Vpc {
    pub id: String,
    pub cidr: String,
    pub dns_support: bool,
    pub dns_hostnames: bool,
    pub name: String,
    pub dhcp: String,
    pub association: String,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub id: String,
    pub vpc: String,
    pub cidr: String,
    pub zone: String,
    pub zone_id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub vpc: String,
    /// Inbound TCP port admitted from `source`.
    pub port: u16,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub vpc: String,
    pub vpc_cidr: String,
    pub main: bool,
    /// (association id, subnet id)
    pub subnets: Vec<(String, String)>,
    /// The main association's id, for the main table.
    pub main_association: Option<String>,
    /// The S3 gateway endpoint routed from the S3 prefix list.
    pub s3_route: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub vpc: String,
    /// The last part of the service name: `imagebuilder`, `s3`, `ssm`, ...
    pub service: &'static str,
    pub interface: bool,
    pub state: &'static str,
    pub private_dns: bool,
    pub subnets: Vec<String>,
    /// (group id, group name)
    pub groups: Vec<(String, String)>,
    pub route_tables: Vec<String>,
    pub policy: &'static str,
    pub name: String,
    /// One network interface per subnet.
    pub enis: Vec<String>,
}

impl Endpoint {
    /// An available S3 gateway endpoint on one route table, with the
    /// default (full access) policy.
    fn s3_gateway(id: String, vpc: String, route_table: String, name: String) -> Endpoint {
        Endpoint {
            id,
            vpc,
            service: "s3",
            interface: false,
            state: "available",
            // As DescribeVpcEndpoints reports a gateway endpoint (the AWS
            // CLI reference's describe-vpc-endpoints example; moto too).
            private_dns: true,
            subnets: Vec::new(),
            groups: Vec::new(),
            route_tables: vec![route_table],
            policy: DEFAULT_GATEWAY_POLICY,
            name,
            enis: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub arn: String,
    pub name: String,
    pub subnet: String,
    pub groups: Vec<String>,
}

/// A finding ibaudit must report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub account: String,
    pub region: String,
    pub rule: &'static str,
    pub resource: String,
    pub severity: &'static str,
    /// Why (the variant), for people reading the expectation.
    pub cause: &'static str,
}

/// One account-region, generated.
#[derive(Debug, Clone, Default)]
pub struct Region {
    pub name: String,
    pub account: String,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub groups: Vec<Group>,
    pub tables: Vec<Table>,
    pub endpoints: Vec<Endpoint>,
    pub configs: Vec<Config>,
    /// The region's S3 prefix list id (the same for every account).
    pub s3_prefix_list: String,
    pub dynamodb_prefix_list: String,
    /// Findings on this region's resources (IB021 is the account's: see [`Spec::expected`]).
    pub expected: Vec<Finding>,
}

impl Region {
    pub fn has_imagebuilder_endpoint(&self) -> bool {
        self.endpoints
            .iter()
            .any(|e| e.service == "imagebuilder" && e.interface)
    }

    /// The fewest calls the collector needs for this region (the same plan
    /// it follows: list, then describe only what Image Builder uses),
    /// added to `out` by `service:Action`.
    pub fn minimum_calls(&self, out: &mut BTreeMap<String, u64>) {
        let mut add = |k: &str, n: u64| *out.entry(k.to_string()).or_default() += n;
        let pages = |n: usize, size: usize| n.div_ceil(size).max(1) as u64;
        add(
            "ec2:DescribeVpcEndpoints",
            pages(self.endpoints.len(), 1000),
        );
        add("ec2:DescribePrefixLists", 1);
        add("cloudtrail:DescribeTrails", 1);
        add(
            "imagebuilder:ListInfrastructureConfigurations",
            pages(self.configs.len(), 25),
        );
        add(
            "imagebuilder:GetInfrastructureConfiguration",
            self.configs.len() as u64,
        );
        let ib: Vec<&Endpoint> = self
            .endpoints
            .iter()
            .filter(|e| e.service == "imagebuilder" && e.interface)
            .collect();
        let mut subnets: std::collections::BTreeSet<&str> =
            self.configs.iter().map(|c| c.subnet.as_str()).collect();
        subnets.extend(ib.iter().flat_map(|e| e.subnets.iter().map(String::as_str)));
        if subnets.is_empty() {
            return;
        }
        add("ec2:DescribeSubnets", subnets.len().div_ceil(200) as u64);
        let mut vpcs: std::collections::BTreeSet<&str> =
            ib.iter().map(|e| e.vpc.as_str()).collect();
        for c in &self.configs {
            if let Some(s) = self.subnets.iter().find(|s| s.id == c.subnet) {
                vpcs.insert(&s.vpc);
            }
        }
        if vpcs.is_empty() {
            return;
        }
        let chunks = vpcs.len().div_ceil(200) as u64;
        add("ec2:DescribeVpcs", chunks);
        add("ec2:DescribeRouteTables", chunks);
        let groups: std::collections::BTreeSet<&str> = ib
            .iter()
            .flat_map(|e| e.groups.iter().map(|g| g.0.as_str()))
            .collect();
        add(
            "ec2:DescribeSecurityGroups",
            groups.len().div_ceil(200) as u64,
        );
        let dns: std::collections::BTreeSet<&str> = ib
            .iter()
            .filter(|e| e.private_dns)
            .map(|e| e.vpc.as_str())
            .collect();
        add("ec2:DescribeVpcAttribute", 2 * dns.len() as u64);
    }
}

/// The organization's shape.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub accounts: usize,
    pub regions: usize,
    /// The share of Image Builder VPCs with a defect (and of accounts with a broken trail, halved).
    pub broken_share: f64,
    /// The share of regions that use Image Builder.
    pub imagebuilder_share: f64,
}

const ACCOUNT_BASE: u64 = 100_000_000_000;

impl Spec {
    pub fn region_names(&self) -> &'static [&'static str] {
        &REGIONS[..self.regions.min(REGIONS.len())]
    }

    /// The index of a region of the organization, if it is one.
    pub fn region_index(&self, name: &str) -> Option<usize> {
        self.region_names().iter().position(|r| *r == name)
    }

    /// Account i's id: twelve digits; account 0 is the management account.
    pub fn account_id(&self, i: usize) -> String {
        format!("{:012}", ACCOUNT_BASE + i as u64)
    }

    pub fn account_index(&self, id: &str) -> Option<usize> {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = id.parse().ok()?;
        let i = n.checked_sub(ACCOUNT_BASE)? as usize;
        (i < self.accounts).then_some(i)
    }

    pub fn management(&self) -> String {
        self.account_id(0)
    }

    pub fn account_name(&self, i: usize) -> String {
        if i == 0 {
            "management".into()
        } else {
            format!("member-{i:05}")
        }
    }

    pub fn organization_id(&self) -> String {
        let mut h = mix(&[self.seed, 0x06]);
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut id = String::from("o-");
        for _ in 0..10 {
            id.push(alphabet[(h % 36) as usize] as char);
            h /= 36;
        }
        id
    }

    pub fn trail(&self, account: usize) -> TrailKind {
        let mut rng = Rng::new(mix(&[self.seed, account as u64, 0x7a11]));
        if rng.chance(self.broken_share / 2.0) {
            [
                TrailKind::NotLogging,
                TrailKind::ReadOnly,
                TrailKind::Missing,
            ][rng.below(3) as usize]
        } else {
            TrailKind::Healthy
        }
    }

    pub fn trail_arn(&self, account: usize) -> String {
        format!(
            "arn:aws:cloudtrail:{TRAIL_HOME}:{}:trail/{TRAIL_NAME}",
            self.account_id(account)
        )
    }

    /// One account-region. A region outside the organization's is empty.
    pub fn region(&self, account: usize, region: &str) -> Region {
        let Some(r) = self.region_index(region) else {
            return Region {
                name: region.to_string(),
                account: self.account_id(account),
                s3_prefix_list: prefix_list_id(region, "s3"),
                dynamodb_prefix_list: prefix_list_id(region, "dynamodb"),
                ..Region::default()
            };
        };
        Generator::new(self, account, r).run()
    }

    /// Every finding of one account: its regions', and IB021 where its
    /// trail records no writes.
    pub fn expected(&self, account: usize) -> Vec<Finding> {
        let mut out = Vec::new();
        let trail = self.trail(account);
        for name in self.region_names() {
            let region = self.region(account, name);
            if region.has_imagebuilder_endpoint() && trail != TrailKind::Healthy {
                let (severity, cause) = match trail {
                    TrailKind::ReadOnly => ("low", "trail-read-only"),
                    TrailKind::NotLogging => ("medium", "trail-not-logging"),
                    _ => ("medium", "trail-missing"),
                };
                out.push(Finding {
                    account: region.account.clone(),
                    region: region.name.clone(),
                    rule: "IB021",
                    resource: region.name.clone(),
                    severity,
                    cause,
                });
            }
            out.extend(region.expected);
        }
        out.sort();
        out
    }
}

/// The id of an AWS-managed prefix list, the same in every account of a region.
pub fn prefix_list_id(region: &str, service: &str) -> String {
    format!("pl-{:08x}", hash_str(&format!("{region}/{service}")) as u32)
}

struct Generator<'a> {
    spec: &'a Spec,
    account: usize,
    region: usize,
    out: Region,
    rng: Rng,
}

impl<'a> Generator<'a> {
    fn new(spec: &'a Spec, account: usize, region: usize) -> Self {
        let name = REGIONS[region];
        Generator {
            spec,
            account,
            region,
            rng: Rng::new(mix(&[spec.seed, account as u64, region as u64, 0x5e6])),
            out: Region {
                name: name.to_string(),
                account: spec.account_id(account),
                s3_prefix_list: prefix_list_id(name, "s3"),
                dynamodb_prefix_list: prefix_list_id(name, "dynamodb"),
                ..Region::default()
            },
        }
    }

    /// `prefix-0` and 16 hex digits, unique to this account-region and `parts`.
    fn id(&self, prefix: &str, parts: &[u64]) -> String {
        let mut all = vec![
            self.spec.seed,
            self.account as u64,
            self.region as u64,
            hash_str(prefix),
        ];
        all.extend_from_slice(parts);
        format!("{prefix}-0{:016x}", mix(&all))
    }

    fn run(mut self) -> Region {
        let plain = 1 + self.rng.below(2) as usize;
        let imagebuilder = if self.rng.chance(self.spec.imagebuilder_share) {
            1 + self.rng.below(2) as usize
        } else {
            0
        };
        for v in 0..plain {
            self.plain_vpc(v);
        }
        for v in 0..imagebuilder {
            let variant = if self.rng.chance(self.spec.broken_share) {
                BROKEN[self.rng.below(BROKEN.len() as u64) as usize]
            } else {
                Variant::Healthy
            };
            self.imagebuilder_vpc(plain + v, variant);
        }
        self.out
    }

    fn zone(&self, i: usize) -> (String, String) {
        let name = REGIONS[self.region];
        let letter = (b'a' + i as u8) as char;
        (
            format!("{name}{letter}"),
            format!("{}-az{}", zone_id_prefix(name), i + 1),
        )
    }

    /// A VPC with two subnets in two zones and its main route table.
    fn vpc(&mut self, v: usize, cidr_second: usize, name: String, hostnames: bool) -> usize {
        let vpc_id = self.id("vpc", &[v as u64]);
        let cidr = format!("10.{cidr_second}.0.0/16");
        self.out.vpcs.push(Vpc {
            id: vpc_id.clone(),
            cidr: cidr.clone(),
            dns_support: true,
            dns_hostnames: hostnames,
            name,
            dhcp: format!("dopt-0{:016x}", mix(&[self.spec.seed, self.account as u64])),
            association: self.id("vpc-cidr-assoc", &[v as u64]),
        });
        for i in 0..2 {
            let (zone, zone_id) = self.zone(i);
            self.out.subnets.push(Subnet {
                id: self.id("subnet", &[v as u64, i as u64]),
                vpc: vpc_id.clone(),
                cidr: format!("10.{cidr_second}.{i}.0/24"),
                zone,
                zone_id,
                name: format!("{}-{i}", self.out.vpcs.last().unwrap().name),
            });
        }
        self.out.tables.push(Table {
            id: self.id("rtb", &[v as u64, 0]),
            vpc: vpc_id,
            vpc_cidr: cidr,
            main: true,
            subnets: Vec::new(),
            main_association: Some(self.id("rtbassoc", &[v as u64, 0])),
            s3_route: None,
            name: String::new(),
        });
        self.out.vpcs.len() - 1
    }

    fn plain_vpc(&mut self, v: usize) {
        let i = self.vpc(v, 100 + v, format!("app-vpc-{v}"), true);
        let vpc = self.out.vpcs[i].id.clone();
        if self.rng.chance(0.5) {
            let rtb = self.out.tables.last().unwrap().id.clone();
            let id = self.id("vpce", &[v as u64, 1]);
            self.out.endpoints.push(Endpoint::s3_gateway(
                id,
                vpc.clone(),
                rtb,
                format!("app-s3-{v}"),
            ));
        }
        if self.rng.chance(0.5) {
            let sg = self.id("sg", &[v as u64]);
            self.out.groups.push(Group {
                id: sg.clone(),
                name: format!("app-{v}"),
                vpc: vpc.clone(),
                port: 443,
                source: self.out.vpcs[i].cidr.clone(),
            });
            let service = ["logs", "ecr.api", "kms"][self.rng.below(3) as usize];
            let subnet = self.out.subnets[self.out.subnets.len() - 2].id.clone();
            self.out.endpoints.push(Endpoint {
                id: self.id("vpce", &[v as u64, 2]),
                vpc,
                service,
                interface: true,
                state: "available",
                private_dns: true,
                subnets: vec![subnet],
                groups: vec![(sg, format!("app-{v}"))],
                route_tables: Vec::new(),
                policy: DEFAULT_INTERFACE_POLICY,
                name: format!("app-{service}-{v}"),
                enis: vec![self.id("eni", &[v as u64, 2])],
            });
        }
    }

    fn imagebuilder_vpc(&mut self, v: usize, variant: Variant) {
        let region = REGIONS[self.region];
        let i = self.vpc(
            v,
            v,
            format!("build-vpc-{v}"),
            variant != Variant::DnsHostnamesOff,
        );
        let vpc = self.out.vpcs[i].id.clone();
        let cidr = self.out.vpcs[i].cidr.clone();
        let n = self.out.subnets.len();
        let subnets = [
            self.out.subnets[n - 2].id.clone(),
            self.out.subnets[n - 1].id.clone(),
        ];
        let sg = self.id("sg", &[v as u64]);
        let sg_name = format!("endpoints-{v}");
        self.out.groups.push(Group {
            id: sg.clone(),
            name: sg_name.clone(),
            vpc: vpc.clone(),
            port: if variant == Variant::NoHttps { 22 } else { 443 },
            source: cidr.clone(),
        });
        let rtb = self.id("rtb", &[v as u64, 1]);
        let s3 = self.id("vpce", &[v as u64, 1]);
        let has_s3 = variant != Variant::NoS3Route;
        self.out.tables.push(Table {
            id: rtb.clone(),
            vpc: vpc.clone(),
            vpc_cidr: cidr,
            main: false,
            subnets: subnets
                .iter()
                .enumerate()
                .map(|(k, s)| (self.id("rtbassoc", &[v as u64, 1, k as u64]), s.clone()))
                .collect(),
            main_association: None,
            s3_route: has_s3.then(|| s3.clone()),
            name: format!("build-private-{v}"),
        });
        let group = vec![(sg.clone(), sg_name)];
        let ib = self.id("vpce", &[v as u64, 0]);
        if variant != Variant::NoEndpoint {
            let endpoint_subnets = if variant == Variant::SingleAz {
                subnets[..1].to_vec()
            } else {
                subnets.to_vec()
            };
            let enis = (0..endpoint_subnets.len())
                .map(|k| self.id("eni", &[v as u64, 0, k as u64]))
                .collect();
            self.out.endpoints.push(Endpoint {
                id: ib.clone(),
                vpc: vpc.clone(),
                service: "imagebuilder",
                interface: true,
                state: if variant == Variant::Pending {
                    "pending"
                } else {
                    "available"
                },
                private_dns: variant != Variant::PrivateDnsOff,
                subnets: endpoint_subnets,
                groups: group.clone(),
                route_tables: Vec::new(),
                policy: if variant == Variant::CustomPolicy {
                    CUSTOM_POLICY
                } else {
                    DEFAULT_INTERFACE_POLICY
                },
                name: format!("imagebuilder-{v}"),
                enis,
            });
        }
        if has_s3 {
            self.out.endpoints.push(Endpoint::s3_gateway(
                s3,
                vpc.clone(),
                rtb,
                format!("build-s3-{v}"),
            ));
        }
        if variant != Variant::NoSsm {
            for (k, service) in ["ssm", "ssmmessages"].into_iter().enumerate() {
                let enis = (0..2)
                    .map(|j| self.id("eni", &[v as u64, 3 + k as u64, j]))
                    .collect();
                self.out.endpoints.push(Endpoint {
                    id: self.id("vpce", &[v as u64, 3 + k as u64]),
                    vpc: vpc.clone(),
                    service,
                    interface: true,
                    state: "available",
                    private_dns: true,
                    subnets: subnets.to_vec(),
                    groups: group.clone(),
                    route_tables: Vec::new(),
                    policy: DEFAULT_INTERFACE_POLICY,
                    name: format!("{service}-{v}"),
                    enis,
                });
            }
        }
        let config_name = format!("build-{v}");
        self.out.configs.push(Config {
            arn: format!(
                "arn:aws:imagebuilder:{region}:{}:infrastructure-configuration/{config_name}",
                self.out.account
            ),
            name: config_name,
            subnet: subnets[1].clone(),
            groups: vec![sg],
        });
        let (rule, resource, severity) = match variant {
            Variant::Healthy => return,
            Variant::PrivateDnsOff => ("IB002", ib, "medium"),
            Variant::NoHttps => ("IB005", ib, "high"),
            Variant::NoSsm => ("IB014", subnets[1].clone(), "high"),
            Variant::DnsHostnamesOff => ("IB003", ib, "high"),
            Variant::SingleAz => ("IB006", ib, "medium"),
            Variant::NoS3Route => ("IB012", subnets[1].clone(), "high"),
            Variant::NoEndpoint => ("IB001", subnets[1].clone(), "high"),
            Variant::CustomPolicy => ("IB020", ib, "low"),
            Variant::Pending => ("IB004", ib, "medium"),
        };
        self.out.expected.push(Finding {
            account: self.out.account.clone(),
            region: region.to_string(),
            rule,
            resource,
            severity,
            cause: variant.name(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            seed: 7,
            accounts: 50,
            regions: 17,
            broken_share: 0.3,
            imagebuilder_share: 0.7,
        }
    }

    #[test]
    fn generation_is_deterministic_and_ids_are_unique() {
        let s = spec();
        let a = s.region(3, "eu-west-1");
        let b = s.region(3, "eu-west-1");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let mut ids = std::collections::BTreeSet::new();
        for account in 0..s.accounts {
            for r in s.region_names() {
                let region = s.region(account, r);
                for id in region
                    .vpcs
                    .iter()
                    .map(|v| &v.id)
                    .chain(region.subnets.iter().map(|x| &x.id))
                    .chain(region.endpoints.iter().map(|x| &x.id))
                    .chain(region.groups.iter().map(|x| &x.id))
                    .chain(region.tables.iter().map(|x| &x.id))
                {
                    assert_eq!(id.len() - id.find('-').unwrap(), 18, "{id}");
                    assert!(ids.insert(id.clone()), "{id} twice");
                }
            }
        }
    }

    #[test]
    fn every_variant_and_trail_kind_shows_up() {
        let s = spec();
        let mut causes = std::collections::BTreeSet::new();
        for account in 0..s.accounts {
            for f in s.expected(account) {
                causes.insert(f.cause);
            }
        }
        assert_eq!(causes.len(), BROKEN.len() + 3, "{causes:?}");
    }

    #[test]
    fn accounts_and_zones() {
        let s = spec();
        assert_eq!(s.account_id(0), "100000000000");
        assert_eq!(s.account_index("100000000049"), Some(49));
        assert_eq!(s.account_index("100000000050"), None);
        assert_eq!(zone_id_prefix("us-east-1"), "use1");
        assert_eq!(zone_id_prefix("ap-northeast-2"), "apne2");
        assert_eq!(zone_id_prefix("ca-central-1"), "cac1");
        assert!(s.organization_id().starts_with("o-") && s.organization_id().len() == 12);
    }
}
