//! The site's request log: the outermost layer notes each request's arrival, and its response
//! body notes when its last byte went out. `--timeline` draws this log.

use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Inner;

/// The outermost layer: logs every request from its arrival until its response body has been
/// sent (or dropped, when the client went away).
pub(super) async fn record(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let label = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), ToString::to_string);
    let index = {
        let mut log = inner.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.push((label, Instant::now(), None));
        log.len() - 1
    };
    let finished = Finished { inner, index };
    let (parts, body) = next.run(req).await.into_parts();
    Response::from_parts(parts, Body::new(Tracked { body, finished }))
}

/// Marks its request finished when dropped, which hyper does once the body's last frame is out.
struct Finished {
    inner: Arc<Inner>,
    index: usize,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let mut log = self
            .inner
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = log.get_mut(self.index) {
            entry.2 = Some(Instant::now());
        }
    }
}

/// A response body that carries its request's [`Finished`] marker; otherwise it is the body
/// itself (same frames, same size hint, so `Content-Length` is kept).
struct Tracked {
    body: Body,
    // Never read: it is here to be dropped with the body.
    #[allow(dead_code)]
    finished: Finished,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
