//! The use cases of parcours: for each capability, who may do it (the
//! domain's access rules), the validation with French messages per field,
//! the store calls and the audit. Pages, the JSON API and the command line
//! are thin adapters over these functions; nothing here knows HTTP, forms,
//! HTML or JSON. One module per capability, named as in the domain and the
//! store.

mod caller;
mod current_user;
mod failure;

pub mod account;
pub mod appointment;
pub mod attendance;
pub mod audit;
pub mod catalogue;
pub mod contract;
pub mod data_inclusion;
pub mod deadline;
pub mod diagnostic;
pub mod follow_up;
pub mod fse;
pub mod fse_report;
pub mod import;
pub mod meeting;
pub mod notification;
pub mod oarsa;
pub mod oidc;
pub mod orientation;
pub mod outbox;
pub mod person;
pub mod rectification;
pub mod referral;
pub mod retention;
pub mod self_referral;
pub mod spreadsheet;
pub mod steering;
pub mod structure_dashboard;
pub mod subject_access;
pub mod waiting_list;
pub mod weekly_hours;

pub use caller::{Caller, CommandLine};
pub use current_user::CurrentUser;
pub use failure::Failure;
pub use parcours_domain::clock;

use parcours_store::Store;

/// What the use cases run against: the store and the département's settings.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Config,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The département's name, printed on contracts.
    pub department_name: String,
    /// The producer id of the data·inclusion export (`source`, and the ids' prefix).
    pub data_inclusion_source: String,
    /// Where received files wait for their import (owner-only).
    pub upload_dir: std::path::PathBuf,
    /// How long inactive files and audit events are kept (`parcours purge`).
    pub retention: parcours_domain::retention::RetentionPolicy,
    /// Convocations and reminders by e-mail and SMS.
    pub outbox: outbox::OutboxSettings,
    /// The identity providers one may sign in through (none: passwords only).
    pub oidc: oidc::OidcSettings,
}
