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

/// What is known of one account of the inputs seen so far: enough to check
/// every further part of it, not the part itself.
struct Entry {
    partition: String,
    account_name: Option<String>,
    /// Where the account was first seen, and where each of its regions was.
    first: String,
    name_from: Option<String>,
    regions: BTreeMap<String, String>,
    extra: BTreeMap<String, Value>,
    extra_from: BTreeMap<String, String>,
    /// The earliest time any part of the account says it was read.
    read_at: Option<String>,
    /// The inputs of its parts without a time of their own: they were read
    /// when their input was.
    read_with: Vec<String>,
}

/// A merge fed one input at a time, each account part by part, that keeps
/// only what its checks need (ids, names, partitions, region names, unknown
/// keys): the parts themselves are the caller's to keep or spool, and to
/// join with [`join`] in input order. [`merge`] is this over snapshots held
/// whole. Errors are those [`merge`] gives, found as soon as the part that
/// causes them is seen.
#[derive(Default)]
pub struct Merger {
    collected_at: Option<String>,
    collector: Option<crate::Collector>,
    organization: Option<(crate::Organization, String)>,
    extra: BTreeMap<String, (Value, String)>,
    /// Each input's `collected_at`, by label.
    inputs: BTreeMap<String, String>,
    accounts: BTreeMap<String, Entry>,
}

/// The merged snapshot without its accounts, and each account's
/// `collected_at` (`None` where it is the envelope's), in id order.
pub struct Merged {
    pub envelope: Snapshot,
    pub accounts: Vec<(String, Option<String>)>,
}

impl Merger {
    pub fn new() -> Self {
        Merger::default()
    }

    /// The envelope of input `label` (its `accounts` are not read: give
    /// them to [`Merger::account`], before or after this).
    pub fn envelope(&mut self, label: &str, snapshot: &Snapshot) -> Result<(), MergeError> {
        if self
            .collected_at
            .as_ref()
            .is_none_or(|t| instant(&snapshot.collected_at) < instant(t))
        {
            self.collected_at = Some(snapshot.collected_at.clone());
        }
        self.inputs
            .insert(label.to_string(), snapshot.collected_at.clone());
        if self.collector.is_none() {
            self.collector = snapshot.collector.clone();
        }
        if let Some(org) = &snapshot.organization {
            match &self.organization {
                Some((seen, from)) if seen != org => {
                    return Err(MergeError::Conflict {
                        what: "the organization".to_string(),
                        first_value: quoted(seen),
                        first: from.clone(),
                        second_value: quoted(org),
                        second: label.to_string(),
                    })
                }
                Some(_) => {}
                None => self.organization = Some((org.clone(), label.to_string())),
            }
        }
        for (key, raw) in snapshot.extra.iter() {
            let key = key.to_string();
            let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
            match self.extra.get(&key) {
                Some((seen, from)) if *seen != value => {
                    return Err(MergeError::Conflict {
                        what: format!("the key {}", quoted(&key)),
                        first_value: quoted(seen),
                        first: from.clone(),
                        second_value: quoted(&value),
                        second: label.to_string(),
                    })
                }
                Some(_) => {}
                None => {
                    self.extra.insert(key, (value, label.to_string()));
                }
            }
        }
        Ok(())
    }

    /// Checks `account`, a part read from input `label`, against the parts
    /// seen before it, and records it.
    pub fn account(&mut self, label: &str, account: &Account) -> Result<(), MergeError> {
        let extra = || {
            account
                .extra
                .iter()
                .map(|(k, raw)| {
                    (
                        k.to_string(),
                        serde_json::from_str(raw.get()).unwrap_or(Value::Null),
                    )
                })
                .collect::<Vec<(String, Value)>>()
        };
        let Some(entry) = self.accounts.get_mut(&account.account_id) else {
            let extra = extra();
            self.accounts.insert(
                account.account_id.clone(),
                Entry {
                    partition: account.partition.clone(),
                    account_name: account.account_name.clone(),
                    first: label.to_string(),
                    name_from: account.account_name.as_ref().map(|_| label.to_string()),
                    regions: account
                        .regions
                        .iter()
                        .map(|r| (r.region.clone(), label.to_string()))
                        .collect(),
                    extra_from: extra
                        .iter()
                        .map(|(k, _)| (k.clone(), label.to_string()))
                        .collect(),
                    extra: extra.into_iter().collect(),
                    read_at: account.collected_at.clone(),
                    read_with: match account.collected_at {
                        Some(_) => Vec::new(),
                        None => vec![label.to_string()],
                    },
                },
            );
            return Ok(());
        };
        let id = &account.account_id;
        if entry.partition != account.partition {
            return Err(MergeError::Conflict {
                what: format!("the partition of account {id}"),
                first_value: entry.partition.clone(),
                first: entry.first.clone(),
                second_value: account.partition.clone(),
                second: label.to_string(),
            });
        }
        match (&entry.account_name, &account.account_name) {
            (Some(seen), Some(name)) if seen != name => {
                return Err(MergeError::Conflict {
                    what: format!("the name of account {id}"),
                    first_value: quoted(seen),
                    first: entry.name_from.clone().unwrap_or_default(),
                    second_value: quoted(name),
                    second: label.to_string(),
                })
            }
            (None, Some(name)) => {
                entry.account_name = Some(name.clone());
                entry.name_from = Some(label.to_string());
            }
            _ => {}
        }
        for region in &account.regions {
            if let Some(first) = entry.regions.get(&region.region) {
                return Err(MergeError::Overlap {
                    account: id.clone(),
                    region: region.region.clone(),
                    first: first.clone(),
                    second: label.to_string(),
                });
            }
            entry
                .regions
                .insert(region.region.clone(), label.to_string());
        }
        for (key, value) in extra() {
            match entry.extra.get(&key) {
                Some(seen) if *seen != value => {
                    return Err(MergeError::Conflict {
                        what: format!("the key {} of account {id}", quoted(&key)),
                        first_value: quoted(seen),
                        first: entry.extra_from.get(&key).cloned().unwrap_or_default(),
                        second_value: quoted(&value),
                        second: label.to_string(),
                    })
                }
                Some(_) => {}
                None => {
                    entry.extra_from.insert(key.clone(), label.to_string());
                    entry.extra.insert(key, value);
                }
            }
        }
        match &account.collected_at {
            Some(t) => {
                if entry
                    .read_at
                    .as_ref()
                    .is_none_or(|seen| instant(t) < instant(seen))
                {
                    entry.read_at = Some(t.clone());
                }
            }
            None => entry.read_with.push(label.to_string()),
        }
        Ok(())
    }

    /// The envelope of the merge, and each account's time.
    pub fn finish(self) -> Result<Merged, MergeError> {
        let Some(collected_at) = self.collected_at else {
            return Err(MergeError::NoInput);
        };
        let inputs = self.inputs;
        let accounts = self
            .accounts
            .into_iter()
            .map(|(id, e)| {
                let mut read_at = e.read_at;
                for label in &e.read_with {
                    let t = inputs.get(label).unwrap_or(&collected_at);
                    if read_at
                        .as_ref()
                        .is_none_or(|seen| instant(t) < instant(seen))
                    {
                        read_at = Some(t.clone());
                    }
                }
                let read_at = read_at.filter(|t| instant(t) != instant(&collected_at));
                (id, read_at)
            })
            .collect();
        let envelope = Snapshot {
            collected_at,
            collector: self.collector,
            accounts: Vec::new(),
            organization: self.organization.map(|(o, _)| o),
            extra: {
                let mut kept = Extra::default();
                for (k, (v, _)) in self.extra {
                    kept.insert_value(k, &v).expect("a parsed value serialises");
                }
                kept
            },
        };
        Ok(Merged { envelope, accounts })
    }
}

/// The parts of one account, in input order, as one account read at
/// `collected_at` (`None`: when the merged snapshot was): the first part's
/// name where it has one, else the first named part's; every region, sorted
/// by name; the first value of each unknown key; the errors of every part,
/// in order. The parts must have passed [`Merger::account`].
pub fn join(parts: impl IntoIterator<Item = Account>, collected_at: Option<String>) -> Account {
    let mut parts = parts.into_iter();
    let mut joined = parts.next().expect("an account has at least one part");
    for part in parts {
        if joined.account_name.is_none() {
            joined.account_name = part.account_name;
        }
        joined.regions.extend(part.regions);
        for (key, raw) in part.extra.iter() {
            if joined.extra.get(key).is_none() {
                joined.extra.insert(key.to_string(), raw.to_owned());
            }
        }
        joined.errors.extend(part.errors);
    }
    joined.collected_at = collected_at;
    joined.regions.sort_by(|x, y| x.region.cmp(&y.region));
    joined
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
    let mut merger = Merger::new();
    let mut parts: BTreeMap<String, Vec<Account>> = BTreeMap::new();
    for (label, mut snapshot) in inputs {
        merger.envelope(&label, &snapshot)?;
        for account in std::mem::take(&mut snapshot.accounts) {
            merger.account(&label, &account)?;
            parts
                .entry(account.account_id.clone())
                .or_default()
                .push(account);
        }
    }
    let Merged {
        mut envelope,
        accounts,
    } = merger.finish()?;
    envelope.accounts = accounts
        .into_iter()
        .map(|(id, at)| join(parts.remove(&id).unwrap_or_default(), at))
        .collect();
    Ok(envelope)
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
