//! Organisations and territories (reference data).

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::oarsa::OrganisationCategory;
use parcours_domain::organisation::OrganisationKind;
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub territory_id: Option<Uuid>,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    /// The DREES category the chargé de mission set (issue 20); see
    /// [`Organisation::category`].
    #[sqlx(default)]
    pub oarsa_category: Option<OrganisationCategory>,
}

impl Organisation {
    pub fn kind_label(&self) -> &'static str {
        self.kind.label()
    }

    /// Its DREES category: the one set, else the one its kind gives.
    pub fn category(&self) -> OrganisationCategory {
        self.oarsa_category
            .unwrap_or_else(|| OrganisationCategory::of_kind(self.kind))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Territory {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
}

impl Store {
    pub async fn create_territory(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
    ) -> Result<Territory> {
        let mut tx = self.begin().await?;
        let territory = on_tx!(&mut tx, conn => sqlx::query_as::<_, Territory>(
            "INSERT INTO territories (id, code, name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(Uuid::now_v7())
        .bind(code)
        .bind(name)
        .bind(Moment(now()))
        .fetch_one(conn)
        .await)
        .map_err(|e| StoreError::from(e).unique_as("code", "Un territoire porte déjà ce code."))?;
        let id = territory.id.to_string();
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "territory",
            Some(&id),
            Some(name),
        )
        .await?;
        tx.commit().await?;
        Ok(territory)
    }

    pub async fn create_organisation(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganisationKind,
        territory_id: Option<Uuid>,
    ) -> Result<Organisation> {
        let mut tx = self.begin().await?;
        let organisation = on_tx!(&mut tx, conn => sqlx::query_as::<_, Organisation>(
            &ORGANISATION_INSERT,
        )
        .bind(Uuid::now_v7())
        .bind(name)
        .bind(kind.code())
        .bind(territory_id)
        .bind(Moment(now()))
        .fetch_one(conn)
        .await)
        .map_err(|e| {
            StoreError::from(e).unique_as("name", "Une organisation porte déjà ce nom.")
        })?;
        let id = organisation.id.to_string();
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            entity::ORGANISATION,
            Some(&id),
            Some(name),
        )
        .await?;
        tx.commit().await?;
        self.forget_organisations();
        Ok(organisation)
    }

    /// Every organisation, by name (cached: forms list them on many pages).
    pub async fn organisations(&self) -> Result<Arc<Vec<Organisation>>> {
        if let Some(all) = self.cache.organisations.get(&()) {
            return Ok(all);
        }
        let mut all = read!(self, pool => sqlx::query_as::<_, Organisation>(
            "SELECT * FROM organisations ORDER BY name",
        )
        .fetch_all(pool)
        .await)?;
        crate::in_french_order(&mut all, |o| &o.name);
        let all = Arc::new(all);
        self.cache.organisations.put((), all.clone());
        Ok(all)
    }

    /// After a change of organisations: they, and the accounts that show
    /// their organisation's name, are read again.
    pub(crate) fn forget_organisations(&self) {
        self.cache.organisations.clear();
        self.cache.accounts.clear();
    }

    pub async fn territories(&self) -> Result<Vec<Territory>> {
        let mut all = read!(self, pool => sqlx::query_as::<_, Territory>(
            "SELECT * FROM territories ORDER BY name",
        )
        .fetch_all(pool)
        .await)?;
        crate::in_french_order(&mut all, |t| &t.name);
        Ok(all)
    }

    pub async fn organisation_by_name(&self, name: &str) -> Result<Organisation> {
        Ok(read!(self, pool => sqlx::query_as::<_, Organisation>(
            "SELECT * FROM organisations WHERE name = $1",
        )
        .bind(name)
        .fetch_one(pool)
        .await)?)
    }
}

/// The columns of an organisation (here, in `catalogue` and in `catalogue_load`).
pub(crate) const ORGANISATION_COLUMNS: &[&str] =
    &["id", "name", "kind", "territory_id", "created_at"];

pub(crate) static ORGANISATION_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| {
        format!(
            "{} RETURNING *",
            crate::bulk::insert_one("organisations", ORGANISATION_COLUMNS)
        )
    });
