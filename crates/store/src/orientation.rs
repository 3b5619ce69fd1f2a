//! Orientation decisions, their validation by the cadre, and the référent
//! unique's designation (history kept: rows are ended, never overwritten).

use crate::audit::{record, Actor};
use crate::deadline::{standing_columns, CaseloadLine};
use crate::person::{person_in, SUMMARY_COLUMNS, SUMMARY_JOINS};
use crate::sql::{Sql, PERSONS};
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::AuditAction;
use parcours_domain::deadline::OrientationKind;
use parcours_domain::orientation::{OrientationData, OrientationStatus};
use parcours_domain::{Invalid, Role};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Orientation {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: OrientationKind,
    pub lead_organisation_id: Uuid,
    pub lead_organisation_name: String,
    pub decided_on: Date,
    pub reason: Option<String>,
    pub extended_review: bool,
    pub decided_by: String,
    pub status: OrientationStatus,
    pub notified_on: Option<Date>,
    pub reviewed_by: Option<String>,
    pub rejection_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A pending orientation with the person it concerns (the cadre's queue).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PendingOrientation {
    pub id: Uuid,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub kind: OrientationKind,
    pub lead_organisation_name: String,
    pub decided_on: Date,
    pub decided_by: String,
    pub reason: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Assignment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub orientation_id: Option<Uuid>,
    pub referent_id: Uuid,
    pub referent_name: String,
    /// The référent's work phone, if their account gives one.
    pub referent_phone: Option<String>,
    pub organisation_name: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub created_by: String,
}

const SELECT_ORIENTATION: &str = "SELECT o.*, org.name AS lead_organisation_name
     FROM orientations o JOIN organisations org ON org.id = o.lead_organisation_id";

const SELECT_ASSIGNMENT: &str = "SELECT a.id, a.person_id, a.orientation_id, a.referent_id,
        u.display_name AS referent_name, u.phone AS referent_phone, org.name AS organisation_name, a.starts_on, a.ends_on, a.created_by
     FROM referent_assignments a JOIN users u ON u.id = a.referent_id
     JOIN organisations org ON org.id = u.organisation_id";

impl Store {
    /// Newest first.
    pub async fn orientations(&self, person_id: Uuid) -> Result<Vec<Orientation>> {
        let sql = format!("{SELECT_ORIENTATION} WHERE o.person_id = $1 ORDER BY o.created_at DESC");
        Ok(
            read_planned_once!(self, pool => sqlx::query_as::<_, Orientation>(&sql).bind(person_id).fetch_all(pool).await)?,
        )
    }

    /// Records a decision, pending the cadre's validation.
    pub async fn decide_orientation(
        &self,
        actor: &Actor,
        person_id: Uuid,
        data: &OrientationData,
    ) -> Result<Orientation> {
        let mut tx = self.begin().await?;
        let person = person_in(&mut tx, person_id).await?;
        if person.closed_on.is_some() {
            return Err(Invalid::field(
                "kind",
                "Le dossier est clos : rouvrez-le avant d'orienter la personne.",
            )
            .into());
        }
        if data.decided_on < person.duties_since.unwrap_or(person.birth_date) {
            return Err(Invalid::field(
                "decided_on",
                "La décision ne peut pas précéder l'entrée dans les droits et devoirs.",
            )
            .into());
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO orientations (id, person_id, kind, lead_organisation_id, decided_on, reason, extended_review,
                decided_by, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id).bind(person_id).bind(data.kind.code()).bind(data.lead_organisation_id).bind(data.decided_on)
        .bind(&data.reason).bind(data.extended_review).bind(&actor.label).bind(OrientationStatus::Pending.code())
        .bind(Moment(now()))
        .execute(conn).await.map(|done| done.rows_affected()))
        .map_err(|e| StoreError::from(e).foreign_key_as("lead_organisation_id", "Cet organisme référent n'existe pas."))?;
        let detail = format!("orientation {} décidée", data.kind.label());
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "orientation",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        let sql = format!("{SELECT_ORIENTATION} WHERE o.id = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Orientation>(&sql).bind(id).fetch_one(pool).await)?,
        )
    }

    /// The hundred oldest pending orientations: of people within the scope, or
    /// towards the scope's organisation (its cadre validates what it receives).
    pub async fn pending_orientations(
        &self,
        scope: &PersonScope,
    ) -> Result<Vec<PendingOrientation>> {
        let (decided_by, joins) = crate::account_label("o.decided_by", "decider");
        let mut sql = Sql::new(&format!(
            "SELECT o.id, o.person_id, p.last_name, p.first_names, o.kind, org.name AS lead_organisation_name,
                    o.decided_on, {decided_by} AS decided_by, o.reason
             FROM orientations o JOIN persons p ON p.id = o.person_id
             JOIN organisations org ON org.id = o.lead_organisation_id
             {joins}
             WHERE o.status = 'pending'"
        ));
        sql.scope_or(
            scope,
            &PERSONS,
            scope
                .organisation_id
                .map(|org| ("o.lead_organisation_id", org)),
        )
        .push(" ORDER BY o.decided_on, o.created_at LIMIT 100");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, PendingOrientation>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    /// Validates pending orientations (all in one transaction), notified on `on`.
    /// The person's file then belongs to the lead organisation; a référent of
    /// another organisation stops being the référent.
    pub async fn validate_orientations(
        &self,
        actor: &Actor,
        scope: &PersonScope,
        ids: &[Uuid],
        on: Date,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        for id in ids {
            let orientation = pending_in_scope(&mut tx, scope, *id).await?;
            if on < orientation.decided_on {
                return Err(Invalid::field(
                    "notified_on",
                    "La date de notification précède la décision.",
                )
                .into());
            }
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE orientations SET status = 'validated', notified_on = $1, reviewed_by = $2 WHERE id = $3",
            )
            .bind(on).bind(&actor.label).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE persons SET responsible_organisation_id = $1, version = version + 1, updated_at = $2 WHERE id = $3",
            )
            .bind(orientation.lead_organisation_id).bind(Moment(now())).bind(orientation.person_id)
            .execute(conn).await.map(|done| done.rows_affected()))?;
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE referent_assignments SET ends_on = $1
                 WHERE person_id = $2 AND ends_on IS NULL
                   AND referent_id IN (SELECT id FROM users WHERE organisation_id <> $3)",
            )
            .bind(on).bind(orientation.person_id).bind(orientation.lead_organisation_id)
            .execute(conn).await.map(|done| done.rows_affected()))?;
            record(
                &mut tx,
                actor,
                AuditAction::Update,
                "orientation",
                Some(&id.to_string()),
                Some("validée"),
            )
            .await?;
            crate::deadline::refresh_clocks(&mut tx, orientation.person_id).await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    pub async fn reject_orientation(
        &self,
        actor: &Actor,
        scope: &PersonScope,
        id: Uuid,
        reason: &str,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Invalid::field("rejection_reason", "Indiquez le motif du refus.").into());
        }
        let mut tx = self.begin().await?;
        pending_in_scope(&mut tx, scope, id).await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE orientations SET status = 'rejected', rejection_reason = $1, reviewed_by = $2 WHERE id = $3",
        )
        .bind(reason.trim()).bind(&actor.label).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "orientation",
            Some(&id.to_string()),
            Some("refusée"),
        )
        .await?;
        tx.commit().await
    }

    /// Newest first.
    pub async fn assignments(&self, person_id: Uuid) -> Result<Vec<Assignment>> {
        let sql = format!("{SELECT_ASSIGNMENT} WHERE a.person_id = $1 ORDER BY a.starts_on DESC, a.created_at DESC");
        Ok(
            read_planned_once!(self, pool => sqlx::query_as::<_, Assignment>(&sql).bind(person_id).fetch_all(pool).await)?,
        )
    }

    /// Names the référent unique from `starts_on`; the previous designation ends
    /// that day. The référent must belong to the lead organisation of the
    /// person's validated orientation.
    pub async fn designate_referent(
        &self,
        actor: &Actor,
        person_id: Uuid,
        referent_id: Uuid,
        starts_on: Date,
    ) -> Result<Assignment> {
        let mut tx = self.begin().await?;
        let person = person_in(&mut tx, person_id).await?;
        if person.closed_on.is_some() {
            return Err(Invalid::field("referent_id", "Le dossier est clos.").into());
        }
        let orientation: Option<(Uuid, Uuid, Date)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT id, lead_organisation_id, notified_on FROM orientations
             WHERE person_id = $1 AND status = 'validated' ORDER BY notified_on DESC, created_at DESC LIMIT 1",
        )
        .bind(person_id).fetch_optional(conn).await)?;
        let Some((orientation_id, lead_organisation, notified_on)) = orientation else {
            return Err(Invalid::field("referent_id", "La personne n'a pas d'orientation validée : le référent unique est désigné après l'orientation.").into());
        };
        let referent: Option<(Uuid, String, bool)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT organisation_id, role, disabled FROM users WHERE id = $1",
        )
        .bind(referent_id).fetch_optional(conn).await)?;
        match referent {
            Some((org, role, false))
                if role == Role::Referent.code() && org == lead_organisation => {}
            Some(_) => {
                return Err(Invalid::field(
                    "referent_id",
                    "Choisissez un référent actif de l'organisme référent de l'orientation.",
                )
                .into())
            }
            None => return Err(Invalid::field("referent_id", "Ce référent n'existe pas.").into()),
        }
        if starts_on < notified_on {
            return Err(Invalid::field(
                "starts_on",
                "La désignation ne peut pas précéder la notification de l'orientation.",
            )
            .into());
        }
        let current: Option<(Uuid, Date)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT referent_id, starts_on FROM referent_assignments WHERE person_id = $1 AND ends_on IS NULL",
        )
        .bind(person_id).fetch_optional(conn).await)?;
        if let Some((current_referent, current_start)) = current {
            if current_referent == referent_id {
                return Err(Invalid::field(
                    "referent_id",
                    "Cette personne est déjà le référent unique.",
                )
                .into());
            }
            if starts_on < current_start {
                return Err(Invalid::field(
                    "starts_on",
                    "La désignation ne peut pas précéder celle du référent actuel.",
                )
                .into());
            }
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE referent_assignments SET ends_on = $1 WHERE person_id = $2 AND ends_on IS NULL",
            )
            .bind(starts_on).bind(person_id).execute(conn).await.map(|done| done.rows_affected()))?;
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO referent_assignments (id, person_id, orientation_id, referent_id, starts_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id).bind(person_id).bind(orientation_id).bind(referent_id).bind(starts_on).bind(&actor.label).bind(Moment(now()))
        .execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "referent_assignment",
            Some(&id.to_string()),
            Some(&format!("personne {person_id}")),
        )
        .await?;
        tx.commit().await?;
        let sql = format!("{SELECT_ASSIGNMENT} WHERE a.id = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Assignment>(&sql).bind(id).fetch_one(pool).await)?,
        )
    }

    /// "Mon portefeuille": the people a référent currently follows, next due first.
    pub async fn caseload(&self, referent_id: Uuid) -> Result<Vec<CaseloadLine>> {
        // From the designations, so that the référent's name is read once
        // per row by a join instead of looked up per person.
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, u.display_name AS referent_name, {}
             FROM referent_assignments ra
             JOIN users u ON u.id = ra.referent_id
             JOIN persons p ON p.id = ra.person_id{SUMMARY_JOINS}
             WHERE ra.referent_id = $1 AND ra.ends_on IS NULL AND p.closed_on IS NULL",
            standing_columns("p.id")
        );
        let mut people = read_planned_once!(self, pool => sqlx::query_as::<_, CaseloadLine>(&sql).bind(referent_id).fetch_all(pool).await)?;
        // A caseload is a hundred people or so: sorted here, where "no date" is simply last.
        people.sort_by(|a, b| {
            let (a, b) = (&a.person, &b.person);
            (a.next_due_on.is_none(), a.next_due_on, &a.last_name).cmp(&(
                b.next_due_on.is_none(),
                b.next_due_on,
                &b.last_name,
            ))
        });
        Ok(people)
    }

    /// Active référents of an organisation (designation form).
    pub async fn referents_of(&self, organisation_id: Uuid) -> Result<Vec<(Uuid, String)>> {
        Ok(read!(self, pool => sqlx::query_as::<_, (Uuid, String)>(
            "SELECT id, display_name FROM users WHERE organisation_id = $1 AND role = 'referent' AND NOT disabled
             ORDER BY display_name",
        )
        .bind(organisation_id).fetch_all(pool).await)?)
    }
}

async fn pending_in_scope(tx: &mut Tx, scope: &PersonScope, id: Uuid) -> Result<PendingRow> {
    let mut sql = Sql::new(
        "SELECT o.person_id, o.lead_organisation_id, o.decided_on FROM orientations o JOIN persons p ON p.id = o.person_id
         WHERE o.status = 'pending'",
    );
    sql.bind(" AND o.id = ", id).scope_or(
        scope,
        &PERSONS,
        scope
            .organisation_id
            .map(|org| ("o.lead_organisation_id", org)),
    );
    let row: Option<PendingRow> = on_tx!(tx, conn => bind_all!(sqlx::query_as::<_, PendingRow>(&sql.text), sql)
        .fetch_optional(conn).await)?;
    row.ok_or(StoreError::NotFound)
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    person_id: Uuid,
    lead_organisation_id: Uuid,
    decided_on: Date,
}

/// The columns of an orientation as the bulk loader writes it (`pathway_load`).
pub(crate) const ORIENTATION_COLUMNS: &[&str] = &[
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
];

/// The columns of a référent designation as the bulk loader writes it (`pathway_load`).
pub(crate) const ASSIGNMENT_COLUMNS: &[&str] = &[
    "id",
    "person_id",
    "orientation_id",
    "referent_id",
    "starts_on",
    "ends_on",
    "created_by",
    "created_at",
];
