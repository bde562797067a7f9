//! `crmnf`: the command line of the CRM.COM netflix SDK. See `docs/cli.md`.

#![forbid(unsafe_code)]

mod call;
mod connect;
mod exit;
mod input;
mod journal;
mod mock;
mod summary;
mod sync;
mod tools;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use crmcom_netflix::Release;

use exit::{Exit, Failure};

const AFTER_HELP: &str = "\
Settings come from the flag, then the CRMNF_* environment variable named in each command's help,
then the default. Secrets never come from a flag's value.

Exit codes: 0 done; 1 the server answered with an API error; 3 a sync run completed with charges
left or acknowledgements failed; 64 usage; 65 invalid data; 69 server unavailable after retries;
74 journal or billing file I/O; 75 journal locked by another job; 77 login refused;
78 configuration.

Examples:
  CRMNF_PASSWORD=secret crmnf sync --base-url http://127.0.0.1:8080 --username billing \
      --organisation NETFLIXOP --journal nightly.sqlite --out bills
  crmnf journal status nightly.sqlite
  crmnf mock --port 0 --charges 200 --seed 7
  crmnf validate netflix/charges/list --param number_of_results:=51 --param offset:=0
  crmnf decode netflix/charges/list response.json --fields-set number,amount,currency";

/// The command line of the CRM.COM netflix SDK: the nightly billing job, journal reports,
/// one-off calls, request tools and a mock CRM.COM server.
#[derive(Debug, Parser)]
#[command(name = "crmnf", version, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the nightly billing job: bill approved charges into one file per run, record the
    /// rest, acknowledge, and print the report.
    #[command(after_help = "\
The password comes from CRMNF_PASSWORD or --password-file, never from a flag's value; with
--api-key-env NAME the job logs in with the Web API key held by the variable NAME instead (no user
name, organisation or password then). Every step
is saved in the journal before it is acted on: a job killed at any point resumes at its next start
without losing a charge or billing one twice. The billing file of a run (DIR/run-000001.csv, ...)
holds its approved charges, written once the run has ended.

Exit codes: 0 the run is complete; 3 complete, with charges left on the server or acknowledgements
that failed (both come back next run); 65 invalid data from the server; 69 server unavailable after
retries; 74 journal or billing file I/O; 75 journal locked by another job; 77 login refused;
78 configuration.

Examples:
  export CRMNF_PASSWORD=secret
  crmnf sync --base-url https://crm.example.com --username billing --organisation NETFLIXOP \\
      --journal /var/lib/billing/netflix.sqlite --out /var/lib/billing/netflix
  crmnf sync --base-url http://127.0.0.1:8080 --username billing --organisation NETFLIXOP \\
      --journal nightly.sqlite --out bills --format jsonl --json
  CRM_KEY=\"$(cat /etc/billing/crm.key)\" crmnf sync --base-url https://crm.example.com \\
      --api-key-env CRM_KEY --journal /var/lib/billing/netflix.sqlite --out /var/lib/billing/netflix")]
    Sync(sync::SyncArgs),
    /// Read the journal of the nightly job (read-only, also while a job runs).
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Call one method of the API (logged in) and print its decoded result as JSON.
    #[command(after_help = "\
The parameters are a JSON file (or - for standard input) and --param pairs. The request is
checked before anything is sent (exit 65 with the violations). An API error answered by the
server exits 1.

Examples:
  export CRMNF_BASE_URL=http://127.0.0.1:8080 CRMNF_USERNAME=billing \\
      CRMNF_ORGANISATION=NETFLIXOP CRMNF_PASSWORD=secret
  crmnf call netflix/promotions/list
  crmnf call netflix/subscriptions/suspend --param billing_system_customer_identifier=pci00001
  crmnf call netflix/subscriptions/create subscriber.json
  crmnf call netflix/charges/list -p number_of_results:=5 -p offset:=0 -p charge_status=PROCESSED")]
    Call(call::CallArgs),
    /// Check request parameters against every rule of the API for a release.
    #[command(after_help = "\
Prints nothing on standard output when the parameters are valid (exit 0); otherwise one line per
violation on standard error, `path: code: message` (exit 65), or with --json
{\"violations\": [{\"path\", \"code\", \"message\"}]} on standard output.

Examples:
  crmnf validate netflix/subscriptions/create params.json
  echo '{\"number_of_results\": 51, \"offset\": 0}' | crmnf validate netflix/charges/list -
  crmnf validate netflix/charges/list -p number_of_results:=50 -p offset:=0 -p charge_status=PROCESSED --release R14.1.0")]
    Validate(tools::RequestArgs),
    /// Prepare a request as the SDK would send it: verb, path, query, body (JSON).
    #[command(after_help = "\
The token is the placeholder {{token}} unless --token-env names a variable that holds one.

Examples:
  crmnf prepare netflix/charges/list -p number_of_results:=50 -p offset:=0 -p charge_status=PROCESSED
  crmnf prepare netflix/subscriptions/suspend -p billing_system_customer_identifier=pci123 --token-env CRMNF_TOKEN")]
    Prepare(tools::PrepareArgs),
    /// Decode a response body of a method: its normalized data, its API error, or where it is malformed.
    #[command(after_help = "\
Prints the normalized data (dates canonical, amounts as sent, unknown fields kept) as JSON.
A body with a status other than OK is an API error (exit 1); a body without the documented
shape names the path of the offending value (exit 65).

Examples:
  crmnf decode netflix/charges/list response.json
  curl -s \"$URL\" | crmnf decode netflix/charges/list - --fields-set number,amount,currency")]
    Decode(tools::DecodeArgs),
    /// Run a stateful mock of CRM.COM over HTTP, with generated data, faults and an admin API.
    #[command(after_help = "\
The first line on standard output is the base URL (http://127.0.0.1:PORT); the API is under
/crmapi/rest/v2/<method>, the admin API under /_mock/ (see docs/mock.md). SIGTERM or SIGINT stops
it cleanly.

Faults: http_status (status=, retry_after=), api_error (code=), latency (ms=), connection_reset,
truncated_body, malformed_body, failed_charge (code=, items=), shift_page (by=), reorder_page,
slip_charge, drop_response; each with after=, count=, rate=, seed=.

Examples:
  crmnf mock --port 0
  crmnf mock --port 8080 --customers 500 --charges 2000 --seed 7 --state mock-state.json
  crmnf mock --fixtures fixtures.json --user ops:pw:ORG --release R14.1.0
  crmnf mock --fault netflix/charges/acknowledge:drop_response:after=1 --fault '*:http_status:status=503,rate=0.05,seed=3'")]
    Mock(mock::MockArgs),
}

/// Parses a release name for clap, listing the releases on error.
pub(crate) fn parse_release(text: &str) -> Result<Release, String> {
    Release::from_name(text).ok_or_else(|| {
        format!(
            "unknown release `{text}`; the releases are {}",
            Release::ALL.map(Release::as_str).join(", ")
        )
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    let outcome = match &cli.command {
        Command::Sync(args) => sync::run(args),
        Command::Journal(journal::JournalCommand::Status(args)) => journal::status(args),
        Command::Journal(journal::JournalCommand::Report(args)) => journal::report(args),
        Command::Call(args) => call::run(args),
        Command::Validate(args) => tools::validate(args),
        Command::Prepare(args) => tools::prepare(args),
        Command::Decode(args) => tools::decode(args),
        Command::Mock(args) => mock::run(args),
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(Failure { exit, message }) => {
            eprintln!("crmnf: {message}");
            exit.into()
        }
    }
}
