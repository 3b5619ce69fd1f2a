//! The JSON API under `/api/v1/`: bearer tokens, the same permissions and the
//! same validation as the web pages, described by `/api/v1/openapi.json`.

mod account;
mod appointment;
mod attendance;
mod audit;
mod catalogue;
mod contract;
mod data_inclusion;
mod deadline;
mod diagnostic;
pub mod doc;
mod follow_up;
mod fse;
mod fse_report;
mod import;
mod meeting;
mod notification;
mod oarsa;
mod oidc;
mod orientation;
mod person;
mod referral;
mod retention;
mod self_referral;
mod steering;
mod structure_dashboard;
mod subject_access;
mod waiting_list;
mod weekly_hours;

use crate::error::{ApiError, ErrorBody, ErrorCode, ErrorDetail, Failure, FieldErrorBody};
use crate::AppState;
use axum::extract::{FromRequest, Request};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use doc::Statuses;
use parcours_domain::Invalid;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(account::me))
        .route("/me/password", put(account::change_password))
        .route("/users/{id}/sessions", delete(account::end_sessions))
        .route("/users", get(account::list).post(account::create))
        .route("/users/{id}", get(account::show).put(account::update))
        .route("/users/{id}/password-login", put(oidc::set_password_login))
        .route("/join-requests", get(oidc::join_requests))
        .route(
            "/join-requests/{id}/decision",
            post(oidc::decide_join_request),
        )
        .route(
            "/settings/password-policy",
            get(oidc::password_policy).put(oidc::set_password_policy),
        )
        .route(
            "/users/{id}/tokens",
            get(account::tokens).post(account::create_token),
        )
        .route("/tokens/{id}", delete(account::revoke_token))
        .route("/organisations", get(account::organisations))
        .route("/territories", get(account::territories))
        .route("/audit", get(audit::list))
        .route("/retention", get(retention::preview))
        .route("/statistics/delays", get(steering::delays))
        .route("/statistics/delays/{kind}/people", get(steering::people))
        .route("/statistics/stock", get(steering::stock))
        .route("/statistics/stock/people", get(steering::stock_people))
        .route("/statistics/offer", get(steering::offer))
        .route("/statistics/offer/people", get(steering::offer_people))
        .route("/statistics/occupation", get(steering::occupation))
        .route(
            "/statistics/occupation/people",
            get(steering::occupation_people),
        )
        .route("/statistics/oarsa", get(oarsa::oarsa))
        .route("/statistics/oarsa/people", get(oarsa::oarsa_people))
        .route("/statistics/oarsa/quality", get(oarsa::oarsa_quality))
        .route(
            "/statistics/oarsa/settings",
            get(oarsa::oarsa_settings).put(oarsa::set_oarsa_settings),
        )
        .route(
            "/fse/operations",
            get(fse_report::fse_operations).post(fse_report::create_fse_operation),
        )
        .route(
            "/fse/operations/{number}",
            get(fse_report::fse_report).put(fse_report::update_fse_operation),
        )
        .route(
            "/fse/operations/{number}/participants",
            get(fse_report::fse_participants),
        )
        .route(
            "/fse/operations/{number}/quality",
            get(fse_report::fse_quality),
        )
        .route(
            "/sessions/{id}/sign-in-sheet",
            get(fse_report::sign_in_sheet),
        )
        .route(
            "/referrals/{id}/monthly-sheet",
            get(fse_report::monthly_sheet),
        )
        .route(
            "/referrals/{id}/fse/questionnaire",
            get(fse_report::entry_questionnaire),
        )
        .route("/persons", get(person::search).post(person::create))
        .route("/persons/{id}", get(person::show).put(person::update))
        .route("/persons/{id}/closure", post(person::close))
        .route("/persons/{id}/merge", post(person::merge))
        .route("/persons/{id}/export", get(subject_access::export))
        .route(
            "/persons/{id}/household",
            axum::routing::put(person::update_household),
        )
        .route("/persons/{id}/orientations", post(orientation::decide))
        .route("/persons/{id}/referent", post(orientation::designate))
        .route("/persons/{id}/joint-reviews", post(orientation::review))
        .route("/orientations/pending", get(orientation::pending))
        .route("/orientations/validate", post(orientation::validate))
        .route("/orientations/{id}/reject", post(orientation::reject))
        .route("/caseload", get(deadline::caseload))
        .route("/caseload/weekly-hours", get(weekly_hours::of_caseload))
        .route(
            "/persons/{id}/weekly-hours",
            get(weekly_hours::weekly_hours),
        )
        .route("/deadlines", get(deadline::deadlines))
        .route("/deadlines/late-counts", get(deadline::late_counts))
        .route(
            "/settings/deadlines",
            get(deadline::settings).put(deadline::save_settings),
        )
        .route(
            "/persons/{id}/diagnostic",
            get(diagnostic::revisions).post(diagnostic::save),
        )
        .route("/persons/{id}/diagnostic/changes", get(diagnostic::changes))
        .route(
            "/persons/{id}/declared-situation",
            get(diagnostic::declared_situation),
        )
        .route(
            "/persons/{id}/contracts",
            get(contract::of_person).post(contract::create),
        )
        .route("/contracts/pending", get(contract::pending))
        .route("/contracts/{id}", get(contract::show).put(contract::update))
        .route("/contracts/{id}/events", post(contract::event))
        .route("/catalogue", get(catalogue::catalogue))
        .route("/actions", get(catalogue::list).post(catalogue::create))
        .route("/actions/{id}", get(catalogue::show).put(catalogue::update))
        .route(
            "/actions/{id}/practical",
            axum::routing::put(catalogue::practical),
        )
        .route("/actions/{id}/status", post(catalogue::status))
        .route(
            "/actions/{id}/fundings",
            get(catalogue::fundings).post(catalogue::add_funding),
        )
        .route("/fundings/{id}", delete(catalogue::delete_funding))
        .route(
            "/actions/{id}/sessions",
            get(catalogue::sessions).post(catalogue::add_session),
        )
        .route("/sessions/{id}/cancel", post(catalogue::cancel_session))
        .route(
            "/structures",
            get(catalogue::structures).post(catalogue::create_structure),
        )
        .route(
            "/structures/{id}",
            get(catalogue::structure).put(catalogue::update_structure),
        )
        .route(
            "/action-families",
            get(catalogue::families).post(catalogue::save_family),
        )
        .route("/programme", get(catalogue::programme))
        .route(
            "/data-inclusion/structures",
            get(data_inclusion::data_inclusion_structures),
        )
        .route(
            "/data-inclusion/services",
            get(data_inclusion::data_inclusion_services),
        )
        .route(
            "/data-inclusion/import",
            post(data_inclusion::data_inclusion_import),
        )
        .route(
            "/persons/{id}/referrals",
            get(referral::of_person).post(referral::prescribe),
        )
        .route("/persons/{id}/eligibility", get(referral::eligibility))
        .route("/persons/{id}/choices", get(referral::choose))
        .route(
            "/persons/{id}/appointments",
            get(meeting::meetings).post(meeting::plan_meeting),
        )
        .route(
            "/appointments/{id}/outcome",
            post(meeting::record_meeting_outcome),
        )
        .route(
            "/appointments/{id}/letter",
            get(meeting::convocation_letter),
        )
        .route("/agenda", get(meeting::agenda))
        .route("/appointments/batch", post(meeting::plan_meetings))
        .route("/persons/{id}/messages", get(meeting::messages))
        .route("/messages/{id}/resend", post(meeting::resend_message))
        .route("/messages/delivery", post(meeting::report_delivery))
        .route("/notifications", get(notification::notifications))
        .route("/notifications/read", post(notification::mark_read))
        .route(
            "/notifications/email-choices",
            get(notification::email_choices).put(notification::set_email_choices),
        )
        .route(
            "/persons/{id}/log",
            get(follow_up::log_entries).post(follow_up::add_log_entry),
        )
        .route("/referrals/inbox", get(referral::inbox))
        .route("/self-referrals", post(self_referral::record))
        .route("/self-referrals/eligibility", post(self_referral::check))
        .route(
            "/self-referrals/to-validate",
            get(self_referral::to_validate),
        )
        .route(
            "/self-referrals/{id}/validate",
            post(self_referral::validate),
        )
        .route("/self-referrals/{id}/reject", post(self_referral::reject))
        .route("/referrals/{id}/accept", post(referral::accept))
        .route("/referrals/{id}/refuse", post(referral::refuse))
        .route("/referrals/{id}/offer", post(referral::offer))
        .route("/referrals/{id}/exit", post(referral::exit))
        .route("/referrals/{id}/priority", post(waiting_list::priority))
        .route(
            "/referrals/{id}/situation-4-weeks",
            post(referral::situation_4_weeks),
        )
        .route(
            "/referrals/exits-to-follow-up",
            get(referral::exits_to_follow_up),
        )
        .route("/waiting-lists", get(waiting_list::waiting_lists))
        .route("/referrals/participants", get(referral::participants))
        .route("/referrals/{id}/fse", get(fse::show).put(fse::save))
        .route(
            "/sessions/{id}/attendance",
            get(attendance::attendance_sheet).put(attendance::record_attendance),
        )
        .route(
            "/referrals/{id}/appointments",
            get(appointment::list).post(appointment::create),
        )
        .route(
            "/structures/{id}/dashboard",
            get(structure_dashboard::dashboard),
        )
        .route("/imports", get(import::list))
        .route("/imports/{id}", get(import::show))
        .route("/imports/{id}/changes", get(import::changes))
        .route("/csv-mappings", get(import::mappings))
        .route("/csv-mappings/{name}", axum::routing::put(import::save))
}

/// The routes taking a whole file as their body (a larger body limit).
pub fn upload_routes() -> Router<AppState> {
    import::upload_routes()
}

/// `Json<T>` whose rejection is our JSON error, in French; a field `T` does
/// not know is refused (422 naming it) rather than silently ignored, so that
/// a misspelt optional field never goes unnoticed.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            // Every body of the API is an object (serde would read a struct
            // from an array too, field by field in order).
            Ok(Json(value)) if !value.is_object() => Err(not_expected("un objet JSON est attendu")),
            Ok(Json(value)) => strict(value).map(ApiJson),
            Err(rejection) => Err(not_expected(rejection.body_text())),
        }
    }
}

fn not_expected(detail: impl std::fmt::Display) -> ApiError {
    ApiError(Failure::BadRequest(format!(
        "Le corps de la requête n'est pas un JSON attendu ({detail})."
    )))
}

/// `value` read into `T`: 400 when it does not fit (naming where), 422
/// naming each field `T` does not have.
pub(crate) fn strict<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    let mut unknown = Vec::new();
    let read: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        value,
        &mut |path: serde_ignored::Path| unknown.push(path.to_string()),
    ));
    let read = read.map_err(|err| match err.path().to_string().as_str() {
        "." => not_expected(err.inner()),
        path => not_expected(format_args!("{path} : {}", err.inner())),
    })?;
    if unknown.is_empty() {
        return Ok(read);
    }
    let mut invalid = Invalid::new();
    for field in unknown {
        let message =
            format!("Champ inconnu « {field} » : il n'est pas attendu ici (vérifiez son nom).");
        invalid.add(&field, message);
    }
    Err(ApiError(Failure::Invalid(invalid)))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Parcours — API", version = "1", description = "API JSON du logiciel Parcours. Authentification par jeton : `Authorization: Bearer prc_…`."),
    paths(
        account::me,
        account::list,
        account::create,
        account::show,
        account::update,
        account::end_sessions,
        account::change_password,
        account::tokens,
        account::create_token,
        account::revoke_token,
        account::organisations,
        account::territories,
        audit::list,
        retention::preview,
        person::search,
        person::create,
        person::show,
        person::update,
        person::close,
        person::merge,
        person::update_household,
        subject_access::export,
        orientation::decide,
        orientation::designate,
        orientation::review,
        orientation::pending,
        orientation::validate,
        orientation::reject,
        deadline::caseload,
        deadline::deadlines,
        deadline::late_counts,
        deadline::settings,
        deadline::save_settings,
        diagnostic::revisions,
        diagnostic::save,
        diagnostic::changes,
        diagnostic::declared_situation,
        steering::delays,
        steering::people,
        steering::stock,
        steering::stock_people,
        steering::offer,
        steering::offer_people,
        steering::occupation,
        oidc::join_requests,
        oidc::decide_join_request,
        oidc::password_policy,
        oidc::set_password_policy,
        oidc::set_password_login,
        steering::occupation_people,
        oarsa::oarsa,
        oarsa::oarsa_people,
        oarsa::oarsa_quality,
        oarsa::oarsa_settings,
        oarsa::set_oarsa_settings,
        fse_report::fse_operations,
        fse_report::create_fse_operation,
        fse_report::update_fse_operation,
        fse_report::fse_report,
        fse_report::fse_participants,
        fse_report::fse_quality,
        fse_report::sign_in_sheet,
        fse_report::monthly_sheet,
        fse_report::entry_questionnaire,
        contract::create,
        contract::of_person,
        contract::show,
        contract::update,
        contract::event,
        contract::pending,
        catalogue::catalogue,
        catalogue::list,
        catalogue::create,
        catalogue::show,
        catalogue::update,
        catalogue::practical,
        catalogue::status,
        catalogue::fundings,
        catalogue::add_funding,
        catalogue::delete_funding,
        catalogue::sessions,
        catalogue::add_session,
        catalogue::cancel_session,
        catalogue::structures,
        catalogue::create_structure,
        catalogue::structure,
        catalogue::update_structure,
        catalogue::families,
        catalogue::save_family,
        catalogue::programme,
        data_inclusion::data_inclusion_structures,
        data_inclusion::data_inclusion_services,
        data_inclusion::data_inclusion_import,
        referral::of_person,
        referral::eligibility,
        referral::choose,
        referral::prescribe,
        referral::inbox,
        referral::accept,
        referral::refuse,
        referral::offer,
        referral::exit,
        waiting_list::priority,
        referral::participants,
        fse::show,
        fse::save,
        attendance::attendance_sheet,
        attendance::record_attendance,
        referral::situation_4_weeks,
        referral::exits_to_follow_up,
        waiting_list::waiting_lists,
        appointment::list,
        appointment::create,
        follow_up::log_entries,
        follow_up::add_log_entry,
        meeting::meetings,
        meeting::plan_meeting,
        meeting::record_meeting_outcome,
        meeting::convocation_letter,
        meeting::agenda,
        meeting::plan_meetings,
        meeting::messages,
        meeting::resend_message,
        meeting::report_delivery,
        notification::notifications,
        notification::mark_read,
        notification::email_choices,
        notification::set_email_choices,
        weekly_hours::weekly_hours,
        weekly_hours::of_caseload,
        structure_dashboard::dashboard,
        self_referral::record,
        self_referral::check,
        self_referral::to_validate,
        self_referral::validate,
        self_referral::reject,
        import::import_caf,
        import::import_csv,
        import::list,
        import::show,
        import::changes,
        import::mappings,
        import::save,
    ),
    components(schemas(ErrorBody, ErrorDetail, ErrorCode, FieldErrorBody)),
    modifiers(&BearerAuth, &Statuses)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Mark {
        referral_id: String,
        status: String,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sheet {
        version: i64,
        #[serde(default)]
        marks: Vec<Mark>,
    }

    fn refused(value: serde_json::Value) -> Failure {
        match strict::<Sheet>(value) {
            Ok(sheet) => panic!("accepted: {sheet:?}"),
            Err(ApiError(failure)) => failure,
        }
    }

    #[test]
    fn an_unknown_field_is_named_with_its_path_at_any_depth() {
        assert!(strict::<Sheet>(serde_json::json!({"version": 1})).is_ok());
        let failure = refused(serde_json::json!({
            "version": 1, "comment": "x",
            "marks": [{"referral_id": "a", "status": "present"}, {"referral_id": "b", "status": "absent", "note": 2}]
        }));
        let Failure::Invalid(invalid) = failure else {
            panic!("{failure:?}");
        };
        let fields: Vec<&str> = invalid.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["comment", "marks.1.note"]);
        assert!(invalid.errors[1].message.contains("« marks.1.note »"));
    }

    #[test]
    fn a_wrong_value_is_a_bad_request_naming_where() {
        let failure = refused(
            serde_json::json!({"version": 1, "marks": [{"referral_id": 3, "status": "x"}]}),
        );
        let Failure::BadRequest(message) = failure else {
            panic!("{failure:?}");
        };
        assert!(message.contains("marks[0].referral_id"), "{message}");
        let failure = refused(serde_json::json!({"version": "1"}));
        assert!(matches!(failure, Failure::BadRequest(_)), "{failure:?}");
    }
}
