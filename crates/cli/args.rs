use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit the interface VPC endpoints that EC2 Image Builder uses, and the S3
/// access and logging they depend on, against what AWS documents.
#[derive(Debug, Parser)]
#[command(name = "ibaudit", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read an AWS account with read-only calls and write a snapshot.
    #[cfg(feature = "collector")]
    Collect(CollectArgs),
    /// Collect and audit in one step.
    #[cfg(feature = "collector")]
    Scan(ScanArgs),
    /// Audit a snapshot offline: no AWS credentials needed.
    Audit(AuditArgs),
    /// Audit Terraform JSON plans and CloudFormation templates before they
    /// are deployed, with the same rules; findings point at the lines.
    Iac(IacArgs),
    /// New, fixed and unchanged findings between two JSON reports or two snapshots.
    Diff(DiffArgs),
    /// Combine snapshots of different accounts, or of different regions of
    /// one account (the shards of an organization), into one.
    Merge(MergeArgs),
    /// List the rules, one line each.
    Rules,
    /// Send findings to AWS Security Hub (the only command that writes to AWS).
    #[cfg(feature = "collector")]
    #[command(subcommand)]
    Securityhub(SecurityhubCommand),
    /// Print a rule's full documentation.
    Explain {
        /// A rule id such as IB010.
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier JSON report or snapshot.
    pub old: PathBuf,
    /// The later JSON report or snapshot (both of one kind; snapshots are
    /// audited with the same options).
    pub new: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to FILE (repeatable), e.g. markdown=diff.md.
    #[arg(long = "output", value_name = "FORMAT=FILE", value_parser = parse_diff_output)]
    pub outputs: Vec<(DiffFormat, PathBuf)>,
    /// Exit 1 when a new finding is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// AWSTOE bucket environment, when auditing snapshots (repeatable; default prod).
    #[arg(long = "environment", value_name = "ENV", value_parser = parse_environment)]
    pub environments: Vec<String>,
    /// TOML config (environments and suppressions), when auditing snapshots.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print less on standard error.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more on standard error.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

fn parse_diff_output(s: &str) -> Result<(DiffFormat, PathBuf), String> {
    format_and_file(
        s,
        "markdown=diff.md",
        "a diff format: table, json or markdown",
    )
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The snapshot file (`-` for standard input).
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The snapshot files (`-` for standard input, once).
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub snapshots: Vec<PathBuf>,
    /// Where to write the merged snapshot (atomically); default standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print nothing on standard error unless something is wrong.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Which account, regions and endpoint to read.
#[cfg(feature = "collector")]
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// A named profile from the AWS config files (else AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A region to collect (repeatable; default: the configured region).
    #[arg(long = "region", value_name = "REGION", conflicts_with = "all_regions")]
    pub regions: Vec<String>,
    /// Every region enabled for the account.
    #[arg(long)]
    pub all_regions: bool,
    /// Send every AWS call to this URL (a local emulator).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS calls in flight at once, across all regions.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Read only shard I of N of the accounts (1 <= I <= N), chosen by a
    /// stable hash of the account id: N machines split an organization with
    /// no coordination, and `ibaudit merge` joins their snapshots.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<ibaudit_snapshot::Shard>,
    /// Stop after this long (e.g. 45m, 30s, 1h30m): nothing new starts, what
    /// was not read is recorded as not assessed (exit 3), the snapshot is written.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_duration: Option<std::time::Duration>,
    /// Every ACTIVE account of the organization (Organizations ListAccounts,
    /// from the management account or a delegated administrator).
    #[arg(long)]
    pub org: bool,
    /// Only these accounts: comma-separated ids, or @FILE with one id per
    /// line and `#` comments (with --org: only these of the organization).
    #[arg(long, value_name = "LIST", value_parser = parse_account_list)]
    pub accounts: Option<AccountList>,
    /// Never these accounts (comma-separated ids, or @FILE).
    #[arg(long, value_name = "LIST", value_parser = parse_account_list)]
    pub exclude_accounts: Option<AccountList>,
    /// The role assumed in every account but the caller's:
    /// arn:<partition>:iam::<id>:role/NAME.
    #[arg(long, value_name = "NAME", default_value = "ibaudit-audit", value_parser = parse_role_name)]
    pub role_name: String,
    /// The external id the role's trust policy asks for (sts:ExternalId).
    #[arg(long, value_name = "ID", value_parser = parse_external_id)]
    pub external_id: Option<String>,
    /// The session name of each assumed role (it shows in CloudTrail).
    #[arg(long, value_name = "NAME", default_value = "ibaudit", value_parser = parse_session_name)]
    pub role_session_name: String,
    /// Accounts read at once (--concurrency still bounds the calls in flight).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub account_concurrency: u16,
}

#[cfg(feature = "collector")]
impl ScopeArgs {
    /// Whether this run reads accounts other than (or a shard of) the caller's.
    pub fn many_accounts(&self) -> bool {
        self.org
            || self.accounts.is_some()
            || self.exclude_accounts.is_some()
            || self.shard.is_some()
    }
}

/// Account ids from `--accounts` / `--exclude-accounts`, in the order given.
#[cfg(feature = "collector")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountList(pub Vec<String>);

/// Comma-separated 12-digit account ids, or `@FILE` with one id per line and
/// `#` comments.
#[cfg(feature = "collector")]
pub fn parse_account_list(s: &str) -> Result<AccountList, String> {
    let (text, source) = match s.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            Some(path),
        ),
        None => (s.to_string(), None),
    };
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        for id in line.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                let at = source
                    .map(|p| format!(" ({p}, line {})", n + 1))
                    .unwrap_or_default();
                return Err(format!(
                    "`{}` is not an account id (twelve digits){at}",
                    id.escape_default()
                ));
            }
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_string());
            }
        }
    }
    if ids.is_empty() {
        return Err(match source {
            Some(p) => format!("{p} lists no account id"),
            None => "no account id given".to_string(),
        });
    }
    Ok(AccountList(ids))
}

#[cfg(feature = "collector")]
fn iam_chars(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b) || extra.contains(&b))
}

#[cfg(feature = "collector")]
/// IAM: "alphanumeric characters ... and the following characters: _+=,.@-",
/// up to 64, optionally after a path.
fn parse_role_name(s: &str) -> Result<String, String> {
    let name = s.rsplit('/').next().unwrap_or_default();
    if !name.is_empty()
        && name.len() <= 64
        && s.len() <= 576
        && iam_chars(s, b"/")
        && !s.starts_with('/')
    {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{}` is not an IAM role name (1 to 64 of A-Z a-z 0-9 _+=,.@-, after an optional path)",
            s.escape_default()
        ))
    }
}

#[cfg(feature = "collector")]
/// STS: RoleSessionName is 2 to 64 of `[\w+=,.@-]`.
fn parse_session_name(s: &str) -> Result<String, String> {
    if (2..=64).contains(&s.len()) && iam_chars(s, b"") {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{}` is not a role session name (2 to 64 of A-Z a-z 0-9 _+=,.@-)",
            s.escape_default()
        ))
    }
}

#[cfg(feature = "collector")]
/// STS: ExternalId is 2 to 1224 of `[\w+=,.@:/-]`.
fn parse_external_id(s: &str) -> Result<String, String> {
    if (2..=1224).contains(&s.len()) && iam_chars(s, b":/") {
        Ok(s.to_string())
    } else {
        Err("the external id is not 2 to 1224 of A-Z a-z 0-9 _+=,.@:/-".to_string())
    }
}

#[cfg(feature = "collector")]
#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Where to write the snapshot (atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Print less on standard error.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more on standard error (the calls made).
    #[arg(short, long)]
    pub verbose: bool,
}

#[cfg(feature = "collector")]
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write the collected snapshot here (atomically).
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// After the reports are written, import the findings into AWS Security
    /// Hub in each finding's own account and region, and archive the ones
    /// this scan no longer reports (see `ibaudit securityhub import`).
    #[arg(long)]
    pub security_hub: bool,
    /// With --security-hub: read what is in Security Hub and say what would
    /// be imported and archived, sending nothing.
    #[arg(long, requires = "security_hub")]
    pub security_hub_dry_run: bool,
    #[command(flatten)]
    pub hub: SecurityHubArgs,
}

/// How findings reach the accounts other than the caller's.
#[cfg(feature = "collector")]
#[derive(Debug, Args)]
pub struct SecurityHubArgs {
    /// The role assumed in every account but the caller's to import its
    /// findings (iam/ibaudit-securityhub-policy.json):
    /// arn:<partition>:iam::<id>:role/NAME.
    #[arg(long, value_name = "NAME", default_value = "ibaudit-securityhub", value_parser = parse_role_name)]
    pub security_hub_role_name: String,
    /// The external id that role's trust policy asks for.
    #[arg(long, value_name = "ID", value_parser = parse_external_id)]
    pub security_hub_external_id: Option<String>,
}

#[cfg(feature = "collector")]
#[derive(Debug, Subcommand)]
pub enum SecurityhubCommand {
    /// Import a JSON report's findings (`--format json`) into Security Hub,
    /// each in its own account and region, and archive the ibaudit findings
    /// there that the report no longer holds, where it assessed them.
    Import(SecurityhubImportArgs),
}

#[cfg(feature = "collector")]
#[derive(Debug, Args)]
pub struct SecurityhubImportArgs {
    /// A JSON report (`ibaudit audit|scan --format json`), or `-`.
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    /// Read what is in Security Hub and print (as JSON, on standard output)
    /// what would be imported and archived; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A named profile from the AWS config files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region for STS (default: the configured one).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this URL (a local emulator).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Account-regions imported at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub hub: SecurityHubArgs,
    /// Print only failures on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IacArgs {
    /// Terraform JSON plans (`terraform show -json plan.out`) and
    /// CloudFormation templates (YAML or JSON); a directory stands for the
    /// `.json`, `.yaml`, `.yml` and `.template` files in it.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The Terraform root module's directory: findings point at the `.tf`
    /// block and attribute that set the value, through module calls.
    #[arg(long, value_name = "DIR")]
    pub source_root: Option<PathBuf>,
    /// A CloudFormation parameter value (repeatable; wins over the file).
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub parameters: Vec<(String, String)>,
    /// CloudFormation parameters: `[{"ParameterKey": ..., "ParameterValue": ...}]` or KEY=VALUE lines.
    #[arg(long, value_name = "FILE")]
    pub parameters_file: Option<PathBuf>,
    /// A region to evaluate in (repeatable): a template's `AWS::Region`, a
    /// plan's resources whose provider names no region. Default for a
    /// template: every region of the partition.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// The account the change is deployed to (12 digits).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// A collected snapshot of the account: the change is applied onto it,
    /// and each finding says whether the change introduces it.
    #[arg(long, value_name = "LIVE.json")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to FILE (repeatable), e.g. sarif=ibaudit.sarif.
    #[arg(long = "output", value_name = "FORMAT=FILE", value_parser = parse_output)]
    pub outputs: Vec<(Format, PathBuf)>,
    /// Only findings absent from this earlier JSON report count toward --fail-on.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// The first part of every SARIF category (automationDetails.id):
    /// ID/<account>/<regions>/; default ibaudit.
    #[arg(long, value_name = "ID", value_parser = parse_category)]
    pub sarif_category: Option<String>,
    /// Keep suppressed findings in SARIF, marked with `suppressions`
    /// (GitHub does not honour them: they would arrive as open alerts).
    #[arg(long)]
    pub sarif_include_suppressed: bool,
    /// Exit 1 when a finding is at or above this severity (`none`: never).
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// AWSTOE bucket environment to check (repeatable; default prod).
    #[arg(long = "environment", value_name = "ENV", value_parser = parse_environment)]
    pub environments: Vec<String>,
    /// TOML config: environments and suppressions.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to colour the table (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print less on standard error (warnings only).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more on standard error.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
    /// AWS Security Finding Format: a Security Hub `BatchImportFindings` body.
    Asff,
    /// OCSF 1.5.0 Compliance Finding events, as a JSON array.
    Ocsf,
    /// OCSF 1.5.0 Compliance Finding events, one per line.
    OcsfJsonl,
    /// One self-contained HTML page: summary, findings, each VPC's path drawn.
    Html,
}

fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    format_and_file(
        s,
        "sarif=ibaudit.sarif",
        "a format: table, json, sarif, markdown, asff, ocsf, ocsf-jsonl or html",
    )
}

/// `FORMAT=FILE`, for the repeatable report options; `example` shows the
/// form, `what` names the formats accepted.
fn format_and_file<F: ValueEnum>(
    s: &str,
    example: &str,
    what: &str,
) -> Result<(F, PathBuf), String> {
    let Some((format, file)) = s.split_once('=') else {
        return Err(format!(
            "`{s}` is not FORMAT=FILE (e.g. {example}); -o FILE names the main report's file"
        ));
    };
    let format = F::from_str(format, true).map_err(|_| format!("`{format}` is not {what}"))?;
    if file.is_empty() {
        return Err(format!("`{s}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

fn parse_category(s: &str) -> Result<String, String> {
    let trimmed = s.trim_matches('/');
    if !trimmed.is_empty()
        && trimmed.len() <= 128
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:+@".contains(&b))
    {
        Ok(trimmed.to_string())
    } else {
        Err(format!(
            "`{s}` is not a category: 1 to 128 letters, digits and - _ . / : + @"
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<ibaudit_rules::Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FailOn(None));
    }
    s.parse()
        .map(|sev| FailOn(Some(sev)))
        .map_err(|e: String| format!("{e}, or none"))
}

fn parse_environment(s: &str) -> Result<String, String> {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not an environment name such as prod, preprod or beta"
        ))
    }
}

#[cfg(all(test, feature = "collector"))]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, secs) in [
            ("45m", 2700),
            ("30s", 30),
            ("1h30m", 5400),
            ("2h", 7200),
            ("1m30s", 90),
            ("1h0m5s", 3605),
            ("8784h", 8784 * 3600),
            ("90s", 90),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
        for text in [
            "",
            "45",
            "m",
            "0s",
            "0h0m",
            "1.5m",
            "-1s",
            "1d",
            "30s5m",
            "1m1m",
            "1 m",
            "5ms",
            "99999999999999999999h",
            "5124095576030432h",
            "8785h",
        ] {
            assert!(parse_duration(text).is_err(), "{text} should be refused");
        }
    }
}

/// `45m`, `30s`, `1h30m`, `90s`: whole numbers, each followed by `h`, `m` or
/// `s`, largest unit first, each unit at most once.
#[cfg(feature = "collector")]
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || {
        format!(
            "`{text}` is not a duration such as 45m, 30s or 1h30m (whole numbers with h, m or s)"
        )
    };
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = u64::MAX;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        if digits.is_empty() || unit >= last_unit {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
        digits.clear();
        last_unit = unit;
    }
    if !digits.is_empty() || last_unit == u64::MAX {
        return Err(bad());
    }
    if total == 0 {
        return Err(format!("`{text}`: the duration must be more than zero"));
    }
    // Beyond a year a deadline means nothing, and timers cannot hold it.
    if total > 366 * 24 * 3600 {
        return Err(format!("`{text}`: at most 8784h (a year)"));
    }
    Ok(std::time::Duration::from_secs(total))
}
