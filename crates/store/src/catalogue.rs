//! The catalogue: partner structures (organisations with published details),
//! families of actions, actions with their search tags, funding lines and
//! sessions, the public search and the programme view.

use crate::audit::{record, Actor};
use crate::json::JsonText;
use crate::referral::WAITING_ON_ACTION;
use crate::sql::Sql;
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::catalogue::{
    ActionData, ActionFormat, ActionStatus, CapacityPeriod, FundingData, FundingKind,
    PracticalData, ServiceType, StructureData, DEFAULT_FAMILIES,
};
use parcours_domain::eligibility::EligibilityRules;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::fold;
use parcours_domain::schedule::{hhmm, Schedule};
use parcours_domain::{taxonomy, Invalid};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// How far ahead sessions are generated from an action's schedule.
pub const SESSION_HORIZON_DAYS: i64 = 366;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Structure {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub siret: String,
    pub description: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub network: Option<String>,
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
}

const STRUCTURE_COLUMNS: &str = "s.id, o.name, o.kind, s.siret, s.description, s.address, s.postal_code, s.commune_code,
     s.commune_name, s.contact_name, s.phone, s.email, s.website, s.network, s.external_id, s.version, s.updated_at";

/// A structure in the list, with how many actions it runs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StructureSummary {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub siret: String,
    pub commune_name: Option<String>,
    pub actions: i64,
    pub published_actions: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Family {
    pub code: String,
    pub label: String,
    pub position: i64,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: Uuid,
    structure_id: Uuid,
    structure_name: String,
    name: String,
    description: String,
    family: Option<String>,
    service_type: ServiceType,
    format: ActionFormat,
    thematiques: JsonText<Vec<String>>,
    publics: JsonText<Vec<String>>,
    reception: JsonText<Vec<String>>,
    eligibility: JsonText<EligibilityRules>,
    schedule: JsonText<Schedule>,
    capacity: Option<i64>,
    capacity_period: CapacityPeriod,
    places_taken: i64,
    margin_taken: i64,
    address: Option<String>,
    postal_code: Option<String>,
    commune_code: Option<String>,
    commune_name: Option<String>,
    weekly_hours: Option<f64>,
    duration_weeks: Option<i64>,
    self_referral: bool,
    starts_on: Date,
    ends_on: Option<Date>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    how_to_apply: Option<String>,
    status: ActionStatus,
    external_id: Option<String>,
    version: i64,
    updated_at: OffsetDateTime,
}

/// An action as positioning weighs it: what ranks it for a person (its
/// themes, rules, place, capacity and waiting list) and what names it.
#[derive(Debug, Clone)]
pub struct OfferedAction {
    pub id: Uuid,
    pub name: String,
    pub structure_name: String,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    pub thematiques: Vec<String>,
    pub eligibility: EligibilityRules,
    pub capacity: Option<i64>,
    pub places_taken: i64,
    /// Places outside the publics used now (the margin quota's live count).
    pub margin_taken: i64,
    pub duration_weeks: Option<i64>,
    /// People waiting for a place, or offered one.
    pub waiting: i64,
}

#[derive(sqlx::FromRow)]
struct OfferedActionRow {
    id: Uuid,
    name: String,
    structure_name: String,
    commune_code: Option<String>,
    commune_name: Option<String>,
    thematiques: JsonText<Vec<String>>,
    eligibility: JsonText<EligibilityRules>,
    capacity: Option<i64>,
    places_taken: i64,
    margin_taken: i64,
    duration_weeks: Option<i64>,
    waiting: i64,
}

impl From<OfferedActionRow> for OfferedAction {
    fn from(r: OfferedActionRow) -> OfferedAction {
        OfferedAction {
            id: r.id,
            name: r.name,
            structure_name: r.structure_name,
            commune_code: r.commune_code,
            commune_name: r.commune_name,
            thematiques: r.thematiques.0,
            eligibility: r.eligibility.0,
            capacity: r.capacity,
            places_taken: r.places_taken,
            margin_taken: r.margin_taken,
            duration_weeks: r.duration_weeks,
            waiting: r.waiting,
        }
    }
}

const ACTION_COLUMNS: &str = "a.id, a.structure_id, o.name AS structure_name, a.name, a.description, a.family,
     a.service_type, a.format, a.thematiques, a.publics, a.reception, a.eligibility, a.schedule, a.capacity,
     a.capacity_period, a.places_taken, a.margin_taken, a.address, a.postal_code, a.commune_code, a.commune_name, a.weekly_hours,
     a.duration_weeks, a.self_referral, a.starts_on, a.ends_on, a.contact_name, a.contact_phone, a.contact_email,
     a.how_to_apply, a.status, a.external_id, a.version, a.updated_at";

const ACTION_FROM: &str = " FROM actions a JOIN organisations o ON o.id = a.structure_id";

/// An action of the catalogue, everything but its funding and sessions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: Uuid,
    pub structure_id: Uuid,
    pub structure_name: String,
    pub name: String,
    pub description: String,
    pub family: Option<String>,
    pub service_type: ServiceType,
    pub format: ActionFormat,
    pub thematiques: Vec<String>,
    pub publics: Vec<String>,
    pub reception: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub eligibility: EligibilityRules,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schedule: Schedule,
    pub capacity: Option<i64>,
    pub capacity_period: CapacityPeriod,
    pub places_taken: i64,
    /// Of them, places outside the publics (the eligibility's margin quota).
    pub margin_taken: i64,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    pub weekly_hours: Option<f64>,
    pub duration_weeks: Option<i64>,
    pub self_referral: bool,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub how_to_apply: Option<String>,
    pub status: ActionStatus,
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
}

impl From<ActionRow> for Action {
    fn from(r: ActionRow) -> Action {
        Action {
            id: r.id,
            structure_id: r.structure_id,
            structure_name: r.structure_name,
            name: r.name,
            description: r.description,
            family: r.family,
            service_type: r.service_type,
            format: r.format,
            thematiques: r.thematiques.0,
            publics: r.publics.0,
            reception: r.reception.0,
            eligibility: r.eligibility.0,
            schedule: r.schedule.0,
            capacity: r.capacity,
            capacity_period: r.capacity_period,
            places_taken: r.places_taken,
            margin_taken: r.margin_taken,
            address: r.address,
            postal_code: r.postal_code,
            commune_code: r.commune_code,
            commune_name: r.commune_name,
            weekly_hours: r.weekly_hours,
            duration_weeks: r.duration_weeks,
            self_referral: r.self_referral,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            how_to_apply: r.how_to_apply,
            status: r.status,
            external_id: r.external_id,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

impl Action {
    /// Places left now, when the action has a capacity.
    pub fn places_left(&self) -> Option<i64> {
        self.capacity.map(|c| (c - self.places_taken).max(0))
    }

    /// Published and not over.
    pub fn is_public(&self, today: Date) -> bool {
        self.status == ActionStatus::Published && self.ends_on.is_none_or(|end| end >= today)
    }
}

/// An action in a list (search results, a structure's actions).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ActionSummary {
    pub id: Uuid,
    pub name: String,
    pub structure_id: Uuid,
    pub structure_name: String,
    pub family: Option<String>,
    pub format: ActionFormat,
    pub commune_name: Option<String>,
    pub capacity: Option<i64>,
    pub places_taken: i64,
    pub status: ActionStatus,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
}

const SUMMARY_COLUMNS: &str =
    "a.id, a.name, a.structure_id, o.name AS structure_name, a.family, a.format,
     a.commune_name, a.capacity, a.places_taken, a.status, a.starts_on, a.ends_on";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Funding {
    pub id: Uuid,
    pub action_id: Uuid,
    pub kind: FundingKind,
    pub funder: String,
    pub year: i64,
    pub amount_cents: i64,
    pub contract_number: Option<String>,
    pub lot: Option<String>,
    pub fse_plus: bool,
    pub fse_operation: Option<String>,
}

const FUNDING_COLUMNS: &str = "id, action_id, kind, funder, year, amount_cents, contract_number, lot, fse_plus, fse_operation";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub action_id: Uuid,
    pub on_date: Date,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub ad_hoc: bool,
    pub cancelled: bool,
    pub note: Option<String>,
    /// The participant of an individual appointment; none for a group session.
    pub referral_id: Option<Uuid>,
}

const SESSION_COLUMNS: &str =
    "id, action_id, on_date, starts_at, ends_at, ad_hoc, cancelled, note, referral_id";

/// Filters of the catalogue search; empty means "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogueFilter {
    /// Words of the name, description or structure.
    pub text: String,
    /// A thématique, or a whole category.
    pub thematique: String,
    pub commune_code: String,
    pub public: String,
    pub format: String,
    pub family: String,
    pub with_places: bool,
    /// Only actions of this structure (an opérateur's list).
    pub structure_id: Option<Uuid>,
    /// Published and current actions only (the public catalogue), or any status.
    pub public_only: bool,
    pub status: String,
    pub today: Option<Date>,
    pub limit: i64,
    pub offset: i64,
}

/// One funding line of the programme view, with its action.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ProgrammeLine {
    pub action_id: Uuid,
    pub action_name: String,
    pub structure_name: String,
    pub family: Option<String>,
    pub status: ActionStatus,
    pub capacity: Option<i64>,
    pub places_taken: i64,
    pub funding_kind: Option<String>,
    pub funder: Option<String>,
    pub year: Option<i64>,
    pub amount_cents: Option<i64>,
    pub fse_plus: Option<bool>,
    pub fse_operation: Option<String>,
    pub contract_number: Option<String>,
    pub lot: Option<String>,
}

/// One family's line of the programme.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FamilySummary {
    pub family: Option<String>,
    pub actions: i64,
    pub places: i64,
    pub places_taken: i64,
    pub amount_cents: i64,
    pub fse_cents: i64,
}

impl Store {
    /// Adds the default families the first time (a département edits them after).
    pub async fn ensure_default_families(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let count: i64 = on_tx!(&mut tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM action_families")
            .fetch_one(conn).await)?;
        if count == 0 {
            for (position, (code, label)) in DEFAULT_FAMILIES.iter().enumerate() {
                on_tx!(&mut tx, conn => sqlx::query("INSERT INTO action_families (code, label, position) VALUES ($1, $2, $3)")
                    .bind(*code).bind(*label).bind(position as i64).execute(conn).await.map(|d| d.rows_affected()))?;
            }
        }
        tx.commit().await
    }

    pub async fn families(&self) -> Result<Vec<Family>> {
        Ok(read!(self, pool => sqlx::query_as::<_, Family>(
            "SELECT code, label, position FROM action_families ORDER BY position, code",
        ).fetch_all(pool).await)?)
    }

    /// Adds a family, or renames an existing one (codes never change: actions refer to them).
    pub async fn save_family(&self, actor: &Actor, code: &str, label: &str) -> Result<Family> {
        let mut invalid = Invalid::new();
        let code = code.trim().to_lowercase();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            invalid.add("code", "Le code d'une famille s'écrit en minuscules, chiffres et tirets (ex. ateliers-collectifs).");
        }
        let label = parcours_domain::validation::required_text(
            &mut invalid,
            "label",
            "Libellé",
            label,
            150,
        );
        invalid.into_result(())?;
        let mut tx = self.begin().await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query("UPDATE action_families SET label = $1 WHERE code = $2")
            .bind(&label).bind(&code).execute(conn).await.map(|d| d.rows_affected()))?;
        if updated == 0 {
            on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO action_families (code, label, position)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM action_families))",
            ).bind(&code).bind(&label).execute(conn).await.map(|d| d.rows_affected()))?;
        }
        let detail = format!("famille d'actions {code} : {label}");
        let action = if updated == 0 {
            AuditAction::Create
        } else {
            AuditAction::Update
        };
        record(
            &mut tx,
            actor,
            action,
            "action_family",
            Some(&code),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(Family {
            position: 0,
            code,
            label,
        })
    }

    pub async fn create_structure(
        &self,
        actor: &Actor,
        data: &StructureData,
        external_id: Option<&str>,
    ) -> Result<Structure> {
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        let at = now();
        on_tx!(&mut tx, conn => sqlx::query(
            &crate::organisation::ORGANISATION_INSERT,
        ).bind(id).bind(&data.name).bind(data.kind.code()).bind(Option::<Uuid>::None).bind(Moment(at)).execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("name", "Une structure ou une organisation porte déjà ce nom."))?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO structures (id, siret, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        ).bind(id).bind(&data.siret).bind(external_id).bind(Moment(at)).execute(conn).await.map(|d| d.rows_affected()))?;
        write_structure(&mut tx, id, data).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "structure",
            Some(&id.to_string()),
            Some(&data.name),
        )
        .await?;
        tx.commit().await?;
        self.forget_organisations();
        self.structure(id).await
    }

    pub async fn update_structure(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &StructureData,
    ) -> Result<Structure> {
        let mut tx = self.begin().await?;
        let bumped = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE structures SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
        ).bind(Moment(now())).bind(id).bind(expected_version).execute(conn).await.map(|d| d.rows_affected()))?;
        if bumped == 0 {
            self.structure(id).await?;
            return Err(StoreError::Stale);
        }
        on_tx!(&mut tx, conn => sqlx::query("UPDATE organisations SET name = $1, kind = $2 WHERE id = $3")
            .bind(&data.name).bind(data.kind.code()).bind(id).execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("name", "Une structure ou une organisation porte déjà ce nom."))?;
        write_structure(&mut tx, id, data).await?;
        refresh_search_texts(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "structure",
            Some(&id.to_string()),
            Some(&data.name),
        )
        .await?;
        tx.commit().await?;
        self.forget_organisations();
        self.structure(id).await
    }

    pub async fn structure(&self, id: Uuid) -> Result<Structure> {
        let sql = format!("SELECT {STRUCTURE_COLUMNS} FROM structures s JOIN organisations o ON o.id = s.id WHERE s.id = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Structure>(&sql).bind(id).fetch_one(pool).await)?,
        )
    }

    pub async fn structure_by_external_id(&self, external_id: &str) -> Result<Option<Structure>> {
        let sql = format!("SELECT {STRUCTURE_COLUMNS} FROM structures s JOIN organisations o ON o.id = s.id WHERE s.external_id = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Structure>(&sql).bind(external_id).fetch_optional(pool).await)?,
        )
    }

    /// Every structure with its full details (the data·inclusion export).
    pub async fn all_structures(&self) -> Result<Vec<Structure>> {
        let sql = format!("SELECT {STRUCTURE_COLUMNS} FROM structures s JOIN organisations o ON o.id = s.id ORDER BY o.name");
        let mut all =
            read!(self, pool => sqlx::query_as::<_, Structure>(&sql).fetch_all(pool).await)?;
        crate::in_french_order(&mut all, |s| &s.name);
        Ok(all)
    }

    pub async fn structures(&self) -> Result<Vec<StructureSummary>> {
        let mut all = read!(self, pool => sqlx::query_as::<_, StructureSummary>(
            "SELECT s.id, o.name, o.kind, s.siret, s.commune_name,
                    (SELECT COUNT(*) FROM actions a WHERE a.structure_id = s.id) AS actions,
                    (SELECT COUNT(*) FROM actions a WHERE a.structure_id = s.id AND a.status = 'published') AS published_actions
             FROM structures s JOIN organisations o ON o.id = s.id ORDER BY o.name",
        ).fetch_all(pool).await)?;
        crate::in_french_order(&mut all, |s| &s.name);
        Ok(all)
    }

    pub async fn create_action(
        &self,
        actor: &Actor,
        data: &ActionData,
        today: Date,
        external_id: Option<&str>,
    ) -> Result<Action> {
        let mut tx = self.begin().await?;
        check_references(&mut tx, data).await?;
        let id = Uuid::now_v7();
        let at = now();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO actions (id, structure_id, name, description, service_type, format, thematiques, publics, reception,
                                  eligibility, schedule, capacity_period, self_referral, starts_on, status, search_text,
                                  external_id, created_at, updated_at)
             VALUES ($1, $2, '', '', $6, $7, '[]', '[]', '[]', '{}', '{}', $8, FALSE, $3, 'draft', '', $4, $5, $5)",
        ).bind(id).bind(data.structure_id).bind(data.starts_on).bind(external_id).bind(Moment(at))
        .bind(data.service_type.code()).bind(data.format.code()).bind(data.capacity_period.code())
        .execute(conn).await.map(|d| d.rows_affected()))?;
        write_action(&mut tx, id, data).await?;
        write_practical(&mut tx, id, &data.practical).await?;
        regenerate_sessions(&mut tx, id, today).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "action",
            Some(&id.to_string()),
            Some(&data.name),
        )
        .await?;
        tx.commit().await?;
        self.cache.catalogue_communes.clear();
        self.action(id).await
    }

    /// Replaces everything but the status and funding (chargé de mission).
    pub async fn update_action(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &ActionData,
        today: Date,
    ) -> Result<Action> {
        let mut tx = self.begin().await?;
        check_references(&mut tx, data).await?;
        bump_action(&mut tx, id, expected_version).await?;
        write_action(&mut tx, id, data).await?;
        write_practical(&mut tx, id, &data.practical).await?;
        regenerate_sessions(&mut tx, id, today).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "action",
            Some(&id.to_string()),
            Some(&data.name),
        )
        .await?;
        tx.commit().await?;
        self.cache.catalogue_communes.clear();
        self.action(id).await
    }

    /// Replaces the practical details only: schedule, contact, how to apply.
    pub async fn update_practical(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &PracticalData,
        today: Date,
    ) -> Result<Action> {
        let mut tx = self.begin().await?;
        bump_action(&mut tx, id, expected_version).await?;
        write_practical(&mut tx, id, data).await?;
        regenerate_sessions(&mut tx, id, today).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "action",
            Some(&id.to_string()),
            Some("informations pratiques"),
        )
        .await?;
        tx.commit().await?;
        self.cache.catalogue_communes.clear();
        self.action(id).await
    }

    pub async fn set_action_status(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        next: ActionStatus,
    ) -> Result<Action> {
        let action = self.action(id).await?;
        action
            .status
            .can_become(next)
            .map_err(|m| Invalid::field("status", m))?;
        if next == ActionStatus::Published && action.family.is_none() {
            return Err(Invalid::field(
                "family",
                "Choisissez la famille de l'action avant de la publier.",
            )
            .into());
        }
        let mut tx = self.begin().await?;
        bump_action(&mut tx, id, expected_version).await?;
        on_tx!(&mut tx, conn => sqlx::query("UPDATE actions SET status = $1 WHERE id = $2")
            .bind(next.code()).bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!("action : {}", next.label());
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "action",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.cache.catalogue_communes.clear();
        self.action(id).await
    }

    pub async fn action(&self, id: Uuid) -> Result<Action> {
        let sql = format!("SELECT {ACTION_COLUMNS}{ACTION_FROM} WHERE a.id = $1");
        let row = read!(self, pool => sqlx::query_as::<_, ActionRow>(&sql).bind(id).fetch_one(pool).await)?;
        Ok(row.into())
    }

    pub async fn action_by_external_id(&self, external_id: &str) -> Result<Option<Action>> {
        let sql = format!("SELECT {ACTION_COLUMNS}{ACTION_FROM} WHERE a.external_id = $1");
        let row = read!(self, pool => sqlx::query_as::<_, ActionRow>(&sql).bind(external_id).fetch_optional(pool).await)?;
        Ok(row.map(Action::from))
    }

    /// Published, current actions with every detail (the data·inclusion export).
    pub async fn public_actions(&self, today: Date) -> Result<Vec<Action>> {
        let sql = format!(
            "SELECT {ACTION_COLUMNS}{ACTION_FROM} WHERE a.status = 'published' AND COALESCE(a.ends_on >= $1, TRUE) ORDER BY o.name, a.name"
        );
        let rows = read!(self, pool => sqlx::query_as::<_, ActionRow>(&sql).bind(today).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Action::from).collect())
    }

    /// One page of actions matching the filter, and how many match in all.
    pub async fn search_actions(
        &self,
        filter: &CatalogueFilter,
    ) -> Result<(Vec<ActionSummary>, i64)> {
        let sql = conditions(filter);
        // Counting needs no join (the structure always exists).
        let count_sql = format!("SELECT COUNT(*) FROM actions a{}", sql.text);
        let total: i64 = read!(self, pool => bind_all!(sqlx::query_scalar(&count_sql), sql).fetch_one(pool).await)?;
        let page_sql = format!(
            "SELECT {SUMMARY_COLUMNS}{ACTION_FROM}{}",
            page(filter, &sql)
        );
        let rows = read!(self, pool => bind_all!(sqlx::query_as::<_, ActionSummary>(&page_sql), sql).fetch_all(pool).await)?;
        Ok((rows, total))
    }

    /// The actions on the page of any of `filters`, each once and in name
    /// order, as positioning weighs them: one statement does what a query
    /// per filter and one for the waiting lists did, and it reads only the
    /// columns that rank an action, not its descriptions.
    pub async fn offered_actions(&self, filters: &[CatalogueFilter]) -> Result<Vec<OfferedAction>> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT a.id, a.name, o.name AS structure_name, a.commune_code, a.commune_name,
                    a.thematiques, a.eligibility, a.capacity, a.places_taken, a.margin_taken, a.duration_weeks,
                    {WAITING_ON_ACTION} AS waiting
             FROM actions a JOIN organisations o ON o.id = a.structure_id WHERE a.id IN ("
        ));
        for (i, filter) in filters.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ");
            }
            // Each page picks ids only: sorting narrow rows, not whole actions.
            sql.push(&format!("SELECT p{i}.id FROM ("));
            if !push_tag_page(&mut sql, filter) {
                sql.push("SELECT a.id FROM actions a");
                push_conditions(&mut sql, filter);
                sql.push(&page_order(filter));
            }
            sql.push(&format!(") p{i}"));
        }
        sql.push(") ORDER BY a.name, a.id");
        // Pages by category plan alike whatever the category; a page of
        // words depends on how many actions the words match.
        let rows = if filters.iter().any(|f| !f.text.trim().is_empty()) {
            read!(self, pool => bind_all!(sqlx::query_as::<_, OfferedActionRow>(&sql.text), sql).fetch_all(pool).await)?
        } else {
            read_planned_once!(self, pool => bind_all!(sqlx::query_as::<_, OfferedActionRow>(&sql.text), sql).fetch_all(pool).await)?
        };
        Ok(rows.into_iter().map(OfferedAction::from).collect())
    }

    /// The communes where published actions take place (the catalogue's filter).
    /// (Cached: the public catalogue's every page offers them.)
    pub async fn catalogue_communes(&self) -> Result<Arc<Vec<(String, String)>>> {
        if let Some(communes) = self.cache.catalogue_communes.get(&()) {
            return Ok(communes);
        }
        let communes = Arc::new(read!(self, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT commune_code, MIN(commune_name) FROM actions
             WHERE status = 'published' AND commune_code IS NOT NULL AND commune_name IS NOT NULL
             GROUP BY commune_code ORDER BY MIN(commune_name)",
        ).fetch_all(pool).await)?);
        self.cache.catalogue_communes.put((), communes.clone());
        Ok(communes)
    }
}

/// The filter's conditions, as ` WHERE …` over `actions a`.
fn conditions(filter: &CatalogueFilter) -> Sql {
    let mut sql = Sql::default();
    push_conditions(&mut sql, filter);
    sql
}

/// Appends the filter's conditions to `sql`, as ` WHERE …` over `actions a`.
fn push_conditions(sql: &mut Sql, filter: &CatalogueFilter) {
    sql.push(" WHERE 1 = 1");
    if filter.public_only {
        sql.push(" AND a.status = 'published'");
        if let Some(today) = filter.today {
            // Not `ends_on IS NULL OR ends_on >= …`: SQLite 3.46 answers
            // an OR of two index ranges by sorting every published action,
            // where this lets it walk them in name order and stop at the
            // page (a catalogue page 4.6 → 0.13 ms, measured).
            sql.bind(" AND COALESCE(a.ends_on >= ", today)
                .push(", TRUE)");
        }
    } else if !filter.status.is_empty() {
        sql.bind(" AND a.status = ", filter.status.as_str());
    }
    if let Some(structure) = filter.structure_id {
        sql.bind(" AND a.structure_id = ", structure);
    }
    for word in fold(&filter.text).split_whitespace().take(6) {
        sql.bind(" AND a.search_text LIKE ", format!("%{word}%"));
    }
    if !filter.thematique.is_empty() {
        sql.bind(
            " AND a.id IN (SELECT t.action_id FROM action_tags t WHERE t.kind = ",
            tag_kind(&filter.thematique),
        )
        .bind(" AND t.code = ", filter.thematique.as_str())
        .push(")");
    }
    if !filter.public.is_empty() {
        sql.bind(" AND a.id IN (SELECT t.action_id FROM action_tags t WHERE t.kind = 'public' AND t.code = ", filter.public.as_str())
                .push(")");
    }
    if !filter.commune_code.is_empty() {
        sql.bind(" AND a.commune_code = ", filter.commune_code.as_str());
    }
    if !filter.format.is_empty() {
        sql.bind(" AND a.format = ", filter.format.as_str());
    }
    if !filter.family.is_empty() {
        sql.bind(" AND a.family = ", filter.family.as_str());
    }
    if filter.with_places {
        sql.push(" AND (a.capacity IS NULL OR a.places_taken < a.capacity)");
    }
}

/// The page of a published category or thématique and nothing else, from
/// the tag rows, which carry their action's name, status and end
/// (0014_action_tag_pages.sql): one range of their index in name order.
/// Returns false, appending nothing, for any other filter.
fn push_tag_page(sql: &mut Sql, filter: &CatalogueFilter) -> bool {
    // Compared whole, so that a filter added later turns this path off
    // rather than being ignored by it (the status is implied by public_only).
    let tag_only = *filter
        == CatalogueFilter {
            thematique: filter.thematique.clone(),
            public_only: true,
            status: filter.status.clone(),
            today: filter.today,
            limit: filter.limit,
            offset: filter.offset,
            ..CatalogueFilter::default()
        };
    if !tag_only || filter.thematique.is_empty() {
        return false;
    }
    sql.bind(
        "SELECT t.action_id AS id FROM action_tags t WHERE t.kind = ",
        tag_kind(&filter.thematique),
    )
    .bind(" AND t.code = ", filter.thematique.as_str())
    .push(" AND t.status = 'published'");
    if let Some(today) = filter.today {
        sql.bind(" AND COALESCE(t.ends_on >= ", today)
            .push(", TRUE)");
    }
    let limit = filter.limit.clamp(1, 500);
    sql.push(&format!(
        " ORDER BY t.name, t.action_id LIMIT {limit} OFFSET {}",
        filter.offset.max(0)
    ));
    true
}

/// The tag kind of a thématique (`famille--thème`) or of a category.
fn tag_kind(thematique: &str) -> &'static str {
    if thematique.contains("--") {
        "thematique"
    } else {
        "categorie"
    }
}

/// The conditions' order and the filter's page, after `FROM actions a …`.
fn page(filter: &CatalogueFilter, conditions: &Sql) -> String {
    format!("{}{}", conditions.text, page_order(filter))
}

/// The filter's order and page, after its conditions.
fn page_order(filter: &CatalogueFilter) -> String {
    let limit = filter.limit.clamp(1, 500);
    format!(
        " ORDER BY a.name, a.id LIMIT {limit} OFFSET {}",
        filter.offset.max(0)
    )
}

impl Store {
    pub async fn add_funding(
        &self,
        actor: &Actor,
        action_id: Uuid,
        data: &FundingData,
    ) -> Result<Funding> {
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            &FUNDING_INSERT,
        ).bind(id).bind(action_id).bind(data.kind.code()).bind(&data.funder).bind(data.year).bind(data.amount_cents)
        .bind(&data.contract_number).bind(&data.lot).bind(data.fse_plus).bind(&data.fse_operation).bind(Moment(now()))
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).foreign_key_as("action_id", "Cette action n'existe pas."))?;
        crate::fse_report::ensure_operations(&mut tx).await?;
        let detail = format!(
            "financement {} {} ({} centimes)",
            data.funder, data.year, data.amount_cents
        );
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "action",
            Some(&action_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.funding(id).await
    }

    pub async fn funding(&self, id: Uuid) -> Result<Funding> {
        let sql = format!("SELECT {FUNDING_COLUMNS} FROM action_fundings WHERE id = $1");
        Ok(read!(self, pool => sqlx::query_as::<_, Funding>(&sql).bind(id).fetch_one(pool).await)?)
    }

    pub async fn delete_funding(&self, actor: &Actor, id: Uuid) -> Result<Funding> {
        let funding = self.funding(id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM action_fundings WHERE id = $1")
            .bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!("financement supprimé : {} {}", funding.funder, funding.year);
        record(
            &mut tx,
            actor,
            AuditAction::Delete,
            "action",
            Some(&funding.action_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(funding)
    }

    pub async fn fundings_of(&self, action_id: Uuid) -> Result<Vec<Funding>> {
        let sql = format!("SELECT {FUNDING_COLUMNS} FROM action_fundings WHERE action_id = $1 ORDER BY year DESC, funder");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Funding>(&sql).bind(action_id).fetch_all(pool).await)?,
        )
    }

    /// Every action of a family (`Some("")`: without family; `None`: all)
    /// with its funding lines of `year` (or of every year): the programme.
    pub async fn programme(
        &self,
        year: Option<i64>,
        family: Option<&str>,
    ) -> Result<Vec<ProgrammeLine>> {
        let mut sql = Sql::new(
            "SELECT a.id AS action_id, a.name AS action_name, o.name AS structure_name, a.family, a.status, a.capacity,
                    a.places_taken, f.kind AS funding_kind, f.funder, f.year, f.amount_cents, f.fse_plus, f.fse_operation,
                    f.contract_number, f.lot
             FROM actions a JOIN organisations o ON o.id = a.structure_id
             LEFT JOIN action_fundings f ON f.action_id = a.id",
        );
        if let Some(year) = year {
            sql.bind(" AND f.year = ", year);
        }
        sql.push(" WHERE a.status <> 'archived'");
        match family {
            Some("") => {
                sql.push(" AND a.family IS NULL");
            }
            Some(code) => {
                sql.bind(" AND a.family = ", code);
            }
            None => {}
        }
        sql.push(" ORDER BY a.family, a.name, a.id, f.year, f.funder");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ProgrammeLine>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    /// The programme by family: actions, places, occupation, and the
    /// funding of `year` (or of every year), FSE+ co-financed part apart.
    pub async fn programme_summary(&self, year: Option<i64>) -> Result<Vec<FamilySummary>> {
        let mut sql = Sql::new(
            "SELECT a.family, COUNT(*) AS actions, CAST(COALESCE(SUM(a.capacity), 0) AS BIGINT) AS places,
                    CAST(COALESCE(SUM(a.places_taken), 0) AS BIGINT) AS places_taken,
                    CAST(COALESCE(SUM(fy.amount), 0) AS BIGINT) AS amount_cents,
                    CAST(COALESCE(SUM(fy.fse), 0) AS BIGINT) AS fse_cents
             FROM actions a
             LEFT JOIN (SELECT action_id, SUM(amount_cents) AS amount,
                               SUM(CASE WHEN fse_plus THEN amount_cents ELSE 0 END) AS fse
                        FROM action_fundings",
        );
        if let Some(year) = year {
            sql.bind(" WHERE year = ", year);
        }
        sql.push(
            " GROUP BY action_id) fy ON fy.action_id = a.id
             WHERE a.status <> 'archived' GROUP BY a.family ORDER BY a.family",
        );
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, FamilySummary>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    /// Group sessions from `from` on, in date order (a participant's
    /// individual appointments are listed with them, not here).
    pub async fn sessions_of(
        &self,
        action_id: Uuid,
        from: Date,
        limit: i64,
    ) -> Result<Vec<Session>> {
        // The last day both databases write and compare as text alike.
        let never = time::macros::date!(9999 - 12 - 31);
        self.group_sessions(action_id, from, never, limit).await
    }

    /// The next group session, not cancelled, of each action, from `from` on.
    pub async fn next_sessions(
        &self,
        action_ids: &[Uuid],
        from: Date,
    ) -> Result<HashMap<Uuid, Date>> {
        if action_ids.is_empty() {
            return Ok(HashMap::new());
        }
        // One lookup per action down its (action, day) index (migration 0030).
        let mut sql = Sql::new(
            "SELECT a.id, (SELECT MIN(s.on_date) FROM action_sessions s WHERE s.action_id = a.id",
        );
        sql.bind(" AND s.on_date >= ", from)
            .push(" AND NOT s.cancelled AND s.referral_id IS NULL) AS next FROM actions a WHERE a.id IN (");
        for (i, id) in action_ids.iter().enumerate() {
            sql.bind(if i == 0 { "" } else { ", " }, *id);
        }
        sql.push(")");
        let rows: Vec<(Uuid, Option<Date>)> = read!(self, pool => bind_all!(sqlx::query_as::<_, (Uuid, Option<Date>)>(&sql.text), sql).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, next)| Some((id, next?)))
            .collect())
    }

    /// Group sessions from `from` to `to` (included), past ones too: the
    /// action's sessions month by month.
    pub async fn sessions_between(
        &self,
        action_id: Uuid,
        from: Date,
        to: Date,
    ) -> Result<Vec<Session>> {
        self.group_sessions(action_id, from, to, 1000).await
    }

    async fn group_sessions(
        &self,
        action_id: Uuid,
        from: Date,
        to: Date,
        limit: i64,
    ) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM action_sessions
             WHERE action_id = $1 AND on_date >= $2 AND on_date <= $3 AND referral_id IS NULL
             ORDER BY on_date, starts_at LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(read!(self, pool => sqlx::query_as::<_, Session>(&sql)
            .bind(action_id).bind(from).bind(to).fetch_all(pool).await)?)
    }

    pub async fn session(&self, id: Uuid) -> Result<Session> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM action_sessions WHERE id = $1");
        Ok(read!(self, pool => sqlx::query_as::<_, Session>(&sql).bind(id).fetch_one(pool).await)?)
    }

    /// A session added by hand (an extra outing, a catch-up).
    pub async fn add_session(
        &self,
        actor: &Actor,
        action_id: Uuid,
        on: Date,
        starts_at: Option<&str>,
        ends_at: Option<&str>,
        note: Option<&str>,
    ) -> Result<Session> {
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            &GROUP_SESSION_INSERT,
        ).bind(id).bind(action_id).bind(on).bind(starts_at).bind(ends_at).bind(true).bind(false).bind(note).bind(Moment(now()))
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).foreign_key_as("action_id", "Cette action n'existe pas."))?;
        let detail = format!("séance ajoutée le {on}");
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "action",
            Some(&action_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.session(id).await
    }

    /// Cancels a session, or restores a cancelled one.
    pub async fn set_session_cancelled(
        &self,
        actor: &Actor,
        id: Uuid,
        cancelled: bool,
    ) -> Result<Session> {
        let session = self.session(id).await?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("UPDATE action_sessions SET cancelled = $1 WHERE id = $2")
            .bind(cancelled).bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!(
            "séance du {} {}",
            session.on_date,
            if cancelled { "annulée" } else { "rétablie" }
        );
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "action",
            Some(&session.action_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.session(id).await
    }
}

/// The structure and the family must exist: say which one does not.
async fn check_references(tx: &mut Tx, data: &ActionData) -> Result<()> {
    let structures: i64 = on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM structures WHERE id = $1")
        .bind(data.structure_id).fetch_one(conn).await)?;
    let families: i64 = on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM action_families WHERE code = $1")
        .bind(&data.family).fetch_one(conn).await)?;
    let mut invalid = Invalid::new();
    if structures == 0 {
        invalid.add("structure_id", "Cette structure n'existe pas.");
    }
    if families == 0 {
        invalid.add("family", "Cette famille d'actions n'existe pas.");
    }
    Ok(invalid.into_result(())?)
}

/// Takes the optimistic lock of an action (or says why it cannot).
async fn bump_action(tx: &mut Tx, id: Uuid, expected_version: i64) -> Result<()> {
    let bumped = on_tx!(tx, conn => sqlx::query(
        "UPDATE actions SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
    ).bind(Moment(now())).bind(id).bind(expected_version).execute(conn).await.map(|d| d.rows_affected()))?;
    if bumped == 1 {
        return Ok(());
    }
    let exists: i64 = on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM actions WHERE id = $1")
        .bind(id).fetch_one(conn).await)?;
    Err(if exists == 0 {
        StoreError::NotFound
    } else {
        StoreError::Stale
    })
}

async fn write_structure(tx: &mut Tx, id: Uuid, data: &StructureData) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE structures SET siret = $1, description = $2, address = $3, postal_code = $4, commune_code = $5,
                commune_name = $6, contact_name = $7, phone = $8, email = $9, website = $10, network = $11
         WHERE id = $12",
    )
    .bind(&data.siret).bind(&data.description).bind(&data.place.address).bind(&data.place.postal_code)
    .bind(&data.place.commune_code).bind(&data.place.commune_name).bind(&data.contact.name).bind(&data.contact.phone)
    .bind(&data.contact.email).bind(&data.website).bind(data.network.map(|n| n.code())).bind(id)
    .execute(conn).await.map(|d| d.rows_affected()))?;
    Ok(())
}

/// A JSON column's text, as every write of the store makes it (also for bulk loads).
pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialisable")
}

/// What the public catalogue filters on: each thématique, its category
/// (once), each public — (kind, code) rows of `action_tags`.
pub fn action_tags(data: &ActionData) -> Vec<(&'static str, &str)> {
    let mut tags: Vec<(&'static str, &str)> = Vec::new();
    for thematique in &data.thematiques {
        tags.push(("thematique", thematique));
        if let Some(category) = taxonomy::category_of(thematique) {
            if !tags.contains(&("categorie", category.code)) {
                tags.push(("categorie", category.code));
            }
        }
    }
    tags.extend(data.publics.iter().map(|p| ("public", p.code())));
    tags
}

/// The folded words the public search looks in: name, description, structure, commune.
pub fn search_text(
    name: &str,
    description: &str,
    structure: &str,
    commune: Option<&str>,
) -> String {
    fold(&format!(
        "{name} {description} {structure} {}",
        commune.unwrap_or_default()
    ))
}

async fn write_action(tx: &mut Tx, id: Uuid, data: &ActionData) -> Result<()> {
    let publics: Vec<&str> = data.publics.iter().map(|p| p.code()).collect();
    let reception: Vec<&str> = data.reception.iter().map(|r| r.code()).collect();
    on_tx!(tx, conn => sqlx::query(
        "UPDATE actions SET structure_id = $1, name = $2, description = $3, family = $4, service_type = $5, format = $6,
                thematiques = $7, publics = $8, reception = $9, eligibility = $10, capacity = $11, capacity_period = $12,
                address = $13, postal_code = $14, commune_code = $15, commune_name = $16, weekly_hours = $17,
                duration_weeks = $18, self_referral = $19, starts_on = $20, ends_on = $21
         WHERE id = $22",
    )
    .bind(data.structure_id).bind(&data.name).bind(&data.description).bind(&data.family).bind(data.service_type.code())
    .bind(data.format.code()).bind(json(&data.thematiques)).bind(json(&publics)).bind(json(&reception))
    .bind(json(&data.eligibility)).bind(data.capacity).bind(data.capacity_period.code()).bind(&data.place.address)
    .bind(&data.place.postal_code).bind(&data.place.commune_code).bind(&data.place.commune_name).bind(data.weekly_hours)
    .bind(data.duration_weeks).bind(data.self_referral).bind(data.starts_on).bind(data.ends_on).bind(id)
    .execute(conn).await.map(|d| d.rows_affected()))?;
    on_tx!(tx, conn => sqlx::query("DELETE FROM action_tags WHERE action_id = $1")
        .bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
    for (kind, code) in action_tags(data) {
        // With the action's name, status and end as they now are (0014).
        on_tx!(tx, conn => sqlx::query(
            &TAG_INSERT,
        )
        .bind(id).bind(kind).bind(code).execute(conn).await.map(|d| d.rows_affected()))?;
    }
    refresh_search_text(tx, id).await
}

async fn write_practical(tx: &mut Tx, id: Uuid, data: &PracticalData) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE actions SET schedule = $1, contact_name = $2, contact_phone = $3, contact_email = $4, how_to_apply = $5
         WHERE id = $6",
    )
    .bind(json(&data.schedule)).bind(&data.contact.name).bind(&data.contact.phone).bind(&data.contact.email)
    .bind(&data.how_to_apply).bind(id)
    .execute(conn).await.map(|d| d.rows_affected()))?;
    Ok(())
}

/// The folded words the public search looks in: name, description, structure, commune.
async fn refresh_search_text(tx: &mut Tx, id: Uuid) -> Result<()> {
    let (name, description, structure, commune): (String, String, String, Option<String>) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT a.name, a.description, o.name, a.commune_name FROM actions a JOIN organisations o ON o.id = a.structure_id WHERE a.id = $1",
    ).bind(id).fetch_one(conn).await)?;
    let text = search_text(&name, &description, &structure, commune.as_deref());
    on_tx!(tx, conn => sqlx::query("UPDATE actions SET search_text = $1 WHERE id = $2")
        .bind(text).bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
    Ok(())
}

/// A structure renamed: its actions are found under the new name.
async fn refresh_search_texts(tx: &mut Tx, structure_id: Uuid) -> Result<()> {
    let ids: Vec<Uuid> = on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM actions WHERE structure_id = $1")
        .bind(structure_id).fetch_all(conn).await)?;
    for id in ids {
        refresh_search_text(tx, id).await?;
    }
    Ok(())
}

/// Replaces the generated sessions still to come by those of the current
/// schedule and period; sessions added by hand, appointments and past ones stay.
async fn regenerate_sessions(tx: &mut Tx, id: Uuid, today: Date) -> Result<()> {
    let (JsonText(schedule), starts_on, ends_on): (JsonText<Schedule>, Date, Option<Date>) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT schedule, starts_on, ends_on FROM actions WHERE id = $1",
    ).bind(id).fetch_one(conn).await)?;
    on_tx!(tx, conn => sqlx::query("DELETE FROM action_sessions WHERE action_id = $1 AND ad_hoc = FALSE AND on_date >= $2
          AND referral_id IS NULL AND id NOT IN (SELECT session_id FROM attendances)")
        .bind(id).bind(today).execute(conn).await.map(|d| d.rows_affected()))?;
    let from = starts_on.max(today);
    let horizon = today + Duration::days(SESSION_HORIZON_DAYS);
    let to = ends_on.map_or(horizon, |end| end.min(horizon));
    let (starts_at, ends_at) = (schedule.starts_at.map(hhmm), schedule.ends_at.map(hhmm));
    let at = now();
    // Sessions kept for their attendance are not generated twice.
    let kept: Vec<Date> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT on_date FROM action_sessions WHERE action_id = $1 AND ad_hoc = FALSE AND referral_id IS NULL AND on_date >= $2",
    ).bind(id).bind(today).fetch_all(conn).await)?;
    for day in schedule
        .occurrences(starts_on, from, to)
        .into_iter()
        .filter(|d| !kept.contains(d))
    {
        on_tx!(tx, conn => sqlx::query(
            &GROUP_SESSION_INSERT,
        ).bind(Uuid::now_v7()).bind(id).bind(day).bind(&starts_at).bind(&ends_at).bind(false).bind(false)
        .bind(Option::<String>::None).bind(Moment(at))
        .execute(conn).await.map(|d| d.rows_affected()))?;
    }
    Ok(())
}

/// The columns of a funding line (here and in `catalogue_load`).
pub(crate) const FUNDING_WRITE_COLUMNS: &[&str] = &[
    "id",
    "action_id",
    "kind",
    "funder",
    "year",
    "amount_cents",
    "contract_number",
    "lot",
    "fse_plus",
    "fse_operation",
    "created_at",
];

static FUNDING_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("action_fundings", FUNDING_WRITE_COLUMNS));

/// The columns of a session (here, in `appointment` and in the loaders):
/// an individual appointment names its positioning (`referral_id`, last),
/// a group session ([`GROUP_SESSION_COLUMNS`]) does not.
pub(crate) const SESSION_WRITE_COLUMNS: &[&str] = &[
    "id",
    "action_id",
    "on_date",
    "starts_at",
    "ends_at",
    "ad_hoc",
    "cancelled",
    "note",
    "created_at",
    "referral_id",
];

pub(crate) const GROUP_SESSION_COLUMNS: &[&str] =
    SESSION_WRITE_COLUMNS.split_last().expect("columns").1;

static GROUP_SESSION_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("action_sessions", GROUP_SESSION_COLUMNS));

/// The columns of an action's tag, which copies the action's name, status
/// and end (0014; here and in `catalogue_load`).
pub(crate) const TAG_COLUMNS: &[&str] = &["action_id", "kind", "code", "status", "name", "ends_on"];

static TAG_INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO action_tags ({}) SELECT id, $2, $3, status, name, ends_on FROM actions WHERE id = $1",
        TAG_COLUMNS.join(", ")
    )
});
