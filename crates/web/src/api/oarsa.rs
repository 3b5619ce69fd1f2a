//! The DREES yearly return over the API: the same tables, lists,
//! permissions and validation as `/pilotage/oarsa` (parcours_app::oarsa).

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::oarsa;
use parcours_domain::oarsa::{
    ActionCategory, Figure, Heading, Missing, OarsaSettingsInput, OrganisationCategory, Table,
};
use parcours_store::steering::SteeringPerson;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::ApiJson;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// AAAA; last year when absent. The current year gives the figures at today.
    #[serde(default)]
    year: String,
}

#[derive(Serialize, ToSchema)]
pub struct OarsaBody {
    year: i32,
    /// The day the tables describe: 31 December, or today for the current year.
    on: Date,
    tables: Vec<TableBody>,
    /// People in droits et devoirs that day with a field missing
    /// (`/statistics/oarsa/quality`).
    incomplete: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TableBody {
    /// 1 to 6, as in the DREES questionnaire.
    pub(crate) number: u8,
    title: &'static str,
    /// The DREES definition of what the table counts.
    definition: &'static str,
    columns: Vec<Heading>,
    rows: Vec<RowBody>,
}

#[derive(Serialize, ToSchema)]
pub struct RowBody {
    heading: Heading,
    /// One per column: a count of people, or a mean in days.
    figures: Vec<Figure>,
}

impl From<&Table> for TableBody {
    fn from(table: &Table) -> TableBody {
        TableBody {
            number: table.number,
            title: table.title,
            definition: table.definition,
            columns: table.columns.clone(),
            rows: table
                .rows
                .iter()
                .map(|row| RowBody {
                    heading: row.heading.clone(),
                    figures: row.cells.iter().map(Figure::from).collect(),
                })
                .collect(),
        }
    }
}

/// Tables 1 to 6 of the DREES return (OARSA) at 31 December of a year; the
/// chargé de mission's département, the cadre's scope.
#[utoipa::path(get, path = "/api/v1/statistics/oarsa", tag = "pilotage", security(("bearer" = [])),
    params(YearParams),
    responses((status = 200, body = OarsaBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn oarsa(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<YearParams>,
) -> Result<Json<OarsaBody>, ApiError> {
    let report = oarsa::oarsa(&state, &me, &params.year).await?;
    Ok(Json(OarsaBody {
        year: report.year,
        on: report.on,
        tables: report.tables.iter().map(Into::into).collect(),
        incomplete: report.incomplete.len(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellParams {
    /// 1 to 6.
    table: String,
    /// A row's code (`heading.code`).
    row: String,
    /// A column's code.
    column: String,
}

/// The people a figure of the return counts, by name (audited).
#[utoipa::path(get, path = "/api/v1/statistics/oarsa/people", tag = "pilotage", security(("bearer" = [])),
    params(YearParams, CellParams),
    responses((status = 200, body = [SteeringPerson]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn oarsa_people(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(year): Query<YearParams>,
    Query(cell): Query<CellParams>,
) -> Result<Json<Vec<SteeringPerson>>, ApiError> {
    let (_, _, people) = oarsa::oarsa_people(
        &state,
        &me,
        &year.year,
        &cell.table,
        &cell.row,
        &cell.column,
    )
    .await?;
    Ok(Json(people))
}

#[derive(Serialize, ToSchema)]
pub struct IncompleteBody {
    person: SteeringPerson,
    missing: Vec<Missing>,
}

/// The people whose missing fields keep them out of a cell (audited).
#[utoipa::path(get, path = "/api/v1/statistics/oarsa/quality", tag = "pilotage", security(("bearer" = [])),
    params(YearParams),
    responses((status = 200, body = [IncompleteBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn oarsa_quality(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<YearParams>,
) -> Result<Json<Vec<IncompleteBody>>, ApiError> {
    let (_, listed) = oarsa::oarsa_quality(&state, &me, &params.year).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|(person, missing)| IncompleteBody { person, missing })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SettingsBody {
    organisations: Vec<OrganisationSetting>,
    objectives: Vec<ObjectiveSetting>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationSetting {
    id: Uuid,
    name: String,
    /// The category it counts in.
    category: OrganisationCategory,
    /// Whether the chargé de mission set it (else its kind gives it).
    set: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectiveSetting {
    /// A category of the taxonomy.
    objective_category: String,
    /// A suggested objective of it; empty for the whole category.
    title: String,
    /// The action category it counts in.
    action: ActionCategory,
    /// Whether the chargé de mission set it (else the default).
    set: bool,
}

async fn settings_body(
    state: &AppState,
    me: &parcours_app::CurrentUser,
) -> Result<SettingsBody, ApiError> {
    let settings = oarsa::oarsa_settings(state, me).await?;
    Ok(SettingsBody {
        organisations: settings
            .organisations
            .iter()
            .map(|o| OrganisationSetting {
                id: o.id,
                name: o.name.clone(),
                category: o.category(),
                set: o.oarsa_category.is_some(),
            })
            .collect(),
        objectives: settings
            .objectives
            .into_iter()
            .map(|(line, set)| ObjectiveSetting {
                objective_category: line.objective_category,
                title: line.title,
                action: line.action,
                set,
            })
            .collect(),
    })
}

/// The organisations' DREES categories and the mapping of contract
/// objectives to the 15 action categories (chargé de mission).
#[utoipa::path(get, path = "/api/v1/statistics/oarsa/settings", tag = "pilotage", security(("bearer" = [])),
    responses((status = 200, body = SettingsBody), (status = 403, body = ErrorBody)))]
pub async fn oarsa_settings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<SettingsBody>, ApiError> {
    Ok(Json(settings_body(&state, &me).await?))
}

/// Sets organisations' categories (empty: as their kind says) and, when
/// `objectives` is sent, replaces the mapping (an empty action: the default).
#[utoipa::path(put, path = "/api/v1/statistics/oarsa/settings", tag = "pilotage", security(("bearer" = [])),
    request_body = OarsaSettingsInput,
    responses((status = 200, body = SettingsBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_oarsa_settings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<OarsaSettingsInput>,
) -> Result<Json<SettingsBody>, ApiError> {
    oarsa::set_oarsa_settings(&state, &me, &input).await?;
    Ok(Json(settings_body(&state, &me).await?))
}
