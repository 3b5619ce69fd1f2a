//! Rendu PDF de l'export du droit d'accès : un document générique (titre,
//! puis des rubriques faites d'entrées « clé : valeur »), mis en page avec
//! les mêmes outils que le contrat.

use super::{write_pdf, Font, Layout, Page, BODY_SIZE, INDENT, LEADING, OBJECTIVE_SIZE};

/// Contenu imprimable de l'export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAccessDocument {
    /// Par exemple « Données personnelles — droit d'accès ».
    pub title: String,
    /// Par exemple « Département du Calvados ».
    pub department: String,
    /// Paragraphes d'introduction : la personne, la date de l'export.
    pub introduction: Vec<String>,
    pub sections: Vec<Section>,
}

/// Une rubrique : un titre et ses entrées (« Aucune donnée. » sans entrée).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub entries: Vec<Entry>,
}

/// Une entrée : un intitulé facultatif, des champs, des listes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub title: Option<String>,
    /// (clé, valeur) ; une valeur vide s'affiche « non renseigné ».
    pub fields: Vec<(String, String)>,
    /// (intitulé, éléments) : listes à puces (« aucun » quand vide).
    pub lists: Vec<(String, Vec<String>)>,
}

/// Produit le PDF de l'export.
pub fn render_subject_access(doc: &SubjectAccessDocument) -> Vec<u8> {
    write_pdf(&doc.title, &layout(doc))
}

fn layout(doc: &SubjectAccessDocument) -> Vec<Page> {
    let mut l = Layout::new();
    l.title(&doc.title, &doc.department);
    for paragraph in &doc.introduction {
        l.paragraph(0.0, paragraph, Font::Regular, BODY_SIZE);
        l.space(4.0);
    }
    for section in &doc.sections {
        l.heading(&section.heading);
        if section.entries.is_empty() {
            l.paragraph(0.0, "Aucune donnée.", Font::Regular, BODY_SIZE);
        }
        for entry in &section.entries {
            let indent = match &entry.title {
                Some(title) => {
                    l.space(6.0);
                    l.ensure(OBJECTIVE_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
                    l.paragraph(0.0, title, Font::Bold, OBJECTIVE_SIZE);
                    l.space(2.0);
                    INDENT
                }
                None => 0.0,
            };
            for (key, value) in &entry.fields {
                l.field(indent, key, value);
            }
            for (label, items) in &entry.lists {
                l.list(indent, label, items);
            }
        }
    }
    l.pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(entries: usize) -> SubjectAccessDocument {
        SubjectAccessDocument {
            title: "Données personnelles — droit d'accès".into(),
            department: "Département du Calvados".into(),
            introduction: vec!["Export du 05/12/2026 pour Dominique DURAND.".into()],
            sections: vec![
                Section {
                    heading: "Identité".into(),
                    entries: vec![Entry {
                        title: None,
                        fields: vec![("Nom".into(), "DURAND".into())],
                        lists: Vec::new(),
                    }],
                },
                Section {
                    heading: "Journal des accès".into(),
                    entries: (0..entries)
                        .map(|n| Entry {
                            title: Some(format!("Consultation n° {n}")),
                            fields: vec![("Par".into(), "referent@caen.fr".into())],
                            lists: vec![("Freins".into(), vec!["Mobilité".into()])],
                        })
                        .collect(),
                },
                Section {
                    heading: "Contrats".into(),
                    entries: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn a_long_export_spreads_over_pages_within_the_text_area() {
        let pages = layout(&doc(200));
        assert!(pages.len() > 3, "{} pages", pages.len());
        let pdf = render_subject_access(&doc(200));
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn a_short_export_fits_on_one_page() {
        assert_eq!(layout(&doc(1)).len(), 1);
    }
}
