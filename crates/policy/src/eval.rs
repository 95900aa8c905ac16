//! The evaluation order of one request against one policy, with IAM's
//! documented semantics and a third answer for what the auditor cannot know:
//! statements, explicit deny over allow, principals, actions and resources.
//! Condition operators are in [`crate::condition`].

use crate::condition::{condition_matches, resolve_if_needed, SubstitutedRef};
use crate::glob::{arn_matches, matches};
use crate::model::{Effect, Policy, Principal, Statement};
use crate::tri::Tri;

pub use crate::condition::parse_date;
pub use crate::context::{Context, KeyState};
pub use crate::keys::is_global_key;

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

/// The kind of VPC endpoint whose policy is evaluated: IAM reads an account
/// principal differently in a gateway endpoint's policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndpointKind {
    /// An interface endpoint (and any policy that is not a gateway
    /// endpoint's): an account principal means every principal of the account
    /// the account lets in.
    #[default]
    Interface,
    /// A gateway endpoint (S3, DynamoDB). The VPC user guide: "For endpoint
    /// polices that are applied to gateway endpoints, if you specify
    /// `Principal` in the format `"AWS":"AWS-account-ID"` or
    /// `"AWS":"arn:aws:iam::AWS-account-ID:root"`, access is granted to the
    /// account root user only, and not all IAM users and roles for the
    /// account."
    Gateway,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub caller: Caller,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    pub context: Context,
    /// The kind of endpoint the evaluated policy is on.
    pub endpoint: EndpointKind,
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
    let (service, account, resource) = arn_parts(value)?;
    (service == "iam" && resource == "root").then_some(account)
}

/// (service, account, resource) of an ARN.
fn arn_parts(value: &str) -> Option<(&str, &str, &str)> {
    let rest = value.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some((service, account, resource))
}

/// Whether `caller_arn`, an assumed-role session
/// (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), is a session of
/// the role `role_arn` (`arn:aws:iam::<account>:role/<path/><role>`). The
/// session ARN carries the role's name without its path.
fn is_session_of(caller_arn: &str, role_arn: &str) -> bool {
    let (Some(("sts", session_account, session)), Some(("iam", role_account, role))) =
        (arn_parts(caller_arn), arn_parts(role_arn))
    else {
        return false;
    };
    let (Some(session), Some(role)) = (
        session.strip_prefix("assumed-role/"),
        role.strip_prefix("role/"),
    ) else {
        return false;
    };
    let role_name = role.rsplit('/').next().unwrap_or(role);
    let partition = |arn: &str| arn.split(':').nth(1).map(str::to_string);
    session_account == role_account
        && partition(caller_arn) == partition(role_arn)
        && session
            .split_once('/')
            .is_some_and(|(name, s)| name == role_name && !s.is_empty())
}

/// How a `Principal` (or `NotPrincipal`) element is read.
#[derive(Clone, Copy)]
struct PrincipalReading {
    endpoint: EndpointKind,
    /// A role ARN also names the role's sessions. True in `Principal`: the
    /// evaluation-logic page says "When you assume a role and make a request,
    /// the principal making the request is the IAM role session ARN and not
    /// the ARN of the role itself", and a resource-based grant to the role
    /// reaches its sessions. False in `NotPrincipal`, whose page names the
    /// session ARN beside the role's: "If the NotPrincipal element was missing
    /// the ARN of the role, the effect of the policy might be to explicitly
    /// deny access to the role".
    sessions: bool,
}

fn principal_matches(principal: &Principal, caller: &Caller, how: PrincipalReading) -> Tri {
    let kinds = match principal {
        Principal::Any => return Tri::Yes,
        Principal::Map(kinds) => kinds,
    };
    Tri::any(kinds.iter().flat_map(|(kind, values)| {
        values.iter().map(move |v| match kind.as_str() {
            "AWS" if v == "*" => Tri::Yes,
            "AWS" => match (caller, account_of(v)) {
                (Caller::Anonymous | Caller::Service(_), _) => Tri::No,
                // In a gateway endpoint policy an account grants its root user only.
                (Caller::Principal { account: a, arn }, Some(acct))
                    if how.endpoint == EndpointKind::Gateway =>
                {
                    Tri::from_bool(a == acct && account_of(arn) == Some(acct))
                }
                (Caller::Account(a), Some(acct)) if how.endpoint == EndpointKind::Gateway => {
                    if a == acct {
                        Tri::maybe("aws:principalarn")
                    } else {
                        Tri::No
                    }
                }
                (Caller::Account(a) | Caller::Principal { account: a, .. }, Some(acct)) => {
                    Tri::from_bool(a == acct)
                }
                (Caller::Principal { arn, .. }, None) => {
                    Tri::from_bool(arn == v || (how.sessions && is_session_of(arn, v)))
                }
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

/// Whether the statement applies to the request.
fn statement_matches(s: &Statement, req: &Request, variables: bool) -> Tri {
    let ctx = &req.context;
    let principal = match (&s.principal, &s.not_principal) {
        (Some(p), _) => principal_matches(
            p,
            &req.caller,
            PrincipalReading {
                endpoint: req.endpoint,
                sessions: true,
            },
        ),
        (None, Some(np)) => principal_matches(
            np,
            &req.caller,
            PrincipalReading {
                endpoint: req.endpoint,
                sessions: false,
            },
        )
        .not(),
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

    fn request(caller: Caller, context: Context, endpoint: EndpointKind) -> Request {
        Request {
            caller,
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::b/k".into(),
            context,
            endpoint,
        }
    }

    #[test]
    fn undefined_aws_keys_are_unknown_even_in_a_closed_context() {
        let policy = crate::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincpalAccount":"111122223333"}}}]}"#,
        )
        .unwrap();
        for context in [Context::open(), Context::closed()] {
            let r = request(
                Caller::Account("111122223333".into()),
                context,
                EndpointKind::Interface,
            );
            assert_eq!(
                evaluate(&policy, &r),
                Decision::Undetermined {
                    keys: vec!["aws:princpalaccount".into()]
                }
            );
        }
        // A context that sets the key decides it.
        let mut ctx = Context::closed();
        ctx.value("aws:PrincpalAccount", "111122223333");
        let r = request(Caller::Anonymous, ctx, EndpointKind::Interface);
        assert_eq!(evaluate(&policy, &r), Decision::Allowed { statement: 0 });
        assert!(is_global_key("aws:principaltag/team") && is_global_key("aws:sourcevpce"));
        assert!(!is_global_key("aws:princpalaccount"));
        // Service keys stay unknown in an open context, absent in a closed one.
        assert_eq!(Context::open().get("s3:prefix"), &KeyState::Unknown);
        assert_eq!(Context::closed().get("s3:prefix"), &KeyState::Absent);
    }

    #[test]
    fn sessions_of_a_role() {
        let role = "arn:aws:iam::111122223333:role/path/Builder";
        let ok = "arn:aws:sts::111122223333:assumed-role/Builder/i-0abc";
        assert!(is_session_of(ok, role));
        assert!(is_session_of(ok, "arn:aws:iam::111122223333:role/Builder"));
        for not in [
            "arn:aws:sts::444455556666:assumed-role/Builder/i-0abc",
            "arn:aws:sts::111122223333:assumed-role/Builder2/i-0abc",
            "arn:aws:sts::111122223333:assumed-role/Builder/",
            "arn:aws:sts::111122223333:federated-user/Builder",
            "arn:aws-cn:sts::111122223333:assumed-role/Builder/i-0abc",
            "arn:aws:iam::111122223333:role/Builder",
        ] {
            assert!(!is_session_of(not, role), "{not}");
        }
        assert!(!is_session_of(ok, "arn:aws:iam::111122223333:user/Builder"));
    }
}
