//! The référent's appointments over HTTP, on every backend: who plans and
//! sees them, a slot never taken twice, outcomes and cancellations over the
//! version read, the week's agenda, and the convocation letter's text.

mod common;

use common::*;
use parcours_domain::access::PersonScope;
use parcours_domain::clock::{fr_long_date, now, today, week_code};
use parcours_domain::meeting::{MeetingData, MeetingKind, Modality};
use parcours_store::person::PersonQuery;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::Duration;
use uuid::Uuid;

const KARIM: &str = "referent2@demo.parcours.fr";

async fn find(app: &App, name: &str) -> Uuid {
    let query = PersonQuery {
        name: Some(name.into()),
        limit: 5,
        ..PersonQuery::default()
    };
    app.store
        .search_persons(&PersonScope::EVERY_FILE, &query)
        .await
        .unwrap()[0]
        .id
}

fn orientation_at(day: time::Date, time: &str) -> Value {
    json!({"kind": "orientation", "on_date": day.to_string(), "starts_at": time, "duration_minutes": "60",
           "modality": "sur_place", "place": "Maison des solidarités, 2 rue de la Gare, Caen",
           "note": "Pièce d'identité\nAttestation de domicile"})
}

#[tokio::test]
async fn a_referent_plans_convokes_and_records_the_outcome() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let fabrice = find(&app, "Fabrice Marie").await;
        let sophie = app.token(REFERENT).await;
        let day = today() + Duration::days(8);
        let path = format!("/api/v1/persons/{magali}/appointments");
        let (status, planned) = app
            .call(
                Method::POST,
                &path,
                &sophie,
                Some(orientation_at(day, "09:30")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{planned}");
        assert_eq!(planned["kind"], "orientation");
        let starts = parcours_domain::clock::paris_instant(day, time::macros::time!(09:30));
        let read = time::OffsetDateTime::parse(
            planned["starts_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(read, starts, "9 h 30 in Paris whatever the season");
        let id = planned["id"].as_str().unwrap().to_owned();

        // Sophie's 10:00 with Fabrice overlaps her 9:30–10:30 with Magali.
        let (status, taken) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/appointments"),
                &sophie,
                Some(orientation_at(day, "10:00")),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(taken["error"]["fields"][0]["field"], "starts_at", "{taken}");
        assert!(taken.to_string().contains("déjà pris"), "{taken}");
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/appointments"),
                &sophie,
                Some(orientation_at(day, "10:30")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "right after is free");
        let (status, past) = app
            .call(
                Method::POST,
                &path,
                &sophie,
                Some(orientation_at(today() - Duration::days(1), "09:00")),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(past.to_string().contains("passées"), "{past}");

        for (email, expected) in [
            (REFERENT, StatusCode::OK),
            (MANAGER, StatusCode::OK),
            (PROGRAMME, StatusCode::FORBIDDEN),
            (KARIM, StatusCode::FORBIDDEN),
            (ADMIN, StatusCode::FORBIDDEN),
            (OPERATOR, StatusCode::FORBIDDEN),
            (DPO, StatusCode::FORBIDDEN),
        ] {
            let token = app.token(email).await;
            let (status, list) = app.call(Method::GET, &path, &token, None).await;
            assert_eq!(status, expected, "{email}");
            if status == StatusCode::OK {
                assert_eq!(list[0]["id"], id.as_str(), "{email}");
            }
            let letter = reqwest::Client::new()
                .get(app.url(&format!("/api/v1/appointments/{id}/letter")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(letter.status(), expected, "{email} letter");
        }

        // The letter: to Magali at her address, what for, when, where, what to bring.
        let letter = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/appointments/{id}/letter")))
            .bearer_auth(&sophie)
            .send()
            .await
            .unwrap();
        assert_eq!(letter.headers()["content-type"], "application/pdf");
        let text = pdftotext(&letter.bytes().await.unwrap());
        for expected in [
            "Mme Magali Lefèvre",
            "1 rue de la Libération",
            "Caen",
            &format!("Rendez-vous du {}", fr_long_date(day)),
            "à 9 h 30",
            "60 minutes",
            "Maison des solidarités",
            "Pièce d'identité",
            "Attestation de domicile",
            "Vous êtes convoqué(e)",
        ] {
            assert!(
                text.contains(expected),
                "« {expected} » missing from:\n{text}"
            );
        }

        // The week's agenda: Sophie's, and her organisation's for her cadre.
        let week = week_code(day);
        let agenda = app
            .get_json(&sophie, &format!("/api/v1/agenda?week={week}"))
            .await;
        let names: Vec<&str> = agenda["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["person_name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{agenda}");
        assert!(
            names[0].contains("Magali") && names[1].contains("Fabrice"),
            "{names:?}"
        );
        let page = app.page(REFERENT, &format!("/agenda?semaine={week}")).await;
        assert!(
            page.contains("Magali") && page.contains("Fabrice"),
            "agenda page"
        );
        let operator = app.token(OPERATOR).await;
        let (status, _) = app
            .call(Method::GET, "/api/v1/agenda", &operator, None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A référent opens no colleague's agenda; a cadre opens the organisation's.
        let karim = app.user_id(KARIM).await;
        let colleague = format!("/api/v1/agenda?week={week}&holder_id={karim}");
        let (status, _) = app.call(Method::GET, &colleague, &sophie, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let manager = app.token(MANAGER).await;
        let organisation = format!("/api/v1/agenda?week={week}&organisation=true");
        let (status, _) = app.call(Method::GET, &organisation, &manager, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, bad) = app
            .call(Method::GET, "/api/v1/agenda?week=semaine-50", &sophie, None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad["error"]["fields"][0]["field"], "week", "{bad}");

        // Cancelled by the person before its time: the slot is free again.
        let outcome = format!("/api/v1/appointments/{id}/outcome");
        let (status, early) = app
            .call(
                Method::POST,
                &outcome,
                &sophie,
                Some(json!({"version": 1, "outcome": "venu"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{early}");
        let (status, cancelled) = app
            .call(
                Method::POST,
                &outcome,
                &sophie,
                Some(json!({"version": 1, "outcome": "annule_personne"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["outcome"], "annule_personne");
        let (status, _) = app
            .call(
                Method::POST,
                &outcome,
                &sophie,
                Some(json!({"version": 1, "outcome": "annule_service"})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "the version read is stale");
        let (status, _) = app
            .call(
                Method::POST,
                &path,
                &sophie,
                Some(orientation_at(day, "09:30")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "a cancelled slot is free");
    }
}

#[tokio::test]
async fn an_absence_without_excuse_is_a_possible_breach_on_the_persons_page() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let sophie = app.store.account_by_email(REFERENT).await.unwrap().unwrap();
        // An appointment whose time has come (planned earlier, as the store allows).
        let past = MeetingData {
            kind: MeetingKind::FollowUp,
            starts_at: now() - Duration::hours(3),
            duration_minutes: 30,
            modality: Modality::Phone,
            place: None,
            note: None,
            channels: Vec::new(),
        };
        let held = app
            .store
            .plan_meetings(
                &sophie.actor(),
                sophie.id,
                sophie.organisation_id,
                &[(magali, past)],
                Duration::ZERO,
            )
            .await
            .unwrap()
            .remove(0);
        let token = app.token(REFERENT).await;
        let outcome = format!("/api/v1/appointments/{}/outcome", held.id);
        let (status, _) = app
            .call(
                Method::POST,
                &outcome,
                &token,
                Some(json!({"version": 1, "outcome": "annule_service"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "too late to cancel"
        );
        let manager = app.token(MANAGER).await;
        let (status, body) = app
            .call(
                Method::POST,
                &outcome,
                &manager,
                Some(json!({"version": 1, "outcome": "absent"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The page's form says a stale or tampered row in French, never a 500.
        let client = app.signed_in(REFERENT).await;
        let person_page = format!("/personnes/{magali}");
        let csrf = app.csrf(&client, &person_page).await;
        for (meeting_id, version) in [(held.id.to_string(), "1"), ("pas-un-id".to_owned(), "1")] {
            let sent = client
                .post(app.url(&format!("/personnes/{magali}/rendez-vous/suite")))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("meeting_id", meeting_id.as_str()),
                    ("version", version),
                    ("outcome", "venu"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{meeting_id}");
            let html = client
                .get(app.url(&person_page))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                html.contains("class=\"error-summary"),
                "{meeting_id}: the refusal is shown"
            );
        }
        let page = app.page(REFERENT, &format!("/personnes/{magali}")).await;
        assert!(
            page.contains("Absence non excusée au rendez-vous du"),
            "the breach is shown"
        );
        assert!(
            page.contains("Rendez-vous : Entretien de suivi"),
            "in the timeline"
        );
        let page = app.page(OPERATOR, &format!("/personnes/{magali}")).await;
        assert!(
            !page.contains("Entretien de suivi"),
            "never to an opérateur"
        );
    }
}

#[tokio::test]
async fn an_orientation_agent_plans_before_a_referent_and_a_letter_needs_an_address() {
    for app in apps().await {
        let karim = app.token(KARIM).await;
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &karim,
                Some(json!({
                    "household": {"rsa_number": "14999000077", "fund": "caf", "rsa_state": "2"},
                    "person": {"household_role": "DEM", "last_name": "Sansadresse", "first_names": "Lou",
                               "birth_date": "1990-01-02", "sex": "F", "commune_code": "14118",
                               "subject_to_duties": true, "duties_since": "2026-11-01"}
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap();
        let path = format!("/api/v1/persons/{id}/appointments");
        let day = today() + Duration::days(9);
        let mut contract = orientation_at(day, "14:00");
        contract["kind"] = json!("signature");
        let (status, refused) = app.call(Method::POST, &path, &karim, Some(contract)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "kind");
        let (status, planned) = app
            .call(
                Method::POST,
                &path,
                &karim,
                Some(orientation_at(day, "14:00")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{planned}");
        let (status, letter) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/appointments/{}/letter",
                    planned["id"].as_str().unwrap()
                ),
                &karim,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(letter["error"]["fields"][0]["field"], "address", "{letter}");
    }
}

/// A person the orientation agent Karim creates, to orient, with a postal address.
async fn to_orient(app: &App, karim: &str, rsa: &str, last: &str, email: Option<&str>) -> String {
    let mut person = json!({"household_role": "DEM", "last_name": last, "first_names": "Lou",
        "birth_date": "1990-01-02", "sex": "F", "commune_code": "14118",
        "address": "3 rue des Lilas", "subject_to_duties": true, "duties_since": "2026-11-01"});
    if let Some(email) = email {
        person["email"] = json!(email);
    }
    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/persons",
            karim,
            Some(json!({
                "household": {"rsa_number": rsa, "fund": "caf", "rsa_state": "2"},
                "person": person
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_batch_convokes_each_person_on_a_slot_or_nobody() {
    for app in apps().await {
        let karim = app.token(KARIM).await;
        let anne = to_orient(
            &app,
            &karim,
            "14999000081",
            "Lotanne",
            Some("anne@example.fr"),
        )
        .await;
        let bruno = to_orient(&app, &karim, "14999000082", "Lotbruno", None).await;
        let day = today() + Duration::days(10);
        let on = |hhmm: &str| format!("{} {hhmm}", parcours_domain::clock::fr_date(day));
        // Karim already holds 10:00–10:45 that day.
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{anne}/appointments"),
                &karim,
                Some(orientation_at(day + Duration::days(1), "10:00")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let batch = |slots: Vec<String>, channels: Vec<&str>| {
            json!({"person_ids": [&anne, &bruno], "kind": "information_collective",
                   "modality": "sur_place", "place": "Maison des solidarités, Caen",
                   "slots": slots, "channels": channels})
        };
        let taken = on("10:00").replace(
            &parcours_domain::clock::fr_date(day),
            &parcours_domain::clock::fr_date(day + Duration::days(1)),
        );
        let (status, refused) = app
            .call(
                Method::POST,
                "/api/v1/appointments/batch",
                &karim,
                Some(batch(vec![on("09:00"), taken], vec![])),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "slots", "{refused}");
        assert!(refused.to_string().contains("Créneau 2"), "{refused}");
        let (_, of_bruno) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{bruno}/appointments"),
                &karim,
                None,
            )
            .await;
        assert_eq!(of_bruno, json!([]), "all or nothing: nobody convoked");

        // No sender configured on this server: the e-mail is refused, nothing planned.
        let (status, refused) = app
            .call(
                Method::POST,
                "/api/v1/appointments/batch",
                &karim,
                Some(batch(vec![on("09:00"), on("09:45")], vec!["email"])),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(
            refused["error"]["fields"][0]["field"], "channels",
            "{refused}"
        );

        // Magali is followed by Sophie: Karim may not convoke her.
        let magali = find(&app, "Magali Lefèvre").await.to_string();
        let mut with_magali = batch(vec![on("09:00"), on("09:45"), on("10:30")], vec![]);
        with_magali["person_ids"] = json!([&anne, &magali, &bruno]);
        let (status, refused) = app
            .call(
                Method::POST,
                "/api/v1/appointments/batch",
                &karim,
                Some(with_magali),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(
            refused["error"]["fields"][0]["field"], "person_ids",
            "{refused}"
        );
        assert!(refused.to_string().contains("Magali Lefèvre"), "{refused}");
        let operator = app.token(OPERATOR).await;
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/appointments/batch",
                &operator,
                Some(batch(vec![on("09:00"), on("09:45")], vec![])),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The page: the people ticked, the agent's free slots proposed, then all planned.
        let client = app.signed_in(KARIM).await;
        let form = client
            .get(app.url(&format!(
                "/rendez-vous/convocations?personne={anne}&personne={bruno}"
            )))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("LOTANNE Lou") && form.contains("LOTBRUNO Lou"),
            "{form}"
        );
        let proposed = html_part(&form, "name=\"slots\" rows=\"8\">", "</textarea>");
        assert_eq!(
            proposed.lines().count(),
            2,
            "one free slot each: {proposed}"
        );
        let csrf = app
            .csrf(
                &client,
                &format!("/rendez-vous/convocations?personne={anne}"),
            )
            .await;
        let slots = format!("{}\n{}", on("09:00"), on("09:45"));
        let sent = client
            .post(app.url("/rendez-vous/convocations"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("person_ids", anne.as_str()),
                ("person_ids", bruno.as_str()),
                ("kind", "information_collective"),
                ("modality", "sur_place"),
                ("place", "Maison des solidarités, Caen"),
                ("duration_minutes", "45"),
                ("slots", slots.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        let to = sent.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            to.starts_with(&format!(
                "/agenda?semaine={}&lot=",
                week_code(parcours_domain::clock::monday_of(day))
            )),
            "{to}"
        );
        let agenda = client
            .get(app.url(&to))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(agenda.contains("2 rendez-vous planifiés"), "{agenda}");
        let lot = to.split("lot=").nth(1).unwrap().trim_end_matches("#lot");
        let letters = client
            .get(app.url(&format!("/rendez-vous/convocations.pdf?lot={lot}")))
            .send()
            .await
            .unwrap();
        assert_eq!(letters.status(), StatusCode::OK);
        let text = pdftotext(&letters.bytes().await.unwrap());
        assert!(
            text.contains("Lotanne") && text.contains("Lotbruno"),
            "{text}"
        );
        assert!(text.contains("9 h 45"), "{text}");
        // The orientation clock names the appointment that meets it.
        let page = client
            .get(app.url(&format!("/personnes/{anne}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Rendez-vous prévu : Information collective le"),
            "{}",
            html_part(&page, "echeances", "</table>")
        );
        // A structure's opérateur may not print them.
        let other = app.signed_in(OPERATOR).await;
        let refused = other
            .get(app.url(&format!("/rendez-vous/convocations.pdf?lot={lot}")))
            .send()
            .await
            .unwrap();
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&refused.status()),
            "{}",
            refused.status()
        );
    }
}
