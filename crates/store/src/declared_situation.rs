//! What a person declared when applying for the RSA (the flux
//! instruction's socio-professional data): written by the import, one row
//! per person replaced by each file that carries one, read by the person's
//! page and the right of access.

use crate::bulk::Value;
use crate::{Result, Store};
use parcours_domain::declared_situation::{join_codes, split_codes, DeclaredSituation};
use time::Date;
use uuid::Uuid;

/// The columns the import writes, in the order of [`row`].
pub(crate) const COLUMNS: &[&str] = &[
    "person_id",
    "declared_on",
    "situation",
    "education_level",
    "work_history",
    "job_seeker",
    "driving_licence",
    "transport",
    "mobility",
    "social",
    "housing",
    "availability",
];

/// A later file replaces what an earlier one said.
pub(crate) const ON_CONFLICT: &str = "ON CONFLICT (person_id) DO UPDATE SET
    declared_on = excluded.declared_on, situation = excluded.situation,
    education_level = excluded.education_level, work_history = excluded.work_history,
    job_seeker = excluded.job_seeker, driving_licence = excluded.driving_licence,
    transport = excluded.transport, mobility = excluded.mobility, social = excluded.social,
    housing = excluded.housing, availability = excluded.availability";

/// The row of `person_id`'s declaration, read on `on` when the
/// declaration does not carry its date.
pub(crate) fn row(person_id: Uuid, declared: &DeclaredSituation, on: Date) -> Vec<Value> {
    let flag = |v: Option<bool>| v.map(|v| if v { "1" } else { "0" });
    vec![
        person_id.into(),
        declared.declared_on.unwrap_or(on).into(),
        declared.situation.clone().into(),
        declared.education_level.clone().into(),
        declared.work_history.clone().into(),
        declared.job_seeker.clone().into(),
        flag(declared.driving_licence).into(),
        flag(declared.transport).into(),
        join_codes(&declared.mobility).into(),
        join_codes(&declared.social).into(),
        join_codes(&declared.housing).into(),
        join_codes(&declared.availability).into(),
    ]
}

#[derive(sqlx::FromRow)]
struct DeclaredRow {
    declared_on: Date,
    situation: Option<String>,
    education_level: Option<String>,
    work_history: Option<String>,
    job_seeker: Option<String>,
    driving_licence: Option<String>,
    transport: Option<String>,
    mobility: String,
    social: String,
    housing: String,
    availability: String,
}

impl From<DeclaredRow> for DeclaredSituation {
    fn from(r: DeclaredRow) -> Self {
        let flag = |v: Option<String>| v.map(|v| v == "1");
        DeclaredSituation {
            declared_on: Some(r.declared_on),
            situation: r.situation,
            education_level: r.education_level,
            work_history: r.work_history,
            job_seeker: r.job_seeker,
            driving_licence: flag(r.driving_licence),
            transport: flag(r.transport),
            mobility: split_codes(&r.mobility),
            social: split_codes(&r.social),
            housing: split_codes(&r.housing),
            availability: split_codes(&r.availability),
        }
    }
}

impl Store {
    /// What the person declared when applying, if a flux instruction said it.
    pub async fn declared_situation(&self, person_id: Uuid) -> Result<Option<DeclaredSituation>> {
        let row: Option<DeclaredRow> = read!(self, pool => sqlx::query_as(
            "SELECT declared_on, situation, education_level, work_history, job_seeker,
                    driving_licence, transport, mobility, social, housing, availability
             FROM declared_situations WHERE person_id = $1",
        )
        .bind(person_id).fetch_optional(pool).await)?;
        Ok(row.map(Into::into))
    }
}
