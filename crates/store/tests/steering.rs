//! Issue 20, the delays on both backends: a hand-built département whose
//! expected delays are written here, at today's date and at a past one.

use parcours_domain::access::PersonScope;
use parcours_domain::account::{NewUser, NewUserInput};
use parcours_domain::contract::{ContractData, ContractKind, ContractStatus};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_domain::steering::{
    DelayCase, DelayFigures, DelayKind, DelayLimits, DelayReport, StockFigures,
};
use parcours_domain::Role;
use parcours_store::pathway_load::{Assignment, Contract, Orientation, PathwayLoad};
use parcours_store::person::HouseholdTarget;
use parcours_store::steering::SteeringFilter;
use parcours_store::{testing, Actor, Store};
use time::macros::date;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

const ORIENTATION: DelayLimits = DelayLimits {
    target_days: Some(30),
    legal_days: 42,
};
const CONTRACT: DelayLimits = DelayLimits {
    target_days: None,
    legal_days: 30,
};

fn actor() -> Actor {
    Actor::system("tests")
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

async fn person(store: &Store, organisation: Uuid, n: u32, entry: Date) -> Uuid {
    let today = date!(2026 - 12 - 01);
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("R{n:07}"),
            fund: "caf".into(),
            rsa_state: "2".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: format!("Personne{n}"),
            first_names: "Camille".into(),
            birth_date: "1980-04-02".into(),
            sex: "F".into(),
            subject_to_duties: true,
            duties_since: entry.to_string(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    store
        .create_person(
            &actor(),
            organisation,
            &HouseholdTarget::New(household),
            &data,
        )
        .await
        .unwrap()
        .id
}

/// A référente of `organisation`.
async fn referent(store: &Store, organisation: Uuid, email: &str) -> Uuid {
    let user = NewUser::parse(&NewUserInput {
        email: email.into(),
        display_name: "Référente".into(),
        role: Role::Referent.code().into(),
        organisation_id: organisation.to_string(),
        territory_id: String::new(),
        password: "un mot de passe solide".into(),
    })
    .unwrap();
    store
        .create_account(&actor(), &user, "hash", false)
        .await
        .unwrap()
        .id
}

/// What the pathway's steps leave: orientations (validated unless said),
/// and a contract signed under the first one.
struct Steps {
    load: PathwayLoad,
    organisation: Uuid,
    referent: Uuid,
}

impl Steps {
    fn orientation(
        &mut self,
        person: Uuid,
        decided: Date,
        notified: Option<Date>,
        status: OrientationStatus,
    ) -> Uuid {
        let id = Uuid::now_v7();
        self.load.orientation(Orientation {
            id,
            person_id: person,
            kind: OrientationKind::Social,
            lead_organisation_id: self.organisation,
            decided_on: decided,
            reason: None,
            extended_review: false,
            decided_by: "tests",
            status,
            notified_on: notified,
            reviewed_by: None,
            rejection_reason: None,
            created_at: OffsetDateTime::now_utc(),
        });
        id
    }

    fn contract(&mut self, person: Uuid, orientation: Uuid, signed: Date, data: &ContractData) {
        let assignment = Uuid::now_v7();
        self.load.assignment(Assignment {
            id: assignment,
            person_id: person,
            orientation_id: orientation,
            referent_id: self.referent,
            starts_on: signed,
            ends_on: None,
            created_by: "tests",
            created_at: OffsetDateTime::now_utc(),
        });
        let now = OffsetDateTime::now_utc();
        let id = Uuid::now_v7();
        for (n, objective) in data.objectives.iter().enumerate() {
            self.load
                .objective(Uuid::now_v7(), id, n as i64, objective, None);
        }
        self.load.contract(Contract {
            id,
            person_id: person,
            data,
            orientation_id: orientation,
            assignment_id: assignment,
            status: ContractStatus::Validated,
            signed_on: Some(signed),
            validated_on: Some(signed),
            validated_by: Some("tests"),
            rejection_reason: None,
            ended_on: None,
            reviewed_on: None,
            review_comment: None,
            previous_contract_id: None,
            version: 1,
            created_by: "tests",
            created_at: now,
            updated_at: now,
        });
    }
}

fn filter(at: Date) -> SteeringFilter {
    SteeringFilter::period(date!(2026 - 01 - 01), date!(2026 - 12 - 31), at)
}

async fn cases(store: &Store, kind: DelayKind, at: Date) -> Vec<DelayCase> {
    let mut cases = store
        .delay_cases(&everything(), &filter(at))
        .await
        .unwrap()
        .of(kind)
        .to_vec();
    cases.sort_by_key(|c| c.started_on);
    cases
}

#[tokio::test]
async fn delays_are_read_from_the_pathways_dates_at_a_date() {
    for store in testing::all().await {
        let organisation = store
            .create_organisation(&actor(), "CCAS de Caen", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let referent = referent(&store, organisation, "ref@example.org").await;
        let a = person(&store, organisation, 1, date!(2026 - 01 - 10)).await;
        let b = person(&store, organisation, 2, date!(2026 - 01 - 20)).await;
        let c = person(&store, organisation, 3, date!(2026 - 02 - 01)).await;
        let d = person(&store, organisation, 4, date!(2026 - 02 - 10)).await;
        // Entered the year before: outside the period.
        person(&store, organisation, 5, date!(2025 - 12 - 20)).await;
        let contract = ContractData {
            kind: ContractKind::Engagement,
            starts_on: date!(2026 - 03 - 01),
            duration_months: 6,
            ends_on: date!(2026 - 08 - 31),
            weekly_hours: None,
            hours_reason: None,
            hours_note: None,
            other_weekly_hours: None,
            objectives: Vec::new(),
            person_commitments: String::new(),
            organisation_commitments: String::new(),
        };
        let mut steps = Steps {
            load: PathwayLoad::new(),
            organisation,
            referent,
        };
        use OrientationStatus::*;
        // A: oriented in 22 days, notified 4 days later, a contract 24 days after.
        let oa = steps.orientation(
            a,
            date!(2026 - 02 - 01),
            Some(date!(2026 - 02 - 05)),
            Validated,
        );
        steps.contract(a, oa, date!(2026 - 03 - 01), &contract);
        // B: oriented in 54 days, no contract.
        steps.orientation(
            b,
            date!(2026 - 03 - 15),
            Some(date!(2026 - 03 - 20)),
            Validated,
        );
        // C: oriented in August only.
        steps.orientation(
            c,
            date!(2026 - 08 - 01),
            Some(date!(2026 - 08 - 03)),
            Validated,
        );
        // D: a rejected decision, then 20 days; a contract 61 days after its
        // notification; a later réorientation does not change the first.
        steps.orientation(d, date!(2026 - 02 - 20), None, Rejected);
        let od = steps.orientation(
            d,
            date!(2026 - 03 - 02),
            Some(date!(2026 - 03 - 10)),
            Validated,
        );
        steps.contract(d, od, date!(2026 - 05 - 10), &contract);
        steps.orientation(
            d,
            date!(2026 - 05 - 01),
            Some(date!(2026 - 05 - 02)),
            Validated,
        );
        let mut tx = store.begin().await.unwrap();
        steps.load.write(&mut tx).await.unwrap();
        tx.commit().await.unwrap();

        let june = date!(2026 - 06 - 30);
        let orientation = cases(&store, DelayKind::Orientation, june).await;
        assert_eq!(
            orientation
                .iter()
                .map(|c| (c.person_id, c.days()))
                .collect::<Vec<_>>(),
            vec![(a, Some(22)), (b, Some(54)), (c, None), (d, Some(20))]
        );
        let report = DelayReport::of(DelayKind::Orientation, &orientation, ORIENTATION);
        assert_eq!(
            report.total,
            DelayFigures {
                started: 4,
                done: 3,
                waiting: 1,
                mean_days: Some(32.0),
                median_days: Some(22.0),
                p90_days: Some(54),
                within_target: Some(2),
                within_legal: 2,
            }
        );
        assert_eq!(report.months.len(), 2, "January and February");

        let contracts = cases(&store, DelayKind::Contract, june).await;
        assert_eq!(
            contracts
                .iter()
                .map(|c| (c.person_id, c.started_on, c.days()))
                .collect::<Vec<_>>(),
            vec![
                (a, date!(2026 - 02 - 05), Some(24)),
                (d, date!(2026 - 03 - 10), Some(61)),
                (b, date!(2026 - 03 - 20), None),
            ]
        );
        let figures = DelayReport::of(DelayKind::Contract, &contracts, CONTRACT).total;
        assert_eq!((figures.done, figures.within_legal), (2, 1));

        // At the end of March: D's contract was not signed yet, C was
        // waiting; at the end of the year C is oriented, in 181 days.
        let march = date!(2026 - 03 - 31);
        let contracts = cases(&store, DelayKind::Contract, march).await;
        assert_eq!(
            contracts
                .iter()
                .map(|c| (c.person_id, c.days()))
                .collect::<Vec<_>>(),
            vec![(a, Some(24)), (d, None), (b, None)]
        );
        let december = cases(&store, DelayKind::Orientation, date!(2026 - 12 - 31)).await;
        assert_eq!(december[2].person_id, c);
        assert_eq!(december[2].days(), Some(181));

        // The stock at the end of June, then of March.
        let stock = |at: Date| {
            let store = store.clone();
            async move {
                let mut lines = store.stock_lines(&everything(), &filter(at)).await.unwrap();
                lines.sort_by_key(|l| l.person_id);
                lines
            }
        };
        let june_stock = StockFigures::of(&stock(june).await);
        // The delays counted together by the store: the groups of the cases.
        for at in [june, march, date!(2026 - 12 - 31)] {
            let groups = store
                .delay_groups(&everything(), &filter(at))
                .await
                .unwrap();
            let cases = store.delay_cases(&everything(), &filter(at)).await.unwrap();
            for kind in DelayKind::ALL {
                let mut counted = groups.of(*kind).to_vec();
                counted.sort();
                assert_eq!(
                    counted,
                    parcours_domain::steering::DelayGroup::of_cases(cases.of(*kind)),
                    "{kind:?} at {at}"
                );
            }
        }
        // Counted together by the store, the same figures.
        for at in [june, march, date!(2026 - 12 - 31)] {
            let counted = store
                .stock_counts(&everything(), &filter(at))
                .await
                .unwrap();
            assert_eq!(
                StockFigures::of_counted(&counted),
                StockFigures::of(&stock(at).await),
                "{at}"
            );
        }
        assert_eq!(
            (
                june_stock.in_duties,
                june_stock.oriented,
                june_stock.not_oriented,
                june_stock.contract_in_force,
                june_stock.without_referent
            ),
            (5, 3, 2, 2, 3),
            "{june_stock:?}"
        );
        let march_lines = stock(march).await;
        let line = |id: Uuid| march_lines.iter().find(|l| l.person_id == id).unwrap();
        assert_eq!(line(a).oriented, Some(OrientationKind::Social));
        assert!(line(a).contract_in_force && line(a).has_referent);
        assert!(
            !line(d).contract_in_force && !line(d).has_referent,
            "D's contract and référent came in May"
        );
        assert_eq!(line(c).oriented, None);
        assert_eq!(StockFigures::of(&march_lines).contract_in_force, 1);
        // Before anyone entered, nobody.
        assert!(stock(date!(2025 - 12 - 01)).await.is_empty());

        // Outside the scope, nothing.
        let elsewhere = PersonScope {
            all: false,
            organisation_id: Some(Uuid::now_v7()),
            ..everything()
        };
        assert!(store
            .delay_cases(&elsewhere, &filter(june))
            .await
            .unwrap()
            .of(DelayKind::Orientation)
            .is_empty());
        // The names behind a figure.
        let people = store.steering_people(&[b, a]).await.unwrap();
        assert_eq!(
            people.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![a, b],
            "by name"
        );
    }
}

/// Issue 20, item 2: the stock at a past day follows the person across a
/// change of orientation (and of the organisation's DREES category) and a
/// change of référent; the référent and organisation filters too.
#[tokio::test]
async fn the_stock_at_a_past_day_follows_a_change_of_orientation_and_referent() {
    for store in testing::all().await {
        let ccas = store
            .create_organisation(&actor(), "CCAS de Lisieux", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let agency = store
            .create_organisation(
                &actor(),
                "France Travail Lisieux",
                OrganisationKind::FranceTravail,
                None,
            )
            .await
            .unwrap()
            .id;
        let first = referent(&store, ccas, "premiere@example.org").await;
        let second = referent(&store, agency, "second@example.org").await;
        let person = person(&store, ccas, 1, date!(2026 - 01 - 10)).await;
        let mut steps = Steps {
            load: PathwayLoad::new(),
            organisation: ccas,
            referent: first,
        };
        // Social, to the CCAS, notified on 5 February; the CCAS's référente
        // from 10 February to 1 May.
        let social = steps.orientation(
            person,
            date!(2026 - 02 - 01),
            Some(date!(2026 - 02 - 05)),
            OrientationStatus::Validated,
        );
        let now = OffsetDateTime::now_utc();
        steps.load.assignment(Assignment {
            id: Uuid::now_v7(),
            person_id: person,
            orientation_id: social,
            referent_id: first,
            starts_on: date!(2026 - 02 - 10),
            ends_on: Some(date!(2026 - 05 - 01)),
            created_by: "tests",
            created_at: now,
        });
        // Réorientation: professional, to France Travail, notified on 25
        // April; its conseiller from 1 May.
        let professional = Uuid::now_v7();
        steps.load.orientation(Orientation {
            id: professional,
            person_id: person,
            kind: OrientationKind::Professional,
            lead_organisation_id: agency,
            decided_on: date!(2026 - 04 - 20),
            reason: None,
            extended_review: false,
            decided_by: "tests",
            status: OrientationStatus::Validated,
            notified_on: Some(date!(2026 - 04 - 25)),
            reviewed_by: None,
            rejection_reason: None,
            created_at: now,
        });
        steps.load.assignment(Assignment {
            id: Uuid::now_v7(),
            person_id: person,
            orientation_id: professional,
            referent_id: second,
            starts_on: date!(2026 - 05 - 01),
            ends_on: None,
            created_by: "tests",
            created_at: now,
        });
        let mut tx = store.begin().await.unwrap();
        steps.load.write(&mut tx).await.unwrap();
        tx.commit().await.unwrap();

        let seen = |at: Date, referent: Option<Uuid>, organisation: Option<Uuid>| {
            let store = store.clone();
            async move {
                let mut filter = filter(at);
                filter.referent_id = referent;
                filter.organisation_id = organisation;
                store.stock_lines(&everything(), &filter).await.unwrap()
            }
        };
        use parcours_domain::oarsa::OrganisationCategory as Category;
        let march = seen(date!(2026 - 03 - 31), None, None).await;
        assert_eq!(
            march
                .iter()
                .map(|l| (l.oriented, l.oriented_to, l.has_referent))
                .collect::<Vec<_>>(),
            vec![(
                Some(OrientationKind::Social),
                Some(Category::CcasCias),
                true
            )]
        );
        let june = seen(date!(2026 - 06 - 30), None, None).await;
        assert_eq!(
            june.iter()
                .map(|l| (l.oriented, l.oriented_to, l.has_referent))
                .collect::<Vec<_>>(),
            vec![(
                Some(OrientationKind::Professional),
                Some(Category::FranceTravail),
                true
            )]
        );
        // Whose référent, and which organisation's, on each day.
        for (at, referent, organisation, found) in [
            (date!(2026 - 03 - 31), Some(first), None, 1),
            (date!(2026 - 03 - 31), Some(second), None, 0),
            (date!(2026 - 03 - 31), None, Some(ccas), 1),
            (date!(2026 - 03 - 31), None, Some(agency), 0),
            (date!(2026 - 05 - 01), Some(first), None, 0),
            (date!(2026 - 05 - 01), Some(second), None, 1),
            (date!(2026 - 06 - 30), None, Some(ccas), 0),
            (date!(2026 - 06 - 30), None, Some(agency), 1),
        ] {
            assert_eq!(
                seen(at, referent, organisation).await.len(),
                found,
                "{at} {referent:?} {organisation:?}"
            );
        }
        // Between the CCAS's référente leaving and the conseiller coming:
        // no gap here, but on 30 April the first still holds.
        assert_eq!(
            seen(date!(2026 - 04 - 30), Some(first), None).await.len(),
            1
        );

        // The category set by the chargé de mission wins over the kind's.
        store
            .set_organisation_categories(&actor(), &[(ccas, Some(Category::SocialService))])
            .await
            .unwrap();
        let march = seen(date!(2026 - 03 - 31), None, None).await;
        assert_eq!(march[0].oriented_to, Some(Category::SocialService));
        let counted = store
            .stock_counts(&everything(), &filter(date!(2026 - 03 - 31)))
            .await
            .unwrap();
        let figures = StockFigures::of_counted(&counted);
        assert_eq!(figures, StockFigures::of(&march));
        assert!(figures
            .oriented_by_category
            .contains(&(Category::SocialService, 1)));
    }
}

/// Issue 20, item 3: what the DREES return reads, at 31 December and at a
/// past day, across a réorientation.
#[tokio::test]
async fn the_return_reads_who_is_in_duties_at_its_day() {
    for store in testing::all().await {
        let ccas = store
            .create_organisation(&actor(), "CCAS d'Alençon", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        let france_travail = store
            .create_organisation(
                &actor(),
                "France Travail Alençon",
                OrganisationKind::FranceTravail,
                None,
            )
            .await
            .unwrap()
            .id;
        let referent = referent(&store, ccas, "oarsa@example.org").await;
        let a = person(&store, ccas, 11, date!(2025 - 02 - 01)).await;
        let b = person(&store, ccas, 12, date!(2024 - 06 - 01)).await;
        let c = person(&store, ccas, 13, date!(2025 - 11 - 01)).await;
        // Entered after the day of the return.
        person(&store, ccas, 14, date!(2026 - 01 - 10)).await;
        // A's child, in A's household.
        let household = store.person(a).await.unwrap().household_id.unwrap();
        let child = PersonData::parse(
            &PersonInput {
                household_role: "ENF".into(),
                last_name: "Personne11".into(),
                first_names: "Lou".into(),
                birth_date: "2015-05-05".into(),
                sex: "M".into(),
                ..Default::default()
            },
            date!(2026 - 12 - 01),
        )
        .unwrap();
        store
            .create_person(
                &actor(),
                ccas,
                &HouseholdTarget::Existing(household),
                &child,
            )
            .await
            .unwrap();
        let mut steps = Steps {
            load: PathwayLoad::new(),
            organisation: ccas,
            referent,
        };
        use OrientationStatus::*;
        let contract =
            |starts_on: Date, duration_months: i64, objectives: &[(&str, &str)]| ContractData {
                kind: ContractKind::Engagement,
                starts_on,
                duration_months,
                ends_on: parcours_domain::contract::end_date(starts_on, duration_months),
                weekly_hours: None,
                hours_reason: None,
                hours_note: None,
                other_weekly_hours: None,
                objectives: objectives
                    .iter()
                    .map(|(category, title)| parcours_domain::contract::Objective {
                        category: (*category).into(),
                        title: (*title).into(),
                        barriers: Vec::new(),
                        actions: Vec::new(),
                    })
                    .collect(),
                person_commitments: String::new(),
                organisation_commitments: String::new(),
            };
        // A: oriented to the CCAS in 28 days; a 6-month contract over by
        // December, then a 12-month one with two objectives.
        let oa = steps.orientation(
            a,
            date!(2025 - 03 - 01),
            Some(date!(2025 - 03 - 05)),
            Validated,
        );
        steps.contract(
            a,
            oa,
            date!(2025 - 04 - 01),
            &contract(date!(2025 - 04 - 01), 6, &[]),
        );
        let second = contract(
            date!(2025 - 10 - 01),
            12,
            &[
                ("logement-hebergement", "Trouver un logement"),
                ("mobilite", "Passer le permis"),
            ],
        );
        steps.contract(a, oa, date!(2025 - 10 - 01), &second);
        // B: at France Travail, then réoriented to the CCAS in May 2025.
        steps.organisation = france_travail;
        steps.orientation(
            b,
            date!(2024 - 07 - 01),
            Some(date!(2024 - 07 - 02)),
            Validated,
        );
        steps.organisation = ccas;
        steps.orientation(
            b,
            date!(2025 - 05 - 01),
            Some(date!(2025 - 05 - 02)),
            Validated,
        );
        // C: a decision refused, not oriented.
        steps.orientation(c, date!(2025 - 11 - 20), None, Rejected);
        let mut tx = store.begin().await.unwrap();
        steps.load.write(&mut tx).await.unwrap();
        tx.commit().await.unwrap();

        let year = |at: Date| SteeringFilter::period(date!(2025 - 01 - 01), at, at);
        let december = year(date!(2025 - 12 - 31));
        let mut people = store.return_people(&everything(), &december).await.unwrap();
        people.sort_by_key(|p| p.id);
        let row = |id: Uuid| people.iter().find(|p| p.id == id).unwrap();
        assert_eq!(
            people.len(),
            3,
            "A, B and C; not the child nor the 2026 entrant"
        );
        assert_eq!((row(a).adults, row(a).children), (1, 1));
        assert_eq!(row(a).organisation_id, Some(ccas));
        assert_eq!(row(b).organisation_id, Some(ccas), "réoriented in May");
        assert_eq!(
            row(c).organisation_id,
            None,
            "a refused decision orients nobody"
        );
        assert_eq!(row(b).on_rsa_since, Some(date!(2024 - 06 - 01)));
        // In April, B was still at France Travail; C had not entered.
        let april = store
            .return_people(&everything(), &year(date!(2025 - 04 - 15)))
            .await
            .unwrap();
        assert_eq!(april.len(), 2);
        let b_april = april.iter().find(|p| p.id == b).unwrap();
        assert_eq!(b_april.organisation_id, Some(france_travail));

        // The contract in force: A's second, with its two objectives; in
        // June, the first, without any.
        let objectives = store
            .return_contracts(&everything(), &december)
            .await
            .unwrap();
        let mut categories: Vec<_> = objectives
            .iter()
            .map(|o| (o.person_id, o.duration_months, o.category.clone()))
            .collect();
        categories.sort();
        assert_eq!(
            categories,
            vec![
                (a, 12, Some("logement-hebergement".to_owned())),
                (a, 12, Some("mobilite".to_owned())),
            ]
        );
        let june = store
            .return_contracts(&everything(), &year(date!(2025 - 06 - 30)))
            .await
            .unwrap();
        assert_eq!(
            june.iter()
                .map(|o| (o.person_id, o.duration_months, o.category.clone()))
                .collect::<Vec<_>>(),
            vec![(a, 6, None)]
        );

        // B's réorientation, in the year; none before May.
        let moves = store
            .reorientations(&everything(), &december)
            .await
            .unwrap();
        assert_eq!(
            moves
                .iter()
                .map(|m| (m.person_id, m.from_organisation_id, m.to_organisation_id))
                .collect::<Vec<_>>(),
            vec![(b, france_travail, ccas)]
        );
        assert!(store
            .reorientations(&everything(), &year(date!(2025 - 04 - 30)))
            .await
            .unwrap()
            .is_empty());

        // The entrants' dates: A oriented in 28 days, a contract 27 days
        // after the notification; C waiting; B, who entered before the
        // year, is not one.
        let mut entrants: Vec<_> = store
            .entrants(&everything(), &december)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.id, l.entry, l.oriented_on, l.signed_on))
            .collect();
        entrants.sort_by_key(|e| e.1);
        assert_eq!(
            entrants,
            vec![
                (
                    a,
                    date!(2025 - 02 - 01),
                    Some(date!(2025 - 03 - 01)),
                    Some(date!(2025 - 04 - 01))
                ),
                (c, date!(2025 - 11 - 01), None, None),
            ]
        );

        // The mapping and the categories the chargé de mission sets.
        use parcours_domain::oarsa::{
            ActionCategory, MappingInput, ObjectiveMapping, OrganisationCategory,
        };
        let mapping = ObjectiveMapping::parse(&[MappingInput {
            objective_category: "mobilite".into(),
            title: String::new(),
            action: "other".into(),
        }])
        .unwrap();
        store
            .set_objective_mapping(&actor(), &mapping)
            .await
            .unwrap();
        assert_eq!(
            store
                .objective_mapping()
                .await
                .unwrap()
                .action_of("mobilite", "Passer le permis"),
            ActionCategory::Other
        );
        store
            .set_organisation_categories(
                &actor(),
                &[(ccas, Some(OrganisationCategory::SocialService))],
            )
            .await
            .unwrap();
        let organisations = store.organisations().await.unwrap();
        let category = |id: Uuid| {
            organisations
                .iter()
                .find(|o| o.id == id)
                .unwrap()
                .category()
        };
        assert_eq!(category(ccas), OrganisationCategory::SocialService);
        assert_eq!(
            category(france_travail),
            OrganisationCategory::FranceTravail,
            "by its kind"
        );
        store
            .set_organisation_categories(&actor(), &[(ccas, None)])
            .await
            .unwrap();
        let organisations = store.organisations().await.unwrap();
        assert_eq!(
            organisations
                .iter()
                .find(|o| o.id == ccas)
                .unwrap()
                .category(),
            OrganisationCategory::CcasCias
        );
    }
}

/// Sets when the revision `version` of `person` was recorded and, when it
/// is the file's latest, when the file was last written (as saving it does).
async fn recorded(store: &Store, person: Uuid, version: i64, at: OffsetDateTime) {
    let sql = "UPDATE person_revisions SET changed_at = $1 WHERE person_id = $2 AND version = $3";
    let params = vec![at.into(), person.into(), version.into()];
    assert_eq!(testing::execute(store, sql, params).await.unwrap(), 1);
    let sql = "UPDATE persons SET updated_at = $1 WHERE id = $2 AND version = $3";
    let params = vec![at.into(), person.into(), version.into()];
    testing::execute(store, sql, params).await.unwrap();
}

/// Issue 20, item 2: droits et devoirs at a past day are those the file
/// had by the end of that day, not today's.
#[tokio::test]
async fn droits_et_devoirs_at_a_past_day_are_those_recorded_by_then() {
    for store in testing::all().await {
        let organisation = store
            .create_organisation(&actor(), "CCAS de Flers", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        // Left droits et devoirs in June 2025 (recorded then).
        let leaver = person(&store, organisation, 21, date!(2024 - 01 - 01)).await;
        let file = store.person(leaver).await.unwrap();
        let out = PersonData::parse(
            &PersonInput {
                household_role: "DEM".into(),
                last_name: "Personne21".into(),
                first_names: "Camille".into(),
                birth_date: "1980-04-02".into(),
                sex: "F".into(),
                subject_to_duties: false,
                ..Default::default()
            },
            date!(2026 - 12 - 01),
        )
        .unwrap();
        store
            .update_person(&actor(), leaver, file.version, &out)
            .await
            .unwrap();
        recorded(
            &store,
            leaver,
            1,
            OffsetDateTime::new_utc(date!(2024 - 01 - 05), time::Time::MIDNIGHT),
        )
        .await;
        recorded(
            &store,
            leaver,
            2,
            OffsetDateTime::new_utc(date!(2025 - 06 - 01), time::Time::MIDNIGHT),
        )
        .await;
        // Written on 1 June 2024, in droits et devoirs since March 2024,
        // unchanged since: read from the file itself at the days after, from
        // its revision before.
        let settled = person(&store, organisation, 23, date!(2024 - 03 - 01)).await;
        let june = OffsetDateTime::new_utc(date!(2024 - 06 - 01), time::Time::MIDNIGHT);
        recorded(&store, settled, 1, june).await;
        // In droits et devoirs since March 2024, the file closed on 30 June
        // 2025 (RSA closed): counted until then, not after.
        let closed = person(&store, organisation, 24, date!(2024 - 03 - 01)).await;
        let version = store.person(closed).await.unwrap().version;
        store
            .close_person(
                &actor(),
                closed,
                version,
                date!(2025 - 06 - 30),
                parcours_domain::person::ClosureReason::RsaClosed,
            )
            .await
            .unwrap();
        // Recorded today, in droits et devoirs since 2025: counted back to
        // then (its first revision), not before.
        let stayer = person(&store, organisation, 22, date!(2025 - 03 - 01)).await;
        // Oriented by a decision of 20 December validated (and notified)
        // on 5 January: not oriented at 31 December.
        let mut steps = Steps {
            load: PathwayLoad::new(),
            organisation,
            referent: Uuid::nil(),
        };
        steps.orientation(
            stayer,
            date!(2025 - 12 - 20),
            Some(date!(2026 - 01 - 05)),
            OrientationStatus::Validated,
        );
        let mut tx = store.begin().await.unwrap();
        steps.load.write(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let oriented = |day: Date| {
            let store = store.clone();
            async move {
                let filter = SteeringFilter::period(day, day, day);
                store
                    .return_people(&everything(), &filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|p| p.id == stayer)
                    .unwrap()
                    .organisation_id
            }
        };
        assert_eq!(oriented(date!(2025 - 12 - 31)).await, None);
        assert_eq!(oriented(date!(2026 - 01 - 05)).await, Some(organisation));

        let at = |day: Date| {
            let store = store.clone();
            async move {
                let filter = SteeringFilter::period(day, day, day);
                let mut stock: Vec<Uuid> = store
                    .stock_lines(&everything(), &filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|l| l.person_id)
                    .collect();
                stock.sort();
                let mut oarsa: Vec<Uuid> = store
                    .return_people(&everything(), &filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| p.id)
                    .collect();
                oarsa.sort();
                assert_eq!(stock, oarsa, "the stock and the return agree at {day}");
                stock
            }
        };
        let sorted = |mut ids: Vec<Uuid>| {
            ids.sort();
            ids
        };
        assert_eq!(at(date!(2023 - 12 - 31)).await, Vec::<Uuid>::new());
        assert_eq!(at(date!(2024 - 02 - 29)).await, vec![leaver]);
        assert_eq!(
            at(date!(2024 - 05 - 31)).await,
            sorted(vec![leaver, settled, closed]),
            "written later, read from its first revision"
        );
        assert_eq!(
            at(date!(2024 - 12 - 31)).await,
            sorted(vec![leaver, settled, closed])
        );
        assert_eq!(
            at(date!(2025 - 05 - 31)).await,
            sorted(vec![leaver, settled, closed, stayer])
        );
        assert_eq!(
            at(date!(2025 - 06 - 30)).await,
            sorted(vec![settled, stayer]),
            "closed that day, left in June"
        );
        assert_eq!(
            at(date!(2025 - 12 - 31)).await,
            sorted(vec![settled, stayer]),
            "left in June"
        );
        assert_eq!(
            at(date!(2026 - 12 - 01)).await,
            sorted(vec![settled, stayer])
        );
        // Seen today, the current files say the same.
        assert_eq!(
            at(parcours_domain::clock::today()).await,
            sorted(vec![settled, stayer])
        );
    }
}
