//! Sign-in through an identity provider (issue 26): the identities that
//! reach an account, who may still use a password, and the requests of
//! partners' staff to join a structure (granted by the chargé de mission).

use crate::account::{insert_account, Account};
use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::account::NewUser;
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::oidc::{JoinRequestState, PasswordPolicy, ProviderIdentity};
use parcours_domain::Role;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// The setting that says who may sign in with a password.
const PASSWORD_POLICY_KEY: &str = "password_policy";

/// A request to join a structure, as the chargé de mission reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct JoinRequest {
    pub id: Uuid,
    /// The provider it came through (`proconnect`).
    pub provider: String,
    #[serde(skip)]
    pub subject: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub siret: String,
    pub structure_id: Uuid,
    pub structure_name: String,
    /// en_attente, acceptee, refusee
    pub state: JoinRequestState,
    /// The account made when it was accepted.
    pub user_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub version: i64,
}

const SELECT_REQUEST: &str = "SELECT j.id, j.provider, j.subject, j.email, j.given_name, j.usual_name,
        j.siret, j.structure_id, o.name AS structure_name, j.state, j.user_id, j.created_at, j.version
     FROM join_requests j JOIN organisations o ON o.id = j.structure_id";

impl Store {
    /// The account a provider's identity was linked to, if any.
    pub async fn account_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<Account>> {
        let user_id: Option<Uuid> = read!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2",
        )
        .bind(provider).bind(subject).fetch_optional(pool).await)?;
        match user_id {
            Some(id) => Ok(Some(self.account(id).await?)),
            None => Ok(None),
        }
    }

    /// Opens a session for `user` signed in through `identity`: remembers
    /// the identity (its first time, audited) and audits the sign-in with
    /// the provider.
    pub async fn record_provider_sign_in(
        &self,
        user: &Account,
        identity: &ProviderIdentity,
    ) -> Result<()> {
        let at = Moment(now());
        let email = identity.verified_email().unwrap_or_default();
        let mut tx = self.begin().await?;
        let touched = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE user_identities SET last_used_at = $1
             WHERE provider = $2 AND subject = $3 AND user_id = $4",
        )
        .bind(at).bind(&identity.provider).bind(&identity.subject).bind(user.id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if touched == 0 {
            on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_used_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&identity.provider).bind(&identity.subject).bind(user.id).bind(&email).bind(at)
            .execute(conn).await.map(drop))?;
            record(
                &mut tx,
                &user.actor(),
                AuditAction::Update,
                entity::USER,
                Some(&user.id.to_string()),
                Some(&format!("identité {} reliée au compte", identity.provider)),
            )
            .await?;
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        )
        .bind(user.id).execute(conn).await.map(drop))?;
        record(
            &mut tx,
            &user.actor(),
            AuditAction::Login,
            entity::SESSION,
            Some(&user.id.to_string()),
            Some(&format!("fournisseur d'identité : {}", identity.provider)),
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&user.id);
        Ok(())
    }

    /// Audits a sign-in through `provider` that opened no session.
    pub async fn record_provider_refusal(
        &self,
        provider: &str,
        who: &str,
        user_id: Option<Uuid>,
        reason: &str,
    ) -> Result<()> {
        let actor = Actor {
            user_id,
            label: who.to_owned(),
        };
        let mut tx = self.begin().await?;
        record(
            &mut tx,
            &actor,
            AuditAction::LoginFailed,
            entity::SESSION,
            user_id.map(|id| id.to_string()).as_deref(),
            Some(&format!("fournisseur d'identité : {provider} ; {reason}")),
        )
        .await?;
        tx.commit().await
    }

    /// Who may sign in with a password (everyone, by default).
    pub async fn password_policy(&self) -> Result<PasswordPolicy> {
        let value: Option<String> = read!(self, pool => sqlx::query_scalar(
            "SELECT value FROM settings WHERE key = $1",
        )
        .bind(PASSWORD_POLICY_KEY).fetch_optional(pool).await)?;
        Ok(value
            .as_deref()
            .and_then(PasswordPolicy::from_code)
            .unwrap_or(PasswordPolicy::Everyone))
    }

    /// Sets who may sign in with a password (audited).
    pub async fn set_password_policy(&self, actor: &Actor, policy: PasswordPolicy) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(PASSWORD_POLICY_KEY).bind(policy.code()).bind(Moment(now()))
        .execute(conn).await.map(drop))?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "settings",
            Some(PASSWORD_POLICY_KEY),
            Some(policy.code()),
        )
        .await?;
        tx.commit().await
    }

    /// Switches one account's password login on or off (audited).
    pub async fn set_password_login(&self, actor: &Actor, id: Uuid, on: bool) -> Result<Account> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET password_login = $1, version = version + 1, updated_at = $2 WHERE id = $3",
        )
        .bind(on).bind(Moment(now())).bind(id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::USER,
            Some(&id.to_string()),
            Some(if on {
                "connexion par mot de passe permise"
            } else {
                "connexion par mot de passe désactivée"
            }),
        )
        .await?;
        tx.commit().await?;
        self.cache.accounts.forget(&id);
        self.account(id).await
    }

    /// The providers' identities linked to an account.
    pub async fn identities_of(&self, user_id: Uuid) -> Result<Vec<(String, String)>> {
        Ok(read!(self, pool => sqlx::query_as(
            "SELECT provider, email FROM user_identities WHERE user_id = $1 ORDER BY provider",
        )
        .bind(user_id).fetch_all(pool).await)?)
    }

    /// The structure of the catalogue with this SIRET (the first by name
    /// when several share it), with its name.
    pub async fn structure_by_siret(&self, siret: &str) -> Result<Option<(Uuid, String)>> {
        Ok(read!(self, pool => sqlx::query_as(
            "SELECT s.id, o.name FROM structures s JOIN organisations o ON o.id = s.id
             WHERE REPLACE(s.siret, ' ', '') = $1 ORDER BY o.name LIMIT 1",
        )
        .bind(siret).fetch_optional(pool).await)?)
    }

    /// The pending request of this identity to join `structure_id`, made
    /// now unless one already waits (whichever structure it names).
    pub async fn open_join_request(
        &self,
        identity: &ProviderIdentity,
        email: &str,
        siret: &str,
        structure_id: Uuid,
    ) -> Result<JoinRequest> {
        let mut tx = self.begin().await?;
        let waiting: Option<Uuid> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT id FROM join_requests WHERE provider = $1 AND subject = $2 AND state = 'en_attente'",
        )
        .bind(&identity.provider).bind(&identity.subject).fetch_optional(conn).await)?;
        let id = match waiting {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                on_tx!(&mut tx, conn => sqlx::query(
                    "INSERT INTO join_requests (id, provider, subject, email, given_name, usual_name, siret,
                        structure_id, state, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'en_attente', $9)",
                )
                .bind(id).bind(&identity.provider).bind(&identity.subject).bind(email)
                .bind(identity.given_name.as_deref().unwrap_or(""))
                .bind(identity.family_name.as_deref().unwrap_or(""))
                .bind(siret).bind(structure_id).bind(Moment(now()))
                .execute(conn).await.map(drop))?;
                let actor = Actor {
                    user_id: None,
                    label: email.to_owned(),
                };
                record(
                    &mut tx,
                    &actor,
                    AuditAction::Create,
                    "join_request",
                    Some(&id.to_string()),
                    Some(&format!("{} ; SIRET {siret}", identity.provider)),
                )
                .await?;
                id
            }
        };
        tx.commit().await?;
        self.join_request(id).await
    }

    pub async fn join_request(&self, id: Uuid) -> Result<JoinRequest> {
        let sql = format!("{SELECT_REQUEST} WHERE j.id = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, JoinRequest>(&sql).bind(id).fetch_one(pool).await)?,
        )
    }

    /// The requests waiting (oldest first), then the last 50 decided.
    pub async fn join_requests(&self) -> Result<Vec<JoinRequest>> {
        let waiting =
            format!("{SELECT_REQUEST} WHERE j.state = 'en_attente' ORDER BY j.created_at, j.id");
        let decided = format!(
            "{SELECT_REQUEST} WHERE j.state <> 'en_attente' ORDER BY j.created_at DESC, j.id LIMIT 50"
        );
        let mut requests: Vec<JoinRequest> =
            read!(self, pool => sqlx::query_as::<_, JoinRequest>(&waiting).fetch_all(pool).await)?;
        requests.extend(
            read!(self, pool => sqlx::query_as::<_, JoinRequest>(&decided).fetch_all(pool).await)?,
        );
        Ok(requests)
    }

    /// Accepts (an opérateur account of the structure, reached by the
    /// request's identity, with no password) or refuses a pending request
    /// read at `version`; [`StoreError::Stale`] when it changed since.
    pub async fn decide_join_request(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        accept: bool,
    ) -> Result<JoinRequest> {
        let request = self.join_request(id).await?;
        let mut tx = self.begin().await?;
        let state = if accept {
            JoinRequestState::Accepted
        } else {
            JoinRequestState::Refused
        };
        let user_id = if accept {
            let new = NewUser {
                email: request.email.clone(),
                display_name: format!("{} {}", request.given_name, request.usual_name)
                    .trim()
                    .to_owned(),
                role: Role::Operator,
                organisation_id: request.structure_id,
                territory_id: None,
                password: String::new(),
            };
            // No password anyone knows (not even a hash of one): the account
            // signs in through its provider.
            let unusable = format!("!{}", crate::token::random_secret());
            let user_id = insert_account(&mut tx, actor, &new, &unusable, false).await?;
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE users SET password_login = FALSE WHERE id = $1",
            )
            .bind(user_id).execute(conn).await.map(drop))?;
            on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_used_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&request.provider).bind(&request.subject).bind(user_id).bind(&request.email)
            .bind(Moment(now()))
            .execute(conn).await.map(drop))
            .map_err(|e| StoreError::from(e).unique_as("id", "Cette identité est déjà reliée à un compte."))?;
            Some(user_id)
        } else {
            None
        };
        let decided = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE join_requests SET state = $1, decided_by = $2, decided_at = $3, user_id = $4,
                    version = version + 1
             WHERE id = $5 AND version = $6 AND state = 'en_attente'",
        )
        .bind(state.code()).bind(actor.user_id).bind(Moment(now())).bind(user_id)
        .bind(id).bind(version)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if decided == 0 {
            return Err(StoreError::Stale);
        }
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "join_request",
            Some(&id.to_string()),
            Some(state.label()),
        )
        .await?;
        tx.commit().await?;
        self.join_request(id).await
    }
}
