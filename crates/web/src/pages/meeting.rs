//! The référent's appointments (parcours_app::meeting): planned from the
//! person's page, their outcome recorded there, the week's agenda, and the
//! convocation letters (one, or the week's in one PDF).

use crate::auth::CurrentUser;
use crate::error::{template_failure, PageError};
use crate::extract::{Form, FormRows, Id, Query};
use crate::layout::{flash_outcome, Layout, Sent};
use crate::view::attachment;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use parcours_app::clock::{fr_long_date, now, week_code};
use parcours_app::meeting::{self, Agenda, AgendaRequest};
use parcours_app::outbox;
use parcours_domain::meeting::{BatchInput, MeetingInput, MeetingKind, MeetingOutcome};
use parcours_domain::schedule::fr_time;
use parcours_domain::Invalid;
use parcours_store::meeting::{AgendaOf, Meeting};
use parcours_store::outbox::Message;
use serde::Deserialize;
use time::Duration;
use tower_sessions::Session;
use uuid::Uuid;

/// `POST /personnes/{id}/rendez-vous`: plans an appointment the caller holds.
pub async fn plan_meeting(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(input, pairs): FormRows<MeetingInput>,
) -> Result<Response, PageError> {
    let result = meeting::plan_meeting(&state, &me, id, &input)
        .await
        .map(|m| {
            format!(
                "Rendez-vous planifié : {} le {}. Imprimez la convocation depuis la liste.",
                m.kind.label(),
                parcours_domain::meeting::fr_when(m.starts_at)
            )
        });
    let to = format!("/personnes/{id}#rendez-vous");
    flash_outcome(&session, result, Sent::new("rdv", pairs), &to).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutcomeForm {
    meeting_id: String,
    version: String,
    outcome: String,
}

/// `POST /personnes/{id}/rendez-vous/suite`: what became of one of the
/// person's appointments (or its cancellation); back to the person's page.
pub async fn record_meeting_outcome(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(person_id): Id,
    FormRows(form, pairs): FormRows<OutcomeForm>,
) -> Result<Response, PageError> {
    let read = Uuid::parse_str(form.meeting_id.trim())
        .ok()
        .zip(form.version.trim().parse::<i64>().ok());
    let result = match read {
        Some((id, version)) => {
            meeting::record_meeting_outcome(&state, &me, id, version, &form.outcome).await
        }
        None => Err(Invalid::field("outcome", "Rechargez la page, puis recommencez.").into()),
    }
    .map(|m| {
        let said = m.outcome.map_or("", MeetingOutcome::label);
        format!(
            "Rendez-vous du {} : {said}.",
            parcours_domain::meeting::fr_when(m.starts_at)
        )
    });
    let to = format!("/personnes/{person_id}#rendez-vous");
    let sent = Sent::new(format!("suite-{}", form.meeting_id.trim()), pairs);
    flash_outcome(&session, result, sent, &to).await
}

/// `GET /rendez-vous/{id}/convocation.pdf`.
pub async fn convocation_letter(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let bytes = meeting::convocation_letter(&state, &me, id).await?;
    Ok(attachment("application/pdf", "convocation.pdf", bytes))
}

/// The agenda's address: the week and whose.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AgendaQuery {
    /// 2026-W50, or a day of the week.
    semaine: String,
    /// « moi », « organisation » or a colleague's id.
    de: String,
    /// The appointments of a batch just planned, comma-separated, for their letters.
    lot: String,
}

impl AgendaQuery {
    fn read(&self) -> Result<(time::Date, AgendaRequest), Invalid> {
        let monday = meeting::week("semaine", &self.semaine)?;
        let request = match self.de.trim() {
            "" | "moi" => AgendaRequest::Mine,
            "organisation" => AgendaRequest::Organisation,
            id => AgendaRequest::Holder(Uuid::parse_str(id).map_err(|_| {
                Invalid::field("de", "Choisissez l'agenda à afficher dans la liste.")
            })?),
        };
        Ok((monday, request))
    }
}

/// One appointment in the agenda.
pub struct AgendaLine {
    pub id: String,
    pub person_id: String,
    pub time: String,
    pub duration: i64,
    pub kind: &'static str,
    pub person: String,
    pub holder: String,
    pub how: String,
    pub outcome: Option<&'static str>,
    pub cancelled: bool,
}

pub struct AgendaDay {
    pub label: String,
    pub lines: Vec<AgendaLine>,
}

#[derive(Template)]
#[template(path = "meeting/agenda.html")]
struct AgendaPage {
    layout: Layout,
    week: String,
    title: String,
    previous: String,
    next: String,
    whose: String,
    /// (value, label, selected)
    choices: Vec<(String, String, bool)>,
    days: Vec<AgendaDay>,
    count: usize,
    /// The batch just planned (`?lot=`), for its letters in one PDF.
    batch: Option<String>,
    /// The caller's convocations and reminders that did not reach the person.
    undelivered: Vec<MessageLine>,
}

/// `GET /agenda?semaine=2026-W50&de=moi`.
pub async fn agenda(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<AgendaQuery>,
) -> Result<Html<String>, PageError> {
    let (monday, request) = query.read()?;
    let agenda = meeting::agenda(&state, &me, monday, request).await?;
    let whose = match agenda.of {
        AgendaOf::Holder(id) if id == me.user.id => "moi".to_owned(),
        AgendaOf::Holder(id) => id.to_string(),
        AgendaOf::Organisation(_) => "organisation".to_owned(),
    };
    let mut choices = vec![
        ("moi".to_owned(), "Mes rendez-vous".to_owned()),
        (
            "organisation".to_owned(),
            format!("Toute l'organisation ({})", me.user.organisation_name),
        ),
    ];
    if me.role() == parcours_domain::Role::Manager {
        choices.extend(
            agenda
                .holders
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone())),
        );
    }
    let page = AgendaPage {
        layout: Layout::new(&session, &me, "Agenda des rendez-vous", "/agenda").await?,
        week: week_code(monday),
        title: format!("Semaine du {}", fr_long_date(monday)),
        previous: week_code(monday - Duration::days(7)),
        next: week_code(monday + Duration::days(7)),
        choices: choices
            .into_iter()
            .map(|(value, label)| {
                let selected = value == whose;
                (value, label, selected)
            })
            .collect(),
        whose,
        count: agenda.days.iter().map(|(_, d)| d.len()).sum(),
        days: days(&agenda),
        batch: Some(query.lot.trim().to_owned()).filter(|l| !l.is_empty()),
        undelivered: outbox::undelivered_messages(&state, &me)
            .await?
            .iter()
            .map(|m| message_line(m, true))
            .collect(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

fn days(agenda: &Agenda) -> Vec<AgendaDay> {
    agenda
        .days
        .iter()
        .map(|(day, meetings)| AgendaDay {
            label: fr_long_date(*day),
            lines: meetings.iter().map(agenda_line).collect(),
        })
        .collect()
}

fn agenda_line(m: &Meeting) -> AgendaLine {
    AgendaLine {
        id: m.id.to_string(),
        person_id: m.person_id.to_string(),
        time: fr_time(parcours_app::clock::in_paris(m.starts_at).time()),
        duration: m.duration_minutes,
        kind: m.kind.label(),
        person: m.person_name.clone(),
        holder: m.held_by_name.clone(),
        how: how(m),
        outcome: m.outcome.map(MeetingOutcome::label),
        cancelled: m.cancelled(),
    }
}

/// « Sur place — 2 rue de la Gare », « Par téléphone ».
pub fn how(m: &Meeting) -> String {
    match &m.place {
        Some(place) => format!("{} — {place}", m.modality.label()),
        None => m.modality.label().to_owned(),
    }
}

/// `GET /agenda/convocations.pdf?semaine=…&de=…`: the letters of the
/// week's appointments still to come, in one PDF.
pub async fn convocation_letters(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<AgendaQuery>,
) -> Result<Response, PageError> {
    let (monday, request) = query.read()?;
    let agenda = meeting::agenda(&state, &me, monday, request).await?;
    let bytes = meeting::convocation_letters(&state, &me, &agenda).await?;
    let name = format!("convocations-{}.pdf", week_code(monday));
    Ok(attachment("application/pdf", &name, bytes))
}

/// `GET /rendez-vous/convocations.pdf?lot=id,id`: the letters of a batch in one PDF.
pub async fn batch_letters(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<AgendaQuery>,
) -> Result<Response, PageError> {
    let ids: Vec<Uuid> = query
        .lot
        .split(',')
        .filter_map(|id| Uuid::parse_str(id.trim()).ok())
        .collect();
    let bytes = meeting::batch_letters(&state, &me, &ids).await?;
    Ok(attachment("application/pdf", "convocations.pdf", bytes))
}

/// Whether the appointment's time has come (its outcome may be recorded).
pub fn started(m: &Meeting) -> bool {
    m.starts_at <= now()
}

/// An appointment on the person's page.
pub struct PersonMeetingLine {
    pub id: String,
    pub version: i64,
    pub when: String,
    pub kind: &'static str,
    pub how: String,
    pub holder: String,
    pub outcome: Option<&'static str>,
    /// To come, not cancelled: the convocation and a cancellation.
    pub to_come: bool,
    /// Its time has come, the outcome not recorded yet.
    pub to_record: bool,
    /// The caller may record its outcome.
    pub may_record: bool,
    /// An absence without excuse.
    pub breach: bool,
}

/// The outcomes offered once the appointment's time has come (`true`), or
/// the cancellations before it (`false`).
pub fn outcome_choices(started: bool) -> Vec<(&'static str, &'static str)> {
    MeetingOutcome::ALL
        .iter()
        .filter(|o| o.is_cancellation() != started)
        .map(|o| (o.code(), o.label()))
        .collect()
}

pub fn person_meeting_line(
    m: &Meeting,
    access: &parcours_app::meeting::MeetingAccess,
    me: Uuid,
) -> PersonMeetingLine {
    let started = started(m);
    PersonMeetingLine {
        id: m.id.to_string(),
        version: m.version,
        when: parcours_domain::meeting::fr_when(m.starts_at),
        kind: m.kind.label(),
        how: how(m),
        holder: format!("{} ({})", m.held_by_name, m.organisation_name),
        outcome: m.outcome.map(MeetingOutcome::label),
        to_come: !started && m.outcome.is_none(),
        to_record: started && m.outcome.is_none(),
        may_record: access.may_plan(m.kind) || m.held_by == me,
        breach: m.outcome.is_some_and(MeetingOutcome::possible_breach),
    }
}

/// A convocation or reminder sent by e-mail or SMS, on the person's page.
pub struct MessageLine {
    pub id: String,
    pub person_id: String,
    pub person: String,
    /// « Convocation par SMS ».
    pub what: String,
    /// The appointment it is about.
    pub meeting: String,
    pub state: &'static str,
    /// Failed, bounced or unknown: the person may not have been told.
    pub attention: bool,
    /// Since when it is in that state, and where it went.
    pub when: String,
    pub error: Option<String>,
    pub may_resend: bool,
}

pub fn message_line(m: &Message, may_resend: bool) -> MessageLine {
    let mut when = parcours_domain::meeting::fr_when(m.state_at);
    if let Some(to) = &m.recipient {
        when.push_str(&format!(" — {to}"));
    }
    MessageLine {
        id: m.id.to_string(),
        person_id: m.person_id.to_string(),
        person: m.person_name.clone(),
        what: format!(
            "{} par {}",
            m.purpose.label(),
            m.channel.label().to_lowercase()
        ),
        meeting: format!(
            "{} du {}",
            m.meeting_kind.label(),
            parcours_domain::meeting::fr_when(m.meeting_starts_at)
        ),
        state: m.state.label(),
        attention: m.state.needs_attention(),
        when,
        error: m.last_error.clone().filter(|_| m.state.needs_attention()),
        may_resend: may_resend
            && m.state.needs_attention()
            && m.meeting_outcome.is_none()
            && m.meeting_starts_at > now(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResendForm {
    message_id: String,
}

/// `POST /personnes/{id}/messages/renvoi`: sends again a message that did
/// not reach the person.
pub async fn resend_message(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(person_id): Id,
    FormRows(form, pairs): FormRows<ResendForm>,
) -> Result<Response, PageError> {
    let result = match Uuid::parse_str(form.message_id.trim()) {
        Ok(id) => outbox::resend_message(&state, &me, id).await,
        Err(_) => Err(Invalid::field("message_id", "Rechargez la page, puis recommencez.").into()),
    }
    .map(|m| {
        format!(
            "{} par {} : renvoi programmé, il part dans la minute.",
            m.purpose.label(),
            m.channel.label().to_lowercase()
        )
    });
    let to = format!("/personnes/{person_id}#messages");
    let sent = Sent::new(format!("renvoi-{}", form.message_id.trim()), pairs);
    flash_outcome(&session, result, sent, &to).await
}

/// The people ticked in a work list (`?personne=…&personne=…`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BatchQuery {
    personne: Vec<String>,
}

#[derive(Template)]
#[template(path = "meeting/batch.html")]
struct BatchPage {
    layout: Layout,
    /// (id, name, may convoke)
    people: Vec<(String, String, bool)>,
    kinds: Vec<(&'static str, &'static str)>,
    modalities: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    slots: String,
}

/// `GET /rendez-vous/convocations?personne=…`: convoke the people ticked in
/// a work list, each to one of the caller's free slots.
pub async fn batch(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(query): Form<BatchQuery>,
) -> Result<Html<String>, PageError> {
    let chosen = meeting::convocable(&state, &me, &query.personne).await?;
    let count = chosen.iter().filter(|c| c.may_convoke).count();
    let slots = meeting::proposed_slots(
        &state,
        &me,
        count,
        parcours_domain::meeting::DURATION_DEFAULT,
    )
    .await?
    .join("\n");
    let page = BatchPage {
        layout: Layout::new(&session, &me, "Convoquer en nombre", "/agenda").await?,
        people: chosen
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone(), c.may_convoke))
            .collect(),
        kinds: MeetingKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        modalities: parcours_domain::meeting::Modality::choices(),
        channels: outbox::channel_choices(&state),
        slots,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

fn batch_address(people: &[String]) -> String {
    let query: Vec<String> = people
        .iter()
        .filter_map(|p| Uuid::parse_str(p.trim()).ok())
        .map(|p| format!("personne={p}"))
        .collect();
    format!("/rendez-vous/convocations?{}", query.join("&"))
}

/// The batch form: the shared fields, the people and the slots typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BatchForm {
    person_ids: Vec<String>,
    kind: String,
    duration_minutes: String,
    modality: String,
    place: String,
    note: String,
    /// One slot per line.
    slots: String,
    channels: Vec<String>,
}

/// `POST /rendez-vous/convocations`: all planned (then the letters to
/// print), or none with the refusal on the form.
pub async fn plan_meetings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    FormRows(form, pairs): FormRows<BatchForm>,
) -> Result<Response, PageError> {
    let back = batch_address(&form.person_ids);
    let input = BatchInput {
        person_ids: form.person_ids,
        kind: form.kind,
        duration_minutes: form.duration_minutes,
        modality: form.modality,
        place: form.place,
        note: form.note,
        slots: vec![form.slots],
        channels: form.channels,
    };
    let planned = meeting::plan_meetings(&state, &me, &input).await;
    let to = match &planned {
        // The agenda of the first one's week, with the batch's letters to print.
        Ok(meetings) => meetings.first().map_or("/agenda".to_owned(), |m| {
            let day = parcours_app::clock::date_in_paris(m.starts_at);
            let batch: Vec<String> = meetings.iter().map(|m| m.id.to_string()).collect();
            format!(
                "/agenda?semaine={}&lot={}#lot",
                week_code(parcours_app::clock::monday_of(day)),
                batch.join(",")
            )
        }),
        Err(_) => back,
    };
    let result = planned.map(|meetings| {
        format!(
            "{} : imprimez les convocations du lot ci-dessous.",
            parcours_app::clock::fr_count(
                meetings.len(),
                "rendez-vous planifié",
                "rendez-vous planifiés"
            ),
        )
    });
    flash_outcome(&session, result, Sent::new("convocations", pairs), &to).await
}
