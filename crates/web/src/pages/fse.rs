//! FSE+ participant data at entry (`/positionnements/{id}/fse`): the
//! structure's opérateur records, and corrects, what the European Union
//! asks for each participant of an action it co-finances.
//!
//! Access rule ([`parcours_domain::fse::may_record_fse_data`]): the
//! permission [`Permission::RecordFseData`] (opérateur only) **and** the
//! action's structure is the opérateur's organisation
//! (`me.user.organisation_id == action.structure_id`). Everyone else is
//! refused (403): another structure's opérateur, the référent, the cadre,
//! the DPO, the administrator, and the chargé de mission, who will only
//! see aggregate counts in the FSE+ report, never one person's answers.
//! The special-category answers (disability, minority or foreign
//! background) are shown only on this edit form, and each read of a
//! recorded entry is audited by the store.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::Id;
use crate::form;
use crate::layout::{flash, Layout};
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::fse::{
    check_recordable, may_record_fse_data, FseEntryData, FseEntryInput, FseQuestion,
};
use parcours_domain::person::Sex;
use parcours_domain::referral::ReferralStatus;
use parcours_domain::{Invalid, Permission};
use parcours_store::catalogue::Action;
use parcours_store::fse::FseEntry;
use parcours_store::referral::Referral;
use std::collections::HashSet;
use tower_sessions::Session;
use uuid::Uuid;

/// The positioning and its action, when `me` may record its FSE+ data
/// (the module's access rule), and when the positioning takes them (the
/// person entered a co-financed action: otherwise 422 naming the field).
pub async fn recordable(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
) -> Result<(Referral, Action), Failure> {
    me.require(Permission::RecordFseData)?;
    let referral = state.store.referral(id).await?;
    let action = state.store.action(referral.action_id).await?;
    if !may_record_fse_data(&me.viewer(), action.structure_id) {
        return Err(Failure::Forbidden);
    }
    let status = ReferralStatus::from_code(&referral.status).unwrap_or(ReferralStatus::Cancelled);
    check_recordable(status, state.store.fse_cofinanced(action.id).await?)?;
    Ok((referral, action))
}

/// The recorded data (`None`: still to record), checked; the store audits
/// the read of a recorded entry (it holds special-category answers).
pub async fn open(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
) -> Result<(Referral, Action, Option<FseEntry>), Failure> {
    let (referral, action) = recordable(state, me, id).await?;
    let entry = state.store.fse_entry(&me.actor(), id).await?;
    Ok((referral, action, entry))
}

/// Records (`version` 0) or corrects (the version read) the data: the
/// use case shared by the form and the API.
pub async fn record(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &FseEntryInput,
) -> Result<FseEntry, Failure> {
    recordable(state, me, id).await?;
    let data = FseEntryData::parse(input)?;
    Ok(state
        .store
        .save_fse_entry(&me.actor(), id, version, &data)
        .await?)
}

/// For the structure's participants list: which positionings take FSE+
/// data, and which of them still wait for theirs.
#[derive(Debug, Default)]
pub struct InboxMarks {
    cofinanced: HashSet<Uuid>,
    missing: HashSet<Uuid>,
}

impl InboxMarks {
    /// Whether the participant's line links to the FSE+ form.
    pub fn shows(&self, referral_id: &Uuid) -> bool {
        self.cofinanced.contains(referral_id)
    }

    /// Whether the data are still to be recorded (« à saisir »).
    pub fn missing(&self, referral_id: &Uuid) -> bool {
        self.missing.contains(referral_id)
    }
}

/// The marks of the opérateur's participants (no answer read: ids only).
pub async fn inbox_marks(state: &AppState, me: &CurrentUser) -> Result<InboxMarks, Failure> {
    if !me.role.can(Permission::RecordFseData) {
        return Ok(InboxMarks::default());
    }
    let participants = state
        .store
        .fse_participants(me.user.organisation_id)
        .await?;
    Ok(InboxMarks {
        missing: participants
            .iter()
            .filter(|p| !p.recorded())
            .map(|p| p.referral_id)
            .collect(),
        cofinanced: participants.into_iter().map(|p| p.referral_id).collect(),
    })
}

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
        FseQuestion::EmploymentStatus => "Chômeur : sans emploi, disponible et en recherche d'emploi. De longue durée : depuis plus de 12 mois sans interruption (plus de 6 mois avant 25 ans). Inactif : ni en emploi, ni en recherche d'emploi.",
        FseQuestion::EducationLevel => "Le plus haut diplôme obtenu, ou la dernière classe suivie, en France ou à l'étranger.",
        FseQuestion::Nationality => "",
        FseQuestion::Disability => "Handicap reconnu (RQTH, AAH, pension d'invalidité…) ou déclaré par la personne.",
        FseQuestion::MinorityBackground => "Origine étrangère (la personne ou ses parents nés à l'étranger) ou appartenance à une minorité, y compris une communauté marginalisée comme les Roms, selon ce que la personne déclare.",
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
#[template(path = "referrals/fse.html")]
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

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    referral: &Referral,
    action: &Action,
    entry: Option<&FseEntry>,
    input: &FseEntryInput,
    version: i64,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let person = state.store.person(referral.person_id).await?;
    let mut operations: Vec<String> = state
        .store
        .fundings_of(action.id)
        .await?
        .into_iter()
        .filter(|f| f.fse_plus)
        .filter_map(|f| f.fse_operation)
        .collect();
    operations.dedup();
    let page = FsePage {
        layout: Layout::new(session, me, "Données FSE+ à l'entrée", "/positionnements").await?,
        referral_id: referral.id,
        person_name: format!("{} {}", person.first_names, person.last_name),
        sex: Sex::from_code(&person.sex).map_or("non renseigné", |s| s.label()),
        birth_date: fr_date(person.birth_date),
        action_name: action.name.clone(),
        operations: operations.join(", "),
        entered: referral.entered_on.map(fr_date).unwrap_or_default(),
        recorded: entry
            .map(|e| {
                format!(
                    "Dernier enregistrement le {} par {}.",
                    fr_date(e.recorded_at.date()),
                    e.recorded_by
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
    let (referral, action, entry) = open(&state, &me, id).await?;
    if entry.is_none() {
        // Nothing recorded yet: the page still shows the person's identity to the structure.
        state
            .store
            .audit(
                &me.actor(),
                AuditAction::Read,
                entity::PERSON,
                Some(&referral.person_id.to_string()),
                Some(&format!(
                    "identité vue par la structure (saisie des données FSE+ : {})",
                    action.name
                )),
            )
            .await?;
    }
    let input = entry.as_ref().map(FseEntry::input).unwrap_or_default();
    let version = entry.as_ref().map_or(0, |e| e.version);
    Ok(page(
        &state,
        &session,
        &me,
        &referral,
        &action,
        entry.as_ref(),
        &input,
        version,
        Invalid::new(),
    )
    .await?)
}

fn input_of(pairs: &[(String, String)]) -> FseEntryInput {
    let get = |k: FseQuestion| form::value(pairs, k.code());
    FseEntryInput {
        employment_status: get(FseQuestion::EmploymentStatus),
        education_level: get(FseQuestion::EducationLevel),
        nationality: get(FseQuestion::Nationality),
        disability: get(FseQuestion::Disability),
        minority_background: get(FseQuestion::MinorityBackground),
        homeless: get(FseQuestion::Homeless),
        rural: get(FseQuestion::Rural),
    }
}

/// POST: saves; invalid answers come back on the form (422), nothing lost.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let input = input_of(&pairs);
    let version = form::version(&pairs);
    match record(&state, &me, id, version, &input).await {
        Ok(_) => {
            let referral = state.store.referral(id).await?;
            let person = state.store.person(referral.person_id).await?;
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
            let (referral, action) = match recordable(&state, &me, id).await {
                Ok(found) => found,
                // Not a positioning that takes FSE+ data: the error page says why.
                Err(_) => return Err(Failure::Invalid(errors).into()),
            };
            let html = page(
                &state, &session, &me, &referral, &action, None, &input, version, errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
