//! Contracts (CER and contrat d'engagement): drafting, the lifecycle's
//! transitions with their dates, objectives and their review (bilan), renewal.
//! A contract always belongs to one orientation and one référent designation.

use crate::audit::{record, Actor};
use crate::json::JsonText;
use crate::person::person_in;
use crate::sql::Sql;
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::AuditAction;
use parcours_domain::contract::{
    ContractData, ContractKind, ContractStatus, Event, HoursReason, Objective, ReviewResult,
};
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Contract {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: ContractKind,
    pub orientation_id: Uuid,
    pub assignment_id: Uuid,
    pub status: ContractStatus,
    pub starts_on: Date,
    pub duration_months: i64,
    pub ends_on: Date,
    pub weekly_hours: Option<i64>,
    pub hours_reason: Option<HoursReason>,
    pub hours_note: Option<String>,
    /// The other activities written in a contrat d'engagement, hours a week.
    pub other_weekly_hours: Option<i64>,
    pub person_commitments: String,
    pub organisation_commitments: String,
    pub signed_on: Option<Date>,
    pub validated_on: Option<Date>,
    pub validated_by: Option<String>,
    pub rejection_reason: Option<String>,
    pub ended_on: Option<Date>,
    pub reviewed_on: Option<Date>,
    pub review_comment: Option<String>,
    pub previous_contract_id: Option<Uuid>,
    pub version: i64,
    pub created_by: String,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractObjective {
    pub id: Uuid,
    pub position: i64,
    pub category: String,
    pub title: String,
    pub barriers: Vec<String>,
    pub actions: Vec<String>,
    pub review_result: Option<ReviewResult>,
    pub review_comment: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ObjectiveRow {
    id: Uuid,
    position: i64,
    category: String,
    title: String,
    barriers: JsonText<Vec<String>>,
    actions: JsonText<Vec<String>>,
    review_result: Option<ReviewResult>,
    review_comment: Option<String>,
}

/// What some events carry besides their date.
#[derive(Debug, Clone, Default)]
pub struct EventDetails {
    pub rejection_reason: Option<String>,
    /// One result (and comment) per objective, by position, for the bilan.
    pub reviews: Vec<(ReviewResult, Option<String>)>,
    pub review_comment: Option<String>,
}

/// A contract awaiting the cadre's validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ContractToValidate {
    pub id: Uuid,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub kind: ContractKind,
    pub starts_on: Date,
    pub ends_on: Date,
    pub created_by: String,
}

impl Store {
    pub async fn contract(&self, id: Uuid) -> Result<Contract> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, Contract>("SELECT * FROM contracts WHERE id = $1")
            .bind(id).fetch_one(pool).await)?,
        )
    }

    /// Newest first.
    pub async fn contracts_of(&self, person_id: Uuid) -> Result<Vec<Contract>> {
        Ok(
            read_planned_once!(self, pool => sqlx::query_as::<_, Contract>(
            "SELECT * FROM contracts WHERE person_id = $1 ORDER BY starts_on DESC, created_at DESC",
        )
        .bind(person_id).fetch_all(pool).await)?,
        )
    }

    pub async fn contract_objectives(&self, contract_id: Uuid) -> Result<Vec<ContractObjective>> {
        let rows = read!(self, pool => sqlx::query_as::<_, ObjectiveRow>(
            "SELECT id, position, category, title, barriers, actions, review_result, review_comment
             FROM contract_objectives WHERE contract_id = $1 ORDER BY position",
        )
        .bind(contract_id).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| ContractObjective {
                id: r.id,
                position: r.position,
                category: r.category,
                title: r.title,
                barriers: r.barriers.0,
                actions: r.actions.0,
                review_result: r.review_result,
                review_comment: r.review_comment,
            })
            .collect())
    }

    /// Drafts a contract under the person's current validated orientation and
    /// current référent designation (both required).
    pub async fn create_contract(
        &self,
        actor: &Actor,
        person_id: Uuid,
        data: &ContractData,
    ) -> Result<Contract> {
        let mut tx = self.begin().await?;
        let id = insert_contract(&mut tx, actor, person_id, data, None).await?;
        tx.commit().await?;
        self.contract(id).await
    }

    /// Replaces a draft's content (only drafts change).
    pub async fn update_contract(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &ContractData,
    ) -> Result<Contract> {
        let mut tx = self.begin().await?;
        let contract = contract_in(&mut tx, id).await?;
        if contract.version != expected_version {
            return Err(StoreError::Stale);
        }
        if !contract.status.is_editable() {
            return Err(Invalid::field(
                "status",
                "Seul un brouillon peut être modifié ; renouvelez le contrat pour en changer.",
            )
            .into());
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE contracts SET kind = $1, starts_on = $2, duration_months = $3, ends_on = $4, weekly_hours = $5,
                    hours_reason = $6, hours_note = $7, person_commitments = $8, organisation_commitments = $9,
                    version = version + 1, updated_at = $10, other_weekly_hours = $13
             WHERE id = $11 AND version = $12",
        )
        .bind(data.kind.code()).bind(data.starts_on).bind(data.duration_months).bind(data.ends_on)
        .bind(data.weekly_hours).bind(data.hours_reason.map(|r| r.code())).bind(&data.hours_note)
        .bind(&data.person_commitments).bind(&data.organisation_commitments).bind(Moment(now())).bind(id).bind(expected_version)
        .bind(data.other_weekly_hours)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM contract_objectives WHERE contract_id = $1")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        insert_objectives(&mut tx, id, &data.objectives).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "contract",
            Some(&id.to_string()),
            Some("brouillon modifié"),
        )
        .await?;
        tx.commit().await?;
        self.contract(id).await
    }

    /// Moves a contract along its lifecycle on `on`. Renewal returns the new draft.
    pub async fn apply_contract_event(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        event: Event,
        on: Date,
        details: &EventDetails,
    ) -> Result<Contract> {
        let mut tx = self.begin().await?;
        let contract = contract_in(&mut tx, id).await?;
        if contract.version != expected_version {
            return Err(StoreError::Stale);
        }
        let next = contract
            .status
            .after(event)
            .map_err(|message| Invalid::field("status", message))?;
        let person_id = contract.person_id;
        match event {
            Event::Sign => set_date(&mut tx, id, "signed_on", on).await?,
            Event::Validate => {
                set_date(&mut tx, id, "validated_on", on).await?;
                on_tx!(&mut tx, conn => sqlx::query("UPDATE contracts SET validated_by = $1 WHERE id = $2")
                    .bind(&actor.label).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
            }
            Event::Reject => {
                let reason = details
                    .rejection_reason
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or("");
                if reason.is_empty() {
                    return Err(
                        Invalid::field("rejection_reason", "Indiquez le motif du refus.").into(),
                    );
                }
                on_tx!(&mut tx, conn => sqlx::query("UPDATE contracts SET rejection_reason = $1 WHERE id = $2")
                    .bind(reason).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
            }
            Event::Start if on < contract.starts_on => {
                return Err(Invalid::field(
                    "status",
                    "Le contrat ne peut pas démarrer avant sa date de début.",
                )
                .into());
            }
            Event::End => set_date(&mut tx, id, "ended_on", on).await?,
            Event::Review => review(&mut tx, id, on, details).await?,
            Event::Submit | Event::Start | Event::Renew => {}
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE contracts SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3",
        )
        .bind(next.code()).bind(Moment(now())).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        let detail = format!("contrat : {}", next.label());
        if next == ContractStatus::AwaitingValidation {
            let text = format!(
                "contrat signé le {} à valider",
                contract
                    .signed_on
                    .map_or_else(|| "—".to_owned(), parcours_domain::clock::fr_date)
            );
            crate::notification::notify_managers(
                &mut tx,
                person_id,
                parcours_domain::notification::NotificationKind::ContractToValidate,
                &text,
            )
            .await?;
        }
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "contract",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        let result = if event == Event::Renew {
            let renewed = renewal(&mut tx, &contract).await?;
            insert_contract(&mut tx, actor, person_id, &renewed, Some(id)).await?
        } else {
            id
        };
        crate::deadline::refresh_clocks(&mut tx, person_id).await?;
        tx.commit().await?;
        self.contract(result).await
    }

    /// The hundred oldest contracts awaiting validation, within the scope.
    pub async fn contracts_to_validate(
        &self,
        scope: &PersonScope,
    ) -> Result<Vec<ContractToValidate>> {
        let mut sql = Sql::new(
            "SELECT c.id, c.person_id, p.last_name, p.first_names, c.kind, c.starts_on, c.ends_on, c.created_by
             FROM contracts c JOIN persons p ON p.id = c.person_id
             WHERE c.status = 'awaiting_validation'",
        );
        sql.scope(scope).push(" ORDER BY c.updated_at LIMIT 100");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ContractToValidate>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }
}

async fn contract_in(tx: &mut Tx, id: Uuid) -> Result<Contract> {
    Ok(
        on_tx!(tx, conn => sqlx::query_as::<_, Contract>("SELECT * FROM contracts WHERE id = $1")
        .bind(id).fetch_one(conn).await)?,
    )
}

/// `column` is one of our own column names, never user input.
async fn set_date(tx: &mut Tx, id: Uuid, column: &str, on: Date) -> Result<()> {
    let sql = format!("UPDATE contracts SET {column} = $1 WHERE id = $2");
    on_tx!(tx, conn => sqlx::query(&sql).bind(on).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
    Ok(())
}

async fn insert_contract(
    tx: &mut Tx,
    actor: &Actor,
    person_id: Uuid,
    data: &ContractData,
    previous: Option<Uuid>,
) -> Result<Uuid> {
    let person = person_in(tx, person_id).await?;
    if person.closed_on.is_some() {
        return Err(Invalid::field("kind", "Le dossier est clos.").into());
    }
    let orientation: Option<(Uuid,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id FROM orientations WHERE person_id = $1 AND status = 'validated'
         ORDER BY notified_on DESC, created_at DESC LIMIT 1",
    )
    .bind(person_id).fetch_optional(conn).await)?;
    let Some((orientation_id,)) = orientation else {
        return Err(Invalid::field(
            "kind",
            "La personne n'a pas d'orientation en cours : le contrat suit l'orientation.",
        )
        .into());
    };
    let assignment: Option<(Uuid,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id FROM referent_assignments WHERE person_id = $1 AND ends_on IS NULL",
    )
    .bind(person_id).fetch_optional(conn).await)?;
    let Some((assignment_id,)) = assignment else {
        return Err(Invalid::field(
            "kind",
            "La personne n'a pas de référent unique désigné : il signe le contrat avec elle.",
        )
        .into());
    };
    let id = Uuid::now_v7();
    let at = now();
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contracts (id, person_id, kind, orientation_id, assignment_id, status, starts_on, duration_months,
            ends_on, weekly_hours, hours_reason, hours_note, person_commitments, organisation_commitments,
            previous_contract_id, created_by, created_at, updated_at, other_weekly_hours)
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17)",
    )
    .bind(id).bind(person_id).bind(data.kind.code()).bind(orientation_id).bind(assignment_id).bind(data.starts_on)
    .bind(data.duration_months).bind(data.ends_on).bind(data.weekly_hours).bind(data.hours_reason.map(|r| r.code()))
    .bind(&data.hours_note).bind(&data.person_commitments).bind(&data.organisation_commitments).bind(previous)
    .bind(&actor.label).bind(Moment(at)).bind(data.other_weekly_hours)
    .execute(conn).await.map(|done| done.rows_affected()))?;
    insert_objectives(tx, id, &data.objectives).await?;
    let detail = match previous {
        Some(previous) => format!("renouvellement du contrat {previous}"),
        None => format!("{} (brouillon)", data.kind.label()),
    };
    record(
        tx,
        actor,
        AuditAction::Create,
        "contract",
        Some(&id.to_string()),
        Some(&detail),
    )
    .await?;
    Ok(id)
}

async fn insert_objectives(tx: &mut Tx, contract_id: Uuid, objectives: &[Objective]) -> Result<()> {
    for (position, objective) in objectives.iter().enumerate() {
        let barriers = serde_json::to_string(&objective.barriers).unwrap_or_else(|_| "[]".into());
        let actions = serde_json::to_string(&objective.actions).unwrap_or_else(|_| "[]".into());
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contract_objectives (id, contract_id, position, category, title, barriers, actions)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7()).bind(contract_id).bind(position as i64).bind(&objective.category)
        .bind(&objective.title).bind(barriers).bind(actions)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// The bilan: one result per objective, all required.
async fn review(tx: &mut Tx, id: Uuid, on: Date, details: &EventDetails) -> Result<()> {
    let (count,): (i64,) = on_tx!(tx, conn => sqlx::query_as("SELECT COUNT(*) FROM contract_objectives WHERE contract_id = $1")
        .bind(id).fetch_one(conn).await)?;
    if details.reviews.len() as i64 != count {
        return Err(Invalid::field(
            "reviews",
            "Indiquez pour chaque objectif s'il est atteint, partiellement atteint ou non atteint.",
        )
        .into());
    }
    for (position, (result, comment)) in details.reviews.iter().enumerate() {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE contract_objectives SET review_result = $1, review_comment = $2 WHERE contract_id = $3 AND position = $4",
        )
        .bind(result.code()).bind(comment).bind(id).bind(position as i64)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    }
    on_tx!(tx, conn => sqlx::query("UPDATE contracts SET reviewed_on = $1, review_comment = $2 WHERE id = $3")
        .bind(on).bind(&details.review_comment).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
    Ok(())
}

/// The next contract starts the day after this one ends, for as long, from
/// its objectives (those not reached first).
async fn renewal(tx: &mut Tx, contract: &Contract) -> Result<ContractData> {
    let rows = on_tx!(tx, conn => sqlx::query_as::<_, ObjectiveRow>(
        "SELECT id, position, category, title, barriers, actions, review_result, review_comment
         FROM contract_objectives WHERE contract_id = $1 ORDER BY position",
    )
    .bind(contract.id).fetch_all(conn).await)?;
    let mut objectives: Vec<(bool, Objective)> = rows
        .into_iter()
        .map(|r| {
            let reached = r.review_result == Some(ReviewResult::Reached);
            let objective = Objective {
                category: r.category,
                title: r.title,
                barriers: r.barriers.0,
                actions: r.actions.0,
            };
            (reached, objective)
        })
        .collect();
    objectives.sort_by_key(|(reached, _)| *reached);
    let starts_on = contract.ends_on + Duration::days(1);
    let kind = if starts_on >= parcours_domain::contract::ENGAGEMENT_REGIME_START {
        parcours_domain::contract::ContractKind::Engagement
    } else {
        parcours_domain::contract::ContractKind::Cer
    };
    Ok(ContractData {
        kind,
        starts_on,
        duration_months: contract.duration_months,
        ends_on: parcours_domain::contract::end_date(starts_on, contract.duration_months),
        weekly_hours: match kind {
            parcours_domain::contract::ContractKind::Engagement => contract
                .weekly_hours
                .or(Some(parcours_domain::contract::DEFAULT_WEEKLY_HOURS)),
            parcours_domain::contract::ContractKind::Cer => None,
        },
        hours_reason: contract.hours_reason,
        hours_note: contract.hours_note.clone(),
        other_weekly_hours: match kind {
            parcours_domain::contract::ContractKind::Engagement => contract.other_weekly_hours,
            parcours_domain::contract::ContractKind::Cer => None,
        },
        objectives: objectives.into_iter().map(|(_, o)| o).collect(),
        person_commitments: contract.person_commitments.clone(),
        organisation_commitments: contract.organisation_commitments.clone(),
    })
}

/// The columns of a contract in any state, as the bulk loader writes it
/// (`pathway_load`); `weekly_hours` last (a CER has none).
pub(crate) const CONTRACT_COLUMNS: &[&str] = &[
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

/// The columns of a contract objective with its review (`pathway_load`).
pub(crate) const OBJECTIVE_COLUMNS: &[&str] = &[
    "id",
    "contract_id",
    "position",
    "category",
    "title",
    "barriers",
    "actions",
    "review_result",
    "review_comment",
];
