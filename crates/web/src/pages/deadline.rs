//! The référent's caseload, the deadlines (late and due soon) and the
//! département's delays.

use crate::auth::CurrentUser;
use crate::chart::Chart;
use crate::error::{Failure, PageError};
use crate::extract::{Form, Query};
use crate::layout::{flash, Layout};
use crate::view::{fr_date, fr_days, line, Line};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::deadline;
use parcours_domain::deadline::DeadlineSettings;
use parcours_domain::{Invalid, Permission};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "deadline/caseload.html")]
struct CaseloadPage {
    layout: Layout,
    lines: Vec<Line>,
}

pub async fn caseload(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let lines = deadline::caseload(&state, &me)
        .await?
        .iter()
        .map(line)
        .collect();
    let layout = Layout::new(&session, &me, "Mon portefeuille", "/portefeuille").await?;
    Ok(Html(CaseloadPage { layout, lines }.render()?))
}

pub struct DueLine {
    pub person_id: String,
    pub name: String,
    pub clock: &'static str,
    pub due: String,
    pub late: bool,
    pub delay: String,
    pub referent: String,
}

#[derive(Template)]
#[template(path = "deadline/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    late: Vec<DueLine>,
    soon: Vec<DueLine>,
    mine_only: bool,
    can_choose: bool,
    /// The list stops at the first thousand; the counts are exact.
    truncated: bool,
    late_count: i64,
    soon_count: i64,
    /// For those who see more than their own caseload: the late clocks
    /// by kind and by référent, as bars with their tables.
    late_charts: Vec<Chart>,
}

#[derive(Deserialize, Default)]
pub struct DeadlinesQuery {
    #[serde(default)]
    pub tout: Option<String>,
}

pub async fn deadlines(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<DeadlinesQuery>,
) -> Result<Html<String>, PageError> {
    let is_referent = me.role() == parcours_domain::Role::Referent;
    let mine_only = is_referent && query.tout.is_none();
    let clocks = deadline::due(&state, &me, mine_only).await?;
    let (late_count, soon_count) = deadline::due_counts(&state, &me, mine_only).await?;
    let truncated = (clocks.len() as i64) < late_count + soon_count;
    let late_charts = if mine_only {
        Vec::new()
    } else {
        let counts = deadline::late_counts(&state, &me, false).await?;
        let figure = |n: i64| n.to_string();
        vec![
            Chart::of(
                "graphe-retards-nature",
                "Échéances en retard par nature",
                counts
                    .by_kind
                    .iter()
                    .map(|(k, n)| (k.label().to_owned(), *n, figure(*n))),
            )
            .headed("Nature"),
            Chart::of(
                "graphe-retards-referent",
                "Échéances en retard par référent",
                counts
                    .by_referent
                    .iter()
                    .map(|(r, n)| (r.clone(), *n, figure(*n))),
            )
            .headed("Référent"),
        ]
    };
    let layout = Layout::new(&session, &me, "Échéances", "/echeances").await?;
    let today = today();
    let (late, soon): (Vec<DueLine>, Vec<DueLine>) = clocks
        .into_iter()
        .map(|c| DueLine {
            person_id: c.person_id.to_string(),
            name: format!("{} {}", c.last_name.to_uppercase(), c.first_names),
            clock: c.kind.label(),
            due: fr_date(c.due_on),
            late: c.due_on < today,
            delay: match (c.due_on - today).whole_days() {
                late if late < 0 => format!("{} de retard", fr_days(-late)),
                0 => "aujourd'hui".to_owned(),
                soon => format!("dans {}", fr_days(soon)),
            },
            referent: c.referent_name.unwrap_or_else(|| "—".into()),
        })
        .partition(|l| l.late);
    Ok(Html(
        DeadlinesPage {
            layout,
            late,
            soon,
            mine_only,
            can_choose: is_referent,
            truncated,
            late_count,
            soon_count,
            late_charts,
        }
        .render()?,
    ))
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    orientation_target_days: String,
    #[serde(default)]
    orientation_legal_days: String,
    #[serde(default)]
    contract_days: String,
    #[serde(default)]
    contract_days_social_before_2025: String,
    #[serde(default)]
    social_review_months: String,
    #[serde(default)]
    social_review_extended_months: String,
    #[serde(default)]
    due_soon_days: String,
    #[serde(default)]
    offer_days: String,
}

impl SettingsForm {
    fn of(s: &DeadlineSettings) -> SettingsForm {
        SettingsForm {
            orientation_target_days: s.orientation_target_days.to_string(),
            orientation_legal_days: s.orientation_legal_days.to_string(),
            contract_days: s.contract_days.to_string(),
            contract_days_social_before_2025: s.contract_days_social_before_2025.to_string(),
            social_review_months: s.social_review_months.to_string(),
            social_review_extended_months: s.social_review_extended_months.to_string(),
            due_soon_days: s.due_soon_days.to_string(),
            offer_days: s.offer_days.to_string(),
        }
    }

    fn parse(&self) -> Result<DeadlineSettings, Invalid> {
        let mut invalid = Invalid::new();
        let mut number = |field: &str, raw: &str| -> i64 {
            raw.trim().parse().unwrap_or_else(|_| {
                invalid.add(field, "Indiquez un nombre entier.");
                0
            })
        };
        let settings = DeadlineSettings {
            orientation_target_days: number(
                "orientation_target_days",
                &self.orientation_target_days,
            ),
            orientation_legal_days: number("orientation_legal_days", &self.orientation_legal_days),
            contract_days: number("contract_days", &self.contract_days),
            contract_days_social_before_2025: number(
                "contract_days_social_before_2025",
                &self.contract_days_social_before_2025,
            ),
            social_review_months: number("social_review_months", &self.social_review_months),
            social_review_extended_months: number(
                "social_review_extended_months",
                &self.social_review_extended_months,
            ),
            due_soon_days: number("due_soon_days", &self.due_soon_days),
            offer_days: number("offer_days", &self.offer_days),
        };
        invalid.into_result(settings)
    }
}

#[derive(Template)]
#[template(path = "deadline/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    errors: Invalid,
}

pub async fn settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let form = SettingsForm::of(&deadline::settings_to_change(&state, &me).await?);
    let layout = Layout::new(&session, &me, "Délais", "/admin/delais").await?;
    Ok(Html(
        SettingsPage {
            layout,
            form,
            errors: Invalid::new(),
        }
        .render()?,
    ))
}

pub async fn save_settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    // Checked before the typed numbers are parsed: the form is re-shown with its errors.
    me.require(Permission::ManageSettings)?;
    let saved = match form.parse() {
        Ok(settings) => deadline::save_settings(&state, &me, &settings).await,
        Err(errors) => Err(Failure::Invalid(errors)),
    };
    match saved {
        Ok(()) => {
            flash(&session, "Les délais sont enregistrés ; les échéances de tous les dossiers sont recalculées.").await?;
            Ok(Redirect::to("/admin/delais").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let layout = Layout::new(&session, &me, "Délais", "/admin/delais").await?;
            let page = SettingsPage {
                layout,
                form,
                errors,
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(page.render()?),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}
