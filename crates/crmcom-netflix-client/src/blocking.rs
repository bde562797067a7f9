//! A blocking facade over the async [`Client`](crate::Client), for scripts and command-line
//! tools: the same implementation, run on a runtime of its own.

use std::time::Duration;

use crmcom_netflix::{
    AcceptedCharge, AcknowledgedCharge, ApiRequest, ChargesPage, CreateSubscription,
    DeclinedCharge, Empty, FailedCharge, ListCharges, ListPromotions, PreparedRequest,
    ProjectedChargesPage, Promotion, Release, ShowSubscriptions, SubscriptionCreated,
    Subscriptions, SyncOptions, Token,
};

use crate::error::Error;
use crate::journal::Journal;
use crate::options::{Credentials, RetryPolicy, Timeouts};
use crate::sync::{Billing, SyncOutcome};
use crate::transport::Transport;
use crate::Clock;

/// The blocking client. Each method blocks the calling thread until the async client's call is
/// done; calling one from inside an async runtime is an error ([`Error::Config`]), not a panic.
#[derive(Debug)]
pub struct Client {
    client: crate::Client,
    runtime: tokio::runtime::Runtime,
}

/// Builds a blocking [`Client`]: the same settings as [`crate::ClientBuilder`].
#[derive(Debug)]
pub struct ClientBuilder(crate::ClientBuilder);

impl ClientBuilder {
    /// See [`crate::ClientBuilder::release`].
    pub fn release(self, release: Release) -> Self {
        ClientBuilder(self.0.release(release))
    }
    /// See [`crate::ClientBuilder::timeouts`].
    pub fn timeouts(self, timeouts: Timeouts) -> Self {
        ClientBuilder(self.0.timeouts(timeouts))
    }
    /// See [`crate::ClientBuilder::retry`].
    pub fn retry(self, retry: RetryPolicy) -> Self {
        ClientBuilder(self.0.retry(retry))
    }
    /// See [`crate::ClientBuilder::renew_margin`].
    pub fn renew_margin(self, margin: Duration) -> Self {
        ClientBuilder(self.0.renew_margin(margin))
    }
    /// See [`crate::ClientBuilder::token_lifetime`].
    pub fn token_lifetime(self, lifetime: Duration) -> Self {
        ClientBuilder(self.0.token_lifetime(lifetime))
    }
    /// See [`crate::ClientBuilder::relogin_on_api_error`].
    pub fn relogin_on_api_error(self, on: bool) -> Self {
        ClientBuilder(self.0.relogin_on_api_error(on))
    }
    /// See [`crate::ClientBuilder::transport`].
    pub fn transport(self, transport: impl Transport) -> Self {
        ClientBuilder(self.0.transport(transport))
    }
    /// See [`crate::ClientBuilder::clock`].
    pub fn clock(self, clock: std::sync::Arc<dyn Clock>) -> Self {
        ClientBuilder(self.0.clock(clock))
    }

    /// The client, with its runtime.
    pub fn build(self) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start a runtime: {e}")))?;
        // reqwest's client must be built inside the runtime it runs on.
        let client = {
            let _guard = runtime.enter();
            self.0.build()?
        };
        Ok(Client { client, runtime })
    }
}

impl Client {
    /// A builder for a client of the server whose Web API root is `base_url`.
    pub fn builder(base_url: impl Into<String>, credentials: Credentials) -> ClientBuilder {
        ClientBuilder(crate::Client::builder(base_url, credentials))
    }

    /// A client with the default settings.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Result<Client, Error> {
        Client::builder(base_url, credentials).build()
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::Client {
        &self.client
    }

    fn block<T>(&self, f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "the blocking client was called from inside an async runtime; use \
                 crmcom_netflix_client::Client there"
                    .to_owned(),
            ));
        }
        self.runtime.block_on(f)
    }

    /// How many times the client has logged in.
    pub fn logins(&self) -> u64 {
        self.client.logins()
    }

    /// See [`crate::Client::login`].
    pub fn login(&self) -> Result<Token, Error> {
        self.block(self.client.login())
    }
    /// See [`crate::Client::logout`].
    pub fn logout(&self) -> Result<(), Error> {
        self.block(self.client.logout())
    }
    /// See [`crate::Client::call`].
    pub fn call<R: ApiRequest>(&self, request: &R) -> Result<R::Response, Error> {
        self.block(self.client.call(request))
    }
    /// See [`crate::Client::call_projected`].
    pub fn call_projected<R: ApiRequest>(&self, request: &R) -> Result<R::Projected, Error> {
        self.block(self.client.call_projected(request))
    }
    /// See [`crate::Client::call_json`].
    pub fn call_json(
        &self,
        method: &str,
        params: &serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        self.block(self.client.call_json(method, params))
    }
    /// See [`crate::Client::send_prepared`].
    pub fn send_prepared(&self, prepared: &PreparedRequest) -> Result<(u16, Vec<u8>), Error> {
        self.block(self.client.send_prepared(prepared))
    }
    /// See [`crate::Client::list_promotions`].
    pub fn list_promotions(&self, request: &ListPromotions) -> Result<Vec<Promotion>, Error> {
        self.block(self.client.list_promotions(request))
    }
    /// See [`crate::Client::show_subscriptions`].
    pub fn show_subscriptions(&self, request: &ShowSubscriptions) -> Result<Subscriptions, Error> {
        self.block(self.client.show_subscriptions(request))
    }
    /// See [`crate::Client::create_subscription`].
    pub fn create_subscription(
        &self,
        request: &CreateSubscription,
    ) -> Result<SubscriptionCreated, Error> {
        self.block(self.client.create_subscription(request))
    }
    /// See [`crate::Client::suspend`].
    pub fn suspend(&self, billing_system_customer_identifier: &str) -> Result<Empty, Error> {
        self.block(self.client.suspend(billing_system_customer_identifier))
    }
    /// See [`crate::Client::unsuspend`].
    pub fn unsuspend(&self, billing_system_customer_identifier: &str) -> Result<Empty, Error> {
        self.block(self.client.unsuspend(billing_system_customer_identifier))
    }
    /// See [`crate::Client::list_charges`].
    pub fn list_charges(&self, request: &ListCharges) -> Result<ChargesPage, Error> {
        self.block(self.client.list_charges(request))
    }
    /// See [`crate::Client::list_charges_projected`].
    pub fn list_charges_projected(
        &self,
        request: &ListCharges,
    ) -> Result<ProjectedChargesPage, Error> {
        self.block(self.client.list_charges_projected(request))
    }
    /// See [`crate::Client::acknowledge_charges`].
    pub fn acknowledge_charges(
        &self,
        items: impl IntoIterator<Item = AcknowledgedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.block(self.client.acknowledge_charges(items))
    }
    /// See [`crate::Client::accept_charges`].
    pub fn accept_charges(
        &self,
        items: impl IntoIterator<Item = AcceptedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.block(self.client.accept_charges(items))
    }
    /// See [`crate::Client::decline_charges`].
    pub fn decline_charges(
        &self,
        items: impl IntoIterator<Item = DeclinedCharge>,
    ) -> Result<Vec<FailedCharge>, Error> {
        self.block(self.client.decline_charges(items))
    }
    /// See [`crate::Client::sync_charges`].
    pub fn sync_charges<B: Billing + ?Sized>(
        &self,
        journal: &mut Journal,
        options: SyncOptions,
        billing: &mut B,
    ) -> Result<SyncOutcome, Error> {
        self.block(self.client.sync_charges(journal, options, billing))
    }
}
