//! FSE+ participant data at entry, end to end on every backend: the
//! structure's opérateur records them for a participant of a co-financed
//! action (form and API), a missing answer is named, the read is audited,
//! and nobody else gets the individual answers.

mod common;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

const OTHER_OPERATOR: &str = "atelier@demo.parcours.fr";

/// Fabrice (Sophie's caseload).
async fn fabrice(app: &App, referent: &str) -> String {
    let caseload = app.get_json(referent, "/api/v1/caseload").await;
    caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == "Fabrice")
        .expect("Fabrice in Sophie's caseload")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The one published action of Plaine Emploi found by `query`.
async fn plaine_action(app: &App, referent: &str, query: &str) -> String {
    let actions = app
        .get_json(referent, &format!("/api/v1/catalogue?q={query}"))
        .await;
    let action = &actions["actions"][0];
    assert_eq!(action["structure_name"], "Plaine Emploi", "{query}");
    action["id"].as_str().unwrap().to_owned()
}

/// Positions Fabrice on the action and has Plaine Emploi accept: his
/// positioning's id, once he has entered.
async fn entered(app: &App, action: &str) -> (String, String) {
    let referent = app.token(REFERENT).await;
    let person = fabrice(app, &referent).await;
    let (status, referral) = app.call(Method::POST,
        &format!("/api/v1/persons/{person}/referrals"),
        &referent,
        Some(json!({"action_id": action, "override_reason": "Projet travaillé avec la structure", "positioned_on": "2026-11-16"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let id = referral["id"].as_str().unwrap().to_owned();
    let operator = app.token(OPERATOR).await;
    let (status, entered) = app
        .call(
            Method::POST,
            &format!("/api/v1/referrals/{id}/accept"),
            &operator,
            Some(json!({"version": referral["version"], "entered_on": "2026-11-16"})),
        )
        .await;
    assert_eq!(
        (status, entered["status"].as_str()),
        (StatusCode::OK, Some("entered")),
        "{entered}"
    );
    (person, id)
}

fn answers() -> Value {
    json!({
        "employment_status": "long_term_unemployed",
        "education_level": "isced_0_2",
        "nationality": "french",
        "disability": "declined",
        "foreign_background": "no",
        "minority": "no",
        "homeless": "yes",
        "rural": "no",
    })
}

/// GET a PDF of the API: its status and bytes.
async fn pdf(app: &App, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let response = Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

async fn html(client: &Client, app: &App, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_structures_operator_records_and_reads_back_over_the_api() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let workshop = plaine_action(&app, &referent, "bons+vivants").await;
        let (person, id) = entered(&app, &workshop).await;
        let path = format!("/api/v1/referrals/{id}/fse");
        let operator = app.token(OPERATOR).await;

        // Listed on the participants page, still to record.
        let client = app.signed_in(OPERATOR).await;
        let (status, inbox) = html(&client, &app, "/positionnements?onglet=participants").await;
        assert_eq!(status, StatusCode::OK);
        assert!(inbox.contains(&format!("/positionnements/{id}/fse")));
        assert!(inbox.contains("Données FSE+"));
        assert!(inbox.contains("à saisir"));

        let (status, _) = app.call(Method::GET, &path, &operator, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "nothing recorded yet");
        let mut incomplete = answers();
        incomplete
            .as_object_mut()
            .unwrap()
            .remove("education_level");
        let (status, body) = app
            .call(Method::PUT, &path, &operator, Some(incomplete))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["error"]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 1, "{body}");
        assert_eq!(fields[0]["field"], "education_level");
        assert!(fields[0]["message"]
            .as_str()
            .unwrap()
            .contains("Plus haut niveau d'études atteint"));

        let (status, saved) = app
            .call(Method::PUT, &path, &operator, Some(answers()))
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["version"], 1);
        assert_eq!(saved["person_id"], person.as_str());
        assert_eq!(saved["recorded_by"], OPERATOR);
        assert!(
            saved["gender"] == "M" || saved["gender"] == "F",
            "the person file's sex without a stated gender: {saved}"
        );
        let (status, read) = app.call(Method::GET, &path, &operator, None).await;
        assert_eq!(status, StatusCode::OK);
        // Printed for the participant to sign, with the notice; a monthly
        // sheet of their sessions; both the structure's only.
        let questionnaire = format!("/api/v1/referrals/{id}/fse/questionnaire");
        let (status, bytes) = pdf(&app, &questionnaire, &operator).await;
        assert_eq!(status, StatusCode::OK);
        let text = pdftotext(&bytes);
        for expected in [
            "Questionnaire d'entrée",
            "Chômeur de longue durée",
            "Information sur le traitement de vos données",
            "Cofinancé par l'Union européenne",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        let (status, bytes) = pdf(
            &app,
            &format!("/api/v1/referrals/{id}/monthly-sheet?month=2026-11"),
            &operator,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdftotext(&bytes).contains("Relevé mensuel de présence"));
        let (status, _) = pdf(
            &app,
            &format!("/api/v1/referrals/{id}/monthly-sheet?month=2026-13"),
            &operator,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = pdf(&app, &questionnaire, &referent).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the référent never reads the answers"
        );
        let monthly = format!("/api/v1/referrals/{id}/monthly-sheet");
        let (status, _) = pdf(&app, &monthly, &referent).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the sheets are the structure's"
        );
        let other = app.token(OTHER_OPERATOR).await;
        let (status, _) = pdf(&app, &monthly, &other).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "not another structure's");
        assert_eq!(read, saved);
        for (field, value) in answers().as_object().unwrap() {
            if field == "rural" {
                assert_eq!(read["rural"], false);
            } else {
                assert_eq!(&read[field], value, "{field}");
            }
        }

        // Recording again over a stale copy is refused; a correction goes through.
        let (status, _) = app
            .call(Method::PUT, &path, &operator, Some(answers()))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let mut correction = answers();
        correction["version"] = json!(1);
        correction["disability"] = json!("yes");
        let (status, corrected) = app
            .call(Method::PUT, &path, &operator, Some(correction))
            .await;
        assert_eq!(
            (status, corrected["version"].as_i64()),
            (StatusCode::OK, Some(2))
        );

        // The read is in the audit trail (without the answers).
        let dpo = app.token(DPO).await;
        let audit = app
            .get_json(&dpo, &format!("/api/v1/audit?entity_id={person}"))
            .await
            .to_string();
        assert!(
            audit.contains("données FSE+ à l'entrée consultées"),
            "{audit}"
        );
        assert!(audit.contains("données FSE+ à l'entrée enregistrées"));
        assert!(!audit.contains("long_term_unemployed"));

        let (_, inbox) = html(&client, &app, "/positionnements?onglet=participants").await;
        assert!(inbox.contains(&format!("/positionnements/{id}/fse")));
        assert!(!inbox.contains("à saisir"), "recorded now");

        // Nobody else: another structure, the référent, the cadre, the chargé de mission, the DPO, the admin.
        for email in [OTHER_OPERATOR, REFERENT, MANAGER, PROGRAMME, DPO, ADMIN] {
            let token = app.token(email).await;
            let (status, body) = app.call(Method::GET, &path, &token, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "GET by {email}: {body}");
            assert!(body.get("disability").is_none());
            let (status, _) = app.call(Method::PUT, &path, &token, Some(answers())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "PUT by {email}");
            let client = app.signed_in(email).await;
            let (status, page) = html(&client, &app, &format!("/positionnements/{id}/fse")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "page for {email}");
            assert!(!page.contains("Ne souhaite pas répondre"));
        }
    }
}

#[tokio::test]
async fn the_form_names_missing_answers_and_keeps_the_others() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let workshop = plaine_action(&app, &referent, "bons+vivants").await;
        let (_, id) = entered(&app, &workshop).await;
        let path = format!("/positionnements/{id}/fse");
        let client = app.signed_in(OPERATOR).await;
        let (status, form) = html(&client, &app, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("Union européenne"));
        assert!(form.contains("202501234"), "the FSE+ operation number");
        assert_eq!(form.matches("<fieldset").count(), 9, "one per question");
        assert_eq!(form.matches("<legend>").count(), 9);
        assert_eq!(
            form.matches("donnée sensible</span>").count(),
            3,
            "disability, foreign background and minority"
        );
        assert!(
            form.contains(r#"value="M" checked"#) || form.contains(r#"value="F" checked"#),
            "the gender proposed from the person file"
        );
        assert!(
            form.contains("/fse/questionnaire.pdf"),
            "the questionnaire to sign"
        );
        assert!(form.contains("Ne souhaite pas répondre"));
        assert!(form.contains(r#"<label for="disability-declined">"#));

        let token = app.csrf(&client, &path).await;
        let response = client
            .post(app.url(&path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", "0"),
                ("employment_status", "inactive"),
                ("nationality", "other_eu"),
                ("disability", "declined"),
                ("homeless", "no"),
                ("rural", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"id="education_level-error""#));
        assert!(page.contains(r#"id="minority-error""#));
        assert!(
            page.contains(r##"href="#education_level""##),
            "error summary"
        );
        assert!(
            page.contains(r#"value="inactive" checked"#)
                && page.contains(r#"value="other_eu" checked"#),
            "nothing typed is lost"
        );

        let response = client
            .post(app.url(&path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", "0"),
                ("employment_status", "inactive"),
                ("education_level", "isced_5_8"),
                ("nationality", "other_eu"),
                ("disability", "declined"),
                ("foreign_background", "declined"),
                ("minority", "declined"),
                ("homeless", "no"),
                ("rural", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, form) = html(&client, &app, &path).await;
        assert!(form.contains(r#"value="isced_5_8" checked"#));
        assert!(form.contains("Dernier enregistrement"));
        assert!(form.contains(r#"name="version" value="1""#));
    }
}

#[tokio::test]
async fn an_action_without_fse_co_financing_takes_no_fse_data() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let repairs = plaine_action(&app, &referent, "coup+de+main").await;
        let (_, id) = entered(&app, &repairs).await;
        let operator = app.token(OPERATOR).await;
        let path = format!("/api/v1/referrals/{id}/fse");
        let (status, body) = app
            .call(Method::PUT, &path, &operator, Some(answers()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "action_id");
        assert!(body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("pas cofinancée"));
        let (status, _) = app.call(Method::GET, &path, &operator, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let client = app.signed_in(OPERATOR).await;
        let (_, inbox) = html(&client, &app, "/positionnements?onglet=participants").await;
        assert!(inbox.contains("Fabrice"));
        assert!(
            !inbox.contains(&format!("/positionnements/{id}/fse")),
            "no FSE+ link for this participant"
        );
    }
}

#[tokio::test]
async fn the_api_is_documented_and_needs_a_token() {
    let app = spawn(parcours_store::testing::sqlite().await.unwrap()).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operations = &doc["paths"]["/api/v1/referrals/{id}/fse"];
    assert!(operations["get"].is_object() && operations["put"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["FseEntry"]["properties"]["disability"].is_object());
    assert!(
        doc.to_string().contains("foreign_background"),
        "the request body's fields"
    );
    let path = format!("/api/v1/referrals/{}/fse", uuid::Uuid::now_v7());
    for method in [Method::GET, Method::PUT] {
        let response = Client::new()
            .request(method.clone(), app.url(&path))
            .json(&answers())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method}");
    }
}
