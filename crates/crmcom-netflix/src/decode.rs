//! Response decoding: the envelope, the status, the typed `data`, and malformed-response paths.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{ApiError, Error};
use crate::json::{repeated, strict_value, BorrowedKey, StrictValue};
use crate::method::{ApiRequest, Method};
use crate::object::{named_mask, Path, ResponseObject};

/// The typed `data` of a method's response.
pub trait ResponseData: Serialize + DeserializeOwned + Sized {
    /// The object a `fields_set` applies to (the items of the result).
    type Item: ResponseObject;
    /// Whether `data: null` means "nothing" (methods without response data, failed-charge sets).
    const NULL_IS_EMPTY: bool = false;
    /// Checks field presence; `named` is the mask of the item fields a `fields_set` named.
    #[doc(hidden)]
    fn check(&self, named: Option<u64>) -> Result<(), Error>;
    /// After `check`: refuses two different items under one key and merges identical repeats;
    /// returns how many were dropped (a `charges/list` page: every charge is handed over once).
    #[doc(hidden)]
    fn settle(&mut self) -> Result<usize, Error> {
        Ok(0)
    }
    /// Reads a body of the usual shape without the general decoder, when the type has such a
    /// reader (a `charges/list` page): `None` leaves the body to the general decoder. What it
    /// returns is what the general decoder returns for the same body.
    #[doc(hidden)]
    fn read_usual(_text: &str) -> Option<Self> {
        None
    }
}

/// Decodes a response body of request type `R`, given the `fields_set` that was sent (if any).
///
/// ```
/// use crmcom_netflix::{decode, ListPromotions};
/// let body = br#"{"data":[{"code":"14","name":"Test","description":null,
///     "effective_from":"2017-01-01T00:00:00","expires_on":null}],
///     "status":{"code":"OK","description":"","message":""}}"#;
/// let promotions = decode::<ListPromotions>(body, None).unwrap();
/// assert_eq!(promotions[0].code, "14");
/// ```
pub fn decode<R: ApiRequest>(
    body: &[u8],
    fields_set: Option<&[String]>,
) -> Result<R::Response, Error> {
    decode_data::<R::Response>(body, fields_set)
}

/// Decodes a response body of request type `R` that was asked for with a `fields_set`: the
/// result holds the projected form, where each field a `fields_set` may leave out is an
/// `Option` (the named ones must have come).
///
/// ```
/// use crmcom_netflix::{decode_projected, ListCharges};
/// let body = br#"{"status":{"code":"OK","description":"","message":""},
///     "data":{"charges_set":[{"number":"I00002776","amount":5.989999771118164,"currency":"USD"}]}}"#;
/// let fields = ["number".to_owned(), "amount".to_owned(), "currency".to_owned()];
/// let page = decode_projected::<ListCharges>(body, &fields).unwrap();
/// let charge = &page.charges()[0];
/// assert_eq!(charge.number(), Some("I00002776"));
/// assert_eq!(charge.amount.unwrap().to_string(), "5.99");
/// assert!(charge.received_on.is_none());
/// ```
pub fn decode_projected<R: ApiRequest>(
    body: &[u8],
    fields_set: &[String],
) -> Result<R::Projected, Error> {
    decode_data::<R::Projected>(body, Some(fields_set))
}

/// Decodes one response object on its own, with every rule [`decode`] applies to it inside a
/// response: a charge as `charges/list` sends it in `charges_set` ([`Charge`](crate::Charge)
/// without a `fields_set`, [`ProjectedCharge`](crate::ProjectedCharge) with one), a promotion, a
/// subscription. What a binding or a journal reads back (a charge saved as JSON, a dict given to
/// Python's `Charge.from_dict`) is held to the rules the server's answer was held to: no key
/// twice, dates in years 1 to 9999, no control character in an identifier, numbers read with
/// correct rounding, every field the form needs present. An error is a malformed response whose
/// path is rooted at the object (`received_on`, `extra_field.key`; `""` for the object itself).
///
/// ```
/// use crmcom_netflix::{decode_object, Charge, Error};
/// let json = br#"{"number":"I1","billing_system_customer_identifier":"pci1","amount":5.99,
///     "currency":"USD","paid_through_date":"2017-02-19T02:00:00","charge_status":"APPROVED",
///     "received_on":"2017-02-21T10:07:23"}"#;
/// let charge: Charge = decode_object(json, None).unwrap();
/// assert_eq!(charge.amount.minor_units(), Some(599));
///
/// let year_0 = String::from_utf8_lossy(json).replace("2017-02-21", "0000-02-21");
/// match decode_object::<Charge>(year_0.as_bytes(), None) {
///     Err(Error::MalformedResponse(m)) => assert_eq!(m.path, "received_on"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn decode_object<T>(json: &[u8], fields_set: Option<&[String]>) -> Result<T, Error>
where
    T: ResponseObject + DeserializeOwned + ItemCheck,
{
    let parsed = std::str::from_utf8(json).ok().and_then(|text| {
        let mut de = serde_json::Deserializer::from_str(text);
        T::deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .ok()
    });
    let Some(object) = parsed else {
        return Err(diagnose_object::<T>(json, fields_set));
    };
    check_object(&object, fields_set)?;
    Ok(object)
}

/// The rules a decoded object is checked against after reading (presence with the `fields_set`,
/// identifiers, nested objects), with paths rooted at the object.
pub(crate) fn check_object<T: ResponseObject + ItemCheck>(
    object: &T,
    fields_set: Option<&[String]>,
) -> Result<(), Error> {
    let named = fields_set.map(|names| named_mask(T::fields(), names));
    object.check_item(&Path::Root(""), named)
}

#[cold]
fn diagnose_object<T: DeserializeOwned>(json: &[u8], fields_set: Option<&[String]>) -> Error {
    let value = match strict_value(json) {
        Ok(v) => v,
        Err(Error::MalformedResponse(mut m)) => {
            // The text given is one object, not a response body.
            if let Some(rest) = m.message.strip_prefix("the body is not valid JSON") {
                m.message = format!("the text is not valid JSON{rest}");
            }
            return Error::MalformedResponse(m);
        }
        Err(e) => return e,
    };
    if !value.is_object() {
        return Error::malformed("", "not a JSON object");
    }
    let mut track = serde_path_to_error::Track::new();
    let mut de = serde_json::Deserializer::from_slice(json);
    match T::deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
        Ok(_) => Error::malformed("", "the object could not be decoded"),
        Err(e) => located(&e, &track.path(), fields_set),
    }
}

/// A reader's error at the path it was tracked to; a missing field is reported at the field.
fn located(
    e: &serde_json::Error,
    at: &serde_path_to_error::Path,
    fields_set: Option<&[String]>,
) -> Error {
    let message = message_of(e);
    let path = path_string(at);
    // serde reports a missing field at its parent; point at the field itself.
    let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    else {
        return Error::malformed(path, message);
    };
    let path = crate::error::join(&path, field);
    let named = fields_set.is_some_and(|names| names.iter().any(|n| n == field));
    let message = match fields_set {
        Some(_) if !named => format!(
            "the mandatory field `{field}` is missing: the `fields_set` left it out, \
             and only the projected form (`decode_projected`) may lack it"
        ),
        _ => format!("the mandatory field `{field}` is missing"),
    };
    Error::malformed(path, message)
}

/// Decodes a response body of a method given by name into normalized JSON `data` (dates
/// canonical, unknown fields kept, `netflix_state` spelled right, show data always an array).
pub fn decode_json(
    method: &str,
    body: &[u8],
    fields_set: Option<&[String]>,
) -> Result<serde_json::Value, Error> {
    let method = Method::from_name(method).ok_or_else(|| {
        Error::InvalidRequest(vec![crate::Violation::new(
            "method",
            crate::ViolationCode::InvalidEnum,
            crate::method::UnknownMethod(method.to_owned()).to_string(),
        )])
    })?;
    method.decode_value(body, fields_set)
}

struct Status {
    code: String,
    description: Option<String>,
    message: Option<String>,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(StatusVisitor)
    }
}

struct StatusVisitor;

impl<'de> Visitor<'de> for StatusVisitor {
    type Value = Status;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a status {\"code\": ..., \"description\": ..., \"message\": ...}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Status, A::Error> {
        let mut code = None;
        let (mut description, mut message) = (None, None);
        let mut seen = SeenKeys::default();
        while let Some(key) = map.next_key_seed(BorrowedKey)? {
            seen.check(&mut map, &key)?;
            match key.as_ref() {
                "code" => code = Some(map.next_value::<String>()?),
                "description" => description = map.next_value::<Option<String>>()?,
                "message" => message = map.next_value::<Option<String>>()?,
                _ => {
                    map.next_value_seed(StrictValue)?;
                }
            }
        }
        let code = code.ok_or_else(|| serde::de::Error::missing_field("code"))?;
        Ok(Status {
            code,
            description,
            message,
        })
    }
}

/// The keys of an object read so far, for the few objects whose keys are not a fixed set of
/// fields (the envelope and its status skip whatever else the server adds). Keys are borrowed
/// from the body when they can be.
#[derive(Default)]
struct SeenKeys<'de>(Vec<Cow<'de, str>>);

impl<'de> SeenKeys<'de> {
    fn check<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: &Cow<'de, str>,
    ) -> Result<(), A::Error> {
        if self.0.contains(key) {
            return repeated(map, key);
        }
        self.0.push(key.clone());
        Ok(())
    }
}

struct Envelope<D> {
    status: Option<Status>,
    data: Option<Option<D>>,
}

struct EnvelopeSeed<D>(std::marker::PhantomData<D>);

impl<'de, D: Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<D> {
    type Value = Envelope<D>;
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<Self::Value, De::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, D: Deserialize<'de>> Visitor<'de> for EnvelopeSeed<D> {
    type Value = Envelope<D>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a response envelope {\"status\": ..., \"data\": ...}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut envelope = Envelope {
            status: None,
            data: None,
        };
        let mut seen = SeenKeys::default();
        while let Some(key) = map.next_key_seed(BorrowedKey)? {
            seen.check(&mut map, &key)?;
            match key.as_ref() {
                "status" => envelope.status = Some(map.next_value()?),
                "data" => envelope.data = Some(map.next_value()?),
                _ => {
                    map.next_value_seed(StrictValue)?;
                }
            }
        }
        Ok(envelope)
    }
}

fn api_error(status: Status) -> Error {
    Error::Api(ApiError {
        code: status.code,
        description: status.description,
        message: status.message,
    })
}

/// The reader's message in JSON terms, without its " at line L column C" tail: the path says
/// where.
pub(crate) fn message_of(e: &serde_json::Error) -> String {
    crate::error::in_json_terms(&e.to_string())
}

pub(crate) fn decode_data<D: ResponseData>(
    body: &[u8],
    fields_set: Option<&[String]>,
) -> Result<D, Error> {
    decode_counted(body, fields_set).map(|(data, _)| data)
}

/// Decodes, and says how many identical repeats were merged (the sync's cursor counts what the
/// server sent).
pub(crate) fn decode_counted<D: ResponseData>(
    body: &[u8],
    fields_set: Option<&[String]>,
) -> Result<(D, usize), Error> {
    // One UTF-8 check of the whole body is cheaper than serde_json's check of every string.
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(diagnose::<D>(body, fields_set));
    };
    let mut data = match D::read_usual(text) {
        Some(data) => data,
        None => match read_general(text) {
            Ok(data) => data,
            Err(Unread::Error(e)) => return Err(e),
            Err(Unread::Diagnose) => return Err(diagnose::<D>(body, fields_set)),
        },
    };
    let named = fields_set.map(|names| named_mask(D::Item::fields(), names));
    data.check(named)?;
    let merged = data.settle()?;
    Ok((data, merged))
}

/// Why [`read_general`] returned no data.
pub(crate) enum Unread {
    /// The body is not what the type reads: [`diagnose`] finds where.
    Diagnose,
    /// An API error, or a response without its status or data.
    Error(Error),
}

/// The general decoder: the envelope, its status and the typed `data`, before the checks.
pub(crate) fn read_general<D: ResponseData>(text: &str) -> Result<D, Unread> {
    let mut de = serde_json::Deserializer::from_str(text);
    let fast = EnvelopeSeed::<D>(std::marker::PhantomData)
        .deserialize(&mut de)
        .and_then(|env| de.end().map(|()| env));
    let Ok(envelope) = fast else {
        return Err(Unread::Diagnose);
    };
    let Some(status) = envelope.status else {
        return Err(Unread::Error(Error::malformed(
            "status",
            "the response has no `status`",
        )));
    };
    if status.code != "OK" {
        return Err(Unread::Error(api_error(status)));
    }
    match envelope.data {
        Some(Some(data)) => Ok(data),
        Some(None) | None if D::NULL_IS_EMPTY => serde_json::from_str("{}")
            .map_err(|e| Unread::Error(Error::malformed("data", message_of(&e)))),
        Some(None) => Err(Unread::Error(Error::malformed("data", "`data` is null"))),
        None => Err(Unread::Error(Error::malformed(
            "data",
            "the response has no `data`",
        ))),
    }
}

/// The slow path, taken only when the fast decode failed: an API error if the status says so
/// (whatever `data` holds), otherwise the path of the first offending value.
#[cold]
fn diagnose<D: ResponseData>(body: &[u8], fields_set: Option<&[String]>) -> Error {
    // A key twice anywhere makes the whole body malformed, whatever its status says.
    let value = match strict_value(body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if !value.is_object() {
        return Error::malformed("", "the body is not a JSON object");
    }
    if let Some(status) = value.get("status") {
        if let Ok(status) = Status::deserialize(status) {
            if status.code != "OK" {
                return api_error(status);
            }
        }
    }
    let mut track = serde_path_to_error::Track::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = EnvelopeSeed::<D>(std::marker::PhantomData)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    match result {
        Ok(_) => Error::malformed("", "the body could not be decoded"),
        Err(e) => located(&e, &track.path(), fields_set),
    }
}

pub(crate) fn path_string(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
            }
            serde_path_to_error::Segment::Map { key }
            | serde_path_to_error::Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

/// A result that is a list of items (`promotions/list`).
impl<T> ResponseData for Vec<T>
where
    T: ResponseObject + Serialize + DeserializeOwned + ItemCheck,
{
    type Item = T;
    fn check(&self, named: Option<u64>) -> Result<(), Error> {
        for (i, item) in self.iter().enumerate() {
            item.check_item(&Path::Index(&Path::Root("data"), i), named)?;
        }
        Ok(())
    }
}

/// Presence check of one item with the `fields_set` mask.
#[doc(hidden)]
pub trait ItemCheck {
    /// Checks the item at `path`.
    fn check_item(&self, path: &Path<'_>, named: Option<u64>) -> Result<(), Error>;
}
