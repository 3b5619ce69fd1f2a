//! `parcours generate caf-xml FILE --dossiers N --seed S`: the CAF
//! bénéficiaires file the département would receive next month about the
//! households in the database — most unchanged, some with a new RSA state,
//! people entering or leaving droits et devoirs, corrected names — plus new
//! dossiers up to N. Deterministic for a seed; what the import benchmark
//! and the demo of the import read.

use parcours_domain::caf::{iso_date, RawDossier, RawMotive, RawPerson};
use parcours_domain::nir::Nir;
use parcours_domain::person::Fund;
use parcours_domain::person::Sex;
use parcours_import::caf_xml::{CafXmlWriter, FileKind};
use parcours_store::person::{Household, Person};
use parcours_store::Store;
use std::io::BufWriter;
use std::path::Path;
use time::{Date, Duration};

const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Lefebvre",
    "Leroy",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
];
const FIRST_NAMES: [&[&str]; 2] = [
    &[
        "Lucas", "Hugo", "Louis", "Nathan", "Thomas", "Karim", "Mamadou", "Julien", "Kevin",
    ],
    &[
        "Emma", "Léa", "Chloé", "Inès", "Manon", "Sarah", "Fatou", "Aurélie", "Nadia",
    ],
];
const COMMUNES: &[&str] = &["14118", "14327", "14437", "14341", "14047", "14366"];

/// What the written file holds.
pub struct Written {
    pub known: usize,
    pub new: usize,
}

pub async fn write(
    store: &Store,
    path: &Path,
    dossiers: usize,
    seed: u64,
) -> anyhow::Result<Written> {
    let today = parcours_domain::clock::today();
    let known = store.households_with_members(dossiers as i64).await?;
    let out = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    let mut writer = CafXmlWriter::new(out, FileKind::Beneficiaries, today, Fund::Caf)?;
    let mut random = Lcg(seed);
    for (household, members) in &known {
        writer.dossier(&next_month(household, members, today, &mut random))?;
    }
    let new = dossiers.saturating_sub(known.len());
    for k in 0..new {
        writer.dossier(&new_dossier(k, today, &mut random))?;
    }
    writer.finish()?;
    Ok(Written {
        known: known.len(),
        new,
    })
}

/// A known household as next month's file describes it.
fn next_month(
    household: &Household,
    members: &[Person],
    today: Date,
    random: &mut Lcg,
) -> RawDossier {
    // The CAF dates a state by its closure or suspension block.
    let (state, motive) = match random.below(100) {
        0..=2 => ("5".to_owned(), ("RFD", today - Duration::days(10))),
        3..=4 => ("3".to_owned(), ("DB", today - Duration::days(5))),
        _ => (household.rsa_state.to_string(), ("", today)),
    };
    let motive = RawMotive {
        reason: motive.0.into(),
        on: iso_date(motive.1),
    };
    let first = members.first();
    RawDossier {
        line: 0,
        rsa_number: household.rsa_number.clone(),
        caf_number: household
            .caf_number
            .as_deref()
            .map(as_the_caf_writes)
            .unwrap_or_default(),
        closure: if state == "5" {
            motive.clone()
        } else {
            RawMotive::default()
        },
        right_suspension: if state == "3" {
            motive
        } else {
            RawMotive::default()
        },
        rsa_state: state,
        // What the CAF said last month, it says again.
        request_date: household.rsa_requested_on.map(iso_date).unwrap_or_default(),
        family_situation: household.family_situation.clone().unwrap_or_default(),
        family_situation_on: household
            .family_situation_on
            .map(iso_date)
            .unwrap_or_default(),
        homeless: if household.homeless { "1" } else { "0" }.into(),
        address: first.and_then(|p| p.address.clone()).unwrap_or_default(),
        commune_code: first
            .and_then(|p| p.commune_code.clone())
            .unwrap_or_default(),
        persons: members
            .iter()
            .map(|p| next_month_person(p, random))
            .collect(),
        ..RawDossier::default()
    }
}

fn next_month_person(p: &Person, random: &mut Lcg) -> RawPerson {
    let subject = match (p.subject_to_duties, random.below(100)) {
        (true, 0..=1) => false,
        (false, 0..=49) => true,
        (subject, _) => subject,
    };
    let last_name = if random.below(200) == 0 {
        format!(
            "{}-{}",
            p.last_name,
            LAST_NAMES[random.below(LAST_NAMES.len())]
        )
    } else {
        p.last_name.clone()
    };
    RawPerson {
        line: 0,
        role: p.household_role.code().into(),
        last_name,
        first_names: p.first_names.clone(),
        birth_name: p.birth_name.clone().unwrap_or_default(),
        birth_date: iso_date(p.birth_date),
        sex: if p.sex == Sex::Female { "2" } else { "1" }.into(),
        nir: p.nir.clone().unwrap_or_default(),
        subject_to_duties: if subject { "1" } else { "0" }.into(),
        new_entrant: if subject && !p.subject_to_duties {
            "1"
        } else {
            "0"
        }
        .into(),
        declared: Default::default(),
    }
}

/// A dossier the database does not know: a requester (and sometimes a
/// partner and children), numbered apart from the generated households.
fn new_dossier(k: usize, today: Date, random: &mut Lcg) -> RawDossier {
    let mut persons = vec![new_person(2 * k, "DEM", random)];
    if random.below(4) == 0 {
        persons.push(new_person(2 * k + 1, "CJT", random));
    }
    for _ in 0..random.below(3) {
        persons.push(RawPerson {
            role: "ENF".into(),
            last_name: persons[0].last_name.clone(),
            first_names: FIRST_NAMES[random.below(2)][random.below(9)].into(),
            birth_date: format!(
                "{}-0{}-1{}",
                2010 + random.below(14),
                1 + random.below(9),
                random.below(10)
            ),
            sex: (1 + random.below(2)).to_string(),
            subject_to_duties: "0".into(),
            ..RawPerson::default()
        });
    }
    RawDossier {
        line: 0,
        rsa_number: format!("99{k:09}"),
        caf_number: as_the_caf_writes(&format!("{:07}", 5_000_000 + k)),
        rsa_state: "2".into(),
        request_date: iso_date(today - Duration::days(1 + random.below(40) as i64)),
        address: format!("{} avenue de la République", 1 + random.below(200)),
        commune_code: COMMUNES[random.below(COMMUNES.len())].into(),
        persons,
        ..RawDossier::default()
    }
}

fn new_person(n: usize, role: &str, random: &mut Lcg) -> RawPerson {
    let sex = random.below(2);
    let year = 1965 + random.below(40);
    let month = 1 + random.below(12);
    // Born abroad (département 99), country and order from the number: unique NIRs.
    let body = format!(
        "{}{:02}{month:02}99{:03}{:03}",
        sex + 1,
        year % 100,
        n / 999 % 999 + 1,
        n % 999 + 1
    );
    RawPerson {
        line: 0,
        role: role.into(),
        last_name: LAST_NAMES[random.below(LAST_NAMES.len())].into(),
        first_names: FIRST_NAMES[sex][random.below(9)].into(),
        birth_name: String::new(),
        birth_date: format!("{year}-{month:02}-{:02}", 1 + random.below(28)),
        sex: (sex + 1).to_string(),
        nir: Nir::parse(&body)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        subject_to_duties: "1".into(),
        new_entrant: "1".into(),
        declared: Default::default(),
    }
}

/// A numéro allocataire as the CAF's MATRICULE: 15 digits, the 7 followed
/// by 8 zeros.
fn as_the_caf_writes(number: &str) -> String {
    if number.len() == 7 {
        format!("{number}00000000")
    } else {
        number.to_owned()
    }
}

/// A linear congruential generator: deterministic, no dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}
