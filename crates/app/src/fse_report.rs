//! FSE+ reporting per operation (issue 21): the operations the chargé de
//! mission keeps, their indicators by gender with the participants behind
//! each figure, the data-quality list, the participant file and the proofs
//! of participation (sign-in sheets, monthly sheets, the entry
//! questionnaire).
//!
//! Who sees what ([`Permission::ReportFse`]): the chargé de mission every
//! operation and participant; an opérateur the operations their structure
//! runs an action of, counted on their structure's participants only
//! ([`Caller::structure`]). Individual special-category answers never
//! leave the structure's FSE+ form: here they are counts. Every list of
//! people is a read of personal data, audited.

use crate::caller::Caller;
use crate::spreadsheet::{Sheet, Value};
use crate::steering::audit_reads;
use crate::{App, CurrentUser, Failure};
use parcours_domain::clock::fr_date;
use parcours_domain::fse::{FseEntryInput, FseQuestion};
use parcours_domain::fse_report::{self, gaps, Gap, OperationData, OperationInput, Participant};
use parcours_domain::oarsa::{Cell, Table};
use parcours_domain::referral::Attendance;
use parcours_domain::{Invalid, Permission};
use parcours_store::fse_report::{AttendedSession, FseOperation, OperationAction};
use parcours_store::steering::SteeringPerson;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// The operations `me` reports on: every one for the chargé de mission,
/// those their structure runs an action of for an opérateur.
pub async fn fse_operations(app: &App, me: &impl Caller) -> Result<Vec<FseOperation>, Failure> {
    me.require(Permission::ReportFse)?;
    let operations = app.store.fse_operations().await?;
    let Some(structure) = me.structure() else {
        return Ok(operations);
    };
    let mut own = Vec::new();
    for operation in operations {
        let actions = app.store.fse_operation_actions(&operation.number).await?;
        if actions.iter().any(|a| a.structure_id == structure) {
            own.push(operation);
        }
    }
    Ok(own)
}

/// Creates an operation (chargé de mission).
pub async fn create_fse_operation(
    app: &App,
    me: &CurrentUser,
    input: &OperationInput,
) -> Result<FseOperation, Failure> {
    me.require(Permission::ManageFseOperations)?;
    let data = OperationData::parse(input)?;
    Ok(app.store.create_fse_operation(&me.actor(), &data).await?)
}

/// Changes the operation `number`, read at `version` (chargé de mission).
pub async fn update_fse_operation(
    app: &App,
    me: &CurrentUser,
    number: &str,
    version: i64,
    input: &OperationInput,
) -> Result<FseOperation, Failure> {
    me.require(Permission::ManageFseOperations)?;
    let operation = known(app, number).await?;
    let data = OperationData::parse(input)?;
    Ok(app
        .store
        .update_fse_operation(&me.actor(), operation.id, version, &data)
        .await?)
}

async fn known(app: &App, number: &str) -> Result<FseOperation, Failure> {
    app.store
        .fse_operation(number.trim())
        .await?
        .ok_or_else(|| {
            Failure::Invalid(Invalid::field(
                "operation",
                format!(
                    "Aucune opération FSE+ ne porte le numéro « {} ».",
                    number.trim()
                ),
            ))
        })
}

/// An operation's report over a period, as far as the reader sees.
pub struct FseReport {
    pub operation: FseOperation,
    pub from: Date,
    pub to: Date,
    /// The structure the figures are limited to (an opérateur's).
    pub structure: Option<Uuid>,
    pub actions: Vec<OperationAction>,
    pub participants: Vec<Participant>,
    pub table: Table,
    /// Minutes attended over the period, per participant.
    pub minutes: HashMap<Uuid, i64>,
}

impl FseReport {
    /// Whether a day falls in the report's period.
    pub fn in_period(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }

    /// The participants whose first entry falls in the period.
    pub fn entrants(&self) -> impl Iterator<Item = &Participant> {
        self.participants
            .iter()
            .filter(|p| self.in_period(p.first_entered_on))
    }
}

/// The report of operation `number` from `from` to `to` (empty: the
/// operation's dates).
pub async fn fse_report(
    app: &App,
    me: &impl Caller,
    number: &str,
    from: &str,
    to: &str,
) -> Result<FseReport, Failure> {
    me.require(Permission::ReportFse)?;
    let operation = known(app, number).await?;
    let (from, to) = fse_report::parse_period(from, to, (operation.starts_on, operation.ends_on))?;
    let structure = me.structure();
    let actions = app.store.fse_operation_actions(&operation.number).await?;
    if structure.is_some_and(|s| !actions.iter().any(|a| a.structure_id == s)) {
        return Err(Failure::Forbidden);
    }
    let rows = app
        .store
        .fse_participations(&operation.number, structure)
        .await?;
    let participations: Vec<_> = rows.iter().map(|r| r.participation()).collect();
    let participants = fse_report::participants(&participations);
    let referrals: Vec<Uuid> = rows.iter().map(|r| r.referral_id).collect();
    let person_of: HashMap<Uuid, Uuid> =
        rows.iter().map(|r| (r.referral_id, r.person_id)).collect();
    let mut minutes: HashMap<Uuid, i64> = HashMap::new();
    for session in app.store.attended_sessions(&referrals, from, to).await? {
        if session.status == Attendance::Present {
            *minutes.entry(person_of[&session.referral_id]).or_default() += session.minutes();
        }
    }
    let table = fse_report::indicators(&participants, from, to);
    Ok(FseReport {
        operation,
        from,
        to,
        structure,
        actions,
        participants,
        table,
        minutes,
    })
}

/// The people one figure counts, by name (audited).
pub async fn fse_participants(
    app: &App,
    me: &CurrentUser,
    number: &str,
    period: (&str, &str),
    row: &str,
    column: &str,
) -> Result<(FseReport, String, Vec<SteeringPerson>), Failure> {
    if fse_report::counts_only(row.trim()) {
        return Err(Failure::Invalid(Invalid::field(
            "indicateur",
            "Les catégories particulières (handicap, origine étrangère, minorité) et leurs refus de répondre ne sont données qu'en nombres, sans liste de personnes.",
        )));
    }
    let report = fse_report(app, me, number, period.0, period.1).await?;
    let Some(Cell::People(ids)) = report.table.cell(row.trim(), column.trim()) else {
        return Err(Failure::Invalid(Invalid::field(
            "indicateur",
            "Cet indicateur n'existe pas : un code EECO01 à EECO17 ou EECR01 à EECR04, et une colonne total, F, M ou X.",
        )));
    };
    let label = report.table.cell_label(row.trim(), column.trim());
    let people = app.store.steering_people(ids).await?;
    let detail = format!("FSE+ opération {} : {label}", report.operation.number);
    audit_reads(app, me, &people, &detail).await?;
    Ok((report, label, people))
}

/// One participant on the data-quality list, with whom to ask.
pub struct QualityLine {
    pub person: SteeringPerson,
    pub gaps: Vec<Gap>,
    pub structures: Vec<String>,
}

/// The participants (entered in the period or left in it) whose data keep
/// them out of a figure, with the structures to ask (audited).
pub async fn fse_quality(
    app: &App,
    me: &CurrentUser,
    number: &str,
    period: (&str, &str),
) -> Result<(FseReport, Vec<QualityLine>), Failure> {
    let report = fse_report(app, me, number, period.0, period.1).await?;
    let flagged: Vec<(&Participant, Vec<Gap>)> = report
        .participants
        .iter()
        .filter(|p| {
            report.in_period(p.first_entered_on) || p.left_on.is_some_and(|d| report.in_period(d))
        })
        .map(|p| (p, gaps(p)))
        .filter(|(_, g)| !g.is_empty())
        .collect();
    let ids: Vec<Uuid> = flagged.iter().map(|(p, _)| p.person_id).collect();
    let people = app.store.steering_people(&ids).await?;
    let detail = format!(
        "FSE+ opération {} : données à compléter",
        report.operation.number
    );
    audit_reads(app, me, &people, &detail).await?;
    let structure_names: HashMap<Uuid, &str> = report
        .actions
        .iter()
        .map(|a| (a.structure_id, a.structure_name.as_str()))
        .collect();
    let by_person: HashMap<Uuid, (&Participant, Vec<Gap>)> = flagged
        .into_iter()
        .map(|(p, g)| (p.person_id, (p, g)))
        .collect();
    let lines = people
        .into_iter()
        .filter_map(|person| {
            let (p, g) = by_person.get(&person.id)?;
            Some(QualityLine {
                structures: p
                    .structures
                    .iter()
                    .filter_map(|s| structure_names.get(s).map(|n| n.to_string()))
                    .collect(),
                gaps: g.clone(),
                person,
            })
        })
        .collect();
    Ok((report, lines))
}

/// "7 h 30".
pub fn hours(minutes: i64) -> String {
    format!("{} h {:02}", minutes / 60, minutes % 60)
}

/// The indicator table and the participant file, for the downloads
/// (`fse-indicateurs`, `fse-participants`). The participant file holds no
/// special-category answer: those are counts only.
pub async fn fse_sheets(
    app: &App,
    me: &impl Caller,
    report: &FseReport,
) -> Result<Vec<Sheet>, Failure> {
    let indicators =
        crate::oarsa::table_sheet("fse-indicateurs".into(), "Indicateur", &report.table);
    let entrants: Vec<&Participant> = report.entrants().collect();
    let ids: Vec<Uuid> = entrants.iter().map(|p| p.person_id).collect();
    let people = app.store.steering_people(&ids).await?;
    let names: HashMap<Uuid, &SteeringPerson> = people.iter().map(|p| (p.id, p)).collect();
    let detail = format!(
        "FSE+ opération {} : fichier des participants",
        report.operation.number
    );
    audit_reads(app, me, &people, &detail).await?;
    let label = |code: Option<&str>, question: FseQuestion| -> String {
        let Some(code) = code else {
            return String::new();
        };
        FseEntryInput::choices(question)
            .into_iter()
            .find(|(c, _)| *c == code)
            .map_or(String::new(), |(_, l)| l.to_owned())
    };
    let rows = entrants
        .iter()
        .map(|p| {
            let person = names.get(&p.person_id);
            let e = p.entry;
            vec![
                person.map_or(String::new(), |n| n.last_name.clone()).into(),
                person
                    .map_or(String::new(), |n| n.first_names.clone())
                    .into(),
                person.map_or(Value::Empty, |n| Value::Text(fr_date(n.birth_date))),
                Value::Text(fr_date(p.first_entered_on)),
                label(e.map(|e| e.gender.code()), FseQuestion::Gender).into(),
                label(
                    e.map(|e| e.employment_status.code()),
                    FseQuestion::EmploymentStatus,
                )
                .into(),
                label(
                    e.map(|e| e.education_level.code()),
                    FseQuestion::EducationLevel,
                )
                .into(),
                label(e.map(|e| e.nationality.code()), FseQuestion::Nationality).into(),
                label(e.map(|e| e.homeless.code()), FseQuestion::Homeless).into(),
                e.map_or(Value::Empty, |e| {
                    Value::Text(if e.rural { "Oui" } else { "Non" }.into())
                }),
                p.left_on.map_or(Value::Empty, |d| Value::Text(fr_date(d))),
                p.situation
                    .map_or(Value::Empty, |s| Value::Text(s.label().into())),
                Value::Text(hours(
                    report.minutes.get(&p.person_id).copied().unwrap_or(0),
                )),
            ]
        })
        .collect();
    let participants = Sheet {
        name: "fse-participants".into(),
        headers: [
            "Nom",
            "Prénoms",
            "Date de naissance",
            "Date d'entrée",
            "Genre",
            "Situation vis-à-vis de l'emploi",
            "Niveau d'études",
            "Nationalité",
            "Sans domicile ou exclu du logement",
            "Zone rurale",
            "Date de sortie",
            "Situation dans les 4 semaines",
            "Heures de présence",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    Ok(vec![indicators, participants])
}

/// The operation numbers of an action's FSE+ funding lines.
pub(crate) async fn operations_of(app: &App, action_id: Uuid) -> Result<Vec<String>, Failure> {
    let mut numbers: Vec<String> = app
        .store
        .fundings_of(action_id)
        .await?
        .into_iter()
        .filter(|f| f.fse_plus)
        .filter_map(|f| f.fse_operation)
        .collect();
    numbers.sort();
    numbers.dedup();
    Ok(numbers)
}

/// A session's sign-in sheet as PDF: the participants that day and a
/// signature column (the structure's opérateur or the chargé de mission).
pub async fn sign_in_sheet(
    app: &App,
    me: &CurrentUser,
    session_id: Uuid,
) -> Result<Vec<u8>, Failure> {
    let (session, action) = crate::attendance::session(app, me, session_id).await?;
    let lines = app.store.attendance_sheet(session_id).await?;
    let structure = app.store.structure(action.structure_id).await?;
    let operations = operations_of(app, action.id).await?;
    let times = match (&session.starts_at, &session.ends_at) {
        (Some(start), Some(end)) => format!(", de {} à {}", clock_time(start), clock_time(end)),
        (Some(start), None) => format!(", à {}", clock_time(start)),
        _ => String::new(),
    };
    let sheet = parcours_pdf::SignInSheet {
        department: app.config.department_name.clone(),
        action: action.name.clone(),
        structure: structure.name.clone(),
        session: format!(
            "{}{times}",
            parcours_domain::clock::fr_long_date(session.on_date)
        ),
        place: action.address.clone(),
        cofinanced: !operations.is_empty(),
        operation: (!operations.is_empty()).then(|| operations.join(", ")),
        participants: lines
            .iter()
            .map(|l| format!("{} {}", l.last_name, l.first_names))
            .collect(),
    };
    Ok(parcours_pdf::render_sign_in_sheet(&sheet))
}

/// "09:30" → "9 h 30".
fn clock_time(raw: &str) -> String {
    match raw.split_once(':') {
        Some((h, m)) => format!("{} h {m}", h.trim_start_matches('0').max("0")),
        None => raw.to_owned(),
    }
}

/// A participant's monthly attendance sheet as PDF (`month`: AAAA-MM,
/// this month when empty).
pub async fn monthly_sheet(
    app: &App,
    me: &CurrentUser,
    referral_id: Uuid,
    month: &str,
) -> Result<Vec<u8>, Failure> {
    let referral = app.store.referral(referral_id).await?;
    let action = crate::catalogue::practical_action(app, me, referral.action_id).await?;
    let (first, last) = month_span(month)?;
    let sessions = app
        .store
        .attended_sessions(&[referral_id], first, last)
        .await?;
    let person = app.store.person(referral.person_id).await?;
    let structure = app.store.structure(action.structure_id).await?;
    let operations = operations_of(app, action.id).await?;
    let attended: i64 = sessions
        .iter()
        .filter(|s| s.status == Attendance::Present)
        .map(AttendedSession::minutes)
        .sum();
    let sheet = parcours_pdf::MonthlySheet {
        department: app.config.department_name.clone(),
        participant: format!("{} {}", person.last_name, person.first_names),
        action: action.name.clone(),
        structure: structure.name.clone(),
        month: format!(
            "{} {}",
            parcours_domain::clock::fr_month(first.month()),
            first.year()
        ),
        cofinanced: !operations.is_empty(),
        operation: (!operations.is_empty()).then(|| operations.join(", ")),
        sessions: sessions
            .iter()
            .map(|s| parcours_pdf::SessionLine {
                date: fr_date(s.on_date),
                times: match (&s.starts_at, &s.ends_at) {
                    (Some(a), Some(b)) => format!("{} – {}", clock_time(a), clock_time(b)),
                    _ => String::new(),
                },
                mark: s.status.label().into(),
                hours: hours(if s.status == Attendance::Present {
                    s.minutes()
                } else {
                    0
                }),
            })
            .collect(),
        total_hours: hours(attended),
    };
    Ok(parcours_pdf::render_monthly_sheet(&sheet))
}

/// "2026-03" (empty: this month) → its first and last days; a French
/// message on `mois`.
fn month_span(raw: &str) -> Result<(Date, Date), Failure> {
    let raw = match raw.trim() {
        "" => crate::clock::month_code(crate::clock::today()),
        typed => typed.to_owned(),
    };
    crate::clock::parse_month(&raw).ok_or_else(|| {
        Failure::Invalid(Invalid::field(
            "mois",
            "Le mois s'écrit AAAA-MM (ex. 2026-03).",
        ))
    })
}

/// The information notice on the processing of FSE+ data, printed with
/// the entry questionnaire.
pub fn notice(department: &str) -> Vec<String> {
    vec![
        format!("{department} recueille ces informations parce que l'action que vous suivez est cofinancée par l'Union européenne au titre du Fonds social européen plus (FSE+). Le règlement (UE) 2021/1057 impose de les collecter pour chaque participant, afin de rendre compte des personnes accompagnées et des résultats de l'action."),
        "Ces données sont traitées pour le suivi de l'opération cofinancée et transmises à l'autorité de gestion du FSE+ sous forme de nombres, sans votre nom. Les réponses sur le handicap, l'origine étrangère et l'appartenance à une minorité sont facultatives : vous pouvez répondre « Ne souhaite pas répondre ». Elles ne sont consultées que par la structure qui vous accueille.".to_owned(),
        "Les données sont conservées le temps du contrôle de l'opération, puis supprimées ou anonymisées. Vous pouvez y accéder, les faire rectifier ou vous opposer à leur traitement en vous adressant au délégué à la protection des données du Département ; vous pouvez aussi saisir la CNIL.".to_owned(),
    ]
}

/// The entry questionnaire of a participant as PDF, with their answers if
/// recorded, for them to check and sign (the structure's opérateur, the
/// only one who reads the answers; the read is audited by the store).
pub async fn entry_questionnaire(
    app: &App,
    me: &CurrentUser,
    referral_id: Uuid,
) -> Result<Vec<u8>, Failure> {
    let form = crate::fse::form(app, me, referral_id).await?;
    let structure = app.store.structure(form.action.structure_id).await?;
    let input = form.entry.as_ref().map(|e| e.input()).unwrap_or_default();
    let answers = FseQuestion::ALL
        .iter()
        .map(|q| {
            let code = input.value(*q);
            let answer = FseEntryInput::choices(*q)
                .into_iter()
                .find(|(c, _)| *c == code)
                .map_or(String::new(), |(_, l)| l.to_owned());
            (q.label().to_owned(), answer)
        })
        .collect();
    let questionnaire = parcours_pdf::EntryQuestionnaire {
        department: app.config.department_name.clone(),
        participant: format!("{} {}", form.person.last_name, form.person.first_names),
        birth_date: fr_date(form.person.birth_date),
        action: form.action.name.clone(),
        structure: structure.name.clone(),
        operation: (!form.operations.is_empty()).then(|| form.operations.join(", ")),
        entered_on: form.referral.entered_on.map(fr_date).unwrap_or_default(),
        answers,
        notice: notice(&app.config.department_name),
    };
    Ok(parcours_pdf::render_entry_questionnaire(&questionnaire))
}
