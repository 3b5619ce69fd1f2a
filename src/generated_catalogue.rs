//! A generated catalogue at département scale (thousands of actions, one
//! structure per ten), deterministic for a seed: the dataset of the
//! catalogue's benchmark. Goes through the ordinary store code path.

use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, ContactInput, PracticalInput,
    StructureData, StructureInput, DEFAULT_FAMILIES,
};
use parcours_domain::schedule::ScheduleInput;
use parcours_domain::taxonomy::THEMATIQUES;
use parcours_store::{Actor, Store, StoreError};
use time::{Date, Duration};

/// (INSEE code, postcode, name) of Calvados communes.
const COMMUNES: &[(&str, &str, &str)] = &[
    ("14118", "14000", "Caen"),
    ("14327", "14200", "Hérouville-Saint-Clair"),
    ("14437", "14120", "Mondeville"),
    ("14341", "14123", "Ifs"),
    ("14047", "14400", "Bayeux"),
    ("14366", "14100", "Lisieux"),
    ("14333", "14600", "Honfleur"),
    ("14762", "14500", "Vire Normandie"),
    ("14258", "14700", "Falaise"),
    ("14220", "14800", "Deauville"),
];

const WORKSHOPS: &[&str] = &[
    "Atelier cuisine et budget",
    "Atelier numérique",
    "Atelier mobilité",
    "Atelier démarches administratives",
    "Atelier logement",
    "Atelier santé et bien-être",
    "Atelier parentalité",
    "Atelier créatif",
    "Accompagnement social individualisé",
    "Remobilisation par le sport",
    "Jardin partagé",
    "Savoirs de base : français",
    "Permis de conduire solidaire",
    "Soutien psychologique",
];

const DAYS: [&str; 5] = ["Mo", "Tu", "We", "Th", "Fr"];

/// Adds `actions` actions (and a structure per ten) numbered from `first`.
pub async fn generate(
    store: &Store,
    actions: usize,
    seed: u64,
    today: Date,
    progress: impl Fn(usize),
) -> Result<(), StoreError> {
    let actor = Actor::system("génération du catalogue");
    let first = store.structures().await?.len();
    let mut seed = seed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let mut structure_id = None;
    for i in 0..actions {
        let (code, postcode, commune) = COMMUNES[next(COMMUNES.len())];
        if i % 10 == 0 {
            let number = first + i / 10;
            let input = StructureInput {
                name: format!("Association d'insertion n° {number}"),
                kind: "association".into(),
                siret: siret(number as u64),
                place: address(code, postcode, commune),
                contact: ContactInput {
                    phone: "02 31 00 00 00".into(),
                    ..ContactInput::default()
                },
                ..StructureInput::default()
            };
            let data = StructureData::parse(&input).expect("generated structures are valid");
            structure_id = Some(store.create_structure(&actor, &data, None).await?.id);
        }
        let workshop = WORKSHOPS[next(WORKSHOPS.len())];
        let thematiques: Vec<String> = (0..1 + next(3))
            .map(|_| THEMATIQUES[next(THEMATIQUES.len())].0.to_owned())
            .collect();
        let frequency = ["weekly", "weekly", "monthly", "appointment"][next(4)];
        let input = ActionInput {
            structure_id: structure_id.expect("made first").to_string(),
            name: format!("{workshop} — {commune} ({i})"),
            description: format!(
                "{workshop} proposé à {commune} : des séances en petit groupe pour avancer à son rythme, avec un animateur."
            ),
            family: DEFAULT_FAMILIES[next(DEFAULT_FAMILIES.len())].0.into(),
            thematiques,
            service_type: ["atelier", "accompagnement", "formation"][next(3)].into(),
            format: ["collective", "individual"][next(2)].into(),
            publics: vec![["beneficiaires-des-minimas-sociaux", "jeunes", "familles", "femmes"][next(4)].into()],
            capacity: (6 + next(15)).to_string(),
            reception: vec!["en-presentiel".into()],
            place: address(code, postcode, commune),
            starts_on: (today - Duration::days(next(400) as i64)).to_string(),
            practical: PracticalInput {
                schedule: ScheduleInput {
                    frequency: frequency.into(),
                    weekdays: vec![DAYS[next(DAYS.len())].into()],
                    week_of_month: (1 + next(4)).to_string(),
                    starts_at: "09:30".into(),
                    ends_at: "12:00".into(),
                },
                ..PracticalInput::default()
            },
            ..ActionInput::default()
        };
        let data = ActionData::parse(&input).expect("generated actions are valid");
        let action = store.create_action(&actor, &data, today, None).await?;
        if next(10) < 9 {
            store
                .set_action_status(&actor, action.id, action.version, ActionStatus::Published)
                .await?;
        }
        if (i + 1) % 100 == 0 {
            progress(i + 1);
        }
    }
    Ok(())
}

fn address(code: &str, postcode: &str, commune: &str) -> AddressInput {
    AddressInput {
        address: "1 place de la Mairie".into(),
        postal_code: postcode.into(),
        commune_code: code.into(),
        commune_name: commune.into(),
    }
}

/// A valid SIRET for a number: 13 digits, then the Luhn key.
fn siret(number: u64) -> String {
    let body = format!("{:013}", 4_000_000_000_000 + number);
    (0..10)
        .map(|key| format!("{body}{key}"))
        .find(|candidate| parcours_domain::catalogue::is_siret(candidate))
        .expect("one key digit fits")
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_sirets_are_valid() {
        for n in [0, 1, 42, 99_999] {
            assert!(parcours_domain::catalogue::is_siret(&super::siret(n)));
        }
    }
}
