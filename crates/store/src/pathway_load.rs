//! Loading people's pathways in bulk (the scale dataset of `parcours
//! generate`): orientations, référent designations, joint reviews,
//! diagnostics, contracts and their objectives, positionings, individual
//! appointments, attendance marks and FSE+ data, each as the store's own
//! operations leave it, queued then written in multi-row statements inside
//! the caller's transaction. The tables and their columns are the store's.

use crate::bulk::{Rows, Value};
use crate::catalogue::json;
use crate::{Result, Tx};
use parcours_domain::contract::{
    ContractData, ContractKind, ContractStatus, Objective, ReviewResult,
};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::eligibility::Assessment;
use parcours_domain::fse::FseEntryData;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::referral::{Attendance, ExitReason, ReferralStatus, RefusalReason, Situation};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An orientation as decided, then reviewed (or still pending).
pub struct Orientation<'a> {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: OrientationKind,
    pub lead_organisation_id: Uuid,
    pub decided_on: Date,
    pub reason: Option<&'a str>,
    pub extended_review: bool,
    pub decided_by: &'a str,
    pub status: OrientationStatus,
    pub notified_on: Option<Date>,
    pub reviewed_by: Option<&'a str>,
    pub rejection_reason: Option<&'a str>,
    pub created_at: OffsetDateTime,
}

/// A référent's designation.
pub struct Assignment<'a> {
    pub id: Uuid,
    pub person_id: Uuid,
    pub orientation_id: Uuid,
    pub referent_id: Uuid,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub created_by: &'a str,
    pub created_at: OffsetDateTime,
}

/// A contract in the state its steps left it (its objectives apart).
pub struct Contract<'a> {
    pub id: Uuid,
    pub person_id: Uuid,
    pub data: &'a ContractData,
    pub orientation_id: Uuid,
    pub assignment_id: Uuid,
    pub status: ContractStatus,
    pub signed_on: Option<Date>,
    pub validated_on: Option<Date>,
    pub validated_by: Option<&'a str>,
    pub rejection_reason: Option<&'a str>,
    pub ended_on: Option<Date>,
    pub reviewed_on: Option<Date>,
    pub review_comment: Option<&'a str>,
    pub previous_contract_id: Option<Uuid>,
    pub version: i64,
    pub created_by: &'a str,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A positioning on an action, as the store's steps leave it.
pub struct Referral {
    pub id: Uuid,
    pub action_id: Uuid,
    pub person_id: Uuid,
    /// An auto-positioning rather than a prescription.
    pub self_referral: bool,
    pub status: ReferralStatus,
    pub objective_id: Option<Uuid>,
    pub requested_by: String,
    pub requested_at: OffsetDateTime,
    /// The day of the positioning (on or before the entry).
    pub positioned_on: Date,
    pub eligibility: Assessment,
    pub override_reason: Option<String>,
    pub uses_margin: bool,
    pub priority: i64,
    pub offer_until: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    pub refusal_reason: Option<RefusalReason>,
    pub refusal_comment: Option<String>,
    pub entered_on: Option<Date>,
    pub exited_on: Option<Date>,
    pub exit_reason: Option<ExitReason>,
    pub exit_situation: Option<Situation>,
    pub situation_4_weeks: Option<Situation>,
    /// When the situation 4 weeks after the exit was observed (within 4
    /// weeks of it), and when it was typed.
    pub situation_4_weeks_on: Option<Date>,
    pub situation_4_weeks_recorded_at: Option<OffsetDateTime>,
    pub validated_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

/// An individual appointment: a session of its own, for one participant.
pub struct Appointment<'a> {
    pub id: Uuid,
    pub action_id: Uuid,
    pub referral_id: Uuid,
    pub on_date: Date,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    pub cancelled: bool,
    pub created_at: OffsetDateTime,
}

/// The FSE+ data of a participant (sex and birth date copied from the file).
pub struct FseEntry<'a> {
    pub referral_id: Uuid,
    pub birth_date: Date,
    pub data: &'a FseEntryData,
    pub recorded_by: &'a str,
    pub recorded_at: OffsetDateTime,
}

/// The rows of a batch of pathways, written in the order of their foreign keys.
pub struct PathwayLoad {
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
    /// Actions whose places the batch changed: counted again once written.
    recount: Vec<Uuid>,
}

impl Default for PathwayLoad {
    fn default() -> Self {
        Self::new()
    }
}

impl PathwayLoad {
    pub fn new() -> PathwayLoad {
        use crate::contract::{CONTRACT_COLUMNS, OBJECTIVE_COLUMNS};
        PathwayLoad {
            orientations: Rows::new("orientations", crate::orientation::ORIENTATION_COLUMNS),
            assignments: Rows::new(
                "referent_assignments",
                crate::orientation::ASSIGNMENT_COLUMNS,
            ),
            reviews: Rows::new("pathway_reviews", crate::deadline::REVIEW_COLUMNS),
            diagnostics: Rows::new("diagnostics", crate::diagnostic::DIAGNOSTIC_COLUMNS),
            cers: Rows::new(
                "contracts",
                CONTRACT_COLUMNS.split_last().expect("columns").1,
            ),
            engagements: Rows::new("contracts", CONTRACT_COLUMNS),
            objectives: Rows::new("contract_objectives", OBJECTIVE_COLUMNS),
            referrals: Rows::new("referrals", crate::referral::REFERRAL_COLUMNS),
            appointments: Rows::new("action_sessions", crate::appointment::APPOINTMENT_COLUMNS),
            attendances: Rows::new("attendances", crate::attendance::ATTENDANCE_COLUMNS),
            fse: Rows::new("fse_entries", crate::fse::FSE_COLUMNS),
            recount: Vec::new(),
        }
    }

    pub fn orientation(&mut self, o: Orientation) {
        self.orientations.push(vec![
            o.id.into(),
            o.person_id.into(),
            o.kind.code().into(),
            o.lead_organisation_id.into(),
            o.decided_on.into(),
            o.reason.map(str::to_owned).into(),
            o.extended_review.into(),
            o.decided_by.into(),
            o.status.code().into(),
            o.notified_on.into(),
            o.reviewed_by.map(str::to_owned).into(),
            o.rejection_reason.map(str::to_owned).into(),
            o.created_at.into(),
        ]);
    }

    pub fn assignment(&mut self, a: Assignment) {
        self.assignments.push(vec![
            a.id.into(),
            a.person_id.into(),
            Some(a.orientation_id).into(),
            a.referent_id.into(),
            a.starts_on.into(),
            a.ends_on.into(),
            a.created_by.into(),
            a.created_at.into(),
        ]);
    }

    /// A joint review of a social pathway.
    pub fn review(
        &mut self,
        id: Uuid,
        person_id: Uuid,
        reviewed_on: Date,
        outcome: &str,
        created_by: &str,
        created_at: OffsetDateTime,
    ) {
        self.reviews.push(vec![
            id.into(),
            person_id.into(),
            reviewed_on.into(),
            outcome.into(),
            created_by.into(),
            created_at.into(),
        ]);
    }

    /// One version of a person's diagnostic, made on `revised_on`.
    #[allow(clippy::too_many_arguments)]
    pub fn diagnostic(
        &mut self,
        id: Uuid,
        person_id: Uuid,
        version: i64,
        revised_on: Date,
        data: &DiagnosticData,
        created_by: &str,
        created_at: OffsetDateTime,
    ) {
        self.diagnostics.push(vec![
            id.into(),
            person_id.into(),
            Value::Int(version),
            revised_on.into(),
            json(data).into(),
            created_by.into(),
            created_at.into(),
        ]);
    }

    pub fn contract(&mut self, c: Contract) {
        let data = c.data;
        let mut row: Vec<Value> = vec![
            c.id.into(),
            c.person_id.into(),
            data.kind.code().into(),
            c.orientation_id.into(),
            c.assignment_id.into(),
            c.status.code().into(),
            data.starts_on.into(),
            Value::Int(data.duration_months),
            data.ends_on.into(),
            data.hours_reason.map(|r| r.code()).into(),
            data.hours_note.clone().into(),
            data.person_commitments.clone().into(),
            data.organisation_commitments.clone().into(),
            c.signed_on.into(),
            c.validated_on.into(),
            c.validated_by.map(str::to_owned).into(),
            c.rejection_reason.map(str::to_owned).into(),
            c.ended_on.into(),
            c.reviewed_on.into(),
            c.review_comment.map(str::to_owned).into(),
            c.previous_contract_id.into(),
            Value::Int(c.version),
            c.created_by.into(),
            c.created_at.into(),
            c.updated_at.into(),
        ];
        match (data.kind, data.weekly_hours) {
            (ContractKind::Engagement, Some(hours)) => {
                row.push(Value::Int(hours));
                self.engagements.push(row);
            }
            _ => self.cers.push(row),
        }
    }

    /// An objective of a contract, at `position`, with its review if any.
    pub fn objective(
        &mut self,
        id: Uuid,
        contract_id: Uuid,
        position: i64,
        objective: &Objective,
        review: Option<(ReviewResult, Option<&str>)>,
    ) {
        self.objectives.push(vec![
            id.into(),
            contract_id.into(),
            Value::Int(position),
            objective.category.clone().into(),
            objective.title.clone().into(),
            json(&objective.barriers).into(),
            json(&objective.actions).into(),
            review.map(|(r, _)| r.code()).into(),
            review.and_then(|(_, c)| c.map(str::to_owned)).into(),
        ]);
    }

    pub fn referral(&mut self, r: Referral) {
        self.referrals.push(vec![
            r.id.into(),
            r.action_id.into(),
            r.person_id.into(),
            if r.self_referral {
                "self_referral"
            } else {
                "prescription"
            }
            .into(),
            r.status.code().into(),
            r.objective_id.into(),
            r.requested_by.into(),
            r.requested_at.into(),
            json(&r.eligibility).into(),
            r.override_reason.into(),
            r.uses_margin.into(),
            Value::Int(r.priority),
            r.offer_until.into(),
            r.answered_at.into(),
            r.refusal_reason.map(|x| x.code()).into(),
            r.refusal_comment.into(),
            r.entered_on.into(),
            r.exited_on.into(),
            r.exit_reason.map(|x| x.code()).into(),
            r.exit_situation.map(|x| x.code()).into(),
            r.situation_4_weeks.map(|x| x.code()).into(),
            r.validated_by.into(),
            r.cancel_reason.into(),
            Value::Int(r.version),
            r.requested_at.into(),
            r.updated_at.into(),
            r.positioned_on.into(),
            r.situation_4_weeks_on.into(),
            r.situation_4_weeks_recorded_at.into(),
        ]);
    }

    pub fn appointment(&mut self, a: Appointment) {
        self.appointments.push(vec![
            a.id.into(),
            a.action_id.into(),
            a.on_date.into(),
            Some(a.starts_at.to_owned()).into(),
            Some(a.ends_at.to_owned()).into(),
            true.into(),
            a.cancelled.into(),
            Option::<String>::None.into(),
            a.created_at.into(),
            Some(a.referral_id).into(),
        ]);
    }

    /// A mark at a session (a group's or an appointment).
    pub fn attendance(
        &mut self,
        session_id: Uuid,
        referral_id: Uuid,
        mark: Attendance,
        recorded_by: &str,
        recorded_at: OffsetDateTime,
    ) {
        self.attendances.push(crate::attendance::attendance_row(
            session_id,
            referral_id,
            mark,
            recorded_by,
            recorded_at,
        ));
    }

    pub fn fse_entry(&mut self, e: FseEntry) {
        let d = e.data;
        self.fse.push(vec![
            e.referral_id.into(),
            d.gender.code().into(),
            e.birth_date.into(),
            d.employment_status.code().into(),
            d.education_level.code().into(),
            d.nationality.code().into(),
            d.disability.code().into(),
            d.foreign_background.code().into(),
            d.minority.code().into(),
            d.homeless.code().into(),
            d.rural.into(),
            e.recorded_by.into(),
            e.recorded_at.into(),
        ]);
    }

    /// Actions whose places the queued positionings take or free: their
    /// counts are computed again by [`PathwayLoad::write`].
    pub fn recount_places(&mut self, action_ids: impl IntoIterator<Item = Uuid>) {
        self.recount.extend(action_ids);
    }

    /// Writes what is queued inside the caller's transaction, after the
    /// files ([`crate::person_load::PeopleLoad::write`]) and the catalogue.
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
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
        self.fse.write(tx).await?;
        let recount = std::mem::take(&mut self.recount);
        crate::referral::recount_places(tx, &recount).await
    }
}
