//! API bearer tokens: shown once at creation, stored as a SHA-256 hash,
//! revocable.

use crate::account::Account;
use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::audit::{entity, AuditAction};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Prefix that makes a leaked token easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "prc_";

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// After this instant the token no longer opens the API.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// 256 random bits, hex-encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Creates a token for `user_id`, valid until `expires_at`; returns it
    /// with its secret, shown only now.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: Uuid,
        name: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(ApiToken, String)> {
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let mut tx = self.begin().await?;
        let token = on_tx!(&mut tx, conn => sqlx::query_as::<_, ApiToken>(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(Uuid::now_v7())
        .bind(user_id)
        .bind(name)
        .bind(hash_token(&secret))
        .bind(Moment(now()))
        .bind(Moment(expires_at))
        .fetch_one(conn)
        .await)
        .map_err(|e| StoreError::from(e).foreign_key_as("user_id", "Ce compte n'existe pas."))?;
        let detail = format!(
            "jeton « {name} » pour {user_id}, valable jusqu'au {}",
            parcours_domain::clock::fr_date(parcours_domain::clock::date_in_paris(expires_at))
        );
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            entity::API_TOKEN,
            Some(&token.id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    pub async fn api_tokens(&self, user_id: Uuid) -> Result<Vec<ApiToken>> {
        Ok(read!(self, pool => sqlx::query_as::<_, ApiToken>(
            "SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn revoke_api_token(&self, actor: &Actor, id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        let updated = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(Moment(now()))
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
            AuditAction::Delete,
            entity::API_TOKEN,
            Some(&id.to_string()),
            Some("révocation"),
        )
        .await?;
        tx.commit().await
    }

    /// The active user behind a bearer token, if the token is valid.
    pub async fn account_for_token(&self, secret: &str) -> Result<Option<Account>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let token = read!(self, pool => sqlx::query_as::<_, ApiToken>(
            "SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(hash_token(secret))
        .bind(Moment(now()))
        .fetch_optional(pool)
        .await)?;
        let Some(token) = token else { return Ok(None) };
        let user = self.account(token.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        // Recording every use would be a write per request; a few minutes' precision is enough.
        let stale = token
            .last_used_at
            .is_none_or(|at| now() - at > Duration::minutes(5));
        if stale {
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, conn => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(Moment(now()))
                .bind(token.id)
                .execute(conn)
                .await
        .map(|done| done.rows_affected()))?;
            tx.commit().await?;
        }
        Ok(Some(user))
    }
}

impl Store {
    pub async fn api_token(&self, id: Uuid) -> Result<ApiToken> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, ApiToken>("SELECT * FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await)?,
        )
    }
}
