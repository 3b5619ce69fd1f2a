//! The weekly hours of a contrat d'engagement (« les 15 heures »), week by
//! week, for the person's page, the caseload and the API. Read as the
//! contracts are: the person's référent, their cadre and the chargé de
//! mission; the caseload's for the référent's own people.

use crate::{App, CurrentUser, Failure};
use parcours_domain::clock::monday_of;
use parcours_domain::weekly_hours::{alert, weeks, weeks_short, WeeklyHours, WEEKS_SHOWN};
use parcours_domain::Permission;
use parcours_store::deadline::CaseloadLine;
use parcours_store::weekly_hours::{Engagement, HoursFacts};
use std::collections::HashMap;
use time::{Date, Duration};
use uuid::Uuid;

/// The last `shown` weeks of `engagement` up to `today`, from its facts.
fn of_engagement(
    engagement: &Engagement,
    facts: &HoursFacts,
    today: Date,
    (shown, alert_weeks): (i64, i64),
) -> WeeklyHours {
    let first = engagement
        .starts_on
        .max(monday_of(today) - Duration::weeks(shown - 1));
    let weeks = weeks(
        first,
        today,
        &facts.sessions,
        &facts.meetings,
        &facts.participations,
        engagement.other_weekly_hours.unwrap_or(0) * 60,
    );
    let hours = engagement.weekly_hours.unwrap_or(0);
    WeeklyHours {
        person_id: engagement.person_id,
        contract_id: engagement.contract_id,
        contract_hours: hours,
        weeks_short: weeks_short(&weeks, hours, today),
        alert: alert(&weeks, hours, today, alert_weeks),
        weeks,
    }
}

/// The last `shown` weeks of each of `people` who has a contrat
/// d'engagement in force (none: only as many as the alert looks back on).
async fn of_people(
    app: &App,
    people: &[Uuid],
    shown: Option<i64>,
) -> Result<Vec<WeeklyHours>, Failure> {
    let today = crate::clock::today();
    let engagements = app.store.engagements_in_force(people, today).await?;
    if engagements.is_empty() {
        return Ok(Vec::new());
    }
    let alert_weeks = app.store.deadline_settings().await?.hours_alert_weeks;
    // The current week and the completed ones the alert looks back on.
    let shown = shown.unwrap_or(alert_weeks + 1);
    let under: Vec<Uuid> = engagements.iter().map(|e| e.person_id).collect();
    let from = engagements
        .iter()
        .map(|e| e.starts_on)
        .min()
        .unwrap_or(today)
        .max(monday_of(today) - Duration::weeks(shown - 1));
    let facts = app
        .store
        .hours_facts(&under, from, today + Duration::days(7))
        .await?;
    let none = HoursFacts::default();
    Ok(engagements
        .iter()
        .map(|e| {
            of_engagement(
                e,
                facts.get(&e.person_id).unwrap_or(&none),
                today,
                (shown, alert_weeks),
            )
        })
        .collect())
}

/// The person's weeks, for their page (the contracts already read as visible).
pub(crate) async fn of_person_page(
    app: &App,
    person_id: Uuid,
) -> Result<Option<WeeklyHours>, Failure> {
    Ok(of_people(app, &[person_id], Some(WEEKS_SHOWN))
        .await?
        .into_iter()
        .next())
}

/// The person's weeks under their contrat d'engagement in force (none
/// without one), read as their contracts are.
pub async fn weekly_hours(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Option<WeeklyHours>, Failure> {
    // Read as the contracts are: the same people, audited.
    crate::person::read_person(app, me, person_id, "heures hebdomadaires du contrat").await?;
    of_person_page(app, person_id).await
}

/// The weeks of the référent's caseload as [`crate::deadline::caseload`]
/// read it, by person (those with a contrat d'engagement in force only).
pub async fn of_caseload(
    app: &App,
    me: &CurrentUser,
    caseload: &[CaseloadLine],
) -> Result<HashMap<Uuid, WeeklyHours>, Failure> {
    me.require(Permission::ViewCaseload)?;
    let people: Vec<Uuid> = caseload.iter().map(|l| l.person.id).collect();
    Ok(of_people(app, &people, None)
        .await?
        .into_iter()
        .map(|w| (w.person_id, w))
        .collect())
}
