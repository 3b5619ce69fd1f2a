//! A real OpenID provider for the tests: `e2e/oidc-provider.mjs`
//! (`oidc-provider` from npm), as the département's own or as ProConnect.

use super::{MANAGER, REFERENT};
use parcours_app::oidc::{OidcProvider, OidcSettings, Profile};
use serde_json::json;
use tokio::io::AsyncBufReadExt;

pub const SECRET: &str = "secret-de-test";
/// Plaine Emploi's SIRET in the demo catalogue.
pub const PLAINE_SIRET: &str = "41807652700021";

/// A provider process; killed when dropped.
pub struct Provider {
    child: tokio::process::Child,
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Whether the fixture's packages are installed (always in CI).
pub fn installed() -> bool {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let present = here.join("e2e/node_modules/oidc-provider").exists();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "oidc-provider missing: npm ci --prefix e2e"
        );
        eprintln!("oidc-provider not installed (npm ci --prefix e2e): test skipped");
    }
    present
}

/// Starts a provider whose client `parcours` returns to `base`, and whose
/// login page signs `login` in at once.
pub async fn provider(base: &str, id: &str, profile: &str, tamper: &str, login: &str) -> Provider {
    let accounts = json!({
        REFERENT: {"sub": "agent-sophie", "email": REFERENT, "email_verified": true,
                   "given_name": "Sophie", "family_name": "Référente"},
        "inconnu@calvados.fr": {"sub": "agent-inconnu", "email": "inconnu@calvados.fr", "email_verified": true},
        MANAGER: {"sub": "agent-cadre", "email": MANAGER, "email_verified": false},
        "lea.benali@plaine-emploi.fr": {"sub": "pc-lea", "email": "lea.benali@plaine-emploi.fr",
            "given_name": "Léa", "usual_name": "Benali", "siret": PLAINE_SIRET, "uid": "7", "idp_id": "fia1"},
    });
    let clients = json!([{
        "client_id": "parcours",
        "client_secret": SECRET,
        "redirect_uris": [format!("{base}/connexion/oidc/{id}/retour")],
        "post_logout_redirect_uris": [format!("{base}/connexion?au_revoir=1")],
    }]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/oidc-provider.mjs");
    let mut child = tokio::process::Command::new("node")
        .arg(script)
        .env("OIDC_CLIENTS", clients.to_string())
        .env("OIDC_ACCOUNTS", accounts.to_string())
        .env("OIDC_PROFILE", profile)
        .env("OIDC_TAMPER", tamper)
        .env("OIDC_AUTO_LOGIN", login)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider starts within 30 s")
        .unwrap()
        .expect("the provider says where it listens");
    let issuer = line.strip_prefix("listening ").unwrap().trim().to_owned();
    Provider { child, issuer }
}

pub fn settings(base: &str, id: &str, profile: Profile, issuer: &str) -> OidcSettings {
    OidcSettings::new(vec![OidcProvider {
        id: id.to_owned(),
        label: format!("Se connecter avec {id}"),
        issuer: issuer.to_owned(),
        client_id: "parcours".to_owned(),
        client_secret: SECRET.to_owned(),
        redirect_url: format!("{base}/connexion/oidc/{id}/retour"),
        scopes: match profile {
            Profile::Standard => vec!["openid".into(), "email".into(), "profile".into()],
            Profile::ProConnect => [
                "openid",
                "email",
                "given_name",
                "usual_name",
                "uid",
                "siret",
                "idp_id",
            ]
            .map(String::from)
            .to_vec(),
        },
        acr_values: match profile {
            Profile::Standard => Vec::new(),
            Profile::ProConnect => vec!["eidas1".into()],
        },
        profile,
        post_logout_url: format!("{base}/connexion?au_revoir=1"),
        auto_create: None,
    }])
}
