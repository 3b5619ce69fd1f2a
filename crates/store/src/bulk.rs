//! Multi-row INSERTs for bulk loading (the scale dataset, imports): thousands
//! of rows per statement instead of one round trip per row, which is what
//! makes loading 100 000 files take seconds rather than an hour on PostgreSQL.

use crate::{Result, Tx};

pub use crate::sql::Param as Value;

/// Rows waiting to be inserted into one table, written in statements of as
/// many rows as the backends' parameter limits allow.
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

/// SQLite accepts 32 766 parameters per statement, PostgreSQL 65 535.
const MAX_PARAMS: usize = 32_000;
/// SQLite gains nothing from longer statements (no round trips), and each
/// statement it keeps prepared holds a program as long as the statement.
const SQLITE_MAX_PARAMS: usize = 4_000;

impl Rows {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows {
            table,
            columns,
            rows: Vec::new(),
        }
    }

    /// Queues one row: its values in the order of the columns.
    pub fn push(&mut self, row: Vec<Value>) {
        assert_eq!(
            row.len(),
            self.columns.len(),
            "one value per column of {}",
            self.table
        );
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Inserts the queued rows inside the caller's transaction and empties the queue.
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
        let max_params = if matches!(tx, Tx::Postgres(_)) {
            MAX_PARAMS
        } else {
            SQLITE_MAX_PARAMS
        };
        let per_statement = (max_params / self.columns.len()).clamp(1, 2_000);
        let mut rows = std::mem::take(&mut self.rows).into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
            // Full chunks repeat: prepared once and kept. The last, shorter
            // one is seldom seen again: not kept (it would crowd the cache).
            let reused = chunk.len() == per_statement;
            let sql = self.statement(tx, chunk.into_iter());
            on_tx!(&mut *tx, conn => bind_all!(sqlx::query(&sql.text).persistent(reused), sql)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()))?;
        }
        Ok(())
    }

    fn statement(&self, tx: &Tx, chunk: impl Iterator<Item = Vec<Value>>) -> crate::sql::Sql {
        let mut sql = crate::sql::Sql::new(&format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        ));
        let mut n = 0;
        for (i, row) in chunk.enumerate() {
            sql.text.push_str(if i == 0 { "(" } else { ", (" });
            for (j, value) in row.into_iter().enumerate() {
                n += 1;
                if j > 0 {
                    sql.text.push_str(", ");
                }
                sql.text.push_str(&tx.placeholder(n));
                sql.params.push(value);
            }
            sql.text.push(')');
        }
        sql
    }
}
