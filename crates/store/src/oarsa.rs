//! The DREES yearly return (OARSA): who is in droits et devoirs at its day
//! with what the tables break down by, the contracts in force and their
//! objectives, the réorientations of the year, and what the chargé de
//! mission sets for it (organisations' categories, the objective mapping).
//! parcours_domain::oarsa builds the tables.

use crate::audit::{record, Actor};
use crate::json::JsonText;
use crate::steering::scoped;
use crate::{now, Moment, Result, Store};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::oarsa::{MappingLine, ObjectiveMapping, OrganisationCategory};
use parcours_domain::person::Sex;
use parcours_domain::steering::SteeringFilter;
use time::Date;
use uuid::Uuid;

const MAPPING_KEY: &str = "oarsa_objective_mapping";

/// A person in droits et devoirs at the day of the return, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnRow {
    pub id: Uuid,
    pub birth_date: Date,
    pub sex: Sex,
    /// The requester and partner in the household (0 without a requester).
    pub adults: i64,
    pub children: i64,
    pub on_rsa_since: Option<Date>,
    pub education_level: Option<String>,
    pub job_seeker: Option<String>,
    /// The organisation of the latest validated orientation by the day.
    pub organisation_id: Option<Uuid>,
}

/// An objective of a contract in force at the day (category and title
/// empty for a contract without objectives).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContractObjectiveRow {
    pub person_id: Uuid,
    pub contract_id: Uuid,
    pub duration_months: i64,
    pub category: Option<String>,
    pub title: Option<String>,
}

/// An orientation of the period that followed another one.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ReorientationRow {
    pub person_id: Uuid,
    pub from_organisation_id: Uuid,
    pub to_organisation_id: Uuid,
}

/// Everyone in droits et devoirs at `{at}` in the scope (the stock's rule),
/// with their household's composition, their declaration and their
/// latest validated orientation's organisation.
const RETURN_PEOPLE: &str = "
WITH compositions AS (
    SELECT household_id,
           SUM(CASE WHEN household_role IN ('DEM', 'CJT') THEN 1 ELSE 0 END) AS adults,
           SUM(CASE WHEN household_role = 'ENF' THEN 1 ELSE 0 END) AS children
    FROM persons WHERE merged_into_id IS NULL AND household_id IS NOT NULL
    GROUP BY household_id
)
SELECT p.id, p.birth_date, p.sex,
    COALESCE(c.adults, 0) AS adults, COALESCE(c.children, 0) AS children,
    COALESCE(h.rsa_requested_on, p.duties_since) AS on_rsa_since,
    d.education_level, d.job_seeker,
    {latest:lead_organisation_id} AS organisation_id
FROM persons p
LEFT JOIN households h ON h.id = p.household_id
LEFT JOIN compositions c ON c.household_id = p.household_id
LEFT JOIN declared_situations d ON d.person_id = p.id
WHERE p.merged_into_id IS NULL AND p.household_id IS NOT NULL AND {in_duties} {scope}";

/// The contracts in force at `{at}` (as the stock reads them) of the
/// people in the scope, one row per objective.
const CONTRACT_OBJECTIVES: &str = "
SELECT k.person_id, k.id AS contract_id, k.duration_months, o.category, o.title
FROM contracts k
JOIN persons p ON p.id = k.person_id
LEFT JOIN contract_objectives o ON o.contract_id = k.id
WHERE k.signed_on <= {at} AND k.starts_on <= {at} AND k.ends_on >= {at}
  AND (k.ended_on IS NULL OR k.ended_on >= {at})
  AND p.merged_into_id IS NULL {scope}";

/// Validated orientations decided from `{from}` to `{at}` that followed
/// another validated one of the same person (an indexed lookup of the one
/// before each, rather than numbering every orientation of the file).
const REORIENTATIONS: &str = "
SELECT person_id, previous AS from_organisation_id, lead_organisation_id AS to_organisation_id
FROM (
    SELECT o.person_id, o.lead_organisation_id,
        (SELECT q.lead_organisation_id FROM orientations q
         WHERE q.person_id = o.person_id AND q.status = 'validated'
           AND COALESCE(q.notified_on, q.decided_on) <= {at}
           AND (q.decided_on, q.created_at) < (o.decided_on, o.created_at)
         ORDER BY q.decided_on DESC, q.created_at DESC LIMIT 1) AS previous
    FROM orientations o JOIN persons p ON p.id = o.person_id
    WHERE o.status = 'validated' AND o.decided_on >= {from}
      AND COALESCE(o.notified_on, o.decided_on) <= {at} AND p.merged_into_id IS NULL {scope}
) AS v
WHERE previous IS NOT NULL";

impl Store {
    /// Who is in droits et devoirs at the filter's day within the scope
    /// (and its territory), with what the return breaks down by.
    pub async fn return_people(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<ReturnRow>> {
        let sql = scoped(self.backend(), RETURN_PEOPLE, scope, filter);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ReturnRow>(&sql.text), sql)
            .fetch_all(pool).await)?,
        )
    }

    /// The objectives of the contracts in force at the filter's day.
    pub async fn return_contracts(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<ContractObjectiveRow>> {
        let sql = scoped(self.backend(), CONTRACT_OBJECTIVES, scope, filter);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ContractObjectiveRow>(&sql.text), sql)
            .fetch_all(pool).await)?,
        )
    }

    /// The réorientations decided from the filter's first day to its day.
    pub async fn reorientations(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<ReorientationRow>> {
        let sql = scoped(self.backend(), REORIENTATIONS, scope, filter);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ReorientationRow>(&sql.text), sql)
            .fetch_all(pool).await)?,
        )
    }

    /// The chargé de mission's mapping of objectives (none set: empty).
    pub async fn objective_mapping(&self) -> Result<ObjectiveMapping> {
        let row: Option<(JsonText<Vec<MappingLine>>,)> = read!(self, pool => sqlx::query_as(
            "SELECT value FROM settings WHERE key = $1",
        )
        .bind(MAPPING_KEY).fetch_optional(pool).await)?;
        Ok(ObjectiveMapping {
            lines: row.map(|(json,)| json.0).unwrap_or_default(),
        })
    }

    /// Replaces the mapping of objectives (audited with its new value).
    pub async fn set_objective_mapping(
        &self,
        actor: &Actor,
        mapping: &ObjectiveMapping,
    ) -> Result<()> {
        let json = serde_json::to_string(&mapping.lines)
            .map_err(|e| crate::StoreError::Config(e.to_string()))?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(MAPPING_KEY).bind(&json).bind(Moment(now()))
        .execute(conn).await.map(drop))?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "settings",
            Some(MAPPING_KEY),
            Some(&json),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the DREES category of organisations (`None`: back to the one
    /// their kind gives), each change audited.
    pub async fn set_organisation_categories(
        &self,
        actor: &Actor,
        categories: &[(Uuid, Option<OrganisationCategory>)],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (id, category) in categories {
            let changed = on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE organisations SET oarsa_category = $1
                 WHERE id = $2 AND oarsa_category IS DISTINCT FROM $1",
            )
            .bind(category.map(|c| c.code()))
            .bind(*id)
            .execute(conn).await.map(|done| done.rows_affected()))?;
            if changed > 0 {
                record(
                    &mut tx,
                    actor,
                    AuditAction::Update,
                    entity::ORGANISATION,
                    Some(&id.to_string()),
                    Some(&format!(
                        "catégorie OARSA : {}",
                        category.map_or("selon le type", |c| c.label())
                    )),
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.forget_organisations();
        Ok(())
    }
}
