//! Who is calling: the `Caller` extractor and the per-route access guard that the route table installs.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::model::Role;
use super::service;
use crate::apikeys::{Action, Grant};
use crate::app::AppState;
use crate::error::{AuthFailure, Error};

/// The signed-in user making the request, as the database knows them now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub role: Role,
    pub email: String,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The caller, refused with 403 `password_change_required` while their account must change a password someone
    /// else chose, unless the route is one that leads them through the change (`Access::Account`).
    async fn authenticate(
        state: &AppState,
        headers: &HeaderMap,
        access: Access,
    ) -> Result<(Caller, Option<Grant>), Error> {
        // An integration's API key (`mrk_…`): its own service user, with the key's role and actions.
        if let Some(secret) = crate::apikeys::presented(headers) {
            let (caller, grant) = crate::apikeys::authenticate(&state.db.pool, secret).await?;
            return Ok((caller, Some(grant)));
        }
        let token = bearer_token(headers)?;
        // Not one of ours (HS256): perhaps an identity provider's, such as the add-in's Entra ID token.
        let user = if super::provider_token::looks_external(token) {
            super::provider_token::user(&state.db.pool, &state.jwks, token).await?
        } else {
            let claims = state.tokens.verify(token)?;
            let user_id: i64 = claims
                .sub
                .parse()
                .map_err(|_| Error::Unauthorized(AuthFailure::Invalid))?;
            service::caller_user(&state.db.pool, user_id, claims.ver).await?
        };
        if user.must_change_password && access != Access::Account {
            return Err(Error::PasswordChangeRequired);
        }
        let caller = Caller {
            id: user.id,
            role: user.role,
            email: user.email,
        };
        Ok((caller, None))
    }
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, Error> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Error::Unauthorized(AuthFailure::Missing))?;
    let value = value
        .to_str()
        .map_err(|_| Error::Unauthorized(AuthFailure::Invalid))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(Error::Unauthorized(AuthFailure::Invalid)),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        // Only a route the guard does not authenticate gets here; none of those leads through a password change.
        let (caller, _) = Caller::authenticate(state, &parts.headers, Access::SignedIn).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// Who may call a route. Declared beside the route's path in the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
    /// Signed in, even while the account must change its password: the routes that lead through the change
    /// (who am I, change my password). Every other route answers 403 `password_change_required` until then.
    Account,
    Roles(&'static [Role]),
}

impl Access {
    pub const ADMIN: Access = Access::Roles(&[Role::Admin]);

    fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn | Access::Account => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    pub access: Access,
    /// What an API key must be granted to call the route (`None`: no key may).
    pub action: Option<Action>,
}

/// Authenticates (unless the route is public) and checks the role before the handler runs.
pub async fn guard(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    if guard.access != Access::Public {
        let (caller, grant) =
            match Caller::authenticate(&guard.state, request.headers(), guard.access).await {
                Ok(found) => found,
                Err(e) => return e.into_response(),
            };
        if let Some(grant) = grant.filter(|g| !g.allows(guard.action)) {
            tracing::info!(api_key = grant.key_id, "api key used outside its actions");
            let action = guard
                .action
                .map(|a| a.to_string())
                .unwrap_or_else(|| "(none)".into());
            return Error::ApiKeyScope { action }.into_response();
        }
        if !guard.access.allows(caller.role) {
            return Error::Forbidden.into_response();
        }
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}
