//! Individual appointments: for an individual action, the structure (or
//! the chargé de mission) fixes appointments with one participant; each
//! is a session with its own one-line attendance sheet.
//!
//! Who may fix them is the catalogue's rule on the participant's action
//! ([`crate::catalogue::practical_action`]).

use crate::{App, CurrentUser, Failure};
use parcours_domain::appointment::{AppointmentData, AppointmentInput};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::Permission;
use parcours_store::appointment::{Appointment, AppointmentParticipant};
use uuid::Uuid;

/// The participant behind a positioning, whose appointments `me` fixes.
pub async fn participant(
    app: &App,
    me: &CurrentUser,
    referral_id: Uuid,
) -> Result<AppointmentParticipant, Failure> {
    me.require(Permission::EditActionPractical)?;
    let who = app.store.appointment_participant(referral_id).await?;
    crate::catalogue::practical_action(app, me, who.action_id).await?;
    Ok(who)
}

/// A participant's appointments, oldest first, cancelled ones included;
/// showing who they are is a read by the structure, audited like the inbox.
pub async fn list(
    app: &App,
    me: &CurrentUser,
    referral_id: Uuid,
) -> Result<(AppointmentParticipant, Vec<Appointment>), Failure> {
    let who = participant(app, me, referral_id).await?;
    let detail = format!(
        "identité vue par la structure (rendez-vous : {})",
        who.action_name
    );
    app.store
        .audit_many(
            &me.actor(),
            AuditAction::Read,
            entity::PERSON,
            &[(who.person_id.to_string(), detail)],
        )
        .await?;
    let appointments = app.store.appointments_of(referral_id).await?;
    Ok((who, appointments))
}

/// Fixes an appointment with the participant.
pub async fn fix(
    app: &App,
    me: &CurrentUser,
    referral_id: Uuid,
    input: &AppointmentInput,
) -> Result<Appointment, Failure> {
    let who = participant(app, me, referral_id).await?;
    let data = AppointmentData::parse(input)?;
    Ok(app
        .store
        .create_appointment(&me.actor(), who.action_id, who.referral_id, &data)
        .await?)
}

/// One appointment, to cancel or restore it (the sessions' own rule, on its action).
pub async fn appointment(app: &App, me: &CurrentUser, id: Uuid) -> Result<Appointment, Failure> {
    me.require(Permission::EditActionPractical)?;
    Ok(app.store.appointment(id).await?)
}
