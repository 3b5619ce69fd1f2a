//! What the OpenAPI document adds to the handlers' own annotations, by rule
//! rather than by hand on each of them (so that a new operation cannot
//! forget them):
//!
//! - the statuses every operation may answer, from the shape of the
//!   operation: 401 when it is secured (no token, a bad, expired or revoked
//!   one), 403 when it checks a permission (all but [`OPEN_TO_EVERY_CALLER`]),
//!   404 when its path names an `{id}` (a malformed or unknown one), 400 when
//!   it reads a query string or a body that may not parse, 413 and 422 with a
//!   body (too large; an unknown field, a wrong value), 409 when the body
//!   carries the `version` read (a stale one is refused), 414 (an address
//!   too long), 500 (with the request's id) and 503 (database unavailable)
//!   everywhere; each with the JSON error [`ErrorBody`](crate::error::ErrorBody).
//!   A status a handler documents with another body keeps it, as an
//!   alternative (`anyOf`) to the error body.
//! - `additionalProperties: false` on every object a request body may carry:
//!   [`super::ApiJson`] refuses an unknown field (422 naming it).

use std::collections::{BTreeMap, BTreeSet};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{AdditionalProperties, AnyOfBuilder, Schema};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::Modify;

/// The operations any signed-in caller may use, whatever their role: the
/// only ones that never answer 403 (method, path).
pub const OPEN_TO_EVERY_CALLER: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("put", "/api/v1/me/password"),
    ("get", "/api/v1/catalogue"),
    ("get", "/api/v1/actions"),
    ("get", "/api/v1/action-families"),
    ("get", "/api/v1/structures/{id}"),
];

const ERROR_BODY: &str = "ErrorBody";

/// Each operation of a path, with its method in lower case.
fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
        ("head", &mut item.head),
        ("options", &mut item.options),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
    .collect()
}

pub struct Statuses;

impl Modify for Statuses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let schemas = openapi
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        let mut request_objects = BTreeSet::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in operations_mut(item) {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let parameters = op.parameters.as_deref().unwrap_or_default();
                let reads_query = parameters
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let names_id = parameters
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path) && p.name == "id");
                let json_body = op.request_body.as_ref().and_then(json_schema);
                if let Some(body) = &json_body {
                    reachable(body, &schemas, &mut request_objects);
                }
                let carries_version = json_body
                    .as_ref()
                    .is_some_and(|body| has_property(body, "version", &schemas));
                let has_body = op.request_body.is_some();
                let open = OPEN_TO_EVERY_CALLER.contains(&(method, path.as_str()));

                let mut add = |status: &str, description: &str| {
                    add_error(op, status, description);
                };
                if reads_query || has_body {
                    add(
                        "400",
                        "Requête mal formée : paramètres ou corps illisibles, ou d'un type inattendu.",
                    );
                }
                if secured {
                    add(
                        "401",
                        "Jeton absent, inconnu, expiré ou révoqué, ou compte désactivé.",
                    );
                }
                if secured && !open {
                    add("403", "Le compte n'a pas les droits nécessaires.");
                }
                if names_id {
                    add(
                        "404",
                        "L'élément désigné n'existe pas (ou l'identifiant est mal formé).",
                    );
                }
                if carries_version {
                    add(
                        "409",
                        "L'élément a changé depuis la version envoyée : relire puis renvoyer.",
                    );
                }
                if has_body {
                    add("413", "Corps trop volumineux.");
                    add(
                        "422",
                        "Données invalides : chaque champ en cause est nommé (un champ inconnu est refusé).",
                    );
                }
                add("414", "Adresse trop longue.");
                add(
                    "500",
                    "Erreur inattendue, enregistrée sous la référence `error.request_id`.",
                );
                add("503", "Base de données momentanément indisponible.");
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            for name in request_objects {
                if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
                    if !object.properties.is_empty() && object.additional_properties.is_none() {
                        object.additional_properties =
                            Some(Box::new(AdditionalProperties::FreeForm(false)));
                    }
                }
            }
        }
    }
}

/// Documents `status` as answered with the JSON error; a status already
/// documented with another body keeps it as an alternative.
fn add_error(op: &mut Operation, status: &str, description: &str) {
    let error = || RefOr::Ref(Ref::from_schema_name(ERROR_BODY));
    match op.responses.responses.get_mut(status) {
        None => {
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::T(error_response(description)));
        }
        Some(RefOr::T(response)) => {
            let content = response
                .content
                .entry("application/json".to_owned())
                .or_insert_with(|| ContentBuilder::new().build());
            content.schema = match content.schema.take() {
                None => Some(error()),
                Some(RefOr::Ref(r)) if r.ref_location.ends_with(&format!("/{ERROR_BODY}")) => {
                    Some(RefOr::Ref(r))
                }
                Some(other) => Some(RefOr::T(Schema::AnyOf(
                    AnyOfBuilder::new().item(other).item(error()).build(),
                ))),
            };
        }
        Some(RefOr::Ref(_)) => {}
    }
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name(ERROR_BODY))))
                .build(),
        )
        .build()
}

/// The JSON schema of a request body, if it is JSON.
fn json_schema(body: &RequestBody) -> Option<RefOr<Schema>> {
    body.content
        .get("application/json")
        .and_then(|c| c.schema.clone())
}

/// The component named by a reference.
fn component_name(r: &Ref) -> Option<&str> {
    r.ref_location.strip_prefix("#/components/schemas/")
}

/// Every component schema reachable from `schema`, into `names`.
fn reachable(
    schema: &RefOr<Schema>,
    schemas: &BTreeMap<String, RefOr<Schema>>,
    names: &mut BTreeSet<String>,
) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = component_name(r) {
                if names.insert(name.to_owned()) {
                    if let Some(target) = schemas.get(name) {
                        reachable(target, schemas, names);
                    }
                }
            }
        }
        RefOr::T(Schema::Object(object)) => {
            for property in object.properties.values() {
                reachable(property, schemas, names);
            }
            if let Some(extra) = &object.additional_properties {
                if let AdditionalProperties::RefOr(extra) = extra.as_ref() {
                    reachable(extra, schemas, names);
                }
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &array.items {
                reachable(items, schemas, names);
            }
        }
        RefOr::T(Schema::OneOf(one_of)) => {
            for item in &one_of.items {
                reachable(item, schemas, names);
            }
        }
        RefOr::T(Schema::AnyOf(any_of)) => {
            for item in &any_of.items {
                reachable(item, schemas, names);
            }
        }
        // A flattened struct: each part alone does not hold every property,
        // so none may refuse the others' (the handler checks them).
        RefOr::T(Schema::AllOf(all_of)) => {
            for item in &all_of.items {
                let mut inner = BTreeSet::new();
                reachable(item, schemas, &mut inner);
                if let RefOr::Ref(r) = item {
                    if let Some(name) = component_name(r) {
                        inner.remove(name);
                    }
                }
                names.extend(inner);
            }
        }
        RefOr::T(_) => {}
    }
}

/// Whether the object `schema` (or one of its flattened parts) has `property`.
fn has_property(
    schema: &RefOr<Schema>,
    property: &str,
    schemas: &BTreeMap<String, RefOr<Schema>>,
) -> bool {
    match schema {
        RefOr::Ref(r) => component_name(r)
            .and_then(|name| schemas.get(name))
            .is_some_and(|target| has_property(target, property, schemas)),
        RefOr::T(Schema::Object(object)) => object.properties.contains_key(property),
        RefOr::T(Schema::AllOf(all_of)) => all_of
            .items
            .iter()
            .any(|item| has_property(item, property, schemas)),
        RefOr::T(_) => false,
    }
}
