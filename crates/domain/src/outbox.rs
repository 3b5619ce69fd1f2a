//! Messages sent to a person about their appointments: the convocation and
//! the reminder, by e-mail or SMS. A message waits in an outbox, is sent
//! at most once (a send whose result was lost is never retried blindly),
//! is retried with a growing delay after a refusal, and keeps its delivery
//! state for the person's page and the référent's list of things to do.

use crate::person::codes;
use crate::validation::Invalid;
use time::{Duration, OffsetDateTime};

codes!(
    /// How a message reaches the person.
    Channel {
        Email = "email", "Courriel";
        Sms = "sms", "SMS";
    }
);

codes!(
    /// Why the message is sent.
    Purpose {
        Convocation = "convocation", "Convocation";
        Reminder = "rappel", "Rappel";
        Cancellation = "annulation", "Annulation";
    }
);

codes!(
    /// Where a message stands. `Sending` is held while one sender has it;
    /// `Unknown` is a send interrupted before its result was known (it is
    /// never sent again by itself: the référent decides).
    DeliveryState {
        Pending = "a_envoyer", "À envoyer";
        Sending = "en_cours", "Envoi en cours";
        Sent = "envoye", "Envoyé";
        Delivered = "remis", "Remis";
        Failed = "echec", "Échec de l'envoi";
        Bounced = "rejete", "Rejeté par le destinataire";
        Unknown = "inconnu", "Envoi interrompu, résultat inconnu";
        Cancelled = "annule", "Annulé (rendez-vous annulé)";
    }
);

impl DeliveryState {
    /// A state the référent must act on (the person may not have been told).
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            DeliveryState::Failed | DeliveryState::Bounced | DeliveryState::Unknown
        )
    }

    /// The states a provider's report may set on a message already sent.
    pub fn reported(self) -> bool {
        matches!(
            self,
            DeliveryState::Delivered | DeliveryState::Bounced | DeliveryState::Failed
        )
    }
}

/// A provider's delivery report, as sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeliveryReport {
    /// email or sms.
    pub channel: String,
    /// The provider's id of the message, as it answered the send.
    pub provider_id: String,
    /// remis (delivered), rejete (bounced) or echec (failed).
    pub state: String,
    /// The provider's words, kept with the message.
    pub detail: String,
}

/// Sending attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// How long to wait after the `attempts`-th refused attempt: 1, 5, 15, 60 minutes.
pub fn retry_after(attempts: i64) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        _ => Duration::minutes(60),
    }
}

/// The channels ticked in a form or listed in the API (none: the letter only).
pub fn parse_channels(invalid: &mut Invalid, field: &str, raw: &[String]) -> Vec<Channel> {
    let mut channels = Vec::new();
    for code in raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match Channel::from_code(code) {
            Some(c) if !channels.contains(&c) => channels.push(c),
            Some(_) => {}
            None => invalid.add(field, "Choisissez l'envoi par courriel, par SMS, ou aucun."),
        }
    }
    channels
}

/// A French mobile number in international form (+33 6…, +33 7…), read
/// from how it was typed; none for a landline or anything else.
pub fn mobile_number(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = match digits.len() {
        10 if digits.starts_with('0') => &digits[1..],
        11 if digits.starts_with("33") && raw.trim_start().starts_with('+') => &digits[2..],
        13 if digits.starts_with("0033") => &digits[4..],
        _ => return None,
    };
    matches!(national.as_bytes().first(), Some(b'6' | b'7')).then(|| format!("+33{national}"))
}

/// Whether the person can be reached on each channel chosen; the refusal
/// names what is missing, on `field`, for `who`.
pub fn check_reachable(
    field: &str,
    who: &str,
    channels: &[Channel],
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<(), Invalid> {
    let mut invalid = Invalid::new();
    for channel in channels {
        match channel {
            Channel::Email if email.is_none_or(|e| !e.contains('@')) => invalid.add(
                field,
                format!("{who} n'a pas d'adresse électronique : complétez son dossier ou décochez l'envoi par courriel."),
            ),
            Channel::Sms if phone.and_then(mobile_number).is_none() => invalid.add(
                field,
                format!("{who} n'a pas de numéro de portable : complétez son dossier ou décochez l'envoi par SMS."),
            ),
            _ => {}
        }
    }
    invalid.into_result(())
}

/// One appointment as a calendar event (RFC 5545), for the e-mail's
/// attachment: times in UTC, text escaped, lines folded at 75 octets.
pub struct CalendarEvent<'a> {
    pub uid: &'a str,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// `METHOD:CANCEL` and `STATUS:CANCELLED` for an appointment called off.
    pub cancelled: bool,
}

impl CalendarEvent<'_> {
    pub fn to_ics(&self, now: OffsetDateTime) -> String {
        let end = self.starts_at + Duration::minutes(self.duration_minutes);
        let (method, status) = match self.cancelled {
            true => ("CANCEL", "CANCELLED"),
            false => ("REQUEST", "CONFIRMED"),
        };
        let lines = [
            "BEGIN:VCALENDAR".to_owned(),
            "VERSION:2.0".to_owned(),
            "PRODID:-//parcours//rendez-vous//FR".to_owned(),
            format!("METHOD:{method}"),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape(self.uid)),
            format!("DTSTAMP:{}", utc(now)),
            format!("DTSTART:{}", utc(self.starts_at)),
            format!("DTEND:{}", utc(end)),
            format!("SUMMARY:{}", escape(self.summary)),
            format!("LOCATION:{}", escape(self.location)),
            format!("DESCRIPTION:{}", escape(self.description)),
            format!("STATUS:{status}"),
            "END:VEVENT".to_owned(),
            "END:VCALENDAR".to_owned(),
        ];
        lines.iter().map(|l| fold(l)).collect()
    }
}

fn utc(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// RFC 5545 §3.3.11: backslash, semicolon, comma and new lines escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.1: lines of at most 75 octets, continued by CRLF and a
/// space, never cutting a character; every line ends with CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn mobile_numbers_are_read_as_typed() {
        assert_eq!(
            mobile_number("06 12 34 56 78").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            mobile_number("+33 7 12 34 56 78").as_deref(),
            Some("+33712345678")
        );
        assert_eq!(
            mobile_number("0033612345678").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(mobile_number("02 31 00 00 00"), None);
        assert_eq!(mobile_number("0612"), None);
    }

    #[test]
    fn a_channel_without_its_address_is_refused_naming_it() {
        let err = check_reachable(
            "channels",
            "Mme Lefèvre",
            &[Channel::Email, Channel::Sms],
            None,
            Some("02 31 00 00 00"),
        )
        .unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert!(err.errors[0].message.contains("adresse électronique"));
        assert!(err.errors[1].message.contains("portable"));
        assert!(
            check_reachable("channels", "x", &[Channel::Sms], None, Some("0612345678")).is_ok()
        );
        assert!(check_reachable("channels", "x", &[], None, None).is_ok());
    }

    #[test]
    fn retries_wait_longer_and_longer() {
        let waits: Vec<_> = (1..=MAX_ATTEMPTS).map(retry_after).collect();
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits[0], Duration::minutes(1));
    }

    #[test]
    fn a_calendar_event_is_escaped_folded_and_in_utc() {
        let event = CalendarEvent {
            uid: "abc@parcours",
            starts_at: datetime!(2027-03-29 09:30 +2),
            duration_minutes: 45,
            summary: "Rendez-vous : entretien, bilan",
            location: "Maison des solidarités; 2 rue de la Gare",
            description: &"Apportez vos papiers.\n".repeat(10),
            cancelled: false,
        };
        let ics = event.to_ics(datetime!(2026-12-05 09:00 UTC));
        assert!(ics.contains("DTSTART:20270329T073000Z\r\n"));
        assert!(ics.contains("DTEND:20270329T081500Z\r\n"));
        assert!(ics.contains("SUMMARY:Rendez-vous : entretien\\, bilan\r\n"));
        assert!(ics.contains("LOCATION:Maison des solidarités\\; 2 rue de la Gare"));
        assert!(ics.lines().all(|l| l.len() <= 76), "{ics}");
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    proptest! {
        #[test]
        fn folding_keeps_the_text_and_the_width(text in "\\PC{0,300}") {
            let folded = fold(&text);
            prop_assert!(folded.split("\r\n").all(|l| l.len() <= 75));
            prop_assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), text);
        }
    }
}
