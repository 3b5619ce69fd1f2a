//! The JSON API: validation, conflicts, tokens, audit, OpenAPI — on every backend.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn accounts_are_created_and_validated_with_field_errors() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let admin = app.token(ADMIN).await;
        let org = app.store.organisations().await.unwrap()[0].id;

        let bad = api
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .json(
                &json!({"email": "pas-une-adresse", "display_name": "", "role": "root",
                          "organisation_id": "nope", "password": "court"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = bad.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input");
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        for field in [
            "email",
            "display_name",
            "role",
            "organisation_id",
            "password",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }

        let malformed = api
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{\"email\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let body: Value = malformed.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");

        let created = api
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .json(&json!({"email": "Nina.Roux@Caen.fr", "display_name": "Nina Roux", "role": "referent",
                          "organisation_id": org, "password": "un mot de passe long"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let user: Value = created.json().await.unwrap();
        assert_eq!(user["email"], "nina.roux@caen.fr");
        assert!(
            user.get("password_hash").is_none(),
            "hashes never leave the server"
        );

        let duplicate = api
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .json(
                &json!({"email": "nina.roux@caen.fr", "display_name": "Nina", "role": "referent",
                          "organisation_id": org, "password": "un mot de passe long"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = duplicate.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "email");
    }
}

#[tokio::test]
async fn concurrent_changes_never_overwrite_each_other() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let admin = app.token(ADMIN).await;
        let target = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        let change = |name: &str| {
            json!({"version": target.version, "display_name": name, "role": "referent",
                   "organisation_id": target.organisation_id, "disabled": false})
        };
        let url = app.url(&format!("/api/v1/users/{}", target.id));
        let (first, second) = tokio::join!(
            api.put(&url)
                .bearer_auth(&admin)
                .json(&change("Sophie A"))
                .send(),
            api.put(&url)
                .bearer_auth(&admin)
                .json(&change("Sophie B"))
                .send(),
        );
        let mut statuses = [first.unwrap().status(), second.unwrap().status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let after = app.store.account(target.id).await.unwrap();
        assert_eq!(after.version, target.version + 1);
        assert!(["Sophie A", "Sophie B"].contains(&after.display_name.as_str()));
        // The work phone: checked, then kept and given back.
        let with_phone = |phone: &str| {
            json!({"version": after.version, "display_name": "Sophie Lemaire", "role": "referent",
                   "organisation_id": after.organisation_id, "disabled": false, "phone": phone})
        };
        let refused = api
            .put(&url)
            .bearer_auth(&admin)
            .json(&with_phone("appelez-moi"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "phone");
        let saved = api
            .put(&url)
            .bearer_auth(&admin)
            .json(&with_phone("02 31 15 40 12"))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        let body: serde_json::Value = saved.json().await.unwrap();
        assert_eq!(body["phone"], "02 31 15 40 12");
    }
}

#[tokio::test]
async fn tokens_are_issued_used_and_revoked() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let admin = app.token(ADMIN).await;
        let dpo = app.user_id(DPO).await;
        let created: Value = api
            .post(app.url(&format!("/api/v1/users/{dpo}/tokens")))
            .bearer_auth(&admin)
            .json(&json!({"name": "outil du DPO"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = created["secret"].as_str().unwrap();
        let me: Value = app.get_json(secret, "/api/v1/me").await;
        assert_eq!(me["email"], DPO);
        let listed: Value = app
            .get_json(&admin, &format!("/api/v1/users/{dpo}/tokens"))
            .await;
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none() && t.get("token_hash").is_none()));

        let id = created["token"]["id"].as_str().unwrap();
        let revoked = api
            .delete(app.url(&format!("/api/v1/tokens/{id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let after = api
            .get(app.url("/api/v1/me"))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
        let empty_name = api
            .post(app.url(&format!("/api/v1/users/{dpo}/tokens")))
            .bearer_auth(&admin)
            .json(&json!({"name": "  "}))
            .send()
            .await
            .unwrap();
        assert_eq!(empty_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Every write is in the audit trail, readable by the DPO with filters; reading it is audited too.
#[tokio::test]
async fn the_dpo_reads_who_did_what() {
    for app in apps().await {
        let admin = app.signed_in(ADMIN).await;
        let target = app.store.account_by_email(OPERATOR).await.unwrap().unwrap();
        let token = app
            .csrf(&admin, &format!("/admin/comptes/{}", target.id))
            .await;
        let version = target.version.to_string();
        let org = target.organisation_id.to_string();
        let response = admin
            .post(app.url(&format!("/admin/comptes/{}", target.id)))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", version.as_str()),
                ("display_name", "Paul Opérateur"),
                ("role", "operator"),
                ("organisation_id", org.as_str()),
                ("territory_id", ""),
                ("status", "desactive"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(app.store.account(target.id).await.unwrap().disabled);

        let api = reqwest::Client::new();
        let dpo = app.token(DPO).await;
        let events: Value = app
            .get_json(
                &dpo,
                &format!(
                    "/api/v1/audit?entity_type=user&entity_id={}&action=update",
                    target.id
                ),
            )
            .await;
        let events = events.as_array().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["actor_label"], ADMIN);
        assert!(events[0]["detail"].as_str().unwrap().contains("désactivé"));

        let bad = api
            .get(app.url("/api/v1/audit?from=2026-13-45"))
            .bearer_auth(&dpo)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = bad.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "from");

        let page = app.signed_in(DPO).await;
        let html = page
            .get(app.url("/dpo/journal?action=update&entite=user"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(ADMIN) && html.contains("Modification"));
        let reads: Value = app
            .get_json(&dpo, "/api/v1/audit?entity_type=audit_log")
            .await;
        assert!(
            reads.as_array().unwrap().len() >= 2,
            "reading the journal is itself recorded"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    for app in apps().await {
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/me",
            "/api/v1/users",
            "/api/v1/users/{id}",
            "/api/v1/users/{id}/tokens",
            "/api/v1/tokens/{id}",
            "/api/v1/persons",
            "/api/v1/persons/{id}",
            "/api/v1/persons/{id}/household",
            "/api/v1/persons/{id}/merge",
            "/api/v1/persons/{id}/orientations",
            "/api/v1/persons/{id}/referent",
            "/api/v1/orientations/pending",
            "/api/v1/orientations/validate",
            "/api/v1/caseload",
            "/api/v1/deadlines",
            "/api/v1/settings/deadlines",
            "/api/v1/persons/{id}/diagnostic",
            "/api/v1/persons/{id}/diagnostic/changes",
            "/api/v1/persons/{id}/contracts",
            "/api/v1/contracts/{id}",
            "/api/v1/contracts/{id}/events",
            "/api/v1/contracts/pending",
            "/api/v1/catalogue",
            "/api/v1/actions",
            "/api/v1/actions/{id}",
            "/api/v1/actions/{id}/practical",
            "/api/v1/actions/{id}/status",
            "/api/v1/actions/{id}/fundings",
            "/api/v1/fundings/{id}",
            "/api/v1/actions/{id}/sessions",
            "/api/v1/sessions/{id}/cancel",
            "/api/v1/structures",
            "/api/v1/structures/{id}",
            "/api/v1/action-families",
            "/api/v1/programme",
            "/api/v1/data-inclusion/structures",
            "/api/v1/data-inclusion/services",
            "/api/v1/data-inclusion/import",
            "/api/v1/persons/{id}/referrals",
            "/api/v1/persons/{id}/eligibility",
            "/api/v1/referrals/inbox",
            "/api/v1/referrals/{id}/accept",
            "/api/v1/referrals/{id}/refuse",
            "/api/v1/referrals/{id}/offer",
            "/api/v1/referrals/{id}/exit",
            "/api/v1/referrals/{id}/priority",
            "/api/v1/referrals/participants",
            "/api/v1/sessions/{id}/attendance",
            "/api/v1/audit",
            "/api/v1/me/password",
            "/api/v1/users/{id}/sessions",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} documented");
        }
        // Query parameters are declared in the query, optional; only the
        // path's own placeholders are path parameters.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for param in operation["parameters"].as_array().into_iter().flatten() {
                    let name = param["name"].as_str().unwrap();
                    let in_path = path.contains(&format!("{{{name}}}"));
                    let expected = if in_path { "path" } else { "query" };
                    assert_eq!(param["in"], expected, "{method} {path} {name}");
                }
            }
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}

/// Every documented operation refuses an anonymous caller with a JSON 401.
#[tokio::test]
async fn every_documented_operation_requires_a_token() {
    let app = spawn(parcours_store::testing::sqlite().await.unwrap()).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = client
                .request(method.clone(), app.url(&concrete))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked >= 35, "{checked} operations checked");
}

/// A token expires: a year by default, 1 to 1095 days when asked.
#[tokio::test]
async fn tokens_expire() {
    for app in apps().await {
        let admin = app.token(ADMIN).await;
        let dpo = app.user_id(DPO).await;
        let path = format!("/api/v1/users/{dpo}/tokens");
        let (status, refused) = app
            .call(
                reqwest::Method::POST,
                &path,
                &admin,
                Some(json!({"name": "SI", "valid_days": 0})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "valid_days");
        let (status, created) = app
            .call(
                reqwest::Method::POST,
                &path,
                &admin,
                Some(json!({"name": "SI"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let expires: time::OffsetDateTime = time::OffsetDateTime::parse(
            created["token"]["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let days = (expires - parcours_store::now()).whole_days();
        assert!((364..=365).contains(&days), "{days}");
    }
}
