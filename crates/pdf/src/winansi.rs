//! Conversion de texte Unicode vers WinAnsiEncoding (CP1252) et métriques
//! des polices standard Helvetica / Helvetica-Bold.

/// Caractère de remplacement pour ce qui n'existe pas en WinAnsi.
pub const REPLACEMENT: u8 = b'?';

/// Convertit un caractère Unicode en octet WinAnsi.
///
/// Renvoie `None` pour les caractères à ignorer (contrôles, trait d'union
/// conditionnel, caractères de largeur nulle).
pub fn encode_char(c: char) -> Option<u8> {
    let code = c as u32;
    Some(match c {
        '\t' | '\n' | '\r' => b' ',
        ' '..='~' => code as u8,
        // Trait d'union conditionnel et caractères invisibles : ignorés.
        '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => return None,
        '\u{A0}'..='\u{FF}' => code as u8,
        // Espaces fines / insécables de la typographie française.
        '\u{202F}' | '\u{2007}' | '\u{2009}' | '\u{200A}' => 0xA0,
        '\u{2002}' | '\u{2003}' | '\u{2004}' | '\u{2005}' | '\u{2006}' | '\u{205F}'
        | '\u{3000}' => b' ',
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        c if c.is_control() => return None,
        _ => REPLACEMENT,
    })
}

/// Convertit une chaîne en octets WinAnsi (CP1252).
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().filter_map(encode_char).collect()
}

/// Typographie française : l'espace avant « : ; ! ? » et « » », et après
/// « « », devient insécable pour que la ponctuation ne soit jamais rejetée
/// seule en début de ligne.
pub fn french_spacing(bytes: &mut [u8]) {
    for i in 0..bytes.len() {
        if bytes[i] != b' ' {
            continue;
        }
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 1).copied();
        if before == Some(0xAB) || matches!(after, Some(b':' | b';' | b'!' | b'?' | 0xBB)) {
            bytes[i] = 0xA0;
        }
    }
}

/// Police standard utilisée.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }

    /// Largeur d'avance d'un octet WinAnsi, en millièmes de cadratin.
    pub fn glyph_width(self, byte: u8) -> u16 {
        if byte < 32 {
            0
        } else {
            self.widths()[usize::from(byte - 32)]
        }
    }

    /// Largeur d'une suite d'octets WinAnsi, en points, pour une taille donnée.
    pub fn width(self, bytes: &[u8], size: f32) -> f32 {
        let units: u32 = bytes.iter().map(|&b| u32::from(self.glyph_width(b))).sum();
        units as f32 * size / 1000.0
    }
}

/// Largeurs Helvetica (AFM standard), codes WinAnsi 32 à 255.
/// Les codes non définis (127, 129, 141, 143, 144, 157) valent 350 (puce).
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    // 32..=63 : espace ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // 64..=95 : @ A-Z [ \ ] ^ _
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // 96..=127 : ` a-z { | } ~ (127)
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
    // 128..=159 : € (129) ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ (141) Ž (143) (144) ‘ ’ “ ” • – — ˜ ™ š › œ (157) ž Ÿ
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
    // 160..=191 : nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ shy ® ¯ ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 192..=223 : À-Å Æ Ç È-Ë Ì-Ï Ð Ñ Ò-Ö × Ø Ù-Ü Ý Þ ß
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 224..=255 : à-å æ ç è-ë ì-ï ð ñ ò-ö ÷ ø ù-ü ý þ ÿ
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Largeurs Helvetica-Bold (AFM standard), codes WinAnsi 32 à 255.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    // 32..=63
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    // 64..=95
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    // 96..=127
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
    // 128..=159
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
    // 160..=191
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 192..=223
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 224..=255
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// Découpe un paragraphe (déjà encodé, sans saut de ligne) en lignes tenant
/// dans `first_width` (première ligne) puis `rest_width` (lignes suivantes),
/// en points. Les espaces multiples sont fusionnées ; un mot plus long que
/// la largeur disponible est coupé au caractère.
pub fn wrap(text: &[u8], font: Font, size: f32, first_width: f32, rest_width: f32) -> Vec<Vec<u8>> {
    let space = font.width(b" ", size);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut line_w = 0.0_f32;
    let avail = |lines: &Vec<Vec<u8>>| {
        if lines.is_empty() {
            first_width
        } else {
            rest_width
        }
    };

    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let word_w = font.width(word, size);
        if !line.is_empty() && line_w + space + word_w <= avail(&lines) {
            line.push(b' ');
            line.extend_from_slice(word);
            line_w += space + word_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_w <= avail(&lines) {
            line.extend_from_slice(word);
            line_w = word_w;
            continue;
        }
        // Mot trop long : coupe au caractère.
        line_w = 0.0;
        for &b in word {
            let w = font.width(&[b], size);
            if !line.is_empty() && line_w + w > avail(&lines) {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(b);
            line_w += w;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ascii_latin1_and_cp1252_specials() {
        assert_eq!(encode("Abc 123 ()"), b"Abc 123 ()".to_vec());
        assert_eq!(
            encode("éèêëàçôùÉÀÇ"),
            vec![0xE9, 0xE8, 0xEA, 0xEB, 0xE0, 0xE7, 0xF4, 0xF9, 0xC9, 0xC0, 0xC7]
        );
        assert_eq!(
            encode("€œŒ’“”«»–—…•"),
            vec![0x80, 0x9C, 0x8C, 0x92, 0x93, 0x94, 0xAB, 0xBB, 0x96, 0x97, 0x85, 0x95]
        );
        assert_eq!(encode("a\u{202F}:"), vec![b'a', 0xA0, b':']);
        assert_eq!(encode("日本 ✓"), b"?? ?".to_vec());
        assert_eq!(encode("ab\u{AD}c\u{7}"), b"abc".to_vec());
        assert_eq!(encode("a\tb\nc"), b"a b c".to_vec());
    }

    #[test]
    fn french_spacing_uses_non_breaking_spaces() {
        let mut bytes = encode("« Lu et approuvé » : oui ! a - b");
        french_spacing(&mut bytes);
        assert_eq!(
            bytes,
            encode("«\u{A0}Lu et approuvé\u{A0}»\u{A0}: oui\u{A0}! a - b")
        );
        let lines = wrap(&bytes, Font::Regular, 10.0, 60.0, 60.0);
        assert!(lines.iter().all(|l| l.first() != Some(&0xBB)));
    }

    #[test]
    fn widths_follow_helvetica_metrics() {
        assert_eq!(Font::Regular.glyph_width(b' '), 278);
        assert_eq!(Font::Regular.glyph_width(b'i'), 222);
        assert_eq!(Font::Bold.glyph_width(b'i'), 278);
        assert_eq!(Font::Regular.glyph_width(0xE9), 556); // é
        assert_eq!(Font::Regular.glyph_width(0x9C), 944); // œ
        assert_eq!(Font::Regular.glyph_width(0xFF), 500); // ÿ
        assert!((Font::Regular.width(b"AV", 10.0) - 13.34).abs() < 1e-4);
    }

    #[test]
    fn wrap_never_exceeds_width_and_keeps_all_words() {
        let text = "Le bénéficiaire s’engage à participer activement aux ateliers \
                    collectifs d’accompagnement vers l’emploi, à rencontrer son référent \
                    unique chaque mois et à mettre en œuvre les démarches convenues. \
                    Anticonstitutionnellementanticonstitutionnellementanticonstitutionnellement \
                    fin.";
        let bytes = encode(text);
        for (size, width) in [
            (10.5_f32, 481.9_f32),
            (12.0, 120.0),
            (10.0, 40.0),
            (9.0, 7.0),
        ] {
            for font in [Font::Regular, Font::Bold] {
                let lines = wrap(&bytes, font, size, width - 20.0, width);
                assert!(lines.len() > 1);
                for (i, line) in lines.iter().enumerate() {
                    let limit = if i == 0 { width - 20.0 } else { width };
                    let w = font.width(line, size);
                    // Une ligne d'un seul caractère est tolérée si le caractère
                    // lui-même est plus large que la place disponible.
                    assert!(
                        w <= limit + 1e-3 || line.len() == 1,
                        "ligne {i} trop large ({w} > {limit}) : {:?}",
                        String::from_utf8_lossy(line)
                    );
                    assert!(!line.is_empty());
                    assert_ne!(line.first(), Some(&b' '));
                    assert_ne!(line.last(), Some(&b' '));
                }
                // Aucun caractère perdu (hors espaces).
                let joined: Vec<u8> = lines.concat().into_iter().filter(|&b| b != b' ').collect();
                let original: Vec<u8> = bytes.iter().copied().filter(|&b| b != b' ').collect();
                assert_eq!(joined, original);
            }
        }
    }

    #[test]
    fn wrap_of_blank_text_is_empty() {
        assert!(wrap(b"   ", Font::Regular, 10.0, 100.0, 100.0).is_empty());
        assert_eq!(
            wrap(b"un  deux", Font::Regular, 10.0, 500.0, 500.0),
            vec![b"un deux".to_vec()]
        );
    }
}
