//! Accounts: creation, changes by an admin, login bookkeeping.

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::account::{LoginThrottle, NewUser};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::{Invalid, Role};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// A work phone (set when the account is changed).
    pub phone: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub territory_id: Option<Uuid>,
    pub disabled: bool,
    /// Set by someone else (an administrator, the command line's generated
    /// password): to be changed at the next login before anything else.
    pub must_change_password: bool,
    /// Off: the account signs in through an identity provider only.
    pub password_login: bool,
    /// A session opened under another generation has ended (see
    /// migration 0019).
    #[serde(skip)]
    pub session_generation: i64,
    #[serde(skip)]
    pub failed_logins: i64,
    #[serde(skip)]
    pub locked_until: Option<OffsetDateTime>,
    /// Notifications not read yet (the header's count).
    #[serde(skip)]
    pub unread_notifications: i64,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Account {
    pub fn role_label(&self) -> &'static str {
        self.role.label()
    }

    pub fn throttle(&self) -> LoginThrottle {
        LoginThrottle {
            failed_logins: self.failed_logins,
            locked_until: self.locked_until,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.id, &self.email)
    }
}

pub use parcours_domain::account::AccountChange;

const SELECT_USER: &str = "SELECT u.*, o.name AS organisation_name,
        (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread_notifications
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

impl Store {
    pub async fn create_account(
        &self,
        actor: &Actor,
        new: &NewUser,
        password_hash: &str,
        temporary_password: bool,
    ) -> Result<Account> {
        let mut tx = self.begin().await?;
        let id = insert_account(&mut tx, actor, new, password_hash, temporary_password).await?;
        tx.commit().await?;
        self.account(id).await
    }

    /// The account (cached a few seconds: every page asks for it).
    pub async fn account(&self, id: Uuid) -> Result<Account> {
        if let Some(user) = self.cache.accounts.get(&id) {
            return Ok(user);
        }
        let sql = format!("{SELECT_USER} WHERE u.id = $1");
        let user: Account =
            read!(self, pool => sqlx::query_as::<_, Account>(&sql).bind(id).fetch_one(pool).await)?;
        self.cache.accounts.put(id, user.clone());
        Ok(user)
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let sql = format!("{SELECT_USER} WHERE u.email = $1");
        let email = email.trim().to_lowercase();
        Ok(
            read!(self, pool => sqlx::query_as::<_, Account>(&sql).bind(&email).fetch_optional(pool).await)?,
        )
    }

    /// These accounts' e-mails with how people read them: « Sophie Lemaire
    /// (CCAS de Caen) ». Records keep who acted by e-mail, as the audit does.
    pub async fn account_labels(&self, emails: &[&str]) -> Result<Vec<(String, String)>> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = crate::sql::Sql::new(
            "SELECT u.email, u.display_name || ' (' || o.name || ')'
             FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.email IN (",
        );
        for (i, email) in emails.iter().enumerate() {
            sql.bind(if i == 0 { "" } else { ", " }, *email);
        }
        sql.push(")");
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, (String, String)>(&sql.text), sql).fetch_all(pool).await)?,
        )
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("{SELECT_USER} ORDER BY u.display_name, u.email");
        Ok(read!(self, pool => sqlx::query_as::<_, Account>(&sql).fetch_all(pool).await)?)
    }

    /// Applies an admin's change if nobody changed the account since
    /// `expected_version` was read; otherwise [`StoreError::Stale`].
    pub async fn update_account(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        change: &AccountChange,
    ) -> Result<Account> {
        if actor.user_id == Some(id) && (change.disabled || change.role != Role::Admin) {
            return Err(Invalid::field(
                "role",
                "Vous ne pouvez ni désactiver votre propre compte ni retirer votre propre rôle d'administrateur.",
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, organisation_id = $3, territory_id = $4,
                    disabled = $5, version = version + 1, updated_at = $6, phone = $9
             WHERE id = $7 AND version = $8",
        )
        .bind(&change.display_name)
        .bind(change.role.code())
        .bind(change.organisation_id)
        .bind(change.territory_id)
        .bind(change.disabled)
        .bind(Moment(now()))
        .bind(id)
        .bind(expected_version)
        .bind(change.phone.as_deref())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
        .map_err(|e| {
            StoreError::from(e).foreign_key_as(
                "organisation_id",
                "L'organisation ou le territoire choisi n'existe pas.",
            )
        })?;
        if updated == 0 {
            drop(tx);
            self.account(id).await?; // NotFound when the account does not exist
            return Err(StoreError::Stale);
        }
        let detail = format!(
            "rôle {}, {}",
            change.role.code(),
            if change.disabled {
                "désactivé"
            } else {
                "actif"
            }
        );
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::USER,
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&id);
        self.account(id).await
    }

    /// Replaces the password: `temporary` when someone else set it. Every
    /// session of the account ends (its generation moves on); the new
    /// generation is returned, for the session of a holder who changed
    /// their own password to carry on.
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: Uuid,
        password_hash: &str,
        temporary: bool,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let generation: Option<i64> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0,
                    locked_until = NULL, session_generation = session_generation + 1,
                    version = version + 1, updated_at = $3
             WHERE id = $4 RETURNING session_generation",
        )
        .bind(password_hash)
        .bind(temporary)
        .bind(Moment(now()))
        .bind(id)
        .fetch_optional(conn)
        .await)?;
        let generation = generation.ok_or(StoreError::NotFound)?;
        let detail = if temporary {
            "mot de passe provisoire, sessions fermées"
        } else {
            "mot de passe changé, autres sessions fermées"
        };
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::USER,
            Some(&id.to_string()),
            Some(detail),
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&id);
        Ok(generation)
    }

    /// Ends every session of the account (an administrator's decision).
    pub async fn end_sessions(&self, actor: &Actor, id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET session_generation = session_generation + 1 WHERE id = $1",
        )
        .bind(id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::USER,
            Some(&id.to_string()),
            Some("sessions fermées"),
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&id);
        Ok(())
    }

    /// Stores the throttle state after a failed login, and audits the attempt.
    pub async fn record_login_failure(&self, email: &str, user: Option<&Account>) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(user) = user {
            let throttle = user.throttle().after_failure(now());
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3",
            )
            .bind(throttle.failed_logins)
            .bind(throttle.locked_until.map(Moment))
            .bind(user.id)
            .execute(conn)
            .await
        .map(|done| done.rows_affected()))?;
        }
        let actor = Actor {
            user_id: user.map(|u| u.id),
            label: email.to_owned(),
        };
        let id = user.map(|u| u.id.to_string());
        record(
            &mut tx,
            &actor,
            AuditAction::LoginFailed,
            entity::SESSION,
            id.as_deref(),
            None,
        )
        .await?;
        tx.commit().await?;
        if let Some(user) = user {
            self.cache.accounts.forget(&user.id);
        }
        Ok(())
    }

    pub async fn record_login_success(&self, user: &Account) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        )
        .bind(user.id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            &user.actor(),
            AuditAction::Login,
            entity::SESSION,
            Some(&user.id.to_string()),
            None,
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&user.id);
        Ok(())
    }
}

/// The columns of a new account (here and in `catalogue_load`).
pub(crate) const ACCOUNT_COLUMNS: &[&str] = &[
    "id",
    "email",
    "display_name",
    "password_hash",
    "role",
    "organisation_id",
    "territory_id",
    "created_at",
    "updated_at",
    "must_change_password",
];

static USER_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("users", ACCOUNT_COLUMNS));

/// A new account, inserted and audited in `tx` (its id).
pub(crate) async fn insert_account(
    tx: &mut crate::Tx,
    actor: &Actor,
    new: &NewUser,
    password_hash: &str,
    temporary_password: bool,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let at = now();
    on_tx!(tx, conn => sqlx::query(&USER_INSERT)
        .bind(id)
        .bind(&new.email)
        .bind(&new.display_name)
        .bind(password_hash)
        .bind(new.role.code())
        .bind(new.organisation_id)
        .bind(new.territory_id)
        .bind(Moment(at))
        .bind(Moment(at))
        .bind(temporary_password)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
    .map_err(|e| {
        StoreError::from(e)
            .unique_as(
                "email",
                "Un compte existe déjà avec cette adresse électronique.",
            )
            .foreign_key_as(
                "organisation_id",
                "L'organisation ou le territoire choisi n'existe pas.",
            )
    })?;
    let detail = format!("{} ({})", new.email, new.role.code());
    record(
        tx,
        actor,
        AuditAction::Create,
        entity::USER,
        Some(&id.to_string()),
        Some(&detail),
    )
    .await?;
    Ok(id)
}
