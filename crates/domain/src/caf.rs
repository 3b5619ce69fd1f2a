//! Data from the CAF/MSA (or another system's CSV export): the dossiers of
//! a file, each validated on its own, and what importing one changes in a
//! person's file. Records arrive as raw text fields whatever the file's
//! layout (the CNAF's schema, `docs/specs/vrsb0801.xsd`, or a CSV export);
//! the rules live here.

use crate::declared_situation::{DeclaredSituation, RawDeclaredSituation};
use crate::person::{
    parse_date, Fund, HouseholdData, HouseholdInput, HouseholdRole, PersonData, PersonInput,
    RsaState,
};
use crate::validation::Invalid;
use serde::Serialize;
use time::Date;

/// One dossier RSA as read from a file, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDossier {
    /// Line of the file where the record starts.
    pub line: u64,
    pub rsa_number: String,
    pub caf_number: String,
    pub rsa_state: String,
    pub rsa_state_on: String,
    /// The address on one line (CSV files); from the CAF's files it is
    /// composed from `address_parts`.
    pub address: String,
    /// INSEE code of the commune (`NUMCOM`).
    pub commune_code: String,
    pub persons: Vec<RawPerson>,
    /// `FONORG` of the dossier (CAF or MSA); empty: the file's fund.
    pub fund: String,
    /// `DTDEMRSA`, the RSA request date.
    pub request_date: String,
    /// `SITFAM` and `DDSITFAM`.
    pub family_situation: String,
    pub family_situation_on: String,
    /// `TOPSANSDOMFIXE`: "1" when without a fixed abode.
    pub homeless: String,
    /// The current address (`RGADR` 1) in its detailed parts.
    pub address_parts: RawAddress,
    /// The case state's blocks: `Refus`, `SuspensionDroit`,
    /// `SuspensionVersement` (the latest of each), `FinDroit` or
    /// `FinDroitMoisAnterieur`.
    pub refusal: RawMotive,
    pub right_suspension: RawMotive,
    pub payment_suspension: RawMotive,
    pub closure: RawMotive,
    /// Fields breaking the file's schema (line, French reason): the
    /// dossier is rejected with the first.
    pub schema_errors: Vec<(u64, String)>,
    /// The fields the source does not carry (a CSV export without their
    /// column): a file already known keeps its own.
    pub keeps: Keeps,
    /// The flux instruction's `ModesContacts`.
    pub contacts: Vec<RawContact>,
}

/// A way to reach the household, as the flux instruction gives it
/// (`ModesContacts`), with the consent to its use: `AUTORUTITEL` and
/// `AUTORUTIADRELEC` are A (agreed), R (refused) or I (unknown). Only an
/// agreed one reaches the requester's file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawContact {
    /// `NUMTEL` and `AUTORUTITEL`.
    pub phone: String,
    pub phone_use: String,
    /// `ADRELEC` and `AUTORUTIADRELEC`.
    pub email: String,
    pub email_use: String,
}

/// An address as the CAF details it (`AdresseDetailleeFrance`, or the
/// lines of `AdresseHorsFrance`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawAddress {
    pub complement_id: String,
    pub complement: String,
    pub number: String,
    pub street_type: String,
    pub street_name: String,
    pub locality: String,
    pub postcode: String,
    pub commune_name: String,
    pub abroad: Vec<String>,
}

impl RawAddress {
    /// On one line, as the person's file keeps it: "BÂTIMENT C, 12 BIS
    /// AVENUE DU SACRÉ-CŒUR, 14000 CAEN".
    pub fn one_line(&self) -> String {
        let street_type = street_type_label(self.street_type.trim())
            .map(str::to_uppercase)
            .unwrap_or_else(|| self.street_type.clone());
        let street = join(&[&self.number, &street_type, &self.street_name], " ");
        // A postcode of zeros is none (the schema wants a number).
        let postcode = if self.postcode.trim().trim_start_matches('0').is_empty() {
            ""
        } else {
            self.postcode.as_str()
        };
        let town = join(&[postcode, &self.commune_name], " ");
        let mut parts: Vec<&str> = vec![
            &self.complement_id,
            &self.complement,
            &street,
            &self.locality,
            &town,
        ];
        parts.extend(self.abroad.iter().map(String::as_str));
        join(&parts, ", ")
    }
}

/// The street type of a flux instruction's address (`TYPEVOIE`, the
/// FANTOIR code of the kind of way); the flux bénéficiaires writes its
/// label (`LIBTYPEVOIE`). The common codes; another stays as written.
pub fn street_type_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "ALL" => "Allée",
        "AV" => "Avenue",
        "BD" => "Boulevard",
        "CAR" => "Carrefour",
        "CHE" => "Chemin",
        "CHS" => "Chaussée",
        "CITE" => "Cité",
        "CLOS" => "Clos",
        "COR" => "Corniche",
        "CRS" => "Cours",
        "DOM" => "Domaine",
        "ESP" => "Esplanade",
        "FG" => "Faubourg",
        "GR" => "Grande rue",
        "HAM" => "Hameau",
        "IMP" => "Impasse",
        "LD" => "Lieu-dit",
        "LOT" => "Lotissement",
        "MTE" => "Montée",
        "PARC" => "Parc",
        "PAS" => "Passage",
        "PL" => "Place",
        "PROM" => "Promenade",
        "QU" => "Quai",
        "QUA" => "Quartier",
        "R" => "Rue",
        "RES" => "Résidence",
        "RLE" => "Ruelle",
        "RPT" => "Rond-point",
        "RTE" => "Route",
        "SEN" => "Sentier",
        "SQ" => "Square",
        "TRA" => "Traverse",
        "VLA" => "Villa",
        "VOI" => "Voie",
        "ZA" => "Zone artisanale",
        "ZAC" => "Zone d'aménagement concerté",
        "ZI" => "Zone industrielle",
        _ => return None,
    })
}

fn join(parts: &[&str], separator: &str) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

/// A reason code and its date (`MOTISUSVERSRSA` and `DDSUSVERSRSA`…).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawMotive {
    pub reason: String,
    pub on: String,
}

/// What the CAF's files say of a case beyond its state. Codes are kept as
/// the CAF writes them: the schema lists none, and the CAF adds some; the
/// known ones have a French label ([`family_situation_label`],
/// [`state_reason_label`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CafFacts {
    /// `DTDEMRSA`: the RSA request date, where the delays start.
    pub requested_on: Option<Date>,
    /// `SITFAM` and `DDSITFAM`.
    pub family_situation: Option<String>,
    pub family_situation_on: Option<Date>,
    /// `TOPSANSDOMFIXE`: without a fixed abode.
    pub homeless: bool,
    /// The reason of the block explaining the state: refusal, suspension of
    /// the right or of the payment, closure.
    pub state_reason: Option<String>,
}

impl CafFacts {
    /// What a dossier read from a file says; None when the file carries
    /// none of it (a CSV export), so that the facts already known stay.
    fn read(raw: &RawDossier, state: &str) -> Result<Option<CafFacts>, String> {
        let code = |raw: &str| Some(raw.trim().to_uppercase()).filter(|c| !c.is_empty());
        let date = |name: &str, raw: &str| match raw.trim() {
            "" => Ok(None),
            text => parse_date(&iso(text))
                .map(Some)
                .ok_or_else(|| format!("{name} : « {text} » n'est pas une date.")),
        };
        let facts = CafFacts {
            requested_on: date("DTDEMRSA", &raw.request_date)?,
            family_situation: code(&raw.family_situation),
            family_situation_on: date("DDSITFAM", &raw.family_situation_on)?,
            homeless: flag("TOPSANSDOMFIXE", &raw.homeless)?,
            state_reason: state_motive(raw, state).and_then(|m| code(&m.reason)),
        };
        Ok((facts != CafFacts::default()).then_some(facts))
    }
}

impl CafFacts {
    /// What a file changes in facts already known, in French, one sentence
    /// each; a fact known for the first time is no change worth reporting
    /// (every household gets them at its first file of this format).
    pub fn changes(&self, incoming: &CafFacts, state: RsaState) -> Vec<String> {
        use crate::clock::fr_date;
        let mut changes = Vec::new();
        if let (Some(before), Some(after)) = (self.requested_on, incoming.requested_on) {
            if before != after {
                changes.push(format!(
                    "Date de la demande de RSA : {} → {}",
                    fr_date(before),
                    fr_date(after)
                ));
            }
        }
        if let (Some(before), Some(after)) = (&self.family_situation, &incoming.family_situation) {
            if before != after {
                changes.push(format!(
                    "Situation de famille : {} → {}{}",
                    family_situation(before),
                    family_situation(after),
                    incoming
                        .family_situation_on
                        .map(|d| format!(" (au {})", fr_date(d)))
                        .unwrap_or_default()
                ));
            }
        }
        if self.homeless != incoming.homeless && *self != CafFacts::default() {
            changes.push(if incoming.homeless {
                "Sans domicile fixe".to_owned()
            } else {
                "N'est plus sans domicile fixe".to_owned()
            });
        }
        if let (Some(before), Some(after)) = (&self.state_reason, &incoming.state_reason) {
            if before != after {
                changes.push(format!(
                    "Motif de l'état du droit : {} → {}",
                    state_reason(state, before),
                    state_reason(state, after)
                ));
            }
        }
        changes
    }
}

/// A family situation for people: its label and code, or the code alone.
pub fn family_situation(code: &str) -> String {
    coded(family_situation_label(code), code)
}

/// A state's reason for people: its label and code, or the code alone.
pub fn state_reason(state: RsaState, code: &str) -> String {
    coded(state_reason_label(state, code), code)
}

/// The French label of a family situation code (`SITFAM`).
pub fn family_situation_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "ABA" => "Disparu (jugement d'absence)",
        "CEL" => "Célibataire",
        "DIV" => "Divorcé ou divorcée",
        "ISO" => "Seul après une vie maritale ou un PACS",
        "MAR" => "Marié ou mariée",
        "PAC" => "Pacsé ou pacsée",
        "RPA" => "Reprise de la vie commune (PACS)",
        "RVC" => "Reprise de la vie maritale",
        "RVM" => "Reprise de la vie commune (mariage)",
        "SEF" => "Séparation de fait",
        "SEL" => "Séparation légale",
        "VEU" => "Veuf ou veuve",
        "VIM" => "Vie maritale",
        _ => return None,
    })
}

/// The French label of the reason of a case state: the suspension of the
/// right (`MOTISUSDRORSA`), of the payment (`MOTISUSVERSRSA`), the closure
/// (`MOTICLORSA`); the refusal's codes have no published list.
pub fn state_reason_label(state: RsaState, code: &str) -> Option<&'static str> {
    Some(match (state, code) {
        (RsaState::OpenSuspended, "DA" | "GF") => "Situation de famille",
        (RsaState::OpenSuspended, "DB") => "Ressources",
        (RsaState::OpenSuspended, "GR") => "Contrôle des activités et ressources",
        (RsaState::OpenSuspended, "DC" | "GA") => "Enquête administrative",
        (RsaState::OpenSuspended, "DD" | "GS") => "Enquête sociale",
        (RsaState::OpenSuspended, "DE" | "GC") => "Formulaire de contrôle non retourné",
        (RsaState::OpenSuspended, "DF" | "GI") => "Changement de caisse non signalé",
        (RsaState::OpenSuspended, "DG" | "DH") => "Décès",
        (RsaState::OpenSuspended, "DI" | "GX") => "Autre motif",
        (RsaState::OpenSuspended, "DJ") => "Paiement réimputé ou arrêté",
        (RsaState::OpenSuspended, "DK") => "Pas de réponse au contrôle de l'assurance chômage",
        (RsaState::OpenSuspended, "DL") => "N'habite plus à l'adresse indiquée",
        (RsaState::OpenSuspended, "DM") => "Résidence inconnue",
        (RsaState::OpenSuspended, "DN" | "DO") => "Droits divergents entre organismes",
        (RsaState::OpenSuspended, "DP") => "Contrôle de l'allocation de soutien familial",
        (RsaState::OpenSuspended, "GE") => "Forfait de travailleur indépendant non fourni",
        (RsaState::OpenSuspended, "GJ") => "Décision du président du conseil départemental",
        (RsaState::OpenSuspended, "GK") => "Contrat d'insertion",
        (RsaState::OpenSuspended, "GL") => "Action d'insertion non engagée",
        (RsaState::OpenPaymentSuspended, "01") => "Ressources trop élevées",
        (RsaState::OpenPaymentSuspended, "02") => "Moins de 25 ans (condition de charge)",
        (RsaState::OpenPaymentSuspended, "03") => "Activité non conforme",
        (RsaState::OpenPaymentSuspended, "04" | "36") => "Titre de séjour absent ou non valide",
        (RsaState::OpenPaymentSuspended, "05") => "Montant inférieur au seuil de versement",
        (RsaState::OpenPaymentSuspended, "06") => {
            "Déclaration trimestrielle de ressources non fournie"
        }
        (RsaState::OpenPaymentSuspended, "09") => "Résidence non conforme",
        (RsaState::OpenPaymentSuspended, "31") => "Prestation exclue (affiliation partielle)",
        (RsaState::OpenPaymentSuspended, "34") => "Régime non conforme",
        (RsaState::OpenPaymentSuspended, "35") => {
            "Demande de pension de retraite absente ou tardive"
        }
        (RsaState::OpenPaymentSuspended, "85") => "Plus d'allocataire",
        (RsaState::OpenPaymentSuspended, "97") => "Allocation aux adultes handicapés réduite",
        (RsaState::OpenPaymentSuspended, "AB") => "Allocataire absent du foyer",
        (RsaState::OpenPaymentSuspended, "CV") => {
            "En attente de la décision du président du conseil départemental"
        }
        (RsaState::OpenPaymentSuspended, "CG") => "Sanction appliquée",
        (RsaState::Closed | RsaState::ClosedRegularised, code) => match code {
            "PCG" => "Décision du président du conseil départemental",
            "ECH" => "Échéance : quatre mois sans droit",
            "EFF" => "Annulation de la conversion RMI ou API",
            "MUT" => "Dossier transféré à un autre organisme",
            "RGD" => "Regroupement de dossiers",
            "RFD" => "Radiation, fin de droit",
            "RAU" => "Radiation, autre motif",
            "RST" | "RSO" => "Radiation (option outre-mer)",
            _ => return None,
        },
        _ => return None,
    })
}

/// A CAF code with its label when known: « Ressources (DB) », or the code
/// alone (« code XY ») when the CAF's list does not have it.
fn coded(label: Option<&str>, code: &str) -> String {
    match label {
        Some(label) => format!("{label} ({code})"),
        None => format!("code {code}"),
    }
}

/// One member of the household as read from a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPerson {
    pub line: u64,
    pub role: String,
    pub last_name: String,
    pub first_names: String,
    pub birth_name: String,
    pub birth_date: String,
    pub sex: String,
    pub nir: String,
    /// `TOPPERSDRODEVORSA`: "1" when subject to droits et devoirs.
    pub subject_to_duties: String,
    /// `TOPPERSENTDRODEVORSA`: "1" when newly subject.
    pub new_entrant: String,
    /// The flux instruction's `DonneesSocioProfessionnelles`.
    pub declared: RawDeclaredSituation,
}

/// A valid dossier: the household and the adults the département follows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    pub line: u64,
    pub household: HouseholdData,
    pub persons: Vec<DossierPerson>,
    pub keeps: Keeps,
}

/// The fields a source does not carry (a CSV export without their column,
/// read with a default): a household or a person already known keeps its
/// own value rather than take the default. A CSV export without the RSA
/// state must not reopen a suspended case, nor one without the droits et
/// devoirs bring back a person who left them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keeps {
    pub caf_number: bool,
    pub rsa_state: bool,
    pub role: bool,
    pub address: bool,
    pub subject_to_duties: bool,
    /// The case's facts the file does not give keep their known value (the
    /// flux instruction says nothing of the state's reason nor of
    /// homelessness, and may leave the family situation out).
    pub facts: bool,
}

impl Keeps {
    /// What a CSV file read through `mapping` does not carry.
    pub fn unmapped(mapping: &CsvMapping) -> Keeps {
        let absent = |field: &str| !mapping.columns.contains_key(field);
        Keeps {
            caf_number: absent("caf_number"),
            rsa_state: absent("rsa_state"),
            role: absent("role"),
            address: absent("address"),
            subject_to_duties: absent("subject_to_duties"),
            facts: false,
        }
    }

    /// The household as the source describes it, the fields it lacks taken
    /// from the known one.
    pub fn household(self, known: &HouseholdData, incoming: &HouseholdData) -> HouseholdData {
        let mut data = incoming.clone();
        if self.caf_number {
            data.caf_number = known.caf_number.clone();
        }
        if self.rsa_state {
            data.rsa_state = known.rsa_state;
            data.rsa_state_on = known.rsa_state_on;
        }
        if let (true, Some(known), Some(given)) = (self.facts, &known.caf, &data.caf) {
            data.caf = Some(CafFacts {
                requested_on: given.requested_on.or(known.requested_on),
                family_situation: given
                    .family_situation
                    .clone()
                    .or(known.family_situation.clone()),
                family_situation_on: given.family_situation_on.or(known.family_situation_on),
                homeless: known.homeless,
                state_reason: known.state_reason.clone(),
            });
        }
        data
    }

    /// The person as the source describes them, the fields it lacks taken
    /// from the known file.
    pub fn person(self, known: &PersonData, incoming: &PersonData) -> PersonData {
        let mut data = incoming.clone();
        if self.role {
            data.household_role = known.household_role;
        }
        if self.address {
            data.address = known.address.clone();
        }
        if self.subject_to_duties {
            data.subject_to_duties = known.subject_to_duties;
            data.duties_since = known.duties_since;
        }
        data
    }

    /// [`Keeps::person`] when the known file could be read, else the person
    /// as the source describes them.
    pub fn person_of(self, known: Option<&PersonData>, incoming: &PersonData) -> PersonData {
        known.map_or_else(|| incoming.clone(), |known| self.person(known, incoming))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierPerson {
    pub line: u64,
    /// `duties_since` is the file's date when subject: the import keeps an
    /// earlier date already known.
    pub data: PersonData,
    /// `TOPPERSENTDRODEVORSA`: whether the person enters droits et devoirs
    /// with this file; None when the file does not say. A person first seen
    /// subject but not entering was already there (a département's first
    /// file holds its whole stock): no new entrant.
    pub entering: Option<bool>,
    /// What the person declared when applying (the flux instruction).
    pub declared: Option<DeclaredSituation>,
}

/// A record left out of an import, and why (in French, for the report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejected {
    pub line: u64,
    /// The dossier number, or the person, as far as it could be read.
    pub reference: String,
    pub reason: String,
}

/// Validates a dossier read from a file dated `file_date`. Children and
/// other members not subject to droits et devoirs are left out: the
/// département follows the adults.
pub fn validate(raw: &RawDossier, fund: Fund, file_date: Date) -> Result<Dossier, Rejected> {
    // What a rejection quotes of the file is kept: never a control
    // character (a NUL cannot be stored) nor a whole oversized cell.
    validate_dossier(raw, fund, file_date).map_err(|rejected| Rejected {
        line: rejected.line,
        reference: crate::validation::printable(&rejected.reference, 50),
        reason: crate::validation::printable(&rejected.reason, 1_000),
    })
}

fn validate_dossier(raw: &RawDossier, fund: Fund, file_date: Date) -> Result<Dossier, Rejected> {
    let reject = |line: u64, reason: String| Rejected {
        line,
        reference: raw.rsa_number.trim().to_owned(),
        reason,
    };
    if let Some((line, reason)) = raw.schema_errors.first() {
        return Err(reject(*line, reason.clone()));
    }
    let fund = match raw.fund.trim() {
        "" => fund,
        code => Fund::from_code(&code.to_lowercase()).ok_or_else(|| {
            reject(
                raw.line,
                format!("FONORG : organisme « {code} » inconnu, attendu CAF ou MSA."),
            )
        })?,
    };
    let rsa_state = raw.rsa_state.trim();
    let caf = CafFacts::read(raw, rsa_state).map_err(|reason| reject(raw.line, reason))?;
    let rsa_state_on = match raw.rsa_state_on.trim() {
        "" => state_motive(raw, rsa_state).map_or("", |m| m.on.as_str()),
        on => on,
    };
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: raw.rsa_number.clone(),
            caf_number: raw.caf_number.clone(),
            fund: fund.code().to_owned(),
            rsa_state: rsa_state.to_owned(),
            rsa_state_on: iso(rsa_state_on),
        },
        file_date,
    )
    .map_err(|invalid| reject(raw.line, describe(&invalid, HOUSEHOLD_FIELDS)))?;
    let household = HouseholdData { caf, ..household };
    let mut persons = Vec::new();
    for person in &raw.persons {
        if let Some(mut data) =
            validate_person(person, raw, file_date).map_err(|reason| reject(person.line, reason))?
        {
            if data.household_role == HouseholdRole::Requester {
                (data.email, data.phone) = agreed_contact(&raw.contacts);
            }
            let declared = DeclaredSituation::read(&person.declared, file_date)
                .map_err(|reason| reject(person.line, reason))?;
            persons.push(DossierPerson {
                line: person.line,
                data,
                entering: match person.new_entrant.trim() {
                    "" => None,
                    flagged => Some(flag("TOPPERSENTDRODEVORSA", flagged).unwrap_or(false)),
                },
                declared,
            });
        }
    }
    if persons.is_empty() {
        return Err(reject(
            raw.line,
            "Le dossier ne compte ni demandeur ni conjoint (ROLEPERS DEM ou CJT).".into(),
        ));
    }
    Ok(Dossier {
        line: raw.line,
        household,
        persons,
        keeps: raw.keeps,
    })
}

/// The e-mail address and the phone number the household agreed to have
/// used (the first of each); one that is not valid is left out, as a
/// typing error at the CAF must not reject the dossier.
fn agreed_contact(contacts: &[RawContact]) -> (Option<String>, Option<String>) {
    use crate::person::{valid_email, valid_phone};
    let agreed = |consent: &str| consent.trim().eq_ignore_ascii_case("A");
    let email = contacts
        .iter()
        .filter(|c| agreed(&c.email_use))
        .map(|c| c.email.trim().to_lowercase())
        .find(|e| valid_email(e));
    let phone = contacts
        .iter()
        .filter(|c| agreed(&c.phone_use))
        .map(|c| c.phone.trim().to_owned())
        .find(|p| valid_phone(p));
    (email, phone)
}

/// The block that explains the case state `state`: the refusal (1), the
/// suspension of the right (3) or of the payment (4), the closure (5, 6).
pub fn state_motive<'a>(raw: &'a RawDossier, state: &str) -> Option<&'a RawMotive> {
    let motive = match state {
        "1" => &raw.refusal,
        "3" => &raw.right_suspension,
        "4" => &raw.payment_suspension,
        "5" | "6" => &raw.closure,
        _ => return None,
    };
    (!motive.reason.trim().is_empty() || !motive.on.trim().is_empty()).then_some(motive)
}

/// A CAF flag: 1 (or true, oui) or 0 (or false, non, empty).
fn flag(name: &str, raw: &str) -> Result<bool, String> {
    match raw.trim() {
        "1" | "O" | "o" | "oui" | "true" => Ok(true),
        "" | "0" | "N" | "n" | "non" | "false" => Ok(false),
        other => Err(format!("{name} vaut « {other} » : attendu 1 ou 0.")),
    }
}

fn validate_person(
    raw: &RawPerson,
    dossier: &RawDossier,
    file_date: Date,
) -> Result<Option<PersonData>, String> {
    let role = raw.role.trim().to_uppercase();
    let subject = flag("TOPPERSDRODEVORSA", &raw.subject_to_duties)?;
    flag("TOPPERSENTDRODEVORSA", &raw.new_entrant)?;
    let adult = matches!(
        HouseholdRole::from_code(&role),
        Some(HouseholdRole::Requester | HouseholdRole::Partner)
    );
    if !adult && !subject && HouseholdRole::from_code(&role).is_some() {
        return Ok(None);
    }
    let input = PersonInput {
        household_role: role,
        last_name: raw.last_name.clone(),
        first_names: raw.first_names.clone(),
        birth_name: distinct_birth_name(raw),
        birth_date: iso(&raw.birth_date),
        sex: sex_code(&raw.sex).to_owned(),
        nir: raw.nir.clone(),
        address: if dossier.address.trim().is_empty() {
            dossier.address_parts.one_line()
        } else {
            dossier.address.clone()
        },
        commune_code: dossier.commune_code.clone(),
        subject_to_duties: subject,
        duties_since: if subject {
            iso_date(file_date)
        } else {
            String::new()
        },
        ..PersonInput::default()
    };
    let who = format!("{} {}", raw.last_name.trim(), raw.first_names.trim());
    PersonData::parse(&input, file_date)
        .map(Some)
        .map_err(|invalid| format!("{} : {}", who.trim(), describe(&invalid, PERSON_FIELDS)))
}

/// The CAF's files always write `NOMNAI`, most often the name itself: a
/// birth name equal to the name says nothing more, and keeping it would
/// change the identity of every file created without one at the next
/// monthly file.
fn distinct_birth_name(raw: &RawPerson) -> String {
    use crate::person::fold;
    if fold(&raw.birth_name) == fold(&raw.last_name) {
        String::new()
    } else {
        raw.birth_name.clone()
    }
}

/// CAF files write the sex 1 (man) or 2 (woman); other systems M/H/F.
fn sex_code(raw: &str) -> &str {
    match raw.trim() {
        "1" | "M" | "m" | "H" | "h" => "M",
        "2" | "F" | "f" => "F",
        _ => "",
    }
}

/// Dates as CAF files write them (AAAA-MM-JJ, JJ/MM/AAAA or AAAAMMJJ), as
/// the person forms read them.
fn iso(raw: &str) -> String {
    let raw = raw.trim();
    if raw.len() == 8 && raw.chars().all(|c| c.is_ascii_digit()) {
        return format!("{}-{}-{}", &raw[..4], &raw[4..6], &raw[6..]);
    }
    raw.to_owned()
}

pub fn iso_date(date: Date) -> String {
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses a file's date (header `DTCREAFLUX`, or a CSV column).
pub fn file_date(raw: &str) -> Option<Date> {
    parse_date(&iso(raw))
}

/// Field names of the domain, as the CAF files name them.
const HOUSEHOLD_FIELDS: &[(&str, &str)] = &[
    ("rsa_number", "NUMDEMRSA"),
    ("caf_number", "MATRICULE"),
    ("rsa_state", "ETATDOSRSA"),
    ("rsa_state_on", "date de l'état (DDSUSVERSRSA, DTCLORSA…)"),
    ("fund", "FONORG"),
];
const PERSON_FIELDS: &[(&str, &str)] = &[
    ("household_role", "ROLEPERS"),
    ("last_name", "NOM"),
    ("first_names", "PRENOM"),
    ("birth_name", "NOMNAI"),
    ("birth_date", "DTNAI"),
    ("sex", "SEXE"),
    ("nir", "NIR"),
    ("address", "adresse"),
    ("commune_code", "NUMCOM"),
    ("duties_since", "TOPPERSDRODEVORSA"),
];

/// "NIR : La clé du NIR est fausse. ; DTNAI : …"
fn describe(invalid: &Invalid, names: &[(&str, &str)]) -> String {
    invalid
        .errors
        .iter()
        .map(|e| {
            let name = names
                .iter()
                .find(|(field, _)| *field == e.field)
                .map_or(e.field.as_str(), |(_, name)| name);
            format!("{name} : {}", e.message)
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// What importing a record changes in a known person's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonChange {
    /// Newly subject to droits et devoirs: the orientation clock starts.
    NewEntrant,
    /// No longer subject to droits et devoirs.
    LeftDuties,
    /// Name, birth date, sex, NIR or role corrected by the CAF.
    Identity,
    /// Address or commune changed.
    Address,
    /// A phone number or an e-mail address the household agreed to have
    /// used (flux instruction).
    Contact,
}

impl PersonChange {
    pub fn code(self) -> &'static str {
        match self {
            PersonChange::NewEntrant => "new_entrant",
            PersonChange::LeftDuties => "left_duties",
            PersonChange::Identity => "identity",
            PersonChange::Address => "address",
            PersonChange::Contact => "contact",
        }
    }
}

/// The file `known` updated with what the CAF says (`incoming`), and what
/// changed; `None` when nothing did (importing the same file twice changes
/// nothing). What the CAF does not send (contact, situation) is kept, and
/// so is an earlier date of entry into droits et devoirs.
pub fn merge(known: &PersonData, incoming: &PersonData) -> Option<(PersonData, Vec<PersonChange>)> {
    let mut merged = known.clone();
    let mut changes = Vec::new();
    merged.household_role = incoming.household_role;
    merged.last_name = incoming.last_name.clone();
    merged.first_names = incoming.first_names.clone();
    merged.birth_name = incoming.birth_name.clone().or(known.birth_name.clone());
    merged.birth_date = incoming.birth_date;
    merged.sex = incoming.sex;
    merged.nir = incoming.nir.clone().or(known.nir.clone());
    if (
        merged.household_role,
        &merged.last_name,
        &merged.first_names,
        &merged.birth_name,
        merged.birth_date,
        merged.sex,
        &merged.nir,
    ) != (
        known.household_role,
        &known.last_name,
        &known.first_names,
        &known.birth_name,
        known.birth_date,
        known.sex,
        &known.nir,
    ) {
        changes.push(PersonChange::Identity);
    }
    if incoming.address.is_some() || incoming.commune_code.is_some() {
        merged.address = incoming.address.clone();
        merged.commune_code = incoming.commune_code.clone();
        if (&merged.address, &merged.commune_code) != (&known.address, &known.commune_code) {
            changes.push(PersonChange::Address);
        }
    }
    // Only what the household agreed to: a contact the file does not give
    // (refused, unknown, another file) leaves the known one.
    let email = incoming.email.clone().or(known.email.clone());
    let phone = incoming.phone.clone().or(known.phone.clone());
    if (&email, &phone) != (&known.email, &known.phone) {
        (merged.email, merged.phone) = (email, phone);
        changes.push(PersonChange::Contact);
    }
    match (known.subject_to_duties, incoming.subject_to_duties) {
        (false, true) => {
            merged.subject_to_duties = true;
            merged.duties_since = incoming.duties_since;
            changes.push(PersonChange::NewEntrant);
        }
        (true, false) => {
            merged.subject_to_duties = false;
            merged.duties_since = None;
            changes.push(PersonChange::LeftDuties);
        }
        _ => {}
    }
    (!changes.is_empty()).then_some((merged, changes))
}

/// Whether `a` and `b` are the same person by identity (no NIR to compare):
/// same birth date and the same names, accents and case aside.
pub fn same_identity(a: &PersonData, b: &PersonData) -> bool {
    use crate::person::fold;
    a.birth_date == b.birth_date
        && fold(&a.last_name) == fold(&b.last_name)
        && fold(&a.first_names) == fold(&b.first_names)
}

/// The fields a CSV file may carry: (code, label, required).
pub const CSV_FIELDS: &[(&str, &str, bool)] = &[
    ("rsa_number", "Numéro de demande RSA", true),
    ("caf_number", "Numéro allocataire", false),
    ("rsa_state", "État du droit (0 à 6)", false),
    ("rsa_state_on", "Date de l'état du droit", false),
    ("role", "Rôle dans le foyer (DEM, CJT…)", false),
    ("last_name", "Nom", true),
    ("first_names", "Prénoms", true),
    ("birth_name", "Nom de naissance", false),
    ("birth_date", "Date de naissance", true),
    ("sex", "Sexe (F/M ou 2/1)", true),
    ("nir", "NIR", false),
    ("address", "Adresse", false),
    ("commune_code", "Code commune INSEE", false),
    (
        "subject_to_duties",
        "Soumis aux droits et devoirs (1/0)",
        false,
    ),
];

/// Which column of a CSV file holds which field, saved under a name so
/// that a département maps its export once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CsvMapping {
    pub name: String,
    /// `;` (French spreadsheets) or `,`.
    pub delimiter: String,
    /// Field code → column header, for the mapped fields.
    pub columns: std::collections::BTreeMap<String, String>,
}

impl CsvMapping {
    /// Checks a mapping as typed: a name, a one-character delimiter, the
    /// required fields mapped, known fields only, each column used once.
    pub fn parse(mut mapping: CsvMapping) -> Result<CsvMapping, Invalid> {
        let mut invalid = Invalid::new();
        mapping.name = mapping.name.trim().to_owned();
        if let Some(position) = crate::validation::forbidden_control(&mapping.name, false) {
            invalid.add(
                "name",
                format!("Le champ « Nom » contient un caractère de contrôle interdit (position {position})."),
            );
        } else if mapping.name.is_empty() || mapping.name.chars().count() > 80 {
            invalid.add(
                "name",
                "Donnez un nom à cette correspondance (80 caractères au plus).",
            );
        }
        if !matches!(mapping.delimiter.as_str(), ";" | "," | "\t" | "\\t" | "|") {
            invalid.add(
                "delimiter",
                "Le séparateur est « ; », « , », « | » ou une tabulation (\\t).",
            );
        }
        mapping
            .columns
            .retain(|_, column| !column.trim().is_empty());
        for column in mapping.columns.values_mut() {
            *column = column.trim().to_owned();
        }
        for (field, column) in &mapping.columns {
            if !CSV_FIELDS.iter().any(|(code, _, _)| code == field) {
                let field = crate::validation::printable(field, 50);
                invalid.add(&field, format!("Champ inconnu : {field}."));
            } else if crate::validation::forbidden_control(column, false).is_some()
                || column.chars().count() > crate::validation::LINE_MAX
            {
                invalid.add(
                    field,
                    format!(
                        "La colonne du champ « {field} » ne contient aucun caractère de contrôle et compte au plus {} caractères.",
                        crate::validation::LINE_MAX
                    ),
                );
            }
        }
        for (code, label, required) in CSV_FIELDS {
            if *required && !mapping.columns.contains_key(*code) {
                invalid.add(code, format!("Indiquez la colonne du champ « {label} »."));
            }
        }
        let mut used: Vec<&String> = mapping.columns.values().collect();
        used.sort();
        if let Some(pair) = used.windows(2).find(|w| w[0] == w[1]) {
            invalid.add(
                "columns",
                format!("La colonne « {} » est attribuée à deux champs.", pair[0]),
            );
        }
        invalid.into_result(mapping)
    }

    pub fn delimiter_byte(&self) -> u8 {
        match self.delimiter.as_str() {
            "\\t" | "\t" => b'\t',
            d => d.bytes().next().unwrap_or(b';'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const FILE_DATE: Date = date!(2026 - 11 - 01);

    #[test]
    fn the_cases_facts_are_read_with_the_reason_of_its_state() {
        let mut suspended = raw();
        suspended.rsa_state = "3".into();
        suspended.request_date = "2026-08-20".into();
        suspended.family_situation = "vim".into();
        suspended.family_situation_on = "2019-03-01".into();
        suspended.homeless = "1".into();
        suspended.right_suspension = RawMotive {
            reason: "DB".into(),
            on: "2026-10-01".into(),
        };
        // The closure block says nothing of a suspended case.
        suspended.closure.reason = "ECH".into();
        let dossier = validate(&suspended, Fund::Caf, FILE_DATE).unwrap();
        let facts = dossier.household.caf.unwrap();
        assert_eq!(
            facts,
            CafFacts {
                requested_on: Some(date!(2026 - 08 - 20)),
                family_situation: Some("VIM".into()),
                family_situation_on: Some(date!(2019 - 03 - 01)),
                homeless: true,
                state_reason: Some("DB".into()),
            }
        );
        assert_eq!(
            state_reason(RsaState::OpenSuspended, "DB"),
            "Ressources (DB)"
        );
        assert_eq!(family_situation("VIM"), "Vie maritale (VIM)");
        assert_eq!(family_situation("ZZZ"), "code ZZZ", "a code the list lacks");
        assert_eq!(
            state_reason(RsaState::Closed, "DB"),
            "code DB",
            "not a closure's"
        );
    }

    #[test]
    fn a_file_without_the_facts_leaves_them_unknown_and_a_bad_date_is_refused() {
        let csv = validate(&raw(), Fund::Caf, FILE_DATE).unwrap();
        assert_eq!(csv.household.caf, None, "the known facts stay");
        let mut wrong = raw();
        wrong.request_date = "2026-02-30".into();
        let rejected = validate(&wrong, Fund::Caf, FILE_DATE).unwrap_err();
        assert!(
            rejected.reason.starts_with("DTDEMRSA"),
            "{}",
            rejected.reason
        );
        let mut flag = raw();
        flag.homeless = "2".into();
        let rejected = validate(&flag, Fund::Caf, FILE_DATE).unwrap_err();
        assert!(
            rejected.reason.contains("TOPSANSDOMFIXE"),
            "{}",
            rejected.reason
        );
    }

    #[test]
    fn the_entry_flag_says_whether_a_person_enters_droits_et_devoirs() {
        let mut file = raw();
        let said =
            |file: &RawDossier| validate(file, Fund::Caf, FILE_DATE).unwrap().persons[0].entering;
        assert_eq!(said(&file), None, "not said");
        file.persons[0].new_entrant = "0".into();
        assert_eq!(said(&file), Some(false));
        file.persons[0].new_entrant = "1".into();
        assert_eq!(said(&file), Some(true));
    }

    #[test]
    fn only_known_facts_that_change_are_reported() {
        let known = CafFacts {
            requested_on: Some(date!(2024 - 01 - 15)),
            family_situation: Some("MAR".into()),
            family_situation_on: Some(date!(2015 - 06 - 20)),
            homeless: false,
            state_reason: Some("06".into()),
        };
        assert!(known
            .changes(&known, RsaState::OpenPaymentSuspended)
            .is_empty());
        let first = CafFacts::default().changes(&known, RsaState::OpenPaymentSuspended);
        assert!(first.is_empty(), "known for the first time: {first:?}");
        let separated = CafFacts {
            family_situation: Some("SEF".into()),
            family_situation_on: Some(date!(2026 - 10 - 01)),
            homeless: true,
            state_reason: Some("01".into()),
            ..known.clone()
        };
        assert_eq!(
            known.changes(&separated, RsaState::OpenPaymentSuspended),
            [
                "Situation de famille : Marié ou mariée (MAR) → Séparation de fait (SEF) (au 01/10/2026)",
                "Sans domicile fixe",
                "Motif de l'état du droit : Déclaration trimestrielle de ressources non fournie (06) → Ressources trop élevées (01)",
            ]
        );
    }

    fn raw() -> RawDossier {
        RawDossier {
            line: 3,
            rsa_number: "14000000042".into(),
            caf_number: "1234567".into(),
            rsa_state: "2".into(),
            rsa_state_on: "20260915".into(),
            address: "12 rue des Lilas".into(),
            commune_code: "14118".into(),
            persons: vec![
                RawPerson {
                    line: 5,
                    role: "DEM".into(),
                    last_name: "Lefèvre".into(),
                    first_names: "Magali".into(),
                    birth_date: "1979-05-12".into(),
                    sex: "2".into(),
                    nir: "2790514118042".into(),
                    subject_to_duties: "1".into(),
                    ..RawPerson::default()
                },
                RawPerson {
                    line: 9,
                    role: "ENF".into(),
                    last_name: "Lefèvre".into(),
                    first_names: "Léo".into(),
                    birth_date: "12/03/2012".into(),
                    sex: "1".into(),
                    subject_to_duties: "0".into(),
                    ..RawPerson::default()
                },
            ],
            ..RawDossier::default()
        }
    }

    #[test]
    fn the_cafs_15_digit_matricule_and_its_state_blocks() {
        let mut raw = raw();
        raw.caf_number = "041234500000000".into();
        raw.rsa_state = "4".into();
        raw.rsa_state_on = String::new();
        raw.payment_suspension = RawMotive {
            reason: "06".into(),
            on: "2026-09-01".into(),
        };
        raw.address = String::new();
        raw.address_parts = RawAddress {
            complement_id: "BÂTIMENT C".into(),
            number: "12 BIS".into(),
            street_type: "AVENUE".into(),
            street_name: "DU SACRÉ-CŒUR".into(),
            postcode: "14000".into(),
            commune_name: "CAEN".into(),
            ..RawAddress::default()
        };
        let dossier = validate(&raw, Fund::Caf, FILE_DATE).unwrap();
        assert_eq!(
            dossier.household.caf_number.as_deref(),
            Some("041234500000000")
        );
        assert_eq!(dossier.household.rsa_state_on, Some(date!(2026 - 09 - 01)));
        assert_eq!(
            dossier.persons[0].data.address.as_deref(),
            Some("BÂTIMENT C, 12 BIS AVENUE DU SACRÉ-CŒUR, 14000 CAEN")
        );
        assert!(crate::person::same_caf_number(
            Some("0412345"),
            Some("041234500000000")
        ));
        assert!(!crate::person::same_caf_number(
            Some("0412345"),
            Some("041234500000001")
        ));
        raw.caf_number = "41234500000000".into();
        assert!(validate(&raw, Fund::Caf, FILE_DATE)
            .unwrap_err()
            .reason
            .starts_with("MATRICULE"));
    }

    #[test]
    fn a_schema_error_or_an_unknown_fund_rejects_the_dossier() {
        let mut raw = raw();
        raw.schema_errors.push((7, "NOM : 29 caractères".into()));
        let rejected = validate(&raw, Fund::Caf, FILE_DATE).unwrap_err();
        assert_eq!(
            (rejected.line, rejected.reason.as_str()),
            (7, "NOM : 29 caractères")
        );
        let mut raw = self::tests::raw();
        raw.fund = "MSA".into();
        assert_eq!(
            validate(&raw, Fund::Caf, FILE_DATE).unwrap().household.fund,
            Fund::Msa
        );
        raw.fund = "XYZ".into();
        assert!(validate(&raw, Fund::Caf, FILE_DATE).is_err());
    }

    #[test]
    fn a_birth_name_equal_to_the_name_is_no_birth_name() {
        let birth_name_of = |birth_name: &str| {
            let mut raw = raw();
            raw.persons[0].last_name = "LEFÈVRE".into();
            raw.persons[0].birth_name = birth_name.into();
            let dossier = validate(&raw, Fund::Caf, FILE_DATE).unwrap();
            dossier.persons[0].data.birth_name.clone()
        };
        assert_eq!(birth_name_of("Lefevre"), None);
        assert_eq!(birth_name_of("DUPONT").as_deref(), Some("DUPONT"));
    }

    #[test]
    fn a_dossier_keeps_its_adults_and_dates_them_from_the_file() {
        let dossier = validate(&raw(), Fund::Caf, FILE_DATE).unwrap();
        assert_eq!(dossier.household.rsa_state_on, Some(date!(2026 - 09 - 15)));
        assert_eq!(dossier.persons.len(), 1, "the child is left out");
        let magali = &dossier.persons[0].data;
        assert!(magali.subject_to_duties);
        assert_eq!(magali.duties_since, Some(FILE_DATE));
        assert_eq!(
            magali.nir.as_ref().unwrap().as_str().len(),
            15,
            "key computed"
        );
        assert_eq!(magali.commune_code.as_deref(), Some("14118"));
    }

    #[test]
    fn rejections_name_the_line_and_the_caf_field() {
        let mut bad = raw();
        bad.persons[0].nir = "279051411804299".into();
        let rejected = validate(&bad, Fund::Caf, FILE_DATE).unwrap_err();
        assert_eq!(rejected.line, 5);
        assert_eq!(rejected.reference, "14000000042");
        assert!(
            rejected.reason.starts_with("Lefèvre Magali : NIR : "),
            "{rejected:?}"
        );

        let mut bad = raw();
        bad.rsa_state = "9".into();
        let rejected = validate(&bad, Fund::Caf, FILE_DATE).unwrap_err();
        assert_eq!(rejected.line, 3);
        assert!(rejected.reason.starts_with("ETATDOSRSA : "), "{rejected:?}");

        let mut bad = raw();
        bad.persons[0].subject_to_duties = "peut-être".into();
        assert!(validate(&bad, Fund::Caf, FILE_DATE)
            .unwrap_err()
            .reason
            .contains("TOPPERSDRODEVORSA"));

        let mut bad = raw();
        bad.persons.remove(0);
        assert!(validate(&bad, Fund::Caf, FILE_DATE)
            .unwrap_err()
            .reason
            .contains("ni demandeur ni conjoint"));
    }

    fn person(subject: bool, last: &str, commune: &str) -> PersonData {
        let mut r = raw();
        r.persons[0].subject_to_duties = if subject { "1" } else { "0" }.into();
        r.persons[0].last_name = last.into();
        r.commune_code = commune.into();
        validate(&r, Fund::Caf, FILE_DATE).unwrap().persons[0]
            .data
            .clone()
    }

    #[test]
    fn entering_and_leaving_droits_et_devoirs() {
        let (merged, changes) = merge(
            &person(false, "Lefèvre", "14118"),
            &person(true, "Lefèvre", "14118"),
        )
        .unwrap();
        assert_eq!(changes, vec![PersonChange::NewEntrant]);
        assert_eq!(merged.duties_since, Some(FILE_DATE));

        let mut known = person(true, "Lefèvre", "14118");
        known.duties_since = Some(date!(2024 - 01 - 10));
        known.email = Some("magali@example.org".into());
        assert!(
            merge(&known, &person(true, "Lefèvre", "14118")).is_none(),
            "an earlier entry date and the contact are kept"
        );
        let (merged, changes) = merge(&known, &person(false, "Lefèvre", "14118")).unwrap();
        assert_eq!(changes, vec![PersonChange::LeftDuties]);
        assert_eq!(merged.email.as_deref(), Some("magali@example.org"));
    }

    #[test]
    fn a_mapping_names_the_required_fields_and_columns_once() {
        let mut columns = std::collections::BTreeMap::new();
        columns.insert("rsa_number".to_owned(), "Dossier".to_owned());
        columns.insert("last_name".to_owned(), "Nom".to_owned());
        columns.insert("first_names".to_owned(), "Nom".to_owned());
        let invalid = CsvMapping::parse(CsvMapping {
            name: " ".into(),
            delimiter: "#".into(),
            columns,
        })
        .unwrap_err();
        for field in ["name", "delimiter", "birth_date", "sex", "columns"] {
            assert!(invalid.message_for(field).is_some(), "{field}: {invalid:?}");
        }
        let mut columns = std::collections::BTreeMap::new();
        for (code, _, required) in CSV_FIELDS {
            if *required {
                columns.insert(code.to_string(), format!("col_{code}"));
            }
        }
        let mapping = CsvMapping::parse(CsvMapping {
            name: "Export SOLIS".into(),
            delimiter: "\\t".into(),
            columns,
        })
        .unwrap();
        assert_eq!(mapping.delimiter_byte(), b'\t');
    }

    proptest! {
        /// Importing the same record twice changes nothing the second time.
        #[test]
        fn merging_is_idempotent(
            known_subject: bool,
            incoming_subject: bool,
            known_last in "(Lefèvre|Lefevre|Martin)",
            incoming_last in "(Lefèvre|Lefevre|Martin)",
            known_commune in "(14118|14327)",
            incoming_commune in "(14118|14327)",
        ) {
            let known = person(known_subject, &known_last, &known_commune);
            let incoming = person(incoming_subject, &incoming_last, &incoming_commune);
            let once = merge(&known, &incoming).map_or(known.clone(), |(m, _)| m);
            prop_assert!(merge(&once, &incoming).is_none());
            prop_assert_eq!(once.subject_to_duties, incoming_subject);
            prop_assert!(same_identity(&once, &incoming));
        }
    }
}
