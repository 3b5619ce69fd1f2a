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

/// The ids of a JSON list's lines (`field`: their person's id).
fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l[field].as_str().unwrap().to_owned())
        .collect()
}

/// A person whose name a spreadsheet would take for a formula, late for
/// their orientation, in the demo référent's organisation.
async fn formula_named(app: &App) {
    let referent = app.token(REFERENT).await;
    let since = (parcours_domain::clock::today() - time::Duration::days(60)).to_string();
    let body = serde_json::json!({
        "household": {"rsa_number": "14999000123", "fund": "caf", "rsa_state": "2"},
        "person": {"household_role": "DEM", "last_name": "=Egal", "first_names": "Formule",
            "birth_date": "1980-02-03", "sex": "F", "commune_code": "14118",
            "subject_to_duties": true, "duties_since": since}});
    let (status, created) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/persons",
            &referent,
            Some(body),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
}

#[tokio::test]
async fn the_lists_filter_sort_and_download_what_they_show() {
    let today = parcours_domain::clock::today().to_string();
    for app in apps().await {
        formula_named(&app).await;
        let manager = app.token(MANAGER).await;

        // Late only: every line late, as many as counted.
        let late = app.get_json(&manager, "/api/v1/deadlines?retard=1").await;
        let all = app.get_json(&manager, "/api/v1/deadlines").await;
        assert!(!late.as_array().unwrap().is_empty());
        assert!(late
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["due_on"].as_str().unwrap() < today.as_str()));
        assert_eq!(
            late.as_array().unwrap().len(),
            count_by(&all, "kind", &today).values().sum::<i64>() as usize
        );
        let line = &all[0];
        for field in [
            "stage",
            "contract_ends_on",
            "current_action",
            "organisation_name",
        ] {
            assert!(line.get(field).is_some(), "{field} in {line}");
        }

        // By name in French order; by days late, most first by default.
        let by_name = app.get_json(&manager, "/api/v1/deadlines?tri=nom").await;
        let names: Vec<String> = by_name
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                use parcours_domain::person::fold;
                let (last, first) = (
                    c["last_name"].as_str().unwrap(),
                    c["first_names"].as_str().unwrap(),
                );
                format!("{}\u{0}{}", fold(last), fold(first))
            })
            .collect();
        let mut french = names.clone();
        french.sort();
        assert_eq!(names, french);
        let due = |list: &Value| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|c| c["due_on"].as_str().unwrap().to_owned())
                .collect()
        };
        let most_late = due(&all);
        assert!(most_late.windows(2).all(|w| w[0] <= w[1]), "{most_late:?}");
        let least_late = due(&app
            .get_json(&manager, "/api/v1/deadlines?tri=retard&ordre=asc")
            .await);
        assert!(
            least_late.windows(2).all(|w| w[0] >= w[1]),
            "{least_late:?}"
        );

        // An unknown value is a French 422 naming its parameter, page and API.
        let (status, err) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/deadlines?etape=fini",
                &manager,
                None,
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["error"]["fields"][0]["field"], "etape", "{err}");
        let cadre = app.signed_in(MANAGER).await;
        let refused = cadre
            .get(app.url("/echeances?tri=age"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("Colonne inconnue"));

        // The page: sortable headers, the current one marked, the counts.
        let page = cadre
            .get(app.url("/echeances?retard=1&tri=nom"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            // The templates write an ampersand either way.
            .replace("&#38;", "&amp;");
        assert!(
            page.contains(r#"<th scope="col" aria-sort="ascending"><a href="/echeances?retard=1&amp;tri=nom&amp;ordre=desc">Personne</a>"#),
            "{page}"
        );
        assert!(page.contains("Échéances par référent unique"));
        assert!(page.contains("Échéances par organisation responsable"));
        assert!(
            page.contains("retard=1&amp;tri=nom&amp;format=csv"),
            "download links keep the query"
        );

        // The downloads: what the page shows, a formula-like name neutralised.
        let csv = cadre
            .get(app.url("/echeances?retard=1&tri=nom&format=csv"))
            .send()
            .await
            .unwrap();
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        assert!(csv.starts_with('\u{feff}'), "byte-order mark");
        let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            rows[0],
            "Personne;Étape;Échéance;Date prévue;Retard;Fin de contrat;Action en cours;Référent unique"
        );
        assert_eq!(rows.len() - 1, late.as_array().unwrap().len());
        assert!(
            rows.iter()
                .any(|r| r.starts_with("'=EGAL Formule;À orienter;Orientation;")),
            "{csv}"
        );
        let xlsx = cadre
            .get(app.url("/echeances?retard=1&format=xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            xlsx.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK");
        let filter = parcours_store::AuditFilter {
            actor: Some(MANAGER.into()),
            limit: 1000,
            ..Default::default()
        };
        let events = app.store.audit_events(&filter).await.unwrap();
        assert!(events.iter().any(
            |e| e.detail.as_deref() == Some("ligne de la liste des échéances (téléchargement)")
        ));
    }
}

#[tokio::test]
async fn a_referent_works_on_their_own_people() {
    for app in apps().await {
        let referent = app.token(REFERENT).await;
        let caseload = app.get_json(&referent, "/api/v1/caseload").await;
        let mine = ids(&caseload, "id");
        assert!(!mine.is_empty());
        let me = app.get_json(&referent, "/api/v1/me").await;
        let name = me["display_name"].as_str().unwrap();
        assert!(caseload
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["referent_name"] == name && p.get("stage").is_some()));
        let due = app.get_json(&referent, "/api/v1/deadlines").await;
        assert!(ids(&due, "person_id").iter().all(|id| mine.contains(id)));
        let late = app.get_json(&referent, "/api/v1/caseload?retard=1").await;
        assert!(ids(&late, "id").iter().all(|id| mine.contains(id)));
        assert!(late.as_array().unwrap().len() <= mine.len());

        let client = app.signed_in(REFERENT).await;
        let page = client
            .get(app.url("/portefeuille?tri=nom"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"aria-sort="ascending""#));
        assert!(page.contains(r#"<label for="retard">"#));
        let csv = client
            .get(app.url("/portefeuille?format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            csv.trim_start_matches('\u{feff}').lines().count(),
            mine.len() + 1
        );
        let own = client
            .get(app.url("/echeances"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !own.contains("Échéances par référent unique"),
            "counts are the cadre's"
        );
    }
}
