//! A person who comes directly to a partner structure (*démarche directe*):
//! the structure records the request on the person's file, found by their
//! identity or created with a minimal identity, the software checks the
//! eligibility, and the request waits for validation by the référent's
//! cadre (or the chargé de mission when nobody follows the person). Once
//! validated, the person enters when a place is free, or joins the waiting
//! list; a rejection says why.

use crate::audit::{record, Actor};
use crate::person::{create_person_in, HouseholdTarget};
use crate::referral::{referral_in, Referral};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::audit::AuditAction;
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::person::PersonData;
use parcours_domain::referral::ReferralStatus;
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Whose file the request goes on.
#[derive(Debug, Clone)]
pub enum Applicant {
    /// A file found by the person's identity.
    Existing(Uuid),
    /// A file created with the identity the structure recorded.
    New {
        household: HouseholdTarget,
        data: Box<PersonData>,
    },
}

/// A request as the structure records it.
#[derive(Debug, Clone)]
pub struct NewSelfReferral {
    pub action_id: Uuid,
    pub applicant: Applicant,
    pub assessment: Assessment,
    /// Required when the person is found not eligible.
    pub override_reason: Option<String>,
}

/// Whose requests a validator sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationQueue {
    /// The cadre: people whose référent works in this organisation.
    Organisation(Uuid),
    /// The chargé de mission: people without a référent.
    WithoutReferent,
}

/// A request waiting for validation, with what the validator needs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PendingSelfReferral {
    pub id: Uuid,
    pub version: i64,
    pub action_id: Uuid,
    pub action_name: String,
    pub structure_name: String,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub requested_by: String,
    /// JSON of the eligibility assessment at the request.
    pub eligibility: String,
    pub override_reason: Option<String>,
    pub referent_name: Option<String>,
}

impl Store {
    /// Records a structure's request for a person who came directly, in one
    /// transaction with the person's file when it is new.
    pub async fn record_self_referral(
        &self,
        actor: &Actor,
        new: &NewSelfReferral,
    ) -> Result<Referral> {
        let reason = new
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if new.assessment.verdict == Verdict::NotEligible && reason.is_none() {
            // The rules that say no, in the words the structure reads.
            let why: Vec<&str> = new
                .assessment
                .outcomes
                .iter()
                .filter(|o| o.verdict == Verdict::NotEligible)
                .map(|o| o.reason.as_str())
                .collect();
            return Err(Invalid::field(
                "override_reason",
                format!(
                    "La personne n'est pas éligible à cette action ({}) : indiquez pourquoi la demande est quand même transmise.",
                    why.join(" ")
                ),
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let person_id = match &new.applicant {
            Applicant::Existing(id) => *id,
            Applicant::New { household, data } => {
                create_person_in(&mut tx, actor, None, household, data)
                    .await?
                    .id
            }
        };
        let id = Uuid::now_v7();
        let at = now();
        let assessment = serde_json::to_string(&new.assessment).expect("serialisable");
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO referrals (id, action_id, person_id, origin, status, requested_by, requested_at,
                                    eligibility, override_reason, uses_margin, created_at, updated_at, positioned_on)
             VALUES ($1, $2, $3, 'self_referral', $4, $5, $6, $7, $8, $9, $6, $6, $10)",
        )
        .bind(id).bind(new.action_id).bind(person_id).bind(ReferralStatus::PendingValidation)
        .bind(&actor.label).bind(Moment(at)).bind(assessment).bind(reason).bind(new.assessment.uses_margin)
        // The person came on the day the structure records the request.
        .bind(parcours_domain::clock::date_in_paris(at))
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| {
            StoreError::from(e)
                .unique_as("last_name", "Cette personne a déjà une demande en cours sur cette action.")
                .foreign_key_as("action_id", "Cette action n'existe pas.")
        })?;
        crate::notification::notify_of_referral(
            &mut tx,
            id,
            parcours_domain::notification::NotificationKind::SelfReferral,
            None,
            |action| format!("venue d'elle-même en {action} : demande à valider"),
        )
        .await?;
        let detail = match reason {
            Some(reason) => format!("démarche directe hors éligibilité : {reason}"),
            None => "démarche directe".to_owned(),
        };
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "referral",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.referral(id).await
    }

    /// The organisation of the person's current référent, if any: it says
    /// who validates their requests.
    pub async fn referent_organisation(&self, person_id: Uuid) -> Result<Option<Uuid>> {
        Ok(read!(self, pool => sqlx::query_scalar(
            "SELECT u.organisation_id FROM referent_assignments ra JOIN users u ON u.id = ra.referent_id
             WHERE ra.person_id = $1 AND ra.ends_on IS NULL",
        ).bind(person_id).fetch_optional(pool).await)?)
    }

    /// The requests waiting for this validator, oldest first.
    pub async fn self_referrals_to_validate(
        &self,
        queue: ValidationQueue,
    ) -> Result<Vec<PendingSelfReferral>> {
        let (condition, organisation) = match queue {
            ValidationQueue::Organisation(id) => ("u.organisation_id = $1", Some(id)),
            ValidationQueue::WithoutReferent => ("ra.id IS NULL AND $1 IS NULL", None),
        };
        let (requested_by, joins) = crate::account_label("r.requested_by", "requester");
        let sql = format!(
            "SELECT r.id, r.version, r.action_id, a.name AS action_name, o.name AS structure_name, p.id AS person_id,
                    p.last_name, p.first_names, p.birth_date, r.requested_at, {requested_by} AS requested_by, r.eligibility,
                    r.override_reason, u.display_name AS referent_name
             FROM referrals r
             JOIN actions a ON a.id = r.action_id
             JOIN organisations o ON o.id = a.structure_id
             JOIN persons p ON p.id = r.person_id
             LEFT JOIN referent_assignments ra ON ra.person_id = p.id AND ra.ends_on IS NULL
             LEFT JOIN users u ON u.id = ra.referent_id
             {joins}
             WHERE r.status = 'pending_validation' AND {condition}
             ORDER BY r.requested_at, r.id"
        );
        Ok(
            read!(self, pool => sqlx::query_as::<_, PendingSelfReferral>(&sql)
            .bind(organisation).fetch_all(pool).await)?,
        )
    }

    /// The validator agrees: the person enters on `entry` when a place is
    /// free, or joins the waiting list.
    pub async fn validate_self_referral(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        entry: Date,
    ) -> Result<Referral> {
        self.admit(
            actor,
            id,
            expected_version,
            entry,
            ReferralStatus::PendingValidation,
        )
        .await
    }

    /// The validator turns the request down, saying why.
    pub async fn reject_self_referral(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        reason: &str,
    ) -> Result<Referral> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Invalid::field(
                "cancel_reason",
                "Indiquez pourquoi la demande n'est pas validée.",
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET status = 'cancelled', cancel_reason = $1, validated_by = $2, answered_at = $3,
                    version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5 AND status = $6",
        ).bind(reason).bind(&actor.label).bind(Moment(now())).bind(id).bind(expected_version).bind(ReferralStatus::PendingValidation)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        if changed == 0 {
            let current = referral_in(&mut tx, id).await?;
            return Err(if current.status != ReferralStatus::PendingValidation {
                Invalid::field("status", "Cette demande a déjà été traitée.").into()
            } else {
                StoreError::Stale
            });
        }
        let detail = format!("démarche directe non validée : {reason}");
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "referral",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.referral(id).await
    }
}
