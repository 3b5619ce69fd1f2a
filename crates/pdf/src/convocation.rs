//! Lettre de convocation à un rendez-vous, pour une enveloppe à fenêtre DL
//! (110 × 220 mm) : la page A4 est pliée en trois et le bloc du destinataire
//! apparaît dans la fenêtre. Rien d'autre que le nom et l'adresse postale du
//! destinataire n'est imprimé dans la zone visible à travers la fenêtre, en
//! particulier aucune mention qui révélerait l'objet du courrier.
//!
//! Un lot de lettres forme un seul PDF ; chaque lettre commence sur une
//! nouvelle page et ses pages sont numérotées pour elle seule.

use super::{
    encode, encode_fr, page_footer, wrap, write_pdf_with_footers, Font, Layout, Op, Page,
    BODY_SIZE, BOTTOM, BULLET_GAP, INDENT, LEADING, MARGIN, PAGE_H, TEXT_W, TOP,
};

/// Contenu d'une lettre de convocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvocationLetter {
    /// Expéditeur en haut à gauche : nom de l'organisation puis lignes d'adresse, téléphone.
    /// Rien qui révèle l'objet du courrier (ni « RSA », ni « insertion »).
    pub sender_lines: Vec<String>,
    /// Destinataire : « Mme Awa Diallo » (dans la fenêtre).
    pub recipient_name: String,
    /// Lignes d'adresse postale (dans la fenêtre), 1 à 4 lignes, ex. « 12 rue des Lilas », « 14000 Caen ».
    /// Les lignes vides sont ignorées.
    pub recipient_address: Vec<String>,
    /// « Caen, le 6 décembre 2026 » (sous la fenêtre, à droite).
    pub place_date: String,
    /// Objet : « Rendez-vous du mardi 12 janvier 2027 ».
    pub subject: String,
    /// « Madame, » / « Monsieur, » / « Madame, Monsieur, ».
    pub salutation: String,
    /// Paragraphes du corps déjà rédigés par l'appelant (la raison du rendez-vous en mots simples).
    pub paragraphs: Vec<String>,
    /// Lignes « Quand », « Durée », « Où » mises en évidence (libellé, valeur), ex. ("Date et heure", "mardi 12 janvier 2027 à 9 h 30").
    pub details: Vec<(String, String)>,
    /// « À apporter » : liste à puces, peut être vide (alors la rubrique n'apparaît pas).
    pub to_bring: Vec<String>,
    /// Paragraphe de fin (en cas d'empêchement, prévenir au …).
    pub closing: String,
    /// Signature : nom du référent puis fonction / organisation.
    pub signature_lines: Vec<String>,
}

/// Une page (ou plus si le texte déborde) par lettre, toutes dans un seul PDF : une lettre seule ou un lot.
///
/// Les appelants ne passent jamais de liste vide ; si cela arrive malgré
/// tout, le PDF produit reste valide et contient une seule page blanche.
pub fn render_convocations(letters: &[ConvocationLetter]) -> Vec<u8> {
    debug_assert!(!letters.is_empty(), "aucune lettre de convocation");
    let title = if letters.len() == 1 {
        "Convocation"
    } else {
        "Convocations"
    };
    let (pages, footers) = layout_all(letters);
    write_pdf_with_footers(title, &pages, &footers)
}

// ---------------------------------------------------------------------------
// Géométrie (points PDF, origine en bas à gauche).

/// Un millimètre en points PDF.
const MM: f32 = 72.0 / 25.4;

/// Zone de la première page visible à travers la fenêtre de l'enveloppe, en
/// mm depuis le bord gauche et le haut de la page : le bloc du destinataire
/// (110 à 190 mm × 45 à 85 mm, position française usuelle) élargi de 10 mm
/// à gauche et à droite et de 5 mm en haut et en bas pour le jeu de la
/// lettre pliée dans l'enveloppe. Seuls le nom et l'adresse y sont imprimés.
const WINDOW_LEFT_MM: f32 = 100.0;
const WINDOW_TOP_MM: f32 = 40.0;
const WINDOW_WIDTH_MM: f32 = 100.0;
const WINDOW_HEIGHT_MM: f32 = 50.0;

/// La même zone en points PDF.
const WINDOW_LEFT: f32 = WINDOW_LEFT_MM * MM;
const WINDOW_RIGHT: f32 = (WINDOW_LEFT_MM + WINDOW_WIDTH_MM) * MM;
const WINDOW_TOP: f32 = PAGE_H - WINDOW_TOP_MM * MM;
const WINDOW_BOTTOM: f32 = PAGE_H - (WINDOW_TOP_MM + WINDOW_HEIGHT_MM) * MM;

/// Bloc du destinataire : à 110 mm du bord gauche et 45 mm du haut, jusqu'au
/// bord droit de la zone de texte. La date et la signature s'alignent dessus.
const ADDRESS_X: f32 = 110.0 * MM;
const ADDRESS_TOP: f32 = PAGE_H - 45.0 * MM;
const ADDRESS_W: f32 = MARGIN + TEXT_W - ADDRESS_X;

/// Expéditeur : en haut à gauche, arrêté 5 mm avant la zone de la fenêtre.
const SENDER_W: f32 = WINDOW_LEFT - 5.0 * MM - MARGIN;

// The address block starts inside the window zone and ends before its right
// edge; the sender stops before its left edge.
const _: () = assert!(
    WINDOW_LEFT < ADDRESS_X
        && ADDRESS_X + ADDRESS_W < WINDOW_RIGHT
        && ADDRESS_TOP < WINDOW_TOP
        && MARGIN + SENDER_W < WINDOW_LEFT
);

/// Corps de la lettre, un peu plus grand que celui des formulaires.
const LETTER_SIZE: f32 = 11.0;
const ADDRESS_SIZE: f32 = 11.0;
const PARAGRAPH_GAP: f32 = 6.0;
const SECTION_GAP: f32 = 12.0;
const BOX_PAD: f32 = 8.0;
const BOX_COLUMN_GAP: f32 = 8.0;
const BOX_ROW_GAP: f32 = 3.0;

/// Pages de toutes les lettres et leurs pieds de page (numérotation propre à
/// chaque lettre) ; une page blanche sans pied de page s'il n'y a aucune lettre.
fn layout_all(letters: &[ConvocationLetter]) -> (Vec<Page>, Vec<String>) {
    let mut pages = Vec::new();
    let mut footers = Vec::new();
    for letter in letters {
        let letter_pages = layout(letter);
        let total = letter_pages.len();
        footers.extend((1..=total).map(|n| page_footer(n, total)));
        pages.extend(letter_pages);
    }
    if pages.is_empty() {
        pages.push(Vec::new());
        footers.push(String::new());
    }
    (pages, footers)
}

/// Lignes non vides, sans espaces superflues.
fn non_blank(lines: &[String]) -> impl Iterator<Item = &str> {
    lines.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn layout(letter: &ConvocationLetter) -> Vec<Page> {
    let mut l = Layout::new();
    header(&mut l, letter);

    if !letter.subject.trim().is_empty() {
        let label = encode("Objet\u{A0}: ");
        let label_w = Font::Bold.width(&label, LETTER_SIZE);
        l.block(
            Some((MARGIN, Font::Bold, label)),
            MARGIN + label_w,
            letter.subject.trim(),
            Font::Bold,
            LETTER_SIZE,
        );
        l.space(SECTION_GAP);
    }
    if !letter.salutation.trim().is_empty() {
        l.paragraph(0.0, letter.salutation.trim(), Font::Regular, LETTER_SIZE);
        l.space(PARAGRAPH_GAP);
    }
    for paragraph in non_blank(&letter.paragraphs) {
        l.paragraph(0.0, paragraph, Font::Regular, LETTER_SIZE);
        l.space(PARAGRAPH_GAP);
    }
    details(&mut l, &letter.details);
    to_bring(&mut l, &letter.to_bring);
    if !letter.closing.trim().is_empty() {
        l.space(PARAGRAPH_GAP);
        l.paragraph(0.0, letter.closing.trim(), Font::Regular, LETTER_SIZE);
    }
    signature(&mut l, &letter.signature_lines);
    l.pages
}

/// Expéditeur en haut à gauche, destinataire dans la fenêtre, lieu et date
/// sous la fenêtre ; le curseur est ensuite placé sous le plus bas des trois.
fn header(l: &mut Layout, letter: &ConvocationLetter) {
    for (i, line) in non_blank(&letter.sender_lines).enumerate() {
        let font = if i == 0 { Font::Bold } else { Font::Regular };
        for bytes in wrap(&encode_fr(line), font, BODY_SIZE, SENDER_W, SENDER_W) {
            l.line(BODY_SIZE, 0.0, vec![(MARGIN, font, bytes)]);
        }
    }
    let sender_bottom = l.cursor;

    l.cursor = ADDRESS_TOP;
    let recipient = std::iter::once(letter.recipient_name.trim())
        .filter(|name| !name.is_empty())
        .chain(non_blank(&letter.recipient_address));
    for line in recipient {
        let lines = wrap(
            &encode_fr(line),
            Font::Regular,
            ADDRESS_SIZE,
            ADDRESS_W,
            ADDRESS_W,
        );
        for bytes in lines {
            l.line(ADDRESS_SIZE, 0.0, vec![(ADDRESS_X, Font::Regular, bytes)]);
        }
    }

    // Below the window, even if the address ran past its bottom.
    l.cursor = l.cursor.min(WINDOW_BOTTOM) - SECTION_GAP;
    let place_date = letter.place_date.trim();
    for bytes in wrap(
        &encode_fr(place_date),
        Font::Regular,
        LETTER_SIZE,
        ADDRESS_W,
        ADDRESS_W,
    ) {
        l.line(LETTER_SIZE, 0.0, vec![(ADDRESS_X, Font::Regular, bytes)]);
    }
    l.cursor = l.cursor.min(sender_bottom) - 2.0 * SECTION_GAP;
}

/// Lignes découpées d'un libellé et de sa valeur.
type DetailRow = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// Libellés et valeurs mis en évidence dans un cadre, gardés sur une page :
/// les libellés dans une colonne à gauche, les valeurs en gras à droite.
fn details(l: &mut Layout, details: &[(String, String)]) {
    let rows: Vec<(&str, &str)> = details
        .iter()
        .map(|(label, value)| (label.trim(), value.trim()))
        .filter(|(label, value)| !label.is_empty() || !value.is_empty())
        .collect();
    if rows.is_empty() {
        return;
    }
    let lead = LETTER_SIZE * LEADING;
    let inner = TEXT_W - 2.0 * BOX_PAD;
    let labels: Vec<Vec<u8>> = rows
        .iter()
        .map(|(label, _)| {
            if label.is_empty() {
                Vec::new()
            } else {
                encode_fr(&format!("{label} :"))
            }
        })
        .collect();
    let label_w = labels
        .iter()
        .map(|b| Font::Regular.width(b, LETTER_SIZE))
        .fold(0.0, f32::max)
        .min(inner * 0.4);
    let value_w = inner - label_w - BOX_COLUMN_GAP;
    let cells: Vec<DetailRow> = labels
        .iter()
        .zip(&rows)
        .map(|(label, (_, value))| {
            (
                wrap(label, Font::Regular, LETTER_SIZE, label_w, label_w),
                wrap(&encode_fr(value), Font::Bold, LETTER_SIZE, value_w, value_w),
            )
        })
        .collect();
    let row_h = |(label, value): &DetailRow| label.len().max(value.len()).max(1) as f32 * lead;
    let h = cells.iter().map(row_h).sum::<f32>()
        + (cells.len() - 1) as f32 * BOX_ROW_GAP
        + 2.0 * BOX_PAD;
    l.space(PARAGRAPH_GAP);
    if h > TOP - BOTTOM {
        // Too long for a frame on one page: plain lines instead.
        for (label, value) in rows {
            l.paragraph(0.0, label, Font::Regular, LETTER_SIZE);
            l.paragraph(INDENT, value, Font::Bold, LETTER_SIZE);
        }
        l.space(PARAGRAPH_GAP);
        return;
    }
    l.ensure(h);
    let top = l.cursor;
    l.page().push(Op::Rect {
        x: MARGIN,
        y: top - h,
        w: TEXT_W,
        h,
    });
    let label_x = MARGIN + BOX_PAD;
    let value_x = label_x + label_w + BOX_COLUMN_GAP;
    let mut row_top = top - BOX_PAD;
    for cell in &cells {
        for (x, font, lines) in [
            (label_x, Font::Regular, &cell.0),
            (value_x, Font::Bold, &cell.1),
        ] {
            for (i, bytes) in lines.iter().enumerate() {
                l.page().push(Op::Text {
                    x,
                    y: row_top - LETTER_SIZE - i as f32 * lead,
                    font,
                    size: LETTER_SIZE,
                    gray: 0.0,
                    bytes: bytes.clone(),
                });
            }
        }
        row_top -= row_h(cell) + BOX_ROW_GAP;
    }
    l.cursor = top - h;
    l.space(SECTION_GAP);
}

/// Rubrique « À apporter » en liste à puces, absente sans élément.
fn to_bring(l: &mut Layout, items: &[String]) {
    let items: Vec<&str> = non_blank(items).collect();
    if items.is_empty() {
        return;
    }
    let lead = LETTER_SIZE * LEADING;
    l.space(PARAGRAPH_GAP);
    // Keep the heading with the first item.
    l.ensure(2.0 * lead);
    l.line(
        LETTER_SIZE,
        0.0,
        vec![(MARGIN, Font::Bold, encode("À apporter\u{A0}:"))],
    );
    let x = MARGIN + INDENT;
    for item in items {
        l.block(
            Some((x, Font::Regular, vec![0x95])),
            x + BULLET_GAP,
            item,
            Font::Regular,
            LETTER_SIZE,
        );
    }
    l.space(PARAGRAPH_GAP);
}

/// Lignes de signature sous le bloc du destinataire, gardées ensemble.
fn signature(l: &mut Layout, lines: &[String]) {
    let wrapped: Vec<Vec<u8>> = non_blank(lines)
        .flat_map(|line| {
            wrap(
                &encode_fr(line),
                Font::Regular,
                LETTER_SIZE,
                ADDRESS_W,
                ADDRESS_W,
            )
        })
        .collect();
    if wrapped.is_empty() {
        return;
    }
    l.space(2.0 * SECTION_GAP);
    l.ensure(wrapped.len() as f32 * LETTER_SIZE * LEADING);
    for bytes in wrapped {
        l.line(LETTER_SIZE, 0.0, vec![(ADDRESS_X, Font::Regular, bytes)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_within_text_area, exact_ys, normalize, pdftotext, shows};

    const FORBIDDEN: [&str; 3] = ["rsa", "revenu de solidarit", "insertion"];

    fn letter(name: &str) -> ConvocationLetter {
        ConvocationLetter {
            sender_lines: vec![
                "Centre communal d'action sociale de la ville de Caen — accueil du public".into(),
                "Hôtel de ville, esplanade Jean-Marie Louvel".into(),
                "14000 Caen".into(),
                "Tél. 02 31 30 41 00".into(),
                // Lines long enough to reach the window if they were not wrapped
                // before it, low enough to be level with it.
                "Courriel : accueil-des-usagers.accompagnement@ccas-caen.fr".into(),
                "Accueil sans rendez-vous du lundi au vendredi, 9 h – 12 h".into(),
            ],
            recipient_name: name.into(),
            recipient_address: vec![
                "Appartement 12, escalier B".into(),
                "12 rue des Lilas".into(),
                "14000 Caen".into(),
            ],
            place_date: "Caen, le 6 décembre 2026".into(),
            subject: "Rendez-vous du mardi 12 janvier 2027".into(),
            salutation: "Madame,".into(),
            paragraphs: vec![
                "Vous êtes convoqué(e) à une réunion d'information sur votre \
                 accompagnement vers l'emploi, avec d'autres personnes accompagnées \
                 comme vous."
                    .into(),
                "Pensez à apporter les documents ci-dessous : ils nous aideront à \
                 préparer la suite avec vous."
                    .into(),
            ],
            details: vec![
                (
                    "Date et heure".into(),
                    "mardi 12 janvier 2027 à 9 h 30".into(),
                ),
                ("Durée".into(), "environ 2 heures".into()),
                (
                    "Où".into(),
                    "Maison des solidarités, 5 place de la Mairie, 14000 Caen".into(),
                ),
            ],
            to_bring: vec![
                "une pièce d'identité".into(),
                "votre curriculum vitae si vous en avez un".into(),
            ],
            closing: "En cas d'empêchement, prévenez-nous au 02 31 30 41 00 avant le \
                      rendez-vous ; nous conviendrons d'une autre date."
                .into(),
            signature_lines: vec!["Sophie Martin".into(), "Référente, CCAS de Caen".into()],
        }
    }

    /// The recipient's name and address lines, as printed.
    fn window_lines(letter: &ConvocationLetter) -> Vec<Vec<u8>> {
        std::iter::once(&letter.recipient_name)
            .chain(&letter.recipient_address)
            .map(|s| encode_fr(s))
            .collect()
    }

    /// Text elements of `page` whose box (with descenders) meets the window
    /// zone, top to bottom, as `(bytes, wholly inside)`.
    fn in_window(page: &Page) -> Vec<(Vec<u8>, bool)> {
        let mut found: Vec<(f32, f32, Vec<u8>, bool)> = page
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    x,
                    y,
                    font,
                    size,
                    bytes,
                    ..
                } => {
                    let (left, right) = (*x, x + font.width(bytes, *size));
                    let (low, high) = (y - 0.25 * size, y + size);
                    let meets = left < WINDOW_RIGHT
                        && right > WINDOW_LEFT
                        && low < WINDOW_TOP
                        && high > WINDOW_BOTTOM;
                    let inside = left >= WINDOW_LEFT
                        && right <= WINDOW_RIGHT
                        && low >= WINDOW_BOTTOM
                        && high <= WINDOW_TOP;
                    meets.then(|| (-*y, *x, bytes.clone(), inside))
                }
                _ => None,
            })
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        found
            .into_iter()
            .map(|(_, _, b, inside)| (b, inside))
            .collect()
    }

    /// Asserts that the window zone of `page` shows exactly the recipient's
    /// name and address lines, in order, each wholly inside the zone.
    fn assert_window_shows_only_the_recipient(page: &Page, letter: &ConvocationLetter) {
        let found = in_window(page);
        let texts: Vec<String> = found
            .iter()
            .map(|(b, _)| String::from_utf8_lossy(b).into_owned())
            .collect();
        let bytes: Vec<Vec<u8>> = found.iter().map(|(b, _)| b.clone()).collect();
        assert_eq!(bytes, window_lines(letter), "window shows {texts:?}");
        assert!(found.iter().all(|(_, inside)| *inside), "cut: {texts:?}");
    }

    fn contains_forbidden(bytes: &[u8]) -> bool {
        let lower = bytes.to_ascii_lowercase();
        FORBIDDEN
            .iter()
            .any(|w| lower.windows(w.len()).any(|x| x == w.as_bytes()))
    }

    #[test]
    fn the_window_rectangle_is_where_the_envelope_window_falls() {
        // 100 to 200 mm from the left, 40 to 90 mm from the top of the A4 page.
        assert!((WINDOW_LEFT - 283.46).abs() < 0.01, "{WINDOW_LEFT}");
        assert!((WINDOW_RIGHT - 566.93).abs() < 0.01, "{WINDOW_RIGHT}");
        assert!((WINDOW_TOP - 728.50).abs() < 0.01, "{WINDOW_TOP}");
        assert!((WINDOW_BOTTOM - 586.77).abs() < 0.01, "{WINDOW_BOTTOM}");
    }

    #[test]
    fn the_window_shows_exactly_the_name_and_the_address_in_order() {
        let letter = letter("Mme Awa Diallo");
        let pages = layout(&letter);
        assert_eq!(pages.len(), 1);
        assert_window_shows_only_the_recipient(&pages[0], &letter);
        // Everything else is printed, outside the window: the sender (its long
        // first line wrapped to the left of the window), the date below it.
        let page = &pages[0];
        assert!(shows(&pages, "Centre communal d'action sociale"));
        assert!(shows(&pages, "accueil du public"));
        assert!(shows(&pages, "Tél. 02 31 30 41 00"));
        assert!(shows(&pages, "du lundi au vendredi"));
        let date = exact_ys(page, "Caen, le 6 décembre 2026");
        assert_eq!(date.len(), 1);
        assert!(date[0] + LETTER_SIZE < WINDOW_BOTTOM);
        // The body starts below the sender, the window and the date.
        let subject = exact_ys(page, "Rendez-vous du mardi 12 janvier 2027");
        assert_eq!(subject.len(), 1);
        assert!(subject[0] < date[0]);
        let phone = exact_ys(page, "Tél. 02 31 30 41 00");
        assert!(subject[0] < phone[0]);
        assert_within_text_area(&pages);
    }

    #[test]
    fn blank_address_lines_are_skipped_and_four_lines_fit_in_the_window() {
        let mut letter = letter("M. Jean-Baptiste de La Fontaine-Dupont");
        letter.recipient_address = vec![
            "Chez Mme Françoise Lefèvre-Delacour".into(),
            "   ".into(),
            "Résidence Les Jardins, bâtiment C".into(),
            "27 boulevard du Maréchal Leclerc".into(),
            "14000 CAEN CEDEX 4".into(),
        ];
        let pages = layout(&letter);
        letter.recipient_address.retain(|l| !l.trim().is_empty());
        assert_window_shows_only_the_recipient(&pages[0], &letter);
    }

    #[test]
    fn an_overlong_address_line_wraps_inside_the_window() {
        let mut letter = letter("Mme Awa Diallo");
        let long = "Résidence des Jardins de la Prairie, bâtiment Les Tilleuls, entrée 3";
        letter.recipient_address = vec![long.into(), "14000 Caen".into()];
        let pages = layout(&letter);
        assert_within_text_area(&pages);
        let found = in_window(&pages[0]);
        assert!(found.iter().all(|(_, inside)| *inside));
        let texts: Vec<Vec<u8>> = found.into_iter().map(|(b, _)| b).collect();
        assert!(texts.len() > 3, "{} lines", texts.len());
        assert_eq!(texts[0], encode("Mme Awa Diallo"));
        assert_eq!(texts[1..texts.len() - 1].join(&b' '), encode(long));
        assert_eq!(texts.last(), Some(&encode("14000 Caen")));
    }

    #[test]
    fn nothing_revealing_shows_through_the_window() {
        let mut letter = letter("M. Karim Benali");
        letter.subject = "Rendez-vous RSA — parcours d'insertion".into();
        letter.paragraphs = vec![
            "Vous êtes convoqué(e) dans le cadre de votre droit au RSA (revenu de \
             solidarité active) et de votre parcours d'insertion."
                .into(),
            "Votre contrat d'engagement réciproque (insertion) sera examiné.".into(),
        ];
        letter
            .details
            .push(("Objet".into(), "Orientation RSA".into()));
        letter
            .to_bring
            .push("votre dernière attestation RSA".into());
        letter.closing = "Service insertion : 02 31 30 41 00.".into();
        letter.signature_lines.push("Pôle RSA et insertion".into());
        let pages = layout(&letter);
        // The words are printed, below the window.
        assert!(shows(&pages, "RSA"));
        assert!(shows(&pages, "insertion"));
        assert!(shows(&pages, "revenu de"));
        for (bytes, _) in in_window(&pages[0]) {
            assert!(
                !contains_forbidden(&bytes),
                "window shows « {} »",
                String::from_utf8_lossy(&bytes)
            );
        }
        assert_window_shows_only_the_recipient(&pages[0], &letter);
    }

    #[test]
    fn text_is_extracted_by_pdftotext() {
        let Some(text) = pdftotext(&render_convocations(&[letter("Mme Awa Diallo")])) else {
            return;
        };
        assert_eq!(
            text.split('\u{c}').filter(|p| !p.trim().is_empty()).count(),
            1
        );
        let flat = normalize(&text);
        for expected in [
            "Mme Awa Diallo",
            "12 rue des Lilas",
            "14000 Caen",
            "Caen, le 6 décembre 2026",
            "Objet : Rendez-vous du mardi 12 janvier 2027",
            "Madame,",
            "Vous êtes convoqué(e) à une réunion d'information",
            "Pensez à apporter les documents ci-dessous :",
            "Date et heure : mardi 12 janvier 2027 à 9 h 30",
            "Durée : environ 2 heures",
            "Où : Maison des solidarités, 5 place de la Mairie, 14000 Caen",
            "À apporter :",
            "• une pièce d'identité",
            "• votre curriculum vitae si vous en avez un",
            "En cas d'empêchement, prévenez-nous au 02 31 30 41 00",
            "Sophie Martin",
            "Référente, CCAS de Caen",
            "Page 1 / 1",
        ] {
            assert!(flat.contains(expected), "« {expected} » missing:\n{text}");
        }
    }

    #[test]
    fn a_batch_gives_one_page_per_letter_each_with_its_recipient() {
        let names = ["Mme Awa Diallo", "M. Karim Benali", "Mme Léa Dupont"];
        let letters: Vec<ConvocationLetter> = names.iter().map(|n| letter(n)).collect();
        let (pages, footers) = layout_all(&letters);
        assert_eq!(pages.len(), 3);
        assert_eq!(footers, vec!["Page 1 / 1"; 3]);
        for (page, letter) in pages.iter().zip(&letters) {
            assert_window_shows_only_the_recipient(page, letter);
        }
        let pdf = render_convocations(&letters);
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.windows(8).any(|w| w == b"/Count 3"));

        let Some(text) = pdftotext(&pdf) else {
            return;
        };
        let texts: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert_eq!(texts.len(), 3);
        for (i, page) in texts.iter().enumerate() {
            for (j, name) in names.iter().enumerate() {
                assert_eq!(page.contains(name), i == j, "page {i}: {page}");
            }
        }
    }

    fn long_letter(name: &str) -> ConvocationLetter {
        let mut letter = letter(name);
        letter.paragraphs = (1..=30)
            .map(|i| {
                format!(
                    "Paragraphe {i}. Lors de ce rendez-vous, nous ferons le point avec \
                     vous sur votre situation, vos démarches et vos projets, et nous \
                     chercherons ensemble les solutions qui vous conviennent pour la \
                     suite de votre accompagnement. Fin {i}."
                )
            })
            .collect();
        letter
    }

    #[test]
    fn a_long_letter_flows_onto_the_next_pages_within_the_text_area() {
        let letter = long_letter("Mme Awa Diallo");
        let pages = layout(&letter);
        assert!(pages.len() >= 2, "{} pages", pages.len());
        assert_within_text_area(&pages);
        assert_window_shows_only_the_recipient(&pages[0], &letter);
        for i in 1..=30 {
            assert!(shows(&pages, &format!("Fin {i}.")), "paragraph {i}");
        }
        // The frame, the list and the signature come after, in full.
        let last = pages.last().unwrap();
        assert_eq!(exact_ys(last, "Référente, CCAS de Caen").len(), 1);
        assert!(shows(&pages, "mardi 12 janvier 2027 à 9 h 30"));
        assert!(shows(&pages, "votre curriculum vitae si vous en avez un"));
        let frames: usize = pages
            .iter()
            .map(|p| p.iter().filter(|op| matches!(op, Op::Rect { .. })).count())
            .sum();
        assert_eq!(frames, 1);

        // In a batch, the next letter starts on its own page, numbered alone.
        let short = self::letter("M. Karim Benali");
        let (batch, footers) = layout_all(&[letter.clone(), short.clone()]);
        let n = pages.len();
        assert_eq!(batch.len(), n + 1);
        assert_eq!(footers[0], format!("Page 1 / {n}"));
        assert_eq!(footers[n - 1], format!("Page {n} / {n}"));
        assert_eq!(footers[n], "Page 1 / 1");
        assert_window_shows_only_the_recipient(&batch[n], &short);
    }

    #[test]
    fn the_details_are_framed_label_and_value_on_one_line() {
        let pages = layout(&letter("Mme Awa Diallo"));
        let page = &pages[0];
        let rects: Vec<(f32, f32)> = page
            .iter()
            .filter_map(|op| match op {
                Op::Rect { y, h, .. } => Some((*y, y + h)),
                _ => None,
            })
            .collect();
        assert_eq!(rects.len(), 1);
        let (low, high) = rects[0];
        for (label, value) in [
            ("Date et heure :", "mardi 12 janvier 2027 à 9 h 30"),
            ("Durée :", "environ 2 heures"),
        ] {
            let y = exact_ys(page, label);
            assert_eq!(y.len(), 1, "« {label} »");
            assert_eq!(y, exact_ys(page, value), "« {value} »");
            assert!(low < y[0] && y[0] < high);
        }
    }

    #[test]
    fn nothing_to_bring_means_no_heading() {
        let with = layout(&letter("Mme Awa Diallo"));
        assert!(shows(&with, "À apporter"));
        assert!(shows(&with, "une pièce d'identité"));

        let mut letter = letter("Mme Awa Diallo");
        letter.to_bring = vec![String::new(), "  ".into()];
        let without = layout(&letter);
        assert!(!shows(&without, "À apporter"));
        assert!(!shows(&without, "\u{2022}"));
        letter.to_bring.clear();
        assert!(!shows(&layout(&letter), "À apporter"));
    }

    #[test]
    fn no_letter_gives_a_valid_pdf_with_one_blank_page() {
        let (pages, footers) = layout_all(&[]);
        assert_eq!(pages, vec![Vec::new()]);
        assert_eq!(footers, vec![String::new()]);
        let pdf = write_pdf_with_footers("Convocations", &pages, &footers);
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
        assert!(pdf.windows(8).any(|w| w == b"/Count 1"));
    }
}
