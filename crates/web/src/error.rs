//! Failures as people and API clients see them: a French page or a JSON
//! error with a stable code. Internals go to the log, never to the response.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use parcours_domain::{FieldError, Invalid};
use parcours_store::StoreError;

pub use parcours_app::Failure;
use serde::Serialize;

/// How the web renders a failure: status, stable code, French message.
trait Rendered {
    fn status(&self) -> StatusCode;
    fn code(&self) -> &'static str;
    fn message(&self) -> String;
    fn log(&self);
}

impl Rendered for Failure {
    fn status(&self) -> StatusCode {
        match self {
            Failure::Unauthenticated => StatusCode::UNAUTHORIZED,
            Failure::Forbidden => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Stale => StatusCode::CONFLICT,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::Unauthenticated => "unauthenticated",
            Failure::Forbidden => "forbidden",
            Failure::NotFound => "not_found",
            Failure::Invalid(_) => "invalid_input",
            Failure::Stale => "conflict",
            Failure::BadRequest(_) => "bad_request",
            Failure::Unavailable => "unavailable",
            Failure::Internal(_) => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Unauthenticated => "Authentification requise.".into(),
            Failure::Forbidden => "Vous n'avez pas les droits nécessaires pour cette page ou cette action.".into(),
            Failure::NotFound => "La page ou l'élément demandé n'existe pas.".into(),
            Failure::Invalid(invalid) => invalid.to_string(),
            Failure::Stale => {
                "L'élément a été modifié entre-temps par quelqu'un d'autre. Rechargez la page pour voir la dernière version."
                    .into()
            }
            Failure::BadRequest(message) => message.clone(),
            Failure::Unavailable => "Le service est momentanément indisponible. Réessayez dans quelques instants.".into(),
            Failure::Internal(_) => "Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez plus tard.".into(),
        }
    }

    fn log(&self) {
        if let Failure::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
    }
}

/// A failure rendered as a French HTML page.
#[derive(Debug)]
pub struct PageError(pub Failure);

/// A failure rendered as `{"error": {"code", "message", "fields"}}`.
#[derive(Debug)]
pub struct ApiError(pub Failure);

/// A page or an API response refused for one of the application's reasons,
/// or for the web's own: a form without its CSRF token, a template fault.
macro_rules! from_failures {
    ($rendered:ident) => {
        impl From<Failure> for $rendered {
            fn from(failure: Failure) -> Self {
                $rendered(failure)
            }
        }
        impl From<StoreError> for $rendered {
            fn from(err: StoreError) -> Self {
                $rendered(err.into())
            }
        }
        impl From<Invalid> for $rendered {
            fn from(invalid: Invalid) -> Self {
                $rendered(invalid.into())
            }
        }
        impl From<askama::Error> for $rendered {
            fn from(err: askama::Error) -> Self {
                $rendered(template_failure(err))
            }
        }
    };
}
from_failures!(PageError);
from_failures!(ApiError);

/// A template that could not be rendered: a fault of ours.
pub fn template_failure(err: askama::Error) -> Failure {
    Failure::Internal(format!("template: {err}"))
}

/// What an error page said, kept on the response so that the pages' router
/// can say it again inside the navigation for whoever is signed in
/// (`pages::home::keep_navigation`).
#[derive(Clone)]
pub struct ShownError {
    pub title: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
    fields: Vec<FieldError>,
    signed_in_hint: bool,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let failure = self.0;
        failure.log();
        if matches!(failure, Failure::Unauthenticated) {
            return axum::response::Redirect::to("/connexion").into_response();
        }
        let title = match failure.status() {
            StatusCode::FORBIDDEN => "Accès refusé",
            StatusCode::NOT_FOUND => "Page introuvable",
            StatusCode::UNPROCESSABLE_ENTITY => "Données invalides",
            StatusCode::CONFLICT => "Modification concurrente",
            StatusCode::SERVICE_UNAVAILABLE => "Service indisponible",
            StatusCode::BAD_REQUEST => "Requête invalide",
            _ => "Erreur",
        };
        let fields = match &failure {
            Failure::Invalid(invalid) => invalid.errors.clone(),
            _ => Vec::new(),
        };
        let page = ErrorPage {
            title: title.into(),
            message: failure.message(),
            fields,
            signed_in_hint: false,
        };
        let mut response = error_page(failure.status(), &page);
        if !failure.status().is_server_error() {
            response.extensions_mut().insert(ShownError {
                title: page.title,
                message: page.message,
                fields: page.fields,
            });
        }
        response
    }
}

fn error_page(status: StatusCode, page: &ErrorPage) -> Response {
    let body = page
        .render()
        .unwrap_or_else(|_| "<!doctype html><title>Erreur</title><p>Erreur.</p>".into());
    (status, Html(body)).into_response()
}

/// A fault the handlers did not render (a panic, the framework's own
/// refusals), as a French page.
pub(crate) fn fault_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage {
        title: title.into(),
        message: message.into(),
        fields: Vec::new(),
        signed_in_hint: false,
    };
    error_page(status, &page)
}

/// The same as the API's JSON error, with the request's id.
pub(crate) fn fault_json(status: StatusCode, code: &str, message: &str, id: &str) -> Response {
    let body = serde_json::json!({
        "error": {"code": code, "message": message, "fields": [], "request_id": id}
    });
    (status, Json(body)).into_response()
}

/// A form sent without the session's CSRF token (expired, or forged).
pub fn csrf_refusal() -> Response {
    let page = ErrorPage {
        title: "Accès refusé".into(),
        message: "Le formulaire a expiré ou n'est pas valide. Rechargez la page puis recommencez."
            .into(),
        fields: Vec::new(),
        signed_in_hint: true,
    };
    error_page(StatusCode::FORBIDDEN, &page)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    #[schema(value_type = ErrorCode)]
    pub code: String,
    /// French message for people.
    pub message: String,
    /// One entry per wrong field, for `invalid_input`.
    pub fields: Vec<FieldErrorBody>,
    /// The request's id (`x-request-id`), on the faults the handlers did not
    /// answer themselves (500, and the framework's own 400, 413, 414…): the
    /// reference to give when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The codes of [`ErrorDetail::code`] (documentation only: the code is
/// written by [`Rendered::code`], `faults::french`, and the handlers that
/// answer a conflict or a refusal of their own).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    /// 409 of `POST /persons`: possible duplicates, listed beside the error.
    PossibleDuplicate,
    PayloadTooLarge,
    UriTooLong,
    UnsupportedMediaType,
    InvalidInput,
    Internal,
    Unavailable,
    /// Any other fault.
    Error,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let failure = self.0;
        failure.log();
        let fields = match &failure {
            Failure::Invalid(invalid) => invalid
                .errors
                .iter()
                .map(|e| FieldErrorBody {
                    field: e.field.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: failure.code().into(),
                message: failure.message(),
                fields,
                request_id: None,
            },
        };
        let mut response = (failure.status(), Json(body)).into_response();
        if matches!(failure, Failure::Unauthenticated) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(Failure::NotFound).into_response()
    } else {
        PageError(Failure::NotFound).into_response()
    }
}
