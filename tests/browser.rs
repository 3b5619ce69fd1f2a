//! Main journeys in a real headless Chromium (Playwright + axe-core, in e2e/).
//! `scripts/test` installs what this needs; set PARCOURS_SKIP_BROWSER=1 to
//! skip it locally (CI never does).

mod common;

#[tokio::test]
async fn login_journey_and_accessibility_in_chromium() {
    if std::env::var("PARCOURS_SKIP_BROWSER").is_ok_and(|v| v == "1")
        && std::env::var("CI").is_err()
    {
        eprintln!("browser journey skipped (PARCOURS_SKIP_BROWSER=1)");
        return;
    }
    let e2e = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "e2e/node_modules is missing: run scripts/test (or `npm ci --prefix e2e`) first"
    );
    // The département's identity provider, its login form shown (issue 26).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = common::oidc::provider(&base, "departement", "standard", "none", "").await;
    let oidc = common::oidc::settings(
        &base,
        "departement",
        parcours_app::oidc::Profile::Standard,
        &provider.issuer,
    );
    let store = parcours_store::testing::sqlite().await.unwrap();
    let app = common::spawn_on(listener, store, Default::default(), oidc).await;
    let output = tokio::process::Command::new("node")
        .arg("run.mjs")
        .arg(&app.base)
        .env("E2E_OIDC_LABEL", "Se connecter avec departement")
        .current_dir(&e2e)
        .output()
        .await
        .expect("node is installed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser journey failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("0 failed"), "{stdout}");
}
