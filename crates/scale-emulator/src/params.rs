//! Query-protocol parameters (EC2, STS): `Action=...&Filter.1.Name=...`.

use std::collections::HashMap;

pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(body: &[u8]) -> Params {
        Params(form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `Prefix.1`, `Prefix.2`, ... until one is missing.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        (1..)
            .map_while(|i| self.0.get(&format!("{prefix}.{i}")).cloned())
            .collect()
    }

    /// `Filter.N.Name` with its `Filter.N.Value.M`.
    pub fn filters(&self) -> Vec<(String, Vec<String>)> {
        (1..)
            .map_while(|i| {
                let name = self.0.get(&format!("Filter.{i}.Name"))?;
                Some((name.clone(), self.list(&format!("Filter.{i}.Value"))))
            })
            .collect()
    }
}

/// `*` and `?` wildcards, as EC2 filters accept them.
pub fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether a resource passes every filter (values of one filter are ORed,
/// filters ANDed). `attr` gives the resource's values for a filter name, or
/// None for a name the resource type does not support: that is an error
/// (the name is returned).
pub fn passes(
    filters: &[(String, Vec<String>)],
    attr: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<bool, String> {
    for (name, values) in filters {
        let Some(have) = attr(name) else {
            return Err(name.clone());
        };
        if !values.iter().any(|v| have.iter().any(|h| glob(v, h))) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_and_filters() {
        let p = Params::parse(
            b"Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.1.Value.2=vpc-2&VpcId.1=a%2Fb",
        );
        assert_eq!(p.get("Action"), Some("DescribeVpcs"));
        assert_eq!(
            p.filters(),
            vec![(
                "vpc-id".to_string(),
                vec!["vpc-1".to_string(), "vpc-2".to_string()]
            )]
        );
        assert_eq!(p.list("VpcId"), ["a/b"]);
        assert!(glob("com.amazonaws.*.s3", "com.amazonaws.eu-west-1.s3"));
        assert!(glob("vpc-?", "vpc-1") && !glob("vpc-?", "vpc-12") && glob("*", ""));
        assert!(!glob("a*b", "acd"));
    }
}
