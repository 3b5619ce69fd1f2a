//! Positioning a person on an action (référent's prescription or the
//! person's own request) and the structure's answer: an entry when a place
//! is free, the waiting list otherwise.
//!
//! Capacity is never exceeded, also under concurrent admissions: a place is
//! taken by one conditional `UPDATE actions SET places_taken = places_taken + 1
//! WHERE … places_taken < capacity`, in the transaction that records the
//! entry. SQLite runs writers one at a time; PostgreSQL re-checks the
//! condition on the locked row (READ COMMITTED), so two admissions cannot
//! both take the last place. The places kept outside the action's publics
//! (its margin quota) are counted the same way, by `margin_taken` in the
//! same statement.

use crate::audit::{record, Actor};
use crate::json::JsonText;
use crate::notification::notify_of_referral;
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::clock;
use parcours_domain::eligibility::{Assessment, EligibilityRules, Verdict};
use parcours_domain::notification::NotificationKind;
use parcours_domain::pathway_dates;
use parcours_domain::referral::{ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_domain::waiting_list::{Change, Entry, EntryState, WaitingList};
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Referral {
    pub id: Uuid,
    pub action_id: Uuid,
    pub person_id: Uuid,
    pub origin: String,
    pub status: ReferralStatus,
    pub objective_id: Option<Uuid>,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The day of the positioning (earlier than `requested_at` when a paper
    /// file is caught up); an entry comes on or after it.
    pub positioned_on: Date,
    pub eligibility: String,
    pub override_reason: Option<String>,
    pub uses_margin: bool,
    pub priority: i64,
    pub refusal_reason: Option<RefusalReason>,
    pub refusal_comment: Option<String>,
    pub entered_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub offer_until: Option<OffsetDateTime>,
    pub exited_on: Option<Date>,
    pub exit_reason: Option<ExitReason>,
    pub exit_situation: Option<Situation>,
    pub situation_4_weeks: Option<Situation>,
    /// The day that situation was observed, within 4 weeks of the exit.
    pub situation_4_weeks_on: Option<Date>,
    /// When it was typed (possibly later).
    #[serde(with = "time::serde::rfc3339::option")]
    pub situation_4_weeks_recorded_at: Option<OffsetDateTime>,
    pub validated_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i64,
}

const COLUMNS: &str = "id, action_id, person_id, origin, status, objective_id, requested_by, requested_at, positioned_on,
     eligibility, override_reason, uses_margin, priority, refusal_reason, refusal_comment, entered_on, offer_until, exited_on,
     exit_reason, exit_situation, situation_4_weeks, situation_4_weeks_on, situation_4_weeks_recorded_at, validated_by,
     cancel_reason, version";

/// A prescription as the référent makes it.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub action_id: Uuid,
    pub person_id: Uuid,
    pub objective_id: Option<Uuid>,
    /// The day of the positioning: today, or earlier for a paper file.
    pub positioned_on: Date,
    pub assessment: Assessment,
    /// Required when the assessment is not "eligible".
    pub override_reason: Option<String>,
}

/// How many people wait for a place on the action `a` (waiting, or offered
/// one), as one index seek per status: PostgreSQL answers a correlated
/// `status IN (…)` by reading every positioning of the action and
/// filtering them (a positioning page's 60 counts 1.6 → 0.7 ms).
pub(crate) const WAITING_ON_ACTION: &str =
    "((SELECT COUNT(*) FROM referrals w WHERE w.action_id = a.id AND w.status = 'waiting')
      + (SELECT COUNT(*) FROM referrals w WHERE w.action_id = a.id AND w.status = 'offered'))";

impl Store {
    /// Sends a prescription to the action's structure. A person not found
    /// eligible needs a stated reason (audited); a person already positioned
    /// on the action (and not gone) cannot be positioned again.
    pub async fn prescribe(&self, actor: &Actor, new: &NewReferral) -> Result<Referral> {
        let reason = new
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if new.assessment.verdict != Verdict::Eligible && reason.is_none() {
            return Err(Invalid::field(
                "override_reason",
                "La personne n'est pas reconnue éligible : indiquez pourquoi vous la positionnez quand même.",
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        let at = now();
        let assessment = serde_json::to_string(&new.assessment).expect("serialisable");
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO referrals (id, action_id, person_id, origin, status, objective_id, requested_by, requested_at,
                                    eligibility, override_reason, uses_margin, positioned_on, created_at, updated_at)
             VALUES ($1, $2, $3, 'prescription', $4, $5, $6, $7, $8, $9, $10, $11, $7, $7)",
        )
        .bind(id).bind(new.action_id).bind(new.person_id).bind(ReferralStatus::Sent).bind(new.objective_id)
        .bind(&actor.label).bind(Moment(at)).bind(assessment).bind(reason).bind(new.assessment.uses_margin)
        .bind(new.positioned_on)
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| {
            StoreError::from(e)
                .unique_as("person_id", "Cette personne est déjà positionnée sur cette action.")
                .foreign_key_as("action_id", "Cette action ou cette personne n'existe pas.")
        })?;
        let detail = match reason {
            Some(reason) => format!("positionnement hors éligibilité : {reason}"),
            None => "positionnement".to_owned(),
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

    pub async fn referral(&self, id: Uuid) -> Result<Referral> {
        let sql = format!("SELECT {COLUMNS} FROM referrals WHERE id = $1");
        Ok(read!(self, pool => sqlx::query_as::<_, Referral>(&sql).bind(id).fetch_one(pool).await)?)
    }

    pub async fn referrals_of_action(&self, action_id: Uuid) -> Result<Vec<Referral>> {
        let sql = format!("SELECT {COLUMNS} FROM referrals WHERE action_id = $1 ORDER BY priority DESC, requested_at, id");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Referral>(&sql).bind(action_id).fetch_all(pool).await)?,
        )
    }

    /// The structure accepts a positioning: the person enters on `entry`
    /// when a place is free and nobody waits before them, and joins the
    /// waiting list otherwise.
    pub async fn accept_referral(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        entry: Date,
    ) -> Result<Referral> {
        self.admit(actor, id, expected_version, entry, ReferralStatus::Sent)
            .await
    }

    /// Admits a positioning standing at `from`: an entry on `entry` when a
    /// place is free and nobody waits before, the waiting list otherwise.
    pub async fn admit(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        entry: Date,
        from: ReferralStatus,
    ) -> Result<Referral> {
        let mut tx = self.begin().await?;
        // Lock the positioning first: two answers to it cannot both pass.
        let locked = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET version = version + 1, updated_at = $1, validated_by = CASE WHEN status = $5 THEN $6 ELSE validated_by END
             WHERE id = $2 AND version = $3 AND status = $4",
        ).bind(Moment(now())).bind(id).bind(expected_version).bind(from).bind(ReferralStatus::PendingValidation).bind(&actor.label)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        let referral = referral_in(&mut tx, id).await?;
        if locked == 0 {
            return Err(if referral.status != from {
                Invalid::field("status", "Ce positionnement a déjà reçu une réponse.").into()
            } else {
                StoreError::Stale
            });
        }
        pathway_dates::check_entry(referral.positioned_on, entry)?;
        // Nobody in line who may take the place, and a free place (a free
        // margin place too for a person outside the publics).
        let list = waiting_list(&mut tx, referral.action_id).await?;
        let entered = list.can_enter_directly(referral.uses_margin)
            && take_place(&mut tx, referral.action_id, margin_of(&referral, &list)).await?;
        let next = if entered {
            ReferralStatus::Entered
        } else {
            ReferralStatus::Waiting
        };
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET status = $1, entered_on = $2, answered_at = $3 WHERE id = $4",
        )
        .bind(next).bind(entered.then_some(entry)).bind(Moment(now())).bind(id)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        if entered {
            notify_of_referral(&mut tx, id, NotificationKind::Entry, None, |action| {
                format!("entrée en {action} le {}", clock::fr_date(entry))
            })
            .await?;
        }
        let detail = match (entered, referral.uses_margin) {
            (true, false) => format!("entrée le {entry}"),
            (true, true) => format!("entrée le {entry} sur une place hors publics"),
            (false, false) => "liste d'attente".to_owned(),
            (false, true) => "liste d'attente d'une place hors publics".to_owned(),
        };
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

/// A positioning on the person's page: which action, where it stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonReferral {
    pub id: Uuid,
    pub action_id: Uuid,
    pub action_name: String,
    pub structure_name: String,
    pub origin: String,
    pub status: ReferralStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub requested_by: String,
    pub override_reason: Option<String>,
    pub refusal_reason: Option<RefusalReason>,
    pub refusal_comment: Option<String>,
    pub entered_on: Option<Date>,
    pub exited_on: Option<Date>,
    pub exit_reason: Option<ExitReason>,
    pub exit_situation: Option<Situation>,
    pub situation_4_weeks: Option<Situation>,
    pub situation_4_weeks_on: Option<Date>,
    pub cancel_reason: Option<String>,
    /// The day of the positioning, where the person's timeline places it.
    pub positioned_on: Date,
    /// On a waiting list (or offered a place): the rank on it, 1 first in line.
    pub waiting_rank: Option<i64>,
}

/// A referral's rank on its action's waiting list: by priority, then by
/// request (the cadre's view and the person's page say the same).
const WAITING_RANK: &str = "CASE WHEN r.status IN ('waiting', 'offered') THEN
        (SELECT COUNT(*) FROM referrals w WHERE w.action_id = r.action_id AND w.status IN ('waiting', 'offered')
           AND (w.priority > r.priority OR (w.priority = r.priority AND w.requested_at < r.requested_at))) + 1 END";

/// A positioning in a structure's inbox: the person's identity and contact
/// only (never the diagnostic or the contract).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct InboxReferral {
    pub id: Uuid,
    pub version: i64,
    pub action_id: Uuid,
    pub action_name: String,
    /// individual (appointments with each participant) or collective.
    pub action_format: String,
    pub status: ReferralStatus,
    pub origin: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The day of the positioning.
    pub positioned_on: Date,
    pub requested_by: String,
    pub entered_on: Option<Date>,
    pub exited_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub offer_until: Option<OffsetDateTime>,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Outside the action's publics: on (or waiting for) one of its margin places.
    pub uses_margin: bool,
    /// On a waiting list (or offered a place): the rank on it, 1 first in line.
    pub waiting_rank: Option<i64>,
}

/// Who positioned, by name and organisation.
static REQUESTED_BY: std::sync::LazyLock<(String, String)> =
    std::sync::LazyLock::new(|| crate::account_label("r.requested_by", "requester"));

/// The columns of [`InboxReferral`] and the joins they come from.
static INBOX_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "r.id, r.version, r.action_id, a.name AS action_name, a.format AS action_format, r.status,
        r.origin, r.requested_at, r.positioned_on, {} AS requested_by, r.entered_on, r.exited_on, r.offer_until, r.uses_margin, p.id AS person_id,
        p.last_name, p.first_names, p.birth_date, p.phone, p.email, {WAITING_RANK} AS waiting_rank
     FROM referrals r JOIN actions a ON a.id = r.action_id JOIN persons p ON p.id = r.person_id
     {}",
        REQUESTED_BY.0, REQUESTED_BY.1
    )
});

impl Store {
    pub async fn referrals_of_person(&self, person_id: Uuid) -> Result<Vec<PersonReferral>> {
        let sql = format!(
            "SELECT r.id, r.action_id, a.name AS action_name, o.name AS structure_name, r.origin, r.status, r.requested_at,
                    {} AS requested_by, r.override_reason, r.refusal_reason, r.refusal_comment, r.entered_on, r.exited_on,
                    r.exit_reason, r.exit_situation, r.situation_4_weeks, r.situation_4_weeks_on, r.cancel_reason,
                    r.positioned_on, {WAITING_RANK} AS waiting_rank
             FROM referrals r JOIN actions a ON a.id = r.action_id JOIN organisations o ON o.id = a.structure_id
             {}
             WHERE r.person_id = $1 ORDER BY r.positioned_on DESC, r.requested_at DESC",
            REQUESTED_BY.0, REQUESTED_BY.1
        );
        Ok(
            read!(self, pool => sqlx::query_as::<_, PersonReferral>(&sql).bind(person_id).fetch_all(pool).await)?,
        )
    }

    /// The positionings a structure has to answer, and its waiting lists.
    pub async fn referral_inbox(&self, structure_id: Uuid) -> Result<Vec<InboxReferral>> {
        self.structure_referrals(
            structure_id,
            "'sent', 'offered', 'waiting', 'pending_validation'",
        )
        .await
    }

    /// How many lines each queue of the structure's inbox holds, in one
    /// count: to answer (sent, pending validation), waiting or offered,
    /// participants, exits of the last 90 days without their situation at
    /// 4 weeks (the same conditions as the lists).
    pub async fn inbox_counts(&self, structure_id: Uuid, today: Date) -> Result<[i64; 4]> {
        let since = today - Duration::days(90);
        let (a, w, p, e): (i64, i64, i64, i64) = read!(self, pool => sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN r.status IN ('sent', 'pending_validation') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN r.status IN ('waiting', 'offered') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN r.status = 'entered' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN r.status = 'exited' AND r.situation_4_weeks IS NULL AND r.exited_on >= $2
                                 THEN 1 ELSE 0 END), 0)
             FROM referrals r JOIN actions a ON a.id = r.action_id WHERE a.structure_id = $1",
        ).bind(structure_id).bind(since).fetch_one(pool).await)?;
        Ok([a, w, p, e])
    }

    /// The people currently in the structure's actions.
    pub async fn participants(&self, structure_id: Uuid) -> Result<Vec<InboxReferral>> {
        self.structure_referrals(structure_id, "'entered'").await
    }

    async fn structure_referrals(
        &self,
        structure_id: Uuid,
        statuses: &'static str,
    ) -> Result<Vec<InboxReferral>> {
        let sql = format!(
            "SELECT {}
             WHERE a.structure_id = $1 AND r.status IN ({statuses})
             ORDER BY CASE r.status WHEN 'sent' THEN 0 WHEN 'offered' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, r.priority DESC, r.requested_at, r.id",
            *INBOX_COLUMNS
        );
        let mut lines = read!(self, pool => sqlx::query_as::<_, InboxReferral>(&sql).bind(structure_id).fetch_all(pool).await)?;
        // By action in French order, each action's lines in the order above
        // (the sort is stable): answers first, then the waiting list by rank.
        lines.sort_by_cached_key(|r| (parcours_domain::person::fold(&r.action_name), r.action_id));
        Ok(lines)
    }

    /// The structure turns a positioning down, with a reason (and a comment).
    pub async fn refuse_referral(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        reason: parcours_domain::referral::RefusalReason,
        comment: Option<&str>,
    ) -> Result<Referral> {
        use parcours_domain::referral::RefusalReason;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if reason == RefusalReason::Other && comment.is_none() {
            return Err(Invalid::field("refusal_comment", "Précisez le motif du refus.").into());
        }
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET status = 'refused', refusal_reason = $1, refusal_comment = $2, answered_at = $3,
                    version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5 AND status IN ('sent', 'waiting')",
        ).bind(reason.code()).bind(comment).bind(Moment(now())).bind(id).bind(expected_version)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        if changed == 0 {
            let current = referral_in(&mut tx, id).await?;
            return Err(if current.version != expected_version {
                StoreError::Stale
            } else {
                Invalid::field("status", "Ce positionnement a déjà reçu une réponse.").into()
            });
        }
        let detail = format!("refus : {}", reason.label());
        notify_of_referral(&mut tx, id, NotificationKind::Refusal, None, |action| {
            format!("positionnement refusé en {action} : {}", reason.label())
        })
        .await?;
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

/// A participant's exit, as the structure records it.
#[derive(Debug, Clone)]
pub struct ExitData {
    pub exited_on: Date,
    pub reason: parcours_domain::referral::ExitReason,
    pub situation: parcours_domain::referral::Situation,
}

impl Store {
    /// A participant leaves: their place frees and goes, as an offer, to
    /// the first in line. An exit before the entry is refused.
    pub async fn exit_referral(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        exit: &ExitData,
        at: OffsetDateTime,
    ) -> Result<Referral> {
        let mut tx = self.begin().await?;
        let referral = referral_in(&mut tx, id).await?;
        if referral.version != expected_version {
            return Err(StoreError::Stale);
        }
        let entered = match (referral.status, referral.entered_on) {
            (ReferralStatus::Entered, Some(entered)) => entered,
            _ => {
                return Err(Invalid::field(
                    "status",
                    "Seule une personne entrée sur l'action peut en sortir.",
                )
                .into())
            }
        };
        pathway_dates::check_exit(entered, exit.exited_on, clock::date_in_paris(at))?;
        let last_marked: Option<Date> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT MAX(s.on_date) FROM attendances t JOIN action_sessions s ON s.id = t.session_id WHERE t.referral_id = $1",
        ).bind(id).fetch_one(conn).await)?;
        pathway_dates::check_exit_after_attendance(exit.exited_on, last_marked)?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET status = 'exited', exited_on = $1, exit_reason = $2, exit_situation = $3,
                    version = version + 1, updated_at = $4
             WHERE id = $5 AND version = $6",
        ).bind(exit.exited_on).bind(exit.reason.code()).bind(exit.situation.code()).bind(Moment(now())).bind(id).bind(expected_version)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE actions SET places_taken = places_taken - 1,
                    margin_taken = CASE WHEN $2 AND margin_taken > 0 THEN margin_taken - 1 ELSE margin_taken END
             WHERE id = $1 AND places_taken > 0",
        ).bind(referral.action_id).bind(referral.uses_margin).execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!("sortie le {} : {}", exit.exited_on, exit.reason.label());
        notify_of_referral(&mut tx, id, NotificationKind::Exit, None, |action| {
            format!(
                "sortie de {action} le {} : {} ; situation : {}",
                clock::fr_date(exit.exited_on),
                exit.reason.label(),
                exit.situation.label()
            )
        })
        .await?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "referral",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        offer_places(&mut tx, referral.action_id, at).await?;
        tx.commit().await?;
        self.referral(id).await
    }

    /// The person takes or turns down the place offered to them. Taking it
    /// after the offer expired is refused; turning it down passes it on.
    pub async fn answer_offer(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        accept: bool,
        at: OffsetDateTime,
    ) -> Result<Referral> {
        let mut tx = self.begin().await?;
        let referral = referral_in(&mut tx, id).await?;
        if referral.version != expected_version {
            return Err(StoreError::Stale);
        }
        let mut list = waiting_list(&mut tx, referral.action_id).await?;
        let outcome = if accept {
            list.accept(id, at)
        } else {
            list.decline(id)
        };
        outcome.map_err(|message| Invalid::field("status", message))?;
        if accept {
            // The offer held this place (and margin place): free by construction.
            if !take_place(&mut tx, referral.action_id, margin_of(&referral, &list)).await? {
                return Err(Invalid::field("status", "L'action est complète.").into());
            }
        }
        let (next, entered_on) = if accept {
            (ReferralStatus::Entered, Some(clock::date_in_paris(at)))
        } else {
            (ReferralStatus::Declined, None)
        };
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET status = $1, entered_on = $2, offer_until = NULL, version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5",
        ).bind(next).bind(entered_on).bind(Moment(now())).bind(id).bind(expected_version)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = if accept {
            "place acceptée"
        } else {
            "place déclinée"
        };
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "referral",
            Some(&id.to_string()),
            Some(detail),
        )
        .await?;
        offer_places(&mut tx, referral.action_id, at).await?;
        tx.commit().await?;
        self.referral(id).await
    }

    /// The cadre moves someone up (or down) the waiting list.
    pub async fn set_referral_priority(
        &self,
        actor: &Actor,
        id: Uuid,
        priority: i64,
    ) -> Result<Referral> {
        let mut tx = self.begin().await?;
        let referral = referral_in(&mut tx, id).await?;
        let mut list = waiting_list(&mut tx, referral.action_id).await?;
        list.set_priority(id, priority)
            .map_err(|message| Invalid::field("priority", message))?;
        on_tx!(&mut tx, conn => sqlx::query("UPDATE referrals SET priority = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(priority).bind(Moment(now())).bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!("rang sur la liste d'attente : priorité {priority}");
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

    /// Expires the offers past their date and passes the places on, for
    /// every action with an offer out (a periodic job).
    pub async fn expire_offers(&self, at: OffsetDateTime) -> Result<usize> {
        let actions: Vec<Uuid> = read!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT action_id FROM referrals WHERE status = 'offered' AND offer_until <= $1",
        ).bind(Moment(at)).fetch_all(pool).await)?;
        for action in &actions {
            let mut tx = self.begin().await?;
            offer_places(&mut tx, *action, at).await?;
            tx.commit().await?;
        }
        Ok(actions.len())
    }
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: Uuid,
    requested_at: OffsetDateTime,
    priority: i64,
    status: String,
    offer_until: Option<OffsetDateTime>,
    uses_margin: bool,
}

#[derive(sqlx::FromRow)]
struct PlacesRow {
    capacity: Option<i64>,
    places_taken: i64,
    margin_taken: i64,
    eligibility: JsonText<EligibilityRules>,
}

/// The action's waiting list as the domain's rules see it. The first write
/// of the transaction on the action's row (a no-op update) makes concurrent
/// steps on the same list wait for each other on PostgreSQL.
async fn waiting_list(tx: &mut Tx, action_id: Uuid) -> Result<WaitingList> {
    on_tx!(tx, conn => sqlx::query("UPDATE actions SET places_taken = places_taken WHERE id = $1")
        .bind(action_id).execute(conn).await.map(|d| d.rows_affected()))?;
    let places = on_tx!(tx, conn => sqlx::query_as::<_, PlacesRow>(
        "SELECT capacity, places_taken, margin_taken, eligibility FROM actions WHERE id = $1",
    ).bind(action_id).fetch_one(conn).await)?;
    let rows = on_tx!(tx, conn => sqlx::query_as::<_, QueueRow>(
        "SELECT id, requested_at, priority, status, offer_until, uses_margin FROM referrals
         WHERE action_id = $1 AND status IN ('waiting', 'offered')",
    ).bind(action_id).fetch_all(conn).await)?;
    let entries = rows
        .into_iter()
        .map(|r| Entry {
            id: r.id,
            requested_at: r.requested_at,
            priority: r.priority,
            state: match (r.status.as_str(), r.offer_until) {
                ("offered", Some(until)) => EntryState::Offered { until },
                _ => EntryState::Waiting,
            },
            uses_margin: r.uses_margin,
        })
        .collect();
    Ok(WaitingList {
        capacity: places.capacity,
        taken: places.places_taken,
        margin_places: places.eligibility.0.margin_places.unwrap_or(0),
        margin_taken: places.margin_taken,
        entries,
    })
}

/// The quota a positioning's entry must fit in: the action's margin places
/// when the person comes outside its publics, none otherwise.
fn margin_of(referral: &Referral, list: &WaitingList) -> Option<i64> {
    referral.uses_margin.then_some(list.margin_places)
}

/// Applies the waiting list's step: expired offers out, free places offered.
async fn offer_places(tx: &mut Tx, action_id: Uuid, at: OffsetDateTime) -> Result<()> {
    let offer_days = crate::deadline::settings_in(tx).await?.offer_days;
    let mut list = waiting_list(tx, action_id).await?;
    for change in list.step(at, Duration::days(offer_days)) {
        let (id, status, until) = match change {
            Change::Offered { id, until } => (id, "offered", Some(until)),
            Change::Expired { id } => (id, "expired", None),
        };
        if let Some(until) = until {
            notify_of_referral(tx, id, NotificationKind::PlaceOffered, None, |action| {
                format!(
                    "une place est proposée en {action} : réponse attendue avant le {}",
                    clock::fr_date(clock::date_in_paris(until))
                )
            })
            .await?;
        }
        on_tx!(tx, conn => sqlx::query(
            "UPDATE referrals SET status = $1, offer_until = $2, version = version + 1, updated_at = $3 WHERE id = $4",
        ).bind(status).bind(until.map(Moment)).bind(Moment(now())).bind(id).execute(conn).await.map(|d| d.rows_affected()))?;
    }
    Ok(())
}

/// Takes one place of the action if one is free, and one of its `margin`
/// places (the quota) for a person outside its publics; `false` when full.
async fn take_place(tx: &mut Tx, action_id: Uuid, margin: Option<i64>) -> Result<bool> {
    let taken = on_tx!(tx, conn => sqlx::query(
        "UPDATE actions SET places_taken = places_taken + 1,
                margin_taken = margin_taken + CASE WHEN $2 THEN 1 ELSE 0 END
         WHERE id = $1 AND (capacity IS NULL OR places_taken < capacity)
           AND (NOT $2 OR margin_taken < $3)",
    ).bind(action_id).bind(margin.is_some()).bind(margin.unwrap_or(0))
    .execute(conn).await.map(|d| d.rows_affected()))?;
    Ok(taken == 1)
}

/// Sets the places taken of these actions (and their margin places) to
/// their entered positionings, in the caller's transaction: after
/// positionings were loaded in bulk (the scale dataset), what admissions
/// and exits would have counted.
pub(crate) async fn recount_places(tx: &mut Tx, action_ids: &[Uuid]) -> Result<()> {
    for chunk in action_ids.chunks(1000) {
        let mut sql = crate::sql::Sql::new(
            "UPDATE actions SET places_taken = (SELECT COUNT(*) FROM referrals r WHERE r.action_id = actions.id AND r.status = ",
        );
        sql.bind("", ReferralStatus::Entered.code())
            .push("), margin_taken = (SELECT COUNT(*) FROM referrals r WHERE r.action_id = actions.id AND r.uses_margin = TRUE AND r.status = ")
            .bind("", ReferralStatus::Entered.code())
            .push(") WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            sql.bind(if i == 0 { "" } else { ", " }, *id);
        }
        sql.push(")");
        on_tx!(tx, conn => bind_all!(sqlx::query(&sql.text), sql).execute(conn).await.map(|d| d.rows_affected()))?;
    }
    Ok(())
}

pub(crate) async fn referral_in(tx: &mut Tx, id: Uuid) -> Result<Referral> {
    let sql = format!("SELECT {COLUMNS} FROM referrals WHERE id = $1");
    Ok(on_tx!(tx, conn => sqlx::query_as::<_, Referral>(&sql).bind(id).fetch_one(conn).await)?)
}

/// A person on a waiting list, with their place in the queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WaitingLine {
    pub id: Uuid,
    pub version: i64,
    pub action_id: Uuid,
    pub action_name: String,
    pub structure_name: String,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub status: ReferralStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub priority: i64,
    /// 1 for the first in line.
    pub rank: i64,
    /// How many wait on the action.
    pub queue_length: i64,
}

impl Store {
    /// The people of the scope on a waiting list (or offered a place), by
    /// action then rank: the cadre's view to set priorities.
    pub async fn waiting_in_scope(
        &self,
        scope: &parcours_domain::access::PersonScope,
    ) -> Result<Vec<WaitingLine>> {
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT r.id, r.version, r.action_id, a.name AS action_name, o.name AS structure_name, p.id AS person_id,
                    p.last_name, p.first_names, r.status, r.requested_at, r.priority,
                    {WAITING_RANK} AS rank,
                    (SELECT COUNT(*) FROM referrals w WHERE w.action_id = r.action_id AND w.status IN ('waiting', 'offered')) AS queue_length
             FROM referrals r
             JOIN actions a ON a.id = r.action_id
             JOIN organisations o ON o.id = a.structure_id
             JOIN persons p ON p.id = r.person_id
             WHERE r.status IN ('waiting', 'offered')"
        ));
        sql.scope(scope).push(" ORDER BY a.name, r.action_id, rank");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, WaitingLine>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    /// The structure's participants who left in the last 90 days and whose
    /// situation 4 weeks after the exit is not known yet.
    pub async fn exits_to_follow_up(
        &self,
        structure_id: Uuid,
        today: Date,
    ) -> Result<Vec<InboxReferral>> {
        let since = today - Duration::days(90);
        let sql = format!(
            "SELECT {} WHERE a.structure_id = $1 AND r.status = 'exited' AND r.situation_4_weeks IS NULL
               AND r.exited_on >= $2 ORDER BY r.exited_on, p.last_name",
            *INBOX_COLUMNS
        );
        Ok(read!(self, pool => sqlx::query_as::<_, InboxReferral>(&sql)
            .bind(structure_id).bind(since).fetch_all(pool).await)?)
    }

    /// The situation 4 weeks after the exit (an FSE+ result indicator),
    /// recorded once the person has left: observed on `observed_on`, between
    /// the exit and 4 weeks after it, and typed at `at`, possibly later.
    pub async fn record_situation_4_weeks(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        situation: parcours_domain::referral::Situation,
        observed_on: Date,
        at: OffsetDateTime,
    ) -> Result<Referral> {
        let mut tx = self.begin().await?;
        let current = referral_in(&mut tx, id).await?;
        let exited_on = match (current.status, current.exited_on) {
            (ReferralStatus::Exited, Some(on)) => on,
            _ => {
                return Err(Invalid::field(
                    "situation_4_weeks",
                    "La situation à 4 semaines se saisit après la sortie.",
                )
                .into())
            }
        };
        pathway_dates::check_observation(observed_on, exited_on, clock::date_in_paris(at))?;
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE referrals SET situation_4_weeks = $1, situation_4_weeks_on = $2, situation_4_weeks_recorded_at = $3,
                    version = version + 1, updated_at = $3
             WHERE id = $4 AND version = $5 AND status = 'exited'",
        ).bind(situation.code()).bind(observed_on).bind(Moment(at)).bind(id).bind(expected_version)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        if changed == 0 {
            return Err(StoreError::Stale);
        }
        let detail = format!(
            "situation 4 semaines après la sortie, constatée le {} : {}",
            clock::fr_date(observed_on),
            situation.label()
        );
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

impl Store {
    /// How many wait (or are offered a place) on each of these actions.
    pub async fn waiting_counts(
        &self,
        action_ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, i64>> {
        if action_ids.is_empty() {
            return Ok(Default::default());
        }
        let mut sql = crate::sql::Sql::new(
            "SELECT action_id, COUNT(*) FROM referrals WHERE status IN ('waiting', 'offered') AND action_id IN (",
        );
        for (i, id) in action_ids.iter().enumerate() {
            sql.bind(if i == 0 { "" } else { ", " }, *id);
        }
        sql.push(") GROUP BY action_id");
        let rows: Vec<(Uuid, i64)> =
            read!(self, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().collect())
    }
}

/// The columns of a positioning in any state, as the bulk loader writes it
/// (`pathway_load`).
pub(crate) const REFERRAL_COLUMNS: &[&str] = &[
    "id",
    "action_id",
    "person_id",
    "origin",
    "status",
    "objective_id",
    "requested_by",
    "requested_at",
    "eligibility",
    "override_reason",
    "uses_margin",
    "priority",
    "offer_until",
    "answered_at",
    "refusal_reason",
    "refusal_comment",
    "entered_on",
    "exited_on",
    "exit_reason",
    "exit_situation",
    "situation_4_weeks",
    "validated_by",
    "cancel_reason",
    "version",
    "created_at",
    "updated_at",
    "positioned_on",
    "situation_4_weeks_on",
    "situation_4_weeks_recorded_at",
];
