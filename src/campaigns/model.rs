//! Types of the campaigns API: templates, segments, campaigns, recipients, suppressions.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Template {
    pub id: i64,
    pub name: String,
    /// Handlebars, e.g. `Предложение для {{company.name}}`.
    pub subject: String,
    pub html: String,
    /// Plain-text part; derived from `html` when absent.
    pub text: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: String,
    pub subject: String,
    pub html: String,
    pub text: Option<String>,
}

/// A rendered letter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub contact_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSendRequest {
    /// Whose data fills the template.
    pub contact_id: i64,
    /// Where the one copy goes.
    pub to: String,
    /// The relay to send through, by name; defaults to `default` (MAILROOM_SMTP_URL).
    pub relay: Option<String>,
    /// No longer accepted (422): SMTP servers are relays an admin configures; name one in `relay`.
    #[schema(deprecated)]
    pub smtp_url: Option<String>,
    pub from: Option<String>,
}

/// Which contacts a segment selects; every given condition must hold. Dates are RFC 3339.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentFilter {
    /// Contacts having at least one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub type_id: Option<i64>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Contacts with a lead in this status: new, in_work, converted, lost.
    pub lead_status: Option<String>,
    /// Contacts with a deal in this state: open, won, lost.
    pub deal_state: Option<String>,
    /// `granted`: latest consent decision is yes; `not_granted`: no decision or withdrawn.
    pub consent: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_after: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_before: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_after: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_before: Option<OffsetDateTime>,
    /// Contacts' custom fields by key: a value (equal), a list (any of), or `{"min", "max"}` (number, money, date).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
    /// The same over the custom fields of the contact's company.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub company_custom: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Segment {
    pub id: i64,
    pub name: String,
    pub filter: SegmentFilter,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentInput {
    pub name: String,
    #[serde(default)]
    pub filter: SegmentFilter,
}

/// How many a segment reaches now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentCount {
    /// Contacts matching the filter.
    pub contacts: i64,
    /// Distinct addresses of those contacts (one letter each).
    pub addresses: i64,
    /// Addresses a marketing campaign would mail: consent given and not suppressed.
    pub marketing_deliverable: i64,
    /// Addresses a non-marketing campaign would mail: not suppressed.
    pub deliverable: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Draft,
    Sending,
    Paused,
    Cancelled,
    Done,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Sending => "sending",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Cancelled => "cancelled",
            CampaignStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => CampaignStatus::Draft,
            "sending" => CampaignStatus::Sending,
            "paused" => CampaignStatus::Paused,
            "cancelled" => CampaignStatus::Cancelled,
            "done" => CampaignStatus::Done,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub template_id: i64,
    pub segment_id: i64,
    /// Marketing letters go only to contacts with marketing consent.
    pub marketing: bool,
    pub from_address: String,
    /// The relay it sends through, by name (`default`: MAILROOM_SMTP_URL).
    pub relay: String,
    pub per_second: Option<i64>,
    pub per_hour: Option<i64>,
    pub concurrency: i64,
    pub max_failures_in_row: i64,
    pub status: CampaignStatus,
    pub pause_reason: Option<String>,
    pub stats: Stats,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// A campaign row plus its relay's id (None: the built-in `default`), for the sender.
#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub view: Campaign,
    pub relay_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Stats {
    pub total: i64,
    pub pending: i64,
    /// Handed to SMTP right now.
    pub in_flight: i64,
    pub sent: i64,
    pub failed: i64,
    /// Claimed by a worker that died between handing over and recording: maybe delivered, never resent.
    pub unknown: i64,
    /// Suppressed (unsubscribed or bounced) after the campaign started.
    pub skipped: i64,
    pub bounced: i64,
    pub unsubscribed: i64,
    /// Letters per second over the last minute.
    pub rate_per_second: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    pub template_id: i64,
    pub segment_id: i64,
    #[serde(default = "yes")]
    pub marketing: bool,
    /// Defaults to the server's `mail_from`.
    pub from_address: Option<String>,
    /// The relay to send through, by name; defaults to `default` (MAILROOM_SMTP_URL).
    pub relay: Option<String>,
    /// No longer accepted (422): SMTP servers are relays an admin configures; name one in `relay`.
    #[schema(deprecated)]
    pub smtp_url: Option<String>,
    pub per_second: Option<i64>,
    pub per_hour: Option<i64>,
    pub concurrency: Option<i64>,
    pub max_failures_in_row: Option<i64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<Campaign>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recipient {
    pub id: i64,
    pub contact_id: i64,
    pub address: String,
    /// pending, claimed, sent, failed, unknown, skipped.
    pub state: String,
    pub attempts: i64,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientList {
    pub items: Vec<Recipient>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientFilter {
    pub state: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suppression {
    pub address: String,
    /// unsubscribed, hard_bounce, soft_bounce, manual.
    pub reason: String,
    pub campaign_id: Option<i64>,
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuppression {
    pub address: String,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionList {
    pub items: Vec<Suppression>,
}

/// An SMTP server an admin configured, as marketing sees it: where it is and its limits, never the password.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Relay {
    /// None for the built-in `default` (MAILROOM_SMTP_URL), which is not edited over the API.
    pub id: Option<i64>,
    pub name: String,
    pub builtin: bool,
    pub host: String,
    pub port: u16,
    /// `tls` (smtps), `starttls` (`tls=required`), `starttls_opportunistic` or `none`.
    pub security: String,
    /// Any certificate is accepted (a self-signed relay on a private network).
    pub tls_insecure: bool,
    /// The AUTH user, when the relay has credentials.
    pub username: Option<String>,
    /// `password` (from the URL) or `oauth2` (SASL XOAUTH2 as the URL's user).
    pub auth: crate::oauth::model::AuthKind,
    /// The OAuth2 settings and where the grant stands; never a secret or a token.
    pub oauth: Option<crate::oauth::model::OAuthView>,
    /// Limits over everything sent through this relay, by every campaign of a process.
    pub per_second: Option<i64>,
    pub per_hour: Option<i64>,
    pub concurrency: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayInput {
    /// Unique; `default` is the built-in relay's.
    pub name: String,
    /// `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://…`, with optional
    /// `per_second=`, `per_hour=`, `concurrency=` and `tls_insecure=true`. Stored encrypted, never returned.
    pub url: String,
    /// Sign in with SASL XOAUTH2 as the URL's user (which then has no password): the provider, client and a
    /// refresh token.
    pub oauth: Option<crate::oauth::model::OAuthInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayPatch {
    pub name: Option<String>,
    /// Replaces the whole URL, credentials included.
    pub url: Option<String>,
    /// New OAuth2 settings (the grant starts over).
    pub oauth: Option<crate::oauth::model::OAuthInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RelayList {
    pub items: Vec<Relay>,
}
