//! Terraform JSON plans (`terraform show -json plan.out`) read into the IR,
//! following HashiCorp's "JSON Output Format" page
//! (developer.hashicorp.com/terraform/internals/json-format).
//!
//! - "The output ... includes a `format_version` key ... changes that are
//!   backward compatible will increment the minor version": majors 0 and 1
//!   are read, unknown properties ignored ("consumers should ignore any
//!   unrecognized properties"); other majors are refused.
//! - `resource_changes`: "Description of the changes that will be made to
//!   each resource instance", each with its full `address` ("including
//!   module and instance keys") and `change.actions`, one of `["no-op"]`,
//!   `["create"]`, `["read"]`, `["update"]`, `["delete", "create"]`,
//!   `["create", "delete"]`, `["delete"]`, `["forget"]`. A delete is gone;
//!   a no-op still exists; a forget leaves the object in the account.
//! - `change.after_unknown`: "An object value with similar structure to
//!   after, but with all unknown leaf values replaced with true".
//! - `configuration`: each resource's `expressions.<attr>.references`
//!   ("a list of references ... for anything that isn't a constant"),
//!   resolved here for values known only after apply.
//! - `errored`, `complete: false` and `deferred_changes` make what they
//!   touch not assessed.

pub mod hcl;

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ir::*;
use crate::position::LineIndex;
use crate::IacError;

/// How to read a plan.
pub struct PlanOptions<'a> {
    /// The file name to report.
    pub display: &'a str,
    /// `--region`: the region of resources whose provider names none.
    pub regions: &'a [String],
    /// `--source-root`: the root module's directory, and how to print it.
    pub source_root: Option<(&'a Path, &'a str)>,
}

#[derive(Deserialize)]
struct PlanDoc<'a> {
    format_version: Option<Value>,
    #[serde(borrow, default)]
    resource_changes: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    configuration: Option<Value>,
    #[serde(borrow, default)]
    prior_state: Option<&'a RawValue>,
    #[serde(borrow, default)]
    planned_values: Option<&'a RawValue>,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default)]
    errored: Option<bool>,
    #[serde(default)]
    complete: Option<bool>,
    #[serde(borrow, default)]
    deferred_changes: Option<Vec<&'a RawValue>>,
    /// Present in `terraform show -json` of a state, not of a plan.
    #[serde(borrow, default)]
    values: Option<&'a RawValue>,
}

/// Only the type of a `resource_changes` entry: the others are skipped.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResourceChange<'a> {
    address: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    deposed: Option<String>,
    #[serde(borrow)]
    change: Change<'a>,
}

/// The values stay text until the instance is read: a plan holds every
/// attribute of every resource, and parsing them all at once would cost
/// several times the file.
#[derive(Deserialize)]
struct Change<'a> {
    actions: Vec<String>,
    #[serde(borrow, default)]
    before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    after_unknown: Option<&'a RawValue>,
}

/// The `id` of a value, the only attribute read from every instance up front.
#[derive(Deserialize, Default)]
struct IdOnly {
    #[serde(default)]
    id: Option<Value>,
}

#[derive(Deserialize)]
struct DeferredChange {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    resource_change: Option<DeferredResource>,
}

#[derive(Deserialize)]
struct DeferredResource {
    #[serde(default)]
    address: Option<String>,
}

/// The resource types read; everything else is skipped unparsed.
pub const TYPES: &[&str] = &[
    "aws_vpc",
    "aws_default_vpc",
    "aws_subnet",
    "aws_default_subnet",
    "aws_route_table",
    "aws_default_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_policy",
    "aws_vpc_endpoint_route_table_association",
    "aws_vpc_endpoint_subnet_association",
    "aws_vpc_endpoint_security_group_association",
    "aws_vpc_endpoint_private_dns",
    "aws_ec2_managed_prefix_list",
    "aws_prefix_list",
    "aws_cloudtrail",
    "aws_imagebuilder_infrastructure_configuration",
];

/// Whether the bytes look like a plan (for input detection): a JSON object
/// with `format_version` and one of the plan's keys. Cheap: a prefix scan.
pub fn looks_like_plan(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 20)];
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{')
        && text.contains("\"format_version\"")
        && (text.contains("\"resource_changes\"")
            || text.contains("\"planned_values\"")
            || text.contains("\"terraform_version\""))
}

/// One instance in the plan, with what it will look like.
#[derive(Clone)]
struct Instance<'a> {
    address: String,
    ty: String,
    data: bool,
    action: Action,
    /// Parsed only while the instance is read (see [`Change`]), or up
    /// front for the few types whose id depends on their attributes.
    after: Value,
    unknown: Value,
    after_raw: Option<&'a RawValue>,
    unknown_raw: Option<&'a RawValue>,
    /// `after.id`, and whether `after_unknown` marks it unknown.
    id: Option<String>,
    id_unknown: bool,
    /// Byte offset of the plan entry.
    offset: usize,
    /// The module instance prefix (`module.net["a"]`), empty at the root.
    module: String,
    /// The config resource address inside its module (`aws_vpc.main`).
    config_address: String,
    /// The instance key (`0`, `"a"`), as written in the address.
    key: Option<String>,
}

fn err_json(display: &str, e: serde_json::Error) -> IacError {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    IacError::At {
        file: display.to_string(),
        line: e.line() as u32,
        column: e.column() as u32,
        message,
    }
}

/// Reads a plan.
pub fn read_plan(bytes: &[u8], opts: &PlanOptions) -> Result<IacModel, IacError> {
    let display = opts.display;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut doc: PlanDoc = match serde_path_to_error::deserialize(&mut de) {
        Ok(d) => d,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || path == "." {
                return Err(err_json(display, inner));
            }
            let message = inner.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            return Err(IacError::Path {
                file: display.to_string(),
                path,
                message,
            });
        }
    };
    de.end().map_err(|e| err_json(display, e))?;
    let version = match &doc.format_version {
        Some(Value::String(v)) => v.clone(),
        Some(_) => {
            return Err(IacError::Path {
                file: display.into(),
                path: "format_version".into(),
                message: "format_version must be a string such as \"1.2\"".into(),
            })
        }
        None => {
            return Err(IacError::Input {
                file: display.into(),
                message: "not a Terraform JSON plan: no `format_version` (write one with `terraform show -json plan.out > plan.json`)".into(),
            })
        }
    };
    let major = version.split('.').next().unwrap_or("");
    if major != "0" && major != "1" {
        return Err(IacError::Path {
            file: display.into(),
            path: "format_version".into(),
            message: format!(
                "plan format_version {version} is not supported: this version reads majors 0 and 1"
            ),
        });
    }
    if doc.values.is_some() && doc.planned_values.is_none() && doc.resource_changes.is_none() {
        return Err(IacError::Input {
            file: display.into(),
            message: "this is `terraform show -json` of a state, not of a plan: run `terraform plan -out plan.out` and `terraform show -json plan.out`".into(),
        });
    }
    if doc.resource_changes.is_none() && doc.planned_values.is_none() {
        return Err(IacError::Input {
            file: display.into(),
            message: "not a Terraform JSON plan: no `resource_changes` or `planned_values`".into(),
        });
    }
    let lines = LineIndex::new(bytes);
    let base = bytes.as_ptr() as usize;
    let mut model = IacModel::default();
    let config = doc.configuration.take().unwrap_or(Value::Null);
    let sources = match opts.source_root {
        Some((root, root_display)) => Some(hcl::SourceIndex::load(root, root_display, &config)?),
        None => None,
    };
    if doc.errored == Some(true) {
        model.not_assessed.push(InputGap {
            origin: None,
            region: None,
            message: format!(
                "{display}: the plan errored (`errored: true`): Terraform could not plan every change, so what it left out is not assessed"
            ),
        });
    }
    if doc.complete == Some(false) {
        model.not_assessed.push(InputGap {
            origin: None,
            region: None,
            message: format!(
                "{display}: the plan is not complete (`complete: false`): more changes follow this apply, and they are not assessed"
            ),
        });
    }
    for (i, raw) in doc.deferred_changes.iter().flatten().enumerate() {
        let d: DeferredChange = serde_json::from_str(raw.get()).map_err(|e| IacError::Path {
            file: display.into(),
            path: format!("deferred_changes[{i}]"),
            message: e.to_string(),
        })?;
        let address = d
            .resource_change
            .and_then(|r| r.address)
            .unwrap_or_else(|| "a resource".into());
        model.not_assessed.push(InputGap {
            origin: None,
            region: None,
            message: format!(
                "{display}: the change to {address} is deferred ({}): it is not assessed",
                d.reason.unwrap_or_else(|| "no reason given".into())
            ),
        });
    }

    // Every instance of a type that matters. The entries are chosen first so
    // that the instances are allocated once, at their number: a plan of
    // tens of thousands of resources would otherwise grow the vector to
    // twice what it holds while the whole file is still in memory.
    let relevant: Vec<(usize, &RawValue)> = doc
        .resource_changes
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, raw)| match serde_json::from_str::<Head>(raw.get()) {
            Ok(h) => h.ty.is_none_or(|t| TYPES.contains(&t.as_ref())),
            // Read again below for the error's path.
            Err(_) => true,
        })
        .map(|(i, raw)| (i, *raw))
        .collect();
    let mut instances = Vec::with_capacity(relevant.len());
    for (i, raw) in relevant {
        let text = raw.get();
        let rc: ResourceChange = match serde_json::from_str(text) {
            Ok(rc) => rc,
            Err(_) => {
                let mut de = serde_json::Deserializer::from_str(text);
                let e = serde_path_to_error::deserialize::<_, ResourceChange>(&mut de)
                    .err()
                    .expect("the same text fails the same way");
                return Err(IacError::Path {
                    file: display.into(),
                    path: format!("resource_changes[{i}].{}", e.path()),
                    message: strip_at(&e.into_inner().to_string()),
                });
            }
        };
        if !TYPES.contains(&rc.ty.as_str()) {
            continue;
        }
        let offset = text.as_ptr() as usize - base;
        let data = rc.mode.as_deref() == Some("data");
        let acts: Vec<&str> = rc.change.actions.iter().map(String::as_str).collect();
        let action = match acts.as_slice() {
            ["no-op"] | ["read"] => Action::NoOp,
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            ["delete"] => {
                if rc.deposed.is_none() {
                    let before: IdOnly = rc
                        .change
                        .before
                        .map(|b| serde_json::from_str(b.get()).unwrap_or_default())
                        .unwrap_or_default();
                    if let Some(Value::String(id)) = before.id {
                        model.deleted.push((String::new(), id));
                    }
                }
                continue;
            }
            // "forget": removed from the state, left in the account.
            ["forget"] => Action::NoOp,
            other => {
                return Err(IacError::Path {
                    file: display.into(),
                    path: format!("resource_changes[{i}].change.actions"),
                    message: format!("unknown action list {other:?}"),
                })
            }
        };
        if rc.deposed.is_some() {
            continue;
        }
        let after_raw = if acts == ["forget"] {
            rc.change.before
        } else {
            rc.change.after
        };
        let id: IdOnly = after_raw
            .map(|a| serde_json::from_str(a.get()).unwrap_or_default())
            .unwrap_or_default();
        let unknown_id: IdOnly = rc
            .change
            .after_unknown
            .filter(|_| acts != ["forget"])
            .map(|a| serde_json::from_str(a.get()).unwrap_or_default())
            .unwrap_or_default();
        let (module, config_address, key) = split_instance(&rc.address);
        let mut inst = Instance {
            address: rc.address,
            ty: rc.ty,
            data,
            action,
            after: Value::Null,
            unknown: Value::Null,
            after_raw,
            unknown_raw: rc.change.after_unknown.filter(|_| acts != ["forget"]),
            id: match id.id {
                Some(Value::String(s)) if !s.is_empty() => Some(s),
                _ => None,
            },
            id_unknown: unknown_id.id == Some(Value::Bool(true)),
            offset,
            module,
            config_address,
            key,
        };
        if matches!(
            inst.ty.as_str(),
            "aws_default_security_group" | "aws_default_route_table"
        ) {
            inst = parsed(&inst, display, i)?;
        }
        instances.push(inst);
    }
    // Data sources read at plan time are in the prior state.
    if let Some(prior) = doc.prior_state {
        let prior: Value = serde_json::from_str(prior.get()).map_err(|e| err_json(display, e))?;
        let mut stack = vec![prior
            .pointer("/values/root_module")
            .cloned()
            .unwrap_or(Value::Null)];
        while let Some(m) = stack.pop() {
            for r in m
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
                let address = r.get("address").and_then(Value::as_str).unwrap_or("");
                if r.get("mode").and_then(Value::as_str) != Some("data")
                    || !matches!(ty, "aws_prefix_list" | "aws_ec2_managed_prefix_list")
                    || instances.iter().any(|i| i.address == address)
                {
                    continue;
                }
                let (module, config_address, key) = split_instance(address);
                instances.push(Instance {
                    address: address.to_string(),
                    ty: ty.to_string(),
                    data: true,
                    action: Action::NoOp,
                    id: r
                        .pointer("/values/id")
                        .and_then(Value::as_str)
                        .map(String::from),
                    id_unknown: false,
                    after: r.get("values").cloned().unwrap_or(Value::Null),
                    unknown: Value::Null,
                    after_raw: None,
                    unknown_raw: None,
                    offset: 0,
                    module,
                    config_address,
                    key,
                });
            }
            for c in m
                .get("child_modules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                stack.push(c.clone());
            }
        }
    }

    let mut by_resource: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, x) in instances.iter().enumerate() {
        by_resource
            .entry((x.module.as_str(), x.config_address.as_str()))
            .or_default()
            .push(i);
    }
    let mut config_resources = HashMap::new();
    index_config(
        config.get("root_module"),
        String::new(),
        &mut config_resources,
        0,
    );
    let ctx = Ctx {
        instances: &instances,
        config: &config,
        variables: doc.variables.as_ref(),
        by_address: instances
            .iter()
            .enumerate()
            .map(|(i, x)| (x.address.as_str(), i))
            .collect(),
        by_resource,
        config_resources,
    };
    let mut by_region: Vec<IrRegion> = Vec::new();
    let mut unknown_region = Vec::new();
    for inst in &instances {
        let (line, column) = if inst.offset == 0 {
            (1, 1)
        } else {
            lines.position(bytes, inst.offset)
        };
        let mut origin = Origin {
            kind: SourceKind::Terraform,
            key: inst.address.clone(),
            iac_type: inst.ty.clone(),
            location: Location {
                file: display.to_string(),
                line,
                column,
            },
            attributes: Vec::new(),
            related: Vec::new(),
            in_source: false,
        };
        if let Some(found) = sources.as_ref().and_then(|s| s.locate(&inst.address)) {
            origin.location = found.location;
            origin.attributes = found.attributes;
            origin.related = found.related;
            origin.in_source = true;
        }
        // The instance's values, parsed for as long as it is read.
        let full;
        let inst = if inst.after_raw.is_some() && inst.after.is_null() {
            full = parsed(inst, display, 0)?;
            &full
        } else {
            inst
        };
        let Some(kind) = ctx.kind(inst) else { continue };
        let regions = match ctx.region(inst) {
            Some(r) => vec![r],
            None if !opts.regions.is_empty() => opts.regions.to_vec(),
            None => {
                unknown_region.push(origin.clone());
                continue;
            }
        };
        let id = ctx.own_id(inst);
        for region in regions {
            let slot = match by_region.iter().position(|r| r.region == region) {
                Some(i) => i,
                None => {
                    // The first region usually holds every resource.
                    let room = if by_region.is_empty() {
                        instances.len()
                    } else {
                        0
                    };
                    by_region.push(IrRegion {
                        region: region.clone(),
                        resources: Vec::with_capacity(room),
                        variant: None,
                    });
                    by_region.len() - 1
                }
            };
            by_region[slot].resources.push(IrResource {
                id: id.clone(),
                origin: origin.clone(),
                action: inst.action,
                kind: kind.clone(),
            });
        }
    }
    for origin in unknown_region {
        model.not_assessed.push(InputGap {
            message: format!(
                "the region of {} is not known from the plan (its provider sets no constant `region`): pass --region",
                origin.key
            ),
            origin: Some(origin),
            region: None,
        });
    }
    // Deletes apply in every region read (ids are unique across regions).
    let regions: Vec<String> = by_region.iter().map(|r| r.region.clone()).collect();
    let deleted = std::mem::take(&mut model.deleted);
    for (_, id) in deleted {
        for r in &regions {
            model.deleted.push((r.clone(), id.clone()));
        }
        if regions.is_empty() {
            for r in opts.regions {
                model.deleted.push((r.clone(), id.clone()));
            }
        }
    }
    model.regions = by_region;
    Ok(model)
}

/// The instance with its `after` and `after_unknown` parsed.
fn parsed<'a>(inst: &Instance<'a>, display: &str, index: usize) -> Result<Instance<'a>, IacError> {
    let parse = |raw: Option<&RawValue>, what: &str| -> Result<Value, IacError> {
        match raw {
            Some(r) => serde_json::from_str(r.get()).map_err(|e| IacError::Path {
                file: display.into(),
                path: format!("resource_changes[{index}].change.{what}"),
                message: strip_at(&e.to_string()),
            }),
            None => Ok(Value::Null),
        }
    };
    let mut full = inst.clone();
    full.after = parse(inst.after_raw, "after")?;
    full.unknown = parse(inst.unknown_raw, "after_unknown")?;
    Ok(full)
}

fn strip_at(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// `module.net["a"].aws_vpc.main[0]` → (`module.net["a"]`, `aws_vpc.main`, `0`).
/// Data resources keep their `data.` prefix in the config address.
pub fn split_instance(address: &str) -> (String, String, Option<String>) {
    let parts = split_segments(address);
    let mut module = Vec::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        module.push(format!("module.{}", parts[i + 1]));
        i += 2;
    }
    let rest: Vec<&str> = parts[i..].iter().map(String::as_str).collect();
    let mut resource = rest.join(".");
    let mut key = None;
    if resource.ends_with(']') {
        if let Some(open) = find_key_start(&resource) {
            key = Some(resource[open + 1..resource.len() - 1].to_string());
            resource.truncate(open);
        }
    }
    (module.join("."), resource, key)
}

/// `module.a.module.b["k"]` → (`module.a`, `b["k"]`).
fn split_last_module(module: &str) -> (String, String) {
    let segs = split_segments(module);
    let n = segs.len();
    if n < 2 {
        return (String::new(), module.to_string());
    }
    (segs[..n - 2].join("."), segs[n - 1].clone())
}

/// `b["k"]` → (`b`, Some(`"k"`)).
fn name_and_key(seg: &str) -> (&str, Option<&str>) {
    match seg.find('[') {
        Some(i) if seg.ends_with(']') => (&seg[..i], Some(&seg[i + 1..seg.len() - 1])),
        _ => (seg, None),
    }
}

/// The characters of an address outside its quoted keys (`["a.b[c]"]`),
/// with their byte offsets.
fn unquoted(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_str = false;
    let mut escaped = false;
    s.char_indices().filter(move |&(_, c)| {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            false
        } else if c == '"' {
            in_str = true;
            false
        } else {
            true
        }
    })
}

/// The `[` that opens the trailing instance key, outside of strings.
fn find_key_start(s: &str) -> Option<usize> {
    unquoted(s)
        .filter(|(_, c)| *c == '[')
        .map(|(i, _)| i)
        .last()
}

/// Splits an address on the dots outside of `[...]` keys.
fn split_segments(address: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, c) in unquoted(address) {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                out.push(address[start..i].to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(address[start..].to_string());
    out
}

struct Ctx<'a> {
    instances: &'a [Instance<'a>],
    config: &'a Value,
    variables: Option<&'a Value>,
    by_address: HashMap<&'a str, usize>,
    /// Instances by (module instance, resource address in the module).
    by_resource: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// Configuration resources by (module path without keys, address).
    config_resources: HashMap<(String, String), &'a Value>,
}

/// Indexes the configuration's resources of a module and its calls.
fn index_config<'a>(
    module: Option<&'a Value>,
    path: String,
    out: &mut HashMap<(String, String), &'a Value>,
    depth: usize,
) {
    let Some(m) = module else { return };
    if depth > 64 {
        return;
    }
    for r in m
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(a) = r.get("address").and_then(Value::as_str) {
            out.entry((path.clone(), a.to_string())).or_insert(r);
        }
    }
    if let Some(calls) = m.get("module_calls").and_then(Value::as_object) {
        for (name, call) in calls {
            let child = if path.is_empty() {
                format!("module.{name}")
            } else {
                format!("{path}.module.{name}")
            };
            index_config(call.get("module"), child, out, depth + 1);
        }
    }
}

/// `module.net["a"].module.b[0]` → `module.net.module.b`.
fn without_keys(module: &str) -> String {
    if module.is_empty() {
        return String::new();
    }
    split_segments(module)
        .iter()
        .map(|s| name_and_key(s).0.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// Path into an `after` value.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn get<'v>(v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    let mut cur = v;
    for s in path {
        cur = match s {
            Seg::Key(k) => cur.get(*k)?,
            Seg::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

/// Whether `after_unknown` marks the path (or a parent of it) unknown.
fn is_unknown(u: &Value, path: &[Seg]) -> bool {
    let mut cur = u;
    for s in path {
        if cur == &Value::Bool(true) {
            return true;
        }
        cur = match s {
            Seg::Key(k) => match cur.get(*k) {
                Some(v) => v,
                None => return false,
            },
            Seg::Index(i) => match cur.get(*i) {
                Some(v) => v,
                None => return false,
            },
        };
    }
    cur == &Value::Bool(true)
}

impl<'a> Ctx<'a> {
    /// The config module object for a module instance prefix.
    fn module_config(&self, module: &str) -> Option<&'a Value> {
        let mut m = self.config.get("root_module")?;
        if module.is_empty() {
            return Some(m);
        }
        for seg in split_segments(module) {
            if seg == "module" {
                continue;
            }
            let name = match seg.find('[') {
                Some(i) => &seg[..i],
                None => seg.as_str(),
            };
            m = m.get("module_calls")?.get(name)?.get("module")?;
        }
        Some(m)
    }

    fn resource_config(&self, inst: &Instance) -> Option<&'a Value> {
        self.config_resources
            .get(&(without_keys(&inst.module), inst.config_address.clone()))
            .copied()
    }

    /// Whether the configuration sets the attribute at all (else the
    /// provider's default, or a value AWS computes, applies).
    fn configured(&self, inst: &Instance, attr: &str) -> bool {
        match self.resource_config(inst) {
            Some(r) => r.get("expressions").and_then(|e| e.get(attr)).is_some(),
            // No configuration in the plan: cannot tell, assume set.
            None => true,
        }
    }

    fn references(&self, inst: &Instance, path: &[&str]) -> Vec<String> {
        let Some(r) = self.resource_config(inst) else {
            return Vec::new();
        };
        let mut e = r.get("expressions");
        for p in path {
            e = e.and_then(|x| x.get(*p)).and_then(|x| match x {
                Value::Array(a) => a.first(),
                other => Some(other),
            });
        }
        e.and_then(|x| x.get("references"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The instance's own id: its real id where the plan knows it, else
    /// its address.
    fn own_id(&self, inst: &Instance) -> Id {
        if inst.id_unknown || inst.id.is_none() {
            // The VPC's own default group and main table, adopted: the ids
            // AWS gave them with the VPC.
            match inst.ty.as_str() {
                "aws_default_security_group" => {
                    if let V::Known(vpc) = self.reference(inst, "vpc_id") {
                        if !vpc.starts_with("vpc-") {
                            return crate::build::default_security_group_id(&vpc);
                        }
                    }
                }
                "aws_default_route_table" => {
                    if let V::Known(t) = self.reference(inst, "default_route_table_id") {
                        return t;
                    }
                }
                _ => {}
            }
        }
        if inst.id_unknown {
            return inst.address.clone();
        }
        inst.id.clone().unwrap_or_else(|| inst.address.clone())
    }

    /// The id another instance is referred to by, after `attr` (`id`,
    /// `default_route_table_id`, ...).
    fn id_of(&self, target: &Instance, attr: &str) -> Id {
        let own = self.own_id(target);
        match (target.ty.as_str(), attr) {
            ("aws_vpc", "main_route_table_id" | "default_route_table_id") => {
                crate::build::main_route_table_id(&own)
            }
            ("aws_vpc", "default_security_group_id") => {
                crate::build::default_security_group_id(&own)
            }
            _ => own,
        }
    }

    /// The instances a list of references names, from `inst`'s module.
    fn resolve_refs(&self, inst: &Instance, refs: &[String]) -> Vec<Id> {
        self.resolve_in(&inst.module, inst.key.as_deref(), refs, 0)
    }

    /// References resolved in a module instance (`module.net["a"]`, empty
    /// for the root); `key` is the instance key `count.index` and `each`
    /// stand for. `var.x` follows the module call's argument into the
    /// calling module; `module.x.out` follows the output's expression into
    /// the called one.
    fn resolve_in(
        &self,
        module: &str,
        key: Option<&str>,
        refs: &[String],
        depth: usize,
    ) -> Vec<Id> {
        if depth > 16 {
            return Vec::new();
        }
        let mut out: Vec<Id> = Vec::new();
        for r in refs {
            let segs = split_segments(r);
            if segs.len() >= 2 && segs[0] == "var" && !module.is_empty() {
                let (parent, call) = split_last_module(module);
                let (name, call_key) = name_and_key(&call);
                let refs = self
                    .module_config(&parent)
                    .and_then(|m| m.get("module_calls"))
                    .and_then(|c| c.get(name))
                    .and_then(|c| c.get("expressions"))
                    .and_then(|e| e.get(segs[1].as_str()))
                    .and_then(|x| x.get("references"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                for id in self.resolve_in(&parent, call_key, &refs, depth + 1) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            } else if segs.len() >= 3 && segs[0] == "module" {
                let (name, call_key) = name_and_key(&segs[1]);
                let child = if module.is_empty() {
                    format!("module.{}", segs[1])
                } else {
                    format!("{module}.module.{}", segs[1])
                };
                let refs = self
                    .module_config(module)
                    .and_then(|m| m.get("module_calls"))
                    .and_then(|c| c.get(name))
                    .and_then(|c| c.get("module"))
                    .and_then(|m| m.get("outputs"))
                    .and_then(|o| o.get(segs[2].as_str()))
                    .and_then(|o| o.get("expression"))
                    .and_then(|x| x.get("references"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                let _ = call_key;
                for id in self.resolve_in(&child, None, &refs, depth + 1) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        let own = self.resolve_local(module, key, refs);
        for id in own {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    fn resolve_local(&self, module: &str, inst_key: Option<&str>, refs: &[String]) -> Vec<Id> {
        let mut out: Vec<Id> = Vec::new();
        let mut push = |id: Id| {
            if !out.contains(&id) {
                out.push(id);
            }
        };
        // A reference with an attribute wins over its bare resource.
        let mut seen_resources: Vec<String> = Vec::new();
        for r in refs {
            let segs = split_segments(r);
            if segs.len() < 2
                || matches!(
                    segs[0].as_str(),
                    "var" | "local" | "each" | "count" | "path" | "terraform" | "self"
                )
            {
                continue;
            }
            if segs[0] == "module" {
                continue;
            }
            let (data, ty, name_seg, attr) = if segs[0] == "data" {
                if segs.len() < 3 {
                    continue;
                }
                (
                    true,
                    segs[1].as_str(),
                    segs[2].as_str(),
                    segs.get(3).map(String::as_str),
                )
            } else {
                (
                    false,
                    segs[0].as_str(),
                    segs[1].as_str(),
                    segs.get(2).map(String::as_str),
                )
            };
            let (name, key) = name_and_key(name_seg);
            let base = if data {
                format!("data.{ty}.{name}")
            } else {
                format!("{ty}.{name}")
            };
            if seen_resources.contains(&base) && attr.is_none() && key.is_none() {
                continue;
            }
            seen_resources.push(base.clone());
            let prefix = if module.is_empty() {
                String::new()
            } else {
                format!("{module}.")
            };
            let attr = attr.unwrap_or("id");
            let exact = |k: Option<&str>| -> String {
                match k {
                    Some(k) => format!("{prefix}{base}[{k}]"),
                    None => format!("{prefix}{base}"),
                }
            };
            if let Some(&i) = self.by_address.get(exact(key).as_str()) {
                push(self.id_of(&self.instances[i], attr));
                continue;
            }
            // An index from count.index / each.key: the same key as this instance.
            if refs
                .iter()
                .any(|x| x == "count.index" || x.starts_with("each."))
            {
                if let Some(k) = inst_key {
                    if let Some(&i) = self.by_address.get(exact(Some(k)).as_str()) {
                        push(self.id_of(&self.instances[i], attr));
                        continue;
                    }
                }
            }
            // A splat or a whole-resource reference: every instance.
            let all: Vec<&Instance> = self
                .by_resource
                .get(&(module, base.as_str()))
                .into_iter()
                .flatten()
                .map(|&i| &self.instances[i])
                .collect();
            if key.is_none() {
                for x in all {
                    push(self.id_of(x, attr));
                }
            }
        }
        out
    }

    fn string(&self, inst: &Instance, attr: &str) -> V<Option<String>> {
        let path = [Seg::Key(attr)];
        if is_unknown(&inst.unknown, &path) {
            return V::Unknown(self.after_apply(inst, attr));
        }
        V::Known(
            get(&inst.after, &path)
                .and_then(Value::as_str)
                .map(String::from),
        )
    }

    fn after_apply(&self, inst: &Instance, attr: &str) -> String {
        format!("{attr} of {} is known only after apply", inst.address)
    }

    /// A reference-valued attribute (`vpc_id`): its value, else the
    /// resource its expression refers to.
    fn reference(&self, inst: &Instance, attr: &str) -> V<Id> {
        match self.string(inst, attr) {
            V::Known(Some(s)) if !s.is_empty() => V::Known(s),
            V::Known(_) if !self.configured(inst, attr) => {
                V::Unknown(format!("{attr} of {} is not set", inst.address))
            }
            _ => {
                let refs = self.references(inst, &[attr]);
                match self.resolve_refs(inst, &refs).as_slice() {
                    [one] => V::Known(one.clone()),
                    [] => V::Unknown(self.after_apply(inst, attr)),
                    many => V::Unknown(format!(
                        "{attr} of {} is known only after apply: it refers to one of {}",
                        inst.address,
                        many.join(", ")
                    )),
                }
            }
        }
    }

    fn optional_reference(&self, inst: &Instance, attr: &str) -> Option<V<Id>> {
        match self.string(inst, attr) {
            V::Known(None) | V::Known(Some(_))
                if !self.configured(inst, attr) && !is_set(&inst.after, attr) =>
            {
                None
            }
            V::Known(Some(s)) if s.is_empty() => None,
            V::Known(None) => None,
            _ => Some(self.reference(inst, attr)),
        }
    }

    /// A list of references (`subnet_ids`).
    fn references_list(&self, inst: &Instance, attr: &str) -> Vec<V<Id>> {
        let path = [Seg::Key(attr)];
        let whole_unknown = is_unknown(&inst.unknown, &path);
        let mut out = Vec::new();
        let mut unknown_elems = 0;
        if !whole_unknown {
            if let Some(list) = get(&inst.after, &path).and_then(Value::as_array) {
                for (i, v) in list.iter().enumerate() {
                    if is_unknown(&inst.unknown, &[Seg::Key(attr), Seg::Index(i)]) {
                        unknown_elems += 1;
                    } else if let Some(s) = v.as_str() {
                        out.push(V::Known(s.to_string()));
                    }
                }
            }
            // A partly unknown list is marked per element; a set may be
            // marked as a whole.
            if let Some(Value::Array(marks)) = inst.unknown.get(attr) {
                unknown_elems =
                    unknown_elems.max(marks.iter().filter(|m| **m == Value::Bool(true)).count());
            }
        }
        if whole_unknown && !self.configured(inst, attr) {
            // Not set: none (the provider reads back what AWS chose, such as
            // the VPC's default security group, which the builder applies).
            return Vec::new();
        }
        if whole_unknown || unknown_elems > 0 {
            let refs = self.references(inst, &[attr]);
            let resolved = self.resolve_refs(inst, &refs);
            let mut added = 0;
            for id in resolved {
                let v = V::Known(id);
                if !out.contains(&v) {
                    out.push(v);
                    added += 1;
                }
            }
            if added == 0 {
                out.push(V::Unknown(self.after_apply(inst, attr)));
            }
        }
        out
    }

    fn boolean(&self, inst: &Instance, attr: &str, default: bool) -> V<bool> {
        let path = [Seg::Key(attr)];
        if is_unknown(&inst.unknown, &path) {
            if !self.configured(inst, attr) {
                return V::Known(default);
            }
            return V::Unknown(self.after_apply(inst, attr));
        }
        V::Known(
            get(&inst.after, &path)
                .and_then(Value::as_bool)
                .unwrap_or(default),
        )
    }

    fn name_tag(&self, inst: &Instance) -> Option<String> {
        for key in ["tags", "tags_all"] {
            if let Some(n) = inst
                .after
                .get(key)
                .and_then(|t| t.get("Name"))
                .and_then(Value::as_str)
            {
                return Some(n.to_string());
            }
        }
        None
    }

    /// The instance's region: its own `region` argument (AWS provider 6),
    /// else its provider configuration's constant `region` (or a root
    /// variable it names), else a region in its ARN or service name.
    fn region(&self, inst: &Instance) -> Option<String> {
        if let Some(r) = inst.after.get("region").and_then(Value::as_str) {
            if !r.is_empty() {
                return Some(r.to_string());
            }
        }
        if let Some(r) = inst.after.get("arn").and_then(Value::as_str) {
            if let Some(region) = r.split(':').nth(3).filter(|s| !s.is_empty()) {
                return Some(region.to_string());
            }
        }
        let key = self
            .resource_config(inst)
            .and_then(|r| r.get("provider_config_key"))
            .and_then(Value::as_str)
            .unwrap_or("aws");
        if let Some(region) = self.provider_region(key) {
            return Some(region);
        }
        inst.after
            .get("service_name")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("com.amazonaws."))
            .and_then(|s| s.split('.').next())
            .map(String::from)
    }

    fn provider_region(&self, key: &str) -> Option<String> {
        let providers = self.config.get("provider_config")?;
        // Keys are `aws`, `aws.alias`, or `module.x:aws` for a module's own.
        let p = providers
            .get(key)
            .or_else(|| key.split(':').next_back().and_then(|k| providers.get(k)))?;
        let region = p.get("expressions")?.get("region")?;
        if let Some(v) = region.get("constant_value").and_then(Value::as_str) {
            return Some(v.to_string());
        }
        let refs = region.get("references")?.as_array()?;
        for r in refs.iter().filter_map(Value::as_str) {
            if let Some(var) = r.strip_prefix("var.") {
                if let Some(v) = self
                    .variables
                    .and_then(|vs| vs.get(var))
                    .and_then(|v| v.get("value"))
                    .and_then(Value::as_str)
                {
                    return Some(v.to_string());
                }
            }
        }
        None
    }

    fn ingress(&self, inst: &Instance, v: &Value, unknown: &Value, attr: &str) -> IrIngress {
        let strings = |key: &str| -> Vec<V<String>> {
            let u = unknown.get(key);
            if u == Some(&Value::Bool(true)) {
                return vec![V::Unknown(format!(
                    "{attr}.{key} of {} is known only after apply",
                    inst.address
                ))];
            }
            v.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, x)| {
                    if u.and_then(|u| u.get(i)) == Some(&Value::Bool(true)) {
                        Some(V::Unknown(format!(
                            "{attr}.{key}[{i}] of {} is known only after apply",
                            inst.address
                        )))
                    } else {
                        x.as_str().map(|s| V::Known(s.to_string()))
                    }
                })
                .collect()
        };
        IrIngress {
            protocol: normalise_protocol(v.get("protocol").or_else(|| v.get("ip_protocol"))),
            from_port: v.get("from_port").and_then(Value::as_i64).map(|p| p as i32),
            to_port: v.get("to_port").and_then(Value::as_i64).map(|p| p as i32),
            cidr_blocks: strings("cidr_blocks"),
            ipv6_cidr_blocks: strings("ipv6_cidr_blocks"),
            prefix_list_ids: strings("prefix_list_ids"),
            security_groups: strings("security_groups"),
            self_source: v.get("self").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    fn routes(&self, inst: &Instance) -> Vec<IrRouteSpec> {
        let list = inst
            .after
            .get("route")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.iter()
            .enumerate()
            .map(|(i, r)| {
                let unknown = inst
                    .unknown
                    .get("route")
                    .and_then(|u| u.get(i))
                    .cloned()
                    .unwrap_or(Value::Null);
                route_spec(inst, r, &unknown, &format!("route[{i}]"))
            })
            .collect()
    }

    /// The IR of one instance; `None` for what no rule reads.
    fn kind(&self, inst: &Instance) -> Option<IrKind> {
        let a = &inst.after;
        let s = |k: &str| a.get(k).and_then(Value::as_str).map(String::from);
        Some(match inst.ty.as_str() {
            "aws_vpc" | "aws_default_vpc" => {
                let default = inst.ty == "aws_default_vpc";
                IrKind::Vpc(IrVpc {
                    cidr_block: self.string(inst, "cidr_block"),
                    // AWS provider: enable_dns_support defaults to true,
                    // enable_dns_hostnames to false (true for a default VPC).
                    dns_support: self.boolean(inst, "enable_dns_support", true),
                    dns_hostnames: self.boolean(inst, "enable_dns_hostnames", default),
                    is_default: default,
                    name: self.name_tag(inst),
                })
            }
            "aws_subnet" | "aws_default_subnet" => IrKind::Subnet(IrSubnet {
                vpc: self.reference(inst, "vpc_id"),
                availability_zone: self.string(inst, "availability_zone"),
                cidr_block: self.string(inst, "cidr_block"),
                name: self.name_tag(inst),
            }),
            "aws_route_table" => IrKind::RouteTable(IrRouteTable {
                vpc: self.reference(inst, "vpc_id"),
                routes: self.routes(inst),
                is_main: false,
                name: self.name_tag(inst),
            }),
            "aws_default_route_table" => IrKind::RouteTable(IrRouteTable {
                vpc: match self.string(inst, "vpc_id") {
                    V::Known(Some(v)) => V::Known(v),
                    _ => {
                        // The table's VPC is the one whose main table it names.
                        match self.reference(inst, "default_route_table_id") {
                            V::Known(t) => match t.strip_suffix(".main_route_table") {
                                Some(vpc) => V::Known(vpc.to_string()),
                                None => V::Unknown(self.after_apply(inst, "vpc_id")),
                            },
                            V::Unknown(w) => V::Unknown(w),
                        }
                    }
                },
                routes: self.routes(inst),
                is_main: true,
                name: self.name_tag(inst),
            }),
            "aws_route" => IrKind::Route(IrRoute {
                route_table: self.reference(inst, "route_table_id"),
                route: {
                    let mut spec = route_spec(inst, a, &inst.unknown, "");
                    spec.destination_cidr_block = s("destination_cidr_block").filter(|x| !x.is_empty());
                    spec.destination_ipv6_cidr_block = s("destination_ipv6_cidr_block").filter(|x| !x.is_empty());
                    spec.destination_prefix_list_id = self.optional_reference(inst, "destination_prefix_list_id");
                    if let Some((kind, _)) = spec.target {
                        let attr = target_attr(kind, true);
                        spec.target = Some((kind, self.reference(inst, attr)));
                    } else if let Some((kind, attr)) = self.configured_target(inst) {
                        spec.target = Some((kind, self.reference(inst, attr)));
                    }
                    spec
                },
            }),
            "aws_route_table_association" => IrKind::RouteTableAssociation(IrRouteTableAssociation {
                route_table: self.reference(inst, "route_table_id"),
                subnet: self.optional_reference(inst, "subnet_id"),
            }),
            "aws_main_route_table_association" => IrKind::MainRouteTableAssociation(IrMainRouteTableAssociation {
                vpc: self.reference(inst, "vpc_id"),
                route_table: self.reference(inst, "route_table_id"),
            }),
            "aws_security_group" | "aws_default_security_group" => {
                let ingress = if is_unknown(&inst.unknown, &[Seg::Key("ingress")]) {
                    if self.configured(inst, "ingress") {
                        V::Unknown(self.after_apply(inst, "ingress"))
                    } else {
                        // No inline rules: the group's rules are the
                        // separate rule resources' (applied after it).
                        V::Known(Vec::new())
                    }
                } else {
                    V::Known(
                        a.get("ingress")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .enumerate()
                            .map(|(i, r)| {
                                let u = inst.unknown.get("ingress").and_then(|u| u.get(i)).cloned().unwrap_or(Value::Null);
                                self.ingress(inst, r, &u, &format!("ingress[{i}]"))
                            })
                            .collect(),
                    )
                };
                let vpc = match self.string(inst, "vpc_id") {
                    V::Known(Some(v)) if !v.is_empty() => V::Known(Some(v)),
                    _ if !self.configured(inst, "vpc_id") && inst.ty == "aws_security_group" => {
                        V::Unknown(format!("{} sets no vpc_id: it is created in the account's default VPC, which is outside the files", inst.address))
                    }
                    _ => self.reference(inst, "vpc_id").map(Some),
                };
                let group_name = if inst.ty == "aws_default_security_group" {
                    Some("default".to_string())
                } else {
                    s("name")
                };
                IrKind::SecurityGroup(IrSecurityGroup { vpc, group_name, ingress })
            }
            "aws_security_group_rule" => {
                let mut rule = self.ingress(inst, a, &inst.unknown, "rule");
                if let Some(src) = self.optional_reference(inst, "source_security_group_id") {
                    rule.security_groups.push(src);
                }
                IrKind::SecurityGroupRule(IrSecurityGroupRule {
                    security_group: self.reference(inst, "security_group_id"),
                    ingress: s("type").as_deref() != Some("egress"),
                    rule,
                })
            }
            "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
                let mut rule = IrIngress {
                    protocol: normalise_protocol(a.get("ip_protocol")),
                    from_port: a.get("from_port").and_then(Value::as_i64).map(|p| p as i32),
                    to_port: a.get("to_port").and_then(Value::as_i64).map(|p| p as i32),
                    cidr_blocks: Vec::new(),
                    ipv6_cidr_blocks: Vec::new(),
                    prefix_list_ids: Vec::new(),
                    security_groups: Vec::new(),
                    self_source: false,
                };
                for (attr, list) in [("cidr_ipv4", &mut rule.cidr_blocks), ("cidr_ipv6", &mut rule.ipv6_cidr_blocks)] {
                    match self.string(inst, attr) {
                        V::Known(Some(c)) if !c.is_empty() => list.push(V::Known(c)),
                        V::Known(_) => {}
                        V::Unknown(w) => list.push(V::Unknown(w)),
                    }
                }
                if let Some(p) = self.optional_reference(inst, "prefix_list_id") {
                    rule.prefix_list_ids.push(p);
                }
                if let Some(g) = self.optional_reference(inst, "referenced_security_group_id") {
                    rule.security_groups.push(g);
                }
                IrKind::SecurityGroupRule(IrSecurityGroupRule {
                    security_group: self.reference(inst, "security_group_id"),
                    ingress: inst.ty.ends_with("ingress_rule"),
                    rule,
                })
            }
            "aws_vpc_endpoint" => {
                let endpoint_type = match self.string(inst, "vpc_endpoint_type") {
                    V::Known(Some(t)) => V::Known(t),
                    // The provider's default: "Gateway".
                    V::Known(None) => V::Known("Gateway".to_string()),
                    V::Unknown(_) if !self.configured(inst, "vpc_endpoint_type") => V::Known("Gateway".into()),
                    V::Unknown(w) => V::Unknown(w),
                };
                let policy = match self.string(inst, "policy") {
                    V::Known(p) => V::Known(p.filter(|p| !p.trim().is_empty())),
                    // Not set: AWS attaches the default full-access policy,
                    // which the provider reads back after apply.
                    V::Unknown(_) if !self.configured(inst, "policy") => V::Known(None),
                    V::Unknown(w) => V::Unknown(w),
                };
                let service_name = match self.string(inst, "service_name") {
                    V::Known(Some(s)) => V::Known(s),
                    V::Known(None) => V::Unknown(format!("service_name of {} is not set", inst.address)),
                    V::Unknown(w) => V::Unknown(w),
                };
                IrKind::Endpoint(IrEndpoint {
                    vpc: self.reference(inst, "vpc_id"),
                    service_name,
                    endpoint_type,
                    private_dns_enabled: self.boolean(inst, "private_dns_enabled", false),
                    policy,
                    subnets: self.references_list(inst, "subnet_ids"),
                    security_groups: self.references_list(inst, "security_group_ids"),
                    route_tables: self.references_list(inst, "route_table_ids"),
                    state: if inst.action == Action::Create || inst.action == Action::Replace {
                        None
                    } else {
                        s("state")
                    },
                    name: self.name_tag(inst),
                })
            }
            "aws_vpc_endpoint_policy" => IrKind::EndpointPolicy(IrEndpointPolicy {
                endpoint: self.reference(inst, "vpc_endpoint_id"),
                policy: match self.string(inst, "policy") {
                    V::Known(p) => V::Known(p.filter(|p| !p.trim().is_empty())),
                    V::Unknown(_) if !self.configured(inst, "policy") => V::Known(None),
                    V::Unknown(w) => V::Unknown(w),
                },
            }),
            "aws_vpc_endpoint_route_table_association" => IrKind::EndpointRouteTable(IrEndpointLink {
                endpoint: self.reference(inst, "vpc_endpoint_id"),
                target: self.reference(inst, "route_table_id"),
            }),
            "aws_vpc_endpoint_subnet_association" => IrKind::EndpointSubnet(IrEndpointLink {
                endpoint: self.reference(inst, "vpc_endpoint_id"),
                target: self.reference(inst, "subnet_id"),
            }),
            "aws_vpc_endpoint_security_group_association" => IrKind::EndpointSecurityGroup(IrEndpointSecurityGroup {
                endpoint: self.reference(inst, "vpc_endpoint_id"),
                security_group: self.reference(inst, "security_group_id"),
                replace_default: a.get("replace_default_association").and_then(Value::as_bool).unwrap_or(false),
            }),
            "aws_vpc_endpoint_private_dns" => IrKind::EndpointPrivateDns(IrEndpointPrivateDns {
                endpoint: self.reference(inst, "vpc_endpoint_id"),
                enabled: self.boolean(inst, "private_dns_enabled", false),
            }),
            "aws_ec2_managed_prefix_list" | "aws_prefix_list" => {
                let name = s("name")?;
                IrKind::PrefixList(IrPrefixList {
                    prefix_list_id: self.own_id(inst),
                    name,
                })
            }
            "aws_cloudtrail" => {
                let name = s("name").unwrap_or_else(|| inst.address.clone());
                let arn = match s("arn") {
                    Some(arn) if !is_unknown(&inst.unknown, &[Seg::Key("arn")]) => arn,
                    _ => inst.address.clone(),
                };
                let selectors = if is_unknown(&inst.unknown, &[Seg::Key("event_selector")]) {
                    V::Unknown(self.after_apply(inst, "event_selector"))
                } else {
                    let list: Vec<_> = a
                        .get("event_selector")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|e| ibaudit_snapshot::aws::EventSelector {
                            read_write_type: Some(e.get("read_write_type").and_then(Value::as_str).unwrap_or("All").into()),
                            include_management_events: Some(
                                e.get("include_management_events").and_then(Value::as_bool).unwrap_or(true),
                            ),
                            exclude_management_event_sources: e
                                .get("exclude_management_event_sources")
                                .and_then(Value::as_array)
                                .map(|l| l.iter().filter_map(Value::as_str).map(Into::into).collect()),
                        })
                        .collect();
                    V::Known((!list.is_empty()).then_some(list))
                };
                let advanced = if is_unknown(&inst.unknown, &[Seg::Key("advanced_event_selector")]) {
                    V::Unknown(self.after_apply(inst, "advanced_event_selector"))
                } else {
                    let list: Vec<_> = a
                        .get("advanced_event_selector")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|e| ibaudit_snapshot::aws::AdvancedEventSelector {
                            name: e.get("name").and_then(Value::as_str).map(Into::into),
                            field_selectors: e
                                .get("field_selector")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                                .map(|f| {
                                    let l = |k: &str| {
                                        f.get(k)
                                            .and_then(Value::as_array)
                                            .filter(|l| !l.is_empty())
                                            .map(|l| l.iter().filter_map(Value::as_str).map(Into::into).collect())
                                    };
                                    ibaudit_snapshot::aws::AdvancedFieldSelector {
                                        field: f.get("field").and_then(Value::as_str).unwrap_or("").into(),
                                        equals: l("equals"),
                                        not_equals: l("not_equals"),
                                        starts_with: l("starts_with"),
                                        not_starts_with: l("not_starts_with"),
                                        ends_with: l("ends_with"),
                                        not_ends_with: l("not_ends_with"),
                                    }
                                })
                                .collect(),
                        })
                        .collect();
                    V::Known((!list.is_empty()).then_some(list))
                };
                IrKind::Trail(IrTrail {
                    name,
                    arn,
                    is_multi_region: self.boolean(inst, "is_multi_region_trail", false),
                    is_organization: self.boolean(inst, "is_organization_trail", false),
                    is_logging: self.boolean(inst, "enable_logging", true),
                    event_selectors: selectors,
                    advanced_event_selectors: advanced,
                    s3_bucket_name: s("s3_bucket_name"),
                })
            }
            "aws_imagebuilder_infrastructure_configuration" => {
                let subnet = match self.string(inst, "subnet_id") {
                    V::Known(Some(s)) if !s.is_empty() => V::Known(Some(s)),
                    V::Known(_) if !self.configured(inst, "subnet_id") => V::Known(None),
                    _ => self.reference(inst, "subnet_id").map(Some),
                };
                IrKind::InfrastructureConfiguration(IrInfrastructureConfiguration {
                    name: s("name"),
                    subnet,
                    security_groups: self.references_list(inst, "security_group_ids"),
                })
            }
            _ => return None,
        })
        .filter(|_| !inst.data || matches!(inst.ty.as_str(), "aws_prefix_list" | "aws_ec2_managed_prefix_list"))
    }

    /// The target attribute an `aws_route`'s configuration sets, where its
    /// value is not known yet.
    fn configured_target(&self, inst: &Instance) -> Option<(RouteTarget, &'static str)> {
        TARGETS
            .iter()
            .find(|(_, attr, _)| {
                self.configured(inst, attr) && is_unknown(&inst.unknown, &[Seg::Key(attr)])
            })
            .map(|(k, attr, _)| (*k, *attr))
    }
}

fn is_set(v: &Value, attr: &str) -> bool {
    v.get(attr)
        .is_some_and(|x| !x.is_null() && x.as_str() != Some(""))
}

/// Route targets: kind, `aws_route` attribute, inline `route` attribute.
const TARGETS: &[(RouteTarget, &str, &str)] = &[
    (RouteTarget::Gateway, "gateway_id", "gateway_id"),
    (RouteTarget::NatGateway, "nat_gateway_id", "nat_gateway_id"),
    (
        RouteTarget::TransitGateway,
        "transit_gateway_id",
        "transit_gateway_id",
    ),
    (
        RouteTarget::EgressOnlyInternetGateway,
        "egress_only_gateway_id",
        "egress_only_gateway_id",
    ),
    (
        RouteTarget::NetworkInterface,
        "network_interface_id",
        "network_interface_id",
    ),
    (
        RouteTarget::VpcPeeringConnection,
        "vpc_peering_connection_id",
        "vpc_peering_connection_id",
    ),
    (
        RouteTarget::CarrierGateway,
        "carrier_gateway_id",
        "carrier_gateway_id",
    ),
    (
        RouteTarget::LocalGateway,
        "local_gateway_id",
        "local_gateway_id",
    ),
    (
        RouteTarget::CoreNetwork,
        "core_network_arn",
        "core_network_arn",
    ),
    (
        RouteTarget::VpcEndpoint,
        "vpc_endpoint_id",
        "vpc_endpoint_id",
    ),
];

fn target_attr(kind: RouteTarget, standalone: bool) -> &'static str {
    TARGETS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, a, b)| if standalone { *a } else { *b })
        .unwrap_or("gateway_id")
}

/// A route's destination and target from an `after` object (an inline
/// `route` entry, or an `aws_route`).
fn route_spec(inst: &Instance, r: &Value, unknown: &Value, attr: &str) -> IrRouteSpec {
    let s = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
            .map(String::from)
    };
    let mut target = None;
    for (kind, standalone, inline) in TARGETS {
        let key = if attr.is_empty() {
            *standalone
        } else {
            *inline
        };
        let unknown_here = unknown.get(key) == Some(&Value::Bool(true));
        if let Some(v) = s(key) {
            target = Some((*kind, V::Known(v)));
            break;
        }
        if unknown_here {
            target = Some((
                *kind,
                V::Unknown(format!(
                    "{}{key} of {} is known only after apply",
                    if attr.is_empty() {
                        String::new()
                    } else {
                        format!("{attr}.")
                    },
                    inst.address
                )),
            ));
            break;
        }
    }
    IrRouteSpec {
        destination_cidr_block: s("cidr_block").or_else(|| s("destination_cidr_block")),
        destination_ipv6_cidr_block: s("ipv6_cidr_block")
            .or_else(|| s("destination_ipv6_cidr_block")),
        destination_prefix_list_id: s("destination_prefix_list_id").map(V::Known),
        target,
    }
}

fn normalise_protocol(v: Option<&Value>) -> String {
    let text = match v {
        Some(Value::String(s)) => s.to_ascii_lowercase(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "-1".to_string(),
    };
    match text.as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_resource_and_key() {
        assert_eq!(
            split_instance("module.net[\"a\"].aws_vpc_endpoint.ib[0]"),
            (
                "module.net[\"a\"]".into(),
                "aws_vpc_endpoint.ib".into(),
                Some("0".into())
            )
        );
        assert_eq!(
            split_instance("aws_subnet.private[\"a.b[c]\"]"),
            (
                String::new(),
                "aws_subnet.private".into(),
                Some("\"a.b[c]\"".into())
            )
        );
        assert_eq!(
            split_instance("module.a.module.b.data.aws_prefix_list.s3"),
            (
                "module.a.module.b".into(),
                "data.aws_prefix_list.s3".into(),
                None
            )
        );
    }

    #[test]
    fn protocols_normalise_as_the_api_spells_them() {
        assert_eq!(normalise_protocol(Some(&Value::from("ALL"))), "-1");
        assert_eq!(normalise_protocol(Some(&Value::from("6"))), "tcp");
        assert_eq!(normalise_protocol(Some(&Value::from(-1))), "-1");
        assert_eq!(normalise_protocol(Some(&Value::from("TCP"))), "tcp");
    }
}
