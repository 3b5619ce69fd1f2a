//! Home page: what this role does here, and what comes next.

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::layout::Layout;
use askama::Template;
use axum::response::Html;
use parcours_domain::Role;
use tower_sessions::Session;

pub struct Card {
    pub title: &'static str,
    pub text: &'static str,
    pub link: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    intro: &'static str,
    cards: Vec<Card>,
}

pub async fn show(session: Session, user: CurrentUser) -> Result<Html<String>, PageError> {
    let layout = Layout::new(&session, &user, "Accueil", "/").await?;
    let (intro, cards) = cards_for(user.role);
    Ok(Html(
        HomePage {
            layout,
            intro,
            cards,
        }
        .render()?,
    ))
}

fn card(
    title: &'static str,
    text: &'static str,
    link: Option<(&'static str, &'static str)>,
) -> Card {
    Card { title, text, link }
}

/// Each role's home: the work it does, with honest empty states.
fn cards_for(role: Role) -> (&'static str, Vec<Card>) {
    match role {
        Role::Referent => (
            "Votre espace de référent unique : les personnes que vous accompagnez et leurs échéances.",
            vec![
                card("Mon portefeuille", "Aucune personne ne vous est encore désignée. Les personnes dont vous serez le référent unique apparaîtront ici avec leur prochaine échéance.", None),
                card("Échéances", "Aucune échéance en retard ni proche. Les délais d'orientation, de contrat et de bilan s'afficheront ici.", None),
            ],
        ),
        Role::Manager => (
            "Votre espace de cadre : les validations de votre équipe et les délais à surveiller.",
            vec![
                card("Orientations à valider", "Aucune orientation en attente de validation.", None),
                card("Contrats à valider", "Aucun contrat en attente de validation.", None),
                card("Retards de l'équipe", "Aucun retard signalé pour votre organisation et votre territoire.", None),
            ],
        ),
        Role::ProgrammeOfficer => (
            "Votre espace de chargé de mission insertion : le programme départemental d'insertion.",
            vec![
                card("Catalogue des actions", "Aucune action d'insertion publiée pour l'instant. Les structures partenaires et leurs actions apparaîtront ici.", None),
                card("Tableaux de bord", "Les indicateurs d'orientation, de contractualisation et d'occupation des actions s'afficheront ici dès les premiers parcours.", None),
            ],
        ),
        Role::Operator => (
            "Votre espace de structure partenaire : les personnes positionnées sur vos actions.",
            vec![
                card("Positionnements reçus", "Aucun positionnement reçu. Les prescriptions des référents arriveront ici pour acceptation ou refus.", None),
                card("Séances et présences", "Aucune séance à venir.", None),
            ],
        ),
        Role::Dpo => (
            "Votre espace de délégué à la protection des données : traçabilité des accès et droits des personnes.",
            vec![card(
                "Journal des accès",
                "Chaque consultation d'un dossier et chaque modification sont tracées : qui, quand, quoi.",
                Some(("/dpo/journal", "Consulter le journal")),
            )],
        ),
        Role::Admin => (
            "Votre espace d'administration : comptes, rôles et organisations.",
            vec![card(
                "Comptes",
                "Créez les comptes des professionnels, changez leur rôle, désactivez ceux qui partent, et délivrez les jetons d'accès à l'API.",
                Some(("/admin/comptes", "Gérer les comptes")),
            )],
        ),
    }
}
