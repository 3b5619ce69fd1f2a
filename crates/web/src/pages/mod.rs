//! The web application's pages, one module per capability.

pub(crate) mod audit;
mod home;
pub(crate) mod users;

use crate::auth;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/connexion", get(auth::login_form).post(auth::login))
        .route("/deconnexion", post(auth::logout))
        .route("/admin/comptes", get(users::list).post(users::create))
        .route("/admin/comptes/nouveau", get(users::new_form))
        .route("/admin/comptes/{id}", get(users::edit).post(users::update))
        .route("/admin/comptes/{id}/jetons", post(users::create_token))
        .route("/admin/jetons/{id}/revoquer", post(users::revoke_token))
        .route("/dpo/journal", get(audit::list))
}
