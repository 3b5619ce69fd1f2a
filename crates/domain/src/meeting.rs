//! The référent's appointments with a person (rendez-vous du parcours):
//! collective information, orientation, diagnostic, contract signature,
//! follow-up, review. Planned ahead at a time in Paris, for a duration, on
//! site, by phone or by video; then their outcome is recorded once the
//! time has come (attended, absent, excused), or they are cancelled by
//! either side before. An absence without excuse is a possible breach of
//! the person's obligations, kept for the follow-up.
//!
//! (The structures' appointments inside an individual action are
//! [`crate::appointment`]: sessions of a positioning.)

use crate::clock::{fr_long_date, in_paris, paris_instant};
use crate::outbox::{parse_channels, Channel};
use crate::person::{codes, required_date};
use crate::schedule::{fr_time, parse_time};
use crate::validation::{free_text, optional_text, Invalid};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Longest place or video link.
pub const PLACE_MAX: usize = 300;
/// Longest note (what to bring, the reason in a few words).
pub const NOTE_MAX: usize = 1000;
/// Bounds of a duration, in minutes.
pub const DURATION_MIN: i64 = 10;
pub const DURATION_MAX: i64 = 480;
/// The duration when none is typed.
pub const DURATION_DEFAULT: i64 = 45;
/// How far ahead an appointment may be planned.
pub const AHEAD_MAX: Duration = Duration::days(366);

codes!(
    /// What the appointment is for.
    MeetingKind {
        CollectiveInformation = "information_collective", "Information collective";
        Orientation = "orientation", "Entretien d'orientation";
        Diagnostic = "diagnostic", "Diagnostic";
        ContractSignature = "signature", "Signature du contrat";
        FollowUp = "suivi", "Entretien de suivi";
        Review = "bilan", "Bilan";
    }
);

impl MeetingKind {
    /// Whether an appointment of this kind meets the deadline `clock`
    /// (the orientation interview the orientation's, the signature the
    /// contract's…), for the clocks to show it.
    pub fn serves(self, clock: crate::deadline::ClockKind) -> bool {
        use crate::deadline::ClockKind;
        match clock {
            ClockKind::Orientation => self.before_referent(),
            ClockKind::Contract => matches!(
                self,
                MeetingKind::Diagnostic | MeetingKind::ContractSignature
            ),
            ClockKind::JointReview | ClockKind::ContractEnd => {
                matches!(self, MeetingKind::Review | MeetingKind::FollowUp)
            }
        }
    }

    /// The appointments an orientation agent of the organisation holds
    /// before anyone is the person's référent.
    pub fn before_referent(self) -> bool {
        matches!(
            self,
            MeetingKind::CollectiveInformation | MeetingKind::Orientation
        )
    }
}

codes!(
    /// How the person and the référent meet.
    Modality {
        OnSite = "sur_place", "Sur place";
        Phone = "telephone", "Par téléphone";
        Video = "visio", "En visioconférence";
    }
);

codes!(
    /// What became of the appointment.
    MeetingOutcome {
        Attended = "venu", "Venu(e)";
        Absent = "absent", "Absent(e) sans excuse";
        Excused = "excuse", "Absent(e), excusé(e)";
        CancelledByPerson = "annule_personne", "Annulé par la personne";
        CancelledByService = "annule_service", "Annulé par le service";
    }
);

impl MeetingOutcome {
    /// A cancellation is said before the time; the others once it has come.
    pub fn is_cancellation(self) -> bool {
        matches!(
            self,
            MeetingOutcome::CancelledByPerson | MeetingOutcome::CancelledByService
        )
    }

    /// An absence without excuse may be a breach of the person's obligations.
    pub fn possible_breach(self) -> bool {
        self == MeetingOutcome::Absent
    }
}

/// An appointment as typed in the form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MeetingInput {
    /// information_collective, orientation, diagnostic, signature, suivi, bilan.
    #[serde(default)]
    pub kind: String,
    /// AAAA-MM-JJ or JJ/MM/AAAA.
    #[serde(default)]
    pub on_date: String,
    /// HH:MM, in Paris.
    #[serde(default)]
    pub starts_at: String,
    /// In minutes, 10 to 480; 45 when empty.
    #[serde(default)]
    pub duration_minutes: String,
    /// sur_place, telephone, visio.
    #[serde(default)]
    pub modality: String,
    /// The address of the place, or the video link; required on site.
    #[serde(default)]
    pub place: String,
    /// What to bring, said in the convocation.
    #[serde(default)]
    pub note: String,
    /// How the convocation is also sent: email, sms (none: the letter only).
    #[serde(default)]
    pub channels: Vec<String>,
}

/// A valid appointment (a value that exists is well formed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingData {
    pub kind: MeetingKind,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub modality: Modality,
    pub place: Option<String>,
    pub note: Option<String>,
    /// Where the convocation and its reminder are sent besides the letter.
    pub channels: Vec<Channel>,
}

impl MeetingData {
    /// Every error at once. An appointment is planned ahead of `now`, at
    /// most a year ahead.
    pub fn parse(input: &MeetingInput, now: OffsetDateTime) -> Result<MeetingData, Invalid> {
        let mut invalid = Invalid::new();
        let kind = MeetingKind::from_code(input.kind.trim());
        if kind.is_none() {
            invalid.add("kind", "Choisissez l'objet du rendez-vous.");
        }
        let on_date = required_date(&mut invalid, "on_date", "Date", &input.on_date);
        let time = if input.starts_at.trim().is_empty() {
            invalid.add("starts_at", "Le champ « Heure » est obligatoire (HH:MM).");
            None
        } else {
            parse_time(&mut invalid, "starts_at", "Heure", &input.starts_at)
        };
        let duration_minutes = duration(&mut invalid, &input.duration_minutes);
        let modality = Modality::from_code(input.modality.trim());
        if modality.is_none() {
            invalid.add(
                "modality",
                "Choisissez comment se tient le rendez-vous : sur place, par téléphone ou en visioconférence.",
            );
        }
        let place = optional_text(&mut invalid, "place", "Lieu", &input.place, PLACE_MAX);
        if modality == Some(Modality::OnSite) && place.is_none() {
            invalid.add(
                "place",
                "Indiquez l'adresse du rendez-vous sur place : elle figure sur la convocation.",
            );
        }
        let note = free_text(&mut invalid, "note", "À apporter", &input.note, NOTE_MAX);
        let note = (!note.is_empty()).then_some(note);
        let channels = parse_channels(&mut invalid, "channels", &input.channels);
        let starts_at = on_date.zip(time).map(|(d, t)| paris_instant(d, t));
        if let Some(at) = starts_at {
            if at <= now {
                invalid.add(
                    "on_date",
                    "Un rendez-vous se fixe à venir : cette date et cette heure sont passées.",
                );
            } else if at > now + AHEAD_MAX {
                invalid.add(
                    "on_date",
                    "Un rendez-vous se fixe au plus un an à l'avance.",
                );
            }
        }
        let (Some(kind), Some(starts_at), Some(duration_minutes), Some(modality)) =
            (kind, starts_at, duration_minutes, modality)
        else {
            return Err(invalid);
        };
        invalid.into_result(MeetingData {
            kind,
            starts_at,
            duration_minutes,
            modality,
            place,
            note,
            channels,
        })
    }

    pub fn ends_at(&self) -> OffsetDateTime {
        self.starts_at + Duration::minutes(self.duration_minutes)
    }
}

/// Several people convoked at once, each given the next slot of a list
/// (as typed in the batch form or sent to the API).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BatchInput {
    /// The people convoked, in the order they take the slots.
    pub person_ids: Vec<String>,
    pub kind: String,
    pub duration_minutes: String,
    pub modality: String,
    pub place: String,
    pub note: String,
    /// One slot per person, in order: « JJ/MM/AAAA HH:MM » or « AAAA-MM-JJ HH:MM », in Paris.
    pub slots: Vec<String>,
    pub channels: Vec<String>,
}

/// Most people convoked in one batch.
pub const BATCH_MAX: usize = 100;

impl BatchInput {
    /// Each person with their appointment; every error at once, a slot's
    /// naming its row on `slots` (a slot given twice or two that overlap
    /// are refused here, before any other appointment is looked at).
    pub fn parse(&self, now: OffsetDateTime) -> Result<Vec<(Uuid, MeetingData)>, Invalid> {
        let mut invalid = Invalid::new();
        let mut people: Vec<Uuid> = Vec::new();
        for raw in self
            .person_ids
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            match Uuid::parse_str(raw) {
                Ok(id) if !people.contains(&id) => people.push(id),
                Ok(_) => {}
                Err(_) => invalid.add(
                    "person_ids",
                    "Rechargez la liste, puis cochez à nouveau les personnes.",
                ),
            }
        }
        if people.is_empty() && invalid.is_empty() {
            invalid.add("person_ids", "Cochez au moins une personne à convoquer.");
        }
        if people.len() > BATCH_MAX {
            invalid.add(
                "person_ids",
                format!("Convoquez au plus {BATCH_MAX} personnes à la fois."),
            );
        }
        let slots: Vec<&str> = self
            .slots
            .iter()
            .flat_map(|s| s.lines())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if slots.len() < people.len() {
            invalid.add(
                "slots",
                format!(
                    "{} pour {} : ajoutez des créneaux (un par ligne).",
                    crate::clock::fr_count(people.len(), "personne cochée", "personnes cochées"),
                    crate::clock::fr_count(slots.len(), "créneau", "créneaux"),
                ),
            );
        }
        let mut planned: Vec<(Uuid, MeetingData)> = Vec::new();
        let mut said = Vec::new();
        for (n, (person, slot)) in people.iter().zip(&slots).enumerate() {
            let (on_date, starts_at) = slot
                .split_once([' ', 'T'])
                .map_or((*slot, ""), |(d, t)| (d, t.trim()));
            let input = MeetingInput {
                kind: self.kind.clone(),
                on_date: on_date.to_owned(),
                starts_at: starts_at.to_owned(),
                duration_minutes: self.duration_minutes.clone(),
                modality: self.modality.clone(),
                place: self.place.clone(),
                note: self.note.clone(),
                channels: self.channels.clone(),
            };
            match MeetingData::parse(&input, now) {
                Ok(data) => planned.push((*person, data)),
                Err(err) => {
                    for e in err.errors {
                        if matches!(e.field.as_str(), "on_date" | "starts_at") {
                            invalid.add(
                                "slots",
                                format!("Créneau {} « {slot} » : {}", n + 1, e.message),
                            );
                        } else if !said.contains(&e.field) {
                            // The fields common to the batch are said once.
                            said.push(e.field.clone());
                            invalid.add(&e.field, e.message);
                        }
                    }
                }
            }
        }
        for (i, (_, a)) in planned.iter().enumerate() {
            if let Some(j) = planned[..i].iter().position(|(_, b)| {
                overlaps(
                    (a.starts_at, a.duration_minutes),
                    (b.starts_at, b.duration_minutes),
                )
            }) {
                invalid.add(
                    "slots",
                    format!(
                        "Les créneaux {} et {} se chevauchent : un rendez-vous dure {} minutes.",
                        j + 1,
                        i + 1,
                        a.duration_minutes
                    ),
                );
            }
        }
        invalid.into_result(planned)
    }
}

/// The next `count` free slots of `duration` minutes after `from`, on
/// working days between 9 h and 12 h and between 14 h and 17 h in Paris,
/// around the `taken` appointments (start, minutes); at most four weeks ahead.
pub fn free_slots(
    taken: &[(OffsetDateTime, i64)],
    from: OffsetDateTime,
    duration: i64,
    count: usize,
) -> Vec<OffsetDateTime> {
    use time::{Time, Weekday};
    // Slots start on the quarter hour.
    let step = Duration::minutes((duration.max(DURATION_MIN) + 14) / 15 * 15);
    let first_day = crate::clock::date_in_paris(from);
    let mut free = Vec::new();
    for day in (0..28).map(|n| first_day + Duration::days(n)) {
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        for (open, close) in [(9, 12), (14, 17)] {
            let close = paris_instant(day, Time::from_hms(close, 0, 0).expect("an hour"));
            let mut at = paris_instant(day, Time::from_hms(open, 0, 0).expect("an hour"));
            while at + Duration::minutes(duration) <= close {
                let busy = taken.iter().any(|t| overlaps(*t, (at, duration)));
                if at > from && !busy {
                    free.push(at);
                    if free.len() == count {
                        return free;
                    }
                }
                at += step;
            }
        }
    }
    free
}

/// A slot as the batch form writes it: « 14/12/2026 09:30 », in Paris.
pub fn slot_text(at: OffsetDateTime) -> String {
    let local = in_paris(at);
    format!(
        "{} {}",
        crate::clock::fr_date(local.date()),
        crate::schedule::hhmm(local.time())
    )
}

fn duration(invalid: &mut Invalid, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(DURATION_DEFAULT);
    }
    match raw.parse::<i64>() {
        Ok(m) if (DURATION_MIN..=DURATION_MAX).contains(&m) => Some(m),
        _ => {
            invalid.add(
                "duration_minutes",
                format!(
                    "Le champ « Durée » est un nombre de minutes entre {DURATION_MIN} et {DURATION_MAX}."
                ),
            );
            None
        }
    }
}

/// Whether two appointments of the same person's agenda overlap.
pub fn overlaps(a: (OffsetDateTime, i64), b: (OffsetDateTime, i64)) -> bool {
    let end = |(start, minutes): (OffsetDateTime, i64)| start + Duration::minutes(minutes);
    a.0 < end(b) && b.0 < end(a)
}

/// Whether `outcome` may be recorded at `now` for an appointment starting
/// at `starts_at`: a cancellation before it starts, the others once it has.
pub fn check_outcome(
    outcome: MeetingOutcome,
    starts_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), Invalid> {
    if outcome.is_cancellation() && now >= starts_at {
        return Err(Invalid::field(
            "outcome",
            "Ce rendez-vous a commencé : dites s'il a été honoré, manqué ou excusé plutôt qu'annulé.",
        ));
    }
    if !outcome.is_cancellation() && now < starts_at {
        return Err(Invalid::field(
            "outcome",
            "Ce rendez-vous n'a pas encore eu lieu : il peut seulement être annulé.",
        ));
    }
    Ok(())
}

/// « mardi 12 janvier 2027 à 9 h 30 », in Paris.
pub fn fr_when(at: OffsetDateTime) -> String {
    let local = in_paris(at);
    format!("{} à {}", fr_long_date(local.date()), fr_time(local.time()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// Saturday 5 December 2026, 10:00 in Paris.
    const NOW: OffsetDateTime = datetime!(2026-12-05 09:00 UTC);

    fn input(on: &str, at: &str) -> MeetingInput {
        MeetingInput {
            kind: "orientation".into(),
            on_date: on.into(),
            starts_at: at.into(),
            duration_minutes: String::new(),
            modality: "sur_place".into(),
            place: "Maison des solidarités, 2 rue de la Gare, Caen".into(),
            note: String::new(),
            channels: Vec::new(),
        }
    }

    #[test]
    fn a_time_is_read_in_paris_winter_and_summer_alike() {
        let winter = MeetingData::parse(&input("15/12/2026", "9:30"), NOW).unwrap();
        assert_eq!(winter.starts_at, datetime!(2026-12-15 08:30 UTC));
        assert_eq!(winter.duration_minutes, 45);
        assert_eq!(winter.ends_at(), datetime!(2026-12-15 09:15 UTC));
        let summer = MeetingData::parse(&input("2027-04-06", "9h30"), NOW).unwrap();
        assert_eq!(summer.starts_at, datetime!(2027-04-06 07:30 UTC));
        assert_eq!(fr_when(summer.starts_at), "mardi 6 avril 2027 à 9 h 30");
        // The Monday after the change to summer time keeps its 9 h 30.
        let after_change = MeetingData::parse(&input("29/03/2027", "09:30"), NOW).unwrap();
        assert_eq!(
            fr_when(after_change.starts_at),
            "lundi 29 mars 2027 à 9 h 30"
        );
    }

    #[test]
    fn an_appointment_is_planned_ahead_and_within_a_year() {
        let err = MeetingData::parse(&input("05/12/2026", "09:59"), NOW).unwrap_err();
        assert!(err.message_for("on_date").unwrap().contains("passées"));
        assert!(MeetingData::parse(&input("05/12/2026", "10:30"), NOW).is_ok());
        let err = MeetingData::parse(&input("07/12/2027", "10:00"), NOW).unwrap_err();
        assert!(err.message_for("on_date").unwrap().contains("un an"));
    }

    #[test]
    fn every_error_is_said_at_once_naming_its_field() {
        let bad = MeetingInput {
            kind: "apero".into(),
            on_date: "31/02/2027".into(),
            starts_at: "25:00".into(),
            duration_minutes: "5".into(),
            modality: "sur_place".into(),
            place: "  ".into(),
            note: String::new(),
            channels: vec!["pigeon".into()],
        };
        let err = MeetingData::parse(&bad, NOW).unwrap_err();
        for field in [
            "kind",
            "on_date",
            "starts_at",
            "duration_minutes",
            "place",
            "channels",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err:?}");
        }
        let phone = MeetingInput {
            modality: "telephone".into(),
            place: String::new(),
            ..input("15/12/2026", "14:00")
        };
        assert_eq!(MeetingData::parse(&phone, NOW).unwrap().place, None);
    }

    #[test]
    fn appointments_that_touch_do_not_overlap() {
        let nine = datetime!(2026-12-15 08:00 UTC);
        assert!(overlaps((nine, 60), (nine + Duration::minutes(30), 30)));
        assert!(!overlaps((nine, 60), (nine + Duration::minutes(60), 30)));
        assert!(overlaps((nine + Duration::minutes(50), 30), (nine, 60)));
    }

    fn batch(people: &[&str], slots: &[&str]) -> BatchInput {
        BatchInput {
            person_ids: people.iter().map(|p| p.to_string()).collect(),
            kind: "orientation".into(),
            modality: "telephone".into(),
            slots: slots.iter().map(|s| s.to_string()).collect(),
            ..BatchInput::default()
        }
    }

    const ANNE: &str = "0192d6a0-0000-7000-8000-000000000001";
    const BRUNO: &str = "0192d6a0-0000-7000-8000-000000000002";

    #[test]
    fn a_batch_gives_each_person_the_next_slot() {
        let planned = batch(&[ANNE, BRUNO], &["14/12/2026 09:00\n2026-12-14 09:45"])
            .parse(NOW)
            .unwrap();
        assert_eq!(planned.len(), 2);
        assert_eq!(planned[0].0.to_string(), ANNE);
        assert_eq!(planned[0].1.starts_at, datetime!(2026-12-14 08:00 UTC));
        assert_eq!(planned[1].1.starts_at, datetime!(2026-12-14 08:45 UTC));
    }

    #[test]
    fn a_batch_names_the_slot_that_is_wrong() {
        let err = batch(&[ANNE, BRUNO], &["14/12/2026 09:00", "01/12/2026 10:00"])
            .parse(NOW)
            .unwrap_err();
        assert!(
            err.message_for("slots")
                .unwrap()
                .starts_with("Créneau 2 « 01/12/2026 10:00 »"),
            "{err:?}"
        );
        let err = batch(&[ANNE, BRUNO], &["14/12/2026 09:00", "14/12/2026 09:30"])
            .parse(NOW)
            .unwrap_err();
        assert!(
            err.message_for("slots")
                .unwrap()
                .contains("1 et 2 se chevauchent"),
            "{err:?}"
        );
        let err = batch(&[ANNE, BRUNO], &["14/12/2026 09:00"])
            .parse(NOW)
            .unwrap_err();
        assert_eq!(
            err.message_for("slots"),
            Some("2 personnes cochées pour 1 créneau : ajoutez des créneaux (un par ligne).")
        );
        let err = batch(&[], &[]).parse(NOW).unwrap_err();
        assert!(err.message_for("person_ids").is_some());
        let mut common = batch(&[ANNE, BRUNO], &["14/12/2026 09:00", "15/12/2026 09:00"]);
        common.kind = "apero".into();
        let err = common.parse(NOW).unwrap_err();
        assert_eq!(
            err.errors.len(),
            1,
            "the batch's own fields are said once: {err:?}"
        );
    }

    #[test]
    fn free_slots_skip_weekends_lunch_and_taken_times() {
        // Saturday 10:00: the first free slots are on Monday from 9 h.
        let monday_nine = datetime!(2026-12-07 08:00 UTC);
        let taken = [(monday_nine + Duration::minutes(60), 60)];
        let slots = free_slots(&taken, NOW, 60, 6);
        let texts: Vec<String> = slots.iter().map(|s| slot_text(*s)).collect();
        assert_eq!(
            texts,
            [
                "07/12/2026 09:00",
                "07/12/2026 11:00",
                "07/12/2026 14:00",
                "07/12/2026 15:00",
                "07/12/2026 16:00",
                "08/12/2026 09:00"
            ]
        );
    }

    #[test]
    fn each_clock_is_met_by_its_appointments() {
        use crate::deadline::ClockKind;
        assert!(MeetingKind::Orientation.serves(ClockKind::Orientation));
        assert!(MeetingKind::ContractSignature.serves(ClockKind::Contract));
        assert!(!MeetingKind::ContractSignature.serves(ClockKind::Orientation));
        assert!(MeetingKind::Review.serves(ClockKind::ContractEnd));
    }

    #[test]
    fn cancellations_come_before_and_outcomes_after() {
        let at = datetime!(2026-12-15 08:00 UTC);
        let before = at - Duration::hours(1);
        assert!(check_outcome(MeetingOutcome::CancelledByPerson, at, before).is_ok());
        assert!(check_outcome(MeetingOutcome::Attended, at, before).is_err());
        assert!(check_outcome(MeetingOutcome::Absent, at, at).is_ok());
        assert!(check_outcome(MeetingOutcome::CancelledByService, at, at).is_err());
        assert!(MeetingOutcome::Absent.possible_breach());
        assert!(!MeetingOutcome::Excused.possible_breach());
    }
}
