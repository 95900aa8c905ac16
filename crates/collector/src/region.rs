//! One region: what to ask, in which order, and what to keep.
//!
//! Phase A lists what exists (endpoints, infrastructure configurations,
//! trails, the S3 prefix list) concurrently. From the listings, [`Plan`]
//! says what Image Builder uses here. Phase B describes only those subnets.
//! Phase C describes the VPCs, route tables, security groups and DNS
//! attributes of those subnets and endpoints, again concurrently and filtered
//! server-side. Trails are read once each, after every region has listed
//! them.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use aws_smithy_runtime_api::client::result::SdkError;
use ibaudit_snapshot::aws::{self, CollectionError};
use ibaudit_snapshot::scope::EndpointService;
use ibaudit_snapshot::{Operation, RegionSnapshot};

use crate::plan::Plan;
use crate::{convert, Run, DEADLINE_EXCEEDED};

/// EC2 accepts at most 200 values in one filter.
const FILTER_VALUES: usize = 200;

/// What phases B and C would have described: recorded as not read when the
/// deadline cut the endpoint listing they are scoped by.
const SCOPED_BY_ENDPOINTS: [Operation; 5] = [
    Operation::DescribeSubnets,
    Operation::DescribeVpcs,
    Operation::DescribeRouteTables,
    Operation::DescribeSecurityGroups,
    Operation::DescribeVpcAttribute,
];

pub(crate) struct RegionResult {
    pub snapshot: RegionSnapshot,
    /// Trails listed here (shadow trails included).
    trails: Vec<aws::Trail>,
    has_imagebuilder_endpoint: bool,
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

fn chunks(ids: &BTreeSet<String>) -> Vec<Vec<String>> {
    let all: Vec<String> = ids.iter().cloned().collect();
    all.chunks(FILTER_VALUES).map(<[String]>::to_vec).collect()
}

/// One region being collected: its clients and the failures so far.
struct Region<'a> {
    run: &'a Run,
    name: &'a str,
    ec2: aws_sdk_ec2::Client,
    ib: aws_sdk_imagebuilder::Client,
    ct: aws_sdk_cloudtrail::Client,
    errors: Mutex<Vec<CollectionError>>,
}

pub(crate) async fn collect(run: &Run, name: &str) -> RegionResult {
    let region = Region {
        run,
        name,
        ec2: run.ec2(name),
        ib: run.imagebuilder(name),
        ct: run.cloudtrail(name),
        errors: Mutex::new(Vec::new()),
    };
    let mut snap = RegionSnapshot::new(name);
    let trails = region.list(&mut snap).await;
    let plan = Plan::of(&snap);
    if snap.describe_vpc_endpoints.is_some() {
        region.describe_subnets(&plan, &mut snap).await;
        region.describe_vpc_resources(&plan, &mut snap).await;
    } else {
        // Without the endpoint list nothing else can be scoped: leave it
        // absent, and say why when the deadline is the reason.
        region.not_read_after_cut_listing(Operation::DescribeVpcEndpoints, &SCOPED_BY_ENDPOINTS);
    }
    snap.errors = region.errors.into_inner().expect("errors lock");
    RegionResult {
        snapshot: snap,
        trails,
        has_imagebuilder_endpoint: plan.has_imagebuilder_endpoint,
    }
}

impl Region<'_> {
    /// Keeps a call's value, or records its failure.
    fn keep<T>(&self, result: Result<T, CollectionError>) -> Option<T> {
        result
            .map_err(|e| self.errors.lock().expect("errors lock").push(e))
            .ok()
    }

    /// One call under the run's bounds; a failure is recorded, never raised.
    async fn guarded<T, E, R, F>(&self, op: Operation, call: F) -> Option<T>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        self.keep(self.run.call(op, None, call).await)
    }

    /// When the deadline cut `listing`, the calls it would have scoped are
    /// recorded as not read too.
    fn not_read_after_cut_listing(&self, listing: Operation, scoped: &[Operation]) {
        let mut errors = self.errors.lock().expect("errors lock");
        let cut = errors.iter().any(|e| {
            e.operation == listing.name() && e.code == DEADLINE_EXCEEDED && e.resource.is_none()
        });
        if cut {
            errors.extend(scoped.iter().map(|&op| self.run.deadline_error(op, None)));
        }
    }

    /// Phase A: the listings, at once. Returns the trails listed here.
    async fn list(&self, snap: &mut RegionSnapshot) -> Vec<aws::Trail> {
        let s3_list = EndpointService::S3.service_name(self.name);
        let (endpoints, infra, trails, prefix_lists) = tokio::join!(
            self.guarded(
                Operation::DescribeVpcEndpoints,
                self.ec2
                    .describe_vpc_endpoints()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            ),
            self.infrastructure(),
            self.guarded(
                Operation::DescribeTrails,
                self.ct.describe_trails().include_shadow_trails(true).send()
            ),
            self.guarded(
                Operation::DescribePrefixLists,
                self.ec2
                    .describe_prefix_lists()
                    .filters(filter("prefix-list-name", std::slice::from_ref(&s3_list)))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            ),
        );
        snap.describe_vpc_endpoints = endpoints.map(|e| aws::DescribeVpcEndpointsResponse {
            vpc_endpoints: e.iter().map(convert::vpc_endpoint).collect(),
        });
        (
            snap.list_infrastructure_configurations,
            snap.get_infrastructure_configuration,
        ) = infra;
        let trail_list: Vec<aws::Trail> = trails
            .as_ref()
            .map(|t| t.trail_list().iter().map(convert::trail).collect())
            .unwrap_or_default();
        snap.describe_trails = trails.map(|_| aws::DescribeTrailsResponse {
            trail_list: trail_list.clone(),
        });
        snap.describe_prefix_lists = prefix_lists.map(|p| aws::DescribePrefixListsResponse {
            prefix_lists: p.iter().map(convert::prefix_list).collect(),
        });
        trail_list
    }

    /// Phase B: the subnets Image Builder uses, by id; absent when any chunk failed.
    async fn describe_subnets(&self, plan: &Plan, snap: &mut RegionSnapshot) {
        if plan.subnets.is_empty() {
            return;
        }
        let mut subnets = Vec::new();
        for chunk in chunks(&plan.subnets) {
            let page = self
                .guarded(
                    Operation::DescribeSubnets,
                    self.ec2
                        .describe_subnets()
                        .filters(filter("subnet-id", &chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .collect::<Result<Vec<_>, _>>(),
                )
                .await;
            match page {
                Some(p) => subnets.extend(p.iter().map(convert::subnet)),
                None => return,
            }
        }
        snap.describe_subnets = Some(aws::DescribeSubnetsResponse { subnets });
    }

    /// Phase C: the Image Builder VPCs, their route tables, the endpoints'
    /// security groups and the DNS attributes private DNS relies on, at once.
    async fn describe_vpc_resources(&self, plan: &Plan, snap: &mut RegionSnapshot) {
        let vpc_ids = plan.vpcs(snap);
        if vpc_ids.is_empty() {
            return;
        }
        let vpc_chunks = chunks(&vpc_ids);
        let group_chunks = chunks(&plan.security_groups);
        let ec2 = &self.ec2;
        let (vpcs, tables, groups, attributes) = tokio::join!(
            self.paged_by_chunk(Operation::DescribeVpcs, &vpc_chunks, |c| {
                ec2.describe_vpcs()
                    .filters(filter("vpc-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            self.paged_by_chunk(Operation::DescribeRouteTables, &vpc_chunks, |c| {
                ec2.describe_route_tables()
                    .filters(filter("vpc-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            self.paged_by_chunk(Operation::DescribeSecurityGroups, &group_chunks, |c| {
                ec2.describe_security_groups()
                    .filters(filter("group-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            self.vpc_attributes(&plan.dns_vpcs),
        );
        snap.describe_vpcs = vpcs.map(|v| aws::DescribeVpcsResponse {
            vpcs: v.iter().map(convert::vpc).collect(),
        });
        snap.describe_route_tables = tables.map(|t| aws::DescribeRouteTablesResponse {
            route_tables: t.iter().map(convert::route_table).collect(),
        });
        snap.describe_security_groups = groups.map(|g| aws::DescribeSecurityGroupsResponse {
            security_groups: g.iter().map(convert::security_group).collect(),
        });
        snap.describe_vpc_attribute = Some(attributes);
    }

    /// One paginated call per chunk of filter values, merged; `None` when any
    /// chunk failed (the error is recorded).
    async fn paged_by_chunk<T, E, R, F, Fut>(
        &self,
        op: Operation,
        chunks: &[Vec<String>],
        call: F,
    ) -> Option<Vec<T>>
    where
        F: Fn(&[String]) -> Fut,
        Fut: Future<Output = Result<Vec<T>, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut all = Vec::new();
        for c in chunks {
            all.extend(self.guarded(op, call(c)).await?);
        }
        Some(all)
    }

    /// `enableDnsSupport` and `enableDnsHostnames` of each VPC, all at once.
    async fn vpc_attributes(&self, vpcs: &BTreeSet<String>) -> Vec<aws::VpcAttributeResponse> {
        let mut tasks = tokio::task::JoinSet::new();
        for vpc in vpcs {
            for attr in [
                VpcAttributeName::EnableDnsSupport,
                VpcAttributeName::EnableDnsHostnames,
            ] {
                let (run, ec2, vpc) = (self.run.clone(), self.ec2.clone(), vpc.clone());
                tasks.spawn(async move {
                    let call = ec2.describe_vpc_attribute().vpc_id(&vpc).attribute(attr);
                    let result = run
                        .call(Operation::DescribeVpcAttribute, Some(&vpc), call.send())
                        .await;
                    (vpc, result)
                });
            }
        }
        let mut out = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (vpc, result) = done.expect("an attribute task panicked");
            if let Some(r) = self.keep(result) {
                out.push(aws::VpcAttributeResponse {
                    vpc_id: r.vpc_id().unwrap_or(&vpc).to_string(),
                    enable_dns_support: r
                        .enable_dns_support()
                        .and_then(|v| v.value())
                        .map(|value| aws::AttributeBooleanValue { value }),
                    enable_dns_hostnames: r
                        .enable_dns_hostnames()
                        .and_then(|v| v.value())
                        .map(|value| aws::AttributeBooleanValue { value }),
                });
            }
        }
        // Deterministic order whatever finished first.
        out.sort_by(|a, b| {
            (&a.vpc_id, a.enable_dns_support.is_none())
                .cmp(&(&b.vpc_id, b.enable_dns_support.is_none()))
        });
        out
    }

    /// Lists the infrastructure configurations, then gets each, concurrently.
    async fn infrastructure(&self) -> Infrastructure {
        let Some(list) = self
            .guarded(
                Operation::ListInfrastructureConfigurations,
                self.ib
                    .list_infrastructure_configurations()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>(),
            )
            .await
        else {
            return (None, None);
        };
        let summaries: Vec<aws::InfrastructureConfigurationSummary> =
            list.iter().map(convert::infrastructure_summary).collect();
        let mut tasks = tokio::task::JoinSet::new();
        for s in &summaries {
            let (run, ib, arn) = (self.run.clone(), self.ib.clone(), s.arn.clone());
            tasks.spawn(async move {
                let call = ib
                    .get_infrastructure_configuration()
                    .infrastructure_configuration_arn(&arn);
                run.call(
                    Operation::GetInfrastructureConfiguration,
                    Some(&arn),
                    call.send(),
                )
                .await
            });
        }
        let mut configs = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let result = done.expect("a configuration task panicked");
            if let Some(c) = self
                .keep(result)
                .as_ref()
                .and_then(|r| r.infrastructure_configuration())
            {
                configs.push(aws::GetInfrastructureConfigurationResponse {
                    infrastructure_configuration: convert::infrastructure_configuration(c),
                });
            }
        }
        configs.sort_by(|a, b| {
            a.infrastructure_configuration
                .arn
                .cmp(&b.infrastructure_configuration.arn)
        });
        (
            Some(aws::ListInfrastructureConfigurationsResponse {
                infrastructure_configuration_summary_list: summaries,
            }),
            Some(configs),
        )
    }
}

type Infrastructure = (
    Option<aws::ListInfrastructureConfigurationsResponse>,
    Option<Vec<aws::GetInfrastructureConfigurationResponse>>,
);

/// Reads each trail that covers a region with an Image Builder endpoint once,
/// from its home region, and stores the answers in that region (or, when the
/// home region was not collected, where the trail was seen).
pub(crate) async fn collect_trails(
    run: &Run,
    regions: &mut BTreeMap<String, RegionResult>,
) -> usize {
    // ARN -> (home region, region to store in)
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, r) in regions.iter() {
        if !r.has_imagebuilder_endpoint {
            continue;
        }
        for t in &r.trails {
            let home = t.home_region.clone().unwrap_or_else(|| name.clone());
            let store = if regions.contains_key(&home) {
                home.clone()
            } else {
                name.clone()
            };
            wanted.entry(t.trail_arn.clone()).or_insert((home, store));
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (arn, (home, store)) in &wanted {
        let ct = run.cloudtrail(home);
        let (run, arn, store) = (run.clone(), arn.clone(), store.clone());
        tasks.spawn(async move {
            let (status, selectors) = tokio::join!(
                run.call(
                    Operation::GetTrailStatus,
                    Some(&arn),
                    ct.get_trail_status().name(&arn).send()
                ),
                run.call(
                    Operation::GetEventSelectors,
                    Some(&arn),
                    ct.get_event_selectors().trail_name(&arn).send()
                ),
            );
            let status = status.map(|s| aws::TrailStatus {
                is_logging: s.is_logging(),
            });
            let selectors = selectors.map(|s| convert::event_selectors(&s));
            (arn, store, status, selectors)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (arn, store, status, selectors) = done.expect("a trail task panicked");
        let snap = &mut regions
            .get_mut(&store)
            .expect("stored in a collected region")
            .snapshot;
        match status {
            Ok(s) => {
                snap.get_trail_status
                    .get_or_insert_with(BTreeMap::new)
                    .insert(arn.clone(), s);
            }
            Err(e) => snap.errors.push(e),
        }
        match selectors {
            Ok(s) => {
                snap.get_event_selectors
                    .get_or_insert_with(BTreeMap::new)
                    .insert(arn, s);
            }
            Err(e) => snap.errors.push(e),
        }
    }
    for r in regions.values_mut() {
        let errors = &mut r.snapshot.errors;
        errors.sort_by(|a, b| {
            (&a.operation, &a.resource, &a.code).cmp(&(&b.operation, &b.resource, &b.code))
        });
        errors.dedup();
    }
    wanted.len()
}
