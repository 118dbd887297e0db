//! A TCP proxy in front of the real IMAP server that cuts each connection after a chosen number of bytes from the
//! server, to drop the stream in the middle of a FETCH.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct CuttingProxy {
    pub port: u16,
    /// Bytes from the server after which the next connection is cut (usize::MAX: never).
    pub cut_after: Arc<AtomicUsize>,
}

pub async fn start(upstream: u16) -> CuttingProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut_after = Arc::new(AtomicUsize::new(usize::MAX));
    let cut = cut_after.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let limit = cut.load(Ordering::SeqCst);
            tokio::spawn(relay(client, upstream, limit));
        }
    });
    CuttingProxy { port, cut_after }
}

async fn relay(client: TcpStream, upstream: u16, limit: usize) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut sent = 0usize;
    let mut buf = vec![0u8; 4096];
    loop {
        let room = limit.saturating_sub(sent).min(buf.len());
        if room == 0 {
            break;
        }
        match server_read.read(&mut buf[..room]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if client_write.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                sent += n;
            }
        }
    }
    // Dropping both halves closes the client's connection mid-stream.
    up.abort();
    let _ = client_write.shutdown().await;
}
