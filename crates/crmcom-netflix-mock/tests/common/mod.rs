//! A minimal HTTP/1.1 client on std's TcpStream, so that the tests see exactly what went over
//! the wire: a reset, a connection closed without an answer, a body shorter than announced.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crmcom_netflix::{decode, prepare, ApiRequest, LoginRequest, PreparedRequest, Release, Token};
use serde_json::Value;

/// What came back.
#[derive(Debug)]
pub enum Reply {
    /// A response; `complete` is false when the body is shorter than its `Content-Length`.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        complete: bool,
    },
    /// The connection closed before a single byte came back.
    Closed,
    /// The connection was reset.
    Reset,
}

impl Reply {
    pub fn status(&self) -> u16 {
        match self {
            Reply::Answer { status, .. } => *status,
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    pub fn body(&self) -> &[u8] {
        match self {
            Reply::Answer { body, .. } => body,
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(self.body())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(self.body())))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        match self {
            Reply::Answer { headers, .. } => headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

/// Sends one request on a fresh connection (`Connection: close`).
pub fn http(base_url: &str, verb: &str, target: &str, body: Option<&[u8]>) -> Reply {
    let address = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to the mock");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request =
        format!("{verb} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(b) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    if let Some(b) = body {
        stream.write_all(b).unwrap();
    }
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                if raw.is_empty() {
                    return Reply::Reset;
                }
                break;
            }
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
    if raw.is_empty() {
        return Reply::Closed;
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let complete = length.is_none_or(|l| l == body.len());
    Reply::Answer {
        status,
        headers,
        body,
        complete,
    }
}

/// Sends a prepared request to the mock's API.
pub fn send(base_url: &str, request: &PreparedRequest) -> Reply {
    let target = format!("/crmapi/rest/v2/{}", request.path);
    let target = if request.query.is_empty() {
        target
    } else {
        format!("{target}?{}", request.query_string())
    };
    http(
        base_url,
        request.verb.as_str(),
        &target,
        request.body_bytes().as_deref(),
    )
}

/// Sends a typed request and decodes the answer.
pub fn call<R: ApiRequest>(
    base_url: &str,
    request: &R,
    token: &Token,
) -> Result<R::Response, crmcom_netflix::Error> {
    let prepared = prepare(request, Some(token), Release::LATEST).unwrap();
    let reply = send(base_url, &prepared);
    decode::<R>(reply.body(), request.fields_set())
}

/// Logs in as `username` / `password` / `organisation`.
pub fn login_as(base_url: &str, username: &str, password: &str, organisation: &str) -> Reply {
    let request = LoginRequest {
        username: username.into(),
        password: crmcom_netflix::Secret::new(password),
        organisation: organisation.into(),
        unit: None,
    };
    send(base_url, &prepare(&request, None, Release::LATEST).unwrap())
}

/// Logs in as the default user.
pub fn login(base_url: &str) -> Token {
    let reply = login_as(base_url, "billing", "secret", "NETFLIXOP");
    decode::<LoginRequest>(reply.body(), None).unwrap().token
}

pub fn admin_get(base_url: &str, path: &str) -> Value {
    let reply = http(base_url, "GET", &format!("/_mock/{path}"), None);
    assert_eq!(
        reply.status(),
        200,
        "{}",
        String::from_utf8_lossy(reply.body())
    );
    reply.json()
}

pub fn admin_post(base_url: &str, path: &str, body: &Value) -> Reply {
    http(
        base_url,
        "POST",
        &format!("/_mock/{path}"),
        Some(body.to_string().as_bytes()),
    )
}
