//! FSE+ participant data at entry, on both backends: only for a person who
//! entered a co-financed action, with the person's gender and birth date
//! copied, optimistic locking, every write and every read audited (without
//! the answers), and the list of participants whose data are missing.

use parcours_domain::audit::AuditAction;
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, FundingData, FundingInput, StructureData,
    StructureInput,
};
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::fse::{Answer, FseEntryData, FseEntryInput};
use parcours_domain::fse_report::{self, Gap, OperationData, Participant};
use parcours_domain::oarsa::{Cell, Table};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::referral::{Attendance, ExitReason, ReferralStatus, Situation};
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::{ExitData, NewReferral, Referral};
use parcours_store::{testing, Actor, AuditEvent, AuditFilter, Store, StoreError};
use time::macros::date;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("tests")
}

fn operator() -> Actor {
    Actor::user(Uuid::from_u128(7), "operateur@jardin.fr")
}

async fn structure(store: &Store) -> Uuid {
    let data = StructureData::parse(&StructureInput {
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
    store
        .create_structure(&actor(), &data, None)
        .await
        .unwrap()
        .id
}

/// A published action of the structure, with one funding line (FSE+ or not).
async fn action(store: &Store, structure: Uuid, name: &str, fse_plus: bool) -> Uuid {
    let data = ActionData::parse(&ActionInput {
        structure_id: structure.to_string(),
        name: name.into(),
        description: "Jardinage en groupe, une demi-journée par semaine.".into(),
        family: "aps".into(),
        thematiques: vec!["remobilisation--lien-social".into()],
        service_type: "atelier".into(),
        format: "collective".into(),
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
    let funding = FundingData::parse(&FundingInput {
        kind: "subsidy".into(),
        funder: "Département du Calvados".into(),
        year: "2026".into(),
        amount: "12000".into(),
        fse_plus,
        fse_operation: if fse_plus {
            "202501234".into()
        } else {
            String::new()
        },
        ..Default::default()
    })
    .unwrap();
    store
        .add_funding(&actor(), action.id, &funding)
        .await
        .unwrap();
    action.id
}

async fn person(store: &Store, organisation: Uuid, n: usize, sex: &str) -> Uuid {
    let today = date!(2026 - 03 - 02);
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("F{n:07}"),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2025-01-10".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: format!("Durand{n}"),
            first_names: "Dominique".into(),
            birth_date: "1980-04-02".into(),
            sex: sex.into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    store
        .create_person(
            &actor(),
            organisation,
            &HouseholdTarget::New(household),
            &data,
        )
        .await
        .unwrap()
        .id
}

async fn positioned(store: &Store, action_id: Uuid, person_id: Uuid) -> Referral {
    let new = NewReferral {
        action_id,
        person_id,
        objective_id: None,
        positioned_on: date!(2026 - 03 - 02),
        assessment: Assessment {
            verdict: Verdict::Eligible,
            outcomes: Vec::new(),
            uses_margin: false,
        },
        override_reason: None,
    };
    store.prescribe(&actor(), &new).await.unwrap()
}

async fn entered(store: &Store, referral: &Referral) -> Referral {
    let entered = store
        .accept_referral(
            &actor(),
            referral.id,
            referral.version,
            date!(2026 - 03 - 10),
        )
        .await
        .unwrap();
    assert_eq!(entered.status, ReferralStatus::Entered);
    entered
}

fn answers(disability: &str) -> FseEntryData {
    FseEntryData::parse(&FseEntryInput {
        gender: "X".into(),
        employment_status: "long_term_unemployed".into(),
        education_level: "isced_0_2".into(),
        nationality: "third_country".into(),
        disability: disability.into(),
        foreign_background: "declined".into(),
        minority: "declined".into(),
        homeless: "no".into(),
        rural: "yes".into(),
    })
    .unwrap()
}

async fn events_about(store: &Store, person: Uuid, action: AuditAction) -> Vec<AuditEvent> {
    store
        .audit_events(&AuditFilter {
            action: Some(action),
            entity_id: Some(person.to_string()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail.as_deref().unwrap_or("").contains("FSE+"))
        .collect()
}

fn invalid_field(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(invalid)) => invalid.errors[0].field.clone(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn entered_participants_of_cofinanced_actions_get_their_data_recorded() {
    for store in testing::all().await {
        let org = store
            .create_organisation(&actor(), "CCAS de Caen", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let structure = structure(&store).await;
        let cofinanced = action(&store, structure, "Jardin FSE+", true).await;
        let plain = action(&store, structure, "Jardin sans FSE+", false).await;
        assert!(store.fse_cofinanced(cofinanced).await.unwrap());
        assert!(!store.fse_cofinanced(plain).await.unwrap());

        let alice = person(&store, org, 1, "F").await;
        let referral = positioned(&store, cofinanced, alice).await;
        assert_eq!(
            invalid_field(
                store
                    .save_fse_entry(&operator(), referral.id, 0, &answers("yes"))
                    .await
            ),
            "status",
            "not entered yet"
        );
        assert!(store.fse_missing(structure).await.unwrap().is_empty());
        let referral = entered(&store, &referral).await;
        let missing = store.fse_missing(structure).await.unwrap();
        assert_eq!(
            missing.iter().map(|p| p.referral_id).collect::<Vec<_>>(),
            vec![referral.id]
        );
        assert!(!missing[0].recorded());
        assert_eq!(missing[0].action_name, "Jardin FSE+");
        assert!(store
            .fse_entry(&operator(), referral.id)
            .await
            .unwrap()
            .is_none());
        assert!(
            events_about(&store, alice, AuditAction::Read)
                .await
                .is_empty(),
            "nothing read, nothing audited"
        );

        let entry = store
            .save_fse_entry(&operator(), referral.id, 0, &answers("yes"))
            .await
            .unwrap();
        assert_eq!(
            (entry.gender.as_str(), entry.birth_date, entry.person_id),
            ("X", date!(1980 - 04 - 02), alice),
            "the stated gender, the birth date copied from the person file"
        );
        assert_eq!(entry.employment_status, "long_term_unemployed");
        assert_eq!(entry.nationality, "third_country");
        assert_eq!(entry.disability, "yes");
        assert_eq!(entry.foreign_background.as_deref(), Some("declined"));
        assert_eq!(entry.minority.as_deref(), Some("declined"));
        assert!(entry.rural);
        assert_eq!(entry.recorded_by, "operateur@jardin.fr");
        assert_eq!(entry.version, 1);
        assert_eq!(entry.input(), answers("yes").to_input());

        // Optimistic locking: recording twice, or correcting a stale copy, is refused.
        for version in [0, 2] {
            assert!(matches!(
                store
                    .save_fse_entry(&operator(), referral.id, version, &answers("no"))
                    .await,
                Err(StoreError::Stale)
            ));
        }
        let corrected = store
            .save_fse_entry(&operator(), referral.id, 1, &answers("no"))
            .await
            .unwrap();
        assert_eq!(
            (corrected.version, corrected.disability.as_str()),
            (2, "no")
        );
        assert_eq!(
            FseEntryData::parse(&corrected.input()).unwrap().disability,
            Answer::No
        );

        let read = store
            .fse_entry(&operator(), referral.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read, corrected);
        let reads = events_about(&store, alice, AuditAction::Read).await;
        assert_eq!(reads.len(), 1, "the read is audited");
        assert_eq!(reads[0].actor_label, "operateur@jardin.fr");
        assert!(reads[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("catégories particulières"));
        let mut writes = events_about(&store, alice, AuditAction::Create).await;
        writes.extend(events_about(&store, alice, AuditAction::Update).await);
        assert_eq!(writes.len(), 2, "every write is audited: {writes:?}");
        for event in reads.iter().chain(&writes) {
            let detail = event.detail.as_deref().unwrap();
            assert!(detail.contains(&referral.id.to_string()));
            for answer in [
                "yes",
                "declined",
                "third_country",
                "isced",
                "long_term",
                "rural",
            ] {
                assert!(
                    !detail.contains(answer),
                    "no answer in the audit trail: {detail}"
                );
            }
        }

        assert!(store.fse_missing(structure).await.unwrap().is_empty());
        let all = store.fse_participants(structure).await.unwrap();
        assert_eq!(all.len(), 1);
        assert!(all[0].recorded());

        // A participant of an action without FSE+ co-financing: nothing to record.
        let bob = person(&store, org, 2, "M").await;
        let other = positioned(&store, plain, bob).await;
        let other = entered(&store, &other).await;
        assert_eq!(
            invalid_field(
                store
                    .save_fse_entry(&operator(), other.id, 0, &answers("no"))
                    .await
            ),
            "action_id"
        );
        assert_eq!(store.fse_participants(structure).await.unwrap().len(), 1);
        assert!(matches!(
            store
                .save_fse_entry(&operator(), Uuid::now_v7(), 0, &answers("no"))
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

/// The answers of one participant, for the report's fixtures.
fn stated(
    gender: &str,
    status: &str,
    education: &str,
    nationality: &str,
    disability: &str,
) -> FseEntryData {
    FseEntryData::parse(&FseEntryInput {
        gender: gender.into(),
        employment_status: status.into(),
        education_level: education.into(),
        nationality: nationality.into(),
        disability: disability.into(),
        foreign_background: "no".into(),
        minority: "declined".into(),
        homeless: if gender == "X" { "yes" } else { "no" }.into(),
        rural: if gender == "X" { "yes" } else { "no" }.into(),
    })
    .unwrap()
}

/// Leaves on 1 April 2026, and is seen in `situation` within 4 weeks
/// (none: not known yet).
async fn left(store: &Store, referral: &Referral, situation: Option<Situation>) -> Referral {
    let exit = ExitData {
        exited_on: date!(2026 - 04 - 01),
        reason: ExitReason::Completed,
        situation: Situation::Unknown,
    };
    let now = time::OffsetDateTime::now_utc();
    let gone = store
        .exit_referral(&actor(), referral.id, referral.version, &exit, now)
        .await
        .unwrap();
    match situation {
        Some(s) => store
            .record_situation_4_weeks(
                &actor(),
                gone.id,
                gone.version,
                s,
                date!(2026 - 04 - 20),
                now,
            )
            .await
            .unwrap(),
        None => gone,
    }
}

/// The FSE+ report of operation 202501234 as parcours_app reads it: its
/// participations, counted by the domain.
async fn counted(store: &Store, structure: Option<Uuid>) -> (Vec<Participant>, Table) {
    let rows = store
        .fse_participations("202501234", structure)
        .await
        .unwrap();
    let participations: Vec<_> = rows.iter().map(|r| r.participation()).collect();
    let people = fse_report::participants(&participations);
    let table = fse_report::indicators(&people, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
    (people, table)
}

fn figure(table: &Table, row: &str, column: &str) -> usize {
    match table.cell(row, column) {
        Some(Cell::People(ids)) => ids.len(),
        other => panic!("{row} × {column}: {other:?}"),
    }
}

#[tokio::test]
async fn an_operations_participants_are_counted_once_by_gender_with_their_results() {
    for store in testing::all().await {
        let jardin = structure(&store).await;
        let garden = action(&store, jardin, "Jardin", true).await;
        let kitchen = action(&store, jardin, "Cuisine", true).await;
        let other = action(&store, jardin, "Théâtre", false).await;

        // The funding line's number made its operation, over its year.
        let operation = store.fse_operation("202501234").await.unwrap().unwrap();
        assert_eq!(
            (operation.starts_on, operation.ends_on),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(
            store
                .fse_operation_actions("202501234")
                .await
                .unwrap()
                .len(),
            2
        );

        let record = |referral: Uuid, data: FseEntryData| {
            let store = store.clone();
            async move {
                store
                    .save_fse_entry(&operator(), referral, 0, &data)
                    .await
                    .unwrap()
            }
        };
        // Alice: long-term unemployed, in both actions; left the garden
        // for a job but still in the kitchen, whose entry says otherwise.
        let alice = person(&store, jardin, 1, "F").await;
        let alice_garden = entered(&store, &positioned(&store, garden, alice).await).await;
        let alice_kitchen = entered(&store, &positioned(&store, kitchen, alice).await).await;
        record(
            alice_garden.id,
            stated(
                "F",
                "long_term_unemployed",
                "isced_0_2",
                "third_country",
                "yes",
            ),
        )
        .await;
        record(
            alice_kitchen.id,
            stated("F", "employed", "isced_0_2", "third_country", "yes"),
        )
        .await;
        // Bruno: employed, declined the disability question, left for training.
        let bruno = person(&store, jardin, 2, "M").await;
        let bruno_garden = entered(&store, &positioned(&store, garden, bruno).await).await;
        record(
            bruno_garden.id,
            stated("M", "employed", "isced_5_8", "french", "declined"),
        )
        .await;
        // Camille: non-binary (file says F), inactive, homeless, rural; left, job searching.
        let camille = person(&store, jardin, 3, "F").await;
        let camille_kitchen = entered(&store, &positioned(&store, kitchen, camille).await).await;
        record(
            camille_kitchen.id,
            stated("X", "inactive", "isced_3_4", "other_eu", "no"),
        )
        .await;
        // Dominique: nothing recorded, left without a known situation.
        let dominique = person(&store, jardin, 4, "F").await;
        let dominique_garden = entered(&store, &positioned(&store, garden, dominique).await).await;
        // Fanny: unemployed, leaves the garden qualified; Gaston:
        // unemployed, leaves the kitchen for a job.
        let fanny = person(&store, jardin, 6, "F").await;
        let fanny_garden = entered(&store, &positioned(&store, garden, fanny).await).await;
        record(
            fanny_garden.id,
            stated("F", "unemployed", "isced_3_4", "french", "no"),
        )
        .await;
        let gaston = person(&store, jardin, 7, "M").await;
        let gaston_kitchen = entered(&store, &positioned(&store, kitchen, gaston).await).await;
        record(
            gaston_kitchen.id,
            stated("M", "unemployed", "isced_5_8", "french", "no"),
        )
        .await;
        // Eve: on an action that is not co-financed.
        let eve = person(&store, jardin, 5, "F").await;
        entered(&store, &positioned(&store, other, eve).await).await;

        // A session of the garden: Alice and Bruno there three hours.
        let session = store
            .add_session(
                &actor(),
                garden,
                date!(2026 - 03 - 17),
                Some("09:00"),
                Some("12:00"),
                None,
            )
            .await
            .unwrap();
        let marks = [
            (alice_garden.id, Attendance::Present),
            (bruno_garden.id, Attendance::Present),
            (dominique_garden.id, Attendance::Absent),
        ];
        store
            .record_attendance(
                &operator(),
                session.id,
                &marks,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();

        let alice_garden = store.referral(alice_garden.id).await.unwrap();
        left(&store, &alice_garden, Some(Situation::Employment)).await;
        let bruno_garden = store.referral(bruno_garden.id).await.unwrap();
        left(&store, &bruno_garden, Some(Situation::Training)).await;
        let camille_kitchen = store.referral(camille_kitchen.id).await.unwrap();
        left(&store, &camille_kitchen, Some(Situation::JobSearching)).await;
        let dominique_garden = store.referral(dominique_garden.id).await.unwrap();
        left(&store, &dominique_garden, None).await;
        let fanny_garden = store.referral(fanny_garden.id).await.unwrap();
        left(&store, &fanny_garden, Some(Situation::Qualification)).await;
        let gaston_kitchen = store.referral(gaston_kitchen.id).await.unwrap();
        left(&store, &gaston_kitchen, Some(Situation::Employment)).await;

        let (people, table) = counted(&store, None).await;
        assert_eq!(people.len(), 6, "Alice once, Eve not at all");
        let expected: &[(&str, [usize; 4])] = &[
            ("EECO01", [5, 2, 2, 1]),
            ("EECO02", [3, 2, 1, 0]),
            ("EECO03", [1, 1, 0, 0]),
            ("EECO04", [1, 0, 0, 1]),
            ("EECO05", [1, 0, 1, 0]),
            ("EECO07", [0, 0, 0, 0]),
            ("EECO09", [1, 1, 0, 0]),
            ("EECO10", [2, 1, 0, 1]),
            ("EECO11", [2, 0, 2, 0]),
            ("EECO12", [1, 1, 0, 0]),
            ("EECO12-declined", [1, 0, 1, 0]),
            ("EECO13", [1, 1, 0, 0]),
            ("EECO14", [0, 0, 0, 0]),
            ("EECO15-declined", [5, 2, 2, 1]),
            ("EECO16", [1, 0, 0, 1]),
            ("EECO17", [1, 0, 0, 1]),
            // Alice is still in the kitchen: no result for her yet.
            ("EECR01", [1, 0, 0, 1]),
            ("EECR02", [1, 0, 1, 0]),
            ("EECR03", [1, 1, 0, 0]),
            ("EECR04", [1, 0, 1, 0]),
        ];
        for (row, counts) in expected {
            let found: Vec<usize> = ["total", "F", "M", "X"]
                .iter()
                .map(|column| figure(&table, row, column))
                .collect();
            assert_eq!(&found, counts, "{row}");
        }
        let gaps_of =
            |id: Uuid| fse_report::gaps(people.iter().find(|p| p.person_id == id).unwrap());
        assert_eq!(gaps_of(alice), vec![Gap::Contradiction]);
        assert_eq!(gaps_of(dominique), vec![Gap::NoEntryData, Gap::NoSituation]);
        assert!(gaps_of(bruno).is_empty() && gaps_of(camille).is_empty());

        // Hours: the marks of the period, present only.
        let ids = [alice_garden.id, bruno_garden.id, dominique_garden.id];
        let sessions = store
            .attended_sessions(&ids, date!(2026 - 01 - 01), date!(2026 - 12 - 31))
            .await
            .unwrap();
        let present: i64 = sessions
            .iter()
            .filter(|s| s.status == Attendance::Present)
            .map(|s| s.minutes())
            .sum();
        assert_eq!((sessions.len(), present), (3, 360));

        // Another structure's opérateur counts none of them.
        let (none, _) = counted(&store, Some(Uuid::now_v7())).await;
        assert!(none.is_empty());

        // A new number moves the funding lines with it; a taken one is refused.
        let data = |number: &str| OperationData {
            number: number.into(),
            title: "Jardins solidaires".into(),
            starts_on: date!(2026 - 01 - 01),
            ends_on: date!(2027 - 12 - 31),
            beneficiary: Some("Département du Calvados".into()),
        };
        let moved = store
            .update_fse_operation(
                &actor(),
                operation.id,
                operation.version,
                &data("202601111"),
            )
            .await
            .unwrap();
        assert_eq!(moved.version, operation.version + 1);
        assert_eq!(
            store
                .fse_operation_actions("202601111")
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(store.fse_operation("202501234").await.unwrap().is_none());
        let stale = store
            .update_fse_operation(
                &actor(),
                operation.id,
                operation.version,
                &data("202601112"),
            )
            .await;
        assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
        store
            .create_fse_operation(&actor(), &data("202601113"))
            .await
            .unwrap();
        let taken = store
            .create_fse_operation(&actor(), &data("202601111"))
            .await;
        match taken {
            Err(StoreError::Invalid(invalid)) => assert!(invalid.message_for("number").is_some()),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.fse_operations().await.unwrap().len(), 2);
    }
}
