//! A person who comes directly to a structure, end to end on every
//! backend: the opérateur records the request (the file found by identity,
//! or created), the référent's cadre or the chargé de mission validates it
//! (a place or the waiting list) or turns it down; nobody else may.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OTHER_OPERATOR: &str = "atelier@demo.parcours.fr";

/// Plaine Emploi's weekly workshop (the opérateur's own structure).
async fn workshop(app: &App, token: &str) -> String {
    let actions = app
        .get_json(token, "/api/v1/catalogue?q=bons+vivants")
        .await;
    assert_eq!(actions["actions"][0]["structure_name"], "Plaine Emploi");
    actions["actions"][0]["id"].as_str().unwrap().to_owned()
}

async fn caseload_person(app: &App, first_names: &str) -> Value {
    let referent = app.token(REFERENT).await;
    let caseload = app.get_json(&referent, "/api/v1/caseload").await;
    caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == first_names)
        .expect("in Sophie's caseload")
        .clone()
}

fn pending_ids(queue: &Value) -> Vec<String> {
    queue
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_known_person_is_found_and_the_referents_cadre_validates() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let fabrice = caseload_person(&app, "Fabrice").await;
        let request = json!({
            "action_id": action,
            "last_name": fabrice["last_name"].as_str().unwrap().to_uppercase(),
            "first_names": "fabrice",
            "birth_date": fabrice["birth_date"],
            "sex": "M",
            "phone": "06 12 34 56 78",
            "override_reason": "Vient sur les conseils d'un voisin",
        });
        let (status, recorded) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(request.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["new_file"], false, "Fabrice's file is found");
        let referral = &recorded["referral"];
        assert_eq!(referral["person_id"], fabrice["id"]);
        assert_eq!(referral["origin"], "self_referral");
        assert_eq!(referral["status"], "pending_validation");
        let id = referral["id"].as_str().unwrap().to_owned();

        // The same request twice is refused, nothing changes.
        let (status, again) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(request),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");

        // The structure sees it waiting; the référent sees it on the file.
        let inbox = app.get_json(&operator, "/api/v1/referrals/inbox").await;
        assert!(pending_ids(&inbox).contains(&id));
        let referent = app.token(REFERENT).await;
        let on_file = app
            .get_json(
                &referent,
                &format!(
                    "/api/v1/persons/{}/referrals",
                    fabrice["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(on_file[0]["status"], "pending_validation");

        // Fabrice's référent works at the CCAS de Caen: its cadre validates,
        // not the chargé de mission, not the structure, not the référent.
        let manager = app.token(MANAGER).await;
        let programme = app.token(PROGRAMME).await;
        let queue = app
            .get_json(&manager, "/api/v1/self-referrals/to-validate")
            .await;
        assert!(pending_ids(&queue).contains(&id));
        assert!(queue[0]["eligibility"]
            .as_str()
            .unwrap()
            .contains("outcomes"));
        let queue = app
            .get_json(&programme, "/api/v1/self-referrals/to-validate")
            .await;
        assert!(!pending_ids(&queue).contains(&id));
        let path = format!("/api/v1/self-referrals/{id}/validate");
        let body = json!({"version": referral["version"]});
        for (who, expected) in [
            (&programme, StatusCode::FORBIDDEN),
            (&operator, StatusCode::FORBIDDEN),
            (&referent, StatusCode::FORBIDDEN),
        ] {
            let (status, _) = app.call(Method::POST, &path, who, Some(body.clone())).await;
            assert_eq!(status, expected);
        }
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/self-referrals/to-validate",
                &operator,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, validated) = app
            .call(Method::POST, &path, &manager, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::OK, "{validated}");
        assert!(["entered", "waiting"].contains(&validated["status"].as_str().unwrap()));
        assert_eq!(validated["validated_by"], MANAGER);
        let (status, twice) = app
            .call(
                Method::POST,
                &path,
                &manager,
                Some(json!({"version": validated["version"]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{twice}");
        assert_eq!(twice["error"]["fields"][0]["field"], "status");
    }
}

#[tokio::test]
async fn an_unknown_person_gets_a_minimal_file_and_the_charge_de_mission_decides() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let identity = json!({
            "action_id": action,
            "last_name": "Nouvelle-Venue",
            "first_names": "Agathe",
            "birth_date": "1990-04-12",
            "sex": "F",
            "email": "agathe@example.org",
            "override_reason": "Orientée par la mission locale",
        });
        // No file matches: the RSA dossier is asked for, nothing is created.
        let (status, missing) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(identity.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
        let fields: Vec<&str> = missing["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"rsa_number"), "{fields:?}");
        let mission = app.token(PROGRAMME).await;
        let found = app
            .get_json(&mission, "/api/v1/persons?name=nouvelle-venue")
            .await;
        assert_eq!(found.as_array().map_or(0, Vec::len), 0, "{found}");

        let mut complete = identity.clone();
        complete["rsa_number"] = json!("14998877A");
        complete["fund"] = json!("caf");
        complete["rsa_state"] = json!("2");
        let (status, recorded) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(complete),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["new_file"], true);
        let referral = &recorded["referral"];
        let id = referral["id"].as_str().unwrap().to_owned();
        // The new file is nobody's yet: the opérateur cannot open it, the chargé de mission can.
        let person = referral["person_id"].as_str().unwrap();
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{person}"),
                &operator,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let file = app
            .get_json(&mission, &format!("/api/v1/persons/{person}"))
            .await;
        assert_eq!(file["person"]["first_names"], "Agathe");
        assert_eq!(file["household"]["rsa_number"], "14998877A");

        // Nobody follows Agathe: the chargé de mission's queue, not the cadre's.
        let manager = app.token(MANAGER).await;
        let queue = app
            .get_json(&manager, "/api/v1/self-referrals/to-validate")
            .await;
        assert!(!pending_ids(&queue).contains(&id));
        let queue = app
            .get_json(&mission, "/api/v1/self-referrals/to-validate")
            .await;
        assert!(pending_ids(&queue).contains(&id));
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/self-referrals/{id}/validate"),
                &manager,
                Some(json!({"version": referral["version"]})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A rejection needs its reason.
        let path = format!("/api/v1/self-referrals/{id}/reject");
        let (status, error) = app
            .call(
                Method::POST,
                &path,
                &mission,
                Some(json!({"version": referral["version"], "cancel_reason": " "})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error["error"]["fields"][0]["field"], "cancel_reason");
        let (status, rejected) = app
            .call(
                Method::POST,
                &path,
                &mission,
                Some(json!({"version": referral["version"], "cancel_reason": "Suivie par France Travail"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rejected}");
        assert_eq!(rejected["status"], "cancelled");
        assert_eq!(rejected["cancel_reason"], "Suivie par France Travail");
        let queue = app
            .get_json(&mission, "/api/v1/self-referrals/to-validate")
            .await;
        assert!(!pending_ids(&queue).contains(&id));
    }
}

#[tokio::test]
async fn only_an_operator_records_and_only_on_its_own_actions() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let request = json!({
            "action_id": action,
            "last_name": "Martin",
            "first_names": "Léa",
            "birth_date": "1995-02-03",
            "sex": "F",
            "rsa_number": "14554433B",
            "fund": "caf",
            "rsa_state": "2",
            "override_reason": "test",
        });
        let other = app.token(OTHER_OPERATOR).await;
        let (status, error) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &other,
                Some(request.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error["error"]["fields"][0]["field"], "action_id");
        for role in [REFERENT, MANAGER, PROGRAMME, ADMIN, DPO] {
            let token = app.token(role).await;
            let (status, _) = app
                .call(
                    Method::POST,
                    "/api/v1/self-referrals",
                    &token,
                    Some(request.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        }
        let mut bad = request.clone();
        bad["birth_date"] = json!("03/02/1995x");
        bad["sex"] = json!("");
        let (status, error) = app
            .call(Method::POST, "/api/v1/self-referrals", &operator, Some(bad))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = error["error"]["fields"].to_string();
        assert!(
            fields.contains("birth_date") && fields.contains("sex"),
            "{fields}"
        );

        // The form: the opérateur's own actions only; others are refused.
        let browser = app.signed_in(OPERATOR).await;
        let page = browser
            .get(app.url("/positionnements/demarche-directe"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Les bons vivants : atelier manuel et jardinage"));
        assert!(!html.contains("Les Jardins de la Prairie"));
        let referent = app.signed_in(REFERENT).await;
        let page = referent
            .get(app.url("/positionnements/demarche-directe"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
    }
}

/// A request for someone outside the RSA, on another minimum income.
fn on_another_minimum_income(action: &str, n: usize) -> Value {
    json!({
        "action_id": action,
        "last_name": format!("Horsrsa{}", ["Un", "Deux", "Trois"][n]),
        "first_names": "Claude",
        "birth_date": format!("1978-06-1{n}"),
        "sex": "F",
        "rsa_number": format!("1477000{n}C"),
        "fund": "caf",
        "rsa_state": "5",
        "declared_rsa": "non",
        "declared_other_minimum_income": "oui",
    })
}

fn reasons(assessment: &Value) -> Vec<String> {
    assessment["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["reason"].as_str().unwrap().to_owned())
        .collect()
}

/// The opérateur sees the eligibility rule by rule before recording (the
/// check) and after (the answer recorded, or the refusal's message), from
/// what they typed only: a person with a file gets the same answer as a
/// stranger with the same declarations.
#[tokio::test]
async fn the_operator_sees_why_before_and_after_recording() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let fabrice = caseload_person(&app, "Fabrice").await;
        let declared = |last_name: &str, birth_date: &Value| {
            json!({
                "action_id": action,
                "last_name": last_name,
                "first_names": "Fabrice",
                "birth_date": birth_date,
                "sex": "M",
                "declared_rsa": "non",
                "declared_single_parent": "non",
                "declared_other_minimum_income": "non",
            })
        };
        let check = |body: Value| {
            let (app, operator) = (&app, &operator);
            async move {
                app.call(
                    Method::POST,
                    "/api/v1/self-referrals/eligibility",
                    operator,
                    Some(body),
                )
                .await
            }
        };
        let known = declared(
            fabrice["last_name"].as_str().unwrap(),
            &fabrice["birth_date"],
        );
        let (status, answer) = check(known.clone()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let answer = &answer["eligibility"];
        assert_eq!(answer["verdict"], "not_eligible");
        assert!(
            reasons(answer).contains(
                &"N'est pas bénéficiaire du RSA : l'action leur est réservée.".to_owned()
            ),
            "{answer}"
        );
        let (_, stranger) = check(declared("Inconnu-Total", &fabrice["birth_date"])).await;
        assert_eq!(
            &stranger["eligibility"], answer,
            "nothing from Fabrice's file, nor whether he has one"
        );

        // Recording without a reason: refused, the message says which rule.
        let (status, refused) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(known.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let field = refused["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "override_reason")
            .expect("the reason is asked for")
            .clone();
        assert!(
            field["message"]
                .as_str()
                .unwrap()
                .contains("N'est pas bénéficiaire du RSA"),
            "{field}"
        );
        let mut forced = known.clone();
        forced["override_reason"] = json!("Orienté par l'assistante sociale");
        let (status, recorded) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(forced),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(
            &recorded["eligibility"], answer,
            "the answer recorded is the one shown"
        );

        // A declaration that cannot be read names its field; others may not check.
        let mut bad = known.clone();
        bad["declared_rsa"] = json!("peut-être");
        let (status, error) = check(bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error["error"]["fields"][0]["field"], "declared_rsa");
        for role in [REFERENT, MANAGER, PROGRAMME, ADMIN, DPO] {
            let token = app.token(role).await;
            let (status, _) = app
                .call(
                    Method::POST,
                    "/api/v1/self-referrals/eligibility",
                    &token,
                    Some(known.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        }
    }
}

/// The form's "Vérifier l'éligibilité" shows the answer rule by rule and
/// keeps what was typed; a refused request shows it too.
#[tokio::test]
async fn the_form_checks_the_eligibility_before_recording() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let browser = app.signed_in(OPERATOR).await;
        let path = "/positionnements/demarche-directe";
        let post = |check: bool, other_minimum_income: &str| {
            let (app, browser, action) = (&app, &browser, &action);
            let other_minimum_income = other_minimum_income.to_owned();
            async move {
                let token = app.csrf(browser, path).await;
                let mut form = vec![
                    ("csrf_token", token),
                    ("action_id", action.clone()),
                    ("last_name", "Lemarchand".to_owned()),
                    ("first_names", "Odile".to_owned()),
                    ("birth_date", "1969-02-11".to_owned()),
                    ("declared_rsa", "non".to_owned()),
                    ("declared_other_minimum_income", other_minimum_income),
                ];
                if check {
                    form.push(("check", "1".to_owned()));
                }
                let response = browser
                    .post(app.url(path))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let (status, html) = post(true, "oui").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Éligibilité à l'action"), "{html}");
        assert!(html.contains("hors publics sur 2"), "{html}");
        assert!(html.contains("value=\"Lemarchand\""), "typed values kept");
        assert!(html.contains("<option value=\"oui\" selected>"));
        assert!(
            !html.contains("Demande enregistrée"),
            "a check records nothing"
        );
        let (status, html) = post(false, "non").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("Non éligible"), "{html}");
        assert!(html.contains("est pas bénéficiaire du RSA"), "{html}");
        let found = app
            .get_json(
                &app.token(PROGRAMME).await,
                "/api/v1/persons?name=lemarchand",
            )
            .await;
        assert_eq!(found.as_array().map_or(0, Vec::len), 0, "nothing recorded");
    }
}

/// "Les bons vivants" keeps 2 places outside its public (RSA): three people
/// on another minimum income come; two enter, the third waits, and the
/// eligibility then says no margin place is free.
#[tokio::test]
async fn margin_places_are_a_quota() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let mission = app.token(PROGRAMME).await;
        let action = workshop(&app, &operator).await;
        let mut statuses = Vec::new();
        for n in 0..3 {
            let (status, answer) = app
                .call(
                    Method::POST,
                    "/api/v1/self-referrals/eligibility",
                    &operator,
                    Some(on_another_minimum_income(&action, n)),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            let left = 2 - n.min(2);
            let expected = match left {
                2 => "2 places hors publics sur 2 restent ouvertes.",
                1 => "1 place hors publics sur 2 reste ouverte.",
                _ => "les 2 places hors publics sont occupées, la personne attendra qu'une se libère.",
            };
            assert!(
                reasons(&answer["eligibility"])
                    .iter()
                    .any(|r| r.ends_with(expected)),
                "{answer}"
            );
            assert_eq!(answer["eligibility"]["uses_margin"], true);
            let (status, recorded) = app
                .call(
                    Method::POST,
                    "/api/v1/self-referrals",
                    &operator,
                    Some(on_another_minimum_income(&action, n)),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{recorded}");
            let referral = &recorded["referral"];
            assert_eq!(referral["uses_margin"], true);
            let (status, validated) = app
                .call(
                    Method::POST,
                    &format!(
                        "/api/v1/self-referrals/{}/validate",
                        referral["id"].as_str().unwrap()
                    ),
                    &mission,
                    Some(json!({"version": referral["version"]})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{validated}");
            statuses.push(validated["status"].as_str().unwrap().to_owned());
        }
        assert_eq!(statuses, ["entered", "entered", "waiting"]);
        let counted = app
            .get_json(&operator, &format!("/api/v1/actions/{action}"))
            .await;
        assert_eq!(counted["margin_taken"], 2, "{counted}");

        // The structure sees who uses a margin place, on its inbox and dashboard.
        let inbox = app.get_json(&operator, "/api/v1/referrals/inbox").await;
        let waiting = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["last_name"].as_str().unwrap().to_lowercase() == "horsrsatrois")
            .expect("the third waits in the inbox");
        assert_eq!(waiting["uses_margin"], true);
        let structure = counted["structure_id"].as_str().unwrap();
        let dashboard = app
            .get_json(
                &operator,
                &format!("/api/v1/structures/{structure}/dashboard"),
            )
            .await;
        let line = dashboard["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == action.as_str())
            .unwrap();
        assert_eq!(
            (
                line["margin_taken"].as_i64(),
                line["margin_places"].as_i64()
            ),
            (Some(2), Some(2))
        );
        let page = app
            .signed_in(OPERATOR)
            .await
            .get(app.url(&format!("/structures/{structure}/tableau-de-bord")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("dont 2 hors publics sur 2"), "{page}");
        let inbox_page = app
            .signed_in(OPERATOR)
            .await
            .get(app.url("/positionnements?onglet=participants"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(inbox_page.contains("Place hors publics"));
    }
}

/// A NIR alone never finds a file: with a made-up identity and someone's
/// NIR, nothing is recorded and nothing of that person is told.
#[tokio::test]
async fn a_nir_alone_never_reveals_whose_it_is() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let action = workshop(&app, &operator).await;
        let fabrice = caseload_person(&app, "Fabrice").await;
        let id: uuid::Uuid = fabrice["id"].as_str().unwrap().parse().unwrap();
        let nir = app.store.person(id).await.unwrap().nir.unwrap();
        let request = json!({
            "action_id": action,
            "last_name": "INVENTÉ",
            "first_names": "Personne",
            "birth_date": "1990-01-01",
            "sex": "M",
            "nir": nir,
            "commune_code": "14118",
            "rsa_number": "14999000123",
            "fund": "caf",
            "rsa_state": "2",
            "override_reason": "Essai",
        });
        let (status, refused) = app
            .call(
                Method::POST,
                "/api/v1/self-referrals",
                &operator,
                Some(request),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "nir", "{refused}");
        let text = refused.to_string();
        assert!(!text.contains("Marie") && !text.contains("1971"), "{text}");
        assert!(app.store.referrals_of_person(id).await.unwrap().is_empty());
    }
}
