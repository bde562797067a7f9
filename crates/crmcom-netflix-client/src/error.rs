//! The one error type of the client: the core's kinds (invalid request, API error, malformed
//! response) plus what I/O adds (transport, time-out, HTTP status, journal, billing).
//!
//! No variant holds a secret: messages that come from the network stack are stripped of URLs
//! (a GET carries the token in its query string) and of every secret the client knows.

use std::fmt;
use std::time::Duration;

use crmcom_netflix::{ApiError, MalformedResponse, Method, Violation};

/// The boxed error a billing system or an export returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// Opening the connection (TCP and TLS) took longer than [`Timeouts::connect`](crate::Timeouts::connect).
    Connect,
    /// One attempt (sending the request and reading the whole response) took longer than
    /// [`Timeouts::attempt`](crate::Timeouts::attempt).
    Attempt,
    /// The call as a whole (login, attempts and the waits between them) took longer than
    /// [`Timeouts::call`](crate::Timeouts::call).
    Call,
}

impl TimeoutKind {
    /// `"connect"`, `"attempt"` or `"call"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Call => "call",
        }
    }
}

/// Every way a call, a journal or a sync can fail.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks one or more rules of the API (the core's violations); nothing was sent.
    InvalidRequest(Vec<Violation>),
    /// The server answered with an error envelope (a status code other than `OK`). `http_status`
    /// is the HTTP status it came with (200 for most servers; some send errors as 4xx or 5xx).
    Api {
        /// The method called.
        method: Method,
        /// The HTTP status of the answer.
        http_status: u16,
        /// The envelope's status.
        error: ApiError,
    },
    /// The answer does not have the documented shape (a truncated body, say).
    MalformedResponse {
        /// The method called.
        method: Method,
        /// The HTTP status of the answer.
        http_status: u16,
        /// Where and what.
        error: MalformedResponse,
    },
    /// The server answered with an HTTP error status and no API envelope (a proxy's 502 page).
    HttpStatus {
        /// The method called.
        method: Method,
        /// The HTTP status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
    },
    /// No answer came: the connection failed, was reset, or the body was cut off.
    Transport {
        /// The method called.
        method: Method,
        /// What the network stack said (no URL, no secret).
        message: String,
        /// Whether the request may have reached the server (`false`: it certainly did not).
        reached_server: bool,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A time limit ran out.
    Timeout {
        /// The method called.
        method: Method,
        /// Which limit.
        kind: TimeoutKind,
        /// Its value.
        after: Duration,
    },
    /// The client was given settings it cannot work with (a base URL that is not one, say).
    Config(String),
    /// Another job holds the journal: nothing was read or changed. Try again when it is done.
    JournalLocked {
        /// The journal's path.
        path: String,
        /// What the holder wrote into the lock file (process id, start time), if readable.
        holder: Option<String>,
    },
    /// The journal could not be opened, read or written, or is of an unknown format.
    Journal(String),
    /// The billing system or the export failed; the journal keeps the run, which resumes at the
    /// next start.
    Billing(BoxError),
}

impl Error {
    /// The stable name of the kind: `invalid_request`, `api_error`, `malformed_response`,
    /// `http_status`, `transport`, `timeout`, `config`, `journal_locked`, `journal` or
    /// `billing`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::Api { .. } => "api_error",
            Error::MalformedResponse { .. } => "malformed_response",
            Error::HttpStatus { .. } => "http_status",
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::Config(_) => "config",
            Error::JournalLocked { .. } => "journal_locked",
            Error::Journal(_) => "journal",
            Error::Billing(_) => "billing",
        }
    }

    /// The violations of an invalid request; empty for the other kinds.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Error::InvalidRequest(v) => v,
            _ => &[],
        }
    }

    /// The envelope of an API error.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when one came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api { http_status, .. } | Error::MalformedResponse { http_status, .. } => {
                Some(*http_status)
            }
            Error::HttpStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The method called, for the errors of a call.
    pub fn method(&self) -> Option<Method> {
        match self {
            Error::Api { method, .. }
            | Error::MalformedResponse { method, .. }
            | Error::HttpStatus { method, .. }
            | Error::Transport { method, .. }
            | Error::Timeout { method, .. } => Some(*method),
            _ => None,
        }
    }

    /// Turns a core error about a call of `method` into a client error.
    pub(crate) fn from_core(e: crmcom_netflix::Error, method: Method, http_status: u16) -> Error {
        match e {
            crmcom_netflix::Error::InvalidRequest(v) => Error::InvalidRequest(v),
            crmcom_netflix::Error::Api(error) => Error::Api {
                method,
                http_status,
                error,
            },
            crmcom_netflix::Error::MalformedResponse(error) => Error::MalformedResponse {
                method,
                http_status,
                error,
            },
        }
    }

    pub(crate) fn journal(context: &str, e: impl fmt::Display) -> Error {
        Error::Journal(format!("{context}: {e}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(v) => {
                fmt::Display::fmt(&crmcom_netflix::Error::InvalidRequest(v.clone()), f)
            }
            Error::Api {
                method,
                http_status,
                error,
            } => {
                write!(f, "{method}: ")?;
                fmt::Display::fmt(&crmcom_netflix::Error::Api(error.clone()), f)?;
                if *http_status != 200 {
                    write!(f, " [HTTP {http_status}]")?;
                }
                Ok(())
            }
            Error::MalformedResponse {
                method,
                http_status,
                error,
            } => {
                write!(f, "{method}: ")?;
                fmt::Display::fmt(&crmcom_netflix::Error::MalformedResponse(error.clone()), f)?;
                if *http_status != 200 {
                    write!(f, " [HTTP {http_status}]")?;
                }
                Ok(())
            }
            Error::HttpStatus {
                method,
                status,
                attempts,
            } => write!(
                f,
                "{method}: HTTP {status} without an API envelope{}",
                after_attempts(*attempts)
            ),
            Error::Transport {
                method,
                message,
                reached_server,
                attempts,
            } => {
                write!(f, "{method}: {message}")?;
                if !reached_server {
                    f.write_str(" (the request did not reach the server)")?;
                }
                f.write_str(&after_attempts(*attempts))
            }
            Error::Timeout {
                method,
                kind,
                after,
            } => write!(
                f,
                "{method}: the {} time-out of {} ran out",
                kind.as_str(),
                seconds(*after)
            ),
            Error::Config(m) => write!(f, "client settings: {m}"),
            Error::JournalLocked { path, holder } => {
                write!(f, "journal {path} is in use by another job")?;
                if let Some(h) = holder.as_deref().filter(|h| !h.is_empty()) {
                    write!(f, " ({h})")?;
                }
                f.write_str("; nothing was changed: run again when that job has ended")
            }
            Error::Journal(m) => write!(f, "journal: {m}"),
            Error::Billing(e) => write!(f, "billing: {e}"),
        }
    }
}

fn after_attempts(attempts: u32) -> String {
    if attempts > 1 {
        format!(", after {attempts} attempts")
    } else {
        String::new()
    }
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Billing(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

#[cfg_attr(not(feature = "client"), allow(dead_code))]
/// Replaces every occurrence of each secret in `text` with `<redacted>`, and every URL's query
/// string (where a GET carries the token) with `?<redacted>`.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // URLs: keep scheme, host and path, drop the query.
    while let Some(i) = rest.find("://") {
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map_or(0, |p| p + 1);
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || c == ')' || c == '"' || c == '\'')
            .map_or(rest.len(), |p| i + p);
        out.push_str(&rest[..start]);
        let url = &rest[start..end];
        match url.find('?') {
            Some(q) => {
                out.push_str(&url[..q]);
                out.push_str("?<redacted>");
            }
            None => out.push_str(url),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, "<redacted>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_query_strings_and_known_secrets() {
        let text = "error sending request for url (http://127.0.0.1:80/crmapi/rest/v2/netflix/charges/list?token=eyJ.abc.def&offset=0): reset; password hunter22";
        let out = redact(text, &["eyJ.abc.def", "hunter22"]);
        assert!(!out.contains("eyJ.abc.def"), "{out}");
        assert!(!out.contains("hunter22"), "{out}");
        assert!(out.contains("http://127.0.0.1:80/crmapi/rest/v2/netflix/charges/list?<redacted>"));
        assert_eq!(redact("plain text", &["abcd"]), "plain text");
    }

    #[test]
    fn every_kind_has_a_stable_name_and_a_sentence() {
        let e = Error::Timeout {
            method: Method::ChargesList,
            kind: TimeoutKind::Attempt,
            after: Duration::from_millis(1500),
        };
        assert_eq!(e.kind(), "timeout");
        assert_eq!(
            e.to_string(),
            "netflix/charges/list: the attempt time-out of 1.500 s ran out"
        );
        let e = Error::JournalLocked {
            path: "j.sqlite".into(),
            holder: Some("pid 12".into()),
        };
        assert_eq!(e.kind(), "journal_locked");
        assert!(e.to_string().contains("in use by another job (pid 12)"));
    }
}
