//! Convocations sent for real: e-mail through a real SMTP server (maildev,
//! from the e2e npm packages) and SMS through a provider's HTTP API (a
//! local server that records what it receives), by the outbox's job.

mod common;

use axum::http::StatusCode as Status;
use common::*;
use parcours::sending::{HttpSms, Smtp};
use parcours_app::outbox::OutboxSettings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use time::Duration;

/// A maildev server on free ports; None when it is not installed (outside CI).
struct Maildev {
    child: std::process::Child,
    smtp: u16,
    web: u16,
}

impl Drop for Maildev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn maildev() -> Option<Maildev> {
    let bin =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/node_modules/.bin/maildev");
    if !bin.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "maildev missing: npm ci --prefix e2e"
        );
        eprintln!("maildev not installed (npm ci --prefix e2e): the real SMTP test is skipped");
        return None;
    }
    let (smtp, web) = (free_port(), free_port());
    let child = std::process::Command::new(bin)
        .args([
            "--ip",
            "127.0.0.1",
            "--smtp",
            &smtp.to_string(),
            "--web",
            &web.to_string(),
            "--silent",
        ])
        .spawn()
        .expect("maildev starts");
    let server = Maildev { child, smtp, web };
    for _ in 0..100 {
        if reqwest::get(server.api("/email")).await.is_ok() {
            return Some(server);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("maildev did not answer");
}

impl Maildev {
    fn api(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.web)
    }

    async fn emails(&self) -> Vec<Value> {
        reqwest::get(self.api("/email"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A request the provider received: its Authorization header and its body.
type Received = (Option<String>, Value);

/// A provider's API that answers with the statuses queued (200 when none
/// is left) and keeps every request's body.
#[derive(Clone, Default)]
struct SmsProvider {
    answers: Arc<Mutex<VecDeque<u16>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn sms_provider() -> (SmsProvider, String) {
    let provider = SmsProvider::default();
    let kept = provider.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let kept = kept.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let n = {
                        let mut received = kept.received.lock().unwrap();
                        received.push((auth, body));
                        received.len()
                    };
                    let status = kept.answers.lock().unwrap().pop_front().unwrap_or(200);
                    (
                        Status::from_u16(status).unwrap(),
                        axum::Json(json!({"id": format!("sms-{n}")})),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (provider, url)
}

/// The messages of a person, through the API.
async fn messages(app: &App, token: &str, person: &str) -> Vec<Value> {
    let (status, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/persons/{person}/messages"),
            token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

fn state_of<'a>(list: &'a [Value], channel: &str, purpose: &str) -> &'a str {
    list.iter()
        .find(|m| m["channel"] == channel && m["purpose"] == purpose)
        .and_then(|m| m["state"].as_str())
        .unwrap_or("absent")
}

#[tokio::test]
async fn a_convocation_goes_by_email_and_sms_once_and_its_failures_are_shown() {
    let Some(mail) = maildev().await else {
        return;
    };
    let (provider, sms_url) = sms_provider().await;
    for store in parcours_store::testing::all().await {
        let outbox = OutboxSettings {
            reminder_before: Duration::hours(48),
            email: Some(Arc::new(
                Smtp::new(
                    &format!("smtp://127.0.0.1:{}", mail.smtp),
                    "Département du Calvados <rdv@calvados.fr>",
                )
                .unwrap(),
            )),
            sms: Some(Arc::new(
                HttpSms::new(&sms_url, Some("jeton".into()), "CD14").unwrap(),
            )),
        };
        let app = spawn_with(store, outbox).await;
        let karim = app.token("referent2@demo.parcours.fr").await;
        let rsa = format!("14997{:06}", uuid::Uuid::now_v7().as_u128() % 1_000_000);
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/persons",
                &karim,
                Some(json!({
                    "household": {"rsa_number": rsa, "fund": "caf", "rsa_state": "2"},
                    "person": {"household_role": "DEM", "last_name": "Courriel", "first_names": "Inès",
                               "birth_date": "1992-04-05", "sex": "F", "commune_code": "14118",
                               "email": "ines.courriel@example.fr", "phone": "06 12 34 56 78",
                               "subject_to_duties": true, "duties_since": "2026-11-01"}
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let person = created["id"].as_str().unwrap().to_owned();
        let day = parcours_domain::clock::today() + Duration::days(12);
        let before = mail.emails().await.len();
        let (status, planned) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{person}/appointments"),
                &karim,
                Some(json!({"kind": "orientation", "on_date": day.to_string(), "starts_at": "09:30",
                            "modality": "sur_place", "place": "Maison des solidarités, 2 rue de la Gare, Caen",
                            "note": "Pièce d'identité", "channels": ["email", "sms"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{planned}");
        let queued = messages(&app, &karim, &person).await;
        assert_eq!(
            queued.len(),
            4,
            "convocation and reminder on each channel: {queued:?}"
        );
        assert_eq!(
            state_of(&queued, "email", "convocation"),
            "a_envoyer",
            "the page never sends"
        );
        // Messages are read as the appointments are: never by a structure's opérateur.
        let operator = app.token(OPERATOR).await;
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/persons/{person}/messages"),
                &operator,
                None,
            )
            .await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
            "{status}"
        );

        // The provider is down once: the SMS waits for its retry, the e-mail goes.
        provider.answers.lock().unwrap().push_back(503);
        let round = parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        assert_eq!((round.sent, round.refused), (1, 1), "{round:?}");
        let after = messages(&app, &karim, &person).await;
        assert_eq!(state_of(&after, "email", "convocation"), "envoye");
        assert_eq!(
            state_of(&after, "sms", "convocation"),
            "a_envoyer",
            "retried later"
        );
        assert_eq!(
            state_of(&after, "email", "rappel"),
            "a_envoyer",
            "the reminder waits for its day"
        );

        let emails = mail.emails().await;
        assert_eq!(emails.len(), before + 1);
        let email = emails.last().unwrap();
        assert_eq!(email["to"][0]["address"], "ines.courriel@example.fr");
        assert_eq!(email["from"][0]["address"], "rdv@calvados.fr");
        let subject = email["subject"].as_str().unwrap();
        assert!(
            subject.starts_with("Convocation : rendez-vous du "),
            "{subject}"
        );
        assert!(subject.ends_with("à 9 h 30"), "{subject}");
        let text = email["text"].as_str().unwrap();
        assert!(
            text.contains("Lieu : au Maison des solidarités, 2 rue de la Gare, Caen")
                || text.contains("Maison des solidarités, 2 rue de la Gare"),
            "{text}"
        );
        assert!(text.contains("À apporter : Pièce d'identité"), "{text}");
        assert!(!text.contains("RSA"), "{text}");
        let attachment = &email["attachments"][0];
        assert!(
            attachment["contentType"]
                .as_str()
                .unwrap()
                .starts_with("text/calendar"),
            "{attachment}"
        );
        let ics = reqwest::get(mail.api(&format!(
            "/email/{}/attachment/{}",
            email["id"].as_str().unwrap(),
            attachment["generatedFileName"].as_str().unwrap()
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        let start = parcours_domain::clock::paris_instant(day, time::macros::time!(09:30))
            .to_offset(time::UtcOffset::UTC);
        let dtstart = format!(
            "DTSTART:{:04}{:02}{:02}T{:02}{:02}00Z",
            start.year(),
            start.month() as u8,
            start.day(),
            start.hour(),
            start.minute()
        );
        assert!(ics.contains(&dtstart), "{dtstart} in {ics}");

        // Nothing is sent twice: another round before the retry sends nothing.
        let round = parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        assert_eq!((round.sent, round.refused), (0, 0));
        assert_eq!(mail.emails().await.len(), before + 1);

        // The retry's time comes (moved forward here): the SMS goes, with the token.
        move_due_dates(&app, &person).await;
        let round = parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        assert!(round.sent >= 1, "{round:?}");
        let after = messages(&app, &karim, &person).await;
        assert_eq!(state_of(&after, "sms", "convocation"), "envoye");
        let received = provider.received.lock().unwrap().clone();
        let (auth, body) = received.last().unwrap();
        assert_eq!(auth.as_deref(), Some("Bearer jeton"));
        assert_eq!(body["to"], "+33612345678");
        assert_eq!(body["from"], "CD14");
        assert!(
            body["text"].as_str().unwrap().contains("à 9 h 30"),
            "{body}"
        );
        let sms = after
            .iter()
            .find(|m| m["channel"] == "sms" && m["purpose"] == "convocation")
            .unwrap();
        let provider_id = sms["provider_id"].as_str().unwrap().to_owned();

        // The provider reports the SMS bounced: shown to the référent as undelivered.
        let admin = app.token(ADMIN).await;
        let report = json!({"channel": "sms", "provider_id": provider_id, "state": "rejete", "detail": "numéro inconnu"});
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/messages/delivery",
                &karim,
                Some(report.clone()),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "only the integration's administrator account"
        );
        let (status, reported) = app
            .call(
                Method::POST,
                "/api/v1/messages/delivery",
                &admin,
                Some(report),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{reported}");
        assert_eq!(reported["state"], "rejete");
        let (status, bad) = app
            .call(
                Method::POST,
                "/api/v1/messages/delivery",
                &admin,
                Some(json!({"channel": "fax", "provider_id": "", "state": "ok"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(bad["error"]["fields"].as_array().unwrap().len(), 3, "{bad}");
        let agenda = app
            .signed_in("referent2@demo.parcours.fr")
            .await
            .get(app.url("/agenda"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(agenda.contains("Convocations non remises (1)"), "{agenda}");
        assert!(
            agenda.contains("COURRIEL") || agenda.contains("Courriel Inès"),
            "{agenda}"
        );

        // Sent again on the référent's word: once more, and only once.
        let (status, resent) = app
            .call(
                Method::POST,
                &format!("/api/v1/messages/{}/resend", sms["id"].as_str().unwrap()),
                &karim,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{resent}");
        let sent_before = provider.received.lock().unwrap().len();
        parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        assert_eq!(provider.received.lock().unwrap().len(), sent_before + 1);

        // Called off by the service: the reminders never go, the person is told where the convocation went.
        let (status, _) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/appointments/{}/outcome",
                    planned["id"].as_str().unwrap()
                ),
                &karim,
                Some(json!({"version": 1, "outcome": "annule_service"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let after = messages(&app, &karim, &person).await;
        assert_eq!(state_of(&after, "email", "rappel"), "annule");
        assert_eq!(state_of(&after, "sms", "rappel"), "annule");
        assert_eq!(state_of(&after, "email", "annulation"), "a_envoyer");
        assert_eq!(state_of(&after, "sms", "annulation"), "a_envoyer");
        let round = parcours_app::outbox::deliver_due(&app.app).await.unwrap();
        assert_eq!(round.sent, 2, "{round:?}");
        let cancelled = mail.emails().await;
        let cancelled = cancelled.last().unwrap();
        assert!(
            cancelled["subject"]
                .as_str()
                .unwrap()
                .starts_with("Annulation : rendez-vous du "),
            "{cancelled}"
        );
        let text = cancelled["text"].as_str().unwrap();
        assert!(text.contains("annulé par le service"), "{text}");
        assert!(!text.contains("votre présence est importante"), "{text}");
        let ics = reqwest::get(mail.api(&format!(
            "/email/{}/attachment/{}",
            cancelled["id"].as_str().unwrap(),
            cancelled["attachments"][0]["generatedFileName"].as_str().unwrap()
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        assert!(
            ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"),
            "{ics}"
        );
        let (_, sms) = provider.received.lock().unwrap().last().unwrap().clone();
        assert!(
            sms["text"]
                .as_str()
                .unwrap()
                .contains("est annulé par le service"),
            "{sms}"
        );
        let page = app
            .page(
                "referent2@demo.parcours.fr",
                &format!("/personnes/{person}"),
            )
            .await;
        assert!(page.contains("Convocations et rappels envoyés"), "{page}");
        assert!(page.contains("Annulé (rendez-vous annulé)"), "{page}");

        // A person without a mobile number: the SMS is refused, nothing planned.
        let (status, refused) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/persons/{}/appointments",
                    find_lou(&app, &karim).await
                ),
                &karim,
                Some(
                    json!({"kind": "orientation", "on_date": day.to_string(), "starts_at": "15:00",
                            "modality": "telephone", "channels": ["sms"]}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["fields"][0]["field"], "channels");
        assert!(
            refused.to_string().contains("numéro de portable"),
            "{refused}"
        );
    }
}

/// A person created by Karim without e-mail or mobile.
async fn find_lou(app: &App, karim: &str) -> String {
    let rsa = format!("14998{:06}", uuid::Uuid::now_v7().as_u128() % 1_000_000);
    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/persons",
            karim,
            Some(json!({
                "household": {"rsa_number": rsa, "fund": "caf", "rsa_state": "2"},
                "person": {"household_role": "DEM", "last_name": "Sansportable", "first_names": "Lou",
                           "birth_date": "1990-01-02", "sex": "F", "commune_code": "14118",
                           "phone": "02 31 00 00 00", "subject_to_duties": true, "duties_since": "2026-11-01"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// The retries' time comes: the person's messages waiting are due now
/// (their reminders excepted).
async fn move_due_dates(app: &App, person: &str) {
    let person = uuid::Uuid::parse_str(person).unwrap();
    let sql = "UPDATE outbox SET due_at = $1
               WHERE person_id = $2 AND state = 'a_envoyer' AND purpose = 'convocation'";
    let past = parcours_store::now() - Duration::minutes(1);
    let params = vec![past.into(), person.into()];
    parcours_store::testing::execute(&app.store, sql, params)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_morning_digest_reaches_who_chose_it_and_only_once() {
    let Some(mail) = maildev().await else {
        return;
    };
    for store in parcours_store::testing::all().await {
        let outbox = OutboxSettings {
            email: Some(Arc::new(
                Smtp::new(
                    &format!("smtp://127.0.0.1:{}", mail.smtp),
                    "Parcours <parcours@calvados.fr>",
                )
                .unwrap(),
            )),
            ..OutboxSettings::default()
        };
        let app = spawn_with(store, outbox).await;
        let sophie = app.token(REFERENT).await;
        let (status, chosen) = app
            .call(
                Method::PUT,
                "/api/v1/notifications/email-choices",
                &sophie,
                Some(json!({"by_email": ["entree"]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{chosen}");
        assert_eq!(chosen["by_email"], json!(["entree"]));
        // What was there before her choice goes too, unread: mark it read first.
        app.call(
            Method::POST,
            "/api/v1/notifications/read",
            &sophie,
            Some(json!({})),
        )
        .await;

        let (fabrice, workshop) = fabrice_and_workshop(&app, &sophie).await;
        let (_, referral) = app
            .call(
                Method::POST,
                &format!("/api/v1/persons/{fabrice}/referrals"),
                &sophie,
                Some(json!({"action_id": workshop, "override_reason": "Projet travaillé avec la structure", "positioned_on": "2026-11-02"})),
            )
            .await;
        let operator = app.token(OPERATOR).await;
        let (_, entered) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/referrals/{}/accept",
                    referral["id"].as_str().unwrap()
                ),
                &operator,
                Some(json!({"version": referral["version"], "entered_on": "2026-11-02"})),
            )
            .await;
        assert_eq!(entered["status"], "entered");

        let before = mail.emails().await.len();
        assert_eq!(
            parcours_app::notification::send_digests(&app.app)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            parcours_app::notification::send_digests(&app.app)
                .await
                .unwrap(),
            0,
            "once"
        );
        let emails = mail.emails().await;
        assert_eq!(emails.len(), before + 1);
        let digest = emails.last().unwrap();
        assert_eq!(digest["to"][0]["address"], REFERENT);
        assert_eq!(digest["subject"], "Parcours : 1 nouvelle notification");
        let text = digest["text"].as_str().unwrap();
        assert!(text.contains("MARIE Fabrice — Entrée en action"), "{text}");
        assert!(text.contains("Plaine Emploi"), "{text}");
    }
}
