//! Who is asking: a signed-in account with a known role. Every use case
//! takes one and checks it first; how it was authenticated (session cookie,
//! bearer token, command line) is the adapter's business.

use crate::Failure;
use parcours_domain::access::{PersonScope, Viewer};
use parcours_domain::{Permission, Role};
use parcours_store::account::Account;
use parcours_store::Actor;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: Account,
}

impl CurrentUser {
    /// The account as a caller, unless it is disabled.
    pub fn from_user(user: Account) -> Option<CurrentUser> {
        if user.disabled {
            return None;
        }
        Some(CurrentUser { user })
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The one permission check (policy: [`Role::can`]).
    pub fn require(&self, permission: Permission) -> Result<(), Failure> {
        if self.role().can(permission) {
            Ok(())
        } else {
            Err(Failure::Forbidden)
        }
    }

    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user.id,
            role: self.role(),
            organisation_id: self.user.organisation_id,
            territory_id: self.user.territory_id,
        }
    }

    /// The person files this user may see.
    pub fn scope(&self) -> PersonScope {
        self.viewer().person_scope()
    }
}
