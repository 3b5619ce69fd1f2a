//! Demo catalogue: the Calvados partner structures and about forty insertion
//! actions drawn from the source documents (Plaine Emploi's weekly workshop
//! « Les bons vivants » with its cultural outings, USDA Sud's monthly hike,
//! ENEFA Normandie's workshops on everyday life…), with their funding lines.
//! Tables below, builders after them; everything goes through the domain's
//! parsers, as a form would.

use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, ContactInput, FundingData, FundingInput,
    PracticalInput, StructureData, StructureInput,
};
use parcours_domain::eligibility::EligibilityInput;
use parcours_domain::fse_report::{OperationData, OperationInput};
use parcours_domain::schedule::ScheduleInput;
use parcours_store::{Actor, Store, StoreError};
use time::{Date, Duration, Weekday};
use uuid::Uuid;

/// A partner structure, as its chargé de mission would type it.
struct StructureRow {
    name: &'static str,
    /// `OrganisationKind` code.
    kind: &'static str,
    siret: &'static str,
    /// data·inclusion réseau porteur ("" for none).
    network: &'static str,
    /// INSEE code of a demo commune.
    commune: &'static str,
    address: &'static str,
    contact: &'static str,
    phone: &'static str,
    email: &'static str,
    website: &'static str,
    description: &'static str,
}

const PLAINE: &str = "Plaine Emploi";
const ENEFA: &str = "ENEFA Normandie";
const USDA: &str = "USDA Sud — circonscription d'action sociale";
const CCAS_BAYEUX: &str = "CCAS de Bayeux";
const JARDINS: &str = "Les Jardins de la Prairie";
const TREMPLIN: &str = "Tremplin Jeunes 14";
const MOBILITES: &str = "Mobilités solidaires du Calvados";
const HABITAT: &str = "Habitat et Solidarité Pays d'Auge";
const PARENTHESE: &str = "Centre de psychologie Parenthèse";
const SAVOIRS: &str = "Savoirs pour tous";
const PAS_DE_COTE: &str = "Centre social Le Pas de Côté";
const ENTRAIDE: &str = "Entraide falaisienne";

const STRUCTURES: &[StructureRow] = &[
    StructureRow {
        name: PLAINE,
        kind: "association",
        siret: "41807652700021",
        network: "",
        commune: "14118",
        address: "23 rue de la Délivrande",
        contact: "Paul Opérateur",
        phone: "02 31 44 17 52",
        email: "contact@plaine-emploi.fr",
        website: "https://www.plaine-emploi.fr",
        description: "Association d'insertion de Caen : ateliers manuels et de jardinage, sorties culturelles et accompagnement individuel des bénéficiaires du RSA.",
    },
    StructureRow {
        name: ENEFA,
        kind: "association",
        siret: "81432907400011",
        network: "",
        commune: "14118",
        address: "11 avenue de Tourville",
        contact: "Véronique Tranchant",
        phone: "02 31 85 40 26",
        email: "accueil@enefa-normandie.fr",
        website: "https://www.enefa-normandie.fr",
        description: "Accueillir, écouter, conseiller et accompagner des personnes peu ou non qualifiées : ateliers, sorties et rencontres autour du quotidien (cuisine, informatique, budget, démarches, logement, santé, parentalité, créativité).",
    },
    StructureRow {
        name: USDA,
        kind: "department_service",
        siret: "22140001301520",
        network: "departements",
        commune: "14118",
        address: "4 place de la Guérinière",
        contact: "Accueil de l'USDA Sud",
        phone: "02 31 35 62 10",
        email: "usda-sud@calvados.fr",
        website: "",
        description: "Unité sociale du Département pour le sud de Caen : accueil, accompagnement social des bénéficiaires du RSA et actions collectives de proximité.",
    },
    StructureRow {
        name: CCAS_BAYEUX,
        kind: "ccas",
        siret: "26140047700012",
        network: "ccas-cias",
        commune: "14047",
        address: "3 rue des Cuisiniers",
        contact: "Service insertion du CCAS",
        phone: "02 31 51 60 38",
        email: "insertion@ccas-bayeux.fr",
        website: "",
        description: "Centre communal d'action sociale de Bayeux : accueil, aides facultatives et accompagnement social des bénéficiaires du RSA de la commune.",
    },
    StructureRow {
        name: JARDINS,
        kind: "siae",
        siret: "51238841400033",
        network: "aci",
        commune: "14341",
        address: "Chemin de la Vallée",
        contact: "Nadia Opératrice",
        phone: "02 31 73 28 94",
        email: "contact@jardins-prairie.fr",
        website: "https://www.jardins-prairie.fr",
        description: "Atelier et chantier d'insertion en maraîchage biologique à Ifs : jardin partagé, découverte des métiers des espaces verts, paniers de légumes.",
    },
    StructureRow {
        name: TREMPLIN,
        kind: "association",
        siret: "77592130700028",
        network: "",
        commune: "14327",
        address: "2 place du Marché",
        contact: "Julien Marie",
        phone: "02 31 47 93 05",
        email: "sajd@tremplin-jeunes14.fr",
        website: "https://www.tremplin-jeunes14.fr",
        description: "Service d'aide aux jeunes en difficulté (SAJD) de l'agglomération caennaise : accompagnement des 18–25 ans vers un logement, des soins, une formation ou un emploi.",
    },
    StructureRow {
        name: MOBILITES,
        kind: "association",
        siret: "83971264300015",
        network: "",
        commune: "14437",
        address: "18 rue Émile-Zola",
        contact: "Thomas Guérin",
        phone: "02 31 82 56 71",
        email: "contact@mobilites-solidaires14.fr",
        website: "https://www.mobilites-solidaires14.fr",
        description: "Plateforme de mobilité du Calvados : conseil en mobilité, auto-école sociale, location de voitures et de scooters, garage solidaire, ateliers vélo.",
    },
    StructureRow {
        name: HABITAT,
        kind: "association",
        siret: "39274518800046",
        network: "",
        commune: "14366",
        address: "12 rue Henry-Chéron",
        contact: "Élise Bertin",
        phone: "02 31 62 14 89",
        email: "accueil@habitat-solidarite-auge.fr",
        website: "",
        description: "Association d'accès et de maintien dans le logement en Pays d'Auge : accompagnement individuel, ateliers collectifs, chantiers d'auto-réhabilitation.",
    },
    StructureRow {
        name: PARENTHESE,
        kind: "other",
        siret: "88123570900014",
        network: "",
        commune: "14118",
        address: "31 rue Écuyère",
        contact: "Camille Dufour, psychologue",
        phone: "02 31 86 27 43",
        email: "rdv@centre-parenthese.fr",
        website: "",
        description: "Centre de psychologues : entretiens individuels et groupes de parole pour les personnes en parcours d'insertion, à Caen et en visioconférence.",
    },
    StructureRow {
        name: SAVOIRS,
        kind: "association",
        siret: "44936021300028",
        network: "anlci",
        commune: "14366",
        address: "9 rue d'Orbiquet",
        contact: "Martine Leroux",
        phone: "02 31 31 72 06",
        email: "contact@savoirs-pour-tous.fr",
        website: "https://www.savoirs-pour-tous.fr",
        description: "Association de lutte contre l'illettrisme : ateliers de français, de calcul et de numérique pour adultes, à Lisieux et Honfleur.",
    },
    StructureRow {
        name: PAS_DE_COTE,
        kind: "association",
        siret: "78201549900018",
        network: "fcsf",
        commune: "14762",
        address: "4 rue du Calvados",
        contact: "Stéphane Hamel",
        phone: "02 31 68 09 57",
        email: "accueil@lepasdecote-vire.fr",
        website: "",
        description: "Centre social de Vire Normandie : espace de dynamisation, accompagnement social individualisé, sorties familiales.",
    },
    StructureRow {
        name: ENTRAIDE,
        kind: "association",
        siret: "53208876200010",
        network: "",
        commune: "14258",
        address: "8 rue Trinité",
        contact: "Gérard Lemonnier",
        phone: "02 31 90 45 18",
        email: "bonjour@entraide-falaisienne.fr",
        website: "",
        description: "Association d'entraide du pays de Falaise : repair café, bénévolat accompagné, rencontres entre habitants.",
    },
];

/// Who an action is for (see `EligibilityInput`); "" means no rule.
#[derive(Clone, Copy)]
struct Rules {
    min_age: &'static str,
    max_age: &'static str,
    publics: &'static [&'static str],
    orientations: &'static [&'static str],
    contract_required: bool,
    communes: &'static str,
    margin_places: &'static str,
}

const ANYONE: Rules = Rules {
    min_age: "",
    max_age: "",
    publics: &[],
    orientations: &[],
    contract_required: false,
    communes: "",
    margin_places: "",
};
const RSA: Rules = Rules {
    publics: &["rsa"],
    ..ANYONE
};
/// Mainly RSA beneficiaries, a couple of places for other people in precarity.
const RSA_AND_MARGIN: Rules = Rules {
    margin_places: "2",
    ..RSA
};
const RSA_SOCIAL: Rules = Rules {
    orientations: &["social", "socio_professional"],
    ..RSA
};
const RSA_WITH_CONTRACT: Rules = Rules {
    contract_required: true,
    ..RSA
};
const YOUNG: Rules = Rules {
    min_age: "18",
    max_age: "25",
    publics: &["jeune_18_25"],
    ..ANYONE
};

/// When an action meets: weekdays as OpenStreetMap writes them (Mo, Tu…).
#[derive(Clone, Copy)]
enum When {
    Appointment,
    Weekly(&'static [&'static str], &'static str, &'static str),
    Fortnightly(&'static str, &'static str, &'static str),
    /// Day, week of the month (5: the last), start, end.
    Monthly(&'static str, u8, &'static str, &'static str),
}

/// One funding line; an empty `fse_operation` means no FSE+ co-financing.
#[derive(Clone, Copy)]
struct Fund {
    kind: &'static str,
    funder: &'static str,
    year: &'static str,
    euros: &'static str,
    contract_number: &'static str,
    lot: &'static str,
    fse_operation: &'static str,
}

const DEPARTMENT: &str = "Département du Calvados";
const STATE: &str = "État (Pacte local des solidarités)";
const CAF: &str = "CAF du Calvados";

/// A lot of one of the Département's public procurement contracts.
const fn procurement(
    contract_number: &'static str,
    lot: &'static str,
    year: &'static str,
    euros: &'static str,
    fse_operation: &'static str,
) -> Fund {
    Fund {
        kind: "procurement",
        funder: DEPARTMENT,
        year,
        euros,
        contract_number,
        lot,
        fse_operation,
    }
}

const fn subsidy(
    funder: &'static str,
    year: &'static str,
    euros: &'static str,
    fse_operation: &'static str,
) -> Fund {
    Fund {
        kind: "subsidy",
        funder,
        year,
        euros,
        contract_number: "",
        lot: "",
        fse_operation,
    }
}

/// An action of the catalogue; the contact's phone and email are the structure's.
#[derive(Clone, Copy)]
struct ActionRow {
    structure: &'static str,
    name: &'static str,
    family: &'static str,
    thematiques: &'static [&'static str],
    service_type: &'static str,
    format: &'static str,
    publics: &'static [&'static str],
    rules: Rules,
    /// Places ("" when the action has no limit) and their period.
    capacity: &'static str,
    capacity_period: &'static str,
    reception: &'static [&'static str],
    /// INSEE code and address when the action is not held at the structure.
    place: Option<(&'static str, &'static str)>,
    weekly_hours: &'static str,
    duration_weeks: &'static str,
    self_referral: bool,
    starts_on: &'static str,
    /// Days from today to the action's last day (negative: already over).
    ends_in_days: Option<i64>,
    when: When,
    contact: &'static str,
    how_to_apply: &'static str,
    description: &'static str,
    status: ActionStatus,
    funding: &'static [Fund],
}

const ON_SITE: &[&str] = &["en-presentiel"];
const ON_SITE_OR_REMOTE: &[&str] = &["en-presentiel", "a-distance"];
const MINIMA: &[&str] = &["beneficiaires-des-minimas-sociaux"];

const ASK_REFERENT: &str = "Parlez-en à votre référent RSA : il vous inscrit et l'action est notée dans votre contrat. Vous pouvez aussi appeler la structure pour venir voir une séance avant de vous décider.";
const ASK_DIRECTLY: &str = "Vous pouvez vous inscrire directement par téléphone ou par courriel, ou passer nous voir. Prévenez votre référent RSA : l'action peut compter dans votre contrat.";
const ASK_APPOINTMENT: &str = "Appelez ou écrivez à la structure pour fixer un premier rendez-vous. Votre référent RSA peut aussi faire la demande pour vous.";
const ASK_PRESCRIPTION: &str = "Sur prescription de votre référent RSA, après un entretien de présentation avec la structure. Une liste d'attente est tenue quand le groupe est complet.";

/// A collective workshop (a session's places), mostly for RSA beneficiaries.
const WORKSHOP: ActionRow = ActionRow {
    structure: "",
    name: "",
    family: "",
    thematiques: &[],
    service_type: "atelier",
    format: "collective",
    publics: MINIMA,
    rules: RSA_AND_MARGIN,
    capacity: "10",
    capacity_period: "session",
    reception: ON_SITE,
    place: None,
    weekly_hours: "",
    duration_weeks: "",
    self_referral: true,
    starts_on: "2025-09-01",
    ends_in_days: None,
    when: When::Appointment,
    contact: "",
    how_to_apply: ASK_DIRECTLY,
    description: "",
    status: ActionStatus::Published,
    funding: &[],
};

/// Individual support on appointment, places counted over the year.
const SUPPORT: ActionRow = ActionRow {
    service_type: "accompagnement",
    format: "individual",
    rules: RSA,
    capacity: "40",
    capacity_period: "year",
    self_referral: false,
    starts_on: "2025-01-06",
    how_to_apply: ASK_APPOINTMENT,
    ..WORKSHOP
};

const ACTIONS: &[ActionRow] = &[
    // Plaine Emploi (Caen)
    ActionRow {
        structure: PLAINE,
        name: "Les bons vivants : atelier manuel et jardinage",
        family: "aps",
        thematiques: &["remobilisation--lien-social", "remobilisation--activites-sportives-et-culturelles", "remobilisation--bien-etre-confiance-en-soi"],
        capacity: "12",
        capacity_period: "continuous",
        weekly_hours: "3",
        starts_on: "2025-09-02",
        when: When::Weekly(&["Tu"], "09:00", "12:00"),
        contact: "Paul Opérateur",
        how_to_apply: ASK_REFERENT,
        description: "Chaque mardi matin, un petit groupe se retrouve à l'association pour jardiner, bricoler et fabriquer des objets. Une fois par mois, une journée de sortie culturelle est proposée en plus : musée, exposition, spectacle. On avance à son rythme, on discute, on crée des liens et on reprend l'habitude de sortir de chez soi. Aucune compétence n'est demandée, les outils et les tenues sont prêtés.",
        funding: &[
            procurement("2025-DI-014", "1", "2025", "38000", "202501234"),
            procurement("2025-DI-014", "1", "2026", "39500", "202501234"),
        ],
        ..WORKSHOP
    },
    ActionRow {
        structure: PLAINE,
        name: "Coup de main : bricolage et petites réparations",
        family: "aps",
        thematiques: &["remobilisation--lien-social", "equipement-et-alimentation--aide-menagere"],
        capacity: "8",
        weekly_hours: "1,25",
        starts_on: "2026-01-08",
        when: When::Fortnightly("Th", "14:00", "16:30"),
        contact: "Paul Opérateur",
        description: "Un jeudi sur deux, apprenez à réparer une prise, changer un joint, monter un meuble ou repeindre une pièce. Chacun peut apporter un petit objet à réparer ou une question sur son logement. Les séances se font en petit groupe, avec un animateur technique, dans l'atelier de l'association. C'est l'occasion de gagner en autonomie chez soi et de reprendre confiance dans ce qu'on sait faire de ses mains.",
        funding: &[subsidy(DEPARTMENT, "2026", "12000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: PLAINE,
        name: "Accompagnement social individualisé — Plaine Emploi",
        family: "asi",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits", "sante--acces-aux-soins"],
        rules: Rules { contract_required: true, ..RSA_SOCIAL },
        capacity: "30",
        contact: "Paul Opérateur",
        description: "Un accompagnateur vous reçoit seul à seul, toutes les deux ou trois semaines, pour avancer sur ce qui vous freine au quotidien : santé, papiers, logement, organisation, confiance en soi. Ensemble, vous fixez des objectifs simples et vous faites le point à chaque rendez-vous. L'accompagnement dure le temps de votre contrat et se fait en lien avec votre référent RSA.",
        funding: &[procurement("2025-DI-014", "5", "2026", "42000", "")],
        ..SUPPORT
    },
    // ENEFA Normandie (Caen): workshops on everyday life
    ActionRow {
        structure: ENEFA,
        name: "Petits budgets, bons plats : atelier cuisine",
        family: "mobilisation-entraide",
        thematiques: &["equipement-et-alimentation--alimentation", "remobilisation--lien-social"],
        weekly_hours: "4",
        when: When::Weekly(&["Mo"], "09:30", "13:30"),
        contact: "Véronique Tranchant",
        description: "Le lundi matin, on choisit ensemble un menu de saison, on fait les courses avec un petit budget puis on cuisine et on partage le repas. Vous repartez avec les recettes et des astuces pour bien manger sans dépenser plus : produits de saison, restes, conservation. L'atelier est ouvert à tous les niveaux, dans la bonne humeur.",
        funding: &[procurement("2025-DI-014", "2", "2026", "24000", "202501240")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Premiers clics : atelier numérique",
        family: "mobilisation-entraide",
        thematiques: &["numerique--maitriser-les-fondamentaux-du-numerique", "numerique--acceder-a-des-services-en-ligne"],
        service_type: "formation",
        capacity: "8",
        weekly_hours: "2",
        duration_weeks: "10",
        when: When::Weekly(&["We"], "14:00", "16:00"),
        contact: "Véronique Tranchant",
        description: "En dix séances, apprenez à vous servir d'un ordinateur et d'un téléphone : créer et relever une adresse électronique, naviguer sur internet, ouvrir une pièce jointe, scanner un document, vous connecter à votre espace CAF ou France Travail. Chacun a un poste, on va doucement et on refait autant que nécessaire. Aucun matériel à apporter.",
        funding: &[procurement("2025-DI-014", "2", "2026", "16500", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Mon budget, mes choix : atelier budget",
        family: "mobilisation-entraide",
        thematiques: &["difficultes-financieres--ameliorer-sa-gestion-budgetaire", "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"],
        weekly_hours: "1",
        when: When::Fortnightly("Tu", "14:00", "16:00"),
        contact: "Véronique Tranchant",
        description: "Un mardi sur deux, un petit groupe fait le point sur le budget du foyer : lire ses factures, repérer les dépenses qui pèsent, comparer les offres d'énergie ou de téléphone, éviter les crédits coûteux. Les échanges restent entre les participants. Si vous avez des dettes, l'animatrice vous oriente vers un point conseil budget pour un rendez-vous individuel.",
        funding: &[subsidy(CAF, "2026", "9500", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Papiers en ordre : atelier démarches administratives",
        family: "mobilisation-entraide",
        thematiques: &["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives", "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
        capacity: "8",
        weekly_hours: "2,5",
        when: When::Weekly(&["Th"], "09:30", "12:00"),
        contact: "Véronique Tranchant",
        description: "Le jeudi matin, venez avec vos courriers et vos questions : déclaration trimestrielle, dossier de complémentaire santé, impôts, carte d'identité, chèque énergie. On apprend à classer ses papiers, à comprendre un courrier et à faire les démarches en ligne, seul la fois suivante. Un animateur et une bénévole vous aident en petit groupe.",
        funding: &[procurement("2025-DI-014", "2", "2026", "18000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Chez moi, bien chez moi : atelier logement",
        family: "mobilisation-entraide",
        thematiques: &["logement-hebergement--se-maintenir-dans-le-logement", "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"],
        capacity: "12",
        when: When::Monthly("Tu", 3, "09:30", "12:00"),
        contact: "Véronique Tranchant",
        description: "Une matinée par mois pour parler logement : faire une demande de logement social, comprendre son bail et ses charges, réduire sa facture d'énergie, savoir à qui s'adresser en cas de problème avec le propriétaire. Des partenaires, bailleurs ou associations, viennent répondre aux questions du groupe.",
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Prendre soin de soi : atelier santé",
        family: "espaces-dynamisation",
        thematiques: &["sante--acces-aux-soins", "remobilisation--bien-etre-confiance-en-soi"],
        weekly_hours: "1",
        when: When::Fortnightly("Fr", "09:30", "11:30"),
        contact: "Véronique Tranchant",
        description: "Un vendredi sur deux, un temps d'échange sur la santé au quotidien : sommeil, alimentation, stress, droits à la complémentaire santé, bilan de santé gratuit, trouver un médecin traitant. Une infirmière ou une diététicienne intervient selon les thèmes choisis par le groupe. On y vient aussi pour se poser et prendre du temps pour soi.",
        funding: &[subsidy(STATE, "2026", "14000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Parents en chemin : atelier parentalité",
        family: "mobilisation-entraide",
        thematiques: &["famille--soutien-a-la-parentalite-et-a-leducation", "famille--garde-denfants"],
        publics: &["beneficiaires-des-minimas-sociaux", "familles"],
        rules: Rules { publics: &["rsa", "parent_isole"], margin_places: "3", ..ANYONE },
        weekly_hours: "2",
        when: When::Weekly(&["Tu"], "09:00", "11:00"),
        contact: "Véronique Tranchant",
        description: "Pendant le temps scolaire, des parents se retrouvent pour échanger sur la vie de famille : rythmes et sommeil, écrans, école, relation avec les adolescents, solutions de garde pour reprendre une activité. Une éducatrice de jeunes enfants anime le groupe. Les plus petits peuvent être accueillis dans la salle d'à côté pendant la séance.",
        funding: &[subsidy(CAF, "2026", "11000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Mains créatives : atelier créativité",
        family: "espaces-dynamisation",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "remobilisation--lien-social"],
        weekly_hours: "2,5",
        when: When::Weekly(&["Fr"], "14:00", "16:30"),
        contact: "Véronique Tranchant",
        description: "Couture, peinture, mosaïque, récupération : chaque vendredi après-midi, on crée à partir de matériaux simples, seul ou à plusieurs. Pas besoin de savoir dessiner. Les créations sont exposées une fois par an à la médiathèque du quartier. C'est un moment pour se faire plaisir, rencontrer d'autres personnes et retrouver l'envie de faire quelque chose.",
        funding: &[procurement("2025-DI-014", "2", "2026", "15000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Bouger dans l'agglomération : atelier mobilité",
        family: "mobilite",
        thematiques: &["mobilite--mobilite-douce-partagee-collective", "mobilite--etre-accompagne-dans-son-parcours-mobilite"],
        service_type: "information",
        capacity: "12",
        when: When::Monthly("We", 1, "09:30", "12:00"),
        contact: "Véronique Tranchant",
        description: "Le premier mercredi du mois, apprenez à vous déplacer dans l'agglomération : lire un plan de bus et de tram, acheter un titre de transport, connaître la tarification solidaire, préparer un trajet vers un rendez-vous. La séance se termine par un trajet en tram fait ensemble.",
        ..WORKSHOP
    },
    ActionRow {
        structure: ENEFA,
        name: "Cafés rencontres du mercredi",
        family: "mobilisation-entraide",
        thematiques: &["remobilisation--lien-social"],
        rules: ANYONE,
        capacity: "",
        starts_on: "2025-01-08",
        when: When::Weekly(&["We"], "10:00", "11:30"),
        contact: "Véronique Tranchant",
        description: "Un café chaque mercredi matin, sans inscription, pour discuter, découvrir les ateliers de l'association et rencontrer d'autres habitants du quartier. L'animatrice présente à chaque fois un atelier ou une sortie à venir. Cette formule a été remplacée par les ateliers thématiques de l'association.",
        status: ActionStatus::Archived,
        ..WORKSHOP
    },
    // USDA Sud (Département)
    ActionRow {
        structure: USDA,
        name: "Randonnée mensuelle des bénéficiaires du RSA",
        family: "mobilisation-entraide",
        thematiques: &["remobilisation--activites-sportives-et-culturelles", "remobilisation--bien-etre-confiance-en-soi", "remobilisation--lien-social"],
        rules: RSA,
        capacity: "15",
        place: Some(("14118", "Départ : parking de la place de la Guérinière")),
        starts_on: "2025-03-13",
        when: When::Monthly("Th", 2, "09:30", "16:30"),
        contact: "Accueil de l'USDA Sud",
        how_to_apply: "Inscrivez-vous auprès de votre référent ou en appelant l'accueil de l'USDA Sud, au plus tard le lundi qui précède. Prévoyez de bonnes chaussures et un pique-nique ; le transport en minibus est assuré depuis le point de départ.",
        description: "Le deuxième jeudi du mois, une journée de marche d'environ dix kilomètres, à un rythme tranquille, sur les chemins du Calvados : bord de mer, Suisse normande, marais. Le minibus part de la Guérinière et ramène le groupe en fin d'après-midi. On sort de son quartier, on voit des paysages, d'autres gens, et on profite du silence. Beaucoup reviennent chaque mois.",
        ..WORKSHOP
    },
    ActionRow {
        structure: USDA,
        name: "Accompagnement social des bénéficiaires du RSA",
        family: "accompagnement-social",
        thematiques: &["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits", "logement-hebergement--se-maintenir-dans-le-logement", "sante--acces-aux-soins"],
        rules: Rules { orientations: &["social"], ..RSA },
        capacity: "",
        contact: "Accueil de l'USDA Sud",
        how_to_apply: "Cet accompagnement est proposé après une orientation sociale décidée par le Département. Pour toute question, appelez l'accueil de l'USDA Sud.",
        description: "Une assistante sociale devient votre référente : elle fait avec vous le point sur votre situation (logement, santé, famille, ressources, démarches), vous aide à construire votre contrat d'engagement réciproque et vous oriente vers les actions d'insertion qui correspondent à votre projet. Les rendez-vous ont lieu à l'USDA ou à domicile si besoin.",
        ..SUPPORT
    },
    ActionRow {
        structure: USDA,
        name: "Réunion d'information : droits et devoirs du RSA",
        family: "accompagnement-social",
        thematiques: &["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
        service_type: "information",
        publics: &["tous-publics"],
        rules: ANYONE,
        capacity: "20",
        when: When::Monthly("Mo", 5, "14:00", "16:00"),
        contact: "Accueil de l'USDA Sud",
        description: "Une réunion de deux heures, le dernier lundi du mois, pour comprendre le RSA : le montant et la déclaration trimestrielle, l'orientation, le référent, le contrat d'engagement, les aides auxquelles vous avez droit et les actions d'insertion proposées dans le Calvados. Vous pouvez poser toutes vos questions, et venir accompagné.",
        ..WORKSHOP
    },
    // CCAS de Bayeux
    ActionRow {
        structure: CCAS_BAYEUX,
        name: "Accompagnement social — CCAS de Bayeux",
        family: "accompagnement-social",
        thematiques: &["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits", "difficultes-financieres--ameliorer-sa-gestion-budgetaire", "famille--soutien-a-la-parentalite-et-a-leducation"],
        rules: Rules { orientations: &["social"], communes: "14047", ..RSA },
        capacity: "60",
        contact: "Service insertion du CCAS",
        description: "Pour les bénéficiaires du RSA qui habitent Bayeux, un travailleur social du CCAS vous accompagne pendant toute la durée de votre contrat : bilan de votre situation, démarches d'accès aux droits, budget, santé, logement, vie familiale. Il vous aide à définir vos objectifs et vous oriente vers les actions du Bessin qui vous conviennent.",
        funding: &[subsidy(DEPARTMENT, "2026", "48000", "")],
        ..SUPPORT
    },
    ActionRow {
        structure: CCAS_BAYEUX,
        name: "Épicerie sociale et atelier cuisine du jeudi",
        family: "mobilisation-entraide",
        thematiques: &["equipement-et-alimentation--alimentation", "remobilisation--lien-social"],
        service_type: "aide-materielle",
        publics: &["beneficiaires-des-minimas-sociaux", "familles"],
        rules: Rules { publics: &["rsa", "autre_minimum_social", "parent_isole"], communes: "14047", ..ANYONE },
        capacity: "40",
        capacity_period: "continuous",
        self_referral: false,
        when: When::Weekly(&["Th"], "09:30", "12:00"),
        contact: "Service insertion du CCAS",
        how_to_apply: "L'accès à l'épicerie est accordé pour trois mois renouvelables, après un entretien avec un travailleur social du CCAS ou votre référent RSA.",
        description: "L'épicerie sociale vend des produits alimentaires et d'hygiène à environ 20 % de leur prix. Le jeudi matin, un atelier cuisine est proposé avec les produits de l'épicerie : on prépare un plat, on le goûte ensemble et on échange des idées de repas. L'économie réalisée sert à un projet choisi avec le travailleur social : régler une facture, passer le permis.",
        funding: &[subsidy(STATE, "2026", "20000", "")],
        ..WORKSHOP
    },
    // Les Jardins de la Prairie (atelier chantier d'insertion, Ifs)
    ActionRow {
        structure: JARDINS,
        name: "Jardin partagé : jardinage et travaux manuels",
        family: "aps",
        thematiques: &["remobilisation--lien-social", "remobilisation--bien-etre-confiance-en-soi", "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite"],
        capacity: "10",
        capacity_period: "continuous",
        weekly_hours: "3",
        starts_on: "2025-04-03",
        when: When::Weekly(&["Th"], "14:00", "17:00"),
        contact: "Nadia Opératrice",
        how_to_apply: ASK_REFERENT,
        description: "Chaque jeudi après-midi, vous cultivez une parcelle du jardin partagé avec d'autres participants et un encadrant maraîcher : semis, plantations, récoltes, entretien des outils, petite menuiserie pour les bacs et les abris. Les légumes sont partagés entre les jardiniers. On travaille dehors, en équipe, et on apprend à s'organiser sur une saison.",
        funding: &[procurement("2025-DI-014", "3", "2026", "26000", "202501238")],
        ..WORKSHOP
    },
    ActionRow {
        structure: JARDINS,
        name: "Découverte du chantier d'insertion en maraîchage",
        family: "mobilisation-entraide",
        thematiques: &["choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite", "choisir-un-metier--identifier-ses-points-forts-et-ses-competences"],
        rules: Rules { orientations: &["socio_professional"], contract_required: true, ..RSA },
        capacity: "6",
        weekly_hours: "10,5",
        duration_weeks: "4",
        self_referral: false,
        starts_on: "2026-02-02",
        when: When::Weekly(&["Mo", "Tu", "Th"], "08:30", "12:00"),
        contact: "Nadia Opératrice",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Quatre semaines pour découvrir le travail en chantier d'insertion, trois matinées par semaine : cultures sous serre et en plein champ, préparation des paniers, vente au marché. Un encadrant technique vous guide et fait le point avec vous chaque semaine sur vos compétences et vos envies. À la fin, un bilan écrit vous aide à décider de la suite : contrat au chantier, formation ou autre piste.",
        funding: &[
            procurement("2025-DI-014", "4", "2026", "31000", "202501239"),
            subsidy(STATE, "2026", "8000", ""),
        ],
        ..WORKSHOP
    },
    ActionRow {
        structure: JARDINS,
        name: "Cuisiner les légumes du jardin",
        family: "aps",
        thematiques: &["equipement-et-alimentation--alimentation", "remobilisation--lien-social"],
        capacity: "8",
        starts_on: "2026-03-05",
        when: When::Monthly("Fr", 1, "09:30", "13:30"),
        contact: "Nadia Opératrice",
        description: "Une fois par mois, on cuisine ensemble les légumes récoltés au jardin : soupes, conserves, plats simples et pas chers. Vous repartez avec les recettes et un bocal. L'atelier est en préparation : les dates et le lieu seront confirmés au printemps.",
        status: ActionStatus::Draft,
        ..WORKSHOP
    },
    // Tremplin Jeunes 14 (SAJD, Hérouville-Saint-Clair)
    ActionRow {
        structure: TREMPLIN,
        name: "Accompagnement des jeunes 18–25 ans (SAJD)",
        family: "sajd",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "logement-hebergement--rechercher-une-solution-dhebergement-temporaire", "sante--acces-aux-soins", "se-former--trouver-sa-formation"],
        publics: &["jeunes"],
        rules: YOUNG,
        capacity: "45",
        reception: ON_SITE_OR_REMOTE,
        self_referral: true,
        contact: "Julien Marie",
        how_to_apply: "Appelez, écrivez ou passez au local, seul ou accompagné : un éducateur vous reçoit dans la semaine. Aucun dossier n'est demandé pour un premier rendez-vous.",
        description: "Vous avez entre 18 et 25 ans et plusieurs choses se compliquent en même temps : pas de logement stable, des soucis de santé, plus de ressources, pas d'idée de métier. Un éducateur vous accompagne de façon régulière, en rendez-vous ou par téléphone, pour sécuriser d'abord votre quotidien puis construire un projet de formation ou d'emploi. Il vous aide dans les démarches et vous accompagne physiquement si besoin.",
        funding: &[
            subsidy(DEPARTMENT, "2025", "86000", "202501250"),
            subsidy(DEPARTMENT, "2026", "88000", "202501250"),
        ],
        ..SUPPORT
    },
    ActionRow {
        structure: TREMPLIN,
        name: "Cap autonomie : ateliers collectifs 18–25 ans",
        family: "sajd",
        thematiques: &["difficultes-financieres--acquerir-une-autonomie-budgetaire", "logement-hebergement--louer-un-logement", "remobilisation--bien-etre-confiance-en-soi"],
        publics: &["jeunes"],
        rules: YOUNG,
        weekly_hours: "2,5",
        duration_weeks: "8",
        starts_on: "2026-01-07",
        ends_in_days: Some(150),
        when: When::Weekly(&["We"], "14:00", "16:30"),
        contact: "Julien Marie",
        description: "Huit mercredis après-midi, en groupe de dix jeunes, pour apprendre à se débrouiller seul : ouvrir un compte et tenir un budget, chercher un premier logement, se soigner, faire ses courses, gérer ses papiers. Les séances alternent jeux, visites et rencontres avec des professionnels. À la fin du cycle, chacun repart avec un plan d'action personnel.",
        funding: &[subsidy(STATE, "2026", "18500", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: TREMPLIN,
        name: "Premier logement : accompagnement à l'accès au logement des jeunes",
        family: "sajd",
        thematiques: &["logement-hebergement--louer-un-logement", "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"],
        publics: &["jeunes"],
        rules: YOUNG,
        capacity: "20",
        contact: "Julien Marie",
        description: "Un accompagnement pour trouver et garder un premier logement : constituer un dossier, demander les aides au logement et la garantie Visale, visiter, signer un bail, faire l'état des lieux, s'installer et payer son loyer chaque mois. L'accompagnement continue trois mois après l'entrée dans le logement. Des places en foyer de jeunes travailleurs peuvent être proposées en attendant.",
        funding: &[subsidy(CAF, "2026", "22000", "")],
        ..SUPPORT
    },
    // Mobilités solidaires du Calvados (Mondeville, antenne à Lisieux)
    ActionRow {
        structure: MOBILITES,
        name: "Conseil en mobilité",
        family: "mobilite",
        thematiques: &["mobilite--etre-accompagne-dans-son-parcours-mobilite", "mobilite--financer-ma-mobilite"],
        rules: RSA_AND_MARGIN,
        capacity: "120",
        reception: ON_SITE_OR_REMOTE,
        self_referral: true,
        contact: "Thomas Guérin",
        description: "Un conseiller mobilité fait avec vous le bilan de vos déplacements : ce qui vous empêche d'aller à un rendez-vous, à une formation ou à un emploi, les transports possibles, les aides financières (permis, réparation, abonnement). Vous repartez avec un plan de mobilité et, si besoin, une orientation vers l'auto-école sociale, la location de véhicules ou le garage solidaire.",
        funding: &[
            procurement("2025-DI-022", "1", "2025", "64000", "202501260"),
            procurement("2025-DI-022", "1", "2026", "66000", "202501260"),
        ],
        ..SUPPORT
    },
    ActionRow {
        structure: MOBILITES,
        name: "Auto-école sociale : code et permis B",
        family: "mobilite",
        thematiques: &["mobilite--preparer-un-permis"],
        service_type: "formation",
        rules: Rules { orientations: &["socio_professional", "professional"], contract_required: true, ..RSA },
        capacity: "12",
        weekly_hours: "6",
        duration_weeks: "26",
        self_referral: false,
        starts_on: "2025-10-06",
        when: When::Weekly(&["Mo", "Th"], "09:00", "12:00"),
        contact: "Thomas Guérin",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Une auto-école adaptée aux personnes qui ont des difficultés avec l'écrit ou qui ont déjà échoué au code. Deux matinées par semaine de code en petit groupe, avec des supports simples, puis des leçons de conduite au rythme de chacun. Le coût restant à votre charge est calculé selon vos ressources. L'objectif est le permis dans les six mois, pour accéder à un emploi ou à une formation.",
        funding: &[
            procurement("2025-DI-022", "2", "2026", "118000", "202501261"),
            subsidy(STATE, "2026", "25000", ""),
        ],
        ..WORKSHOP
    },
    ActionRow {
        structure: MOBILITES,
        name: "Location solidaire de voitures et de scooters",
        family: "mobilite",
        thematiques: &["mobilite--acceder-a-un-vehicule"],
        service_type: "aide-materielle",
        rules: Rules { contract_required: true, ..RSA },
        capacity: "20",
        capacity_period: "continuous",
        contact: "Thomas Guérin",
        description: "Vous commencez un emploi, un stage ou une formation et vous n'avez pas de moyen de transport : l'association vous loue une voiture ou un scooter pour quelques euros par jour, assurance comprise, pour une durée d'un à trois mois. Le conseiller mobilité vous aide en parallèle à trouver une solution durable : covoiturage, achat d'un véhicule d'occasion, permis.",
        funding: &[procurement("2025-DI-022", "3", "2026", "54000", "")],
        ..SUPPORT
    },
    ActionRow {
        structure: MOBILITES,
        name: "Garage solidaire",
        family: "mobilite",
        thematiques: &["mobilite--entretenir-reparer-son-vehicule"],
        service_type: "aide-materielle",
        publics: &["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
        rules: Rules { publics: &["rsa", "autre_minimum_social"], ..ANYONE },
        capacity: "",
        self_referral: true,
        contact: "Thomas Guérin",
        how_to_apply: "Prenez rendez-vous par téléphone avec votre justificatif de ressources. Votre référent peut aussi demander une aide du Département pour le reste à payer.",
        description: "Le garage répare et entretient votre voiture en ne facturant que les pièces et une petite part de la main-d'œuvre. Avant tout travail, un devis vous est remis et expliqué. Vous pouvez aussi venir apprendre à faire vous-même l'entretien courant (vidange, pneus, ampoules) avec un mécanicien. Le garage est situé à Mondeville, accessible en bus.",
        funding: &[subsidy(DEPARTMENT, "2026", "35000", "")],
        ..SUPPORT
    },
    ActionRow {
        structure: MOBILITES,
        name: "Atelier vélo et mobilité douce — Lisieux",
        family: "mobilite",
        thematiques: &["mobilite--mobilite-douce-partagee-collective", "mobilite--acceder-a-un-vehicule"],
        rules: ANYONE,
        publics: &["tous-publics"],
        capacity: "8",
        place: Some(("14366", "7 boulevard Sainte-Anne")),
        starts_on: "2025-05-03",
        when: When::Fortnightly("Sa", "09:30", "12:00"),
        contact: "Thomas Guérin",
        description: "Un samedi matin sur deux, apprenez à réparer et entretenir un vélo dans l'atelier de l'antenne de Lisieux : crevaison, freins, dérailleur, éclairage. Des vélos remis en état peuvent être prêtés ou vendus à petit prix aux participants. Une sortie en groupe permet de repérer les itinéraires cyclables vers les zones d'emploi.",
        funding: &[subsidy(STATE, "2025", "9000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: MOBILITES,
        name: "Covoiturage solidaire en Bocage virois",
        family: "mobilite",
        thematiques: &["mobilite--mobilite-douce-partagee-collective"],
        service_type: "accompagnement",
        format: "individual",
        capacity: "",
        place: Some(("14762", "Maison des services, 4 rue du Calvados")),
        starts_on: "2026-04-01",
        contact: "Thomas Guérin",
        how_to_apply: ASK_APPOINTMENT,
        description: "Projet de plateforme de covoiturage solidaire pour le Bocage virois : mise en relation de conducteurs bénévoles et de personnes sans moyen de transport pour aller à un rendez-vous, une formation ou un emploi. Le lancement est prévu au printemps, avec une participation aux frais de quelques centimes par kilomètre.",
        status: ActionStatus::Draft,
        ..WORKSHOP
    },
    // Habitat et Solidarité Pays d'Auge (Lisieux, Honfleur)
    ActionRow {
        structure: HABITAT,
        name: "Accompagnement vers et dans le logement",
        family: "habitat",
        thematiques: &["logement-hebergement--se-maintenir-dans-le-logement", "logement-hebergement--reduire-les-impayes-de-loyer", "logement-hebergement--changer-de-logement"],
        rules: RSA_WITH_CONTRACT,
        capacity: "35",
        contact: "Élise Bertin",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Une conseillère logement vous accompagne chez vous et à l'association pendant six mois : reprendre le paiement du loyer et négocier un plan d'apurement, demander un logement plus adapté, préparer un déménagement, résoudre un problème d'humidité ou de chauffage avec le propriétaire. Elle travaille avec votre référent, le bailleur et la CAF pour éviter une expulsion.",
        funding: &[
            procurement("2025-DI-027", "1", "2026", "72000", "202501270"),
            subsidy(CAF, "2026", "15000", ""),
        ],
        ..SUPPORT
    },
    ActionRow {
        structure: HABITAT,
        name: "Bien vivre dans son logement : atelier collectif",
        family: "habitat",
        thematiques: &["logement-hebergement--se-maintenir-dans-le-logement", "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"],
        capacity: "12",
        place: Some(("14333", "Maison des associations, 2 quai de la Tour")),
        when: When::Monthly("Tu", 3, "14:00", "16:30"),
        contact: "Élise Bertin",
        description: "Le troisième mardi du mois, à Honfleur, un atelier pratique sur la vie dans le logement : réduire ses factures d'eau et d'énergie, aérer et chauffer sans gaspiller, petits travaux d'entretien, relations de voisinage, droits et devoirs du locataire. Chaque participant repart avec un petit kit d'économies d'énergie.",
        funding: &[procurement("2025-DI-027", "2", "2026", "13500", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: HABITAT,
        name: "Chantiers d'auto-réhabilitation accompagnée",
        family: "habitat",
        thematiques: &["logement-hebergement--se-maintenir-dans-le-logement", "equipement-et-alimentation--aide-menagere"],
        service_type: "aide-materielle",
        rules: RSA_WITH_CONTRACT,
        capacity: "12",
        contact: "Élise Bertin",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Vous voulez remettre votre logement en état mais n'avez ni les moyens ni les outils : un animateur technique vous aide à repeindre, poser un revêtement de sol ou isoler une pièce, chez vous, en faisant avec vous. L'association fournit les outils et une partie des matériaux. Le chantier dure en général deux à quatre semaines.",
        funding: &[subsidy(CAF, "2026", "28000", "")],
        ..SUPPORT
    },
    // Centre de psychologie Parenthèse (Caen)
    ActionRow {
        structure: PARENTHESE,
        name: "Entretiens psychologiques individuels",
        family: "accompagnement-psychologique",
        thematiques: &["sante--sante-mentale", "remobilisation--bien-etre-confiance-en-soi"],
        rules: RSA_SOCIAL,
        capacity: "25",
        capacity_period: "continuous",
        reception: ON_SITE_OR_REMOTE,
        contact: "Camille Dufour, psychologue",
        how_to_apply: "Votre référent RSA fait la demande ; la psychologue vous appelle pour fixer un premier rendez-vous, au centre ou en visioconférence. Les entretiens sont gratuits et confidentiels.",
        description: "Des entretiens gratuits avec une psychologue, à votre rythme, pour parler de ce qui pèse : fatigue, anxiété, isolement, deuil, événements difficiles. Rien de ce que vous dites n'est transmis à votre référent sans votre accord. Une dizaine de rendez-vous sont possibles, au centre ou en visioconférence, et la psychologue peut vous orienter vers un soin si besoin.",
        funding: &[procurement("2025-DI-014", "6", "2026", "45000", "202501280")],
        ..SUPPORT
    },
    ActionRow {
        structure: PARENTHESE,
        name: "Reprendre pied : groupe de parole",
        family: "accompagnement-psychologique",
        thematiques: &["sante--sante-mentale", "remobilisation--lien-social"],
        rules: RSA_SOCIAL,
        capacity: "8",
        weekly_hours: "0,75",
        duration_weeks: "12",
        self_referral: false,
        starts_on: "2026-01-12",
        when: When::Fortnightly("Mo", "14:00", "15:30"),
        contact: "Camille Dufour, psychologue",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Un lundi sur deux pendant trois mois, un petit groupe fermé se retrouve avec deux psychologues pour partager ce qui est difficile et ce qui aide à tenir. On écoute, on parle si on le souhaite, on essaie des outils simples pour mieux dormir, gérer le stress ou reprendre des activités. Ce qui se dit dans le groupe reste dans le groupe.",
        funding: &[procurement("2025-DI-014", "6", "2026", "12000", "")],
        ..WORKSHOP
    },
    // Savoirs pour tous (Lisieux, Honfleur)
    ActionRow {
        structure: SAVOIRS,
        name: "Lire, écrire, parler : atelier de français",
        family: "savoirs-de-base",
        thematiques: &["lecture-ecriture-calcul--maitriser-le-francais"],
        service_type: "formation",
        rules: Rules { margin_places: "3", ..RSA },
        capacity: "12",
        capacity_period: "continuous",
        weekly_hours: "5",
        when: When::Weekly(&["Mo", "Th"], "09:00", "11:30"),
        contact: "Martine Leroux",
        description: "Deux matinées par semaine pour progresser en français à l'oral et à l'écrit, à partir de situations de la vie de tous les jours : remplir un formulaire, écrire un message, lire un courrier, parler au téléphone. Un test de positionnement sans note permet de former des petits groupes de niveau. Entrées et sorties tout au long de l'année.",
        funding: &[
            procurement("2025-DI-014", "7", "2026", "34000", "202501290"),
            subsidy(STATE, "2026", "10000", ""),
        ],
        ..WORKSHOP
    },
    ActionRow {
        structure: SAVOIRS,
        name: "Compter au quotidien : atelier de calcul",
        family: "savoirs-de-base",
        thematiques: &["lecture-ecriture-calcul--maitriser-le-calcul", "difficultes-financieres--ameliorer-sa-gestion-budgetaire"],
        service_type: "formation",
        capacity: "10",
        weekly_hours: "2",
        when: When::Weekly(&["Tu"], "14:00", "16:00"),
        contact: "Martine Leroux",
        description: "Le mardi après-midi, on révise le calcul utile tous les jours : rendre la monnaie, comparer des prix, calculer une remise ou une durée, lire un tableau, estimer une quantité pour une recette. Les exercices partent des situations des participants. Une calculatrice et un cahier sont fournis, et chacun avance à son niveau.",
        funding: &[procurement("2025-DI-014", "7", "2026", "14000", "")],
        ..WORKSHOP
    },
    ActionRow {
        structure: SAVOIRS,
        name: "Savoirs de base à Honfleur (session 2025–2026)",
        family: "savoirs-de-base",
        thematiques: &["lecture-ecriture-calcul--maitriser-le-francais", "lecture-ecriture-calcul--maitriser-le-calcul", "numerique--maitriser-les-fondamentaux-du-numerique"],
        service_type: "formation",
        capacity: "10",
        place: Some(("14333", "Maison des associations, 2 quai de la Tour")),
        weekly_hours: "4",
        starts_on: "2025-09-15",
        ends_in_days: Some(-40),
        when: When::Weekly(&["Mo", "We"], "14:00", "16:00"),
        contact: "Martine Leroux",
        description: "Pendant l'année 2025–2026, deux après-midi par semaine à Honfleur pour travailler le français, le calcul et les premiers gestes sur ordinateur, en petit groupe. La session est terminée ; une nouvelle session sera proposée selon les demandes. En attendant, les ateliers de Lisieux restent ouverts.",
        funding: &[procurement("2025-DI-014", "7", "2025", "16000", "")],
        ..WORKSHOP
    },
    // Centre social Le Pas de Côté (Vire Normandie)
    ActionRow {
        structure: PAS_DE_COTE,
        name: "Espace de dynamisation Le Pas de Côté",
        family: "espaces-dynamisation",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "remobilisation--lien-social", "choisir-un-metier--identifier-ses-points-forts-et-ses-competences"],
        rules: Rules { orientations: &["social", "socio_professional"], contract_required: true, margin_places: "2", ..RSA },
        capacity: "15",
        capacity_period: "continuous",
        weekly_hours: "7,5",
        duration_weeks: "16",
        self_referral: false,
        starts_on: "2025-01-06",
        when: When::Weekly(&["Mo", "We", "Fr"], "09:30", "12:00"),
        contact: "Stéphane Hamel",
        how_to_apply: ASK_PRESCRIPTION,
        description: "Trois matinées par semaine pendant quatre mois, un lieu pour se remettre en mouvement : activités en groupe (cuisine, sport doux, théâtre, sorties), temps individuels avec une conseillère, découverte d'entreprises et de formations du Bocage. On retrouve un rythme, on repère ce qu'on sait faire et on prépare la suite de son parcours avec son référent.",
        funding: &[
            procurement("2025-DI-014", "8", "2025", "58000", "202501300"),
            procurement("2025-DI-014", "8", "2026", "60000", "202501300"),
        ],
        ..WORKSHOP
    },
    ActionRow {
        structure: PAS_DE_COTE,
        name: "Accompagnement social individualisé en Bocage virois",
        family: "asi",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "famille--soutien-a-la-parentalite-et-a-leducation", "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
        rules: Rules { orientations: &["social"], contract_required: true, communes: "14762", ..RSA },
        capacity: "30",
        contact: "Stéphane Hamel",
        description: "Pour les bénéficiaires du RSA de Vire Normandie, une conseillère en économie sociale et familiale vous rencontre régulièrement, au centre social ou chez vous. Elle vous aide à reprendre pied dans la vie quotidienne : organisation de la maison, garde des enfants, rendez-vous médicaux, démarches. Les objectifs sont ceux de votre contrat et sont revus avec votre référent.",
        funding: &[subsidy(DEPARTMENT, "2026", "38000", "")],
        ..SUPPORT
    },
    ActionRow {
        structure: PAS_DE_COTE,
        name: "Sorties et loisirs en famille",
        family: "mobilisation-entraide",
        thematiques: &["remobilisation--activites-sportives-et-culturelles", "famille--soutien-a-la-parentalite-et-a-leducation"],
        publics: &["familles"],
        rules: Rules { publics: &["rsa", "parent_isole", "autre_minimum_social"], ..ANYONE },
        capacity: "20",
        when: When::Monthly("Sa", 5, "10:00", "17:00"),
        contact: "Stéphane Hamel",
        description: "Le dernier samedi du mois, une sortie en famille préparée avec les participants : plage, zoo, ferme pédagogique, match, cinéma. Le transport est organisé en car depuis le centre social et la participation est de deux euros par personne. Ces journées permettent de partager un bon moment avec ses enfants et de rencontrer d'autres familles.",
        funding: &[subsidy(CAF, "2026", "8000", "")],
        ..WORKSHOP
    },
    // Entraide falaisienne (Falaise)
    ActionRow {
        structure: ENTRAIDE,
        name: "Repair café et coups de main entre voisins",
        family: "mobilisation-entraide",
        thematiques: &["remobilisation--benevolat-action-citoyenne", "remobilisation--lien-social", "equipement-et-alimentation--electromenager"],
        publics: &["tous-publics"],
        rules: ANYONE,
        capacity: "",
        when: When::Monthly("Sa", 1, "14:00", "17:00"),
        contact: "Gérard Lemonnier",
        description: "Le premier samedi du mois, venez faire réparer un grille-pain, un vêtement ou un vélo avec l'aide de bénévoles, ou venez vous-même donner un coup de main. Autour d'un café, on répare ensemble plutôt que de jeter. Les bénéficiaires du RSA qui le souhaitent peuvent devenir bénévoles et prendre une place dans l'organisation de l'après-midi.",
        ..WORKSHOP
    },
    ActionRow {
        structure: ENTRAIDE,
        name: "Bénévolat accompagné",
        family: "mobilisation-entraide",
        thematiques: &["remobilisation--benevolat-action-citoyenne", "choisir-un-metier--identifier-ses-points-forts-et-ses-competences"],
        rules: RSA_AND_MARGIN,
        capacity: "15",
        self_referral: true,
        contact: "Gérard Lemonnier",
        description: "Vous aimeriez vous rendre utile mais n'osez pas vous lancer : une bénévole référente vous présente les associations du pays de Falaise qui cherchent des bras (épicerie solidaire, club sportif, festival, friperie), vous accompagne lors des premières fois et fait le point avec vous. Le bénévolat peut figurer dans votre contrat et donne des expériences à valoriser.",
        funding: &[subsidy(DEPARTMENT, "2026", "8500", "")],
        ..SUPPORT
    },
    ActionRow {
        structure: ENTRAIDE,
        name: "Confiance en soi par le théâtre",
        family: "espaces-dynamisation",
        thematiques: &["remobilisation--bien-etre-confiance-en-soi", "remobilisation--activites-sportives-et-culturelles"],
        capacity: "12",
        weekly_hours: "2",
        duration_weeks: "12",
        starts_on: "2026-03-02",
        when: When::Weekly(&["Th"], "14:00", "16:00"),
        contact: "Gérard Lemonnier",
        description: "Un atelier de théâtre d'improvisation de douze séances, avec une comédienne, pour oser prendre la parole, poser sa voix et se sentir plus à l'aise face aux autres. Aucun texte à apprendre, aucune expérience demandée. Le projet est en cours de montage avec la médiathèque de Falaise.",
        status: ActionStatus::Draft,
        ..WORKSHOP
    },
];

/// How far back the demo's actions have sessions (the hike's three months).
const SESSION_HISTORY_DAYS: i64 = 98;

/// The action that gets the cultural outings (Fabrice's workshop).
const OUTINGS_ACTION: &str = "Les bons vivants : atelier manuel et jardinage";
/// (days from today, note): each outing is on the first Friday from then
/// that is not a public holiday.
const OUTINGS: &[(i64, &str)] = &[
    (10, "Sortie culturelle : visite du Mémorial de Caen"),
    (
        38,
        "Sortie culturelle : la Tapisserie de Bayeux et la cathédrale",
    ),
];

/// The structures' names, to find them again among the organisations.
#[cfg(test)]
pub fn structure_names() -> impl Iterator<Item = &'static str> {
    STRUCTURES.iter().map(|s| s.name)
}

/// The FSE+ operations the funding lines carry: number, title, period.
const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "202501234",
        "Ateliers de socialisation et de remobilisation 2025-2026",
        "2025-01-01",
        "2026-12-31",
    ),
    (
        "202501238",
        "Mobilité vers l'emploi",
        "2026-01-01",
        "2026-12-31",
    ),
    (
        "202501239",
        "Savoirs de base et compétences numériques",
        "2026-01-01",
        "2026-12-31",
    ),
    (
        "202501240",
        "Accompagnement des jeunes vers l'autonomie",
        "2026-01-01",
        "2026-12-31",
    ),
    (
        "202501250",
        "Accompagnement global des allocataires du RSA",
        "2025-01-01",
        "2026-12-31",
    ),
];

/// Creates the FSE+ operations, then the structures (they are
/// organisations too), their actions and funding lines, and returns each
/// structure's (name, id).
pub async fn load(
    store: &Store,
    actor: &Actor,
    today: Date,
) -> Result<Vec<(&'static str, Uuid)>, StoreError> {
    for (number, title, starts_on, ends_on) in OPERATIONS {
        let data = OperationData::parse(&OperationInput {
            number: (*number).into(),
            title: (*title).into(),
            starts_on: (*starts_on).into(),
            ends_on: (*ends_on).into(),
            beneficiary: "Département du Calvados".into(),
        })?;
        store.create_fse_operation(actor, &data).await?;
    }
    let mut structures = Vec::with_capacity(STRUCTURES.len());
    for row in STRUCTURES {
        let data = StructureData::parse(&structure_input(row))?;
        let id = store.create_structure(actor, &data, None).await?.id;
        structures.push((row.name, id));
    }
    for row in ACTIONS {
        let structure = structures
            .iter()
            .find(|(name, _)| *name == row.structure)
            .map(|(_, id)| *id)
            .expect("demo actions belong to demo structures");
        let id = add_action(store, actor, row, structure, today).await?;
        if row.name == OUTINGS_ACTION {
            add_outings(store, actor, id, today).await?;
        }
    }
    Ok(structures)
}

async fn add_action(
    store: &Store,
    actor: &Actor,
    row: &ActionRow,
    structure_id: Uuid,
    today: Date,
) -> Result<Uuid, StoreError> {
    let data = ActionData::parse(&action_input(row, structure_id, today))?;
    // Sessions since a few months back, for the stories' attendance.
    let sessions_from = today - Duration::days(SESSION_HISTORY_DAYS);
    let action = store
        .create_action(actor, &data, sessions_from, None)
        .await?;
    for fund in row.funding {
        let funding = FundingData::parse(&funding_input(fund))?;
        store.add_funding(actor, action.id, &funding).await?;
    }
    if row.status != ActionStatus::Draft {
        let published = store
            .set_action_status(actor, action.id, action.version, ActionStatus::Published)
            .await?;
        if row.status == ActionStatus::Archived {
            store
                .set_action_status(actor, action.id, published.version, ActionStatus::Archived)
                .await?;
        }
    }
    Ok(action.id)
}

async fn add_outings(
    store: &Store,
    actor: &Actor,
    action_id: Uuid,
    today: Date,
) -> Result<(), StoreError> {
    for (days, note) in OUTINGS {
        let on = first_from(today + Duration::days(*days), Weekday::Friday);
        store
            .add_session(
                actor,
                action_id,
                on,
                Some("09:30"),
                Some("17:00"),
                Some(note),
            )
            .await?;
    }
    Ok(())
}

fn first_from(mut day: Date, weekday: Weekday) -> Date {
    while day.weekday() != weekday || is_fixed_holiday(day) {
        day += Duration::days(1);
    }
    day
}

/// French public holidays that fall on the same date every year.
fn is_fixed_holiday(day: Date) -> bool {
    const HOLIDAYS: [(u8, u8); 8] = [
        (1, 1),
        (5, 1),
        (5, 8),
        (7, 14),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    HOLIDAYS.contains(&(u8::from(day.month()), day.day()))
}

/// The address of a demo commune (INSEE code).
fn address(commune: &str, street: &str) -> AddressInput {
    let (code, name, postcode, _) = crate::demo::COMMUNES
        .iter()
        .find(|(code, ..)| *code == commune)
        .expect("a demo commune");
    AddressInput {
        address: street.into(),
        postal_code: (*postcode).into(),
        commune_code: (*code).into(),
        commune_name: (*name).into(),
    }
}

fn structure_row(name: &str) -> &'static StructureRow {
    STRUCTURES
        .iter()
        .find(|s| s.name == name)
        .expect("a demo structure")
}

fn structure_input(row: &StructureRow) -> StructureInput {
    StructureInput {
        name: row.name.into(),
        kind: row.kind.into(),
        siret: row.siret.into(),
        description: row.description.into(),
        place: address(row.commune, row.address),
        contact: ContactInput {
            name: row.contact.into(),
            phone: row.phone.into(),
            email: row.email.into(),
        },
        website: row.website.into(),
        network: row.network.into(),
    }
}

fn strings(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

fn eligibility_input(rules: &Rules) -> EligibilityInput {
    EligibilityInput {
        min_age: rules.min_age.into(),
        max_age: rules.max_age.into(),
        publics: strings(rules.publics),
        orientations: strings(rules.orientations),
        contract_required: rules.contract_required,
        communes: rules.communes.into(),
        margin_places: rules.margin_places.into(),
    }
}

fn schedule_input(when: When) -> ScheduleInput {
    let timed = |frequency: &str, days: &[&str], from: &str, to: &str| ScheduleInput {
        frequency: frequency.into(),
        weekdays: strings(days),
        starts_at: from.into(),
        ends_at: to.into(),
        ..ScheduleInput::default()
    };
    match when {
        When::Appointment => ScheduleInput {
            frequency: "appointment".into(),
            ..ScheduleInput::default()
        },
        When::Weekly(days, from, to) => timed("weekly", days, from, to),
        When::Fortnightly(day, from, to) => timed("fortnightly", &[day], from, to),
        When::Monthly(day, week, from, to) => ScheduleInput {
            week_of_month: week.to_string(),
            ..timed("monthly", &[day], from, to)
        },
    }
}

fn action_input(row: &ActionRow, structure_id: Uuid, today: Date) -> ActionInput {
    let structure = structure_row(row.structure);
    let place = match row.place {
        Some((commune, street)) => address(commune, street),
        None => address(structure.commune, structure.address),
    };
    ActionInput {
        structure_id: structure_id.to_string(),
        name: row.name.into(),
        description: row.description.into(),
        family: row.family.into(),
        thematiques: strings(row.thematiques),
        service_type: row.service_type.into(),
        format: row.format.into(),
        publics: strings(row.publics),
        eligibility: eligibility_input(&row.rules),
        capacity: row.capacity.into(),
        capacity_period: row.capacity_period.into(),
        reception: strings(row.reception),
        place,
        weekly_hours: row.weekly_hours.into(),
        duration_weeks: row.duration_weeks.into(),
        self_referral: row.self_referral,
        starts_on: row.starts_on.into(),
        ends_on: row
            .ends_in_days
            .map(|days| (today + Duration::days(days)).to_string())
            .unwrap_or_default(),
        practical: PracticalInput {
            schedule: schedule_input(row.when),
            contact: ContactInput {
                name: row.contact.into(),
                phone: structure.phone.into(),
                email: structure.email.into(),
            },
            how_to_apply: row.how_to_apply.into(),
        },
    }
}

fn funding_input(fund: &Fund) -> FundingInput {
    FundingInput {
        kind: fund.kind.into(),
        funder: fund.funder.into(),
        year: fund.year.into(),
        amount: fund.euros.into(),
        contract_number: fund.contract_number.into(),
        lot: fund.lot.into(),
        fse_plus: !fund.fse_operation.is_empty(),
        fse_operation: fund.fse_operation.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_domain::catalogue::{is_siret, DEFAULT_FAMILIES};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 02);

    #[test]
    fn every_siret_has_a_valid_key() {
        for row in STRUCTURES {
            assert!(is_siret(row.siret), "{}: {}", row.name, row.siret);
        }
    }

    #[test]
    fn every_structure_parses_and_names_are_unique() {
        for row in STRUCTURES {
            StructureData::parse(&structure_input(row))
                .unwrap_or_else(|e| panic!("{}: {e:?}", row.name));
            let organisation = crate::demo::ORGANISATIONS
                .iter()
                .any(|(name, ..)| *name == row.name);
            assert!(!organisation, "{} is already an organisation", row.name);
        }
        let mut names: Vec<&str> = structure_names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), STRUCTURES.len());
    }

    #[test]
    fn every_action_and_funding_parses() {
        for row in ACTIONS {
            let data = ActionData::parse(&action_input(row, Uuid::from_u128(1), TODAY))
                .unwrap_or_else(|e| panic!("{}: {e:?}", row.name));
            assert!(
                DEFAULT_FAMILIES
                    .iter()
                    .any(|(code, _)| *code == data.family),
                "{}: family {}",
                row.name,
                data.family
            );
            let length = row.description.chars().count();
            assert!(
                (200..=600).contains(&length),
                "{}: description of {length} characters",
                row.name
            );
            for fund in row.funding {
                FundingData::parse(&funding_input(fund))
                    .unwrap_or_else(|e| panic!("{}: {e:?}", row.name));
            }
        }
        assert!(ACTIONS.iter().any(|a| a.name == OUTINGS_ACTION));
    }

    #[test]
    fn outings_avoid_public_holidays() {
        let new_year = first_from(date!(2026 - 12 - 30), Weekday::Friday);
        assert_eq!(new_year, date!(2027 - 01 - 08));
        assert_eq!(
            first_from(date!(2026 - 12 - 02), Weekday::Friday),
            date!(2026 - 12 - 04)
        );
    }

    #[test]
    fn the_catalogue_shows_every_status() {
        let count = |status| ACTIONS.iter().filter(|a| a.status == status).count();
        assert!(count(ActionStatus::Draft) >= 2);
        assert_eq!(count(ActionStatus::Archived), 1);
        assert!(ACTIONS
            .iter()
            .any(|a| a.ends_in_days.is_some_and(|d| d < 0)));
        let mut names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len(), "action names are unique");
    }
}
