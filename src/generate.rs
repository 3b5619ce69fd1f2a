//! The scale dataset of `parcours generate`: a département's insertion
//! service over five years — households and people (couples among them,
//! some files closed), orientations, référents, joint reviews, diagnostics,
//! contracts, positionings on the catalogue's actions, sessions,
//! attendance, FSE+ data — deterministic for a seed (ids included).
//!
//! Each person is planned in memory with consistent dates ([`pathway`],
//! [`activity`]), then written with the rows the store's own operations
//! would have left, in multi-row statements and one transaction per five
//! thousand people: 100 000 people take minutes, not the better part of an
//! hour. Clocks are the domain's, computed from the same dates.

mod activity;
mod pathway;
pub mod random;
mod texts;

use crate::generated_catalogue::HISTORY_DAYS;
use activity::Catalogue;
use parcours_domain::audit::AuditAction;
use parcours_domain::contract::ContractKind;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::ClosureReason;
use parcours_domain::referral::Attendance;
use parcours_store::bulk::{Rows, Value};
use parcours_store::catalogue::json;
use parcours_store::person::Person;
use parcours_store::person_load::PeopleLoad;
use parcours_store::{now, Actor, Store, StoreError, Tx};
use pathway::{Member, Setting};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// People per transaction.
const BATCH: usize = 5_000;

/// How far `dataset` has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Actions written, of how many.
    Actions(usize, usize),
    /// People written, of how many.
    People(usize, usize),
}

/// The demo data (loaded first if missing), `actions` more actions in the
/// catalogue, then `people` more people positioned on the catalogue's
/// actions. Deterministic for a given seed; a second run adds more.
pub async fn dataset(
    store: &Store,
    people: usize,
    actions: usize,
    seed: u64,
    progress: impl Fn(Progress),
) -> Result<(), StoreError> {
    crate::demo::load(store).await?;
    let today = parcours_domain::clock::today();
    crate::generated_catalogue::generate(store, actions, seed, today, |done| {
        progress(Progress::Actions(done, actions))
    })
    .await?;
    generate_people(store, people, seed, today, |done| {
        progress(Progress::People(done, people))
    })
    .await
}

/// Adds `count` people (with their households) to a database holding the
/// demo data, positioned on the actions already in the catalogue.
pub async fn generate_people(
    store: &Store,
    count: usize,
    seed: u64,
    today: Date,
    progress: impl Fn(usize),
) -> Result<(), StoreError> {
    if count == 0 {
        return Ok(());
    }
    let actor = Actor::system("génération de données");
    let ccas = store.organisation_by_name(crate::demo::CCAS).await?.id;
    // About 100 people followed by each référent, as in a real service.
    let referents = crate::demo::generated_referents(store, &actor, ccas, count / 250 + 1)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, id)| (id, crate::demo::referent_email(n + 1)))
        .collect();
    let setting = Setting {
        today,
        now: now(),
        ids: random::Ids::new(seed),
        seed,
        department: store
            .organisation_by_name(crate::demo::DEPARTMENT)
            .await?
            .id,
        ccas,
        france_travail: store
            .organisation_by_name(crate::demo::FRANCE_TRAVAIL)
            .await?
            .id,
        referents,
        label: actor.label.clone(),
    };
    let offer_days = store.deadline_settings().await?.offer_days;
    let mut catalogue = Catalogue::load(store, today, HISTORY_DAYS).await?;
    // Numbered after the people already there: numbers never collide.
    let first = store.count_persons().await? as u64;
    let (mut index, mut key, mut done) = (first, first, 0);
    while done < count {
        let mut tx = store.begin().await?;
        let mut load = PeopleLoad::new(&mut tx, &actor.label).await?;
        let mut tables = Tables::new();
        let mut written = 0;
        while written < BATCH && done + written < count {
            let room = count - done - written;
            let household = pathway::household(&setting, index, key, room);
            load.household(household.id, &household.data);
            for m in &household.members {
                match m.closed {
                    None => {
                        load.person(m.id, household.id, Some(m.organisation), &m.data, m.facts())?;
                    }
                    Some((on, reason)) => {
                        tables.closed_person(&setting, &load, household.id, m, on, reason)
                    }
                }
                tables.pathway(&setting, m);
                activity::positionings(&setting, &mut catalogue, &mut tables, m, offer_days);
            }
            index += 1;
            key += household.members.len() as u64;
            written += household.members.len();
        }
        load.write(&mut tx).await?;
        tables.write(&mut tx).await?;
        let touched: Vec<Uuid> = std::mem::take(&mut catalogue.touched)
            .into_iter()
            .map(|i| catalogue.offers[i].id)
            .collect();
        parcours_store::referral::recount_places(&mut tx, &touched).await?;
        let detail = format!("génération de données : {written} personnes");
        parcours_store::audit::record(
            &mut tx,
            &actor,
            AuditAction::Create,
            "person",
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        done += written;
        progress(done);
    }
    Ok(())
}

/// The rows of one batch beyond the files themselves, in writing order.
pub struct Tables {
    closed: Rows,
    closed_tokens: Rows,
    closed_revisions: Rows,
    orientations: Rows,
    assignments: Rows,
    reviews: Rows,
    diagnostics: Rows,
    /// A CER has no weekly hours: a NULL integer, in a statement of its own.
    cers: Rows,
    engagements: Rows,
    objectives: Rows,
    referrals: Rows,
    appointments: Rows,
    attendances: Rows,
    fse: Rows,
}

const PERSON_COLUMNS: &[&str] = &[
    "id",
    "household_id",
    "household_role",
    "last_name",
    "first_names",
    "birth_name",
    "birth_date",
    "sex",
    "nir",
    "email",
    "phone",
    "address",
    "commune_code",
    "territory_id",
    "subject_to_duties",
    "duties_since",
    "single_parent",
    "other_minimum_income",
    "rqth",
    "responsible_organisation_id",
    "closed_on",
    "closure_reason",
    "version",
    "created_at",
    "updated_at",
];

const CONTRACT_COLUMNS: &[&str] = &[
    "id",
    "person_id",
    "kind",
    "orientation_id",
    "assignment_id",
    "status",
    "starts_on",
    "duration_months",
    "ends_on",
    "hours_reason",
    "hours_note",
    "person_commitments",
    "organisation_commitments",
    "signed_on",
    "validated_on",
    "validated_by",
    "rejection_reason",
    "ended_on",
    "reviewed_on",
    "review_comment",
    "previous_contract_id",
    "version",
    "created_by",
    "created_at",
    "updated_at",
    "weekly_hours",
];

impl Tables {
    fn new() -> Tables {
        Tables {
            closed: Rows::new("persons", PERSON_COLUMNS),
            closed_tokens: Rows::new("person_name_tokens", parcours_store::person::TOKEN_COLUMNS),
            closed_revisions: Rows::new(
                "person_revisions",
                &[
                    "id",
                    "person_id",
                    "version",
                    "changed_at",
                    "changed_by",
                    "data",
                ],
            ),
            orientations: Rows::new(
                "orientations",
                &[
                    "id",
                    "person_id",
                    "kind",
                    "lead_organisation_id",
                    "decided_on",
                    "reason",
                    "extended_review",
                    "decided_by",
                    "status",
                    "notified_on",
                    "reviewed_by",
                    "rejection_reason",
                    "created_at",
                ],
            ),
            assignments: Rows::new(
                "referent_assignments",
                &[
                    "id",
                    "person_id",
                    "orientation_id",
                    "referent_id",
                    "starts_on",
                    "ends_on",
                    "created_by",
                    "created_at",
                ],
            ),
            reviews: Rows::new(
                "pathway_reviews",
                &[
                    "id",
                    "person_id",
                    "reviewed_on",
                    "outcome",
                    "created_by",
                    "created_at",
                ],
            ),
            diagnostics: Rows::new(
                "diagnostics",
                &[
                    "id",
                    "person_id",
                    "version",
                    "data",
                    "created_by",
                    "created_at",
                ],
            ),
            cers: Rows::new("contracts", &CONTRACT_COLUMNS[..CONTRACT_COLUMNS.len() - 1]),
            engagements: Rows::new("contracts", CONTRACT_COLUMNS),
            objectives: Rows::new(
                "contract_objectives",
                &[
                    "id",
                    "contract_id",
                    "position",
                    "category",
                    "title",
                    "barriers",
                    "actions",
                    "review_result",
                    "review_comment",
                ],
            ),
            referrals: Rows::new(
                "referrals",
                &[
                    "id",
                    "action_id",
                    "person_id",
                    "origin",
                    "status",
                    "objective_id",
                    "requested_by",
                    "requested_at",
                    "eligibility",
                    "override_reason",
                    "uses_margin",
                    "priority",
                    "offer_until",
                    "answered_at",
                    "refusal_reason",
                    "refusal_comment",
                    "entered_on",
                    "exited_on",
                    "exit_reason",
                    "exit_situation",
                    "situation_4_weeks",
                    "validated_by",
                    "cancel_reason",
                    "version",
                    "created_at",
                    "updated_at",
                ],
            ),
            appointments: Rows::new(
                "action_sessions",
                &[
                    "id",
                    "action_id",
                    "on_date",
                    "starts_at",
                    "ends_at",
                    "ad_hoc",
                    "cancelled",
                    "note",
                    "referral_id",
                    "created_at",
                ],
            ),
            attendances: Rows::new(
                "attendances",
                parcours_store::attendance::ATTENDANCE_COLUMNS,
            ),
            fse: Rows::new(
                "fse_entries",
                &[
                    "referral_id",
                    "sex",
                    "birth_date",
                    "employment_status",
                    "education_level",
                    "nationality",
                    "disability",
                    "minority_background",
                    "homeless",
                    "rural",
                    "recorded_by",
                    "recorded_at",
                ],
            ),
        }
    }

    /// A closed file: as `close_person` leaves it (second version, both
    /// revisions kept, no clocks).
    fn closed_person(
        &mut self,
        setting: &Setting,
        load: &PeopleLoad,
        household_id: Uuid,
        m: &Member,
        on: Date,
        reason: ClosureReason,
    ) {
        let data = &m.data;
        let at = now();
        let territory_id = data.commune_code.as_deref().and_then(|c| load.territory(c));
        let mut person = Person {
            id: m.id,
            household_id,
            household_role: data.household_role.code().to_owned(),
            last_name: data.last_name.clone(),
            first_names: data.first_names.clone(),
            birth_name: data.birth_name.clone(),
            birth_date: data.birth_date,
            sex: data.sex.code().to_owned(),
            nir: data.nir.as_ref().map(|n| n.as_str().to_owned()),
            email: data.email.clone(),
            phone: data.phone.clone(),
            address: data.address.clone(),
            commune_code: data.commune_code.clone(),
            territory_id,
            subject_to_duties: data.subject_to_duties,
            duties_since: data.duties_since,
            single_parent: data.single_parent,
            other_minimum_income: data.other_minimum_income,
            rqth: data.rqth,
            responsible_organisation_id: Some(m.organisation),
            closed_on: None,
            closure_reason: None,
            merged_into_id: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let mut revision = |person: &Person| {
            self.closed_revisions.push(vec![
                setting
                    .ids
                    .sub(random::Kind::Revision, m.key, person.version as u64)
                    .into(),
                person.id.into(),
                Value::Int(person.version),
                at.into(),
                setting.label.clone().into(),
                json(person).into(),
            ]);
        };
        revision(&person);
        person.closed_on = Some(on);
        person.closure_reason = Some(reason.code().to_owned());
        person.version = 2;
        revision(&person);
        for token in data.name_tokens() {
            let row = parcours_store::person::token_row(token, &person);
            self.closed_tokens.push(row);
        }
        self.closed.push(vec![
            person.id.into(),
            household_id.into(),
            person.household_role.into(),
            person.last_name.into(),
            person.first_names.into(),
            person.birth_name.into(),
            person.birth_date.into(),
            person.sex.into(),
            person.nir.into(),
            person.email.into(),
            person.phone.into(),
            person.address.into(),
            person.commune_code.into(),
            territory_id.into(),
            person.subject_to_duties.into(),
            person.duties_since.into(),
            person.single_parent.into(),
            person.other_minimum_income.into(),
            person.rqth.into(),
            person.responsible_organisation_id.into(),
            person.closed_on.into(),
            person.closure_reason.into(),
            Value::Int(person.version),
            at.into(),
            at.into(),
        ]);
    }

    /// Orientations, designations, reviews, diagnostics, contracts.
    fn pathway(&mut self, setting: &Setting, m: &Member) {
        let label = || setting.label.clone();
        let author = |day: Date| {
            m.assignment_on(day)
                .map_or_else(label, |a| setting.referents[a.referent].1.clone())
        };
        for o in &m.orientations {
            let reviewed = o.status != OrientationStatus::Pending;
            self.orientations.push(vec![
                o.id.into(),
                m.id.into(),
                o.kind.code().into(),
                o.lead.into(),
                o.decided_on.into(),
                o.reason.clone().into(),
                o.extended_review.into(),
                label().into(),
                o.status.code().into(),
                o.notified_on.into(),
                reviewed.then(label).into(),
                o.rejection_reason.clone().into(),
                o.created_at.into(),
            ]);
        }
        for a in &m.assignments {
            self.assignments.push(vec![
                a.id.into(),
                m.id.into(),
                Some(a.orientation_id).into(),
                setting.referents[a.referent].0.into(),
                a.starts_on.into(),
                a.ends_on.into(),
                label().into(),
                a.created_at.into(),
            ]);
        }
        for r in &m.reviews {
            self.reviews.push(vec![
                r.id.into(),
                m.id.into(),
                r.on.into(),
                r.outcome.into(),
                author(r.on).into(),
                r.created_at.into(),
            ]);
        }
        for d in &m.diagnostics {
            self.diagnostics.push(vec![
                d.id.into(),
                m.id.into(),
                Value::Int(d.version),
                json(&d.data).into(),
                d.created_by.clone().into(),
                d.created_at.into(),
            ]);
        }
        for c in &m.contracts {
            let mut row: Vec<Value> = vec![
                c.id.into(),
                m.id.into(),
                c.data.kind.code().into(),
                c.orientation_id.into(),
                c.assignment_id.into(),
                c.status.code().into(),
                c.data.starts_on.into(),
                Value::Int(c.data.duration_months),
                c.data.ends_on.into(),
                c.data.hours_reason.map(|r| r.code()).into(),
                c.data.hours_note.clone().into(),
                c.data.person_commitments.clone().into(),
                c.data.organisation_commitments.clone().into(),
                c.signed_on.into(),
                c.validated_on.into(),
                c.validated_on
                    .map(|_| "cadre@demo.parcours.fr".to_owned())
                    .into(),
                c.rejection_reason.clone().into(),
                c.ended_on.into(),
                c.reviewed_on.into(),
                c.review_comment.clone().into(),
                c.previous.into(),
                Value::Int(c.version),
                c.created_by.clone().into(),
                c.created_at.into(),
                c.updated_at.into(),
            ];
            match (c.data.kind, c.data.weekly_hours) {
                (ContractKind::Engagement, Some(hours)) => {
                    row.push(Value::Int(hours));
                    self.engagements.push(row);
                }
                _ => self.cers.push(row),
            }
            for (position, o) in c.objectives.iter().enumerate() {
                self.objectives.push(vec![
                    o.id.into(),
                    c.id.into(),
                    Value::Int(position as i64),
                    o.objective.category.clone().into(),
                    o.objective.title.clone().into(),
                    json(&o.objective.barriers).into(),
                    json(&o.objective.actions).into(),
                    o.result.as_ref().map(|(r, _)| r.code()).into(),
                    o.result.as_ref().and_then(|(_, c)| c.clone()).into(),
                ]);
            }
        }
    }

    fn attendance(
        &mut self,
        session: Uuid,
        referral: Uuid,
        mark: Attendance,
        by: &str,
        at: OffsetDateTime,
    ) {
        self.attendances.push(vec![
            session.into(),
            referral.into(),
            mark.code().into(),
            by.into(),
            at.into(),
        ]);
    }

    /// An individual appointment: a session of its own, for one participant.
    fn appointment(
        &mut self,
        id: Uuid,
        action: Uuid,
        referral: Uuid,
        on: Date,
        cancelled: bool,
        at: OffsetDateTime,
    ) {
        self.appointments.push(vec![
            id.into(),
            action.into(),
            on.into(),
            Some("10:00").into(),
            Some("11:00").into(),
            true.into(),
            cancelled.into(),
            Option::<String>::None.into(),
            Some(referral).into(),
            at.into(),
        ]);
    }

    async fn write(&mut self, tx: &mut Tx) -> Result<(), StoreError> {
        self.closed.write(tx).await?;
        self.closed_tokens.write(tx).await?;
        self.closed_revisions.write(tx).await?;
        self.orientations.write(tx).await?;
        self.assignments.write(tx).await?;
        self.reviews.write(tx).await?;
        self.diagnostics.write(tx).await?;
        // A CER renewed after 2024 becomes a contrat d'engagement: CERs first.
        self.cers.write(tx).await?;
        self.engagements.write(tx).await?;
        self.objectives.write(tx).await?;
        self.referrals.write(tx).await?;
        self.appointments.write(tx).await?;
        self.attendances.write(tx).await?;
        self.fse.write(tx).await
    }
}
