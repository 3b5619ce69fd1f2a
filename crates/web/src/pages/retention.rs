//! The DPO's page on retention: the policy, and what the next run of
//! `parcours purge` (nightly under `serve`) anonymises and deletes.
//! Reading it is audited.

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::layout::Layout;
use crate::view::{fr_date, fr_day, fr_opt};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parcours_app::retention;
use tower_sessions::Session;

/// The files listed on the page; the count says how many in all.
const LISTED: usize = 500;

pub struct FileRow {
    pub id: String,
    pub last_contact: String,
    pub organisation: String,
}

#[derive(Template)]
#[template(path = "retention/overview.html")]
struct OverviewPage {
    layout: Layout,
    inactive_months: u32,
    audit_months: u32,
    inactive_before: String,
    audit_before: String,
    files: usize,
    audit_events: i64,
    join_requests: i64,
    rows: Vec<FileRow>,
}

pub async fn overview(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let overview = retention::preview(&state, &me).await?;
    let layout = Layout::new(
        &session,
        &me,
        "Conservation des données",
        "/dpo/conservation",
    )
    .await?;
    let files = &overview.preview.files;
    let page = OverviewPage {
        layout,
        inactive_months: overview.policy.inactive_months,
        audit_months: overview.policy.audit_months,
        inactive_before: fr_date(overview.cutoffs.inactive_before),
        audit_before: fr_day(overview.cutoffs.audit_before),
        files: files.len(),
        audit_events: overview.preview.audit_events,
        join_requests: overview.preview.join_requests,
        rows: files
            .iter()
            .take(LISTED)
            .map(|f| FileRow {
                id: f.person_id.to_string(),
                last_contact: match f.last_contact {
                    Some(_) => fr_opt(f.last_contact),
                    None => "aucune date".to_owned(),
                },
                organisation: f
                    .organisation
                    .clone()
                    .unwrap_or_else(|| "sans organisme référent".to_owned()),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}
