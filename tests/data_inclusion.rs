//! The data·inclusion v1 exchange from the command line: `parcours export
//! data-inclusion DIR` and `parcours import data-inclusion DIR`, checked
//! against data·inclusion's own pydantic models when `PARCOURS_DI_PYTHON`
//! names a Python that has them (./scripts/test sets it up; under CI a
//! missing validator is a failure).

use parcours_domain::catalogue::ActionFormat;
use parcours_domain::catalogue::{
    ActionData, ActionInput, ActionStatus, AddressInput, ContactInput, PracticalInput,
    StructureData, StructureInput,
};
use parcours_domain::eligibility::EligibilityInput;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::schedule::ScheduleInput;
use parcours_store::{Actor, Store};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use time::Date;
use uuid::Uuid;

/// A throw-away directory for databases and exchanged files.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("parcours-di-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn database(&self, name: &str) -> String {
        format!("sqlite://{}", self.path(&format!("{name}.db")).display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn parcours(database: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcours"));
    command
        .env("PARCOURS_DATABASE_URL", database)
        .env_remove("PARCOURS_DATA_INCLUSION_SOURCE");
    command
}

fn succeeds(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn fails(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        !output.status.success(),
        "{command:?} should fail\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

async fn open(database: &str) -> Store {
    let store = Store::connect(database).await.unwrap();
    store.migrate().await.unwrap();
    store
}

fn today() -> Date {
    parcours_domain::clock::today()
}

fn read_json(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Array(rows) => rows,
        other => panic!("{} is not an array: {other}", path.display()),
    }
}

fn export(database: &str, dir: &Path, source: Option<&str>) -> (Vec<Value>, Vec<Value>) {
    let mut command = parcours(database);
    command.args(["export", "data-inclusion"]).arg(dir);
    if let Some(source) = source {
        command.args(["--source", source]);
    }
    let stdout = succeeds(&mut command);
    let (structures, services) = (
        read_json(&dir.join("structures.json")),
        read_json(&dir.join("services.json")),
    );
    assert!(
        stdout.contains(&format!(
            "{} structure{}",
            structures.len(),
            if structures.len() > 1 { "s" } else { "" }
        )),
        "{stdout}"
    );
    (structures, services)
}

/// Runs scripts/validate-data-inclusion.py (data·inclusion's pydantic
/// models) on an export; a skipped validation fails under CI.
fn validate_with_official_models(dir: &Path) {
    match std::env::var_os("PARCOURS_DI_PYTHON") {
        Some(python) => {
            let output = Command::new(python)
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/scripts/validate-data-inclusion.py"
                ))
                .arg(dir)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "the export of {} is refused by data·inclusion's models:\n{stdout}{}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.contains("valides"), "{stdout}");
        }
        None if std::env::var_os("CI").is_some() => panic!(
            "PARCOURS_DI_PYTHON is not set: under CI the data·inclusion export must be validated \
             against the official models (./scripts/test installs them)"
        ),
        None => eprintln!(
            "note: PARCOURS_DI_PYTHON is not set, the export of {} is not validated against \
             data·inclusion's models (./scripts/test sets it up)",
            dir.display()
        ),
    }
}

fn actor() -> Actor {
    Actor::system("tests")
}

fn place(commune_code: &str, commune_name: &str, postal_code: &str) -> AddressInput {
    AddressInput {
        address: "3 rue des Lilas".into(),
        postal_code: postal_code.into(),
        commune_code: commune_code.into(),
        commune_name: commune_name.into(),
    }
}

async fn structure(store: &Store, name: &str, siret: &str, network: &str) -> Uuid {
    let data = StructureData::parse(&StructureInput {
        name: name.into(),
        kind: "association".into(),
        siret: siret.into(),
        description: format!("{name} accompagne les habitants du Calvados."),
        place: place("14118", "Caen", "14000"),
        contact: ContactInput {
            name: "Accueil".into(),
            phone: "02 31 00 00 00".into(),
            email: "accueil@structure.fr".into(),
        },
        website: "https://structure.fr".into(),
        network: network.into(),
    })
    .unwrap();
    store
        .create_structure(&actor(), &data, None)
        .await
        .unwrap()
        .id
}

fn schedule(frequency: &str, day: &str, week_of_month: &str) -> ScheduleInput {
    ScheduleInput {
        frequency: frequency.into(),
        weekdays: vec![day.into()],
        week_of_month: week_of_month.into(),
        starts_at: "14:00".into(),
        ends_at: "17:00".into(),
    }
}

struct Catalogue {
    structures: [Uuid; 3],
    /// Published, published, draft.
    actions: [Uuid; 3],
}

/// Three structures (the third runs nothing) and three actions, two of them published.
async fn small_catalogue(store: &Store) -> Catalogue {
    let garden = structure(
        store,
        "Association Le Jardin partagé",
        "73282932000074",
        "fcsf",
    )
    .await;
    let ccas = structure(store, "CCAS de Bayeux", "13003013300016", "ccas-cias").await;
    let idle = structure(store, "Structure sans action publiée", "35283293200011", "").await;
    let workshop = ActionInput {
        structure_id: garden.to_string(),
        name: "Atelier jardin et travaux manuels".into(),
        description: "Chaque semaine, une demi-journée de jardinage et de bricolage en groupe."
            .into(),
        family: "aps".into(),
        thematiques: vec![
            "remobilisation--lien-social".into(),
            "remobilisation--bien-etre-confiance-en-soi".into(),
        ],
        service_type: "atelier".into(),
        format: "collective".into(),
        publics: vec!["beneficiaires-des-minimas-sociaux".into()],
        eligibility: EligibilityInput {
            min_age: "18".into(),
            communes: "14118 14047".into(),
            ..EligibilityInput::default()
        },
        capacity: "12".into(),
        reception: vec!["en-presentiel".into()],
        place: place("14118", "Caen", "14000"),
        weekly_hours: "3".into(),
        duration_weeks: "12".into(),
        self_referral: true,
        starts_on: "2026-01-05".into(),
        practical: PracticalInput {
            schedule: schedule("weekly", "Tu", ""),
            contact: ContactInput {
                name: "Marie Martin".into(),
                phone: "02 31 11 22 33".into(),
                email: "jardin@association.fr".into(),
            },
            how_to_apply: "Venez le mardi à 14 h ou appelez Marie.".into(),
        },
        ..ActionInput::default()
    };
    let budget = ActionInput {
        structure_id: ccas.to_string(),
        name: "Accompagnement budgétaire".into(),
        description: "Un rendez-vous mensuel pour faire le point sur le budget du foyer.".into(),
        family: "accompagnement-social".into(),
        thematiques: vec!["difficultes-financieres--ameliorer-sa-gestion-budgetaire".into()],
        service_type: "accompagnement".into(),
        format: "individual".into(),
        reception: vec!["en-presentiel".into(), "a-distance".into()],
        place: place("14047", "Bayeux", "14400"),
        starts_on: "2026-01-08".into(),
        practical: PracticalInput {
            schedule: schedule("monthly", "Th", "2"),
            ..PracticalInput::default()
        },
        ..ActionInput::default()
    };
    let draft = ActionInput {
        name: "Atelier encore en préparation".into(),
        ..workshop.clone()
    };
    let mut actions = Vec::new();
    for (input, publish) in [(workshop, true), (budget, true), (draft, false)] {
        let data = ActionData::parse(&input).unwrap();
        let action = store
            .create_action(&actor(), &data, today(), None)
            .await
            .unwrap();
        if publish {
            store
                .set_action_status(&actor(), action.id, action.version, ActionStatus::Published)
                .await
                .unwrap();
        }
        actions.push(action.id);
    }
    Catalogue {
        structures: [garden, ccas, idle],
        actions: actions.try_into().unwrap(),
    }
}

fn no_nulls(rows: &[Value]) {
    for row in rows {
        for (key, value) in row.as_object().unwrap() {
            assert!(!value.is_null(), "{key} is null in {row}");
        }
    }
}

#[tokio::test]
async fn the_published_catalogue_is_exported_in_data_inclusion_v1() {
    let scratch = Scratch::new();
    let database = scratch.database("catalogue");
    let store = open(&database).await;
    let catalogue = small_catalogue(&store).await;
    let [garden, ccas, _] = catalogue.structures;
    let [workshop, budget, draft] = catalogue.actions;

    let dir = scratch.path("export");
    let (structures, services) = export(&database, &dir, None);
    validate_with_official_models(&dir);
    no_nulls(&structures);
    no_nulls(&services);

    let ids: Vec<&str> = structures
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [format!("parcours--{garden}"), format!("parcours--{ccas}")],
        "only the structures that run a published action"
    );
    let garden_row = &structures[0];
    assert_eq!(garden_row["source"], "parcours");
    assert_eq!(garden_row["nom"], "Association Le Jardin partagé");
    assert_eq!(garden_row["siret"], "73282932000074");
    assert_eq!(garden_row["code_insee"], "14118");
    assert_eq!(garden_row["code_postal"], "14000");
    assert_eq!(garden_row["site_web"], "https://structure.fr");
    assert_eq!(garden_row["courriel"], "accueil@structure.fr");
    assert_eq!(garden_row["reseaux_porteurs"], json!(["fcsf"]));
    assert_eq!(garden_row["date_maj"], today().to_string());

    let ids: Vec<&str> = services.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            format!("parcours--{workshop}"),
            format!("parcours--{budget}")
        ],
        "published actions only"
    );
    assert!(!ids.contains(&format!("parcours--{draft}").as_str()));
    let w = &services[0];
    assert_eq!(w["structure_id"], format!("parcours--{garden}"));
    assert_eq!(w["type"], "atelier");
    assert_eq!(
        w["thematiques"],
        json!([
            "remobilisation--lien-social",
            "remobilisation--bien-etre-confiance-en-soi"
        ])
    );
    assert_eq!(w["frais"], "gratuit");
    assert_eq!(w["publics"], json!(["beneficiaires-des-minimas-sociaux"]));
    let conditions = w["conditions_acces"].as_str().unwrap();
    assert!(
        conditions.contains("Avoir au moins 18 ans.")
            && conditions.contains("Habiter l'une de ces communes"),
        "{conditions}"
    );
    assert_eq!(w["zone_eligibilite"], json!(["14118", "14047"]));
    assert_eq!(
        w["modes_mobilisation"],
        json!(["telephoner", "envoyer-un-courriel", "se-presenter"])
    );
    assert_eq!(w["mobilisable_par"], json!(["professionnels", "usagers"]));
    assert_eq!(
        w["mobilisation_precisions"],
        "Venez le mardi à 14 h ou appelez Marie."
    );
    assert_eq!(w["contact_nom_prenom"], "Marie Martin");
    assert_eq!(w["telephone"], "02 31 11 22 33");
    assert_eq!(w["courriel"], "jardin@association.fr");
    assert_eq!(w["modes_accueil"], json!(["en-presentiel"]));
    assert_eq!(w["volume_horaire_hebdomadaire"], json!(3.0));
    assert_eq!(w["nombre_semaines"], 12);
    assert_eq!(w["horaires_accueil"], "Tu 14:00-17:00");
    let b = &services[1];
    assert_eq!(b["publics"], json!(["tous-publics"]));
    assert_eq!(b["modes_accueil"], json!(["en-presentiel", "a-distance"]));
    assert_eq!(b["horaires_accueil"], "Th[2] 14:00-17:00");
    assert_eq!(
        b["modes_mobilisation"],
        json!(["telephoner", "envoyer-un-courriel"]),
        "the structure's phone and e-mail"
    );
    assert_eq!(b["mobilisable_par"], json!(["professionnels"]));
    for absent in [
        "conditions_acces",
        "zone_eligibilite",
        "contact_nom_prenom",
        "volume_horaire_hebdomadaire",
    ] {
        assert!(b.get(absent).is_none(), "{absent}: {b}");
    }

    // The source: a flag, or PARCOURS_DATA_INCLUSION_SOURCE.
    let (structures, services) = export(&database, &scratch.path("cd14"), Some("cd14"));
    assert_eq!(structures[0]["id"], format!("cd14--{garden}"));
    assert_eq!(services[0]["source"], "cd14");
    succeeds(
        parcours(&database)
            .args(["export", "data-inclusion"])
            .arg(scratch.path("cd35"))
            .env("PARCOURS_DATA_INCLUSION_SOURCE", "cd35"),
    );
    assert_eq!(
        read_json(&scratch.path("cd35/services.json"))[1]["id"],
        format!("cd35--{budget}")
    );
}

#[tokio::test]
async fn the_demo_catalogue_is_valid_data_inclusion() {
    let scratch = Scratch::new();
    let database = scratch.database("demo");
    // `generate` loads the demo data (people and catalogue) without serving.
    succeeds(parcours(&database).args(["generate", "--people", "0"]));
    let dir = scratch.path("export");
    let (structures, services) = export(&database, &dir, Some("cd14"));
    validate_with_official_models(&dir);
    let store = open(&database).await;
    assert_eq!(
        services.len(),
        store.public_actions(today()).await.unwrap().len(),
        "every published action"
    );
    assert!(structures.len() <= store.all_structures().await.unwrap().len());
    no_nulls(&structures);
    no_nulls(&services);
}

fn write(dir: &Path, file: &str, value: &Value) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(file), serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn di_structure(id: &str, name: &str, siret: &str) -> Value {
    json!({
        "source": "cd35",
        "id": id,
        "nom": name,
        "date_maj": "2026-02-01",
        "siret": siret,
        "commune": "Rennes",
        "code_postal": "35000",
        "code_insee": "35238",
        "adresse": "12 boulevard de la Liberté",
        "telephone": "02 99 00 00 00",
        "courriel": null,
        "reseaux_porteurs": ["wimoov", "reseau-inconnu"],
        "champ_inconnu": {"ignoré": true}
    })
}

fn di_service(id: &str, structure_id: &str, thematique: &str) -> Value {
    json!({
        "source": "cd35",
        "structure_id": structure_id,
        "id": id,
        "nom": "Préparer son permis de conduire",
        "description": "Des séances de code et un accompagnement vers l'examen.",
        "date_maj": "2026-02-01",
        "type": "atelier",
        "thematiques": [thematique],
        "frais": "gratuit",
        "publics": ["tous-publics"],
        "code_insee": "35238",
        "commune": "Rennes",
        "code_postal": "35000",
        "adresse": "12 boulevard de la Liberté",
        "modes_accueil": ["en-presentiel"],
        "mobilisable_par": ["professionnels", "usagers"],
        "horaires_accueil": "We 09:00-12:00",
        "volume_horaire_hebdomadaire": 3,
        "nombre_semaines": 10
    })
}

/// (file, row, id, field) of each rejected row of a JSON report.
fn rejected(report: &Value) -> Vec<(String, u64, String, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["row"].as_u64().unwrap(),
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn valid_rows_are_imported_and_invalid_ones_listed() {
    let scratch = Scratch::new();
    let database = scratch.database("import");
    let store = open(&database).await;
    let dir = scratch.path("in");
    write(
        &dir,
        "structures.json",
        &json!([
            di_structure("cd35--s1", "Mobilité solidaire 35", "44111222333349"),
            di_structure("cd35--s2", "Épicerie solidaire de Rennes", "77500000000015"),
            di_structure("cd35--s3", "Structure au SIRET faux", "12345678901234"),
        ]),
    );
    write(
        &dir,
        "services.json",
        &json!([
            di_service("cd35--a1", "cd35--s1", "mobilite--preparer-un-permis"),
            di_service("cd35--a2", "cd35--s2", "cuisine--recettes"),
            di_service("cd35--a3", "cd35--inconnue", "mobilite--preparer-un-permis"),
            di_service("cd35--a1", "cd35--s2", "mobilite--preparer-un-permis"),
        ]),
    );
    let stdout = succeeds(
        parcours(&database)
            .args(["import", "data-inclusion"])
            .arg(&dir),
    );
    for line in [
        "structures : 2 créées, 0 mise à jour",
        "services : 1 créé (en brouillon), 0 mis à jour",
        "structures.json, ligne 3 (id cd35--s3) : champ « siret » — Le SIRET n'est pas valide",
        "services.json, ligne 2 (id cd35--a2) : champ « thematiques » — Thématique inconnue : « cuisine--recettes »",
        "services.json, ligne 3 (id cd35--a3) : champ « structure_id » — Structure inconnue",
        "services.json, ligne 4 (id cd35--a1) : champ « id » — Identifiant en double dans le fichier (déjà ligne 1)",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    assert_eq!(stdout.matches(", ligne ").count(), 4, "{stdout}");

    let s1 = store
        .structure_by_external_id("cd35--s1")
        .await
        .unwrap()
        .expect("valid structures are kept");
    assert_eq!(
        (s1.name.as_str(), s1.siret.as_str(), s1.network.as_deref()),
        ("Mobilité solidaire 35", "44111222333349", Some("wimoov"))
    );
    assert_eq!(s1.kind, OrganisationKind::Other);
    assert!(store
        .structure_by_external_id("cd35--s3")
        .await
        .unwrap()
        .is_none());
    let a1 = store
        .action_by_external_id("cd35--a1")
        .await
        .unwrap()
        .expect("the valid service is kept");
    assert_eq!(a1.structure_id, s1.id, "the first of the duplicates");
    assert_eq!(a1.status, ActionStatus::Draft, "reviewed before publishing");
    assert_eq!(a1.family.as_deref(), Some("mobilite"));
    assert_eq!(a1.format, ActionFormat::Collective);
    assert_eq!(a1.capacity, None);
    assert_eq!(a1.starts_on.to_string(), "2026-02-01");
    assert!(a1.self_referral);
    assert_eq!(a1.weekly_hours, Some(3.0));
    assert_eq!(a1.schedule.describe(), "Chaque mercredi, de 9 h à 12 h");
    for missing in ["cd35--a2", "cd35--a3"] {
        assert!(store
            .action_by_external_id(missing)
            .await
            .unwrap()
            .is_none());
    }

    // Again: everything is updated, nothing created, the same rows rejected.
    let again = succeeds(
        parcours(&database)
            .args(["import", "data-inclusion", "--json"])
            .arg(&dir),
    );
    let report: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        (
            &report["structures_created"],
            &report["structures_updated"],
            &report["services_created"],
            &report["services_updated"]
        ),
        (&json!(0), &json!(2), &json!(0), &json!(1)),
        "{report}"
    );
    let s = |file: &str, row, id: &str, field: &str| {
        (file.to_owned(), row, id.to_owned(), field.to_owned())
    };
    assert_eq!(
        rejected(&report),
        [
            s("structures.json", 3, "cd35--s3", "siret"),
            s("services.json", 2, "cd35--a2", "thematiques"),
            s("services.json", 3, "cd35--a3", "structure_id"),
            s("services.json", 4, "cd35--a1", "id"),
        ]
    );
    let a1 = store
        .action_by_external_id("cd35--a1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a1.version, a1.status), (2, ActionStatus::Draft));
    assert_eq!(store.all_structures().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_file_that_is_not_an_array_imports_nothing() {
    let scratch = Scratch::new();
    let database = scratch.database("refused");
    let store = open(&database).await;
    let dir = scratch.path("in");
    write(
        &dir,
        "structures.json",
        &json!([di_structure(
            "cd35--s1",
            "Mobilité solidaire 35",
            "44111222333349"
        )]),
    );
    write(&dir, "services.json", &json!({"id": "cd35--a1"}));
    let output = fails(
        parcours(&database)
            .args(["import", "data-inclusion"])
            .arg(&dir),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("services.json doit contenir un tableau JSON")
            && stderr.contains("rien n'a été importé"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        store.all_structures().await.unwrap().is_empty(),
        "nothing written"
    );

    std::fs::write(dir.join("services.json"), "[{").unwrap();
    let output = fails(
        parcours(&database)
            .args(["import", "data-inclusion"])
            .arg(&dir),
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("pas un JSON lisible"));

    std::fs::remove_file(dir.join("services.json")).unwrap();
    let output = fails(
        parcours(&database)
            .args(["import", "data-inclusion"])
            .arg(&dir),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fichier introuvable") && stderr.contains("services.json"),
        "{stderr}"
    );
    assert!(
        store.all_structures().await.unwrap().is_empty(),
        "nothing written"
    );
}

/// Exports `database`, imports the files into a fresh database, publishes
/// what was imported (imports are drafts) and exports again: the same rows,
/// but for `conditions_acces`, of which only the communes travel (as
/// `zone_eligibilite`).
async fn round_trip(scratch: &Scratch, database: &str, name: &str) {
    let first_dir = scratch.path(&format!("{name}-1"));
    let (structures, services) = export(database, &first_dir, Some("cd14"));
    let copy = scratch.database(&format!("{name}-copy"));
    let store = open(&copy).await;
    let report: Value = serde_json::from_str(&succeeds(
        parcours(&copy)
            .args(["import", "data-inclusion", "--json"])
            .arg(&first_dir),
    ))
    .unwrap();
    assert_eq!(report["rejected"], json!([]), "{report}");
    assert_eq!(report["structures_created"], structures.len());
    assert_eq!(report["services_created"], services.len());
    for service in &services {
        let action = store
            .action_by_external_id(service["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        store
            .set_action_status(&actor(), action.id, action.version, ActionStatus::Published)
            .await
            .unwrap();
    }
    let second_dir = scratch.path(&format!("{name}-2"));
    let (structures_again, services_again) = export(&copy, &second_dir, Some("cd14"));
    validate_with_official_models(&second_dir);
    assert_eq!(structures_again, structures);
    assert_eq!(services_again.len(), services.len());
    for (mut again, mut first) in services_again.into_iter().zip(services) {
        let conditions = first
            .as_object_mut()
            .unwrap()
            .remove("conditions_acces")
            .unwrap_or_default();
        let conditions_again = again
            .as_object_mut()
            .unwrap()
            .remove("conditions_acces")
            .unwrap_or_default();
        assert_eq!(again, first);
        // Commune names come from each database's own list of communes.
        let (conditions, conditions_again) = (
            conditions.as_str().unwrap_or_default(),
            conditions_again.as_str().unwrap_or_default(),
        );
        if first.get("zone_eligibilite").is_some() {
            assert!(conditions.contains("Habiter l'une de ces communes"));
            assert!(
                conditions_again.starts_with("Habiter l'une de ces communes"),
                "{conditions_again}"
            );
        } else {
            assert_eq!(conditions_again, "", "only the communes travel");
        }
    }
}

#[tokio::test]
async fn an_export_imported_elsewhere_exports_the_same() {
    let scratch = Scratch::new();
    let database = scratch.database("small");
    let store = open(&database).await;
    small_catalogue(&store).await;
    round_trip(&scratch, &database, "small").await;

    let demo = scratch.database("demo");
    succeeds(parcours(&demo).args(["generate", "--people", "0"]));
    round_trip(&scratch, &demo, "demo").await;
}
