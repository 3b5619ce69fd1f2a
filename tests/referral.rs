//! Positioning end to end, on every backend: the référent sees the
//! eligibility rule by rule and positions; the structure answers in its
//! inbox and sees identity and contact only; the outcome shows on the file.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const OTHER_OPERATOR: &str = "atelier@demo.parcours.fr";

#[tokio::test]
async fn the_referent_positions_and_the_structure_answers() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (person, action) = fabrice_and_workshop(&app, &referent).await;
        let eligibility = app
            .get_json(
                &referent,
                &format!("/api/v1/persons/{person}/eligibility?action_id={action}"),
            )
            .await;
        let verdict = eligibility["assessment"]["verdict"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(["eligible", "unknown", "not_eligible"].contains(&verdict.as_str()));
        assert!(eligibility["assessment"]["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| !o["reason"].as_str().unwrap().is_empty()));
        let path = format!("/api/v1/persons/{person}/referrals");
        let body = if verdict == "eligible" {
            json!({"action_id": action, "positioned_on": "2026-11-20"})
        } else {
            json!({"action_id": action, "override_reason": "Projet travaillé avec la structure", "positioned_on": "2026-11-20"})
        };
        let (status, referral) = app
            .call(Method::POST, &path, &referent, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        assert_eq!(referral["status"], "sent");
        let (status, again) = app.call(Method::POST, &path, &referent, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(again["error"]["fields"][0]["field"], "person_id");

        // Plaine Emploi's opérateur sees Fabrice in its inbox, identity and contact only.
        let operator = app.token(OPERATOR).await;
        let inbox = app.get_json(&operator, "/api/v1/referrals/inbox").await;
        let line = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == referral["id"])
            .expect("in the inbox");
        assert_eq!(line["first_names"], "Fabrice");
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for hidden in [
            "nir",
            "diagnostic",
            "eligibility",
            "override_reason",
            "address",
        ] {
            assert!(
                !keys.contains(&hidden),
                "{hidden} must not reach the structure"
            );
        }
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{person}"),
                &operator,
                None,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "no access to the file itself"
        );
        let dpo = app.token(DPO).await;
        let audited = app
            .get_json(&dpo, &format!("/api/v1/audit?entity_id={person}"))
            .await;
        assert!(
            audited
                .to_string()
                .contains("identité et contact vus par la structure"),
            "the structure's read is in the audit trail: {audited}"
        );
        let other = app.token(OTHER_OPERATOR).await;
        assert!(app
            .get_json(&other, "/api/v1/referrals/inbox")
            .await
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != referral["id"]));
        let accept = format!(
            "/api/v1/referrals/{}/accept",
            referral["id"].as_str().unwrap()
        );
        for token in [&other, &referent] {
            let (status, _) = app
                .call(
                    Method::POST,
                    &accept,
                    token,
                    Some(json!({"version": referral["version"]})),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        let (status, bad) = app
            .call(
                Method::POST,
                &accept,
                &operator,
                Some(json!({"version": referral["version"], "entered_on": "demain"})),
            )
            .await;
        assert_eq!(
            (status, bad["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("entered_on"))
        );
        let (status, entered) = app
            .call(
                Method::POST,
                &accept,
                &operator,
                Some(json!({"version": referral["version"], "entered_on": "2026-11-24"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{entered}");
        assert!(entered["status"] == "entered" || entered["status"] == "waiting");
        let (status, _) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/refuse",
                    referral["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"version": entered["version"], "reason": "unreachable"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "answered once");

        // The référent sees the outcome on the file.
        let mine = app.get_json(&referent, &path).await;
        assert_eq!(mine[0]["status"], entered["status"]);
        let client = app.signed_in(REFERENT).await;
        let html = client
            .get(app.url(&format!("/personnes/{person}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Positionnement : Les bons vivants"),
            "timeline"
        );
        assert!(
            html.contains("Entré sur l&#39;action")
                || html.contains("Entré sur l'action")
                || html.contains("En liste d&#39;attente")
                || html.contains("En liste d'attente")
        );
    }
}

#[tokio::test]
async fn refusals_need_a_reason_and_the_choice_page_explains_each_rule() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (person, action) = fabrice_and_workshop(&app, &referent).await;
        let referral = position(&app, &person, &action, &referent).await;
        let operator = app.token(OPERATOR).await;
        let refuse = format!(
            "/api/v1/referrals/{}/refuse",
            referral["id"].as_str().unwrap()
        );
        let (status, body) = app
            .call(
                Method::POST,
                &refuse,
                &operator,
                Some(json!({"version": referral["version"], "reason": "other"})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("refusal_comment"))
        );
        let (status, body) = app
            .call(
                Method::POST,
                &refuse,
                &operator,
                Some(json!({"version": referral["version"], "reason": "n_importe"})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("refusal_reason"))
        );
        let (status, refused) = app
            .call(
                Method::POST,
                &refuse,
                &operator,
                Some(json!({"version": referral["version"], "reason": "unreachable"})),
            )
            .await;
        assert_eq!(
            (status, refused["status"].as_str()),
            (StatusCode::OK, Some("refused"))
        );

        // The pages: the référent's choice with reasons; the opérateur's inbox; nobody else's.
        let client = app.signed_in(REFERENT).await;
        let page = client
            .get(app.url(&format!("/personnes/{person}/positionner?q=randonnee")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Éligible")
                || html.contains("À vérifier")
                || html.contains("Non éligible")
        );
        let token = app
            .csrf(&client, &format!("/personnes/{person}/positionner"))
            .await;
        let response = client
            .post(app.url(&format!("/personnes/{person}/positionnements")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("action_id", "pas-une-action"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("Choisissez une action du catalogue."));
        let other = app.signed_in(OPERATOR).await;
        assert_eq!(
            other
                .get(app.url(&format!("/personnes/{person}/positionner")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            other
                .get(app.url("/positionnements"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
}

/// A one-place action: the second person waits; the cadre may move them up;
/// the first one's exit (never before their entry) offers the place, which
/// the structure records as accepted.
#[tokio::test]
async fn an_exit_offers_the_place_to_the_next_in_line() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &referent).await;
        let caseload = app.get_json(&referent, "/api/v1/caseload").await;
        let magali = caseload
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["first_names"] == "Magali")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A one-place copy of the workshop, by the chargé de mission.
        let po = app.token(PROGRAMME).await;
        let original = app
            .get_json(&po, &format!("/api/v1/actions/{workshop}"))
            .await;
        let input = json!({
            "structure_id": original["structure_id"], "name": "Atelier à une place", "description": "Une place, pour éprouver la liste d'attente.",
            "family": "aps", "thematiques": ["remobilisation--lien-social"], "service_type": "atelier", "format": "individual",
            "capacity": "1", "reception": ["a-distance"], "starts_on": "2026-01-05",
            "practical": {"schedule": {"frequency": "appointment"}},
        });
        let (status, action) = app
            .call(Method::POST, "/api/v1/actions", &po, Some(input))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{action}");
        let id = action["id"].as_str().unwrap();
        app.call(
            Method::POST,
            &format!("/api/v1/actions/{id}/status"),
            &po,
            Some(json!({"version": action["version"], "status": "published"})),
        )
        .await;
        let operator = app.token(OPERATOR).await;
        let mut answered = Vec::new();
        for person in [&fabrice, &magali] {
            let (status, referral) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/persons/{person}/referrals"),
                    &referent,
                    Some(
                        json!({"action_id": id, "override_reason": "Essai de la liste d'attente", "positioned_on": "2026-11-02"}),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{referral}");
            let (_, r) = app
                .call(
                    Method::POST,
                    &format!(
                        "/api/v1/referrals/{}/accept",
                        referral["id"].as_str().unwrap()
                    ),
                    &operator,
                    Some(json!({"version": referral["version"], "entered_on": "2026-11-02"})),
                )
                .await;
            answered.push(r);
        }
        assert_eq!(
            (
                answered[0]["status"].as_str(),
                answered[1]["status"].as_str()
            ),
            (Some("entered"), Some("waiting"))
        );
        let waiting = answered[1]["id"].as_str().unwrap();
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{waiting}/priority"),
                &referent,
                Some(json!({"priority": 2})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the cadre sets priorities, not the référent"
        );
        let cadre = app.token(MANAGER).await;
        let (status, prioritised) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{waiting}/priority"),
                &cadre,
                Some(json!({"priority": 2})),
            )
            .await;
        assert_eq!(
            (status, prioritised["priority"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{prioritised}"
        );
        // The cadre's view of the waiting lists: Magali first of one.
        let lists = app.get_json(&cadre, "/api/v1/waiting-lists").await;
        let line = lists
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == waiting)
            .expect("on the cadre's waiting lists")
            .clone();
        assert_eq!(
            (line["rank"].as_i64(), line["queue_length"].as_i64()),
            (Some(1), Some(1))
        );
        let (status, _) = app
            .call(Method::GET, "/api/v1/waiting-lists", &operator, None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // No situation at 4 weeks before the exit.
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{waiting}/situation-4-weeks"),
                &operator,
                Some(json!({"version": prioritised["version"], "situation": "employment"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "situation_4_weeks");
        // The département gives 9 days to answer an offer.
        let admin = app.token(ADMIN).await;
        let mut settings = app.get_json(&admin, "/api/v1/settings/deadlines").await;
        assert_eq!(settings["offer_days"], 5);
        settings["offer_days"] = json!(0);
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/settings/deadlines",
                &admin,
                Some(settings.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"][0]["field"], "offer_days");
        settings["offer_days"] = json!(9);
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/settings/deadlines",
                &admin,
                Some(settings),
            )
            .await;
        assert!(status.is_success(), "{body}");
        let inside = &answered[0];
        let exit = format!("/api/v1/referrals/{}/exit", inside["id"].as_str().unwrap());
        let (status, _) = app.call(Method::POST, &exit, &referent, Some(json!({"version": inside["version"], "exited_on": "2026-11-20", "reason": "employment", "situation": "employment"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = app.call(Method::POST, &exit, &operator, Some(json!({"version": inside["version"], "exited_on": "2026-10-01", "reason": "employment", "situation": "employment"}))).await;
        assert_eq!(
            (status, body["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("exited_on")),
            "{body}"
        );
        let (status, body) = app.call(Method::POST, &exit, &operator, Some(json!({"version": inside["version"], "exited_on": "2026-11-20", "reason": "", "situation": "partout"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["error"]["fields"].as_array().unwrap().len(),
            2,
            "reason and situation named"
        );
        let (status, gone) = app.call(Method::POST, &exit, &operator, Some(json!({"version": inside["version"], "exited_on": "2026-11-20", "reason": "employment", "situation": "employment"}))).await;
        assert_eq!(
            (status, gone["status"].as_str()),
            (StatusCode::OK, Some("exited")),
            "{gone}"
        );
        let offered = app.get_json(&operator, "/api/v1/referrals/inbox").await;
        let offered = offered
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == waiting)
            .expect("the offer in the inbox")
            .clone();
        assert_eq!(offered["status"], "offered");
        let until = time::OffsetDateTime::parse(
            offered["offer_until"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let days = (until - time::OffsetDateTime::now_utc()).whole_hours();
        assert!(
            (9 * 24 - 2..=9 * 24).contains(&days),
            "offer for 9 days: {days} h"
        );
        // The exit waits for its situation at 4 weeks.
        let exited = inside["id"].as_str().unwrap();
        let follow = app
            .get_json(&operator, "/api/v1/referrals/exits-to-follow-up")
            .await;
        assert!(follow.as_array().unwrap().iter().any(|r| r["id"] == exited));
        let path = format!("/api/v1/referrals/{exited}/situation-4-weeks");
        let (status, _) = app
            .call(
                Method::POST,
                &path,
                &operator,
                Some(json!({"version": gone["version"], "situation": "ailleurs"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"version": gone["version"], "situation": "training"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, followed) = app
            .call(
                Method::POST,
                &path,
                &operator,
                Some(json!({"version": gone["version"], "situation": "training"})),
            )
            .await;
        assert_eq!(
            (status, followed["situation_4_weeks"].as_str()),
            (StatusCode::OK, Some("training")),
            "{followed}"
        );
        let follow = app
            .get_json(&operator, "/api/v1/referrals/exits-to-follow-up")
            .await;
        assert!(!follow.as_array().unwrap().iter().any(|r| r["id"] == exited));
        let (status, entered) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{waiting}/offer"),
                &operator,
                Some(json!({"version": offered["version"], "accept": true})),
            )
            .await;
        assert_eq!(
            (status, entered["status"].as_str()),
            (StatusCode::OK, Some("entered")),
            "{entered}"
        );
        let participants = app
            .get_json(&operator, "/api/v1/referrals/participants")
            .await;
        assert!(participants
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == waiting));
        assert_eq!(
            app.get_json(&po, &format!("/api/v1/actions/{id}")).await["places_taken"],
            1
        );
    }
}

/// The structure marks a group present or absent; a stranger to the session
/// refuses the whole sheet; after three unexcused absences the référent
/// sees an alert on the file; another structure cannot touch the sheet.
#[tokio::test]
async fn attendance_for_a_group_and_the_absence_alert() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &referent).await;
        let (_, referral) = app.call(Method::POST, &format!("/api/v1/persons/{fabrice}/referrals"), &referent,
            Some(json!({"action_id": workshop, "override_reason": "Projet travaillé avec la structure", "positioned_on": "2026-11-02"}))).await;
        let operator = app.token(OPERATOR).await;
        let (_, entered) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/accept",
                    referral["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"version": referral["version"], "entered_on": "2026-11-02"})),
            )
            .await;
        assert_eq!(entered["status"], "entered", "{entered}");
        let mut sessions = Vec::new();
        for day in ["2026-11-03", "2026-11-10", "2026-11-17"] {
            let (status, s) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/actions/{workshop}/sessions"),
                    &operator,
                    Some(json!({"on": day, "starts_at": "09:00", "ends_at": "12:00"})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{s}");
            sessions.push(s["id"].as_str().unwrap().to_owned());
        }
        let sheet = app
            .get_json(
                &operator,
                &format!("/api/v1/sessions/{}/attendance", sessions[0]),
            )
            .await;
        assert!(sheet
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["referral_id"] == referral["id"]));
        let (status, _) = app.call(Method::PUT, &format!("/api/v1/sessions/{}/attendance", sessions[0]), &operator,
            Some(json!({"marks": [{"referral_id": referral["id"], "status": "present"}, {"referral_id": uuid::Uuid::now_v7().to_string(), "status": "present"}]}))).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a stranger refuses the sheet"
        );
        let other = app.token(OTHER_OPERATOR).await;
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{}/attendance", sessions[0]),
                &other,
                Some(json!({"marks": [{"referral_id": referral["id"], "status": "present"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "another structure's session");
        for session in &sessions {
            let (status, body) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/sessions/{session}/attendance"),
                    &operator,
                    Some(json!({"marks": [{"referral_id": referral["id"], "status": "absent"}]})),
                )
                .await;
            assert_eq!(
                (status, body["recorded"].as_u64()),
                (StatusCode::OK, Some(1)),
                "{body}"
            );
        }
        let client = app.signed_in(REFERENT).await;
        let html = client
            .get(app.url(&format!("/personnes/{fabrice}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("3 absences non excusées de suite"),
            "alert on the file"
        );
        // The sheet on screen, for the structure only.
        let structure = app.signed_in(OPERATOR).await;
        let page = structure
            .get(app.url(&format!("/seances/{}/presences", sessions[0])))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let sheet = page.text().await.unwrap();
        assert!(sheet.contains("Fabrice"));
        assert!(
            sheet.contains("Tous présents"),
            "an explicit button, no mark preset"
        );
        // Saved without a mark: refused, naming who, on the sheet.
        let sheet_path = format!("/seances/{}/presences", sessions[0]);
        let token = app.csrf(&structure, &sheet_path).await;
        let refused = structure
            .post(app.url(&sheet_path))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains(r#"class="error-summary" role="alert""#));
        assert!(
            refused.contains("était présent, absent ou excusé"),
            "{refused}"
        );
        let all = structure
            .post(app.url(&sheet_path))
            .form(&[("csrf_token", token.as_str()), ("tous", "presents")])
            .send()
            .await
            .unwrap();
        assert_eq!(all.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            client
                .get(app.url(&format!("/seances/{}/presences", sessions[0])))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
    }
}

/// From a contract objective, the référent's list puts first the actions
/// that work on the diagnostic's barriers and serve the objective, each
/// point explained; the positioning keeps the objective; an objective of
/// somebody else's contract is refused.
#[tokio::test]
async fn actions_are_ranked_by_fit_to_the_diagnostic_and_the_objective() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &referent).await;
        let contracts = app
            .get_json(&referent, &format!("/api/v1/persons/{fabrice}/contracts"))
            .await;
        let contract = contracts.as_array().unwrap()[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let contract = app
            .get_json(&referent, &format!("/api/v1/contracts/{contract}"))
            .await;
        let isolation = contract["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["category"] == "remobilisation")
            .expect("Fabrice's objective against isolation")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let client = app.signed_in(REFERENT).await;
        let html = client
            .get(app.url(&format!(
                "/personnes/{fabrice}/positionner?objectif={isolation}"
            )))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Pour l'objectif du contrat"),
            "the objective is named"
        );
        let first_card = html.split("<tr id=\"action-").nth(1).expect("a candidate");
        assert!(
            first_card.contains("objectif du contrat (Remobilisation)"),
            "the best fit serves the objective: {first_card}"
        );
        assert!(first_card.contains("Travaille le frein"), "{first_card}");
        assert!(html.contains("place") || html.contains("complet"));

        // The same choice over the API: one page, the person's standing on
        // each action, the eligible ones only when asked; a bad format named.
        let choices = app
            .get_json(
                &referent,
                &format!("/api/v1/persons/{fabrice}/choices?objectif={isolation}"),
            )
            .await;
        assert_eq!(choices["page"], 1);
        let actions = choices["actions"].as_array().unwrap();
        assert!(!actions.is_empty() && actions.len() <= 10, "{choices}");
        assert!(choices["total"].as_u64().unwrap() >= actions.len() as u64);
        assert!(actions[0]["fit"]
            .to_string()
            .contains("objectif du contrat (Remobilisation)"));
        let eligible = app
            .get_json(
                &referent,
                &format!("/api/v1/persons/{fabrice}/choices?eligibles=1"),
            )
            .await;
        assert!(eligible["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["eligible"] == true));
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{fabrice}/choices?format=volant"),
                &referent,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"][0]["field"], "format");
        let far = app
            .get_json(
                &referent,
                &format!("/api/v1/persons/{fabrice}/choices?page=999"),
            )
            .await;
        assert_eq!(
            far["page"], far["pages"],
            "a page past the end is the last one"
        );
        // Already inside or waiting: said on the row, no second positioning offered.
        let mine = app
            .get_json(&referent, &format!("/api/v1/persons/{fabrice}/referrals"))
            .await;
        let current = mine.as_array().unwrap().iter().find(|r| {
            ["sent", "waiting", "offered", "entered"].contains(&r["status"].as_str().unwrap())
        });
        if let Some(current) = current {
            let action = current["action_id"].as_str().unwrap();
            let name = current["action_name"].as_str().unwrap().to_owned();
            let words: String = name
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join("+");
            let found = app
                .get_json(
                    &referent,
                    &format!("/api/v1/persons/{fabrice}/choices?q={words}"),
                )
                .await;
            let row = found["actions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["action_id"] == action)
                .unwrap_or_else(|| panic!("{name} found: {found}"));
            assert!(row["situation"].is_string(), "{row}");
        }

        let path = format!("/api/v1/persons/{fabrice}/referrals");
        let (status, body) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"action_id": workshop, "objective_id": uuid::Uuid::now_v7().to_string(), "override_reason": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"][0]["field"], "objective_id");
        let (status, referral) = app
            .call(
                Method::POST,
                &path,
                &referent,
                Some(json!({"action_id": workshop, "objective_id": isolation, "override_reason": "Atelier du contrat"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        assert_eq!(referral["objective_id"], isolation.as_str());
    }
}

/// A published one-place copy of Plaine Emploi's workshop (no rule), by the
/// chargé de mission.
async fn one_place_action(app: &App, workshop: &str) -> String {
    let po = app.token(PROGRAMME).await;
    let original = app
        .get_json(&po, &format!("/api/v1/actions/{workshop}"))
        .await;
    let input = json!({
        "structure_id": original["structure_id"], "name": "Atelier à une place", "description": "Une place, pour éprouver la liste d'attente.",
        "family": "aps", "thematiques": ["remobilisation--lien-social"], "service_type": "atelier", "format": "individual",
        "capacity": "1", "reception": ["a-distance"], "starts_on": "2026-01-05",
        "practical": {"schedule": {"frequency": "appointment"}},
    });
    let (status, action) = app
        .call(Method::POST, "/api/v1/actions", &po, Some(input))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    let id = action["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/api/v1/actions/{id}/status"),
        &po,
        Some(json!({"version": action["version"], "status": "published"})),
    )
    .await;
    id
}

/// Waiting lists have an owner (issue 17, rule 9): the cadre sees the
/// people their organisation's référents follow wherever they live (their
/// files too), the chargé de mission sees and ranks every list, people
/// without référent included.
#[tokio::test]
async fn every_waiting_list_has_an_owner() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &referent).await;
        let action = one_place_action(&app, &workshop).await;
        // Someone Sophie follows who lives outside Caen la mer (the cadre's territory).
        let caseload = app.get_json(&referent, "/api/v1/caseload").await;
        let clm = ["Caen", "Hérouville-Saint-Clair", "Mondeville", "Ifs"];
        let away = caseload
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                p["commune_name"]
                    .as_str()
                    .is_some_and(|c| !clm.contains(&c))
            })
            .expect("a person of Sophie's caseload outside Caen la mer")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let operator = app.token(OPERATOR).await;
        for person in [&fabrice, &away] {
            let (status, referral) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/persons/{person}/referrals"),
                    &referent,
                    Some(json!({"action_id": action, "override_reason": "Essai de la liste d'attente"})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{referral}");
            app.call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/accept",
                    referral["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"version": referral["version"]})),
            )
            .await;
        }
        let cadre = app.token(MANAGER).await;
        let lists = app.get_json(&cadre, "/api/v1/waiting-lists").await;
        let line = lists
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["person_id"] == away.as_str())
            .unwrap_or_else(|| panic!("followed by the cadre's team: {lists}"))
            .clone();
        assert_eq!(line["rank"], 1);
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{away}"),
                &cadre,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "the same rule opens the file");

        // Someone without référent, recorded at the structure's door (outside
        // the RSA) and validated by the chargé de mission: on the list.
        let (status, recorded) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(json!({"action_id": action, "last_name": "Sansreferent", "first_names": "Lou",
                    "birth_date": "1992-04-03", "sex": "F", "commune_code": "14118", "situation": "other_precarity"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["new_file"], true);
        let request = &recorded["referral"];
        let programme = app.token(PROGRAMME).await;
        let (status, waiting) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/self-referrals/{}/validate",
                    request["id"].as_str().unwrap()
                ),
                &programme,
                Some(json!({"version": request["version"]})),
            )
            .await;
        assert_eq!(
            (status, waiting["status"].as_str()),
            (StatusCode::OK, Some("waiting")),
            "{waiting}"
        );
        let lou = request["person_id"].as_str().unwrap();
        let file = app
            .get_json(&programme, &format!("/api/v1/persons/{lou}"))
            .await;
        assert!(file["household"].is_null(), "no dossier RSA asked for");
        let lists = app.get_json(&programme, "/api/v1/waiting-lists").await;
        let on_list = |lists: &serde_json::Value, person: &str| {
            lists
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["person_id"] == person)
        };
        assert!(on_list(&lists, lou) && on_list(&lists, &away));
        assert!(!on_list(
            &app.get_json(&cadre, "/api/v1/waiting-lists").await,
            lou
        ));
        let (status, ranked) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/priority",
                    waiting["id"].as_str().unwrap()
                ),
                &programme,
                Some(json!({"priority": 3})),
            )
            .await;
        assert_eq!(
            (status, ranked["priority"].as_i64()),
            (StatusCode::OK, Some(3))
        );
        let lists = app.get_json(&programme, "/api/v1/waiting-lists").await;
        let first = lists
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["action_id"] == action.as_str())
            .unwrap();
        assert_eq!(
            (first["person_id"].as_str(), first["rank"].as_i64()),
            (Some(lou), Some(1))
        );
        // The page says the same.
        let client = app.signed_in(PROGRAMME).await;
        let page = client.get(app.url("/listes-attente")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("Sansreferent"));
    }
}

/// The structure's answers never carry the référent's reasons nor the
/// eligibility drawn from the person's file.
#[tokio::test]
async fn the_structure_sees_only_its_answer() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &referent).await;
        let (status, sent) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/referrals"),
                &referent,
                Some(json!({"action_id": workshop, "override_reason": "Raison confidentielle du référent"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        let operator = app.token(OPERATOR).await;
        let (status, answer) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{}/accept", sent["id"].as_str().unwrap()),
                &operator,
                Some(json!({"version": sent["version"]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "entered");
        for hidden in [
            "override_reason",
            "eligibility",
            "requested_by",
            "objective_id",
        ] {
            assert!(answer.get(hidden).is_none(), "{hidden} in {answer}");
        }
        assert!(!answer.to_string().contains("confidentielle"));
    }
}

#[tokio::test]
async fn a_refused_answer_says_why_in_red_and_keeps_what_was_typed() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (person, action) = fabrice_and_workshop(&app, &referent).await;
        let referral = position(&app, &person, &action, &referent).await;
        let id = referral["id"].as_str().unwrap();
        let version = referral["version"].to_string();
        let client = app.signed_in(OPERATOR).await;
        // The tab to answer, grouped by action, says who positioned by name.
        let inbox = client
            .get(app.url("/positionnements"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            inbox.contains("aria-current=\"page\">À répondre"),
            "{inbox}"
        );
        let card = html_part(&inbox, &format!("id=\"p-{id}\""), "</article>");
        assert!(card.contains("par Sophie Lemaire (CCAS de Caen)"), "{card}");
        assert!(!card.contains("referent@demo.parcours.fr"), "{card}");

        let token = app.csrf(&client, "/positionnements").await;
        let refuse = |reason: &'static str, version: String| {
            let client = client.clone();
            let token = token.clone();
            let url = app.url(&format!("/positionnements/{id}/refus"));
            async move {
                client
                    .post(url)
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("version", version.as_str()),
                        ("onglet", "a-repondre"),
                        ("refusal_reason", reason),
                        ("refusal_comment", "Injoignable depuis trois semaines"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let response = refuse("", version.clone()).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let back = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(back, "/positionnements?onglet=a-repondre");
        let page = client
            .get(app.url(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let summary = html_part(&page, "class=\"error-summary\"", "</div>");
        assert!(summary.contains("role=\"alert\""), "{summary}");
        assert!(
            summary.contains(&format!("href=\"#refusal_reason-{id}\"")),
            "{summary}"
        );
        let card = html_part(&page, &format!("id=\"p-{id}\""), "</article>");
        assert!(card.contains("<details class=\"action\" open>"), "{card}");
        assert!(
            card.contains("value=\"Injoignable depuis trois semaines\""),
            "{card}"
        );
        assert!(
            !page.contains("class=\"notice\""),
            "a refusal is not a success"
        );
        // Shown once: the next page is clean.
        let again = client
            .get(app.url(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!again.contains("error-summary"));
        // Someone else's change in between: said as such, nothing saved.
        let response = refuse("unreachable", "999".to_owned()).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = client
            .get(app.url(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("modifié entre-temps"), "{page}");
        // Sent again, complete and at the version read: saved, off the tab.
        let response = refuse("unreachable", version).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = client
            .get(app.url(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Refus enregistré"), "{page}");
        assert!(
            !page.contains(&format!("id=\"p-{id}\"")),
            "refused: off the tab"
        );
    }
}

#[tokio::test]
async fn the_inbox_has_a_tab_per_queue_with_its_count() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let (person, action) = fabrice_and_workshop(&app, &referent).await;
        let referral = position(&app, &person, &action, &referent).await;
        let operator = app.token(OPERATOR).await;
        let accept = format!(
            "/api/v1/referrals/{}/accept",
            referral["id"].as_str().unwrap()
        );
        let entered_on = parcours_domain::clock::today().to_string();
        let (status, _) = app
            .call(
                Method::POST,
                &accept,
                &operator,
                Some(json!({"version": referral["version"], "entered_on": entered_on})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let participants = app
            .get_json(&operator, "/api/v1/referrals/participants")
            .await;
        let count = participants.as_array().map_or(0, Vec::len);
        let inbox = app.get_json(&operator, "/api/v1/referrals/inbox").await;
        let inbox = inbox.as_array().unwrap();
        let to_answer = inbox
            .iter()
            .filter(|r| ["sent", "pending_validation"].contains(&r["status"].as_str().unwrap()))
            .count();
        // The waiting rank is the cadre's: by priority, then request, offered included.
        for line in inbox
            .iter()
            .filter(|r| r["status"] == "waiting" || r["status"] == "offered")
        {
            assert!(line["waiting_rank"].as_i64().unwrap() >= 1, "{line}");
        }
        let client = app.signed_in(OPERATOR).await;
        let page = client
            .get(app.url("/positionnements?onglet=participants"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!(
                "aria-current=\"page\">Participants <span class=\"count\">{count}</span>"
            )),
            "{page}"
        );
        assert!(page.contains("Enregistrer la sortie"));
        assert!(
            page.contains(&format!(
                ">À répondre <span class=\"count\">{to_answer}</span>"
            )),
            "{page}"
        );
        assert!(!page.contains(&format!("/positionnements/{person}")));
        // An unknown tab is the first one, not an error.
        let first = client
            .get(app.url("/positionnements?onglet=nimporte"))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert!(first
            .text()
            .await
            .unwrap()
            .contains("aria-current=\"page\">À répondre"));
    }
}
