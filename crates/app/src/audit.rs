//! The DPO's journal of accesses and changes, with filters. Reading it is
//! itself audited.

use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::AuditAction;
use parcours_domain::{Invalid, Permission};
use parcours_store::{AuditEvent, AuditFilter};
use time::macros::format_description;
use time::{Date, Time};

/// The journal's filters as typed. Field errors are named as on the
/// screen (`du`, `au`, `action`); the API renames the dates.
#[derive(Debug, Clone, Default)]
pub struct JournalQuery {
    /// Part of the actor's label (e-mail), case-insensitive.
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// First day included, YYYY-MM-DD.
    pub from: String,
    /// Last day included, YYYY-MM-DD.
    pub to: String,
    /// From 1.
    pub page: Option<i64>,
}

impl JournalQuery {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
}

/// Who reads the journal, for the audit entry of that read.
#[derive(Debug, Clone, Copy)]
pub enum Channel {
    /// The screen: the filters are written in the entry.
    Screen,
    Api,
}

pub struct Journal {
    pub events: Vec<AuditEvent>,
    /// Whether a next page exists.
    pub has_more: bool,
}

/// One page of events, newest first; the read is audited.
pub async fn journal(
    app: &App,
    me: &CurrentUser,
    query: &JournalQuery,
    page_size: i64,
    channel: Channel,
) -> Result<Journal, Failure> {
    me.require(Permission::ReadAuditLog)?;
    let filter = to_filter(query, page_size)?;
    let mut events = app.store.audit_events(&filter).await?;
    let has_more = events.len() as i64 > page_size;
    events.truncate(page_size as usize);
    let detail = match channel {
        Channel::Screen => describe(query),
        Channel::Api => "API".to_owned(),
    };
    app.store
        .audit(
            &me.actor(),
            AuditAction::Read,
            "audit_log",
            None,
            Some(&detail),
        )
        .await?;
    Ok(Journal { events, has_more })
}

fn describe(query: &JournalQuery) -> String {
    format!(
        "filtres : acteur={} action={} entité={} id={} du={} au={}",
        query.actor, query.action, query.entity_type, query.entity_id, query.from, query.to
    )
    .chars()
    .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
    .take(2_000)
    .collect()
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn parse_day(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = Date::parse(raw, format_description!("[year]-[month]-[day]"));
    if parsed.is_err() {
        invalid.add(
            field,
            format!("La date « {label} » doit être au format AAAA-MM-JJ."),
        );
    }
    parsed.ok()
}

/// Turns the filters into a store filter, one row more than a page to
/// tell whether a next page exists.
fn to_filter(query: &JournalQuery, limit: i64) -> Result<AuditFilter, Invalid> {
    let mut invalid = Invalid::new();
    let action = non_empty(&query.action).and_then(|code| {
        let action = AuditAction::from_code(&code);
        if action.is_none() {
            invalid.add("action", "Choisissez une action dans la liste.");
        }
        action
    });
    let from = parse_day(&mut invalid, "du", "du", &query.from);
    let to = parse_day(&mut invalid, "au", "au", &query.to);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            invalid.add(
                "au",
                "La date de fin doit être postérieure ou égale à la date de début.",
            );
        }
    }
    invalid.into_result(AuditFilter {
        actor: non_empty(&query.actor),
        action,
        entity_type: non_empty(&query.entity_type),
        entity_id: non_empty(&query.entity_id),
        from: from.map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        // "au" is inclusive: up to the end of that day.
        to: to
            .and_then(|d| d.next_day())
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        limit: limit + 1,
        // A page past the end (however far) is an empty one, never an overflow.
        offset: (query.page() - 1).saturating_mul(limit),
    })
}

/// Audits that `me` saw the people of a list (their identity on a line of a
/// search, a caseload, a deadline list): one read per person, `what` saying
/// which list — pages and API alike, since both come through here.
pub(crate) async fn people_listed(
    app: &App,
    me: &CurrentUser,
    people: impl Iterator<Item = uuid::Uuid>,
    what: &str,
) -> Result<(), Failure> {
    let events: Vec<(String, String)> =
        people.map(|id| (id.to_string(), what.to_owned())).collect();
    if !events.is_empty() {
        app.store
            .audit_many(
                &me.actor(),
                AuditAction::Read,
                parcours_domain::audit::entity::PERSON,
                &events,
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str) -> JournalQuery {
        JournalQuery {
            from: from.into(),
            to: to.into(),
            ..JournalQuery::default()
        }
    }

    #[test]
    fn the_last_day_is_included() {
        let filter = to_filter(&query("2026-11-01", "2026-11-23"), 50).unwrap();
        assert_eq!(filter.from.unwrap().date().to_string(), "2026-11-01");
        assert_eq!(filter.to.unwrap().date().to_string(), "2026-11-24");
        assert_eq!(
            filter.limit, 51,
            "one more row tells whether a next page exists"
        );
    }

    #[test]
    fn bad_dates_and_actions_name_their_field() {
        let err = to_filter(&query("01/11/2026", ""), 50).unwrap_err();
        assert!(err.message_for("du").is_some());
        let err = to_filter(&query("2026-11-23", "2026-11-01"), 50).unwrap_err();
        assert!(err.message_for("au").is_some());
        let err = to_filter(
            &JournalQuery {
                action: "pirater".into(),
                ..JournalQuery::default()
            },
            50,
        )
        .unwrap_err();
        assert!(err.message_for("action").is_some());
    }

    #[test]
    fn pages_start_at_one() {
        let on_page = |page| {
            to_filter(
                &JournalQuery {
                    page: Some(page),
                    ..JournalQuery::default()
                },
                50,
            )
        };
        assert_eq!(on_page(-3).unwrap().offset, 0);
        assert_eq!(on_page(3).unwrap().offset, 100);
    }
}
