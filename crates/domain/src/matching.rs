//! How well an action fits a person, for the référent's list of actions:
//! the diagnostic's barriers it works on (weighted by severity), the
//! contract objective it serves, the territory, and when a place can be had
//! (now, or after an estimated wait). Each point comes with the French
//! sentence that explains it, so the ranking is never a black box.

use crate::diagnostic::{Barrier, Severity};
use crate::eligibility::Verdict;
use crate::taxonomy;

/// What the person needs, from the diagnostic and the contract.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub barriers: Vec<Barrier>,
    /// The data·inclusion category of the contract objective served, if any.
    pub objective_category: Option<String>,
    pub commune_code: Option<String>,
}

/// What the ranking needs of an action.
#[derive(Debug, Clone, Default)]
pub struct Offer<'a> {
    pub thematiques: &'a [String],
    /// Communes the action is reserved to (empty: no restriction).
    pub communes_served: &'a [String],
    pub commune_code: Option<&'a str>,
    pub capacity: Option<i64>,
    pub places_taken: i64,
    /// People waiting or offered a place.
    pub waiting: i64,
    pub duration_weeks: Option<i64>,
}

/// When a place can be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// A place now (`None`: no limit).
    Now(Option<i64>),
    /// Full: people waiting before, and the estimated wait in weeks when
    /// the action's duration says how fast places free up.
    Wait { ahead: i64, weeks: Option<i64> },
}

impl Availability {
    pub fn of(offer: &Offer) -> Availability {
        match offer.capacity {
            None => Availability::Now(None),
            Some(capacity) => {
                let left = capacity - offer.places_taken;
                if left > 0 && offer.waiting == 0 {
                    Availability::Now(Some(left))
                } else {
                    // A cohort turns over every `duration_weeks`: each place
                    // frees once per cohort.
                    let weeks = offer.duration_weeks.filter(|w| *w > 0).map(|w| {
                        let turns = (offer.waiting + 1 + capacity.max(1) - 1) / capacity.max(1);
                        turns * w
                    });
                    Availability::Wait {
                        ahead: offer.waiting,
                        weeks,
                    }
                }
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            Availability::Now(None) => "Places disponibles (sans limite)".to_owned(),
            Availability::Now(Some(1)) => "1 place disponible".to_owned(),
            Availability::Now(Some(n)) => format!("{n} places disponibles"),
            Availability::Wait { ahead, weeks } => {
                let people = match ahead {
                    0 => "complet, personne en attente".to_owned(),
                    1 => "complet, 1 personne en attente".to_owned(),
                    n => format!("complet, {n} personnes en attente"),
                };
                match weeks {
                    Some(w) => format!("{people} — attente estimée : environ {w} semaine(s)"),
                    None => people,
                }
            }
        }
    }
}

/// The fit of one action: its score (higher is better) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub score: i64,
    pub reasons: Vec<String>,
    pub availability: Availability,
}

fn severity_weight(severity: Severity) -> i64 {
    match severity {
        Severity::Light => 1,
        Severity::Moderate => 2,
        Severity::Strong => 3,
    }
}

/// Scores an action against the person's needs.
pub fn fit(needs: &Needs, offer: &Offer) -> Fit {
    let categories: Vec<&str> = offer
        .thematiques
        .iter()
        .filter_map(|t| taxonomy::category_of(t).map(|c| c.code))
        .collect();
    let mut score = 0;
    let mut reasons = Vec::new();
    for barrier in &needs.barriers {
        if categories.contains(&barrier.category.as_str()) {
            score += 10 * severity_weight(barrier.severity);
            reasons.push(format!(
                "Travaille le frein « {} » (sévérité {})",
                barrier.label,
                barrier.severity.label().to_lowercase()
            ));
        }
    }
    if let Some(category) = &needs.objective_category {
        if categories.contains(&category.as_str()) {
            score += 25;
            let label = taxonomy::category(category).map_or(category.as_str(), |c| c.label);
            reasons.push(format!("Sert l'objectif du contrat ({label})"));
        }
    }
    if let Some(commune) = needs.commune_code.as_deref() {
        if offer.commune_code == Some(commune) || offer.communes_served.iter().any(|c| c == commune)
        {
            score += 10;
            reasons.push("Près de chez la personne (même commune)".to_owned());
        }
    }
    let availability = Availability::of(offer);
    score += match availability {
        Availability::Now(_) => 5,
        Availability::Wait { ahead, .. } => -ahead.min(10),
    };
    reasons.push(availability.describe());
    Fit {
        score,
        reasons,
        availability,
    }
}

/// The order of the référent's list: eligible first, then to check, then
/// not eligible; the best fit first within each.
pub fn rank_key(verdict: Verdict, fit: &Fit) -> (u8, i64) {
    let eligibility = match verdict {
        Verdict::Eligible => 0,
        Verdict::Unknown => 1,
        Verdict::NotEligible => 2,
    };
    (eligibility, -fit.score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn barrier(category: &str, severity: Severity) -> Barrier {
        Barrier {
            category: category.to_owned(),
            label: format!("frein {category}"),
            severity,
        }
    }

    fn mobility() -> Vec<String> {
        let code = taxonomy::THEMATIQUES
            .iter()
            .find(|(code, _)| code.starts_with("mobilite--"))
            .expect("a mobility thématique")
            .0;
        vec![code.to_owned()]
    }

    #[test]
    fn a_matching_barrier_and_the_objective_raise_the_score_with_reasons() {
        let thematiques = mobility();
        let offer = Offer {
            thematiques: &thematiques,
            capacity: Some(10),
            places_taken: 2,
            ..Offer::default()
        };
        let plain = fit(&Needs::default(), &offer);
        assert_eq!(plain.availability, Availability::Now(Some(8)));
        let needs = Needs {
            barriers: vec![barrier("mobilite", Severity::Strong)],
            objective_category: Some("mobilite".into()),
            ..Needs::default()
        };
        let matched = fit(&needs, &offer);
        assert_eq!(matched.score, plain.score + 30 + 25);
        assert!(matched.reasons[0].contains("frein"));
        assert!(matched.reasons[1].contains("objectif"));
    }

    #[test]
    fn the_wait_is_estimated_from_the_queue_and_the_duration() {
        let full = Offer {
            capacity: Some(4),
            places_taken: 4,
            waiting: 5,
            duration_weeks: Some(6),
            ..Offer::default()
        };
        // Six people to seat with four places per six-week cohort: two cohorts.
        assert_eq!(
            Availability::of(&full),
            Availability::Wait {
                ahead: 5,
                weeks: Some(12)
            }
        );
        assert!(Availability::of(&full).describe().contains("12 semaine"));
        let no_duration = Offer {
            duration_weeks: None,
            ..full.clone()
        };
        assert_eq!(
            Availability::of(&no_duration),
            Availability::Wait {
                ahead: 5,
                weeks: None
            }
        );
        // A free place behind a queue goes to the queue first.
        let queue = Offer {
            places_taken: 3,
            ..full
        };
        assert!(matches!(
            Availability::of(&queue),
            Availability::Wait { .. }
        ));
    }

    proptest! {
        /// Another matching barrier never lowers the score; a place now
        /// never ranks below a wait, all else equal.
        #[test]
        fn more_fit_never_ranks_lower(
            severities in proptest::collection::vec(0usize..3, 0..4),
            taken in 0i64..12,
            waiting in 0i64..30,
            capacity in 1i64..12,
        ) {
            let thematiques = mobility();
            let offer = Offer {
                thematiques: &thematiques,
                capacity: Some(capacity),
                places_taken: taken.min(capacity),
                waiting,
                duration_weeks: Some(8),
                ..Offer::default()
            };
            let all = [Severity::Light, Severity::Moderate, Severity::Strong];
            let mut needs = Needs::default();
            let mut previous = fit(&needs, &offer).score;
            for s in severities {
                needs.barriers.push(barrier("mobilite", all[s]));
                let score = fit(&needs, &offer).score;
                prop_assert!(score > previous);
                previous = score;
            }
            let open = Offer { places_taken: 0, waiting: 0, ..offer.clone() };
            prop_assert!(fit(&needs, &open).score >= fit(&needs, &offer).score);
            prop_assert!(
                rank_key(Verdict::Eligible, &fit(&needs, &offer))
                    < rank_key(Verdict::Unknown, &fit(&needs, &open))
            );
        }
    }
}
