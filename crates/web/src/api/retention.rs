//! What the next retention run anonymises and deletes, over the API (DPO).
//! Reading it is audited.

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::retention;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct RetentionBody {
    /// Months without contact after which a file is anonymised.
    inactive_months: u32,
    /// Months an audit event is kept (6 to 12).
    audit_months: u32,
    /// Files whose last contact is before this day are anonymised.
    inactive_before: Date,
    /// Audit events before this instant are deleted.
    #[serde(with = "time::serde::rfc3339")]
    audit_before: OffsetDateTime,
    /// How many audit events the next run deletes.
    audit_events: i64,
    /// How many requests to join a structure the next run deletes: decided,
    /// or left waiting, before `audit_before`.
    join_requests: i64,
    /// The files the next run anonymises, oldest contact first.
    files: Vec<RetentionFileBody>,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionFileBody {
    person_id: Uuid,
    /// Day of the last dated event of the pathway (Paris), if any.
    last_contact: Option<Date>,
    /// The file's organisme référent.
    organisation: Option<String>,
}

/// The retention policy and what its next run touches (DPO).
#[utoipa::path(get, path = "/api/v1/retention", tag = "journal", security(("bearer" = [])),
    responses((status = 200, body = RetentionBody), (status = 403, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<RetentionBody>, ApiError> {
    let overview = retention::preview(&state, &me).await?;
    Ok(Json(RetentionBody {
        inactive_months: overview.policy.inactive_months,
        audit_months: overview.policy.audit_months,
        inactive_before: overview.cutoffs.inactive_before,
        audit_before: overview.cutoffs.audit_before,
        audit_events: overview.preview.audit_events,
        join_requests: overview.preview.join_requests,
        files: overview
            .preview
            .files
            .into_iter()
            .map(|f| RetentionFileBody {
                person_id: f.person_id,
                last_contact: f.last_contact,
                organisation: f.organisation,
            })
            .collect(),
    }))
}
