//! The HTTP connection loop: hyper with a header timeout and a body stall timeout per connection, the client's
//! address for handlers, and a graceful shutdown that lets open requests finish.

use std::future::Future;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// How long a slow client may take, so that it cannot hold a connection (and its memory) forever.
#[derive(Debug, Clone, Copy)]
pub(super) struct HttpTimeouts {
    /// The request line and headers, from the moment the connection is ready for them.
    pub(super) header: Duration,
    /// The longest stall between two pieces of a request body.
    pub(super) body: Duration,
}

pub(super) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    timeouts: HttpTimeouts,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait instead of spinning on the error.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // Handlers read the client's address (login throttling) from ConnectInfo, as under axum::serve.
            request.extensions_mut().insert(ConnectInfo(remote));
            let request = request.map(|body| TimeoutBody::new(timeouts.body, body));
            router.clone().oneshot(request)
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %remote, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
