//! Tests de rendu : structure du fichier et texte extrait par `pdftotext`
//! (paquet Debian `poppler-utils`, obligatoire).

use parcours_pdf::{render_contract, ContractDocument, ObjectiveSection};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const LONG: &str = "Rechercher activement un emploi durable en lien avec le projet \
    professionnel défini avec le référent, en s’appuyant sur les offres du territoire, \
    les ateliers collectifs et la mise en œuvre d’un plan de mobilité adapté.";

fn sample() -> ContractDocument {
    ContractDocument {
        title: "Contrat d'engagement réciproque (CER)".into(),
        department: "Département du Calvados".into(),
        person_name: "Amélie Lefèvre".into(),
        person_birth_date: "12/05/1979".into(),
        person_address: "12 rue de l’Église, 14000 Caen".into(),
        referent_name: "Jérôme Dubœuf".into(),
        organisation_name: "CCAS de Caen".into(),
        orientation: "Sociale — CCAS de Caen".into(),
        period: "du 01/12/2026 au 31/05/2027 (6 mois)".into(),
        weekly_hours: Some("15 heures par semaine".into()),
        objectives: vec![
            ObjectiveSection {
                title: "Accéder à un logement autonome".into(),
                domain: "Logement".into(),
                barriers: vec![
                    "Dettes de loyer (≈ 1 200 €)".into(),
                    "Absence de garant".into(),
                ],
                actions: vec![
                    "Constituer le dossier de demande de logement social".into(),
                    "Solliciter le FSL pour l’apurement de la dette".into(),
                ],
            },
            ObjectiveSection {
                title: "Reprendre une activité professionnelle".into(),
                domain: "Emploi".into(),
                barriers: vec![],
                actions: vec![LONG.into()],
            },
        ],
        person_commitments: "Je m’engage à :\n- me rendre aux rendez-vous fixés avec mon \
            référent ;\n- mettre en œuvre les actions prévues.\n\nJe signale tout changement \
            de situation « sans délai »."
            .into(),
        organisation_commitments: "Le Département et l’organisme référent s’engagent à \
            accompagner la personne, à mobiliser les aides utiles et à réaliser un point \
            d’étape tous les trois mois."
            .into(),
        signature_place_date: "Fait à Caen, le ____________".into(),
    }
}

fn long_sample() -> ContractDocument {
    let mut doc = sample();
    doc.objectives = (1..=12)
        .map(|i| ObjectiveSection {
            title: format!("Objectif numéro {i} : {LONG}"),
            domain: "Emploi et formation".into(),
            barriers: vec![
                LONG.into(),
                "Mobilité réduite".into(),
                format!("{LONG} {LONG}"),
            ],
            actions: vec![
                format!("Action {i}-A : {LONG}"),
                format!("Action {i}-B fin"),
            ],
        })
        .collect();
    doc.person_commitments = format!("{LONG} {LONG} {LONG}\n\nFINENGAGEMENTS");
    doc
}

fn temp_path(stem: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "parcours-pdf-{stem}-{}-{n}.pdf",
        std::process::id()
    ))
}

/// Texte extrait par `pdftotext -layout`, pages séparées par un saut de page.
fn pdftotext(pdf: &[u8]) -> String {
    let path = temp_path("text");
    std::fs::write(&path, pdf).expect("écriture du PDF temporaire");
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    let output = match output {
        Ok(output) => output,
        Err(err) => panic!(
            "pdftotext introuvable ({err}) : installez poppler-utils \
             (apt-get install -y poppler-utils) pour exécuter ces tests"
        ),
    };
    assert!(
        output.status.success(),
        "pdftotext a échoué : {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("sortie UTF-8")
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn output_is_a_complete_pdf_file() {
    let pdf = render_contract(&sample());
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/BaseFont /Helvetica"));
    assert!(text.contains("/BaseFont /Helvetica-Bold"));
    assert!(text.contains("/WinAnsiEncoding"));
    assert!(text.contains("/Title"));
}

#[test]
fn french_text_round_trips_through_pdftotext() {
    let text = pdftotext(&render_contract(&sample()));
    let flat = normalize(&text);
    for expected in [
        "Contrat d'engagement réciproque (CER)",
        "Département du Calvados",
        "Bénéficiaire",
        "Lefèvre",
        "Né(e) le",
        "12/05/1979",
        "l’Église",
        "Jérôme Dubœuf",
        "Sociale — CCAS de Caen",
        "15 heures par semaine",
        "Thématique",
        "Freins travaillés",
        "Actions prévues",
        "1 200 €",
        "Engagements de la personne",
        "mettre en œuvre les actions prévues",
        "« sans délai »",
        "Engagements du Département et de l'organisme référent",
        "La personne",
        "Le référent unique",
        "Validation du cadre",
        "Fait à Caen, le ____________",
    ] {
        assert!(
            flat.contains(expected),
            "« {expected} » absent de :\n{text}"
        );
    }
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(flat.contains(&format!("Page 1 / {pages}")), "{text}");
    // Caractère hors WinAnsi remplacé.
    assert!(flat.contains("(? 1 200 €)"), "{text}");
}

#[test]
fn long_contract_breaks_across_pages_without_losing_text() {
    let text = pdftotext(&render_contract(&long_sample()));
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let n = pages.len();
    assert!(n >= 3, "{n} pages seulement");
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("Page {} / {n}", i + 1);
        assert!(page.contains(&footer), "pied de page « {footer} » absent");
    }
    let flat = normalize(&text);
    assert!(flat.contains("Page 1 / "));
    // Tous les mots, dans l'ordre, sans césure perdue.
    let mut rest = flat.as_str();
    for i in 1..=12 {
        for needle in [
            format!("{i}. Objectif numéro {i} :"),
            format!("Action {i}-A : Rechercher"),
            format!("Action {i}-B fin"),
        ] {
            let pos = rest
                .find(&needle)
                .unwrap_or_else(|| panic!("« {needle} » absent ou hors d'ordre"));
            rest = &rest[pos + needle.len()..];
        }
    }
    let words: Vec<&str> = LONG.split_whitespace().collect();
    let mut cursor = flat.as_str();
    for word in &words {
        let pos = cursor
            .find(word)
            .unwrap_or_else(|| panic!("mot « {word} » perdu"));
        cursor = &cursor[pos + word.len()..];
    }
    assert!(flat.contains("FINENGAGEMENTS"));
    let last = pages.last().unwrap();
    assert!(last.contains("Validation du cadre"));
    assert!(last.contains("Fait à Caen"));
}

#[test]
fn render_time_and_sample_file() {
    let mut doc = sample();
    // Environ deux pages.
    doc.objectives.extend((0..3).map(|i| ObjectiveSection {
        title: format!("Objectif complémentaire {i}"),
        domain: "Santé".into(),
        barriers: vec![LONG.into()],
        actions: vec![LONG.into(), "Bilan de santé".into()],
    }));
    let _ = render_contract(&doc); // échauffement
    let runs = 20;
    let start = Instant::now();
    let mut pdf = Vec::new();
    for _ in 0..runs {
        pdf = render_contract(&doc);
    }
    let elapsed = start.elapsed() / runs;
    let pages = pdftotext(&pdf)
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .count();
    println!(
        "render_contract : {elapsed:?} par rendu ({pages} pages, {} octets)",
        pdf.len()
    );
    std::fs::write(std::env::temp_dir().join("contract-sample.pdf"), &pdf)
        .expect("écriture de l'exemple");
    assert!(elapsed.as_millis() < 1000);
}
