//! Proof of attendance for actions of the insertion pathway, notably those
//! co-financed by the FSE+: a session's sign-in sheet and a participant's
//! monthly attendance sheet.

use super::{write_pdf, Align, Column, Font, Layout, Page, BODY_SIZE};

/// One session's sign-in sheet ("feuille d'émargement").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInSheet {
    /// E.g. « Département du Calvados ».
    pub department: String,
    /// Action title.
    pub action: String,
    /// Partner structure running the action.
    pub structure: String,
    /// E.g. « mardi 3 mars 2026, de 9 h 00 à 12 h 00 ».
    pub session: String,
    pub place: Option<String>,
    /// Co-financed by the FSE+.
    pub cofinanced: bool,
    /// FSE+ operation number, e.g. « 202500123 ».
    pub operation: Option<String>,
    /// Names as printed, e.g. « DURAND Dominique », in this order.
    pub participants: Vec<String>,
}

/// A participant's monthly attendance sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthlySheet {
    pub department: String,
    /// E.g. « DURAND Dominique ».
    pub participant: String,
    pub action: String,
    pub structure: String,
    /// E.g. « mars 2026 ».
    pub month: String,
    pub cofinanced: bool,
    pub operation: Option<String>,
    pub sessions: Vec<SessionLine>,
    /// E.g. « 7 h 30 ».
    pub total_hours: String,
}

/// One session of a monthly attendance sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionLine {
    /// E.g. « 03/03/2026 ».
    pub date: String,
    /// E.g. « 9 h 00 – 12 h 00 », or empty.
    pub times: String,
    /// « Présent », « Absent », « Excusé ».
    pub mark: String,
    /// E.g. « 3 h 00 », « 0 h 00 ».
    pub hours: String,
}

const SIGN_IN_TITLE: &str = "Feuille d'émargement";
const MONTHLY_TITLE: &str = "Relevé mensuel de présence";
/// Empty rows left at the end of a sign-in sheet for late additions.
const EXTRA_ROWS: usize = 3;
/// Height of a sign-in row, enough to sign.
const SIGN_ROW_H: f32 = 28.0;
const SESSION_ROW_H: f32 = 18.0;
const SIGN_BOX_H: f32 = 80.0;

const SIGN_IN_COLUMNS: [Column<'static>; 3] = [
    Column {
        header: "N°",
        share: 0.08,
        align: Align::Center,
    },
    Column {
        header: "Nom et prénom",
        share: 0.40,
        align: Align::Left,
    },
    Column {
        header: "Signature",
        share: 0.52,
        align: Align::Left,
    },
];

const SESSION_COLUMNS: [Column<'static>; 4] = [
    Column {
        header: "Date",
        share: 0.22,
        align: Align::Left,
    },
    Column {
        header: "Horaires",
        share: 0.34,
        align: Align::Left,
    },
    Column {
        header: "Présence",
        share: 0.22,
        align: Align::Left,
    },
    Column {
        header: "Heures",
        share: 0.22,
        align: Align::Right,
    },
];

/// Produces the PDF of a sign-in sheet.
pub fn render_sign_in_sheet(sheet: &SignInSheet) -> Vec<u8> {
    write_pdf(SIGN_IN_TITLE, &sign_in_layout(sheet))
}

/// Produces the PDF of a monthly attendance sheet.
pub fn render_monthly_sheet(sheet: &MonthlySheet) -> Vec<u8> {
    write_pdf(MONTHLY_TITLE, &monthly_layout(sheet))
}

/// Title, department and, for an FSE+ action, the co-financing mention.
fn header(title: &str, department: &str, cofinanced: bool, operation: Option<&str>) -> Layout {
    let mut l = Layout::new();
    l.title(title, department);
    if cofinanced {
        l.eu_cofinancing(operation);
    }
    l.space(4.0);
    l
}

fn sign_in_layout(sheet: &SignInSheet) -> Vec<Page> {
    let mut l = header(
        SIGN_IN_TITLE,
        &sheet.department,
        sheet.cofinanced,
        sheet.operation.as_deref(),
    );
    l.field(0.0, "Action", &sheet.action);
    l.field(0.0, "Structure", &sheet.structure);
    l.field(0.0, "Séance", &sheet.session);
    if let Some(place) = &sheet.place {
        l.field(0.0, "Lieu", place);
    }
    l.space(12.0);
    let names = sheet.participants.iter().map(String::as_str);
    let rows: Vec<Vec<String>> = names
        .chain(std::iter::repeat_n("", EXTRA_ROWS))
        .enumerate()
        .map(|(i, name)| vec![(i + 1).to_string(), name.to_owned(), String::new()])
        .collect();
    l.table(&SIGN_IN_COLUMNS, &rows, SIGN_ROW_H);
    l.signature_row(
        &[],
        &[(
            "Signature de l'animateur ou de l'animatrice",
            "Nom, date et signature",
        )],
        SIGN_BOX_H,
    );
    l.pages
}

fn monthly_layout(sheet: &MonthlySheet) -> Vec<Page> {
    let mut l = header(
        MONTHLY_TITLE,
        &sheet.department,
        sheet.cofinanced,
        sheet.operation.as_deref(),
    );
    l.field(0.0, "Participant(e)", &sheet.participant);
    l.field(0.0, "Action", &sheet.action);
    l.field(0.0, "Structure", &sheet.structure);
    l.field(0.0, "Mois", &sheet.month);
    l.space(12.0);
    if sheet.sessions.is_empty() {
        l.paragraph(0.0, "Aucune séance ce mois-ci.", Font::Regular, BODY_SIZE);
    } else {
        let rows: Vec<Vec<String>> = sheet
            .sessions
            .iter()
            .map(|s| {
                vec![
                    s.date.clone(),
                    s.times.clone(),
                    s.mark.clone(),
                    s.hours.clone(),
                ]
            })
            .collect();
        l.table(&SESSION_COLUMNS, &rows, SESSION_ROW_H);
    }
    l.space(8.0);
    l.field(0.0, "Total des heures de présence", &sheet.total_hours);
    l.signature_row(
        &[],
        &[
            ("Le ou la participant(e)", "Date et signature"),
            ("La structure", "Nom, qualité, date, signature et cachet"),
        ],
        SIGN_BOX_H,
    );
    l.pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_within_text_area, exact_ys, normalize, pdftotext, shows, text_ys};
    use crate::Op;

    const EU: &str = "Cofinancé par l'Union européenne";

    fn sign_in(participants: usize, cofinanced: bool) -> SignInSheet {
        SignInSheet {
            department: "Département du Calvados".into(),
            action: "Atelier collectif « Reprendre confiance »".into(),
            structure: "Association Tremplin Emploi".into(),
            session: "mardi 3 mars 2026, de 9 h 00 à 12 h 00".into(),
            place: Some("Maison des solidarités, 14000 Caen".into()),
            cofinanced,
            operation: Some("202500123".into()),
            participants: (1..=participants)
                .map(|i| format!("DURAND-{i:02} Dominique"))
                .collect(),
        }
    }

    fn monthly(sessions: usize, cofinanced: bool) -> MonthlySheet {
        MonthlySheet {
            department: "Département du Calvados".into(),
            participant: "DURAND Dominique".into(),
            action: "Chantier d'insertion espaces verts".into(),
            structure: "Association Tremplin Emploi".into(),
            month: "mars 2026".into(),
            cofinanced,
            operation: None,
            sessions: (1..=sessions)
                .map(|i| SessionLine {
                    date: format!("{:02}/03/2026", i % 31 + 1),
                    times: if i % 5 == 0 {
                        String::new()
                    } else {
                        "9 h 00 – 12 h 00".into()
                    },
                    mark: ["Présent", "Absent", "Excusé"][i % 3].into(),
                    hours: format!("S{i} 3 h 00"),
                })
                .collect(),
            total_hours: "7 h 30".into(),
        }
    }

    fn rects(page: &Page) -> usize {
        page.iter()
            .filter(|op| matches!(op, Op::Rect { .. }))
            .count()
    }

    #[test]
    fn documents_are_pdf_files() {
        for pdf in [
            render_sign_in_sheet(&sign_in(5, true)),
            render_monthly_sheet(&monthly(5, true)),
        ] {
            assert!(pdf.starts_with(b"%PDF"));
            assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
        }
    }

    /// (page, distance from the top) of the single element that is exactly `text`.
    fn position(pages: &[Page], text: &str) -> (usize, f32) {
        let found: Vec<(usize, f32)> = pages
            .iter()
            .enumerate()
            .flat_map(|(p, page)| exact_ys(page, text).into_iter().map(move |y| (p, -y)))
            .collect();
        assert_eq!(found.len(), 1, "« {text} » shown {} times", found.len());
        found[0]
    }

    /// Asserts that the texts are shown once each, in this order.
    fn assert_in_order(pages: &[Page], texts: impl Iterator<Item = String>) {
        let positions: Vec<(usize, f32)> = texts.map(|t| position(pages, &t)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    /// Asserts that each page showing one of the row texts also shows the
    /// header `header` once, above its rows; returns the number of such pages.
    fn assert_header_on_each_page(pages: &[Page], header: &str, rows: &[String]) -> usize {
        let mut table_pages = 0;
        for page in pages {
            let ys: Vec<f32> = rows.iter().flat_map(|r| exact_ys(page, r)).collect();
            if ys.is_empty() {
                continue;
            }
            table_pages += 1;
            let header_ys = exact_ys(page, header);
            assert_eq!(header_ys.len(), 1, "header « {header} » on a page");
            assert!(ys.iter().all(|&y| y < header_ys[0]), "header below a row");
        }
        table_pages
    }

    fn names(n: usize) -> Vec<String> {
        sign_in(n, false).participants
    }

    #[test]
    fn a_long_sign_in_sheet_spreads_over_pages_within_the_text_area() {
        let pages = sign_in_layout(&sign_in(60, true));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        assert_within_text_area(&pages);
        assert_in_order(&pages, names(60).into_iter());
        assert_in_order(&pages, (1..=63).map(|i| i.to_string()));
        // The animator's box closes the last page.
        let last = pages.last().unwrap();
        assert!(!text_ys(last, "Signature de l'animateur ou de l'animatrice").is_empty());
        assert_eq!(rects(last), 1);
    }

    #[test]
    fn the_sign_in_table_header_repeats_on_each_page() {
        let pages = sign_in_layout(&sign_in(60, false));
        let rows = names(60);
        for header in ["N°", "Nom et prénom", "Signature"] {
            let table_pages = assert_header_on_each_page(&pages, header, &rows);
            assert!(table_pages >= 3, "{table_pages} pages with rows");
        }
    }

    #[test]
    fn sign_in_rows_are_tall_enough_to_sign() {
        let pages = sign_in_layout(&sign_in(2, false));
        let first = exact_ys(&pages[0], "DURAND-01 Dominique")[0];
        let second = exact_ys(&pages[0], "DURAND-02 Dominique")[0];
        assert!((first - second - SIGN_ROW_H).abs() < 1e-3);
    }

    #[test]
    fn a_short_sign_in_sheet_fits_on_one_page() {
        let pages = sign_in_layout(&sign_in(10, true));
        assert_eq!(pages.len(), 1);
        assert_within_text_area(&pages);
        assert_in_order(&pages, names(10).into_iter());
    }

    #[test]
    fn an_empty_sign_in_sheet_prints_the_spare_rows() {
        let mut sheet = sign_in(0, false);
        sheet.place = None;
        let pages = sign_in_layout(&sheet);
        assert_eq!(pages.len(), 1);
        assert_within_text_area(&pages);
        assert!(shows(&pages, "Nom et prénom"));
        assert!(!shows(&pages, "Lieu"));
        assert_in_order(&pages, (1..=3).map(|i| i.to_string()));
        assert!(exact_ys(&pages[0], "4").is_empty());
    }

    #[test]
    fn the_cofinancing_mention_appears_only_when_cofinanced() {
        let with = sign_in_layout(&sign_in(3, true));
        assert!(shows(&with, EU));
        assert!(shows(&with, "Opération FSE+ n° 202500123"));
        // Framed: the mention's box plus the animator's box.
        assert_eq!(rects(&with[0]), 2);
        let without = sign_in_layout(&sign_in(3, false));
        assert!(!shows(&without, EU));
        assert!(!shows(&without, "FSE+"));
        assert_eq!(rects(&without[0]), 1);

        let mut sheet = sign_in(3, true);
        sheet.operation = None;
        let pages = sign_in_layout(&sheet);
        assert!(shows(&pages, EU));
        assert!(!shows(&pages, "Opération"));

        assert!(shows(&monthly_layout(&monthly(3, true)), EU));
        assert!(!shows(&monthly_layout(&monthly(3, false)), EU));
    }

    fn hours(n: usize) -> Vec<String> {
        monthly(n, false)
            .sessions
            .into_iter()
            .map(|s| s.hours)
            .collect()
    }

    #[test]
    fn a_long_monthly_sheet_spreads_over_pages_within_the_text_area() {
        let pages = monthly_layout(&monthly(40, true));
        assert!(pages.len() >= 2, "{} pages", pages.len());
        assert_within_text_area(&pages);
        assert_in_order(&pages, hours(40).into_iter());
        let table_pages = assert_header_on_each_page(&pages, "Horaires", &hours(40));
        assert!(table_pages >= 2);
        let last = pages.last().unwrap();
        assert!(!text_ys(last, "Le ou la participant(e)").is_empty());
        assert!(!text_ys(last, "La structure").is_empty());
        assert_eq!(rects(last), 2);
    }

    #[test]
    fn a_short_monthly_sheet_fits_on_one_page() {
        let pages = monthly_layout(&monthly(8, true));
        assert_eq!(pages.len(), 1);
        assert_within_text_area(&pages);
        assert_in_order(&pages, hours(8).into_iter());
        let total = exact_ys(&pages[0], "Total des heures de présence : ");
        assert_eq!(total, exact_ys(&pages[0], "7 h 30"));
        // The mention's box, then the two signature boxes side by side.
        let boxes: Vec<(f32, f32)> = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Rect { x, y, .. } => Some((*x, *y)),
                _ => None,
            })
            .collect();
        assert_eq!(boxes.len(), 3);
        assert_eq!(boxes[1].1, boxes[2].1);
        assert!(boxes[1].0 < boxes[2].0);
    }

    #[test]
    fn a_month_without_session_prints_a_sentence_instead_of_the_table() {
        let pages = monthly_layout(&monthly(0, false));
        assert_eq!(pages.len(), 1);
        assert_within_text_area(&pages);
        assert!(shows(&pages, "Aucune séance ce mois-ci."));
        assert!(!shows(&pages, "Horaires"));
        assert!(shows(&pages, "Total des heures de présence"));
    }

    #[test]
    fn text_is_extracted_by_pdftotext() {
        let Some(text) = pdftotext(&render_sign_in_sheet(&sign_in(60, true))) else {
            return;
        };
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        let n = pages.len();
        assert!(n >= 3);
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} / {n}", i + 1)));
            assert!(page.contains("Nom et prénom") || i == n - 1, "{page}");
        }
        let flat = normalize(&text);
        for expected in [
            "Feuille d'émargement",
            "Cofinancé par l'Union européenne",
            "Opération FSE+ n° 202500123",
            "Atelier collectif « Reprendre confiance »",
            "mardi 3 mars 2026, de 9 h 00 à 12 h 00",
            "60 DURAND-60 Dominique",
            "Signature de l'animateur ou de l'animatrice",
        ] {
            assert!(flat.contains(expected), "« {expected} » missing:\n{text}");
        }

        let Some(text) = pdftotext(&render_monthly_sheet(&monthly(3, true))) else {
            return;
        };
        let flat = normalize(&text);
        for expected in [
            "Relevé mensuel de présence",
            "Date Horaires Présence Heures",
            "9 h 00 – 12 h 00 Excusé S2 3 h 00",
            "Total des heures de présence : 7 h 30",
            "Le ou la participant(e) La structure",
        ] {
            assert!(flat.contains(expected), "« {expected} » missing:\n{text}");
        }
    }
}
