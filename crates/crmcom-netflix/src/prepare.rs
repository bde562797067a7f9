//! Request preparation: parameters and a token in, a request ready to send out (or every
//! violation at once).

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, Violation, ViolationCode, Violations};
use crate::method::{method_names, ApiRequest, Method, Verb};
use crate::release::{release_names, Release};
use crate::schema::{check, is_secret};
use crate::token::{Token, SECRET_HEADERS};

/// A request ready to send: verb, path relative to `{server}/crmapi/rest/v2/`, query pairs (GET)
/// or JSON body (POST), and the HTTP headers the method needs. `Debug` redacts the token, the
/// password and the `Authorization` header.
#[derive(Clone, PartialEq)]
pub struct PreparedRequest {
    /// The method.
    pub method: Method,
    /// GET or POST.
    pub verb: Verb,
    /// Path relative to `.../crmapi/rest/v2/` (`"netflix/charges/list"`).
    pub path: &'static str,
    /// Query pairs of a GET, token first; empty for a POST.
    pub query: Vec<(String, String)>,
    /// JSON body of a POST, token first; `None` for a GET.
    pub body: Option<Value>,
    /// HTTP headers to send besides `Content-Type` and `Accept`: `Authorization` for
    /// `authentication/web_api_key/token`, none for the other methods. Secret.
    pub headers: Vec<(String, String)>,
    /// The `fields_set` sent, which decoding the response needs.
    pub fields_set: Option<Vec<String>>,
}

impl PreparedRequest {
    /// The body as bytes (`None` for a GET).
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        self.body.as_ref().map(|b| b.to_string().into_bytes())
    }

    /// The percent-encoded query string (without `?`; empty for a POST).
    pub fn query_string(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.query.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            percent_encode(k, &mut out);
            out.push('=');
            percent_encode(v, &mut out);
        }
        out
    }

    /// The full URL under a base such as `https://host/crmapi/rest/v2`.
    pub fn url(&self, base: &str) -> String {
        let mut url = format!("{}/{}", base.trim_end_matches('/'), self.path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query_string());
        }
        url
    }

    /// The value of a header the request carries (the name is case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The same request with every secret value (the token, the password, the `Authorization`
    /// header) replaced by `<redacted>`: what may be shown to a person or written to a log.
    pub fn redacted(&self) -> PreparedRequest {
        PreparedRequest {
            query: self
                .query
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) { "<redacted>" } else { v };
                    (k.clone(), v.to_owned())
                })
                .collect(),
            body: self.body.as_ref().map(redact),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_header(k) { "<redacted>" } else { v };
                    (k.clone(), v.to_owned())
                })
                .collect(),
            ..self.clone()
        }
    }

    /// The secret values the request carries (the token, the password, the `Authorization`
    /// header's value), so that a shell can scrub them from any text it did not write itself, such
    /// as an HTTP library's error.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .query
            .iter()
            .filter(|(k, _)| is_secret(k))
            .map(|(_, v)| v.as_str())
            .collect();
        if let Some(Value::Object(map)) = &self.body {
            out.extend(
                map.iter()
                    .filter(|(k, _)| is_secret(k))
                    .filter_map(|(_, v)| v.as_str()),
            );
        }
        out.extend(
            self.headers
                .iter()
                .filter(|(k, _)| is_secret_header(k))
                .map(|(_, v)| v.as_str()),
        );
        out.retain(|s| !s.is_empty());
        out
    }

    /// The request as JSON (`{"verb", "path", "query", "body"}`, plus `"headers"` as
    /// `[[name, value], ...]` when there are any), secrets included: the form the by-name APIs
    /// return and the vectors compare.
    pub fn to_json(&self) -> Value {
        let pairs = |pairs: &[(String, String)]| -> Vec<Vec<String>> {
            pairs
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect()
        };
        let mut json = serde_json::json!({
            "verb": self.verb.as_str(),
            "path": self.path,
            "query": pairs(&self.query),
            "body": self.body,
        });
        if !self.headers.is_empty() {
            json["headers"] = serde_json::json!(pairs(&self.headers));
        }
        json
    }
}

/// A copy of a JSON value with the value of every secret parameter (`token`, `password`), at
/// any depth, replaced by `"<redacted>"`: the form in which a request may be logged.
///
/// ```
/// let body = serde_json::json!({"token": "T", "acknowledged_charges_set": [{"number": "I1"}]});
/// let shown = crmcom_netflix::redact_secrets(&body);
/// assert_eq!(shown["token"], "<redacted>");
/// assert_eq!(shown["acknowledged_charges_set"][0]["number"], "I1");
/// ```
pub fn redact_secrets(value: &Value) -> Value {
    redact(value)
}

/// Whether a parameter's value is a secret that must never be echoed (`token`, `password`).
pub fn is_secret_parameter(name: &str) -> bool {
    is_secret(name)
}

fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) {
                        Value::String("<redacted>".into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.redacted();
        let mut d = f.debug_struct("PreparedRequest");
        d.field("verb", &shown.verb)
            .field("path", &shown.path)
            .field("query", &shown.query)
            .field("body", &shown.body);
        if !shown.headers.is_empty() {
            d.field("headers", &shown.headers);
        }
        d.finish()
    }
}

fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Prepares a typed request for `release`. The token is required by every method but
/// `authentication/token`.
///
/// ```
/// use crmcom_netflix::{prepare, ChargeStatusFilter, ListCharges, Release, Token};
/// let request = ListCharges::new(Some(ChargeStatusFilter::Processed));
/// let prepared = prepare(&request, Some(&Token::new("T")), Release::LATEST).unwrap();
/// assert_eq!(prepared.query_string(), "token=T&number_of_results=50&offset=0&charge_status=PROCESSED");
/// ```
pub fn prepare<R: ApiRequest>(
    request: &R,
    token: Option<&Token>,
    release: Release,
) -> Result<PreparedRequest, Error> {
    let params = serde_json::to_value(request).map_err(|e| {
        Error::InvalidRequest(vec![Violation::new(
            "",
            ViolationCode::InvalidType,
            e.to_string(),
        )])
    })?;
    prepare_value(R::METHOD, &params, token.map(Token::expose), release)
}

/// Checks a typed request against the rules of `release` without a token.
pub fn validate<R: ApiRequest>(request: &R, release: Release) -> Result<(), Error> {
    let params = serde_json::to_value(request).map_err(|e| {
        Error::InvalidRequest(vec![Violation::new(
            "",
            ViolationCode::InvalidType,
            e.to_string(),
        )])
    })?;
    validate_value(R::METHOD, &params, release)
}

/// Prepares a request given as JSON parameters (`token` passed separately).
pub fn prepare_value(
    method: Method,
    params: &Value,
    token: Option<&str>,
    release: Release,
) -> Result<PreparedRequest, Error> {
    let mut violations = Violations::default();
    if method.takes_token() {
        token_violations(token, &mut violations);
    }
    let normalized = check_params(method, params, release, &mut violations);
    violations.into_result()?;
    let Value::Object(params) = normalized else {
        return Err(Error::InvalidRequest(vec![Violation::new(
            "",
            ViolationCode::InvalidType,
            "the parameters must be an object",
        )]));
    };
    Ok(build(method, params, token))
}

/// The token rules: present, not blank, no control character (it goes on the wire as it is).
fn token_violations(token: Option<&str>, out: &mut Violations) {
    match token {
        None => out.push(
            "token",
            ViolationCode::Required,
            "a login token is mandatory",
        ),
        Some(t) if t.trim().is_empty() => out.push(
            "token",
            ViolationCode::Required,
            "a login token is mandatory",
        ),
        Some(t) if crate::json::has_control(t) => out.push(
            "token",
            ViolationCode::InvalidFormat,
            crate::json::CONTROL_MESSAGE,
        ),
        Some(_) => {}
    }
}

/// Checks a login token on its own.
pub(crate) fn check_token(token: Option<&str>) -> Result<(), Error> {
    let mut violations = Violations::default();
    token_violations(token, &mut violations);
    violations.into_result()
}

/// Checks JSON parameters against the rules of `release`, without a token.
pub fn validate_value(method: Method, params: &Value, release: Release) -> Result<(), Error> {
    let mut violations = Violations::default();
    check_params(method, params, release, &mut violations);
    violations.into_result()
}

fn check_params(method: Method, params: &Value, release: Release, out: &mut Violations) -> Value {
    if method.since() > release {
        out.push(
            "method",
            ViolationCode::NotInRelease,
            format!(
                "{} is available from {} (target release {release})",
                method.name(),
                method.since()
            ),
        );
    }
    if let Some(map) = params.as_object() {
        if map.contains_key("token") {
            out.push(
                "token",
                ViolationCode::UnknownField,
                "the token is passed separately, not among the parameters",
            );
            let mut rest = map.clone();
            rest.remove("token");
            return check(
                method.request_node(),
                &Value::Object(rest),
                release,
                "",
                out,
            );
        }
    }
    check(method.request_node(), params, release, "", out)
}

pub(crate) fn build(
    method: Method,
    mut params: Map<String, Value>,
    token: Option<&str>,
) -> PreparedRequest {
    let headers = match method
        .authorization_parameter()
        .and_then(|name| params.remove(name))
    {
        Some(Value::String(key)) => vec![(
            "Authorization".to_owned(),
            crate::methods::authentication_web_api_key_token::authorization(&key),
        )],
        _ => Vec::new(),
    };
    let fields_set = params
        .get("fields_set")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        });
    let token = token.filter(|_| method.takes_token());
    match method.verb() {
        Verb::Get => {
            let mut query = Vec::with_capacity(params.len() + 1);
            if let Some(t) = token {
                query.push(("token".to_owned(), t.to_owned()));
            }
            for (k, v) in params {
                let text = match v {
                    Value::String(s) => s,
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                query.push((k, text));
            }
            PreparedRequest {
                method,
                verb: Verb::Get,
                path: method.name(),
                query,
                body: None,
                headers,
                fields_set,
            }
        }
        Verb::Post => {
            let mut body = Map::with_capacity(params.len() + 1);
            if let Some(t) = token {
                body.insert("token".to_owned(), Value::String(t.to_owned()));
            }
            body.extend(params);
            PreparedRequest {
                method,
                verb: Verb::Post,
                path: method.name(),
                query: Vec::new(),
                body: Some(Value::Object(body)),
                headers,
                fields_set,
            }
        }
    }
}

/// Resolves by-name method and release arguments, reporting unknown names as violations.
pub(crate) fn resolve(method: &str, release: Option<&str>) -> Result<(Method, Release), Error> {
    let mut violations = Violations::default();
    let m = Method::from_name(method);
    if m.is_none() {
        violations.push(
            "method",
            ViolationCode::InvalidEnum,
            format!(
                "unknown method `{method}`; known methods: {}",
                method_names()
            ),
        );
    }
    let r = match release {
        None => Some(Release::LATEST),
        Some(name) => Release::from_name(name),
    };
    if r.is_none() {
        violations.push(
            "release",
            ViolationCode::InvalidEnum,
            format!(
                "unknown release `{}`; known releases: {}",
                release.unwrap_or_default(),
                release_names()
            ),
        );
    }
    match (m, r) {
        (Some(m), Some(r)) => Ok((m, r)),
        _ => Err(violations.into_result().unwrap_err()),
    }
}

/// Reads parameters given as JSON text, as the by-name functions do: text that is not JSON (or
/// nests too deep for the reader) is an `invalid_type` violation of the parameters themselves, and
/// a key given twice in an object is a `duplicate` violation at its second occurrence (JSON
/// readers keep one of the two without a word: `{"billing_system_customer_identifier": "A",
/// "billing_system_customer_identifier": "B"}` would suspend B).
///
/// ```
/// use crmcom_netflix::{parse_params, ViolationCode};
/// let e = parse_params(r#"{"acknowledged_charges_set": [{"number": "I1", "number": "I2"}]}"#)
///     .unwrap_err();
/// assert_eq!(e.violations()[0].path, "acknowledged_charges_set[0].number");
/// assert_eq!(e.violations()[0].code, ViolationCode::Duplicate);
/// ```
pub fn parse_params(params_json: &str) -> Result<Value, Error> {
    use crate::json::StrictError;
    crate::json::read_strict(params_json.as_bytes()).map_err(|e| {
        Error::InvalidRequest(vec![match e {
            StrictError::Repeated(path, message) => {
                Violation::new(path, ViolationCode::Duplicate, message)
            }
            StrictError::NotJson(message) => Violation::new(
                "",
                ViolationCode::InvalidType,
                format!("the parameters are not valid JSON: {message}"),
            ),
        }])
    })
}

/// Prepares a request by method name with parameters as JSON text; `release` defaults to the
/// newest. The result's [`PreparedRequest::to_json`] is what the C API hands out.
///
/// ```
/// use crmcom_netflix::prepare_json;
/// let p = prepare_json("netflix/subscriptions/suspend",
///     r#"{"billing_system_customer_identifier":"pci123"}"#, Some("T"), None).unwrap();
/// assert_eq!(p.body_bytes().unwrap(), br#"{"token":"T","billing_system_customer_identifier":"pci123"}"#);
/// ```
pub fn prepare_json(
    method: &str,
    params_json: &str,
    token: Option<&str>,
    release: Option<&str>,
) -> Result<PreparedRequest, Error> {
    let (method, release) = resolve(method, release)?;
    prepare_value(method, &parse_params(params_json)?, token, release)
}

/// Checks parameters given as JSON text against a method's rules, without a token.
pub fn validate_json(method: &str, params_json: &str, release: Option<&str>) -> Result<(), Error> {
    let (method, release) = resolve(method, release)?;
    validate_value(method, &parse_params(params_json)?, release)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListCharges, LoginRequest, Secret};

    #[test]
    fn redacted_and_secret_values_cover_the_token_and_the_password() {
        let login = LoginRequest {
            username: "u".into(),
            password: Secret::new("pw-secret"),
            organisation: "o".into(),
            unit: None,
        };
        let prepared = prepare(&login, None, Release::LATEST).unwrap();
        assert_eq!(prepared.secret_values(), ["pw-secret"]);
        let shown = prepared.redacted();
        assert_eq!(shown.body.as_ref().unwrap()["password"], "<redacted>");
        assert_eq!(shown.body.as_ref().unwrap()["username"], "u");

        let list = ListCharges::new(Some(crate::ChargeStatusFilter::Processed));
        let prepared = prepare(&list, Some(&Token::new("tok-secret")), Release::LATEST).unwrap();
        assert_eq!(prepared.secret_values(), ["tok-secret"]);
        let shown = prepared.redacted();
        assert_eq!(shown.query[0], ("token".into(), "<redacted>".into()));
        assert_eq!(shown.query[1..], prepared.query[1..]);
        assert!(!format!("{prepared:?}").contains("tok-secret"));
    }
}
