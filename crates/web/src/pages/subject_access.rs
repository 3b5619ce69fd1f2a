//! The right of access export, printed: everything held about a person as a
//! PDF (`parcours_app::subject_access`), served as the contract's PDF is.

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::Id;
use crate::view::attachment;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use parcours_app::subject_access::{self, Printed};

/// `GET /personnes/{id}/export.pdf` (the export is audited).
pub async fn pdf(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let Printed { file_name, bytes } = subject_access::pdf(&state, &me, id).await?;
    Ok(attachment("application/pdf", &file_name, bytes))
}
