//! Issue 26: signing in through a real OpenID provider — `oidc-provider`
//! from npm, run by `e2e/oidc-provider.mjs` — as the département's own and
//! as ProConnect (signed user information, its claims). Every refusal is a
//! French page, with no session and nothing created.

mod common;

use common::oidc::{installed, provider, settings, Provider, PLAINE_SIRET};
use common::*;
use parcours_app::oidc::Profile;
use parcours_domain::audit::AuditAction;
use parcours_store::audit::AuditFilter;
use reqwest::{Client, StatusCode, Url};
use serde_json::json;

/// A server over `store` whose one provider (`id`) is a fresh process.
async fn app_with_provider(
    store: parcours_store::Store,
    id: &str,
    profile: Profile,
    tamper: &str,
    login: &str,
) -> (App, Provider) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fixture = match profile {
        Profile::Standard => "standard",
        Profile::ProConnect => "proconnect",
    };
    let provider = provider(&base, id, fixture, tamper, login).await;
    let oidc = settings(&base, id, profile, &provider.issuer);
    let app = spawn_on(listener, store, Default::default(), oidc).await;
    (app, provider)
}

/// Follows the redirects from our start address through the provider
/// (its cookies kept) up to our return address, which it gives back
/// without opening it.
async fn to_return(client: &Client, app: &App, id: &str) -> String {
    let back = app.url(&format!("/connexion/oidc/{id}/retour"));
    let mut url = app.url(&format!("/connexion/oidc/{id}"));
    for _ in 0..12 {
        let response = client.get(&url).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "{url}: {}",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        url = Url::parse(&url)
            .unwrap()
            .join(&location)
            .unwrap()
            .to_string();
        if url.starts_with(&back) {
            return url;
        }
    }
    panic!("never back at {back}");
}

/// The return address with one query parameter changed.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut url = Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

fn param(url: &str, name: &str) -> String {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// Whether `client` holds a session: the home page, or the login page.
async fn signed_in(client: &Client, app: &App) -> bool {
    let home = client.get(app.url("/")).send().await.unwrap();
    home.status() == StatusCode::OK
}

/// Signs out: our session ends, and the browser is sent to the provider's
/// end-session endpoint with the ID token as a hint and the way back.
async fn logs_out_at(client: &Client, app: &App, provider: &Provider) {
    let token = app.csrf(client, "/").await;
    let out = client
        .post(app.url("/deconnexion"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let location = out.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{location}"
    );
    assert!(location.contains("id_token_hint="), "{location}");
    assert!(location.contains("post_logout_redirect_uri="), "{location}");
    assert!(!signed_in(client, app).await);
}

async fn audited(app: &App, action: AuditAction, detail: &str) -> bool {
    let events = app
        .store
        .audit_events(&AuditFilter {
            action: Some(action),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    events
        .iter()
        .any(|e| e.detail.as_deref().is_some_and(|d| d.contains(detail)))
}

async fn users(app: &App) -> usize {
    app.store.accounts().await.unwrap().len()
}

#[tokio::test]
async fn an_agent_signs_in_through_the_departements_provider_and_out_of_both() {
    if !installed() {
        return;
    }
    for store in parcours_store::testing::all().await {
        let (app, provider) =
            app_with_provider(store, "departement", Profile::Standard, "none", REFERENT).await;
        // The login page offers the provider.
        let login = browser().get(app.url("/connexion")).send().await.unwrap();
        let login = login.text().await.unwrap();
        assert!(
            login.contains("href=\"/connexion/oidc/departement\""),
            "{login}"
        );
        assert!(login.contains("Se connecter avec departement"));

        let client = browser();
        let back = to_return(&client, &app, "departement").await;
        let response = client.get(&back).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/");
        assert!(signed_in(&client, &app).await);
        // Matched by address, then remembered by subject.
        let sophie = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        let linked = app
            .store
            .account_by_identity("departement", "agent-sophie")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(linked.id, sophie.id);
        // The administrator sees the identity and the switch on the account's page.
        let page = app
            .page(ADMIN, &format!("/admin/comptes/{}", sophie.id))
            .await;
        assert!(page.contains("Identités reliées : departement"), "{page}");
        assert!(page.contains("Désactiver la connexion par mot de passe"));
        let settings_page = app.page(ADMIN, "/admin/connexion").await;
        assert!(settings_page.contains("Se connecter avec departement"));
        assert!(settings_page.contains("value=\"administrateurs\""));
        assert!(
            audited(
                &app,
                AuditAction::Login,
                "fournisseur d'identité : departement"
            )
            .await
        );

        // The same return again, in another browser: not this one's attempt.
        let other = browser();
        let replayed = other.get(&back).send().await.unwrap();
        assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
        assert!(replayed.text().await.unwrap().contains("pas reconnue"));
        assert!(!signed_in(&other, &app).await);
        // A code already used, under a fresh attempt's state: the provider refuses it.
        let fresh = to_return(&other, &app, "departement").await;
        let reused = with_param(&fresh, "code", &param(&back, "code"));
        let response = other.get(&reused).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("a refusé la connexion"));
        assert!(!signed_in(&other, &app).await);
        // A state that is not the one sent.
        let third = browser();
        let fresh = to_return(&third, &app, "departement").await;
        let forged = with_param(&fresh, "state", "pas-le-bon");
        let response = third.get(&forged).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(!signed_in(&third, &app).await);
        assert!(audited(&app, AuditAction::LoginFailed, "demande inconnue (state)").await);

        // Logout ends ours, then the provider's (RP-initiated).
        logs_out_at(&client, &app, &provider).await;
        assert!(
            audited(
                &app,
                AuditAction::Logout,
                "fournisseur d'identité : departement"
            )
            .await
        );

        // Passwords switched off: for one account, then for all but administrators.
        let admin = app.token(ADMIN).await;
        let (status, _) = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/users/{}/password-login", sophie.id),
                &app.token(PROGRAMME).await,
                Some(json!({"password_login": false})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "an administrator's switch");
        let (status, body) = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/users/{}/password-login", sophie.id),
                &admin,
                Some(json!({"password_login": false})),
            )
            .await;
        assert_eq!(
            (status, &body["password_login"]),
            (StatusCode::OK, &json!(false))
        );
        let refused = app
            .login_attempt(&browser(), REFERENT, parcours::demo::PASSWORD)
            .await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused
            .text()
            .await
            .unwrap()
            .contains("mot de passe est désactivée"));
        let (status, body) = app
            .call(
                reqwest::Method::PUT,
                "/api/v1/settings/password-policy",
                &admin,
                Some(json!({"policy": "administrateurs"})),
            )
            .await;
        assert_eq!(
            (status, &body["policy"]),
            (StatusCode::OK, &json!("administrateurs"))
        );
        let manager = app
            .login_attempt(&browser(), MANAGER, parcours::demo::PASSWORD)
            .await;
        assert_eq!(manager.status(), StatusCode::UNAUTHORIZED);
        let kept = app
            .login_attempt(&browser(), ADMIN, parcours::demo::PASSWORD)
            .await;
        assert_eq!(
            kept.status(),
            StatusCode::SEE_OTHER,
            "administrators keep a way in"
        );
        // …while the provider still signs Sophie in.
        let client = browser();
        let back = to_return(&client, &app, "departement").await;
        client.get(&back).send().await.unwrap();
        assert!(signed_in(&client, &app).await);
    }
}

#[tokio::test]
async fn every_refusal_is_a_french_page_with_no_session_and_nothing_created() {
    if !installed() {
        return;
    }
    let store = parcours_store::testing::sqlite().await.unwrap();
    let cases = [
        (
            "none",
            "inconnu@calvados.fr",
            StatusCode::FORBIDDEN,
            "Aucun compte parcours ne correspond à inconnu@calvados.fr",
        ),
        (
            "none",
            MANAGER,
            StatusCode::FORBIDDEN,
            "pas confirmé votre adresse",
        ),
        (
            "expired",
            REFERENT,
            StatusCode::BAD_REQUEST,
            "pas passé nos contrôles",
        ),
        (
            "bad-signature",
            REFERENT,
            StatusCode::BAD_REQUEST,
            "pas passé nos contrôles",
        ),
        (
            "wrong-audience",
            REFERENT,
            StatusCode::BAD_REQUEST,
            "pas passé nos contrôles",
        ),
    ];
    let mut first = true;
    for (tamper, login, status, message) in cases {
        let store = if first {
            store.clone()
        } else {
            parcours_store::testing::sqlite().await.unwrap()
        };
        first = false;
        let (app, _provider) =
            app_with_provider(store, "departement", Profile::Standard, tamper, login).await;
        let before = users(&app).await;
        let client = browser();
        let back = to_return(&client, &app, "departement").await;
        let response = client.get(&back).send().await.unwrap();
        assert_eq!(response.status(), status, "{tamper} {login}");
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{tamper} {login}: {page}");
        assert!(!signed_in(&client, &app).await, "{tamper} {login}");
        assert_eq!(users(&app).await, before, "nothing created");
        assert!(app
            .store
            .account_by_identity("departement", "agent-sophie")
            .await
            .unwrap()
            .is_none());
    }

    // A disabled account is refused, even known by its subject.
    let (app, _provider) = app_with_provider(
        parcours_store::testing::sqlite().await.unwrap(),
        "departement",
        Profile::Standard,
        "none",
        REFERENT,
    )
    .await;
    let sophie = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{}", sophie.id),
            &app.token(ADMIN).await,
            Some(
                json!({"display_name": sophie.display_name, "role": "referent",
                        "organisation_id": sophie.organisation_id, "disabled": true,
                        "version": sophie.version}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let client = browser();
    let back = to_return(&client, &app, "departement").await;
    let response = client.get(&back).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Ce compte est désactivé"));
    assert!(!signed_in(&client, &app).await);
    assert!(audited(&app, AuditAction::LoginFailed, "compte désactivé").await);

    // The provider down when someone clicks its button.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let oidc = settings(&base, "departement", Profile::Standard, &nowhere);
    let app = spawn_on(
        listener,
        parcours_store::testing::sqlite().await.unwrap(),
        Default::default(),
        oidc,
    )
    .await;
    let client = browser();
    let response = client
        .get(app.url("/connexion/oidc/departement"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.text().await.unwrap().contains("ne répond pas"));
    assert!(!signed_in(&client, &app).await);
    // An unknown provider is no page at all.
    let unknown = client
        .get(app.url("/connexion/oidc/autre"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

/// ProConnect is asked for `eidas1`: an ID token at a weaker level is
/// refused before any account or request to join is looked at.
#[tokio::test]
async fn a_weaker_authentication_level_than_asked_is_refused() {
    if !installed() {
        return;
    }
    let store = parcours_store::testing::sqlite().await.unwrap();
    let (app, _provider) = app_with_provider(
        store,
        "proconnect",
        Profile::ProConnect,
        "weak-acr",
        "lea.benali@plaine-emploi.fr",
    )
    .await;
    let before = users(&app).await;
    let client = browser();
    let back = to_return(&client, &app, "proconnect").await;
    let response = client.get(&back).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("ne garantit pas le niveau d&#39;authentification demandé"),
        "{page}"
    );
    assert!(!signed_in(&client, &app).await);
    assert_eq!(users(&app).await, before, "nothing created");
    assert!(
        app.store.join_requests().await.unwrap().is_empty(),
        "no request to join"
    );
}

#[tokio::test]
async fn a_partners_staff_member_joins_their_structure_through_proconnect() {
    if !installed() {
        return;
    }
    for store in parcours_store::testing::all().await {
        let (app, provider) = app_with_provider(
            store,
            "proconnect",
            Profile::ProConnect,
            "none",
            "lea.benali@plaine-emploi.fr",
        )
        .await;
        let before = users(&app).await;
        // Unknown here, with the SIRET of Plaine Emploi: a request, no role.
        for _ in 0..2 {
            let client = browser();
            let back = to_return(&client, &app, "proconnect").await;
            let response = client.get(&back).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            let page = response.text().await.unwrap();
            assert!(
                page.contains("Votre demande pour rejoindre « Plaine Emploi »"),
                "{page}"
            );
            assert!(!signed_in(&client, &app).await);
        }
        assert_eq!(
            users(&app).await,
            before,
            "nobody gets a role by a claim alone"
        );
        let mission = app.token(PROGRAMME).await;
        let requests = app.get_json(&mission, "/api/v1/join-requests").await;
        let requests = requests.as_array().unwrap();
        assert_eq!(requests.len(), 1, "one request however often she tries");
        let request = &requests[0];
        assert_eq!(
            (
                &request["state"],
                &request["siret"],
                &request["usual_name"],
                &request["structure_name"]
            ),
            (
                &json!("en_attente"),
                &json!(PLAINE_SIRET),
                &json!("Benali"),
                &json!("Plaine Emploi")
            )
        );
        let (status, _) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/join-requests",
                &app.token(REFERENT).await,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The chargé de mission's page lists it, with its decision.
        let page = app.page(PROGRAMME, "/admin/demandes-acces").await;
        assert!(
            page.contains("Léa Benali") && page.contains("Accepter"),
            "{page}"
        );
        let refused = app
            .signed_in(REFERENT)
            .await
            .get(app.url("/admin/demandes-acces"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let path = format!(
            "/api/v1/join-requests/{}/decision",
            request["id"].as_str().unwrap()
        );
        let (status, accepted) = app
            .call(
                reqwest::Method::POST,
                &path,
                &mission,
                Some(json!({"version": request["version"], "accept": true})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{accepted}");
        assert_eq!(accepted["state"], "acceptee");
        let (status, again) = app
            .call(
                reqwest::Method::POST,
                &path,
                &mission,
                Some(json!({"version": accepted["version"], "accept": false})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");

        // Her next sign-in opens her opérateur account, with no password.
        let client = browser();
        let back = to_return(&client, &app, "proconnect").await;
        let response = client.get(&back).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(signed_in(&client, &app).await);
        let lea = app
            .store
            .account_by_email("lea.benali@plaine-emploi.fr")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lea.role, parcours_domain::Role::Operator);
        assert_eq!(lea.organisation_name, "Plaine Emploi");
        assert_eq!(lea.display_name, "Léa Benali");
        assert!(!lea.password_login);
        assert!(
            audited(
                &app,
                AuditAction::Login,
                "fournisseur d'identité : proconnect"
            )
            .await
        );
        // Logout goes through ProConnect's end_session_endpoint.
        logs_out_at(&client, &app, &provider).await;
    }
}

#[tokio::test]
async fn an_unknown_identity_gets_an_account_only_when_configured() {
    if !installed() {
        return;
    }
    let store = parcours_store::testing::sqlite().await.unwrap();
    parcours::demo::load_without_stories(&store).await.unwrap();
    let caen = store
        .organisations()
        .await
        .unwrap()
        .iter()
        .find(|o| o.name == "CCAS de Caen")
        .unwrap()
        .id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = provider(
        &base,
        "departement",
        "standard",
        "none",
        "inconnu@calvados.fr",
    )
    .await;
    let configured = settings(&base, "departement", Profile::Standard, &provider.issuer);
    let mut departement = configured.providers()[0].clone();
    departement.auto_create = Some(parcours_app::oidc::AutoCreate {
        role: parcours_domain::Role::Referent,
        organisation_id: caen,
    });
    let app = spawn_on(
        listener,
        store,
        Default::default(),
        parcours_app::oidc::OidcSettings::new(vec![departement]),
    )
    .await;
    let before = users(&app).await;
    let client = browser();
    let back = to_return(&client, &app, "departement").await;
    let response = client.get(&back).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(signed_in(&client, &app).await);
    assert_eq!(users(&app).await, before + 1);
    let made = app
        .store
        .account_by_email("inconnu@calvados.fr")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.role, parcours_domain::Role::Referent);
    assert_eq!(made.organisation_id, caen);
    assert!(
        !made.password_login,
        "it signs in through its provider only"
    );
}
