//! The demo's stories, dated from today whatever day the demo starts:
//! contracts in force for most people followed (a few late, some still due),
//! Magali on USDA Sud's monthly hike and Fabrice in Plaine Emploi's weekly
//! workshop with their attendance, and a full workshop with its waiting list.
//! Positionings and answers go through the same use cases as people's clicks,
//! so the demo obeys the pathway's rules (dates, eligibility, capacity).

use crate::demo_people::Cast;
use parcours_app::{referral, App, Config, CurrentUser, Failure};
use parcours_domain::clock;
use parcours_domain::contract::{ContractData, ContractInput, Event, ObjectiveInput};
use parcours_domain::referral::Attendance;
use parcours_store::contract::EventDetails;
use parcours_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use time::{Date, Duration};
use uuid::Uuid;

const SOPHIE: &str = "referent@demo.parcours.fr";
const CLAIRE: &str = "cadre@demo.parcours.fr";
const PAUL: &str = "structure@demo.parcours.fr";

const HIKE: &str = "Randonnée mensuelle des bénéficiaires du RSA";
const WORKSHOP: &str = "Les bons vivants : atelier manuel et jardinage";
const FULL: &str = "Coup de main : bricolage et petites réparations";

/// A person followed by a référent, as the demo created them.
pub struct Followed {
    pub person_id: Uuid,
    pub referent_id: Uuid,
    /// The day the orientation was notified: the contract's clock starts then.
    pub notified_on: Date,
    /// A social pathway, re-examined jointly every six months.
    pub social: bool,
}

/// Plays the stories on the demo's people.
pub async fn load(
    store: &Store,
    actor: &Actor,
    users: &HashMap<&str, Uuid>,
    cast: &Cast,
) -> Result<(), StoreError> {
    contracts(store, users, &cast.followed).await?;
    participants(
        store,
        actor,
        users,
        &cast.magali,
        cast.fabrice,
        &cast.followed,
    )
    .await
}

/// The demo's App, to play the stories through the use cases.
fn app(store: &Store) -> App {
    App {
        store: store.clone(),
        config: Config {
            department_name: "Département du Calvados".into(),
            data_inclusion_source: "cd14".into(),
            upload_dir: std::env::temp_dir(),
            retention: Default::default(),
            outbox: Default::default(),
            oidc: Default::default(),
        },
    }
}

/// A use case's failure, as the demo loader reports it.
fn failed(failure: Failure) -> StoreError {
    match failure {
        Failure::Invalid(invalid) => StoreError::Invalid(invalid),
        other => StoreError::Config(format!("histoire de démonstration : {other}")),
    }
}

async fn signed_in(store: &Store, id: Uuid) -> Result<CurrentUser, StoreError> {
    CurrentUser::from_user(store.account(id).await?)
        .ok_or_else(|| StoreError::Config("compte de démonstration désactivé".into()))
}

/// Contracts for the people followed: signed within a month of the
/// notification for most (a year's contract, still in force); every sixth
/// one oriented more than a month ago has none (late), and the recently
/// oriented ones are still due.
async fn contracts(
    store: &Store,
    users: &HashMap<&str, Uuid>,
    followed: &[Followed],
) -> Result<(), StoreError> {
    let today = clock::today();
    let cadre = store.account(users[CLAIRE]).await?.actor();
    for (n, person) in followed.iter().enumerate() {
        let due = person.notified_on + Duration::days(30);
        if due >= today || n % 6 == 0 {
            continue;
        }
        // Signed soon after the notification, or (for people oriented long
        // ago) renewed this year: the contract runs today either way.
        let signed_on = (person.notified_on + Duration::days(12 + (n as i64 % 15)))
            .max(today - Duration::days(200));
        let referent = store.account(person.referent_id).await?.actor();
        signed_contract(store, &referent, &cadre, person.person_id, signed_on).await?;
        if person.social {
            joint_review(store, &referent, person.person_id, person.notified_on).await?;
        }
    }
    Ok(())
}

/// The joint review of a social pathway followed for more than six months,
/// held a few weeks ago.
async fn joint_review(
    store: &Store,
    referent: &Actor,
    person_id: Uuid,
    notified_on: Date,
) -> Result<(), StoreError> {
    let today = clock::today();
    if notified_on + Duration::days(180) > today {
        return Ok(());
    }
    let on = today - Duration::days(40);
    let outcome = "Poursuite de l'accompagnement social, contrat en cours";
    store
        .record_joint_review(referent, person_id, on, outcome)
        .await
}

async fn signed_contract(
    store: &Store,
    referent: &Actor,
    cadre: &Actor,
    person_id: Uuid,
    signed_on: Date,
) -> Result<(), StoreError> {
    let data = ContractData::parse(&ContractInput {
        kind: "engagement".into(),
        starts_on: signed_on.to_string(),
        duration_months: "12".into(),
        weekly_hours: "15".into(),
        objectives: vec![ObjectiveInput {
            category: "remobilisation".into(),
            title: "Reprendre un rythme et sortir de l'isolement".into(),
            barriers: vec![],
            actions: "Rendez-vous mensuel avec le référent\nAtelier collectif".into(),
        }],
        person_commitments: "Se présenter aux rendez-vous ; participer à l'atelier".into(),
        organisation_commitments: "Accompagnement mensuel".into(),
        ..ContractInput::default()
    })?;
    let details = EventDetails::default();
    let mut contract = store.create_contract(referent, person_id, &data).await?;
    for (event, actor) in [
        (Event::Sign, referent),
        (Event::Submit, referent),
        (Event::Validate, cadre),
        (Event::Start, referent),
    ] {
        contract = store
            .apply_contract_event(
                actor,
                contract.id,
                contract.version,
                event,
                signed_on,
                &details,
            )
            .await?;
    }
    Ok(())
}

/// The actions of the stories, by name.
async fn actions(store: &Store, today: Date) -> Result<HashMap<String, Uuid>, StoreError> {
    Ok(store
        .public_actions(today)
        .await?
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect())
}

/// Positions `person` on `action` on `positioned_on` (by their référent)
/// and has the structure take them in on `entry` (or put them on the list).
async fn position(
    app: &App,
    referent: &CurrentUser,
    structure: &Structure<'_>,
    person_id: Uuid,
    action_id: Uuid,
    positioned_on: Date,
    entry: Date,
) -> Result<Uuid, StoreError> {
    let prescription = referral::prescribe(
        app,
        referent,
        person_id,
        &action_id.to_string(),
        "",
        None,
        &positioned_on.to_string(),
    )
    .await
    .map_err(failed)?;
    let sent = prescription.referral;
    let answered = match structure {
        Structure::Operator(me) => {
            referral::accept(app, me, sent.id, sent.version, &entry.to_string())
                .await
                .map_err(failed)?
        }
        // A structure without an account answers on paper; the département records it.
        Structure::Paper(actor) => {
            app.store
                .accept_referral(actor, sent.id, sent.version, entry)
                .await?
        }
    };
    Ok(answered.id)
}

/// Who answers for the structure of an action.
enum Structure<'a> {
    Operator(&'a CurrentUser),
    Paper(&'a Actor),
}

/// Marks the sessions held since `from` for the participants entered on
/// them: present, and excused at every fourth session.
async fn attendance(
    store: &Store,
    actor: &Actor,
    action_id: Uuid,
    from: Date,
    participants: &[Uuid],
) -> Result<(), StoreError> {
    let now = clock::now();
    let today = clock::today();
    for (n, session) in store
        .sessions_of(action_id, from, 200)
        .await?
        .into_iter()
        .filter(|s| s.on_date < today && !s.cancelled && s.referral_id.is_none())
        .enumerate()
    {
        let sheet = store.attendance_sheet(session.id).await?;
        let marks: Vec<(Uuid, Attendance)> = sheet
            .iter()
            .filter(|line| participants.contains(&line.referral_id))
            .map(|line| {
                let mark = if n % 4 == 3 {
                    Attendance::Excused
                } else {
                    Attendance::Present
                };
                (line.referral_id, mark)
            })
            .collect();
        if !marks.is_empty() {
            store
                .record_attendance(actor, session.id, &marks, now)
                .await?;
        }
    }
    Ok(())
}

/// Magali on the hike (with her contract) and Fabrice in the workshop,
/// both with their sessions marked, three more in the workshop, and the
/// eight places of "Coup de main" taken with two people on its list.
async fn participants(
    store: &Store,
    actor: &Actor,
    users: &HashMap<&str, Uuid>,
    magali: &Followed,
    fabrice: Uuid,
    followed: &[Followed],
) -> Result<(), StoreError> {
    let app = app(store);
    let today = clock::today();
    let actions = actions(store, today).await?;
    let sophie = signed_in(store, users[SOPHIE]).await?;
    let paul = signed_in(store, users[PAUL]).await?;
    let cadre = store.account(users[CLAIRE]).await?.actor();
    let (hike, workshop, full) = (actions[HIKE], actions[WORKSHOP], actions[FULL]);

    // Magali signed her contract five months ago and joined the hike in it.
    let signed_on = today - Duration::days(150);
    signed_contract(store, &sophie.actor(), &cadre, magali.person_id, signed_on).await?;
    joint_review(store, &sophie.actor(), magali.person_id, magali.notified_on).await?;
    let magali = magali.person_id;
    let since = today - Duration::days(90);
    let magali_in = position(
        &app,
        &sophie,
        &Structure::Paper(actor),
        magali,
        hike,
        since - Duration::days(6),
        since,
    )
    .await?;
    attendance(store, actor, hike, since, &[magali_in]).await?;

    // Fabrice joined the workshop five weeks ago, then three more people.
    let since = today - Duration::days(35);
    let mut in_workshop = vec![
        position(
            &app,
            &sophie,
            &Structure::Operator(&paul),
            fabrice,
            workshop,
            since - Duration::days(4),
            since,
        )
        .await?,
    ];
    let mut people = followed.iter();
    for (n, person) in people.by_ref().take(3).enumerate() {
        let referent = signed_in(store, person.referent_id).await?;
        let entry = today - Duration::days(28 - 7 * n as i64);
        let on = entry - Duration::days(3);
        in_workshop.push(
            position(
                &app,
                &referent,
                &Structure::Operator(&paul),
                person.person_id,
                workshop,
                on,
                entry,
            )
            .await?,
        );
    }
    attendance(store, &paul.actor(), workshop, since, &in_workshop).await?;

    for (n, person) in people.take(10).enumerate() {
        let referent = signed_in(store, person.referent_id).await?;
        let entry = today - Duration::days(20 - n as i64);
        let on = entry - Duration::days(2);
        position(
            &app,
            &referent,
            &Structure::Operator(&paul),
            person.person_id,
            full,
            on,
            entry,
        )
        .await?;
    }
    Ok(())
}
