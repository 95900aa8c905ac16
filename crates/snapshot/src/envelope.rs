use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::aws::*;
use crate::response::Response;

/// Keys this version does not know, each kept as the exact JSON text it was
/// read from, so that it round-trips byte for byte and costs no more memory
/// than its text (a parsed `serde_json::Value` costs many times more).
#[derive(Debug, Clone, Default)]
pub struct Extra(BTreeMap<String, Box<RawValue>>);

impl Extra {
    /// The value of `key`, parsed on demand; `None` if the key is absent (or,
    /// in theory, nested deeper than serde_json parses; see [`Extra::parse`]).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.parse(key).and_then(Result::ok)
    }

    /// The value of `key`, parsed on demand, with the parser's error.
    pub fn parse(&self, key: &str) -> Option<serde_json::Result<Value>> {
        self.0.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// The JSON text of `key`, exactly as read.
    pub fn raw(&self, key: &str) -> Option<&RawValue> {
        self.0.get(key).map(AsRef::as_ref)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Adds or replaces a key.
    pub fn insert(&mut self, key: String, value: Box<RawValue>) {
        self.0.insert(key, value);
    }

    /// Adds or replaces a key with a value's JSON text.
    pub fn insert_value(&mut self, key: String, value: &Value) -> serde_json::Result<()> {
        self.0.insert(key, serde_json::value::to_raw_value(value)?);
        Ok(())
    }

    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        self.0.remove(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys and their JSON text, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Two sets of unknown keys are equal when their keys and JSON texts are.
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.get() == v2.get())
    }
}

/// The only snapshot format version this build reads and writes.
pub const SNAPSHOT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// RFC 3339, UTC.
    pub collected_at: String,
    pub collector: Option<Collector>,
    pub accounts: Vec<Account>,
    /// The AWS organization the accounts belong to, where the collector read it
    /// (`organizations:DescribeOrganization`).
    pub organization: Option<Organization>,
    /// Envelope keys this version does not know, kept for round-trips.
    pub extra: Extra,
}

/// The organization block: `Id` and `MasterAccountId` of the
/// `DescribeOrganization` response ("the unique identifier (ID) of an
/// organization", "the unique identifier (ID) of the management account of
/// an organization"), under ibaudit's own snake-case names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-` and 10 to 32 lowercase letters or digits.
    #[serde(deserialize_with = "organization_id")]
    pub id: String,
    /// Twelve digits.
    #[serde(deserialize_with = "management_account_id")]
    pub management_account_id: String,
    /// Fields this version does not know, kept for round-trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

fn organization_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    // "The regex pattern for an organization ID string requires "o-" followed
    // by from 10 to 32 lowercase letters or digits." (Organizations API reference)
    let body = s.strip_prefix("o-").unwrap_or("");
    if (10..=32).contains(&body.len())
        && body
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(s)
    } else {
        Err(de::Error::custom(format!(
            "`{s}` is not an organization id such as o-a1b2c3d4e5"
        )))
    }
}

fn management_account_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    check_account_id(&s).map_err(de::Error::custom)?;
    Ok(s)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collector {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Twelve digits.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...: used when building ARNs.
    pub partition: String,
    /// The name AWS Organizations gives the account; reports show it beside the id.
    pub account_name: Option<String>,
    /// When this account was read (RFC 3339 UTC), where it differs from the
    /// envelope's: a merged snapshot.
    pub collected_at: Option<String>,
    pub regions: Vec<RegionSnapshot>,
    /// Failures that stopped the whole account (AssumeRole denied, the account
    /// suspended, the deadline reached), in a region's `errors` shape. Every
    /// rule is then not assessed for the account.
    pub errors: Vec<CollectionError>,
    /// Account keys this version does not know, kept for round-trips.
    pub extra: Extra,
}

impl Account {
    /// An account with nothing collected yet, in the `aws` partition.
    pub fn new(account_id: impl Into<String>) -> Self {
        Account {
            account_id: account_id.into(),
            partition: "aws".to_string(),
            account_name: None,
            collected_at: None,
            regions: Vec::new(),
            errors: Vec::new(),
            extra: Extra::default(),
        }
    }
}

/// Reads a value through a newtype that validates it, so that the error's JSON
/// path names the offending field.
fn next_checked<'de, A, T>(map: &mut A, check: fn(&T) -> Result<(), String>) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    struct Checked<T>(T);
    // The check runs inside the value's own deserialisation so the path
    // tracker attributes the failure to this key.
    struct Seed<T>(fn(&T) -> Result<(), String>);
    impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for Seed<T> {
        type Value = Checked<T>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let v = T::deserialize(d)?;
            (self.0)(&v).map_err(de::Error::custom)?;
            Ok(Checked(v))
        }
    }
    map.next_value_seed(Seed(check)).map(|c| c.0)
}

fn check_version(v: &Value) -> Result<(), String> {
    match v.as_u64() {
        Some(SNAPSHOT_VERSION) => Ok(()),
        _ => Err(version_message(v)),
    }
}

pub(crate) fn version_message(found: &Value) -> String {
    format!("unsupported snapshot version {found}: this ibaudit reads version {SNAPSHOT_VERSION}")
}

fn check_timestamp(s: &String) -> Result<(), String> {
    // RFC 3339 in UTC: 2026-11-26T07:00:00Z, optionally with fractional seconds.
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && {
            let rest = &s[19..];
            let rest = rest
                .strip_prefix('.')
                .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()))
                .unwrap_or(rest);
            rest == "Z" || rest == "z" || rest == "+00:00"
        };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an RFC 3339 UTC timestamp such as 2026-11-26T07:00:00Z"
        ))
    }
}

fn check_account_id(s: &String) -> Result<(), String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("account id `{s}` is not 12 digits"))
    }
}

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn check_partition(s: &String) -> Result<(), String> {
    if PARTITIONS.contains(&s.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "unknown partition `{s}` (expected one of {})",
            PARTITIONS.join(", ")
        ))
    }
}

fn check_region(s: &String) -> Result<(), String> {
    // us-east-1, ap-southeast-4, us-gov-west-1, cn-north-1, eusc-de-east-1
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not an AWS region name such as us-east-1"))
    }
}

impl Serialize for Snapshot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SnapshotWith(self, &self.accounts).serialize(s)
    }
}

/// A snapshot's envelope (everything but its `accounts`) with the accounts
/// `A` serializes in their place: the same document as [`Snapshot`] writes,
/// for accounts that are not held in memory.
pub struct SnapshotWith<'a, A: ?Sized>(pub &'a Snapshot, pub &'a A);

impl<A: Serialize + ?Sized> Serialize for SnapshotWith<'_, A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let snapshot = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("ibaudit_snapshot", &SNAPSHOT_VERSION)?;
        m.serialize_entry("collected_at", &snapshot.collected_at)?;
        if let Some(c) = &snapshot.collector {
            m.serialize_entry("collector", c)?;
        }
        if let Some(o) = &snapshot.organization {
            m.serialize_entry("organization", o)?;
        }
        m.serialize_entry("accounts", self.1)?;
        for (k, v) in snapshot.extra.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SnapshotVisitor(Whole))
    }
}

/// How the snapshot visitor reads the `accounts` value.
trait ReadAccounts {
    /// Reads the value of `accounts` from `map`; `organization` is the
    /// organization block as far as it is known.
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        organization: Option<&Organization>,
    ) -> Result<Vec<Account>, A::Error>;
}

/// All the accounts, kept.
struct Whole;

impl ReadAccounts for Whole {
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        _: Option<&Organization>,
    ) -> Result<Vec<Account>, A::Error> {
        next_checked::<_, Vec<Account>>(map, check_unique_accounts)
    }
}

/// A snapshot read account by account: each account is handed to `each`
/// and dropped; the snapshot read has no accounts. Each account may grow
/// the heap by `account_growth` ([`crate::memory`]), the rest of the
/// envelope by `outer_growth` once the accounts are read, and the heap
/// never grows past `ceiling` (the budget of the whole file: what `each`
/// keeps of every account counts against it).
pub(crate) struct Streamed<'a> {
    /// The organization block, read ahead where it comes after `accounts`.
    pub organization: Option<Organization>,
    pub each: &'a mut dyn FnMut(Option<&Organization>, Account),
    pub account_growth: usize,
    pub outer_growth: usize,
    pub ceiling: usize,
}

impl<'de> de::DeserializeSeed<'de> for Streamed<'_> {
    type Value = Snapshot;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Snapshot, D::Error> {
        d.deserialize_map(SnapshotVisitor(self))
    }
}

impl ReadAccounts for Streamed<'_> {
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        organization: Option<&Organization>,
    ) -> Result<Vec<Account>, A::Error> {
        struct Seed<'s, 'a> {
            streamed: &'s mut Streamed<'a>,
            organization: Option<&'s Organization>,
        }
        impl<'de> de::DeserializeSeed<'de> for Seed<'_, '_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                // As `Vec<Account>` then `check_unique_accounts`: a second
                // copy of an account is refused once the list is read.
                if let Some(id) = d.deserialize_seq(self)? {
                    return Err(de::Error::custom(format!(
                        "account {id} appears more than once"
                    )));
                }
                Ok(())
            }
        }
        impl<'de> Visitor<'de> for Seed<'_, '_> {
            /// The first account id seen twice.
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<S: de::SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut twice = None;
                loop {
                    crate::memory::grow_from_here(
                        self.streamed.account_growth,
                        self.streamed.ceiling,
                    );
                    let Some(account) = seq.next_element::<Account>()? else {
                        break;
                    };
                    if twice.is_none() && !seen.insert(account.account_id.clone()) {
                        twice = Some(account.account_id.clone());
                    }
                    (self.streamed.each)(self.organization, account);
                }
                crate::memory::grow_from_here(self.streamed.outer_growth, self.streamed.ceiling);
                Ok(twice)
            }
        }
        let organization = organization.or(self.organization.as_ref());
        // Clone what the callback sees: the snapshot's own block may be read
        // later and replace the one read ahead.
        let organization = organization.cloned();
        map.next_value_seed(Seed {
            streamed: self,
            organization: organization.as_ref(),
        })?;
        Ok(Vec::new())
    }
}

struct SnapshotVisitor<R>(R);

impl<'de, R: ReadAccounts> Visitor<'de> for SnapshotVisitor<R> {
    type Value = Snapshot;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ibaudit snapshot object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Snapshot, A::Error> {
        let mut version = None;
        let mut collected_at = None;
        let mut collector = None;
        let mut accounts = None;
        let mut organization = None;
        let mut extra = Extra::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "ibaudit_snapshot" => {
                    version = Some(next_checked::<_, Value>(&mut map, check_version)?)
                }
                "collected_at" => collected_at = Some(next_checked(&mut map, check_timestamp)?),
                "collector" => collector = map.next_value::<Option<Collector>>()?,
                "organization" => organization = map.next_value::<Option<Organization>>()?,
                "accounts" => accounts = Some(self.0.read(&mut map, organization.as_ref())?),
                _ => {
                    extra.insert(key, map.next_value::<Box<RawValue>>()?);
                }
            }
        }
        version.ok_or_else(|| de::Error::missing_field("ibaudit_snapshot"))?;
        Ok(Snapshot {
            collected_at: collected_at.ok_or_else(|| de::Error::missing_field("collected_at"))?,
            collector,
            accounts: accounts.ok_or_else(|| de::Error::missing_field("accounts"))?,
            organization,
            extra,
        })
    }
}

fn check_unique_accounts(accounts: &Vec<Account>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for a in accounts {
        if !seen.insert(a.account_id.as_str()) {
            return Err(format!("account {} appears more than once", a.account_id));
        }
    }
    Ok(())
}

fn check_unique_regions(regions: &Vec<RegionSnapshot>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for r in regions {
        if !seen.insert(r.region.as_str()) {
            return Err(format!("region {} appears more than once", r.region));
        }
    }
    Ok(())
}

impl Serialize for Account {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("account_id", &self.account_id)?;
        m.serialize_entry("partition", &self.partition)?;
        if let Some(name) = &self.account_name {
            m.serialize_entry("account_name", name)?;
        }
        if let Some(at) = &self.collected_at {
            m.serialize_entry("collected_at", at)?;
        }
        if !self.errors.is_empty() {
            m.serialize_entry("errors", &self.errors)?;
        }
        m.serialize_entry("regions", &self.regions)?;
        for (k, v) in self.extra.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Account;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an account object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Account, A::Error> {
                let mut account_id = None;
                let mut partition = None;
                let mut regions = None;
                let mut account_name = None;
                let mut collected_at = None;
                let mut errors: Option<Vec<CollectionError>> = None;
                let mut extra = Extra::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "account_id" => {
                            account_id = Some(next_checked(&mut map, check_account_id)?)
                        }
                        "partition" => partition = Some(next_checked(&mut map, check_partition)?),
                        // A second copy must never hide the first.
                        "account_name" | "collected_at" | "errors"
                            if (key == "account_name" && account_name.is_some())
                                || (key == "collected_at" && collected_at.is_some())
                                || (key == "errors" && errors.is_some()) =>
                        {
                            return Err(de::Error::custom(format!("duplicate field `{key}`")));
                        }
                        "account_name" => account_name = Some(map.next_value::<String>()?),
                        "collected_at" => {
                            collected_at = Some(next_checked(&mut map, check_timestamp)?)
                        }
                        "errors" => errors = Some(map.next_value()?),
                        "regions" => regions = Some(next_checked(&mut map, check_unique_regions)?),
                        _ => {
                            extra.insert(key, map.next_value::<Box<RawValue>>()?);
                        }
                    }
                }
                Ok(Account {
                    account_id: account_id.ok_or_else(|| de::Error::missing_field("account_id"))?,
                    partition: partition.unwrap_or_else(|| "aws".to_string()),
                    account_name,
                    collected_at,
                    regions: regions.ok_or_else(|| de::Error::missing_field("regions"))?,
                    errors: errors.unwrap_or_default(),
                    extra,
                })
            }
        }
        d.deserialize_map(V)
    }
}

macro_rules! region_operations {
    ($( $field:ident : $ty:ty = $key:literal ),* $(,)?) => {
        /// One region's collected data. `None` for an operation means "not
        /// collected": rules that need it report the region as not assessed.
        /// Each response holds the typed model the rules read and, when
        /// collected or read for a merge, the exact JSON AWS returned
        /// ([`Response`]).
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct RegionSnapshot {
            pub region: String,
            $( pub $field: Option<Response<$ty>>, )*
            /// Calls that failed for good after retries.
            pub errors: Vec<CollectionError>,
            /// What is known of each resource left out of the model for a
            /// required field it lacks (its error is in `errors`): read with
            /// the snapshot, never written.
            pub left_out: Vec<crate::described::LeftOut>,
            /// Operation keys this version does not know, kept for round-trips.
            pub extra: Extra,
        }

        impl RegionSnapshot {
            /// An empty region: nothing collected.
            pub fn new(region: impl Into<String>) -> Self {
                RegionSnapshot { region: region.into(), ..Default::default() }
            }

            /// Whether the operation's key is present.
            pub fn has(&self, operation: &str) -> bool {
                match operation {
                    $( $key => self.$field.is_some(), )*
                    other => self.extra.contains_key(other),
                }
            }
        }

        impl Serialize for RegionSnapshot {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("region", &self.region)?;
                $( if let Some(v) = &self.$field { m.serialize_entry($key, v)?; } )*
                if !self.errors.is_empty() {
                    m.serialize_entry("errors", &self.errors)?;
                }
                for (k, v) in self.extra.iter() {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }

        impl<'de> Deserialize<'de> for RegionSnapshot {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = RegionSnapshot;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a region object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RegionSnapshot, A::Error> {
                        let mut r = RegionSnapshot::default();
                        let mut region = None;
                        // Resources described without a field the model
                        // requires are left out and recorded here.
                        let left_out = crate::described::Sink::install();
                        while let Some(key) = map.next_key::<String>()? {
                            match key.as_str() {
                                "region" => region = Some(next_checked(&mut map, check_region)?),
                                $( $key => {
                                    if r.$field.is_some() {
                                        return Err(de::Error::duplicate_field($key));
                                    }
                                    r.$field = Some(map.next_value_seed(
                                        crate::response::ReadResponse::<$ty>::new(),
                                    )?);
                                } )*
                                "errors" => r.errors = map.next_value()?,
                                _ => {
                                    r.extra.insert(key, map.next_value::<Box<RawValue>>()?);
                                }
                            }
                        }
                        r.region = region.ok_or_else(|| de::Error::missing_field("region"))?;
                        // As failures of their operation for that resource;
                        // once only, for a snapshot written with them and
                        // read again.
                        for (e, known) in left_out.take() {
                            if !r.errors.contains(&e) {
                                r.errors.push(e);
                            }
                            r.left_out.push(known);
                        }
                        Ok(r)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

region_operations! {
    describe_vpc_endpoints: DescribeVpcEndpointsResponse = "DescribeVpcEndpoints",
    describe_vpcs: DescribeVpcsResponse = "DescribeVpcs",
    describe_vpc_attribute: Vec<VpcAttributeResponse> = "DescribeVpcAttribute",
    describe_subnets: DescribeSubnetsResponse = "DescribeSubnets",
    describe_security_groups: DescribeSecurityGroupsResponse = "DescribeSecurityGroups",
    describe_route_tables: DescribeRouteTablesResponse = "DescribeRouteTables",
    describe_prefix_lists: DescribePrefixListsResponse = "DescribePrefixLists",
    describe_trails: DescribeTrailsResponse = "DescribeTrails",
    get_trail_status: BTreeMap<String, TrailStatus> = "GetTrailStatus",
    get_event_selectors: BTreeMap<String, EventSelectorsResponse> = "GetEventSelectors",
    list_infrastructure_configurations: ListInfrastructureConfigurationsResponse = "ListInfrastructureConfigurations",
    get_infrastructure_configuration: Vec<GetInfrastructureConfigurationResponse> = "GetInfrastructureConfiguration",
}

/// Reads only the version key, skipping everything else without allocating:
/// used to explain a failed read of a snapshot from another version.
#[derive(Deserialize)]
pub(crate) struct VersionProbe {
    pub ibaudit_snapshot: Option<Value>,
}
