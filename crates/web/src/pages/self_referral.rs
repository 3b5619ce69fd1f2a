//! A person who came directly to a structure (*démarche directe*), the
//! pages: the opérateur records the request; the référent's cadre, or the
//! chargé de mission when nobody follows the person, validates or turns it
//! down (parcours_app::self_referral).

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Form, FormRows, Id};
use crate::form::trim;
use crate::layout::{flash, flash_outcome, Layout, Sent};
use crate::pages::referral::admission_message;
use crate::view::{fr_date, fr_day};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::self_referral::{self, Recorded};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::eligibility::{Assessment, Verdict};
use parcours_domain::person::{Fund, RsaSituation, RsaState, Sex};
use parcours_domain::referral::{Declared, SelfReferralInput, NO_ORIENTATION};
use parcours_domain::Invalid;
use parcours_store::self_referral::{PendingSelfReferral, ValidationQueue};
use serde::Deserialize;
use tower_sessions::Session;

/// The request form, as sent (`self_referral/form.html`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RequestForm {
    action_id: String,
    last_name: String,
    first_names: String,
    birth_date: String,
    sex: String,
    nir: String,
    phone: String,
    email: String,
    commune_code: String,
    situation: String,
    rsa_number: String,
    fund: String,
    rsa_state: String,
    override_reason: String,
    declared_rsa: String,
    declared_single_parent: String,
    declared_other_minimum_income: String,
    declared_orientation: String,
    declared_contract: String,
    /// Set by the "Vérifier l'éligibilité" button: check, record nothing.
    check: String,
}

impl From<RequestForm> for SelfReferralInput {
    /// The form's fields, trimmed, as the API takes them.
    fn from(form: RequestForm) -> SelfReferralInput {
        SelfReferralInput {
            action_id: trim(form.action_id),
            last_name: trim(form.last_name),
            first_names: trim(form.first_names),
            birth_date: trim(form.birth_date),
            sex: trim(form.sex),
            nir: trim(form.nir),
            phone: trim(form.phone),
            email: trim(form.email),
            commune_code: trim(form.commune_code),
            situation: trim(form.situation),
            rsa_number: trim(form.rsa_number),
            fund: trim(form.fund),
            rsa_state: trim(form.rsa_state),
            override_reason: trim(form.override_reason),
            declared_rsa: trim(form.declared_rsa),
            declared_single_parent: trim(form.declared_single_parent),
            declared_other_minimum_income: trim(form.declared_other_minimum_income),
            declared_orientation: trim(form.declared_orientation),
            declared_contract: trim(form.declared_contract),
        }
    }
}

/// Validating a request: the entry date, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ValidateForm {
    entered_on: String,
    version: i64,
}

/// Turning a request down: why, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RejectForm {
    cancel_reason: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "self_referral/form.html")]
struct RequestPage {
    layout: Layout,
    actions: Vec<(String, String)>,
    input: SelfReferralInput,
    situations: Vec<(&'static str, &'static str)>,
    funds: Vec<(&'static str, &'static str)>,
    rsa_states: Vec<(&'static str, &'static str)>,
    sexes: Vec<(&'static str, &'static str)>,
    answers: Vec<(&'static str, &'static str)>,
    orientations: Vec<(&'static str, &'static str)>,
    /// The eligibility from what was typed, when it could be computed.
    eligibility: Option<Eligibility>,
    errors: Invalid,
}

/// An eligibility answer as the form shows it: overall, then rule by rule.
pub struct Eligibility {
    pub verdict: &'static str,
    pub eligible: bool,
    pub reasons: Vec<(String, &'static str)>,
}

impl From<Assessment> for Eligibility {
    fn from(a: Assessment) -> Eligibility {
        Eligibility {
            verdict: a.verdict.label(),
            eligible: a.verdict == Verdict::Eligible,
            reasons: a
                .outcomes
                .into_iter()
                .map(|o| (o.reason, o.verdict.label()))
                .collect(),
        }
    }
}

/// The answer in one line, for the message after recording.
fn eligibility_sentence(a: &Assessment) -> String {
    let reasons: Vec<&str> = a.outcomes.iter().map(|o| o.reason.as_str()).collect();
    if reasons.is_empty() {
        return format!("Éligibilité : {}.", a.verdict.label());
    }
    format!(
        "Éligibilité : {} — {}",
        a.verdict.label(),
        reasons.join(" ")
    )
}

async fn request_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    input: SelfReferralInput,
    eligibility: Option<Assessment>,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let rows = self_referral::actions(state, me).await?;
    let page = RequestPage {
        layout: Layout::new(session, me, "Démarche directe", "/positionnements").await?,
        actions: rows
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        input,
        situations: RsaSituation::choices(),
        funds: Fund::choices(),
        rsa_states: RsaState::choices(),
        sexes: Sex::choices(),
        answers: Declared::choices(),
        orientations: OrientationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .chain([(NO_ORIENTATION, "Aucune orientation")])
            .collect(),
        eligibility: eligibility.map(Eligibility::from),
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn request_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    Ok(request_page(
        &state,
        &session,
        &me,
        SelfReferralInput::default(),
        None,
        Invalid::new(),
    )
    .await?)
}

/// Records the request, or with the "Vérifier l'éligibilité" button only
/// shows the eligibility rule by rule, the typed values kept. A request
/// refused shows the eligibility too, when what was typed allows it.
pub async fn request(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    let checking = !form.check.trim().is_empty();
    let input = SelfReferralInput::from(form);
    let result = if checking {
        self_referral::check(&state, &me, &input).await.map(Err)
    } else {
        self_referral::record(&state, &me, &input).await.map(Ok)
    };
    match result {
        Ok(Ok(Recorded {
            new_file,
            assessment,
            ..
        })) => {
            let file = if new_file {
                "un dossier a été créé avec l'identité saisie"
            } else {
                "le dossier existant de la personne a été retrouvé"
            };
            flash(
                &session,
                format!(
                    "Demande enregistrée ({file}) ; elle attend la validation du Département. {}",
                    eligibility_sentence(&assessment)
                ),
            )
            .await?;
            Ok(Redirect::to("/positionnements").into_response())
        }
        Ok(Err(assessment)) => Ok(request_page(
            &state,
            &session,
            &me,
            input,
            Some(assessment),
            Invalid::new(),
        )
        .await?
        .into_response()),
        Err(Failure::Invalid(errors)) => {
            let assessment = self_referral::check(&state, &me, &input).await.ok();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                request_page(&state, &session, &me, input, assessment, errors).await?,
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub struct PendingLine {
    pub request: PendingSelfReferral,
    pub birth_date: String,
    pub requested: String,
    pub verdict: &'static str,
    pub reasons: Vec<(String, &'static str)>,
}

fn pending_line(request: PendingSelfReferral) -> PendingLine {
    let assessment: Option<Assessment> = serde_json::from_str(&request.eligibility).ok();
    PendingLine {
        birth_date: fr_date(request.birth_date),
        requested: fr_day(request.requested_at),
        verdict: assessment.as_ref().map_or("?", |a| a.verdict.label()),
        reasons: assessment
            .map(|a| {
                a.outcomes
                    .into_iter()
                    .map(|o| (o.reason, o.verdict.label()))
                    .collect()
            })
            .unwrap_or_default(),
        request,
    }
}

#[derive(Template)]
#[template(path = "self_referral/to_validate.html")]
struct QueuePage {
    layout: Layout,
    lines: Vec<PendingLine>,
    without_referent: bool,
    today: String,
}

pub async fn queue(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let lines = self_referral::to_validate(&state, &me)
        .await?
        .into_iter()
        .map(pending_line)
        .collect();
    let page = QueuePage {
        layout: Layout::new(
            &session,
            &me,
            "Démarches directes à valider",
            "/demarches-directes",
        )
        .await?,
        lines,
        without_referent: self_referral::queue_of(&me)? == ValidationQueue::WithoutReferent,
        today: today().to_string(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn validate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<ValidateForm>,
) -> Result<Response, PageError> {
    let result = self_referral::validate(&state, &me, id, form.version, form.entered_on.trim())
        .await
        .map(|r| format!("Demande validée. {}", admission_message(&r)));
    flash_outcome(
        &session,
        result,
        Sent::new(id, pairs),
        "/demarches-directes",
    )
    .await
}

pub async fn reject_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<RejectForm>,
) -> Result<Response, PageError> {
    let result = self_referral::reject(&state, &me, id, form.version, form.cancel_reason.trim())
        .await
        .map(|_| "Demande non validée ; la structure en est informée.".to_owned());
    flash_outcome(
        &session,
        result,
        Sent::new(id, pairs),
        "/demarches-directes",
    )
    .await
}
