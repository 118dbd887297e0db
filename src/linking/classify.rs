//! Which kind of mail a message is, and why: a person's (`human`), an automated one (auto-replies, list and bulk
//! mail, no-reply robots), a bounce (DSN), or internal (every participant in our own domains).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::mail::parse::Parsed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Human,
    Automated,
    Bounce,
    Internal,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Human => "human",
            Class::Automated => "automated",
            Class::Bounce => "bounce",
            Class::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Class {
        match s {
            "automated" => Class::Automated,
            "bounce" => Class::Bounce,
            "internal" => Class::Internal,
            _ => Class::Human,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Classification {
    pub class: Class,
    pub reason: String,
    /// The person the mail comes from: the From address, or the Reply-To person of a web-form robot.
    pub sender: Option<(String, Option<String>)>,
}

const LINKED_ROLES: &[&str] = &["from", "sender", "reply_to", "to", "cc"];

fn local_part(address: &str) -> String {
    address.split('@').next().unwrap_or_default().to_lowercase()
}

/// noreply@, no-reply@, do_not_reply@, robot@ …
pub fn is_robot(address: &str) -> bool {
    let local: String = local_part(address)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    [
        "noreply",
        "donotreply",
        "donotrespond",
        "norespond",
        "noanswer",
    ]
    .iter()
    .any(|p| local.starts_with(p))
        || matches!(
            local.as_str(),
            "robot" | "mailer" | "autoreply" | "autoresponder"
        )
}

fn is_mailer_daemon(address: &str) -> bool {
    matches!(
        local_part(address).as_str(),
        "mailer-daemon" | "postmaster" | "mailerdaemon"
    )
}

const AUTOREPLY_SUBJECTS: &[&str] = &[
    "автоответ",
    "автоматический ответ",
    "automatic reply",
    "auto reply",
    "autoreply",
    "out of office",
    "out of the office",
    "вне офиса",
];

pub fn classify(p: &Parsed, is_own: &dyn Fn(&str) -> bool) -> Classification {
    let from = p.from_address.clone();
    let sender = from.clone().map(|f| (f, p.from_name.clone()));
    let done = |class, reason: String, sender| Classification {
        class,
        reason,
        sender,
    };
    let s = &p.signals;
    if s.delivery_report {
        return done(
            Class::Bounce,
            "delivery status notification (multipart/report)".into(),
            None,
        );
    }
    if from.as_deref().is_some_and(is_mailer_daemon) {
        return done(
            Class::Bounce,
            "sent by MAILER-DAEMON/postmaster".into(),
            None,
        );
    }
    let linked: Vec<_> = p
        .participants
        .iter()
        .filter(|a| LINKED_ROLES.contains(&a.role))
        .collect();
    if !linked.is_empty() && linked.iter().all(|a| is_own(&a.address)) {
        return done(
            Class::Internal,
            "every participant is in our own domains".into(),
            sender,
        );
    }
    if let Some(value) = s
        .auto_submitted
        .as_deref()
        .filter(|v| !v.eq_ignore_ascii_case("no"))
    {
        return done(
            Class::Automated,
            format!("auto-reply (Auto-Submitted: {value})"),
            sender,
        );
    }
    if let Some((name, value)) = &s.vendor_autoreply {
        return done(
            Class::Automated,
            format!("auto-reply ({name}: {value})"),
            sender,
        );
    }
    let mut list = Vec::new();
    if s.list_id {
        list.push("List-Id".to_string());
    }
    if s.list_unsubscribe {
        list.push("List-Unsubscribe".to_string());
    }
    if let Some(p) = s
        .precedence
        .as_deref()
        .filter(|p| matches!(*p, "bulk" | "list" | "junk"))
    {
        list.push(format!("Precedence: {p}"));
    }
    if !list.is_empty() {
        return done(
            Class::Automated,
            format!("bulk/list mail ({})", list.join(", ")),
            sender,
        );
    }
    if from.as_deref().is_some_and(is_robot) {
        // A web form's robot with a person in Reply-To: the mail is that person's.
        let person = p
            .participants
            .iter()
            .find(|a| a.role == "reply_to" && !is_robot(&a.address) && !is_own(&a.address));
        return match person {
            Some(person) => done(
                Class::Human,
                "web form: the person is in Reply-To".into(),
                Some((person.address.clone(), person.name.clone())),
            ),
            None => done(Class::Automated, "no-reply sender".into(), sender),
        };
    }
    let subject = p.subject.as_deref().unwrap_or_default().to_lowercase();
    if let Some(marker) = AUTOREPLY_SUBJECTS.iter().find(|m| subject.starts_with(*m)) {
        return done(
            Class::Automated,
            format!("auto-reply (subject starts with '{marker}')"),
            sender,
        );
    }
    done(Class::Human, "written by a person".into(), sender)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse::parse;

    fn own(a: &str) -> bool {
        a.ends_with("@nordwind.ru")
    }

    #[test]
    fn each_kind_of_mail_is_told_apart_with_its_reason() {
        let auto = parse(b"From: a@client.ru\r\nTo: sales@nordwind.ru\r\nAuto-Submitted: auto-replied\r\nSubject: x\r\n\r\nbody");
        assert_eq!(
            classify(&auto, &own).reason,
            "auto-reply (Auto-Submitted: auto-replied)"
        );
        let list = parse(b"From: n@news.com\r\nTo: sales@nordwind.ru\r\nList-Id: <x>\r\nPrecedence: bulk\r\nSubject: x\r\n\r\nbody");
        assert_eq!(
            classify(&list, &own).reason,
            "bulk/list mail (List-Id, Precedence: bulk)"
        );
        let internal = parse(b"From: a@nordwind.ru\r\nTo: b@nordwind.ru\r\nSubject: x\r\n\r\nbody");
        assert_eq!(classify(&internal, &own).class, Class::Internal);
        let robot =
            parse(b"From: no-reply@bank.ru\r\nTo: sales@nordwind.ru\r\nSubject: x\r\n\r\nbody");
        assert_eq!(classify(&robot, &own).reason, "no-reply sender");
        let form = parse(b"From: noreply@forms.site.ru\r\nReply-To: Maria <maria@client.ru>\r\nTo: sales@nordwind.ru\r\nSubject: x\r\n\r\nbody");
        let c = classify(&form, &own);
        assert_eq!(
            (c.class, c.sender.unwrap().0),
            (Class::Human, "maria@client.ru".to_string())
        );
        let person = parse(
            b"From: Ivan <ivan@client.ru>\r\nTo: sales@nordwind.ru\r\nSubject: Hello\r\n\r\nbody",
        );
        assert_eq!(classify(&person, &own).class, Class::Human);
        let daemon = parse(b"From: MAILER-DAEMON@mx.client.ru\r\nTo: sales@nordwind.ru\r\nSubject: Undelivered\r\n\r\nbody");
        assert_eq!(classify(&daemon, &own).class, Class::Bounce);
    }
}
