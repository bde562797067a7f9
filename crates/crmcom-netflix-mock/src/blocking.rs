//! A mock server on its own thread and runtime, for tests that are not async.

use crmcom_netflix_sim::Sim;

use crate::{MockConfig, MockError, MockServer, RequestRecord};

/// A [`MockServer`] running on a thread of its own; dropping it stops it.
///
/// ```
/// use crmcom_netflix_mock::{BlockingMockServer, MockConfig};
///
/// let server = BlockingMockServer::start(MockConfig::default()).unwrap();
/// assert!(server.api_url().ends_with("/crmapi/rest/v2"));
/// assert_eq!(server.with_sim(|sim| sim.charges().count()), 30);
/// ```
pub struct BlockingMockServer {
    server: Option<MockServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for BlockingMockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingMockServer")
            .field("server", &self.server)
            .finish()
    }
}

impl BlockingMockServer {
    /// Starts a server on a runtime of two worker threads.
    pub fn start(config: MockConfig) -> Result<BlockingMockServer, MockError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("crmnf-mock")
            .enable_all()
            .build()
            .map_err(|e| MockError::Io(format!("cannot start the server's runtime: {e}")))?;
        let server = runtime.block_on(MockServer::start(config))?;
        Ok(BlockingMockServer {
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    fn server(&self) -> &MockServer {
        self.server.as_ref().expect("the server runs until dropped")
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> String {
        self.server().base_url()
    }

    /// `http://HOST:PORT/crmapi/rest/v2`.
    pub fn api_url(&self) -> String {
        self.server().api_url()
    }

    /// See [`MockServer::with_sim`].
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        self.server().with_sim(f)
    }

    /// See [`MockServer::advance_clock`].
    pub fn advance_clock(&self, seconds: i64) {
        self.server().advance_clock(seconds)
    }

    /// See [`MockServer::now`].
    pub fn now(&self) -> i64 {
        self.server().now()
    }

    /// See [`MockServer::requests`].
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.server().requests()
    }

    /// Stops the server cleanly (requests in flight are answered).
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let (Some(server), Some(runtime)) = (self.server.take(), self.runtime.take()) {
            runtime.block_on(server.shutdown());
            runtime.shutdown_background();
        }
    }
}

impl Drop for BlockingMockServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}
