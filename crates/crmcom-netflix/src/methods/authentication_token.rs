//! `POST authentication/token`: logs in and returns the token every other method takes.
//! Since R12.0.0 the token is a JWT that expires two hours after issue.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decode::ResponseData;
use crate::method::{ApiRequest, Method};
use crate::token::{Secret, Token};
use crate::Error;

/// Parameters of `authentication/token`. The password never shows in `Debug`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login user name.
    #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
    pub username: String,
    /// Login password.
    #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
    pub password: Secret,
    /// Organisation the user logs into (British spelling of the key).
    #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
    pub organisation: String,
    /// Unit to use for the session; the user's default unit when absent.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub unit: Option<String>,
}

impl ApiRequest for LoginRequest {
    const METHOD: Method = Method::AuthenticationToken;
    type Response = LoginResult;
    type Projected = LoginResult;
}

crate::object::response_object! {
    /// The data of `authentication/token`.
    pub struct LoginResult {
        /// The token to pass to every other method.
        token: Token = "token", Required, identifier;
    }
}

impl crate::object::CheckPresence for Token {
    fn check_presence(&self, _: &crate::object::Path<'_>) -> Result<(), Error> {
        Ok(())
    }
}

impl ResponseData for LoginResult {
    type Item = LoginResult;
    fn check(&self, _: Option<u64>) -> Result<(), Error> {
        let data = crate::object::Path::Root("data");
        self.check_fields(&data, None)?;
        // An empty token would fail every later call as a missing one.
        if self.token.expose().is_empty() {
            return Err(Error::malformed(
                crate::object::Path::Key(&data, "token").render(),
                "the token is empty",
            ));
        }
        Ok(())
    }
}
