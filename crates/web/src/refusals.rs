//! Refused requests (403) are audited: who asked, for which address, and
//! why; the DPO's journal lists them (« Accès refusé »). The middleware puts
//! an empty slot in the request; the extractors of the caller (session or
//! bearer token) fill it; after the answer, a refusal is recorded under the
//! caller's name. A refusal before anyone is known (a form's expired CSRF
//! token) names nobody and is not recorded.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use parcours_domain::audit::{entity, AuditAction};
use parcours_store::Actor;
use std::sync::{Arc, Mutex};

/// Who made the request, once an extractor knows.
#[derive(Clone, Default)]
pub struct CallerSlot(Arc<Mutex<Option<Actor>>>);

impl CallerSlot {
    pub fn fill(&self, actor: Actor) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(actor);
        }
    }

    fn take(&self) -> Option<Actor> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Why the product refuses: the role's permissions or the person's scope
/// (the use cases say no more, so that a refusal reveals nothing).
const WHY: &str = "refusé : hors du rôle ou du périmètre du compte";

pub async fn audit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let slot = CallerSlot::default();
    request.extensions_mut().insert(slot.clone());
    // Under `/api/v1` the nested router sees the path without its prefix.
    let path = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |o| o.path().to_owned());
    let what = format!("{} {path}", request.method());
    let response = next.run(request).await;
    if response.status() == StatusCode::FORBIDDEN {
        if let Some(actor) = slot.take() {
            let recorded = state
                .store
                .audit(
                    &actor,
                    AuditAction::Refused,
                    entity::ROUTE,
                    Some(&what),
                    Some(WHY),
                )
                .await;
            if let Err(err) = recorded {
                tracing::warn!(%err, "could not audit a refused request");
            }
        }
    }
    response
}
