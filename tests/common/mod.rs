//! Black-box harness: the real server on a random port, over each backend,
//! loaded with the demo data (one account per role).
#![allow(dead_code)]

pub mod oidc;

use parcours_store::{testing, Store};
use parcours_web::AppState;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub struct App {
    pub base: String,
    pub store: Store,
    /// Where this server keeps received files until their import ends.
    pub upload_dir: std::path::PathBuf,
    /// The use cases the server runs, to drive its jobs (the outbox) from a test.
    pub app: parcours_app::App,
}

pub async fn spawn(store: Store) -> App {
    spawn_with(store, Default::default()).await
}

/// The server with these senders of convocations.
pub async fn spawn_with(store: Store, outbox: parcours_app::outbox::OutboxSettings) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    spawn_on(listener, store, outbox, Default::default()).await
}

/// The server on `listener` (bound first, so that its address can be
/// registered elsewhere, at an identity provider say), with these senders
/// and identity providers.
pub async fn spawn_on(
    listener: tokio::net::TcpListener,
    store: Store,
    outbox: parcours_app::outbox::OutboxSettings,
    oidc: parcours_app::oidc::OidcSettings,
) -> App {
    parcours::demo::load_without_stories(&store)
        .await
        .expect("demo data");
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
                outbox,
                oidc,
            },
        },
        secure_cookies: false,
        // The tests' requests come from 127.0.0.1: as from a proxy, so that
        // a test may name its client's address in `X-Forwarded-For`.
        login_guard: parcours_web::login_guard::LoginGuard::new(vec![[127, 0, 0, 1].into()]),
    };
    let app = state.app.clone();
    tokio::spawn(parcours_web::serve(listener, state));
    App {
        base,
        store,
        upload_dir,
        app,
    }
}

/// One running app per backend available to this run.
pub async fn apps() -> Vec<App> {
    let mut apps = Vec::new();
    for store in testing::all().await {
        apps.push(spawn(store).await);
    }
    apps
}

pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The CSRF token of the form on `path`.
    pub async fn csrf(&self, client: &Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = html
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF token on {path}"))
            + marker.len();
        html[start..start + 64].to_owned()
    }

    pub async fn login_attempt(&self, client: &Client, email: &str, password: &str) -> Response {
        let token = self.csrf(client, "/connexion").await;
        client
            .post(self.url("/connexion"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A client signed in as `email` (a demo account).
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = browser();
        let response = self
            .login_attempt(&client, email, parcours::demo::PASSWORD)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {email}");
        client
    }

    /// The HTML of a page as the demo account `email` sees it (signed in
    /// for this request).
    pub async fn page(&self, email: &str, path: &str) -> String {
        self.signed_in(email)
            .await
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A fresh API token for a demo account.
    pub async fn token(&self, email: &str) -> String {
        let user = self.store.account_by_email(email).await.unwrap().unwrap();
        let actor = parcours_store::Actor::system("tests");
        self.store
            .create_api_token(
                &actor,
                user.id,
                "tests",
                parcours_store::now() + time::Duration::days(365),
            )
            .await
            .unwrap()
            .1
    }

    /// GET a JSON document of the API with a bearer token.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Calls the API with a bearer token: the status and the JSON body (null when none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        self.store
            .account_by_email(email)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

pub const ADMIN: &str = "admin@demo.parcours.fr";
pub const PROGRAMME: &str = "mission@demo.parcours.fr";
pub const MANAGER: &str = "cadre@demo.parcours.fr";
pub const REFERENT: &str = "referent@demo.parcours.fr";
pub const OPERATOR: &str = "structure@demo.parcours.fr";
pub const DPO: &str = "dpo@demo.parcours.fr";
pub const EVERYONE: [&str; 6] = [ADMIN, PROGRAMME, MANAGER, REFERENT, OPERATOR, DPO];

/// The text of a PDF, as `pdftotext` (Debian's poppler-utils) extracts it.
pub fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("export-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install -y poppler-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The part of a page from `marker` to the next `end` (a card, a panel,
/// the error summary), to check what it says and nothing around it.
pub fn html_part<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let from = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Fabrice (Sophie's caseload) and Plaine Emploi's weekly workshop.
/// Positions `person` on `action` as the référent (`token`) does past the
/// action's rules, with the reason given: the referral created.
pub async fn position(app: &App, person: &str, action: &str, token: &str) -> serde_json::Value {
    let (status, referral) = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/persons/{person}/referrals"),
            token,
            Some(serde_json::json!({
                "action_id": action,
                "override_reason": "Projet travaillé avec la structure",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    referral
}

pub async fn fabrice_and_workshop(app: &App, referent: &str) -> (String, String) {
    let caseload = app.get_json(referent, "/api/v1/caseload").await;
    let fabrice = caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == "Fabrice")
        .expect("Fabrice in Sophie's caseload");
    let actions = app
        .get_json(referent, "/api/v1/catalogue?q=bons+vivants")
        .await;
    let workshop = &actions["actions"][0];
    assert_eq!(workshop["structure_name"], "Plaine Emploi");
    (
        fabrice["id"].as_str().unwrap().to_owned(),
        workshop["id"].as_str().unwrap().to_owned(),
    )
}
