//! What generated people do on the catalogue's actions: positionings in
//! every state (sent, awaiting validation, waiting list, place offered,
//! entered, refused, declined, expired, cancelled, exited), individual
//! appointments, attendance at past sessions, FSE+ data at entry. Each
//! action's places are counted as people are generated, so that places
//! taken never exceed the capacity and only a full action has a queue.

use super::pathway::{Member, Setting};
use super::random::{Kind, Rng};
use super::texts;
use parcours_domain::appointment::Participation;
use parcours_domain::catalogue::ActionFormat;
use parcours_domain::contract::ContractStatus;
use parcours_domain::eligibility::{Assessment, EligibilityRules, PersonFacts, Verdict};
use parcours_domain::fse::{
    Answer, EducationLevel, EmploymentStatus, FseEntryData, Gender, NationalityGroup,
};
use parcours_domain::person::{age_on, Sex};
use parcours_domain::referral::{Attendance, ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_store::pathway_load::{Appointment, FseEntry, PathwayLoad, Referral};
use parcours_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// One action people may be positioned on, and its places as generated so far.
pub struct Offer {
    pub id: Uuid,
    individual: bool,
    capacity: Option<i64>,
    starts_on: Date,
    ends_on: Option<Date>,
    rules: EligibilityRules,
    categories: Vec<String>,
    self_referral: bool,
    /// Who records at the structure (its first opérateur).
    operator: String,
    fse: bool,
    /// Past group sessions held (not cancelled), in date order.
    sessions: Vec<(Uuid, Date)>,
    taken: i64,
    offered: i64,
    waiting: i64,
    /// Places outside the publics used or held by an offer.
    margin_used: i64,
}

impl Offer {
    fn has_place(&self) -> bool {
        self.waiting == 0 && self.capacity.is_none_or(|c| self.taken + self.offered < c)
    }
}

/// The published, current actions, read once.
pub struct Catalogue {
    pub offers: Vec<Offer>,
    by_category: HashMap<String, Vec<usize>>,
    communes: HashMap<String, String>,
    /// Actions whose places changed in the current batch.
    pub touched: BTreeSet<usize>,
}

impl Catalogue {
    pub async fn load(
        store: &Store,
        today: Date,
        history_days: i64,
    ) -> Result<Catalogue, StoreError> {
        let mut actions = store.public_actions(today).await?;
        // The same order on every backend (collations differ).
        actions.sort_by(|a, b| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));
        let cofinanced: BTreeSet<Uuid> = store
            .programme(None, None)
            .await?
            .into_iter()
            .filter(|line| line.fse_plus == Some(true))
            .map(|line| line.action_id)
            .collect();
        let mut operators: HashMap<Uuid, String> = HashMap::new();
        let mut users = store.accounts().await?;
        users.sort_by(|a, b| a.email.cmp(&b.email));
        for user in users {
            if user.role == parcours_domain::Role::Operator {
                operators.entry(user.organisation_id).or_insert(user.email);
            }
        }
        let ids: Vec<Uuid> = actions.iter().map(|a| a.id).collect();
        let queues = store.waiting_counts(&ids).await?;
        let mut offers = Vec::with_capacity(actions.len());
        let mut by_category: HashMap<String, Vec<usize>> = HashMap::new();
        for action in actions {
            let sessions = store
                .sessions_of(action.id, today - Duration::days(history_days), 1000)
                .await?
                .into_iter()
                .filter(|s| s.on_date < today && !s.cancelled)
                .map(|s| (s.id, s.on_date))
                .collect();
            let mut categories: Vec<String> = action
                .thematiques
                .iter()
                .filter_map(|t| parcours_domain::taxonomy::category_of(t))
                .map(|c| c.code.to_owned())
                .collect();
            categories.dedup();
            for category in &categories {
                by_category
                    .entry(category.clone())
                    .or_default()
                    .push(offers.len());
            }
            let waiting = queues.get(&action.id).copied().unwrap_or(0);
            offers.push(Offer {
                id: action.id,
                individual: action.format == ActionFormat::Individual,
                capacity: action.capacity,
                starts_on: action.starts_on,
                ends_on: action.ends_on,
                rules: action.eligibility,
                categories,
                self_referral: action.self_referral,
                operator: operators
                    .get(&action.structure_id)
                    .cloned()
                    .unwrap_or_else(|| "accueil@structure.demo.parcours.fr".to_owned()),
                fse: cofinanced.contains(&action.id),
                sessions,
                taken: action.places_taken,
                margin_used: action.margin_taken,
                // A queue already there: the action counts as full.
                offered: if waiting > 0 {
                    action
                        .capacity
                        .map_or(0, |c| (c - action.places_taken).max(0))
                } else {
                    0
                },
                waiting,
            });
        }
        let communes = store
            .communes()
            .await?
            .into_iter()
            .map(|(code, name, postcode)| (code, format!("{postcode} {name}")))
            .collect();
        Ok(Catalogue {
            offers,
            by_category,
            communes,
            touched: BTreeSet::new(),
        })
    }

    /// An action for someone working on these domains: most often one of
    /// them, the first listed more than the others (some actions are popular).
    fn choose(&self, rng: &mut Rng, domains: &[&str]) -> Option<usize> {
        if self.offers.is_empty() {
            return None;
        }
        let skewed = |rng: &mut Rng, n: usize| (rng.unit().powi(3) * n as f64) as usize;
        if !domains.is_empty() && rng.chance(0.75) {
            if let Some(list) = self.by_category.get(*rng.pick(domains)) {
                return Some(list[skewed(rng, list.len())]);
            }
        }
        Some(skewed(rng, self.offers.len()))
    }
}

/// Where a positioning ends up, before places are checked.
#[derive(Clone, Copy, PartialEq)]
enum Wish {
    Unanswered,
    Enter,
    Offer,
    Wait,
    Exit,
    Refuse,
    Decline,
    Expire,
    Cancel,
}

/// Positionings of one person, with their sessions and marks.
pub fn positionings(
    setting: &Setting,
    catalogue: &mut Catalogue,
    load: &mut PathwayLoad,
    m: &Member,
    offer_days: i64,
) {
    let today = setting.today;
    let Some(orientation) = m.current_orientation() else {
        return;
    };
    let notified_on = orientation.notified_on.expect("validated");
    let end = m.end(today);
    let mut rng = Rng::new(setting.seed, 3, m.key);
    let count = [0, 0, 1, 1, 1, 2, 2, 3][rng.below(8)];
    let domains = m.domains();
    let mut chosen: Vec<usize> = Vec::new();
    let mut k = 0;
    let mut appointments = 0;
    for _ in 0..count * 6 {
        if chosen.len() == count {
            break;
        }
        let Some(index) = catalogue.choose(&mut rng, &domains) else {
            return;
        };
        let offer = &catalogue.offers[index];
        // Référents see the places left: a long queue sends most elsewhere.
        if chosen.contains(&index) || !offer.has_place() && offer.waiting >= 8 && rng.chance(0.8) {
            continue;
        }
        let from = notified_on.max(offer.starts_on);
        let to = end.min(offer.ends_on.unwrap_or(end));
        if from > to {
            continue;
        }
        let requested_on = rng.day(from, to);
        let referent = m.assignment_on(requested_on);
        let self_referral = offer.self_referral && (referent.is_none() || rng.chance(0.15));
        if referent.is_none() && !self_referral {
            continue;
        }
        chosen.push(index);
        let id = setting.ids.sub(Kind::Referral, m.key, k);
        k += 1;
        let requested_by = match (self_referral, referent) {
            (true, _) => offer.operator.clone(),
            (false, Some(a)) => setting.referents[a.referent].1.clone(),
            (false, None) => unreachable!("checked above"),
        };
        let facts = facts(m, requested_on);
        let assessment = offer.rules.evaluate(&facts, offer.margin_used, |code| {
            catalogue
                .communes
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_owned())
        });
        let needs_reason = if self_referral {
            assessment.verdict == Verdict::NotEligible
        } else {
            assessment.verdict != Verdict::Eligible
        };
        let override_reason = needs_reason.then(|| rng.pick(texts::OVERRIDE_REASONS).to_string());
        // The contract objective a prescription serves.
        let objective_id = if self_referral || !rng.chance(0.7) {
            None
        } else {
            m.contracts
                .iter()
                .rev()
                .find(|c| c.created_on <= requested_on)
                .and_then(|c| {
                    c.objectives
                        .iter()
                        .find(|o| offer.categories.contains(&o.objective.category))
                        .or(c.objectives.first())
                })
                .map(|o| o.id)
        };
        let age = (today - requested_on).whole_days();
        let closed = m.closed.is_some();
        let wish = if closed || age > 150 {
            match rng.weighted(&[55, 15, 5, 5, 5, 15]) {
                0 => Wish::Exit,
                1 => Wish::Refuse,
                2 => Wish::Decline,
                3 => Wish::Expire,
                4 if self_referral => Wish::Cancel,
                4 => Wish::Refuse,
                _ if closed => Wish::Exit,
                _ => Wish::Enter,
            }
        } else {
            match rng.weighted(&[15, 45, 10, 10, 10, 5, 5]) {
                0 if age <= 21 => Wish::Unanswered,
                0 | 1 => Wish::Enter,
                2 => Wish::Wait,
                3 => Wish::Refuse,
                4 if age >= 30 => Wish::Exit,
                4 => Wish::Enter,
                5 => Wish::Offer,
                _ if self_referral => Wish::Cancel,
                _ => Wish::Refuse,
            }
        };
        let requested_at = setting.at(&mut rng, requested_on);
        let horizon = end.min(today);
        let answered_on = requested_on + Duration::days(rng.range(1, 10));
        let wish = if answered_on > horizon {
            if closed {
                continue;
            }
            Wish::Unanswered
        } else {
            wish
        };
        let offer = &mut catalogue.offers[index];
        // Outside the publics with every margin place used: turned down
        // rather than queued (a queue needs a full action).
        let margin_full =
            assessment.uses_margin && offer.margin_used >= offer.rules.margin_places.unwrap_or(0);
        // Places: an entry or an offer needs one, a queue needs a full action.
        let wish = match wish {
            Wish::Enter | Wish::Offer | Wish::Wait if margin_full => Wish::Refuse,
            Wish::Enter | Wish::Offer if !offer.has_place() => {
                if offer.waiting < 25 {
                    Wish::Wait
                } else {
                    Wish::Refuse
                }
            }
            Wish::Wait if offer.has_place() => Wish::Enter,
            Wish::Wait if offer.waiting >= 25 => Wish::Refuse,
            wish => wish,
        };
        let mut r = new_referral(id, offer.id, m.id, self_referral, requested_at, assessment);
        r.objective_id = objective_id;
        r.requested_by = requested_by;
        r.override_reason = override_reason;
        let validator = if m.assignment_on(answered_on).is_some() {
            "cadre@demo.parcours.fr"
        } else {
            "mission@demo.parcours.fr"
        };
        let answered_at = setting.at(&mut rng, answered_on);
        let admit = |r: &mut Referral, status: ReferralStatus| {
            r.status = status;
            r.answered_at = Some(answered_at);
            r.validated_by = self_referral.then(|| validator.to_owned());
            step(r, answered_at);
        };
        match wish {
            Wish::Unanswered => {
                r.status = if self_referral {
                    ReferralStatus::PendingValidation
                } else {
                    ReferralStatus::Sent
                };
            }
            Wish::Cancel if self_referral => {
                admit(&mut r, ReferralStatus::Cancelled);
                r.cancel_reason = Some(rng.pick(texts::CANCEL_REASONS).to_string());
            }
            Wish::Refuse | Wish::Cancel => {
                let reason = *rng.pick(RefusalReason::ALL);
                if self_referral {
                    // Validated, queued, then turned down by the structure.
                    admit(&mut r, ReferralStatus::Waiting);
                }
                r.status = ReferralStatus::Refused;
                r.answered_at = Some(answered_at);
                r.refusal_reason = Some(reason);
                r.refusal_comment = (reason == RefusalReason::Other || rng.chance(0.3))
                    .then(|| rng.pick(texts::REFUSAL_COMMENTS).to_string());
                step(&mut r, answered_at);
            }
            Wish::Wait => {
                admit(&mut r, ReferralStatus::Waiting);
                if rng.chance(0.1) {
                    r.priority = 1;
                    let on = rng.day(answered_on, horizon);
                    step(&mut r, setting.at(&mut rng, on));
                }
                offer.waiting += 1;
            }
            Wish::Offer => {
                admit(&mut r, ReferralStatus::Waiting);
                // A place freed and held for the person, who has a few days to answer.
                let offered_at = answered_at.max(
                    setting.now
                        - Duration::days(rng.range(0, offer_days - 1))
                        - Duration::hours(rng.range(1, 8)),
                );
                r.status = ReferralStatus::Offered;
                r.offer_until = Some(offered_at + Duration::days(offer_days));
                step(&mut r, offered_at);
                offer.offered += 1;
                offer.margin_used += i64::from(r.uses_margin);
            }
            Wish::Decline | Wish::Expire => {
                admit(&mut r, ReferralStatus::Waiting);
                let offered_on = rng.day(answered_on, horizon);
                step(&mut r, setting.at(&mut rng, offered_on));
                let closed_on =
                    (offered_on + Duration::days(rng.range(1, offer_days))).min(horizon);
                r.status = if wish == Wish::Decline {
                    ReferralStatus::Declined
                } else {
                    ReferralStatus::Expired
                };
                step(&mut r, setting.at(&mut rng, closed_on));
            }
            Wish::Enter | Wish::Exit => {
                admit(&mut r, ReferralStatus::Entered);
                let entered_on = (answered_on + Duration::days(rng.range(0, 14))).min(horizon);
                r.entered_on = Some(entered_on);
                let leaves = (entered_on + Duration::days(rng.range(14, 200)))
                    .min(offer.ends_on.unwrap_or(horizon));
                if wish == Wish::Exit {
                    let exited_on = leaves.min(horizon).max(entered_on);
                    r.status = ReferralStatus::Exited;
                    r.exited_on = Some(exited_on);
                    let reason = *rng.pick(ExitReason::ALL);
                    r.exit_reason = Some(reason);
                    r.exit_situation = Some(situation_after(reason));
                    step(&mut r, setting.at(&mut rng, exited_on));
                    let four_weeks = exited_on + Duration::days(28);
                    if four_weeks < today && rng.chance(0.6) {
                        // Observed and typed on the window's last day.
                        r.situation_4_weeks = Some(*rng.pick(Situation::ALL));
                        let recorded_at = setting.at(&mut rng, four_weeks);
                        r.situation_4_weeks_on = Some(four_weeks);
                        r.situation_4_weeks_recorded_at = Some(recorded_at);
                        step(&mut r, recorded_at);
                    }
                } else {
                    offer.taken += 1;
                    offer.margin_used += i64::from(r.uses_margin);
                }
                let participation = Participation {
                    entered_on,
                    exited_on: r.exited_on,
                    action_ends_on: offer.ends_on,
                };
                attendance(
                    setting,
                    &mut rng,
                    load,
                    offer,
                    &r,
                    participation,
                    &mut appointments,
                    m.key,
                );
                if offer.fse && rng.chance(0.75) {
                    fse_entry(
                        setting,
                        &mut rng,
                        load,
                        &r,
                        m,
                        entered_on,
                        today,
                        &offer.operator,
                    );
                }
            }
        }
        catalogue.touched.insert(index);
        load.referral(r);
    }
}

/// What is known of the person on the day of a request.
fn facts(m: &Member, on: Date) -> PersonFacts {
    let orientation = m
        .orientations
        .iter()
        .filter(|o| o.notified_on.is_some_and(|n| n <= on))
        .max_by_key(|o| o.notified_on)
        .map(|o| o.kind);
    let running = m.contracts.iter().any(|c| {
        c.status != ContractStatus::Rejected
            && c.validated_on.is_some_and(|v| v <= on)
            && c.data.starts_on <= on
            && on <= c.ended_on.unwrap_or(c.data.ends_on)
    });
    PersonFacts {
        age: u8::try_from(age_on(m.data.birth_date, on)).ok(),
        rsa: Some(true),
        single_parent: Some(m.data.single_parent),
        other_minimum_income: Some(m.data.other_minimum_income),
        outside_rsa: Some(false),
        orientation: Some(orientation),
        contract_running: Some(running),
        commune_code: m.data.commune_code.clone(),
    }
}

fn situation_after(reason: ExitReason) -> Situation {
    match reason {
        ExitReason::Employment => Situation::Employment,
        ExitReason::Training => Situation::Training,
        ExitReason::OtherAction => Situation::OtherAction,
        ExitReason::Health => Situation::Health,
        ExitReason::Moved => Situation::Moved,
        ExitReason::DroppedOut => Situation::DroppedOut,
        ExitReason::Completed => Situation::JobSearching,
        ExitReason::Other => Situation::Unknown,
    }
}

/// Marks at the action's past sessions within the participation (a few
/// participants drift away: absences at the end), and the appointments of
/// an individual action with their marks.
#[allow(clippy::too_many_arguments)]
fn attendance(
    setting: &Setting,
    rng: &mut Rng,
    load: &mut PathwayLoad,
    offer: &Offer,
    r: &Referral,
    participation: Participation,
    appointments: &mut u64,
    key: u64,
) {
    let today = setting.today;
    let last = participation
        .exited_on
        .unwrap_or(today)
        .min(today - Duration::days(1));
    let drifting = participation.exited_on.is_none() && rng.chance(0.05);
    let held: Vec<&(Uuid, Date)> = offer
        .sessions
        .iter()
        .filter(|(_, on)| *on >= participation.entered_on && *on <= last)
        .collect();
    let n = held.len();
    for (i, (session, on)) in held.into_iter().enumerate() {
        // The last two days' sheets are not always filled in yet.
        if (today - *on).whole_days() <= 2 && rng.chance(0.5) {
            continue;
        }
        let mark = if drifting && i + 4 > n {
            Attendance::Absent
        } else {
            mark(rng)
        };
        load.attendance(*session, r.id, mark, &offer.operator, setting.at(rng, *on));
    }
    if !offer.individual {
        return;
    }
    let until = participation
        .exited_on
        .unwrap_or(today + Duration::days(28))
        .min(offer.ends_on.unwrap_or(today + Duration::days(28)));
    let mut on = participation.entered_on + Duration::days(7);
    let mut planned = Vec::new();
    while on <= until {
        if participation.check(on).is_ok() {
            planned.push(on);
        }
        on += Duration::days(14);
    }
    // The last dozen appointments (older ones add nothing to the dataset).
    let skip = planned.len().saturating_sub(12);
    for on in planned.into_iter().skip(skip) {
        let id = setting.ids.sub(Kind::Appointment, key, *appointments);
        *appointments += 1;
        let cancelled = rng.chance(0.05);
        load.appointment(Appointment {
            id,
            action_id: offer.id,
            referral_id: r.id,
            on_date: on,
            starts_at: "10:00",
            ends_at: "11:00",
            cancelled,
            created_at: setting.at(rng, on - Duration::days(7)),
        });
        if on < today && !cancelled {
            load.attendance(id, r.id, mark(rng), &offer.operator, setting.at(rng, on));
        }
    }
}

fn mark(rng: &mut Rng) -> Attendance {
    match rng.weighted(&[80, 13, 7]) {
        0 => Attendance::Present,
        1 => Attendance::Absent,
        _ => Attendance::Excused,
    }
}

#[allow(clippy::too_many_arguments)]
fn fse_entry(
    setting: &Setting,
    rng: &mut Rng,
    load: &mut PathwayLoad,
    r: &Referral,
    m: &Member,
    entered_on: Date,
    today: Date,
    operator: &str,
) {
    let recorded_on = (entered_on + Duration::days(rng.range(0, 14))).min(today);
    let mut data = FseEntryData {
        gender: match m.data.sex {
            Sex::Female => Gender::Woman,
            Sex::Male => Gender::Man,
        },
        employment_status: [
            EmploymentStatus::LongTermUnemployed,
            EmploymentStatus::LongTermUnemployed,
            EmploymentStatus::Unemployed,
            EmploymentStatus::Inactive,
            EmploymentStatus::Employed,
        ][rng.below(5)],
        education_level: *rng.pick(EducationLevel::ALL),
        nationality: [
            NationalityGroup::French,
            NationalityGroup::French,
            NationalityGroup::French,
            NationalityGroup::OtherEu,
            NationalityGroup::ThirdCountry,
        ][rng.below(5)],
        disability: *rng.pick(Answer::ALL),
        foreign_background: *rng.pick(Answer::ALL),
        minority: Answer::No,
        homeless: [
            Answer::No,
            Answer::No,
            Answer::No,
            Answer::Yes,
            Answer::Declined,
        ][rng.below(5)],
        rural: rng.chance(0.3),
    };
    // One draw for both origin questions keeps the generated data as
    // before the question was split.
    if data.foreign_background != Answer::Yes {
        data.minority = data.foreign_background;
    }
    load.fse_entry(FseEntry {
        referral_id: r.id,
        birth_date: m.data.birth_date,
        data: &data,
        recorded_by: operator,
        recorded_at: setting.at(rng, recorded_on),
    });
}

/// A positioning just sent (its author set after).
fn new_referral(
    id: Uuid,
    action_id: Uuid,
    person_id: Uuid,
    self_referral: bool,
    requested_at: OffsetDateTime,
    eligibility: Assessment,
) -> Referral {
    Referral {
        id,
        action_id,
        person_id,
        self_referral,
        status: ReferralStatus::Sent,
        objective_id: None,
        requested_by: String::new(),
        requested_at,
        positioned_on: parcours_domain::clock::date_in_paris(requested_at),
        uses_margin: eligibility.uses_margin,
        eligibility,
        override_reason: None,
        priority: 0,
        offer_until: None,
        answered_at: None,
        refusal_reason: None,
        refusal_comment: None,
        entered_on: None,
        exited_on: None,
        exit_reason: None,
        exit_situation: None,
        situation_4_weeks: None,
        situation_4_weeks_on: None,
        situation_4_weeks_recorded_at: None,
        validated_by: None,
        cancel_reason: None,
        version: 1,
        updated_at: requested_at,
    }
}

/// One more change (the version the store's update bumps).
fn step(r: &mut Referral, at: OffsetDateTime) {
    r.version += 1;
    r.updated_at = at.max(r.updated_at);
}
