//! Steering: how long the pathway's legal steps take, from the dates the
//! files carry. Two delays (DOMAIN.md, "Steering and the DREES return"):
//!
//! - **entry → first orientation**: from the RSA request date (`DTDEMRSA`),
//!   else the start of droits et devoirs, to the decision of the first
//!   validated orientation decided on or after it;
//! - **notification → first contract**: from the notification of that
//!   orientation to the signature of the first contract signed on or after it.
//!
//! People are grouped by the month their delay starts (a cohort): of those
//! who entered in March, how many are oriented, how fast, and how many
//! still wait. A figure "at" a date only counts what was done by that date,
//! so that a month's figures do not change with later work, except by
//! people of that month being oriented later.

use crate::deadline::{ClockKind, OrientationKind};
use crate::oarsa::OrganisationCategory;
use crate::person::optional_date;
use crate::referral::{ReferralStatus, RefusalReason, Situation};
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use uuid::Uuid;

crate::person::codes!(
    DelayKind {
        Orientation = "orientation", "Entrée → première orientation";
        Contract = "contrat", "Notification de l'orientation → premier contrat";
    }
);

impl DelayKind {
    /// What the delay measures, stated on screen and in the API.
    pub fn definition(self) -> &'static str {
        match self {
            DelayKind::Orientation => {
                "Du jour de la demande de RSA (date transmise par la CAF), à défaut de l'entrée \
                 dans les droits et devoirs, à la décision de la première orientation validée \
                 décidée ce jour-là ou après. Personnes regroupées par mois d'entrée."
            }
            DelayKind::Contract => {
                "De la notification de cette première orientation à la signature du premier \
                 contrat signé ce jour-là ou après. Personnes regroupées par mois de notification."
            }
        }
    }
}

/// Which people and which period the figures cover.
#[derive(Debug, Clone, PartialEq)]
pub struct SteeringFilter {
    /// The delays that start between these days (included).
    pub from: Date,
    pub to: Date,
    /// What was done by this day counts (today, or a past day).
    pub at: Date,
    /// The people of a territory.
    pub territory_id: Option<Uuid>,
    /// The people whose latest orientation validated by `at` is with this
    /// organisation.
    pub organisation_id: Option<Uuid>,
    /// The people whose latest orientation validated by `at` is of this kind.
    pub orientation_kind: Option<OrientationKind>,
    /// The people this référent unique follows at `at`.
    pub referent_id: Option<Uuid>,
}

/// The filter as typed in the steering page's form or the API's query:
/// empty fields take their default (the year so far, seen today).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SteeringInput {
    /// First day of the period (AAAA-MM-JJ; 1 January of this year when empty).
    #[serde(default)]
    pub from: String,
    /// Last day of the period (today when empty).
    #[serde(default)]
    pub to: String,
    /// The day the figures are seen at (today when empty).
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub territory_id: String,
    #[serde(default)]
    pub organisation_id: String,
    /// professional, socio_professional or social.
    #[serde(default)]
    pub orientation_kind: String,
    /// A référent unique's account.
    #[serde(default)]
    pub referent_id: String,
}

impl SteeringFilter {
    /// Everyone of the scope, over a period seen at `at`.
    pub fn period(from: Date, to: Date, at: Date) -> SteeringFilter {
        SteeringFilter {
            from,
            to,
            at,
            territory_id: None,
            organisation_id: None,
            orientation_kind: None,
            referent_id: None,
        }
    }

    /// The filter `input` describes on `today`, or what is wrong with it, in
    /// French, field by field.
    pub fn parse(input: &SteeringInput, today: Date) -> Result<SteeringFilter, Invalid> {
        let mut invalid = Invalid::new();
        let mut day = |field: &str, label: &str, raw: &str, default: Date| {
            if raw.trim().is_empty() {
                Some(default)
            } else {
                optional_date(&mut invalid, field, label, raw)
            }
        };
        let start_of_year =
            Date::from_calendar_date(today.year(), Month::January, 1).unwrap_or(today);
        let from = day("from", "Début de la période", &input.from, start_of_year);
        let to = day("to", "Fin de la période", &input.to, today);
        let at = day("at", "Date d'observation", &input.at, today);
        let mut id = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            text => Uuid::parse_str(text).ok().or_else(|| {
                invalid.add(field, "Choisissez une valeur de la liste.");
                None
            }),
        };
        let territory_id = id("territory_id", &input.territory_id);
        let organisation_id = id("organisation_id", &input.organisation_id);
        let referent_id = id("referent_id", &input.referent_id);
        let orientation_kind = match input.orientation_kind.trim() {
            "" => None,
            code => OrientationKind::from_code(code).or_else(|| {
                invalid.add(
                    "orientation_kind",
                    "Choisissez un type d'orientation de la liste.",
                );
                None
            }),
        };
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                invalid.add("to", "La fin de la période précède son début.");
            }
        }
        if at.is_some_and(|at| at > today) {
            invalid.add(
                "at",
                "La date d'observation ne peut pas être dans le futur.",
            );
        }
        invalid.into_result(())?;
        match (from, to, at) {
            (Some(from), Some(to), Some(at)) => Ok(SteeringFilter {
                from,
                to,
                at,
                territory_id,
                organisation_id,
                orientation_kind,
                referent_id,
            }),
            _ => Err(Invalid::field("from", "Période invalide.")),
        }
    }
}

/// One person's delay: when it started, and when it ended if it did by
/// the date the figures are computed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelayCase {
    pub person_id: Uuid,
    pub started_on: Date,
    pub ended_on: Option<Date>,
}

impl DelayCase {
    /// Days from start to end, when ended.
    pub fn days(&self) -> Option<i64> {
        self.ended_on
            .map(|end| (end - self.started_on).whole_days())
    }
}

/// Both delays of a period, read together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DelayCases {
    pub orientation: Vec<DelayCase>,
    pub contract: Vec<DelayCase>,
}

impl DelayCases {
    pub fn of(&self, kind: DelayKind) -> &[DelayCase] {
        match kind {
            DelayKind::Orientation => &self.orientation,
            DelayKind::Contract => &self.contract,
        }
    }
}

/// People whose delay started in the same month and took the same number
/// of days (`None`: not over), counted together: how the store hands a
/// département's delays over without a row per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DelayGroup {
    pub month: YearMonth,
    pub days: Option<i64>,
    pub count: i64,
}

impl DelayGroup {
    /// The cases, one group per month and duration.
    pub fn of_cases(cases: &[DelayCase]) -> Vec<DelayGroup> {
        let mut keys: Vec<(YearMonth, Option<i64>)> = cases
            .iter()
            .map(|c| (YearMonth::of(c.started_on), c.days()))
            .collect();
        keys.sort_unstable();
        let mut groups: Vec<DelayGroup> = Vec::new();
        for (month, days) in keys {
            match groups.last_mut() {
                Some(g) if g.month == month && g.days == days => g.count += 1,
                _ => groups.push(DelayGroup {
                    month,
                    days,
                    count: 1,
                }),
            }
        }
        groups
    }
}

/// Both delays of a period, counted together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DelayGroups {
    pub orientation: Vec<DelayGroup>,
    pub contract: Vec<DelayGroup>,
}

impl DelayGroups {
    pub fn of(&self, kind: DelayKind) -> &[DelayGroup] {
        match kind {
            DelayKind::Orientation => &self.orientation,
            DelayKind::Contract => &self.contract,
        }
    }
}

/// The reference durations a delay is compared with (days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelayLimits {
    /// The département's target, when it has one besides the law.
    pub target_days: Option<i64>,
    pub legal_days: i64,
}

/// The figures of a group of delays. Shares are counts, with their base
/// (`done`), so that a screen never divides by zero and a list can be
/// checked against them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelayFigures {
    /// People whose delay started in the group.
    pub started: i64,
    /// Of them, those whose delay ended (oriented, contract signed).
    pub done: i64,
    /// Those still waiting at the date of the figures.
    pub waiting: i64,
    pub mean_days: Option<f64>,
    pub median_days: Option<f64>,
    /// 90th percentile, nearest rank.
    pub p90_days: Option<i64>,
    /// Ended within the target (None without a target).
    pub within_target: Option<i64>,
    /// Ended within the legal limit.
    pub within_legal: i64,
}

impl DelayFigures {
    pub fn of(cases: &[DelayCase], limits: DelayLimits) -> DelayFigures {
        DelayFigures::of_groups(&DelayGroup::of_cases(cases), limits)
    }

    /// The figures of people counted together by duration.
    pub fn of_groups(groups: &[DelayGroup], limits: DelayLimits) -> DelayFigures {
        // The ended delays, shortest first, each with how many took it.
        let mut ended: Vec<(i64, i64)> = groups
            .iter()
            .filter_map(|g| Some((g.days?, g.count)))
            .collect();
        ended.sort_unstable();
        let started: i64 = groups.iter().map(|g| g.count).sum();
        let done: i64 = ended.iter().map(|(_, n)| n).sum();
        let within = |limit: i64| {
            ended
                .iter()
                .filter(|(d, _)| *d <= limit)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        let total_days: i64 = ended.iter().map(|(d, n)| d * n).sum();
        DelayFigures {
            started,
            done,
            waiting: started - done,
            mean_days: (done > 0).then(|| total_days as f64 / done as f64),
            median_days: weighted_median(&ended, done),
            // The nearest rank: the smallest delay with 90 % of them at most it.
            p90_days: (done > 0).then(|| nth(&ended, ((90 * done + 99) / 100).max(1) - 1)),
            within_target: limits.target_days.map(within),
            within_legal: within(limits.legal_days),
        }
    }
}

/// The median of the `total` durations `sorted` counts, each written as
/// many times as it counts: the middle one, or the mean of the two.
fn weighted_median(sorted: &[(i64, i64)], total: i64) -> Option<f64> {
    match total {
        0 => None,
        n if n % 2 == 1 => Some(nth(sorted, n / 2) as f64),
        n => Some((nth(sorted, n / 2 - 1) + nth(sorted, n / 2)) as f64 / 2.0),
    }
}

/// The `k`-th (from 0) of the durations `sorted` counts, as if each were
/// written as many times as it counts.
fn nth(sorted: &[(i64, i64)], k: i64) -> i64 {
    let mut seen = 0;
    for (days, n) in sorted {
        seen += n;
        if k < seen {
            return *days;
        }
    }
    sorted.last().map_or(0, |(d, _)| *d)
}

/// A month of the cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    pub fn of(date: Date) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    /// « mars 2026 ».
    pub fn label(self) -> String {
        let month = Month::try_from(self.month).map_or("", crate::clock::fr_month);
        format!("{month} {}", self.year)
    }

    /// `2026-03`, for links and files.
    pub fn code(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }

    pub fn parse(code: &str) -> Option<YearMonth> {
        let (year, month) = code.trim().split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let month: u8 = month.parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }
}

/// The figures of one month's cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthFigures {
    pub month: YearMonth,
    pub figures: DelayFigures,
}

/// Figures for the whole period, then month by month (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelayReport {
    pub kind: DelayKind,
    pub definition: &'static str,
    pub limits: DelayLimits,
    pub total: DelayFigures,
    pub months: Vec<MonthFigures>,
}

impl DelayReport {
    pub fn of(kind: DelayKind, cases: &[DelayCase], limits: DelayLimits) -> DelayReport {
        DelayReport::of_groups(kind, &DelayGroup::of_cases(cases), limits)
    }

    /// The report of people counted together by month and duration.
    pub fn of_groups(kind: DelayKind, groups: &[DelayGroup], limits: DelayLimits) -> DelayReport {
        let mut months: Vec<YearMonth> = groups.iter().map(|g| g.month).collect();
        months.sort_unstable();
        months.dedup();
        DelayReport {
            kind,
            definition: kind.definition(),
            limits,
            total: DelayFigures::of_groups(groups, limits),
            months: months
                .into_iter()
                .map(|month| {
                    let of_month: Vec<DelayGroup> = groups
                        .iter()
                        .filter(|g| g.month == month)
                        .copied()
                        .collect();
                    MonthFigures {
                        month,
                        figures: DelayFigures::of_groups(&of_month, limits),
                    }
                })
                .collect(),
        }
    }
}

impl DelayFigures {
    /// The figures that count people, with their cell, in the order of the
    /// screens' columns (the target's only when there is one).
    pub fn cells(&self) -> Vec<(DelayCell, i64)> {
        let mut cells = vec![
            (DelayCell::Started, self.started),
            (DelayCell::Done, self.done),
            (DelayCell::Waiting, self.waiting),
        ];
        if let Some(n) = self.within_target {
            cells.push((DelayCell::WithinTarget, n));
        }
        cells.push((DelayCell::WithinLegal, self.within_legal));
        cells.push((DelayCell::BeyondLegal, self.done - self.within_legal));
        cells
    }
}

// Which people of a report a figure counts: the list behind it.
crate::person::codes!(
    DelayCell {
        Started = "entres", "Délais commencés";
        Done = "termines", "Délais terminés";
        Waiting = "en_attente", "En attente";
        WithinTarget = "dans_la_cible", "Dans le délai cible";
        WithinLegal = "dans_le_delai_legal", "Dans le délai légal";
        BeyondLegal = "hors_delai_legal", "Au-delà du délai légal";
    }
);

impl DelayCell {
    /// Whether `case` is counted in this cell.
    pub fn holds(self, case: &DelayCase, limits: DelayLimits) -> bool {
        let days = case.days();
        match self {
            DelayCell::Started => true,
            DelayCell::Done => days.is_some(),
            DelayCell::Waiting => days.is_none(),
            DelayCell::WithinTarget => limits
                .target_days
                .is_some_and(|t| days.is_some_and(|d| d <= t)),
            DelayCell::WithinLegal => days.is_some_and(|d| d <= limits.legal_days),
            DelayCell::BeyondLegal => days.is_some_and(|d| d > limits.legal_days),
        }
    }
}

/// One person in droits et devoirs at a date, as the stock counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLine {
    pub person_id: Uuid,
    /// The kind of the latest validated orientation decided by the date.
    pub oriented: Option<OrientationKind>,
    /// The DREES category of that orientation's lead organisation.
    pub oriented_to: Option<OrganisationCategory>,
    /// A contract signed, begun and not over at the date.
    pub contract_in_force: bool,
    /// A référent unique designated at the date.
    pub has_referent: bool,
    /// The clocks overdue at the date.
    pub late: Vec<ClockKind>,
}

/// The stock at a date: who is in droits et devoirs and where they stand.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockFigures {
    pub in_duties: i64,
    pub oriented: i64,
    /// By kind of orientation, in the order of `OrientationKind::ALL`.
    pub oriented_by_kind: Vec<(OrientationKind, i64)>,
    /// By category of the organisation oriented to, in the order of
    /// `OrganisationCategory::ALL`.
    pub oriented_by_category: Vec<(OrganisationCategory, i64)>,
    pub not_oriented: i64,
    pub contract_in_force: i64,
    pub without_referent: i64,
    /// People with at least one clock overdue.
    pub late: i64,
    /// By clock, in the order of `ClockKind::ALL`.
    pub late_by_clock: Vec<(ClockKind, i64)>,
}

impl StockFigures {
    pub fn of(lines: &[StockLine]) -> StockFigures {
        let weighted: Vec<(StockLine, i64)> = lines.iter().map(|l| (l.clone(), 1)).collect();
        StockFigures::of_counted(&weighted)
    }

    /// The figures of lines that stand for `n` people each (people who
    /// stand alike, counted together by the store).
    pub fn of_counted(lines: &[(StockLine, i64)]) -> StockFigures {
        let count = |cell: StockCell| {
            lines
                .iter()
                .filter(|(l, _)| cell.holds(l))
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        StockFigures {
            in_duties: count(StockCell::InDuties),
            oriented: count(StockCell::Oriented(None)),
            oriented_by_kind: OrientationKind::ALL
                .iter()
                .map(|k| (*k, count(StockCell::Oriented(Some(*k)))))
                .collect(),
            oriented_by_category: OrganisationCategory::ALL
                .iter()
                .map(|c| (*c, count(StockCell::OrientedTo(*c))))
                .collect(),
            not_oriented: count(StockCell::NotOriented),
            contract_in_force: count(StockCell::ContractInForce),
            without_referent: count(StockCell::WithoutReferent),
            late: count(StockCell::Late(None)),
            late_by_clock: ClockKind::ALL
                .iter()
                .map(|k| (*k, count(StockCell::Late(Some(*k)))))
                .collect(),
        }
    }
}

impl StockFigures {
    /// Every figure with the cell it counts, in the order screens and files
    /// show them (the parts by kind and by clock after their whole).
    pub fn cells(&self) -> Vec<(StockCell, i64)> {
        let mut cells = vec![
            (StockCell::InDuties, self.in_duties),
            (StockCell::Oriented(None), self.oriented),
        ];
        cells.extend(
            self.oriented_by_kind
                .iter()
                .map(|(k, n)| (StockCell::Oriented(Some(*k)), *n)),
        );
        cells.extend(
            self.oriented_by_category
                .iter()
                .map(|(c, n)| (StockCell::OrientedTo(*c), *n)),
        );
        cells.extend([
            (StockCell::NotOriented, self.not_oriented),
            (StockCell::ContractInForce, self.contract_in_force),
            (StockCell::WithoutReferent, self.without_referent),
            (StockCell::Late(None), self.late),
        ]);
        cells.extend(
            self.late_by_clock
                .iter()
                .map(|(k, n)| (StockCell::Late(Some(*k)), *n)),
        );
        cells
    }
}

/// A figure of the stock: the people it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockCell {
    InDuties,
    /// Oriented, of one kind or any.
    Oriented(Option<OrientationKind>),
    /// Oriented to an organisation of this category.
    OrientedTo(OrganisationCategory),
    NotOriented,
    ContractInForce,
    WithoutReferent,
    /// Late on one clock, or on any.
    Late(Option<ClockKind>),
}

impl StockCell {
    pub fn holds(self, line: &StockLine) -> bool {
        match self {
            StockCell::InDuties => true,
            StockCell::Oriented(None) => line.oriented.is_some(),
            StockCell::Oriented(Some(kind)) => line.oriented == Some(kind),
            StockCell::OrientedTo(category) => {
                line.oriented.is_some() && line.oriented_to == Some(category)
            }
            StockCell::NotOriented => line.oriented.is_none(),
            StockCell::ContractInForce => line.contract_in_force,
            StockCell::WithoutReferent => !line.has_referent,
            StockCell::Late(None) => !line.late.is_empty(),
            StockCell::Late(Some(clock)) => line.late.contains(&clock),
        }
    }

    /// In links: `orientes`, `orientes:social`, `retard:contract`…
    pub fn code(self) -> String {
        match self {
            StockCell::InDuties => "droits_et_devoirs".into(),
            StockCell::Oriented(None) => "orientes".into(),
            StockCell::Oriented(Some(kind)) => format!("orientes:{}", kind.code()),
            StockCell::OrientedTo(category) => format!("orientes_vers:{}", category.code()),
            StockCell::NotOriented => "non_orientes".into(),
            StockCell::ContractInForce => "contrat_en_cours".into(),
            StockCell::WithoutReferent => "sans_referent".into(),
            StockCell::Late(None) => "retard".into(),
            StockCell::Late(Some(clock)) => format!("retard:{}", clock.code()),
        }
    }

    pub fn from_code(code: &str) -> Option<StockCell> {
        Some(match code.split_once(':') {
            Some(("orientes", kind)) => {
                StockCell::Oriented(Some(OrientationKind::from_code(kind)?))
            }
            Some(("orientes_vers", category)) => {
                StockCell::OrientedTo(OrganisationCategory::from_code(category)?)
            }
            Some(("retard", clock)) => StockCell::Late(Some(ClockKind::from_code(clock)?)),
            Some(_) => return None,
            None => match code {
                "droits_et_devoirs" => StockCell::InDuties,
                "orientes" => StockCell::Oriented(None),
                "non_orientes" => StockCell::NotOriented,
                "contrat_en_cours" => StockCell::ContractInForce,
                "sans_referent" => StockCell::WithoutReferent,
                "retard" => StockCell::Late(None),
                _ => return None,
            },
        })
    }

    /// For the list's title.
    pub fn label(self) -> String {
        match self {
            StockCell::InDuties => "En droits et devoirs".into(),
            StockCell::Oriented(None) => "Orientés".into(),
            StockCell::Oriented(Some(kind)) => format!("Orientés : {}", kind.label()),
            StockCell::OrientedTo(category) => format!("Orientés vers : {}", category.label()),
            StockCell::NotOriented => "Sans orientation".into(),
            StockCell::ContractInForce => "Avec un contrat en cours".into(),
            StockCell::WithoutReferent => "Sans référent unique".into(),
            StockCell::Late(None) => "En retard sur au moins une échéance".into(),
            StockCell::Late(Some(clock)) => format!("En retard : {}", clock.label()),
        }
    }
}

/// What the stock counts, stated on screen and in the API.
pub const STOCK_DEFINITION: &str =
    "Personnes d'un dossier RSA en droits et devoirs ce jour-là (depuis \
     une date antérieure ou égale). Orientées : une orientation validée décidée au plus tard ce \
     jour-là (la dernière donne le type et, par la catégorie DREES de son organisme, à qui).  Contrat en cours : signé, commencé et pas encore terminé \
     ce jour-là. Sans référent : aucune désignation en cours ce jour-là. En retard : une échéance \
     commencée et dépassée ce jour-là sans avoir été tenue.";

/// A positioning as the offer's figures count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferLine {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub status: ReferralStatus,
    pub refusal_reason: Option<RefusalReason>,
    pub positioned_on: Date,
    pub entered_on: Option<Date>,
    pub exit_situation: Option<Situation>,
    pub situation_4_weeks: Option<Situation>,
}

/// What became of the positionings of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferFigures {
    pub positionings: i64,
    /// By current status, in the order of `ReferralStatus::ALL`.
    pub by_status: Vec<(ReferralStatus, i64)>,
    /// Refused by the structure, by reason.
    pub by_refusal_reason: Vec<(RefusalReason, i64)>,
    /// Days from positioning to entry, over those who entered.
    pub entries: i64,
    pub wait_mean_days: Option<f64>,
    pub wait_median_days: Option<f64>,
    /// Exits by situation at exit, then 4 weeks later.
    pub by_exit_situation: Vec<(Situation, i64)>,
    pub by_situation_4_weeks: Vec<(Situation, i64)>,
}

/// Positionings that stand alike, counted together: the store groups a
/// period's positionings so (a few thousand rows for a département, not
/// one per positioning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferGroup {
    pub status: ReferralStatus,
    pub refusal_reason: Option<RefusalReason>,
    /// Days from positioning to entry, for those who entered.
    pub wait_days: Option<i64>,
    pub exit_situation: Option<Situation>,
    pub situation_4_weeks: Option<Situation>,
    pub count: i64,
}

impl From<&OfferLine> for OfferGroup {
    fn from(line: &OfferLine) -> OfferGroup {
        OfferGroup {
            status: line.status,
            refusal_reason: line.refusal_reason,
            wait_days: line
                .entered_on
                .map(|entered| (entered - line.positioned_on).whole_days()),
            exit_situation: line.exit_situation,
            situation_4_weeks: line.situation_4_weeks,
            count: 1,
        }
    }
}

impl OfferFigures {
    /// The figures of positionings counted together by the store.
    pub fn of_groups(groups: &[OfferGroup]) -> OfferFigures {
        let count = |cell: OfferCell| {
            groups
                .iter()
                .filter(|g| cell.holds_group(g))
                .map(|g| g.count)
                .sum::<i64>()
        };
        // The waits, shortest first, each with how many waited it.
        let mut waits: Vec<(i64, i64)> = groups
            .iter()
            .filter_map(|g| Some((g.wait_days?, g.count)))
            .collect();
        waits.sort_unstable();
        let entries: i64 = waits.iter().map(|(_, n)| n).sum();
        let total_days: i64 = waits.iter().map(|(d, n)| d * n).sum();
        OfferFigures {
            positionings: count(OfferCell::All),
            by_status: ReferralStatus::ALL
                .iter()
                .map(|s| (*s, count(OfferCell::Status(*s))))
                .collect(),
            by_refusal_reason: RefusalReason::ALL
                .iter()
                .map(|r| (*r, count(OfferCell::Refusal(*r))))
                .collect(),
            entries,
            wait_mean_days: (entries > 0).then(|| total_days as f64 / entries as f64),
            wait_median_days: weighted_median(&waits, entries),
            by_exit_situation: Situation::ALL
                .iter()
                .map(|s| (*s, count(OfferCell::Exit(*s))))
                .collect(),
            by_situation_4_weeks: Situation::ALL
                .iter()
                .map(|s| (*s, count(OfferCell::FourWeeks(*s))))
                .collect(),
        }
    }
}

impl OfferFigures {
    /// Every figure with the cell it counts, in the order screens and files
    /// show them: all, then by status, refusal reason, situation at exit
    /// and 4 weeks later (the parts that count nobody left out).
    pub fn cells(&self) -> Vec<(OfferCell, i64)> {
        let parts = self
            .by_status
            .iter()
            .map(|(s, n)| (OfferCell::Status(*s), *n))
            .chain(
                self.by_refusal_reason
                    .iter()
                    .map(|(r, n)| (OfferCell::Refusal(*r), *n)),
            )
            .chain(
                self.by_exit_situation
                    .iter()
                    .map(|(s, n)| (OfferCell::Exit(*s), *n)),
            )
            .chain(
                self.by_situation_4_weeks
                    .iter()
                    .map(|(s, n)| (OfferCell::FourWeeks(*s), *n)),
            );
        let mut cells = vec![(OfferCell::All, self.positionings)];
        cells.extend(parts.filter(|(_, n)| *n > 0));
        cells
    }
}

/// A figure of the offer: the positionings it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferCell {
    All,
    Status(ReferralStatus),
    Refusal(RefusalReason),
    Exit(Situation),
    FourWeeks(Situation),
}

impl OfferCell {
    pub fn holds(self, line: &OfferLine) -> bool {
        self.holds_group(&OfferGroup::from(line))
    }

    /// Whether the figure counts the positionings of `group`.
    pub fn holds_group(self, group: &OfferGroup) -> bool {
        match self {
            OfferCell::All => true,
            OfferCell::Status(status) => group.status == status,
            OfferCell::Refusal(reason) => {
                group.status == ReferralStatus::Refused && group.refusal_reason == Some(reason)
            }
            OfferCell::Exit(situation) => group.exit_situation == Some(situation),
            OfferCell::FourWeeks(situation) => group.situation_4_weeks == Some(situation),
        }
    }

    /// In links: `tous`, `statut:entered`, `refus:unreachable`, `sortie:employment`,
    /// `4semaines:training`.
    pub fn code(self) -> String {
        match self {
            OfferCell::All => "tous".into(),
            OfferCell::Status(s) => format!("statut:{}", s.code()),
            OfferCell::Refusal(r) => format!("refus:{}", r.code()),
            OfferCell::Exit(s) => format!("sortie:{}", s.code()),
            OfferCell::FourWeeks(s) => format!("4semaines:{}", s.code()),
        }
    }

    pub fn from_code(code: &str) -> Option<OfferCell> {
        if code == "tous" {
            return Some(OfferCell::All);
        }
        let (kind, value) = code.split_once(':')?;
        Some(match kind {
            "statut" => OfferCell::Status(ReferralStatus::from_code(value)?),
            "refus" => OfferCell::Refusal(RefusalReason::from_code(value)?),
            "sortie" => OfferCell::Exit(Situation::from_code(value)?),
            "4semaines" => OfferCell::FourWeeks(Situation::from_code(value)?),
            _ => return None,
        })
    }

    pub fn label(self) -> String {
        match self {
            OfferCell::All => "Positionnements".into(),
            OfferCell::Status(s) => format!("Positionnements : {}", s.label()),
            OfferCell::Refusal(r) => format!("Refusés : {}", r.label()),
            OfferCell::Exit(s) => format!("Sortis, à la sortie : {}", s.label()),
            OfferCell::FourWeeks(s) => format!("Sortis, 4 semaines après : {}", s.label()),
        }
    }
}

/// What the offer's figures count, stated on screen and in the API.
pub const OFFER_DEFINITION: &str = "Positionnements sur des actions d'insertion faits dans la \
     période, des personnes que vous suivez, dans leur état d'aujourd'hui ; attente : du \
     positionnement à l'entrée sur l'action, pour ceux qui sont entrés.";

#[cfg(test)]
mod tests {
    use super::*;

    /// The `percent`th percentile of sorted values by nearest rank: the
    /// smallest value such that at least `percent` % of them are at most it.
    fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
        if sorted.is_empty() {
            return None;
        }
        let rank = (percent * sorted.len()).div_ceil(100).max(1);
        Some(sorted[rank - 1])
    }
    use proptest::prelude::*;
    use time::macros::date;

    /// The figures of positionings taken one by one.
    fn offer_figures(lines: &[OfferLine]) -> OfferFigures {
        let groups: Vec<OfferGroup> = lines.iter().map(OfferGroup::from).collect();
        OfferFigures::of_groups(&groups)
    }

    /// The median of sorted values, written plainly: what the weighted
    /// median must agree with.
    fn median(sorted: &[i64]) -> Option<f64> {
        let n = sorted.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
        }
    }

    const LIMITS: DelayLimits = DelayLimits {
        target_days: Some(30),
        legal_days: 42,
    };

    fn case(n: u128, start: Date, end: Option<Date>) -> DelayCase {
        DelayCase {
            person_id: Uuid::from_u128(n),
            started_on: start,
            ended_on: end,
        }
    }

    #[test]
    fn figures_written_by_hand() {
        // Delays of 10, 30, 40 and 60 days; one still waiting.
        let cases = [
            case(1, date!(2026 - 03 - 01), Some(date!(2026 - 03 - 11))),
            case(2, date!(2026 - 03 - 02), Some(date!(2026 - 04 - 01))),
            case(3, date!(2026 - 03 - 10), Some(date!(2026 - 04 - 19))),
            case(4, date!(2026 - 04 - 01), Some(date!(2026 - 05 - 31))),
            case(5, date!(2026 - 04 - 20), None),
        ];
        let report = DelayReport::of(DelayKind::Orientation, &cases, LIMITS);
        assert_eq!(
            report.total,
            DelayFigures {
                started: 5,
                done: 4,
                waiting: 1,
                mean_days: Some(35.0),
                median_days: Some(35.0),
                p90_days: Some(60),
                within_target: Some(2),
                within_legal: 3,
            }
        );
        assert_eq!(report.months.len(), 2);
        assert_eq!(report.months[0].month.label(), "mars 2026");
        assert_eq!(report.months[0].figures.done, 3);
        assert_eq!(report.months[0].figures.median_days, Some(30.0));
        assert_eq!(report.months[1].figures.waiting, 1);
        assert_eq!(report.months[1].figures.within_legal, 0);
    }

    #[test]
    fn nothing_started_is_no_figure_and_no_division() {
        let report = DelayReport::of(DelayKind::Contract, &[], LIMITS);
        assert_eq!(
            report.total,
            DelayFigures {
                within_target: Some(0),
                ..DelayFigures::default()
            }
        );
        assert!(report.months.is_empty());
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&(1..=10).collect::<Vec<_>>(), 90), Some(9));
        assert_eq!(nearest_rank(&(1..=11).collect::<Vec<_>>(), 90), Some(10));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
    }

    #[test]
    fn months_read_and_write_their_code() {
        let month = YearMonth::parse("2026-03").unwrap();
        assert_eq!(month.code(), "2026-03");
        assert_eq!(YearMonth::parse("2026-13"), None);
        assert_eq!(YearMonth::parse("mars"), None);
    }

    #[test]
    fn stock_cells_read_their_code() {
        for cell in [
            StockCell::InDuties,
            StockCell::Oriented(None),
            StockCell::Oriented(Some(OrientationKind::Social)),
            StockCell::OrientedTo(OrganisationCategory::CcasCias),
            StockCell::NotOriented,
            StockCell::ContractInForce,
            StockCell::WithoutReferent,
            StockCell::Late(None),
            StockCell::Late(Some(ClockKind::JointReview)),
        ] {
            assert_eq!(StockCell::from_code(&cell.code()), Some(cell));
        }
        assert_eq!(StockCell::from_code("orientes:astrologique"), None);
        assert_eq!(StockCell::from_code("orientes_vers:astrologue"), None);
        assert_eq!(StockCell::from_code("tout"), None);
    }

    #[test]
    fn offer_figures_written_by_hand() {
        let line = |n: u128, status, reason, entered: Option<Date>, exit, weeks| OfferLine {
            referral_id: Uuid::from_u128(n),
            person_id: Uuid::from_u128(n),
            status,
            refusal_reason: reason,
            positioned_on: date!(2026 - 03 - 01),
            entered_on: entered,
            exit_situation: exit,
            situation_4_weeks: weeks,
        };
        use ReferralStatus::*;
        let lines = [
            line(1, Entered, None, Some(date!(2026 - 03 - 11)), None, None),
            line(
                2,
                Exited,
                None,
                Some(date!(2026 - 03 - 31)),
                Some(Situation::Employment),
                Some(Situation::Employment),
            ),
            line(
                3,
                Refused,
                Some(RefusalReason::Unreachable),
                None,
                None,
                None,
            ),
            line(4, Waiting, None, None, None, None),
        ];
        let figures = offer_figures(&lines);
        assert_eq!(figures.positionings, 4);
        assert_eq!(figures.entries, 2);
        assert_eq!(figures.wait_mean_days, Some(20.0));
        assert_eq!(figures.wait_median_days, Some(20.0));
        assert!(figures.by_status.contains(&(Waiting, 1)));
        assert!(figures
            .by_refusal_reason
            .contains(&(RefusalReason::Unreachable, 1)));
        assert!(figures
            .by_exit_situation
            .contains(&(Situation::Employment, 1)));
        assert_eq!(
            figures.cells().len(),
            8,
            "all, four statuses, one refusal reason, one exit and one situation 4 weeks later: {:?}",
            figures.cells()
        );
        for cell in [
            OfferCell::All,
            OfferCell::Status(Exited),
            OfferCell::Refusal(RefusalReason::Other),
            OfferCell::Exit(Situation::Training),
            OfferCell::FourWeeks(Situation::Unknown),
        ] {
            assert_eq!(OfferCell::from_code(&cell.code()), Some(cell));
        }
        assert_eq!(OfferCell::from_code("statut:perdu"), None);
    }

    proptest! {
        /// Every stock figure is the size of the list behind it, and the
        /// parts add up.
        #[test]
        fn each_stock_figure_counts_its_list(
            raw in proptest::collection::vec((0usize..4, any::<bool>(), any::<bool>(), 0u8..16, 0usize..12), 0..60)
        ) {
            let lines: Vec<StockLine> = raw
                .iter()
                .enumerate()
                .map(|(i, (kind, contract, referent, late, category))| StockLine {
                    person_id: Uuid::from_u128(i as u128),
                    oriented: OrientationKind::ALL.get(*kind).copied(),
                    oriented_to: OrganisationCategory::ALL.get(*category).copied(),
                    contract_in_force: *contract,
                    has_referent: *referent,
                    late: ClockKind::ALL
                        .iter()
                        .enumerate()
                        .filter(|(b, _)| late & (1 << b) != 0)
                        .map(|(_, c)| *c)
                        .collect(),
                })
                .collect();
            let figures = StockFigures::of(&lines);
            let count = |cell: StockCell| lines.iter().filter(|l| cell.holds(l)).count() as i64;
            prop_assert_eq!(figures.in_duties, lines.len() as i64);
            prop_assert_eq!(figures.oriented + figures.not_oriented, figures.in_duties);
            prop_assert_eq!(
                figures.oriented_by_kind.iter().map(|(_, n)| n).sum::<i64>(),
                figures.oriented
            );
            prop_assert!(
                figures.oriented_by_category.iter().map(|(_, n)| n).sum::<i64>()
                    <= figures.oriented
            );
            prop_assert_eq!(figures.without_referent, count(StockCell::WithoutReferent));
            prop_assert_eq!(figures.contract_in_force, count(StockCell::ContractInForce));
            for (cell, n) in figures.cells() {
                prop_assert_eq!(n, count(cell));
            }
            for (clock, n) in &figures.late_by_clock {
                prop_assert_eq!(*n, count(StockCell::Late(Some(*clock))));
                prop_assert!(*n <= figures.late);
            }
        }
    }

    proptest! {
        /// Every figure is the size of the list behind it.
        #[test]
        fn each_figure_counts_its_list(
            spans in proptest::collection::vec((0i64..400, proptest::option::of(0i64..200)), 0..60)
        ) {
            let start = date!(2025 - 01 - 01);
            let cases: Vec<DelayCase> = spans
                .iter()
                .enumerate()
                .map(|(i, (offset, days))| {
                    let started = start + time::Duration::days(*offset);
                    case(i as u128, started, days.map(|d| started + time::Duration::days(d)))
                })
                .collect();
            let figures = DelayFigures::of(&cases, LIMITS);
            // Counted together, the mean, median and 9th decile are those of
            // every delay written out.
            let mut days: Vec<i64> = cases.iter().filter_map(DelayCase::days).collect();
            days.sort_unstable();
            prop_assert_eq!(figures.median_days, median(&days));
            prop_assert_eq!(figures.p90_days, nearest_rank(&days, 90));
            let mean = (!days.is_empty()).then(|| days.iter().sum::<i64>() as f64 / days.len() as f64);
            prop_assert_eq!(figures.mean_days, mean);
            let count = |cell: DelayCell| cases.iter().filter(|c| cell.holds(c, LIMITS)).count() as i64;
            prop_assert_eq!(figures.started, count(DelayCell::Started));
            prop_assert_eq!(figures.done, count(DelayCell::Done));
            prop_assert_eq!(figures.waiting, count(DelayCell::Waiting));
            prop_assert_eq!(figures.within_target, Some(count(DelayCell::WithinTarget)));
            prop_assert_eq!(figures.within_legal, count(DelayCell::WithinLegal));
            prop_assert_eq!(figures.done - figures.within_legal, count(DelayCell::BeyondLegal));
            for (cell, n) in figures.cells() {
                prop_assert_eq!(n, count(cell));
            }
            let report = DelayReport::of(DelayKind::Orientation, &cases, LIMITS);
            prop_assert_eq!(report.months.iter().map(|m| m.figures.started).sum::<i64>(), figures.started);
            if let (Some(median), Some(p90)) = (figures.median_days, figures.p90_days) {
                prop_assert!(median <= p90 as f64);
            }
        }

        /// The offer counted together by the store gives the figures of its
        /// positionings taken one by one, and each figure is its list's size.
        #[test]
        fn offer_counted_together_is_offer_line_by_line(
            picks in proptest::collection::vec(
                (0usize..10, 0usize..6, proptest::option::of(0i64..90), 0usize..8, 0usize..8),
                0..80,
            )
        ) {
            let situation = |n: usize| Situation::ALL.get(n).copied();
            let lines: Vec<OfferLine> = picks
                .iter()
                .enumerate()
                .map(|(i, (status, reason, wait, exit, weeks))| OfferLine {
                    referral_id: Uuid::from_u128(i as u128),
                    person_id: Uuid::from_u128(i as u128 % 7),
                    status: ReferralStatus::ALL[status % ReferralStatus::ALL.len()],
                    refusal_reason: RefusalReason::ALL.get(*reason).copied(),
                    positioned_on: date!(2026 - 01 - 15),
                    entered_on: wait.map(|d| date!(2026 - 01 - 15) + time::Duration::days(d)),
                    exit_situation: situation(*exit),
                    situation_4_weeks: situation(*weeks),
                })
                .collect();
            let mut groups: Vec<OfferGroup> = Vec::new();
            for group in lines.iter().map(OfferGroup::from) {
                match groups.iter_mut().find(|g| OfferGroup { count: 1, ..**g } == group) {
                    Some(same) => same.count += 1,
                    None => groups.push(group),
                }
            }
            let figures = OfferFigures::of_groups(&groups);
            let mut waits: Vec<i64> = lines
                .iter()
                .filter_map(|l| Some((l.entered_on? - l.positioned_on).whole_days()))
                .collect();
            waits.sort_unstable();
            prop_assert_eq!(figures.entries, waits.len() as i64);
            prop_assert_eq!(figures.wait_median_days, median(&waits));
            let mean = (!waits.is_empty()).then(|| waits.iter().sum::<i64>() as f64 / waits.len() as f64);
            prop_assert_eq!(figures.wait_mean_days, mean);
            for (cell, n) in figures.cells() {
                prop_assert_eq!(n, lines.iter().filter(|l| cell.holds(l)).count() as i64);
            }
            prop_assert_eq!(figures, offer_figures(&lines));
        }
    }
}
