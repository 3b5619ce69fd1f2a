//! The pathway around a person file: orientation decisions and the cadre's
//! validation queue, the référent unique's designation, joint reviews, the
//! référent's caseload, late and due-soon lists, and the deadline settings.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::Id;
use crate::extract::{Form, Query};
use crate::layout::{flash, Layout};
use crate::view::{clock_label, fr_date, line, Line};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::{deadline, orientation};
use parcours_domain::deadline::{DeadlineSettings, OrientationKind};
use parcours_domain::orientation::{DesignationInput, OrientationInput, ReviewInput};
use parcours_domain::{Invalid, Permission};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

pub async fn decide_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<OrientationInput>,
) -> Result<Response, PageError> {
    orientation::decide(&state, &me, id, &input).await?;
    flash(
        &session,
        "L'orientation est enregistrée ; elle attend la validation du cadre.",
    )
    .await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}

pub async fn designate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<DesignationInput>,
) -> Result<Response, PageError> {
    let assignment = orientation::designate(&state, &me, id, &input).await?;
    flash(
        &session,
        format!(
            "{} est désigné(e) référent unique.",
            assignment.referent_name
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}

pub async fn review_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<ReviewInput>,
) -> Result<Response, PageError> {
    orientation::review(&state, &me, id, &input).await?;
    flash(&session, "Le réexamen est enregistré.").await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}

pub struct PendingLine {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub kind: &'static str,
    pub organisation: String,
    pub decided: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "pathway/queue.html")]
struct QueuePage {
    layout: Layout,
    lines: Vec<PendingLine>,
    today: String,
    errors: Invalid,
}

pub async fn queue(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        queue_page(&state, &session, &me, Invalid::new())
            .await?
            .render()?,
    ))
}

async fn queue_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    errors: Invalid,
) -> Result<QueuePage, Failure> {
    let pending = orientation::pending(state, me).await?;
    let layout = Layout::new(session, me, "Orientations à valider", "/orientations").await?;
    let lines = pending
        .into_iter()
        .map(|o| PendingLine {
            id: o.id.to_string(),
            person_id: o.person_id.to_string(),
            name: format!("{} {}", o.last_name.to_uppercase(), o.first_names),
            kind: OrientationKind::from_code(&o.kind).map_or("", OrientationKind::label),
            organisation: o.lead_organisation_name,
            decided: format!("{} par {}", fr_date(o.decided_on), o.decided_by),
            reason: o.reason.unwrap_or_default(),
        })
        .collect();
    let today = today();
    Ok(QueuePage {
        layout,
        lines,
        today: format!(
            "{}-{:02}-{:02}",
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
        errors,
    })
}

pub async fn validate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    body: String,
) -> Result<Response, PageError> {
    // Repeated `ids` fields (checkboxes) need the pairs form.
    let pairs = crate::form::pairs(&body);
    let ids: Vec<Uuid> = crate::form::values(&pairs, "ids")
        .iter()
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let notified_on = crate::form::value(&pairs, "notified_on");
    match orientation::validate(&state, &me, &ids, &notified_on).await {
        Ok(count) => {
            flash(&session, format!("{count} orientation(s) validée(s).")).await?;
            Ok(Redirect::to("/orientations").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let page = queue_page(&state, &session, &me, errors).await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(page.render()?),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct RejectInput {
    #[serde(default)]
    pub rejection_reason: String,
}

pub async fn reject_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<RejectInput>,
) -> Result<Response, PageError> {
    orientation::reject(&state, &me, id, &input.rejection_reason).await?;
    flash(&session, "L'orientation est refusée.").await?;
    Ok(Redirect::to("/orientations").into_response())
}

#[derive(Template)]
#[template(path = "pathway/caseload.html")]
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
#[template(path = "pathway/deadlines.html")]
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
    let is_referent = me.role == parcours_domain::Role::Referent;
    let mine_only = is_referent && query.tout.is_none();
    let clocks = deadline::due(&state, &me, mine_only).await?;
    let (late_count, soon_count) = deadline::due_counts(&state, &me, mine_only).await?;
    let truncated = (clocks.len() as i64) < late_count + soon_count;
    let layout = Layout::new(&session, &me, "Échéances", "/echeances").await?;
    let today = today();
    let (late, soon): (Vec<DueLine>, Vec<DueLine>) = clocks
        .into_iter()
        .map(|c| DueLine {
            person_id: c.person_id.to_string(),
            name: format!("{} {}", c.last_name.to_uppercase(), c.first_names),
            clock: clock_label(&c.kind),
            due: fr_date(c.due_on),
            late: c.due_on < today,
            delay: if c.due_on < today {
                format!("{} jours de retard", (today - c.due_on).whole_days())
            } else {
                format!("dans {} jours", (c.due_on - today).whole_days())
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
#[template(path = "pathway/settings.html")]
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
