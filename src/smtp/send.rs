//! One letter on an open connection, phase by phase, so that every failure is classified as "not handed over"
//! (safe to retry), "refused" (4xx/5xx reply) or "unknown" (the link broke after the message was sent and before
//! the reply); the last must never be retried.

use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};

use super::{Link, Outcome, TIMEOUT};

impl Link {
    /// Sends `message` to the envelope's recipients. After any outcome but `Accepted` the connection should be
    /// dropped (`abort`): its state is not known.
    pub async fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Outcome {
        let mut options = vec![];
        // Offered only where the server takes it; elsewhere the server's own reply decides.
        let utf8 = self
            .conn
            .server_info()
            .supports_feature(Extension::SmtpUtfEight);
        if utf8 && non_ascii(envelope) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let mail = Mail::new(envelope.from().cloned(), options);
        let rcpts: Vec<Rcpt> = envelope
            .to()
            .iter()
            .map(|to| Rcpt::new(to.clone(), vec![]))
            .collect();
        match tokio::time::timeout(TIMEOUT, self.envelope_phase(mail, &rcpts)).await {
            Err(_) => return Outcome::Retry("timed out before DATA".into()),
            Ok(Err(e)) => return Outcome::from_error(&e, false),
            Ok(Ok(())) => {}
        }
        match tokio::time::timeout(TIMEOUT, self.conn.message(message)).await {
            Ok(Ok(reply)) => Outcome::Accepted(reply.message().collect::<Vec<_>>().join(" ")),
            Ok(Err(e)) => Outcome::from_error(&e, true),
            Err(_) => Outcome::Unknown("no reply after the message was sent".into()),
        }
    }

    /// MAIL, RCPT and DATA up to the server's 354: in one packet when it takes PIPELINING (every reply is still
    /// read, in order, and the first refusal counts), one by one otherwise.
    async fn envelope_phase(
        &mut self,
        mail: Mail,
        rcpts: &[Rcpt],
    ) -> Result<(), lettre::transport::smtp::Error> {
        let c = &mut self.conn;
        let Some(outbox) = &self.outbox else {
            c.command(mail).await?;
            for rcpt in rcpts {
                c.command(rcpt).await?;
            }
            return c.command(Data).await.map(drop);
        };
        let mut commands = mail.to_string();
        for rcpt in rcpts {
            commands.push_str(&rcpt.to_string());
        }
        commands.push_str(&Data.to_string());
        outbox.push(commands.as_bytes());
        let mut first_error = None;
        for _ in 0..rcpts.len() + 1 {
            match c.read_response().await {
                Ok(_) => {}
                Err(e) if e.is_permanent() || e.is_transient() => {
                    first_error.get_or_insert(e);
                }
                // The link broke: nothing more will come. A refusal before it still decides the letter's fate.
                Err(e) => return Err(first_error.unwrap_or(e)),
            }
        }
        let data = c.read_response().await;
        match (first_error, data) {
            (None, data) => data.map(drop),
            (Some(e), Ok(_)) => {
                // The server opened DATA although a command before it failed: an empty message ends it, and it
                // goes nowhere, as the refusal said (RFC 2920).
                outbox.push(b".\r\n");
                let _ = c.read_response().await;
                Err(e)
            }
            (Some(e), Err(_)) => Err(e),
        }
    }
}

fn non_ascii(envelope: &Envelope) -> bool {
    let from = envelope.from().into_iter();
    from.chain(envelope.to())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii())
}
