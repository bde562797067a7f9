//! The one error model shared by Rust, Python and C: violations for bad requests, API errors for
//! non-`OK` envelopes, malformed-response errors with the path of the offending value.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Stable code of a [`Violation`]; the same strings in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    /// A mandatory value is missing, `null` or blank.
    Required,
    /// None of a semi-optional group was given.
    OneOfRequired,
    /// A parameter the method does not take (often a typo).
    UnknownField,
    /// A value of the wrong JSON type.
    InvalidType,
    /// A value outside an enumeration (also unknown method, release and `fields_set` names).
    InvalidEnum,
    /// A string that does not have the required format (dates).
    InvalidFormat,
    /// A number outside its bounds.
    OutOfRange,
    /// A set with more items than allowed.
    TooManyItems,
    /// A set with fewer items than required.
    TooFewItems,
    /// The same charge or reference number twice in one set.
    Duplicate,
    /// A method, field or value newer than the target release.
    NotInRelease,
}

impl ViolationCode {
    /// Every code, in declaration order.
    pub const ALL: [ViolationCode; 11] = [
        Self::Required,
        Self::OneOfRequired,
        Self::UnknownField,
        Self::InvalidType,
        Self::InvalidEnum,
        Self::InvalidFormat,
        Self::OutOfRange,
        Self::TooManyItems,
        Self::TooFewItems,
        Self::Duplicate,
        Self::NotInRelease,
    ];

    /// The wire name of the code (`"out_of_range"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::OneOfRequired => "one_of_required",
            Self::UnknownField => "unknown_field",
            Self::InvalidType => "invalid_type",
            Self::InvalidEnum => "invalid_enum",
            Self::InvalidFormat => "invalid_format",
            Self::OutOfRange => "out_of_range",
            Self::TooManyItems => "too_many_items",
            Self::TooFewItems => "too_few_items",
            Self::Duplicate => "duplicate",
            Self::NotInRelease => "not_in_release",
        }
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule in a request: where, which rule, and a sentence for a person.
///
/// The path points into the parameters as given (`acknowledged_charges_set[3].number`); the empty
/// path is the parameters object itself. Messages never repeat a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Path into the input, dot-separated names and `[index]` for set items.
    pub path: String,
    /// The stable rule code.
    pub code: ViolationCode,
    /// A sentence naming the rule.
    pub message: String,
}

impl Violation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, code: ViolationCode, message: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(parameters)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} ({})", self.message, self.code)
    }
}

impl std::error::Error for Violation {}

/// A response whose envelope carried a status code other than `OK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// `status.code` as sent (commonly `ERROR`).
    pub code: String,
    /// `status.description`, when the server sent one.
    pub description: Option<String>,
    /// `status.message`, when the server sent one.
    pub message: Option<String>,
}

/// `API error ERROR: description (message)`, leaving out what the server left empty.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", self.code)?;
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {d}")?;
        }
        if let Some(m) = self.message.as_deref().filter(|m| !m.is_empty()) {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A response that does not have the documented shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedResponse {
    /// Path of the offending value in the body (`data.charges_set[0].amount`); empty for the body
    /// itself.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// `malformed response at PATH: MESSAGE`, or `malformed response body: MESSAGE` when the body as a
/// whole is at fault (not JSON, not an object), whose path is empty.
impl fmt::Display for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "malformed response body: {}", self.message)
        } else {
            write!(f, "malformed response at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for MalformedResponse {}

/// Every way preparing or decoding can fail.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The request breaks one or more rules; all of them are listed, sorted by path then code.
    InvalidRequest(Vec<Violation>),
    /// The server answered with a non-`OK` status.
    Api(ApiError),
    /// The response does not have the documented shape.
    MalformedResponse(MalformedResponse),
}

impl Error {
    /// The stable name of the error kind: `invalid_request`, `api_error` or `malformed_response`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::Api(_) => "api_error",
            Error::MalformedResponse(_) => "malformed_response",
        }
    }

    /// The violations of an invalid request; empty for the other kinds.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Error::InvalidRequest(v) => v,
            _ => &[],
        }
    }

    pub(crate) fn malformed(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::MalformedResponse(MalformedResponse {
            path: path.into(),
            message: message.into(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(violations) => {
                write!(f, "invalid request: ")?;
                for (i, v) in violations.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Error::Api(e) => e.fmt(f),
            Error::MalformedResponse(m) => m.fmt(f),
        }
    }
}

// The kinds print the same sentence as the `Error` holding them, so none is the other's `source`:
// a report walking the chain would say it twice.
impl std::error::Error for Error {}

/// A message of the JSON reader (serde) in the terms of JSON rather than of Rust: `invalid type:
/// string "5.99", expected f64` becomes `invalid type: string "5.99", expected a number`, integer
/// types name their range, sequences and maps are arrays and objects, and the reader's
/// ` at line L column C` tail is dropped (the path says where). Every shell shows these words.
///
/// ```
/// use crmcom_netflix::in_json_terms;
/// assert_eq!(
///     in_json_terms("invalid type: floating point `1.5`, expected u32 at line 1 column 9"),
///     "invalid type: number 1.5, expected an integer from 0 to 4294967295"
/// );
/// ```
pub fn in_json_terms(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    };
    let Some(i) = message.rfind(", expected ") else {
        return message.to_owned();
    };
    let (head, expected) = (&message[..i], &message[i + ", expected ".len()..]);
    let expected = expected_in_json_terms(expected);
    if head.starts_with("invalid length ") && expected == "an object" {
        return "invalid type: array, expected an object".to_owned();
    }
    let head = match head.split_once(": ") {
        Some((kind, found)) if kind == "invalid type" || kind == "invalid value" => {
            format!("{kind}: {}", found_in_json_terms(found))
        }
        _ => head.to_owned(),
    };
    format!("{head}, expected {expected}")
}

fn expected_in_json_terms(expected: &str) -> String {
    let range = |lo: i128, hi: i128| format!("an integer from {lo} to {hi}");
    match expected {
        "f64" | "f32" => "a number".to_owned(),
        "u8" => range(0, u8::MAX.into()),
        "u16" => range(0, u16::MAX.into()),
        "u32" => range(0, u32::MAX.into()),
        "u64" | "usize" => range(0, u64::MAX.into()),
        "i8" => range(i8::MIN.into(), i8::MAX.into()),
        "i16" => range(i16::MIN.into(), i16::MAX.into()),
        "i32" => range(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => range(i64::MIN.into(), i64::MAX.into()),
        "a sequence" => "an array".to_owned(),
        "a map" => "an object".to_owned(),
        "unit" => "null".to_owned(),
        "a borrowed string" => "a string".to_owned(),
        "char" => "a one-character string".to_owned(),
        other if other.starts_with("struct ") || other.starts_with("tuple struct ") => {
            "an object".to_owned()
        }
        other if other.starts_with("enum ") || other.starts_with("variant identifier") => {
            "a string".to_owned()
        }
        other => other.to_owned(),
    }
}

fn found_in_json_terms(found: &str) -> String {
    let quoted = |prefix: &str, word: &str| {
        found
            .strip_prefix(prefix)
            .map(|rest| format!("{word} {}", rest.trim_matches('`')))
    };
    quoted("floating point ", "number")
        .or_else(|| quoted("integer ", "number"))
        .or_else(|| quoted("boolean ", "boolean"))
        .unwrap_or_else(|| match found {
            "sequence" => "array".to_owned(),
            "map" => "object".to_owned(),
            "unit value" | "unit" => "null".to_owned(),
            other => other.to_owned(),
        })
}

/// Collects violations while walking an input; sorted once at the end.
#[derive(Debug, Default)]
pub(crate) struct Violations(pub(crate) Vec<Violation>);

impl Violations {
    pub(crate) fn push(&mut self, path: &str, code: ViolationCode, message: impl Into<String>) {
        self.0.push(Violation::new(path, code, message));
    }

    pub(crate) fn into_result(mut self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            self.0
                .sort_by(|a, b| a.path.cmp(&b.path).then(a.code.cmp(&b.code)));
            Err(Error::InvalidRequest(self.0))
        }
    }
}

/// Joins a parent path and a field name (`a` + `b` = `a.b`; `` + `b` = `b`).
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// Appends an index (`a` + 3 = `a[3]`).
pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

#[cfg(test)]
mod tests {
    use super::in_json_terms;

    #[test]
    fn reader_messages_name_json_types_never_rust_ones() {
        for (serde, json) in [
            (
                r#"invalid type: string "5.99", expected f64"#,
                r#"invalid type: string "5.99", expected a number"#,
            ),
            (
                "invalid type: boolean `true`, expected f64 at line 1 column 30",
                "invalid type: boolean true, expected a number",
            ),
            (
                "invalid value: integer `-1`, expected u64",
                "invalid value: number -1, expected an integer from 0 to 18446744073709551615",
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid type: object, expected an array",
            ),
            (
                "invalid type: sequence, expected struct SyncState",
                "invalid type: array, expected an object",
            ),
            (
                "invalid length 0, expected struct SyncState with 10 elements",
                "invalid type: array, expected an object",
            ),
            ("invalid type: null, expected i64", "invalid type: null, expected an integer from -9223372036854775808 to 9223372036854775807"),
            ("missing field `number`", "missing field `number`"),
            (
                "invalid type: integer `5`, expected a date as yyyy-MM-ddTHH:mm:ss",
                "invalid type: number 5, expected a date as yyyy-MM-ddTHH:mm:ss",
            ),
        ] {
            assert_eq!(in_json_terms(serde), json);
        }
    }
}
