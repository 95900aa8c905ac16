//! CloudFormation templates (YAML and JSON) read into the IR.
//!
//! A template is parsed into a positioned tree ([`yaml`], [`json`]), its
//! sections are read and every name it uses is checked ([`template`]), and
//! it is evaluated once per region ([`regions`]) and per combination of the
//! conditions that cannot be decided from the files ([`intrinsics`]); each
//! evaluation gives one [`IrRegion`] with the resources the rules read
//! ([`resources`]).

mod intrinsics;
mod json;
mod node;
mod params;
mod regions;
mod resources;
mod template;
mod yaml;

use std::collections::{HashMap, HashSet};

use intrinsics::{Cond, Eval};
use node::{Node, Pos};
use template::{at, Template};

use crate::ir::{IacModel, InputGap, IrRegion, Origin};
use crate::position::LineIndex;
use crate::IacError;

pub use params::parse_parameters_file;

/// At most this many combinations of undecided conditions are evaluated
/// per region.
pub const MAX_VARIANTS: usize = 16;

/// How to evaluate a template.
#[derive(Debug, Clone, Copy)]
pub struct CfnOptions<'a> {
    /// Parameter values, later entries win (from --parameters-file, then
    /// --parameter KEY=VALUE).
    pub parameters: &'a [(String, String)],
    /// Regions to evaluate in; empty: every region of the partition.
    pub regions: &'a [String],
    pub account_id: Option<&'a str>,
    /// `aws` by default. A region of `regions` that another partition lists
    /// is evaluated in that partition (`cn-north-1`: `aws-cn`).
    pub partition: &'a str,
}

impl Default for CfnOptions<'_> {
    fn default() -> Self {
        CfnOptions {
            parameters: &[],
            regions: &[],
            account_id: None,
            partition: "aws",
        }
    }
}

/// The text of a file: UTF-8, without a byte order mark.
pub(crate) fn utf8<'b>(bytes: &'b [u8], display: &str) -> Result<&'b str, IacError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = LineIndex::new(bytes).position(bytes, e.valid_up_to());
        at(display, Pos { line, column }, "the file is not UTF-8 text")
    })
}

fn parse_document(bytes: &[u8], display: &str) -> Result<Node, IacError> {
    let text = utf8(bytes, display)?;
    let first = text
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .chars()
        .next();
    let parsed = if first == Some('{') {
        json::parse(text)
    } else {
        yaml::parse(text)
    };
    parsed.map_err(|e| at(display, e.pos, e.message))
}

/// Whether the bytes look like a CloudFormation template: a top-level
/// `Resources` or `AWSTemplateFormatVersion` key. Reads no further than it
/// must and allocates nothing.
pub fn looks_like_template(bytes: &[u8]) -> bool {
    const KEYS: [&[u8]; 2] = [b"Resources", b"AWSTemplateFormatVersion"];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b" \t\r\n".contains(b));
    match start.map(|i| bytes[i]) {
        None => false,
        Some(b'{') => json_top_level_keys(&bytes[start.unwrap_or(0)..], &KEYS),
        Some(_) => bytes.split(|b| *b == b'\n').any(|line| {
            KEYS.iter().any(|k| {
                let rest = match line.first() {
                    Some(q @ (b'"' | b'\'')) => line[1..]
                        .strip_prefix(*k)
                        .and_then(|r| r.strip_prefix(&[*q])),
                    _ => line.strip_prefix(*k),
                };
                rest.is_some_and(|r| {
                    let r = r.trim_ascii_start();
                    r.first() == Some(&b':')
                })
            })
        }),
    }
}

/// Whether a JSON object's top level has one of `keys`.
fn json_top_level_keys(b: &[u8], keys: &[&[u8]]) -> bool {
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if depth == 1 && expect_key && keys.iter().any(|k| b.get(start..i) == Some(*k)) {
                    return true;
                }
                expect_key = false;
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => expect_key = depth == 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Gaps found while evaluating, by resource and message, with the regions
/// they occur in: said once when they hold in every region.
#[derive(Default)]
struct Gaps {
    items: Vec<(Option<Origin>, String, Vec<String>)>,
    index: HashMap<(Option<String>, String), usize>,
}

impl Gaps {
    fn add(&mut self, origin: Option<Origin>, region: &str, message: String) {
        let key = (origin.as_ref().map(|o| o.key.clone()), message);
        match self.index.get(&key) {
            Some(&i) => {
                let regions = &mut self.items[i].2;
                if regions.last().map(String::as_str) != Some(region) {
                    regions.push(region.to_string());
                }
            }
            None => {
                self.index.insert(key.clone(), self.items.len());
                self.items.push((origin, key.1, vec![region.to_string()]));
            }
        }
    }

    fn finish(self, all: usize, out: &mut Vec<InputGap>) {
        for (origin, message, regions) in self.items {
            if all > 1 && regions.len() == all {
                out.push(InputGap {
                    origin,
                    region: None,
                    message,
                });
            } else {
                for region in regions {
                    out.push(InputGap {
                        origin: origin.clone(),
                        region: Some(region),
                        message: message.clone(),
                    });
                }
            }
        }
    }
}

/// Notes, each said once, in order.
#[derive(Default)]
struct Notes {
    list: Vec<String>,
    seen: HashSet<String>,
}

impl Notes {
    fn add(&mut self, n: String) {
        if self.seen.insert(n.clone()) {
            self.list.push(n);
        }
    }
}

/// A combination of condition values to evaluate under.
#[derive(Clone, Default)]
struct Combination {
    /// The conditions fixed, by index, in the order they were forked.
    forked: Vec<(usize, bool)>,
    /// Conditions before this index are fixed or decided under `forked`
    /// (adding values decides more, never undecides).
    next: usize,
}

impl Combination {
    /// The values by condition index, for [`Eval`].
    fn dense(&self, conditions: usize) -> Vec<Option<bool>> {
        let mut d = vec![None; conditions];
        for (i, b) in &self.forked {
            d[*i] = Some(*b);
        }
        d
    }

    fn label(&self, t: &Template) -> Option<String> {
        if self.forked.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .forked
            .iter()
            .map(|(i, b)| format!("{}={b}", t.conditions[*i].0))
            .collect();
        Some(format!("Condition {}", parts.join(", ")))
    }
}

/// A condition to fork on, and why it is undecided.
type Fork = (usize, String);

/// The combinations of undecided conditions to evaluate in a region, in
/// order (true first), and whether there were more than [`MAX_VARIANTS`].
/// Only the conditions resources depend on are forked, one at a time in
/// declaration order, each under the values already assumed: a condition
/// that an assumed one decides (`UseNat: !And [!Condition IsProd, ...]` with
/// `IsProd=false`) is not forked again.
fn variants<F>(
    first_undecided: F,
    t: &Template,
    notes: &mut Notes,
) -> Result<(Vec<Combination>, bool), IacError>
where
    F: Fn(&Combination) -> Result<Option<Fork>, IacError>,
{
    let mut stack = vec![Combination::default()];
    let mut leaves = Vec::new();
    while let Some(c) = stack.pop() {
        match first_undecided(&c)? {
            None => {
                leaves.push(c);
                if leaves.len() == MAX_VARIANTS && !stack.is_empty() {
                    return Ok((leaves, true));
                }
            }
            Some((i, reason)) => {
                notes.add(format!(
                    "Condition {} is undecided: it {reason}; resources are assessed with it true and with it false",
                    t.conditions[i].0
                ));
                let mut f = c.clone();
                f.forked.push((i, false));
                f.next = i + 1;
                let mut tr = c;
                tr.forked.push((i, true));
                tr.next = i + 1;
                stack.push(f);
                stack.push(tr);
            }
        }
    }
    Ok((leaves, false))
}

/// The stack the reader runs on. Evaluation recurses, within bounds (nesting
/// of [`node::MAX_DEPTH`], evaluation depth of 400): a few MiB at most, but
/// more than a test thread's 2 MiB in a debug build.
const STACK: usize = 64 << 20;

/// Reads a template and evaluates it in each region (see [`CfnOptions`]).
/// `display` is the file name used in locations and errors.
pub fn read_template(bytes: &[u8], display: &str, opts: &CfnOptions) -> Result<IacModel, IacError> {
    std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .name("cfn-reader".into())
            .stack_size(STACK)
            .spawn_scoped(s, || read_here(bytes, display, opts));
        match reader {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => read_here(bytes, display, opts),
        }
    })
}

fn read_here(bytes: &[u8], display: &str, opts: &CfnOptions) -> Result<IacModel, IacError> {
    let root = parse_document(bytes, display)?;
    let t = Template::read(&root, display)?;
    t.validate()?;
    let default_partition = regions::partition(opts.partition).ok_or_else(|| {
        let known: Vec<&str> = regions::PARTITIONS.iter().map(|p| p.name).collect();
        IacError::Usage(format!(
            "unknown partition {}: expected one of {}",
            opts.partition,
            known.join(", ")
        ))
    })?;
    let region_list: Vec<String> = if opts.regions.is_empty() {
        default_partition
            .regions
            .iter()
            .map(|r| r.to_string())
            .collect()
    } else {
        opts.regions.to_vec()
    };
    let mut model = IacModel::default();
    let mut notes = Notes::default();
    let params = t.parameter_values(opts.parameters, &mut model.notes)?;
    for n in std::mem::take(&mut model.notes) {
        notes.add(n);
    }

    for (name, _) in &t.transforms {
        model.not_assessed.push(InputGap {
            origin: None,
            region: None,
            message: format!(
                "template uses Transform {name}: resources it generates are not assessed"
            ),
        });
    }
    for (key, _) in &t.expanded {
        model.not_assessed.push(InputGap {
            origin: None,
            region: None,
            message: format!("Resources entry {key} is expanded by a transform: the resources it generates are not assessed"),
        });
    }
    for r in &t.resources {
        if matches!(
            r.ty,
            "AWS::CloudFormation::Stack" | "AWS::Serverless::Application"
        ) {
            model.not_assessed.push(InputGap {
                origin: Some(resources::origin(display, r)),
                region: None,
                message: format!(
                    "nested stack {} ({}): the resources it creates are not assessed",
                    r.id, r.ty
                ),
            });
        }
    }

    let relevant = t.relevant_conditions();
    let mut gaps = Gaps::default();
    for region in &region_list {
        let partition = regions::PARTITIONS
            .iter()
            .find(|p| p.regions.contains(&region.as_str()))
            .unwrap_or(default_partition);
        let n = t.conditions.len();
        let first_undecided = |c: &Combination| -> Result<Option<Fork>, IacError> {
            let dense = c.dense(n);
            let mut ev = Eval::new(&t, &params, region, partition, opts.account_id, &dense);
            for i in c.next..n {
                if !relevant[i] || dense[i].is_some() {
                    continue;
                }
                if let Cond::Undecided(reason) = ev.condition_at(i)? {
                    return Ok(Some((i, reason)));
                }
            }
            Ok(None)
        };
        let (combinations, more) = variants(first_undecided, &t, &mut notes)?;
        if more {
            gaps.add(
                None,
                region,
                format!(
                    "the template has more than {MAX_VARIANTS} combinations of undecided conditions: only the first {MAX_VARIANTS} are assessed"
                ),
            );
        }
        {
            // Conditions no resource depends on are not forked; said all the same.
            let mut ev = Eval::new(&t, &params, region, partition, opts.account_id, &[]);
            for (i, (name, _, _)) in t.conditions.iter().enumerate() {
                if relevant[i] {
                    continue;
                }
                if let Cond::Undecided(reason) = ev.condition_at(i)? {
                    notes.add(format!(
                        "Condition {name} is undecided: it {reason}; no resource depends on it"
                    ));
                }
            }
        }
        for combination in combinations {
            let variant = combination.label(&t);
            let dense = combination.dense(n);
            let mut ev = Eval::new(&t, &params, region, partition, opts.account_id, &dense);
            let mut found = Vec::new();
            let mut local = Vec::new();
            for r in &t.resources {
                if let Some((name, pos)) = r.condition {
                    match ev.condition(name, pos)? {
                        Cond::Known(true) => {}
                        Cond::Known(false) => continue,
                        // Not reached: every condition a resource names is
                        // forked. Kept safe: the resource is assessed and
                        // the run said incomplete.
                        Cond::Undecided(reason) => local.push((
                            resources::origin(display, r),
                            format!("{} is assessed although its Condition {name} is undecided: it {reason}", r.id),
                        )),
                    }
                }
                if let Some(ir) = resources::read(&mut ev, r, &mut local)? {
                    found.push(ir);
                }
            }
            for (origin, message) in local {
                let message = match &variant {
                    Some(v) => format!("{message} ({v})"),
                    None => message,
                };
                gaps.add(Some(origin), region, message);
            }
            model.regions.push(IrRegion {
                region: region.clone(),
                resources: found,
                variant,
            });
        }
    }
    gaps.finish(region_list.len(), &mut model.not_assessed);
    model.notes = notes.list;
    Ok(model)
}

#[cfg(test)]
mod tests;
