//! The diagnostic of a person: every revision kept, a new revision at a
//! time, what changed between two. Read by the person's référent, their
//! cadre and the chargé de mission; health content only by the référent and
//! the cadre; every read audited.

use crate::clock::today;
use crate::person::{pathway_access, visible_person, PathwayAccess};
use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::Permission;
use parcours_store::diagnostic::DiagnosticRevision;
use parcours_store::person::Person;
use uuid::Uuid;

/// A person's diagnostic as the caller may read it.
pub struct Diagnostic {
    pub person: Person,
    pub access: PathwayAccess,
    /// Newest first; without health content unless `access.sensitive`.
    pub revisions: Vec<DiagnosticRevision>,
    /// What the person declared when applying, where the diagnostic starts.
    pub declared: Option<DeclaredSituation>,
}

/// Opens the diagnostic for reading: checked, and the read audited as `what`.
pub async fn open(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    what: &str,
) -> Result<Diagnostic, Failure> {
    let (person, access) = read_as_diagnostic(app, me, person_id, what).await?;
    let mut revisions = app.store.diagnostic_revisions(person_id).await?;
    if !access.sensitive {
        for revision in &mut revisions {
            revision.data = revision.data.redacted();
        }
    }
    let declared = declared_as_readable(app, &access, person_id).await?;
    Ok(Diagnostic {
        person,
        access,
        revisions,
        declared,
    })
}

/// What the person declared when applying for the RSA (the flux
/// instruction), read as the diagnostic is: the same people, the health
/// part for those who may read it, the read audited as `what`.
pub async fn declared_situation(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    what: &str,
) -> Result<Option<DeclaredSituation>, Failure> {
    let (_, access) = read_as_diagnostic(app, me, person_id, what).await?;
    declared_as_readable(app, &access, person_id).await
}

/// The person and what `me` may do of their pathway, when `me` may read
/// their diagnostic; the read is audited as `what`.
pub(crate) async fn read_as_diagnostic(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    what: &str,
) -> Result<(Person, PathwayAccess), Failure> {
    let person = visible_person(app, me, person_id, Permission::ViewDiagnostic).await?;
    let access = pathway_access(app, me, &person).await?;
    if !access.read_diagnostic {
        return Err(Failure::Forbidden);
    }
    app.store
        .audit(
            &me.actor(),
            AuditAction::Read,
            entity::PERSON,
            Some(&person_id.to_string()),
            Some(what),
        )
        .await?;
    Ok((person, access))
}

/// The declaration as `access` may read it (None unless the diagnostic may
/// be read).
pub(crate) async fn declared_as_readable(
    app: &App,
    access: &PathwayAccess,
    person_id: Uuid,
) -> Result<Option<DeclaredSituation>, Failure> {
    if !access.read_diagnostic {
        return Ok(None);
    }
    let declared = app.store.declared_situation(person_id).await?;
    Ok(match access.sensitive {
        true => declared,
        false => declared.map(|d| d.redacted()),
    })
}

/// Saves a new revision over `expected_version` (stale if another came
/// meanwhile), read from the form's pairs (`DiagnosticData::from_pairs`)
/// and dated `revised_on` (today when empty; earlier to catch up a paper
/// file, never in the future nor before the previous revision); returns the
/// new version. Only who may read health content writes, since a revision
/// replaces all of it.
pub async fn save(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    expected_version: i64,
    pairs: &[(String, String)],
    revised_on: &str,
) -> Result<i64, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditDiagnostic).await?;
    let access = pathway_access(app, me, &person).await?;
    if !(access.edit && access.sensitive) {
        return Err(Failure::Forbidden);
    }
    let (data, revised_on) = DiagnosticData::parse_revision(pairs, revised_on, today())?;
    Ok(app
        .store
        .save_diagnostic(&me.actor(), person_id, expected_version, &data, revised_on)
        .await?)
}

/// What changed between two revisions, in French sentences (read audited).
pub async fn changes(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<String>, Failure> {
    let diagnostic = open(app, me, person_id, "diagnostic, comparaison de révisions").await?;
    let find = |v: i64| {
        diagnostic
            .revisions
            .iter()
            .find(|r| r.version == v)
            .ok_or(Failure::NotFound)
    };
    Ok(find(to)?.data.changes_since(&find(from)?.data))
}
