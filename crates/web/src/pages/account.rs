//! Account administration: list, create, change role/organisation, disable,
//! reset password, end sessions, issue and revoke API tokens (admin only);
//! and everyone's change of their own password.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::Form;
use crate::extract::Id;
use crate::layout::{flash, Layout};
use crate::view::fr_day;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::account;
use parcours_domain::account::{AccountChangeInput, NewUserInput, PasswordChangeInput};
use parcours_domain::{Invalid, Role};
use parcours_store::account::Account;
use parcours_store::organisation::{Organisation, Territory};
use parcours_store::token::ApiToken;
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;

/// Choices offered by the account forms.
pub struct Choices {
    pub roles: Vec<(&'static str, &'static str)>,
    pub organisations: std::sync::Arc<Vec<Organisation>>,
    pub territories: Vec<Territory>,
}

async fn choices(state: &AppState, me: &CurrentUser) -> Result<Choices, Failure> {
    let lists = account::reference_lists(state, me).await?;
    Ok(Choices {
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        organisations: lists.organisations,
        territories: lists.territories,
    })
}

#[derive(Template)]
#[template(path = "account/list.html")]
struct ListPage {
    layout: Layout,
    users: Vec<Account>,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let users = account::list(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Comptes", "/admin/comptes").await?;
    Ok(Html(ListPage { layout, users }.render()?))
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    territory_id: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "account/new.html")]
struct NewPage {
    layout: Layout,
    form: NewUserForm,
    errors: Invalid,
    choices: Choices,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let choices = choices(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Nouveau compte", "/admin/comptes").await?;
    let page = NewPage {
        layout,
        form: NewUserForm::default(),
        errors: Invalid::new(),
        choices,
    };
    Ok(Html(page.render()?))
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    let input = NewUserInput {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        organisation_id: form.organisation_id.clone(),
        territory_id: form.territory_id.clone(),
        password: form.password.clone(),
    };
    match account::create(&state, &me, &input, true).await {
        Ok(user) => {
            flash(
                &session,
                format!("Le compte de {} a été créé.", user.display_name),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/comptes/{}", user.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let choices = choices(&state, &me).await?;
            let layout = Layout::new(&session, &me, "Nouveau compte", "/admin/comptes").await?;
            let form = NewUserForm {
                password: String::new(),
                ..form
            };
            let page = NewPage {
                layout,
                form,
                errors,
                choices,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    territory_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    new_password: String,
}

impl EditForm {
    fn of(user: &Account) -> EditForm {
        EditForm {
            display_name: user.display_name.clone(),
            phone: user.phone.clone().unwrap_or_default(),
            role: user.role.code().to_owned(),
            organisation_id: user.organisation_id.to_string(),
            territory_id: user.territory_id.map(|t| t.to_string()).unwrap_or_default(),
            status: if user.disabled { "desactive" } else { "actif" }.into(),
            version: user.version,
            new_password: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "account/edit.html")]
struct EditPage {
    layout: Layout,
    user: Account,
    form: EditForm,
    errors: Invalid,
    choices: Choices,
    tokens: Vec<TokenLine>,
    new_secret: Option<String>,
    /// The providers' identities reaching the account: (provider, e-mail).
    identities: Vec<(String, String)>,
}

/// A token as the account page lists it, its days in Paris.
struct TokenLine {
    id: uuid::Uuid,
    name: String,
    created: String,
    last_used: Option<String>,
    /// The day it stops working, when it has one.
    expires: Option<String>,
    expired: bool,
    revoked: bool,
}

impl From<ApiToken> for TokenLine {
    fn from(token: ApiToken) -> Self {
        TokenLine {
            id: token.id,
            name: token.name,
            created: fr_day(token.created_at),
            last_used: token.last_used_at.map(fr_day),
            expires: token.expires_at.map(fr_day),
            expired: token
                .expires_at
                .is_some_and(|at| at <= parcours_app::clock::now()),
            revoked: token.revoked_at.is_some(),
        }
    }
}

async fn edit_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    user: Account,
    form: EditForm,
    errors: Invalid,
    new_secret: Option<String>,
) -> Result<String, Failure> {
    let layout = Layout::new(
        session,
        me,
        &format!("Compte de {}", user.display_name),
        "/admin/comptes",
    )
    .await?;
    let tokens = account::tokens(state, me, user.id).await?;
    let tokens = tokens.into_iter().map(TokenLine::from).collect();
    let choices = choices(state, me).await?;
    let identities = parcours_app::oidc::identities_of(state, me, user.id).await?;
    let page = EditPage {
        identities,
        layout,
        user,
        form,
        errors,
        choices,
        tokens,
        new_secret,
    };
    page.render().map_err(template_failure)
}

pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let user = account::show(&state, &me, id).await?;
    let form = EditForm::of(&user);
    Ok(Html(
        edit_page(&state, &session, &me, user, form, Invalid::new(), None).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    let user = account::show(&state, &me, id).await?;
    let input = AccountChangeInput {
        display_name: form.display_name.clone(),
        phone: form.phone.clone(),
        role: form.role.clone(),
        organisation_id: form.organisation_id.clone(),
        territory_id: form.territory_id.clone(),
        disabled: form.status == "desactive",
    };
    let outcome = account::update(&state, &me, id, form.version, &input, &form.new_password).await;
    let errors = match outcome {
        Ok(user) => {
            flash(&session, format!("Le compte de {} a été enregistré.", user.display_name)).await?;
            return Ok(Redirect::to(&format!("/admin/comptes/{id}")).into_response());
        }
        Err(Failure::Invalid(errors)) => errors,
        Err(Failure::Stale) => Invalid::field(
            "version",
            "Ce compte a été modifié par quelqu'un d'autre pendant que vous le modifiiez. Vos changements n'ont pas été enregistrés : vérifiez la version actuelle ci-dessous puis recommencez.",
        ),
        Err(other) => return Err(other.into()),
    };
    // On a conflict, show the current version; otherwise keep what was typed.
    let form = if errors.message_for("version").is_some() {
        EditForm::of(&user)
    } else {
        EditForm {
            new_password: String::new(),
            ..form
        }
    };
    let body = edit_page(&state, &session, &me, user, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    valid_days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let (status, errors, secret) =
        match account::create_token(&state, &me, id, &form.name, &form.valid_days).await {
            Ok((_, secret)) => (StatusCode::OK, Invalid::new(), Some(secret)),
            Err(Failure::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            Err(other) => return Err(other.into()),
        };
    let user = account::show(&state, &me, id).await?;
    let form = EditForm::of(&user);
    // The secret is shown in this response only; it is never stored in clear.
    let body = edit_page(&state, &session, &me, user, form, errors, secret).await?;
    Ok((status, Html(body)).into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let token = account::revoke_token(&state, &me, id).await?;
    flash(
        &session,
        format!("Le jeton « {} » est révoqué.", token.name),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/comptes/{}", token.user_id)).into_response())
}

/// Ends every session of the account (lost or shared computer).
pub async fn end_sessions(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let user = account::end_sessions(&state, &me, id).await?;
    flash(
        &session,
        format!("Toutes les sessions de {} sont fermées.", user.display_name),
    )
    .await?;
    let back = if id == me.user.id {
        "/connexion".to_owned()
    } else {
        format!("/admin/comptes/{id}")
    };
    Ok(Redirect::to(&back).into_response())
}

/// A field of the change of password.
pub struct PasswordField {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    autocomplete: &'static str,
}

const PASSWORD_FIELDS: &[PasswordField] = &[
    PasswordField {
        name: "current_password",
        label: "Mot de passe actuel",
        hint: "",
        autocomplete: "current-password",
    },
    PasswordField {
        name: "new_password",
        label: "Nouveau mot de passe",
        hint: "Au moins 12 caractères. Une phrase de plusieurs mots est facile à retenir.",
        autocomplete: "new-password",
    },
    PasswordField {
        name: "confirmation",
        label: "Nouveau mot de passe, une seconde fois",
        hint: "",
        autocomplete: "new-password",
    },
];

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    temporary: bool,
    fields: &'static [PasswordField],
    errors: Invalid,
}

async fn password_page(
    session: &Session,
    me: &CurrentUser,
    errors: Invalid,
) -> Result<String, Failure> {
    let layout = Layout::new(session, me, "Changer mon mot de passe", "").await?;
    let page = PasswordPage {
        layout,
        temporary: me.user.must_change_password,
        fields: PASSWORD_FIELDS,
        errors,
    };
    page.render().map_err(template_failure)
}

pub async fn password_form(session: Session, me: CurrentUser) -> Result<Html<String>, PageError> {
    Ok(Html(password_page(&session, &me, Invalid::new()).await?))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirmation: String,
}

/// The holder's change of password; this session carries on, the others end.
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let input = PasswordChangeInput {
        current_password: form.current_password,
        new_password: form.new_password,
        confirmation: Some(form.confirmation),
    };
    match account::change_own_password(&state, &me, &input).await {
        Ok(generation) => {
            crate::auth::open_session(&session, me.user.id, generation).await?;
            flash(
                &session,
                "Votre mot de passe est changé. Vos autres sessions sont fermées.",
            )
            .await?;
            Ok(Redirect::to("/").into_response())
        }
        // Passwords are never sent back into the form.
        Err(Failure::Invalid(errors)) => {
            let body = password_page(&session, &me, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
