//! What the operator reads when the database cannot be reached or written:
//! the path or address concerned and the cause in French, never a password.

use crate::{Result, StoreError};
use sqlx::postgres::PgConnectOptions;
use std::io;
use std::path::Path;
use std::time::Duration;

/// How long a PostgreSQL server may take to accept a connection at start.
const POSTGRES_PROBE: Duration = Duration::from_secs(10);

/// Where a PostgreSQL store connects, as an operator names it.
pub(crate) fn postgres_place(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// Opens one connection, once: a refused connection, a missing database or
/// a wrong password is said at once, in French (the pool would retry until
/// its timeout, then only say that it timed out).
pub(crate) async fn probe_postgres(options: &PgConnectOptions) -> Result<()> {
    use sqlx::Connection;
    let place = postgres_place(options);
    let err = match tokio::time::timeout(POSTGRES_PROBE, sqlx::PgConnection::connect_with(options))
        .await
    {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            return Ok(());
        }
        Ok(Err(err)) => err,
        Err(_) => {
            return Err(StoreError::Unreachable(format!(
                "le serveur PostgreSQL {place} ne répond pas (attendu {} s)",
                POSTGRES_PROBE.as_secs()
            )))
        }
    };
    let cause = match &err {
        sqlx::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => {
            format!("connexion refusée par {place} : le serveur PostgreSQL est-il démarré ?")
        }
        sqlx::Error::Io(io) => format!("serveur PostgreSQL {place} injoignable : {}", io_cause(io)),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("3D000") => format!(
                "la base « {} » n'existe pas sur {place}",
                options.get_database().unwrap_or_default()
            ),
            Some("28P01" | "28000") => format!(
                "authentification refusée pour l'utilisateur « {} » sur {place}",
                options.get_username()
            ),
            _ => format!("{place} : {}", db.message()),
        },
        sqlx::Error::Tls(tls) => format!("chiffrement TLS avec {place} impossible : {tls}"),
        other => format!("{place} : {other}"),
    };
    Err(StoreError::Unreachable(cause))
}

/// Checks, before SQLite opens them, that the data directory and the two
/// files (the database and the reads' audit file), when they exist, can be
/// written: SQLite would only say "unable to open database file", later.
pub(crate) fn check_sqlite_files(main: &Path, reads: &str) -> Result<()> {
    let name = main.to_string_lossy();
    if name.is_empty() || name.starts_with(':') {
        return Ok(()); // in memory
    }
    let dir = match main.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let probe = dir.join(format!(
        ".parcours-ecriture-{}",
        uuid::Uuid::now_v7().simple()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(err) => {
            return Err(StoreError::Unreachable(format!(
                "le dossier des données {} n'est pas accessible en écriture : {}",
                dir.display(),
                io_cause(&err)
            )))
        }
    }
    for (what, path) in [
        ("la base de données", main),
        ("le journal d'audit des consultations", Path::new(reads)),
    ] {
        if std::fs::symlink_metadata(path).is_err() {
            continue; // created at the first connection
        }
        if let Err(err) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
        {
            return Err(StoreError::Unreachable(format!(
                "{what} {} n'est pas accessible en écriture : {}",
                path.display(),
                io_cause(&err)
            )));
        }
    }
    Ok(())
}

/// The database URL as it may be printed: the password, in the user
/// information (`postgres://u:pw@h/db`) or in a parameter (`?password=…`,
/// its name percent-encoded or not), replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = match head.find("://") {
        Some(scheme) => {
            let rest = &head[scheme + 3..];
            // The authority ends at the first '/' after the last '@' (a
            // password may hold an unencoded '/' or '@').
            match rest.rfind('@') {
                Some(at) => match rest[..at].split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &head[..scheme + 3], &rest[at..]),
                    None => head.to_owned(),
                },
                None => head.to_owned(),
            }
        }
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if is_password_key(key) => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

fn is_password_key(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    key == "password" || key == "pass" || key == "pwd"
}

/// The password a PostgreSQL URL carries, decoded, as sqlx reads it: the
/// `password` parameter, else the user information's.
pub(crate) fn url_password(url: &str) -> Option<String> {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    if let Some(query) = query {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=') {
                if percent_decode(key) == "password" {
                    return Some(percent_decode(value));
                }
            }
        }
    }
    let rest = &head[head.find("://")? + 3..];
    let at = rest.rfind('@')?;
    let (_, password) = rest[..at].split_once(':')?;
    Some(percent_decode(password))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).unwrap_or("");
            if hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                if let Ok(byte) = u8::from_str_radix(hex, 16) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The cause of a file system error, in French.
pub fn io_cause(err: &io::Error) -> String {
    let cause = match err.kind() {
        io::ErrorKind::PermissionDenied => "permission refusée",
        io::ErrorKind::NotFound => "introuvable",
        io::ErrorKind::ReadOnlyFilesystem => "système de fichiers en lecture seule",
        io::ErrorKind::StorageFull => "disque plein",
        io::ErrorKind::NotADirectory => "un élément du chemin n'est pas un dossier",
        io::ErrorKind::IsADirectory => "c'est un dossier, pas un fichier",
        io::ErrorKind::AlreadyExists => "existe déjà",
        io::ErrorKind::ConnectionRefused => "connexion refusée",
        io::ErrorKind::TimedOut => "délai dépassé",
        _ => return format!("erreur du système : {err}"),
    };
    match err.raw_os_error() {
        Some(code) => format!("{cause} (erreur système {code})"),
        None => cause.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact_url, url_password};

    #[test]
    fn passwords_are_hidden_whatever_the_url_form() {
        for (url, shown) in [
            (
                "postgres://app:s3cret@db:5432/parcours",
                "postgres://app:***@db:5432/parcours",
            ),
            ("postgres://app@db/parcours", "postgres://app@db/parcours"),
            (
                "sqlite://parcours-data/parcours.db",
                "sqlite://parcours-data/parcours.db",
            ),
            (
                "postgres://app@db/parcours?sslmode=require&password=s3cret",
                "postgres://app@db/parcours?sslmode=require&password=***",
            ),
            (
                "postgres://app@db/parcours?pass%77ord=s3cret",
                "postgres://app@db/parcours?pass%77ord=***",
            ),
            (
                "postgres://app:s3%40c%2Fret@db/parcours",
                "postgres://app:***@db/parcours",
            ),
            ("postgres://app:s3@cr/et@db/p", "postgres://app:***@db/p"),
        ] {
            assert_eq!(redact_url(url), shown);
            assert!(!redact_url(url).contains("s3"), "{url}");
        }
    }

    #[test]
    fn the_password_is_read_decoded() {
        assert_eq!(
            url_password("postgres://u:s3%40c@h/db").as_deref(),
            Some("s3@c")
        );
        assert_eq!(
            url_password("postgres://u@h/db?password=a%26b").as_deref(),
            Some("a&b")
        );
        assert_eq!(url_password("postgres://u@h/db"), None);
    }
}
