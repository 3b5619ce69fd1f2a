//! The catalogue: partner structures, actions, their practical details,
//! funding, status and sessions, the families and the programme, and the
//! public catalogue. The chargé de mission edits everything; a structure's
//! opérateur edits its actions' practical details and sessions, never
//! funding; everyone signed in reads published actions; anyone, signed in
//! or not, searches the published, current ones.

use crate::clock::today;
use crate::structure_dashboard::may_view_dashboard;
use crate::{App, CurrentUser, Failure};
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, FundingData, FundingInput, PracticalData,
    PracticalInput, SessionInput, StructureData, StructureInput,
};
use parcours_domain::person::{parse_date, required_date};
use parcours_domain::schedule::{hhmm, Schedule, ScheduleInput};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::catalogue::{
    Action, ActionSummary, CatalogueFilter, Family, FamilySummary, Funding, ProgrammeLine, Session,
    Structure, StructureSummary,
};
use std::collections::HashMap;
use std::sync::Arc;
use time::Date;
use uuid::Uuid;

// ---------------------------------------------------------------- rules

/// Whether `me` may read this action: published ones for everyone signed
/// in, the others for the chargé de mission and the structure's opérateurs.
pub fn may_read(me: &CurrentUser, action: &Action) -> bool {
    action.status == ActionStatus::Published || may_edit_practical(me, action)
}

pub fn may_edit_practical(me: &CurrentUser, action: &Action) -> bool {
    me.role() == Role::ProgrammeOfficer
        || (me.role() == Role::Operator && me.user.organisation_id == action.structure_id)
}

/// The back-office list: the chargé de mission sees every action, an
/// opérateur their structure's, everyone else the published ones.
fn scoped_filter(me: &CurrentUser, mut filter: CatalogueFilter) -> CatalogueFilter {
    let own = me.user.organisation_id;
    if me.role() == Role::Operator && filter.structure_id.is_none() {
        filter.structure_id = Some(own);
    }
    // The same rule as `may_read`: drafts only for the chargé de mission and
    // for the opérateurs of the structure that runs the action.
    let sees_drafts = me.role() == Role::ProgrammeOfficer
        || (me.role() == Role::Operator && filter.structure_id == Some(own));
    if !sees_drafts {
        filter.public_only = true;
        filter.today = Some(today());
    }
    filter
}

// ---------------------------------------------------------------- structures

/// Partner structures (chargé de mission).
pub async fn structures(app: &App, me: &CurrentUser) -> Result<Vec<StructureSummary>, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.structures().await?)
}

/// One structure: everyone signed in (it is published with its actions).
pub async fn structure(app: &App, _me: &CurrentUser, id: Uuid) -> Result<Structure, Failure> {
    Ok(app.store.structure(id).await?)
}

/// A structure, to change its details (chargé de mission).
pub async fn structure_to_edit(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
) -> Result<Structure, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.structure(id).await?)
}

pub async fn create_structure(
    app: &App,
    me: &CurrentUser,
    input: &StructureInput,
) -> Result<Structure, Failure> {
    me.require(Permission::ManageCatalogue)?;
    let data = StructureData::parse(input)?;
    Ok(app.store.create_structure(&me.actor(), &data, None).await?)
}

pub async fn update_structure(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &StructureInput,
) -> Result<Structure, Failure> {
    me.require(Permission::ManageCatalogue)?;
    let data = StructureData::parse(input)?;
    Ok(app
        .store
        .update_structure(&me.actor(), id, version, &data)
        .await?)
}

/// A structure's page: its actions as `me` may see them, and its
/// opérateurs for the structure itself and the chargé de mission.
pub struct StructureSheet {
    pub structure: Structure,
    pub actions: Vec<ActionSummary>,
    pub families: Vec<Family>,
    /// Name and email of the structure's active opérateurs.
    pub operators: Vec<(String, String)>,
    pub can_manage: bool,
    pub can_view_dashboard: bool,
}

pub async fn open_structure(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
) -> Result<StructureSheet, Failure> {
    let structure = app.store.structure(id).await?;
    let filter = CatalogueFilter {
        structure_id: Some(id),
        limit: 500,
        ..Default::default()
    };
    let (actions, _) = app.store.search_actions(&scoped_filter(me, filter)).await?;
    let own = me.role() == Role::ProgrammeOfficer || me.user.organisation_id == id;
    let operators = if own {
        app.store
            .accounts()
            .await?
            .into_iter()
            .filter(|u| u.organisation_id == id && !u.disabled)
            .map(|u| (u.display_name, u.email))
            .collect()
    } else {
        Vec::new()
    };
    Ok(StructureSheet {
        structure,
        actions,
        families: app.store.families().await?,
        operators,
        can_manage: me.role().can(Permission::ManageCatalogue),
        can_view_dashboard: may_view_dashboard(me, id),
    })
}

// ---------------------------------------------------------------- actions

/// The back-office list's criteria.
#[derive(Debug, Clone, Default)]
pub struct ActionList {
    pub text: String,
    pub status: String,
    pub family: String,
    pub limit: i64,
    /// From 1.
    pub page: i64,
}

/// The actions `me` may see (see [`scoped_filter`]), one page, and their total.
pub async fn list_actions(
    app: &App,
    me: &CurrentUser,
    list: &ActionList,
) -> Result<(Vec<ActionSummary>, i64), Failure> {
    let filter = CatalogueFilter {
        text: parcours_domain::validation::search_words(&list.text),
        status: list.status.clone(),
        family: list.family.clone(),
        limit: list.limit,
        offset: (list.page.max(1) - 1).saturating_mul(list.limit),
        ..Default::default()
    };
    Ok(app.store.search_actions(&scoped_filter(me, filter)).await?)
}

/// How many actions the caller's list holds, and how many of them are published.
pub async fn action_counts(app: &App, me: &CurrentUser) -> Result<(i64, i64), Failure> {
    let filter = scoped_filter(
        me,
        CatalogueFilter {
            limit: 1,
            ..Default::default()
        },
    );
    let (_, total) = app.store.search_actions(&filter).await?;
    let published = CatalogueFilter {
        status: ActionStatus::Published.code().into(),
        ..filter
    };
    let (_, published) = app.store.search_actions(&published).await?;
    Ok((total, published))
}

pub async fn readable_action(app: &App, me: &CurrentUser, id: Uuid) -> Result<Action, Failure> {
    let action = app.store.action(id).await?;
    if may_read(me, &action) {
        Ok(action)
    } else {
        Err(Failure::Forbidden)
    }
}

/// The action, when `me` may change its schedule, contact and sessions.
pub async fn practical_action(app: &App, me: &CurrentUser, id: Uuid) -> Result<Action, Failure> {
    me.require(Permission::EditActionPractical)?;
    let action = app.store.action(id).await?;
    if !may_edit_practical(me, &action) {
        return Err(Failure::Forbidden);
    }
    Ok(action)
}

/// An action, to change its content (chargé de mission).
pub async fn action_to_edit(app: &App, me: &CurrentUser, id: Uuid) -> Result<Action, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.action(id).await?)
}

/// What the action form offers: the structures and the families.
pub struct ActionChoices {
    pub structures: Vec<StructureSummary>,
    pub families: Vec<Family>,
}

pub async fn action_choices(app: &App, me: &CurrentUser) -> Result<ActionChoices, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(ActionChoices {
        structures: app.store.structures().await?,
        families: app.store.families().await?,
    })
}

pub async fn create_action(
    app: &App,
    me: &CurrentUser,
    input: &ActionInput,
) -> Result<Action, Failure> {
    me.require(Permission::ManageCatalogue)?;
    let data = ActionData::parse(input)?;
    Ok(app
        .store
        .create_action(&me.actor(), &data, today(), None)
        .await?)
}

pub async fn update_action(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &ActionInput,
) -> Result<Action, Failure> {
    me.require(Permission::ManageCatalogue)?;
    let data = ActionData::parse(input)?;
    Ok(app
        .store
        .update_action(&me.actor(), id, version, &data, today())
        .await?)
}

pub async fn update_practical(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &PracticalInput,
) -> Result<Action, Failure> {
    practical_action(app, me, id).await?;
    let data = PracticalData::parse(input)?;
    Ok(app
        .store
        .update_practical(&me.actor(), id, version, &data, today())
        .await?)
}

pub async fn set_status(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    status: &str,
) -> Result<Action, Failure> {
    me.require(Permission::ManageCatalogue)?;
    let next = ActionStatus::from_code(status.trim())
        .ok_or_else(|| Invalid::field("status", "État inconnu (draft, published ou archived)."))?;
    Ok(app
        .store
        .set_action_status(&me.actor(), id, version, next)
        .await?)
}

/// What an action is, with what its page shows besides: its family, its
/// sessions from a date on, the names of the communes its rules name.
pub struct ActionSheet {
    pub action: Action,
    pub family: Option<Family>,
    pub sessions: Vec<Session>,
    /// "14000 Caen" by INSEE code.
    pub communes: HashMap<String, String>,
}

async fn sheet(
    app: &App,
    action: Action,
    from: Date,
    sessions: i64,
) -> Result<ActionSheet, Failure> {
    let families = app.store.families().await?;
    let family = action
        .family
        .as_ref()
        .and_then(|f| families.into_iter().find(|x| &x.code == f));
    Ok(ActionSheet {
        sessions: app.store.sessions_of(action.id, from, sessions).await?,
        communes: commune_labels(app, &action.eligibility.communes).await?,
        family,
        action,
    })
}

/// An action's back-office page: the sessions of the last two weeks on
/// (for attendance), or of a month, and its funding for the chargé de mission.
pub struct ActionDetails {
    pub sheet: ActionSheet,
    /// The first day of the month shown, if one was asked.
    pub month: Option<Date>,
    pub fundings: Vec<Funding>,
    pub can_manage: bool,
    pub can_edit_practical: bool,
}

/// `month` (AAAA-MM) shows that month's sessions, past ones included;
/// empty, the last two weeks and what is to come.
pub async fn open_action(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    month: &str,
) -> Result<ActionDetails, Failure> {
    let month = match month.trim() {
        "" => None,
        typed => Some(
            crate::clock::parse_month(typed)
                .ok_or_else(|| Invalid::field("mois", "Le mois s'écrit AAAA-MM (ex. 2026-03)."))?,
        ),
    };
    let action = readable_action(app, me, id).await?;
    let can_manage = me.role().can(Permission::ManageCatalogue);
    let fundings = if can_manage {
        app.store.fundings_of(id).await?
    } else {
        Vec::new()
    };
    let can_edit_practical = may_edit_practical(me, &action);
    let mut sheet = sheet(app, action, today() - time::Duration::days(14), 16).await?;
    if let Some((first, last)) = month {
        sheet.sessions = app.store.sessions_between(id, first, last).await?;
    }
    Ok(ActionDetails {
        sheet,
        month: month.map(|(first, _)| first),
        fundings,
        can_manage,
        can_edit_practical,
    })
}

/// "14000 Caen" for each INSEE code the referential knows (rules name
/// communes by code; people read names).
pub async fn commune_labels(
    app: &App,
    codes: &[String],
) -> Result<HashMap<String, String>, Failure> {
    let mut labels = HashMap::new();
    for code in codes {
        if let Some(label) = app.store.commune_label(code).await? {
            labels.insert(code.clone(), label);
        }
    }
    Ok(labels)
}

// ---------------------------------------------------------------- funding

/// An action's funding lines (chargé de mission).
pub async fn fundings(
    app: &App,
    me: &CurrentUser,
    action_id: Uuid,
) -> Result<Vec<Funding>, Failure> {
    me.require(Permission::ManageCatalogue)?;
    app.store.action(action_id).await?;
    Ok(app.store.fundings_of(action_id).await?)
}

pub async fn add_funding(
    app: &App,
    me: &CurrentUser,
    action_id: Uuid,
    input: &FundingInput,
) -> Result<Funding, Failure> {
    me.require(Permission::ManageCatalogue)?;
    app.store.action(action_id).await?;
    let data = FundingData::parse(input)?;
    Ok(app.store.add_funding(&me.actor(), action_id, &data).await?)
}

pub async fn delete_funding(app: &App, me: &CurrentUser, id: Uuid) -> Result<Funding, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.delete_funding(&me.actor(), id).await?)
}

// ---------------------------------------------------------------- sessions

/// An action's sessions from `from` (YYYY-MM-DD, today when empty) on,
/// 200 at most, for whoever may read the action.
pub async fn sessions(
    app: &App,
    me: &CurrentUser,
    action_id: Uuid,
    from: &str,
) -> Result<Vec<Session>, Failure> {
    readable_action(app, me, action_id).await?;
    let from = match from.trim() {
        "" => today(),
        raw => parse_date(raw)
            .ok_or_else(|| Invalid::field("from", "La date n'est pas valide (AAAA-MM-JJ)."))?,
    };
    Ok(app.store.sessions_of(action_id, from, 200).await?)
}

pub async fn add_session(
    app: &App,
    me: &CurrentUser,
    action_id: Uuid,
    input: &SessionInput,
) -> Result<Session, Failure> {
    practical_action(app, me, action_id).await?;
    let mut invalid = Invalid::new();
    let on = required_date(&mut invalid, "on", "Date de la séance", &input.on);
    // The times are checked as a schedule's, then named as the form's.
    let schedule = ScheduleInput {
        frequency: "weekly".into(),
        weekdays: vec!["Mo".into()],
        starts_at: input.starts_at.clone(),
        ends_at: input.ends_at.clone(),
        ..Default::default()
    };
    let times = Schedule::parse(&schedule, &mut invalid);
    for error in &mut invalid.errors {
        error.field = error.field.replace("schedule_", "");
    }
    let note = parcours_domain::validation::optional_text(
        &mut invalid,
        "note",
        "Note",
        &input.note,
        parcours_domain::validation::LINE_MAX,
    );
    let Some(on) = on else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    let (starts, ends) = (times.starts_at.map(hhmm), times.ends_at.map(hhmm));
    Ok(app
        .store
        .add_session(
            &me.actor(),
            action_id,
            on,
            starts.as_deref(),
            ends.as_deref(),
            note.as_deref(),
        )
        .await?)
}

pub async fn cancel_session(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    cancelled: bool,
) -> Result<Session, Failure> {
    let session = app.store.session(id).await?;
    practical_action(app, me, session.action_id).await?;
    Ok(app
        .store
        .set_session_cancelled(&me.actor(), id, cancelled)
        .await?)
}

// ---------------------------------------------------------------- families and programme

/// The families of actions (everyone signed in).
pub async fn families(app: &App, _me: &CurrentUser) -> Result<Vec<Family>, Failure> {
    Ok(app.store.families().await?)
}

/// Adds a family of actions, or renames one (chargé de mission).
pub async fn save_family(
    app: &App,
    me: &CurrentUser,
    code: &str,
    label: &str,
) -> Result<Family, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.save_family(&me.actor(), code, label).await?)
}

/// The programme's year as asked (chargé de mission): `None` for every
/// year; the current year when nothing is asked.
pub fn programme_year(me: &CurrentUser, raw: &str) -> Result<Option<i64>, Failure> {
    me.require(Permission::ManageCatalogue)?;
    match raw.trim() {
        "" => Ok(Some(i64::from(today().year()))),
        "toutes" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Invalid::field("annee", "L'année s'écrit sur 4 chiffres.").into()),
    }
}

/// The programme's totals by family for a year, or every year (chargé de mission).
pub async fn programme_summary(
    app: &App,
    me: &CurrentUser,
    year: Option<i64>,
) -> Result<Vec<FamilySummary>, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.programme_summary(year).await?)
}

/// The current actions with their funding lines of the year, of one family
/// ("" for the actions without one) or all (chargé de mission).
pub async fn programme_lines(
    app: &App,
    me: &CurrentUser,
    year: Option<i64>,
    family: Option<&str>,
) -> Result<Vec<ProgrammeLine>, Failure> {
    me.require(Permission::ManageCatalogue)?;
    Ok(app.store.programme(year, family).await?)
}

// ---------------------------------------------------------------- public catalogue

/// A search of the public catalogue.
#[derive(Debug, Clone, Default)]
pub struct PublicSearch {
    /// Words of the name, description, structure or commune.
    pub text: String,
    /// A thématique, or a whole category.
    pub thematique: String,
    /// INSEE code.
    pub commune: String,
    pub public: String,
    pub format: String,
    /// Only actions with places available.
    pub with_places: bool,
    pub limit: i64,
    /// From 1.
    pub page: i64,
}

/// Published, current actions only: one page, and their total (anyone).
pub async fn search_public(
    app: &App,
    search: &PublicSearch,
) -> Result<(Vec<ActionSummary>, i64), Failure> {
    let filter = CatalogueFilter {
        text: parcours_domain::validation::search_words(&search.text),
        thematique: search.thematique.trim().to_owned(),
        commune_code: search.commune.trim().to_owned(),
        public: search.public.trim().to_owned(),
        format: search.format.trim().to_owned(),
        with_places: search.with_places,
        public_only: true,
        today: Some(today()),
        limit: search.limit,
        offset: (search.page.max(1) - 1).saturating_mul(search.limit),
        ..CatalogueFilter::default()
    };
    Ok(app.store.search_actions(&filter).await?)
}

/// The communes of the public catalogue's actions (code, name), for its search.
pub async fn public_communes(app: &App) -> Result<Arc<Vec<(String, String)>>, Failure> {
    Ok(app.store.catalogue_communes().await?)
}

/// A public action's page: the action with its coming sessions, and its structure.
pub struct PublicAction {
    pub sheet: ActionSheet,
    pub structure: Structure,
}

/// A published, current action; anything else does not exist for the public.
pub async fn public_action(app: &App, id: Uuid) -> Result<PublicAction, Failure> {
    let action = app.store.action(id).await?;
    if !action.is_public(today()) {
        return Err(Failure::NotFound);
    }
    let structure = app.store.structure(action.structure_id).await?;
    Ok(PublicAction {
        sheet: sheet(app, action, today(), 6).await?,
        structure,
    })
}
