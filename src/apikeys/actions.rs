//! The actions an API key may be granted: `<group>:read` (GET) and `<group>:write` (every other method), the group
//! derived from a route's path in the route table. Routes outside these groups (users, teams, settings, mailboxes,
//! keys and webhooks themselves …) have no action, so no key may call them.

use std::fmt;

use axum::http::Method;

/// The groups, each with the first path segments (after `/api/v1/`) that belong to it.
const GROUPS: &[(&str, &[&str])] = &[
    ("contacts", &["contacts"]),
    ("companies", &["companies"]),
    ("leads", &["leads"]),
    ("deals", &["deals"]),
    ("activities", &["notes", "tasks"]),
    ("messages", &["messages", "threads", "lookup"]),
    (
        "reference",
        &[
            "pipelines",
            "stages",
            "lead-sources",
            "contact-types",
            "company-types",
            "custom-fields",
            "record-fields",
        ],
    ),
    (
        "campaigns",
        &["templates", "segments", "campaigns", "suppressions"],
    ),
    ("reports", &["reports"]),
];

/// One grantable action, e.g. `contacts:read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub group: &'static str,
    pub write: bool,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.write { "write" } else { "read" };
        write!(f, "{}:{verb}", self.group)
    }
}

impl Action {
    /// Parses `group:read` or `group:write` of the vocabulary.
    pub fn parse(text: &str) -> Option<Action> {
        let (group, verb) = text.trim().split_once(':')?;
        let group = GROUPS.iter().find(|(g, _)| *g == group)?.0;
        let write = match verb {
            "read" => false,
            "write" => true,
            _ => return None,
        };
        Some(Action { group, write })
    }

    /// Every action there is, for the documentation and error messages.
    pub fn vocabulary() -> Vec<String> {
        GROUPS
            .iter()
            .flat_map(|(g, _)| [format!("{g}:read"), format!("{g}:write")])
            .collect()
    }
}

/// The action a route needs, from its method and path template; `None`: no key may call it.
pub fn action_for(method: &Method, path: &str) -> Option<Action> {
    let segment = path.strip_prefix("/api/v1/")?.split('/').next()?;
    let group = GROUPS
        .iter()
        .find(|(_, segments)| segments.contains(&segment))?
        .0;
    Some(Action {
        group,
        write: method != Method::GET,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_their_group_and_verb_and_admin_routes_to_none() {
        let a = action_for(&Method::GET, "/api/v1/contacts/{id}").unwrap();
        assert_eq!(a.to_string(), "contacts:read");
        let a = action_for(&Method::PATCH, "/api/v1/tasks/{id}").unwrap();
        assert_eq!(a.to_string(), "activities:write");
        assert!(action_for(&Method::GET, "/api/v1/users").is_none());
        assert!(action_for(&Method::GET, "/api/v1/admin/api-keys").is_none());
        assert_eq!(
            Action::parse("deals:write"),
            action_for(&Method::POST, "/api/v1/deals")
        );
        assert!(Action::parse("users:read").is_none());
        assert!(Action::parse("deals:delete").is_none());
    }
}
