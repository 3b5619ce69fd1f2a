//! Positioning on both backends: one live positioning per person and
//! action, an override needs a reason, and capacity holds under 50
//! concurrent admissions.

use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, StructureData, StructureInput,
};
use parcours_domain::eligibility::{Assessment, EligibilityInput, Verdict};
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::referral::ReferralStatus;
use parcours_domain::referral::RefusalReason;
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::{NewReferral, Referral};
use parcours_store::{testing, Actor, Store, StoreError};
use time::macros::date;
use uuid::Uuid;

/// The day of the tests' positionings: their entries come on or after it.
const POSITIONED_ON: time::Date = date!(2026 - 03 - 02);

fn actor() -> Actor {
    Actor::system("tests")
}

/// A published action of `capacity` places, with its structure.
async fn action_with_places(store: &Store, capacity: &str) -> Uuid {
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
        .unwrap();
    published_action(store, structure.id, "Atelier jardin", capacity).await
}

/// Another published action of the first structure.
async fn action_with_places_named(store: &Store, name: &str) -> Uuid {
    let structure = store.structures().await.unwrap()[0].id;
    published_action(store, structure, name, "5").await
}

async fn published_action(store: &Store, structure: Uuid, name: &str, capacity: &str) -> Uuid {
    let data = action_data(structure, name, capacity, "");
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

/// A published action for RSA beneficiaries of `capacity` places, `margin`
/// of them kept for people outside that public.
async fn action_with_margin(store: &Store, capacity: &str, margin: &str) -> Uuid {
    let structure = store.structures().await.unwrap();
    let structure = match structure.first() {
        Some(s) => s.id,
        None => {
            let any = action_with_places(store, "1").await;
            store.action(any).await.unwrap().structure_id
        }
    };
    let mut input = action_input(structure, "Mon budget, mes choix", capacity, "");
    input.eligibility = EligibilityInput {
        publics: vec!["rsa".into()],
        margin_places: margin.into(),
        ..Default::default()
    };
    let data = ActionData::parse(&input).unwrap();
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

/// A remobilisation workshop of `structure`, from 2026-01-05 to `ends_on` (or open).
fn action_data(structure: Uuid, name: &str, capacity: &str, ends_on: &str) -> ActionData {
    ActionData::parse(&action_input(structure, name, capacity, ends_on)).unwrap()
}

fn action_input(structure: Uuid, name: &str, capacity: &str, ends_on: &str) -> ActionInput {
    ActionInput {
        structure_id: structure.to_string(),
        name: name.into(),
        description: "Jardinage en groupe, une demi-journée par semaine.".into(),
        family: "aps".into(),
        thematiques: vec!["remobilisation--lien-social".into()],
        service_type: "atelier".into(),
        format: "collective".into(),
        capacity: capacity.into(),
        reception: vec!["a-distance".into()],
        starts_on: "2026-01-05".into(),
        ends_on: ends_on.into(),
        practical: parcours_domain::catalogue::PracticalInput {
            schedule: parcours_domain::schedule::ScheduleInput {
                frequency: "appointment".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn person(store: &Store, organisation: Uuid, n: usize) -> Uuid {
    let today = date!(2026 - 03 - 02);
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("R{n:07}"),
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
            last_name: format!("Martin{n}"),
            first_names: "Camille".into(),
            birth_date: "1980-04-02".into(),
            sex: "F".into(),
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

fn eligible() -> Assessment {
    Assessment {
        verdict: Verdict::Eligible,
        outcomes: Vec::new(),
        uses_margin: false,
    }
}

/// A prescription of someone outside the action's publics, on its margin quota.
fn margin_prescription(action_id: Uuid, person_id: Uuid) -> NewReferral {
    NewReferral {
        assessment: Assessment {
            uses_margin: true,
            ..eligible()
        },
        ..prescription(action_id, person_id)
    }
}

fn prescription(action_id: Uuid, person_id: Uuid) -> NewReferral {
    NewReferral {
        action_id,
        person_id,
        objective_id: None,
        positioned_on: POSITIONED_ON,
        assessment: eligible(),
        override_reason: None,
    }
}

async fn ccas(store: &Store) -> Uuid {
    store
        .create_organisation(
            &actor(),
            "CCAS de Caen",
            parcours_domain::organisation::OrganisationKind::Ccas,
            None,
        )
        .await
        .unwrap()
        .id
}

/// Positions the person on the action and has the structure answer: entered,
/// or on the waiting list when the action is full.
async fn admitted(store: &Store, action_id: Uuid, person_id: Uuid, on: time::Date) -> Referral {
    let r = store
        .prescribe(&actor(), &prescription(action_id, person_id))
        .await
        .unwrap();
    store
        .accept_referral(&actor(), r.id, r.version, on)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_is_positioned_once_and_an_override_needs_a_reason() {
    for store in testing::all().await {
        let action = action_with_places(&store, "2").await;
        let org = ccas(&store).await;
        let someone = person(&store, org, 1).await;
        let referral = store
            .prescribe(&actor(), &prescription(action, someone))
            .await
            .unwrap();
        assert_eq!(referral.status, ReferralStatus::Sent);
        match store
            .prescribe(&actor(), &prescription(action, someone))
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(e
                .message_for("person_id")
                .unwrap()
                .contains("déjà positionnée")),
            other => panic!("{other:?}"),
        }
        let other = person(&store, org, 2).await;
        let not_eligible = NewReferral {
            assessment: Assessment {
                verdict: Verdict::NotEligible,
                ..eligible()
            },
            ..prescription(action, other)
        };
        match store.prescribe(&actor(), &not_eligible).await {
            Err(StoreError::Invalid(e)) => assert!(e.message_for("override_reason").is_some()),
            other => panic!("{other:?}"),
        }
        let forced = NewReferral {
            override_reason: Some("Sortie d'hospitalisation, place réservée par le CCAS".into()),
            ..not_eligible
        };
        assert_eq!(
            store
                .prescribe(&actor(), &forced)
                .await
                .unwrap()
                .override_reason
                .as_deref(),
            Some("Sortie d'hospitalisation, place réservée par le CCAS")
        );
        let entered = store
            .accept_referral(
                &actor(),
                referral.id,
                referral.version,
                date!(2026 - 03 - 10),
            )
            .await
            .unwrap();
        assert_eq!(
            (entered.status, entered.entered_on),
            (ReferralStatus::Entered, Some(date!(2026 - 03 - 10)))
        );
        assert!(
            matches!(
                store
                    .accept_referral(
                        &actor(),
                        referral.id,
                        entered.version,
                        date!(2026 - 03 - 10)
                    )
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "answered once"
        );
        // The structure's inbox and the person's page.
        let structure = store.action(action).await.unwrap().structure_id;
        let inbox = store.referral_inbox(structure).await.unwrap();
        assert_eq!(
            inbox.len(),
            1,
            "the forced one still to answer; the entered one is not in the inbox"
        );
        assert_eq!(inbox[0].last_name, "Martin2");
        let forced = store.referral(inbox[0].id).await.unwrap();
        match store
            .refuse_referral(
                &actor(),
                forced.id,
                forced.version,
                parcours_domain::referral::RefusalReason::Other,
                Some("  "),
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(e.message_for("refusal_comment").is_some()),
            other => panic!("{other:?}"),
        }
        let refused = store
            .refuse_referral(
                &actor(),
                forced.id,
                forced.version,
                parcours_domain::referral::RefusalReason::Unreachable,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (refused.status, refused.refusal_reason),
            (ReferralStatus::Refused, Some(RefusalReason::Unreachable))
        );
        assert!(matches!(
            store
                .refuse_referral(
                    &actor(),
                    forced.id,
                    forced.version,
                    parcours_domain::referral::RefusalReason::Unreachable,
                    None
                )
                .await,
            Err(StoreError::Stale)
        ));
        assert!(store.referral_inbox(structure).await.unwrap().is_empty());
        let mine = store.referrals_of_person(someone).await.unwrap();
        assert_eq!(
            (
                mine.len(),
                mine[0].status.code(),
                mine[0].action_name.as_str()
            ),
            (1, "entered", "Atelier jardin")
        );
        // Refused, the person may be positioned again.
        store
            .prescribe(
                &actor(),
                &NewReferral {
                    override_reason: Some("Joignable à nouveau".into()),
                    ..prescription(action, other)
                },
            )
            .await
            .unwrap();
    }
}

/// 50 admissions at once on an action of 3 places: 3 enter, 47 wait, and
/// the action's count of places taken says 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_admissions_never_exceed_capacity() {
    for store in testing::all().await {
        let action = action_with_places(&store, "3").await;
        let org = ccas(&store).await;
        let mut referrals = Vec::new();
        for n in 0..50 {
            let someone = person(&store, org, n).await;
            referrals.push(
                store
                    .prescribe(&actor(), &prescription(action, someone))
                    .await
                    .unwrap(),
            );
        }
        let tasks: Vec<_> = referrals
            .into_iter()
            .map(|r| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .accept_referral(&actor(), r.id, r.version, date!(2026 - 03 - 10))
                        .await
                })
            })
            .collect();
        let mut entered = 0;
        for task in tasks {
            let referral = task
                .await
                .unwrap()
                .expect("every admission answers: entered or waiting");
            if referral.status == ReferralStatus::Entered {
                entered += 1;
            } else {
                assert_eq!(referral.status, ReferralStatus::Waiting);
            }
        }
        assert_eq!(entered, 3, "{:?}", store.backend());
        assert_eq!(store.action(action).await.unwrap().places_taken, 3);
        let all = store.referrals_of_action(action).await.unwrap();
        assert_eq!(
            all.iter()
                .filter(|r| r.status == ReferralStatus::Waiting)
                .count(),
            47
        );
    }
}

/// 20 admissions at once of people outside the publics on an action of 10
/// places, 2 of them kept for such people: 2 enter, 18 wait, the counts say
/// 2; a person of the publics still enters directly, past the 18.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_margin_admissions_never_exceed_the_quota() {
    for store in testing::all().await {
        let action = action_with_margin(&store, "10", "2").await;
        let org = ccas(&store).await;
        let mut referrals = Vec::new();
        for n in 0..20 {
            let someone = person(&store, org, n).await;
            referrals.push(
                store
                    .prescribe(&actor(), &margin_prescription(action, someone))
                    .await
                    .unwrap(),
            );
        }
        let tasks: Vec<_> = referrals
            .into_iter()
            .map(|r| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .accept_referral(&actor(), r.id, r.version, date!(2026 - 03 - 10))
                        .await
                })
            })
            .collect();
        let mut entered = 0;
        for task in tasks {
            let referral = task
                .await
                .unwrap()
                .expect("every admission answers: entered or waiting");
            match referral.status {
                ReferralStatus::Entered => entered += 1,
                status => assert_eq!(status, ReferralStatus::Waiting),
            }
        }
        assert_eq!(entered, 2, "{:?}", store.backend());
        let counted = store.action(action).await.unwrap();
        assert_eq!((counted.places_taken, counted.margin_taken), (2, 2));
        let public = person(&store, org, 99).await;
        let public = admitted(&store, action, public, date!(2026 - 03 - 10)).await;
        assert_eq!(
            public.status,
            ReferralStatus::Entered,
            "people waiting for a margin place are owed no place of the publics"
        );
        let counted = store.action(action).await.unwrap();
        assert_eq!((counted.places_taken, counted.margin_taken), (3, 2));
        let structure = counted.structure_id;
        let inbox = store.referral_inbox(structure).await.unwrap();
        assert!(inbox.iter().all(|l| l.uses_margin), "shown in the inbox");
        let inside = store.participants(structure).await.unwrap();
        assert_eq!(
            inside
                .iter()
                .filter(|l| l.action_id == action && l.uses_margin)
                .count(),
            2
        );
    }
}

/// A margin person first in line while the margin places are used keeps
/// waiting and the freed place goes to the next in line; a freed margin
/// place goes to them; exits release the margin count.
#[tokio::test]
async fn a_freed_place_of_the_publics_passes_over_a_margin_person() {
    use parcours_domain::referral::{ExitReason, Situation};
    use parcours_store::referral::ExitData;
    use time::OffsetDateTime;
    for store in testing::all().await {
        let action = action_with_margin(&store, "2", "1").await;
        let org = ccas(&store).await;
        let on = date!(2026 - 03 - 10);
        let mut people = Vec::new();
        for n in 0..4 {
            people.push(person(&store, org, n).await);
        }
        let answer = |r: Referral| {
            let store = store.clone();
            async move {
                store
                    .accept_referral(&actor(), r.id, r.version, on)
                    .await
                    .unwrap()
            }
        };
        let margin_in = answer(
            store
                .prescribe(&actor(), &margin_prescription(action, people[0]))
                .await
                .unwrap(),
        )
        .await;
        let public_in = admitted(&store, action, people[1], on).await;
        let margin_waiting = answer(
            store
                .prescribe(&actor(), &margin_prescription(action, people[2]))
                .await
                .unwrap(),
        )
        .await;
        let public_waiting = admitted(&store, action, people[3], on).await;
        assert_eq!(
            [
                margin_in.status,
                public_in.status,
                margin_waiting.status,
                public_waiting.status
            ],
            [
                ReferralStatus::Entered,
                ReferralStatus::Entered,
                ReferralStatus::Waiting,
                ReferralStatus::Waiting
            ]
        );
        let exit = ExitData {
            exited_on: date!(2026 - 04 - 30),
            reason: ExitReason::Employment,
            situation: Situation::Employment,
        };
        let now = OffsetDateTime::now_utc();
        store
            .exit_referral(&actor(), public_in.id, public_in.version, &exit, now)
            .await
            .unwrap();
        assert_eq!(
            store.referral(margin_waiting.id).await.unwrap().status,
            ReferralStatus::Waiting,
            "no margin place free: the margin person keeps waiting"
        );
        let offered = store.referral(public_waiting.id).await.unwrap();
        assert_eq!(offered.status, ReferralStatus::Offered, "the next in line");
        store
            .answer_offer(&actor(), offered.id, offered.version, true, now)
            .await
            .unwrap();
        store
            .exit_referral(&actor(), margin_in.id, margin_in.version, &exit, now)
            .await
            .unwrap();
        let counted = store.action(action).await.unwrap();
        assert_eq!((counted.places_taken, counted.margin_taken), (1, 0));
        let offered = store.referral(margin_waiting.id).await.unwrap();
        assert_eq!(offered.status, ReferralStatus::Offered);
        let entered = store
            .answer_offer(&actor(), offered.id, offered.version, true, now)
            .await
            .unwrap();
        assert_eq!(entered.status, ReferralStatus::Entered);
        let counted = store.action(action).await.unwrap();
        assert_eq!((counted.places_taken, counted.margin_taken), (2, 1));
    }
}

/// A place freed by an exit is offered to the first in line (the cadre's
/// priority first), passes on when declined or expired, and is taken when
/// accepted in time.
#[tokio::test]
async fn freed_places_go_down_the_waiting_list() {
    use parcours_domain::referral::{ExitReason, Situation};
    use parcours_store::referral::ExitData;
    use time::{Duration, OffsetDateTime};
    for store in testing::all().await {
        let action = action_with_places(&store, "1").await;
        let org = ccas(&store).await;
        let mut answered = Vec::new();
        for n in 0..4 {
            let someone = person(&store, org, n).await;
            answered.push(admitted(&store, action, someone, date!(2026 - 03 - 10)).await);
        }
        let [inside, first, second, third] =
            [&answered[0], &answered[1], &answered[2], &answered[3]];
        assert_eq!(inside.status, ReferralStatus::Entered);
        assert!([first, second, third]
            .iter()
            .all(|r| r.status == ReferralStatus::Waiting));
        store
            .set_referral_priority(&actor(), third.id, 1)
            .await
            .unwrap();
        let exit = |on| ExitData {
            exited_on: on,
            reason: ExitReason::Employment,
            situation: Situation::Employment,
        };
        match store
            .exit_referral(
                &actor(),
                inside.id,
                inside.version,
                &exit(date!(2026 - 03 - 01)),
                OffsetDateTime::now_utc(),
            )
            .await
        {
            Err(StoreError::Invalid(e)) => {
                assert!(e.message_for("exited_on").unwrap().contains("précéder"))
            }
            other => panic!("{other:?}"),
        }
        let now = OffsetDateTime::now_utc();
        let gone = store
            .exit_referral(
                &actor(),
                inside.id,
                inside.version,
                &exit(date!(2026 - 04 - 30)),
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            (gone.status, gone.exit_situation),
            (ReferralStatus::Exited, Some(Situation::Employment))
        );
        assert_eq!(store.action(action).await.unwrap().places_taken, 0);
        let third = store.referral(third.id).await.unwrap();
        assert_eq!(
            third.status,
            ReferralStatus::Offered,
            "the cadre's priority goes first"
        );
        assert!(store.referral(first.id).await.unwrap().status == ReferralStatus::Waiting);
        store
            .answer_offer(&actor(), third.id, third.version, false, now)
            .await
            .unwrap();
        let first = store.referral(first.id).await.unwrap();
        assert_eq!(
            first.status,
            ReferralStatus::Offered,
            "declined: next in line"
        );
        // The offer runs out: the place passes on, and a late yes is refused.
        let later = now + Duration::days(6);
        assert_eq!(store.expire_offers(later).await.unwrap(), 1);
        assert_eq!(
            store.referral(first.id).await.unwrap().status,
            ReferralStatus::Expired
        );
        let second = store.referral(second.id).await.unwrap();
        assert_eq!(second.status, ReferralStatus::Offered);
        let taken = store
            .answer_offer(&actor(), second.id, second.version, true, later)
            .await
            .unwrap();
        assert_eq!(taken.status, ReferralStatus::Entered);
        assert_eq!(
            store.action(action).await.unwrap().places_taken,
            1,
            "capacity of one, one inside"
        );
        assert!(store
            .referral_inbox(store.action(action).await.unwrap().structure_id)
            .await
            .unwrap()
            .is_empty());
    }
}

/// A group's marks in one go; a person not on the sheet refuses the whole
/// sheet; three unexcused absences in a row are counted; sessions with
/// attendance survive a change of schedule.
#[tokio::test]
async fn attendance_is_recorded_for_the_group() {
    use parcours_domain::referral::Attendance::{Absent, Excused, Present};
    for store in testing::all().await {
        let action = action_with_places(&store, "5").await;
        let other_action = action_with_places_named(&store, "Autre atelier").await;
        let org = ccas(&store).await;
        let mut inside = Vec::new();
        for n in 0..2 {
            let someone = person(&store, org, n).await;
            inside.push(
                admitted(&store, action, someone, date!(2026 - 03 - 02))
                    .await
                    .id,
            );
        }
        let stranger = person(&store, org, 9).await;
        let elsewhere = admitted(&store, other_action, stranger, date!(2026 - 03 - 02))
            .await
            .id;
        let mut sessions = Vec::new();
        for day in [
            date!(2026 - 03 - 03),
            date!(2026 - 03 - 10),
            date!(2026 - 03 - 17),
            date!(2026 - 03 - 24),
        ] {
            sessions.push(
                store
                    .add_session(&actor(), action, day, Some("14:00"), Some("17:00"), None)
                    .await
                    .unwrap()
                    .id,
            );
        }
        assert_eq!(store.attendance_sheet(sessions[0]).await.unwrap().len(), 2);
        match store
            .record_attendance(
                &actor(),
                sessions[0],
                &[(inside[0], Present), (elsewhere, Present)],
                time::OffsetDateTime::now_utc(),
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(e.message_for("attendance").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(
            store
                .attendance_sheet(sessions[0])
                .await
                .unwrap()
                .iter()
                .all(|l| l.status.is_none()),
            "nothing half-recorded"
        );
        for (session, mark) in sessions.iter().zip([Present, Absent, Excused, Absent]) {
            store
                .record_attendance(
                    &actor(),
                    *session,
                    &[(inside[0], mark), (inside[1], Absent)],
                    time::OffsetDateTime::now_utc(),
                )
                .await
                .unwrap();
        }
        assert_eq!(
            store.absences_in_a_row(inside[0]).await.unwrap(),
            2,
            "the excused one does not count"
        );
        assert_eq!(store.absences_in_a_row(inside[1]).await.unwrap(), 4);
        store
            .record_attendance(
                &actor(),
                sessions[3],
                &[(inside[1], Present)],
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.absences_in_a_row(inside[1]).await.unwrap(),
            0,
            "a corrected mark replaces the old one"
        );
        // Marked twice in one sheet: the last mark stands, one line.
        let marked = store
            .record_attendance(
                &actor(),
                sessions[3],
                &[(inside[1], Absent), (inside[1], Excused)],
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        assert_eq!(marked, 1);
        let line = store.attendance_sheet(sessions[3]).await.unwrap();
        let line = line.iter().find(|l| l.referral_id == inside[1]).unwrap();
        assert_eq!(line.status, Some(Excused));
        assert_eq!(store.attendance_history(inside[0]).await.unwrap().len(), 4);
    }
}

/// The positioning page's pool: every filter's page, each action once, in
/// name order, with the people waiting for it.
#[tokio::test]
async fn offered_actions_join_the_pages_and_count_the_waiting() {
    use parcours_store::catalogue::CatalogueFilter;
    for store in testing::all().await {
        let garden = action_with_places(&store, "1").await;
        let wood = action_with_places_named(&store, "Atelier bois").await;
        let code = action_with_places_named(&store, "Cours de code").await;
        let org = ccas(&store).await;
        let mut answered = Vec::new();
        for n in 0..4 {
            let someone = person(&store, org, n).await;
            answered.push(admitted(&store, garden, someone, date!(2026 - 03 - 10)).await);
        }
        // The one inside leaves: the first in line is offered the place,
        // and still counts among those waiting until they answer.
        let inside = &answered[0];
        store
            .exit_referral(
                &actor(),
                inside.id,
                inside.version,
                &parcours_store::referral::ExitData {
                    exited_on: date!(2026 - 04 - 30),
                    reason: parcours_domain::referral::ExitReason::Employment,
                    situation: parcours_domain::referral::Situation::Employment,
                },
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.referral(answered[1].id).await.unwrap().status,
            ReferralStatus::Offered
        );
        let page = |thematique: &str, text: &str, limit| CatalogueFilter {
            text: text.into(),
            thematique: thematique.into(),
            public_only: true,
            today: Some(date!(2026 - 03 - 02)),
            limit,
            ..CatalogueFilter::default()
        };
        let offered = store
            .offered_actions(&[page("", "", 1), page("remobilisation", "", 2)])
            .await
            .unwrap();
        let seen: Vec<(Uuid, i64)> = offered.iter().map(|a| (a.id, a.waiting)).collect();
        assert_eq!(
            seen,
            vec![(wood, 0), (garden, 3)],
            "each page once, in name order; one offered the place, two waiting"
        );
        assert_eq!(offered[1].structure_name, "Le Jardin partagé");
        assert_eq!(offered[1].thematiques, vec!["remobilisation--lien-social"]);
        assert_eq!(offered[1].capacity, Some(1));
        assert_eq!(offered[1].places_taken, 0);
        let searched = store
            .offered_actions(&[page("", "code", 5), page("", "", 1)])
            .await
            .unwrap();
        let ids: Vec<Uuid> = searched.iter().map(|a| a.id).collect();
        assert_eq!(ids, vec![wood, code], "a search's page and the first");
        assert!(store.offered_actions(&[]).await.unwrap().is_empty());
    }
}

/// A category's page reads its actions' names, status and end dates from
/// copies in their tag rows (0014_action_tag_pages.sql): the page follows
/// an action renamed, ended or archived.
#[tokio::test]
async fn category_pages_follow_their_actions() {
    use parcours_store::catalogue::CatalogueFilter;
    for store in testing::all().await {
        let garden = action_with_places(&store, "1").await;
        let wood = action_with_places_named(&store, "Atelier bois").await;
        let code = action_with_places_named(&store, "Cours de code").await;
        let page = || CatalogueFilter {
            thematique: "remobilisation".into(),
            public_only: true,
            today: Some(date!(2026 - 03 - 02)),
            limit: 2,
            ..CatalogueFilter::default()
        };
        let first_two = || async {
            let offered = store.offered_actions(&[page()]).await.unwrap();
            offered.iter().map(|a| a.id).collect::<Vec<Uuid>>()
        };
        assert_eq!(first_two().await, [wood, garden], "in name order");

        let structure = store.structures().await.unwrap()[0].id;
        let version = store.action(wood).await.unwrap().version;
        let renamed = action_data(structure, "Menuiserie", "5", "");
        let today = date!(2026 - 03 - 02);
        store
            .update_action(&actor(), wood, version, &renamed, today)
            .await
            .unwrap();
        assert_eq!(first_two().await, [garden, code], "renamed");

        let version = store.action(garden).await.unwrap().version;
        let ended = action_data(structure, "Atelier jardin", "1", "2026-03-01");
        store
            .update_action(&actor(), garden, version, &ended, today)
            .await
            .unwrap();
        assert_eq!(first_two().await, [code, wood], "ended the day before");

        let version = store.action(code).await.unwrap().version;
        store
            .set_action_status(&actor(), code, version, ActionStatus::Archived)
            .await
            .unwrap();
        assert_eq!(first_two().await, [wood], "archived");
    }
}

/// Issue 17, rule 2: an entry comes on or after its positioning; refused,
/// nothing changes (status, version, places).
#[tokio::test]
async fn an_entry_before_its_positioning_is_refused() {
    for store in testing::all().await {
        let action = action_with_places(&store, "2").await;
        let org = ccas(&store).await;
        let someone = person(&store, org, 1).await;
        let positioned = NewReferral {
            positioned_on: date!(2026 - 02 - 10),
            ..prescription(action, someone)
        };
        let r = store.prescribe(&actor(), &positioned).await.unwrap();
        assert_eq!(r.positioned_on, date!(2026 - 02 - 10));
        match store
            .accept_referral(&actor(), r.id, r.version, date!(2026 - 02 - 09))
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(
                e.message_for("entered_on").unwrap().contains("10/02/2026"),
                "{e:?}"
            ),
            other => panic!("{other:?}"),
        }
        let unchanged = store.referral(r.id).await.unwrap();
        assert_eq!(unchanged, r, "nothing saved");
        assert_eq!(store.action(action).await.unwrap().places_taken, 0);
        let entered = store
            .accept_referral(&actor(), r.id, r.version, date!(2026 - 02 - 10))
            .await
            .unwrap();
        assert_eq!(entered.entered_on, Some(date!(2026 - 02 - 10)));
    }
}

/// Attendance only for a session that has started, and only for those on
/// the action that day; an exit may not come before a recorded mark.
#[tokio::test]
async fn attendance_is_for_started_sessions_and_present_participants() {
    use parcours_domain::referral::Attendance::Present;
    use parcours_domain::referral::{ExitReason, Situation};
    use parcours_store::referral::ExitData;
    use time::macros::datetime;
    for store in testing::all().await {
        let action = action_with_places(&store, "5").await;
        let org = ccas(&store).await;
        let stays = admitted(
            &store,
            action,
            person(&store, org, 1).await,
            date!(2026 - 03 - 02),
        )
        .await;
        let leaves = admitted(
            &store,
            action,
            person(&store, org, 2).await,
            date!(2026 - 03 - 02),
        )
        .await;
        let late = admitted(
            &store,
            action,
            person(&store, org, 3).await,
            date!(2026 - 03 - 20),
        )
        .await;
        let mut sessions = Vec::new();
        for day in [date!(2026 - 03 - 10), date!(2026 - 03 - 24)] {
            let s = store
                .add_session(&actor(), action, day, Some("14:00"), Some("17:00"), None)
                .await
                .unwrap();
            sessions.push(s.id);
        }
        // The first session, recorded later on: then the one who leaves goes on the 17th.
        let after = datetime!(2026-03-30 10:00 UTC);
        store
            .record_attendance(&actor(), sessions[0], &[(leaves.id, Present)], after)
            .await
            .unwrap();
        let exit = |on| ExitData {
            exited_on: on,
            reason: ExitReason::Completed,
            situation: Situation::JobSearching,
        };
        match store
            .exit_referral(
                &actor(),
                leaves.id,
                leaves.version,
                &exit(date!(2026 - 03 - 09)),
                after,
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(
                e.message_for("exited_on").unwrap().contains("10/03/2026"),
                "{e:?}"
            ),
            other => panic!("{other:?}"),
        }
        store
            .exit_referral(
                &actor(),
                leaves.id,
                leaves.version,
                &exit(date!(2026 - 03 - 17)),
                after,
            )
            .await
            .unwrap();
        // On the 24th: the one who stayed and the late entrant, not the one gone.
        let sheet: Vec<Uuid> = store
            .attendance_sheet(sessions[1])
            .await
            .unwrap()
            .iter()
            .map(|l| l.referral_id)
            .collect();
        assert_eq!(sheet.len(), 2);
        assert!(sheet.contains(&stays.id) && sheet.contains(&late.id));
        assert!(!store
            .attendance_sheet(sessions[0])
            .await
            .unwrap()
            .iter()
            .any(|l| l.referral_id == late.id));
        // 14:00 in Paris on 24 March (winter time) is 13:00 UTC.
        let before_start = datetime!(2026-03-24 12:59 UTC);
        match store
            .record_attendance(&actor(), sessions[1], &[(stays.id, Present)], before_start)
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(
                e.message_for("attendance")
                    .unwrap()
                    .contains("pas encore commencé"),
                "{e:?}"
            ),
            other => panic!("{other:?}"),
        }
        match store
            .record_attendance(
                &actor(),
                sessions[1],
                &[(stays.id, Present), (leaves.id, Present)],
                after,
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(
                e.message_for("attendance").unwrap().contains("24/03/2026"),
                "{e:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            store.attendance_history(stays.id).await.unwrap().is_empty(),
            "nothing saved"
        );
        let started = datetime!(2026-03-24 13:00 UTC);
        assert_eq!(
            store
                .record_attendance(
                    &actor(),
                    sessions[1],
                    &[(stays.id, Present), (late.id, Present)],
                    started
                )
                .await
                .unwrap(),
            2
        );
    }
}

/// The situation 4 weeks after an exit is observed between the exit and 4
/// weeks later, may be typed afterwards, and keeps both dates.
#[tokio::test]
async fn the_situation_at_4_weeks_is_observed_in_its_window() {
    use parcours_domain::referral::{ExitReason, Situation};
    use parcours_store::referral::ExitData;
    use time::macros::datetime;
    for store in testing::all().await {
        let action = action_with_places(&store, "2").await;
        let org = ccas(&store).await;
        let r = admitted(
            &store,
            action,
            person(&store, org, 1).await,
            date!(2026 - 03 - 02),
        )
        .await;
        let exit = ExitData {
            exited_on: date!(2026 - 04 - 01),
            reason: ExitReason::Completed,
            situation: Situation::JobSearching,
        };
        let gone = store
            .exit_referral(
                &actor(),
                r.id,
                r.version,
                &exit,
                datetime!(2026-04-01 12:00 UTC),
            )
            .await
            .unwrap();
        let typed_at = datetime!(2026-06-15 09:00 UTC);
        for outside in [date!(2026 - 03 - 31), date!(2026 - 04 - 30)] {
            match store
                .record_situation_4_weeks(
                    &actor(),
                    r.id,
                    gone.version,
                    Situation::Employment,
                    outside,
                    typed_at,
                )
                .await
            {
                Err(StoreError::Invalid(e)) => assert!(
                    e.message_for("situation_4_weeks_on")
                        .unwrap()
                        .contains("29/04/2026"),
                    "{e:?}"
                ),
                other => panic!("{other:?}"),
            }
        }
        // Not observed in the future either.
        assert!(store
            .record_situation_4_weeks(
                &actor(),
                r.id,
                gone.version,
                Situation::Employment,
                date!(2026 - 04 - 20),
                datetime!(2026-04-10 09:00 UTC)
            )
            .await
            .is_err());
        assert_eq!(store.referral(r.id).await.unwrap(), gone, "nothing saved");
        let recorded = store
            .record_situation_4_weeks(
                &actor(),
                r.id,
                gone.version,
                Situation::Employment,
                date!(2026 - 04 - 29),
                typed_at,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                recorded.situation_4_weeks,
                recorded.situation_4_weeks_on,
                recorded.situation_4_weeks_recorded_at
            ),
            (
                Some(Situation::Employment),
                Some(date!(2026 - 04 - 29)),
                Some(typed_at)
            )
        );
        let line = &store.referrals_of_person(r.person_id).await.unwrap()[0];
        assert_eq!(line.situation_4_weeks_on, Some(date!(2026 - 04 - 29)));
    }
}

async fn raw(store: &Store, sql: &str) {
    let mut tx = store.begin().await.unwrap();
    match &mut tx {
        parcours_store::Tx::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
        parcours_store::Tx::Postgres(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    tx.commit().await.unwrap();
}

/// Runs again migration 0017's statements that date the earlier rows.
async fn backfill(store: &Store) {
    let text = if store.backend() == parcours_store::Backend::Postgres {
        include_str!("../migrations/postgres/0017_pathway_dates.sql")
    } else {
        include_str!("../migrations/sqlite/0017_pathway_dates.sql")
    };
    for statement in text.split(';') {
        let statement: Vec<&str> = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect();
        let statement = statement.join("\n");
        if statement.trim_start().starts_with("UPDATE") {
            raw(store, &statement).await;
        }
    }
}

/// Migration 0017 on positionings recorded before it: the day of a
/// positioning is its request's day in Paris, or the entry's when that came
/// first (a paper file); a situation at 4 weeks typed late is dated within
/// its window, the instant it was typed kept.
#[tokio::test]
async fn the_migration_dates_earlier_positionings_coherently() {
    use parcours_domain::referral::{ExitReason, Situation};
    use parcours_store::referral::ExitData;
    use time::macros::datetime;
    for store in testing::all().await {
        let action = action_with_places(&store, "2").await;
        let org = ccas(&store).await;
        let r = admitted(
            &store,
            action,
            person(&store, org, 1).await,
            date!(2026 - 03 - 02),
        )
        .await;
        // Recorded on the 10th, entered on the 2nd.
        raw(
            &store,
            "UPDATE referrals SET requested_at = '2026-03-10T10:00:00.000000Z'",
        )
        .await;
        backfill(&store).await;
        assert_eq!(
            store.referral(r.id).await.unwrap().positioned_on,
            date!(2026 - 03 - 02)
        );
        raw(
            &store,
            "UPDATE referrals SET entered_on = NULL, requested_at = '2026-03-01T23:30:00.000000Z'",
        )
        .await;
        backfill(&store).await;
        assert_eq!(
            store.referral(r.id).await.unwrap().positioned_on,
            date!(2026 - 03 - 02),
            "23:30 UTC is the next day in Paris"
        );
        raw(&store, "UPDATE referrals SET entered_on = '2026-03-02'").await;
        let r = store.referral(r.id).await.unwrap();
        let exit = ExitData {
            exited_on: date!(2026 - 04 - 01),
            reason: ExitReason::Completed,
            situation: Situation::JobSearching,
        };
        let gone = store
            .exit_referral(
                &actor(),
                r.id,
                r.version,
                &exit,
                datetime!(2026-04-01 12:00 UTC),
            )
            .await
            .unwrap();
        store
            .record_situation_4_weeks(
                &actor(),
                r.id,
                gone.version,
                Situation::Employment,
                date!(2026 - 04 - 20),
                datetime!(2026-04-20 09:00 UTC),
            )
            .await
            .unwrap();
        // Typed in June, before the observation day was kept.
        raw(&store, "UPDATE referrals SET situation_4_weeks_on = NULL, situation_4_weeks_recorded_at = NULL, updated_at = '2026-06-15T09:00:00.000000Z'").await;
        backfill(&store).await;
        let dated = store.referral(r.id).await.unwrap();
        assert_eq!(
            (
                dated.situation_4_weeks_on,
                dated.situation_4_weeks_recorded_at
            ),
            (
                Some(date!(2026 - 04 - 29)),
                Some(datetime!(2026-06-15 09:00 UTC))
            )
        );
    }
}
