//! Notifications for staff: each user reads, marks read and chooses which
//! kinds reach them in a daily e-mail digest — their own only. The
//! notifications themselves are written by the store with what they tell
//! (an entry, a refusal, a place offered, a contract to validate…); the
//! clocks about to run out and the digests are the server's daily jobs.

use crate::{App, CurrentUser, Failure};
use parcours_domain::notification::{parse_email_choices, NotificationKind};
use parcours_domain::Invalid;
use parcours_store::notification::Notification;
use time::Duration;
use uuid::Uuid;

/// The caller's notifications, the newest first, and how many are unread.
pub async fn notifications(
    app: &App,
    me: &CurrentUser,
) -> Result<(Vec<Notification>, i64), Failure> {
    let list = app.store.notifications(me.user.id).await?;
    let unread = app.store.unread_notifications(me.user.id).await?;
    Ok((list, unread))
}

/// Marks the caller's notifications read: those named, or all when none
/// is (another user's are never touched). Returns how many.
pub async fn mark_read(app: &App, me: &CurrentUser, ids: &[String]) -> Result<u64, Failure> {
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        parsed.push(
            Uuid::parse_str(id)
                .map_err(|_| Invalid::field("ids", "Rechargez la page, puis recommencez."))?,
        );
    }
    Ok(app
        .store
        .mark_notifications_read(me.user.id, &parsed)
        .await?)
}

/// The kinds the caller receives by e-mail.
pub async fn email_choices(app: &App, me: &CurrentUser) -> Result<Vec<NotificationKind>, Failure> {
    Ok(app.store.email_choices(me.user.id).await?)
}

/// Replaces the kinds the caller receives by e-mail (none: no digest).
pub async fn set_email_choices(
    app: &App,
    me: &CurrentUser,
    raw: &[String],
) -> Result<Vec<NotificationKind>, Failure> {
    let kinds = parse_email_choices(raw)?;
    if !kinds.is_empty() && app.config.outbox.email.is_none() {
        return Err(Invalid::field(
            "by_email",
            "L'envoi de courriels n'est pas configuré sur ce serveur : les notifications restent dans Parcours.",
        )
        .into());
    }
    app.store
        .set_email_choices(&me.actor(), me.user.id, &kinds)
        .await?;
    Ok(kinds)
}

/// Tells each référent of their people's clocks due within the
/// département's « due soon » delay (once per clock and due date).
pub async fn notify_clocks_due(app: &App) -> Result<u64, Failure> {
    let today = crate::clock::today();
    let soon = app.store.deadline_settings().await?.due_soon_days;
    Ok(app
        .store
        .notify_clocks_due(today, today + Duration::days(soon))
        .await?)
}

/// Sends each user who chose some kinds by e-mail one message with their
/// unread notifications of those kinds not sent yet. Returns how many
/// e-mails went; one refused is tried again the next day.
pub async fn send_digests(app: &App) -> Result<usize, Failure> {
    let Some(sender) = &app.config.outbox.email else {
        return Ok(0);
    };
    let mut sent = 0;
    for digest in app.store.digests_due().await? {
        let lines: Vec<String> = digest
            .notifications
            .iter()
            .map(|n| match &n.person_name {
                Some(name) => format!("- {name} — {} : {}", n.kind.label(), n.text),
                None => format!("- {} : {}", n.kind.label(), n.text),
            })
            .collect();
        let email = crate::outbox::Email {
            to: digest.email.clone(),
            subject: format!(
                "Parcours : {}",
                crate::clock::fr_count(lines.len(), "nouvelle notification", "nouvelles notifications")
            ),
            text: format!(
                "Bonjour {},\n\nVoici ce qui s'est passé pour les personnes que vous suivez :\n\n{}\n\nRetrouvez-les dans Parcours, rubrique Notifications.\nVous choisissez ce que vous recevez par courriel sur la même page.",
                digest.display_name,
                lines.join("\n")
            ),
            calendar: None,
        };
        match sender.send(&email).await {
            Ok(_) => {
                let ids: Vec<Uuid> = digest.notifications.iter().map(|n| n.id).collect();
                app.store.mark_emailed(&ids).await?;
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(user = %digest.user_id, error = %err.message, "digest not sent")
            }
        }
    }
    Ok(sent)
}
