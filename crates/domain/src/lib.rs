//! Pure rules of the insertion pathway: types, permissions, validation.
//! No I/O here; everything is unit- and property-tested.

pub mod access;
pub mod account;
pub mod appointment;
pub mod audit;
pub mod caf;
pub mod catalogue;
pub mod clock;
pub mod contract;
pub mod deadline;
pub mod declared_situation;
pub mod diagnostic;
pub mod eligibility;
pub mod follow_up;
pub mod fse;
pub mod fse_report;
pub mod matching;
pub mod meeting;
pub mod nir;
pub mod notification;
pub mod oarsa;
pub mod occupation;
pub mod oidc;
pub mod organisation;
pub mod orientation;
pub mod outbox;
pub mod pathway_dates;
pub mod person;
pub mod referral;
pub mod retention;
pub mod schedule;
pub mod steering;
pub mod taxonomy;
pub mod validation;
pub mod waiting_list;
pub mod weekly_hours;
pub mod worklist;

pub use access::{Permission, Role};
pub use validation::{FieldError, Invalid};
