//! The use cases of parcours: for each capability, who may do it (the
//! domain's access rules), the validation with French messages per field,
//! the store calls and the audit. Pages, the JSON API and the command line
//! are thin adapters over these functions; nothing here knows HTTP, forms,
//! HTML or JSON. One module per capability, named as in the domain and the
//! store.

pub mod account;
pub mod audit;
mod current_user;
pub mod deadline;
mod failure;
pub mod orientation;
pub mod person;

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
}
