//! The cadre's view of the waiting lists: the people of their scope waiting
//! for a place, their rank on each action's list, and the priority that
//! moves them up or down (audited by the store).

use crate::person::visible_person;
use crate::{App, CurrentUser, Failure};
use parcours_domain::Permission;
use parcours_store::referral::{Referral, WaitingLine};
use uuid::Uuid;

/// Setting priorities is the cadre's (the permission that validates the team's work).
const PERMISSION: Permission = Permission::ValidateOrientation;

/// The waiting people of `me`'s scope.
pub async fn waiting(app: &App, me: &CurrentUser) -> Result<Vec<WaitingLine>, Failure> {
    me.require(PERMISSION)?;
    Ok(app.store.waiting_in_scope(&me.scope()).await?)
}

/// The cadre moves a waiting person up or down the list (their file must be in scope).
pub async fn prioritise(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    priority: i64,
) -> Result<Referral, Failure> {
    me.require(PERMISSION)?;
    let referral = app.store.referral(id).await?;
    visible_person(app, me, referral.person_id, PERMISSION).await?;
    Ok(app
        .store
        .set_referral_priority(&me.actor(), id, priority)
        .await?)
}
