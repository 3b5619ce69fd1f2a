//! FSE+ reporting per operation, end to end on every backend: the chargé
//! de mission keeps the operations and reads every indicator, each figure
//! opens as many participants as it counts, an opérateur sees only the
//! operations their structure runs, the référent nothing; bad input gets
//! a French message on its field; the downloads and the sign-in sheet
//! open right.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OPERATION: &str = "202501234";
const OTHER_OPERATOR: &str = "atelier@demo.parcours.fr";

fn field(body: &Value) -> Vec<&str> {
    body["error"]["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_figure_opens_its_participants_and_operations_are_kept() {
    for app in apps().await {
        let mission = app.token(PROGRAMME).await;
        let operations = app.get_json(&mission, "/api/v1/fse/operations").await;
        let numbers: Vec<&str> = operations
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["number"].as_str())
            .collect();
        assert!(numbers.contains(&OPERATION), "{numbers:?}");

        let report = app
            .get_json(&mission, &format!("/api/v1/fse/operations/{OPERATION}"))
            .await;
        assert_eq!(report["from"], "2025-01-01");
        assert_eq!(report["to"], "2026-12-31");
        let columns: Vec<&str> = report["indicators"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert_eq!(columns, ["total", "F", "M", "X"]);
        let rows = report["indicators"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 21 + 3, "21 indicators, 3 declined rows");
        let mut checked = 0;
        for row in rows {
            let code = row["heading"]["code"].as_str().unwrap();
            let figures: Vec<i64> = row["figures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["count"].as_i64().unwrap())
                .collect();
            assert_eq!(figures[0], figures[1..].iter().sum::<i64>(), "{code}");
            if ["EECO01", "EECO02", "EECR04"].contains(&code) {
                let people = app
                    .get_json(
                        &mission,
                        &format!(
                            "/api/v1/fse/operations/{OPERATION}/participants?row={code}&column=total"
                        ),
                    )
                    .await;
                assert_eq!(
                    people.as_array().unwrap().len() as i64,
                    figures[0],
                    "{code}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 3);

        // A new operation; its number is unique, its fields checked.
        let new = json!({"number": "202699001", "title": "Remobilisation rurale",
            "starts_on": "2026-01-01", "ends_on": "2027-12-31", "beneficiary": ""});
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/fse/operations",
                &mission,
                Some(new.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (status, body) = app
            .call(Method::POST, "/api/v1/fse/operations", &mission, Some(new))
            .await;
        assert_eq!(
            (status, field(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["number"])
        );
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/fse/operations",
                &mission,
                Some(json!({"number": "2026 99", "title": "", "starts_on": "2027-01-01", "ends_on": "2026-01-01"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field(&body), ["number", "title", "ends_on"], "{body}");
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/fse/operations/202699001",
                &mission,
                Some(json!({"number": "202699001", "title": "Remobilisation en milieu rural",
                    "starts_on": "2026-01-01", "ends_on": "2027-12-31", "version": created["version"]})),
            )
            .await;
        assert_eq!(
            (status, body["title"].as_str()),
            (StatusCode::OK, Some("Remobilisation en milieu rural"))
        );
        let (status, _) = app
            .call(
                Method::PUT,
                "/api/v1/fse/operations/202699001",
                &mission,
                Some(
                    json!({"number": "202699001", "title": "Encore", "starts_on": "2026-01-01",
                    "ends_on": "2027-12-31", "version": created["version"]}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "the version read is stale");
        // A period with no participant: every figure 0, no error.
        let empty = app
            .get_json(
                &mission,
                "/api/v1/fse/operations/202699001?from=2026-01-01&to=2026-01-31",
            )
            .await;
        assert_eq!(empty["indicators"]["rows"][0]["figures"][0]["count"], 0);

        // Bad input: an unknown number, a period backwards, an unknown figure.
        for (path, expected) in [
            ("/api/v1/fse/operations/999", "operation"),
            (
                &*format!("/api/v1/fse/operations/{OPERATION}?from=2026-12-31&to=2026-01-01"),
                "to",
            ),
            (
                &*format!("/api/v1/fse/operations/{OPERATION}?from=hier"),
                "from",
            ),
            (
                &*format!(
                    "/api/v1/fse/operations/{OPERATION}/participants?row=EECO99&column=total"
                ),
                "indicateur",
            ),
            // Special categories are counts only: no list tells one answer.
            (
                &*format!("/api/v1/fse/operations/{OPERATION}/participants?row=EECO12&column=F"),
                "indicateur",
            ),
            (
                &*format!(
                    "/api/v1/fse/operations/{OPERATION}/participants?row=EECO14-declined&column=total"
                ),
                "indicateur",
            ),
        ] {
            let (status, body) = app.call(Method::GET, path, &mission, None).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert_eq!(field(&body), [expected], "{path}");
            assert!(body["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c == 'é' || c == 'è' || c == ' '));
        }
    }
}

#[tokio::test]
async fn an_operator_reports_on_their_structures_operations_only() {
    for app in apps().await {
        let operator = app.token(OPERATOR).await;
        let own = app.get_json(&operator, "/api/v1/fse/operations").await;
        assert!(
            own.as_array()
                .unwrap()
                .iter()
                .any(|o| o["number"] == OPERATION),
            "{own}"
        );
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/fse/operations/{OPERATION}/quality"),
                &operator,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let other = app.token(OTHER_OPERATOR).await;
        let theirs = app.get_json(&other, "/api/v1/fse/operations").await;
        assert!(
            !theirs
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["number"] == OPERATION),
            "{theirs}"
        );
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/fse/operations/{OPERATION}"),
                &other,
                None,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "another structure's operation"
        );
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/fse/operations",
                &operator,
                Some(json!({"number": "1", "title": "x", "starts_on": "2026-01-01", "ends_on": "2026-12-31"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "only the chargé de mission keeps operations"
        );
        for who in [REFERENT, MANAGER, DPO] {
            let token = app.token(who).await;
            let (status, _) = app
                .call(Method::GET, "/api/v1/fse/operations", &token, None)
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        }
    }
}

#[tokio::test]
async fn the_pages_downloads_and_sign_in_sheet_open_right() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let page = client.get(app.url("/programme/fse")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!("/programme/fse/{OPERATION}")));
        assert!(page.contains("Nouvelle opération"));
        let report = client
            .get(app.url(&format!("/programme/fse/{OPERATION}")))
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        let report = report.text().await.unwrap();
        assert!(report.contains("EECO01 — Nombre total de participants"));
        assert!(report.contains("Cofinancé par l'Union européenne"));
        // (The demo's operation has no participant yet: the refusal of a
        // special category's list is tested on the API above.)
        assert!(
            !report.contains("ligne=EECO12") && !report.contains("ligne=EECO14"),
            "special categories are counts only"
        );

        let csv = client
            .get(app.url(&format!(
                "/programme/fse/{OPERATION}/export?format=csv&fichier=indicateurs"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("Indicateur;Total;Femmes;Hommes;Non binaires"),
            "{text}"
        );
        let participants = client
            .get(app.url(&format!(
                "/programme/fse/{OPERATION}/export?format=csv&fichier=participants"
            )))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(participants.contains("Heures de présence"));
        assert!(
            !participants.contains("handicap"),
            "no special-category answer per person"
        );
        let xlsx = client
            .get(app.url(&format!("/programme/fse/{OPERATION}/export")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(xlsx.starts_with(b"PK"), "an XLSX workbook");

        // The sign-in sheet of a session of the co-financed workshop.
        let operator = app.token(OPERATOR).await;
        let actions = app
            .get_json(&operator, "/api/v1/catalogue?q=bons+vivants")
            .await;
        let action = actions["actions"][0]["id"].as_str().unwrap().to_owned();
        let sessions = app
            .get_json(
                &operator,
                &format!("/api/v1/actions/{action}/sessions?from=2025-01-01"),
            )
            .await;
        let session = sessions[0]["id"].as_str().expect("a session").to_owned();
        let response = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/sessions/{session}/sign-in-sheet")))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = pdftotext(&response.bytes().await.unwrap());
        assert!(text.contains("Feuille d'émargement"), "{text}");
        assert!(text.contains("Cofinancé par l'Union européenne"), "{text}");
        assert!(text.contains("Signature"), "{text}");
        let other = app.token(OTHER_OPERATOR).await;
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/sessions/{session}/sign-in-sheet"),
                &other,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "another structure's session");
    }
}
