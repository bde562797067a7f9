//! The request log behind `GET /_mock/requests`: the newest requests, with every secret
//! (the token in a query string or a body, a password) redacted before it is stored.

use std::collections::VecDeque;

use crmcom_netflix::{is_secret_parameter, redact_secrets};
use serde::Serialize;
use serde_json::Value;

/// One request as the log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// 1 for the first request the server received, and so on.
    pub seq: u64,
    /// The server's time when it arrived (`yyyy-MM-ddTHH:mm:ss`).
    pub at: String,
    /// The HTTP verb.
    pub verb: String,
    /// The method path (`netflix/charges/list`).
    pub path: String,
    /// The query pairs, secrets redacted.
    pub query: Vec<(String, String)>,
    /// The JSON body, secrets redacted; `null` without a body, a note for a body that is not
    /// JSON (it is not kept: it might hold a secret).
    pub body: Value,
    /// The HTTP status answered (0 when the connection was reset or closed without one).
    pub status: u16,
    /// `status.message` of an error envelope.
    pub error_code: Option<String>,
    /// The fault that fired.
    pub fault: Option<String>,
}

pub(crate) struct RequestLog {
    records: VecDeque<RequestRecord>,
    capacity: usize,
    seq: u64,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> RequestLog {
        RequestLog {
            records: VecDeque::new(),
            capacity,
            seq: 0,
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn push(&mut self, record: RequestRecord) {
        if self.capacity == 0 {
            return;
        }
        if self.records.len() == self.capacity {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    pub(crate) fn records(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.iter()
    }

    pub(crate) fn clear(&mut self) {
        self.records.clear();
    }
}

/// Query pairs with every secret value replaced.
pub(crate) fn redact_query(query: &[(String, String)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| {
            let v = if is_secret_parameter(k) {
                "<redacted>".to_owned()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

/// A body as the log keeps it.
pub(crate) fn redact_body(body: Option<&[u8]>) -> Value {
    match body {
        None => Value::Null,
        Some([]) => Value::Null,
        Some(b) => match serde_json::from_slice::<Value>(b) {
            Ok(v) => redact_secrets(&v),
            Err(_) => Value::String(format!("<{} bytes, not JSON>", b.len())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_passwords_never_reach_the_log() {
        let q = redact_query(&[
            ("token".into(), "T0K3N".into()),
            ("offset".into(), "0".into()),
        ]);
        assert_eq!(q[0].1, "<redacted>");
        assert_eq!(q[1].1, "0");
        let b = redact_body(Some(
            br#"{"username":"u","password":"hunter2","token":"T0K3N"}"#,
        ));
        let text = b.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("T0K3N"),
            "{text}"
        );
        let b = redact_body(Some(b"password=hunter2"));
        assert!(!b.to_string().contains("hunter2"));
    }

    #[test]
    fn the_log_keeps_the_newest_requests() {
        let mut log = RequestLog::new(2);
        for _ in 0..3 {
            let seq = log.next_seq();
            log.push(RequestRecord {
                seq,
                at: String::new(),
                verb: "GET".into(),
                path: "p".into(),
                query: vec![],
                body: Value::Null,
                status: 200,
                error_code: None,
                fault: None,
            });
        }
        let seqs: Vec<u64> = log.records().map(|r| r.seq).collect();
        assert_eq!(seqs, [2, 3]);
    }
}
