//! The IAM policy engine for endpoint policies.
//!
//! This crate parses the `PolicyDocument` string AWS returns into a typed
//! model. It has no AWS SDK in it: rules hand it the raw string from a
//! snapshot. Evaluation (`evaluate(&policy, &request) -> Decision`) is built
//! on this model.

use serde_json::{Map, Value};

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A JSON value that IAM accepts as either one string or an array of strings.
pub type Strings = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `{"AWS": ..., "Service": ..., ...}`: each kind with its values.
    Map(Vec<(String, Strings)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Option<Strings>,
    pub not_action: Option<Strings>,
    pub resource: Option<Strings>,
    pub not_resource: Option<Strings>,
    /// Kept as JSON: operator -> key -> value(s).
    pub condition: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON; line and column are 1-based as serde_json reports them.
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not a policy; `at` names the element.
    Shape { at: String, message: String },
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

fn strings(v: &Value, at: &str) -> Result<Strings, ParseError> {
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

/// Parses a policy document as AWS stores it.
pub fn parse(document: &str) -> Result<Policy, ParseError> {
    let value: Value = serde_json::from_str(document).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.clone(), |i| message[..i].to_string());
        ParseError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
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
        .map(|(i, s)| statement(s, &format!("Statement[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Policy {
        version,
        statements,
    })
}

fn statement(v: &Value, at: &str) -> Result<Statement, ParseError> {
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
    let condition = match m.get("Condition") {
        None => None,
        Some(Value::Object(c)) => Some(c.clone()),
        Some(_) => return Err(shape(format!("{at}.Condition"), "expected an object")),
    };
    Ok(Statement {
        sid: m.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        principal: opt_principal("Principal")?,
        not_principal: opt_principal("NotPrincipal")?,
        action: opt_strings("Action")?,
        not_action: opt_strings("NotAction")?,
        resource: opt_strings("Resource")?,
        not_resource: opt_strings("NotResource")?,
        condition,
    })
}

fn is_star(v: &Option<Strings>) -> bool {
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
            && s.not_action.is_none()
            && is_star(&s.resource)
            && s.not_resource.is_none()
            && s.condition.is_none()
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
    fn default_policy_in_every_spelling() {
        for doc in [
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Version":"2008-10-17","Statement":[{"Sid":"x","Resource":["*"],"Action":["*"],"Principal":{"AWS":"*"},"Effect":"Allow"}]}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"*","Resource":"*"}}"#,
            "  {\n \"Statement\" : [ {\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"} ] }\n",
        ] {
            assert!(is_default_policy(Some(doc)), "{doc}");
        }
        assert!(is_default_policy(None));
    }

    #[test]
    fn non_default_policies() {
        for doc in [
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"imagebuilder:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:*","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[]}"#,
            "not json",
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*",}]}"#,
        ] {
            assert!(!is_default_policy(Some(doc)), "{doc}");
        }
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = parse("{\n  \"Statement\": [,]\n}").unwrap_err();
        assert!(matches!(err, ParseError::Json { line: 2, .. }), "{err:?}");
    }
}
