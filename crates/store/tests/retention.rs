//! Retention on both backends: a file with no contact since the cut-off is
//! anonymised (identity, contact, free texts gone; codes, dates, sex and
//! birth year kept, so the counts do not change), a recent one untouched,
//! old audit events deleted by the purge alone, a second run changes
//! nothing, and on SQLite the name is nowhere in the database file. Every
//! table that reaches a person or a household is one the purge considers.

use parcours_domain::account::{NewUser, NewUserInput};
use parcours_domain::audit::AuditAction;
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, FundingData, FundingInput, StructureData,
    StructureInput,
};
use parcours_domain::diagnostic::{Barrier, DiagnosticData, Severity};
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::follow_up::{LogEntryData, LogKind};
use parcours_domain::fse::{FseEntryData, FseEntryInput};
use parcours_domain::meeting::{MeetingData, MeetingKind, Modality};
use parcours_domain::oidc::ProviderIdentity;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::retention::{RetentionPolicy, ANONYMISED_NAME};
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::NewReferral;
use parcours_store::retention::{PurgeReport, TABLES};
use parcours_store::testing::Param;
use parcours_store::{testing, Actor, AuditFilter, Backend, Store, Tx};
use std::collections::BTreeSet;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

const OLD_NAME: &str = "Quastelbaum";
const OLD_DAY: Date = date!(2020 - 01 - 06);
const OLD_AT: OffsetDateTime = datetime!(2020-01-06 09:30 UTC);

fn actor() -> Actor {
    Actor::system("tests")
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

/// A published action co-financed by the FSE+.
async fn action(store: &Store, structure: Uuid) -> Uuid {
    let data = ActionData::parse(&ActionInput {
        structure_id: structure.to_string(),
        name: "Jardin FSE+".into(),
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
        fse_plus: true,
        fse_operation: "202501234".into(),
        ..Default::default()
    })
    .unwrap();
    store
        .add_funding(&actor(), action.id, &funding)
        .await
        .unwrap();
    action.id
}

/// A person with a positioning entered on the action, FSE+ data and a diagnostic.
async fn pathway(store: &Store, org: Uuid, action: Uuid, n: usize, name: &str) -> Uuid {
    let on = parcours_domain::clock::today();
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("F{n:07}"),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2025-01-10".into(),
            ..Default::default()
        },
        on,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: name.into(),
            first_names: "Zéphyrine".into(),
            birth_date: "1980-04-02".into(),
            sex: "F".into(),
            email: format!("{}@example.org", name.to_lowercase()),
            phone: "0612345678".into(),
            address: "12 rue des Lilas".into(),
            ..Default::default()
        },
        on,
    )
    .unwrap();
    let person = store
        .create_person(&actor(), org, &HouseholdTarget::New(household), &data)
        .await
        .unwrap()
        .id;
    let referral = store
        .prescribe(
            &actor(),
            &NewReferral {
                action_id: action,
                person_id: person,
                objective_id: None,
                positioned_on: on,
                assessment: Assessment {
                    verdict: Verdict::Eligible,
                    outcomes: Vec::new(),
                    uses_margin: false,
                },
                override_reason: None,
            },
        )
        .await
        .unwrap();
    let referral = store
        .accept_referral(&actor(), referral.id, referral.version, on)
        .await
        .unwrap();
    let answers = FseEntryData::parse(&FseEntryInput {
        gender: "F".into(),
        employment_status: "long_term_unemployed".into(),
        education_level: "isced_0_2".into(),
        nationality: "third_country".into(),
        disability: "yes".into(),
        foreign_background: "declined".into(),
        minority: "declined".into(),
        homeless: "no".into(),
        rural: "yes".into(),
    })
    .unwrap();
    store
        .save_fse_entry(&actor(), referral.id, 0, &answers)
        .await
        .unwrap();
    let diagnostic = DiagnosticData {
        barriers: vec![
            Barrier {
                category: "famille".into(),
                label: "Contrainte horaires".into(),
                severity: Severity::Strong,
            },
            Barrier {
                category: "sante".into(),
                label: "Suivi psychiatrique".into(),
                severity: Severity::Strong,
            },
        ],
        wishes: format!("{name} veut travailler au jardin"),
        health_notes: "Dépression sévère".into(),
        ..DiagnosticData::default()
    };
    store
        .save_diagnostic(&actor(), person, 0, &diagnostic, on)
        .await
        .unwrap();
    let confided = LogEntryData {
        kind: LogKind::Interview,
        occurred_on: on,
        text: format!("{name} parle de sa dépression"),
        sensitive: true,
    };
    store
        .add_log_entry(&actor(), person, &confided)
        .await
        .unwrap();
    let referent = NewUser::parse(&NewUserInput {
        email: format!("referent{n}@example.org"),
        display_name: format!("Référent {n}"),
        role: "referent".into(),
        organisation_id: org.to_string(),
        territory_id: String::new(),
        password: "un mot de passe solide".into(),
    })
    .unwrap();
    let referent = store
        .create_account(&actor(), &referent, "hash", false)
        .await
        .unwrap();
    let visit = MeetingData {
        kind: MeetingKind::FollowUp,
        starts_at: parcours_store::now() + time::Duration::days(1),
        duration_minutes: 30,
        modality: Modality::OnSite,
        place: Some(format!("Chez {name}, 12 rue des Lilas")),
        note: Some("Avis d'imposition".into()),
        channels: vec![parcours_domain::outbox::Channel::Sms],
    };
    let planned = store
        .plan_meetings(
            &actor(),
            referent.id,
            org,
            &[(person, visit)],
            time::Duration::ZERO,
        )
        .await
        .unwrap();
    // A reminder sent: the number it went to is personal data.
    let taken = store
        .take_due_messages(parcours_store::now(), 10)
        .await
        .unwrap();
    for message in taken.iter().filter(|m| m.meeting_id == planned[0].id) {
        store
            .record_attempt(
                message.id,
                &parcours_store::outbox::Attempt::Sent {
                    recipient: "+33612345678".into(),
                    provider_id: None,
                },
            )
            .await
            .unwrap();
    }
    person
}

/// `sql` counts, with `$1` the person when it names one.
async fn count(store: &Store, sql: &str, person: Uuid) -> i64 {
    let mut tx = store.begin().await.unwrap();
    match &mut tx {
        Tx::Sqlite(tx) => {
            let query = sqlx::query_scalar(sql);
            let query = if sql.contains("$1") {
                query.bind(person)
            } else {
                query
            };
            query.fetch_one(&mut **tx).await.unwrap()
        }
        Tx::Postgres(tx) => {
            let query = sqlx::query_scalar(sql);
            let query = if sql.contains("$1") {
                query.bind(person)
            } else {
                query
            };
            query.fetch_one(&mut **tx).await.unwrap()
        }
    }
}

/// Moves every dated event of a file back to the beginning of 2020.
async fn backdate(store: &Store, person: Uuid) {
    let at = || Param::from(OLD_AT);
    let day = || Param::from(OLD_DAY);
    let id = || Param::from(person);
    let household = "(SELECT household_id FROM persons WHERE id = $2)";
    let referrals = "(SELECT id FROM referrals WHERE person_id = $2)";
    for (sql, binds) in [
        (
            "UPDATE persons SET created_at = $1, updated_at = $1 WHERE id = $2".to_owned(),
            [at(), id()],
        ),
        (
            "UPDATE persons SET duties_since = $1 WHERE id = $2 AND duties_since IS NOT NULL"
                .to_owned(),
            [day(), id()],
        ),
        (
            format!("UPDATE households SET created_at = $1, updated_at = $1 WHERE id = {household}"),
            [at(), id()],
        ),
        (
            format!("UPDATE households SET rsa_state_on = $1 WHERE id = {household}"),
            [day(), id()],
        ),
        (
            "UPDATE person_revisions SET changed_at = $1 WHERE person_id = $2".to_owned(),
            [at(), id()],
        ),
        (
            "UPDATE referrals SET requested_at = $1, answered_at = $1, created_at = $1, updated_at = $1
             WHERE person_id = $2"
                .to_owned(),
            [at(), id()],
        ),
        (
            "UPDATE referrals SET positioned_on = $1, entered_on = $1 WHERE person_id = $2"
                .to_owned(),
            [day(), id()],
        ),
        (
            format!("UPDATE fse_entries SET recorded_at = $1 WHERE referral_id IN {referrals}"),
            [at(), id()],
        ),
        (
            "UPDATE diagnostics SET created_at = $1 WHERE person_id = $2".to_owned(),
            [at(), id()],
        ),
        (
            "UPDATE diagnostics SET revised_on = $1 WHERE person_id = $2".to_owned(),
            [day(), id()],
        ),
        (
            "UPDATE follow_up_log SET occurred_on = $1 WHERE person_id = $2".to_owned(),
            [day(), id()],
        ),
        (
            "UPDATE follow_up_log SET recorded_at = $1 WHERE person_id = $2".to_owned(),
            [at(), id()],
        ),
        (
            "UPDATE meetings SET starts_at = $1, created_at = $1, updated_at = $1 WHERE person_id = $2"
                .to_owned(),
            [at(), id()],
        ),
    ] {
        testing::execute(store, &sql, binds.into()).await.unwrap();
    }
}

/// What the statistics count, before and after a purge.
async fn figures(store: &Store, structure: Uuid) -> String {
    let dashboard = store
        .structure_dashboard(structure, parcours_domain::clock::today())
        .await
        .unwrap();
    let participants = store.fse_participants(structure).await.unwrap();
    let entries: Vec<String> = {
        let mut all = Vec::new();
        for p in &participants {
            let entry = store
                .fse_entry(&actor(), p.referral_id)
                .await
                .unwrap()
                .unwrap();
            all.push(format!(
                "{} {} {} {} {} {}",
                entry.gender,
                entry.birth_date.year(),
                entry.employment_status,
                entry.education_level,
                entry.disability,
                entry.nationality
            ));
        }
        all.sort();
        all
    };
    format!(
        "{:?} {:?} {} {:?} {}",
        dashboard.totals,
        dashboard.actions,
        participants.len(),
        entries,
        store.count_persons().await.unwrap()
    )
}

#[tokio::test]
async fn an_old_file_is_anonymised_a_recent_one_kept_and_old_audit_deleted() {
    for store in testing::all().await {
        let org = store
            .create_organisation(&actor(), "CCAS de Caen", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let structure = structure(&store).await;
        let action = action(&store, structure).await;
        let old = pathway(&store, org, action, 1, OLD_NAME).await;
        backdate(&store, old).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let audit_cut = parcours_store::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let recent = pathway(&store, org, action, 2, "Tournesol").await;
        let recent_before = store.person(recent).await.unwrap();

        let today = parcours_domain::clock::today();
        let mut cutoffs = RetentionPolicy::default().cutoffs(today);
        cutoffs.audit_before = audit_cut;

        let preview = store.retention_preview(&cutoffs).await.unwrap();
        assert_eq!(
            preview
                .files
                .iter()
                .map(|f| f.person_id)
                .collect::<Vec<_>>(),
            vec![old],
            "only the old file"
        );
        assert_eq!(preview.files[0].last_contact, Some(OLD_DAY));
        assert_eq!(
            preview.files[0].organisation.as_deref(),
            Some("CCAS de Caen")
        );
        assert!(preview.audit_events > 0);

        let before = figures(&store, structure).await;
        let report = store
            .retention_purge(&actor(), &cutoffs, today)
            .await
            .unwrap();
        assert_eq!(
            report,
            PurgeReport {
                anonymised: 1,
                households: 1,
                audit_events_deleted: preview.audit_events,
                join_requests_deleted: 0,
            }
        );
        assert_eq!(figures(&store, structure).await, before, "the counts stay");

        // The old file: identity, contact and free texts gone; the rest kept.
        let person = store.person(old).await.unwrap();
        assert_eq!(person.last_name, ANONYMISED_NAME);
        assert_eq!(person.first_names, "");
        assert_eq!(person.birth_date, date!(1980 - 01 - 01));
        assert_eq!(person.sex.code(), "F");
        assert_eq!(
            (person.email, person.phone, person.address, person.nir),
            (None, None, None, None)
        );
        assert_eq!(person.responsible_organisation_id, Some(org));
        let household = store.household(person.household_id.unwrap()).await.unwrap();
        assert!(household.rsa_number.starts_with("ANONYME-"));
        assert!(store.person_revisions(old).await.unwrap().is_empty());
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM person_name_tokens WHERE person_id = $1",
                old
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM referrals WHERE person_id = $1 AND status = 'entered'",
                old
            )
            .await,
            1,
            "the positioning is kept"
        );
        let diagnostic = &store.diagnostic_revisions(old).await.unwrap()[0];
        assert_eq!(diagnostic.data.wishes, "");
        assert_eq!(diagnostic.data.health_notes, "");
        assert_eq!(
            diagnostic.data.barriers.len(),
            1,
            "the health barrier is gone"
        );
        assert_eq!(diagnostic.revised_on, OLD_DAY);
        assert!(store.log_entries(old, true).await.unwrap().is_empty());
        let meeting = &store.meetings_of_person(old).await.unwrap()[0];
        assert_eq!((&meeting.place, &meeting.note), (&None, &None));
        assert_eq!(
            meeting.kind,
            MeetingKind::FollowUp,
            "what it was for is kept"
        );
        let messages = store.messages_of_person(old).await.unwrap();
        assert!(!messages.is_empty());
        assert!(
            messages.iter().all(|m| m.recipient.is_none()),
            "the number a message went to is blanked: {messages:?}"
        );

        // The recent file is untouched.
        assert_eq!(store.person(recent).await.unwrap(), recent_before);
        assert_eq!(store.log_entries(recent, true).await.unwrap().len(), 1);
        assert!(store.meetings_of_person(recent).await.unwrap()[0]
            .place
            .is_some());
        assert_eq!(
            store.diagnostic_revisions(recent).await.unwrap()[0]
                .data
                .health_notes,
            "Dépression sévère"
        );

        // Old audit events are gone, recent ones kept, the run recorded.
        let all = |from: Option<OffsetDateTime>, to: Option<OffsetDateTime>| AuditFilter {
            from,
            to,
            limit: 1000,
            ..AuditFilter::default()
        };
        assert!(store
            .audit_events(&all(None, Some(audit_cut)))
            .await
            .unwrap()
            .is_empty());
        let kept = store
            .audit_events(&all(Some(audit_cut), None))
            .await
            .unwrap();
        assert!(kept.iter().any(|e| e.entity_id == Some(recent.to_string())));
        let run = kept.iter().find(|e| e.entity_type == "retention").unwrap();
        assert_eq!(run.action, AuditAction::Delete.code());
        let detail = run.detail.clone().unwrap();
        assert!(detail.contains("1 dossier(s)"), "{detail}");
        assert!(!detail.contains(OLD_NAME));

        // Everyone else still may not delete the audit trail.
        let mut refused = vec![
            "DELETE FROM audit_events",
            "UPDATE audit_events SET detail = ''",
        ];
        if store.backend() == Backend::Sqlite {
            refused.extend([
                "DELETE FROM lectures.audit_events",
                "UPDATE lectures.audit_events SET detail = ''",
            ]);
        } else {
            refused.push("TRUNCATE audit_events");
        }
        for sql in refused {
            assert!(
                testing::execute(&store, sql, vec![]).await.is_err(),
                "{sql} must be refused"
            );
        }
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_purge_permits", old).await,
            0,
            "no permit left behind"
        );

        // A second run changes nothing.
        let again = store
            .retention_purge(&actor(), &cutoffs, today)
            .await
            .unwrap();
        assert_eq!(again, PurgeReport::default());
        assert_eq!(figures(&store, structure).await, before);
        assert!(store
            .retention_preview(&cutoffs)
            .await
            .unwrap()
            .files
            .is_empty());

        // On SQLite, the name is nowhere in the database's files.
        if let Some(file) = testing::sqlite_file(&store) {
            for path in [file.clone(), file.with_extension("db-wal")] {
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let lower = OLD_NAME.to_lowercase();
                let found = bytes
                    .windows(OLD_NAME.len())
                    .any(|w| w == OLD_NAME.as_bytes() || w == lower.as_bytes());
                assert!(!found, "{OLD_NAME} still in {}", path.display());
            }
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                bytes.windows(9).any(|w| w == b"Tournesol"),
                "the check reads the file: the kept name is found"
            );
        }
    }
}

/// Every table holding person data (the same walk as the right of access
/// export's test: a column naming a person, a household or a positioning,
/// or a foreign key to such a table) is listed in `retention::TABLES`.
/// A household with an open file in droits et devoirs is kept however old
/// its last contact (the accompaniment runs), its child with it; once that
/// file is closed, both are anonymised two years after their last contact.
#[tokio::test]
async fn a_household_in_droits_et_devoirs_is_kept_however_old_its_last_contact() {
    for store in testing::all().await {
        let org = store
            .create_organisation(&actor(), "CCAS de Bayeux", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let structure = structure(&store).await;
        let action = action(&store, structure).await;
        let parent = pathway(&store, org, action, 3, "Ancienne").await;
        let household = store.person(parent).await.unwrap().household_id.unwrap();
        let child = PersonData::parse(
            &PersonInput {
                household_role: "ENF".into(),
                last_name: "Ancienne".into(),
                first_names: "Léon".into(),
                birth_date: "2012-05-03".into(),
                sex: "M".into(),
                ..Default::default()
            },
            parcours_domain::clock::today(),
        )
        .unwrap();
        let child = store
            .create_person(&actor(), org, &HouseholdTarget::Existing(household), &child)
            .await
            .unwrap()
            .id;
        let in_duties =
            "UPDATE persons SET subject_to_duties = TRUE, duties_since = $1 WHERE id = $2";
        testing::execute(&store, in_duties, vec![OLD_DAY.into(), parent.into()])
            .await
            .unwrap();
        backdate(&store, parent).await;
        backdate(&store, child).await;
        let today = parcours_domain::clock::today();
        let cutoffs = RetentionPolicy::default().cutoffs(today);
        let anonymised = || async {
            let mut ids: Vec<Uuid> = store
                .retention_preview(&cutoffs)
                .await
                .unwrap()
                .files
                .iter()
                .map(|f| f.person_id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            anonymised().await,
            Vec::<Uuid>::new(),
            "still in droits et devoirs"
        );

        let closed =
            "UPDATE persons SET closed_on = $1, closure_reason = 'rsa_closed' WHERE id = $2";
        testing::execute(&store, closed, vec![OLD_DAY.into(), parent.into()])
            .await
            .unwrap();
        let mut both = vec![parent, child];
        both.sort();
        assert_eq!(anonymised().await, both, "closed in 2020");
        let report = store
            .retention_purge(&actor(), &cutoffs, today)
            .await
            .unwrap();
        assert_eq!((report.anonymised, report.households), (2, 1));
    }
}

/// A request to join a structure is kept as long as the audit trail of its
/// decision: decided (or left waiting) before the audit cut-off, it goes
/// with the partner's name, address and SIRET; a recent one stays.
#[tokio::test]
async fn requests_to_join_a_structure_go_with_the_audit_trail() {
    for store in testing::all().await {
        let structure = structure(&store).await;
        let siret = "73282932000074";
        let request = |subject: &'static str| {
            let store = store.clone();
            async move {
                let identity = ProviderIdentity {
                    provider: "proconnect".into(),
                    subject: subject.into(),
                    email: Some(format!("{subject}@jardin.example")),
                    email_verified: true,
                    given_name: Some("Albane".into()),
                    family_name: Some("Verger".into()),
                    siret: Some(siret.into()),
                    ..Default::default()
                };
                let email = format!("{subject}@jardin.example");
                store
                    .open_join_request(&identity, &email, siret, structure)
                    .await
                    .unwrap()
            }
        };
        let old = request("ancienne").await;
        store
            .decide_join_request(&actor(), old.id, old.version, false)
            .await
            .unwrap();
        let sql = "UPDATE join_requests SET created_at = $1, decided_at = $1 WHERE id = $2";
        testing::execute(&store, sql, vec![OLD_AT.into(), old.id.into()])
            .await
            .unwrap();
        let waiting = request("recente").await;

        let today = parcours_domain::clock::today();
        let cutoffs = RetentionPolicy::default().cutoffs(today);
        let preview = store.retention_preview(&cutoffs).await.unwrap();
        assert_eq!(preview.join_requests, 1);
        let report = store
            .retention_purge(&actor(), &cutoffs, today)
            .await
            .unwrap();
        assert_eq!(report.join_requests_deleted, 1);
        let left: Vec<Uuid> = store
            .join_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, vec![waiting.id], "the recent request stays");
    }
}

#[tokio::test]
async fn every_table_that_reaches_a_person_is_considered_by_the_purge() {
    for store in testing::all().await {
        let reaching = testing::tables_holding_person_data(&store).await.unwrap();
        assert!(
            reaching.contains("attendances"),
            "the walk goes down the chains: {reaching:?}"
        );
        let considered: BTreeSet<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        for table in &reaching {
            assert!(
                considered.contains(table.as_str()),
                "table {table} reaches a person's file: say in retention::TABLES what the purge does with it"
            );
        }
    }
}
