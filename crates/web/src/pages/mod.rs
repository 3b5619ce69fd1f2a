//! The web application's pages, one module per capability.

pub(crate) mod account;
pub(crate) mod attendance;
pub(crate) mod audit;
pub(crate) mod catalogue;
pub(crate) mod contract;
pub(crate) mod deadline;
pub(crate) mod diagnostic;
pub(crate) mod fse;
pub(crate) mod fse_report;
pub(crate) mod home;
pub(crate) mod import;
pub(crate) mod meeting;
pub(crate) mod notification;
pub(crate) mod oarsa;
pub(crate) mod oidc;
pub(crate) mod orientation;
pub(crate) mod person;
pub(crate) mod public_catalogue;
pub(crate) mod referral;
pub(crate) mod retention;
pub(crate) mod self_referral;
pub(crate) mod steering;
pub(crate) mod structure_dashboard;
pub(crate) mod subject_access;
pub(crate) mod waiting_list;

use crate::auth;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/personnes", get(person::search).post(person::create))
        .route("/personnes/nouvelle", get(person::new_form))
        .route("/personnes/{id}", get(person::show))
        .route(
            "/personnes/{id}/modifier",
            get(person::edit_form).post(person::update),
        )
        .route("/personnes/{id}/historique", get(person::history))
        .route("/personnes/{id}/export.pdf", get(subject_access::pdf))
        .route("/personnes/{id}/foyer", post(person::update_household))
        .route("/personnes/{id}/journal", post(person::add_log_entry))
        .route("/personnes/{id}/rendez-vous", post(meeting::plan_meeting))
        .route(
            "/personnes/{id}/messages/renvoi",
            post(meeting::resend_message),
        )
        .route(
            "/rendez-vous/convocations",
            get(meeting::batch).post(meeting::plan_meetings),
        )
        .route("/rendez-vous/convocations.pdf", get(meeting::batch_letters))
        .route(
            "/personnes/{id}/rendez-vous/suite",
            post(meeting::record_meeting_outcome),
        )
        .route(
            "/rendez-vous/{id}/convocation.pdf",
            get(meeting::convocation_letter),
        )
        .route("/agenda", get(meeting::agenda))
        .route("/notifications", get(notification::list))
        .route("/notifications/lues", post(notification::mark_read))
        .route(
            "/notifications/courriel",
            post(notification::set_email_choices),
        )
        .route(
            "/agenda/convocations.pdf",
            get(meeting::convocation_letters),
        )
        .route(
            "/personnes/{id}/diagnostic",
            get(diagnostic::show).post(diagnostic::submit),
        )
        .route(
            "/personnes/{id}/diagnostic/comparer",
            get(diagnostic::compare),
        )
        .route("/personnes/{id}/contrats", post(contract::create_form))
        .route("/personnes/{id}/contrats/nouveau", get(contract::new_form))
        .route("/contrats", get(contract::queue))
        .route("/contrats/{id}", get(contract::show))
        .route(
            "/contrats/{id}/modifier",
            get(contract::edit_form).post(contract::edit_submit),
        )
        .route("/contrats/{id}/evenement", post(contract::event))
        .route("/contrats/{id}/bilan", post(contract::review))
        .route("/contrats/{id}/pdf", get(contract::pdf))
        .route("/personnes/{id}/cloture", post(person::close))
        .route(
            "/personnes/{id}/fusion",
            get(person::merge_form).post(person::merge_submit),
        )
        .route(
            "/personnes/{id}/orientations",
            post(orientation::decide_form),
        )
        .route(
            "/personnes/{id}/referent",
            post(orientation::designate_form),
        )
        .route("/personnes/{id}/reexamen", post(orientation::review_form))
        .route(
            "/orientations",
            get(orientation::queue).post(orientation::validate_form),
        )
        .route("/orientations/{id}/refus", post(orientation::reject_form))
        .route("/portefeuille", get(deadline::caseload))
        .route("/echeances", get(deadline::deadlines))
        .route(
            "/admin/delais",
            get(deadline::settings).post(deadline::save_settings),
        )
        .route("/admin/comptes", get(account::list).post(account::create))
        .route(
            "/admin/comptes/{id}/connexion-par-mot-de-passe",
            post(oidc::password_login),
        )
        .route(
            "/admin/connexion",
            get(oidc::settings).post(oidc::save_settings),
        )
        .route("/admin/demandes-acces", get(oidc::join_requests))
        .route(
            "/admin/demandes-acces/{id}",
            post(oidc::decide_join_request),
        )
        .route("/connexion/oidc/{provider}", get(oidc::start))
        .route("/connexion/oidc/{provider}/retour", get(oidc::back))
        .route("/admin/comptes/nouveau", get(account::new_form))
        .route(
            "/admin/comptes/{id}",
            get(account::edit).post(account::update),
        )
        .route("/admin/comptes/{id}/jetons", post(account::create_token))
        .route(
            "/admin/comptes/{id}/sessions/fermer",
            post(account::end_sessions),
        )
        .route(
            crate::auth::CHANGE_PASSWORD_PATH,
            get(account::password_form).post(account::change_password),
        )
        .route("/admin/jetons/{id}/revoquer", post(account::revoke_token))
        .route("/dpo/journal", get(audit::list))
        .route("/dpo/conservation", get(retention::overview))
        .route("/pilotage", get(steering::delays))
        .route("/pilotage/personnes", get(steering::people))
        .route("/pilotage/stock", get(steering::stock_people))
        .route("/pilotage/offre", get(steering::offer_people))
        .route("/pilotage/occupation", get(steering::occupation_people))
        .route("/pilotage/export.xlsx", get(steering::export_xlsx))
        .route("/pilotage/export.csv", get(steering::export_csv))
        .route("/pilotage/oarsa", get(oarsa::oarsa))
        .route("/pilotage/oarsa/personnes", get(oarsa::oarsa_people))
        .route("/pilotage/oarsa/qualite", get(oarsa::oarsa_quality))
        .route("/pilotage/oarsa/export.xlsx", get(oarsa::export_xlsx))
        .route("/pilotage/oarsa/export.csv", get(oarsa::export_csv))
        .route(
            "/pilotage/oarsa/reglages",
            get(oarsa::oarsa_settings).post(oarsa::set_oarsa_settings),
        )
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
        .route(
            "/programme/fse",
            get(fse_report::fse_operations).post(fse_report::create_fse_operation),
        )
        .route(
            "/programme/fse/{number}",
            get(fse_report::fse_report).post(fse_report::update_fse_operation),
        )
        .route(
            "/programme/fse/{number}/participants",
            get(fse_report::fse_participants),
        )
        .route(
            "/programme/fse/{number}/qualite",
            get(fse_report::fse_quality),
        )
        .route(
            "/programme/fse/{number}/export",
            get(fse_report::fse_export),
        )
        .route(
            "/seances/{id}/emargement.pdf",
            get(fse_report::sign_in_sheet),
        )
        .route(
            "/positionnements/{id}/releve.pdf",
            get(fse_report::monthly_sheet),
        )
        .route(
            "/positionnements/{id}/fse/questionnaire.pdf",
            get(fse_report::entry_questionnaire),
        )
        .route("/personnes/{id}/positionner", get(referral::choose))
        .route(
            "/personnes/{id}/positionnements",
            post(referral::prescribe_form),
        )
        .route("/positionnements", get(referral::inbox))
        .route(
            "/positionnements/demarche-directe",
            get(self_referral::request_form).post(self_referral::request),
        )
        .route("/demarches-directes", get(self_referral::queue))
        .route("/listes-attente", get(waiting_list::page))
        .route(
            "/listes-attente/{id}/priorite",
            post(waiting_list::priority_form),
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
            post(referral::accept_form),
        )
        .route("/positionnements/{id}/refus", post(referral::refuse_form))
        .route(
            "/positionnements/{id}/proposition",
            post(referral::offer_form),
        )
        .route("/positionnements/{id}/sortie", post(referral::exit_form))
        .route("/positionnements/{id}/fse", get(fse::form).post(fse::save))
        .route(
            "/positionnements/{id}/situation",
            post(referral::situation_form),
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
        .route("/imports", get(import::list))
        .route(
            "/imports/correspondances",
            get(import::mappings).post(import::save_mapping_form),
        )
        .route("/imports/suivi/{id}", get(import::progress))
        .route("/imports/{id}", get(import::show))
        .route("/tableau-de-bord", get(structure_dashboard::mine))
        .route(
            "/structures/{id}/tableau-de-bord",
            get(structure_dashboard::show),
        )
}
