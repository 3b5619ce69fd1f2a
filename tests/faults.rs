//! Faults over HTTP, on every backend: a panic is the French 500 page (or
//! the API's JSON error) naming the request's id, which the `x-request-id`
//! header carries; a malformed query, a body too large and an address too
//! long are refused in French; an import a stop left running is marked
//! interrupted at the next start, and one whose task fails is marked failed
//! with why — never "running" forever, never vanished.

mod common;

use common::*;
use parcours_web::AppState;
use reqwest::{Client, StatusCode};
use serde_json::Value;

/// The application with two extra routes that panic, one for the pages
/// and one under the API.
async fn spawn_panicking(store: parcours_store::Store) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let upload_dir =
        std::env::temp_dir().join(format!("parcours-uploads-{}", uuid::Uuid::now_v7()));
    let state = AppState {
        app: parcours_app::App {
            store: store.clone(),
            config: parcours_app::Config {
                department_name: "Département du Calvados".into(),
                data_inclusion_source: "cd14".into(),
                upload_dir: upload_dir.clone(),
                retention: Default::default(),
                outbox: Default::default(),
                oidc: Default::default(),
            },
        },
        secure_cookies: false,
        login_guard: parcours_web::login_guard::LoginGuard::new(vec![]),
    };
    async fn boom() -> &'static str {
        panic!("boum")
    }
    let extra = axum::Router::new()
        .route("/panique", axum::routing::get(boom))
        .route("/api/v1/panique", axum::routing::get(boom));
    let app = state.app.clone();
    let router = parcours_web::router_with(state, extra);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    App {
        base,
        store,
        upload_dir,
        app,
    }
}

fn request_id(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("x-request-id header")
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_panic_is_the_french_500_page_naming_the_request_id() {
    for store in parcours_store::testing::all().await {
        let app = spawn_panicking(store).await;
        let response = Client::new().get(app.url("/panique")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let id = request_id(&response);
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(response.headers().contains_key("content-security-policy"));
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Une erreur inattendue est survenue"),
            "{html}"
        );
        assert!(html.contains(&id), "the page names the id: {html}");
        assert!(!html.contains("boum"), "nothing of the panic shown");

        // Under the API: the JSON error, with the id; a client's id is kept.
        let response = Client::new()
            .get(app.url("/api/v1/panique"))
            .header("x-request-id", "client-id-42")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(request_id(&response), "client-id-42");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal", "{body}");
        assert_eq!(body["error"]["request_id"], "client-id-42", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("client-id-42"));

        // The server still answers, and every answer carries an id.
        let response = Client::new()
            .get(app.url("/connexion"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_ne!(request_id(&response), id);
    }
}

#[tokio::test]
async fn malformed_too_large_and_too_long_requests_are_refused_in_french() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        // A malformed query: 400, in French.
        let response = Client::new()
            .get(app.url("/api/v1/imports?limit=beaucoup"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("n'est pas valide"));
        let signed_in = app.signed_in(PROGRAMME).await;
        let response = signed_in
            .get(app.url("/actions?page=beaucoup"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().contains("pas valide"));

        // A body over the limit: 413, in French (JSON for the API).
        let big = vec![b'a'; 3 * 1024 * 1024];
        let response = Client::new()
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trop volumineux"));
        let response = Client::new()
            .post(app.url("/connexion"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big)
            .send()
            .await
            .unwrap();
        // A form too: the CSRF guard, which reads it whole first, answers
        // the same 413 page.
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = response.text().await.unwrap();
        assert!(html.contains("Envoi trop volumineux"), "{html}");
        assert!(html.contains("2 Mo au plus pour un formulaire"), "{html}");
        // Under the 2 Mo the page announces, a form is no longer refused
        // for its size (here, for its missing CSRF token).
        let response = Client::new()
            .post(app.url("/connexion"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![b'a'; 3 * 512 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(!response.text().await.unwrap().contains("trop volumineux"));

        // An address too long: 414, in French.
        let long = "a".repeat(10_000);
        let response = Client::new()
            .get(app.url(&format!("/personnes?q={long}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::URI_TOO_LONG);
        let html = response.text().await.unwrap();
        assert!(html.contains("Adresse trop longue"), "{html}");
        let response = Client::new()
            .get(app.url(&format!("/api/v1/imports?q={long}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::URI_TOO_LONG);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "uri_too_long", "{body}");
    }
}

#[tokio::test]
async fn an_import_left_running_is_interrupted_at_the_next_start() {
    for store in parcours_store::testing::all().await {
        let actor = parcours_store::Actor::system("tests");
        let left = store
            .import_running(&actor, "caf", "flux.xml")
            .await
            .unwrap();
        let app = spawn(store).await;
        // Answered once the server started.
        let token = app.token(PROGRAMME).await;
        let record = app
            .get_json(&token, &format!("/api/v1/imports/{left}"))
            .await;
        assert_eq!(record["status"], "interrupted", "{record}");
        assert!(record["report"]["error"]
            .as_str()
            .unwrap()
            .contains("interrompu"));
        let page = app
            .signed_in(PROGRAMME)
            .await
            .get(app.url(&format!("/imports/{left}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Import interrompu"), "{page}");
    }
}

#[tokio::test]
async fn an_import_whose_task_fails_is_marked_failed_with_why() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        // No département service to attach new entrants to: the import
        // cannot run (an internal failure, not the file's).
        parcours_store::testing::set_organisation_kind(&app.store, "department_service", "ccas")
            .await
            .unwrap();
        let file = parcours_import::caf_xml::CafXmlWriter::new(
            Vec::new(),
            parcours_import::caf_xml::FileKind::Beneficiaries,
            time::macros::date!(2026 - 11 - 01),
            parcours_domain::person::Fund::Caf,
        )
        .unwrap()
        .finish()
        .unwrap();
        let response = Client::new()
            .post(app.url("/api/v1/imports/caf?file_name=panne.xml"))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(file)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let list = app.get_json(&token, "/api/v1/imports").await;
        let record = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file_name"] == "panne.xml")
            .unwrap_or_else(|| panic!("the import is kept ({status} {body}): {list}"))
            .clone();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(body["error"]["code"], "internal", "{body}");
        assert_eq!(record["status"], "failed", "{record}");
        let why = record["report"]["error"].as_str().unwrap();
        assert!(why.contains("erreur inattendue"), "{why}");
        assert!(why.contains("Service du Département"), "{why}");
    }
}
