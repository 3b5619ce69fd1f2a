//! Recording attendance for a whole group in one go, by the action's
//! structure (or the chargé de mission): present, absent or excused for
//! each participant of a session.
//!
//! Who may record is the catalogue's rule on the session's action
//! ([`crate::catalogue::practical_action`]).

use crate::{App, CurrentUser, Failure};
use parcours_domain::referral::Attendance;
use parcours_domain::Invalid;
use parcours_store::attendance::SheetLine;
use parcours_store::catalogue::{Action, Session};
use uuid::Uuid;

/// The session whose attendance `me` records.
pub async fn session(app: &App, me: &CurrentUser, id: Uuid) -> Result<(Session, Action), Failure> {
    let session = app.store.session(id).await?;
    let action = crate::catalogue::practical_action(app, me, session.action_id).await?;
    Ok((session, action))
}

/// The participants that day and their mark.
pub async fn sheet(
    app: &App,
    me: &CurrentUser,
    session_id: Uuid,
) -> Result<Vec<SheetLine>, Failure> {
    session(app, me, session_id).await?;
    Ok(app.store.attendance_sheet(session_id).await?)
}

/// Records the marks: "present", "absent" or "excused" per positioning,
/// once the session has started and for those on the action that day; one
/// wrong mark refuses the whole sheet. Returns how many were recorded.
pub async fn record(
    app: &App,
    me: &CurrentUser,
    session_id: Uuid,
    marks: &[(String, String)],
) -> Result<usize, Failure> {
    session(app, me, session_id).await?;
    let parsed = parse_marks(marks)?;
    Ok(app
        .store
        .record_attendance(&me.actor(), session_id, &parsed, crate::clock::now())
        .await?)
}

fn parse_marks(marks: &[(String, String)]) -> Result<Vec<(Uuid, Attendance)>, Invalid> {
    use parcours_domain::validation::{bounded_list, ROWS_MAX};
    let mut invalid = Invalid::new();
    if !bounded_list(
        &mut invalid,
        "attendance",
        "Présences",
        marks.len(),
        ROWS_MAX,
    ) {
        return Err(invalid);
    }
    marks
        .iter()
        .map(|(referral, mark)| {
            match (
                Uuid::parse_str(referral.trim()),
                Attendance::from_code(mark.trim()),
            ) {
                (Ok(referral), Some(mark)) => Ok((referral, mark)),
                _ => Err(Invalid::field("attendance", "Chaque présence est « present », « absent » ou « excused » pour une personne inscrite.")),
            }
        })
        .collect()
}
