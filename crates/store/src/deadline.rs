//! Deadline clocks: computed by domain code from each person's dates and
//! stored in `person_clocks`, so that late and due-soon lists are one
//! indexed query. Refreshed in the transaction of every change that moves a
//! date, and for everyone when the département changes its settings.

use crate::audit::{record, Actor};
use crate::sql::{Sql, CLOCKS};
use crate::{now, Result, Store, StoreError, Tx};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::AuditAction;
use parcours_domain::deadline::{
    clocks, ClockStatus, DeadlineSettings, OrientationFacts, OrientationKind, PathwayFacts,
};
use time::Date;
use uuid::Uuid;

const SETTINGS_KEY: &str = "deadlines";

/// A running clock of a person, for late / due-soon lists.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DueClock {
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub kind: String,
    pub started_on: Date,
    pub due_on: Date,
    pub referent_name: Option<String>,
}

/// A stored clock of one person.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct StoredClock {
    pub kind: String,
    pub started_on: Date,
    pub due_on: Date,
    pub met_on: Option<Date>,
}

/// Which running clocks a list shows.
#[derive(Debug, Clone, Copy)]
pub struct DueFilter {
    /// Only the caseload of this référent.
    pub referent_id: Option<Uuid>,
    /// Clocks due on or before this day.
    pub due_by: Date,
    pub limit: i64,
}

impl Store {
    /// The département's settings (cached: the person page reads them).
    pub async fn deadline_settings(&self) -> Result<DeadlineSettings> {
        if let Some(settings) = self.cache.deadline_settings.get(&()) {
            return Ok(settings);
        }
        let row: Option<(String,)> = read!(self, pool => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(SETTINGS_KEY).fetch_optional(pool).await)?;
        let settings: DeadlineSettings = row
            .and_then(|(json,)| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        self.cache.deadline_settings.put((), settings);
        Ok(settings)
    }

    /// Saves the département's settings and recomputes every clock.
    pub async fn set_deadline_settings(
        &self,
        actor: &Actor,
        settings: &DeadlineSettings,
    ) -> Result<()> {
        settings.validate()?;
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(SETTINGS_KEY).bind(&json).bind(now())
        .execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "settings",
            Some(SETTINGS_KEY),
            Some(&json),
        )
        .await?;
        tx.commit().await?;
        self.cache.deadline_settings.forget(&());
        self.refresh_all_clocks().await
    }

    /// Recomputes every person's clocks, a thousand people per transaction.
    pub async fn refresh_all_clocks(&self) -> Result<()> {
        let mut after = Uuid::nil();
        loop {
            let ids: Vec<(Uuid,)> = read!(self, pool => sqlx::query_as(
                "SELECT id FROM persons WHERE id > $1 ORDER BY id LIMIT 1000",
            )
            .bind(after).fetch_all(pool).await)?;
            let Some((last,)) = ids.last() else {
                return Ok(());
            };
            after = *last;
            let mut tx = self.begin().await?;
            for (id,) in &ids {
                refresh_clocks(&mut tx, *id).await?;
            }
            tx.commit().await?;
        }
    }

    pub async fn person_clocks(&self, person_id: Uuid) -> Result<Vec<StoredClock>> {
        Ok(read!(self, pool => sqlx::query_as::<_, StoredClock>(
            "SELECT kind, started_on, due_on, met_on FROM person_clocks WHERE person_id = $1 ORDER BY due_on",
        )
        .bind(person_id).fetch_all(pool).await)?)
    }

    /// Open clocks due by `filter.due_by`, within the scope, most urgent first.
    pub async fn due_clocks(
        &self,
        scope: &PersonScope,
        filter: &DueFilter,
    ) -> Result<Vec<DueClock>> {
        let mut sql = Sql::new(
            "SELECT p.id AS person_id, p.last_name, p.first_names, k.kind, k.started_on, k.due_on,
                (SELECT u.display_name FROM referent_assignments ra JOIN users u ON u.id = ra.referent_id
                  WHERE ra.person_id = p.id AND ra.ends_on IS NULL) AS referent_name
             FROM person_clocks k JOIN persons p ON p.id = k.person_id",
        );
        due_where(&mut sql, scope, filter);
        sql.bind(" ORDER BY k.due_on LIMIT ", filter.limit);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, DueClock>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    /// How many open clocks are late (due before `today`) and due soon (by
    /// `filter.due_by`), within the scope: counted, not listed.
    pub async fn count_due_clocks(
        &self,
        scope: &PersonScope,
        filter: &DueFilter,
        today: Date,
    ) -> Result<(i64, i64)> {
        let mut sql = Sql::new("SELECT COALESCE(SUM(CASE WHEN k.due_on < ");
        sql.bind("", today)
            .push(" THEN 1 ELSE 0 END), 0), COUNT(*) FROM person_clocks k");
        due_where(&mut sql, scope, filter);
        let (late, all): (i64, i64) =
            read!(self, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_one(pool).await)?;
        Ok((late, all - late))
    }

    /// Records a joint review of a social pathway (stops that clock).
    pub async fn record_joint_review(
        &self,
        actor: &Actor,
        person_id: Uuid,
        on: Date,
        outcome: &str,
    ) -> Result<()> {
        if outcome.trim().is_empty() {
            return Err(parcours_domain::Invalid::field(
                "outcome",
                "Indiquez la conclusion du réexamen.",
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let person = crate::person::person_in(&mut tx, person_id).await?;
        if on < person.birth_date {
            return Err(parcours_domain::Invalid::field(
                "reviewed_on",
                "La date du réexamen n'est pas plausible.",
            )
            .into());
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO pathway_reviews (id, person_id, reviewed_on, outcome, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id).bind(person_id).bind(on).bind(outcome.trim()).bind(&actor.label).bind(now())
        .execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "pathway_review",
            Some(&id.to_string()),
            Some(&format!("personne {person_id}")),
        )
        .await?;
        refresh_clocks(&mut tx, person_id).await?;
        tx.commit().await
    }
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    duties_since: Option<Date>,
    closed_on: Option<Date>,
    responsible_organisation_id: Option<Uuid>,
    territory_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct OrientationRow {
    kind: String,
    decided_on: Date,
    notified_on: Date,
    extended_review: bool,
}

/// `WHERE …` of the open clocks a [`DueFilter`] selects, on `person_clocks k`
/// alone (closed files have no clocks; the scope's columns are copied on the clock).
fn due_where(sql: &mut Sql, scope: &PersonScope, filter: &DueFilter) {
    sql.push(" WHERE k.met_on IS NULL");
    sql.bind(" AND k.due_on <= ", filter.due_by);
    if let Some(referent) = filter.referent_id {
        sql.bind(" AND k.person_id IN (SELECT person_id FROM referent_assignments WHERE ends_on IS NULL AND referent_id = ", referent)
            .push(")");
    }
    // A référent's own caseload is always within their scope: repeating the
    // scope would only hide the caseload index from the planner.
    if filter.referent_id.is_none() || filter.referent_id != scope.referent_id {
        sql.scope_or(scope, &CLOCKS, None);
    }
}

#[derive(Default, sqlx::FromRow)]
struct ContractDates {
    signed_on: Option<Date>,
    ends_on: Option<Date>,
    reviewed_on: Option<Date>,
}

/// Dates of the contract that counts for the clocks: the first signed since
/// the orientation was notified (contract clock), and the latest validated
/// one (end and bilan).
async fn current_contract(tx: &mut Tx, person_id: Uuid, since: Date) -> Result<ContractDates> {
    let first_signed: Option<(Date,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT signed_on FROM contracts WHERE person_id = $1 AND signed_on IS NOT NULL AND signed_on >= $2
           AND status <> 'rejected' ORDER BY signed_on LIMIT 1",
    )
    .bind(person_id).bind(since).fetch_optional(conn).await)?;
    let latest: Option<ContractDates> = on_tx!(tx, conn => sqlx::query_as::<_, ContractDates>(
        "SELECT signed_on, ends_on, reviewed_on FROM contracts WHERE person_id = $1
           AND status IN ('validated', 'running', 'ended', 'reviewed', 'renewed')
         ORDER BY starts_on DESC LIMIT 1",
    )
    .bind(person_id).fetch_optional(conn).await)?;
    let latest = latest.unwrap_or_default();
    Ok(ContractDates {
        signed_on: first_signed.map(|(d,)| d),
        ends_on: latest.ends_on,
        reviewed_on: latest.reviewed_on,
    })
}

/// The département's delays, read inside the caller's transaction.
pub(crate) async fn settings_in(tx: &mut Tx) -> Result<DeadlineSettings> {
    let row: Option<(String,)> = on_tx!(tx, conn => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(SETTINGS_KEY).fetch_optional(conn).await)?;
    Ok(row
        .and_then(|(json,)| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Recomputes one person's clocks from their dates (inside the caller's transaction).
pub(crate) async fn refresh_clocks(tx: &mut Tx, person_id: Uuid) -> Result<()> {
    let settings = settings_in(tx).await?;
    let person: FactsRow = on_tx!(tx, conn => sqlx::query_as::<_, FactsRow>(
        "SELECT duties_since, closed_on, responsible_organisation_id, territory_id FROM persons WHERE id = $1",
    )
    .bind(person_id).fetch_one(conn).await)?;
    let orientation: Option<OrientationRow> = on_tx!(tx, conn => sqlx::query_as::<_, OrientationRow>(
        "SELECT kind, decided_on, notified_on, extended_review FROM orientations
         WHERE person_id = $1 AND status = 'validated' ORDER BY notified_on DESC, created_at DESC LIMIT 1",
    )
    .bind(person_id).fetch_optional(conn).await)?;
    let orientation = orientation.and_then(|o| {
        Some(OrientationFacts {
            kind: OrientationKind::from_code(&o.kind)?,
            decided_on: o.decided_on,
            notified_on: o.notified_on,
            extended_review: o.extended_review,
        })
    });
    let joint_review_on = match &orientation {
        Some(o) => {
            let row: Option<(Date,)> = on_tx!(tx, conn => sqlx::query_as(
                "SELECT reviewed_on FROM pathway_reviews WHERE person_id = $1 AND reviewed_on >= $2
                 ORDER BY reviewed_on LIMIT 1",
            )
            .bind(person_id).bind(o.notified_on).fetch_optional(conn).await)?;
            row.map(|(d,)| d)
        }
        None => None,
    };
    let contract = match &orientation {
        Some(o) => current_contract(tx, person_id, o.notified_on).await?,
        None => ContractDates::default(),
    };
    let facts = PathwayFacts {
        rights_opened_on: person.duties_since,
        orientation,
        contract_signed_on: contract.signed_on,
        contract_ends_on: contract.ends_on,
        contract_reviewed_on: contract.reviewed_on,
        joint_review_on,
        closed_on: person.closed_on,
    };
    // Stored clocks do not depend on today; only their status does.
    let today = time::OffsetDateTime::now_utc().date();
    on_tx!(tx, conn => sqlx::query("DELETE FROM person_clocks WHERE person_id = $1")
        .bind(person_id).execute(conn).await.map(|done| done.rows_affected()))?;
    for clock in clocks(&facts, &settings, today) {
        let met_on = match clock.status {
            ClockStatus::Met { on, .. } => Some(on),
            _ => None,
        };
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO person_clocks (person_id, kind, started_on, due_on, met_on, organisation_id, territory_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(person_id).bind(clock.kind.code()).bind(clock.started_on).bind(clock.due_on).bind(met_on)
        .bind(person.responsible_organisation_id).bind(person.territory_id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    }
    Ok(())
}
