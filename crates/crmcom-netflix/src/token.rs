//! Secrets: the login token and the password. Neither ever shows in `Debug` or `Display`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The token returned by `authentication/token`, passed to every other method.
///
/// Opaque to the SDK (a 32-hex-character string before R12.0.0, a JWT since), except that when it
/// is a JWT its `exp` claim (a number or a string of epoch seconds) tells when it expires.
///
/// ```
/// use crmcom_netflix::Token;
/// let token = Token::new("4AD9C84FA60F9FE407140E20F707726A");
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// assert_eq!(token.expires_at(), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The secret itself, for putting on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The JWT `exp` claim in epoch seconds, when the token is a JWT that carries one.
    pub fn expires_at(&self) -> Option<i64> {
        let payload = self.0.split('.').nth(1)?;
        let bytes = base64url_decode(payload)?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        match claims.get("exp")? {
            serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Whether the token has expired at `now` (epoch seconds), allowing `leeway_seconds` of margin
    /// so that a token about to expire counts as expired. `None` when the expiry is unknown.
    pub fn is_expired_at(&self, now: i64, leeway_seconds: i64) -> Option<bool> {
        self.expires_at()
            .map(|exp| now.saturating_add(leeway_seconds) >= exp)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Token)
    }
}

impl schemars::JsonSchema for Token {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Token".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "minLength": 1})
    }
}

/// A password or other secret parameter; redacted in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret string.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }
    /// The secret itself, for putting on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl validator::ValidateLength<u64> for Secret {
    fn length(&self) -> Option<u64> {
        Some(self.0.chars().count() as u64)
    }
}

impl validator::ValidateRegex for Secret {
    fn validate_regex(&self, regex: impl validator::AsRegex) -> bool {
        self.0.validate_regex(regex)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "password", "x-secret": true})
    }
}

/// Names of parameters whose values are secrets: never echoed in messages or `Debug`.
pub(crate) const SECRET_PARAMETERS: [&str; 3] = ["token", "password", "api_key"];

/// Names of HTTP headers whose values are secrets.
pub(crate) const SECRET_HEADERS: [&str; 1] = ["authorization"];

/// Standard base64 with padding (RFC 4648 section 4), as HTTP Basic authentication writes it.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64, padded or not; `None` for any other character.
pub(crate) fn base64_decode(input: &str) -> Option<Vec<u8>> {
    base64url_decode(input)
}

fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &c in input.trim_end_matches('=').as_bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> Token {
        let enc = |s: &str| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let b = s.as_bytes();
            let mut out = String::new();
            for chunk in b.chunks(3) {
                let n = chunk.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        Token::new(format!(
            "{}.{}.sig",
            enc(r#"{"typ":"JWT","alg":"HS256"}"#),
            enc(payload)
        ))
    }

    #[test]
    fn token_debug_and_display_never_show_the_secret() {
        let t = Token::new("SECRET-VALUE-123");
        assert!(!format!("{t:?}").contains("SECRET"));
        assert!(!format!("{t}").contains("SECRET"));
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
    }

    #[test]
    fn base64_encodes_as_rfc_4648_and_reads_back() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
            ("K3Y:", "SzNZOg=="),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn jwt_exp_as_string_is_read() {
        let t = jwt(r#"{"usr":"u","exp":"1487676400","iat":"1487669200"}"#);
        assert_eq!(t.expires_at(), Some(1_487_676_400));
        assert_eq!(t.is_expired_at(1_487_676_399, 0), Some(false));
        assert_eq!(t.is_expired_at(1_487_676_400, 0), Some(true));
        assert_eq!(t.is_expired_at(1_487_676_300, 120), Some(true));
    }

    #[test]
    fn jwt_exp_as_number_is_read() {
        assert_eq!(
            jwt(r#"{"exp":1487676400}"#).expires_at(),
            Some(1_487_676_400)
        );
    }

    #[test]
    fn opaque_tokens_have_no_expiry() {
        assert_eq!(Token::new("{{token}}").expires_at(), None);
        assert_eq!(jwt(r#"{"usr":"u"}"#).expires_at(), None);
        assert_eq!(Token::new("a.!!!.c").expires_at(), None);
    }
}
