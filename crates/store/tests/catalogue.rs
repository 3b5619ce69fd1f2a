//! The catalogue on both backends: structures, actions, tags and search,
//! funding and the programme, sessions generated from the schedule.

use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, FundingData, FundingInput, PracticalData,
    PracticalInput, StructureData, StructureInput,
};
use parcours_domain::schedule::ScheduleInput;
use parcours_store::catalogue::CatalogueFilter;
use parcours_store::{testing, Actor, Store, StoreError};
use time::macros::date;
use time::Date;
use uuid::Uuid;

const TODAY: Date = date!(2026 - 03 - 02);

fn po() -> Actor {
    Actor::system("tests")
}

fn structure_input(name: &str) -> StructureInput {
    StructureInput {
        name: name.into(),
        kind: "association".into(),
        siret: "73282932000074".into(),
        place: AddressInput {
            address: "3 rue des Lilas".into(),
            postal_code: "35000".into(),
            commune_code: "35238".into(),
            commune_name: "Rennes".into(),
        },
        ..StructureInput::default()
    }
}

async fn structure(store: &Store, name: &str) -> Uuid {
    let data = StructureData::parse(&structure_input(name)).unwrap();
    store.create_structure(&po(), &data, None).await.unwrap().id
}

fn weekly(day: &str) -> ScheduleInput {
    ScheduleInput {
        frequency: "weekly".into(),
        weekdays: vec![day.into()],
        starts_at: "14:00".into(),
        ends_at: "17:00".into(),
        ..ScheduleInput::default()
    }
}

fn action_input(structure_id: Uuid, name: &str) -> ActionInput {
    ActionInput {
        structure_id: structure_id.to_string(),
        name: name.into(),
        description: "Une demi-journée par semaine en groupe, pour reprendre confiance.".into(),
        family: "aps".into(),
        thematiques: vec!["remobilisation--lien-social".into()],
        service_type: "atelier".into(),
        format: "collective".into(),
        publics: vec!["beneficiaires-des-minimas-sociaux".into()],
        capacity: "12".into(),
        reception: vec!["en-presentiel".into()],
        place: structure_input("x").place,
        starts_on: "2026-01-05".into(),
        ends_on: "2026-06-30".into(),
        practical: PracticalInput {
            schedule: weekly("Tu"),
            ..PracticalInput::default()
        },
        ..ActionInput::default()
    }
}

async fn action(store: &Store, input: &ActionInput) -> parcours_store::catalogue::Action {
    let data = ActionData::parse(input).unwrap();
    store
        .create_action(&po(), &data, TODAY, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn structures_are_organisations_with_details() {
    for store in testing::all().await {
        let id = structure(&store, "Association Le Jardin partagé").await;
        let s = store.structure(id).await.unwrap();
        assert_eq!(
            (s.name.as_str(), s.kind.code(), s.siret.as_str()),
            (
                "Association Le Jardin partagé",
                "association",
                "73282932000074"
            )
        );
        assert!(
            store
                .organisations()
                .await
                .unwrap()
                .iter()
                .any(|o| o.id == id),
            "its opérateurs belong to it"
        );
        let duplicate =
            StructureData::parse(&structure_input("Association Le Jardin partagé")).unwrap();
        match store.create_structure(&po(), &duplicate, None).await {
            Err(StoreError::Invalid(e)) => assert!(e.message_for("name").is_some()),
            other => panic!("{other:?}"),
        }
        let renamed = StructureData::parse(&structure_input("Le Jardin partagé")).unwrap();
        let s = store
            .update_structure(&po(), id, 1, &renamed)
            .await
            .unwrap();
        assert_eq!((s.name.as_str(), s.version), ("Le Jardin partagé", 2));
        assert!(
            matches!(
                store.update_structure(&po(), id, 1, &renamed).await,
                Err(StoreError::Stale)
            ),
            "no lost update"
        );
        let list = store.structures().await.unwrap();
        assert_eq!(list.len(), 1);
    }
}

#[tokio::test]
async fn an_unreadable_rule_set_is_an_error_never_no_rules() {
    for store in testing::all().await {
        let s = structure(&store, "Association Les Rules").await;
        let mut input = action_input(s, "Atelier réservé aux plus de 25 ans");
        input.eligibility.min_age = "25".into();
        let a = action(&store, &input).await;
        testing::set_raw_eligibility(&store, a.id, "{\"min_age\": \"vingt-cinq\"")
            .await
            .unwrap();
        assert!(store.action(a.id).await.is_err());
        let of_structure = CatalogueFilter {
            structure_id: Some(s),
            limit: 10,
            ..CatalogueFilter::default()
        };
        assert!(store.offered_actions(&[of_structure]).await.is_err());
    }
}

#[tokio::test]
async fn actions_are_stored_whole_and_move_through_their_states() {
    for store in testing::all().await {
        let s = structure(&store, "Association Le Jardin partagé").await;
        let mut input = action_input(s, "Atelier jardin et travaux manuels");
        input.eligibility.min_age = "18".into();
        input.eligibility.publics = vec!["rsa".into()];
        input.weekly_hours = "3".into();
        let a = action(&store, &input).await;
        assert_eq!(a.status, ActionStatus::Draft);
        assert_eq!(a.structure_name, "Association Le Jardin partagé");
        assert_eq!(a.thematiques, vec!["remobilisation--lien-social"]);
        assert_eq!(a.eligibility.min_age, Some(18));
        assert_eq!(a.weekly_hours, Some(3.0));
        assert_eq!(a.schedule.describe(), "Chaque mardi, de 14 h à 17 h");
        let a = store
            .set_action_status(&po(), a.id, a.version, ActionStatus::Published)
            .await
            .unwrap();
        assert_eq!(a.status, ActionStatus::Published);
        match store
            .set_action_status(&po(), a.id, a.version, ActionStatus::Draft)
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(e.message_for("status").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store
                .set_action_status(&po(), a.id, 1, ActionStatus::Archived)
                .await,
            Err(StoreError::Stale)
        ));
        let mut bad = action_input(Uuid::now_v7(), "Atelier fantôme");
        bad.family = "inconnue".into();
        match store
            .create_action(&po(), &ActionData::parse(&bad).unwrap(), TODAY, None)
            .await
        {
            Err(StoreError::Invalid(e)) => {
                assert!(e.message_for("structure_id").is_some());
                assert!(e.message_for("family").is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn sessions_follow_the_schedule_and_hand_made_ones_stay() {
    for store in testing::all().await {
        let s = structure(&store, "Association Le Jardin partagé").await;
        let a = action(&store, &action_input(s, "Atelier jardin")).await;
        let sessions = store.sessions_of(a.id, TODAY, 100).await.unwrap();
        // Tuesdays from 3 March to 30 June 2026.
        assert_eq!(sessions.len(), 18);
        assert_eq!(sessions[0].on_date, date!(2026 - 03 - 03));
        assert_eq!(sessions[0].starts_at.as_deref(), Some("14:00"));
        let outing = store
            .add_session(
                &po(),
                a.id,
                date!(2026 - 04 - 18),
                Some("09:00"),
                Some("17:00"),
                Some("Sortie au musée"),
            )
            .await
            .unwrap();
        assert!(outing.ad_hoc);
        let practical = PracticalData::parse(&PracticalInput {
            schedule: weekly("Th"),
            ..PracticalInput::default()
        })
        .unwrap();
        let a = store
            .update_practical(&po(), a.id, a.version, &practical, TODAY)
            .await
            .unwrap();
        let sessions = store.sessions_of(a.id, TODAY, 100).await.unwrap();
        assert_eq!(sessions.len(), 17 + 1, "17 Thursdays, and the outing");
        assert!(sessions
            .iter()
            .filter(|s| !s.ad_hoc)
            .all(|s| s.on_date.weekday() == time::Weekday::Thursday));
        let cancelled = store
            .set_session_cancelled(&po(), sessions[0].id, true)
            .await
            .unwrap();
        assert!(cancelled.cancelled);
    }
}

#[tokio::test]
async fn the_public_search_filters_and_counts() {
    for store in testing::all().await {
        let s = structure(&store, "Association Le Jardin partagé").await;
        let garden = action(&store, &action_input(s, "Atelier jardin")).await;
        let mut cooking = action_input(s, "Atelier cuisine à petit budget");
        cooking.thematiques =
            vec!["difficultes-financieres--ameliorer-sa-gestion-budgetaire".into()];
        cooking.format = "individual".into();
        cooking.publics = vec!["familles".into()];
        cooking.place.commune_code = "35047".into();
        cooking.place.commune_name = "Bruz".into();
        let cooking = action(&store, &cooking).await;
        let over = action(
            &store,
            &ActionInput {
                ends_on: "2026-02-01".into(),
                starts_on: "2026-01-01".into(),
                ..action_input(s, "Atelier terminé")
            },
        )
        .await;
        let draft = action(&store, &action_input(s, "Atelier en préparation")).await;
        for a in [&garden, &cooking, &over] {
            store
                .set_action_status(&po(), a.id, a.version, ActionStatus::Published)
                .await
                .unwrap();
        }
        let search = |f: CatalogueFilter| {
            let store = store.clone();
            async move {
                let (rows, total) = store
                    .search_actions(&CatalogueFilter {
                        public_only: true,
                        today: Some(TODAY),
                        limit: 20,
                        ..f
                    })
                    .await
                    .unwrap();
                assert_eq!(rows.len() as i64, total);
                rows.into_iter().map(|r| r.name).collect::<Vec<_>>()
            }
        };
        assert_eq!(
            search(CatalogueFilter::default()).await,
            vec!["Atelier cuisine à petit budget", "Atelier jardin"],
            "neither drafts nor ended actions"
        );
        assert_eq!(
            search(CatalogueFilter {
                text: "CUISINE petit".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier cuisine à petit budget"]
        );
        assert_eq!(
            search(CatalogueFilter {
                text: "partage".into(),
                ..Default::default()
            })
            .await
            .len(),
            2,
            "the structure's name, without accents"
        );
        assert_eq!(
            search(CatalogueFilter {
                thematique: "remobilisation".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier jardin"],
            "a whole category"
        );
        assert_eq!(
            search(CatalogueFilter {
                thematique: "difficultes-financieres--ameliorer-sa-gestion-budgetaire".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier cuisine à petit budget"]
        );
        assert_eq!(
            search(CatalogueFilter {
                commune_code: "35047".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier cuisine à petit budget"]
        );
        assert_eq!(
            search(CatalogueFilter {
                public: "familles".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier cuisine à petit budget"]
        );
        assert_eq!(
            search(CatalogueFilter {
                format: "collective".into(),
                ..Default::default()
            })
            .await,
            vec!["Atelier jardin"]
        );
        testing::set_places_taken(&store, garden.id, 12)
            .await
            .unwrap();
        assert_eq!(
            search(CatalogueFilter {
                with_places: true,
                ..Default::default()
            })
            .await,
            vec!["Atelier cuisine à petit budget"],
            "a full action has no places"
        );
        let (all, total) = store
            .search_actions(&CatalogueFilter {
                structure_id: Some(s),
                limit: 2,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            (all.len(), total),
            (2, 4),
            "a structure sees its drafts too, a page at a time"
        );
        assert!(store
            .search_actions(&CatalogueFilter {
                status: "draft".into(),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .0
            .iter()
            .all(|a| a.id == draft.id));
        assert_eq!(
            *store.catalogue_communes().await.unwrap(),
            vec![
                ("35047".to_owned(), "Bruz".to_owned()),
                ("35238".to_owned(), "Rennes".to_owned())
            ]
        );
    }
}

#[tokio::test]
async fn funding_lines_make_the_programme() {
    for store in testing::all().await {
        let s = structure(&store, "Association Le Jardin partagé").await;
        let a = action(&store, &action_input(s, "Atelier jardin")).await;
        let b = action(&store, &action_input(s, "Randonnée mensuelle")).await;
        let funding = |year: &str, amount: &str, fse: bool| {
            FundingData::parse(&FundingInput {
                kind: "procurement".into(),
                funder: "Département".into(),
                year: year.into(),
                amount: amount.into(),
                contract_number: "2025-INS-014".into(),
                lot: "3".into(),
                fse_plus: fse,
                fse_operation: if fse {
                    "202500123".into()
                } else {
                    String::new()
                },
            })
            .unwrap()
        };
        store
            .add_funding(&po(), a.id, &funding("2025", "40 000", false))
            .await
            .unwrap();
        let line = store
            .add_funding(&po(), a.id, &funding("2026", "48 000,50", true))
            .await
            .unwrap();
        assert_eq!(
            (
                line.amount_cents,
                line.fse_plus,
                line.fse_operation.as_deref()
            ),
            (4_800_050, true, Some("202500123"))
        );
        assert_eq!(store.fundings_of(a.id).await.unwrap().len(), 2);
        let programme = store.programme(Some(2026), None).await.unwrap();
        assert_eq!(programme.len(), 2, "every action, funded this year or not");
        let funded = programme.iter().find(|l| l.action_id == a.id).unwrap();
        assert_eq!(
            (funded.year, funded.amount_cents),
            (Some(2026), Some(4_800_050))
        );
        assert!(programme
            .iter()
            .find(|l| l.action_id == b.id)
            .unwrap()
            .funder
            .is_none());
        assert_eq!(store.programme(None, None).await.unwrap().len(), 3);
        assert_eq!(store.programme(None, Some("aps")).await.unwrap().len(), 3);
        assert!(store
            .programme(None, Some("habitat"))
            .await
            .unwrap()
            .is_empty());
        let summary = store.programme_summary(Some(2026)).await.unwrap();
        assert_eq!(summary.len(), 1);
        let aps = &summary[0];
        assert_eq!(
            (
                aps.family.as_deref(),
                aps.actions,
                aps.places,
                aps.amount_cents,
                aps.fse_cents
            ),
            (Some("aps"), 2, 24, 4_800_050, 4_800_050),
            "two actions of 12 places; this year's funding, all FSE+"
        );
        let every_year = store.programme_summary(None).await.unwrap();
        assert_eq!(every_year[0].amount_cents, 4_000_000 + 4_800_050);
        assert_eq!(every_year[0].fse_cents, 4_800_050);
        store.delete_funding(&po(), line.id).await.unwrap();
        assert_eq!(store.fundings_of(a.id).await.unwrap().len(), 1);
        assert!(matches!(
            store
                .add_funding(&po(), Uuid::now_v7(), &funding("2026", "1", false))
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn families_are_the_defaults_and_can_grow() {
    for store in testing::all().await {
        let families = store.families().await.unwrap();
        assert_eq!(
            families.len(),
            parcours_domain::catalogue::DEFAULT_FAMILIES.len()
        );
        assert_eq!(families[0].code, "aps");
        store
            .save_family(&po(), "ateliers-collectifs", "Ateliers collectifs")
            .await
            .unwrap();
        store
            .save_family(&po(), "aps", "Promotion sociale")
            .await
            .unwrap();
        let families = store.families().await.unwrap();
        assert_eq!(families.last().unwrap().code, "ateliers-collectifs");
        assert_eq!(families[0].label, "Promotion sociale");
        assert!(matches!(
            store.save_family(&po(), "Pas Un Code", "x").await,
            Err(StoreError::Invalid(_))
        ));
        store.ensure_default_families().await.unwrap();
        assert_eq!(
            store.families().await.unwrap().len(),
            parcours_domain::catalogue::DEFAULT_FAMILIES.len() + 1,
            "defaults are not added twice"
        );
    }
}

/// Lists read whole come in French order whatever the database's
/// collation: accents and case folded (SQLite alone would put Honfleur
/// before Hérouville, and capitals before small letters).
#[tokio::test]
async fn whole_lists_come_in_french_order() {
    for store in testing::all().await {
        for (code, name) in [
            ("T-HON", "Honfleur"),
            ("T-HER", "Hérouville-Saint-Clair"),
            ("T-HAM", "hameau de Caen"),
        ] {
            store.create_territory(&po(), code, name).await.unwrap();
        }
        let names: Vec<String> = store
            .territories()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .filter(|n| {
                ["Honfleur", "Hérouville-Saint-Clair", "hameau de Caen"].contains(&n.as_str())
            })
            .collect();
        assert_eq!(
            names,
            ["hameau de Caen", "Hérouville-Saint-Clair", "Honfleur"]
        );
    }
}
