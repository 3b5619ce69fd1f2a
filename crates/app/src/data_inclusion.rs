//! The catalogue exchanged in the data·inclusion v1 format: the published
//! structures and services for anyone signed in, and their import by the
//! chargé de mission (upsert by id, each rejected row reported).

use crate::clock::today;
use crate::{App, Caller, Failure};
use parcours_domain::Permission;
use parcours_store::data_inclusion::{self, DiService, DiStructure, ImportReport};

/// The published catalogue's structures and current services.
pub async fn export(
    app: &App,
    _me: &impl Caller,
) -> Result<(Vec<DiStructure>, Vec<DiService>), Failure> {
    Ok(data_inclusion::export(&app.store, &app.config.data_inclusion_source, today()).await?)
}

/// Imports `structures.json` and `services.json` (their content); anything
/// but two arrays is refused whole.
pub async fn import(
    app: &App,
    me: &impl Caller,
    structures: &str,
    services: &str,
) -> Result<ImportReport, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(data_inclusion::import(&app.store, &me.actor(), structures, services, today()).await?)
}
