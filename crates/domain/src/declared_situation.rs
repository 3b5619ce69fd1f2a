//! What a person declared of their situation when applying for the RSA:
//! the socio-professional data (`DonneesSocioProfessionnelles`) the CAF
//! sends in the flux instruction. The référent reads it before the first
//! interview and the diagnostic starts from it; it is the person's word at
//! application, not an assessment, and is shown as such.
//!
//! Codes are kept as the CAF writes them; the known ones have a French
//! label (the CNAF's lists, as WebRSA documents them).

use serde::Serialize;
use time::Date;

/// The block as read from a file, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawDeclaredSituation {
    /// `GeneraliteDSPP/SITPERSDEMRSA`: why the person applies.
    pub situation: String,
    /// `NiveauEtude/NIVETU`.
    pub education_level: String,
    /// `SituationProfessionnelle/HISPRO`.
    pub work_history: String,
    /// `SituationProfessionnelle/INSCDEMEMPLOI`: registered job seeker since.
    pub job_seeker: String,
    /// `Mobilite/CommunMobilite/TOPPERMICONDUB`: driving licence B.
    pub driving_licence: String,
    /// `Mobilite/CommunMobilite/TOPMOYLOCO`: a means of transport.
    pub transport: String,
    /// `Mobilite/DetailMobilite/NATMOB`: how far the person can move.
    pub mobility: Vec<String>,
    /// `SituationSociale/DetailDifficulteSituationSociale/DIFSOC`.
    pub social: Vec<String>,
    /// `DifficulteLogement/DetailDifficulteLogement/DIFLOG`.
    pub housing: Vec<String>,
    /// `SituationSociale/DetailDifficulteDisponibilite/DIFDISP`.
    pub availability: Vec<String>,
}

impl RawDeclaredSituation {
    pub fn is_empty(&self) -> bool {
        *self == RawDeclaredSituation::default()
    }
}

/// A declared situation as stored: codes upper-cased, flags read, lists
/// without duplicates in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclaredSituation {
    /// The date of the file that carried it.
    pub declared_on: Option<Date>,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    pub work_history: Option<String>,
    pub job_seeker: Option<String>,
    pub driving_licence: Option<bool>,
    pub transport: Option<bool>,
    pub mobility: Vec<String>,
    pub social: Vec<String>,
    pub housing: Vec<String>,
    pub availability: Vec<String>,
}

impl DeclaredSituation {
    /// What the file says, None when it says nothing; an error (French,
    /// naming the tag) on a flag that is neither 0 nor 1.
    pub fn read(
        raw: &RawDeclaredSituation,
        file_date: Date,
    ) -> Result<Option<DeclaredSituation>, String> {
        if raw.is_empty() {
            return Ok(None);
        }
        let code = |raw: &str| Some(raw.trim().to_uppercase()).filter(|c| !c.is_empty());
        let flag = |name: &str, raw: &str| match raw.trim() {
            "" => Ok(None),
            "1" | "true" => Ok(Some(true)),
            "0" | "false" => Ok(Some(false)),
            other => Err(format!("{name} vaut « {other} » : attendu 1 ou 0.")),
        };
        let list = |raw: &[String]| {
            let mut codes: Vec<String> = Vec::new();
            for c in raw.iter().filter_map(|c| code(c)) {
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
            codes
        };
        Ok(Some(DeclaredSituation {
            declared_on: Some(file_date),
            situation: code(&raw.situation),
            education_level: code(&raw.education_level),
            work_history: code(&raw.work_history),
            job_seeker: code(&raw.job_seeker),
            driving_licence: flag("TOPPERMICONDUB", &raw.driving_licence)?,
            transport: flag("TOPMOYLOCO", &raw.transport)?,
            mobility: list(&raw.mobility),
            social: list(&raw.social),
            housing: list(&raw.housing),
            availability: list(&raw.availability),
        }))
    }

    /// Without health content (health, disability recognition), for those
    /// who may read the diagnostic but not its health part.
    pub fn redacted(&self) -> DeclaredSituation {
        let mut redacted = self.clone();
        redacted
            .social
            .retain(|c| !HEALTH_SOCIAL.contains(&c.as_str()));
        redacted
            .availability
            .retain(|c| !HEALTH_AVAILABILITY.contains(&c.as_str()));
        redacted
    }

    /// Where the declaration comes from, for the screens.
    pub fn origin(&self) -> String {
        match self.declared_on {
            Some(on) => format!(
                "Ce que la personne a déclaré à la CAF en demandant le RSA (flux instruction du {}) : \
                 ses propres mots, à reprendre avec elle au diagnostic.",
                crate::clock::fr_date(on)
            ),
            None => "Ce que la personne a déclaré à la CAF en demandant le RSA.".to_owned(),
        }
    }

    /// The declaration for people: one (question, answer) per thing said,
    /// in French, codes with their label.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        let mut one = |question: &'static str, code: &Option<String>, label: Labels| {
            if let Some(code) = code {
                lines.push((question, labelled(label, code)));
            }
        };
        one("Motif de la demande", &self.situation, situation_label);
        one(
            "Niveau de formation",
            &self.education_level,
            education_level_label,
        );
        one(
            "Parcours professionnel",
            &self.work_history,
            work_history_label,
        );
        one(
            "Inscription comme demandeur d'emploi",
            &self.job_seeker,
            job_seeker_label,
        );
        let yes_no = |v: bool| if v { "Oui" } else { "Non" }.to_owned();
        if let Some(v) = self.driving_licence {
            lines.push(("Permis B", yes_no(v)));
        }
        if let Some(v) = self.transport {
            lines.push(("Moyen de transport", yes_no(v)));
        }
        let mut many = |question: &'static str, codes: &[String], label: Labels| {
            if !codes.is_empty() {
                let text = codes
                    .iter()
                    .map(|c| labelled(label, c))
                    .collect::<Vec<_>>()
                    .join(" ; ");
                lines.push((question, text));
            }
        };
        many("Mobilité", &self.mobility, mobility_label);
        many("Difficultés sociales", &self.social, social_label);
        many("Difficultés de logement", &self.housing, housing_label);
        many(
            "Obstacles à la disponibilité",
            &self.availability,
            availability_label,
        );
        lines
    }
}

/// Health content: `DIFSOC` health and disability recognition, `DIFDISP`
/// health.
const HEALTH_SOCIAL: &[&str] = &["0402", "0403"];
const HEALTH_AVAILABILITY: &[&str] = &["0508"];

type Labels = fn(&str) -> Option<&'static str>;

/// « Label », or « code XY » when the CAF's list does not have it.
fn labelled(label: Labels, code: &str) -> String {
    label(code).map_or_else(|| format!("code {code}"), str::to_owned)
}

/// `SITPERSDEMRSA`.
pub fn situation_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "0101" => "Fin de droits à l'assurance chômage",
        "0102" => "Fin de droits à l'allocation aux adultes handicapés",
        "0103" => "Fin d'indemnités journalières (maternité)",
        "0104" => "Fin d'indemnités journalières (maladie, accident du travail)",
        "0105" => "Attente d'une pension de vieillesse ou d'invalidité, ou de l'AAH",
        "0106" => "Changement de situation familiale",
        "0107" => "Faibles ressources",
        "0108" => "Cessation d'activité",
        "0109" => "Fin d'études",
        _ => return None,
    })
}

/// `NIVETU`, the levels of the former national nomenclature.
pub fn education_level_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "1201" => "Niveau I/II : diplôme supérieur à bac + 2",
        "1202" => "Niveau III : bac + 2 (BTS, DUT…)",
        "1203" => "Niveau IV : terminale, avec ou sans le bac",
        "1204" => "Niveau V : CAP, BEP ou équivalent",
        "1205" => "Niveau V bis : sortie avant l'année terminale d'un CAP ou BEP",
        "1206" => "Niveau VI : sortie au collège",
        "1207" => "Jamais scolarisé",
        _ => return None,
    })
}

/// `HISPRO`.
pub fn work_history_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "1901" => "A toujours travaillé",
        "1902" => "Travaille par intermittence",
        "1903" => "A déjà exercé une activité professionnelle",
        "1904" => "N'a jamais travaillé",
        _ => return None,
    })
}

/// `INSCDEMEMPLOI`.
pub fn job_seeker_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "4301" => "Pas encore inscrit, ou inscription en cours",
        "4302" => "Depuis moins d'un an",
        "4303" => "Depuis un à cinq ans",
        "4304" => "Depuis plus de cinq ans",
        _ => return None,
    })
}

/// `NATMOB`.
pub fn mobility_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "2501" => "Sur la commune",
        "2502" => "Sur le département",
        "2503" => "Sur un autre département",
        "2504" => "Aucune mobilité",
        _ => return None,
    })
}

/// `DIFSOC`.
pub fn social_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "0401" => "Aucune difficulté",
        "0402" => "Santé",
        "0403" => "Reconnaissance de la qualité de travailleur handicapé",
        "0404" => "Lecture, écriture ou compréhension du français",
        "0405" => "Démarches et formalités administratives",
        "0406" => "Endettement",
        "0407" => "Autres",
        _ => return None,
    })
}

/// `DIFLOG`.
pub fn housing_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "1001" => "Aucune difficulté de logement",
        "1002" => "Impayés de loyer ou de remboursement",
        "1003" => "Problèmes financiers",
        "1004" => "Logement insalubre ou indécent",
        "1005" => "Logement isolé ou sans transport collectif",
        "1006" => "Fin de bail, expulsion",
        "1007" => "Logement surpeuplé",
        "1008" => "Éloignement entre le logement et le lieu de travail",
        "1009" => "Autre situation particulière",
        _ => return None,
    })
}

/// `DIFDISP`.
pub fn availability_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "0501" => "Aucun obstacle",
        "0502" => "Garde d'enfant de moins de 6 ans",
        "0503" => "Garde d'enfant de plus de 6 ans",
        "0504" => "Garde d'enfants ou de proches invalides",
        "0505" => "Charge de proches dépendants",
        "0506" => "Éloignement d'un parent ou du conjoint (hospitalisation, incarcération)",
        "0507" => "Mobilité",
        "0508" => "Santé",
        "0509" => "Logement",
        "0510" => "Illettrisme",
        "0511" => "Absence de qualification",
        "0512" => "Qualification trop spécifique",
        "0513" => "Discrimination",
        "0514" => "Garde d'enfants",
        _ => return None,
    })
}

/// The declared situation's codes in one text for storage (`0402,0406`),
/// and back.
pub fn join_codes(codes: &[String]) -> String {
    codes.join(",")
}

pub fn split_codes(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn nothing_declared_is_no_declaration() {
        assert_eq!(
            DeclaredSituation::read(&RawDeclaredSituation::default(), date!(2026 - 11 - 02)),
            Ok(None)
        );
    }

    #[test]
    fn a_declaration_reads_codes_flags_and_lists() {
        let raw = RawDeclaredSituation {
            education_level: " 1204 ".into(),
            driving_licence: "0".into(),
            transport: "1".into(),
            social: vec!["0402".into(), "0406".into(), "0402".into(), " ".into()],
            availability: vec!["9999".into()],
            ..Default::default()
        };
        let read = DeclaredSituation::read(&raw, date!(2026 - 11 - 02))
            .unwrap()
            .unwrap();
        assert_eq!(read.education_level.as_deref(), Some("1204"));
        assert_eq!(read.driving_licence, Some(false));
        assert_eq!(read.social, ["0402", "0406"], "once each, in order");
        let lines = read.lines();
        assert!(lines.contains(&(
            "Niveau de formation",
            "Niveau V : CAP, BEP ou équivalent".into()
        )));
        assert!(lines.contains(&("Permis B", "Non".into())));
        assert!(lines.contains(&("Difficultés sociales", "Santé ; Endettement".into())));
        assert!(
            lines.contains(&("Obstacles à la disponibilité", "code 9999".into())),
            "an unknown code is shown as such: {lines:?}"
        );
    }

    #[test]
    fn a_flag_that_is_not_one_or_zero_is_refused_naming_its_tag() {
        let raw = RawDeclaredSituation {
            transport: "O".into(),
            ..Default::default()
        };
        let error = DeclaredSituation::read(&raw, date!(2026 - 11 - 02)).unwrap_err();
        assert!(error.starts_with("TOPMOYLOCO"), "{error}");
    }

    #[test]
    fn the_redacted_declaration_says_nothing_of_health() {
        let declared = DeclaredSituation {
            social: vec!["0402".into(), "0403".into(), "0406".into()],
            availability: vec!["0508".into(), "0502".into()],
            ..Default::default()
        };
        let redacted = declared.redacted();
        assert_eq!(redacted.social, ["0406"]);
        assert_eq!(redacted.availability, ["0502"]);
    }

    #[test]
    fn codes_survive_their_storage_text() {
        let codes = vec!["0402".to_owned(), "0406".to_owned()];
        assert_eq!(split_codes(&join_codes(&codes)), codes);
        assert!(split_codes("").is_empty());
    }
}
