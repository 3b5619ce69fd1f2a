//! Signing in through the département's identity provider and ProConnect
//! (OpenID Connect, authorization code with PKCE, `state` and `nonce`,
//! discovery; the ID token's signature and claims checked by the
//! `openidconnect` crate). The provider says who signed in; the account,
//! its role and scope stay ours (`parcours_domain::oidc`).

use crate::{App, CurrentUser, Failure};
use openidconnect::core::{
    CoreClient, CoreGenderClaim, CoreIdToken, CoreIdTokenClaims, CoreResponseType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, UserInfoClaims,
};
use parcours_domain::account::NewUser;
use parcours_domain::oidc::{JoinRequestState, OidcRefusal, PasswordPolicy, ProviderIdentity};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::account::Account;
use parcours_store::oidc::JoinRequest;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How a provider hands over who signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The ID token's claims (and `email_verified`).
    Standard,
    /// ProConnect: a signed JWT from the userinfo endpoint with
    /// `given_name`, `usual_name`, `email`, `siret`, `uid` and `idp_id`;
    /// its addresses are its agents' (vouched for by the federation).
    ProConnect,
}

/// An account made at the first sign-in of an unknown identity (off unless
/// configured): its role and organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoCreate {
    pub role: Role,
    pub organisation_id: Uuid,
}

/// One configured provider (settings, never the UI, hold the secret).
#[derive(Clone)]
pub struct OidcProvider {
    /// In our addresses: `/connexion/oidc/{id}`.
    pub id: String,
    /// The login page's button.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_url: String,
    pub scopes: Vec<String>,
    pub acr_values: Vec<String>,
    pub profile: Profile,
    /// Where the provider sends the browser back after its logout.
    pub post_logout_url: String,
    pub auto_create: Option<AutoCreate>,
}

/// The providers configured, and what was discovered of each.
#[derive(Clone, Default)]
pub struct OidcSettings {
    inner: Arc<Providers>,
}

#[derive(Default)]
struct Providers {
    list: Vec<OidcProvider>,
    http: openidconnect::reqwest::Client,
    discovered: tokio::sync::Mutex<HashMap<String, (Instant, ProviderMetadataWithLogout)>>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.inner.list.iter().map(|p| p.id.as_str()).collect();
        f.debug_struct("OidcSettings")
            .field("providers", &ids)
            .finish()
    }
}

/// A discovery is trusted this long (keys rotate; providers move).
const DISCOVERY_TTL: Duration = Duration::from_secs(600);
/// A sign-in begun longer ago than this is refused at its return.
const ATTEMPT_TTL_SECONDS: i64 = 600;

impl OidcSettings {
    pub fn new(list: Vec<OidcProvider>) -> OidcSettings {
        // Redirects are not followed: a provider's answer is read as sent.
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        OidcSettings {
            inner: Arc::new(Providers {
                list,
                http,
                discovered: Default::default(),
            }),
        }
    }

    /// The providers from the environment: `PARCOURS_OIDC_PROVIDERS` lists
    /// their ids, each read from `PARCOURS_OIDC_{ID}_ISSUER`, `_CLIENT_ID`,
    /// `_CLIENT_SECRET`, `_REDIRECT_URL`, and optionally `_LABEL`,
    /// `_SCOPES`, `_ACR_VALUES`, `_PROFILE` (standard, proconnect),
    /// `_POST_LOGOUT_URL`, `_AUTO_CREATE_ROLE` and
    /// `_AUTO_CREATE_ORGANISATION`. A single provider may be given without
    /// a list, as `PARCOURS_OIDC_ISSUER`, `PARCOURS_OIDC_CLIENT_ID`… (id `oidc`).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<OidcSettings, String> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut ids: Vec<(String, String)> = var("PARCOURS_OIDC_PROVIDERS")
            .unwrap_or_default()
            .split(',')
            .map(|id| id.trim().to_lowercase())
            .filter(|id| !id.is_empty())
            .map(|id| (format!("PARCOURS_OIDC_{}_", id.to_uppercase()), id))
            .collect();
        if ids.is_empty() && var("PARCOURS_OIDC_ISSUER").is_some() {
            ids.push(("PARCOURS_OIDC_".to_owned(), "oidc".to_owned()));
        }
        let mut list = Vec::new();
        for (prefix, id) in ids {
            if !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!("identifiant de fournisseur invalide : {id}"));
            }
            let get = |key: &str| var(&format!("{prefix}{key}"));
            let required = |key: &str| {
                get(key).ok_or_else(|| format!("{prefix}{key} manque (fournisseur {id})"))
            };
            let profile = match get("PROFILE").as_deref() {
                Some("proconnect") => Profile::ProConnect,
                Some("standard") => Profile::Standard,
                None if id == "proconnect" => Profile::ProConnect,
                None => Profile::Standard,
                Some(other) => return Err(format!("{prefix}PROFILE inconnu : {other}")),
            };
            let redirect_url = required("REDIRECT_URL")?;
            let default_scopes = match profile {
                Profile::Standard => "openid email profile",
                Profile::ProConnect => "openid email given_name usual_name uid siret idp_id",
            };
            let auto_create = match (get("AUTO_CREATE_ROLE"), get("AUTO_CREATE_ORGANISATION")) {
                (None, None) => None,
                (Some(role), Some(organisation)) => Some(AutoCreate {
                    role: Role::from_code(role.trim())
                        .ok_or_else(|| format!("{prefix}AUTO_CREATE_ROLE inconnu : {role}"))?,
                    organisation_id: organisation.trim().parse().map_err(|_| {
                        format!("{prefix}AUTO_CREATE_ORGANISATION n'est pas un identifiant")
                    })?,
                }),
                _ => {
                    return Err(format!(
                        "{prefix}AUTO_CREATE_ROLE et {prefix}AUTO_CREATE_ORGANISATION vont ensemble"
                    ))
                }
            };
            let words = |text: String| -> Vec<String> {
                text.split_whitespace().map(str::to_owned).collect()
            };
            list.push(OidcProvider {
                label: get("LABEL").unwrap_or_else(|| match profile {
                    Profile::ProConnect => "S'identifier avec ProConnect".to_owned(),
                    Profile::Standard => "Se connecter avec le compte du département".to_owned(),
                }),
                issuer: required("ISSUER")?,
                client_id: required("CLIENT_ID")?,
                client_secret: required("CLIENT_SECRET")?,
                post_logout_url: get("POST_LOGOUT_URL")
                    .unwrap_or_else(|| after_logout_url(&redirect_url)),
                redirect_url,
                scopes: words(get("SCOPES").unwrap_or_else(|| default_scopes.to_owned())),
                acr_values: words(get("ACR_VALUES").unwrap_or_default()),
                profile,
                auto_create,
                id,
            });
        }
        Ok(OidcSettings::new(list))
    }

    /// The providers, in the order configured (the login page's buttons).
    pub fn providers(&self) -> &[OidcProvider] {
        &self.inner.list
    }

    pub fn provider(&self, id: &str) -> Option<&OidcProvider> {
        self.inner.list.iter().find(|p| p.id == id)
    }

    /// The provider's metadata, discovered at most [`DISCOVERY_TTL`] ago.
    async fn metadata(
        &self,
        provider: &OidcProvider,
    ) -> Result<ProviderMetadataWithLogout, OidcRefusal> {
        let mut discovered = self.inner.discovered.lock().await;
        if let Some((at, metadata)) = discovered.get(&provider.id) {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer =
            IssuerUrl::new(provider.issuer.clone()).map_err(|_| OidcRefusal::ProviderDown)?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.inner.http)
            .await
            .map_err(|err| {
                tracing::warn!(provider = %provider.id, %err, "identity provider discovery failed");
                OidcRefusal::ProviderDown
            })?;
        discovered.insert(provider.id.clone(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }
}

/// `/connexion?au_revoir=1` on the redirect URL's site.
fn after_logout_url(redirect_url: &str) -> String {
    openidconnect::url::Url::parse(redirect_url)
        .and_then(|url| url.join("/connexion?au_revoir=1"))
        .map(String::from)
        .unwrap_or_default()
}

/// What a sign-in keeps in the browser's session between its start and the
/// provider's return (one use).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub provider: String,
    state: String,
    nonce: String,
    pkce_verifier: String,
    started_at: i64,
}

/// Where to send the browser to sign in at `provider`, and what to keep
/// until it comes back.
pub async fn begin(app: &App, provider_id: &str) -> Result<(String, PendingSignIn), OidcRefusal> {
    let settings = &app.config.oidc;
    let provider = settings
        .provider(provider_id)
        .ok_or(OidcRefusal::UnknownAttempt)?;
    let metadata = settings.metadata(provider).await?;
    let client = client(provider, metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in provider.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if !provider.acr_values.is_empty() {
        request = request.add_extra_param("acr_values", provider.acr_values.join(" "));
    }
    let (url, state, nonce) = request.url();
    Ok((
        url.to_string(),
        PendingSignIn {
            provider: provider.id.clone(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: parcours_store::now().unix_timestamp(),
        },
    ))
}

type Client = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn client(
    provider: &OidcProvider,
    metadata: ProviderMetadataWithLogout,
) -> Result<Client, OidcRefusal> {
    let redirect =
        RedirectUrl::new(provider.redirect_url.clone()).map_err(|_| OidcRefusal::ProviderDown)?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// What the provider sent back to our redirect URL.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
}

/// A session to open: the account, and what logout needs of the provider.
pub struct SignedIn {
    pub account: Account,
    pub provider: String,
    pub id_token: String,
}

/// The extra claims of ProConnect's user information.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ProConnectClaims {
    usual_name: Option<String>,
    siret: Option<String>,
    uid: Option<String>,
    idp_id: Option<String>,
}

impl AdditionalClaims for ProConnectClaims {}

/// Completes a sign-in at the provider's return: checks the attempt, the
/// code, the ID token and (ProConnect) the signed user information, then
/// finds the account. Every outcome is audited with the provider.
pub async fn finish(
    app: &App,
    provider_id: &str,
    pending: Option<PendingSignIn>,
    callback: &Callback,
) -> Result<Result<SignedIn, OidcRefusal>, Failure> {
    let identity = match identify(app, provider_id, pending, callback).await {
        Ok(found) => found,
        Err(refusal) => {
            app.store
                .record_provider_refusal(provider_id, "inconnu", None, refusal.audit_reason())
                .await?;
            return Ok(Err(refusal));
        }
    };
    let (identity, id_token) = identity;
    Ok(match account_of(app, &identity).await? {
        Ok(account) => {
            app.store
                .record_provider_sign_in(&account, &identity)
                .await?;
            Ok(SignedIn {
                account,
                provider: identity.provider,
                id_token,
            })
        }
        Err((refusal, account)) => {
            let who = identity
                .verified_email()
                .unwrap_or_else(|| identity.subject.clone());
            app.store
                .record_provider_refusal(&identity.provider, &who, account, refusal.audit_reason())
                .await?;
            Err(refusal)
        }
    })
}

/// Who the provider says signed in, and the ID token (for logout).
async fn identify(
    app: &App,
    provider_id: &str,
    pending: Option<PendingSignIn>,
    callback: &Callback,
) -> Result<(ProviderIdentity, String), OidcRefusal> {
    let settings = &app.config.oidc;
    let provider = settings
        .provider(provider_id)
        .ok_or(OidcRefusal::UnknownAttempt)?;
    let now = parcours_store::now().unix_timestamp();
    let pending = pending
        .filter(|p| p.provider == provider.id && now - p.started_at <= ATTEMPT_TTL_SECONDS)
        .ok_or(OidcRefusal::UnknownAttempt)?;
    // The state proves this browser started this attempt (no forged return).
    if !constant_time_eq(pending.state.as_bytes(), callback.state.as_bytes()) {
        return Err(OidcRefusal::UnknownAttempt);
    }
    if !callback.error.is_empty() {
        let said = if callback.error_description.is_empty() {
            &callback.error
        } else {
            &callback.error_description
        };
        return Err(OidcRefusal::ProviderError(said.chars().take(200).collect()));
    }
    if callback.code.is_empty() {
        return Err(OidcRefusal::UnknownAttempt);
    }
    let metadata = settings.metadata(provider).await?;
    let client = client(provider, metadata)?;
    let http = &settings.inner.http;
    let token = client
        .exchange_code(AuthorizationCode::new(callback.code.clone()))
        .map_err(|_| OidcRefusal::ProviderDown)?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(http)
        .await
        .map_err(|err| match err {
            openidconnect::RequestTokenError::ServerResponse(answer) => {
                OidcRefusal::ProviderError(answer.error().to_string())
            }
            other => {
                tracing::warn!(provider = %provider.id, err = %other, "token request failed");
                OidcRefusal::ProviderDown
            }
        })?;
    let id_token = token
        .extra_fields()
        .id_token()
        .ok_or(OidcRefusal::InvalidToken)?;
    let nonce = Nonce::new(pending.nonce.clone());
    let claims: &CoreIdTokenClaims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .map_err(|err| {
            tracing::warn!(provider = %provider.id, %err, "ID token refused");
            OidcRefusal::InvalidToken
        })?;
    // The level asked for must be the one given: a provider may sign the
    // person in more weakly than asked (ProConnect: `eidas1`).
    if !provider.acr_values.is_empty() {
        let acr = claims.auth_context_ref().map(|acr| acr.as_str());
        if !acr.is_some_and(|acr| provider.acr_values.iter().any(|asked| asked == acr)) {
            tracing::warn!(provider = %provider.id, ?acr, "authentication level refused");
            return Err(OidcRefusal::WeakAuthentication);
        }
    }
    let mut identity = ProviderIdentity {
        provider: provider.id.clone(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        given_name: claims
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        family_name: claims
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        ..Default::default()
    };
    if provider.profile == Profile::ProConnect {
        let info: UserInfoClaims<ProConnectClaims, CoreGenderClaim> = client
            .user_info(token.access_token().clone(), Some(claims.subject().clone()))
            .map_err(|_| OidcRefusal::ProviderDown)?
            .require_signed_response(true)
            .request_async(http)
            .await
            .map_err(|err| {
                tracing::warn!(provider = %provider.id, %err, "user information refused");
                OidcRefusal::InvalidToken
            })?;
        let extra = info.additional_claims();
        identity.email = info.email().map(|e| e.to_string());
        // ProConnect's addresses are those its identity providers vouch for.
        identity.email_verified = identity.email.is_some();
        identity.given_name = info
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string());
        identity.family_name = extra.usual_name.clone();
        identity.siret = extra.siret.clone();
        identity.uid = extra.uid.clone();
        identity.idp_id = extra.idp_id.clone();
    }
    Ok((identity, id_token.to_string()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The account an identity reaches: by the identity remembered, else by
/// its verified address; else, when configured, a new one; else, through
/// ProConnect with a structure's SIRET, a request to join it.
async fn account_of(
    app: &App,
    identity: &ProviderIdentity,
) -> Result<Result<Account, (OidcRefusal, Option<Uuid>)>, Failure> {
    let active = |account: Account| {
        if account.disabled {
            Err((OidcRefusal::Disabled, Some(account.id)))
        } else {
            Ok(account)
        }
    };
    if let Some(account) = app
        .store
        .account_by_identity(&identity.provider, &identity.subject)
        .await?
    {
        return Ok(active(account));
    }
    let Some(email) = identity.verified_email() else {
        return Ok(Err((OidcRefusal::UnverifiedEmail, None)));
    };
    if let Some(account) = app.store.account_by_email(&email).await? {
        return Ok(active(account));
    }
    let provider = app.config.oidc.provider(&identity.provider);
    if let Some(auto) = provider.and_then(|p| p.auto_create) {
        let new = NewUser {
            email: email.clone(),
            display_name: identity.display_name(),
            role: auto.role,
            organisation_id: auto.organisation_id,
            territory_id: None,
            password: String::new(),
        };
        let actor = parcours_store::Actor::system("création à la première connexion");
        let unusable = format!("!{}", parcours_store::token::random_secret());
        let account = app
            .store
            .create_account(&actor, &new, &unusable, false)
            .await?;
        let account = app
            .store
            .set_password_login(&actor, account.id, false)
            .await?;
        return Ok(Ok(account));
    }
    if let Some(siret) = identity.siret() {
        if let Some((structure_id, name)) = app.store.structure_by_siret(&siret).await? {
            app.store
                .open_join_request(identity, &email, &siret, structure_id)
                .await?;
            return Ok(Err((OidcRefusal::JoinRequested(name), None)));
        }
    }
    Ok(Err((OidcRefusal::UnknownAccount(email), None)))
}

/// Where to send the browser to end its session at the provider too
/// (RP-initiated logout), when the provider offers it.
pub async fn logout_url(app: &App, provider_id: &str, id_token: &str) -> Option<String> {
    let settings = &app.config.oidc;
    let provider = settings.provider(provider_id)?;
    let metadata = settings.metadata(provider).await.ok()?;
    let endpoint = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()?;
    let mut request = LogoutRequest::from(endpoint)
        .set_client_id(ClientId::new(provider.client_id.clone()))
        .set_state(CsrfToken::new_random());
    if let Ok(token) = CoreIdToken::from_str(id_token) {
        request = request.set_id_token_hint(&token);
    }
    if let Ok(back) = PostLogoutRedirectUrl::new(provider.post_logout_url.clone()) {
        request = request.set_post_logout_redirect_uri(back);
    }
    Some(request.http_get_url().to_string())
}

/// The requests of partners' staff to join a structure (waiting first).
pub async fn join_requests(app: &App, me: &CurrentUser) -> Result<Vec<JoinRequest>, Failure> {
    me.require(Permission::DecideJoinRequests)?;
    Ok(app.store.join_requests().await?)
}

/// Accepts (the opérateur role on the structure) or refuses a request.
pub async fn decide_join_request(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    accept: bool,
) -> Result<JoinRequest, Failure> {
    me.require(Permission::DecideJoinRequests)?;
    let request = app.store.join_request(id).await?;
    if request.state != JoinRequestState::Pending {
        return Err(Failure::Invalid(Invalid::field(
            "state",
            "Cette demande a déjà été traitée.",
        )));
    }
    Ok(app
        .store
        .decide_join_request(&me.actor(), id, version, accept)
        .await?)
}

/// Who may sign in with a password.
pub async fn password_policy(app: &App, me: &CurrentUser) -> Result<PasswordPolicy, Failure> {
    me.require(Permission::ManageSettings)?;
    Ok(app.store.password_policy().await?)
}

/// Sets who may sign in with a password: refused while no provider is
/// configured (nobody but administrators could sign in).
pub async fn set_password_policy(
    app: &App,
    me: &CurrentUser,
    code: &str,
) -> Result<PasswordPolicy, Failure> {
    me.require(Permission::ManageSettings)?;
    let policy = PasswordPolicy::from_code(code.trim()).ok_or_else(|| {
        Failure::Invalid(Invalid::field(
            "policy",
            "Choisissez « tous » ou « administrateurs ».",
        ))
    })?;
    if policy == PasswordPolicy::AdminsOnly && app.config.oidc.providers().is_empty() {
        return Err(Failure::Invalid(Invalid::field(
            "policy",
            "Aucun fournisseur d'identité n'est configuré : les comptes sans mot de passe ne pourraient plus se connecter.",
        )));
    }
    app.store.set_password_policy(&me.actor(), policy).await?;
    Ok(policy)
}

/// The providers' identities that reach an account: (provider, e-mail).
pub async fn identities_of(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
) -> Result<Vec<(String, String)>, Failure> {
    me.require(Permission::ManageUsers)?;
    Ok(app.store.identities_of(id).await?)
}

/// Switches one account's password login on or off (an administrator).
pub async fn set_password_login(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    on: bool,
) -> Result<Account, Failure> {
    me.require(Permission::ManageUsers)?;
    if !on && me.user.id == id {
        return Err(Failure::Invalid(Invalid::field(
            "password_login",
            "Vous ne pouvez pas désactiver votre propre connexion par mot de passe.",
        )));
    }
    Ok(app.store.set_password_login(&me.actor(), id, on).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn providers_are_read_from_the_environment() {
        let settings = OidcSettings::from_env(env(&[
            ("PARCOURS_OIDC_PROVIDERS", "departement, proconnect"),
            (
                "PARCOURS_OIDC_DEPARTEMENT_ISSUER",
                "https://sso.calvados.fr",
            ),
            ("PARCOURS_OIDC_DEPARTEMENT_CLIENT_ID", "parcours"),
            ("PARCOURS_OIDC_DEPARTEMENT_CLIENT_SECRET", "s"),
            (
                "PARCOURS_OIDC_DEPARTEMENT_REDIRECT_URL",
                "https://parcours.calvados.fr/connexion/oidc/departement/retour",
            ),
            (
                "PARCOURS_OIDC_PROCONNECT_ISSUER",
                "https://proconnect.gouv.fr/api/v2",
            ),
            ("PARCOURS_OIDC_PROCONNECT_CLIENT_ID", "pc"),
            ("PARCOURS_OIDC_PROCONNECT_CLIENT_SECRET", "t"),
            (
                "PARCOURS_OIDC_PROCONNECT_REDIRECT_URL",
                "https://parcours.calvados.fr/connexion/oidc/proconnect/retour",
            ),
            ("PARCOURS_OIDC_PROCONNECT_ACR_VALUES", "eidas1"),
        ]))
        .unwrap();
        let ids: Vec<&str> = settings.providers().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["departement", "proconnect"]);
        let pc = settings.provider("proconnect").unwrap();
        assert_eq!(pc.profile, Profile::ProConnect);
        assert!(pc.scopes.contains(&"siret".to_owned()));
        assert_eq!(pc.acr_values, ["eidas1"]);
        assert_eq!(
            pc.post_logout_url,
            "https://parcours.calvados.fr/connexion?au_revoir=1"
        );
        assert_eq!(
            settings.provider("departement").unwrap().profile,
            Profile::Standard
        );
        assert!(settings
            .provider("departement")
            .unwrap()
            .auto_create
            .is_none());
    }

    #[test]
    fn a_missing_setting_is_named() {
        let err = OidcSettings::from_env(env(&[
            ("PARCOURS_OIDC_ISSUER", "https://sso.calvados.fr"),
            ("PARCOURS_OIDC_CLIENT_ID", "parcours"),
            ("PARCOURS_OIDC_REDIRECT_URL", "https://x/retour"),
        ]))
        .err()
        .unwrap();
        assert!(err.contains("PARCOURS_OIDC_CLIENT_SECRET"), "{err}");
        let none = OidcSettings::from_env(env(&[])).unwrap();
        assert!(none.providers().is_empty());
        let err = OidcSettings::from_env(env(&[
            ("PARCOURS_OIDC_PROVIDERS", "x"),
            ("PARCOURS_OIDC_X_ISSUER", "https://a"),
            ("PARCOURS_OIDC_X_CLIENT_ID", "a"),
            ("PARCOURS_OIDC_X_CLIENT_SECRET", "a"),
            ("PARCOURS_OIDC_X_REDIRECT_URL", "https://x/retour"),
            ("PARCOURS_OIDC_X_AUTO_CREATE_ROLE", "referent"),
        ]))
        .err()
        .unwrap();
        assert!(err.contains("vont ensemble"), "{err}");
    }
}
