//! The DPO's view of the audit trail, with filters. Reading it is itself audited.

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::Query;
use crate::layout::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parcours_domain::audit::AuditAction;
use parcours_domain::{Invalid, Permission};
use parcours_store::{AuditEvent, AuditFilter};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, Time};
use tower_sessions::Session;

use crate::view::fr_instant_seconds;
use crate::AppState;

pub const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub acteur: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entite: String,
    #[serde(default)]
    pub identifiant: String,
    #[serde(default)]
    pub du: String,
    #[serde(default)]
    pub au: String,
    #[serde(default)]
    pub page: Option<i64>,
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn parse_day(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = Date::parse(raw, format_description!("[year]-[month]-[day]"));
    if parsed.is_err() {
        invalid.add(
            field,
            format!("La date « {label} » doit être au format AAAA-MM-JJ."),
        );
    }
    parsed.ok()
}

/// Turns the screen's (or the API's) filters into a store filter.
pub fn to_filter(query: &AuditQuery, limit: i64) -> Result<AuditFilter, Invalid> {
    let mut invalid = Invalid::new();
    let action = non_empty(&query.action).and_then(|code| {
        let action = AuditAction::from_code(&code);
        if action.is_none() {
            invalid.add("action", "Choisissez une action dans la liste.");
        }
        action
    });
    let from = parse_day(&mut invalid, "du", "du", &query.du);
    let to = parse_day(&mut invalid, "au", "au", &query.au);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            invalid.add(
                "au",
                "La date de fin doit être postérieure ou égale à la date de début.",
            );
        }
    }
    let page = query.page.unwrap_or(1).max(1);
    invalid.into_result(AuditFilter {
        actor: non_empty(&query.acteur),
        action,
        entity_type: non_empty(&query.entite),
        entity_id: non_empty(&query.identifiant),
        from: from.map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        // "au" is inclusive: up to the end of that day.
        to: to
            .and_then(|d| d.next_day())
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        limit: limit + 1,
        offset: (page - 1) * limit,
    })
}

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub entity: String,
    pub detail: String,
}

fn row(event: &AuditEvent) -> Row {
    let at = fr_instant_seconds(event.at);
    Row {
        at,
        actor: event.actor_label.clone(),
        action: AuditAction::from_code(&event.action).map_or("Autre", |a| a.label()),
        entity: match &event.entity_id {
            Some(id) => format!("{} {}", event.entity_type, id),
            None => event.entity_type.clone(),
        },
        detail: event.detail.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    query: AuditQuery,
    errors: Invalid,
    actions: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
}

fn page_link(query: &AuditQuery, page: i64) -> String {
    let query = AuditQuery {
        page: Some(page),
        ..query.clone()
    };
    let pairs = [
        ("acteur", query.acteur.as_str()),
        ("action", query.action.as_str()),
        ("entite", query.entite.as_str()),
        ("identifiant", query.identifiant.as_str()),
        ("du", query.du.as_str()),
        ("au", query.au.as_str()),
    ];
    let mut encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    encoded.push_str(&format!("&page={page}"));
    format!("/dpo/journal?{encoded}")
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    me.require(Permission::ReadAuditLog)?;
    let layout = Layout::new(&session, &me, "Journal des accès", "/dpo/journal").await?;
    let page = query.page.unwrap_or(1).max(1);
    let (rows, errors, has_more) = match to_filter(&query, PAGE_SIZE) {
        Ok(filter) => {
            let mut events = state.store.audit_events(&filter).await?;
            let has_more = events.len() as i64 > PAGE_SIZE;
            events.truncate(PAGE_SIZE as usize);
            state
                .store
                .audit(
                    &me.actor(),
                    AuditAction::Read,
                    "audit_log",
                    None,
                    Some(&describe(&query)),
                )
                .await?;
            (events.iter().map(row).collect(), Invalid::new(), has_more)
        }
        Err(errors) => (Vec::new(), errors, false),
    };
    let page_view = AuditPage {
        previous: (page > 1).then(|| page_link(&query, page - 1)),
        next: has_more.then(|| page_link(&query, page + 1)),
        layout,
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.code(), a.label()))
            .collect(),
        query,
        errors,
        rows,
        page,
    };
    Ok(Html(page_view.render()?))
}

fn describe(query: &AuditQuery) -> String {
    format!(
        "filtres : acteur={} action={} entité={} id={} du={} au={}",
        query.acteur, query.action, query.entite, query.identifiant, query.du, query.au
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(du: &str, au: &str) -> AuditQuery {
        AuditQuery {
            du: du.into(),
            au: au.into(),
            ..AuditQuery::default()
        }
    }

    #[test]
    fn the_last_day_is_included() {
        let filter = to_filter(&query("2026-11-01", "2026-11-23"), 50).unwrap();
        assert_eq!(filter.from.unwrap().date().to_string(), "2026-11-01");
        assert_eq!(filter.to.unwrap().date().to_string(), "2026-11-24");
        assert_eq!(
            filter.limit, 51,
            "one more row tells whether a next page exists"
        );
    }

    #[test]
    fn bad_dates_and_actions_name_their_field() {
        let err = to_filter(&query("01/11/2026", ""), 50).unwrap_err();
        assert!(err.message_for("du").is_some());
        let err = to_filter(&query("2026-11-23", "2026-11-01"), 50).unwrap_err();
        assert!(err.message_for("au").is_some());
        let err = to_filter(
            &AuditQuery {
                action: "pirater".into(),
                ..AuditQuery::default()
            },
            50,
        )
        .unwrap_err();
        assert!(err.message_for("action").is_some());
    }

    #[test]
    fn pages_start_at_one() {
        let filter = to_filter(
            &AuditQuery {
                page: Some(-3),
                ..AuditQuery::default()
            },
            50,
        )
        .unwrap();
        assert_eq!(filter.offset, 0);
        let filter = to_filter(
            &AuditQuery {
                page: Some(3),
                ..AuditQuery::default()
            },
            50,
        )
        .unwrap();
        assert_eq!(filter.offset, 100);
    }
}
