//! A partner structure's dashboard: its actions' places and occupation,
//! waiting lists, positionings to answer and participants, with the
//! sessions and appointments of the next two weeks. An opérateur sees their
//! own structure's; the chargé de mission any structure's.

use crate::clock::today;
use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::{Permission, Role};
use parcours_store::structure_dashboard::StructureDashboard;
use uuid::Uuid;

/// Whether `me` may open the dashboard of `structure_id` (the same rule as
/// [`dashboard`], for links).
pub fn may_view_dashboard(me: &CurrentUser, structure_id: Uuid) -> bool {
    me.role().can(Permission::ViewStructureDashboard)
        && (me.role() == Role::ProgrammeOfficer || me.user.organisation_id == structure_id)
}

/// Where `/tableau-de-bord` leads: an opérateur's own structure, or `None`
/// for the chargé de mission, who picks a structure in the list.
pub fn own_structure(me: &CurrentUser) -> Result<Option<Uuid>, Failure> {
    me.require(Permission::ViewStructureDashboard)?;
    Ok((me.role() != Role::ProgrammeOfficer).then_some(me.user.organisation_id))
}

/// The dashboard, when `me` may see it. The names of the participants with
/// an appointment shown are a read by the structure: audited like the inbox.
pub async fn dashboard(
    app: &App,
    me: &CurrentUser,
    structure_id: Uuid,
) -> Result<StructureDashboard, Failure> {
    me.require(Permission::ViewStructureDashboard)?;
    if !may_view_dashboard(me, structure_id) {
        return Err(Failure::Forbidden);
    }
    let dashboard = app.store.structure_dashboard(structure_id, today()).await?;
    let mut events: Vec<(String, String)> = Vec::new();
    for s in &dashboard.sessions {
        if let Some(person) = s.person_id {
            let event = (
                person.to_string(),
                format!(
                    "identité vue par la structure (rendez-vous : {})",
                    s.action_name
                ),
            );
            if !events.contains(&event) {
                events.push(event);
            }
        }
    }
    if !events.is_empty() {
        app.store
            .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &events)
            .await?;
    }
    Ok(dashboard)
}
