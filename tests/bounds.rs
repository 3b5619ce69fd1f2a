//! Every input bounded, on every backend: a control character or an
//! over-long text is a French message naming the field (never a 500, on
//! PostgreSQL neither), nothing already saved is lost, lists in a request
//! are bounded, and an import rejects the row that carries one.

mod common;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

fn person(last_name: &str, address: &str) -> Value {
    json!({"situation": "other_precarity", "household_role": "DEM", "last_name": last_name,
        "first_names": "Paul", "birth_date": "1990-03-04", "sex": "M", "commune_code": "14118",
        "address": address})
}

fn has_field(body: &Value, field: &str) -> bool {
    body["error"]["fields"]
        .as_array()
        .is_some_and(|fields| fields.iter().any(|f| f["field"] == field))
}

#[tokio::test]
async fn a_nul_in_a_name_is_refused_by_the_form_and_the_api() {
    for app in apps().await {
        // The form: shown again with the message, nothing created.
        let client = app.signed_in(REFERENT).await;
        let token = app.csrf(&client, "/personnes/nouvelle").await;
        let form: Vec<(&str, &str)> = vec![
            ("csrf_token", &token),
            ("situation", "other_precarity"),
            ("household_role", "DEM"),
            ("last_name", "Zorg\0lub"),
            ("first_names", "Élise"),
            ("birth_date", "1990-05-14"),
            ("sex", "F"),
            ("commune_code", "14118"),
        ];
        let response = client
            .post(app.url("/personnes"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("error-summary"), "{html}");
        assert!(
            html.contains("caractère de contrôle interdit (position 5)"),
            "{html}"
        );

        // The API: 422 naming the field.
        let api = app.token(REFERENT).await;
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &api,
                Some(json!({"person": person("Zorg\u{0}lub", "")})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(has_field(&body, "last_name"), "{body}");
        let found = app.get_json(&api, "/api/v1/persons?name=zorg").await;
        assert_eq!(found.as_array().unwrap().len(), 0, "{found}");

        // A rectification with a NUL leaves the file as it was.
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &api,
                Some(json!({"person": person("Zorglub", "1 rue de la Paix")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap();
        let before = app.get_json(&api, &format!("/api/v1/persons/{id}")).await;
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/persons/{id}"),
                &api,
                Some(json!({"version": created["version"],
                    "person": person("Zorglub", "2 rue\u{0} du Port")})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(has_field(&body, "address"), "{body}");
        let after = app.get_json(&api, &format!("/api/v1/persons/{id}")).await;
        assert_eq!(before, after);
        assert_eq!(after["person"]["address"], "1 rue de la Paix", "{after}");
    }
}

#[tokio::test]
async fn an_over_long_address_or_list_is_refused() {
    for app in apps().await {
        let api = app.token(REFERENT).await;
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &api,
                Some(json!({"person": person("Longuerue", &"x".repeat(501))})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(has_field(&body, "address"), "{body}");
        assert!(body.to_string().contains("500 caractères"), "{body}");
        // At the limit, accepted.
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &api,
                Some(json!({"person": person("Longuerue", &"x".repeat(500))})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        let cadre = app.token(MANAGER).await;
        let ids: Vec<String> = (0..1001)
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/orientations/validate",
                &cadre,
                Some(json!({"ids": ids, "notified_on": "2026-01-05"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(has_field(&body, "ids"), "{body}");
        assert!(body.to_string().contains("plus de 1000"), "{body}");
    }
}

#[tokio::test]
async fn a_search_with_a_control_character_or_a_long_text_is_never_a_500() {
    for app in apps().await {
        let api = app.token(REFERENT).await;
        let (status, body) = app
            .call(Method::GET, "/api/v1/persons?name=a%00b", &api, None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let long = "a".repeat(5000);
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons?name={long}"),
                &api,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        for path in ["/catalogue?q=a%00b", &format!("/catalogue?q={long}")] {
            let status = Client::new()
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .status();
            assert!(!status.is_server_error(), "{path}: {status}");
        }
    }
}

#[tokio::test]
async fn a_csv_import_rejects_the_row_with_a_nul_and_says_why() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let columns = json!({
            "rsa_number": "Dossier", "last_name": "Nom", "first_names": "Prénom",
            "birth_date": "Né le", "sex": "Sexe", "role": "Rôle"
        });
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/csv-mappings/Bornes",
                &token,
                Some(json!({"delimiter": ";", "columns": columns})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let csv = "Dossier;Nom;Prénom;Né le;Sexe;Rôle\n\
                   14800000001;Bornier;Ana;12/05/1980;F;DEM\n\
                   14800000002;Nul\0le;Léa;13/06/1981;F;DEM\n";
        let response = Client::new()
            .post(app.url("/api/v1/imports/csv?mapping=Bornes&file_name=bornes.csv"))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(csv.as_bytes().to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let record: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::CREATED, "{record}");
        assert_eq!(record["counts"]["persons_created"], 1, "{record}");
        assert_eq!(record["counts"]["rejected"], 1, "{record}");
        let rejected = &record["report"]["rejected"][0];
        assert_eq!(rejected["line"], 3, "{record}");
        let reason = rejected["reason"].as_str().unwrap();
        assert!(
            reason.contains("Nom") && reason.contains("caractère de contrôle interdit"),
            "{reason}"
        );
        assert!(!reason.contains('\0'), "{reason}");
    }
}
