//! The right of access export, on both backends: every table holding person
//! data is either read by the export or deliberately left out (the schema
//! is walked, so a new table cannot slip past), and a person with data in
//! every table gets every section filled.

use parcours_domain::account::{NewUser, NewUserInput};
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, StructureData, StructureInput,
};
use parcours_domain::contract::{ContractData, ContractKind, ContractStatus, Objective};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::fse::{FseEntryData, FseEntryInput};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::referral::{Attendance, ReferralStatus};
use parcours_domain::Role;
use parcours_store::pathway_load::{self, PathwayLoad};
use parcours_store::person::HouseholdTarget;
use parcours_store::subject_access::{COVERED_TABLES, EXCLUDED_TABLES};
use parcours_store::{testing, Actor, Moment, Store, Tx};
use std::collections::BTreeSet;
use time::macros::date;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("tests")
}

/// The walk finds a new table by its column's name alone, and the tables
/// that reference it in turn, and leaves the others.
#[test]
fn the_walk_follows_person_columns_and_their_references() {
    let columns = [
        ("notes", "person_id"),
        ("note_files", "note_id"),
        ("actions", "structure_id"),
    ]
    .map(|(t, c)| (t.to_owned(), c.to_owned()));
    let keys = [
        ("note_files", "note_id", "notes"),
        ("actions", "structure_id", "structures"),
    ]
    .map(|(t, c, r)| (t.to_owned(), c.to_owned(), r.to_owned()));
    let found = testing::person_data_tables(&columns, &keys);
    assert!(found.contains("notes") && found.contains("note_files"));
    assert!(!found.contains("actions"));
}

#[tokio::test]
async fn every_table_holding_person_data_is_exported_or_excluded_with_a_reason() {
    for store in testing::all().await {
        let (columns, keys) = testing::schema(&store).await.unwrap();
        let tables: BTreeSet<String> = columns.iter().map(|(t, _)| t.clone()).collect();
        let covered: BTreeSet<&str> = COVERED_TABLES.iter().map(|(t, _)| *t).collect();
        let excluded: BTreeSet<&str> = EXCLUDED_TABLES.iter().map(|(t, _)| *t).collect();
        for table in covered.iter().chain(&excluded) {
            assert!(
                tables.contains(*table),
                "{:?}: the table « {table} » listed in subject_access does not exist",
                store.backend()
            );
        }
        assert!(
            covered.is_disjoint(&excluded),
            "a table is both covered and excluded"
        );
        for (_, reason) in EXCLUDED_TABLES {
            assert!(!reason.trim().is_empty(), "every exclusion says why");
        }
        let personal = testing::person_data_tables(&columns, &keys);
        for expected in [
            "referrals",
            "attendances",
            "contract_objectives",
            "action_sessions",
        ] {
            assert!(
                personal.contains(expected),
                "the walk finds {expected}: {personal:?}"
            );
        }
        for table in &personal {
            assert!(
                covered.contains(table.as_str()) || excluded.contains(table.as_str()),
                "{:?}: the table « {table} » holds person data but is neither in \
                 subject_access::COVERED_TABLES (exported) nor in EXCLUDED_TABLES (with a reason): \
                 add it to the right of access export, or say why it is left out",
                store.backend()
            );
        }
    }
}

async fn raw(store: &Store, sql: &str, binds: impl FnOnce(Q) -> Q) {
    let mut tx = store.begin().await.unwrap();
    let query = binds(Q::default());
    match &mut tx {
        Tx::Sqlite(tx) => {
            let mut q = sqlx::query(sql);
            for v in query.0 {
                q = match v {
                    B::Id(id) => q.bind(id),
                    B::Text(t) => q.bind(t),
                    B::At(at) => q.bind(at),
                    B::Day(d) => q.bind(d),
                };
            }
            q.execute(&mut **tx).await.unwrap();
        }
        Tx::Postgres(tx) => {
            let mut q = sqlx::query(sql);
            for v in query.0 {
                q = match v {
                    B::Id(id) => q.bind(id),
                    B::Text(t) => q.bind(t),
                    B::At(at) => q.bind(at),
                    B::Day(d) => q.bind(d),
                };
            }
            q.execute(&mut **tx).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
}

/// Values bound to a raw statement.
#[derive(Default)]
struct Q(Vec<B>);

enum B {
    Id(Uuid),
    Text(String),
    At(Moment),
    Day(time::Date),
}

impl Q {
    fn id(mut self, id: Uuid) -> Q {
        self.0.push(B::Id(id));
        self
    }
    fn text(mut self, t: &str) -> Q {
        self.0.push(B::Text(t.to_owned()));
        self
    }
    fn at(mut self) -> Q {
        self.0.push(B::At(Moment(parcours_store::now())));
        self
    }
    fn day(mut self, d: time::Date) -> Q {
        self.0.push(B::Day(d));
        self
    }
}

async fn individual_action(store: &Store) -> Uuid {
    let structure = StructureData::parse(&StructureInput {
        name: "Le Jardin partagé".into(),
        kind: "association".into(),
        siret: "73282932000074".into(),
        place: AddressInput {
            commune_code: "14118".into(),
            commune_name: "Caen".into(),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let structure = store
        .create_structure(&actor(), &structure, None)
        .await
        .unwrap()
        .id;
    let data = ActionData::parse(&ActionInput {
        structure_id: structure.to_string(),
        name: "Accompagnement mobilité".into(),
        description: "Conseil en mobilité, en rendez-vous individuels.".into(),
        family: "aps".into(),
        thematiques: vec!["remobilisation--lien-social".into()],
        service_type: "accompagnement".into(),
        format: "individual".into(),
        capacity: "5".into(),
        reception: vec!["a-distance".into()],
        starts_on: "2026-01-05".into(),
        practical: parcours_domain::catalogue::PracticalInput {
            schedule: parcours_domain::schedule::ScheduleInput {
                frequency: "appointment".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let action = store
        .create_action(&actor(), &data, date!(2026 - 03 - 02), None)
        .await
        .unwrap();
    store
        .set_action_status(&actor(), action.id, action.version, ActionStatus::Published)
        .await
        .unwrap();
    action.id
}

fn person_data(last_name: &str, role: &str, birth_date: &str) -> PersonData {
    PersonData::parse(
        &PersonInput {
            household_role: role.into(),
            last_name: last_name.into(),
            first_names: "Dominique".into(),
            birth_date: birth_date.into(),
            sex: "F".into(),
            ..Default::default()
        },
        date!(2026 - 03 - 02),
    )
    .unwrap()
}

/// A person with rows in every table the export covers; returns their id.
async fn person_with_everything(store: &Store) -> Uuid {
    let at = parcours_store::now();
    let organisation = store
        .create_organisation(&actor(), "CCAS de Caen", OrganisationKind::Ccas, None)
        .await
        .unwrap()
        .id;
    let referent = store
        .create_account(
            &actor(),
            &NewUser::parse(&NewUserInput {
                email: "referent@caen.fr".into(),
                display_name: "Camille Martin".into(),
                role: Role::Referent.code().into(),
                organisation_id: organisation.to_string(),
                territory_id: String::new(),
                password: "un mot de passe solide".into(),
            })
            .unwrap(),
            "hash",
            false,
        )
        .await
        .unwrap()
        .id;
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: "F0000001".into(),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2025-01-10".into(),
            ..Default::default()
        },
        date!(2026 - 03 - 02),
    )
    .unwrap();
    let person = store
        .create_person(
            &actor(),
            organisation,
            &HouseholdTarget::New(household),
            &person_data("Durand", "DEM", "1980-04-02"),
        )
        .await
        .unwrap();
    let household_id = person.household_id.unwrap();
    store
        .create_person(
            &actor(),
            organisation,
            &HouseholdTarget::Existing(household_id),
            &person_data("Durand", "ENF", "2010-06-15"),
        )
        .await
        .unwrap();
    let id = person.id;

    let action = individual_action(store).await;
    let (orientation, assignment, contract) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (referral, appointment) = (Uuid::now_v7(), Uuid::now_v7());
    let contract_data = ContractData {
        kind: ContractKind::Cer,
        starts_on: date!(2026 - 03 - 01),
        duration_months: 6,
        ends_on: date!(2026 - 08 - 31),
        weekly_hours: None,
        hours_reason: None,
        hours_note: None,
        other_weekly_hours: None,
        objectives: Vec::new(),
        person_commitments: "Participer aux ateliers.".into(),
        organisation_commitments: "Accompagner.".into(),
    };
    let objective = Objective {
        category: "mobilite".into(),
        title: "Passer le permis".into(),
        barriers: vec!["Pas de véhicule".into()],
        actions: vec!["Auto-école sociale".into()],
    };
    let fse = FseEntryData::parse(&FseEntryInput {
        gender: "F".into(),
        employment_status: "long_term_unemployed".into(),
        education_level: "isced_0_2".into(),
        nationality: "third_country".into(),
        disability: "no".into(),
        foreign_background: "declined".into(),
        minority: "declined".into(),
        homeless: "no".into(),
        rural: "yes".into(),
    })
    .unwrap();
    let diagnostic = DiagnosticData {
        wishes: "Travailler dans les espaces verts.".into(),
        ..Default::default()
    };
    let mut load = PathwayLoad::new();
    load.orientation(pathway_load::Orientation {
        id: orientation,
        person_id: id,
        kind: OrientationKind::Social,
        lead_organisation_id: organisation,
        decided_on: date!(2026 - 02 - 01),
        reason: Some("Freins sociaux"),
        extended_review: false,
        decided_by: "cadre@caen.fr",
        status: OrientationStatus::Validated,
        notified_on: Some(date!(2026 - 02 - 03)),
        reviewed_by: Some("cadre@caen.fr"),
        rejection_reason: None,
        created_at: at,
    });
    load.assignment(pathway_load::Assignment {
        id: assignment,
        person_id: id,
        orientation_id: orientation,
        referent_id: referent,
        starts_on: date!(2026 - 02 - 05),
        ends_on: None,
        created_by: "cadre@caen.fr",
        created_at: at,
    });
    load.review(
        Uuid::now_v7(),
        id,
        date!(2026 - 02 - 20),
        "Maintien",
        "cadre@caen.fr",
        at,
    );
    load.diagnostic(
        Uuid::now_v7(),
        id,
        1,
        date!(2026 - 02 - 10),
        &diagnostic,
        "referent@caen.fr",
        at,
    );
    load.contract(pathway_load::Contract {
        id: contract,
        person_id: id,
        data: &contract_data,
        orientation_id: orientation,
        assignment_id: assignment,
        status: ContractStatus::Validated,
        signed_on: Some(date!(2026 - 03 - 01)),
        validated_on: Some(date!(2026 - 03 - 02)),
        validated_by: Some("cadre@caen.fr"),
        rejection_reason: None,
        ended_on: None,
        reviewed_on: None,
        review_comment: None,
        previous_contract_id: None,
        version: 1,
        created_by: "referent@caen.fr",
        created_at: at,
        updated_at: at,
    });
    load.objective(Uuid::now_v7(), contract, 1, &objective, None);
    load.referral(pathway_load::Referral {
        id: referral,
        action_id: action,
        person_id: id,
        self_referral: false,
        status: ReferralStatus::Entered,
        objective_id: None,
        requested_by: "referent@caen.fr".into(),
        requested_at: at,
        positioned_on: date!(2026 - 03 - 02),
        eligibility: Assessment {
            verdict: Verdict::Eligible,
            outcomes: Vec::new(),
            uses_margin: false,
        },
        override_reason: None,
        uses_margin: false,
        priority: 0,
        offer_until: None,
        answered_at: Some(at),
        refusal_reason: None,
        refusal_comment: None,
        entered_on: Some(date!(2026 - 03 - 10)),
        exited_on: None,
        exit_reason: None,
        exit_situation: None,
        situation_4_weeks: None,
        situation_4_weeks_on: None,
        situation_4_weeks_recorded_at: None,
        validated_by: None,
        cancel_reason: None,
        version: 2,
        updated_at: at,
    });
    load.appointment(pathway_load::Appointment {
        id: appointment,
        action_id: action,
        referral_id: referral,
        on_date: date!(2026 - 03 - 12),
        starts_at: "10:00",
        ends_at: "11:00",
        cancelled: false,
        created_at: at,
    });
    load.attendance(
        appointment,
        referral,
        Attendance::Present,
        "operateur@jardin.fr",
        at,
    );
    load.fse_entry(pathway_load::FseEntry {
        referral_id: referral,
        birth_date: date!(1980 - 04 - 02),
        data: &fse,
        recorded_by: "operateur@jardin.fr",
        recorded_at: at,
    });
    load.recount_places([action]);
    let mut tx = store.begin().await.unwrap();
    load.write(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    store.refresh_all_clocks().await.unwrap();

    let import = Uuid::now_v7();
    raw(
        store,
        "INSERT INTO imports (id, kind, file_name, status, report, imported_by, started_at, finished_at)
         VALUES ($1, 'caf_beneficiaires', 'cnav.xml', 'done', '{}', 'cm@calvados.fr', $2, $3)",
        |q| q.id(import).at().at(),
    )
    .await;
    raw(
        store,
        "INSERT INTO import_changes (import_id, household_id, person_id, kind, detail, occurred_on)
         VALUES ($1, $2, $3, 'identity', $4, $5)",
        |q| {
            q.id(import)
                .id(household_id)
                .id(id)
                .text("Nom rectifié par la CAF")
                .day(date!(2026 - 03 - 05))
        },
    )
    .await;
    id
}

#[tokio::test]
async fn a_person_with_data_everywhere_has_every_section_filled() {
    for store in testing::all().await {
        let id = person_with_everything(&store).await;
        let export = store.subject_access(id).await.unwrap();
        assert_eq!(export.person.id, id);
        assert!(export.household.is_some());
        let sections = [
            ("household_members", export.household_members.len()),
            ("revisions", export.revisions.len()),
            ("orientations", export.orientations.len()),
            ("referents", export.referents.len()),
            ("pathway_reviews", export.pathway_reviews.len()),
            ("clocks", export.clocks.len()),
            ("diagnostics", export.diagnostics.len()),
            ("contracts", export.contracts.len()),
            (
                "contracts[].objectives",
                export.contracts[0].objectives.len(),
            ),
            ("positionings", export.positionings.len()),
            (
                "positionings[].attendance",
                export.positionings[0].attendance.len(),
            ),
            (
                "positionings[].appointments",
                export.positionings[0].appointments.len(),
            ),
            (
                "positionings[].fse_entry",
                usize::from(export.positionings[0].fse_entry.is_some()),
            ),
            ("import_changes", export.import_changes.len()),
            ("audit_events", export.audit_events.len()),
        ];
        for (section, len) in sections {
            assert!(
                len > 0,
                "{:?}: the section {section} is empty",
                store.backend()
            );
        }
        assert_eq!(export.household_members.len(), 1, "the others only");
        assert_eq!(
            export.household_members[0].birth_date,
            date!(2010 - 06 - 15)
        );
        // JSON: every section is there.
        let json = serde_json::to_value(&export).unwrap();
        for key in [
            "person",
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
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        assert_eq!(
            json["positionings"][0]["action_name"],
            "Accompagnement mobilité"
        );
    }
}

#[tokio::test]
async fn an_unknown_person_is_not_found() {
    for store in testing::all().await {
        let missing = store.subject_access(Uuid::now_v7()).await;
        assert!(
            matches!(missing, Err(parcours_store::StoreError::NotFound)),
            "{missing:?}"
        );
    }
}
