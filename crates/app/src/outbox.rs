//! Convocations and reminders sent by e-mail and SMS: the senders (behind
//! two small traits, so that a département plugs its SMTP relay and its
//! SMS provider), the delivery job that empties the outbox, and what the
//! référent sees and does of the messages (their state on the person's
//! page, the failures to look at, a message sent again).
//!
//! Who: the messages of a person are seen by whoever sees their
//! appointments; a message is sent again by whoever may record its
//! appointment; providers' delivery reports come through the API with an
//! administrator's token (an integration's account).

use crate::meeting::meeting_access;
use crate::person::visible_person;
use crate::{App, CurrentUser, Failure};
use parcours_domain::meeting::{fr_when, MeetingKind, Modality};
use parcours_domain::outbox::{
    mobile_number, retry_after, CalendarEvent, Channel, DeliveryReport, DeliveryState, Purpose,
    MAX_ATTEMPTS,
};
use parcours_domain::{Invalid, Permission};
use parcours_store::meeting::Meeting;
use parcours_store::outbox::{Attempt, Message};
use parcours_store::person::Person;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// An e-mail to one person, with its calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// An iCalendar event (`text/calendar`), as an attachment.
    pub calendar: Option<String>,
}

/// Why a send did not go through. A permanent refusal (an address the
/// server rejects) is not tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

/// Where e-mails go out (an SMTP relay in production).
#[async_trait::async_trait]
pub trait EmailSender: Send + Sync {
    /// The server's id of the message when it gives one.
    async fn send(&self, email: &Email) -> Result<Option<String>, SendError>;
}

/// Where SMS go out (a provider's HTTP API, or the log for the demo).
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// `to` in international form (+33…); the provider's id of the message.
    async fn send(&self, to: &str, text: &str) -> Result<Option<String>, SendError>;
}

/// The sending settings: which channels exist, when reminders go.
#[derive(Clone)]
pub struct OutboxSettings {
    /// How long before the appointment its reminder is sent.
    pub reminder_before: Duration,
    pub email: Option<Arc<dyn EmailSender>>,
    pub sms: Option<Arc<dyn SmsSender>>,
}

impl Default for OutboxSettings {
    /// Nothing sent (the letter only); reminders two days ahead.
    fn default() -> Self {
        OutboxSettings {
            reminder_before: Duration::hours(48),
            email: None,
            sms: None,
        }
    }
}

impl std::fmt::Debug for OutboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSettings")
            .field("reminder_before", &self.reminder_before)
            .field("channels", &self.channels())
            .finish()
    }
}

impl OutboxSettings {
    /// The channels a convocation may be sent on.
    pub fn channels(&self) -> Vec<Channel> {
        let mut channels = Vec::new();
        if self.email.is_some() {
            channels.push(Channel::Email);
        }
        if self.sms.is_some() {
            channels.push(Channel::Sms);
        }
        channels
    }
}

/// Whether each channel chosen is configured and reaches the person; the
/// refusal (on `field`) names what is missing, nothing is planned.
pub(crate) fn check_channels(
    app: &App,
    field: &str,
    person: &Person,
    channels: &[Channel],
) -> Result<(), Invalid> {
    let configured = app.config.outbox.channels();
    if let Some(missing) = channels.iter().find(|c| !configured.contains(c)) {
        return Err(Invalid::field(
            field,
            format!(
                "L'envoi par {} n'est pas configuré sur ce serveur : imprimez la convocation.",
                missing.label().to_lowercase()
            ),
        ));
    }
    let who = format!("{} {}", person.first_names, person.last_name);
    parcours_domain::outbox::check_reachable(
        field,
        &who,
        channels,
        person.email.as_deref(),
        person.phone.as_deref(),
    )
}

/// What one round of the delivery job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub sent: usize,
    pub refused: usize,
    /// Sends found interrupted (their result unknown, not sent again).
    pub interrupted: u64,
}

/// How many messages one round takes at most.
const ROUND: i64 = 50;

/// Sends what is due: every message waiting whose time has come, each
/// taken by this sender alone, its result recorded. Called by the server
/// every few seconds; never by a page.
pub async fn deliver_due(app: &App) -> Result<DeliveryRound, Failure> {
    let now = crate::clock::now();
    let mut round = DeliveryRound {
        interrupted: app.store.interrupt_stale_sends(now).await?,
        ..DeliveryRound::default()
    };
    for message in app.store.take_due_messages(now, ROUND).await? {
        let attempt = attempt(app, &message, now).await?;
        match &attempt {
            Attempt::Sent { .. } => round.sent += 1,
            Attempt::Refused { error, .. } => {
                tracing::warn!(message = %message.id, channel = message.channel.code(), %error, "message not sent");
                round.refused += 1;
            }
        }
        app.store.record_attempt(message.id, &attempt).await?;
    }
    Ok(round)
}

/// Sends one message it took, and says how it went.
async fn attempt(app: &App, message: &Message, now: OffsetDateTime) -> Result<Attempt, Failure> {
    let meeting = app.store.meeting(message.meeting_id).await?;
    // A cancellation is told of a cancelled appointment; the others of one still to come.
    let current = match message.purpose {
        Purpose::Cancellation => meeting.cancelled(),
        _ => meeting.outcome.is_none(),
    };
    if !current || meeting.starts_at <= now {
        return Ok(given_up(
            "le rendez-vous a eu lieu ou a été annulé avant l'envoi",
        ));
    }
    let person = app.store.person(message.person_id).await?;
    let holder = app.store.account(meeting.held_by).await?;
    let words = Words::of(
        &meeting,
        &holder.display_name,
        &holder.organisation_name,
        holder.phone.as_deref(),
    );
    let sent = match message.channel {
        Channel::Email => {
            let (Some(sender), Some(to)) = (&app.config.outbox.email, person.email.clone()) else {
                return Ok(given_up(
                    "pas d'adresse électronique ou envoi par courriel non configuré",
                ));
            };
            let email = words.email(message.purpose, &to, &meeting, now);
            sender.send(&email).await.map(|id| (to, id))
        }
        Channel::Sms => {
            let to = person.phone.as_deref().and_then(mobile_number);
            let (Some(sender), Some(to)) = (&app.config.outbox.sms, to) else {
                return Ok(given_up(
                    "pas de numéro de portable ou envoi par SMS non configuré",
                ));
            };
            sender
                .send(&to, &words.sms(message.purpose))
                .await
                .map(|id| (to, id))
        }
    };
    Ok(match sent {
        Ok((recipient, provider_id)) => Attempt::Sent {
            recipient,
            provider_id,
        },
        Err(err) => Attempt::Refused {
            retry_at: (!err.permanent && message.attempts < MAX_ATTEMPTS)
                .then(|| now + retry_after(message.attempts)),
            error: err.message,
        },
    })
}

fn given_up(why: &str) -> Attempt {
    Attempt::Refused {
        error: why.to_owned(),
        retry_at: None,
    }
}

/// What a message says of its appointment, in plain words and without
/// naming the RSA (an SMS or an e-mail may be read by someone else).
struct Words {
    kind: &'static str,
    when: String,
    how: String,
    with: String,
    contact: String,
}

impl Words {
    fn of(meeting: &Meeting, holder: &str, organisation: &str, phone: Option<&str>) -> Words {
        let place = meeting.place.clone().unwrap_or_default();
        Words {
            kind: kind_words(meeting.kind),
            when: fr_when(meeting.starts_at),
            how: match meeting.modality {
                Modality::OnSite => format!("au {place}"),
                Modality::Phone => "par téléphone : nous vous appellerons".to_owned(),
                Modality::Video if place.is_empty() => "en visioconférence".to_owned(),
                Modality::Video => format!("en visioconférence ({place})"),
            },
            with: format!("{holder} ({organisation})"),
            contact: phone.map(|p| format!(" au {p}")).unwrap_or_default(),
        }
    }

    fn sms(&self, purpose: Purpose) -> String {
        let lead = match purpose {
            Purpose::Convocation => "Vous êtes convoqué(e)",
            Purpose::Reminder => "Rappel : vous êtes attendu(e)",
            Purpose::Cancellation => {
                return format!(
                    "Votre rendez-vous du {} ({}) est annulé par le service : nous vous proposerons une autre date. Questions : contactez-nous{}.",
                    self.when, self.kind, self.contact
                )
            }
        };
        format!(
            "{lead} le {} {}, {}, avec {}. Empêchement : prévenez-nous{}.",
            self.when, self.how, self.kind, self.with, self.contact
        )
    }

    fn email(&self, purpose: Purpose, to: &str, meeting: &Meeting, now: OffsetDateTime) -> Email {
        let subject = match purpose {
            Purpose::Convocation => format!("Convocation : rendez-vous du {}", self.when),
            Purpose::Reminder => format!("Rappel : rendez-vous du {}", self.when),
            Purpose::Cancellation => format!("Annulation : rendez-vous du {}", self.when),
        };
        let mut text = vec![
            "Bonjour,".to_owned(),
            String::new(),
            match purpose {
                Purpose::Convocation => {
                    format!("Vous êtes convoqué(e) à un rendez-vous : {}.", self.kind)
                }
                Purpose::Reminder => {
                    format!("Nous vous rappelons votre rendez-vous : {}.", self.kind)
                }
                Purpose::Cancellation => format!(
                    "Votre rendez-vous ({}) est annulé par le service : vous n'avez pas à vous déplacer. Nous vous proposerons une autre date.",
                    self.kind
                ),
            },
            String::new(),
            format!("Date et heure : {}", self.when),
            format!("Durée : {} minutes environ", meeting.duration_minutes),
            format!("Lieu : {}", self.how),
            format!("Avec : {}", self.with),
        ];
        let cancelled = purpose == Purpose::Cancellation;
        if let Some(note) = meeting
            .note
            .as_deref()
            .filter(|n| !n.trim().is_empty() && !cancelled)
        {
            text.push(format!("À apporter : {}", note.trim()));
        }
        text.push(String::new());
        text.extend(match cancelled {
            true => vec![format!("Pour toute question, contactez-nous{}.", self.contact)],
            false => vec![
                "Ce rendez-vous fait partie de vos engagements : votre présence est importante."
                    .to_owned(),
                format!(
                    "En cas d'empêchement, prévenez-nous au plus tôt{} : nous fixerons ensemble une autre date.",
                    self.contact
                ),
            ],
        });
        text.extend([String::new(), self.with.clone()]);
        let uid = format!("{}@parcours", meeting.id);
        let summary = format!("Rendez-vous : {}", self.kind);
        let calendar = CalendarEvent {
            uid: &uid,
            starts_at: meeting.starts_at,
            duration_minutes: meeting.duration_minutes,
            summary: &summary,
            location: &self.how,
            description: &format!("Avec {}", self.with),
            cancelled,
        };
        Email {
            to: to.to_owned(),
            subject,
            text: text.join("\n"),
            calendar: Some(calendar.to_ics(now)),
        }
    }
}

fn kind_words(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::CollectiveInformation => "réunion d'information collective",
        MeetingKind::Orientation => "entretien pour choisir votre accompagnement",
        MeetingKind::Diagnostic => "entretien pour faire le point sur votre situation",
        MeetingKind::ContractSignature => "signature de votre contrat d'engagement",
        MeetingKind::FollowUp => "entretien de suivi",
        MeetingKind::Review => "bilan de votre contrat",
    }
}

/// The person's messages, as whoever sees their appointments (the read is
/// audited with the appointments').
pub async fn messages(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Vec<Message>, Failure> {
    crate::meeting::read_meetings(app, me, person_id).await?;
    Ok(app.store.messages_of_person(person_id).await?)
}

/// The messages `see` allows, for a page whose read is already audited.
pub(crate) async fn visible_messages(
    app: &App,
    see: bool,
    person_id: Uuid,
) -> Result<Vec<Message>, Failure> {
    match see {
        true => Ok(app.store.messages_of_person(person_id).await?),
        false => Ok(Vec::new()),
    }
}

/// Sends again a message that failed, bounced or whose result is unknown.
pub async fn resend_message(app: &App, me: &CurrentUser, id: Uuid) -> Result<Message, Failure> {
    let message = app.store.message(id).await?;
    let person = visible_person(app, me, message.person_id, Permission::ViewPersons).await?;
    let access = meeting_access(app, me, &person).await?;
    if !(access.may_plan(message.meeting_kind) || message.held_by == me.user.id && access.see) {
        return Err(Failure::Forbidden);
    }
    if message.meeting_outcome.is_some() || message.meeting_starts_at <= crate::clock::now() {
        return Err(Invalid::field(
            "message_id",
            "Ce rendez-vous est passé ou annulé : rien n'est renvoyé.",
        )
        .into());
    }
    check_channels(app, "message_id", &person, &[message.channel])?;
    Ok(app.store.resend_message(&me.actor(), id).await?)
}

/// The caller's messages that did not reach the person, for appointments
/// still to come: their list of things to do.
pub async fn undelivered_messages(app: &App, me: &CurrentUser) -> Result<Vec<Message>, Failure> {
    if !me.role().can(Permission::PlanMeetings) {
        return Ok(Vec::new());
    }
    Ok(app
        .store
        .undelivered_messages(me.user.id, crate::clock::now())
        .await?)
}

/// Records a provider's report on a message it accepted.
pub async fn report_delivery(
    app: &App,
    me: &CurrentUser,
    report: &DeliveryReport,
) -> Result<Message, Failure> {
    me.require(Permission::ManageSettings)?;
    let mut invalid = Invalid::new();
    let channel = Channel::from_code(report.channel.trim());
    if channel.is_none() {
        invalid.add("channel", "Le canal est « email » ou « sms ».");
    }
    let state = DeliveryState::from_code(report.state.trim()).filter(|s| s.reported());
    if state.is_none() {
        invalid.add(
            "state",
            "L'état rapporté est « remis », « rejete » ou « echec ».",
        );
    }
    if report.provider_id.trim().is_empty() {
        invalid.add(
            "provider_id",
            "L'identifiant du message chez le prestataire est obligatoire.",
        );
    }
    let (Some(channel), Some(state)) = (channel, state) else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    let detail = report.detail.trim();
    let detail = (!detail.is_empty()).then(|| parcours_domain::validation::printable(detail, 500));
    Ok(app
        .store
        .report_delivery(
            &me.actor(),
            channel,
            report.provider_id.trim(),
            state,
            detail.as_deref(),
        )
        .await?)
}

/// The channels a form offers, with their labels.
pub fn channel_choices(app: &App) -> Vec<(&'static str, &'static str)> {
    app.config
        .outbox
        .channels()
        .iter()
        .map(|c| (c.code(), c.label()))
        .collect()
}
