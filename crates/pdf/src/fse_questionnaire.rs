//! The FSE+ entry questionnaire, printed for the participant to check and
//! sign, with the information notice on the processing of personal data.

use super::{write_pdf, Font, Layout, Page, BODY_SIZE};

/// The FSE+ entry questionnaire, printed for the participant to check and sign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryQuestionnaire {
    pub department: String,
    pub participant: String,
    /// E.g. « 12/04/1980 ».
    pub birth_date: String,
    pub action: String,
    pub structure: String,
    pub operation: Option<String>,
    /// E.g. « 03/03/2026 ».
    pub entered_on: String,
    /// (question label, answer label); an empty answer prints « non renseigné ».
    pub answers: Vec<(String, String)>,
    /// Paragraphs of the information notice on the processing of personal data.
    pub notice: Vec<String>,
}

const TITLE: &str = "Questionnaire d'entrée — Fonds social européen plus (FSE+)";
const SIGN_BOX_H: f32 = 80.0;

/// Produces the PDF of the entry questionnaire.
pub fn render_entry_questionnaire(q: &EntryQuestionnaire) -> Vec<u8> {
    write_pdf(TITLE, &layout(q))
}

fn layout(q: &EntryQuestionnaire) -> Vec<Page> {
    let mut l = Layout::new();
    l.title(TITLE, &q.department);
    l.eu_cofinancing(q.operation.as_deref());

    l.heading("Participant(e)");
    l.field(0.0, "Nom et prénom", &q.participant);
    l.field(0.0, "Date de naissance", &q.birth_date);

    l.heading("Action");
    l.field(0.0, "Action", &q.action);
    l.field(0.0, "Structure", &q.structure);
    l.field(0.0, "Date d'entrée", &q.entered_on);

    l.heading("Réponses au questionnaire");
    if q.answers.is_empty() {
        l.paragraph(0.0, "Aucune réponse.", Font::Regular, BODY_SIZE);
    }
    for (question, answer) in &q.answers {
        l.field(0.0, question, answer);
    }

    if !q.notice.is_empty() {
        l.heading("Information sur le traitement de vos données");
        for paragraph in &q.notice {
            l.paragraph(0.0, paragraph, Font::Regular, BODY_SIZE);
            l.space(4.0);
        }
    }

    l.signature_row(
        &[
            "Je certifie l'exactitude des informations ci-dessus.",
            "Fait à ……………… le ………………",
        ],
        &[(
            "Signature du ou de la participant(e)",
            "Précédée de la mention « Lu et approuvé »",
        )],
        SIGN_BOX_H,
    );
    l.pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_within_text_area, exact_ys, normalize, pdftotext, shows};
    use crate::Op;

    const NOTICE: &str = "Les informations recueillies font l'objet d'un traitement \
        par le Département, responsable de traitement, pour le suivi des participants \
        aux opérations cofinancées par le Fonds social européen plus ; elles sont \
        transmises aux autorités de gestion et de contrôle du programme, conservées \
        pendant la durée réglementaire et vous pouvez exercer vos droits d'accès, de \
        rectification et de limitation auprès du délégué à la protection des données.";

    fn questionnaire(answers: usize, notice: usize) -> EntryQuestionnaire {
        EntryQuestionnaire {
            department: "Département du Calvados".into(),
            participant: "DURAND Dominique".into(),
            birth_date: "12/04/1980".into(),
            action: "Atelier collectif « Reprendre confiance »".into(),
            structure: "Association Tremplin Emploi".into(),
            operation: Some("202500123".into()),
            entered_on: "03/03/2026".into(),
            answers: (1..=answers)
                .map(|i| {
                    let question = if i % 4 == 0 {
                        format!(
                            "Question {i} : situation sur le marché du travail le jour \
                             de l'entrée dans l'opération, y compris les périodes de \
                             formation, de stage ou d'inscription comme demandeur d'emploi"
                        )
                    } else {
                        format!("Question {i}")
                    };
                    let answer = if i % 3 == 0 {
                        String::new()
                    } else {
                        format!("Réponse {i}")
                    };
                    (question, answer)
                })
                .collect(),
            notice: (1..=notice).map(|i| format!("{NOTICE} Fin {i}.")).collect(),
        }
    }

    #[test]
    fn the_questionnaire_is_a_pdf_file() {
        let pdf = render_entry_questionnaire(&questionnaire(5, 2));
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    }

    #[test]
    fn a_long_questionnaire_spreads_over_pages_within_the_text_area() {
        let pages = layout(&questionnaire(40, 25));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        assert_within_text_area(&pages);
        // The certification, place/date line and box stay together at the end.
        let last = pages.last().unwrap();
        for text in [
            "Je certifie l'exactitude des informations ci-dessus.",
            "Fait à ……………… le ………………",
            "Signature du ou de la participant(e)",
        ] {
            assert_eq!(exact_ys(last, text).len(), 1, "« {text} »");
        }
        assert_eq!(
            last.iter()
                .filter(|op| matches!(op, Op::Rect { .. }))
                .count(),
            1
        );
        // Every notice paragraph is printed, up to its last words.
        for i in 1..=25 {
            assert!(shows(&pages, &format!("Fin {i}.")), "paragraph {i}");
        }
    }

    #[test]
    fn a_short_questionnaire_fits_on_one_page() {
        let pages = layout(&questionnaire(6, 1));
        assert_eq!(pages.len(), 1);
        assert_within_text_area(&pages);
        assert!(shows(&pages, "Cofinancé par l'Union européenne"));
        assert!(shows(&pages, "Opération FSE+ n° 202500123"));
        assert!(shows(
            &pages,
            "Information sur le traitement de vos données"
        ));
    }

    #[test]
    fn empty_answers_print_not_provided() {
        let pages = layout(&questionnaire(6, 1));
        let page = &pages[0];
        // Questions 3 and 6 have no answer.
        for i in [3, 6] {
            let question = exact_ys(page, &format!("Question {i} : "));
            assert_eq!(question.len(), 1);
            assert!(exact_ys(page, "non renseigné").contains(&question[0]));
        }
        assert_eq!(exact_ys(page, "non renseigné").len(), 2);
        assert_eq!(exact_ys(page, "Réponse 5"), exact_ys(page, "Question 5 : "));
    }

    #[test]
    fn the_mention_is_printed_without_an_operation_number() {
        let mut q = questionnaire(2, 0);
        q.operation = None;
        let pages = layout(&q);
        assert!(shows(&pages, "Cofinancé par l'Union européenne"));
        assert!(!shows(&pages, "Opération"));
        assert!(!shows(&pages, "Information sur le traitement"));
    }

    #[test]
    fn text_is_extracted_by_pdftotext() {
        let Some(text) = pdftotext(&render_entry_questionnaire(&questionnaire(8, 2))) else {
            return;
        };
        let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
        let flat = normalize(&text);
        assert!(flat.contains(&format!("Page {pages} / {pages}")));
        for expected in [
            "Questionnaire d'entrée — Fonds social européen plus (FSE+)",
            "Cofinancé par l'Union européenne",
            "Opération FSE+ n° 202500123",
            "Nom et prénom : DURAND Dominique",
            "Date de naissance : 12/04/1980",
            "Date d'entrée : 03/03/2026",
            "Question 3 : non renseigné",
            "Question 8 : situation sur le marché du travail",
            "Information sur le traitement de vos données",
            "délégué à la protection des données. Fin 2.",
            "Je certifie l'exactitude des informations ci-dessus.",
            "Fait à ……………… le ………………",
            "Signature du ou de la participant(e)",
        ] {
            assert!(flat.contains(expected), "« {expected} » missing:\n{text}");
        }
    }
}
