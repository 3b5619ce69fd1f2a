//! A structure's dashboard and individual appointments, on both backends:
//! the dashboard counts places, waiting lists, positionings to answer and
//! participants per action (archived actions and other structures apart)
//! and lists the coming fortnight's sessions and appointments; an
//! appointment is fixed only within a participation on an individual
//! action, has a one-line attendance sheet, is cancelled like a session and
//! survives the regeneration of the schedule's sessions.

use parcours_domain::appointment::{AppointmentData, AppointmentInput};
use parcours_domain::catalogue::ActionFormat;
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, PracticalData, PracticalInput,
    StructureData, StructureInput,
};
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::referral::ReferralStatus;
use parcours_domain::referral::{Attendance, ExitReason, Situation};
use parcours_domain::schedule::ScheduleInput;
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::{ExitData, NewReferral, Referral};
use parcours_store::{testing, Actor, Store, StoreError};
use time::macros::date;
use time::Date;
use uuid::Uuid;

/// A Monday.
const TODAY: Date = date!(2026 - 03 - 02);

fn actor() -> Actor {
    Actor::system("tests")
}

async fn structure(store: &Store, name: &str) -> Uuid {
    let data = StructureData::parse(&StructureInput {
        name: name.into(),
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

fn weekly(day: &str) -> ScheduleInput {
    ScheduleInput {
        frequency: "weekly".into(),
        weekdays: vec![day.into()],
        starts_at: "09:00".into(),
        ends_at: "12:00".into(),
        ..Default::default()
    }
}

/// An action of the structure, published unless `status` says otherwise.
async fn action(
    store: &Store,
    structure: Uuid,
    name: &str,
    format: &str,
    capacity: &str,
    schedule: ScheduleInput,
    status: ActionStatus,
) -> Uuid {
    let data = ActionData::parse(&ActionInput {
        structure_id: structure.to_string(),
        name: name.into(),
        description: "Une action pour reprendre pied, à son rythme.".into(),
        family: "aps".into(),
        thematiques: vec!["remobilisation--lien-social".into()],
        service_type: "accompagnement".into(),
        format: format.into(),
        capacity: capacity.into(),
        capacity_period: "continuous".into(),
        reception: vec!["a-distance".into()],
        starts_on: "2026-01-05".into(),
        ends_on: "2026-12-31".into(),
        practical: PracticalInput {
            schedule,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let created = store
        .create_action(&actor(), &data, TODAY, None)
        .await
        .unwrap();
    if status != ActionStatus::Draft {
        let published = store
            .set_action_status(
                &actor(),
                created.id,
                created.version,
                ActionStatus::Published,
            )
            .await
            .unwrap();
        if status == ActionStatus::Archived {
            store
                .set_action_status(&actor(), created.id, published.version, status)
                .await
                .unwrap();
        }
    }
    created.id
}

async fn person(store: &Store, organisation: Uuid, n: usize) -> Uuid {
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("R{n:07}"),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2025-01-10".into(),
            ..Default::default()
        },
        TODAY,
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
        TODAY,
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

async fn ccas(store: &Store) -> Uuid {
    store
        .create_organisation(&actor(), "CCAS de Caen", OrganisationKind::Ccas, None)
        .await
        .unwrap()
        .id
}

async fn prescribe(store: &Store, action: Uuid, person: Uuid) -> Referral {
    store
        .prescribe(
            &actor(),
            &NewReferral {
                action_id: action,
                person_id: person,
                objective_id: None,
                positioned_on: TODAY,
                assessment: Assessment {
                    verdict: Verdict::Eligible,
                    outcomes: Vec::new(),
                    uses_margin: false,
                },
                override_reason: None,
            },
        )
        .await
        .unwrap()
}

async fn accept(store: &Store, r: &Referral, on: Date) -> Referral {
    store
        .accept_referral(&actor(), r.id, r.version, on)
        .await
        .unwrap()
}

fn appointment(on: &str, start: &str, end: &str) -> AppointmentData {
    AppointmentData::parse(&AppointmentInput {
        on_date: on.into(),
        starts_at: start.into(),
        ends_at: end.into(),
        note: "Point sur les démarches".into(),
    })
    .unwrap()
}

fn invalid_field<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(e)) => e.errors[0].field.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_dashboard_counts_in_the_database() {
    for store in testing::all().await {
        let org = ccas(&store).await;
        let plaine = structure(&store, "Plaine Emploi").await;
        let workshop = action(
            &store,
            plaine,
            "Atelier jardin",
            "collective",
            "2",
            weekly("Tu"),
            ActionStatus::Published,
        )
        .await;
        let support = action(
            &store,
            plaine,
            "Accompagnement individuel",
            "individual",
            "3",
            ScheduleInput {
                frequency: "appointment".into(),
                ..Default::default()
            },
            ActionStatus::Published,
        )
        .await;
        let draft = action(
            &store,
            plaine,
            "Cuisine du jardin",
            "collective",
            "",
            weekly("We"),
            ActionStatus::Draft,
        )
        .await;
        let archived = action(
            &store,
            plaine,
            "Ancien atelier",
            "collective",
            "5",
            weekly("Mo"),
            ActionStatus::Archived,
        )
        .await;
        let elsewhere = structure(&store, "Les Jardins de la Prairie").await;
        let other = action(
            &store,
            elsewhere,
            "Maraîchage",
            "collective",
            "4",
            weekly("Tu"),
            ActionStatus::Published,
        )
        .await;

        // Workshop: two enter (full), a third waits, two wait for an answer, one is refused.
        let mut n = 0;
        let mut next_person = || {
            n += 1;
            n
        };
        let mut workshop_people = Vec::new();
        for _ in 0..6 {
            let p = person(&store, org, next_person()).await;
            workshop_people.push(prescribe(&store, workshop, p).await);
        }
        for r in &workshop_people[..3] {
            accept(&store, r, TODAY).await;
        }
        let refused = &workshop_people[5];
        store
            .refuse_referral(
                &actor(),
                refused.id,
                refused.version,
                parcours_domain::referral::RefusalReason::Unreachable,
                None,
            )
            .await
            .unwrap();
        // Individual support: one in, one to answer.
        let supported = prescribe(&store, support, person(&store, org, next_person()).await).await;
        let supported = accept(&store, &supported, TODAY).await;
        prescribe(&store, support, person(&store, org, next_person()).await).await;
        // The archived action and the other structure count for nothing.
        let old = prescribe(&store, archived, person(&store, org, next_person()).await).await;
        assert_eq!(old.status, ReferralStatus::Sent);
        let theirs = prescribe(&store, other, person(&store, org, next_person()).await).await;
        accept(&store, &theirs, TODAY).await;
        // Sessions: the workshop's Tuesdays 3 and 10 March (17 March is past the
        // fortnight), one cancelled; an appointment on 5 March, one on 20 March.
        let tuesdays = store.sessions_of(workshop, TODAY, 3).await.unwrap();
        assert_eq!(tuesdays[0].on_date, date!(2026 - 03 - 03));
        store
            .set_session_cancelled(&actor(), tuesdays[0].id, true)
            .await
            .unwrap();
        let soon = store
            .create_appointment(
                &actor(),
                support,
                supported.id,
                &appointment("2026-03-05", "10:00", "11:00"),
            )
            .await
            .unwrap();
        store
            .create_appointment(
                &actor(),
                support,
                supported.id,
                &appointment("2026-03-20", "10:00", ""),
            )
            .await
            .unwrap();

        let d = store.structure_dashboard(plaine, TODAY).await.unwrap();
        assert_eq!(d.structure_name, "Plaine Emploi");
        assert_eq!(d.sessions_until, date!(2026 - 03 - 15));
        let names: Vec<&str> = d.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Accompagnement individuel",
                "Atelier jardin",
                "Cuisine du jardin"
            ],
            "not the archived one"
        );
        let line = |id: Uuid| d.actions.iter().find(|a| a.id == id).unwrap();
        let w = line(workshop);
        assert_eq!(
            (
                w.capacity,
                w.places_taken,
                w.waiting,
                w.to_answer,
                w.participants
            ),
            (Some(2), 2, 1, 2, 2)
        );
        assert_eq!(w.occupation_percent(), Some(100));
        let s = line(support);
        assert_eq!(
            (
                s.capacity,
                s.places_taken,
                s.waiting,
                s.to_answer,
                s.participants
            ),
            (Some(3), 1, 0, 1, 1)
        );
        assert_eq!(s.occupation_percent(), Some(33));
        assert_eq!(s.format, ActionFormat::Individual);
        let c = line(draft);
        assert_eq!(
            (c.capacity, c.status.code(), c.occupation_percent()),
            (None, "draft", None)
        );
        assert_eq!(d.totals.actions, 3);
        assert_eq!(d.totals.places, 5);
        assert_eq!(d.totals.places_taken, 3);
        assert_eq!(d.totals.occupation_percent, Some(60));
        assert_eq!(
            (d.totals.waiting, d.totals.to_answer, d.totals.participants),
            (1, 3, 3)
        );

        // The draft's Wednesdays (4 and 11 March), the workshop's 10 March, the 5 March appointment.
        let listed: Vec<(Date, Uuid)> = d
            .sessions
            .iter()
            .map(|s| (s.on_date, s.action_id))
            .collect();
        assert_eq!(
            listed,
            [
                (date!(2026 - 03 - 04), draft),
                (date!(2026 - 03 - 05), support),
                (date!(2026 - 03 - 10), workshop),
                (date!(2026 - 03 - 11), draft),
            ]
        );
        let rdv = &d.sessions[1];
        assert_eq!(rdv.id, soon.id);
        assert_eq!(rdv.referral_id, Some(supported.id));
        assert_eq!(rdv.last_name.as_deref(), Some("Martin7"));
        assert!(d
            .sessions
            .iter()
            .filter(|s| s.id != soon.id)
            .all(|s| s.referral_id.is_none() && s.first_names.is_none()));
        assert!(d.sessions.iter().all(|s| s.marks == 0));
        store
            .record_attendance(
                &actor(),
                soon.id,
                &[(supported.id, Attendance::Present)],
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        // Cancelling the appointment takes it off the list.
        store
            .set_session_cancelled(&actor(), soon.id, true)
            .await
            .unwrap();
        let d = store.structure_dashboard(plaine, TODAY).await.unwrap();
        assert_eq!(d.sessions.len(), 3);
        assert!(d.sessions.iter().all(|s| s.id != soon.id));

        let theirs = store.structure_dashboard(elsewhere, TODAY).await.unwrap();
        assert_eq!(
            (
                theirs.totals.participants,
                theirs.totals.places_taken,
                theirs.totals.to_answer
            ),
            (1, 1, 0)
        );
        assert!(matches!(
            store.structure_dashboard(Uuid::now_v7(), TODAY).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            matches!(
                store.structure_dashboard(org, TODAY).await,
                Err(StoreError::NotFound)
            ),
            "an organisation that is not a structure has no dashboard"
        );
    }
}

#[tokio::test]
async fn appointments_stay_within_the_participation() {
    for store in testing::all().await {
        let org = ccas(&store).await;
        let plaine = structure(&store, "Plaine Emploi").await;
        // Individual support with a weekly Thursday open morning (generated sessions).
        let support = action(
            &store,
            plaine,
            "Accompagnement individuel",
            "individual",
            "5",
            weekly("Th"),
            ActionStatus::Published,
        )
        .await;
        let workshop = action(
            &store,
            plaine,
            "Atelier jardin",
            "collective",
            "5",
            weekly("Tu"),
            ActionStatus::Published,
        )
        .await;
        let camille = accept(
            &store,
            &prescribe(&store, support, person(&store, org, 1).await).await,
            TODAY,
        )
        .await;
        let other = accept(
            &store,
            &prescribe(&store, support, person(&store, org, 2).await).await,
            TODAY,
        )
        .await;
        let pending = prescribe(&store, support, person(&store, org, 3).await).await;
        let in_group = accept(
            &store,
            &prescribe(&store, workshop, person(&store, org, 4).await).await,
            TODAY,
        )
        .await;

        let first = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2026-03-05", "10:00", "11:00"),
            )
            .await
            .unwrap();
        assert_eq!((first.referral_id, first.action_id), (camille.id, support));
        assert_eq!(
            (first.starts_at.as_deref(), first.ends_at.as_deref()),
            (Some("10:00"), Some("11:00"))
        );
        assert_eq!(first.note.as_deref(), Some("Point sur les démarches"));
        assert_eq!(
            (first.cancelled, first.attendance.as_deref()),
            (false, None)
        );
        let second = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2026-03-05", "15:00", ""),
            )
            .await
            .unwrap();
        let later = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2026-03-12", "09:30", ""),
            )
            .await
            .unwrap();

        // Refusals name the field.
        let before_entry = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2026-03-01", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(before_entry), "on_date");
        let after_end = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2027-01-04", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(after_end), "on_date");
        let not_entered = store
            .create_appointment(
                &actor(),
                support,
                pending.id,
                &appointment("2026-03-05", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(not_entered), "referral_id");
        let wrong_action = store
            .create_appointment(
                &actor(),
                workshop,
                camille.id,
                &appointment("2026-03-05", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(wrong_action), "referral_id");
        let collective = store
            .create_appointment(
                &actor(),
                workshop,
                in_group.id,
                &appointment("2026-03-05", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(collective), "referral_id");
        assert!(matches!(
            store
                .create_appointment(
                    &actor(),
                    support,
                    Uuid::now_v7(),
                    &appointment("2026-03-05", "10:00", "")
                )
                .await,
            Err(StoreError::NotFound)
        ));

        // The appointment's sheet: Camille alone; a mark for someone else refuses the sheet.
        let sheet = store.attendance_sheet(first.id).await.unwrap();
        assert_eq!(
            sheet.iter().map(|l| l.referral_id).collect::<Vec<_>>(),
            [camille.id]
        );
        let foreign = store
            .record_attendance(
                &actor(),
                first.id,
                &[(other.id, Attendance::Present)],
                time::OffsetDateTime::now_utc(),
            )
            .await;
        assert_eq!(invalid_field(foreign), "attendance");
        store
            .record_attendance(
                &actor(),
                first.id,
                &[(camille.id, Attendance::Excused)],
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        // The open morning of the same Thursday lists each participant once.
        let group = store
            .sessions_of(support, TODAY, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.on_date == date!(2026 - 03 - 05))
            .expect("the generated Thursday session");
        assert_eq!(group.referral_id, None);
        let mut listed: Vec<Uuid> = store
            .attendance_sheet(group.id)
            .await
            .unwrap()
            .iter()
            .map(|l| l.referral_id)
            .collect();
        listed.sort();
        let mut expected = vec![camille.id, other.id];
        expected.sort();
        assert_eq!(
            listed, expected,
            "each participant once, not once per appointment"
        );
        assert!(
            store
                .sessions_of(support, TODAY, 100)
                .await
                .unwrap()
                .iter()
                .all(|s| s.referral_id.is_none()),
            "appointments are not group sessions"
        );

        // Listed in order with their mark; the other participant has none.
        let mine = store.appointments_of(camille.id).await.unwrap();
        assert_eq!(
            mine.iter().map(|a| a.id).collect::<Vec<_>>(),
            [first.id, second.id, later.id]
        );
        assert_eq!(mine[0].attendance.as_deref(), Some("excused"));
        assert_eq!(mine[1].attendance, None);
        assert!(store.appointments_of(other.id).await.unwrap().is_empty());
        assert!(store
            .attendance_history(camille.id)
            .await
            .unwrap()
            .iter()
            .any(|l| l.session_id == first.id && l.status == Attendance::Excused));

        // Cancelled and restored like a session.
        let cancelled = store
            .set_session_cancelled(&actor(), second.id, true)
            .await
            .unwrap();
        assert_eq!(
            (cancelled.cancelled, cancelled.referral_id),
            (true, Some(camille.id))
        );
        assert!(store.appointment(second.id).await.unwrap().cancelled);
        store
            .set_session_cancelled(&actor(), second.id, false)
            .await
            .unwrap();
        assert!(!store.appointment(second.id).await.unwrap().cancelled);
        assert!(matches!(
            store.appointment(group.id).await,
            Err(StoreError::NotFound)
        ));

        // A new schedule replaces the generated sessions, never the appointments.
        let a = store.action(support).await.unwrap();
        let friday = PracticalData::parse(&PracticalInput {
            schedule: weekly("Fr"),
            ..Default::default()
        })
        .unwrap();
        store
            .update_practical(&actor(), support, a.version, &friday, TODAY)
            .await
            .unwrap();
        let kept: Vec<Uuid> = store
            .appointments_of(camille.id)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(
            kept,
            [first.id, second.id, later.id],
            "no appointment deleted"
        );
        let generated = store.sessions_of(support, TODAY, 100).await.unwrap();
        assert!(generated
            .iter()
            .filter(|s| s.on_date > date!(2026 - 03 - 05))
            .all(|s| s.on_date.weekday() == time::Weekday::Friday));
        // Back to Thursdays: the open morning of 12 March comes back beside that day's appointment.
        let a = store.action(support).await.unwrap();
        let thursday = PracticalData::parse(&PracticalInput {
            schedule: weekly("Th"),
            ..Default::default()
        })
        .unwrap();
        store
            .update_practical(&actor(), support, a.version, &thursday, TODAY)
            .await
            .unwrap();
        assert!(store
            .sessions_of(support, TODAY, 100)
            .await
            .unwrap()
            .iter()
            .any(|s| s.on_date == date!(2026 - 03 - 12) && !s.ad_hoc));
        assert_eq!(store.appointments_of(camille.id).await.unwrap().len(), 3);

        // After the exit, no more appointments.
        let camille = store.referral(camille.id).await.unwrap();
        store
            .exit_referral(
                &actor(),
                camille.id,
                camille.version,
                &ExitData {
                    exited_on: date!(2026 - 03 - 20),
                    reason: ExitReason::Completed,
                    situation: Situation::JobSearching,
                },
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        let after_exit = store
            .create_appointment(
                &actor(),
                support,
                camille.id,
                &appointment("2026-03-25", "10:00", ""),
            )
            .await;
        assert_eq!(invalid_field(after_exit), "referral_id");
        assert_eq!(
            store.appointments_of(camille.id).await.unwrap().len(),
            3,
            "the history stays"
        );
    }
}
