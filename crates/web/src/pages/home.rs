//! Home page: what this role does here, with today's figures and what comes next.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError, ShownError};
use crate::layout::Layout;
use crate::view::fr_count;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parcours_app::{account, catalogue, contract, deadline, orientation, referral};
use parcours_domain::Role;
use tower_sessions::Session;

pub struct Card {
    pub title: &'static str,
    pub count: Option<usize>,
    pub text: String,
    pub link: Option<(&'static str, &'static str)>,
}

fn card(
    title: &'static str,
    count: Option<usize>,
    text: impl Into<String>,
    link: Option<(&'static str, &'static str)>,
) -> Card {
    Card {
        title,
        count,
        text: text.into(),
        link,
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    intro: &'static str,
    cards: Vec<Card>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<Html<String>, PageError> {
    let layout = Layout::new(&session, &user, "Accueil", "/").await?;
    let (intro, cards) = cards_for(&state, &user).await?;
    Ok(Html(
        HomePage {
            layout,
            intro,
            cards,
        }
        .render()?,
    ))
}

/// Late and due-soon clocks, counted.
async fn due_counts(
    state: &AppState,
    me: &CurrentUser,
    mine_only: bool,
) -> Result<(usize, usize), Failure> {
    let (late, soon) = deadline::due_counts(state, me, mine_only).await?;
    Ok((late as usize, soon as usize))
}

fn deadline_text(late: usize, soon: usize) -> String {
    match (late, soon) {
        (0, 0) => "Aucune échéance en retard ni proche.".into(),
        _ => format!("{late} en retard, {soon} à traiter dans les prochains jours."),
    }
}

/// Each role's home: the work it does, with honest figures and empty states.
async fn cards_for(
    state: &AppState,
    me: &CurrentUser,
) -> Result<(&'static str, Vec<Card>), Failure> {
    Ok(match me.role() {
        Role::Referent => {
            let caseload = deadline::caseload(state, me, &Default::default(), deadline::Delivery::Shown)
                .await?
                .len();
            let (late, soon) = due_counts(state, me, true).await?;
            let caseload_text = if caseload == 0 {
                "Aucune personne ne vous est encore désignée. Les personnes dont vous serez le référent unique apparaîtront ici avec leur prochaine échéance.".to_owned()
            } else {
                "Personnes dont vous êtes le référent unique, échéance la plus proche d'abord.".to_owned()
            };
            let mut cards = vec![
                card("Mon portefeuille", Some(caseload), caseload_text, Some(("/portefeuille", "Ouvrir mon portefeuille"))),
                card("Échéances en retard", Some(late), deadline_text(late, soon), Some(("/echeances", "Voir les échéances"))),
                card("Rechercher une personne", None, "Par nom, date de naissance, NIR ou numéro allocataire.", Some(("/personnes", "Rechercher"))),
            ];
            // A convocation that did not reach the person is on the to-do list until it is sorted out.
            let undelivered = parcours_app::outbox::undelivered_messages(state, me).await?.len();
            if undelivered > 0 {
                cards.insert(0, card("Convocations non remises", Some(undelivered), "Courriels ou SMS de convocation en échec : vérifiez l'adresse ou le numéro, renvoyez ou imprimez la convocation.", Some(("/agenda#non-remis", "Voir les convocations"))));
            }
            (
                "Votre espace de référent unique : les personnes que vous accompagnez et leurs échéances.",
                cards,
            )
        }
        Role::Manager => {
            let pending = orientation::pending(state, me).await?.len();
            let contracts = contract::to_validate(state, me).await?.len();
            let (late, soon) = due_counts(state, me, false).await?;
            (
                "Votre espace de cadre : les validations de votre équipe et les délais à surveiller.",
                vec![
                    card("Orientations à valider", Some(pending), if pending == 0 { "Aucune orientation en attente de validation." } else { "Décisions de votre équipe en attente, validables en une fois." }, Some(("/orientations", "Valider"))),
                    card("Échéances en retard", Some(late), deadline_text(late, soon), Some(("/echeances", "Voir les échéances"))),
                    card("Contrats à valider", Some(contracts), if contracts == 0 { "Aucun contrat en attente de validation." } else { "Contrats signés par les référents, à valider." }, Some(("/contrats", "Voir les contrats"))),
                ],
            )
        }
        Role::ProgrammeOfficer => {
            let (late, soon) = due_counts(state, me, false).await?;
            (
                "Votre espace de chargé de mission insertion : le programme départemental d'insertion.",
                vec![
                    card("Échéances du département", Some(late), deadline_text(late, soon), Some(("/echeances", "Voir les échéances"))),
                    catalogue_card(state, me).await?,
                    card("Programme", None, "Les actions par famille, leur financement de l'année, leurs places.", Some(("/programme", "Voir le programme"))),
                ],
            )
        }
        Role::Operator => (
            "Votre espace de structure partenaire : vos actions et les personnes positionnées dessus.",
            vec![
                catalogue_card(state, me).await?,
                inbox_card(state, me).await?,
                dashboard_card(state, me).await?,
            ],
        ),
        Role::Dpo => (
            "Votre espace de délégué à la protection des données : traçabilité des accès et droits des personnes.",
            vec![card(
                "Journal des accès",
                None,
                "Chaque consultation d'un dossier et chaque modification sont tracées : qui, quand, quoi.",
                Some(("/dpo/journal", "Consulter le journal")),
            )],
        ),
        Role::Admin => (
            "Votre espace d'administration : comptes, rôles, délais du département.",
            vec![
                card(
                    "Comptes",
                    Some(account::list(state, me).await?.len()),
                    "Créez les comptes des professionnels, changez leur rôle, désactivez ceux qui partent, et délivrez les jetons d'accès à l'API.",
                    Some(("/admin/comptes", "Gérer les comptes")),
                ),
                card("Délais", None, "Les délais d'orientation, de contrat et de réexamen appliqués par le département.", Some(("/admin/delais", "Régler les délais"))),
            ],
        ),
    })
}

/// The actions of the catalogue (or of one structure), published or not.
async fn catalogue_card(state: &AppState, me: &CurrentUser) -> Result<Card, Failure> {
    let (total, published) = catalogue::action_counts(state, me).await?;
    let structure = (me.role() == Role::Operator).then_some(me.user.organisation_id);
    let text = match (total, structure) {
        (0, Some(_)) => {
            "Votre structure n'a pas encore d'action au catalogue : le chargé de mission les crée."
                .to_owned()
        }
        (0, None) => {
            "Aucune action d'insertion pour l'instant : commencez par les structures partenaires."
                .to_owned()
        }
        _ => format!(
            "{} sur {total} : séances, contacts et informations pratiques.",
            fr_count(published, "publiée", "publiées")
        ),
    };
    let title = if structure.is_some() {
        "Mes actions"
    } else {
        "Catalogue des actions"
    };
    Ok(card(
        title,
        Some(total as usize),
        text,
        Some(("/actions", "Voir les actions")),
    ))
}

/// The positionings the opérateur's structure has to answer.
async fn inbox_card(state: &AppState, me: &CurrentUser) -> Result<Card, Failure> {
    let counts = referral::inbox_counts(state, me).await?;
    let (to_answer, waiting) = (counts.to_answer, counts.waiting);
    let text = if to_answer + waiting == 0 {
        "Aucun positionnement reçu. Les prescriptions des référents arrivent ici pour acceptation ou refus.".to_owned()
    } else {
        format!(
            "{to_answer} à accepter ou refuser, {waiting} en liste d'attente ou avec une place proposée."
        )
    };
    Ok(card(
        "Positionnements reçus",
        Some(to_answer),
        text,
        Some(("/positionnements", "Répondre")),
    ))
}

/// The opérateur's structure at a glance: places, participants, waiting list.
async fn dashboard_card(state: &AppState, me: &CurrentUser) -> Result<Card, Failure> {
    let totals = match state
        .store
        .structure_dashboard(me.user.organisation_id, parcours_app::clock::today())
        .await
    {
        Ok(dashboard) => dashboard.totals,
        // An organisation not (yet) in the catalogue has nothing to show.
        Err(parcours_store::StoreError::NotFound) => Default::default(),
        Err(other) => return Err(other.into()),
    };
    let text = if totals.actions == 0 {
        "Les places, les listes d'attente et les séances de vos actions apparaîtront ici."
            .to_owned()
    } else {
        format!(
            "{}, {} sur {}, {} en liste d'attente, et les séances des deux semaines à venir.",
            fr_count(totals.participants, "participant", "participants"),
            fr_count(totals.places_taken, "place occupée", "places occupées"),
            totals.places,
            totals.waiting
        )
    };
    Ok(card(
        "Tableau de bord",
        Some(totals.participants as usize),
        text,
        Some(("/tableau-de-bord", "Ouvrir le tableau de bord")),
    ))
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "error_in_page.html")]
struct ErrorInPage {
    layout: Layout,
    shown: ShownError,
}

/// An element that does not exist, a refusal, input a handler turned down
/// (404, 403, 422…): for whoever is signed in, said again inside the
/// navigation, as an unknown address is; otherwise the plain page stays.
pub async fn keep_navigation(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;
    let session = request.extensions().get::<Session>().cloned();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let (Some(shown), Some(session)) =
        (response.extensions().get::<ShownError>().cloned(), session)
    else {
        return response;
    };
    let Ok(request) = axum::http::Request::builder().uri(uri).body(()) else {
        return response;
    };
    let (mut parts, ()) = request.into_parts();
    parts.extensions.insert(session.clone());
    let Ok(me) = CurrentUser::from_request_parts(&mut parts, &state).await else {
        return response;
    };
    let status = response.status();
    let Ok(layout) = Layout::new(&session, &me, &shown.title, "").await else {
        return response;
    };
    match (ErrorInPage { layout, shown }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => response,
    }
}

/// An address that leads nowhere. Signed in, the page keeps the
/// navigation, so that one click leads back to work; otherwise (and under
/// `/api/`) the plain French 404.
pub async fn not_found(
    session: Session,
    me: Result<CurrentUser, axum::response::Response>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let signed_in = match me {
        Ok(me) if !uri.path().starts_with("/api/") => me,
        _ => return crate::error::not_found(uri).await,
    };
    match Layout::new(&session, &signed_in, "Page introuvable", "").await {
        Ok(layout) => match (NotFoundPage { layout }).render() {
            Ok(html) => (axum::http::StatusCode::NOT_FOUND, Html(html)).into_response(),
            Err(_) => crate::error::not_found(uri).await,
        },
        Err(_) => crate::error::not_found(uri).await,
    }
}
