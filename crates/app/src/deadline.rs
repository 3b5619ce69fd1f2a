//! The clocks of the pathway: a référent's caseload, the late and due-soon
//! lists and their counts, and the département's delays.

use crate::{App, CurrentUser, Failure};
use parcours_domain::clock::today;
use parcours_domain::deadline::{ClockKind, DeadlineSettings};
use parcours_domain::person::fold;
use parcours_domain::worklist::{sorted, ListFilter, ListLine};
use parcours_domain::Permission;
use parcours_store::deadline::{CaseloadLine, ClockCount, DueClock, DueFilter};
use time::Duration;

/// The most urgent clocks listed at once; counts are exact.
pub const DUE_LIST_LIMIT: i64 = 200;

/// How a list is read, as its audit says: on screen (a page, the API) or
/// downloaded as a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Shown,
    Downloaded,
}

impl Delivery {
    fn audited(self, what: &str) -> String {
        match self {
            Delivery::Shown => what.to_owned(),
            Delivery::Downloaded => format!("{what} (téléchargement)"),
        }
    }
}

/// "Mon portefeuille": the people the caller follows as référent unique,
/// filtered and sorted as asked.
pub async fn caseload(
    app: &App,
    me: &CurrentUser,
    filter: &ListFilter,
    delivery: Delivery,
) -> Result<Vec<CaseloadLine>, Failure> {
    me.require(Permission::ViewCaseload)?;
    let today = today();
    // A caseload is read whole (a hundred people or so), then filtered here.
    let people: Vec<CaseloadLine> = app
        .store
        .caseload(me.user.id)
        .await?
        .into_iter()
        .filter(|p| filter.keeps(&p.facts(), today))
        .collect();
    let people = sorted(people, filter.sort, today);
    let ids = people.iter().map(|p| p.person.id);
    let what = delivery.audited("ligne du portefeuille");
    crate::audit::people_listed(app, me, ids, &what).await?;
    Ok(people)
}

async fn due_filter(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
    filter: &ListFilter,
    limit: i64,
) -> Result<DueFilter, Failure> {
    me.require(Permission::ViewDeadlines)?;
    let settings = app.store.deadline_settings().await?;
    Ok(DueFilter {
        referent_id: mine_only.then_some(me.user.id),
        due_by: today() + Duration::days(settings.due_soon_days),
        due_before: filter.late_only.then(today),
        stage: filter.stage,
        clock: filter.clock,
        limit,
    })
}

/// Late and due-soon clocks, counted: (late, soon).
pub async fn due_counts(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
) -> Result<(i64, i64), Failure> {
    let filter = due_filter(app, me, mine_only, &ListFilter::default(), 0).await?;
    Ok(app
        .store
        .count_due_clocks(&me.scope(), &filter, today())
        .await?)
}

/// Clocks late and due soon under one name (a référent, an organisation).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub name: String,
    pub late: i64,
    pub soon: i64,
}

/// The clocks a list's filters select, all of them counted: counts, no
/// person named.
pub struct DueCounts {
    pub late: i64,
    pub soon: i64,
    /// Late clocks by kind, largest first.
    pub late_by_kind: Vec<(ClockKind, i64)>,
    /// In French order, « Sans référent » last.
    pub by_referent: Vec<Tally>,
    /// In French order, « Sans organisation » last.
    pub by_organisation: Vec<Tally>,
}

impl DueCounts {
    /// Late clocks by référent, largest first (« Sans référent » last).
    pub fn late_by_referent(&self) -> Vec<(String, i64)> {
        let mut late: Vec<&Tally> = self.by_referent.iter().filter(|t| t.late > 0).collect();
        late.sort_by_key(|t| (t.name == NO_REFERENT, std::cmp::Reverse(t.late)));
        late.into_iter().map(|t| (t.name.clone(), t.late)).collect()
    }
}

const NO_REFERENT: &str = "Sans référent";
const NO_ORGANISATION: &str = "Sans organisation";

pub async fn counts(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
    filter: &ListFilter,
) -> Result<DueCounts, Failure> {
    let due = due_filter(app, me, mine_only, filter, 0).await?;
    let rows = app.store.count_clocks(&me.scope(), &due, today()).await?;
    let mut late_by_kind: Vec<(ClockKind, i64)> = Vec::new();
    for row in rows.iter().filter(|r| r.late == 1) {
        match late_by_kind.iter_mut().find(|(k, _)| *k == row.kind) {
            Some((_, n)) => *n += row.n,
            None => late_by_kind.push((row.kind, row.n)),
        }
    }
    late_by_kind.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let late = rows.iter().filter(|r| r.late == 1).map(|r| r.n).sum();
    Ok(DueCounts {
        late,
        soon: rows.iter().map(|r| r.n).sum::<i64>() - late,
        late_by_kind,
        by_referent: tallies(&rows, |r| r.referent_name.as_deref(), NO_REFERENT),
        by_organisation: tallies(&rows, |r| r.organisation_name.as_deref(), NO_ORGANISATION),
    })
}

/// The counts summed by `name` (none: `none`), in French order, `none` last.
fn tallies(
    rows: &[ClockCount],
    name: impl Fn(&ClockCount) -> Option<&str>,
    none: &str,
) -> Vec<Tally> {
    let mut tallies: Vec<(Option<&str>, Tally)> = Vec::new();
    for row in rows {
        let key = name(row);
        let i = match tallies.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let tally = Tally {
                    name: key.unwrap_or(none).to_owned(),
                    late: 0,
                    soon: 0,
                };
                tallies.push((key, tally));
                tallies.len() - 1
            }
        };
        let tally = &mut tallies[i].1;
        if row.late == 1 {
            tally.late += row.n;
        } else {
            tally.soon += row.n;
        }
    }
    tallies.sort_by_cached_key(|(key, _)| (key.is_none(), key.map(fold)));
    tallies.into_iter().map(|(_, tally)| tally).collect()
}

/// Late and due-soon clocks, filtered and sorted as asked (the most urgent
/// [`DUE_LIST_LIMIT`] of them): a référent's caseload (`mine_only`) or
/// everything in scope.
pub async fn due(
    app: &App,
    me: &CurrentUser,
    mine_only: bool,
    filter: &ListFilter,
    delivery: Delivery,
) -> Result<Vec<DueClock>, Failure> {
    let due = due_filter(app, me, mine_only, filter, DUE_LIST_LIMIT).await?;
    let clocks = app.store.due_clocks(&me.scope(), &due).await?;
    let clocks = sorted(clocks, filter.sort, today());
    let ids = clocks.iter().map(|c| c.person_id);
    let what = delivery.audited("ligne de la liste des échéances");
    crate::audit::people_listed(app, me, ids, &what).await?;
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
