//! One region: what to ask, in which order, and what to keep.
//!
//! Phase A lists what exists (endpoints, infrastructure configurations,
//! trails, the S3 prefix list) concurrently. Phase B describes only the
//! subnets Image Builder uses. Phase C describes the VPCs, route tables,
//! security groups and DNS attributes of those subnets and endpoints, again
//! concurrently and filtered server-side. Trails are read once each, after
//! every region has listed them.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use aws_smithy_runtime_api::client::result::SdkError;
use ibaudit_snapshot::aws::{self, CollectionError};
use ibaudit_snapshot::RegionSnapshot;

use crate::{collection_error, convert, Run};

/// EC2 accepts at most 200 values in one filter.
const FILTER_VALUES: usize = 200;

pub(crate) struct RegionResult {
    pub snapshot: RegionSnapshot,
    /// Trails listed here (shadow trails included).
    trails: Vec<aws::Trail>,
    has_imagebuilder_endpoint: bool,
}

/// Runs one call under the global concurrency bound; a failure is recorded,
/// never raised.
async fn guarded<T, E, R, F>(
    run: &Run,
    errors: &Mutex<Vec<CollectionError>>,
    op: &str,
    resource: Option<&str>,
    call: F,
) -> Option<T>
where
    F: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let _permit = run
        .permits
        .acquire()
        .await
        .expect("the semaphore is never closed");
    match call.await {
        Ok(v) => Some(v),
        Err(e) => {
            errors
                .lock()
                .expect("errors lock")
                .push(collection_error(op, resource, &e));
            None
        }
    }
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

pub(crate) async fn collect(run: &Run, region: &str) -> RegionResult {
    let ec2 = run.ec2(region);
    let ib = run.imagebuilder(region);
    let ct = run.cloudtrail(region);
    let errors = Mutex::new(Vec::new());
    let mut snap = RegionSnapshot::new(region);

    // Phase A.
    let s3_list = format!("com.amazonaws.{region}.s3");
    let (endpoints, infra, trails, prefix_lists) = tokio::join!(
        guarded(
            run,
            &errors,
            "DescribeVpcEndpoints",
            None,
            ec2.describe_vpc_endpoints()
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        ),
        infrastructure(run, &ib, &errors),
        guarded(
            run,
            &errors,
            "DescribeTrails",
            None,
            ct.describe_trails().include_shadow_trails(true).send()
        ),
        guarded(
            run,
            &errors,
            "DescribePrefixLists",
            None,
            ec2.describe_prefix_lists()
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
    let (summaries, configs) = infra;
    snap.list_infrastructure_configurations = summaries;
    snap.get_infrastructure_configuration = configs;
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

    // What Image Builder uses here.
    let ib_service = format!("com.amazonaws.{region}.imagebuilder");
    let ib_endpoints: Vec<&aws::VpcEndpoint> = snap
        .describe_vpc_endpoints
        .iter()
        .flat_map(|r| &r.vpc_endpoints)
        .filter(|e| {
            e.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
                && e.service_name.as_deref() == Some(ib_service.as_str())
        })
        .collect();
    let has_imagebuilder_endpoint = !ib_endpoints.is_empty();
    let build_subnets: BTreeSet<String> = snap
        .get_infrastructure_configuration
        .iter()
        .flatten()
        .filter_map(|g| g.infrastructure_configuration.subnet_id.clone())
        .collect();
    let mut subnet_ids = build_subnets.clone();
    subnet_ids.extend(
        ib_endpoints
            .iter()
            .flat_map(|e| e.subnet_ids.iter().cloned()),
    );
    let group_ids: BTreeSet<String> = ib_endpoints
        .iter()
        .flat_map(|e| e.groups.iter().map(|g| g.group_id.clone()))
        .collect();
    let dns_vpcs: BTreeSet<String> = ib_endpoints
        .iter()
        .filter(|e| e.private_dns_enabled == Some(true))
        .map(|e| e.vpc_id.clone())
        .collect();
    let mut vpc_ids: BTreeSet<String> = ib_endpoints.iter().map(|e| e.vpc_id.clone()).collect();

    // Without the endpoint list nothing else can be scoped: leave it absent.
    if snap.describe_vpc_endpoints.is_some() && !subnet_ids.is_empty() {
        // Phase B.
        let mut subnets = Some(Vec::new());
        for chunk in chunks(&subnet_ids) {
            let page = guarded(
                run,
                &errors,
                "DescribeSubnets",
                None,
                ec2.describe_subnets()
                    .filters(filter("subnet-id", &chunk))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>(),
            )
            .await;
            match (page, subnets.as_mut()) {
                (Some(p), Some(all)) => all.extend(p.iter().map(convert::subnet)),
                _ => subnets = None,
            }
        }
        if let Some(s) = &subnets {
            vpc_ids.extend(
                s.iter()
                    .filter(|x| build_subnets.contains(&x.subnet_id))
                    .map(|x| x.vpc_id.clone()),
            );
        }
        snap.describe_subnets = subnets.map(|subnets| aws::DescribeSubnetsResponse { subnets });
    }
    if snap.describe_vpc_endpoints.is_some() && !vpc_ids.is_empty() {
        // Phase C.
        let vpc_chunks = chunks(&vpc_ids);
        let group_chunks = chunks(&group_ids);
        let (vpcs, tables, groups, attributes) = tokio::join!(
            paged_by_chunk(run, &errors, "DescribeVpcs", &vpc_chunks, |c| {
                ec2.describe_vpcs()
                    .filters(filter("vpc-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            paged_by_chunk(run, &errors, "DescribeRouteTables", &vpc_chunks, |c| {
                ec2.describe_route_tables()
                    .filters(filter("vpc-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            paged_by_chunk(run, &errors, "DescribeSecurityGroups", &group_chunks, |c| {
                ec2.describe_security_groups()
                    .filters(filter("group-id", c))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            vpc_attributes(run, &ec2, &errors, &dns_vpcs),
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
    snap.errors = errors.into_inner().expect("errors lock");
    RegionResult {
        snapshot: snap,
        trails: trail_list,
        has_imagebuilder_endpoint,
    }
}

/// One paginated call per chunk of filter values, merged; `None` when any
/// chunk failed (the error is recorded).
async fn paged_by_chunk<T, E, R, F, Fut>(
    run: &Run,
    errors: &Mutex<Vec<CollectionError>>,
    op: &str,
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
        all.extend(guarded(run, errors, op, None, call(c)).await?);
    }
    Some(all)
}

/// `enableDnsSupport` and `enableDnsHostnames` of each VPC, all at once.
async fn vpc_attributes(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    errors: &Mutex<Vec<CollectionError>>,
    vpcs: &BTreeSet<String>,
) -> Vec<aws::VpcAttributeResponse> {
    let mut tasks = tokio::task::JoinSet::new();
    for vpc in vpcs {
        for attr in [
            VpcAttributeName::EnableDnsSupport,
            VpcAttributeName::EnableDnsHostnames,
        ] {
            let (run, ec2, vpc) = (run.clone(), ec2.clone(), vpc.clone());
            tasks.spawn(async move {
                let _permit = run
                    .permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                let result = ec2
                    .describe_vpc_attribute()
                    .vpc_id(&vpc)
                    .attribute(attr.clone())
                    .send()
                    .await;
                (vpc, result)
            });
        }
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (vpc, result) = done.expect("an attribute task panicked");
        match result {
            Ok(r) => out.push(aws::VpcAttributeResponse {
                vpc_id: r.vpc_id().unwrap_or(&vpc).to_string(),
                enable_dns_support: r
                    .enable_dns_support()
                    .and_then(|v| v.value())
                    .map(|value| aws::AttributeBooleanValue { value }),
                enable_dns_hostnames: r
                    .enable_dns_hostnames()
                    .and_then(|v| v.value())
                    .map(|value| aws::AttributeBooleanValue { value }),
            }),
            Err(e) => errors.lock().expect("errors lock").push(collection_error(
                "DescribeVpcAttribute",
                Some(&vpc),
                &e,
            )),
        }
    }
    // Deterministic order whatever finished first.
    out.sort_by(|a, b| {
        (&a.vpc_id, a.enable_dns_support.is_none())
            .cmp(&(&b.vpc_id, b.enable_dns_support.is_none()))
    });
    out
}

type Infrastructure = (
    Option<aws::ListInfrastructureConfigurationsResponse>,
    Option<Vec<aws::GetInfrastructureConfigurationResponse>>,
);

/// Lists the infrastructure configurations, then gets each, concurrently.
async fn infrastructure(
    run: &Run,
    ib: &aws_sdk_imagebuilder::Client,
    errors: &Mutex<Vec<CollectionError>>,
) -> Infrastructure {
    let Some(list) = guarded(
        run,
        errors,
        "ListInfrastructureConfigurations",
        None,
        ib.list_infrastructure_configurations()
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
        let (run, ib, arn) = (run.clone(), ib.clone(), s.arn.clone());
        tasks.spawn(async move {
            let _permit = run
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            let result = ib
                .get_infrastructure_configuration()
                .infrastructure_configuration_arn(&arn)
                .send()
                .await;
            (arn, result)
        });
    }
    let mut configs = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (arn, result) = done.expect("a configuration task panicked");
        match result {
            Ok(r) => {
                if let Some(c) = r.infrastructure_configuration() {
                    configs.push(aws::GetInfrastructureConfigurationResponse {
                        infrastructure_configuration: convert::infrastructure_configuration(c),
                    });
                }
            }
            Err(e) => errors.lock().expect("errors lock").push(collection_error(
                "GetInfrastructureConfiguration",
                Some(&arn),
                &e,
            )),
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
                async {
                    let _p = run
                        .permits
                        .acquire()
                        .await
                        .expect("the semaphore is never closed");
                    ct.get_trail_status().name(&arn).send().await
                },
                async {
                    let _p = run
                        .permits
                        .acquire()
                        .await
                        .expect("the semaphore is never closed");
                    ct.get_event_selectors().trail_name(&arn).send().await
                }
            );
            let status = status
                .map(|s| convert::trail_status(&s))
                .map_err(|e| collection_error("GetTrailStatus", Some(&arn), &e));
            let selectors = selectors
                .map(|s| convert::event_selectors(&s))
                .map_err(|e| collection_error("GetEventSelectors", Some(&arn), &e));
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
        r.snapshot
            .errors
            .sort_by(|a, b| (&a.operation, &a.resource).cmp(&(&b.operation, &b.resource)));
    }
    wanted.len()
}
