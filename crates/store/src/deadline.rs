//! Deadline clocks: computed by domain code from each person's dates and
//! stored in `person_clocks`, so that late and due-soon lists are one
//! indexed query. Refreshed in the transaction of every change that moves a
//! date, and for everyone when the département changes its settings.

use crate::audit::{record, Actor};
use crate::bulk::{execute_by_keys, fetch_by_keys, Rows};
use crate::json::JsonText;
use crate::person::PersonSummary;
use crate::sql::{Sql, CLOCKS};
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::AuditAction;
use parcours_domain::deadline::ClockKind;
use parcours_domain::deadline::{
    clocks, ClockStatus, DeadlineSettings, OrientationFacts, OrientationKind, PathwayFacts,
};
use parcours_domain::worklist::{LineFacts, ListLine, PathwayStage};
use std::collections::HashMap;
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
    pub kind: ClockKind,
    pub started_on: Date,
    pub due_on: Date,
    pub referent_name: Option<String>,
    /// The organisation responsible for the person.
    pub organisation_name: Option<String>,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub standing: Standing,
}

/// Where a person stands, as the work lists show it: read in their query.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Standing {
    pub stage: PathwayStage,
    /// End of the latest validated contract.
    pub contract_ends_on: Option<Date>,
    /// The action the person has entered (the latest asked for, if several).
    pub current_action: Option<String>,
}

/// A person of a référent's caseload, with where they stand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CaseloadLine {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub person: PersonSummary,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub standing: Standing,
}

impl ListLine for DueClock {
    fn facts(&self) -> LineFacts<'_> {
        LineFacts {
            last_name: &self.last_name,
            first_names: &self.first_names,
            clock: Some(self.kind),
            due_on: Some(self.due_on),
            stage: self.standing.stage,
            contract_ends_on: self.standing.contract_ends_on,
            action: self.standing.current_action.as_deref(),
            referent: self.referent_name.as_deref(),
        }
    }
}

impl ListLine for CaseloadLine {
    fn facts(&self) -> LineFacts<'_> {
        LineFacts {
            last_name: &self.person.last_name,
            first_names: &self.person.first_names,
            clock: self.person.next_due_kind,
            due_on: self.person.next_due_on,
            stage: self.standing.stage,
            contract_ends_on: self.standing.contract_ends_on,
            action: self.standing.current_action.as_deref(),
            referent: self.person.referent_name.as_deref(),
        }
    }
}

/// Open clocks of one kind, late or not, for one référent's people in one
/// organisation (none: without one).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClockCount {
    pub kind: ClockKind,
    pub referent_name: Option<String>,
    pub organisation_name: Option<String>,
    /// 1 when late, 0 when due soon (an integer on both backends).
    pub late: i64,
    pub n: i64,
}

/// A stored clock of one person.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct StoredClock {
    pub kind: ClockKind,
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
    /// Only the clocks due before this day (the late ones, given today).
    pub due_before: Option<Date>,
    /// Only the people at this stage.
    pub stage: Option<PathwayStage>,
    /// Only the clocks of this kind.
    pub clock: Option<ClockKind>,
    pub limit: i64,
}

impl Store {
    /// The département's settings (cached: the person page reads them).
    pub async fn deadline_settings(&self) -> Result<DeadlineSettings> {
        if let Some(settings) = self.cache.deadline_settings.get(&()) {
            return Ok(settings);
        }
        // None saved yet: the legal defaults.
        let row: Option<(JsonText<DeadlineSettings>,)> = read!(self, pool => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(SETTINGS_KEY).fetch_optional(pool).await)?;
        let settings = row.map(|(json,)| json.0).unwrap_or_default();
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
        .bind(SETTINGS_KEY).bind(&json).bind(Moment(now()))
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
            let ids: Vec<Uuid> = ids.into_iter().map(|(id,)| id).collect();
            let mut tx = self.begin().await?;
            refresh_clocks_of(&mut tx, &ids).await?;
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
        let mut sql = Sql::new(&format!(
            "SELECT p.id AS person_id, p.last_name, p.first_names, k.kind, k.started_on, k.due_on,
                {} AS referent_name, org.name AS organisation_name, {}
             FROM person_clocks k JOIN persons p ON p.id = k.person_id
             LEFT JOIN organisations org ON org.id = k.organisation_id",
            referent_name("p.id"),
            standing_columns("p.id"),
        ));
        due_where(&mut sql, scope, filter);
        // Ties in a stable order, so that a list and its download agree.
        sql.bind(
            " ORDER BY k.due_on, p.last_name, p.first_names, p.id LIMIT ",
            filter.limit,
        );
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

    /// The open clocks a filter selects, all of them (not only the first
    /// `limit`), counted by kind, by the person's référent and organisation,
    /// and by whether they are late (due before `today`).
    pub async fn count_clocks(
        &self,
        scope: &PersonScope,
        filter: &DueFilter,
        today: Date,
    ) -> Result<Vec<ClockCount>> {
        let mut sql = Sql::new(&format!(
            "SELECT kind, referent_name, organisation_name, late, COUNT(*) AS n FROM (
                SELECT k.kind, {} AS referent_name, org.name AS organisation_name,
                    CAST(CASE WHEN k.due_on < ",
            referent_name("k.person_id")
        ));
        sql.bind("", today).push(
            " THEN 1 ELSE 0 END AS BIGINT) AS late
             FROM person_clocks k LEFT JOIN organisations org ON org.id = k.organisation_id",
        );
        due_where(&mut sql, scope, filter);
        sql.push(") AS c GROUP BY kind, referent_name, organisation_name, late");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ClockCount>(&sql.text), sql).fetch_all(pool).await)?,
        )
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
            &REVIEW_INSERT,
        )
        .bind(id).bind(person_id).bind(on).bind(outcome.trim()).bind(&actor.label).bind(Moment(now()))
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
    id: Uuid,
    /// None for a person outside the RSA: no RSA clock.
    household_id: Option<Uuid>,
    duties_since: Option<Date>,
    closed_on: Option<Date>,
    responsible_organisation_id: Option<Uuid>,
    territory_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct OrientationRow {
    person_id: Uuid,
    kind: String,
    decided_on: Date,
    notified_on: Date,
    extended_review: bool,
    created_at: time::OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ContractRow {
    person_id: Uuid,
    status: String,
    starts_on: Date,
    signed_on: Option<Date>,
    ends_on: Option<Date>,
    reviewed_on: Option<Date>,
}

/// `WHERE …` of the open clocks a [`DueFilter`] selects, on `person_clocks k`
/// alone (closed files have no clocks; the scope's columns are copied on the clock).
fn due_where(sql: &mut Sql, scope: &PersonScope, filter: &DueFilter) {
    sql.push(" WHERE k.met_on IS NULL");
    sql.bind(" AND k.due_on <= ", filter.due_by);
    if let Some(before) = filter.due_before {
        sql.bind(" AND k.due_on < ", before);
    }
    if let Some(clock) = filter.clock {
        sql.bind(" AND k.kind = ", clock.code());
    }
    if let Some(stage) = filter.stage {
        sql.push(" AND ")
            .push(&stage_of("k.person_id"))
            .bind(" = ", stage.code());
    }
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

/// The current référent's name of the person whose id is `person` (an SQL
/// column).
pub(crate) fn referent_name(person: &str) -> String {
    format!(
        "(SELECT u.display_name FROM referent_assignments ra JOIN users u ON u.id = ra.referent_id
          WHERE ra.person_id = {person} AND ra.ends_on IS NULL ORDER BY ra.starts_on DESC LIMIT 1)"
    )
}

/// The [`PathwayStage`] code of the person whose id is `person`.
fn stage_of(person: &str) -> String {
    format!(
        "(CASE WHEN NOT EXISTS (SELECT 1 FROM orientations o WHERE o.person_id = {person} AND o.status = 'validated')
            THEN 'orientation'
          WHEN EXISTS (SELECT 1 FROM contracts c WHERE c.person_id = {person}
            AND c.status IN ('signed', 'awaiting_validation', 'validated', 'running'))
            THEN 'under_contract'
          ELSE 'contract' END)"
    )
}

/// The [`Standing`] columns of the person whose id is `person`: a few
/// indexed lookups per line, in the list's one query.
pub(crate) fn standing_columns(person: &str) -> String {
    let validated = VALIDATED_CONTRACT
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} AS stage,
        (SELECT c.ends_on FROM contracts c WHERE c.person_id = {person} AND c.status IN ({validated})
          ORDER BY c.starts_on DESC LIMIT 1) AS contract_ends_on,
        (SELECT a.name FROM referrals r JOIN actions a ON a.id = r.action_id
          WHERE r.person_id = {person} AND r.status = 'entered'
          ORDER BY r.requested_at DESC LIMIT 1) AS current_action",
        stage_of(person)
    )
}

/// Statuses of a contract that has been validated (its end and bilan count).
const VALIDATED_CONTRACT: [&str; 5] = ["validated", "running", "ended", "reviewed", "renewed"];

/// Sets the contract dates that count for the clocks: the first contract
/// signed since the orientation was notified (contract clock), and the
/// latest validated one (end and bilan).
fn contract_facts(facts: &mut PathwayFacts, since: Date, contracts: &[ContractRow]) {
    facts.contract_signed_on = contracts
        .iter()
        .filter(|c| c.status != "rejected")
        .filter_map(|c| c.signed_on.filter(|on| *on >= since))
        .min();
    let latest = contracts
        .iter()
        .filter(|c| VALIDATED_CONTRACT.contains(&c.status.as_str()))
        .max_by_key(|c| c.starts_on);
    facts.contract_ends_on = latest.and_then(|c| c.ends_on);
    facts.contract_reviewed_on = latest.and_then(|c| c.reviewed_on);
}

/// The département's delays, read inside the caller's transaction.
pub(crate) async fn settings_in(tx: &mut Tx) -> Result<DeadlineSettings> {
    let row: Option<(JsonText<DeadlineSettings>,)> = on_tx!(tx, conn => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(SETTINGS_KEY).fetch_optional(conn).await)?;
    Ok(row.map(|(json,)| json.0).unwrap_or_default())
}

/// Recomputes one person's clocks from their dates (inside the caller's transaction).
pub(crate) async fn refresh_clocks(tx: &mut Tx, person_id: Uuid) -> Result<()> {
    refresh_clocks_of(tx, &[person_id]).await
}

/// Recomputes these people's clocks from their dates (inside the caller's
/// transaction): a few statements for all of them, so that an import or a
/// change of settings does not cost six statements a person.
pub(crate) async fn refresh_clocks_of(tx: &mut Tx, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let settings = settings_in(tx).await?;
    let facts = pathway_facts(tx, ids).await?;
    execute_by_keys(
        tx,
        keys(ids),
        "DELETE FROM person_clocks WHERE person_id IN (SELECT v FROM k)",
    )
    .await?;
    // Stored clocks do not depend on today; only their status does.
    let today = parcours_domain::clock::today();
    let mut rows = clock_rows();
    for (person, facts) in &facts {
        push_clocks(
            &mut rows,
            person.id,
            person.responsible_organisation_id,
            person.territory_id,
            facts,
            &settings,
            today,
        );
    }
    rows.write(tx).await
}

/// Each person's dates that the clocks follow: their own, their current
/// validated orientation, and since it the first joint review and contracts.
async fn pathway_facts(tx: &mut Tx, ids: &[Uuid]) -> Result<Vec<(FactsRow, PathwayFacts)>> {
    let persons: Vec<FactsRow> = fetch_by_keys(
        tx,
        keys(ids),
        "SELECT p.id, p.household_id, p.duties_since, p.closed_on, p.responsible_organisation_id, p.territory_id
         FROM k CROSS JOIN persons p WHERE p.id = k.v",
    )
    .await?;
    let orientations = current_orientations(tx, keys(ids)).await?;
    let reviews: Vec<(Uuid, Date)> = fetch_by_keys(
        tx,
        keys(orientations.keys()),
        "SELECT r.person_id, r.reviewed_on FROM k CROSS JOIN pathway_reviews r WHERE r.person_id = k.v",
    )
    .await?;
    let contracts: Vec<ContractRow> = fetch_by_keys(
        tx,
        keys(orientations.keys()),
        "SELECT c.person_id, c.status, c.starts_on, c.signed_on, c.ends_on, c.reviewed_on
         FROM k CROSS JOIN contracts c WHERE c.person_id = k.v",
    )
    .await?;
    let reviews = by_person(reviews, |r| r.0);
    let contracts = by_person(contracts, |c| c.person_id);
    Ok(persons
        .into_iter()
        .map(|person| {
            let mut facts = PathwayFacts {
                rights_opened_on: person.duties_since,
                closed_on: person.closed_on,
                outside_rsa: person.household_id.is_none(),
                ..PathwayFacts::default()
            };
            if let Some(orientation) = orientations.get(&person.id) {
                let reviews = reviews.get(&person.id).map_or(&[][..], Vec::as_slice);
                let contracts = contracts.get(&person.id).map_or(&[][..], Vec::as_slice);
                oriented_facts(&mut facts, *orientation, reviews, contracts);
            }
            (person, facts)
        })
        .collect())
}

/// Each person's current orientation: the validated one notified last
/// (then decided last), of a kind still known.
async fn current_orientations(
    tx: &mut Tx,
    keys: Vec<crate::bulk::Value>,
) -> Result<HashMap<Uuid, OrientationFacts>> {
    let rows: Vec<OrientationRow> = fetch_by_keys(
        tx,
        keys,
        "SELECT o.person_id, o.kind, o.decided_on, o.notified_on, o.extended_review, o.created_at
         FROM k CROSS JOIN orientations o WHERE o.person_id = k.v AND o.status = 'validated'",
    )
    .await?;
    let mut latest: HashMap<Uuid, OrientationRow> = HashMap::new();
    let order = |o: &OrientationRow| (o.notified_on, o.created_at);
    for row in rows {
        if latest
            .get(&row.person_id)
            .is_none_or(|o| order(&row) > order(o))
        {
            latest.insert(row.person_id, row);
        }
    }
    Ok(latest
        .into_iter()
        .filter_map(|(person, o)| {
            let facts = OrientationFacts {
                kind: OrientationKind::from_code(&o.kind)?,
                decided_on: o.decided_on,
                notified_on: o.notified_on,
                extended_review: o.extended_review,
            };
            Some((person, facts))
        })
        .collect())
}

/// Sets an oriented person's facts: the orientation, the first joint review
/// since it was notified, and the contracts.
fn oriented_facts(
    facts: &mut PathwayFacts,
    orientation: OrientationFacts,
    reviews: &[(Uuid, Date)],
    contracts: &[ContractRow],
) {
    let since = orientation.notified_on;
    facts.orientation = Some(orientation);
    facts.joint_review_on = reviews.iter().map(|r| r.1).filter(|on| *on >= since).min();
    contract_facts(facts, since, contracts);
}

fn keys<'a>(ids: impl IntoIterator<Item = &'a Uuid>) -> Vec<crate::bulk::Value> {
    ids.into_iter().map(|id| (*id).into()).collect()
}

fn by_person<T>(rows: Vec<T>, person: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(person(&row)).or_default().push(row);
    }
    grouped
}

/// Rows of `person_clocks`, as [`push_clocks`] fills them.
pub(crate) fn clock_rows() -> Rows {
    Rows::new(
        "person_clocks",
        &[
            "person_id",
            "kind",
            "started_on",
            "due_on",
            "met_on",
            "organisation_id",
            "territory_id",
        ],
    )
}

/// Queues the clocks the domain computes from a person's dates; each carries
/// the person's organisation and territory (for the lists' scope).
pub(crate) fn push_clocks(
    rows: &mut Rows,
    person_id: Uuid,
    organisation_id: Option<Uuid>,
    territory_id: Option<Uuid>,
    facts: &PathwayFacts,
    settings: &DeadlineSettings,
    today: Date,
) {
    for clock in clocks(facts, settings, today) {
        let met_on = match clock.status {
            ClockStatus::Met { on, .. } => Some(on),
            _ => None,
        };
        rows.push(vec![
            person_id.into(),
            clock.kind.code().into(),
            clock.started_on.into(),
            clock.due_on.into(),
            met_on.into(),
            organisation_id.into(),
            territory_id.into(),
        ]);
    }
}

/// The columns of a joint review (here and in `pathway_load`).
pub(crate) const REVIEW_COLUMNS: &[&str] = &[
    "id",
    "person_id",
    "reviewed_on",
    "outcome",
    "created_by",
    "created_at",
];

static REVIEW_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("pathway_reviews", REVIEW_COLUMNS));
