//! Who may ask for a use case. Most use cases need a signed-in account
//! ([`CurrentUser`]: its role and its scope); those the command line also
//! offers take any [`Caller`], so that the operator of the machine goes
//! through the same validation and the same audit as an administrateur.

use crate::{CurrentUser, Failure};
use parcours_domain::access::PersonScope;
use parcours_domain::Permission;
use parcours_store::Actor;
use uuid::Uuid;

pub trait Caller: Sync {
    /// The permission check ([`parcours_domain::Role::can`] for an account).
    fn require(&self, permission: Permission) -> Result<(), Failure>;
    /// Who the audit trail names.
    fn actor(&self) -> Actor;
    /// The person files it may read.
    fn scope(&self) -> PersonScope;
    /// The one structure whose participants it sees in programme reports
    /// (an opérateur's); none for the département's staff.
    fn structure(&self) -> Option<Uuid> {
        None
    }
}

impl Caller for CurrentUser {
    fn require(&self, permission: Permission) -> Result<(), Failure> {
        CurrentUser::require(self, permission)
    }

    fn actor(&self) -> Actor {
        CurrentUser::actor(self)
    }

    fn scope(&self) -> PersonScope {
        CurrentUser::scope(self)
    }

    fn structure(&self) -> Option<Uuid> {
        (self.role() == parcours_domain::Role::Operator).then_some(self.user.organisation_id)
    }
}

/// The operator at the command line. Whoever may run the binary on the
/// server may already read and write its database: every permission is
/// theirs, and their writes are audited under `label`.
pub struct CommandLine {
    pub label: &'static str,
}

impl Caller for CommandLine {
    fn require(&self, _: Permission) -> Result<(), Failure> {
        Ok(())
    }

    fn actor(&self) -> Actor {
        Actor::system(self.label)
    }

    fn scope(&self) -> PersonScope {
        PersonScope::EVERY_FILE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_may_do_what_it_offers_and_is_named_in_the_audit() {
        let operator = CommandLine {
            label: "ligne de commande",
        };
        assert!(operator.require(Permission::ManageUsers).is_ok());
        assert_eq!(operator.actor().label, "système (ligne de commande)");
    }
}
