//! `POST authentication/token/release`: invalidates a token that is no longer needed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::method::{ApiRequest, Method};
use crate::methods::objects::Empty;

/// Parameters of `authentication/token/release`: only the token itself.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
pub struct ReleaseToken {}

impl ApiRequest for ReleaseToken {
    const METHOD: Method = Method::AuthenticationTokenRelease;
    type Response = Empty;
    type Projected = Empty;
}
