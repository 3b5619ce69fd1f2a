//! tower-sessions storage in our own database (one code path, both backends).

use async_trait::async_trait;
use parcours_store::Store;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone)]
pub struct DbSessionStore(Store);

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        Self(store)
    }
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(err: parcours_store::StoreError) -> Error {
    Error::Backend(err.to_string())
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh random id; on the (astronomically rare) collision, draw again.
        loop {
            let saved = self
                .0
                .session_save(
                    &record.id.to_string(),
                    &encode(record)?,
                    record.expiry_date,
                    false,
                )
                .await
                .map_err(backend)?;
            if saved {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.0
            .session_save(
                &record.id.to_string(),
                &encode(record)?,
                record.expiry_date,
                true,
            )
            .await
            .map(drop)
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(data) = self
            .0
            .session_load(&id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        serde_json::from_str(&data)
            .map(Some)
            .map_err(|e| Error::Decode(e.to_string()))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.0
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}
