//! Resources described without a field the model requires.
//!
//! AWS sends some fields with every resource it describes (an endpoint's
//! `VpcEndpointId`, `VpcEndpointType` and `VpcId`, a subnet's `SubnetId`...),
//! and the model requires them. A resource that comes without one (a
//! hand-written snapshot, a tool that trims, or the output printed in an AWS
//! CLI example) cannot be assessed, but it says nothing about the other
//! resources of the response, the region or the organization: refusing the
//! whole snapshot for it would leave every account unaudited.
//!
//! So while a snapshot is read, such a resource is left out of the model and
//! recorded in its region's `errors` as the operation's failure for that
//! resource, code [`FIELD_MISSING`], naming its id, its position
//! (`DescribeVpcEndpoints.VpcEndpoints[3]`) and the fields it lacks; the
//! audit reports it not assessed (IB900). A resource without its id is
//! malformed, not odd (nothing could name it): it refuses the snapshot at
//! its JSON path, as a field of the wrong type or broken JSON does.
//!
//! How: each required field reads through a default that notes the field
//! absent in the innermost resource being read (a [`Frame`]); the lists of
//! resources ([`list`], [`map`]) open one frame per item and, once it is
//! read, keep it or leave it out. Outside a snapshot read (no [`Sink`]: the
//! collector's [`crate::Response::from_json`], a response read on its own),
//! a missing field is the error it always was.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::aws::CollectionError;
use crate::Operation;

/// The code of a resource described without a field the model requires.
pub const FIELD_MISSING: &str = "FieldMissing";

/// What is known of a resource left out: enough for a rule to tell whether
/// it could be the one whose absence it would report (an endpoint left out
/// whose `VpcId` is another VPC's, or whose `ServiceName` is another
/// service's, is not this VPC's missing S3 endpoint). Kept beside the
/// region's errors while the snapshot is in memory, never written: it is
/// read again from the resource itself, which the response's JSON keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The operation that described it.
    pub operation: Operation,
    /// As its error's `resource`: its id, else its position.
    pub resource: String,
    /// Its VPC, where it names one.
    pub vpc_id: Option<String>,
    /// An endpoint's service, where it names one.
    pub service_name: Option<String>,
}

thread_local! {
    /// The required fields found absent in each resource being read,
    /// innermost last.
    static FRAMES: RefCell<Vec<Vec<&'static str>>> = const { RefCell::new(Vec::new()) };
    /// Required fields found absent outside any resource list (a resource
    /// type read on its own): an error for the caller that checks.
    static STRAY: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    /// Where the resources left out are recorded while a snapshot region is
    /// read; `None`: a missing field is an error.
    static SINK: RefCell<Option<Vec<(CollectionError, LeftOut)>>> = const { RefCell::new(None) };
}

/// Notes that a required field is absent from the resource being read.
/// Called by the fields' defaults (see `aws.rs`); `field` is the field's
/// name, with the path from its resource for a nested one
/// (`Groups[].GroupId`).
pub(crate) fn absent(field: &'static str) {
    let noted = FRAMES.with(|f| match f.borrow_mut().last_mut() {
        Some(frame) => {
            frame.push(field);
            true
        }
        None => false,
    });
    if !noted {
        STRAY.with(|s| s.borrow_mut().push(field));
    }
}

/// The field's own name, without the path from its resource
/// (`Groups[].GroupId` is `GroupId`): what serde names in its error.
fn name(field: &'static str) -> &'static str {
    field.rsplit('.').next().unwrap_or(field)
}

/// Forgets fields noted absent outside any list (before a read that checks).
pub(crate) fn clear_stray() {
    STRAY.with(|s| s.borrow_mut().clear());
}

/// The first required field found absent outside any list since
/// [`clear_stray`], as the error a strict read gives.
pub(crate) fn stray_error<E: de::Error>() -> Result<(), E> {
    match STRAY.with(|s| std::mem::take(&mut *s.borrow_mut())).first() {
        Some(field) => Err(E::missing_field(name(field))),
        None => Ok(()),
    }
}

/// One resource being read: collects its absent required fields.
struct Frame {
    closed: bool,
}

impl Frame {
    fn open() -> Self {
        FRAMES.with(|f| f.borrow_mut().push(Vec::new()));
        Frame { closed: false }
    }

    fn close(mut self) -> Vec<&'static str> {
        self.closed = true;
        FRAMES.with(|f| f.borrow_mut().pop()).unwrap_or_default()
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        if !self.closed {
            FRAMES.with(|f| f.borrow_mut().pop());
        }
    }
}

/// Collects the resources left out while it lives (one region's read), and
/// restores the previous collection when dropped.
pub(crate) struct Sink {
    previous: Option<Vec<(CollectionError, LeftOut)>>,
}

impl Sink {
    pub(crate) fn install() -> Self {
        Sink {
            previous: SINK.with(|s| s.borrow_mut().replace(Vec::new())),
        }
    }

    /// The resources left out so far, as their region's errors and what is
    /// known of each.
    pub(crate) fn take(&self) -> Vec<(CollectionError, LeftOut)> {
        SINK.with(|s| s.borrow_mut().as_mut().map(std::mem::take))
            .unwrap_or_default()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SINK.with(|s| *s.borrow_mut() = previous);
    }
}

/// Records a resource left out, if a snapshot is being read; `false` when
/// nothing collects (a missing field is then an error).
fn leave_out(error: impl FnOnce() -> (CollectionError, LeftOut)) -> bool {
    SINK.with(|s| match s.borrow_mut().as_mut() {
        Some(sink) => {
            sink.push(error());
            true
        }
        None => false,
    })
}

/// A resource AWS describes in a list: where it comes from and how it is
/// named.
pub(crate) trait Described {
    /// The operation that describes it.
    const OPERATION: Operation;
    /// The key of the list within the response (`VpcEndpoints`); `None`
    /// when the response is the list.
    const LIST: Option<&'static str>;
    /// What it is, for a reader (`endpoint`).
    const WHAT: &'static str;
    /// The required field that is its id, as its default notes it absent
    /// (`VpcEndpointId`).
    const ID: &'static str;
    /// Its id; empty when it has none.
    fn id(&self) -> &str;
    /// Its VPC, where it names one.
    fn vpc_id(&self) -> Option<&str> {
        None
    }
    /// An endpoint's service, where it names one.
    fn service_name(&self) -> Option<&str> {
        None
    }
}

/// The message of a resource left out.
fn message(what: &str, at: &str, fields: &[&'static str]) -> String {
    let names = match fields {
        [one] => format!("{one} field"),
        [init @ .., last] => format!("{} and {last} fields", init.join(", ")),
        [] => "field".to_string(),
    };
    format!("the {what} at {at} has no {names}")
}

/// The error recorded for the `index`-th resource of a list, left out.
fn left_out<T: Described>(
    item: &T,
    index: usize,
    fields: &[&'static str],
) -> (CollectionError, LeftOut) {
    let op = T::OPERATION.name();
    let at = match T::LIST {
        Some(list) => format!("{op}.{list}[{index}]"),
        None => format!("{op}[{index}]"),
    };
    let message = message(T::WHAT, &at, fields);
    let resource = match item.id() {
        "" => at,
        id => id.to_string(),
    };
    let known = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    (
        CollectionError {
            operation: op.to_string(),
            code: FIELD_MISSING.to_string(),
            message,
            resource: Some(resource.clone()),
        },
        LeftOut {
            operation: T::OPERATION,
            resource,
            vpc_id: known(item.vpc_id()),
            service_name: known(item.service_name()),
        },
    )
}

/// A list of resources, read at its exact length: an item without a
/// required field is left out and recorded (or, with nothing to record it,
/// an error, as it always was).
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Described,
{
    struct ListVisitor<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned + Described> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            let mut index = 0;
            while let Some(item) = seq.next_element_seed(Item::<T>(index, PhantomData))? {
                out.extend(item);
                index += 1;
            }
            out.shrink_to_fit();
            Ok(out)
        }
    }
    d.deserialize_seq(ListVisitor(PhantomData))
}

/// One item of a [`list`]: `None` when it is left out. The decision is
/// taken within the item's own read, so that an error names its path.
struct Item<T>(usize, PhantomData<T>);

impl<'de, T: DeserializeOwned + Described> DeserializeSeed<'de> for Item<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        let frame = Frame::open();
        let item = if crate::splice::active() {
            d.deserialize_any(Spliced(PhantomData))?
        } else {
            T::deserialize(d)?
        };
        let fields = frame.close();
        if fields.is_empty() {
            return Ok(Some(item));
        }
        // A resource without its id is malformed, not odd: nothing could
        // name it in a report, and the snapshot is refused at its path.
        if fields.contains(&T::ID) || item.id().is_empty() {
            return Err(de::Error::missing_field(name(T::ID)));
        }
        if leave_out(|| left_out(&item, self.0, &fields)) {
            Ok(None)
        } else {
            Err(de::Error::missing_field(name(fields[0])))
        }
    }
}

/// An item of a [`list`] while a read splices ([`crate::splice`]): its
/// placeholder, parsed from the bytes set aside for it, or the item itself,
/// read as `T` reads it. Anything else is not a `T` (the read fails, and is
/// read again without splicing for its error).
struct Spliced<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for Spliced<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        match crate::splice::take(v) {
            Some(bytes) => crate::splice::parse(&bytes).map_err(E::custom),
            None => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
}

/// A response keyed by resource (`GetEventSelectors`, keyed by trail ARN):
/// an entry without a required field is left out and recorded under its
/// key (or is an error, as in [`list`]).
pub(crate) fn map<'de, D, T>(operation: Operation, d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct MapVisitor<T>(Operation, PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
        type Value = BTreeMap<String, T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if let Some(value) = map.next_value_seed(Entry(self.0, &key, PhantomData))? {
                    out.insert(key, value);
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(MapVisitor(operation, PhantomData))
}

/// One entry of a [`map`]: `None` when it is left out.
struct Entry<'k, T>(Operation, &'k str, PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Entry<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        let frame = Frame::open();
        let value = T::deserialize(d)?;
        let fields = frame.close();
        if fields.is_empty() {
            return Ok(Some(value));
        }
        let Entry(operation, key, _) = self;
        let recorded = leave_out(|| {
            let op = operation.name();
            (
                CollectionError {
                    operation: op.to_string(),
                    code: FIELD_MISSING.to_string(),
                    message: message("response", &format!("{op}.{key}"), &fields),
                    resource: Some(key.to_string()),
                },
                LeftOut {
                    operation,
                    resource: key.to_string(),
                    vpc_id: None,
                    service_name: None,
                },
            )
        });
        if recorded {
            Ok(None)
        } else {
            Err(de::Error::missing_field(name(fields[0])))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_every_field() {
        assert_eq!(
            message(
                "endpoint",
                "DescribeVpcEndpoints.VpcEndpoints[3]",
                &["VpcEndpointType"]
            ),
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[3] has no VpcEndpointType field"
        );
        assert_eq!(
            message(
                "subnet",
                "DescribeSubnets.Subnets[0]",
                &["SubnetId", "VpcId"]
            ),
            "the subnet at DescribeSubnets.Subnets[0] has no SubnetId and VpcId fields"
        );
        assert_eq!(
            message("x", "y", &["A", "B", "C"]),
            "the x at y has no A, B and C fields"
        );
    }

    #[test]
    fn frames_are_closed_on_errors() {
        #[derive(Deserialize, Debug)]
        struct R {
            #[allow(dead_code)]
            a: u8,
        }
        impl Described for R {
            const OPERATION: Operation = Operation::DescribeVpcs;
            const LIST: Option<&'static str> = None;
            const WHAT: &'static str = "r";
            const ID: &'static str = "a";
            fn id(&self) -> &str {
                ""
            }
        }
        let mut de = serde_json::Deserializer::from_str(r#"[{"a": 1}, {"a": "x"}]"#);
        assert!(list::<_, R>(&mut de).is_err());
        assert!(FRAMES.with(|f| f.borrow().is_empty()));
    }
}
