//! Demo data: the organisations behind the source documents (Calvados: CCAS
//! de Caen, ENEFA Normandie, Plaine Emploi, USDA Sud…), the catalogue of
//! insertion actions (`demo_catalogue`) and one account per role.
//! Loading is idempotent: a second run changes nothing.

use parcours_domain::account::{AccountChange, NewUser, NewUserInput};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::Role;
use parcours_store::{password, Actor, Store, StoreError};
use std::collections::HashMap;
use uuid::Uuid;

pub const PASSWORD: &str = "parcours-demo-2026";

const TERRITORIES: &[(&str, &str)] = &[
    ("CLM", "Caen la Mer"),
    ("BES", "Bessin"),
    ("AUG", "Pays d'Auge"),
    ("BOC", "Bocage virois"),
];

/// Organisations that are not partner structures (USDA Sud, ENEFA Normandie,
/// Plaine Emploi and the other partner structures come from `demo_catalogue`).
pub(crate) const ORGANISATIONS: &[(&str, OrganisationKind, Option<&str>)] = &[
    (
        "Département du Calvados — Direction de l'insertion",
        OrganisationKind::DepartmentService,
        None,
    ),
    ("CCAS de Caen", OrganisationKind::Ccas, Some("CLM")),
    (
        "France Travail — agence de Caen",
        OrganisationKind::FranceTravail,
        Some("CLM"),
    ),
    (
        "Mission locale Caen la mer",
        OrganisationKind::MissionLocale,
        Some("CLM"),
    ),
];

/// (INSEE code, name, postcode, territory)
pub(crate) const COMMUNES: &[(&str, &str, &str, Option<&str>)] = &[
    ("14118", "Caen", "14000", Some("CLM")),
    ("14327", "Hérouville-Saint-Clair", "14200", Some("CLM")),
    ("14437", "Mondeville", "14120", Some("CLM")),
    ("14341", "Ifs", "14123", Some("CLM")),
    ("14047", "Bayeux", "14400", Some("BES")),
    ("14366", "Lisieux", "14100", Some("AUG")),
    ("14333", "Honfleur", "14600", Some("AUG")),
    ("14762", "Vire Normandie", "14500", Some("BOC")),
    ("14258", "Falaise", "14700", None),
];

/// (email, name, role, organisation, territory)
pub const ACCOUNTS: &[(&str, &str, Role, &str, Option<&str>)] = &[
    (
        "admin@demo.parcours.fr",
        "Alice Administratrice",
        Role::Admin,
        "Département du Calvados — Direction de l'insertion",
        None,
    ),
    (
        "mission@demo.parcours.fr",
        "Marc Chargé-de-mission",
        Role::ProgrammeOfficer,
        "Département du Calvados — Direction de l'insertion",
        None,
    ),
    (
        "cadre@demo.parcours.fr",
        "Claire Cadre",
        Role::Manager,
        "CCAS de Caen",
        Some("CLM"),
    ),
    (
        "referent@demo.parcours.fr",
        "Sophie Lemaire",
        Role::Referent,
        "CCAS de Caen",
        Some("CLM"),
    ),
    (
        "structure@demo.parcours.fr",
        "Paul Opérateur",
        Role::Operator,
        "Plaine Emploi",
        Some("CLM"),
    ),
    (
        "atelier@demo.parcours.fr",
        "Nadia Opératrice",
        Role::Operator,
        "Les Jardins de la Prairie",
        Some("CLM"),
    ),
    (
        "dpo@demo.parcours.fr",
        "Diane Protection-des-données",
        Role::Dpo,
        "Département du Calvados — Direction de l'insertion",
        None,
    ),
];

/// The demo: accounts, catalogue and people, with their stories dated from
/// today (nothing when the demo is there already).
pub async fn load(store: &Store) -> Result<(), StoreError> {
    let actor = Actor::system("données de démonstration");
    if let Some((users, cast)) = load_without_stories(store).await? {
        crate::demo_story::load(store, &actor, &users, &cast).await?;
    }
    Ok(())
}

/// The demo's accounts, catalogue and people without the stories played on
/// them: the black-box tests start from it, each writing the story it checks
/// (`tests/demo.rs` checks the stories).
pub async fn load_without_stories(
    store: &Store,
) -> Result<Option<(HashMap<&'static str, Uuid>, crate::demo_people::Cast)>, StoreError> {
    if store.account_by_email(ACCOUNTS[0].0).await?.is_some() {
        return Ok(None);
    }
    let actor = Actor::system("données de démonstration");
    let mut territories: HashMap<&str, Uuid> = HashMap::new();
    for (code, name) in TERRITORIES {
        territories.insert(code, store.create_territory(&actor, code, name).await?.id);
    }
    let mut organisations: HashMap<&str, Uuid> = HashMap::new();
    for (name, kind, territory) in ORGANISATIONS {
        let territory = territory.map(|code| territories[code]);
        organisations.insert(
            name,
            store
                .create_organisation(&actor, name, *kind, territory)
                .await?
                .id,
        );
    }
    for (code, name, postcode, territory) in COMMUNES {
        store
            .upsert_commune(code, name, postcode, territory.map(|t| territories[t]))
            .await?;
    }
    // Before the accounts: opérateurs belong to partner structures.
    let today = parcours_domain::clock::today();
    organisations.extend(crate::demo_catalogue::load(store, &actor, today).await?);
    let hash = password::hash_password(PASSWORD)?;
    let mut users: HashMap<&'static str, Uuid> = HashMap::new();
    for (email, name, role, organisation, territory) in ACCOUNTS {
        let new = NewUser::parse(&NewUserInput {
            email: (*email).into(),
            display_name: (*name).into(),
            role: role.code().into(),
            organisation_id: organisations[organisation].to_string(),
            territory_id: territory
                .map(|code| territories[code].to_string())
                .unwrap_or_default(),
            password: PASSWORD.into(),
        })?;
        users.insert(
            email,
            store.create_account(&actor, &new, &hash, false).await?.id,
        );
    }
    // A second référent, so that designations and caseloads have a choice.
    let second = NewUser::parse(&NewUserInput {
        email: "referent2@demo.parcours.fr".into(),
        display_name: "Karim Haddad".into(),
        role: Role::Referent.code().into(),
        organisation_id: organisations["CCAS de Caen"].to_string(),
        territory_id: territories["CLM"].to_string(),
        password: PASSWORD.into(),
    })?;
    users.insert(
        "referent2@demo.parcours.fr",
        store
            .create_account(&actor, &second, &hash, false)
            .await?
            .id,
    );
    // Sophie's work phone: the people she follows are told how to reach her.
    let sophie = store.account(users["referent@demo.parcours.fr"]).await?;
    let change = AccountChange {
        display_name: sophie.display_name.clone(),
        phone: Some("02 31 15 40 12".into()),
        role: sophie.role,
        organisation_id: sophie.organisation_id,
        territory_id: sophie.territory_id,
        disabled: false,
    };
    store
        .update_account(&actor, sophie.id, sophie.version, &change)
        .await?;
    let cast = crate::demo_people::load(store, &actor, &organisations, &users).await?;
    Ok(Some((users, cast)))
}

pub(crate) const CCAS: &str = "CCAS de Caen";
pub(crate) const DEPARTMENT: &str = "Département du Calvados — Direction de l'insertion";
pub(crate) const FRANCE_TRAVAIL: &str = "France Travail — agence de Caen";

/// The sign-in of generated référent `n` (from 1).
pub(crate) fn referent_email(n: usize) -> String {
    format!("referent-{n:04}@demo.parcours.fr")
}

/// The référents of generated people (created once, found again on later runs).
pub(crate) async fn generated_referents(
    store: &Store,
    actor: &Actor,
    organisation: Uuid,
    count: usize,
) -> Result<Vec<Uuid>, StoreError> {
    let hash = password::hash_password(PASSWORD)?;
    let mut ids = Vec::with_capacity(count);
    for n in 1..=count {
        let email = referent_email(n);
        let id = match store.account_by_email(&email).await? {
            Some(user) => user.id,
            None => {
                let new = NewUser::parse(&NewUserInput {
                    email,
                    display_name: format!("Référent {n:04}"),
                    role: Role::Referent.code().into(),
                    organisation_id: organisation.to_string(),
                    territory_id: String::new(),
                    password: PASSWORD.into(),
                })?;
                store.create_account(actor, &new, &hash, false).await?.id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

pub fn print_accounts() {
    println!("Comptes de démonstration (mot de passe : {PASSWORD}) :");
    let second = (
        "referent2@demo.parcours.fr",
        "Karim Haddad",
        Role::Referent,
        "CCAS de Caen",
    );
    let accounts = ACCOUNTS
        .iter()
        .map(|(email, name, role, organisation, _)| (*email, *name, *role, *organisation));
    for (email, name, role, organisation) in accounts.chain([second]) {
        println!(
            "  {:<28} {:<36} {} — {}",
            email,
            role.label(),
            name,
            organisation
        );
    }
}
