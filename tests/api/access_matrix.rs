//! Access v2 as one authorization matrix: every route of the route table × seven callers (admin, team lead, owner,
//! team member, other salesperson, shared-with user, marketing) against real fixture records owned by "owner",
//! plus focused tests of the escalation paths (duplicates, conversion, merges, timelines, audit, teams, mail).

use std::cell::Cell;
use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{error_code, spawn_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::mail_sync::{add_mailbox, sync};

const USER_PASSWORD: &str = "user-password-1";

/// The callers, in the order of the matrix's columns.
const WHO: [&str; 7] = [
    "admin",
    "lead",
    "owner",
    "member",
    "other",
    "shared",
    "marketing",
];
const ADMIN: usize = 0;
const LEAD: usize = 1;
const OWNER: usize = 2;
const MEMBER: usize = 3;
const SHARED: usize = 5;
const MARKETING: usize = 6;

/// How a row is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Against the one shared fixture; the call leaves it valid.
    Plain,
    /// Against fresh fixture records made for each caller (deletes, merges, conversions, unshares, starts…).
    Fresh,
    /// `PATCH` with `owner_id` (re-owning to the team member), on fresh records.
    ReOwn,
    /// After every other row (it changes the caller's password).
    Last,
    /// On an unowned lead of the open pool.
    Pool,
}
use Case::{Fresh, Last, Plain, Pool, ReOwn};

type Row = (&'static str, &'static str, Case, [u16; 7]);

//                                        admin lead owner member other shared marketing
const ALL_200: [u16; 7] = [200, 200, 200, 200, 200, 200, 200];
const ADMIN_200: [u16; 7] = [200, 403, 403, 403, 403, 403, 403];
const ADMIN_201: [u16; 7] = [201, 403, 403, 403, 403, 403, 403];
const ADMIN_204: [u16; 7] = [204, 403, 403, 403, 403, 403, 403];
const ADMIN_502: [u16; 7] = [502, 403, 403, 403, 403, 403, 403];
const MKT_200: [u16; 7] = [200, 403, 403, 403, 403, 403, 200];
const MKT_201: [u16; 7] = [201, 403, 403, 403, 403, 403, 201];
const MKT_204: [u16; 7] = [204, 403, 403, 403, 403, 403, 204];
/// Lists open to every signed-in user (the rows themselves check what they contain).
const SALES_LIST: [u16; 7] = [200, 200, 200, 200, 200, 200, 403];
const SALES_CREATE: [u16; 7] = [201, 201, 201, 201, 201, 201, 403];
/// Reading a contact or company of "owner": marketing reads them too.
const READ_CC: [u16; 7] = [200, 200, 200, 404, 404, 200, 200];
/// Reading a lead or deal, notes and tasks: never marketing.
const READ_LD: [u16; 7] = [200, 200, 200, 404, 404, 200, 403];
/// Editing (and adding notes, tasks, links): owner, lead, shared-with; never marketing.
const EDIT: [u16; 7] = [200, 200, 200, 404, 404, 200, 403];
const EDIT_201: [u16; 7] = [201, 201, 201, 404, 404, 201, 403];
const EDIT_204: [u16; 7] = [204, 204, 204, 404, 404, 204, 403];
/// Delete, merge away, re-own, share, unshare: owner, lead, admin; the shared-with user 403.
const MANAGE_200: [u16; 7] = [200, 200, 200, 404, 404, 403, 403];
const MANAGE_204: [u16; 7] = [204, 204, 204, 404, 404, 403, 403];
/// Editing a note: its author (owner) and admins; others who see the record 403.
const NOTE_200: [u16; 7] = [200, 403, 200, 404, 404, 403, 403];
const NOTE_204: [u16; 7] = [204, 403, 204, 404, 404, 403, 403];
/// Mail logged by "owner" to the owner's contact: full to everyone who sees the contact.
const MAIL_READ: [u16; 7] = [200, 200, 200, 404, 404, 200, 200];

/// A sequence of "owner": the owner, their team lead and admins; marketing is refused by role.
const SEQUENCE_200: [u16; 7] = [200, 200, 200, 404, 404, 404, 403];

/// Every route of the server with the expected status per caller.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    ("GET", "/healthz", Plain, ALL_200),
    // By the client's address, not the role: the matrix calls from loopback (tests/api/ops_metrics.rs covers the rest).
    ("GET", "/metrics", Plain, ALL_200),
    ("GET", "/api/v1/openapi.json", Plain, ALL_200),
    ("POST", "/api/v1/auth/login", Plain, ALL_200),
    ("GET", "/api/v1/auth/oidc/providers", Plain, ALL_200),
    // Public: provider 0 does not exist; the callback always sends the browser back to the console (followed: 200).
    ("GET", "/api/v1/auth/oidc/{id}/start", Plain, [404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/auth/oidc/{id}/callback", Plain, ALL_200),
    ("GET", "/api/v1/oidc/providers", Plain, ADMIN_200),
    // The discovery URL answers nothing: 502 once the admin is let through.
    ("POST", "/api/v1/oidc/providers", Plain, ADMIN_502),
    ("PATCH", "/api/v1/oidc/providers/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("DELETE", "/api/v1/oidc/providers/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/oidc/providers/{id}/audit", Plain, ADMIN_200),
    ("GET", "/api/v1/addin/config", Plain, ALL_200),
    ("GET", "/api/v1/me", Plain, ALL_200),
    ("POST", "/api/v1/me/password", Last, [204, 204, 204, 204, 204, 204, 204]),
    ("GET", "/api/v1/users", Plain, ADMIN_200),
    ("POST", "/api/v1/users", Plain, ADMIN_201),
    ("GET", "/api/v1/users/directory", Plain, ALL_200),
    ("GET", "/api/v1/users/{id}", Plain, ADMIN_200),
    ("PATCH", "/api/v1/users/{id}", Plain, ADMIN_200),
    ("GET", "/api/v1/users/{id}/audit", Plain, ADMIN_200),
    ("GET", "/api/v1/admin/audit", Plain, ADMIN_200),
    ("GET", "/api/v1/teams", Plain, ADMIN_200),
    ("GET", "/api/v1/me/teams", Plain, ALL_200),
    ("GET", "/api/v1/me/mailboxes", Plain, ALL_200),
    ("POST", "/api/v1/teams", Plain, ADMIN_201),
    ("GET", "/api/v1/teams/{id}", Plain, ADMIN_200),
    ("PUT", "/api/v1/teams/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/teams/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/pipelines", Plain, ALL_200),
    ("POST", "/api/v1/pipelines", Plain, ADMIN_201),
    ("GET", "/api/v1/pipelines/{id}", Plain, ALL_200),
    ("PATCH", "/api/v1/pipelines/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/pipelines/{id}", Fresh, ADMIN_204),
    ("POST", "/api/v1/pipelines/{id}/stages", Plain, ADMIN_201),
    ("PATCH", "/api/v1/stages/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/stages/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/lead-sources", Plain, ALL_200),
    ("POST", "/api/v1/lead-sources", Plain, ADMIN_201),
    ("PATCH", "/api/v1/lead-sources/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/lead-sources/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/contact-types", Plain, ALL_200),
    ("POST", "/api/v1/contact-types", Plain, ADMIN_201),
    ("PATCH", "/api/v1/contact-types/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/contact-types/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/company-types", Plain, ALL_200),
    ("POST", "/api/v1/company-types", Plain, ADMIN_201),
    ("PATCH", "/api/v1/company-types/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/company-types/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/custom-fields", Plain, ALL_200),
    ("POST", "/api/v1/custom-fields", Plain, ADMIN_201),
    ("GET", "/api/v1/custom-fields/{id}", Plain, ALL_200),
    ("PATCH", "/api/v1/custom-fields/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/custom-fields/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/record-fields", Plain, ALL_200),
    // Companies.
    ("GET", "/api/v1/companies", Plain, ALL_200),
    ("POST", "/api/v1/companies", Plain, SALES_CREATE),
    ("GET", "/api/v1/companies/{id}", Plain, READ_CC),
    ("PATCH", "/api/v1/companies/{id}", Plain, EDIT),
    ("PATCH", "/api/v1/companies/{id}", ReOwn, MANAGE_200),
    ("DELETE", "/api/v1/companies/{id}", Fresh, MANAGE_204),
    ("POST", "/api/v1/companies/{id}/merge", Fresh, MANAGE_200),
    ("GET", "/api/v1/companies/{id}/timeline", Plain, READ_CC),
    ("GET", "/api/v1/companies/{id}/audit", Plain, READ_CC),
    ("GET", "/api/v1/companies/{id}/shares", Plain, READ_CC),
    ("POST", "/api/v1/companies/{id}/shares", Plain, MANAGE_200),
    ("DELETE", "/api/v1/companies/{id}/shares/{user_id}", Fresh, MANAGE_204),
    // Contacts.
    ("GET", "/api/v1/contacts", Plain, ALL_200),
    ("POST", "/api/v1/contacts", Plain, SALES_CREATE),
    ("GET", "/api/v1/contacts/{id}", Plain, READ_CC),
    ("PATCH", "/api/v1/contacts/{id}", Plain, EDIT),
    ("PATCH", "/api/v1/contacts/{id}", ReOwn, MANAGE_200),
    ("DELETE", "/api/v1/contacts/{id}", Fresh, MANAGE_204),
    ("POST", "/api/v1/contacts/{id}/merge", Fresh, MANAGE_200),
    ("GET", "/api/v1/contacts/{id}/timeline", Plain, READ_CC),
    ("GET", "/api/v1/contacts/{id}/audit", Plain, READ_CC),
    ("GET", "/api/v1/contacts/{id}/shares", Plain, READ_CC),
    ("POST", "/api/v1/contacts/{id}/shares", Plain, MANAGE_200),
    ("DELETE", "/api/v1/contacts/{id}/shares/{user_id}", Fresh, MANAGE_204),
    // Leads.
    ("GET", "/api/v1/leads", Plain, SALES_LIST),
    ("POST", "/api/v1/leads", Plain, SALES_CREATE),
    ("GET", "/api/v1/leads/{id}", Plain, READ_LD),
    // An unowned lead (the open pool): every salesperson.
    ("GET", "/api/v1/leads/{id}", Pool, [200, 200, 200, 200, 200, 200, 403]),
    ("PATCH", "/api/v1/leads/{id}", Plain, EDIT),
    ("PATCH", "/api/v1/leads/{id}", ReOwn, MANAGE_200),
    ("DELETE", "/api/v1/leads/{id}", Fresh, MANAGE_204),
    ("POST", "/api/v1/leads/{id}/merge", Fresh, MANAGE_200),
    ("GET", "/api/v1/leads/{id}/timeline", Plain, READ_LD),
    ("GET", "/api/v1/leads/{id}/audit", Plain, READ_LD),
    ("GET", "/api/v1/leads/{id}/shares", Plain, READ_LD),
    ("POST", "/api/v1/leads/{id}/shares", Plain, MANAGE_200),
    ("DELETE", "/api/v1/leads/{id}/shares/{user_id}", Fresh, MANAGE_204),
    // Deals.
    ("GET", "/api/v1/deals", Plain, SALES_LIST),
    ("POST", "/api/v1/deals", Plain, SALES_CREATE),
    ("GET", "/api/v1/deals/{id}", Plain, READ_LD),
    ("PATCH", "/api/v1/deals/{id}", Plain, EDIT),
    ("PATCH", "/api/v1/deals/{id}", ReOwn, MANAGE_200),
    ("DELETE", "/api/v1/deals/{id}", Fresh, MANAGE_204),
    ("GET", "/api/v1/deals/{id}/timeline", Plain, READ_LD),
    ("GET", "/api/v1/deals/{id}/audit", Plain, READ_LD),
    ("GET", "/api/v1/deals/{id}/shares", Plain, READ_LD),
    ("POST", "/api/v1/deals/{id}/shares", Plain, MANAGE_200),
    ("DELETE", "/api/v1/deals/{id}/shares/{user_id}", Fresh, MANAGE_204),
    // Consent: marketing records it (README).
    ("POST", "/api/v1/contacts/{id}/consent", Plain, READ_CC),
    ("GET", "/api/v1/contacts/{id}/consent", Plain, READ_CC),
    ("GET", "/api/v1/leads/{id}/consent", Plain, READ_LD),
    ("POST", "/api/v1/leads/{id}/convert", Fresh, EDIT),
    // Notes and tasks (on the owner's contact, written by the owner).
    ("POST", "/api/v1/notes", Plain, EDIT_201),
    ("GET", "/api/v1/notes/{id}", Plain, READ_LD),
    ("PATCH", "/api/v1/notes/{id}", Plain, NOTE_200),
    ("DELETE", "/api/v1/notes/{id}", Fresh, NOTE_204),
    ("GET", "/api/v1/tasks", Plain, SALES_LIST),
    ("POST", "/api/v1/tasks", Plain, EDIT_201),
    ("GET", "/api/v1/tasks/{id}", Plain, READ_LD),
    ("PATCH", "/api/v1/tasks/{id}", Plain, EDIT),
    ("DELETE", "/api/v1/tasks/{id}", Fresh, EDIT_204),
    ("GET", "/api/v1/duplicates", Plain, SALES_LIST),
    // Reassigning the member's records to the owner: admins, and the lead of both.
    ("POST", "/api/v1/users/{id}/reassign", Plain, [200, 200, 403, 403, 403, 403, 403]),
    // Saved views: the fixture is the admin's; each user reads and writes only their own (404 for others).
    ("GET", "/api/v1/views", Plain, ALL_200),
    ("POST", "/api/v1/views", Plain, [201, 201, 201, 201, 201, 201, 201]),
    ("GET", "/api/v1/views/{id}", Plain, [200, 404, 404, 404, 404, 404, 404]),
    ("PUT", "/api/v1/views/{id}", Plain, [200, 404, 404, 404, 404, 404, 404]),
    ("DELETE", "/api/v1/views/{id}", Fresh, [204, 404, 404, 404, 404, 404, 404]),
    // Mailboxes: the fixture is the owner's personal mailbox.
    ("GET", "/api/v1/mailboxes", Plain, ADMIN_200),
    ("POST", "/api/v1/mailboxes", Plain, ADMIN_201),
    ("GET", "/api/v1/mailboxes/{id}", Plain, ADMIN_200),
    ("PATCH", "/api/v1/mailboxes/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/mailboxes/{id}", Fresh, ADMIN_204),
    ("GET", "/api/v1/mailboxes/{id}/audit", Plain, ADMIN_200),
    ("GET", "/api/v1/admin/instances", Plain, ADMIN_200),
    ("GET", "/api/v1/mailboxes/{id}/sending-limits", Plain, ADMIN_200),
    ("PUT", "/api/v1/mailboxes/{id}/sending-limits", Plain, ADMIN_200),
    ("POST", "/api/v1/mailboxes/{id}/test", Plain, ADMIN_502),
    ("POST", "/api/v1/mailboxes/{id}/sync", Plain, ADMIN_502),
    // A background sync is accepted at once (it fails later, in its progress); the progress is readable meanwhile.
    ("POST", "/api/v1/mailboxes/{id}/sync/start", Plain, [202, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/mailboxes/{id}/sync", Plain, ADMIN_200),
    // Narrowing the owner's personal mailbox: the owner and admins; everyone else 404.
    ("PUT", "/api/v1/mailboxes/{id}/visibility", Plain, [200, 404, 200, 404, 404, 404, 404]),
    // OAuth2: the fixture mailbox signs in with a password (422 past the role check); a callback without its
    // query answers 400 past the role check.
    ("POST", "/api/v1/mailboxes/{id}/oauth/start", Plain, [422, 403, 403, 403, 403, 403, 403]),
    // The fixture mailbox has no SMTP settings: its admin and owner get 422, anyone else no such mailbox.
    ("POST", "/api/v1/mailboxes/{id}/smtp/test", Plain, [422, 404, 422, 404, 404, 404, 404]),
    ("GET", "/api/v1/oauth/callback", Plain, [400, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/oauth/providers", Plain, ADMIN_200),
    // Mail: the fixture message was logged by the owner to the owner's contact.
    ("GET", "/api/v1/messages", Plain, ALL_200),
    ("GET", "/api/v1/messages/{id}", Plain, MAIL_READ),
    ("GET", "/api/v1/messages/{id}/raw", Plain, MAIL_READ),
    // The logged message has no attachments: 404 for all (attachments are covered by the mail tests' /raw).
    ("GET", "/api/v1/messages/{id}/attachments/{index}", Plain, [404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/threads/{id}", Plain, MAIL_READ),
    // Only members of a mailbox holding the thread (none here: it was logged) and admins mark it.
    ("PUT", "/api/v1/threads/{id}/private", Plain, [200, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/messages/{id}/links", Plain, MAIL_READ),
    ("POST", "/api/v1/messages/{id}/links", Plain, EDIT),
    ("DELETE", "/api/v1/messages/{id}/links/{kind}/{record_id}", Fresh, EDIT),
    ("GET", "/api/v1/messages/{id}/classification", Plain, MAIL_READ),
    ("PUT", "/api/v1/messages/{id}/classification", Plain, ADMIN_200),
    ("GET", "/api/v1/bounces", Plain, ADMIN_200),
    ("GET", "/api/v1/settings/own-domains", Plain, ADMIN_200),
    ("POST", "/api/v1/settings/own-domains", Plain, ADMIN_200),
    ("DELETE", "/api/v1/settings/own-domains/{value}", Fresh, ADMIN_204),
    ("GET", "/api/v1/settings/freemail-domains", Plain, ADMIN_200),
    ("POST", "/api/v1/settings/freemail-domains", Plain, ADMIN_200),
    ("DELETE", "/api/v1/settings/freemail-domains/{value}", Fresh, ADMIN_204),
    ("GET", "/api/v1/settings/never-log", Plain, ADMIN_200),
    ("POST", "/api/v1/settings/never-log", Plain, ADMIN_200),
    ("DELETE", "/api/v1/settings/never-log/{value}", Fresh, ADMIN_204),
    // Add-in.
    ("GET", "/api/v1/lookup", Plain, ALL_200),
    // Search: everyone; what each finds is decided row by row (tests/api/search*.rs).
    ("GET", "/api/v1/search", Plain, ALL_200),
    ("POST", "/api/v1/messages/log", Plain, EDIT),
    // The compose pane: template names for all; rendering for the fixture contact as reading it allows.
    ("GET", "/api/v1/addin/templates", Plain, ALL_200),
    ("POST", "/api/v1/addin/templates/{id}/render", Plain, READ_CC),
    ("GET", "/addin/manifest.xml", Plain, ALL_200),
    ("GET", "/addin/{file}", Plain, ALL_200),
    // The web console's page and files: public; everything it shows comes through the API rows above.
    ("GET", "/", Plain, ALL_200),
    ("GET", "/console/{file}", Plain, ALL_200),
    ("GET", "/oauth/callback", Plain, ALL_200),
    // Campaigns.
    ("GET", "/api/v1/templates", Plain, MKT_200),
    ("POST", "/api/v1/templates", Plain, MKT_201),
    ("GET", "/api/v1/templates/{id}", Plain, MKT_200),
    ("PUT", "/api/v1/templates/{id}", Plain, MKT_200),
    ("DELETE", "/api/v1/templates/{id}", Fresh, MKT_204),
    ("POST", "/api/v1/templates/{id}/preview", Plain, MKT_200),
    ("POST", "/api/v1/templates/preview", Plain, MKT_200),
    // The lead decides: marketing reads no leads (403 past the role check).
    ("POST", "/api/v1/templates/preview/lead", Plain, ADMIN_200),
    // Through the fixture relay, where nothing listens: 502 past the role check.
    ("POST", "/api/v1/templates/{id}/test-send", Plain, [502, 403, 403, 403, 403, 403, 502]),
    ("GET", "/api/v1/segments", Plain, MKT_200),
    ("POST", "/api/v1/segments", Plain, MKT_201),
    ("GET", "/api/v1/segments/{id}", Plain, MKT_200),
    ("PUT", "/api/v1/segments/{id}", Plain, MKT_200),
    ("DELETE", "/api/v1/segments/{id}", Fresh, MKT_204),
    ("GET", "/api/v1/segments/{id}/count", Plain, MKT_200),
    ("POST", "/api/v1/segments/count", Plain, MKT_200),
    ("GET", "/api/v1/campaigns", Plain, MKT_200),
    ("POST", "/api/v1/campaigns", Plain, MKT_201),
    ("GET", "/api/v1/campaigns/{id}", Plain, MKT_200),
    ("GET", "/api/v1/campaigns/{id}/progress", Plain, MKT_200),
    ("GET", "/api/v1/campaigns/{id}/rate", Plain, MKT_200),
    ("POST", "/api/v1/campaigns/{id}/start", Fresh, MKT_200),
    // A draft is not paused: a 409 past the role check.
    ("POST", "/api/v1/campaigns/{id}/pause", Fresh, [409, 403, 403, 403, 403, 403, 409]),
    ("POST", "/api/v1/campaigns/{id}/resume", Fresh, MKT_200),
    ("POST", "/api/v1/campaigns/{id}/cancel", Fresh, MKT_200),
    ("GET", "/api/v1/campaigns/{id}/recipients", Plain, MKT_200),
    ("GET", "/api/v1/suppressions", Plain, MKT_200),
    ("POST", "/api/v1/suppressions", Plain, MKT_204),
    ("GET", "/api/v1/relays", Plain, MKT_200),
    ("POST", "/api/v1/relays", Plain, ADMIN_201),
    ("GET", "/api/v1/relays/{id}", Plain, MKT_200),
    ("PATCH", "/api/v1/relays/{id}", Plain, ADMIN_200),
    ("DELETE", "/api/v1/relays/{id}", Fresh, ADMIN_204),
    // The fixture relay signs in with its URL's password: 422 past the role check.
    ("POST", "/api/v1/relays/{id}/oauth/start", Plain, [422, 403, 403, 403, 403, 403, 403]),
    // Unsubscribe pages: public; a forged token is refused alike for everyone.
    ("GET", "/u/{token}", Plain, [400, 400, 400, 400, 400, 400, 400]),
    ("POST", "/u/{token}", Plain, [400, 400, 400, 400, 400, 400, 400]),
    // Imports: anyone who may create the kind (marketing may not create contacts); an import is seen by the one
    // who started it (here "owner") and by admins; a fresh one per call, not yet run (undo: 409 past the check).
    ("GET", "/api/v1/imports", Plain, ALL_200),
    ("POST", "/api/v1/imports", Plain, SALES_CREATE),
    ("GET", "/api/v1/imports/fields", Plain, ALL_200),
    ("GET", "/api/v1/imports/{id}", Plain, SEEN_IMPORT_200),
    ("POST", "/api/v1/imports/{id}/check", Plain, OWN_IMPORT_200),
    ("POST", "/api/v1/imports/{id}/run", Plain, [202, 404, 202, 404, 404, 404, 404]),
    ("GET", "/api/v1/imports/{id}/rejects", Plain, SEEN_IMPORT_200),
    ("POST", "/api/v1/imports/{id}/undo", Plain, [409, 404, 409, 404, 404, 404, 404]),
    ("GET", "/api/v1/import-presets", Plain, ALL_200),
    ("POST", "/api/v1/import-presets", Plain, SALES_CREATE),
    ("DELETE", "/api/v1/import-presets/{id}", Fresh, ADMIN_204),
    // Exports: admins only until an admin allows other roles (the setting below).
    ("GET", "/api/v1/exports/{kind}", Plain, ADMIN_200),
    ("GET", "/api/v1/settings/export-roles", Plain, ADMIN_200),
    ("PUT", "/api/v1/settings/export-roles", Plain, ADMIN_200),
    // Notifications: everyone has their own feed; the fixture id (0) is nobody's entry, so 404 alike.
    ("GET", "/api/v1/notifications", Plain, ALL_200),
    ("GET", "/api/v1/notifications/unread", Plain, ALL_200),
    ("POST", "/api/v1/notifications/read-all", Plain, ALL_200),
    ("POST", "/api/v1/notifications/{id}/read", Plain, [404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/me/digest", Plain, ALL_200),
    ("PUT", "/api/v1/me/digest", Plain, ALL_200),
    ("GET", "/api/v1/settings/reminders", Plain, ADMIN_200),
    ("PUT", "/api/v1/settings/reminders", Plain, ADMIN_200),
    // Reports: every salesperson their own figures (narrowed, never refused); marketing none.
    ("GET", "/api/v1/reports/funnel", Plain, SALES_LIST),
    ("GET", "/api/v1/reports/deals", Plain, SALES_LIST),
    ("GET", "/api/v1/reports/lead-sources", Plain, SALES_LIST),
    ("GET", "/api/v1/reports/managers", Plain, SALES_LIST),
    ("GET", "/api/v1/reports/data-quality", Plain, SALES_LIST),
    // Campaign results: for those who run campaigns.
    ("GET", "/api/v1/reports/campaigns", Plain, MKT_200),
    // Awaiting reply: the default policy read by all, set by admins; the fixture team's (lead, owner, member) read
    // by its members, set by its lead and admins; the list is each salesperson's own (never refused), not marketing's.
    ("GET", "/api/v1/settings/reply-policy", Plain, ALL_200),
    ("PUT", "/api/v1/settings/reply-policy", Plain, ADMIN_200),
    ("GET", "/api/v1/teams/{id}/reply-policy", Plain, [200, 200, 200, 200, 404, 404, 404]),
    ("PUT", "/api/v1/teams/{id}/reply-policy", Plain, [200, 200, 403, 403, 404, 404, 404]),
    ("GET", "/api/v1/awaiting-reply", Plain, SALES_LIST),
    // Sequences: the owner's, seen and changed by the owner, their team lead and admins (others 404); another
    // salesperson's new sequence may not send from the owner's personal mailbox (422); marketing none.
    ("GET", "/api/v1/sequences", Plain, SALES_LIST),
    ("POST", "/api/v1/sequences", Plain, [201, 422, 201, 422, 422, 422, 403]),
    ("GET", "/api/v1/sequences/{id}", Plain, SEQUENCE_200),
    ("PUT", "/api/v1/sequences/{id}", Plain, SEQUENCE_200),
    ("DELETE", "/api/v1/sequences/{id}", Fresh, [204, 204, 204, 404, 404, 404, 403]),
    ("POST", "/api/v1/sequences/{id}/enrolments", Plain, SEQUENCE_200),
    ("GET", "/api/v1/sequences/{id}/enrolments", Plain, SEQUENCE_200),
    ("GET", "/api/v1/sequences/{id}/report", Plain, SEQUENCE_200),
    // Uploads: salespeople's own (no form: 422; nobody's id: 404); a mail merge as a sequence is made (the
    // owner's contact from the owner's mailbox: the owner and admins).
    ("POST", "/api/v1/sequences/attachments", Plain, [422, 422, 422, 422, 422, 422, 403]),
    ("DELETE", "/api/v1/sequences/attachments/{id}", Plain, [404, 404, 404, 404, 404, 404, 403]),
    ("POST", "/api/v1/mail-merge", Plain, [201, 422, 201, 422, 422, 422, 403]),
    // Reminder letters' links: public; a forged token gets the same page for everyone.
    ("GET", "/r/{token}", Plain, [400, 400, 400, 400, 400, 400, 400]),
    ("POST", "/r/{token}", Plain, [400, 400, 400, 400, 400, 400, 400]),
    // Integrations: admins only; nobody's id (0) is 404 past the role check; the matrix app allows no private
    // webhook targets, so a loopback URL is 422 webhook_url_forbidden past it.
    ("GET", "/api/v1/admin/api-keys", Plain, ADMIN_200),
    ("POST", "/api/v1/admin/api-keys", Plain, ADMIN_201),
    ("DELETE", "/api/v1/admin/api-keys/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/admin/webhooks", Plain, ADMIN_200),
    ("POST", "/api/v1/admin/webhooks", Plain, [422, 403, 403, 403, 403, 403, 403]),
    ("DELETE", "/api/v1/admin/webhooks/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/v1/admin/webhooks/{id}/enable", Plain, [404, 403, 403, 403, 403, 403, 403]),
    // Web forms: admins only; the form's own URL is public (an unknown key is 404 for everyone).
    ("GET", "/api/v1/admin/forms", Plain, ADMIN_200),
    ("POST", "/api/v1/admin/forms", Plain, [422, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/admin/forms/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("PATCH", "/api/v1/admin/forms/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("DELETE", "/api/v1/admin/forms/{id}", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/admin/forms/{id}/snippet", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/admin/forms/{id}/submissions", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("POST", "/f/{key}", Plain, [404, 404, 404, 404, 404, 404, 404]),
    ("OPTIONS", "/f/{key}", Plain, [404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/admin/webhooks/{id}/deliveries", Plain, [404, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/v1/admin/privacy/export", Plain, [422, 403, 403, 403, 403, 403, 403]),
    ("POST", "/api/v1/admin/privacy/erase", Plain, [422, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/admin/privacy/requests", Plain, ADMIN_200),
    // Retention: admins only (no policy is set in the matrix, so a pass deletes nothing).
    ("GET", "/api/v1/admin/retention", Plain, ADMIN_200),
    ("PUT", "/api/v1/admin/retention", Plain, ADMIN_200),
    ("POST", "/api/v1/admin/retention/run", Plain, ADMIN_200),
];

/// An import of "owner": the owner and admins; everyone else 404.
const OWN_IMPORT_200: [u16; 7] = [200, 404, 200, 404, 404, 404, 404];
/// Seeing an import of "owner": also their team lead.
const SEEN_IMPORT_200: [u16; 7] = [200, 200, 200, 404, 404, 404, 404];

/// The seven callers plus a bystander salesperson that shares go to.
struct World {
    app: TestApp,
    ids: [i64; 7],
    tokens: [String; 7],
    emails: [String; 7],
    bystander: i64,
    team: i64,
    pipeline: i64,
    counter: Cell<u32>,
}

impl World {
    fn next(&self) -> u32 {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        n
    }

    fn token(&self, who: usize) -> &str {
        &self.tokens[who]
    }

    fn admin(&self) -> &str {
        &self.app.admin_token
    }
}

/// Records owned by "owner", shared with "shared" and the bystander, with a note, a task and a logged mail.
#[derive(Debug, Clone)]
struct Fx {
    tag: String,
    company: i64,
    contact: i64,
    lead: i64,
    pool_lead: i64,
    deal: i64,
    note: i64,
    task: i64,
    message: i64,
    message_id: String,
    thread: i64,
}

/// Ids of the non-record fixtures that `{id}` stands for.
#[derive(Debug, Clone)]
struct Others {
    spare_team: i64,
    spare_pipeline: i64,
    stage: i64,
    lead_source: i64,
    contact_type: i64,
    company_type: i64,
    custom_field: i64,
    mailbox: i64,
    template: i64,
    segment: i64,
    campaign: i64,
    relay: i64,
    view: i64,
    /// A personal mailbox of "owner" with SMTP settings, and a sequence of theirs sending from it.
    send_mailbox: i64,
    sequence: i64,
    value: String,
}

fn id_of(what: &str, status: u16, v: &Value) -> i64 {
    assert!(status == 200 || status == 201, "{what}: {status} {v}");
    v["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{what} without id: {v}"))
}

async fn world() -> World {
    let app = spawn_app().await;
    let mut ids = [0; 7];
    let mut tokens: [String; 7] = Default::default();
    let mut emails: [String; 7] = Default::default();
    ids[ADMIN] = crate::helpers::user_id(&app, &app.admin_token).await;
    tokens[ADMIN] = app.admin_token.clone();
    emails[ADMIN] = ADMIN_EMAIL.to_string();
    for who in 1..7 {
        let email = format!("{}@test.local", WHO[who]);
        let role = if who == MARKETING {
            "marketing"
        } else {
            "sales"
        };
        let (id, token) = app.user_with_role(&email, role).await;
        ids[who] = id;
        tokens[who] = token;
        emails[who] = email;
    }
    let (bystander, _) = app.user_with_role("bystander@test.local", "sales").await;
    let (status, team) = app
        .post(
            "/api/v1/teams",
            &app.admin_token,
            json!({ "name": "Север", "members": [
                { "user_id": ids[LEAD], "lead": true },
                { "user_id": ids[OWNER], "lead": false },
                { "user_id": ids[MEMBER], "lead": false },
            ] }),
        )
        .await;
    let team = id_of("team", status, &team);
    let (_, pipelines) = app.get("/api/v1/pipelines", &app.admin_token).await;
    let pipeline = pipelines[0]["id"].as_i64().expect("a default pipeline");
    World {
        app,
        ids,
        tokens,
        emails,
        bystander,
        team,
        pipeline,
        counter: Cell::new(0),
    }
}

async fn share(w: &World, token: &str, kind: &str, id: i64, user: i64) {
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/{kind}/{id}/shares"),
            token,
            json!({ "user_id": user }),
        )
        .await;
    assert_eq!(status, 200, "share {kind} {id} with {user}: {body}");
}

/// The owner's mail to the contact, logged from Outlook.
fn log_body(kind: &str, record: i64, message_id: &str, from: &str, subject: &str) -> Value {
    json!({
        "record_kind": kind, "record_id": record, "internet_message_id": message_id,
        "subject": subject, "from": { "name": "Клиент", "address": from },
        "to": [{ "name": "Менеджер", "address": "owner@test.local" }],
        "date": "2026-11-20T10:00:00+03:00", "body_text": "Текст письма: секретные условия"
    })
}

async fn fixture(w: &World) -> Fx {
    let app = &w.app;
    let o = w.token(OWNER);
    let tag = format!("fx{}", w.next());
    let (s, company) = app
        .post(
            "/api/v1/companies",
            o,
            json!({ "name": format!("Компания {tag}"), "domains": [format!("{tag}.ru")] }),
        )
        .await;
    let company = id_of("company", s, &company);
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            o,
            json!({ "name": format!("Контакт {tag}"), "emails": [format!("person@{tag}.ru")], "company_id": company }),
        )
        .await;
    let contact = id_of("contact", s, &contact);
    let (s, lead) = app
        .post(
            "/api/v1/leads",
            o,
            json!({ "name": format!("Лид {tag}"), "email": format!("lead@{tag}-lead.ru") }),
        )
        .await;
    let lead = id_of("lead", s, &lead);
    let (s, pool_lead) = app
        .post(
            "/api/v1/leads",
            w.admin(),
            json!({ "name": format!("Ничей {tag}"), "email": format!("pool@{tag}-pool.ru"), "pool": true }),
        )
        .await;
    let pool_lead = id_of("pool lead", s, &pool_lead);
    let (s, deal) = app
        .post(
            "/api/v1/deals",
            o,
            json!({ "title": format!("Сделка {tag}"), "pipeline_id": w.pipeline, "contact_id": contact }),
        )
        .await;
    let deal = id_of("deal", s, &deal);
    let (s, note) = app
        .post(
            "/api/v1/notes",
            o,
            json!({ "record_kind": "contact", "record_id": contact, "body": format!("заметка {tag}") }),
        )
        .await;
    let note = id_of("note", s, &note);
    let (s, task) = app
        .post(
            "/api/v1/tasks",
            o,
            json!({ "title": format!("задача {tag}"), "record_kind": "contact", "record_id": contact }),
        )
        .await;
    let task = id_of("task", s, &task);
    for (kind, id) in [
        ("companies", company),
        ("contacts", contact),
        ("leads", lead),
        ("deals", deal),
    ] {
        share(w, o, kind, id, w.ids[SHARED]).await;
        share(w, o, kind, id, w.bystander).await;
    }
    let message_id = format!("<{tag}@mail.{tag}.ru>");
    let (s, logged) = app
        .post(
            "/api/v1/messages/log",
            o,
            log_body(
                "contact",
                contact,
                &message_id,
                &format!("person@{tag}.ru"),
                &format!("Письмо {tag}"),
            ),
        )
        .await;
    assert!(s == 200 || s == 201, "log the fixture mail: {s} {logged}");
    let message = logged["message_id"].as_i64().unwrap();
    let (_, m) = app
        .get(&format!("/api/v1/messages/{message}"), w.admin())
        .await;
    let thread = m["thread_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("thread of the logged mail: {m}"));
    Fx {
        tag,
        company,
        contact,
        lead,
        pool_lead,
        deal,
        note,
        task,
        message,
        message_id,
        thread,
    }
}

async fn admin_create(w: &World, path: &str, body: Value) -> i64 {
    let (s, v) = w.app.post(path, w.admin(), body).await;
    id_of(path, s, &v)
}

fn mailbox_body(n: u32) -> Value {
    json!({ "name": format!("Ящик {n}"), "host": "127.0.0.1",
        "port": crate::dovecot::free_port_for_tests(), "security": "plain",
        "username": format!("box{n}@ourcorp.ru"), "password": "x" })
}

/// An SMTP URL where nothing listens.
fn relay_url() -> String {
    format!("smtp://127.0.0.1:{}", crate::dovecot::free_port_for_tests())
}

fn stages() -> Value {
    json!([
        { "name": "Новая", "probability": 10 },
        { "name": "Выиграна", "probability": 100, "kind": "won" },
        { "name": "Проиграна", "probability": 0, "kind": "lost" },
    ])
}

fn template_body(n: u32) -> Value {
    json!({ "name": format!("t{n}"), "subject": "Привет", "html": "<p>{{contact.name}}</p>" })
}

async fn others(w: &World) -> Others {
    let n = w.next();
    let spare_team = admin_create(
        w,
        "/api/v1/teams",
        json!({ "name": format!("spare{n}"), "members": [] }),
    )
    .await;
    let spare_pipeline = admin_create(
        w,
        "/api/v1/pipelines",
        json!({ "name": format!("p{n}"), "stages": stages() }),
    )
    .await;
    let stage = admin_create(
        w,
        &format!("/api/v1/pipelines/{spare_pipeline}/stages"),
        json!({ "name": format!("st{n}"), "probability": 30 }),
    )
    .await;
    let lead_source = admin_create(
        w,
        "/api/v1/lead-sources",
        json!({ "name": format!("src{n}") }),
    )
    .await;
    let contact_type = admin_create(
        w,
        "/api/v1/contact-types",
        json!({ "name": format!("type{n}") }),
    )
    .await;
    let company_type = admin_create(
        w,
        "/api/v1/company-types",
        json!({ "name": format!("ctype{n}") }),
    )
    .await;
    let custom_field = admin_create(w, "/api/v1/custom-fields", custom_field_body(n)).await;
    let mut mailbox = mailbox_body(n);
    mailbox["kind"] = json!("personal");
    mailbox["owner_id"] = json!(w.ids[OWNER]);
    let mailbox = admin_create(w, "/api/v1/mailboxes", mailbox).await;
    let template = admin_create(w, "/api/v1/templates", template_body(n)).await;
    let segment = admin_create(
        w,
        "/api/v1/segments",
        json!({ "name": format!("seg{n}"), "filter": { "tags": [format!("tag{n}")] } }),
    )
    .await;
    let campaign = admin_create(
        w,
        "/api/v1/campaigns",
        json!({ "name": format!("c{n}"), "template_id": template, "segment_id": segment,
            "from_address": "Нордвинд <news@nordwind.ru>" }),
    )
    .await;
    let relay = admin_create(
        w,
        "/api/v1/relays",
        json!({ "name": "matrix-relay", "url": relay_url() }),
    )
    .await;
    let view = admin_create(
        w,
        "/api/v1/views",
        json!({ "kind": "leads", "name": format!("view{n}"), "sort": ["-updated_at"] }),
    )
    .await;
    let mut send_mailbox = mailbox_body(n + 5000);
    send_mailbox["kind"] = json!("personal");
    send_mailbox["owner_id"] = json!(w.ids[OWNER]);
    send_mailbox["smtp"] = json!({ "host": "127.0.0.1", "port": crate::dovecot::free_port_for_tests(),
        "security": "none" });
    let send_mailbox = admin_create(w, "/api/v1/mailboxes", send_mailbox).await;
    let sequence = sequence_fixture(w, send_mailbox).await;
    Others {
        send_mailbox,
        sequence,
        view,
        spare_team,
        spare_pipeline,
        stage,
        lead_source,
        contact_type,
        company_type,
        custom_field,
        mailbox,
        template,
        segment,
        campaign,
        relay,
        value: format!("value{n}.ru"),
    }
}

/// A fresh copy of what a destructive row acts on.
async fn fresh(w: &World, path: &str, fx: &Fx, o: &Others) -> (Fx, Others) {
    let mut fx = fx.clone();
    let mut o = o.clone();
    let n = w.next();
    if path.starts_with("/api/v1/contacts/")
        || path.starts_with("/api/v1/companies/")
        || path.starts_with("/api/v1/leads/")
        || path.starts_with("/api/v1/deals/")
        || path.starts_with("/api/v1/notes/")
        || path.starts_with("/api/v1/tasks/")
        || path.starts_with("/api/v1/messages/")
    {
        fx = fixture(w).await;
    } else if path.starts_with("/api/v1/sequences/") {
        o.sequence = sequence_fixture(w, o.send_mailbox).await;
    } else if path.starts_with("/api/v1/views/") {
        o.view = admin_create(
            w,
            "/api/v1/views",
            json!({ "kind": "deals", "name": format!("gone{n}") }),
        )
        .await;
    } else if path.starts_with("/api/v1/teams/") {
        o.spare_team = admin_create(
            w,
            "/api/v1/teams",
            json!({ "name": format!("gone{n}"), "members": [] }),
        )
        .await;
    } else if path.starts_with("/api/v1/pipelines/") {
        o.spare_pipeline = admin_create(
            w,
            "/api/v1/pipelines",
            json!({ "name": format!("gone{n}"), "stages": stages() }),
        )
        .await;
    } else if path.starts_with("/api/v1/stages/") {
        o.stage = admin_create(
            w,
            &format!("/api/v1/pipelines/{}/stages", o.spare_pipeline),
            json!({ "name": format!("gone{n}"), "probability": 30 }),
        )
        .await;
    } else if path.starts_with("/api/v1/lead-sources/") {
        o.lead_source = admin_create(
            w,
            "/api/v1/lead-sources",
            json!({ "name": format!("gone{n}") }),
        )
        .await;
    } else if path.starts_with("/api/v1/contact-types/") {
        o.contact_type = admin_create(
            w,
            "/api/v1/contact-types",
            json!({ "name": format!("gone{n}") }),
        )
        .await;
    } else if path.starts_with("/api/v1/company-types/") {
        o.company_type = admin_create(
            w,
            "/api/v1/company-types",
            json!({ "name": format!("gone{n}") }),
        )
        .await;
    } else if path.starts_with("/api/v1/custom-fields/") {
        o.custom_field = admin_create(w, "/api/v1/custom-fields", custom_field_body(n)).await;
    } else if path.starts_with("/api/v1/mailboxes/") {
        o.mailbox = admin_create(w, "/api/v1/mailboxes", mailbox_body(n)).await;
    } else if path.starts_with("/api/v1/settings/") {
        o.value = if path.contains("never-log") {
            format!("gone{n}@value.ru")
        } else {
            format!("gone{n}.ru")
        };
        let list = path.trim_end_matches("/{value}");
        let (s, v) = w
            .app
            .post(list, w.admin(), json!({ "value": o.value }))
            .await;
        assert!(s == 200 || s == 201, "{list}: {s} {v}");
    } else if path.starts_with("/api/v1/templates/") {
        o.template = admin_create(w, "/api/v1/templates", template_body(n)).await;
    } else if path.starts_with("/api/v1/segments/") {
        o.segment = admin_create(
            w,
            "/api/v1/segments",
            json!({ "name": format!("gone{n}"), "filter": {} }),
        )
        .await;
    } else if path.starts_with("/api/v1/campaigns/") {
        let tag = format!("camp{n}");
        let (s, c) = w
            .app
            .post(
                "/api/v1/contacts",
                w.admin(),
                json!({ "name": "Получатель", "emails": [format!("rcpt{n}@{tag}.ru")], "tags": [tag] }),
            )
            .await;
        let contact = id_of("recipient", s, &c);
        let (s, c) = w
            .app
            .post(
                &format!("/api/v1/contacts/{contact}/consent"),
                w.admin(),
                json!({ "granted": true, "legal_basis": "152-FZ", "source": "form" }),
            )
            .await;
        assert!(s < 300, "consent: {c}");
        let template = admin_create(w, "/api/v1/templates", template_body(n)).await;
        let segment = admin_create(
            w,
            "/api/v1/segments",
            json!({ "name": format!("gone{n}"), "filter": { "tags": [tag] } }),
        )
        .await;
        o.campaign = admin_create(
            w,
            "/api/v1/campaigns",
            json!({ "name": format!("gone{n}"), "template_id": template, "segment_id": segment,
                "from_address": "Нордвинд <news@nordwind.ru>", "per_second": 1 }),
        )
        .await;
        if path.ends_with("/resume") {
            // Started without a reachable relay, it pauses itself after the first failure.
            let start = format!("/api/v1/campaigns/{}/start", o.campaign);
            let (s, v) = w.app.post(&start, w.admin(), json!({})).await;
            assert_eq!(s, 200, "{start}: {v}");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            loop {
                let (_, c) = w
                    .app
                    .get(&format!("/api/v1/campaigns/{}", o.campaign), w.admin())
                    .await;
                if c["status"] == "paused" {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "never paused: {c}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    } else if path.starts_with("/api/v1/relays/") {
        o.relay = admin_create(
            w,
            "/api/v1/relays",
            json!({ "name": format!("gone{n}"), "url": relay_url() }),
        )
        .await;
    }
    (fx, o)
}

/// A record of `kind` that `who` may write, to keep in a merge (admins' for marketing, who may write none).
async fn keeper(w: &World, who: usize, kind: &str) -> i64 {
    let n = w.next();
    let token = if who == MARKETING {
        w.admin()
    } else {
        w.token(who)
    };
    let body = match kind {
        "contacts" => {
            json!({ "name": format!("Оставить {n}"), "emails": [format!("keep{n}@keep{n}.ru")] })
        }
        "companies" => {
            json!({ "name": format!("Оставить {n}"), "domains": [format!("keep{n}.ru")] })
        }
        _ => json!({ "name": format!("Оставить {n}"), "email": format!("keep{n}@keeplead{n}.ru") }),
    };
    let (s, v) = w.app.post(&format!("/api/v1/{kind}"), token, body).await;
    id_of("keeper", s, &v)
}

fn sequence_body(mailbox: i64) -> Value {
    json!({ "name": "Напоминание", "mailbox_id": mailbox, "time_zone": "Europe/Moscow",
        "steps": [{ "subject": "Предложение", "body": "Добрый день!", "delay": { "days": 3 } }] })
}

/// A sequence of "owner" (its first step three days after enrolment: the matrix sends nothing).
async fn sequence_fixture(w: &World, mailbox: i64) -> i64 {
    let (s, v) = w
        .app
        .post("/api/v1/sequences", w.token(OWNER), sequence_body(mailbox))
        .await;
    id_of("sequence", s, &v)
}

/// The concrete path of a row for one caller.
async fn concrete(w: &World, who: usize, path: &str, case: Case, fx: &Fx, o: &Others) -> String {
    let record = if case == Pool {
        fx.pool_lead
    } else if path.starts_with("/api/v1/contacts/") {
        fx.contact
    } else if path.starts_with("/api/v1/companies/") {
        fx.company
    } else if path.starts_with("/api/v1/leads/") {
        fx.lead
    } else if path.starts_with("/api/v1/deals/") {
        fx.deal
    } else if path.starts_with("/api/v1/notes/") {
        fx.note
    } else if path.starts_with("/api/v1/tasks/") {
        fx.task
    } else if path.starts_with("/api/v1/messages/") {
        fx.message
    } else if path.starts_with("/api/v1/threads/") {
        fx.thread
    } else if path == "/api/v1/users/{id}/reassign" {
        w.ids[MEMBER]
    } else if path.starts_with("/api/v1/views/") {
        o.view
    } else if path.starts_with("/api/v1/users/") {
        w.bystander
    } else if path == "/api/v1/teams/{id}/reply-policy" {
        w.team
    } else if path.starts_with("/api/v1/teams/") {
        o.spare_team
    } else if path.starts_with("/api/v1/pipelines/") {
        o.spare_pipeline
    } else if path.starts_with("/api/v1/stages/") {
        o.stage
    } else if path.starts_with("/api/v1/lead-sources/") {
        o.lead_source
    } else if path.starts_with("/api/v1/contact-types/") {
        o.contact_type
    } else if path.starts_with("/api/v1/company-types/") {
        o.company_type
    } else if path.starts_with("/api/v1/custom-fields/") {
        o.custom_field
    } else if path.starts_with("/api/v1/mailboxes/") {
        o.mailbox
    } else if path.starts_with("/api/v1/sequences/") {
        o.sequence
    } else if path.starts_with("/api/v1/templates/") || path.starts_with("/api/v1/addin/templates/")
    {
        o.template
    } else if path.starts_with("/api/v1/segments/") {
        o.segment
    } else if path.starts_with("/api/v1/campaigns/") {
        o.campaign
    } else if path.starts_with("/api/v1/relays/") {
        o.relay
    } else if path.starts_with("/api/v1/imports/{id}") {
        transfer_import_fixture(w).await
    } else if path == "/api/v1/import-presets/{id}" {
        transfer_preset_fixture(w).await
    } else {
        0
    };
    let record = if path.ends_with("/merge") {
        let kind = path.split('/').nth(3).unwrap();
        keeper(w, who, kind).await
    } else {
        record
    };
    let path = path
        .replace("{id}", &record.to_string())
        .replace("{user_id}", &w.bystander.to_string())
        .replace("{kind}/{record_id}", &format!("contact/{}", fx.contact))
        .replace("{index}", "0")
        .replace("{value}", &o.value)
        .replace(
            "{file}",
            if path.starts_with("/console/") {
                "app.js"
            } else {
                "taskpane.html"
            },
        )
        .replace("{token}", "Zm9yZ2VkLXRva2Vu.AAAA");
    let path = path.replace("/exports/{kind}", "/exports/contacts");
    match path.as_str() {
        "/api/v1/imports" => return format!("{path}?kind=contacts&filename=matrix.csv"),
        "/api/v1/imports/fields" | "/api/v1/import-presets" => {
            return format!("{path}?kind=contacts")
        }
        _ => {}
    }
    if path == "/api/v1/record-fields" {
        return format!("{path}?kind=company");
    }
    if path == "/api/v1/search" {
        return format!("{path}?q={}", fx.tag);
    }
    if path == "/api/v1/lookup" {
        let mid = fx.message_id.trim_matches(['<', '>']);
        return format!("{path}?email=person%40{}.ru&message_id=%3C{mid}%3E", fx.tag);
    }
    path
}

/// A body that is valid for the route, so that the status is about access.
fn body(w: &World, who: usize, method: &str, path: &str, case: Case, fx: &Fx) -> Option<Value> {
    let n = w.next();
    let password = if who == ADMIN {
        ADMIN_PASSWORD
    } else {
        USER_PASSWORD
    };
    if case == ReOwn {
        return Some(json!({ "owner_id": w.ids[MEMBER] }));
    }
    if method == "GET" || method == "DELETE" {
        return None;
    }
    let tail = path.rsplit('/').next().unwrap();
    Some(match (method, path) {
        (_, "/api/v1/auth/login") => json!({ "email": w.emails[who], "password": password }),
        ("POST", "/api/v1/oidc/providers") => {
            json!({ "name": "IdP", "kind": "oidc", "client_id": "c",
            "discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration" })
        }
        (_, "/api/v1/me/password") => {
            json!({ "current_password": password, "new_password": format!("{password}-changed") })
        }
        ("POST", "/api/v1/users") => json!({ "email": format!("new{n}@test.local"),
            "name": "Новый", "role": "sales", "password": USER_PASSWORD }),
        ("PATCH", "/api/v1/users/{id}") => json!({ "name": format!("Наблюдатель {n}") }),
        (_, "/api/v1/settings/reply-policy" | "/api/v1/teams/{id}/reply-policy") => {
            json!({ "hours": 8, "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00",
                "time_zone": "Europe/Moscow", "holidays": ["2027-01-01"] })
        }
        ("POST", "/api/v1/teams") | ("PUT", "/api/v1/teams/{id}") => {
            json!({ "name": format!("team{n}"), "members": [] })
        }
        ("POST", "/api/v1/pipelines") => {
            json!({ "name": format!("pipe{n}"), "stages": stages() })
        }
        ("PATCH", "/api/v1/pipelines/{id}") => json!({ "name": format!("pipe{n}") }),
        ("POST", "/api/v1/pipelines/{id}/stages") => {
            json!({ "name": format!("stage{n}"), "probability": 40 })
        }
        ("PATCH", "/api/v1/stages/{id}") => json!({ "name": format!("stage{n}") }),
        (_, "/api/v1/lead-sources" | "/api/v1/lead-sources/{id}") => {
            json!({ "name": format!("source{n}") })
        }
        (_, "/api/v1/contact-types" | "/api/v1/contact-types/{id}") => {
            json!({ "name": format!("ctype{n}") })
        }
        (_, "/api/v1/company-types" | "/api/v1/company-types/{id}") => {
            json!({ "name": format!("cotype{n}") })
        }
        ("POST", "/api/v1/custom-fields") => custom_field_body(n),
        ("PATCH", "/api/v1/custom-fields/{id}") => json!({ "label": format!("Поле {n}") }),
        ("POST", "/api/v1/companies") => {
            json!({ "name": format!("Фирма {n}"), "domains": [format!("firm{n}.ru")] })
        }
        ("PATCH", "/api/v1/companies/{id}") => json!({ "name": format!("Компания {n}") }),
        ("POST", "/api/v1/contacts") => {
            json!({ "name": format!("Новый {n}"), "emails": [format!("new{n}@created{n}.ru")] })
        }
        ("PATCH", "/api/v1/contacts/{id}") => json!({ "position": format!("Директор {n}") }),
        ("POST", "/api/v1/leads") => {
            json!({ "name": format!("Лид {n}"), "email": format!("l{n}@newlead{n}.ru") })
        }
        ("PATCH", "/api/v1/leads/{id}") => json!({ "name": format!("Лид {n}") }),
        ("POST", "/api/v1/deals") => {
            json!({ "title": format!("Сделка {n}"), "pipeline_id": w.pipeline })
        }
        ("PATCH", "/api/v1/deals/{id}") => json!({ "title": format!("Сделка {n}") }),
        ("POST", "/api/v1/contacts/{id}/merge") => json!({ "other_id": fx.contact }),
        ("POST", "/api/v1/companies/{id}/merge") => json!({ "other_id": fx.company }),
        ("POST", "/api/v1/leads/{id}/merge") => json!({ "other_id": fx.lead }),
        ("POST", _) if tail == "shares" => json!({ "user_id": w.bystander }),
        ("POST", "/api/v1/contacts/{id}/consent") => {
            json!({ "granted": true, "legal_basis": "152-FZ", "source": "звонок" })
        }
        ("POST", "/api/v1/notes") => {
            json!({ "record_kind": "contact", "record_id": fx.contact, "body": format!("заметка {n}") })
        }
        ("PATCH", "/api/v1/notes/{id}") => json!({ "body": format!("переписано {n}") }),
        ("POST", "/api/v1/tasks") => {
            json!({ "title": format!("задача {n}"), "record_kind": "contact", "record_id": fx.contact })
        }
        ("PATCH", "/api/v1/tasks/{id}") => json!({ "title": format!("задача {n}") }),
        ("POST", "/api/v1/users/{id}/reassign") => json!({ "to_user_id": w.ids[OWNER] }),
        ("POST", "/api/v1/mailboxes") => mailbox_body(n),
        ("PATCH", "/api/v1/mailboxes/{id}") => json!({ "name": format!("Ящик {n}") }),
        ("PUT", "/api/v1/mailboxes/{id}/visibility") => json!({ "visibility": "metadata" }),
        ("PUT", "/api/v1/mailboxes/{id}/sending-limits") => json!({ "custom": { "per_day": 500 } }),
        ("POST", "/api/v1/mailboxes/{id}/smtp/test") => json!({ "to": "olga@omega.ru" }),
        ("PUT", "/api/v1/threads/{id}/private") => json!({ "private": false }),
        ("POST", "/api/v1/messages/{id}/links") => {
            json!({ "record_kind": "contact", "record_id": fx.contact })
        }
        ("PUT", "/api/v1/messages/{id}/classification") => json!({ "class": "human" }),
        ("POST", "/api/v1/settings/never-log") => json!({ "value": format!("nolog{n}@value.ru") }),
        ("POST", _) if path.starts_with("/api/v1/settings/") => {
            json!({ "value": format!("domain{n}.ru") })
        }
        ("POST", "/api/v1/messages/log") => log_body(
            "contact",
            fx.contact,
            &format!("<log{n}@mail.{}.ru>", fx.tag),
            &format!("person@{}.ru", fx.tag),
            "Залогировано",
        ),
        ("POST", "/api/v1/templates") | ("PUT", "/api/v1/templates/{id}") => template_body(n),
        ("POST", "/api/v1/templates/{id}/preview") => json!({ "contact_id": fx.contact }),
        ("POST", "/api/v1/templates/preview") => {
            json!({ "contact_id": fx.contact, "template": template_body(n) })
        }
        ("POST", "/api/v1/views") | ("PUT", "/api/v1/views/{id}") => {
            json!({ "kind": "contacts", "name": format!("view-new{n}"), "filters": { "scope": "mine" } })
        }
        ("POST", "/api/v1/addin/templates/{id}/render") => json!({ "contact_id": fx.contact }),
        ("POST", "/api/v1/templates/preview/lead") => {
            json!({ "lead_id": fx.lead, "template": template_body(n) })
        }
        ("POST", "/api/v1/segments/count") => json!({ "filter": { "tags": ["x"] } }),
        ("POST", "/api/v1/templates/{id}/test-send") => {
            json!({ "contact_id": fx.contact, "to": "qa@example.ru", "relay": "matrix-relay" })
        }
        ("POST", "/api/v1/segments") | ("PUT", "/api/v1/segments/{id}") => {
            json!({ "name": format!("segment{n}"), "filter": { "tags": ["x"] } })
        }
        ("POST", "/api/v1/suppressions") => json!({ "address": format!("sup{n}@example.ru") }),
        ("POST", "/api/v1/relays") => {
            json!({ "name": format!("relay-new{n}"), "url": relay_url() })
        }
        ("PATCH", "/api/v1/relays/{id}") => json!({ "name": format!("relay-renamed{n}") }),
        ("POST", "/u/{token}") | ("POST", "/r/{token}") => return None,
        ("PUT", "/api/v1/settings/reminders") => json!({ "relay": null }),
        ("PUT", "/api/v1/me/digest") => json!({ "time_zone": "Europe/Moscow", "hour": 9 }),
        ("POST", "/api/v1/import-presets") => {
            json!({ "kind": "contacts", "name": format!("preset{n}"), "mapping": { "ФИО": "name" } })
        }
        ("PUT", "/api/v1/settings/export-roles") => json!({ "roles": [] }),
        ("POST", "/api/v1/admin/api-keys") => {
            json!({ "name": format!("key{n}"), "role": "sales", "actions": ["contacts:read"] })
        }
        ("POST", "/api/v1/admin/webhooks") => {
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["lead.created"] })
        }
        _ => json!({}),
    })
}

/// Any request, any answer (JSON or not): status and text.
async fn raw_call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// For the list routes: does the caller's list show the fixture record exactly when they may read it?
async fn list_check(w: &World, who: usize, path: &str, fx: &Fx) -> Option<String> {
    let (id, may_see) = match path {
        "/api/v1/contacts" => (fx.contact, READ_CC[who] == 200),
        "/api/v1/companies" => (fx.company, READ_CC[who] == 200),
        "/api/v1/leads" => (fx.lead, READ_LD[who] == 200),
        "/api/v1/deals" => (fx.deal, READ_LD[who] == 200),
        "/api/v1/tasks" => (fx.task, READ_LD[who] == 200),
        "/api/v1/messages" => (fx.message, MAIL_READ[who] == 200),
        _ => return None,
    };
    let (status, list) = w.app.get(&format!("{path}?limit=200"), w.token(who)).await;
    if status != 200 {
        return None;
    }
    let shown = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id);
    (shown != may_see).then(|| {
        format!(
            "GET {path} as {}: fixture {id} listed {shown}, expected {may_see}",
            WHO[who]
        )
    })
}

async fn campaign_body(w: &World, o: &Others) -> Value {
    let n = w.next();
    json!({ "name": format!("campaign{n}"), "template_id": o.template, "segment_id": o.segment,
        "from_address": "Нордвинд <news@nordwind.ru>" })
}

#[tokio::test]
async fn every_route_is_in_the_authorization_matrix() {
    let w = world().await;
    let app = &w.app;

    // The table and the route table are the same set of (method, path).
    let routes: BTreeSet<(String, String)> = app
        .routes
        .iter()
        .map(|r| (r.method.as_str().to_string(), r.path.to_string()))
        .collect();
    let rows: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = routes.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes missing from the matrix: {missing:?}; matrix rows with no route: {stale:?}"
    );

    let fx = fixture(&w).await;
    let o = others(&w).await;
    let mut failures = Vec::new();
    let mut calls = 0;
    let plain = MATRIX.iter().filter(|r| r.2 != Last);
    let last = MATRIX.iter().filter(|r| r.2 == Last);
    for (phase, rows) in [plain.collect::<Vec<_>>(), last.collect()]
        .into_iter()
        .enumerate()
    {
        if phase == 1 {
            // Rows that must have left the fixture valid did: the owner's contact is still shared.
            let (_, shares) = app
                .get(
                    &format!("/api/v1/contacts/{}/shares", fx.contact),
                    w.admin(),
                )
                .await;
            assert!(
                shares["user_ids"]
                    .as_array()
                    .is_some_and(|u| u.contains(&json!(w.ids[SHARED]))),
                "the fixture stayed shared: {shares}"
            );
            let (_, team) = app
                .get(&format!("/api/v1/teams/{}", w.team), w.admin())
                .await;
            assert_eq!(
                team["members"].as_array().map(Vec::len),
                Some(3),
                "the fixture team stayed: {team}"
            );
        }
        for &&(method, path, case, expected) in &rows {
            for who in 0..7 {
                let (fx, o) = if matches!(case, Fresh | ReOwn) {
                    fresh(&w, path, &fx, &o).await
                } else {
                    (fx.clone(), o.clone())
                };
                let concrete_path = concrete(&w, who, path, case, &fx, &o).await;
                let body = if (method, path) == ("POST", "/api/v1/campaigns") {
                    Some(campaign_body(&w, &o).await)
                } else if matches!(path, "/api/v1/sequences" | "/api/v1/sequences/{id}")
                    && method != "GET"
                {
                    (method != "DELETE").then(|| sequence_body(o.send_mailbox))
                } else if path == "/api/v1/sequences/{id}/enrolments" && method == "POST" {
                    Some(json!({ "contact_ids": [fx.contact] }))
                } else if path == "/api/v1/mail-merge" {
                    // A window of one Sunday minute: the matrix sends nothing.
                    Some(
                        json!({ "mailbox_id": o.send_mailbox, "subject": "Предложение", "body": "Добрый день!",
                        "contact_ids": [fx.contact], "send_window": {"start": "03:00", "end": "03:01", "days": [7]} }),
                    )
                } else {
                    body(&w, who, method, path, case, &fx)
                };
                let token = (path != "/api/v1/auth/login").then(|| w.token(who));
                let (status, text) = raw_call(
                    app,
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &concrete_path,
                    token,
                    body.clone(),
                )
                .await;
                calls += 1;
                if status != expected[who] {
                    let text: String = text.chars().take(300).collect();
                    failures.push(format!(
                    "{method} {path} [{case:?}] as {}: expected {}, got {status} ({concrete_path}; body {}) {text}",
                    WHO[who],
                    expected[who],
                    body.unwrap_or(Value::Null)
                ));
                }
                if method == "GET" && status == 200 {
                    if let Some(f) = list_check(&w, who, path, &fx).await {
                        failures.push(f);
                    }
                }
            }
        }
    }
    assert!(calls >= MATRIX.len() * 7);
    assert!(
        failures.is_empty(),
        "{} of {calls} calls answered otherwise than the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Focused tests of the escalation paths.

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

async fn create_ok(app: &TestApp, path: &str, token: &str, body: Value) -> i64 {
    let (status, v) = app.post(path, token, body).await;
    assert_eq!(status, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

/// The kinds of a record's timeline items.
async fn timeline(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let (status, t) = app.get(&format!("{path}/timeline"), token).await;
    assert_eq!(status, 200, "{path}/timeline: {t}");
    t["items"]
        .as_array()
        .unwrap_or_else(|| panic!("timeline items: {t}"))
        .clone()
}

#[tokio::test]
async fn companies_with_our_own_or_free_mail_domains_are_refused() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@test.local", "sales").await;
    let (status, body) = app
        .post(
            "/api/v1/settings/own-domains",
            &app.admin_token,
            json!({ "value": "nordwind-group.ru" }),
        )
        .await;
    assert!(status < 300, "{body}");
    let mut mailbox = mailbox_body(1);
    mailbox["username"] = json!("sales@nordwind-mail.ru");
    add_mailbox(&app, mailbox).await;

    for domain in [
        "nordwind-group.ru",
        "spb.nordwind-group.ru",
        "nordwind-mail.ru",
        "gmail.com",
        "mail.ru",
    ] {
        let (status, body) = app
            .post(
                "/api/v1/companies",
                &sales,
                json!({ "name": format!("Компания {domain}"), "domains": [domain] }),
            )
            .await;
        assert_eq!(status, 422, "company with domain {domain}: {body}");
        let (status, body) = app
            .post(
                "/api/v1/companies",
                &app.admin_token,
                json!({ "name": format!("Админ {domain}"), "domains": [domain], "allow_duplicate": true }),
            )
            .await;
        assert_eq!(status, 422, "admin, company with domain {domain}: {body}");
    }
    // Not by editing either; a client's own domain is fine.
    let id = create_ok(
        &app,
        "/api/v1/companies",
        &sales,
        json!({ "name": "ООО Клиент", "domains": ["client.ru"] }),
    )
    .await;
    let (status, body) = patch(
        &app,
        &format!("/api/v1/companies/{id}"),
        &sales,
        json!({ "domains": ["client.ru", "gmail.com"] }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(
        &app,
        &format!("/api/v1/companies/{id}"),
        &sales,
        json!({ "domains": ["nordwind-mail.ru"] }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn a_duplicate_of_a_hidden_record_is_409_naming_the_owner_but_not_the_record() {
    let app = spawn_app().await;
    let (x_id, x) = app.user_with_role("x@test.local", "sales").await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &x,
        json!({ "name": "Секретный Клиент", "emails": ["boss@client.ru"], "phones": ["+7 916 123-45-67"] }),
    )
    .await;
    let company = create_ok(
        &app,
        "/api/v1/companies",
        &x,
        json!({ "name": "Тайная Фирма", "domains": ["client.ru"] }),
    )
    .await;
    let hidden_lead = create_ok(
        &app,
        "/api/v1/leads",
        &x,
        json!({ "name": "Скрытый Лид", "email": "lead@hidden-lead.ru" }),
    )
    .await;
    for (path, body, id) in [
        (
            "/api/v1/contacts",
            json!({ "name": "Дубль", "emails": ["BOSS@client.ru"], "allow_duplicate": true }),
            contact,
        ),
        (
            "/api/v1/contacts",
            json!({ "name": "Дубль", "phones": ["8 (916) 123 45 67"], "allow_duplicate": true }),
            contact,
        ),
        (
            "/api/v1/companies",
            json!({ "name": "Другое имя", "domains": ["www.client.ru"], "allow_duplicate": true }),
            company,
        ),
        (
            "/api/v1/leads",
            json!({ "name": "Дубль-лид", "email": "boss@client.ru", "allow_duplicate": true }),
            contact,
        ),
        (
            "/api/v1/contacts",
            json!({ "name": "Дубль лида", "emails": ["lead@hidden-lead.ru"], "allow_duplicate": true }),
            hidden_lead,
        ),
        (
            "/api/v1/leads",
            json!({ "name": "Дубль лида", "email": "lead@hidden-lead.ru", "allow_duplicate": true }),
            hidden_lead,
        ),
    ] {
        let (status, err) = app.post(path, &o, body.clone()).await;
        assert_eq!(status, 409, "{path} {body}: {err}");
        assert_eq!(error_code(&err), "duplicate");
        let existing = if err["error"]["existing"].is_object() {
            &err["error"]["existing"]
        } else {
            &err["error"]["details"]
        };
        assert_eq!(existing["id"], id, "{err}");
        assert_eq!(existing["owner_id"], x_id, "{err}");
        assert!(existing["owner_name"].is_string(), "{err}");
        assert!(existing["kind"].is_string(), "{err}");
        assert_eq!(
            existing["name"],
            Value::Null,
            "the hidden name leaks: {err}"
        );
        assert!(
            !err.to_string().contains("Секретный") && !err.to_string().contains("Тайная"),
            "{err}"
        );
    }
    // Nor by editing one's own records into the duplicate.
    let own = create_ok(
        &app,
        "/api/v1/contacts",
        &o,
        json!({ "name": "Свой", "emails": ["own@own-client.ru"] }),
    )
    .await;
    let own_company = create_ok(
        &app,
        "/api/v1/companies",
        &o,
        json!({ "name": "Своя", "domains": ["own-client.ru"] }),
    )
    .await;
    for (path, body) in [
        (
            format!("/api/v1/contacts/{own}"),
            json!({ "emails": ["own@own-client.ru", "boss@client.ru"] }),
        ),
        (
            format!("/api/v1/contacts/{own}"),
            json!({ "phones": ["+79161234567"] }),
        ),
        (
            format!("/api/v1/companies/{own_company}"),
            json!({ "domains": ["own-client.ru", "client.ru"] }),
        ),
    ] {
        let (status, err) = patch(&app, &path, &o, body.clone()).await;
        assert_eq!(status, 409, "PATCH {path} {body}: {err}");
        assert_eq!(error_code(&err), "duplicate");
        assert_eq!(err["error"]["existing"]["name"], Value::Null, "{err}");
    }
    // Nothing was created, and the record stays hidden.
    let (_, list) = app.get("/api/v1/contacts", &o).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{contact}"), &o).await.0,
        404
    );
}

#[tokio::test]
async fn converting_a_lead_onto_a_colleagues_contact_is_409_and_does_not_open_it() {
    let app = spawn_app().await;
    let (x_id, x) = app.user_with_role("x@test.local", "sales").await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let lead = create_ok(
        &app,
        "/api/v1/leads",
        &o,
        json!({ "name": "Входящий", "email": "ceo@bigclient.ru" }),
    )
    .await;
    // The colleague's client with the same address (an admin files it for them).
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &app.admin_token,
        json!({ "name": "Клиент Коллеги", "emails": ["ceo@bigclient.ru"], "owner_id": x_id, "allow_duplicate": true }),
    )
    .await;
    create_ok(
        &app,
        "/api/v1/notes",
        &x,
        json!({ "record_kind": "contact", "record_id": contact, "body": "личное" }),
    )
    .await;

    let (status, err) = app
        .post(&format!("/api/v1/leads/{lead}/convert"), &o, json!({}))
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(error_code(&err), "duplicate");
    assert_eq!(err["error"]["existing"]["name"], Value::Null, "{err}");
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{contact}"), &o).await.0,
        404,
        "the colleague's contact stays hidden"
    );
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{contact}/timeline"), &o)
            .await
            .0,
        404
    );
    let (_, lead_now) = app.get(&format!("/api/v1/leads/{lead}"), &o).await;
    assert_ne!(lead_now["status"], "converted", "{lead_now}");
    assert_eq!(lead_now["contact_id"], Value::Null, "{lead_now}");
    // Naming the contact explicitly does not work either.
    let (status, err) = app
        .post(
            &format!("/api/v1/leads/{lead}/convert"),
            &o,
            json!({ "contact_id": contact }),
        )
        .await;
    assert_eq!(status, 404, "{err}");
}

#[tokio::test]
async fn a_shared_with_user_cannot_merge_a_shared_record_away() {
    let app = spawn_app().await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let (s_id, s) = app.user_with_role("s@test.local", "sales").await;
    for (kind, theirs, mine) in [
        (
            "contacts",
            json!({ "name": "Чужой", "emails": ["a@owner-client.ru"] }),
            json!({ "name": "Свой", "emails": ["b@shared-client.ru"] }),
        ),
        (
            "companies",
            json!({ "name": "Чужая", "domains": ["owner-client.ru"] }),
            json!({ "name": "Своя", "domains": ["shared-client.ru"] }),
        ),
        (
            "leads",
            json!({ "name": "Чужой лид", "email": "a@owner-lead.ru" }),
            json!({ "name": "Свой лид", "email": "b@shared-lead.ru" }),
        ),
    ] {
        let theirs = create_ok(&app, &format!("/api/v1/{kind}"), &o, theirs).await;
        let mine = create_ok(&app, &format!("/api/v1/{kind}"), &s, mine).await;
        let (status, body) = app
            .post(
                &format!("/api/v1/{kind}/{theirs}/shares"),
                &o,
                json!({ "user_id": s_id }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .post(
                &format!("/api/v1/{kind}/{mine}/merge"),
                &s,
                json!({ "other_id": theirs }),
            )
            .await;
        assert_eq!(status, 403, "{kind}: merged the shared record away: {body}");
        assert_eq!(
            app.get(&format!("/api/v1/{kind}/{theirs}"), &o).await.0,
            200,
            "{kind}: the shared record still exists"
        );
        assert_eq!(
            app.get(&format!("/api/v1/{kind}/{theirs}"), &s).await.0,
            200,
            "{kind}: and is still shared"
        );
        // Keeping the shared record and merging one's own into it is editing, which the share allows.
        let (status, body) = app
            .post(
                &format!("/api/v1/{kind}/{theirs}/merge"),
                &s,
                json!({ "other_id": mine }),
            )
            .await;
        assert_eq!(status, 200, "{kind}: {body}");
        assert_eq!(app.get(&format!("/api/v1/{kind}/{mine}"), &s).await.0, 404);
        // And a shared-with user may not delete it, re-own it or pass it on.
        let path = format!("/api/v1/{kind}/{theirs}");
        assert_eq!(delete(&app, &path, &s).await.0, 403, "{kind} delete");
        assert_eq!(
            patch(&app, &path, &s, json!({ "owner_id": s_id })).await.0,
            403,
            "{kind} re-own"
        );
        assert_eq!(
            app.post(&format!("{path}/shares"), &s, json!({ "user_id": s_id }))
                .await
                .0,
            403,
            "{kind} share"
        );
        assert_eq!(
            delete(&app, &format!("{path}/shares/{s_id}"), &s).await.0,
            403,
            "{kind} unshare"
        );
        assert_eq!(app.get(&path, &o).await.0, 200);
    }
}

#[tokio::test]
async fn a_shared_companys_timeline_leaves_out_what_hangs_on_records_the_caller_does_not_see() {
    let app = spawn_app().await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let (s_id, s) = app.user_with_role("s@test.local", "sales").await;
    let (x_id, x) = app.user_with_role("x@test.local", "sales").await;
    let company = create_ok(
        &app,
        "/api/v1/companies",
        &o,
        json!({ "name": "Общая Фирма", "domains": ["shared-firm.ru"] }),
    )
    .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/companies/{company}/shares"),
            &o,
            json!({ "user_id": s_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // A contact of the company that belongs to the other salesperson, with their private note and task.
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &app.admin_token,
        json!({ "name": "Контакт Другого", "emails": ["x@shared-firm.ru"], "company_id": company, "owner_id": x_id }),
    )
    .await;
    create_ok(
        &app,
        "/api/v1/notes",
        &x,
        json!({ "record_kind": "contact", "record_id": contact, "body": "приватная заметка" }),
    )
    .await;
    create_ok(
        &app,
        "/api/v1/tasks",
        &x,
        json!({ "title": "приватная задача", "record_kind": "contact", "record_id": contact }),
    )
    .await;
    // The other salesperson's deal with the company and subsidiary of it, with their notes.
    let (_, pipelines) = app.get("/api/v1/pipelines", &x).await;
    let deal = create_ok(
        &app,
        "/api/v1/deals",
        &app.admin_token,
        json!({ "title": "Сделка Другого", "pipeline_id": pipelines[0]["id"], "company_id": company, "owner_id": x_id }),
    )
    .await;
    create_ok(
        &app,
        "/api/v1/notes",
        &x,
        json!({ "record_kind": "deal", "record_id": deal, "body": "приватная заметка по сделке" }),
    )
    .await;
    let stages = pipelines[0]["stages"].as_array().unwrap();
    let (status, body) = patch(
        &app,
        &format!("/api/v1/deals/{deal}"),
        &x,
        json!({ "stage_id": stages[1]["id"] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let child = create_ok(
        &app,
        "/api/v1/companies",
        &app.admin_token,
        json!({ "name": "Дочка Другого", "domains": ["child-x.ru"], "parent_id": company, "owner_id": x_id }),
    )
    .await;
    create_ok(
        &app,
        "/api/v1/notes",
        &x,
        json!({ "record_kind": "company", "record_id": child, "body": "приватная заметка дочки" }),
    )
    .await;
    // One of the company's own, which everyone who sees the company sees.
    create_ok(
        &app,
        "/api/v1/notes",
        &o,
        json!({ "record_kind": "company", "record_id": company, "body": "общая заметка" }),
    )
    .await;
    let path = format!("/api/v1/companies/{company}");
    let texts = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| i["text"].as_str().map(str::to_string))
            .collect()
    };
    let admin = texts(&timeline(&app, &path, &app.admin_token).await);
    for text in [
        "приватная заметка",
        "приватная заметка по сделке",
        "приватная заметка дочки",
    ] {
        assert!(
            admin.iter().any(|t| t == text),
            "the roll-up does include {text}: {admin:?}"
        );
    }
    let all_items = timeline(&app, &path, &app.admin_token).await;
    assert!(
        all_items.iter().any(|i| i["kind"] == "stage_change"),
        "{all_items:?}"
    );
    for (who, token) in [("shared", &s), ("owner", &o)] {
        let seen = texts(&timeline(&app, &path, token).await);
        assert!(seen.iter().any(|t| t == "общая заметка"), "{who}: {seen:?}");
        assert!(
            !seen.iter().any(|t| t.starts_with("приватная")),
            "{who} reads another's private note through the shared company: {seen:?}"
        );
        let items = timeline(&app, &path, token).await;
        assert!(
            items.iter().all(|i| {
                let on = (i["record_kind"].as_str(), i["record_id"].as_i64());
                i["kind"] != "stage_change"
                    && on != (Some("contact"), Some(contact))
                    && on != (Some("deal"), Some(deal))
                    && on != (Some("company"), Some(child))
            }),
            "{who} sees items of hidden records: {items:?}"
        );
    }
}

#[tokio::test]
async fn marketing_reads_contacts_without_notes_tasks_or_stage_changes() {
    let app = spawn_app().await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let (_, m) = app.user_with_role("m@test.local", "marketing").await;
    let company = create_ok(
        &app,
        "/api/v1/companies",
        &o,
        json!({ "name": "Фирма", "domains": ["firm-m.ru"] }),
    )
    .await;
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &o,
        json!({ "name": "Клиент", "emails": ["c@firm-m.ru"], "company_id": company }),
    )
    .await;
    let note = create_ok(
        &app,
        "/api/v1/notes",
        &o,
        json!({ "record_kind": "contact", "record_id": contact, "body": "заметка продавца" }),
    )
    .await;
    let (status, body) = patch(
        &app,
        &format!("/api/v1/notes/{note}"),
        &o,
        json!({ "body": "заметка продавца 2" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let task = create_ok(
        &app,
        "/api/v1/tasks",
        &o,
        json!({ "title": "позвонить", "record_kind": "contact", "record_id": contact }),
    )
    .await;
    let (status, body) = patch(
        &app,
        &format!("/api/v1/tasks/{task}"),
        &o,
        json!({ "done": true }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, pipelines) = app.get("/api/v1/pipelines", &o).await;
    let stages = pipelines[0]["stages"].as_array().unwrap();
    let deal = create_ok(
        &app,
        "/api/v1/deals",
        &o,
        json!({ "title": "Сделка", "pipeline_id": pipelines[0]["id"], "contact_id": contact, "company_id": company }),
    )
    .await;
    let (status, body) = patch(
        &app,
        &format!("/api/v1/deals/{deal}"),
        &o,
        json!({ "stage_id": stages[1]["id"] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/messages/log",
            &o,
            log_body(
                "contact",
                contact,
                "<m1@firm-m.ru>",
                "c@firm-m.ru",
                "Письмо клиента",
            ),
        )
        .await;
    assert!(status < 300, "{body}");

    for path in [
        format!("/api/v1/contacts/{contact}"),
        format!("/api/v1/companies/{company}"),
    ] {
        let all = timeline(&app, &path, &app.admin_token).await;
        let kinds: BTreeSet<&str> = all.iter().filter_map(|i| i["kind"].as_str()).collect();
        assert!(
            kinds.contains("note") && kinds.contains("task") && kinds.contains("email"),
            "{path}: the admin's timeline has all kinds: {kinds:?}"
        );
        let items = timeline(&app, &path, &m).await;
        assert!(
            items.iter().any(|i| i["kind"] == "email"),
            "{path}: marketing sees the mail: {items:?}"
        );
        assert!(
            items.iter().all(|i| i["kind"] == "email"),
            "{path}: marketing's timeline shows more than mail: {items:?}"
        );

        let (status, audit) = app.get(&format!("{path}/audit"), &app.admin_token).await;
        assert_eq!(status, 200);
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["action"].as_str())
            .collect();
        if path.contains("contacts") {
            assert!(
                actions.contains(&"note") && actions.contains(&"task"),
                "the admin's audit has note and task entries: {actions:?}"
            );
        }
        let (status, audit) = app.get(&format!("{path}/audit"), &m).await;
        assert_eq!(status, 200, "{audit}");
        let entries = audit["items"].as_array().unwrap();
        assert!(!entries.is_empty(), "{path}: {audit}");
        for entry in entries {
            assert!(
                entry["action"] != "note" && entry["action"] != "task",
                "{path}: marketing's audit has {entry}"
            );
            assert!(
                !entry.to_string().contains("заметка продавца")
                    && !entry.to_string().contains("позвонить"),
                "{path}: marketing's audit carries a note or task: {entry}"
            );
        }
    }
    for path in [
        format!("/api/v1/notes/{note}"),
        format!("/api/v1/tasks/{task}"),
        format!("/api/v1/deals/{deal}"),
        format!("/api/v1/deals/{deal}/timeline"),
    ] {
        assert_eq!(app.get(&path, &m).await.0, 403, "{path}");
    }
}

#[tokio::test]
async fn a_team_lead_manages_the_members_records_and_reassigns_within_the_team_only() {
    let app = spawn_app().await;
    let (lead_id, lead) = app.user_with_role("lead@test.local", "sales").await;
    let (a_id, a) = app.user_with_role("a@test.local", "sales").await;
    let (b_id, b) = app.user_with_role("b@test.local", "sales").await;
    let (x_id, x) = app.user_with_role("x@test.local", "sales").await;
    let (status, team) = app
        .post(
            "/api/v1/teams",
            &app.admin_token,
            json!({ "name": "Юг", "members": [
                { "user_id": lead_id, "lead": true },
                { "user_id": a_id, "lead": false },
                { "user_id": b_id, "lead": false },
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let contact_of =
        |n: &str| json!({ "name": format!("Клиент {n}"), "emails": [format!("c@{n}.ru")] });
    let a1 = create_ok(&app, "/api/v1/contacts", &a, contact_of("a1")).await;
    let a2 = create_ok(&app, "/api/v1/contacts", &a, contact_of("a2")).await;
    let a3 = create_ok(&app, "/api/v1/contacts", &a, contact_of("a3")).await;
    let x1 = create_ok(&app, "/api/v1/contacts", &x, contact_of("x1")).await;

    // A plain member does not see a teammate's records, nor find them in lists.
    assert_eq!(app.get(&format!("/api/v1/contacts/{a1}"), &b).await.0, 404);
    let (_, list) = app.get("/api/v1/contacts", &b).await;
    assert_eq!(list["items"], json!([]), "member's list");

    // The lead sees, edits, re-owns within the team and deletes the member's contact.
    let p1 = format!("/api/v1/contacts/{a1}");
    assert_eq!(app.get(&p1, &lead).await.0, 200);
    let (_, list) = app.get("/api/v1/contacts", &lead).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        3,
        "the lead lists the member's contacts: {list}"
    );
    let (status, body) = patch(&app, &p1, &lead, json!({ "position": "Директор" })).await;
    assert_eq!((status, body["position"].clone()), (200, json!("Директор")));
    create_ok(
        &app,
        "/api/v1/notes",
        &lead,
        json!({ "record_kind": "contact", "record_id": a1, "body": "от руководителя" }),
    )
    .await;
    assert_eq!(app.get(&format!("{p1}/timeline"), &lead).await.0, 200);
    let p2 = format!("/api/v1/contacts/{a2}");
    let (status, body) = patch(&app, &p2, &lead, json!({ "owner_id": b_id })).await;
    assert_eq!(
        (status, body["owner_id"].clone()),
        (200, json!(b_id)),
        "{body}"
    );
    assert_eq!(app.get(&p2, &b).await.0, 200, "re-owned to the member");
    let (status, body) = patch(&app, &p1, &lead, json!({ "owner_id": x_id })).await;
    assert_eq!(status, 403, "re-owned outside the team: {body}");
    assert_eq!(delete(&app, &p1, &lead).await.0, 204);
    assert_eq!(app.get(&p1, &a).await.0, 404, "deleted");

    // But not outside the team.
    let px = format!("/api/v1/contacts/{x1}");
    assert_eq!(app.get(&px, &lead).await.0, 404);
    assert_eq!(
        patch(&app, &px, &lead, json!({ "position": "x" })).await.0,
        404
    );
    assert_eq!(delete(&app, &px, &lead).await.0, 404);

    // Reassignment: within the team, yes; to or from outside, no; a plain member, no.
    let reassign = |from: i64| format!("/api/v1/users/{from}/reassign");
    let (status, body) = app
        .post(&reassign(x_id), &lead, json!({ "to_user_id": a_id }))
        .await;
    assert_eq!(status, 403, "from outside the team: {body}");
    let (status, body) = app
        .post(&reassign(a_id), &lead, json!({ "to_user_id": x_id }))
        .await;
    assert_eq!(status, 403, "to outside the team: {body}");
    assert_eq!(app.get(&format!("/api/v1/contacts/{a3}"), &x).await.0, 404);
    let (status, body) = app
        .post(&reassign(a_id), &b, json!({ "to_user_id": b_id }))
        .await;
    assert_eq!(status, 403, "a plain member: {body}");
    let (status, body) = app
        .post(&reassign(a_id), &lead, json!({ "to_user_id": b_id }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contacts"].as_u64(), Some(1), "{body}");
    assert_eq!(app.get(&format!("/api/v1/contacts/{a3}"), &b).await.0, 200);
    assert_eq!(app.get(&format!("/api/v1/contacts/{a3}"), &a).await.0, 404);
    assert_eq!(
        app.get(&px, &x).await.0,
        200,
        "the outsider's contact is untouched"
    );

    // Out of the team, out of reach: b leaves, and the lead no longer sees b's contacts.
    let team = team["id"].as_i64().unwrap();
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/teams/{team}"),
            Some(&app.admin_token),
            Some(json!({ "name": "Юг", "members": [
                { "user_id": lead_id, "lead": true },
                { "user_id": a_id, "lead": false },
            ] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let pb = format!("/api/v1/contacts/{a3}");
    assert_eq!(app.get(&pb, &b).await.0, 200);
    assert_eq!(
        app.get(&pb, &lead).await.0,
        404,
        "the lead still sees a former member's contact"
    );
    assert_eq!(delete(&app, &pb, &lead).await.0, 404);
}

#[tokio::test]
async fn logging_someone_elses_message_id_does_not_open_their_mail() {
    let app = spawn_app().await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let (_, x) = app.user_with_role("x@test.local", "sales").await;
    let theirs = create_ok(
        &app,
        "/api/v1/contacts",
        &o,
        json!({ "name": "Клиент О", "emails": ["c@client-o.ru"] }),
    )
    .await;
    let mine = create_ok(
        &app,
        "/api/v1/contacts",
        &x,
        json!({ "name": "Клиент X", "emails": ["c@client-x.ru"] }),
    )
    .await;
    let mid = "<secret-deal@client-o.ru>";
    let (status, logged) = app
        .post(
            "/api/v1/messages/log",
            &o,
            log_body("contact", theirs, mid, "c@client-o.ru", "Секретные условия"),
        )
        .await;
    assert!(status < 300, "{logged}");
    let stored = logged["message_id"].as_i64().unwrap();
    let path = format!("/api/v1/messages/{stored}");
    assert_eq!(app.get(&path, &o).await.0, 200);
    assert_eq!(app.get(&path, &x).await.0, 404);

    // The lookup does not confirm the stored mail.
    let lookup = format!(
        "/api/v1/lookup?email=c%40client-x.ru&message_id={}",
        mid.replace('<', "%3C")
            .replace('>', "%3E")
            .replace('@', "%40")
    );
    let (status, card) = app.get(&lookup, &x).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["mail"]["id"], Value::Null, "{card}");

    // Logging with the same Message-ID stores the caller's own copy at most.
    let (status, logged) = app
        .post(
            "/api/v1/messages/log",
            &x,
            log_body("contact", mine, mid, "c@client-x.ru", "Моя копия"),
        )
        .await;
    assert!(status < 300, "{logged}");
    assert_ne!(
        logged["message_id"], stored,
        "X was given O's mail: {logged}"
    );
    for p in [path.clone(), format!("{path}/raw"), format!("{path}/links")] {
        let (status, _) = raw_call(&app, Method::GET, &p, Some(&x), None).await;
        assert_eq!(status, 404, "{p}");
    }
    let (_, list) = app.get("/api/v1/messages", &x).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != stored),
        "{list}"
    );
    let items = timeline(&app, &format!("/api/v1/contacts/{mine}"), &x).await;
    assert!(
        items
            .iter()
            .all(|i| i["text"] != "Секретные условия" && i["id"] != stored),
        "{items:?}"
    );
    let (_, card) = app.get(&lookup, &x).await;
    assert_ne!(card["mail"]["id"], stored, "{card}");
    // Nor can X link O's mail to their own record by hand.
    let (status, body) = app
        .post(
            &format!("{path}/links"),
            &x,
            json!({ "record_kind": "contact", "record_id": mine }),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(app.get(&path, &x).await.0, 404);
}

#[tokio::test]
async fn marketing_may_not_segment_by_deal_state() {
    let app = spawn_app().await;
    let (_, m) = app.user_with_role("m@test.local", "marketing").await;
    let (status, body) = app
        .post(
            "/api/v1/segments",
            &m,
            json!({ "name": "по сделкам", "filter": { "deal_state": "won" } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let ok = create_ok(
        &app,
        "/api/v1/segments",
        &m,
        json!({ "name": "по тегу", "filter": { "tags": ["vip"] } }),
    )
    .await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/segments/{ok}"),
            Some(&m),
            Some(json!({ "name": "по тегу", "filter": { "deal_state": "open" } })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/segments",
            &app.admin_token,
            json!({ "name": "админ", "filter": { "deal_state": "won" } }),
        )
        .await;
    assert_eq!(status, 201, "an admin may: {body}");
}

/// A message from a client to the shared mailbox, with a body and an attachment.
fn client_mail(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Клиент <client@acme-client.ru>\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: <vis.{}@acme-client.ru>\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\
         --b1\r\nContent-Type: application/pdf; name=\"offer.pdf\"\r\nContent-Disposition: attachment; filename=\"offer.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n",
        std::process::id()
    )
    .into_bytes()
}

#[tokio::test]
async fn mail_visibility_follows_mailbox_membership_policy_and_private_threads() {
    let app = spawn_app().await;
    let (member_id, member) = app.user_with_role("member@test.local", "sales").await;
    let (_, seller) = app.user_with_role("seller@test.local", "sales").await;
    let (_, stranger) = app.user_with_role("stranger@test.local", "sales").await;
    let (owner_id, owner) = app.user_with_role("owner@test.local", "sales").await;
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &seller,
        json!({ "name": "Клиент", "emails": ["client@acme-client.ru"] }),
    )
    .await;

    let dovecot = Dovecot::start();
    dovecot
        .append(
            "INBOX",
            &client_mail("Коммерческое предложение", "Цена 100 рублей"),
        )
        .await;
    let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
    body["kind"] = json!("shared");
    body["member_ids"] = json!([member_id]);
    body["folders"] = json!(["INBOX"]);
    let (status, mailbox) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{mailbox}");
    assert_eq!(mailbox["visibility"], "full", "shared default: {mailbox}");
    let mailbox = mailbox["id"].as_i64().unwrap();
    let (status, report) = sync(&app, mailbox).await;
    assert_eq!(status, 200, "{report}");
    let (_, all) = app.get("/api/v1/messages", &app.admin_token).await;
    let message = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Коммерческое предложение")
        .unwrap_or_else(|| panic!("synced: {all}"))
        .clone();
    let id = message["id"].as_i64().unwrap();
    let thread = message["thread_id"].as_i64().unwrap();
    let path = format!("/api/v1/messages/{id}");
    let contact_path = format!("/api/v1/contacts/{contact}");
    let (_, links) = app.get(&format!("{path}/links"), &app.admin_token).await;
    assert!(
        links
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["record_kind"] == "contact" && l["record_id"] == contact),
        "linked to the seller's contact: {links}"
    );

    let set_policy = |policy: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/mailboxes/{mailbox}/visibility"),
                    Some(&app.admin_token),
                    Some(json!({ "visibility": policy })),
                )
                .await;
            assert_eq!(
                (status, body["visibility"].as_str()),
                (200, Some(policy)),
                "{body}"
            );
        }
    };
    let listed = |token: String| {
        let app = &app;
        async move {
            let (status, list) = app.get("/api/v1/messages?limit=200", &token).await;
            assert_eq!(status, 200, "{list}");
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == id)
                .cloned()
        }
    };
    let in_timeline = |token: String| {
        let app = &app;
        let contact_path = contact_path.clone();
        async move {
            timeline(app, &contact_path, &token)
                .await
                .into_iter()
                .find(|i| i["kind"] == "email" && i["id"] == id)
        }
    };
    let attachment = format!("{path}/attachments/0");
    let raw = format!("{path}/raw");
    let status_of = |p: String, token: String| {
        let app = &app;
        async move { raw_call(app, Method::GET, &p, Some(&token), None).await.0 }
    };

    // The member reads everything under every policy; a stranger nothing.
    for policy in ["full", "subject", "metadata", "private"] {
        set_policy(policy).await;
        let (status, m) = app.get(&path, &member).await;
        assert_eq!(status, 200, "member under {policy}: {m}");
        assert_eq!(m["subject"], "Коммерческое предложение", "{policy}: {m}");
        assert!(
            m["text_body"]
                .as_str()
                .is_some_and(|t| t.contains("Цена 100")),
            "{policy}: {m}"
        );
        assert_eq!(
            status_of(raw.clone(), member.clone()).await,
            200,
            "{policy}"
        );
        assert_eq!(
            status_of(attachment.clone(), member.clone()).await,
            200,
            "{policy}"
        );
        for p in [&path, &raw, &attachment] {
            assert_eq!(
                status_of(p.clone(), stranger.clone()).await,
                404,
                "stranger {p} under {policy}"
            );
        }
        assert!(listed(stranger.clone()).await.is_none());
    }

    // The seller, who owns the linked contact but is no member, reads what the policy grants.
    set_policy("full").await;
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!(status, 200, "{m}");
    assert!(
        m["text_body"]
            .as_str()
            .is_some_and(|t| t.contains("Цена 100")),
        "{m}"
    );
    assert_eq!(status_of(raw.clone(), seller.clone()).await, 200);
    assert_eq!(status_of(attachment.clone(), seller.clone()).await, 200);
    assert_eq!(listed(seller.clone()).await.unwrap()["access"], "full");

    set_policy("subject").await;
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["subject"], "Коммерческое предложение", "{m}");
    assert_eq!(
        m["text_body"],
        Value::Null,
        "subject policy shows the body: {m}"
    );
    assert_eq!(m["html_body"], Value::Null, "{m}");
    assert!(!m.to_string().contains("Цена 100"), "{m}");
    assert!(
        !m.to_string().contains("offer.pdf") && m["has_attachments"] == false,
        "attachments under subject: {m}"
    );
    assert_eq!(
        status_of(raw.clone(), seller.clone()).await,
        404,
        "/raw under subject"
    );
    assert_eq!(
        status_of(attachment.clone(), seller.clone()).await,
        404,
        "attachment under subject"
    );
    let summary = listed(seller.clone()).await.expect("listed under subject");
    assert_eq!(
        (summary["access"].as_str(), summary["subject"].as_str()),
        (Some("subject"), Some("Коммерческое предложение"))
    );
    let item = in_timeline(seller.clone())
        .await
        .expect("in the timeline under subject");
    assert_eq!(item["text"], "Коммерческое предложение", "{item}");

    set_policy("metadata").await;
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(
        m["subject"],
        Value::Null,
        "metadata policy shows the subject: {m}"
    );
    assert_eq!(m["text_body"], Value::Null, "{m}");
    assert!(
        !m.to_string().contains("Коммерческое")
            && !m.to_string().contains("Цена")
            && !m.to_string().contains("offer.pdf"),
        "{m}"
    );
    assert_eq!(status_of(raw.clone(), seller.clone()).await, 404);
    let summary = listed(seller.clone()).await.expect("listed under metadata");
    assert_eq!(summary["access"], "metadata");
    assert_eq!(summary["subject"], Value::Null, "{summary}");
    if let Some(item) = in_timeline(seller.clone()).await {
        assert!(
            !item.to_string().contains("Коммерческое"),
            "the timeline shows the subject under metadata: {item}"
        );
    }
    let (_, thread_view) = app.get(&format!("/api/v1/threads/{thread}"), &seller).await;
    assert!(
        !thread_view.to_string().contains("Коммерческое"),
        "{thread_view}"
    );

    set_policy("private").await;
    for p in [&path, &raw, &attachment] {
        assert_eq!(
            status_of(p.clone(), seller.clone()).await,
            404,
            "seller {p} under private"
        );
    }
    assert_eq!(
        status_of(format!("/api/v1/threads/{thread}"), seller.clone()).await,
        404
    );
    assert!(
        listed(seller.clone()).await.is_none(),
        "listed under private"
    );
    assert!(
        in_timeline(seller.clone()).await.is_none(),
        "in the timeline under private"
    );

    // Under `subject`, logging the same Message-ID from Outlook does not open the stored mail.
    set_policy("subject").await;
    let mid = format!("<vis.{}@acme-client.ru>", std::process::id());
    let (status, logged) = app
        .post(
            "/api/v1/messages/log",
            &seller,
            log_body(
                "contact",
                contact,
                &mid,
                "client@acme-client.ru",
                "Коммерческое предложение",
            ),
        )
        .await;
    assert!(status < 300, "{logged}");
    assert_ne!(
        logged["message_id"], id,
        "the seller was given the stored mail: {logged}"
    );
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!((status, m["text_body"].clone()), (200, Value::Null), "{m}");
    assert_eq!(status_of(raw.clone(), seller.clone()).await, 404);
    let lookup = format!(
        "/api/v1/lookup?email=client%40acme-client.ru&message_id={}",
        mid.replace('<', "%3C")
            .replace('>', "%3E")
            .replace('@', "%40")
    );
    let (_, card) = app.get(&lookup, &stranger).await;
    assert_eq!(
        card["mail"]["id"],
        Value::Null,
        "the lookup names mail the stranger cannot read: {card}"
    );

    // A private thread: a member hides it from everyone else, whatever the policy.
    set_policy("full").await;
    assert_eq!(app.get(&path, &seller).await.0, 200);
    let private = format!("/api/v1/threads/{thread}/private");
    let (status, body) = app
        .call(
            Method::PUT,
            &private,
            Some(&seller),
            Some(json!({ "private": true })),
        )
        .await;
    assert_eq!(status, 404, "a non-member marks the thread: {body}");
    let (status, body) = app
        .call(
            Method::PUT,
            &private,
            Some(&member),
            Some(json!({ "private": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for p in [&path, &raw] {
        assert_eq!(
            status_of(p.clone(), seller.clone()).await,
            404,
            "seller {p} of a private thread"
        );
    }
    assert!(listed(seller.clone()).await.is_none());
    assert!(in_timeline(seller.clone()).await.is_none());
    assert_eq!(
        app.get(&path, &member).await.0,
        200,
        "the member still reads it"
    );
    assert_eq!(app.get(&path, &app.admin_token).await.0, 200);
    let (status, body) = app
        .call(
            Method::PUT,
            &private,
            Some(&seller),
            Some(json!({ "private": false })),
        )
        .await;
    assert_eq!(status, 404, "a non-member unmarks the thread: {body}");
    assert_eq!(app.get(&path, &seller).await.0, 404);

    // A personal mailbox: its owner may narrow its policy, never widen it; others may not touch it.
    let mut body = mailbox_body(77);
    body["kind"] = json!("personal");
    body["owner_id"] = json!(owner_id);
    let (status, personal) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{personal}");
    assert_eq!(
        personal["visibility"], "subject",
        "personal default: {personal}"
    );
    let vis = format!("/api/v1/mailboxes/{}/visibility", personal["id"]);
    let put = |token: String, policy: &'static str| {
        let app = &app;
        let vis = vis.clone();
        async move {
            app.call(
                Method::PUT,
                &vis,
                Some(&token),
                Some(json!({ "visibility": policy })),
            )
            .await
        }
    };
    let (status, body) = put(owner.clone(), "full").await;
    assert_eq!(status, 422, "the owner widened it: {body}");
    let (status, body) = put(member.clone(), "private").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = put(owner.clone(), "metadata").await;
    assert_eq!(
        (status, body["visibility"].as_str()),
        (200, Some("metadata")),
        "{body}"
    );
    let (status, body) = put(owner.clone(), "subject").await;
    assert_eq!(status, 422, "the owner widened it back: {body}");
    let (status, body) = put(owner.clone(), "private").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put(app.admin_token.clone(), "full").await;
    assert_eq!(
        (status, body["visibility"].as_str()),
        (200, Some("full")),
        "{body}"
    );
    // Nobody but an admin sets the shared mailbox's policy, not even its member.
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/mailboxes/{mailbox}/visibility"),
            Some(&member),
            Some(json!({ "visibility": "metadata" })),
        )
        .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn lead_conversion_never_makes_a_company_of_our_own_or_free_mail_domains() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@test.local", "sales").await;
    for (list, value) in [
        ("/api/v1/settings/own-domains", "nordwind-group.ru"),
        ("/api/v1/settings/freemail-domains", "corp-free.ru"),
    ] {
        let (status, body) = app
            .post(list, &app.admin_token, json!({ "value": value }))
            .await;
        assert!(status < 300, "{list}: {body}");
    }
    let mut mailbox = mailbox_body(2);
    mailbox["username"] = json!("sales@nordwind-mail.ru");
    add_mailbox(&app, mailbox).await;
    let mut failures = Vec::new();
    for (n, lead) in [
        json!({ "name": "Свой", "email": "ivan@nordwind-group.ru" }),
        json!({ "name": "Ящик", "email": "petr@nordwind-mail.ru" }),
        json!({ "name": "Бесплатный", "email": "anna@corp-free.ru" }),
        json!({ "name": "Gmail", "email": "olga@gmail.com", "company_name": "ИП Ольга" }),
        json!({ "name": "Подсказка", "email": "oleg@client-hint.ru", "domain_hint": "nordwind-group.ru" }),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, body) = app.post("/api/v1/leads", &sales, lead.clone()).await;
        if status == 422 {
            continue;
        }
        assert_eq!(status, 201, "{lead}: {body}");
        let id = body["id"].as_i64().unwrap();
        let (status, converted) = app
            .post(&format!("/api/v1/leads/{id}/convert"), &sales, json!({}))
            .await;
        if status == 422 {
            continue;
        }
        assert_eq!(status, 200, "{n} {lead}: {converted}");
        if let Some(company) = converted["company_id"].as_i64() {
            let (_, c) = app
                .get(&format!("/api/v1/companies/{company}"), &app.admin_token)
                .await;
            let forbidden = [
                "nordwind-group.ru",
                "nordwind-mail.ru",
                "corp-free.ru",
                "gmail.com",
            ];
            if c["domains"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| forbidden.contains(&d.as_str().unwrap()))
            {
                failures.push(format!("converting {lead} made the company {c}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "conversion made companies of our own or free-mail domains:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn references_and_duplicate_lists_never_reach_records_the_caller_does_not_see() {
    let app = spawn_app().await;
    let (o_id, o) = app.user_with_role("o@test.local", "sales").await;
    let (x_id, x) = app.user_with_role("x@test.local", "sales").await;
    let company = create_ok(
        &app,
        "/api/v1/companies",
        &o,
        json!({ "name": "Фирма О", "domains": ["firm-o.ru"] }),
    )
    .await;
    let contact = create_ok(
        &app,
        "/api/v1/contacts",
        &o,
        json!({ "name": "Контакт О", "emails": ["c@firm-o.ru"], "company_id": company }),
    )
    .await;
    let lead = create_ok(
        &app,
        "/api/v1/leads",
        &o,
        json!({ "name": "Лид О", "email": "lead@lead-o.ru" }),
    )
    .await;
    let (_, pipelines) = app.get("/api/v1/pipelines", &x).await;
    let pipeline = pipelines[0]["id"].clone();
    let mine = create_ok(
        &app,
        "/api/v1/companies",
        &x,
        json!({ "name": "Фирма X", "domains": ["firm-x.ru"] }),
    )
    .await;
    let my_contact = create_ok(
        &app,
        "/api/v1/contacts",
        &x,
        json!({ "name": "Контакт X", "emails": ["c@firm-x.ru"] }),
    )
    .await;
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/contacts".to_string(),
            json!({ "name": "Ссылка", "emails": ["r@ref.ru"], "company_id": company }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{my_contact}"),
            json!({ "company_id": company }),
        ),
        (
            Method::POST,
            "/api/v1/deals".to_string(),
            json!({ "title": "Сделка", "pipeline_id": pipeline, "contact_id": contact }),
        ),
        (
            Method::POST,
            "/api/v1/deals".to_string(),
            json!({ "title": "Сделка", "pipeline_id": pipeline, "company_id": company }),
        ),
        (
            Method::POST,
            "/api/v1/companies".to_string(),
            json!({ "name": "Дочка", "domains": ["child-x.ru"], "parent_id": company }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/companies/{mine}"),
            json!({ "parent_id": company }),
        ),
        (
            Method::POST,
            "/api/v1/notes".to_string(),
            json!({ "record_kind": "contact", "record_id": contact, "body": "x" }),
        ),
        (
            Method::POST,
            "/api/v1/tasks".to_string(),
            json!({ "title": "x", "record_kind": "lead", "record_id": lead }),
        ),
        (
            Method::POST,
            format!("/api/v1/leads/{lead}/convert"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/contacts/{my_contact}/merge"),
            json!({ "other_id": contact }),
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{mine}/merge"),
            json!({ "other_id": company }),
        ),
        (
            Method::POST,
            "/api/v1/contacts".to_string(),
            json!({ "name": "Чужой владелец", "emails": ["y@ref-y.ru"], "owner_id": o_id }),
        ),
    ] {
        let (status, answer) = app
            .call(method.clone(), &path, Some(&x), Some(body.clone()))
            .await;
        assert!(
            [403, 404, 409, 422].contains(&status),
            "{method} {path} {body} reached a hidden record: {status} {answer}"
        );
        assert!(
            !answer.to_string().contains("Фирма О") && !answer.to_string().contains("Контакт О"),
            "{answer}"
        );
    }
    // The add-in card of O's client shows X nothing of O's.
    let (status, card) = app.get("/api/v1/lookup?email=c%40firm-o.ru", &x).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["person"], Value::Null, "{card}");
    assert_eq!(card["company"], Value::Null, "{card}");
    assert_eq!(card["suggestion"]["company_id"], Value::Null, "{card}");
    assert!(
        !card.to_string().contains("Фирма О") && !card.to_string().contains("Контакт О"),
        "{card}"
    );
    let deal = create_ok(
        &app,
        "/api/v1/deals",
        &x,
        json!({ "title": "Своя сделка", "pipeline_id": pipeline }),
    )
    .await;
    for body in [
        json!({ "contact_id": contact }),
        json!({ "company_id": company }),
    ] {
        let (status, answer) =
            patch(&app, &format!("/api/v1/deals/{deal}"), &x, body.clone()).await;
        assert!(
            [403, 404, 422].contains(&status),
            "PATCH deal {body}: {status} {answer}"
        );
    }
    // O's records are as they were.
    let (_, c) = app.get(&format!("/api/v1/contacts/{contact}"), &o).await;
    assert_eq!(c["owner_id"], o_id, "{c}");
    let (_, m) = app.get(&format!("/api/v1/contacts/{my_contact}"), &x).await;
    assert_eq!(m["company_id"], Value::Null, "{m}");
    let (_, tl) = app
        .get(&format!("/api/v1/contacts/{contact}/timeline"), &o)
        .await;
    assert_eq!(tl["items"], json!([]), "{tl}");

    // An admin-made duplicate of O's contact for X: X's duplicate list does not pair it with O's.
    create_ok(
        &app,
        "/api/v1/contacts",
        &app.admin_token,
        json!({ "name": "Копия", "emails": ["c@firm-o.ru"], "owner_id": x_id, "allow_duplicate": true }),
    )
    .await;
    let (status, pairs) = app.get("/api/v1/duplicates", &x).await;
    assert_eq!(status, 200, "{pairs}");
    assert!(
        !pairs.to_string().contains("Контакт О"),
        "the duplicate list names a hidden record: {pairs}"
    );
    let (_, pairs) = app.get("/api/v1/duplicates", &app.admin_token).await;
    assert!(pairs.to_string().contains("Контакт О"), "{pairs}");
    // Nor do search and filters find it.
    for q in [
        "/api/v1/contacts?q=firm-o",
        "/api/v1/contacts?email=c@firm-o.ru",
        "/api/v1/companies?q=Фирма",
    ] {
        let (_, list) = app.get(q, &x).await;
        assert!(
            !list.to_string().contains("Контакт О") && !list.to_string().contains("Фирма О"),
            "{q}: {list}"
        );
    }
}

#[tokio::test]
async fn a_member_logging_held_mail_from_outlook_does_not_widen_the_mailbox_policy() {
    let app = spawn_app().await;
    let (member_id, member) = app.user_with_role("member@test.local", "sales").await;
    let (_, seller) = app.user_with_role("seller@test.local", "sales").await;
    create_ok(
        &app,
        "/api/v1/contacts",
        &seller,
        json!({ "name": "Клиент", "emails": ["client@acme-client.ru"] }),
    )
    .await;
    let own = create_ok(
        &app,
        "/api/v1/companies",
        &member,
        json!({ "name": "Своя", "domains": ["member-own.ru"] }),
    )
    .await;
    let dovecot = Dovecot::start();
    dovecot
        .append(
            "INBOX",
            &client_mail("Коммерческое предложение", "Цена 100 рублей"),
        )
        .await;
    let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
    body["kind"] = json!("shared");
    body["member_ids"] = json!([member_id]);
    body["folders"] = json!(["INBOX"]);
    body["visibility"] = json!("metadata");
    let (status, mailbox) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{mailbox}");
    let (status, report) = sync(&app, mailbox["id"].as_i64().unwrap()).await;
    assert_eq!(status, 200, "{report}");
    let (_, all) = app.get("/api/v1/messages", &app.admin_token).await;
    let id = all["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/messages/{id}");
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!(
        (status, m["access"].clone()),
        (200, json!("metadata")),
        "{m}"
    );

    // The member files it to a record of their own from Outlook (they read it in full: the stored copy is linked).
    let mid = format!("<vis.{}@acme-client.ru>", std::process::id());
    let (status, logged) = app
        .post(
            "/api/v1/messages/log",
            &member,
            log_body("company", own, &mid, "client@acme-client.ru", "x"),
        )
        .await;
    assert!(status < 300, "{logged}");
    assert_eq!(logged["message_id"], id, "{logged}");
    // The seller still reads only what the mailbox's policy grants.
    let (status, m) = app.get(&path, &seller).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(
        (
            m["access"].clone(),
            m["subject"].clone(),
            m["text_body"].clone()
        ),
        (json!("metadata"), Value::Null, Value::Null),
        "a member's logging widened the mailbox policy for the seller: {m}"
    );
    let (status, _) = raw_call(
        &app,
        Method::GET,
        &format!("{path}/raw"),
        Some(&seller),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn marketing_cannot_reach_deal_holders_through_an_admins_deal_segment() {
    let app = spawn_app().await;
    let (_, m) = app.user_with_role("m@test.local", "marketing").await;
    let segment = create_ok(
        &app,
        "/api/v1/segments",
        &app.admin_token,
        json!({ "name": "выигравшие", "filter": { "deal_state": "won" } }),
    )
    .await;
    let (status, body) = app
        .get(&format!("/api/v1/segments/{segment}/count"), &m)
        .await;
    assert_eq!(status, 422, "marketing counts deal holders: {body}");
    let template = create_ok(&app, "/api/v1/templates", &m, template_body(1)).await;
    let (status, body) = app
        .post(
            "/api/v1/campaigns",
            &m,
            json!({ "name": "по сделкам", "template_id": template, "segment_id": segment,
                "from_address": "Нордвинд <news@nordwind.ru>" }),
        )
        .await;
    assert_eq!(
        status, 422,
        "marketing made a campaign of deal holders (its recipients would list them): {body}"
    );
}

#[tokio::test]
async fn a_messages_links_do_not_name_records_the_caller_cannot_see() {
    let app = spawn_app().await;
    let (_, o) = app.user_with_role("o@test.local", "sales").await;
    let (s_id, s) = app.user_with_role("s@test.local", "sales").await;
    let (_, x) = app.user_with_role("x@test.local", "sales").await;
    let theirs = create_ok(
        &app,
        "/api/v1/contacts",
        &o,
        json!({ "name": "Клиент О", "emails": ["c@client-o.ru"] }),
    )
    .await;
    let hidden = create_ok(
        &app,
        "/api/v1/contacts",
        &x,
        json!({ "name": "Клиент X", "emails": ["c@client-x.ru"] }),
    )
    .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/contacts/{theirs}/shares"),
            &o,
            json!({ "user_id": s_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, logged) = app
        .post(
            "/api/v1/messages/log",
            &o,
            log_body(
                "contact",
                theirs,
                "<links@client-o.ru>",
                "c@client-o.ru",
                "Письмо",
            ),
        )
        .await;
    assert!(status < 300, "{logged}");
    let message = logged["message_id"].as_i64().unwrap();
    let links = format!("/api/v1/messages/{message}/links");
    let (status, body) = app
        .post(
            &links,
            &app.admin_token,
            json!({ "record_kind": "contact", "record_id": hidden }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, all) = app.get(&links, &app.admin_token).await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|l| l["record_id"] == hidden),
        "{all}"
    );
    for (who, token) in [("owner", &o), ("shared", &s)] {
        let (status, seen) = app.get(&links, token).await;
        assert_eq!(status, 200, "{seen}");
        assert!(
            seen.as_array()
                .unwrap()
                .iter()
                .any(|l| l["record_id"] == theirs),
            "{who}: {seen}"
        );
        assert!(
            !seen
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["record_kind"] == "contact" && l["record_id"] == hidden),
            "{who} learns the id of a contact they may not see: {seen}"
        );
    }
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{hidden}"), &s).await.0,
        404
    );
}

/// A fresh import of "owner" (uploaded, not run), for the import rows of the matrix.
async fn transfer_import_fixture(w: &World) -> i64 {
    let url = w
        .app
        .url("/api/v1/imports?kind=contacts&filename=matrix.csv");
    let csv = "ФИО;E-mail\nМатрица Тест;matrix@import.ru\n";
    let response = w
        .app
        .client
        .post(url)
        .bearer_auth(w.token(OWNER))
        .body(csv)
        .send()
        .await
        .expect("upload");
    let (status, body) = crate::helpers::read(response).await;
    id_of("import", status, &body)
}

async fn transfer_preset_fixture(w: &World) -> i64 {
    let n = w.next();
    let body =
        json!({ "kind": "contacts", "name": format!("fresh{n}"), "mapping": { "ФИО": "name" } });
    let (status, preset) = w.app.post("/api/v1/import-presets", w.admin(), body).await;
    id_of("preset", status, &preset)
}

/// An optional text field on contacts with a key of its own.
fn custom_field_body(n: u32) -> Value {
    json!({ "kind": "contact", "key": format!("field_{n}"), "label": format!("Поле {n}"), "type": "text" })
}
