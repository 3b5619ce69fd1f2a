//! Latency and throughput of the main screens of a running server, under
//! concurrent users, each compared with two floors measured on the same
//! machine: a trivial endpoint of the same server (`/healthz`: HTTP, session
//! and routing cost) and the screen's database work run alone through the
//! store (no HTTP, no template). A benchmark, not a test: it reports.
//!
//! Run by `scripts/bench` (which generates the dataset and starts the
//! server); by hand:
//!
//!     cargo bench --bench screens -- --base http://127.0.0.1:8080 \
//!         --database sqlite:///tmp/parcours-bench.db [--users 32] [--requests 640] [--server-pid PID] [--only LABEL]

use parcours_domain::access::Viewer;
use parcours_domain::Role;
use parcours_store::catalogue::CatalogueFilter;
use parcours_store::person::PersonQuery;
use parcours_store::Store;
use reqwest::{Client, Method};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASSWORD: &str = "parcours-demo-2026";

struct Args {
    base: String,
    database: String,
    users: usize,
    requests: usize,
    server_pid: Option<u32>,
    /// Only the screens whose label contains this text (besides the floor).
    only: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        base: "http://127.0.0.1:8080".into(),
        database: String::new(),
        users: 32,
        requests: 640,
        server_pid: None,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().expect("a value after each flag");
        match flag.as_str() {
            "--base" => args.base = value(),
            "--database" => args.database = value(),
            "--users" => args.users = value().parse().expect("--users N"),
            "--requests" => args.requests = value().parse().expect("--requests N"),
            "--server-pid" => args.server_pid = Some(value().parse().expect("--server-pid PID")),
            "--only" => args.only = Some(value()),
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!args.database.is_empty(), "--database URL is required");
    args
}

/// A browser-like client signed in as a demo account.
async fn signed_in(base: &str, email: &str) -> Client {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(format!("{base}/connexion"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&html);
    let response = client
        .post(format!("{base}/connexion"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "login of {email}");
    client
}

fn csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a CSRF token") + marker.len();
    html[start..start + 64].to_owned()
}

/// One simulated user of a screen: their signed-in client, the path they
/// ask for, and the form they post (empty for a page).
#[derive(Clone)]
struct User {
    client: Client,
    path: String,
    form: Vec<(String, String)>,
}

/// A screen: its users (each asking in turn, all at once) and what they ask.
struct Screen {
    label: &'static str,
    method: Method,
    users: Vec<User>,
    /// The same screen's database work alone, when measured.
    alone: Option<Alone>,
}

type Alone = Box<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>>>;

fn alone<F, Fut>(f: F) -> Option<Alone>
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Some(Box::new(move || Box::pin(f())))
}

struct Stats {
    requests: usize,
    max: f64,
    median: f64,
    p99: f64,
    throughput: f64,
    errors: usize,
}

fn stats(mut latencies: Vec<f64>, errors: usize, elapsed: Duration) -> Stats {
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Stats {
        requests: latencies.len(),
        max: latencies.last().copied().unwrap_or(0.0),
        median: at(0.5),
        p99: at(0.99),
        throughput: latencies.len() as f64 / elapsed.as_secs_f64(),
        errors,
    }
}

/// `requests` requests shared by the screen's users, all at once.
async fn load(base: &str, screen: &Screen, requests: usize) -> Stats {
    let per_user = requests.div_ceil(screen.users.len());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for user in &screen.users {
        let User { client, path, form } = user.clone();
        let (url, method) = (format!("{base}{path}"), screen.method.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_user);
            let mut errors = 0;
            for _ in 0..per_user {
                let start = Instant::now();
                let mut request = client.request(method.clone(), &url);
                if !form.is_empty() {
                    request = request.form(&form);
                }
                let response = request.send().await.unwrap();
                let ok = response.status().as_u16() < 400;
                response.bytes().await.unwrap();
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                errors += usize::from(!ok);
            }
            (times, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (times, e) = task.await.unwrap();
        latencies.extend(times);
        errors += e;
    }
    stats(latencies, errors, started.elapsed())
}

/// The median of the database work alone, run one at a time.
async fn alone_median(f: &Alone, runs: usize) -> f64 {
    f().await; // warm-up
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    stats(times, 0, Duration::from_secs(1)).median
}

/// A field of `/proc/PID/status`, in MiB.
fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The CPU time the server has used so far (user and system, all its
/// threads), in ms: `/proc/PID/stat` counts it in ticks of 10 ms, so a
/// screen's few hundred requests give its cost per request to a few µs.
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // Fields 14 and 15 of the file (utime, stime), counted after the name.
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

/// The CPU time the whole machine has used so far, in ms: the server, the
/// database's processes and this benchmark's clients. Less the server's
/// own, it shows what PostgreSQL spends on a screen.
fn machine_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<f64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    let busy: f64 = ticks.iter().take(8).sum::<f64>() - ticks.get(3)? - ticks.get(4)?;
    Some(busy * 10.0)
}

/// The server's own memory at its peak, sampled every 20 ms: the kernel
/// keeps no high-water mark of anonymous memory, only of the resident set
/// (VmHWM), which also counts the pages of the database file the server
/// maps (SQLite's `mmap_size`): those are the kernel's page cache, shared
/// and reclaimable, not memory the server holds.
fn sample_anonymous_peak(pid: u32) -> Arc<AtomicU64> {
    let peak = Arc::new(AtomicU64::new(0));
    let seen = peak.clone();
    std::thread::spawn(move || {
        while let Some(mib) = status_mib(pid, "RssAnon:") {
            seen.fetch_max(mib.round() as u64, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    peak
}

#[tokio::main]
async fn main() {
    let args = args();
    let store = Store::connect(&args.database).await.expect("the database");
    let base = args.base.trim_end_matches('/').to_owned();
    let anonymous_peak = args.server_pid.map(sample_anonymous_peak);
    let screens = screens(&base, &store, args.users).await;
    let floor = load(&base, &screens[0], args.requests).await;
    println!(
        "{} utilisateurs simultanés, {} requêtes par écran.\n",
        args.users, args.requests
    );
    println!("| écran | médiane (ms) | p99 (ms) | débit (req/s) | erreurs | ×plancher HTTP | requêtes seules (ms) | ×requêtes seules | CPU serveur (ms/req) | CPU machine (ms/req) | 1re requête de chacun, max (ms) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let chosen = |screen: &&Screen| {
        args.only
            .as_ref()
            .is_none_or(|only| screen.label.contains(only.as_str()))
    };
    for screen in screens.iter().filter(chosen) {
        // Warm-up: each user asks once, unmeasured (a first request reads
        // the user's own rows for the first time, e.g. their caseload).
        let first = load(&base, screen, screen.users.len()).await;
        let cpu_before = (args.server_pid.and_then(cpu_ms), machine_cpu_ms());
        let s = load(&base, screen, args.requests).await;
        let per_request = |before: Option<f64>, after: Option<f64>| match (before, after) {
            (Some(before), Some(after)) => format!("{:.2}", (after - before) / s.requests as f64),
            _ => "—".into(),
        };
        let cpu = per_request(cpu_before.0, args.server_pid.and_then(cpu_ms));
        let machine = per_request(cpu_before.1, machine_cpu_ms());
        let (sql, sql_ratio) = match &screen.alone {
            Some(f) => {
                let m = alone_median(f, 50).await;
                (format!("{m:.2}"), format!("{:.1}", s.median / m))
            }
            None => ("—".into(), "—".into()),
        };
        println!(
            "| {} | {:.1} | {:.1} | {:.0} | {} | {:.1} | {sql} | {sql_ratio} | {cpu} | {machine} | {:.1} |",
            screen.label,
            s.median,
            s.p99,
            s.throughput,
            s.errors,
            s.median / floor.median,
            first.max
        );
    }
    if let (Some(pid), Some(anonymous)) = (args.server_pid, anonymous_peak) {
        let hwm = status_mib(pid, "VmHWM:").unwrap_or(0.0);
        println!(
            "\nMémoire du serveur : pic de mémoire propre (RssAnon) {} Mio ; \
             pic résident (VmHWM) {hwm:.0} Mio, pages du fichier de base projetées comprises",
            anonymous.load(Ordering::Relaxed)
        );
    }
}

/// The screens, with their accounts and ids found in the database.
async fn screens(base: &str, store: &Store, users: usize) -> Vec<Screen> {
    let today = time::OffsetDateTime::now_utc().date();
    // Generated référents (about a hundred files each), one per simulated user.
    let mut referents = Vec::new();
    for n in 1..=users {
        let email = format!("referent-{n:04}@demo.parcours.fr");
        let user = match store.account_by_email(&email).await.unwrap() {
            Some(user) => user,
            None => store
                .account_by_email("referent@demo.parcours.fr")
                .await
                .unwrap()
                .expect("demo data"),
        };
        referents.push(user);
    }
    let mut referent_clients = Vec::new();
    for user in &referents {
        referent_clients.push(signed_in(base, &user.email).await);
    }
    let referent = referents[0].clone();
    let caseload = store.caseload(referent.id).await.unwrap();
    let person = caseload.first().expect("a caseload").person.id;
    let anonymous: Vec<Client> = (0..users).map(|_| Client::new()).collect();
    // The first generated structure's opérateur (its actions have past
    // sessions), or the demo's when the dataset has no generated catalogue.
    let all_users = store.accounts().await.unwrap();
    let operator = all_users
        .iter()
        .filter(|u| u.email.starts_with("operateur-"))
        .min_by(|a, b| a.email.cmp(&b.email))
        .or_else(|| {
            all_users
                .iter()
                .find(|u| u.email == "structure@demo.parcours.fr")
        })
        .cloned()
        .expect("demo data");
    let mut operators = Vec::new();
    for _ in 0..users {
        operators.push(signed_in(base, &operator.email).await);
    }
    let structure = operator.organisation_id;
    let viewer = Viewer {
        user_id: referent.id,
        role: Role::Referent,
        organisation_id: referent.organisation_id,
        territory_id: referent.territory_id,
    };
    let scope = viewer.person_scope();
    let page = |label, users: Vec<User>, alone| Screen {
        label,
        method: Method::GET,
        users,
        alone,
    };
    let same = |clients: &[Client], path: String| -> Vec<User> {
        clients
            .iter()
            .map(|client| User {
                client: client.clone(),
                path: path.clone(),
                form: Vec::new(),
            })
            .collect()
    };
    // Each référent opens a file of their own caseload.
    let mut own_files = Vec::new();
    for (user, client) in referents.iter().zip(&referent_clients) {
        let id = store
            .caseload(user.id)
            .await
            .unwrap()
            .first()
            .map_or(person, |p| p.person.id);
        own_files.push((client.clone(), id));
    }
    let per_file = |suffix: &str| -> Vec<User> {
        own_files
            .iter()
            .map(|(client, id)| User {
                client: client.clone(),
                path: format!("/personnes/{id}{suffix}"),
                form: Vec::new(),
            })
            .collect()
    };
    let s = store.clone();
    let caseload_alone = alone(move || {
        let s = s.clone();
        async move {
            let lines = s.caseload(referent.id).await.unwrap();
            // The weekly hours column: the contrats d'engagement in force, their last weeks.
            let people: Vec<_> = lines.iter().map(|l| l.person.id).collect();
            let today = parcours_domain::clock::today();
            let engaged = s.engagements_in_force(&people, today).await.unwrap();
            let under: Vec<_> = engaged.iter().map(|e| e.person_id).collect();
            let from = today - time::Duration::weeks(4);
            s.hours_facts(&under, from, today + time::Duration::days(7))
                .await
                .unwrap();
        }
    });
    let s = store.clone();
    let person_alone = alone(move || {
        let s = s.clone();
        async move {
            let p = s.person(person).await.unwrap();
            if let Some(household) = p.household_id {
                s.household(household).await.unwrap();
            }
            s.person_clocks(person).await.unwrap();
            s.orientations(person).await.unwrap();
            s.assignments(person).await.unwrap();
            s.contracts_of(person).await.unwrap();
            s.referrals_of_person(person).await.unwrap();
        }
    });
    let s = store.clone();
    let search_alone = alone(move || {
        let s = s.clone();
        async move {
            let query = PersonQuery {
                name: Some("martin".into()),
                limit: 50,
                ..PersonQuery::default()
            };
            s.search_persons(&scope, &query).await.unwrap();
        }
    });
    let catalogue = move |text: &str, limit| CatalogueFilter {
        text: text.into(),
        public_only: true,
        today: Some(today),
        limit,
        ..CatalogueFilter::default()
    };
    let s = store.clone();
    let filter = catalogue("atelier", 20);
    let catalogue_alone = alone(move || {
        let (s, filter) = (s.clone(), filter.clone());
        async move {
            s.search_actions(&filter).await.unwrap();
        }
    });
    // The positioning page's statements: the file, its latest diagnostic,
    // the actions of the page of every barrier's category, the facts.
    let s = store.clone();
    let positioning_alone = alone(move || {
        let s = s.clone();
        async move {
            let p = s.person(person).await.unwrap();
            s.assignments(person).await.unwrap();
            let revisions = s.diagnostic_revisions(person).await.unwrap();
            let mut categories: Vec<String> = revisions
                .first()
                .map(|latest| {
                    latest
                        .data
                        .barriers
                        .iter()
                        .map(|b| b.category.clone())
                        .collect()
                })
                .unwrap_or_default();
            categories.sort_unstable();
            categories.dedup();
            let mut filters = vec![catalogue("", 30)];
            filters.extend(categories.into_iter().map(|thematique| CatalogueFilter {
                thematique,
                ..catalogue("", 30)
            }));
            s.offered_actions(&filters).await.unwrap();
            if let Some(household) = p.household_id {
                s.household(household).await.unwrap();
            }
            s.orientations(person).await.unwrap();
            s.contracts_of(person).await.unwrap();
        }
    });
    let s = store.clone();
    let dashboard_alone = alone(move || {
        let s = s.clone();
        async move {
            s.structure_dashboard(structure, today).await.unwrap();
        }
    });
    let mut screens = vec![
        page(
            "/healthz (plancher HTTP)",
            same(&anonymous, "/healthz".into()),
            None,
        ),
        page(
            "portefeuille du référent",
            same(&referent_clients, "/portefeuille".into()),
            caseload_alone,
        ),
        page("fiche personne", per_file(""), person_alone),
        page(
            "recherche par nom (martin)",
            same(&referent_clients, "/personnes?nom=martin".into()),
            search_alone,
        ),
        page(
            "catalogue public : mot",
            same(&anonymous, "/catalogue?q=atelier".into()),
            catalogue_alone,
        ),
        page(
            "positionnement : actions classées",
            per_file("/positionner"),
            positioning_alone,
        ),
        page(
            "tableau de bord de la structure",
            same(
                &operators,
                format!("/structures/{structure}/tableau-de-bord"),
            ),
            dashboard_alone,
        ),
    ];
    // Steering: the chargé de mission's delays over the generated years,
    // for the whole département (a few users: a steering page, not a
    // screen of every minute).
    let mission = signed_in(base, "mission@demo.parcours.fr").await;
    let missions: Vec<Client> = (0..users.clamp(1, 4)).map(|_| mission.clone()).collect();
    let from = today - time::Duration::days(3 * 365);
    let steering = parcours_domain::steering::SteeringFilter::period(from, today, today);
    let s = store.clone();
    let steering_alone = alone(move || {
        let (s, filter) = (s.clone(), steering.clone());
        async move {
            let everything = parcours_domain::access::PersonScope::EVERY_FILE;
            s.delay_groups(&everything, &filter).await.unwrap();
            s.stock_counts(&everything, &filter).await.unwrap();
            s.offer_groups(&everything, &filter).await.unwrap();
            s.occupation_lines(&everything, &filter).await.unwrap();
        }
    });
    screens.push(page(
        "pilotage : délais du département",
        same(&missions, format!("/pilotage?from={from}")),
        steering_alone,
    ));
    // The DREES return of last year: its statements alone, then the page.
    let year = today.year() - 1;
    let on = parcours_domain::oarsa::observed_on(year, today);
    let oarsa = parcours_domain::steering::SteeringFilter::period(
        parcours_domain::oarsa::first_day(year),
        on,
        on,
    );
    let s = store.clone();
    let oarsa_alone = alone(move || {
        let (s, filter) = (s.clone(), oarsa.clone());
        async move {
            let everything = parcours_domain::access::PersonScope::EVERY_FILE;
            s.return_people(&everything, &filter).await.unwrap();
            s.return_contracts(&everything, &filter).await.unwrap();
            s.entrants(&everything, &filter).await.unwrap();
            s.reorientations(&everything, &filter).await.unwrap();
        }
    });
    screens.push(page(
        "pilotage : retour OARSA",
        same(&missions, format!("/pilotage/oarsa?annee={year}")),
        oarsa_alone,
    ));
    let Some((session, marks)) = attendance_session(store, structure).await else {
        eprintln!("(pas de séance passée avec des participants dans la structure : présences non mesurées)");
        return screens;
    };
    let s = store.clone();
    let sheet_alone = alone(move || {
        let s = s.clone();
        async move {
            s.attendance_sheet(session).await.unwrap();
        }
    });
    screens.push(page(
        "feuille de présence (lecture)",
        same(&operators, format!("/seances/{session}/presences")),
        sheet_alone,
    ));
    // Recording attendance: each operator posts the group's marks with their own CSRF token.
    let mut recorders = Vec::new();
    for client in &operators {
        let path = format!("/seances/{session}/presences");
        let html = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut form = vec![("csrf_token".to_owned(), csrf(&html))];
        form.extend(marks.iter().cloned());
        recorders.push(User {
            client: client.clone(),
            path,
            form,
        });
    }
    screens.push(Screen {
        label: "présences : enregistrement du groupe",
        method: Method::POST,
        users: recorders,
        alone: None,
    });
    screens
}

/// A session of the operator's structure with participants, and a form
/// marking them all present.
async fn attendance_session(
    store: &Store,
    structure: Uuid,
) -> Option<(Uuid, Vec<(String, String)>)> {
    let today = time::OffsetDateTime::now_utc().date();
    let filter = CatalogueFilter {
        structure_id: Some(structure),
        limit: 200,
        ..CatalogueFilter::default()
    };
    let mut best = None;
    for row in store.search_actions(&filter).await.unwrap().0 {
        for session in store
            .sessions_of(row.id, today - time::Duration::days(60), 100)
            .await
            .unwrap()
        {
            if session.on_date > today {
                continue;
            }
            let sheet = store.attendance_sheet(session.id).await.unwrap();
            if sheet.len() > best.as_ref().map_or(0, |(_, n)| *n) {
                best = Some((session.id, sheet.len()));
            }
        }
    }
    let (session, _) = best?;
    let marks = store
        .attendance_sheet(session)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (format!("presence_{}", l.referral_id), "present".to_owned()))
        .collect();
    Some((session, marks))
}
