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

    let output = parcours()
        .args(["migrate", "--database-connections", "0"])
        .env("PARCOURS_DATABASE_URL", "postgres://x@127.0.0.1:1/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--database-connections"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
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

/// `generate caf-xml` writes next month's file about the generated
/// households; `import caf` imports it with a report, a second time changes
/// nothing, and a broken file is refused with its line and exit code 1.
#[test]
fn caf_files_are_generated_and_imported_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("parcours-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/p.db", dir.display());
    let run = |args: &[&str]| {
        let output = parcours()
            .args(args)
            .env("PARCOURS_DATABASE_URL", &url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stdout, stderr)
    };
    let (ok, _, stderr) = run(&["generate", "--people", "50"]);
    assert!(ok, "{stderr}");
    let file = dir.join("flux.xml");
    let file = file.to_str().unwrap();
    let (ok, stdout, stderr) = run(&["generate", "caf-xml", file, "--dossiers", "150"]);
    assert!(ok, "{stderr}");
    // "Flux CAF écrit dans … : K dossiers connus, N nouveaux."
    let numbers: Vec<i64> = stdout
        .rsplit(" : ")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (known, new) = (numbers[0], numbers[1]);
    assert_eq!(known + new, 150, "{stdout}");
    assert!(known > 50 && new > 0, "{stdout}");
    follows_the_cnaf_schema(file);

    let (ok, stdout, stderr) = run(&["import", "caf", file, "--json"]);
    assert!(ok, "{stderr}");
    let record: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let counts = &record["counts"];
    assert_eq!(record["status"], "done");
    assert_eq!(counts["records"], 150, "{counts}");
    assert_eq!(counts["rejected"], 0, "{record}");
    assert_eq!(counts["households_created"], new, "{counts}");
    assert!(counts["new_entrants"].as_i64().unwrap() >= new, "{counts}");
    assert!(stderr.contains("dossiers lus"), "progress: {stderr}");

    let (ok, stdout, _) = run(&["import", "caf", file]);
    assert!(ok);
    assert!(
        stdout.contains("foyers : 0 créés, 0 mis à jour"),
        "{stdout}"
    );
    assert!(
        stdout.contains("personnes : 0 créées, 0 mises à jour"),
        "{stdout}"
    );

    // The CAF's files are windows-1252.
    let text = std::fs::read(file).unwrap();
    assert!(
        text.starts_with(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<Racine>"),
        "{:?}",
        String::from_utf8_lossy(&text[..80])
    );
    let broken = dir.join("tronque.xml");
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    let (ok, _, stderr) = run(&["import", "caf", broken.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("fichier refusé, rien n'a été importé : ligne "),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The generated file validates against the CNAF's schema (`xmllint`,
/// Debian's libxml2-utils: required under CI, skipped with a message
/// elsewhere).
fn follows_the_cnaf_schema(file: &str) {
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/specs/vrsb0801.xsd");
    let output = match std::process::Command::new("xmllint")
        .args(["--noout", "--schema", schema, file])
        .output()
    {
        Ok(output) => output,
        Err(err) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "xmllint introuvable ({err}) : installez libxml2-utils ; vérification sautée."
            );
            return;
        }
        Err(err) => panic!("xmllint introuvable ({err}) : installez libxml2-utils"),
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("parcours-cli-{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_with(url: &str, args: &[&str]) -> (bool, String, String) {
    let output = parcours()
        .args(args)
        .env("PARCOURS_DATABASE_URL", url)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_refuses_a_database_that_does_not_exist() {
    let dir = scratch_dir("missing");
    let file = dir.join("absente.db");
    let url = format!("sqlite://{}", file.display());
    let (ok, _, stderr) = run_with(&url, &["serve", "--addr", "127.0.0.1:0"]);
    assert!(!ok);
    assert!(stderr.contains("n'existe pas"), "{stderr}");
    assert!(stderr.contains("parcours migrate"), "{stderr}");
    assert!(!file.exists(), "no empty database is created");
    let (ok, _, stderr) = run_with(&url, &["backup", dir.join("b").to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("n'existe pas"), "{stderr}");
}

#[test]
fn an_unwritable_data_directory_or_audit_file_is_named_at_start() {
    let dir = scratch_dir("unwritable");
    // The reads' audit file is a directory.
    std::fs::create_dir_all(dir.join("p.db.lectures")).unwrap();
    let (ok, _, stderr) = run_with(&format!("sqlite://{}/p.db", dir.display()), &["migrate"]);
    assert!(!ok);
    assert!(
        stderr.contains("journal d'audit des consultations") && stderr.contains("p.db.lectures"),
        "{stderr}"
    );
    assert!(stderr.contains("c'est un dossier"), "{stderr}");
    // The data directory's place is a file.
    let file = dir.join("fichier");
    std::fs::write(&file, "").unwrap();
    let (ok, _, stderr) = run_with(
        &format!("sqlite://{}/donnees/p.db", file.display()),
        &["migrate"],
    );
    assert!(!ok);
    assert!(stderr.contains("dossier des données"), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("n'est pas un dossier"), "{stderr}");
}

#[test]
fn an_unreachable_postgresql_is_refused_at_once_and_no_password_is_printed() {
    for url in [
        "postgres://parcours:pw-secret-42@127.0.0.1:1/parcours",
        "postgres://parcours@127.0.0.1:1/parcours?password=pw-secret-42",
        "postgresql://parcours:pw%2Dsecret%2D42@127.0.0.1:1/parcours",
        "postgres://parcours@127.0.0.1:1/parcours?pass%77ord=pw-secret-42&sslmode=disable",
    ] {
        let started = std::time::Instant::now();
        let (ok, _, stderr) = run_with(url, &["migrate"]);
        assert!(!ok);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(stderr.contains("connexion refusée"), "{stderr}");
        assert!(!stderr.contains("pw-secret-42"), "{stderr}");
        assert!(!stderr.contains("pw%2Dsecret"), "{stderr}");
        // Nor in the help, which shows the environment's values.
        let (_, stdout, _) = run_with(url, &["--help"]);
        assert!(!stdout.contains("secret"), "{stdout}");
    }
    let (ok, _, stderr) = run_with("mysql://u:pw-secret-42@h/db", &["migrate"]);
    assert!(!ok);
    assert!(!stderr.contains("pw-secret-42"), "{stderr}");
}

#[test]
fn a_sqlite_database_is_backed_up_and_restored_from_the_command_line() {
    let dir = scratch_dir("backup");
    let url = format!("sqlite://{}/p.db", dir.display());
    assert!(run_with(&url, &["migrate"]).0);
    let (ok, _, stderr) = run_with(
        &url,
        &[
            "user",
            "create",
            "--email",
            "sauve@dep.fr",
            "--name",
            "Sauve",
            "--role",
            "admin",
            "--organisation",
            "Département",
        ],
    );
    assert!(ok, "{stderr}");
    let backup = dir.join("sauvegarde");
    let (ok, stdout, stderr) = run_with(&url, &["backup", backup.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Sauvegarde écrite"), "{stdout}");
    assert!(backup.join("sauvegarde.json").is_file());

    let restored = format!("sqlite://{}/restauree/p.db", dir.display());
    let (ok, stdout, stderr) = run_with(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("restaurée"), "{stdout}");
    let (ok, stdout, _) = run_with(&restored, &["user", "list"]);
    assert!(ok && stdout.contains("sauve@dep.fr"), "{stdout}");

    let (ok, _, stderr) = run_with(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("n'est pas vide") && stderr.contains("--force"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_with(&restored, &["restore", backup.to_str().unwrap(), "--force"]);
    assert!(ok, "{stderr}");
}

#[test]
fn the_oarsa_return_is_written_from_the_command_line() {
    let dir = scratch_dir("oarsa");
    let url = format!("sqlite://{}/p.db", dir.display());
    let (ok, _, stderr) = run_with(&url, &["generate", "--people", "200"]);
    assert!(ok, "{stderr}");
    let year = time::OffsetDateTime::now_utc().year().to_string();
    let out = dir.join("oarsa");
    let (ok, stdout, stderr) = run_with(
        &url,
        &["export", "oarsa", "--year", &year, out.to_str().unwrap()],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("7 fichiers écrits"), "{stdout}");
    let t1 = std::fs::read(out.join("oarsa-t1.csv")).unwrap();
    assert!(
        t1.starts_with(b"\xEF\xBB\xBF;Total;Moins de 25 ans"),
        "{:?}",
        &t1[..40]
    );
    let t1 = String::from_utf8(t1).unwrap();
    let total: i64 = t1
        .lines()
        .find(|l| l.starts_with("Total;"))
        .and_then(|l| l.split(';').nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        total > 0,
        "the generated people are in droits et devoirs: {t1}"
    );
    for n in 2..=6 {
        assert!(out.join(format!("oarsa-t{n}.csv")).exists());
    }
    let xlsx = std::fs::read(out.join(format!("oarsa-{year}.xlsx"))).unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip: the XLSX workbook");

    let (ok, _, stderr) = run_with(
        &url,
        &["export", "oarsa", "--year", "2999", out.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(stderr.contains("année"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_fse_operations_report_is_written_from_the_command_line() {
    let dir = scratch_dir("fse");
    let url = format!("sqlite://{}/p.db", dir.display());
    let (ok, _, stderr) = run_with(&url, &["generate", "--people", "50"]);
    assert!(ok, "{stderr}");
    let out = dir.join("fse");
    let (ok, stdout, stderr) = run_with(
        &url,
        &[
            "export",
            "fse",
            "--operation",
            "202501234",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3 fichiers écrits"), "{stdout}");
    let indicators = std::fs::read(out.join("fse-indicateurs.csv")).unwrap();
    assert!(
        indicators.starts_with("\u{feff}Indicateur;Total;Femmes;Hommes;Non binaires".as_bytes()),
        "{:?}",
        String::from_utf8_lossy(&indicators[..60])
    );
    let participants =
        String::from_utf8(std::fs::read(out.join("fse-participants.csv")).unwrap()).unwrap();
    assert!(participants.contains("Date d'entrée"), "{participants}");
    assert!(std::fs::read(out.join("fse-202501234.xlsx"))
        .unwrap()
        .starts_with(b"PK"));

    for (args, word) in [
        (vec!["--operation", "999999"], "999999"),
        (
            vec!["--operation", "202501234", "--from", "hier"],
            "JJ/MM/AAAA",
        ),
    ] {
        let mut all = vec!["export", "fse"];
        all.extend(args);
        all.push(out.to_str().unwrap());
        let (ok, _, stderr) = run_with(&url, &all);
        assert!(!ok);
        assert!(stderr.contains(word), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
