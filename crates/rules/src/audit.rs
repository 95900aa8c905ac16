use sha2::{Digest, Sha256};

use ibaudit_snapshot::{Account, Snapshot};

use crate::config::Config;
use crate::context::{AccountCtx, RegionCtx};
use crate::date::Date;
use crate::finding::{Finding, ResourceKind, Severity};
use crate::missing::Missing;
use crate::registry::registry;
use crate::rule::{Raw, RuleMeta, Sink};
use crate::rules::not_assessed;
use crate::scope::{AssessedScope, Gap};

/// What the audit needs besides the snapshot.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub config: Config,
    /// AWSTOE bucket environments; `prod` when empty.
    pub environments: Vec<String>,
    /// Suppressions expire after this day.
    pub today: Date,
}

/// The outcome of an audit: findings sorted by account, region, rule and
/// resource, so output is deterministic.
#[derive(Debug, Clone)]
pub struct Report {
    pub collected_at: String,
    /// Every audited account, with or without findings.
    pub accounts: Vec<String>,
    pub findings: Vec<Finding>,
    /// Things the user should know that are not findings (expired suppressions).
    pub notes: Vec<String>,
    /// What was assessed: every account and region read, and its gaps.
    /// `None` for a report not made from a snapshot of accounts (IaC).
    pub scope: Option<AssessedScope>,
    /// Each VPC Image Builder uses, as a build sees it: what the HTML
    /// report and the Mermaid diagrams draw. Not part of the JSON report.
    pub networks: Vec<crate::network::Network>,
    /// When each finding was first seen (RFC 3339), by fingerprint, where
    /// known: from a baseline report (`--baseline`), its own `first_seen`
    /// or its `collected_at`; a finding the baseline lacks was first seen
    /// in this snapshot. Empty without a baseline.
    pub first_seen: std::collections::BTreeMap<String, String>,
}

/// How the run ended, as the exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the threshold, everything assessed.
    Clean,
    /// A finding at or above the threshold.
    Failed,
    /// Nothing at or above the threshold, but some scope was not assessed.
    Incomplete,
}

impl Report {
    /// `fail_on` `None` never fails on findings; IB900 decides only `Incomplete`.
    pub fn outcome(&self, fail_on: Option<Severity>) -> Outcome {
        let active = self.findings.iter().filter(|f| f.suppressed.is_none());
        let mut incomplete = false;
        for f in active {
            if f.is_not_assessed() {
                incomplete = true;
            } else if fail_on.is_some_and(|t| f.severity >= t) {
                return Outcome::Failed;
            }
        }
        if incomplete {
            Outcome::Incomplete
        } else {
            Outcome::Clean
        }
    }
}

/// A finding's fingerprint: the first 16 bytes of a SHA-256 over its parts.
pub fn fingerprint(
    rule: &str,
    account: &str,
    region: &str,
    resource: &str,
    key: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        "ibaudit-v1",
        rule,
        account,
        region,
        resource,
        key.unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Findings in report order (account, region, rule, resource), one per
/// fingerprint: what every producer of a report does before rendering.
pub fn sort_and_dedup(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            &a.account_id,
            &a.region,
            a.rule,
            &a.resource_id,
            &a.fingerprint,
        )
            .cmp(&(
                &b.account_id,
                &b.region,
                b.rule,
                &b.resource_id,
                &b.fingerprint,
            ))
    });
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
}

/// The region of a finding about a whole account.
pub const ALL_REGIONS: &str = "*";

/// IB900 for each failure that stopped a whole account (its `errors`): no
/// rule could assess the account. Regions read before the failure are still
/// audited by the caller.
fn account_not_assessed(account: &Account) -> Vec<Finding> {
    let na = &not_assessed::META;
    let rules: Vec<&str> = registry()
        .iter()
        .map(|r| r.meta().id)
        .filter(|id| *id != na.id)
        .collect();
    account
        .errors
        .iter()
        .map(|e| {
            let mut why = e.code.clone();
            if !e.message.is_empty() {
                why.push_str(": ");
                why.push_str(&e.message);
            }
            let on = e
                .resource
                .as_deref()
                .map(|r| format!(" for {r}"))
                .unwrap_or_default();
            Finding {
                rule: na.id,
                name: na.name,
                outcome: not_assessed::NOT_ASSESSED.id,
                severity: not_assessed::NOT_ASSESSED.severity,
                not_assessed: true,
                account_id: account.account_id.clone(),
                account_name: account.account_name.clone(),
                region: ALL_REGIONS.to_string(),
                resource_type: ResourceKind::Account.type_name(),
                resource_id: account.account_id.clone(),
                resource_arn: None,
                resource_name: None,
                message: format!(
                    "{}{on} failed for account {} ({why}); not assessed: {}",
                    e.operation,
                    account.account_id,
                    rules.join(", ")
                ),
                fingerprint: fingerprint(
                    na.id,
                    &account.account_id,
                    ALL_REGIONS,
                    &account.account_id,
                    Some(&format!(
                        "{}:{}",
                        e.operation,
                        e.resource.as_deref().unwrap_or("")
                    )),
                ),
                suppressed: None,
                key: Some(format!(
                    "{}:{}",
                    e.operation,
                    e.resource.as_deref().unwrap_or("")
                )),
                location: None,
                introduced: None,
            }
        })
        .collect()
}

/// Runs every rule over every region of every account.
pub fn audit(snapshot: &Snapshot, options: &AuditOptions) -> Report {
    let mut auditor = Auditor::new(options, snapshot.organization.as_ref());
    for account in &snapshot.accounts {
        auditor.account(account);
    }
    auditor.finish(snapshot.collected_at.clone())
}

/// An audit fed one account at a time, for a snapshot read account by
/// account: what it keeps of an account is its findings, its scope and
/// (where a report draws them, see [`Auditor::keep_networks`]) its
/// networks; the account itself is the caller's to drop. The report it
/// finishes is [`audit`]'s of the same accounts in the same order.
pub struct Auditor<'o> {
    options: &'o AuditOptions,
    environments: Vec<String>,
    /// The snapshot's organization block, else the configuration's.
    organization_id: Option<String>,
    keep_networks: bool,
    findings: Vec<Finding>,
    networks: Vec<crate::network::Network>,
    scope: AssessedScope,
}

impl<'o> Auditor<'o> {
    /// An audit of the accounts of the organization `organization` (the
    /// snapshot's block, where it has one).
    pub fn new(
        options: &'o AuditOptions,
        organization: Option<&ibaudit_snapshot::Organization>,
    ) -> Self {
        let environments = if options.environments.is_empty() {
            vec!["prod".to_string()]
        } else {
            options.environments.clone()
        };
        Auditor {
            options,
            environments,
            organization_id: organization
                .map(|o| o.id.clone())
                .or_else(|| options.config.organization_id.clone()),
            keep_networks: true,
            findings: Vec::new(),
            networks: Vec::new(),
            scope: AssessedScope::default(),
        }
    }

    /// Whether the report keeps each VPC's network ([`Report::networks`]),
    /// which only the HTML and Markdown reports draw and ASFF and OCSF
    /// name as related resources: one per VPC of the organization, so a
    /// report without them costs no memory per VPC. Kept unless told.
    pub fn keep_networks(mut self, keep: bool) -> Self {
        self.keep_networks = keep;
        self
    }

    /// Runs every rule over every region of `account`.
    pub fn account(&mut self, account: &Account) {
        let environments = &self.environments[..];
        self.scope.add(account);
        let account_scope = self.scope.accounts.last_mut().expect("just added");
        let findings = &mut self.findings;
        findings.extend(account_not_assessed(account));
        let account_ctx = AccountCtx::new(account);
        for (region, region_scope) in account.regions.iter().zip(account_scope.regions.iter_mut()) {
            let mut ctx = RegionCtx::new(&account_ctx, region, environments);
            ctx.organization_id = self.organization_id.as_deref();
            if self.keep_networks {
                self.networks
                    .extend(crate::network::Network::of_region(&ctx));
            }
            let mut blocked = Vec::new();
            let mut raw: Vec<(&'static RuleMeta, Raw)> = Vec::new();
            for rule in registry() {
                let meta = rule.meta();
                let mut sink = Sink::default();
                if let Err(m) = rule.check(&ctx, &mut sink) {
                    sink.not_assessed(m);
                }
                let (reported, missing) = sink.into_parts();
                blocked.extend(missing.into_iter().map(|m| (meta.id, m)));
                raw.extend(reported.into_iter().map(|f| (meta, f)));
            }
            region_scope.not_assessed = gaps(region, &blocked);
            let na = &not_assessed::META;
            raw.extend(
                not_assessed::findings(region, blocked)
                    .into_iter()
                    .map(|f| (na, f)),
            );
            for (meta, f) in raw {
                debug_assert!(
                    meta.outcomes.iter().any(|o| std::ptr::eq(*o, f.outcome)),
                    "{} reported an outcome it does not declare: {}",
                    meta.id,
                    f.outcome.id
                );
                let rule = meta.id;
                findings.push(Finding {
                    rule,
                    name: meta.name,
                    outcome: f.outcome.id,
                    severity: f.outcome.severity,
                    not_assessed: std::ptr::eq(meta, na),
                    account_id: account.account_id.clone(),
                    account_name: account.account_name.clone(),
                    region: region.region.clone(),
                    resource_type: f.resource.kind.type_name(),
                    resource_name: name_tag(&ctx, f.resource.kind, &f.resource.id),
                    resource_arn: f.resource.arn(
                        &account.partition,
                        &region.region,
                        &account.account_id,
                    ),
                    fingerprint: fingerprint(
                        rule,
                        &account.account_id,
                        &region.region,
                        &f.resource.id,
                        f.key.as_deref(),
                    ),
                    resource_id: f.resource.id,
                    message: f.message,
                    suppressed: None,
                    key: f.key,
                    location: None,
                    introduced: None,
                });
            }
        }
    }

    /// The report of the accounts audited, for a snapshot collected at
    /// `collected_at`.
    ///
    /// Accounts are reported in id order, whatever order they were fed in
    /// (a scan feeds them as they finish): the report of an organization
    /// does not depend on which account answered first.
    pub fn finish(mut self, collected_at: String) -> Report {
        self.scope
            .accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        self.networks
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let mut findings = self.findings;
        sort_and_dedup(&mut findings);
        let notes = self.options.config.apply(&mut findings, self.options.today);
        Report {
            collected_at,
            accounts: self
                .scope
                .accounts
                .iter()
                .map(|a| a.account_id.clone())
                .collect(),
            findings,
            notes,
            scope: Some(self.scope),
            networks: self.networks,
            first_seen: Default::default(),
        }
    }
}

/// The gaps of one region: each (operation, resource) a rule needed and did
/// not get, with the rules it blocked, then each recorded failure no rule
/// read (blocking none).
fn gaps(
    region: &ibaudit_snapshot::RegionSnapshot,
    blocked: &[(&'static str, Missing)],
) -> Vec<Gap> {
    let mut out: Vec<Gap> = Vec::new();
    for (rule, m) in blocked {
        let op = m.operation.name();
        match out
            .iter_mut()
            .find(|g| g.operation == op && g.resource == m.resource)
        {
            Some(g) => {
                if g.code.is_none() {
                    g.code.clone_from(&m.code);
                }
                if !g.rules.iter().any(|r| r == rule) {
                    g.rules.push(rule.to_string());
                }
            }
            None => out.push(Gap {
                operation: op.to_string(),
                resource: m.resource.clone(),
                code: m.code.clone(),
                rules: vec![rule.to_string()],
            }),
        }
    }
    for e in &region.errors {
        if !out
            .iter()
            .any(|g| g.operation == e.operation && g.resource == e.resource)
        {
            out.push(Gap {
                operation: e.operation.clone(),
                resource: e.resource.clone(),
                code: Some(e.code.clone()),
                rules: Vec::new(),
            });
        }
    }
    for g in &mut out {
        g.rules.sort_unstable();
    }
    out.sort_by(|a, b| (&a.operation, &a.resource).cmp(&(&b.operation, &b.resource)));
    out
}

/// The `Name` tag of the endpoint, VPC, subnet or security group a finding
/// is about, where it has one and it is not empty (EC2 CreateTags: "if you
/// don't want the tag to have a value, specify the parameter with no value,
/// and we set the value to an empty string"). Looked up in the region's
/// indexes, by the finding's kind of resource.
fn name_tag(ctx: &RegionCtx, kind: ResourceKind, id: &str) -> Option<String> {
    let tags = match kind {
        ResourceKind::VpcEndpoint => &ctx.endpoint(id)?.tags,
        ResourceKind::Vpc => &ctx.vpc(id).ok()?.tags,
        ResourceKind::Subnet => &ctx.subnet(id).ok()?.tags,
        ResourceKind::SecurityGroup => &ctx.security_group(id).ok()?.tags,
        ResourceKind::InfrastructureConfiguration
        | ResourceKind::Trail
        | ResourceKind::Region
        | ResourceKind::Account => return None,
    };
    tags.iter()
        .find(|t| t.key == "Name" && !t.value.is_empty())
        .map(|t| t.value.to_string())
}
