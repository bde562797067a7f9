//! What goes on the wire: envelopes, dates, amounts, and the small deterministic helpers (a PRNG
//! and base64url) the simulator needs without extra dependencies.

use chrono::{DateTime, NaiveDateTime};
use crmcom_netflix::Date;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// An `OK` envelope, status first as in the login example.
pub(crate) fn ok(data: Value) -> Vec<u8> {
    json!({"status": {"code": "OK", "description": "", "message": ""}, "data": data})
        .to_string()
        .into_bytes()
}

/// An error envelope: `status.code` `ERROR`, the stable code in `status.message`.
pub(crate) fn error(code: &str, description: impl Into<String>) -> Vec<u8> {
    json!({
        "status": {"code": "ERROR", "description": description.into(), "message": code},
        "data": null
    })
    .to_string()
    .into_bytes()
}

/// The wall-clock reading of epoch seconds (UTC; the API's dates carry no zone).
pub(crate) fn naive(now: i64) -> NaiveDateTime {
    DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// Epoch seconds as an API date.
pub(crate) fn date(now: i64) -> Date {
    Date(naive(now))
}

/// Epoch seconds as an API date value.
pub(crate) fn date_value(now: i64) -> Value {
    Value::String(date(now).to_string())
}

/// An optional date: the value or `null`.
pub(crate) fn date_or_null(at: Option<i64>) -> Value {
    at.map_or(Value::Null, date_value)
}

/// An amount as the server writes it: by default the single-precision float widened to double
/// (5.99 becomes 5.989999771118164), as every example of the documentation shows.
pub(crate) fn amount(value: Decimal, single_precision: bool) -> Value {
    let text = value.to_string();
    let number = if single_precision {
        text.parse::<f32>().map(f64::from).ok()
    } else {
        text.parse::<f64>().ok()
    };
    number
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// SplitMix64: a tiny deterministic generator for fault injection and identifiers.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `per_mille` / 1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        (self.next_u64() % 1000) < u64::from(per_mille)
    }
}

/// base64url without padding, as JWTs use.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_the_jwt_header_of_the_documentation() {
        assert_eq!(
            base64url(br#"{"typ":"JWT","alg":"HS256"}"#),
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"
        );
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn amounts_carry_the_single_precision_artefacts_of_the_documentation() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(amount(d("5.99"), true), json!(5.989999771118164));
        assert_eq!(amount(d("2.99"), true), json!(2.990000009536743));
        assert_eq!(amount(d("1.99"), true), json!(1.9900000095367432));
        assert_eq!(amount(d("5.99"), false), json!(5.99));
    }
}
