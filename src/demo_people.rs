//! Demo people: the households behind the source documents' testimonies
//! (Magali, who joins the monthly hike; Fabrice, at Plaine Emploi's weekly
//! workshop) and a deterministic population around them, at every step of
//! the pathway, with dates relative to today so that clocks are realistic.

use crate::demo_story::Followed;
use parcours_domain::nir::Nir;
use parcours_domain::orientation::{OrientationData, OrientationInput};
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_store::person::HouseholdTarget;
use parcours_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use time::{Date, Duration};
use uuid::Uuid;

const CCAS: &str = "CCAS de Caen";
const DEPARTMENT: &str = "Département du Calvados — Direction de l'insertion";
const SOPHIE: &str = "referent@demo.parcours.fr";
const KARIM: &str = "referent2@demo.parcours.fr";

/// Where a demo person stands in the pathway.
#[derive(Clone, Copy)]
enum Step {
    /// Subject to droits et devoirs, not yet oriented.
    Entered,
    /// Orientation decided, awaiting the cadre.
    Pending(&'static str, &'static str),
    /// Orientation validated, référent designated (or not).
    Followed(&'static str, &'static str, Option<Uuid>),
}

struct Demo {
    rsa_number: String,
    role: &'static str,
    last: &'static str,
    first: &'static str,
    sex: &'static str,
    birth: String,
    commune: &'static str,
    /// Days before today since which the person is subject to droits et devoirs.
    duties_days: i64,
    single_parent: bool,
    step: Step,
}

fn testimonies(sophie: Uuid) -> Vec<Demo> {
    vec![
        Demo {
            rsa_number: "14000123401".into(),
            role: "DEM",
            last: "Lefèvre",
            first: "Magali",
            sex: "F",
            birth: "1979-05-12".into(),
            commune: "14118",
            duties_days: 420,
            single_parent: false,
            step: Step::Followed("social", CCAS, Some(sophie)),
        },
        Demo {
            rsa_number: "14000123402".into(),
            role: "DEM",
            last: "Marie",
            first: "Fabrice",
            sex: "M",
            birth: "1971-02-03".into(),
            commune: "14327",
            duties_days: 210,
            single_parent: false,
            step: Step::Followed("socio_professional", CCAS, Some(sophie)),
        },
        Demo {
            rsa_number: "14000123403".into(),
            role: "DEM",
            last: "Benali",
            first: "Nadia",
            sex: "F",
            birth: "1988-09-21".into(),
            commune: "14437",
            duties_days: 33,
            single_parent: false,
            step: Step::Pending("social", CCAS),
        },
        Demo {
            rsa_number: "14000123403".into(),
            role: "CJT",
            last: "Benali",
            first: "Karim",
            sex: "M",
            birth: "1985-01-30".into(),
            commune: "14437",
            duties_days: 26,
            single_parent: false,
            step: Step::Entered,
        },
        Demo {
            rsa_number: "14000123404".into(),
            role: "DEM",
            last: "Girard",
            first: "Lucas",
            sex: "M",
            birth: "2003-06-14".into(),
            commune: "14366",
            duties_days: 45,
            single_parent: false,
            step: Step::Entered,
        },
        Demo {
            rsa_number: "14000123405".into(),
            role: "DEM",
            last: "Petit",
            first: "Amandine",
            sex: "F",
            birth: "1994-12-02".into(),
            commune: "14047",
            duties_days: 10,
            single_parent: true,
            step: Step::Entered,
        },
        Demo {
            rsa_number: "14000123406".into(),
            role: "DEM",
            last: "Hébert",
            first: "Jean-Claude",
            sex: "M",
            birth: "1967-03-08".into(),
            commune: "14762",
            duties_days: 900,
            single_parent: false,
            step: Step::Followed("social", DEPARTMENT, None),
        },
    ]
}

const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Morel", "Guérin", "Lemoine", "Hamon", "Jacquet", "Lebrun", "Duval", "Ozenne",
    "Lecœur", "Vautier", "Hélie",
];
const FIRST_NAMES_F: &[&str] = &[
    "Camille", "Léa", "Chloé", "Manon", "Inès", "Sarah", "Émilie", "Aurélie", "Nathalie",
    "Sandrine",
];
const FIRST_NAMES_M: &[&str] = &[
    "Kévin",
    "Thomas",
    "Nicolas",
    "Julien",
    "Mehdi",
    "Sébastien",
    "Anthony",
    "Yannick",
    "Olivier",
    "Rémi",
];
const COMMUNES: &[&str] = &[
    "14118", "14118", "14118", "14327", "14437", "14341", "14047", "14366", "14333", "14762",
    "14258",
];

/// The people the stories are played on (see [`crate::demo_story`]).
pub struct Cast {
    pub magali: Followed,
    pub fabrice: Uuid,
    /// The generated people followed by a référent.
    pub followed: Vec<Followed>,
}

pub async fn load(
    store: &Store,
    actor: &Actor,
    organisations: &HashMap<&str, Uuid>,
    users: &HashMap<&str, Uuid>,
) -> Result<Cast, StoreError> {
    let today = parcours_domain::clock::today();
    let testimonies = testimonies(users[SOPHIE]);
    let mut people = Vec::new();
    for (i, demo) in testimonies.iter().enumerate() {
        people.push(add(store, actor, organisations, demo, i, today).await?);
    }
    let magali = Followed::of(&people[0]).expect("Magali is followed by Sophie");
    let fabrice = people[1].person_id;
    fabrice_contract(store, users[SOPHIE], fabrice, today).await?;
    let referents = [users[SOPHIE], users[KARIM]];
    let followed = generate(
        store,
        actor,
        organisations,
        &referents,
        testimonies.len(),
        60,
        20_261_123,
    )
    .await?;
    Ok(Cast {
        magali,
        fabrice,
        followed,
    })
}

/// Adds `count` deterministic people (same `seed`, same people), numbered
/// from `first` so that their numbers never collide with earlier ones.
pub async fn generate(
    store: &Store,
    actor: &Actor,
    organisations: &HashMap<&str, Uuid>,
    referents: &[Uuid],
    first: usize,
    count: usize,
    seed: u64,
) -> Result<Vec<Followed>, StoreError> {
    let today = parcours_domain::clock::today();
    // A small linear congruential generator: deterministic, no dependency.
    let mut seed = seed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let mut followed = Vec::new();
    for i in first..first + count {
        let female = next(2) == 0;
        let first = if female {
            FIRST_NAMES_F[next(10)]
        } else {
            FIRST_NAMES_M[next(10)]
        };
        let step = match next(10) {
            0..=2 => Step::Entered,
            3 => Step::Pending("professional", CCAS),
            4..=5 => Step::Followed("social", CCAS, Some(referents[next(referents.len())])),
            6..=7 => Step::Followed(
                "socio_professional",
                CCAS,
                Some(referents[next(referents.len())]),
            ),
            _ => Step::Followed("professional", DEPARTMENT, None),
        };
        // Since when in droits et devoirs, by step: most people waiting for
        // an orientation or a contract are within their delays, a few late.
        let duties_days = match step {
            Step::Entered => 3 + next(35),
            Step::Pending(..) => 10 + next(25),
            Step::Followed(_, _, Some(_)) => 40 + next(660),
            Step::Followed(_, _, None) => 30 + next(30),
        } as i64;
        let birth = format!(
            "{}-{:02}-{:02}",
            1960 + next(45),
            1 + next(12),
            1 + next(28)
        );
        let demo = Demo {
            rsa_number: format!("14{i:09}"),
            role: "DEM",
            last: LAST_NAMES[next(LAST_NAMES.len())],
            first,
            sex: if female { "F" } else { "M" },
            birth,
            commune: COMMUNES[next(COMMUNES.len())],
            duties_days,
            single_parent: female && next(4) == 0,
            step,
        };
        let added = add(store, actor, organisations, &demo, i, today).await?;
        followed.extend(Followed::of(&added));
    }
    Ok(followed)
}

/// A person added, with their référent and the notification of their
/// orientation when they have them.
struct Added {
    person_id: Uuid,
    /// The référent, the notification day and whether the pathway is social.
    followed: Option<(Uuid, Date, bool)>,
}

impl Followed {
    fn of(added: &Added) -> Option<Followed> {
        let (referent_id, notified_on, social) = added.followed?;
        Some(Followed {
            person_id: added.person_id,
            referent_id,
            notified_on,
            social,
        })
    }
}

fn iso(date: Date) -> String {
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

async fn add(
    store: &Store,
    actor: &Actor,
    organisations: &HashMap<&str, Uuid>,
    demo: &Demo,
    index: usize,
    today: Date,
) -> Result<Added, StoreError> {
    let since = today - Duration::days(demo.duties_days);
    // Birth place and order number derived from the index: unique NIRs up to ~998 000 people.
    let nir_body = format!(
        "{}{}{}14{:03}{:03}",
        if demo.sex == "M" { 1 } else { 2 },
        &demo.birth[2..4],
        &demo.birth[5..7],
        (index / 999) % 999 + 1,
        index % 999 + 1
    );
    let nir = Nir::parse(&nir_body)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    let person = PersonData::parse(
        &PersonInput {
            household_role: demo.role.into(),
            last_name: demo.last.into(),
            first_names: demo.first.into(),
            birth_date: demo.birth.clone(),
            sex: demo.sex.into(),
            nir,
            commune_code: demo.commune.into(),
            address: format!("{} rue de la Libération", 1 + index),
            subject_to_duties: true,
            duties_since: iso(since),
            single_parent: demo.single_parent,
            ..PersonInput::default()
        },
        today,
    )?;
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: demo.rsa_number.clone(),
            caf_number: format!("{:07}", (3_000_000 + index * 7) % 10_000_000),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: iso(since),
        },
        today,
    )?;
    let department = organisations[DEPARTMENT];
    let created = store
        .create_person(actor, department, &HouseholdTarget::New(household), &person)
        .await?;
    let mut added = Added {
        person_id: created.id,
        followed: None,
    };
    let (kind, organisation, referent, validate) = match demo.step {
        Step::Entered => return Ok(added),
        Step::Pending(kind, organisation) => (kind, organisation, None, false),
        Step::Followed(kind, organisation, referent) => (kind, organisation, referent, true),
    };
    let decided_on = since + Duration::days((demo.duties_days / 3).min(25));
    let orientation = OrientationData::parse(
        &OrientationInput {
            kind: kind.into(),
            lead_organisation_id: organisations[organisation].to_string(),
            decided_on: iso(decided_on),
            reason: String::new(),
            extended_review: demo.duties_days > 800,
        },
        today,
        false,
    )?;
    let decided = store
        .decide_orientation(actor, created.id, &orientation)
        .await?;
    if !validate {
        return Ok(added);
    }
    let notified_on = decided_on + Duration::days(3);
    let everyone = parcours_domain::access::PersonScope {
        all: true,
        organisation_id: None,
        territory_id: None,
        referent_id: None,
        team_organisation_id: None,
    };
    store
        .validate_orientations(actor, &everyone, &[decided.id], notified_on)
        .await?;
    if let Some(referent) = referent {
        store
            .designate_referent(actor, created.id, referent, notified_on + Duration::days(2))
            .await?;
    }
    added.followed = referent.map(|r| (r, notified_on, kind == "social"));
    Ok(added)
}

/// Fabrice, at Plaine Emploi's weekly workshop: a diagnostic and a contract
/// signed with his référent, awaiting the cadre's validation.
async fn fabrice_contract(
    store: &Store,
    sophie: Uuid,
    fabrice: Uuid,
    today: Date,
) -> Result<(), StoreError> {
    use parcours_domain::contract::{ContractData, ContractInput, Event, ObjectiveInput};
    use parcours_domain::diagnostic::DiagnosticData;
    let referent = store.account(sophie).await?.actor();
    let pairs: Vec<(String, String)> = [
        ("frein", "trouver-un-emploi|Plus d'1 an sans emploi"),
        ("gravite|trouver-un-emploi|Plus d'1 an sans emploi", "3"),
        ("frein", "remobilisation|Isolement, peu de sorties"),
        ("gravite|remobilisation|Isolement, peu de sorties", "2"),
        ("frein", "mobilite|Dépendant des transports en commun"),
        ("gravite|mobilite|Dépendant des transports en commun", "1"),
        (
            "wishes",
            "Retrouver du travail ; activités manuelles et jardinage",
        ),
        (
            "strengths",
            "A toujours travaillé depuis l'âge de 15 ans (intérim) ; manuel, ponctuel",
        ),
        ("professional_project", "Emploi dans les espaces verts"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let diagnostic = DiagnosticData::from_pairs(&pairs)?;
    store
        .save_diagnostic(
            &referent,
            fabrice,
            0,
            &diagnostic,
            today - Duration::days(45),
        )
        .await?;
    let contract = ContractData::parse(&ContractInput {
        kind: "engagement".into(),
        starts_on: iso(today),
        duration_months: "6".into(),
        weekly_hours: "15".into(),
        objectives: vec![
            ObjectiveInput {
                category: "remobilisation".into(),
                title: "Rompre l'isolement".into(),
                barriers: vec!["Isolement, peu de sorties".into()],
                actions:
                    "Atelier hebdomadaire « Les bons vivants » (Plaine Emploi)\nSorties culturelles"
                        .into(),
            },
            ObjectiveInput {
                category: "trouver-un-emploi".into(),
                title: "Répondre à des offres d'emploi".into(),
                barriers: vec!["Plus d'1 an sans emploi".into()],
                actions: "Rendez-vous mensuel avec le référent".into(),
            },
        ],
        person_commitments: "Participer chaque semaine à l'atelier ; se présenter aux rendez-vous"
            .into(),
        organisation_commitments: "Accompagnement mensuel ; prise en charge de l'atelier".into(),
        ..ContractInput::default()
    })?;
    let draft = store.create_contract(&referent, fabrice, &contract).await?;
    let details = parcours_store::contract::EventDetails::default();
    let signed = store
        .apply_contract_event(
            &referent,
            draft.id,
            draft.version,
            Event::Sign,
            today,
            &details,
        )
        .await?;
    store
        .apply_contract_event(
            &referent,
            signed.id,
            signed.version,
            Event::Submit,
            today,
            &details,
        )
        .await?;
    Ok(())
}
