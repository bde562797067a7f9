//! Rules every JSON text the SDK reads shares: no key twice in an object (serde_json
//! and serde's derives keep the last or the first occurrence without a word, so `"amount": 5.99,
//! "amount": 599.0` would bill 599.00), and no control character in an identifier.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::Error;
use crate::object::Path;

/// The message of a repeated key, the same wherever it is found.
pub(crate) fn repeated_message(key: &str) -> String {
    format!("the key `{key}` appears more than once in this object")
}

/// Fails at the value of a repeated key, so that a path-tracking deserializer reports the path of
/// the second occurrence (`data.charges_set[0].amount`).
pub(crate) struct Repeated<'a>(pub(crate) &'a str);

impl<'de> DeserializeSeed<'de> for Repeated<'_> {
    type Value = std::convert::Infallible;
    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<Self::Value, D::Error> {
        Err(D::Error::custom(repeated_message(self.0)))
    }
}

/// Reports the key just read from `map` as repeated.
pub(crate) fn repeated<'de, A: MapAccess<'de>, T>(map: &mut A, key: &str) -> Result<T, A::Error> {
    match map.next_value_seed(Repeated(key))? {}
}

/// An object key, borrowed from the body when it has no escapes.
pub(crate) struct BorrowedKey;

impl<'de> DeserializeSeed<'de> for BorrowedKey {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for BorrowedKey {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A `serde_json::Value` read with the response rules: an object with a key twice is an error at
/// the second occurrence. Used for unknown fields (kept in `extra`), for values the SDK reads as
/// free JSON, and for keys of the envelope it skips.
pub(crate) struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // serde_json refuses non-finite numbers before they get here.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return repeated(&mut map, &key);
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Why [`read_strict`] refused a text.
pub(crate) enum StrictError {
    /// A key twice in one object: the path of the second occurrence, and the message.
    Repeated(String, String),
    /// Not JSON (or nested too deep): the reader's message.
    NotJson(String),
}

/// Reads JSON text into a value, refusing a key given twice in any object.
pub(crate) fn read_strict(text: &[u8]) -> Result<Value, StrictError> {
    let mut track = serde_path_to_error::Track::new();
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = StrictValue
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .and_then(|v| de.end().map(|()| v));
    value.map_err(|e| {
        let message = crate::decode::message_of(&e);
        if e.is_data() {
            StrictError::Repeated(crate::decode::path_string(&track.path()), message)
        } else {
            StrictError::NotJson(message)
        }
    })
}

/// Reads JSON text into a value with the response rules; an error names the path of the first
/// offending value (the second occurrence of a repeated key) and the rule.
pub(crate) fn strict_value(text: &[u8]) -> Result<Value, Error> {
    read_strict(text).map_err(|e| match e {
        StrictError::Repeated(path, message) => Error::malformed(path, message),
        StrictError::NotJson(message) => {
            Error::malformed("", format!("the body is not valid JSON: {message}"))
        }
    })
}

/// Whether a string holds a control character: C0 (U+0000 to U+001F) or DEL (U+007F). A C
/// program reads a string only up to a NUL, so `"I\u00001"` would be charge `I` there.
#[inline]
pub(crate) fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// What the identifier rule says, for request violations and malformed responses alike.
pub(crate) const CONTROL_MESSAGE: &str =
    "must not contain control characters (U+0000 to U+001F, U+007F)";

/// A response value that is an identifier (a charge number, a customer identifier, a code).
pub(crate) trait WireText {
    fn wire_text(&self) -> &str;
}

impl WireText for String {
    fn wire_text(&self) -> &str {
        self
    }
}

impl WireText for compact_str::CompactString {
    fn wire_text(&self) -> &str {
        self
    }
}

impl WireText for crate::money::Currency {
    fn wire_text(&self) -> &str {
        self.code()
    }
}

impl WireText for crate::token::Token {
    fn wire_text(&self) -> &str {
        self.expose()
    }
}

/// The identifier rule of responses: no control character.
#[inline]
pub(crate) fn identifier<T: WireText>(value: &T, path: &Path<'_>) -> Result<(), Error> {
    if has_control(value.wire_text()) {
        return Err(Error::malformed(
            path.render(),
            format!("an identifier {CONTROL_MESSAGE}"),
        ));
    }
    Ok(())
}

/// The rule of a response's keys (a charge's number and its customer's identifier): an identifier
/// that is not blank. A charge is acknowledged by its number and billed to its customer, so one
/// without either could be billed but never acknowledged, and would come back every night.
#[inline]
pub(crate) fn key<T: WireText>(value: &T, path: &Path<'_>) -> Result<(), Error> {
    identifier(value, path)?;
    if value.wire_text().trim().is_empty() {
        return Err(Error::malformed(
            path.render(),
            "a charge's number and customer identifier must not be blank",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::has_control;

    #[test]
    fn control_characters_are_found_at_every_position_of_every_length() {
        for len in 0..20 {
            let clean: String = "I0123456789abcdefghi"[..len].to_owned();
            assert!(!has_control(&clean), "{clean:?}");
            for at in 0..len {
                for bad in [0u8, 1, 9, 10, 13, 0x1f, 0x7f] {
                    let mut bytes = clean.clone().into_bytes();
                    bytes[at] = bad;
                    let s = String::from_utf8(bytes).unwrap();
                    assert!(has_control(&s), "{s:?}");
                }
            }
        }
        for clean in [
            "é ü ñ 中文 €",
            " !~\u{80}\u{a0}\u{ff}",
            "\u{7ff}\u{800}\u{10ffff}",
        ] {
            assert!(!has_control(clean), "{clean:?}");
        }
    }
}
