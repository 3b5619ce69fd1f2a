//! The waiting list of one action: a ranked queue (the cadre's priority
//! first, then the request's date), place offers that expire, and the one
//! invariant that matters: places taken plus places offered never exceed
//! the capacity. The store loads an action's list under lock, applies these
//! rules and writes the changes back.
//!
//! Some people wait for one of the places kept outside the action's publics
//! (the margin quota, `uses_margin`): they never take a place of the publics.
//! When one of them is first in line while every margin place is used, they
//! keep their rank and wait; the free place goes to the next person who may
//! take it.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Waiting,
    /// A place is held for this person until the date.
    Offered {
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    Admitted,
    Declined,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Set by the cadre; higher goes first. 0 by default.
    pub priority: i64,
    pub state: EntryState,
    /// Outside the action's publics: needs one of the margin places.
    pub uses_margin: bool,
}

/// What a step changed, for the store to write and the people to be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Offered { id: Uuid, until: OffsetDateTime },
    Expired { id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingList {
    /// `None`: no limit, nobody ever waits.
    pub capacity: Option<i64>,
    /// Participants currently in the action.
    pub taken: i64,
    /// Places kept for people outside the publics (0: none), and how many
    /// of them participants use now.
    pub margin_places: i64,
    pub margin_taken: i64,
    pub entries: Vec<Entry>,
}

impl WaitingList {
    fn offered(&self) -> i64 {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, EntryState::Offered { .. }))
            .count() as i64
    }

    /// Places neither taken nor held by an offer.
    pub fn free_places(&self) -> Option<i64> {
        self.capacity
            .map(|c| (c - self.taken - self.offered()).max(0))
    }

    /// Margin places neither used by a participant nor held by an offer.
    pub fn free_margin_places(&self) -> i64 {
        let held = self
            .entries
            .iter()
            .filter(|e| e.uses_margin && matches!(e.state, EntryState::Offered { .. }))
            .count() as i64;
        (self.margin_places - self.margin_taken - held).max(0)
    }

    /// Whether a free place could go to this entry now: a margin person
    /// needs a free margin place too.
    fn may_take_a_place(&self, uses_margin: bool) -> bool {
        !uses_margin || self.free_margin_places() > 0
    }

    /// The people waiting, first in line first.
    pub fn ranking(&self) -> Vec<&Entry> {
        let mut waiting: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.state == EntryState::Waiting)
            .collect();
        waiting.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.requested_at.cmp(&b.requested_at))
                .then(a.id.cmp(&b.id))
        });
        waiting
    }

    /// Position in line (1 = next), for a waiting entry.
    pub fn position(&self, id: Uuid) -> Option<usize> {
        self.ranking()
            .iter()
            .position(|e| e.id == id)
            .map(|p| p + 1)
    }

    /// Joins the queue (the store admits at once when a place is free and nobody waits).
    pub fn request(&mut self, id: Uuid, at: OffsetDateTime, uses_margin: bool) {
        self.entries.push(Entry {
            id,
            requested_at: at,
            priority: 0,
            state: EntryState::Waiting,
            uses_margin,
        });
    }

    /// Whether a new request may enter now rather than wait: a free place
    /// (a free margin place too for a margin person) that nobody in line is
    /// owed. Margin people kept waiting by a full quota are owed nothing.
    pub fn can_enter_directly(&self, uses_margin: bool) -> bool {
        self.free_places().is_none_or(|free| free > 0)
            && self.may_take_a_place(uses_margin)
            && self
                .ranking()
                .iter()
                .all(|e| !self.may_take_a_place(e.uses_margin))
    }

    pub fn set_priority(&mut self, id: Uuid, priority: i64) -> Result<(), String> {
        let entry = self.entry(id)?;
        if entry.state != EntryState::Waiting {
            return Err("Seule une personne en attente peut changer de rang.".into());
        }
        entry.priority = priority;
        Ok(())
    }

    /// Expires the offers past their date, then offers each free place to
    /// the next in line for `offer_for`.
    pub fn step(&mut self, now: OffsetDateTime, offer_for: Duration) -> Vec<Change> {
        let mut changes = Vec::new();
        for entry in &mut self.entries {
            if let EntryState::Offered { until } = entry.state {
                if until <= now {
                    entry.state = EntryState::Expired;
                    changes.push(Change::Expired { id: entry.id });
                }
            }
        }
        // In rank order; a margin person finding no margin place free keeps
        // their rank and the place goes on to the next in line.
        let mut free = self.free_places();
        let mut margin_free = self.free_margin_places();
        let mut next = Vec::new();
        for entry in self.ranking() {
            if free == Some(0) {
                break;
            }
            if entry.uses_margin {
                if margin_free == 0 {
                    continue;
                }
                margin_free -= 1;
            }
            free = free.map(|f| f - 1);
            next.push(entry.id);
        }
        for id in next {
            let until = now + offer_for;
            if let Ok(entry) = self.entry(id) {
                entry.state = EntryState::Offered { until };
            }
            changes.push(Change::Offered { id, until });
        }
        changes
    }

    /// The person takes the place offered (before it expires).
    pub fn accept(&mut self, id: Uuid, now: OffsetDateTime) -> Result<(), String> {
        let entry = self.entry(id)?;
        match entry.state {
            EntryState::Offered { until } if until > now => {
                entry.state = EntryState::Admitted;
                let margin = entry.uses_margin;
                self.taken += 1;
                self.margin_taken += i64::from(margin);
                Ok(())
            }
            EntryState::Offered { .. } => Err(
                "La proposition de place a expiré : la place passe à la personne suivante.".into(),
            ),
            _ => Err("Aucune place n'est proposée à cette personne.".into()),
        }
    }

    /// The person turns the place down; it goes to the next in line at the next step.
    pub fn decline(&mut self, id: Uuid) -> Result<(), String> {
        let entry = self.entry(id)?;
        match entry.state {
            EntryState::Offered { .. } | EntryState::Waiting => {
                entry.state = EntryState::Declined;
                Ok(())
            }
            _ => Err("Cette demande n'est plus en attente.".into()),
        }
    }

    /// A participant leaves the action: a place frees, and their margin
    /// place when they had one.
    pub fn exit(&mut self, uses_margin: bool) -> Result<(), String> {
        if self.taken == 0 {
            return Err("Personne n'est inscrit sur cette action.".into());
        }
        if uses_margin && self.margin_taken == 0 {
            return Err("Personne n'occupe une place hors publics sur cette action.".into());
        }
        if !uses_margin && self.taken == self.margin_taken {
            return Err("Personne n'occupe une place des publics sur cette action.".into());
        }
        self.taken -= 1;
        self.margin_taken -= i64::from(uses_margin);
        Ok(())
    }

    fn entry(&mut self, id: Uuid) -> Result<&mut Entry, String> {
        self.entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| "Demande inconnue sur cette liste d'attente.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-23 9:00 UTC);

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn full_list() -> WaitingList {
        let mut list = WaitingList {
            capacity: Some(2),
            taken: 2,
            margin_places: 0,
            margin_taken: 0,
            entries: Vec::new(),
        };
        for n in 1..=3 {
            list.request(id(n), T0 + Duration::hours(n as i64), false);
        }
        list
    }

    #[test]
    fn a_freed_place_goes_to_the_first_in_line_and_moves_on_when_declined_or_expired() {
        let mut list = full_list();
        assert!(
            list.step(T0, Duration::days(3)).is_empty(),
            "no free place, no offer"
        );
        list.set_priority(id(3), 1).unwrap();
        assert_eq!(
            list.position(id(3)),
            Some(1),
            "the cadre's priority goes first"
        );
        list.exit(false).unwrap();
        let changes = list.step(T0, Duration::days(3));
        assert_eq!(
            changes,
            vec![Change::Offered {
                id: id(3),
                until: T0 + Duration::days(3)
            }]
        );
        assert_eq!(list.free_places(), Some(0), "the offered place is held");
        list.decline(id(3)).unwrap();
        assert_eq!(
            list.step(T0, Duration::days(3)),
            vec![Change::Offered {
                id: id(1),
                until: T0 + Duration::days(3)
            }]
        );
        let later = T0 + Duration::days(4);
        assert!(list.accept(id(1), later).unwrap_err().contains("expiré"));
        assert_eq!(
            list.step(later, Duration::days(3)),
            vec![
                Change::Expired { id: id(1) },
                Change::Offered {
                    id: id(2),
                    until: later + Duration::days(3)
                }
            ]
        );
        list.accept(id(2), later).unwrap();
        assert_eq!((list.taken, list.free_places()), (2, Some(0)));
        assert!(list.ranking().is_empty());
    }

    #[test]
    fn nobody_waits_without_a_limit_and_nobody_jumps_the_queue() {
        let open = WaitingList {
            capacity: None,
            taken: 40,
            margin_places: 0,
            margin_taken: 0,
            entries: Vec::new(),
        };
        assert!(open.can_enter_directly(false));
        let mut list = full_list();
        list.exit(false).unwrap();
        assert!(
            !list.can_enter_directly(false),
            "a free place is owed to the first in line"
        );
        assert!(
            list.exit(false).is_ok() && list.exit(false).is_err(),
            "nobody left to exit"
        );
    }

    /// Two places kept outside the publics: a margin person first in line
    /// while both are used keeps waiting, and the freed place goes to the
    /// next person of the publics; when a margin place frees, the margin
    /// person is offered it before anyone ranked after them.
    #[test]
    fn a_margin_person_waits_for_a_margin_place_and_the_next_in_line_takes_the_free_one() {
        let mut list = WaitingList {
            capacity: Some(4),
            taken: 4,
            margin_places: 2,
            margin_taken: 2,
            entries: Vec::new(),
        };
        list.request(id(1), T0, true);
        list.request(id(2), T0 + Duration::hours(1), false);
        list.request(id(3), T0 + Duration::hours(2), false);
        assert!(
            !list.can_enter_directly(true) && !list.can_enter_directly(false),
            "full"
        );
        list.exit(false).unwrap();
        assert_eq!(
            list.step(T0, Duration::days(3)),
            vec![Change::Offered {
                id: id(2),
                until: T0 + Duration::days(3)
            }],
            "the margin person may not take a place of the publics"
        );
        assert_eq!(list.position(id(1)), Some(1), "and keeps their rank");
        list.accept(id(2), T0).unwrap();
        assert_eq!((list.taken, list.margin_taken), (4, 2));
        list.exit(true).unwrap();
        assert_eq!(list.free_margin_places(), 1);
        assert_eq!(
            list.step(T0, Duration::days(3)),
            vec![Change::Offered {
                id: id(1),
                until: T0 + Duration::days(3)
            }],
            "a margin place freed: the first in line takes it"
        );
        assert_eq!(list.free_margin_places(), 0, "held by the offer");
        list.accept(id(1), T0).unwrap();
        assert_eq!((list.taken, list.margin_taken), (4, 2));
        assert!(list.exit(true).is_ok());
        assert!(list.exit(true).is_ok());
        assert!(list.exit(true).is_err(), "no margin place used any more");
    }

    #[test]
    fn with_no_limit_only_margin_people_wait_and_a_public_person_passes_them() {
        let mut list = WaitingList {
            capacity: None,
            taken: 7,
            margin_places: 1,
            margin_taken: 1,
            entries: Vec::new(),
        };
        assert!(!list.can_enter_directly(true));
        list.request(id(1), T0, true);
        assert!(
            list.can_enter_directly(false),
            "nobody in line may take the place a person of the publics asks for"
        );
        assert!(list.step(T0, Duration::days(3)).is_empty());
        list.exit(true).unwrap();
        assert!(
            !list.can_enter_directly(true),
            "the freed margin place is owed to the one waiting"
        );
        assert_eq!(
            list.step(T0, Duration::days(3)),
            vec![Change::Offered {
                id: id(1),
                until: T0 + Duration::days(3)
            }]
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Request(bool),
        Prioritise(usize, i64),
        Exit(bool),
        Accept(usize),
        Decline(usize),
        Wait(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => proptest::bool::weighted(0.3).prop_map(Op::Request),
            1 => (0usize..30, -2i64..3).prop_map(|(i, p)| Op::Prioritise(i, p)),
            2 => proptest::bool::weighted(0.3).prop_map(Op::Exit),
            3 => (0usize..30).prop_map(Op::Accept),
            1 => (0usize..30).prop_map(Op::Decline),
            2 => (1i64..5).prop_map(Op::Wait),
        ]
    }

    proptest! {
        /// Whatever happens, places taken plus places offered never exceed
        /// the capacity, nor margin places the quota; offers go in rank
        /// order, passing over only margin people while no margin place is
        /// free; and an expired offer is never taken.
        #[test]
        fn capacity_is_never_exceeded(capacity in 1i64..6, margin in 0i64..3, ops in proptest::collection::vec(op(), 1..80)) {
            let margin = margin.min(capacity);
            let mut list = WaitingList { capacity: Some(capacity), taken: capacity, margin_places: margin, margin_taken: margin, entries: Vec::new() };
            let mut now = T0;
            let mut next_id = 1u128;
            for op in ops {
                let pick = |i: usize, list: &WaitingList| list.entries.get(i % list.entries.len().max(1)).map(|e| e.id);
                match op {
                    Op::Request(m) => { list.request(id(next_id), now, m); next_id += 1; }
                    Op::Prioritise(i, p) => { if let Some(e) = pick(i, &list) { let _ = list.set_priority(e, p); } }
                    Op::Exit(m) => { let _ = list.exit(m); }
                    Op::Accept(i) => {
                        if let Some(e) = pick(i, &list) {
                            let before = list.entries.iter().find(|x| x.id == e).unwrap().state;
                            let accepted = list.accept(e, now).is_ok();
                            if accepted {
                                let valid_offer = matches!(before, EntryState::Offered { until } if until > now);
                                prop_assert!(valid_offer, "only a live offer is accepted");
                            }
                        }
                    }
                    Op::Decline(i) => { if let Some(e) = pick(i, &list) { let _ = list.decline(e); } }
                    Op::Wait(days) => { now += Duration::days(days); }
                }
                let ranked: Vec<Uuid> = list.ranking().iter().map(|e| e.id).collect();
                let changes = list.step(now, Duration::days(3));
                let offered: Vec<Uuid> = changes.iter().filter_map(|c| match c { Change::Offered { id, .. } => Some(*id), _ => None }).collect();
                let passed_over: Vec<Uuid> = match offered.last() {
                    Some(last) => ranked.iter().take_while(|r| *r != last).filter(|r| !offered.contains(r)).copied().collect(),
                    None => Vec::new(),
                };
                for skipped in &passed_over {
                    let entry = list.entries.iter().find(|e| e.id == *skipped).unwrap();
                    prop_assert!(entry.uses_margin, "only a margin person is passed over");
                }
                if !passed_over.is_empty() {
                    prop_assert_eq!(list.free_margin_places(), 0, "and only while no margin place is free");
                }
                let margin_held = list.entries.iter().filter(|e| e.uses_margin && matches!(e.state, EntryState::Offered { .. })).count() as i64;
                prop_assert!(list.taken + list.offered() <= capacity);
                prop_assert!(list.taken <= capacity);
                prop_assert!(list.margin_taken + margin_held <= margin, "the margin quota holds");
            }
        }
    }
}
