//! Person files and households: creation, rectification with history,
//! closure, search within the viewer's scope, duplicate detection.

use crate::audit::{record, Actor};
use crate::cache::Commune;
use crate::sql::Sql;
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::access::PersonScope;
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::deadline::ClockKind;
use parcours_domain::person::{
    fold, name_tokens, ClosureReason, Fund, HouseholdData, HouseholdRole, PersonData, RsaSituation,
    Sex,
};
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Household {
    pub id: Uuid,
    pub rsa_number: String,
    pub caf_number: Option<String>,
    pub fund: Fund,
    pub rsa_state: i64,
    pub rsa_state_on: Option<Date>,
    /// From the CAF's files (`DTDEMRSA`, `SITFAM`, `DDSITFAM`,
    /// `TOPSANSDOMFIXE`, the state's reason), codes as the CAF writes them.
    pub rsa_requested_on: Option<Date>,
    pub family_situation: Option<String>,
    pub family_situation_on: Option<Date>,
    pub homeless: bool,
    pub rsa_state_reason: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: Uuid,
    /// None for a person outside the RSA (no dossier RSA).
    pub household_id: Option<Uuid>,
    pub household_role: HouseholdRole,
    pub last_name: String,
    pub first_names: String,
    pub birth_name: Option<String>,
    pub birth_date: Date,
    pub sex: Sex,
    pub nir: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub commune_code: Option<String>,
    pub territory_id: Option<Uuid>,
    pub subject_to_duties: bool,
    pub duties_since: Option<Date>,
    pub single_parent: bool,
    pub other_minimum_income: bool,
    pub rqth: bool,
    pub responsible_organisation_id: Option<Uuid>,
    pub closed_on: Option<Date>,
    pub closure_reason: Option<ClosureReason>,
    pub merged_into_id: Option<Uuid>,
    pub version: i64,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
}

/// One line of a list of people (search results, caseload, deadlines).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonSummary {
    pub id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
    pub caf_number: Option<String>,
    pub commune_name: Option<String>,
    pub closed_on: Option<Date>,
    pub referent_name: Option<String>,
    pub next_due_on: Option<Date>,
    pub next_due_kind: Option<ClockKind>,
}

/// One saved version of a person file.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonRevision {
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    pub changed_by: String,
    pub data: String,
}

/// Where a new person goes: an existing household, or a new one (joined
/// instead when its numéro de demande RSA is already known), or none for a
/// person outside the RSA.
#[derive(Debug, Clone)]
pub enum HouseholdTarget {
    Existing(Uuid),
    New(HouseholdData),
    OutsideRsa,
}

impl Person {
    /// RSA beneficiary, or admitted at the margin without RSA.
    pub fn situation(&self) -> RsaSituation {
        RsaSituation::of_file(self.household_id.is_some(), self.other_minimum_income)
    }
}

/// Search criteria; empty criteria find nothing.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    pub name: Option<String>,
    pub birth_date: Option<Date>,
    pub nir: Option<String>,
    pub caf_number: Option<String>,
    pub include_closed: bool,
    pub limit: i64,
}

/// Columns of [`PersonSummary`] but the référent's name, over `persons p`
/// and [`SUMMARY_JOINS`].
pub(crate) const SUMMARY_COLUMNS: &str = "p.id, p.last_name, p.first_names, p.birth_date, h.caf_number,
        c.name AS commune_name, p.closed_on,
        (SELECT MIN(k.due_on) FROM person_clocks k WHERE k.person_id = p.id AND k.met_on IS NULL) AS next_due_on,
        (SELECT k.kind FROM person_clocks k WHERE k.person_id = p.id AND k.met_on IS NULL
          ORDER BY k.due_on LIMIT 1) AS next_due_kind";

/// The household (none outside the RSA) and commune of `persons p`.
pub(crate) const SUMMARY_JOINS: &str = " LEFT JOIN households h ON h.id = p.household_id
     LEFT JOIN communes c ON c.insee_code = p.commune_code";

/// [`PersonSummary`] rows over `persons p`, each looking its référent up.
pub(crate) fn summary_sql() -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS},
            (SELECT u.display_name FROM referent_assignments ra JOIN users u ON u.id = ra.referent_id
              WHERE ra.person_id = p.id AND ra.ends_on IS NULL) AS referent_name
         FROM persons p{SUMMARY_JOINS}"
    )
}

/// Upper bound of a prefix range over ASCII tokens.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{7f}")
}

/// The page of ids found by name: the token rows of the longest word carry
/// their file's sort key and scope (0013_search_tokens.sql), so the
/// candidates are sorted and checked in the index, and only the page's
/// files are read. A file may match by several of its names: once each.
fn ids_by_name(scope: &PersonScope, query: &PersonQuery, first: &str, second: Option<&str>) -> Sql {
    let mut ids = Sql::new("SELECT person_id FROM (SELECT DISTINCT t.last_name, t.first_names, t.birth_date, t.person_id FROM person_name_tokens t WHERE ");
    ids.bind("t.token >= ", first)
        .bind(" AND t.token < ", prefix_end(first));
    if let Some(word) = second {
        ids.bind(
            " AND t.person_id IN (SELECT person_id FROM person_name_tokens WHERE token >= ",
            word,
        )
        .bind(" AND token < ", prefix_end(word))
        .push(")");
    }
    if let Some(date) = query.birth_date {
        ids.bind(" AND t.birth_date = ", date);
    }
    if let Some(nir) = &query.nir {
        ids.bind(
            " AND t.person_id IN (SELECT id FROM persons WHERE nir = ",
            nir.as_str(),
        )
        .push(")");
    }
    if let Some(caf) = &query.caf_number {
        let (short, long) = caf_forms(caf);
        ids.bind(
            " AND t.person_id IN (SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id WHERE h.caf_number IN (",
            short,
        )
        .bind(", ", long)
        .push("))");
    }
    if !query.include_closed {
        ids.push(" AND t.closed_on IS NULL");
    }
    ids.scope_or(scope, &crate::sql::TOKENS, None).bind(
        " ORDER BY t.last_name, t.first_names, t.birth_date, t.person_id LIMIT ",
        query.limit,
    );
    ids.push(") page");
    ids
}

/// The two stored forms of a numéro allocataire: 7 digits, and 15 as the
/// CAF's files write it (followed by 8 zeros).
fn caf_forms(caf: &str) -> (String, String) {
    let short = parcours_domain::person::allocataire_key(caf).to_owned();
    let long = if short.len() == 7 {
        format!("{short}00000000")
    } else {
        short.clone()
    };
    (short, long)
}

/// The page of ids found by birth date, NIR or CAF number alone.
fn ids_by_numbers(scope: &PersonScope, query: &PersonQuery) -> Sql {
    // The household only when searched by CAF number.
    let mut ids = Sql::new(if query.caf_number.is_some() {
        "SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id WHERE 1 = 1"
    } else {
        "SELECT p.id FROM persons p WHERE 1 = 1"
    });
    if let Some(date) = query.birth_date {
        ids.bind(" AND p.birth_date = ", date);
    }
    if let Some(nir) = &query.nir {
        ids.bind(" AND p.nir = ", nir.as_str());
    }
    if let Some(caf) = &query.caf_number {
        let (short, long) = caf_forms(caf);
        ids.bind(" AND h.caf_number IN (", short)
            .bind(", ", long)
            .push(")");
    }
    if !query.include_closed {
        ids.push(" AND p.closed_on IS NULL");
    }
    ids.scope(scope).bind(
        " ORDER BY p.last_name, p.first_names, p.birth_date LIMIT ",
        query.limit,
    );
    ids
}

impl Store {
    pub async fn household(&self, id: Uuid) -> Result<Household> {
        Ok(
            read_planned_once!(self, pool => sqlx::query_as::<_, Household>("SELECT * FROM households WHERE id = $1")
            .bind(id).fetch_one(pool).await)?,
        )
    }

    /// Changes a household's numbers and RSA state if nobody changed it since `expected_version`.
    pub async fn update_household(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &HouseholdData,
    ) -> Result<Household> {
        let mut tx = self.begin().await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE households SET rsa_number = $1, caf_number = $2, fund = $3, rsa_state = $4, rsa_state_on = $5,
                    version = version + 1, updated_at = $6
             WHERE id = $7 AND version = $8",
        )
        .bind(&data.rsa_number).bind(&data.caf_number).bind(data.fund.code())
        .bind(data.rsa_state.code().parse::<i64>().unwrap_or(0)).bind(data.rsa_state_on).bind(Moment(now()))
        .bind(id).bind(expected_version)
        .execute(conn).await.map(|done| done.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("rsa_number", "Un autre foyer porte déjà ce numéro de demande."))?;
        if updated == 0 {
            drop(tx);
            self.household(id).await?;
            return Err(StoreError::Stale);
        }
        let detail = format!("état RSA {}", data.rsa_state.code());
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "household",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.household(id).await
    }

    pub async fn household_members(&self, household_id: Uuid) -> Result<Vec<Person>> {
        Ok(read!(self, pool => sqlx::query_as::<_, Person>(
            "SELECT * FROM persons WHERE household_id = $1 ORDER BY household_role DESC, birth_date",
        )
        .bind(household_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn count_persons(&self) -> Result<i64> {
        let (count,): (i64,) = read!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM persons").fetch_one(pool).await)?;
        Ok(count)
    }

    pub async fn person(&self, id: Uuid) -> Result<Person> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, Person>("SELECT * FROM persons WHERE id = $1")
            .bind(id).fetch_one(pool).await)?,
        )
    }

    /// The file, and whether the scope covers it, in one read (every page
    /// on a person checks both).
    pub async fn person_in_scope(&self, scope: &PersonScope, id: Uuid) -> Result<(Person, bool)> {
        #[derive(sqlx::FromRow)]
        struct Scoped {
            #[sqlx(flatten)]
            person: Person,
            visible: bool,
        }
        let mut sql = Sql::new("SELECT p.*, CASE WHEN 1 = 1");
        sql.scope(scope).bind(
            " THEN TRUE ELSE FALSE END AS visible FROM persons p WHERE p.id = ",
            id,
        );
        let row: Scoped = read_planned_once!(self, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_one(pool).await)?;
        Ok((row.person, row.visible))
    }

    pub async fn create_person(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        household: &HouseholdTarget,
        data: &PersonData,
    ) -> Result<Person> {
        let mut tx = self.begin().await?;
        let person =
            create_person_in(&mut tx, actor, Some(organisation_id), household, data).await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Rectifies a person file if nobody changed it since `expected_version`.
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        data: &PersonData,
    ) -> Result<Person> {
        let mut tx = self.begin().await?;
        let territory_id = commune_territory(&mut tx, data.commune_code.as_deref()).await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE persons SET household_role = $1, last_name = $2, first_names = $3, birth_name = $4,
                birth_date = $5, sex = $6, nir = $7, email = $8, phone = $9, address = $10, commune_code = $11,
                territory_id = $12, subject_to_duties = $13, duties_since = $14, single_parent = $15,
                other_minimum_income = $16, rqth = $17, version = version + 1, updated_at = $18
             WHERE id = $19 AND version = $20",
        )
        .bind(data.household_role.code()).bind(&data.last_name).bind(&data.first_names).bind(&data.birth_name)
        .bind(data.birth_date).bind(data.sex.code()).bind(data.nir.as_ref().map(|n| n.as_str()))
        .bind(&data.email).bind(&data.phone).bind(&data.address).bind(&data.commune_code).bind(territory_id)
        .bind(data.subject_to_duties).bind(data.duties_since).bind(data.single_parent)
        .bind(data.other_minimum_income).bind(data.rqth).bind(Moment(now())).bind(id).bind(expected_version)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("nir", "Une autre personne porte déjà ce NIR."))?;
        if updated == 0 {
            drop(tx);
            self.person(id).await?;
            return Err(StoreError::Stale);
        }
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM person_name_tokens WHERE person_id = $1")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        let person = person_in(&mut tx, id).await?;
        write_tokens(&mut tx, &person, data).await?;
        save_revision(&mut tx, actor, &person).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&id.to_string()),
            Some("rectification"),
        )
        .await?;
        crate::deadline::refresh_clocks(&mut tx, id).await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Closes a file (exit from the scheme): its clocks stop.
    pub async fn close_person(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        on: Date,
        reason: ClosureReason,
    ) -> Result<Person> {
        let mut tx = self.begin().await?;
        let person = person_in(&mut tx, id).await?;
        if person.closed_on.is_some() {
            return Err(Invalid::field("closed_on", "Ce dossier est déjà clos.").into());
        }
        if on < person.birth_date {
            return Err(
                Invalid::field("closed_on", "La date de clôture précède la naissance.").into(),
            );
        }
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE persons SET closed_on = $1, closure_reason = $2, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5",
        )
        .bind(on).bind(reason.code()).bind(Moment(now())).bind(id).bind(expected_version)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if updated == 0 {
            return Err(StoreError::Stale);
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referent_assignments SET ends_on = $1 WHERE person_id = $2 AND ends_on IS NULL",
        )
        .bind(on).bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        let person = person_in(&mut tx, id).await?;
        save_revision(&mut tx, actor, &person).await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&id.to_string()),
            Some(&format!("clôture : {}", reason.label())),
        )
        .await?;
        crate::deadline::refresh_clocks(&mut tx, id).await?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn person_revisions(&self, id: Uuid) -> Result<Vec<PersonRevision>> {
        // Who saved it, by name and organisation.
        let (by, joins) = crate::account_label("r.changed_by", "saver");
        let sql = format!(
            "SELECT r.version, r.changed_at, {by} AS changed_by, r.data FROM person_revisions r {joins}
             WHERE r.person_id = $1 ORDER BY r.version DESC"
        );
        Ok(
            read!(self, pool => sqlx::query_as::<_, PersonRevision>(&sql)
        .bind(id)
        .fetch_all(pool)
        .await)?,
        )
    }

    /// People matching every given criterion, within the scope, by name.
    /// The matching ids are found first (indexes only), then the 50 shown
    /// get their summary columns.
    pub async fn search_persons(
        &self,
        scope: &PersonScope,
        query: &PersonQuery,
    ) -> Result<Vec<PersonSummary>> {
        let mut words = query.name.as_deref().map(name_tokens).unwrap_or_default();
        if words.is_empty()
            && query.birth_date.is_none()
            && query.nir.is_none()
            && query.caf_number.is_none()
        {
            return Ok(Vec::new());
        }
        // The two longest words narrow the search most.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let ids = match words.first() {
            Some(first) => ids_by_name(scope, query, first, words.get(1).map(String::as_str)),
            None => ids_by_numbers(scope, query),
        };
        let sql = Sql {
            text: format!(
                "{} WHERE p.id IN ({}) ORDER BY p.last_name, p.first_names, p.birth_date",
                summary_sql(),
                ids.text
            ),
            params: ids.params,
        };
        let mut found = read!(self, pool => bind_all!(sqlx::query_as::<_, PersonSummary>(&sql.text), sql).fetch_all(pool).await)?;
        // The page in French order whatever the collation (Éric before Fabrice).
        found.sort_by_cached_key(|p| {
            (
                parcours_domain::person::fold(&p.last_name),
                parcours_domain::person::fold(&p.first_names),
                p.birth_date,
            )
        });
        Ok(found)
    }

    /// Files that may be the same person: same NIR, or same names and birth date.
    pub async fn possible_duplicates(&self, data: &PersonData) -> Result<Vec<PersonSummary>> {
        let nir = data.nir.as_ref().map(|n| n.as_str());
        self.find_duplicates(
            &data.last_name,
            &data.first_names,
            data.birth_date,
            nir,
            None,
        )
        .await
    }

    /// Other files that may be the same person as this one (not merged ones).
    pub async fn duplicates_of(&self, person: &Person) -> Result<Vec<PersonSummary>> {
        self.find_duplicates(
            &person.last_name,
            &person.first_names,
            person.birth_date,
            person.nir.as_deref(),
            Some(person.id),
        )
        .await
    }

    async fn find_duplicates(
        &self,
        last_name: &str,
        first_names: &str,
        birth_date: Date,
        nir: Option<&str>,
        exclude: Option<Uuid>,
    ) -> Result<Vec<PersonSummary>> {
        let same_nir: Vec<(Uuid,)> = read!(self, pool => sqlx::query_as("SELECT id FROM persons WHERE nir = $1")
            .bind(nir).fetch_all(pool).await)?;
        let sql = format!(
            "{} WHERE (p.nir = $1 OR p.birth_date = $2) AND p.merged_into_id IS NULL",
            summary_sql()
        );
        let candidates = read!(self, pool => sqlx::query_as::<_, PersonSummary>(&sql)
            .bind(nir)
            .bind(birth_date)
            .fetch_all(pool)
            .await)?;
        let last = fold(last_name);
        let first = name_tokens(first_names).into_iter().next();
        Ok(candidates
            .into_iter()
            .filter(|c| Some(c.id) != exclude)
            .filter(|c| {
                let same_names = fold(&c.last_name) == last
                    && name_tokens(&c.first_names).into_iter().next() == first;
                same_names || same_nir.iter().any(|(id,)| *id == c.id)
            })
            .collect())
    }

    /// Merges `duplicate` into `keep`: its pathway (orientations, référents,
    /// reviews) moves over, its NIR too when `keep` has none; the duplicate is
    /// closed as merged, pointing to `keep`. One transaction; both versions checked.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        keep: (Uuid, i64),
        duplicate: (Uuid, i64),
    ) -> Result<Person> {
        if keep.0 == duplicate.0 {
            return Err(
                Invalid::field("duplicate_id", "Choisissez deux dossiers différents.").into(),
            );
        }
        let mut tx = self.begin().await?;
        let kept = person_in(&mut tx, keep.0).await?;
        let removed = person_in(&mut tx, duplicate.0).await?;
        if kept.version != keep.1 || removed.version != duplicate.1 {
            return Err(StoreError::Stale);
        }
        if kept.merged_into_id.is_some() || removed.merged_into_id.is_some() {
            return Err(
                Invalid::field("duplicate_id", "L'un des dossiers a déjà été fusionné.").into(),
            );
        }
        let today = parcours_domain::clock::today();
        // Only one référent at a time: the kept file's current one stays.
        let kept_has_referent: Option<(Uuid,)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT id FROM referent_assignments WHERE person_id = $1 AND ends_on IS NULL",
        )
        .bind(kept.id).fetch_optional(conn).await)?;
        if kept_has_referent.is_some() {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE referent_assignments SET ends_on = $1 WHERE person_id = $2 AND ends_on IS NULL",
            )
            .bind(today).bind(removed.id).execute(conn).await.map(|done| done.rows_affected()))?;
        }
        for table in [
            "orientations",
            "referent_assignments",
            "pathway_reviews",
            "contracts",
            "follow_up_log",
            "meetings",
            "outbox",
            "notifications",
        ] {
            let sql = format!("UPDATE {table} SET person_id = $1 WHERE person_id = $2");
            on_tx!(&mut tx, conn => sqlx::query(&sql)
                .bind(kept.id).bind(removed.id).execute(conn).await.map(|done| done.rows_affected()))?;
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE persons SET merged_into_id = $1, closed_on = $2, closure_reason = $3, nir = NULL,
                    version = version + 1, updated_at = $4 WHERE id = $5",
        )
        .bind(kept.id).bind(today).bind(ClosureReason::Merged.code()).bind(Moment(now())).bind(removed.id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if kept.nir.is_none() && removed.nir.is_some() {
            on_tx!(&mut tx, conn => sqlx::query("UPDATE persons SET nir = $1 WHERE id = $2")
                .bind(&removed.nir).bind(kept.id).execute(conn).await.map(|done| done.rows_affected()))?;
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE persons SET version = version + 1, updated_at = $1 WHERE id = $2",
        )
        .bind(Moment(now())).bind(kept.id).execute(conn).await.map(|done| done.rows_affected()))?;
        let kept = person_in(&mut tx, kept.id).await?;
        let removed = person_in(&mut tx, removed.id).await?;
        save_revision(&mut tx, actor, &kept).await?;
        save_revision(&mut tx, actor, &removed).await?;
        let detail = format!("fusion : {} absorbe {}", kept.id, removed.id);
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&kept.id.to_string()),
            Some(&detail),
        )
        .await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&removed.id.to_string()),
            Some(&detail),
        )
        .await?;
        crate::deadline::refresh_clocks(&mut tx, kept.id).await?;
        crate::deadline::refresh_clocks(&mut tx, removed.id).await?;
        tx.commit().await?;
        Ok(kept)
    }

    /// Communes known to the département (for forms): code, name, postcode.
    pub async fn communes(&self) -> Result<Vec<(String, String, String)>> {
        Ok(self
            .commune_referential()
            .await?
            .iter()
            .map(|c| (c.insee_code.clone(), c.name.clone(), c.postcode.clone()))
            .collect())
    }

    /// "14000 Caen" for a commune code, if known.
    pub async fn commune_label(&self, code: &str) -> Result<Option<String>> {
        Ok(self
            .commune_referential()
            .await?
            .iter()
            .find(|c| c.insee_code == code)
            .map(|c| format!("{} {}", c.postcode, c.name)))
    }

    /// The referential, by name (cached: the catalogue and the forms name
    /// communes on every page).
    async fn commune_referential(&self) -> Result<std::sync::Arc<Vec<Commune>>> {
        if let Some(all) = self.cache.communes.get(&()) {
            return Ok(all);
        }
        let rows: Vec<(String, String, String)> = read!(self, pool => sqlx::query_as(
            "SELECT insee_code, name, postcode FROM communes ORDER BY name",
        )
        .fetch_all(pool)
        .await)?;
        let mut all: Vec<Commune> = rows
            .into_iter()
            .map(|(insee_code, name, postcode)| Commune {
                insee_code,
                name,
                postcode,
            })
            .collect();
        crate::in_french_order(&mut all, |c| &c.name);
        let all = std::sync::Arc::new(all);
        self.cache.communes.put((), all.clone());
        Ok(all)
    }

    pub async fn upsert_commune(
        &self,
        code: &str,
        name: &str,
        postcode: &str,
        territory_id: Option<Uuid>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO communes (insee_code, name, postcode, territory_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (insee_code) DO UPDATE SET name = excluded.name, postcode = excluded.postcode,
                territory_id = excluded.territory_id",
        )
        .bind(code).bind(name).bind(postcode).bind(territory_id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        tx.commit().await?;
        self.cache.communes.clear();
        Ok(())
    }
}

pub(crate) async fn person_in(tx: &mut Tx, id: Uuid) -> Result<Person> {
    Ok(
        on_tx!(tx, conn => sqlx::query_as::<_, Person>("SELECT * FROM persons WHERE id = $1")
        .bind(id).fetch_one(conn).await)?,
    )
}

/// The household with this numéro de demande, created if new.
/// Creates a person file (and its household when new) in `tx`; the
/// responsible organisation is none for a file recorded by a partner
/// structure, until the département orients the person.
pub(crate) async fn create_person_in(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Option<Uuid>,
    household: &HouseholdTarget,
    data: &PersonData,
) -> Result<Person> {
    let household_id = match household {
        HouseholdTarget::Existing(id) => Some(*id),
        HouseholdTarget::New(new) => Some(upsert_household(tx, actor, new).await?),
        HouseholdTarget::OutsideRsa => None,
    };
    let territory_id = commune_territory(tx, data.commune_code.as_deref()).await?;
    let id = Uuid::now_v7();
    let at = now();
    on_tx!(tx, conn => sqlx::query(
        &NEW_PERSON_INSERT,
    )
    .bind(id).bind(household_id).bind(data.household_role.code()).bind(&data.last_name)
    .bind(&data.first_names).bind(&data.birth_name).bind(data.birth_date).bind(data.sex.code())
    .bind(data.nir.as_ref().map(|n| n.as_str())).bind(&data.email).bind(&data.phone).bind(&data.address)
    .bind(&data.commune_code).bind(territory_id).bind(data.subject_to_duties).bind(data.duties_since)
    .bind(data.single_parent).bind(data.other_minimum_income).bind(data.rqth).bind(organisation_id).bind(Moment(at))
    .bind(Moment(at))
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))
    .map_err(|e| {
        StoreError::from(e)
            .unique_as("nir", "Une personne portant ce NIR existe déjà.")
            .foreign_key_as("household_id", "Ce foyer n'existe pas.")
    })?;
    let person = person_in(tx, id).await?;
    write_tokens(tx, &person, data).await?;
    save_revision(tx, actor, &person).await?;
    let detail = format!("{} {}", person.last_name, person.first_names);
    record(
        tx,
        actor,
        AuditAction::Create,
        entity::PERSON,
        Some(&id.to_string()),
        Some(&detail),
    )
    .await?;
    crate::deadline::refresh_clocks(tx, id).await?;
    Ok(person)
}

async fn upsert_household(tx: &mut Tx, actor: &Actor, data: &HouseholdData) -> Result<Uuid> {
    let existing: Option<(Uuid,)> = on_tx!(tx, conn => sqlx::query_as("SELECT id FROM households WHERE rsa_number = $1")
        .bind(&data.rsa_number).fetch_optional(conn).await)?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    let at = now();
    let facts = data.caf.clone().unwrap_or_default();
    on_tx!(tx, conn => sqlx::query(
        &HOUSEHOLD_INSERT,
    )
    .bind(id).bind(&data.rsa_number).bind(&data.caf_number).bind(data.fund.code())
    .bind(data.rsa_state.code().parse::<i64>().unwrap_or(0)).bind(data.rsa_state_on).bind(Moment(at))
    .bind(Moment(at)).bind(facts.requested_on).bind(&facts.family_situation).bind(facts.family_situation_on)
    .bind(facts.homeless).bind(&facts.state_reason)
    .execute(conn).await.map(|done| done.rows_affected()))?;
    record(
        tx,
        actor,
        AuditAction::Create,
        "household",
        Some(&id.to_string()),
        Some(&data.rsa_number),
    )
    .await?;
    Ok(id)
}

/// The territory of a commune; an unknown code is a field error.
async fn commune_territory(tx: &mut Tx, code: Option<&str>) -> Result<Option<Uuid>> {
    let Some(code) = code else { return Ok(None) };
    let row: Option<(Option<Uuid>,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT territory_id FROM communes WHERE insee_code = $1",
    )
    .bind(code).fetch_optional(conn).await)?;
    match row {
        Some((territory,)) => Ok(territory),
        None => Err(Invalid::field(
            "commune_code",
            format!("Le code commune {code} est inconnu du référentiel des communes."),
        )
        .into()),
    }
}

/// The columns of a file, in the order the store's writes give them: a new
/// file's ([`NEW_PERSON_COLUMNS`]), then those of a closed one.
pub(crate) const PERSON_COLUMNS: &[&str] = &[
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
    "created_at",
    "updated_at",
    "closed_on",
    "closure_reason",
    "version",
];

/// The columns written for a new file (open, first version).
pub(crate) const NEW_PERSON_COLUMNS: &[&str] = PERSON_COLUMNS.split_at(22).0;

static NEW_PERSON_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("persons", NEW_PERSON_COLUMNS));

pub(crate) const HOUSEHOLD_COLUMNS: &[&str] = &[
    "id",
    "rsa_number",
    "caf_number",
    "fund",
    "rsa_state",
    "rsa_state_on",
    "created_at",
    "updated_at",
    "rsa_requested_on",
    "family_situation",
    "family_situation_on",
    "homeless",
    "rsa_state_reason",
];

/// The CAF's facts of a household, as the last five of
/// [`HOUSEHOLD_COLUMNS`] (none known: empty).
pub(crate) fn caf_fact_values(data: &HouseholdData) -> [crate::bulk::Value; 5] {
    let facts = data.caf.clone().unwrap_or_default();
    [
        facts.requested_on.into(),
        facts.family_situation.into(),
        facts.family_situation_on.into(),
        crate::bulk::Value::Bool(facts.homeless),
        facts.state_reason.into(),
    ]
}

static HOUSEHOLD_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("households", HOUSEHOLD_COLUMNS));

pub(crate) const REVISION_COLUMNS: &[&str] = &[
    "id",
    "person_id",
    "version",
    "changed_at",
    "changed_by",
    "data",
    "subject_to_duties",
    "duties_since",
];

static REVISION_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("person_revisions", REVISION_COLUMNS));

/// The columns a token row copies from its file, for the name search
/// (migrations/*/0013_search_tokens.sql).
pub(crate) const TOKEN_COLUMNS: &[&str] = &[
    "token",
    "person_id",
    "last_name",
    "first_names",
    "birth_date",
    "responsible_organisation_id",
    "territory_id",
    "closed_on",
];

/// A token row of `person`, in the order of [`TOKEN_COLUMNS`].
pub(crate) fn token_row(token: String, person: &Person) -> Vec<crate::bulk::Value> {
    vec![
        token.into(),
        person.id.into(),
        person.last_name.clone().into(),
        person.first_names.clone().into(),
        person.birth_date.into(),
        person.responsible_organisation_id.into(),
        person.territory_id.into(),
        person.closed_on.into(),
    ]
}

/// Writes the name tokens of `data`, with the columns they copy from the
/// file as just written (`person`).
async fn write_tokens(tx: &mut Tx, person: &Person, data: &PersonData) -> Result<()> {
    let mut rows = crate::bulk::Rows::new("person_name_tokens", TOKEN_COLUMNS);
    for token in data.name_tokens() {
        rows.push(token_row(token, person));
    }
    rows.write(tx).await
}

/// Records `person` as just saved. The revision is dated by the file's own
/// `updated_at`, so that a file written before a day is, that day, its
/// latest revision (droits et devoirs at a past day, store::steering).
async fn save_revision(tx: &mut Tx, actor: &Actor, person: &Person) -> Result<()> {
    let data = serde_json::to_string(person).map_err(|e| StoreError::Config(e.to_string()))?;
    on_tx!(tx, conn => sqlx::query(
        &REVISION_INSERT,
    )
    .bind(Uuid::now_v7()).bind(person.id).bind(person.version).bind(Moment(person.updated_at)).bind(&actor.label).bind(data)
    .bind(person.subject_to_duties).bind(person.duties_since)
    .execute(conn).await.map(|done| done.rows_affected()))?;
    Ok(())
}
