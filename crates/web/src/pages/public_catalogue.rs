//! The public catalogue: anyone, signed in or not, searches the published
//! actions and reads what each one is, for whom, where, when and how to ask.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Id, Query};
use crate::layout::Layout;
use crate::view::{action_view, choices, places_text, ActionView, Choice, ThemeGroup};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Html;
use parcours_app::catalogue::{self, PublicAction, PublicSearch};
use parcours_domain::catalogue::{ActionFormat, Public};
use parcours_domain::taxonomy;
use parcours_store::catalogue::{Action, ActionSummary, Structure};
use serde::Deserialize;
use tower_sessions::Session;

/// The signed-in user if there is one; public pages never redirect to login.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            CurrentUser::from_request_parts(parts, state).await.ok(),
        ))
    }
}

async fn layout(session: &Session, user: &MaybeUser, title: &str) -> Result<Layout, Failure> {
    match &user.0 {
        Some(me) => Layout::new(session, me, title, "/catalogue").await,
        None => Ok(Layout::public(title)),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub thematique: String,
    #[serde(default)]
    pub commune: String,
    #[serde(default)]
    pub public: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub places: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl SearchQuery {
    fn search(&self) -> PublicSearch {
        PublicSearch {
            text: self.q.clone(),
            thematique: self.thematique.clone(),
            commune: self.commune.clone(),
            public: self.public.clone(),
            format: self.format.clone(),
            with_places: !self.places.is_empty(),
            limit: PAGE_SIZE,
            page: self.page.unwrap_or(1),
        }
    }
}

pub struct ResultCard {
    pub id: uuid::Uuid,
    pub name: String,
    pub structure: String,
    pub commune: String,
    pub format: &'static str,
    pub places: String,
    pub full: bool,
}

fn card(a: ActionSummary) -> ResultCard {
    ResultCard {
        full: a.capacity.is_some_and(|c| a.places_taken >= c),
        places: places_text(a.capacity, a.places_taken),
        format: a.format.label(),
        commune: a.commune_name.unwrap_or_else(|| "À distance".to_owned()),
        id: a.id,
        name: a.name,
        structure: a.structure_name,
    }
}

#[derive(Template)]
#[template(path = "catalogue/public_search.html")]
struct SearchPage {
    layout: Layout,
    query: SearchQuery,
    themes: Vec<ThemeGroup>,
    communes: Vec<Choice>,
    publics: Vec<Choice>,
    formats: Vec<Choice>,
    results: Vec<ResultCard>,
    total: i64,
    page: i64,
    pages: i64,
    /// The query string without the page, for the pagination links.
    base: String,
}

const PAGE_SIZE: i64 = 20;

pub async fn search(
    State(state): State<AppState>,
    session: Session,
    user: MaybeUser,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, PageError> {
    let (rows, total) = catalogue::search_public(&state, &query.search()).await?;
    let communes = catalogue::public_communes(&state).await?;
    let picked = |v: &String| vec![v.clone()];
    let base = serde_urlencoded::to_string([
        ("q", &query.q),
        ("thematique", &query.thematique),
        ("commune", &query.commune),
        ("public", &query.public),
        ("format", &query.format),
        ("places", &query.places),
    ])
    .unwrap_or_default();
    let page = SearchPage {
        layout: layout(&session, &user, "Catalogue des actions d'insertion").await?,
        themes: crate::view::theme_groups(&picked(&query.thematique)),
        communes: choices(
            communes.iter().map(|(c, n)| (c.as_str(), n.as_str())),
            &picked(&query.commune),
        ),
        publics: choices(
            Public::ALL.iter().map(|p| (p.code(), p.label())),
            &picked(&query.public),
        ),
        formats: choices(
            ActionFormat::ALL.iter().map(|f| (f.code(), f.label())),
            &picked(&query.format),
        ),
        results: rows.into_iter().map(card).collect(),
        total,
        page: query.page.unwrap_or(1).max(1),
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        base,
        query,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

#[derive(Template)]
#[template(path = "catalogue/public_action.html")]
struct ActionPage {
    layout: Layout,
    action: Action,
    view: ActionView,
    structure: Structure,
    categories: Vec<&'static str>,
}

/// A published, current action; anything else does not exist for the public.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    user: MaybeUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let PublicAction { sheet, structure } = catalogue::public_action(&state, id).await?;
    let mut categories: Vec<&'static str> = sheet
        .action
        .thematiques
        .iter()
        .filter_map(|t| taxonomy::category_of(t))
        .map(|c| c.label)
        .collect();
    categories.dedup();
    let page = ActionPage {
        layout: layout(&session, &user, &sheet.action.name).await?,
        view: action_view(&sheet),
        structure,
        categories,
        action: sheet.action,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}
