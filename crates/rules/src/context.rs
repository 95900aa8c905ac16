//! The index over one region (and its account) that every rule reads: built
//! once per region, it answers lookups, and says what it could not answer as
//! [`Missing`]. It never reports: the rules decide what a gap means.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use ibaudit_policy::ip::Cidr;
use ibaudit_policy::{Lint, Policy};
use ibaudit_snapshot::aws::*;
use ibaudit_snapshot::scope::{self, EndpointService};
use ibaudit_snapshot::{Account, LeftOut, Operation, RegionSnapshot};

use crate::missing::{is_incomplete_resource, Missing, Partial};

/// What the account's regions say about trails, looked up by ARN across all
/// of them: a multi-region trail's status is collected once, in one region.
pub struct AccountCtx<'a> {
    pub account: &'a Account,
    trail_status: HashMap<&'a str, &'a TrailStatus>,
    event_selectors: HashMap<&'a str, &'a EventSelectorsResponse>,
    errors: Vec<(&'a str, &'a CollectionError)>,
}

impl<'a> AccountCtx<'a> {
    pub fn new(account: &'a Account) -> Self {
        let mut ctx = AccountCtx {
            account,
            trail_status: HashMap::new(),
            event_selectors: HashMap::new(),
            errors: Vec::new(),
        };
        for r in &account.regions {
            for (arn, s) in r.get_trail_status.iter().flatten() {
                ctx.trail_status.insert(arn.as_str(), s);
            }
            for (arn, s) in r.get_event_selectors.iter().flatten() {
                ctx.event_selectors.insert(arn.as_str(), s);
            }
            for e in &r.errors {
                ctx.errors.push((r.region.as_str(), e));
            }
        }
        ctx
    }

    /// A failure recorded for the trail's call, or for the operation in the
    /// trail's home region; it wins over any data the snapshot also holds.
    fn recorded_for_trail(&self, operation: Operation, trail: &Trail) -> Option<Missing> {
        let home = trail.home_region.as_deref();
        let found = self
            .errors
            .iter()
            .find(|(_, e)| {
                e.operation == operation.name()
                    && e.resource.as_deref() == Some(trail.trail_arn.as_str())
            })
            .or_else(|| {
                self.errors.iter().find(|(region, e)| {
                    e.operation == operation.name() && e.resource.is_none() && Some(*region) == home
                })
            });
        found.map(|(_, e)| Missing::failed(operation, Some(&trail.trail_arn), e))
    }

    fn per_trail<T: Copy>(
        &self,
        operation: Operation,
        index: &HashMap<&'a str, T>,
        trail: &Trail,
    ) -> Result<T, Missing> {
        if let Some(m) = self.recorded_for_trail(operation, trail) {
            return Err(m);
        }
        index
            .get(trail.trail_arn.as_str())
            .copied()
            .ok_or_else(|| Missing::not_collected(operation, Some(&trail.trail_arn)))
    }

    pub fn trail_status(&self, trail: &Trail) -> Result<&'a TrailStatus, Missing> {
        self.per_trail(Operation::GetTrailStatus, &self.trail_status, trail)
    }

    pub fn event_selectors(&self, trail: &Trail) -> Result<&'a EventSelectorsResponse, Missing> {
        self.per_trail(Operation::GetEventSelectors, &self.event_selectors, trail)
    }
}

/// One region of one account, indexed once and shared by every rule.
pub struct RegionCtx<'a> {
    pub account: &'a AccountCtx<'a>,
    pub data: &'a RegionSnapshot,
    /// AWSTOE bucket environments to check (`prod` unless configured).
    pub environments: &'a [String],
    /// The organization of the audited account's principals, when configured.
    pub organization_id: Option<&'a str>,
    policies: RefCell<HashMap<&'a str, Rc<AnalysedPolicy>>>,
    endpoints_by_vpc: HashMap<&'a str, Vec<&'a VpcEndpoint>>,
    endpoints_by_id: HashMap<&'a str, &'a VpcEndpoint>,
    vpcs: HashMap<&'a str, &'a Vpc>,
    subnets: HashMap<&'a str, &'a Subnet>,
    security_groups: HashMap<&'a str, &'a SecurityGroup>,
    route_table_by_subnet: HashMap<&'a str, &'a RouteTable>,
    main_route_table: HashMap<&'a str, &'a RouteTable>,
    dns_support: HashMap<&'a str, bool>,
    dns_hostnames: HashMap<&'a str, bool>,
    prefix_list_names: HashMap<&'a str, &'a str>,
}

impl<'a> RegionCtx<'a> {
    pub fn new(
        account: &'a AccountCtx<'a>,
        data: &'a RegionSnapshot,
        environments: &'a [String],
    ) -> Self {
        let mut ctx = RegionCtx {
            account,
            data,
            environments,
            organization_id: None,
            policies: RefCell::new(HashMap::new()),
            endpoints_by_vpc: HashMap::new(),
            endpoints_by_id: HashMap::new(),
            vpcs: HashMap::new(),
            subnets: HashMap::new(),
            security_groups: HashMap::new(),
            route_table_by_subnet: HashMap::new(),
            main_route_table: HashMap::new(),
            dns_support: HashMap::new(),
            dns_hostnames: HashMap::new(),
            prefix_list_names: HashMap::new(),
        };
        for ep in data
            .describe_vpc_endpoints
            .iter()
            .flat_map(|r| &r.vpc_endpoints)
        {
            ctx.endpoints_by_vpc
                .entry(ep.vpc_id.as_str())
                .or_default()
                .push(ep);
            ctx.endpoints_by_id.insert(&ep.vpc_endpoint_id, ep);
        }
        for v in data.describe_vpcs.iter().flat_map(|r| &r.vpcs) {
            ctx.vpcs.insert(&v.vpc_id, v);
        }
        for s in data.describe_subnets.iter().flat_map(|r| &r.subnets) {
            ctx.subnets.insert(&s.subnet_id, s);
        }
        for g in data
            .describe_security_groups
            .iter()
            .flat_map(|r| &r.security_groups)
        {
            ctx.security_groups.insert(&g.group_id, g);
        }
        for rt in data
            .describe_route_tables
            .iter()
            .flat_map(|r| &r.route_tables)
        {
            for a in &rt.associations {
                if a.main {
                    ctx.main_route_table.insert(&rt.vpc_id, rt);
                }
                if let Some(s) = &a.subnet_id {
                    ctx.route_table_by_subnet.insert(s, rt);
                }
            }
        }
        for a in data.describe_vpc_attribute.iter().flatten() {
            if let Some(v) = &a.enable_dns_support {
                ctx.dns_support.insert(&a.vpc_id, v.value);
            }
            if let Some(v) = &a.enable_dns_hostnames {
                ctx.dns_hostnames.insert(&a.vpc_id, v.value);
            }
        }
        for p in data
            .describe_prefix_lists
            .iter()
            .flat_map(|r| &r.prefix_lists)
        {
            ctx.prefix_list_names
                .insert(&p.prefix_list_id, &p.prefix_list_name);
        }
        ctx
    }

    pub fn region(&self) -> &'a str {
        &self.data.region
    }

    pub fn partition(&self) -> &'a str {
        &self.account.account.partition
    }

    /// `com.amazonaws.<region>.<service>`.
    pub fn service_name(&self, service: &str) -> String {
        scope::service_name(self.region(), service)
    }

    /// An operation's response, unless it was not collected or failed.
    fn op<T>(&self, operation: Operation, value: &'a Option<T>) -> Result<&'a T, Missing> {
        if let Some(m) = Missing::region_failure(self.data, operation) {
            return Err(m);
        }
        value
            .as_ref()
            .ok_or_else(|| Missing::not_collected(operation, None))
    }

    fn missing_resource(&self, operation: Operation, resource: &str) -> Missing {
        Missing::for_resource(self.data, operation, resource)
    }

    /// Whether a listing came back whole as far as one question goes: `Err`
    /// naming the first resource it described without a field the model
    /// requires (which reading the snapshot left out) that `could_be` the
    /// resource asked about, by what is known of it. What is present in such
    /// a listing stands; that something is absent from it (no endpoint in a
    /// VPC, no trail, no explicit route-table association) is not known
    /// when the resource left out may be it. A resource with nothing known
    /// of it could be anything.
    pub fn complete_unless(
        &self,
        operation: Operation,
        could_be: impl Fn(&LeftOut) -> bool,
    ) -> Result<(), Missing> {
        let known = |resource: Option<&str>| {
            self.data
                .left_out
                .iter()
                .find(|l| l.operation == operation && Some(l.resource.as_str()) == resource)
        };
        match self.data.errors.iter().find(|e| {
            e.operation == operation.name()
                && is_incomplete_resource(e)
                && known(e.resource.as_deref()).is_none_or(&could_be)
        }) {
            Some(e) => Err(Missing::failed(operation, e.resource.as_deref(), e)),
            None => Ok(()),
        }
    }

    /// [`RegionCtx::complete_unless`] for any resource of the listing.
    pub fn complete(&self, operation: Operation) -> Result<(), Missing> {
        self.complete_unless(operation, |_| true)
    }

    /// Whether the endpoints listing is whole as far as an endpoint for
    /// `service` in `vpc_id` (any VPC when `None`) goes.
    pub fn endpoints_complete(&self, vpc_id: Option<&str>, service: &str) -> Result<(), Missing> {
        self.complete_unless(Operation::DescribeVpcEndpoints, |l| {
            vpc_id.is_none_or(|v| l.vpc_id.as_deref().is_none_or(|w| w == v))
                && l.service_name
                    .as_deref()
                    .is_none_or(|n| scope::is_service_name(n, self.region(), service))
        })
    }

    pub fn endpoints(&self) -> Result<&'a [VpcEndpoint], Missing> {
        Ok(&self
            .op(
                Operation::DescribeVpcEndpoints,
                &self.data.describe_vpc_endpoints,
            )?
            .vpc_endpoints)
    }

    /// The endpoint with this id, where it was described.
    pub fn endpoint(&self, id: &str) -> Option<&'a VpcEndpoint> {
        self.endpoints_by_id.get(id).copied()
    }

    /// Whether an endpoint is this region's Image Builder interface endpoint:
    /// an exact service-name match, never a substring test.
    pub fn is_imagebuilder_endpoint(&self, ep: &VpcEndpoint) -> bool {
        scope::is_imagebuilder_endpoint(self.region(), ep)
    }

    /// Image Builder endpoints that still exist (not deleted or deleting).
    pub fn imagebuilder_endpoints(&self) -> Result<Vec<&'a VpcEndpoint>, Missing> {
        Ok(scope::imagebuilder_endpoints(self.region(), self.endpoints()?).collect())
    }

    /// Endpoints in a VPC (requires DescribeVpcEndpoints).
    pub fn endpoints_in_vpc(&self, vpc_id: &str) -> Result<&[&'a VpcEndpoint], Missing> {
        self.endpoints()?;
        Ok(self.endpoints_by_vpc.get(vpc_id).map_or(&[], Vec::as_slice))
    }

    /// Usable interface endpoints in the VPC for `com.amazonaws.<region>.<service>`.
    /// `false` only when the listing is whole ([`RegionCtx::complete`]).
    pub fn has_interface_endpoint(&self, vpc_id: &str, service: &str) -> Result<bool, Missing> {
        let found = self.endpoints_in_vpc(vpc_id)?.iter().any(|e| {
            e.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
                && e.service_name
                    .as_deref()
                    .is_some_and(|n| scope::is_service_name(n, self.region(), service))
                && scope::is_usable(e)
        });
        if !found {
            self.endpoints_complete(Some(vpc_id), service)?;
        }
        Ok(found)
    }

    /// The subnet ids of the region's Image Builder infrastructure
    /// configurations, sorted and without repeats. A configuration listed but
    /// not described comes back in `missing`.
    pub fn build_subnet_ids(&self) -> Result<Partial<Vec<&'a str>>, Missing> {
        let list = self.op(
            Operation::ListInfrastructureConfigurations,
            &self.data.list_infrastructure_configurations,
        )?;
        if list.infrastructure_configuration_summary_list.is_empty() {
            return Ok(Partial {
                value: Vec::new(),
                missing: Vec::new(),
            });
        }
        let got = self.op(
            Operation::GetInfrastructureConfiguration,
            &self.data.get_infrastructure_configuration,
        )?;
        let by_arn: HashMap<&str, &InfrastructureConfiguration> = got
            .iter()
            .map(|g| {
                (
                    g.infrastructure_configuration.arn.as_str(),
                    &g.infrastructure_configuration,
                )
            })
            .collect();
        let mut subnets = BTreeSet::new();
        let mut missing = Vec::new();
        // A configuration left out of the listing has build subnets of its
        // own, unknown.
        missing.extend(
            self.complete(Operation::ListInfrastructureConfigurations)
                .err(),
        );
        for summary in &list.infrastructure_configuration_summary_list {
            let recorded = Missing::recorded(
                self.data,
                Operation::GetInfrastructureConfiguration,
                &summary.arn,
            );
            match (recorded, by_arn.get(summary.arn.as_str())) {
                (Some(m), _) => missing.push(m),
                (None, Some(cfg)) => subnets.extend(scope::build_subnet(cfg)),
                (None, None) => missing.push(
                    self.missing_resource(Operation::GetInfrastructureConfiguration, &summary.arn),
                ),
            }
        }
        Ok(Partial {
            value: subnets.into_iter().collect(),
            missing,
        })
    }

    pub fn subnet(&self, id: &str) -> Result<&'a Subnet, Missing> {
        self.op(Operation::DescribeSubnets, &self.data.describe_subnets)?;
        self.subnets
            .get(id)
            .copied()
            .ok_or_else(|| self.missing_resource(Operation::DescribeSubnets, id))
    }

    pub fn vpc(&self, id: &str) -> Result<&'a Vpc, Missing> {
        self.op(Operation::DescribeVpcs, &self.data.describe_vpcs)?;
        self.vpcs
            .get(id)
            .copied()
            .ok_or_else(|| self.missing_resource(Operation::DescribeVpcs, id))
    }

    pub fn security_group(&self, id: &str) -> Result<&'a SecurityGroup, Missing> {
        self.op(
            Operation::DescribeSecurityGroups,
            &self.data.describe_security_groups,
        )?;
        self.security_groups
            .get(id)
            .copied()
            .ok_or_else(|| self.missing_resource(Operation::DescribeSecurityGroups, id))
    }

    /// The subnet's route table: its explicit association, else the VPC's main table.
    pub fn route_table(&self, subnet: &Subnet) -> Result<&'a RouteTable, Missing> {
        self.op(
            Operation::DescribeRouteTables,
            &self.data.describe_route_tables,
        )?;
        if let Some(explicit) = self.route_table_by_subnet.get(subnet.subnet_id.as_str()) {
            return Ok(explicit);
        }
        // A table left out of the listing may be the subnet's own.
        self.complete_unless(Operation::DescribeRouteTables, |l| {
            l.vpc_id
                .as_deref()
                .is_none_or(|v| v == subnet.vpc_id.as_str())
        })?;
        self.main_route_table
            .get(subnet.vpc_id.as_str())
            .copied()
            .ok_or_else(|| self.missing_resource(Operation::DescribeRouteTables, &subnet.subnet_id))
    }

    /// An active route to 0.0.0.0/0 or ::/0 with a next hop, if any.
    pub fn default_route(table: &'a RouteTable) -> Option<&'a Route> {
        table.routes.iter().find(|r| {
            r.is_active()
                && r.target().is_some()
                && [&r.destination_cidr_block, &r.destination_ipv6_cidr_block]
                    .into_iter()
                    .flatten()
                    .any(|d| Cidr::is_default_route(d))
        })
    }

    /// `enableDnsSupport` of a VPC.
    pub fn dns_support(&self, vpc_id: &str) -> Result<bool, Missing> {
        self.vpc_attribute(vpc_id, &self.dns_support)
    }

    /// `enableDnsHostnames` of a VPC.
    pub fn dns_hostnames(&self, vpc_id: &str) -> Result<bool, Missing> {
        self.vpc_attribute(vpc_id, &self.dns_hostnames)
    }

    fn vpc_attribute(&self, vpc_id: &str, index: &HashMap<&'a str, bool>) -> Result<bool, Missing> {
        self.op(
            Operation::DescribeVpcAttribute,
            &self.data.describe_vpc_attribute,
        )
        .map_err(|mut m| {
            m.resource = Some(vpc_id.to_string());
            m
        })?;
        if let Some(m) = Missing::recorded(self.data, Operation::DescribeVpcAttribute, vpc_id) {
            return Err(m);
        }
        index
            .get(vpc_id)
            .copied()
            .ok_or_else(|| self.missing_resource(Operation::DescribeVpcAttribute, vpc_id))
    }

    /// The name of an AWS-managed prefix list (`com.amazonaws.<region>.s3`);
    /// `None` when DescribePrefixLists did not return it (a customer-managed
    /// list, or a service list the collector does not ask for). An error
    /// when DescribePrefixLists was not collected or failed: then nothing is
    /// known of any `pl-` id.
    pub fn prefix_list_name(&self, id: &str) -> Result<Option<&'a str>, Missing> {
        self.op(
            Operation::DescribePrefixLists,
            &self.data.describe_prefix_lists,
        )?;
        match self.prefix_list_names.get(id).copied() {
            Some(name) => Ok(Some(name)),
            None => self.complete(Operation::DescribePrefixLists).map(|()| None),
        }
    }

    /// VPCs that hold an Image Builder endpoint or a build subnet. Build
    /// subnets that cannot be resolved come back in `missing`.
    pub fn imagebuilder_vpcs(&self) -> Result<Partial<BTreeSet<&'a str>>, Missing> {
        let endpoints = self.imagebuilder_endpoints()?;
        let mut build_subnets = Vec::new();
        let mut missing = Vec::new();
        match self.build_subnet_ids() {
            Ok(ids) => {
                missing.extend(ids.missing);
                for id in ids.value {
                    match self.subnet(id) {
                        Ok(s) => build_subnets.push(s),
                        Err(m) => missing.push(m),
                    }
                }
            }
            Err(m) => missing.push(m),
        }
        Ok(Partial {
            value: scope::imagebuilder_vpcs(endpoints, build_subnets),
            missing,
        })
    }

    /// S3 endpoints (gateway or interface) in the VPC that still exist.
    pub fn s3_endpoints(&self, vpc_id: &str) -> Result<Vec<&'a VpcEndpoint>, Missing> {
        Ok(self
            .endpoints_in_vpc(vpc_id)?
            .iter()
            .copied()
            .filter(|e| EndpointService::S3.is_endpoint_for(self.region(), e) && !scope::is_gone(e))
            .collect())
    }

    /// The endpoints whose policies matter: Image Builder endpoints, and S3
    /// endpoints in Image Builder VPCs.
    pub fn policy_endpoints(&self) -> Result<Partial<Vec<&'a VpcEndpoint>>, Missing> {
        let mut eps = self.imagebuilder_endpoints()?;
        let vpcs = self.imagebuilder_vpcs()?;
        for vpc in vpcs.value {
            eps.extend(self.s3_endpoints(vpc)?);
        }
        Ok(Partial {
            value: eps,
            missing: vpcs.missing,
        })
    }

    /// An endpoint's policy, parsed and linted once per region whichever rules ask.
    pub fn policy(&self, ep: &'a VpcEndpoint) -> Rc<AnalysedPolicy> {
        self.policies
            .borrow_mut()
            .entry(ep.vpc_endpoint_id.as_str())
            .or_insert_with(|| Rc::new(AnalysedPolicy::of(ep.policy_document.as_deref())))
            .clone()
    }

    pub fn trails(&self) -> Result<&'a [Trail], Missing> {
        Ok(&self
            .op(Operation::DescribeTrails, &self.data.describe_trails)?
            .trail_list)
    }
}

/// An endpoint policy as the rules see it.
#[derive(Debug, Clone)]
pub struct AnalysedPolicy {
    /// No `PolicyDocument`: the default policy applies.
    pub missing: bool,
    pub lint: Lint,
    /// `None` when the document does not parse.
    pub policy: Option<Policy>,
}

impl AnalysedPolicy {
    pub fn of(document: Option<&str>) -> AnalysedPolicy {
        match document {
            None => AnalysedPolicy {
                missing: true,
                lint: Lint::default(),
                policy: ibaudit_policy::parse(DEFAULT_POLICY).ok(),
            },
            Some(doc) => {
                let (lint, policy) = ibaudit_policy::lint(doc);
                AnalysedPolicy {
                    missing: false,
                    lint,
                    policy,
                }
            }
        }
    }

    pub fn is_default(&self) -> bool {
        self.missing || self.policy.as_ref().is_some_and(Policy::is_default)
    }
}

/// What AWS attaches to an endpoint created without a policy.
pub const DEFAULT_POLICY: &str =
    r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
