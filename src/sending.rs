//! The senders of convocations and reminders: e-mail through an SMTP relay
//! (lettre), SMS through a provider's HTTP API, and a sender that only
//! writes to the log, for the demo. Configured by `parcours serve`'s flags.

use parcours_app::outbox::{Email, EmailSender, SendError, SmsSender};
use std::time::Duration;

/// E-mails through an SMTP relay.
pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    /// `url`: smtp://user:password@host:587 (STARTTLS when offered;
    /// `?tls=required` to insist), smtps://host:465 (TLS from the start).
    pub fn new(url: &str, from: &str) -> anyhow::Result<Smtp> {
        use anyhow::Context;
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .context("adresse du serveur SMTP (--smtp-url) illisible")?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from.parse().with_context(|| {
            format!("expéditeur des courriels (--mail-from) illisible : {from}")
        })?;
        Ok(Smtp { transport, from })
    }
}

#[async_trait::async_trait]
impl EmailSender for Smtp {
    async fn send(&self, email: &Email) -> Result<Option<String>, SendError> {
        use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
        use lettre::AsyncTransport;
        let to = email.to.parse().map_err(|_| SendError {
            message: format!("adresse électronique invalide : {}", email.to),
            permanent: true,
        })?;
        let text = SinglePart::plain(email.text.clone());
        let body = match &email.calendar {
            Some(ics) => MultiPart::mixed().singlepart(text).singlepart(
                Attachment::new("rendez-vous.ics".to_owned()).body(
                    ics.clone(),
                    ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                        .expect("a valid content type"),
                ),
            ),
            None => MultiPart::mixed().singlepart(text),
        };
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .multipart(body)
            .map_err(|err| SendError {
                message: format!("message impossible à composer : {err}"),
                permanent: true,
            })?;
        match self.transport.send(message).await {
            Ok(response) => Ok(response.message().next().map(str::to_owned)),
            Err(err) => Err(SendError {
                message: format!("serveur SMTP : {err}"),
                permanent: err.is_permanent(),
            }),
        }
    }
}

/// SMS through a provider's HTTP API: `POST url` with a JSON body
/// `{"from", "to", "text"}` and a bearer token; the answer's `id` is the
/// provider's id of the message, for its delivery reports.
pub struct HttpSms {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    from: String,
}

impl HttpSms {
    pub fn new(url: &str, token: Option<String>, from: &str) -> anyhow::Result<HttpSms> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(HttpSms {
            client,
            url: url.to_owned(),
            token,
            from: from.to_owned(),
        })
    }
}

#[async_trait::async_trait]
impl SmsSender for HttpSms {
    async fn send(&self, to: &str, text: &str) -> Result<Option<String>, SendError> {
        let mut request = self
            .client
            .post(&self.url)
            .json(&serde_json::json!({ "from": self.from, "to": to, "text": text }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|err| SendError {
            message: format!("prestataire SMS injoignable : {err}"),
            permanent: false,
        })?;
        let status = response.status();
        if !status.is_success() {
            let said = response.text().await.unwrap_or_default();
            return Err(SendError {
                message: format!(
                    "prestataire SMS : {status} {}",
                    said.chars().take(200).collect::<String>()
                ),
                // Too many requests and the provider's own faults pass; a refused number does not.
                permanent: status.is_client_error() && status.as_u16() != 429,
            });
        }
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        Ok(match &answer["id"] {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        })
    }
}

/// Writes each message to the log instead of sending it (the demo).
pub struct LogOnly;

#[async_trait::async_trait]
impl EmailSender for LogOnly {
    async fn send(&self, email: &Email) -> Result<Option<String>, SendError> {
        tracing::info!(to = %email.to, subject = %email.subject, "e-mail written to the log, not sent (demo)");
        Ok(Some(format!("journal-{}", uuid::Uuid::now_v7())))
    }
}

#[async_trait::async_trait]
impl SmsSender for LogOnly {
    async fn send(&self, to: &str, text: &str) -> Result<Option<String>, SendError> {
        tracing::info!(%to, %text, "SMS written to the log, not sent (demo)");
        Ok(Some(format!("journal-{}", uuid::Uuid::now_v7())))
    }
}
