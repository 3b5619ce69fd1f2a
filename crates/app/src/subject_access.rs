//! The right of access (RGPD art. 15, issue 18): everything held about a
//! person, as JSON and as a readable PDF. The DPO may export any person's
//! data (a need-to-know exception of their role); the référent and the
//! cadre, the files within their scope. Every export is audited as a read of
//! the person, under an action of its own.

use crate::rectification::{self, NirShown};
use crate::{clock, App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::caf;
use parcours_domain::diagnostic::TEXT_FIELDS;
use parcours_domain::fse::{FseEntryInput, FseQuestion};
use parcours_domain::meeting::fr_when;
use parcours_domain::person::RsaState;
use parcours_domain::referral::Attendance;
use parcours_domain::Permission;
use parcours_pdf::{Entry, Section, SubjectAccessDocument};
use parcours_store::subject_access::SubjectAccess;
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Everything held about the person; the export is audited.
pub async fn export(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<SubjectAccess, Failure> {
    me.require(Permission::ExportSubjectAccess)?;
    if !me.role().exports_any_person() {
        crate::person::visible_person(app, me, person_id, Permission::ExportSubjectAccess).await?;
    }
    let export = app.store.subject_access(person_id).await?;
    app.store
        .audit(
            &me.actor(),
            AuditAction::SubjectAccessExport,
            entity::PERSON,
            Some(&person_id.to_string()),
            Some("export de toutes les données de la personne (droit d'accès)"),
        )
        .await?;
    Ok(export)
}

/// The export as a PDF, and a file name for it.
pub struct Printed {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The export, printed (audited as [`export`]).
pub async fn pdf(app: &App, me: &CurrentUser, person_id: Uuid) -> Result<Printed, Failure> {
    let export = export(app, me, person_id).await?;
    let doc = document(&export, &app.config.department_name, clock::now());
    let name = export
        .person
        .last_name
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    Ok(Printed {
        file_name: format!("donnees-{name}-{}.pdf", clock::today()),
        bytes: parcours_pdf::render_subject_access(&doc),
    })
}

fn instant(at: OffsetDateTime) -> String {
    let at = clock::in_paris(at);
    format!(
        "{} {:02}:{:02}",
        clock::fr_date(at.date()),
        at.hour(),
        at.minute()
    )
}

fn day(date: Option<Date>) -> String {
    date.map(clock::fr_date).unwrap_or_default()
}

fn yes_no(value: bool) -> String {
    if value { "oui" } else { "non" }.to_owned()
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn field(key: &str, value: impl Into<String>) -> (String, String) {
    (key.to_owned(), value.into())
}

fn entry(title: impl Into<String>, fields: Vec<(String, String)>) -> Entry {
    Entry {
        title: Some(title.into()),
        fields,
        lists: Vec::new(),
    }
}

fn section(heading: &str, entries: Vec<Entry>) -> Section {
    Section {
        heading: heading.to_owned(),
        entries,
    }
}

/// An FSE+ answer's label (the code when unknown).
fn fse_answer(question: FseQuestion, code: &str) -> String {
    FseEntryInput::choices(question)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map_or(code.to_owned(), |(_, label)| label.to_owned())
}

/// The saved file's fields as the French read them (a revision is the file
/// as saved, in JSON): the history's labels and values, ids left out, the
/// NIR whole (the export is the person's own).
fn revision_fields(data: &str) -> Vec<(String, String)> {
    let Ok(Value::Object(saved)) = serde_json::from_str::<Value>(data) else {
        return vec![field("Contenu", data)];
    };
    let names = rectification::Names::default();
    rectification::FIELDS
        .iter()
        .filter(|(key, _)| !key.ends_with("_id"))
        .filter_map(|(key, label)| {
            let value = rectification::value(key, saved.get(*key)?, &names, NirShown::Whole);
            Some(field(label, value))
        })
        .collect()
}

/// The printable export: every section in French, dates as the French read them.
pub fn document(
    export: &SubjectAccess,
    department: &str,
    at: OffsetDateTime,
) -> SubjectAccessDocument {
    let p = &export.person;
    let full_name = format!("{} {}", p.first_names, p.last_name.to_uppercase());
    let introduction = vec![
        format!(
            "Export du {} des données détenues sur {full_name}, née ou né le {}, au titre du droit d'accès (article 15 du RGPD).",
            clock::fr_date(clock::date_in_paris(at)),
            clock::fr_date(p.birth_date)
        ),
        "Chaque rubrique reprend les informations enregistrées dans le logiciel Parcours ; \
         le journal des accès indique qui a consulté ou modifié le dossier, et quand."
            .to_owned(),
    ];

    let identity = Entry {
        title: None,
        fields: vec![
            field("Nom", &p.last_name),
            field("Prénoms", &p.first_names),
            field("Nom de naissance", text(&p.birth_name)),
            field("Date de naissance", clock::fr_date(p.birth_date)),
            field("Sexe", p.sex.label()),
            field("NIR", text(&p.nir)),
            field("Courriel", text(&p.email)),
            field("Téléphone", text(&p.phone)),
            field("Adresse", text(&p.address)),
            field(
                "Commune",
                export
                    .commune_name
                    .clone()
                    .or(p.commune_code.clone())
                    .unwrap_or_default(),
            ),
            field("Situation", p.situation().label()),
            field("Soumis aux droits et devoirs", yes_no(p.subject_to_duties)),
            field("Droits et devoirs depuis le", day(p.duties_since)),
            field("Parent isolé", yes_no(p.single_parent)),
            field("Autre minimum social", yes_no(p.other_minimum_income)),
            field("RQTH", yes_no(p.rqth)),
            field("Dossier clos le", day(p.closed_on)),
            field(
                "Motif de clôture",
                p.closure_reason.map(|r| r.label()).unwrap_or_default(),
            ),
            field("Version du dossier", p.version.to_string()),
        ],
        lists: Vec::new(),
    };

    let mut household = Vec::new();
    if let Some(h) = &export.household {
        let state = RsaState::from_code(&h.rsa_state.to_string())
            .map_or(h.rsa_state.to_string(), |s| s.label().to_owned());
        household.push(Entry {
            title: None,
            fields: vec![
                field("Numéro de demande RSA", &h.rsa_number),
                field("Numéro d'allocataire", text(&h.caf_number)),
                field("Organisme payeur", h.fund.label()),
                field("État du droit", state),
                field("Depuis le", day(h.rsa_state_on)),
                field(
                    "Motif de l'état du droit",
                    match (
                        RsaState::from_code(&h.rsa_state.to_string()),
                        &h.rsa_state_reason,
                    ) {
                        (Some(state), Some(code)) => caf::state_reason(state, code),
                        _ => String::new(),
                    },
                ),
                field("Demande de RSA", day(h.rsa_requested_on)),
                field(
                    "Situation de famille",
                    h.family_situation
                        .as_deref()
                        .map(caf::family_situation)
                        .unwrap_or_default(),
                ),
                field("Situation de famille depuis le", day(h.family_situation_on)),
                field("Sans domicile fixe", if h.homeless { "oui" } else { "non" }),
                field("Rôle dans le foyer", p.household_role.label()),
            ],
            lists: vec![(
                "Autres membres du foyer".to_owned(),
                export
                    .household_members
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {} ({}, né(e) le {})",
                            m.first_names,
                            m.last_name.to_uppercase(),
                            m.household_role.label(),
                            clock::fr_date(m.birth_date)
                        )
                    })
                    .collect(),
            )],
        });
    }

    let revisions = export
        .revisions
        .iter()
        .map(|r| {
            let mut fields = vec![
                field("Enregistrée le", instant(r.changed_at)),
                field("Par", &r.changed_by),
            ];
            fields.extend(revision_fields(&r.data));
            entry(format!("Version {}", r.version), fields)
        })
        .collect();

    let orientations = export
        .orientations
        .iter()
        .map(|o| {
            entry(
                format!(
                    "Orientation {} du {}",
                    o.kind.label(),
                    clock::fr_date(o.decided_on)
                ),
                vec![
                    field("Organisme référent", &o.lead_organisation_name),
                    field("Statut", o.status.label()),
                    field("Motif", text(&o.reason)),
                    field("Décidée par", &o.decided_by),
                    field("Notifiée le", day(o.notified_on)),
                    field("Examinée par", text(&o.reviewed_by)),
                    field("Motif du refus", text(&o.rejection_reason)),
                ],
            )
        })
        .collect();

    let referents = export
        .referents
        .iter()
        .map(|a| {
            entry(
                format!("{} — {}", a.referent_name, a.organisation_name),
                vec![
                    field("Depuis le", clock::fr_date(a.starts_on)),
                    field("Jusqu'au", day(a.ends_on)),
                    field("Désigné par", &a.created_by),
                ],
            )
        })
        .collect();

    let mut pathway: Vec<Entry> = export
        .pathway_reviews
        .iter()
        .map(|r| {
            entry(
                format!("Réexamen du {}", clock::fr_date(r.reviewed_on)),
                vec![field("Conclusion", &r.outcome), field("Par", &r.created_by)],
            )
        })
        .collect();
    pathway.extend(export.clocks.iter().map(|c| {
        entry(
            format!("Échéance : {}", c.kind.label()),
            vec![
                field("Depuis le", clock::fr_date(c.started_on)),
                field("Due le", clock::fr_date(c.due_on)),
                field("Respectée le", day(c.met_on)),
            ],
        )
    }));

    let declared = export
        .declared_situation
        .iter()
        .map(|d| {
            let mut fields = vec![field("Reçue le", day(d.declared_on))];
            fields.extend(d.lines().into_iter().map(|(q, a)| field(q, a)));
            entry(
                "Données socio-professionnelles transmises par la CAF",
                fields,
            )
        })
        .collect();

    let diagnostics = export
        .diagnostics
        .iter()
        .map(|d| {
            let mut fields = vec![
                field("Établi le", clock::fr_date(d.revised_on)),
                field("Par", &d.created_by),
            ];
            for (name, label, _) in TEXT_FIELDS {
                fields.push(field(label, d.data.text(name)));
            }
            Entry {
                title: Some(format!("Diagnostic, version {}", d.version)),
                fields,
                lists: vec![(
                    "Freins".to_owned(),
                    d.data
                        .barriers
                        .iter()
                        .map(|b| format!("{} ({})", b.label, b.severity.label()))
                        .collect(),
                )],
            }
        })
        .collect();

    let contracts = export
        .contracts
        .iter()
        .map(|record| {
            let c = &record.contract;
            Entry {
                title: Some(format!(
                    "{} du {} au {}",
                    c.kind.label(),
                    clock::fr_date(c.starts_on),
                    clock::fr_date(c.ends_on)
                )),
                fields: vec![
                    field("Statut", c.status.label()),
                    field("Durée", format!("{} mois", c.duration_months)),
                    field(
                        "Heures par semaine",
                        c.weekly_hours.map(|h| h.to_string()).unwrap_or_default(),
                    ),
                    field(
                        "Motif de la durée réduite",
                        c.hours_reason.map(|r| r.label()).unwrap_or_default(),
                    ),
                    field("Précision", text(&c.hours_note)),
                    field(
                        "Autres activités (heures par semaine)",
                        c.other_weekly_hours
                            .map(|h| h.to_string())
                            .unwrap_or_default(),
                    ),
                    field("Engagements de la personne", &c.person_commitments),
                    field("Engagements de l'organisme", &c.organisation_commitments),
                    field("Signé le", day(c.signed_on)),
                    field("Validé le", day(c.validated_on)),
                    field("Validé par", text(&c.validated_by)),
                    field("Motif du refus", text(&c.rejection_reason)),
                    field("Terminé le", day(c.ended_on)),
                    field("Bilan le", day(c.reviewed_on)),
                    field("Commentaire du bilan", text(&c.review_comment)),
                    field("Rédigé par", &c.created_by),
                ],
                lists: vec![(
                    "Objectifs".to_owned(),
                    record
                        .objectives
                        .iter()
                        .map(|o| {
                            let mut line = o.title.clone();
                            if !o.barriers.is_empty() {
                                line.push_str(&format!(" — freins : {}", o.barriers.join(", ")));
                            }
                            if !o.actions.is_empty() {
                                line.push_str(&format!(" — actions : {}", o.actions.join(", ")));
                            }
                            if let Some(result) = o.review_result {
                                line.push_str(&format!(" — {}", result.label()));
                            }
                            line
                        })
                        .collect(),
                )],
            }
        })
        .collect();

    let follow_up_log = export
        .follow_up_log
        .iter()
        .map(|l| {
            entry(
                format!("{} du {}", l.kind.label(), clock::fr_date(l.occurred_on)),
                vec![
                    field("Texte", &l.text),
                    field("Confidentiel", if l.sensitive { "oui" } else { "non" }),
                    field("Par", &l.recorded_by),
                ],
            )
        })
        .collect();

    let meetings = export
        .meetings
        .iter()
        .map(|m| {
            entry(
                format!("{} — {}", m.kind.label(), fr_when(m.starts_at)),
                vec![
                    field("Durée", format!("{} minutes", m.duration_minutes)),
                    field("Modalité", m.modality.label()),
                    field("Lieu", text(&m.place)),
                    field(
                        "Avec",
                        format!("{} ({})", m.held_by_name, m.organisation_name),
                    ),
                    field("Suite", m.outcome.map(|o| o.label()).unwrap_or("à venir")),
                ],
            )
        })
        .collect();

    let messages = export
        .messages
        .iter()
        .map(|x| {
            entry(
                format!(
                    "{} par {} — rendez-vous du {}",
                    x.purpose.label(),
                    x.channel.label().to_lowercase(),
                    fr_when(x.meeting_starts_at)
                ),
                vec![
                    field("État", x.state.label()),
                    field("Envoyé à", text(&x.recipient)),
                    field(
                        "Envoyé le",
                        x.sent_at.map(fr_when).unwrap_or_else(|| "—".to_owned()),
                    ),
                ],
            )
        })
        .collect();

    let positionings = export
        .positionings
        .iter()
        .map(|p| {
            let r = &p.referral;
            let mut fields = vec![
                field("Structure", &r.structure_name),
                field("Positionné le", clock::fr_date(r.positioned_on)),
                field("Par", &r.requested_by),
                field("Statut", r.status.label()),
                field("Motif de dérogation", text(&r.override_reason)),
                field(
                    "Motif du refus",
                    r.refusal_reason.map(|x| x.label()).unwrap_or_default(),
                ),
                field("Précision du refus", text(&r.refusal_comment)),
                field("Entrée le", day(r.entered_on)),
                field("Sortie le", day(r.exited_on)),
                field(
                    "Motif de sortie",
                    r.exit_reason.map(|x| x.label()).unwrap_or_default(),
                ),
                field(
                    "Situation à la sortie",
                    r.exit_situation.map(|x| x.label()).unwrap_or_default(),
                ),
                field(
                    "Situation 4 semaines après",
                    r.situation_4_weeks.map(|x| x.label()).unwrap_or_default(),
                ),
                field("Observée le", day(r.situation_4_weeks_on)),
                field("Motif d'annulation", text(&r.cancel_reason)),
            ];
            if let Some(f) = &p.fse_entry {
                fields.push(field("Données FSE+ saisies le", instant(f.recorded_at)));
                fields.push(field("Saisies par", &f.recorded_by));
                let input = f.input();
                for question in FseQuestion::ALL {
                    fields.push(field(
                        question.label(),
                        fse_answer(*question, input.value(*question)),
                    ));
                }
            }
            let mark = |code: &str| {
                Attendance::from_code(code).map_or(code.to_owned(), |a| a.label().to_owned())
            };
            Entry {
                title: Some(r.action_name.clone()),
                fields,
                lists: vec![
                    (
                        "Présences aux séances".to_owned(),
                        p.attendance
                            .iter()
                            .map(|a| {
                                format!("{} : {}", clock::fr_date(a.on_date), a.status.label())
                            })
                            .collect(),
                    ),
                    (
                        "Rendez-vous".to_owned(),
                        p.appointments
                            .iter()
                            .map(|a| {
                                let mut line = clock::fr_date(a.on_date);
                                if let (Some(from), Some(to)) = (&a.starts_at, &a.ends_at) {
                                    line.push_str(&format!(" de {from} à {to}"));
                                }
                                if a.cancelled {
                                    line.push_str(" (annulé)");
                                }
                                if let Some(m) = &a.attendance {
                                    line.push_str(&format!(" : {}", mark(m)));
                                }
                                if let Some(note) = &a.note {
                                    line.push_str(&format!(" — {note}"));
                                }
                                line
                            })
                            .collect(),
                    ),
                ],
            }
        })
        .collect();

    let imports = export
        .import_changes
        .iter()
        .map(|c| Entry {
            title: None,
            fields: vec![field(
                &clock::fr_date(c.occurred_on),
                format!("{} (dossier {})", c.detail, c.rsa_number),
            )],
            lists: Vec::new(),
        })
        .collect();

    let audit = export
        .audit_events
        .iter()
        .map(|e| {
            let action = AuditAction::from_code(&e.action)
                .map_or(e.action.clone(), |a| a.label().to_owned());
            Entry {
                title: None,
                fields: vec![field(
                    &instant(e.at),
                    format!(
                        "{action} par {}{}",
                        e.actor_label,
                        e.detail
                            .as_deref()
                            .map(|d| format!(" — {d}"))
                            .unwrap_or_default()
                    ),
                )],
                lists: Vec::new(),
            }
        })
        .collect();

    SubjectAccessDocument {
        title: "Données personnelles — droit d'accès".to_owned(),
        department: department.to_owned(),
        introduction,
        sections: vec![
            section("Identité", vec![identity]),
            section("Foyer", household),
            section("Historique des rectifications du dossier", revisions),
            section("Orientations", orientations),
            section("Référents uniques", referents),
            section("Réexamens et échéances du parcours", pathway),
            section("Situation déclarée à la demande de RSA", declared),
            section("Diagnostics (toutes les versions)", diagnostics),
            section("Contrats", contracts),
            section("Rendez-vous", meetings),
            section("Convocations et rappels envoyés", messages),
            section("Journal de suivi", follow_up_log),
            section("Positionnements sur des actions", positionings),
            section("Changements reçus de la CAF ou de la MSA", imports),
            section("Journal des accès et des modifications", audit),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_reads_in_french_without_ids() {
        let saved = r#"{"id":"01a2","household_id":"01a3","household_role":"DEM","last_name":"Marie",
            "first_names":"Fabrice","birth_name":null,"birth_date":"1971-02-03","sex":"M",
            "nir":"171021400100270","phone":"0231000000","rqth":false,"closed_on":null}"#;
        let fields = revision_fields(saved);
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("Date de naissance"), Some("03/02/1971"));
        assert_eq!(get("Sexe"), Some("Homme"));
        assert_eq!(get("Rôle dans le foyer"), Some("Demandeur"));
        assert_eq!(get("NIR"), Some("171021400100270"));
        assert_eq!(get("Téléphone"), Some("0231000000"));
        assert_eq!(get("RQTH"), Some("non"));
        assert_eq!(get("Dossier clos le"), Some(""));
        assert!(fields.iter().all(|(_, v)| !v.contains("01a2")));
        assert_eq!(revision_fields("pas du JSON")[0].0, "Contenu");
    }
}
