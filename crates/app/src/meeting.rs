//! The référent's appointments with a person.
//!
//! Who: the person's référent and the cadre (within their scope, on an open
//! file to plan) see, plan and record every appointment; before anyone is
//! the person's référent, the orientation agents of the organisation
//! responsible for the file (its référents) see them and plan the
//! collective information and the orientation interview. The holder of an
//! appointment always records its outcome. Opérateurs, the chargé de
//! mission, the administrator and the DPO never see them (the DPO through
//! the right of access export). Every read that names people is audited.

use crate::clock::today;
use crate::person::visible_person;
use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::meeting::{
    free_slots, slot_text, BatchInput, MeetingData, MeetingInput, MeetingKind, MeetingOutcome,
};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::meeting::{AgendaOf, Meeting};
use parcours_store::orientation::Assignment;
use parcours_store::person::Person;
use time::{Date, Duration};
use uuid::Uuid;

/// What the caller may do with a person's appointments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeetingAccess {
    pub see: bool,
    /// Every kind of appointment (the référent, the cadre).
    pub plan_any: bool,
    /// The appointments before a référent (an orientation agent).
    pub plan_before_referent: bool,
}

impl MeetingAccess {
    pub fn may_plan(&self, kind: MeetingKind) -> bool {
        self.plan_any || (self.plan_before_referent && kind.before_referent())
    }

    /// The kinds the caller may plan, for a form's choices.
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        MeetingKind::ALL
            .iter()
            .filter(|k| self.may_plan(**k))
            .map(|k| (k.code(), k.label()))
            .collect()
    }
}

/// The caller's access to `person`'s appointments (the file already
/// checked as visible to them).
pub async fn meeting_access(
    app: &App,
    me: &CurrentUser,
    person: &Person,
) -> Result<MeetingAccess, Failure> {
    if !me.role().can(Permission::PlanMeetings) {
        return Ok(MeetingAccess::default());
    }
    let assignments = app.store.assignments(person.id).await?;
    Ok(meeting_access_of(me, person, &assignments))
}

/// The same, with the person's référent designations already read.
pub fn meeting_access_of(
    me: &CurrentUser,
    person: &Person,
    assignments: &[Assignment],
) -> MeetingAccess {
    if !me.role().can(Permission::PlanMeetings) {
        return MeetingAccess::default();
    }
    let current = assignments.iter().find(|a| a.ends_on.is_none());
    let (follows, agent) = match me.role() {
        Role::Manager => (true, false),
        Role::Referent => match current {
            Some(a) => (a.referent_id == me.user.id, false),
            // An orientation agent: a référent of the organisation, before anyone follows the person.
            None => (false, true),
        },
        // Only the roles above may plan appointments.
        _ => (false, false),
    };
    let open = person.closed_on.is_none();
    MeetingAccess {
        see: follows || agent,
        plan_any: follows && open,
        plan_before_referent: (follows || agent) && open,
    }
}

/// The person's appointments, the latest first; the read is audited.
pub async fn meetings(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Vec<Meeting>, Failure> {
    read_meetings(app, me, person_id).await?;
    Ok(app.store.meetings_of_person(person_id).await?)
}

/// Whether the caller sees the person's appointments (and their messages);
/// the read is audited.
pub(crate) async fn read_meetings(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<(), Failure> {
    let person = visible_person(app, me, person_id, Permission::ViewPersons).await?;
    if !meeting_access(app, me, &person).await?.see {
        return Err(Failure::Forbidden);
    }
    app.store
        .audit(
            &me.actor(),
            AuditAction::Read,
            entity::PERSON,
            Some(&person_id.to_string()),
            Some("rendez-vous"),
        )
        .await?;
    Ok(())
}

/// The appointments `access` may see, for a page whose read is already audited.
pub(crate) async fn visible_meetings(
    app: &App,
    access: &MeetingAccess,
    person_id: Uuid,
) -> Result<Vec<Meeting>, Failure> {
    match access.see {
        true => Ok(app.store.meetings_of_person(person_id).await?),
        false => Ok(Vec::new()),
    }
}

/// Plans an appointment the caller holds with the person.
pub async fn plan_meeting(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &MeetingInput,
) -> Result<Meeting, Failure> {
    let person = visible_person(app, me, person_id, Permission::ViewPersons).await?;
    let access = meeting_access(app, me, &person).await?;
    if !access.see {
        return Err(Failure::Forbidden);
    }
    if person.closed_on.is_some() {
        return Err(Invalid::field(
            "kind",
            "Ce dossier est clos : aucun rendez-vous ne se planifie plus.",
        )
        .into());
    }
    let data = MeetingData::parse(input, crate::clock::now())?;
    if !access.may_plan(data.kind) {
        return Err(kind_refused(data.kind).into());
    }
    crate::outbox::check_channels(app, "channels", &person, &data.channels)?;
    let planned = app
        .store
        .plan_meetings(
            &me.actor(),
            me.user.id,
            me.user.organisation_id,
            &[(person_id, data)],
            app.config.outbox.reminder_before,
        )
        .await?;
    planned.into_iter().next().ok_or(Failure::NotFound)
}

fn kind_refused(kind: MeetingKind) -> Invalid {
    Invalid::field(
        "kind",
        format!(
            "« {} » se planifie par le référent unique de la personne ou son cadre.",
            kind.label()
        ),
    )
}

/// Convokes several people at once, each to the next of the slots, all
/// held by the caller: all planned, or none (the refusal names the people
/// the caller may not convoke and the slots already taken).
pub async fn plan_meetings(
    app: &App,
    me: &CurrentUser,
    input: &BatchInput,
) -> Result<Vec<Meeting>, Failure> {
    me.require(Permission::PlanMeetings)?;
    let planned = input.parse(crate::clock::now())?;
    let mut invalid = Invalid::new();
    for (person_id, data) in &planned {
        let person = match visible_person(app, me, *person_id, Permission::ViewPersons).await {
            Ok(person) => person,
            Err(Failure::NotFound | Failure::Forbidden) => {
                invalid.add(
                    "person_ids",
                    "Une personne cochée n'est pas dans votre périmètre : rechargez la liste.",
                );
                continue;
            }
            Err(other) => return Err(other),
        };
        let access = meeting_access(app, me, &person).await?;
        let name = format!("{} {}", person.first_names, person.last_name);
        if person.closed_on.is_some() || !access.may_plan(data.kind) {
            invalid.add(
                "person_ids",
                format!("Vous ne pouvez pas convoquer {name} à « {} » : seul son référent unique ou son cadre le peut, sur un dossier ouvert.", data.kind.label()),
            );
            continue;
        }
        if let Err(missing) =
            crate::outbox::check_channels(app, "channels", &person, &data.channels)
        {
            invalid.merge(missing);
        }
    }
    invalid.into_result(())?;
    Ok(app
        .store
        .plan_meetings(
            &me.actor(),
            me.user.id,
            me.user.organisation_id,
            &planned,
            app.config.outbox.reminder_before,
        )
        .await?)
}

/// A person ticked for a batch convocation, and whether the caller may
/// convoke them.
pub struct Convocable {
    pub id: Uuid,
    pub name: String,
    pub may_convoke: bool,
}

/// The people ticked in a work list that the caller sees (the others are
/// left out), with whether the caller may convoke them; the read is audited.
pub async fn convocable(
    app: &App,
    me: &CurrentUser,
    ids: &[String],
) -> Result<Vec<Convocable>, Failure> {
    me.require(Permission::PlanMeetings)?;
    let mut people = Vec::new();
    for id in ids
        .iter()
        .filter_map(|id| Uuid::parse_str(id.trim()).ok())
        .take(parcours_domain::meeting::BATCH_MAX)
    {
        let person = match visible_person(app, me, id, Permission::ViewPersons).await {
            Ok(person) => person,
            Err(Failure::NotFound | Failure::Forbidden) => continue,
            Err(other) => return Err(other),
        };
        let access = meeting_access(app, me, &person).await?;
        people.push(Convocable {
            id,
            name: format!("{} {}", person.last_name.to_uppercase(), person.first_names),
            may_convoke: access.plan_before_referent || access.plan_any,
        });
    }
    let read: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.id.to_string(), "convocation en nombre".to_owned()))
        .collect();
    app.store
        .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &read)
        .await?;
    Ok(people)
}

/// The caller's next free slots of `duration` minutes, for `count` people
/// (working hours, around their appointments), as the batch form writes them.
pub async fn proposed_slots(
    app: &App,
    me: &CurrentUser,
    count: usize,
    duration: i64,
) -> Result<Vec<String>, Failure> {
    me.require(Permission::PlanMeetings)?;
    let now = crate::clock::now();
    let taken: Vec<(time::OffsetDateTime, i64)> = app
        .store
        .agenda(
            AgendaOf::Holder(me.user.id),
            now - Duration::days(1),
            now + Duration::days(29),
        )
        .await?
        .iter()
        .filter(|m| !m.cancelled())
        .map(|m| (m.starts_at, m.duration_minutes))
        .collect();
    Ok(free_slots(&taken, now, duration, count)
        .into_iter()
        .map(slot_text)
        .collect())
}

/// Records what became of an appointment, over the version the caller read.
pub async fn record_meeting_outcome(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    outcome: &str,
) -> Result<Meeting, Failure> {
    let meeting = app.store.meeting(id).await?;
    let person = visible_person(app, me, meeting.person_id, Permission::ViewPersons).await?;
    let access = meeting_access(app, me, &person).await?;
    if !(access.may_plan(meeting.kind) || meeting.held_by == me.user.id && access.see) {
        return Err(Failure::Forbidden);
    }
    let Some(outcome) = MeetingOutcome::from_code(outcome.trim()) else {
        return Err(Invalid::field(
            "outcome",
            "Choisissez ce qu'il est advenu du rendez-vous : venu(e), absent(e), excusé(e) ou annulé.",
        )
        .into());
    };
    Ok(app
        .store
        .record_meeting_outcome(&me.actor(), id, version, outcome)
        .await?)
}

/// One appointment, as its person's appointments are read (for its letter).
pub async fn meeting(app: &App, me: &CurrentUser, id: Uuid) -> Result<(Meeting, Person), Failure> {
    let meeting = app.store.meeting(id).await?;
    let person = visible_person(app, me, meeting.person_id, Permission::ViewPersons).await?;
    if !meeting_access(app, me, &person).await?.see {
        return Err(Failure::Forbidden);
    }
    Ok((meeting, person))
}

/// Whose agenda, as asked: a staff member (by id) or the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaRequest {
    Mine,
    Holder(Uuid),
    Organisation,
}

/// A week of appointments, Monday to Sunday.
pub struct Agenda {
    pub monday: Date,
    pub of: AgendaOf,
    /// Each day of the week and its appointments, in order.
    pub days: Vec<(Date, Vec<Meeting>)>,
    /// The staff of the organisation whose agenda the caller may open.
    pub holders: Vec<(Uuid, String)>,
}

/// The week starting `monday` (a Monday) of the caller's, a colleague's or
/// the organisation's appointments. A référent opens their own and their
/// organisation's; a cadre any of their organisation's staff and the
/// organisation's. The people named are audited as read.
pub async fn agenda(
    app: &App,
    me: &CurrentUser,
    monday: Date,
    request: AgendaRequest,
) -> Result<Agenda, Failure> {
    me.require(Permission::PlanMeetings)?;
    let holders = app.store.referents_of(me.user.organisation_id).await?;
    let of = match request {
        AgendaRequest::Mine => AgendaOf::Holder(me.user.id),
        AgendaRequest::Organisation => AgendaOf::Organisation(me.user.organisation_id),
        AgendaRequest::Holder(id) if id == me.user.id => AgendaOf::Holder(id),
        AgendaRequest::Holder(id) => {
            let colleague = holders.iter().any(|(h, _)| *h == id);
            if me.role() != Role::Manager || !colleague {
                return Err(Failure::Forbidden);
            }
            AgendaOf::Holder(id)
        }
    };
    let from = crate::clock::paris_instant(monday, time::Time::MIDNIGHT);
    let to = crate::clock::paris_instant(monday + Duration::days(7), time::Time::MIDNIGHT);
    let meetings = app.store.agenda(of, from, to).await?;
    let read: Vec<(String, String)> = meetings
        .iter()
        .map(|m| (m.person_id.to_string(), "agenda des rendez-vous".to_owned()))
        .collect();
    app.store
        .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &read)
        .await?;
    let days = (0..7)
        .map(|n| {
            let day = monday + Duration::days(n);
            let of_day = meetings
                .iter()
                .filter(|m| crate::clock::date_in_paris(m.starts_at) == day)
                .cloned()
                .collect();
            (day, of_day)
        })
        .collect();
    Ok(Agenda {
        monday,
        of,
        days,
        holders,
    })
}

/// The Monday of the week typed in `field` (AAAA-Wnn or a day of it);
/// this week in Paris when empty.
pub fn week(field: &str, raw: &str) -> Result<Date, Invalid> {
    match raw.trim() {
        "" => Ok(crate::clock::monday_of(today())),
        raw => crate::clock::parse_week(raw).ok_or_else(|| {
            Invalid::field(
                field,
                "La semaine s'écrit AAAA-Wnn (2026-W50) ou par une date de la semaine.",
            )
        }),
    }
}

/// The convocation letter of one appointment (PDF, for a window envelope).
pub async fn convocation_letter(app: &App, me: &CurrentUser, id: Uuid) -> Result<Vec<u8>, Failure> {
    let (meeting, person) = meeting(app, me, id).await?;
    let Some(letter) = letter_of(app, &meeting, &person).await? else {
        return Err(Invalid::field(
            "address",
            "L'adresse postale de la personne manque : complétez son dossier avant d'imprimer la convocation.",
        )
        .into());
    };
    audit_letters(app, me, &[&meeting]).await?;
    Ok(parcours_pdf::render_convocations(&[letter]))
}

/// The letters of the appointments still to come in an agenda, one PDF for
/// the batch; the people without a postal address are named in the refusal.
pub async fn convocation_letters(
    app: &App,
    me: &CurrentUser,
    agenda: &Agenda,
) -> Result<Vec<u8>, Failure> {
    let now = crate::clock::now();
    let to_come: Vec<&Meeting> = agenda
        .days
        .iter()
        .flat_map(|(_, meetings)| meetings)
        .filter(|m| m.starts_at > now && m.outcome.is_none())
        .collect();
    if to_come.is_empty() {
        return Err(Invalid::field(
            "semaine",
            "Aucun rendez-vous à venir cette semaine : aucune convocation à imprimer.",
        )
        .into());
    }
    letters_of(app, me, &to_come, "semaine").await
}

/// The letters of a batch just planned (by their ids), in one PDF; each
/// appointment read as its person's appointments are.
pub async fn batch_letters(app: &App, me: &CurrentUser, ids: &[Uuid]) -> Result<Vec<u8>, Failure> {
    if ids.is_empty() || ids.len() > parcours_domain::meeting::BATCH_MAX {
        return Err(Invalid::field(
            "lot",
            "Aucune convocation à imprimer : planifiez d'abord les rendez-vous.",
        )
        .into());
    }
    let mut batch = Vec::with_capacity(ids.len());
    for id in ids {
        batch.push(meeting(app, me, *id).await?.0);
    }
    let batch: Vec<&Meeting> = batch.iter().collect();
    letters_of(app, me, &batch, "lot").await
}

/// The letters of `meetings` in one PDF; the people without a postal
/// address are named in the refusal (on `field`), nothing printed.
async fn letters_of(
    app: &App,
    me: &CurrentUser,
    to_come: &[&Meeting],
    field: &str,
) -> Result<Vec<u8>, Failure> {
    let mut letters = Vec::new();
    let mut missing = Vec::new();
    for m in to_come {
        let person = app.store.person(m.person_id).await?;
        match letter_of(app, m, &person).await? {
            Some(letter) => letters.push(letter),
            None => missing.push(m.person_name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(Invalid::field(
            field,
            format!(
                "Adresse postale manquante pour : {}. Complétez leur dossier, puis imprimez à nouveau.",
                missing.join(", ")
            ),
        )
        .into());
    }
    audit_letters(app, me, to_come).await?;
    Ok(parcours_pdf::render_convocations(&letters))
}

async fn audit_letters(app: &App, me: &CurrentUser, meetings: &[&Meeting]) -> Result<(), Failure> {
    let read: Vec<(String, String)> = meetings
        .iter()
        .map(|m| {
            let when = parcours_domain::meeting::fr_when(m.starts_at);
            (
                m.person_id.to_string(),
                format!("convocation imprimée (rendez-vous du {when})"),
            )
        })
        .collect();
    Ok(app
        .store
        .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &read)
        .await?)
}

/// The letter's words: who writes, to whom, what for, when and where;
/// none when the person has no postal address.
async fn letter_of(
    app: &App,
    meeting: &Meeting,
    person: &Person,
) -> Result<Option<parcours_pdf::ConvocationLetter>, Failure> {
    use parcours_domain::meeting::{fr_when, Modality};
    use parcours_domain::person::Sex;
    let mut address: Vec<String> = person
        .address
        .as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if address.is_empty() {
        return Ok(None);
    }
    if let Some(code) = &person.commune_code {
        if let Some(commune) = app.store.commune_label(code).await? {
            address.push(commune);
        }
    }
    let holder = app.store.account(meeting.held_by).await?;
    let (civility, salutation) = match person.sex {
        Sex::Female => ("Mme", "Madame,"),
        Sex::Male => ("M.", "Monsieur,"),
    };
    let name = format!("{civility} {} {}", person.first_names, person.last_name);
    let mut details = vec![
        ("Date et heure".to_owned(), fr_when(meeting.starts_at)),
        (
            "Durée".to_owned(),
            format!("{} minutes environ", meeting.duration_minutes),
        ),
    ];
    let place = meeting.place.clone().unwrap_or_default();
    details.push(match meeting.modality {
        Modality::OnSite => ("Lieu".to_owned(), place),
        Modality::Phone => (
            "Par téléphone".to_owned(),
            match &person.phone {
                Some(phone) => format!("nous vous appellerons au {phone}"),
                None => "nous vous appellerons".to_owned(),
            },
        ),
        Modality::Video => (
            "En visioconférence".to_owned(),
            if place.is_empty() {
                "le lien vous sera envoyé".to_owned()
            } else {
                place
            },
        ),
    });
    details.push((
        "Avec".to_owned(),
        format!("{} ({})", holder.display_name, holder.organisation_name),
    ));
    let contact = holder
        .phone
        .as_deref()
        .map(|p| format!(" au {p}"))
        .unwrap_or_default();
    let mut sender = vec![
        holder.organisation_name.clone(),
        holder.display_name.clone(),
    ];
    sender.extend(holder.phone.as_deref().map(|p| format!("Tél. {p}")));
    Ok(Some(parcours_pdf::ConvocationLetter {
        sender_lines: sender,
        recipient_name: name,
        recipient_address: address,
        place_date: format!("Le {}", crate::clock::fr_long_date(today())),
        subject: format!(
            "Rendez-vous du {}",
            crate::clock::fr_long_date(crate::clock::date_in_paris(meeting.starts_at))
        ),
        salutation: salutation.to_owned(),
        paragraphs: vec![
            purpose(meeting.kind).to_owned(),
            "Ce rendez-vous fait partie de vos engagements : votre présence est importante.".to_owned(),
        ],
        details,
        to_bring: meeting
            .note
            .as_deref()
            .unwrap_or_default()
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        closing: format!(
            "En cas d'empêchement, prévenez-nous au plus tôt{contact} : nous fixerons ensemble une autre date."
        ),
        signature_lines: vec![holder.display_name, holder.organisation_name],
    }))
}

/// What the appointment is for, in plain words.
fn purpose(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::CollectiveInformation => {
            "Vous êtes convoqué(e) à une réunion d'information collective : nous vous y présenterons l'accompagnement auquel vous avez droit et répondrons à vos questions."
        }
        MeetingKind::Orientation => {
            "Vous êtes convoqué(e) à un entretien pour faire le point sur votre situation et choisir avec vous l'accompagnement le plus adapté."
        }
        MeetingKind::Diagnostic => {
            "Vous êtes convoqué(e) à un entretien pour faire avec vous le point sur votre situation, vos projets et ce qui peut vous freiner."
        }
        MeetingKind::ContractSignature => {
            "Vous êtes convoqué(e) à un entretien pour rédiger et signer ensemble votre contrat d'engagement."
        }
        MeetingKind::FollowUp => {
            "Vous êtes convoqué(e) à un entretien pour faire le point sur votre parcours et vos démarches en cours."
        }
        MeetingKind::Review => {
            "Vous êtes convoqué(e) à un entretien pour faire le bilan de votre contrat et décider ensemble de la suite."
        }
    }
}
