//! Joining snapshots of different accounts, or of different regions of one
//! account, into one: what `ibaudit merge` does with the snapshots of the
//! shards of an organization.
//!
//! Merge never chooses between two readings of the same thing: the same
//! account and region in two inputs, two names for one account, two
//! organizations, are errors naming both inputs. The output does not depend
//! on how the work was split: accounts sorted by id, regions by name, the
//! order a single run writes them in ([`Snapshot::sort`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Account, Extra, Snapshot};

/// Why inputs cannot be merged. `first` and `second` are the labels given to
/// [`merge`] (file names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give at least one snapshot")]
    NoInput,
    #[error(
        "account {account} region {region} is in both {first} and {second}: merge joins different accounts or regions and never chooses between two readings of the same one"
    )]
    Overlap {
        account: String,
        region: String,
        first: String,
        second: String,
    },
    /// Two inputs disagree on something a snapshot holds once: an account's
    /// name or partition, the organization, an unknown key.
    #[error("{what} is {first_value} in {first} but {second_value} in {second}")]
    Conflict {
        what: String,
        first_value: String,
        first: String,
        second_value: String,
        second: String,
    },
}

impl Snapshot {
    /// Accounts by id, each account's regions by name: the order every
    /// snapshot ibaudit writes is in, so that a merged snapshot and a single
    /// run's compare byte for byte.
    pub fn sort(&mut self) {
        self.accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        for a in &mut self.accounts {
            a.regions.sort_by(|x, y| x.region.cmp(&y.region));
        }
    }
}

/// An RFC 3339 UTC timestamp as a comparable instant: the date and time
/// (upper-case `T`) and the fraction padded to nanoseconds. Text that is not
/// a timestamp compares as itself.
fn instant(s: &str) -> (String, String) {
    match (s.get(..19), s.get(19..)) {
        (Some(head), Some(rest)) => {
            let fraction: String = rest
                .strip_prefix('.')
                .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
                .unwrap_or_default();
            (head.to_ascii_uppercase(), format!("{fraction:0<9}"))
        }
        _ => (s.to_string(), String::new()),
    }
}

/// `v` as JSON, for a message on a terminal: controls and bidirectional
/// overrides, which JSON leaves as they are outside ASCII, written as `\u{..}`
/// (names and unknown keys are text anyone may have set).
fn quoted(v: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(v).unwrap_or_else(|_| "?".to_string());
    crate::inert(&json).into_owned()
}

struct Entry {
    account: Account,
    /// Where the account was first seen, and where each of its regions was.
    first: String,
    name_from: Option<String>,
    regions: BTreeMap<String, String>,
    extra_from: BTreeMap<String, String>,
    /// The earliest time any part of the account was read.
    read_at: String,
}

/// Merges `inputs` (a label for messages, the snapshot). The envelope's
/// `collected_at` is the earliest of the inputs'; an account read at another
/// time keeps its own `collected_at` (the earliest of its parts). Account
/// `errors` are concatenated in input order. Unknown keys are kept; the same
/// unknown key with two values is an error.
pub fn merge<I>(inputs: I) -> Result<Snapshot, MergeError>
where
    I: IntoIterator<Item = (String, Snapshot)>,
{
    let mut collected_at: Option<String> = None;
    let mut collector = None;
    let mut organization: Option<(crate::Organization, String)> = None;
    let mut extra: BTreeMap<String, (Value, String)> = BTreeMap::new();
    let mut accounts: BTreeMap<String, Entry> = BTreeMap::new();

    for (label, snapshot) in inputs {
        if collected_at
            .as_ref()
            .is_none_or(|t| instant(&snapshot.collected_at) < instant(t))
        {
            collected_at = Some(snapshot.collected_at.clone());
        }
        if collector.is_none() {
            collector = snapshot.collector.clone();
        }
        if let Some(org) = snapshot.organization {
            match &organization {
                Some((seen, from)) if *seen != org => {
                    return Err(MergeError::Conflict {
                        what: "the organization".to_string(),
                        first_value: quoted(seen),
                        first: from.clone(),
                        second_value: quoted(&org),
                        second: label,
                    })
                }
                Some(_) => {}
                None => organization = Some((org, label.clone())),
            }
        }
        for (key, raw) in snapshot.extra.iter() {
            let key = key.to_string();
            let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
            match extra.get(&key) {
                Some((seen, from)) if *seen != value => {
                    return Err(MergeError::Conflict {
                        what: format!("the key {}", quoted(&key)),
                        first_value: quoted(seen),
                        first: from.clone(),
                        second_value: quoted(&value),
                        second: label,
                    })
                }
                Some(_) => {}
                None => {
                    extra.insert(key, (value, label.clone()));
                }
            }
        }
        for mut account in snapshot.accounts {
            let read_at = account
                .collected_at
                .take()
                .unwrap_or_else(|| snapshot.collected_at.clone());
            let Some(entry) = accounts.get_mut(&account.account_id) else {
                let regions = account
                    .regions
                    .iter()
                    .map(|r| (r.region.clone(), label.clone()))
                    .collect();
                let extra_from = account
                    .extra
                    .keys()
                    .map(|k| (k.to_string(), label.clone()))
                    .collect();
                accounts.insert(
                    account.account_id.clone(),
                    Entry {
                        name_from: account.account_name.as_ref().map(|_| label.clone()),
                        account,
                        first: label.clone(),
                        regions,
                        extra_from,
                        read_at,
                    },
                );
                continue;
            };
            join(entry, account, &label, read_at)?;
        }
    }

    let Some(collected_at) = collected_at else {
        return Err(MergeError::NoInput);
    };
    let accounts = accounts
        .into_values()
        .map(|mut e| {
            if instant(&e.read_at) != instant(&collected_at) {
                e.account.collected_at = Some(e.read_at);
            }
            e.account
        })
        .collect();
    let mut merged = Snapshot {
        collected_at,
        collector,
        accounts,
        organization: organization.map(|(o, _)| o),
        extra: {
            let mut kept = Extra::default();
            for (k, (v, _)) in extra {
                kept.insert_value(k, &v).expect("a parsed value serialises");
            }
            kept
        },
    };
    merged.sort();
    Ok(merged)
}

/// Adds `account`, read from `label`, to the account already seen.
fn join(
    entry: &mut Entry,
    account: Account,
    label: &str,
    read_at: String,
) -> Result<(), MergeError> {
    let id = account.account_id.clone();
    if entry.account.partition != account.partition {
        return Err(MergeError::Conflict {
            what: format!("the partition of account {id}"),
            first_value: entry.account.partition.clone(),
            first: entry.first.clone(),
            second_value: account.partition,
            second: label.to_string(),
        });
    }
    match (&entry.account.account_name, account.account_name) {
        (Some(seen), Some(name)) if *seen != name => {
            return Err(MergeError::Conflict {
                what: format!("the name of account {id}"),
                first_value: quoted(seen),
                first: entry.name_from.clone().unwrap_or_default(),
                second_value: quoted(&name),
                second: label.to_string(),
            })
        }
        (None, Some(name)) => {
            entry.account.account_name = Some(name);
            entry.name_from = Some(label.to_string());
        }
        _ => {}
    }
    for region in account.regions {
        if let Some(first) = entry.regions.get(&region.region) {
            return Err(MergeError::Overlap {
                account: id,
                region: region.region,
                first: first.clone(),
                second: label.to_string(),
            });
        }
        entry
            .regions
            .insert(region.region.clone(), label.to_string());
        entry.account.regions.push(region);
    }
    for (key, raw) in account.extra.iter() {
        let key = key.to_string();
        let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
        match entry.account.extra.get(&key) {
            Some(seen) if seen != value => {
                return Err(MergeError::Conflict {
                    what: format!("the key {} of account {id}", quoted(&key)),
                    first_value: quoted(&seen),
                    first: entry.extra_from.get(&key).cloned().unwrap_or_default(),
                    second_value: quoted(&value),
                    second: label.to_string(),
                })
            }
            Some(_) => {}
            None => {
                entry.extra_from.insert(key.clone(), label.to_string());
                entry.account.extra.insert(key, raw.to_owned());
            }
        }
    }
    entry.account.errors.extend(account.errors);
    if instant(&read_at) < instant(&entry.read_at) {
        entry.read_at = read_at;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CollectionError, Organization, RegionSnapshot};

    fn snap(at: &str, accounts: Vec<Account>) -> Snapshot {
        Snapshot {
            collected_at: at.to_string(),
            collector: None,
            accounts,
            organization: None,
            extra: Extra::default(),
        }
    }

    fn account(id: &str, regions: &[&str]) -> Account {
        Account {
            regions: regions.iter().map(|r| RegionSnapshot::new(*r)).collect(),
            ..Account::new(id)
        }
    }

    const T1: &str = "2026-11-26T07:00:00Z";
    const T2: &str = "2026-11-26T07:05:00Z";

    #[test]
    fn regions_of_one_account_join_in_name_order() {
        let merged = merge([
            (
                "b.json".into(),
                snap(T1, vec![account("111122223333", &["us-west-2"])]),
            ),
            (
                "a.json".into(),
                snap(
                    T1,
                    vec![account("111122223333", &["eu-west-1", "us-east-1"])],
                ),
            ),
        ])
        .unwrap();
        let regions: Vec<&str> = merged.accounts[0]
            .regions
            .iter()
            .map(|r| r.region.as_str())
            .collect();
        assert_eq!(regions, ["eu-west-1", "us-east-1", "us-west-2"]);
        assert_eq!(merged.accounts[0].collected_at, None);
    }

    #[test]
    fn the_same_account_and_region_twice_names_both_inputs() {
        let err = merge([
            (
                "a.json".into(),
                snap(T1, vec![account("111122223333", &["us-east-1"])]),
            ),
            (
                "b.json".into(),
                snap(T1, vec![account("111122223333", &["us-east-1"])]),
            ),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "account 111122223333 region us-east-1 is in both a.json and b.json: merge joins different accounts or regions and never chooses between two readings of the same one"
        );
    }

    #[test]
    fn times_names_errors_and_organizations() {
        let mut a = account("444455556666", &[]);
        a.account_name = Some("prod".into());
        a.errors.push(CollectionError {
            operation: "AssumeRole".into(),
            code: "AccessDenied".into(),
            message: "denied".into(),
            resource: None,
        });
        let mut b = account("444455556666", &["us-east-1"]);
        b.errors.push(CollectionError {
            operation: "DescribeRegions".into(),
            code: "Throttling".into(),
            message: String::new(),
            resource: None,
        });
        let org = Organization {
            id: "o-a1b2c3d4e5".into(),
            management_account_id: "111122223333".into(),
            extra: BTreeMap::new(),
        };
        let mut first = snap(T2, vec![a]);
        first.organization = Some(org.clone());
        let merged = merge([
            ("a.json".into(), first),
            (
                "b.json".into(),
                snap(T1, vec![b, account("111122223333", &["us-east-1"])]),
            ),
        ])
        .unwrap();
        assert_eq!(merged.collected_at, T1);
        assert_eq!(merged.organization, Some(org.clone()));
        let ids: Vec<&str> = merged
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect();
        assert_eq!(ids, ["111122223333", "444455556666"]);
        let acct = &merged.accounts[1];
        assert_eq!(acct.account_name.as_deref(), Some("prod"));
        // Read partly at T1 (b.json), partly at T2: the earliest, which is the envelope's.
        assert_eq!(acct.collected_at, None);
        let ops: Vec<&str> = acct.errors.iter().map(|e| e.operation.as_str()).collect();
        assert_eq!(ops, ["AssumeRole", "DescribeRegions"]);

        // An account read only at another time keeps its own time.
        let merged = merge([
            (
                "a.json".into(),
                snap(T2, vec![account("444455556666", &[])]),
            ),
            (
                "b.json".into(),
                snap(T1, vec![account("111122223333", &[])]),
            ),
        ])
        .unwrap();
        assert_eq!(merged.accounts[1].collected_at.as_deref(), Some(T2));

        let mut named = account("444455556666", &["us-east-1"]);
        named.account_name = Some("staging".into());
        let mut renamed = account("444455556666", &["us-west-2"]);
        renamed.account_name = Some("prod".into());
        let err = merge([
            ("a.json".into(), snap(T1, vec![named])),
            (
                "b.json".into(),
                snap(T1, vec![account("444455556666", &["eu-west-1"])]),
            ),
            ("c.json".into(), snap(T1, vec![renamed])),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the name of account 444455556666 is \"staging\" in a.json but \"prod\" in c.json"
        );

        let mut other = org;
        other.id = "o-zzzzzzzzzz".into();
        let (mut x, mut y) = (snap(T1, vec![]), snap(T1, vec![]));
        x.organization = Some(other);
        y.organization = Some(Organization {
            id: "o-a1b2c3d4e5".into(),
            management_account_id: "111122223333".into(),
            extra: BTreeMap::new(),
        });
        let err = merge([("x.json".into(), x), ("y.json".into(), y)]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the organization is {\"id\":\"o-zzzzzzzzzz\""),
            "{err}"
        );
        assert_eq!(
            merge(Vec::<(String, Snapshot)>::new()),
            Err(MergeError::NoInput)
        );
    }

    #[test]
    fn partitions_and_unknown_keys_must_agree() {
        let mut cn = account("111122223333", &["cn-north-1"]);
        cn.partition = "aws-cn".into();
        let err = merge([
            (
                "a.json".into(),
                snap(T1, vec![account("111122223333", &["us-east-1"])]),
            ),
            ("b.json".into(), snap(T1, vec![cn])),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the partition of account 111122223333 is aws in a.json but aws-cn in b.json"
        );

        let (mut x, mut y) = (snap(T1, vec![]), snap(T1, vec![]));
        x.extra
            .insert_value("run".into(), &serde_json::json!(1))
            .unwrap();
        y.extra
            .insert_value("run".into(), &serde_json::json!(2))
            .unwrap();
        let err = merge([("x.json".into(), x.clone()), ("y.json".into(), y)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the key \"run\" is 1 in x.json but 2 in y.json"
        );
        // The same value twice is one value.
        let merged = merge([("x.json".into(), x.clone()), ("z.json".into(), x)]).unwrap();
        assert_eq!(merged.extra.get("run"), Some(serde_json::json!(1)));

        let mut a = account("111122223333", &["us-east-1"]);
        a.extra
            .insert_value("tier".into(), &serde_json::json!("gold"))
            .unwrap();
        let mut b = account("111122223333", &["us-west-2"]);
        b.extra
            .insert_value("tier".into(), &serde_json::json!("lead"))
            .unwrap();
        let err = merge([
            ("a.json".into(), snap(T1, vec![a])),
            ("b.json".into(), snap(T1, vec![b])),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the key \"tier\" of account 111122223333 is \"gold\" in a.json but \"lead\" in b.json"
        );
    }

    #[test]
    fn names_in_messages_are_inert() {
        assert_eq!(
            quoted(&"a\u{202E}b\u{9b}c\u{1b}"),
            "\"a\\u{202e}b\\u{9b}c\\u001b\""
        );
    }

    #[test]
    fn instants_compare_as_times_not_text() {
        assert!(instant("2026-11-26T07:00:00.5Z") > instant("2026-11-26T07:00:00Z"));
        assert_eq!(
            instant("2026-11-26t07:00:00z"),
            instant("2026-11-26T07:00:00+00:00")
        );
    }
}
