//! The binary's own jobs: start-up failures and account creation from the CLI.

use std::process::Command;

fn parcours() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parcours"))
}

#[test]
fn an_unreachable_database_is_reported_clearly() {
    let output = parcours()
        .args(["migrate"])
        .env(
            "PARCOURS_DATABASE_URL",
            "postgres://parcours:secret@127.0.0.1:1/parcours?connect_timeout=2",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("impossible de joindre la base de données"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "passwords are not printed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let output = parcours()
        .args(["migrate"])
        .env("PARCOURS_DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("non reconnue"));
}

#[test]
fn accounts_can_be_created_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("parcours-cli-{}", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}/p.db", dir.display());
    let create = parcours()
        .args([
            "user",
            "create",
            "--email",
            "Chef@Dep.fr",
            "--name",
            "Chef",
            "--role",
            "admin",
            "--organisation",
            "Département",
        ])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    let stdout = String::from_utf8_lossy(&create.stdout);
    assert!(stdout.contains("Mot de passe provisoire"), "{stdout}");

    let bad = parcours()
        .args([
            "user",
            "create",
            "--email",
            "x@dep.fr",
            "--name",
            "X",
            "--role",
            "pirate",
            "--organisation",
            "Département",
        ])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Choisissez un rôle"));

    let token = parcours()
        .args(["user", "token", "--email", "chef@dep.fr", "--name", "SI"])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&token.stdout).starts_with("prc_"));
    let list = parcours()
        .args(["user", "list"])
        .env("PARCOURS_DATABASE_URL", &url)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("chef@dep.fr") && list.contains("admin") && !list.contains("x@dep.fr"),
        "{list}"
    );
    std::fs::remove_dir_all(dir).ok();
}
