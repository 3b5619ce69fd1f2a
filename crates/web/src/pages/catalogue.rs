//! The catalogue in the back office: partner structures, actions, their
//! practical details, funding, status and sessions, the families and the
//! chargé de mission's programme view. The chargé de mission edits
//! everything; a structure's opérateur edits its actions' practical details
//! and sessions, never funding; everyone signed in reads published actions.

use crate::auth::CurrentUser;
use crate::chart::Chart;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Form, FormRows, Id, Query};
use crate::form::{checked, trim};
use crate::layout::{flash, flash_outcome, Layout, Sent};
use crate::view::{
    action_view, choices, fr_date, places_text, theme_groups, ActionView, Choice, ThemeGroup,
};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::catalogue::{self, ActionChoices, ActionList};
use parcours_app::clock::{fr_month, month_code, today};
use parcours_domain::catalogue::{
    format_euros, ActionFormat, ActionInput, ActionStatus, AddressInput, CapacityPeriod,
    ContactInput, FundingInput, FundingKind, Network, PracticalInput, Public, Reception,
    ServiceType, SessionInput, StructureInput,
};
use parcours_domain::eligibility::{EligibilityInput, TargetPublic};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::schedule::{Frequency, ScheduleInput, WEEKDAYS};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::catalogue::{Action, Family, Funding, ProgrammeLine, Structure};
use serde::Deserialize;
use tower_sessions::Session as WebSession;
use uuid::Uuid;

// ---------------------------------------------------------------- forms

/// The structure form, as sent (`structure_form.html`, address fields).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StructureForm {
    name: String,
    kind: String,
    siret: String,
    description: String,
    address: String,
    postal_code: String,
    commune_code: String,
    commune_name: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    website: String,
    network: String,
    version: i64,
}

impl StructureForm {
    pub fn into_input(self) -> StructureInput {
        StructureInput {
            name: trim(self.name),
            kind: trim(self.kind),
            siret: trim(self.siret),
            description: trim(self.description),
            place: AddressInput {
                address: trim(self.address),
                postal_code: trim(self.postal_code),
                commune_code: trim(self.commune_code),
                commune_name: trim(self.commune_name),
            },
            contact: ContactInput {
                name: trim(self.contact_name),
                phone: trim(self.contact_phone),
                email: trim(self.contact_email),
            },
            website: trim(self.website),
            network: trim(self.network),
        }
    }
}

/// The practical details form, as sent (`practical_form.html`, schedule
/// fields); `schedule_weekdays` is a list of checkboxes.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PracticalForm {
    schedule_frequency: String,
    schedule_weekdays: Vec<String>,
    schedule_week_of_month: String,
    schedule_starts_at: String,
    schedule_ends_at: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    how_to_apply: String,
    version: i64,
}

impl PracticalForm {
    pub fn into_input(self) -> PracticalInput {
        PracticalInput {
            schedule: ScheduleInput {
                frequency: trim(self.schedule_frequency),
                weekdays: self.schedule_weekdays,
                week_of_month: trim(self.schedule_week_of_month),
                starts_at: trim(self.schedule_starts_at),
                ends_at: trim(self.schedule_ends_at),
            },
            contact: ContactInput {
                name: trim(self.contact_name),
                phone: trim(self.contact_phone),
                email: trim(self.contact_email),
            },
            how_to_apply: trim(self.how_to_apply),
        }
    }
}

/// The action form, as sent (`action_form.html`): the action's own fields,
/// its place and its practical details in one flat form; the lists are
/// checkboxes.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    structure_id: String,
    name: String,
    description: String,
    family: String,
    thematiques: Vec<String>,
    service_type: String,
    format: String,
    publics: Vec<String>,
    eligibility_min_age: String,
    eligibility_max_age: String,
    eligibility_publics: Vec<String>,
    eligibility_orientations: Vec<String>,
    eligibility_contract_required: String,
    eligibility_communes: String,
    eligibility_margin_places: String,
    capacity: String,
    capacity_period: String,
    reception: Vec<String>,
    address: String,
    postal_code: String,
    commune_code: String,
    commune_name: String,
    weekly_hours: String,
    duration_weeks: String,
    self_referral: String,
    starts_on: String,
    ends_on: String,
    // The practical details, as in `PracticalForm` (serde's `flatten` does
    // not read numbers nor single-valued lists from a urlencoded body).
    schedule_frequency: String,
    schedule_weekdays: Vec<String>,
    schedule_week_of_month: String,
    schedule_starts_at: String,
    schedule_ends_at: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    how_to_apply: String,
    version: i64,
}

impl ActionForm {
    pub fn into_input(self) -> ActionInput {
        ActionInput {
            structure_id: trim(self.structure_id),
            name: trim(self.name),
            description: trim(self.description),
            family: trim(self.family),
            thematiques: self.thematiques,
            service_type: trim(self.service_type),
            format: trim(self.format),
            publics: self.publics,
            eligibility: EligibilityInput {
                min_age: trim(self.eligibility_min_age),
                max_age: trim(self.eligibility_max_age),
                publics: self.eligibility_publics,
                orientations: self.eligibility_orientations,
                contract_required: checked(&self.eligibility_contract_required),
                communes: trim(self.eligibility_communes),
                margin_places: trim(self.eligibility_margin_places),
            },
            capacity: trim(self.capacity),
            capacity_period: trim(self.capacity_period),
            reception: self.reception,
            place: AddressInput {
                address: trim(self.address),
                postal_code: trim(self.postal_code),
                commune_code: trim(self.commune_code),
                commune_name: trim(self.commune_name),
            },
            weekly_hours: trim(self.weekly_hours),
            duration_weeks: trim(self.duration_weeks),
            self_referral: checked(&self.self_referral),
            starts_on: trim(self.starts_on),
            ends_on: trim(self.ends_on),
            practical: PracticalForm {
                schedule_frequency: self.schedule_frequency,
                schedule_weekdays: self.schedule_weekdays,
                schedule_week_of_month: self.schedule_week_of_month,
                schedule_starts_at: self.schedule_starts_at,
                schedule_ends_at: self.schedule_ends_at,
                contact_name: self.contact_name,
                contact_phone: self.contact_phone,
                contact_email: self.contact_email,
                how_to_apply: self.how_to_apply,
                version: self.version,
            }
            .into_input(),
        }
    }
}

/// A funding line, as sent (`action.html`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FundingForm {
    kind: String,
    funder: String,
    year: String,
    amount: String,
    contract_number: String,
    lot: String,
    fse_plus: String,
    fse_operation: String,
}

impl FundingForm {
    fn into_input(self) -> FundingInput {
        FundingInput {
            kind: trim(self.kind),
            funder: trim(self.funder),
            year: trim(self.year),
            amount: trim(self.amount),
            contract_number: trim(self.contract_number),
            lot: trim(self.lot),
            fse_plus: checked(&self.fse_plus),
            fse_operation: trim(self.fse_operation),
        }
    }
}

/// A new session, as sent (`action.html`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    on: String,
    starts_at: String,
    ends_at: String,
    note: String,
}

impl SessionForm {
    fn into_input(self) -> SessionInput {
        SessionInput {
            on: trim(self.on),
            starts_at: trim(self.starts_at),
            ends_at: trim(self.ends_at),
            note: trim(self.note),
        }
    }
}

/// An action's next status, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    status: String,
    version: i64,
}

/// Cancelling a session ("0" restores it).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    cancelled: String,
}

/// A family, created or renamed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FamilyForm {
    code: String,
    label: String,
}

fn codes<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v))).collect()
}

/// The lists a schedule form offers.
pub struct ScheduleChoices {
    pub frequencies: Vec<Choice>,
    pub weekdays: Vec<Choice>,
    pub weeks: Vec<Choice>,
}

impl ScheduleChoices {
    fn new(input: &ScheduleInput) -> ScheduleChoices {
        let weeks = [
            ("1", "1re semaine"),
            ("2", "2e semaine"),
            ("3", "3e semaine"),
            ("4", "4e semaine"),
            ("5", "Dernière semaine"),
        ];
        ScheduleChoices {
            frequencies: choices(
                codes(Frequency::ALL, Frequency::code, Frequency::label),
                std::slice::from_ref(&input.frequency),
            ),
            weekdays: choices(
                WEEKDAYS.iter().map(|(code, name, _)| (*code, *name)),
                &input.weekdays,
            ),
            weeks: choices(weeks, std::slice::from_ref(&input.week_of_month)),
        }
    }
}

// ---------------------------------------------------------------- structures

#[derive(Template)]
#[template(path = "catalogue/structures.html")]
struct StructuresPage {
    layout: Layout,
    structures: Vec<parcours_store::catalogue::StructureSummary>,
}

pub async fn structures(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
) -> Result<Response, PageError> {
    if me.role() == Role::Operator {
        return Ok(
            Redirect::to(&format!("/structures/{}", me.user.organisation_id)).into_response(),
        );
    }
    let structures = catalogue::structures(&state, &me).await?;
    let page = StructuresPage {
        layout: Layout::new(&session, &me, "Structures partenaires", "/structures").await?,
        structures,
    };
    Ok(Html(page.render().map_err(template_failure)?).into_response())
}

#[derive(Template)]
#[template(path = "catalogue/structure_form.html")]
struct StructureFormPage {
    layout: Layout,
    editing: Option<(Uuid, i64)>,
    input: StructureInput,
    kinds: Vec<Choice>,
    networks: Vec<Choice>,
    errors: Invalid,
}

fn structure_form(
    layout: Layout,
    editing: Option<(Uuid, i64)>,
    input: StructureInput,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let kinds = codes(
        &OrganisationKind::ALL,
        OrganisationKind::code,
        OrganisationKind::label,
    );
    let page = StructureFormPage {
        layout,
        editing,
        kinds: choices(kinds, std::slice::from_ref(&input.kind)),
        networks: choices(
            codes(Network::ALL, Network::code, Network::label),
            std::slice::from_ref(&input.network),
        ),
        input,
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn new_structure(
    session: WebSession,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    me.require(Permission::ManageCatalogue)?;
    let layout = Layout::new(&session, &me, "Nouvelle structure", "/structures").await?;
    let input = StructureInput {
        kind: "association".into(),
        ..Default::default()
    };
    Ok(structure_form(layout, None, input, Invalid::new())?)
}

pub async fn create_structure_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Form(form): Form<StructureForm>,
) -> Result<Response, PageError> {
    let input = form.into_input();
    match catalogue::create_structure(&state, &me, &input).await {
        Ok(s) => {
            flash(&session, format!("Structure « {} » créée.", s.name)).await?;
            Ok(Redirect::to(&format!("/structures/{}", s.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let layout = Layout::new(&session, &me, "Nouvelle structure", "/structures").await?;
            Ok(structure_form(layout, None, input, errors)?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn edit_structure(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let s = catalogue::structure_to_edit(&state, &me, id).await?;
    let input = StructureInput {
        name: s.name.clone(),
        kind: s.kind.code().to_owned(),
        siret: s.siret.clone(),
        description: s.description.clone().unwrap_or_default(),
        place: AddressInput {
            address: s.address.clone().unwrap_or_default(),
            postal_code: s.postal_code.clone().unwrap_or_default(),
            commune_code: s.commune_code.clone().unwrap_or_default(),
            commune_name: s.commune_name.clone().unwrap_or_default(),
        },
        contact: ContactInput {
            name: s.contact_name.clone().unwrap_or_default(),
            phone: s.phone.clone().unwrap_or_default(),
            email: s.email.clone().unwrap_or_default(),
        },
        website: s.website.clone().unwrap_or_default(),
        network: s.network.clone().unwrap_or_default(),
    };
    let layout = Layout::new(&session, &me, "Modifier la structure", "/structures").await?;
    Ok(structure_form(
        layout,
        Some((id, s.version)),
        input,
        Invalid::new(),
    )?)
}

pub async fn update_structure_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<StructureForm>,
) -> Result<Response, PageError> {
    let version = form.version;
    let input = form.into_input();
    match catalogue::update_structure(&state, &me, id, version, &input).await {
        Ok(s) => {
            flash(&session, "Structure enregistrée.").await?;
            Ok(Redirect::to(&format!("/structures/{}", s.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let layout = Layout::new(&session, &me, "Modifier la structure", "/structures").await?;
            Ok(structure_form(layout, Some((id, version)), input, errors)?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "catalogue/structure.html")]
struct StructurePage {
    layout: Layout,
    structure: Structure,
    kind: &'static str,
    network: Option<&'static str>,
    actions: Vec<ActionLine>,
    operators: Vec<(String, String)>,
    can_manage: bool,
    can_view_dashboard: bool,
}

pub struct ActionLine {
    pub id: Uuid,
    pub name: String,
    pub structure_name: String,
    pub family: String,
    pub status: &'static str,
    pub places: String,
    pub commune: String,
}

fn action_lines(
    rows: Vec<parcours_store::catalogue::ActionSummary>,
    families: &[Family],
) -> Vec<ActionLine> {
    rows.into_iter()
        .map(|a| ActionLine {
            family: a
                .family
                .as_ref()
                .and_then(|f| families.iter().find(|x| &x.code == f))
                .map_or_else(|| "—".to_owned(), |f| f.label.clone()),
            status: a.status.label(),
            places: places_text(a.capacity, a.places_taken),
            commune: a.commune_name.unwrap_or_else(|| "À distance".to_owned()),
            id: a.id,
            name: a.name,
            structure_name: a.structure_name,
        })
        .collect()
}

pub async fn show_structure(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let sheet = catalogue::open_structure(&state, &me, id).await?;
    let structure = sheet.structure;
    let page = StructurePage {
        layout: Layout::new(&session, &me, &structure.name, "/structures").await?,
        kind: structure.kind.label(),
        network: structure
            .network
            .as_deref()
            .and_then(Network::from_code)
            .map(|n| n.label()),
        structure,
        actions: action_lines(sheet.actions, &sheet.families),
        operators: sheet.operators,
        can_manage: sheet.can_manage,
        can_view_dashboard: sheet.can_view_dashboard,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

// ---------------------------------------------------------------- actions

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub statut: String,
    #[serde(default)]
    pub famille: String,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "catalogue/actions.html")]
struct ActionsPage {
    layout: Layout,
    query: ListQuery,
    statuses: Vec<Choice>,
    families: Vec<Choice>,
    actions: Vec<ActionLine>,
    total: i64,
    page: i64,
    pages: i64,
    can_manage: bool,
}

const PAGE_SIZE: i64 = 20;

pub async fn actions(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let page = query.page.unwrap_or(1).max(1);
    let list = ActionList {
        text: query.q.clone(),
        status: query.statut.clone(),
        family: query.famille.clone(),
        limit: PAGE_SIZE,
        page,
    };
    let (rows, total) = catalogue::list_actions(&state, &me, &list).await?;
    let families = catalogue::families(&state, &me).await?;
    let page = ActionsPage {
        layout: Layout::new(&session, &me, "Actions d'insertion", "/actions").await?,
        statuses: choices(
            codes(ActionStatus::ALL, ActionStatus::code, ActionStatus::label),
            std::slice::from_ref(&query.statut),
        ),
        families: choices(
            families.iter().map(|f| (f.code.as_str(), f.label.as_str())),
            std::slice::from_ref(&query.famille),
        ),
        actions: action_lines(rows, &families),
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        can_manage: me.role().can(Permission::ManageCatalogue),
        query,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

#[derive(Template)]
#[template(path = "catalogue/action_form.html")]
struct ActionFormPage {
    layout: Layout,
    editing: Option<(Uuid, i64)>,
    input: ActionInput,
    structures: Vec<Choice>,
    families: Vec<Choice>,
    themes: Vec<ThemeGroup>,
    service_types: Vec<Choice>,
    formats: Vec<Choice>,
    publics: Vec<Choice>,
    target_publics: Vec<Choice>,
    orientations: Vec<Choice>,
    periods: Vec<Choice>,
    receptions: Vec<Choice>,
    schedule: ScheduleChoices,
    errors: Invalid,
}

/// The form, offering `choices` (read before the layout, which takes the
/// flash message).
fn action_form(
    layout: Layout,
    ActionChoices {
        structures,
        families,
    }: ActionChoices,
    editing: Option<(Uuid, i64)>,
    input: ActionInput,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let orientations = parcours_domain::deadline::OrientationKind::ALL;
    let page = ActionFormPage {
        layout,
        editing,
        structures: choices(
            structures
                .iter()
                .map(|s| (s.id.to_string(), s.name.clone()))
                .collect::<Vec<_>>()
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str())),
            std::slice::from_ref(&input.structure_id),
        ),
        families: choices(
            families.iter().map(|f| (f.code.as_str(), f.label.as_str())),
            std::slice::from_ref(&input.family),
        ),
        themes: theme_groups(&input.thematiques),
        service_types: choices(
            codes(ServiceType::ALL, ServiceType::code, ServiceType::label),
            std::slice::from_ref(&input.service_type),
        ),
        formats: choices(
            codes(ActionFormat::ALL, ActionFormat::code, ActionFormat::label),
            std::slice::from_ref(&input.format),
        ),
        publics: choices(
            codes(Public::ALL, Public::code, Public::label),
            &input.publics,
        ),
        target_publics: choices(
            codes(TargetPublic::ALL, TargetPublic::code, TargetPublic::label),
            &input.eligibility.publics,
        ),
        orientations: choices(
            orientations.iter().map(|o| (o.code(), o.label())),
            &input.eligibility.orientations,
        ),
        periods: choices(
            codes(
                CapacityPeriod::ALL,
                CapacityPeriod::code,
                CapacityPeriod::label,
            ),
            std::slice::from_ref(&input.capacity_period),
        ),
        receptions: choices(
            codes(Reception::ALL, Reception::code, Reception::label),
            &input.reception,
        ),
        schedule: ScheduleChoices::new(&input.practical.schedule),
        input,
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

#[derive(Deserialize, Default)]
pub struct NewActionQuery {
    #[serde(default)]
    pub structure: String,
}

pub async fn new_action(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Query(q): Query<NewActionQuery>,
) -> Result<Html<String>, PageError> {
    let offered = catalogue::action_choices(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Nouvelle action", "/actions").await?;
    let input = ActionInput {
        structure_id: q.structure,
        format: "collective".into(),
        service_type: "atelier".into(),
        reception: vec!["en-presentiel".into()],
        starts_on: today().to_string(),
        practical: PracticalInput {
            schedule: ScheduleInput {
                frequency: "weekly".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    Ok(action_form(layout, offered, None, input, Invalid::new())?)
}

pub async fn create_action_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let input = form.into_input();
    match catalogue::create_action(&state, &me, &input).await {
        Ok(a) => {
            flash(
                &session,
                format!("Action « {} » créée (brouillon).", a.name),
            )
            .await?;
            Ok(Redirect::to(&format!("/actions/{}", a.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let offered = catalogue::action_choices(&state, &me).await?;
            let layout = Layout::new(&session, &me, "Nouvelle action", "/actions").await?;
            Ok(action_form(layout, offered, None, input, errors)?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The form's input for an existing action.
pub fn input_of(a: &Action) -> ActionInput {
    ActionInput {
        structure_id: a.structure_id.to_string(),
        name: a.name.clone(),
        description: a.description.clone(),
        family: a.family.clone().unwrap_or_default(),
        thematiques: a.thematiques.clone(),
        service_type: a.service_type.code().to_owned(),
        format: a.format.code().to_owned(),
        publics: a.publics.clone(),
        eligibility: a.eligibility.to_input(),
        capacity: a.capacity.map(|c| c.to_string()).unwrap_or_default(),
        capacity_period: a.capacity_period.code().to_owned(),
        reception: a.reception.clone(),
        place: AddressInput {
            address: a.address.clone().unwrap_or_default(),
            postal_code: a.postal_code.clone().unwrap_or_default(),
            commune_code: a.commune_code.clone().unwrap_or_default(),
            commune_name: a.commune_name.clone().unwrap_or_default(),
        },
        weekly_hours: a
            .weekly_hours
            .map(|h| h.to_string().replace('.', ","))
            .unwrap_or_default(),
        duration_weeks: a.duration_weeks.map(|w| w.to_string()).unwrap_or_default(),
        self_referral: a.self_referral,
        starts_on: a.starts_on.to_string(),
        ends_on: a.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        practical: practical_of(a),
    }
}

fn practical_of(a: &Action) -> PracticalInput {
    PracticalInput {
        schedule: a.schedule.to_input(),
        contact: ContactInput {
            name: a.contact_name.clone().unwrap_or_default(),
            phone: a.contact_phone.clone().unwrap_or_default(),
            email: a.contact_email.clone().unwrap_or_default(),
        },
        how_to_apply: a.how_to_apply.clone().unwrap_or_default(),
    }
}

pub async fn edit_action(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let action = catalogue::action_to_edit(&state, &me, id).await?;
    let offered = catalogue::action_choices(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Modifier l'action", "/actions").await?;
    Ok(action_form(
        layout,
        offered,
        Some((id, action.version)),
        input_of(&action),
        Invalid::new(),
    )?)
}

pub async fn update_action_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let version = form.version;
    let input = form.into_input();
    match catalogue::update_action(&state, &me, id, version, &input).await {
        Ok(a) => {
            flash(&session, "Action enregistrée.").await?;
            Ok(Redirect::to(&format!("/actions/{}", a.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let offered = catalogue::action_choices(&state, &me).await?;
            let layout = Layout::new(&session, &me, "Modifier l'action", "/actions").await?;
            Ok(action_form(layout, offered, Some((id, version)), input, errors)?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "catalogue/practical_form.html")]
struct PracticalFormPage {
    layout: Layout,
    action_id: Uuid,
    action_name: String,
    version: i64,
    input: PracticalInput,
    schedule: ScheduleChoices,
    errors: Invalid,
}

fn practical_form(
    layout: Layout,
    action: &Action,
    version: i64,
    input: PracticalInput,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let page = PracticalFormPage {
        layout,
        action_id: action.id,
        action_name: action.name.clone(),
        version,
        schedule: ScheduleChoices::new(&input.schedule),
        input,
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn edit_practical(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let action = catalogue::practical_action(&state, &me, id).await?;
    let layout = Layout::new(&session, &me, "Informations pratiques", "/actions").await?;
    Ok(practical_form(
        layout,
        &action,
        action.version,
        practical_of(&action),
        Invalid::new(),
    )?)
}

pub async fn update_practical_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<PracticalForm>,
) -> Result<Response, PageError> {
    let version = form.version;
    let input = form.into_input();
    match catalogue::update_practical(&state, &me, id, version, &input).await {
        Ok(a) => {
            flash(&session, "Informations pratiques enregistrées.").await?;
            Ok(Redirect::to(&format!("/actions/{}", a.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let action = catalogue::practical_action(&state, &me, id).await?;
            let layout = Layout::new(&session, &me, "Informations pratiques", "/actions").await?;
            Ok(practical_form(layout, &action, version, input, errors)?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub struct FundingLine {
    pub id: Uuid,
    pub kind: &'static str,
    pub funder: String,
    pub year: i64,
    pub amount: String,
    pub reference: String,
    pub fse: String,
}

fn funding_line(f: Funding) -> FundingLine {
    let reference = match (&f.contract_number, &f.lot) {
        (Some(n), Some(lot)) => format!("Marché {n}, lot {lot}"),
        (Some(n), None) => format!("Marché {n}"),
        _ => String::new(),
    };
    FundingLine {
        id: f.id,
        kind: f.kind.label(),
        funder: f.funder,
        year: f.year,
        amount: format_euros(f.amount_cents),
        reference,
        fse: f
            .fse_operation
            .map(|op| format!("FSE+ (opération {op})"))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "catalogue/action.html")]
struct ActionPage {
    layout: Layout,
    action: Action,
    view: ActionView,
    status: &'static str,
    next_statuses: Vec<(&'static str, &'static str)>,
    fundings: Vec<FundingLine>,
    can_manage: bool,
    can_edit_practical: bool,
    funding_kinds: Vec<(&'static str, &'static str)>,
    year: i32,
    period: SessionPeriod,
}

/// The sessions the action's page shows: a month, past ones included, or
/// by default the last two weeks and what is to come; and the months around.
pub struct SessionPeriod {
    pub heading: String,
    /// The month field's value (AAAA-MM).
    pub month: String,
    pub previous: String,
    pub next: String,
    pub is_month: bool,
}

fn session_period(month: Option<time::Date>) -> SessionPeriod {
    let first = month.unwrap_or_else(|| {
        let today = today();
        today.replace_day(1).unwrap_or(today)
    });
    let previous = first.previous_day().unwrap_or(first);
    let next = first + time::Duration::days(i64::from(first.month().length(first.year())));
    SessionPeriod {
        heading: match month {
            Some(m) => format!("Séances de {} {}", fr_month(m.month()), m.year()),
            None => "Séances des deux dernières semaines et à venir".to_owned(),
        },
        month: month_code(first),
        previous: month_code(previous),
        next: month_code(next),
        is_month: month.is_some(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionQuery {
    mois: String,
}

pub async fn show_action(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Query(query): Query<ActionQuery>,
) -> Result<Html<String>, PageError> {
    let details = catalogue::open_action(&state, &me, id, &query.mois).await?;
    let status = details.sheet.action.status;
    let next_statuses = if details.can_manage {
        next_statuses(status)
    } else {
        Vec::new()
    };
    let page = ActionPage {
        layout: Layout::new(&session, &me, &details.sheet.action.name, "/actions").await?,
        view: action_view(&details.sheet),
        status: status.label(),
        next_statuses,
        fundings: details.fundings.into_iter().map(funding_line).collect(),
        can_manage: details.can_manage,
        can_edit_practical: details.can_edit_practical,
        funding_kinds: codes(FundingKind::ALL, FundingKind::code, FundingKind::label),
        year: today().year(),
        period: session_period(details.month),
        action: details.sheet.action,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

/// The statuses an action may take next, as buttons.
fn next_statuses(status: ActionStatus) -> Vec<(&'static str, &'static str)> {
    ActionStatus::ALL
        .iter()
        .filter(|s| status.can_become(**s).is_ok())
        .map(|s| {
            (
                s.code(),
                match s {
                    ActionStatus::Published => "Publier",
                    ActionStatus::Archived => "Archiver",
                    ActionStatus::Draft => "Repasser en brouillon",
                },
            )
        })
        .collect()
}

pub async fn status_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<StatusForm>,
) -> Result<Response, PageError> {
    let result = catalogue::set_status(&state, &me, id, form.version, form.status.trim())
        .await
        .map(|a| format!("Action : {}.", a.status.label().to_lowercase()));
    let to = format!("/actions/{id}");
    flash_outcome(&session, result, Sent::new("statut", pairs), &to).await
}

pub async fn funding_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<FundingForm>,
) -> Result<Response, PageError> {
    let input = form.into_input();
    let result = catalogue::add_funding(&state, &me, id, &input)
        .await
        .map(|_| "Financement ajouté.".to_owned());
    let to = format!("/actions/{id}");
    flash_outcome(&session, result, Sent::new("financement", pairs), &to).await
}

pub async fn delete_funding_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let funding = catalogue::delete_funding(&state, &me, id).await?;
    flash(&session, "Financement supprimé.").await?;
    Ok(Redirect::to(&format!("/actions/{}", funding.action_id)).into_response())
}

pub async fn session_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<SessionForm>,
) -> Result<Response, PageError> {
    let input = form.into_input();
    let result = catalogue::add_session(&state, &me, id, &input)
        .await
        .map(|s| format!("Séance ajoutée le {}.", fr_date(s.on_date)));
    let to = format!("/actions/{id}");
    flash_outcome(&session, result, Sent::new("seance", pairs), &to).await
}

pub async fn cancel_session_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    let cancelled = form.cancelled.trim() != "0";
    let s = catalogue::cancel_session(&state, &me, id, cancelled).await?;
    let message = format!(
        "Séance du {} {}.",
        fr_date(s.on_date),
        if s.cancelled { "annulée" } else { "rétablie" }
    );
    flash(&session, message).await?;
    Ok(Redirect::to(&format!("/actions/{}", s.action_id)).into_response())
}

// ---------------------------------------------------------------- families and programme

#[derive(Template)]
#[template(path = "catalogue/families.html")]
struct FamiliesPage {
    layout: Layout,
    families: Vec<Family>,
    errors: Invalid,
}

pub async fn families(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    // The page to manage them: for the chargé de mission only.
    me.require(Permission::ManageCatalogue)?;
    let families = catalogue::families(&state, &me).await?;
    let page = FamiliesPage {
        layout: Layout::new(&session, &me, "Familles d'actions", "/familles").await?,
        families,
        errors: Invalid::new(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn save_family_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Form(form): Form<FamilyForm>,
) -> Result<Response, PageError> {
    let (code, label) = (trim(form.code), trim(form.label));
    match catalogue::save_family(&state, &me, &code, &label).await {
        Ok(family) => {
            flash(
                &session,
                format!("Famille « {} » enregistrée.", family.label),
            )
            .await?;
            Ok(Redirect::to("/familles").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let families = catalogue::families(&state, &me).await?;
            let page = FamiliesPage {
                layout: Layout::new(&session, &me, "Familles d'actions", "/familles").await?,
                families,
                errors,
            };
            Ok(Html(page.render().map_err(template_failure)?).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ProgrammeQuery {
    #[serde(default)]
    pub annee: String,
    /// A family's code ("sans" for the actions without one): its lines.
    #[serde(default)]
    pub famille: Option<String>,
}

pub struct FamilyRow {
    pub code: String,
    pub label: String,
    pub actions: i64,
    pub places: i64,
    pub taken: i64,
    pub amount: String,
    pub fse: String,
}

pub struct ProgrammeRow {
    pub action_id: Uuid,
    pub action: String,
    pub structure: String,
    pub status: &'static str,
    pub funding: String,
    pub amount: String,
    pub fse: String,
    pub capacity: String,
    pub taken: i64,
}

#[derive(Template)]
#[template(path = "catalogue/programme.html")]
struct ProgrammePage {
    layout: Layout,
    year: String,
    years: Vec<i64>,
    families: Vec<FamilyRow>,
    total: String,
    fse_total: String,
    /// The funding by family, as bars over the table.
    chart: Chart,
    /// The family opened, with its lines.
    opened: Option<(String, Vec<ProgrammeRow>)>,
}

fn family_label(code: Option<&str>, families: &[Family]) -> String {
    code.and_then(|c| families.iter().find(|f| f.code == c))
        .map_or_else(|| "Sans famille".to_owned(), |f| f.label.clone())
}

fn programme_row(line: &ProgrammeLine) -> ProgrammeRow {
    let funding = match (&line.funding_kind, &line.funder, line.year) {
        (Some(kind), Some(funder), Some(year)) => {
            let kind = FundingKind::from_code(kind).map_or("?", |k| k.label());
            let lot = line
                .lot
                .as_ref()
                .map(|l| format!(", lot {l}"))
                .unwrap_or_default();
            let reference = line
                .contract_number
                .as_ref()
                .map(|n| format!(" n° {n}{lot}"))
                .unwrap_or_default();
            format!("{kind}{reference} — {funder}, {year}")
        }
        _ => "Aucun financement".to_owned(),
    };
    ProgrammeRow {
        action_id: line.action_id,
        action: line.action_name.clone(),
        structure: line.structure_name.clone(),
        status: line.status.label(),
        funding,
        amount: line.amount_cents.map(format_euros).unwrap_or_default(),
        fse: line
            .fse_operation
            .clone()
            .filter(|_| line.fse_plus == Some(true))
            .unwrap_or_default(),
        capacity: line
            .capacity
            .map_or_else(|| "—".to_owned(), |c| c.to_string()),
        taken: line.places_taken,
    }
}

/// The programme by family (actions, places, funding of the year); a
/// family opens on its actions and their funding lines.
pub async fn programme(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Query(q): Query<ProgrammeQuery>,
) -> Result<Html<String>, PageError> {
    let year = catalogue::programme_year(&me, &q.annee)?;
    let summary = catalogue::programme_summary(&state, &me, year).await?;
    let families = catalogue::families(&state, &me).await?;
    let opened = match q.famille.as_deref() {
        Some(code) => {
            let family = if code == "sans" { "" } else { code };
            let lines = catalogue::programme_lines(&state, &me, year, Some(family)).await?;
            let label = family_label((!family.is_empty()).then_some(family), &families);
            Some((label, lines.iter().map(programme_row).collect()))
        }
        None => None,
    };
    let this_year = i64::from(today().year());
    let page = ProgrammePage {
        layout: Layout::new(&session, &me, "Programme d'actions", "/programme").await?,
        year: year.map_or_else(|| "toutes".to_owned(), |y| y.to_string()),
        years: (this_year - 2..=this_year + 1).rev().collect(),
        total: format_euros(summary.iter().map(|f| f.amount_cents).sum()),
        fse_total: format_euros(summary.iter().map(|f| f.fse_cents).sum()),
        chart: Chart::of(
            "graphe-financement",
            "Financement par famille d'actions (détail dans le tableau)",
            summary.iter().map(|f| {
                (
                    family_label(f.family.as_deref(), &families),
                    f.amount_cents,
                    format_euros(f.amount_cents),
                )
            }),
        ),
        families: summary
            .iter()
            .map(|f| FamilyRow {
                code: f.family.clone().unwrap_or_else(|| "sans".to_owned()),
                label: family_label(f.family.as_deref(), &families),
                actions: f.actions,
                places: f.places,
                taken: f.places_taken,
                amount: format_euros(f.amount_cents),
                fse: format_euros(f.fse_cents),
            })
            .collect(),
        opened,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}
