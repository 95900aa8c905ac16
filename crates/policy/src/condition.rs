//! Condition operators: one `Condition` block entry (operator, key, values)
//! against the request context, with IAM's documented semantics (the
//! condition operator reference): string, numeric, date, Boolean, binary, IP
//! address and ARN operators, their negations, `...IfExists`, `Null`,
//! `ForAnyValue:` / `ForAllValues:`, the rule for keys missing from the
//! request, and policy variables in values. The evaluation order
//! (statements, explicit deny, principals, actions, resources) is in
//! [`crate::eval`].

use crate::context::{Context, KeyState};
use crate::glob::{arn_matches, matches, unescape, LITERAL_QUESTION, LITERAL_STAR};
use crate::ip::Cidr;
use crate::model::{Base, Condition, SetOperator};
use crate::tri::Tri;

/// A policy variable's value, or why it has none.
pub(crate) enum Substituted {
    Text(String),
    /// The variable's key is absent and there is no default: the element does not match.
    Absent,
    Unknown(String),
}

/// Replaces `${key}`, `${key, 'default'}`, `${*}`, `${?}` and `${$}`.
/// Substituted values are escaped so that a `*` in them is literal.
pub(crate) fn substitute(text: &str, ctx: &Context) -> Substituted {
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
pub(crate) fn resolve_if_needed<'t>(
    text: &'t str,
    ctx: &Context,
    variables: bool,
) -> SubstitutedRef<'t> {
    if !variables || !text.contains("${") {
        return SubstitutedRef::Text(std::borrow::Cow::Borrowed(text));
    }
    match substitute(text, ctx) {
        Substituted::Text(t) => SubstitutedRef::Text(std::borrow::Cow::Owned(t)),
        Substituted::Absent => SubstitutedRef::Absent,
        Substituted::Unknown(k) => SubstitutedRef::Unknown(k),
    }
}

pub(crate) enum SubstitutedRef<'t> {
    Text(std::borrow::Cow<'t, str>),
    Absent,
    Unknown(String),
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

pub(crate) fn condition_matches(c: &Condition, ctx: &Context, variables: bool) -> Tri {
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
