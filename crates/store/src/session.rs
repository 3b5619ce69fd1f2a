//! Raw storage of web sessions (the web layer owns their format).

use crate::{now, Moment, Result, Store};
use time::OffsetDateTime;

impl Store {
    pub async fn session_load(&self, id: &str) -> Result<Option<String>> {
        let key = id.to_owned();
        if let Some((data, expires_at)) = self.cache.sessions.get(&key) {
            return Ok((expires_at > now()).then_some(data));
        }
        let row: Option<(String, OffsetDateTime)> = read!(self, pool => sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(Moment(now()))
        .fetch_optional(pool)
        .await)?;
        if let Some((data, expires_at)) = &row {
            self.cache.sessions.put(key, (data.clone(), *expires_at));
        }
        Ok(row.map(|(data, _)| data))
    }

    /// Inserts the session, or replaces it when `replace` is true. Returns
    /// false when `replace` is false and the id is already taken.
    pub async fn session_save(
        &self,
        id: &str,
        data: &str,
        expires_at: OffsetDateTime,
        replace: bool,
    ) -> Result<bool> {
        let sql = if replace {
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at"
        } else {
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING"
        };
        let mut tx = self.begin().await?;
        let done = on_tx!(&mut tx, conn => sqlx::query(sql)
            .bind(id)
            .bind(data)
            .bind(Moment(expires_at))
            .execute(conn)
            .await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        if done == 1 {
            self.cache
                .sessions
                .put(id.to_owned(), (data.to_owned(), expires_at));
        }
        Ok(done == 1)
    }

    pub async fn session_delete(&self, id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(conn).await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        self.cache.sessions.forget(&id.to_owned());
        Ok(())
    }

    pub async fn session_delete_expired(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = on_tx!(&mut tx, conn => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(Moment(now()))
            .execute(conn)
            .await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(done)
    }
}
