//! The caseload and the deadline list as work tools: where each person
//! stands on the pathway, the filters and the sort the lists are read with
//! (the same for their pages, their downloads and the API).

use crate::deadline::ClockKind;
use crate::person::{codes, fold};
use crate::validation::Invalid;
use serde::Deserialize;
use time::Date;

codes!(
    /// Where a person stands on the pathway: not yet oriented (no validated
    /// orientation), oriented without a contract in force, or under a
    /// contract (signed, awaiting validation, validated or running).
    PathwayStage {
        Orientation = "orientation", "À orienter";
        Contract = "contract", "Orienté, sans contrat en cours";
        UnderContract = "under_contract", "Sous contrat";
    }
);

codes!(
    /// A sortable column of the lists, by its code in the query (`tri=`)
    /// and its header.
    ListColumn {
        Name = "nom", "Personne";
        Clock = "nature", "Échéance";
        Due = "date", "Date prévue";
        DaysLate = "retard", "Retard";
        Stage = "etape", "Étape";
        ContractEnd = "fin_contrat", "Fin de contrat";
        Action = "action", "Action en cours";
        Referent = "referent", "Référent unique";
    }
);

/// A list's query as typed in the page's form or the API's query string;
/// every field may be empty (no filter, most urgent first).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListInput {
    /// « 1 »: the late clocks only.
    #[serde(default, rename = "retard")]
    pub late: String,
    /// Pathway stage: orientation, contract or under_contract.
    #[serde(default, rename = "etape")]
    pub stage: String,
    /// Clock: orientation, contract, joint_review or contract_end.
    #[serde(default, rename = "echeance")]
    pub clock: String,
    /// Column sorted on: nom, nature, date, retard, etape, fin_contrat,
    /// action or referent (retard when empty).
    #[serde(default, rename = "tri")]
    pub sort: String,
    /// asc or desc (when empty: desc for retard, asc otherwise).
    #[serde(default, rename = "ordre")]
    pub order: String,
}

/// A list's query, checked (by default: everything, most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListFilter {
    pub late_only: bool,
    pub stage: Option<PathwayStage>,
    pub clock: Option<ClockKind>,
    pub sort: ListSort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListSort {
    pub column: ListColumn,
    pub descending: bool,
}

/// Most urgent first.
impl Default for ListSort {
    fn default() -> Self {
        ListSort {
            column: ListColumn::DaysLate,
            descending: true,
        }
    }
}

impl ListInput {
    /// The filter, or a message naming each parameter whose value is not
    /// one of those listed.
    pub fn parse(&self) -> Result<ListFilter, Invalid> {
        let mut invalid = Invalid::new();
        let late_only = choice(
            &mut invalid,
            "retard",
            &self.late,
            |v| match v {
                "0" | "false" => Some(false),
                "1" | "true" => Some(true),
                _ => None,
            },
            "Valeur inconnue : 1 pour les seules échéances dépassées.",
        );
        let stage = choice(
            &mut invalid,
            "etape",
            &self.stage,
            PathwayStage::from_code,
            "Étape inconnue : orientation, contract ou under_contract.",
        );
        let clock = choice(
            &mut invalid,
            "echeance",
            &self.clock,
            ClockKind::from_code,
            "Échéance inconnue : orientation, contract, joint_review ou contract_end.",
        );
        let column = choice(
            &mut invalid,
            "tri",
            &self.sort,
            ListColumn::from_code,
            "Colonne inconnue : nom, nature, date, retard, etape, fin_contrat, action ou referent.",
        )
        .unwrap_or(ListColumn::DaysLate);
        let descending = choice(
            &mut invalid,
            "ordre",
            &self.order,
            |v| match v {
                "asc" => Some(false),
                "desc" => Some(true),
                _ => None,
            },
            "Ordre inconnu : asc ou desc.",
        )
        .unwrap_or(column == ListColumn::DaysLate);
        invalid.into_result(ListFilter {
            late_only: late_only.unwrap_or(false),
            stage,
            clock,
            sort: ListSort { column, descending },
        })
    }
}

/// A parameter's value: none when empty, an error naming it when unknown.
fn choice<T>(
    invalid: &mut Invalid,
    name: &str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    message: &str,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let value = parse(raw);
    if value.is_none() {
        invalid.add(name, message);
    }
    value
}

/// What a list shows of a line and sorts it on. The clock is the line's
/// (deadlines) or the person's next one (caseload: none when none runs).
pub struct LineFacts<'a> {
    pub last_name: &'a str,
    pub first_names: &'a str,
    pub clock: Option<ClockKind>,
    pub due_on: Option<Date>,
    pub stage: PathwayStage,
    pub contract_ends_on: Option<Date>,
    pub action: Option<&'a str>,
    pub referent: Option<&'a str>,
}

/// A line of a list (the store's rows).
pub trait ListLine {
    fn facts(&self) -> LineFacts<'_>;
}

impl ListFilter {
    /// Whether a line passes the filters, for a list read whole (the
    /// caseload; the deadline list is filtered by its query).
    pub fn keeps(&self, line: &LineFacts, today: Date) -> bool {
        (!self.late_only || line.due_on.is_some_and(|due| due < today))
            && self.stage.is_none_or(|stage| stage == line.stage)
            && self.clock.is_none_or(|clock| line.clock == Some(clock))
    }
}

/// Days past a due date (negative: days left).
pub fn days_late(due_on: Date, today: Date) -> i64 {
    (today - due_on).whole_days()
}

/// A line's value in the sorted column: a text by its French key, so that
/// Émilie comes before Eric and after Durand.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Cell {
    Text(String),
    Day(Date),
    Number(i64),
}

fn cell(line: &LineFacts, column: ListColumn, today: Date) -> Option<Cell> {
    let text = |t: &str| Cell::Text(fold(t));
    match column {
        ListColumn::Name => Some(Cell::Text(format!(
            "{}\u{0}{}",
            fold(line.last_name),
            fold(line.first_names)
        ))),
        ListColumn::Clock => line.clock.map(|k| text(k.label())),
        ListColumn::Due => line.due_on.map(Cell::Day),
        ListColumn::DaysLate => line.due_on.map(|due| Cell::Number(days_late(due, today))),
        ListColumn::Stage => PathwayStage::ALL
            .iter()
            .position(|s| *s == line.stage)
            .map(|rank| Cell::Number(rank as i64)),
        ListColumn::ContractEnd => line.contract_ends_on.map(Cell::Day),
        ListColumn::Action => line.action.map(text),
        ListColumn::Referent => line.referent.map(text),
    }
}

/// The lines sorted on a column, empty cells last in either order; lines
/// equal on it keep the order they came in (most urgent first).
pub fn sorted<T: ListLine>(lines: Vec<T>, sort: ListSort, today: Date) -> Vec<T> {
    let mut keyed: Vec<(Option<Cell>, T)> = lines
        .into_iter()
        .map(|line| (cell(&line.facts(), sort.column, today), line))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) if sort.descending => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
        _ => a.is_none().cmp(&b.is_none()),
    });
    keyed.into_iter().map(|(_, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    struct Line(&'static str, Option<Date>);

    impl ListLine for Line {
        fn facts(&self) -> LineFacts<'_> {
            LineFacts {
                last_name: self.0,
                first_names: "",
                clock: None,
                due_on: self.1,
                stage: PathwayStage::Contract,
                contract_ends_on: None,
                action: None,
                referent: None,
            }
        }
    }

    fn names(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.0).collect()
    }

    fn input(pairs: &[(&str, &str)]) -> ListInput {
        let mut input = ListInput::default();
        for (name, value) in pairs {
            let field = match *name {
                "retard" => &mut input.late,
                "etape" => &mut input.stage,
                "echeance" => &mut input.clock,
                "tri" => &mut input.sort,
                _ => &mut input.order,
            };
            *field = (*value).to_owned();
        }
        input
    }

    #[test]
    fn names_sort_in_french_order_and_the_most_late_come_first() {
        let today = date!(2026 - 03 - 10);
        let lines = || {
            vec![
                Line("Eric", Some(date!(2026 - 03 - 09))),
                Line("Durand", None),
                Line("Émilie", Some(date!(2026 - 03 - 01))),
                Line("dupont", Some(date!(2026 - 03 - 12))),
            ]
        };
        let by = |column, descending| ListSort { column, descending };
        let name = sorted(lines(), by(ListColumn::Name, false), today);
        assert_eq!(names(&name), ["dupont", "Durand", "Émilie", "Eric"]);
        let urgent = sorted(lines(), ListSort::default(), today);
        assert_eq!(names(&urgent), ["Émilie", "Eric", "dupont", "Durand"]);
        let least = sorted(lines(), by(ListColumn::DaysLate, false), today);
        assert_eq!(
            names(&least),
            ["dupont", "Eric", "Émilie", "Durand"],
            "no date stays last"
        );
    }

    #[test]
    fn an_unknown_value_names_its_parameter() {
        assert_eq!(
            input(&[]).parse().unwrap(),
            ListFilter {
                late_only: false,
                stage: None,
                clock: None,
                sort: ListSort::default()
            }
        );
        let filter = input(&[("retard", "1"), ("etape", "contract"), ("tri", "nom")])
            .parse()
            .unwrap();
        assert!(filter.late_only);
        assert_eq!(filter.stage, Some(PathwayStage::Contract));
        assert_eq!(
            filter.sort,
            ListSort {
                column: ListColumn::Name,
                descending: false
            }
        );
        let err = input(&[
            ("retard", "oui"),
            ("echeance", "x"),
            ("tri", "nir"),
            ("ordre", "up"),
        ])
        .parse()
        .unwrap_err();
        for name in ["retard", "echeance", "tri", "ordre"] {
            assert!(err.message_for(name).is_some(), "{name}: {err}");
        }
    }
}
