//! A structure's dashboard and individual appointments over HTTP, on every
//! backend: the figures move when someone is positioned and accepted; an
//! opérateur sees their own structure only, the chargé de mission any, a
//! référent none; appointments are fixed with a participant of an
//! individual action, listed, marked, cancelled, and bad input is a 422
//! naming the field.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const OTHER_OPERATOR: &str = "atelier@demo.parcours.fr";

async fn organisation_of(app: &App, email: &str) -> Uuid {
    app.store
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .organisation_id
}

/// Fabrice, of the référent's caseload.
async fn fabrice(app: &App, referent: &str) -> String {
    let caseload = app.get_json(referent, "/api/v1/caseload").await;
    caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == "Fabrice")
        .expect("Fabrice in the caseload")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A Plaine Emploi action of the catalogue, found by words of its name.
async fn plaine_action(app: &App, token: &str, words: &str) -> String {
    let found = app
        .get_json(token, &format!("/api/v1/catalogue?q={words}"))
        .await;
    found["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["structure_name"] == "Plaine Emploi")
        .unwrap_or_else(|| panic!("{words} at Plaine Emploi"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The référent positions the person (with a reason, in case the rules say no).
async fn position(app: &App, referent: &str, person: &str, action: &str) -> Value {
    let (status, referral) = app.call(Method::POST,
        &format!("/api/v1/persons/{person}/referrals"),
        referent,
        Some(json!({"action_id": action, "override_reason": "Projet travaillé avec la structure"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    referral
}

/// The structure accepts, entry today.
async fn accept(app: &App, operator: &str, referral: &Value) -> Value {
    let (status, entered) = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/referrals/{}/accept",
                referral["id"].as_str().unwrap()
            ),
            operator,
            Some(json!({"version": referral["version"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entered}");
    assert_eq!(entered["status"], "entered");
    entered
}

fn line<'a>(dashboard: &'a Value, action: &str) -> &'a Value {
    dashboard["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == action)
        .unwrap_or_else(|| panic!("{action} on the dashboard"))
}

fn figures(dashboard: &Value, action: &str) -> [i64; 4] {
    let l = line(dashboard, action);
    ["places_taken", "to_answer", "waiting", "participants"].map(|k| l[k].as_i64().unwrap())
}

fn totals(dashboard: &Value) -> [i64; 4] {
    ["places_taken", "to_answer", "waiting", "participants"]
        .map(|k| dashboard["totals"][k].as_i64().unwrap())
}

fn today() -> time::Date {
    parcours_domain::clock::today()
}

#[tokio::test]
async fn the_dashboard_follows_positioning_and_entry() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let operator = app.token(OPERATOR).await;
        let plaine = organisation_of(&app, OPERATOR).await;
        let path = format!("/api/v1/structures/{plaine}/dashboard");
        let workshop = plaine_action(&app, &referent, "bons+vivants").await;
        let person = fabrice(&app, &referent).await;

        let before = app.get_json(&operator, &path).await;
        assert_eq!(before["structure_name"], "Plaine Emploi");
        assert!(before["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "published" || a["status"] == "draft"));
        let capacity = line(&before, &workshop)["capacity"].as_i64().unwrap();
        assert_eq!(line(&before, &workshop)["capacity_period"], "continuous");
        let [taken, to_answer, waiting, participants] = figures(&before, &workshop);
        let total = totals(&before);
        assert_eq!(
            before["totals"]["places"].as_i64().unwrap(),
            before["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["capacity"].as_i64())
                .sum::<i64>()
        );

        let referral = position(&app, &referent, &person, &workshop).await;
        let sent = app.get_json(&operator, &path).await;
        assert_eq!(
            figures(&sent, &workshop),
            [taken, to_answer + 1, waiting, participants]
        );
        assert_eq!(totals(&sent), [total[0], total[1] + 1, total[2], total[3]]);

        accept(&app, &operator, &referral).await;
        let entered = app.get_json(&operator, &path).await;
        assert_eq!(
            figures(&entered, &workshop),
            [taken + 1, to_answer, waiting, participants + 1]
        );
        assert_eq!(
            totals(&entered),
            [total[0] + 1, total[1], total[2], total[3] + 1]
        );
        assert_eq!(
            line(&entered, &workshop)["places_taken"].as_i64().unwrap() * 100 / capacity,
            (taken + 1) * 100 / capacity
        );

        // The workshop meets every Tuesday: two in any fortnight (and maybe an outing), each with its sheet.
        let sessions: Vec<&Value> = entered["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["action_id"] == workshop.as_str())
            .collect();
        let tuesdays = sessions
            .iter()
            .filter(|s| {
                time::Date::parse(
                    s["on_date"].as_str().unwrap(),
                    &time::format_description::well_known::Iso8601::DATE,
                )
                .unwrap()
                .weekday()
                    == time::Weekday::Tuesday
            })
            .count();
        assert_eq!(tuesdays, 2, "{sessions:?}");
        let (from, until) = (
            entered["on"].as_str().unwrap(),
            entered["sessions_until"].as_str().unwrap(),
        );
        assert!(entered["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["on_date"].as_str().unwrap() >= from
                && s["on_date"].as_str().unwrap() <= until));

        // The page: totals, one row per action, a sheet per session.
        let client = app.signed_in(OPERATOR).await;
        let page = client
            .get(app.url(&format!("/structures/{plaine}/tableau-de-bord")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Tableau de bord — Plaine Emploi"));
        assert!(
            html.contains(r#"aria-labelledby="graphe-occupation""#),
            "occupation by action as bars"
        );
        assert!(html.contains("<rect x=\"280\""), "{html}");
        assert!(html.contains("<th scope=\"row\"><a href=\"/actions/"));
        assert!(html.contains(&format!(
            "/seances/{}/presences",
            sessions[0]["id"].as_str().unwrap()
        )));
        assert!(html.contains(&format!(
            "<dt>Participants</dt><dd>{}</dd>",
            entered["totals"]["participants"]
        )));
        // Reached from the home page, the nav and the structure's page.
        let home = client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("href=\"/tableau-de-bord\""));
        let mine = client
            .get(app.url("/tableau-de-bord"))
            .send()
            .await
            .unwrap();
        assert_eq!(mine.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            mine.headers()["location"],
            format!("/structures/{plaine}/tableau-de-bord").as_str()
        );
        let structure_page = client
            .get(app.url(&format!("/structures/{plaine}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(structure_page.contains(&format!("/structures/{plaine}/tableau-de-bord")));

        // The chargé de mission sees the same figures.
        let po = app.token(PROGRAMME).await;
        let seen = app.get_json(&po, &path).await;
        assert_eq!(totals(&seen), totals(&entered));
        let mission = app.signed_in(PROGRAMME).await;
        let page = mission
            .get(app.url(&format!("/structures/{plaine}/tableau-de-bord")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let to_list = mission
            .get(app.url("/tableau-de-bord"))
            .send()
            .await
            .unwrap();
        assert_eq!(to_list.headers()["location"], "/structures");
    }
}

#[tokio::test]
async fn the_dashboard_is_the_structures_own() {
    for app in apps().await {
        let plaine = organisation_of(&app, OPERATOR).await;
        let jardins = organisation_of(&app, OTHER_OPERATOR).await;
        let path = format!("/api/v1/structures/{plaine}/dashboard");
        let other = app.token(OTHER_OPERATOR).await;
        let (status, body) = app.call(Method::GET, &path, &other, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let theirs = app
            .get_json(&other, &format!("/api/v1/structures/{jardins}/dashboard"))
            .await;
        assert_eq!(theirs["structure_name"], "Les Jardins de la Prairie");
        assert!(
            theirs["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["status"] == "draft"),
            "drafts are on the structure's own dashboard"
        );
        for email in [REFERENT, MANAGER, ADMIN, DPO] {
            let token = app.token(email).await;
            let (status, _) = app.call(Method::GET, &path, &token, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let client = app.signed_in(email).await;
            for page in [
                format!("/structures/{plaine}/tableau-de-bord"),
                "/tableau-de-bord".to_owned(),
            ] {
                let response = client.get(app.url(&page)).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email} {page}");
            }
        }
        let client = app.signed_in(OTHER_OPERATOR).await;
        let response = client
            .get(app.url(&format!("/structures/{plaine}/tableau-de-bord")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let po = app.token(PROGRAMME).await;
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/structures/{}/dashboard", Uuid::now_v7()),
                &po,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let openapi = app.get_json(&po, "/api/v1/openapi.json").await;
        for documented in [
            "/api/v1/structures/{id}/dashboard",
            "/api/v1/referrals/{id}/appointments",
        ] {
            assert!(openapi["paths"][documented].is_object(), "{documented}");
        }
    }
}

#[tokio::test]
async fn appointments_of_an_individual_action() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let operator = app.token(OPERATOR).await;
        let person = fabrice(&app, &referent).await;
        let support = plaine_action(&app, &referent, "accompagnement+social+individualise").await;
        let workshop = plaine_action(&app, &referent, "bons+vivants").await;
        let individual = accept(
            &app,
            &operator,
            &position(&app, &referent, &person, &support).await,
        )
        .await;
        let group = accept(
            &app,
            &operator,
            &position(&app, &referent, &person, &workshop).await,
        )
        .await;
        let rid = individual["id"].as_str().unwrap();
        let path = format!("/api/v1/referrals/{rid}/appointments");

        // The participants' list offers appointments for the individual action only.
        let client = app.signed_in(OPERATOR).await;
        let inbox = client
            .get(app.url("/positionnements?onglet=participants"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(inbox.contains(&format!("/positionnements/{rid}/rendez-vous")));
        assert!(inbox.contains("Fixer un rendez-vous"));
        assert!(!inbox.contains(&format!(
            "/positionnements/{}/rendez-vous",
            group["id"].as_str().unwrap()
        )));

        // Fixed, listed, marked once it has started (issue 17, rule 2): today at midnight.
        let on = (today() + time::Duration::days(2)).to_string();
        let held = today().to_string();
        let (status, created) = app.call(Method::POST,
            &path,
            &operator,
            Some(json!({"on_date": held, "starts_at": "00:00", "ends_at": "00:30", "note": "Point sur les démarches"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(
            (created["referral_id"].as_str(), created["on_date"].as_str()),
            (Some(rid), Some(held.as_str()))
        );
        let appointment = created["id"].as_str().unwrap().to_owned();
        let listed = app.get_json(&operator, &path).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["attendance"], Value::Null);
        let sheet = app
            .get_json(
                &operator,
                &format!("/api/v1/sessions/{appointment}/attendance"),
            )
            .await;
        assert_eq!(sheet.as_array().unwrap().len(), 1, "the one participant");
        assert_eq!(sheet[0]["referral_id"], rid);
        let (status, recorded) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{appointment}/attendance"),
                &operator,
                Some(json!({"marks": [{"referral_id": rid, "status": "present"}]})),
            )
            .await;
        assert_eq!(
            (status, recorded["recorded"].as_i64()),
            (StatusCode::OK, Some(1))
        );
        let listed = app.get_json(&operator, &path).await;
        assert_eq!(listed[0]["attendance"], "present");
        // On the dashboard, with its participant.
        let plaine = organisation_of(&app, OPERATOR).await;
        let dashboard = app
            .get_json(&operator, &format!("/api/v1/structures/{plaine}/dashboard"))
            .await;
        let shown = dashboard["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == appointment.as_str())
            .expect("the appointment on the dashboard");
        assert_eq!(
            (shown["referral_id"].as_str(), shown["marks"].as_i64()),
            (Some(rid), Some(1))
        );

        // Bad input: a 422 naming the field, nothing saved.
        let before_entry = (today() - time::Duration::days(30)).to_string();
        for (body, field) in [
            (json!({"starts_at": "10:00"}), "on_date"),
            (
                json!({"on_date": "demain", "starts_at": "10:00"}),
                "on_date",
            ),
            (
                json!({"on_date": on, "starts_at": "10:00", "ends_at": "09:30"}),
                "ends_at",
            ),
            (json!({"on_date": on, "starts_at": "25:00"}), "starts_at"),
            (
                json!({"on_date": before_entry, "starts_at": "10:00"}),
                "on_date",
            ),
        ] {
            let (status, error) = app
                .call(Method::POST, &path, &operator, Some(body.clone()))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
            assert_eq!(error["error"]["fields"][0]["field"], field, "{body}");
            assert!(!error["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty());
        }
        let (status, error) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/appointments",
                    group["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"on_date": on, "starts_at": "10:00"})),
            )
            .await;
        assert_eq!(
            (status, error["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("referral_id")),
            "a collective action has sessions, not appointments"
        );
        let (status, _) = app
            .call(Method::POST, &path, &operator, Some(json!("pas un objet")))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.get_json(&operator, &path)
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Another structure and a référent are refused; the chargé de mission may.
        for email in [OTHER_OPERATOR, REFERENT] {
            let token = app.token(email).await;
            for method in [Method::GET, Method::POST] {
                let (status, _) = app
                    .call(
                        method.clone(),
                        &path,
                        &token,
                        Some(json!({"on_date": on, "starts_at": "14:00"})),
                    )
                    .await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{email} {method}");
            }
        }
        let po = app.token(PROGRAMME).await;
        assert_eq!(app.get_json(&po, &path).await.as_array().unwrap().len(), 1);
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/referrals/{}/appointments", Uuid::now_v7()),
                &po,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The page: the list, the form, its errors, a new appointment, a cancellation.
        let page_path = format!("/positionnements/{rid}/rendez-vous");
        let html = client
            .get(app.url(&page_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Rendez-vous à venir"));
        assert!(html.contains(&format!("/seances/{appointment}/presences")));
        assert!(html.contains("Présent"));
        for id in ["on_date", "starts_at", "ends_at", "note"] {
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "label of {id}"
            );
        }
        let token = app.csrf(&client, &page_path).await;
        let response = client
            .post(app.url(&page_path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("on_date", ""),
                ("starts_at", "10:00"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("Date du rendez-vous"));
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"on_date-error\""));
        let later = (today() + time::Duration::days(9)).to_string();
        let response = client
            .post(app.url(&page_path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("on_date", later.as_str()),
                ("starts_at", "14:30"),
                ("ends_at", ""),
                ("note", "Bilan à mi-parcours"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let listed = app.get_json(&operator, &path).await;
        assert_eq!(listed.as_array().unwrap().len(), 2);
        let second = listed[1]["id"].as_str().unwrap().to_owned();
        assert_eq!(listed[1]["note"], "Bilan à mi-parcours");
        let response = client
            .post(app.url(&format!("/rendez-vous/{second}/annulation")))
            .form(&[("csrf_token", token.as_str()), ("cancelled", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], page_path.as_str());
        assert_eq!(app.get_json(&operator, &path).await[1]["cancelled"], true);
        let sheet_page = client
            .get(app.url(&format!("/seances/{appointment}/presences")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(sheet_page.contains("Rendez-vous individuel"));
        assert!(sheet_page.contains(&page_path));
        let stranger = app.signed_in(OTHER_OPERATOR).await;
        let response = stranger.get(app.url(&page_path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}
