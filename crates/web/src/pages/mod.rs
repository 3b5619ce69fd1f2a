//! The web application's pages, one module per capability.

pub(crate) mod attendance;
pub(crate) mod audit;
pub(crate) mod catalogue;
pub(crate) mod contracts;
pub(crate) mod diagnostic;
pub(crate) mod fse;
mod home;
pub(crate) mod imports;
pub(crate) mod pathway;
pub(crate) mod persons;
pub(crate) mod public_catalogue;
pub(crate) mod referrals;
pub(crate) mod self_referral;
pub(crate) mod structure_dashboard;
pub(crate) mod users;
pub(crate) mod waiting_lists;

use crate::auth;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/personnes", get(persons::search).post(persons::create))
        .route("/personnes/nouvelle", get(persons::new_form))
        .route("/personnes/{id}", get(persons::show))
        .route(
            "/personnes/{id}/modifier",
            get(persons::edit_form).post(persons::update),
        )
        .route("/personnes/{id}/historique", get(persons::history))
        .route("/personnes/{id}/foyer", post(persons::update_household))
        .route(
            "/personnes/{id}/diagnostic",
            get(diagnostic::show).post(diagnostic::submit),
        )
        .route(
            "/personnes/{id}/diagnostic/comparer",
            get(diagnostic::compare),
        )
        .route("/personnes/{id}/contrats", post(contracts::create_form))
        .route("/personnes/{id}/contrats/nouveau", get(contracts::new_form))
        .route("/contrats", get(contracts::queue))
        .route("/contrats/{id}", get(contracts::show))
        .route(
            "/contrats/{id}/modifier",
            get(contracts::edit_form).post(contracts::edit_submit),
        )
        .route("/contrats/{id}/evenement", post(contracts::event))
        .route("/contrats/{id}/bilan", post(contracts::review))
        .route("/contrats/{id}/pdf", get(contracts::pdf))
        .route("/personnes/{id}/cloture", post(persons::close))
        .route(
            "/personnes/{id}/fusion",
            get(persons::merge_form).post(persons::merge_submit),
        )
        .route("/personnes/{id}/orientations", post(pathway::decide_form))
        .route("/personnes/{id}/referent", post(pathway::designate_form))
        .route("/personnes/{id}/reexamen", post(pathway::review_form))
        .route(
            "/orientations",
            get(pathway::queue).post(pathway::validate_form),
        )
        .route("/orientations/{id}/refus", post(pathway::reject_form))
        .route("/portefeuille", get(pathway::caseload))
        .route("/echeances", get(pathway::deadlines))
        .route(
            "/admin/delais",
            get(pathway::settings).post(pathway::save_settings),
        )
        .route("/admin/comptes", get(users::list).post(users::create))
        .route("/admin/comptes/nouveau", get(users::new_form))
        .route("/admin/comptes/{id}", get(users::edit).post(users::update))
        .route("/admin/comptes/{id}/jetons", post(users::create_token))
        .route("/admin/jetons/{id}/revoquer", post(users::revoke_token))
        .route("/dpo/journal", get(audit::list))
        .route("/catalogue", get(public_catalogue::search))
        .route("/catalogue/{id}", get(public_catalogue::show))
        .route(
            "/structures",
            get(catalogue::structures).post(catalogue::create_structure_form),
        )
        .route("/structures/nouvelle", get(catalogue::new_structure))
        .route("/structures/{id}", get(catalogue::show_structure))
        .route(
            "/structures/{id}/modifier",
            get(catalogue::edit_structure).post(catalogue::update_structure_form),
        )
        .route(
            "/actions",
            get(catalogue::actions).post(catalogue::create_action_form),
        )
        .route("/actions/nouvelle", get(catalogue::new_action))
        .route("/actions/{id}", get(catalogue::show_action))
        .route(
            "/actions/{id}/modifier",
            get(catalogue::edit_action).post(catalogue::update_action_form),
        )
        .route(
            "/actions/{id}/pratique",
            get(catalogue::edit_practical).post(catalogue::update_practical_form),
        )
        .route("/actions/{id}/statut", post(catalogue::status_form))
        .route("/actions/{id}/financements", post(catalogue::funding_form))
        .route("/actions/{id}/seances", post(catalogue::session_form))
        .route(
            "/financements/{id}/suppression",
            post(catalogue::delete_funding_form),
        )
        .route(
            "/seances/{id}/annulation",
            post(catalogue::cancel_session_form),
        )
        .route(
            "/familles",
            get(catalogue::families).post(catalogue::save_family_form),
        )
        .route("/programme", get(catalogue::programme))
        .route("/personnes/{id}/positionner", get(referrals::choose))
        .route(
            "/personnes/{id}/positionnements",
            post(referrals::prescribe_form),
        )
        .route("/positionnements", get(referrals::inbox))
        .route(
            "/positionnements/demarche-directe",
            get(self_referral::request_form).post(self_referral::request),
        )
        .route("/demarches-directes", get(self_referral::queue))
        .route("/listes-attente", get(waiting_lists::page))
        .route(
            "/listes-attente/{id}/priorite",
            post(waiting_lists::priority_form),
        )
        .route(
            "/demarches-directes/{id}/validation",
            post(self_referral::validate_form),
        )
        .route(
            "/demarches-directes/{id}/refus",
            post(self_referral::reject_form),
        )
        .route(
            "/positionnements/{id}/acceptation",
            post(referrals::accept_form),
        )
        .route("/positionnements/{id}/refus", post(referrals::refuse_form))
        .route(
            "/positionnements/{id}/proposition",
            post(referrals::offer_form),
        )
        .route("/positionnements/{id}/sortie", post(referrals::exit_form))
        .route("/positionnements/{id}/fse", get(fse::form).post(fse::save))
        .route(
            "/positionnements/{id}/situation",
            post(referrals::situation_form),
        )
        .route(
            "/seances/{id}/presences",
            get(attendance::sheet).post(attendance::save),
        )
        .route(
            "/positionnements/{id}/rendez-vous",
            get(attendance::appointments).post(attendance::appointment_form),
        )
        .route(
            "/rendez-vous/{id}/annulation",
            post(attendance::cancel_appointment_form),
        )
        .route("/imports", get(imports::list))
        .route(
            "/imports/correspondances",
            get(imports::mappings).post(imports::save_mapping_form),
        )
        .route("/imports/suivi/{id}", get(imports::progress))
        .route("/imports/{id}", get(imports::show))
        .route("/tableau-de-bord", get(structure_dashboard::mine))
        .route(
            "/structures/{id}/tableau-de-bord",
            get(structure_dashboard::show),
        )
}
