//! Diagnostic and contracts over HTTP, on every backend: who reads what
//! (sensitive content included), revisions, the contract's lifecycle, bad
//! input, and the printable PDF.

mod common;

use common::*;
use parcours_domain::access::PersonScope;
use parcours_domain::deadline::ClockKind;
use parcours_store::person::PersonQuery;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const KARIM: &str = "referent2@demo.parcours.fr";

async fn find(app: &App, name: &str) -> Uuid {
    let all = PersonScope {
        all: true,
        organisation_id: None,
        territory_id: None,
        referent_id: None,
        team_organisation_id: None,
    };
    let query = PersonQuery {
        name: Some(name.into()),
        limit: 5,
        ..PersonQuery::default()
    };
    app.store.search_persons(&all, &query).await.unwrap()[0].id
}

fn diagnostic(version: i64) -> Value {
    json!({"version": version, "data": {
        "barriers": [
            {"category": "mobilite", "label": "Aucun moyen de transport à disposition", "severity": "3"},
            {"category": "sante", "label": "Difficulté déclarée entrainant des absences régulières", "severity": "2"}
        ],
        "wishes": "Travailler en extérieur",
        "health_notes": "Suivi psychologique en cours"
    }})
}

#[tokio::test]
async fn the_diagnostic_is_for_the_referent_the_cadre_and_the_programme_officer() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let api = reqwest::Client::new();
        let sophie = app.token(REFERENT).await;
        let url = app.url(&format!("/api/v1/persons/{magali}/diagnostic"));
        let saved = api
            .post(&url)
            .bearer_auth(&sophie)
            .json(&diagnostic(0))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::CREATED);
        let stale = api
            .post(&url)
            .bearer_auth(&sophie)
            .json(&diagnostic(0))
            .send()
            .await
            .unwrap();
        assert_eq!(
            stale.status(),
            StatusCode::CONFLICT,
            "a second save on the same version is refused"
        );

        for (email, expected, sensitive) in [
            (REFERENT, StatusCode::OK, true),
            (MANAGER, StatusCode::OK, true),
            (PROGRAMME, StatusCode::OK, false),
            (KARIM, StatusCode::FORBIDDEN, false),
            (ADMIN, StatusCode::FORBIDDEN, false),
            (OPERATOR, StatusCode::FORBIDDEN, false),
            (DPO, StatusCode::FORBIDDEN, false),
        ] {
            let token = app.token(email).await;
            let response = api.get(&url).bearer_auth(&token).send().await.unwrap();
            assert_eq!(response.status(), expected, "{email}");
            if expected == StatusCode::OK {
                let revisions: Value = response.json().await.unwrap();
                let text = revisions.to_string();
                assert_eq!(
                    text.contains("Suivi psychologique"),
                    sensitive,
                    "{email} health notes"
                );
                assert_eq!(
                    text.contains("absences régulières"),
                    sensitive,
                    "{email} health barrier"
                );
                assert!(
                    text.contains("Aucun moyen de transport"),
                    "{email} sees the rest"
                );
            }
            let page = app
                .signed_in(email)
                .await
                .get(app.url(&format!("/personnes/{magali}/diagnostic")))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), expected, "{email} page");
        }
        // The chargé de mission may read but not write.
        let programme = app.token(PROGRAMME).await;
        let refused = api
            .post(&url)
            .bearer_auth(&programme)
            .json(&diagnostic(1))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let mut second = diagnostic(1);
        second["data"]["barriers"][0]["severity"] = json!("1");
        second["data"]["wishes"] = json!("Travailler en extérieur, espaces verts");
        assert_eq!(
            api.post(&url)
                .bearer_auth(&sophie)
                .json(&second)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::CREATED
        );
        let changes: Value = app
            .get_json(
                &sophie,
                &format!("/api/v1/persons/{magali}/diagnostic/changes?from=1&to=2"),
            )
            .await;
        let changes = changes.as_array().unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes[0].as_str().unwrap().starts_with("Gravité changée"));

        let bad = json!({"version": 2, "data": {"barriers": [{"category": "astrologie", "label": "x", "severity": "1"}]}});
        assert_eq!(
            api.post(&url)
                .bearer_auth(&sophie)
                .json(&bad)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

fn contract(objectives: Value, hours: &str, reason: &str, months: &str) -> Value {
    json!({
        "kind": "engagement", "starts_on": "2026-11-02", "duration_months": months,
        "weekly_hours": hours, "hours_reason": reason,
        "objectives": objectives,
        "person_commitments": "Participer à la randonnée mensuelle", "organisation_commitments": "Financer le permis"
    })
}

fn one_objective() -> Value {
    json!([{"category": "mobilite", "title": "Obtenir le permis de conduire", "barriers": ["Aucun moyen de transport à disposition"], "actions": "Bourse au permis\nAuto-école sociale"}])
}

#[tokio::test]
async fn a_contract_goes_through_its_lifecycle() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let api = reqwest::Client::new();
        let sophie = app.token(REFERENT).await;
        let cadre = app.token(MANAGER).await;
        let create = app.url(&format!("/api/v1/persons/{magali}/contracts"));
        for (body, field) in [
            (contract(json!([]), "15", "", "6"), "objectives"),
            (contract(one_objective(), "8", "", "6"), "hours_reason"),
            (contract(one_objective(), "0", "other", "6"), "hours_reason"),
            (contract(one_objective(), "15", "", "13"), "duration_months"),
        ] {
            let response = api
                .post(&create)
                .bearer_auth(&sophie)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}"
            );
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["fields"][0]["field"], field);
        }
        let karim = app.token(KARIM).await;
        let refused = api
            .post(&create)
            .bearer_auth(&karim)
            .json(&contract(one_objective(), "15", "", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "only the person's own référent drafts"
        );

        let created = api
            .post(&create)
            .bearer_auth(&sophie)
            .json(&contract(one_objective(), "10", "childcare", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let mut current: Value = created.json().await.unwrap();
        assert_eq!(current["contract"]["status"], "draft");
        assert_eq!(current["contract"]["ends_on"], "2027-05-01");
        assert_eq!(current["objectives"][0]["actions"][1], "Auto-école sociale");
        let id = current["contract"]["id"].as_str().unwrap().to_owned();
        let illegal = send_event(&app, &id, &sophie, &current, "valider", json!({})).await;
        assert_eq!(
            illegal.status(),
            StatusCode::FORBIDDEN,
            "a référent never validates"
        );
        let illegal = send_event(&app, &id, &cadre, &current, "terminer", json!({})).await;
        assert_eq!(illegal.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let message: Value = illegal.json().await.unwrap();
        assert!(message["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Impossible de terminer"));

        for (token, event, status) in [
            (&sophie, "signer", "signed"),
            (&sophie, "soumettre", "awaiting_validation"),
            (&cadre, "valider", "running"),
        ] {
            let response = send_event(
                &app,
                &id,
                token,
                &current,
                event,
                json!({"on": "2026-11-02"}),
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{event}");
            current = response.json().await.unwrap();
            assert_eq!(current["contract"]["status"], status, "{event}");
        }
        // Signed after the orientation: the contract clock is met.
        let clocks = app.store.person_clocks(magali).await.unwrap();
        let signature = clocks
            .iter()
            .find(|c| c.kind == ClockKind::Contract)
            .unwrap();
        assert_eq!(
            signature.met_on.map(|d| d.to_string()).as_deref(),
            Some("2026-11-02")
        );
        assert!(clocks
            .iter()
            .any(|c| c.kind == ClockKind::ContractEnd && c.met_on.is_none()));

        // Past its draft, the edit form is not offered: its address leads
        // back to the contract, which says why.
        let browser = app.signed_in(REFERENT).await;
        let edit = browser
            .get(app.url(&format!("/contrats/{id}/modifier")))
            .send()
            .await
            .unwrap();
        assert_eq!(edit.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            edit.headers()["location"],
            format!("/contrats/{id}").as_str()
        );
        let page = browser
            .get(app.url(&format!("/contrats/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Ce contrat n&#39;est plus un brouillon"),
            "{page}"
        );
        assert!(!page.contains("Modifier le brouillon"));

        let response = send_event(
            &app,
            &id,
            &sophie,
            &current,
            "terminer",
            json!({"on": "2026-11-20"}),
        )
        .await;
        current = response.json().await.unwrap();
        let missing = send_event(
            &app,
            &id,
            &sophie,
            &current,
            "bilan",
            json!({"results": []}),
        )
        .await;
        assert_eq!(
            missing.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a result per objective"
        );
        let reviewed = send_event(
            &app,
            &id,
            &sophie,
            &current,
            "bilan",
            json!({"results": ["partly"], "comments": ["code obtenu"], "on": "2026-11-21"}),
        )
        .await;
        assert_eq!(reviewed.status(), StatusCode::OK);
        current = reviewed.json().await.unwrap();
        assert_eq!(current["objectives"][0]["review_result"], "partly");
        let renewed = send_event(&app, &id, &sophie, &current, "renouveler", json!({})).await;
        assert_eq!(renewed.status(), StatusCode::OK);
        let next: Value = renewed.json().await.unwrap();
        assert_eq!(next["contract"]["status"], "draft");
        assert_eq!(next["contract"]["starts_on"], "2027-05-02");
        assert_eq!(next["contract"]["previous_contract_id"], id.as_str());
        assert_eq!(
            next["objectives"][0]["title"],
            "Obtenir le permis de conduire"
        );
        let old: Value = app
            .get_json(&sophie, &format!("/api/v1/contracts/{id}"))
            .await;
        assert_eq!(old["contract"]["status"], "renewed");

        // The printable contract.
        let client = app.signed_in(REFERENT).await;
        let pdf = client
            .get(app.url(&format!("/contrats/{id}/pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        let operator = app.signed_in(OPERATOR).await;
        assert_eq!(
            operator
                .get(app.url(&format!("/contrats/{id}/pdf")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            operator
                .get(app.url(&format!("/contrats/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn no_contract_without_a_current_orientation_and_referent() {
    for app in apps().await {
        let amandine = find(&app, "Amandine Petit").await;
        let programme = app.token(PROGRAMME).await;
        let response = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/persons/{amandine}/contracts")))
            .bearer_auth(&programme)
            .json(&contract(one_objective(), "15", "", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "the chargé de mission does not draft contracts"
        );
        let cadre = app.token(MANAGER).await;
        // Amandine's file is the Département's: out of the CCAS cadre's scope.
        let response = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/persons/{amandine}/contracts")))
            .bearer_auth(&cadre)
            .json(&contract(one_objective(), "15", "", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        // A file of the CCAS, in the cadre's territory, not oriented yet.
        let api = reqwest::Client::new();
        let created: Value = api
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&cadre)
            .json(&json!({
                "household": {"rsa_number": "14999000010", "fund": "caf", "rsa_state": "2"},
                "person": {"household_role": "DEM", "last_name": "Sans", "first_names": "Orientation", "birth_date": "1990-01-01",
                           "sex": "F", "commune_code": "14118", "subject_to_duties": true, "duties_since": "2026-11-01"}
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let person: Uuid = created["id"].as_str().unwrap().parse().unwrap();
        let url = app.url(&format!("/api/v1/persons/{person}/contracts"));
        let refused = api
            .post(&url)
            .bearer_auth(&cadre)
            .json(&contract(one_objective(), "15", "", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error: Value = refused.json().await.unwrap();
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("orientation"),
            "{error}"
        );

        orient(&app, person).await;
        let refused = api
            .post(&url)
            .bearer_auth(&cadre)
            .json(&contract(one_objective(), "15", "", "6"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error: Value = refused.json().await.unwrap();
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("référent"),
            "{error}"
        );
        assert!(app.store.contracts_of(person).await.unwrap().is_empty());
    }
}

/// A validated social orientation towards the CCAS, without a référent.
async fn orient(app: &App, person: Uuid) {
    let ccas = app
        .store
        .organisation_by_name("CCAS de Caen")
        .await
        .unwrap()
        .id;
    let actor = parcours_store::Actor::system("tests");
    let today = parcours_domain::clock::today();
    let orientation = parcours_domain::orientation::OrientationData {
        kind: parcours_domain::deadline::OrientationKind::Social,
        lead_organisation_id: ccas,
        decided_on: today,
        reason: None,
        extended_review: false,
    };
    let decided = app
        .store
        .decide_orientation(&actor, person, &orientation)
        .await
        .unwrap();
    let all = PersonScope {
        all: true,
        organisation_id: None,
        territory_id: None,
        referent_id: None,
        team_organisation_id: None,
    };
    app.store
        .validate_orientations(&actor, &all, &[decided.id], today)
        .await
        .unwrap();
}

/// Sends a lifecycle event for the contract at its current version.
async fn send_event(
    app: &App,
    id: &str,
    token: &str,
    current: &Value,
    event: &str,
    extra: Value,
) -> reqwest::Response {
    let mut body = json!({"version": current["contract"]["version"], "event": event});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/contracts/{id}/events")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn contract_pages_by_role() {
    for app in apps().await {
        for email in EVERYONE {
            let client = app.signed_in(email).await;
            let expected = if email == MANAGER {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                client
                    .get(app.url("/contrats"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                expected,
                "{email} /contrats"
            );
            let home = client
                .get(app.url("/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(
                home.contains("href=\"/contrats\""),
                email == MANAGER,
                "{email} sees the contracts queue in the navigation"
            );
        }
        let token = app.token(MANAGER).await;
        let pending: Value = app.get_json(&token, "/api/v1/contracts/pending").await;
        assert_eq!(
            pending.as_array().unwrap().len(),
            1,
            "Fabrice's contract awaits validation in the demo"
        );
    }
}

/// Since 1 January 2025 a new contract is a contrat d'engagement: the form
/// offers no CER (issue 17).
#[tokio::test]
async fn a_new_contract_is_a_contrat_d_engagement() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let sophie = app.signed_in(REFERENT).await;
        let form = sophie
            .get(app.url(&format!("/personnes/{magali}/contrats/nouveau")))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let html = form.text().await.unwrap();
        assert!(html.contains("value=\"engagement\""), "{html}");
        assert!(!html.contains("value=\"cer\""), "no CER offered");
        // Objectives on demand: one to start with, one more when asked,
        // what was typed kept and nothing saved.
        assert!(html.contains("id=\"objectif-1\"") && !html.contains("id=\"objectif-2\""));
        let path = format!("/personnes/{magali}/contrats/nouveau");
        let token = app.csrf(&sophie, &path).await;
        let before = app
            .get_json(
                &app.token(REFERENT).await,
                &format!("/api/v1/persons/{magali}/contracts"),
            )
            .await;
        let more = sophie
            .post(app.url(&format!("/personnes/{magali}/contrats")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("kind", "engagement"),
                ("objectif0_categorie", "remobilisation"),
                ("objectif0_intitule", "Reprendre confiance"),
                ("ajouter_objectif", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(more.status(), StatusCode::OK);
        let html = more.text().await.unwrap();
        assert!(html.contains("id=\"objectif-2\"") && !html.contains("id=\"objectif-3\""));
        assert!(html.contains("value=\"Reprendre confiance\""));
        assert!(
            !html.contains("error-summary"),
            "asking for a row is no error"
        );
        let after = app
            .get_json(
                &app.token(REFERENT).await,
                &format!("/api/v1/persons/{magali}/contracts"),
            )
            .await;
        assert_eq!(before, after, "nothing saved");
    }
}

/// The right to act on a contract is checked before its input: someone
/// else's référent gets 403 for a bilan, never the bilan's field errors.
#[tokio::test]
async fn a_bilan_is_refused_before_it_is_read() {
    for app in apps().await {
        let cadre = app.token(MANAGER).await;
        let pending: Value = app.get_json(&cadre, "/api/v1/contracts/pending").await;
        let id = pending[0]["id"].as_str().unwrap().to_owned();
        let karim = app.token(KARIM).await;
        let response = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/contracts/{id}/events")))
            .bearer_auth(&karim)
            .json(&json!({"version": 1, "event": "bilan", "results": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}

/// The diagnostic form: resources apart from barriers (no severity),
/// several "other" barriers per theme, the common barriers offered.
#[tokio::test]
async fn the_diagnostic_form_tells_resources_from_barriers() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let client = app.signed_in(REFERENT).await;
        let path = format!("/personnes/{magali}/diagnostic");
        let form = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("value=\"remobilisation|Isolement social\""),
            "a common barrier offered"
        );
        assert!(
            form.contains("name=\"atout\" value=\"mobilite|Permis B\""),
            "a resource ticked apart"
        );
        assert!(
            !form.contains("name=\"gravite|mobilite|Permis B\""),
            "a resource has no severity"
        );
        assert!(
            form.contains("name=\"autre|mobilite|3\""),
            "several other barriers per theme"
        );
        let token = app.csrf(&client, &path).await;
        let version = app
            .get_json(
                &app.token(REFERENT).await,
                &format!("/api/v1/persons/{magali}/diagnostic"),
            )
            .await
            .as_array()
            .and_then(|r| r.first().map(|r| r["version"].as_i64().unwrap()))
            .unwrap_or(0)
            .to_string();
        let response = client
            .post(app.url(&path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", version.as_str()),
                ("frein", "remobilisation|Isolement social"),
                ("gravite|remobilisation|Isolement social", "3"),
                ("atout", "mobilite|Permis B"),
                ("autre|mobilite|1", "Peur de conduire seule"),
                ("gravite-autre|mobilite|1", "1"),
                ("autre|mobilite|2", "Pas de garage"),
                ("gravite-autre|mobilite|2", "2"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let revisions = app
            .get_json(
                &app.token(REFERENT).await,
                &format!("/api/v1/persons/{magali}/diagnostic"),
            )
            .await;
        let data = &revisions[0]["data"];
        let labels: Vec<&str> = data["barriers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "Isolement social",
                "Peur de conduire seule",
                "Pas de garage"
            ]
        );
        assert_eq!(data["barriers"][1]["severity"], "1");
        assert_eq!(data["resources"][0]["label"], "Permis B");
        let page = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<li>Permis B (Mobilité)</li>"), "{page}");
    }
}

#[tokio::test]
async fn the_follow_up_log_is_written_by_the_referent_and_read_as_the_diagnostic() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let path = format!("/api/v1/persons/{magali}/log");
        let sophie = app.token(REFERENT).await;
        let post = reqwest::Method::POST;
        let (status, call) = app
            .call(
                post.clone(),
                &path,
                &sophie,
                Some(json!({"kind": "appel", "text": "A rappelé pour décaler le rendez-vous."})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{call}");
        assert_eq!(call["kind"], "appel");
        assert_eq!(
            call["occurred_on"],
            parcours_domain::clock::today().to_string()
        );
        assert!(
            call["recorded_by"].as_str().unwrap().contains("Sophie"),
            "{call}"
        );
        let (status, _) = app
            .call(
                post.clone(),
                &path,
                &sophie,
                Some(json!({"kind": "entretien", "text": "Évoque un suivi en psychiatrie.", "sensitive": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);

        for (email, expected, sensitive) in [
            (REFERENT, StatusCode::OK, true),
            (MANAGER, StatusCode::OK, true),
            (PROGRAMME, StatusCode::OK, false),
            (KARIM, StatusCode::FORBIDDEN, false),
            (ADMIN, StatusCode::FORBIDDEN, false),
            (OPERATOR, StatusCode::FORBIDDEN, false),
            (DPO, StatusCode::FORBIDDEN, false),
        ] {
            let token = app.token(email).await;
            let (status, log) = app.call(reqwest::Method::GET, &path, &token, None).await;
            assert_eq!(status, expected, "{email}");
            if status == StatusCode::OK {
                let text = log.to_string();
                assert!(text.contains("décaler le rendez-vous"), "{email}");
                assert_eq!(text.contains("psychiatrie"), sensitive, "{email}");
            }
            // The person's page shows the same entries in the timeline.
            let page = app.page(email, &format!("/personnes/{magali}")).await;
            if email != OPERATOR && email != KARIM {
                assert_eq!(page.contains("psychiatrie"), sensitive, "{email} page");
                assert_eq!(
                    page.contains("décaler le rendez-vous"),
                    expected == StatusCode::OK,
                    "{email} page"
                );
            }
        }
        // Who reads may not write; bad input is said in French, field by field.
        let programme = app.token(PROGRAMME).await;
        let (status, _) = app
            .call(
                post.clone(),
                &path,
                &programme,
                Some(json!({"kind": "note", "text": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = app
            .call(
                post.clone(),
                &path,
                &sophie,
                Some(json!({"kind": "visite", "occurred_on": "2099-01-01", "text": ""})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["kind", "occurred_on", "text"], "{body}");
        assert!(body.to_string().contains("futur"), "{body}");

        // The page's form: a refusal keeps the words typed, a success lands in the timeline.
        let client = app.signed_in(REFERENT).await;
        let page = format!("/personnes/{magali}");
        let token = app.csrf(&client, &page).await;
        let refused = client
            .post(app.url(&format!("/personnes/{magali}/journal")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("kind", "note"),
                ("occurred_on", "2099-01-01"),
                ("text", "Dossier de mobilité à compléter"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        let html = client
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("href=\"#occurred_on-journal\""),
            "the error links to its field"
        );
        assert!(
            html.contains(">Dossier de mobilité à compléter</textarea>"),
            "what was typed stays"
        );
        let saved = client
            .post(app.url(&format!("/personnes/{magali}/journal")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("kind", "document"),
                ("occurred_on", ""),
                ("text", "Attestation de domicile reçue"),
                ("sensitive", "on"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let html = client
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Document reçu (confidentiel)"),
            "in the timeline"
        );
        assert!(html.contains("Attestation de domicile reçue"));
    }
}
