//! The route table: every route with its method, path and who may call it, in one list.
//! The same table builds the router and is what the OpenAPI test compares the document against.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::{middleware, Router};

use super::health;
use crate::app::AppState;
use crate::auth::caller::{guard, Guard};
use crate::auth::{self, Access};

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

/// All routes of the server.
pub fn table(state: AppState) -> RouteTable {
    use Method as M;
    RouteTable::new(state)
        .add(M::GET, "/healthz", Access::Public, health::healthz)
        .add(
            M::GET,
            "/api/v1/openapi.json",
            Access::Public,
            super::openapi::document,
        )
        .add(
            M::POST,
            "/api/v1/auth/login",
            Access::Public,
            auth::routes::login,
        )
        .add(M::GET, "/api/v1/me", Access::SignedIn, auth::routes::me)
        .add(
            M::POST,
            "/api/v1/me/password",
            Access::SignedIn,
            auth::routes::change_password,
        )
        .add(
            M::GET,
            "/api/v1/users",
            Access::ADMIN,
            auth::routes::list_users,
        )
        .add(
            M::POST,
            "/api/v1/users",
            Access::ADMIN,
            auth::routes::create_user,
        )
        .add(
            M::GET,
            "/api/v1/users/{id}",
            Access::ADMIN,
            auth::routes::get_user,
        )
        .add(
            M::PATCH,
            "/api/v1/users/{id}",
            Access::ADMIN,
            auth::routes::update_user,
        )
}
