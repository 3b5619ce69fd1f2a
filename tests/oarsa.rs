//! Issue 20, the DREES return end to end on the demo: every figure of the
//! API equals the length of its list, table 1 agrees with the stock, what
//! the chargé de mission sets moves the figures, who may see and set it,
//! the downloads, and bad input in French.

mod common;

use common::{apps, App, MANAGER, OPERATOR, PROGRAMME, REFERENT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn this_year() -> i32 {
    parcours_domain::clock::today().year()
}

async fn report(app: &App, token: &str) -> Value {
    app.get_json(
        token,
        &format!("/api/v1/statistics/oarsa?year={}", this_year()),
    )
    .await
}

fn table(report: &Value, number: i64) -> &Value {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == number)
        .unwrap()
}

/// The count at a row and a column, by their codes.
fn count(report: &Value, number: i64, row: &str, column: &str) -> i64 {
    let t = table(report, number);
    let at = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["code"] == column)
        .unwrap();
    let row = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["heading"]["code"] == row)
        .unwrap();
    row["figures"][at]["count"].as_i64().unwrap()
}

async fn list_len(app: &App, token: &str, number: i64, row: &str, column: &str) -> i64 {
    // Codes hold ':' and '_', nothing a query must escape.
    let query = format!(
        "year={}&table={number}&row={row}&column={column}",
        this_year()
    );
    let list = app
        .get_json(token, &format!("/api/v1/statistics/oarsa/people?{query}"))
        .await;
    list.as_array().unwrap().len() as i64
}

#[tokio::test]
async fn every_oarsa_figure_counts_its_list_of_people() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let report = report(&app, &token).await;
        assert_eq!(report["tables"].as_array().unwrap().len(), 6);
        let total = count(&report, 1, "total", "total");
        assert!(
            total > 0,
            "the demo has people in droits et devoirs: {report}"
        );
        // Table 1 counts who the stock counts, at the same day.
        let stock = app
            .get_json(
                &token,
                &format!(
                    "/api/v1/statistics/stock?at={}",
                    report["on"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(stock["figures"]["in_duties"].as_i64().unwrap(), total);
        assert_eq!(
            total - count(&report, 1, "not_oriented", "total"),
            count(&report, 2, "total", "oriented"),
            "table 2 counts the oriented of table 1"
        );
        // Every figure of table 1's total row, and every counted figure of
        // tables 2 to 6, is the length of its list.
        for t in report["tables"].as_array().unwrap() {
            let number = t["number"].as_i64().unwrap();
            for row in t["rows"].as_array().unwrap() {
                let code = row["heading"]["code"].as_str().unwrap();
                if number == 1 && code != "total" {
                    continue;
                }
                for (column, figure) in t["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(row["figures"].as_array().unwrap())
                {
                    let Some(n) = figure["count"].as_i64() else {
                        continue;
                    };
                    assert_eq!(
                        list_len(&app, &token, number, code, column["code"].as_str().unwrap())
                            .await,
                        n,
                        "table {number} {code} × {}",
                        column["code"]
                    );
                }
            }
        }
        // The data-quality list has the people the return says.
        let quality = app
            .get_json(
                &token,
                &format!("/api/v1/statistics/oarsa/quality?year={}", this_year()),
            )
            .await;
        assert_eq!(
            quality.as_array().unwrap().len() as i64,
            report["incomplete"].as_i64().unwrap()
        );
        for line in quality.as_array().unwrap() {
            assert!(!line["missing"].as_array().unwrap().is_empty(), "{line}");
        }
        // A list is a read of the files it names: audited.
        let events = app
            .store
            .audit_events(&parcours_store::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(events.iter().any(|e| e
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("pilotage : OARSA"))));
    }
}

#[tokio::test]
async fn what_the_charge_de_mission_sets_moves_the_figures() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let before = report(&app, &token).await;
        let settings = app
            .get_json(&token, "/api/v1/statistics/oarsa/settings")
            .await;
        let organisations: Vec<Value> = settings["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| json!({"id": o["id"], "category": "msa"}))
            .collect();
        // Every objective category counted as "autre".
        let objectives: Vec<Value> = settings["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["title"] == "")
            .map(|o| json!({"objective_category": o["objective_category"], "action": "other"}))
            .collect();
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/statistics/oarsa/settings",
                &token,
                Some(json!({"organisations": organisations, "objectives": objectives})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["category"] == "msa" && o["set"] == true));
        let after = report(&app, &token).await;
        let oriented =
            count(&before, 1, "total", "total") - count(&before, 1, "not_oriented", "total");
        assert!(oriented > 0);
        assert_eq!(
            count(&after, 1, "msa", "total"),
            oriented,
            "every référent is now an MSA"
        );
        assert_eq!(count(&after, 1, "department_social_service", "total"), 0);
        let contracts = count(&after, 4, "total", "contracts");
        assert!(contracts > 0, "the demo has contracts in force: {after}");
        for action in ["housing", "job_search", "health", "mobility"] {
            assert_eq!(count(&after, 4, action, "contracts"), 0, "{action}");
        }
        assert!(count(&after, 4, "other", "contracts") > 0);
        // Back to the kinds and the defaults.
        let reset: Vec<Value> = organisations
            .iter()
            .map(|o| json!({"id": o["id"], "category": ""}))
            .collect();
        let empty: Vec<Value> = objectives
            .iter()
            .map(|o| json!({"objective_category": o["objective_category"], "action": ""}))
            .collect();
        let (status, _) = app
            .call(
                Method::PUT,
                "/api/v1/statistics/oarsa/settings",
                &token,
                Some(json!({"organisations": reset, "objectives": empty})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report(&app, &token).await["tables"], before["tables"]);

        // Bad settings: each named, nothing saved.
        let first = &organisations[0]["id"];
        for (body, field) in [
            (
                json!({"organisations": [{"id": first, "category": "pirate"}]}),
                "organisations[0]",
            ),
            (
                json!({"organisations": [{"id": uuid::Uuid::now_v7(), "category": ""}]}),
                "organisations[0]",
            ),
            (
                json!({"objectives": [{"objective_category": "astrologie", "action": "other"}]}),
                "correspondances[0]",
            ),
            (
                json!({"objectives": [{"objective_category": "famille", "action": "magie"}]}),
                "correspondances[0]",
            ),
            (json!({"organisations": [], "couleur": "bleu"}), "couleur"),
        ] {
            let (status, answer) = app
                .call(
                    Method::PUT,
                    "/api/v1/statistics/oarsa/settings",
                    &token,
                    Some(body.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
            assert!(answer.to_string().contains(field), "{body}: {answer}");
        }
        assert_eq!(report(&app, &token).await["tables"], before["tables"]);

        // The page's form does the same, and shows its errors.
        let client = app.signed_in(PROGRAMME).await;
        let csrf = app.csrf(&client, "/pilotage/oarsa/reglages").await;
        let org = first.as_str().unwrap();
        let response = client
            .post(app.url("/pilotage/oarsa/reglages"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("organisation_id", org),
                ("organisation_category", "pirate"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains("role=\"alert\""));
        assert!(page.contains("Choisissez une catégorie de la liste."));
        let response = client
            .post(app.url("/pilotage/oarsa/reglages"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("organisation_id", org),
                ("organisation_category", "caf"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let settings = app
            .get_json(&token, "/api/v1/statistics/oarsa/settings")
            .await;
        let saved = settings["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == *first)
            .unwrap();
        assert_eq!(saved["category"], "caf");
    }
}

#[tokio::test]
async fn the_return_is_for_the_charge_de_mission_and_the_cadre() {
    for app in apps().await {
        for (who, read, set) in [
            (PROGRAMME, StatusCode::OK, StatusCode::OK),
            (MANAGER, StatusCode::OK, StatusCode::FORBIDDEN),
            (REFERENT, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
            (OPERATOR, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ] {
            let token = app.token(who).await;
            let (status, _) = app
                .call(Method::GET, "/api/v1/statistics/oarsa", &token, None)
                .await;
            assert_eq!(status, read, "{who}");
            let (status, _) = app
                .call(
                    Method::GET,
                    "/api/v1/statistics/oarsa/settings",
                    &token,
                    None,
                )
                .await;
            assert_eq!(status, set, "{who} settings");
            let (status, _) = app
                .call(
                    Method::PUT,
                    "/api/v1/statistics/oarsa/settings",
                    &token,
                    Some(json!({})),
                )
                .await;
            assert_eq!(status, set, "{who} saves settings");
            let page = app
                .signed_in(who)
                .await
                .get(app.url("/pilotage/oarsa"))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), read, "{who} page");
        }
        // The cadre sees their scope: no more than the département.
        let programme = app.token(PROGRAMME).await;
        let manager = app.token(MANAGER).await;
        assert!(
            count(&report(&app, &manager).await, 1, "total", "total")
                <= count(&report(&app, &programme).await, 1, "total", "total")
        );
    }
}

#[tokio::test]
async fn the_page_and_its_downloads_show_the_six_tables() {
    for app in apps().await {
        let year = this_year();
        let page = app
            .page(PROGRAMME, &format!("/pilotage/oarsa?annee={year}"))
            .await;
        for n in 1..=6 {
            assert!(page.contains(&format!("Tableau {n} : ")), "table {n}");
        }
        assert!(page
            .contains("Personnes du foyer (demandeur ou conjoint) soumises aux droits et devoirs"));
        assert!(
            page.contains("/pilotage/oarsa/personnes?annee="),
            "figures link to people"
        );
        assert!(page.contains("/pilotage/oarsa/reglages"));
        assert!(page.contains("<svg class=\"chart\""), "table 1 as a chart");
        let steering = app.page(PROGRAMME, "/pilotage").await;
        assert!(steering.contains("href=\"/pilotage/oarsa\""));

        let client = app.signed_in(PROGRAMME).await;
        let csv = client
            .get(app.url(&format!(
                "/pilotage/oarsa/export.csv?annee={year}&tableau=5"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("oarsa-t5.csv"));
        let bytes = csv.bytes().await.unwrap();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert!(text.starts_with(";Personnes;Délai moyen (jours)"), "{text}");
        assert!(text.contains("Entrés dans l'année;"), "{text}");
        let xlsx = client
            .get(app.url(&format!("/pilotage/oarsa/export.xlsx?annee={year}")))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
        let missing = client
            .get(app.url(&format!(
                "/pilotage/oarsa/export.csv?annee={year}&tableau=7"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        let quality = app
            .page(PROGRAMME, &format!("/pilotage/oarsa/qualite?annee={year}"))
            .await;
        assert!(quality.contains("données incomplètes"));
        let settings = app.page(PROGRAMME, "/pilotage/oarsa/reglages").await;
        assert!(settings.contains("Catégorie DREES"));
        assert!(settings.contains("Logement et hébergement"));
    }
}

#[tokio::test]
async fn bad_years_and_cells_answer_in_french_naming_the_field() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        for (query, field) in [
            ("year=vingt", "year"),
            ("year=2999", "year"),
            ("year=1850", "year"),
        ] {
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/statistics/oarsa?{query}"),
                    &token,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(body.to_string().contains(field), "{query}: {body}");
        }
        for (query, field) in [
            ("table=9&row=total&column=total", "tableau"),
            ("table=1&row=astres&column=total", "cellule"),
            ("table=5&row=oriented&column=mean_days", "cellule"),
        ] {
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/statistics/oarsa/people?{query}"),
                    &token,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(body.to_string().contains(field), "{query}: {body}");
        }
        // A year without data: empty tables with their definitions, no
        // division by zero.
        let empty = app
            .get_json(&token, "/api/v1/statistics/oarsa?year=2001")
            .await;
        assert_eq!(count(&empty, 1, "total", "total"), 0);
        let t5 = table(&empty, 5);
        assert_eq!(t5["rows"][1]["figures"][1]["days"], Value::Null);
        assert!(!t5["definition"].as_str().unwrap().is_empty());
        // The page says what is wrong and keeps what was typed.
        let page = app.page(PROGRAMME, "/pilotage/oarsa?annee=vingt").await;
        assert!(page.contains("role=\"alert\""));
        assert!(page.contains("en quatre chiffres (AAAA)"));
        assert!(page.contains("value=\"vingt\""));
    }
}
