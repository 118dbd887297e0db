//! A TCP stream that holds what is written until the next read: lettre writes a letter's body and the closing
//! `.` as two flushed writes, which with TCP_NODELAY are two packets and two reads for the server. Every SMTP
//! write is followed by reading the reply, so sending at the read loses no time and halves the packets.
//!
//! Its `Outbox` lets the sender queue commands past lettre, which has no PIPELINING (RFC 2920): MAIL, RCPT and
//! DATA go out together at the next read, and lettre reads their replies one by one.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use lettre::transport::smtp::client::AsyncTokioStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    sent: usize,
}

#[derive(Debug)]
pub struct Coalescing {
    inner: TcpStream,
    pending: Arc<Mutex<Pending>>,
}

/// Bytes to send before the connection's next read, in order with what lettre writes.
#[derive(Debug, Clone)]
pub struct Outbox(Arc<Mutex<Pending>>);

impl Outbox {
    pub fn push(&self, bytes: &[u8]) {
        self.0
            .lock()
            .expect("outbox lock")
            .bytes
            .extend_from_slice(bytes);
    }
}

impl Coalescing {
    pub fn new(inner: TcpStream) -> (Self, Outbox) {
        let pending = Arc::new(Mutex::new(Pending::default()));
        let outbox = Outbox(pending.clone());
        (Coalescing { inner, pending }, outbox)
    }

    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut p = self.pending.lock().expect("outbox lock");
        while p.sent < p.bytes.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &p.bytes[p.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            p.sent += n;
        }
        p.bytes.clear();
        p.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Coalescing {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Coalescing {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pending
            .lock()
            .expect("outbox lock")
            .bytes
            .extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// Held back until the next read (see the module doc).
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Coalescing {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}
