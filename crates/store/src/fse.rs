//! FSE+ participant data at entry (one record per positioning), for the
//! participants of actions co-financed by the European Social Fund Plus.
//!
//! Recorded only for a person who entered the action (or has since left
//! it), on an action with at least one funding line flagged FSE+. Every
//! write is audited; every read of a record is audited too, because the
//! record holds special-category answers (GDPR art. 9, see
//! [`FseQuestion::is_special_category`]). The audit trail names the person
//! and the positioning, never the answers.
//!
//! Who may call these is decided above the store
//! ([`parcours_domain::fse::may_record_fse_data`]).

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::fse::{check_recordable, FseEntryData, FseEntryInput, FseQuestion};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One participant's FSE+ data at entry, with the birth date copied from
/// the person file when recorded or corrected.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FseEntry {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    /// F (femme), M (homme) or X (non binaire), as the participant states it.
    pub gender: String,
    pub birth_date: Date,
    pub employment_status: String,
    pub education_level: String,
    pub nationality: String,
    /// Special category (GDPR art. 9): yes, no or declined.
    pub disability: String,
    /// Special category (GDPR art. 9): yes, no or declined; none while to
    /// be asked again (recorded before the question was split).
    pub foreign_background: Option<String>,
    /// Special category (GDPR art. 9): yes, no or declined; none while to
    /// be asked again.
    pub minority: Option<String>,
    pub homeless: String,
    pub rural: bool,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub version: i64,
}

impl FseEntry {
    /// The recorded answers as the form shows them.
    pub fn input(&self) -> FseEntryInput {
        FseEntryInput {
            gender: self.gender.clone(),
            employment_status: self.employment_status.clone(),
            education_level: self.education_level.clone(),
            nationality: self.nationality.clone(),
            disability: self.disability.clone(),
            foreign_background: self.foreign_background.clone().unwrap_or_default(),
            minority: self.minority.clone().unwrap_or_default(),
            homeless: self.homeless.clone(),
            rural: if self.rural { "yes" } else { "no" }.to_owned(),
        }
    }
}

pub(crate) const ENTRY: &str = "SELECT f.referral_id, r.person_id, f.gender, f.birth_date, f.employment_status, f.education_level,
        f.nationality, f.disability, f.foreign_background, f.minority, f.homeless, f.rural, f.recorded_by, f.recorded_at, f.version
     FROM fse_entries f JOIN referrals r ON r.id = f.referral_id WHERE f.referral_id = $1";

/// A participant of a co-financed action of a structure, and whether their
/// data are recorded (no answer here: identity only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FseParticipant {
    pub referral_id: Uuid,
    pub action_id: Uuid,
    pub action_name: String,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub status: String,
    pub entered_on: Option<Date>,
    /// The record's version; none when the data are still to be recorded.
    pub fse_version: Option<i64>,
}

impl FseParticipant {
    pub fn recorded(&self) -> bool {
        self.fse_version.is_some()
    }
}

/// "handicap, minorité ou origine étrangère": what a read discloses.
fn special_categories() -> String {
    FseQuestion::special_categories()
        .iter()
        .map(|q| q.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(" ; ")
}

async fn cofinanced_in(tx: &mut Tx, action_id: Uuid) -> Result<bool> {
    let lines: i64 = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT COUNT(*) FROM action_fundings WHERE action_id = $1 AND fse_plus",
    ).bind(action_id).fetch_one(conn).await)?;
    Ok(lines > 0)
}

async fn entry_in(tx: &mut Tx, referral_id: Uuid) -> Result<FseEntry> {
    Ok(
        on_tx!(tx, conn => sqlx::query_as::<_, FseEntry>(ENTRY).bind(referral_id).fetch_one(conn).await)?,
    )
}

impl Store {
    /// Whether any funding line of the action is flagged FSE+.
    pub async fn fse_cofinanced(&self, action_id: Uuid) -> Result<bool> {
        let lines: i64 = read!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM action_fundings WHERE action_id = $1 AND fse_plus",
        ).bind(action_id).fetch_one(pool).await)?;
        Ok(lines > 0)
    }

    /// Records (`expected_version` 0) or corrects (the version read) a
    /// participant's data at entry. Refused with a message on `status` when
    /// the person has not entered the action, on `action_id` when the
    /// action is not co-financed by the FSE+; [`StoreError::Stale`] when
    /// someone else recorded or corrected them since they were read.
    pub async fn save_fse_entry(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        expected_version: i64,
        data: &FseEntryData,
    ) -> Result<FseEntry> {
        let mut tx = self.begin().await?;
        let referral = crate::referral::referral_in(&mut tx, referral_id).await?;
        check_recordable(
            referral.status,
            cofinanced_in(&mut tx, referral.action_id).await?,
        )?;
        let birth_date: Date = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT birth_date FROM persons WHERE id = $1",
        ).bind(referral.person_id).fetch_one(conn).await)?;
        let at = now();
        let rural = data.rural;
        let (action, detail) = if expected_version == 0 {
            on_tx!(&mut tx, conn => sqlx::query(
                &FSE_INSERT,
            )
            .bind(referral_id).bind(data.gender.code()).bind(birth_date).bind(data.employment_status.code())
            .bind(data.education_level.code()).bind(data.nationality.code()).bind(data.disability.code())
            .bind(data.foreign_background.code()).bind(data.minority.code()).bind(data.homeless.code()).bind(rural)
            .bind(&actor.label).bind(Moment(at))
            .execute(conn).await.map(|d| d.rows_affected()))
            .map_err(|e| match StoreError::from(e) {
                // Recorded by someone else in the meantime.
                StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                    StoreError::Stale
                }
                other => other,
            })?;
            (AuditAction::Create, "enregistrées")
        } else {
            let changed = on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE fse_entries SET gender = $1, birth_date = $2, employment_status = $3, education_level = $4,
                        nationality = $5, disability = $6, foreign_background = $7, minority = $8, homeless = $9,
                        rural = $10, recorded_by = $11, recorded_at = $12, version = version + 1
                 WHERE referral_id = $13 AND version = $14",
            )
            .bind(data.gender.code()).bind(birth_date).bind(data.employment_status.code()).bind(data.education_level.code())
            .bind(data.nationality.code()).bind(data.disability.code()).bind(data.foreign_background.code())
            .bind(data.minority.code()).bind(data.homeless.code()).bind(rural).bind(&actor.label).bind(Moment(at))
            .bind(referral_id).bind(expected_version)
            .execute(conn).await.map(|d| d.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Stale);
            }
            (AuditAction::Update, "corrigées")
        };
        let detail = format!("données FSE+ à l'entrée {detail} (positionnement {referral_id})");
        record(
            &mut tx,
            actor,
            action,
            entity::PERSON,
            Some(&referral.person_id.to_string()),
            Some(&detail),
        )
        .await?;
        let entry = entry_in(&mut tx, referral_id).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// A participant's data at entry, `None` when not recorded yet. The
    /// record holds special-category answers: reading it is audited.
    pub async fn fse_entry(&self, actor: &Actor, referral_id: Uuid) -> Result<Option<FseEntry>> {
        let entry = read!(self, pool => sqlx::query_as::<_, FseEntry>(ENTRY).bind(referral_id).fetch_optional(pool).await)?;
        if let Some(entry) = &entry {
            let detail = format!(
                "données FSE+ à l'entrée consultées, dont catégories particulières ({}) (positionnement {referral_id})",
                special_categories()
            );
            self.audit(
                actor,
                AuditAction::Read,
                entity::PERSON,
                Some(&entry.person_id.to_string()),
                Some(&detail),
            )
            .await?;
        }
        Ok(entry)
    }

    /// The participants (entered, or since left) of the structure's
    /// co-financed actions, each with whether their data are recorded.
    pub async fn fse_participants(&self, structure_id: Uuid) -> Result<Vec<FseParticipant>> {
        Ok(read!(self, pool => sqlx::query_as::<_, FseParticipant>(
            "SELECT r.id AS referral_id, r.action_id, a.name AS action_name, r.person_id, p.last_name, p.first_names,
                    r.status, r.entered_on, f.version AS fse_version
             FROM referrals r JOIN actions a ON a.id = r.action_id JOIN persons p ON p.id = r.person_id
             LEFT JOIN fse_entries f ON f.referral_id = r.id
             WHERE a.structure_id = $1 AND r.status IN ('entered', 'exited')
               AND EXISTS (SELECT 1 FROM action_fundings af WHERE af.action_id = a.id AND af.fse_plus)
             ORDER BY a.name, p.last_name, p.first_names, r.id",
        ).bind(structure_id).fetch_all(pool).await)?)
    }

    /// The participants of the structure's co-financed actions whose data
    /// are still to be recorded.
    pub async fn fse_missing(&self, structure_id: Uuid) -> Result<Vec<FseParticipant>> {
        let mut participants = self.fse_participants(structure_id).await?;
        participants.retain(|p| !p.recorded());
        Ok(participants)
    }
}

/// The columns of a participant's FSE+ data (here and in `pathway_load`).
pub(crate) const FSE_COLUMNS: &[&str] = &[
    "referral_id",
    "gender",
    "birth_date",
    "employment_status",
    "education_level",
    "nationality",
    "disability",
    "foreign_background",
    "minority",
    "homeless",
    "rural",
    "recorded_by",
    "recorded_at",
];

static FSE_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("fse_entries", FSE_COLUMNS));
