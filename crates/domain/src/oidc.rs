//! Signing in through an identity provider (OpenID Connect): the
//! département's own and ProConnect. The provider vouches for who someone
//! is; what they may do stays set here: an identity reaches an existing
//! account (by the provider's subject remembered at its first sign-in, else
//! by its verified e-mail), and nobody gets a role by a claim alone.

use crate::person::codes;
use crate::Role;
use serde::Serialize;

codes!(
    /// A partner's staff member's request to join a structure of the catalogue.
    JoinRequestState {
        Pending = "en_attente", "En attente";
        Accepted = "acceptee", "Acceptée";
        Refused = "refusee", "Refusée";
    }
);

codes!(
    /// Who may still sign in with a password.
    PasswordPolicy {
        Everyone = "tous", "Tous les comptes (sauf ceux dont le mot de passe est désactivé)";
        AdminsOnly = "administrateurs", "Les administrateurs seulement (les autres passent par un fournisseur d'identité)";
    }
);

/// Who the provider says signed in, from its verified ID token and, for
/// ProConnect, its signed user information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderIdentity {
    /// The provider's id in our settings (`departement`, `proconnect`).
    pub provider: String,
    /// The provider's stable identifier of the person (`sub`).
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches for the address (`email_verified`, or a
    /// federation such as ProConnect whose addresses are its agents').
    pub email_verified: bool,
    pub given_name: Option<String>,
    /// `family_name`, or ProConnect's `usual_name`.
    pub family_name: Option<String>,
    /// ProConnect: the SIRET of the agent's organisation, its `uid` and the
    /// identity provider it came through.
    pub siret: Option<String>,
    pub uid: Option<String>,
    pub idp_id: Option<String>,
}

impl ProviderIdentity {
    /// The address an account is matched by: given, and vouched for.
    pub fn verified_email(&self) -> Option<String> {
        let email = self.email.as_deref()?.trim().to_lowercase();
        (self.email_verified && email.contains('@')).then_some(email)
    }

    /// « Prénom Nom », else the address.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [&self.given_name, &self.family_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        if parts.is_empty() {
            self.email.clone().unwrap_or_default()
        } else {
            parts.join(" ")
        }
    }

    /// The SIRET given, as 14 digits (spaces dropped); none otherwise.
    pub fn siret(&self) -> Option<String> {
        siret(self.siret.as_deref()?)
    }
}

/// A SIRET as 14 digits, spaces dropped; none when it is not one.
pub fn siret(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// Whether an account may sign in with its password: not when its own
/// password login is off, nor, under [`PasswordPolicy::AdminsOnly`], when
/// it is not an administrator's (who keeps a way in when the provider is
/// down).
pub fn password_allowed(policy: PasswordPolicy, role: Role, account_password_login: bool) -> bool {
    account_password_login && (policy == PasswordPolicy::Everyone || role == Role::Admin)
}

/// Why a sign-in through a provider gets no session, in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcRefusal {
    /// The callback's `state` is not the one we sent (forged, replayed or
    /// from another browser), or the attempt expired.
    UnknownAttempt,
    /// The provider answered with an error (the person cancelled, say).
    ProviderError(String),
    /// The provider could not be reached, or answered off the protocol.
    ProviderDown,
    /// The ID token or the user information failed a check (signature,
    /// issuer, audience, expiry, nonce).
    InvalidToken,
    /// The provider signed the person in at a weaker level than the one
    /// asked for (`acr` not among the `acr_values` sent).
    WeakAuthentication,
    /// No verified address.
    UnverifiedEmail,
    /// No account for this identity.
    UnknownAccount(String),
    Disabled,
    /// A join request waits for the chargé de mission.
    JoinRequested(String),
}

impl OidcRefusal {
    pub fn message(&self) -> String {
        match self {
            OidcRefusal::UnknownAttempt => "Cette demande de connexion n'est pas reconnue : elle a expiré, a déjà servi ou vient d'un autre navigateur. Recommencez depuis la page de connexion.".into(),
            OidcRefusal::ProviderError(error) => format!("Le fournisseur d'identité a refusé la connexion ({error}). Recommencez, ou connectez-vous autrement."),
            OidcRefusal::ProviderDown => "Le fournisseur d'identité ne répond pas ou répond mal. Réessayez dans quelques minutes ; si cela dure, prévenez votre administrateur.".into(),
            OidcRefusal::InvalidToken => "La réponse du fournisseur d'identité n'a pas passé nos contrôles (signature, émetteur, destinataire ou date). Personne n'a été connecté ; prévenez votre administrateur si cela se répète.".into(),
            OidcRefusal::WeakAuthentication => "Le fournisseur d'identité ne garantit pas le niveau d'authentification demandé pour parcours. Connectez-vous avec un moyen d'authentification plus sûr, ou adressez-vous à votre administrateur.".into(),
            OidcRefusal::UnverifiedEmail => "Le fournisseur d'identité n'a pas confirmé votre adresse électronique : nous ne pouvons pas vous relier à un compte.".into(),
            OidcRefusal::UnknownAccount(email) => format!("Aucun compte parcours ne correspond à {email}. Demandez à l'administrateur de votre département de vous en créer un ; aucun compte n'a été créé."),
            OidcRefusal::Disabled => "Ce compte est désactivé. Adressez-vous à l'administrateur de votre département.".into(),
            OidcRefusal::JoinRequested(structure) => format!("Votre demande pour rejoindre « {structure} » est transmise au chargé de mission du département. Vous pourrez vous connecter dès qu'il l'aura acceptée."),
        }
    }

    /// In the audit trail (no personal data beyond what the event names).
    pub fn audit_reason(&self) -> &'static str {
        match self {
            OidcRefusal::UnknownAttempt => "demande inconnue (state)",
            OidcRefusal::ProviderError(_) => "erreur du fournisseur",
            OidcRefusal::ProviderDown => "fournisseur injoignable",
            OidcRefusal::InvalidToken => "jeton invalide",
            OidcRefusal::WeakAuthentication => "niveau d'authentification insuffisant (acr)",
            OidcRefusal::UnverifiedEmail => "adresse non vérifiée",
            OidcRefusal::UnknownAccount(_) => "compte inconnu",
            OidcRefusal::Disabled => "compte désactivé",
            OidcRefusal::JoinRequested(_) => "demande de rattachement à une structure",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_counts_only_when_vouched_for() {
        let mut identity = ProviderIdentity {
            email: Some(" Claire.Dupont@Calvados.fr ".into()),
            ..Default::default()
        };
        assert_eq!(identity.verified_email(), None);
        identity.email_verified = true;
        assert_eq!(
            identity.verified_email().as_deref(),
            Some("claire.dupont@calvados.fr")
        );
        identity.email = Some("pas une adresse".into());
        assert_eq!(identity.verified_email(), None);
    }

    #[test]
    fn names_and_siret() {
        let identity = ProviderIdentity {
            email: Some("a@b.fr".into()),
            given_name: Some("Claire".into()),
            family_name: Some(" Dupont ".into()),
            siret: Some("130 025 265 00013".into()),
            ..Default::default()
        };
        assert_eq!(identity.display_name(), "Claire Dupont");
        assert_eq!(identity.siret().as_deref(), Some("13002526500013"));
        assert_eq!(siret("1300252650001"), None, "13 digits");
        assert_eq!(siret("1300252650001A"), None);
        let bare = ProviderIdentity {
            email: Some("a@b.fr".into()),
            ..Default::default()
        };
        assert_eq!(bare.display_name(), "a@b.fr");
    }

    #[test]
    fn passwords_off_for_an_account_or_all_but_administrators() {
        use PasswordPolicy::*;
        assert!(password_allowed(Everyone, Role::Referent, true));
        assert!(!password_allowed(Everyone, Role::Referent, false));
        assert!(!password_allowed(AdminsOnly, Role::Referent, true));
        assert!(!password_allowed(AdminsOnly, Role::ProgrammeOfficer, true));
        assert!(password_allowed(AdminsOnly, Role::Admin, true));
        assert!(!password_allowed(AdminsOnly, Role::Admin, false));
    }
}
