//! One operation's response in a region: the typed model the rules read, and,
//! where the snapshot was collected (or merged), the exact JSON of the whole
//! response as AWS returned it, which is what gets written.
//!
//! The typed model names only what the rules read and ignores every other
//! field on read; the raw text keeps everything else (fields the model does
//! not name, lists AWS sent empty, the order and form of what AWS sent) at the
//! cost of its own bytes, and nothing more. An audit reads the typed model
//! only, so its memory does not grow with fields nobody reads.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde::ser::{self, Error as _, SerializeMap as _, SerializeSeq as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

thread_local! {
    /// Whether a [`Response`] being read keeps its JSON text: set only for
    /// the duration of [`keeping_raw`] (a read for `merge`).
    static KEEP_RAW: Cell<bool> = const { Cell::new(false) };
}

/// Whether responses being read on this thread keep their text.
pub(crate) fn keeping() -> bool {
    KEEP_RAW.with(Cell::get)
}

/// Runs `read` with every [`Response`] it deserialises keeping its raw text.
/// Restores the previous mode afterwards, even if `read` panics.
pub(crate) fn keeping_raw<R>(read: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            KEEP_RAW.with(|k| k.set(self.0));
        }
    }
    let _restore = Restore(KEEP_RAW.with(|k| k.replace(true)));
    read()
}

/// serde_json appends " at line L column C" to its messages; the position is
/// reported separately.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// An operation response: the typed `value` the rules read and, optionally,
/// the exact JSON text of the whole response, which is written back verbatim
/// when present. The two never disagree: `raw` is set only together with the
/// value parsed from it, and mutable access to the value drops it. (Within
/// a snapshot, a resource described without a field the model requires is
/// in the text and not in the value; its region's `errors` say so, see
/// [`crate::described`].)
#[derive(Clone)]
pub struct Response<T> {
    value: T,
    raw: Option<Box<RawValue>>,
}

impl<T> Response<T> {
    /// A response built by hand (a test, a fixture generator): written from
    /// the typed model.
    pub fn typed(value: T) -> Self {
        Response { value, raw: None }
    }

    /// The response's exact JSON text, where it was kept.
    pub fn raw(&self) -> Option<&RawValue> {
        self.raw.as_deref()
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    /// The typed model, for changing it. The raw text is dropped, so the
    /// response is written from the (changed) model from then on.
    pub fn value_mut(&mut self) -> &mut T {
        self.raw = None;
        &mut self.value
    }

    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T: DeserializeOwned> Response<T> {
    /// A response from the JSON AWS returned (in the AWS CLI's shape): the
    /// typed model read from it, and the JSON kept as text. Fails when the
    /// JSON does not read as the model (a field AWS always sends is missing,
    /// or has another type).
    pub fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        crate::described::clear_stray();
        let typed = T::deserialize(&value)?;
        crate::described::stray_error()?;
        let raw = serde_json::value::to_raw_value(&value)?;
        Ok(Response {
            value: typed,
            raw: Some(raw),
        })
    }

    /// A response from its JSON text, kept as it is, read by `H`.
    fn from_raw<H: ReadAs<T>>(raw: Box<RawValue>) -> Result<Self, String> {
        // Within the memory budget of the snapshot being read.
        let text = crate::memory::budgeted(raw.get().as_bytes());
        let mut de = serde_json::Deserializer::from_reader(text);
        let mut track = serde_path_to_error::Track::new();
        let read = H::read(serde_path_to_error::Deserializer::new(&mut de, &mut track));
        let value = read.map_err(|e| {
            let message = strip_position(&e.to_string());
            match track.path().to_string() {
                p if p == "." || p.is_empty() => message,
                p => format!("at {p}: {message}"),
            }
        })?;
        Ok(Response {
            value,
            raw: Some(raw),
        })
    }
}

/// How an operation's response is read into its model within a snapshot:
/// as [`Deserialize`] does for most, but item by item for those that are a
/// list or a map of resources, so that an incomplete one is left out
/// ([`crate::described`]) rather than refusing the snapshot.
pub(crate) trait Model: DeserializeOwned {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// How a response's model is read: by its [`Deserialize`] impl, or as a
/// [`Model`] (within a snapshot).
trait ReadAs<T> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error>;
}

/// A required field absent outside any resource list is an error.
struct Derived;

impl<T: DeserializeOwned> ReadAs<T> for Derived {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        crate::described::clear_stray();
        let value = T::deserialize(d)?;
        crate::described::stray_error()?;
        Ok(value)
    }
}

struct AsModel;

impl<T: Model> ReadAs<T> for AsModel {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        crate::described::clear_stray();
        let value = T::read(d)?;
        crate::described::stray_error()?;
        Ok(value)
    }
}

/// Reads a region's operation response as a [`Model`]: what a snapshot
/// read uses ([`Response`]'s own [`Deserialize`] reads `T` as derived).
pub(crate) struct ReadResponse<T>(std::marker::PhantomData<T>);

impl<T> ReadResponse<T> {
    pub(crate) fn new() -> Self {
        ReadResponse(std::marker::PhantomData)
    }
}

impl<'de, T: Model> DeserializeSeed<'de> for ReadResponse<T> {
    type Value = Response<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Response<T>, D::Error> {
        read::<AsModel, T, D>(d)
    }
}

fn read<'de, H: ReadAs<T>, T: DeserializeOwned, D: Deserializer<'de>>(
    d: D,
) -> Result<Response<T>, D::Error> {
    if keeping() {
        let raw = Box::<RawValue>::deserialize(d)?;
        Response::from_raw::<H>(raw).map_err(D::Error::custom)
    } else {
        H::read(d).map(Response::typed)
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> AsRef<T> for Response<T> {
    fn as_ref(&self) -> &T {
        &self.value
    }
}

impl<'a, T> IntoIterator for &'a Response<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (&self.value).into_iter()
    }
}

impl<T> From<T> for Response<T> {
    fn from(value: T) -> Self {
        Response::typed(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.raw {
            Some(raw) => f
                .debug_struct("Response")
                .field("value", &self.value)
                .field("raw_len", &raw.get().len())
                .finish(),
            None => self.value.fmt(f),
        }
    }
}

/// Equal when the typed models are equal and so is the kept text (both
/// absent, or the same bytes).
impl<T: PartialEq> PartialEq for Response<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.raw().map(RawValue::get) == other.raw().map(RawValue::get)
    }
}

/// The kept text is written value for value as it was read (every key, in
/// its order; every value), laid out by the serializer like the rest of the
/// snapshot; without it, the typed model is written.
impl<T: Serialize> Serialize for Response<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.raw {
            Some(raw) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                Forward::new(&mut de).serialize(s)
            }
            None => self.value.serialize(s),
        }
    }
}

/// Streams one JSON value from a deserializer into a serializer, without
/// building it in memory: the kept text of a large response costs no more
/// than its bytes when written.
struct Forward<D>(RefCell<Option<D>>);

impl<D> Forward<D> {
    fn new(d: D) -> Self {
        Forward(RefCell::new(Some(d)))
    }
}

impl<'de, D: Deserializer<'de>> Serialize for Forward<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self
            .0
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("a value forwarded twice"))?;
        d.deserialize_any(ForwardVisitor(s))
            .map_err(S::Error::custom)
    }
}

struct ForwardVisitor<S>(S);

impl<'de, S: Serializer> Visitor<'de> for ForwardVisitor<S> {
    type Value = S::Ok;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<S::Ok, E> {
        self.0.serialize_bool(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<S::Ok, E> {
        self.0.serialize_i64(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<S::Ok, E> {
        self.0.serialize_u64(v).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<S::Ok, E> {
        self.0.serialize_f64(v).map_err(E::custom)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<S::Ok, E> {
        self.0.serialize_str(v).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<S::Ok, E> {
        self.0.serialize_unit().map_err(E::custom)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<S::Ok, A::Error> {
        let mut out = self
            .0
            .serialize_seq(seq.size_hint())
            .map_err(de::Error::custom)?;
        while seq.next_element_seed(Element(&mut out))?.is_some() {}
        out.end().map_err(de::Error::custom)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::Ok, A::Error> {
        let mut out = self
            .0
            .serialize_map(map.size_hint())
            .map_err(de::Error::custom)?;
        while map.next_key_seed(Key(&mut out))?.is_some() {
            map.next_value_seed(Entry(&mut out))?;
        }
        out.end().map_err(de::Error::custom)
    }
}

struct Element<'a, S>(&'a mut S);

impl<'de, S: ser::SerializeSeq> DeserializeSeed<'de> for Element<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0
            .serialize_element(&Forward::new(d))
            .map_err(de::Error::custom)
    }
}

struct Key<'a, S>(&'a mut S);

impl<'de, S: ser::SerializeMap> DeserializeSeed<'de> for Key<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0
            .serialize_key(&Forward::new(d))
            .map_err(de::Error::custom)
    }
}

struct Entry<'a, S>(&'a mut S);

impl<'de, S: ser::SerializeMap> DeserializeSeed<'de> for Entry<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0
            .serialize_value(&Forward::new(d))
            .map_err(de::Error::custom)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Response<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read::<Derived, T, D>(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::DescribeVpcsResponse;

    const SENT: &str =
        r#"{"Vpcs":[{"VpcId":"vpc-1","State":"available","Tags":[]}],"NextToken":null}"#;

    #[test]
    fn a_typed_read_keeps_no_text_and_a_keeping_read_writes_it_back() {
        let typed: Response<DescribeVpcsResponse> = serde_json::from_str(SENT).unwrap();
        assert!(typed.raw().is_none());
        assert_eq!(typed.vpcs[0].vpc_id, "vpc-1");
        assert!(!serde_json::to_string(&typed).unwrap().contains("State"));

        let kept: Response<DescribeVpcsResponse> =
            keeping_raw(|| serde_json::from_str(SENT)).unwrap();
        assert_eq!(kept.vpcs[0].vpc_id, "vpc-1");
        assert_eq!(serde_json::to_string(&kept).unwrap(), SENT);
        // Laid out like the rest of the document, every key in its order.
        let pretty = serde_json::to_string_pretty(&kept).unwrap();
        assert!(pretty.starts_with("{\n  \"Vpcs\": [\n"), "{pretty}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
            serde_json::from_str::<serde_json::Value>(SENT).unwrap()
        );
        // The mode ends with the read.
        let after: Response<DescribeVpcsResponse> = serde_json::from_str(SENT).unwrap();
        assert!(after.raw().is_none());
    }

    #[test]
    fn a_keeping_read_names_where_the_model_fails() {
        let e = keeping_raw(|| {
            serde_json::from_str::<Response<DescribeVpcsResponse>>(r#"{"Vpcs":[{"State":"x"}]}"#)
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("at Vpcs[0]: missing field `VpcId`"), "{e}");
    }

    #[test]
    fn from_json_keeps_everything_and_changing_the_model_drops_the_text() {
        let sent: serde_json::Value = serde_json::from_str(SENT).unwrap();
        let mut r = Response::<DescribeVpcsResponse>::from_json(sent.clone()).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), sent);
        r.value_mut().vpcs.clear();
        assert!(r.raw().is_none());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"Vpcs": []})
        );
        assert!(
            Response::<DescribeVpcsResponse>::from_json(serde_json::json!({"Vpcs": [{}]})).is_err()
        );
    }
}
