//! Multi-row statements for bulk loading (the scale dataset, imports):
//! thousands of rows per statement instead of one round trip per row, which
//! is what makes loading 100 000 files take seconds rather than an hour on
//! PostgreSQL. INSERTs ([`Rows`]), UPDATEs ([`Updates`]) and lookups by key
//! ([`fetch_by_keys`]).

use crate::sql::Sql;
use crate::{Backend, Result, Store, Tx};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub(crate) use crate::sql::Param as Value;

/// Rows waiting to be inserted into one table, written in statements of up
/// to [`MAX_ROWS`] rows: within SQLite's limit on parameters there, as one
/// array per column on PostgreSQL ([`Column`]).
pub(crate) struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

/// Rows per statement at most: a chunk's values are held twice in memory
/// while it is written.
const MAX_ROWS: usize = 2_000;
/// SQLite accepts 32 766 parameters per statement, but gains nothing from
/// longer statements (no round trips), and each statement it keeps
/// prepared holds a program as long as the statement.
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

    /// Inserts the queued rows inside the caller's transaction and empties the queue.
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
        self.insert(tx, "").await
    }

    /// Like [`Rows::write`], each statement ending with `on_conflict` (an
    /// `ON CONFLICT … DO …` clause: the same on both backends).
    pub async fn upsert(&mut self, tx: &mut Tx, on_conflict: &str) -> Result<()> {
        self.insert(tx, &format!(" {on_conflict}")).await
    }

    async fn insert(&mut self, tx: &mut Tx, suffix: &str) -> Result<()> {
        let prefix = format!("INSERT INTO {} ({}) ", self.table, self.columns.join(", "));
        self.write_chunks(tx, &prefix, suffix).await
    }

    /// Empties the queue by one statement `prefix ROWS suffix` per chunk of
    /// rows, ROWS being the chunk as a table: `VALUES (…), …` on SQLite,
    /// `SELECT * FROM UNNEST($1::uuid[], …)` on PostgreSQL (see [`Column`]).
    async fn write_chunks(&mut self, tx: &mut Tx, prefix: &str, suffix: &str) -> Result<()> {
        let per_statement = rows_per_statement(tx, self.columns.len());
        let mut rows = std::mem::take(&mut self.rows).into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
            match tx {
                Tx::Sqlite(conn) => {
                    // Full chunks repeat: prepared once and kept. The last,
                    // shorter one is seldom seen again: not kept (it would
                    // crowd the cache).
                    let reused = chunk.len() == per_statement;
                    let mut sql = Sql::new(prefix);
                    sql.text.push_str("VALUES ");
                    push_values(&|_| "?".to_owned(), &mut sql, chunk.into_iter());
                    sql.text.push_str(suffix);
                    bind_all!(sqlx::query(&sql.text).persistent(reused), sql)
                        .execute(&mut **conn)
                        .await?;
                }
                Tx::Postgres(conn) => {
                    execute_unnested(&mut **conn, prefix, chunk, suffix).await?;
                }
            }
        }
        Ok(())
    }

    /// PostgreSQL: inserts the queued rows in one statement outside any
    /// transaction (atomic alone), and empties the queue.
    pub async fn write_alone(&mut self, pool: &sqlx::PgPool) -> Result<()> {
        let prefix = format!("INSERT INTO {} ({}) ", self.table, self.columns.join(", "));
        let rows = std::mem::take(&mut self.rows);
        execute_unnested(pool, &prefix, rows, "").await
    }
}

/// Runs `prefix SELECT * FROM UNNEST(…) suffix` over the rows.
async fn execute_unnested<'c>(
    conn: impl sqlx::PgExecutor<'c>,
    prefix: &str,
    rows: Vec<Vec<Value>>,
    suffix: &str,
) -> Result<()> {
    let columns = Column::of_rows(rows);
    let sql = format!("{prefix}{}{suffix}", unnest(&columns));
    let mut query = sqlx::query(&sql);
    for column in columns {
        query = column.bind(query);
    }
    query.execute(conn).await?;
    Ok(())
}

/// One column of a chunk of rows, as the array PostgreSQL's `UNNEST` turns
/// back into rows. The statement's text is then the same whatever the
/// number of rows (prepared once per connection, where a multi-row
/// `VALUES` is parsed and planned again for each new count), and its
/// parameters are a few arrays instead of thousands of values.
#[derive(Debug)]
enum Column {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Text(Vec<Option<String>>),
    Uuid(Vec<Option<Uuid>>),
    Date(Vec<Option<Date>>),
    Time(Vec<Option<OffsetDateTime>>),
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

impl Column {
    /// The rows' columns; every value of a column is of the first row's type.
    fn of_rows(rows: Vec<Vec<Value>>) -> Vec<Column> {
        let count = rows.len();
        let mut columns: Vec<Column> = Vec::new();
        for row in rows {
            if columns.is_empty() {
                columns = row.iter().map(|value| Column::of(value, count)).collect();
            }
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        columns
    }

    fn of(value: &Value, rows: usize) -> Column {
        match value {
            Value::Bool(_) => Column::Bool(Vec::with_capacity(rows)),
            Value::Int(_) => Column::Int(Vec::with_capacity(rows)),
            Value::Text(_) | Value::MaybeText(_) => Column::Text(Vec::with_capacity(rows)),
            Value::Uuid(_) | Value::MaybeUuid(_) => Column::Uuid(Vec::with_capacity(rows)),
            Value::Date(_) | Value::MaybeDate(_) => Column::Date(Vec::with_capacity(rows)),
            Value::Time(_) | Value::MaybeTime(_) => Column::Time(Vec::with_capacity(rows)),
        }
    }

    fn push(&mut self, value: Value) {
        match (self, value) {
            (Column::Bool(c), Value::Bool(v)) => c.push(v),
            (Column::Int(c), Value::Int(v)) => c.push(v),
            (Column::Text(c), Value::Text(v)) => c.push(Some(v)),
            (Column::Text(c), Value::MaybeText(v)) => c.push(v),
            (Column::Uuid(c), Value::Uuid(v)) => c.push(Some(v)),
            (Column::Uuid(c), Value::MaybeUuid(v)) => c.push(v),
            (Column::Date(c), Value::Date(v)) => c.push(Some(v)),
            (Column::Date(c), Value::MaybeDate(v)) => c.push(v),
            (Column::Time(c), Value::Time(v)) => c.push(Some(v)),
            (Column::Time(c), Value::MaybeTime(v)) => c.push(v),
            (column, value) => panic!("{value:?} in a column of {}", column.array_type()),
        }
    }

    fn array_type(&self) -> &'static str {
        match self {
            Column::Bool(_) => "boolean[]",
            Column::Int(_) => "bigint[]",
            Column::Text(_) => "text[]",
            Column::Uuid(_) => "uuid[]",
            Column::Date(_) => "date[]",
            Column::Time(_) => "timestamptz[]",
        }
    }

    fn bind(self, query: PgQuery<'_>) -> PgQuery<'_> {
        match self {
            Column::Bool(c) => query.bind(c),
            Column::Int(c) => query.bind(c),
            Column::Text(c) => query.bind(c),
            Column::Uuid(c) => query.bind(c),
            Column::Date(c) => query.bind(c),
            // PostgreSQL only: its timestamps are binary, not text (crate::Moment).
            Column::Time(c) => query.bind(c),
        }
    }
}

/// `SELECT * FROM UNNEST($1::uuid[], $2::text[], …)`: the columns as rows.
fn unnest(columns: &[Column]) -> String {
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("${}::{}", i + 1, column.array_type()))
        .collect();
    format!("SELECT * FROM UNNEST({})", arrays.join(", "))
}

/// Rows per statement for `columns` values a row.
fn rows_per_statement(tx: &Tx, columns: usize) -> usize {
    match tx {
        Tx::Postgres(_) => MAX_ROWS,
        Tx::Sqlite(_) => (SQLITE_MAX_PARAMS / columns).clamp(1, MAX_ROWS),
    }
}

/// Appends `(…), (…)`: the rows' placeholders, numbered after those already in `sql`.
fn push_values(
    placeholder: &dyn Fn(usize) -> String,
    sql: &mut Sql,
    rows: impl Iterator<Item = Vec<Value>>,
) {
    for (i, row) in rows.enumerate() {
        sql.text.push_str(if i == 0 { "(" } else { ", (" });
        for (j, value) in row.into_iter().enumerate() {
            if j > 0 {
                sql.text.push_str(", ");
            }
            sql.params.push(value);
            sql.text.push_str(&placeholder(sql.params.len()));
        }
        sql.text.push(')');
    }
}

/// Rows of one table to update by key, written as one
/// `WITH v AS (VALUES …) UPDATE … FROM v` per few hundred rows instead of
/// one UPDATE per row.
pub(crate) struct Updates {
    /// Their columns: the key, then the columns set from the rows.
    rows: Rows,
    /// Further assignments, the same for every row (`version = t.version + 1`).
    also: &'static str,
}

impl Updates {
    pub fn new(table: &'static str, columns: &'static [&'static str], also: &'static str) -> Self {
        Updates {
            rows: Rows::new(table, columns),
            also,
        }
    }

    /// Queues one row: its key then its values, in the order of the columns.
    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// Updates the queued rows inside the caller's transaction and empties the queue.
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
        let (table, columns, also) = (self.rows.table, self.rows.columns, self.also);
        let (key, set) = columns.split_first().expect("a key column");
        let set: Vec<String> = set.iter().map(|c| format!("{c} = v.{c}")).collect();
        // The IN is redundant but for SQLite's planner (3.46), which
        // otherwise scans the whole table for each statement.
        let update = format!(
            ") UPDATE {table} SET {}{}{also} FROM v WHERE {table}.{key} = v.{key} \
             AND {table}.{key} IN (SELECT {key} FROM v)",
            set.join(", "),
            if also.is_empty() { "" } else { ", " },
        );
        let prefix = format!("WITH v ({}) AS (", columns.join(", "));
        self.rows.write_chunks(tx, &prefix, &update).await
    }
}

/// `INSERT INTO table (a, b, …) VALUES ($1, $2, …)`: one row of a table
/// whose column list the store's single-row write shares with its bulk
/// loaders (the list written once).
pub(crate) fn insert_one(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| format!("${n}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// Keys looked up per statement: within SQLite's bound on parameters.
const KEYS_PER_STATEMENT: usize = 2_000;

/// Rows found by key: `query` is run for each slice of the keys, preceded by
/// `WITH k (v) AS (VALUES (…), …)`, and reads `FROM k CROSS JOIN t WHERE
/// t.column = k.v` (an indexed column). Rather than `column IN (…)`: SQLite
/// (built with STAT4) re-plans a statement whose parameters are compared
/// with an indexed column every time they change, which for thousands of
/// keys costs as much as the lookup itself. CROSS JOIN keeps SQLite (3.46)
/// from scanning the whole table for a few hundred keys instead of looking
/// each one up; PostgreSQL reads it as a plain join.
pub(crate) async fn fetch_by_keys<O>(tx: &mut Tx, keys: Vec<Value>, query: &str) -> Result<Vec<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let mut found = Vec::new();
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let sql = with_keys(
            &|n| tx.placeholder(n),
            keys.by_ref().take(KEYS_PER_STATEMENT),
            query,
        );
        let rows: Vec<O> = on_tx!(&mut *tx, conn => bind_all!(sqlx::query_as::<_, O>(&sql.text).persistent(full(&sql)), sql)
            .fetch_all(conn)
            .await)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Runs `statement` (a DELETE or an UPDATE naming the keys `k.v`) for each
/// slice of the keys, like [`fetch_by_keys`].
pub(crate) async fn execute_by_keys(tx: &mut Tx, keys: Vec<Value>, statement: &str) -> Result<()> {
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let sql = with_keys(
            &|n| tx.placeholder(n),
            keys.by_ref().take(KEYS_PER_STATEMENT),
            statement,
        );
        on_tx!(&mut *tx, conn => bind_all!(sqlx::query(&sql.text).persistent(full(&sql)), sql)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// Like [`fetch_by_keys`] but on the store's read connections, outside any
/// transaction: what is committed.
pub(crate) async fn read_by_keys<O>(store: &Store, keys: Vec<Value>, query: &str) -> Result<Vec<O>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let backend = store.backend();
    // Tx::placeholder's rule, without a transaction.
    let placeholder = |n: usize| match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    };
    let mut found = Vec::new();
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let sql = with_keys(&placeholder, keys.by_ref().take(KEYS_PER_STATEMENT), query);
        let rows: Vec<O> = read!(store, pool => bind_all!(sqlx::query_as::<_, O>(&sql.text).persistent(full(&sql)), sql)
            .fetch_all(pool)
            .await)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Whether a statement of keys is a full slice: its text comes back every
/// chunk, so it is prepared once and kept; a shorter one is seldom seen
/// again and would only crowd the connection's cache of statements.
fn full(sql: &Sql) -> bool {
    sql.params.len() == KEYS_PER_STATEMENT
}

fn with_keys(
    placeholder: &dyn Fn(usize) -> String,
    keys: impl Iterator<Item = Value>,
    statement: &str,
) -> Sql {
    let mut sql = Sql::new("WITH k (v) AS (VALUES ");
    push_values(placeholder, &mut sql, keys.map(|key| vec![key]));
    sql.text.push_str(") ");
    sql.text.push_str(statement);
    sql
}

#[cfg(test)]
mod tests {
    use super::{unnest, Column, Value};

    #[test]
    fn rows_become_one_typed_array_per_column() {
        let rows = vec![
            vec![
                Value::Text("a".into()),
                Value::Int(1),
                Value::MaybeTime(None),
            ],
            vec![
                Value::MaybeText(None),
                Value::Int(2),
                Value::MaybeTime(None),
            ],
        ];
        let columns = Column::of_rows(rows);
        assert!(matches!(&columns[0], Column::Text(c) if c == &[Some("a".to_owned()), None]));
        assert!(matches!(&columns[1], Column::Int(c) if c == &[1, 2]));
        assert!(matches!(&columns[2], Column::Time(c) if c == &[None, None]));
        assert_eq!(
            unnest(&columns),
            "SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[])"
        );
    }

    #[test]
    #[should_panic(expected = "in a column of uuid[]")]
    fn a_column_holds_one_type() {
        let rows = vec![vec![Value::Uuid(uuid::Uuid::nil())], vec![Value::Int(1)]];
        Column::of_rows(rows);
    }
}
