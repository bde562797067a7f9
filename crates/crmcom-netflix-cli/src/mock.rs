//! `crmnf mock`: the stateful mock of CRM.COM over HTTP, until SIGTERM or SIGINT.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use crmcom_netflix::Release;
use crmcom_netflix_mock::{
    Clock, FaultRule, Fixtures, MockConfig, MockError, MockServer, Population,
};
use crmcom_netflix_sim::User;

use crate::exit::{Exit, Failure, Outcome};

/// Parameters of `crmnf mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The release the server runs: R12.0.0, R14.1.0, R14.2.0 or R16.1.0.
    #[arg(long, env = "CRMNF_RELEASE", value_parser = crate::parse_release,
          default_value_t = Release::LATEST)]
    pub release: Release,
    /// The address to listen on.
    #[arg(long, env = "CRMNF_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The port; 0 picks a free one. The first line on standard output is the base URL.
    #[arg(long, env = "CRMNF_MOCK_PORT", default_value_t = 0)]
    pub port: u16,
    /// A user who can log in, USERNAME:PASSWORD:ORGANISATION (repeatable). Without any, the
    /// user billing:secret:NETFLIXOP.
    #[arg(long = "user", value_name = "USERNAME:PASSWORD:ORGANISATION", value_parser = parse_user)]
    pub users: Vec<User>,
    /// The seed of the generated data.
    #[arg(long, env = "CRMNF_MOCK_SEED")]
    pub seed: Option<u64>,
    /// Charges to generate (30 by default, none with --fixtures alone).
    #[arg(long, env = "CRMNF_MOCK_CHARGES")]
    pub charges: Option<u32>,
    /// Customers to generate, each with a subscription (10 by default, or a quarter of
    /// --charges when that is more).
    #[arg(long, env = "CRMNF_MOCK_CUSTOMERS")]
    pub customers: Option<u32>,
    /// Data to load (JSON: users, promotions, prices, subscriptions, charges).
    #[arg(long, env = "CRMNF_MOCK_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// The state file: loaded at start when it exists (the data options are then ignored),
    /// saved atomically after every call that changes something.
    #[arg(long, env = "CRMNF_MOCK_STATE", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// A fault rule, METHOD:FAULT[:key=value,...] (repeatable), such as
    /// netflix/charges/acknowledge:drop_response:after=2 or *:http_status:status=503,rate=0.05,seed=7.
    #[arg(long = "fault", value_name = "RULE", value_parser = parse_fault)]
    pub faults: Vec<FaultRule>,
    /// Fault rules from a JSON file (an array of rules, or {"faults": [...]}).
    #[arg(long, env = "CRMNF_MOCK_FAULTS", value_name = "FILE")]
    pub faults_file: Option<PathBuf>,
    /// The server's time at start (yyyy-MM-ddTHH:mm:ss, UTC); the system clock by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub clock: Option<i64>,
    /// Keep the clock still; it moves only with POST /_mock/clock/advance.
    #[arg(long)]
    pub freeze_clock: bool,
    /// How many requests GET /_mock/requests keeps.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub request_log: usize,
}

fn parse_user(text: &str) -> Result<User, String> {
    // The organisation and the user name have no colon; the password may.
    let (username, rest) = text.split_once(':').ok_or_else(usage_user)?;
    let (password, organisation) = rest.rsplit_once(':').ok_or_else(usage_user)?;
    if username.is_empty() || password.is_empty() || organisation.is_empty() {
        return Err(usage_user());
    }
    Ok(User::new(username, password, organisation))
}

fn usage_user() -> String {
    "expected USERNAME:PASSWORD:ORGANISATION, each part not empty".into()
}

fn parse_fault(text: &str) -> Result<FaultRule, String> {
    FaultRule::parse(text)
}

fn parse_date(text: &str) -> Result<i64, String> {
    crmcom_netflix_sim::epoch_seconds(text)
        .ok_or_else(|| format!("`{text}` is not a date of the form yyyy-MM-ddTHH:mm:ss"))
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::config(format!("cannot read the {what} {}: {e}", path.display())))
}

impl MockArgs {
    /// The server's configuration.
    pub fn config(&self) -> Result<MockConfig, Failure> {
        let fixtures = match &self.fixtures {
            Some(p) => Some(
                Fixtures::from_json(&read(p, "fixtures file")?)
                    .map_err(|e| Failure::data(format!("{}: {e}", p.display())))?,
            ),
            None => None,
        };
        let generate = self.charges.is_some() || self.customers.is_some() || self.seed.is_some();
        let population = (generate || fixtures.is_none()).then(|| {
            let defaults = Population::default();
            let charges = self.charges.unwrap_or(defaults.charges);
            Population {
                seed: self.seed.unwrap_or(defaults.seed),
                charges,
                customers: self
                    .customers
                    .unwrap_or_else(|| defaults.customers.max(charges.div_ceil(4))),
            }
        });
        let mut faults = Vec::new();
        if let Some(p) = &self.faults_file {
            let value: serde_json::Value = serde_json::from_slice(&read(p, "faults file")?)
                .map_err(|e| Failure::data(format!("{}: not JSON: {e}", p.display())))?;
            let rules = match &value {
                serde_json::Value::Array(items) => items.clone(),
                serde_json::Value::Object(m) if m.contains_key("faults") => m["faults"]
                    .as_array()
                    .cloned()
                    .ok_or_else(|| Failure::data(format!("{}: faults: an array", p.display())))?,
                _ => {
                    return Err(Failure::data(format!(
                        "{}: an array of fault rules, or {{\"faults\": [...]}}",
                        p.display()
                    )))
                }
            };
            for (i, r) in rules.iter().enumerate() {
                faults.push(
                    FaultRule::from_json(r, &format!("faults[{i}]"))
                        .map_err(|e| Failure::data(format!("{}: {e}", p.display())))?,
                );
            }
        }
        faults.extend(self.faults.iter().cloned());
        let clock = match (self.clock, self.freeze_clock) {
            (Some(at), true) => Clock::frozen_at(at),
            (None, true) => Clock::frozen_at(Clock::system().now()),
            (Some(at), false) => Clock::starting_at(at),
            (None, false) => Clock::system(),
        };
        Ok(MockConfig {
            release: self.release,
            users: self.users.clone(),
            population,
            fixtures,
            state_file: self.state.clone(),
            faults,
            host: self.host,
            port: self.port,
            clock,
            request_log_size: self.request_log,
        })
    }
}

/// Runs the server until SIGTERM or SIGINT.
pub fn run(args: &MockArgs) -> Outcome {
    let config = args.config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::config(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| Failure::config(format!("cannot watch for SIGTERM: {e}")))?;
        let server = MockServer::start(config.clone()).await.map_err(|e| match e {
            MockError::Data(m) => Failure::data(m),
            MockError::Io(m) => Failure::config(m),
        })?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", server.base_url());
        let _ = out.flush();
        drop(out);
        let (charges, users) = server.with_sim(|sim| {
            let names: Vec<String> = sim.users().iter().map(|u| u.username.clone()).collect();
            (sim.charges().count(), names.join(", "))
        });
        eprintln!(
            "crmnf mock: {} serving {} at {}{} ({charges} charges; users: {users}); admin API at {}/_mock/{}",
            env!("CARGO_PKG_VERSION"),
            config.release,
            server.base_url(),
            crmcom_netflix_mock::API_PATH,
            server.base_url(),
            config
                .state_file
                .as_ref()
                .map(|p| format!("; state in {}", p.display()))
                .unwrap_or_default()
        );
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        server.shutdown().await;
        eprintln!("crmnf mock: stopped");
        Ok(Exit::Ok)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_three_parts_and_the_password_may_hold_a_colon() {
        let u = parse_user("ops:pa:ss:ORG").unwrap();
        assert_eq!(
            (
                u.username.as_str(),
                u.password.as_str(),
                u.organisation.as_str()
            ),
            ("ops", "pa:ss", "ORG")
        );
        assert!(parse_user("ops:ORG").is_err());
        assert!(parse_user("ops::ORG").is_err());
    }
}
