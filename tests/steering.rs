//! Issue 20, the delays end to end on the demo: every figure of the API
//! equals the length of its list, the page shows them, who may see them,
//! and bad filters answer in French.

mod common;

use common::{apps, fabrice_and_workshop, position, App, MANAGER, OPERATOR, PROGRAMME, REFERENT};
use parcours_store::testing;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const PERIOD: &str = "from=2020-01-01";

/// The cells of a row of figures, with the figure each list must match.
fn cells(figures: &Value) -> Vec<(&'static str, i64)> {
    let n = |key: &str| figures[key].as_i64().unwrap();
    let mut cells = vec![
        ("entres", n("started")),
        ("termines", n("done")),
        ("en_attente", n("waiting")),
        ("dans_le_delai_legal", n("within_legal")),
        ("hors_delai_legal", n("done") - n("within_legal")),
    ];
    if let Some(target) = figures["within_target"].as_i64() {
        cells.push(("dans_la_cible", target));
    }
    cells
}

async fn list_len(app: &App, token: &str, kind: &str, cell: &str, month: &str) -> i64 {
    let list = app
        .get_json(
            token,
            &format!("/api/v1/statistics/delays/{kind}/people?cell={cell}&month={month}&{PERIOD}"),
        )
        .await;
    list.as_array().unwrap().len() as i64
}

#[tokio::test]
async fn every_delay_figure_counts_its_list_of_people() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let delays = app
            .get_json(&token, &format!("/api/v1/statistics/delays?{PERIOD}"))
            .await;
        let reports = delays["reports"].as_array().unwrap();
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0]["kind"], "orientation");
        assert!(
            reports[0]["total"]["started"].as_i64().unwrap() > 0,
            "the demo has entrants: {delays}"
        );
        for report in reports {
            let kind = report["kind"].as_str().unwrap();
            for (cell, figure) in cells(&report["total"]) {
                assert_eq!(
                    list_len(&app, &token, kind, cell, "").await,
                    figure,
                    "{kind} {cell}"
                );
            }
            // The two latest months' cohorts.
            for month in report["months"].as_array().unwrap().iter().rev().take(2) {
                let code = format!(
                    "{}-{:02}",
                    month["month"]["year"],
                    month["month"]["month"].as_i64().unwrap()
                );
                for (cell, figure) in cells(&month["figures"]) {
                    assert_eq!(
                        list_len(&app, &token, kind, cell, &code).await,
                        figure,
                        "{kind} {cell} {code}"
                    );
                }
            }
        }
        // A list is a read of the files it names: audited.
        let events = app
            .store
            .audit_events(&parcours_store::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(events.iter().any(|e| e
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("pilotage : "))));
    }
}

#[tokio::test]
async fn steering_is_for_the_charge_de_mission_and_the_cadre() {
    for app in apps().await {
        for (who, expected) in [
            (PROGRAMME, StatusCode::OK),
            (MANAGER, StatusCode::OK),
            (REFERENT, StatusCode::FORBIDDEN),
            (OPERATOR, StatusCode::FORBIDDEN),
        ] {
            let token = app.token(who).await;
            let (status, _) = app
                .call(Method::GET, "/api/v1/statistics/delays", &token, None)
                .await;
            assert_eq!(status, expected, "{who}");
            let page = app
                .signed_in(who)
                .await
                .get(app.url("/pilotage"))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), expected, "{who} page");
        }
        let page = app.page(PROGRAMME, &format!("/pilotage?{PERIOD}")).await;
        assert!(page.contains("Entrée → première orientation"));
        assert!(page.contains("<svg class=\"chart\""));
        assert!(
            page.contains("/pilotage/personnes?delai=orientation&#38;cellule=entres"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn bad_filters_answer_in_french_naming_the_field() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        for (query, field) in [
            ("from=2026-13-01", "from"),
            ("from=2026-06-01&to=2026-01-01", "to"),
            ("at=2999-01-01", "at"),
            ("orientation_kind=astrologique", "orientation_kind"),
            ("territory_id=inconnu", "territory_id"),
        ] {
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/statistics/delays?{query}"),
                    &token,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert!(body.to_string().contains(field), "{query}: {body}");
        }
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/statistics/delays/astrologie/people?cell=entres",
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // A period without entrants: empty figures, no division by zero.
        let empty = app
            .get_json(
                &token,
                "/api/v1/statistics/delays?from=1990-01-01&to=1990-12-31",
            )
            .await;
        assert_eq!(empty["reports"][0]["total"]["started"], 0);
        assert_eq!(empty["reports"][0]["total"]["median_days"], Value::Null);
        // The page keeps what was typed and says what is wrong.
        let page = app
            .page(PROGRAMME, "/pilotage?from=2026-06-01&to=2026-01-01")
            .await;
        assert!(page.contains("role=\"alert\""));
        assert!(page.contains("La fin de la période précède son début."));
        assert!(page.contains("value=\"2026-06-01\""));
    }
}

#[tokio::test]
async fn every_stock_figure_counts_its_list_of_people() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let year_ago = (parcours_domain::clock::today() - time::Duration::days(365)).to_string();
        for at in [String::new(), year_ago] {
            let stock = app
                .get_json(&token, &format!("/api/v1/statistics/stock?at={at}"))
                .await;
            let f = &stock["figures"];
            let n = |key: &str| f[key].as_i64().unwrap();
            let mut cells = vec![
                ("droits_et_devoirs".to_owned(), n("in_duties")),
                ("orientes".to_owned(), n("oriented")),
                ("non_orientes".to_owned(), n("not_oriented")),
                ("contrat_en_cours".to_owned(), n("contract_in_force")),
                ("sans_referent".to_owned(), n("without_referent")),
                ("retard".to_owned(), n("late")),
            ];
            for pair in f["oriented_by_kind"].as_array().unwrap() {
                cells.push((
                    format!("orientes:{}", pair[0].as_str().unwrap()),
                    pair[1].as_i64().unwrap(),
                ));
            }
            for pair in f["late_by_clock"].as_array().unwrap() {
                cells.push((
                    format!("retard:{}", pair[0].as_str().unwrap()),
                    pair[1].as_i64().unwrap(),
                ));
            }
            assert_eq!(n("oriented") + n("not_oriented"), n("in_duties"), "{stock}");
            for (cell, figure) in cells {
                let list = app
                    .get_json(
                        &token,
                        &format!("/api/v1/statistics/stock/people?cell={cell}&at={at}"),
                    )
                    .await;
                assert_eq!(
                    list.as_array().unwrap().len() as i64,
                    figure,
                    "{cell} at {at:?}"
                );
            }
        }
        assert!(
            app.get_json(&token, "/api/v1/statistics/stock").await["figures"]["in_duties"]
                .as_i64()
                .unwrap()
                > 0
        );
        let (status, body) = app
            .call(
                Method::GET,
                "/api/v1/statistics/stock/people?cell=astres",
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let page = app.page(PROGRAMME, "/pilotage").await;
        assert!(page.contains("/pilotage/stock?cellule=droits_et_devoirs"));
        // The list downloads as shown: a header, then one line per person.
        let csv = app
            .signed_in(PROGRAMME)
            .await
            .get(app.url("/pilotage/stock?cellule=droits_et_devoirs&format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let in_duties = app.get_json(&token, "/api/v1/statistics/stock").await["figures"]
            ["in_duties"]
            .as_i64()
            .unwrap();
        assert_eq!(csv.lines().count() as i64, in_duties + 1);
    }
}

#[tokio::test]
async fn every_offer_figure_counts_its_list_of_positionings() {
    for app in apps().await {
        // Fabrice positioned on the bons vivants' workshop, then refused.
        let referent = app.token(REFERENT).await;
        let (fabrice, action) = fabrice_and_workshop(&app, &referent).await;
        let referral = position(&app, &fabrice, &action, &referent).await;
        let (status, refused) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/refuse",
                    referral["id"].as_str().unwrap()
                ),
                &app.token(OPERATOR).await,
                Some(serde_json::json!({"version": referral["version"], "reason": "unreachable"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{refused}");
        // Positioned again, he enters the workshop 12 days after.
        let again = position(&app, &fabrice, &action, &referent).await;
        let (status, entered) = app
            .call(
                Method::POST,
                &format!("/api/v1/referrals/{}/accept", again["id"].as_str().unwrap()),
                &app.token(OPERATOR).await,
                Some(serde_json::json!({"version": again["version"]})),
            )
            .await;
        assert_eq!(entered["status"], "entered", "{status} {entered}");
        positioned_days_before(&app, again["id"].as_str().unwrap(), 12).await;

        let token = app.token(PROGRAMME).await;
        let offer = app
            .get_json(&token, &format!("/api/v1/statistics/offer?{PERIOD}"))
            .await;
        assert!(
            offer["figures"]["by_refusal_reason"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(["unreachable", 1])),
            "{offer}"
        );
        let f = &offer["figures"];
        assert!(f["positionings"].as_i64().unwrap() > 0, "{offer}");
        let mut cells = vec![("tous".to_owned(), f["positionings"].as_i64().unwrap())];
        for (key, prefix) in [
            ("by_status", "statut"),
            ("by_refusal_reason", "refus"),
            ("by_exit_situation", "sortie"),
            ("by_situation_4_weeks", "4semaines"),
        ] {
            for pair in f[key].as_array().unwrap() {
                cells.push((
                    format!("{prefix}:{}", pair[0].as_str().unwrap()),
                    pair[1].as_i64().unwrap(),
                ));
            }
        }
        let statuses: i64 = f["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_i64().unwrap())
            .sum();
        assert_eq!(statuses, f["positionings"].as_i64().unwrap());
        for (cell, figure) in cells {
            let list = app
                .get_json(
                    &token,
                    &format!("/api/v1/statistics/offer/people?cell={cell}&{PERIOD}"),
                )
                .await;
            assert_eq!(list.as_array().unwrap().len() as i64, figure, "{cell}");
        }
        // The waits the store counts together are those of the list's
        // positionings, each taken from its two days.
        let all = app
            .get_json(
                &token,
                &format!("/api/v1/statistics/offer/people?cell=tous&{PERIOD}"),
            )
            .await;
        let day = |v: &serde_json::Value| {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(v.as_str()?, format).ok()
        };
        let mut waits: Vec<i64> = all
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                let entered = day(&p["positioning"]["entered_on"])?;
                Some((entered - day(&p["positioning"]["positioned_on"])?).whole_days())
            })
            .collect();
        waits.sort_unstable();
        assert!(waits.contains(&12), "{all}");
        assert_eq!(f["entries"].as_i64().unwrap(), waits.len() as i64);
        let mean = waits.iter().sum::<i64>() as f64 / waits.len() as f64;
        assert!(
            (f["wait_mean_days"].as_f64().unwrap() - mean).abs() < 1e-9,
            "{f}"
        );
        let n = waits.len();
        let median = (waits[(n - 1) / 2] + waits[n / 2]) as f64 / 2.0;
        assert_eq!(f["wait_median_days"].as_f64().unwrap(), median, "{f}");
        let page = app.page(PROGRAMME, &format!("/pilotage?{PERIOD}")).await;
        assert!(page.contains("/pilotage/offre?cellule=tous"));
    }
}

/// The positioning `referral` made `days` days before its entry.
async fn positioned_days_before(app: &App, referral: &str, days: i64) {
    let referral = uuid::Uuid::parse_str(referral).unwrap();
    let day = parcours_domain::clock::today() - time::Duration::days(days);
    let sql = "UPDATE referrals SET positioned_on = $1 WHERE id = $2";
    let params = vec![day.into(), referral.into()];
    assert_eq!(testing::execute(&app.store, sql, params).await.unwrap(), 1);
}

#[tokio::test]
async fn the_steering_tables_download_as_csv_and_xlsx() {
    for app in apps().await {
        let client = app.signed_in(PROGRAMME).await;
        let token = app.token(PROGRAMME).await;
        let delays = app
            .get_json(&token, &format!("/api/v1/statistics/delays?{PERIOD}"))
            .await;
        let csv = client
            .get(app.url(&format!("/pilotage/export.csv?tableau=4&{PERIOD}")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let bytes = csv.bytes().await.unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a byte-order mark");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("Mois;Délais commencés;Délais terminés;En attente;Moyenne (jours);"),
            "{text}"
        );
        let total = text.lines().last().unwrap();
        let started = delays["reports"][0]["total"]["started"].as_i64().unwrap();
        assert!(
            total.starts_with(&format!("Toute la période;{started};")),
            "{total} vs {started}"
        );
        let occupation = client
            .get(app.url(&format!("/pilotage/export.csv?tableau=2&{PERIOD}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            occupation.contains(";Actions;Places;Participants;Taux d'occupation (%)"),
            "{occupation}"
        );
        let xlsx = client
            .get(app.url(&format!("/pilotage/export.xlsx?{PERIOD}")))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        let bytes = xlsx.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let missing = client
            .get(app.url("/pilotage/export.csv?tableau=9"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let referent = app.signed_in(REFERENT).await;
        let refused = referent
            .get(app.url("/pilotage/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn filters_keep_the_people_they_name_in_every_part() {
    for app in apps().await {
        let token = app.token(PROGRAMME).await;
        let stock = |query: String| {
            let (app, token) = (&app, &token);
            async move {
                app.get_json(token, &format!("/api/v1/statistics/stock?{query}"))
                    .await["figures"]
                    .clone()
            }
        };
        let all = stock(String::new()).await;
        let everyone = all["in_duties"].as_i64().unwrap();
        // By référent: only people they follow, each with a référent.
        let referent = app.user_id(REFERENT).await;
        let followed = stock(format!("referent_id={referent}")).await;
        let n = followed["in_duties"].as_i64().unwrap();
        assert!(n > 0 && n < everyone, "{followed}");
        assert_eq!(followed["without_referent"], 0);
        let list = app
            .get_json(
                &token,
                &format!(
                    "/api/v1/statistics/stock/people?cell=droits_et_devoirs&referent_id={referent}"
                ),
            )
            .await;
        assert_eq!(list.as_array().unwrap().len() as i64, n);
        // By kind of orientation: everyone oriented, of that kind only.
        let social = stock("orientation_kind=social".into()).await;
        assert_eq!(social["not_oriented"], 0, "{social}");
        for pair in social["oriented_by_kind"].as_array().unwrap() {
            if pair[0] != "social" {
                assert_eq!(pair[1], 0, "{social}");
            }
        }
        // By organisation: everyone oriented there.
        let organisations = app.get_json(&token, "/api/v1/organisations").await;
        let mut seen = 0;
        for organisation in organisations.as_array().unwrap() {
            let id = organisation["id"].as_str().unwrap();
            let there = stock(format!("organisation_id={id}")).await;
            assert_eq!(there["not_oriented"], 0, "{there}");
            seen += there["in_duties"].as_i64().unwrap();
        }
        assert_eq!(
            seen,
            all["oriented"].as_i64().unwrap(),
            "each oriented person is with one organisation"
        );
        // The delays and the offer take the same filters.
        let delays = app
            .get_json(
                &token,
                &format!("/api/v1/statistics/delays?{PERIOD}&referent_id={referent}"),
            )
            .await;
        let started = delays["reports"][0]["total"]["started"].as_i64().unwrap();
        let list = app
            .get_json(
                &token,
                &format!("/api/v1/statistics/delays/orientation/people?cell=entres&{PERIOD}&referent_id={referent}"),
            )
            .await;
        assert_eq!(list.as_array().unwrap().len() as i64, started);
        let (status, body) = app
            .call(
                Method::GET,
                "/api/v1/statistics/offer?referent_id=personne",
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("referent_id"));
        // The page offers them.
        let page = app.page(PROGRAMME, "/pilotage").await;
        assert!(page.contains("id=\"organisation_id\""));
        assert!(page.contains("id=\"referent_id\""));
    }
}

/// Issue 20, item 1: the occupation of the actions by family and by
/// structure; each row's participants are its list, within the reader's
/// scope; the orientations by organisation category are lists too.
#[tokio::test]
async fn every_occupation_figure_counts_its_list_of_participants() {
    for app in apps().await {
        // Fabrice enters the bons vivants' workshop today.
        let referent = app.token(REFERENT).await;
        let (fabrice, workshop) = common::fabrice_and_workshop(&app, &referent).await;
        let (status, referral) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/referrals"),
                &referent,
                Some(serde_json::json!({"action_id": workshop, "override_reason": "Projet travaillé avec la structure"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{referral}");
        let (status, entered) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/accept",
                    referral["id"].as_str().unwrap()
                ),
                &app.token(OPERATOR).await,
                Some(serde_json::json!({"version": referral["version"]})),
            )
            .await;
        assert_eq!(
            (status, entered["status"].as_str()),
            (StatusCode::OK, Some("entered")),
            "{entered}"
        );
        let mut seen = 0;
        for who in [PROGRAMME, MANAGER] {
            let token = app.token(who).await;
            let occupation = app.get_json(&token, "/api/v1/statistics/occupation").await;
            let figures = &occupation["figures"];
            for part in ["by_family", "by_structure"] {
                let rows = figures[part].as_array().unwrap();
                assert!(!rows.is_empty(), "{who} {part}: {occupation}");
                for row in rows {
                    let cell = row["cell"].as_str().unwrap();
                    let list = app
                        .get_json(
                            &token,
                            &format!(
                                "/api/v1/statistics/occupation/people?cell={}",
                                cell.replace(':', "%3A")
                            ),
                        )
                        .await;
                    let n = row["participants"].as_i64().unwrap();
                    assert_eq!(list.as_array().unwrap().len() as i64, n, "{who} {cell}");
                    seen += n;
                }
            }
        }
        assert!(seen > 0, "the demo has people inside actions");
        let token = app.token(PROGRAMME).await;
        // The stock by DREES category: each figure, its list.
        let stock = app.get_json(&token, "/api/v1/statistics/stock").await;
        let by_category = stock["figures"]["oriented_by_category"].as_array().unwrap();
        let oriented: i64 = by_category.iter().map(|p| p[1].as_i64().unwrap()).sum();
        assert_eq!(oriented, stock["figures"]["oriented"].as_i64().unwrap());
        for pair in by_category {
            let list = app
                .get_json(
                    &token,
                    &format!(
                        "/api/v1/statistics/stock/people?cell=orientes_vers%3A{}",
                        pair[0].as_str().unwrap()
                    ),
                )
                .await;
            assert_eq!(
                list.as_array().unwrap().len() as i64,
                pair[1].as_i64().unwrap()
            );
        }
        // A figure that does not exist: French, on its field.
        let (status, body) = app
            .call(
                Method::GET,
                "/api/v1/statistics/occupation/people?cell=famille%3Ainconnue",
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("cellule"), "{body}");
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/statistics/occupation",
                &app.token(REFERENT).await,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The page: both tables, each participants figure a link.
        let page = app.page(PROGRAMME, "/pilotage").await;
        assert!(page.contains("Occupation des actions au"), "{page}");
        assert!(
            page.contains("/pilotage/occupation?cellule=structure"),
            "{page}"
        );
        assert!(page.contains("Orientés vers : "), "{page}");
        let link = page
            .split("/pilotage/occupation?cellule=")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .replace("&#38;", "&");
        let list = app
            .page(PROGRAMME, &format!("/pilotage/occupation?cellule={link}"))
            .await;
        assert!(list.contains("Participants des actions : "), "{list}");
    }
}
