//! The catalogue end to end, on every backend: the chargé de mission builds
//! it (API and forms), opérateurs edit only their actions' practical
//! details, the public reads published actions without signing in.

mod common;

use common::*;
use parcours_domain::account::{NewUser, NewUserInput};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const OPERATOR_EMAIL: &str = "jardin@tests.parcours.fr";
const PASSWORD: &str = "un mot de passe solide";

fn structure_body(name: &str, siret: &str) -> Value {
    json!({
        "name": name, "kind": "association", "siret": siret,
        "place": {"address": "3 rue des Lilas", "postal_code": "14000", "commune_code": "14118", "commune_name": "Caen"},
        "contact": {"name": "Léa Martin", "phone": "02 31 00 00 00", "email": "contact@jardin-partage.fr"},
    })
}

fn action_body(structure_id: &str, name: &str) -> Value {
    json!({
        "structure_id": structure_id, "name": name,
        "description": "Chaque mardi après-midi, jardinage et petits travaux en groupe, avec une sortie culturelle par mois.",
        "family": "aps", "thematiques": ["remobilisation--lien-social", "remobilisation--bien-etre-confiance-en-soi"],
        "service_type": "atelier", "format": "collective", "publics": ["beneficiaires-des-minimas-sociaux"],
        "eligibility": {"min_age": "18", "publics": ["rsa"], "contract_required": true},
        "capacity": "10", "reception": ["en-presentiel"],
        "place": {"address": "Jardin des Lilas", "postal_code": "14000", "commune_code": "14118", "commune_name": "Caen"},
        "starts_on": "2026-01-06",
        "practical": {"schedule": {"frequency": "weekly", "weekdays": ["Tu"], "starts_at": "14:00", "ends_at": "17:00"},
                      "contact": {"name": "Léa Martin", "phone": "02 31 00 00 00"}, "how_to_apply": "Parlez-en à votre référent."},
    })
}

async fn send(
    client: &Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"].as_array().map_or(Vec::new(), |f| {
        f.iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    })
}

/// A structure and a published action, built over the API by the chargé de mission.
async fn published_action(app: &App, api: &Client, po: &str) -> (String, Value) {
    let (status, structure) = send(
        api,
        reqwest::Method::POST,
        app.url("/api/v1/structures"),
        po,
        Some(structure_body("Le Jardin partagé", "73282932000074")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{structure}");
    let structure_id = structure["id"].as_str().unwrap().to_owned();
    let (status, action) = send(
        api,
        reqwest::Method::POST,
        app.url("/api/v1/actions"),
        po,
        Some(action_body(&structure_id, "Atelier jardin des Lilas")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    assert_eq!(action["status"], "draft");
    let id = action["id"].as_str().unwrap();
    let (status, action) = send(
        api,
        reqwest::Method::POST,
        app.url(&format!("/api/v1/actions/{id}/status")),
        po,
        Some(json!({"version": action["version"], "status": "published"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{action}");
    (structure_id, action)
}

#[tokio::test]
async fn the_programme_officer_builds_the_catalogue_and_bad_input_is_named() {
    for app in apps().await {
        let api = Client::new();
        let po = app.token(PROGRAMME).await;
        let (status, body) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/structures"),
            &po,
            Some(structure_body("Le Jardin", "73282932000075")),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), vec!["siret"]);
        assert!(body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SIRET"));

        let (structure_id, action) = published_action(&app, &api, &po).await;
        let id = action["id"].as_str().unwrap().to_owned();
        let mut bad = action_body(&structure_id, "Atelier cuisine");
        bad["capacity"] = json!("0");
        bad["starts_on"] = json!("2026-06-01");
        bad["ends_on"] = json!("2026-05-01");
        bad["thematiques"] = json!(["cuisine--recettes"]);
        let (status, body) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/actions"),
            &po,
            Some(bad),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), vec!["thematiques", "capacity", "ends_on"]);

        // Funding: the programme view shows it with its FSE+ operation.
        let funding = json!({"kind": "procurement", "funder": "Département du Calvados", "year": "2026", "amount": "24 000",
                             "contract_number": "2026-DI-004", "lot": "2", "fse_plus": true, "fse_operation": "202601234"});
        let (status, line) = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/actions/{id}/fundings")),
            &po,
            Some(funding),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{line}");
        let programme = app.get_json(&po, "/api/v1/programme?year=2026").await;
        assert!(programme["families"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["family"] == "aps" && f["fse_cents"].as_i64() >= Some(2_400_000)));
        let programme = &programme["lines"];
        let ours: Vec<&Value> = programme
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["action_id"] == action["id"])
            .collect();
        assert_eq!(ours.len(), 1);
        assert_eq!(
            (
                ours[0]["amount_cents"].as_i64(),
                ours[0]["fse_operation"].as_str()
            ),
            (Some(2_400_000), Some("202601234"))
        );
        let (status, body) = send(&api, reqwest::Method::POST, app.url(&format!("/api/v1/actions/{id}/fundings")), &po,
            Some(json!({"kind": "procurement", "funder": "Département", "year": "2026", "amount": "-1", "fse_plus": true}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&body),
            vec!["amount", "contract_number", "fse_operation"]
        );

        // A stale write is refused, nothing lost.
        let mut change = action_body(&structure_id, "Atelier jardin (renommé)");
        change["capacity"] = json!("12");
        let (status, _) = send(
            &api,
            reqwest::Method::PUT,
            app.url(&format!("/api/v1/actions/{id}")),
            &po,
            Some(json!({"version": 1, "action": change})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let current = app.get_json(&po, &format!("/api/v1/actions/{id}")).await;
        assert_eq!(current["name"], "Atelier jardin des Lilas");
        let (status, renamed) = send(
            &api,
            reqwest::Method::PUT,
            app.url(&format!("/api/v1/actions/{id}")),
            &po,
            Some(json!({"version": current["version"], "action": change})),
        )
        .await;
        assert_eq!(
            (status, renamed["capacity"].as_i64()),
            (StatusCode::OK, Some(12))
        );

        // The public catalogue finds it; the API's search too.
        let found = app
            .get_json(&po, "/api/v1/catalogue?q=RENOMME&thematique=remobilisation")
            .await;
        assert_eq!(found["total"], 1);
        let none = app
            .get_json(&po, "/api/v1/catalogue?q=renomme&format=individual")
            .await;
        assert_eq!(none["total"], 0);
        let sessions = app
            .get_json(&po, &format!("/api/v1/actions/{id}/sessions"))
            .await;
        assert!(sessions
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["starts_at"] == "14:00"));
        assert!(
            sessions.as_array().unwrap().len() >= 50,
            "a year of Tuesdays"
        );
    }
}

async fn operator_of(app: &App, structure_id: &str) -> Client {
    let input = NewUserInput {
        email: OPERATOR_EMAIL.into(),
        display_name: "Léa Martin".into(),
        role: "operator".into(),
        organisation_id: structure_id.into(),
        territory_id: String::new(),
        password: PASSWORD.into(),
    };
    let user = NewUser::parse(&input).unwrap();
    let hash = parcours_store::password::hash_password(PASSWORD).unwrap();
    app.store
        .create_account(&parcours_store::Actor::system("tests"), &user, &hash, false)
        .await
        .unwrap();
    let client = browser();
    assert_eq!(
        app.login_attempt(&client, OPERATOR_EMAIL, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    client
}

#[tokio::test]
async fn operators_change_only_their_actions_practical_details() {
    for app in apps().await {
        let api = Client::new();
        let po = app.token(PROGRAMME).await;
        let (structure_id, action) = published_action(&app, &api, &po).await;
        let id = action["id"].as_str().unwrap().to_owned();
        let client = operator_of(&app, &structure_id).await;
        let own = app.token(OPERATOR_EMAIL).await;
        let practical = json!({"schedule": {"frequency": "monthly", "weekdays": ["Th"], "week_of_month": "2", "starts_at": "09:30", "ends_at": "16:30"},
                               "contact": {"name": "Léa Martin", "email": "lea@jardin-partage.fr"}, "how_to_apply": "Appelez Léa."});
        let url = app.url(&format!("/api/v1/actions/{id}/practical"));
        let (status, changed) = send(
            &api,
            reqwest::Method::PUT,
            url.clone(),
            &own,
            Some(json!({"version": action["version"], "practical": practical})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["contact_email"], "lea@jardin-partage.fr");
        let (status, body) = send(&api, reqwest::Method::PUT, url.clone(), &own,
            Some(json!({"version": changed["version"], "practical": {"schedule": {"frequency": "monthly", "weekdays": ["Th"], "starts_at": "18:00", "ends_at": "09:00"}}}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&body),
            vec!["schedule_week_of_month", "schedule_ends_at"]
        );
        // Never the rest of the action, never funding.
        let (status, _) = send(&api, reqwest::Method::PUT, app.url(&format!("/api/v1/actions/{id}")), &own,
            Some(json!({"version": changed["version"], "action": action_body(&structure_id, "Pirate")}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let funding =
            json!({"kind": "subsidy", "funder": "Moi", "year": "2026", "amount": "1000000"});
        let (status, _) = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/actions/{id}/fundings")),
            &own,
            Some(funding),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/actions/{id}/status")),
            &own,
            Some(json!({"version": changed["version"], "status": "archived"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Sessions of their own action: add one, cancel one.
        let (status, session) = send(&api, reqwest::Method::POST, app.url(&format!("/api/v1/actions/{id}/sessions")), &own,
            Some(json!({"on": "2027-01-16", "starts_at": "09:00", "ends_at": "17:00", "note": "Sortie au musée"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{session}");
        let (status, cancelled) = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!(
                "/api/v1/sessions/{}/cancel",
                session["id"].as_str().unwrap()
            )),
            &own,
            Some(json!({"cancelled": true})),
        )
        .await;
        assert_eq!(
            (status, cancelled["cancelled"].as_bool()),
            (StatusCode::OK, Some(true))
        );
        let (status, body) = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/actions/{id}/sessions")),
            &own,
            Some(json!({"on": "demain"})),
        )
        .await;
        assert_eq!(
            (status, fields(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["on".to_owned()])
        );
        // A past session: out of the page's default window, in its month's.
        let long_ago = parcours_domain::clock::today() - time::Duration::days(45);
        let (status, past) = send(&api, reqwest::Method::POST, app.url(&format!("/api/v1/actions/{id}/sessions")), &own,
            Some(json!({"on": long_ago.to_string(), "starts_at": "14:00", "ends_at": "16:00", "note": "Séance rattrapée"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{past}");
        let page = |query: String| {
            let client = client.clone();
            let url = app.url(&format!("/actions/{id}{query}"));
            async move { client.get(url).send().await.unwrap() }
        };
        let default = page(String::new()).await.text().await.unwrap();
        assert!(!default.contains("Séance rattrapée"));
        let month = parcours_domain::clock::month_code(long_ago);
        let that_month = page(format!("?mois={month}")).await.text().await.unwrap();
        assert!(that_month.contains("Séance rattrapée"), "{that_month}");
        assert!(that_month.contains(&format!("value=\"{month}\"")));
        let wrong = page("?mois=mars".to_owned()).await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong
            .text()
            .await
            .unwrap()
            .contains("Le mois s&#39;écrit AAAA-MM"));
        // Another structure's opérateur and a référent may not.
        for email in [OPERATOR, REFERENT] {
            let token = app.token(email).await;
            let (status, _) = send(
                &api,
                reqwest::Method::PUT,
                url.clone(),
                &token,
                Some(json!({"version": changed["version"], "practical": practical})),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let (status, _) = send(
                &api,
                reqwest::Method::POST,
                app.url(&format!("/api/v1/actions/{id}/sessions")),
                &token,
                Some(json!({"on": "2027-01-20"})),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        }
        // The same rule on the pages: the form of their action, not of another.
        let page = client
            .get(app.url(&format!("/actions/{id}/pratique")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let other = app.signed_in(OPERATOR).await;
        let page = other
            .get(app.url(&format!("/actions/{id}/pratique")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
        let token = app.csrf(&client, &format!("/actions/{id}/pratique")).await;
        let current = app.get_json(&po, &format!("/api/v1/actions/{id}")).await;
        let response = client
            .post(app.url(&format!("/actions/{id}/pratique")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("version", &current["version"].to_string()),
                ("schedule_frequency", "weekly"),
                ("schedule_weekdays", "Mo"),
                ("schedule_weekdays", "Th"),
                ("schedule_starts_at", "9h30"),
                ("schedule_ends_at", "12:00"),
                ("contact_email", "pas-une-adresse"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the form again, with its errors"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains("L&#39;adresse électronique n&#39;est pas valide")
                || html.contains("L'adresse électronique n'est pas valide"),
            "{html}"
        );
        assert!(html.contains("value=\"9h30\""), "what was typed is kept");
        // Drafts stay between the chargé de mission and the structure.
        let draft = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/actions"),
            &po,
            Some(action_body(&structure_id, "Atelier en préparation")),
        )
        .await
        .1;
        let draft_id = draft["id"].as_str().unwrap();
        for (email, expected) in [
            (OPERATOR_EMAIL, StatusCode::OK),
            (REFERENT, StatusCode::FORBIDDEN),
            (OPERATOR, StatusCode::FORBIDDEN),
        ] {
            let token = app.token(email).await;
            let (status, _) = send(
                &api,
                reqwest::Method::GET,
                app.url(&format!("/api/v1/actions/{draft_id}")),
                &token,
                None,
            )
            .await;
            assert_eq!(status, expected, "{email} reads a draft");
        }
        let referent = app.token(REFERENT).await;
        let (status, _) = send(
            &api,
            reqwest::Method::GET,
            app.url(&format!("/api/v1/actions/{id}")),
            &referent,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "everyone reads a published action");
        let list = app
            .get_json(&app.token(OPERATOR_EMAIL).await, "/api/v1/actions")
            .await;
        assert_eq!(
            list["total"], 2,
            "the opérateur's list: their structure's actions, drafts included"
        );
    }
}

#[tokio::test]
async fn the_public_reads_published_actions_without_signing_in() {
    for app in apps().await {
        let api = Client::new();
        let po = app.token(PROGRAMME).await;
        let (structure_id, action) = published_action(&app, &api, &po).await;
        let id = action["id"].as_str().unwrap();
        let draft = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/actions"),
            &po,
            Some(action_body(&structure_id, "Atelier caché")),
        )
        .await
        .1;
        let anonymous = browser();
        let page = anonymous
            .get(app.url("/catalogue?q=lilas"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Atelier jardin des Lilas") && html.contains("1 action"),
            "{html}"
        );
        let html = anonymous
            .get(app.url("/catalogue?q=cach"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Aucune action ne correspond"),
            "drafts are not public"
        );
        let page = anonymous
            .get(app.url(&format!("/catalogue/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        for expected in [
            "Chaque mardi, de 14 h à 17 h",
            "Avoir au moins 18 ans.",
            "Être bénéficiaire du RSA.",
            "Parlez-en à votre référent",
            "02 31 00 00 00",
            "10 places libres sur 10",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        let hidden = anonymous
            .get(app.url(&format!("/catalogue/{}", draft["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        let archived = send(
            &api,
            reqwest::Method::POST,
            app.url(&format!("/api/v1/actions/{id}/status")),
            &po,
            Some(json!({"version": action["version"], "status": "archived"})),
        )
        .await;
        assert_eq!(archived.0, StatusCode::OK);
        assert_eq!(
            anonymous
                .get(app.url(&format!("/catalogue/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            anonymous
                .get(app.url("/catalogue/pas-un-identifiant"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            anonymous
                .get(app.url("/actions"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::SEE_OTHER,
            "the back office needs a login"
        );
    }
}

#[tokio::test]
async fn the_action_form_keeps_what_was_typed_and_names_each_error() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/actions/nouvelle").await;
        let response = client
            .post(app.url("/actions"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("name", "Atelier numérique"),
                ("capacity", "-2"),
                (
                    "thematiques",
                    "numerique--maitriser-les-fondamentaux-du-numerique",
                ),
                ("starts_on", "2026-09-01"),
                ("ends_on", "2026-08-01"),
                ("format", "collective"),
                ("service_type", "atelier"),
                ("reception", "en-presentiel"),
                ("schedule_frequency", "weekly"),
                ("schedule_weekdays", "We"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        for message in [
            "Le champ « Structure » est obligatoire.",
            "La capacité est un nombre de places supérieur à 0",
            "La fin de l&#39;action ne peut pas précéder son début.",
            "Choisissez la famille de l&#39;action.",
        ] {
            assert!(
                html.contains(message) || html.contains(&message.replace("&#39;", "'")),
                "{message}"
            );
        }
        assert!(html.contains("value=\"Atelier numérique\""));
        assert!(
            html.contains("value=\"numerique--maitriser-les-fondamentaux-du-numerique\" checked")
        );
        let po = app.token(PROGRAMME).await;
        let (status, structure) = send(
            &Client::new(),
            reqwest::Method::POST,
            app.url("/api/v1/structures"),
            &po,
            Some(structure_body("Le Jardin partagé", "73282932000074")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let structure_id = structure["id"].as_str().unwrap();
        let response = client
            .post(app.url("/actions"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("structure_id", structure_id),
                ("name", "Atelier numérique"),
                (
                    "description",
                    "Apprendre à se servir d'un ordinateur et de son téléphone pour ses démarches.",
                ),
                ("family", "savoirs-de-base"),
                ("capacity", "8"),
                (
                    "thematiques",
                    "numerique--maitriser-les-fondamentaux-du-numerique",
                ),
                ("starts_on", "2026-09-01"),
                ("format", "collective"),
                ("service_type", "atelier"),
                ("reception", "en-presentiel"),
                ("commune_code", "14118"),
                ("commune_name", "Caen"),
                ("schedule_frequency", "weekly"),
                ("schedule_weekdays", "We"),
                ("schedule_starts_at", "09:00"),
                ("schedule_ends_at", "12:00"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let html = client
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Atelier numérique")
                && html.contains("Brouillon")
                && html.contains("Chaque mercredi, de 9 h à 12 h")
        );
        // A form that does not fit its fields (a version that is not a
        // number) is the French page, never a server error.
        let response = client
            .post(app.url(&format!("{location}/statut")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("status", "published"),
                ("version", "trois"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Le formulaire envoyé n&#39;est pas valide")
                || html.contains("Le formulaire envoyé n'est pas valide"),
            "{html}"
        );
        let families = client
            .get(app.url("/familles"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(families.contains("Actions de promotion sociale (APS)"));
        let programme = client
            .get(app.url("/programme?annee=toutes&famille=savoirs-de-base"))
            .send()
            .await
            .unwrap();
        assert_eq!(programme.status(), StatusCode::OK);
        let programme = programme.text().await.unwrap();
        assert!(programme.contains("Atelier numérique"));
        // The funding by family as bars, over the table that holds the figures.
        assert!(programme
            .contains(r#"<svg class="chart" role="img" aria-labelledby="graphe-financement""#));
        assert!(
            programme.contains("Financement par famille d&#39;actions")
                || programme.contains("Financement par famille d'actions")
        );
        assert!(programme.find("<svg").unwrap() < programme.find("<table").unwrap());
    }
}

#[tokio::test]
async fn the_api_serves_the_data_inclusion_export_of_the_public_catalogue() {
    for app in apps().await {
        let token = app.token(REFERENT).await;
        let services = app
            .get_json(&token, "/api/v1/data-inclusion/services")
            .await;
        let services = services.as_array().unwrap();
        let public = app.get_json(&token, "/api/v1/catalogue").await;
        assert_eq!(
            services.len() as i64,
            public["total"].as_i64().unwrap(),
            "every public action, nothing else"
        );
        assert!(services
            .iter()
            .all(|s| s["id"].as_str().unwrap().starts_with("cd14--") && s["source"] == "cd14"));
        let structures = app
            .get_json(&token, "/api/v1/data-inclusion/structures")
            .await;
        let ids: Vec<&str> = structures
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert!(
            services
                .iter()
                .all(|s| ids.contains(&s["structure_id"].as_str().unwrap())),
            "each service's structure is exported"
        );
    }
}

#[tokio::test]
async fn the_programme_officer_imports_data_inclusion_over_the_api() {
    for app in apps().await {
        let api = Client::new();
        let po = app.token(PROGRAMME).await;
        let structures = json!([
            {"source": "dora", "id": "dora--s1", "nom": "Association Passerelle", "date_maj": "2026-01-15",
             "siret": "73282932000074", "code_insee": "14118", "commune": "Caen", "code_postal": "14000"},
            {"source": "dora", "id": "dora--s2", "nom": "Sans SIRET", "date_maj": "2026-01-15"}
        ]);
        let services = json!([
            {"source": "dora", "id": "dora--a1", "structure_id": "dora--s1", "nom": "Atelier CV",
             "description": "Préparer son CV et sa lettre de motivation, en petit groupe.", "date_maj": "2026-01-15",
             "type": "atelier", "thematiques": ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"]},
            {"source": "dora", "id": "dora--a2", "structure_id": "dora--inconnue", "nom": "Orpheline",
             "description": "Un service dont la structure n'existe pas.", "date_maj": "2026-01-15"}
        ]);
        let body = json!({"structures": structures, "services": services});
        let (status, report) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/data-inclusion/import"),
            &po,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(
            (
                report["structures_created"].as_u64(),
                report["services_created"].as_u64()
            ),
            (Some(1), Some(1)),
            "{report}"
        );
        let rejected = report["rejected"].as_array().unwrap();
        assert!(
            rejected
                .iter()
                .any(|r| r["file"] == "structures.json" && r["row"] == 2 && r["field"] == "siret"),
            "{report}"
        );
        assert!(
            rejected.iter().any(|r| r["file"] == "services.json"
                && r["row"] == 2
                && r["field"] == "structure_id"),
            "{report}"
        );
        let (_, again) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/data-inclusion/import"),
            &po,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (
                again["structures_created"].as_u64(),
                again["services_updated"].as_u64()
            ),
            (Some(0), Some(1)),
            "idempotent: {again}"
        );
        let (status, refused) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/data-inclusion/import"),
            &po,
            Some(json!({"structures": {"pas": "un tableau"}, "services": []})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let referent = app.token(REFERENT).await;
        let (status, _) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/data-inclusion/import"),
            &referent,
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_structure_page_shows_drafts_only_to_the_programme_officer_and_the_structure() {
    for app in apps().await {
        let api = Client::new();
        let po = app.token(PROGRAMME).await;
        let (_, structure) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/structures"),
            &po,
            Some(structure_body("Le Jardin partagé", "73282932000074")),
        )
        .await;
        let id = structure["id"].as_str().unwrap().to_owned();
        let (status, _) = send(
            &api,
            reqwest::Method::POST,
            app.url("/api/v1/actions"),
            &po,
            Some(action_body(&id, "Atelier en préparation")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        for (email, sees) in [(PROGRAMME, true), (OPERATOR, false), (REFERENT, false)] {
            let client = app.signed_in(email).await;
            let html = client
                .get(app.url(&format!("/structures/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(html.contains("Atelier en préparation"), sees, "{email}");
        }
    }
}
