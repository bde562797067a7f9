//! `authentication/token`, `authentication/web_api_key/token` and `authentication/token/release`:
//! users, Web API keys, JWT login tokens that expire two hours after issue, and the token check
//! every other method makes.

use crmcom_netflix::{LoginRequest, WebApiKeyLogin};
use serde_json::{json, Value};

use crate::wire::{base64url, SplitMix64};
use crate::{codes, Refusal, Sim, TOKEN_LIFETIME_SECONDS};

/// A user who can log in. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Organisation.
    pub organisation: String,
    /// Units the user may choose with `unit`; any unit when empty.
    #[serde(default)]
    pub units: Vec<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("organisation", &self.organisation)
            .field("units", &self.units)
            .finish()
    }
}

impl User {
    /// A user of any unit.
    pub fn new(username: &str, password: &str, organisation: &str) -> User {
        User {
            username: username.to_owned(),
            password: password.to_owned(),
            organisation: organisation.to_owned(),
            units: Vec::new(),
        }
    }
}

/// A Web API key that can log in (`authentication/web_api_key/token`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiKey {
    /// The key.
    pub key: String,
    /// The organisation it belongs to.
    pub organisation: String,
    /// Units it may choose with `unit`; any unit when empty.
    #[serde(default)]
    pub units: Vec<String>,
}

impl ApiKey {
    /// A key of any unit.
    pub fn new(key: &str, organisation: &str) -> ApiKey {
        ApiKey {
            key: key.to_owned(),
            organisation: organisation.to_owned(),
            units: Vec::new(),
        }
    }
}

/// A token the simulator issued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Issued {
    pub(crate) expires_at: i64,
    pub(crate) released: bool,
    pub(crate) expired: bool,
}

impl Sim {
    pub(crate) fn login(&mut self, request: LoginRequest, now: i64) -> Result<Value, Refusal> {
        let user = self.users.iter().find(|u| {
            u.username == request.username
                && u.password == request.password.expose()
                && u.organisation == request.organisation
        });
        let Some(user) = user else {
            return Err(Refusal::new(
                codes::INVALID_LOGIN,
                "Invalid username, password or organisation",
            ));
        };
        let (usr, org) = (user.username.clone(), user.organisation.clone());
        check_unit(&user.units, request.unit.as_deref(), "user")?;
        Ok(self.issue(&usr, &org, request.unit.as_deref(), now))
    }

    /// `authentication/web_api_key/token`: the key (read from the `Authorization` header by the
    /// core's rule) must be one of the simulator's keys.
    pub(crate) fn login_with_api_key(
        &mut self,
        request: WebApiKeyLogin,
        now: i64,
    ) -> Result<Value, Refusal> {
        let Some(key) = self
            .api_keys
            .iter()
            .find(|k| k.key == request.api_key.expose())
        else {
            return Err(Refusal::new(codes::INVALID_LOGIN, "Invalid Web API key"));
        };
        let org = key.organisation.clone();
        check_unit(&key.units, request.unit.as_deref(), "Web API key")?;
        Ok(self.issue("webapikey", &org, request.unit.as_deref(), now))
    }

    /// Adds a Web API key that can log in.
    pub fn add_api_key(&mut self, key: ApiKey) {
        self.api_keys.push(key);
    }

    /// Issues a login token for a user (or key) of an organisation.
    fn issue(&mut self, usr: &str, org: &str, unit: Option<&str>, now: i64) -> Value {
        self.issued += 1;
        let expires_at = now + TOKEN_LIFETIME_SECONDS;
        let claims = json!({
            "usr": usr,
            "org": org,
            "oun": unit.unwrap_or("DEFAULT"),
            "exp": expires_at.to_string(),
            "iat": now.to_string(),
            "jti": format!("{:016x}", SplitMix64(self.issued).next_u64()),
        });
        let mut signature = SplitMix64(self.issued ^ 0x5157_4E41_5455_5245);
        let signature: Vec<u8> = (0..4)
            .flat_map(|_| signature.next_u64().to_be_bytes())
            .collect();
        let token = format!(
            "{}.{}.{}",
            base64url(br#"{"typ":"JWT","alg":"HS256"}"#),
            base64url(claims.to_string().as_bytes()),
            base64url(&signature)
        );
        self.tokens.insert(
            token.clone(),
            Issued {
                expires_at,
                released: false,
                expired: false,
            },
        );
        json!({ "token": token })
    }

    pub(crate) fn release_token(&mut self, token: &str) -> Result<Value, Refusal> {
        if let Some(issued) = self.tokens.get_mut(token) {
            issued.released = true;
        }
        Ok(json!({}))
    }

    /// Refuses a token that was never issued, is released, or has expired.
    pub(crate) fn authorize(&self, token: &str, now: i64) -> Result<(), Refusal> {
        match self.tokens.get(token) {
            None => Err(Refusal::new(
                codes::INVALID_TOKEN,
                "The token is not valid; log in again",
            )),
            Some(t) if t.released => Err(Refusal::new(
                codes::INVALID_TOKEN,
                "The token has been released; log in again",
            )),
            Some(t) if t.expired || now >= t.expires_at => Err(Refusal::new(
                codes::TOKEN_EXPIRED,
                "The token has expired; log in again",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Expires a login token now, whatever its age.
    pub fn expire_token(&mut self, token: &str) {
        if let Some(t) = self.tokens.get_mut(token) {
            t.expired = true;
        }
        self.changed();
    }

    /// Expires every login token issued so far.
    pub fn expire_all_tokens(&mut self) {
        for t in self.tokens.values_mut() {
            t.expired = true;
        }
        self.changed();
    }
}

/// Refuses a unit the user or key may not choose.
fn check_unit(units: &[String], unit: Option<&str>, who: &str) -> Result<(), Refusal> {
    match unit {
        Some(unit) if !units.is_empty() && !units.iter().any(|u| u == unit) => Err(Refusal::new(
            codes::INVALID_LOGIN,
            format!("The {who} cannot log into unit `{unit}`"),
        )),
        _ => Ok(()),
    }
}
