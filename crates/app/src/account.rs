//! Accounts: the administrateur's list, creation and changes, API tokens,
//! the reference lists their forms offer, and signing in and out.

use crate::{App, Caller, CurrentUser, Failure};
use parcours_domain::account::{
    check_password, AccountChange, AccountChangeInput, NewUser, NewUserInput, PasswordChange,
    PasswordChangeInput,
};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::oidc::password_allowed;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::{Invalid, Permission};
use parcours_store::account::Account;
use parcours_store::organisation::{Organisation, Territory};
use parcours_store::token::ApiToken;
use parcours_store::{password, StoreError};
use std::sync::Arc;
use uuid::Uuid;

/// Who acted, as people read it: records keep the account's e-mail (as the
/// audit does); screens show the name and organisation.
#[derive(Default)]
pub struct Names(std::collections::HashMap<String, String>);

impl Names {
    /// « Sophie Lemaire (CCAS de Caen) » for her e-mail; anything else
    /// (« système (import CAF) », an account since deleted) as recorded.
    pub fn who(&self, recorded: &str) -> String {
        self.0
            .get(recorded)
            .cloned()
            .unwrap_or_else(|| recorded.to_owned())
    }
}

/// The names of the accounts a page shows as having acted.
pub async fn names<'a>(
    app: &App,
    emails: impl IntoIterator<Item = &'a str>,
) -> Result<Names, Failure> {
    let mut emails: Vec<&str> = emails.into_iter().collect();
    emails.sort_unstable();
    emails.dedup();
    Ok(Names(
        app.store
            .account_labels(&emails)
            .await?
            .into_iter()
            .collect(),
    ))
}

pub async fn list(app: &App, me: &impl Caller) -> Result<Vec<Account>, Failure> {
    me.require(Permission::ManageUsers)?;
    Ok(app.store.accounts().await?)
}

pub async fn show(app: &App, me: &CurrentUser, id: Uuid) -> Result<Account, Failure> {
    me.require(Permission::ManageUsers)?;
    Ok(app.store.account(id).await?)
}

/// What the account forms offer to choose from.
pub struct ReferenceLists {
    pub organisations: Arc<Vec<Organisation>>,
    pub territories: Vec<Territory>,
}

pub async fn reference_lists(app: &App, me: &CurrentUser) -> Result<ReferenceLists, Failure> {
    me.require(Permission::ManageUsers)?;
    Ok(ReferenceLists {
        organisations: app.store.organisations().await?,
        territories: app.store.territories().await?,
    })
}

pub async fn organisations(app: &App, me: &CurrentUser) -> Result<Arc<Vec<Organisation>>, Failure> {
    me.require(Permission::ViewOrganisations)?;
    Ok(app.store.organisations().await?)
}

pub async fn territories(app: &App, me: &CurrentUser) -> Result<Vec<Territory>, Failure> {
    me.require(Permission::ViewOrganisations)?;
    Ok(app.store.territories().await?)
}

/// The account of an e-mail address (the command line names accounts so).
pub async fn find_by_email(
    app: &App,
    me: &impl Caller,
    email: &str,
) -> Result<Option<Account>, Failure> {
    me.require(Permission::ManageUsers)?;
    Ok(app
        .store
        .account_by_email(&email.trim().to_lowercase())
        .await?)
}

/// The organisation of that name, created with the kind `kind` (a code of
/// [`OrganisationKind`]) when there is none yet: the command line's way to
/// give a first account its organisation.
pub async fn organisation_named(
    app: &App,
    me: &impl Caller,
    name: &str,
    kind: &str,
) -> Result<Organisation, Failure> {
    me.require(Permission::ManageUsers)?;
    match app.store.organisation_by_name(name.trim()).await {
        Err(StoreError::NotFound) => {
            let kind = OrganisationKind::from_code(kind.trim()).ok_or_else(|| {
                Invalid::field(
                    "organisation_kind",
                    format!("Type d'organisation inconnu : {kind}."),
                )
            })?;
            Ok(app
                .store
                .create_organisation(&me.actor(), name.trim(), kind, None)
                .await?)
        }
        found => Ok(found?),
    }
}

/// Validates, hashes the password off the async runtime, and stores. A
/// `temporary_password` (one an administrator typed, or generated) must be
/// changed by the account's holder at their first login.
pub async fn create(
    app: &App,
    me: &impl Caller,
    input: &NewUserInput,
    temporary_password: bool,
) -> Result<Account, Failure> {
    me.require(Permission::ManageUsers)?;
    let new = NewUser::parse(input)?;
    let hash = hash(new.password.clone()).await?;
    Ok(app
        .store
        .create_account(&me.actor(), &new, &hash, temporary_password)
        .await?)
}

async fn hash(password: String) -> Result<String, Failure> {
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .map_err(Failure::from)
}

/// Validates and applies an admin's change, with an optional new password
/// (empty: unchanged), temporary: the holder changes it at their next login,
/// and their open sessions end. A stale `version` is refused.
pub async fn update(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &AccountChangeInput,
    new_password: &str,
) -> Result<Account, Failure> {
    me.require(Permission::ManageUsers)?;
    let change = parse_change(input, new_password)?;
    let user = app
        .store
        .update_account(&me.actor(), id, version, &change)
        .await?;
    if !new_password.is_empty() {
        let hash = hash(new_password.to_owned()).await?;
        app.store.set_password(&me.actor(), id, &hash, true).await?;
        return Ok(app.store.account(id).await?);
    }
    Ok(user)
}

/// The holder changes their own password, giving the current one (a wrong
/// one counts towards the lock, as at the login). Every other session of the
/// account ends: the new session generation is returned for the caller's
/// session to carry on.
pub async fn change_own_password(
    app: &App,
    me: &CurrentUser,
    input: &PasswordChangeInput,
) -> Result<i64, Failure> {
    let change = PasswordChange::parse(input)?;
    let user = app.store.account(me.user.id).await?;
    if user.throttle().is_locked(parcours_store::now()) {
        return Err(Invalid::field(
            "current_password",
            "Trop d'essais infructueux : votre compte est bloqué 15 minutes. Réessayez plus tard.",
        )
        .into());
    }
    let (current, hash_now) = (change.current_password, user.password_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || password::verify_password(&current, &hash_now))
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
    if !matches {
        app.store
            .record_login_failure(&user.email, Some(&user))
            .await?;
        return Err(
            Invalid::field("current_password", "Le mot de passe actuel est incorrect.").into(),
        );
    }
    let hash = hash(change.new_password).await?;
    Ok(app
        .store
        .set_password(&me.actor(), user.id, &hash, false)
        .await?)
}

/// An administrator ends every open session of an account (its API tokens
/// are revoked one by one, apart).
pub async fn end_sessions(app: &App, me: &CurrentUser, id: Uuid) -> Result<Account, Failure> {
    me.require(Permission::ManageUsers)?;
    app.store.end_sessions(&me.actor(), id).await?;
    Ok(app.store.account(id).await?)
}

/// The change and the new password's errors, all at once.
fn parse_change(input: &AccountChangeInput, new_password: &str) -> Result<AccountChange, Invalid> {
    let change = AccountChange::parse(input);
    let mut password_errors = Invalid::new();
    if !new_password.is_empty() {
        check_password(&mut password_errors, "new_password", new_password);
    }
    match change {
        Ok(change) => password_errors.into_result(change),
        Err(mut invalid) => {
            invalid.errors.extend(password_errors.errors);
            Err(invalid)
        }
    }
}

/// An account's API tokens, revoked ones included.
pub async fn tokens(app: &App, me: &CurrentUser, user_id: Uuid) -> Result<Vec<ApiToken>, Failure> {
    me.require(Permission::ManageApiTokens)?;
    app.store.account(user_id).await?;
    Ok(app.store.api_tokens(user_id).await?)
}

/// Issues a token valid `valid_days` (a year when empty); the secret is
/// returned here only, never stored in clear.
pub async fn create_token(
    app: &App,
    me: &impl Caller,
    user_id: Uuid,
    name: &str,
    valid_days: &str,
) -> Result<(ApiToken, String), Failure> {
    me.require(Permission::ManageApiTokens)?;
    app.store.account(user_id).await?;
    let mut invalid = Invalid::new();
    let name =
        parcours_domain::validation::required_text(&mut invalid, "name", "Nom du jeton", name, 80);
    let days = token_validity(&mut invalid, valid_days);
    invalid.into_result(())?;
    let expires_at = parcours_store::now() + time::Duration::days(days);
    Ok(app
        .store
        .create_api_token(&me.actor(), user_id, &name, expires_at)
        .await?)
}

/// A token's days of validity as typed: a year when left empty, three at most.
fn token_validity(invalid: &mut Invalid, raw: &str) -> i64 {
    const DEFAULT: i64 = 365;
    match raw.trim() {
        "" => DEFAULT,
        text => match text.parse::<i64>() {
            Ok(days) if (1..=3 * 365).contains(&days) => days,
            _ => {
                invalid.add(
                    "valid_days",
                    "La durée de validité du jeton va de 1 à 1095 jours (un an si vous laissez vide).",
                );
                DEFAULT
            }
        },
    }
}

/// Revokes a token. Returns it as it was before: `revoked_at` is set when
/// it had been revoked already (and nothing was done).
pub async fn revoke_token(app: &App, me: &CurrentUser, id: Uuid) -> Result<ApiToken, Failure> {
    me.require(Permission::ManageApiTokens)?;
    let token = app.store.api_token(id).await?;
    if token.revoked_at.is_none() {
        match app.store.revoke_api_token(&me.actor(), id).await {
            // Revoked meanwhile by someone else: the outcome is the same.
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(token)
}

/// Why a sign-in is refused, in the words shown to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown address or wrong password: the message does not say which.
    Wrong,
    Locked,
    Disabled,
    /// The right password, but this account signs in through an identity
    /// provider only (its own switch, or the policy for all but administrators).
    PasswordOff,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            // A locked account answers as an unknown one does: the answer
            // never tells whether an address has an account.
            Refusal::Wrong | Refusal::Locked => "Adresse électronique ou mot de passe incorrect. Après 5 essais infructueux, le compte est bloqué 15 minutes : réessayez plus tard.",
            Refusal::Disabled => "Ce compte est désactivé. Adressez-vous à votre administrateur.",
            Refusal::PasswordOff => "La connexion par mot de passe est désactivée pour ce compte : utilisez le bouton de votre fournisseur d'identité ci-dessous.",
        }
    }
}

/// Checks an address and password; failures count towards the lock and
/// are audited, and so is a success.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: String,
) -> Result<Result<Account, Refusal>, Failure> {
    let user = app.store.account_by_email(email).await?;
    if user
        .as_ref()
        .is_some_and(|u| u.throttle().is_locked(parcours_store::now()))
    {
        app.store.record_login_failure(email, user.as_ref()).await?;
        return Ok(Err(Refusal::Locked));
    }
    // Unknown logins are checked against a decoy hash so both take as long.
    let hash = user.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let matches = tokio::task::spawn_blocking(move || password::verify_password(&password, &hash))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let policy = app.store.password_policy().await?;
    let refusal = match &user {
        Some(user)
            if matches
                && !user.disabled
                && !password_allowed(policy, user.role, user.password_login) =>
        {
            Refusal::PasswordOff
        }
        Some(user) if matches && !user.disabled => {
            app.store.record_login_success(user).await?;
            return Ok(Ok(user.clone()));
        }
        Some(_) if matches => Refusal::Disabled,
        _ => Refusal::Wrong,
    };
    app.store.record_login_failure(email, user.as_ref()).await?;
    Ok(Err(refusal))
}

/// Audits a login refused before any password check, because its client
/// address failed too often.
pub async fn refuse_throttled_login(
    app: &App,
    email: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(), Failure> {
    let user = app.store.account_by_email(email).await?;
    let actor = parcours_store::Actor {
        user_id: user.as_ref().map(|u| u.id),
        label: email.to_owned(),
    };
    let detail = match address {
        Some(address) => format!("trop de tentatives depuis l'adresse {address}"),
        None => "trop de tentatives".to_owned(),
    };
    app.store
        .audit(
            &actor,
            AuditAction::LoginFailed,
            entity::SESSION,
            user.as_ref().map(|u| u.id.to_string()).as_deref(),
            Some(&detail),
        )
        .await?;
    Ok(())
}

/// Audits the end of a session (the account may be gone by then), with
/// the identity provider it was opened through.
pub async fn sign_out(app: &App, user_id: Uuid, provider: Option<&str>) -> Result<(), Failure> {
    if let Ok(user) = app.store.account(user_id).await {
        app.store
            .audit(
                &user.actor(),
                AuditAction::Logout,
                entity::SESSION,
                Some(&user_id.to_string()),
                provider
                    .map(|p| format!("fournisseur d'identité : {p}"))
                    .as_deref(),
            )
            .await?;
    }
    Ok(())
}
