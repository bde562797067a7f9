//! `crmnf sync`: the nightly billing job with the Rust client and the journal. The approved
//! charges of each run go into one billing file in `--out` (written when the run ends, from the
//! journal, atomically), the others are recorded; everything taken is acknowledged.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crmcom_netflix::{Charge, SyncOptions, SyncReport, MAX_ACKNOWLEDGE_AFTER_PAGES};
use crmcom_netflix_client::{
    BoxError, ChargeToBill, Journal, LedgerEntry, RunExport, Start, SyncOutcome, Taken,
};
use serde_json::{json, Value};

use crate::connect::{failure, Connection};
use crate::exit::{Exit, Failure, Outcome};
use crate::summary::{counts_text, totals_text, Tally};

/// The billing file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated, with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// Parameters of `crmnf sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The journal (SQLite): created on the first run, then resumed or continued.
    #[arg(long, env = "CRMNF_JOURNAL", value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The folder of the billing files, one per run (run-000001.csv, ...).
    #[arg(long, env = "CRMNF_OUT", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The billing files' format.
    #[arg(long, env = "CRMNF_FORMAT", value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Charges per page, 1 to 50 (a new journal only; a journal keeps its own).
    #[arg(long, env = "CRMNF_PAGE_SIZE", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub page_size: u32,
    /// Pages listed before their charges are acknowledged, 1 to 100 (a new journal only): the
    /// journal writes to disk once per group of pages, before its acknowledgements go out.
    #[arg(long, env = "CRMNF_ACKNOWLEDGE_AFTER_PAGES", value_name = "PAGES",
          default_value_t = DEFAULT_ACKNOWLEDGE_AFTER_PAGES,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ACKNOWLEDGE_AFTER_PAGES)))]
    pub acknowledge_after_pages: u32,
    /// The report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Pages per group of acknowledgements by default: one write to disk per 50 pages (2,500
/// charges, whose keys the state holds until they are acknowledged), and the next page sent
/// while one is billed for all but the last page of a group.
const DEFAULT_ACKNOWLEDGE_AFTER_PAGES: u32 = 50;

/// The fields of one line of a billing file, in [`COLUMNS`] order (`None`: no value).
fn bill_fields(entry: &LedgerEntry) -> [Option<String>; 12] {
    let c = &entry.charge;
    [
        Some(c.number().to_owned()),
        Some(c.billing_system_customer_identifier.to_string()),
        Some(c.amount.to_string()),
        Some(c.currency.code().to_owned()),
        c.amount.minor_units().map(|m| m.to_string()),
        c.local_currency_amount.map(|a| a.to_string()),
        c.local_currency.as_ref().map(|x| x.code().to_owned()),
        Some(c.paid_through_date.to_string()),
        Some(c.received_on.to_string()),
        c.set_as_approved_on.map(|d| d.to_string()),
        entry.reference_number.clone(),
        Some(entry.run.to_string()),
    ]
}

const COLUMNS: [&str; 12] = [
    "number",
    "billing_system_customer_identifier",
    "amount",
    "currency",
    "amount_minor_units",
    "local_currency_amount",
    "local_currency",
    "paid_through_date",
    "received_on",
    "set_as_approved_on",
    "reference_number",
    "run",
];

/// The columns written as JSON numbers in a JSON-lines file (the others are strings).
const NUMBER_COLUMNS: [&str; 2] = ["amount_minor_units", "run"];

/// A CSV field. RFC 4180: quoted when it holds a separator, a quote or a line break; never
/// altered (a billing file carries the server's values as they are).
fn csv_field(v: Option<&str>) -> std::borrow::Cow<'_, str> {
    let text = v.unwrap_or("");
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// Writes the header of a billing file (CSV only).
fn write_header(w: &mut dyn Write, format: Format) -> std::io::Result<()> {
    if format == Format::Csv {
        w.write_all(COLUMNS.join(",").as_bytes())?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one charge of a billing file.
fn write_bill(w: &mut dyn Write, entry: &LedgerEntry, format: Format) -> std::io::Result<()> {
    let fields = bill_fields(entry);
    match format {
        Format::Csv => {
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(csv_field(f.as_deref()).as_bytes())?;
            }
        }
        Format::Jsonl => {
            w.write_all(b"{")?;
            for (i, (k, f)) in COLUMNS.iter().zip(&fields).enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *w, k)?;
                w.write_all(b":")?;
                match f {
                    None => w.write_all(b"null")?,
                    Some(n) if NUMBER_COLUMNS.contains(k) => w.write_all(n.as_bytes())?,
                    Some(text) => serde_json::to_writer(&mut *w, text)?,
                }
            }
            w.write_all(b"}")?;
        }
    }
    w.write_all(b"\n")
}

/// Writes a billing file atomically (a reader sees the old file or the new one), through a
/// temporary file beside it, as the mock writes its state.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    crmcom_netflix_mock::write_atomically_with(path, &path.with_file_name(name), write)
}

/// The file of run `run` in `out`.
pub fn run_file(out: &Path, run: u64, format: Format) -> PathBuf {
    out.join(format!("run-{run:06}.{}", format.extension()))
}

/// The billing system of the command line: it takes every charge it is handed (the journal
/// records it), and at the end of a run writes the run's billing file from the journal.
struct FileBilling {
    out: PathBuf,
    format: Format,
    progress: Progress,
    written: Option<PathBuf>,
    /// The charges of the run's export, counted as they are written.
    tally: Tally,
}

impl crmcom_netflix_client::Billing for FileBilling {
    fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError> {
        self.progress.page(charges.len());
        Ok(charges.iter().map(|c| Taken::new(c.number())).collect())
    }

    fn export(&mut self, run: &RunExport<'_>) -> Result<(), BoxError> {
        self.progress.done();
        let path = run_file(&self.out, run.run(), self.format);
        let format = self.format;
        let mut tally = Tally::default();
        let mut failure: Option<BoxError> = None;
        // The billing file has the run's approved, priced charges, in the order taken, written
        // as they are read from the journal.
        let written = write_atomically(&path, |w| {
            write_header(w, format)?;
            // The journal reads and checks the charges on a thread of its own while this one
            // writes them: the two halves of the export take about as long.
            // The charges go across in batches: one hand-over between the threads per batch,
            // not per charge.
            const BATCH: usize = 256;
            std::thread::scope(|scope| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Vec<LedgerEntry>>(4);
                let reader = scope.spawn(move || {
                    let gone = |_| -> BoxError { "the billing file is not being written".into() };
                    let mut batch = Vec::with_capacity(BATCH);
                    run.for_each_charge(|entry| {
                        batch.push(entry);
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            send.send(full).map_err(gone)?;
                        }
                        Ok(())
                    })?;
                    if !batch.is_empty() {
                        send.send(batch).map_err(gone)?;
                    }
                    Ok(())
                });
                let mut wrote = Ok(());
                'written: for batch in receive {
                    for entry in batch {
                        tally.add(&entry.charge);
                        if entry.charge.billable() {
                            // On a failure the reader stops at its next batch.
                            if let Err(e) = write_bill(w, &entry, format) {
                                wrote = Err(e);
                                break 'written;
                            }
                        }
                    }
                }
                let read = reader
                    .join()
                    .unwrap_or_else(|_| Err("the journal's reader stopped unexpectedly".into()));
                wrote?;
                read.map_err(|e| {
                    failure = Some(e);
                    std::io::Error::other("reading the journal")
                })
            })
        });
        if let Some(e) = failure {
            return Err(e);
        }
        written.map_err(|e| format!("cannot write the billing file {}: {e}", path.display()))?;
        self.tally = tally;
        self.written = Some(path);
        Ok(())
    }

    fn bills_from_journal(&self) -> bool {
        true
    }
}

/// Progress on standard error: a line rewritten in place on a terminal, a plain line every 20
/// pages otherwise (a cron job's log).
struct Progress {
    terminal: bool,
    pages: u64,
    charges: u64,
    shown: bool,
}

impl Progress {
    fn page(&mut self, charges: usize) {
        self.pages += 1;
        self.charges += charges as u64;
        if self.terminal {
            eprint!("\r  {} charges taken in {} pages", self.charges, self.pages);
            self.shown = true;
        } else if self.pages.is_multiple_of(20) {
            eprintln!(
                "crmnf sync: {} charges taken in {} pages",
                self.charges, self.pages
            );
        }
    }

    fn done(&mut self) {
        if self.shown {
            eprintln!();
            self.shown = false;
        }
    }
}

fn why_left(c: &Charge) -> &'static str {
    match &c.charge_status {
        crmcom_netflix::ChargeStatus::Pending => "pending: not processed yet",
        s if !s.is_known() => "a status this version does not know",
        _ if !c.amount.is_priced() || !c.currency.is_known() => {
            "approved with an amount that cannot be priced (unknown currency)"
        }
        _ => "not taken",
    }
}

/// The report of a run, as JSON (`--json`) and the source of the text form; `tally` counts the
/// charges of the run's export.
fn report_json(outcome: &SyncOutcome, tally: &Tally, file: Option<&Path>) -> Value {
    let summary = &outcome.summary;
    let r: &SyncReport = &summary.report;
    let left: Vec<Value> = outcome
        .left
        .iter()
        .map(|c| {
            json!({
                "number": c.number(),
                "charge_status": c.charge_status.as_str(),
                "why": why_left(c),
            })
        })
        .collect();
    json!({
        "run": summary.run,
        "start": match outcome.start { Start::New => "new", Start::NextRun => "next_run", Start::Resumed => "resumed" },
        "finished": r.finished,
        "pages": r.pages,
        "received": r.listed,
        "handed_over": r.handed_over,
        "redelivered": r.redelivered,
        "billed": {
            "charges": tally.billed,
            "totals": tally.totals(),
        },
        "recorded": tally.recorded(),
        "acknowledged": r.acknowledged,
        "acknowledge_requests": r.acknowledge_requests,
        "left_on_server": left,
        "unconfirmed": r.unconfirmed,
        "failed_acknowledgements": r.failed.iter().map(|f| json!({
            "number": f.number,
            "billing_system_customer_identifier": f.billing_system_customer_identifier,
            "error_code": f.error_code,
            "error_description": f.error_description,
            "attempts": f.attempts,
        })).collect::<Vec<_>>(),
        "page_limit_reached": r.page_limit_reached,
        "billing_file": file.map(|p| p.display().to_string()),
    })
}

fn print_text(report: &Value) {
    let mut out = String::new();
    let n = |k: &str| report[k].as_u64().unwrap_or(0);
    out.push_str(&format!(
        "run {} {}: {} pages, {} charges received ({} handed over, {} again after an interruption)\n",
        n("run"),
        if report["finished"] == json!(true) { "complete" } else { "not finished" },
        n("pages"),
        n("received"),
        n("handed_over"),
        n("redelivered"),
    ));
    let billed = &report["billed"];
    let totals = totals_text(&billed["totals"]);
    out.push_str(&format!(
        "billed: {} charges{}\n",
        billed["charges"].as_u64().unwrap_or(0),
        if totals.is_empty() {
            String::new()
        } else {
            format!(", {totals}")
        }
    ));
    out.push_str(&format!(
        "recorded, not billed: {}\n",
        counts_text(&report["recorded"])
    ));
    out.push_str(&format!(
        "acknowledged: {} in {} requests\n",
        n("acknowledged"),
        n("acknowledge_requests")
    ));
    let left = report["left_on_server"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut why: BTreeMap<String, u64> = BTreeMap::new();
    for l in &left {
        *why.entry(l["why"].as_str().unwrap_or("").to_owned())
            .or_insert(0) += 1;
    }
    if left.is_empty() {
        out.push_str("left on the server: none\n");
    } else {
        let reasons: Vec<String> = why.iter().map(|(k, v)| format!("{v} {k}")).collect();
        out.push_str(&format!(
            "left on the server: {} ({})\n",
            left.len(),
            reasons.join("; ")
        ));
    }
    let failed = report["failed_acknowledgements"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if failed.is_empty() {
        out.push_str("failed acknowledgements: none\n");
    } else {
        out.push_str(&format!(
            "failed acknowledgements: {} (retried first in the next run)\n",
            failed.len()
        ));
        for f in &failed {
            out.push_str(&format!(
                "  {} {}: {} after {} attempts\n",
                f["number"].as_str().unwrap_or(""),
                f["billing_system_customer_identifier"]
                    .as_str()
                    .unwrap_or(""),
                f["error_code"].as_str().unwrap_or(""),
                f["attempts"]
            ));
        }
    }
    if report["page_limit_reached"] == json!(true) {
        out.push_str("the page limit of a run was reached: the next run goes on\n");
    }
    if let Some(file) = report["billing_file"].as_str() {
        out.push_str(&format!("billing file: {file}\n"));
    }
    crate::exit::emit(&out);
}

/// `crmnf sync`.
pub fn run(args: &SyncArgs) -> Outcome {
    let journal_path = args
        .journal
        .clone()
        .ok_or_else(|| Failure::config("--journal (or CRMNF_JOURNAL) is required"))?;
    let out = args
        .out
        .clone()
        .ok_or_else(|| Failure::config("--out (or CRMNF_OUT) is required"))?;
    let client = args.connection.client()?;
    fs::create_dir_all(&out).map_err(|e| {
        Failure::config(format!(
            "cannot create the billing folder {}: {e}",
            out.display()
        ))
    })?;
    let mut journal = Journal::open(&journal_path).map_err(|e| failure(&e))?;
    let options = SyncOptions {
        page_size: args.page_size,
        acknowledge_after_pages: args.acknowledge_after_pages,
        ..SyncOptions::acknowledge(args.connection.release)
    };
    let mut billing = FileBilling {
        out,
        format: args.format,
        progress: Progress {
            terminal: std::io::stderr().is_terminal(),
            pages: 0,
            charges: 0,
            shown: false,
        },
        written: None,
        tally: Tally::default(),
    };
    let result = client.sync_charges(&mut journal, options, &mut billing);
    billing.progress.done();
    let _ = client.logout();
    let outcome = result.map_err(|e| failure(&e))?;
    let report = report_json(&outcome, &billing.tally, billing.written.as_deref());
    if args.json {
        crate::out!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print_text(&report);
    }
    let r = &outcome.summary.report;
    let incomplete = !outcome.left.is_empty()
        || !r.failed.is_empty()
        || r.unconfirmed > 0
        || r.page_limit_reached
        || !r.finished;
    Ok(if incomplete {
        Exit::Incomplete
    } else {
        Exit::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be_and_kept_as_they_are() {
        assert_eq!(csv_field(Some("pci1")), "pci1");
        assert_eq!(csv_field(Some("a,b")), "\"a,b\"");
        assert_eq!(csv_field(Some("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(Some("-5.99")), "-5.99");
        assert_eq!(csv_field(Some("599")), "599");
        assert_eq!(csv_field(None), "");
    }
}
