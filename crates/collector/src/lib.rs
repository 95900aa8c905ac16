//! The only ibaudit code that talks to AWS. It makes read-only calls
//! (Describe, Get, List), every region at once, and writes what it learns
//! into a snapshot (`ibaudit-snapshot`) that the audit reads offline.
//!
//! What it asks for grows with what matters, not with the size of the
//! account: every endpoint is listed (one paginated call), then only the
//! subnets, VPCs, route tables and security groups that Image Builder
//! endpoints and build subnets use are described, filtered server-side.
//! A call that fails for good is recorded in the region's `errors`; the audit
//! reports it as not assessed. With a maximum duration, nothing new starts at
//! the deadline, calls in flight are abandoned, and what was not read is
//! recorded as `DeadlineExceeded`.

mod calls;
mod convert;
mod org;
mod plan;
mod region;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::retry::{RetryPartition, TokenBucket};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use ibaudit_snapshot::aws::CollectionError;
use ibaudit_snapshot::{
    Account, AccountOperation, ApiCall, Collector, Operation, RegionSnapshot, Snapshot,
};
use tokio::sync::Semaphore;
use tokio::time::Instant;

pub use calls::{CallCount, CallLog};
pub use org::{assumed_role, AccountScope};

/// The IAM actions the collector may call, from the one operation list
/// ([`ApiCall::ALL`]); the SDK interceptor refuses any other operation.
/// `iam/ibaudit-readonly-policy.json` grants exactly those that need a
/// permission (all but `sts:GetCallerIdentity`).
pub const ACTIONS: &[&str] = ApiCall::READ_ONLY_IAM_ACTIONS;

/// The error code recorded for what the collection did not read because it
/// reached its maximum duration.
pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";

/// The extra IAM actions of an organization scan, made with the caller's own
/// credentials: exactly the statement of `iam/ibaudit-auditor-policy.json`.
pub const AUDITOR_ACTIONS: &[&str] = ibaudit_snapshot::OrgOperation::IAM_ACTIONS;

/// What to collect, and how.
#[derive(Debug, Clone)]
pub struct Scope {
    /// A named profile from the AWS config files.
    pub profile: Option<String>,
    /// Regions to collect; empty means the configured default region.
    pub regions: Vec<String>,
    /// Every region enabled for the account (DescribeRegions).
    pub all_regions: bool,
    /// Send every call here (a local emulator).
    pub endpoint_url: Option<String>,
    /// Calls in flight at once, across all regions.
    pub concurrency: usize,
    /// Attempts per call, the first included (standard retry).
    pub max_attempts: u32,
    /// Stop at this much wall time: nothing new starts, calls in flight are
    /// abandoned, and what was not read is recorded as `DeadlineExceeded`.
    pub max_duration: Option<Duration>,
    /// Many accounts (an organization, a list, a shard); `None`: only the
    /// caller's own account.
    pub accounts: Option<AccountScope>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            endpoint_url: None,
            concurrency: 16,
            max_attempts: 5,
            max_duration: None,
            accounts: None,
        }
    }
}

/// Progress as it happens, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    Regions(Vec<String>),
    RegionDone {
        region: String,
        calls: u64,
        errors: usize,
    },
    TrailsDone {
        trails: usize,
    },
    /// Many accounts, from an organization: the organization block, before
    /// any account is handed over (an audit fed account by account needs
    /// its id from the first account on).
    Organization(ibaudit_snapshot::Organization),
    /// Many accounts: how many will be read.
    Accounts(usize),
    /// One account read (or given up on).
    AccountDone {
        account_id: String,
        account_name: Option<String>,
        regions: usize,
        errors: usize,
    },
    /// An account the organization lists as not ACTIVE: not read.
    AccountSkipped {
        account_id: String,
        account_name: Option<String>,
        status: String,
    },
}

/// Why nothing could be collected at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("AWS credentials are missing or not valid: {0}. ibaudit uses the standard credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile with ~/.aws/config and ~/.aws/credentials, SSO, web identity, ECS and EC2 instance metadata)")]
    Credentials(String),
    #[error("cannot reach AWS{}: {reason}", .endpoint.as_ref().map(|u| format!(" at {u}")).unwrap_or_default())]
    Unreachable {
        endpoint: Option<String>,
        reason: String,
    },
    #[error(
        "no region: pass --region (or set AWS_REGION / a profile region), or use --all-regions"
    )]
    NoRegion,
    #[error("{operation} failed: {code}: {message}")]
    Call {
        operation: ApiCall,
        code: String,
        message: String,
    },
    /// Without the account's identity (with `--all-regions`, its regions;
    /// with `--org`, the organization's accounts) there is nothing to record
    /// what was not read against. In an organization scan, a member's own
    /// regions cut by the deadline are recorded in its `errors` instead.
    #[error("the collection reached its maximum duration ({max}) before {operation} answered: nothing was collected")]
    DeadlineBeforeStart { operation: ApiCall, max: String },
    /// The account sink refused an account (its spool could not be written).
    #[error("{0}")]
    Sink(String),
}

/// Where [`collect_each`] hands each account once it is read.
pub type AccountSink<'a> = dyn FnMut(Account) -> Result<(), String> + Send + 'a;

/// The snapshot and the calls it took.
pub struct Collected {
    pub snapshot: Snapshot,
    pub calls: BTreeMap<ApiCall, CallCount>,
    /// The maximum duration was reached: some data was not read, and the
    /// snapshot records it as `DeadlineExceeded`.
    pub deadline_reached: bool,
}

/// The error codes AWS answers a throttled call with: the SDK's own list
/// (`THROTTLING_ERRORS`, aws-runtime's retry classifiers), which its
/// retry modes already back off on.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Whether a recorded failure is throttling.
pub(crate) fn is_throttling(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// The pause before round `round + 1` of a throttled call: 1, 2, 4, 8, 16,
/// then 30 seconds, each with up to a quarter more at random, so that the
/// calls one throttle stopped do not all come back at once. EC2 refills its
/// non-mutating buckets at 20 tokens a second ("Request throttling for the
/// Amazon EC2 API"): a second is already 20 calls of room.
pub(crate) fn throttled_pause(round: u32) -> Duration {
    let base = Duration::from_secs(1u64 << round.min(5)).min(Duration::from_secs(30));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

/// When a collection must stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    max: Duration,
}

/// Shared by every task of one collection.
#[derive(Clone)]
pub(crate) struct Run {
    pub sdk: SdkConfig,
    /// The account these credentials enter, where known (organization
    /// scans): names the retry partitions.
    pub account: Option<String>,
    pub log: CallLog,
    pub permits: Arc<Semaphore>,
    pub endpoint_url: Option<String>,
    deadline: Option<Deadline>,
    deadline_reached: Arc<AtomicBool>,
    /// Calls made again after throttling outlasted the SDK's retries.
    pub throttled_rounds: Arc<AtomicU32>,
}

impl Run {
    fn new(sdk: SdkConfig, scope: &Scope) -> Run {
        Run {
            sdk,
            account: None,
            log: CallLog::default(),
            permits: Arc::new(Semaphore::new(scope.concurrency.max(1))),
            // Only shown in messages: never with the credentials a URL may embed.
            endpoint_url: scope
                .endpoint_url
                .as_deref()
                .map(|u| ibaudit_snapshot::redact_url(u).into_owned()),
            // A deadline too far to represent is no deadline.
            deadline: scope.max_duration.and_then(|max| {
                Instant::now()
                    .checked_add(max)
                    .map(|at| Deadline { at, max })
            }),
            deadline_reached: Arc::new(AtomicBool::new(false)),
            throttled_rounds: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Whether the deadline has passed: nothing new may start.
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d.at)
    }

    /// What the snapshot records for a call the deadline stopped.
    pub fn deadline_error(
        &self,
        operation: impl Into<ApiCall>,
        resource: Option<&str>,
    ) -> CollectionError {
        self.deadline_reached.store(true, Ordering::SeqCst);
        CollectionError {
            operation: operation.into().name().to_string(),
            code: DEADLINE_EXCEEDED.to_string(),
            message: format!(
                "not read: the collection reached its maximum duration ({})",
                self.max_duration()
            ),
            resource: resource.map(str::to_string),
        }
    }

    /// What the snapshot records for an account the deadline kept from
    /// starting: `operation` is the first call it would have made.
    pub fn not_started_error(
        &self,
        operation: impl Into<ApiCall>,
        resource: Option<&str>,
    ) -> CollectionError {
        CollectionError {
            message: format!(
                "account not read: the collection stopped at its maximum duration ({}) before this account was started",
                self.max_duration()
            ),
            ..self.deadline_error(operation, resource)
        }
    }

    fn max_duration(&self) -> String {
        self.deadline.map_or_else(String::new, |d| human(d.max))
    }

    /// Runs one call under the concurrency bound and the deadline. A failure
    /// comes back as the snapshot records it; at the deadline a call waiting
    /// to start does not start, and one in flight is abandoned (its future is
    /// dropped, which closes the request).
    ///
    /// A call still throttled once the SDK's own retries are spent (or its
    /// account-region's retry quota is) is made again, from `make`, after a
    /// pause that grows each round, while the deadline leaves time for it:
    /// throttling slows the account-region it comes from, and becomes "not
    /// assessed" only when the time given to the scan is up. Without
    /// `--max-duration` nothing says how long a scan may wait, and the SDK's
    /// own attempts, with their backoff, are all. The permit is given back
    /// during the pause, so other account-regions go on.
    pub async fn call<T, E, R, F, M>(
        &self,
        operation: Operation,
        resource: Option<&str>,
        mut make: M,
    ) -> Result<T, CollectionError>
    where
        M: FnMut() -> F,
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut round = 0;
        loop {
            let call = make();
            let result = self
                .bounded(operation, resource, async {
                    call.await
                        .map_err(|e| collection_error(operation, resource, &e))
                })
                .await;
            match result {
                Err(e) if is_throttling(&e.code) => {
                    let pause = throttled_pause(round);
                    let time_left = self.deadline.is_some_and(|d| Instant::now() + pause < d.at);
                    if !time_left {
                        return Err(e);
                    }
                    round += 1;
                    self.throttled_rounds.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// Runs `work` under the concurrency bound and the deadline, as
    /// [`Run::call`] does, whatever the service.
    pub async fn bounded<T, F>(
        &self,
        operation: impl Into<ApiCall> + Copy,
        resource: Option<&str>,
        work: F,
    ) -> Result<T, CollectionError>
    where
        F: Future<Output = Result<T, CollectionError>>,
    {
        let work = async {
            let _permit = self
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            if self.past_deadline() {
                return Err(self.deadline_error(operation, resource));
            }
            work.await
        };
        match self.deadline {
            None => work.await,
            Some(d) => tokio::time::timeout_at(d.at, work)
                .await
                .unwrap_or_else(|_| Err(self.deadline_error(operation, resource))),
        }
    }

    /// An account-level call, under the deadline but outside the
    /// concurrency bound (it runs alone, before anything else).
    async fn account_call<T, E, R, F>(
        &self,
        operation: impl Into<ApiCall>,
        call: F,
    ) -> Result<Result<T, SdkError<E, R>>, CollectError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
    {
        match self.deadline {
            None => Ok(call.await),
            Some(d) => tokio::time::timeout_at(d.at, call).await.map_err(|_| {
                self.deadline_reached.store(true, Ordering::SeqCst);
                CollectError::DeadlineBeforeStart {
                    operation: operation.into(),
                    max: human(d.max),
                }
            }),
        }
    }
    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.log.clone())
            .retry_partition(self.retry_partition("ec2", region))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.log.clone())
            .retry_partition(self.retry_partition("cloudtrail", region))
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    }

    pub fn imagebuilder(&self, region: &str) -> aws_sdk_imagebuilder::Client {
        let conf = aws_sdk_imagebuilder::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.log.clone())
            .retry_partition(self.retry_partition("imagebuilder", region))
            .build();
        aws_sdk_imagebuilder::Client::from_conf(conf)
    }

    /// The retry state of one client: its own retry token bucket. The SDK's
    /// default partition is `<service>-<region>` and process-wide ("Token
    /// bucket provided is partitioned by the retry partition",
    /// aws-smithy-runtime): in an organization scan every account would
    /// share one retry quota per region, so one throttled account could
    /// spend the retries the others need. A custom partition carries its
    /// own bucket, and is dropped with the client when the account-region is
    /// read.
    ///
    /// Retries are the SDK's standard mode (exponential backoff with
    /// jitter, per call), not its adaptive mode: adaptive mode's client-side
    /// rate limiter, once a partition is throttled, cuts the partition's
    /// rate to what it measured there, at least 0.5 requests a second, and
    /// an account-region makes a few calls a second at most, so one throttle
    /// held the rest of that account-region to one call every two seconds.
    /// Measured with the scale emulator (`make bench-scale`, 100 accounts x
    /// 17 regions, 1% of EC2 calls throttled): adaptive 3.2x the clean
    /// run's time, standard 1.08x, the same calls and findings.
    fn retry_partition(&self, service: &str, region: &str) -> RetryPartition {
        RetryPartition::custom(format!(
            "ibaudit-{service}-{}-{region}",
            self.account.as_deref().unwrap_or("caller")
        ))
        .token_bucket(TokenBucket::default())
        .build()
    }

    fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.log.clone())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }
}

/// An SDK error as the snapshot records it. Only the code and AWS's message
/// are kept: never a request, a header or a credential.
pub(crate) fn collection_error<E, R>(
    operation: impl Into<ApiCall>,
    resource: Option<&str>,
    err: &SdkError<E, R>,
) -> CollectionError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = describe(err);
    CollectionError {
        operation: operation.into().name().to_string(),
        code,
        message,
        resource: resource.map(str::to_string),
    }
}

fn describe<E, R>(err: &SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(e) => {
            let e = e.err();
            (
                e.code().unwrap_or("Unknown").to_string(),
                e.message().unwrap_or_default().to_string(),
            )
        }
        SdkError::TimeoutError(_) => ("Timeout".into(), "the call timed out".into()),
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                "the connection timed out"
            } else if d.is_io() {
                "the connection failed"
            } else {
                "the request could not be sent"
            };
            (
                "DispatchFailure".into(),
                format!("{kind}: {}", source_chain(err)),
            )
        }
        SdkError::ConstructionFailure(_) => ("ConstructionFailure".into(), source_chain(err)),
        SdkError::ResponseError(_) => (
            "ResponseError".into(),
            "the response could not be read".into(),
        ),
        _ => ("Unknown".into(), source_chain(err)),
    }
}

/// The error's cause chain, one line: enough to act on, nothing signed.
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        cur = e.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

/// The SDK configuration of a run: the standard credential chain (or
/// `profile`), standard retries up to `max_attempts`, connect and attempt
/// timeouts, and `endpoint_url` when set. Shared with the Security Hub
/// import so that both find credentials and regions alike.
pub async fn sdk_config(scope: &Scope) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(scope.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(p) = &scope.profile {
        loader = loader.profile_name(p);
    }
    loader = loader.http_client(shared_https_client());
    if let Some(u) = &scope.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(r) = scope.regions.first() {
        loader = loader.region(Region::new(r.clone()));
    }
    loader.load().await
}

/// The one HTTP client of a run, the SDK's default (hyper 1 and rustls with
/// aws-lc, the system's root certificates, a proxy from `HTTPS_PROXY` and
/// the like), shared by every service client of every account and region.
/// Left unset, each service client builds a default client of its own: a
/// pool of connections, a TLS configuration and the root certificates
/// parsed again, for each of the 17 regions x 4 services of every account
/// (`make bench-scale`: a tenth of the client's CPU went to parsing root
/// certificates, and the connections of accounts in flight were held apart).
fn shared_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// Collects a snapshot of the account the credentials belong to.
pub async fn collect(
    scope: &Scope,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Collected, CollectError> {
    let mut accounts = Vec::new();
    let mut collected = collect_each(scope, progress, &mut |a| {
        accounts.push(a);
        Ok(())
    })
    .await?;
    // Accounts are handed over as they finish; a snapshot lists them by id.
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    collected.snapshot.accounts = accounts;
    Ok(collected)
}

/// Collects as [`collect`] does, handing each account to `sink` as soon as
/// it is read (in the order they finish, each one's regions in the order a
/// snapshot lists them) instead of keeping it: the snapshot returned has no
/// accounts. Sorted by id, the accounts are those [`collect`] returns.
pub async fn collect_each(
    scope: &Scope,
    progress: &(dyn Fn(Progress) + Send + Sync),
    sink: &mut AccountSink<'_>,
) -> Result<Collected, CollectError> {
    let sdk = sdk_config(scope).await;
    let run = Run::new(sdk, scope);
    // The region that answers account-wide questions: the configured one, or
    // with --all-regions and none configured, us-east-1.
    let home = match (run.sdk.region(), scope.all_regions) {
        (Some(r), _) => r.to_string(),
        (None, true) => "us-east-1".to_string(),
        (None, false) => return Err(CollectError::NoRegion),
    };
    // Who we are: the account id, the partition, and a first proof that
    // credentials and the network work.
    let identity = run
        .account_call(
            AccountOperation::GetCallerIdentity,
            run.sts(&home).get_caller_identity().send(),
        )
        .await?
        .map_err(|e| classify(&run, &e))?;
    let account_id = identity.account().unwrap_or_default().to_string();
    let partition = identity
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();

    if let Some(accounts) = &scope.accounts {
        let organization = org::collect(
            scope,
            accounts,
            &run,
            &home,
            &account_id,
            &partition,
            progress,
            sink,
        )
        .await?;
        let snapshot = Snapshot {
            collected_at: now_rfc3339(),
            collector: Some(Collector {
                name: "ibaudit".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            }),
            accounts: Vec::new(),
            organization,
            extra: Default::default(),
        };
        return Ok(Collected {
            snapshot,
            calls: run.log.snapshot(),
            deadline_reached: run.deadline_reached.load(Ordering::SeqCst),
        });
    }
    let regions = read_regions(&run, scope, home, progress).await?;
    let collected_at = now_rfc3339();
    sink(Account {
        partition,
        regions,
        ..Account::new(account_id)
    })
    .map_err(CollectError::Sink)?;
    let snapshot = Snapshot {
        collected_at,
        collector: Some(Collector {
            name: "ibaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }),
        accounts: Vec::new(),
        organization: None,
        extra: Default::default(),
    };
    Ok(Collected {
        snapshot,
        calls: run.log.snapshot(),
        deadline_reached: run.deadline_reached.load(Ordering::SeqCst),
    })
}

/// Every region of one account, read with `run`'s credentials.
pub(crate) async fn read_regions(
    run: &Run,
    scope: &Scope,
    home: String,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Vec<RegionSnapshot>, CollectError> {
    let regions: Vec<String> = if scope.all_regions {
        let ec2 = run.ec2(&home);
        let out = run
            .account_call(
                AccountOperation::DescribeRegions,
                ec2.describe_regions().all_regions(false).send(),
            )
            .await?
            .map_err(|e| {
                let (code, message) = describe(&e);
                CollectError::Call {
                    operation: AccountOperation::DescribeRegions.into(),
                    code,
                    message,
                }
            })?;
        let mut names: Vec<String> = out
            .regions()
            .iter()
            .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        names.sort();
        names
    } else if scope.regions.is_empty() {
        vec![home.clone()]
    } else {
        let set: BTreeSet<String> = scope.regions.iter().cloned().collect();
        set.into_iter().collect()
    };
    progress(Progress::Regions(regions.clone()));

    // Every region at once; one failing never stops the others.
    let mut tasks = tokio::task::JoinSet::new();
    for region in regions.clone() {
        let run = run.clone();
        tasks.spawn(async move { region::collect(&run, &region).await });
    }
    let mut collected: BTreeMap<String, region::RegionResult> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let result = done.expect("a region task panicked");
        progress(Progress::RegionDone {
            region: result.snapshot.region.clone(),
            calls: run.log.operations(),
            errors: result.snapshot.errors.len(),
        });
        collected.insert(result.snapshot.region.clone(), result);
    }

    let trails = region::collect_trails(run, &mut collected).await;
    progress(Progress::TrailsDone { trails });

    Ok(collected.into_values().map(|r| r.snapshot).collect())
}

fn classify<E, R>(run: &Run, err: &SdkError<E, R>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = describe(err);
    let lower = message.to_ascii_lowercase();
    if lower.contains("credential")
        || matches!(
            code.as_str(),
            "InvalidClientTokenId"
                | "ExpiredToken"
                | "SignatureDoesNotMatch"
                | "UnrecognizedClientException"
        )
    {
        return CollectError::Credentials(format!("{code}: {message}"));
    }
    if code == "DispatchFailure" || code == "Timeout" {
        return CollectError::Unreachable {
            endpoint: run.endpoint_url.clone(),
            reason: ibaudit_snapshot::redact_urls(&message).into_owned(),
        };
    }
    CollectError::Call {
        operation: AccountOperation::GetCallerIdentity.into(),
        code,
        message,
    }
}

/// A duration as a person writes it: `45m`, `1h30m`, `90s`, `1.5s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .map(|s| match s.find('.') {
            // Whole seconds: 2026-11-26T07:00:00Z.
            Some(i) => format!("{}Z", &s[..i]),
            None => s,
        })
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

    use super::*;

    type Answer = Result<(), SdkError<DescribeVpcsError, HttpResponse>>;

    /// An EC2 endpoint that throttles (`RequestLimitExceeded`, 503, EC2's
    /// XML error) the first `throttle` requests it gets, then answers
    /// DescribeVpcs with no VPC.
    #[derive(Debug, Clone)]
    struct Ec2 {
        throttle: Arc<std::sync::atomic::AtomicU32>,
    }

    impl aws_smithy_runtime_api::client::http::HttpConnector for Ec2 {
        fn call(
            &self,
            _request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
        ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
            let throttled = self
                .throttle
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let (status, body) = if throttled {
                (503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>t</RequestID></Response>")
            } else {
                (
                    200,
                    r#"<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><vpcSet/></DescribeVpcsResponse>"#,
                )
            };
            aws_smithy_runtime_api::client::http::HttpConnectorFuture::ready(Ok(HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
                aws_smithy_types::body::SdkBody::from(body),
            )))
        }
    }

    /// A run for `account` whose EC2 endpoint throttles `throttle` times.
    fn throttled_run(account: &str, throttle: u32) -> Run {
        let connector = Ec2 {
            throttle: Arc::new(std::sync::atomic::AtomicU32::new(throttle)),
        };
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new(
                        "AKIDTEST", "secret", None, None, "test",
                    ),
                ),
            )
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(1)),
            )
            .http_client(aws_smithy_runtime_api::client::http::http_client_fn(
                move |_, _| {
                    aws_smithy_runtime_api::client::http::SharedHttpConnector::new(
                        connector.clone(),
                    )
                },
            ))
            .build();
        let mut run = Run::new(sdk, &Scope::default());
        run.account = Some(account.to_string());
        run
    }

    /// One account throttled hard does not spend the retries of another
    /// in the same region: each account-region has its own retry quota
    /// (its own partition), not the SDK's process-wide `ec2-<region>` one.
    #[tokio::test]
    async fn a_throttled_account_does_not_spend_another_accounts_retries() {
        // Account a: every call throttled, until its retry quota is gone
        // (500 tokens, 5 a throttled retry: 60 calls of 2 retries spend 600).
        let a = throttled_run("111111111111", u32::MAX);
        let ec2 = a.ec2("eu-west-1");
        for _ in 0..60 {
            assert!(ec2.describe_vpcs().send().await.is_err());
        }
        // Account b, same region, throttled once: its retry still has quota.
        let b = throttled_run("222222222222", 1);
        let out = b.ec2("eu-west-1").describe_vpcs().send().await;
        assert!(out.is_ok(), "{:?}", out.err());
    }

    /// Throttling that outlasts the SDK's retries (3 attempts here) is not
    /// "not assessed" while the deadline leaves time: the call is made again
    /// after a pause, and the answer is kept.
    #[tokio::test]
    async fn throttling_past_the_sdk_retries_is_waited_out_while_time_is_left() {
        let mut run = throttled_run("111111111111", 7);
        run.deadline = Some(Deadline {
            at: Instant::now() + Duration::from_secs(600),
            max: Duration::from_secs(600),
        });
        let ec2 = run.ec2("eu-west-1");
        let out = run
            .call(Operation::DescribeVpcs, None, || ec2.describe_vpcs().send())
            .await;
        assert!(out.is_ok(), "{:?}", out.err());
        // 7 throttles, 3 attempts a round: the third round gets through.
        assert_eq!(run.throttled_rounds.load(Ordering::SeqCst), 2);
    }

    /// Once the pause would pass the deadline, the throttling is recorded
    /// as it came (the report says not assessed, and why).
    #[tokio::test]
    async fn throttling_is_recorded_once_no_time_is_left() {
        let mut run = throttled_run("111111111111", u32::MAX);
        run.deadline = Some(Deadline {
            at: Instant::now() + Duration::from_millis(500),
            max: Duration::from_millis(500),
        });
        let ec2 = run.ec2("eu-west-1");
        let err = run
            .call(Operation::DescribeVpcs, None, || ec2.describe_vpcs().send())
            .await
            .unwrap_err();
        assert_eq!(err.code, "RequestLimitExceeded");
        assert_eq!(run.throttled_rounds.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn throttled_pauses_grow_to_half_a_minute() {
        let secs: Vec<u64> = (0..8).map(|r| throttled_pause(r).as_secs()).collect();
        for (got, base) in secs.iter().zip([1, 2, 4, 8, 16, 30, 30, 30]) {
            assert!((base..=base + base / 4).contains(got), "{secs:?}");
        }
        assert!(is_throttling("RequestLimitExceeded") && is_throttling("ThrottlingException"));
        assert!(!is_throttling("AccessDenied") && !is_throttling("UnauthorizedOperation"));
    }

    fn run(max_duration: Option<Duration>) -> Run {
        let scope = Scope {
            max_duration,
            concurrency: 1,
            ..Scope::default()
        };
        Run::new(SdkConfig::builder().build(), &scope)
    }

    #[tokio::test]
    async fn at_the_deadline_calls_in_flight_are_abandoned_and_new_ones_do_not_start() {
        let run = run(Some(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let err = run
            .call(
                Operation::DescribeVpcs,
                None,
                std::future::pending::<Answer>,
            )
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(
            (err.operation.as_str(), err.code.as_str(), err.resource),
            ("DescribeVpcs", DEADLINE_EXCEEDED, None)
        );
        assert!(err.message.contains("maximum duration"), "{}", err.message);
        assert!(run.past_deadline() && run.deadline_reached.load(Ordering::SeqCst));
        let started_after = AtomicBool::new(false);
        let err = run
            .call(Operation::DescribeSubnets, Some("subnet-1"), || async {
                started_after.store(true, Ordering::SeqCst);
                Answer::Ok(())
            })
            .await
            .unwrap_err();
        assert!(
            !started_after.load(Ordering::SeqCst),
            "a call started after the deadline"
        );
        assert_eq!(err.code, DEADLINE_EXCEEDED);
        assert_eq!(err.resource.as_deref(), Some("subnet-1"));
    }

    /// AssumeRole and the Organizations calls go through `bounded`: the
    /// deadline stops them like any call, under their own names.
    #[tokio::test]
    async fn bounded_work_of_any_service_stops_at_the_deadline() {
        let run = run(Some(Duration::from_millis(300)));
        let arn = "arn:aws:iam::111122223333:role/ibaudit-audit";
        let err = run
            .bounded(
                ibaudit_snapshot::OrgOperation::AssumeRole,
                Some(arn),
                std::future::pending::<Result<(), CollectionError>>(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (
                err.operation.as_str(),
                err.code.as_str(),
                err.resource.as_deref()
            ),
            ("AssumeRole", DEADLINE_EXCEEDED, Some(arn))
        );
        assert!(run.deadline_reached.load(Ordering::SeqCst));
        let started_after = AtomicBool::new(false);
        let err = run
            .bounded(ibaudit_snapshot::OrgOperation::ListAccounts, None, async {
                started_after.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await
            .unwrap_err();
        assert!(!started_after.load(Ordering::SeqCst));
        assert_eq!(err.operation, "ListAccounts");
        // An account never started says so, and names the deadline.
        let err = run.not_started_error(ibaudit_snapshot::OrgOperation::AssumeRole, Some(arn));
        assert_eq!(err.code, DEADLINE_EXCEEDED);
        assert_eq!(
            err.message,
            "account not read: the collection stopped at its maximum duration (0.3s) before this account was started"
        );
    }

    #[tokio::test]
    async fn before_the_deadline_or_without_one_calls_run() {
        for run in [run(None), run(Some(Duration::from_secs(3600)))] {
            run.call(Operation::DescribeVpcs, None, || async { Answer::Ok(()) })
                .await
                .unwrap();
            assert!(!run.past_deadline() && !run.deadline_reached.load(Ordering::SeqCst));
        }
        // A deadline too far to represent is none.
        assert!(run(Some(Duration::MAX)).deadline.is_none());
    }

    #[test]
    fn durations_are_shown_as_people_write_them() {
        for (secs, text) in [
            (2700, "45m"),
            (30, "30s"),
            (5400, "1h30m"),
            (3605, "1h5s"),
            (0, "0s"),
        ] {
            assert_eq!(human(Duration::from_secs(secs)), text);
        }
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
    }
}
