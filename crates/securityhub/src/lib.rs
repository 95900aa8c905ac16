//! The one ibaudit code that writes to AWS, and only when asked: importing
//! findings into AWS Security Hub (`securityhub:BatchImportFindings`), and
//! archiving the ones a later scan no longer reports.
//!
//! It is its own crate so that the collector never links a call that writes:
//! the collector's interceptor refuses anything but its read-only list, and
//! this crate holds the only two Security Hub calls ibaudit makes
//! ([`ACTIONS`]), granted by `iam/ibaudit-securityhub-policy.json` and
//! nothing else.
//!
//! # Where findings go
//!
//! "You must call BatchImportFindings using the account that is associated
//! with the findings. The identifier of the associated account is the value
//! of the AwsAccountId attribute for the finding" (Security Hub partner
//! guide, Guidelines for using the BatchImportFindings API). Findings are
//! grouped by their own account and region ([`Target`]); the caller's
//! account is written with its own credentials, every other account through
//! a role in it ([`Options::role_name`]). Before anything is sent, every
//! finding's `AwsAccountId`, `Region` and `ProductArn` are checked against
//! the target: a finding is never sent from the wrong account or region.
//!
//! # Limits
//!
//! "Security Hub CSPM accepts up to 100 findings per batch, up to 240 KB per
//! finding, and up to 6 MB per batch. The throttle rate limit is 10 TPS per
//! account per Region, with a burst of 30 TPS" (same page). GetFindings is
//! limited to 3 requests a second with a burst of 6 (Security Hub API
//! reference, introduction). Each account and region has its own token
//! buckets at those rates; throttling that still happens
//! (`LimitExceededException`, HTTP 429, which the SDK classifies as
//! throttling) is retried with the SDK's adaptive backoff.
//!
//! # Archival
//!
//! Before importing, the ibaudit findings still `ACTIVE` in the account and
//! region are read (GetFindings filtered by ProductArn, AwsAccountId, Region,
//! exact GeneratorId and RecordState; the same filters are checked again
//! here, since not every implementation applies them). They give each
//! re-imported finding its first `CreatedAt`. Those this scan did not report,
//! of a rule whose absence here means "fixed" ([`Target::archivable`]), are
//! re-imported with `Compliance.Status` `PASSED` and `RecordState`
//! `ARCHIVED`. A target whose scope was not fully assessed archives nothing.

mod convert;
mod pace;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, StringFilter, StringFilterComparison};
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use tokio::sync::Semaphore;

pub use convert::{archived, to_sdk};
use pace::Bucket;

/// The IAM actions of the import: exactly the statement of
/// `iam/ibaudit-securityhub-policy.json`.
pub const ACTIONS: &[&str] = &["securityhub:BatchImportFindings", "securityhub:GetFindings"];

/// "up to 100 findings per batch".
pub const MAX_BATCH_FINDINGS: usize = 100;
/// "up to 6 MB per batch": counted as the JSON the SDK sends, with room for
/// the envelope.
pub const MAX_BATCH_BYTES: usize = 6_000_000 - 1024;
/// "up to 240 KB per finding".
pub const MAX_FINDING_BYTES: usize = 240_000;

/// BatchImportFindings: 10 a second, burst 30, per account and region.
pub const IMPORT_RATE: (f64, f64) = (10.0, 30.0);
/// GetFindings: 3 a second, burst 6.
pub const GET_RATE: (f64, f64) = (3.0, 6.0);

/// The error code of a region where the account has not enabled Security
/// Hub ("Account ... is not subscribed to AWS Security Hub").
pub const NOT_ENABLED: &str = "InvalidAccessException";

/// One account and region, and what to send there.
#[derive(Debug, Clone)]
pub struct Target {
    pub account_id: String,
    pub region: String,
    pub partition: String,
    /// This scan's findings for the account and region, as ASFF documents.
    pub findings: Vec<Value>,
    /// The `GeneratorId`s (`ibaudit/IB002`) whose absence here means the
    /// rule found nothing: an active finding of one of these that this scan
    /// did not report is archived. `Err`: archive nothing here, and why.
    pub archivable: Result<BTreeSet<String>, String>,
}

impl Target {
    pub fn product_arn(&self) -> String {
        format!(
            "arn:{}:securityhub:{}:{}:product/{}/default",
            self.partition, self.region, self.account_id, self.account_id
        )
    }
}

/// How to reach Security Hub.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The region for STS; default: the configured one, else the first target's.
    pub home_region: Option<String>,
    /// The role assumed in every account but the caller's.
    pub role_name: String,
    pub external_id: Option<String>,
    pub session_name: String,
    /// Read what is there, work out what would be imported and archived,
    /// and send nothing.
    pub dry_run: bool,
    /// Attempts per call, the first included (adaptive retry).
    pub max_attempts: u32,
    /// Account-regions worked on at once.
    pub concurrency: usize,
    /// Every `GeneratorId` ibaudit uses (one per rule): what GetFindings asks for.
    pub generator_ids: Vec<String>,
    /// Now, RFC 3339: the `UpdatedAt` of archived findings.
    pub now: String,
}

/// What Security Hub refused of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// What happened in one account and region.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub account_id: String,
    pub region: String,
    /// Ids sent (or, with `dry_run`, that would be) as this scan's findings.
    pub imported: Vec<String>,
    /// Ids sent (or that would be) as archived.
    pub archived: Vec<String>,
    /// Re-imported findings that kept the `CreatedAt` Security Hub had.
    pub kept_created_at: usize,
    /// Active ibaudit findings found there before the import.
    pub active_before: usize,
    /// Why nothing was archived here, when nothing could be.
    pub not_archived: Option<String>,
    /// Every entry of every response's `FailedFindings`.
    pub refused: Vec<Refused>,
    /// BatchImportFindings calls made.
    pub batches: usize,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Security Hub is not enabled there: nothing read or sent.
    NotEnabled(String),
    /// The import failed there: the message names the call and the error.
    Failed(String),
}

/// Why nothing could be done at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no region: give --region or configure one (AWS_REGION, the profile's region)")]
    NoRegion,
    #[error("AWS credentials are missing or not valid (sts:GetCallerIdentity: {0})")]
    Credentials(String),
}

/// An SDK error as one line: the code and AWS's message, never a request.
fn error_line<E, R>(operation: &str, err: &SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(e) => {
            let e = e.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or_default().to_string();
            (code.clone(), format!("{operation}: {code}: {message}"))
        }
        SdkError::TimeoutError(_) => ("Timeout".into(), format!("{operation}: no answer in time")),
        SdkError::DispatchFailure(d) => (
            "DispatchFailure".into(),
            format!(
                "{operation}: the request could not be sent ({})",
                if d.is_io() {
                    "connection error"
                } else if d.is_timeout() {
                    "timeout"
                } else {
                    "transport error"
                }
            ),
        ),
        _ => (
            "Unknown".into(),
            format!(
                "{operation}: {}",
                std::error::Error::source(err)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| err.to_string())
            ),
        ),
    }
}

fn client(sdk: &SdkConfig, region: &str) -> aws_sdk_securityhub::Client {
    let conf = aws_sdk_securityhub::config::Builder::from(sdk)
        .region(Region::new(region.to_string()))
        .build();
    aws_sdk_securityhub::Client::from_conf(conf)
}

/// Imports every target's findings and archives what each allows; one
/// [`Outcome`] per target, in the order given. `progress` is told of each
/// target as it ends.
pub async fn import(
    targets: Vec<Target>,
    opts: &Options,
    progress: &(dyn Fn(&Outcome) + Send + Sync),
) -> Result<Vec<Outcome>, ImportError> {
    let home = opts
        .home_region
        .clone()
        .or_else(|| targets.first().map(|t| t.region.clone()));
    let scope = ibaudit_collector::Scope {
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.clone(),
        regions: home.iter().cloned().collect(),
        max_attempts: opts.max_attempts,
        ..ibaudit_collector::Scope::default()
    };
    let base = ibaudit_collector::sdk_config(&scope).await;
    let home = match base.region() {
        Some(r) => r.to_string(),
        None if targets.is_empty() => return Ok(Vec::new()),
        None => return Err(ImportError::NoRegion),
    };
    let sts_conf = aws_sdk_sts::config::Builder::from(&base)
        .region(Region::new(home.clone()))
        .build();
    let sts = aws_sdk_sts::Client::from_conf(sts_conf);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ImportError::Credentials(error_line("GetCallerIdentity", &e).1))?;
    let caller = identity.account().unwrap_or_default().to_string();

    // One credential provider per account, shared by its regions.
    let mut configs: BTreeMap<String, SdkConfig> = BTreeMap::new();
    for t in &targets {
        if configs.contains_key(&t.account_id) {
            continue;
        }
        let sdk = if t.account_id == caller {
            base.clone()
        } else {
            let arn = format!(
                "arn:{}:iam::{}:role/{}",
                t.partition, t.account_id, opts.role_name
            );
            base.to_builder()
                .credentials_provider(ibaudit_collector::assumed_role(
                    sts.clone(),
                    arn,
                    opts.external_id.clone(),
                    opts.session_name.clone(),
                ))
                .build()
        };
        configs.insert(t.account_id.clone(), sdk);
    }

    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let configs = Arc::new(configs);
    let opts = Arc::new(opts.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for (i, t) in targets.into_iter().enumerate() {
        let permits = permits.clone();
        let configs = configs.clone();
        let opts = opts.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("never closed");
            let sdk = &configs[&t.account_id];
            (i, import_target(sdk, t, &opts).await)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, outcome) = done.expect("an import task never panics");
        progress(&outcome);
        outcomes.push((i, outcome));
    }
    outcomes.sort_by_key(|(i, _)| *i);
    Ok(outcomes.into_iter().map(|(_, o)| o).collect())
}

/// Whether `f`, as GetFindings returned it, is an active ibaudit finding of
/// this account and region: the request's filters, checked again.
fn is_ours(
    f: &aws_sdk_securityhub::types::AwsSecurityFinding,
    t: &Target,
    generators: &BTreeSet<&str>,
) -> bool {
    f.product_arn() == Some(t.product_arn().as_str())
        && f.aws_account_id() == Some(t.account_id.as_str())
        && f.region() == Some(t.region.as_str())
        && f.generator_id().is_some_and(|g| generators.contains(g))
        && f.record_state()
            .is_some_and(|r| *r == aws_sdk_securityhub::types::RecordState::Active)
        && f.id().is_some()
}

fn equals(value: &str) -> StringFilter {
    StringFilter::builder()
        .comparison(StringFilterComparison::Equals)
        .value(value)
        .build()
}

async fn import_target(sdk: &SdkConfig, t: Target, opts: &Options) -> Outcome {
    let mut out = Outcome {
        account_id: t.account_id.clone(),
        region: t.region.clone(),
        imported: Vec::new(),
        archived: Vec::new(),
        kept_created_at: 0,
        active_before: 0,
        not_archived: t.archivable.as_ref().err().cloned(),
        refused: Vec::new(),
        batches: 0,
        status: Status::Done,
    };
    // Never send a finding to an account or region that is not its own.
    let product = t.product_arn();
    for f in &t.findings {
        let (account, region, arn) = (
            f["AwsAccountId"].as_str().unwrap_or_default(),
            f["Region"].as_str().unwrap_or_default(),
            f["ProductArn"].as_str().unwrap_or_default(),
        );
        if account != t.account_id || region != t.region || arn != product {
            out.status = Status::Failed(format!(
                "finding {} names account {account} and region {region}, not this one: nothing sent",
                f["Id"].as_str().unwrap_or_default()
            ));
            return out;
        }
    }
    let hub = client(sdk, &t.region);
    let get_bucket = Bucket::new(GET_RATE.0, GET_RATE.1);
    let import_bucket = Bucket::new(IMPORT_RATE.0, IMPORT_RATE.1);

    // What ibaudit has there now.
    let generators: BTreeSet<&str> = opts.generator_ids.iter().map(String::as_str).collect();
    let mut filters = AwsSecurityFindingFilters::builder()
        .product_arn(equals(&product))
        .aws_account_id(equals(&t.account_id))
        .region(equals(&t.region))
        .record_state(equals("ACTIVE"));
    for g in &generators {
        filters = filters.generator_id(equals(g));
    }
    let filters = filters.build();
    let mut active: BTreeMap<String, aws_sdk_securityhub::types::AwsSecurityFinding> =
        BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        get_bucket.take().await;
        let page = hub
            .get_findings()
            .filters(filters.clone())
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let (code, line) = error_line("GetFindings", &e);
                out.status = if code == NOT_ENABLED {
                    Status::NotEnabled(line)
                } else {
                    Status::Failed(line)
                };
                return out;
            }
        };
        for f in page.findings() {
            if is_ours(f, &t, &generators) {
                active.insert(f.id().unwrap_or_default().to_string(), f.clone());
            }
        }
        token = page
            .next_token()
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    out.active_before = active.len();

    // This scan's findings, each keeping the first CreatedAt where the hub has one.
    let mut send: Vec<Value> = Vec::with_capacity(t.findings.len());
    let reported: BTreeSet<&str> = t.findings.iter().filter_map(|f| f["Id"].as_str()).collect();
    for f in &t.findings {
        let mut f = f.clone();
        if let Some(created) = f["Id"]
            .as_str()
            .and_then(|id| active.get(id))
            .and_then(|a| a.created_at())
        {
            f["CreatedAt"] = Value::String(created.to_string());
            out.kept_created_at += 1;
        }
        out.imported
            .push(f["Id"].as_str().unwrap_or_default().to_string());
        send.push(f);
    }
    // What this scan no longer reports, where that means fixed.
    if let Ok(archivable) = &t.archivable {
        for (id, f) in &active {
            if reported.contains(id.as_str()) {
                continue;
            }
            if f.generator_id().is_some_and(|g| archivable.contains(g)) {
                out.archived.push(id.clone());
                send.push(archived(f, &opts.now));
            }
        }
    }
    if opts.dry_run {
        return out;
    }

    for batch in batches(&send) {
        let findings = match batch.iter().map(to_sdk).collect::<Result<Vec<_>, _>>() {
            Ok(f) => f,
            Err(e) => {
                out.status = Status::Failed(format!("a finding could not be sent: {e}"));
                return out;
            }
        };
        import_bucket.take().await;
        out.batches += 1;
        match hub
            .batch_import_findings()
            .set_findings(Some(findings))
            .send()
            .await
        {
            Ok(r) => {
                out.refused
                    .extend(r.failed_findings().iter().map(|e| Refused {
                        id: e.id().unwrap_or_default().to_string(),
                        code: e.error_code().unwrap_or_default().to_string(),
                        message: e.error_message().unwrap_or_default().to_string(),
                    }));
            }
            Err(e) => {
                let (code, line) = error_line("BatchImportFindings", &e);
                out.status = if code == NOT_ENABLED && out.batches == 1 {
                    Status::NotEnabled(line)
                } else {
                    Status::Failed(line)
                };
                return out;
            }
        }
    }
    out
}

/// `findings` in batches of at most [`MAX_BATCH_FINDINGS`] and
/// [`MAX_BATCH_BYTES`] of JSON, in order.
pub fn batches(findings: &[Value]) -> Vec<&[Value]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, f) in findings.iter().enumerate() {
        let size = serde_json::to_string(f).map(|s| s.len() + 1).unwrap_or(0);
        if i > start && (i - start == MAX_BATCH_FINDINGS || bytes + size > MAX_BATCH_BYTES) {
            out.push(&findings[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < findings.len() {
        out.push(&findings[start..]);
    }
    out
}

/// How long a token bucket at `rate` per second makes `calls` calls take
/// past its burst: the floor on an import's time.
pub fn floor(calls: usize, (rate, burst): (f64, f64)) -> Duration {
    let over = (calls as f64 - burst).max(0.0);
    Duration::from_secs_f64(over / rate)
}

/// Group `(account, region)` keys of `findings` by their own `AwsAccountId`
/// and `Region`.
pub fn by_target(findings: Vec<Value>) -> BTreeMap<(String, String), Vec<Value>> {
    let mut out: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for f in findings {
        let key = (
            f["AwsAccountId"].as_str().unwrap_or_default().to_string(),
            f["Region"].as_str().unwrap_or_default().to_string(),
        );
        out.entry(key).or_default().push(f);
    }
    out
}

/// Every entry of `HashMap`-shaped ASFF text fields as the SDK takes them.
pub(crate) fn string_map(v: &Value) -> Option<HashMap<String, String>> {
    v.as_object().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_hold_at_most_100_findings_and_6_mb() {
        let small: Vec<Value> = (0..250).map(|i| json!({ "Id": i })).collect();
        let b = batches(&small);
        assert_eq!(
            b.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        let big: Vec<Value> = (0..60)
            .map(|i| json!({ "Id": i, "Description": "x".repeat(200_000) }))
            .collect();
        let b = batches(&big);
        assert!(b.len() >= 2);
        for batch in &b {
            let bytes: usize = batch.iter().map(|f| f.to_string().len() + 1).sum();
            assert!(bytes <= MAX_BATCH_BYTES, "{bytes}");
        }
        assert_eq!(b.iter().map(|b| b.len()).sum::<usize>(), 60);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn the_floor_is_what_the_rate_allows_past_the_burst() {
        assert_eq!(floor(30, IMPORT_RATE), Duration::ZERO);
        assert_eq!(floor(40, IMPORT_RATE), Duration::from_secs(1));
    }
}
