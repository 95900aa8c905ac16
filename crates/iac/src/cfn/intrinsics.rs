//! Values of a template in one region, under one assumption about its
//! undecided conditions: pseudo parameters, parameters, intrinsic functions
//! and conditions.
//!
//! A value that cannot be known before deploy is [`Val::Unknown`], with the
//! end of the sentence that says why ("depends on parameter X, which has no
//! value (pass --parameter X=...)"); whatever is computed from it is unknown
//! for the same (first) reason.

use std::collections::{HashMap, HashSet};

use super::node::{Kind, Node, Pos};
use super::regions::Partition;
use super::template::{at, Template};
use crate::ir::V;
use crate::IacError;

/// How deep evaluation may go: node nesting plus chains of `Fn::GetAtt` on
/// properties that use `Fn::GetAtt` in turn.
const MAX_EVAL_DEPTH: usize = 400;
/// The longest string `Fn::Join` / `Fn::Sub` may build.
const MAX_TEXT: usize = 1 << 20;

/// An evaluated value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    /// A resource of the template, by logical id: what `Ref` and the id
    /// attributes (`Fn::GetAtt Subnet.SubnetId`) give. As an id it is the
    /// logical id (the IR's [`crate::ir::Id`]); inside a longer string it is
    /// unknown (the physical id is given at deploy).
    Res(String),
    /// `Fn::GetAZs` of a region: a list of unknown length. Element `i` is
    /// the string `<region>:GetAZs[i]`: a symbolic zone, distinct indexes
    /// being distinct zones (as AWS lists each zone once), the same index
    /// the same zone.
    Azs(String),
    /// `AWS::NoValue`: the property or list element is removed.
    NoValue,
    Unknown(String),
}

/// A condition's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Known(bool),
    /// Depends on an unknown value, for this reason.
    Undecided(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SubPart {
    Lit(String),
    Var(String),
}

/// Splits an `Fn::Sub` string into literal text and `${Var}` names
/// (`${!Literal}` is the literal `${Literal}`).
pub(crate) fn sub_parts(s: &str) -> Vec<SubPart> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        lit.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(a) = after.strip_prefix('!') {
            lit.push_str("${");
            rest = a;
            continue;
        }
        match after.find('}') {
            Some(j) => {
                if !lit.is_empty() {
                    parts.push(SubPart::Lit(std::mem::take(&mut lit)));
                }
                parts.push(SubPart::Var(after[..j].trim().to_string()));
                rest = &after[j + 1..];
            }
            None => {
                lit.push_str("${");
                rest = after;
            }
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(SubPart::Lit(lit));
    }
    parts
}

fn azs_reason(region: &str) -> String {
    format!("depends on the list of availability zones of {region}, known only at deploy")
}

fn dynamic_reference(s: &str) -> Option<String> {
    let i = s.find("{{resolve:")?;
    let tail = &s[i..];
    let end = tail.find("}}").map(|j| j + 2).unwrap_or(tail.len());
    let shown: String = tail[..end].chars().take(120).collect();
    Some(format!(
        "depends on the dynamic reference {shown}, resolved at deploy"
    ))
}

/// The first unknown inside a value, as a reason.
pub(crate) fn first_unknown(v: &Val) -> Option<String> {
    match v {
        Val::Unknown(r) => Some(r.clone()),
        Val::Azs(r) => Some(azs_reason(r)),
        Val::List(items) => items.iter().find_map(first_unknown),
        Val::Map(entries) => entries.iter().find_map(|(_, v)| first_unknown(v)),
        _ => None,
    }
}

pub(crate) fn describe(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Num(_) => "a number",
        Val::Str(_) | Val::Res(_) => "a string",
        Val::List(_) | Val::Azs(_) => "a list",
        Val::Map(_) => "a mapping",
        Val::NoValue => "AWS::NoValue",
        Val::Unknown(_) => "an unknown value",
    }
}

/// The attributes that are a resource's own id: `Fn::GetAtt` on them is the
/// same as `Ref` (the logical id, in the IR).
fn is_id_attribute(ty: &str, attr: &str) -> bool {
    matches!(
        (ty, attr),
        ("AWS::EC2::VPC", "VpcId")
            | ("AWS::EC2::Subnet", "SubnetId")
            | ("AWS::EC2::SecurityGroup", "GroupId")
            | ("AWS::EC2::VPCEndpoint", "Id")
            | ("AWS::EC2::RouteTable", "RouteTableId")
            | ("AWS::EC2::PrefixList", "PrefixListId")
            | ("AWS::EC2::InternetGateway", "InternetGatewayId")
            | ("AWS::EC2::NatGateway", "NatGatewayId")
            | ("AWS::EC2::TransitGateway", "Id")
            | ("AWS::EC2::EgressOnlyInternetGateway", "Id")
            | ("AWS::EC2::NetworkInterface", "Id")
            | ("AWS::EC2::VPCPeeringConnection", "Id")
            | ("AWS::EC2::Instance", "InstanceId")
            | ("AWS::EC2::CarrierGateway", "CarrierGatewayId")
            | ("AWS::EC2::VPNGateway", "VPNGatewayId")
    )
}

/// Known text, or the reason it is unknown.
pub(crate) type Text = Result<String, String>;

pub(crate) struct Eval<'t, 'n> {
    pub t: &'t Template<'n>,
    pub params: &'t HashMap<String, Val>,
    pub region: &'t str,
    pub partition: &'t Partition,
    pub account: Option<&'t str>,
    /// Conditions fixed for this variant, by index (`None`: evaluated).
    pub assumed: &'t [Option<bool>],
    cond_memo: HashMap<usize, Cond>,
    cond_active: HashSet<usize>,
    attr_memo: HashMap<(usize, String), Val>,
    attr_active: HashSet<(usize, String)>,
    depth: usize,
}

impl<'t, 'n> Eval<'t, 'n> {
    pub fn new(
        t: &'t Template<'n>,
        params: &'t HashMap<String, Val>,
        region: &'t str,
        partition: &'t Partition,
        account: Option<&'t str>,
        assumed: &'t [Option<bool>],
    ) -> Eval<'t, 'n> {
        Eval {
            t,
            params,
            region,
            partition,
            account,
            assumed,
            cond_memo: HashMap::new(),
            cond_active: HashSet::new(),
            attr_memo: HashMap::new(),
            attr_active: HashSet::new(),
            depth: 0,
        }
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> IacError {
        at(&self.t.file, pos, message)
    }

    fn enter(&mut self, pos: Pos) -> Result<(), IacError> {
        self.depth += 1;
        if self.depth > MAX_EVAL_DEPTH {
            self.depth = 0;
            return Err(self.err(
                pos,
                format!("intrinsic functions nest deeper than {MAX_EVAL_DEPTH} levels (Fn::GetAtt chains included)"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn eval(&mut self, node: &Node) -> Result<Val, IacError> {
        self.enter(node.pos)?;
        let r = self.eval_inner(node);
        self.leave();
        r
    }

    fn eval_inner(&mut self, node: &Node) -> Result<Val, IacError> {
        Ok(match &node.kind {
            Kind::Null => Val::Null,
            Kind::Bool(b) => Val::Bool(*b),
            Kind::Number(n) => Val::Num(n.clone()),
            Kind::Str(s) => match dynamic_reference(s) {
                Some(reason) => Val::Unknown(reason),
                None => Val::Str(s.clone()),
            },
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for n in items {
                    match self.eval(n)? {
                        Val::NoValue => {}
                        v => out.push(v),
                    }
                }
                Val::List(out)
            }
            Kind::Map(entries) => {
                if let Some((f, fpos, arg)) = node.intrinsic() {
                    return self.call(f, fpos, arg, node);
                }
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    match self.eval(&e.value)? {
                        Val::NoValue => {}
                        v => out.push((e.key.clone(), v)),
                    }
                }
                Val::Map(out)
            }
        })
    }

    fn args<'a>(
        &self,
        f: &str,
        fpos: Pos,
        arg: &'a Node,
        n: std::ops::RangeInclusive<usize>,
        shape: &str,
    ) -> Result<&'a [Node], IacError> {
        match arg.items() {
            Some(items) if n.contains(&items.len()) => Ok(items),
            _ => Err(self.err(fpos, format!("{f} takes {shape}"))),
        }
    }

    fn call(&mut self, f: &str, fpos: Pos, arg: &Node, node: &Node) -> Result<Val, IacError> {
        // One small method per function: a deep nesting costs little stack
        // per level, also in debug builds.
        match f {
            "Ref" => self.fn_ref(arg),
            "Fn::GetAtt" => self.fn_get_att(fpos, arg),
            "Fn::Sub" => self.sub(arg, fpos),
            "Fn::Join" => self.fn_join(f, fpos, arg),
            "Fn::Select" => self.fn_select(f, fpos, arg),
            "Fn::Split" => self.fn_split(f, fpos, arg),
            "Fn::FindInMap" => self.find_in_map(arg, fpos),
            "Fn::If" => self.fn_if(f, fpos, arg),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => Ok(match self.cond_expr(node)? {
                Cond::Known(b) => Val::Bool(b),
                Cond::Undecided(r) => Val::Unknown(r),
            }),
            "Fn::GetAZs" => self.fn_get_azs(f, arg),
            "Fn::Base64" => self.fn_base64(f, arg),
            "Fn::ImportValue" => Ok(Val::Unknown("depends on Fn::ImportValue, known only at deploy".into())),
            "Fn::Cidr" => Ok(Val::Unknown("depends on Fn::Cidr, which this reader does not compute".into())),
            "Fn::Transform" => Ok(Val::Unknown("depends on Fn::Transform (a macro), applied at deploy".into())),
            "Fn::Length" => self.fn_length(arg),
            "Fn::ToJsonString" => self.fn_to_json_string(arg),
            "Fn::ForEach" => Ok(Val::Unknown(
                "depends on Fn::ForEach of the AWS::LanguageExtensions transform, which this reader does not apply".into(),
            )),
            _ => Err(self.err(fpos, format!("unknown intrinsic function {f}"))),
        }
    }

    fn fn_ref(&mut self, arg: &Node) -> Result<Val, IacError> {
        let name = arg.as_str().ok_or_else(|| {
            self.err(arg.pos, format!("Ref takes a name, not {}", arg.describe()))
        })?;
        self.reference(name, arg.pos)
    }

    fn fn_get_att(&mut self, fpos: Pos, arg: &Node) -> Result<Val, IacError> {
        let (res, rpos, attr) = match &arg.kind {
            Kind::Str(s) => match s.split_once('.') {
                Some((r, a)) => (r, arg.pos, a.to_string()),
                None => return Err(self.err(arg.pos, "Fn::GetAtt takes Resource.Attribute")),
            },
            Kind::Seq(items) if items.len() == 2 => {
                let r = items[0].as_str().ok_or_else(|| {
                    self.err(items[0].pos, "Fn::GetAtt takes a resource's logical id")
                })?;
                let a = self.eval(&items[1])?;
                match self.text_of(&a, "Fn::GetAtt", items[1].pos)? {
                    Ok(a) => (r, items[0].pos, a),
                    Err(reason) => return Ok(Val::Unknown(reason)),
                }
            }
            _ => return Err(self.err(fpos, "Fn::GetAtt takes [Resource, Attribute]")),
        };
        let idx = *self.t.res_index.get(res).ok_or_else(|| {
            self.err(
                rpos,
                format!("Fn::GetAtt on {res}, which is not a resource of this template"),
            )
        })?;
        self.get_att(idx, &attr, rpos)
    }

    fn fn_join(&mut self, f: &str, fpos: Pos, arg: &Node) -> Result<Val, IacError> {
        let items = self.args(f, fpos, arg, 2..=2, "[delimiter, [values]]")?;
        let delim = self.eval(&items[0])?;
        let delim = match self.text_of(&delim, f, items[0].pos)? {
            Ok(d) => d,
            Err(r) => return Ok(Val::Unknown(r)),
        };
        let values = match self.eval(&items[1])? {
            Val::List(v) => v,
            Val::Unknown(r) => return Ok(Val::Unknown(r)),
            Val::Azs(r) => return Ok(Val::Unknown(azs_reason(&r))),
            other => {
                return Err(self.err(
                    items[1].pos,
                    format!("Fn::Join takes a list of values, not {}", describe(&other)),
                ))
            }
        };
        if let [Val::Res(id)] = values.as_slice() {
            return Ok(Val::Res(id.clone()));
        }
        let mut out = String::new();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(&delim);
            }
            match self.text_of(v, f, items[1].pos)? {
                Ok(s) => out.push_str(&s),
                Err(r) => return Ok(Val::Unknown(r)),
            }
            if out.len() > MAX_TEXT {
                return Err(self.err(
                    fpos,
                    format!("Fn::Join builds a string longer than {MAX_TEXT} bytes"),
                ));
            }
        }
        Ok(Val::Str(out))
    }

    fn fn_select(&mut self, f: &str, fpos: Pos, arg: &Node) -> Result<Val, IacError> {
        let items = self.args(f, fpos, arg, 2..=2, "[index, [values]]")?;
        let index = self.eval(&items[0])?;
        let index = match self.text_of(&index, f, items[0].pos)? {
            Ok(i) => i.trim().parse::<usize>().map_err(|_| {
                self.err(
                    items[0].pos,
                    format!("Fn::Select index {i:?} is not a number"),
                )
            })?,
            Err(r) => return Ok(Val::Unknown(r)),
        };
        match self.eval(&items[1])? {
                Val::List(v) => Ok(match v.into_iter().nth(index) {
                    Some(v) => v,
                    None => Val::Unknown(format!(
                        "depends on Fn::Select of element {index} of a shorter list (CloudFormation would refuse the stack)"
                    )),
                }),
                Val::Azs(region) => Ok(Val::Str(format!("{region}:GetAZs[{index}]"))),
                Val::Unknown(r) => Ok(Val::Unknown(r)),
                other => Err(self.err(items[1].pos, format!("Fn::Select takes a list of values, not {}", describe(&other)))),
            }
    }

    fn fn_split(&mut self, f: &str, fpos: Pos, arg: &Node) -> Result<Val, IacError> {
        let items = self.args(f, fpos, arg, 2..=2, "[delimiter, string]")?;
        let delim = self.eval(&items[0])?;
        let source = self.eval(&items[1])?;
        let delim = match self.text_of(&delim, f, items[0].pos)? {
            Ok(d) if !d.is_empty() => d,
            Ok(_) => return Err(self.err(items[0].pos, "Fn::Split needs a non-empty delimiter")),
            Err(r) => return Ok(Val::Unknown(r)),
        };
        match self.text_of(&source, f, items[1].pos)? {
            Ok(s) => Ok(Val::List(
                s.split(delim.as_str())
                    .map(|p| Val::Str(p.to_string()))
                    .collect(),
            )),
            Err(r) => Ok(Val::Unknown(r)),
        }
    }

    fn fn_if(&mut self, f: &str, fpos: Pos, arg: &Node) -> Result<Val, IacError> {
        let items = self.args(
            f,
            fpos,
            arg,
            3..=3,
            "[Condition, ValueIfTrue, ValueIfFalse]",
        )?;
        let name = items[0]
            .as_str()
            .ok_or_else(|| self.err(items[0].pos, "Fn::If takes a condition name first"))?;
        match self.condition(name, items[0].pos)? {
            Cond::Known(true) => self.eval(&items[1]),
            Cond::Known(false) => self.eval(&items[2]),
            Cond::Undecided(r) => Ok(Val::Unknown(r)),
        }
    }

    fn fn_get_azs(&mut self, f: &str, arg: &Node) -> Result<Val, IacError> {
        let v = self.eval(arg)?;
        Ok(match self.text_of(&v, f, arg.pos)? {
            Ok(r) if r.is_empty() => Val::Azs(self.region.to_string()),
            Ok(r) => Val::Azs(r),
            Err(reason) => Val::Unknown(reason),
        })
    }

    fn fn_base64(&mut self, f: &str, arg: &Node) -> Result<Val, IacError> {
        let v = self.eval(arg)?;
        Ok(match self.text_of(&v, f, arg.pos)? {
            Ok(s) => Val::Str(s),
            Err(r) => Val::Unknown(r),
        })
    }

    fn fn_length(&mut self, arg: &Node) -> Result<Val, IacError> {
        Ok(match self.eval(arg)? {
            Val::List(v) => Val::Num(v.len().to_string()),
            Val::Unknown(r) => Val::Unknown(r),
            Val::Azs(r) => Val::Unknown(azs_reason(&r)),
            other => {
                return Err(self.err(
                    arg.pos,
                    format!("Fn::Length takes a list, not {}", describe(&other)),
                ))
            }
        })
    }

    fn fn_to_json_string(&mut self, arg: &Node) -> Result<Val, IacError> {
        let v = self.eval(arg)?;
        Ok(match self.json_of(&v)? {
            Ok(j) => Val::Str(j.to_string()),
            Err(r) => Val::Unknown(r),
        })
    }

    pub fn reference(&mut self, name: &str, pos: Pos) -> Result<Val, IacError> {
        Ok(match name {
            "AWS::Region" => Val::Str(self.region.to_string()),
            "AWS::Partition" => Val::Str(self.partition.name.to_string()),
            "AWS::URLSuffix" => Val::Str(self.partition.url_suffix.to_string()),
            "AWS::AccountId" => match self.account {
                Some(a) => Val::Str(a.to_string()),
                None => Val::Unknown("depends on AWS::AccountId, which was not given".into()),
            },
            "AWS::StackName" | "AWS::StackId" | "AWS::NotificationARNs" => {
                Val::Unknown(format!("depends on {name}, known only at deploy"))
            }
            "AWS::NoValue" => Val::NoValue,
            _ => {
                if let Some(v) = self.params.get(name) {
                    v.clone()
                } else if self.t.res_index.contains_key(name) {
                    Val::Res(name.to_string())
                } else {
                    return Err(self.err(
                        pos,
                        format!("Ref to {name}, which is not a parameter, a resource or a pseudo parameter of this template"),
                    ));
                }
            }
        })
    }

    fn get_att(&mut self, idx: usize, attr: &str, pos: Pos) -> Result<Val, IacError> {
        let t = self.t;
        let r = &t.resources[idx];
        let (id, ty) = (r.id, r.ty);
        if is_id_attribute(ty, attr) {
            return Ok(Val::Res(id.to_string()));
        }
        // The default security group AWS creates with the VPC ("When you
        // create a VPC, it comes with a default security group", Amazon VPC
        // User Guide): the builder models it under this id.
        if ty == "AWS::EC2::VPC" && attr == "DefaultSecurityGroup" {
            return Ok(Val::Res(crate::build::default_security_group_id(id)));
        }
        let key = (idx, attr.to_string());
        if let Some(v) = self.attr_memo.get(&key) {
            return Ok(v.clone());
        }
        let unknown = || {
            Val::Unknown(format!(
                "depends on attribute {attr} of {ty} {id}, known only at deploy"
            ))
        };
        let node = r
            .properties
            .map(|(_, n)| n)
            .filter(|n| n.intrinsic().is_none())
            .and_then(|n| n.get(attr));
        let v = match node {
            None => unknown(),
            Some(n) => {
                if !self.attr_active.insert(key.clone()) {
                    return Err(self.err(
                        pos,
                        format!("circular reference: Fn::GetAtt {id}.{attr} depends on itself"),
                    ));
                }
                let v = self.eval(n);
                self.attr_active.remove(&key);
                match v? {
                    Val::NoValue => unknown(),
                    Val::Map(_) => unknown(),
                    Val::List(items)
                        if items
                            .iter()
                            .any(|i| matches!(i, Val::List(_) | Val::Map(_))) =>
                    {
                        unknown()
                    }
                    v => v,
                }
            }
        };
        self.attr_memo.insert(key, v.clone());
        Ok(v)
    }

    fn sub(&mut self, arg: &Node, fpos: Pos) -> Result<Val, IacError> {
        let (s, spos, vars) = match &arg.kind {
            Kind::Str(s) => (s.as_str(), arg.pos, None),
            Kind::Seq(items) if items.len() == 2 => match (&items[0].kind, items[1].entries()) {
                (Kind::Str(s), Some(vars)) => (s.as_str(), items[0].pos, Some(vars)),
                _ => return Err(self.err(fpos, "Fn::Sub takes a string, or [string, {variables}]")),
            },
            _ => return Err(self.err(fpos, "Fn::Sub takes a string, or [string, {variables}]")),
        };
        let mut values: Vec<(&str, Val)> = Vec::new();
        for e in vars.unwrap_or(&[]) {
            let v = self.eval(&e.value)?;
            values.push((&e.key, v));
        }
        let parts = sub_parts(s);
        let mut out = String::new();
        let single = parts.len() == 1;
        for part in parts {
            match part {
                SubPart::Lit(l) => out.push_str(&l),
                SubPart::Var(name) => {
                    let v = match values.iter().find(|(k, _)| *k == name) {
                        Some((_, v)) => v.clone(),
                        None => match name.split_once('.') {
                            Some((r, a)) => {
                                let idx = *self.t.res_index.get(r).ok_or_else(|| {
                                    self.err(spos, format!("Fn::Sub refers to ${{{name}}}, but {r} is not a resource of this template"))
                                })?;
                                self.get_att(idx, a, spos)?
                            }
                            None => self.reference(&name, spos)?,
                        },
                    };
                    if single {
                        if let Val::Res(_) = v {
                            return Ok(v);
                        }
                    }
                    match self.text_of(&v, "Fn::Sub", spos)? {
                        Ok(t) => out.push_str(&t),
                        Err(r) => return Ok(Val::Unknown(r)),
                    }
                    if out.len() > MAX_TEXT {
                        return Err(self.err(
                            fpos,
                            format!("Fn::Sub builds a string longer than {MAX_TEXT} bytes"),
                        ));
                    }
                }
            }
        }
        Ok(match dynamic_reference(&out) {
            Some(r) => Val::Unknown(r),
            None => Val::Str(out),
        })
    }

    fn find_in_map(&mut self, arg: &Node, fpos: Pos) -> Result<Val, IacError> {
        let items = self.args(
            "Fn::FindInMap",
            fpos,
            arg,
            3..=4,
            "[MapName, TopLevelKey, SecondLevelKey] (and optionally {DefaultValue: ...})",
        )?;
        let mut keys = Vec::with_capacity(3);
        for n in &items[..3] {
            let v = self.eval(n)?;
            match self.text_of(&v, "Fn::FindInMap", n.pos)? {
                Ok(k) => keys.push(k),
                Err(r) => return Ok(Val::Unknown(r)),
            }
        }
        let default = match items.get(3) {
            None => None,
            Some(d) => Some(d.get("DefaultValue").ok_or_else(|| {
                self.err(
                    d.pos,
                    "the fourth argument of Fn::FindInMap is {DefaultValue: ...}",
                )
            })?),
        };
        let found = self
            .t
            .mappings
            .get(keys[0].as_str())
            .and_then(|m| m.get(keys[1].as_str()))
            .and_then(|top| top.get(keys[2].as_str()))
            .copied();
        match (found, default) {
            (Some(n), _) => self.eval(n),
            (None, Some(d)) => self.eval(d),
            (None, None) => Ok(Val::Unknown(format!(
                "depends on Fn::FindInMap [{}, {}, {}], which Mappings does not define (CloudFormation would refuse the stack)",
                keys[0], keys[1], keys[2]
            ))),
        }
    }

    /// A value as text, where an intrinsic function wants a string.
    /// `Err` inside is the reason the text is unknown; the outer error is a
    /// value CloudFormation refuses there.
    pub fn text_of(&mut self, v: &Val, f: &str, pos: Pos) -> Result<Text, IacError> {
        Ok(match v {
            Val::Str(s) | Val::Num(s) => Ok(s.clone()),
            Val::Bool(b) => Ok(b.to_string()),
            Val::Res(id) => self.res_text(id)?,
            Val::Unknown(r) => Err(r.clone()),
            Val::Azs(r) => Err(azs_reason(r)),
            other => {
                return Err(self.err(
                    pos,
                    format!("{f} wants a string here, not {}", describe(other)),
                ))
            }
        })
    }

    /// A resource's `Ref` value as text: the name a few types take from
    /// their properties, else unknown (AWS names it at deploy).
    pub fn res_text(&mut self, id: &str) -> Result<Text, IacError> {
        let unknown = |ty: &str| {
            Err(format!(
                "depends on the physical id of {ty} {id}, known only at deploy"
            ))
        };
        let t = self.t;
        let Some(&idx) = t.res_index.get(id) else {
            return Ok(unknown("resource"));
        };
        let r = &t.resources[idx];
        let ty = r.ty;
        let name_prop = match ty {
            "AWS::S3::Bucket" => "BucketName",
            "AWS::CloudTrail::Trail" => "TrailName",
            _ => return Ok(unknown(ty)),
        };
        match self.get_att(idx, name_prop, r.pos)? {
            Val::Str(s) => Ok(Ok(s)),
            _ => Ok(unknown(ty)),
        }
    }

    /// A value as JSON (a policy document), or the reason it is unknown.
    pub fn json_of(&mut self, v: &Val) -> Result<Result<serde_json::Value, String>, IacError> {
        use serde_json::Value as J;
        Ok(Ok(match v {
            Val::Null | Val::NoValue => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Num(n) => match serde_json::from_str::<serde_json::Number>(n) {
                Ok(n) => J::Number(n),
                Err(_) => J::String(n.clone()),
            },
            Val::Str(s) => J::String(s.clone()),
            Val::Res(id) => match self.res_text(id)? {
                Ok(s) => J::String(s),
                Err(r) => return Ok(Err(r)),
            },
            Val::Unknown(r) => return Ok(Err(r.clone())),
            Val::Azs(r) => return Ok(Err(azs_reason(r))),
            Val::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match self.json_of(i)? {
                        Ok(j) => out.push(j),
                        Err(r) => return Ok(Err(r)),
                    }
                }
                J::Array(out)
            }
            Val::Map(entries) => {
                let mut out = serde_json::Map::new();
                for (k, i) in entries {
                    match self.json_of(i)? {
                        Ok(j) => {
                            out.insert(k.clone(), j);
                        }
                        Err(r) => return Ok(Err(r)),
                    }
                }
                J::Object(out)
            }
        }))
    }

    pub fn condition(&mut self, name: &str, pos: Pos) -> Result<Cond, IacError> {
        let idx = *self.t.cond_index.get(name).ok_or_else(|| {
            self.err(
                pos,
                format!("condition {name} is not declared in Conditions"),
            )
        })?;
        self.condition_at(idx)
    }

    pub fn condition_at(&mut self, idx: usize) -> Result<Cond, IacError> {
        if let Some(Some(b)) = self.assumed.get(idx) {
            return Ok(Cond::Known(*b));
        }
        if let Some(c) = self.cond_memo.get(&idx) {
            return Ok(c.clone());
        }
        let (name, pos, def) = self.t.conditions[idx];
        if !self.cond_active.insert(idx) {
            return Err(self.err(pos, format!("condition {name} depends on itself")));
        }
        let c = self.cond_expr(def);
        self.cond_active.remove(&idx);
        let c = c?;
        self.cond_memo.insert(idx, c.clone());
        Ok(c)
    }

    fn cond_expr(&mut self, node: &Node) -> Result<Cond, IacError> {
        self.enter(node.pos)?;
        let r = self.cond_inner(node);
        self.leave();
        r
    }

    fn cond_inner(&mut self, node: &Node) -> Result<Cond, IacError> {
        let expected = "a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition)";
        if let Some([e]) = node.entries() {
            if e.key == "Condition" {
                let name = e
                    .value
                    .as_str()
                    .ok_or_else(|| self.err(e.value.pos, "Condition must name a condition"))?;
                return self.condition(name, e.value.pos);
            }
        }
        let Some((f, fpos, arg)) = node.intrinsic() else {
            return Err(self.err(
                node.pos,
                format!("expected {expected}, found {}", node.describe()),
            ));
        };
        match f {
            "Fn::Equals" => {
                let items = self.args(f, fpos, arg, 2..=2, "[value, value]")?;
                let a = self.eval(&items[0])?;
                let b = self.eval(&items[1])?;
                self.equal(&a, &b)
            }
            "Fn::Not" => {
                let items = self.args(f, fpos, arg, 1..=1, "[condition]")?;
                Ok(match self.cond_expr(&items[0])? {
                    Cond::Known(b) => Cond::Known(!b),
                    u => u,
                })
            }
            "Fn::And" | "Fn::Or" => {
                let items = self.args(f, fpos, arg, 2..=10, "from 2 to 10 conditions")?;
                let decisive = f == "Fn::Or";
                let mut undecided = None;
                for n in items {
                    match self.cond_expr(n)? {
                        Cond::Known(b) if b == decisive => return Ok(Cond::Known(decisive)),
                        Cond::Known(_) => {}
                        Cond::Undecided(r) => {
                            undecided.get_or_insert(r);
                        }
                    }
                }
                Ok(match undecided {
                    Some(r) => Cond::Undecided(r),
                    None => Cond::Known(!decisive),
                })
            }
            _ => Err(self.err(fpos, format!("expected {expected}, found {f}"))),
        }
    }

    fn equal(&mut self, a: &Val, b: &Val) -> Result<Cond, IacError> {
        if let Some(r) = first_unknown(a).or_else(|| first_unknown(b)) {
            return Ok(Cond::Undecided(r));
        }
        Ok(match (a, b) {
            (Val::Res(x), Val::Res(y)) => Cond::Known(x == y),
            (Val::Res(x), other) | (other, Val::Res(x)) => match self.res_text(x)? {
                Ok(s) => match scalar(other) {
                    Some(o) => Cond::Known(s == o),
                    None => Cond::Known(false),
                },
                Err(r) => Cond::Undecided(r),
            },
            (Val::List(x), Val::List(y)) => {
                if x.len() != y.len() {
                    return Ok(Cond::Known(false));
                }
                for (i, j) in x.iter().zip(y) {
                    match self.equal(i, j)? {
                        Cond::Known(true) => {}
                        other => return Ok(other),
                    }
                }
                Cond::Known(true)
            }
            _ => match (scalar(a), scalar(b)) {
                (Some(x), Some(y)) => Cond::Known(x == y),
                _ => Cond::Known(false),
            },
        })
    }

    // Conversions for the resource readers: unknown and unfit values become
    // `V::Unknown` with the end of a sentence ("depends on ...", "is not a
    // boolean (found a list)").

    pub fn v_text(&mut self, v: &Val) -> Result<V<String>, IacError> {
        Ok(match v {
            Val::Str(s) | Val::Num(s) => V::Known(s.clone()),
            Val::Bool(b) => V::Known(b.to_string()),
            Val::Res(id) => match self.res_text(id)? {
                Ok(s) => V::Known(s),
                Err(r) => V::Unknown(r),
            },
            Val::Unknown(r) => V::Unknown(r.clone()),
            other => V::Unknown(format!("is not a string (found {})", describe(other))),
        })
    }

    pub fn v_id(&self, v: &Val) -> V<String> {
        match v {
            Val::Str(s) | Val::Num(s) | Val::Res(s) => V::Known(s.clone()),
            Val::Unknown(r) => V::Unknown(r.clone()),
            other => V::Unknown(format!("is not an id (found {})", describe(other))),
        }
    }

    pub fn v_bool(&self, v: &Val) -> V<bool> {
        match v {
            Val::Bool(b) => V::Known(*b),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => V::Known(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => V::Known(false),
            Val::Unknown(r) => V::Unknown(r.clone()),
            Val::Str(s) => V::Unknown(format!("is not a boolean (found {s:?})")),
            other => V::Unknown(format!("is not a boolean (found {})", describe(other))),
        }
    }

    pub fn v_i32(&self, v: &Val) -> V<i32> {
        match v {
            Val::Num(s) | Val::Str(s) => match s.trim().parse::<i32>() {
                Ok(n) => V::Known(n),
                Err(_) => V::Unknown(format!("is not an integer (found {s:?})")),
            },
            Val::Unknown(r) => V::Unknown(r.clone()),
            other => V::Unknown(format!("is not an integer (found {})", describe(other))),
        }
    }

    pub fn v_list(&self, v: &Val) -> V<Vec<Val>> {
        match v {
            Val::List(items) => V::Known(items.clone()),
            Val::Azs(r) => V::Unknown(azs_reason(r)),
            Val::Unknown(r) => V::Unknown(r.clone()),
            other => V::Unknown(format!("is not a list (found {})", describe(other))),
        }
    }
}

fn scalar(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) | Val::Num(s) => Some(s.clone()),
        Val::Bool(b) => Some(b.to_string()),
        Val::Null | Val::NoValue => Some(String::new()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::regions::partition;

    #[test]
    fn sub_parts_split_variables_and_literals() {
        assert_eq!(
            sub_parts("arn:${AWS::Partition}:s3:::${Bucket}/*"),
            vec![
                SubPart::Lit("arn:".into()),
                SubPart::Var("AWS::Partition".into()),
                SubPart::Lit(":s3:::".into()),
                SubPart::Var("Bucket".into()),
                SubPart::Lit("/*".into()),
            ]
        );
        assert_eq!(
            sub_parts("${!Literal}-${ X.Y }"),
            vec![
                SubPart::Lit("${Literal}-".into()),
                SubPart::Var("X.Y".into())
            ]
        );
        assert_eq!(sub_parts("open ${"), vec![SubPart::Lit("open ${".into())]);
    }

    fn eval_in(src: &str, expr: &str, params: &[(&str, &str)]) -> Val {
        let root = crate::cfn::yaml::parse(src).unwrap();
        let t = Template::read(&root, "t.yaml").unwrap();
        t.validate().unwrap();
        let given: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let values = t.parameter_values(&given, &mut Vec::new()).unwrap();
        let expr = crate::cfn::yaml::parse(expr).unwrap();
        let mut ev = Eval::new(
            &t,
            &values,
            "eu-west-1",
            partition("aws").unwrap(),
            Some("123456789012"),
            &[],
        );
        ev.eval(&expr).unwrap()
    }

    const TPL: &str = "
Parameters:
  Env: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: 'a, b,c'}
  Cidr: {Type: String, Default: 10.0.0.0/16}
  Ami: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}
Mappings:
  M:
    eu-west-1: {Name: dublin}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  InEu: !Equals [!Ref AWS::Region, eu-west-1]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: logs
";

    #[test]
    fn pseudo_parameters_and_parameters() {
        assert_eq!(
            eval_in(
                TPL,
                "!Sub '${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/${AWS::Partition}'",
                &[]
            ),
            Val::Str("eu-west-1.amazonaws.com/123456789012/aws".into())
        );
        assert_eq!(
            eval_in(TPL, "!Ref Zones", &[]),
            Val::List(vec![
                Val::Str("a".into()),
                Val::Str("b".into()),
                Val::Str("c".into())
            ])
        );
        assert_eq!(
            eval_in(TPL, "!Ref Env", &[("Env", "dev"), ("Env", "prod")]),
            Val::Str("prod".into())
        );
        assert_eq!(
            eval_in(TPL, "!Ref Env", &[]),
            Val::Unknown(
                "depends on parameter Env, which has no value (pass --parameter Env=...)".into()
            )
        );
        assert!(
            matches!(eval_in(TPL, "!Ref Ami", &[("Ami", "/y")]), Val::Unknown(r) if r.contains("Systems Manager"))
        );
        assert_eq!(
            eval_in(TPL, "!Ref AWS::StackName", &[]),
            Val::Unknown("depends on AWS::StackName, known only at deploy".into())
        );
        assert_eq!(
            eval_in(TPL, "[a, !Ref AWS::NoValue, b]", &[]),
            Val::List(vec![Val::Str("a".into()), Val::Str("b".into())])
        );
    }

    #[test]
    fn functions() {
        assert_eq!(
            eval_in(TPL, "!Join ['-', [a, !Ref Cidr, 3]]", &[]),
            Val::Str("a-10.0.0.0/16-3".into())
        );
        assert_eq!(
            eval_in(TPL, "!Select [1, !Split [',', 'x,y,z']]", &[]),
            Val::Str("y".into())
        );
        assert_eq!(
            eval_in(TPL, "!Select [2, !GetAZs '']", &[]),
            Val::Str("eu-west-1:GetAZs[2]".into())
        );
        assert_eq!(
            eval_in(TPL, "!Select [0, !GetAZs us-east-1]", &[]),
            Val::Str("us-east-1:GetAZs[0]".into())
        );
        assert_eq!(
            eval_in(TPL, "!FindInMap [M, !Ref AWS::Region, Name]", &[]),
            Val::Str("dublin".into())
        );
        assert!(
            matches!(eval_in(TPL, "!FindInMap [M, us-east-1, Name]", &[]), Val::Unknown(r) if r.contains("Mappings does not define"))
        );
        assert_eq!(
            eval_in(
                TPL,
                "!FindInMap [M, us-east-1, Name, {DefaultValue: dflt}]",
                &[]
            ),
            Val::Str("dflt".into())
        );
        assert_eq!(
            eval_in(TPL, "!If [InEu, eu, other]", &[]),
            Val::Str("eu".into())
        );
        assert!(
            matches!(eval_in(TPL, "!If [IsProd, 1, 2]", &[]), Val::Unknown(r) if r.contains("parameter Env"))
        );
        assert_eq!(
            eval_in(TPL, "!If [IsProd, 1, 2]", &[("Env", "prod")]),
            Val::Num("1".into())
        );
        assert_eq!(eval_in(TPL, "!Base64 abc", &[]), Val::Str("abc".into()));
        assert_eq!(
            eval_in(TPL, "!ImportValue Shared", &[]),
            Val::Unknown("depends on Fn::ImportValue, known only at deploy".into())
        );
        assert!(
            matches!(eval_in(TPL, "!Select [0, !Cidr [!Ref Cidr, 2, 8]]", &[]), Val::Unknown(r) if r.contains("Fn::Cidr"))
        );
        assert_eq!(
            eval_in(TPL, "{'Fn::Length': [a, b]}", &[]),
            Val::Num("2".into())
        );
    }

    #[test]
    fn resources_and_attributes() {
        assert_eq!(eval_in(TPL, "!Ref Vpc", &[]), Val::Res("Vpc".into()));
        assert_eq!(
            eval_in(TPL, "!GetAtt Vpc.VpcId", &[]),
            Val::Res("Vpc".into())
        );
        assert_eq!(eval_in(TPL, "!Sub '${Vpc}'", &[]), Val::Res("Vpc".into()));
        assert_eq!(
            eval_in(TPL, "!GetAtt [Vpc, CidrBlock]", &[]),
            Val::Str("10.0.0.0/16".into())
        );
        assert_eq!(
            eval_in(TPL, "!Sub '${Vpc.CidrBlock}'", &[]),
            Val::Str("10.0.0.0/16".into())
        );
        assert_eq!(
            eval_in(TPL, "!GetAtt Vpc.DefaultSecurityGroup", &[]),
            Val::Res("Vpc.default_security_group".into())
        );
        assert_eq!(
            eval_in(TPL, "!Sub 'x-${Vpc}'", &[]),
            Val::Unknown(
                "depends on the physical id of AWS::EC2::VPC Vpc, known only at deploy".into()
            )
        );
        assert_eq!(
            eval_in(TPL, "!Sub 'arn:aws:s3:::${Bucket}/*'", &[]),
            Val::Str("arn:aws:s3:::logs/*".into())
        );
        assert_eq!(
            eval_in(TPL, "!Sub ['${A}-${!B}', {A: !Ref Cidr}]", &[]),
            Val::Str("10.0.0.0/16-${B}".into())
        );
        assert!(
            matches!(eval_in(TPL, "'{{resolve:ssm:/a/b}}'", &[]), Val::Unknown(r) if r.contains("{{resolve:ssm:/a/b}}"))
        );
    }

    #[test]
    fn conditions_combine() {
        let src = format!("{TPL}\nOutputs: {{}}\n");
        let cond = |expr: &str, params: &[(&str, &str)]| eval_in(&src, expr, params);
        assert_eq!(
            cond("!And [!Condition InEu, !Not [!Equals [a, b]]]", &[]),
            Val::Bool(true)
        );
        // Or with a true member is decided although the other is not.
        assert_eq!(
            cond("!Or [!Condition IsProd, !Condition InEu]", &[]),
            Val::Bool(true)
        );
        assert!(matches!(
            cond("!And [!Condition IsProd, !Condition InEu]", &[]),
            Val::Unknown(_)
        ));
        assert_eq!(
            cond("!And [!Condition IsProd, !Equals [1, 2]]", &[]),
            Val::Bool(false)
        );
        assert_eq!(
            cond("!Equals [!Ref Vpc, !GetAtt Vpc.VpcId]", &[]),
            Val::Bool(true)
        );
        assert!(matches!(
            cond("!Equals [!Ref Vpc, vpc-1]", &[]),
            Val::Unknown(_)
        ));
    }
}
