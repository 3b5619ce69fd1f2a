//! Login, logout, sessions, CSRF and throttling, over HTTP, on every backend.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_security_headers() {
    for app in apps().await {
        let response = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let css = reqwest::get(app.url("/static/style.css")).await.unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
        // Pages and API answers carry personal data: never kept by a cache.
        let client = app.signed_in(REFERENT).await;
        let page = client.get(app.url("/portefeuille")).send().await.unwrap();
        assert_eq!(page.headers()["cache-control"], "no-store");
        let token = app.token(REFERENT).await;
        let api = reqwest::Client::new()
            .get(app.url("/api/v1/caseload"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.headers()["cache-control"], "no-store");
        assert!(css.text().await.unwrap().contains(".skip-link"));
    }
}

#[tokio::test]
async fn login_home_and_logout() {
    for app in apps().await {
        for (email, role_label) in [
            (REFERENT, "Référent unique"),
            (DPO, "Délégué à la protection des données"),
        ] {
            let client = app.signed_in(email).await;
            let home = client.get(app.url("/")).send().await.unwrap();
            assert_eq!(home.status(), StatusCode::OK);
            let html = home.text().await.unwrap();
            assert!(html.contains(role_label), "home of {email} names the role");
            assert!(html.contains("Se déconnecter"));

            let token = app.csrf(&client, "/").await;
            let out = client
                .post(app.url("/deconnexion"))
                .form(&[("csrf_token", token)])
                .send()
                .await
                .unwrap();
            assert_eq!(out.status(), StatusCode::SEE_OTHER);
            let page = client
                .get(app.url("/connexion?au_revoir=1"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("Vous êtes déconnecté"));
            let after = client.get(app.url("/")).send().await.unwrap();
            assert_eq!(
                after.status(),
                StatusCode::SEE_OTHER,
                "the session is gone after logout"
            );
        }
        let events = app
            .store
            .audit_events(&parcours_store::AuditFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(events
            .iter()
            .any(|e| e.action == "login" && e.actor_label == REFERENT));
        assert!(events
            .iter()
            .any(|e| e.action == "logout" && e.actor_label == REFERENT));
    }
}

#[tokio::test]
async fn wrong_credentials_get_one_clear_message() {
    for app in apps().await {
        let client = browser();
        for (email, password) in [
            (REFERENT, "mauvais mot de passe"),
            ("personne@nulle.part", "peu importe"),
            ("", ""),
        ] {
            let response = app.login_attempt(&client, email, password).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let html = response.text().await.unwrap();
            assert!(
                html.contains("Adresse électronique ou mot de passe incorrect."),
                "{email}"
            );
        }
        assert_eq!(
            client.get(app.url("/")).send().await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    for app in apps().await {
        let client = browser();
        for _ in 0..5 {
            app.login_attempt(&client, OPERATOR, "pas le bon mot de passe")
                .await;
        }
        let locked = app
            .login_attempt(&client, OPERATOR, parcours::demo::PASSWORD)
            .await;
        assert_eq!(
            locked.status(),
            StatusCode::UNAUTHORIZED,
            "even the right password is refused while locked"
        );
        let locked = locked.text().await.unwrap();
        // An unknown address gets the very same answer: nothing tells
        // whether an address has an account, locked or not.
        let unknown = app
            .login_attempt(&client, "personne@inconnu.fr", "pas le bon mot de passe")
            .await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let message = |html: &str| {
            let start = html
                .find("Adresse électronique ou mot de passe incorrect")
                .unwrap();
            html[start..start + 150].to_owned()
        };
        assert_eq!(message(&locked), message(&unknown.text().await.unwrap()));
        // Other accounts are not affected.
        app.signed_in(REFERENT).await;
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    for app in apps().await {
        let client = app.signed_in(ADMIN).await;
        let org = app.store.organisations().await.unwrap()[0].id.to_string();
        let fields = |token: &str| {
            vec![
                ("csrf_token".to_string(), token.to_string()),
                ("email".into(), "nouveau@dep.fr".into()),
                ("display_name".into(), "Nouveau".into()),
                ("role".into(), "referent".into()),
                ("organisation_id".into(), org.clone()),
                ("password".into(), "un mot de passe long".into()),
            ]
        };
        for token in [
            "",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let response = client
                .post(app.url("/admin/comptes"))
                .form(&fields(token))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            assert!(response
                .text()
                .await
                .unwrap()
                .contains("Le formulaire a expiré"));
        }
        let json = client
            .post(app.url("/admin/comptes"))
            .json(&serde_json::json!({"email": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            json.status(),
            StatusCode::FORBIDDEN,
            "non-form bodies are refused too"
        );
        // Another session's token does not work either.
        let other = app.signed_in(DPO).await;
        let foreign = app.csrf(&other, "/").await;
        let response = client
            .post(app.url("/admin/comptes"))
            .form(&fields(&foreign))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(app
            .store
            .account_by_email("nouveau@dep.fr")
            .await
            .unwrap()
            .is_none());

        let token = app.csrf(&client, "/admin/comptes/nouveau").await;
        let response = client
            .post(app.url("/admin/comptes"))
            .form(&fields(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "the same form with its token goes through"
        );
        assert!(app
            .store
            .account_by_email("nouveau@dep.fr")
            .await
            .unwrap()
            .is_some());
    }
}

#[tokio::test]
async fn an_expired_session_says_so() {
    for app in apps().await {
        let client = app.signed_in(REFERENT).await;
        parcours_store::testing::expire_all_sessions(&app.store)
            .await
            .unwrap();
        let response = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/connexion?session=expiree");
        let page = client
            .get(app.url("/connexion?session=expiree"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Votre session a expiré"));
    }
}

#[tokio::test]
async fn a_disabled_account_is_shut_out_at_once() {
    for app in apps().await {
        let client = app.signed_in(OPERATOR).await;
        let user = app.store.account_by_email(OPERATOR).await.unwrap().unwrap();
        let change = parcours_domain::account::AccountChange {
            phone: None,
            display_name: user.display_name.clone(),
            role: parcours_domain::Role::Operator,
            organisation_id: user.organisation_id,
            territory_id: user.territory_id,
            disabled: true,
        };
        app.store
            .update_account(
                &parcours_store::Actor::system("tests"),
                user.id,
                user.version,
                &change,
            )
            .await
            .unwrap();
        assert_eq!(
            client.get(app.url("/")).send().await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
        let response = app
            .login_attempt(&browser(), OPERATOR, parcours::demo::PASSWORD)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("Ce compte est désactivé"));
    }
}

#[tokio::test]
async fn unknown_pages_get_a_french_404() {
    for app in apps().await {
        let page = reqwest::get(app.url("/nulle-part")).await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(page.text().await.unwrap().contains("Page introuvable"));
        let api = reqwest::get(app.url("/api/v1/nulle-part")).await.unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        let body: serde_json::Value = api.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let client = app.signed_in(ADMIN).await;
        // Signed in, an unknown address keeps the navigation; not for
        // visitors, and never under /api/.
        let lost = client.get(app.url("/nulle-part")).send().await.unwrap();
        assert_eq!(lost.status(), StatusCode::NOT_FOUND);
        let lost = lost.text().await.unwrap();
        assert!(
            lost.contains("Page introuvable") && lost.contains(r#"class="main-nav""#),
            "{lost}"
        );
        let anonymous = reqwest::get(app.url("/nulle-part"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!anonymous.contains(r#"class="main-nav""#));
        let api = client
            .get(app.url("/api/v1/nulle-part"))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            api.json::<serde_json::Value>().await.unwrap()["error"]["code"],
            "not_found"
        );
        let missing = client
            .get(app.url(&format!("/admin/comptes/{}", uuid::Uuid::now_v7())))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        // An element that does not exist, or a malformed id: the navigation too.
        let missing = missing.text().await.unwrap();
        assert!(
            missing.contains("Page introuvable") && missing.contains(r#"class="main-nav""#),
            "{missing}"
        );
        let malformed = client
            .get(app.url("/admin/comptes/pas-un-identifiant"))
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::NOT_FOUND);
        let malformed = malformed.text().await.unwrap();
        assert!(
            malformed.contains("Page introuvable") && malformed.contains(r#"class="main-nav""#)
        );
        // A refusal keeps it as well, and stays a 403.
        let refused = app
            .signed_in(REFERENT)
            .await
            .get(app.url("/admin/comptes"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let refused = refused.text().await.unwrap();
        assert!(
            refused.contains("Accès refusé") && refused.contains(r#"class="main-nav""#),
            "{refused}"
        );
        let token = app.token(ADMIN).await;
        let api = reqwest::Client::new()
            .get(app.url("/api/v1/users/pas-un-identifiant"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        let body: serde_json::Value = api.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "not_found",
            "the API answers JSON, even for a malformed id"
        );
    }
}

#[tokio::test]
async fn malformed_queries_and_forms_get_a_french_answer() {
    for app in apps().await {
        let dpo = app.signed_in(DPO).await;
        let page = dpo
            .get(app.url("/dpo/journal?page=abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
        assert!(page.text().await.unwrap().contains("paramètres"));

        let token = app.token(DPO).await;
        let api = reqwest::Client::new()
            .get(app.url("/api/v1/audit?page=abc"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = api.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");

        let admin = app.signed_in(ADMIN).await;
        let target = app.user_id(REFERENT).await;
        let csrf = app.csrf(&admin, &format!("/admin/comptes/{target}")).await;
        let form = admin
            .post(app.url(&format!("/admin/comptes/{target}")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("version", "abc"),
                ("display_name", "X"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::BAD_REQUEST);
        assert!(form.text().await.unwrap().contains("Le formulaire envoyé"));
    }
}

/// The status and `Location` of a GET, without following redirects.
async fn landing(app: &App, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

async fn change_password(
    app: &App,
    client: &reqwest::Client,
    current: &str,
    new: &str,
) -> reqwest::Response {
    let token = app.csrf(client, "/mon-compte/mot-de-passe").await;
    client
        .post(app.url("/mon-compte/mot-de-passe"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("current_password", current),
            ("new_password", new),
            ("confirmation", new),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_temporary_password_is_changed_at_first_login() {
    for app in apps().await {
        let admin = app.token(ADMIN).await;
        let org = app.store.organisations().await.unwrap()[0].id;
        let (status, body) = app
            .call(
                reqwest::Method::POST,
                "/api/v1/users",
                &admin,
                Some(serde_json::json!({"email": "arrivee@dep.fr", "display_name": "Nouvelle Arrivée",
                    "role": "referent", "organisation_id": org, "password": "provisoire du jour"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["must_change_password"], true);

        let client = browser();
        let login = app
            .login_attempt(&client, "arrivee@dep.fr", "provisoire du jour")
            .await;
        assert_eq!(login.headers()["location"], "/mon-compte/mot-de-passe");
        for path in ["/", "/portefeuille", "/personnes"] {
            assert_eq!(
                landing(&app, &client, path).await,
                (StatusCode::SEE_OTHER, "/mon-compte/mot-de-passe".into()),
                "{path} waits for the new password"
            );
        }
        let page = client
            .get(app.url("/mon-compte/mot-de-passe"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Votre mot de passe est provisoire"));

        let wrong = change_password(&app, &client, "pas le bon", "mon secret à moi seule").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = wrong.text().await.unwrap();
        assert!(
            html.contains("Le mot de passe actuel est incorrect."),
            "{html}"
        );
        assert!(html.contains("href=\"#current_password\""));
        let same = change_password(&app, &client, "provisoire du jour", "provisoire du jour").await;
        assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let done = change_password(
            &app,
            &client,
            "provisoire du jour",
            "mon secret à moi seule",
        )
        .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(landing(&app, &client, "/").await.0, StatusCode::OK);
        let user = app
            .store
            .account_by_email("arrivee@dep.fr")
            .await
            .unwrap()
            .unwrap();
        assert!(!user.must_change_password);
        let again = app
            .login_attempt(&browser(), "arrivee@dep.fr", "mon secret à moi seule")
            .await;
        assert_eq!(again.headers()["location"], "/");
    }
}

#[tokio::test]
async fn a_new_password_or_an_administrator_ends_the_other_sessions() {
    for app in apps().await {
        let referent = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        let (here, elsewhere) = (app.signed_in(REFERENT).await, app.signed_in(REFERENT).await);

        // The holder changes their password: this session goes on, the other ends.
        let done = change_password(
            &app,
            &here,
            parcours::demo::PASSWORD,
            "une phrase toute neuve",
        )
        .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(landing(&app, &here, "/").await.0, StatusCode::OK);
        assert_eq!(
            landing(&app, &elsewhere, "/").await,
            (StatusCode::SEE_OTHER, "/connexion?session=expiree".into())
        );

        // An administrator's reset ends every session and is temporary.
        let admin = app.token(ADMIN).await;
        let user: serde_json::Value = app
            .get_json(&admin, &format!("/api/v1/users/{}", referent.id))
            .await;
        let (status, body) = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/users/{}", referent.id),
                &admin,
                Some(serde_json::json!({"display_name": user["display_name"], "role": user["role"],
                    "organisation_id": user["organisation_id"], "territory_id": user["territory_id"],
                    "disabled": false, "version": user["version"], "new_password": "remise à zéro 2026"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["must_change_password"], true);
        assert_eq!(
            landing(&app, &here, "/").await,
            (StatusCode::SEE_OTHER, "/connexion?session=expiree".into())
        );

        // The administrator ends the sessions, from the page and from the API.
        let client = browser();
        app.login_attempt(&client, REFERENT, "remise à zéro 2026")
            .await;
        change_password(
            &app,
            &client,
            "remise à zéro 2026",
            parcours::demo::PASSWORD,
        )
        .await;
        assert_eq!(landing(&app, &client, "/").await.0, StatusCode::OK);
        let admin_client = app.signed_in(ADMIN).await;
        let path = format!("/admin/comptes/{}", referent.id);
        let token = app.csrf(&admin_client, &path).await;
        let ended = admin_client
            .post(app.url(&format!("{path}/sessions/fermer")))
            .form(&[("csrf_token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(ended.headers()["location"], path.as_str());
        assert_eq!(landing(&app, &client, "/").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            landing(&app, &admin_client, "/").await.0,
            StatusCode::OK,
            "the administrator's own session goes on"
        );

        let again = app.signed_in(REFERENT).await;
        let referent_token = app.token(REFERENT).await;
        let path = format!("/api/v1/users/{}/sessions", referent.id);
        let (refused, _) = app
            .call(reqwest::Method::DELETE, &path, &referent_token, None)
            .await;
        assert_eq!(refused, StatusCode::FORBIDDEN, "only an administrator");
        let (status, _) = app.call(reqwest::Method::DELETE, &path, &admin, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(landing(&app, &again, "/").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get_json(&referent_token, "/api/v1/me").await["email"],
            REFERENT,
            "API tokens are not sessions"
        );
    }
}

#[tokio::test]
async fn behind_https_browsers_are_told_to_keep_to_it() {
    let store = parcours_store::testing::sqlite().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = parcours_web::AppState {
        app: parcours_app::App {
            store,
            config: parcours_app::Config {
                department_name: "Département du Calvados".into(),
                data_inclusion_source: "cd14".into(),
                upload_dir: std::env::temp_dir()
                    .join(format!("parcours-uploads-{}", uuid::Uuid::now_v7())),
                retention: Default::default(),
                outbox: Default::default(),
                oidc: Default::default(),
            },
        },
        secure_cookies: true,
        login_guard: Default::default(),
    };
    tokio::spawn(parcours_web::serve(listener, state));
    let response = reqwest::get(format!("{base}/connexion")).await.unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // The demo, on plain HTTP, sends nothing of the kind (every other test).
    for app in apps().await {
        let response = reqwest::get(app.url("/connexion")).await.unwrap();
        assert!(response
            .headers()
            .get("strict-transport-security")
            .is_none());
    }
}

/// A login from `address` (named by the proxy the tests' server trusts).
async fn login_from(app: &App, address: &str, email: &str) -> reqwest::Response {
    let client = browser();
    let csrf = app.csrf(&client, "/connexion").await;
    client
        .post(app.url("/connexion"))
        .header("x-forwarded-for", address)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", "pas le bon mot de passe"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_address_trying_too_many_accounts_waits_and_others_do_not() {
    for app in apps().await {
        let attacker = "203.0.113.7";
        // Each account fails less often than its own lock needs.
        for i in 0..parcours_domain::account::ADDRESS_FAILED_LOGINS {
            let response = login_from(&app, attacker, &format!("essai{i}@exemple.fr")).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let response = login_from(&app, attacker, REFERENT).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: i64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=15 * 60).contains(&wait), "{wait}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(
                "Trop de tentatives de connexion depuis votre adresse. Réessayez dans 15 minutes."
            ),
            "{page}"
        );
        // No password was checked: the account's own counter did not move.
        let account = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        assert_eq!(account.failed_logins, 0);
        let audited = app
            .store
            .audit_events(&parcours_store::audit::AuditFilter {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(audited.iter().any(
            |e| e.detail.as_deref() == Some("trop de tentatives depuis l'adresse 203.0.113.7")
        ));

        // Another address signs in as usual.
        let response = login_from(&app, "198.51.100.4", REFERENT).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let client = app.signed_in(MANAGER).await;
        let home = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK);
    }
}
