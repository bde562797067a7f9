//! `sync_charges`: the nightly charge job, the core's `ChargeSync` driven end to end over the
//! client with the journal.

use crmcom_netflix::{Charge, SyncOptions};
use tracing::info;

use crate::client::Client;
use crate::error::{BoxError, Error};
use crate::journal::{ChargeToBill, Journal, RunExport, RunSummary, Start, Taken};

/// The operator's billing system, as the charge job sees it.
///
/// [`Billing::take`] is handed each page's charges and says which it took; only those are
/// acknowledged. A charge it does not take stays on the server and comes back in a later run,
/// marked `redelivered`. Bill each charge under its [`ChargeToBill::idempotency_key`] (the
/// charge number) and it is billed once whatever happens: the job can be killed between the
/// billing and the journal's record of it, and then hands the charge over again.
///
/// Both methods run on the caller's task: keep them short, or hand the work to a thread.
pub trait Billing {
    /// Takes a page's charges (action bill or record); returns the ones taken.
    fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError>;

    /// The end of a run: its summary, and every charge taken in it read from the journal one at
    /// a time ([`RunExport::for_each_charge`]), for the billing file. It runs before the run is
    /// marked complete, so if it fails or the process dies the next start exports the same run
    /// again: make it idempotent (replace the run's file).
    fn export(&mut self, run: &RunExport<'_>) -> Result<(), BoxError> {
        let _ = run;
        Ok(())
    }

    /// Whether [`Billing::take`] only decides, with nothing written outside the journal: the
    /// bills are made from the journal at [`Billing::export`] (as `crmnf sync` does). Then a
    /// page's handover need not be on disk before `take`, since a crash undoes both, and the
    /// journal writes to disk once per group of pages ([`SyncOptions::acknowledge_after_pages`])
    /// rather than once per page. The default, `false`, is right for a billing system outside
    /// the journal.
    fn bills_from_journal(&self) -> bool {
        false
    }
}

/// A billing system from a closure that takes every charge it returns `Ok` for.
impl<F> Billing for F
where
    F: FnMut(&ChargeToBill) -> Result<(), BoxError>,
{
    fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError> {
        let mut taken = Vec::with_capacity(charges.len());
        for c in charges {
            self(c)?;
            taken.push(Taken::new(c.number()));
        }
        Ok(taken)
    }
}

/// What [`Client::sync_charges`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutcome {
    /// How the journal was found: a new one, the next run, or an interrupted run resumed.
    pub start: Start,
    /// The run: its report and how many charges were taken in it (the charges are in the
    /// journal: [`Journal::charges`]).
    pub summary: RunSummary,
    /// Charges handed over in this process and left on the server for a person: pending, of a
    /// status this SDK does not know, or approved with an amount it cannot price.
    pub left: Vec<Charge>,
}

impl Client {
    /// Runs the charge job to the end of one run: finishes the run a crash interrupted, or
    /// begins the next one (with `options` on a new journal; a journal keeps its own).
    ///
    /// Every step is saved in `journal` before it is acted on: a job killed at any point
    /// resumes at the next call without losing a charge or handing one over as new twice.
    /// `billing` is handed each page's charges and confirms what it took; at the end of the
    /// run, [`Billing::export`] gets the run's charges, and then the run is marked complete.
    /// When the job stops on an error between steps (the server, the billing), what it did so
    /// far is committed first, so the next start goes on from there.
    pub async fn sync_charges<B: Billing + ?Sized>(
        &self,
        journal: &mut Journal,
        options: SyncOptions,
        billing: &mut B,
    ) -> Result<SyncOutcome, Error> {
        let start = journal.start(options)?;
        journal.set_durable_handover(!billing.bills_from_journal());
        let run = journal.run();
        match start {
            Start::Resumed => info!(run, "resuming an interrupted run"),
            _ => info!(run, "starting a run"),
        }
        let mut left = Vec::new();
        let result = self.sync_steps(journal, billing, &mut left).await;
        if let Err(e) = result {
            // Between steps the journal agrees with itself: keep what was done. (A journal error
            // has already gone back to the last commit, and this commits nothing new.)
            let _ = journal.flush();
            return Err(e);
        }
        let summary = {
            let export = journal.export()?;
            // An error of the journal read by the export is the journal's, not the billing's.
            billing
                .export(&export)
                .map_err(|e| match e.downcast::<Error>() {
                    Ok(e) => *e,
                    Err(e) => Error::Billing(e),
                })?;
            export.summary
        };
        journal.complete()?;
        let r = &summary.report;
        info!(
            run,
            pages = r.pages,
            handed_over = r.handed_over,
            acknowledged = r.acknowledged,
            failed = r.failed.len(),
            "run complete"
        );
        Ok(SyncOutcome {
            start,
            summary,
            left,
        })
    }

    /// The steps of a run, until nothing is left to send.
    async fn sync_steps<B: Billing + ?Sized>(
        &self,
        journal: &mut Journal,
        billing: &mut B,
        left: &mut Vec<Charge>,
    ) -> Result<(), Error> {
        let mut relogged = false;
        // The answers to the request in flight that came back malformed, so far.
        let mut malformed = 0u32;
        let mut ahead: Option<Ahead> = None;
        loop {
            let (token, fresh) = self.token().await?;
            let Some(request) = journal.next_request(&token)? else {
                break;
            };
            let method = request.method;
            let sent_ahead = match ahead.take() {
                Some(a) if a.request == request => a.answer().await,
                _ => None,
            };
            // Not sent ahead, or it failed: the request goes now, with its retries.
            let answer = match sent_ahead {
                Some(answer) => answer,
                None => {
                    self.bounded(method, self.exchange(&request, Some(&token)))
                        .await?
                }
            };
            // The next page goes out now, while this one is fed and billed.
            if let Some(next) = journal.page_ahead(&token) {
                ahead = Some(Ahead::send(self, next, token.clone()).await);
            }
            match journal.feed(&answer.body, answer.status) {
                Ok(handover) => {
                    relogged = false;
                    malformed = 0;
                    left.extend(handover.left);
                    if !handover.charges.is_empty() {
                        let taken = billing.take(&handover.charges).map_err(Error::Billing)?;
                        journal.confirm(&taken)?;
                    }
                }
                // The state did not change: the same request goes again with a new token.
                Err(Error::Api { http_status, .. })
                    if !fresh && !relogged && http_status < 500 && self.relogin_on_api_error() =>
                {
                    info!(method = method.name(), "API error; logging in again");
                    relogged = true;
                    self.forget(&token).await;
                }
                // A body cut short or garbled on the way (a proxy, a reset stream): the state
                // did not change, so the same request goes again, as a failed attempt would
                // (a repeated acknowledgement is answered CHARGE_ALREADY_ACKNOWLEDGED). A
                // server that always answers so is the error once the attempts run out.
                Err(e @ Error::MalformedResponse { .. }) => {
                    let policy = self.retry_policy();
                    malformed += 1;
                    if malformed >= policy.max_attempts || !policy.may_repeat(method, true) {
                        return Err(self.scrub(e));
                    }
                    let wait = policy.backoff(malformed);
                    info!(
                        method = method.name(),
                        attempt = malformed,
                        wait_ms = wait.as_millis() as u64,
                        error = %self.scrub(e),
                        "malformed answer; sending the request again"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(self.scrub(e)),
            }
        }
        Ok(())
    }
}

/// A page sent ahead (see [`Journal::page_ahead`]) on a task of its own, so that the server
/// answers it while the job feeds and bills the page before; dropped (and its task stopped)
/// when the job asks for something else.
struct Ahead {
    request: crmcom_netflix::PreparedRequest,
    task: tokio::task::JoinHandle<Result<crate::client::Answer, Error>>,
}

impl Ahead {
    async fn send(
        client: &Client,
        request: crmcom_netflix::PreparedRequest,
        token: crmcom_netflix::Token,
    ) -> Ahead {
        let c = client.clone();
        let sent = request.clone();
        let task = tokio::spawn(async move {
            c.bounded(sent.method, c.exchange(&sent, Some(&token)))
                .await
        });
        // On a runtime of one thread, the task writes the request once this one lets it run.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        Ahead { request, task }
    }

    /// Its answer; `None` if it failed (it is then sent again the usual way, whose error counts).
    async fn answer(mut self) -> Option<crate::client::Answer> {
        match (&mut self.task).await {
            Ok(Ok(answer)) => Some(answer),
            _ => None,
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.task.abort();
    }
}
