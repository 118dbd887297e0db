//! The route table: every route with its method, path and who may call it, in one list.
//! The same table builds the router and is what the OpenAPI test compares the document against.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::{middleware, Router};

use super::health;
use crate::app::AppState;
use crate::auth::caller::{guard, Guard};
use crate::auth::Role;
use crate::auth::{self, Access};
use crate::campaigns;
use crate::crm;

const MARKETING: Access = Access::Roles(&[Role::Admin, Role::Marketing]);
/// Who owns records and answers clients: salespeople (team leads among them) and admins.
const SALES: Access = Access::Roles(&[Role::Admin, Role::Sales]);

/// One registered route.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

pub struct RouteTable {
    state: AppState,
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl RouteTable {
    fn new(state: AppState) -> Self {
        RouteTable {
            state,
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter =
            MethodFilter::try_from(method.clone()).expect("route table uses standard methods");
        let guard_state = Guard {
            state: self.state.clone(),
            access,
            action: crate::apikeys::action_for(&method, path),
        };
        let endpoint =
            on(filter, handler).route_layer(middleware::from_fn_with_state(guard_state, guard));
        self.router = self.router.route(path, endpoint);
        self.routes.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.routes)
    }
}

/// All routes of the server, one line each: method, path, who may call it, handler.
#[rustfmt::skip]
pub fn table(state: AppState) -> RouteTable {
    use Method as M;
    RouteTable::new(state)
        .add(M::GET, "/healthz", Access::Public, health::healthz)
        // Public in the table: the handler admits a bearer of MAILROOM_METRICS_TOKEN, or else loopback only.
        .add(M::GET, "/metrics", Access::Public, crate::ops::metrics::scrape)
        .add(M::GET, "/api/v1/openapi.json", Access::Public, super::openapi::document)
        .add(M::POST, "/api/v1/auth/login", Access::Public, auth::routes::login)
        // Sign-in through an identity provider (the browser's round trip) and the providers an admin configures.
        .add(M::GET, "/api/v1/auth/oidc/providers", Access::Public, auth::oidc::routes::buttons)
        .add(M::GET, "/api/v1/auth/oidc/{id}/start", Access::Public, auth::oidc::routes::start)
        .add(M::GET, "/api/v1/auth/oidc/{id}/callback", Access::Public, auth::oidc::routes::callback)
        .add(M::GET, "/api/v1/oidc/providers", Access::ADMIN, auth::oidc::routes::list)
        .add(M::POST, "/api/v1/oidc/providers", Access::ADMIN, auth::oidc::routes::create)
        .add(M::PATCH, "/api/v1/oidc/providers/{id}", Access::ADMIN, auth::oidc::routes::patch)
        .add(M::DELETE, "/api/v1/oidc/providers/{id}", Access::ADMIN, auth::oidc::routes::delete)
        .add(M::GET, "/api/v1/oidc/providers/{id}/audit", Access::ADMIN, auth::oidc::routes::audit)
        // How the Outlook pane signs itself in (nested app authentication): public, the pane has no token yet.
        .add(M::GET, "/api/v1/addin/config", Access::Public, auth::oidc::routes::addin_config)
        // The only routes open while an account must change its password (403 password_change_required elsewhere).
        .add(M::GET, "/api/v1/me", Access::Account, auth::routes::me)
        .add(M::POST, "/api/v1/me/password", Access::Account, auth::routes::change_password)
        .add(M::GET, "/api/v1/users", Access::ADMIN, auth::routes::list_users)
        .add(M::POST, "/api/v1/users", Access::ADMIN, auth::routes::create_user)
        .add(M::GET, "/api/v1/users/directory", Access::SignedIn, auth::directory::list)
        .add(M::GET, "/api/v1/users/{id}", Access::ADMIN, auth::routes::get_user)
        .add(M::PATCH, "/api/v1/users/{id}", Access::ADMIN, auth::routes::update_user)
        .add(M::GET, "/api/v1/users/{id}/audit", Access::ADMIN, auth::routes::user_audit)
        .add(M::GET, "/api/v1/admin/audit", Access::ADMIN, auth::routes::admin_audit)
        .add(M::GET, "/api/v1/teams", Access::ADMIN, auth::teams::routes::list)
        .add(M::GET, "/api/v1/me/teams", Access::SignedIn, auth::teams::routes::mine)
        .add(M::GET, "/api/v1/me/mailboxes", Access::SignedIn, crate::imap::routes::sendable)
        .add(M::POST, "/api/v1/teams", Access::ADMIN, auth::teams::routes::create)
        .add(M::GET, "/api/v1/teams/{id}", Access::ADMIN, auth::teams::routes::get)
        .add(M::PUT, "/api/v1/teams/{id}", Access::ADMIN, auth::teams::routes::update)
        .add(M::DELETE, "/api/v1/teams/{id}", Access::ADMIN, auth::teams::routes::delete)
        // CRM: admins edit reference lists; record-level rules live in crm::access.
        .add(M::GET, "/api/v1/pipelines", Access::SignedIn, crm::reference::routes::list_pipelines)
        .add(M::POST, "/api/v1/pipelines", Access::ADMIN, crm::reference::routes::create_pipeline)
        .add(M::GET, "/api/v1/pipelines/{id}", Access::SignedIn, crm::reference::routes::get_pipeline)
        .add(M::PATCH, "/api/v1/pipelines/{id}", Access::ADMIN, crm::reference::routes::update_pipeline)
        .add(M::DELETE, "/api/v1/pipelines/{id}", Access::ADMIN, crm::reference::routes::delete_pipeline)
        .add(M::POST, "/api/v1/pipelines/{id}/stages", Access::ADMIN, crm::reference::routes::add_stage)
        .add(M::PATCH, "/api/v1/stages/{id}", Access::ADMIN, crm::reference::routes::update_stage)
        .add(M::DELETE, "/api/v1/stages/{id}", Access::ADMIN, crm::reference::routes::delete_stage)
        .add(M::GET, "/api/v1/lead-sources", Access::SignedIn, crm::reference::routes::list_lead_sources)
        .add(M::POST, "/api/v1/lead-sources", Access::ADMIN, crm::reference::routes::add_lead_source)
        .add(M::PATCH, "/api/v1/lead-sources/{id}", Access::ADMIN, crm::reference::routes::rename_lead_source)
        .add(M::DELETE, "/api/v1/lead-sources/{id}", Access::ADMIN, crm::reference::routes::delete_lead_source)
        .add(M::GET, "/api/v1/contact-types", Access::SignedIn, crm::reference::routes::list_contact_types)
        .add(M::POST, "/api/v1/contact-types", Access::ADMIN, crm::reference::routes::add_contact_type)
        .add(M::PATCH, "/api/v1/contact-types/{id}", Access::ADMIN, crm::reference::routes::rename_contact_type)
        .add(M::DELETE, "/api/v1/contact-types/{id}", Access::ADMIN, crm::reference::routes::delete_contact_type)
        .add(M::GET, "/api/v1/company-types", Access::SignedIn, crm::reference::routes::list_company_types)
        .add(M::POST, "/api/v1/company-types", Access::ADMIN, crm::reference::routes::add_company_type)
        .add(M::PATCH, "/api/v1/company-types/{id}", Access::ADMIN, crm::reference::routes::rename_company_type)
        .add(M::DELETE, "/api/v1/company-types/{id}", Access::ADMIN, crm::reference::routes::delete_company_type)
        .add(M::GET, "/api/v1/custom-fields", Access::SignedIn, crm::custom::routes::list)
        .add(M::POST, "/api/v1/custom-fields", Access::ADMIN, crm::custom::routes::create)
        .add(M::GET, "/api/v1/custom-fields/{id}", Access::SignedIn, crm::custom::routes::get)
        .add(M::PATCH, "/api/v1/custom-fields/{id}", Access::ADMIN, crm::custom::routes::update)
        .add(M::DELETE, "/api/v1/custom-fields/{id}", Access::ADMIN, crm::custom::routes::delete)
        .add(M::GET, "/api/v1/record-fields", Access::SignedIn, crm::custom::routes::record_fields)
        .add(M::GET, "/api/v1/companies", Access::SignedIn, crm::companies::routes::list)
        .add(M::POST, "/api/v1/companies", Access::SignedIn, crm::companies::routes::create)
        .add(M::GET, "/api/v1/companies/{id}", Access::SignedIn, crm::companies::routes::get)
        .add(M::PATCH, "/api/v1/companies/{id}", Access::SignedIn, crm::companies::routes::update)
        .add(M::DELETE, "/api/v1/companies/{id}", Access::SignedIn, crm::companies::routes::delete)
        .add(M::POST, "/api/v1/companies/{id}/merge", Access::SignedIn, crm::companies::routes::merge)
        .add(M::GET, "/api/v1/companies/{id}/timeline", Access::SignedIn, crm::activity::routes::company_timeline)
        .add(M::GET, "/api/v1/companies/{id}/audit", Access::SignedIn, crm::routes::company_audit)
        .add(M::GET, "/api/v1/companies/{id}/shares", Access::SignedIn, crm::routes::company_shares)
        .add(M::POST, "/api/v1/companies/{id}/shares", Access::SignedIn, crm::routes::share_company)
        .add(M::DELETE, "/api/v1/companies/{id}/shares/{user_id}", Access::SignedIn, crm::routes::unshare_company)
        .add(M::GET, "/api/v1/contacts", Access::SignedIn, crm::contacts::routes::list)
        .add(M::POST, "/api/v1/contacts", Access::SignedIn, crm::contacts::routes::create)
        .add(M::GET, "/api/v1/contacts/{id}", Access::SignedIn, crm::contacts::routes::get)
        .add(M::PATCH, "/api/v1/contacts/{id}", Access::SignedIn, crm::contacts::routes::update)
        .add(M::DELETE, "/api/v1/contacts/{id}", Access::SignedIn, crm::contacts::routes::delete)
        .add(M::POST, "/api/v1/contacts/{id}/merge", Access::SignedIn, crm::contacts::routes::merge)
        .add(M::GET, "/api/v1/contacts/{id}/timeline", Access::SignedIn, crm::activity::routes::contact_timeline)
        .add(M::GET, "/api/v1/contacts/{id}/audit", Access::SignedIn, crm::routes::contact_audit)
        .add(M::GET, "/api/v1/contacts/{id}/shares", Access::SignedIn, crm::routes::contact_shares)
        .add(M::POST, "/api/v1/contacts/{id}/shares", Access::SignedIn, crm::routes::share_contact)
        .add(M::DELETE, "/api/v1/contacts/{id}/shares/{user_id}", Access::SignedIn, crm::routes::unshare_contact)
        .add(M::GET, "/api/v1/leads", Access::SignedIn, crm::leads::routes::list)
        .add(M::POST, "/api/v1/leads", Access::SignedIn, crm::leads::routes::create)
        .add(M::GET, "/api/v1/leads/{id}", Access::SignedIn, crm::leads::routes::get)
        .add(M::PATCH, "/api/v1/leads/{id}", Access::SignedIn, crm::leads::routes::update)
        .add(M::DELETE, "/api/v1/leads/{id}", Access::SignedIn, crm::leads::routes::delete)
        .add(M::POST, "/api/v1/leads/{id}/merge", Access::SignedIn, crm::leads::routes::merge)
        .add(M::GET, "/api/v1/leads/{id}/timeline", Access::SignedIn, crm::activity::routes::lead_timeline)
        .add(M::GET, "/api/v1/leads/{id}/audit", Access::SignedIn, crm::routes::lead_audit)
        .add(M::GET, "/api/v1/leads/{id}/shares", Access::SignedIn, crm::routes::lead_shares)
        .add(M::POST, "/api/v1/leads/{id}/shares", Access::SignedIn, crm::routes::share_lead)
        .add(M::DELETE, "/api/v1/leads/{id}/shares/{user_id}", Access::SignedIn, crm::routes::unshare_lead)
        .add(M::GET, "/api/v1/deals", Access::SignedIn, crm::deals::routes::list)
        .add(M::POST, "/api/v1/deals", Access::SignedIn, crm::deals::routes::create)
        .add(M::GET, "/api/v1/deals/{id}", Access::SignedIn, crm::deals::routes::get)
        .add(M::PATCH, "/api/v1/deals/{id}", Access::SignedIn, crm::deals::routes::update)
        .add(M::DELETE, "/api/v1/deals/{id}", Access::SignedIn, crm::deals::routes::delete)
        .add(M::GET, "/api/v1/deals/{id}/timeline", Access::SignedIn, crm::activity::routes::deal_timeline)
        .add(M::GET, "/api/v1/deals/{id}/audit", Access::SignedIn, crm::routes::deal_audit)
        .add(M::GET, "/api/v1/deals/{id}/shares", Access::SignedIn, crm::routes::deal_shares)
        .add(M::POST, "/api/v1/deals/{id}/shares", Access::SignedIn, crm::routes::share_deal)
        .add(M::DELETE, "/api/v1/deals/{id}/shares/{user_id}", Access::SignedIn, crm::routes::unshare_deal)
        .add(M::POST, "/api/v1/contacts/{id}/consent", Access::SignedIn, crm::contacts::routes::record_consent)
        .add(M::GET, "/api/v1/contacts/{id}/consent", Access::SignedIn, crm::contacts::routes::consent_history)
        .add(M::GET, "/api/v1/leads/{id}/consent", Access::SignedIn, crm::leads::routes::consent_history)
        .add(M::POST, "/api/v1/leads/{id}/convert", Access::SignedIn, crm::leads::routes::convert)
        .add(M::POST, "/api/v1/notes", Access::SignedIn, crm::activity::routes::add_note)
        .add(M::GET, "/api/v1/notes/{id}", Access::SignedIn, crm::activity::routes::get_note)
        .add(M::PATCH, "/api/v1/notes/{id}", Access::SignedIn, crm::activity::routes::edit_note)
        .add(M::DELETE, "/api/v1/notes/{id}", Access::SignedIn, crm::activity::routes::delete_note)
        .add(M::GET, "/api/v1/tasks", Access::SignedIn, crm::activity::routes::list_tasks)
        .add(M::POST, "/api/v1/tasks", Access::SignedIn, crm::activity::routes::add_task)
        .add(M::GET, "/api/v1/tasks/{id}", Access::SignedIn, crm::activity::routes::get_task)
        .add(M::PATCH, "/api/v1/tasks/{id}", Access::SignedIn, crm::activity::routes::update_task)
        .add(M::DELETE, "/api/v1/tasks/{id}", Access::SignedIn, crm::activity::routes::delete_task)
        .add(M::GET, "/api/v1/duplicates", Access::SignedIn, crm::routes::duplicates)
        // Admins between anyone; a team lead within the teams they lead (crm::access::may_reassign).
        .add(M::POST, "/api/v1/users/{id}/reassign", Access::SignedIn, crm::routes::reassign)
        // Saved list views: every signed-in user, each their own (src/views).
        .add(M::GET, "/api/v1/views", Access::SignedIn, crate::views::routes::list)
        .add(M::POST, "/api/v1/views", Access::SignedIn, crate::views::routes::create)
        .add(M::GET, "/api/v1/views/{id}", Access::SignedIn, crate::views::routes::get)
        .add(M::PUT, "/api/v1/views/{id}", Access::SignedIn, crate::views::routes::update)
        .add(M::DELETE, "/api/v1/views/{id}", Access::SignedIn, crate::views::routes::delete)
        // Mail: admins connect mailboxes; what each caller reads of which message is decided in crm::access (mailbox
        // membership and visibility policies), so the mail routes are open to everyone signed in.
        .add(M::GET, "/api/v1/mailboxes", Access::ADMIN, crate::imap::routes::list)
        .add(M::POST, "/api/v1/mailboxes", Access::ADMIN, crate::imap::routes::create)
        .add(M::GET, "/api/v1/mailboxes/{id}", Access::ADMIN, crate::imap::routes::get)
        .add(M::PATCH, "/api/v1/mailboxes/{id}", Access::ADMIN, crate::imap::routes::update)
        .add(M::DELETE, "/api/v1/mailboxes/{id}", Access::ADMIN, crate::imap::routes::delete)
        .add(M::POST, "/api/v1/mailboxes/{id}/test", Access::ADMIN, crate::imap::routes::test)
        .add(M::POST, "/api/v1/mailboxes/{id}/sync", Access::ADMIN, crate::imap::routes::sync)
        .add(M::POST, "/api/v1/mailboxes/{id}/sync/start", Access::ADMIN, crate::imap::routes::start_sync)
        .add(M::GET, "/api/v1/mailboxes/{id}/sync", Access::ADMIN, crate::imap::routes::sync_progress)
        .add(M::PUT, "/api/v1/mailboxes/{id}/visibility", Access::SignedIn, crate::imap::routes::set_visibility)
        .add(M::GET, "/api/v1/mailboxes/{id}/audit", Access::ADMIN, crate::imap::routes::audit)
        // Scale-out: the instances alive and the mailboxes each syncs (their leases).
        .add(M::GET, "/api/v1/admin/instances", Access::ADMIN, crate::imap::instances::get)
        // Sending limits of sequence letters (issue 18.4): the provider's preset, or the admin's own.
        .add(M::GET, "/api/v1/mailboxes/{id}/sending-limits", Access::ADMIN, crate::sequences::limit_routes::get)
        .add(M::PUT, "/api/v1/mailboxes/{id}/sending-limits", Access::ADMIN, crate::sequences::limit_routes::set)
        // OAuth2 mailboxes: an admin starts the consent and the same admin's console hands back code and state.
        .add(M::POST, "/api/v1/mailboxes/{id}/oauth/start", Access::ADMIN, crate::imap::routes::oauth_start)
        // Sending as a mailbox through its own SMTP: an admin, or the personal mailbox's owner (decided in crm::access).
        .add(M::POST, "/api/v1/mailboxes/{id}/smtp/test", Access::SignedIn, crate::imap::routes::smtp_test)
        .add(M::GET, "/api/v1/oauth/callback", Access::ADMIN, crate::oauth::routes::callback)
        .add(M::GET, "/api/v1/oauth/providers", Access::ADMIN, crate::oauth::routes::providers)
        .add(M::GET, "/api/v1/messages", Access::SignedIn, crate::mail::routes::list)
        .add(M::GET, "/api/v1/messages/{id}", Access::SignedIn, crate::mail::routes::get)
        .add(M::GET, "/api/v1/messages/{id}/raw", Access::SignedIn, crate::mail::routes::raw)
        .add(M::GET, "/api/v1/messages/{id}/attachments/{index}", Access::SignedIn, crate::mail::routes::attachment)
        .add(M::GET, "/api/v1/threads/{id}", Access::SignedIn, crate::mail::routes::thread)
        .add(M::PUT, "/api/v1/threads/{id}/private", Access::SignedIn, crate::mail::routes::set_private)
        // Linking: links and classification per message (record rules in linking/crm::access); lists are admin-only.
        .add(M::GET, "/api/v1/messages/{id}/links", Access::SignedIn, crate::linking::routes::links)
        .add(M::POST, "/api/v1/messages/{id}/links", Access::SignedIn, crate::linking::routes::add_link)
        .add(M::DELETE, "/api/v1/messages/{id}/links/{kind}/{record_id}", Access::SignedIn, crate::linking::routes::remove_link)
        .add(M::GET, "/api/v1/messages/{id}/classification", Access::SignedIn, crate::linking::routes::classification)
        .add(M::PUT, "/api/v1/messages/{id}/classification", Access::ADMIN, crate::linking::routes::reclassify)
        .add(M::GET, "/api/v1/bounces", Access::ADMIN, crate::linking::routes::bounces)
        .add(M::GET, "/api/v1/settings/own-domains", Access::ADMIN, crate::linking::routes::own_domains)
        .add(M::POST, "/api/v1/settings/own-domains", Access::ADMIN, crate::linking::routes::add_own_domain)
        .add(M::DELETE, "/api/v1/settings/own-domains/{value}", Access::ADMIN, crate::linking::routes::remove_own_domain)
        .add(M::GET, "/api/v1/settings/freemail-domains", Access::ADMIN, crate::linking::routes::freemail_domains)
        .add(M::POST, "/api/v1/settings/freemail-domains", Access::ADMIN, crate::linking::routes::add_freemail_domain)
        .add(M::DELETE, "/api/v1/settings/freemail-domains/{value}", Access::ADMIN, crate::linking::routes::remove_freemail_domain)
        .add(M::GET, "/api/v1/settings/never-log", Access::ADMIN, crate::linking::routes::never_log)
        .add(M::POST, "/api/v1/settings/never-log", Access::ADMIN, crate::linking::routes::add_never_log)
        .add(M::DELETE, "/api/v1/settings/never-log/{value}", Access::ADMIN, crate::linking::routes::remove_never_log)
        // Outlook side panel: its card and mail logging, and the pane's public files.
        .add(M::GET, "/api/v1/lookup", Access::SignedIn, crate::addin::routes::lookup)
        // Full-text search: every signed-in user; what each finds is what they may read.
        .add(M::GET, "/api/v1/search", Access::SignedIn, crate::search::routes::search)
        .add(M::POST, "/api/v1/messages/log", Access::SignedIn, crate::addin::routes::log_mail)
        // The compose pane: templates by name for everyone; rendering checks the recipient's record (crm::access).
        .add(M::GET, "/api/v1/addin/templates", Access::SignedIn, crate::addin::templates::list)
        .add(M::POST, "/api/v1/addin/templates/{id}/render", Access::SignedIn, crate::addin::templates::render)
        .add(M::GET, "/addin/manifest.xml", Access::Public, crate::addin::routes::manifest)
        .add(M::GET, "/addin/{file}", Access::Public, crate::addin::routes::file)
        // The web console: its page and files are public; everything it shows comes from the API above.
        .add(M::GET, "/", Access::Public, crate::console::index)
        .add(M::GET, "/oauth/callback", Access::Public, crate::console::oauth_return)
        .add(M::GET, "/console/{file}", Access::Public, crate::console::file)
        // Campaigns: admin and marketing only.
        .add(M::GET, "/api/v1/templates", MARKETING, campaigns::routes::list_templates)
        .add(M::POST, "/api/v1/templates", MARKETING, campaigns::routes::create_template)
        .add(M::GET, "/api/v1/templates/{id}", MARKETING, campaigns::routes::get_template)
        .add(M::PUT, "/api/v1/templates/{id}", MARKETING, campaigns::routes::update_template)
        .add(M::DELETE, "/api/v1/templates/{id}", MARKETING, campaigns::routes::delete_template)
        .add(M::POST, "/api/v1/templates/preview", MARKETING, campaigns::live::preview_draft)
        // The editor's preview for a lead (the lead itself: crm::access, so marketing, who reads no leads, gets 403).
        .add(M::POST, "/api/v1/templates/preview/lead", MARKETING, crate::addin::templates::preview_for_lead)
        .add(M::POST, "/api/v1/templates/{id}/preview", MARKETING, campaigns::routes::preview)
        .add(M::POST, "/api/v1/templates/{id}/test-send", MARKETING, campaigns::routes::test_send)
        .add(M::GET, "/api/v1/segments", MARKETING, campaigns::routes::list_segments)
        .add(M::POST, "/api/v1/segments", MARKETING, campaigns::routes::create_segment)
        .add(M::GET, "/api/v1/segments/{id}", MARKETING, campaigns::routes::get_segment)
        .add(M::PUT, "/api/v1/segments/{id}", MARKETING, campaigns::routes::update_segment)
        .add(M::DELETE, "/api/v1/segments/{id}", MARKETING, campaigns::routes::delete_segment)
        .add(M::GET, "/api/v1/segments/{id}/count", MARKETING, campaigns::routes::count_segment)
        .add(M::POST, "/api/v1/segments/count", MARKETING, campaigns::live::count_draft)
        .add(M::GET, "/api/v1/campaigns", MARKETING, campaigns::routes::list_campaigns)
        .add(M::POST, "/api/v1/campaigns", MARKETING, campaigns::routes::create_campaign)
        .add(M::GET, "/api/v1/campaigns/{id}", MARKETING, campaigns::routes::get_campaign)
        .add(M::GET, "/api/v1/campaigns/{id}/progress", MARKETING, campaigns::routes::progress)
        .add(M::GET, "/api/v1/campaigns/{id}/rate", MARKETING, campaigns::live::rate)
        .add(M::POST, "/api/v1/campaigns/{id}/start", MARKETING, campaigns::routes::start)
        .add(M::POST, "/api/v1/campaigns/{id}/pause", MARKETING, campaigns::routes::pause)
        .add(M::POST, "/api/v1/campaigns/{id}/resume", MARKETING, campaigns::routes::resume)
        .add(M::POST, "/api/v1/campaigns/{id}/cancel", MARKETING, campaigns::routes::cancel)
        .add(M::GET, "/api/v1/campaigns/{id}/recipients", MARKETING, campaigns::routes::recipients)
        .add(M::GET, "/api/v1/suppressions", MARKETING, campaigns::routes::list_suppressions)
        .add(M::POST, "/api/v1/suppressions", MARKETING, campaigns::routes::add_suppression)
        // SMTP relays: admins configure them, marketing picks one by name.
        .add(M::GET, "/api/v1/relays", MARKETING, campaigns::routes::list_relays)
        .add(M::POST, "/api/v1/relays", Access::ADMIN, campaigns::routes::create_relay)
        .add(M::GET, "/api/v1/relays/{id}", MARKETING, campaigns::routes::get_relay)
        .add(M::PATCH, "/api/v1/relays/{id}", Access::ADMIN, campaigns::routes::update_relay)
        .add(M::DELETE, "/api/v1/relays/{id}", Access::ADMIN, campaigns::routes::delete_relay)
        .add(M::POST, "/api/v1/relays/{id}/oauth/start", Access::ADMIN, crate::oauth::routes::relay_start)
        // One-click unsubscribe (RFC 8058): no login, the signed token is the authority.
        .add(M::GET, "/u/{token}", Access::Public, campaigns::unsubscribe::confirm_page)
        .add(M::POST, "/u/{token}", Access::Public, campaigns::unsubscribe::one_click)
        // Import and export (issue 16): record rules through crm::access; an import is its starter's (and admins').
        .add(M::GET, "/api/v1/imports", Access::SignedIn, crate::transfer::import::routes::list)
        .add(M::POST, "/api/v1/imports", Access::SignedIn, crate::transfer::import::routes::upload)
        .add(M::GET, "/api/v1/imports/fields", Access::SignedIn, crate::transfer::import::routes::fields)
        .add(M::GET, "/api/v1/imports/{id}", Access::SignedIn, crate::transfer::import::routes::get)
        .add(M::POST, "/api/v1/imports/{id}/check", Access::SignedIn, crate::transfer::import::routes::check)
        .add(M::POST, "/api/v1/imports/{id}/run", Access::SignedIn, crate::transfer::import::routes::run)
        .add(M::GET, "/api/v1/imports/{id}/rejects", Access::SignedIn, crate::transfer::import::routes::rejects)
        .add(M::POST, "/api/v1/imports/{id}/undo", Access::SignedIn, crate::transfer::import::routes::undo)
        .add(M::GET, "/api/v1/import-presets", Access::SignedIn, crate::transfer::import::routes::presets)
        .add(M::POST, "/api/v1/import-presets", Access::SignedIn, crate::transfer::import::routes::save_preset)
        .add(M::DELETE, "/api/v1/import-presets/{id}", Access::ADMIN, crate::transfer::import::routes::delete_preset)
        // Exports: admins, and the roles an admin allows (the setting below), checked in transfer::export.
        .add(M::GET, "/api/v1/exports/{kind}", Access::SignedIn, crate::transfer::export::routes::export)
        .add(M::GET, "/api/v1/settings/export-roles", Access::ADMIN, crate::transfer::export::routes::export_roles)
        .add(M::PUT, "/api/v1/settings/export-roles", Access::ADMIN, crate::transfer::export::routes::set_export_roles)
        // Notifications (issue 17): each user's own feed; reminder letters' links need no sign-in (signed token).
        .add(M::GET, "/api/v1/notifications", Access::SignedIn, crate::reminders::routes::feed)
        .add(M::GET, "/api/v1/notifications/unread", Access::SignedIn, crate::reminders::routes::unread)
        .add(M::POST, "/api/v1/notifications/read-all", Access::SignedIn, crate::reminders::routes::read_all)
        .add(M::POST, "/api/v1/notifications/{id}/read", Access::SignedIn, crate::reminders::routes::read)
        .add(M::GET, "/api/v1/me/digest", Access::SignedIn, crate::reminders::routes::digest)
        .add(M::PUT, "/api/v1/me/digest", Access::SignedIn, crate::reminders::routes::set_digest)
        .add(M::GET, "/api/v1/settings/reminders", Access::ADMIN, crate::reminders::routes::settings)
        .add(M::PUT, "/api/v1/settings/reminders", Access::ADMIN, crate::reminders::routes::set_settings)
        // Reports (issue 17): each counts the caller's figures (own, led teams', everyone's), decided in crm::access.
        .add(M::GET, "/api/v1/reports/funnel", Access::SignedIn, crate::reports::routes::funnel)
        .add(M::GET, "/api/v1/reports/deals", Access::SignedIn, crate::reports::routes::deals)
        .add(M::GET, "/api/v1/reports/lead-sources", Access::SignedIn, crate::reports::routes::lead_sources)
        .add(M::GET, "/api/v1/reports/managers", Access::SignedIn, crate::reports::routes::managers)
        .add(M::GET, "/api/v1/reports/data-quality", Access::SignedIn, crate::reports::routes::data_quality)
        // Campaign results are about campaigns, not records: for those who run them (admins and marketing).
        .add(M::GET, "/api/v1/reports/campaigns", MARKETING, crate::reports::routes::campaigns)
        // Awaiting reply (issue 17): the default policy is the admins'; a team's, its leads' too and its members read
        // it (crm::access::may_team_settings); lists follow what the caller owns or oversees (crm::access).
        .add(M::GET, "/api/v1/settings/reply-policy", Access::SignedIn, crate::awaiting::routes::get_default)
        .add(M::PUT, "/api/v1/settings/reply-policy", Access::ADMIN, crate::awaiting::routes::set_default)
        .add(M::GET, "/api/v1/teams/{id}/reply-policy", Access::SignedIn, crate::awaiting::routes::get_team)
        .add(M::PUT, "/api/v1/teams/{id}/reply-policy", Access::SignedIn, crate::awaiting::routes::set_team)
        .add(M::GET, "/api/v1/awaiting-reply", SALES, crate::awaiting::routes::list)
        // Follow-up sequences (issue 18): salespeople's own; team leads and admins oversee theirs (crm::access).
        .add(M::GET, "/api/v1/sequences", SALES, crate::sequences::routes::list)
        .add(M::POST, "/api/v1/sequences", SALES, crate::sequences::routes::create)
        .add(M::GET, "/api/v1/sequences/{id}", SALES, crate::sequences::routes::get)
        .add(M::PUT, "/api/v1/sequences/{id}", SALES, crate::sequences::routes::update)
        .add(M::DELETE, "/api/v1/sequences/{id}", SALES, crate::sequences::routes::delete)
        .add(M::POST, "/api/v1/sequences/{id}/enrolments", SALES, crate::sequences::routes::enrol)
        .add(M::GET, "/api/v1/sequences/{id}/enrolments", SALES, crate::sequences::routes::enrolments)
        .add(M::GET, "/api/v1/sequences/{id}/report", SALES, crate::sequences::routes::report)
        // Attachments of steps (the uploader's own) and personal mail merge (a one-step sequence of kind merge).
        .add(M::POST, "/api/v1/sequences/attachments", SALES, crate::sequences::upload::upload)
        .add(M::DELETE, "/api/v1/sequences/attachments/{id}", SALES, crate::sequences::upload::delete)
        .add(M::POST, "/api/v1/mail-merge", SALES, crate::sequences::routes::merge)
        // Integrations (issue 20.3): API keys and webhooks, admins only (no API key may call these: no action).
        .add(M::GET, "/api/v1/admin/api-keys", Access::ADMIN, crate::apikeys::routes::list)
        .add(M::POST, "/api/v1/admin/api-keys", Access::ADMIN, crate::apikeys::routes::create)
        .add(M::DELETE, "/api/v1/admin/api-keys/{id}", Access::ADMIN, crate::apikeys::routes::revoke)
        .add(M::GET, "/api/v1/admin/webhooks", Access::ADMIN, crate::webhooks::routes::list)
        .add(M::POST, "/api/v1/admin/webhooks", Access::ADMIN, crate::webhooks::routes::create)
        .add(M::DELETE, "/api/v1/admin/webhooks/{id}", Access::ADMIN, crate::webhooks::routes::delete)
        .add(M::POST, "/api/v1/admin/webhooks/{id}/enable", Access::ADMIN, crate::webhooks::routes::enable)
        .add(M::GET, "/api/v1/admin/webhooks/{id}/deliveries", Access::ADMIN, crate::webhooks::routes::deliveries)
        // Web forms (issue 20.2): admins manage them; the form's own URL is public (its key is the authority).
        .add(M::GET, "/api/v1/admin/forms", Access::ADMIN, crate::forms::routes::list)
        .add(M::POST, "/api/v1/admin/forms", Access::ADMIN, crate::forms::routes::create)
        .add(M::GET, "/api/v1/admin/forms/{id}", Access::ADMIN, crate::forms::routes::get)
        .add(M::PATCH, "/api/v1/admin/forms/{id}", Access::ADMIN, crate::forms::routes::update)
        .add(M::DELETE, "/api/v1/admin/forms/{id}", Access::ADMIN, crate::forms::routes::delete)
        .add(M::GET, "/api/v1/admin/forms/{id}/snippet", Access::ADMIN, crate::forms::routes::get_snippet)
        .add(M::GET, "/api/v1/admin/forms/{id}/submissions", Access::ADMIN, crate::forms::routes::submissions)
        .add(M::POST, "/f/{key}", Access::Public, crate::forms::public::post)
        .add(M::OPTIONS, "/f/{key}", Access::Public, crate::forms::public::preflight)
        // Data subject requests (issue 20.1): admins only (no API key may call these: no action).
        .add(M::POST, "/api/v1/admin/privacy/export", Access::ADMIN, crate::privacy::routes::export)
        .add(M::POST, "/api/v1/admin/privacy/erase", Access::ADMIN, crate::privacy::routes::erase)
        .add(M::GET, "/api/v1/admin/privacy/requests", Access::ADMIN, crate::privacy::routes::requests)
        // Retention policies (issue 20.1): admins only.
        .add(M::GET, "/api/v1/admin/retention", Access::ADMIN, crate::retention::routes::get)
        .add(M::PUT, "/api/v1/admin/retention", Access::ADMIN, crate::retention::routes::put)
        .add(M::POST, "/api/v1/admin/retention/run", Access::ADMIN, crate::retention::routes::run)
        .add(M::GET, "/r/{token}", Access::Public, crate::reminders::pages::confirm)
        .add(M::POST, "/r/{token}", Access::Public, crate::reminders::pages::act)
}
