//! Steering: how full the insertion actions are at a date, by family of
//! actions and by structure — places, the people inside, the rate.
//!
//! A figure counts participations (a person in two actions of one family
//! counts twice, as two places are taken), so that it equals the length of
//! the list behind it.

use serde::Serialize;
use time::Date;
use uuid::Uuid;

/// One action running at the date, with the participations of the people
/// in the reader's scope inside it that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OccupationLine {
    pub action_id: Uuid,
    /// The family's code; none for an action without one.
    pub family: Option<String>,
    pub structure_id: Uuid,
    pub structure_name: String,
    /// Places, when the action has a limit.
    pub capacity: Option<i64>,
    pub participants: i64,
}

/// A person inside an action at the date (entered by then, not yet left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participation {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub action_id: Uuid,
    pub action_name: String,
    pub entered_on: Date,
}

/// A figure's group: a family of actions, or a structure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OccupationCell {
    /// A family by its code (`None`: actions without a family).
    Family(Option<String>),
    Structure(Uuid),
}

impl OccupationCell {
    pub fn holds(&self, line: &OccupationLine) -> bool {
        match self {
            OccupationCell::Family(family) => &line.family == family,
            OccupationCell::Structure(id) => line.structure_id == *id,
        }
    }

    /// In links: `famille:CODE`, `famille:` (without family), `structure:ID`.
    pub fn code(&self) -> String {
        match self {
            OccupationCell::Family(family) => {
                format!("famille:{}", family.as_deref().unwrap_or(""))
            }
            OccupationCell::Structure(id) => format!("structure:{id}"),
        }
    }

    pub fn from_code(code: &str) -> Option<OccupationCell> {
        match code.split_once(':')? {
            ("famille", "") => Some(OccupationCell::Family(None)),
            ("famille", family) => Some(OccupationCell::Family(Some(family.to_owned()))),
            ("structure", id) => id.parse().ok().map(OccupationCell::Structure),
            _ => None,
        }
    }
}

/// One row of an occupation table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OccupationRow {
    /// `famille:CODE` or `structure:ID`, as the people's list takes it.
    pub cell: String,
    pub label: String,
    pub actions: i64,
    /// The places of the actions that have a limit.
    pub places: i64,
    pub participants: i64,
    /// Participants of the actions that have a limit, over `places`, in
    /// percent (rounded down); none when no action has a limit.
    pub occupation_percent: Option<i64>,
}

/// The occupation at a date, by family and by structure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OccupationFigures {
    pub by_family: Vec<OccupationRow>,
    pub by_structure: Vec<OccupationRow>,
}

impl OccupationFigures {
    /// `families` names the codes, in their order; actions of an unknown
    /// family or of none come last.
    pub fn of(lines: &[OccupationLine], families: &[(String, String)]) -> OccupationFigures {
        let mut family_cells: Vec<(OccupationCell, String)> = families
            .iter()
            .map(|(code, label)| (OccupationCell::Family(Some(code.clone())), label.clone()))
            .collect();
        for line in lines {
            let cell = OccupationCell::Family(line.family.clone());
            if !family_cells.iter().any(|(c, _)| *c == cell) {
                let label = line
                    .family
                    .clone()
                    .unwrap_or_else(|| "Sans famille".to_owned());
                family_cells.push((cell, label));
            }
        }
        let mut structure_cells: Vec<(OccupationCell, String)> = Vec::new();
        for line in lines {
            let cell = OccupationCell::Structure(line.structure_id);
            if !structure_cells.iter().any(|(c, _)| *c == cell) {
                structure_cells.push((cell, line.structure_name.clone()));
            }
        }
        structure_cells.sort_by_cached_key(|(_, name)| crate::person::fold(name));
        let rows = |cells: Vec<(OccupationCell, String)>| {
            cells
                .into_iter()
                .map(|(cell, label)| row(&cell, label, lines))
                .filter(|r| r.actions > 0)
                .collect()
        };
        OccupationFigures {
            by_family: rows(family_cells),
            by_structure: rows(structure_cells),
        }
    }
}

fn row(cell: &OccupationCell, label: String, lines: &[OccupationLine]) -> OccupationRow {
    let held: Vec<&OccupationLine> = lines.iter().filter(|l| cell.holds(l)).collect();
    let limited = held
        .iter()
        .filter_map(|l| l.capacity.map(|c| (c, l.participants)));
    let (places, inside_limited) = limited.fold((0, 0), |(p, i), (c, n)| (p + c, i + n));
    OccupationRow {
        cell: cell.code(),
        label,
        actions: held.len() as i64,
        places,
        participants: held.iter().map(|l| l.participants).sum(),
        occupation_percent: (places > 0).then(|| inside_limited * 100 / places),
    }
}

/// The participations one figure counts: those in its group's actions.
pub fn participations_of<'a>(
    cell: &OccupationCell,
    lines: &[OccupationLine],
    participations: &'a [Participation],
) -> Vec<&'a Participation> {
    let actions: std::collections::HashSet<Uuid> = lines
        .iter()
        .filter(|l| cell.holds(l))
        .map(|l| l.action_id)
        .collect();
    participations
        .iter()
        .filter(|p| actions.contains(&p.action_id))
        .collect()
}

/// What the occupation counts, stated on screen and in the API.
pub const OCCUPATION_DEFINITION: &str = "Actions commencées et pas encore finies ce jour-là \
     (hors brouillons). Participants : les personnes que vous suivez entrées sur l'action au plus \
     tard ce jour-là et pas encore sorties (une personne sur deux actions compte deux fois). Taux : \
     participants des actions qui ont un nombre de places, sur ces places.";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(
        action: u128,
        family: Option<&str>,
        structure: u128,
        capacity: Option<i64>,
    ) -> OccupationLine {
        OccupationLine {
            action_id: Uuid::from_u128(action),
            family: family.map(str::to_owned),
            structure_id: Uuid::from_u128(structure),
            structure_name: format!("Structure {structure}"),
            capacity,
            participants: 0,
        }
    }

    #[test]
    fn rows_by_family_and_structure_with_their_rate() {
        let mut lines = vec![
            line(1, Some("mobilite"), 10, Some(10)),
            line(2, Some("mobilite"), 11, None),
            line(3, None, 10, Some(5)),
        ];
        lines[0].participants = 4;
        lines[1].participants = 7;
        lines[2].participants = 5;
        let families = [
            ("mobilite".to_owned(), "Mobilité".to_owned()),
            ("logement".to_owned(), "Logement".to_owned()),
        ];
        let figures = OccupationFigures::of(&lines, &families);
        let summary: Vec<(&str, i64, i64, i64, Option<i64>)> = figures
            .by_family
            .iter()
            .map(|r| {
                (
                    r.label.as_str(),
                    r.actions,
                    r.places,
                    r.participants,
                    r.occupation_percent,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("Mobilité", 2, 10, 11, Some(40)),
                ("Sans famille", 1, 5, 5, Some(100))
            ],
            "a family without action is left out"
        );
        let structures: Vec<(i64, i64, Option<i64>)> = figures
            .by_structure
            .iter()
            .map(|r| (r.places, r.participants, r.occupation_percent))
            .collect();
        assert_eq!(structures, vec![(15, 9, Some(60)), (0, 7, None)]);
    }

    #[test]
    fn cells_read_their_code() {
        for cell in [
            OccupationCell::Family(None),
            OccupationCell::Family(Some("mobilite".into())),
            OccupationCell::Structure(Uuid::from_u128(7)),
        ] {
            assert_eq!(OccupationCell::from_code(&cell.code()), Some(cell));
        }
        assert_eq!(OccupationCell::from_code("structure:rien"), None);
        assert_eq!(OccupationCell::from_code("tout"), None);
    }

    proptest! {
        /// Every figure is the length of the list behind it.
        #[test]
        fn each_figure_counts_its_list(
            actions in proptest::collection::vec((0usize..3, 0u128..3, proptest::option::of(0i64..20)), 1..12),
            inside in proptest::collection::vec(0usize..12, 0..40),
        ) {
            let families = ["a", "b"];
            let mut lines: Vec<OccupationLine> = actions
                .iter()
                .enumerate()
                .map(|(n, (family, structure, capacity))| {
                    line(n as u128, families.get(*family).copied(), *structure, *capacity)
                })
                .collect();
            let participations: Vec<Participation> = inside
                .iter()
                .filter(|n| **n < lines.len())
                .enumerate()
                .map(|(i, n)| Participation {
                    referral_id: Uuid::from_u128(1000 + i as u128),
                    person_id: Uuid::from_u128(2000 + i as u128),
                    action_id: lines[*n].action_id,
                    action_name: String::new(),
                    entered_on: time::macros::date!(2026 - 01 - 01),
                })
                .collect();
            for l in &mut lines {
                l.participants = participations.iter().filter(|p| p.action_id == l.action_id).count() as i64;
            }
            let named = [("a".to_owned(), "A".to_owned()), ("b".to_owned(), "B".to_owned())];
            let figures = OccupationFigures::of(&lines, &named);
            for r in figures.by_family.iter().chain(&figures.by_structure) {
                let cell = OccupationCell::from_code(&r.cell).unwrap();
                prop_assert_eq!(participations_of(&cell, &lines, &participations).len() as i64, r.participants);
            }
            let total: i64 = figures.by_family.iter().map(|r| r.participants).sum();
            prop_assert_eq!(total, participations.len() as i64);
            prop_assert_eq!(figures.by_structure.iter().map(|r| r.participants).sum::<i64>(), total);
        }
    }
}
