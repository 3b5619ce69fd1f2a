//! The clocks of the pathway: a référent's caseload, the late and due-soon
//! lists and their counts, and the département's delays.

use crate::{App, CurrentUser, Failure};
use parcours_domain::clock::today;
use parcours_domain::deadline::{ClockKind, DeadlineSettings};
use parcours_domain::Permission;
use parcours_store::deadline::{DueClock, DueFilter};
use parcours_store::person::PersonSummary;
use time::Duration;

/// The most urgent clocks listed at once; counts are exact.
pub const DUE_LIST_LIMIT: i64 = 200;

/// "Mon portefeuille": the people the caller follows as référent unique.
pub async fn caseload(app: &App, me: &CurrentUser) -> Result<Vec<PersonSummary>, Failure> {
    me.require(Permission::ViewCaseload)?;
    let people = app.store.caseload(me.user.id).await?;
    let ids = people.iter().map(|p| p.id);
    crate::audit::people_listed(app, me, ids, "ligne du portefeuille").await?;
    Ok(people)
}

async fn due_filter(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
    limit: i64,
) -> Result<DueFilter, Failure> {
    me.require(Permission::ViewDeadlines)?;
    let settings = app.store.deadline_settings().await?;
    Ok(DueFilter {
        referent_id: mine_only.then_some(me.user.id),
        due_by: today() + Duration::days(settings.due_soon_days),
        limit,
    })
}

/// Late and due-soon clocks, counted: (late, soon).
pub async fn due_counts(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
) -> Result<(i64, i64), Failure> {
    let filter = due_filter(app, me, mine_only, 0).await?;
    Ok(app
        .store
        .count_due_clocks(&me.scope(), &filter, today())
        .await?)
}

/// The late clocks, counted by kind and by référent (« Sans référent »
/// last), each largest first: counts, no person named.
pub struct LateCounts {
    pub by_kind: Vec<(ClockKind, i64)>,
    pub by_referent: Vec<(String, i64)>,
}

pub async fn late_counts(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
) -> Result<LateCounts, Failure> {
    let filter = due_filter(app, me, mine_only, 0).await?;
    let rows = app
        .store
        .count_late_clocks(&me.scope(), &filter, today())
        .await?;
    let mut by_kind: Vec<(ClockKind, i64)> = Vec::new();
    let mut by_referent: Vec<(Option<String>, i64)> = Vec::new();
    for row in rows {
        match by_kind.iter_mut().find(|(k, _)| *k == row.kind) {
            Some((_, n)) => *n += row.n,
            None => by_kind.push((row.kind, row.n)),
        }
        match by_referent
            .iter_mut()
            .find(|(r, _)| *r == row.referent_name)
        {
            Some((_, n)) => *n += row.n,
            None => by_referent.push((row.referent_name, row.n)),
        }
    }
    by_kind.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    by_referent.sort_by_key(|(r, n)| (r.is_none(), std::cmp::Reverse(*n)));
    Ok(LateCounts {
        by_kind,
        by_referent: by_referent
            .into_iter()
            .map(|(r, n)| (r.unwrap_or_else(|| "Sans référent".to_owned()), n))
            .collect(),
    })
}

/// Late and due-soon clocks, most urgent first: a référent's caseload
/// (`mine_only`) or everything in scope.
pub async fn due(app: &App, me: &CurrentUser, mine_only: bool) -> Result<Vec<DueClock>, Failure> {
    let filter = due_filter(app, me, mine_only, DUE_LIST_LIMIT).await?;
    let clocks = app.store.due_clocks(&me.scope(), &filter).await?;
    let ids = clocks.iter().map(|c| c.person_id);
    crate::audit::people_listed(app, me, ids, "ligne de la liste des échéances").await?;
    Ok(clocks)
}

/// The delays in force, for anyone who works on files (or sets them).
pub async fn settings(app: &App, me: &CurrentUser) -> Result<DeadlineSettings, Failure> {
    me.require(Permission::ViewPersons)
        .or_else(|_| me.require(Permission::ManageSettings))?;
    Ok(app.store.deadline_settings().await?)
}

/// The delays, to be changed (administrateur).
pub async fn settings_to_change(app: &App, me: &CurrentUser) -> Result<DeadlineSettings, Failure> {
    me.require(Permission::ManageSettings)?;
    Ok(app.store.deadline_settings().await?)
}

/// Saves the delays (validated by the domain); every clock is recomputed.
pub async fn save_settings(
    app: &App,
    me: &CurrentUser,
    settings: &DeadlineSettings,
) -> Result<(), Failure> {
    me.require(Permission::ManageSettings)?;
    settings.validate()?;
    Ok(app
        .store
        .set_deadline_settings(&me.actor(), settings)
        .await?)
}
