//! Parameter files: the `aws cloudformation` JSON form
//! (`[{"ParameterKey": "K", "ParameterValue": "V"}, ...]`), CodePipeline's
//! template configuration (`{"Parameters": {"K": "V"}}`), a plain
//! `{"K": "V"}` object, or `KEY=VALUE` lines.

use super::node::{Kind, Node, Pos};
use super::template::at;
use crate::IacError;

/// The `(key, value)` pairs of a parameters file, in file order (later
/// entries win when applied). A file whose first character is `[` or `{` is
/// JSON; anything else is `KEY=VALUE` lines, blank lines and `#` comments
/// skipped, key and value trimmed. `UsePreviousValue` entries are skipped
/// (no value). Errors name `file:line:column`.
pub fn parse_parameters_file(
    bytes: &[u8],
    display: &str,
) -> Result<Vec<(String, String)>, IacError> {
    let text = super::utf8(bytes, display)?;
    let first = text
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .chars()
        .next();
    if matches!(first, Some('[' | '{')) {
        let root = super::json::parse(text).map_err(|e| at(display, e.pos, e.message))?;
        return from_json(&root, display);
    }
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let indent =
            u32::try_from(line.chars().take_while(|c| c.is_whitespace()).count() + 1).unwrap_or(1);
        let pos = Pos {
            line: lineno,
            column: indent,
        };
        let Some((k, v)) = trimmed.split_once('=') else {
            return Err(at(
                display,
                pos,
                format!("expected KEY=VALUE, found {trimmed:?}"),
            ));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(at(display, pos, "expected KEY=VALUE: the key is empty"));
        }
        out.push((k.to_string(), v.trim().to_string()));
    }
    Ok(out)
}

fn value_text(n: &Node, display: &str, what: &str) -> Result<String, IacError> {
    match &n.kind {
        Kind::Seq(items) => Ok(items
            .iter()
            .map(|i| value_text(i, display, what))
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        _ => n.scalar_text().ok_or_else(|| {
            at(
                display,
                n.pos,
                format!("{what} must be a string, not {}", n.describe()),
            )
        }),
    }
}

fn from_json(root: &Node, display: &str) -> Result<Vec<(String, String)>, IacError> {
    let mut out = Vec::new();
    match &root.kind {
        Kind::Seq(items) => {
            for item in items {
                if item.entries().is_none() {
                    return Err(at(
                        display,
                        item.pos,
                        format!(
                            "expected {{\"ParameterKey\": ..., \"ParameterValue\": ...}}, found {}",
                            item.describe()
                        ),
                    ));
                }
                let key = match item.get("ParameterKey") {
                    Some(k) => k
                        .as_str()
                        .ok_or_else(|| at(display, k.pos, "ParameterKey must be a string"))?,
                    None => return Err(at(display, item.pos, "this entry has no ParameterKey")),
                };
                match item.get("ParameterValue") {
                    Some(v) => {
                        out.push((key.to_string(), value_text(v, display, "ParameterValue")?))
                    }
                    // `UsePreviousValue: true` keeps the deployed stack's
                    // value, which a template alone does not know: the
                    // parameter stays without a value.
                    None if item.get("UsePreviousValue").is_some() => {}
                    None => {
                        return Err(at(
                            display,
                            item.pos,
                            format!(
                                "parameter {key} has neither ParameterValue nor UsePreviousValue"
                            ),
                        ))
                    }
                }
            }
        }
        Kind::Map(entries) => {
            let entries = match (entries.as_slice(), root.get("Parameters")) {
                (_, Some(p)) if p.entries().is_some() => p.entries().unwrap_or(&[]),
                _ => entries,
            };
            for e in entries {
                out.push((e.key.clone(), value_text(&e.value, display, &e.key)?));
            }
        }
        _ => return Err(at(display, root.pos, "expected a list of parameters")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn cli_json_form() {
        let src = br#"[
  {"ParameterKey": "Env", "ParameterValue": "prod"},
  {"ParameterKey": "Old", "UsePreviousValue": true},
  {"ParameterKey": "Port", "ParameterValue": 443}
]"#;
        assert_eq!(
            parse_parameters_file(src, "p.json").unwrap(),
            pairs(&[("Env", "prod"), ("Port", "443")])
        );
    }

    #[test]
    fn object_forms() {
        assert_eq!(
            parse_parameters_file(br#"{"Parameters": {"A": "1", "B": ["x", "y"]}}"#, "p.json")
                .unwrap(),
            pairs(&[("A", "1"), ("B", "x,y")])
        );
        assert_eq!(
            parse_parameters_file(br#"{"A": "1"}"#, "p.json").unwrap(),
            pairs(&[("A", "1")])
        );
    }

    #[test]
    fn key_value_lines() {
        let src = b"# comment\n\nEnv=prod\n  Subnets = subnet-1,subnet-2 \r\nEmpty=\nUrl=a=b\n";
        assert_eq!(
            parse_parameters_file(src, "p.env").unwrap(),
            pairs(&[
                ("Env", "prod"),
                ("Subnets", "subnet-1,subnet-2"),
                ("Empty", ""),
                ("Url", "a=b")
            ])
        );
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse_parameters_file(b"A=1\n  oops\n", "p.env")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "p.env:2:3: expected KEY=VALUE, found \"oops\"");
        let e = parse_parameters_file(b"[{\"ParameterKey\": \"A\"}]", "p.json")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "p.json:1:2: parameter A has neither ParameterValue nor UsePreviousValue"
        );
        let e = parse_parameters_file(
            b"[{\"ParameterKey\": \"A\",\n  \"ParameterValue\": }]",
            "p.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("p.json:2:21: invalid JSON"), "{e}");
        let e = parse_parameters_file(b"=1\n", "p.env")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "p.env:1:1: expected KEY=VALUE: the key is empty");
    }
}
