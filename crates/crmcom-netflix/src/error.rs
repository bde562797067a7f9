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
