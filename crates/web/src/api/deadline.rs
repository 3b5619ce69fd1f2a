//! Caseload, deadlines and the département's delays over the API: the same
//! use cases as the pages (parcours_app::deadline).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::deadline::{self, Delivery};
use parcours_domain::deadline::{ClockKind, DeadlineSettings};
use parcours_domain::worklist::ListInput;
use parcours_store::deadline::{CaseloadLine, DueClock};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The caller's caseload (référent unique), filtered and sorted as
/// `/portefeuille` is (most urgent first by default).
#[utoipa::path(get, path = "/api/v1/caseload", tag = "orientation", security(("bearer" = [])), params(ListInput),
    responses((status = 200, body = [CaseloadLine]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn caseload(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(list): Query<ListInput>,
) -> Result<Json<Vec<CaseloadLine>>, ApiError> {
    let filter = list.parse()?;
    Ok(Json(
        deadline::caseload(&state, &me, &filter, Delivery::Shown).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineParams {
    /// For a référent: the whole scope instead of their caseload.
    all: Option<bool>,
}

/// Late and due-soon clocks, filtered and sorted as `/echeances` lists
/// them (the most urgent 200, most urgent first by default).
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "orientation", security(("bearer" = [])), params(DeadlineParams, ListInput),
    responses((status = 200, body = [DueClock]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deadlines(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(p): Query<DeadlineParams>,
    Query(list): Query<ListInput>,
) -> Result<Json<Vec<DueClock>>, ApiError> {
    let filter = list.parse()?;
    let mine_only = me.role() == parcours_domain::Role::Referent && !p.all.unwrap_or(false);
    Ok(Json(
        deadline::due(&state, &me, mine_only, &filter, Delivery::Shown).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct LateCountsBody {
    /// Late clocks by kind, largest first.
    by_kind: Vec<KindCount>,
    /// Late clocks by the person's référent (« Sans référent » last).
    by_referent: Vec<ReferentCount>,
    /// Late and due-soon clocks by the person's organisation, in French
    /// order (« Sans organisation » last).
    by_organisation: Vec<OrganisationCount>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationCount {
    organisation: String,
    late: i64,
    soon: i64,
}

#[derive(Serialize, ToSchema)]
pub struct KindCount {
    kind: ClockKind,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReferentCount {
    referent: String,
    count: i64,
}

/// The late clocks counted by kind and by référent, and all the clocks by
/// organisation, within the caller's scope (a référent's caseload unless
/// `all`) and the filters, as `/echeances` counts them (the sort is ignored).
#[utoipa::path(get, path = "/api/v1/deadlines/late-counts", tag = "orientation", security(("bearer" = [])), params(DeadlineParams, ListInput),
    responses((status = 200, body = LateCountsBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn late_counts(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(p): Query<DeadlineParams>,
    Query(list): Query<ListInput>,
) -> Result<Json<LateCountsBody>, ApiError> {
    let filter = list.parse()?;
    let mine_only = me.role() == parcours_domain::Role::Referent && !p.all.unwrap_or(false);
    let counts = deadline::counts(&state, &me, mine_only, &filter).await?;
    Ok(Json(LateCountsBody {
        by_referent: counts
            .late_by_referent()
            .into_iter()
            .map(|(referent, count)| ReferentCount { referent, count })
            .collect(),
        by_kind: counts
            .late_by_kind
            .into_iter()
            .map(|(kind, count)| KindCount { kind, count })
            .collect(),
        by_organisation: counts
            .by_organisation
            .into_iter()
            .map(|t| OrganisationCount {
                organisation: t.name,
                late: t.late,
                soon: t.soon,
            })
            .collect(),
    }))
}

/// The département's deadline settings.
#[utoipa::path(get, path = "/api/v1/settings/deadlines", tag = "référentiels", security(("bearer" = [])),
    responses((status = 200, body = DeadlineSettings)))]
pub async fn settings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<DeadlineSettings>, ApiError> {
    Ok(Json(deadline::settings(&state, &me).await?))
}

/// Changes the deadline settings (administrateur); every clock is recomputed.
#[utoipa::path(put, path = "/api/v1/settings/deadlines", tag = "référentiels", security(("bearer" = [])),
    request_body = DeadlineSettings, responses((status = 200, body = DeadlineSettings), (status = 422, body = ErrorBody)))]
pub async fn save_settings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<DeadlineSettings>,
) -> Result<Json<DeadlineSettings>, ApiError> {
    deadline::save_settings(&state, &me, &body).await?;
    Ok(Json(body))
}
