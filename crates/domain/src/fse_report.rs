//! FSE+ reporting per operation (issue 21): the common indicators of
//! Regulation (EU) 2021/1057, Annex I, for the participants of an
//! operation co-financed by the European Social Fund Plus, each broken down
//! by gender, and the participants whose data keep them out of a figure.
//!
//! The rules, as stated on screen and in `docs/fse.md`:
//! - an **operation** covers the actions whose funding lines carry its
//!   number; a **participant** is a person who entered one of them, counted
//!   once per operation even when in several of its actions, with the
//!   answers given at their first entry;
//! - the **output indicators** (EECO01 to EECO17) count the participants
//!   whose first entry falls in the period, by their situation at entry;
//!   a participant without entry data is not counted (data-quality list);
//! - the **immediate result indicators** (EECR01 to EECR04) count the
//!   participants who left the operation in the period (every one of their
//!   participations ended) by their situation within 4 weeks after leaving;
//! - the special-category answers (disability, foreign background,
//!   minority) are counts only, and « ne souhaite pas répondre » is counted
//!   apart, on its own row.
//!
//! Each counted cell keeps its people (an [`oarsa::Cell`]), so that the
//! list behind a figure is the figure.

use crate::fse::{
    Answer, EducationLevel, EmploymentStatus, FseEntryData, Gender, NationalityGroup,
};
use crate::oarsa::{Cell, Heading, Row, Table};
use crate::person::{age_on, codes, parse_date};
use crate::referral::Situation;
use crate::validation::{optional_text, required_text, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

codes!(
    /// The common indicators of Annex I, 2021–2027 numbering.
    Indicator {
        Eeco01 = "EECO01", "Nombre total de participants";
        Eeco02 = "EECO02", "Chômeurs, y compris les chômeurs de longue durée";
        Eeco03 = "EECO03", "Chômeurs de longue durée";
        Eeco04 = "EECO04", "Personnes inactives";
        Eeco05 = "EECO05", "Personnes exerçant un emploi, y compris les indépendants";
        Eeco06 = "EECO06", "Moins de 18 ans";
        Eeco07 = "EECO07", "18 à 29 ans";
        Eeco08 = "EECO08", "55 ans et plus";
        Eeco09 = "EECO09", "Enseignement primaire ou premier cycle du secondaire (CITE 0 à 2)";
        Eeco10 = "EECO10", "Deuxième cycle du secondaire ou post-secondaire non supérieur (CITE 3 et 4)";
        Eeco11 = "EECO11", "Enseignement supérieur (CITE 5 à 8)";
        Eeco12 = "EECO12", "Participants handicapés";
        Eeco13 = "EECO13", "Ressortissants de pays tiers";
        Eeco14 = "EECO14", "Participants d'origine étrangère";
        Eeco15 = "EECO15", "Minorités, y compris les communautés marginalisées comme les Roms";
        Eeco16 = "EECO16", "Sans domicile fixe ou confrontés à l'exclusion du logement";
        Eeco17 = "EECO17", "Participants des zones rurales";
        Eecr01 = "EECR01", "Participants à la recherche d'un emploi au terme de leur participation";
        Eecr02 = "EECR02", "Participants suivant un enseignement ou une formation au terme de leur participation";
        Eecr03 = "EECR03", "Participants obtenant une qualification au terme de leur participation";
        Eecr04 = "EECR04", "Participants exerçant un emploi, y compris à titre indépendant, au terme de leur participation";
    }
);

impl Indicator {
    /// The special-category indicators (GDPR art. 9), whose « ne souhaite
    /// pas répondre » is counted on a row of its own.
    pub fn is_special_category(self) -> bool {
        matches!(
            self,
            Indicator::Eeco12 | Indicator::Eeco14 | Indicator::Eeco15
        )
    }

    /// An immediate result indicator (at exit), rather than an output one.
    pub fn is_result(self) -> bool {
        matches!(
            self,
            Indicator::Eecr01 | Indicator::Eecr02 | Indicator::Eecr03 | Indicator::Eecr04
        )
    }
}

/// The row code of a special-category indicator's declined answers.
pub fn declined_row(indicator: Indicator) -> String {
    format!("{}-declined", indicator.code())
}

/// A row given only as counts, never as a list of people: a special
/// category (GDPR art. 9) or its declined answers, since a list would tell
/// one person's answer to whoever reads it.
pub fn counts_only(row: &str) -> bool {
    let code = row.strip_suffix("-declined").unwrap_or(row);
    Indicator::from_code(code).is_some_and(Indicator::is_special_category)
}

/// An FSE+ operation as typed in the form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OperationInput {
    /// The number the managing authority gave (e.g. 202500123).
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub title: String,
    /// First day, AAAA-MM-JJ or JJ/MM/AAAA.
    #[serde(default)]
    pub starts_on: String,
    /// Last day, AAAA-MM-JJ or JJ/MM/AAAA.
    #[serde(default)]
    pub ends_on: String,
    /// The organisation carrying the operation (bénéficiaire), if any.
    #[serde(default)]
    pub beneficiary: String,
}

/// A checked operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationData {
    pub number: String,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub beneficiary: Option<String>,
}

/// What an operation number may hold: digits, letters, and - / . _ inside.
pub fn is_operation_number(number: &str) -> bool {
    !number.is_empty()
        && number.len() <= 40
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/._".contains(c))
}

impl OperationData {
    pub fn parse(input: &OperationInput) -> Result<OperationData, Invalid> {
        let mut invalid = Invalid::new();
        let number = input.number.trim().to_owned();
        if number.is_empty() {
            invalid.add("number", "Le numéro d'opération est obligatoire.");
        } else if !is_operation_number(&number) {
            invalid.add(
                "number",
                "Le numéro d'opération s'écrit en chiffres et lettres, sans espace (40 caractères au plus, ex. 202500123).",
            );
        }
        let title = required_text(&mut invalid, "title", "Intitulé", &input.title, 200);
        let beneficiary = optional_text(
            &mut invalid,
            "beneficiary",
            "Bénéficiaire",
            &input.beneficiary,
            200,
        );
        let day = |invalid: &mut Invalid, field: &str, label: &str, raw: &str| {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                invalid.add(
                    field,
                    format!("La date « {label} » s'écrit JJ/MM/AAAA (ex. 01/01/2026)."),
                );
            }
            parsed
        };
        let starts_on = day(&mut invalid, "starts_on", "Début", &input.starts_on);
        let ends_on = day(&mut invalid, "ends_on", "Fin", &input.ends_on);
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end < start {
                invalid.add("ends_on", "La fin de l'opération vient après son début.");
            }
        }
        let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) else {
            return Err(invalid);
        };
        invalid.into_result(OperationData {
            number,
            title,
            starts_on,
            ends_on,
            beneficiary,
        })
    }
}

/// A reporting period: from and to, both included; empty means the
/// operation's own dates.
pub fn parse_period(
    from: &str,
    to: &str,
    operation: (Date, Date),
) -> Result<(Date, Date), Invalid> {
    let mut invalid = Invalid::new();
    let mut day = |field: &str, raw: &str, default: Date| {
        if raw.trim().is_empty() {
            return Some(default);
        }
        let parsed = parse_date(raw);
        if parsed.is_none() {
            invalid.add(field, "La date s'écrit JJ/MM/AAAA (ex. 31/12/2026).");
        }
        parsed
    };
    let from = day("from", from, operation.0);
    let to = day("to", to, operation.1);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            invalid.add("to", "La fin de la période vient après son début.");
        }
        invalid.into_result((from, to))
    } else {
        Err(invalid)
    }
}

/// The entry answers of a participation as stored: the two questions split
/// from the former « minorité ou origine étrangère » are `None` until asked
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryAnswers {
    pub gender: Gender,
    pub employment_status: EmploymentStatus,
    pub education_level: EducationLevel,
    pub nationality: NationalityGroup,
    pub disability: Answer,
    pub foreign_background: Option<Answer>,
    pub minority: Option<Answer>,
    pub homeless: Answer,
    pub rural: bool,
}

impl From<FseEntryData> for EntryAnswers {
    fn from(d: FseEntryData) -> EntryAnswers {
        EntryAnswers {
            gender: d.gender,
            employment_status: d.employment_status,
            education_level: d.education_level,
            nationality: d.nationality,
            disability: d.disability,
            foreign_background: Some(d.foreign_background),
            minority: Some(d.minority),
            homeless: d.homeless,
            rural: d.rural,
        }
    }
}

/// One positioning on an action of the operation, entered.
#[derive(Debug, Clone, PartialEq)]
pub struct Participation {
    pub person_id: Uuid,
    pub referral_id: Uuid,
    pub structure_id: Uuid,
    pub birth_date: Date,
    pub entered_on: Date,
    pub exited_on: Option<Date>,
    pub situation_4_weeks: Option<Situation>,
    pub entry: Option<EntryAnswers>,
}

/// A participant of the operation: their participations taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub person_id: Uuid,
    pub first_entered_on: Date,
    /// Age at the first entry.
    pub age: i32,
    /// The answers of the first participation that has them.
    pub entry: Option<EntryAnswers>,
    /// When every participation has ended: the last exit.
    pub left_on: Option<Date>,
    /// The situation within 4 weeks after the last exit.
    pub situation: Option<Situation>,
    /// Participations whose answers contradict the first ones.
    pub contradictions: Vec<Uuid>,
    /// The structures of their participations (to ask for what is missing).
    pub structures: Vec<Uuid>,
}

/// The participants of an operation from its participations (any order).
pub fn participants(participations: &[Participation]) -> Vec<Participant> {
    let mut by_person: BTreeMap<Uuid, Vec<&Participation>> = BTreeMap::new();
    for p in participations {
        by_person.entry(p.person_id).or_default().push(p);
    }
    by_person
        .into_iter()
        .map(|(person_id, mut own)| {
            own.sort_by_key(|p| (p.entered_on, p.referral_id));
            let first = own[0];
            let entry = own.iter().find_map(|p| p.entry);
            let contradictions = own
                .iter()
                .filter(|p| matches!((p.entry, entry), (Some(a), Some(b)) if contradicts(&a, &b)))
                .map(|p| p.referral_id)
                .collect();
            let last_exit = own.iter().max_by_key(|p| (p.exited_on, p.referral_id));
            let left = own.iter().all(|p| p.exited_on.is_some());
            let mut structures: Vec<Uuid> = own.iter().map(|p| p.structure_id).collect();
            structures.sort();
            structures.dedup();
            Participant {
                person_id,
                first_entered_on: first.entered_on,
                age: age_on(first.birth_date, first.entered_on),
                entry,
                left_on: left.then(|| last_exit.and_then(|p| p.exited_on)).flatten(),
                situation: left
                    .then(|| last_exit.and_then(|p| p.situation_4_weeks))
                    .flatten(),
                contradictions,
                structures,
            }
        })
        .collect()
}

/// Whether two entries of one participant disagree on the situation at
/// entry (employed in one, long-term unemployed in another…): an
/// operation's participant has one situation at entry.
fn contradicts(a: &EntryAnswers, b: &EntryAnswers) -> bool {
    a.gender != b.gender
        || a.employment_status != b.employment_status
        || a.education_level != b.education_level
}

/// Whether a participant counts in an output indicator, by their answers
/// at entry and their age; for a special-category indicator, `declined`
/// asks for those who declined to answer instead.
fn counts_in(indicator: Indicator, p: &Participant, e: &EntryAnswers, declined: bool) -> bool {
    use Indicator as I;
    let answered = |a: Option<Answer>| {
        if declined {
            a == Some(Answer::Declined)
        } else {
            a == Some(Answer::Yes)
        }
    };
    match indicator {
        I::Eeco01 => true,
        I::Eeco02 => e.employment_status.is_unemployed(),
        I::Eeco03 => e.employment_status == EmploymentStatus::LongTermUnemployed,
        I::Eeco04 => e.employment_status == EmploymentStatus::Inactive,
        I::Eeco05 => e.employment_status == EmploymentStatus::Employed,
        I::Eeco06 => p.age < 18,
        I::Eeco07 => (18..=29).contains(&p.age),
        I::Eeco08 => p.age >= 55,
        I::Eeco09 => e.education_level == EducationLevel::Isced0To2,
        I::Eeco10 => e.education_level == EducationLevel::Isced3To4,
        I::Eeco11 => e.education_level == EducationLevel::Isced5To8,
        I::Eeco12 => answered(Some(e.disability)),
        I::Eeco13 => e.nationality == NationalityGroup::ThirdCountry,
        I::Eeco14 => answered(e.foreign_background),
        I::Eeco15 => answered(e.minority),
        I::Eeco16 => e.homeless == Answer::Yes,
        I::Eeco17 => e.rural,
        I::Eecr01 | I::Eecr02 | I::Eecr03 | I::Eecr04 => false,
    }
}

/// Whether a situation within 4 weeks counts in a result indicator.
fn result_of(indicator: Indicator, situation: Situation) -> bool {
    match indicator {
        Indicator::Eecr01 => situation == Situation::JobSearching,
        Indicator::Eecr02 => situation == Situation::Training,
        Indicator::Eecr03 => situation == Situation::Qualification,
        Indicator::Eecr04 => situation == Situation::Employment,
        _ => false,
    }
}

/// The gender columns, after the total.
pub const TOTAL: &str = "total";

/// The indicators of an operation over a period, by gender: one row per
/// indicator (and one per special category's declined answers), columns
/// total, women, men, non-binary.
pub fn indicators(participants: &[Participant], from: Date, to: Date) -> Table {
    let in_period = |day: Date| from <= day && day <= to;
    let entrants: Vec<(&Participant, &EntryAnswers)> = participants
        .iter()
        .filter(|p| in_period(p.first_entered_on))
        .filter_map(|p| Some((p, p.entry.as_ref()?)))
        .collect();
    let leavers: Vec<(&Participant, &EntryAnswers, Situation)> = participants
        .iter()
        .filter(|p| p.left_on.is_some_and(in_period))
        .filter_map(|p| Some((p, p.entry.as_ref()?, p.situation?)))
        .collect();
    let mut columns = vec![Heading::new(TOTAL, "Total")];
    columns.extend(Gender::ALL.iter().map(|g| {
        Heading::new(
            g.code(),
            match g {
                Gender::Woman => "Femmes",
                Gender::Man => "Hommes",
                Gender::NonBinary => "Non binaires",
            },
        )
    }));
    let row = |code: String, label: String, people: Vec<(Uuid, Gender)>| Row {
        heading: Heading::new(code, label),
        cells: std::iter::once(Cell::People(people.iter().map(|(id, _)| *id).collect()))
            .chain(Gender::ALL.iter().map(|g| {
                Cell::People(
                    people
                        .iter()
                        .filter(|(_, gender)| gender == g)
                        .map(|(id, _)| *id)
                        .collect(),
                )
            }))
            .collect(),
    };
    let mut rows = Vec::new();
    for indicator in Indicator::ALL.iter().copied() {
        let label = format!("{} — {}", indicator.code(), indicator.label());
        if indicator.is_result() {
            let people = leavers
                .iter()
                .filter(|(_, _, s)| result_of(indicator, *s))
                .map(|(p, e, _)| (p.person_id, e.gender))
                .collect();
            rows.push(row(indicator.code().to_owned(), label, people));
            continue;
        }
        let select = |declined: bool| {
            entrants
                .iter()
                .filter(|(p, e)| counts_in(indicator, p, e, declined))
                .map(|(p, e)| (p.person_id, e.gender))
                .collect::<Vec<_>>()
        };
        rows.push(row(indicator.code().to_owned(), label, select(false)));
        if indicator.is_special_category() {
            rows.push(row(
                declined_row(indicator),
                format!("{} — ne souhaite pas répondre", indicator.code()),
                select(true),
            ));
        }
    }
    Table {
        number: 1,
        title: "Indicateurs communs de réalisation et de résultat immédiat",
        definition: DEFINITION,
        columns,
        rows,
    }
}

/// What the table counts, shown above it.
pub const DEFINITION: &str = "Un participant est une personne entrée sur au moins une action de l'opération ; elle compte une fois par opération, avec les réponses données à sa première entrée. Les indicateurs de réalisation (EECO) comptent les participants entrés pendant la période dont les données d'entrée sont saisies ; les indicateurs de résultat immédiat (EECR) comptent les participants sortis de l'opération pendant la période (toutes leurs actions terminées) selon leur situation dans les 4 semaines suivant la sortie. Les catégories particulières (handicap, origine étrangère, minorité) ne sont données qu'en nombres ; « ne souhaite pas répondre » est compté à part.";

codes!(
    /// Why a participant is on the data-quality list.
    Gap {
        NoEntryData = "no_entry_data", "Données d'entrée non saisies";
        OriginToAskAgain = "origin_to_ask", "Origine étrangère et minorité à demander à nouveau";
        Contradiction = "contradiction", "Réponses contradictoires entre deux actions de l'opération";
        NoSituation = "no_situation", "Sorti sans situation dans les 4 semaines";
    }
);

/// What keeps a participant out of a figure, if anything: entry data
/// missing or incomplete, answers that contradict each other, or left
/// without the situation within 4 weeks.
pub fn gaps(p: &Participant) -> Vec<Gap> {
    let mut gaps = Vec::new();
    match &p.entry {
        None => gaps.push(Gap::NoEntryData),
        Some(e) if e.foreign_background.is_none() || e.minority.is_none() => {
            gaps.push(Gap::OriginToAskAgain)
        }
        Some(_) => {}
    }
    if !p.contradictions.is_empty() {
        gaps.push(Gap::Contradiction);
    }
    if p.left_on.is_some() && p.situation.is_none() {
        gaps.push(Gap::NoSituation);
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn answers(gender: Gender, status: EmploymentStatus) -> EntryAnswers {
        EntryAnswers {
            gender,
            employment_status: status,
            education_level: EducationLevel::Isced3To4,
            nationality: NationalityGroup::French,
            disability: Answer::No,
            foreign_background: Some(Answer::No),
            minority: Some(Answer::No),
            homeless: Answer::No,
            rural: false,
        }
    }

    fn participation(person: u128, referral: u128, entered_on: Date) -> Participation {
        Participation {
            person_id: Uuid::from_u128(person),
            referral_id: Uuid::from_u128(referral),
            structure_id: Uuid::from_u128(900),
            birth_date: date!(1990 - 06 - 15),
            entered_on,
            exited_on: None,
            situation_4_weeks: None,
            entry: Some(answers(Gender::Woman, EmploymentStatus::LongTermUnemployed)),
        }
    }

    fn count(table: &Table, row: &str, column: &str) -> i64 {
        table.cell(row, column).and_then(Cell::count).unwrap()
    }

    #[test]
    fn a_participant_in_two_actions_counts_once_with_her_first_answers() {
        let first = participation(1, 10, date!(2026 - 02 - 01));
        let second = Participation {
            referral_id: Uuid::from_u128(11),
            entered_on: date!(2026 - 03 - 01),
            exited_on: Some(date!(2026 - 04 - 01)),
            situation_4_weeks: Some(Situation::Employment),
            entry: Some(answers(Gender::Woman, EmploymentStatus::Employed)),
            ..first.clone()
        };
        let people = participants(&[second.clone(), first.clone()]);
        assert_eq!(people.len(), 1);
        let p = &people[0];
        assert_eq!(p.first_entered_on, date!(2026 - 02 - 01));
        assert_eq!(p.age, 35);
        assert_eq!(
            p.entry.unwrap().employment_status,
            EmploymentStatus::LongTermUnemployed
        );
        assert_eq!(p.left_on, None, "still in her first action");
        assert_eq!(p.contradictions, vec![Uuid::from_u128(11)]);
        assert_eq!(gaps(p), vec![Gap::Contradiction]);
        let table = indicators(&people, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(count(&table, "EECO01", TOTAL), 1);
        assert_eq!(count(&table, "EECO01", "F"), 1);
        assert_eq!(count(&table, "EECO02", TOTAL), 1);
        assert_eq!(count(&table, "EECO03", TOTAL), 1);
        assert_eq!(count(&table, "EECO05", TOTAL), 0);
        assert_eq!(count(&table, "EECR04", TOTAL), 0, "not left yet");

        let ended = Participation {
            exited_on: Some(date!(2026 - 05 - 01)),
            situation_4_weeks: Some(Situation::Training),
            ..first
        };
        let people = participants(&[ended, second]);
        assert_eq!(people[0].left_on, Some(date!(2026 - 05 - 01)));
        assert_eq!(people[0].situation, Some(Situation::Training));
        let table = indicators(&people, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(count(&table, "EECR02", "F"), 1, "the last exit's situation");
        assert_eq!(count(&table, "EECR04", TOTAL), 0);
    }

    #[test]
    fn special_categories_are_counts_only() {
        for row in ["EECO12", "EECO12-declined", "EECO14", "EECO15-declined"] {
            assert!(counts_only(row), "{row}");
        }
        for row in ["EECO01", "EECO13", "EECO13-declined", "EECR01", "inconnu"] {
            assert!(!counts_only(row), "{row}");
        }
    }

    #[test]
    fn declined_special_categories_are_counted_apart_and_ages_banded() {
        let mut rows = Vec::new();
        for (n, (gender, birth, disability)) in [
            (Gender::Man, date!(2009 - 01 - 01), Answer::Yes),
            (Gender::NonBinary, date!(2000 - 01 - 01), Answer::Declined),
            (Gender::Woman, date!(1960 - 01 - 01), Answer::No),
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = participation(n as u128, 100 + n as u128, date!(2026 - 01 - 10));
            p.birth_date = birth;
            p.entry = Some(EntryAnswers {
                disability,
                ..answers(gender, EmploymentStatus::Inactive)
            });
            rows.push(p);
        }
        let table = indicators(
            &participants(&rows),
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 31),
        );
        assert_eq!(count(&table, "EECO12", TOTAL), 1);
        assert_eq!(count(&table, "EECO12", "M"), 1);
        assert_eq!(count(&table, "EECO12-declined", "X"), 1);
        assert_eq!(count(&table, "EECO06", "M"), 1);
        assert_eq!(count(&table, "EECO07", "X"), 1);
        assert_eq!(count(&table, "EECO08", "F"), 1);
        assert_eq!(count(&table, "EECO04", TOTAL), 3);
        assert!(table.cell("EECO13-declined", TOTAL).is_none());
        let outside = indicators(
            &participants(&rows),
            date!(2026 - 02 - 01),
            date!(2026 - 12 - 31),
        );
        assert_eq!(
            count(&outside, "EECO01", TOTAL),
            0,
            "entered before the period"
        );
    }

    #[test]
    fn missing_answers_keep_a_participant_out_and_on_the_quality_list() {
        let mut p = participation(1, 10, date!(2026 - 01 - 10));
        p.entry = None;
        p.exited_on = Some(date!(2026 - 02 - 01));
        let mut legacy = participation(2, 20, date!(2026 - 01 - 10));
        if let Some(e) = legacy.entry.as_mut() {
            e.foreign_background = None;
            e.minority = None;
        }
        let people = participants(&[p, legacy]);
        assert_eq!(gaps(&people[0]), vec![Gap::NoEntryData, Gap::NoSituation]);
        assert_eq!(gaps(&people[1]), vec![Gap::OriginToAskAgain]);
        let table = indicators(&people, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        assert_eq!(count(&table, "EECO01", TOTAL), 1);
        assert_eq!(count(&table, "EECO14", TOTAL), 0);
        assert_eq!(count(&table, "EECO14-declined", TOTAL), 0);
    }

    #[test]
    fn operations_and_periods_are_checked_field_by_field() {
        let good = OperationInput {
            number: " 202500123 ".into(),
            title: "Accompagnement global".into(),
            starts_on: "01/01/2026".into(),
            ends_on: "2027-12-31".into(),
            beneficiary: String::new(),
        };
        let data = OperationData::parse(&good).unwrap();
        assert_eq!(data.number, "202500123");
        assert_eq!(data.ends_on, date!(2027 - 12 - 31));
        let err = OperationData::parse(&OperationInput {
            number: "2025 00123".into(),
            title: String::new(),
            starts_on: "2026-13-01".into(),
            ..good.clone()
        })
        .unwrap_err();
        for field in ["number", "title", "starts_on"] {
            assert!(err.message_for(field).is_some(), "{field}");
        }
        let backwards = OperationData::parse(&OperationInput {
            ends_on: "2025-01-01".into(),
            ..good
        })
        .unwrap_err();
        assert!(backwards.message_for("ends_on").is_some());
        let span = (date!(2026 - 01 - 01), date!(2027 - 12 - 31));
        assert_eq!(parse_period("", "", span).unwrap(), span);
        assert!(parse_period("31/12/2026", "01/01/2026", span)
            .unwrap_err()
            .message_for("to")
            .is_some());
        assert!(parse_period("hier", "", span)
            .unwrap_err()
            .message_for("from")
            .is_some());
    }

    fn any_participation() -> impl Strategy<Value = Participation> {
        (
            0u128..12,
            0u128..1000,
            0i64..400,
            proptest::option::of(0i64..200),
            0usize..3,
            0usize..4,
            proptest::bool::ANY,
            0usize..3,
        )
            .prop_map(|(person, referral, entered, stay, g, s, recorded, a)| {
                let entered_on = date!(2026 - 01 - 01) + time::Duration::days(entered);
                Participation {
                    person_id: Uuid::from_u128(person),
                    referral_id: Uuid::from_u128(referral),
                    structure_id: Uuid::from_u128(900),
                    birth_date: date!(1970 - 01 - 01) + time::Duration::days(entered * 30),
                    entered_on,
                    exited_on: stay.map(|d| entered_on + time::Duration::days(d)),
                    situation_4_weeks: stay.map(|_| Situation::ALL[s * 2]),
                    entry: recorded.then(|| EntryAnswers {
                        disability: Answer::ALL[a],
                        minority: Some(Answer::ALL[(a + 1) % 3]),
                        ..answers(Gender::ALL[g], EmploymentStatus::ALL[s])
                    }),
                }
            })
    }

    proptest! {
        /// Each row's genders add up to its total; no indicator counts more
        /// than EECO01 (outputs) or than the leavers (results); the labour
        /// statuses, education levels and each special category with its
        /// declined row partition the participants with their answers.
        #[test]
        fn every_row_adds_up(rows in proptest::collection::vec(any_participation(), 0..40)) {
            let people = participants(&rows);
            let table = indicators(&people, date!(2026 - 01 - 01), date!(2026 - 12 - 31));
            let all = count(&table, "EECO01", TOTAL);
            for row in &table.rows {
                let cells: Vec<i64> = row.cells.iter().filter_map(Cell::count).collect();
                prop_assert_eq!(cells[0], cells[1..].iter().sum::<i64>());
                if !row.heading.code.starts_with("EECR") {
                    prop_assert!(cells[0] <= all);
                }
            }
            let sum = |codes: &[&str]| codes.iter().map(|c| count(&table, c, TOTAL)).sum::<i64>();
            prop_assert_eq!(sum(&["EECO02", "EECO04", "EECO05"]), all);
            prop_assert_eq!(sum(&["EECO09", "EECO10", "EECO11"]), all);
            let answered_no = people.iter().filter(|p| {
                p.first_entered_on.year() == 2026 && p.entry.is_some_and(|e| e.disability == Answer::No)
            }).count() as i64;
            prop_assert_eq!(sum(&["EECO12", "EECO12-declined"]) + answered_no, all);
            let distinct: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.person_id).collect();
            prop_assert_eq!(people.len(), distinct.len());
        }
    }
}
