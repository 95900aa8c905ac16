//! `ibaudit iac`: Terraform plans and CloudFormation templates audited with
//! the same rules, each finding pointing at the file and line that causes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ibaudit_iac::build::{build, BuildOptions, Built};
use ibaudit_iac::ir::{IacModel, InputGap, Origin, SourceKind};
use ibaudit_iac::{cfn, terraform};
use ibaudit_rules::{
    audit, fingerprint, sort_and_dedup, Finding, Location, RelatedLocation, Report, ResourceKind,
    Severity,
};

use crate::args::IacArgs;
use crate::commands::{load_config, options_for, read_baseline, write_reports, ReportExtras};
use crate::output::diag;

/// The account used when neither `--account-id` nor a snapshot names one.
const UNKNOWN_ACCOUNT: &str = "000000000000";

/// How a path is shown: relative, `/`-separated, no leading `./`.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// The files to read, and whether each was named (else found in a directory).
fn inputs(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("{}: cannot read the directory", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(
                                e.to_ascii_lowercase().as_str(),
                                "json" | "yaml" | "yml" | "template"
                            )
                        })
                })
                .collect();
            found.sort();
            if found.is_empty() {
                bail!(
                    "{}: no .json, .yaml, .yml or .template file in this directory",
                    p.display()
                );
            }
            out.extend(found.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    Ok(out)
}

fn merge_models(into: &mut IacModel, from: IacModel) {
    for r in from.regions {
        match into
            .regions
            .iter_mut()
            .find(|x| x.region == r.region && x.variant == r.variant)
        {
            Some(x) => x.resources.extend(r.resources),
            None => into.regions.push(r),
        }
    }
    into.deleted.extend(from.deleted);
    into.not_assessed.extend(from.not_assessed);
    into.notes.extend(from.notes);
}

/// Findings across regions: (rule, resource, key with the region made
/// generic, variant) -> the finding and the regions it holds in.
type Grouped = BTreeMap<(String, String, String, Option<String>), (Finding, BTreeSet<String>)>;

/// A static name for an IaC type (the finding's `resource_type`).
fn static_type(t: &str) -> &'static str {
    const CFN: &[&str] = &[
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::RouteTable",
        "AWS::EC2::Route",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::GatewayRouteTableAssociation",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::VPCEndpoint",
        "AWS::EC2::PrefixList",
        "AWS::CloudTrail::Trail",
        "AWS::ImageBuilder::InfrastructureConfiguration",
    ];
    terraform::TYPES
        .iter()
        .chain(CFN)
        .find(|x| **x == t)
        .copied()
        .unwrap_or("IaC::Resource")
}

/// The attribute a rule's verdict rests on, by IaC language: the line a
/// finding points at.
fn attribute_of(rule: &str, kind: SourceKind, iac_type: &str) -> Option<&'static str> {
    let tf = kind == SourceKind::Terraform;
    Some(match (rule, iac_type) {
        ("IB002", _) => {
            if tf {
                "private_dns_enabled"
            } else {
                "PrivateDnsEnabled"
            }
        }
        ("IB003", _) => {
            if tf {
                "enable_dns_hostnames"
            } else {
                "EnableDnsHostnames"
            }
        }
        ("IB005", _) => {
            if tf {
                "security_group_ids"
            } else {
                "SecurityGroupIds"
            }
        }
        ("IB006", _) => {
            if tf {
                "subnet_ids"
            } else {
                "SubnetIds"
            }
        }
        ("IB010" | "IB011" | "IB013" | "IB020" | "IB030" | "IB031", _) => {
            if tf {
                "policy"
            } else {
                "PolicyDocument"
            }
        }
        ("IB021", _) => {
            if tf {
                "enable_logging"
            } else {
                "IsLogging"
            }
        }
        ("IB001" | "IB012" | "IB014", t) if t.contains("nfrastructure") => {
            if tf {
                "subnet_id"
            } else {
                "SubnetId"
            }
        }
        _ => return None,
    })
}

fn location_of(origin: &Origin, attribute: Option<&str>) -> Location {
    let at = match attribute {
        Some(a) => origin.attribute(a),
        None => &origin.location,
    };
    Location {
        file: at.file.clone(),
        line: at.line,
        column: at.column,
        address: (origin.kind == SourceKind::Terraform).then(|| origin.key.clone()),
        logical_id: (origin.kind == SourceKind::CloudFormation).then(|| origin.key.clone()),
        in_source: origin.in_source,
        related: origin
            .related
            .iter()
            .map(|(label, l)| RelatedLocation {
                label: label.clone(),
                file: l.file.clone(),
                line: l.line,
                column: l.column,
            })
            .collect(),
    }
}

/// The IB900 tail naming the rules a gap blocked (`not assessed: IB005`).
fn blocked_rules(message: &str) -> &str {
    match message.rfind("; not assessed: ") {
        Some(i) => &message[i + 2..],
        None => "not assessed",
    }
}

/// The resource id a finding is about, without IB900's `region/` prefix.
fn subject(f: &Finding) -> &str {
    if f.resource_type == ResourceKind::Region.type_name() {
        if let Some(rest) = f.resource_id.strip_prefix(&format!("{}/", f.region)) {
            return rest;
        }
    }
    &f.resource_id
}

/// A finding of an audited variant, placed at its declaration.
/// A drawing of the change names each resource by its address or logical
/// id, which is what its reviewer knows.
fn label_network(
    mut n: ibaudit_rules::network::Network,
    built: &Built,
) -> ibaudit_rules::network::Network {
    let label = |id: &str, name: &mut Option<String>| {
        if let Some(o) = built.origins.get(id) {
            *name = Some(o.key.clone());
        }
    };
    label(&n.vpc_id.clone(), &mut n.vpc_name);
    for s in &mut n.subnets {
        label(&s.id, &mut s.name);
    }
    for e in &mut n.endpoints {
        label(&e.id, &mut e.name);
    }
    n
}

fn place(f: &mut Finding, built: &Built, has_base: bool) {
    let id = subject(f).to_string();
    let Some(origin) = built.origins.get(&id) else {
        // A resource of the collected account, or one the files refer to
        // but do not declare.
        if f.is_not_assessed() && !has_base {
            let what = if id == f.region {
                // A whole operation absent: what the files do not declare.
                let op = f.key.clone().unwrap_or_default();
                f.resource_id = op.clone();
                match op.as_str() {
                    "DescribeTrails" => "the account's CloudTrail trails are".to_string(),
                    "" => "the account's data is".to_string(),
                    op => format!("what {op} returns is"),
                }
            } else {
                format!("{id} is")
            };
            f.message = format!(
                "{what} outside the files (pass --snapshot with the account's collected snapshot to judge it); {}",
                blocked_rules(&f.message)
            );
            f.key = Some(format!("outside:{what}"));
        }
        return;
    };
    let placeholder = built.placeholder_attribute.get(&id);
    if f.is_not_assessed() {
        let mut reasons = built.unknowns.get(&id).cloned().unwrap_or_default();
        if reasons.is_empty() {
            reasons.push(format!("the data for {} is not known", origin.key));
        }
        let reasons = reasons.join("; ");
        f.message = format!("{reasons}; {}", blocked_rules(&f.message));
        // One gap, one finding, whichever operations it blocked.
        f.key = Some(format!("unknown:{reasons}"));
    } else if !has_base && f.rule == "IB021" {
        // Without the account's snapshot, other trails may log.
        f.not_assessed = true;
        f.severity = Severity::High;
        f.message = format!(
            "{}; other trails of the account are outside the files (pass --snapshot to judge the region): not assessed: IB021",
            f.message
        );
    }
    let attribute = placeholder
        .map(|a| a.split(['.', '[']).next().unwrap_or(a))
        .or_else(|| attribute_of(f.rule, origin.kind, &origin.iac_type));
    f.location = Some(location_of(origin, attribute));
    f.resource_type = static_type(&origin.iac_type);
    f.resource_id = origin.key.clone();
    f.resource_arn = None;
}

/// Two IB900 messages about one gap, with the union of the rules they block.
fn merge_blocked(a: &str, b: &str) -> String {
    let head = match a.rfind("; not assessed: ") {
        Some(i) => &a[..i],
        None => return a.to_string(),
    };
    let mut rules: BTreeSet<&str> = BTreeSet::new();
    for m in [a, b] {
        if let Some(i) = m.rfind("; not assessed: ") {
            rules.extend(m[i + 16..].split(", ").filter(|r| !r.is_empty()));
        }
    }
    format!(
        "{head}; not assessed: {}",
        rules.into_iter().collect::<Vec<_>>().join(", ")
    )
}

fn gap_finding(gap: &InputGap, account: &str, region: &str) -> Finding {
    let key = gap.message.clone();
    let resource = gap
        .origin
        .as_ref()
        .map(|o| o.key.clone())
        .unwrap_or_else(|| "input".to_string());
    Finding {
        rule: "IB900",
        name: "not-assessed",
        outcome: "not-assessed",
        severity: Severity::High,
        account_id: account.to_string(),
        account_name: None,
        region: gap.region.clone().unwrap_or_else(|| region.to_string()),
        resource_type: gap
            .origin
            .as_ref()
            .map(|o| static_type(&o.iac_type))
            .unwrap_or("IaC::Input"),
        resource_id: resource.clone(),
        resource_arn: None,
        resource_name: None,
        message: format!("{}; not assessed: every rule it touches", gap.message),
        fingerprint: fingerprint("IB900", "iac", "", &resource, Some(&key)),
        suppressed: None,
        not_assessed: true,
        key: Some(key),
        location: gap.origin.as_ref().map(|o| location_of(o, None)),
        introduced: None,
    }
}

pub fn run_iac(args: IacArgs) -> Result<u8> {
    let config = load_config(&args.output)?;
    let baseline = match &args.output.baseline {
        Some(path) => Some(read_baseline(path)?.fingerprints),
        None => None,
    };
    if let Some(a) = &args.account_id {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--account-id `{a}` is not an account id (12 digits)");
        }
    }
    let base = match &args.snapshot {
        Some(p) => Some(ibaudit_snapshot::load(p)?),
        None => None,
    };
    let account = match (&args.account_id, &base) {
        (Some(a), _) => a.clone(),
        (None, Some(s)) if s.accounts.len() == 1 => s.accounts[0].account_id.clone(),
        (None, Some(s)) if s.accounts.is_empty() => bail!(
            "{}: the snapshot holds no account",
            args.snapshot.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
        ),
        (None, Some(_)) => bail!(
            "{}: the snapshot holds several accounts: say which one the change is deployed to with --account-id",
            args.snapshot.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
        ),
        (None, None) => UNKNOWN_ACCOUNT.to_string(),
    };
    let partition = base
        .as_ref()
        .and_then(|s| s.accounts.iter().find(|a| a.account_id == account))
        .map(|a| a.partition.clone())
        .unwrap_or_else(|| "aws".to_string());
    let mut parameters = Vec::new();
    if let Some(p) = &args.parameters_file {
        let bytes = std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
        parameters.extend(cfn::parse_parameters_file(&bytes, &display(p))?);
    }
    parameters.extend(args.parameters.iter().cloned());
    let source_root = args.source_root.as_ref().map(|p| (p.clone(), display(p)));
    if let Some((root, _)) = &source_root {
        if !root.is_dir() {
            bail!("--source-root {}: not a directory", root.display());
        }
    }

    let mut model = IacModel::default();
    let files = inputs(&args.paths)?;
    let mut read_any = false;
    for (path, named) in &files {
        let bytes =
            std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let shown = display(path);
        let read = if terraform::looks_like_plan(&bytes) {
            let root = source_root.as_ref().map(|(p, d)| (p.as_path(), d.as_str()));
            terraform::read_plan(
                &bytes,
                &terraform::PlanOptions {
                    display: &shown,
                    regions: &args.regions,
                    source_root: root,
                },
            )?
        } else if cfn::looks_like_template(&bytes) {
            cfn::read_template(
                &bytes,
                &shown,
                &cfn::CfnOptions {
                    parameters: &parameters,
                    regions: &args.regions,
                    account_id: (account != UNKNOWN_ACCOUNT).then_some(account.as_str()),
                    partition: &partition,
                },
            )?
        } else if !named {
            // A parameters file or other data beside the templates.
            if !args.output.quiet {
                diag!("ibaudit: note: {shown}: neither a plan nor a template; skipped");
            }
            continue;
        } else {
            bail!(
                "{shown}: neither a Terraform JSON plan (`terraform show -json plan.out`) nor a CloudFormation template (a `Resources` mapping)"
            );
        };
        read_any = true;
        merge_models(&mut model, read);
    }
    if !read_any {
        bail!(
            "no Terraform JSON plan or CloudFormation template in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if account == UNKNOWN_ACCOUNT && !args.output.quiet {
        diag!(
            "ibaudit: note: no --account-id or --snapshot: the account is shown as {UNKNOWN_ACCOUNT}"
        );
    }
    for note in &model.notes {
        if !args.output.quiet {
            diag!("ibaudit: note: {note}");
        }
    }
    if !args.output.quiet
        && source_root.is_none()
        && model.regions.iter().any(|r| {
            r.resources
                .iter()
                .any(|x| x.origin.kind == SourceKind::Terraform)
        })
    {
        diag!("ibaudit: note: no --source-root: findings point at the plan JSON's entries, not the .tf source");
    }

    let collected_at = base
        .as_ref()
        .map(|s| s.collected_at.clone())
        .unwrap_or_else(now_rfc3339);
    let built = build(
        &model,
        &BuildOptions {
            account_id: &account,
            partition: &partition,
            base: base.as_ref(),
            collected_at: collected_at.clone(),
        },
    );
    // The IR is in the snapshot now: freed before the audit.
    model.regions = Vec::new();
    let options = options_for(config, &args.output.environments);
    let has_base = base.is_some();
    // The account as it is: what the change fixes and what it leaves.
    let before: Option<Report> = base.as_ref().map(|s| audit(s, &options));
    let before_prints: BTreeSet<String> = before
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.fingerprint.clone()))
        .collect();

    let total_regions: BTreeSet<String> = built
        .variants
        .iter()
        .flat_map(|v| v.snapshot.accounts.iter())
        .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
        .collect();
    let mut after_prints: BTreeSet<String> = BTreeSet::new();
    // Findings grouped across regions: (rule, resource, key with the region
    // made generic) -> the finding and the regions it holds in.
    let mut grouped: Grouped = BTreeMap::new();
    let mut notes = Vec::new();
    let mut networks: Vec<ibaudit_rules::network::Network> = Vec::new();
    let mut scope: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in &built.variants {
        let mut report = audit(&v.snapshot, &options);
        // One drawing per VPC: the first region and variant that has it.
        for n in std::mem::take(&mut report.networks) {
            if !networks.iter().any(|m| m.vpc_id == n.vpc_id) {
                networks.push(label_network(n, &built));
            }
        }
        notes.extend(report.notes.iter().cloned());
        for (a, r) in ibaudit_report::sarif::scope_of(&v.snapshot) {
            scope.entry(a).or_default().extend(r);
        }
        for mut f in report.findings {
            after_prints.insert(f.fingerprint.clone());
            if has_base {
                f.introduced = Some(!before_prints.contains(&f.fingerprint));
            }
            let region = f.region.clone();
            place(&mut f, &built, has_base);
            let generic = |s: &str| s.replace(&region, "{region}");
            let key = (
                f.rule.to_string(),
                f.resource_id.clone(),
                generic(f.key.as_deref().unwrap_or("")),
                v.label.clone(),
            );
            let entry = grouped
                .entry(key)
                .or_insert_with(|| (f.clone(), BTreeSet::new()));
            if f.is_not_assessed() && entry.0.message != f.message {
                entry.0.message = merge_blocked(&entry.0.message, &f.message);
            }
            entry.1.insert(region);
        }
    }
    let mut findings = Vec::new();
    for ((rule, resource, key, variant), (mut f, regions)) in grouped {
        if let Some(v) = &variant {
            f.message = format!("{} [{v}]", f.message);
        }
        if f.location.is_some() || !has_base {
            let scope_key = format!("{key}|{}", variant.unwrap_or_default());
            f.fingerprint = fingerprint(&rule, "iac", "", &resource, Some(&scope_key));
            if regions.len() > 1 {
                let list: Vec<&str> = regions.iter().map(String::as_str).collect();
                f.region = if regions.len() == total_regions.len() && regions.len() > 3 {
                    "*".to_string()
                } else {
                    list.join(",")
                };
                f.message = format!(
                    "{} (holds in {} of {} regions evaluated{})",
                    f.message,
                    regions.len(),
                    total_regions.len(),
                    if regions.len() <= 3 {
                        String::new()
                    } else {
                        format!(": {}", list.join(", "))
                    }
                );
            }
        }
        findings.push(f);
    }
    let default_region = total_regions
        .iter()
        .next()
        .cloned()
        .unwrap_or_else(|| "*".to_string());
    for gap in model.not_assessed.iter().chain(&built.gaps) {
        findings.push(gap_finding(gap, &account, &default_region));
    }
    sort_and_dedup(&mut findings);
    let fixed: Vec<Finding> = before
        .map(|r| {
            r.findings
                .into_iter()
                .filter(|f| !after_prints.contains(&f.fingerprint) && !f.is_not_assessed())
                .collect()
        })
        .unwrap_or_default();
    if scope.is_empty() {
        scope.insert(account.clone(), BTreeSet::new());
    }
    let mut seen = std::collections::HashSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    let report = Report {
        collected_at,
        accounts: vec![account.clone()],
        findings,
        notes,
        // Nothing deployed was assessed: no absence here means "fixed".
        scope: None,
        networks,
        first_seen: Default::default(),
    };
    write_reports(
        &report,
        scope,
        &args.output,
        baseline.as_ref(),
        &ReportExtras {
            sarif_category: Some("ibaudit-iac".to_string()),
            count_introduced_only: has_base,
            fixed,
        },
    )
}

/// Now, RFC 3339 UTC, to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
