//! The IR turned into the snapshot model the rules read: each declared
//! resource becomes the AWS CLI shape its Describe call would return, the
//! separate resources that change another (an endpoint policy, a route
//! table association, a security group rule) are applied to it, and a value
//! known only after apply becomes a gap the rules report as not assessed.
//!
//! With a collected snapshot (`--snapshot`), the change is applied onto it:
//! created resources are added, updated ones replace theirs (same id),
//! deleted ones are removed, so what the files do not declare is judged as
//! the account has it.
//!
//! How an unknown is kept from passing:
//! - an unknown reference (a subnet id known only after apply, not declared
//!   in the files) becomes a placeholder id that nothing describes: the rule
//!   that follows it reports that one resource not assessed, and the
//!   placeholder's reason is recorded in [`Built::unknowns`];
//! - an unknown optional field that the rules read as "field missing"
//!   (private DNS, an endpoint's state, a subnet's zone) is left out, with
//!   its reason recorded for the resource;
//! - an unknown value the rules cannot do without (an endpoint's policy or
//!   service name, a group's rules) is recorded in the region's `errors`
//!   under the operation that would have returned it, so every rule that
//!   reads that operation there is not assessed;
//! - per-resource calls (VPC attributes, trail status and selectors, an
//!   infrastructure configuration) get an error naming that resource only.

use std::collections::{BTreeMap, HashMap};

use ibaudit_snapshot::aws::*;
use ibaudit_snapshot::{Account, CollectionError, RegionSnapshot, Response, Snapshot};

use crate::ir::*;

/// The error code of a value the files do not determine.
pub const UNKNOWN_CODE: &str = "UnknownValue";

/// What to build for.
pub struct BuildOptions<'a> {
    /// The account the resources are deployed to (12 digits).
    pub account_id: &'a str,
    pub partition: &'a str,
    /// The collected snapshot the change is applied onto.
    pub base: Option<&'a Snapshot>,
    pub collected_at: String,
}

/// The snapshot(s) to audit, and where each resource in them came from.
pub struct Built {
    /// One per variant of an undecided condition; one when there is none.
    pub variants: Vec<Variant>,
    /// The declaring resource of every id (placeholders included: a
    /// placeholder maps to the resource whose attribute it stands for).
    pub origins: HashMap<String, Origin>,
    /// Why a value is not known, by the id of the resource (or placeholder)
    /// it is about.
    pub unknowns: HashMap<String, Vec<String>>,
    /// The attribute a placeholder stands for, by placeholder id.
    pub placeholder_attribute: HashMap<String, String>,
    /// Resources that change what is outside the files: not assessed.
    pub gaps: Vec<InputGap>,
}

pub struct Variant {
    pub label: Option<String>,
    pub snapshot: Snapshot,
}

/// What a described resource is identified by.
trait Keyed {
    fn key(&self) -> &str;
}

macro_rules! keyed {
    ($($t:ty => |$x:ident| $e:expr),* $(,)?) => {
        $(impl Keyed for $t {
            fn key(&self) -> &str {
                let $x = self;
                $e
            }
        })*
    };
}

keyed! {
    VpcEndpoint => |x| &x.vpc_endpoint_id,
    Vpc => |x| &x.vpc_id,
    Subnet => |x| &x.subnet_id,
    SecurityGroup => |x| &x.group_id,
    RouteTable => |x| &x.route_table_id,
    PrefixList => |x| &x.prefix_list_id,
    Trail => |x| &x.trail_arn,
    GetInfrastructureConfigurationResponse => |x| &x.infrastructure_configuration.arn,
}

/// A list of resources in the order AWS listed them, looked up by id in
/// constant time (a plan of thousands of resources applies each once).
struct Indexed<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Keyed> Indexed<T> {
    fn from(items: Vec<T>) -> Self {
        let mut x = Indexed {
            items,
            index: HashMap::new(),
        };
        x.reindex();
        x
    }

    fn reindex(&mut self) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, t)| (t.key().to_string(), i))
            .collect();
    }

    /// Adds the item, or replaces the one with its id.
    fn upsert(&mut self, item: T) {
        match self.index.get(item.key()) {
            Some(&i) => self.items[i] = item,
            None => {
                self.index.insert(item.key().to_string(), self.items.len());
                self.items.push(item);
            }
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    fn get(&self, id: &str) -> Option<&T> {
        self.position(id).map(|i| &self.items[i])
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.position(id).map(|i| &mut self.items[i])
    }

    fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.items.retain(f);
        self.reindex();
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<T> std::ops::Index<usize> for Indexed<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.items[i]
    }
}

impl<T> std::ops::IndexMut<usize> for Indexed<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.items[i]
    }
}

#[derive(Default)]
struct RegionState {
    endpoints: Indexed<VpcEndpoint>,
    vpcs: Indexed<Vpc>,
    attributes: Vec<VpcAttributeResponse>,
    subnets: Indexed<Subnet>,
    groups: Indexed<SecurityGroup>,
    tables: Indexed<RouteTable>,
    prefix_lists: Indexed<PrefixList>,
    trails: Indexed<Trail>,
    trail_status: BTreeMap<String, TrailStatus>,
    selectors: BTreeMap<String, EventSelectorsResponse>,
    configs: Indexed<GetInfrastructureConfigurationResponse>,
    errors: Vec<CollectionError>,
    /// Whether the account's trails are known (a `--snapshot` that holds them).
    trails_known: bool,
    /// The base region's keys this build does not model, kept.
    extra: ibaudit_snapshot::Extra,
}

impl RegionState {
    fn from_base(r: &RegionSnapshot) -> RegionState {
        fn list<T: Clone>(v: &Option<Response<T>>) -> Option<T> {
            v.as_ref().map(|r| r.value().clone())
        }
        RegionState {
            endpoints: Indexed::from(
                list(&r.describe_vpc_endpoints)
                    .map(|r| r.vpc_endpoints)
                    .unwrap_or_default(),
            ),
            vpcs: Indexed::from(list(&r.describe_vpcs).map(|r| r.vpcs).unwrap_or_default()),
            attributes: list(&r.describe_vpc_attribute).unwrap_or_default(),
            subnets: Indexed::from(
                list(&r.describe_subnets)
                    .map(|r| r.subnets)
                    .unwrap_or_default(),
            ),
            groups: Indexed::from(
                list(&r.describe_security_groups)
                    .map(|r| r.security_groups)
                    .unwrap_or_default(),
            ),
            tables: Indexed::from(
                list(&r.describe_route_tables)
                    .map(|r| r.route_tables)
                    .unwrap_or_default(),
            ),
            prefix_lists: Indexed::from(
                list(&r.describe_prefix_lists)
                    .map(|r| r.prefix_lists)
                    .unwrap_or_default(),
            ),
            trails: Indexed::from(
                list(&r.describe_trails)
                    .map(|r| r.trail_list)
                    .unwrap_or_default(),
            ),
            trail_status: list(&r.get_trail_status).unwrap_or_default(),
            selectors: list(&r.get_event_selectors).unwrap_or_default(),
            configs: Indexed::from(list(&r.get_infrastructure_configuration).unwrap_or_default()),
            errors: r.errors.clone(),
            trails_known: r.describe_trails.is_some(),
            extra: r.extra.clone(),
        }
    }

    /// Operations the collected region lacked stay absent: a `--snapshot`
    /// that did not read something cannot vouch for it.
    fn into_region(self, name: &str, base: Option<&RegionSnapshot>) -> RegionSnapshot {
        let keep = |present: bool| base.is_none() || present;
        let mut r = RegionSnapshot::new(name);
        let b = base;
        if keep(b.is_some_and(|b| b.describe_vpc_endpoints.is_some())) {
            r.describe_vpc_endpoints = Some(Response::typed(DescribeVpcEndpointsResponse {
                vpc_endpoints: self.endpoints.into_vec(),
            }));
        }
        if keep(b.is_some_and(|b| b.describe_vpcs.is_some())) {
            r.describe_vpcs = Some(Response::typed(DescribeVpcsResponse {
                vpcs: self.vpcs.into_vec(),
            }));
        }
        if keep(b.is_some_and(|b| b.describe_vpc_attribute.is_some())) {
            r.describe_vpc_attribute = Some(Response::typed(self.attributes));
        }
        if keep(b.is_some_and(|b| b.describe_subnets.is_some())) {
            r.describe_subnets = Some(Response::typed(DescribeSubnetsResponse {
                subnets: self.subnets.into_vec(),
            }));
        }
        if keep(b.is_some_and(|b| b.describe_security_groups.is_some())) {
            r.describe_security_groups = Some(Response::typed(DescribeSecurityGroupsResponse {
                security_groups: self.groups.into_vec(),
            }));
        }
        if keep(b.is_some_and(|b| b.describe_route_tables.is_some())) {
            r.describe_route_tables = Some(Response::typed(DescribeRouteTablesResponse {
                route_tables: self.tables.into_vec(),
            }));
        }
        if keep(b.is_some_and(|b| b.describe_prefix_lists.is_some())) {
            r.describe_prefix_lists = Some(Response::typed(DescribePrefixListsResponse {
                prefix_lists: self.prefix_lists.into_vec(),
            }));
        }
        // Trails: known only from a snapshot that read them, or when the
        // files declare one (the rules then judge the declared trails; the
        // caller makes a failure without a snapshot "not assessed", since
        // other trails of the account may log).
        if self.trails_known || !self.trails.is_empty() {
            r.describe_trails = Some(Response::typed(DescribeTrailsResponse {
                trail_list: self.trails.into_vec(),
            }));
            r.get_trail_status = Some(Response::typed(self.trail_status));
            r.get_event_selectors = Some(Response::typed(self.selectors));
        }
        if keep(b.is_some_and(|b| b.list_infrastructure_configurations.is_some())) {
            let summaries = self
                .configs
                .iter()
                .map(|c| InfrastructureConfigurationSummary {
                    arn: c.infrastructure_configuration.arn.clone(),
                    name: c.infrastructure_configuration.name.clone(),
                })
                .collect();
            r.list_infrastructure_configurations =
                Some(Response::typed(ListInfrastructureConfigurationsResponse {
                    infrastructure_configuration_summary_list: summaries,
                }));
            r.get_infrastructure_configuration = Some(Response::typed(self.configs.into_vec()));
        }
        r.errors = self.errors;
        r.extra = self.extra;
        r
    }
}

struct Builder<'a> {
    opts: &'a BuildOptions<'a>,
    /// The region being applied.
    region: String,
    gaps: Vec<InputGap>,
    origins: HashMap<String, Origin>,
    unknowns: HashMap<String, Vec<String>>,
    placeholder_attribute: HashMap<String, String>,
}

fn name_tags(name: &Option<String>) -> Vec<Tag> {
    name.iter()
        .map(|n| Tag {
            key: "Name".into(),
            value: n.as_str().into(),
        })
        .collect()
}

impl Builder<'_> {
    fn note_unknown(&mut self, id: &str, reason: &str) {
        let list = self.unknowns.entry(id.to_string()).or_default();
        if !list.iter().any(|r| r == reason) {
            list.push(reason.to_string());
        }
    }

    /// The id a reference resolves to; an unknown one becomes a placeholder
    /// nothing describes, standing for `attribute` of `owner`.
    fn id(&mut self, v: &V<Id>, owner: &IrResource, attribute: &str) -> Text {
        match v {
            V::Known(id) => id.as_str().into(),
            V::Unknown(reason) => {
                let placeholder = format!("{}.{attribute}", owner.origin.key);
                self.note_unknown(&placeholder, reason);
                self.origins
                    .entry(placeholder.clone())
                    .or_insert_with(|| owner.origin.clone());
                self.placeholder_attribute
                    .insert(placeholder.clone(), attribute.to_string());
                placeholder.into()
            }
        }
    }

    fn ids(&mut self, vs: &[V<Id>], owner: &IrResource, attribute: &str) -> Vec<Text> {
        vs.iter()
            .enumerate()
            .map(|(i, v)| {
                let attr = if vs.len() > 1 {
                    format!("{attribute}[{i}]")
                } else {
                    attribute.to_string()
                };
                self.id(v, owner, &attr)
            })
            .collect()
    }

    fn region_error(&mut self, st: &mut RegionState, operation: &str, id: &str, reason: &str) {
        self.note_unknown(id, reason);
        st.errors.push(CollectionError {
            operation: operation.to_string(),
            code: UNKNOWN_CODE.to_string(),
            message: reason.to_string(),
            resource: Some(id.to_string()),
        });
    }

    fn apply(&mut self, st: &mut RegionState, r: &IrResource, region: &str) {
        self.origins
            .entry(r.id.clone())
            .or_insert_with(|| r.origin.clone());
        let id: Text = r.id.as_str().into();
        match &r.kind {
            IrKind::Vpc(v) => {
                let cidr = match &v.cidr_block {
                    V::Known(c) => c.clone(),
                    V::Unknown(why) => {
                        self.note_unknown(&r.id, why);
                        None
                    }
                };
                st.vpcs.upsert(Vpc {
                    vpc_id: id.clone(),
                    cidr_block: cidr.as_deref().map(Into::into),
                    cidr_block_association_set: cidr
                        .iter()
                        .map(|c| CidrBlockAssociation {
                            cidr_block: c.as_str().into(),
                            cidr_block_state: None,
                        })
                        .collect(),
                    ipv6_cidr_block_association_set: Vec::new(),
                    is_default: Some(v.is_default),
                    owner_id: Some(self.opts.account_id.into()),
                    tags: name_tags(&v.name),
                });
                st.attributes.retain(|a| a.vpc_id != id);
                for (which, value, attr) in [
                    ("support", &v.dns_support, "enableDnsSupport"),
                    ("hostnames", &v.dns_hostnames, "enableDnsHostnames"),
                ] {
                    match value {
                        V::Known(b) => st.attributes.push(VpcAttributeResponse {
                            vpc_id: id.clone(),
                            enable_dns_support: (which == "support")
                                .then_some(AttributeBooleanValue { value: *b }),
                            enable_dns_hostnames: (which == "hostnames")
                                .then_some(AttributeBooleanValue { value: *b }),
                        }),
                        V::Unknown(why) => {
                            self.note_unknown(&r.id, why);
                            st.errors.push(CollectionError {
                                operation: "DescribeVpcAttribute".into(),
                                code: UNKNOWN_CODE.into(),
                                message: format!("{attr}: {why}"),
                                resource: Some(r.id.clone()),
                            });
                        }
                    }
                }
                if matches!(r.action, Action::Create | Action::Replace) && !v.is_default {
                    self.vpc_defaults(st, r, &id, cidr.as_deref());
                }
            }
            IrKind::Subnet(s) => {
                let vpc_id = self.id(&s.vpc, r, "vpc_id");
                let az = match &s.availability_zone {
                    V::Known(z) => z.clone(),
                    V::Unknown(why) => {
                        self.note_unknown(&r.id, why);
                        None
                    }
                };
                let cidr = s.cidr_block.known().cloned().flatten();
                st.subnets.upsert(Subnet {
                    subnet_id: id.clone(),
                    vpc_id,
                    availability_zone: az.map(Into::into),
                    availability_zone_id: None,
                    cidr_block: cidr.map(Into::into),
                    ipv6_cidr_block_association_set: Vec::new(),
                    tags: name_tags(&s.name),
                });
            }
            IrKind::RouteTable(t) => {
                let vpc_id = self.id(&t.vpc, r, "vpc_id");
                let mut routes = Vec::new();
                for (i, spec) in t.routes.iter().enumerate() {
                    routes.push(self.route(spec, r, &format!("route[{i}]")));
                }
                // A declared table keeps the associations the account (or
                // other declared resources) gave it.
                let associations = st
                    .tables
                    .get(&id)
                    .map(|x| x.associations.clone())
                    .unwrap_or_default();
                st.tables.upsert(RouteTable {
                    route_table_id: id.clone(),
                    vpc_id: vpc_id.clone(),
                    associations,
                    routes,
                    tags: name_tags(&t.name),
                });
                if t.is_main {
                    set_main(st, &vpc_id, &id);
                }
            }
            IrKind::Route(rt) => {
                let route = self.route(&rt.route, r, "route");
                match &rt.route_table {
                    V::Known(table) => match st.tables.get_mut(table)
                    {
                        Some(t) => t.routes.push(route),
                        None => self.outside(
                            r,
                            region,
                            format!(
                                "{} adds a route to route table {table}, which is outside the files",
                                r.origin.key
                            ),
                        ),
                    },
                    V::Unknown(why) => {
                        self.region_error(st, "DescribeRouteTables", &r.id, why);
                    }
                }
            }
            IrKind::RouteTableAssociation(a) => {
                let Some(subnet) = &a.subnet else { return };
                match (&a.route_table, subnet) {
                    (V::Known(table), V::Known(subnet)) => {
                        for t in st.tables.iter_mut() {
                            t.associations
                                .retain(|x| x.subnet_id.as_deref() != Some(subnet.as_str()));
                        }
                        match st.tables.get_mut(table) {
                            Some(t) => t.associations.push(RouteTableAssociation {
                                main: false,
                                subnet_id: Some(subnet.as_str().into()),
                                gateway_id: None,
                                route_table_association_id: Some(id.clone()),
                            }),
                            // The subnet's table is one nothing describes:
                            // the subnet is not assessed rather than judged
                            // by its VPC's main table.
                            None => {
                                self.region_error(
                                    st,
                                    "DescribeRouteTables",
                                    &r.id,
                                    &format!(
                                        "{} associates subnet {subnet} with route table {table}, which is outside the files",
                                        r.origin.key
                                    ),
                                );
                            }
                        }
                    }
                    (V::Unknown(why), _) | (_, V::Unknown(why)) => {
                        // Which subnet uses which table is what the S3 path
                        // rests on: nothing in the region can be judged by it.
                        self.region_error(st, "DescribeRouteTables", &r.id, why);
                    }
                }
            }
            IrKind::MainRouteTableAssociation(m) => match (&m.vpc, &m.route_table) {
                (V::Known(vpc), V::Known(table)) => {
                    let (vpc, table) = (Text::from(vpc.as_str()), Text::from(table.as_str()));
                    set_main(st, &vpc, &table);
                }
                (V::Unknown(why), _) | (_, V::Unknown(why)) => {
                    self.region_error(st, "DescribeRouteTables", &r.id, why);
                }
            },
            IrKind::SecurityGroup(g) => {
                let vpc_id = match &g.vpc {
                    V::Known(v) => v.clone(),
                    V::Unknown(why) => Some(self.id(&V::Unknown(why.clone()), r, "vpc_id").into()),
                };
                let permissions = match &g.ingress {
                    V::Known(rules) => rules
                        .iter()
                        .enumerate()
                        .map(|(i, rule)| self.permission(rule, &id, r, &format!("ingress[{i}]")))
                        .collect(),
                    V::Unknown(why) => {
                        self.region_error(st, "DescribeSecurityGroups", &r.id, why);
                        Vec::new()
                    }
                };
                // Rules declared apart (already applied) are kept when the
                // group itself is declared after them.
                let kept: Vec<IpPermission> = st
                    .groups
                    .get(&id)
                    .map(|x| x.ip_permissions.clone())
                    .unwrap_or_default();
                let mut all = permissions;
                if r.action == Action::Create {
                    all.extend(kept);
                }
                st.groups.upsert(SecurityGroup {
                    group_id: id.clone(),
                    group_name: g.group_name.as_deref().map(Into::into),
                    vpc_id: vpc_id.as_deref().map(Into::into),
                    ip_permissions: all,
                    tags: Vec::new(),
                });
            }
            IrKind::SecurityGroupRule(rule) => {
                if !rule.ingress {
                    return;
                }
                match &rule.security_group {
                    V::Known(group) => {
                        let gid: Text = group.as_str().into();
                        let p = self.permission(&rule.rule, &gid, r, "rule");
                        match st.groups.get_mut(&gid) {
                            Some(g) => g.ip_permissions.push(p),
                            // A rule on a group nothing describes: the group
                            // stays undescribed (not assessed where it is used),
                            // never judged by this one rule.
                            None => self.outside(
                                r,
                                region,
                                format!("{} adds a rule to security group {gid}, which is outside the files", r.origin.key),
                            ),
                        }
                    }
                    V::Unknown(why) => self.region_error(st, "DescribeSecurityGroups", &r.id, why),
                }
            }
            IrKind::Endpoint(e) => self.endpoint(st, r, e, region),
            IrKind::EndpointPolicy(p) => {
                let Some(ep) = self.target_endpoint(st, &p.endpoint, r) else {
                    return;
                };
                match &p.policy {
                    V::Known(doc) => {
                        st.endpoints[ep].policy_document = doc.as_deref().map(Into::into)
                    }
                    V::Unknown(why) => {
                        let eid = st.endpoints[ep].vpc_endpoint_id.to_string();
                        self.region_error(st, "DescribeVpcEndpoints", &eid, why);
                    }
                }
            }
            IrKind::EndpointRouteTable(l) => {
                let target = self.id(&l.target, r, "route_table_id");
                if let Some(ep) = self.target_endpoint(st, &l.endpoint, r) {
                    let list = &mut st.endpoints[ep].route_table_ids;
                    if !list.contains(&target) {
                        list.push(target);
                    }
                }
            }
            IrKind::EndpointSubnet(l) => {
                let target = self.id(&l.target, r, "subnet_id");
                if let Some(ep) = self.target_endpoint(st, &l.endpoint, r) {
                    let list = &mut st.endpoints[ep].subnet_ids;
                    if !list.contains(&target) {
                        list.push(target);
                    }
                }
            }
            IrKind::EndpointSecurityGroup(l) => {
                let group = self.id(&l.security_group, r, "security_group_id");
                if let Some(ep) = self.target_endpoint(st, &l.endpoint, r) {
                    let vpc = st.endpoints[ep].vpc_id.clone();
                    let default = default_group(st, &vpc);
                    let groups = &mut st.endpoints[ep].groups;
                    if l.replace_default {
                        groups.retain(|g| Some(&g.group_id) != default.as_ref());
                        groups.retain(|g| !g.group_id.ends_with(DEFAULT_GROUP_SUFFIX));
                    }
                    if !groups.iter().any(|g| g.group_id == group) {
                        groups.push(SecurityGroupIdentifier {
                            group_id: group,
                            group_name: None,
                        });
                    }
                }
            }
            IrKind::EndpointPrivateDns(d) => {
                if let Some(ep) = self.target_endpoint(st, &d.endpoint, r) {
                    match &d.enabled {
                        V::Known(b) => st.endpoints[ep].private_dns_enabled = Some(*b),
                        V::Unknown(why) => {
                            let eid = st.endpoints[ep].vpc_endpoint_id.to_string();
                            self.note_unknown(&eid, why);
                            st.endpoints[ep].private_dns_enabled = None;
                        }
                    }
                }
            }
            IrKind::PrefixList(p) => st.prefix_lists.upsert(PrefixList {
                prefix_list_id: p.prefix_list_id.as_str().into(),
                prefix_list_name: p.name.as_str().into(),
                cidrs: Vec::new(),
            }),
            IrKind::Trail(t) => self.trail(st, r, t, region),
            IrKind::InfrastructureConfiguration(c) => {
                let arn: Text = id.clone();
                let subnet = match &c.subnet {
                    V::Known(Some(s)) => Some(Text::from(s.as_str())),
                    V::Known(None) => {
                        let why = format!(
                            "{} sets no subnet: Image Builder then launches builds in the account's default VPC, which is outside the files",
                            r.origin.key
                        );
                        self.per_resource_error(st, "GetInfrastructureConfiguration", &r.id, &why);
                        None
                    }
                    V::Unknown(why) => {
                        self.per_resource_error(st, "GetInfrastructureConfiguration", &r.id, why);
                        None
                    }
                };
                let security_group_ids = self.ids(&c.security_groups, r, "security_group_ids");
                st.configs.upsert(GetInfrastructureConfigurationResponse {
                    infrastructure_configuration: InfrastructureConfiguration {
                        arn,
                        name: c.name.as_deref().map(Into::into),
                        subnet_id: subnet,
                        security_group_ids,
                    },
                });
            }
        }
    }

    /// What AWS creates with every VPC: "a main route table" whose only
    /// route is the local one, and "a default security group" that allows
    /// inbound traffic from resources assigned to the same group (Amazon VPC
    /// User Guide, "Route tables" and "Default security groups for your
    /// VPCs"). Their ids are `<vpc>.main_route_table` and
    /// `<vpc>.default_security_group`, which readers resolve
    /// `main_route_table_id`, `default_route_table_id` and
    /// `default_security_group_id` (`DefaultSecurityGroup`) to.
    fn vpc_defaults(
        &mut self,
        st: &mut RegionState,
        r: &IrResource,
        vpc: &Text,
        cidr: Option<&str>,
    ) {
        let table = main_route_table_id(vpc);
        let group = default_security_group_id(vpc);
        for id in [&table, &group] {
            self.origins
                .entry(id.clone())
                .or_insert_with(|| r.origin.clone());
        }
        if !st.tables.contains(&table) {
            st.tables.upsert(RouteTable {
                route_table_id: table.as_str().into(),
                vpc_id: vpc.clone(),
                associations: Vec::new(),
                routes: cidr
                    .map(|c| Route {
                        destination_cidr_block: Some(c.into()),
                        gateway_id: Some("local".into()),
                        state: Some("active".into()),
                        origin: Some("CreateRouteTable".into()),
                        ..Route::default()
                    })
                    .into_iter()
                    .collect(),
                tags: Vec::new(),
            });
            let table: Text = table.as_str().into();
            if !st
                .tables
                .iter()
                .any(|t| t.vpc_id == *vpc && t.associations.iter().any(|a| a.main))
            {
                set_main(st, vpc, &table);
            }
        }
        if !st.groups.contains(&group) {
            let gid: Text = group.as_str().into();
            st.groups.upsert(SecurityGroup {
                group_id: gid.clone(),
                group_name: Some("default".into()),
                vpc_id: Some(vpc.clone()),
                ip_permissions: vec![IpPermission {
                    ip_protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    ip_ranges: Vec::new(),
                    ipv6_ranges: Vec::new(),
                    prefix_list_ids: Vec::new(),
                    user_id_group_pairs: vec![UserIdGroupPair {
                        group_id: Some(gid),
                        user_id: None,
                    }],
                }],
                tags: Vec::new(),
            });
        }
    }

    /// A resource that changes something the files do not declare (and no
    /// `--snapshot` holds): what it changes cannot be judged.
    fn outside(&mut self, r: &IrResource, region: &str, message: String) {
        let gap = InputGap {
            origin: Some(r.origin.clone()),
            region: Some(region.to_string()),
            message,
        };
        if !self.gaps.contains(&gap) {
            self.gaps.push(gap);
        }
    }

    fn per_resource_error(&mut self, st: &mut RegionState, operation: &str, id: &str, why: &str) {
        self.region_error(st, operation, id, why);
    }

    fn route(&mut self, spec: &IrRouteSpec, owner: &IrResource, attr: &str) -> Route {
        let mut route = Route {
            destination_cidr_block: spec.destination_cidr_block.as_deref().map(Into::into),
            destination_ipv6_cidr_block: spec
                .destination_ipv6_cidr_block
                .as_deref()
                .map(Into::into),
            destination_prefix_list_id: spec
                .destination_prefix_list_id
                .as_ref()
                .map(|p| self.id(p, owner, &format!("{attr}.destination_prefix_list_id"))),
            state: Some("active".into()),
            origin: Some("CreateRoute".into()),
            ..Route::default()
        };
        if let Some((kind, target)) = &spec.target {
            let t = Some(self.id(target, owner, &format!("{attr}.target")));
            match kind {
                RouteTarget::Gateway | RouteTarget::VpcEndpoint => route.gateway_id = t,
                RouteTarget::NatGateway => route.nat_gateway_id = t,
                RouteTarget::TransitGateway => route.transit_gateway_id = t,
                RouteTarget::EgressOnlyInternetGateway => route.egress_only_internet_gateway_id = t,
                RouteTarget::NetworkInterface => route.network_interface_id = t,
                RouteTarget::VpcPeeringConnection => route.vpc_peering_connection_id = t,
                RouteTarget::Instance => route.instance_id = t,
                RouteTarget::CarrierGateway => route.carrier_gateway_id = t,
                RouteTarget::LocalGateway => route.local_gateway_id = t,
                RouteTarget::CoreNetwork => route.core_network_arn = t,
            }
        } else {
            route.state = Some("blackhole".into());
        }
        route
    }

    fn permission(
        &mut self,
        rule: &IrIngress,
        group: &Text,
        owner: &IrResource,
        attr: &str,
    ) -> IpPermission {
        let mut p = IpPermission {
            ip_protocol: rule.protocol.as_str().into(),
            from_port: rule.from_port,
            to_port: rule.to_port,
            ip_ranges: Vec::new(),
            ipv6_ranges: Vec::new(),
            prefix_list_ids: Vec::new(),
            user_id_group_pairs: Vec::new(),
        };
        // A source known only after apply (a CIDR from another resource)
        // is left out: a permission that admits less can only make the
        // endpoint look more closed, so it is also noted.
        for c in &rule.cidr_blocks {
            match c {
                V::Known(c) => p.ip_ranges.push(IpRange {
                    cidr_ip: c.as_str().into(),
                }),
                V::Unknown(why) => self.note_unknown(group, why),
            }
        }
        for c in &rule.ipv6_cidr_blocks {
            match c {
                V::Known(c) => p.ipv6_ranges.push(Ipv6Range {
                    cidr_ipv6: c.as_str().into(),
                }),
                V::Unknown(why) => self.note_unknown(group, why),
            }
        }
        for (i, pl) in rule.prefix_list_ids.iter().enumerate() {
            let id = self.id(pl, owner, &format!("{attr}.prefix_list_ids[{i}]"));
            p.prefix_list_ids.push(PrefixListId { prefix_list_id: id });
        }
        for (i, g) in rule.security_groups.iter().enumerate() {
            let id = self.id(g, owner, &format!("{attr}.security_groups[{i}]"));
            p.user_id_group_pairs.push(UserIdGroupPair {
                group_id: Some(id),
                user_id: None,
            });
        }
        if rule.self_source {
            p.user_id_group_pairs.push(UserIdGroupPair {
                group_id: Some(group.clone()),
                user_id: None,
            });
        }
        p
    }

    /// The index of the endpoint a companion resource changes; an unknown
    /// or undeclared one is recorded, so nothing it would change passes.
    fn target_endpoint(
        &mut self,
        st: &mut RegionState,
        endpoint: &V<Id>,
        r: &IrResource,
    ) -> Option<usize> {
        match endpoint {
            V::Known(id) => {
                let found = st.endpoints.position(id);
                if found.is_none() {
                    self.note_unknown(
                        &r.id,
                        &format!(
                            "{} changes endpoint {id}, which is outside the files",
                            r.origin.key
                        ),
                    );
                }
                found
            }
            V::Unknown(why) => {
                self.region_error(st, "DescribeVpcEndpoints", &r.id, why);
                None
            }
        }
    }

    fn endpoint(&mut self, st: &mut RegionState, r: &IrResource, e: &IrEndpoint, region: &str) {
        let id: Text = r.id.as_str().into();
        let vpc_id = self.id(&e.vpc, r, "vpc_id");
        let service_name = match &e.service_name {
            V::Known(s) => Some(Text::from(s.as_str())),
            V::Unknown(why) => {
                self.region_error(st, "DescribeVpcEndpoints", &r.id, why);
                None
            }
        };
        let endpoint_type: Text = match &e.endpoint_type {
            V::Known(t) => t.as_str().into(),
            V::Unknown(why) => {
                self.region_error(st, "DescribeVpcEndpoints", &r.id, why);
                "Interface".into()
            }
        };
        let policy = match &e.policy {
            V::Known(p) => p.as_deref().map(Into::into),
            V::Unknown(why) => {
                self.region_error(st, "DescribeVpcEndpoints", &r.id, why);
                None
            }
        };
        let private_dns = match &e.private_dns_enabled {
            V::Known(b) => Some(*b),
            V::Unknown(why) => {
                self.note_unknown(&r.id, why);
                None
            }
        };
        let subnet_ids = self.ids(&e.subnets, r, "subnet_ids");
        let route_table_ids = self.ids(&e.route_tables, r, "route_table_ids");
        let mut groups: Vec<SecurityGroupIdentifier> = self
            .ids(&e.security_groups, r, "security_group_ids")
            .into_iter()
            .map(|g| SecurityGroupIdentifier {
                group_id: g,
                group_name: None,
            })
            .collect();
        let interface = endpoint_type.eq_ignore_ascii_case("Interface");
        if interface && groups.is_empty() {
            // "If you don't specify a security group, we associate the
            // default security group for the VPC" (create-interface-endpoint).
            let group = match default_group(st, &vpc_id) {
                Some(g) => g,
                None => {
                    let why = format!(
                        "{} names no security group, so AWS associates the default security group of {vpc_id}, which is outside the files",
                        r.origin.key
                    );
                    self.id(&V::Unknown(why), r, "security_group_ids")
                }
            };
            groups.push(SecurityGroupIdentifier {
                group_id: group,
                group_name: Some("default".into()),
            });
        }
        // The state: what the account reports for an existing endpoint; an
        // endpoint for an AWS service is accepted on creation (AWS services
        // do not require acceptance), so a created one becomes available.
        let state = e.state.clone().unwrap_or_else(|| "available".to_string());
        let _ = region;
        st.endpoints.upsert(VpcEndpoint {
            vpc_endpoint_id: id,
            vpc_endpoint_type: endpoint_type,
            vpc_id,
            service_name,
            state: Some(state.into()),
            policy_document: policy,
            route_table_ids,
            subnet_ids,
            groups,
            private_dns_enabled: private_dns,
            requester_managed: Some(false),
            network_interface_ids: Vec::new(),
            dns_entries: Vec::new(),
            creation_timestamp: None,
            tags: name_tags(&e.name),
            owner_id: Some(self.opts.account_id.into()),
        });
    }

    fn trail(&mut self, st: &mut RegionState, r: &IrResource, t: &IrTrail, region: &str) {
        let arn = t.arn.clone();
        self.origins
            .entry(arn.clone())
            .or_insert_with(|| r.origin.clone());
        let multi = match &t.is_multi_region {
            V::Known(b) => Some(*b),
            V::Unknown(why) => {
                self.region_error(st, "DescribeTrails", &arn, why);
                None
            }
        };
        let org = match &t.is_organization {
            V::Known(b) => Some(*b),
            V::Unknown(why) => {
                self.note_unknown(&arn, why);
                None
            }
        };
        st.trails.upsert(Trail {
            name: t.name.as_str().into(),
            trail_arn: arn.as_str().into(),
            home_region: Some(region.into()),
            is_multi_region_trail: multi,
            is_organization_trail: org,
            s3_bucket_name: t.s3_bucket_name.as_deref().map(Into::into),
        });
        match &t.is_logging {
            V::Known(b) => {
                st.trail_status.insert(
                    arn.clone(),
                    TrailStatus {
                        is_logging: Some(*b),
                    },
                );
            }
            V::Unknown(why) => {
                st.trail_status.remove(&arn);
                self.per_resource_error(st, "GetTrailStatus", &arn, why);
            }
        }
        match (&t.event_selectors, &t.advanced_event_selectors) {
            (V::Unknown(why), _) | (_, V::Unknown(why)) => {
                st.selectors.remove(&arn);
                self.per_resource_error(st, "GetEventSelectors", &arn, why);
            }
            (V::Known(basic), V::Known(advanced)) => {
                let (basic, advanced) = match (basic, advanced) {
                    // A trail created with no selectors logs all management
                    // events, read and write (CloudTrail's default).
                    (None, None) => (
                        Some(vec![EventSelector {
                            read_write_type: Some("All".into()),
                            include_management_events: Some(true),
                            exclude_management_event_sources: None,
                        }]),
                        None,
                    ),
                    (b, a) => (b.clone(), a.clone()),
                };
                st.selectors.insert(
                    arn.clone(),
                    EventSelectorsResponse {
                        trail_arn: Some(arn.as_str().into()),
                        event_selectors: basic,
                        advanced_event_selectors: advanced,
                    },
                );
            }
        }
    }
}

/// The id of the main route table AWS creates with a declared VPC.
pub fn main_route_table_id(vpc: &str) -> String {
    format!("{vpc}.main_route_table")
}

/// The id of the default security group AWS creates with a declared VPC.
pub fn default_security_group_id(vpc: &str) -> String {
    format!("{vpc}.default_security_group")
}

/// The suffix of a placeholder that stands for a VPC's default group.
const DEFAULT_GROUP_SUFFIX: &str = ".security_group_ids";

/// The VPC's default security group where it is described.
fn default_group(st: &RegionState, vpc: &str) -> Option<Text> {
    st.groups
        .iter()
        .find(|g| g.vpc_id.as_deref() == Some(vpc) && g.group_name.as_deref() == Some("default"))
        .map(|g| g.group_id.clone())
}

fn set_main(st: &mut RegionState, vpc: &Text, table: &Text) {
    for t in st.tables.iter_mut().filter(|t| t.vpc_id == *vpc) {
        t.associations.retain(|a| !a.main);
    }
    if let Some(t) = st.tables.get_mut(table) {
        t.associations.push(RouteTableAssociation {
            main: true,
            subnet_id: None,
            gateway_id: None,
            route_table_association_id: None,
        });
    }
}

/// Order of application: what others refer to first, then what changes it.
fn rank(kind: &IrKind) -> u8 {
    match kind {
        IrKind::Vpc(_) | IrKind::PrefixList(_) => 0,
        IrKind::Subnet(_) | IrKind::SecurityGroup(_) | IrKind::RouteTable(_) => 1,
        IrKind::Route(_)
        | IrKind::RouteTableAssociation(_)
        | IrKind::MainRouteTableAssociation(_)
        | IrKind::SecurityGroupRule(_) => 2,
        IrKind::Endpoint(_) => 3,
        IrKind::EndpointPolicy(_)
        | IrKind::EndpointRouteTable(_)
        | IrKind::EndpointSubnet(_)
        | IrKind::EndpointSecurityGroup(_)
        | IrKind::EndpointPrivateDns(_) => 4,
        IrKind::Trail(_) | IrKind::InfrastructureConfiguration(_) => 5,
    }
}

/// Removes a deleted resource (by its real id) from a region.
fn delete(st: &mut RegionState, id: &str) {
    st.endpoints.retain(|x| x.vpc_endpoint_id != id);
    st.vpcs.retain(|x| x.vpc_id != id);
    st.attributes.retain(|x| x.vpc_id != id);
    st.subnets.retain(|x| x.subnet_id != id);
    st.groups.retain(|x| x.group_id != id);
    st.tables.retain(|x| x.route_table_id != id);
    for t in st.tables.iter_mut() {
        // "When you delete a gateway endpoint, we remove the endpoint routes
        // from the route tables" (Gateway endpoints, Amazon VPC PrivateLink).
        t.routes.retain(|r| r.gateway_id.as_deref() != Some(id));
        t.associations.retain(|a| {
            a.route_table_association_id.as_deref() != Some(id)
                && a.subnet_id.as_deref() != Some(id)
        });
    }
    st.prefix_lists.retain(|x| x.prefix_list_id != id);
    st.trails.retain(|x| x.trail_arn != id && x.name != id);
    st.trail_status.remove(id);
    st.selectors.remove(id);
    st.configs
        .retain(|x| x.infrastructure_configuration.arn != id);
}

/// Builds the snapshot(s) to audit.
pub fn build(model: &IacModel, opts: &BuildOptions) -> Built {
    let mut b = Builder {
        opts,
        region: String::new(),
        gaps: Vec::new(),
        origins: HashMap::new(),
        unknowns: HashMap::new(),
        placeholder_attribute: HashMap::new(),
    };
    let base_account: Option<&Account> = opts
        .base
        .and_then(|s| s.accounts.iter().find(|a| a.account_id == opts.account_id));
    // Variants, in first-seen order.
    let mut labels: Vec<Option<String>> = Vec::new();
    for r in &model.regions {
        if !labels.contains(&r.variant) {
            labels.push(r.variant.clone());
        }
    }
    if labels.is_empty() {
        labels.push(None);
    }
    let mut variants = Vec::new();
    for label in labels {
        let mut states: BTreeMap<String, RegionState> = BTreeMap::new();
        if let Some(a) = base_account {
            for r in &a.regions {
                states.insert(r.region.clone(), RegionState::from_base(r));
            }
        }
        let regions: Vec<&IrRegion> = model
            .regions
            .iter()
            .filter(|r| r.variant == label)
            .collect();
        for ir in &regions {
            let st = states.entry(ir.region.clone()).or_default();
            for (_, id) in model.deleted.iter().filter(|(reg, _)| reg == &ir.region) {
                delete(st, id);
            }
            let mut order: Vec<&IrResource> = ir.resources.iter().collect();
            order.sort_by_key(|r| rank(&r.kind));
            b.region = ir.region.clone();
            for r in order {
                b.apply(st, r, &ir.region);
            }
        }
        // A multi-region trail appears in every region it covers
        // (DescribeTrails with includeShadowTrails).
        let mut shadows: Vec<Trail> = Vec::new();
        for st in states.values() {
            shadows.extend(
                st.trails
                    .iter()
                    .filter(|t| t.is_multi_region_trail == Some(true))
                    .cloned(),
            );
        }
        for st in states.values_mut() {
            for t in &shadows {
                if !st.trails.contains(&t.trail_arn) {
                    st.trails.upsert(t.clone());
                }
            }
        }
        let mut account = Account::new(opts.account_id);
        account.partition = opts.partition.to_string();
        if let Some(a) = base_account {
            account.account_name = a.account_name.clone();
            account.errors = a.errors.clone();
            account.extra = a.extra.clone();
        }
        let declared: Vec<&str> = regions.iter().map(|r| r.region.as_str()).collect();
        for (name, st) in states {
            let base_region =
                base_account.and_then(|a| a.regions.iter().find(|r| r.region == name));
            if base_region.is_none() && !declared.contains(&name.as_str()) {
                continue;
            }
            account.regions.push(st.into_region(&name, base_region));
        }
        let snapshot = Snapshot {
            collected_at: opts
                .base
                .map(|s| s.collected_at.clone())
                .unwrap_or_else(|| opts.collected_at.clone()),
            collector: None,
            accounts: vec![account],
            organization: opts.base.and_then(|s| s.organization.clone()),
            extra: Default::default(),
        };
        variants.push(Variant { label, snapshot });
    }
    Built {
        variants,
        origins: b.origins,
        unknowns: b.unknowns,
        placeholder_attribute: b.placeholder_attribute,
        gaps: b.gaps,
    }
}
