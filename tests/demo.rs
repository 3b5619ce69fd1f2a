//! The demo data tell the source documents' stories dated from today,
//! whatever day the demo starts, on every backend.

use parcours_domain::access::PersonScope;
use parcours_domain::clock;
use parcours_domain::contract::ContractStatus;
use parcours_domain::referral::ReferralStatus;
use parcours_store::deadline::DueFilter;
use parcours_store::person::PersonQuery;
use parcours_store::{testing, Store};
use time::Duration;
use uuid::Uuid;

const EVERYONE: PersonScope = PersonScope {
    all: true,
    organisation_id: None,
    territory_id: None,
    referent_id: None,
    team_organisation_id: None,
};

async fn person(store: &Store, name: &str) -> Uuid {
    let query = PersonQuery {
        name: Some(name.into()),
        limit: 1,
        ..Default::default()
    };
    store.search_persons(&EVERYONE, &query).await.unwrap()[0].id
}

async fn action(store: &Store, name: &str) -> parcours_store::catalogue::Action {
    let today = clock::today();
    let actions = store.public_actions(today).await.unwrap();
    actions.into_iter().find(|a| a.name == name).unwrap()
}

/// The person's one positioning on the action, entered, and its attendance marks.
async fn entered_with_attendance(store: &Store, person_id: Uuid, action_id: Uuid) -> usize {
    let referrals = store.referrals_of_person(person_id).await.unwrap();
    let on_action: Vec<_> = referrals
        .iter()
        .filter(|r| r.action_id == action_id)
        .collect();
    assert_eq!(on_action.len(), 1, "{referrals:?}");
    assert_eq!(on_action[0].status, ReferralStatus::Entered);
    store
        .attendance_history(on_action[0].id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_demo_tells_its_stories_dated_from_today() {
    let today = clock::today();
    for store in testing::all().await {
        parcours::demo::load(&store).await.unwrap();

        let magali = person(&store, "magali lefevre").await;
        let contracts = store.contracts_of(magali).await.unwrap();
        assert!(
            contracts
                .iter()
                .any(|c| c.status == ContractStatus::Running && c.ends_on > today),
            "Magali's contract is in force: {contracts:?}"
        );
        let late_clocks = store.person_clocks(magali).await.unwrap();
        assert!(
            late_clocks
                .iter()
                .all(|c| c.met_on.is_some() || c.due_on >= today),
            "nothing late for Magali: {late_clocks:?}"
        );
        let hike = action(&store, "Randonnée mensuelle des bénéficiaires du RSA").await;
        assert!(entered_with_attendance(&store, magali, hike.id).await >= 2);

        let fabrice = person(&store, "fabrice marie").await;
        let workshop = action(&store, "Les bons vivants : atelier manuel et jardinage").await;
        assert!(entered_with_attendance(&store, fabrice, workshop.id).await >= 4);
        assert_eq!(workshop.places_taken, 4, "Fabrice and three more");
        let this_week = store.sessions_of(workshop.id, today, 1).await.unwrap();
        assert!(
            this_week[0].on_date < today + Duration::days(7),
            "a session this week: {this_week:?}"
        );

        let full = action(&store, "Coup de main : bricolage et petites réparations").await;
        assert_eq!((full.capacity, full.places_taken), (Some(8), 8));
        let waiting = store
            .referrals_of_action(full.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.status == ReferralStatus::Waiting)
            .count();
        assert_eq!(waiting, 2, "a full action has its waiting list");

        // Clocks: a few late, some due within the month, most met.
        let filter = DueFilter {
            referent_id: None,
            due_by: today + Duration::days(30),
            due_before: None,
            stage: None,
            clock: None,
            limit: 1000,
        };
        let (late, soon) = store
            .count_due_clocks(&EVERYONE, &filter, today)
            .await
            .unwrap();
        assert!(late >= 3 && soon >= 3, "late {late}, due soon {soon}");
        let late_by = DueFilter {
            due_by: today - Duration::days(1),
            ..filter
        };
        let mut kinds = std::collections::BTreeMap::new();
        for line in store.due_clocks(&EVERYONE, &late_by).await.unwrap() {
            *kinds.entry(line.kind.label()).or_insert(0) += 1;
        }
        assert!(
            late <= 20,
            "only a few late among 67 people: {late} {kinds:?}"
        );
    }
}
