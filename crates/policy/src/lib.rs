//! The IAM policy engine for endpoint policies: parse the `PolicyDocument`
//! string AWS returns into a typed model, lint it, and decide whether it
//! allows a request the way IAM does, with a third answer, undetermined, for
//! what depends on condition keys an auditor cannot know. No AWS SDK here.

pub mod condition;
pub mod context;
pub mod eval;
pub mod glob;
pub mod ip;
pub mod keys;
pub mod lint;
pub mod model;
mod tri;

pub use context::{Context, KeyState};
pub use eval::{evaluate, Caller, Decision, EndpointKind, Request};
pub use keys::{
    describe_keys, global_key, global_keys, is_global_key, likely_meant, GlobalKey, Known,
};
pub use lint::{lint, ActionProblem, Lint, UnknownKey};
pub use model::{is_default_policy, parse, Effect, ParseError, Policy, Principal, Statement};

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
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:*","Resource":"*"}]}"#,
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

    #[test]
    fn unknown_operators_are_rejected() {
        let err = parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Statement[0].Condition.StringEqualz: unknown condition operator"
        );
    }
}
