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
use ibaudit_snapshot::{Operation, RegionSnapshot, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

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

/// The error code recorded for a response that does not read as the
/// snapshot's model (a field AWS always sends is missing): the operation is
/// then reported as not collected, never assessed on a partial model.
pub(crate) const UNREADABLE_RESPONSE: &str = "UnreadableResponse";

/// An operation's response from the JSON AWS returned: the typed model with
/// the JSON kept whole. When it does not read as the model, the failure is
/// returned as the operation's collection error instead.
pub(crate) fn response<T: DeserializeOwned>(
    op: Operation,
    json: Value,
) -> Result<Response<T>, CollectionError> {
    Response::from_json(json).map_err(|e| CollectionError {
        operation: op.name().to_string(),
        code: UNREADABLE_RESPONSE.to_string(),
        message: format!("the response does not read as the snapshot model: {e}"),
        resource: None,
    })
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

    /// [`response`], with a failure recorded.
    fn response<T: DeserializeOwned>(&self, op: Operation, json: Value) -> Option<Response<T>> {
        self.keep(response(op, json))
    }

    /// One call under the run's bounds; a failure is recorded, never raised.
    async fn guarded<T, E, R, F, M>(&self, op: Operation, make: M) -> Option<T>
    where
        M: FnMut() -> F,
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        self.keep(self.run.call(op, None, make).await)
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
            self.guarded(Operation::DescribeVpcEndpoints, || {
                self.ec2
                    .describe_vpc_endpoints()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
            self.infrastructure(),
            self.guarded(Operation::DescribeTrails, || {
                self.ct.describe_trails().include_shadow_trails(true).send()
            }),
            self.guarded(Operation::DescribePrefixLists, || {
                self.ec2
                    .describe_prefix_lists()
                    .filters(filter("prefix-list-name", std::slice::from_ref(&s3_list)))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            }),
        );
        snap.describe_vpc_endpoints = endpoints.and_then(|e| {
            let items = e.iter().map(convert::vpc_endpoint).collect();
            self.response(
                Operation::DescribeVpcEndpoints,
                convert::list_response("VpcEndpoints", items),
            )
        });
        (
            snap.list_infrastructure_configurations,
            snap.get_infrastructure_configuration,
        ) = infra;
        snap.describe_trails = trails.and_then(|t| {
            let items = t.trail_list().iter().map(convert::trail).collect();
            self.response(
                Operation::DescribeTrails,
                convert::list_response("trailList", items),
            )
        });
        snap.describe_prefix_lists = prefix_lists.and_then(|p| {
            let items = p.iter().map(convert::prefix_list).collect();
            self.response(
                Operation::DescribePrefixLists,
                convert::list_response("PrefixLists", items),
            )
        });
        snap.describe_trails
            .as_ref()
            .map(|t| t.trail_list.clone())
            .unwrap_or_default()
    }

    /// Phase B: the subnets Image Builder uses, by id; absent when any chunk failed.
    async fn describe_subnets(&self, plan: &Plan, snap: &mut RegionSnapshot) {
        if plan.subnets.is_empty() {
            return;
        }
        let mut subnets = Vec::new();
        for chunk in chunks(&plan.subnets) {
            let page = self
                .guarded(Operation::DescribeSubnets, || {
                    self.ec2
                        .describe_subnets()
                        .filters(filter("subnet-id", &chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .collect::<Result<Vec<_>, _>>()
                })
                .await;
            match page {
                Some(p) => subnets.extend(p.iter().map(convert::subnet)),
                None => return,
            }
        }
        snap.describe_subnets = self.response(
            Operation::DescribeSubnets,
            convert::list_response("Subnets", subnets),
        );
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
        snap.describe_vpcs = vpcs.and_then(|v| {
            let items = v.iter().map(convert::vpc).collect();
            self.response(
                Operation::DescribeVpcs,
                convert::list_response("Vpcs", items),
            )
        });
        snap.describe_route_tables = tables.and_then(|t| {
            let items = t.iter().map(convert::route_table).collect();
            self.response(
                Operation::DescribeRouteTables,
                convert::list_response("RouteTables", items),
            )
        });
        snap.describe_security_groups = groups.and_then(|g| {
            let items = g.iter().map(convert::security_group).collect();
            self.response(
                Operation::DescribeSecurityGroups,
                convert::list_response("SecurityGroups", items),
            )
        });
        snap.describe_vpc_attribute =
            self.response(Operation::DescribeVpcAttribute, Value::Array(attributes));
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
            all.extend(self.guarded(op, || call(c)).await?);
        }
        Some(all)
    }

    /// `enableDnsSupport` and `enableDnsHostnames` of each VPC, all at once.
    async fn vpc_attributes(&self, vpcs: &BTreeSet<String>) -> Vec<Value> {
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
                        .call(Operation::DescribeVpcAttribute, Some(&vpc), || {
                            call.clone().send()
                        })
                        .await;
                    (vpc, result)
                });
            }
        }
        let mut out = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (vpc, result) = done.expect("an attribute task panicked");
            if let Some(r) = self.keep(result) {
                out.push(convert::vpc_attribute(&r, &vpc));
            }
        }
        // Deterministic order whatever finished first.
        let order = |v: &Value| {
            (
                v["VpcId"].as_str().unwrap_or_default().to_string(),
                v.get("EnableDnsSupport").is_none(),
            )
        };
        out.sort_by_key(order);
        out
    }

    /// Lists the infrastructure configurations, then gets each, concurrently.
    async fn infrastructure(&self) -> Infrastructure {
        let Some(list) = self
            .guarded(Operation::ListInfrastructureConfigurations, || {
                self.ib
                    .list_infrastructure_configurations()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
        else {
            return (None, None);
        };
        let items = list.iter().map(convert::infrastructure_summary).collect();
        let Some(summaries) = self.response::<aws::ListInfrastructureConfigurationsResponse>(
            Operation::ListInfrastructureConfigurations,
            convert::list_response("infrastructureConfigurationSummaryList", items),
        ) else {
            return (None, None);
        };
        let mut tasks = tokio::task::JoinSet::new();
        for s in &summaries.infrastructure_configuration_summary_list {
            let (run, ib, arn) = (self.run.clone(), self.ib.clone(), s.arn.to_string());
            tasks.spawn(async move {
                let call = ib
                    .get_infrastructure_configuration()
                    .infrastructure_configuration_arn(&arn);
                run.call(
                    Operation::GetInfrastructureConfiguration,
                    Some(&arn),
                    || call.clone().send(),
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
                configs.push(convert::get_infrastructure_configuration(c));
            }
        }
        let arn = |v: &Value| {
            v["infrastructureConfiguration"]["arn"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        configs.sort_by_key(arn);
        let configs = self.response(
            Operation::GetInfrastructureConfiguration,
            Value::Array(configs),
        );
        (Some(summaries), configs)
    }
}

type Infrastructure = (
    Option<Response<aws::ListInfrastructureConfigurationsResponse>>,
    Option<Response<Vec<aws::GetInfrastructureConfigurationResponse>>>,
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
            let home = t
                .home_region
                .as_ref()
                .map_or_else(|| name.clone(), |h| h.to_string());
            let store = if regions.contains_key(&home) {
                home.clone()
            } else {
                name.clone()
            };
            wanted
                .entry(t.trail_arn.to_string())
                .or_insert((home, store));
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (arn, (home, store)) in &wanted {
        let ct = run.cloudtrail(home);
        let (run, arn, store) = (run.clone(), arn.clone(), store.clone());
        tasks.spawn(async move {
            let (status, selectors) = tokio::join!(
                run.call(Operation::GetTrailStatus, Some(&arn), || {
                    ct.get_trail_status().name(&arn).send()
                }),
                run.call(Operation::GetEventSelectors, Some(&arn), || {
                    ct.get_event_selectors().trail_name(&arn).send()
                }),
            );
            let status = status.map(|s| convert::trail_status(&s));
            let selectors = selectors.map(|s| convert::event_selectors(&s));
            (arn, store, status, selectors)
        });
    }
    // Per region stored in: the responses by trail ARN, assembled as JSON
    // and read as the model once, when all are in.
    let mut statuses: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    let mut selector_maps: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (arn, store, status, selectors) = done.expect("a trail task panicked");
        let snap = &mut regions
            .get_mut(&store)
            .expect("stored in a collected region")
            .snapshot;
        match status {
            Ok(s) => {
                statuses
                    .entry(store.clone())
                    .or_default()
                    .insert(arn.clone(), s);
            }
            Err(e) => snap.errors.push(e),
        }
        match selectors {
            Ok(s) => {
                selector_maps.entry(store).or_default().insert(arn, s);
            }
            Err(e) => snap.errors.push(e),
        }
    }
    for (store, by_arn) in statuses {
        let snap = &mut regions
            .get_mut(&store)
            .expect("a collected region")
            .snapshot;
        match response(Operation::GetTrailStatus, Value::Object(by_arn)) {
            Ok(r) => snap.get_trail_status = Some(r),
            Err(e) => snap.errors.push(e),
        }
    }
    for (store, by_arn) in selector_maps {
        let snap = &mut regions
            .get_mut(&store)
            .expect("a collected region")
            .snapshot;
        match response(Operation::GetEventSelectors, Value::Object(by_arn)) {
            Ok(r) => snap.get_event_selectors = Some(r),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_that_does_not_read_as_the_model_is_a_collection_error() {
        let e = response::<aws::DescribeVpcsResponse>(
            Operation::DescribeVpcs,
            serde_json::json!({"Vpcs": [{"State": "available"}]}),
        )
        .unwrap_err();
        assert_eq!(e.operation, "DescribeVpcs");
        assert_eq!(e.code, UNREADABLE_RESPONSE);
        assert!(e.message.contains("missing field `VpcId`"), "{}", e.message);

        let sent = serde_json::json!({"Vpcs": [{"VpcId": "vpc-1", "State": "available"}]});
        let r =
            response::<aws::DescribeVpcsResponse>(Operation::DescribeVpcs, sent.clone()).unwrap();
        assert_eq!(r.vpcs[0].vpc_id, "vpc-1");
        assert_eq!(serde_json::to_value(&r).unwrap(), sent, "kept whole");
    }
}
