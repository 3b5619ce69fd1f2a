//! What every page shares: title, navigation by role, CSRF token, flash
//! message, and the refusal of the last small form sent.

use crate::auth::CurrentUser;
use crate::csrf;
use crate::error::Failure;
use crate::form::Pairs;
use parcours_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};
use std::fmt::Display;
use tower_sessions::Session;

const FLASH_KEY: &str = "flash";
const REFUSAL_KEY: &str = "refusal";

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub organisation: String,
    /// Notifications not read yet.
    pub unread: i64,
}

pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub nav: Vec<NavLink>,
    pub csrf: String,
    pub flash: Option<String>,
    pub refusal: Option<Refusal>,
}

/// A small form sent from a page that holds several (a row of a list, a
/// panel): `form` names it, and is the suffix of its fields' ids
/// (`refusal_reason-<id>`), empty when the page has one such form.
pub struct Sent {
    pub form: String,
    pub pairs: Pairs,
}

impl Sent {
    pub fn new(form: impl Display, pairs: Pairs) -> Sent {
        Sent {
            form: form.to_string(),
            pairs,
        }
    }
}

/// A small form the product refused, kept in the session for the page it
/// returns to: that page shows the errors as a summary linked to the
/// fields, reopens the form and refills it with what was typed and ticked.
/// One way for every refused small form; a big form is shown again at once.
#[derive(Serialize, Deserialize)]
pub struct Refusal {
    form: String,
    /// (field, message); an empty field is about the whole form.
    errors: Vec<(String, String)>,
    typed: Pairs,
}

impl Refusal {
    /// The errors as the summary shows them, each linked to its field's id.
    pub fn summary(&self) -> Invalid {
        let errors = self
            .errors
            .iter()
            .map(|(field, message)| FieldError {
                field: match (field.is_empty(), self.form.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => field.clone(),
                    (false, false) => format!("{field}-{}", self.form),
                },
                message: message.clone(),
            })
            .collect();
        Invalid { errors }
    }

    fn about(&self, form: impl Display) -> bool {
        self.form == form.to_string()
    }
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
    ("/agenda", "Agenda", Permission::PlanMeetings),
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
    ("/admin/connexion", "Connexion", Permission::ManageSettings),
    (
        "/admin/demandes-acces",
        "Demandes d'accès",
        Permission::DecideJoinRequests,
    ),
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
                unread: user.user.unread_notifications,
            }),
            nav,
            csrf: csrf::token(session).await?,
            flash: take_flash(session).await?,
            refusal: take(session, REFUSAL_KEY).await?,
        })
    }

    /// Whether `form` is the refused one: its panel opens again.
    pub fn reopens(&self, form: impl Display) -> bool {
        self.refusal.as_ref().is_some_and(|r| r.about(form))
    }

    /// The value of field `name` of `form`: as typed when it was refused,
    /// else `saved`.
    pub fn typed(&self, form: impl Display, name: &str, saved: impl Display) -> String {
        match &self.refusal {
            Some(refusal) if refusal.about(&form) => crate::form::value(&refusal.typed, name),
            _ => saved.to_string(),
        }
    }

    /// Whether `value` is chosen for `name` of `form` (an option, a
    /// checkbox, a radio button): as sent when it was refused, else `saved`.
    pub fn chosen(&self, form: impl Display, name: &str, value: impl Display, saved: bool) -> bool {
        match &self.refusal {
            Some(refusal) if refusal.about(&form) => {
                let value = value.to_string();
                refusal.typed.iter().any(|(k, v)| k == name && *v == value)
            }
            _ => saved,
        }
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
            refusal: None,
        }
    }

    pub async fn anonymous(session: &Session, title: &str) -> Result<Layout, Failure> {
        Ok(Layout {
            title: title.to_owned(),
            user: None,
            nav: Vec::new(),
            csrf: csrf::token(session).await?,
            flash: take_flash(session).await?,
            refusal: None,
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
    take(session, FLASH_KEY).await
}

/// What the session keeps for the next page only.
async fn take<T: serde::de::DeserializeOwned + Serialize>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, Failure> {
    // Read before removing: a removal marks the session changed, and a
    // changed session is written back, which no plain page view should cost.
    // A value that no longer reads (kept by an older version) is dropped.
    let value: Option<serde_json::Value> = session.get(key).await.map_err(csrf::session_failure)?;
    let Some(value) = value else { return Ok(None) };
    session
        .remove_value(key)
        .await
        .map_err(csrf::session_failure)?;
    Ok(serde_json::from_value(value).ok())
}

/// After a small form: back to `to`. Done, the outcome shows as a message;
/// refused (invalid input, someone else's change in between), nothing was
/// saved and the page shows the errors, reopens `sent` and refills it
/// ([`Refusal`]). Anything else is an error page.
pub async fn flash_outcome(
    session: &Session,
    result: Result<String, Failure>,
    sent: Sent,
    to: &str,
) -> Result<axum::response::Response, crate::error::PageError> {
    let errors = match result {
        Ok(message) => {
            flash(session, message).await?;
            return Ok(axum::response::IntoResponse::into_response(
                axum::response::Redirect::to(to),
            ));
        }
        Err(Failure::Invalid(invalid)) => invalid
            .errors
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect(),
        Err(Failure::Stale) => vec![(
            String::new(),
            "Quelqu'un l'a modifié entre-temps : rien n'a été enregistré. Vérifiez la ligne à jour et envoyez de nouveau.".to_owned(),
        )],
        Err(other) => return Err(other.into()),
    };
    let refusal = Refusal {
        form: sent.form,
        errors,
        typed: sent.pairs,
    };
    session
        .insert(REFUSAL_KEY, refusal)
        .await
        .map_err(csrf::session_failure)?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(to),
    ))
}
