//! Storage: one repository code path over two backends, SQLite and PostgreSQL.
//!
//! Every query is written once, with `$n` placeholders, inside [`read!`] or
//! [`on_tx!`]: the macro expands the same body for each backend's pool or
//! transaction, so the two can never drift apart. See docs/adr/0001.
//! Reads whose best plan does not depend on their values use
//! [`read_planned_once!`], which PostgreSQL plans once per connection.
//! Times are bound as [`Moment`], never as a bare `OffsetDateTime`, so that
//! SQLite's text compares as time does.

#[macro_use]
mod db;
#[macro_use]
mod sql;
pub mod account;
pub mod appointment;
pub mod attendance;
pub mod audit;
pub mod backup;
mod bulk;
mod cache;
pub mod catalogue;
pub mod catalogue_load;
pub mod contract;
pub mod data_inclusion;
pub mod deadline;
pub mod declared_situation;
pub mod diagnostic;
mod error;
pub mod fault;
pub mod follow_up;
pub mod fse;
pub mod fse_report;
pub mod import;
pub mod json;
pub mod meeting;
pub mod moment;
pub mod notification;
pub mod oarsa;
pub mod oidc;
pub mod organisation;
pub mod orientation;
pub mod outbox;
pub mod password;
pub mod pathway_load;
pub mod person;
pub mod person_load;
pub mod referral;
pub mod retention;
pub mod self_referral;
pub mod session;
pub mod steering;
pub mod structure_dashboard;
pub mod subject_access;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;
pub mod weekly_hours;

pub use audit::{Actor, AuditEvent, AuditFilter};
pub use db::{default_postgres_connections, now, Backend, Store, Tx};
pub use error::StoreError;
pub use moment::Moment;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who did something, by name and organisation, for a row that keeps the
/// account's e-mail in `column` (as the audit does): the expression and its
/// joins, `alias` naming them. An account since deleted shows the e-mail.
pub(crate) fn account_label(column: &str, alias: &str) -> (String, String) {
    (
        format!("COALESCE({alias}.display_name || ' (' || {alias}_org.name || ')', {column})"),
        format!(
            "LEFT JOIN users {alias} ON {alias}.email = {column}
             LEFT JOIN organisations {alias}_org ON {alias}_org.id = {alias}.organisation_id"
        ),
    )
}

/// Sorts rows in French order by `key`: accents and case folded, so that
/// Hérouville comes before Honfleur whatever the database's collation
/// (SQLite compares bytes). For the lists read whole (organisations,
/// territories, structures, communes).
pub(crate) fn in_french_order<T>(rows: &mut [T], key: impl Fn(&T) -> &str) {
    rows.sort_by_cached_key(|row| parcours_domain::person::fold(key(row)));
}
