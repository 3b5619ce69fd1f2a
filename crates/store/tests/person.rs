//! Conformance suite for person files, orientations, référent designation and
//! deadline clocks, run on SQLite always and on PostgreSQL whenever
//! PARCOURS_TEST_POSTGRES_URL is set.

use parcours_domain::access::{PersonScope, Viewer};
use parcours_domain::account::{AccountChange, NewUser, NewUserInput};
use parcours_domain::audit::AuditAction;
use parcours_domain::deadline::ClockKind;
use parcours_domain::deadline::{add_months, DeadlineSettings, OrientationKind};
use parcours_domain::nir::Nir;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::orientation::OrientationData;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::Fund;
use parcours_domain::person::HouseholdRole;
use parcours_domain::person::Sex;
use parcours_domain::person::{
    ClosureReason, HouseholdData, HouseholdInput, PersonData, PersonInput, RsaSituation,
};
use parcours_domain::worklist::PathwayStage;
use parcours_domain::Role;
use parcours_store::account::Account;
use parcours_store::deadline::{DueFilter, StoredClock};
use parcours_store::person::{HouseholdTarget, Person, PersonQuery};
use parcours_store::{testing, Actor, AuditFilter, Store, StoreError};
use time::macros::date;
use time::{Date, Duration};
use uuid::Uuid;

/// Caen, in territory "Caen la mer".
const CAEN: &str = "14118";
/// Vire, in territory "Bocage".
const VIRE: &str = "14762";

/// Female, born May 1979, 13 characters: the key is computed on parsing.
const NIR_MAGALI_13: &str = "2790514118123";
/// Male, born November 1985.
const NIR_JEAN_13: &str = "1851114118045";

fn admin() -> Actor {
    Actor::system("tests")
}

/// Same clock as the store uses when it computes clock statuses.
fn today() -> Date {
    parcours_domain::clock::today()
}

fn days_ago(days: i64) -> Date {
    today() - Duration::days(days)
}

fn everything() -> PersonScope {
    PersonScope {
        all: true,
        organisation_id: None,
        territory_id: None,
        referent_id: None,
        team_organisation_id: None,
    }
}

fn nir15(raw13: &str) -> String {
    Nir::parse(raw13).unwrap().as_str().to_owned()
}

/// Territories, communes and two organisations.
struct World {
    caen_la_mer: Uuid,
    bocage: Uuid,
    ccas: Uuid,
    departement: Uuid,
}

async fn world(store: &Store) -> World {
    let caen_la_mer = store
        .create_territory(&admin(), "CLM", "Caen la mer")
        .await
        .unwrap()
        .id;
    let bocage = store
        .create_territory(&admin(), "BOC", "Bocage")
        .await
        .unwrap()
        .id;
    store
        .upsert_commune(CAEN, "Caen", "14000", Some(caen_la_mer))
        .await
        .unwrap();
    store
        .upsert_commune(VIRE, "Vire Normandie", "14500", Some(bocage))
        .await
        .unwrap();
    World {
        caen_la_mer,
        bocage,
        ccas: organisation(store, "CCAS de Caen").await,
        departement: organisation(store, "Département du Calvados").await,
    }
}

async fn organisation(store: &Store, name: &str) -> Uuid {
    store
        .create_organisation(&admin(), name, OrganisationKind::Ccas, None)
        .await
        .unwrap()
        .id
}

async fn user(
    store: &Store,
    email: &str,
    name: &str,
    organisation_id: Uuid,
    role: Role,
    territory_id: Option<Uuid>,
) -> Account {
    let new = NewUser::parse(&NewUserInput {
        email: email.into(),
        display_name: name.into(),
        role: role.code().into(),
        organisation_id: organisation_id.to_string(),
        territory_id: territory_id.map(|t| t.to_string()).unwrap_or_default(),
        password: "un mot de passe solide".into(),
    })
    .unwrap();
    store
        .create_account(&admin(), &new, "hash", false)
        .await
        .unwrap()
}

fn scope_of(user: &Account) -> PersonScope {
    Viewer {
        user_id: user.id,
        role: user.role,
        organisation_id: user.organisation_id,
        territory_id: user.territory_id,
    }
    .person_scope()
}

fn household(rsa_number: &str, caf_number: &str) -> HouseholdData {
    HouseholdData::parse(
        &HouseholdInput {
            rsa_number: rsa_number.into(),
            caf_number: caf_number.into(),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2024-02-15".into(),
        },
        today(),
    )
    .unwrap()
}

/// A requester with no NIR, no commune and no duties, unless changed.
fn input(last: &str, first: &str, birth: &str) -> PersonInput {
    PersonInput {
        household_role: "DEM".into(),
        last_name: last.into(),
        first_names: first.into(),
        birth_date: birth.into(),
        sex: "F".into(),
        ..PersonInput::default()
    }
}

fn parse(input: &PersonInput) -> PersonData {
    PersonData::parse(input, today()).unwrap()
}

async fn add(store: &Store, org: Uuid, rsa: &str, input: PersonInput) -> Person {
    add_with_caf(store, org, rsa, "", input).await
}

async fn add_with_caf(
    store: &Store,
    org: Uuid,
    rsa: &str,
    caf: &str,
    input: PersonInput,
) -> Person {
    store
        .create_person(
            &admin(),
            org,
            &HouseholdTarget::New(household(rsa, caf)),
            &parse(&input),
        )
        .await
        .unwrap()
}

fn by_name(name: &str) -> PersonQuery {
    PersonQuery {
        name: Some(name.into()),
        limit: 50,
        ..PersonQuery::default()
    }
}

async fn found(store: &Store, scope: &PersonScope, query: &PersonQuery) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = store
        .search_persons(scope, query)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

fn orientation(kind: OrientationKind, lead: Uuid, decided_on: Date) -> OrientationData {
    OrientationData {
        kind,
        lead_organisation_id: lead,
        decided_on,
        reason: None,
        extended_review: false,
    }
}

/// Decides and validates an orientation for `person`, notified on `on`.
async fn oriented(
    store: &Store,
    person: Uuid,
    kind: OrientationKind,
    lead: Uuid,
    on: Date,
) -> Uuid {
    let decided = store
        .decide_orientation(&admin(), person, &orientation(kind, lead, on))
        .await
        .unwrap();
    assert_eq!(
        store
            .validate_orientations(&admin(), &everything(), &[decided.id], on)
            .await
            .unwrap(),
        1
    );
    decided.id
}

fn field_error(err: &StoreError, field: &str) -> bool {
    matches!(err, StoreError::Invalid(i) if i.message_for(field).is_some())
}

fn clock<'a>(clocks: &'a [StoredClock], kind: &str) -> &'a StoredClock {
    clocks
        .iter()
        .find(|c| c.kind.code() == kind)
        .unwrap_or_else(|| panic!("no {kind} clock in {clocks:?}"))
}

async fn audit_count(store: &Store, action: AuditAction, entity_type: &str) -> usize {
    store
        .audit_events(&AuditFilter {
            action: Some(action),
            entity_type: Some(entity_type.into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_person_file_round_trips_and_joins_its_household() {
    for store in testing::all().await {
        let w = world(&store).await;
        let full = PersonInput {
            household_role: "DEM".into(),
            last_name: "Lefèvre".into(),
            first_names: "Magali Anne".into(),
            birth_name: "Durand".into(),
            birth_date: "12/05/1979".into(),
            sex: "F".into(),
            nir: "2 79 05 14 118 123".into(),
            keep_nir: false,
            email: "Magali.Lefevre@Example.fr".into(),
            phone: "02 31 00 00 00".into(),
            address: "1 rue de la Paix".into(),
            commune_code: CAEN.into(),
            subject_to_duties: true,
            duties_since: "2024-03-01".into(),
            single_parent: true,
            other_minimum_income: false,
            rqth: true,
            situation: String::new(),
        };
        let data = parse(&full);
        let person = store
            .create_person(
                &admin(),
                w.ccas,
                &HouseholdTarget::New(household("abc123", "1234567")),
                &data,
            )
            .await
            .unwrap();

        assert_eq!(person.household_role, HouseholdRole::Requester);
        assert_eq!(person.last_name, "Lefèvre");
        assert_eq!(person.first_names, "Magali Anne");
        assert_eq!(person.birth_name.as_deref(), Some("Durand"));
        assert_eq!(person.birth_date, date!(1979 - 05 - 12));
        assert_eq!(person.sex, Sex::Female);
        let nir = person.nir.clone().expect("NIR stored");
        assert_eq!(nir.len(), 15, "the key is stored with the 13 digits");
        assert!(nir.starts_with(NIR_MAGALI_13), "{nir}");
        assert_eq!(nir, nir15(NIR_MAGALI_13));
        assert_eq!(person.email.as_deref(), Some("magali.lefevre@example.fr"));
        assert_eq!(person.phone.as_deref(), Some("02 31 00 00 00"));
        assert_eq!(person.address.as_deref(), Some("1 rue de la Paix"));
        assert_eq!(person.commune_code.as_deref(), Some(CAEN));
        assert_eq!(person.territory_id, Some(w.caen_la_mer));
        assert!(person.subject_to_duties);
        assert_eq!(person.duties_since, Some(date!(2024 - 03 - 01)));
        assert!(person.single_parent);
        assert!(!person.other_minimum_income);
        assert!(person.rqth);
        assert_eq!(person.responsible_organisation_id, Some(w.ccas));
        assert_eq!(person.closed_on, None);
        assert_eq!(person.closure_reason, None);
        assert_eq!(person.merged_into_id, None);
        assert_eq!(person.version, 1);
        assert_eq!(store.person(person.id).await.unwrap(), person);

        let home = store.household(person.household_id.unwrap()).await.unwrap();
        assert_eq!(home.rsa_number, "ABC123");
        assert_eq!(home.caf_number.as_deref(), Some("1234567"));
        assert_eq!(home.fund, Fund::Caf);
        assert_eq!(home.rsa_state, 2);
        assert_eq!(home.rsa_state_on, Some(date!(2024 - 02 - 15)));

        // The same numéro de demande joins the existing household.
        let partner = store
            .create_person(
                &admin(),
                w.ccas,
                &HouseholdTarget::New(household("ABC123", "")),
                &parse(&PersonInput {
                    household_role: "CJT".into(),
                    sex: "M".into(),
                    ..input("Lefèvre", "Jean", "1985-11-03")
                }),
            )
            .await
            .unwrap();
        assert_eq!(partner.household_id, person.household_id);
        let home_again = store.household(person.household_id.unwrap()).await.unwrap();
        assert_eq!(
            home_again.caf_number.as_deref(),
            Some("1234567"),
            "joining does not overwrite the household"
        );
        let members = store
            .household_members(person.household_id.unwrap())
            .await
            .unwrap();
        assert_eq!(
            members.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![person.id, partner.id],
            "requester first"
        );
        assert_eq!(
            audit_count(&store, AuditAction::Create, "household").await,
            1
        );

        let revisions = store.person_revisions(person.id).await.unwrap();
        assert_eq!(revisions.len(), 1);
        assert_eq!(revisions[0].version, 1);
        assert_eq!(revisions[0].changed_by, admin().label);
        let saved: serde_json::Value = serde_json::from_str(&revisions[0].data).unwrap();
        assert_eq!(saved["last_name"], "Lefèvre");
        assert_eq!(saved["nir"], nir.as_str());
        assert_eq!(saved["version"], 1);
    }
}

#[tokio::test]
async fn invalid_creations_leave_nothing_behind() {
    for store in testing::all().await {
        let w = world(&store).await;
        let err = store
            .create_person(
                &admin(),
                w.ccas,
                &HouseholdTarget::New(household("NEW1", "")),
                &parse(&PersonInput {
                    commune_code: "14999".into(),
                    ..input("Lefèvre", "Magali", "1979-05-12")
                }),
            )
            .await
            .unwrap_err();
        assert!(field_error(&err, "commune_code"), "{err:?}");
        assert!(found(&store, &everything(), &by_name("lefevre"))
            .await
            .is_empty());
        assert_eq!(audit_count(&store, AuditAction::Create, "person").await, 0);
        assert_eq!(
            audit_count(&store, AuditAction::Create, "household").await,
            0,
            "the household created on the way was rolled back"
        );

        let first = add(
            &store,
            w.ccas,
            "NEW1",
            PersonInput {
                nir: NIR_MAGALI_13.into(),
                ..input("Lefèvre", "Magali", "1979-05-12")
            },
        )
        .await;
        let twin = PersonInput {
            nir: nir15(NIR_MAGALI_13),
            ..input("Durand", "Sophie", "1979-05-20")
        };
        let err = store
            .create_person(
                &admin(),
                w.ccas,
                &HouseholdTarget::New(household("NEW2", "")),
                &parse(&twin),
            )
            .await
            .unwrap_err();
        assert!(field_error(&err, "nir"), "{err:?}");
        assert!(found(&store, &everything(), &by_name("durand"))
            .await
            .is_empty());
        assert_eq!(
            found(&store, &everything(), &by_name("lefevre")).await,
            vec![first.id]
        );
        assert_eq!(audit_count(&store, AuditAction::Create, "person").await, 1);

        let err = store
            .create_person(
                &admin(),
                w.ccas,
                &HouseholdTarget::Existing(Uuid::now_v7()),
                &parse(&input("Martin", "Paul", "1990-01-01")),
            )
            .await
            .unwrap_err();
        assert!(field_error(&err, "household_id"), "{err:?}");
    }
}

#[tokio::test]
async fn rectification_rewrites_search_keys_and_detects_concurrent_changes() {
    for store in testing::all().await {
        let w = world(&store).await;
        let person = add(
            &store,
            w.ccas,
            "R1",
            input("Lefèvre", "Magali", "1979-05-12"),
        )
        .await;
        let renamed = parse(&PersonInput {
            birth_name: "Lefèvre".into(),
            ..input("Moreau", "Magali", "1979-05-12")
        });
        let updated = store
            .update_person(&admin(), person.id, person.version, &renamed)
            .await
            .unwrap();
        assert_eq!(updated.version, person.version + 1);
        assert_eq!(updated.last_name, "Moreau");
        assert_eq!(updated.birth_name.as_deref(), Some("Lefèvre"));
        assert_eq!(store.person(person.id).await.unwrap(), updated);
        assert_eq!(
            found(&store, &everything(), &by_name("moreau")).await,
            vec![person.id]
        );
        // The birth name is searchable; drop it and the old name is gone.
        assert_eq!(
            found(&store, &everything(), &by_name("lefevre")).await,
            vec![person.id]
        );
        let plain = parse(&input("Moreau", "Magali", "1979-05-12"));
        let updated = store
            .update_person(&admin(), person.id, updated.version, &plain)
            .await
            .unwrap();
        assert_eq!(updated.version, person.version + 2);
        assert!(found(&store, &everything(), &by_name("lefevre"))
            .await
            .is_empty());
        assert_eq!(
            found(&store, &everything(), &by_name("magali moreau")).await,
            vec![person.id]
        );

        let revisions = store.person_revisions(person.id).await.unwrap();
        assert_eq!(
            revisions.iter().map(|r| r.version).collect::<Vec<_>>(),
            vec![3, 2, 1],
            "newest first"
        );

        let stale = store
            .update_person(&admin(), person.id, person.version, &renamed)
            .await
            .unwrap_err();
        assert!(matches!(stale, StoreError::Stale), "{stale:?}");
        assert_eq!(store.person(person.id).await.unwrap().last_name, "Moreau");
        assert_eq!(store.person_revisions(person.id).await.unwrap().len(), 3);
        let missing = store
            .update_person(&admin(), Uuid::now_v7(), 1, &renamed)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound), "{missing:?}");
        let bad_commune = store
            .update_person(
                &admin(),
                person.id,
                updated.version,
                &parse(&PersonInput {
                    commune_code: "14999".into(),
                    ..input("Moreau", "Magali", "1979-05-12")
                }),
            )
            .await
            .unwrap_err();
        assert!(field_error(&bad_commune, "commune_code"), "{bad_commune:?}");
        assert_eq!(store.person(person.id).await.unwrap().version, 3);
    }
}

#[tokio::test]
async fn search_by_names_dates_and_numbers() {
    for store in testing::all().await {
        let w = world(&store).await;
        let magali = add_with_caf(
            &store,
            w.ccas,
            "S1",
            "1234567",
            PersonInput {
                nir: NIR_MAGALI_13.into(),
                ..input("Lefèvre", "Magali", "1979-05-12")
            },
        )
        .await;
        let jean = add_with_caf(
            &store,
            w.ccas,
            "S2",
            "7654321",
            PersonInput {
                sex: "M".into(),
                nir: NIR_JEAN_13.into(),
                ..input("Lefebvre", "Jean", "1985-11-03")
            },
        )
        .await;
        let closed = add(
            &store,
            w.ccas,
            "S3",
            input("Martin", "Magalie", "1990-01-01"),
        )
        .await;
        store
            .close_person(
                &admin(),
                closed.id,
                closed.version,
                today(),
                ClosureReason::Moved,
            )
            .await
            .unwrap();
        let all = everything();

        assert_eq!(
            found(&store, &all, &by_name("lefev")).await,
            vec![magali.id]
        );
        assert_eq!(
            found(&store, &all, &by_name("LEFÈV")).await,
            vec![magali.id]
        );
        assert_eq!(
            found(&store, &all, &by_name("lefe")).await,
            sorted(vec![magali.id, jean.id])
        );
        assert_eq!(found(&store, &all, &by_name("MAGA")).await, vec![magali.id]);
        assert_eq!(
            found(&store, &all, &by_name("maga lefe")).await,
            vec![magali.id],
            "two words narrow down"
        );
        assert_eq!(
            found(&store, &all, &by_name("Jean Lefe")).await,
            vec![jean.id]
        );
        assert!(found(&store, &all, &by_name("lefevre jean"))
            .await
            .is_empty());
        assert!(found(&store, &all, &by_name("dupont")).await.is_empty());
        assert_eq!(
            found(
                &store,
                &all,
                &PersonQuery {
                    include_closed: true,
                    ..by_name("maga")
                }
            )
            .await,
            sorted(vec![magali.id, closed.id]),
            "closed files only on request"
        );

        let birth = PersonQuery {
            birth_date: Some(date!(1985 - 11 - 03)),
            limit: 50,
            ..PersonQuery::default()
        };
        assert_eq!(found(&store, &all, &birth).await, vec![jean.id]);
        assert!(found(
            &store,
            &all,
            &PersonQuery {
                name: Some("magali".into()),
                ..birth.clone()
            }
        )
        .await
        .is_empty());
        let nir = PersonQuery {
            nir: Some(nir15(NIR_MAGALI_13)),
            limit: 50,
            ..PersonQuery::default()
        };
        assert_eq!(found(&store, &all, &nir).await, vec![magali.id]);
        let caf = PersonQuery {
            caf_number: Some("7654321".into()),
            limit: 50,
            ..PersonQuery::default()
        };
        let lines = store.search_persons(&all, &caf).await.unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].id, jean.id);
        assert_eq!(lines[0].caf_number.as_deref(), Some("7654321"));
        // The CAF's files write the number with 15 digits (8 zeros after
        // the 7): either form finds the household.
        let as_the_caf_writes = PersonQuery {
            caf_number: Some("765432100000000".into()),
            ..caf.clone()
        };
        let lines = store
            .search_persons(&all, &as_the_caf_writes)
            .await
            .unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].id, jean.id);

        let empty = PersonQuery {
            limit: 50,
            ..PersonQuery::default()
        };
        assert!(found(&store, &all, &empty).await.is_empty());
        assert!(found(&store, &all, &by_name("  - ")).await.is_empty());
        let limited = PersonQuery {
            limit: 1,
            ..by_name("lefe")
        };
        assert_eq!(found(&store, &all, &limited).await.len(), 1);
    }
}

/// The name search sorts and scopes by copies of the file in its token rows
/// (0013_search_tokens.sql): they follow the file when it moves to another
/// territory or organisation, and when it is closed.
#[tokio::test]
async fn the_name_search_follows_the_file() {
    for store in testing::all().await {
        let w = world(&store).await;
        let in_caen = PersonInput {
            commune_code: CAEN.into(),
            subject_to_duties: true,
            duties_since: days_ago(30).to_string(),
            ..input("Moreau", "Inès", "1988-02-03")
        };
        let person = add(&store, w.ccas, "F1", in_caen.clone()).await;
        let manager = |email: &'static str, territory| {
            let store = store.clone();
            async move {
                let manager = user(
                    &store,
                    email,
                    "Carole Cadre",
                    w.ccas,
                    Role::Manager,
                    Some(territory),
                );
                scope_of(&manager.await)
            }
        };
        let caen = manager("cadre.clm@ccas.fr", w.caen_la_mer).await;
        let bocage = manager("cadre.boc@ccas.fr", w.bocage).await;
        let moreau = by_name("moreau");
        assert_eq!(found(&store, &caen, &moreau).await, vec![person.id]);
        assert!(found(&store, &bocage, &moreau).await.is_empty());

        let in_vire = PersonInput {
            commune_code: VIRE.into(),
            ..in_caen
        };
        store
            .update_person(&admin(), person.id, person.version, &parse(&in_vire))
            .await
            .unwrap();
        assert!(found(&store, &caen, &moreau).await.is_empty(), "moved out");
        assert_eq!(found(&store, &bocage, &moreau).await, vec![person.id]);

        let ccas = user(
            &store,
            "ref@ccas.fr",
            "Rémi Référent",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let departement = user(
            &store,
            "ref@dep.fr",
            "Diane Référente",
            w.departement,
            Role::Referent,
            None,
        )
        .await;
        assert_eq!(
            found(&store, &scope_of(&ccas), &moreau).await,
            vec![person.id]
        );
        assert!(found(&store, &scope_of(&departement), &moreau)
            .await
            .is_empty());
        oriented(
            &store,
            person.id,
            OrientationKind::Professional,
            w.departement,
            today(),
        )
        .await;
        assert!(
            found(&store, &scope_of(&ccas), &moreau).await.is_empty(),
            "handed over"
        );
        assert_eq!(
            found(&store, &scope_of(&departement), &moreau).await,
            vec![person.id]
        );

        let current = store.person(person.id).await.unwrap();
        store
            .close_person(
                &admin(),
                person.id,
                current.version,
                today(),
                ClosureReason::Moved,
            )
            .await
            .unwrap();
        assert!(
            found(&store, &scope_of(&departement), &moreau)
                .await
                .is_empty(),
            "closed"
        );
        let with_closed = PersonQuery {
            include_closed: true,
            ..by_name("moreau")
        };
        assert_eq!(
            found(&store, &scope_of(&departement), &with_closed).await,
            vec![person.id]
        );
    }
}

#[tokio::test]
async fn viewers_only_find_people_within_their_scope() {
    for store in testing::all().await {
        let w = world(&store).await;
        let other = organisation(&store, "Association Tremplin").await;
        let in_caen = add(
            &store,
            w.ccas,
            "V1",
            PersonInput {
                commune_code: CAEN.into(),
                ..input("Dupont", "Alice", "1980-01-01")
            },
        )
        .await;
        let in_vire = add(
            &store,
            w.ccas,
            "V2",
            PersonInput {
                commune_code: VIRE.into(),
                ..input("Dupont", "Béatrice", "1981-01-01")
            },
        )
        .await;
        let elsewhere = add(
            &store,
            w.departement,
            "V3",
            PersonInput {
                commune_code: CAEN.into(),
                subject_to_duties: true,
                duties_since: days_ago(30).to_string(),
                ..input("Dupont", "Chloé", "1982-01-01")
            },
        )
        .await;
        let everyone = sorted(vec![in_caen.id, in_vire.id, elsewhere.id]);
        let dupont = by_name("dupont");

        let referent = user(
            &store,
            "ref@ccas.fr",
            "Rémi Référent",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let scope = scope_of(&referent);
        assert_eq!(
            found(&store, &scope, &dupont).await,
            sorted(vec![in_caen.id, in_vire.id])
        );
        assert!(!store.person_in_scope(&scope, elsewhere.id).await.unwrap().1);
        assert!(store.person_in_scope(&scope, in_caen.id).await.unwrap().1);

        let manager_caen = user(
            &store,
            "cadre.clm@ccas.fr",
            "Carole Cadre",
            w.ccas,
            Role::Manager,
            Some(w.caen_la_mer),
        )
        .await;
        let scope = scope_of(&manager_caen);
        assert_eq!(found(&store, &scope, &dupont).await, vec![in_caen.id]);
        assert!(!store.person_in_scope(&scope, in_vire.id).await.unwrap().1);
        assert!(!store.person_in_scope(&scope, elsewhere.id).await.unwrap().1);
        let manager_bocage = user(
            &store,
            "cadre.boc@ccas.fr",
            "Bruno Cadre",
            w.ccas,
            Role::Manager,
            Some(w.bocage),
        )
        .await;
        assert_eq!(
            found(&store, &scope_of(&manager_bocage), &dupont).await,
            vec![in_vire.id]
        );
        let manager = user(
            &store,
            "cadre@ccas.fr",
            "Claire Cadre",
            w.ccas,
            Role::Manager,
            None,
        )
        .await;
        assert_eq!(
            found(&store, &scope_of(&manager), &dupont).await,
            sorted(vec![in_caen.id, in_vire.id])
        );
        assert_eq!(found(&store, &everything(), &dupont).await, everyone);
        let dpo = user(
            &store,
            "dpo@dep.fr",
            "Denis DPO",
            w.departement,
            Role::Dpo,
            None,
        )
        .await;
        assert!(found(&store, &scope_of(&dpo), &dupont).await.is_empty());
        assert!(
            !store
                .person_in_scope(&scope_of(&dpo), in_caen.id)
                .await
                .unwrap()
                .1
        );
        // Deadline lists honour the same scope.
        let due = DueFilter {
            referent_id: None,
            due_by: today() + Duration::days(365),
            due_before: None,
            stage: None,
            clock: None,
            limit: 100,
        };
        assert!(store
            .due_clocks(&scope_of(&referent), &due)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store.due_clocks(&everything(), &due).await.unwrap()[0].person_id,
            elsewhere.id
        );

        // The référent follows a file of the département as référent unique…
        let dep_referent = user(
            &store,
            "ref@dep.fr",
            "Diane Référente",
            w.departement,
            Role::Referent,
            None,
        )
        .await;
        assert!(
            !store
                .person_in_scope(&scope_of(&dep_referent), in_caen.id)
                .await
                .unwrap()
                .1
        );
        oriented(
            &store,
            in_caen.id,
            OrientationKind::Professional,
            w.departement,
            days_ago(2),
        )
        .await;
        store
            .designate_referent(&admin(), in_caen.id, dep_referent.id, days_ago(1))
            .await
            .unwrap();
        // …then moves to another organisation: the caseload branch alone
        // keeps the file visible to them.
        let moved = store
            .update_account(
                &admin(),
                dep_referent.id,
                dep_referent.version,
                &AccountChange {
                    display_name: dep_referent.display_name.clone(),
                    phone: Some("02 31 00 00 07".into()),
                    role: Role::Referent,
                    organisation_id: other,
                    territory_id: None,
                    disabled: false,
                },
            )
            .await
            .unwrap();
        assert_eq!(moved.organisation_id, other);
        assert_eq!(moved.phone.as_deref(), Some("02 31 00 00 07"));
        let scope = scope_of(&moved);
        assert_eq!(scope.organisation_id, Some(other));
        assert!(store.person_in_scope(&scope, in_caen.id).await.unwrap().1);
        assert_eq!(found(&store, &scope, &dupont).await, vec![in_caen.id]);
        let colleague = user(
            &store,
            "ref@tremplin.fr",
            "Tom Référent",
            other,
            Role::Referent,
            None,
        )
        .await;
        assert!(
            !store
                .person_in_scope(&scope_of(&colleague), in_caen.id)
                .await
                .unwrap()
                .1
        );
        assert!(found(&store, &scope_of(&colleague), &dupont)
            .await
            .is_empty());
    }
}

/// The case: a cadre sees the people their organisation's
/// référents follow, also those who live outside the cadre's territory;
/// not those another organisation follows there.
#[tokio::test]
async fn a_cadre_sees_the_people_their_team_follows_wherever_they_live() {
    for store in testing::all().await {
        let w = world(&store).await;
        let in_vire = add(
            &store,
            w.departement,
            "T1",
            PersonInput {
                commune_code: VIRE.into(),
                subject_to_duties: true,
                duties_since: days_ago(60).to_string(),
                ..input("Dupont", "Béatrice", "1981-01-01")
            },
        )
        .await;
        let cadre = user(
            &store,
            "cadre.clm@ccas.fr",
            "Carole Cadre",
            w.ccas,
            Role::Manager,
            Some(w.caen_la_mer),
        )
        .await;
        let other_cadre = user(
            &store,
            "cadre@dep.fr",
            "Denise Cadre",
            w.departement,
            Role::Manager,
            Some(w.caen_la_mer),
        )
        .await;
        let referent = user(
            &store,
            "ref@ccas.fr",
            "Rémi Référent",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let scope = scope_of(&cadre);
        assert!(!store.person_in_scope(&scope, in_vire.id).await.unwrap().1);
        oriented(
            &store,
            in_vire.id,
            OrientationKind::Social,
            w.ccas,
            days_ago(5),
        )
        .await;
        let person = store.person(in_vire.id).await.unwrap();
        assert_eq!(person.territory_id, Some(w.bocage));
        assert!(
            !store.person_in_scope(&scope, in_vire.id).await.unwrap().1,
            "the organisation's file outside the territory, nobody designated yet"
        );
        store
            .designate_referent(&admin(), in_vire.id, referent.id, days_ago(4))
            .await
            .unwrap();
        assert!(store.person_in_scope(&scope, in_vire.id).await.unwrap().1);
        assert_eq!(
            found(&store, &scope, &by_name("dupont")).await,
            vec![in_vire.id]
        );
        let due = DueFilter {
            referent_id: None,
            due_by: today() + Duration::days(365),
            due_before: None,
            stage: None,
            clock: None,
            limit: 100,
        };
        assert!(store
            .due_clocks(&scope, &due)
            .await
            .unwrap()
            .iter()
            .any(|c| c.person_id == in_vire.id));
        let other = scope_of(&other_cadre);
        assert!(!store.person_in_scope(&other, in_vire.id).await.unwrap().1);
        assert!(found(&store, &other, &by_name("dupont")).await.is_empty());
    }
}

/// A person outside the RSA has a file without household; lists, search
/// and clocks cope with it, and no RSA clock runs for them even when a
/// pathway is recorded.
#[tokio::test]
async fn a_person_outside_the_rsa_has_a_file_without_rsa_dossier() {
    for store in testing::all().await {
        let w = world(&store).await;
        let data = parse(&PersonInput {
            situation: "other_minimum_income".into(),
            commune_code: CAEN.into(),
            nir: nir15("2790514118123"),
            ..input("Hors", "Rosalie", "1979-05-12")
        });
        let person = store
            .create_person(&admin(), w.ccas, &HouseholdTarget::OutsideRsa, &data)
            .await
            .unwrap();
        assert_eq!(person.household_id, None);
        assert_eq!(person.situation(), RsaSituation::OtherMinimumIncome);
        assert_eq!(store.person(person.id).await.unwrap(), person);
        let found = store
            .search_persons(&everything(), &by_name("rosalie"))
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].caf_number, None);
        // Rebuilt in SQLite: the NIR is still unique, the codes still checked.
        let twin = store
            .create_person(&admin(), w.ccas, &HouseholdTarget::OutsideRsa, &data)
            .await
            .unwrap_err();
        assert!(field_error(&twin, "nir"), "{twin:?}");
        // Even oriented and followed, no RSA clock is opened for them.
        oriented(
            &store,
            person.id,
            OrientationKind::Social,
            w.ccas,
            days_ago(40),
        )
        .await;
        let referent = user(
            &store,
            "ref@ccas.fr",
            "Rémi Référent",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        store
            .designate_referent(&admin(), person.id, referent.id, days_ago(39))
            .await
            .unwrap();
        assert!(store.person_clocks(person.id).await.unwrap().is_empty());
        let caseload = store.caseload(referent.id).await.unwrap();
        assert_eq!(caseload.len(), 1);
        assert_eq!(
            (
                caseload[0].person.next_due_on,
                caseload[0].person.caf_number.as_deref()
            ),
            (None, None)
        );
        let due = DueFilter {
            referent_id: None,
            due_by: today() + Duration::days(3650),
            due_before: None,
            stage: None,
            clock: None,
            limit: 100,
        };
        assert!(store
            .due_clocks(&everything(), &due)
            .await
            .unwrap()
            .is_empty());
        store.refresh_all_clocks().await.unwrap();
        assert!(store.person_clocks(person.id).await.unwrap().is_empty());
        // A rectification keeps the file outside the RSA.
        let current = store.person(person.id).await.unwrap();
        let rectified = store
            .update_person(&admin(), person.id, current.version, &data)
            .await
            .unwrap();
        assert_eq!(rectified.household_id, None);
        assert!(store.person_clocks(person.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn orientations_are_decided_then_validated_or_rejected() {
    for store in testing::all().await {
        let w = world(&store).await;
        let person = add(
            &store,
            w.ccas,
            "O1",
            PersonInput {
                subject_to_duties: true,
                duties_since: days_ago(40).to_string(),
                ..input("Lefèvre", "Magali", "1979-05-12")
            },
        )
        .await;
        let manager_ccas = user(
            &store,
            "cadre@ccas.fr",
            "Claire Cadre",
            w.ccas,
            Role::Manager,
            None,
        )
        .await;
        let third = organisation(&store, "Association Tremplin").await;
        let manager_other = user(
            &store,
            "cadre@tremplin.fr",
            "Tina Cadre",
            third,
            Role::Manager,
            None,
        )
        .await;
        let manager_dep = user(
            &store,
            "cadre@dep.fr",
            "Denis Cadre",
            w.departement,
            Role::Manager,
            None,
        )
        .await;

        let too_early = store
            .decide_orientation(
                &admin(),
                person.id,
                &orientation(OrientationKind::Professional, w.departement, days_ago(41)),
            )
            .await
            .unwrap_err();
        assert!(field_error(&too_early, "decided_on"), "{too_early:?}");
        let unknown_lead = store
            .decide_orientation(
                &admin(),
                person.id,
                &orientation(OrientationKind::Professional, Uuid::now_v7(), days_ago(5)),
            )
            .await
            .unwrap_err();
        assert!(
            field_error(&unknown_lead, "lead_organisation_id"),
            "{unknown_lead:?}"
        );
        assert!(store.orientations(person.id).await.unwrap().is_empty());

        let decided = store
            .decide_orientation(
                &admin(),
                person.id,
                &orientation(OrientationKind::Professional, w.departement, days_ago(5)),
            )
            .await
            .unwrap();
        assert_eq!(decided.status, OrientationStatus::Pending);
        assert_eq!(decided.kind, OrientationKind::Professional);
        assert_eq!(decided.person_id, person.id);
        assert_eq!(decided.lead_organisation_id, w.departement);
        assert_eq!(decided.lead_organisation_name, "Département du Calvados");
        assert_eq!(decided.decided_on, days_ago(5));
        assert_eq!(decided.decided_by, admin().label);
        assert_eq!(decided.notified_on, None);

        let queue = store
            .pending_orientations(&scope_of(&manager_ccas))
            .await
            .unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].id, decided.id);
        assert_eq!(queue[0].last_name, "Lefèvre");
        assert_eq!(queue[0].lead_organisation_name, "Département du Calvados");
        // The receiving organisation's cadre sees what it receives…
        let queue = store
            .pending_orientations(&scope_of(&manager_dep))
            .await
            .unwrap();
        assert_eq!(
            queue.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![decided.id]
        );
        // …a third organisation's cadre neither sees nor validates it.
        assert!(store
            .pending_orientations(&scope_of(&manager_other))
            .await
            .unwrap()
            .is_empty());
        let err = store
            .validate_orientations(&admin(), &scope_of(&manager_other), &[decided.id], today())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");

        let err = store
            .validate_orientations(
                &admin(),
                &scope_of(&manager_ccas),
                &[decided.id],
                days_ago(6),
            )
            .await
            .unwrap_err();
        assert!(field_error(&err, "notified_on"), "{err:?}");
        // All or nothing: one unknown id and nothing is validated.
        let err = store
            .validate_orientations(
                &admin(),
                &scope_of(&manager_ccas),
                &[decided.id, Uuid::now_v7()],
                today(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
        assert_eq!(
            store.orientations(person.id).await.unwrap()[0].status,
            OrientationStatus::Pending
        );
        assert_eq!(
            store
                .person(person.id)
                .await
                .unwrap()
                .responsible_organisation_id,
            Some(w.ccas)
        );

        let reviewer = manager_ccas.actor();
        assert_eq!(
            store
                .validate_orientations(
                    &reviewer,
                    &scope_of(&manager_ccas),
                    &[decided.id],
                    days_ago(2)
                )
                .await
                .unwrap(),
            1
        );
        let validated = &store.orientations(person.id).await.unwrap()[0];
        assert_eq!(validated.status, OrientationStatus::Validated);
        assert_eq!(validated.notified_on, Some(days_ago(2)));
        assert_eq!(validated.reviewed_by.as_deref(), Some("cadre@ccas.fr"));
        let after = store.person(person.id).await.unwrap();
        assert_eq!(after.responsible_organisation_id, Some(w.departement));
        assert_eq!(after.version, person.version + 1);
        assert!(store
            .pending_orientations(&everything())
            .await
            .unwrap()
            .is_empty());
        let again = store
            .validate_orientations(&admin(), &everything(), &[decided.id], today())
            .await
            .unwrap_err();
        assert!(matches!(again, StoreError::NotFound), "{again:?}");

        // A reorientation, rejected by the département's cadre.
        let second = store
            .decide_orientation(
                &admin(),
                person.id,
                &OrientationData {
                    reason: Some("Problèmes de santé".into()),
                    ..orientation(OrientationKind::Social, w.ccas, days_ago(1))
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .pending_orientations(&scope_of(&manager_dep))
                .await
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect::<Vec<_>>(),
            vec![second.id]
        );
        let err = store
            .reject_orientation(&admin(), &scope_of(&manager_dep), second.id, "   ")
            .await
            .unwrap_err();
        assert!(field_error(&err, "rejection_reason"), "{err:?}");
        store
            .reject_orientation(
                &admin(),
                &scope_of(&manager_dep),
                second.id,
                " Pas justifié ",
            )
            .await
            .unwrap();
        let rejected = &store.orientations(person.id).await.unwrap()[0];
        assert_eq!(rejected.id, second.id, "newest first");
        assert_eq!(rejected.status, OrientationStatus::Rejected);
        assert_eq!(rejected.rejection_reason.as_deref(), Some("Pas justifié"));
        assert_eq!(rejected.reason.as_deref(), Some("Problèmes de santé"));
        assert_eq!(
            store
                .person(person.id)
                .await
                .unwrap()
                .responsible_organisation_id,
            Some(w.departement),
            "a rejection changes nothing on the file"
        );
        let err = store
            .reject_orientation(&admin(), &everything(), second.id, "encore")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
        let err = store
            .validate_orientations(&admin(), &everything(), &[second.id], today())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
    }
}

#[tokio::test]
async fn the_referent_is_designated_after_a_validated_orientation() {
    for store in testing::all().await {
        let w = world(&store).await;
        let person = add(
            &store,
            w.ccas,
            "D1",
            input("Lefèvre", "Magali", "1979-05-12"),
        )
        .await;
        let first = user(
            &store,
            "r1@dep.fr",
            "Rose Première",
            w.departement,
            Role::Referent,
            None,
        )
        .await;
        let second = user(
            &store,
            "r2@dep.fr",
            "Rita Seconde",
            w.departement,
            Role::Referent,
            None,
        )
        .await;
        let ccas_referent = user(
            &store,
            "r@ccas.fr",
            "Roger CCAS",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let manager = user(
            &store,
            "m@dep.fr",
            "Marc Cadre",
            w.departement,
            Role::Manager,
            None,
        )
        .await;

        let err = store
            .designate_referent(&admin(), person.id, first.id, today())
            .await
            .unwrap_err();
        assert!(field_error(&err, "referent_id"), "{err:?}");
        assert!(store.assignments(person.id).await.unwrap().is_empty());

        let orientation_id = oriented(
            &store,
            person.id,
            OrientationKind::Professional,
            w.departement,
            days_ago(10),
        )
        .await;
        for wrong in [&ccas_referent, &manager] {
            let err = store
                .designate_referent(&admin(), person.id, wrong.id, days_ago(9))
                .await
                .unwrap_err();
            assert!(field_error(&err, "referent_id"), "{} {err:?}", wrong.email);
        }
        let err = store
            .designate_referent(&admin(), person.id, Uuid::now_v7(), days_ago(9))
            .await
            .unwrap_err();
        assert!(field_error(&err, "referent_id"), "{err:?}");
        let err = store
            .designate_referent(&admin(), person.id, first.id, days_ago(11))
            .await
            .unwrap_err();
        assert!(field_error(&err, "starts_on"), "{err:?}");
        assert!(store.assignments(person.id).await.unwrap().is_empty());

        let one = store
            .designate_referent(&admin(), person.id, first.id, days_ago(9))
            .await
            .unwrap();
        assert_eq!(one.person_id, person.id);
        assert_eq!(one.referent_id, first.id);
        assert_eq!(one.referent_name, "Rose Première");
        assert_eq!(one.organisation_name, "Département du Calvados");
        assert_eq!(one.orientation_id, Some(orientation_id));
        assert_eq!(one.starts_on, days_ago(9));
        assert_eq!(one.ends_on, None);
        let caseload = store.caseload(first.id).await.unwrap();
        assert_eq!(
            caseload.iter().map(|s| s.person.id).collect::<Vec<_>>(),
            vec![person.id]
        );
        assert_eq!(
            caseload[0].person.referent_name.as_deref(),
            Some("Rose Première")
        );
        assert!(store.caseload(second.id).await.unwrap().is_empty());

        let err = store
            .designate_referent(&admin(), person.id, first.id, days_ago(5))
            .await
            .unwrap_err();
        assert!(field_error(&err, "referent_id"), "{err:?}");
        let err = store
            .designate_referent(&admin(), person.id, second.id, days_ago(10))
            .await
            .unwrap_err();
        assert!(
            field_error(&err, "starts_on"),
            "cannot start before the current référent: {err:?}"
        );

        let two = store
            .designate_referent(&admin(), person.id, second.id, days_ago(3))
            .await
            .unwrap();
        let history = store.assignments(person.id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].id, two.id, "newest first");
        assert_eq!(history[0].ends_on, None);
        assert_eq!(history[1].id, one.id);
        assert_eq!(history[1].ends_on, Some(two.starts_on));
        assert!(store.caseload(first.id).await.unwrap().is_empty());
        let caseload = store.caseload(second.id).await.unwrap();
        assert_eq!(
            caseload.iter().map(|s| s.person.id).collect::<Vec<_>>(),
            vec![person.id]
        );
        assert_eq!(
            caseload[0].person.referent_name.as_deref(),
            Some("Rita Seconde")
        );

        // A reorientation to another organisation ends the designation.
        oriented(
            &store,
            person.id,
            OrientationKind::Social,
            w.ccas,
            days_ago(1),
        )
        .await;
        let history = store.assignments(person.id).await.unwrap();
        assert_eq!(history[0].ends_on, Some(days_ago(1)));
        assert!(store.caseload(second.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn deadline_clocks_follow_the_pathway() {
    for store in testing::all().await {
        let w = world(&store).await;
        let person = add(
            &store,
            w.ccas,
            "C1",
            PersonInput {
                subject_to_duties: true,
                duties_since: days_ago(40).to_string(),
                ..input("Lefèvre", "Magali", "1979-05-12")
            },
        )
        .await;
        let clocks = store.person_clocks(person.id).await.unwrap();
        assert_eq!(clocks.len(), 1, "{clocks:?}");
        let orientation_clock = clock(&clocks, "orientation");
        assert_eq!(orientation_clock.started_on, days_ago(40));
        assert_eq!(orientation_clock.due_on, days_ago(10));
        assert_eq!(orientation_clock.met_on, None);

        let by = |due_by: Date| DueFilter {
            referent_id: None,
            due_by,
            due_before: None,
            stage: None,
            clock: None,
            limit: 100,
        };
        let due = store.due_clocks(&everything(), &by(today())).await.unwrap();
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].person_id, person.id);
        assert_eq!(due[0].kind, ClockKind::Orientation);
        assert_eq!(due[0].due_on, days_ago(10));
        assert_eq!(due[0].last_name, "Lefèvre");
        assert!(store
            .due_clocks(&everything(), &by(days_ago(11)))
            .await
            .unwrap()
            .is_empty());
        let summary = &store
            .search_persons(&everything(), &by_name("lefevre"))
            .await
            .unwrap()[0];
        assert_eq!(summary.next_due_on, Some(days_ago(10)));
        assert_eq!(summary.next_due_kind, Some(ClockKind::Orientation));
        // Someone without duties has no clock.
        let no_duties = add(&store, w.ccas, "C2", input("Martin", "Paul", "1990-01-01")).await;
        assert!(store.person_clocks(no_duties.id).await.unwrap().is_empty());

        let notified = days_ago(3);
        let decided = store
            .decide_orientation(
                &admin(),
                person.id,
                &orientation(OrientationKind::Social, w.departement, days_ago(5)),
            )
            .await
            .unwrap();
        assert_eq!(
            store.person_clocks(person.id).await.unwrap(),
            clocks,
            "a pending decision does not stop the clock"
        );
        store
            .validate_orientations(&admin(), &everything(), &[decided.id], notified)
            .await
            .unwrap();
        let clocks = store.person_clocks(person.id).await.unwrap();
        assert_eq!(clocks.len(), 3, "{clocks:?}");
        assert_eq!(clock(&clocks, "orientation").met_on, Some(days_ago(5)));
        let contract = clock(&clocks, "contract");
        assert_eq!(contract.started_on, notified);
        assert_eq!(contract.due_on, notified + Duration::days(30));
        assert_eq!(contract.met_on, None);
        let review = clock(&clocks, "joint_review");
        assert_eq!(review.started_on, notified);
        assert_eq!(review.due_on, add_months(notified, 6));
        assert_eq!(review.met_on, None);
        assert!(
            store
                .due_clocks(&everything(), &by(today()))
                .await
                .unwrap()
                .is_empty(),
            "the orientation clock is met"
        );
        let later = store
            .due_clocks(&everything(), &by(today() + Duration::days(400)))
            .await
            .unwrap();
        assert_eq!(
            later.iter().map(|c| c.kind.code()).collect::<Vec<_>>(),
            vec!["contract", "joint_review"],
            "most urgent first"
        );

        let err = store
            .record_joint_review(&admin(), person.id, days_ago(1), "  ")
            .await
            .unwrap_err();
        assert!(field_error(&err, "outcome"), "{err:?}");
        store
            .record_joint_review(&admin(), person.id, days_ago(1), "Parcours social maintenu")
            .await
            .unwrap();
        let clocks = store.person_clocks(person.id).await.unwrap();
        assert_eq!(clock(&clocks, "joint_review").met_on, Some(days_ago(1)));
        assert_eq!(clock(&clocks, "contract").met_on, None);

        let settings = DeadlineSettings {
            contract_days: 10,
            ..DeadlineSettings::default()
        };
        store
            .set_deadline_settings(&admin(), &settings)
            .await
            .unwrap();
        assert_eq!(store.deadline_settings().await.unwrap(), settings);
        let clocks = store.person_clocks(person.id).await.unwrap();
        assert_eq!(
            clock(&clocks, "contract").due_on,
            notified + Duration::days(10)
        );
        assert_eq!(
            clock(&clocks, "joint_review").met_on,
            Some(days_ago(1)),
            "a refresh keeps met clocks met"
        );
        let invalid = DeadlineSettings {
            contract_days: 0,
            ..DeadlineSettings::default()
        };
        let err = store
            .set_deadline_settings(&admin(), &invalid)
            .await
            .unwrap_err();
        assert!(field_error(&err, "contract_days"), "{err:?}");
        assert_eq!(store.deadline_settings().await.unwrap(), settings);

        let current = store.person(person.id).await.unwrap();
        let stale = store
            .close_person(
                &admin(),
                person.id,
                person.version,
                today(),
                ClosureReason::Moved,
            )
            .await
            .unwrap_err();
        assert!(matches!(stale, StoreError::Stale), "{stale:?}");
        let closed = store
            .close_person(
                &admin(),
                person.id,
                current.version,
                today(),
                ClosureReason::Moved,
            )
            .await
            .unwrap();
        assert_eq!(closed.closed_on, Some(today()));
        assert_eq!(closed.closure_reason, Some(ClosureReason::Moved));
        assert_eq!(closed.version, current.version + 1);
        assert!(store.person_clocks(person.id).await.unwrap().is_empty());
        assert!(store
            .due_clocks(&everything(), &by(today() + Duration::days(400)))
            .await
            .unwrap()
            .is_empty());
        let err = store
            .close_person(
                &admin(),
                person.id,
                closed.version,
                today(),
                ClosureReason::Moved,
            )
            .await
            .unwrap_err();
        assert!(field_error(&err, "closed_on"), "{err:?}");
        // Settings saved later do not bring the clocks back.
        store
            .set_deadline_settings(&admin(), &DeadlineSettings::default())
            .await
            .unwrap();
        assert!(store.person_clocks(person.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn possible_duplicates_by_names_and_birth_date_or_nir() {
    for store in testing::all().await {
        let w = world(&store).await;
        let magali = add(
            &store,
            w.ccas,
            "P1",
            PersonInput {
                nir: NIR_MAGALI_13.into(),
                ..input("Lefèvre", "Magali Anne", "1979-05-12")
            },
        )
        .await;
        let paul = add(
            &store,
            w.ccas,
            "P2",
            PersonInput {
                sex: "M".into(),
                ..input("Martin", "Paul", "1985-11-03")
            },
        )
        .await;
        let ids = |lines: Vec<parcours_store::person::PersonSummary>| {
            lines.into_iter().map(|l| l.id).collect::<Vec<_>>()
        };

        let same = parse(&input("LEFEVRE", "magali", "1979-05-12"));
        assert_eq!(
            ids(store.possible_duplicates(&same).await.unwrap()),
            vec![magali.id]
        );
        let other_birth = parse(&input("Lefevre", "Magali", "1979-05-13"));
        assert!(store
            .possible_duplicates(&other_birth)
            .await
            .unwrap()
            .is_empty());
        let other_first = parse(&input("Lefèvre", "Anne", "1979-05-12"));
        assert!(store
            .possible_duplicates(&other_first)
            .await
            .unwrap()
            .is_empty());
        let same_nir = parse(&PersonInput {
            nir: nir15(NIR_MAGALI_13),
            ..input("Durand", "Sophie", "1979-05-20")
        });
        assert_eq!(
            ids(store.possible_duplicates(&same_nir).await.unwrap()),
            vec![magali.id]
        );
        // Two files without NIR are not duplicates because of it.
        let stranger = parse(&PersonInput {
            sex: "M".into(),
            ..input("Bernard", "Luc", "1985-11-03")
        });
        assert!(store
            .possible_duplicates(&stranger)
            .await
            .unwrap()
            .is_empty());
        let paul_again = parse(&PersonInput {
            sex: "M".into(),
            ..input("Martin", "Paul-Henri", "1985-11-03")
        });
        assert_eq!(
            ids(store.possible_duplicates(&paul_again).await.unwrap()),
            vec![paul.id]
        );
    }
}

/// Counting late and due-soon clocks agrees with listing them, whatever the
/// list's limit (home pages show counts at département scale).
#[tokio::test]
async fn due_clocks_are_counted_as_they_are_listed() {
    for store in testing::all().await {
        let w = world(&store).await;
        // Orientation clocks due 30 days after entry: 3 late, 2 due within the week, 1 later.
        for (i, entered) in [60, 45, 31, 25, 24, 5].into_iter().enumerate() {
            let person = PersonInput {
                subject_to_duties: true,
                duties_since: days_ago(entered).to_string(),
                ..input("Compte", &format!("Personne{i}"), "1980-01-01")
            };
            add(&store, w.ccas, &format!("1400000000{i}"), person).await;
        }
        let filter = DueFilter {
            referent_id: None,
            due_by: today() + Duration::days(7),
            due_before: None,
            stage: None,
            clock: None,
            limit: 2,
        };
        assert_eq!(
            store
                .count_due_clocks(&everything(), &filter, today())
                .await
                .unwrap(),
            (3, 2)
        );
        let listed = store
            .due_clocks(
                &everything(),
                &DueFilter {
                    limit: 100,
                    ..filter
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.len(), 5);
        assert_eq!(
            store
                .due_clocks(&everything(), &filter)
                .await
                .unwrap()
                .len(),
            2,
            "the list is limited…"
        );
        let nobody = PersonScope {
            all: false,
            organisation_id: Some(w.departement),
            territory_id: None,
            referent_id: None,
            team_organisation_id: None,
        };
        assert_eq!(
            store
                .count_due_clocks(&nobody, &filter, today())
                .await
                .unwrap(),
            (0, 0),
            "…and scoped"
        );
    }
}

/// The work lists' filters (late only, stage, clock) select the same clocks
/// in the list and in its counts, and each line says where the person
/// stands and which organisation is responsible for them.
#[tokio::test]
async fn due_clocks_are_filtered_by_lateness_stage_and_kind() {
    for store in testing::all().await {
        let w = world(&store).await;
        // Orientation clocks due 30 days after entry: two late, one due soon.
        let mut people = Vec::new();
        for (i, entered) in [60, 45, 25].into_iter().enumerate() {
            let person = PersonInput {
                subject_to_duties: true,
                duties_since: days_ago(entered).to_string(),
                ..input("Filtre", &format!("Personne{i}"), "1980-01-01")
            };
            people.push(
                add(&store, w.ccas, &format!("1500000000{i}"), person)
                    .await
                    .id,
            );
        }
        // The first is oriented 40 days ago: its contract clock is now late.
        oriented(
            &store,
            people[0],
            OrientationKind::Professional,
            w.ccas,
            days_ago(40),
        )
        .await;
        let all = DueFilter {
            referent_id: None,
            due_by: today() + Duration::days(7),
            due_before: None,
            stage: None,
            clock: None,
            limit: 100,
        };
        let listed = |filter: DueFilter| {
            let store = &store;
            async move {
                let clocks = store.due_clocks(&everything(), &filter).await.unwrap();
                let counted: i64 = store
                    .count_clocks(&everything(), &filter, today())
                    .await
                    .unwrap()
                    .iter()
                    .map(|c| c.n)
                    .sum();
                assert_eq!(counted, clocks.len() as i64, "counted as listed");
                clocks
            }
        };
        let every = listed(all).await;
        assert_eq!(every.len(), 3);
        assert!(every
            .iter()
            .all(|c| c.organisation_name.as_deref() == Some("CCAS de Caen")));
        let first = every.iter().find(|c| c.person_id == people[0]).unwrap();
        assert_eq!(
            (first.kind, first.standing.stage),
            (ClockKind::Contract, PathwayStage::Contract)
        );
        assert_eq!(first.standing.contract_ends_on, None);
        assert_eq!(first.standing.current_action, None);

        let late = listed(DueFilter {
            due_before: Some(today()),
            ..all
        })
        .await;
        assert_eq!(late.len(), 2, "{late:?}");
        let to_orient = listed(DueFilter {
            stage: Some(PathwayStage::Orientation),
            ..all
        })
        .await;
        assert_eq!(to_orient.len(), 2);
        assert!(to_orient.iter().all(|c| c.person_id != people[0]));
        let contracts = listed(DueFilter {
            clock: Some(ClockKind::Contract),
            ..all
        })
        .await;
        assert_eq!(
            contracts.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            vec![people[0]]
        );
        let counts = store
            .count_clocks(&everything(), &all, today())
            .await
            .unwrap();
        let late_count: i64 = counts.iter().filter(|c| c.late == 1).map(|c| c.n).sum();
        assert_eq!(late_count, 2);
    }
}

#[tokio::test]
async fn the_follow_up_log_keeps_entries_newest_first_and_hides_sensitive_ones_unless_asked() {
    use parcours_domain::follow_up::{LogEntryData, LogKind};
    for store in testing::all().await {
        let w = world(&store).await;
        let referent = user(
            &store,
            "journal@example.fr",
            "Sophie Martin",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let actor = Actor::user(referent.id, "journal@example.fr");
        let person = add(&store, w.ccas, "JRN1", input("Diallo", "Awa", "1985-03-02")).await;
        let entry = |kind, on, text: &str, sensitive| LogEntryData {
            kind,
            occurred_on: on,
            text: text.into(),
            sensitive,
        };
        let call = store
            .add_log_entry(
                &actor,
                person.id,
                &entry(LogKind::PhoneCall, days_ago(3), "A rappelé.", false),
            )
            .await
            .unwrap();
        assert_eq!(call.recorded_by, "Sophie Martin (CCAS de Caen)");
        assert_eq!(call.kind, LogKind::PhoneCall);
        store
            .add_log_entry(
                &actor,
                person.id,
                &entry(LogKind::Interview, days_ago(1), "Parle de sa santé.", true),
            )
            .await
            .unwrap();
        store
            .add_log_entry(
                &actor,
                person.id,
                &entry(
                    LogKind::DocumentReceived,
                    days_ago(10),
                    "Avis d'imposition.",
                    false,
                ),
            )
            .await
            .unwrap();

        let all = store.log_entries(person.id, true).await.unwrap();
        let texts: Vec<&str> = all.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Parle de sa santé.", "A rappelé.", "Avis d'imposition."]
        );
        let open = store.log_entries(person.id, false).await.unwrap();
        let texts: Vec<&str> = open.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["A rappelé.", "Avis d'imposition."]);

        let missing = store
            .add_log_entry(
                &actor,
                Uuid::now_v7(),
                &entry(LogKind::Note, today(), "x", false),
            )
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        let audited = store
            .audit_events(&AuditFilter {
                entity_id: Some(person.id.to_string()),
                limit: 50,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(audited
            .iter()
            .any(|e| e.action == AuditAction::Create.code()
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("journal de suivi : Entretien")
                        && d.contains("confidentiel"))));

        // A merge moves the duplicate's log to the kept file.
        let twin = add(&store, w.ccas, "JRN2", input("Diallo", "Awa", "1985-03-03")).await;
        store
            .add_log_entry(
                &actor,
                twin.id,
                &entry(LogKind::Note, today(), "Sur le doublon.", false),
            )
            .await
            .unwrap();
        let kept = store.person(person.id).await.unwrap();
        store
            .merge_persons(&admin(), (kept.id, kept.version), (twin.id, twin.version))
            .await
            .unwrap();
        assert_eq!(store.log_entries(person.id, true).await.unwrap().len(), 4);
        assert!(store.log_entries(twin.id, true).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_plannings_of_one_slot_give_it_to_one_only() {
    use parcours_domain::meeting::{MeetingData, MeetingKind, Modality};
    for store in testing::all().await {
        let w = world(&store).await;
        let referent = user(
            &store,
            "creneau@example.fr",
            "Nadia Creneau",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let slot = MeetingData {
            kind: MeetingKind::Orientation,
            starts_at: parcours_store::now() + Duration::days(3),
            duration_minutes: 45,
            modality: Modality::Phone,
            place: None,
            note: None,
            channels: Vec::new(),
        };
        let mut people = Vec::new();
        for n in 0..20 {
            let input = input("Creneau", &format!("Personne{n}"), "1985-03-02");
            people.push(add(&store, w.ccas, &format!("CRN{n}"), input).await.id);
        }
        // The same holder for everyone: one slot, twenty people.
        let tasks: Vec<_> = people
            .iter()
            .map(|&person| {
                let (store, slot) = (store.clone(), slot.clone());
                let person: Uuid = person;
                let actor = Actor::user(referent.id, "creneau@example.fr");
                tokio::spawn(async move {
                    store
                        .plan_meetings(
                            &actor,
                            referent.id,
                            w.ccas,
                            &[(person, slot)],
                            Duration::ZERO,
                        )
                        .await
                })
            })
            .collect();
        let mut planned = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => planned += 1,
                Err(err) => assert!(field_error(&err, "starts_at"), "{err:?}"),
            }
        }
        assert_eq!(planned, 1, "{:?}", store.backend());
        let week = store
            .agenda(
                parcours_store::meeting::AgendaOf::Holder(referent.id),
                slot.starts_at - Duration::days(1),
                slot.starts_at + Duration::days(1),
            )
            .await
            .unwrap();
        assert_eq!(week.len(), 1);
    }
}

#[tokio::test]
async fn messages_are_queued_with_their_appointment_and_taken_once() {
    use parcours_domain::meeting::{MeetingData, MeetingKind, MeetingOutcome, Modality};
    use parcours_domain::outbox::{Channel, DeliveryState, Purpose};
    use parcours_store::outbox::Attempt;
    for store in testing::all().await {
        let w = world(&store).await;
        let referent = user(
            &store,
            "envoi@example.fr",
            "Nadia Envoi",
            w.ccas,
            Role::Referent,
            None,
        )
        .await;
        let actor = Actor::user(referent.id, "envoi@example.fr");
        let anne = add(&store, w.ccas, "ENV1", input("Envoi", "Anne", "1985-03-02"))
            .await
            .id;
        let bruno = add(
            &store,
            w.ccas,
            "ENV2",
            input("Envoi", "Bruno", "1986-03-02"),
        )
        .await
        .id;
        let now = parcours_store::now();
        let at = |hours: i64| MeetingData {
            kind: MeetingKind::Orientation,
            starts_at: now + Duration::hours(hours),
            duration_minutes: 45,
            modality: Modality::Phone,
            place: None,
            note: None,
            channels: vec![Channel::Email, Channel::Sms],
        };

        // A batch is all or nothing: Bruno's slot overlaps Anne's.
        let refused = store
            .plan_meetings(
                &actor,
                referent.id,
                w.ccas,
                &[(anne, at(72)), (bruno, at(72))],
                Duration::hours(48),
            )
            .await
            .unwrap_err();
        assert!(field_error(&refused, "slots"), "{refused:?}");
        assert!(
            store.meetings_of_person(anne).await.unwrap().is_empty(),
            "nothing planned"
        );

        let planned = store
            .plan_meetings(
                &actor,
                referent.id,
                w.ccas,
                &[(anne, at(72)), (bruno, at(12))],
                Duration::hours(48),
            )
            .await
            .unwrap();
        assert_eq!(planned.len(), 2);
        // Anne: convocation and reminder on each channel; Bruno's reminder would come before his convocation.
        let of_anne = store.messages_of_person(anne).await.unwrap();
        assert_eq!(of_anne.len(), 4);
        assert_eq!(
            of_anne
                .iter()
                .filter(|m| m.purpose == Purpose::Reminder)
                .count(),
            2
        );
        assert_eq!(store.messages_of_person(bruno).await.unwrap().len(), 2);

        // Two senders at once: each message goes to one of them only.
        let (first, second) = tokio::join!(
            store.take_due_messages(now + Duration::seconds(1), 50),
            store.take_due_messages(now + Duration::seconds(1), 50)
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(
            first.len() + second.len(),
            4,
            "four convocations due, none twice"
        );
        let mut taken: Vec<_> = first.into_iter().chain(second).collect();
        // Which sender took which is the scheduler's choice: an email first,
        // for the provider's report below.
        taken.sort_by_key(|m| m.channel != Channel::Email);
        assert!(taken
            .iter()
            .all(|m| m.purpose == Purpose::Convocation && m.attempts == 1));

        let retry_at = now + Duration::minutes(1);
        store
            .record_attempt(
                taken[0].id,
                &Attempt::Sent {
                    recipient: "anne@example.fr".into(),
                    provider_id: Some("p-1".into()),
                },
            )
            .await
            .unwrap();
        store
            .record_attempt(
                taken[1].id,
                &Attempt::Refused {
                    error: "451 plus tard".into(),
                    retry_at: Some(retry_at),
                },
            )
            .await
            .unwrap();
        store
            .record_attempt(
                taken[2].id,
                &Attempt::Refused {
                    error: "550 inconnu".into(),
                    retry_at: None,
                },
            )
            .await
            .unwrap();
        // A result recorded twice is refused: the first one stands.
        let again = store
            .record_attempt(
                taken[0].id,
                &Attempt::Refused {
                    error: "x".into(),
                    retry_at: None,
                },
            )
            .await;
        assert!(matches!(again, Err(StoreError::Stale)), "{again:?}");
        assert_eq!(
            store.message(taken[0].id).await.unwrap().state,
            DeliveryState::Sent
        );
        assert!(store
            .take_due_messages(now + Duration::seconds(30), 50)
            .await
            .unwrap()
            .is_empty());
        let retried = store.take_due_messages(retry_at, 50).await.unwrap();
        assert_eq!(
            retried
                .iter()
                .map(|m| (m.id, m.attempts))
                .collect::<Vec<_>>(),
            [(taken[1].id, 2)]
        );
        assert_eq!(
            store.message(taken[2].id).await.unwrap().state,
            DeliveryState::Failed
        );

        // A sender that stopped in the middle: the result is unknown, never sent again by itself.
        assert_eq!(
            store
                .interrupt_stale_sends(now + Duration::minutes(5))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store
                .interrupt_stale_sends(now + Duration::minutes(30))
                .await
                .unwrap(),
            2
        );
        let unknown = store.message(taken[3].id).await.unwrap();
        assert_eq!(unknown.state, DeliveryState::Unknown);
        let undelivered = store.undelivered_messages(referent.id, now).await.unwrap();
        assert_eq!(
            undelivered.len(),
            3,
            "failed and unknown, to look at: {undelivered:?}"
        );
        let resent = store.resend_message(&actor, unknown.id).await.unwrap();
        assert_eq!((resent.state, resent.attempts), (DeliveryState::Pending, 0));
        assert!(
            store.resend_message(&actor, taken[0].id).await.is_err(),
            "a message sent is not sent again"
        );

        // A provider's report on the message it accepted.
        let bounced = store
            .report_delivery(
                &actor,
                Channel::Email,
                "p-1",
                DeliveryState::Bounced,
                Some("boîte pleine"),
            )
            .await;
        let bounced = bounced.unwrap();
        assert_eq!(
            (bounced.id, bounced.state),
            (taken[0].id, DeliveryState::Bounced)
        );
        assert!(matches!(
            store
                .report_delivery(&actor, Channel::Sms, "p-1", DeliveryState::Delivered, None)
                .await,
            Err(StoreError::NotFound)
        ));

        // Anne's appointment cancelled: her reminders will never go.
        let meeting = &planned[0];
        store
            .record_meeting_outcome(
                &actor,
                meeting.id,
                meeting.version,
                MeetingOutcome::CancelledByService,
            )
            .await
            .unwrap();
        let reminders: Vec<_> = store
            .messages_of_person(anne)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.purpose == Purpose::Reminder)
            .collect();
        assert!(
            reminders
                .iter()
                .all(|m| m.state == DeliveryState::Cancelled),
            "{reminders:?}"
        );
    }
}
