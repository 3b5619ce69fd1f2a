//! Retention over HTTP and the command line: the DPO sees what the next run
//! anonymises (page and API, the read audited), `parcours purge --dry-run`
//! changes nothing, `parcours purge` anonymises, and an audit period out of
//! 6 to 12 months refuses to start.

mod common;

use common::*;
use parcours_domain::oidc::ProviderIdentity;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_store::person::HouseholdTarget;
use parcours_store::{testing, Actor, AuditFilter, Store};
use std::process::Command;
use uuid::Uuid;

/// A file whose every date is in 2020.
async fn old_file(store: &Store, name: &str) -> Uuid {
    let today = parcours_domain::clock::today();
    let org = store
        .create_organisation(
            &Actor::system("tests"),
            &format!("CCAS {name}"),
            OrganisationKind::Ccas,
            None,
        )
        .await
        .unwrap()
        .id;
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("R{}", &Uuid::now_v7().simple().to_string()[20..]),
            fund: "caf".into(),
            rsa_state: "2".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: name.into(),
            first_names: "Anselme".into(),
            birth_date: "1975-09-21".into(),
            sex: "M".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let id = store
        .create_person(
            &Actor::system("tests"),
            org,
            &HouseholdTarget::New(household),
            &data,
        )
        .await
        .unwrap()
        .id;
    let old = time::macros::datetime!(2020-03-02 10:00 UTC);
    for sql in [
        "UPDATE persons SET created_at = $1, updated_at = $1, duties_since = NULL WHERE id = $2",
        "UPDATE households SET created_at = $1, updated_at = $1, rsa_state_on = NULL
         WHERE id = (SELECT household_id FROM persons WHERE id = $2)",
        "UPDATE person_revisions SET changed_at = $1 WHERE person_id = $2",
    ] {
        testing::execute(store, sql, vec![old.into(), id.into()])
            .await
            .unwrap();
    }
    id
}

/// A partner's request to join a structure, refused in March 2020.
async fn old_join_request(store: &Store) {
    let structure = store.structures().await.unwrap()[0].id;
    let identity = ProviderIdentity {
        provider: "proconnect".into(),
        subject: "ancienne-demande".into(),
        email: Some("albane@jardin.example".into()),
        email_verified: true,
        ..Default::default()
    };
    let request = store
        .open_join_request(
            &identity,
            "albane@jardin.example",
            "73282932000074",
            structure,
        )
        .await
        .unwrap();
    store
        .decide_join_request(&Actor::system("tests"), request.id, request.version, false)
        .await
        .unwrap();
    let old = time::macros::datetime!(2020-03-02 10:00 UTC);
    let sql = "UPDATE join_requests SET created_at = $1, decided_at = $1 WHERE id = $2";
    testing::execute(store, sql, vec![old.into(), request.id.into()])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_dpo_sees_what_the_next_run_anonymises() {
    for app in apps().await {
        let old = old_file(&app.store, "Vieuxdossier").await;
        old_join_request(&app.store).await;

        let token = app.token(DPO).await;
        let body = app.get_json(&token, "/api/v1/retention").await;
        assert_eq!(body["inactive_months"], 24);
        assert_eq!(body["audit_months"], 12);
        let files = body["files"].as_array().unwrap();
        let file = files
            .iter()
            .find(|f| f["person_id"] == old.to_string())
            .unwrap_or_else(|| panic!("the old file is listed: {body}"));
        assert_eq!(file["last_contact"], "2020-03-02");
        assert_eq!(file["organisation"], "CCAS Vieuxdossier");
        assert!(body["audit_events"].as_i64().unwrap() >= 0);
        assert_eq!(body["join_requests"], 1, "{body}");

        let browser = app.signed_in(DPO).await;
        let html = browser
            .get(app.url("/dpo/conservation"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Conservation des données"), "{html}");
        assert!(html.contains(&old.to_string()));
        assert!(html.contains("02/03/2020"), "last contact in French");
        assert!(html.contains("24 mois"));
        assert!(
            html.contains("1 demande d'accès décidée (ou restée sans réponse)"),
            "{html}"
        );
        assert!(html.contains("CCAS Vieuxdossier"));
        assert!(
            !html.contains("Vieuxdossier Anselme"),
            "no name on the page"
        );
        let journal = browser
            .get(app.url("/dpo/journal"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(journal.contains("href=\"/dpo/conservation\""));

        let reads = app
            .store
            .audit_events(&AuditFilter {
                entity_type: Some("retention".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(reads.len(), 2, "each read is audited: {reads:?}");
        assert!(reads.iter().all(|e| e.actor_label == DPO));

        // The preview changed nothing.
        let person = app.store.person(old).await.unwrap();
        assert_eq!(person.last_name, "Vieuxdossier");
    }
}

fn parcours() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parcours"))
}

#[tokio::test]
async fn purge_from_the_command_line_with_a_dry_run_first() {
    let dir = std::env::temp_dir().join(format!("parcours-purge-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/p.db", dir.display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let old = old_file(&store, "Ancienfichier").await;
    store.close().await;

    let output = parcours()
        .args(["purge", "--audit-retention-months", "13"])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("audit-retention-months"), "{stderr}");
    assert!(stderr.contains("de 6 à 12 mois"), "{stderr}");

    let output = parcours()
        .args(["purge", "--dry-run"])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Simulation"), "{stdout}");
    assert!(stdout.contains("anonymiserait 1 dossier"), "{stdout}");
    assert!(stdout.contains(&old.to_string()), "{stdout}");

    let output = parcours()
        .args(["purge"])
        .env("PARCOURS_DATABASE_URL", &url)
        .env("PARCOURS_AUDIT_RETENTION_MONTHS", "6")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Purge effectuée : 1 dossier anonymisé"),
        "{stdout}"
    );
    assert!(stdout.contains("(6 mois)"), "{stdout}");

    let store = Store::connect(&url).await.unwrap();
    let person = store.person(old).await.unwrap();
    assert_eq!(
        person.last_name,
        parcours_domain::retention::ANONYMISED_NAME
    );
    let runs = store
        .audit_events(&AuditFilter {
            entity_type: Some("retention".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "the run is audited, not the dry run");
    assert_eq!(runs[0].actor_label, "système (purge de conservation)");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
