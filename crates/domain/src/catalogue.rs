//! The catalogue of insertion actions (offre d'insertion): partner
//! structures, their actions, the actions' funding and status. Exchange
//! vocabularies (thématiques, types, publics, modes d'accueil, réseaux) are
//! data·inclusion v1's, so the catalogue can be shared with national tools.

use crate::account::is_email;
use crate::eligibility::{EligibilityInput, EligibilityRules};
use crate::organisation::OrganisationKind;
use crate::person::{codes, is_commune_code, optional_date, required_date};
use crate::schedule::{Schedule, ScheduleInput};
use crate::taxonomy;
use crate::validation::{
    bounded_list, free_text, optional_text, required_text, Invalid, CODES_MAX, LINE_MAX, NAME_MAX,
    TEXT_MAX,
};
use serde::{Deserialize, Serialize};
use time::Date;

codes!(
    ActionStatus {
        Draft = "draft", "Brouillon";
        Published = "published", "Publiée";
        Archived = "archived", "Archivée";
    }
);

impl ActionStatus {
    /// Draft → published → archived, and an archived action may be published again.
    pub fn can_become(self, next: ActionStatus) -> Result<(), String> {
        use ActionStatus::*;
        match (self, next) {
            (Draft, Published)
            | (Published, Archived)
            | (Archived, Published)
            | (Draft, Archived) => Ok(()),
            (from, to) if from == to => {
                Err(format!("L'action est déjà {}.", to.label().to_lowercase()))
            }
            (Published, Draft) | (Archived, Draft) => {
                Err("Une action publiée ne redevient pas un brouillon : archivez-la.".to_owned())
            }
            _ => Err("Ce changement d'état n'est pas possible.".to_owned()),
        }
    }
}

codes!(
    ActionFormat {
        Individual = "individual", "Individuel";
        Collective = "collective", "Collectif";
    }
);

codes!(
    /// data·inclusion `TypeService`.
    ServiceType {
        Support = "accompagnement", "Accompagnement";
        FinancialAid = "aide-financiere", "Aide financière";
        MaterialAid = "aide-materielle", "Aide matérielle";
        Workshop = "atelier", "Atelier";
        Training = "formation", "Formation";
        Information = "information", "Information";
    }
);

codes!(
    /// data·inclusion `Public`.
    Public {
        Everyone = "tous-publics", "Tous publics";
        Working = "actifs", "Actifs";
        MinimumIncome = "beneficiaires-des-minimas-sociaux", "Bénéficiaires des minima sociaux";
        JobSeekers = "demandeurs-emploi", "Demandeurs d'emploi";
        Students = "etudiants", "Étudiants";
        Families = "familles", "Familles";
        Women = "femmes", "Femmes";
        Young = "jeunes", "Jeunes";
        Disabled = "personnes-en-situation-de-handicap", "Personnes en situation de handicap";
        Emergency = "personnes-en-situation-durgence", "Personnes en situation d'urgence";
        Justice = "personnes-en-situation-juridique-specifique", "Personnes en situation juridique spécifique";
        Exiled = "personnes-exilees", "Personnes exilées";
        PriorityAreas = "residents-qpv-frr", "Résidents en QPV ou FRR";
        Seniors = "seniors", "Séniors";
    }
);

codes!(
    /// data·inclusion `ModeAccueil`.
    Reception {
        OnSite = "en-presentiel", "Sur place";
        Remote = "a-distance", "À distance";
    }
);

codes!(
    CapacityPeriod {
        Continuous = "continuous", "places simultanées (entrées et sorties permanentes)";
        Session = "session", "places par session";
        Year = "year", "places par an";
    }
);

codes!(
    FundingKind {
        Procurement = "procurement", "Marché public";
        Subsidy = "subsidy", "Subvention";
    }
);

codes!(
    /// The data·inclusion `ReseauPorteur` values a département's partners belong to.
    Network {
        Departement = "departements", "Départements et services départementaux";
        Ccas = "ccas-cias", "CCAS / CIAS";
        Communes = "communes", "Communes et intercommunalités";
        Caf = "caf", "Caisse d'allocations familiales";
        Msa = "mutualite-sociale-agricole", "Mutualité sociale agricole";
        FranceTravail = "france-travail", "France Travail";
        MissionLocale = "mission-locale", "Mission locale";
        CapEmploi = "cap-emploi-reseau-cheops", "Cap emploi";
        Plie = "plie", "PLIE";
        Aci = "aci", "Atelier et chantier d'insertion";
        Ei = "ei", "Entreprise d'insertion";
        Ai = "ai", "Association intermédiaire";
        ChantierEcole = "chantier-ecole", "Réseau Chantier École";
        Fcsf = "fcsf", "Centres sociaux";
        Mjc = "mjc", "Maisons des jeunes et de la culture";
        Cidff = "cidff", "CIDFF";
        CroixRouge = "croix-rouge", "Croix-Rouge";
        SecoursPopulaire = "secours-populaire", "Secours populaire";
        Restos = "restos-du-coeur", "Restos du cœur";
        Emmaus = "emmaus", "Emmaüs";
        Fas = "federation-des-acteurs-de-la-solidarite", "Fédération des acteurs de la solidarité";
        Chrs = "chrs", "CHRS";
        Cmp = "cmp", "Centres médico-psychologiques";
        Anlci = "anlci", "Lutte contre l'illettrisme (ANLCI)";
        Wimoov = "wimoov", "Wimoov";
        PointsBudget = "points-conseil-budget", "Points conseil budget";
        FranceService = "france-service", "France services";
        Fjt = "residences-fjt", "Foyers de jeunes travailleurs";
    }
);

/// The families of actions a département starts with (it may add its own):
/// those named by the source documents.
pub const DEFAULT_FAMILIES: &[(&str, &str)] = &[
    ("aps", "Actions de promotion sociale (APS)"),
    ("accompagnement-social", "Accompagnement social"),
    ("asi", "Accompagnement social individualisé (ASI)"),
    (
        "sajd",
        "Service d'aide aux jeunes en difficulté, 18–25 ans (SAJD)",
    ),
    ("mobilite", "Actions mobilité"),
    ("habitat", "Actions habitat"),
    (
        "mobilisation-entraide",
        "Inclusion sociale : mobilisation et entraide",
    ),
    (
        "espaces-dynamisation",
        "Inclusion sociale : espaces de dynamisation",
    ),
    (
        "accompagnement-psychologique",
        "Inclusion sociale : accompagnement psychologique et psychosocial",
    ),
    ("savoirs-de-base", "Inclusion sociale : savoirs de base"),
];

/// SIRET: 14 digits with a Luhn key (La Poste's establishments, SIREN
/// 356 000 000, use a sum of digits divisible by 5 instead).
pub fn is_siret(siret: &str) -> bool {
    if siret.len() != 14 || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = siret.bytes().map(|b| u32::from(b - b'0')).collect();
    if siret.starts_with("356000000") {
        return digits.iter().sum::<u32>() % 5 == 0;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn parse_siret(invalid: &mut Invalid, raw: &str) -> String {
    let siret: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if siret.is_empty() {
        invalid.add("siret", "Le champ « SIRET » est obligatoire.");
    } else if !is_siret(&siret) {
        invalid.add("siret", "Le SIRET n'est pas valide : 14 chiffres dont le dernier est une clé de contrôle (voir l'avis de situation SIRENE).");
    }
    siret
}

/// Where something is: address, postal code and commune (INSEE code and name).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AddressInput {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postal_code: String,
    /// INSEE code of the commune (5 characters, e.g. 35238).
    #[serde(default)]
    pub commune_code: String,
    #[serde(default)]
    pub commune_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
}

impl Address {
    fn parse(input: &AddressInput, invalid: &mut Invalid, required: bool) -> Address {
        let address = optional_text(invalid, "address", "Adresse", &input.address, 250);
        let postal_code = optional_text(
            invalid,
            "postal_code",
            "Code postal",
            &input.postal_code,
            LINE_MAX,
        );
        let commune_code = optional_text(
            invalid,
            "commune_code",
            "Code commune INSEE",
            &input.commune_code,
            LINE_MAX,
        )
        .map(|c| c.to_uppercase());
        let commune_name = optional_text(
            invalid,
            "commune_name",
            "Commune",
            &input.commune_name,
            NAME_MAX,
        );
        if postal_code
            .as_ref()
            .is_some_and(|p| p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            invalid.add("postal_code", "Le code postal compte 5 chiffres.");
        }
        match &commune_code {
            Some(code) if !is_commune_code(code) => invalid.add(
                "commune_code",
                "Le code commune INSEE compte 5 caractères (ex. 35238, 2A004).",
            ),
            None if required => invalid.add(
                "commune_code",
                "Le champ « Code commune INSEE » est obligatoire.",
            ),
            _ => {}
        }
        if commune_code.is_some() && commune_name.is_none() {
            invalid.add("commune_name", "Indiquez le nom de la commune.");
        }
        Address {
            address,
            postal_code,
            commune_code,
            commune_name,
        }
    }

    pub fn to_input(&self) -> AddressInput {
        AddressInput {
            address: self.address.clone().unwrap_or_default(),
            postal_code: self.postal_code.clone().unwrap_or_default(),
            commune_code: self.commune_code.clone().unwrap_or_default(),
            commune_name: self.commune_name.clone().unwrap_or_default(),
        }
    }
}

/// How to reach someone: name, phone, email.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Contact {
    fn parse(input: &ContactInput, invalid: &mut Invalid, prefix: &str) -> Contact {
        let name = optional_text(
            invalid,
            &format!("{prefix}name"),
            "Nom du contact",
            &input.name,
            150,
        );
        let phone = optional_text(
            invalid,
            &format!("{prefix}phone"),
            "Téléphone du contact",
            &input.phone,
            LINE_MAX,
        );
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(10..=15).contains(&digits)
                || p.chars()
                    .any(|c| !(c.is_ascii_digit() || " .+-()".contains(c)))
            {
                invalid.add(
                    &format!("{prefix}phone"),
                    "Le téléphone n'est pas valide (exemple : 02 99 00 00 00).",
                );
            }
        }
        let email = optional_text(
            invalid,
            &format!("{prefix}email"),
            "Courriel du contact",
            &input.email,
            LINE_MAX,
        )
        .map(|e| e.to_lowercase());
        if email.as_ref().is_some_and(|e| !is_email(e)) {
            invalid.add(
                &format!("{prefix}email"),
                "L'adresse électronique n'est pas valide (exemple : contact@association.fr).",
            );
        }
        Contact { name, phone, email }
    }

    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            name: self.name.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
        }
    }
}

/// A partner structure as typed in a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct StructureInput {
    #[serde(default)]
    pub name: String,
    /// association, ccas, department_service, siae, other…
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub siret: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub place: AddressInput,
    #[serde(default)]
    pub contact: ContactInput,
    #[serde(default)]
    pub website: String,
    /// data·inclusion réseau porteur code (optional).
    #[serde(default)]
    pub network: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureData {
    pub name: String,
    pub kind: OrganisationKind,
    pub siret: String,
    pub description: Option<String>,
    pub place: Address,
    pub contact: Contact,
    pub website: Option<String>,
    pub network: Option<Network>,
}

impl StructureData {
    pub fn parse(input: &StructureInput) -> Result<StructureData, Invalid> {
        let mut invalid = Invalid::new();
        let name = parse_name(&mut invalid, "Nom de la structure", &input.name);
        let kind = OrganisationKind::from_code(input.kind.trim());
        if kind.is_none() {
            invalid.add("kind", "Choisissez le type de structure.");
        }
        let siret = parse_siret(&mut invalid, &input.siret);
        let description = parse_description(&mut invalid, &input.description, false);
        let place = Address::parse(&input.place, &mut invalid, true);
        let contact = Contact::parse(&input.contact, &mut invalid, "contact_");
        let website = parse_url(&mut invalid, "website", &input.website);
        let network = match input.network.trim() {
            "" => None,
            code => {
                let network = Network::from_code(code);
                if network.is_none() {
                    invalid.add("network", "Choisissez un réseau dans la liste.");
                }
                network
            }
        };
        let Some(kind) = kind else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(StructureData {
            name,
            kind,
            siret,
            description,
            place,
            contact,
            website,
            network,
        })
    }
}

/// Names as data·inclusion takes them: 3 to 150 characters.
fn parse_name(invalid: &mut Invalid, label: &str, raw: &str) -> String {
    let name = required_text(invalid, "name", label, raw, 150);
    if !name.is_empty() && name.chars().count() < 3 {
        invalid.add(
            "name",
            format!("Le champ « {label} » compte au moins 3 caractères."),
        );
    }
    name.trim_end_matches('.').trim().to_owned()
}

fn parse_description(invalid: &mut Invalid, raw: &str, required: bool) -> Option<String> {
    let text = Some(free_text(
        invalid,
        "description",
        "Description",
        raw,
        TEXT_MAX,
    ))
    .filter(|t| !t.is_empty());
    match &text {
        None if required => invalid.add("description", "Le champ « Description » est obligatoire."),
        Some(t) if t.chars().count() < 5 => invalid.add(
            "description",
            "La description compte au moins 5 caractères.",
        ),
        _ => {}
    }
    text
}

fn parse_url(invalid: &mut Invalid, field: &str, raw: &str) -> Option<String> {
    let url = optional_text(invalid, field, "Site internet", raw, LINE_MAX)?;
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    if !host.is_some_and(|h| {
        h.split('/')
            .next()
            .is_some_and(|h| h.contains('.') && !h.contains(' '))
    }) {
        invalid.add(
            field,
            "L'adresse du site doit commencer par https:// (exemple : https://association.fr).",
        );
    }
    Some(url)
}

/// What an opérateur may change on their structure's actions: when the
/// action meets, whom to contact, how to ask for it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PracticalInput {
    #[serde(default)]
    pub schedule: ScheduleInput,
    #[serde(default)]
    pub contact: ContactInput,
    /// How a person asks for the action (shown on the public page).
    #[serde(default)]
    pub how_to_apply: String,
}

/// A session added by hand: a date, optional times and a note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct SessionInput {
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticalData {
    pub schedule: Schedule,
    pub contact: Contact,
    pub how_to_apply: Option<String>,
}

impl PracticalData {
    pub fn parse(input: &PracticalInput) -> Result<PracticalData, Invalid> {
        let mut invalid = Invalid::new();
        let data = Self::parse_into(input, &mut invalid);
        invalid.into_result(data)
    }

    fn parse_into(input: &PracticalInput, invalid: &mut Invalid) -> PracticalData {
        let schedule = Schedule::parse(&input.schedule, invalid);
        let contact = Contact::parse(&input.contact, invalid, "contact_");
        let how_to_apply = Some(free_text(
            invalid,
            "how_to_apply",
            "Comment s'inscrire",
            &input.how_to_apply,
            2000,
        ))
        .filter(|t| !t.is_empty());
        PracticalData {
            schedule,
            contact,
            how_to_apply,
        }
    }
}

/// An action as typed in a form or sent to the API (funding apart).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ActionInput {
    #[serde(default)]
    pub structure_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Code of a family of actions (see /api/v1/action-families).
    #[serde(default)]
    pub family: String,
    /// data·inclusion thématiques (`categorie--sous-thematique`), at least one.
    #[serde(default)]
    pub thematiques: Vec<String>,
    /// accompagnement, aide-financiere, aide-materielle, atelier, formation, information
    #[serde(default)]
    pub service_type: String,
    /// individual, collective
    #[serde(default)]
    pub format: String,
    /// data·inclusion publics; empty means tous-publics.
    #[serde(default)]
    pub publics: Vec<String>,
    #[serde(default)]
    pub eligibility: EligibilityInput,
    /// Number of places; empty when the action has no limit.
    #[serde(default)]
    pub capacity: String,
    /// continuous, session, year
    #[serde(default)]
    pub capacity_period: String,
    /// en-presentiel, a-distance (at least one).
    #[serde(default)]
    pub reception: Vec<String>,
    #[serde(default)]
    pub place: AddressInput,
    /// Hours a week, for the contrat d'engagement's 15 hours (e.g. 3 or 3,5).
    #[serde(default)]
    pub weekly_hours: String,
    #[serde(default)]
    pub duration_weeks: String,
    /// A person may ask for it directly, without a prescription.
    #[serde(default)]
    pub self_referral: bool,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub practical: PracticalInput,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionData {
    pub structure_id: uuid::Uuid,
    pub name: String,
    pub description: String,
    pub family: String,
    pub thematiques: Vec<String>,
    pub service_type: ServiceType,
    pub format: ActionFormat,
    pub publics: Vec<Public>,
    pub eligibility: EligibilityRules,
    pub capacity: Option<i64>,
    pub capacity_period: CapacityPeriod,
    pub reception: Vec<Reception>,
    pub place: Address,
    pub weekly_hours: Option<f64>,
    pub duration_weeks: Option<i64>,
    pub self_referral: bool,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub practical: PracticalData,
}

impl ActionData {
    pub fn parse(input: &ActionInput) -> Result<ActionData, Invalid> {
        let mut invalid = Invalid::new();
        let structure_id = crate::account::parse_uuid(
            &mut invalid,
            "structure_id",
            "Structure",
            &input.structure_id,
        );
        let name = parse_name(&mut invalid, "Intitulé de l'action", &input.name);
        let description =
            parse_description(&mut invalid, &input.description, true).unwrap_or_default();
        let family = optional_text(&mut invalid, "family", "Famille", &input.family, LINE_MAX)
            .unwrap_or_default();
        if family.is_empty() {
            invalid.add("family", "Choisissez la famille de l'action.");
        }
        let thematiques = parse_thematiques(&mut invalid, &input.thematiques);
        let service_type = pick(
            &mut invalid,
            "service_type",
            "Choisissez le type de service.",
            ServiceType::from_code(input.service_type.trim()),
        );
        let format = pick(
            &mut invalid,
            "format",
            "Indiquez si l'action est individuelle ou collective.",
            ActionFormat::from_code(input.format.trim()),
        );
        let publics = parse_publics(&mut invalid, &input.publics);
        let eligibility = EligibilityRules::parse(&input.eligibility, &mut invalid);
        let capacity = match input.capacity.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => Some(n),
                _ => {
                    invalid.add("capacity", "La capacité est un nombre de places supérieur à 0 (ou vide si l'action n'est pas limitée).");
                    None
                }
            },
        };
        if let (Some(capacity), Some(margin)) = (capacity, eligibility.margin_places) {
            if margin > capacity {
                invalid.add(
                    "eligibility_margin_places",
                    "Les places hors RSA ne peuvent pas dépasser la capacité.",
                );
            }
        }
        let capacity_period = match input.capacity_period.trim() {
            "" => Some(CapacityPeriod::Continuous),
            code => CapacityPeriod::from_code(code),
        };
        let capacity_period = pick(
            &mut invalid,
            "capacity_period",
            "Choisissez la période de la capacité.",
            capacity_period,
        );
        let mut reception = Vec::new();
        bounded_list(
            &mut invalid,
            "reception",
            "Modes d'accueil",
            input.reception.len(),
            CODES_MAX,
        );
        for code in input.reception.iter().take(CODES_MAX) {
            match Reception::from_code(code.trim()) {
                Some(r) if !reception.contains(&r) => reception.push(r),
                Some(_) => {}
                None => invalid.add("reception", format!("Mode d'accueil inconnu : « {code} ».")),
            }
        }
        if reception.is_empty() {
            invalid.add(
                "reception",
                "Indiquez si l'action a lieu sur place, à distance, ou les deux.",
            );
        }
        let place = Address::parse(
            &input.place,
            &mut invalid,
            reception.contains(&Reception::OnSite),
        );
        let weekly_hours = match input.weekly_hours.trim().replace(',', ".").as_str() {
            "" => None,
            raw => match raw.parse::<f64>() {
                Ok(h) if (0.0..=35.0).contains(&h) => Some(h),
                _ => {
                    invalid.add(
                        "weekly_hours",
                        "Les heures par semaine sont un nombre entre 0 et 35.",
                    );
                    None
                }
            },
        };
        let duration_weeks = match input.duration_weeks.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(w) if (1..=520).contains(&w) => Some(w),
                _ => {
                    invalid.add(
                        "duration_weeks",
                        "La durée en semaines est un nombre entier d'au moins 1.",
                    );
                    None
                }
            },
        };
        let starts_on = required_date(
            &mut invalid,
            "starts_on",
            "Début de l'action",
            &input.starts_on,
        );
        let ends_on = optional_date(&mut invalid, "ends_on", "Fin de l'action", &input.ends_on);
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end < start {
                invalid.add(
                    "ends_on",
                    "La fin de l'action ne peut pas précéder son début.",
                );
            }
        }
        let practical = PracticalData::parse_into(&input.practical, &mut invalid);
        let (
            Some(structure_id),
            Some(service_type),
            Some(format),
            Some(capacity_period),
            Some(starts_on),
        ) = (
            structure_id,
            service_type,
            format,
            capacity_period,
            starts_on,
        )
        else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(ActionData {
            structure_id,
            name,
            description,
            family,
            thematiques,
            service_type,
            format,
            publics,
            eligibility,
            capacity,
            capacity_period,
            reception,
            place,
            weekly_hours,
            duration_weeks,
            self_referral: input.self_referral,
            starts_on,
            ends_on,
            practical,
        })
    }
}

fn pick<T>(invalid: &mut Invalid, field: &str, message: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        invalid.add(field, message);
    }
    value
}

fn parse_thematiques(invalid: &mut Invalid, codes: &[String]) -> Vec<String> {
    let mut thematiques: Vec<String> = Vec::new();
    bounded_list(
        invalid,
        "thematiques",
        "Thématiques",
        codes.len(),
        CODES_MAX,
    );
    for code in codes.iter().take(CODES_MAX) {
        let code = code.trim();
        if taxonomy::thematique_label(code).is_none() {
            invalid.add(
                "thematiques",
                format!("Thématique inconnue : « {code} » (codes data·inclusion v1)."),
            );
        } else if !thematiques.iter().any(|t| t == code) {
            thematiques.push(code.to_owned());
        }
    }
    if codes.is_empty() {
        invalid.add("thematiques", "Choisissez au moins une thématique.");
    }
    thematiques
}

/// data·inclusion's rule: `tous-publics` stands alone; no public means everyone.
fn parse_publics(invalid: &mut Invalid, codes: &[String]) -> Vec<Public> {
    let mut publics = Vec::new();
    bounded_list(invalid, "publics", "Publics", codes.len(), CODES_MAX);
    for code in codes.iter().take(CODES_MAX) {
        match Public::from_code(code.trim()) {
            Some(p) if !publics.contains(&p) => publics.push(p),
            Some(_) => {}
            None => invalid.add("publics", format!("Public inconnu : « {code} ».")),
        }
    }
    if publics.len() > 1 && publics.contains(&Public::Everyone) {
        invalid.add(
            "publics",
            "« Tous publics » ne se combine pas avec d'autres publics.",
        );
    }
    if publics.is_empty() {
        publics.push(Public::Everyone);
    }
    publics
}

/// One funding line of an action, as typed or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct FundingInput {
    /// procurement (marché public) or subsidy (subvention)
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub funder: String,
    #[serde(default)]
    pub year: String,
    /// Euros, e.g. "12500" or "12 500,50".
    #[serde(default)]
    pub amount: String,
    /// Procurement: contract number (required) and lot.
    #[serde(default)]
    pub contract_number: String,
    #[serde(default)]
    pub lot: String,
    /// Co-financed by the European Social Fund Plus.
    #[serde(default)]
    pub fse_plus: bool,
    #[serde(default)]
    pub fse_operation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingData {
    pub kind: FundingKind,
    pub funder: String,
    pub year: i64,
    pub amount_cents: i64,
    pub contract_number: Option<String>,
    pub lot: Option<String>,
    pub fse_plus: bool,
    pub fse_operation: Option<String>,
}

impl FundingData {
    pub fn parse(input: &FundingInput) -> Result<FundingData, Invalid> {
        let mut invalid = Invalid::new();
        let kind = pick(
            &mut invalid,
            "kind",
            "Choisissez marché public ou subvention.",
            FundingKind::from_code(input.kind.trim()),
        );
        let funder = required_text(&mut invalid, "funder", "Financeur", &input.funder, 150);
        let year = input
            .year
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            invalid.add(
                "year",
                "L'année de financement s'écrit sur 4 chiffres (ex. 2026).",
            );
        }
        let amount_cents = parse_euros(&input.amount);
        if amount_cents.is_none() {
            invalid.add(
                "amount",
                "Le montant est un nombre d'euros positif (ex. 12 500 ou 12 500,50).",
            );
        }
        let contract_number = optional_text(
            &mut invalid,
            "contract_number",
            "Numéro de marché",
            &input.contract_number,
            LINE_MAX,
        );
        if kind == Some(FundingKind::Procurement) && contract_number.is_none() {
            invalid.add("contract_number", "Un marché public a un numéro de marché.");
        }
        let lot = optional_text(&mut invalid, "lot", "Lot", &input.lot, LINE_MAX);
        let fse_operation = optional_text(
            &mut invalid,
            "fse_operation",
            "Numéro d'opération FSE+",
            &input.fse_operation,
            LINE_MAX,
        );
        if input.fse_plus && fse_operation.is_none() {
            invalid.add(
                "fse_operation",
                "Une action cofinancée par le FSE+ a un numéro d'opération.",
            );
        }
        let (Some(kind), Some(year), Some(amount_cents)) = (kind, year, amount_cents) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(FundingData {
            kind,
            funder,
            year,
            amount_cents,
            contract_number: contract_number.filter(|_| kind == FundingKind::Procurement),
            lot: lot.filter(|_| kind == FundingKind::Procurement),
            fse_plus: input.fse_plus,
            fse_operation: fse_operation.filter(|_| input.fse_plus),
        })
    }
}

/// "12 500,50 €" → 1 250 050 cents; spaces (also narrow ones) are thousands separators.
pub fn parse_euros(raw: &str) -> Option<i64> {
    let cleaned: String = raw
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .collect();
    let (units, cents) = match cleaned.split_once([',', '.']) {
        Some((u, c)) if !c.is_empty() && c.len() <= 2 && c.bytes().all(|b| b.is_ascii_digit()) => (
            u,
            if c.len() == 1 {
                format!("{c}0")
            } else {
                c.to_owned()
            },
        ),
        Some(_) => return None,
        None => (cleaned.as_str(), "00".to_owned()),
    };
    if units.is_empty() || !units.bytes().all(|b| b.is_ascii_digit()) || units.len() > 12 {
        return None;
    }
    Some(units.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// 1 250 050 cents → "12 500,50 €".
pub fn format_euros(cents: i64) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    match cents % 100 {
        0 => format!("{grouped}\u{a0}€"),
        c => format!("{grouped},{c:02}\u{a0}€"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn siret_keys() {
        assert!(is_siret("13003013300016"), "data·inclusion's example");
        assert!(is_siret("73282932000074"));
        assert!(!is_siret("73282932000075"));
        assert!(!is_siret("7328293200007"));
        assert!(!is_siret("7328293200007A"));
        assert!(
            is_siret("35600000000010"),
            "La Poste: digit sum divisible by 5"
        );
    }

    proptest! {
        /// Changing one digit of a valid SIRET always breaks its key.
        #[test]
        fn one_wrong_digit_is_caught(body in "[0-9]{13}", position in 0usize..14, delta in 1u8..10) {
            let key = (0..10).map(|d| format!("{body}{d}")).find(|s| is_siret(s) && !s.starts_with("356000000"));
            prop_assume!(key.is_some());
            let siret = key.unwrap();
            let mut bytes = siret.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            prop_assert!(!is_siret(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn euros_round_trip(cents in 0i64..10_000_000_000) {
            let text = format_euros(cents).replace('\u{a0}', " ");
            prop_assert_eq!(parse_euros(&text), Some(cents));
        }
    }

    #[test]
    fn euros() {
        assert_eq!(parse_euros("12 500,50 €"), Some(1_250_050));
        assert_eq!(parse_euros("12500"), Some(1_250_000));
        assert_eq!(parse_euros("3.5"), Some(350));
        assert_eq!(parse_euros("-3"), None);
        assert_eq!(parse_euros("douze"), None);
        assert_eq!(parse_euros("1,234"), None);
        assert_eq!(format_euros(1_250_050), "12\u{a0}500,50\u{a0}€");
    }

    fn structure() -> StructureInput {
        StructureInput {
            name: "Association Le Jardin partagé".into(),
            kind: "association".into(),
            siret: "732 829 320 00074".into(),
            place: AddressInput {
                address: "3 rue des Lilas".into(),
                postal_code: "35000".into(),
                commune_code: "35238".into(),
                commune_name: "Rennes".into(),
            },
            ..StructureInput::default()
        }
    }

    #[test]
    fn structures() {
        let data = StructureData::parse(&structure()).unwrap();
        assert_eq!(data.siret, "73282932000074");
        let err = StructureData::parse(&StructureInput {
            name: "AB".into(),
            kind: "club".into(),
            siret: "73282932000075".into(),
            website: "www.example".into(),
            network: "inconnu".into(),
            contact: ContactInput {
                email: "pas-une-adresse".into(),
                phone: "12".into(),
                ..Default::default()
            },
            place: AddressInput {
                commune_code: "3523".into(),
                postal_code: "3500".into(),
                ..Default::default()
            },
            ..structure()
        })
        .unwrap_err();
        for field in [
            "name",
            "kind",
            "siret",
            "website",
            "network",
            "contact_email",
            "contact_phone",
            "commune_code",
            "postal_code",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err}");
        }
    }

    pub(crate) fn action() -> ActionInput {
        ActionInput {
            structure_id: uuid::Uuid::from_u128(7).to_string(),
            name: "Atelier jardin et travaux manuels".into(),
            description: "Chaque semaine, une demi-journée de jardinage et de bricolage en groupe."
                .into(),
            family: "aps".into(),
            thematiques: vec!["remobilisation--lien-social".into()],
            service_type: "atelier".into(),
            format: "collective".into(),
            capacity: "12".into(),
            reception: vec!["en-presentiel".into()],
            place: structure().place,
            starts_on: "2026-01-05".into(),
            practical: PracticalInput {
                schedule: ScheduleInput {
                    frequency: "weekly".into(),
                    weekdays: vec!["Tu".into()],
                    starts_at: "14:00".into(),
                    ends_at: "17:00".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..ActionInput::default()
        }
    }

    #[test]
    fn actions() {
        let data = ActionData::parse(&action()).unwrap();
        assert_eq!(data.publics, vec![Public::Everyone]);
        assert_eq!(data.capacity, Some(12));
        assert_eq!(data.capacity_period, CapacityPeriod::Continuous);
        let err = ActionData::parse(&ActionInput {
            capacity: "0".into(),
            ends_on: "2025-12-31".into(),
            thematiques: vec!["cuisine--recettes".into()],
            publics: vec!["tous-publics".into(), "jeunes".into()],
            reception: vec![],
            family: " ".into(),
            ..action()
        })
        .unwrap_err();
        for field in [
            "capacity",
            "ends_on",
            "thematiques",
            "publics",
            "reception",
            "family",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err}");
        }
        assert!(err.message_for("ends_on").unwrap().contains("précéder"));
        let remote = ActionData::parse(&ActionInput {
            reception: vec!["a-distance".into()],
            place: AddressInput::default(),
            capacity: String::new(),
            ..action()
        })
        .unwrap();
        assert_eq!(
            remote.capacity, None,
            "no place needed at a distance, no limit"
        );
    }

    #[test]
    fn funding() {
        let procurement = FundingInput {
            kind: "procurement".into(),
            funder: "Département".into(),
            year: "2026".into(),
            amount: "48 000".into(),
            contract_number: "2025-INS-014".into(),
            lot: "3".into(),
            fse_plus: true,
            fse_operation: "202500123".into(),
        };
        let data = FundingData::parse(&procurement).unwrap();
        assert_eq!(data.amount_cents, 4_800_000);
        let err = FundingData::parse(&FundingInput {
            contract_number: String::new(),
            fse_operation: String::new(),
            year: "26".into(),
            amount: "-5".into(),
            ..procurement.clone()
        })
        .unwrap_err();
        for field in ["contract_number", "fse_operation", "year", "amount"] {
            assert!(err.message_for(field).is_some(), "{field}");
        }
        let subsidy = FundingData::parse(&FundingInput {
            kind: "subsidy".into(),
            fse_plus: false,
            ..procurement
        })
        .unwrap();
        assert_eq!(
            (subsidy.contract_number, subsidy.fse_operation),
            (None, None)
        );
    }

    #[test]
    fn status_moves() {
        use ActionStatus::*;
        assert!(Draft.can_become(Published).is_ok());
        assert!(Published.can_become(Archived).is_ok());
        assert!(Archived.can_become(Published).is_ok());
        assert!(Published.can_become(Draft).is_err());
        assert!(Published
            .can_become(Published)
            .unwrap_err()
            .contains("déjà"));
    }

    #[test]
    fn default_families_have_unique_codes() {
        let mut codes: Vec<&str> = DEFAULT_FAMILIES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DEFAULT_FAMILIES.len());
    }
}
