//! `crmnf journal status` and `crmnf journal report`: the morning check of the nightly job's
//! journal, read-only (it works while a job runs and changes nothing).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use crmcom_netflix::ChargeSync;
use crmcom_netflix_client::Journal;
use serde_json::{json, Value};

use crate::connect::failure;
use crate::exit::{Exit, Failure, Outcome};
use crate::summary::{counts_text, totals_text, Tally};

/// `crmnf journal ...`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Where the job stands: the run, whether it completed, what is pending.
    Status(StatusArgs),
    /// The charges a run took: billed with totals per currency, recorded by status.
    Report(ReportArgs),
}

/// Parameters of `crmnf journal status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The journal.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parameters of `crmnf journal report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The journal.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The run (the last one by default).
    #[arg(long, value_name = "N")]
    pub run: Option<u64>,
    /// As JSON, with every charge.
    #[arg(long)]
    pub json: bool,
}

fn open(file: &PathBuf) -> Result<Journal, Failure> {
    Journal::open_read_only(file).map_err(|e| {
        let mut f = failure(&e);
        // A journal that is not there is a wrong path, not an I/O failure.
        if !file.exists() {
            f.exit = Exit::Config;
        }
        f
    })
}

/// `crmnf journal status FILE`.
pub fn status(args: &StatusArgs) -> Outcome {
    let journal = open(&args.file)?;
    let saved = journal.saved_state().map_err(|e| failure(&e))?;
    let runs = journal.runs().map_err(|e| failure(&e))?;
    let handed = journal.handed_not_taken().map_err(|e| failure(&e))?;
    let updated = journal.updated_at().map_err(|e| failure(&e))?;
    let (run, complete, report) = match saved {
        None => (0, false, Value::Null),
        Some((state, complete)) => {
            let run = state.run();
            let report = ChargeSync::from_state(state)
                .map(|s| serde_json::to_value(s.report()).unwrap_or(Value::Null))
                .map_err(|e| {
                    Failure::data(format!("{}: the saved state: {e}", args.file.display()))
                })?;
            (run, complete, report)
        }
    };
    let taken: u64 = runs.iter().map(|(_, n)| n).sum();
    let status = json!({
        "journal": args.file.display().to_string(),
        "run": run,
        "run_complete": complete,
        "updated_at": updated,
        "charges_taken": taken,
        "runs": runs.iter().map(|(r, n)| json!({"run": r, "charges_taken": n})).collect::<Vec<_>>(),
        "handed_over_not_taken": handed,
        "current_run": report,
    });
    if args.json {
        crate::out!(
            "{}",
            serde_json::to_string_pretty(&status).unwrap_or_default()
        );
    } else if run == 0 {
        crate::out!("{}: no run yet", args.file.display());
    } else {
        let r = &status["current_run"];
        let failed = r["failed"].as_array().map_or(0, Vec::len);
        crate::out!(
            "{}: run {run} {} (last step {})",
            args.file.display(),
            if complete {
                "complete"
            } else {
                "not complete: the next sync resumes it"
            },
            updated.as_deref().unwrap_or("unknown")
        );
        crate::out!(
            "  this run: {} pages, {} charges handed over, {} acknowledged, {} billable taken",
            r["pages"],
            r["handed_over"],
            r["acknowledged"],
            r["billable_confirmed"]
        );
        crate::out!(
            "  failed acknowledgements: {failed}; handed over and not taken: {handed}; {} charges taken in {} run{}",
            taken,
            runs.len(),
            crate::input::plural(runs.len())
        );
    }
    Ok(Exit::Ok)
}

/// `crmnf journal report FILE [--run N]`.
pub fn report(args: &ReportArgs) -> Outcome {
    let journal = open(&args.file)?;
    let runs = journal.runs().map_err(|e| failure(&e))?;
    let saved_run = journal
        .saved_state()
        .map_err(|e| failure(&e))?
        .map_or(0, |(s, _)| s.run());
    let run = args
        .run
        .unwrap_or_else(|| runs.last().map_or(saved_run, |(r, _)| *r).max(saved_run));
    if run == 0 || (run > saved_run && !runs.iter().any(|(r, _)| *r == run)) {
        return Err(Failure::usage(format!(
            "{}: no run {run}; the journal has runs 1 to {saved_run}",
            args.file.display()
        )));
    }
    let entries = journal.charges(run).map_err(|e| failure(&e))?;
    let mut tally = Tally::default();
    for e in &entries {
        tally.add(&e.charge);
    }
    if args.json {
        let charges: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "number": e.charge.number(),
                    "billing_system_customer_identifier": e.charge.billing_system_customer_identifier.as_str(),
                    "charge_status": e.charge.charge_status.as_str(),
                    "amount": e.charge.amount.to_string(),
                    "currency": e.charge.currency.code(),
                    "billed": e.charge.billable(),
                    "reference_number": e.reference_number,
                })
            })
            .collect();
        let out = json!({
            "run": run,
            "billed": {"charges": tally.billed, "totals": tally.totals()},
            "recorded": tally.recorded(),
            "charges": charges,
        });
        crate::out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(Exit::Ok);
    }
    let totals = totals_text(&tally.totals());
    crate::out!("run {run}: {} charges taken", entries.len());
    crate::out!(
        "  billed: {}{}",
        tally.billed,
        if totals.is_empty() {
            String::new()
        } else {
            format!(" ({totals})")
        }
    );
    crate::out!("  recorded, not billed: {}", counts_text(&tally.recorded()));
    for e in &entries {
        let c = &e.charge;
        crate::out!(
            "  {} {} {} {} {}",
            c.number(),
            c.billing_system_customer_identifier,
            c.charge_status.as_str(),
            c.amount,
            c.currency.code()
        );
    }
    Ok(Exit::Ok)
}
