//! The DREES yearly return on the orientation and accompaniment of RSA
//! beneficiaries (OARSA): tables 1 to 6 at 31 December of a year, with the
//! DREES definitions (DOMAIN.md, "Steering and the DREES return").
//!
//! Each counted cell keeps the people it counts, so that its list is the
//! figure, and a person missing a field the tables break down by is named
//! in the data-quality list rather than silently counted as unknown.

use crate::organisation::OrganisationKind;
use crate::person::{age_on, codes, Sex};
use crate::taxonomy;
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use uuid::Uuid;

codes!(
    /// The DREES category of an organisation acting as référent unique.
    OrganisationCategory {
        FranceTravail = "france_travail", "France Travail";
        MissionLocale = "mission_locale", "Mission locale";
        EmploymentNetwork = "mde_plie_cap_emploi", "MDE, MDEF, PLIE ou Cap emploi";
        BusinessCreation = "business_creation", "Appui à la création d'entreprise";
        Iae = "iae", "Structure d'insertion par l'activité économique (IAE)";
        OtherPlacement = "other_placement", "Autre organisme de placement ou de formation";
        SocialService = "department_social_service", "Service social du Département";
        Caf = "caf", "CAF";
        Msa = "msa", "MSA";
        CcasCias = "ccas_cias", "CCAS ou CIAS";
        Other = "other", "Autre organisme";
    }
);

impl OrganisationCategory {
    /// The category an organisation takes until the chargé de mission sets
    /// one: what its kind says.
    pub fn of_kind(kind: OrganisationKind) -> OrganisationCategory {
        match kind {
            OrganisationKind::FranceTravail => OrganisationCategory::FranceTravail,
            OrganisationKind::MissionLocale => OrganisationCategory::MissionLocale,
            OrganisationKind::CapEmploi => OrganisationCategory::EmploymentNetwork,
            OrganisationKind::Siae => OrganisationCategory::Iae,
            OrganisationKind::DepartmentService => OrganisationCategory::SocialService,
            OrganisationKind::Ccas => OrganisationCategory::CcasCias,
            OrganisationKind::Association | OrganisationKind::Other => OrganisationCategory::Other,
        }
    }

    /// Part of the public employment service (SPE), by the DREES convention.
    pub fn in_public_employment_service(self) -> bool {
        matches!(
            self,
            OrganisationCategory::FranceTravail
                | OrganisationCategory::MissionLocale
                | OrganisationCategory::EmploymentNetwork
                | OrganisationCategory::BusinessCreation
                | OrganisationCategory::Iae
                | OrganisationCategory::OtherPlacement
        )
    }
}

codes!(
    /// The 15 action categories of the contracts in the DREES return.
    ActionCategory {
        ProfessionalSkills = "professional_skills", "Acquisition de compétences professionnelles, formation";
        JobSearch = "job_search", "Recherche d'emploi";
        Iae = "iae", "Insertion par l'activité économique (IAE)";
        SelfEmployment = "self_employment", "Création d'entreprise, travail indépendant";
        SubsidisedJob = "subsidised_job", "Emploi aidé";
        UnsubsidisedJob = "unsubsidised_job", "Emploi non aidé";
        SocialTies = "social_ties", "Lien social, remobilisation";
        Mobility = "mobility", "Mobilité";
        Housing = "housing", "Logement";
        Health = "health", "Santé";
        FinancialAutonomy = "financial_autonomy", "Autonomie financière";
        Family = "family", "Famille et parentalité";
        Literacy = "literacy", "Lutte contre l'illettrisme, français langue étrangère";
        Administrative = "administrative", "Démarches administratives, accès aux droits";
        Other = "other", "Autre";
    }
);

/// The category a contract objective of `objective_category` (a category
/// of the taxonomy) counts in until the chargé de mission maps it.
pub fn default_action_category(objective_category: &str) -> ActionCategory {
    match objective_category {
        "se-former" => ActionCategory::ProfessionalSkills,
        "choisir-un-metier" | "preparer-sa-candidature" | "trouver-un-emploi" => {
            ActionCategory::JobSearch
        }
        "creer-une-entreprise" => ActionCategory::SelfEmployment,
        "remobilisation" => ActionCategory::SocialTies,
        "mobilite" => ActionCategory::Mobility,
        "logement-hebergement" => ActionCategory::Housing,
        "sante" => ActionCategory::Health,
        "difficultes-financieres" => ActionCategory::FinancialAutonomy,
        "famille" => ActionCategory::Family,
        "lecture-ecriture-calcul" => ActionCategory::Literacy,
        "difficultes-administratives-ou-juridiques" => ActionCategory::Administrative,
        _ => ActionCategory::Other,
    }
}

/// One line of the mapping: the objectives of a category (`title` empty),
/// or one suggested objective of it, count in `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingLine {
    pub objective_category: String,
    #[serde(default)]
    pub title: String,
    pub action: ActionCategory,
}

/// The chargé de mission's mapping of contract objectives to the 15
/// categories: a suggested objective's own line, else its category's,
/// else [`default_action_category`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectiveMapping {
    pub lines: Vec<MappingLine>,
}

impl ObjectiveMapping {
    pub fn action_of(&self, category: &str, title: &str) -> ActionCategory {
        let find = |t: &str| {
            self.lines
                .iter()
                .find(|l| l.objective_category == category && l.title == t)
                .map(|l| l.action)
        };
        find(title.trim())
            .filter(|_| !title.trim().is_empty())
            .or_else(|| find(""))
            .unwrap_or_else(|| default_action_category(category))
    }

    /// Every line a form shows: each category, then each suggested
    /// objective, with what it counts in now.
    pub fn resolved(&self) -> Vec<(MappingLine, bool)> {
        let mut lines = Vec::new();
        for category in taxonomy::CATEGORIES {
            let set = self
                .lines
                .iter()
                .any(|l| l.objective_category == category.code && l.title.is_empty());
            let line = MappingLine {
                objective_category: category.code.to_owned(),
                title: String::new(),
                action: self.action_of(category.code, ""),
            };
            lines.push((line, set));
        }
        for (category, title) in taxonomy::OBJECTIVES {
            let set = self
                .lines
                .iter()
                .any(|l| l.objective_category == *category && l.title == *title);
            let line = MappingLine {
                objective_category: (*category).to_owned(),
                title: (*title).to_owned(),
                action: self.action_of(category, title),
            };
            lines.push((line, set));
        }
        lines
    }

    /// The mapping as sent: only known categories and suggested objectives,
    /// each once; an empty action means "as its category".
    pub fn parse(input: &[MappingInput]) -> Result<ObjectiveMapping, Invalid> {
        let mut invalid = Invalid::new();
        let mut lines: Vec<MappingLine> = Vec::new();
        for (n, line) in input.iter().enumerate() {
            let field = format!("correspondances[{n}]");
            let category = line.objective_category.trim();
            let title = line.title.trim();
            if taxonomy::category(category).is_none() {
                invalid.add(&field, "Catégorie d'objectif inconnue.");
                continue;
            }
            if !title.is_empty()
                && !taxonomy::OBJECTIVES
                    .iter()
                    .any(|(c, t)| *c == category && *t == title)
            {
                invalid.add(
                    &field,
                    "Cet objectif n'est pas un objectif proposé de sa catégorie.",
                );
                continue;
            }
            if lines
                .iter()
                .any(|l| l.objective_category == category && l.title == title)
            {
                invalid.add(&field, "Cet objectif est déjà dans la correspondance.");
                continue;
            }
            match line.action.trim() {
                "" => {}
                code => match ActionCategory::from_code(code) {
                    Some(action) => lines.push(MappingLine {
                        objective_category: category.to_owned(),
                        title: title.to_owned(),
                        action,
                    }),
                    None => invalid.add(&field, "Choisissez une catégorie d'action de la liste."),
                },
            }
        }
        invalid.into_result(ObjectiveMapping { lines })
    }
}

/// A line of the mapping as typed: an empty action means "as its category"
/// (or, for a category, as the default).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingInput {
    #[serde(default)]
    pub objective_category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub action: String,
}

/// The settings as sent: an organisation's category (empty: as its kind
/// says) and the mapping's lines (an empty action: the default).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OarsaSettingsInput {
    #[serde(default)]
    pub organisations: Vec<OrganisationCategoryInput>,
    #[serde(default)]
    pub objectives: Vec<MappingInput>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationCategoryInput {
    pub id: Uuid,
    #[serde(default)]
    pub category: String,
}

/// The year of a return, as typed: a past or the current year (whose
/// figures are at today, the year not being over).
pub fn parse_year(raw: &str, today: Date) -> Result<i32, Invalid> {
    let year: i32 = match raw.trim() {
        "" => today.year() - 1,
        text => text
            .parse()
            .map_err(|_| Invalid::field("year", "L'année s'écrit en quatre chiffres (AAAA)."))?,
    };
    if !(2000..=today.year()).contains(&year) {
        return Err(Invalid::field(
            "year",
            "Choisissez une année entre 2000 et l'année en cours.",
        ));
    }
    Ok(year)
}

/// The day a return describes: 31 December, or today for the current year.
pub fn observed_on(year: i32, today: Date) -> Date {
    Date::from_calendar_date(year, Month::December, 31)
        .unwrap_or(today)
        .min(today)
}

/// The first day of `year`.
pub fn first_day(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN)
}

codes!(
    AgeBand {
        Under25 = "under_25", "Moins de 25 ans";
        From25 = "25_29", "25 à 29 ans";
        From30 = "30_39", "30 à 39 ans";
        From40 = "40_49", "40 à 49 ans";
        From50 = "50_59", "50 à 59 ans";
        From60 = "60_plus", "60 ans ou plus";
    }
);

impl AgeBand {
    pub fn of(age: i32) -> AgeBand {
        match age {
            ..25 => AgeBand::Under25,
            25..30 => AgeBand::From25,
            30..40 => AgeBand::From30,
            40..50 => AgeBand::From40,
            50..60 => AgeBand::From50,
            _ => AgeBand::From60,
        }
    }
}

codes!(
    FamilyBand {
        Single = "single", "Seul sans enfant";
        SingleParent = "single_parent", "Seul avec enfant(s)";
        Couple = "couple", "En couple sans enfant";
        CoupleParents = "couple_parents", "En couple avec enfant(s)";
        Unknown = "unknown", "Non renseignée";
    }
);

/// A household as the family situation reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Household {
    /// Requester and partner both in the household.
    pub couple: bool,
    pub children: i64,
}

impl FamilyBand {
    pub fn of(household: Option<Household>) -> FamilyBand {
        match household {
            None => FamilyBand::Unknown,
            Some(h) => match (h.couple, h.children > 0) {
                (false, false) => FamilyBand::Single,
                (false, true) => FamilyBand::SingleParent,
                (true, false) => FamilyBand::Couple,
                (true, true) => FamilyBand::CoupleParents,
            },
        }
    }
}

codes!(
    SeniorityBand {
        Under6Months = "under_6_months", "Moins de 6 mois";
        Under1Year = "6_months_1_year", "6 mois à moins d'1 an";
        Under2Years = "1_2_years", "1 an à moins de 2 ans";
        Under5Years = "2_5_years", "2 ans à moins de 5 ans";
        Over5Years = "5_years_plus", "5 ans ou plus";
        Unknown = "unknown", "Non renseignée";
    }
);

impl SeniorityBand {
    pub fn of(since: Option<Date>, on: Date) -> SeniorityBand {
        let Some(since) = since else {
            return SeniorityBand::Unknown;
        };
        let months = months_between(since, on);
        match months {
            ..6 => SeniorityBand::Under6Months,
            6..12 => SeniorityBand::Under1Year,
            12..24 => SeniorityBand::Under2Years,
            24..60 => SeniorityBand::Under5Years,
            _ => SeniorityBand::Over5Years,
        }
    }
}

/// Whole months from `from` to `to` (a month is complete on the same day
/// of the month).
pub fn months_between(from: Date, to: Date) -> i32 {
    let months = (to.year() - from.year()) * 12 + (to.month() as i32 - from.month() as i32);
    if to.day() < from.day() {
        months - 1
    } else {
        months
    }
}

codes!(
    EducationBand {
        Vbis = "vbis_vi", "Niveau V bis, VI ou jamais scolarisé";
        V = "v", "Niveau V (CAP, BEP)";
        IV = "iv", "Niveau IV (bac)";
        III = "iii_i", "Niveau III à I (bac + 2 et plus)";
        Unknown = "unknown", "Non renseigné";
    }
);

impl EducationBand {
    /// From the `NIVETU` the person declared.
    pub fn of(code: Option<&str>) -> EducationBand {
        match code.map(str::trim) {
            Some("1205" | "1206" | "1207") => EducationBand::Vbis,
            Some("1204") => EducationBand::V,
            Some("1203") => EducationBand::IV,
            Some("1201" | "1202") => EducationBand::III,
            _ => EducationBand::Unknown,
        }
    }
}

/// A contract in force at the day of the return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractInForce {
    pub duration_months: i64,
    /// The categories of its objectives, each once; empty when it has none.
    pub actions: Vec<ActionCategory>,
}

/// One person in droits et devoirs at the day of the return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPerson {
    pub person_id: Uuid,
    pub birth_date: Date,
    pub sex: Sex,
    pub household: Option<Household>,
    /// The RSA request date, else the start of droits et devoirs.
    pub on_rsa_since: Option<Date>,
    /// `NIVETU`, as declared.
    pub education_level: Option<String>,
    /// Registered as a job seeker, as declared (`INSCDEMEMPLOI` 4302–4304).
    pub declared_job_seeker: bool,
    /// The category of the organisation of the latest orientation; none
    /// when not oriented.
    pub referent: Option<OrganisationCategory>,
    pub contract: Option<ContractInForce>,
}

impl ReturnPerson {
    /// Registered at France Travail: oriented there (registration is
    /// automatic since 2025) or declared registered.
    pub fn registered_france_travail(&self) -> bool {
        self.referent == Some(OrganisationCategory::FranceTravail) || self.declared_job_seeker
    }

    /// What keeps the person out of a cell of the tables.
    pub fn missing(&self) -> Vec<Missing> {
        let mut missing = Vec::new();
        if self.household.is_none() {
            missing.push(Missing::Household);
        }
        if self.on_rsa_since.is_none() {
            missing.push(Missing::RsaEntry);
        }
        if EducationBand::of(self.education_level.as_deref()) == EducationBand::Unknown {
            missing.push(Missing::EducationLevel);
        }
        if self.contract.as_ref().is_some_and(|c| c.actions.is_empty()) {
            missing.push(Missing::ContractObjectives);
        }
        missing
    }
}

codes!(
    /// A field whose absence keeps a person out of a cell.
    Missing {
        Household = "household", "Composition du foyer (situation familiale)";
        RsaEntry = "rsa_entry", "Date de demande du RSA ou d'entrée en droits et devoirs";
        EducationLevel = "education_level", "Niveau de formation";
        ContractObjectives = "contract_objectives", "Objectifs du contrat en cours";
    }
);

/// Someone who entered in the year: their first orientation and first
/// contract by the day of the return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entrant {
    pub person_id: Uuid,
    pub entered_on: Date,
    pub oriented_on: Option<Date>,
    pub category: Option<OrganisationCategory>,
    pub signed_on: Option<Date>,
}

/// An orientation of the year that followed another one of the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reorientation {
    pub person_id: Uuid,
    pub from: OrganisationCategory,
    pub to: OrganisationCategory,
}

/// What a cell holds: the people it counts, a mean in days, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    People(Vec<Uuid>),
    Days(Option<f64>),
    Blank,
}

impl Cell {
    pub fn count(&self) -> Option<i64> {
        match self {
            Cell::People(ids) => Some(ids.len() as i64),
            _ => None,
        }
    }
}

/// A figure as the API gives it: a count of people, or a mean in days.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figure {
    pub count: Option<i64>,
    pub days: Option<f64>,
}

impl From<&Cell> for Figure {
    fn from(cell: &Cell) -> Figure {
        Figure {
            count: cell.count(),
            days: match cell {
                Cell::Days(days) => *days,
                _ => None,
            },
        }
    }
}

/// A column or a row: its code (in links and files) and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Heading {
    pub code: String,
    pub label: String,
}

impl Heading {
    pub fn new(code: impl Into<String>, label: impl Into<String>) -> Heading {
        Heading {
            code: code.into(),
            label: label.into(),
        }
    }
}

/// A row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub heading: Heading,
    pub cells: Vec<Cell>,
}

/// One table of the return.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub number: u8,
    pub title: &'static str,
    pub definition: &'static str,
    pub columns: Vec<Heading>,
    pub rows: Vec<Row>,
}

impl Table {
    /// « row label × column label », for a list's title and its audit.
    pub fn cell_label(&self, row: &str, column: &str) -> String {
        let row = self.rows.iter().find(|r| r.heading.code == row);
        let column = self.columns.iter().find(|c| c.code == column);
        format!(
            "{} × {}",
            row.map_or("", |r| r.heading.label.as_str()),
            column.map_or("", |c| c.label.as_str())
        )
    }

    /// The cell at a row and a column, by their codes.
    pub fn cell(&self, row: &str, column: &str) -> Option<&Cell> {
        let column = self.columns.iter().position(|c| c.code == column)?;
        self.rows
            .iter()
            .find(|r| r.heading.code == row)?
            .cells
            .get(column)
    }
}

const TOTAL: &str = "total";
const NOT_ORIENTED: &str = "not_oriented";

/// Tables 1 to 6 of the return, from who is in droits et devoirs at its
/// day, the entrants of its year and its réorientations.
pub fn tables(
    on: Date,
    people: &[ReturnPerson],
    entrants: &[Entrant],
    reorientations: &[Reorientation],
) -> Vec<Table> {
    vec![
        table_1(on, people),
        table_2(people),
        table_3(people),
        table_4(people),
        table_5(entrants),
        table_6(reorientations),
    ]
}

/// The people among `people` that `keep` holds, as a cell.
fn people_cell<'a>(
    people: impl IntoIterator<Item = &'a ReturnPerson>,
    keep: impl Fn(&ReturnPerson) -> bool,
) -> Cell {
    Cell::People(
        people
            .into_iter()
            .filter(|p| keep(p))
            .map(|p| p.person_id)
            .collect(),
    )
}

/// One row per organisation category (`None`: not oriented, when
/// `with_not_oriented`), then the total, each from the people of that row.
fn rows_by_referent(
    people: &[ReturnPerson],
    with_not_oriented: bool,
    cells: impl Fn(&[&ReturnPerson]) -> Vec<Cell>,
) -> Vec<Row> {
    let mut groups: Vec<(Heading, Option<Option<OrganisationCategory>>)> =
        OrganisationCategory::ALL
            .iter()
            .map(|c| (Heading::new(c.code(), c.label()), Some(Some(*c))))
            .collect();
    if with_not_oriented {
        groups.push((Heading::new(NOT_ORIENTED, "Non orientés"), Some(None)));
    }
    groups.push((Heading::new(TOTAL, "Total"), None));
    groups
        .into_iter()
        .map(|(heading, referent)| {
            let members: Vec<&ReturnPerson> = people
                .iter()
                .filter(|p| referent.is_none_or(|r| p.referent == r))
                .filter(|p| with_not_oriented || p.referent.is_some())
                .collect();
            Row {
                heading,
                cells: cells(&members),
            }
        })
        .collect()
}

fn table_1(on: Date, people: &[ReturnPerson]) -> Table {
    fn index<T: PartialEq>(all: &[T], value: T) -> usize {
        all.iter().position(|v| *v == value).unwrap_or(0)
    }
    let groups: [(&str, Vec<(&str, &str)>); 5] = [
        ("age", AgeBand::choices()),
        ("sexe", Sex::choices()),
        ("famille", FamilyBand::choices()),
        ("anciennete", SeniorityBand::choices()),
        ("formation", EducationBand::choices()),
    ];
    let mut columns = vec![Heading::new(TOTAL, "Total")];
    for (prefix, choices) in &groups {
        columns.extend(
            choices
                .iter()
                .map(|(code, label)| Heading::new(format!("{prefix}:{code}"), *label)),
        );
    }
    // Each person's column in each group, as offsets into the columns.
    let bands = |p: &ReturnPerson| {
        let within = [
            index(AgeBand::ALL, AgeBand::of(age_on(p.birth_date, on))),
            index(Sex::ALL, p.sex),
            index(FamilyBand::ALL, FamilyBand::of(p.household)),
            index(SeniorityBand::ALL, SeniorityBand::of(p.on_rsa_since, on)),
            index(
                EducationBand::ALL,
                EducationBand::of(p.education_level.as_deref()),
            ),
        ];
        let mut offset = 1;
        let mut at = [0; 5];
        for (n, (_, choices)) in groups.iter().enumerate() {
            at[n] = offset + within[n];
            offset += choices.len();
        }
        at
    };
    let categories = OrganisationCategory::ALL.len();
    let mut cells = vec![vec![Vec::new(); columns.len()]; categories + 2];
    for p in people {
        let row = p
            .referent
            .map_or(categories, |r| index(OrganisationCategory::ALL, r));
        for row in [row, categories + 1] {
            cells[row][0].push(p.person_id);
            for column in bands(p) {
                cells[row][column].push(p.person_id);
            }
        }
    }
    let mut headings: Vec<Heading> = OrganisationCategory::ALL
        .iter()
        .map(|c| Heading::new(c.code(), c.label()))
        .collect();
    headings.push(Heading::new(NOT_ORIENTED, "Non orientés"));
    headings.push(Heading::new(TOTAL, "Total"));
    let rows = headings
        .into_iter()
        .zip(cells)
        .map(|(heading, cells)| Row {
            heading,
            cells: cells.into_iter().map(Cell::People).collect(),
        })
        .collect();
    Table {
        number: 1,
        title: "Personnes soumises aux droits et devoirs selon l'organisme référent",
        definition: "Personnes du foyer (demandeur ou conjoint) soumises aux droits et devoirs au \
            jour du bilan, selon la catégorie de l'organisme de leur dernière orientation validée \
            (« non orientés » sans orientation). Âge au jour du bilan ; situation familiale d'après \
            la composition du foyer ; ancienneté depuis la date de demande du RSA, à défaut \
            l'entrée en droits et devoirs ; niveau de formation déclaré à la demande (NIVETU).",
        columns,
        rows,
    }
}

fn table_2(people: &[ReturnPerson]) -> Table {
    let rows = rows_by_referent(people, false, |members| {
        let members = members.iter().copied();
        vec![
            people_cell(members.clone(), |_| true),
            people_cell(members.clone(), ReturnPerson::registered_france_travail),
            people_cell(members.clone(), |p| p.contract.is_some()),
            people_cell(members, |p| {
                p.registered_france_travail() || p.contract.is_some()
            }),
        ]
    });
    Table {
        number: 2,
        title: "Personnes orientées, inscrites à France Travail ou avec un contrat en cours",
        definition: "Personnes soumises aux droits et devoirs et orientées au jour du bilan. \
            Inscrites à France Travail : orientées vers France Travail (inscription automatique \
            depuis 2025) ou déclarées inscrites à la demande du RSA. Contrat en cours : CER ou \
            contrat d'engagement signé, commencé et pas encore terminé ce jour-là.",
        columns: vec![
            Heading::new("oriented", "Orientées"),
            Heading::new("france_travail", "Inscrites à France Travail"),
            Heading::new("contract", "Avec un contrat en cours"),
            Heading::new("either", "Inscrites ou avec un contrat"),
        ],
        rows,
    }
}

/// A column of table 3: its code, its label, the durations it holds.
type DurationBand = (&'static str, &'static str, fn(i64) -> bool);

fn table_3(people: &[ReturnPerson]) -> Table {
    let bands: [DurationBand; 3] = [
        ("under_6", "Moins de 6 mois", |m| m < 6),
        ("6_12", "6 à moins de 12 mois", |m| (6..12).contains(&m)),
        ("12_plus", "12 mois ou plus", |m| m >= 12),
    ];
    let mut columns = vec![Heading::new(TOTAL, "Contrats en cours")];
    columns.extend(
        bands
            .iter()
            .map(|(code, label, _)| Heading::new(*code, *label)),
    );
    let rows = rows_by_referent(people, false, |members| {
        let with_contract: Vec<&ReturnPerson> = members
            .iter()
            .copied()
            .filter(|p| p.contract.is_some())
            .collect();
        let mut cells = vec![people_cell(with_contract.iter().copied(), |_| true)];
        cells.extend(bands.iter().map(|(_, _, holds)| {
            people_cell(with_contract.iter().copied(), |p| {
                p.contract
                    .as_ref()
                    .is_some_and(|c| holds(c.duration_months))
            })
        }));
        cells
    });
    Table {
        number: 3,
        title: "Contrats en cours selon leur durée",
        definition:
            "Personnes soumises aux droits et devoirs et orientées, avec un contrat (CER ou \
            contrat d'engagement) en cours au jour du bilan, selon la durée prévue du contrat et \
            l'organisme de leur orientation.",
        columns,
        rows,
    }
}

fn table_4(people: &[ReturnPerson]) -> Table {
    let with_contract: Vec<&ReturnPerson> =
        people.iter().filter(|p| p.contract.is_some()).collect();
    let mut rows: Vec<Row> = ActionCategory::ALL
        .iter()
        .map(|action| Row {
            heading: Heading::new(action.code(), action.label()),
            cells: vec![people_cell(with_contract.iter().copied(), |p| {
                p.contract
                    .as_ref()
                    .is_some_and(|c| c.actions.contains(action))
            })],
        })
        .collect();
    rows.push(Row {
        heading: Heading::new(TOTAL, "Contrats en cours"),
        cells: vec![people_cell(with_contract.iter().copied(), |_| true)],
    });
    Table {
        number: 4,
        title: "Contrats en cours selon les catégories d'actions",
        definition: "Contrats en cours au jour du bilan des personnes soumises aux droits et \
            devoirs, comptés dans chaque catégorie d'action de leurs objectifs (un contrat compte \
            dans plusieurs catégories s'il a des objectifs de plusieurs). La catégorie d'un \
            objectif vient de la correspondance fixée par le chargé de mission ; un contrat sans \
            objectif n'entre dans aucune catégorie (liste de qualité des données).",
        columns: vec![Heading::new("contracts", "Contrats")],
        rows,
    }
}

fn mean_days(days: impl Iterator<Item = i64>) -> Option<f64> {
    let (sum, n) = days.fold((0i64, 0i64), |(s, n), d| (s + d, n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}

fn table_5(entrants: &[Entrant]) -> Table {
    let ids = |keep: &dyn Fn(&Entrant) -> bool| {
        Cell::People(
            entrants
                .iter()
                .filter(|e| keep(e))
                .map(|e| e.person_id)
                .collect(),
        )
    };
    let oriented = |e: &Entrant| e.oriented_on.is_some();
    let outside =
        |e: &Entrant| oriented(e) && e.category != Some(OrganisationCategory::FranceTravail);
    let contracted = |e: &Entrant| outside(e) && e.signed_on.is_some();
    let orientation_days = mean_days(
        entrants
            .iter()
            .filter_map(|e| Some((e.oriented_on? - e.entered_on).whole_days())),
    );
    let contract_days = mean_days(
        entrants
            .iter()
            .filter(|e| contracted(e))
            .filter_map(|e| Some((e.signed_on? - e.oriented_on?).whole_days())),
    );
    let row = |code: &str, label: &str, count: Cell, days: Cell| Row {
        heading: Heading::new(code, label),
        cells: vec![count, days],
    };
    Table {
        number: 5,
        title: "Entrants de l'année et délais moyens",
        definition: "Personnes entrées dans l'année (date de demande du RSA, à défaut d'entrée en \
            droits et devoirs), soumises aux droits et devoirs ou orientées depuis. Délai \
            d'orientation : de l'entrée à la décision de la première orientation validée, pour \
            celles orientées au jour du bilan. Délai de contrat : de cette première orientation, \
            hors France Travail, à la signature du premier contrat, pour celles qui en ont un.",
        columns: vec![
            Heading::new("people", "Personnes"),
            Heading::new("mean_days", "Délai moyen (jours)"),
        ],
        rows: vec![
            row(
                "entrants",
                "Entrés dans l'année",
                ids(&|_| true),
                Cell::Blank,
            ),
            row(
                "oriented",
                "Orientés une première fois",
                ids(&oriented),
                Cell::Days(orientation_days),
            ),
            row(
                "outside_france_travail",
                "dont hors France Travail",
                ids(&outside),
                Cell::Blank,
            ),
            row(
                "contract",
                "dont avec un premier contrat",
                ids(&contracted),
                Cell::Days(contract_days),
            ),
        ],
    }
}

/// A row of table 6: its code, its label, and whether the organisation
/// left and the new one are in the SPE (`None`: every direction).
type Direction = (&'static str, &'static str, Option<(bool, bool)>);

fn table_6(reorientations: &[Reorientation]) -> Table {
    // Whether the organisation left, and the new one, are in the SPE; the
    // total row takes every direction.
    let directions: [Direction; 5] = [
        (
            "to_outside",
            "Du service public de l'emploi vers un organisme hors SPE",
            Some((true, false)),
        ),
        (
            "to_spe",
            "D'un organisme hors SPE vers le service public de l'emploi",
            Some((false, true)),
        ),
        (
            "within_spe",
            "Au sein du service public de l'emploi",
            Some((true, true)),
        ),
        (
            "within_outside",
            "Au sein des organismes hors SPE",
            Some((false, false)),
        ),
        (TOTAL, "Personnes réorientées", None),
    ];
    let spe = OrganisationCategory::in_public_employment_service;
    let rows = directions
        .iter()
        .map(|(code, label, direction)| {
            let mut ids: Vec<Uuid> = reorientations
                .iter()
                .filter(|r| direction.is_none_or(|d| d == (spe(r.from), spe(r.to))))
                .map(|r| r.person_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            Row {
                heading: Heading::new(*code, *label),
                cells: vec![Cell::People(ids)],
            }
        })
        .collect();
    Table {
        number: 6,
        title: "Réorientations de l'année",
        definition: "Personnes dont une orientation validée décidée dans l'année a suivi une \
            autre orientation validée, selon que l'organisme quitté et l'organisme nouveau sont ou \
            non du service public de l'emploi (SPE : France Travail, missions locales, MDE, PLIE, \
            Cap emploi, appui à la création d'entreprise, IAE, autres organismes de placement ou \
            de formation). Une personne réorientée deux fois dans le même sens compte une fois.",
        columns: vec![Heading::new("people", "Personnes")],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const ON: Date = date!(2025 - 12 - 31);

    fn person(n: u128) -> ReturnPerson {
        ReturnPerson {
            person_id: Uuid::from_u128(n),
            birth_date: date!(1990 - 06 - 15),
            sex: Sex::Female,
            household: Some(Household::default()),
            on_rsa_since: Some(date!(2025 - 03 - 01)),
            education_level: Some("1204".into()),
            declared_job_seeker: false,
            referent: None,
            contract: None,
        }
    }

    fn count(table: &Table, row: &str, column: &str) -> i64 {
        table
            .cell(row, column)
            .and_then(Cell::count)
            .unwrap_or_else(|| panic!("no count at {row} × {column}"))
    }

    #[test]
    fn bands_cut_where_the_drees_cuts() {
        assert_eq!(AgeBand::of(24), AgeBand::Under25);
        assert_eq!(AgeBand::of(25), AgeBand::From25);
        assert_eq!(AgeBand::of(59), AgeBand::From50);
        assert_eq!(AgeBand::of(60), AgeBand::From60);
        let since = |d| SeniorityBand::of(Some(d), ON);
        assert_eq!(since(date!(2025 - 07 - 01)), SeniorityBand::Under6Months);
        assert_eq!(since(date!(2025 - 06 - 30)), SeniorityBand::Under1Year);
        assert_eq!(since(date!(2024 - 12 - 31)), SeniorityBand::Under2Years);
        assert_eq!(since(date!(2021 - 01 - 01)), SeniorityBand::Under5Years);
        assert_eq!(since(date!(2020 - 12 - 31)), SeniorityBand::Over5Years);
        assert_eq!(SeniorityBand::of(None, ON), SeniorityBand::Unknown);
        assert_eq!(EducationBand::of(Some("1206")), EducationBand::Vbis);
        assert_eq!(EducationBand::of(Some("1202")), EducationBand::III);
        assert_eq!(EducationBand::of(Some("9999")), EducationBand::Unknown);
        let h = |couple, children| Some(Household { couple, children });
        assert_eq!(FamilyBand::of(h(false, 2)), FamilyBand::SingleParent);
        assert_eq!(FamilyBand::of(h(true, 0)), FamilyBand::Couple);
        assert_eq!(FamilyBand::of(None), FamilyBand::Unknown);
    }

    #[test]
    fn table_1_counts_each_person_in_their_referent_and_bands() {
        let mut young = person(1);
        young.birth_date = date!(2002 - 01 - 01);
        young.referent = Some(OrganisationCategory::MissionLocale);
        let mut father = person(2);
        father.sex = Sex::Male;
        father.household = Some(Household {
            couple: true,
            children: 2,
        });
        father.referent = Some(OrganisationCategory::MissionLocale);
        father.education_level = None;
        let waiting = person(3);
        let t = &tables(ON, &[young, father, waiting], &[], &[])[0];
        assert_eq!(count(t, "mission_locale", TOTAL), 2);
        assert_eq!(count(t, "mission_locale", "age:under_25"), 1);
        assert_eq!(count(t, "mission_locale", "age:30_39"), 1);
        assert_eq!(count(t, "mission_locale", "sexe:M"), 1);
        assert_eq!(count(t, "mission_locale", "famille:couple_parents"), 1);
        assert_eq!(count(t, "mission_locale", "formation:unknown"), 1);
        assert_eq!(count(t, NOT_ORIENTED, TOTAL), 1);
        assert_eq!(count(t, TOTAL, TOTAL), 3);
        assert_eq!(count(t, TOTAL, "anciennete:6_months_1_year"), 3);
        assert_eq!(count(t, "france_travail", TOTAL), 0);
    }

    #[test]
    fn contracts_count_by_duration_and_in_each_category_of_their_objectives() {
        let mut a = person(1);
        a.referent = Some(OrganisationCategory::SocialService);
        a.contract = Some(ContractInForce {
            duration_months: 6,
            actions: vec![ActionCategory::Housing, ActionCategory::Mobility],
        });
        let mut b = person(2);
        b.referent = Some(OrganisationCategory::FranceTravail);
        b.contract = Some(ContractInForce {
            duration_months: 3,
            actions: vec![],
        });
        let mut c = person(3);
        c.referent = Some(OrganisationCategory::CcasCias);
        c.declared_job_seeker = true;
        let all = tables(ON, &[a, b.clone(), c], &[], &[]);
        assert_eq!(count(&all[1], TOTAL, "oriented"), 3);
        assert_eq!(count(&all[1], TOTAL, "france_travail"), 2);
        assert_eq!(count(&all[1], TOTAL, "contract"), 2);
        assert_eq!(count(&all[1], TOTAL, "either"), 3);
        assert_eq!(count(&all[2], "department_social_service", "6_12"), 1);
        assert_eq!(count(&all[2], "france_travail", "under_6"), 1);
        assert_eq!(count(&all[2], TOTAL, TOTAL), 2);
        assert_eq!(count(&all[3], "housing", "contracts"), 1);
        assert_eq!(count(&all[3], "mobility", "contracts"), 1);
        assert_eq!(count(&all[3], TOTAL, "contracts"), 2);
        assert_eq!(b.missing(), vec![Missing::ContractObjectives]);
    }

    #[test]
    fn entrants_give_the_two_mean_delays() {
        let entrant = |n, oriented: Option<Date>, category, signed: Option<Date>| Entrant {
            person_id: Uuid::from_u128(n),
            entered_on: date!(2025 - 03 - 01),
            oriented_on: oriented,
            category,
            signed_on: signed,
        };
        let t = &tables(
            ON,
            &[],
            &[
                entrant(
                    1,
                    Some(date!(2025 - 03 - 31)),
                    Some(OrganisationCategory::SocialService),
                    Some(date!(2025 - 04 - 10)),
                ),
                entrant(
                    2,
                    Some(date!(2025 - 04 - 30)),
                    Some(OrganisationCategory::FranceTravail),
                    Some(date!(2025 - 05 - 01)),
                ),
                entrant(3, None, None, None),
            ],
            &[],
        )[4];
        assert_eq!(count(t, "entrants", "people"), 3);
        assert_eq!(count(t, "oriented", "people"), 2);
        assert_eq!(
            t.cell("oriented", "mean_days"),
            Some(&Cell::Days(Some(45.0)))
        );
        assert_eq!(count(t, "outside_france_travail", "people"), 1);
        assert_eq!(count(t, "contract", "people"), 1);
        assert_eq!(
            t.cell("contract", "mean_days"),
            Some(&Cell::Days(Some(10.0)))
        );
        let empty = &tables(ON, &[], &[], &[])[4];
        assert_eq!(empty.cell("oriented", "mean_days"), Some(&Cell::Days(None)));
    }

    #[test]
    fn reorientations_count_people_by_direction() {
        let r = |n, from, to| Reorientation {
            person_id: Uuid::from_u128(n),
            from,
            to,
        };
        use OrganisationCategory::*;
        let t = &tables(
            ON,
            &[],
            &[],
            &[
                r(1, FranceTravail, SocialService),
                r(1, SocialService, FranceTravail),
                r(2, Caf, CcasCias),
                r(3, FranceTravail, Iae),
            ],
        )[5];
        assert_eq!(count(t, "to_outside", "people"), 1);
        assert_eq!(count(t, "to_spe", "people"), 1);
        assert_eq!(count(t, "within_spe", "people"), 1);
        assert_eq!(count(t, "within_outside", "people"), 1);
        assert_eq!(count(t, TOTAL, "people"), 3);
    }

    #[test]
    fn the_mapping_prefers_the_objective_then_its_category_then_the_default() {
        let mapping = ObjectiveMapping::parse(&[
            MappingInput {
                objective_category: "trouver-un-emploi".into(),
                title: String::new(),
                action: "unsubsidised_job".into(),
            },
            MappingInput {
                objective_category: "famille".into(),
                title: "Rompre l’isolement".into(),
                action: "social_ties".into(),
            },
        ])
        .unwrap();
        assert_eq!(
            mapping.action_of("trouver-un-emploi", "Trouver un CDI"),
            ActionCategory::UnsubsidisedJob
        );
        assert_eq!(
            mapping.action_of("famille", "Rompre l’isolement"),
            ActionCategory::SocialTies
        );
        assert_eq!(
            mapping.action_of("famille", "Autre chose"),
            ActionCategory::Family
        );
        assert_eq!(mapping.action_of("inconnue", ""), ActionCategory::Other);
        let bad = ObjectiveMapping::parse(&[MappingInput {
            objective_category: "famille".into(),
            title: "Un objectif libre".into(),
            action: "family".into(),
        }])
        .unwrap_err();
        assert_eq!(bad.errors[0].field, "correspondances[0]");
    }

    #[test]
    fn a_year_is_past_or_current() {
        let today = date!(2026 - 12 - 05);
        assert_eq!(parse_year("", today).unwrap(), 2025);
        assert_eq!(parse_year("2026", today).unwrap(), 2026);
        assert!(parse_year("2027", today).is_err());
        assert!(parse_year("vingt", today).is_err());
        assert_eq!(observed_on(2026, today), today);
        assert_eq!(observed_on(2025, today), date!(2025 - 12 - 31));
    }

    fn arbitrary_person() -> impl Strategy<Value = ReturnPerson> {
        (
            any::<u128>(),
            0i64..30_000,
            any::<bool>(),
            proptest::option::of((any::<bool>(), 0i64..4)),
            proptest::option::of(0i64..6_000),
            proptest::option::of(prop::sample::select(vec![
                "1201", "1203", "1204", "1206", "x",
            ])),
            proptest::option::of(prop::sample::select(OrganisationCategory::ALL.to_vec())),
            proptest::option::of((
                1i64..25,
                prop::sample::subsequence(ActionCategory::ALL.to_vec(), 0..3),
            )),
        )
            .prop_map(
                |(id, age, male, household, since, education, referent, contract)| ReturnPerson {
                    person_id: Uuid::from_u128(id),
                    birth_date: ON - time::Duration::days(age),
                    sex: if male { Sex::Male } else { Sex::Female },
                    household: household.map(|(couple, children)| Household { couple, children }),
                    on_rsa_since: since.map(|d| ON - time::Duration::days(d)),
                    education_level: education.map(str::to_owned),
                    declared_job_seeker: male,
                    referent,
                    contract: contract.map(|(duration_months, actions)| ContractInForce {
                        duration_months,
                        actions,
                    }),
                },
            )
    }

    proptest! {
        /// Every breakdown of table 1 adds up to its total, and every row
        /// of a table by organisation adds up to its total row.
        #[test]
        fn breakdowns_add_up(people in prop::collection::vec(arbitrary_person(), 0..40)) {
            let all = tables(ON, &people, &[], &[]);
            let t1 = &all[0];
            for row in &t1.rows {
                let total = row.cells[0].count().unwrap();
                for prefix in ["age:", "sexe:", "famille:", "anciennete:", "formation:"] {
                    let sum: i64 = t1.columns.iter().zip(&row.cells)
                        .filter(|(c, _)| c.code.starts_with(prefix))
                        .map(|(_, cell)| cell.count().unwrap())
                        .sum();
                    prop_assert_eq!(sum, total, "{} {}", row.heading.code, prefix);
                }
            }
            for table in &all[..3] {
                for column in &table.columns {
                    let parts: i64 = table.rows.iter()
                        .filter(|r| r.heading.code != TOTAL)
                        .map(|r| table.cell(&r.heading.code, &column.code).and_then(Cell::count).unwrap())
                        .sum();
                    prop_assert_eq!(parts, count(table, TOTAL, &column.code));
                }
            }
            prop_assert_eq!(count(t1, TOTAL, TOTAL), people.len() as i64);
            let t3 = &all[2];
            let durations: i64 = ["under_6", "6_12", "12_plus"].iter().map(|c| count(t3, TOTAL, c)).sum();
            prop_assert_eq!(durations, count(t3, TOTAL, TOTAL));
        }
    }
}
