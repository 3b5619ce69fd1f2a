//! Extractors whose rejections speak our language (French page or JSON error).

use crate::error::{ApiError, Failure, PageError};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

/// The `{id}` of a route; a malformed id is an element that does not exist.
pub struct Id(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<Uuid>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) if is_api(parts) => Err(ApiError(Failure::NotFound).into_response()),
            Err(_) => Err(PageError(Failure::NotFound).into_response()),
        }
    }
}

/// Whether the request is for the JSON API. Nested routers see their path
/// without the `/api/v1` prefix: the original URI says where it came in.
fn is_api(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0)
        .path()
        .starts_with("/api/")
}

/// The rejection of a request whose query string or form does not parse:
/// a French page, or a JSON error for the API.
fn malformed(api: bool, what: &str) -> Response {
    let failure = Failure::BadRequest(format!(
        "{what} n'est pas valide : vérifiez les valeurs saisies."
    ));
    if api {
        ApiError(failure).into_response()
    } else {
        PageError(failure).into_response()
    }
}

/// `axum::extract::Query` with our rejection.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(_) => Err(malformed(is_api(parts), "L'adresse demandée (paramètres)")),
        }
    }
}

/// `axum_extra::extract::Form` with our rejection: a urlencoded body (or the
/// query string of a GET) deserialised into `T`; repeated keys (checkbox
/// lists) fill a `Vec<String>` field, a missing one leaves it empty. A body
/// that does not fit `T` is the French "Le formulaire envoyé n'est pas
/// valide" page (400), or a JSON error for the API — never a 500.
pub struct Form<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let api = is_api(&parts);
        let req = axum::extract::Request::from_parts(parts, body);
        match axum_extra::extract::Form::<T>::from_request(req, state).await {
            Ok(axum_extra::extract::Form(value)) => Ok(Form(value)),
            Err(_) => Err(malformed(api, "Le formulaire envoyé")),
        }
    }
}

/// A form whose fixed fields fill `T` and whose rows are named after a
/// number or an id (contract objectives `objectif{i}_…`, bilan
/// `resultat{i}`, attendance `presence_<id>`, diagnostic `gravite|…`): the
/// body read once, then into `T` (as [`Form`] reads it) and into its ordered
/// pairs, which one documented reader per form turns into typed rows
/// (see [`crate::form`]). Same rejection as [`Form`]; for POST bodies only
/// (a GET's query string is not re-read).
pub struct FormRows<T>(pub T, pub crate::form::Pairs);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequest<S>
    for FormRows<T>
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let api = is_api(&parts);
        let req = axum::extract::Request::from_parts(parts, body);
        let Ok(bytes) = axum::body::Bytes::from_request(req, state).await else {
            return Err(malformed(api, "Le formulaire envoyé"));
        };
        // The same reader as `Form` for the fields, and the ordered pairs for the rows.
        match (
            serde_html_form::from_bytes::<T>(&bytes),
            serde_urlencoded::from_bytes::<crate::form::Pairs>(&bytes),
        ) {
            (Ok(fields), Ok(rows)) => Ok(FormRows(fields, rows)),
            _ => Err(malformed(api, "Le formulaire envoyé")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::FromRequest;
    use axum::http::StatusCode;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Checkboxes {
        name: String,
        ids: Vec<String>,
        version: i64,
    }

    fn post(body: &'static str) -> axum::extract::Request {
        let mut req = axum::extract::Request::new(axum::body::Body::from(body));
        *req.method_mut() = axum::http::Method::POST;
        req.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req
    }

    #[tokio::test]
    async fn reads_repeated_missing_and_single_fields() {
        let Ok(Form(form)) =
            Form::<Checkboxes>::from_request(post("name=+x+&ids=a&ids=b&version=3"), &()).await
        else {
            panic!("rejected");
        };
        assert_eq!((form.name.as_str(), form.version), (" x ", 3));
        assert_eq!(form.ids, vec!["a", "b"]);
        let Ok(Form(form)) = Form::<Checkboxes>::from_request(post("ids=a"), &()).await else {
            panic!("rejected");
        };
        assert_eq!((form.ids, form.version), (vec!["a".to_owned()], 0));
        let Ok(Form(form)) = Form::<Checkboxes>::from_request(post(""), &()).await else {
            panic!("rejected");
        };
        assert!(form.ids.is_empty());
    }

    #[tokio::test]
    async fn a_malformed_form_is_a_bad_request() {
        for body in ["version=trois", "name=a&name=b"] {
            match Form::<Checkboxes>::from_request(post(body), &()).await {
                Err(response) => assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}"),
                Ok(_) => panic!("{body} accepted"),
            }
        }
        let mut not_a_form = post("name=x");
        not_a_form.headers_mut().remove("content-type");
        let Err(response) = Form::<Checkboxes>::from_request(not_a_form, &()).await else {
            panic!("accepted");
        };
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn reads_fixed_fields_and_rows_of_the_same_body() {
        let body = "version=2&objectif0_frein=a&objectif0_frein=b&resultat0=atteint";
        let Ok(FormRows(form, rows)) = FormRows::<Checkboxes>::from_request(post(body), &()).await
        else {
            panic!("rejected");
        };
        assert_eq!(form.version, 2);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[3], ("resultat0".to_owned(), "atteint".to_owned()));
        let Err(response) = FormRows::<Checkboxes>::from_request(post("version=x"), &()).await
        else {
            panic!("accepted");
        };
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
