//! One generated household and its members' pathways, planned in memory
//! with consistent dates: entry into droits et devoirs, orientation (some
//! pending, rejected or revised), référent designations, joint reviews of
//! social pathways, diagnostics and chains of contracts, closure.

use super::random::{Ids, Kind, Rng};
use super::texts;
use parcours_domain::caf::CafFacts;
use parcours_domain::clock::paris_instant;
use parcours_domain::contract::{
    end_date, ContractData, ContractKind, ContractStatus, HoursReason, Objective, ReviewResult,
    DEFAULT_WEEKLY_HOURS, ENGAGEMENT_REGIME_START,
};
use parcours_domain::deadline::{add_months, OrientationFacts, OrientationKind, PathwayFacts};
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::diagnostic::{Barrier, DiagnosticData, Resource, Severity};
use parcours_domain::nir::Nir;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{
    ClosureReason, Fund, HouseholdData, HouseholdRole, PersonData, RsaState, Sex,
};
use parcours_domain::taxonomy;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// How far back the pathways go.
pub const HISTORY_YEARS: i64 = 5;

/// Draws of the people (see [`Rng::new`]).
const STREAM: u64 = 1;
/// Draws added later, on streams of their own so that the earlier ones
/// (and the dataset they make) stay as they were.
const CHILDREN: u64 = 11;
const DECLARATIONS: u64 = 12;

/// What every plan needs: the day, the organisations and the référents.
pub struct Setting {
    pub today: Date,
    /// No generated moment is later than this.
    pub now: OffsetDateTime,
    pub ids: Ids,
    pub seed: u64,
    pub department: Uuid,
    pub ccas: Uuid,
    pub france_travail: Uuid,
    /// The CCAS's référents: (id, email).
    pub referents: Vec<(Uuid, String)>,
    /// Author of orientations and designations.
    pub label: String,
}

impl Setting {
    /// A moment of that day, in office hours, not in the future.
    pub fn at(&self, rng: &mut Rng, day: Date) -> OffsetDateTime {
        rng.during(day).min(self.now)
    }
}

pub struct Household {
    pub id: Uuid,
    pub data: HouseholdData,
    pub members: Vec<Member>,
    /// The household's children: files without droits et devoirs nor pathway.
    pub children: Vec<(Uuid, PersonData)>,
}

pub struct Member {
    /// Number of the person among generated ones (ids of their rows derive from it).
    pub key: u64,
    pub id: Uuid,
    pub data: PersonData,
    pub closed: Option<(Date, ClosureReason)>,
    pub organisation: Uuid,
    pub orientations: Vec<Orientation>,
    pub assignments: Vec<Assignment>,
    pub reviews: Vec<Review>,
    pub diagnostics: Vec<Diagnostic>,
    pub contracts: Vec<Contract>,
    /// What they declared when applying (the flux instruction), for most.
    pub declared: Option<DeclaredSituation>,
}

pub struct Orientation {
    pub id: Uuid,
    pub kind: OrientationKind,
    pub lead: Uuid,
    pub decided_on: Date,
    pub reason: Option<String>,
    pub extended_review: bool,
    pub status: OrientationStatus,
    pub notified_on: Option<Date>,
    pub rejection_reason: Option<String>,
    pub created_at: OffsetDateTime,
}

pub struct Assignment {
    pub id: Uuid,
    pub orientation_id: Uuid,
    /// Index in [`Setting::referents`].
    pub referent: usize,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub created_at: OffsetDateTime,
}

pub struct Review {
    pub id: Uuid,
    pub on: Date,
    pub outcome: &'static str,
    pub created_at: OffsetDateTime,
}

pub struct Diagnostic {
    pub id: Uuid,
    pub version: i64,
    pub on: Date,
    pub data: DiagnosticData,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

pub struct Contract {
    pub id: Uuid,
    pub data: ContractData,
    pub orientation_id: Uuid,
    pub assignment_id: Uuid,
    pub status: ContractStatus,
    pub created_on: Date,
    pub signed_on: Option<Date>,
    pub validated_on: Option<Date>,
    pub rejection_reason: Option<String>,
    pub ended_on: Option<Date>,
    pub reviewed_on: Option<Date>,
    pub review_comment: Option<String>,
    pub previous: Option<Uuid>,
    pub version: i64,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub objectives: Vec<PlannedObjective>,
}

pub struct PlannedObjective {
    pub id: Uuid,
    pub objective: Objective,
    pub result: Option<(ReviewResult, Option<String>)>,
}

impl Member {
    /// The last day anything happens: the closure, or today.
    pub fn end(&self, today: Date) -> Date {
        self.closed.map_or(today, |(on, _)| on)
    }

    /// When the file was last written: at the entry, at each validated
    /// orientation (it names the responsible organisation), at the closure.
    pub fn last_written(&self, setting: &Setting) -> OffsetDateTime {
        let on = |day: Date| paris_instant(day, time::macros::time!(9:00)).min(setting.now);
        let validated = self
            .orientations
            .iter()
            .filter(|o| o.status == OrientationStatus::Validated)
            .map(|o| o.created_at);
        self.data
            .duties_since
            .map(on)
            .into_iter()
            .chain(validated)
            .chain(self.closed.map(|(day, _)| on(day)))
            .max()
            .unwrap_or(setting.now)
    }

    /// The validated orientation that counts (latest notified, as the store reads it).
    pub fn current_orientation(&self) -> Option<&Orientation> {
        self.orientations
            .iter()
            .filter(|o| o.status == OrientationStatus::Validated)
            .max_by_key(|o| (o.notified_on, o.created_at))
    }

    /// The référent designation running on `day`.
    pub fn assignment_on(&self, day: Date) -> Option<&Assignment> {
        self.assignments
            .iter()
            .find(|a| a.starts_on <= day && a.ends_on.is_none_or(|end| end > day))
    }

    /// The dates the clocks are computed from, read the way the store's
    /// `refresh_clocks` reads them from the rows.
    pub fn facts(&self) -> PathwayFacts {
        let Some(current) = self.current_orientation() else {
            return PathwayFacts::default();
        };
        let notified_on = current.notified_on.expect("validated");
        let counted = [
            ContractStatus::Validated,
            ContractStatus::Running,
            ContractStatus::Ended,
            ContractStatus::Reviewed,
            ContractStatus::Renewed,
        ];
        let latest = self
            .contracts
            .iter()
            .filter(|c| counted.contains(&c.status))
            .max_by_key(|c| c.data.starts_on);
        PathwayFacts {
            orientation: Some(OrientationFacts {
                kind: current.kind,
                decided_on: current.decided_on,
                notified_on,
                extended_review: current.extended_review,
            }),
            contract_signed_on: self
                .contracts
                .iter()
                .filter(|c| c.status != ContractStatus::Rejected)
                .filter_map(|c| c.signed_on)
                .filter(|on| *on >= notified_on)
                .min(),
            contract_ends_on: latest.map(|c| c.data.ends_on),
            contract_reviewed_on: latest.and_then(|c| c.reviewed_on),
            joint_review_on: self
                .reviews
                .iter()
                .map(|r| r.on)
                .filter(|on| *on >= notified_on)
                .min(),
            ..PathwayFacts::default()
        }
    }

    /// Diagnostic domains (barrier categories) of the latest revision.
    pub fn domains(&self) -> Vec<&str> {
        let mut domains: Vec<&str> = self
            .diagnostics
            .last()
            .map(|d| {
                d.data
                    .barriers
                    .iter()
                    .map(|b| b.category.as_str())
                    .collect()
            })
            .unwrap_or_default();
        domains.dedup();
        domains
    }
}

/// Household `index` (numéro de demande `14{index:09}`) and its one or two
/// members, numbered `key` and `key + 1`.
pub fn household(setting: &Setting, index: u64, key: u64, room: usize) -> Household {
    let mut rng = Rng::new(setting.seed, STREAM, index);
    let today = setting.today;
    let ids = &setting.ids;
    let oldest = today - Duration::days(365 * HISTORY_YEARS);
    // Entries spread over the years, more of them recent (the stock turns over).
    let back = (rng.unit().powf(1.3) * (today - oldest).whole_days() as f64) as i64;
    let since = today - Duration::days(back.max(3));
    let couple = room >= 2 && rng.chance(0.18);
    let held = (today - since).whole_days();
    let closure = (held > 90 && rng.chance(0.3 * held as f64 / 1825.0)).then(|| {
        let on = since + Duration::days(rng.range(60, held - 1));
        let reason = match rng.below(100) {
            0..=54 => ClosureReason::RsaClosed,
            55..=74 => ClosureReason::Moved,
            75..=91 => ClosureReason::EndOfDuties,
            92..=93 => ClosureReason::Deceased,
            _ => ClosureReason::Other,
        };
        (on, reason)
    });
    let (rsa_state, rsa_state_on) = match closure {
        Some((on, ClosureReason::RsaClosed)) => (
            if rng.chance(0.8) {
                RsaState::Closed
            } else {
                RsaState::ClosedRegularised
            },
            on,
        ),
        _ => match rng.below(100) {
            0..=2 if held < 60 => (RsaState::New, since),
            3..=6 => (
                RsaState::OpenSuspended,
                rng.day(since, today - Duration::days(1)),
            ),
            7..=9 => (
                RsaState::OpenPaymentSuspended,
                rng.day(since, today - Duration::days(1)),
            ),
            _ => (RsaState::OpenPaid, since),
        },
    };
    let data = HouseholdData {
        rsa_number: format!("14{index:09}"),
        caf_number: Some(format!("{:07}", (3_000_000 + index * 7) % 10_000_000)),
        fund: if rng.chance(0.05) {
            Fund::Msa
        } else {
            Fund::Caf
        },
        rsa_state,
        rsa_state_on: Some(rsa_state_on),
        // The request comes days or weeks before the droits et devoirs
        // (from the index, so that the random draws stay those of before).
        caf: Some(CafFacts {
            requested_on: Some(since - Duration::days(5 + (index % 40) as i64)),
            family_situation: Some(if couple { "MAR" } else { "CEL" }.to_owned()),
            family_situation_on: Some(since),
            homeless: index.is_multiple_of(33),
            state_reason: match rsa_state {
                RsaState::OpenSuspended => Some("DB".to_owned()),
                RsaState::OpenPaymentSuspended => Some("06".to_owned()),
                RsaState::Closed | RsaState::ClosedRegularised => Some("ECH".to_owned()),
                _ => None,
            },
        }),
    };
    let last_name = *rng.pick(texts::LAST_NAMES);
    let commune = *rng.pick(texts::COMMUNES);
    let street = format!("{} {}", 1 + rng.below(120), rng.pick(texts::STREETS));
    let first_sex = if rng.chance(0.55) {
        Sex::Female
    } else {
        Sex::Male
    };
    let mut members = Vec::new();
    let roles: &[HouseholdRole] = if couple {
        &[HouseholdRole::Requester, HouseholdRole::Partner]
    } else {
        &[HouseholdRole::Requester]
    };
    for (n, role) in roles.iter().enumerate() {
        let key = key + n as u64;
        let mut rng = Rng::new(setting.seed, STREAM, (1 << 48) | key);
        let sex = match (n, first_sex) {
            (0, sex) => sex,
            (_, Sex::Female) => Sex::Male,
            _ => Sex::Female,
        };
        // Each member's closure: the household's when its right ends, else their own.
        let closed = match closure {
            Some((on, ClosureReason::RsaClosed)) => Some((on, ClosureReason::RsaClosed)),
            Some(c) if n == 0 || rng.chance(0.5) => Some(c),
            _ => None,
        };
        let identity = Identity {
            index,
            role: *role,
            sex,
            last_name,
            single_parent: !couple && sex == Sex::Female && rng.chance(0.3),
            commune,
            address: street.clone(),
            since,
        };
        members.push(member(setting, &mut rng, ids, key, &identity, closed));
    }
    let children = children(setting, index, &members, last_name);
    Household {
        id: ids.id(Kind::Household, index),
        data,
        members,
        children,
    }
}

/// Children of a couple (more than half) or of a single parent (one to three).
fn children(
    setting: &Setting,
    index: u64,
    members: &[Member],
    last_name: &str,
) -> Vec<(Uuid, PersonData)> {
    let mut rng = Rng::new(setting.seed, CHILDREN, index);
    let parent = &members[0].data;
    let with_children = if members.len() > 1 {
        rng.chance(0.55)
    } else {
        parent.single_parent || rng.chance(0.08)
    };
    let count = if with_children { 1 + rng.below(3) } else { 0 };
    (0..count)
        .map(|n| {
            let sex = if rng.chance(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            let first = match sex {
                Sex::Female => *rng.pick(texts::FIRST_NAMES_F),
                Sex::Male => *rng.pick(texts::FIRST_NAMES_M),
            };
            let data = PersonData {
                household_role: HouseholdRole::Child,
                last_name: last_name.to_owned(),
                first_names: first.to_owned(),
                birth_name: None,
                birth_date: setting.today - Duration::days(rng.range(200, 17 * 365)),
                sex,
                nir: None,
                email: None,
                phone: None,
                address: parent.address.clone(),
                commune_code: parent.commune_code.clone(),
                subject_to_duties: false,
                duties_since: None,
                single_parent: false,
                other_minimum_income: false,
                rqth: false,
            };
            (setting.ids.id(Kind::Child, index * 4 + n as u64), data)
        })
        .collect()
}

/// What most applicants declared (education level, job-seeker
/// registration) a few days before their droits et devoirs.
fn declared(setting: &Setting, key: u64, since: Date) -> Option<DeclaredSituation> {
    let mut rng = Rng::new(setting.seed, DECLARATIONS, key);
    if !rng.chance(0.85) {
        return None;
    }
    const LEVELS: [&str; 7] = ["1201", "1202", "1203", "1204", "1205", "1206", "1207"];
    const JOB_SEEKER: [&str; 4] = ["4301", "4302", "4303", "4304"];
    Some(DeclaredSituation {
        declared_on: Some(since - Duration::days(5)),
        education_level: Some(LEVELS[rng.weighted(&[8, 10, 25, 30, 10, 12, 5])].to_owned()),
        job_seeker: Some(JOB_SEEKER[rng.weighted(&[35, 30, 25, 10])].to_owned()),
        ..Default::default()
    })
}

struct Identity {
    index: u64,
    role: HouseholdRole,
    sex: Sex,
    last_name: &'static str,
    single_parent: bool,
    commune: &'static str,
    address: String,
    since: Date,
}

fn member(
    setting: &Setting,
    rng: &mut Rng,
    ids: &Ids,
    key: u64,
    who: &Identity,
    closed: Option<(Date, ClosureReason)>,
) -> Member {
    let age = if rng.chance(0.15) {
        rng.range(18, 25)
    } else {
        rng.range(26, 62)
    };
    let birth = who.since - Duration::days(age * 365 + rng.range(0, 364));
    let first = match who.sex {
        Sex::Female => *rng.pick(texts::FIRST_NAMES_F),
        Sex::Male => *rng.pick(texts::FIRST_NAMES_M),
    };
    // The NIR's place of birth and order number come from the household
    // number: unique up to ~998 000 households; a partner is born in the Manche.
    let nir = format!(
        "{}{:02}{:02}{}{:03}{:03}",
        if who.sex == Sex::Male { 1 } else { 2 },
        birth.year() % 100,
        u8::from(birth.month()),
        if who.role == HouseholdRole::Requester {
            "14"
        } else {
            "50"
        },
        (who.index / 999) % 999 + 1,
        who.index % 999 + 1
    );
    let email = rng.chance(0.35).then(|| {
        format!(
            "{}.{}{}@exemple.fr",
            parcours_domain::person::fold(first).replace(' ', "-"),
            parcours_domain::person::fold(who.last_name).replace(' ', "-"),
            key
        )
    });
    let phone = rng.chance(0.7).then(|| {
        format!(
            "06 {:02} {:02} {:02} {:02}",
            rng.below(100),
            rng.below(100),
            rng.below(100),
            rng.below(100)
        )
    });
    let data = PersonData {
        household_role: who.role,
        last_name: who.last_name.to_owned(),
        first_names: first.to_owned(),
        birth_name: None,
        birth_date: birth,
        sex: who.sex,
        nir: Some(Nir::parse(&nir).expect("generated NIRs are valid")),
        email,
        phone,
        address: Some(who.address.clone()),
        commune_code: Some(who.commune.to_owned()),
        subject_to_duties: true,
        duties_since: Some(who.since),
        single_parent: who.single_parent,
        other_minimum_income: rng.chance(0.03),
        rqth: rng.chance(0.06),
    };
    let mut member = Member {
        key,
        id: ids.id(Kind::Person, key),
        data,
        closed,
        organisation: setting.department,
        orientations: Vec::new(),
        assignments: Vec::new(),
        reviews: Vec::new(),
        diagnostics: Vec::new(),
        contracts: Vec::new(),
        declared: declared(setting, key, who.since),
    };
    pathway(setting, rng, &mut member);
    member
}

/// Counts the rows of one kind a person has, for their ids.
#[derive(Default)]
struct Counter(u64);

impl Counter {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0 - 1
    }
}

fn lead_of(setting: &Setting, rng: &mut Rng, kind: OrientationKind) -> Uuid {
    match kind {
        OrientationKind::Professional => setting.france_travail,
        OrientationKind::SocioProfessional => setting.ccas,
        OrientationKind::Social if rng.chance(0.85) => setting.ccas,
        OrientationKind::Social => setting.department,
    }
}

fn pick_kind(rng: &mut Rng) -> OrientationKind {
    [
        OrientationKind::Professional,
        OrientationKind::SocioProfessional,
        OrientationKind::Social,
    ][rng.weighted(&[35, 35, 30])]
}

/// Orientation, référents, reviews, diagnostics, contracts.
fn pathway(setting: &Setting, rng: &mut Rng, m: &mut Member) {
    let today = setting.today;
    let end = m.end(today);
    let since = m.data.duties_since.expect("subject to duties");
    let ids = &setting.ids;
    let key = m.key;
    let mut orientation_ids = Counter::default();
    let mut orientation_id = || ids.sub(Kind::Orientation, key, orientation_ids.next());
    // Some wait for their orientation, beyond the legal delay.
    if rng.chance(0.03) {
        return;
    }
    let delay = match rng.weighted(&[60, 30, 10]) {
        0 => rng.range(7, 30),
        1 => rng.range(31, 42),
        _ => rng.range(43, 90),
    };
    let mut decided_on = since + Duration::days(delay);
    if decided_on > end {
        return;
    }
    let mut kind = pick_kind(rng);
    // A decision the cadre turned down, decided again a little later.
    if rng.chance(0.02) {
        m.orientations.push(Orientation {
            id: orientation_id(),
            kind,
            lead: lead_of(setting, rng, kind),
            decided_on,
            reason: None,
            extended_review: false,
            status: OrientationStatus::Rejected,
            notified_on: None,
            rejection_reason: Some(rng.pick(texts::ORIENTATION_REJECTIONS).to_string()),
            created_at: setting.at(rng, decided_on),
        });
        decided_on += Duration::days(rng.range(7, 21));
        if decided_on > end {
            return;
        }
        kind = pick_kind(rng);
    }
    let lead = lead_of(setting, rng, kind);
    let extended_review = kind == OrientationKind::Social && rng.chance(0.3);
    let notified_on = decided_on + Duration::days(rng.range(1, 14));
    let recent = decided_on > today - Duration::days(25);
    if notified_on > end || (m.closed.is_none() && recent && rng.chance(0.5)) {
        if m.closed.is_none() {
            m.orientations.push(Orientation {
                id: orientation_id(),
                kind,
                lead,
                decided_on,
                reason: None,
                extended_review,
                status: OrientationStatus::Pending,
                notified_on: None,
                rejection_reason: None,
                created_at: setting.at(rng, decided_on),
            });
        }
        return;
    }
    let first = Orientation {
        id: orientation_id(),
        kind,
        lead,
        decided_on,
        reason: None,
        extended_review,
        status: OrientationStatus::Validated,
        notified_on: Some(notified_on),
        rejection_reason: None,
        created_at: setting.at(rng, decided_on),
    };
    let first_id = first.id;
    m.orientations.push(first);
    m.organisation = lead;
    // Référent of the first orientation (the CCAS names one).
    let mut assignment_ids = Counter::default();
    let designate = |rng: &mut Rng,
                     m: &mut Member,
                     counter: &mut Counter,
                     orientation: Uuid,
                     starts_on: Date| {
        let referent = rng.below(setting.referents.len());
        m.assignments.push(Assignment {
            id: ids.sub(Kind::Assignment, m.key, counter.next()),
            orientation_id: orientation,
            referent,
            starts_on,
            ends_on: None,
            created_at: setting.at(rng, starts_on),
        });
    };
    if lead == setting.ccas && rng.chance(0.93) {
        let starts_on = notified_on + Duration::days(rng.range(0, 21));
        if starts_on <= end {
            designate(rng, m, &mut assignment_ids, first_id, starts_on);
        }
    }
    // A re-orientation, with its reason, for some of those followed long enough.
    let mut current = (first_id, kind, lead, notified_on);
    let room = (end - notified_on).whole_days();
    if room > 240 && rng.chance(0.1) {
        let decided_on = notified_on + Duration::days(rng.range(120, room - 20));
        let next_kind = loop {
            let k = pick_kind(rng);
            if k != kind {
                break k;
            }
        };
        let next_lead = lead_of(setting, rng, next_kind);
        let notified = decided_on + Duration::days(rng.range(1, 10));
        if notified <= end {
            let id = orientation_id();
            m.orientations.push(Orientation {
                id,
                kind: next_kind,
                lead: next_lead,
                decided_on,
                reason: Some(texts::reorientation_reason(kind, next_kind).to_owned()),
                extended_review: next_kind == OrientationKind::Social && rng.chance(0.3),
                status: OrientationStatus::Validated,
                notified_on: Some(notified),
                rejection_reason: None,
                created_at: setting.at(rng, decided_on),
            });
            m.organisation = next_lead;
            // The validation ends a designation in another organisation.
            if next_lead != setting.ccas {
                for a in m.assignments.iter_mut().filter(|a| a.ends_on.is_none()) {
                    a.ends_on = Some(notified);
                }
            }
            if next_lead == setting.ccas && m.assignments.is_empty() && rng.chance(0.93) {
                let starts_on = notified + Duration::days(rng.range(0, 21));
                if starts_on <= end {
                    designate(rng, m, &mut assignment_ids, id, starts_on);
                }
            }
            current = (id, next_kind, next_lead, notified);
        }
    }
    let (orientation, kind, lead, notified_on) = current;
    // A change of référent now and then: history of designations.
    if let Some(first) = m.assignments.first() {
        let (starts_on, first_referent, orientation_of_first) =
            (first.starts_on, first.referent, first.orientation_id);
        let room = (end - starts_on).whole_days();
        if first.ends_on.is_none() && room > 120 && rng.chance(0.15) {
            let change = starts_on + Duration::days(rng.range(60, room - 1));
            m.assignments[0].ends_on = Some(change);
            let referent = (first_referent + 1 + rng.below(setting.referents.len().max(2) - 1))
                % setting.referents.len();
            let orientation_id = if change >= notified_on {
                orientation
            } else {
                orientation_of_first
            };
            m.assignments.push(Assignment {
                id: ids.sub(Kind::Assignment, m.key, assignment_ids.next()),
                orientation_id,
                referent,
                starts_on: change,
                ends_on: None,
                created_at: setting.at(rng, change),
            });
        }
    }
    // Closure ends the designation.
    if let Some((on, _)) = m.closed {
        for a in m.assignments.iter_mut().filter(|a| a.ends_on.is_none()) {
            a.ends_on = Some(on);
        }
    }
    if kind == OrientationKind::Social {
        reviews(setting, rng, m, notified_on, end);
    }
    if lead != setting.ccas {
        return;
    }
    let Some(first_designation) = m.assignments.first().map(|a| a.starts_on) else {
        return;
    };
    let diagnosed_on = first_designation.max(notified_on) + Duration::days(rng.range(3, 45));
    if diagnosed_on > end || !rng.chance(0.85) {
        return;
    }
    diagnostics(setting, rng, m, diagnosed_on, end);
    if rng.chance(0.85) {
        let created_on = diagnosed_on + Duration::days(rng.range(0, 20));
        contracts(setting, rng, m, orientation, created_on, end);
    }
}

fn reviews(setting: &Setting, rng: &mut Rng, m: &mut Member, notified_on: Date, end: Date) {
    let current = m.current_orientation().expect("validated");
    let months = if current.extended_review { 12 } else { 6 };
    let mut due = add_months(notified_on, months);
    let mut k = 0;
    loop {
        let on = due + Duration::days(rng.range(-20, 40));
        if on > end || !rng.chance(0.75) {
            return;
        }
        m.reviews.push(Review {
            id: setting.ids.sub(Kind::Review, m.key, k),
            on,
            outcome: rng.pick::<&str>(texts::REVIEW_OUTCOMES),
            created_at: setting.at(rng, on),
        });
        k += 1;
        due = add_months(on, months);
    }
}

fn diagnostics(setting: &Setting, rng: &mut Rng, m: &mut Member, on: Date, end: Date) {
    let mut barriers: Vec<Barrier> = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let (category, label) = *rng.pick(taxonomy::BARRIERS);
        if !barriers.iter().any(|b| b.label == label) {
            barriers.push(Barrier {
                category: category.into(),
                label: label.into(),
                severity: *rng.pick(Severity::ALL),
            });
        }
    }
    barriers.sort_by(|a, b| a.category.cmp(&b.category));
    let resources = (0..rng.range(0, 3))
        .map(|_| {
            let (category, label) = *rng.pick(taxonomy::RESOURCES);
            Resource {
                category: category.into(),
                label: label.into(),
            }
        })
        .fold(Vec::new(), |mut kept: Vec<Resource>, r| {
            if !kept.contains(&r) {
                kept.push(r);
            }
            kept
        });
    let has =
        |barriers: &[Barrier], category: &str| barriers.iter().any(|b| b.category == category);
    let data = DiagnosticData {
        wishes: rng.pick(texts::WISHES).to_string(),
        needs: rng.pick(texts::NEEDS).to_string(),
        strengths: rng.pick(texts::STRENGTHS).to_string(),
        professional_project: rng.pick(texts::PROJECTS).to_string(),
        childcare_constraints: if has(&barriers, "famille") {
            "Deux enfants scolarisés ; pas de solution de garde le mercredi.".into()
        } else {
            String::new()
        },
        mobility_constraints: if has(&barriers, "mobilite") {
            "Pas de permis ; dépend des bus (ligne peu desservie).".into()
        } else {
            String::new()
        },
        health_constraints: if has(&barriers, "sante") {
            "Ne peut pas porter de charges lourdes.".into()
        } else {
            String::new()
        },
        health_notes: if has(&barriers, "sante") && rng.chance(0.5) {
            "Suivi médical régulier ; fatigue importante certains jours.".into()
        } else {
            String::new()
        },
        barriers,
        resources,
    };
    let author = |m: &Member, day: Date| {
        m.assignment_on(day).map_or_else(
            || setting.label.clone(),
            |a| setting.referents[a.referent].1.clone(),
        )
    };
    m.diagnostics.push(Diagnostic {
        id: setting.ids.sub(Kind::Diagnostic, m.key, 0),
        version: 1,
        on,
        created_by: author(m, on),
        created_at: setting.at(rng, on),
        data: data.clone(),
    });
    // A revision later on: a barrier lifted or eased, another found.
    let revised_on = on + Duration::days(rng.range(60, 400));
    if revised_on <= end && rng.chance(0.3) {
        let mut revised = data;
        if revised.barriers.len() > 1 && rng.chance(0.5) {
            revised.barriers.remove(0);
        } else if let Some(first) = revised.barriers.first_mut() {
            first.severity = Severity::Light;
        }
        let (category, label) = *rng.pick(taxonomy::BARRIERS);
        if !revised.barriers.iter().any(|b| b.label == label) {
            revised.barriers.push(Barrier {
                category: category.into(),
                label: label.into(),
                severity: Severity::Moderate,
            });
        }
        revised.wishes = format!("{} (revu après quelques mois)", revised.wishes);
        m.diagnostics.push(Diagnostic {
            id: setting.ids.sub(Kind::Diagnostic, m.key, 1),
            version: 2,
            on: revised_on,
            created_by: author(m, revised_on),
            created_at: setting.at(rng, revised_on),
            data: revised,
        });
    }
}

/// The contract's objectives: one per domain of the diagnostic, at most three.
fn objectives(rng: &mut Rng, diagnostic: &DiagnosticData) -> Vec<Objective> {
    let mut objectives: Vec<Objective> = Vec::new();
    for barrier in &diagnostic.barriers {
        if let Some(o) = objectives
            .iter_mut()
            .find(|o| o.category == barrier.category)
        {
            o.barriers.push(barrier.label.clone());
            continue;
        }
        if objectives.len() == 3 {
            break;
        }
        let titles: Vec<&str> = taxonomy::objectives_of(&barrier.category).collect();
        let title = if titles.is_empty() {
            format!("Lever le frein : {}", barrier.label)
        } else {
            rng.pick(&titles).to_string()
        };
        objectives.push(Objective {
            category: barrier.category.clone(),
            title,
            barriers: vec![barrier.label.clone()],
            actions: vec![
                rng.pick(texts::PLANNED_ACTIONS).to_string(),
                "Rendez-vous mensuel avec le référent".to_owned(),
            ],
        });
    }
    objectives
}

fn regime(starts_on: Date) -> ContractKind {
    if starts_on >= ENGAGEMENT_REGIME_START {
        ContractKind::Engagement
    } else {
        ContractKind::Cer
    }
}

/// A chain of contracts from `created_on`: each one drafted, signed,
/// submitted, validated (or now and then rejected), run, ended, reviewed
/// and renewed, as far as the dates go.
fn contracts(
    setting: &Setting,
    rng: &mut Rng,
    m: &mut Member,
    orientation: Uuid,
    mut created_on: Date,
    end: Date,
) {
    let mut previous: Option<usize> = None;
    let mut objective_count = 0;
    for k in 0..40 {
        if created_on > end {
            return;
        }
        let Some(assignment) = m.assignment_on(created_on) else {
            return;
        };
        let (assignment_id, author) = (
            assignment.id,
            setting.referents[assignment.referent].1.clone(),
        );
        let data = match previous.map(|p| &m.contracts[p]) {
            // The store's renewal: the day after, for as long, unreached objectives first.
            Some(before) => {
                let starts_on = before.data.ends_on + Duration::days(1);
                let kind = regime(starts_on);
                let mut objectives: Vec<(bool, Objective)> = before
                    .objectives
                    .iter()
                    .map(|o| {
                        let reached = matches!(o.result, Some((ReviewResult::Reached, _)));
                        (reached, o.objective.clone())
                    })
                    .collect();
                objectives.sort_by_key(|(reached, _)| *reached);
                ContractData {
                    kind,
                    starts_on,
                    duration_months: before.data.duration_months,
                    ends_on: end_date(starts_on, before.data.duration_months),
                    weekly_hours: match kind {
                        ContractKind::Engagement => {
                            before.data.weekly_hours.or(Some(DEFAULT_WEEKLY_HOURS))
                        }
                        ContractKind::Cer => None,
                    },
                    hours_reason: before.data.hours_reason,
                    hours_note: before.data.hours_note.clone(),
                    other_weekly_hours: None,
                    objectives: objectives.into_iter().map(|(_, o)| o).collect(),
                    person_commitments: before.data.person_commitments.clone(),
                    organisation_commitments: before.data.organisation_commitments.clone(),
                }
            }
            None => {
                let starts_on = created_on + Duration::days(rng.range(0, 10));
                let kind = regime(starts_on);
                let duration_months = [6, 6, 6, 12, 12, 3][rng.below(6)];
                let (weekly_hours, hours_reason, hours_note) = match kind {
                    ContractKind::Cer => (None, None, None),
                    ContractKind::Engagement => match rng.below(20) {
                        0 => (
                            Some(0),
                            Some(*rng.pick(&[HoursReason::Health, HoursReason::Disability])),
                            Some("Dispense le temps des soins.".to_owned()),
                        ),
                        1..=3 => (
                            Some(rng.range(6, 12)),
                            Some(*rng.pick(&[
                                HoursReason::Childcare,
                                HoursReason::Health,
                                HoursReason::Other,
                            ])),
                            Some("Durée réduite, revue au bilan.".to_owned()),
                        ),
                        _ => (Some(DEFAULT_WEEKLY_HOURS), None, None),
                    },
                };
                let diagnostic = m
                    .diagnostics
                    .iter()
                    .rev()
                    .find(|d| d.on <= created_on)
                    .map(|d| d.data.clone())
                    .unwrap_or_default();
                let mut objectives = objectives(rng, &diagnostic);
                if objectives.is_empty() {
                    objectives.push(Objective {
                        category: "trouver-un-emploi".into(),
                        title: "Répondre à des offres d'emploi".into(),
                        barriers: Vec::new(),
                        actions: vec!["Rendez-vous mensuel avec le référent".into()],
                    });
                }
                ContractData {
                    kind,
                    starts_on,
                    duration_months,
                    ends_on: end_date(starts_on, duration_months),
                    weekly_hours,
                    hours_reason,
                    hours_note,
                    other_weekly_hours: None,
                    objectives,
                    person_commitments: rng.pick(texts::PERSON_COMMITMENTS).to_string(),
                    organisation_commitments:
                        "Accompagnement mensuel par le référent ; prise en charge des actions prévues."
                            .into(),
                }
            }
        };
        let id = setting.ids.sub(Kind::Contract, m.key, k);
        let objectives = data
            .objectives
            .iter()
            .map(|o| {
                let id = setting.ids.sub(Kind::Objective, m.key, objective_count);
                objective_count += 1;
                PlannedObjective {
                    id,
                    objective: o.clone(),
                    result: None,
                }
            })
            .collect();
        let mut contract = Contract {
            id,
            orientation_id: orientation,
            assignment_id,
            status: ContractStatus::Draft,
            created_on,
            signed_on: None,
            validated_on: None,
            rejection_reason: None,
            ended_on: None,
            reviewed_on: None,
            review_comment: None,
            previous: previous.map(|p| m.contracts[p].id),
            version: 1,
            created_by: author,
            created_at: setting.at(rng, created_on),
            updated_at: setting.at(rng, created_on),
            objectives,
            data,
        };
        let next = live(setting, rng, &mut contract, end);
        m.contracts.push(contract);
        match next {
            Next::Stop => return,
            Next::Renewal => {
                previous = Some(m.contracts.len() - 1);
                created_on = m
                    .contracts
                    .last()
                    .and_then(|c| c.reviewed_on)
                    .expect("reviewed");
            }
            Next::Again(on) => {
                previous = None;
                created_on = on;
            }
        }
    }
}

enum Next {
    Stop,
    Renewal,
    /// Drafted again after a rejection.
    Again(Date),
}

fn step(setting: &Setting, rng: &mut Rng, c: &mut Contract, status: ContractStatus, on: Date) {
    c.status = status;
    c.version += 1;
    c.updated_at = setting.at(rng, on);
}

/// Moves a draft along its lifecycle as long as the dates stay before `end`.
fn live(setting: &Setting, rng: &mut Rng, c: &mut Contract, end: Date) -> Next {
    let signed_on = c.created_on + Duration::days(rng.range(0, 7));
    if signed_on > end {
        return Next::Stop;
    }
    c.signed_on = Some(signed_on);
    step(setting, rng, c, ContractStatus::Signed, signed_on);
    // Submitted to the cadre the same day.
    step(
        setting,
        rng,
        c,
        ContractStatus::AwaitingValidation,
        signed_on,
    );
    let answered_on = signed_on + Duration::days(rng.range(1, 15));
    if answered_on > end {
        return Next::Stop;
    }
    if rng.chance(0.03) {
        c.rejection_reason = Some("Objectifs à préciser avec la personne.".into());
        step(setting, rng, c, ContractStatus::Rejected, answered_on);
        return Next::Again(answered_on + Duration::days(rng.range(1, 10)));
    }
    c.validated_on = Some(answered_on);
    step(setting, rng, c, ContractStatus::Validated, answered_on);
    let started_on = answered_on.max(c.data.starts_on);
    if started_on > end {
        return Next::Stop;
    }
    step(setting, rng, c, ContractStatus::Running, started_on);
    let ended_on = c.data.ends_on + Duration::days(rng.range(0, 10));
    if ended_on > end {
        return Next::Stop;
    }
    c.ended_on = Some(ended_on);
    step(setting, rng, c, ContractStatus::Ended, ended_on);
    let reviewed_on = ended_on + Duration::days(rng.range(0, 40));
    if reviewed_on > end || !rng.chance(0.9) {
        return Next::Stop;
    }
    for o in &mut c.objectives {
        let result = *rng.pick(ReviewResult::ALL);
        let comment = (result != ReviewResult::Reached)
            .then(|| "À poursuivre dans le prochain contrat.".to_owned());
        o.result = Some((result, comment));
    }
    c.reviewed_on = Some(reviewed_on);
    c.review_comment = Some(rng.pick(texts::BILANS).to_string());
    step(setting, rng, c, ContractStatus::Reviewed, reviewed_on);
    if rng.chance(0.75) {
        step(setting, rng, c, ContractStatus::Renewed, reviewed_on);
        return Next::Renewal;
    }
    Next::Stop
}
