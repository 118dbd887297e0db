//! Unit tests of what a thread's messages decide: which client mail waits, and which of our mails answers it.

use super::{decide, reassess, Reassess, Start};
use crate::awaiting::store::late::OpenWait;
use crate::awaiting::store::ThreadMail;
use crate::crm::RecordKind;

fn client(id: i64, at: i64, contact: Option<i64>) -> ThreadMail {
    ThreadMail {
        id,
        outgoing: false,
        human: true,
        sent_at: Some(at),
        received_at: at + 5,
        contact_id: contact,
        lead_id: Some(99),
    }
}

fn ours(id: i64, at: i64) -> ThreadMail {
    ThreadMail {
        outgoing: true,
        contact_id: None,
        lead_id: None,
        ..client(id, at, None)
    }
}

#[test]
fn the_earliest_client_mail_after_our_last_reply_waits_on_its_contact() {
    let mail = [
        client(1, 100, Some(7)),
        ours(2, 200),
        client(3, 300, Some(7)),
        client(4, 400, Some(7)),
    ];
    let d = decide(&mail, None);
    assert_eq!(d.answer, None);
    assert_eq!(
        d.start,
        Some(Start {
            at: 300,
            message_id: 3,
            kind: RecordKind::Contact,
            record_id: 7
        })
    );
}

#[test]
fn a_lead_counts_when_no_contact_is_linked_and_unlinked_or_automated_mail_never() {
    let d = decide(&[client(1, 100, None)], None);
    assert_eq!(
        d.start.map(|s| (s.kind, s.record_id)),
        Some((RecordKind::Lead, 99))
    );
    let unlinked = ThreadMail {
        lead_id: None,
        ..client(1, 100, None)
    };
    assert_eq!(decide(&[unlinked], None).start, None);
    let automated = ThreadMail {
        human: false,
        ..client(1, 100, Some(7))
    };
    assert_eq!(decide(&[automated], None).start, None);
}

#[test]
fn our_mail_at_or_after_the_open_wait_answers_it_and_earlier_mail_does_not() {
    let before = [ours(1, 50), client(2, 100, Some(7))];
    let d = decide(&before, Some(100));
    assert_eq!((d.answer, d.start), (None, None), "the open wait stands");
    let after = [client(2, 100, Some(7)), ours(3, 160), ours(4, 170)];
    assert_eq!(decide(&after, Some(100)).answer, Some((160, 3)));
}

#[test]
fn a_client_mail_after_the_answer_starts_the_next_wait() {
    let mail = [
        client(1, 100, Some(7)),
        ours(2, 150),
        client(3, 200, Some(7)),
    ];
    let d = decide(&mail, Some(100));
    assert_eq!(d.answer, Some((150, 2)));
    assert_eq!(d.start.map(|s| s.message_id), Some(3));
}

#[test]
fn a_date_ahead_of_arrival_counts_as_the_arrival() {
    let ahead = ThreadMail {
        sent_at: Some(10_000),
        received_at: 500,
        ..client(1, 0, Some(7))
    };
    assert_eq!(decide(&[ahead], None).start.map(|s| s.at), Some(500));
}

fn open_on(kind: &str, record_id: i64) -> OpenWait {
    OpenWait {
        id: 1,
        message_id: 1,
        received_at: 105,
        record_kind: kind.to_string(),
        record_id,
    }
}

#[test]
fn a_late_link_moves_the_open_wait_to_the_contact_and_an_unlinked_or_automated_mail_ends_it() {
    let on_lead = open_on("lead", 99);
    assert_eq!(reassess(&[client(1, 100, None)], &on_lead), Reassess::Keep);
    assert_eq!(
        reassess(&[client(1, 100, Some(7))], &on_lead),
        Reassess::Move(RecordKind::Contact, 7),
        "a contact linked later takes the lead's wait"
    );
    assert_eq!(
        reassess(&[client(1, 100, Some(7))], &open_on("contact", 7)),
        Reassess::Keep
    );
    let unlinked = ThreadMail {
        lead_id: None,
        ..client(1, 100, None)
    };
    assert_eq!(reassess(&[unlinked], &on_lead), Reassess::Drop);
    let automated = ThreadMail {
        human: false,
        ..client(1, 100, None)
    };
    assert_eq!(reassess(&[automated], &on_lead), Reassess::Drop);
    // A message the thread read does not hold (past its first 2000) is left alone.
    assert_eq!(reassess(&[client(5, 100, None)], &on_lead), Reassess::Keep);
}
