//! Rendu PDF du contrat d'engagement (ou contrat d'engagement réciproque)
//! d'une personne, de l'export de ses données (droit d'accès) et des
//! justificatifs de participation aux actions cofinancées par le FSE+
//! (feuille d'émargement, relevé mensuel, questionnaire d'entrée), et des
//! lettres de convocation à un rendez-vous pour enveloppe à fenêtre (une
//! lettre seule ou un lot dans un même PDF), entièrement en mémoire.
//!
//! Le document utilise les polices standard Helvetica et Helvetica-Bold
//! (non incorporées) avec l'encodage `WinAnsiEncoding` : le texte est
//! converti en CP1252, les caractères absents deviennent `?`.

mod attendance;
mod convocation;
mod fse_questionnaire;
mod subject_access;
mod winansi;

pub use attendance::{
    render_monthly_sheet, render_sign_in_sheet, MonthlySheet, SessionLine, SignInSheet,
};
pub use convocation::{render_convocations, ConvocationLetter};
pub use fse_questionnaire::{render_entry_questionnaire, EntryQuestionnaire};
pub use subject_access::{render_subject_access, Entry, Section, SubjectAccessDocument};

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use winansi::{encode, french_spacing, wrap, Font};

/// Contenu imprimable d'un contrat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractDocument {
    /// Par exemple « Contrat d'engagement » ou « Contrat d'engagement réciproque (CER) ».
    pub title: String,
    /// Par exemple « Département du Calvados ».
    pub department: String,
    pub person_name: String,
    /// Déjà formatée, par exemple « 12/05/1979 ».
    pub person_birth_date: String,
    pub person_address: String,
    pub referent_name: String,
    pub organisation_name: String,
    /// Par exemple « Sociale — CCAS de Caen ».
    pub orientation: String,
    /// Par exemple « du 01/12/2026 au 31/05/2027 (6 mois) ».
    pub period: String,
    /// « 15 heures par semaine », « Dispense : raison de santé »… ; `None` pour un CER.
    pub weekly_hours: Option<String>,
    pub objectives: Vec<ObjectiveSection>,
    /// Texte libre ; les sauts de ligne sont conservés.
    pub person_commitments: String,
    /// Texte libre ; les sauts de ligne sont conservés.
    pub organisation_commitments: String,
    /// Par exemple « Fait à Caen, le ____________ ».
    pub signature_place_date: String,
}

/// Un objectif du contrat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectiveSection {
    pub title: String,
    pub domain: String,
    pub barriers: Vec<String>,
    pub actions: Vec<String>,
}

/// Produit le PDF du contrat.
pub fn render_contract(doc: &ContractDocument) -> Vec<u8> {
    write_pdf(&doc.title, &layout(doc))
}

/// Encode un texte affiché en appliquant les espaces insécables françaises.
fn encode_fr(text: &str) -> Vec<u8> {
    let mut bytes = encode(text);
    french_spacing(&mut bytes);
    bytes
}

// ---------------------------------------------------------------------------
// Géométrie (points PDF, origine en bas à gauche).

const PAGE_W: f32 = 595.276; // A4
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.693; // 2 cm
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
const TOP: f32 = PAGE_H - MARGIN;
const BOTTOM: f32 = MARGIN;
const FOOTER_Y: f32 = MARGIN / 2.0;

const LEADING: f32 = 1.35;
const TITLE_SIZE: f32 = 18.0;
const SUBTITLE_SIZE: f32 = 11.0;
const HEADING_SIZE: f32 = 13.0;
const OBJECTIVE_SIZE: f32 = 11.0;
const BODY_SIZE: f32 = 10.0;
const SMALL_SIZE: f32 = 8.0;
const FOOTER_SIZE: f32 = 9.0;

const INDENT: f32 = 14.0;
const BULLET_GAP: f32 = 10.0;

const NOT_PROVIDED: &str = "non renseigné";

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        gray: f32,
        bytes: Vec<u8>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: f32,
    },
}

type Page = Vec<Op>;

struct Layout {
    pages: Vec<Page>,
    /// Haut de l'espace encore libre sur la page courante.
    cursor: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            cursor: TOP,
        }
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("au moins une page")
    }

    fn at_page_top(&self) -> bool {
        self.pages.last().is_none_or(Vec::is_empty)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.cursor = TOP;
    }

    /// Passe à la page suivante si `height` points ne tiennent plus.
    fn ensure(&mut self, height: f32) {
        if self.cursor - height < BOTTOM && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Espace vertical, supprimé en haut de page.
    fn space(&mut self, height: f32) {
        if !self.at_page_top() {
            self.cursor -= height;
        }
    }

    /// Place une ligne composée de segments `(x, police, octets)` et
    /// renvoie sa ligne de base.
    fn line(&mut self, size: f32, gray: f32, segments: Vec<(f32, Font, Vec<u8>)>) -> f32 {
        let lead = size * LEADING;
        self.ensure(lead);
        let y = self.cursor - size;
        for (x, font, bytes) in segments {
            if !bytes.is_empty() {
                self.page().push(Op::Text {
                    x,
                    y,
                    font,
                    size,
                    gray,
                    bytes,
                });
            }
        }
        self.cursor -= lead;
        y
    }

    /// Paragraphe avec un préfixe éventuel sur la première ligne (clé,
    /// puce…) et un texte en retrait suspendu à partir de `text_x`.
    fn block(
        &mut self,
        prefix: Option<(f32, Font, Vec<u8>)>,
        text_x: f32,
        text: &str,
        font: Font,
        size: f32,
    ) {
        let width = MARGIN + TEXT_W - text_x;
        let lines = wrap(&encode_fr(text), font, size, width, width);
        let mut prefix = prefix;
        if lines.is_empty() {
            if let Some(p) = prefix.take() {
                self.line(size, 0.0, vec![p]);
            }
            return;
        }
        for bytes in lines {
            let mut segments: Vec<_> = prefix.take().into_iter().collect();
            segments.push((text_x, font, bytes));
            self.line(size, 0.0, segments);
        }
    }

    fn paragraph(&mut self, indent: f32, text: &str, font: Font, size: f32) {
        self.block(None, MARGIN + indent, text, font, size);
    }

    fn title(&mut self, title: &str, department: &str) {
        self.paragraph(0.0, title, Font::Bold, TITLE_SIZE);
        self.space(2.0);
        self.paragraph(0.0, department, Font::Regular, SUBTITLE_SIZE);
        self.space(4.0);
        let y = self.cursor;
        self.rule(y, 1.0, 0.0);
        self.cursor -= 6.0;
    }

    fn rule(&mut self, y: f32, width: f32, gray: f32) {
        self.page().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: MARGIN + TEXT_W,
            y2: y,
            width,
            gray,
        });
    }

    fn heading(&mut self, text: &str) {
        self.space(12.0);
        // Garder le titre avec au moins deux lignes de contenu.
        self.ensure(HEADING_SIZE * LEADING + 4.0 + 2.0 * BODY_SIZE * LEADING);
        let y = self.line(HEADING_SIZE, 0.0, vec![(MARGIN, Font::Bold, encode(text))]);
        self.rule(y - 4.0, 0.5, 0.6);
        self.cursor -= 4.0;
    }

    /// Ligne « Clé : valeur », la valeur en retrait suspendu.
    fn field(&mut self, indent: f32, key: &str, value: &str) {
        let size = BODY_SIZE;
        let key_bytes = encode(&format!("{key}\u{A0}: "));
        let key_w = Font::Bold.width(&key_bytes, size);
        let x = MARGIN + indent;
        let value = if value.trim().is_empty() {
            NOT_PROVIDED
        } else {
            value
        };
        if key_w > (TEXT_W - indent) * 0.45 {
            // Long key (e.g. a questionnaire item): wrapped, kept with the value.
            self.ensure(2.0 * size * LEADING);
            self.paragraph(indent, &format!("{key}\u{A0}:"), Font::Bold, size);
            self.paragraph(indent + INDENT, value, Font::Regular, size);
        } else {
            self.block(
                Some((x, Font::Bold, key_bytes)),
                x + key_w,
                value,
                Font::Regular,
                size,
            );
        }
    }

    fn bullet(&mut self, indent: f32, text: &str) {
        let x = MARGIN + indent;
        self.block(
            Some((x, Font::Regular, vec![0x95])),
            x + BULLET_GAP,
            text,
            Font::Regular,
            BODY_SIZE,
        );
    }

    /// Étiquette suivie d'une liste à puces (ou de « aucun »).
    fn list(&mut self, indent: f32, label: &str, items: &[String]) {
        let items: Vec<&str> = items
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            self.field(indent, label, "aucun");
            return;
        }
        self.ensure(2.0 * BODY_SIZE * LEADING);
        self.line(
            BODY_SIZE,
            0.0,
            vec![(
                MARGIN + indent,
                Font::Bold,
                encode(&format!("{label}\u{A0}:")),
            )],
        );
        for item in items {
            self.bullet(indent + INDENT, item);
        }
    }

    /// Texte libre : sauts de ligne conservés, lignes vides réduites à un
    /// demi-interligne, lignes commençant par « - », « * » ou « • » en puces.
    fn free_text(&mut self, text: &str) {
        if text.trim().is_empty() {
            self.paragraph(0.0, NOT_PROVIDED, Font::Regular, BODY_SIZE);
            return;
        }
        let lines: Vec<&str> = text.trim_matches(['\n', '\r']).lines().collect();
        for line in lines {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                self.space(BODY_SIZE * LEADING * 0.5);
            } else if let Some(item) = ["- ", "* ", "• "]
                .iter()
                .find_map(|p| trimmed.strip_prefix(p))
            {
                self.bullet(INDENT / 2.0, item.trim());
            } else {
                self.paragraph(0.0, trimmed, Font::Regular, BODY_SIZE);
            }
        }
    }

    fn objective(&mut self, number: usize, objective: &ObjectiveSection) {
        self.space(8.0);
        self.ensure(OBJECTIVE_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
        let title = if objective.title.trim().is_empty() {
            "Objectif sans intitulé"
        } else {
            objective.title.trim()
        };
        let label = encode(&format!("{number}."));
        let label_w = Font::Bold.width(b"00. ", OBJECTIVE_SIZE);
        self.block(
            Some((MARGIN, Font::Bold, label)),
            MARGIN + label_w,
            title,
            Font::Bold,
            OBJECTIVE_SIZE,
        );
        self.space(2.0);
        self.field(INDENT, "Thématique", &objective.domain);
        self.list(INDENT, "Freins travaillés", &objective.barriers);
        self.list(INDENT, "Actions prévues", &objective.actions);
    }

    /// Cadre avec un intitulé en gras et une mention en petits caractères.
    fn signature_box(&mut self, x: f32, top: f32, w: f32, h: f32, label: &str, hint: &str) {
        self.page().push(Op::Rect {
            x,
            y: top - h,
            w,
            h,
        });
        let pad = 6.0;
        let mut y = top - pad - BODY_SIZE;
        self.page().push(Op::Text {
            x: x + pad,
            y,
            font: Font::Bold,
            size: BODY_SIZE,
            gray: 0.0,
            bytes: encode(label),
        });
        y -= BODY_SIZE * 0.4;
        let inner = w - 2.0 * pad;
        for bytes in wrap(&encode_fr(hint), Font::Regular, SMALL_SIZE, inner, inner) {
            y -= SMALL_SIZE * 1.25;
            self.page().push(Op::Text {
                x: x + pad,
                y,
                font: Font::Regular,
                size: SMALL_SIZE,
                gray: 0.35,
                bytes,
            });
        }
    }

    fn signatures(&mut self, place_date: &str) {
        const GAP: f32 = 20.0;
        const SIGN_H: f32 = 95.0;
        const VALIDATION_H: f32 = 75.0;
        let place = encode_fr(place_date);
        let place_lines = wrap(&place, Font::Regular, BODY_SIZE, TEXT_W, TEXT_W);
        let total = 16.0
            + SIGN_H
            + 12.0
            + VALIDATION_H
            + 12.0
            + place_lines.len() as f32 * BODY_SIZE * LEADING;
        self.space(16.0);
        self.ensure(total - 16.0);

        let top = self.cursor;
        let half = (TEXT_W - GAP) / 2.0;
        let hint = "Date et signature, précédées de la mention « Lu et approuvé »";
        self.signature_box(MARGIN, top, half, SIGN_H, "La personne", hint);
        self.signature_box(
            MARGIN + half + GAP,
            top,
            half,
            SIGN_H,
            "Le référent unique",
            hint,
        );
        let top = top - SIGN_H - 12.0;
        self.signature_box(
            MARGIN,
            top,
            TEXT_W,
            VALIDATION_H,
            "Validation du cadre",
            "Nom, qualité, date et signature du représentant du Département",
        );
        self.cursor = top - VALIDATION_H - 12.0;
        for bytes in place_lines {
            self.line(BODY_SIZE, 0.0, vec![(MARGIN, Font::Regular, bytes)]);
        }
    }
}

// ---------------------------------------------------------------------------
// Tables, framed mentions and signature rows (FSE+ participation documents).

const CELL_PAD: f32 = 4.0;
const TABLE_RULE: f32 = 0.6;
const TABLE_HEADER_H: f32 = 18.0;
const SIGNATURE_GAP: f32 = 20.0;
const EU_MENTION: &str = "Cofinancé par l'Union européenne";

/// Horizontal alignment of a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

/// A table column: header, share of the text width, alignment.
#[derive(Debug, Clone, Copy)]
struct Column<'a> {
    header: &'a str,
    share: f32,
    align: Align,
}

/// Cells of one row, each wrapped to its column.
type Cells = Vec<Vec<Vec<u8>>>;

/// Column widths in points, proportional to their shares, filling the text width.
fn column_widths(columns: &[Column]) -> Vec<f32> {
    let total: f32 = columns.iter().map(|c| c.share).sum();
    columns.iter().map(|c| TEXT_W * c.share / total).collect()
}

fn wrap_cells<'a>(texts: impl Iterator<Item = &'a str>, widths: &[f32], font: Font) -> Cells {
    texts
        .zip(widths)
        .map(|(text, w)| {
            let inner = w - 2.0 * CELL_PAD;
            wrap(&encode_fr(text), font, BODY_SIZE, inner, inner)
        })
        .collect()
}

/// Row height: enough for the tallest cell, at least `min`.
fn row_height(cells: &Cells, min: f32) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(0) as f32;
    min.max(lines * BODY_SIZE * LEADING + 2.0 * CELL_PAD)
}

impl Layout {
    /// Ruled table with column borders; the header row is repeated at the
    /// top of each page the table runs onto. Rows are at least `min_row_h` tall.
    fn table(&mut self, columns: &[Column], rows: &[Vec<String>], min_row_h: f32) {
        let widths = column_widths(columns);
        let header = wrap_cells(columns.iter().map(|c| c.header), &widths, Font::Bold);
        let header_h = row_height(&header, TABLE_HEADER_H);
        let rows: Vec<Cells> = rows
            .iter()
            .map(|row| wrap_cells(row.iter().map(String::as_str), &widths, Font::Regular))
            .collect();
        let first_h = rows
            .first()
            .map_or(0.0, |cells| row_height(cells, min_row_h));
        self.ensure(header_h + first_h);
        self.table_row(columns, &widths, &header, header_h, Font::Bold);
        for cells in &rows {
            let h = row_height(cells, min_row_h);
            if self.cursor - h < BOTTOM {
                self.new_page();
                self.table_row(columns, &widths, &header, header_h, Font::Bold);
            }
            self.table_row(columns, &widths, cells, h, Font::Regular);
        }
    }

    /// One table row at the cursor: bottom rule, column borders, cell text
    /// vertically centred. A bold row is a header and also gets a top rule.
    fn table_row(&mut self, columns: &[Column], widths: &[f32], cells: &Cells, h: f32, font: Font) {
        let top = self.cursor;
        let bottom = top - h;
        if font == Font::Bold {
            self.rule(top, TABLE_RULE * 1.5, 0.0);
            self.rule(bottom, TABLE_RULE * 1.5, 0.0);
        } else {
            self.rule(bottom, TABLE_RULE, 0.0);
        }
        let mut x = MARGIN;
        self.vertical(x, top, bottom);
        for ((column, &w), lines) in columns.iter().zip(widths).zip(cells) {
            self.cell(x, w, top - h / 2.0, column.align, font, lines);
            x += w;
            self.vertical(x, top, bottom);
        }
        self.cursor = bottom;
    }

    fn vertical(&mut self, x: f32, top: f32, bottom: f32) {
        self.page().push(Op::Line {
            x1: x,
            y1: top,
            x2: x,
            y2: bottom,
            width: TABLE_RULE,
            gray: 0.0,
        });
    }

    /// Cell text, aligned within the column `x..x + w` and centred
    /// vertically on `middle`.
    fn cell(&mut self, x: f32, w: f32, middle: f32, align: Align, font: Font, lines: &[Vec<u8>]) {
        let lead = BODY_SIZE * LEADING;
        let cap = 0.72 * BODY_SIZE;
        let block = cap + lines.len().saturating_sub(1) as f32 * lead;
        let mut y = middle + block / 2.0 - cap;
        for bytes in lines {
            let free = w - 2.0 * CELL_PAD - font.width(bytes, BODY_SIZE);
            let offset = match align {
                Align::Left => 0.0,
                Align::Center => free / 2.0,
                Align::Right => free,
            };
            self.page().push(Op::Text {
                x: x + CELL_PAD + offset.max(0.0),
                y,
                font,
                size: BODY_SIZE,
                gray: 0.0,
                bytes: bytes.clone(),
            });
            y -= lead;
        }
    }

    /// Framed block of bold lines `(text, size)`, as wide as its longest
    /// line, kept on one page.
    fn framed(&mut self, lines: &[(&str, f32)]) {
        let pad = 6.0;
        let inner = TEXT_W - 2.0 * pad;
        let wrapped: Vec<(f32, Vec<u8>)> = lines
            .iter()
            .flat_map(|&(text, size)| {
                let bytes = wrap(&encode_fr(text), Font::Bold, size, inner, inner);
                bytes.into_iter().map(move |b| (size, b))
            })
            .collect();
        let w = wrapped
            .iter()
            .map(|(size, b)| Font::Bold.width(b, *size))
            .fold(0.0, f32::max);
        let h = wrapped.iter().map(|(size, _)| size * LEADING).sum::<f32>() + 2.0 * pad;
        self.space(4.0);
        self.ensure(h);
        let top = self.cursor;
        self.page().push(Op::Rect {
            x: MARGIN,
            y: top - h,
            w: w + 2.0 * pad,
            h,
        });
        let mut y = top - pad;
        for (size, bytes) in wrapped {
            self.page().push(Op::Text {
                x: MARGIN + pad,
                y: y - size,
                font: Font::Bold,
                size,
                gray: 0.0,
                bytes,
            });
            y -= size * LEADING;
        }
        self.cursor = top - h - 6.0;
    }

    /// « Cofinancé par l'Union européenne » and the FSE+ operation number, framed.
    fn eu_cofinancing(&mut self, operation: Option<&str>) {
        let operation = operation
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| format!("Opération FSE+ n°\u{A0}{o}"));
        let mut lines = vec![(EU_MENTION, SUBTITLE_SIZE)];
        lines.extend(operation.as_deref().map(|o| (o, BODY_SIZE)));
        self.framed(&lines);
    }

    /// Introductory sentences followed by signature boxes `(label, hint)`
    /// side by side across the text width, all kept on one page.
    fn signature_row(&mut self, intro: &[&str], boxes: &[(&str, &str)], height: f32) {
        let lead = BODY_SIZE * LEADING;
        let intro_lines: usize = intro
            .iter()
            .map(|t| wrap(&encode_fr(t), Font::Regular, BODY_SIZE, TEXT_W, TEXT_W).len())
            .sum();
        let intro_h = intro_lines as f32 * lead + if intro.is_empty() { 0.0 } else { 8.0 };
        self.space(16.0);
        self.ensure(intro_h + height);
        for text in intro {
            self.paragraph(0.0, text, Font::Regular, BODY_SIZE);
        }
        if !intro.is_empty() {
            self.cursor -= 8.0;
        }
        let n = boxes.len().max(1) as f32;
        let w = (TEXT_W - SIGNATURE_GAP * (n - 1.0)) / n;
        let top = self.cursor;
        for (i, (label, hint)) in boxes.iter().enumerate() {
            let x = MARGIN + i as f32 * (w + SIGNATURE_GAP);
            self.signature_box(x, top, w, height, label, hint);
        }
        self.cursor = top - height;
    }
}

fn layout(doc: &ContractDocument) -> Vec<Page> {
    let mut l = Layout::new();
    l.title(&doc.title, &doc.department);

    l.heading("Bénéficiaire");
    l.field(0.0, "Nom", &doc.person_name);
    l.field(0.0, "Né(e) le", &doc.person_birth_date);
    l.field(0.0, "Adresse", &doc.person_address);

    l.heading("Accompagnement");
    l.field(0.0, "Référent unique", &doc.referent_name);
    l.field(0.0, "Organisme référent", &doc.organisation_name);
    l.field(0.0, "Orientation", &doc.orientation);

    l.heading("Durée");
    l.field(0.0, "Période", &doc.period);
    if let Some(hours) = &doc.weekly_hours {
        l.field(0.0, "Durée hebdomadaire d'activité", hours);
    }

    l.heading("Objectifs");
    if doc.objectives.is_empty() {
        l.paragraph(0.0, "Aucun objectif défini.", Font::Regular, BODY_SIZE);
    }
    for (i, objective) in doc.objectives.iter().enumerate() {
        l.objective(i + 1, objective);
    }

    l.heading("Engagements de la personne");
    l.free_text(&doc.person_commitments);

    l.heading("Engagements du Département et de l'organisme référent");
    l.free_text(&doc.organisation_commitments);

    l.signatures(&doc.signature_place_date);
    l.pages
}

// ---------------------------------------------------------------------------
// Écriture PDF.

const F_REGULAR: Name<'static> = Name(b"F1");
const F_BOLD: Name<'static> = Name(b"F2");

fn font_name(font: Font) -> Name<'static> {
    match font {
        Font::Regular => F_REGULAR,
        Font::Bold => F_BOLD,
    }
}

/// Pied de page « Page n / total ».
fn page_footer(number: usize, total: usize) -> String {
    format!("Page {number} / {total}")
}

/// Écrit le PDF, chaque page numérotée dans l'ensemble du document.
fn write_pdf(title: &str, pages: &[Page]) -> Vec<u8> {
    let total = pages.len();
    let footers: Vec<String> = (1..=total).map(|n| page_footer(n, total)).collect();
    write_pdf_with_footers(title, pages, &footers)
}

/// Écrit le PDF avec un pied de page donné pour chaque page (une chaîne
/// vide : pas de pied de page).
fn write_pdf_with_footers(title: &str, pages: &[Page], footers: &[String]) -> Vec<u8> {
    debug_assert_eq!(pages.len(), footers.len());
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    pdf.catalog(catalog_id)
        .pages(tree_id)
        .lang(TextStr("fr-FR"));
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    for (id, name) in [(regular_id, "Helvetica"), (bold_id, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("parcours"));

    for ((ops, &page_id), footer) in pages.iter().zip(&page_ids).zip(footers) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree_id)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(F_REGULAR, regular_id)
            .pair(F_BOLD, bold_id);
        page.finish();

        let footer = encode(footer);
        let footer_w = Font::Regular.width(&footer, FOOTER_SIZE);
        let footer_op = (!footer.is_empty()).then(|| Op::Text {
            x: (PAGE_W - footer_w) / 2.0,
            y: FOOTER_Y,
            font: Font::Regular,
            size: FOOTER_SIZE,
            gray: 0.3,
            bytes: footer,
        });
        let content = page_content(ops.iter().chain(footer_op.as_ref()));
        pdf.stream(content_id, &content);
    }
    pdf.finish()
}

fn page_content<'a>(ops: impl Iterator<Item = &'a Op>) -> Vec<u8> {
    let mut c = Content::new();
    let mut fill_gray = 0.0;
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                font,
                size,
                gray,
                bytes,
            } => {
                if *gray != fill_gray {
                    c.set_fill_gray(*gray);
                    fill_gray = *gray;
                }
                c.begin_text()
                    .set_font(font_name(*font), *size)
                    .next_line(*x, *y)
                    .show(Str(bytes))
                    .end_text();
            }
            Op::Rect { x, y, w, h } => {
                c.set_line_width(0.8)
                    .set_stroke_gray(0.0)
                    .rect(*x, *y, *w, *h)
                    .stroke();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                gray,
            } => {
                c.set_line_width(*width)
                    .set_stroke_gray(*gray)
                    .move_to(*x1, *y1)
                    .line_to(*x2, *y2)
                    .stroke();
            }
        }
    }
    c.finish().into_vec()
}

/// Checks shared by the tests of every document.
#[cfg(test)]
mod testing {
    use super::{encode, Op, Page, BOTTOM, MARGIN, TEXT_W, TOP};
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const EPS: f32 = 1e-2;

    fn assert_x_within(left: f32, right: f32) {
        assert!(left >= MARGIN - EPS, "left={left}");
        assert!(right <= MARGIN + TEXT_W + EPS, "right={right}");
    }

    fn assert_y_within(low: f32, high: f32) {
        assert!(low >= BOTTOM - EPS, "low={low}");
        assert!(high <= TOP + EPS, "high={high}");
    }

    /// Panics unless every page has content and every element lies within
    /// the text area (text measured with its descenders).
    pub fn assert_within_text_area(pages: &[Page]) {
        for page in pages {
            assert!(!page.is_empty());
            for op in page {
                match op {
                    Op::Text {
                        x,
                        y,
                        font,
                        size,
                        bytes,
                        ..
                    } => {
                        assert_x_within(*x, x + font.width(bytes, *size));
                        assert_y_within(y - 0.25 * size, y + size);
                    }
                    Op::Rect { x, y, w, h } => {
                        assert_x_within(*x, x + w);
                        assert_y_within(*y, y + h);
                    }
                    Op::Line { x1, y1, x2, y2, .. } => {
                        assert_x_within(x1.min(*x2), x1.max(*x2));
                        assert_y_within(y1.min(*y2), y1.max(*y2));
                    }
                }
            }
        }
    }

    fn plain(bytes: &[u8]) -> Vec<u8> {
        bytes
            .iter()
            .map(|&b| if b == 0xA0 { b' ' } else { b })
            .collect()
    }

    /// Baselines of the text elements of `page` that contain `text`
    /// (non-breaking spaces compared as spaces).
    pub fn text_ys(page: &Page, text: &str) -> Vec<f32> {
        let needle = plain(&encode(text));
        page.iter()
            .filter_map(|op| match op {
                Op::Text { y, bytes, .. }
                    if plain(bytes).windows(needle.len()).any(|w| w == needle) =>
                {
                    Some(*y)
                }
                _ => None,
            })
            .collect()
    }

    /// Baselines of the text elements of `page` that are exactly `text`.
    pub fn exact_ys(page: &Page, text: &str) -> Vec<f32> {
        let needle = plain(&encode(text));
        page.iter()
            .filter_map(|op| match op {
                Op::Text { y, bytes, .. } if plain(bytes) == needle => Some(*y),
                _ => None,
            })
            .collect()
    }

    /// Whether some page of `pages` shows `text`.
    pub fn shows(pages: &[Page], text: &str) -> bool {
        pages.iter().any(|page| !text_ys(page, text).is_empty())
    }

    /// Text extracted by `pdftotext -layout`, pages separated by form
    /// feeds; `None`, with a note, when poppler-utils is not installed.
    pub fn pdftotext(pdf: &[u8]) -> Option<String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("parcours-pdf-unit-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, pdf).expect("temporary PDF written");
        let output = Command::new("pdftotext")
            .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
            .output();
        let _ = std::fs::remove_file(&path);
        match output {
            Ok(output) if output.status.success() => {
                Some(String::from_utf8(output.stdout).expect("UTF-8 output"))
            }
            Ok(output) => panic!(
                "pdftotext failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(err) => {
                println!("note: pdftotext unavailable ({err}), text check skipped");
                None
            }
        }
    }

    /// Extracted text with whitespace runs collapsed to single spaces.
    pub fn normalize(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long_doc() -> ContractDocument {
        let long = "Rechercher activement un emploi durable en lien avec le projet \
                    professionnel défini avec le référent, en s’appuyant sur les offres \
                    du territoire et les ateliers collectifs proposés. ";
        ContractDocument {
            title: "Contrat d'engagement réciproque (CER)".into(),
            department: "Département du Calvados".into(),
            person_name: "Amélie Lefèvre".into(),
            person_address: "12 rue de l'Église, 14000 Caen".into(),
            objectives: (1..=12)
                .map(|i| ObjectiveSection {
                    title: format!("Objectif {i} : {}", long.repeat(2)),
                    domain: "Emploi".into(),
                    barriers: vec![long.repeat(3), "Mobilité".into()],
                    actions: vec![long.repeat(2), "Atelier CV".into(), long.into()],
                })
                .collect(),
            person_commitments: format!("{}\n\n- {}\n- court", long.repeat(8), long),
            organisation_commitments: long.repeat(5),
            signature_place_date: "Fait à Caen, le ____________".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_element_stays_within_the_text_area() {
        let pages = layout(&long_doc());
        assert!(pages.len() >= 3, "{} pages", pages.len());
        testing::assert_within_text_area(&pages);
        // Les trois cadres de signature sont sur la dernière page.
        let rects = pages
            .last()
            .unwrap()
            .iter()
            .filter(|op| matches!(op, Op::Rect { .. }))
            .count();
        assert_eq!(rects, 3);
    }

    #[test]
    fn short_contract_fits_on_one_page() {
        let doc = ContractDocument {
            title: "Contrat d'engagement".into(),
            objectives: vec![ObjectiveSection {
                title: "Retrouver un emploi".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(layout(&doc).len(), 1);
    }
}
