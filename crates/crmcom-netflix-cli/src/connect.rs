//! The connection settings of `sync` and `call`, and what their errors mean as exit codes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use crmcom_netflix::{Method, Release};
use crmcom_netflix_client::{blocking, Credentials, Error, RetryPolicy, Timeouts};

use crate::exit::{Exit, Failure};

/// Where the server is and who logs in. The password is read from `CRMNF_PASSWORD` or from
/// `--password-file`, the Web API key from the variable `--api-key-env` names: never from a
/// flag's value.
#[derive(Debug, Args)]
pub struct Connection {
    /// The server: its root (http://127.0.0.1:8080, as `crmnf mock` prints it) or the API's
    /// root, ending in /crmapi/rest/v2.
    #[arg(long, env = "CRMNF_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// The login user name.
    #[arg(long, env = "CRMNF_USERNAME")]
    pub username: Option<String>,
    /// The organisation to log into.
    #[arg(long, env = "CRMNF_ORGANISATION")]
    pub organisation: Option<String>,
    /// The unit to log into (the user's default unit when not given).
    #[arg(long, env = "CRMNF_UNIT")]
    pub unit: Option<String>,
    /// A file whose first line is the password (instead of CRMNF_PASSWORD).
    #[arg(long, env = "CRMNF_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Log in with the Web API key held by the environment variable NAME (the variable's name,
    /// never the key itself) instead of a user name and password; --unit still applies.
    #[arg(long, env = "CRMNF_API_KEY_ENV", value_name = "NAME")]
    pub api_key_env: Option<String>,
    /// The release the server runs: R12.0.0, R14.1.0, R14.2.0 or R16.1.0.
    #[arg(long, env = "CRMNF_RELEASE", value_parser = crate::parse_release,
          default_value_t = Release::LATEST)]
    pub release: Release,
    /// Seconds one attempt may take (sending the request and reading the answer).
    #[arg(long, env = "CRMNF_TIMEOUT", default_value_t = 30, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Attempts per call, the first included, where sending again cannot do anything twice.
    #[arg(long, env = "CRMNF_ATTEMPTS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
}

/// The API root for a URL given as the server's root or as the API root.
pub fn api_root(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with(crmcom_netflix_mock::API_PATH) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{}", crmcom_netflix_mock::API_PATH)
    }
}

fn required(value: &Option<String>, flag: &str, variable: &str) -> Result<String, Failure> {
    value
        .clone()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Failure::config(format!("{flag} (or {variable}) is required")))
}

impl Connection {
    fn password(&self) -> Result<String, Failure> {
        if let Some(path) = &self.password_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::config(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
            let line = text.lines().next().unwrap_or_default().to_owned();
            if line.is_empty() {
                return Err(Failure::config(format!(
                    "the password file {} is empty",
                    path.display()
                )));
            }
            return Ok(line);
        }
        match std::env::var("CRMNF_PASSWORD") {
            Ok(p) if !p.is_empty() => Ok(p),
            _ => Err(Failure::config(
                "no password: set CRMNF_PASSWORD or give --password-file (never a flag's value)",
            )),
        }
    }

    /// The Web API key held by the variable `name`. Only the variable's name is ever shown.
    fn api_key(name: &str) -> Result<String, Failure> {
        // A value that is no variable's name may be the key itself, given by mistake: it is not
        // repeated back.
        let is_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let looks_like_a_key =
            name.len() >= 16 && name.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !is_name || looks_like_a_key {
            return Err(Failure::config(
                "--api-key-env takes the name of the environment variable that holds the Web API \
                 key (such as CRMNF_API_KEY), never the key itself",
            ));
        }
        match std::env::var(name) {
            Ok(key) if !key.trim().is_empty() => Ok(key.trim().to_owned()),
            Ok(_) => Err(Failure::config(format!(
                "--api-key-env {name}: the variable {name} is empty"
            ))),
            Err(std::env::VarError::NotPresent) => Err(Failure::config(format!(
                "--api-key-env {name}: the variable {name} is not set"
            ))),
            Err(std::env::VarError::NotUnicode(_)) => Err(Failure::config(format!(
                "--api-key-env {name}: the variable {name} is not valid UTF-8"
            ))),
        }
    }

    /// The credentials: a Web API key when `--api-key-env` is given, else the user's password.
    fn credentials(&self) -> Result<Credentials, Failure> {
        let credentials = match &self.api_key_env {
            Some(name) => Credentials::api_key(Self::api_key(name)?),
            None => {
                let username = required(&self.username, "--username", "CRMNF_USERNAME")?;
                let organisation =
                    required(&self.organisation, "--organisation", "CRMNF_ORGANISATION")?;
                Credentials::password(username, self.password()?, organisation)
            }
        };
        Ok(match &self.unit {
            Some(unit) => credentials.with_unit(unit.clone()),
            None => credentials,
        })
    }

    /// The blocking client these settings describe.
    pub fn client(&self) -> Result<blocking::Client, Failure> {
        let base_url = api_root(&required(&self.base_url, "--base-url", "CRMNF_BASE_URL")?);
        let credentials = self.credentials()?;
        let attempt = Duration::from_secs(self.timeout);
        blocking::Client::builder(base_url, credentials)
            .release(self.release)
            .timeouts(Timeouts {
                connect: attempt.min(Duration::from_secs(10)),
                attempt,
                call: attempt * (self.attempts + 1) + Duration::from_secs(60),
            })
            .retry(RetryPolicy {
                max_attempts: self.attempts,
                ..RetryPolicy::default()
            })
            .build()
            .map_err(|e| failure(&e))
    }
}

/// The exit code and message for an error of the client.
pub fn failure(error: &Error) -> Failure {
    let message = error.to_string();
    let exit = match error {
        Error::InvalidRequest(_) | Error::MalformedResponse { .. } => Exit::DataErr,
        Error::Api { method, error, .. } => {
            let code = error.message.as_deref().unwrap_or(error.code.as_str());
            if matches!(
                method,
                Method::AuthenticationToken | Method::AuthenticationWebApiKeyToken
            ) {
                Exit::NoPerm
            } else if matches!(code, "SERVICE_UNAVAILABLE" | "TOO_MANY_REQUESTS") {
                Exit::Unavailable
            } else if matches!(code, "INVALID_TOKEN" | "TOKEN_EXPIRED") {
                // Refused again after a new login.
                Exit::NoPerm
            } else {
                Exit::ApiError
            }
        }
        Error::HttpStatus { .. } | Error::Transport { .. } | Error::Timeout { .. } => {
            Exit::Unavailable
        }
        Error::JournalLocked { .. } => Exit::TempFail,
        Error::Config(_) => Exit::Config,
        Error::Journal(_) | Error::Billing(_) => Exit::IoErr,
        _ => Exit::IoErr,
    };
    Failure::new(exit, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_root_is_found_from_the_server_root_or_given_as_is() {
        assert_eq!(
            api_root("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/crmapi/rest/v2"
        );
        assert_eq!(
            api_root("http://h/crm/crmapi/rest/v2/"),
            "http://h/crm/crmapi/rest/v2"
        );
        assert_eq!(api_root("https://h/base/"), "https://h/base/crmapi/rest/v2");
    }
}
