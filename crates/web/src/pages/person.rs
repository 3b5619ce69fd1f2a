//! Person files: search, creation (with duplicate detection), the person
//! page (identity, household, clocks, pathway timeline), rectification with
//! history, closure.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::{Form, FormRows, Id, Query};
use crate::layout::{about, flash, flash_outcome, Layout, Sent};
use crate::view::{fr_date, fr_day, fr_days, fr_instant, fr_opt, line, period_text, Line};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::account::Names;
use parcours_app::clock::today;
use parcours_app::follow_up;
use parcours_app::person::{
    self, AbsenceAlert, Created, Duplicates, FileView, PersonFile, PersonSearch,
};
use parcours_domain::caf;
use parcours_domain::contract::ContractStatus;
use parcours_domain::deadline::OrientationKind;
use parcours_domain::follow_up::{LogEntryInput, LogKind};
use parcours_domain::nir::{self, Nir};
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{
    age_on, ClosureReason, Fund, HouseholdInput, HouseholdRole, PersonInput, RsaSituation,
    RsaState, Sex,
};
use parcours_domain::referral::ReferralStatus;
use parcours_domain::{Invalid, Permission};
use parcours_store::contract::Contract;
use parcours_store::deadline::StoredClock;
use parcours_store::diagnostic::DiagnosticRevision;
use parcours_store::orientation::Orientation;
use parcours_store::person::Person;
use parcours_store::referral::PersonReferral;
use serde::Deserialize;
use time::Date;
use tower_sessions::Session;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub nom: String,
    #[serde(default)]
    pub naissance: String,
    #[serde(default)]
    pub nir: String,
    #[serde(default)]
    pub allocataire: String,
    #[serde(default)]
    pub clos: Option<String>,
}

impl SearchQuery {
    fn criteria(&self) -> PersonSearch {
        PersonSearch {
            name: self.nom.clone(),
            birth_date: self.naissance.clone(),
            nir: self.nir.clone(),
            caf_number: self.allocataire.clone(),
            include_closed: self.clos.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "person/search.html")]
struct SearchPage {
    layout: Layout,
    query: SearchQuery,
    errors: Invalid,
    searched: bool,
    lines: Vec<Line>,
    can_create: bool,
}

pub async fn search(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, PageError> {
    let criteria = query.criteria();
    let (lines, errors, searched) = match person::search(&state, &me, &criteria).await {
        Ok(found) => (
            found.iter().map(line).collect(),
            Invalid::new(),
            criteria.has_criteria(),
        ),
        Err(Failure::Invalid(errors)) => (Vec::new(), errors, true),
        Err(other) => return Err(other.into()),
    };
    let layout = Layout::new(&session, &me, "Personnes", "/personnes").await?;
    let page = SearchPage {
        layout,
        query,
        errors,
        searched,
        lines,
        can_create: me.role().can(Permission::EditPersons),
    };
    Ok(Html(page.render()?))
}

/// Every field of the person form, as typed (creation and rectification).
#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    situation: String,
    #[serde(default)]
    rsa_number: String,
    #[serde(default)]
    caf_number: String,
    #[serde(default)]
    fund: String,
    #[serde(default)]
    rsa_state: String,
    #[serde(default)]
    rsa_state_on: String,
    #[serde(default)]
    household_role: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    first_names: String,
    #[serde(default)]
    birth_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    nir: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    commune_code: String,
    #[serde(default)]
    subject_to_duties: Option<String>,
    #[serde(default)]
    duties_since: String,
    #[serde(default)]
    single_parent: Option<String>,
    #[serde(default)]
    other_minimum_income: Option<String>,
    #[serde(default)]
    rqth: Option<String>,
    #[serde(default)]
    confirm_duplicate: Option<String>,
    /// The rectification form never carries the NIR in clear: left empty,
    /// the stored one stays.
    #[serde(default)]
    keep_nir: Option<String>,
    /// The stored NIR, masked, for the rectification form's hint.
    #[serde(skip)]
    stored_nir: String,
    #[serde(default)]
    version: i64,
}

impl PersonForm {
    fn person(&self) -> PersonInput {
        PersonInput {
            situation: self.situation.clone(),
            household_role: self.household_role.clone(),
            last_name: self.last_name.clone(),
            first_names: self.first_names.clone(),
            birth_name: self.birth_name.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            nir: self.nir.clone(),
            keep_nir: self.keep_nir.is_some(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            commune_code: self.commune_code.clone(),
            subject_to_duties: self.subject_to_duties.is_some(),
            duties_since: self.duties_since.clone(),
            single_parent: self.single_parent.is_some(),
            other_minimum_income: self.other_minimum_income.is_some(),
            rqth: self.rqth.is_some(),
        }
    }

    fn household(&self) -> HouseholdInput {
        HouseholdInput {
            rsa_number: self.rsa_number.clone(),
            caf_number: self.caf_number.clone(),
            fund: self.fund.clone(),
            rsa_state: self.rsa_state.clone(),
            rsa_state_on: self.rsa_state_on.clone(),
        }
    }

    fn of(person: &Person) -> PersonForm {
        PersonForm {
            situation: person.situation().code().to_owned(),
            household_role: person.household_role.code().to_owned(),
            last_name: person.last_name.clone(),
            first_names: person.first_names.clone(),
            birth_name: person.birth_name.clone().unwrap_or_default(),
            birth_date: iso(person.birth_date),
            sex: person.sex.code().to_owned(),
            nir: String::new(),
            keep_nir: Some("1".into()),
            stored_nir: person.nir.as_deref().map(nir::mask).unwrap_or_default(),
            email: person.email.clone().unwrap_or_default(),
            phone: person.phone.clone().unwrap_or_default(),
            address: person.address.clone().unwrap_or_default(),
            commune_code: person.commune_code.clone().unwrap_or_default(),
            subject_to_duties: person.subject_to_duties.then(|| "on".into()),
            duties_since: person.duties_since.map(iso).unwrap_or_default(),
            single_parent: person.single_parent.then(|| "on".into()),
            other_minimum_income: person.other_minimum_income.then(|| "on".into()),
            rqth: person.rqth.then(|| "on".into()),
            version: person.version,
            ..PersonForm::default()
        }
    }
}

pub struct Choices {
    /// The situations the file may take (a rectification keeps its side of the RSA).
    pub situations: Vec<(&'static str, &'static str)>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub sexes: Vec<(&'static str, &'static str)>,
    pub funds: Vec<(&'static str, &'static str)>,
    pub states: Vec<(&'static str, &'static str)>,
    pub communes: Vec<(String, String)>,
}

async fn choices(state: &AppState, me: &CurrentUser) -> Result<Choices, Failure> {
    let pairs = |all: &[(&'static str, &'static str)]| all.to_vec();
    Ok(Choices {
        situations: RsaSituation::choices(),
        roles: pairs(
            &HouseholdRole::ALL
                .iter()
                .map(|r| (r.code(), r.label()))
                .collect::<Vec<_>>(),
        ),
        sexes: Sex::choices(),
        funds: Fund::choices(),
        states: RsaState::choices(),
        communes: person::communes(state, me)
            .await?
            .into_iter()
            .map(|(code, name, postcode)| (code, format!("{name} ({postcode})")))
            .collect(),
    })
}

/// A rectification keeps the file on its side of the RSA: an RSA
/// beneficiary stays one; outside it, the two other situations.
async fn editing_choices(
    state: &AppState,
    me: &CurrentUser,
    situation: RsaSituation,
) -> Result<Choices, Failure> {
    let mut choices = choices(state, me).await?;
    choices.situations = RsaSituation::ALL
        .iter()
        .filter(|s| s.is_rsa() == situation.is_rsa())
        .map(|s| (s.code(), s.label()))
        .collect();
    Ok(choices)
}

#[derive(Template)]
#[template(path = "person/form.html")]
struct FormPage {
    layout: Layout,
    form: PersonForm,
    errors: Invalid,
    choices: Choices,
    /// None: creation; Some(id): rectification of that file.
    editing: Option<String>,
    duplicates: Vec<Line>,
    /// For each possible duplicate the caller may not open: whom to ask.
    elsewhere: Vec<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let choices = choices(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Nouvelle personne", "/personnes").await?;
    let form = PersonForm {
        situation: RsaSituation::Beneficiary.code().into(),
        household_role: "DEM".into(),
        fund: "caf".into(),
        rsa_state: "2".into(),
        ..PersonForm::default()
    };
    let page = FormPage {
        layout,
        form,
        errors: Invalid::new(),
        choices,
        editing: None,
        duplicates: Vec::new(),
        elsewhere: Vec::new(),
    };
    Ok(Html(page.render()?))
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let outcome = person::create_person(
        &state,
        &me,
        None,
        &form.household(),
        &form.person(),
        form.confirm_duplicate.is_some(),
    )
    .await;
    let (errors, duplicates) = match outcome {
        Ok(Created::Person(person)) => {
            flash(
                &session,
                format!(
                    "Le dossier de {} {} a été créé.",
                    person.first_names, person.last_name
                ),
            )
            .await?;
            return Ok(Redirect::to(&format!("/personnes/{}", person.id)).into_response());
        }
        Ok(Created::Duplicates(found)) => (Invalid::new(), found),
        Err(Failure::Invalid(errors)) => (errors, Duplicates::default()),
        Err(other) => return Err(other.into()),
    };
    let layout = Layout::new(&session, &me, "Nouvelle personne", "/personnes").await?;
    let page = FormPage {
        layout,
        form,
        errors,
        choices: choices(&state, &me).await?,
        editing: None,
        duplicates: duplicates.visible.iter().map(line).collect(),
        elsewhere: duplicates.elsewhere,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let person = person::visible_person(&state, &me, id, Permission::EditPersons).await?;
    let title = about(
        "Rectifier le dossier",
        &person.first_names,
        &person.last_name,
    );
    let layout = Layout::new(&session, &me, &title, "/personnes").await?;
    let page = FormPage {
        layout,
        form: PersonForm::of(&person),
        errors: Invalid::new(),
        choices: editing_choices(&state, &me, person.situation()).await?,
        editing: Some(id.to_string()),
        duplicates: Vec::new(),
        elsewhere: Vec::new(),
    };
    Ok(Html(page.render()?))
}

pub async fn update(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let errors = match person::update_person(&state, &me, id, form.version, &form.person()).await {
        Ok(_) => {
            flash(&session, "Le dossier a été rectifié ; la version précédente reste dans l'historique.").await?;
            return Ok(Redirect::to(&format!("/personnes/{id}")).into_response());
        }
        Err(Failure::Invalid(errors)) => errors,
        Err(Failure::Stale) => Invalid::field(
            "version",
            "Ce dossier a été modifié par quelqu'un d'autre entre-temps. Vos changements ne sont pas perdus : ils sont ci-dessous ; rechargez le dossier pour voir la nouvelle version avant de les reporter.",
        ),
        Err(other) => return Err(other.into()),
    };
    let title = about("Rectifier le dossier", &form.first_names, &form.last_name);
    let layout = Layout::new(&session, &me, &title, "/personnes").await?;
    let situation = RsaSituation::parse(&form.situation).unwrap_or(RsaSituation::Beneficiary);
    let page = FormPage {
        layout,
        choices: editing_choices(&state, &me, situation).await?,
        form,
        errors,
        editing: Some(id.to_string()),
        duplicates: Vec::new(),
        elsewhere: Vec::new(),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

pub struct ClockLine {
    pub label: &'static str,
    pub due: String,
    pub state: String,
    pub css: &'static str,
    /// The next appointment planned that meets it (« Signature du contrat le … »).
    pub planned: Option<String>,
}

pub struct ContractLine {
    pub id: String,
    pub kind: &'static str,
    pub period: String,
    pub status: &'static str,
}

pub struct Event {
    pub date: String,
    pub title: String,
    pub detail: String,
    /// What was written down (a follow-up log entry), lines kept.
    pub text: String,
}

/// A positioning on the person's page.
pub struct ReferralLine {
    pub action_id: String,
    pub action: String,
    pub date: Date,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "person/show.html")]
struct ShowPage {
    layout: Layout,
    absence_alerts: Vec<String>,
    referrals: Vec<ReferralLine>,
    person: Person,
    nir: Option<String>,
    nir_shown: bool,
    birth_date: String,
    age: i32,
    sex: &'static str,
    role: &'static str,
    publics: Vec<&'static str>,
    duties_since: String,
    commune: String,
    closed: Option<String>,
    household_rsa_number: String,
    household_caf_number: String,
    household_rsa_state: String,
    household_state: String,
    household_facts: Vec<(&'static str, String)>,
    /// What the person declared when applying: where it comes from, and
    /// its lines (only for those who may read the diagnostic).
    declared: Option<(String, Vec<(&'static str, String)>)>,
    /// None for a person outside the RSA.
    household: Option<parcours_store::person::Household>,
    situation: &'static str,
    household_state_on: String,
    fund_choices: Vec<(&'static str, &'static str)>,
    state_choices: Vec<(&'static str, &'static str)>,
    members: Vec<(String, String, &'static str)>,
    clocks: Vec<ClockLine>,
    events: Vec<Event>,
    current_referent: Option<String>,
    can_edit: bool,
    can_orient: bool,
    can_assign: bool,
    /// The right of access export (the page already checked the scope).
    can_export: bool,
    has_validated_orientation: bool,
    has_orientation: bool,
    orientation_kinds: Vec<(&'static str, &'static str)>,
    organisations: std::sync::Arc<Vec<parcours_store::organisation::Organisation>>,
    referents: Vec<(String, String)>,
    closure_reasons: Vec<(&'static str, &'static str)>,
    /// The kinds of entry of the follow-up log, for its form.
    log_kinds: Vec<(&'static str, &'static str)>,
    /// The référent's appointments with the person, the latest first.
    meetings: Vec<super::meeting::PersonMeetingLine>,
    /// The kinds of appointment the caller may plan (none: no form).
    meeting_kinds: Vec<(&'static str, &'static str)>,
    modalities: Vec<(&'static str, &'static str)>,
    /// Outcomes once the time has come, and cancellations before.
    outcomes_after: Vec<(&'static str, &'static str)>,
    cancellations: Vec<(&'static str, &'static str)>,
    see_meetings: bool,
    messages: Vec<super::meeting::MessageLine>,
    /// The channels a convocation may also be sent on.
    channels: Vec<(&'static str, &'static str)>,
    today: String,
    /// Possible duplicates, shown to those who may merge them.
    duplicates: Vec<Line>,
    access: parcours_app::person::PathwayAccess,
    contracts: Vec<ContractLine>,
    /// The weeks under the contrat d'engagement in force.
    hours: Option<super::contract::HoursTable>,
    merged_into: Option<String>,
    /// What CAF/MSA and CSV imports recorded: (date, detail).
    caf_changes: Vec<(String, String)>,
    /// The pathway at a glance, first on the page.
    summary: Vec<SummaryLine>,
}

/// A line of the person's summary: what it is about, its facts, and
/// where its detail is.
pub struct SummaryLine {
    pub term: &'static str,
    pub facts: Vec<String>,
    pub href: Option<String>,
    /// A badge's class for what needs attention (late, soon), or "".
    pub css: &'static str,
}

impl SummaryLine {
    fn new(term: &'static str, facts: Vec<String>, href: Option<String>) -> SummaryLine {
        SummaryLine {
            term,
            facts,
            href,
            css: "",
        }
    }
}

/// The summary: orientation, référent, contract and hours, actions (with
/// the rank on a waiting list), next deadline, main barriers.
fn summary(view: &FileView, today: Date) -> Vec<SummaryLine> {
    let file = &view.file;
    let orientation = file
        .orientations
        .iter()
        .filter(|o| o.status != OrientationStatus::Rejected)
        .max_by_key(|o| (o.decided_on, o.created_at))
        .map(|o| {
            format!(
                "{} — {} ({}, décidée le {})",
                o.kind.label(),
                o.lead_organisation_name,
                o.status.label().to_lowercase(),
                fr_date(o.decided_on)
            )
        });
    let referent = file
        .assignments
        .iter()
        .find(|a| a.ends_on.is_none())
        .map(|a| match &a.referent_phone {
            Some(phone) => format!("{} ({}) — {phone}", a.referent_name, a.organisation_name),
            None => format!("{} ({})", a.referent_name, a.organisation_name),
        });
    let contract = view
        .contracts
        .iter()
        .filter(|c| c.status != ContractStatus::Rejected && c.status != ContractStatus::Renewed)
        .max_by_key(|c| c.starts_on);
    let mut lines = vec![
        SummaryLine::new(
            "Orientation",
            vec![orientation.unwrap_or_else(|| "à décider".to_owned())],
            Some("#parcours".to_owned()),
        ),
        SummaryLine::new(
            "Référent unique",
            vec![referent.unwrap_or_else(|| "aucun".to_owned())],
            None,
        ),
        SummaryLine::new(
            "Contrat",
            vec![contract.map_or_else(
                || "aucun".to_owned(),
                |c| {
                    format!(
                        "{} {} — {}",
                        contract_kind(c),
                        period_text(c),
                        c.status.label().to_lowercase()
                    )
                },
            )],
            contract.map(|c| format!("/contrats/{}", c.id)),
        ),
    ];
    if let Some(hours) = contract.and_then(|c| c.weekly_hours) {
        let facts = vec![format!("{hours} h par semaine prévues au contrat")];
        lines.push(SummaryLine::new("Heures d'activité", facts, None));
    }
    let actions: Vec<String> = view.referrals.iter().filter_map(summary_action).collect();
    lines.push(SummaryLine::new(
        "Actions",
        if actions.is_empty() {
            vec!["aucune en cours ni en attente".to_owned()]
        } else {
            actions
        },
        Some("#actions".to_owned()),
    ));
    lines.push(next_deadline(&file.clocks, today, view.due_soon_days));
    if let Some(latest) = view.diagnostic_revisions.iter().max_by_key(|r| r.version) {
        let mut barriers: Vec<_> = latest.data.barriers.iter().collect();
        barriers.sort_by_key(|b| std::cmp::Reverse(b.severity.code()));
        let facts = barriers
            .iter()
            .take(3)
            .map(|b| format!("{} ({})", b.label, b.severity.label().to_lowercase()))
            .collect::<Vec<_>>();
        let href = format!("/personnes/{}/diagnostic", file.person.id);
        let facts = if facts.is_empty() {
            vec!["aucun relevé au diagnostic".to_owned()]
        } else {
            facts
        };
        lines.push(SummaryLine::new("Principaux freins", facts, Some(href)));
    }
    lines
}

/// A current or pending action, as the summary says it.
fn summary_action(r: &PersonReferral) -> Option<String> {
    let at = format!("{} ({})", r.action_name, r.structure_name);
    Some(match r.status {
        ReferralStatus::Entered => {
            format!(
                "{at} : entré(e) le {}",
                r.entered_on.map(fr_date).unwrap_or_default()
            )
        }
        ReferralStatus::Waiting => match r.waiting_rank {
            Some(rank) => format!("{at} : liste d'attente, rang {rank}"),
            None => format!("{at} : liste d'attente"),
        },
        ReferralStatus::Offered => format!("{at} : place proposée"),
        ReferralStatus::Sent | ReferralStatus::PendingValidation => {
            format!(
                "{at} : positionné(e) le {}, en attente de réponse",
                fr_date(r.positioned_on)
            )
        }
        _ => return None,
    })
}

/// The first deadline still running, with its state.
fn next_deadline(clocks: &[StoredClock], today: Date, due_soon_days: i64) -> SummaryLine {
    let next = clocks
        .iter()
        .filter(|c| c.met_on.is_none())
        .min_by_key(|c| c.due_on);
    let Some(clock) = next else {
        return SummaryLine::new("Prochaine échéance", vec!["aucune".to_owned()], None);
    };
    let line = clock_line(clock, today, due_soon_days);
    SummaryLine {
        term: "Prochaine échéance",
        facts: vec![format!("{} : le {} ({})", line.label, line.due, line.state)],
        href: Some("#echeances".to_owned()),
        css: line.css,
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    nir: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Query(query): Query<ShowQuery>,
) -> Result<Html<String>, PageError> {
    let nir_shown = query.nir.is_some();
    let view = person::open_file(&state, &me, id, nir_shown).await?;
    let person = &view.file.person;
    let layout = Layout::new(
        &session,
        &me,
        &format!("{} {}", person.first_names, person.last_name),
        "/personnes",
    )
    .await?;
    let channels = parcours_app::outbox::channel_choices(&state);
    Ok(Html(
        show_page(&me, layout, view, nir_shown, channels).render()?,
    ))
}

/// "Droit ouvert et suspendu (depuis le 01/10/2026), motif : Ressources (DB)".
fn household_state(household: &parcours_store::person::Household) -> String {
    let state = RsaState::from_code(&household.rsa_state.to_string());
    format!(
        "{}{}{}",
        state.map_or("", RsaState::label),
        household
            .rsa_state_on
            .map(|d| format!(" (depuis le {})", fr_date(d)))
            .unwrap_or_default(),
        match (state, &household.rsa_state_reason) {
            (Some(state), Some(code)) => format!(", motif : {}", caf::state_reason(state, code)),
            _ => String::new(),
        }
    )
}

/// What the CAF's files say of the household beyond its state, as lines
/// of the summary: the request date, the family situation, homelessness.
fn household_facts(household: &parcours_store::person::Household) -> Vec<(&'static str, String)> {
    let mut facts = Vec::new();
    if let Some(on) = household.rsa_requested_on {
        facts.push(("Demande de RSA", format!("le {}", fr_date(on))));
    }
    if let Some(code) = &household.family_situation {
        let since = household
            .family_situation_on
            .map(|d| format!(", depuis le {}", fr_date(d)))
            .unwrap_or_default();
        facts.push((
            "Situation de famille",
            format!("{}{since}", caf::family_situation(code)),
        ));
    }
    if household.homeless {
        facts.push(("Domicile", "Sans domicile fixe".to_owned()));
    }
    facts
}

fn iso(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn show_page(
    me: &CurrentUser,
    layout: Layout,
    view: FileView,
    nir_shown: bool,
    channels: Vec<(&'static str, &'static str)>,
) -> ShowPage {
    let today = today();
    let summary = summary(&view, today);
    let referrals: Vec<ReferralLine> = view.referrals.into_iter().map(referral_line).collect();
    let mut events = pathway_events(
        &view.file,
        &view.diagnostic_revisions,
        &view.contracts,
        &view.names,
    );
    events.extend(referrals.iter().map(|r| {
        (
            r.date,
            Event {
                date: fr_date(r.date),
                title: format!("Positionnement : {}", r.action),
                detail: r.detail.clone(),
                text: String::new(),
            },
        )
    }));
    events.extend(view.follow_up_log.iter().map(log_event));
    events.extend(view.meetings.iter().map(meeting_event));
    events.sort_by_key(|e| std::cmp::Reverse(e.0));
    let has_validated_orientation = view.file.validated_orientation().is_some();
    let PersonFile {
        person,
        household,
        clocks,
        orientations,
        assignments,
    } = view.file;
    let age = age_on(person.birth_date, today);
    let open = person.closed_on.is_none();
    ShowPage {
        summary,
        caf_changes: view
            .import_changes
            .into_iter()
            .map(|c| (fr_date(c.occurred_on), c.detail))
            .collect(),
        absence_alerts: view.absence_alerts.iter().map(absence_alert).collect(),
        referrals,
        duplicates: view.duplicates.iter().map(line).collect(),
        access: view.access,
        contracts: view.contracts.iter().map(contract_line).collect(),
        hours: view.weekly_hours.as_ref().map(super::contract::hours_table),
        merged_into: person.merged_into_id.map(|id| id.to_string()),
        nir: person
            .nir
            .as_deref()
            .and_then(|n| Nir::parse(n).ok())
            .map(|n| {
                if nir_shown {
                    n.as_str().to_owned()
                } else {
                    n.masked()
                }
            }),
        nir_shown,
        birth_date: fr_date(person.birth_date),
        age,
        sex: person.sex.label(),
        role: person.household_role.label(),
        publics: publics(&person, age),
        duties_since: fr_opt(person.duties_since),
        commune: view.commune,
        closed: closed_text(&person),
        household_rsa_number: household
            .as_ref()
            .map(|h| h.rsa_number.clone())
            .unwrap_or_default(),
        household_caf_number: household
            .as_ref()
            .and_then(|h| h.caf_number.clone())
            .unwrap_or_default(),
        household_rsa_state: household
            .as_ref()
            .map(|h| h.rsa_state.to_string())
            .unwrap_or_default(),
        household_state: household.as_ref().map(household_state).unwrap_or_default(),
        household_facts: household.as_ref().map(household_facts).unwrap_or_default(),
        declared: view
            .declared_situation
            .as_ref()
            .map(|d| (d.origin(), d.lines())),
        household_state_on: household
            .as_ref()
            .and_then(|h| h.rsa_state_on)
            .map(iso)
            .unwrap_or_default(),
        household,
        situation: person.situation().label(),
        fund_choices: Fund::choices(),
        state_choices: RsaState::choices(),
        members: view.members.iter().map(member).collect(),
        clocks: clocks
            .iter()
            .map(|c| clock_line_with_meeting(c, today, view.due_soon_days, &view.meetings))
            .collect(),
        events: events.into_iter().map(|(_, e)| e).collect(),
        current_referent: assignments
            .iter()
            .find(|a| a.ends_on.is_none())
            .map(|a| a.referent_name.clone()),
        can_edit: me.role().can(Permission::EditPersons) && open,
        can_orient: me.role().can(Permission::DecideOrientation)
            && open
            && person.situation().is_rsa(),
        can_assign: me.role().can(Permission::AssignReferent) && open,
        can_export: me.role().can(Permission::ExportSubjectAccess),
        has_validated_orientation,
        has_orientation: !orientations.is_empty(),
        orientation_kinds: OrientationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        organisations: view.organisations,
        referents: view
            .referents
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        log_kinds: LogKind::choices(),
        meetings: view
            .meetings
            .iter()
            .map(|m| super::meeting::person_meeting_line(m, &view.meeting_access, me.user.id))
            .collect(),
        meeting_kinds: view.meeting_access.kinds(),
        modalities: parcours_domain::meeting::Modality::choices(),
        outcomes_after: super::meeting::outcome_choices(true),
        cancellations: super::meeting::outcome_choices(false),
        see_meetings: view.meeting_access.see,
        messages: view
            .messages
            .iter()
            .map(|m| {
                let may = view.meeting_access.may_plan(m.meeting_kind) || m.held_by == me.user.id;
                super::meeting::message_line(m, may)
            })
            .collect(),
        channels,
        closure_reasons: ClosureReason::ALL
            .iter()
            .filter(|r| **r != ClosureReason::Merged)
            .map(|r| (r.code(), r.label()))
            .collect(),
        today: iso(today),
        layout,
        person,
    }
}

fn member(m: &Person) -> (String, String, &'static str) {
    let role = m.household_role.label();
    (
        m.id.to_string(),
        format!("{} {}", m.first_names, m.last_name),
        role,
    )
}

fn clock_line(c: &StoredClock, today: Date, due_soon_days: i64) -> ClockLine {
    let (state, css) = match c.met_on {
        Some(on) if on > c.due_on => (format!("fait le {} (en retard)", fr_date(on)), "off"),
        Some(on) => (format!("fait le {}", fr_date(on)), "ok"),
        None if c.due_on < today => (
            format!("en retard de {}", fr_days((today - c.due_on).whole_days())),
            "late",
        ),
        None if (c.due_on - today).whole_days() <= due_soon_days => ("bientôt dû".into(), "soon"),
        None => ("en cours".into(), ""),
    };
    ClockLine {
        label: c.kind.label(),
        due: fr_date(c.due_on),
        state,
        css,
        planned: None,
    }
}

/// The clock's line with the next appointment to come that meets it,
/// among those the caller sees.
fn clock_line_with_meeting(
    c: &StoredClock,
    today: Date,
    due_soon_days: i64,
    meetings: &[parcours_store::meeting::Meeting],
) -> ClockLine {
    let now = parcours_app::clock::now();
    let next = meetings
        .iter()
        .filter(|m| {
            c.met_on.is_none() && m.outcome.is_none() && m.starts_at > now && m.kind.serves(c.kind)
        })
        .min_by_key(|m| m.starts_at);
    ClockLine {
        planned: next.map(|m| {
            format!(
                "{} le {}",
                m.kind.label(),
                parcours_domain::meeting::fr_when(m.starts_at)
            )
        }),
        ..clock_line(c, today, due_soon_days)
    }
}

fn contract_kind(contract: &Contract) -> &'static str {
    contract.kind.label()
}

fn contract_line(c: &Contract) -> ContractLine {
    ContractLine {
        id: c.id.to_string(),
        kind: contract_kind(c),
        period: period_text(c),
        status: c.status.label(),
    }
}

/// The timeline: orientations, référents, duties, diagnostic, contracts (unsorted).
fn pathway_events(
    file: &PersonFile,
    revisions: &[DiagnosticRevision],
    contracts: &[Contract],
    names: &Names,
) -> Vec<(Date, Event)> {
    let event = |date: Date, title: String, detail: String| {
        (
            date,
            Event {
                date: fr_date(date),
                title,
                detail,
                text: String::new(),
            },
        )
    };
    let mut events = Vec::new();
    for o in &file.orientations {
        let kind = o.kind.label();
        events.push(event(
            o.decided_on,
            format!("Orientation {kind}"),
            orientation_detail(o, names),
        ));
    }
    for a in &file.assignments {
        let until = a
            .ends_on
            .map(|d| format!(" jusqu'au {}", fr_date(d)))
            .unwrap_or_default();
        events.push(event(
            a.starts_on,
            format!("Référent unique : {}", a.referent_name),
            format!(
                "{}{until} — désigné par {}",
                a.organisation_name,
                names.who(&a.created_by)
            ),
        ));
    }
    if let Some(since) = file.person.duties_since {
        events.push(event(
            since,
            "Entrée dans les droits et devoirs".into(),
            String::new(),
        ));
    }
    for revision in revisions {
        events.push(event(
            revision.revised_on,
            format!("Diagnostic, révision {}", revision.version),
            format!("par {}", names.who(&revision.created_by)),
        ));
    }
    for contract in contracts {
        let detail = format!("{} — {}", period_text(contract), contract.status.label());
        events.push(event(
            contract.starts_on,
            contract_kind(contract).to_owned(),
            detail,
        ));
    }
    events
}

/// An appointment in the timeline, on its day in Paris.
fn meeting_event(m: &parcours_store::meeting::Meeting) -> (Date, Event) {
    let day = parcours_app::clock::date_in_paris(m.starts_at);
    let outcome = m.outcome.map_or("à venir", |o| o.label());
    (
        day,
        Event {
            date: fr_date(day),
            title: format!("Rendez-vous : {}", m.kind.label()),
            detail: format!(
                "{} — {} — avec {} — {outcome}",
                parcours_domain::meeting::fr_when(m.starts_at),
                super::meeting::how(m),
                m.held_by_name
            ),
            text: String::new(),
        },
    )
}

/// A follow-up log entry in the timeline.
fn log_event(entry: &parcours_store::follow_up::LogEntry) -> (Date, Event) {
    let sensitive = if entry.sensitive {
        " (confidentiel)"
    } else {
        ""
    };
    (
        entry.occurred_on,
        Event {
            date: fr_date(entry.occurred_on),
            title: format!("{}{sensitive}", entry.kind.label()),
            detail: format!("par {}", entry.recorded_by),
            text: entry.text.clone(),
        },
    )
}

fn orientation_detail(o: &Orientation, names: &Names) -> String {
    let status = o.status.label();
    let mut detail = format!(
        "{} — décidée par {} — {status}",
        o.lead_organisation_name,
        names.who(&o.decided_by)
    );
    if let Some(on) = o.notified_on {
        detail.push_str(&format!(", notifiée le {}", fr_date(on)));
    }
    if let Some(reason) = o.reason.as_ref().or(o.rejection_reason.as_ref()) {
        detail.push_str(&format!(" — motif : {reason}"));
    }
    detail
}

fn absence_alert(a: &AbsenceAlert) -> String {
    format!(
        "{} absences non excusées de suite à « {} » ({}) : faites le point avec la personne et la structure.",
        a.absences, a.action_name, a.structure_name
    )
}

fn referral_line(r: PersonReferral) -> ReferralLine {
    let status = r.status.label();
    let origin = if r.origin == "self_referral" {
        " (démarche directe)"
    } else {
        ""
    };
    let mut detail = format!("{}{origin} — {status}", r.structure_name);
    if let Some(on) = r.entered_on {
        detail.push_str(&format!(", entrée le {}", fr_date(on)));
    }
    if let Some(on) = r.exited_on {
        let reason = r.exit_reason;
        detail.push_str(&format!(
            ", sortie le {} ({})",
            fr_date(on),
            reason.map_or("?", |r| r.label())
        ));
    }
    if let Some(at_exit) = r.exit_situation.map(|s| s.label()) {
        detail.push_str(&format!(" ; situation à la sortie : {at_exit}"));
    }
    if let Some(later) = r.situation_4_weeks.map(|s| s.label()) {
        let on = r
            .situation_4_weeks_on
            .map(|on| format!(" (constatée le {})", fr_date(on)))
            .unwrap_or_default();
        detail.push_str(&format!(" ; à 4 semaines : {later}{on}"));
    }
    if let Some(reason) = &r.cancel_reason {
        detail.push_str(&format!(" : {reason}"));
    }
    if let Some(reason) = r.refusal_reason {
        detail.push_str(&format!(" : {}", reason.label()));
    }
    if let Some(comment) = &r.refusal_comment {
        detail.push_str(&format!(" ({comment})"));
    }
    if let Some(reason) = &r.override_reason {
        detail.push_str(&format!(" — positionné hors éligibilité : {reason}"));
    }
    ReferralLine {
        action_id: r.action_id.to_string(),
        action: r.action_name,
        date: r.positioned_on,
        detail,
    }
}

/// The publics the person belongs to, for the file's heading.
fn publics(person: &Person, age: i32) -> Vec<&'static str> {
    [
        ((18..=25).contains(&age), "Jeune 18–25 ans"),
        (person.single_parent, "Parent isolé"),
        (person.other_minimum_income, "Autre minimum social"),
        (person.rqth, "RQTH"),
    ]
    .into_iter()
    .filter_map(|(belongs, public)| belongs.then_some(public))
    .collect()
}

fn closed_text(person: &Person) -> Option<String> {
    person.closed_on.map(|on| {
        let reason = person.closure_reason.map_or("", ClosureReason::label);
        format!("Dossier clos le {} — {reason}", fr_date(on))
    })
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    closed_on: String,
    #[serde(default)]
    closure_reason: String,
    #[serde(default)]
    version: i64,
}

pub async fn close(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<CloseForm>,
) -> Result<Response, PageError> {
    let result = person::close_person(
        &state,
        &me,
        id,
        form.version,
        &form.closed_on,
        &form.closure_reason,
    )
    .await
    .map(|_| "Le dossier est clos. Les échéances ne courent plus.".to_owned());
    let to = format!("/personnes/{id}");
    flash_outcome(&session, result, Sent::new("cloturer", pairs), &to).await
}

#[derive(Deserialize, Default)]
pub struct HouseholdForm {
    #[serde(flatten)]
    household: HouseholdInput,
    #[serde(default)]
    version: i64,
}

/// An entry of the follow-up log as typed (a ticked box sends « on »).
#[derive(Debug, Default, serde::Deserialize)]
pub struct LogEntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    text: String,
    sensitive: Option<String>,
}

pub async fn add_log_entry(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<LogEntryForm>,
) -> Result<Response, PageError> {
    let input = LogEntryInput {
        kind: form.kind,
        occurred_on: form.occurred_on,
        text: form.text,
        sensitive: form.sensitive.is_some(),
    };
    let result = follow_up::add_log_entry(&state, &me, id, &input)
        .await
        .map(|entry| format!("« {} » est ajouté au journal de suivi.", entry.kind.label()));
    let to = format!("/personnes/{id}#parcours");
    flash_outcome(&session, result, Sent::new("journal", pairs), &to).await
}

pub async fn update_household(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<HouseholdForm>,
) -> Result<Response, PageError> {
    let result = person::update_household(&state, &me, id, form.version, &form.household)
        .await
        .map(|_| "Le foyer est mis à jour.".to_owned());
    let to = format!("/personnes/{id}");
    flash_outcome(&session, result, Sent::new("foyer", pairs), &to).await
}

pub struct RevisionView {
    pub version: i64,
    pub at: String,
    pub by: String,
    /// « Libellé : avant → après ».
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "person/history.html")]
struct HistoryPage {
    layout: Layout,
    person_id: String,
    name: String,
    revisions: Vec<RevisionView>,
}

pub async fn history(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let person::History {
        person,
        rectifications,
    } = person::history(&state, &me, id).await?;
    let title = about(
        "Historique du dossier",
        &person.first_names,
        &person.last_name,
    );
    let layout = Layout::new(&session, &me, &title, "/personnes").await?;
    let views = rectifications
        .into_iter()
        .map(|r| RevisionView {
            version: r.version,
            at: fr_instant(r.at),
            by: r.by,
            changes: r.changes,
        })
        .collect();
    let page = HistoryPage {
        layout,
        person_id: id.to_string(),
        name: format!("{} {}", person.first_names, person.last_name),
        revisions: views,
    };
    Ok(Html(page.render()?))
}

pub struct Side {
    pub id: String,
    pub version: i64,
    pub rows: Vec<(&'static str, String)>,
}

fn side(p: &Person) -> Side {
    Side {
        id: p.id.to_string(),
        version: p.version,
        rows: vec![
            ("Nom", p.last_name.clone()),
            ("Prénoms", p.first_names.clone()),
            ("Naissance", fr_date(p.birth_date)),
            (
                "NIR",
                p.nir
                    .as_deref()
                    .map(nir::mask)
                    .unwrap_or_else(|| "—".into()),
            ),
            ("Adresse", p.address.clone().unwrap_or_default()),
            ("Commune", p.commune_code.clone().unwrap_or_default()),
            ("Téléphone", p.phone.clone().unwrap_or_default()),
            (
                "Soumis aux droits et devoirs depuis",
                fr_opt(p.duties_since),
            ),
            ("Créé le", fr_day(p.created_at)),
        ],
    }
}

#[derive(Template)]
#[template(path = "person/merge.html")]
struct MergePage {
    layout: Layout,
    keep: Side,
    duplicate: Side,
    /// Label, kept file's value, duplicate's value.
    rows: Vec<(&'static str, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct MergeQuery {
    #[serde(default)]
    avec: Option<uuid::Uuid>,
}

pub async fn merge_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Query(query): Query<MergeQuery>,
) -> Result<Html<String>, PageError> {
    let other = query.avec.ok_or(Failure::NotFound)?;
    let (keep, duplicate) = person::compare(&state, &me, id, other).await?;
    let layout = Layout::new(&session, &me, "Fusionner deux dossiers", "/personnes").await?;
    let (keep, duplicate) = (side(&keep), side(&duplicate));
    let rows = keep
        .rows
        .iter()
        .zip(&duplicate.rows)
        .map(|((label, a), (_, b))| (*label, a.clone(), b.clone()))
        .collect();
    Ok(Html(
        MergePage {
            layout,
            keep,
            duplicate,
            rows,
        }
        .render()?,
    ))
}

#[derive(Deserialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    duplicate_id: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    duplicate_version: i64,
}

pub async fn merge_submit(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    let duplicate =
        uuid::Uuid::parse_str(form.duplicate_id.trim()).map_err(|_| Failure::NotFound)?;
    person::merge(
        &state,
        &me,
        (id, form.version),
        (duplicate, form.duplicate_version),
    )
    .await?;
    flash(
        &session,
        "Les deux dossiers sont fusionnés ; le doublon est clos et renvoie vers ce dossier.",
    )
    .await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}
