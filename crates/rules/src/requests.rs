//! The requests Image Builder needs endpoint policies to allow, as the
//! auditor can describe them. What each global condition key is in each
//! request is data: `crates/policy/data/global-condition-keys.tsv` (IAM's
//! current key list, with its source); here it is filled in with what the
//! snapshot says of the endpoint, its VPC, the account and its organization.
//! Keys the list does not name (service keys) are unknown.

use ibaudit_policy::{global_keys, Caller, Context, EndpointKind, KeyState, Known, Request};
use ibaudit_snapshot::aws::VpcEndpoint;

use crate::context::RegionCtx;

/// Which of the two requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    AwstoeDownload,
    ComponentRead,
}

/// The kind of endpoint, for how its policy reads an account principal.
pub fn endpoint_kind(endpoint: &VpcEndpoint) -> EndpointKind {
    if endpoint.vpc_endpoint_type.eq_ignore_ascii_case("Gateway") {
        EndpointKind::Gateway
    } else {
        EndpointKind::Interface
    }
}

/// The ARN of the endpoint's VPC, when its owner is known.
fn vpc_arn(ctx: &RegionCtx<'_>, endpoint: &VpcEndpoint) -> Option<String> {
    let owner = ctx.vpc(&endpoint.vpc_id).ok()?.owner_id.clone()?;
    Some(format!(
        "arn:{}:ec2:{}:{owner}:vpc/{}",
        ctx.partition(),
        ctx.region(),
        endpoint.vpc_id
    ))
}

/// The context of `kind` through `endpoint`, every global key set from the data.
fn context(ctx: &RegionCtx<'_>, endpoint: &VpcEndpoint, kind: Kind) -> Context {
    let account = &ctx.account.account.account_id;
    let org = ctx.organization_id;
    let value = |v: &str| KeyState::Values(vec![v.to_string()]);
    let or_unknown = |v: Option<String>| v.map_or(KeyState::Unknown, |v| value(&v));
    let mut c = Context::open();
    for key in global_keys() {
        let known = match kind {
            Kind::AwstoeDownload => key.awstoe_download,
            Kind::ComponentRead => key.component_read,
        };
        let state = match known {
            Known::Absent => KeyState::Absent,
            Known::Unknown => KeyState::Unknown,
            Known::Value(v) => value(v),
            Known::EndpointId => value(&endpoint.vpc_endpoint_id),
            Known::VpcId => value(&endpoint.vpc_id),
            Known::VpcArn => or_unknown(vpc_arn(ctx, endpoint)),
            Known::Account => value(account),
            // The resource is AWS-owned: whatever its account, it is not the customer's.
            Known::NotAccount => KeyState::NoneOf(vec![account.clone()]),
            Known::Organization => or_unknown(org.map(str::to_string)),
            // Nor is it in the customer's organization, when that is known.
            Known::NotOrganization => {
                org.map_or(KeyState::Unknown, |o| KeyState::NoneOf(vec![o.to_string()]))
            }
            Known::Region => value(ctx.region()),
        };
        if key.is_family() {
            c.set_prefix(key.name, state);
        } else {
            c.set(key.name, state);
        }
    }
    c
}

/// AWSTOE's download of `object_arn` through the S3 endpoint: unauthenticated.
pub fn awstoe_download(
    ctx: &RegionCtx<'_>,
    s3_endpoint: &VpcEndpoint,
    object_arn: String,
) -> Request {
    Request {
        caller: Caller::Anonymous,
        action: "s3:GetObject".into(),
        resource: object_arn,
        context: context(ctx, s3_endpoint, Kind::AwstoeDownload),
        endpoint: endpoint_kind(s3_endpoint),
    }
}

/// A principal of the audited account reading an Amazon-managed component
/// through the Image Builder endpoint.
pub fn managed_component_read(ctx: &RegionCtx<'_>, endpoint: &VpcEndpoint) -> Request {
    Request {
        caller: Caller::Account(ctx.account.account.account_id.clone()),
        action: "imagebuilder:GetComponent".into(),
        resource: managed_component_arn(ctx),
        context: context(ctx, endpoint, Kind::ComponentRead),
        endpoint: endpoint_kind(endpoint),
    }
}

/// A representative Amazon-managed component build.
pub fn managed_component_arn(ctx: &RegionCtx<'_>) -> String {
    format!(
        "arn:{}:imagebuilder:{}:aws:component/update-linux/1.0.2/1",
        ctx.partition(),
        ctx.region()
    )
}

/// The AWSTOE bucket for an environment, and an object in it.
pub fn toe_bucket(ctx: &RegionCtx<'_>, environment: &str) -> (String, String) {
    let bucket = format!("ec2imagebuilder-toe-{}-{environment}", ctx.region());
    let object = format!(
        "arn:{}:s3:::{bucket}/latest/linux/amd64/awstoe",
        ctx.partition()
    );
    (bucket, object)
}

/// The managed resources bucket for an environment, and a component object in it.
pub fn managed_resources_bucket(ctx: &RegionCtx<'_>, environment: &str) -> (String, String) {
    let bucket = format!(
        "ec2imagebuilder-managed-resources-{}-{environment}",
        ctx.region()
    );
    let object = format!(
        "arn:{}:s3:::{bucket}/components/update-linux/1.0.2/1/document.yaml",
        ctx.partition()
    );
    (bucket, object)
}
