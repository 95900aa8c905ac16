//! A template's sections, read from the tree, and the checks that do not
//! depend on values: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable,
//! condition and mapping a template names must be declared, as
//! CloudFormation's own validation requires.

use std::collections::HashMap;

use super::intrinsics::{sub_parts, SubPart, Val};
use super::node::{Kind, Node, Pos};
use crate::IacError;

pub(crate) const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

pub(crate) struct Param<'n> {
    pub name: &'n str,
    pub ty: String,
    pub default: Option<&'n Node>,
    pub allowed: Option<&'n Node>,
}

pub(crate) struct Resource<'n> {
    pub id: &'n str,
    pub pos: Pos,
    pub ty: &'n str,
    /// The `Properties` key's position and value.
    pub properties: Option<(Pos, &'n Node)>,
    pub condition: Option<(&'n str, Pos)>,
}

pub(crate) type MapIndex<'n> = HashMap<&'n str, HashMap<&'n str, &'n Node>>;

pub(crate) struct Template<'n> {
    pub file: String,
    pub params: Vec<Param<'n>>,
    pub param_index: HashMap<&'n str, usize>,
    /// `Mappings`: map name, then top-level key, then second-level key.
    pub mappings: HashMap<&'n str, MapIndex<'n>>,
    /// Name, position of the name, definition: in declaration order.
    pub conditions: Vec<(&'n str, Pos, &'n Node)>,
    pub cond_index: HashMap<&'n str, usize>,
    pub resources: Vec<Resource<'n>>,
    pub res_index: HashMap<&'n str, usize>,
    /// `Transform` names, and where.
    pub transforms: Vec<(String, Pos)>,
    /// `Resources` entries a transform expands (`Fn::ForEach::...`).
    pub expanded: Vec<(&'n str, Pos)>,
    outputs: Option<&'n Node>,
}

pub(crate) fn at(file: &str, pos: Pos, message: impl Into<String>) -> IacError {
    IacError::At {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        message: message.into(),
    }
}

impl<'n> Template<'n> {
    pub fn read(root: &'n Node, file: &str) -> Result<Template<'n>, IacError> {
        let not_template = || IacError::Input {
            file: file.to_string(),
            message: "not a CloudFormation template: no Resources section".into(),
        };
        let Some(top) = root.entries() else {
            return Err(not_template());
        };
        let Some(resources) = root.entry("Resources") else {
            return Err(not_template());
        };
        let Some(res_entries) = resources.value.entries() else {
            return Err(at(
                file,
                resources.key_pos,
                format!(
                    "Resources must be a mapping of logical ids, not {}",
                    resources.value.describe()
                ),
            ));
        };
        let mut t = Template {
            file: file.to_string(),
            params: Vec::new(),
            param_index: HashMap::new(),
            mappings: HashMap::new(),
            conditions: Vec::new(),
            cond_index: HashMap::new(),
            resources: Vec::new(),
            res_index: HashMap::new(),
            transforms: Vec::new(),
            expanded: Vec::new(),
            outputs: root.get("Outputs"),
        };
        let section = |key: &str| -> Result<Option<&'n [super::node::Entry]>, IacError> {
            match top.iter().find(|e| e.key == key) {
                None => Ok(None),
                Some(e) => match &e.value.kind {
                    Kind::Map(m) => Ok(Some(m)),
                    Kind::Null => Ok(Some(&[])),
                    _ => Err(at(
                        file,
                        e.key_pos,
                        format!("{key} must be a mapping, not {}", e.value.describe()),
                    )),
                },
            }
        };
        for e in section("Parameters")?.unwrap_or(&[]) {
            let Some(_) = e.value.entries() else {
                return Err(at(
                    file,
                    e.key_pos,
                    format!("parameter {} must be a mapping", e.key),
                ));
            };
            let ty = match e.value.get("Type") {
                None => "String".to_string(),
                Some(n) => n
                    .as_str()
                    .ok_or_else(|| {
                        at(
                            file,
                            n.pos,
                            format!("Type of parameter {} must be a string", e.key),
                        )
                    })?
                    .to_string(),
            };
            t.param_index.insert(&e.key, t.params.len());
            t.params.push(Param {
                name: &e.key,
                ty,
                default: e.value.get("Default"),
                allowed: e.value.get("AllowedValues"),
            });
        }
        for e in section("Mappings")?.unwrap_or(&[]) {
            if e.value.entries().is_none() {
                return Err(at(
                    file,
                    e.key_pos,
                    format!("mapping {} must be a mapping", e.key),
                ));
            }
            let mut tops = HashMap::new();
            for top in e.value.entries().unwrap_or(&[]) {
                let seconds = top
                    .value
                    .entries()
                    .unwrap_or(&[])
                    .iter()
                    .map(|s| (s.key.as_str(), &s.value))
                    .collect();
                tops.insert(top.key.as_str(), seconds);
            }
            t.mappings.insert(&e.key, tops);
        }
        for e in section("Conditions")?.unwrap_or(&[]) {
            t.cond_index.insert(&e.key, t.conditions.len());
            t.conditions.push((&e.key, e.key_pos, &e.value));
        }
        for e in res_entries {
            if e.key.starts_with("Fn::") {
                t.expanded.push((&e.key, e.key_pos));
                continue;
            }
            if t.param_index.contains_key(e.key.as_str()) {
                return Err(at(
                    file,
                    e.key_pos,
                    format!("{} is both a parameter and a resource", e.key),
                ));
            }
            let Some(_) = e.value.entries() else {
                return Err(at(
                    file,
                    e.key_pos,
                    format!("resource {} must be a mapping", e.key),
                ));
            };
            let ty = match e.value.get("Type") {
                Some(n) => n.as_str().ok_or_else(|| {
                    at(
                        file,
                        n.pos,
                        format!("Type of resource {} must be a string", e.key),
                    )
                })?,
                None => {
                    return Err(at(
                        file,
                        e.key_pos,
                        format!("resource {} has no Type", e.key),
                    ))
                }
            };
            let condition = match e.value.get("Condition") {
                None => None,
                Some(n) => Some((
                    n.as_str().ok_or_else(|| {
                        at(
                            file,
                            n.pos,
                            format!("Condition of resource {} must be a condition name", e.key),
                        )
                    })?,
                    n.pos,
                )),
            };
            t.res_index.insert(&e.key, t.resources.len());
            t.resources.push(Resource {
                id: &e.key,
                pos: e.key_pos,
                ty,
                properties: e.value.entry("Properties").map(|p| (p.key_pos, &p.value)),
                condition,
            });
        }
        if let Some(tr) = root.get("Transform") {
            let names: Vec<&Node> = match &tr.kind {
                Kind::Seq(items) => items.iter().collect(),
                _ => vec![tr],
            };
            for n in names {
                let name = match (&n.kind, n.get("Name")) {
                    (Kind::Str(s), _) => s.clone(),
                    (_, Some(name)) => name.scalar_text().unwrap_or_else(|| "(a macro)".into()),
                    _ => "(a macro)".into(),
                };
                t.transforms.push((name, n.pos));
            }
        }
        Ok(t)
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> IacError {
        at(&self.file, pos, message)
    }

    pub fn is_known_name(&self, name: &str) -> bool {
        PSEUDO.contains(&name)
            || self.param_index.contains_key(name)
            || self.res_index.contains_key(name)
    }

    /// The checks that need no values.
    pub fn validate(&self) -> Result<(), IacError> {
        for (_, _, def) in &self.conditions {
            self.check(def, true)?;
        }
        for r in &self.resources {
            if let Some((name, pos)) = r.condition {
                self.check_condition_name(name, pos)?;
            }
            if let Some((_, props)) = r.properties {
                self.check(props, false)?;
            }
        }
        if let Some(outputs) = self.outputs.and_then(Node::entries) {
            for o in outputs {
                if let Some(v) = o.value.get("Value") {
                    self.check(v, false)?;
                }
                if let Some(c) = o.value.get("Condition") {
                    if let Some(name) = c.as_str() {
                        self.check_condition_name(name, c.pos)?;
                    }
                }
                if let Some(x) = o.value.get("Export") {
                    self.check(x, false)?;
                }
            }
        }
        Ok(())
    }

    fn check_condition_name(&self, name: &str, pos: Pos) -> Result<(), IacError> {
        if self.cond_index.contains_key(name) {
            Ok(())
        } else {
            Err(self.err(
                pos,
                format!("condition {name} is not declared in Conditions"),
            ))
        }
    }

    fn check(&self, node: &Node, in_condition: bool) -> Result<(), IacError> {
        match &node.kind {
            Kind::Seq(items) => items.iter().try_for_each(|n| self.check(n, in_condition)),
            Kind::Map(entries) => {
                if in_condition && entries.len() == 1 && entries[0].key == "Condition" {
                    let arg = &entries[0].value;
                    let name = arg
                        .as_str()
                        .ok_or_else(|| self.err(arg.pos, "Condition must name a condition"))?;
                    return self.check_condition_name(name, arg.pos);
                }
                let Some((f, fpos, arg)) = node.intrinsic() else {
                    return entries.iter().try_for_each(|e| self.check(&e.value, false));
                };
                match f {
                    "Ref" => {
                        let name = arg.as_str().ok_or_else(|| {
                            self.err(arg.pos, format!("Ref takes a name, not {}", arg.describe()))
                        })?;
                        if !self.is_known_name(name) {
                            return Err(self.err(
                                arg.pos,
                                format!("Ref to {name}, which is not a parameter, a resource or a pseudo parameter of this template"),
                            ));
                        }
                        Ok(())
                    }
                    "Fn::GetAtt" => {
                        let (res, pos) = match &arg.kind {
                            Kind::Str(s) => match s.split_once('.') {
                                Some((r, _)) => (r, arg.pos),
                                None => {
                                    return Err(
                                        self.err(arg.pos, "Fn::GetAtt takes Resource.Attribute")
                                    );
                                }
                            },
                            Kind::Seq(items) if items.len() == 2 => {
                                self.check(&items[1], false)?;
                                match items[0].as_str() {
                                    Some(r) => (r, items[0].pos),
                                    None => {
                                        return Err(self.err(
                                            items[0].pos,
                                            "Fn::GetAtt takes a resource's logical id",
                                        ))
                                    }
                                }
                            }
                            _ => {
                                return Err(self.err(fpos, "Fn::GetAtt takes [Resource, Attribute]"))
                            }
                        };
                        if !self.res_index.contains_key(res) {
                            return Err(self.err(
                                pos,
                                format!(
                                    "Fn::GetAtt on {res}, which is not a resource of this template"
                                ),
                            ));
                        }
                        Ok(())
                    }
                    "Fn::Sub" => {
                        let (s, spos, vars) = match &arg.kind {
                            Kind::Str(s) => (s.as_str(), arg.pos, None),
                            Kind::Seq(items) if items.len() == 2 => {
                                match (&items[0].kind, items[1].entries()) {
                                    (Kind::Str(s), Some(vars)) => {
                                        (s.as_str(), items[0].pos, Some(vars))
                                    }
                                    _ => {
                                        return Err(self.err(
                                            fpos,
                                            "Fn::Sub takes a string, or [string, {variables}]",
                                        ))
                                    }
                                }
                            }
                            _ => {
                                return Err(self
                                    .err(fpos, "Fn::Sub takes a string, or [string, {variables}]"))
                            }
                        };
                        if let Some(vars) = vars {
                            for v in vars {
                                self.check(&v.value, false)?;
                            }
                        }
                        for part in sub_parts(s) {
                            let SubPart::Var(name) = part else { continue };
                            if vars.is_some_and(|v| v.iter().any(|e| e.key == name)) {
                                continue;
                            }
                            let ok = match name.split_once('.') {
                                Some((r, _)) => self.res_index.contains_key(r),
                                None => self.is_known_name(&name),
                            };
                            if !ok {
                                return Err(self.err(
                                    spos,
                                    format!("Fn::Sub refers to ${{{name}}}, which is not a parameter, a resource, a pseudo parameter or a variable of this template"),
                                ));
                            }
                        }
                        Ok(())
                    }
                    "Fn::If" => {
                        let Some([c, a, b]) =
                            arg.items().and_then(|i| <&[Node; 3]>::try_from(i).ok())
                        else {
                            return Err(self
                                .err(fpos, "Fn::If takes [Condition, ValueIfTrue, ValueIfFalse]"));
                        };
                        let name = c.as_str().ok_or_else(|| {
                            self.err(c.pos, "Fn::If takes a condition name first")
                        })?;
                        self.check_condition_name(name, c.pos)?;
                        self.check(a, false)?;
                        self.check(b, false)
                    }
                    "Fn::FindInMap" => {
                        let Some(items) = arg.items().filter(|i| i.len() == 3 || i.len() == 4)
                        else {
                            return Err(self.err(
                                fpos,
                                "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]",
                            ));
                        };
                        if let Some(name) = items[0].as_str() {
                            if !self.mappings.contains_key(name) {
                                return Err(self.err(items[0].pos, format!("Fn::FindInMap on {name}, which is not declared in Mappings")));
                            }
                        }
                        items.iter().try_for_each(|n| self.check(n, false))
                    }
                    "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => self.check(arg, true),
                    _ => self.check(arg, false),
                }
            }
            _ => Ok(()),
        }
    }

    /// The conditions the resources depend on: named by a resource's
    /// `Condition`, an `Fn::If` in its properties, or (transitively) by such
    /// a condition. Only these are worth evaluating both ways.
    pub fn relevant_conditions(&self) -> Vec<bool> {
        let mut relevant = vec![false; self.conditions.len()];
        let mut todo: Vec<usize> = Vec::new();
        let mark = |name: &str, todo: &mut Vec<usize>, relevant: &mut Vec<bool>| {
            if let Some(&i) = self.cond_index.get(name) {
                if !relevant[i] {
                    relevant[i] = true;
                    todo.push(i);
                }
            }
        };
        for r in &self.resources {
            if let Some((name, _)) = r.condition {
                mark(name, &mut todo, &mut relevant);
            }
            if let Some((_, props)) = r.properties {
                let mut names = Vec::new();
                condition_names(props, &mut names);
                for n in names {
                    mark(n, &mut todo, &mut relevant);
                }
            }
        }
        while let Some(i) = todo.pop() {
            let mut names = Vec::new();
            condition_names(self.conditions[i].2, &mut names);
            for n in names {
                mark(n, &mut todo, &mut relevant);
            }
        }
        relevant
    }

    /// A parameter's value: from `given` (later entries win), else its
    /// `Default`, else unknown.
    pub fn parameter_values(
        &self,
        given: &[(String, String)],
        notes: &mut Vec<String>,
    ) -> Result<HashMap<String, Val>, IacError> {
        let mut out = HashMap::new();
        for (k, _) in given {
            if !self.param_index.contains_key(k.as_str()) {
                let note = format!(
                    "parameter {k} was given but the template does not declare it: ignored"
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        for p in &self.params {
            let name = p.name;
            let passed = given
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
            let val = if p.ty.starts_with("AWS::SSM::Parameter::Value<") {
                Val::Unknown(format!(
                    "depends on parameter {name} of type {}, read from Systems Manager Parameter Store at deploy",
                    p.ty
                ))
            } else {
                let raw = match passed {
                    Some(v) => {
                        self.check_allowed(p, &v)?;
                        Some(v)
                    }
                    None => match p.default {
                        None => None,
                        Some(d) => Some(match &d.kind {
                            Kind::Seq(items) => items
                                .iter()
                                .map(|n| {
                                    n.scalar_text().ok_or_else(|| {
                                        self.err(
                                            n.pos,
                                            format!("Default of parameter {name} must be a string"),
                                        )
                                    })
                                })
                                .collect::<Result<Vec<_>, _>>()?
                                .join(","),
                            _ => d.scalar_text().ok_or_else(|| {
                                self.err(
                                    d.pos,
                                    format!("Default of parameter {name} must be a string"),
                                )
                            })?,
                        }),
                    },
                };
                match raw {
                    None => Val::Unknown(format!(
                        "depends on parameter {name}, which has no value (pass --parameter {name}=...)"
                    )),
                    Some(v) if p.ty == "CommaDelimitedList" || p.ty.starts_with("List<") => {
                        if v.is_empty() {
                            Val::List(Vec::new())
                        } else {
                            Val::List(v.split(',').map(|s| Val::Str(s.trim().to_string())).collect())
                        }
                    }
                    Some(v) => Val::Str(v),
                }
            };
            out.insert(name.to_string(), val);
        }
        Ok(out)
    }

    fn check_allowed(&self, p: &Param, value: &str) -> Result<(), IacError> {
        let Some(allowed) = p.allowed.and_then(Node::items) else {
            return Ok(());
        };
        if p.ty == "CommaDelimitedList" || p.ty.starts_with("List<") {
            return Ok(());
        }
        let allowed: Vec<String> = allowed.iter().filter_map(Node::scalar_text).collect();
        if allowed.iter().any(|a| a == value) {
            return Ok(());
        }
        Err(IacError::Input {
            file: self.file.clone(),
            message: format!(
                "parameter {}={value} is not one of its AllowedValues ({})",
                p.name,
                allowed.join(", ")
            ),
        })
    }
}

/// The condition names a node refers to (`Fn::If` first arguments and
/// `{"Condition": name}`).
fn condition_names<'n>(node: &'n Node, out: &mut Vec<&'n str>) {
    match &node.kind {
        Kind::Seq(items) => items.iter().for_each(|n| condition_names(n, out)),
        Kind::Map(entries) => {
            if entries.len() == 1 {
                let e = &entries[0];
                if e.key == "Condition" {
                    if let Some(s) = e.value.as_str() {
                        out.push(s);
                    }
                }
                if e.key == "Fn::If" {
                    if let Some(s) = e
                        .value
                        .items()
                        .and_then(|i| i.first())
                        .and_then(Node::as_str)
                    {
                        out.push(s);
                    }
                }
            }
            entries.iter().for_each(|e| condition_names(&e.value, out));
        }
        _ => {}
    }
}
