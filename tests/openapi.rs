//! The OpenAPI document tells the truth: every route is documented and
//! nothing else is, each operation lists the statuses it may answer, bodies
//! refuse unknown fields, and the answers match their documented schemas.
//! (schemathesis, `scripts/schemathesis`, then fuzzes the running demo.)

mod common;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn document(app: &App) -> Value {
    reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every documented operation, as (method, path).
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            operations.insert((method.clone(), path.clone()));
        }
    }
    operations
}

/// The routes the API's router registers, read from its source: each
/// `.route("/path", get(…).post(…))`, as (method, "/api/v1/path").
fn registered() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for source in [
        include_str!("../crates/web/src/api/mod.rs"),
        include_str!("../crates/web/src/api/import.rs"),
    ] {
        let mut rest = source;
        while let Some(start) = rest.find(".route(") {
            rest = &rest[start + ".route(".len()..];
            // The call's arguments, to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a closed .route(");
            let call = &rest[..end];
            let quoted = call.trim_start().strip_prefix('"').expect("a literal path");
            let path = &quoted[..quoted.find('"').unwrap()];
            let methods = &quoted[path.len() + 1..];
            let mut word = String::new();
            for c in methods.chars() {
                if c.is_alphanumeric() || c == '_' {
                    word.push(c);
                } else {
                    if c == '(' && METHODS.contains(&word.as_str()) {
                        routes.insert((word.clone(), format!("/api/v1{path}")));
                    }
                    word.clear();
                }
            }
        }
    }
    routes
}

/// The component a `$ref` names.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").unwrap();
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} exists");
            resolve(doc, target)
        }
        None => schema,
    }
}

/// Checks `value` against `schema` for the part of JSON Schema the document
/// uses (`$ref`, type, nullable types, enum, properties, required,
/// additionalProperties, items, oneOf, anyOf, allOf); the first mismatch.
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(doc, schema);
    if let Some(all) = schema["allOf"].as_array() {
        if let Some(wrong) = all.iter().find_map(|s| mismatch(doc, s, value, at)) {
            return Some(wrong);
        }
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(alternatives) = schema[key].as_array() {
            let fitting = alternatives
                .iter()
                .filter(|s| mismatch(doc, s, value, at).is_none())
                .count();
            if fitting == 0 || (exactly_one && fitting > 1) {
                return Some(format!(
                    "{at}: {fitting} of the {key} alternatives fit {value}"
                ));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Some(format!("{at}: {value} not in {allowed:?}"));
        }
    }
    if let (Some(format), Some(text)) = (schema["format"].as_str(), value.as_str()) {
        let fits = match format {
            "date-time" => time::OffsetDateTime::parse(text, &Rfc3339).is_ok(),
            "date" => time::Date::parse(text, &format_description!("[year]-[month]-[day]")).is_ok(),
            "uuid" => uuid::Uuid::parse_str(text).is_ok(),
            _ => true,
        };
        if !fits {
            return Some(format!("{at}: {value} is not a {format}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            return Some(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(required.as_str().unwrap()) {
                return Some(format!("{at}: {required} missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => {
                    if let Some(wrong) = mismatch(doc, property, field, &format!("{at}.{name}")) {
                        return Some(wrong);
                    }
                }
                None if schema["additionalProperties"] == json!(false) => {
                    return Some(format!("{at}: {name} not allowed"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            if let Some(wrong) = mismatch(doc, items, item, &format!("{at}[{i}]")) {
                return Some(wrong);
            }
        }
    }
    None
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let app = spawn(parcours_store::testing::sqlite().await.unwrap()).await;
    let doc = document(&app).await;
    let documented = documented(&doc);
    let mut registered = registered();
    assert!(
        registered.remove(&("get".into(), "/api/v1/openapi.json".into())),
        "the document itself is served (and is the one route it does not list)"
    );
    assert!(registered.len() > 90, "the source was read: {registered:?}");
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routed, not documented: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");

    // And by asking the running server, method by method on each documented
    // path: an undocumented method answers 405, a documented one does not.
    let client = Client::new();
    for path in doc["paths"].as_object().unwrap().keys() {
        let concrete = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{name}", "essai");
        for method in METHODS {
            let response = client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .send()
                .await
                .unwrap();
            let routed = response.status() != StatusCode::METHOD_NOT_ALLOWED;
            let listed = documented.contains(&(method.to_owned(), path.clone()));
            assert_eq!(routed, listed, "{method} {path}: {}", response.status());
        }
    }
}

#[tokio::test]
async fn every_operation_documents_what_it_may_answer() {
    let app = spawn(parcours_store::testing::sqlite().await.unwrap()).await;
    let doc = document(&app).await;
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let placeholders: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let statuses: BTreeSet<&str> = responses.keys().map(String::as_str).collect();
            let has = |status: &str| statuses.contains(status);

            // Parameters: the path's placeholders in the path, the rest in the query.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(in_path, placeholders, "{at}: path parameters");
            for param in &params {
                let name = param["name"].as_str().unwrap();
                let expected = if placeholders.contains(name) {
                    "path"
                } else {
                    "query"
                };
                assert_eq!(param["in"], expected, "{at}: {name}");
                if expected == "path" {
                    assert_eq!(param["required"], true, "{at}: {name}");
                }
            }
            let reads_query = params.iter().any(|p| p["in"] == "query");

            // The statuses.
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert!(secured, "{at}: every operation of the API needs a token");
            for status in ["401", "414", "500", "503"] {
                assert!(has(status), "{at}: {status}");
            }
            if placeholders.contains("id") {
                assert!(has("404"), "{at}: 404 for an unknown id");
            }
            if reads_query {
                assert!(has("400"), "{at}: 400 for a query that does not parse");
            }
            if let Some(body) = op.get("requestBody") {
                bodies += 1;
                for status in ["400", "413", "422"] {
                    assert!(has(status), "{at}: {status} with a body");
                }
                if let Some(schema) = body["content"]["application/json"].get("schema") {
                    let schema = resolve(&doc, schema);
                    if schema["properties"].get("version").is_some() {
                        assert!(has("409"), "{at}: 409 for a stale version");
                    }
                    if schema["properties"].is_object() {
                        assert_eq!(
                            schema["additionalProperties"],
                            json!(false),
                            "{at}: unknown fields are refused"
                        );
                    }
                }
            }
            // Every answer but the empty ones says what its body is.
            for (status, response) in responses {
                if status == "204" {
                    continue;
                }
                let content = response["content"].as_object();
                assert!(
                    content.is_some_and(|c| c.values().all(|c| c["schema"].is_object())),
                    "{at} {status}: a body schema"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    let error = &response["content"]["application/json"]["schema"];
                    let refs = error.to_string();
                    assert!(
                        refs.contains("#/components/schemas/"),
                        "{at} {status}: {refs}"
                    );
                }
            }
        }
    }
    assert!(bodies > 40, "{bodies} operations with a body");

    let schemas = &doc["components"]["schemas"];
    let detail = &schemas["ErrorDetail"];
    assert_eq!(
        schemas["ErrorBody"]["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDetail"
    );
    assert!(detail["properties"]["request_id"].is_object());
    let required: Vec<&str> = detail["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(!required.contains(&"request_id"), "present on faults only");
    // Codes taken from a list are documented as that list.
    for (schema, property, code) in [
        ("StatusChange", "status", "published"),
        ("RefuseBody", "reason", "not_target_public"),
        ("ExitBody", "situation", "employment"),
        ("Mark", "status", "excused"),
    ] {
        let values = &resolve(&doc, &schemas[schema]["properties"][property])["enum"];
        assert!(
            values.as_array().is_some_and(|v| v.contains(&json!(code))),
            "{schema}.{property}: {values}"
        );
    }
    let codes = resolve(&doc, &detail["properties"]["code"])["enum"].clone();
    for code in [
        "invalid_input",
        "conflict",
        "forbidden",
        "not_found",
        "payload_too_large",
    ] {
        assert!(
            codes.as_array().unwrap().contains(&json!(code)),
            "{code} in {codes}"
        );
    }
}

/// A request and the status it must get: method, documented path, the
/// path sent, the bearer token, the body.
type Case<'a> = (
    Method,
    &'a str,
    String,
    Option<&'a str>,
    Option<Value>,
    StatusCode,
);

/// The document's schema of the answer of `method path` with `status`.
fn answer_schema<'a>(doc: &'a Value, method: &str, path: &str, status: StatusCode) -> &'a Value {
    let response = &doc["paths"][path][method]["responses"][status.as_str()];
    assert!(response.is_object(), "{method} {path} documents {status}");
    &response["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn each_kind_of_answer_matches_its_documented_schema() {
    for app in apps().await {
        let doc = document(&app).await;
        let admin = app.token(ADMIN).await;
        let referent = app.token(REFERENT).await;
        let unknown = uuid::Uuid::now_v7();
        // A stale version of an account: a conflict.
        let sophie = app.user_id(REFERENT).await;
        let account = app
            .get_json(&admin, &format!("/api/v1/users/{sophie}"))
            .await;
        let stale = json!({"version": account["version"].as_i64().unwrap() - 1,
            "display_name": account["display_name"], "role": account["role"],
            "organisation_id": account["organisation_id"], "disabled": false});
        let cases: Vec<Case> = vec![
            (
                Method::GET,
                "/api/v1/me",
                "/api/v1/me".into(),
                Some(&admin),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/v1/users",
                "/api/v1/users".into(),
                Some(&admin),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/api/v1/me",
                "/api/v1/me".into(),
                None,
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                Method::GET,
                "/api/v1/me",
                "/api/v1/me".into(),
                Some("prc_pas-un-jeton"),
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                Method::GET,
                "/api/v1/users",
                "/api/v1/users".into(),
                Some(&referent),
                None,
                StatusCode::FORBIDDEN,
            ),
            (
                Method::GET,
                "/api/v1/users/{id}",
                format!("/api/v1/users/{unknown}"),
                Some(&admin),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::GET,
                "/api/v1/users/{id}",
                "/api/v1/users/pas-un-id".into(),
                Some(&admin),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                Method::GET,
                "/api/v1/persons",
                "/api/v1/persons?include_closed=peut-etre".into(),
                Some(&referent),
                None,
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::POST,
                "/api/v1/users",
                "/api/v1/users".into(),
                Some(&admin),
                Some(json!({"email": 3})),
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::POST,
                "/api/v1/users",
                "/api/v1/users".into(),
                Some(&admin),
                Some(
                    json!({"email": "x", "display_name": "", "role": "root", "organisation_id": "nope", "password": "court"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                Method::PUT,
                "/api/v1/users/{id}",
                format!("/api/v1/users/{sophie}"),
                Some(&admin),
                Some(stale),
                StatusCode::CONFLICT,
            ),
            (
                Method::GET,
                "/api/v1/persons",
                format!("/api/v1/persons?name={}", "a".repeat(9000)),
                Some(&referent),
                None,
                StatusCode::URI_TOO_LONG,
            ),
        ];
        for (method, documented, concrete, token, body, expected) in cases {
            let mut request = Client::new().request(method.clone(), app.url(&concrete));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            match body {
                Some(body) => request = request.json(&body),
                None if method != Method::GET => request = request.json(&json!({})),
                None => {}
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(status, expected, "{method} {concrete}: {text}");
            let value: Value = serde_json::from_str(&text).unwrap();
            let schema = answer_schema(&doc, &method.as_str().to_lowercase(), documented, status);
            if let Some(wrong) = mismatch(&doc, schema, &value, "body") {
                panic!("{method} {concrete} {status}: {wrong}\n{value}");
            }
        }

        // A body over the limit: 413, as documented.
        let response = Client::new()
            .post(app.url("/api/v1/users"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(format!(
                "{{\"email\": \"{}\"}}",
                "a".repeat(3 * 1024 * 1024)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let value: Value = response.json().await.unwrap();
        let schema = answer_schema(&doc, "post", "/api/v1/users", StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(mismatch(&doc, schema, &value, "body"), None, "{value}");
        assert!(value["error"]["request_id"].is_string(), "{value}");
    }
}

#[tokio::test]
async fn the_schema_checker_of_these_tests_finds_mismatches() {
    let app = spawn(parcours_store::testing::sqlite().await.unwrap()).await;
    let doc = document(&app).await;
    let error = json!({"$ref": "#/components/schemas/ErrorBody"});
    let good = json!({"error": {"code": "forbidden", "message": "Non.", "fields": []}});
    assert_eq!(mismatch(&doc, &error, &good, "body"), None);
    for bad in [
        json!({"error": {"code": "forbidden", "message": "Non."}}),
        json!({"error": {"code": "pas_un_code", "message": "Non.", "fields": []}}),
        json!({"error": {"code": "forbidden", "message": 3, "fields": []}}),
        json!({"error": {"code": "forbidden", "message": "Non.", "fields": [{"field": "x"}]}}),
    ] {
        assert!(mismatch(&doc, &error, &bad, "body").is_some(), "{bad}");
    }
    let body = json!({"$ref": "#/components/schemas/NewTokenBody"});
    assert!(mismatch(&doc, &body, &json!({"name": "a"}), "body").is_none());
    assert!(mismatch(&doc, &body, &json!({"name": "a", "nom": "b"}), "body").is_some());
}

#[tokio::test]
async fn an_unknown_field_is_refused_naming_it() {
    for app in apps().await {
        let admin = app.token(ADMIN).await;
        let org = app.store.organisations().await.unwrap()[0].id;
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/users",
                &admin,
                Some(json!({"email": "lea.martin@caen.fr", "display_name": "Léa Martin",
                    "role": "referent", "organisation_id": org, "password": "un mot de passe assez long",
                    "surnom": "Léa"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        assert_eq!(body["error"]["fields"][0]["field"], "surnom");
        let message = body["error"]["fields"][0]["message"].as_str().unwrap();
        assert!(message.contains("Champ inconnu « surnom »"), "{message}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("surnom"));
        assert!(
            app.store
                .account_by_email("lea.martin@caen.fr")
                .await
                .unwrap()
                .is_none(),
            "nothing created"
        );

        // Nested: the path to the field.
        let referent = app.token(REFERENT).await;
        let found = app.get_json(&referent, "/api/v1/persons?name=magali").await;
        let person = found[0]["id"].as_str().unwrap().to_owned();
        let file = app
            .get_json(&referent, &format!("/api/v1/persons/{person}"))
            .await;
        let input = json!({"last_name": file["person"]["last_name"], "prenom_usuel": "Jo"});
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/persons/{person}"),
                &referent,
                Some(json!({"version": file["person"]["version"], "person": input})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"person.prenom_usuel"), "{fields:?}");

        // The FSE+ answers, read apart from their version: the same refusal.
        let operator = app.token(OPERATOR).await;
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/referrals/{}/fse", uuid::Uuid::now_v7()),
                &operator,
                Some(json!({"version": 0, "employment_status": "unemployed", "handicap": "no"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "handicap");
        // An array where the object is expected: refused, not read field by field.
        let sophie = app.user_id(REFERENT).await;
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/users/{sophie}/tokens"),
                &admin,
                Some(json!(["jeton"])),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // A wrong type is still a 400 naming where.
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/users",
                &admin,
                Some(json!({"email": 3})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("email"), "{message}");
    }
}

/// Checks that `method path` documents `status` and that `body` matches its schema.
fn assert_documented(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let schema = answer_schema(doc, method, path, status);
    if let Some(wrong) = mismatch(doc, schema, body, "body") {
        panic!("{method} {path} {status}: {wrong}\n{body}");
    }
}

/// What schemathesis found, each kept here: a page number past any end was
/// an overflow (500), an import's instants were not RFC 3339, an unknown
/// household on creation answered an undocumented 404.
#[tokio::test]
async fn what_the_fuzzer_found_stays_fixed() {
    for app in apps().await {
        let doc = document(&app).await;
        let manager = app.token(MANAGER).await;
        let far = i64::MAX - 1;
        for (token, path, documented) in [
            (
                &manager,
                format!("/api/v1/catalogue?page={far}"),
                "/api/v1/catalogue",
            ),
            (
                &manager,
                format!("/api/v1/actions?page={far}"),
                "/api/v1/actions",
            ),
            (
                &app.token(DPO).await,
                format!("/api/v1/audit?page={far}"),
                "/api/v1/audit",
            ),
        ] {
            let (status, body) = app.call(Method::GET, &path, token, None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_documented(&doc, "get", documented, status, &body);
            let lines = body.get("actions").unwrap_or(&body);
            assert_eq!(lines.as_array().map(Vec::len), Some(0), "{path}: {body}");
        }

        let programme = app.token(PROGRAMME).await;
        let response = Client::new()
            .post(app.url("/api/v1/imports/caf"))
            .bearer_auth(&programme)
            .header("content-type", "application/xml")
            .body("<data>1</data>")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let record: Value = response.json().await.unwrap();
        assert_documented(&doc, "post", "/api/v1/imports/caf", status, &record);
        let id = record["id"]
            .as_str()
            .or(record["error"]["import_id"].as_str())
            .unwrap();
        let shown = app
            .get_json(&programme, &format!("/api/v1/imports/{id}"))
            .await;
        assert_documented(&doc, "get", "/api/v1/imports/{id}", StatusCode::OK, &shown);
        let started = shown["started_at"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(started, &Rfc3339).is_ok(),
            "{started}"
        );

        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &manager,
                Some(
                    json!({"household_id": uuid::Uuid::now_v7(), "person": {"last_name": "Essai"}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_documented(&doc, "post", "/api/v1/persons", status, &body);
    }
}

/// A fault the handlers did not answer (a panic) is the documented error,
/// with the request's id.
#[tokio::test]
async fn a_fault_is_the_documented_error_with_its_request_id() {
    let store = parcours_store::testing::sqlite().await.unwrap();
    let documented = spawn(store.clone()).await;
    let doc = document(&documented).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = parcours_web::AppState {
        app: parcours_app::App {
            store,
            config: parcours_app::Config {
                department_name: "Département du Calvados".into(),
                data_inclusion_source: "cd14".into(),
                upload_dir: std::env::temp_dir(),
                retention: Default::default(),
                outbox: Default::default(),
                oidc: Default::default(),
            },
        },
        secure_cookies: false,
        login_guard: parcours_web::login_guard::LoginGuard::new(vec![]),
    };
    async fn boom() -> &'static str {
        panic!("boum")
    }
    let extra = axum::Router::new().route("/api/v1/panique", axum::routing::get(boom));
    let router = parcours_web::router_with(state, extra);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let response = reqwest::get(format!("{base}/api/v1/panique"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    // Any operation's 500 is this one error body.
    let schema = answer_schema(&doc, "get", "/api/v1/me", StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(mismatch(&doc, schema, &body, "body"), None, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    assert_eq!(body["error"]["request_id"], id.as_str());
}
