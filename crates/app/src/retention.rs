//! Retention (issue 18): the DPO sees what the next run anonymises and
//! deletes; the command line (`parcours purge`) and the server's nightly
//! job run it. The policy is the département's setting ([`crate::Config`]).

use crate::{App, Caller, CurrentUser, Failure};
use parcours_domain::audit::AuditAction;
use parcours_domain::retention::{Cutoffs, RetentionPolicy};
use parcours_domain::{clock, Permission};
use parcours_store::retention::{PurgeReport, RetentionPreview};

/// The entity the audit trail names for retention.
pub const ENTITY: &str = "retention";

/// The policy, its cut-offs today, and what the next run touches.
#[derive(Debug, Clone)]
pub struct Overview {
    pub policy: RetentionPolicy,
    pub cutoffs: Cutoffs,
    pub preview: RetentionPreview,
}

/// What a run did, or would do (`--dry-run`).
#[derive(Debug, Clone)]
pub enum PurgeOutcome {
    DryRun(Overview),
    Done(PurgeReport),
}

async fn overview(app: &App) -> Result<Overview, Failure> {
    let policy = app.config.retention;
    let cutoffs = policy.cutoffs(clock::today());
    let preview = app.store.retention_preview(&cutoffs).await?;
    Ok(Overview {
        policy,
        cutoffs,
        preview,
    })
}

/// What the next run anonymises and deletes, for the DPO; the read is audited.
pub async fn preview(app: &App, me: &CurrentUser) -> Result<Overview, Failure> {
    me.require(Permission::ViewRetention)?;
    let overview = overview(app).await?;
    app.store
        .audit(
            &me.actor(),
            AuditAction::Read,
            ENTITY,
            None,
            Some(&format!(
                "aperçu : {} dossier(s) à anonymiser, {} événement(s) d'audit et {} demande(s) \
                 d'accès à supprimer",
                overview.preview.files.len(),
                overview.preview.audit_events,
                overview.preview.join_requests
            )),
        )
        .await?;
    Ok(overview)
}

/// Runs the purge (or only says what it would do, `dry_run`): files without
/// contact since the policy's period anonymised, audit events and requests
/// to join a structure older than its audit period deleted, the run audited
/// with its counts.
pub async fn purge(
    app: &App,
    caller: &impl Caller,
    dry_run: bool,
) -> Result<PurgeOutcome, Failure> {
    caller.require(Permission::PurgePersonalData)?;
    if dry_run {
        return Ok(PurgeOutcome::DryRun(overview(app).await?));
    }
    let today = clock::today();
    let cutoffs = app.config.retention.cutoffs(today);
    let report = app
        .store
        .retention_purge(&caller.actor(), &cutoffs, today)
        .await?;
    Ok(PurgeOutcome::Done(report))
}
