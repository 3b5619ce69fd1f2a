//! The audit trail over the API (DPO only). Reading it is audited.

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::audit::{self, Channel, JournalQuery};
use parcours_app::Failure;
use parcours_store::AuditEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Part of the actor's label (e-mail), case-insensitive.
    actor: Option<String>,
    /// read, create, update, delete, login, login_failed, logout, refused, subject_access_export
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    /// First day included, YYYY-MM-DD.
    from: Option<String>,
    /// Last day included, YYYY-MM-DD.
    to: Option<String>,
    /// Page number, from 1 (100 events a page).
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventBody {
    id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor_label: String,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    detail: Option<String>,
}

impl From<AuditEvent> for AuditEventBody {
    fn from(e: AuditEvent) -> Self {
        AuditEventBody {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            detail: e.detail,
        }
    }
}

const PAGE_SIZE: i64 = 100;

/// Audit events, newest first (DPO).
#[utoipa::path(get, path = "/api/v1/audit", tag = "journal", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = [AuditEventBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<AuditParams>,
) -> Result<Json<Vec<AuditEventBody>>, ApiError> {
    let query = JournalQuery {
        actor: params.actor.unwrap_or_default(),
        action: params.action.unwrap_or_default(),
        entity_type: params.entity_type.unwrap_or_default(),
        entity_id: params.entity_id.unwrap_or_default(),
        from: params.from.unwrap_or_default(),
        to: params.to.unwrap_or_default(),
        page: params.page,
    };
    let journal = audit::journal(&state, &me, &query, PAGE_SIZE, Channel::Api)
        .await
        .map_err(english_fields)?;
    Ok(Json(journal.events.into_iter().map(Into::into).collect()))
}

/// The API names its date parameters in English.
fn english_fields(failure: Failure) -> Failure {
    match failure {
        Failure::Invalid(mut invalid) => {
            for error in &mut invalid.errors {
                error.field = match error.field.as_str() {
                    "du" => "from".into(),
                    "au" => "to".into(),
                    other => other.into(),
                };
            }
            Failure::Invalid(invalid)
        }
        other => other,
    }
}
