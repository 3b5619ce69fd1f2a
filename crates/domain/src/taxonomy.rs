//! The one taxonomy of the product: data·inclusion schema v1 categories and
//! thématiques (diagnostic domains, contract objectives, action themes), with
//! the barrier and objective checklists of the national tools mapped onto it.
//! Generated from shared/reference/insertion-referentials.md; labels are data.

/// A data·inclusion v1 category (a domain of the diagnostic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub label: &'static str,
    /// Health content: special-category data, shown only to the référent and their cadre.
    pub sensitive: bool,
}

pub const CATEGORIES: &[Category] = &[
    Category {
        code: "choisir-un-metier",
        label: "Choisir un métier",
        sensitive: false,
    },
    Category {
        code: "creer-une-entreprise",
        label: "Créer une entreprise",
        sensitive: false,
    },
    Category {
        code: "difficultes-administratives-ou-juridiques",
        label: "Difficultés administratives ou juridiques",
        sensitive: false,
    },
    Category {
        code: "difficultes-financieres",
        label: "Difficultés financières",
        sensitive: false,
    },
    Category {
        code: "equipement-et-alimentation",
        label: "Équipement et alimentation",
        sensitive: false,
    },
    Category {
        code: "famille",
        label: "Famille",
        sensitive: false,
    },
    Category {
        code: "lecture-ecriture-calcul",
        label: "Lecture, écriture, calcul",
        sensitive: false,
    },
    Category {
        code: "logement-hebergement",
        label: "Logement et hébergement",
        sensitive: false,
    },
    Category {
        code: "mobilite",
        label: "Mobilité",
        sensitive: false,
    },
    Category {
        code: "numerique",
        label: "Numérique",
        sensitive: false,
    },
    Category {
        code: "preparer-sa-candidature",
        label: "Préparer sa candidature",
        sensitive: false,
    },
    Category {
        code: "remobilisation",
        label: "Remobilisation",
        sensitive: false,
    },
    Category {
        code: "sante",
        label: "Santé",
        sensitive: true,
    },
    Category {
        code: "se-former",
        label: "Se former",
        sensitive: false,
    },
    Category {
        code: "souvrir-a-linternational",
        label: "S'ouvrir à l'international",
        sensitive: false,
    },
    Category {
        code: "trouver-un-emploi",
        label: "Trouver un emploi",
        sensitive: false,
    },
];

/// data·inclusion v1 thématiques: `category--sous-thematique` and label.
pub const THEMATIQUES: &[(&str, &str)] = &[
    (
        "choisir-un-metier--confirmer-son-choix-de-metier",
        "Confirmer son choix de métier",
    ),
    (
        "choisir-un-metier--connaitre-les-opportunites-demploi",
        "Connaître les opportunités d’emploi",
    ),
    (
        "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite",
        "Découvrir un métier ou un secteur d’activité",
    ),
    (
        "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
        "Identifier ses points forts et ses compétences",
    ),
    (
        "creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
        "Définir son projet de création d’entreprise",
    ),
    (
        "creer-une-entreprise--developper-son-entreprise",
        "Développer son entreprise",
    ),
    (
        "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
        "Structurer son projet de création d’entreprise",
    ),
    (
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        "Accompagnement aux démarches administratives",
    ),
    (
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete",
        "Accompagnement pour l’accès à la citoyenneté",
    ),
    (
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
        "Accompagnement pour l’accès aux droits",
    ),
    (
        "difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte",
        "Bénéficier d’une mesure d’accompagnement adapté",
    ),
    (
        "difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination",
        "Connaître ses droits face à une discrimination",
    ),
    (
        "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
        "Prendre en compte une problématique judiciaire",
    ),
    (
        "difficultes-financieres--acquerir-une-autonomie-budgetaire",
        "Acquérir une autonomie budgétaire",
    ),
    (
        "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
        "Améliorer sa gestion budgétaire",
    ),
    (
        "difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere",
        "Mettre en place une mesure de protection financière",
    ),
    (
        "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere",
        "Prévenir une dégradation de la situation financière",
    ),
    (
        "difficultes-financieres--situation-dendettement-surendettement",
        "Situation d’endettement ou de surendettement",
    ),
    ("equipement-et-alimentation--aide-menagere", "Aide ménagère"),
    ("equipement-et-alimentation--alimentation", "Alimentation"),
    (
        "equipement-et-alimentation--electromenager",
        "Électroménager",
    ),
    ("equipement-et-alimentation--habillement", "Habillement"),
    ("famille--garde-denfants", "Garde d’enfants"),
    (
        "famille--prise-en-charge-personne-dependante",
        "Prise en charge d’une personne dépendante",
    ),
    (
        "famille--soutien-a-la-parentalite-et-a-leducation",
        "Soutien à la parentalité et à l’éducation",
    ),
    ("famille--soutien-aidants", "Soutien aux aidants"),
    (
        "famille--surmonter-conflits-separation-violence",
        "Surmonter les conflits liés à la séparation ou à la violence",
    ),
    (
        "lecture-ecriture-calcul--maitriser-le-calcul",
        "Maîtriser le calcul",
    ),
    (
        "lecture-ecriture-calcul--maitriser-le-francais",
        "Maîtriser le français",
    ),
    (
        "logement-hebergement--acheter-un-logement",
        "Acheter un logement",
    ),
    (
        "logement-hebergement--changer-de-logement",
        "Changer de logement",
    ),
    (
        "logement-hebergement--louer-un-logement",
        "Louer un logement",
    ),
    (
        "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
        "Rechercher une solution d’hébergement temporaire",
    ),
    (
        "logement-hebergement--reduire-les-impayes-de-loyer",
        "Réduire les impayés de loyer",
    ),
    (
        "logement-hebergement--se-maintenir-dans-le-logement",
        "Se maintenir dans le logement",
    ),
    (
        "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
        "S’informer sur les démarches liées à l’accès au logement",
    ),
    ("mobilite--acceder-a-un-vehicule", "Accéder à un véhicule"),
    (
        "mobilite--entretenir-reparer-son-vehicule",
        "Entretenir et réparer son véhicule",
    ),
    (
        "mobilite--etre-accompagne-dans-son-parcours-mobilite",
        "Être accompagné dans son parcours mobilité",
    ),
    ("mobilite--financer-ma-mobilite", "Financer ma mobilité"),
    (
        "mobilite--mobilite-douce-partagee-collective",
        "Utiliser des services de mobilité douce, partagée ou collective",
    ),
    ("mobilite--preparer-un-permis", "Préparer un permis"),
    (
        "numerique--acceder-a-des-services-en-ligne",
        "Accéder à des services en ligne",
    ),
    (
        "numerique--acceder-a-une-connexion-internet",
        "Accéder à une connexion Internet",
    ),
    (
        "numerique--acquerir-un-equipement",
        "Acquérir un équipement",
    ),
    (
        "numerique--maitriser-les-fondamentaux-du-numerique",
        "Maîtriser les fondamentaux du numérique",
    ),
    (
        "preparer-sa-candidature--developper-son-reseau",
        "Développer son réseau",
    ),
    (
        "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
        "Organiser ses démarches de recherche d’emploi",
    ),
    (
        "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
        "Réaliser un CV et/ou une lettre de motivation",
    ),
    (
        "preparer-sa-candidature--valoriser-ses-competences",
        "Valoriser ses compétences",
    ),
    (
        "remobilisation--activites-sportives-et-culturelles",
        "Activités sportives et culturelles",
    ),
    (
        "remobilisation--benevolat-action-citoyenne",
        "Bénévolat et action citoyenne",
    ),
    (
        "remobilisation--bien-etre-confiance-en-soi",
        "Bien-être et confiance en soi",
    ),
    ("remobilisation--lien-social", "Lien social"),
    ("sante--acces-aux-soins", "Accès aux soins"),
    ("sante--addictions", "Addictions"),
    (
        "sante--constituer-un-dossier-mdph-invalidite",
        "Constituer un dossier MDPH pour invalidité",
    ),
    ("sante--sante-mentale", "Santé mentale"),
    ("sante--sante-sexuelle", "Santé sexuelle"),
    (
        "se-former--monter-son-dossier-de-formation",
        "Monter son dossier de formation",
    ),
    ("se-former--trouver-sa-formation", "Trouver sa formation"),
    (
        "souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger",
        "Connaître les opportunités d’emploi à l’étranger",
    ),
    (
        "souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger",
        "S’informer sur les aides pour travailler à l’étranger",
    ),
    (
        "souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france",
        "S’organiser suite à son retour en France",
    ),
    (
        "trouver-un-emploi--convaincre-un-recruteur-en-entretien",
        "Convaincre un recruteur en entretien",
    ),
    (
        "trouver-un-emploi--faire-des-candidatures-spontanees",
        "Faire des candidatures spontanées",
    ),
    (
        "trouver-un-emploi--maintien-dans-lemploi",
        "Maintien dans l’emploi",
    ),
    (
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "Répondre à des offres d’emploi",
    ),
    (
        "trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs",
        "Suivre ses candidatures et relancer les employeurs",
    ),
];

/// Barriers (*freins*) by category, for the diagnostic checklist: what
/// holds the person back, each with a severity.
pub const BARRIERS: &[(&str, &str)] = &[
    ("remobilisation", "Isolement social"),
    (
        "remobilisation",
        "Manque de confiance en soi, faible estime de soi",
    ),
    ("remobilisation", "Moral bas, découragement"),
    ("remobilisation", "Rythme de vie à retrouver"),
    ("famille", "Contrainte horaires"),
    (
        "famille",
        "Autres contraintes familiales à prendre en compte",
    ),
    ("famille", "Aidant familial (s’occuper d’un proche)"),
    ("famille", "Attend un enfant ou plus"),
    (
        "famille",
        "Enfant(s) de moins de 3 ans sans solution de garde",
    ),
    ("famille", "Enfant(s) en situation de handicap"),
    ("famille", "Problématique de santé d'un enfant"),
    (
        "difficultes-administratives-ou-juridiques",
        "Difficulté liée à un justificatif d'identité / titre de séjour",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Difficulté liée à son avis d’imposition",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Difficulté liée à une démarche administrative",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Besoin d'être guidé dans le cadre d'un accès aux droits",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Difficulté d’ordre juridique",
    ),
    ("numerique", "Absence de connexion (autre motif)"),
    (
        "numerique",
        "Absence d'adresse ou d'utilisation de messagerie électronique",
    ),
    ("numerique", "Absence d’équipement"),
    ("numerique", "Absence de connexion (zone blanche)"),
    ("numerique", "Absence de connexion (refus)"),
    (
        "numerique",
        "Absence de mobilité pour accéder à un espace numérique",
    ),
    (
        "numerique",
        "Difficulté a réaliser des démarches administratives en ligne",
    ),
    (
        "numerique",
        "En difficulté sur le numérique (résultat Pix emploi <50%)",
    ),
    (
        "difficultes-financieres",
        "Difficulté dans la gestion d'un budget",
    ),
    ("difficultes-financieres", "Baisse des ressources"),
    (
        "difficultes-financieres",
        "Ressources précaires (inférieures au seuil de pauvreté)",
    ),
    ("difficultes-financieres", "Besoin d'un soutien alimentaire"),
    ("difficultes-financieres", "Sans aucune ressource"),
    ("difficultes-financieres", "En situation de surendettement"),
    ("trouver-un-emploi", "Moins de 6 mois sans emploi"),
    ("trouver-un-emploi", "Plus de 6 mois sans emploi"),
    ("trouver-un-emploi", "Plus d'1 an sans emploi"),
    ("trouver-un-emploi", "Plus de 2 ans sans emploi"),
    ("trouver-un-emploi", "Plus de 5 ans sans emploi"),
    ("trouver-un-emploi", "Plus de 10 ans sans emploi"),
    ("trouver-un-emploi", "Jamais travaillé"),
    (
        "trouver-un-emploi",
        "Prêt pour un emploi avec formations / accompagnement",
    ),
    (
        "trouver-un-emploi",
        "Indisponible pour un emploi dans l'immédiat",
    ),
    (
        "trouver-un-emploi",
        "Autoentrepreneur / travailleur indépendant / conjoint collaborateur",
    ),
    ("trouver-un-emploi", "En projet d'entreprise"),
    (
        "se-former",
        "Prêt pour une formation avec un accompagnement",
    ),
    ("se-former", "Ne souhaite pas suivre une formation"),
    (
        "logement-hebergement",
        "Sans hébergement / rupture effective de logement",
    ),
    ("logement-hebergement", "Hébergé chez un tiers"),
    ("logement-hebergement", "Hébergé au domicile parental"),
    ("logement-hebergement", "Logement insalubre"),
    ("logement-hebergement", "Difficulté à payer le loyer"),
    ("logement-hebergement", "Habitat mobile"),
    (
        "logement-hebergement",
        "Doit quitter le logement (procédure d'expulsion, ...)",
    ),
    ("logement-hebergement", "Territoire rural isolé"),
    ("logement-hebergement", "Autre type de logement (hôtel, …)"),
    (
        "logement-hebergement",
        "Hébergement collectif de type CHRS, CHU, CPH, CADA, …",
    ),
    ("logement-hebergement", "Besoin d'adapter le logement"),
    (
        "lecture-ecriture-calcul",
        "Difficulté en français à l’écrit",
    ),
    ("lecture-ecriture-calcul", "Difficulté en français à l’oral"),
    (
        "lecture-ecriture-calcul",
        "Difficulté en français en lecture",
    ),
    ("lecture-ecriture-calcul", "Difficultés en calcul"),
    (
        "lecture-ecriture-calcul",
        "Français Langue Étrangère (FLE) : non maitrise ou en cours d'apprentissage",
    ),
    ("mobilite", "Aucun moyen de transport à disposition"),
    ("mobilite", "Permis et/ou code en cours"),
    ("mobilite", "Dépendant des transports en commun"),
    ("mobilite", "Permis non valide / suspension de permis"),
    ("mobilite", "Véhicule sans permis"),
    (
        "mobilite",
        "État de santé déclaré rendant incompatible la conduite",
    ),
    ("mobilite", "Permis étranger (hors EEE)"),
    ("sante", "Couverture sociale / mutuelle à mettre à jour"),
    (
        "sante",
        "Difficulté déclarée entravant l’exercice de certains métiers",
    ),
    (
        "sante",
        "Difficulté déclarée n’entravant pas la reprise d’une activité professionnelle",
    ),
    (
        "sante",
        "Difficulté déclarée entrainant des absences régulières",
    ),
    (
        "sante",
        "Difficulté déclarée ne permettant plus d’exercer une activité professionnelle",
    ),
    (
        "sante",
        "Difficulté déclarée ne permettant pas de reprendre une activité professionnelle immédiate",
    ),
    ("sante", "Existence d'un dossier MDPH"),
    (
        "sante",
        "Difficulté déclarée concernant l'accès à un professionnel de santé",
    ),
];

/// Resources (*atouts*) by category: what the person has and can rely on
/// (a driving licence, a smartphone, a home). Ticked without a severity,
/// never counted as a need.
pub const RESOURCES: &[(&str, &str)] = &[
    ("mobilite", "Permis B"),
    ("mobilite", "Autres permis (poids lourd, bus, …)"),
    ("mobilite", "Code obtenu"),
    ("mobilite", "Véhicule (voiture, moto, scooter)"),
    ("mobilite", "Vélo ou trottinette électrique"),
    ("mobilite", "Co-voiturage"),
    ("numerique", "Dispose d'un ordinateur"),
    ("numerique", "Dispose d'un smartphone"),
    ("numerique", "Dispose d'une tablette"),
    ("trouver-un-emploi", "Inscrit à France Travail"),
    ("trouver-un-emploi", "Disponible immédiatement"),
    ("trouver-un-emploi", "Disponible à temps partiel"),
    ("se-former", "Prêt à suivre une formation"),
    ("se-former", "A déjà identifié une formation"),
    ("logement-hebergement", "Locataire du parc social"),
    ("logement-hebergement", "Locataire du parc privé"),
    ("logement-hebergement", "Propriétaire"),
];

/// A checklist item: (category code, label).
type Item = (&'static str, &'static str);

/// Checklist items since renamed or moved: then and now.
const RENAMED: &[(Item, Item)] = &[
    (
        ("trouver-un-emploi", "Inscrit à Pôle emploi"),
        ("trouver-un-emploi", "Inscrit à France Travail"),
    ),
    (
        ("trouver-un-emploi", "Prêt  à suivre une formation"),
        ("se-former", "Prêt à suivre une formation"),
    ),
];

/// A checklist item as it reads today (France Travail, not Pôle emploi).
pub fn current_item<'a>(category: &'a str, label: &'a str) -> (&'a str, &'a str) {
    RENAMED
        .iter()
        .find(|(then, _)| *then == (category, label))
        .map_or((category, label), |(_, now)| *now)
}

/// Whether a ticked item is a resource rather than a barrier.
pub fn is_resource(category: &str, label: &str) -> bool {
    RESOURCES.iter().any(|(c, l)| *c == category && *l == label)
}

pub fn resources_of(category: &str) -> impl Iterator<Item = &'static str> + '_ {
    RESOURCES
        .iter()
        .filter(move |(c, _)| *c == category)
        .map(|(_, label)| *label)
}

/// Objectives by category, suggested when writing a contract.
pub const OBJECTIVES: &[(&str, &str)] = &[
    ("famille", "Trouver des solutions de garde d’enfant"),
    ("famille", "Obtenir le statut d’aidant familial"),
    ("famille", "Rompre l’isolement"),
    (
        "famille",
        "Faire face à la prise en charge d’une personne dépendante",
    ),
    (
        "famille",
        "Surmonter des difficultés éducatives ou de parentalité",
    ),
    (
        "famille",
        "Faire face à un conflit familial et/ou une séparation",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Bénéficier d’un appui aux démarches administratives",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Bénéficier d'un accompagnement à l'accès à la citoyenneté",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Bénéficier d’un accompagnement pour accéder aux droits",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Bénéficier d'une mesure d'accompagnement adapté",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Prendre en compte une problématique judiciaire",
    ),
    (
        "difficultes-administratives-ou-juridiques",
        "Connaître les voies de recours face à une discrimination",
    ),
    (
        "difficultes-financieres",
        "Faire face à une situation d'endettement / surendettement",
    ),
    ("difficultes-financieres", "Améliorer sa gestion budgétaire"),
    (
        "difficultes-financieres",
        "Acquérir une autonomie budgétaire",
    ),
    (
        "difficultes-financieres",
        "Mettre en place une mesure de protection financières (tutelles, curatelles, …)",
    ),
    (
        "difficultes-financieres",
        "Prévenir une dégradation de la situation financière",
    ),
    ("trouver-un-emploi", "Répondre à des offres d'emploi"),
    ("trouver-un-emploi", "Faire des candidatures spontanées"),
    (
        "trouver-un-emploi",
        "Suivre ses candidatures et relancer les recruteurs",
    ),
    ("trouver-un-emploi", "Convaincre et recruter en entretien"),
    ("creer-une-entreprise", "Développer son entreprise"),
    (
        "creer-une-entreprise",
        "Définir son projet de création d'entreprise",
    ),
    (
        "creer-une-entreprise",
        "Structurer son projet de création d'entreprise",
    ),
    ("choisir-un-metier", "Confirmer son choix de métier"),
    ("choisir-un-metier", "Connaître les opportunités d'emploi"),
    (
        "choisir-un-metier",
        "Identifier ses points forts et ses compétences",
    ),
    (
        "choisir-un-metier",
        "Découvrir un métier ou un secteur d'activité",
    ),
    ("se-former", "Monter son dossier de formation"),
    ("se-former", "Trouver sa formation"),
    (
        "logement-hebergement",
        "S'informer sur les démarches liées au logement (budget, état des lieux… )",
    ),
    ("logement-hebergement", "Se maintenir dans le logement"),
    ("logement-hebergement", "Changer de logement"),
    ("logement-hebergement", "Accéder à un logement"),
    ("logement-hebergement", "Réduire les impayés de loyer"),
    (
        "logement-hebergement",
        "Rechercher une solution d’hébergement temporaire",
    ),
    (
        "lecture-ecriture-calcul",
        "Apprendre / Améliorer ses capacités en français",
    ),
    (
        "lecture-ecriture-calcul",
        "Apprendre / Améliorer ses capacités en calcul",
    ),
    ("mobilite", "Accéder à un véhicule"),
    ("mobilite", "Faire un point complet sur sa mobilité"),
    (
        "mobilite",
        "Trouver une solution de transport (hors acquisition ou entretien de véhicule)",
    ),
    (
        "mobilite",
        "Obtenir le permis de conduire (code / conduite)",
    ),
    ("mobilite", "Entretenir ou réparer son véhicule"),
    ("mobilite", "Travailler la mobilité psychologique"),
    (
        "sante",
        "Bénéficier d’un accompagnement pour accéder aux droits et/ou aux soins",
    ),
    (
        "sante",
        "Travailler sur les comportements de santé (dépendances, hygiène corporelle, dépistage, …)",
    ),
    ("sante", "Constituer un dossier MDPH/invalidité"),
    (
        "preparer-sa-candidature",
        "Réaliser un CV et/ou une lettre de motivation",
    ),
    ("preparer-sa-candidature", "Valoriser ses compétences"),
    ("preparer-sa-candidature", "Développer son réseau"),
    (
        "preparer-sa-candidature",
        "Organiser ses démarches de recherche d'emploi",
    ),
    ("numerique", "Accéder à des services en ligne"),
    ("numerique", "Maitriser les fondamentaux du numérique"),
    ("numerique", "Accéder à une connexion internet"),
    (
        "numerique",
        "Accéder à un ordinateur, une tablette ou un smartphone",
    ),
    (
        "souvrir-a-linternational",
        "Connaître les opportunités d'emploi à l'étranger",
    ),
    (
        "souvrir-a-linternational",
        "S'informer sur les aides pour travailler à l'étranger",
    ),
    (
        "souvrir-a-linternational",
        "S'organiser suite à son retour en France",
    ),
];

pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

pub fn thematique_label(code: &str) -> Option<&'static str> {
    THEMATIQUES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, label)| *label)
}

/// The category of a thématique code (`mobilite--preparer-un-permis` → `mobilite`).
pub fn category_of(thematique: &str) -> Option<&'static Category> {
    category(thematique.split("--").next()?)
}

pub fn barriers_of(category: &str) -> impl Iterator<Item = &'static str> + '_ {
    BARRIERS
        .iter()
        .filter(move |(c, _)| *c == category)
        .map(|(_, label)| *label)
}

pub fn objectives_of(category: &str) -> impl Iterator<Item = &'static str> + '_ {
    OBJECTIVES
        .iter()
        .filter(move |(c, _)| *c == category)
        .map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_categories_and_every_reference_maps_to_one() {
        assert_eq!(CATEGORIES.len(), 16);
        assert_eq!(THEMATIQUES.len(), 69);
        for (code, _) in THEMATIQUES {
            assert!(category_of(code).is_some(), "{code}");
        }
        for (code, _) in BARRIERS.iter().chain(OBJECTIVES) {
            assert!(category(code).is_some(), "{code}");
        }
        assert_eq!(
            thematique_label("mobilite--preparer-un-permis"),
            Some("Préparer un permis")
        );
        assert!(category("sante").unwrap().sensitive);
        assert!(barriers_of("mobilite").count() > 5);
    }
}
