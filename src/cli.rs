//! Command line: `serve`, `demo`, `migrate`, `user …`, `generate`,
//! `generate caf-xml`, `export data-inclusion`, `import data-inclusion`,
//! `import caf`, `import csv`, `import csv-mapping`, `purge`, `backup`, `restore`. Flags fall back to
//! `PARCOURS_*` environment variables.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use parcours_app::{account, App, CommandLine, Config, Failure};
use parcours_domain::account::NewUserInput;
use parcours_domain::retention::{self, RetentionPolicy};
use parcours_store::data_inclusion::{self, SERVICES_FILE, STRUCTURES_FILE};
use parcours_store::Store;
use parcours_web::AppState;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://parcours-data/parcours.db";

#[derive(Parser)]
#[command(
    name = "parcours",
    version,
    about = "Parcours d'insertion des bénéficiaires du RSA"
)]
struct Cli {
    /// Base de données : sqlite://chemin.db ou postgres://utilisateur@hôte/base
    #[arg(long, env = "PARCOURS_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true,
          hide_env_values = true)]
    database_url: String,
    /// PostgreSQL : connexions ouvertes par le serveur, par groupe (deux groupes) ;
    /// par défaut deux par cœur de la machine, de 4 à 16
    #[arg(long, env = "PARCOURS_DATABASE_CONNECTIONS", global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    database_connections: Option<u32>,
    /// Format des journaux
    #[arg(
        long,
        env = "PARCOURS_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Sert l'application web et l'API
    Serve(ServeArgs),
    /// Crée une base de démonstration, affiche les comptes de démonstration et sert l'application
    Demo(ServeArgs),
    /// Applique les migrations de la base de données
    Migrate,
    /// Gère les comptes
    #[command(subcommand)]
    User(UserCommand),
    /// Ajoute des personnes générées (déterministes) à la base, avec les données de démonstration ;
    /// `generate caf-xml FICHIER` écrit un flux CAF sur les foyers de la base
    #[command(args_conflicts_with_subcommands = true)]
    Generate {
        #[command(subcommand)]
        file: Option<GenerateCommand>,
        /// Nombre de personnes à ajouter
        #[arg(long, default_value_t = 0)]
        people: usize,
        /// Nombre d'actions d'insertion à ajouter au catalogue (une structure pour dix)
        #[arg(long, default_value_t = 0)]
        actions: usize,
        /// Graine du générateur
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Exporte des données vers un autre système
    #[command(subcommand)]
    Export(ExportCommand),
    /// Importe des données d'un autre système
    #[command(subcommand)]
    Import(ImportCommand),
    /// Anonymise les dossiers sans contact depuis la durée de conservation et supprime les
    /// événements d'audit plus anciens que la leur (ce que `serve` fait chaque nuit)
    ///
    /// Un contact est tout événement daté du parcours. L'anonymisation retire l'identité, le
    /// NIR, les coordonnées, les textes libres et le contenu sensible ; elle garde ce que les
    /// statistiques et les rapports FSE+ comptent (année de naissance, sexe, commune, dates,
    /// codes). Chaque passage est inscrit au journal d'audit (nombres seulement).
    Purge {
        /// Affiche ce que le prochain passage toucherait, sans rien modifier
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        retention: RetentionArgs,
    },
    /// Sauvegarde toute la base dans DIR, un dossier neuf, pendant que le serveur tourne
    ///
    /// SQLite : une copie cohérente de la base et de son journal d'audit des consultations
    /// (fichier `….lectures`), prise sans arrêter les écritures. PostgreSQL : `pg_dump`.
    /// Le dossier reçoit aussi un manifeste (sauvegarde.json : base, date, version du schéma).
    Backup {
        /// Dossier de la sauvegarde (créé ; refusé s'il n'est pas vide)
        dir: PathBuf,
    },
    /// Restaure la sauvegarde DIR dans la base (serveur arrêté)
    ///
    /// Refuse une base de destination qui contient déjà des données, sauf avec --force, et une
    /// sauvegarde d'un autre type de base ou d'un schéma plus récent que ce programme.
    Restore {
        /// Dossier d'une sauvegarde faite par `parcours backup`
        dir: PathBuf,
        /// Remplace les données de la base de destination
        #[arg(long)]
        force: bool,
    },
}

/// The retention policy's settings (`serve`, `demo`, `purge`).
#[derive(clap::Args)]
struct RetentionArgs {
    /// Mois sans contact après lesquels un dossier est anonymisé
    #[arg(long, env = "PARCOURS_RETENTION_MONTHS",
          default_value_t = retention::DEFAULT_INACTIVE_MONTHS)]
    retention_months: u32,
    /// Mois de conservation du journal d'audit, de 6 à 12
    #[arg(long, env = "PARCOURS_AUDIT_RETENTION_MONTHS",
          default_value_t = retention::DEFAULT_AUDIT_MONTHS)]
    audit_retention_months: u32,
}

impl RetentionArgs {
    /// The policy, or the French message naming the setting out of range.
    fn policy(&self) -> anyhow::Result<RetentionPolicy> {
        RetentionPolicy::new(self.retention_months, self.audit_retention_months)
            .map_err(|invalid| anyhow::anyhow!("{}", retention::message(&invalid)))
    }
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Écrit un flux bénéficiaires CAF (XML) : les foyers de la base tels que la CAF les
    /// renverrait le mois suivant (quelques changements d'état, entrées et sorties des droits
    /// et devoirs, noms corrigés), puis de nouveaux dossiers jusqu'à N
    CafXml {
        /// Fichier XML à écrire
        file: PathBuf,
        /// Nombre de dossiers du fichier
        #[arg(long, default_value_t = 1000)]
        dossiers: usize,
        /// Graine du générateur
        #[arg(long, default_value_t = 8)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Écrit le catalogue au format data·inclusion v1 : DIR/structures.json et DIR/services.json
    ///
    /// Les actions publiées et en cours deviennent des services, avec les structures qui les
    /// portent. Le dossier est créé s'il n'existe pas ; les deux fichiers sont remplacés.
    DataInclusion {
        /// Dossier où écrire structures.json et services.json
        dir: PathBuf,
        /// Identifiant du producteur (champ `source`, préfixe des identifiants « source--… »)
        #[arg(
            long,
            env = "PARCOURS_DATA_INCLUSION_SOURCE",
            default_value = "parcours"
        )]
        source: String,
    },
    /// Écrit le retour annuel OARSA à la DREES : DIR/oarsa-t1.csv … oarsa-t6.csv et oarsa-AAAA.xlsx
    ///
    /// Les tableaux 1 à 6 au 31 décembre de l'année (à ce jour pour l'année en cours), pour tout
    /// le département, tels que les montre /pilotage/oarsa : CSV en UTF-8 avec BOM, séparés par
    /// « ; », virgule décimale, et un classeur XLSX d'une feuille par tableau.
    Oarsa {
        /// Année du retour (AAAA)
        #[arg(long)]
        year: String,
        /// Dossier où écrire les fichiers (créé s'il n'existe pas)
        dir: PathBuf,
    },
    /// Écrit le rapport FSE+ d'une opération : DIR/fse-indicateurs.csv, fse-participants.csv et
    /// fse-NUMÉRO.xlsx
    ///
    /// Les indicateurs communs EECO01 à EECO17 et EECR01 à EECR04 par genre, et le fichier des
    /// participants entrés dans la période (date d'entrée, réponses à l'entrée hors catégories
    /// particulières, sortie et situation, heures de présence), tels que les montre
    /// /programme/fse : CSV en UTF-8 avec BOM, séparés par « ; », et un classeur XLSX.
    Fse {
        /// Numéro de l'opération
        #[arg(long)]
        operation: String,
        /// Premier jour (AAAA-MM-JJ ; début de l'opération par défaut)
        #[arg(long, default_value = "")]
        from: String,
        /// Dernier jour (AAAA-MM-JJ ; fin de l'opération par défaut)
        #[arg(long, default_value = "")]
        to: String,
        /// Dossier où écrire les fichiers (créé s'il n'existe pas)
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Importe un flux CAF/MSA (XML) bénéficiaires ou instruction
    ///
    /// Tout le fichier ou rien : une erreur du fichier (XML tronqué ou mal formé, encodage,
    /// type de flux inconnu) le refuse entier, avec sa ligne. Chaque dossier est ensuite
    /// vérifié seul : les dossiers invalides ou en double sont rejetés et listés (ligne,
    /// dossier, motif), les autres importés. Importer deux fois le même fichier ne change rien.
    /// Les nouveaux entrants dans les droits et devoirs sont signalés : leur délai
    /// d'orientation démarre à la date du flux.
    ///
    /// Code de sortie : 0 si le fichier a été importé (même avec des rejets), 1 s'il a été refusé.
    Caf {
        /// Fichier XML de la CAF ou de la MSA
        file: PathBuf,
        /// Affiche le compte rendu complet en JSON
        #[arg(long)]
        json: bool,
    },
    /// Importe un fichier CSV de personnes avec une correspondance de colonnes enregistrée
    ///
    /// Une ligne par personne ; les lignes consécutives d'un même numéro de dossier forment un
    /// foyer. Mêmes garanties que l'import CAF.
    Csv {
        /// Fichier CSV (UTF-8)
        file: PathBuf,
        /// Nom de la correspondance de colonnes (voir `import csv-mapping`)
        #[arg(long)]
        mapping: String,
        #[arg(long)]
        json: bool,
    },
    /// Enregistre une correspondance de colonnes CSV depuis un fichier JSON
    /// {"delimiter": ";", "columns": {"rsa_number": "N° dossier", "last_name": "Nom", …}}
    CsvMapping {
        /// Nom de la correspondance
        name: String,
        /// Fichier JSON
        file: PathBuf,
    },
    /// Importe DIR/structures.json et DIR/services.json (data·inclusion v1)
    ///
    /// Chaque fichier doit être un tableau JSON, sinon rien n'est importé. Chaque ligne est
    /// ensuite vérifiée seule : les lignes valides sont importées (création, ou mise à jour
    /// quand l'identifiant est déjà connu), les lignes invalides sont rejetées et listées
    /// (« ligne N » : le N-ième élément du tableau).
    /// Les nouvelles actions sont des brouillons, à relire avant publication.
    ///
    /// Code de sortie : 0 dès que les deux fichiers ont été lus, même si des lignes ont été
    /// rejetées (lisez la liste affichée) ; différent de 0 si un fichier manque ou n'est pas
    /// un tableau JSON.
    DataInclusion {
        /// Dossier contenant structures.json et services.json
        dir: PathBuf,
        /// Affiche le compte rendu en JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Adresse d'écoute
    #[arg(long, env = "PARCOURS_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Cookie de session marqué Secure (à laisser activé derrière HTTPS)
    #[arg(long, env = "PARCOURS_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
    /// Nom du département, imprimé sur les contrats
    #[arg(
        long,
        env = "PARCOURS_DEPARTMENT_NAME",
        default_value = "Département du Calvados"
    )]
    department_name: String,
    /// Identifiant du producteur dans les exports data·inclusion (`/api/v1/data-inclusion/…`)
    #[arg(
        long,
        env = "PARCOURS_DATA_INCLUSION_SOURCE",
        default_value = "parcours"
    )]
    data_inclusion_source: String,
    /// Dossier où les fichiers reçus attendent leur import (lisibles par le seul compte du serveur)
    #[arg(long, env = "PARCOURS_UPLOAD_DIR", default_value = DEFAULT_UPLOAD_DIR)]
    upload_dir: std::path::PathBuf,
    /// Adresses des proxys inverses de confiance (séparées par des virgules) : derrière eux,
    /// l'adresse du client est lue dans X-Forwarded-For pour limiter les tentatives de connexion
    #[arg(long, env = "PARCOURS_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    retention: RetentionArgs,
    #[command(flatten)]
    sending: SendingArgs,
}

/// How convocations and reminders are sent (`serve`, `demo`).
#[derive(clap::Args)]
struct SendingArgs {
    /// Serveur SMTP des convocations par courriel : smtp://utilisateur:motdepasse@hôte:587
    /// (STARTTLS), smtps://hôte:465 (TLS) ; « journal » les écrit au journal sans les envoyer.
    /// Absent : pas d'envoi par courriel (la démonstration écrit au journal).
    #[arg(long, env = "PARCOURS_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Expéditeur des courriels
    #[arg(
        long,
        env = "PARCOURS_MAIL_FROM",
        default_value = "Département <ne-pas-repondre@departement.invalid>"
    )]
    mail_from: String,
    /// Envoi des SMS : « http » (API du prestataire, --sms-url), « journal » (écrits au journal).
    /// Absent : pas d'envoi par SMS (la démonstration écrit au journal).
    #[arg(long, env = "PARCOURS_SMS_PROVIDER", value_parser = ["http", "journal"])]
    sms_provider: Option<String>,
    /// Adresse de l'API d'envoi du prestataire SMS (POST JSON {from, to, text})
    #[arg(long, env = "PARCOURS_SMS_URL")]
    sms_url: Option<String>,
    /// Jeton d'accès à l'API du prestataire SMS (en-tête Authorization: Bearer)
    #[arg(long, env = "PARCOURS_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// Expéditeur affiché des SMS (11 caractères au plus chez la plupart des prestataires)
    #[arg(long, env = "PARCOURS_SMS_SENDER", default_value = "Departement")]
    sms_sender: String,
    /// Heures avant le rendez-vous où part le rappel (1 à 336)
    #[arg(long, env = "PARCOURS_REMINDER_HOURS", default_value_t = 48,
          value_parser = clap::value_parser!(i64).range(1..=336))]
    reminder_hours: i64,
}

impl SendingArgs {
    /// The senders configured; the demo writes to the log what is not configured.
    fn settings(&self, demo: bool) -> anyhow::Result<parcours_app::outbox::OutboxSettings> {
        use crate::sending::{HttpSms, LogOnly, Smtp};
        use parcours_app::outbox::{EmailSender, SmsSender};
        use std::sync::Arc;
        let email: Option<Arc<dyn EmailSender>> = match self.smtp_url.as_deref() {
            Some("journal") => Some(Arc::new(LogOnly)),
            Some(url) => Some(Arc::new(Smtp::new(url, &self.mail_from)?)),
            None if demo => Some(Arc::new(LogOnly)),
            None => None,
        };
        let sms: Option<Arc<dyn SmsSender>> = match self.sms_provider.as_deref() {
            Some("http") => {
                let url = self.sms_url.as_deref().ok_or_else(|| {
                    anyhow::anyhow!("--sms-provider http demande l'adresse de l'API : --sms-url (PARCOURS_SMS_URL)")
                })?;
                Some(Arc::new(HttpSms::new(
                    url,
                    self.sms_token.clone(),
                    &self.sms_sender,
                )?))
            }
            Some(_) => Some(Arc::new(LogOnly)),
            None if demo => Some(Arc::new(LogOnly)),
            None => None,
        };
        Ok(parcours_app::outbox::OutboxSettings {
            reminder_before: time::Duration::hours(self.reminder_hours),
            email,
            sms,
        })
    }
}

/// Next to the default database: received files are personal data.
const DEFAULT_UPLOAD_DIR: &str = "parcours-data/imports";

#[derive(Subcommand)]
enum UserCommand {
    /// Crée un compte (et son organisation si elle n'existe pas encore)
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, programme_officer, manager, referent, operator, dpo
        #[arg(long)]
        role: String,
        /// Nom de l'organisation
        #[arg(long)]
        organisation: String,
        /// Type d'organisation, si elle est créée
        #[arg(long, default_value = "department_service")]
        organisation_kind: String,
        /// Mot de passe ; tiré au hasard et affiché s'il est absent
        #[arg(long, env = "PARCOURS_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Crée un jeton d'API pour un compte et l'affiche (une seule fois)
    Token {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Liste les comptes
    List,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("Erreur : impossible de démarrer : {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Erreur : {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PARCOURS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // A setting out of range refuses to start, before anything is touched.
    match &cli.command {
        Command::Serve(args) => {
            args.retention.policy()?;
            args.sending.settings(false)?;
        }
        Command::Demo(args) => {
            args.retention.policy()?;
            args.sending.settings(true)?;
        }
        Command::Purge { retention, .. } => {
            retention.policy()?;
        }
        _ => {}
    }
    // Only these create a database; the others refuse one that does not exist.
    let creates = matches!(
        cli.command,
        Command::Migrate
            | Command::Demo(_)
            | Command::User(_)
            | Command::Generate { .. }
            | Command::Import(_)
            | Command::Export(_)
            | Command::Purge { .. }
    );
    if let Command::Restore { dir, force } = &cli.command {
        return restore(&cli.database_url, cli.database_connections, dir, *force).await;
    }
    let store = open(&cli.database_url, cli.database_connections, creates).await?;
    match cli.command {
        Command::Migrate => {
            println!("Migrations appliquées.");
            Ok(())
        }
        Command::Serve(args) => {
            let outbox = args.sending.settings(false)?;
            serve(store, &args, args.secure_cookies.unwrap_or(true), outbox).await
        }
        Command::Demo(args) => {
            crate::demo::load(&store)
                .await
                .context("chargement des données de démonstration")?;
            crate::demo::print_accounts();
            // The demo runs over plain HTTP on the loopback: no Secure cookie.
            let outbox = args.sending.settings(true)?;
            serve(store, &args, args.secure_cookies.unwrap_or(false), outbox).await
        }
        Command::User(command) => user(&store, command).await,
        Command::Generate {
            file:
                Some(GenerateCommand::CafXml {
                    file,
                    dossiers,
                    seed,
                }),
            ..
        } => {
            let written = crate::caf_file::write(&store, &file, dossiers, seed).await?;
            println!(
                "Flux CAF écrit dans {} : {} dossiers connus, {} nouveaux.",
                file.display(),
                written.known,
                written.new
            );
            Ok(())
        }
        Command::Generate {
            file: None,
            people,
            actions,
            seed,
        } => {
            let started = std::time::Instant::now();
            crate::generate::dataset(&store, people, actions, seed, |progress| match progress {
                crate::generate::Progress::Actions(done, total) => {
                    eprint!("\r{done}/{total} actions générées")
                }
                crate::generate::Progress::People(done, total) => {
                    eprint!("\r{done}/{total} personnes générées")
                }
            })
            .await?;
            store.analyze().await?;
            eprintln!();
            println!(
                "{people} personnes et {actions} actions ajoutées en {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Export(ExportCommand::DataInclusion { dir, source }) => {
            export_data_inclusion(&store, &dir, &source).await
        }
        Command::Export(ExportCommand::Fse {
            operation,
            from,
            to,
            dir,
        }) => export_fse(&store, &operation, (&from, &to), &dir).await,
        Command::Export(ExportCommand::Oarsa { year, dir }) => {
            export_oarsa(&store, &year, &dir).await
        }
        Command::Import(ImportCommand::DataInclusion { dir, json }) => {
            import_data_inclusion(&store, &dir, json).await
        }
        Command::Import(ImportCommand::Caf { file, json }) => {
            crate::import_files::import(&store, &file, crate::import_files::Format::CafXml, json)
                .await
        }
        Command::Import(ImportCommand::Csv {
            file,
            mapping,
            json,
        }) => {
            let format = crate::import_files::Format::Csv(mapping);
            crate::import_files::import(&store, &file, format, json).await
        }
        Command::Import(ImportCommand::CsvMapping { name, file }) => {
            crate::import_files::save_mapping(&store, &name, &file).await
        }
        Command::Purge { dry_run, retention } => purge(&store, retention.policy()?, dry_run).await,
        Command::Backup { dir } => {
            let manifest = store
                .backup_to(&dir)
                .await
                .context("sauvegarde impossible")?;
            println!(
                "Sauvegarde écrite dans {} : base {}, schéma {}, {}.",
                dir.display(),
                manifest.backend,
                manifest.schema_version,
                fr_moment(manifest.created_at)
            );
            Ok(())
        }
        Command::Restore { .. } => unreachable!("restored before the store is opened"),
    }
}

/// `le 05/12/2026 à 14:03`, in Paris.
fn fr_moment(at: time::OffsetDateTime) -> String {
    let at = parcours_app::clock::in_paris(at);
    format!(
        "le {} à {:02}:{:02}",
        parcours_app::clock::fr_date(at.date()),
        at.hour(),
        at.minute()
    )
}

/// `parcours restore DIR`: the store is opened, and migrated, only once the
/// backup is in place.
async fn restore(
    url: &str,
    postgres_connections: Option<u32>,
    dir: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let manifest = parcours_store::backup::restore_from(url, dir, force)
        .await
        .context("restauration impossible")?;
    let store = open(url, postgres_connections, false).await?;
    let version = store.schema_version().await?;
    store.close().await;
    println!(
        "Sauvegarde {} (base {}, schéma {}) restaurée dans {} ; schéma maintenant {version}.",
        fr_moment(manifest.created_at),
        manifest.backend,
        manifest.schema_version,
        redact(url)
    );
    Ok(())
}

async fn purge(store: &Store, policy: RetentionPolicy, dry_run: bool) -> anyhow::Result<()> {
    use parcours_app::clock::{date_in_paris, fr_date};
    use parcours_app::retention::PurgeOutcome;
    let mut app = app(store, "");
    app.config.retention = policy;
    let operator = CommandLine {
        label: "purge de conservation",
    };
    let cutoffs = policy.cutoffs(parcours_app::clock::today());
    println!(
        "Conservation : dossiers sans contact depuis le {} ({} mois), journal d'audit antérieur au {} ({} mois).",
        fr_date(cutoffs.inactive_before),
        policy.inactive_months,
        fr_date(date_in_paris(cutoffs.audit_before)),
        policy.audit_months
    );
    match parcours_app::retention::purge(&app, &operator, dry_run).await? {
        PurgeOutcome::DryRun(overview) => {
            let files = &overview.preview.files;
            println!("Simulation : rien n'a été modifié. Le prochain passage :");
            println!(
                "  anonymiserait {} dossier{}",
                files.len(),
                plural(files.len())
            );
            println!(
                "  supprimerait {} événement{} d'audit",
                overview.preview.audit_events,
                plural(overview.preview.audit_events as usize)
            );
            println!(
                "  supprimerait {} demande{} d'accès",
                overview.preview.join_requests,
                plural(overview.preview.join_requests as usize)
            );
            for file in files {
                println!(
                    "  dossier {} — dernier contact : {} — {}",
                    file.person_id,
                    file.last_contact.map_or("aucune date".to_owned(), fr_date),
                    file.organisation
                        .as_deref()
                        .unwrap_or("sans organisme référent")
                );
            }
        }
        PurgeOutcome::Done(report) => {
            println!(
                "Purge effectuée : {} dossier{} anonymisé{} ({} foyer{}), {} événement{} d'audit supprimé{}, {} demande{} d'accès supprimée{}.",
                report.anonymised,
                plural(report.anonymised as usize),
                plural(report.anonymised as usize),
                report.households,
                plural(report.households as usize),
                report.audit_events_deleted,
                plural(report.audit_events_deleted as usize),
                plural(report.audit_events_deleted as usize),
                report.join_requests_deleted,
                plural(report.join_requests_deleted as usize),
                plural(report.join_requests_deleted as usize),
            );
        }
    }
    Ok(())
}

async fn export_data_inclusion(store: &Store, dir: &Path, source: &str) -> anyhow::Result<()> {
    let source = source.trim();
    if source.is_empty() || source.contains(char::is_whitespace) {
        bail!("la source data·inclusion est un identifiant sans espace (ex. cd14)");
    }
    let app = app(store, source);
    let (structures, services) = parcours_app::data_inclusion::export(&app, &OPERATOR).await?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("création du dossier {}", dir.display()))?;
    for (file, json) in [
        (STRUCTURES_FILE, data_inclusion::to_pretty_json(&structures)),
        (SERVICES_FILE, data_inclusion::to_pretty_json(&services)),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, json + "\n")
            .with_context(|| format!("écriture de {}", path.display()))?;
    }
    println!(
        "Export data·inclusion (source « {source} ») : {} structure{}, {} service{} écrits dans {}.",
        structures.len(),
        plural(structures.len()),
        services.len(),
        plural(services.len()),
        dir.display()
    );
    Ok(())
}

async fn export_fse(
    store: &Store,
    operation: &str,
    (from, to): (&str, &str),
    dir: &Path,
) -> anyhow::Result<()> {
    use parcours_app::fse_report;
    let app = app(store, "");
    let report = fse_report::fse_report(&app, &OPERATOR, operation, from, to).await?;
    let sheets = fse_report::fse_sheets(&app, &OPERATOR, &report).await?;
    let xlsx = format!("fse-{}.xlsx", report.operation.number.replace('/', "-"));
    let files = write_sheets(dir, &sheets, &xlsx)?;
    let participants = report.entrants().count();
    println!(
        "Opération FSE+ {} du {} au {} : {participants} participant{} ; {files} fichiers écrits dans {}.",
        report.operation.number,
        parcours_domain::clock::fr_date(report.from),
        parcours_domain::clock::fr_date(report.to),
        plural(participants),
        dir.display(),
    );
    Ok(())
}

/// Writes each sheet as CSV and all of them as one XLSX workbook in `dir`
/// (created if missing); how many files.
fn write_sheets(
    dir: &Path,
    sheets: &[parcours_app::spreadsheet::Sheet],
    xlsx: &str,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("création du dossier {}", dir.display()))?;
    let mut files: Vec<(String, Vec<u8>)> = sheets
        .iter()
        .map(|sheet| {
            (
                format!("{}.csv", sheet.name),
                parcours_app::spreadsheet::csv(sheet),
            )
        })
        .collect();
    files.push((xlsx.to_owned(), parcours_app::spreadsheet::xlsx(sheets)?));
    for (file, bytes) in &files {
        let path = dir.join(file);
        std::fs::write(&path, bytes).with_context(|| format!("écriture de {}", path.display()))?;
    }
    Ok(files.len())
}

async fn export_oarsa(store: &Store, year: &str, dir: &Path) -> anyhow::Result<()> {
    let app = app(store, "");
    let report = parcours_app::oarsa::oarsa(&app, &OPERATOR, year).await?;
    let sheets = parcours_app::oarsa::sheets(&report);
    let files = write_sheets(dir, &sheets, &format!("oarsa-{}.xlsx", report.year))?;
    println!(
        "Retour OARSA {} (situation au {}) : {} fichiers écrits dans {} ; {} personne{} aux données incomplètes.",
        report.year,
        parcours_domain::clock::fr_date(report.on),
        files,
        dir.display(),
        report.incomplete.len(),
        plural(report.incomplete.len()),
    );
    Ok(())
}

async fn import_data_inclusion(store: &Store, dir: &Path, json: bool) -> anyhow::Result<()> {
    let read = |file: &str| {
        let path = dir.join(file);
        if !path.is_file() {
            bail!(
                "fichier introuvable : {} (l'import attend {STRUCTURES_FILE} et {SERVICES_FILE} dans ce dossier) ; rien n'a été importé",
                path.display()
            );
        }
        std::fs::read_to_string(&path).with_context(|| format!("lecture de {}", path.display()))
    };
    let (structures, services) = (read(STRUCTURES_FILE)?, read(SERVICES_FILE)?);
    let importer = CommandLine {
        label: "import data·inclusion",
    };
    let report = match parcours_app::data_inclusion::import(
        &app(store, ""),
        &importer,
        &structures,
        &services,
    )
    .await
    {
        Ok(report) => report,
        Err(Failure::Invalid(invalid)) => {
            let messages: Vec<String> = invalid.errors.into_iter().map(|e| e.message).collect();
            bail!("{}", messages.join(" "));
        }
        Err(err) => return Err(err.into()),
    };
    if json {
        println!("{}", data_inclusion::to_pretty_json(&report));
        return Ok(());
    }
    println!("Import data·inclusion depuis {} :", dir.display());
    println!(
        "  structures : {} créée{}, {} mise{} à jour",
        report.structures_created,
        plural(report.structures_created),
        report.structures_updated,
        plural(report.structures_updated)
    );
    println!(
        "  services : {} créé{} (en brouillon), {} mis à jour",
        report.services_created,
        plural(report.services_created),
        report.services_updated
    );
    let (structures_rejected, services_rejected) = report.rejected_rows();
    if report.rejected.is_empty() {
        println!("Aucune ligne rejetée.");
    } else {
        println!(
            "Lignes rejetées (non importées) : {structures_rejected} dans {STRUCTURES_FILE}, {services_rejected} dans {SERVICES_FILE} :"
        );
        for row in &report.rejected {
            let id = row
                .id
                .as_deref()
                .map(|id| format!(" (id {id})"))
                .unwrap_or_default();
            let field = row
                .field
                .as_deref()
                .map(|f| format!("champ « {f} » — "))
                .unwrap_or_default();
            println!(
                "  {}, ligne {}{id} : {field}{}",
                row.file, row.row, row.message
            );
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

/// Connects and migrates, with a clear message when the database is out of
/// reach; a SQLite file is created only if `create`.
pub async fn open(
    url: &str,
    postgres_connections: Option<u32>,
    create: bool,
) -> anyhow::Result<Store> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = std::path::Path::new(path.split('?').next().unwrap_or(path));
        if !create && !file.as_os_str().is_empty() && !path.starts_with(':') && !file.exists() {
            bail!(
                "la base de données {} n'existe pas : `parcours migrate` (ou `parcours demo`) la \
                 crée ; sinon vérifiez PARCOURS_DATABASE_URL ou --database-url",
                file.display()
            );
        }
        if let Some(dir) = file.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|err| {
                    anyhow::anyhow!(
                        "création du dossier des données {} impossible : {}",
                        dir.display(),
                        parcours_store::fault::io_cause(&err)
                    )
                })?;
            }
        }
    }
    let store = Store::connect_with(url, postgres_connections)
        .await
        .with_context(|| format!("impossible de joindre la base de données {}", redact(url)))?;
    store
        .migrate()
        .await
        .context("migration de la base de données")?;
    Ok(store)
}

/// Hides the password of a database URL before it is printed.
fn redact(url: &str) -> String {
    parcours_store::fault::redact_url(url)
}

async fn serve(
    store: Store,
    args: &ServeArgs,
    secure_cookies: bool,
    outbox: parcours_app::outbox::OutboxSettings,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("impossible d'écouter sur {}", args.addr))?;
    println!("Parcours est servi sur http://{}", listener.local_addr()?);
    // Files a crash left behind, before any import runs.
    let removed = parcours_app::import::remove_leftovers(&args.upload_dir)
        .with_context(|| format!("dossier des fichiers reçus {}", args.upload_dir.display()))?;
    if removed > 0 {
        tracing::info!(removed, "received files left by an earlier run removed");
    }
    let kept = store.clone();
    let state = AppState {
        app: App {
            store,
            config: Config {
                department_name: args.department_name.clone(),
                data_inclusion_source: args.data_inclusion_source.clone(),
                upload_dir: args.upload_dir.clone(),
                retention: args.retention.policy()?,
                outbox,
                oidc: parcours_app::oidc::OidcSettings::from_env(|name| std::env::var(name).ok())
                    .map_err(|e| anyhow::anyhow!("fournisseurs d'identité : {e}"))?,
            },
        },
        secure_cookies,
        login_guard: parcours_web::login_guard::LoginGuard::new(args.trusted_proxies.clone()),
    };
    parcours_web::serve(listener, state).await?;
    // A clean stop leaves no write-ahead log to replay.
    kept.checkpoint_and_close()
        .await
        .context("fermeture de la base de données")?;
    tracing::info!("database closed cleanly");
    Ok(())
}

/// The operator at the command line, as the use cases know them.
pub(crate) const OPERATOR: CommandLine = CommandLine {
    label: "ligne de commande",
};

/// The use cases over this store; the settings only the server uses keep their defaults.
pub(crate) fn app(store: &Store, data_inclusion_source: &str) -> App {
    App {
        store: store.clone(),
        config: Config {
            department_name: String::new(),
            data_inclusion_source: data_inclusion_source.to_owned(),
            upload_dir: DEFAULT_UPLOAD_DIR.into(),
            retention: RetentionPolicy::default(),
            outbox: Default::default(),
            oidc: Default::default(),
        },
    }
}

async fn user(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    let app = app(store, "");
    match command {
        UserCommand::Create {
            email,
            name,
            role,
            organisation,
            organisation_kind,
            password,
        } => {
            let organisation =
                account::organisation_named(&app, &OPERATOR, &organisation, &organisation_kind)
                    .await?;
            let generated = password.is_none();
            let password =
                password.unwrap_or_else(|| parcours_store::token::random_secret()[..20].to_owned());
            let input = NewUserInput {
                email,
                display_name: name,
                role,
                organisation_id: organisation.id.to_string(),
                territory_id: String::new(),
                password: password.clone(),
            };
            let user = account::create(&app, &OPERATOR, &input, generated).await?;
            println!(
                "Compte créé : {} ({}) — {}",
                user.email,
                user.role_label(),
                user.organisation_name
            );
            if generated {
                println!("Mot de passe provisoire : {password}");
            }
            Ok(())
        }
        UserCommand::Token { email, name } => {
            let Some(user) = account::find_by_email(&app, &OPERATOR, &email).await? else {
                bail!("aucun compte avec l'adresse {email}");
            };
            let (_, secret) = account::create_token(&app, &OPERATOR, user.id, &name, "").await?;
            println!("{secret}");
            Ok(())
        }
        UserCommand::List => {
            for user in account::list(&app, &OPERATOR).await? {
                let state = if user.disabled {
                    "désactivé"
                } else {
                    "actif"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    user.email,
                    user.display_name,
                    user.role.code(),
                    user.organisation_name
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_database_passwords() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/parcours"),
            "postgres://app:***@db:5432/parcours"
        );
        assert_eq!(
            redact("postgres://app@db/parcours"),
            "postgres://app@db/parcours"
        );
        assert_eq!(
            redact("sqlite://parcours-data/parcours.db"),
            "sqlite://parcours-data/parcours.db"
        );
    }
}
