//! The scale dataset of `parcours generate`: a département's insertion
//! service over five years — households and people (couples among them,
//! some files closed), orientations, référents, joint reviews, diagnostics,
//! contracts, positionings on the catalogue's actions, sessions,
//! attendance, FSE+ data — deterministic for a seed (ids included).
//!
//! Each person is planned in memory with consistent dates ([`pathway`],
//! [`activity`]), then written with the rows the store's own operations
//! would have left, in multi-row statements and one transaction per five
//! thousand people: 100 000 people take minutes, not the better part of an
//! hour. Clocks are the domain's, computed from the same dates.

mod activity;
mod pathway;
pub mod random;
mod texts;

use crate::generated_catalogue::HISTORY_DAYS;
use activity::Catalogue;
use parcours_domain::audit::AuditAction;
use parcours_domain::deadline::PathwayFacts;
use parcours_domain::orientation::OrientationStatus;
use parcours_store::pathway_load::{self, PathwayLoad};
use parcours_store::person_load::PeopleLoad;
use parcours_store::{now, Actor, Store, StoreError};
use pathway::{Member, Setting};
use time::Date;

/// People per transaction.
const BATCH: usize = 5_000;

/// How far `dataset` has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Actions written, of how many.
    Actions(usize, usize),
    /// People written, of how many.
    People(usize, usize),
}

/// The demo data (loaded first if missing), `actions` more actions in the
/// catalogue, then `people` more people positioned on the catalogue's
/// actions. Deterministic for a given seed; a second run adds more.
pub async fn dataset(
    store: &Store,
    people: usize,
    actions: usize,
    seed: u64,
    progress: impl Fn(Progress),
) -> Result<(), StoreError> {
    crate::demo::load(store).await?;
    let today = parcours_domain::clock::today();
    crate::generated_catalogue::generate(store, actions, seed, today, |done| {
        progress(Progress::Actions(done, actions))
    })
    .await?;
    generate_people(store, people, seed, today, |done| {
        progress(Progress::People(done, people))
    })
    .await
}

/// Adds `count` people (with their households) to a database holding the
/// demo data, positioned on the actions already in the catalogue.
pub async fn generate_people(
    store: &Store,
    count: usize,
    seed: u64,
    today: Date,
    progress: impl Fn(usize),
) -> Result<(), StoreError> {
    if count == 0 {
        return Ok(());
    }
    let actor = Actor::system("génération de données");
    let ccas = store.organisation_by_name(crate::demo::CCAS).await?.id;
    // About 100 people followed by each référent, as in a real service.
    let referents = crate::demo::generated_referents(store, &actor, ccas, count / 250 + 1)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, id)| (id, crate::demo::referent_email(n + 1)))
        .collect();
    let setting = Setting {
        today,
        now: now(),
        ids: random::Ids::new(seed),
        seed,
        department: store
            .organisation_by_name(crate::demo::DEPARTMENT)
            .await?
            .id,
        ccas,
        france_travail: store
            .organisation_by_name(crate::demo::FRANCE_TRAVAIL)
            .await?
            .id,
        referents,
        label: actor.label.clone(),
    };
    let offer_days = store.deadline_settings().await?.offer_days;
    let mut catalogue = Catalogue::load(store, today, HISTORY_DAYS).await?;
    // Numbered after the people already there: numbers never collide.
    let first = store.count_persons().await? as u64;
    let (mut index, mut key, mut done) = (first, first, 0);
    while done < count {
        let mut tx = store.begin().await?;
        let mut load = PeopleLoad::new(&mut tx, &actor.label).await?;
        let mut pathways = PathwayLoad::new();
        let mut written = 0;
        while written < BATCH && done + written < count {
            let room = count - done - written;
            let household = pathway::household(&setting, index, key, room);
            // The household and its children are written with its first member.
            let first_written = household.members[0].last_written(&setting);
            load.write_as_of(first_written);
            load.household(household.id, &household.data);
            for m in &household.members {
                load.write_as_of(m.last_written(&setting));
                match m.closed {
                    None => {
                        load.person(m.id, household.id, Some(m.organisation), &m.data, m.facts())?;
                    }
                    Some(closure) => {
                        let revision = |n| setting.ids.sub(random::Kind::Revision, m.key, n);
                        load.closed_person(
                            m.id,
                            household.id,
                            Some(m.organisation),
                            &m.data,
                            closure,
                            [revision(1), revision(2)],
                        )?;
                    }
                }
                if let Some(declared) = &m.declared {
                    load.declared(m.id, declared, setting.today);
                }
                pathway(&mut pathways, &setting, m);
                activity::positionings(&setting, &mut catalogue, &mut pathways, m, offer_days);
            }
            let organisation = household.members[0].organisation;
            load.write_as_of(first_written);
            for (id, child) in &household.children {
                load.person(
                    *id,
                    household.id,
                    Some(organisation),
                    child,
                    PathwayFacts::default(),
                )?;
            }
            index += 1;
            key += household.members.len() as u64;
            written += household.members.len();
        }
        load.write(&mut tx).await?;
        pathways.recount_places(
            std::mem::take(&mut catalogue.touched)
                .into_iter()
                .map(|i| catalogue.offers[i].id),
        );
        pathways.write(&mut tx).await?;
        let detail = format!("génération de données : {written} personnes");
        parcours_store::audit::record(
            &mut tx,
            &actor,
            AuditAction::Create,
            "person",
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        done += written;
        progress(done);
    }
    Ok(())
}

/// Orientations, designations, reviews, diagnostics, contracts.
fn pathway(load: &mut PathwayLoad, setting: &Setting, m: &Member) {
    let label = setting.label.as_str();
    let author = |day: Date| {
        m.assignment_on(day)
            .map_or(label, |a| setting.referents[a.referent].1.as_str())
    };
    for o in &m.orientations {
        let reviewed = o.status != OrientationStatus::Pending;
        load.orientation(pathway_load::Orientation {
            id: o.id,
            person_id: m.id,
            kind: o.kind,
            lead_organisation_id: o.lead,
            decided_on: o.decided_on,
            reason: o.reason.as_deref(),
            extended_review: o.extended_review,
            decided_by: label,
            status: o.status,
            notified_on: o.notified_on,
            reviewed_by: reviewed.then_some(label),
            rejection_reason: o.rejection_reason.as_deref(),
            created_at: o.created_at,
        });
    }
    for a in &m.assignments {
        load.assignment(pathway_load::Assignment {
            id: a.id,
            person_id: m.id,
            orientation_id: a.orientation_id,
            referent_id: setting.referents[a.referent].0,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            created_by: label,
            created_at: a.created_at,
        });
    }
    for r in &m.reviews {
        load.review(r.id, m.id, r.on, r.outcome, author(r.on), r.created_at);
    }
    for d in &m.diagnostics {
        load.diagnostic(
            d.id,
            m.id,
            d.version,
            d.on,
            &d.data,
            &d.created_by,
            d.created_at,
        );
    }
    for c in &m.contracts {
        load.contract(pathway_load::Contract {
            id: c.id,
            person_id: m.id,
            data: &c.data,
            orientation_id: c.orientation_id,
            assignment_id: c.assignment_id,
            status: c.status,
            signed_on: c.signed_on,
            validated_on: c.validated_on,
            validated_by: c.validated_on.map(|_| "cadre@demo.parcours.fr"),
            rejection_reason: c.rejection_reason.as_deref(),
            ended_on: c.ended_on,
            reviewed_on: c.reviewed_on,
            review_comment: c.review_comment.as_deref(),
            previous_contract_id: c.previous,
            version: c.version,
            created_by: &c.created_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
        });
        for (position, o) in c.objectives.iter().enumerate() {
            load.objective(
                o.id,
                c.id,
                position as i64,
                &o.objective,
                o.result.as_ref().map(|(r, c)| (*r, c.as_deref())),
            );
        }
    }
}
