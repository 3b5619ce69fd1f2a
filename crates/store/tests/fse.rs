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
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::referral::ReferralStatus;
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::{NewReferral, Referral};
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
        employment_status: "long_term_unemployed".into(),
        education_level: "isced_0_2".into(),
        nationality: "third_country".into(),
        disability: disability.into(),
        minority_background: "declined".into(),
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
            (entry.sex.as_str(), entry.birth_date, entry.person_id),
            ("F", date!(1980 - 04 - 02), alice),
            "copied from the person file"
        );
        assert_eq!(entry.employment_status, "long_term_unemployed");
        assert_eq!(entry.nationality, "third_country");
        assert_eq!(entry.disability, "yes");
        assert_eq!(entry.minority_background, "declined");
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
