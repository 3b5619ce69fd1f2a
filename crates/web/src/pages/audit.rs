//! The DPO's view of the audit trail, with filters. Reading it is itself audited.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::Query;
use crate::layout::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parcours_app::audit::{self, Channel, Journal, JournalQuery};
use parcours_domain::audit::AuditAction;
use parcours_domain::Invalid;
use parcours_store::AuditEvent;
use serde::Deserialize;
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

impl AuditQuery {
    fn journal_query(&self) -> JournalQuery {
        JournalQuery {
            actor: self.acteur.clone(),
            action: self.action.clone(),
            entity_type: self.entite.clone(),
            entity_id: self.identifiant.clone(),
            from: self.du.clone(),
            to: self.au.clone(),
            page: self.page,
        }
    }
}

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub entity: String,
    pub detail: String,
    /// The person an event is about: the DPO may export their data from here.
    pub person: Option<String>,
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
        person: event
            .entity_id
            .clone()
            .filter(|_| event.entity_type == parcours_domain::audit::entity::PERSON),
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
    let wanted = query.journal_query();
    let outcome = audit::journal(&state, &me, &wanted, PAGE_SIZE, Channel::Screen).await;
    let (journal, errors) = match outcome {
        Ok(journal) => (journal, Invalid::new()),
        Err(Failure::Invalid(errors)) => (
            Journal {
                events: Vec::new(),
                has_more: false,
            },
            errors,
        ),
        Err(other) => return Err(other.into()),
    };
    let layout = Layout::new(&session, &me, "Journal des accès", "/dpo/journal").await?;
    let page = wanted.page();
    let page_view = AuditPage {
        previous: (page > 1).then(|| page_link(&query, page - 1)),
        next: journal.has_more.then(|| page_link(&query, page + 1)),
        layout,
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.code(), a.label()))
            .collect(),
        query,
        errors,
        rows: journal.events.iter().map(row).collect(),
        page,
    };
    Ok(Html(page_view.render()?))
}
