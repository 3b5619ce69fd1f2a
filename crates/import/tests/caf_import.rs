//! CAF XML and CSV imports on every backend: what a file creates and
//! changes, idempotence, rejected records, and files refused as a whole
//! leaving the database as it was.

use parcours_domain::caf::{CsvMapping, RawDossier, RawMotive, RawPerson, CSV_FIELDS};
use parcours_domain::nir::Nir;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{Fund, HouseholdRole, PersonData};
use parcours_import::caf_xml::{CafXml, CafXmlWriter, FileKind};
use parcours_import::{ImportError, ImportJob, Progress, Source};
use parcours_store::import::ImportRecord;
use parcours_store::{testing, Actor, Store};
use time::macros::date;
use time::Date;

const FILE_DATE: Date = date!(2026 - 11 - 01);
const TODAY: Date = date!(2026 - 11 - 23);

async fn stores() -> Vec<Store> {
    let mut stores = testing::all().await;
    for store in &mut stores {
        let actor = Actor::system("test");
        store
            .create_organisation(
                &actor,
                "Département — insertion",
                OrganisationKind::DepartmentService,
                None,
            )
            .await
            .unwrap();
        store
            .upsert_commune("14118", "Caen", "14000", None)
            .await
            .unwrap();
    }
    stores
}

fn nir(sex: u8, i: usize) -> String {
    Nir::parse(&format!(
        "{sex}8005141{:02}{:03}",
        i / 999 % 100,
        i % 999 + 1
    ))
    .unwrap()
    .as_str()
    .to_owned()
}

/// Dossier `i`: a requester subject to droits et devoirs, and a child.
fn dossier(i: usize) -> RawDossier {
    RawDossier {
        line: 0,
        rsa_number: format!("14{i:09}"),
        caf_number: format!("{:07}", 1_000_000 + i),
        rsa_state: "2".into(),
        rsa_state_on: "2026-10-01".into(),
        address: format!("{i} rue de la Paix"),
        commune_code: "14118".into(),
        persons: vec![
            RawPerson {
                role: "DEM".into(),
                last_name: "Durand".into(),
                first_names: format!("Éloïse{i}"),
                birth_date: "1980-05-12".into(),
                sex: "2".into(),
                nir: nir(2, i),
                subject_to_duties: "1".into(),
                ..RawPerson::default()
            },
            RawPerson {
                role: "ENF".into(),
                last_name: "Durand".into(),
                first_names: "Léo".into(),
                birth_date: "2015-01-01".into(),
                sex: "1".into(),
                subject_to_duties: "0".into(),
                ..RawPerson::default()
            },
        ],
        ..RawDossier::default()
    }
}

fn xml(dossiers: &[RawDossier]) -> Vec<u8> {
    let mut writer =
        CafXmlWriter::new(Vec::new(), FileKind::Beneficiaries, FILE_DATE, Fund::Caf).unwrap();
    for d in dossiers {
        writer.dossier(d).unwrap();
    }
    writer.finish().unwrap()
}

fn job(store: &Store, total_bytes: Option<u64>) -> ImportJob<'_> {
    ImportJob {
        store,
        actor: &ACTOR,
        file_name: "flux.xml",
        total_bytes,
        today: TODAY,
        row: None,
    }
}

static ACTOR: std::sync::LazyLock<Actor> = std::sync::LazyLock::new(|| Actor::system("test"));

async fn import(store: &Store, bytes: &[u8]) -> Result<ImportRecord, ImportError> {
    let total = bytes.len() as u64;
    job(store, Some(total))
        .caf_xml(std::io::Cursor::new(bytes.to_vec()), |_| {})
        .await
}

#[tokio::test]
async fn a_file_creates_households_and_new_entrants_with_their_clock() {
    for store in stores().await {
        let dossiers: Vec<_> = (0..2_500).map(dossier).collect();
        let mut seen = Vec::<Progress>::new();
        let bytes = xml(&dossiers);
        let record = job(&store, Some(bytes.len() as u64))
            .caf_xml(std::io::Cursor::new(bytes.clone()), |p| seen.push(p))
            .await
            .unwrap();
        assert_eq!(record.status, "done");
        assert_eq!(record.kind, "caf_beneficiaires");
        assert_eq!(record.counts.records, 2_500);
        assert_eq!(record.counts.households_created, 2_500);
        assert_eq!(record.counts.persons_created, 2_500, "children left out");
        assert_eq!(record.counts.new_entrants, 2_500);
        assert_eq!(record.counts.rejected, 0);
        assert!(seen.len() >= 2, "progress after each chunk and at the end");
        assert_eq!(seen.last().unwrap().percent(), Some(100));

        let person = store.person_by_nir(&nir(2, 7)).await.unwrap().unwrap();
        assert_eq!(person.first_names, "Éloïse7");
        assert!(person.subject_to_duties);
        assert_eq!(person.duties_since, Some(FILE_DATE));
        let clocks = store.person_clocks(person.id).await.unwrap();
        assert_eq!(clocks.len(), 1, "the orientation clock runs: {clocks:?}");
        assert_eq!(clocks[0].started_on, FILE_DATE);
        assert_eq!(store.person_revisions(person.id).await.unwrap().len(), 1);
        let entrants = store
            .import_changes(record.id, Some("new_entrant"), 10)
            .await
            .unwrap();
        assert_eq!(entrants.len(), 10);
        assert!(entrants[0].detail.contains("01/11/2026"));
        for table in ["persons", "person_name_tokens", "households"] {
            assert!(
                testing::analyzed(&store, table).await.unwrap(),
                "{table}: statistics refreshed after the import ({:?})",
                store.backend()
            );
        }
    }
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    for store in stores().await {
        let bytes = xml(&(0..50).map(dossier).collect::<Vec<_>>());
        import(&store, &bytes).await.unwrap();
        let persons = store.count_persons().await.unwrap();
        let again = import(&store, &bytes).await.unwrap();
        assert_eq!(again.counts.records, 50);
        assert_eq!(
            (
                again.counts.households_created,
                again.counts.households_updated,
                again.counts.persons_created,
                again.counts.persons_updated,
                again.counts.new_entrants
            ),
            (0, 0, 0, 0, 0)
        );
        assert_eq!(store.count_persons().await.unwrap(), persons);
        let person = store.person_by_nir(&nir(2, 3)).await.unwrap().unwrap();
        assert_eq!(person.version, 1);
    }
}

#[tokio::test]
async fn changes_of_state_duties_identity_and_household_are_recorded() {
    for store in stores().await {
        let mut first: Vec<_> = (0..4).map(dossier).collect();
        first[1].persons[0].subject_to_duties = "0".into();
        import(&store, &xml(&first)).await.unwrap();
        let entering = store.person_by_nir(&nir(2, 1)).await.unwrap().unwrap();
        assert!(!entering.subject_to_duties);
        assert!(store.person_clocks(entering.id).await.unwrap().is_empty());

        let mut next: Vec<_> = (0..4).map(dossier).collect();
        next[0].rsa_state = "5".into();
        next[0].rsa_state_on = "2026-10-31".into();
        next[2].persons[0].subject_to_duties = "0".into();
        next[3].persons[0].last_name = "Durand-Martin".into();
        // Dossier 4 is new and takes in dossier 3's requester as partner.
        let mut moved = next[3].persons[0].clone();
        moved.role = "CJT".into();
        let mut fourth = dossier(4);
        fourth.persons.push(moved);
        next.remove(3);
        next.push(fourth);
        let record = import(&store, &xml(&next)).await.unwrap();
        assert_eq!(record.counts.households_created, 1);
        assert_eq!(record.counts.households_updated, 1);
        assert_eq!(record.counts.persons_created, 1);
        assert_eq!(record.counts.persons_updated, 3);
        assert_eq!(
            record.counts.new_entrants, 2,
            "dossier 1's requester and dossier 4's"
        );

        let entered = store.person(entering.id).await.unwrap();
        assert!(entered.subject_to_duties);
        assert_eq!(entered.duties_since, Some(FILE_DATE));
        assert_eq!(store.person_clocks(entered.id).await.unwrap().len(), 1);
        let left = store.person_by_nir(&nir(2, 2)).await.unwrap().unwrap();
        assert!(!left.subject_to_duties);
        assert!(store.person_clocks(left.id).await.unwrap().is_empty());
        let moved = store.person_by_nir(&nir(2, 3)).await.unwrap().unwrap();
        let household = store.household(moved.household_id.unwrap()).await.unwrap();
        assert_eq!(household.rsa_number, "14000000004");
        assert_eq!(moved.household_role, HouseholdRole::Partner);
        assert_eq!(moved.last_name, "Durand-Martin");
        assert_eq!(store.person_revisions(moved.id).await.unwrap().len(), 2);
        let closed = store
            .household_by_rsa_number("14000000000")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.rsa_state, 5);

        let kinds: Vec<String> = store
            .import_changes(record.id, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.kind)
            .collect();
        for kind in [
            "rsa_state",
            "new_entrant",
            "left_duties",
            "identity",
            "household_moved",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
        }
        let history = store.person_import_changes(moved.id).await.unwrap();
        assert!(history.iter().any(|c| c.kind == "household_moved"));
    }
}

#[tokio::test]
async fn the_cases_facts_are_kept_and_their_changes_reported() {
    for store in stores().await {
        let mut file = dossier(1);
        file.request_date = "2026-09-02".into();
        file.family_situation = "MAR".into();
        file.family_situation_on = "2012-05-05".into();
        import(&store, &xml(&[file.clone()])).await.unwrap();
        let again = import(&store, &xml(&[file.clone()])).await.unwrap();
        assert_eq!(again.counts.households_updated, 0, "{:?}", again.report);

        file.family_situation = "SEF".into();
        file.family_situation_on = "2026-10-03".into();
        file.homeless = "1".into();
        file.rsa_state = "4".into();
        file.payment_suspension = parcours_domain::caf::RawMotive {
            reason: "06".into(),
            on: "2026-10-20".into(),
        };
        let record = import(&store, &xml(&[file.clone()])).await.unwrap();
        assert_eq!(record.counts.households_updated, 1);
        let details: Vec<String> = store
            .import_changes(record.id, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.detail)
            .collect();
        assert_eq!(
            details,
            [
                "État du droit : Droit ouvert et versable → Droit ouvert, versement suspendu \
              (au 20/10/2026), motif : Déclaration trimestrielle de ressources non fournie (06)"
            ],
        );
        let household = store
            .household_by_rsa_number("14000000001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (household.family_situation.as_deref(), household.homeless),
            (Some("SEF"), true)
        );
        assert_eq!(household.rsa_requested_on, Some(date!(2026 - 09 - 02)));

        // A CSV export without these columns (nor the state, the numéro
        // allocataire, the address): what the CAF said stays.
        let csv = format!(
            "N° dossier;Nom;Prénom;Né le;Sexe;NIR;Rôle;Commune\n\
             14000000001;Durand;Éloïse1;12/05/1980;F;{};DEM;14118\n",
            nir(2, 1)
        );
        let record = job(&store, None)
            .csv(std::io::Cursor::new(csv.into_bytes()), &mapping(), |_| {})
            .await
            .unwrap();
        assert_eq!(record.counts.households_updated, 0, "{:?}", record.report);
        assert_eq!(record.counts.persons_updated, 0, "{:?}", record.report);
        let kept = store.household(household.id).await.unwrap();
        assert_eq!(
            (kept.rsa_state, kept.caf_number.as_deref()),
            (4, Some("1000001"))
        );
        assert_eq!(
            (
                kept.family_situation.as_deref(),
                kept.homeless,
                kept.rsa_state_reason.as_deref()
            ),
            (Some("SEF"), true, Some("06"))
        );

        // A known fact that changes alone is reported in French.
        file.family_situation = "VIM".into();
        let record = import(&store, &xml(&[file])).await.unwrap();
        let changes = store.import_changes(record.id, None, 10).await.unwrap();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            changes[0].detail,
            "Situation de famille : Séparation de fait (SEF) → Vie maritale (VIM) (au 03/10/2026)"
        );
    }
}

/// The form's data of a stored file, entering droits et devoirs on `since`.
fn entering(person: &parcours_store::person::Person, since: Date) -> PersonData {
    PersonData {
        household_role: person.household_role,
        last_name: person.last_name.clone(),
        first_names: person.first_names.clone(),
        birth_name: person.birth_name.clone(),
        birth_date: person.birth_date,
        sex: person.sex,
        nir: person.nir.as_deref().map(|n| Nir::parse(n).unwrap()),
        email: person.email.clone(),
        phone: person.phone.clone(),
        address: person.address.clone(),
        commune_code: person.commune_code.clone(),
        subject_to_duties: true,
        duties_since: Some(since),
        single_parent: person.single_parent,
        other_minimum_income: person.other_minimum_income,
        rqth: person.rqth,
    }
}

#[tokio::test]
async fn an_entrant_through_a_file_gets_the_clocks_of_one_through_the_form() {
    for store in stores().await {
        let mut first: Vec<_> = (0..3).map(dossier).collect();
        for d in &mut first[..2] {
            d.persons[0].subject_to_duties = "0".into();
        }
        import(&store, &xml(&first)).await.unwrap();
        let mut next = first.clone();
        next[0].persons[0].subject_to_duties = "1".into();
        import(&store, &xml(&next)).await.unwrap();

        let by_file = store.person_by_nir(&nir(2, 0)).await.unwrap().unwrap();
        let by_form = store.person_by_nir(&nir(2, 1)).await.unwrap().unwrap();
        store
            .update_person(
                &ACTOR,
                by_form.id,
                by_form.version,
                &entering(&by_form, FILE_DATE),
            )
            .await
            .unwrap();
        let clocks = |clocks: Vec<parcours_store::deadline::StoredClock>| {
            clocks
                .into_iter()
                .map(|c| (c.kind, c.started_on, c.due_on, c.met_on))
                .collect::<Vec<_>>()
        };
        let file_clocks = clocks(store.person_clocks(by_file.id).await.unwrap());
        assert!(!file_clocks.is_empty());
        assert_eq!(
            file_clocks,
            clocks(store.person_clocks(by_form.id).await.unwrap())
        );
        // And the same as a file entering droits et devoirs from the start.
        let new = store.person_by_nir(&nir(2, 2)).await.unwrap().unwrap();
        assert_eq!(
            file_clocks,
            clocks(store.person_clocks(new.id).await.unwrap())
        );
    }
}

#[tokio::test]
async fn invalid_and_duplicated_records_are_reported_and_the_rest_imported() {
    for store in stores().await {
        let mut dossiers: Vec<_> = (0..6).map(dossier).collect();
        let mut wrong_key = nir(2, 1);
        wrong_key.replace_range(13.., "00");
        dossiers[1].persons[0].nir = wrong_key;
        dossiers[2].rsa_state = "9".into();
        dossiers[3].rsa_number = dossiers[0].rsa_number.clone();
        dossiers[4].persons[0].nir = dossiers[5].persons[0].nir.clone();
        let record = import(&store, &xml(&dossiers)).await.unwrap();
        assert_eq!(record.counts.records, 6);
        assert_eq!(record.counts.persons_created, 2, "dossiers 0 and 4");
        assert_eq!(record.counts.rejected, 4);
        let reasons: Vec<_> = record
            .report
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert!(reasons[0].1.contains("NIR"), "{reasons:?}");
        assert!(reasons[1].1.starts_with("ETATDOSRSA"), "{reasons:?}");
        assert!(reasons[2].1.contains("Dossier en double"), "{reasons:?}");
        assert!(
            reasons[3].1.contains("NIR déjà présent ligne"),
            "{reasons:?}"
        );
        assert!(reasons.iter().all(|(line, _)| *line > 5), "{reasons:?}");
        assert!(reasons.windows(2).all(|w| w[0].0 < w[1].0), "in file order");
    }
}

async fn refused(store: &Store, bytes: &[u8]) -> String {
    let before = store.count_persons().await.unwrap();
    let error = match import(store, bytes).await {
        Err(ImportError::File { error, record }) => {
            assert_eq!(record.status, "failed");
            assert_eq!(
                record.report.error.as_deref(),
                Some(error.to_string().as_str())
            );
            error.to_string()
        }
        other => panic!("refused file: {other:?}"),
    };
    assert_eq!(store.count_persons().await.unwrap(), before, "{error}");
    error
}

#[tokio::test]
async fn broken_files_are_refused_whole_with_the_line() {
    for store in stores().await {
        let dossiers: Vec<_> = (0..3_000).map(dossier).collect();
        let mut truncated = xml(&dossiers);
        truncated.truncate(truncated.len() - 400);
        let error = refused(&store, &truncated).await;
        assert!(error.contains("tronqué"), "{error}");
        let mut cut_between_tags = xml(&dossiers[..2]);
        cut_between_tags.truncate(cut_between_tags.len() - "</Racine>\n".len());
        let error = refused(&store, &cut_between_tags).await;
        assert!(
            error.contains("Fichier tronqué : la balise <Racine>"),
            "{error}"
        );
        assert!(error.starts_with("ligne "), "{error}");
        assert!(
            store
                .household_by_rsa_number("14000000000")
                .await
                .unwrap()
                .is_none(),
            "the chunks applied before the break are rolled back"
        );

        // A windows-1252 file declared UTF-8.
        let latin1 = replace(&xml(&dossiers[..2]), "windows-1252", "UTF-8");
        let at = latin1.windows(3).position(|w| w == b"\xc9lo").unwrap();
        let error = refused(&store, &latin1).await;
        assert!(error.contains("Encodage invalide"), "{error}");
        let line = 1 + latin1[..at].iter().filter(|b| **b == b'\n').count();
        assert!(error.starts_with(&format!("ligne {line} ")), "{error}");

        let error = refused(&store, b"NUMDEMRSA;NOM\n14000000001;Durand\n").await;
        assert!(error.contains("n'est pas un fichier XML"), "{error}");
        let recueil = replace(&xml(&dossiers[..1]), "<NATFLUX>D<", "<NATFLUX>R<");
        let error = refused(&store, &recueil).await;
        assert!(error.contains("nouveau recueil"), "{error}");
        let mismatched = replace(&xml(&dossiers[..1]), "</NOM>", "</PRENOM>");
        let error = refused(&store, &mismatched).await;
        assert!(error.contains("mal formé"), "{error}");

        let imports = store.imports(10).await.unwrap();
        assert_eq!(imports.len(), 6);
        assert!(imports.iter().all(|i| i.status == "failed"));

        // The old invented flow types are refused by name.
        let weekly = replace(&xml(&dossiers[..1]), "<TYPEFLUX>M<", "<TYPEFLUX>B<");
        let error = refused(&store, &weekly).await;
        assert!(error.contains("Fréquence de flux inconnue"), "{error}");
    }
}

/// `bytes` (a windows-1252 file) with `from` replaced by `to` (ASCII).
fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from} not in the file"));
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from.len()..]);
    out
}

#[tokio::test]
async fn latin_files_and_unknown_elements_are_read() {
    for store in stores().await {
        let bytes = replace(&xml(&[dossier(1)]), "windows-1252", "ISO-8859-1");
        let bytes = replace(
            &bytes,
            "<Personne>",
            "<Personne><Inconnu><Profond>x</Profond></Inconnu>",
        );
        let record = import(&store, &bytes).await.unwrap();
        assert_eq!(record.counts.persons_created, 1, "{record:?}");
        let person = store.person_by_nir(&nir(2, 1)).await.unwrap().unwrap();
        assert_eq!(person.first_names, "Éloïse1");
    }
}

fn mapping() -> CsvMapping {
    let headers = [
        ("rsa_number", "N° dossier"),
        ("last_name", "Nom"),
        ("first_names", "Prénom"),
        ("birth_date", "Né le"),
        ("sex", "Sexe"),
        ("nir", "NIR"),
        ("role", "Rôle"),
        ("commune_code", "Commune"),
    ];
    CsvMapping::parse(CsvMapping {
        name: "Export SOLIS".into(),
        delimiter: ";".into(),
        columns: headers
            .iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect(),
    })
    .unwrap()
}

#[tokio::test]
async fn csv_files_go_through_the_mapping_and_the_same_rules() {
    assert!(CSV_FIELDS.iter().any(|(code, _, _)| *code == "nir"));
    for store in stores().await {
        let csv = format!(
            "N° dossier;Nom;Prénom;Né le;Sexe;NIR;Rôle;Commune;Autre\n\
             14000000001;Durand;Éloïse;12/05/1980;F;{};DEM;14118;x\n\
             14000000001;Durand;Marc;01/02/1979;M;;CJT;14118;x\n\
             14000000002;Petit;Ana;31/02/1990;F;;DEM;14118;x\n",
            nir(2, 1)
        );
        let record = job(&store, None)
            .csv(
                std::io::Cursor::new(csv.as_bytes().to_vec()),
                &mapping(),
                |_| {},
            )
            .await
            .unwrap();
        assert_eq!(record.kind, "csv");
        assert_eq!(record.counts.records, 2, "two dossiers");
        assert_eq!(record.counts.households_created, 1);
        assert_eq!(record.counts.persons_created, 2, "a couple");
        assert_eq!(record.counts.rejected, 1);
        assert_eq!(record.report.rejected[0].line, 4);
        assert!(record.report.rejected[0].reason.contains("DTNAI"));

        let missing = "N° dossier;Nom;Prénom;Sexe\n14000000003;Petit;Ana;F\n";
        match job(&store, None)
            .csv(
                std::io::Cursor::new(missing.as_bytes().to_vec()),
                &mapping(),
                |_| {},
            )
            .await
        {
            Err(ImportError::File { error, .. }) => {
                assert_eq!(error.line, Some(1));
                assert!(error.message.contains("« Né le »"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A monthly flux bénéficiaires written by us after the CNAF's schema
/// (windows-1252): a couple with a child whose `Rattachement` carries the
/// parents' identity, payment suspended; a homeless new entrant; a closed
/// case whose previous address comes first. It validates against
/// `docs/specs/vrsb0801.xsd`.
const MONTHLY: &[u8] = include_bytes!("fixtures/flux-beneficiaires-mensuel.xml");
/// The same file breaking the schema's limits: a NOM of 29 characters in
/// the first dossier, a postcode with a letter in the third.
const OFF_LIMITS: &[u8] = include_bytes!("fixtures/flux-beneficiaires-hors-limites.xml");

#[test]
fn the_reader_takes_each_field_from_its_path() {
    let mut reader = CafXml::new(std::io::Cursor::new(MONTHLY), TODAY);
    let header = reader.header().unwrap();
    assert_eq!(header.kind, FileKind::Beneficiaries);
    assert_eq!(header.fund, Fund::Caf);
    assert_eq!(header.date, date!(2026 - 10 - 03));

    let couple = reader.next_dossier().unwrap().unwrap();
    assert!(
        couple.schema_errors.is_empty(),
        "{:?}",
        couple.schema_errors
    );
    assert_eq!(couple.caf_number, "041234500000000", "kept whole");
    assert_eq!(couple.fund, "CAF");
    assert_eq!(couple.request_date, "2024-01-15");
    assert_eq!(
        (
            couple.family_situation.as_str(),
            couple.family_situation_on.as_str()
        ),
        ("MAR", "2015-06-20")
    );
    let roles: Vec<_> = couple.persons.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(
        roles,
        ["CJT", "DEM", "ENF"],
        "the RSA block's role, not the PFA's"
    );
    let child = &couple.persons[2];
    assert_eq!(
        (
            child.first_names.as_str(),
            child.birth_date.as_str(),
            child.nir.as_str()
        ),
        ("NOÉ", "2018-11-23", ""),
        "the Rattachement's parents do not overwrite the child"
    );
    assert_eq!(couple.persons[0].subject_to_duties, "1");
    assert_eq!(couple.persons[0].new_entrant, "0");
    assert_eq!(
        child.subject_to_duties, "",
        "no MontantCalculDroitRSAPersonne"
    );
    assert_eq!(
        couple.address_parts.one_line(),
        "BÂTIMENT C, APPARTEMENT 24, 12 BIS AVENUE DU SACRÉ-CŒUR, 14000 CAEN",
        "the current address (RGADR 01), not the previous one"
    );
    assert_eq!(couple.commune_code, "14118");
    assert_eq!(couple.rsa_state, "4");
    assert_eq!(
        couple.payment_suspension,
        RawMotive {
            reason: "06".into(),
            on: "2026-09-01".into()
        }
    );
    assert_eq!(couple.homeless, "0");

    let homeless = reader.next_dossier().unwrap().unwrap();
    assert_eq!(homeless.homeless, "1");
    assert_eq!(homeless.persons[0].first_names, "FRANÇOIS");
    assert_eq!(homeless.persons[0].new_entrant, "1");
    assert_eq!(
        homeless.address_parts.one_line(),
        "CCAS - ÉLECTION DE DOMICILE, 1 PLACE SAINT-SAUVEUR, 14000 CAEN",
        "the élection de domicile, not the previous address abroad"
    );

    let closed = reader.next_dossier().unwrap().unwrap();
    assert_eq!(
        closed.persons[0].last_name, "LŒWY",
        "windows-1252, not Latin-1"
    );
    assert_eq!(closed.rsa_state, "5");
    assert_eq!(
        closed.closure,
        RawMotive {
            reason: "RFD".into(),
            on: "2026-08-31".into()
        }
    );
    assert_eq!(
        (
            closed.address_parts.one_line().as_str(),
            closed.commune_code.as_str()
        ),
        ("4 RUE DU MARCHÉ, LE HAMEAU, 14400 BAYEUX", "14047"),
        "the current address by its rank, though it comes second"
    );
    assert!(reader.next_dossier().unwrap().is_none());
}

#[test]
fn the_msa_and_the_instruction_files_are_told_apart() {
    // An MSA file: Agora writes it, each dossier names the MSA.
    let msa = replace(MONTHLY, "<APPLIEME>CRI<", "<APPLIEME>AGO<");
    let msa = replace(&msa, "<FONORG>CAF<", "<FONORG>MSA<");
    let mut reader = CafXml::new(std::io::Cursor::new(msa), TODAY);
    assert_eq!(reader.header().unwrap().fund, Fund::Msa);
    let dossier = reader.next_dossier().unwrap().unwrap();
    assert_eq!(dossier.fund, "MSA");
    let valid = parcours_domain::caf::validate(&dossier, Fund::Caf, FILE_DATE).unwrap();
    assert_eq!(
        valid.household.fund,
        Fund::Msa,
        "the dossier's FONORG decides"
    );
    // The flux instruction: NATFLUX I, its dossiers are InfoDemandeRSA.
    let text = String::from_utf8_lossy(MONTHLY)
        .replace("<NATFLUX>D<", "<NATFLUX>I<")
        .replace("InfosFoyerRSA>", "InfoDemandeRSA>");
    let mut reader = CafXml::new(std::io::Cursor::new(text.into_bytes()), TODAY);
    assert_eq!(reader.header().unwrap().kind, FileKind::Instruction);
    let dossier = reader.next_dossier().unwrap().unwrap();
    assert_eq!(dossier.rsa_number, "14024015001");
}

#[tokio::test]
async fn the_cafs_monthly_file_is_imported_and_reimported_unchanged() {
    for store in stores().await {
        store
            .upsert_commune("14047", "Bayeux", "14400", None)
            .await
            .unwrap();
        // The couple's household, known with its 7-digit numéro allocataire.
        let known = replace(MONTHLY, "041234500000000", "0412345");
        let first = import(&store, &known).await.unwrap();
        assert_eq!(first.counts.rejected, 0, "{:?}", first.report);
        assert_eq!(first.counts.persons_created, 4, "children left out");
        // The couple was there before (TOPPERSENTDRODEVORSA 0): no new entrants.
        assert_eq!(first.counts.new_entrants, 2);

        let record = import(&store, MONTHLY).await.unwrap();
        assert_eq!(record.counts.records, 3);
        assert_eq!(record.counts.households_updated, 0, "{:?}", record.report);
        assert_eq!(record.counts.persons_updated, 0, "{:?}", record.report);

        let couple = store
            .household_by_rsa_number("14024015001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(couple.caf_number.as_deref(), Some("0412345"), "recognised");
        assert_eq!(
            (couple.rsa_state, couple.rsa_state_on),
            (4, Some(date!(2026 - 09 - 01)))
        );
        let closed = store
            .household_by_rsa_number("14021003002")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.caf_number.as_deref(), Some("300111200000000"));
        assert_eq!(
            (closed.rsa_state, closed.rsa_state_on),
            (5, Some(date!(2026 - 08 - 31)))
        );

        // What the files say beyond the state, codes as the CAF writes them.
        let facts = |h: &parcours_store::person::Household| {
            (
                h.rsa_requested_on,
                h.family_situation.clone(),
                h.family_situation_on,
                h.homeless,
                h.rsa_state_reason.clone(),
            )
        };
        assert_eq!(
            facts(&couple),
            (
                Some(date!(2024 - 01 - 15)),
                Some("MAR".into()),
                Some(date!(2015 - 06 - 20)),
                false,
                Some("06".into())
            )
        );
        assert_eq!(
            (
                closed.family_situation.as_deref(),
                closed.rsa_state_reason.as_deref()
            ),
            (Some("DIV"), Some("RFD"))
        );
        let homeless = store
            .household_by_rsa_number("14026251002")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            facts(&homeless),
            (
                Some(date!(2026 - 09 - 08)),
                Some("CEL".into()),
                Some(date!(2010 - 07 - 14)),
                true,
                None
            )
        );

        // The CAF writes the NIR without its key: parcours computes it.
        let karim = store
            .person_by_nir(&full("1850314118042"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(karim.household_role, HouseholdRole::Requester);
        assert_eq!(
            karim.address.as_deref(),
            Some("BÂTIMENT C, APPARTEMENT 24, 12 BIS AVENUE DU SACRÉ-CŒUR, 14000 CAEN")
        );
        assert_eq!(karim.commune_code.as_deref(), Some("14118"));
        let helene = store
            .person_by_nir(&full("2870614366017"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(helene.household_role, HouseholdRole::Partner);
        assert_eq!(helene.first_names, "HÉLÈNE");
        let zoe = store
            .person_by_nir(&full("2750214047011"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(zoe.last_name, "LŒWY");
        assert_eq!(zoe.commune_code.as_deref(), Some("14047"));
    }
}

#[tokio::test]
async fn a_dossier_breaking_the_schemas_limits_is_rejected_with_its_line() {
    for store in stores().await {
        let record = import(&store, OFF_LIMITS).await.unwrap();
        assert_eq!(record.counts.records, 3);
        assert_eq!(record.counts.rejected, 2, "{:?}", record.report);
        assert_eq!(record.counts.households_created, 1, "only the valid one");
        let rejected = &record.report.rejected;
        assert_eq!(rejected[0].line, 64, "{rejected:?}");
        assert_eq!(
            rejected[0].reason,
            "NOM : 29 caractères, 28 au plus selon le schéma de la CNAF."
        );
        assert_eq!(rejected[1].line, 399, "{rejected:?}");
        assert!(
            rejected[1]
                .reason
                .starts_with("CODEPOS : « 14A00 » n'est pas un nombre"),
            "{rejected:?}"
        );
        assert!(store
            .person_by_nir("1850314118042")
            .await
            .unwrap()
            .is_none());
        assert!(store
            .household_by_rsa_number("14021003002")
            .await
            .unwrap()
            .is_none());

        // A street name of 100 000 characters: the dossier is rejected, the
        // text was never held whole.
        let long = replace(
            MONTHLY,
            "<NOMVOIE>DU SACR",
            &format!("<NOMVOIE>{}", "A".repeat(100_000)),
        );
        let record = import(&store, &long).await.unwrap();
        assert!(
            record.report.rejected[0]
                .reason
                .starts_with("NOMVOIE : plus de 128 caractères"),
            "{:?}",
            record.report
        );
        // A text of 2 MB without a tag is no CAF file.
        let huge = replace(
            MONTHLY,
            "<NOMVOIE>DU SACR",
            &format!("<NOMVOIE>{}", "A".repeat(2 << 20)),
        );
        let error = refused(&store, &huge).await;
        assert!(error.contains("sans balise"), "{error}");
    }
}

#[test]
fn the_files_written_follow_the_cnafs_schema() {
    let mut dossiers: Vec<_> = (0..3).map(dossier).collect();
    dossiers[0].persons[0].last_name = "CŒUR-DE-LION".into();
    dossiers[1].rsa_state = "5".into();
    dossiers[1].closure = RawMotive {
        reason: "RFD".into(),
        on: "2026-10-20".into(),
    };
    dossiers[2].caf_number = "100000200000000".into();
    let dir = std::env::temp_dir().join(format!("parcours-caf-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("flux.xml");
    std::fs::write(&file, xml(&dossiers)).unwrap();
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/specs/vrsb0801.xsd");
    for path in [
        file.as_path(),
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/flux-beneficiaires-mensuel.xml"
        )),
    ] {
        let output = match std::process::Command::new("xmllint")
            .args(["--noout", "--schema", schema])
            .arg(path)
            .output()
        {
            Ok(output) => output,
            Err(err) if std::env::var_os("CI").is_none() => {
                eprintln!("xmllint introuvable ({err}) : installez libxml2-utils ; test sauté.");
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
    std::fs::remove_dir_all(&dir).ok();
}

const INSTRUCTION: &[u8] = include_bytes!("fixtures/flux-instruction.xml");

/// The NIR of 13 characters with its key, as stored.
fn full(body: &str) -> String {
    Nir::parse(body).unwrap().as_str().to_owned()
}

#[tokio::test]
async fn the_flux_instruction_brings_applications_contacts_and_declared_situations() {
    use parcours_domain::declared_situation::DeclaredSituation;
    for store in stores().await {
        import(&store, MONTHLY).await.unwrap();
        let karim_nir = &full("1850314118042");
        let karim_before = store.person_by_nir(karim_nir).await.unwrap().unwrap();
        assert!(karim_before.subject_to_duties);

        let record = import(&store, INSTRUCTION).await.unwrap();
        assert_eq!(record.kind, "caf_instruction");
        assert_eq!(record.counts.rejected, 0, "{:?}", record.report);
        assert_eq!(record.counts.households_created, 1);
        assert_eq!(record.counts.persons_created, 2, "the child left out");
        assert_eq!(
            record.counts.new_entrants, 0,
            "an application is not yet droits et devoirs"
        );
        assert_eq!(record.counts.persons_updated, 1, "Karim's e-mail");

        // The application: awaiting its decision, its flat address read.
        let new = store
            .household_by_rsa_number("14026100077")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.rsa_state, 0, "nouvelle demande en attente de décision");
        assert_eq!(new.rsa_requested_on, Some(date!(2026 - 10 - 14)));
        let jerome = store
            .person_by_nir(&full("1900414118042"))
            .await
            .unwrap()
            .unwrap();
        assert!(!jerome.subject_to_duties);
        assert_eq!(
            jerome.address.as_deref(),
            Some("BÂTIMENT B, 12 RUE DES LILAS, 14000 CAEN"),
            "the street type's code read as its label, windows-1252 decoded"
        );
        assert_eq!(jerome.commune_code.as_deref(), Some("14118"));
        // Only what the household agreed to: the refused landline and the
        // e-mail of unknown consent are not kept.
        assert_eq!(jerome.phone.as_deref(), Some("0612345678"));
        assert_eq!(jerome.email, None);
        let anais = store
            .person_by_nir(&full("2920514118051"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (anais.phone.as_deref(), anais.email.as_deref()),
            (None, None),
            "the contact is the requester's"
        );

        // What Jérôme declared, codes as the CAF writes them.
        let declared = store.declared_situation(jerome.id).await.unwrap().unwrap();
        assert_eq!(
            declared,
            DeclaredSituation {
                declared_on: Some(date!(2026 - 10 - 20)),
                situation: Some("0101".into()),
                education_level: Some("1204".into()),
                work_history: Some("1903".into()),
                job_seeker: Some("4302".into()),
                driving_licence: Some(false),
                transport: Some(true),
                mobility: vec!["2501".into()],
                social: vec!["0402".into(), "0406".into()],
                housing: vec!["1002".into()],
                availability: vec!["0502".into()],
            }
        );
        assert_eq!(store.declared_situation(anais.id).await.unwrap(), None);

        // The known couple: its state, facts and droits et devoirs kept, the
        // requester's agreed e-mail added and reported without its value.
        let karim = store.person_by_nir(karim_nir).await.unwrap().unwrap();
        assert!(
            karim.subject_to_duties,
            "the instruction says nothing of it"
        );
        assert_eq!(karim.email.as_deref(), Some("karim.bensaid@example.org"));
        assert_eq!(karim.address, karim_before.address, "no address given");
        let couple = store
            .household_by_rsa_number("14024015001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(couple.rsa_state, 4);
        assert_eq!(couple.family_situation.as_deref(), Some("MAR"));
        assert_eq!(couple.rsa_state_reason.as_deref(), Some("06"));
        let changes = store.person_import_changes(karim.id).await.unwrap();
        let contact = changes.iter().find(|c| c.kind == "contact").unwrap();
        assert!(contact.detail.contains("adresse électronique"));
        assert!(
            !contact.detail.contains("example.org"),
            "{}",
            contact.detail
        );

        // The same file again changes nothing; the monthly file, which
        // carries no contact, keeps the agreed ones.
        let again = import(&store, INSTRUCTION).await.unwrap();
        assert_eq!(
            (
                again.counts.households_created,
                again.counts.households_updated,
                again.counts.persons_created,
                again.counts.persons_updated
            ),
            (0, 0, 0, 0),
            "{:?}",
            again.report
        );
        import(&store, MONTHLY).await.unwrap();
        let karim = store.person_by_nir(karim_nir).await.unwrap().unwrap();
        assert_eq!(karim.email.as_deref(), Some("karim.bensaid@example.org"));

        // The person's own words: in the right of access, gone with the purge.
        let export = store.subject_access(jerome.id).await.unwrap();
        assert_eq!(export.declared_situation, Some(declared));
        let policy = parcours_domain::retention::RetentionPolicy::default();
        let today = date!(2040 - 01 - 01);
        store
            .retention_purge(&Actor::system("test"), &policy.cutoffs(today), today)
            .await
            .unwrap();
        assert_eq!(store.declared_situation(jerome.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn an_instruction_dossier_breaking_its_limits_is_rejected_with_its_reason() {
    for store in stores().await {
        let text = String::from_utf8_lossy(INSTRUCTION)
            .replace("<TOPMOYLOCO>1<", "<TOPMOYLOCO>oui<")
            .replace(
                "karim.bensaid@example.org",
                &format!("{}@example.org", "k".repeat(80)),
            );
        let record = import(&store, text.as_bytes()).await.unwrap();
        assert_eq!(record.counts.rejected, 2, "{:?}", record.report);
        let reasons: Vec<&str> = record
            .report
            .rejected
            .iter()
            .map(|r| r.reason.as_str())
            .collect();
        assert!(
            reasons.iter().any(|r| r.starts_with("TOPMOYLOCO")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("ADRELEC") && r.contains("78 au plus")),
            "{reasons:?}"
        );
        assert!(store
            .household_by_rsa_number("14026100077")
            .await
            .unwrap()
            .is_none());
    }
}
