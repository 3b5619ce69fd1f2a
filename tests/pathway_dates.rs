//! Issue 17, rule 2, end to end on every backend: the dates of a pathway
//! tell one coherent story, through the API and the pages alike. A
//! back-dated diagnostic and positioning take their place in the timeline;
//! an entry before its positioning, attendance for a session not started or
//! for someone not on the action that day, a situation at 4 weeks observed
//! outside its window, a future date: each refused with a French message
//! naming the field, what was typed kept, nothing saved.

mod common;

use common::*;
use parcours_domain::clock;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::{Date, Duration};

fn day(offset: i64) -> Date {
    clock::today() + Duration::days(offset)
}

fn iso(offset: i64) -> String {
    day(offset).to_string()
}

/// 05/12/2026, as the pages show it.
fn fr(offset: i64) -> String {
    parcours_domain::clock::fr_date(day(offset))
}

fn field(body: &Value) -> Option<&str> {
    body["error"]["fields"][0]["field"].as_str()
}

/// The id of a person of Sophie's caseload, by first name.
async fn of_caseload(app: &App, referent: &str, first_names: &str) -> String {
    let caseload = app.get_json(referent, "/api/v1/caseload").await;
    caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == first_names)
        .unwrap_or_else(|| panic!("{first_names} in the caseload"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Plaine Emploi's weekly workshop.
async fn workshop(app: &App, token: &str) -> String {
    app.get_json(token, "/api/v1/catalogue?q=bons+vivants")
        .await["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn person_page(app: &App, person: &str) -> String {
    let client = app.signed_in(REFERENT).await;
    client
        .get(app.url(&format!("/personnes/{person}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_diagnostic_is_dated_the_day_it_was_made() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let magali = of_caseload(&app, &referent, "Magali").await;
        let path = format!("/api/v1/persons/{magali}/diagnostic");
        let data = json!({"wishes": "Cuisine collective"});
        let (status, body) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"version": 0, "data": data, "revised_on": iso(1)})),
            )
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("revised_on")),
            "{body}"
        );
        assert!(body.to_string().contains("futur"), "{body}");
        // Catching up a paper file: dated two months back.
        let (status, body) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"version": 0, "data": data, "revised_on": iso(-60)})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let revisions = app.get_json(&referent, &path).await;
        assert_eq!(revisions[0]["revised_on"], iso(-60));
        // The next revision may not come before it.
        let (status, body) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"version": 1, "data": data, "revised_on": iso(-61)})),
            )
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("revised_on")),
            "{body}"
        );
        let html = person_page(&app, &magali).await;
        assert!(
            html.contains(&format!("{} — Diagnostic, révision 1", fr(-60))),
            "dated the day it was made in the timeline"
        );

        // The page: a future date refused, what was typed shown again.
        let client = app.signed_in(REFERENT).await;
        let page = format!("/personnes/{magali}/diagnostic");
        let token = app.csrf(&client, &page).await;
        let response = client
            .post(app.url(&page))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", "1"),
                ("revised_on", iso(3).as_str()),
                ("wishes", "Espaces verts, à temps partiel"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("Date du diagnostic"), "the field named");
        assert!(html.contains("ne peut pas être dans le futur"));
        assert!(
            html.contains("Espaces verts, à temps partiel"),
            "the text kept"
        );
        assert!(
            html.contains(&format!("value=\"{}\"", iso(3))),
            "the date kept"
        );
        assert_eq!(
            app.get_json(&referent, &path)
                .await
                .as_array()
                .unwrap()
                .len(),
            1,
            "nothing saved"
        );
    }
}

#[tokio::test]
async fn an_entry_comes_on_or_after_its_positioning() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let fabrice = of_caseload(&app, &referent, "Fabrice").await;
        let action = workshop(&app, &referent).await;
        let path = format!("/api/v1/persons/{fabrice}/referrals");
        let body = |on: String| json!({"action_id": action, "override_reason": "Dossier papier repris", "positioned_on": on});
        let (status, refused) = app
            .call(Method::POST, &path, &referent, Some(body(iso(1))))
            .await;
        assert_eq!(
            (status, field(&refused)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("positioned_on")),
            "{refused}"
        );
        let (status, referral) = app
            .call(Method::POST, &path, &referent, Some(body(iso(-30))))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        assert_eq!(referral["positioned_on"], iso(-30));
        let operator = app.token(OPERATOR).await;
        let accept = format!(
            "/api/v1/referrals/{}/accept",
            referral["id"].as_str().unwrap()
        );
        let (status, early) = app
            .call(
                Method::POST,
                &accept,
                &operator,
                Some(json!({"version": referral["version"], "entered_on": iso(-31)})),
            )
            .await;
        assert_eq!(
            (status, field(&early)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("entered_on")),
            "{early}"
        );
        assert!(early.to_string().contains(&fr(-30)), "{early}");
        let unchanged = app.get_json(&referent, &path).await;
        assert_eq!(unchanged[0]["status"], "sent", "nothing saved");
        let (status, entered) = app
            .call(
                Method::POST,
                &accept,
                &operator,
                Some(json!({"version": referral["version"], "entered_on": iso(-30)})),
            )
            .await;
        assert_eq!(
            (status, entered["entered_on"].as_str()),
            (StatusCode::OK, Some(iso(-30).as_str())),
            "{entered}"
        );
        let html = person_page(&app, &fabrice).await;
        assert!(
            html.contains(&format!("{} — Positionnement : Les bons vivants", fr(-30))),
            "dated the day of the positioning in the timeline"
        );
    }
}

#[tokio::test]
async fn the_positioning_page_keeps_what_was_typed() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let fabrice = of_caseload(&app, &referent, "Fabrice").await;
        let action = workshop(&app, &referent).await;
        let client = app.signed_in(REFERENT).await;
        let page = format!("/personnes/{fabrice}/positionner?q=bons+vivants");
        let token = app.csrf(&client, &page).await;
        let response = client
            .post(app.url(&format!("/personnes/{fabrice}/positionnements")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("action_id", action.as_str()),
                ("q", "bons vivants"),
                ("positioned_on", iso(2).as_str()),
                ("override_reason", "Projet travaillé avec la structure"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("Date du positionnement"), "{html}");
        assert!(
            html.contains(&format!("value=\"{}\"", iso(2))),
            "the date kept"
        );
        let path = format!("/api/v1/persons/{fabrice}/referrals");
        assert!(
            app.get_json(&referent, &path)
                .await
                .as_array()
                .unwrap()
                .is_empty(),
            "nothing saved"
        );
    }
}

/// Fabrice entered on the workshop 40 days ago; his positioning's id.
async fn fabrice_entered(app: &App) -> (String, String, Value) {
    let referent = app.token(REFERENT).await;
    let fabrice = of_caseload(app, &referent, "Fabrice").await;
    let action = workshop(app, &referent).await;
    let (_, referral) = app
        .call(Method::POST, &format!("/api/v1/persons/{fabrice}/referrals"), &referent,
            Some(json!({"action_id": action, "override_reason": "Projet travaillé", "positioned_on": iso(-45)})))
        .await;
    let operator = app.token(OPERATOR).await;
    let (status, entered) = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/referrals/{}/accept",
                referral["id"].as_str().unwrap()
            ),
            &operator,
            Some(json!({"version": referral["version"], "entered_on": iso(-40)})),
        )
        .await;
    assert_eq!(
        (status, entered["status"].as_str()),
        (StatusCode::OK, Some("entered")),
        "{entered}"
    );
    (fabrice, action, entered)
}

async fn session(app: &App, operator: &str, action: &str, on: String) -> String {
    let (status, s) = app
        .call(
            Method::POST,
            &format!("/api/v1/actions/{action}/sessions"),
            operator,
            Some(json!({"on": on, "starts_at": "09:00", "ends_at": "12:00"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn attendance_waits_for_the_session_and_for_those_on_the_action() {
    for app in apps().await {
        let (_, action, entered) = fabrice_entered(&app).await;
        let id = entered["id"].as_str().unwrap().to_owned();
        let operator = app.token(OPERATOR).await;
        let future = session(&app, &operator, &action, iso(3)).await;
        let marks = json!({"marks": [{"referral_id": id, "status": "present"}]});
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{future}/attendance"),
                &operator,
                Some(marks.clone()),
            )
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance")),
            "{body}"
        );
        assert!(body.to_string().contains("pas encore commencé"), "{body}");
        let structure = app.signed_in(OPERATOR).await;
        let sheet = structure
            .get(app.url(&format!("/seances/{future}/presences")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            sheet.contains("pas encore commencé") && !sheet.contains("Enregistrer les présences")
        );

        // Before his entry: not on the sheet, refused.
        let before = session(&app, &operator, &action, iso(-42)).await;
        let listed = app
            .get_json(&operator, &format!("/api/v1/sessions/{before}/attendance"))
            .await;
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["referral_id"] != id.as_str()));
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{before}/attendance"),
                &operator,
                Some(marks.clone()),
            )
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance")),
            "{body}"
        );

        // A past session while he was there: recorded. He leaves later, not before it.
        let held = session(&app, &operator, &action, iso(-20)).await;
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{held}/attendance"),
                &operator,
                Some(marks.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let exit = format!("/api/v1/referrals/{id}/exit");
        let (status, body) = app
            .call(Method::POST, &exit, &operator,
                Some(json!({"version": entered["version"], "exited_on": iso(-25), "reason": "completed", "situation": "job_searching"})))
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("exited_on")),
            "{body}"
        );
        let (status, gone) = app
            .call(Method::POST, &exit, &operator,
                Some(json!({"version": entered["version"], "exited_on": iso(-15), "reason": "completed", "situation": "job_searching"})))
            .await;
        assert_eq!(status, StatusCode::OK, "{gone}");
        // After his exit: not listed, refused.
        let after = session(&app, &operator, &action, iso(-10)).await;
        let listed = app
            .get_json(&operator, &format!("/api/v1/sessions/{after}/attendance"))
            .await;
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["referral_id"] != id.as_str()));
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{after}/attendance"),
                &operator,
                Some(marks),
            )
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_situation_at_4_weeks_is_observed_within_them() {
    for app in apps().await {
        let (fabrice, _, entered) = fabrice_entered(&app).await;
        let id = entered["id"].as_str().unwrap().to_owned();
        let operator = app.token(OPERATOR).await;
        let (status, gone) = app
            .call(Method::POST, &format!("/api/v1/referrals/{id}/exit"), &operator,
                Some(json!({"version": entered["version"], "exited_on": iso(-35), "reason": "employment", "situation": "employment"})))
            .await;
        assert_eq!(status, StatusCode::OK, "{gone}");
        let path = format!("/api/v1/referrals/{id}/situation-4-weeks");
        // The day after the window, or today (typed late): refused, naming the field.
        for outside in [iso(-6), String::new(), iso(-36)] {
            let (status, body) = app
                .call(Method::POST, &path, &operator,
                    Some(json!({"version": gone["version"], "situation": "employment", "situation_4_weeks_on": outside})))
                .await;
            assert_eq!(
                (status, field(&body)),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("situation_4_weeks_on")
                ),
                "{outside}: {body}"
            );
            assert!(
                body.to_string().contains(&fr(-7)),
                "the window's last day: {body}"
            );
        }
        // The inbox offers the window's last day, the window's bounds on the field.
        let structure = app.signed_in(OPERATOR).await;
        let inbox = structure
            .get(app.url("/positionnements?onglet=sorties"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            inbox.contains(&format!(
                "name=\"situation_4_weeks_on\" value=\"{}\" min=\"{}\" max=\"{}\"",
                iso(-7),
                iso(-35),
                iso(-7)
            )),
            "{inbox}"
        );
        let (status, recorded) = app
            .call(Method::POST, &path, &operator,
                Some(json!({"version": gone["version"], "situation": "employment", "situation_4_weeks_on": iso(-7)})))
            .await;
        assert_eq!(status, StatusCode::OK, "{recorded}");
        assert_eq!(recorded["situation_4_weeks_on"], iso(-7));
        assert!(recorded["situation_4_weeks_recorded_at"]
            .as_str()
            .is_some_and(|at| at.starts_with(&iso(0)[..4])));
        let html = person_page(&app, &fabrice).await;
        assert!(
            html.contains(&format!("(constatée le {})", fr(-7))),
            "both dates on the file"
        );
    }
}
