//! Notifications for staff, end to end on every backend: what happens to
//! a person at a structure reaches their référent, a contract to validate
//! their cadre, a clock about to run out once; each user reads and marks
//! their own only.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KARIM: &str = "referent2@demo.parcours.fr";

async fn kinds(app: &App, token: &str) -> Vec<String> {
    let list = app.get_json(token, "/api/v1/notifications").await;
    list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

#[tokio::test]
async fn what_happens_at_a_structure_reaches_the_referent() {
    for app in apps().await {
        let sophie = app.token(REFERENT).await;
        let operator = app.token(OPERATOR).await;
        let (fabrice, workshop) = fabrice_and_workshop(&app, &sophie).await;
        let before = kinds(&app, &sophie).await;

        let (_, referral) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/referrals"),
                &sophie,
                Some(json!({"action_id": workshop, "override_reason": "Projet travaillé avec la structure", "positioned_on": "2026-11-02"})),
            )
            .await;
        let id = referral["id"].as_str().unwrap().to_owned();
        let (_, entered) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{id}/accept"),
                &operator,
                Some(json!({"version": referral["version"], "entered_on": "2026-11-02"})),
            )
            .await;
        assert_eq!(entered["status"], "entered", "{entered}");
        let after = kinds(&app, &sophie).await;
        assert_eq!(
            count(&after, "entree"),
            count(&before, "entree") + 1,
            "{after:?}"
        );
        let list = app.get_json(&sophie, "/api/v1/notifications").await;
        let newest = &list["notifications"][0];
        assert_eq!(newest["kind"], "entree");
        assert_eq!(newest["person_id"], fabrice.as_str());
        assert!(
            newest["text"].as_str().unwrap().contains("Plaine Emploi"),
            "{newest}"
        );
        assert!(newest["read_at"].is_null());
        let unread = list["unread"].as_i64().unwrap();
        assert!(unread >= 1);

        // Three absences in a row: told once, even when the third is recorded again.
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
        let absent = json!({"marks": [{"referral_id": id, "status": "absent"}]});
        for session in sessions.iter().chain(sessions.last()) {
            let (status, body) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/sessions/{session}/attendance"),
                    &operator,
                    Some(absent.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        assert_eq!(
            count(&kinds(&app, &sophie).await, "absences"),
            count(&before, "absences") + 1
        );

        // The exit.
        let current = app
            .get_json(&operator, "/api/v1/referrals/participants")
            .await;
        let version = current
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .map(|r| r["version"].clone())
            .expect("a participant");
        let (status, exited) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{id}/exit"),
                &operator,
                Some(json!({"version": version, "exited_on": "2026-11-18", "reason": "dropped_out", "situation": "job_searching"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{exited}");
        assert_eq!(
            count(&kinds(&app, &sophie).await, "sortie"),
            count(&before, "sortie") + 1
        );

        // Karim sees none of Sophie's and cannot mark them read.
        let karim = app.token(KARIM).await;
        let his = app.get_json(&karim, "/api/v1/notifications").await;
        assert!(
            his["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["person_id"] != fabrice.as_str()),
            "{his}"
        );
        let newest_id = newest["id"].as_str().unwrap();
        let (status, marked) = app
            .call(
                Method::POST,
                "/api/v1/notifications/read",
                &karim,
                Some(json!({"ids": [newest_id]})),
            )
            .await;
        assert_eq!(
            (status, marked["marked"].as_u64()),
            (StatusCode::OK, Some(0))
        );

        // Sophie's page: the count in the header, then all marked read.
        let client = app.signed_in(REFERENT).await;
        let page = client
            .get(app.url("/notifications"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Fabrice"), "{page}");
        assert!(
            page.contains("class=\"badge\""),
            "the unread count in the header"
        );
        let csrf = app.csrf(&client, "/notifications").await;
        let marked = client
            .post(app.url("/notifications/lues"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(marked.status(), StatusCode::SEE_OTHER);
        let list = app.get_json(&sophie, "/api/v1/notifications").await;
        assert_eq!(list["unread"], 0, "{list}");

        // No e-mail on this server: the choice is refused, saying why.
        let (status, refused) = app
            .call(
                Method::PUT,
                "/api/v1/notifications/email-choices",
                &sophie,
                Some(json!({"by_email": ["entree"]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "by_email");
        let (status, _) = app
            .call(
                Method::PUT,
                "/api/v1/notifications/email-choices",
                &sophie,
                Some(json!({"by_email": ["pigeon"]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn clocks_about_to_run_out_are_told_once_and_contracts_reach_the_cadre() {
    for app in apps().await {
        let sophie = app.token(REFERENT).await;
        let told = parcours_app::notification::notify_clocks_due(&app.app)
            .await
            .unwrap();
        let again = parcours_app::notification::notify_clocks_due(&app.app)
            .await
            .unwrap();
        assert_eq!(again, 0, "once per clock and due date");
        let due = count(&kinds(&app, &sophie).await, "echeance_proche");
        assert!(due as u64 <= told, "{due} of {told}");

        // A contract submitted for validation reaches the cadre of the référent's organisation.
        let manager = app.token(MANAGER).await;
        let before = count(&kinds(&app, &manager).await, "contrat_a_valider");
        let (fabrice, _) = fabrice_and_workshop(&app, &sophie).await;
        let contract = submitted_contract(&app, &sophie, &fabrice).await;
        assert_eq!(contract["status"], "awaiting_validation", "{contract}");
        let after = kinds(&app, &manager).await;
        assert_eq!(count(&after, "contrat_a_valider"), before + 1, "{after:?}");
        assert_eq!(
            count(&kinds(&app, &sophie).await, "contrat_a_valider"),
            0,
            "the référent is not the validator"
        );
    }
}

/// A contract for the person, signed and submitted for validation.
async fn submitted_contract(app: &App, token: &str, person: &str) -> Value {
    let today = parcours_domain::clock::today();
    let (status, created) = app
        .call(
            Method::POST,
            &format!("/api/v1/persons/{person}/contracts"),
            token,
            Some(json!({"kind": "engagement", "starts_on": today.to_string(), "duration_months": "6",
                        "weekly_hours": "15", "hours_reason": "", "person_commitments": "Se présenter aux ateliers.",
                        "organisation_commitments": "Accompagner chaque semaine.",
                        "objectives": [{"category": "mobilite", "title": "Obtenir le permis de conduire",
                                        "barriers": [], "actions": "Bourse au permis"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mut current = created;
    let id = current["contract"]["id"].as_str().unwrap().to_owned();
    for event in ["signer", "soumettre"] {
        let (status, next) = app
            .call(
                Method::POST,
                &format!("/api/v1/contracts/{id}/events"),
                token,
                Some(json!({"version": current["contract"]["version"], "event": event, "on": today.to_string()})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{event}: {next}");
        current = next;
    }
    current["contract"].clone()
}
