//! What pages share to show things in French: dates and instants (in Paris
//! time), periods, labels, choices. The one place where they are formatted.

use parcours_app::catalogue::ActionSheet;
use parcours_app::clock;
use parcours_domain::catalogue::{Public, Reception};
use parcours_domain::taxonomy;
use parcours_store::catalogue::{Action, Session};
use parcours_store::contract::Contract;
use parcours_store::person::PersonSummary;
use time::{Date, OffsetDateTime};

pub use parcours_app::clock::{fr_count, fr_date, fr_days};

/// A file to download (a PDF, a CSV, a workbook): never kept by a cache,
/// as it holds personal data or figures of a scope.
/// A list of people as the page shows it, downloaded when the query asks
/// for it (`format=csv` or `format=xlsx`; nothing else: `None`, the page).
pub fn download(
    format: &str,
    file_stem: &str,
    sheet: parcours_app::spreadsheet::Sheet,
) -> Result<Option<axum::response::Response>, parcours_app::Failure> {
    Ok(match format.trim() {
        "csv" => Some(attachment(
            "text/csv; charset=utf-8",
            &format!("{file_stem}.csv"),
            parcours_app::spreadsheet::csv(&sheet),
        )),
        "xlsx" => Some(attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{file_stem}.xlsx"),
            parcours_app::spreadsheet::xlsx(&[sheet])?,
        )),
        _ => None,
    })
}

/// The query of a list without its `format`, for its download links.
pub fn without_format(query: Option<&str>) -> String {
    query_without(query, &["format"])
}

/// A query string without the parameters `names` (a list's links set them anew).
pub fn query_without(query: Option<&str>, names: &[&str]) -> String {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !pair.is_empty() && !names.contains(&name)
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

pub fn fr_opt(date: Option<Date>) -> String {
    date.map(fr_date).unwrap_or_default()
}

/// The day of an instant in Paris (23:30 UTC on 5 December is the 6th).
pub fn fr_day(at: OffsetDateTime) -> String {
    fr_date(clock::date_in_paris(at))
}

/// 05/12/2026 14:30, as the clocks of Paris show it.
pub fn fr_instant(at: OffsetDateTime) -> String {
    let at = clock::in_paris(at);
    format!("{} {:02}:{:02}", fr_date(at.date()), at.hour(), at.minute())
}

/// 05/12/2026 14:30:05, Paris time (the audit trail's precision).
pub fn fr_instant_seconds(at: OffsetDateTime) -> String {
    let at = clock::in_paris(at);
    format!("{}:{:02}", fr_instant(at), at.second())
}

/// A person's line in lists.
pub struct Line {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub caf_number: String,
    pub commune: String,
    pub referent: String,
    pub next_due: String,
    pub late: bool,
    pub closed: bool,
}

pub fn line(p: &PersonSummary) -> Line {
    let today = clock::today();
    Line {
        id: p.id.to_string(),
        name: format!("{} {}", p.last_name.to_uppercase(), p.first_names),
        birth_date: fr_date(p.birth_date),
        caf_number: p.caf_number.clone().unwrap_or_default(),
        commune: p.commune_name.clone().unwrap_or_default(),
        referent: p.referent_name.clone().unwrap_or_else(|| "—".into()),
        next_due: match (p.next_due_on, p.next_due_kind) {
            (Some(due), Some(kind)) => format!("{} — {}", kind.label(), fr_date(due)),
            _ => "—".into(),
        },
        late: p.next_due_on.is_some_and(|d| d < today),
        closed: p.closed_on.is_some(),
    }
}

/// A contract's weekly hours and why they are reduced, if they are.
pub fn hours_text(contract: &Contract) -> Option<String> {
    let reason = contract.hours_reason.map(|r| r.label());
    let hours = match (contract.weekly_hours, reason) {
        (Some(0), Some(reason)) => format!("Dispense d'heures d'activité — {reason}"),
        (Some(h), Some(reason)) => format!("{h} heures par semaine (durée réduite — {reason})"),
        (Some(h), None) => format!("{h} heures par semaine"),
        (None, _) => return None,
    };
    Some(match contract.other_weekly_hours {
        Some(other) if other > 0 => {
            format!("{hours}, dont {other} heures d'autres activités prévues au contrat")
        }
        _ => hours,
    })
}

pub fn period_text(contract: &Contract) -> String {
    format!(
        "du {} au {} ({} mois)",
        fr_date(contract.starts_on),
        fr_date(contract.ends_on),
        contract.duration_months
    )
}

pub fn places_text(capacity: Option<i64>, taken: i64) -> String {
    match capacity {
        None => "Sans limite de places".to_owned(),
        Some(c) if taken >= c => format!("Complet ({c} places)"),
        Some(c) => {
            let left = c - taken;
            format!(
                "{left} place{} libre{} sur {c}",
                if left > 1 { "s" } else { "" },
                if left > 1 { "s" } else { "" }
            )
        }
    }
}

/// An option of a select or a checkbox.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub fn choices<'a>(
    all: impl IntoIterator<Item = (&'a str, &'a str)>,
    picked: &[String],
) -> Vec<Choice> {
    all.into_iter()
        .map(|(code, label)| Choice {
            code: code.to_owned(),
            label: label.to_owned(),
            selected: picked.iter().any(|p| p == code),
        })
        .collect()
}

/// The thématiques grouped by category, as checkboxes or options.
pub struct ThemeGroup {
    pub code: &'static str,
    pub label: &'static str,
    pub open: bool,
    pub items: Vec<Choice>,
}

pub fn theme_groups(picked: &[String]) -> Vec<ThemeGroup> {
    taxonomy::CATEGORIES
        .iter()
        .map(|c| {
            let prefix = format!("{}--", c.code);
            let items = choices(
                taxonomy::THEMATIQUES
                    .iter()
                    .filter(|(code, _)| code.starts_with(&prefix))
                    .copied(),
                picked,
            );
            ThemeGroup {
                code: c.code,
                label: c.label,
                open: items.iter().any(|i| i.selected),
                items,
            }
        })
        .collect()
}

/// What an action page shows, signed in or not.
pub struct ActionView {
    pub family: String,
    pub service_type: &'static str,
    pub format: &'static str,
    pub thematiques: Vec<&'static str>,
    pub publics: Vec<&'static str>,
    pub rules: Vec<String>,
    pub reception: Vec<&'static str>,
    pub place: String,
    pub schedule: String,
    pub period: String,
    pub places: String,
    pub hours: String,
    pub sessions: Vec<SessionLine>,
}

pub struct SessionLine {
    pub id: uuid::Uuid,
    pub date: String,
    pub hours: String,
    pub note: String,
    pub ad_hoc: bool,
    pub cancelled: bool,
}

/// An action's sheet in French: labels, rules with the communes named,
/// place, period, hours and its sessions.
pub fn action_view(sheet: &ActionSheet) -> ActionView {
    let action = &sheet.action;
    ActionView {
        family: sheet
            .family
            .as_ref()
            .map_or_else(|| "—".to_owned(), |f| f.label.clone()),
        service_type: action.service_type.label(),
        format: action.format.label(),
        thematiques: action
            .thematiques
            .iter()
            .filter_map(|t| taxonomy::thematique_label(t))
            .collect(),
        publics: action
            .publics
            .iter()
            .filter_map(|p| Public::from_code(p))
            .map(|p| p.label())
            .collect(),
        rules: action.eligibility.describe(|code| {
            sheet
                .communes
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_owned())
        }),
        reception: action
            .reception
            .iter()
            .filter_map(|r| Reception::from_code(r))
            .map(|r| r.label())
            .collect(),
        place: action_place(action),
        schedule: action.schedule.describe(),
        period: match action.ends_on {
            Some(end) => format!("Du {} au {}", fr_date(action.starts_on), fr_date(end)),
            None => format!("Depuis le {}", fr_date(action.starts_on)),
        },
        places: places_text(action.capacity, action.places_taken),
        hours: action_hours(action),
        sessions: sheet.sessions.iter().map(session_line).collect(),
    }
}

fn action_place(action: &Action) -> String {
    [
        action.address.clone(),
        action.postal_code.clone(),
        action.commune_name.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

fn action_hours(action: &Action) -> String {
    let mut hours = Vec::new();
    if let Some(h) = action.weekly_hours {
        hours.push(format!("{} h par semaine", h.to_string().replace('.', ",")));
    }
    if let Some(w) = action.duration_weeks {
        hours.push(format!(
            "pendant {w} semaine{}",
            if w > 1 { "s" } else { "" }
        ));
    }
    hours.join(", ")
}

fn session_line(s: &Session) -> SessionLine {
    SessionLine {
        id: s.id,
        date: fr_date(s.on_date),
        hours: match (&s.starts_at, &s.ends_at) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => String::new(),
        },
        note: s.note.clone().unwrap_or_default(),
        ad_hoc: s.ad_hoc,
        cancelled: s.cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_are_shown_in_paris_time() {
        assert_eq!(
            fr_instant(datetime!(2026-12-05 23:30 UTC)),
            "06/12/2026 00:30"
        );
        assert_eq!(fr_day(datetime!(2026-12-05 23:30 UTC)), "06/12/2026");
        assert_eq!(
            (fr_days(1), fr_days(2)),
            ("1 jour".into(), "2 jours".into())
        );
        // The night of the change to summer time: 01:00 UTC is 03:00 in Paris.
        assert_eq!(
            fr_instant(datetime!(2026-03-29 00:59 UTC)),
            "29/03/2026 01:59"
        );
        assert_eq!(
            fr_instant(datetime!(2026-03-29 01:00 UTC)),
            "29/03/2026 03:00"
        );
        assert_eq!(
            fr_instant_seconds(datetime!(2026-07-14 08:05:09 UTC)),
            "14/07/2026 10:05:09"
        );
    }

    #[test]
    fn places_agree_in_number() {
        assert_eq!(places_text(Some(10), 9), "1 place libre sur 10");
        assert_eq!(places_text(Some(10), 8), "2 places libres sur 10");
        assert_eq!(places_text(Some(10), 10), "Complet (10 places)");
        assert_eq!(places_text(None, 3), "Sans limite de places");
    }
}
