//! The requests Image Builder needs endpoint policies to allow, as the
//! auditor can describe them: what is known is set, what anonymous requests
//! never carry is absent, everything else is unknown.

use ibaudit_policy::{Caller, Context, KeyState, Request};
use ibaudit_snapshot::aws::VpcEndpoint;

use crate::context::RegionCtx;

/// Keys that are not in an anonymous request, or not in any request that
/// arrives through a VPC endpoint (`aws:SourceIp`), per the IAM condition key
/// reference.
const ABSENT_FOR_ANONYMOUS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:username",
    "aws:FederatedProvider",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:TokenIssueTime",
    "aws:SourceIdentity",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:SourceIp",
];

/// What every request through `endpoint` carries.
fn through_endpoint(ctx: &RegionCtx<'_>, endpoint: &VpcEndpoint) -> Context {
    let mut c = Context::open();
    c.value("aws:SourceVpce", &endpoint.vpc_endpoint_id)
        .value("aws:SourceVpc", &endpoint.vpc_id)
        .value("aws:RequestedRegion", ctx.region())
        // AWS SDKs, and so Image Builder and AWSTOE, call AWS over HTTPS.
        .value("aws:SecureTransport", "true")
        .value("aws:ViaAWSService", "false")
        .set("aws:SourceIp", KeyState::Absent)
        // The resource is AWS-owned: whatever its account, it is not the customer's.
        .set(
            "aws:ResourceAccount",
            KeyState::NoneOf(vec![ctx.account.account.account_id.clone()]),
        );
    // Nor is it in the customer's organization, when that is known.
    if let Some(org) = ctx.organization_id {
        c.set("aws:ResourceOrgID", KeyState::NoneOf(vec![org.to_string()]));
    }
    c
}

/// AWSTOE's download of `object_arn` through the S3 endpoint: unauthenticated.
pub fn awstoe_download(
    ctx: &RegionCtx<'_>,
    s3_endpoint: &VpcEndpoint,
    object_arn: String,
) -> Request {
    let mut c = through_endpoint(ctx, s3_endpoint);
    c.value("aws:PrincipalAccount", "anonymous")
        .value("aws:PrincipalType", "Anonymous")
        .value("aws:userid", "anonymous")
        .set_prefix("aws:PrincipalTag/", KeyState::Absent);
    for key in ABSENT_FOR_ANONYMOUS {
        c.set(key, KeyState::Absent);
    }
    Request {
        caller: Caller::Anonymous,
        action: "s3:GetObject".into(),
        resource: object_arn,
        context: c,
    }
}

/// A principal of the audited account reading an Amazon-managed component
/// through the Image Builder endpoint.
pub fn managed_component_read(ctx: &RegionCtx<'_>, endpoint: &VpcEndpoint) -> Request {
    let account = ctx.account.account.account_id.clone();
    let mut c = through_endpoint(ctx, endpoint);
    c.value("aws:PrincipalAccount", &account)
        .value("aws:PrincipalIsAWSService", "false");
    if let Some(org) = ctx.organization_id {
        c.value("aws:PrincipalOrgID", org);
    }
    Request {
        caller: Caller::Account(account),
        action: "imagebuilder:GetComponent".into(),
        resource: managed_component_arn(ctx),
        context: c,
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
