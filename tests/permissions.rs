//! The permission matrix: every route × every role → allowed or refused,
//! on the web pages and on the API, on every backend.

mod common;

use common::*;
use reqwest::{Method, StatusCode};

/// Who may open each page (everyone else gets 403; anonymous visitors are sent to the login page).
fn page_matrix(user_id: &str) -> Vec<(String, Vec<&'static str>)> {
    vec![
        ("/".into(), EVERYONE.to_vec()),
        ("/admin/comptes".into(), vec![ADMIN]),
        ("/admin/comptes/nouveau".into(), vec![ADMIN]),
        (format!("/admin/comptes/{user_id}"), vec![ADMIN]),
        ("/dpo/journal".into(), vec![DPO]),
        ("/dpo/conservation".into(), vec![DPO]),
        ("/actions".into(), EVERYONE.to_vec()),
        ("/actions/nouvelle".into(), vec![PROGRAMME]),
        ("/structures/nouvelle".into(), vec![PROGRAMME]),
        ("/programme".into(), vec![PROGRAMME]),
        ("/familles".into(), vec![PROGRAMME]),
        ("/positionnements".into(), vec![OPERATOR]),
        ("/positionnements/demarche-directe".into(), vec![OPERATOR]),
        ("/demarches-directes".into(), vec![MANAGER, PROGRAMME]),
        ("/listes-attente".into(), vec![MANAGER, PROGRAMME]),
        ("/imports".into(), vec![PROGRAMME]),
        ("/imports/correspondances".into(), vec![PROGRAMME]),
    ]
}

fn api_matrix(user_id: &str) -> Vec<(Method, String, Vec<&'static str>)> {
    vec![
        (Method::GET, "/api/v1/me".into(), EVERYONE.to_vec()),
        (Method::GET, "/api/v1/users".into(), vec![ADMIN]),
        (Method::GET, format!("/api/v1/users/{user_id}"), vec![ADMIN]),
        (
            Method::GET,
            format!("/api/v1/users/{user_id}/tokens"),
            vec![ADMIN],
        ),
        (
            Method::GET,
            "/api/v1/organisations".into(),
            vec![ADMIN, PROGRAMME, DPO],
        ),
        (
            Method::GET,
            "/api/v1/territories".into(),
            vec![ADMIN, PROGRAMME, DPO],
        ),
        (Method::GET, "/api/v1/audit".into(), vec![DPO]),
        (Method::GET, "/api/v1/retention".into(), vec![DPO]),
        (Method::GET, "/api/v1/catalogue".into(), EVERYONE.to_vec()),
        (Method::GET, "/api/v1/actions".into(), EVERYONE.to_vec()),
        (
            Method::GET,
            "/api/v1/action-families".into(),
            EVERYONE.to_vec(),
        ),
        (Method::GET, "/api/v1/structures".into(), vec![PROGRAMME]),
        (Method::GET, "/api/v1/programme".into(), vec![PROGRAMME]),
        (
            Method::GET,
            "/api/v1/referrals/inbox".into(),
            vec![OPERATOR],
        ),
        (
            Method::GET,
            "/api/v1/data-inclusion/structures".into(),
            EVERYONE.to_vec(),
        ),
        (
            Method::GET,
            "/api/v1/data-inclusion/services".into(),
            EVERYONE.to_vec(),
        ),
        (
            Method::GET,
            "/api/v1/referrals/participants".into(),
            vec![OPERATOR],
        ),
        (
            Method::GET,
            "/api/v1/referrals/exits-to-follow-up".into(),
            vec![OPERATOR],
        ),
        (
            Method::GET,
            "/api/v1/self-referrals/to-validate".into(),
            vec![MANAGER, PROGRAMME],
        ),
        (
            Method::GET,
            "/api/v1/waiting-lists".into(),
            vec![MANAGER, PROGRAMME],
        ),
        (Method::GET, "/api/v1/imports".into(), vec![PROGRAMME]),
        (Method::GET, "/api/v1/csv-mappings".into(), vec![PROGRAMME]),
    ]
}

#[tokio::test]
async fn pages_by_role() {
    for app in apps().await {
        let user_id = app.user_id(REFERENT).await.to_string();
        let anonymous = browser();
        for email in EVERYONE {
            let client = app.signed_in(email).await;
            for (path, allowed) in page_matrix(&user_id) {
                let status = client.get(app.url(&path)).send().await.unwrap().status();
                let expected = if allowed.contains(&email) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, expected, "{email} GET {path}");
            }
        }
        for (path, _) in page_matrix(&user_id) {
            let response = anonymous.get(app.url(&path)).send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "anonymous GET {path}"
            );
            assert_eq!(response.headers()["location"], "/connexion");
        }
    }
}

#[tokio::test]
async fn api_by_role() {
    for app in apps().await {
        let user_id = app.user_id(REFERENT).await.to_string();
        let client = reqwest::Client::new();
        for email in EVERYONE {
            let token = app.token(email).await;
            for (method, path, allowed) in api_matrix(&user_id) {
                let response = client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                let expected = if allowed.contains(&email) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(response.status(), expected, "{email} {method} {path}");
                if expected == StatusCode::FORBIDDEN {
                    let body: serde_json::Value = response.json().await.unwrap();
                    assert_eq!(body["error"]["code"], "forbidden");
                }
            }
        }
        for (method, path, _) in api_matrix(&user_id) {
            for auth in [None, Some("prc_not-a-real-token"), Some("garbage")] {
                let mut request = client.request(method.clone(), app.url(&path));
                if let Some(token) = auth {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{auth:?} {method} {path}"
                );
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthenticated");
            }
        }
    }
}

/// State-changing routes refuse every role but the admin, before any change
/// (the account's sessions too: its session generation is compared).
#[tokio::test]
async fn changes_by_role() {
    for app in apps().await {
        let target = app.user_id(REFERENT).await;
        let before = app.store.account(target).await.unwrap();
        let accounts = app.store.accounts().await.unwrap().len();
        for email in EVERYONE.into_iter().filter(|e| *e != ADMIN) {
            let client = app.signed_in(email).await;
            let token = app.csrf(&client, "/").await;
            for path in [
                "/admin/comptes".to_string(),
                format!("/admin/comptes/{target}"),
                format!("/admin/comptes/{target}/jetons"),
                format!("/admin/comptes/{target}/sessions/fermer"),
            ] {
                let response = client
                    .post(app.url(&path))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("display_name", "Pirate"),
                        ("role", "admin"),
                        ("status", "desactive"),
                        ("name", "jeton"),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{email} POST {path}"
                );
            }
            let api = reqwest::Client::new();
            let bearer = app.token(email).await;
            // Each with a body the operation reads (an unknown field would
            // be refused before the permission is checked).
            let attempts = [
                (
                    Method::POST,
                    "/api/v1/users".to_string(),
                    serde_json::json!({
                        "email": "x@y.fr", "display_name": "Pirate", "role": "admin",
                        "organisation_id": before.organisation_id, "password": "un mot de passe long"
                    }),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/users/{target}"),
                    serde_json::json!({
                        "display_name": "Pirate", "role": "admin",
                        "organisation_id": before.organisation_id,
                        "version": before.version, "disabled": true
                    }),
                ),
                (
                    Method::POST,
                    format!("/api/v1/users/{target}/tokens"),
                    serde_json::json!({"name": "jeton"}),
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/users/{target}/sessions"),
                    serde_json::json!({}),
                ),
            ];
            for (method, path, body) in attempts {
                let response = api
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&bearer)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{email} {method} {path}"
                );
            }
        }
        assert_eq!(
            app.store.account(target).await.unwrap(),
            before,
            "nothing changed"
        );
        assert_eq!(
            app.store.accounts().await.unwrap().len(),
            accounts,
            "no account created"
        );
    }
}

/// An opérateur sees its participants' identity, contact, positioning,
/// attendance and exit in its inbox, never their file: not the person,
/// not the diagnostic, not the contract, not their other positionings.
#[tokio::test]
async fn an_operator_never_opens_the_file_of_its_participants() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let caseload = app.get_json(&referent, "/api/v1/caseload").await;
        let fabrice = caseload
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["first_names"] == "Fabrice")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let contracts = app
            .get_json(&referent, &format!("/api/v1/persons/{fabrice}/contracts"))
            .await;
        let contract = contracts[0]["id"].as_str().unwrap().to_owned();
        let workshop = app
            .get_json(&referent, "/api/v1/catalogue?q=bons+vivants")
            .await["actions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, referral) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/referrals"),
                &referent,
                Some(serde_json::json!({"action_id": workshop, "override_reason": "essai"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        for operator in [OPERATOR, "atelier@demo.parcours.fr"] {
            let token = app.token(operator).await;
            for path in [
                format!("/api/v1/persons/{fabrice}"),
                format!("/api/v1/persons/{fabrice}/diagnostic"),
                format!("/api/v1/persons/{fabrice}/contracts"),
                format!("/api/v1/contracts/{contract}"),
                format!("/api/v1/persons/{fabrice}/referrals"),
                format!("/api/v1/persons/{fabrice}/eligibility?action_id={workshop}"),
            ] {
                let (status, _) = app.call(Method::GET, &path, &token, None).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{operator} {path}");
            }
            let client = app.signed_in(operator).await;
            for path in [
                format!("/personnes/{fabrice}"),
                format!("/personnes/{fabrice}/diagnostic"),
                format!("/contrats/{contract}"),
            ] {
                let status = client.get(app.url(&path)).send().await.unwrap().status();
                assert_eq!(status, StatusCode::FORBIDDEN, "{operator} {path}");
            }
        }
        // Its own inbox has him, identity and contact only; the other structure's has not.
        let inbox = app
            .get_json(&app.token(OPERATOR).await, "/api/v1/referrals/inbox")
            .await;
        let line = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["person_id"] == fabrice.as_str())
            .expect("in Plaine Emploi's inbox");
        for hidden in ["nir", "address", "eligibility", "diagnostic", "barriers"] {
            assert!(line.get(hidden).is_none(), "{hidden}");
        }
        let other = app
            .get_json(
                &app.token("atelier@demo.parcours.fr").await,
                "/api/v1/referrals/inbox",
            )
            .await;
        assert!(!other
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["person_id"] == fabrice.as_str()));
    }
}

/// The right of access export of a person's data (page and API): the DPO
/// for any person, the référent and the cadre within their scope; a
/// référent of another organisation, the chargé de mission, the admin and
/// the opérateur are refused.
#[tokio::test]
async fn subject_access_export_by_role() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let caseload = app.get_json(&referent, "/api/v1/caseload").await;
        let fabrice = caseload
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["first_names"] == "Fabrice")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A référent of another organisation: Fabrice is outside their scope.
        let outsider = "referent@france-travail.fr";
        let organisation = app
            .store
            .create_organisation(
                &parcours_store::Actor::system("tests"),
                "France Travail — agence de Bayeux",
                parcours_domain::organisation::OrganisationKind::FranceTravail,
                None,
            )
            .await
            .unwrap()
            .id;
        let new =
            parcours_domain::account::NewUser::parse(&parcours_domain::account::NewUserInput {
                email: outsider.into(),
                display_name: "Rémi Ailleurs".into(),
                role: "referent".into(),
                organisation_id: organisation.to_string(),
                territory_id: String::new(),
                password: parcours::demo::PASSWORD.into(),
            })
            .unwrap();
        let hash = parcours_store::password::hash_password(parcours::demo::PASSWORD).unwrap();
        app.store
            .create_account(&parcours_store::Actor::system("tests"), &new, &hash, false)
            .await
            .unwrap();
        let page = format!("/personnes/{fabrice}/export.pdf");
        let api = format!("/api/v1/persons/{fabrice}/export");
        let allowed = [DPO, REFERENT, MANAGER];
        for email in EVERYONE.into_iter().chain([outsider]) {
            let expected = if allowed.contains(&email) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            let client = app.signed_in(email).await;
            let status = client.get(app.url(&page)).send().await.unwrap().status();
            assert_eq!(status, expected, "{email} GET {page}");
            let (status, _) = app
                .call(Method::GET, &api, &app.token(email).await, None)
                .await;
            assert_eq!(status, expected, "{email} GET {api}");
        }
        let anonymous = browser().get(app.url(&page)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        let (status, _) = app.call(Method::GET, &api, "garbage", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
