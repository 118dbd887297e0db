use std::collections::BTreeSet;

use reqwest::Method;

use crate::helpers::{error_code, spawn_app};

/// Every route in the server's route table is in the document and every documented operation is served.
#[tokio::test]
async fn the_openapi_document_matches_the_real_routes() {
    let app = spawn_app().await;
    let (status, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "OpenAPI 3: {}",
        doc["openapi"]
    );

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete", "options"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<_> = app
        .routes
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(phantom.is_empty(), "documented but not routed: {phantom:?}");
    assert!(routed.len() >= 9, "the table lists the routes: {routed:?}");

    // The router really answers each of them (whatever the status, it is not 'no such route').
    for (method, path) in &routed {
        let concrete = path
            .replace("{id}", "1")
            .replace("{file}", "taskpane.js")
            .replace("{index}", "0")
            .replace("{user_id}", "1")
            .replace("{kind}", "lead")
            .replace("{record_id}", "1")
            .replace("{value}", "example.ru");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 404 || status == 405 {
            let (_, body) = crate::helpers::read(response).await;
            let code = error_code(&body);
            assert!(
                code != "route_not_found" && code != "method_not_allowed",
                "{method} {path} is not served: {body}"
            );
        }
    }
}

#[tokio::test]
async fn protected_operations_declare_bearer_security() {
    let app = spawn_app().await;
    let (_, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    for route in &app.routes {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let public = route.access == mailroom::auth::Access::Public;
        assert_eq!(
            secured, !public,
            "{} {}: security in the document must match the route's access",
            route.method, route.path
        );
    }
}
