//! Many accounts: which ones (an organization's, a list, a shard of either),
//! how to enter each (STS AssumeRole on top of the caller's own credentials),
//! and reading them concurrently under the run's global bound on calls.
//!
//! The caller's own account is read with its own credentials. Every other
//! account costs one AssumeRole; its credentials are kept and asked for again
//! only when they come near expiry ("The temporary security credentials ...
//! are valid for the duration that you specified when calling AssumeRole",
//! STS API reference, AssumeRole), so a long run never fails on an expired
//! session. An account that cannot be entered is recorded in its `errors`;
//! the others go on.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use aws_config::Region;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use ibaudit_snapshot::aws::CollectionError;
use ibaudit_snapshot::{Account, OrgOperation, Organization, Shard};
use tokio::sync::Mutex;

use crate::{collection_error, AccountSink, CollectError, Progress, Run, Scope};

/// Which accounts to read, and how to enter them.
#[derive(Debug, Clone)]
pub struct AccountScope {
    /// Every account of the organization (ListAccounts).
    pub org: bool,
    /// Only these accounts (with `org`: only these of the organization).
    pub include: Vec<String>,
    /// Never these accounts.
    pub exclude: Vec<String>,
    /// Only the accounts of this shard.
    pub shard: Option<Shard>,
    /// The role assumed in each account other than the caller's.
    pub role_name: String,
    pub external_id: Option<String>,
    pub role_session_name: String,
    /// Accounts read at once.
    pub account_concurrency: usize,
}

impl Default for AccountScope {
    fn default() -> Self {
        AccountScope {
            org: false,
            include: Vec::new(),
            exclude: Vec::new(),
            shard: None,
            role_name: "ibaudit-audit".into(),
            external_id: None,
            role_session_name: "ibaudit".into(),
            account_concurrency: 8,
        }
    }
}

/// One account to read, as the organization (or the list) names it.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    name: Option<String>,
    /// Why it is not read (not ACTIVE), if so.
    inactive: Option<(String, Option<String>)>,
}

/// The accounts in scope, and the organization block.
async fn targets(
    run: &Run,
    home: &str,
    accounts: &AccountScope,
    caller: &str,
) -> Result<(Vec<Target>, Option<Organization>), CollectError> {
    let include: BTreeSet<&str> = accounts.include.iter().map(String::as_str).collect();
    let exclude: BTreeSet<&str> = accounts.exclude.iter().map(String::as_str).collect();
    let mut organization = None;
    let mut list: Vec<Target> = if accounts.org {
        let client = run.organizations(home);
        // Under the global bound and the deadline like any call; without
        // the list of accounts there is nothing to record a cut against.
        let org = run
            .account_call(OrgOperation::DescribeOrganization, async {
                let _permit = run.permits.acquire().await.expect("never closed");
                client.describe_organization().send().await
            })
            .await?
            .map_err(|e| call_error(OrgOperation::DescribeOrganization, &e))?;
        if let Some(o) = org.organization() {
            organization = Some(Organization {
                id: o.id().unwrap_or_default().to_string(),
                management_account_id: o.master_account_id().unwrap_or_default().to_string(),
                extra: Default::default(),
            });
        }
        let pages = run
            .account_call(OrgOperation::ListAccounts, async {
                let _permit = run.permits.acquire().await.expect("never closed");
                client
                    .list_accounts()
                    .into_paginator()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
            })
            .await?
            .map_err(|e| call_error(OrgOperation::ListAccounts, &e))?;
        pages
            .iter()
            .flat_map(|p| p.accounts())
            .filter_map(|a| {
                let id = a.id()?.to_string();
                // "ACTIVE", "SUSPENDED", "PENDING_CLOSURE" (Status), or the
                // newer State field's values; only ACTIVE is read.
                let status = a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .or_else(|| a.status().map(|s| s.as_str().to_string()))
                    .unwrap_or_else(|| "ACTIVE".into());
                Some(Target {
                    id,
                    name: a.name().map(str::to_string),
                    inactive: (status != "ACTIVE").then(|| (status, a.arn().map(str::to_string))),
                })
            })
            .filter(|t| include.is_empty() || include.contains(t.id.as_str()))
            .collect()
    } else if include.is_empty() {
        vec![Target {
            id: caller.to_string(),
            name: None,
            inactive: None,
        }]
    } else {
        include
            .iter()
            .map(|id| Target {
                id: id.to_string(),
                name: None,
                inactive: None,
            })
            .collect()
    };
    list.retain(|t| !exclude.contains(t.id.as_str()));
    if let Some(shard) = accounts.shard {
        list.retain(|t| shard.contains(&t.id));
    }
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list.dedup_by(|a, b| a.id == b.id);
    Ok((list, organization))
}

fn call_error<E, R>(
    operation: OrgOperation,
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> CollectError
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let e = collection_error(operation, None, err);
    CollectError::Call {
        operation: operation.into(),
        code: e.code,
        message: e.message,
    }
}

/// Credentials of one assumed role: the first set from the AssumeRole that
/// proved the account can be entered, then a new one shortly before expiry.
#[derive(Debug)]
struct RoleCredentials {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    external_id: Option<String>,
    session_name: String,
    current: Mutex<Option<Credentials>>,
}

/// Refresh this long before the credentials expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Whether credentials expiring at `expiry` are to be replaced at `now`.
fn needs_refresh(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_some_and(|e| e <= now + REFRESH_BEFORE)
}

impl RoleCredentials {
    /// Never under a permit of the global bound: a refresh happens inside a
    /// call that already holds one.
    async fn assume(&self) -> Result<Credentials, CollectionError> {
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .set_external_id(self.external_id.clone())
            .send()
            .await
            .map_err(|e| collection_error(OrgOperation::AssumeRole, Some(&self.role_arn), &e))?;
        let Some(c) = out.credentials() else {
            return Err(CollectionError {
                operation: OrgOperation::AssumeRole.name().into(),
                code: "NoCredentials".into(),
                message: "AssumeRole answered without credentials".into(),
                resource: Some(self.role_arn.clone()),
            });
        };
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "ibaudit-assume-role",
        ))
    }

    async fn get(&self) -> Result<Credentials, CollectionError> {
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_ref() {
            if !needs_refresh(c.expiry(), SystemTime::now()) {
                return Ok(c.clone());
            }
        }
        let c = self.assume().await?;
        *current = Some(c.clone());
        Ok(c)
    }
}

impl ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            // The message only: never a key.
            self.get().await.map_err(|e| {
                CredentialsError::provider_error(format!(
                    "AssumeRole {}: {}: {}",
                    self.role_arn, e.code, e.message
                ))
            })
        })
    }
}

/// Credentials of `role_arn`, assumed with `sts` on first use and again
/// shortly before they expire: what the collector uses for each member
/// account, for another caller (the Security Hub import) to use the same way.
pub fn assumed_role(
    sts: aws_sdk_sts::Client,
    role_arn: String,
    external_id: Option<String>,
    session_name: String,
) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(RoleCredentials {
        sts,
        role_arn,
        external_id,
        session_name,
        current: Mutex::new(None),
    })
}

/// Reads every account in scope, handing each to `sink` as soon as it is
/// read (its regions sorted by name), and returns the organization block;
/// `caller` and `partition` come from GetCallerIdentity with the caller's
/// own credentials.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn collect(
    scope: &Scope,
    accounts: &AccountScope,
    run: &Run,
    home: &str,
    caller: &str,
    partition: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
    sink: &mut AccountSink<'_>,
) -> Result<Option<Organization>, CollectError> {
    let (list, organization) = targets(run, home, accounts, caller).await?;
    if let Some(o) = &organization {
        progress(Progress::Organization(o.clone()));
    }
    progress(Progress::Accounts(list.len()));
    let limit = accounts.account_concurrency.max(1);
    // Tasks report through a channel: `progress` stays on this task.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let mut tasks = tokio::task::JoinSet::new();
    let mut hand_over = |mut account: Account| {
        account.regions.sort_by(|x, y| x.region.cmp(&y.region));
        sink(account).map_err(CollectError::Sink)
    };
    // Accounts start in id order, at most `limit` at once; once the deadline
    // has passed none starts, and each is recorded as not read.
    let mut pending = list.into_iter().enumerate();
    loop {
        while tasks.len() < limit {
            let Some((index, t)) = pending.next() else {
                break;
            };
            if t.inactive.is_none() && run.past_deadline() {
                let account = not_started(scope, accounts, run, caller, partition, t);
                progress(done(&account));
                hand_over(account)?;
                continue;
            }
            let tx = tx.clone();
            let (scope, accounts, run) = (scope.clone(), accounts.clone(), run.clone());
            let (home, caller, partition) =
                (home.to_string(), caller.to_string(), partition.to_string());
            tasks.spawn(async move {
                let account =
                    read_account(&scope, &accounts, &run, &home, &caller, &partition, t, &tx).await;
                (index, account)
            });
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            Some(p) = rx.recv() => progress(p),
            Some(r) = tasks.join_next() => {
                let (_, account) = r.expect("an account task panicked");
                hand_over(account)?;
            }
        }
    }
    drop(tx);
    while let Ok(p) = rx.try_recv() {
        progress(p);
    }
    Ok(organization)
}

fn role_arn(partition: &str, account_id: &str, accounts: &AccountScope) -> String {
    format!(
        "arn:{partition}:iam::{account_id}:role/{}",
        accounts.role_name
    )
}

/// An account the deadline kept from starting: no call was made for it, and
/// its `errors` name the first call it would have made (AssumeRole, or for
/// the caller's own account its first read).
fn not_started(
    scope: &Scope,
    accounts: &AccountScope,
    run: &Run,
    caller: &str,
    partition: &str,
    t: Target,
) -> Account {
    let error = if t.id == caller {
        if scope.all_regions {
            run.not_started_error(ibaudit_snapshot::AccountOperation::DescribeRegions, None)
        } else {
            run.not_started_error(ibaudit_snapshot::Operation::DescribeVpcEndpoints, None)
        }
    } else {
        let arn = role_arn(partition, &t.id, accounts);
        run.not_started_error(OrgOperation::AssumeRole, Some(&arn))
    };
    Account {
        partition: partition.to_string(),
        account_name: t.name,
        errors: vec![error],
        ..Account::new(t.id)
    }
}

/// The progress event of an account read or given up on.
fn done(account: &Account) -> Progress {
    Progress::AccountDone {
        account_id: account.account_id.clone(),
        account_name: account.account_name.clone(),
        regions: account.regions.len(),
        errors: account.errors.len()
            + account
                .regions
                .iter()
                .map(|r| r.errors.len())
                .sum::<usize>(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn read_account(
    scope: &Scope,
    accounts: &AccountScope,
    run: &Run,
    home: &str,
    caller: &str,
    partition: &str,
    t: Target,
    tx: &tokio::sync::mpsc::UnboundedSender<Progress>,
) -> Account {
    let progress = |p: Progress| {
        let _ = tx.send(p);
    };
    let quiet = |_: Progress| {};
    let mut account = Account {
        partition: partition.to_string(),
        account_name: t.name.clone(),
        ..Account::new(t.id.clone())
    };
    if let Some((status, arn)) = &t.inactive {
        account.errors.push(CollectionError {
            operation: OrgOperation::ListAccounts.name().into(),
            code: "AccountNotActive".into(),
            message: format!("the organization lists this account as {status}: it was not read"),
            resource: arn.clone(),
        });
        progress(Progress::AccountSkipped {
            account_id: t.id.clone(),
            account_name: t.name.clone(),
            status: status.clone(),
        });
        return account;
    }
    let account_run = if t.id == caller {
        Some(run.clone())
    } else {
        let role_arn = role_arn(partition, &t.id, accounts);
        let role = RoleCredentials {
            sts: run.sts(home),
            role_arn: role_arn.clone(),
            external_id: accounts.external_id.clone(),
            session_name: accounts.role_session_name.clone(),
            current: Mutex::new(None),
        };
        // The first AssumeRole, under the global bound and the deadline
        // like any call.
        let first = run
            .bounded(OrgOperation::AssumeRole, Some(&role_arn), role.get())
            .await;
        match first {
            Ok(_) => {
                let sdk = run
                    .sdk
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(role))
                    .build();
                Some(Run {
                    sdk,
                    account: Some(t.id.clone()),
                    ..run.clone()
                })
            }
            Err(e) => {
                account.errors.push(e);
                None
            }
        }
    };
    if let Some(account_run) = account_run {
        match crate::read_regions(&account_run, scope, home.to_string(), &quiet).await {
            Ok(regions) => account.regions = regions,
            Err(e) => account.errors.push(account_error(e)),
        }
    }
    progress(done(&account));
    account
}

/// A failure that stopped one account, in the account's `errors`.
fn account_error(e: CollectError) -> CollectionError {
    match e {
        CollectError::DeadlineBeforeStart { operation, max } => CollectionError {
            operation: operation.name().to_string(),
            code: crate::DEADLINE_EXCEEDED.into(),
            message: format!("not read: the collection reached its maximum duration ({max})"),
            resource: None,
        },
        CollectError::Call {
            operation,
            code,
            message,
        } => CollectionError {
            operation: operation.name().to_string(),
            code,
            message,
            resource: None,
        },
        other => CollectionError {
            operation: ibaudit_snapshot::AccountOperation::GetCallerIdentity
                .name()
                .into(),
            code: "AccountNotRead".into(),
            message: other.to_string(),
            resource: None,
        },
    }
}

impl Run {
    pub(crate) fn organizations(&self, region: &str) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.log.clone())
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_replaced_only_when_they_come_near_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let hour = Duration::from_secs(3600);
        assert!(!needs_refresh(Some(now + hour), now));
        assert!(!needs_refresh(None, now));
        assert!(!needs_refresh(
            Some(now + REFRESH_BEFORE + Duration::from_secs(1)),
            now
        ));
        assert!(needs_refresh(Some(now + REFRESH_BEFORE), now));
        assert!(needs_refresh(Some(now + Duration::from_secs(10)), now));
        assert!(needs_refresh(Some(now - hour), now));
    }
}
