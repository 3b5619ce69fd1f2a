//! The right of access export, printed: everything held about a person as a
//! PDF (`parcours_app::subject_access`), served as the contract's PDF is.

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parcours_app::subject_access::{self, Printed};

/// `GET /personnes/{id}/export.pdf` (the export is audited).
pub async fn pdf(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let Printed { file_name, bytes } = subject_access::pdf(&state, &me, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
