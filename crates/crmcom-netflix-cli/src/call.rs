//! `crmnf call`: one method against a server, logged in; the decoded result as JSON.

use std::path::PathBuf;

use clap::Args;

use crate::connect::{failure, Connection};
use crate::exit::{Exit, Outcome};
use crate::input::{core_failure, params, read_input};

/// Parameters of `crmnf call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The method, as its API path (`netflix/subscriptions/suspend`).
    pub method: String,
    /// The parameters as JSON (without the token); `-` for standard input.
    pub file: Option<PathBuf>,
    /// A parameter: `key=value` for a string, `key:=JSON` for any JSON value, dots for nested
    /// keys. Wins over the file.
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub connection: Connection,
}

/// `crmnf call`: prints the normalized `data` of the answer.
pub fn run(args: &CallArgs) -> Outcome {
    let params = params(read_input(args.file.as_deref())?, &args.params)?;
    // Checked before logging in: a request that breaks a rule is never sent. (The login
    // method takes the configured credentials, not parameters.)
    let login = args.method == crmcom_netflix::Method::AuthenticationToken.name();
    if let Err(e) = crmcom_netflix::validate_json(
        &args.method,
        &params.to_string(),
        Some(args.connection.release.as_str()),
    )
    .or_else(|e| if login { Ok(()) } else { Err(e) })
    {
        return Err(core_failure(&e, false));
    }
    let client = args.connection.client()?;
    let result = client.call_json(&args.method, &params);
    let _ = client.logout();
    match result {
        Ok(data) => {
            crate::out!(
                "{}",
                serde_json::to_string_pretty(&data).unwrap_or_default()
            );
            Ok(Exit::Ok)
        }
        Err(crmcom_netflix_client::Error::InvalidRequest(v)) => {
            Err(crate::input::report_violations(&v, false))
        }
        Err(e) => Err(failure(&e)),
    }
}
