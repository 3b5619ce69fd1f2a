//! The deadlines' charts, on every backend: the late clocks counted by
//! kind and by référent are those of the list, for the cadre's scope; a
//! référent's own count is their caseload's; the page draws both charts
//! with their tables.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The late clocks of a list, counted by `key`.
fn count_by(list: &Value, key: &str, today: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for clock in list.as_array().unwrap() {
        if clock["due_on"].as_str().unwrap() < today {
            let k = clock[key].as_str().unwrap_or("Sans référent").to_owned();
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
}

fn counted(body: &Value, field: &str, key: &str) -> BTreeMap<String, i64> {
    body[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[key].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn late_clocks_are_counted_by_kind_and_referent_as_listed() {
    let today = parcours_domain::clock::today().to_string();
    for app in apps().await {
        for (who, query) in [(MANAGER, ""), (REFERENT, ""), (REFERENT, "?all=true")] {
            let token = app.token(who).await;
            let list = app
                .get_json(&token, &format!("/api/v1/deadlines{query}"))
                .await;
            let counts = app
                .get_json(&token, &format!("/api/v1/deadlines/late-counts{query}"))
                .await;
            assert_eq!(
                counted(&counts, "by_kind", "kind"),
                count_by(&list, "kind", &today),
                "{who}{query}"
            );
            assert_eq!(
                counted(&counts, "by_referent", "referent"),
                count_by(&list, "referent_name", &today),
                "{who}{query}"
            );
        }
        let manager = app.signed_in(MANAGER).await;
        let page = manager
            .get(app.url("/echeances"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let late = count_by(
            &app.get_json(&app.token(MANAGER).await, "/api/v1/deadlines")
                .await,
            "kind",
            &today,
        );
        if !late.is_empty() {
            assert!(
                page.contains(r#"aria-labelledby="graphe-retards-nature""#),
                "{page}"
            );
            assert!(page.contains(r#"aria-labelledby="graphe-retards-referent""#));
            assert!(
                page.contains("<th scope=\"col\">Référent</th>"),
                "the chart's table"
            );
        }
    }
}
