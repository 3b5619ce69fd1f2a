//! The right of access export (issue 18) over HTTP, on every backend: the
//! JSON has every section, the PDF is a PDF that names the person, and the
//! export is audited under its own action.

mod common;

use common::*;
use parcours_domain::audit::AuditAction;
use parcours_store::AuditFilter;
use reqwest::StatusCode;
use serde_json::Value;

/// Fabrice Marie, in Sophie's caseload: a diagnostic, a contract, a positioning.
async fn fabrice(app: &App) -> String {
    let referent = app.token(REFERENT).await;
    let caseload = app.get_json(&referent, "/api/v1/caseload").await;
    caseload
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_names"] == "Fabrice")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_export_holds_every_section_as_json() {
    for app in apps().await {
        let id = fabrice(&app).await;
        for email in [REFERENT, DPO] {
            let token = app.token(email).await;
            let export: Value = app
                .get_json(&token, &format!("/api/v1/persons/{id}/export"))
                .await;
            for section in [
                "person",
                "commune_name",
                "household",
                "household_members",
                "revisions",
                "orientations",
                "referents",
                "pathway_reviews",
                "clocks",
                "diagnostics",
                "contracts",
                "positionings",
                "import_changes",
                "audit_events",
            ] {
                assert!(export.get(section).is_some(), "{email}: {section} missing");
            }
            assert_eq!(export["person"]["first_names"], "Fabrice");
            assert_eq!(export["person"]["last_name"], "Marie");
            for filled in [
                "revisions",
                "orientations",
                "referents",
                "diagnostics",
                "contracts",
            ] {
                assert!(
                    !export[filled].as_array().unwrap().is_empty(),
                    "{email}: {filled} empty"
                );
            }
            assert!(export["contracts"][0]["objectives"].is_array());
            // The caseload read just now is in the trail the person sees.
            assert!(!export["audit_events"].as_array().unwrap().is_empty());
        }
        let exports = app
            .store
            .audit_events(&AuditFilter {
                action: Some(AuditAction::SubjectAccessExport),
                entity_id: Some(id.clone()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(exports.len(), 2, "each export audited: {exports:?}");
        assert!(exports.iter().any(|e| e.actor_label == DPO));
        assert!(exports.iter().all(|e| e.entity_type == "person"));
        // The OpenAPI document describes the route.
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/v1/persons/{id}/export"]["get"].is_object());
    }
}

#[tokio::test]
async fn the_export_prints_as_a_pdf_naming_the_person() {
    for app in apps().await {
        let id = fabrice(&app).await;
        let referent = app.signed_in(REFERENT).await;
        let page = referent
            .get(app.url(&format!("/personnes/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(&format!(
            "href=\"/personnes/{id}/export.pdf\">Exporter les données (droit d'accès)"
        )));
        for client in [referent, app.signed_in(DPO).await] {
            let response = client
                .get(app.url(&format!("/personnes/{id}/export.pdf")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["content-type"], "application/pdf");
            assert_eq!(response.headers()["cache-control"], "no-store");
            assert!(response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("donnees-marie-"));
            let bytes = response.bytes().await.unwrap();
            assert!(bytes.starts_with(b"%PDF-"));
            let text = pdftotext(&bytes);
            for expected in [
                "Fabrice MARIE",
                "Département du Calvados",
                "droit d'accès",
                "Contrats",
                "Journal des accès",
            ] {
                assert!(text.contains(expected), "{expected} in:\n{text}");
            }
        }
        // The chargé de mission opens the file but may not export it: no link.
        let programme = app.signed_in(PROGRAMME).await;
        let page = programme
            .get(app.url(&format!("/personnes/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("export.pdf"));
    }
}

#[tokio::test]
async fn an_unknown_person_is_not_found() {
    for app in apps().await {
        let token = app.token(DPO).await;
        let (status, _) = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/persons/{}/export", uuid::Uuid::now_v7()),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
