//! Accounts: what a valid account looks like, and the login throttle.

use crate::validation::{required_text, Invalid};
use crate::Role;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Failed logins allowed before the account is locked for a while.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long an account stays locked after too many failures.
pub const LOCK_DURATION: Duration = Duration::minutes(15);
pub const MIN_PASSWORD_LEN: usize = 12;
/// Failed logins allowed from one client address within
/// [`ADDRESS_WINDOW`]: enough for an office behind one address where a few
/// people mistype, too few to try passwords across many accounts.
pub const ADDRESS_FAILED_LOGINS: u32 = 30;
pub const ADDRESS_WINDOW: Duration = Duration::minutes(15);

/// A validated request to create an account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub territory_id: Option<Uuid>,
    pub password: String,
}

/// Raw input as it comes from a form, the API or the CLI.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: String,
    pub territory_id: String,
    pub password: String,
}

impl NewUser {
    pub fn parse(input: &NewUserInput) -> Result<NewUser, Invalid> {
        let mut invalid = Invalid::new();
        let email = parse_email(&mut invalid, &input.email);
        let display_name = required_text(
            &mut invalid,
            "display_name",
            "Nom",
            &input.display_name,
            120,
        );
        let role = parse_role(&mut invalid, &input.role);
        let organisation_id = parse_uuid(
            &mut invalid,
            "organisation_id",
            "Organisation",
            &input.organisation_id,
        );
        let territory_id = optional_uuid(
            &mut invalid,
            "territory_id",
            "Territoire",
            &input.territory_id,
        );
        check_password(&mut invalid, "password", &input.password);
        let (Some(role), Some(organisation_id)) = (role, organisation_id) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(NewUser {
            email,
            display_name,
            role,
            organisation_id,
            territory_id,
            password: input.password.clone(),
        })
    }
}

/// What an admin may change on an account, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountChange {
    pub display_name: String,
    /// A work phone, shown with the référent's name on the person's page.
    pub phone: Option<String>,
    pub role: Role,
    pub organisation_id: Uuid,
    pub territory_id: Option<Uuid>,
    pub disabled: bool,
}

#[derive(Debug, Clone, Default)]
pub struct AccountChangeInput {
    pub display_name: String,
    pub phone: String,
    pub role: String,
    pub organisation_id: String,
    pub territory_id: String,
    pub disabled: bool,
}

impl AccountChange {
    pub fn parse(input: &AccountChangeInput) -> Result<AccountChange, Invalid> {
        let mut invalid = Invalid::new();
        let display_name = required_text(
            &mut invalid,
            "display_name",
            "Nom",
            &input.display_name,
            120,
        );
        let phone = crate::validation::optional_text(
            &mut invalid,
            "phone",
            "Téléphone",
            &input.phone,
            crate::validation::LINE_MAX,
        );
        if phone
            .as_ref()
            .is_some_and(|p| !crate::person::valid_phone(p))
        {
            invalid.add(
                "phone",
                "Le numéro de téléphone n'est pas valide (exemple : 02 31 00 00 00).",
            );
        }
        let role = parse_role(&mut invalid, &input.role);
        let organisation_id = parse_uuid(
            &mut invalid,
            "organisation_id",
            "Organisation",
            &input.organisation_id,
        );
        let territory_id = optional_uuid(
            &mut invalid,
            "territory_id",
            "Territoire",
            &input.territory_id,
        );
        let (Some(role), Some(organisation_id)) = (role, organisation_id) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(AccountChange {
            phone,
            display_name,
            role,
            organisation_id,
            territory_id,
            disabled: input.disabled,
        })
    }
}

/// A plausible address: one `@`, a dotted domain, no spaces nor control characters.
pub fn is_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && email.matches('@').count() == 1
                && email.len() <= 254
        }
        None => false,
    }
}

pub fn parse_email(invalid: &mut Invalid, raw: &str) -> String {
    let email = raw.trim().to_lowercase();
    let well_formed = is_email(&email);
    if email.is_empty() {
        invalid.add(
            "email",
            "Le champ « Adresse électronique » est obligatoire.",
        );
    } else if !well_formed || email.len() > 254 {
        invalid.add(
            "email",
            "L'adresse électronique n'est pas valide (exemple : prenom.nom@departement.fr).",
        );
    }
    email
}

pub fn parse_role(invalid: &mut Invalid, raw: &str) -> Option<Role> {
    let role = Role::from_code(raw.trim());
    if role.is_none() {
        invalid.add("role", "Choisissez un rôle dans la liste.");
    }
    role
}

/// The length rules of a new password typed in `field`.
pub fn check_password(invalid: &mut Invalid, field: &str, password: &str) {
    if password.chars().count() < MIN_PASSWORD_LEN {
        invalid.add(
            field,
            format!("Le mot de passe doit contenir au moins {MIN_PASSWORD_LEN} caractères."),
        );
    } else if password.chars().count() > 256 {
        invalid.add(
            field,
            "Le mot de passe ne doit pas dépasser 256 caractères.",
        );
    }
}

/// A holder's change of their own password, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChangeInput {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    /// The new password typed again (the API may leave it out).
    #[serde(default)]
    pub confirmation: Option<String>,
}

/// A change of password whose new password follows the rules; whether the
/// current one is right is the store's to check (it holds the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl PasswordChange {
    pub fn parse(input: &PasswordChangeInput) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        if input.current_password.is_empty() {
            invalid.add(
                "current_password",
                "Le champ « Mot de passe actuel » est obligatoire.",
            );
        }
        check_password(&mut invalid, "new_password", &input.new_password);
        if !input.new_password.is_empty() && input.new_password == input.current_password {
            invalid.add(
                "new_password",
                "Choisissez un nouveau mot de passe, différent du mot de passe actuel.",
            );
        }
        if input
            .confirmation
            .as_ref()
            .is_some_and(|again| *again != input.new_password)
        {
            invalid.add(
                "confirmation",
                "La confirmation ne correspond pas au nouveau mot de passe.",
            );
        }
        invalid.into_result(PasswordChange {
            current_password: input.current_password.clone(),
            new_password: input.new_password.clone(),
        })
    }
}

pub fn parse_uuid(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Uuid> {
    match Uuid::parse_str(raw.trim()) {
        Ok(id) => Some(id),
        Err(_) if raw.trim().is_empty() => {
            invalid.add(field, format!("Le champ « {label} » est obligatoire."));
            None
        }
        Err(_) => {
            invalid.add(
                field,
                format!("Le champ « {label} » ne désigne pas un élément connu."),
            );
            None
        }
    }
}

pub fn optional_uuid(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Uuid> {
    if raw.trim().is_empty() {
        None
    } else {
        parse_uuid(invalid, field, label, raw)
    }
}

/// State of the login throttle for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
}

impl LoginThrottle {
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The state after one more failed attempt: past the limit, the account
    /// locks and the counter starts again, so the next lock needs a new series.
    pub fn after_failure(&self, now: OffsetDateTime) -> LoginThrottle {
        let failed = self.failed_logins + 1;
        if failed >= MAX_FAILED_LOGINS {
            LoginThrottle {
                failed_logins: 0,
                locked_until: Some(now + LOCK_DURATION),
            }
        } else {
            LoginThrottle {
                failed_logins: failed,
                locked_until: self.locked_until,
            }
        }
    }

    pub fn after_success() -> LoginThrottle {
        LoginThrottle {
            failed_logins: 0,
            locked_until: None,
        }
    }
}

/// Failed logins from one client address, counted over a window that
/// starts at the first failure: past [`ADDRESS_FAILED_LOGINS`], the address
/// waits for the window's end, whatever the account tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressThrottle {
    pub window_start: OffsetDateTime,
    pub failures: u32,
}

impl AddressThrottle {
    /// How long the address must still wait, if it must.
    pub fn wait(&self, now: OffsetDateTime) -> Option<Duration> {
        let end = self.window_start + ADDRESS_WINDOW;
        (self.failures >= ADDRESS_FAILED_LOGINS && now < end).then(|| end - now)
    }

    /// Whether the window is over and the record can be forgotten.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        now >= self.window_start + ADDRESS_WINDOW
    }

    /// The state after one more failure (`known`: the state before, if any).
    pub fn after_failure(known: Option<AddressThrottle>, now: OffsetDateTime) -> AddressThrottle {
        match known.filter(|k| !k.expired(now)) {
            Some(k) => AddressThrottle {
                failures: k.failures.saturating_add(1),
                ..k
            },
            None => AddressThrottle {
                window_start: now,
                failures: 1,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid_input() -> NewUserInput {
        NewUserInput {
            email: " Marie.Durand@Calvados.fr ".into(),
            display_name: "Marie Durand".into(),
            role: "referent".into(),
            organisation_id: Uuid::now_v7().to_string(),
            territory_id: String::new(),
            password: "correct horse battery".into(),
        }
    }

    #[test]
    fn parses_a_valid_user_and_normalises_the_email() {
        let user = NewUser::parse(&valid_input()).unwrap();
        assert_eq!(user.email, "marie.durand@calvados.fr");
        assert_eq!(user.role, Role::Referent);
        assert_eq!(user.territory_id, None);
    }

    #[test]
    fn names_every_wrong_field() {
        let input = NewUserInput {
            email: "pas-une-adresse".into(),
            display_name: "  ".into(),
            role: "root".into(),
            organisation_id: "x".into(),
            territory_id: "y".into(),
            password: "court".into(),
        };
        let err = NewUser::parse(&input).unwrap_err();
        for field in [
            "email",
            "display_name",
            "role",
            "organisation_id",
            "territory_id",
            "password",
        ] {
            assert!(err.message_for(field).is_some(), "no message for {field}");
        }
    }

    #[test]
    fn locks_after_the_fifth_failure_and_unlocks_later() {
        let now = OffsetDateTime::now_utc();
        let mut throttle = LoginThrottle::after_success();
        for _ in 0..MAX_FAILED_LOGINS - 1 {
            throttle = throttle.after_failure(now);
            assert!(!throttle.is_locked(now));
        }
        throttle = throttle.after_failure(now);
        assert!(throttle.is_locked(now));
        assert!(throttle.is_locked(now + Duration::minutes(14)));
        assert!(!throttle.is_locked(now + LOCK_DURATION));
    }

    proptest! {
        #[test]
        fn never_locked_before_the_limit(failures in 0..MAX_FAILED_LOGINS) {
            let now = OffsetDateTime::now_utc();
            let mut throttle = LoginThrottle::after_success();
            for _ in 0..failures {
                throttle = throttle.after_failure(now);
            }
            prop_assert!(!throttle.is_locked(now));
        }

        #[test]
        fn emails_without_at_sign_are_refused(s in "[a-z0-9.]{0,30}") {
            let mut invalid = Invalid::new();
            parse_email(&mut invalid, &s);
            prop_assert!(invalid.message_for("email").is_some());
        }
    }

    fn change(current: &str, new: &str, again: Option<&str>) -> PasswordChangeInput {
        PasswordChangeInput {
            current_password: current.into(),
            new_password: new.into(),
            confirmation: again.map(Into::into),
        }
    }

    #[test]
    fn a_change_of_password_names_each_wrong_field() {
        let ok = PasswordChange::parse(&change("provisoire 2026", "mon nouveau secret", None));
        assert_eq!(ok.unwrap().new_password, "mon nouveau secret");
        let wrong = PasswordChange::parse(&change("", "court", Some("autre"))).unwrap_err();
        assert!(wrong.message_for("current_password").is_some());
        assert!(wrong
            .message_for("new_password")
            .unwrap()
            .contains("12 caractères"));
        assert!(wrong.message_for("confirmation").is_some());
        let same = PasswordChange::parse(&change("provisoire 2026", "provisoire 2026", None));
        assert!(same
            .unwrap_err()
            .message_for("new_password")
            .unwrap()
            .contains("différent"));
    }

    #[test]
    fn an_address_waits_after_too_many_failures_until_its_window_ends() {
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut throttle = None;
        for i in 0..ADDRESS_FAILED_LOGINS {
            let at = start + Duration::seconds(i.into());
            let next = AddressThrottle::after_failure(throttle, at);
            let last = i + 1 == ADDRESS_FAILED_LOGINS;
            assert_eq!(next.wait(at).is_some(), last, "failure {}", i + 1);
            throttle = Some(next);
        }
        let blocked = throttle.unwrap();
        assert_eq!(
            blocked.wait(start + Duration::minutes(5)),
            Some(Duration::minutes(10))
        );
        assert_eq!(
            blocked.wait(start + ADDRESS_WINDOW),
            None,
            "the window is over"
        );
        let again = AddressThrottle::after_failure(throttle, start + ADDRESS_WINDOW);
        assert_eq!(
            (again.failures, again.window_start),
            (1, start + ADDRESS_WINDOW)
        );
    }

    proptest! {
        #[test]
        fn an_address_never_waits_before_the_limit(
            failures in 0..ADDRESS_FAILED_LOGINS,
            step in 0i64..60,
        ) {
            let start = OffsetDateTime::UNIX_EPOCH;
            let mut throttle = None;
            let mut now = start;
            for _ in 0..failures {
                throttle = Some(AddressThrottle::after_failure(throttle, now));
                now += Duration::seconds(step);
            }
            prop_assert!(throttle.is_none_or(|t| t.wait(now).is_none()));
        }
    }
}
