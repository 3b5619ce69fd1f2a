//! A generated catalogue at département scale (thousands of actions, one
//! structure per ten, each with an opérateur account), deterministic for a
//! seed: the dataset of the catalogue's benchmark and of `parcours generate`.
//!
//! Every action goes through the domain's parsers, as a form would, then is
//! written in multi-row statements with exactly the rows the store's
//! `create_structure`, `create_action`, `add_funding` and
//! `set_action_status` write (tags, search text, JSON columns, sessions
//! from the schedule), plus the sessions of the last months, as if the
//! actions had been created when they started.

use crate::generate::random::{Ids, Kind, Rng};
use parcours_domain::audit::AuditAction;
use parcours_domain::catalogue::{
    ActionData, ActionFormat, ActionInput, ActionStatus, AddressInput, ContactInput, FundingData,
    FundingInput, PracticalInput, StructureData, StructureInput, DEFAULT_FAMILIES,
};
use parcours_domain::eligibility::EligibilityInput;
use parcours_domain::schedule::{hhmm, ScheduleInput};
use parcours_domain::taxonomy::THEMATIQUES;
use parcours_domain::Role;
use parcours_store::catalogue::SESSION_HORIZON_DAYS;
use parcours_store::catalogue_load::{CatalogueLoad, GroupSession, NewAccount};
use parcours_store::{now, password, Actor, Store, StoreError};
use time::{Date, Duration};

/// How far back the generated sessions go (attendance is recorded on them).
pub const HISTORY_DAYS: i64 = 120;

/// Actions per transaction.
const BATCH: usize = 500;

/// Draws of the catalogue (see [`Rng::new`]).
const STREAM: u64 = 2;

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

/// (name, diagnostic domain it works on, family, individual)
const WORKSHOPS: &[(&str, &str, &str, bool)] = &[
    (
        "Atelier cuisine et budget",
        "difficultes-financieres",
        "aps",
        false,
    ),
    (
        "Atelier numérique",
        "numerique",
        "espaces-dynamisation",
        false,
    ),
    ("Atelier mobilité", "mobilite", "mobilite", false),
    (
        "Atelier démarches administratives",
        "difficultes-administratives-ou-juridiques",
        "accompagnement-social",
        false,
    ),
    ("Atelier logement", "logement-hebergement", "habitat", false),
    ("Atelier santé et bien-être", "sante", "aps", false),
    (
        "Atelier parentalité",
        "famille",
        "mobilisation-entraide",
        false,
    ),
    (
        "Atelier créatif",
        "remobilisation",
        "espaces-dynamisation",
        false,
    ),
    (
        "Accompagnement social individualisé",
        "remobilisation",
        "asi",
        true,
    ),
    (
        "Remobilisation par le sport",
        "remobilisation",
        "mobilisation-entraide",
        false,
    ),
    (
        "Jardin partagé",
        "remobilisation",
        "mobilisation-entraide",
        false,
    ),
    (
        "Savoirs de base : français",
        "lecture-ecriture-calcul",
        "savoirs-de-base",
        false,
    ),
    ("Permis de conduire solidaire", "mobilite", "mobilite", true),
    (
        "Soutien psychologique",
        "sante",
        "accompagnement-psychologique",
        true,
    ),
    (
        "Préparer sa candidature",
        "preparer-sa-candidature",
        "espaces-dynamisation",
        false,
    ),
    (
        "Découverte des métiers",
        "choisir-un-metier",
        "espaces-dynamisation",
        false,
    ),
    (
        "Recherche d'emploi accompagnée",
        "trouver-un-emploi",
        "accompagnement-social",
        true,
    ),
];

const DAYS: [&str; 5] = ["Mo", "Tu", "We", "Th", "Fr"];

/// The opérateur account of generated structure `number`.
pub fn operator_email(number: usize) -> String {
    format!("operateur-{number:04}@demo.parcours.fr")
}

/// Adds `actions` actions (and a structure per ten, with its opérateur),
/// numbered after those already there.
pub async fn generate(
    store: &Store,
    actions: usize,
    seed: u64,
    today: Date,
    progress: impl Fn(usize),
) -> Result<(), StoreError> {
    if actions == 0 {
        return Ok(());
    }
    let actor = Actor::system("génération du catalogue");
    let first_structure = store.structures().await?.len();
    let (_, first_action) = store
        .search_actions(&parcours_store::catalogue::CatalogueFilter {
            limit: 1,
            ..Default::default()
        })
        .await?;
    let first_action = first_action as usize;
    let ids = Ids::new(seed);
    let hash = password::hash_password(crate::demo::PASSWORD)?;
    let at = now();
    let mut structure = None;
    let mut done = 0;
    while done < actions {
        let size = BATCH.min(actions - done);
        let mut batch = CatalogueLoad::new(at);
        for i in done..done + size {
            if i % 10 == 0 {
                let number = first_structure + i / 10;
                let mut rng = Rng::new(seed, STREAM, (1 << 40) + number as u64);
                structure = Some(add_structure(&mut batch, &ids, &mut rng, number, &hash));
            }
            let (structure_id, structure_name) = structure.as_ref().expect("made first");
            let number = first_action + i;
            let mut rng = Rng::new(seed, STREAM, number as u64);
            let action = Generated {
                number,
                structure_id: *structure_id,
                structure_name,
            };
            add_action(&mut batch, &ids, &mut rng, &action, today)?;
        }
        let mut tx = store.begin().await?;
        batch.write(&mut tx).await?;
        let detail = format!("génération du catalogue : {size} actions");
        parcours_store::audit::record(
            &mut tx,
            &actor,
            AuditAction::Create,
            "action",
            None,
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        done += size;
        progress(done);
    }
    Ok(())
}

/// A structure (an organisation too) and its opérateur; its id and name.
fn add_structure(
    batch: &mut CatalogueLoad,
    ids: &Ids,
    rng: &mut Rng,
    number: usize,
    hash: &str,
) -> (uuid::Uuid, String) {
    let (code, postcode, commune) = *rng.pick(COMMUNES);
    let input = StructureInput {
        name: format!("Association d'insertion n° {number}"),
        kind: "association".into(),
        siret: siret(number as u64),
        description: "Association d'insertion du Calvados : ateliers collectifs et accompagnement individuel des bénéficiaires du RSA.".into(),
        place: address(code, postcode, commune),
        contact: ContactInput {
            name: "Accueil".into(),
            phone: "02 31 00 00 00".into(),
            email: format!("contact-{number}@association-insertion.fr"),
        },
        network: ["", "", "aci", "fcsf", "ei"][rng.below(5)].into(),
        ..StructureInput::default()
    };
    let data = StructureData::parse(&input).expect("generated structures are valid");
    let id = ids.id(Kind::Structure, number as u64);
    batch.structure(id, &data);
    batch.account(NewAccount {
        id: ids.id(Kind::Account, number as u64),
        email: &operator_email(number),
        display_name: &format!("Opérateur {number:04}"),
        password_hash: hash,
        role: Role::Operator,
        organisation_id: id,
    });
    (id, data.name)
}

struct Generated<'a> {
    number: usize,
    structure_id: uuid::Uuid,
    structure_name: &'a str,
}

fn add_action(
    batch: &mut CatalogueLoad,
    ids: &Ids,
    rng: &mut Rng,
    action: &Generated,
    today: Date,
) -> Result<(), StoreError> {
    let (code, postcode, commune) = *rng.pick(COMMUNES);
    let (workshop, domain, family, individual) = *rng.pick(WORKSHOPS);
    let individual = individual || rng.chance(0.1);
    let in_domain: Vec<&str> = THEMATIQUES
        .iter()
        .map(|(code, _)| *code)
        .filter(|t| t.split("--").next() == Some(domain))
        .collect();
    let mut thematiques = vec![rng.pick(&in_domain).to_string()];
    if rng.chance(0.4) {
        thematiques.push(rng.pick(THEMATIQUES).0.to_owned());
    }
    let frequency = if individual {
        ["appointment", "appointment", "appointment", "weekly"][rng.below(4)]
    } else {
        ["weekly", "weekly", "weekly", "fortnightly", "monthly"][rng.below(5)]
    };
    let mut weekdays = vec![DAYS[rng.below(DAYS.len())].to_owned()];
    if frequency == "weekly" && rng.chance(0.2) {
        weekdays.push(DAYS[rng.below(DAYS.len())].to_owned());
    }
    let morning = rng.chance(0.5);
    let starts_on = today - Duration::days(rng.range(0, 700));
    let ends_on = rng
        .chance(0.2)
        .then(|| starts_on + Duration::days(rng.range(180, 720)));
    let eligibility = match rng.below(20) {
        0 | 1 => EligibilityInput {
            max_age: "25".into(),
            publics: vec!["jeune_18_25".into()],
            ..EligibilityInput::default()
        },
        2 => EligibilityInput {
            orientations: vec!["social".into()],
            ..EligibilityInput::default()
        },
        3 => EligibilityInput {
            orientations: vec!["social".into(), "socio_professional".into()],
            ..EligibilityInput::default()
        },
        4 => EligibilityInput {
            contract_required: true,
            ..EligibilityInput::default()
        },
        5 => EligibilityInput {
            communes: format!("{code} 14118"),
            ..EligibilityInput::default()
        },
        _ => EligibilityInput::default(),
    };
    let capacity = if rng.chance(0.2) {
        rng.range(2, 5)
    } else {
        rng.range(6, 20)
    };
    let number = action.number;
    let input = ActionInput {
        structure_id: action.structure_id.to_string(),
        name: format!("{workshop} — {commune} ({number})"),
        description: format!(
            "{workshop} proposé à {commune} : des séances en petit groupe pour avancer à son rythme, avec un animateur."
        ),
        family: if rng.chance(0.8) {
            family.into()
        } else {
            rng.pick(DEFAULT_FAMILIES).0.into()
        },
        thematiques,
        service_type: if individual {
            "accompagnement"
        } else {
            ["atelier", "atelier", "formation", "information"][rng.below(4)]
        }
        .into(),
        format: if individual {
            ActionFormat::Individual
        } else {
            ActionFormat::Collective
        }
        .code()
        .into(),
        publics: vec![[
            "beneficiaires-des-minimas-sociaux",
            "jeunes",
            "familles",
            "femmes",
        ][rng.below(4)]
        .into()],
        eligibility,
        capacity: capacity.to_string(),
        capacity_period: ["continuous", "continuous", "continuous", "session", "year"]
            [rng.below(5)]
        .into(),
        reception: if rng.chance(0.1) {
            vec!["en-presentiel".into(), "a-distance".into()]
        } else {
            vec!["en-presentiel".into()]
        },
        place: address(code, postcode, commune),
        weekly_hours: rng.range(2, 6).to_string(),
        duration_weeks: rng.range(12, 52).to_string(),
        self_referral: rng.chance(0.3),
        starts_on: starts_on.to_string(),
        ends_on: ends_on.map(|d| d.to_string()).unwrap_or_default(),
        practical: PracticalInput {
            schedule: ScheduleInput {
                frequency: frequency.into(),
                weekdays,
                week_of_month: rng.range(1, 5).to_string(),
                starts_at: if morning { "09:30" } else { "14:00" }.into(),
                ends_at: if morning { "12:00" } else { "16:30" }.into(),
            },
            contact: ContactInput {
                name: "Accueil".into(),
                phone: "02 31 00 00 00".into(),
                ..ContactInput::default()
            },
            how_to_apply: "Sur prescription du référent, ou en se présentant à l'accueil."
                .into(),
        },
    };
    let data = ActionData::parse(&input).expect("generated actions are valid");
    let id = ids.id(Kind::Action, number as u64);
    // Published (a second version), left as a draft, or published then archived.
    let (status, version) = match rng.below(100) {
        0..=6 => (ActionStatus::Draft, 1),
        7..=10 => (ActionStatus::Archived, 3),
        _ => (ActionStatus::Published, 2),
    };
    batch.action(id, &data, action.structure_name, status, version);
    for (k, funding) in fundings(rng, number, today).iter().enumerate() {
        let funding = FundingData::parse(funding).expect("generated funding is valid");
        batch.funding(
            ids.sub(Kind::Funding, number as u64, k as u64),
            id,
            &funding,
        );
    }
    sessions(batch, ids, rng, id, number, &data, today);
    Ok(())
}

/// The sessions of the schedule, from `HISTORY_DAYS` ago (as if generated
/// when the action started) to the store's horizon; a few cancelled, and
/// now and then an outing added by hand.
#[allow(clippy::too_many_arguments)]
fn sessions(
    batch: &mut CatalogueLoad,
    ids: &Ids,
    rng: &mut Rng,
    action_id: uuid::Uuid,
    number: usize,
    data: &ActionData,
    today: Date,
) {
    let schedule = &data.practical.schedule;
    let from = data.starts_on.max(today - Duration::days(HISTORY_DAYS));
    let horizon = today + Duration::days(SESSION_HORIZON_DAYS);
    let to = data.ends_on.map_or(horizon, |end| end.min(horizon));
    let (starts_at, ends_at) = (schedule.starts_at.map(hhmm), schedule.ends_at.map(hhmm));
    let mut k = 0;
    let mut session = |batch: &mut CatalogueLoad,
                       day: Date,
                       ad_hoc: bool,
                       cancelled: bool,
                       note: Option<&str>| {
        batch.session(GroupSession {
            id: ids.sub(Kind::Session, number as u64, k),
            action_id,
            on_date: day,
            starts_at: starts_at.as_deref(),
            ends_at: ends_at.as_deref(),
            ad_hoc,
            cancelled,
            note,
        });
        k += 1;
    };
    for day in schedule.occurrences(data.starts_on, from, to) {
        session(batch, day, false, rng.chance(0.03), None);
    }
    if data.format == ActionFormat::Collective && rng.chance(0.1) && from < today {
        let day = rng.day(from, today - Duration::days(1));
        session(
            batch,
            day,
            true,
            false,
            Some("Sortie : visite du Mémorial de Caen"),
        );
    }
}

fn fundings(rng: &mut Rng, number: usize, today: Date) -> Vec<FundingInput> {
    let year = today.year();
    let mut lines = Vec::new();
    if rng.chance(0.3) {
        return lines;
    }
    let fse_plus = rng.chance(0.2);
    let procurement = rng.chance(0.25);
    for year in [year - 1, year] {
        lines.push(FundingInput {
            kind: if procurement {
                "procurement"
            } else {
                "subsidy"
            }
            .into(),
            funder: "Département du Calvados".into(),
            year: year.to_string(),
            amount: (rng.range(5, 60) * 1000).to_string(),
            contract_number: if procurement {
                format!("{year}-INS-{number:04}")
            } else {
                String::new()
            },
            lot: if procurement { "Lot 2" } else { "" }.into(),
            fse_plus,
            fse_operation: if fse_plus {
                format!("2023{number:05}")
            } else {
                String::new()
            },
        });
    }
    lines
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
