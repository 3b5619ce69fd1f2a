//! Steering (issue 20): the pathway's two legal delays for a period, seen
//! at a date, and the people behind each figure. The chargé de mission
//! sees the whole département, the cadre their scope; the figures are
//! counts, the lists a read of personal data (audited).

use crate::caller::Caller;
use crate::clock::today;
use crate::spreadsheet::{Sheet, Value};
use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::deadline::DeadlineSettings;
use parcours_domain::occupation::{
    participations_of, OccupationCell, OccupationFigures, OccupationLine, Participation,
};
use parcours_domain::steering::{
    DelayCase, DelayCell, DelayFigures, DelayGroups, DelayKind, DelayLimits, DelayReport,
    OfferCell, OfferFigures, OfferLine, SteeringFilter, SteeringInput, StockCell, StockFigures,
    YearMonth,
};
use parcours_domain::{Invalid, Permission};
use parcours_store::steering::SteeringPerson;

/// The delays of a period, each with its figures month by month.
pub struct Delays {
    pub filter: SteeringFilter,
    pub reports: Vec<DelayReport>,
}

/// The people one figure counts, with their delay.
pub struct DelayPeople {
    pub kind: DelayKind,
    pub cell: DelayCell,
    pub month: Option<YearMonth>,
    pub people: Vec<(SteeringPerson, DelayCase)>,
}

/// A list of people behind a figure is a read of their files: one audit
/// event each, naming the figure (« pilotage : … »).
pub(crate) async fn audit_list(
    app: &App,
    me: &impl Caller,
    people: &[SteeringPerson],
    figure: &str,
) -> Result<(), Failure> {
    audit_reads(app, me, people, &format!("pilotage : {figure}")).await
}

/// Each person of a list read, audited with the same `detail`.
pub(crate) async fn audit_reads(
    app: &App,
    me: &impl Caller,
    people: &[SteeringPerson],
    detail: &str,
) -> Result<(), Failure> {
    let events: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.id.to_string(), detail.to_owned()))
        .collect();
    app.store
        .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &events)
        .await?;
    Ok(())
}

/// What a delay is compared with, from the département's settings.
pub fn limits(kind: DelayKind, settings: &DeadlineSettings) -> DelayLimits {
    match kind {
        DelayKind::Orientation => DelayLimits {
            target_days: Some(settings.orientation_target_days),
            legal_days: settings.orientation_legal_days,
        },
        DelayKind::Contract => DelayLimits {
            target_days: None,
            legal_days: settings.contract_days,
        },
    }
}

/// Both delays' reports, month by month, from their people counted together.
fn reports(groups: &DelayGroups, settings: &DeadlineSettings) -> Vec<DelayReport> {
    DelayKind::ALL
        .iter()
        .map(|kind| DelayReport::of_groups(*kind, groups.of(*kind), limits(*kind, settings)))
        .collect()
}

/// The filter as typed, checked (a French message per field).
pub fn filter(input: &SteeringInput) -> Result<SteeringFilter, Failure> {
    SteeringFilter::parse(input, today()).map_err(Failure::Invalid)
}

/// The two delays' figures over the filter's period, within `me`'s scope.
pub async fn delays(app: &App, me: &CurrentUser, input: &SteeringInput) -> Result<Delays, Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let settings = app.store.deadline_settings().await?;
    let groups = app.store.delay_groups(&me.scope(), &filter).await?;
    let reports = reports(&groups, &settings);
    Ok(Delays { filter, reports })
}

/// The people one figure counts (of a month's cohort, or of the whole
/// period), by name; the read is audited, one event per person.
pub async fn delay_people(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
    kind: &str,
    cell: &str,
    month: &str,
) -> Result<DelayPeople, Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let mut invalid = Invalid::new();
    let kind = DelayKind::from_code(kind);
    if kind.is_none() {
        invalid.add("delai", "Délai inconnu : orientation ou contrat.");
    }
    let cell = DelayCell::from_code(cell);
    if cell.is_none() {
        invalid.add("cellule", "Chiffre inconnu.");
    }
    let month = match month.trim() {
        "" => None,
        code => YearMonth::parse(code).or_else(|| {
            invalid.add("mois", "Le mois s'écrit AAAA-MM.");
            None
        }),
    };
    let (Some(kind), Some(cell)) = (kind, cell) else {
        return Err(Failure::Invalid(invalid));
    };
    invalid.into_result(()).map_err(Failure::Invalid)?;
    let limits = limits(kind, &app.store.deadline_settings().await?);
    let cases: Vec<DelayCase> = app
        .store
        .delay_cases(&me.scope(), &filter)
        .await?
        .of(kind)
        .iter()
        .copied()
        .filter(|c| month.is_none_or(|m| YearMonth::of(c.started_on) == m))
        .filter(|c| cell.holds(c, limits))
        .collect();
    let ids: Vec<_> = cases.iter().map(|c| c.person_id).collect();
    let people = app.store.steering_people(&ids).await?;
    audit_list(
        app,
        me,
        &people,
        &format!("{} — {}", kind.label(), cell.label()),
    )
    .await?;
    let people = people
        .into_iter()
        .filter_map(|p| {
            let case = *cases.iter().find(|c| c.person_id == p.id)?;
            Some((p, case))
        })
        .collect();
    Ok(DelayPeople {
        kind,
        cell,
        month,
        people,
    })
}

/// What a filter may name, within the reader's scope: territories,
/// organisations (the cadre's own), référents (of those organisations),
/// each as (id, name) in French order.
pub struct FilterChoices {
    pub territories: Vec<(String, String)>,
    pub organisations: Vec<(String, String)>,
    pub referents: Vec<(String, String)>,
}

pub async fn filter_choices(app: &App, me: &CurrentUser) -> Result<FilterChoices, Failure> {
    me.require(Permission::ViewSteering)?;
    let scope = me.scope();
    let visible =
        |organisation: uuid::Uuid| scope.all || scope.organisation_id == Some(organisation);
    let organisations: Vec<(String, String)> = app
        .store
        .organisations()
        .await?
        .iter()
        .filter(|o| visible(o.id))
        .map(|o| (o.id.to_string(), o.name.clone()))
        .collect();
    let mut referents: Vec<(String, String)> = app
        .store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| a.role == parcours_domain::Role::Referent && !a.disabled)
        .filter(|a| visible(a.organisation_id))
        .map(|a| {
            (
                a.id.to_string(),
                format!("{} ({})", a.display_name, a.organisation_name),
            )
        })
        .collect();
    referents.sort_by_cached_key(|(_, name)| parcours_domain::person::fold(name));
    Ok(FilterChoices {
        territories: app
            .store
            .territories()
            .await?
            .into_iter()
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
        organisations,
        referents,
    })
}

/// The stock at the filter's date, within `me`'s scope.
pub async fn stock(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
) -> Result<(SteeringFilter, StockFigures), Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let counted = app.store.stock_counts(&me.scope(), &filter).await?;
    Ok((filter, StockFigures::of_counted(&counted)))
}

/// The people one figure of the stock counts, by name (audited).
pub async fn stock_people(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
    cell: &str,
) -> Result<(StockCell, Vec<SteeringPerson>), Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let cell = StockCell::from_code(cell.trim())
        .ok_or_else(|| Failure::Invalid(Invalid::field("cellule", "Chiffre inconnu.")))?;
    let ids: Vec<_> = app
        .store
        .stock_lines(&me.scope(), &filter)
        .await?
        .into_iter()
        .filter(|l| cell.holds(l))
        .map(|l| l.person_id)
        .collect();
    let people = app.store.steering_people(&ids).await?;
    audit_list(app, me, &people, &cell.label()).await?;
    Ok((cell, people))
}

/// What became of the positionings of the filter's period, within `me`'s scope.
pub async fn offer(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
) -> Result<OfferFigures, Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let groups = app.store.offer_groups(&me.scope(), &filter).await?;
    Ok(OfferFigures::of_groups(&groups))
}

/// The positionings one figure of the offer counts, with their person's
/// name (audited).
pub async fn offer_people(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
    cell: &str,
) -> Result<(OfferCell, Vec<(SteeringPerson, OfferLine)>), Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let cell = OfferCell::from_code(cell.trim())
        .ok_or_else(|| Failure::Invalid(Invalid::field("cellule", "Chiffre inconnu.")))?;
    let lines: Vec<OfferLine> = app
        .store
        .offer_lines(&me.scope(), &filter)
        .await?
        .into_iter()
        .filter(|l| cell.holds(l))
        .collect();
    let mut ids: Vec<_> = lines.iter().map(|l| l.person_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = app.store.steering_people(&ids).await?;
    audit_list(app, me, &people, &cell.label()).await?;
    Ok((cell, beside_their_people(people, lines, |l| l.person_id)))
}

/// Each item beside its person, in the people's order (a lookup by
/// person, not a scan of the items per person: lists run to thousands).
fn beside_their_people<T>(
    people: Vec<SteeringPerson>,
    items: Vec<T>,
    person_of: impl Fn(&T) -> uuid::Uuid,
) -> Vec<(SteeringPerson, T)> {
    let mut by_person: std::collections::HashMap<uuid::Uuid, Vec<T>> = Default::default();
    for item in items {
        by_person.entry(person_of(&item)).or_default().push(item);
    }
    let mut listed = Vec::new();
    for person in people {
        for item in by_person.remove(&person.id).unwrap_or_default() {
            listed.push((person.clone(), item));
        }
    }
    listed
}

/// The families' codes and names, in their order.
async fn family_names(app: &App) -> Result<Vec<(String, String)>, Failure> {
    Ok(app
        .store
        .families()
        .await?
        .into_iter()
        .map(|f| (f.code, f.label))
        .collect())
}

/// How full the actions are at the filter's date, by family and by
/// structure, counting the people of `me`'s scope.
pub async fn occupation(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
) -> Result<(SteeringFilter, OccupationFigures), Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let lines = app.store.occupation_lines(&me.scope(), &filter).await?;
    let families = family_names(app).await?;
    Ok((filter, OccupationFigures::of(&lines, &families)))
}

/// The people inside the actions of one figure of the occupation, with
/// the action each is in (audited).
pub async fn occupation_people(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
    cell: &str,
) -> Result<(String, Vec<(SteeringPerson, Participation)>), Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let unknown = || Failure::Invalid(Invalid::field("cellule", "Chiffre inconnu."));
    let cell = OccupationCell::from_code(cell.trim()).ok_or_else(unknown)?;
    let scope = me.scope();
    let (lines, participations) = tokio::try_join!(
        app.store.occupation_lines(&scope, &filter),
        app.store.participations(&scope, &filter),
    )?;
    let label = occupation_label(app, &cell, &lines)
        .await?
        .ok_or_else(unknown)?;
    let inside: Vec<Participation> = participations_of(&cell, &lines, &participations)
        .into_iter()
        .cloned()
        .collect();
    let mut ids: Vec<_> = inside.iter().map(|p| p.person_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = app.store.steering_people(&ids).await?;
    audit_list(app, me, &people, &label).await?;
    Ok((label, beside_their_people(people, inside, |p| p.person_id)))
}

/// « Occupation : Mobilité » or « Occupation : structure X »; none for a
/// group without any action running.
async fn occupation_label(
    app: &App,
    cell: &OccupationCell,
    lines: &[OccupationLine],
) -> Result<Option<String>, Failure> {
    let Some(line) = lines.iter().find(|l| cell.holds(l)) else {
        return Ok(None);
    };
    let name = match cell {
        OccupationCell::Structure(_) => line.structure_name.clone(),
        OccupationCell::Family(None) => "sans famille".to_owned(),
        OccupationCell::Family(Some(code)) => family_names(app)
            .await?
            .into_iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.clone(), |(_, label)| label),
    };
    Ok(Some(format!("Participants des actions : {name}")))
}

/// Everything the steering page shows, read once: the delays, the stock
/// at the filter's date, the offer of its period and the occupation.
pub struct Overview {
    pub filter: SteeringFilter,
    pub reports: Vec<DelayReport>,
    pub stock: StockFigures,
    pub offer: OfferFigures,
    pub occupation: OccupationFigures,
}

/// The steering page's figures, within `me`'s scope.
pub async fn overview(
    app: &App,
    me: &CurrentUser,
    input: &SteeringInput,
) -> Result<Overview, Failure> {
    me.require(Permission::ViewSteering)?;
    let filter = filter(input)?;
    let scope = me.scope();
    let settings = app.store.deadline_settings().await?;
    // The statements run side by side (a reader per core on SQLite).
    let (groups, stock, offer, occupation) = tokio::try_join!(
        app.store.delay_groups(&scope, &filter),
        app.store.stock_counts(&scope, &filter),
        app.store.offer_groups(&scope, &filter),
        app.store.occupation_lines(&scope, &filter),
    )?;
    let reports = reports(&groups, &settings);
    let families = family_names(app).await?;
    Ok(Overview {
        filter,
        reports,
        stock: StockFigures::of_counted(&stock),
        offer: OfferFigures::of_groups(&offer),
        occupation: OccupationFigures::of(&occupation, &families),
    })
}

/// Every table of the steering page, as sheets for the downloads: the
/// stock, the offer, then each delay month by month.
pub fn sheets(overview: &Overview) -> Vec<Sheet> {
    let stock = overview
        .stock
        .cells()
        .into_iter()
        .map(|(c, n)| (c.label(), n));
    let mut offer: Vec<(String, i64)> = overview
        .offer
        .cells()
        .into_iter()
        .map(|(c, n)| (c.label(), n))
        .collect();
    offer.push(("Entrées sur une action".to_owned(), overview.offer.entries));
    let mut offer = two_columns("Offre", "Positionnements", offer);
    offer.rows.push(vec![
        "Attente avant l'entrée, moyenne (jours)".into(),
        overview.offer.wait_mean_days.into(),
    ]);
    offer.rows.push(vec![
        "Attente avant l'entrée, médiane (jours)".into(),
        overview.offer.wait_median_days.into(),
    ]);
    let mut sheets = vec![two_columns("Situation", "Personnes", stock), offer];
    sheets.push(occupation_sheet(
        "Occupation par famille",
        &overview.occupation.by_family,
    ));
    sheets.push(occupation_sheet(
        "Occupation par structure",
        &overview.occupation.by_structure,
    ));
    sheets.extend(overview.reports.iter().map(delay_sheet));
    sheets
}

fn occupation_sheet(name: &str, rows: &[parcours_domain::occupation::OccupationRow]) -> Sheet {
    Sheet {
        name: name.to_owned(),
        headers: [
            "",
            "Actions",
            "Places",
            "Participants",
            "Taux d'occupation (%)",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.label.clone().into(),
                    r.actions.into(),
                    r.places.into(),
                    r.participants.into(),
                    r.occupation_percent.into(),
                ]
            })
            .collect(),
    }
}

fn two_columns(name: &str, header: &str, rows: impl IntoIterator<Item = (String, i64)>) -> Sheet {
    Sheet {
        name: name.to_owned(),
        headers: vec!["".to_owned(), header.to_owned()],
        rows: rows
            .into_iter()
            .map(|(label, n)| vec![label.into(), n.into()])
            .collect(),
    }
}

fn delay_sheet(report: &DelayReport) -> Sheet {
    // Counts then days, the counts' headers from the figures' own cells.
    let counts = report.total.cells();
    let (started, ends) = counts.split_at(3);
    let label = |(cell, _): &(DelayCell, i64)| cell.label().to_owned();
    let mut headers = vec!["Mois".to_owned()];
    headers.extend(started.iter().map(label));
    headers.extend(["Moyenne (jours)", "Médiane (jours)", "9e décile (jours)"].map(str::to_owned));
    headers.extend(ends.iter().map(label));
    let row = |label: String, f: &DelayFigures| {
        let mut cells: Vec<Value> = vec![label.into()];
        let counts = f.cells();
        let (started, ends) = counts.split_at(3);
        cells.extend(started.iter().map(|(_, n)| Value::Int(*n)));
        cells.extend([f.mean_days.into(), f.median_days.into(), f.p90_days.into()]);
        cells.extend(ends.iter().map(|(_, n)| Value::Int(*n)));
        cells
    };
    let mut rows: Vec<Vec<Value>> = report
        .months
        .iter()
        .map(|m| row(m.month.label(), &m.figures))
        .collect();
    rows.push(row("Toute la période".to_owned(), &report.total));
    Sheet {
        name: match report.kind {
            DelayKind::Orientation => "Délai d'orientation".to_owned(),
            DelayKind::Contract => "Délai de contrat".to_owned(),
        },
        headers,
        rows,
    }
}
