//! Loading many households and people in one transaction: the CAF import
//! and the scale dataset. Writes the same rows as [`Store::create_person`]
//! (file, name tokens, first revision, clocks computed by the domain) but in
//! multi-row statements, with the commune referential and the deadline
//! settings read once.

use crate::bulk::{Rows, Value};
use crate::person::Person;
use crate::{now, Result, StoreError, Tx};
use parcours_domain::deadline::{DeadlineSettings, PathwayFacts};
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::person::{ClosureReason, HouseholdData, PersonData};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub struct PeopleLoad {
    changed_by: String,
    at: OffsetDateTime,
    today: Date,
    settings: DeadlineSettings,
    /// Commune code → territory (`None` for a commune without territory).
    territories: HashMap<String, Option<Uuid>>,
    households: Rows,
    persons: Rows,
    /// Closed files (the generated dataset): with their closure columns.
    closed: Rows,
    tokens: Rows,
    revisions: Rows,
    clocks: Rows,
    /// What new files' people declared (the generated dataset).
    declarations: Rows,
}

impl PeopleLoad {
    /// Reads the commune referential and the deadline settings; `changed_by`
    /// is what the revisions name as the author.
    pub async fn new(tx: &mut Tx, changed_by: &str) -> Result<PeopleLoad> {
        let communes: Vec<(String, Option<Uuid>)> = on_tx!(&mut *tx, conn => sqlx::query_as(
            "SELECT insee_code, territory_id FROM communes",
        )
        .fetch_all(conn)
        .await)?;
        let settings = crate::deadline::settings_in(tx).await?;
        Ok(PeopleLoad {
            changed_by: changed_by.to_owned(),
            at: now(),
            today: parcours_domain::clock::today(),
            settings,
            territories: communes.into_iter().collect(),
            households: Rows::new("households", crate::person::HOUSEHOLD_COLUMNS),
            persons: Rows::new("persons", crate::person::NEW_PERSON_COLUMNS),
            closed: Rows::new("persons", crate::person::PERSON_COLUMNS),
            tokens: Rows::new("person_name_tokens", crate::person::TOKEN_COLUMNS),
            revisions: Rows::new("person_revisions", crate::person::REVISION_COLUMNS),
            clocks: crate::deadline::clock_rows(),
            declarations: Rows::new("declared_situations", crate::declared_situation::COLUMNS),
        })
    }

    /// Writes the files queued next as of `at`: created, last changed and
    /// revised then. An import writes at the moment it runs; the generated
    /// dataset writes each file as of the last change its history made, as
    /// a département's base would hold it.
    pub fn write_as_of(&mut self, at: OffsetDateTime) {
        self.at = at;
    }

    /// Whether the commune is in the referential.
    pub fn knows_commune(&self, code: &str) -> bool {
        self.territories.contains_key(code)
    }

    pub fn household(&mut self, id: Uuid, data: &HouseholdData) {
        let mut row = vec![
            id.into(),
            data.rsa_number.clone().into(),
            data.caf_number.clone().into(),
            data.fund.code().into(),
            Value::Int(data.rsa_state.code().parse().unwrap_or(0)),
            data.rsa_state_on.into(),
            self.at.into(),
            self.at.into(),
        ];
        row.extend(crate::person::caf_fact_values(data));
        self.households.push(row);
    }

    /// Queues a new file and its clocks. `pathway` carries the dates beyond
    /// the person's own (orientation, contract…) when the caller writes them
    /// too; `rights_opened_on` and `closed_on` come from `data`. An unknown
    /// commune is an error: check [`PeopleLoad::knows_commune`] first.
    pub fn person(
        &mut self,
        id: Uuid,
        household_id: Uuid,
        organisation_id: Option<Uuid>,
        data: &PersonData,
        pathway: PathwayFacts,
    ) -> Result<Person> {
        let territory_id = match &data.commune_code {
            Some(code) => *self.territories.get(code).ok_or_else(|| {
                StoreError::Config(format!("commune inconnue du référentiel : {code}"))
            })?,
            None => None,
        };
        let person = self.new_person(id, household_id, organisation_id, data, territory_id);
        self.persons.push(vec![
            id.into(),
            household_id.into(),
            person.household_role.code().into(),
            person.last_name.clone().into(),
            person.first_names.clone().into(),
            person.birth_name.clone().into(),
            person.birth_date.into(),
            person.sex.code().into(),
            person.nir.clone().into(),
            person.email.clone().into(),
            person.phone.clone().into(),
            person.address.clone().into(),
            person.commune_code.clone().into(),
            territory_id.into(),
            person.subject_to_duties.into(),
            person.duties_since.into(),
            person.single_parent.into(),
            person.other_minimum_income.into(),
            person.rqth.into(),
            organisation_id.into(),
            self.at.into(),
            self.at.into(),
        ]);
        self.tokens(&person, data);
        self.revision(&person)?;
        let facts = PathwayFacts {
            rights_opened_on: person.duties_since,
            closed_on: person.closed_on,
            ..pathway
        };
        crate::deadline::push_clocks(
            &mut self.clocks,
            id,
            organisation_id,
            territory_id,
            &facts,
            &self.settings,
            self.today,
        );
        Ok(person)
    }

    /// A file as [`PeopleLoad::person`] writes it (first version, open).
    fn new_person(
        &self,
        id: Uuid,
        household_id: Uuid,
        organisation_id: Option<Uuid>,
        data: &PersonData,
        territory_id: Option<Uuid>,
    ) -> Person {
        Person {
            id,
            household_id: Some(household_id),
            household_role: data.household_role,
            last_name: data.last_name.clone(),
            first_names: data.first_names.clone(),
            birth_name: data.birth_name.clone(),
            birth_date: data.birth_date,
            sex: data.sex,
            nir: data.nir.as_ref().map(|n| n.as_str().to_owned()),
            email: data.email.clone(),
            phone: data.phone.clone(),
            address: data.address.clone(),
            commune_code: data.commune_code.clone(),
            territory_id,
            subject_to_duties: data.subject_to_duties,
            duties_since: data.duties_since,
            single_parent: data.single_parent,
            other_minimum_income: data.other_minimum_income,
            rqth: data.rqth,
            responsible_organisation_id: organisation_id,
            closed_on: None,
            closure_reason: None,
            merged_into_id: None,
            version: 1,
            created_at: self.at,
            updated_at: self.at,
        }
    }

    /// Queues a closed file as `close_person` leaves it: second version,
    /// both revisions kept (`revision_ids`: of the first, then the second),
    /// no clocks. A commune unknown to the referential has no territory.
    pub fn closed_person(
        &mut self,
        id: Uuid,
        household_id: Uuid,
        organisation_id: Option<Uuid>,
        data: &PersonData,
        closure: (Date, ClosureReason),
        revision_ids: [Uuid; 2],
    ) -> Result<()> {
        let territory_id = data.commune_code.as_deref().and_then(|c| self.territory(c));
        let mut person = self.new_person(id, household_id, organisation_id, data, territory_id);
        self.revision_with_id(revision_ids[0], &person)?;
        let (on, reason) = closure;
        person.closed_on = Some(on);
        person.closure_reason = Some(reason);
        person.version = 2;
        self.revision_with_id(revision_ids[1], &person)?;
        self.tokens(&person, data);
        self.closed.push(vec![
            person.id.into(),
            household_id.into(),
            person.household_role.code().into(),
            person.last_name.into(),
            person.first_names.into(),
            person.birth_name.into(),
            person.birth_date.into(),
            person.sex.code().into(),
            person.nir.into(),
            person.email.into(),
            person.phone.into(),
            person.address.into(),
            person.commune_code.into(),
            territory_id.into(),
            person.subject_to_duties.into(),
            person.duties_since.into(),
            person.single_parent.into(),
            person.other_minimum_income.into(),
            person.rqth.into(),
            person.responsible_organisation_id.into(),
            self.at.into(),
            self.at.into(),
            person.closed_on.into(),
            person.closure_reason.map(|r| r.code()).into(),
            Value::Int(person.version),
        ]);
        Ok(())
    }

    /// The commune's territory (`None` when unknown or without territory).
    pub fn territory(&self, commune: &str) -> Option<Uuid> {
        self.territories.get(commune).copied().flatten()
    }

    /// Queues the search tokens of a file's names (`data`), with the
    /// columns they copy from the file.
    pub fn tokens(&mut self, person: &Person, data: &PersonData) {
        for token in data.name_tokens() {
            self.tokens.push(crate::person::token_row(token, person));
        }
    }

    /// Queues a revision of a file (its new state, as saved).
    pub fn revision(&mut self, person: &Person) -> Result<()> {
        self.revision_with_id(Uuid::now_v7(), person)
    }

    fn revision_with_id(&mut self, id: Uuid, person: &Person) -> Result<()> {
        let data = serde_json::to_string(person).map_err(|e| StoreError::Config(e.to_string()))?;
        self.revisions.push(vec![
            id.into(),
            person.id.into(),
            Value::Int(person.version),
            self.at.into(),
            self.changed_by.clone().into(),
            data.into(),
            person.subject_to_duties.into(),
            person.duties_since.into(),
        ]);
        Ok(())
    }

    /// Queues what a new file's person declared at application.
    pub fn declared(&mut self, person_id: Uuid, declared: &DeclaredSituation, on: Date) {
        self.declarations
            .push(crate::declared_situation::row(person_id, declared, on));
    }

    /// Rows queued and not yet written.
    pub fn pending(&self) -> usize {
        self.households.len() + self.persons.len() + self.closed.len()
    }

    /// Writes what is queued (households before the people that refer to them).
    pub async fn write(&mut self, tx: &mut Tx) -> Result<()> {
        self.households.write(tx).await?;
        self.persons.write(tx).await?;
        self.closed.write(tx).await?;
        self.tokens.write(tx).await?;
        self.revisions.write(tx).await?;
        self.declarations.write(tx).await?;
        self.clocks.write(tx).await
    }
}
