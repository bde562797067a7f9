//! `crmnf validate`, `prepare` and `decode`: the core's by-name functions for scripts and
//! debugging.

use std::path::PathBuf;

use clap::Args;
use crmcom_netflix::Release;
use serde_json::Value;

use crate::exit::{Exit, Failure, Outcome};
use crate::input::{core_failure, fields_set, params, read_input};

/// The token `prepare` puts in a request when none is given: the documentation's placeholder.
const TOKEN_PLACEHOLDER: &str = "{{token}}";

/// Parameters of `validate` and `prepare`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The method, as its API path (`netflix/charges/list`).
    pub method: String,
    /// The parameters as JSON (without the token); `-` for standard input.
    pub file: Option<PathBuf>,
    /// A parameter: `key=value` for a string, `key:=JSON` for any JSON value, dots for nested
    /// keys (`customer_address.type=HOME`). Wins over the file.
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// The release the server runs: R12.0.0, R14.1.0, R14.2.0 or R16.1.0.
    #[arg(long, env = "CRMNF_RELEASE", value_parser = crate::parse_release,
          default_value_t = Release::LATEST)]
    pub release: Release,
    /// `fields_set` for a GET method, comma-separated.
    #[arg(long, value_name = "A,B")]
    pub fields_set: Option<String>,
    /// Violations as JSON on standard output (`{"violations": [...]}`).
    #[arg(long)]
    pub json: bool,
}

impl RequestArgs {
    fn params_json(&self) -> Result<String, Failure> {
        let mut params = params(read_input(self.file.as_deref())?, &self.params)?;
        if let (Some(list), Value::Object(map)) = (&self.fields_set, &mut params) {
            map.insert("fields_set".into(), Value::String(list.clone()));
        }
        Ok(params.to_string())
    }
}

/// `crmnf validate`: exit 0 when the parameters are valid for the method and release.
pub fn validate(args: &RequestArgs) -> Outcome {
    let params = args.params_json()?;
    match crmcom_netflix::validate_json(&args.method, &params, Some(args.release.as_str())) {
        Ok(()) => {
            if args.json {
                crate::out!("{}", serde_json::json!({"violations": []}));
            } else {
                eprintln!("valid: {} for {}", args.method, args.release);
            }
            Ok(Exit::Ok)
        }
        Err(e) => Err(core_failure(&e, args.json)),
    }
}

/// Parameters of `prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub request: RequestArgs,
    /// The environment variable holding the token to put in the request; the placeholder
    /// `{{token}}` when not given.
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
}

/// `crmnf prepare`: the request as the core prepares it, `{"verb", "path", "query", "body"}`.
pub fn prepare(args: &PrepareArgs) -> Outcome {
    let params = args.request.params_json()?;
    let token = match &args.token_env {
        Some(name) => std::env::var(name)
            .map_err(|_| Failure::config(format!("--token-env {name}: the variable is not set")))?,
        None => TOKEN_PLACEHOLDER.to_owned(),
    };
    match crmcom_netflix::prepare_json(
        &args.request.method,
        &params,
        Some(&token),
        Some(args.request.release.as_str()),
    ) {
        Ok(prepared) => {
            crate::out!(
                "{}",
                serde_json::to_string_pretty(&prepared.to_json()).unwrap_or_default()
            );
            Ok(Exit::Ok)
        }
        Err(e) => Err(core_failure(&e, args.request.json)),
    }
}

/// Parameters of `decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The method whose response this is (`netflix/charges/list`).
    pub method: String,
    /// The response body; `-` (or nothing) for standard input.
    pub file: Option<PathBuf>,
    /// The `fields_set` that was sent, comma-separated.
    #[arg(long, value_name = "A,B")]
    pub fields_set: Option<String>,
    /// Errors as JSON on standard output too.
    #[arg(long)]
    pub json: bool,
}

/// `crmnf decode`: the normalized `data` of a response, or its API error (exit 1), or where it
/// is malformed (exit 65).
pub fn decode(args: &DecodeArgs) -> Outcome {
    let body = read_input(args.file.as_deref())?.ok_or_else(|| {
        Failure::usage("decode: give the response body as FILE, or - for standard input")
    })?;
    let fields = fields_set(args.fields_set.as_deref());
    match crmcom_netflix::decode_json(&args.method, &body, fields.as_deref()) {
        Ok(data) => {
            crate::out!(
                "{}",
                serde_json::to_string_pretty(&data).unwrap_or_default()
            );
            Ok(Exit::Ok)
        }
        Err(e) => Err(core_failure(&e, args.json)),
    }
}
