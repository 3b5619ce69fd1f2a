//! Imports over HTTP, on every backend: the chargé de mission uploads a
//! CAF file from the web page (multipart, CSRF token in the query) and
//! follows its progress to the report; the API imports synchronously,
//! refuses a truncated file whole (422 naming the line, nothing imported)
//! and changes nothing the second time; CSV mappings are checked field by
//! field, then used; no other role imports.

mod common;

use common::*;
use parcours_domain::caf::{RawDossier, RawPerson};
use parcours_domain::nir::Nir;
use parcours_domain::person::Fund;
use parcours_import::caf_xml::{CafXmlWriter, FileKind};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use time::macros::date;

/// Far from the demo's numbers.
const FIRST: usize = 700_000;

fn nir(sex: u8, i: usize) -> String {
    Nir::parse(&format!(
        "{sex}8005751{:02}{:03}",
        i / 999 % 100,
        i % 999 + 1
    ))
    .unwrap()
    .as_str()
    .to_owned()
}

/// Dossier `i`: a requester subject to droits et devoirs, and a child.
fn dossier(i: usize) -> RawDossier {
    RawDossier {
        line: 0,
        rsa_number: format!("14{i:09}"),
        caf_number: format!("{:07}", 1_000_000 + i),
        rsa_state: "2".into(),
        rsa_state_on: "2026-10-01".into(),
        address: format!("{} rue de la Paix", i % 100),
        commune_code: "14118".into(),
        persons: vec![
            RawPerson {
                role: "DEM".into(),
                last_name: "Durand".into(),
                first_names: format!("Éloïse{i}"),
                birth_date: "1980-05-12".into(),
                sex: "2".into(),
                nir: nir(2, i),
                subject_to_duties: "1".into(),
                ..RawPerson::default()
            },
            RawPerson {
                role: "ENF".into(),
                last_name: "Durand".into(),
                first_names: "Léo".into(),
                birth_date: "2015-01-01".into(),
                sex: "1".into(),
                subject_to_duties: "0".into(),
                ..RawPerson::default()
            },
        ],
        ..RawDossier::default()
    }
}

fn xml(dossiers: &[RawDossier]) -> Vec<u8> {
    let mut writer = CafXmlWriter::new(
        Vec::new(),
        FileKind::Beneficiaries,
        date!(2026 - 11 - 01),
        Fund::Caf,
    )
    .unwrap();
    for d in dossiers {
        writer.dossier(d).unwrap();
    }
    writer.finish().unwrap()
}

/// `count` dossiers from `from`, the second one with an impossible birth date.
fn file_with_a_rejected_dossier(from: usize, count: usize) -> Vec<u8> {
    let mut dossiers: Vec<_> = (from..from + count).map(dossier).collect();
    dossiers[1].persons[0].birth_date = "1980-02-31".into();
    xml(&dossiers)
}

fn upload(bytes: Vec<u8>, file_name: &str) -> Form {
    Form::new().part(
        "fichier",
        Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/xml")
            .unwrap(),
    )
}

async fn post_upload(app: &App, client: &Client, path: &str, form: Form) -> reqwest::Response {
    client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Follows the progress page until it sends to the import's page.
async fn follow_progress(app: &App, client: &Client, progress: &str) -> String {
    for _ in 0..300 {
        let response = client.get(app.url(progress)).send().await.unwrap();
        match response.status() {
            StatusCode::SEE_OTHER => return location(&response),
            StatusCode::OK => {
                let html = response.text().await.unwrap();
                assert!(html.contains("<progress"), "{html}");
                assert!(!html.contains("http-equiv"), "no timed refresh: {html}");
                assert!(html.contains("/static/import-progress.js"), "{html}");
                assert!(html.contains("aria-live=\"polite\""), "{html}");
                let state: serde_json::Value = client
                    .get(app.url(&format!("{progress}?format=json")))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(
                    state["summary"]
                        .as_str()
                        .unwrap()
                        .contains("pour l'instant"),
                    "{state}"
                );
                if state["ended"] == true {
                    assert!(
                        state["next"].as_str().unwrap().starts_with("/imports/"),
                        "{state}"
                    );
                }
            }
            other => panic!("progress page: {other}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import did not end");
}

async fn imports_count(app: &App) -> usize {
    app.store.imports(1000).await.unwrap().len()
}

#[tokio::test]
async fn the_chargé_de_mission_uploads_a_file_and_follows_its_progress() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/imports").await;
        let bytes = file_with_a_rejected_dossier(FIRST, 5);
        let response = post_upload(
            &app,
            &client,
            &format!("/imports/caf?csrf_token={token}"),
            upload(bytes, "flux-novembre.xml"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let progress = location(&response);
        assert!(progress.starts_with("/imports/suivi/"), "{progress}");

        let report = follow_progress(&app, &client, &progress).await;
        assert!(report.starts_with("/imports/"), "{report}");
        let html = client
            .get(app.url(&report))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("flux-novembre.xml"), "{html}");
        assert!(
            html.contains("<dt>Personnes créées</dt><dd>4</dd>"),
            "{html}"
        );
        assert!(html.contains("Dossiers rejetés"), "{html}");
        assert!(
            html.contains(&format!("14{:09}", FIRST + 1)),
            "the rejected dossier"
        );
        assert!(html.contains("Nouveaux entrants"), "{html}");
        let seen_once = client.get(app.url(&progress)).send().await.unwrap();
        assert_eq!(
            seen_once.status(),
            StatusCode::NOT_FOUND,
            "job forgotten once seen"
        );

        let list = client.get(app.url("/imports")).send().await.unwrap();
        assert!(list.text().await.unwrap().contains("flux-novembre.xml"));
        let person = app
            .store
            .person_by_nir(&nir(2, FIRST))
            .await
            .unwrap()
            .unwrap();
        let page = client
            .get(app.url(&format!("/personnes/{}", person.id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Données CAF"), "{page}");
        assert!(page.contains("Entrée dans les droits et devoirs le 01/11/2026"));
    }
}

#[tokio::test]
async fn a_refused_upload_says_why_and_a_missing_file_is_a_field_error() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/imports").await;
        let bytes = xml(&(FIRST + 100..FIRST + 103).map(dossier).collect::<Vec<_>>());
        let truncated = bytes[..bytes.len() * 2 / 3].to_vec();
        let response = post_upload(
            &app,
            &client,
            &format!("/imports/caf?csrf_token={token}"),
            upload(truncated, "tronqué.xml"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let progress = location(&response);
        let mut refused = String::new();
        for _ in 0..300 {
            let html = client
                .get(app.url(&progress))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if html.contains("Fichier refusé") {
                refused = html;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(refused.contains("ligne "), "{refused}");
        assert!(!refused.contains("http-equiv=\"refresh\""));
        assert!(app
            .store
            .person_by_nir(&nir(2, FIRST + 100))
            .await
            .unwrap()
            .is_none());

        let empty = Form::new().part("fichier", Part::bytes(Vec::new()).file_name(""));
        let response = post_upload(
            &app,
            &client,
            &format!("/imports/caf?csrf_token={token}"),
            empty,
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("href=\"#caf-fichier\""), "{html}");
        assert!(html.contains("Choisissez le fichier"), "{html}");
    }
}

#[tokio::test]
async fn multipart_forms_carry_the_csrf_token_in_their_query() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/imports").await;
        let before = imports_count(&app).await;
        let bytes = xml(&[dossier(FIRST + 200)]);
        for path in [
            "/imports/caf".to_owned(),
            format!("/imports/caf?csrf_token={}", "0".repeat(64)),
            format!("/imports/caf?csrf_token={}", &token[..63]),
            "/imports/caf?csrf_token=".to_owned(),
        ] {
            let response = post_upload(&app, &client, &path, upload(bytes.clone(), "f.xml")).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        }
        // The token as a form field is not read from a multipart body.
        let in_body = upload(bytes.clone(), "f.xml").text("csrf_token", token.clone());
        let response = post_upload(&app, &client, "/imports/caf", in_body).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        // Other bodies still carry it in the body, not in the query.
        let response = client
            .post(app.url(&format!("/imports/caf?csrf_token={token}")))
            .json(&json!({"csrf_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "JSON body");
        let response = client
            .post(app.url(&format!("/imports/correspondances?csrf_token={token}")))
            .form(&[("name", "Sans jeton")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "urlencoded body");
        // Another session's token is no good either.
        let other = app.signed_in(PROGRAMME).await;
        let response = post_upload(
            &app,
            &other,
            &format!("/imports/caf?csrf_token={token}"),
            upload(bytes, "f.xml"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "other session");
        assert_eq!(imports_count(&app).await, before, "nothing imported");
    }
}

async fn api_import(app: &App, token: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_imports_once_and_refuses_a_truncated_file_whole() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let bytes = file_with_a_rejected_dossier(FIRST + 300, 6);
        let (status, record) = api_import(
            &app,
            &token,
            "/api/v1/imports/caf?file_name=flux.xml",
            bytes.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        assert_eq!(record["status"], "done");
        assert_eq!(record["file_name"], "flux.xml");
        assert_eq!(record["counts"]["records"], 6);
        assert_eq!(record["counts"]["persons_created"], 5);
        assert_eq!(record["counts"]["new_entrants"], 5);
        assert_eq!(record["counts"]["rejected"], 1);
        assert!(record["report"]["rejected"][0]["line"].as_u64().unwrap() > 1);
        let id = record["id"].as_str().unwrap().to_owned();
        // The received file was kept in the upload directory, then removed.
        let left: Vec<_> = std::fs::read_dir(&app.upload_dir).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");

        let (status, again) = api_import(&app, &token, "/api/v1/imports/caf", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        let counts = &again["counts"];
        for count in [
            "households_created",
            "households_updated",
            "persons_created",
            "persons_updated",
        ] {
            assert_eq!(counts[count], 0, "{count}: {again}");
        }

        let persons = app.store.count_persons().await.unwrap();
        let whole = xml(&(FIRST + 400..FIRST + 410).map(dossier).collect::<Vec<_>>());
        let truncated = whole[..whole.len() / 2].to_vec();
        let (status, refused) = api_import(
            &app,
            &token,
            "/api/v1/imports/caf?file_name=t.xml",
            truncated,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], "file_refused");
        assert!(refused["error"]["line"].as_u64().is_some(), "{refused}");
        assert!(refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ligne"));
        assert_eq!(app.store.count_persons().await.unwrap(), persons);
        let failed = app
            .get_json(
                &token,
                &format!(
                    "/api/v1/imports/{}",
                    refused["error"]["import_id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(failed["status"], "failed");

        let list = app.get_json(&token, "/api/v1/imports").await;
        assert!(list.as_array().unwrap().len() >= 3);
        let entrants = app
            .get_json(
                &token,
                &format!("/api/v1/imports/{id}/changes?kind=new_entrant"),
            )
            .await;
        assert_eq!(entrants.as_array().unwrap().len(), 5, "{entrants}");
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/imports/{id}/changes?kind=autre"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["fields"][0]["field"], "kind");
    }
}

#[tokio::test]
async fn csv_mappings_are_checked_then_used_by_csv_imports() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let mut columns = json!({
            "rsa_number": "N° dossier", "last_name": "Nom", "first_names": "Prénom",
            "sex": "Sexe", "nir": "NIR", "role": "Rôle"
        });
        let path = "/api/v1/csv-mappings/Export%20SOLIS";
        let (status, body) = app
            .call(
                Method::PUT,
                path,
                &token,
                Some(json!({"delimiter": ";", "columns": columns})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "birth_date", "{body}");

        columns["birth_date"] = json!("Né le");
        let (status, saved) = app
            .call(
                Method::PUT,
                path,
                &token,
                Some(json!({"delimiter": ";", "columns": columns})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["name"], "Export SOLIS");
        let all = app.get_json(&token, "/api/v1/csv-mappings").await;
        assert!(all
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Export SOLIS"));

        let csv = format!(
            "N° dossier;Nom;Prénom;Né le;Sexe;NIR;Rôle\n\
             14{:09};Petit;Ana;12/05/1980;F;{};DEM\n",
            FIRST + 500,
            nir(2, FIRST + 500)
        );
        let (status, record) = api_import(
            &app,
            &token,
            "/api/v1/imports/csv?mapping=Export%20SOLIS&file_name=export.csv",
            csv.clone().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        assert_eq!(record["kind"], "csv");
        assert_eq!(record["counts"]["persons_created"], 1, "{record}");

        let (status, body) = api_import(
            &app,
            &token,
            "/api/v1/imports/csv?mapping=Inconnue",
            csv.into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "mapping");
    }
}

#[tokio::test]
async fn the_mapping_page_keeps_what_was_typed_when_it_is_wrong() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/imports/correspondances").await;
        let response = client
            .post(app.url("/imports/correspondances"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("name", "Export ASG"),
                ("delimiter", ","),
                ("col_rsa_number", "Dossier"),
                ("col_last_name", "Nom de famille"),
                ("col_first_names", "Prénoms"),
                ("col_sex", "Sexe"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("href=\"#birth_date\""), "{html}");
        assert!(html.contains("value=\"Nom de famille\""), "{html}");
        assert!(html.contains("value=\"Export ASG\""), "{html}");

        let response = client
            .post(app.url("/imports/correspondances"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("name", "Export ASG"),
                ("delimiter", ","),
                ("col_rsa_number", "Dossier"),
                ("col_last_name", "Nom de famille"),
                ("col_first_names", "Prénoms"),
                ("col_sex", "Sexe"),
                ("col_birth_date", "Naissance"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = client
            .get(app.url("/imports/correspondances?nom=Export+ASG"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("value=\"Naissance\""), "{page}");
        let imports = client
            .get(app.url("/imports"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            imports.contains("<option value=\"Export ASG\">"),
            "{imports}"
        );
    }
}

#[tokio::test]
async fn no_other_role_imports() {
    for app in apps().await {
        let before = imports_count(&app).await;
        let bytes = xml(&[dossier(FIRST + 600)]);
        for email in [ADMIN, MANAGER, REFERENT, OPERATOR, DPO] {
            let client = app.signed_in(email).await;
            let token = app.csrf(&client, "/").await;
            for path in ["/imports/caf", "/imports/csv"] {
                let response = post_upload(
                    &app,
                    &client,
                    &format!("{path}?csrf_token={token}"),
                    upload(bytes.clone(), "f.xml"),
                )
                .await;
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email} {path}");
            }
            let bearer = app.token(email).await;
            let (status, body) =
                api_import(&app, &bearer, "/api/v1/imports/caf", bytes.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            assert_eq!(body["error"]["code"], "forbidden");
            let (status, _) = app
                .call(
                    Method::PUT,
                    "/api/v1/csv-mappings/Pirate",
                    &bearer,
                    Some(json!({"delimiter": ";", "columns": {}})),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        }
        let (status, _) = api_import(&app, "prc_nope", "/api/v1/imports/caf", bytes).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(imports_count(&app).await, before, "nothing imported");
    }
}

#[tokio::test]
async fn uploads_go_beyond_the_body_limit_of_other_routes() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.csrf(&client, "/imports").await;
        let bytes = xml(&(FIRST + 1000..FIRST + 3600)
            .map(dossier)
            .collect::<Vec<_>>());
        assert!(bytes.len() > 2 * 1024 * 1024, "{} bytes", bytes.len());
        let response = post_upload(
            &app,
            &client,
            &format!("/imports/caf?csrf_token={token}"),
            upload(bytes, "grand.xml"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let report = follow_progress(&app, &client, &location(&response)).await;
        let html = client
            .get(app.url(&report))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<dt>Personnes créées</dt><dd>2600</dd>"),
            "{html}"
        );

        let bearer = app.token(PROGRAMME).await;
        let response = Client::new()
            .put(app.url("/api/v1/csv-mappings/Trop%20grand"))
            .bearer_auth(&bearer)
            .json(&json!({"delimiter": ";", "columns": {"x": "y".repeat(3 * 1024 * 1024)}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn what_the_cafs_files_say_of_a_case_is_shown_in_french() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let mut suspended = dossier(FIRST + 900);
        suspended.request_date = "2026-09-02".into();
        suspended.family_situation = "SEF".into();
        suspended.family_situation_on = "2026-03-01".into();
        suspended.homeless = "1".into();
        suspended.rsa_state = "3".into();
        suspended.right_suspension = parcours_domain::caf::RawMotive {
            reason: "DB".into(),
            on: "2026-10-15".into(),
        };
        let (status, record) =
            api_import(&app, &token, "/api/v1/imports/caf", xml(&[suspended])).await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        let person = app
            .store
            .person_by_nir(&nir(2, FIRST + 900))
            .await
            .unwrap()
            .unwrap();

        let answer = app
            .get_json(&token, &format!("/api/v1/persons/{}", person.id))
            .await;
        let household = &answer["household"];
        assert_eq!(household["rsa_requested_on"], "2026-09-02", "{answer}");
        assert_eq!(household["family_situation"], "SEF");
        assert_eq!(household["homeless"], true);
        assert_eq!(household["rsa_state_reason"], "DB");

        let page = app
            .page(PROGRAMME, &format!("/personnes/{}", person.id))
            .await;
        for shown in [
            "Droit ouvert et suspendu (depuis le 15/10/2026), motif : Ressources (DB)",
            "<dt>Demande de RSA</dt><dd>le 02/09/2026</dd>",
            "Séparation de fait (SEF), depuis le 01/03/2026",
            "Sans domicile fixe",
        ] {
            assert!(page.contains(shown), "{shown}");
        }
    }
}

#[tokio::test]
async fn the_flux_instruction_shows_what_the_person_declared_to_those_who_read_the_diagnostic() {
    const INSTRUCTION: &[u8] =
        include_bytes!("../crates/import/tests/fixtures/flux-instruction.xml");
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let (status, record) =
            api_import(&app, &token, "/api/v1/imports/caf", INSTRUCTION.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        assert_eq!(record["kind"], "caf_instruction", "{record}");
        let jerome = app
            .store
            .person_by_nir(
                parcours_domain::nir::Nir::parse("1900414118042")
                    .unwrap()
                    .as_str(),
            )
            .await
            .unwrap()
            .unwrap();
        let path = format!("/api/v1/persons/{}/declared-situation", jerome.id);

        // The chargé de mission reads the diagnostic, not its health part.
        let declared = app.get_json(&token, &path).await;
        assert_eq!(declared["education_level"], "1204", "{declared}");
        assert_eq!(
            declared["social"],
            serde_json::json!(["0406"]),
            "{declared}"
        );
        assert_eq!(declared["declared_on"], "2026-10-20");

        // A structure's operator does not.
        let operator = app.token(OPERATOR).await;
        let response = Client::new()
            .get(app.url(&path))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                response.status(),
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{}",
            response.status()
        );

        let page = app
            .page(PROGRAMME, &format!("/personnes/{}", jerome.id))
            .await;
        let section = page
            .split("id=\"situation-declaree\"")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .expect("the declared situation's section");
        for shown in [
            "flux instruction du 20/10/2026",
            "<dt>Niveau de formation</dt><dd>Niveau V : CAP, BEP ou équivalent</dd>",
            "<dt>Permis B</dt><dd>Non</dd>",
            "<dt>Difficultés sociales</dt><dd>Endettement</dd>",
            "Impayés de loyer ou de remboursement",
        ] {
            assert!(section.contains(shown), "{shown}\n{section}");
        }
        assert!(!section.contains("Santé"), "{section}");
        // The diagnostic starts from it.
        let diagnostic = app
            .page(PROGRAMME, &format!("/personnes/{}/diagnostic", jerome.id))
            .await;
        assert!(diagnostic.contains("<summary>Situation déclarée à la demande de RSA</summary>"));
        assert!(
            diagnostic.contains(
                "<dt>Motif de la demande</dt><dd>Fin de droits à l&#39;assurance chômage</dd>"
            ),
            "{diagnostic}"
        );
        assert!(page.contains("06 12 34 56 78") || page.contains("0612345678"));
    }
}
