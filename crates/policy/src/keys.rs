//! IAM's global condition keys (`../data/global-condition-keys.tsv`, with
//! its source), and what the auditor knows of each in the two requests it
//! evaluates endpoint policies against.

use std::sync::OnceLock;

const GLOBAL_KEYS_TSV: &str = include_str!("../data/global-condition-keys.tsv");

/// What the auditor knows of a global key in one request, as the data file
/// writes it. The caller turns it into a [`crate::KeyState`] with the facts
/// it has (endpoint, VPC, account, organization, region).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// `absent`: not in the request.
    Absent,
    /// `unknown`: in the request or not, value unknown.
    Unknown,
    /// `=VALUE`: present with this value.
    Value(&'static str),
    /// `$endpoint`: the id of the endpoint the request travels through.
    EndpointId,
    /// `$vpc`: the id of that endpoint's VPC.
    VpcId,
    /// `$vpc-arn`: that VPC's ARN.
    VpcArn,
    /// `$account`: the audited account.
    Account,
    /// `not-$account`: some account other than the audited one.
    NotAccount,
    /// `$org`: the customer's organization id, where it is known.
    Organization,
    /// `not-$org`: some organization other than the customer's.
    NotOrganization,
    /// `$region`: the endpoint's region.
    Region,
}

impl Known {
    fn parse(text: &'static str) -> Option<Known> {
        Some(match text {
            "absent" => Known::Absent,
            "unknown" => Known::Unknown,
            "$endpoint" => Known::EndpointId,
            "$vpc" => Known::VpcId,
            "$vpc-arn" => Known::VpcArn,
            "$account" => Known::Account,
            "not-$account" => Known::NotAccount,
            "$org" => Known::Organization,
            "not-$org" => Known::NotOrganization,
            "$region" => Known::Region,
            v => Known::Value(v.strip_prefix('=').filter(|v| !v.is_empty())?),
        })
    }
}

/// One global key of IAM's condition-key reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalKey {
    /// As AWS spells it: `aws:VpceOrgID`; a family ends in `/`
    /// (`aws:PrincipalTag/`).
    pub name: &'static str,
    /// `name` in lower case (condition key names are case-insensitive).
    pub lower: String,
    /// In AWSTOE's unauthenticated download through the customer's S3 endpoint.
    pub awstoe_download: Known,
    /// In the managed component read by a principal of the audited account.
    pub component_read: Known,
    /// Why, briefly, from the reference.
    pub why: &'static str,
}

impl GlobalKey {
    /// `aws:PrincipalTag/` and the like: every key that starts with it.
    pub fn is_family(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// IAM's global condition keys, in the data file's order.
pub fn global_keys() -> &'static [GlobalKey] {
    static KEYS: OnceLock<Vec<GlobalKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        GLOBAL_KEYS_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|line| {
                let cols: Vec<&'static str> = line.split('\t').collect();
                let bad = || panic!("global-condition-keys.tsv: bad line `{line}`");
                if cols.len() != 4 || !cols[0].starts_with("aws:") {
                    bad();
                }
                GlobalKey {
                    name: cols[0],
                    lower: cols[0].to_ascii_lowercase(),
                    awstoe_download: Known::parse(cols[1]).unwrap_or_else(bad),
                    component_read: Known::parse(cols[2]).unwrap_or_else(bad),
                    why: cols[3],
                }
            })
            .collect()
    })
}

/// The global key (or family) `key` (lower case) is, if any.
pub fn global_key(key: &str) -> Option<&'static GlobalKey> {
    global_keys().iter().find(|k| {
        if k.is_family() {
            key.len() > k.lower.len() && key.starts_with(k.lower.as_str())
        } else {
            key == k.lower
        }
    })
}

/// Whether `key` (lower case) is a documented global condition key.
pub fn is_global_key(key: &str) -> bool {
    global_key(key).is_some()
}

/// For a key in the `aws:` namespace that IAM does not define, the global key
/// it is most likely a misspelling of (at most two edits away, ignoring case).
pub fn likely_meant(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if !lower.starts_with("aws:") || is_global_key(&lower) {
        return None;
    }
    let head = match lower.find('/') {
        Some(i) => &lower[..=i],
        None => &lower,
    };
    global_keys()
        .iter()
        .map(|k| (edit_distance(head, &k.lower), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.name)
}

/// The keys an undetermined decision depends on, for a message: each key
/// in the `aws:` namespace that IAM does not define is said so, with the
/// global key it most likely misspells.
/// `aws:sourcevpce, aws:princpalaccount (not an IAM global condition key; did you mean aws:PrincipalAccount?)`.
pub fn describe_keys(keys: &[String]) -> String {
    keys.iter()
        .map(|k| {
            let lower = k.to_ascii_lowercase();
            if !lower.starts_with("aws:") || is_global_key(&lower) {
                return k.clone();
            }
            match likely_meant(k) {
                Some(m) => format!("{k} (not an IAM global condition key; did you mean {m}?)"),
                None => format!("{k} (not an IAM global condition key)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Levenshtein distance, on chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_and_has_the_data_perimeter_keys() {
        let keys = global_keys();
        assert!(keys.len() >= 52, "{} keys", keys.len());
        for k in [
            "aws:sourcevpcarn",
            "aws:vpceaccount",
            "aws:vpceorgid",
            "aws:vpceorgpaths",
            "aws:assumedroot",
            "aws:principalorgid",
            "aws:principaltag/team",
        ] {
            assert!(is_global_key(k), "{k}");
        }
        assert!(!is_global_key("aws:principaltag/"));
        assert!(!is_global_key("aws:princpalaccount"));
        let mut names: Vec<_> = keys.iter().map(|k| k.lower.as_str()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "a key is listed twice");
    }

    #[test]
    fn network_keys_in_the_two_requests() {
        let k = |n: &str| global_key(n).unwrap();
        assert_eq!(k("aws:vpceorgid").awstoe_download, Known::Organization);
        assert_eq!(k("aws:vpceaccount").awstoe_download, Known::Account);
        assert_eq!(k("aws:sourcevpcarn").awstoe_download, Known::VpcArn);
        assert_eq!(k("aws:sourcevpce").component_read, Known::EndpointId);
        // Image Builder is not among the services the reference lists for these.
        assert_eq!(k("aws:vpceorgid").component_read, Known::Unknown);
        assert_eq!(
            k("aws:principalaccount").awstoe_download,
            Known::Value("anonymous")
        );
    }

    #[test]
    fn misspellings() {
        assert_eq!(
            likely_meant("aws:PrincpalAccount"),
            Some("aws:PrincipalAccount")
        );
        assert_eq!(likely_meant("aws:VpceOrgId "), Some("aws:VpceOrgID"));
        assert_eq!(likely_meant("aws:SourceVPCE"), None); // a real key, any case
        assert_eq!(
            likely_meant("aws:PrincipleTag/team"),
            Some("aws:PrincipalTag/")
        );
        assert_eq!(likely_meant("aws:SomethingElseEntirely"), None);
        assert_eq!(likely_meant("s3:prefx"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            describe_keys(&["aws:princpalaccount".into(), "aws:sourcevpce".into(), "s3:prefix".into(), "aws:zzz".into()]),
            "aws:princpalaccount (not an IAM global condition key; did you mean aws:PrincipalAccount?), aws:sourcevpce, s3:prefix, aws:zzz (not an IAM global condition key)"
        );
    }
}
