//! Orientation decisions, the cadre's validation queue, the référent
//! unique's designation and the joint review of a social pathway.

use crate::person::visible_person;
use crate::{App, CurrentUser, Failure};
use parcours_domain::clock::today;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::orientation::{
    DesignationInput, OrientationData, OrientationInput, ReviewInput,
};
use parcours_domain::person::required_date;
use parcours_domain::{Invalid, Permission};
use parcours_store::orientation::{Assignment, Orientation, PendingOrientation};
use uuid::Uuid;

/// Decides an orientation for a person, pending the cadre's validation.
pub async fn decide(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &OrientationInput,
) -> Result<Orientation, Failure> {
    let person = visible_person(app, me, person_id, Permission::DecideOrientation).await?;
    // Orientation and its clocks are the RSA's droits et devoirs.
    if !person.situation().is_rsa() {
        return Err(Invalid::field(
            "kind",
            "Cette personne est hors RSA : l'orientation et ses délais concernent les bénéficiaires du RSA.",
        )
        .into());
    }
    // A reorientation must say why: any earlier decision not refused.
    let reorientation = app
        .store
        .orientations(person_id)
        .await?
        .iter()
        .any(|o| o.status != OrientationStatus::Rejected);
    let data = OrientationData::parse(input, today(), reorientation)?;
    Ok(app
        .store
        .decide_orientation(&me.actor(), person_id, &data)
        .await?)
}

pub async fn designate(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &DesignationInput,
) -> Result<Assignment, Failure> {
    visible_person(app, me, person_id, Permission::AssignReferent).await?;
    let mut invalid = Invalid::new();
    let referent = parcours_domain::account::parse_uuid(
        &mut invalid,
        "referent_id",
        "Référent unique",
        &input.referent_id,
    );
    let starts_on = required_date(&mut invalid, "starts_on", "Date de début", &input.starts_on);
    let (Some(referent), Some(starts_on)) = (referent, starts_on) else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    Ok(app
        .store
        .designate_referent(&me.actor(), person_id, referent, starts_on)
        .await?)
}

pub async fn review(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &ReviewInput,
) -> Result<(), Failure> {
    visible_person(app, me, person_id, Permission::EditPersons).await?;
    let mut invalid = Invalid::new();
    let on = required_date(
        &mut invalid,
        "reviewed_on",
        "Date du réexamen",
        &input.reviewed_on,
    );
    if on.is_some_and(|d| d > today()) {
        invalid.add(
            "reviewed_on",
            "La date du réexamen ne peut pas être dans le futur.",
        );
    }
    let Some(on) = on else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    Ok(app
        .store
        .record_joint_review(&me.actor(), person_id, on, &input.outcome)
        .await?)
}

/// The cadre's queue: decisions within scope awaiting validation.
pub async fn pending(app: &App, me: &CurrentUser) -> Result<Vec<PendingOrientation>, Failure> {
    me.require(Permission::ValidateOrientation)?;
    Ok(app.store.pending_orientations(&me.scope()).await?)
}

/// Validates the chosen orientations at once (all or none).
pub async fn validate(
    app: &App,
    me: &CurrentUser,
    ids: &[Uuid],
    notified_on: &str,
) -> Result<usize, Failure> {
    me.require(Permission::ValidateOrientation)?;
    let mut invalid = Invalid::new();
    if ids.is_empty() {
        invalid.add("ids", "Cochez au moins une orientation à valider.");
    }
    parcours_domain::validation::bounded_list(
        &mut invalid,
        "ids",
        "Orientations",
        ids.len(),
        parcours_domain::validation::IDS_MAX,
    );
    let on = required_date(
        &mut invalid,
        "notified_on",
        "Date de notification",
        notified_on,
    );
    if on.is_some_and(|d| d > today()) {
        invalid.add(
            "notified_on",
            "La date de notification ne peut pas être dans le futur.",
        );
    }
    let Some(on) = on else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    Ok(app
        .store
        .validate_orientations(&me.actor(), &me.scope(), ids, on)
        .await?)
}

/// Refuses a pending orientation; the store requires the reason.
pub async fn reject(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    rejection_reason: &str,
) -> Result<(), Failure> {
    me.require(Permission::ValidateOrientation)?;
    let mut invalid = Invalid::new();
    let rejection_reason = parcours_domain::validation::free_text(
        &mut invalid,
        "rejection_reason",
        "Motif du rejet",
        rejection_reason,
        2_000,
    );
    invalid.into_result(())?;
    Ok(app
        .store
        .reject_orientation(&me.actor(), &me.scope(), id, &rejection_reason)
        .await?)
}
