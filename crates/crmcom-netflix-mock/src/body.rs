//! The response body: whole, or cut short with an error so that hyper closes the connection
//! in the middle of it (a truncated answer).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// A response body.
pub(crate) enum MockBody {
    /// The whole body.
    Full(Option<Bytes>),
    /// These bytes, then (after a pause in which hyper flushes them) an error: the connection
    /// is closed mid-body.
    Cut(Option<Bytes>, Pin<Box<tokio::time::Sleep>>),
}

impl MockBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> MockBody {
        MockBody::Full(Some(bytes.into()))
    }

    pub(crate) fn cut(bytes: Bytes) -> MockBody {
        let pause = tokio::time::sleep(std::time::Duration::from_millis(50));
        MockBody::Cut(Some(bytes), Box::pin(pause))
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        Poll::Ready(match this {
            MockBody::Full(b) => b.take().map(|b| Ok(Frame::data(b))),
            MockBody::Cut(b, pause) => match b.take() {
                Some(b) => Some(Ok(Frame::data(b))),
                None => {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "truncated_body fault",
                    )))
                }
            },
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, MockBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            MockBody::Full(None) => SizeHint::with_exact(0),
            MockBody::Cut(..) => SizeHint::default(),
        }
    }
}
