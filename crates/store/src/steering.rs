//! Steering: the dates the delays are computed from, read in one statement
//! for a whole département (parcours_domain::steering computes the figures).

use crate::bulk::{read_by_keys, Value};
use crate::sql::{Param, Sql};
use crate::{Backend, Result, Store};
use parcours_domain::access::PersonScope;
use parcours_domain::clock::paris_instant;
use parcours_domain::deadline::{ClockKind, OrientationKind};
use parcours_domain::oarsa::OrganisationCategory;
use parcours_domain::occupation::{OccupationLine, Participation};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::referral::{ReferralStatus, RefusalReason, Situation};
pub use parcours_domain::steering::SteeringFilter;
use parcours_domain::steering::{
    DelayCase, DelayCases, DelayGroup, DelayGroups, DelayKind, OfferGroup, OfferLine, StockLine,
    YearMonth,
};
use serde::Serialize;
use time::Date;
use uuid::Uuid;

/// A person's dates, as the delays read them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PathwayLine {
    pub id: Uuid,
    /// The RSA request date, else the start of droits et devoirs.
    pub entry: Date,
    /// The decision of the first validated orientation on or after entry.
    pub oriented_on: Option<Date>,
    pub notified_on: Option<Date>,
    pub kind: Option<OrientationKind>,
    pub organisation_id: Option<Uuid>,
    /// The first contract signed on or after that notification.
    pub signed_on: Option<Date>,
}

/// SQL of a day column as `AAAA-MM`.
type DayToText = fn(&str) -> String;

/// SQL of the days from the day column `from` to `to` (NULL when either is).
fn days_between(backend: Backend, from: &str, to: &str) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(julianday({to}) - julianday({from}) AS INTEGER)"),
        Backend::Postgres => format!("CAST({to} - {from} AS BIGINT)"),
    }
}

/// A person behind a figure.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SteeringPerson {
    pub id: Uuid,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
}

impl SteeringPerson {
    /// « NOM Prénoms », as the lists name people.
    pub fn name(&self) -> String {
        format!("{} {}", self.last_name, self.first_names)
    }
}

/// Everyone in the scope with an entry into the RSA known by `at` and in
/// droits et devoirs (or oriented since): their entry, their first
/// validated orientation decided on or after it by `at`, and the first
/// contract signed on or after its notification by `at`; only those whose
/// entry or notification comes on or after `from` (the others start no
/// delay in the period).
const PATHWAY_DATES: &str = "
WITH people AS (
    SELECT p.id, p.subject_to_duties, COALESCE(h.rsa_requested_on, p.duties_since) AS entry
    FROM persons p LEFT JOIN households h ON h.id = p.household_id
    WHERE p.merged_into_id IS NULL AND p.household_id IS NOT NULL {entrants} {scope}
),
-- Materialized: the first orientation looked up once per person, then
-- joined for its columns.
firsts AS MATERIALIZED (
    SELECT x.id, x.entry, x.subject_to_duties,
        (SELECT o.id FROM orientations o
         WHERE o.person_id = x.id AND o.status = 'validated' AND o.decided_on >= x.entry
           AND COALESCE(o.notified_on, o.decided_on) <= {at}
         ORDER BY o.decided_on, o.created_at LIMIT 1) AS orientation_id
    FROM people x WHERE x.entry IS NOT NULL AND x.entry <= {at}
)
SELECT f.id, f.entry, o.decided_on AS oriented_on,
       CASE WHEN o.notified_on <= {at} THEN o.notified_on END AS notified_on,
       o.kind, o.lead_organisation_id AS organisation_id,
       (SELECT MIN(k.signed_on) FROM contracts k
        WHERE k.person_id = f.id AND k.signed_on >= o.notified_on AND k.signed_on <= {at}) AS signed_on
FROM firsts f LEFT JOIN orientations o ON o.id = f.orientation_id
WHERE (f.subject_to_duties OR o.id IS NOT NULL) AND (f.entry >= {from} OR o.notified_on >= {from})";

/// The same on PostgreSQL: the first orientation read with its columns in
/// one lateral lookup (there, a lookup of its id then a join to the
/// orientations took twice as long: docs/PERFORMANCE.md).
const PATHWAY_DATES_POSTGRES: &str = "
WITH people AS (
    SELECT p.id, p.subject_to_duties, COALESCE(h.rsa_requested_on, p.duties_since) AS entry
    FROM persons p LEFT JOIN households h ON h.id = p.household_id
    WHERE p.merged_into_id IS NULL AND p.household_id IS NOT NULL {entrants} {scope}
)
SELECT x.id, x.entry, o.decided_on AS oriented_on,
       CASE WHEN o.notified_on <= {at} THEN o.notified_on END AS notified_on,
       o.kind, o.lead_organisation_id AS organisation_id,
       (SELECT MIN(k.signed_on) FROM contracts k
        WHERE k.person_id = x.id AND k.signed_on >= o.notified_on AND k.signed_on <= {at}) AS signed_on
FROM people x LEFT JOIN LATERAL (
    SELECT o.decided_on, o.notified_on, o.kind, o.lead_organisation_id FROM orientations o
    WHERE o.person_id = x.id AND o.status = 'validated' AND o.decided_on >= x.entry
      AND COALESCE(o.notified_on, o.decided_on) <= {at}
    ORDER BY o.decided_on, o.created_at LIMIT 1) o ON TRUE
WHERE x.entry <= {at} AND (x.subject_to_duties OR o.decided_on IS NOT NULL)
  AND (x.entry >= {from} OR o.notified_on >= {from})";

/// The statement of the pathway's dates on `backend`, of everyone or
/// only of those whose entry is in the period (`{from}` to `{at}`): the
/// others then cost no lookup.
fn pathway_dates(backend: Backend, only_entrants: bool) -> String {
    let statement = match backend {
        Backend::Sqlite => PATHWAY_DATES,
        Backend::Postgres => PATHWAY_DATES_POSTGRES,
    };
    let entrants = match only_entrants {
        true => "AND COALESCE(h.rsa_requested_on, p.duties_since) >= {from}",
        false => "",
    };
    statement.replace("{entrants}", entrants)
}

/// Whether the person `p` was in droits et devoirs at `{at}`: as the latest
/// revision of the file recorded by the end of that day says, else (a file
/// recorded later, as imported files are) as its first one says.
/// `{until}` is the start of the next day in Paris.
///
/// A file last written before `{until}` stood then as it stands now: its
/// row is its latest revision (each revision is recorded at its file's
/// `updated_at`, store::person), so only the files written since are
/// looked up in their history: on the generated dataset, a third of the
/// files for last year's return, 7 % for the end of last month. An
/// anonymised file has lost its history and is read from it, as before.
pub(crate) const IN_DUTIES_AT: &str =
    "(CASE WHEN p.updated_at < {until} AND p.anonymised_on IS NULL
    THEN p.subject_to_duties AND p.duties_since <= {at}
    ELSE EXISTS (SELECT 1 FROM (
        SELECT w.subject_to_duties, w.duties_since FROM person_revisions w
        WHERE w.person_id = p.id
        -- Recorded by then first, the latest of them; else the first one.
        ORDER BY (w.changed_at < {until}) DESC,
                 CASE WHEN w.changed_at < {until} THEN -w.version ELSE w.version END
        LIMIT 1) AS r
    WHERE r.subject_to_duties AND r.duties_since <= {at}) END)";

/// The same on PostgreSQL: the revisions of the files written since taken
/// in one sorted pass, then matched, instead of a sorted lookup per file
/// (half the time for a département).
const IN_DUTIES_AT_POSTGRES: &str = "(CASE WHEN p.updated_at < {until} AND p.anonymised_on IS NULL
    THEN p.subject_to_duties AND p.duties_since <= {at}
    ELSE p.id IN (SELECT r.person_id FROM (
        SELECT DISTINCT ON (w.person_id) w.person_id, w.subject_to_duties, w.duties_since
        FROM person_revisions w JOIN persons q ON q.id = w.person_id AND q.updated_at >= {until}
        ORDER BY w.person_id, (w.changed_at < {until}) DESC,
                 CASE WHEN w.changed_at < {until} THEN -w.version ELSE w.version END) AS r
    WHERE r.subject_to_duties AND r.duties_since <= {at}) END)";

/// Everyone in droits et devoirs at `{at}` in the scope, with where they
/// stand that day.
const STOCK: &str = "
SELECT p.id,
    {oriented},
    EXISTS (SELECT 1 FROM contracts k
     WHERE k.person_id = p.id AND k.signed_on <= {at} AND k.starts_on <= {at}
       AND k.ends_on >= {at} AND (k.ended_on IS NULL OR k.ended_on >= {at})) AS contract_in_force,
    EXISTS (SELECT 1 FROM referent_assignments ra
     WHERE ra.person_id = p.id AND ra.starts_on <= {at}
       AND (ra.ends_on IS NULL OR ra.ends_on > {at})) AS has_referent,
    {late}
FROM persons p {latest_join}
WHERE p.merged_into_id IS NULL AND p.household_id IS NOT NULL AND {in_duties} {scope}";

/// The DREES category of the organisation `g`: the one set on it, else
/// the one its kind gives (`OrganisationCategory::of_kind`, written out
/// here so that both agree).
fn category_of_g() -> String {
    let of_kind: Vec<String> = OrganisationKind::ALL
        .iter()
        .map(|kind| {
            format!(
                "WHEN '{}' THEN '{}'",
                kind.code(),
                OrganisationCategory::of_kind(*kind).code()
            )
        })
        .collect();
    format!(
        "COALESCE(g.oarsa_category, CASE g.kind {} END)",
        of_kind.join(" ")
    )
}

/// The stock's statement, its columns written out: the kind of the
/// orientation in force, the category of its organisation and the late
/// clocks. SQLite looks each up per person (a lookup is cheap there);
/// PostgreSQL reads the orientation in one lateral lookup and the clocks
/// of everyone in one grouped pass (a lookup costs more there).
fn stock_statement(backend: Backend) -> String {
    let (oriented, late, join) = match backend {
        Backend::Sqlite => (
            format!(
                "{{latest:kind}} AS oriented,
                 (SELECT {} FROM organisations g WHERE g.id = {{latest:lead_organisation_id}}) AS oriented_to",
                category_of_g()
            ),
            format!(
                "(SELECT SUM({}) FROM person_clocks c WHERE c.person_id = p.id AND {LATE_AT}) AS late",
                late_bits()
            ),
            String::new(),
        ),
        Backend::Postgres => (
            format!("lo.kind AS oriented, {} AS oriented_to", category_of_g()),
            "lc.late AS late".to_owned(),
            format!(
                "LEFT JOIN LATERAL ({}) lo ON TRUE LEFT JOIN organisations g ON g.id = lo.lead_organisation_id
                 LEFT JOIN (SELECT c.person_id, SUM({}) AS late FROM person_clocks c WHERE {LATE_AT}
                            GROUP BY c.person_id) lc ON lc.person_id = p.id",
                latest_orientation_query("o.kind, o.lead_organisation_id"),
                late_bits()
            ),
        ),
    };
    STOCK
        .replace("{oriented}", &oriented)
        .replace("{latest_join}", &join)
        .replace("{late}", &late)
}

/// A clock `c` overdue at `{at}`.
const LATE_AT: &str =
    "c.started_on <= {at} AND c.due_on < {at} AND (c.met_on IS NULL OR c.met_on > {at})";

/// The bit of the clock `c`'s kind, in the order of `ClockKind::ALL`: the
/// sum over a person's late clocks says which are late.
fn late_bits() -> String {
    let bits: Vec<String> = ClockKind::ALL
        .iter()
        .enumerate()
        .map(|(n, kind)| format!("WHEN '{}' THEN {}", kind.code(), 1 << n))
        .collect();
    format!("CASE c.kind {} END", bits.join(" "))
}

#[derive(sqlx::FromRow)]
struct CountedStockRow {
    oriented: Option<OrientationKind>,
    oriented_to: Option<OrganisationCategory>,
    contract_in_force: bool,
    has_referent: bool,
    late: Option<i64>,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct StockRow {
    id: Uuid,
    oriented: Option<OrientationKind>,
    oriented_to: Option<OrganisationCategory>,
    contract_in_force: bool,
    has_referent: bool,
    late: Option<i64>,
}

impl From<StockRow> for StockLine {
    fn from(r: StockRow) -> StockLine {
        let late = r.late.unwrap_or(0);
        StockLine {
            person_id: r.id,
            oriented: r.oriented,
            oriented_to: r.oriented_to,
            contract_in_force: r.contract_in_force,
            has_referent: r.has_referent,
            late: ClockKind::ALL
                .iter()
                .enumerate()
                .filter(|(n, _)| late & (1 << n) != 0)
                .map(|(_, k)| *k)
                .collect(),
        }
    }
}

/// The `column` of the person `p`'s latest orientation validated by `{at}`
/// (the orientation in force that day).
fn latest_orientation(column: &str) -> String {
    format!("({})", latest_orientation_query(&format!("o.{column}")))
}

/// The statement reading `columns` of the person `p`'s latest orientation
/// validated by `{at}`.
fn latest_orientation_query(columns: &str) -> String {
    format!(
        "SELECT {columns} FROM orientations o
          WHERE o.person_id = p.id AND o.status = 'validated'
            AND COALESCE(o.notified_on, o.decided_on) <= {{at}}
          ORDER BY o.decided_on DESC, o.created_at DESC LIMIT 1"
    )
}

/// `template` with the reader's scope and the filter's people at
/// `{scope}` (over `persons p`), and the filter's days at `{at}`, `{from}`,
/// `{to}` and `{until}` (the start of the day after `at` in Paris);
/// `{in_duties}` and `{latest:COLUMN}` are the predicates above;
/// `{people}` joins the positionings `r` to their people only when the
/// scope or the filter reads them (for the whole département, the join
/// cost more than the count).
pub(crate) fn scoped(
    backend: Backend,
    template: &str,
    scope: &PersonScope,
    filter: &SteeringFilter,
) -> Sql {
    let mut sql = Sql::new("");
    sql.scope(scope);
    if let Some(territory) = filter.territory_id {
        sql.bind(" AND p.territory_id = ", territory);
    }
    if let Some(organisation) = filter.organisation_id {
        sql.bind(" AND {latest:lead_organisation_id} = ", organisation);
    }
    if let Some(kind) = filter.orientation_kind {
        sql.bind(" AND {latest:kind} = ", kind.code());
    }
    if let Some(referent) = filter.referent_id {
        sql.bind(
            " AND EXISTS (SELECT 1 FROM referent_assignments ra
               WHERE ra.person_id = p.id AND ra.starts_on <= {at}
                 AND (ra.ends_on IS NULL OR ra.ends_on > {at}) AND ra.referent_id = ",
            referent,
        );
        sql.push(")");
    }
    // Seen today, the files' current droits et devoirs are those of their
    // latest revision: no need to look it up.
    let in_duties = if filter.at >= parcours_domain::clock::today() {
        "(p.subject_to_duties AND p.duties_since <= {at})"
    } else {
        match backend {
            Backend::Sqlite => IN_DUTIES_AT,
            Backend::Postgres => IN_DUTIES_AT_POSTGRES,
        }
    };
    // A closed file left droits et devoirs on its closure, which is final
    // (DOMAIN: exit from the scheme); its flag and its revisions keep what
    // it was before.
    let in_duties = format!("({in_duties} AND (p.closed_on IS NULL OR p.closed_on > {{at}}))");
    let people = match sql.text.is_empty() {
        true => "",
        false => "JOIN persons p ON p.id = r.person_id",
    };
    let mut text = template
        .replace("{people}", people)
        .replace("{scope}", &sql.text)
        .replace("{in_duties}", &in_duties);
    for column in ["kind", "lead_organisation_id"] {
        text = text.replace(&format!("{{latest:{column}}}"), &latest_orientation(column));
    }
    let next_day = filter.at.next_day().unwrap_or(filter.at);
    let days: [(&str, Param); 4] = [
        ("{at}", filter.at.into()),
        ("{from}", filter.from.into()),
        ("{to}", filter.to.into()),
        (
            "{until}",
            paris_instant(next_day, time::Time::MIDNIGHT).into(),
        ),
    ];
    for (placeholder, value) in days {
        if text.contains(placeholder) {
            sql.params.push(value);
            text = text.replace(placeholder, &format!("${}", sql.params.len()));
        }
    }
    sql.text = text;
    sql
}

/// The positionings made from `{from}` to `{to}` of the people in the scope.
const OFFER: &str = "
SELECT r.id AS referral_id, r.person_id, r.status, r.refusal_reason, r.positioned_on,
       r.entered_on, r.exit_situation, r.situation_4_weeks
FROM referrals r JOIN persons p ON p.id = r.person_id
WHERE r.positioned_on >= {from} AND r.positioned_on <= {to} {scope}";

/// The same positionings counted together by what became of them: a few
/// thousand rows for a département rather than one per positioning (each
/// row read costs more than the counting).
const OFFER_GROUPS: &str = "
SELECT r.status, r.refusal_reason, {wait} AS wait_days, r.exit_situation, r.situation_4_weeks,
       COUNT(*) AS n
FROM referrals r {people}
WHERE r.positioned_on >= {from} AND r.positioned_on <= {to} {scope}
GROUP BY r.status, r.refusal_reason, {wait}, r.exit_situation, r.situation_4_weeks";

#[derive(sqlx::FromRow)]
struct OfferGroupRow {
    status: ReferralStatus,
    refusal_reason: Option<RefusalReason>,
    wait_days: Option<i64>,
    exit_situation: Option<Situation>,
    situation_4_weeks: Option<Situation>,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct OfferRow {
    referral_id: Uuid,
    person_id: Uuid,
    status: ReferralStatus,
    refusal_reason: Option<RefusalReason>,
    positioned_on: Date,
    entered_on: Option<Date>,
    exit_situation: Option<Situation>,
    situation_4_weeks: Option<Situation>,
}

/// The actions running at `{at}` (begun, not over, not drafts), with the
/// participations of the people in the scope inside that day: one indexed
/// count per action.
const OCCUPATION: &str = "
SELECT a.id AS action_id, a.family, a.structure_id, o.name AS structure_name, a.capacity,
    (SELECT COUNT(*) FROM referrals r JOIN persons p ON p.id = r.person_id
     WHERE r.action_id = a.id AND r.status IN ('entered', 'exited')
       AND r.entered_on <= {at} AND (r.exited_on IS NULL OR r.exited_on > {at}) {scope}) AS participants
FROM actions a JOIN organisations o ON o.id = a.structure_id
WHERE a.status <> 'draft' AND a.starts_on <= {at} AND (a.ends_on IS NULL OR a.ends_on >= {at})
ORDER BY a.id";

/// The participations of the people in the scope inside an action at `{at}`.
const PARTICIPATIONS: &str = "
SELECT r.id AS referral_id, r.person_id, r.action_id, a.name AS action_name, r.entered_on
FROM referrals r JOIN persons p ON p.id = r.person_id JOIN actions a ON a.id = r.action_id
WHERE r.status IN ('entered', 'exited') AND r.entered_on <= {at}
  AND (r.exited_on IS NULL OR r.exited_on > {at}) {scope}";

#[derive(sqlx::FromRow)]
struct OccupationRow {
    action_id: Uuid,
    family: Option<String>,
    structure_id: Uuid,
    structure_name: String,
    capacity: Option<i64>,
    participants: i64,
}

#[derive(sqlx::FromRow)]
struct ParticipationRow {
    referral_id: Uuid,
    person_id: Uuid,
    action_id: Uuid,
    action_name: String,
    entered_on: Date,
}

impl Store {
    /// The actions running at the filter's date, each with the people of
    /// the scope (and the filter) inside it that day.
    pub async fn occupation_lines(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<OccupationLine>> {
        let sql = scoped(self.backend(), OCCUPATION, scope, filter);
        let rows: Vec<OccupationRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, OccupationRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| OccupationLine {
                action_id: r.action_id,
                family: r.family,
                structure_id: r.structure_id,
                structure_name: r.structure_name,
                capacity: r.capacity,
                participants: r.participants,
            })
            .collect())
    }

    /// Who of the scope (and the filter) is inside an action at the
    /// filter's date, and in which.
    pub async fn participations(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<Participation>> {
        let sql = scoped(self.backend(), PARTICIPATIONS, scope, filter);
        let rows: Vec<ParticipationRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, ParticipationRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| Participation {
                referral_id: r.referral_id,
                person_id: r.person_id,
                action_id: r.action_id,
                action_name: r.action_name,
                entered_on: r.entered_on,
            })
            .collect())
    }
}

impl Store {
    /// The positionings made in the filter's period of the people in the
    /// scope (and its territory), as they stand today.
    pub async fn offer_lines(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<OfferLine>> {
        let sql = scoped(self.backend(), OFFER, scope, filter);
        let rows: Vec<OfferRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, OfferRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| OfferLine {
                referral_id: r.referral_id,
                person_id: r.person_id,
                status: r.status,
                refusal_reason: r.refusal_reason,
                positioned_on: r.positioned_on,
                entered_on: r.entered_on,
                exit_situation: r.exit_situation,
                situation_4_weeks: r.situation_4_weeks,
            })
            .collect())
    }

    /// The positionings made in the filter's period of the people in the
    /// scope, counted together by what became of them (as they stand today).
    pub async fn offer_groups(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<OfferGroup>> {
        let template = OFFER_GROUPS.replace(
            "{wait}",
            &days_between(self.backend(), "r.positioned_on", "r.entered_on"),
        );
        let sql = scoped(self.backend(), &template, scope, filter);
        let rows: Vec<OfferGroupRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, OfferGroupRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| OfferGroup {
                status: r.status,
                refusal_reason: r.refusal_reason,
                wait_days: r.wait_days,
                exit_situation: r.exit_situation,
                situation_4_weeks: r.situation_4_weeks,
                count: r.n,
            })
            .collect())
    }

    /// Who is in droits et devoirs at the filter's date, within the scope
    /// (and its territory), and where each stands that day.
    pub async fn stock_lines(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<StockLine>> {
        let sql = scoped(
            self.backend(),
            &stock_statement(self.backend()),
            scope,
            filter,
        );
        let rows: Vec<StockRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, StockRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Everyone in the scope with an entry known by the filter's day and
    /// in droits et devoirs (or oriented since), with their first
    /// orientation and first contract by that day, whose entry or
    /// notification is on or after the filter's first day.
    pub async fn pathway_lines(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<PathwayLine>> {
        self.pathway_dates(scope, filter, false).await
    }

    /// The entrants of the filter's period (entry from its first day to its
    /// date) in the scope, with their first orientation and first contract
    /// by that date.
    pub async fn entrants(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<PathwayLine>> {
        self.pathway_dates(scope, filter, true).await
    }

    async fn pathway_dates(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
        only_entrants: bool,
    ) -> Result<Vec<PathwayLine>> {
        let statement = pathway_dates(self.backend(), only_entrants);
        let sql = scoped(self.backend(), &statement, scope, filter);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, PathwayLine>(&sql.text), sql)
            .fetch_all(pool).await)?,
        )
    }

    /// The stock at the filter's date, its people counted together by
    /// where they stand (a few hundred rows for a département, not one per
    /// person: what the page shows).
    pub async fn stock_counts(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<Vec<(StockLine, i64)>> {
        let template = format!(
            "SELECT oriented, oriented_to, contract_in_force, has_referent, late, COUNT(*) AS n
             FROM ({}) AS s GROUP BY oriented, oriented_to, contract_in_force, has_referent, late",
            stock_statement(self.backend())
        );
        let sql = scoped(self.backend(), &template, scope, filter);
        let rows: Vec<CountedStockRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, CountedStockRow>(&sql.text), sql)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let line = StockRow {
                    id: Uuid::nil(),
                    oriented: r.oriented,
                    oriented_to: r.oriented_to,
                    contract_in_force: r.contract_in_force,
                    has_referent: r.has_referent,
                    late: r.late,
                };
                (line.into(), r.n)
            })
            .collect())
    }

    /// Both delays that start in the filter's period, as known at its
    /// date, within the scope: their people counted by month and duration
    /// (a few thousand rows for a département, not one per person).
    pub async fn delay_groups(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<DelayGroups> {
        // The month of a day, in each dialect.
        let month: DayToText = match self.backend() {
            Backend::Sqlite => |day| format!("substr({day}, 1, 7)"),
            Backend::Postgres => |day| format!("to_char({day}, 'YYYY-MM')"),
        };
        let days = |from, to| days_between(self.backend(), from, to);
        let template = format!(
            "WITH dates AS ({})
             SELECT 'orientation' AS kind, {} AS month, {} AS days, COUNT(*) AS n FROM dates
             WHERE entry >= {{from}} AND entry <= {{to}} GROUP BY 2, 3
             UNION ALL
             SELECT 'contrat' AS kind, {} AS month, {} AS days, COUNT(*) AS n FROM dates
             WHERE notified_on >= {{from}} AND notified_on <= {{to}} GROUP BY 2, 3",
            pathway_dates(self.backend(), false),
            month("entry"),
            days("entry", "oriented_on"),
            month("notified_on"),
            days("notified_on", "signed_on"),
        );
        let sql = scoped(self.backend(), &template, scope, filter);
        let rows: Vec<(String, String, Option<i64>, i64)> = read!(self, pool => bind_all!(sqlx::query_as(&sql.text), sql)
            .fetch_all(pool).await)?;
        let mut groups = DelayGroups::default();
        for (kind, month, days, count) in rows {
            let Some(month) = YearMonth::parse(&month) else {
                continue;
            };
            let group = DelayGroup { month, days, count };
            match DelayKind::from_code(&kind) {
                Some(DelayKind::Orientation) => groups.orientation.push(group),
                Some(DelayKind::Contract) => groups.contract.push(group),
                None => {}
            }
        }
        Ok(groups)
    }

    /// Both delays that start in the filter's period, as known at its
    /// date, within the scope: one statement for the two.
    pub async fn delay_cases(
        &self,
        scope: &PersonScope,
        filter: &SteeringFilter,
    ) -> Result<DelayCases> {
        let rows = self.pathway_lines(scope, filter).await?;
        let in_period = |day: Date| filter.from <= day && day <= filter.to;
        let mut cases = DelayCases::default();
        for r in rows {
            if in_period(r.entry) {
                cases.orientation.push(DelayCase {
                    person_id: r.id,
                    started_on: r.entry,
                    ended_on: r.oriented_on,
                });
            }
            if let Some(notified) = r.notified_on.filter(|d| in_period(*d)) {
                cases.contract.push(DelayCase {
                    person_id: r.id,
                    started_on: notified,
                    ended_on: r.signed_on,
                });
            }
        }
        Ok(cases)
    }

    /// The people of `ids` as a figure's list names them, by name.
    pub async fn steering_people(&self, ids: &[Uuid]) -> Result<Vec<SteeringPerson>> {
        let keys: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
        let mut people: Vec<SteeringPerson> = read_by_keys(
            self,
            keys,
            "SELECT p.id, p.last_name, p.first_names, p.birth_date
             FROM k CROSS JOIN persons p WHERE p.id = k.v",
        )
        .await?;
        people.sort_by(|a, b| {
            (&a.last_name, &a.first_names, a.id).cmp(&(&b.last_name, &b.first_names, b.id))
        });
        Ok(people)
    }
}
