//! The waiting lists as the cadre and the chargé de mission see them: the
//! people of their scope waiting for a place (every list for the chargé de
//! mission, people without référent included), their rank on each action's
//! list, and the priority that moves them up or down (audited by the store).

use crate::person::visible_person;
use crate::{App, CurrentUser, Failure};
use parcours_domain::Permission;
use parcours_store::referral::{Referral, WaitingLine};
use uuid::Uuid;

/// The cadre ranks the lists of their scope, the chargé de mission every list.
const PERMISSION: Permission = Permission::RankWaitingLists;

/// The waiting people of `me`'s scope.
pub async fn waiting(app: &App, me: &CurrentUser) -> Result<Vec<WaitingLine>, Failure> {
    me.require(PERMISSION)?;
    Ok(app.store.waiting_in_scope(&me.scope()).await?)
}

/// The cadre or the chargé de mission moves a waiting person up or down the
/// list (their file must be in scope).
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
