//! The DREES yearly return (OARSA, issue 20): tables 1 to 6 at 31 December
//! of a year, the people behind each figure, the data-quality list, and
//! what the chargé de mission sets for it. Aggregates for the chargé de
//! mission (whole département) and the cadre (their scope); every list of
//! people is a read of personal data, audited.

use crate::caller::Caller;
use crate::clock::today;
use crate::spreadsheet::{Sheet, Value};
use crate::steering::audit_list;
use crate::{App, CurrentUser, Failure};
use parcours_domain::oarsa::{
    self, Cell, ContractInForce, Entrant, Household, MappingLine, Missing, OarsaSettingsInput,
    ObjectiveMapping, OrganisationCategory, Reorientation, ReturnPerson, Table,
};
use parcours_domain::steering::SteeringFilter;
use parcours_domain::{Invalid, Permission};
use parcours_store::organisation::Organisation;
use parcours_store::steering::SteeringPerson;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// The return of a year, as far as the reader's scope goes.
pub struct Return {
    pub year: i32,
    /// 31 December, or today for the current year.
    pub on: Date,
    pub tables: Vec<Table>,
    /// People in droits et devoirs at that day with a field missing.
    pub incomplete: Vec<(Uuid, Vec<Missing>)>,
}

/// The return for `year` (typed; last year when empty), within `me`'s scope.
pub async fn oarsa(app: &App, me: &impl Caller, year: &str) -> Result<Return, Failure> {
    me.require(Permission::ViewSteering)?;
    let year = oarsa::parse_year(year, today()).map_err(Failure::Invalid)?;
    let on = oarsa::observed_on(year, today());
    let filter = SteeringFilter::period(oarsa::first_day(year), on, on);
    let scope = me.scope();
    // Each organisation's category, looked up once per person.
    let categories: HashMap<Uuid, OrganisationCategory> = app
        .store
        .organisations()
        .await?
        .iter()
        .map(|o| (o.id, o.category()))
        .collect();
    let category = |id: Option<Uuid>| categories.get(&id?).copied();
    let mapping = app.store.objective_mapping().await?;
    // The statements run side by side (a reader per core on SQLite), the
    // longest, the people, first: the others share the other reader.
    let (people, pathway, moves) = tokio::try_join!(
        return_people(app, &scope, &filter, &mapping, &category),
        async { Ok::<_, Failure>(app.store.entrants(&scope, &filter).await?) },
        async { Ok::<_, Failure>(app.store.reorientations(&scope, &filter).await?) },
    )?;
    let entrants: Vec<Entrant> = pathway
        .into_iter()
        .map(|l| Entrant {
            person_id: l.id,
            entered_on: l.entry,
            oriented_on: l.oriented_on,
            category: category(l.organisation_id),
            signed_on: l.signed_on,
        })
        .collect();
    let reorientations: Vec<Reorientation> = moves
        .into_iter()
        .filter_map(|r| {
            Some(Reorientation {
                person_id: r.person_id,
                from: category(Some(r.from_organisation_id))?,
                to: category(Some(r.to_organisation_id))?,
            })
        })
        .collect();
    let incomplete = people
        .iter()
        .map(|p| (p.person_id, p.missing()))
        .filter(|(_, missing)| !missing.is_empty())
        .collect();
    Ok(Return {
        year,
        on,
        tables: oarsa::tables(on, &people, &entrants, &reorientations),
        incomplete,
    })
}

/// Who is in droits et devoirs at the filter's day, with their contract in
/// force and its objectives read through the chargé de mission's mapping.
async fn return_people(
    app: &App,
    scope: &parcours_domain::access::PersonScope,
    filter: &SteeringFilter,
    mapping: &ObjectiveMapping,
    category: &impl Fn(Option<Uuid>) -> Option<OrganisationCategory>,
) -> Result<Vec<ReturnPerson>, Failure> {
    let (rows, objectives) = tokio::try_join!(
        app.store.return_people(scope, filter),
        app.store.return_contracts(scope, filter),
    )?;
    // The latest contract in force of each person (ids are time-ordered).
    let mut contracts: HashMap<Uuid, (Uuid, ContractInForce)> = HashMap::new();
    for row in objectives {
        let entry = contracts.entry(row.person_id).or_insert_with(|| {
            let empty = ContractInForce {
                duration_months: row.duration_months,
                actions: Vec::new(),
            };
            (row.contract_id, empty)
        });
        if entry.0 < row.contract_id {
            *entry = (
                row.contract_id,
                ContractInForce {
                    duration_months: row.duration_months,
                    actions: Vec::new(),
                },
            );
        }
        if let (true, Some(objective)) = (entry.0 == row.contract_id, &row.category) {
            let action = mapping.action_of(objective, row.title.as_deref().unwrap_or(""));
            if !entry.1.actions.contains(&action) {
                entry.1.actions.push(action);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| ReturnPerson {
            person_id: r.id,
            birth_date: r.birth_date,
            sex: r.sex,
            household: (r.adults > 0).then_some(Household {
                couple: r.adults >= 2,
                children: r.children,
            }),
            on_rsa_since: r.on_rsa_since,
            education_level: r.education_level,
            declared_job_seeker: r
                .job_seeker
                .as_deref()
                .is_some_and(|c| matches!(c.trim(), "4302" | "4303" | "4304")),
            referent: category(r.organisation_id),
            contract: contracts.remove(&r.id).map(|(_, c)| c),
        })
        .collect())
}

/// The people one figure of the return counts, by name (audited).
pub async fn oarsa_people(
    app: &App,
    me: &CurrentUser,
    year: &str,
    table: &str,
    row: &str,
    column: &str,
) -> Result<(Return, String, Vec<SteeringPerson>), Failure> {
    let report = oarsa(app, me, year).await?;
    let found = table
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(|n| report.tables.iter().find(|t| t.number == n));
    let Some(found) = found else {
        return Err(Failure::Invalid(Invalid::field(
            "tableau",
            "Tableau inconnu : de 1 à 6.",
        )));
    };
    let Some(Cell::People(ids)) = found.cell(row.trim(), column.trim()) else {
        return Err(Failure::Invalid(Invalid::field(
            "cellule",
            "Ce chiffre n'existe pas dans ce tableau.",
        )));
    };
    let label = format!(
        "tableau {} — {}",
        found.number,
        found.cell_label(row.trim(), column.trim())
    );
    let people = app.store.steering_people(ids).await?;
    audit_list(
        app,
        me,
        &people,
        &format!("OARSA {} : {label}", report.year),
    )
    .await?;
    Ok((report, label, people))
}

/// The people whose missing fields keep them out of a cell, by name, with
/// what is missing (audited).
pub async fn oarsa_quality(
    app: &App,
    me: &CurrentUser,
    year: &str,
) -> Result<(Return, Vec<(SteeringPerson, Vec<Missing>)>), Failure> {
    let report = oarsa(app, me, year).await?;
    let ids: Vec<Uuid> = report.incomplete.iter().map(|(id, _)| *id).collect();
    let people = app.store.steering_people(&ids).await?;
    audit_list(
        app,
        me,
        &people,
        &format!("OARSA {} : données incomplètes", report.year),
    )
    .await?;
    let missing: HashMap<Uuid, &Vec<Missing>> =
        report.incomplete.iter().map(|(id, m)| (*id, m)).collect();
    let listed = people
        .into_iter()
        .map(|p| {
            let m = missing.get(&p.id).map(|m| (*m).clone()).unwrap_or_default();
            (p, m)
        })
        .collect();
    Ok((report, listed))
}

/// Every table of the return as a sheet, for the downloads: `oarsa-tN`.
pub fn sheets(report: &Return) -> Vec<Sheet> {
    report
        .tables
        .iter()
        .map(|table| table_sheet(format!("oarsa-t{}", table.number), "", table))
        .collect()
}

/// A table of figures as a sheet named `name`: its rows' labels under
/// `corner`, then a column per heading (counts, means in days, blanks).
pub fn table_sheet(name: String, corner: &str, table: &Table) -> Sheet {
    let mut headers = vec![corner.to_owned()];
    headers.extend(table.columns.iter().map(|c| c.label.clone()));
    Sheet {
        name,
        headers,
        rows: table
            .rows
            .iter()
            .map(|row| {
                let mut cells: Vec<Value> = vec![row.heading.label.clone().into()];
                cells.extend(row.cells.iter().map(|cell| match cell {
                    Cell::People(ids) => Value::Int(ids.len() as i64),
                    Cell::Days(days) => (*days).into(),
                    Cell::Blank => Value::Empty,
                }));
                cells
            })
            .collect(),
    }
}

/// What the chargé de mission sets for the return.
pub struct OarsaSettings {
    /// Every organisation, with the category it counts in and whether it
    /// was set (else its kind's).
    pub organisations: Vec<Organisation>,
    /// Each objective category, then each suggested objective, with the
    /// action category it counts in and whether it was set.
    pub objectives: Vec<(MappingLine, bool)>,
}

pub async fn oarsa_settings(app: &App, me: &CurrentUser) -> Result<OarsaSettings, Failure> {
    me.require(Permission::ConfigureOarsa)?;
    Ok(OarsaSettings {
        organisations: app.store.organisations().await?.to_vec(),
        objectives: app.store.objective_mapping().await?.resolved(),
    })
}

/// Saves what the chargé de mission set: all or nothing, each error named.
pub async fn set_oarsa_settings(
    app: &App,
    me: &CurrentUser,
    input: &OarsaSettingsInput,
) -> Result<(), Failure> {
    me.require(Permission::ConfigureOarsa)?;
    let known = app.store.organisations().await?;
    let mut invalid = Invalid::new();
    let mut categories = Vec::new();
    for (n, line) in input.organisations.iter().enumerate() {
        let field = format!("organisations[{n}]");
        if !known.iter().any(|o| o.id == line.id) {
            invalid.add(&field, "Organisation inconnue.");
            continue;
        }
        match line.category.trim() {
            "" => categories.push((line.id, None)),
            code => match OrganisationCategory::from_code(code) {
                Some(c) => categories.push((line.id, Some(c))),
                None => invalid.add(&field, "Choisissez une catégorie de la liste."),
            },
        }
    }
    let mapping = match ObjectiveMapping::parse(&input.objectives) {
        Ok(mapping) => Some(mapping),
        Err(errors) => {
            invalid.errors.extend(errors.errors);
            None
        }
    };
    invalid.into_result(()).map_err(Failure::Invalid)?;
    app.store
        .set_organisation_categories(&me.actor(), &categories)
        .await?;
    if let Some(mapping) = mapping.filter(|_| !input.objectives.is_empty()) {
        app.store
            .set_objective_mapping(&me.actor(), &mapping)
            .await?;
    }
    Ok(())
}
