//! Loading a catalogue in bulk (the scale dataset): structures with their
//! accounts, actions with exactly the rows `create_structure`,
//! `create_action`, `add_funding` and `set_action_status` write (tags,
//! search text, JSON columns), and their sessions, queued then written in
//! multi-row statements inside the caller's transaction.

use crate::bulk::{Rows, Value};
use crate::catalogue::{action_tags, json, search_text};
use crate::{Result, Tx};
use parcours_domain::catalogue::{ActionData, ActionStatus, FundingData, StructureData};
use parcours_domain::Role;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The columns of a structure as the loader writes it (its organisation apart).
const STRUCTURE_COLUMNS: &[&str] = &[
    "id",
    "siret",
    "description",
    "address",
    "postal_code",
    "commune_code",
    "commune_name",
    "contact_name",
    "phone",
    "email",
    "website",
    "network",
    "created_at",
    "updated_at",
];

/// The columns of an action as the loader writes it, whole.
const ACTION_COLUMNS: &[&str] = &[
    "id",
    "structure_id",
    "name",
    "description",
    "family",
    "service_type",
    "format",
    "thematiques",
    "publics",
    "reception",
    "eligibility",
    "schedule",
    "capacity",
    "capacity_period",
    "address",
    "postal_code",
    "commune_code",
    "commune_name",
    "weekly_hours",
    "duration_weeks",
    "self_referral",
    "starts_on",
    "ends_on",
    "contact_name",
    "contact_phone",
    "contact_email",
    "how_to_apply",
    "status",
    "search_text",
    "version",
    "created_at",
    "updated_at",
];

/// An account of a structure's staff.
pub struct NewAccount<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub organisation_id: Uuid,
}

/// A group session of an action.
pub struct GroupSession<'a> {
    pub id: Uuid,
    pub action_id: Uuid,
    pub on_date: Date,
    pub starts_at: Option<&'a str>,
    pub ends_at: Option<&'a str>,
    pub ad_hoc: bool,
    pub cancelled: bool,
    pub note: Option<&'a str>,
}

/// The rows of a batch of the catalogue, written in the order of their foreign keys.
pub struct CatalogueLoad {
    /// When the rows are created.
    at: OffsetDateTime,
    organisations: Rows,
    structures: Rows,
    users: Rows,
    actions: Rows,
    tags: Rows,
    fundings: Rows,
    sessions: Rows,
}

impl CatalogueLoad {
    pub fn new(at: OffsetDateTime) -> CatalogueLoad {
        CatalogueLoad {
            at,
            organisations: Rows::new("organisations", crate::organisation::ORGANISATION_COLUMNS),
            structures: Rows::new("structures", STRUCTURE_COLUMNS),
            users: Rows::new("users", crate::account::ACCOUNT_COLUMNS),
            actions: Rows::new("actions", ACTION_COLUMNS),
            tags: Rows::new("action_tags", crate::catalogue::TAG_COLUMNS),
            fundings: Rows::new("action_fundings", crate::catalogue::FUNDING_WRITE_COLUMNS),
            sessions: Rows::new("action_sessions", crate::catalogue::GROUP_SESSION_COLUMNS),
        }
    }

    /// A structure and its organisation (without territory).
    pub fn structure(&mut self, id: Uuid, data: &StructureData) {
        let at = self.at;
        self.organisations.push(vec![
            id.into(),
            data.name.clone().into(),
            data.kind.code().into(),
            Option::<Uuid>::None.into(),
            at.into(),
        ]);
        self.structures.push(vec![
            id.into(),
            data.siret.clone().into(),
            data.description.clone().into(),
            data.place.address.clone().into(),
            data.place.postal_code.clone().into(),
            data.place.commune_code.clone().into(),
            data.place.commune_name.clone().into(),
            data.contact.name.clone().into(),
            data.contact.phone.clone().into(),
            data.contact.email.clone().into(),
            data.website.clone().into(),
            data.network.map(|n| n.code()).into(),
            at.into(),
            at.into(),
        ]);
    }

    /// An account (without territory).
    pub fn account(&mut self, account: NewAccount) {
        self.users.push(vec![
            account.id.into(),
            account.email.into(),
            account.display_name.into(),
            account.password_hash.into(),
            account.role.code().into(),
            account.organisation_id.into(),
            Option::<Uuid>::None.into(),
            self.at.into(),
            self.at.into(),
            false.into(),
        ]);
    }

    /// An action at `version` in `status`, with its tags and search text
    /// (`structure_name`: its structure's). It has a capacity, weekly hours
    /// and a duration.
    pub fn action(
        &mut self,
        id: Uuid,
        data: &ActionData,
        structure_name: &str,
        status: ActionStatus,
        version: i64,
    ) {
        let at = self.at;
        let publics: Vec<&str> = data.publics.iter().map(|p| p.code()).collect();
        let reception: Vec<&str> = data.reception.iter().map(|r| r.code()).collect();
        self.actions.push(vec![
            id.into(),
            data.structure_id.into(),
            data.name.clone().into(),
            data.description.clone().into(),
            data.family.clone().into(),
            data.service_type.code().into(),
            data.format.code().into(),
            json(&data.thematiques).into(),
            json(&publics).into(),
            json(&reception).into(),
            json(&data.eligibility).into(),
            json(&data.practical.schedule).into(),
            Value::Int(data.capacity.expect("loaded actions have a capacity")),
            data.capacity_period.code().into(),
            data.place.address.clone().into(),
            data.place.postal_code.clone().into(),
            data.place.commune_code.clone().into(),
            data.place.commune_name.clone().into(),
            // Whole hours: an integer parameter, stored as the column's REAL.
            Value::Int(data.weekly_hours.expect("loaded actions have hours") as i64),
            Value::Int(data.duration_weeks.expect("loaded actions have a duration")),
            data.self_referral.into(),
            data.starts_on.into(),
            data.ends_on.into(),
            data.practical.contact.name.clone().into(),
            data.practical.contact.phone.clone().into(),
            data.practical.contact.email.clone().into(),
            data.practical.how_to_apply.clone().into(),
            status.code().into(),
            search_text(
                &data.name,
                &data.description,
                structure_name,
                data.place.commune_name.as_deref(),
            )
            .into(),
            Value::Int(version),
            at.into(),
            at.into(),
        ]);
        for (kind, code) in action_tags(data) {
            self.tags.push(vec![
                id.into(),
                kind.into(),
                code.to_owned().into(),
                status.code().into(),
                data.name.clone().into(),
                data.ends_on.into(),
            ]);
        }
    }

    pub fn funding(&mut self, id: Uuid, action_id: Uuid, funding: &FundingData) {
        self.fundings.push(vec![
            id.into(),
            action_id.into(),
            funding.kind.code().into(),
            funding.funder.clone().into(),
            Value::Int(funding.year),
            Value::Int(funding.amount_cents),
            funding.contract_number.clone().into(),
            funding.lot.clone().into(),
            funding.fse_plus.into(),
            funding.fse_operation.clone().into(),
            self.at.into(),
        ]);
    }

    pub fn session(&mut self, s: GroupSession) {
        self.sessions.push(vec![
            s.id.into(),
            s.action_id.into(),
            s.on_date.into(),
            s.starts_at.map(str::to_owned).into(),
            s.ends_at.map(str::to_owned).into(),
            s.ad_hoc.into(),
            s.cancelled.into(),
            s.note.map(str::to_owned).into(),
            self.at.into(),
        ]);
    }

    /// Writes what is queued inside the caller's transaction.
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
        self.organisations.write(tx).await?;
        self.structures.write(tx).await?;
        self.users.write(tx).await?;
        self.actions.write(tx).await?;
        self.tags.write(tx).await?;
        self.fundings.write(tx).await?;
        crate::fse_report::ensure_operations(tx).await?;
        self.sessions.write(tx).await
    }
}
