//! STS (query, XML), Organizations and CloudTrail (JSON 1.1), Image Builder
//! (REST JSON): the shapes of botocore's service models
//! (`sts/2011-06-15`, `organizations/2016-11-28`, `cloudtrail/2013-11-01`,
//! `imagebuilder/2019-12-02`), member names as the models spell them.

use serde_json::{json, Value};

use crate::errors;
use crate::http::{Request, Response};
use crate::org::{hash_str, mix, Region, Spec, TrailKind, TRAIL_HOME, TRAIL_NAME};
use crate::params::Params;
use crate::time;
use crate::xml::Xml;

const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Who calls: the account its credentials belong to.
pub struct Caller {
    pub account: usize,
    /// An AssumeRole session (`ASIA...`), not the management account's own key.
    pub assumed: bool,
}

/// The access key AssumeRole hands out for `account`: `ASIA`, the
/// account's twelve digits, four more characters (20 in all, as AWS's).
pub fn access_key_for(account_id: &str, seed: u64) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h = mix(&[seed, hash_str(account_id)]);
    let mut key = format!("ASIA{account_id}");
    for _ in 0..4 {
        key.push(alphabet[(h % 32) as usize] as char);
        h /= 32;
    }
    key
}

/// The account of an access key from [`access_key_for`].
pub fn account_of_key(key: &str) -> Option<&str> {
    let digits = key.strip_prefix("ASIA")?.get(..12)?;
    (key.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn json_ok(body: Value, rid: &str) -> Response {
    Response::new(200, "application/x-amz-json-1.1", body.to_string())
        .with_header("x-amzn-RequestId", rid)
}

pub struct StsOptions<'a> {
    pub role_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub seed: u64,
    /// Accounts AssumeRole into is denied.
    pub deny: &'a [String],
    /// The credentials' lifetime, whatever DurationSeconds asks.
    pub lifetime: Option<std::time::Duration>,
}

/// The expiry (Unix seconds) a session token from AssumeRole carries: its
/// last 16 hex digits.
pub fn token_expiry(token: &str) -> Option<u64> {
    let tail = token.get(token.len().checked_sub(16)?..)?;
    u64::from_str_radix(tail, 16).ok()
}

pub fn sts(
    spec: &Spec,
    caller: &Caller,
    action: &str,
    p: &Params,
    opts: &StsOptions,
    rid: &str,
) -> Response {
    let account = spec.account_id(caller.account);
    let result = match action {
        "GetCallerIdentity" => {
            let (arn, user) = if caller.assumed {
                (
                    format!(
                        "arn:aws:sts::{account}:assumed-role/{}/ibaudit",
                        opts.role_name.unwrap_or("ibaudit-audit")
                    ),
                    format!("AROA{:016X}:ibaudit", hash_str(&account)),
                )
            } else {
                (
                    format!("arn:aws:iam::{account}:user/auditor"),
                    format!("AIDA{:016X}", hash_str(&account)),
                )
            };
            let mut x = Xml::document("GetCallerIdentityResponse", STS_NS);
            x.open("GetCallerIdentityResult")
                .leaf("Arn", arn)
                .leaf("UserId", user)
                .leaf("Account", &account)
                .close("GetCallerIdentityResult");
            x
        }
        "AssumeRole" => {
            let role_arn = p.get("RoleArn").unwrap_or_default();
            let session = p.get("RoleSessionName").unwrap_or_default();
            let parts: Vec<&str> = role_arn.split(':').collect();
            let (target, role) = match parts.as_slice() {
                ["arn", _, "iam", "", id, resource] if resource.starts_with("role/") => (
                    *id,
                    resource
                        .trim_start_matches("role/")
                        .rsplit('/')
                        .next()
                        .unwrap_or(""),
                ),
                _ => {
                    return errors::sts(
                        400,
                        "ValidationError",
                        &format!("{role_arn} is invalid"),
                        rid,
                    )
                }
            };
            let caller_arn = format!("arn:aws:iam::{account}:user/auditor");
            let denied = || {
                errors::sts(
                    403,
                    "AccessDenied",
                    &format!("User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"),
                    rid,
                )
            };
            if spec.account_index(target).is_none()
                || opts.role_name.is_some_and(|r| r != role)
                || opts
                    .external_id
                    .is_some_and(|e| p.get("ExternalId") != Some(e))
                || opts.deny.iter().any(|d| d == target)
            {
                return denied();
            }
            let duration: i64 = p
                .get("DurationSeconds")
                .and_then(|d| d.parse().ok())
                .unwrap_or(3600);
            let duration = opts.lifetime.map_or(duration, |l| l.as_secs() as i64);
            let expires = time::now_secs() as i64 + duration;
            let h = mix(&[opts.seed, hash_str(target), hash_str(session)]);
            let mut x = Xml::document("AssumeRoleResponse", STS_NS);
            x.open("AssumeRoleResult")
                .open("Credentials")
                .leaf("AccessKeyId", access_key_for(target, opts.seed))
                .leaf(
                    "SecretAccessKey",
                    format!("{:040x}", u128::from(h) << 32 | u128::from(h >> 32)),
                )
                .leaf(
                    "SessionToken",
                    format!(
                        "FwoGZXIvYXdzE{:032x}{:032x}{:016x}",
                        u128::from(h),
                        u128::from(!h),
                        expires.max(0) as u64
                    ),
                )
                .leaf("Expiration", time::iso8601(expires))
                .close("Credentials")
                .open("AssumedRoleUser")
                .leaf(
                    "AssumedRoleId",
                    format!("AROA{:016X}:{session}", hash_str(role_arn)),
                )
                .leaf(
                    "Arn",
                    format!("arn:aws:sts::{target}:assumed-role/{role}/{session}"),
                )
                .close("AssumedRoleUser")
                .leaf("PackedPolicySize", 0)
                .close("AssumeRoleResult");
            x
        }
        other => {
            return errors::sts(
                400,
                "InvalidAction",
                &format!("Could not find operation {other} for version 2011-06-15"),
                rid,
            )
        }
    };
    let mut x = result;
    let root = format!("{action}Response");
    x.open("ResponseMetadata")
        .leaf("RequestId", rid)
        .close("ResponseMetadata");
    Response::new(200, "text/xml", x.finish(&root)).with_header("x-amzn-RequestId", rid)
}

fn account_arn(spec: &Spec, i: usize) -> String {
    format!(
        "arn:aws:organizations::{}:account/{}/{}",
        spec.management(),
        spec.organization_id(),
        spec.account_id(i)
    )
}

pub fn organizations(
    spec: &Spec,
    caller: &Caller,
    action: &str,
    body: &[u8],
    rid: &str,
) -> Response {
    if caller.account != 0 {
        return errors::json(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
            rid,
        );
    }
    let args: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    match action {
        "DescribeOrganization" => json_ok(
            json!({"Organization": {
                "Id": spec.organization_id(),
                "Arn": format!("arn:aws:organizations::{}:organization/{}", spec.management(), spec.organization_id()),
                "FeatureSet": "ALL",
                "MasterAccountArn": account_arn(spec, 0),
                "MasterAccountId": spec.management(),
                "MasterAccountEmail": "aws-management@example.com",
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
            }}),
            rid,
        ),
        "ListAccounts" => {
            // "MaxResults ... 1-20" (Organizations API reference).
            let size = args["MaxResults"].as_u64().unwrap_or(20).clamp(1, 20) as usize;
            let start = match args["NextToken"].as_str() {
                None => 0,
                Some(t) => match t
                    .strip_prefix("acct-")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    Some(n) if n <= spec.accounts => n,
                    _ => {
                        return errors::json(
                            400,
                            "InvalidInputException",
                            "You specified an invalid value for nextToken.",
                            rid,
                        )
                    }
                },
            };
            let end = (start + size).min(spec.accounts);
            let joined = 1_767_225_600.0; // 2026-01-01
            let accounts: Vec<Value> = (start..end)
                .map(|i| {
                    json!({
                        "Id": spec.account_id(i),
                        "Arn": account_arn(spec, i),
                        "Email": format!("aws+{}@example.com", spec.account_name(i)),
                        "Name": spec.account_name(i),
                        "Status": "ACTIVE",
                        "State": "ACTIVE",
                        "JoinedMethod": if i == 0 { "INVITED" } else { "CREATED" },
                        "JoinedTimestamp": joined + i as f64,
                    })
                })
                .collect();
            let mut out = json!({"Accounts": accounts});
            if end < spec.accounts {
                out["NextToken"] = json!(format!("acct-{end}"));
            }
            json_ok(out, rid)
        }
        other => errors::json(
            400,
            "UnknownOperationException",
            &format!("{other} is not an operation of this emulator"),
            rid,
        ),
    }
}

fn trail_json(spec: &Spec, account: usize) -> Value {
    let id = spec.account_id(account);
    json!({
        "Name": TRAIL_NAME,
        "S3BucketName": format!("aws-cloudtrail-logs-{id}"),
        "IncludeGlobalServiceEvents": true,
        "IsMultiRegionTrail": true,
        "HomeRegion": TRAIL_HOME,
        "TrailARN": spec.trail_arn(account),
        "LogFileValidationEnabled": true,
        "HasCustomEventSelectors": spec.trail(account) == TrailKind::ReadOnly,
        "HasInsightSelectors": false,
        "IsOrganizationTrail": false,
    })
}

pub fn cloudtrail(
    spec: &Spec,
    caller: &Caller,
    region: &str,
    action: &str,
    body: &[u8],
    rid: &str,
) -> Response {
    let args: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    let kind = spec.trail(caller.account);
    let arn = spec.trail_arn(caller.account);
    let is_ours = |name: &str| kind != TrailKind::Missing && (name == arn || name == TRAIL_NAME);
    let not_found = |name: &str| {
        errors::json(
            400,
            "TrailNotFoundException",
            &format!(
                "Unknown trail: {name} for the user: {}",
                spec.account_id(caller.account)
            ),
            rid,
        )
    };
    match action {
        "DescribeTrails" => {
            let names: Vec<&str> = args["trailNameList"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let shadow = args["includeShadowTrails"].as_bool().unwrap_or(true);
            let mut list = Vec::new();
            if kind != TrailKind::Missing
                && (shadow || region == TRAIL_HOME)
                && (names.is_empty() || names.iter().any(|n| is_ours(n)))
            {
                list.push(trail_json(spec, caller.account));
            }
            json_ok(json!({"trailList": list}), rid)
        }
        "GetTrailStatus" => {
            let name = args["Name"].as_str().unwrap_or_default();
            if !is_ours(name) {
                return not_found(name);
            }
            let now = time::now_secs().floor();
            let logging = kind != TrailKind::NotLogging;
            let started = 1_767_225_600.0;
            let mut out = json!({
                "IsLogging": logging,
                "StartLoggingTime": started,
                "TimeLoggingStarted": time::iso8601(started as i64),
                "LatestDeliveryTime": now - 300.0,
                "LatestDeliveryAttemptTime": time::iso8601(now as i64 - 300),
                "LatestDeliveryAttemptSucceeded": time::iso8601(now as i64 - 300),
                "LatestNotificationAttemptTime": "",
                "LatestNotificationAttemptSucceeded": "",
                "TimeLoggingStopped": "",
            });
            if !logging {
                out["StopLoggingTime"] = json!(started + 86_400.0);
                out["TimeLoggingStopped"] = json!(time::iso8601(started as i64 + 86_400));
            }
            json_ok(out, rid)
        }
        "GetEventSelectors" => {
            let name = args["TrailName"].as_str().unwrap_or_default();
            if !is_ours(name) {
                return not_found(name);
            }
            let rw = if kind == TrailKind::ReadOnly {
                "ReadOnly"
            } else {
                "All"
            };
            json_ok(
                json!({
                    "TrailARN": arn,
                    "EventSelectors": [{
                        "ReadWriteType": rw,
                        "IncludeManagementEvents": true,
                        "DataResources": [],
                        "ExcludeManagementEventSources": [],
                    }],
                }),
                rid,
            )
        }
        other => errors::json(
            400,
            "UnknownOperationException",
            &format!("{other} is not an operation of this emulator"),
            rid,
        ),
    }
}

/// The value of one query parameter, decoded.
fn query_param(req: &Request, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn imagebuilder(region: &Region, action: &str, req: &Request, rid: &str) -> Response {
    let ok = |body: Value| {
        Response::new(200, "application/json", body.to_string())
            .with_header("x-amzn-RequestId", rid)
    };
    match (req.method.as_str(), action) {
        ("POST", "ListInfrastructureConfigurations") => {
            let args: Value = serde_json::from_slice(&req.body).unwrap_or(json!({}));
            // maxResults is 1-25 (RestrictedInteger in the service model).
            let size = args["maxResults"].as_u64().unwrap_or(25).clamp(1, 25) as usize;
            let start = match args["nextToken"].as_str() {
                None => 0,
                Some(t) => match t.strip_prefix("ib-").and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) if n <= region.configs.len() => n,
                    _ => {
                        return errors::rest_json(
                            400,
                            "InvalidPaginationTokenException",
                            "The pagination token is not valid.",
                            rid,
                        )
                    }
                },
            };
            let end = (start + size).min(region.configs.len());
            let list: Vec<Value> = region.configs[start..end]
                .iter()
                .map(|c| {
                    json!({
                        "arn": c.arn,
                        "name": c.name,
                        "description": format!("builds in {}", c.subnet),
                        "dateCreated": "2026-01-10T12:00:00.000Z",
                        "resourceTags": {},
                        "tags": {},
                        "instanceTypes": ["m5.large"],
                        "instanceProfileName": "EC2InstanceProfileForImageBuilder",
                    })
                })
                .collect();
            let mut out = json!({"requestId": rid, "infrastructureConfigurationSummaryList": list});
            if end < region.configs.len() {
                out["nextToken"] = json!(format!("ib-{end}"));
            }
            ok(out)
        }
        ("GET", "GetInfrastructureConfiguration") => {
            let arn = query_param(req, "infrastructureConfigurationArn").unwrap_or_default();
            let Some(c) = region.configs.iter().find(|c| c.arn == arn) else {
                return errors::rest_json(
                    404,
                    "ResourceNotFoundException",
                    &format!("The resource {arn} does not exist."),
                    rid,
                );
            };
            ok(json!({"requestId": rid, "infrastructureConfiguration": {
                "arn": c.arn,
                "name": c.name,
                "description": format!("builds in {}", c.subnet),
                "instanceTypes": ["m5.large"],
                "instanceProfileName": "EC2InstanceProfileForImageBuilder",
                "securityGroupIds": c.groups,
                "subnetId": c.subnet,
                "terminateInstanceOnFailure": true,
                "dateCreated": "2026-01-10T12:00:00.000Z",
                "resourceTags": {},
                "instanceMetadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2},
                "tags": {},
            }}))
        }
        (method, other) => errors::rest_json(
            404,
            "UnknownOperationException",
            &format!("{method} /{other} is not an operation of this emulator"),
            rid,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumed_keys_name_their_account() {
        let key = access_key_for("100000000042", 3);
        assert_eq!(key.len(), 20);
        assert_eq!(account_of_key(&key), Some("100000000042"));
        assert_eq!(account_of_key("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(account_of_key("ASIAIOSFODNN7EXAMPLE"), None);
    }
}
