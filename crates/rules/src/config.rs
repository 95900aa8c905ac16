//! The `--config` file: AWSTOE environments and suppressions, read and
//! validated (what a suppression matches is `crate::suppress`).
//!
//! ```toml
//! environments = ["prod", "preprod"]
//!
//! [[suppress]]
//! rule = "IB020"
//! resource = "vpce-0a1b*"        # glob over the resource id or ARN
//! reason = "custom policy reviewed in SEC-123"
//! expires = 2027-06-30           # optional; the suppression stops applying after this day
//! account = "111122223333"       # optional
//! region = "us-east-1"           # optional
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use crate::date::Date;
use crate::finding::Finding;
use crate::registry::rule_by_id;
pub use crate::suppress::{glob, Suppression};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it came from, for messages.
    pub source: Option<PathBuf>,
    pub environments: Vec<String>,
    /// The organization of the audited accounts' principals (`o-...`), used
    /// for `aws:PrincipalOrgID` in the managed component read (IB013).
    pub organization_id: Option<String>,
    pub suppressions: Vec<Suppression>,
}

/// A config file that cannot be used: where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The reason is in the message, not a separate source, so that an
    /// error chain does not print it twice.
    #[error("{}: cannot read: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    environments: Vec<Spanned<String>>,
    #[serde(default)]
    organization_id: Option<Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppression>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    rule: Spanned<String>,
    resource: Spanned<String>,
    reason: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<toml::Value>>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates a config; `path` only names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |offset: usize, message: String| {
            let (line, column) = line_column(text, offset);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().trim().to_string())
        })?;
        let mut config = Config {
            source: Some(path.to_path_buf()),
            ..Config::default()
        };
        for env in raw.environments {
            let ok = !env.get_ref().is_empty()
                && env
                    .get_ref()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(invalid(
                    env.span().start,
                    format!(
                        "environment `{}` is not a lowercase name such as prod",
                        env.get_ref()
                    ),
                ));
            }
            config.environments.push(env.into_inner());
        }
        if let Some(org) = raw.organization_id {
            let ok = org.get_ref().starts_with("o-") && org.get_ref().len() > 2;
            if !ok {
                return Err(invalid(
                    org.span().start,
                    format!(
                        "organization_id `{}` is not an organization id such as o-a1b2c3d4e5",
                        org.get_ref()
                    ),
                ));
            }
            config.organization_id = Some(org.into_inner());
        }
        for s in raw.suppress {
            let s = s.into_inner();
            let Some(rule) = rule_by_id(s.rule.get_ref()) else {
                return Err(invalid(
                    s.rule.span().start,
                    format!("unknown rule `{}` (see `ibaudit rules`)", s.rule.get_ref()),
                ));
            };
            if s.reason.get_ref().trim().is_empty() {
                return Err(invalid(
                    s.reason.span().start,
                    "a suppression needs a non-empty reason".into(),
                ));
            }
            if s.resource.get_ref().is_empty() {
                return Err(invalid(
                    s.resource.span().start,
                    "resource must not be empty (use \"*\" for every resource)".into(),
                ));
            }
            let expires = match &s.expires {
                None => None,
                Some(v) => {
                    let text = match v.get_ref() {
                        toml::Value::String(x) => x.clone(),
                        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                            d.to_string()
                        }
                        _ => String::new(),
                    };
                    Some(Date::parse(&text).ok_or_else(|| {
                        invalid(
                            v.span().start,
                            "expires must be a date such as 2027-06-30".into(),
                        )
                    })?)
                }
            };
            config.suppressions.push(Suppression {
                rule: rule.meta().id.to_string(),
                resource: s.resource.into_inner(),
                reason: s.reason.into_inner(),
                expires,
                account: s.account,
                region: s.region,
            });
        }
        Ok(config)
    }

    /// Marks the findings that an unexpired suppression covers; returns a
    /// note for each suppression that has expired.
    pub fn apply(&self, findings: &mut [Finding], today: Date) -> Vec<String> {
        let name = self
            .source
            .as_ref()
            .map_or_else(|| "config".to_string(), |p| p.display().to_string());
        crate::suppress::apply(&self.suppressions, &name, findings, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_line_and_column() {
        let err = Config::parse(
            "[[suppress]]\nrule = \"IB999\"\nresource = \"*\"\nreason = \"x\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml:2:8: unknown rule `IB999` (see `ibaudit rules`)"
        );
        let err = Config::parse(
            "[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.toml:1:1: missing field `reason`"),
            "{err}"
        );
        let err = Config::parse(
            "[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\nreason = \"  \"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml:4:10: a suppression needs a non-empty reason"
        );
        let err = Config::parse("[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"soon\"\n", Path::new("c.toml"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml:5:11: expires must be a date such as 2027-06-30"
        );
        let err = Config::parse("colour = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.toml:1:1: unknown field `colour`"),
            "{err}"
        );
    }

    #[test]
    fn config_parses_dates_as_toml_or_strings() {
        let c = Config::parse(
            "environments = [\"prod\", \"beta\"]\n[[suppress]]\nrule = \"ib020\"\nresource = \"vpce-*\"\nreason = \"ok\"\nexpires = 2027-06-30\n[[suppress]]\nrule = \"IB002\"\nresource = \"*\"\nreason = \"ok\"\nexpires = \"2027-01-01\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.environments, ["prod", "beta"]);
        assert_eq!(c.suppressions[0].rule, "IB020");
        assert_eq!(c.suppressions[0].expires, Date::parse("2027-06-30"));
        assert_eq!(c.suppressions[1].expires, Date::parse("2027-01-01"));
    }
}
