//! FSE+ participant data at entry: the structure's opérateur records, and
//! corrects, what the European Union asks for each participant of an
//! action it co-finances.
//!
//! Access rule ([`parcours_domain::fse::may_record_fse_data`]): the
//! permission [`Permission::RecordFseData`] (opérateur only) **and** the
//! action's structure is the opérateur's organisation. Everyone else is
//! refused: another structure's opérateur, the référent, the cadre, the
//! DPO, the administrator, and the chargé de mission, who only sees
//! aggregate counts in the FSE+ report, never one person's answers. Each
//! read of a recorded entry (it holds special-category answers) is audited
//! by the store.

use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::fse::{check_recordable, may_record_fse_data, FseEntryData, FseEntryInput};
use parcours_domain::Permission;
use parcours_store::catalogue::Action;
use parcours_store::fse::FseEntry;
use parcours_store::person::Person;
use parcours_store::referral::Referral;
use std::collections::HashSet;
use uuid::Uuid;

/// The positioning and its action, when `me` may record its FSE+ data
/// (the module's access rule), and when the positioning takes them (the
/// person entered a co-financed action: otherwise invalid, naming the field).
async fn recordable(app: &App, me: &CurrentUser, id: Uuid) -> Result<(Referral, Action), Failure> {
    me.require(Permission::RecordFseData)?;
    let referral = app.store.referral(id).await?;
    let action = app.store.action(referral.action_id).await?;
    if !may_record_fse_data(&me.viewer(), action.structure_id) {
        return Err(Failure::Forbidden);
    }
    let status = referral.status;
    check_recordable(status, app.store.fse_cofinanced(action.id).await?)?;
    Ok((referral, action))
}

/// The recorded data (`None`: still to record), checked; the store audits
/// the read of a recorded entry.
pub async fn entry(app: &App, me: &CurrentUser, id: Uuid) -> Result<Option<FseEntry>, Failure> {
    recordable(app, me, id).await?;
    Ok(app.store.fse_entry(&me.actor(), id).await?)
}

/// What the form shows: the participant, the action and its FSE+
/// operations, and the answers recorded if any.
pub struct Form {
    pub referral: Referral,
    pub action: Action,
    pub person: Person,
    /// The action's FSE+ operation numbers.
    pub operations: Vec<String>,
    pub entry: Option<FseEntry>,
    /// Who recorded the answers, by name.
    pub recorded_by: Option<String>,
}

/// The form with the recorded answers (their read audited by the store);
/// with none yet, the form still shows the person's identity to the
/// structure, which is audited here.
pub async fn form(app: &App, me: &CurrentUser, id: Uuid) -> Result<Form, Failure> {
    let (referral, action) = recordable(app, me, id).await?;
    let entry = app.store.fse_entry(&me.actor(), id).await?;
    if entry.is_none() {
        let detail = format!(
            "identité vue par la structure (saisie des données FSE+ : {})",
            action.name
        );
        app.store
            .audit(
                &me.actor(),
                AuditAction::Read,
                entity::PERSON,
                Some(&referral.person_id.to_string()),
                Some(&detail),
            )
            .await?;
    }
    with_details(app, referral, action, entry).await
}

/// The form without the recorded answers, to show invalid ones again.
pub async fn form_again(app: &App, me: &CurrentUser, id: Uuid) -> Result<Form, Failure> {
    let (referral, action) = recordable(app, me, id).await?;
    with_details(app, referral, action, None).await
}

async fn with_details(
    app: &App,
    referral: Referral,
    action: Action,
    entry: Option<FseEntry>,
) -> Result<Form, Failure> {
    let person = app.store.person(referral.person_id).await?;
    let operations = crate::fse_report::operations_of(app, action.id).await?;
    let recorded_by = match &entry {
        Some(e) => Some(
            crate::account::names(app, [e.recorded_by.as_str()])
                .await?
                .who(&e.recorded_by),
        ),
        None => None,
    };
    Ok(Form {
        referral,
        action,
        person,
        operations,
        entry,
        recorded_by,
    })
}

/// Data recorded, and whose.
pub struct Recorded {
    pub entry: FseEntry,
    pub person: Person,
}

/// Records (`version` 0) or corrects (the version read) the data.
pub async fn record(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &FseEntryInput,
) -> Result<Recorded, Failure> {
    let (referral, _) = recordable(app, me, id).await?;
    // Without a stated gender, the person file's sex.
    let mut input = input.clone();
    if input.gender.trim().is_empty() {
        input.gender = app
            .store
            .person(referral.person_id)
            .await?
            .sex
            .code()
            .to_owned();
    }
    let data = FseEntryData::parse(&input)?;
    let entry = app
        .store
        .save_fse_entry(&me.actor(), id, version, &data)
        .await?;
    let person = app.store.person(referral.person_id).await?;
    Ok(Recorded { entry, person })
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

/// The marks of the opérateur's participants (no answer read: ids only);
/// none for the other roles.
pub async fn inbox_marks(app: &App, me: &CurrentUser) -> Result<InboxMarks, Failure> {
    if !me.role().can(Permission::RecordFseData) {
        return Ok(InboxMarks::default());
    }
    let participants = app.store.fse_participants(me.user.organisation_id).await?;
    Ok(InboxMarks {
        missing: participants
            .iter()
            .filter(|p| !p.recorded())
            .map(|p| p.referral_id)
            .collect(),
        cofinanced: participants.into_iter().map(|p| p.referral_id).collect(),
    })
}
