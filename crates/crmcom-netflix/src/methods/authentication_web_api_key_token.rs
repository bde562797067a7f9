//! `POST authentication/web_api_key/token` (R10.0.0): logs in with a Web API key instead of a
//! user's password and returns the token every other method takes, valid two hours (a JWT from
//! R12.0.0), as `authentication/token` does.
//!
//! The key travels as the user name of HTTP Basic authentication with an empty password
//! (`Authorization: Basic base64(key + ":")`); the JSON body carries only the optional `unit`.
//! The prepared request holds the header in [`PreparedRequest::headers`](crate::PreparedRequest),
//! redacted in its `Debug`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::method::{ApiRequest, Method};
use crate::methods::authentication_token::LoginResult;
use crate::token::{base64_decode, base64_encode, Secret};

/// The parameter that goes in the `Authorization` header instead of the body.
pub(crate) const API_KEY_PARAMETER: &str = "api_key";

/// Parameters of `authentication/web_api_key/token`. The key never shows in `Debug`.
///
/// ```
/// use crmcom_netflix::{prepare, Release, Secret, WebApiKeyLogin};
/// let login = WebApiKeyLogin::new(Secret::new("K3Y"));
/// let prepared = prepare(&login, None, Release::LATEST).unwrap();
/// assert_eq!(prepared.headers, [("Authorization".to_owned(), "Basic SzNZOg==".to_owned())]);
/// assert_eq!(prepared.body_bytes().unwrap(), b"{}");
/// assert!(!format!("{prepared:?}").contains("SzNZOg"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct WebApiKeyLogin {
    /// The Web API key, sent as the HTTP Basic user name with an empty password. Printable ASCII
    /// without spaces or colons (a colon would end the Basic user name).
    #[validate(length(min = 1), regex(path = *crate::schema::API_KEY))]
    #[schemars(extend("x-in" = "authorization"))]
    pub api_key: Secret,
    /// Unit to use for the session; the key's default unit when absent.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub unit: Option<String>,
}

impl WebApiKeyLogin {
    /// A login with the key and the default unit.
    pub fn new(api_key: Secret) -> Self {
        WebApiKeyLogin {
            api_key,
            unit: None,
        }
    }
}

impl ApiRequest for WebApiKeyLogin {
    const METHOD: Method = Method::AuthenticationWebApiKeyToken;
    /// The same data as `authentication/token`: `{"token": ...}`.
    type Response = LoginResult;
    type Projected = LoginResult;
}

/// The `Authorization` header value that carries a Web API key: `Basic base64(key + ":")`.
///
/// ```
/// use crmcom_netflix::methods::authentication_web_api_key_token::authorization;
/// assert_eq!(authorization("K3Y"), "Basic SzNZOg==");
/// ```
pub fn authorization(api_key: &str) -> String {
    let mut credentials = String::with_capacity(api_key.len() + 1);
    credentials.push_str(api_key);
    credentials.push(':');
    format!("Basic {}", base64_encode(credentials.as_bytes()))
}

/// The Web API key an `Authorization` header carries, when it is HTTP Basic with an empty
/// password (the scheme name is case-insensitive); `None` otherwise. What a server does with the
/// header.
///
/// ```
/// use crmcom_netflix::methods::authentication_web_api_key_token::api_key_from_authorization;
/// assert_eq!(api_key_from_authorization("basic SzNZOg==").unwrap().expose(), "K3Y");
/// assert!(api_key_from_authorization("Basic SzNZOnB3").is_none()); // a password
/// assert!(api_key_from_authorization("Bearer SzNZOg==").is_none());
/// ```
pub fn api_key_from_authorization(header: &str) -> Option<Secret> {
    let (scheme, credentials) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(credentials.trim())?).ok()?;
    let key = decoded.strip_suffix(':')?;
    (!key.is_empty() && !key.contains(':')).then(|| Secret::new(key))
}
