//! Person files, orientation, référent and deadlines over HTTP, on every
//! backend: who sees which file, bad input, and the pathway journey.

mod common;

use common::*;
use parcours_domain::access::PersonScope;
use parcours_store::person::PersonQuery;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const EVERYTHING: PersonScope = PersonScope {
    all: true,
    organisation_id: None,
    territory_id: None,
    referent_id: None,
    team_organisation_id: None,
};

async fn find(app: &App, name: &str) -> Uuid {
    let query = PersonQuery {
        name: Some(name.into()),
        limit: 5,
        ..PersonQuery::default()
    };
    let found = app.store.search_persons(&EVERYTHING, &query).await.unwrap();
    assert_eq!(found.len(), 1, "one demo person named {name}: {found:?}");
    found[0].id
}

/// Magali: CCAS de Caen, Caen (Caen la Mer), in Sophie's caseload.
/// Jean-Claude: the Département's service, Vire (Bocage), no référent.
/// Amandine: not oriented yet, her file belongs to the Département (who created it), Bayeux.
#[tokio::test]
async fn who_may_open_which_file() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let jean_claude = find(&app, "Jean-Claude Hébert").await;
        let cases: &[(Uuid, &[&str])] = &[
            (magali, &[ADMIN, PROGRAMME, MANAGER, REFERENT]),
            (jean_claude, &[ADMIN, PROGRAMME]),
        ];
        for email in EVERYONE {
            let client = app.signed_in(email).await;
            let token = app.token(email).await;
            for (id, allowed) in cases {
                let expected = if allowed.contains(&email) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                for path in [
                    format!("/personnes/{id}"),
                    format!("/personnes/{id}/historique"),
                ] {
                    let status = client.get(app.url(&path)).send().await.unwrap().status();
                    assert_eq!(status, expected, "{email} GET {path}");
                }
                let status = reqwest::Client::new()
                    .get(app.url(&format!("/api/v1/persons/{id}")))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, expected, "{email} API person {id}");
            }
        }
        // Searching never reveals files outside the scope.
        let referent = app.token(REFERENT).await;
        let found: Value = app.get_json(&referent, "/api/v1/persons?name=hebert").await;
        assert_eq!(found.as_array().unwrap().len(), 0);
        let programme = app.token(PROGRAMME).await;
        let found: Value = app
            .get_json(&programme, "/api/v1/persons?name=hebert")
            .await;
        assert_eq!(found.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn pathway_routes_by_role() {
    for app in apps().await {
        let pages: &[(&str, &[&str])] = &[
            ("/personnes", &[ADMIN, PROGRAMME, MANAGER, REFERENT]),
            (
                "/personnes/nouvelle",
                &[ADMIN, PROGRAMME, MANAGER, REFERENT],
            ),
            ("/orientations", &[MANAGER]),
            ("/portefeuille", &[REFERENT]),
            ("/echeances", &[ADMIN, PROGRAMME, MANAGER, REFERENT]),
            ("/admin/delais", &[ADMIN]),
        ];
        let api: &[(Method, &str, &[&str])] = &[
            (
                Method::GET,
                "/api/v1/persons?name=martin",
                &[ADMIN, PROGRAMME, MANAGER, REFERENT],
            ),
            (Method::GET, "/api/v1/orientations/pending", &[MANAGER]),
            (Method::GET, "/api/v1/caseload", &[REFERENT]),
            (
                Method::GET,
                "/api/v1/deadlines",
                &[ADMIN, PROGRAMME, MANAGER, REFERENT],
            ),
        ];
        for email in EVERYONE {
            let client = app.signed_in(email).await;
            for (path, allowed) in pages {
                let expected = if allowed.contains(&email) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(
                    client.get(app.url(path)).send().await.unwrap().status(),
                    expected,
                    "{email} GET {path}"
                );
            }
            let token = app.token(email).await;
            for (method, path, allowed) in api {
                let expected = if allowed.contains(&email) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                let status = reqwest::Client::new()
                    .request(method.clone(), app.url(path))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, expected, "{email} {method} {path}");
            }
        }
    }
}

fn person_form(
    token: &str,
    last: &str,
    nir: &str,
    birth: &str,
    commune: &str,
) -> Vec<(String, String)> {
    [
        ("csrf_token", token),
        ("rsa_number", "14999000001"),
        ("caf_number", "7654321"),
        ("fund", "caf"),
        ("rsa_state", "2"),
        ("household_role", "DEM"),
        ("last_name", last),
        ("first_names", "Élise"),
        ("birth_date", birth),
        ("sex", "F"),
        ("nir", nir),
        ("commune_code", commune),
        ("subject_to_duties", "on"),
        ("duties_since", "2026-10-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[tokio::test]
async fn creating_a_file_checks_every_field_and_duplicates() {
    for app in apps().await {
        let client = app.signed_in(REFERENT).await;
        let token = app.csrf(&client, "/personnes/nouvelle").await;
        let bad = client
            .post(app.url("/personnes"))
            .form(&person_form(
                &token,
                "",
                "290051411899912",
                "2090-01-01",
                "99999",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(html.contains("error-summary"));
        for message in ["obligatoire", "La clé du NIR ne correspond pas", "futur"] {
            assert!(html.contains(message), "{message}");
        }
        let unknown_commune = client
            .post(app.url("/personnes"))
            .form(&person_form(&token, "Durand", "", "1990-05-14", "99999"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown_commune.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown_commune
            .text()
            .await
            .unwrap()
            .contains("99999 est inconnu"));

        let created = client
            .post(app.url("/personnes"))
            .form(&person_form(&token, "Durand", "", "1990-05-14", "14118"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        // Same names and birth date: a warning first, nothing saved…
        let again = client
            .post(app.url("/personnes"))
            .form(&person_form(&token, "DURAND", "", "1990-05-14", "14118"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text().await.unwrap().contains("Doublon possible"));
        let query = PersonQuery {
            name: Some("durand elise".into()),
            limit: 10,
            ..PersonQuery::default()
        };
        assert_eq!(
            app.store
                .search_persons(&EVERYTHING, &query)
                .await
                .unwrap()
                .len(),
            1
        );
        // …then created once confirmed, in the same household (same numéro de demande).
        let mut confirmed = person_form(&token, "Durand", "", "1990-05-14", "14118");
        confirmed.push(("confirm_duplicate".into(), "1".into()));
        assert_eq!(
            client
                .post(app.url("/personnes"))
                .form(&confirmed)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::SEE_OTHER
        );
        let both = app.store.search_persons(&EVERYTHING, &query).await.unwrap();
        assert_eq!(both.len(), 2);
        let first = app.store.person(both[0].id).await.unwrap();
        let second = app.store.person(both[1].id).await.unwrap();
        assert_eq!(first.household_id, second.household_id);
    }
}

#[tokio::test]
async fn orientation_validation_designation_and_caseload() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let referent = app.token(REFERENT).await;
        let manager = app.token(MANAGER).await;
        let ccas = app
            .store
            .organisation_by_name("CCAS de Caen")
            .await
            .unwrap()
            .id;
        // Created by the référent: the file belongs to the CCAS until oriented.
        let created = api
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&referent)
            .json(&json!({
                "household": {"rsa_number": "14999000002", "fund": "caf", "rsa_state": "2"},
                "person": {"household_role": "DEM", "last_name": "Nouvel", "first_names": "Arrivant", "birth_date": "1992-03-04",
                           "sex": "M", "commune_code": "14118", "subject_to_duties": true, "duties_since": "2026-11-01"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let person: Value = created.json().await.unwrap();
        let id = person["id"].as_str().unwrap().to_owned();
        let detail: Value = app
            .get_json(&referent, &format!("/api/v1/persons/{id}"))
            .await;
        assert_eq!(detail["clocks"][0]["kind"], "orientation");
        assert_eq!(detail["clocks"][0]["due_on"], "2026-12-01");

        let future = api
            .post(app.url(&format!("/api/v1/persons/{id}/orientations")))
            .bearer_auth(&referent)
            .json(&json!({"kind": "social", "lead_organisation_id": ccas, "decided_on": "2099-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(future.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let decided = api
            .post(app.url(&format!("/api/v1/persons/{id}/orientations")))
            .bearer_auth(&referent)
            .json(&json!({"kind": "social", "lead_organisation_id": ccas, "decided_on": "2026-11-10"}))
            .send()
            .await
            .unwrap();
        assert_eq!(decided.status(), StatusCode::CREATED);
        let orientation: Value = decided.json().await.unwrap();

        // A référent may not validate; the cadre validates from the queue.
        let refused = api
            .post(app.url("/api/v1/orientations/validate"))
            .bearer_auth(&referent)
            .json(&json!({"ids": [orientation["id"]], "notified_on": "2026-11-12"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let pending: Value = app.get_json(&manager, "/api/v1/orientations/pending").await;
        assert!(pending
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == orientation["id"]));
        let validated = api
            .post(app.url("/api/v1/orientations/validate"))
            .bearer_auth(&manager)
            .json(&json!({"ids": [orientation["id"]], "notified_on": "2026-11-12"}))
            .send()
            .await
            .unwrap();
        assert_eq!(validated.status(), StatusCode::OK);

        // The cadre designates the second référent; it lands in her caseload, not Sophie's.
        let karim = app.user_id("referent2@demo.parcours.fr").await;
        let designated = api
            .post(app.url(&format!("/api/v1/persons/{id}/referent")))
            .bearer_auth(&manager)
            .json(&json!({"referent_id": karim, "starts_on": "2026-11-13"}))
            .send()
            .await
            .unwrap();
        assert_eq!(designated.status(), StatusCode::CREATED);
        let karim_token = app.token("referent2@demo.parcours.fr").await;
        let caseload: Value = app.get_json(&karim_token, "/api/v1/caseload").await;
        assert!(caseload
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()));
        let sophie: Value = app.get_json(&referent, "/api/v1/caseload").await;
        assert!(!sophie
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()));

        let detail: Value = app
            .get_json(&referent, &format!("/api/v1/persons/{id}"))
            .await;
        let clocks = detail["clocks"].as_array().unwrap();
        let kinds: Vec<&str> = clocks.iter().map(|c| c["kind"].as_str().unwrap()).collect();
        assert!(
            kinds.contains(&"contract") && kinds.contains(&"joint_review"),
            "{kinds:?}"
        );
        let contract = clocks.iter().find(|c| c["kind"] == "contract").unwrap();
        assert_eq!(contract["due_on"], "2026-12-12");

        // Every read of the file is in the audit trail.
        let dpo = app.token(DPO).await;
        let reads: Value = app
            .get_json(
                &dpo,
                &format!("/api/v1/audit?entity_type=person&entity_id={id}&action=read"),
            )
            .await;
        let (lines, files): (Vec<&Value>, Vec<&Value>) = reads
            .as_array()
            .unwrap()
            .iter()
            .partition(|r| r["detail"] == "ligne du portefeuille");
        assert_eq!(lines.len(), 1, "the person on Karim's caseload");
        assert_eq!(files.len(), 2, "the two reads of the file");
        assert!(files.iter().all(|e| e["actor_label"] == REFERENT));
    }
}

#[tokio::test]
async fn a_stale_rectification_is_refused_and_the_typed_values_kept() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let person = app.store.person(magali).await.unwrap();
        let client = app.signed_in(REFERENT).await;
        let token = app
            .csrf(&client, &format!("/personnes/{magali}/modifier"))
            .await;
        let version = person.version.to_string();
        let form = |phone: &str| {
            vec![
                ("csrf_token", token.clone()),
                ("version", version.clone()),
                ("household_role", "DEM".into()),
                ("last_name", "Lefèvre".into()),
                ("first_names", "Magali".into()),
                ("birth_date", "1979-05-12".into()),
                ("sex", "F".into()),
                ("nir", person.nir.clone().unwrap()),
                ("phone", phone.into()),
                ("commune_code", "14118".into()),
                ("subject_to_duties", "on".into()),
                ("duties_since", person.duties_since.unwrap().to_string()),
            ]
        };
        let url = app.url(&format!("/personnes/{magali}/modifier"));
        assert_eq!(
            client
                .post(&url)
                .form(&form("02 31 00 00 01"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::SEE_OTHER
        );
        let stale = client
            .post(&url)
            .form(&form("02 31 99 99 99"))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = stale.text().await.unwrap();
        assert!(html.contains("modifié par quelqu"), "conflict explained");
        assert!(
            html.contains("02 31 99 99 99"),
            "what was typed is not lost"
        );
        assert_eq!(
            app.store.person(magali).await.unwrap().phone.as_deref(),
            Some("02 31 00 00 01")
        );
        let history = client
            .get(app.url(&format!("/personnes/{magali}/historique")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // A French sentence per change, by name, linked records named.
        assert!(history.contains("Téléphone : "), "{history}");
        assert!(history.contains(" → 02 31 00 00 01</li>"), "{history}");
        assert!(
            history.contains("<li>Commune : 14000 Caen</li>"),
            "{history}"
        );
        assert!(!history.contains("commune_code") && !history.contains("@demo.parcours.fr"));
        let file = app.store.person(magali).await.unwrap();
        assert!(
            history.contains(&format!(
                "<title>Historique du dossier — {} {} — Parcours</title>",
                file.first_names, file.last_name
            )),
            "the page's title names the person"
        );
        let nir = file.nir.unwrap();
        assert!(
            !history.contains(&nir) && history.contains("2 79 05 •• ••• ••• ••"),
            "the history masks the NIR as the file's page does"
        );
    }
}

#[tokio::test]
async fn deadline_settings_are_validated_and_applied() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let admin = app.token(ADMIN).await;
        let mut settings: Value = app.get_json(&admin, "/api/v1/settings/deadlines").await;
        assert_eq!(settings["orientation_target_days"], 30);
        settings["orientation_target_days"] = json!(0);
        let bad = api
            .put(app.url("/api/v1/settings/deadlines"))
            .bearer_auth(&admin)
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        settings["orientation_target_days"] = json!(20);
        let ok = api
            .put(app.url("/api/v1/settings/deadlines"))
            .bearer_auth(&admin)
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let amandine = find(&app, "Amandine Petit").await;
        let person = app.store.person(amandine).await.unwrap();
        let clocks = app.store.person_clocks(amandine).await.unwrap();
        assert_eq!(
            clocks[0].due_on,
            person.duties_since.unwrap() + time::Duration::days(20)
        );
        let manager = app.token(MANAGER).await;
        let forbidden = api
            .put(app.url("/api/v1/settings/deadlines"))
            .bearer_auth(&manager)
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_cadre_merges_duplicates() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let referent = app.token(REFERENT).await;
        let manager = app.token(MANAGER).await;
        let magali = find(&app, "Magali Lefèvre").await;
        let person = json!({"household_role": "DEM", "last_name": "LEFEVRE", "first_names": "Magali", "birth_date": "1979-05-12",
                            "sex": "F", "commune_code": "14118", "phone": "06 00 00 00 00"});
        let body = json!({"household": {"rsa_number": "14999000003", "fund": "caf", "rsa_state": "2"}, "person": person});
        let warned = api
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&referent)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(warned.status(), StatusCode::CONFLICT);
        let warned: Value = warned.json().await.unwrap();
        assert_eq!(warned["duplicates"][0]["id"], magali.to_string());
        let mut confirmed = body.clone();
        confirmed["confirm_duplicate"] = json!(true);
        let duplicate: Value = api
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&referent)
            .json(&confirmed)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let duplicate_id = duplicate["id"].as_str().unwrap();

        let cadre = app.signed_in(MANAGER).await;
        let page = cadre
            .get(app.url(&format!("/personnes/{magali}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Doublons possibles") && page.contains(duplicate_id));

        let kept = app.store.person(magali).await.unwrap();
        let merge = |version: i64| json!({"version": version, "duplicate_id": duplicate_id, "duplicate_version": 1});
        let url = app.url(&format!("/api/v1/persons/{magali}/merge"));
        let refused = api
            .post(&url)
            .bearer_auth(&referent)
            .json(&merge(kept.version))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "only the cadre merges"
        );
        let stale = api
            .post(&url)
            .bearer_auth(&manager)
            .json(&merge(kept.version - 1))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let merged = api
            .post(&url)
            .bearer_auth(&manager)
            .json(&merge(kept.version))
            .send()
            .await
            .unwrap();
        assert_eq!(merged.status(), StatusCode::OK);

        let closed = app
            .store
            .person(duplicate_id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(closed.merged_into_id, Some(magali));
        assert_eq!(
            closed.closure_reason,
            Some(parcours_domain::person::ClosureReason::Merged)
        );
        let orientations = app.store.orientations(magali).await.unwrap();
        assert!(!orientations.is_empty(), "the kept file keeps its pathway");
        let again = api.post(&url).bearer_auth(&manager).json(&json!({"version": kept.version + 1, "duplicate_id": duplicate_id, "duplicate_version": closed.version})).send().await.unwrap();
        assert_eq!(
            again.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a merged file cannot be merged again"
        );
    }
}

#[tokio::test]
async fn the_household_state_is_rectified_with_checks() {
    for app in apps().await {
        let api = reqwest::Client::new();
        let referent = app.token(REFERENT).await;
        let magali = find(&app, "Magali Lefèvre").await;
        let household = app
            .store
            .household(
                app.store
                    .person(magali)
                    .await
                    .unwrap()
                    .household_id
                    .unwrap(),
            )
            .await
            .unwrap();
        let url = app.url(&format!("/api/v1/persons/{magali}/household"));
        let body = |version: i64, caf: &str| {
            json!({"version": version, "household": {"rsa_number": household.rsa_number, "caf_number": caf,
                   "fund": "caf", "rsa_state": "4", "rsa_state_on": "2026-11-01"}})
        };
        let bad = api
            .put(&url)
            .bearer_auth(&referent)
            .json(&body(household.version, "12"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let operator = app.token(OPERATOR).await;
        let refused = api
            .put(&url)
            .bearer_auth(&operator)
            .json(&body(household.version, "7654321"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let ok = api
            .put(&url)
            .bearer_auth(&referent)
            .json(&body(household.version, "7654321"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let saved: Value = ok.json().await.unwrap();
        assert_eq!(saved["rsa_state"], 4);
        assert_eq!(saved["rsa_state_on"], "2026-11-01");
        let stale = api
            .put(&url)
            .bearer_auth(&referent)
            .json(&body(household.version, "7654321"))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
    }
}

/// A person outside the RSA (issue 17, rule 3): the form and the API make
/// a file without dossier RSA nor droits et devoirs; no RSA clock, no
/// orientation; lists cope; the eligibility admits them at the margin.
#[tokio::test]
async fn a_person_outside_the_rsa_has_a_file_without_rsa_dossier() {
    for app in apps().await {
        let client = app.signed_in(REFERENT).await;
        let token = app.csrf(&client, "/personnes/nouvelle").await;
        let form = |situation: &str, duties: bool| {
            let mut form: Vec<(String, String)> = [
                ("csrf_token", token.as_str()),
                ("situation", situation),
                ("household_role", "DEM"),
                ("last_name", "Horsrsa"),
                ("first_names", "Rosalie"),
                ("birth_date", "1984-07-02"),
                ("sex", "F"),
                ("commune_code", "14118"),
                ("single_parent", "on"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            if duties {
                form.push(("subject_to_duties".into(), "on".into()));
                form.push(("duties_since".into(), "2026-01-05".into()));
            }
            form
        };
        let refused = client
            .post(app.url("/personnes"))
            .form(&form("other_minimum_income", true))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("Seul un bénéficiaire du RSA est soumis aux droits et devoirs"));
        assert!(
            !html.contains("Numéro de demande RSA » est obligatoire"),
            "no dossier asked for outside the RSA"
        );
        assert!(html.contains("value=\"Horsrsa\""), "what was typed is kept");
        assert!(html.contains("value=\"other_minimum_income\" checked"));
        let created = client
            .post(app.url("/personnes"))
            .form(&form("other_minimum_income", false))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let id = find(&app, "horsrsa rosalie").await;
        let person = app.store.person(id).await.unwrap();
        assert_eq!(person.household_id, None);
        assert!(person.other_minimum_income && !person.subject_to_duties);
        let page = client
            .get(app.url(&format!("/personnes/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Autre minimum social, sans RSA"));
        assert!(page.contains("Aucun délai ne court pour cette personne."));
        assert!(
            !page.contains("Décider l&#39;orientation") && !page.contains("Décider l'orientation")
        );
        // A rectification keeps the file outside the RSA.
        let edit = client
            .get(app.url(&format!("/personnes/{id}/modifier")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(edit.contains("value=\"other_precarity\"") && !edit.contains("value=\"rsa\""));
        let token = app
            .csrf(&client, &format!("/personnes/{id}/modifier"))
            .await;
        let mut rsa = form("rsa", false);
        rsa[0].1 = token;
        rsa.push(("version".into(), person.version.to_string()));
        let to_rsa = client
            .post(app.url(&format!("/personnes/{id}/modifier")))
            .form(&rsa)
            .send()
            .await
            .unwrap();
        assert_eq!(to_rsa.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(to_rsa.text().await.unwrap().contains("hors RSA"));

        // The API: the same rules, the same file.
        let api = app.token(REFERENT).await;
        let body = |situation: &str| {
            json!({"person": {"situation": situation, "household_role": "DEM", "last_name": "Marge",
                "first_names": "Paul", "birth_date": "1990-03-04", "sex": "M", "commune_code": "14118"}})
        };
        let (status, err) = app
            .call(Method::POST, "/api/v1/persons", &api, Some(body("")))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "rsa_number"));
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &api,
                Some(body("other_precarity")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["household_id"].is_null());
        let paul = created["id"].as_str().unwrap();
        let file = app.get_json(&api, &format!("/api/v1/persons/{paul}")).await;
        assert_eq!(file["situation"], "other_precarity");
        assert!(file["household"].is_null());
        assert_eq!(file["clocks"], json!([]));
        let (status, err) = app
            .call(
                Method::PUT,
                &format!("/api/v1/persons/{paul}/household"),
                &api,
                Some(json!({"version": 1, "household": {"rsa_number": "1", "fund": "caf", "rsa_state": "2"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["error"]["fields"][0]["field"], "situation");
        let cadre = app.token(MANAGER).await;
        let (status, err) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{paul}/orientations"),
                &cadre,
                Some(json!({"kind": "social", "lead_organisation_id": Uuid::nil(), "decided_on": "2026-11-02"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["error"]["fields"][0]["field"], "kind");
        // Lists and searches cope with them.
        let found = app.get_json(&api, "/api/v1/persons?name=marge").await;
        assert_eq!(found[0]["id"], paul);
        assert!(found[0]["caf_number"].is_null());
        let deadlines = app.get_json(&api, "/api/v1/deadlines").await;
        assert!(!deadlines.to_string().contains(paul));
        // At the margin of an RSA action: eligible on its places outside the RSA.
        let actions = app
            .get_json(&api, "/api/v1/catalogue?q=lire+ecrire+parler")
            .await;
        let action = actions["actions"][0]["id"].as_str().unwrap();
        let eligibility = app
            .get_json(
                &cadre,
                &format!("/api/v1/persons/{paul}/eligibility?action_id={action}"),
            )
            .await;
        assert_eq!(
            (
                &eligibility["assessment"]["verdict"],
                &eligibility["assessment"]["uses_margin"]
            ),
            (&json!("eligible"), &json!(true)),
            "{eligibility}"
        );
    }
}

/// A duplicate outside the caller's scope is only said to exist, with the
/// organisation to ask: no name, birth date nor number leaks; it is audited.
#[tokio::test]
async fn a_duplicate_outside_ones_scope_says_only_whom_to_ask() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let hebert = find(&app, "Jean-Claude Hébert").await;
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{hebert}"),
                &referent,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "outside Sophie's scope");
        let person = json!({"household_role": "DEM", "last_name": "HEBERT", "first_names": "Jean-Claude",
                            "birth_date": "1967-03-08", "sex": "M", "commune_code": "14118"});
        let body = json!({"household": {"rsa_number": "14999000077", "fund": "caf", "rsa_state": "2"}, "person": person});
        let (status, warned) = app
            .call(Method::POST, "/api/v1/persons", &referent, Some(body))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{warned}");
        assert_eq!(warned["duplicates"], json!([]));
        let elsewhere = warned["elsewhere"].as_array().unwrap();
        assert_eq!(elsewhere.len(), 1, "{warned}");
        assert!(
            elsewhere[0].as_str().unwrap().contains("Département"),
            "{warned}"
        );
        let text = warned.to_string();
        assert!(
            !text.contains(&hebert.to_string()) && !text.contains("Vire"),
            "{text}"
        );

        let filter = parcours_store::AuditFilter {
            entity_id: Some(hebert.to_string()),
            limit: 100,
            ..Default::default()
        };
        let events = app.store.audit_events(&filter).await.unwrap();
        assert!(
            events.iter().any(|e| e.actor_label == REFERENT
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("hors périmètre"))),
            "{events:?}"
        );
    }
}

/// The API gives the NIR masked, as the page does, unless the whole number
/// is asked for; that read is audited as such.
#[tokio::test]
async fn the_api_masks_the_nir_unless_revealed() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let magali = find(&app, "Magali Lefèvre").await;
        let stored = app.store.person(magali).await.unwrap().nir.unwrap();
        let masked = app
            .get_json(&referent, &format!("/api/v1/persons/{magali}"))
            .await;
        let shown = masked["person"]["nir"].as_str().unwrap();
        assert!(
            shown.contains("••") && !shown.contains(&stored[5..]),
            "{shown}"
        );
        let revealed = app
            .get_json(
                &referent,
                &format!("/api/v1/persons/{magali}?reveal_nir=true"),
            )
            .await;
        assert_eq!(revealed["person"]["nir"], stored.as_str());
        let filter = parcours_store::AuditFilter {
            entity_id: Some(magali.to_string()),
            limit: 100,
            ..Default::default()
        };
        let events = app.store.audit_events(&filter).await.unwrap();
        assert!(events
            .iter()
            .any(|e| e.detail.as_deref() == Some("dossier (API), NIR affiché")));
    }
}

/// The rectification form never carries the NIR in clear; left empty, the
/// stored NIR stays (page and API alike, `keep_nir`).
#[tokio::test]
async fn a_rectification_keeps_the_nir_without_showing_it() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let before = app.store.person(magali).await.unwrap();
        let stored = before.nir.clone().unwrap();
        let sophie = app.signed_in(REFERENT).await;
        let form = sophie
            .get(app.url(&format!("/personnes/{magali}/modifier")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!form.contains(&stored), "the NIR in clear in the form");
        assert!(form.contains("Laissez vide pour garder le NIR enregistré (2 79 05"));

        let referent = app.token(REFERENT).await;
        let person = json!({"household_role": "DEM", "last_name": "Lefèvre", "first_names": "Magali",
            "birth_date": "1979-05-12", "sex": "F", "commune_code": "14118", "phone": "06 11 22 33 44",
            "subject_to_duties": true, "duties_since": before.duties_since.unwrap().to_string(),
            "nir": "", "keep_nir": true});
        let (status, saved) = app
            .call(
                Method::PUT,
                &format!("/api/v1/persons/{magali}"),
                &referent,
                Some(json!({"version": before.version, "person": person})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let after = app.store.person(magali).await.unwrap();
        assert_eq!(after.nir.as_deref(), Some(stored.as_str()));
        assert_eq!(after.phone.as_deref(), Some("06 11 22 33 44"));
    }
}

/// Lists read through the API are audited as the pages are: each person
/// on a line of a search, a caseload or a deadline list.
#[tokio::test]
async fn lists_of_people_are_audited_on_the_api_too() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let magali = find(&app, "Magali Lefèvre").await;
        let filter = parcours_store::AuditFilter {
            entity_id: Some(magali.to_string()),
            actor: Some(REFERENT.into()),
            limit: 100,
            ..Default::default()
        };
        let before = app.store.audit_events(&filter).await.unwrap().len();
        for path in ["/api/v1/persons?name=magali", "/api/v1/caseload"] {
            app.get_json(&referent, path).await;
        }
        let events = app.store.audit_events(&filter).await.unwrap();
        let details: Vec<_> = events.iter().filter_map(|e| e.detail.as_deref()).collect();
        assert_eq!(events.len(), before + 2, "{details:?}");
        assert!(details.contains(&"ligne d'un résultat de recherche"));
        assert!(details.contains(&"ligne du portefeuille"));
    }
}

/// A refused request is audited with who asked, the address and why; the
/// DPO's journal lists the refusals.
#[tokio::test]
async fn refused_requests_are_audited_for_the_dpo() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let hebert = find(&app, "Jean-Claude Hébert").await;
        let api_path = format!("/api/v1/persons/{hebert}");
        let (status, _) = app.call(Method::GET, &api_path, &referent, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let sophie = app.signed_in(REFERENT).await;
        let page_path = format!("/personnes/{hebert}");
        let page = sophie.get(app.url(&page_path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);

        let filter = parcours_store::AuditFilter {
            action: Some(parcours_domain::audit::AuditAction::Refused),
            limit: 100,
            ..Default::default()
        };
        let refused = app.store.audit_events(&filter).await.unwrap();
        for path in [api_path, page_path] {
            assert!(
                refused.iter().any(|e| e.actor_label == REFERENT
                    && e.entity_id.as_deref() == Some(format!("GET {path}").as_str())
                    && e.detail.as_deref().is_some_and(|d| d.contains("périmètre"))),
                "{path}: {refused:?}"
            );
        }
        let dpo = app.signed_in(DPO).await;
        let journal = dpo
            .get(app.url("/dpo/journal?action=refused"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            journal.contains("Accès refusé"),
            "the journal lists refusals"
        );
    }
}

#[tokio::test]
async fn the_person_page_starts_with_a_summary_and_a_refused_closure_keeps_what_was_typed() {
    for app in apps().await {
        let magali = find(&app, "Magali Lefèvre").await;
        let client = app.signed_in(REFERENT).await;
        let path = format!("/personnes/{magali}");
        let html = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let summary = html_part(&html, "id=\"resume\"", "</section>");
        for fact in [
            "Orientation",
            "Sophie Lemaire (CCAS de Caen) — 02 31 15 40 12",
            "Contrat",
            "Actions",
            "Prochaine échéance",
        ] {
            assert!(summary.contains(fact), "{fact} in {summary}");
        }
        assert!(
            html.find("id=\"resume\"") < html.find("id=\"identite\""),
            "the summary comes first"
        );
        assert!(html.contains("href=\"#gestes-rares\""));
        // Staff by name and organisation, never by e-mail (the timeline, the diagnostic).
        assert!(
            !html.contains("@demo.parcours.fr"),
            "an e-mail on the person page"
        );
        let diagnostic = client
            .get(app.url(&format!("{path}/diagnostic")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !diagnostic.contains("@demo.parcours.fr"),
            "an e-mail on the diagnostic"
        );
        assert!(
            html.find("id=\"gestes-rares\"") < html.find("id=\"cloturer\""),
            "closing the file is set apart"
        );

        let token = app.csrf(&client, &path).await;
        let version = app.store.person(magali).await.unwrap().version.to_string();
        let response = client
            .post(app.url(&format!("{path}/cloture")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", version.as_str()),
                ("closure_reason", ""),
                ("closed_on", "2026-01-15"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], path.as_str());
        let html = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let errors = html_part(&html, "class=\"error-summary\"", "</div>");
        assert!(
            errors.contains("href=\"#closure_reason-cloturer\""),
            "{errors}"
        );
        let panel = html_part(&html, "id=\"cloturer\"", "</details>");
        assert!(panel.starts_with("id=\"cloturer\" open>"), "{panel}");
        assert!(panel.contains("value=\"2026-01-15\""), "{panel}");
        let person = app.store.person(magali).await.unwrap();
        assert_eq!(person.closed_on, None, "nothing saved");
    }
}
