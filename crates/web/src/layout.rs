//! What every page shares: title, navigation by role, CSRF token, flash message.

use crate::auth::CurrentUser;
use crate::csrf;
use crate::error::Failure;
use parcours_domain::Permission;
use tower_sessions::Session;

const FLASH_KEY: &str = "flash";

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub organisation: String,
}

pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub nav: Vec<NavLink>,
    pub csrf: String,
    pub flash: Option<String>,
}

/// A page's title about one person: « Diagnostic — Dominique DURAND »
/// (the browser's tab and the screen reader name the person).
pub fn about(what: &str, first_names: &str, last_name: &str) -> String {
    format!("{what} — {first_names} {last_name}")
}

/// Whether the page at `path` belongs to the navigation entry `href`: the
/// longest entry that starts its path (`/programme/fse` is not `/programme`).
fn is_current(href: &str, path: &str) -> bool {
    let within = |entry: &str| entry == path || (entry != "/" && path.starts_with(entry));
    within(href)
        && !NAVIGATION
            .iter()
            .any(|(other, _, _)| other.len() > href.len() && within(other))
}

/// The navigation: each entry shows only to roles with its permission.
const NAVIGATION: &[(&str, &str, Permission)] = &[
    ("/", "Accueil", Permission::ViewOwnAccount),
    (
        "/portefeuille",
        "Mon portefeuille",
        Permission::ViewCaseload,
    ),
    ("/personnes", "Personnes", Permission::ViewPersons),
    (
        "/orientations",
        "Orientations à valider",
        Permission::ValidateOrientation,
    ),
    (
        "/contrats",
        "Contrats à valider",
        Permission::ValidateContract,
    ),
    ("/echeances", "Échéances", Permission::ViewDeadlines),
    ("/catalogue", "Catalogue", Permission::ViewOwnAccount),
    ("/actions", "Actions", Permission::EditActionPractical),
    (
        "/positionnements",
        "Positionnements reçus",
        Permission::AnswerReferrals,
    ),
    (
        "/tableau-de-bord",
        "Tableau de bord",
        Permission::ViewStructureDashboard,
    ),
    (
        "/demarches-directes",
        "Démarches directes",
        Permission::ValidateSelfReferral,
    ),
    (
        "/listes-attente",
        "Listes d'attente",
        Permission::RankWaitingLists,
    ),
    ("/programme", "Programme", Permission::ManageCatalogue),
    ("/programme/fse", "FSE+", Permission::ReportFse),
    ("/pilotage", "Pilotage", Permission::ViewSteering),
    ("/imports", "Imports", Permission::ImportData),
    ("/admin/delais", "Délais", Permission::ManageSettings),
    ("/admin/comptes", "Comptes", Permission::ManageUsers),
    (
        "/dpo/journal",
        "Journal des accès",
        Permission::ReadAuditLog,
    ),
    (
        "/dpo/conservation",
        "Conservation des données",
        Permission::ViewRetention,
    ),
];

impl Layout {
    pub async fn new(
        session: &Session,
        user: &CurrentUser,
        title: &str,
        path: &str,
    ) -> Result<Layout, Failure> {
        let nav = NAVIGATION
            .iter()
            .filter(|(_, _, permission)| user.role().can(*permission))
            .map(|(href, label, _)| NavLink {
                href,
                label,
                current: is_current(href, path),
            })
            .collect();
        Ok(Layout {
            title: title.to_owned(),
            user: Some(NavUser {
                display_name: user.user.display_name.clone(),
                role_label: user.role().label(),
                organisation: user.user.organisation_name.clone(),
            }),
            nav,
            csrf: csrf::token(session).await?,
            flash: take_flash(session).await?,
        })
    }

    /// A public page for a visitor who is not signed in: no form to protect,
    /// so no session is created (a search engine's crawl writes nothing).
    pub fn public(title: &str) -> Layout {
        Layout {
            title: title.to_owned(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            flash: None,
        }
    }

    pub async fn anonymous(session: &Session, title: &str) -> Result<Layout, Failure> {
        Ok(Layout {
            title: title.to_owned(),
            user: None,
            nav: Vec::new(),
            csrf: csrf::token(session).await?,
            flash: take_flash(session).await?,
        })
    }
}

/// A message shown once, on the next page (after a redirect).
pub async fn flash(session: &Session, message: impl Into<String>) -> Result<(), Failure> {
    session
        .insert(FLASH_KEY, message.into())
        .await
        .map_err(csrf::session_failure)
}

async fn take_flash(session: &Session) -> Result<Option<String>, Failure> {
    // Read before removing: a removal marks the session changed, and a
    // changed session is written back, which no plain page view should cost.
    let flash: Option<String> = session
        .get(FLASH_KEY)
        .await
        .map_err(csrf::session_failure)?;
    if flash.is_some() {
        session
            .remove::<String>(FLASH_KEY)
            .await
            .map_err(csrf::session_failure)?;
    }
    Ok(flash)
}

/// After a small form: back to `to` with the outcome as a message. Invalid
/// input and a stale version become messages too (nothing was saved);
/// anything else is an error page.
pub async fn flash_outcome(
    session: &Session,
    result: Result<String, Failure>,
    to: &str,
) -> Result<axum::response::Response, crate::error::PageError> {
    let message = match result {
        Ok(message) => message,
        Err(Failure::Invalid(errors)) => {
            let text: Vec<String> = errors.errors.iter().map(|e| e.message.clone()).collect();
            format!("Rien n'a été enregistré : {}", text.join(" "))
        }
        Err(Failure::Stale) => {
            "Quelqu'un l'a modifié entre-temps : rien n'a été enregistré, rechargez la page."
                .to_owned()
        }
        Err(other) => return Err(other.into()),
    };
    flash(session, message).await?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(to),
    ))
}
