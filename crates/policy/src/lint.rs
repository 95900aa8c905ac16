//! What makes an endpoint policy invalid (IB031) and actions that can never
//! match (IB030).

use crate::model::{parse, Effect, ParseError, Policy};

/// Endpoint policies are limited to 20,480 characters, white space included.
pub const MAX_POLICY_CHARS: usize = 20_480;

const IMAGEBUILDER_ACTIONS_TXT: &str = include_str!("../data/imagebuilder-actions.txt");

/// The Image Builder action names (without the `imagebuilder:` prefix).
pub fn imagebuilder_actions() -> impl Iterator<Item = &'static str> {
    IMAGEBUILDER_ACTIONS_TXT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// An action in a statement that can never match a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionProblem {
    pub statement: usize,
    /// `Statement[1] (Sid "x")`.
    pub label: String,
    pub effect: Effect,
    /// From `NotAction` rather than `Action`.
    pub not_action: bool,
    pub action: String,
    pub reason: String,
}

/// Why an action string can never match, if it cannot.
pub fn action_problem(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    if action.chars().any(char::is_whitespace) {
        return Some("it contains white space".into());
    }
    let colons = action.matches(':').count();
    if colons == 0 {
        return Some("it has no service prefix (`service:Action`)".into());
    }
    if colons > 1 {
        return Some("it has more than one colon".into());
    }
    let (service, name) = action.split_once(':').expect("one colon");
    if service.is_empty() {
        return Some("its service prefix is empty".into());
    }
    if name.is_empty() {
        return Some("its action name is empty".into());
    }
    if service.contains(['*', '?']) {
        return Some("it has a wildcard in the service prefix".into());
    }
    if service.eq_ignore_ascii_case("imagebuilder")
        && !name.contains(['*', '?'])
        && !imagebuilder_actions().any(|a| a.eq_ignore_ascii_case(name))
    {
        return Some(format!("`{name}` is not an Image Builder action"));
    }
    None
}

/// A condition key in the `aws:` namespace that IAM's reference does not
/// define: the evaluator cannot know it (Undetermined), and it is most often
/// a misspelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    pub statement: usize,
    /// `Statement[1] (Sid "x")`.
    pub label: String,
    /// As written.
    pub key: String,
    /// The global key it is most likely a misspelling of.
    pub likely_meant: Option<&'static str>,
}

impl UnknownKey {
    /// `Statement[0] uses aws:PrincpalAccount, which is not an IAM global
    /// condition key (did you mean aws:PrincipalAccount?)`.
    pub fn note(&self) -> String {
        let hint = match self.likely_meant {
            Some(k) => format!(" (did you mean {k}?)"),
            None => String::new(),
        };
        format!(
            "{} uses {}, which is not an IAM global condition key{hint}",
            self.label, self.key
        )
    }
}

/// The outcome of linting one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lint {
    /// Reasons the policy is not valid (IB031), in document order.
    pub invalid: Vec<String>,
    /// Actions that can never match (IB030).
    pub actions: Vec<ActionProblem>,
    /// Condition keys in the `aws:` namespace that IAM does not define.
    pub unknown_keys: Vec<UnknownKey>,
}

/// Lints a policy document; also returns the parsed policy when it parses.
pub fn lint(document: &str) -> (Lint, Option<Policy>) {
    let mut out = Lint::default();
    let chars = document.chars().count();
    if chars > MAX_POLICY_CHARS {
        out.invalid.push(format!(
            "it is {chars} characters long; endpoint policies are limited to {MAX_POLICY_CHARS}"
        ));
    }
    let policy = match parse(document) {
        Ok(p) => p,
        Err(e @ ParseError::Json { .. }) => {
            out.invalid.push(e.to_string());
            return (out, None);
        }
        Err(e @ ParseError::Duplicate { .. }) => {
            out.invalid.push(format!("it is ambiguous: {e}"));
            return (out, None);
        }
        Err(e) => {
            out.invalid.push(format!("it is not a valid policy: {e}"));
            return (out, None);
        }
    };
    match policy.version.as_deref() {
        None | Some("2012-10-17") | Some("2008-10-17") => {}
        Some(v) => out
            .invalid
            .push(format!("Version \"{v}\" is not 2012-10-17 or 2008-10-17")),
    }
    if policy.statements.is_empty() {
        out.invalid.push("it has no statements".into());
    }
    for s in &policy.statements {
        if s.principal.is_none() && s.not_principal.is_none() {
            out.invalid.push(format!(
                "{} has no Principal (endpoint policies must name one)",
                s.label()
            ));
        }
        for c in &s.conditions {
            if c.key_lower.starts_with("aws:")
                && !crate::keys::is_global_key(&c.key_lower)
                && !out
                    .unknown_keys
                    .iter()
                    .any(|u| u.statement == s.index && u.key == c.key)
            {
                out.unknown_keys.push(UnknownKey {
                    statement: s.index,
                    label: s.label(),
                    key: c.key.clone(),
                    likely_meant: crate::keys::likely_meant(&c.key),
                });
            }
        }
        for (list, not_action) in [(&s.action, false), (&s.not_action, true)] {
            for action in list.iter().flatten() {
                if let Some(reason) = action_problem(action) {
                    out.actions.push(ActionProblem {
                        statement: s.index,
                        label: s.label(),
                        effect: s.effect,
                        not_action,
                        action: action.clone(),
                        reason,
                    });
                }
            }
        }
    }
    (out, Some(policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example policy in the Image Builder documentation, as printed.
    const DOC_EXAMPLE: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
    {
        "Action": "imagebuilder:*",
        "Effect": "Allow",
        "Resource": "*"
    },
    {
        "Action": [
            "imagebuilder: DeleteImage"
        ],
        "Effect": "Deny",
        "Resource": "*",
    },
    {
        "Action": [
            "imagebuilder: DeleteComponent"
        ],
        "Effect": "Deny",
        "Resource": "*",
    }]
}"#;

    #[test]
    fn seventy_seven_actions() {
        assert_eq!(imagebuilder_actions().count(), 77);
        assert!(imagebuilder_actions().any(|a| a == "GetComponent"));
    }

    #[test]
    fn the_documentation_example_is_caught() {
        let (lint, policy) = lint(DOC_EXAMPLE);
        assert!(policy.is_none());
        assert_eq!(lint.invalid.len(), 1);
        assert!(
            lint.invalid[0].starts_with("not valid JSON at line 15, column 5: trailing comma"),
            "{:?}",
            lint.invalid
        );

        let fixed = DOC_EXAMPLE.replace("\"*\",\n    }", "\"*\"\n    }");
        let (lint, policy) = super::lint(&fixed);
        assert!(policy.is_some(), "{:?}", lint.invalid);
        assert_eq!(lint.invalid.len(), 3, "{:?}", lint.invalid);
        assert!(lint.invalid.iter().all(|m| m.contains("has no Principal")));
        let denies: Vec<_> = lint
            .actions
            .iter()
            .filter(|a| a.effect == Effect::Deny)
            .collect();
        assert_eq!(denies.len(), 2);
        assert_eq!(denies[0].action, "imagebuilder: DeleteImage");
        assert_eq!(denies[0].reason, "it contains white space");
    }

    #[test]
    fn action_problems() {
        for ok in [
            "*",
            "s3:GetObject",
            "imagebuilder:*",
            "imagebuilder:Get*",
            "imagebuilder:getcomponent",
            "ec2:Describe?pc*",
        ] {
            assert_eq!(action_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("imagebuilder: DeleteImage", "white space"),
            ("s3:GetObject ", "white space"),
            ("s3:Get:Object", "more than one colon"),
            (":GetObject", "service prefix is empty"),
            ("s3:", "action name is empty"),
            ("s*:GetObject", "wildcard in the service prefix"),
            ("GetObject", "no service prefix"),
            ("imagebuilder:DeleteImages", "not an Image Builder action"),
        ] {
            let got = action_problem(bad).unwrap_or_default();
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    #[test]
    fn unknown_global_keys_are_named_with_a_likely_meaning() {
        let (l, _) = lint(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincpalAccount":"111122223333","aws:SourceVpce":"vpce-1","s3:prefx":"a"},"Null":{"aws:FutureKey":"false"}}}]}"#,
        );
        let notes: Vec<String> = l.unknown_keys.iter().map(UnknownKey::note).collect();
        assert_eq!(
            notes,
            [
                "Statement[0] uses aws:FutureKey, which is not an IAM global condition key",
                "Statement[0] uses aws:PrincpalAccount, which is not an IAM global condition key (did you mean aws:PrincipalAccount?)",
            ]
        );
    }

    #[test]
    fn invalid_policies() {
        let (l, _) = lint(r#"{"Version":"2012-10-17","Statement":[]}"#);
        assert_eq!(l.invalid, ["it has no statements"]);
        let (l, _) = lint(
            r#"{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        );
        assert!(l.invalid[0].contains("2012-10-18"));
        let long = format!(
            r#"{{"Statement":[{{"Sid":"{}","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}]}}"#,
            "x".repeat(20_500)
        );
        let (l, p) = lint(&long);
        assert!(
            p.is_some() && l.invalid[0].contains("20480"),
            "{:?}",
            l.invalid
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (l, p) = lint(&deep);
        assert!(
            p.is_none() && l.invalid[0].contains("recursion limit"),
            "{:?}",
            l.invalid
        );
    }

    #[test]
    fn a_duplicated_key_is_reported_as_ambiguous() {
        let (l, policy) = lint(
            r#"{"Statement":[{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        );
        assert!(policy.is_none());
        assert_eq!(
            l.invalid,
            [
                "it is ambiguous: Statement[0] has the key \"Effect\" twice (line 1, column 39); \
              JSON readers disagree on which copy wins"
            ]
        );
    }
}
