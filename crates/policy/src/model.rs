//! A policy document parsed into a typed model, keeping each statement's
//! index and `Sid` so findings can point at it.

use serde_json::Value;

/// The largest document the parser reads. Endpoint policies are limited to
/// 20,480 characters; anything far larger is refused before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"*"`.
    Any,
    /// `{"AWS": ..., "Service": ..., ...}`: each kind with its values.
    Map(Vec<(String, Vec<String>)>),
}

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAnyValue,
    ForAllValues,
}

/// The condition operators of IAM's operator reference, positive forms;
/// negation is a flag on [`Operator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// As written, for messages.
    pub name: String,
    pub set: Option<SetOperator>,
    pub base: Base,
    /// `StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...
    pub negated: bool,
    pub if_exists: bool,
}

impl Operator {
    /// Parses `ForAnyValue:StringNotLikeIfExists` and friends.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else {
            (None, name)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        use Base::*;
        let (base, negated) = match rest {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (NumericEquals, false),
            "NumericNotEquals" => (NumericEquals, true),
            "NumericLessThan" => (NumericLessThan, false),
            "NumericLessThanEquals" => (NumericLessThanEquals, false),
            "NumericGreaterThan" => (NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
            "DateEquals" => (DateEquals, false),
            "DateNotEquals" => (DateEquals, true),
            "DateLessThan" => (DateLessThan, false),
            "DateLessThanEquals" => (DateLessThanEquals, false),
            "DateGreaterThan" => (DateGreaterThan, false),
            "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (BinaryEquals, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            // ArnEquals and ArnLike behave the same: per-segment wildcards.
            "ArnEquals" | "ArnLike" => (ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
            "Null" if set.is_none() && !if_exists => (Null, false),
            _ => return None,
        };
        Some(Operator {
            name: name.to_string(),
            set,
            base,
            negated,
            if_exists,
        })
    }
}

/// One key under one operator, with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    /// As written.
    pub key: String,
    /// Lower case: condition key names are case-insensitive.
    pub key_lower: String,
    /// Numbers and booleans are kept in their JSON text form.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the `Statement` list.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Option<Vec<String>>,
    pub not_action: Option<Vec<String>>,
    pub resource: Option<Vec<String>>,
    pub not_resource: Option<Vec<String>>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `Statement[2] (Sid "DenyDelete")`, for messages.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("Statement[{}] (Sid \"{sid}\")", self.index),
            _ => format!("Statement[{}]", self.index),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
    /// Whether the `Statement` key was present at all.
    pub has_statement_key: bool,
}

impl Policy {
    /// Policy variables are substituted only under this version.
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON; line and column as serde_json reports them (1-based).
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not a policy; `at` names the element.
    Shape { at: String, message: String },
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    TooLarge { bytes: usize },
    /// The same key twice in one object: ambiguous, since JSON readers
    /// disagree on which copy wins. `at` names the object (`Statement[0]`),
    /// line and column point just past the second copy of the key.
    Duplicate {
        at: String,
        key: String,
        line: usize,
        column: usize,
    },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Json {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "not valid JSON at line {line}, column {column}: {message}"
                )
            }
            ParseError::Shape { at, message } => write!(f, "{at}: {message}"),
            ParseError::Duplicate {
                at,
                key,
                line,
                column,
            } => write!(
                f,
                "{at} has the key {key:?} twice (line {line}, column {column}); \
                 JSON readers disagree on which copy wins"
            ),
            ParseError::TooLarge { bytes } => {
                write!(f, "the document is {bytes} bytes; documents over {MAX_DOCUMENT_BYTES} bytes are refused")
            }
        }
    }
}

impl std::error::Error for ParseError {}

fn shape(at: impl Into<String>, message: impl Into<String>) -> ParseError {
    ParseError::Shape {
        at: at.into(),
        message: message.into(),
    }
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, ParseError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(shape(format!("{at}[{i}]"), "expected a string")),
            })
            .collect(),
        _ => Err(shape(at, "expected a string or an array of strings")),
    }
}

/// Condition values: strings, numbers and booleans, alone or in an array.
fn condition_values(v: &Value, at: &str) -> Result<Vec<String>, ParseError> {
    let one = |x: &Value, at: &str| match x {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(shape(at, "expected a string, number or boolean")),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| one(x, &format!("{at}[{i}]")))
            .collect(),
        other => Ok(vec![one(other, at)?]),
    }
}

fn principal(v: &Value, at: &str) -> Result<Principal, ParseError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| Ok((k.clone(), strings(x, &format!("{at}.{k}"))?)))
            .collect::<Result<_, _>>()
            .map(Principal::Map),
        _ => Err(shape(
            at,
            "expected \"*\" or an object such as {\"AWS\": ...}",
        )),
    }
}

/// Parses JSON into a value, refusing a key that appears twice in one
/// object (a plain `Value` keeps the last copy, so `"Effect":"Deny",
/// "Effect":"Allow"` would read as Allow). RFC 8259 section 4: "When the
/// names within an object are not unique, the behavior of software that
/// receives such an object is unpredictable."
fn strict_value(document: &str) -> Result<Value, ParseError> {
    use std::cell::RefCell;

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

    /// The first duplicated key found.
    type Found<'a> = &'a RefCell<Option<String>>;

    #[derive(Clone, Copy)]
    struct Seed<'a>(Found<'a>);

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Value;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(self)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    let message = format!("duplicate key {key:?}");
                    *self.0.borrow_mut() = Some(key);
                    return Err(de::Error::custom(message));
                }
                let v = map.next_value_seed(self)?;
                out.insert(key, v);
            }
            Ok(Value::Object(out))
        }
    }

    let found = RefCell::new(None);
    let mut track = serde_path_to_error::Track::new();
    let mut de = serde_json::Deserializer::from_str(document);
    // serde_json refuses nesting deeper than 128 levels with an error, so a
    // hostile document cannot exhaust the stack.
    let result = Seed(&found)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        if let Some(key) = found.into_inner() {
            let at = track.path().to_string();
            return ParseError::Duplicate {
                at: if at.is_empty() || at == "." {
                    "the policy".into()
                } else {
                    at
                },
                key,
                line: e.line(),
                column: e.column(),
            };
        }
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.clone(), |i| message[..i].to_string());
        ParseError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// Parses a policy document as AWS stores it.
pub fn parse(document: &str) -> Result<Policy, ParseError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::TooLarge {
            bytes: document.len(),
        });
    }
    let value = strict_value(document)?;
    let Value::Object(top) = value else {
        return Err(shape("policy", "expected a JSON object"));
    };
    let version = match top.get("Version") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(shape("Version", "expected a string")),
    };
    let raw: Vec<&Value> = match top.get("Statement") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        Some(_) => {
            return Err(shape(
                "Statement",
                "expected an object or an array of objects",
            ))
        }
    };
    let statements = raw
        .into_iter()
        .enumerate()
        .map(|(i, s)| statement(s, i))
        .collect::<Result<_, _>>()?;
    Ok(Policy {
        version,
        statements,
        has_statement_key: top.contains_key("Statement"),
    })
}

fn statement(v: &Value, index: usize) -> Result<Statement, ParseError> {
    let at = format!("Statement[{index}]");
    let Value::Object(m) = v else {
        return Err(shape(at, "expected an object"));
    };
    let effect = match m.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(_) => {
            return Err(shape(
                format!("{at}.Effect"),
                "must be \"Allow\" or \"Deny\"",
            ))
        }
        None => return Err(shape(at, "has no Effect")),
    };
    let opt_strings = |k: &str| {
        m.get(k)
            .map(|x| strings(x, &format!("{at}.{k}")))
            .transpose()
    };
    let opt_principal = |k: &str| {
        m.get(k)
            .map(|x| principal(x, &format!("{at}.{k}")))
            .transpose()
    };
    let mut conditions = Vec::new();
    match m.get("Condition") {
        None => {}
        Some(Value::Object(ops)) => {
            for (op_name, block) in ops {
                let op_at = format!("{at}.Condition.{op_name}");
                let operator = Operator::parse(op_name)
                    .ok_or_else(|| shape(&op_at, "unknown condition operator"))?;
                let Value::Object(keys) = block else {
                    return Err(shape(op_at, "expected an object of condition keys"));
                };
                for (key, values) in keys {
                    conditions.push(Condition {
                        operator: operator.clone(),
                        key: key.clone(),
                        key_lower: key.to_ascii_lowercase(),
                        values: condition_values(values, &format!("{op_at}.{key}"))?,
                    });
                }
            }
        }
        Some(_) => return Err(shape(format!("{at}.Condition"), "expected an object")),
    }
    let s = Statement {
        index,
        sid: m.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        principal: opt_principal("Principal")?,
        not_principal: opt_principal("NotPrincipal")?,
        action: opt_strings("Action")?,
        not_action: opt_strings("NotAction")?,
        resource: opt_strings("Resource")?,
        not_resource: opt_strings("NotResource")?,
        conditions,
    };
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if m.contains_key(a) && m.contains_key(b) {
            return Err(shape(&at, format!("has both {a} and {b}")));
        }
    }
    if s.action.is_none() && s.not_action.is_none() {
        return Err(shape(&at, "has neither Action nor NotAction"));
    }
    Ok(s)
}

fn is_star(v: &Option<Vec<String>>) -> bool {
    matches!(v.as_deref(), Some([s]) if s == "*")
}

impl Policy {
    /// The policy AWS attaches when none is given: one statement allowing
    /// everyone everything, with no condition. `Version`, `Sid`, key order,
    /// whitespace and one-element arrays vs scalars do not matter.
    pub fn is_default(&self) -> bool {
        let [s] = self.statements.as_slice() else {
            return false;
        };
        let any_principal = match &s.principal {
            Some(Principal::Any) => true,
            Some(Principal::Map(kinds)) => {
                matches!(kinds.as_slice(), [(kind, values)] if kind == "AWS" && values.len() == 1 && values[0] == "*")
            }
            None => false,
        };
        s.effect == Effect::Allow
            && any_principal
            && s.not_principal.is_none()
            && is_star(&s.action)
            && is_star(&s.resource)
            && s.conditions.is_empty()
    }
}

/// Whether an endpoint's policy is the default one. A missing document (on an
/// endpoint type that supports policies) is the default; a document that does
/// not parse is not.
pub fn is_default_policy(document: Option<&str>) -> bool {
    match document {
        None => true,
        Some(doc) => parse(doc).is_ok_and(|p| p.is_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_effect_does_not_win() {
        let doc = r#"{"Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let err = parse(doc).unwrap_err();
        assert_eq!(
            err,
            ParseError::Duplicate {
                at: "Statement[0]".into(),
                key: "Effect".into(),
                line: 1,
                column: 39,
            }
        );
        assert_eq!(
            err.to_string(),
            "Statement[0] has the key \"Effect\" twice (line 1, column 39); \
             JSON readers disagree on which copy wins"
        );
        assert!(!is_default_policy(Some(doc)));
    }

    #[test]
    fn duplicates_are_refused_at_every_depth() {
        for (doc, at, key) in [
            (
                r#"{"Statement":[],"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
                "the policy",
                "Statement",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"1","AWS":"*"},"Action":"*","Resource":"*"}}"#,
                "Statement.Principal",
                "AWS",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"a","aws:SourceVpc":"b"}}}]}"#,
                "Statement[0].Condition.StringEquals",
                "aws:SourceVpc",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Sid":"a","\u0053id":"b"}]}"#,
                "Statement[0]",
                "Sid",
            ),
        ] {
            match parse(doc) {
                Err(ParseError::Duplicate { at: a, key: k, .. }) => {
                    assert_eq!((a.as_str(), k.as_str()), (at, key), "{doc}")
                }
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_same_key_in_sibling_objects_is_fine() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert_eq!(parse(doc).unwrap().statements.len(), 2);
    }
}
