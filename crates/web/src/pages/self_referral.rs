//! A person who came directly to a structure (*démarche directe*): the
//! opérateur records the request, on the file found by the person's
//! identity or on a new file with a minimal identity; the software checks
//! the eligibility; the référent's cadre, or the chargé de mission when
//! nobody follows the person, validates (a place or the waiting list) or
//! turns it down with a reason.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::Id;
use crate::form;
use crate::layout::{flash, flash_outcome, Layout};
use crate::pages::referrals::{assess, assess_facts};
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_domain::eligibility::{Assessment, PersonFacts};
use parcours_domain::person::{
    age_on, required_date, Fund, HouseholdData, HouseholdInput, HouseholdRole, PersonData,
    PersonInput, RsaState, Sex,
};
use parcours_domain::referral::may_validate_self_referral;
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::catalogue::{Action, CatalogueFilter};
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::Referral;
use parcours_store::self_referral::{
    Applicant, NewSelfReferral, PendingSelfReferral, ValidationQueue,
};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

/// What the structure records (the same fields in the form and the API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SelfReferralInput {
    #[serde(default)]
    pub action_id: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub first_names: String,
    /// AAAA-MM-JJ
    #[serde(default)]
    pub birth_date: String,
    /// F or M
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub nir: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// INSEE code of the commune of residence.
    #[serde(default)]
    pub commune_code: String,
    /// Only when no file matches the identity: the RSA dossier number.
    #[serde(default)]
    pub rsa_number: String,
    /// Only when no file matches: caf or msa.
    #[serde(default)]
    pub fund: String,
    /// Only when no file matches: the RSA state the person declares (code 0 to 6).
    #[serde(default)]
    pub rsa_state: String,
    /// Required when the person is found not eligible.
    #[serde(default)]
    pub override_reason: String,
}

impl SelfReferralInput {
    fn of_pairs(pairs: &[(String, String)]) -> SelfReferralInput {
        let get = |k: &str| form::value(pairs, k);
        SelfReferralInput {
            action_id: get("action_id"),
            last_name: get("last_name"),
            first_names: get("first_names"),
            birth_date: get("birth_date"),
            sex: get("sex"),
            nir: get("nir"),
            phone: get("phone"),
            email: get("email"),
            commune_code: get("commune_code"),
            rsa_number: get("rsa_number"),
            fund: get("fund"),
            rsa_state: get("rsa_state"),
            override_reason: get("override_reason"),
        }
    }

    fn identity(&self) -> Result<PersonData, Invalid> {
        let input = PersonInput {
            household_role: HouseholdRole::Requester.code().to_owned(),
            last_name: self.last_name.clone(),
            first_names: self.first_names.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            nir: self.nir.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            commune_code: self.commune_code.clone(),
            ..PersonInput::default()
        };
        PersonData::parse(&input, today())
    }

    fn household(&self) -> Result<HouseholdData, Invalid> {
        let input = HouseholdInput {
            rsa_number: self.rsa_number.clone(),
            fund: self.fund.clone(),
            rsa_state: self.rsa_state.clone(),
            ..HouseholdInput::default()
        };
        HouseholdData::parse(&input, today()).map_err(|mut invalid| {
            invalid.add(
                "last_name",
                "Aucun dossier ne correspond à cette identité : complétez le dossier RSA pour en créer un, ou vérifiez l'orthographe et la date de naissance.",
            );
            invalid
        })
    }
}

/// A published action of the opérateur's own structure.
async fn own_action(state: &AppState, me: &CurrentUser, id: &str) -> Result<Action, Failure> {
    let invalid = || {
        Invalid::field(
            "action_id",
            "Choisissez une action ouverte de votre structure.",
        )
    };
    let id = Uuid::parse_str(id.trim()).map_err(|_| invalid())?;
    let action = match state.store.action(id).await {
        Err(parcours_store::StoreError::NotFound) => return Err(invalid().into()),
        other => other?,
    };
    if action.structure_id != me.user.organisation_id || !action.is_public(today()) {
        return Err(invalid().into());
    }
    Ok(action)
}

/// What a new file says of the person, for the eligibility rules: what
/// the structure could not record is unknown, not false.
fn facts_of_new(data: &PersonData, household: &HouseholdData) -> PersonFacts {
    PersonFacts {
        age: u8::try_from(age_on(data.birth_date, today())).ok(),
        rsa: Some(matches!(
            household.rsa_state,
            RsaState::OpenPaid | RsaState::OpenSuspended | RsaState::OpenPaymentSuspended
        )),
        single_parent: None,
        other_minimum_income: None,
        orientation: Some(None),
        contract_running: Some(false),
        commune_code: data.commune_code.clone(),
    }
}

/// Records the request (shared with the API). Returns it and whether a
/// new file was created.
pub async fn record(
    state: &AppState,
    me: &CurrentUser,
    input: &SelfReferralInput,
) -> Result<(Referral, bool), Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let action = own_action(state, me, &input.action_id).await;
    let identity = input.identity();
    let (action, data) = match (action, identity) {
        (Ok(action), Ok(data)) => (action, data),
        (action, identity) => {
            let mut invalid = Invalid::new();
            if let Err(Failure::Invalid(errors)) = &action {
                invalid.merge(errors.clone());
            }
            if let Err(errors) = identity {
                invalid.merge(errors);
            }
            action?;
            return Err(invalid.into());
        }
    };
    let matches: Vec<_> = state
        .store
        .possible_duplicates(&data)
        .await?
        .into_iter()
        .filter(|p| p.closed_on.is_none())
        .collect();
    let (applicant, assessment) = match matches.as_slice() {
        [one] => {
            let person = state.store.person(one.id).await?;
            (
                Applicant::Existing(one.id),
                assess(state, &person, &action).await?,
            )
        }
        [] => {
            let household = input.household()?;
            let assessment = assess_facts(state, &facts_of_new(&data, &household), &action).await?;
            let applicant = Applicant::New {
                household: HouseholdTarget::New(household),
                data: Box::new(data),
            };
            (applicant, assessment)
        }
        _ => return Err(Invalid::field(
            "nir",
            "Plusieurs dossiers correspondent à cette identité : indiquez le NIR de la personne.",
        )
        .into()),
    };
    let new_file = matches!(applicant, Applicant::New { .. });
    let new = NewSelfReferral {
        action_id: action.id,
        applicant,
        assessment,
        override_reason: Some(input.override_reason.clone()),
    };
    let referral = state.store.record_self_referral(&me.actor(), &new).await?;
    Ok((referral, new_file))
}

#[derive(Template)]
#[template(path = "referrals/self_referral.html")]
struct RequestPage {
    layout: Layout,
    actions: Vec<(String, String)>,
    input: SelfReferralInput,
    funds: Vec<(&'static str, &'static str)>,
    rsa_states: Vec<(&'static str, &'static str)>,
    sexes: Vec<(&'static str, &'static str)>,
    errors: Invalid,
}

async fn request_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    input: SelfReferralInput,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let filter = CatalogueFilter {
        structure_id: Some(me.user.organisation_id),
        public_only: true,
        today: Some(today()),
        limit: 500,
        ..CatalogueFilter::default()
    };
    let (rows, _) = state.store.search_actions(&filter).await?;
    let page = RequestPage {
        layout: Layout::new(session, me, "Démarche directe", "/positionnements").await?,
        actions: rows
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        input,
        funds: Fund::choices(),
        rsa_states: RsaState::choices(),
        sexes: Sex::choices(),
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
        Invalid::new(),
    )
    .await?)
}

pub async fn request(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    body: String,
) -> Result<Response, PageError> {
    let input = SelfReferralInput::of_pairs(&form::pairs(&body));
    match record(&state, &me, &input).await {
        Ok((_, new_file)) => {
            let file = if new_file {
                "un dossier a été créé avec l'identité saisie"
            } else {
                "le dossier existant de la personne a été retrouvé"
            };
            flash(
                &session,
                format!("Demande enregistrée ({file}) ; elle attend la validation du Département."),
            )
            .await?;
            Ok(Redirect::to("/positionnements").into_response())
        }
        Err(Failure::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            request_page(&state, &session, &me, input, errors).await?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

/// The validator's queue: the cadre's (people followed in their
/// organisation) or the chargé de mission's (people without a référent).
fn queue_of(me: &CurrentUser) -> Result<ValidationQueue, Failure> {
    me.require(Permission::ValidateSelfReferral)?;
    Ok(match me.viewer().role {
        Role::Manager => ValidationQueue::Organisation(me.user.organisation_id),
        _ => ValidationQueue::WithoutReferent,
    })
}

/// The requests waiting for `me` (shared with the API).
pub async fn to_validate(
    state: &AppState,
    me: &CurrentUser,
) -> Result<Vec<PendingSelfReferral>, Failure> {
    Ok(state
        .store
        .self_referrals_to_validate(queue_of(me)?)
        .await?)
}

/// The request, when `me` is the one to validate it.
async fn validatable(state: &AppState, me: &CurrentUser, id: Uuid) -> Result<Referral, Failure> {
    me.require(Permission::ValidateSelfReferral)?;
    let referral = state.store.referral(id).await?;
    let organisation = state
        .store
        .referent_organisation(referral.person_id)
        .await?;
    if !may_validate_self_referral(&me.viewer(), organisation) {
        return Err(Failure::Forbidden);
    }
    Ok(referral)
}

pub async fn validate(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    entry: &str,
) -> Result<Referral, Failure> {
    validatable(state, me, id).await?;
    let entry = if entry.trim().is_empty() {
        today()
    } else {
        let mut invalid = Invalid::new();
        let entry = required_date(&mut invalid, "entered_on", "Date d'entrée", entry);
        invalid.into_result(())?;
        entry.expect("checked")
    };
    Ok(state
        .store
        .validate_self_referral(&me.actor(), id, version, entry)
        .await?)
}

pub async fn reject(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    reason: &str,
) -> Result<Referral, Failure> {
    validatable(state, me, id).await?;
    Ok(state
        .store
        .reject_self_referral(&me.actor(), id, version, reason)
        .await?)
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
        requested: fr_date(request.requested_at.date()),
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
#[template(path = "referrals/to_validate.html")]
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
    let lines = to_validate(&state, &me)
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
        without_referent: queue_of(&me)? == ValidationQueue::WithoutReferent,
        today: today().to_string(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn validate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let result = validate(
        &state,
        &me,
        id,
        form::version(&pairs),
        &form::value(&pairs, "entered_on"),
    )
    .await
    .map(|r| match r.entered_on {
        Some(on) => format!("Demande validée : entrée le {}.", fr_date(on)),
        None => "Demande validée : l'action est complète, la personne est sur la liste d'attente."
            .to_owned(),
    });
    flash_outcome(&session, result, "/demarches-directes").await
}

pub async fn reject_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let result = reject(
        &state,
        &me,
        id,
        form::version(&pairs),
        &form::value(&pairs, "cancel_reason"),
    )
    .await
    .map(|_| "Demande non validée ; la structure en est informée.".to_owned());
    flash_outcome(&session, result, "/demarches-directes").await
}
