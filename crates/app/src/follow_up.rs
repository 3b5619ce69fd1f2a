//! The follow-up log of a person. Read as the diagnostic is (the person's
//! référent, their cadre, the chargé de mission; every read audited), the
//! sensitive entries only by who reads the diagnostic's health content (the
//! référent and the cadre); written by who edits the pathway (the person's
//! référent and the cadre, on an open file). Opérateurs never see it.

use crate::clock::today;
use crate::person::{pathway_access, visible_person, PathwayAccess};
use crate::{App, CurrentUser, Failure};
use parcours_domain::follow_up::{LogEntryData, LogEntryInput};
use parcours_domain::{Invalid, Permission};
use parcours_store::follow_up::LogEntry;
use uuid::Uuid;

/// The person's log as the caller may read it, newest first; the read is audited.
pub async fn log_entries(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Vec<LogEntry>, Failure> {
    let (_, access) =
        crate::diagnostic::read_as_diagnostic(app, me, person_id, "journal de suivi").await?;
    readable_log(app, &access, person_id).await
}

/// The entries `access` may read (none without the diagnostic), for a page
/// whose read is already audited.
pub(crate) async fn readable_log(
    app: &App,
    access: &PathwayAccess,
    person_id: Uuid,
) -> Result<Vec<LogEntry>, Failure> {
    if !access.read_diagnostic {
        return Ok(Vec::new());
    }
    Ok(app.store.log_entries(person_id, access.sensitive).await?)
}

/// Adds an entry to the person's log.
pub async fn add_log_entry(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &LogEntryInput,
) -> Result<LogEntry, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditContract).await?;
    let access = pathway_access(app, me, &person).await?;
    // Only who would write is told the file is closed.
    if person.closed_on.is_some() && access.sensitive {
        return Err(Invalid::field(
            "text",
            "Ce dossier est clos : son journal de suivi ne reçoit plus d'entrée.",
        )
        .into());
    }
    if !access.edit {
        return Err(Failure::Forbidden);
    }
    let data = LogEntryData::parse(input, today())?;
    Ok(app
        .store
        .add_log_entry(&me.actor(), person_id, &data)
        .await?)
}
