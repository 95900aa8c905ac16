//! Evaluation of one request against one policy, with IAM's documented
//! semantics and a third answer for what the auditor cannot know.

use std::collections::HashMap;

use crate::glob::{arn_matches, matches, unescape, LITERAL_QUESTION, LITERAL_STAR};
use crate::ip::Cidr;
use crate::model::{Base, Condition, Effect, Policy, Principal, SetOperator, Statement};

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request.
    Anonymous,
    /// Some principal of this account, identity unknown.
    Account(String),
    /// A known principal.
    Principal { account: String, arn: String },
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service(String),
}

/// What the auditor knows about one condition key in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Present with these values (one for a single-valued key).
    Values(Vec<String>),
    /// Not in the request.
    Absent,
    /// Present or not, with a value the auditor cannot know.
    Unknown,
    /// Present, value unknown, but none of these (the resource account of an
    /// AWS-owned bucket is not the customer's account).
    NoneOf(Vec<String>),
}

/// The global condition keys the IAM condition key reference documents
/// (lower case; tag keys by prefix). A key with the `aws:` prefix that is not
/// among them, a misspelling such as `aws:PrincpalAccount`, is in no request.
pub const GLOBAL_KEYS: &[&str] = &[
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:currenttime",
    "aws:ec2instancesourcevpc",
    "aws:ec2instancesourceprivateipv4",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpcsourceip",
];

/// Global keys that name a tag: `aws:PrincipalTag/team`.
const GLOBAL_KEY_PREFIXES: &[&str] = &["aws:principaltag/", "aws:requesttag/", "aws:resourcetag/"];

/// Whether `key` (lower case) is a documented global condition key.
pub fn is_global_key(key: &str) -> bool {
    GLOBAL_KEYS.contains(&key) || GLOBAL_KEY_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The request context: condition keys by lower-case name, key prefixes
/// (`aws:principaltag/`) and what every other key is.
#[derive(Debug, Clone)]
pub struct Context {
    keys: HashMap<String, KeyState>,
    prefixes: Vec<(String, KeyState)>,
    otherwise: KeyState,
}

impl Context {
    /// Keys not set are absent (a fully described request).
    pub fn closed() -> Context {
        Context {
            keys: HashMap::new(),
            prefixes: Vec::new(),
            otherwise: KeyState::Absent,
        }
    }

    /// Keys not set are unknown (an auditor's view of a real request).
    pub fn open() -> Context {
        Context {
            keys: HashMap::new(),
            prefixes: Vec::new(),
            otherwise: KeyState::Unknown,
        }
    }

    pub fn set(&mut self, key: &str, state: KeyState) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), state);
        self
    }

    pub fn value(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.set(key, KeyState::Values(vec![value.into()]))
    }

    /// Every key starting with `prefix` (`aws:PrincipalTag/`) is in `state`.
    pub fn set_prefix(&mut self, prefix: &str, state: KeyState) -> &mut Self {
        self.prefixes.push((prefix.to_ascii_lowercase(), state));
        self
    }

    /// `key` must be lower case. An `aws:` key that IAM does not define is
    /// absent from every request, whatever the context says of other keys.
    pub fn get(&self, key: &str) -> &KeyState {
        if let Some(s) = self.keys.get(key) {
            return s;
        }
        if let Some((_, s)) = self
            .prefixes
            .iter()
            .find(|(p, _)| key.starts_with(p.as_str()))
        {
            return s;
        }
        if key.starts_with("aws:") && !is_global_key(key) {
            return &KeyState::Absent;
        }
        &self.otherwise
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub caller: Caller,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    pub context: Context,
}

/// The answer, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An Allow statement matches and no Deny can.
    Allowed { statement: usize },
    /// `statement` is the Deny that matched; `None` is the implicit deny (no Allow matches).
    Denied { statement: Option<usize> },
    /// The outcome depends on these condition keys (lower case, sorted).
    Undetermined { keys: Vec<String> },
}

/// Kleene three-valued truth, with the keys that make it unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe(Vec<String>),
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    fn maybe(key: &str) -> Tri {
        Tri::Maybe(vec![key.to_string()])
    }

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            m => m,
        }
    }

    fn and(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::No => Tri::No,
            Tri::Yes => other(),
            Tri::Maybe(mut k) => match other() {
                Tri::No => Tri::No,
                Tri::Yes => Tri::Maybe(k),
                Tri::Maybe(k2) => {
                    k.extend(k2);
                    Tri::Maybe(k)
                }
            },
        }
    }

    fn or(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::Yes => Tri::Yes,
            Tri::No => other(),
            Tri::Maybe(mut k) => match other() {
                Tri::Yes => Tri::Yes,
                Tri::No => Tri::Maybe(k),
                Tri::Maybe(k2) => {
                    k.extend(k2);
                    Tri::Maybe(k)
                }
            },
        }
    }

    fn any<I: IntoIterator<Item = Tri>>(items: I) -> Tri {
        items.into_iter().fold(Tri::No, |acc, t| acc.or(|| t))
    }

    fn all<I: IntoIterator<Item = Tri>>(items: I) -> Tri {
        items.into_iter().fold(Tri::Yes, |acc, t| acc.and(|| t))
    }
}

/// A policy variable's value, or why it has none.
enum Substituted {
    Text(String),
    /// The variable's key is absent and there is no default: the element does not match.
    Absent,
    Unknown(String),
}

/// Replaces `${key}`, `${key, 'default'}`, `${*}`, `${?}` and `${$}`.
/// Substituted values are escaped so that a `*` in them is literal.
fn substitute(text: &str, ctx: &Context) -> Substituted {
    if !text.contains("${") {
        return Substituted::Text(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Substituted::Text(out);
        };
        let inner = after[..end].trim();
        rest = &after[end + 1..];
        match inner {
            "*" => out.push(LITERAL_STAR),
            "?" => out.push(LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d
                            .strip_prefix('\'')
                            .and_then(|d| d.strip_suffix('\''))
                            .unwrap_or(d);
                        (k.trim(), Some(d))
                    }
                    None => (inner, None),
                };
                let escape = |v: &str| {
                    v.replace('*', &LITERAL_STAR.to_string())
                        .replace('?', &LITERAL_QUESTION.to_string())
                };
                match (ctx.get(&key.to_ascii_lowercase()), default) {
                    (KeyState::Values(v), _) if v.len() == 1 => out.push_str(&escape(&v[0])),
                    (KeyState::Absent, Some(d)) => out.push_str(&escape(d)),
                    (KeyState::Absent, None) => return Substituted::Absent,
                    _ => return Substituted::Unknown(key.to_ascii_lowercase()),
                }
            }
        }
    }
    out.push_str(rest);
    Substituted::Text(out)
}

/// A policy element's value after variable substitution (only under
/// 2012-10-17), without copying text that has no variable in it.
fn resolve_if_needed<'t>(text: &'t str, ctx: &Context, variables: bool) -> SubstitutedRef<'t> {
    if !variables || !text.contains("${") {
        return SubstitutedRef::Text(std::borrow::Cow::Borrowed(text));
    }
    match substitute(text, ctx) {
        Substituted::Text(t) => SubstitutedRef::Text(std::borrow::Cow::Owned(t)),
        Substituted::Absent => SubstitutedRef::Absent,
        Substituted::Unknown(k) => SubstitutedRef::Unknown(k),
    }
}

enum SubstitutedRef<'t> {
    Text(std::borrow::Cow<'t, str>),
    Absent,
    Unknown(String),
}

fn action_matches(patterns: &[String], action: &str) -> bool {
    patterns.iter().any(|p| matches(p, action, true))
}

fn resource_matches(patterns: &[String], resource: &str, ctx: &Context, variables: bool) -> Tri {
    Tri::any(
        patterns
            .iter()
            .map(|p| match resolve_if_needed(p, ctx, variables) {
                SubstitutedRef::Text(p) => Tri::from_bool(arn_matches(&p, resource)),
                SubstitutedRef::Absent => Tri::No,
                SubstitutedRef::Unknown(k) => Tri::Maybe(vec![k]),
            }),
    )
}

/// `"arn:aws:iam::111122223333:root"` or `"111122223333"` name an account.
fn account_of(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    let rest = value.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (service == "iam" && resource == "root").then_some(account)
}

fn principal_matches(principal: &Principal, caller: &Caller) -> Tri {
    let kinds = match principal {
        Principal::Any => return Tri::Yes,
        Principal::Map(kinds) => kinds,
    };
    Tri::any(kinds.iter().flat_map(|(kind, values)| {
        values.iter().map(move |v| match kind.as_str() {
            "AWS" if v == "*" => Tri::Yes,
            "AWS" => match (caller, account_of(v)) {
                (Caller::Anonymous | Caller::Service(_), _) => Tri::No,
                (Caller::Account(a) | Caller::Principal { account: a, .. }, Some(acct)) => {
                    Tri::from_bool(a == acct)
                }
                (Caller::Principal { arn, .. }, None) => Tri::from_bool(arn == v),
                (Caller::Account(a), None) => {
                    // A specific principal ARN: in the caller's account it may
                    // or may not be the caller.
                    if v.split(':').nth(4) == Some(a.as_str()) {
                        Tri::maybe("aws:principalarn")
                    } else {
                        Tri::No
                    }
                }
            },
            "Service" => Tri::from_bool(matches!(caller, Caller::Service(s) if s == v)),
            _ => Tri::No,
        })
    }))
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// ISO 8601 (`2026-11-26`, `2026-11-26T07:00:00Z`, with fractions or an
/// offset) or epoch seconds, as seconds since the epoch.
pub fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !s[1..].contains('-')
    {
        return parse_number(s);
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let (mut secs, mut rest) = (0f64, &s[10..]);
    if let Some(t) = rest.strip_prefix(['T', 't', ' ']) {
        let tb = t.as_bytes();
        if tb.len() < 5 || tb[2] != b':' {
            return None;
        }
        let h: i64 = t[0..2].parse().ok()?;
        let mi: i64 = t[3..5].parse().ok()?;
        let mut used = 5;
        let mut sec = 0f64;
        if tb.len() >= 8 && tb[5] == b':' {
            let end = t[6..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(t.len(), |i| i + 6);
            sec = t[6..end].parse().ok()?;
            used = end;
        }
        secs = (h * 3600 + mi * 60) as f64 + sec;
        rest = &t[used..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        o if (o.starts_with('+') || o.starts_with('-'))
            && o.len() == 6
            && o.as_bytes()[3] == b':' =>
        {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + secs - offset as f64)
}

/// The positive base operator on one request value and one policy value.
fn base_matches(base: Base, request: &str, policy: &str) -> bool {
    match base {
        Base::StringEquals | Base::BinaryEquals => unescape(policy) == request,
        Base::StringEqualsIgnoreCase => unescape(policy).to_lowercase() == request.to_lowercase(),
        Base::StringLike => matches(policy, request, false),
        Base::NumericEquals
        | Base::NumericLessThan
        | Base::NumericLessThanEquals
        | Base::NumericGreaterThan
        | Base::NumericGreaterThanEquals => match (parse_number(request), parse_number(policy)) {
            (Some(r), Some(p)) => compare(base, r, p),
            _ => false,
        },
        Base::DateEquals
        | Base::DateLessThan
        | Base::DateLessThanEquals
        | Base::DateGreaterThan
        | Base::DateGreaterThanEquals => match (parse_date(request), parse_date(policy)) {
            (Some(r), Some(p)) => compare(base, r, p),
            _ => false,
        },
        Base::Bool => request.eq_ignore_ascii_case(policy.trim()),
        Base::IpAddress => match (Cidr::parse_range(request), Cidr::parse_range(policy)) {
            (Some(r), Some(p)) => p.contains(r),
            _ => false,
        },
        Base::ArnLike => arn_matches(policy, request),
        Base::Null => false,
    }
}

fn compare(base: Base, r: f64, p: f64) -> bool {
    match base {
        Base::NumericEquals | Base::DateEquals => r == p,
        Base::NumericLessThan | Base::DateLessThan => r < p,
        Base::NumericLessThanEquals | Base::DateLessThanEquals => r <= p,
        Base::NumericGreaterThan | Base::DateGreaterThan => r > p,
        _ => r >= p,
    }
}

fn condition_matches(c: &Condition, ctx: &Context, variables: bool) -> Tri {
    let op = &c.operator;
    let state = ctx.get(&c.key_lower);
    if op.base == Base::Null {
        let present = match state {
            KeyState::Values(_) | KeyState::NoneOf(_) => true,
            KeyState::Absent => false,
            KeyState::Unknown => return Tri::maybe(&c.key_lower),
        };
        return Tri::from_bool(c.values.iter().any(|v| {
            v.trim()
                .eq_ignore_ascii_case(if present { "false" } else { "true" })
        }));
    }
    let values = match state {
        KeyState::Unknown => return Tri::maybe(&c.key_lower),
        KeyState::Absent => {
            return Tri::from_bool(match op.set {
                Some(SetOperator::ForAllValues) => true,
                Some(SetOperator::ForAnyValue) => false,
                None => op.if_exists || op.negated,
            })
        }
        KeyState::NoneOf(excluded) => {
            // Equality against values the key is known not to have is
            // decided; anything else is not.
            let decided = matches!(op.base, Base::StringEquals | Base::StringEqualsIgnoreCase)
                && c.values.iter().all(|v| {
                    !v.contains(['*', '?', '$'])
                        && excluded.iter().any(|e| {
                            if op.base == Base::StringEquals {
                                e == v
                            } else {
                                e.eq_ignore_ascii_case(v)
                            }
                        })
                });
            return if decided {
                Tri::from_bool(op.negated)
            } else {
                Tri::maybe(&c.key_lower)
            };
        }
        KeyState::Values(v) => v,
    };
    // Each policy value after substitution; a value whose variable is absent can never match.
    let mut resolved = Vec::with_capacity(c.values.len());
    let mut unknown_vars = Vec::new();
    for v in &c.values {
        match resolve_if_needed(v, ctx, variables) {
            SubstitutedRef::Text(t) => resolved.push(t),
            SubstitutedRef::Absent => {}
            SubstitutedRef::Unknown(k) => unknown_vars.push(k),
        }
    }
    // Does one request value match one of the policy values?
    let matches_any = |r: &str| -> Tri {
        if resolved.iter().any(|p| base_matches(op.base, r, p)) {
            Tri::Yes
        } else if unknown_vars.is_empty() {
            Tri::No
        } else {
            Tri::Maybe(unknown_vars.clone())
        }
    };
    let ok = |r: &str| {
        if op.negated {
            matches_any(r).not()
        } else {
            matches_any(r)
        }
    };
    match op.set {
        Some(SetOperator::ForAllValues) => Tri::all(values.iter().map(|r| ok(r))),
        Some(SetOperator::ForAnyValue) => Tri::any(values.iter().map(|r| ok(r))),
        // A single-valued operator on a multivalued key: any value decides.
        None => Tri::any(values.iter().map(|r| ok(r))),
    }
}

/// Whether the statement applies to the request.
fn statement_matches(s: &Statement, req: &Request, variables: bool) -> Tri {
    let ctx = &req.context;
    let principal = match (&s.principal, &s.not_principal) {
        (Some(p), _) => principal_matches(p, &req.caller),
        (None, Some(np)) => principal_matches(np, &req.caller).not(),
        // No principal at all: not valid in an endpoint policy (the lint says
        // so); read as everyone, so that the mistake is not also reported as
        // a denial.
        (None, None) => Tri::Yes,
    };
    principal
        .and(|| match (&s.action, &s.not_action) {
            (Some(a), _) => Tri::from_bool(action_matches(a, &req.action)),
            (None, Some(na)) => Tri::from_bool(!action_matches(na, &req.action)),
            (None, None) => Tri::No,
        })
        .and(|| match (&s.resource, &s.not_resource) {
            (Some(r), _) => resource_matches(r, &req.resource, ctx, variables),
            (None, Some(nr)) => resource_matches(nr, &req.resource, ctx, variables).not(),
            (None, None) => Tri::Yes,
        })
        .and(|| {
            Tri::all(
                s.conditions
                    .iter()
                    .map(|c| condition_matches(c, ctx, variables)),
            )
        })
}

/// Decides whether `policy` allows `request`.
pub fn evaluate(policy: &Policy, request: &Request) -> Decision {
    let variables = policy.variables_enabled();
    let mut allow: Option<usize> = None;
    let mut allow_maybe = Vec::new();
    let mut deny_maybe = Vec::new();
    for s in &policy.statements {
        match (s.effect, statement_matches(s, request, variables)) {
            (Effect::Deny, Tri::Yes) => {
                return Decision::Denied {
                    statement: Some(s.index),
                }
            }
            (Effect::Deny, Tri::Maybe(keys)) => deny_maybe.extend(keys),
            (Effect::Allow, Tri::Yes) => {
                allow.get_or_insert(s.index);
            }
            (Effect::Allow, Tri::Maybe(keys)) => allow_maybe.extend(keys),
            (_, Tri::No) => {}
        }
    }
    let undetermined = |mut keys: Vec<String>| {
        keys.sort();
        keys.dedup();
        Decision::Undetermined { keys }
    };
    match allow {
        None if allow_maybe.is_empty() => Decision::Denied { statement: None },
        _ if !deny_maybe.is_empty() => undetermined(deny_maybe),
        Some(statement) => Decision::Allowed { statement },
        None => undetermined(allow_maybe),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400.0));
        assert_eq!(parse_date("2026-11-26T07:00:00Z"), Some(1_795_676_400.0));
        assert_eq!(
            parse_date("2026-11-26T08:00:00+01:00"),
            Some(1_795_676_400.0)
        );
        assert_eq!(parse_date("1795676400"), Some(1_795_676_400.0));
        assert_eq!(
            parse_date("2026-11-26T07:00:00.500Z"),
            Some(1_795_676_400.5)
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn variables() {
        let mut ctx = Context::closed();
        ctx.value("aws:username", "alice")
            .value("aws:PrincipalTag/team", "a*b");
        let t = |s: &str| match substitute(s, &ctx) {
            Substituted::Text(t) => unescape(&t).into_owned(),
            Substituted::Absent => "<absent>".into(),
            Substituted::Unknown(k) => format!("<unknown {k}>"),
        };
        assert_eq!(t("home/${aws:username}/*"), "home/alice/*");
        assert_eq!(t("${aws:PrincipalTag/team}"), "a*b");
        assert_eq!(t("${aws:userid}"), "<absent>");
        assert_eq!(t("${aws:userid, 'nobody'}"), "nobody");
        assert_eq!(t("a${*}b${?}c${$}"), "a*b?c$");
        let open = Context::open();
        assert!(
            matches!(substitute("${aws:username}", &open), Substituted::Unknown(k) if k == "aws:username")
        );
    }
}

#[cfg(test)]
mod global_key_tests {
    use super::*;

    #[test]
    fn undefined_aws_keys_are_absent_even_in_an_open_context() {
        let policy = crate::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincpalAccount":"111122223333"}}}]}"#,
        )
        .unwrap();
        let request = Request {
            caller: Caller::Account("111122223333".into()),
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::b/k".into(),
            context: Context::open(),
        };
        assert_eq!(
            evaluate(&policy, &request),
            Decision::Denied { statement: None }
        );
        assert!(is_global_key("aws:principaltag/team") && is_global_key("aws:sourcevpce"));
        assert!(!is_global_key("aws:princpalaccount"));
        // Service keys stay unknown in an open context.
        assert_eq!(Context::open().get("s3:prefix"), &KeyState::Unknown);
    }
}
