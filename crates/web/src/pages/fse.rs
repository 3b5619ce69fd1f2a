//! FSE+ participant data at entry (`/positionnements/{id}/fse`): the
//! structure's opérateur records, and corrects, what the European Union
//! asks for each participant of an action it co-finances. Who may, and
//! what is audited: parcours_app::fse. The special-category answers
//! (disability, minority or foreign background) are shown only on this
//! edit form.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Form, Id};
use crate::form::trim;
use crate::layout::{flash, Layout};
use crate::view::{fr_date, fr_day};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::fse;
use parcours_domain::fse::{FseEntryInput, FseQuestion};
use parcours_domain::Invalid;
use parcours_store::fse::FseEntry;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

/// A question of the form: a group of radio buttons.
pub struct QuestionView {
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub sensitive: bool,
    /// Code, label, checked.
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub error: Option<String>,
}

fn hint(question: FseQuestion) -> &'static str {
    match question {
        FseQuestion::Gender => "Tel que la personne le déclare ; prérempli d'après le dossier.",
        FseQuestion::EmploymentStatus => "Chômeur : sans emploi, disponible et en recherche d'emploi. De longue durée : depuis plus de 12 mois sans interruption (plus de 6 mois avant 25 ans). Inactif : ni en emploi, ni en recherche d'emploi.",
        FseQuestion::EducationLevel => "Le plus haut diplôme obtenu, ou la dernière classe suivie, en France ou à l'étranger.",
        FseQuestion::Nationality => "",
        FseQuestion::Disability => "Handicap reconnu (RQTH, AAH, pension d'invalidité…) ou déclaré par la personne.",
        FseQuestion::ForeignBackground => "La personne ou l'un de ses parents est né à l'étranger, selon ce qu'elle déclare.",
        FseQuestion::Minority => "Appartenance à une minorité nationale, ethnique ou linguistique, y compris une communauté marginalisée comme les Roms, selon ce que la personne déclare.",
        FseQuestion::Homeless => "Sans domicile, hébergement d'urgence ou temporaire, logement précaire, insalubre ou surpeuplé.",
        FseQuestion::Rural => "La commune de résidence est peu dense ou très peu dense (grille communale de densité de l'Insee).",
    }
}

fn questions(input: &FseEntryInput, errors: &Invalid) -> Vec<QuestionView> {
    FseQuestion::ALL
        .iter()
        .map(|q| {
            let current = input.value(*q).trim();
            QuestionView {
                name: q.code(),
                legend: q.label(),
                hint: hint(*q),
                sensitive: q.is_special_category(),
                choices: FseEntryInput::choices(*q)
                    .into_iter()
                    .map(|(code, label)| (code, label, code == current))
                    .collect(),
                error: errors.message_for(q.code()).map(str::to_owned),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "fse/form.html")]
struct FsePage {
    layout: Layout,
    referral_id: Uuid,
    person_name: String,
    sex: &'static str,
    birth_date: String,
    action_name: String,
    operations: String,
    entered: String,
    recorded: String,
    version: i64,
    questions: Vec<QuestionView>,
    errors: Invalid,
}

async fn page(
    session: &Session,
    me: &CurrentUser,
    form: &fse::Form,
    input: &FseEntryInput,
    version: i64,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let (person, referral) = (&form.person, &form.referral);
    let page = FsePage {
        layout: Layout::new(session, me, "Données FSE+ à l'entrée", "/positionnements").await?,
        referral_id: referral.id,
        person_name: format!("{} {}", person.first_names, person.last_name),
        sex: person.sex.label(),
        birth_date: fr_date(person.birth_date),
        action_name: form.action.name.clone(),
        operations: form.operations.join(", "),
        entered: referral.entered_on.map(fr_date).unwrap_or_default(),
        recorded: form
            .entry
            .as_ref()
            .map(|e| {
                format!(
                    "Dernier enregistrement le {} par {}.",
                    fr_day(e.recorded_at),
                    form.recorded_by.as_deref().unwrap_or(&e.recorded_by)
                )
            })
            .unwrap_or_default(),
        version,
        questions: questions(input, &errors),
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

/// GET: the form, with the recorded answers when there are some (audited read).
pub async fn form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let form = fse::form(&state, &me, id).await?;
    let input = form
        .entry
        .as_ref()
        .map(FseEntry::input)
        .unwrap_or_else(|| FseEntryInput {
            gender: form.person.sex.code().to_owned(),
            ..FseEntryInput::default()
        });
    let version = form.entry.as_ref().map_or(0, |e| e.version);
    Ok(page(&session, &me, &form, &input, version, Invalid::new()).await?)
}

/// The answers, as sent (`fse/form.html`): one field per question, named
/// by its code (`FseQuestion::code`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FseForm {
    gender: String,
    employment_status: String,
    education_level: String,
    nationality: String,
    disability: String,
    foreign_background: String,
    minority: String,
    homeless: String,
    rural: String,
    version: i64,
}

impl FseForm {
    fn into_input(self) -> FseEntryInput {
        FseEntryInput {
            gender: trim(self.gender),
            employment_status: trim(self.employment_status),
            education_level: trim(self.education_level),
            nationality: trim(self.nationality),
            disability: trim(self.disability),
            foreign_background: trim(self.foreign_background),
            minority: trim(self.minority),
            homeless: trim(self.homeless),
            rural: trim(self.rural),
        }
    }
}

/// POST: saves; invalid answers come back on the form (422), nothing lost.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<FseForm>,
) -> Result<Response, PageError> {
    let version = form.version;
    let input = form.into_input();
    match fse::record(&state, &me, id, version, &input).await {
        Ok(fse::Recorded { person, .. }) => {
            flash(
                &session,
                format!(
                    "Données FSE+ enregistrées pour {} {}.",
                    person.first_names, person.last_name
                ),
            )
            .await?;
            Ok(Redirect::to("/positionnements").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let form = match fse::form_again(&state, &me, id).await {
                Ok(form) => form,
                // Not a positioning that takes FSE+ data: the error page says why.
                Err(_) => return Err(Failure::Invalid(errors).into()),
            };
            let html = page(&session, &me, &form, &input, version, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
