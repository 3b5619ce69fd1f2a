//! The 15 hours of the contrat d'engagement, end to end on every backend:
//! the sessions of an action the person is in (attended or not), the
//! action's declared hours in a week without a session, an appointment
//! honoured; the alert after the département's number of weeks short; on
//! the person's page, in the caseload and in the API, for those who read
//! the contracts.

mod common;

use common::*;
use parcours_domain::clock::{monday_of, paris_instant, today};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::{Date, Duration};

/// A collective action of Plaine Emploi without schedule, 4 h 30 a week declared.
async fn declared_action(app: &App, workshop: &str) -> String {
    let po = app.token(PROGRAMME).await;
    let original = app
        .get_json(&po, &format!("/api/v1/actions/{workshop}"))
        .await;
    let input = json!({
        "structure_id": original["structure_id"], "name": "Chantier jardin", "description": "Un jardin partagé, quatre heures et demie par semaine.",
        "family": "aps", "thematiques": ["remobilisation--lien-social"], "service_type": "atelier", "format": "collective",
        "capacity": "10", "reception": ["en-presentiel"], "place": {"commune_code": "14118", "commune_name": "Caen"}, "starts_on": "2026-01-05", "weekly_hours": "4,5",
        "practical": {"schedule": {"frequency": "appointment"}},
    });
    let (status, action) = app
        .call(Method::POST, "/api/v1/actions", &po, Some(input))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    let id = action["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/actions/{id}/status"),
            &po,
            Some(json!({"version": action["version"], "status": "published"})),
        )
        .await;
    assert!(status.is_success());
    id
}

/// The week starting `monday` in the API's answer: (planned, done) minutes.
fn week(hours: &Value, monday: Date) -> (i64, i64) {
    let week = hours["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["monday"] == monday.to_string())
        .unwrap_or_else(|| panic!("week of {monday} in {hours}"));
    (
        week["planned_minutes"].as_i64().unwrap(),
        week["done_minutes"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn the_weeks_count_what_was_planned_and_done_and_alert_when_short() {
    for app in apps().await {
        let sophie = app.token(REFERENT).await;
        let operator = app.token(OPERATOR).await;
        let (_, workshop) = fabrice_and_workshop(&app, &sophie).await;
        // Someone of Sophie's caseload without a contrat d'engagement in force.
        let mut found = None;
        for line in app
            .get_json(&sophie, "/api/v1/caseload")
            .await
            .as_array()
            .unwrap()
        {
            let id = line["id"].as_str().unwrap().to_owned();
            if app
                .get_json(&sophie, &format!("/api/v1/persons/{id}/weekly-hours"))
                .await
                .is_null()
            {
                found = Some(id);
                break;
            }
        }
        let person = found.expect("someone without a contract in force");
        let current = monday_of(today());
        let (w1, w2, w3) = (
            current - Duration::days(21),
            current - Duration::days(14),
            current - Duration::days(7),
        );

        // A contrat d'engagement of 15 hours from three weeks ago, signed then.
        let (status, created) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{person}/contracts"),
                &sophie,
                Some(json!({"kind": "engagement", "starts_on": w1.to_string(), "duration_months": "6",
                            "weekly_hours": "15", "hours_reason": "", "other_weekly_hours": "5", "person_commitments": "Venir au jardin.",
                            "organisation_commitments": "Accompagner chaque semaine.",
                            "objectives": [{"category": "mobilite", "title": "Obtenir le permis de conduire",
                                            "barriers": [], "actions": "Bourse au permis"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let contract_id = created["contract"]["id"].as_str().unwrap().to_owned();
        let (status, signed) = app
            .call(
                Method::POST,
                &format!("/api/v1/contracts/{contract_id}/events"),
                &sophie,
                Some(json!({"version": created["contract"]["version"], "event": "signer", "on": w1.to_string()})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{signed}");

        // In the garden from the first day.
        let garden = declared_action(&app, &workshop).await;
        let (_, referral) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{person}/referrals"),
                &sophie,
                Some(json!({"action_id": garden, "override_reason": "Projet travaillé avec la structure", "positioned_on": w1.to_string()})),
            )
            .await;
        let (_, entered) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/accept",
                    referral["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"version": referral["version"], "entered_on": w1.to_string()})),
            )
            .await;
        assert_eq!(entered["status"], "entered", "{entered}");
        let path = format!("/api/v1/persons/{person}/weekly-hours");
        let before = app.get_json(&sophie, &path).await;
        assert_eq!(before["contract_id"], contract_id.as_str(), "{before}");
        assert_eq!(before["contract_hours"], 15);
        // The other activities out of range: refused on their field, nothing saved.
        let (status, refused) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{person}/contracts"),
                &sophie,
                Some(json!({"kind": "engagement", "starts_on": w1.to_string(), "duration_months": "6",
                            "weekly_hours": "15", "other_weekly_hours": "40", "person_commitments": "x",
                            "organisation_commitments": "y",
                            "objectives": [{"category": "mobilite", "title": "Permis", "barriers": [], "actions": ""}]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "other_weekly_hours");

        // A session attended in week 1, one missed in week 2, none in week 3.
        for (monday, mark) in [(w1, "present"), (w2, "absent")] {
            let (status, session) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/actions/{garden}/sessions"),
                    &operator,
                    Some(json!({"on": (monday + Duration::days(1)).to_string(), "starts_at": "09:00", "ends_at": "12:00"})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{session}");
            let (status, body) = app
                .call(
                    Method::PUT,
                    &format!(
                        "/api/v1/sessions/{}/attendance",
                        session["id"].as_str().unwrap()
                    ),
                    &operator,
                    Some(json!({"marks": [{"referral_id": referral["id"], "status": mark}]})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        // An hour's appointment honoured on Thursday of week 2.
        let holder = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        let meeting = parcours_domain::meeting::MeetingData {
            kind: parcours_domain::meeting::MeetingKind::FollowUp,
            starts_at: paris_instant(w2 + Duration::days(3), time::macros::time!(10:00)),
            duration_minutes: 60,
            modality: parcours_domain::meeting::Modality::Phone,
            place: None,
            note: None,
            channels: Vec::new(),
        };
        let held = app
            .store
            .plan_meetings(
                &holder.actor(),
                holder.id,
                holder.organisation_id,
                &[(person.parse().unwrap(), meeting)],
                Duration::ZERO,
            )
            .await
            .unwrap()
            .remove(0);
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/appointments/{}/outcome", held.id),
                &sophie,
                Some(json!({"version": held.version, "outcome": "venu"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        let after = app.get_json(&sophie, &path).await;
        let (b1, b2, b3) = (week(&before, w1), week(&before, w2), week(&before, w3));
        // The garden's 4 h 30 declared, replaced by its 3-hour session in weeks 1 and 2.
        assert_eq!(week(&after, w1), (b1.0 - 270 + 180, b1.1 + 180), "{after}");
        assert_eq!(
            week(&after, w2),
            (b2.0 - 270 + 180 + 60, b2.1 + 60),
            "{after}"
        );
        assert_eq!(week(&after, w3), b3, "nothing changed in week 3: {after}");
        assert!(
            b3.0 >= 270 + 300,
            "the garden's declared hours and the contract's 5 hours of other activities planned in week 3: {before}"
        );

        // Short of 15 hours each week: alerted after the département's number of weeks.
        let short = after["weeks_short"].as_i64().unwrap();
        assert!(short >= 1, "{after}");
        let admin = app.token(ADMIN).await;
        for (weeks, alerted) in [(short, true), (short + 1, false)] {
            let mut settings = app.get_json(&admin, "/api/v1/settings/deadlines").await;
            settings["hours_alert_weeks"] = json!(weeks);
            let (status, body) = app
                .call(
                    Method::PUT,
                    "/api/v1/settings/deadlines",
                    &admin,
                    Some(settings),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(
                app.get_json(&sophie, &path).await["alert"],
                alerted,
                "{weeks} weeks"
            );
        }
        let mut settings = app.get_json(&admin, "/api/v1/settings/deadlines").await;
        settings["hours_alert_weeks"] = json!(0);
        let (status, refused) = app
            .call(
                Method::PUT,
                "/api/v1/settings/deadlines",
                &admin,
                Some(settings),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["error"]["fields"][0]["field"], "hours_alert_weeks");

        // The page, the caseload and who may read them.
        let page = app.page(REFERENT, &format!("/personnes/{person}")).await;
        assert!(
            page.contains("Heures d'activité du contrat d'engagement (15 h par semaine)"),
            "{page}"
        );
        let caseload = app.page(REFERENT, "/portefeuille").await;
        assert!(caseload.contains("Heures la semaine passée"), "{caseload}");
        assert!(caseload.contains(" / 15 h"), "{caseload}");
        let listed = app.get_json(&sophie, "/api/v1/caseload/weekly-hours").await;
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["person_id"] == person.as_str()),
            "{listed}"
        );
        for (who, expected) in [
            (MANAGER, StatusCode::OK),
            (OPERATOR, StatusCode::FORBIDDEN),
            (DPO, StatusCode::FORBIDDEN),
        ] {
            let token = app.token(who).await;
            let (status, _) = app.call(Method::GET, &path, &token, None).await;
            assert_eq!(status, expected, "{who}");
        }
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/caseload/weekly-hours",
                &operator,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
