//! The words of the generated dataset: names, places, and what référents,
//! cadres and structures write.

use parcours_domain::deadline::OrientationKind;

pub const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Guérin",
    "Lemoine",
    "Hamon",
    "Jacquet",
    "Lebrun",
    "Duval",
    "Ozenne",
    "Lecœur",
    "Vautier",
    "Hélie",
    "Marie",
    "Lefèvre",
    "Leclerc",
    "Lemonnier",
    "Hébert",
    "Letellier",
    "Lecomte",
    "Jeanne",
    "Catherine",
    "Savary",
    "Legrand",
    "Le Goff",
    "Benali",
    "Haddad",
    "Diallo",
    "Nguyen",
    "Da Silva",
    "Pereira",
    "Traoré",
    "Kaya",
    "Boucher",
    "Gosselin",
    "Lemaître",
    "Levillain",
    "Lesage",
    "Onfroy",
    "Quesnel",
    "Renouf",
    "Tesnière",
    "Vasse",
];

pub const FIRST_NAMES_F: &[&str] = &[
    "Camille",
    "Léa",
    "Chloé",
    "Manon",
    "Inès",
    "Sarah",
    "Émilie",
    "Aurélie",
    "Nathalie",
    "Sandrine",
    "Magali",
    "Nadia",
    "Amandine",
    "Céline",
    "Stéphanie",
    "Karine",
    "Laetitia",
    "Jessica",
    "Audrey",
    "Fatima",
    "Aïcha",
    "Marie-Claire",
    "Sylvie",
    "Valérie",
    "Océane",
];

pub const FIRST_NAMES_M: &[&str] = &[
    "Kévin",
    "Thomas",
    "Nicolas",
    "Julien",
    "Mehdi",
    "Sébastien",
    "Anthony",
    "Yannick",
    "Olivier",
    "Rémi",
    "Fabrice",
    "Karim",
    "Lucas",
    "Jean-Claude",
    "Mickaël",
    "Jérôme",
    "Franck",
    "Dylan",
    "Samir",
    "Mamadou",
    "Pascal",
    "Ludovic",
    "Steven",
    "Grégory",
    "Bruno",
];

/// Communes of the demo referential (Caen weighs more).
pub const COMMUNES: &[&str] = &[
    "14118", "14118", "14118", "14118", "14327", "14327", "14437", "14341", "14047", "14366",
    "14366", "14333", "14762", "14258",
];

pub const STREETS: &[&str] = &[
    "rue de la Libération",
    "rue Saint-Jean",
    "avenue du 6 Juin",
    "rue de Bayeux",
    "boulevard Leroy",
    "rue des Rosiers",
    "place de la République",
    "rue du Général Leclerc",
    "chemin des Prés",
    "résidence du Parc",
];

pub const ORIENTATION_REJECTIONS: &[&str] = &[
    "Situation de santé à prendre en compte : voir une orientation sociale.",
    "Pièces manquantes : reprendre l'évaluation avec la personne.",
];

pub fn reorientation_reason(from: OrientationKind, to: OrientationKind) -> &'static str {
    use OrientationKind::*;
    match (from, to) {
        (Social, _) => "Freins sociaux levés : la personne est prête pour un projet d'emploi.",
        (_, Social) => "Difficultés de santé et de logement apparues : un accompagnement social d'abord.",
        (Professional, _) => "Recherche d'emploi sans résultat depuis un an : besoin d'un accompagnement plus global.",
        _ => "Projet professionnel construit : suivi par France Travail.",
    }
}

pub const REVIEW_OUTCOMES: &[&str] = &[
    "Maintien en parcours social : les démarches de santé sont en cours.",
    "Maintien en parcours social, avec un point dans six mois.",
    "Réorientation vers un parcours socio-professionnel proposée à l'équipe pluridisciplinaire.",
    "Maintien : logement stabilisé, travail sur la mobilité à poursuivre.",
];

pub const WISHES: &[&str] = &[
    "Retrouver un emploi stable près de chez soi",
    "Travailler dans les espaces verts",
    "Se former aux métiers de l'aide à domicile",
    "Passer le permis de conduire",
    "Reprendre confiance et sortir de l'isolement",
    "Trouver un logement adapté à la famille",
    "Travailler dans la restauration",
];

pub const NEEDS: &[&str] = &[
    "Aide aux démarches administratives",
    "Solution de garde pour reprendre une activité",
    "Accompagnement vers les soins",
    "Remise à niveau en français",
    "Aide à la mobilité",
    "Équipement informatique et aide au numérique",
];

pub const STRENGTHS: &[&str] = &[
    "Ponctuel, motivé, a travaillé dix ans en intérim",
    "Bon contact, expérience de la vente",
    "Manuel, débrouillard",
    "Organisée, s'occupe seule de trois enfants",
    "Bilingue arabe-français",
];

pub const PROJECTS: &[&str] = &[
    "Agent d'entretien des espaces verts",
    "Aide à domicile",
    "Commis de cuisine",
    "Préparateur de commandes",
    "Pas encore de projet : d'abord se soigner",
    "Création d'une activité de couture",
];

pub const PLANNED_ACTIONS: &[&str] = &[
    "Atelier collectif hebdomadaire",
    "Inscription à une action de remobilisation",
    "Rendez-vous avec l'assistante sociale du secteur",
    "Permis de conduire solidaire",
    "Ateliers numériques à la médiathèque",
    "Constitution du dossier de logement social",
];

pub const PERSON_COMMITMENTS: &[&str] = &[
    "Participer chaque semaine à l'atelier ; se présenter aux rendez-vous.",
    "Entreprendre les démarches de soins ; venir aux rendez-vous mensuels.",
    "Rechercher activement un emploi ; tenir le référent informé.",
];

pub const BILANS: &[&str] = &[
    "Objectifs en bonne voie ; contrat renouvelé sur les points restants.",
    "Peu de progrès, santé fragile ; objectifs revus.",
    "Reprise d'activité partielle ; poursuite de l'accompagnement.",
];

pub const OVERRIDE_REASONS: &[&str] = &[
    "Projet construit avec la personne : l'action répond à son besoin.",
    "Situation proche du public visé ; accord de la structure par téléphone.",
];

pub const REFUSAL_COMMENTS: &[&str] = &[
    "Nous recontacterons la personne à la prochaine session.",
    "Trois appels sans réponse.",
    "Action complète jusqu'en septembre.",
];

pub const CANCEL_REASONS: &[&str] = &[
    "La personne est déjà accompagnée sur une action équivalente.",
    "Démarche à reprendre avec le référent.",
];
