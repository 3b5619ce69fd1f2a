//! Streaming reader of the CAF/MSA XML files, as the CNAF's schema of the
//! flux bénéficiaires (`docs/specs/vrsb0801.xsd`) lays them out: one
//! dossier (`InfosFoyerRSA`, or `InfoDemandeRSA` in the flux instruction)
//! at a time, so memory stays flat whatever the file's size. Fields are read
//! by their path in the dossier (a child's `Rattachement` carries its
//! parents' names, the previous addresses have the same tags as the current
//! one), unknown elements are ignored, and each field read is checked
//! against the schema's length and type: a dossier breaking them is
//! rejected. Encodings are those the XML declaration names (the CAF's files
//! are windows-1252).

use crate::{FileError, Source};
use encoding_rs::Encoding;
use parcours_domain::caf::{
    file_date, iso_date, RawAddress, RawContact, RawDossier, RawMotive, RawPerson,
};
use parcours_domain::declared_situation::RawDeclaredSituation;
use parcours_domain::person::Fund;
use quick_xml::encoding::DecodingReader;
use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::BufRead;
use time::Date;

/// The dossier's element: flux bénéficiaires, flux instruction.
const RECORDS: [&str; 2] = ["InfosFoyerRSA", "InfoDemandeRSA"];
/// No field we read is longer than this (in bytes): longer texts are not
/// kept, only known to be too long.
const MAX_TEXT: usize = 512;

/// Which CAF flow a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Beneficiaries,
    Instruction,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Beneficiaries => "caf_beneficiaires",
            FileKind::Instruction => "caf_instruction",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Beneficiaries => "flux bénéficiaires",
            FileKind::Instruction => "flux instruction",
        }
    }
}

/// What the file says of itself before its first dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub kind: FileKind,
    pub date: Date,
    pub fund: Fund,
}

pub struct CafXml<R: BufRead> {
    reader: Reader<LineCounter<Input<R>>>,
    buf: Vec<u8>,
    /// Names of the open elements.
    open: Names,
    /// Text of the innermost element, while it has no child element.
    text: String,
    /// The leaf's text was longer than `MAX_TEXT`.
    overflow: bool,
    /// The path of the field or block just closed, in its dossier.
    path: String,
    leaf: bool,
    header_fields: Vec<(String, String)>,
    root: Option<String>,
    /// The name of the dossiers' element, once met.
    record: Option<String>,
    /// The first record's start, read while looking for the header.
    pending: Option<RawDossier>,
    /// The XML declaration was met.
    declared: bool,
    today: Date,
}

impl<R: BufRead> CafXml<R> {
    pub fn new(mut input: R, today: Date) -> CafXml<R> {
        // UTF-8 is read as is, so that an invalid byte is reported on its
        // line; other encodings are decoded ahead by quick-xml.
        let input = match input.fill_buf().map(declared_encoding) {
            Ok(Some(label))
                if !label.eq_ignore_ascii_case("utf-8") && !label.eq_ignore_ascii_case("utf8") =>
            {
                // Decoded from the first byte on: quick-xml's own switch,
                // at the declaration's event, panics once more than its
                // first 64 bytes were read (a longer declaration). An
                // unknown encoding is refused at the declaration's event.
                let mut decoding = DecodingReader::new(input);
                if let Some(encoding) = Encoding::for_label(label.as_bytes())
                    .filter(|encoding| encoding.is_ascii_compatible())
                {
                    decoding.set_encoding(encoding);
                }
                Input::Decoded(decoding)
            }
            _ => Input::Utf8(input),
        };
        let mut reader = Reader::from_reader(LineCounter::new(input));
        reader.config_mut().check_end_names = true;
        CafXml {
            reader,
            buf: Vec::with_capacity(4096),
            open: Names::default(),
            text: String::new(),
            overflow: false,
            path: String::new(),
            leaf: false,
            header_fields: Vec::new(),
            root: None,
            record: None,
            pending: None,
            declared: false,
            today,
        }
    }

    pub fn line(&self) -> u64 {
        self.reader.get_ref().line
    }

    /// Reads up to the first dossier and tells what the file is; an error
    /// when it is not a CAF/MSA bénéficiaires or instruction file.
    pub fn header(&mut self) -> Result<Header, FileError> {
        self.pending = self.read_until_record()?;
        let field = |name: &str| {
            self.header_fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if let Some(frequency) = field("TYPEFLUX").filter(|f| !matches!(*f, "" | "M" | "I" | "R")) {
            return Err(FileError::file(format!(
                "Fréquence de flux inconnue (TYPEFLUX = « {frequency} ») : attendu M (mensuel), \
                 I (quotidien) ou R (reprise)."
            )));
        }
        let record = self.record.as_deref();
        let kind = match (field("NATFLUX"), record) {
            (Some("D"), _) | (None | Some(""), Some("InfosFoyerRSA")) => FileKind::Beneficiaries,
            (Some("I"), _) | (None | Some(""), Some("InfoDemandeRSA")) => FileKind::Instruction,
            (Some("R"), _) => {
                return Err(FileError::file(
                    "Ce fichier est un flux de nouveau recueil (NATFLUX = « R ») : seuls les flux \
                     bénéficiaires et instruction sont importés ici.",
                ))
            }
            (Some(other), _) if !other.is_empty() => {
                return Err(FileError::file(format!(
                    "Nature de flux inconnue (NATFLUX = « {other} ») : attendu D (bénéficiaires) \
                     ou I (instruction)."
                )))
            }
            _ if self.root.is_some() && record.is_none() && !self.header_fields.is_empty() => {
                FileKind::Beneficiaries
            }
            _ => {
                return Err(FileError::file(
                    "Type de fichier inconnu : ni NATFLUX ni dossier (InfosFoyerRSA ou \
                     InfoDemandeRSA) d'un flux de la CAF/MSA.",
                ))
            }
        };
        let date = match field("DTCREAFLUX") {
            None | Some("") => self.today,
            Some(raw) => file_date(raw).ok_or_else(|| {
                FileError::file(format!(
                    "La date du flux (DTCREAFLUX = « {raw} ») n'est pas une date."
                ))
            })?,
        };
        // Each dossier names its fund (FONORG); the application that wrote
        // the file tells the default: Agora is the MSA's.
        let fund = match field("APPLIEME") {
            Some("AGO") => Fund::Msa,
            _ => Fund::Caf,
        };
        Ok(Header { kind, date, fund })
    }
}

impl<R: BufRead> Source for CafXml<R> {
    fn bytes_read(&self) -> u64 {
        self.reader.get_ref().bytes
    }

    /// The next dossier, or `None` at the end of the file.
    fn next_dossier(&mut self) -> Result<Option<RawDossier>, FileError> {
        let pending = self.pending.take();
        let Some(mut dossier) = (match pending {
            Some(dossier) => Some(dossier),
            None => self.read_until_record()?,
        }) else {
            return Ok(None);
        };
        let depth = self.open.len();
        let mut reading = Reading::default();
        loop {
            match self.event()? {
                Step::Start => {
                    if self.open.len() == depth + 1 && self.open.last() == "Personne" {
                        reading.person = Some(RawPerson {
                            line: self.line(),
                            ..RawPerson::default()
                        });
                    }
                }
                Step::Field => {
                    self.open.path_into(depth, &mut self.path);
                    let text = Text {
                        raw: &self.text,
                        overflow: self.overflow,
                    };
                    if let Err(reason) = reading.field(&mut dossier, &self.path, text) {
                        dossier.schema_errors.push((self.line(), reason));
                    }
                }
                Step::End if self.open.len() >= depth => {
                    self.open.path_into(depth, &mut self.path);
                    reading.end(&mut dossier, &self.path);
                }
                Step::End => {}
                Step::Eof => return Err(self.truncated()),
            }
            if self.open.len() < depth {
                if self.record.as_deref() == Some("InfoDemandeRSA") {
                    instruction(&mut dossier);
                }
                return Ok(Some(dossier));
            }
        }
    }
}

impl<R: BufRead> CafXml<R> {
    /// Skips to the next record's start (collecting header fields).
    fn read_until_record(&mut self) -> Result<Option<RawDossier>, FileError> {
        loop {
            match self.event()? {
                Step::Start if self.open.len() == 2 && RECORDS.contains(&self.open.last()) => {
                    self.record = Some(self.open.last().to_owned());
                    return Ok(Some(RawDossier {
                        line: self.line(),
                        ..RawDossier::default()
                    }));
                }
                Step::Start => {
                    if self.root.is_none() {
                        self.root = Some(self.open.last().to_owned());
                    }
                }
                Step::Field => self
                    .header_fields
                    .push((self.open.closed().to_owned(), self.text.trim().to_owned())),
                Step::End => {}
                Step::Eof if self.open.is_empty() && self.root.is_some() => return Ok(None),
                Step::Eof if self.root.is_none() => return Err(FileError::file(
                    "Ce fichier n'est pas un fichier XML de la CAF ou de la MSA (aucune balise).",
                )),
                Step::Eof => return Err(self.truncated()),
            }
        }
    }

    fn truncated(&self) -> FileError {
        FileError::at(
            self.line(),
            format!(
                "Fichier tronqué : la balise <{}> n'est pas fermée.",
                self.open.last()
            ),
        )
    }

    /// The next meaningful event: an element's start or end, or a leaf
    /// element's text (an element without child elements). Its element's
    /// name is then `open.last()` (start) or `open.closed()`, and a leaf's
    /// text `text.trim()`: nothing is allocated for them.
    fn event(&mut self) -> Result<Step, FileError> {
        loop {
            self.buf.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .map_err(|e| xml_error(self.reader.get_ref().line, &e))?;
            match event {
                Event::Decl(decl) => {
                    let line = self.reader.get_ref().line;
                    if std::mem::replace(&mut self.declared, true) || self.root.is_some() {
                        return Err(FileError::at(
                            line,
                            "XML mal formé : une déclaration <?xml … ?> ailleurs qu'en tête du \
                             fichier (deux fichiers mis bout à bout ?).",
                        ));
                    }
                    if let Some(Ok(label)) = decl.encoding() {
                        let unsupported = || {
                            FileError::file(format!(
                                "Encodage « {} » non pris en charge (attendu UTF-8 ou windows-1252).",
                                parcours_domain::validation::printable(&label, 40)
                            ))
                        };
                        let encoding = decl
                            .encoder()
                            .filter(|encoding| encoding.is_ascii_compatible())
                            .ok_or_else(unsupported)?;
                        // The file is read in the encoding found in its
                        // first bytes (`CafXml::new`): the same, or refused.
                        let reading = match &self.reader.get_ref().inner {
                            Input::Decoded(decoding) => decoding.encoding(),
                            Input::Utf8(_) => encoding_rs::UTF_8,
                        };
                        if encoding != reading {
                            return Err(FileError::at(
                                line,
                                format!(
                                    "Déclaration XML illisible (encodage « {} ») : elle ouvre \
                                     le fichier, sans rien avant elle.",
                                    parcours_domain::validation::printable(&label, 40)
                                ),
                            ));
                        }
                    }
                }
                Event::Start(start) => {
                    self.open.push(start.local_name().into_inner());
                    self.text.clear();
                    self.overflow = false;
                    self.leaf = true;
                    return Ok(Step::Start);
                }
                Event::Empty(start) => {
                    self.open.push(start.local_name().into_inner());
                    self.open.pop();
                    self.text.clear();
                    self.overflow = false;
                    self.leaf = false;
                    return Ok(Step::Field);
                }
                Event::Text(text) => {
                    if self.leaf {
                        keep(&mut self.text, &mut self.overflow, &text.xml10_content());
                    }
                }
                Event::CData(data) => {
                    if self.leaf {
                        keep(&mut self.text, &mut self.overflow, &data.xml10_content());
                    }
                }
                Event::GeneralRef(reference) => {
                    let line = self.reader.get_ref().line;
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => resolve_predefined_entity(&reference.xml10_content())
                            .ok_or_else(|| {
                                FileError::at(
                                    line,
                                    format!("Entité inconnue : &{};", reference.xml10_content()),
                                )
                            })?
                            .to_owned(),
                    };
                    if self.leaf {
                        keep(&mut self.text, &mut self.overflow, &resolved);
                    }
                }
                Event::End(_) => {
                    self.open.pop();
                    if std::mem::take(&mut self.leaf) {
                        // A leaf: its end is its text.
                        return Ok(Step::Field);
                    }
                    return Ok(Step::End);
                }
                Event::Eof => return Ok(Step::Eof),
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

/// Appends to a leaf's text, up to `MAX_TEXT`: a longer text breaks the
/// schema anyway, and is not kept in memory.
fn keep(text: &mut String, overflow: &mut bool, more: &str) {
    if text.len() + more.len() > MAX_TEXT {
        *overflow = true;
    } else {
        text.push_str(more);
    }
}

enum Step {
    Start,
    Field,
    End,
    Eof,
}

/// The names of the open elements. Their buffers are kept for the next
/// elements, and the last closed one stays readable.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    depth: usize,
}

impl Names {
    fn push(&mut self, name: &str) {
        match self.names.get_mut(self.depth) {
            Some(slot) => {
                slot.clear();
                slot.push_str(name);
            }
            None => self.names.push(name.to_owned()),
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn len(&self) -> usize {
        self.depth
    }

    fn is_empty(&self) -> bool {
        self.depth == 0
    }

    /// The innermost open element ("" at the top).
    fn last(&self) -> &str {
        self.depth
            .checked_sub(1)
            .map_or("", |i| self.names[i].as_str())
    }

    /// The path, from the element at `from`, of the element closed last:
    /// "Personne/Identification/NOM".
    fn path_into(&self, from: usize, out: &mut String) {
        out.clear();
        for name in self.names.iter().take(self.depth + 1).skip(from) {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(name);
        }
    }

    /// The element closed last.
    fn closed(&self) -> &str {
        self.names.get(self.depth).map_or("", String::as_str)
    }
}

/// A leaf's text as read, before trimming: the schema's lengths count the
/// padding spaces the CAF writes.
#[derive(Clone, Copy)]
struct Text<'a> {
    raw: &'a str,
    /// Longer than `MAX_TEXT`, so longer than any limit.
    overflow: bool,
}

/// A field's type in the schema.
#[derive(Clone, Copy)]
enum Kind {
    /// `xsd:string` with `maxLength`, in characters.
    Str(usize),
    /// `xsd:integer` with `totalDigits`.
    Int(usize),
    /// `xsd:date`, AAAA-MM-JJ.
    Date,
    /// `xsd:boolean`.
    Bool,
}

impl Text<'_> {
    /// The trimmed value, when it keeps to `kind`; otherwise why not, in
    /// French, naming the tag (the last part of `path`).
    fn check(self, path: &str, kind: Kind) -> Result<String, String> {
        let tag = path.rsplit('/').next().unwrap_or(path);
        let value = self.raw.trim();
        let shown = || value.chars().take(40).collect::<String>();
        let ok = match kind {
            Kind::Str(max) => {
                let count = self.raw.chars().count();
                if self.overflow || count > max {
                    // Over MAX_TEXT bytes: at least a quarter as many characters.
                    let count = if self.overflow {
                        format!("plus de {}", MAX_TEXT / 4)
                    } else {
                        count.to_string()
                    };
                    return Err(format!(
                        "{tag} : {count} caractères, {max} au plus selon le schéma de la CNAF."
                    ));
                }
                true
            }
            Kind::Int(digits) => {
                !self.overflow
                    && value.chars().all(|c| c.is_ascii_digit())
                    && value.trim_start_matches('0').len() <= digits
            }
            Kind::Date => {
                value.is_empty()
                    || (value.len() == 10
                        && value.as_bytes()[4] == b'-'
                        && parcours_domain::person::parse_date(value).is_some())
            }
            Kind::Bool => matches!(value, "" | "0" | "1" | "true" | "false"),
        };
        if ok {
            return Ok(value.to_owned());
        }
        Err(match kind {
            Kind::Int(digits) => format!(
                "{tag} : « {} » n'est pas un nombre d'au plus {digits} chiffres.",
                shown()
            ),
            Kind::Date => format!(
                "{tag} : « {} » n'est pas une date au format AAAA-MM-JJ.",
                shown()
            ),
            _ => format!("{tag} : « {} » vaut 0 ou 1.", shown()),
        })
    }
}

/// What is being read in a dossier: the blocks whose meaning is known
/// only at their end (which `Prestations` is the RSA's, which `Adresse`
/// the current one).
#[derive(Default)]
struct Reading {
    person: Option<RawPerson>,
    benefit: String,
    role: String,
    rank: String,
    address: RawAddress,
    commune_code: String,
    motive: RawMotive,
    contact: RawContact,
}

impl Reading {
    /// Reads the field at `path` (from the dossier's element); an error
    /// when it breaks the schema.
    fn field(&mut self, dossier: &mut RawDossier, path: &str, text: Text) -> Result<(), String> {
        use Kind::*;
        let (kind, slot): (Kind, &mut String) = match path {
            "IdentificationRSA/Organisme/FONORG" => (Str(3), &mut dossier.fund),
            "IdentificationRSA/Organisme/MATRICULE" => (Int(15), &mut dossier.caf_number),
            "IdentificationRSA/DemandeRSA/DTDEMRSA" => (Date, &mut dossier.request_date),
            "IdentificationRSA/DemandeRSA/NUMDEMRSA" => (Str(11), &mut dossier.rsa_number),
            "DonneesAdministratives/SituationFamille/SITFAM" => {
                (Str(3), &mut dossier.family_situation)
            }
            "DonneesAdministratives/SituationFamille/DDSITFAM" => {
                (Date, &mut dossier.family_situation_on)
            }
            "PrestationRSA/SituationDossierRSA/EtatDossierRSA/ETATDOSRSA" => {
                (Str(1), &mut dossier.rsa_state)
            }
            "PrestationRSA/DetailDroitRSA/TroncCommunDroitRSA/TOPSANSDOMFIXE" => {
                (Bool, &mut dossier.homeless)
            }
            _ => match path.split_once('/') {
                Some(("Personne", rest)) => match self.person.as_mut() {
                    Some(person) => match person_field(
                        person,
                        self_role(&mut self.benefit, &mut self.role),
                        rest,
                    ) {
                        Some(found) => found,
                        None => return Ok(()),
                    },
                    None => return Ok(()),
                },
                Some(("DonneesAdministratives", rest)) if rest.starts_with("ModesContacts/") => {
                    match contact_field(&mut self.contact, &rest["ModesContacts/".len()..]) {
                        Some(found) => found,
                        None => return Ok(()),
                    }
                }
                Some(("DonneesAdministratives", rest)) => {
                    match address_field(
                        &mut self.address,
                        &mut self.rank,
                        &mut self.commune_code,
                        rest,
                    ) {
                        Some(found) => found,
                        None => return Ok(()),
                    }
                }
                Some(("PrestationRSA", rest)) => match state_field(&mut self.motive, rest) {
                    Some(found) => found,
                    None => return Ok(()),
                },
                _ => return Ok(()),
            },
        };
        *slot = text.check(path, kind)?;
        Ok(())
    }

    /// At the end of a block: the person, the RSA role, the current
    /// address, the case state's reasons.
    fn end(&mut self, dossier: &mut RawDossier, path: &str) {
        match path {
            "Personne" => dossier.persons.extend(self.person.take()),
            "Personne/Prestations" => {
                let role = std::mem::take(&mut self.role);
                if std::mem::take(&mut self.benefit) == "RSA" {
                    if let Some(person) = self.person.as_mut() {
                        person.role = role;
                    }
                }
            }
            "DonneesAdministratives/ModesContacts" => {
                dossier.contacts.push(std::mem::take(&mut self.contact));
            }
            "DonneesAdministratives/Adresse" => {
                let address = std::mem::take(&mut self.address);
                let commune_code = std::mem::take(&mut self.commune_code);
                if std::mem::take(&mut self.rank).trim_start_matches('0') == "1" {
                    dossier.address_parts = address;
                    dossier.commune_code = commune_code;
                }
            }
            _ => {
                let Some(block) = path.strip_prefix("PrestationRSA/SituationDossierRSA/") else {
                    return;
                };
                let motive = std::mem::take(&mut self.motive);
                let slot = match block {
                    "Refus" => &mut dossier.refusal,
                    "SuspensionDroit" => &mut dossier.right_suspension,
                    "SuspensionVersement" => &mut dossier.payment_suspension,
                    "FinDroit" | "FinDroitMoisAnterieur" => &mut dossier.closure,
                    _ => return,
                };
                // Several suspensions: the latest tells the state.
                if motive.on >= slot.on {
                    *slot = motive;
                }
            }
        }
    }
}

/// A dossier of the flux instruction: an application, which the CAF has
/// not decided yet. It says nothing of the state nor of the droits et
/// devoirs: a new dossier awaits its decision (state 0), and a known one
/// keeps its state and its people's droits et devoirs, which the flux
/// bénéficiaires tells, as it keeps the facts the instruction leaves out.
fn instruction(dossier: &mut RawDossier) {
    dossier.keeps.facts = true;
    if dossier.rsa_state.trim().is_empty() {
        dossier.rsa_state = "0".into();
        dossier.keeps.rsa_state = true;
    }
    if dossier
        .persons
        .iter()
        .all(|p| p.subject_to_duties.trim().is_empty())
    {
        dossier.keeps.subject_to_duties = true;
    }
}

/// The RSA role's buffers, for `person_field`.
fn self_role<'a>(
    benefit: &'a mut String,
    role: &'a mut String,
) -> (&'a mut String, &'a mut String) {
    (benefit, role)
}

/// A person's field at `path` (from `Personne`): identity from
/// `Identification` only, never from `Rattachement`.
fn person_field<'a>(
    person: &'a mut RawPerson,
    (benefit, role): (&'a mut String, &'a mut String),
    path: &str,
) -> Option<(Kind, &'a mut String)> {
    use Kind::*;
    if let Some(declared) = path.strip_prefix("DonneesSocioProfessionnelles/") {
        return declared_field(&mut person.declared, declared);
    }
    Some(match path {
        "Identification/NOM" => (Str(28), &mut person.last_name),
        "Identification/NOMNAI" => (Str(28), &mut person.birth_name),
        "Identification/PRENOM" => (Str(32), &mut person.first_names),
        "Identification/DTNAI" => (Date, &mut person.birth_date),
        "Identification/NIR" => (Str(15), &mut person.nir),
        "Identification/SEXE" => (Str(1), &mut person.sex),
        "Prestations/NATPREST" => (Str(3), benefit),
        "Prestations/ROLEPERS" => (Str(3), role),
        "MontantCalculDroitRSAPersonne/TOPPERSDRODEVORSA" => (Bool, &mut person.subject_to_duties),
        "MontantCalculDroitRSAPersonne/TOPPERSENTDRODEVORSA" => (Bool, &mut person.new_entrant),
        _ => return None,
    })
}

/// A field of what the person declared at application (the flux
/// instruction's `DonneesSocioProfessionnelles`), at `path` from there.
/// The instruction's schema is not published: codes are read with the
/// lengths of their lists (4 characters).
fn declared_field<'a>(
    declared: &'a mut RawDeclaredSituation,
    path: &str,
) -> Option<(Kind, &'a mut String)> {
    use Kind::*;
    let list = |codes: &'a mut Vec<String>| {
        codes.push(String::new());
        codes.last_mut().map(|slot| (Str(4), slot))
    };
    match path {
        "GeneraliteDSPP/SITPERSDEMRSA" => Some((Str(4), &mut declared.situation)),
        "NiveauEtude/NIVETU" => Some((Str(4), &mut declared.education_level)),
        "SituationProfessionnelle/HISPRO" => Some((Str(4), &mut declared.work_history)),
        "SituationProfessionnelle/INSCDEMEMPLOI" => Some((Str(4), &mut declared.job_seeker)),
        "Mobilite/CommunMobilite/TOPPERMICONDUB" => Some((Bool, &mut declared.driving_licence)),
        "Mobilite/CommunMobilite/TOPMOYLOCO" => Some((Bool, &mut declared.transport)),
        "Mobilite/DetailMobilite/NATMOB" => list(&mut declared.mobility),
        "SituationSociale/DetailDifficulteSituationSociale/DIFSOC" => list(&mut declared.social),
        "DifficulteLogement/DetailDifficulteLogement/DIFLOG" => list(&mut declared.housing),
        "SituationSociale/DetailDifficulteDisponibilite/DIFDISP" => {
            list(&mut declared.availability)
        }
        _ => None,
    }
}

/// A field of the household's ways of contact (the flux instruction's
/// `ModesContacts`), at `path` from there; lengths as WebRSA stores them.
fn contact_field<'a>(contact: &'a mut RawContact, path: &str) -> Option<(Kind, &'a mut String)> {
    use Kind::*;
    Some(match path {
        "NUMTEL" => (Str(11), &mut contact.phone),
        "AUTORUTITEL" => (Str(1), &mut contact.phone_use),
        "ADRELEC" => (Str(78), &mut contact.email),
        "AUTORUTIADRELEC" => (Str(1), &mut contact.email_use),
        _ => return None,
    })
}

/// A field of an address at `path` (from `DonneesAdministratives`).
fn address_field<'a>(
    address: &'a mut RawAddress,
    rank: &'a mut String,
    commune_code: &'a mut String,
    path: &str,
) -> Option<(Kind, &'a mut String)> {
    use Kind::*;
    let field = path.strip_prefix("Adresse/")?;
    if field == "TroncCommunAdresse/RGADR" {
        return Some((Int(2), rank));
    }
    if let Some(line) = field.strip_prefix("AdresseHorsFrance/LIBLIG") {
        if !line.ends_with("ADR") {
            return None;
        }
        address.abroad.push(String::new());
        return address.abroad.last_mut().map(|slot| (Str(38), slot));
    }
    // The flux instruction writes its addresses flat, the street type as
    // a code and the INSEE code as NUMCOMPTT.
    match field {
        "RGADR" => return Some((Int(2), rank)),
        "NUMVOIE" => return Some((Str(6), &mut address.number)),
        "TYPEVOIE" => return Some((Str(4), &mut address.street_type)),
        "NOMVOIE" => return Some((Str(32), &mut address.street_name)),
        "COMPLIDEADR" => return Some((Str(38), &mut address.complement_id)),
        "COMPLADR" => return Some((Str(38), &mut address.complement)),
        "LIEUDIST" => return Some((Str(38), &mut address.locality)),
        "NUMCOMPTT" => return Some((Str(5), commune_code)),
        "CODEPOS" => return Some((Int(5), &mut address.postcode)),
        "LOCAADR" => return Some((Str(32), &mut address.commune_name)),
        _ => {}
    }
    Some(match field.strip_prefix("AdresseDetailleeFrance/")? {
        "COMPLIDEADR" => (Str(38), &mut address.complement_id),
        "COMPLADR" => (Str(38), &mut address.complement),
        "NUMVOIE" => (Str(6), &mut address.number),
        "LIBTYPEVOIE" => (Str(30), &mut address.street_type),
        "NOMVOIE" => (Str(32), &mut address.street_name),
        "LIEUDIST" => (Str(38), &mut address.locality),
        "NUMCOM" => (Str(5), commune_code),
        "CODEPOS" => (Int(5), &mut address.postcode),
        "NOMCOM" => (Str(32), &mut address.commune_name),
        _ => return None,
    })
}

/// A reason or date of the case state at `path` (from `PrestationRSA`).
fn state_field<'a>(motive: &'a mut RawMotive, path: &str) -> Option<(Kind, &'a mut String)> {
    use Kind::*;
    let (_, field) = path.strip_prefix("SituationDossierRSA/")?.split_once('/')?;
    Some(match field {
        "MOTIREFURSA" | "MOTICLORSA" => (Str(3), &mut motive.reason),
        "MOTISUSDRORSA" | "MOTISUSVERSRSA" => (Str(2), &mut motive.reason),
        "DTREFURSA" | "DDSUSDRORSA" | "DDSUSVERSRSA" | "DTCLORSA" => (Date, &mut motive.on),
        _ => return None,
    })
}

fn xml_error(line: u64, error: &quick_xml::Error) -> FileError {
    let message = match error {
        quick_xml::Error::Encoding(_) => {
            "Encodage invalide : le fichier contient des octets qui ne sont pas dans l'encodage \
             annoncé (UTF-8 par défaut, ou celui de la déclaration XML)."
                .to_owned()
        }
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("XML mal formé : </{found}> ferme la balise <{expected}>.")
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("XML mal formé : </{name}> ne ferme aucune balise ouverte.")
        }
        quick_xml::Error::IllFormed(e) => format!("XML mal formé ({e})."),
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            "XML invalide : balise commençant par « <! » inconnue.".to_owned()
        }
        quick_xml::Error::Syntax(_) => {
            "Fichier tronqué ou XML invalide : une balise, un commentaire ou une section n'est pas \
             terminé avant la fin du fichier."
                .to_owned()
        }
        other => format!("Lecture impossible : {other}."),
    };
    FileError::at(line, message)
}

/// The `encoding` of the XML declaration at the start of `prefix`.
fn declared_encoding(prefix: &[u8]) -> Option<String> {
    let end = prefix.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&prefix[..end]).ok()?;
    if !declaration
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("<?xml")
    {
        return None;
    }
    let value = declaration.split("encoding").nth(1)?.trim_start();
    let value = value.strip_prefix('=')?.trim_start();
    // A quote, or no value: any other first character (which may take
    // several bytes) is a malformed declaration, left to the XML reader.
    let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let rest = &value[1..];
    Some(rest[..rest.find(quote)?].to_owned())
}

/// The file as the XML reader sees it: UTF-8 as is, or decoded.
enum Input<R> {
    Utf8(R),
    Decoded(DecodingReader<R>),
}

impl<R: BufRead> std::io::Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Utf8(r) => r.read(buf),
            Input::Decoded(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> BufRead for Input<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self {
            Input::Utf8(r) => r.fill_buf(),
            Input::Decoded(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        match self {
            Input::Utf8(r) => r.consume(amount),
            Input::Decoded(r) => r.consume(amount),
        }
    }
}

/// Counts the lines consumed by the XML reader, for reports that name them.
struct LineCounter<R> {
    inner: R,
    line: u64,
    bytes: u64,
    /// Bytes since the last `<`: a text run longer than `MAX_RUN` is no
    /// CAF file's, and is refused before the XML reader buffers it whole.
    run: u64,
}

const MAX_RUN: u64 = 1 << 20;

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            line: 1,
            bytes: 0,
            run: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.line += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.run > MAX_RUN {
            return Err(std::io::Error::other(format!(
                "un texte de plus de {} Mo sans balise",
                MAX_RUN >> 20
            )));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes being consumed are still in the inner buffer.
        if let Ok(buf) = self.inner.fill_buf() {
            let end = amount.min(buf.len());
            self.line += buf[..end].iter().filter(|b| **b == b'\n').count() as u64;
            self.run = match buf[..end].iter().rposition(|b| *b == b'<') {
                Some(at) => (end - at) as u64,
                None => self.run + end as u64,
            };
        }
        self.bytes += amount as u64;
        self.inner.consume(amount);
    }
}

/// Writes flux bénéficiaires as the CAF sends them (windows-1252, the
/// schema's nesting and required elements): the generator's files and the
/// tests' fixtures. `RawDossier::address`, when no detailed parts are
/// given, goes into `NOMVOIE` (postcode 00000: none).
pub struct CafXmlWriter<W: std::io::Write> {
    out: W,
    date: String,
    count: usize,
}

impl<W: std::io::Write> CafXmlWriter<W> {
    pub fn new(mut out: W, kind: FileKind, date: Date, fund: Fund) -> std::io::Result<Self> {
        let nature = match kind {
            FileKind::Beneficiaries => "D",
            FileKind::Instruction => "I",
        };
        let application = match fund {
            Fund::Caf => "CRI",
            Fund::Msa => "AGO",
        };
        let date = parcours_domain::caf::iso_date(date);
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<Racine>\n\t<IdentificationFlux>\n\
             \t\t<APPLIEME>{application}</APPLIEME>\n\t\t<NUMVERSIONAPPLIEME>6200</NUMVERSIONAPPLIEME>\n\
             \t\t<TYPEFLUX>M</TYPEFLUX>\n\t\t<NATFLUX>{nature}</NATFLUX>\n\
             \t\t<DTCREAFLUX>{date}</DTCREAFLUX>\n\t\t<HEUCREAFLUX>01:00:00.0000</HEUCREAFLUX>\n\
             \t\t<DTREF>{date}</DTREF>\n\t</IdentificationFlux>\n"
        )?;
        Ok(CafXmlWriter {
            out,
            date,
            count: 0,
        })
    }

    pub fn dossier(&mut self, d: &RawDossier) -> std::io::Result<()> {
        let mut x = Xml::default();
        // Dates in the schema's form; an impossible one as given.
        let date = |raw: &str| match raw.trim() {
            "" => self.date.clone(),
            raw => file_date(raw).map_or_else(|| raw.to_owned(), iso_date),
        };
        let or = |raw: &str, default: &str| {
            if raw.trim().is_empty() {
                default.to_owned()
            } else {
                raw.to_owned()
            }
        };
        x.open(1, "InfosFoyerRSA");
        x.open(2, "IdentificationRSA");
        x.open(3, "Organisme");
        x.leaf(4, "FONORG", &or(&d.fund, "CAF"));
        x.leaf(4, "NUMORG", "141");
        x.leaf(4, "MATRICULE", &or(&d.caf_number, "0"));
        x.close(3, "Organisme");
        x.open(3, "Partenaire");
        x.leaf(4, "TYPEPARTE", "CG");
        x.leaf(4, "IDEPARTE", "014");
        x.close(3, "Partenaire");
        x.open(3, "DemandeRSA");
        x.leaf(4, "DTDEMRSA", &date(&d.request_date));
        x.leaf(4, "NUMDEMRSA", &d.rsa_number);
        x.close(3, "DemandeRSA");
        x.close(2, "IdentificationRSA");
        for p in &d.persons {
            person(&mut x, p, &date);
        }
        x.open(2, "DonneesAdministratives");
        x.open(3, "SituationFamille");
        x.leaf(4, "SITFAM", &or(&d.family_situation, "CEL"));
        x.leaf(4, "DDSITFAM", &date(&d.family_situation_on));
        x.close(3, "SituationFamille");
        address(&mut x, d);
        x.close(2, "DonneesAdministratives");
        x.open(2, "PrestationRSA");
        x.open(3, "SituationDossierRSA");
        x.open(4, "EtatDossierRSA");
        x.leaf(5, "ETATDOSRSA", &d.rsa_state);
        x.close(4, "EtatDossierRSA");
        let state = d.rsa_state.trim();
        let state_on = |m: &RawMotive| or(&m.on, &d.rsa_state_on);
        let blocks: [(&str, &RawMotive, [&str; 2], bool); 4] = [
            ("Refus", &d.refusal, ["DTREFURSA", "MOTIREFURSA"], true),
            (
                "SuspensionDroit",
                &d.right_suspension,
                ["MOTISUSDRORSA", "DDSUSDRORSA"],
                false,
            ),
            (
                "SuspensionVersement",
                &d.payment_suspension,
                ["MOTISUSVERSRSA", "DDSUSVERSRSA"],
                false,
            ),
            (
                if state == "6" {
                    "FinDroitMoisAnterieur"
                } else {
                    "FinDroit"
                },
                &d.closure,
                ["MOTICLORSA", "DTCLORSA"],
                false,
            ),
        ];
        for (block, motive, [first, second], date_first) in blocks {
            if motive.reason.trim().is_empty() {
                continue;
            }
            x.open(4, block);
            let on = date(&state_on(motive));
            let (a, b) = if date_first {
                (&on, &motive.reason)
            } else {
                (&motive.reason, &on)
            };
            x.leaf(5, first, a);
            x.leaf(5, second, b);
            x.close(4, block);
        }
        x.close(3, "SituationDossierRSA");
        x.open(3, "DetailDroitRSA");
        x.open(4, "TroncCommunDroitRSA");
        x.leaf(5, "TOPSANSDOMFIXE", &or(&d.homeless, "0"));
        x.leaf(5, "ORIDEMRSA", "DEM");
        x.close(4, "TroncCommunDroitRSA");
        x.close(3, "DetailDroitRSA");
        x.close(2, "PrestationRSA");
        x.close(1, "InfosFoyerRSA");
        self.count += 1;
        self.out.write_all(&windows_1252(&x.0))
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        write!(
            self.out,
            "\t<TransmissionFlux>\n\t\t<NBTOTDOSRSATRANSM>{:08}</NBTOTDOSRSATRANSM>\n\
             \t\t<NBTOTDOSRSATRANSMANO>00000000</NBTOTDOSRSATRANSMANO>\n\t</TransmissionFlux>\n</Racine>\n",
            self.count
        )?;
        Ok(self.out)
    }
}

fn person(x: &mut Xml, p: &RawPerson, date: &dyn Fn(&str) -> String) {
    x.open(2, "Personne");
    x.open(3, "Identification");
    x.leaf(4, "NOM", &p.last_name);
    x.leaf(
        4,
        "NOMNAI",
        if p.birth_name.trim().is_empty() {
            &p.last_name
        } else {
            &p.birth_name
        },
    );
    x.leaf(4, "PRENOM", &p.first_names);
    x.leaf(4, "NOMCOMNAI", "");
    x.leaf(4, "DTNAI", &date(&p.birth_date));
    if !p.nir.trim().is_empty() {
        x.leaf(4, "NIR", &p.nir);
    }
    let sex = match p.sex.trim() {
        "F" | "f" | "2" => "2",
        _ => "1",
    };
    x.leaf(4, "SEXE", sex);
    x.close(3, "Identification");
    x.open(3, "DossierCAF");
    x.leaf(
        4,
        "TOPRESPDOS",
        if p.role.trim() == "DEM" { "1" } else { "0" },
    );
    x.leaf(4, "DDRATDOS", &date(""));
    x.close(3, "DossierCAF");
    for benefit in ["PFA", "RSA"] {
        x.open(3, "Prestations");
        x.leaf(4, "NATPREST", benefit);
        x.leaf(4, "ROLEPERS", &p.role);
        x.leaf(4, "TOPCHAPERS", "0");
        x.close(3, "Prestations");
    }
    if !p.subject_to_duties.trim().is_empty() {
        x.open(3, "MontantCalculDroitRSAPersonne");
        x.leaf(4, "TOPPERSDRODEVORSA", &p.subject_to_duties);
        if !p.new_entrant.trim().is_empty() {
            x.leaf(4, "TOPPERSENTDRODEVORSA", &p.new_entrant);
        }
        x.close(3, "MontantCalculDroitRSAPersonne");
    }
    x.close(2, "Personne");
}

fn address(x: &mut Xml, d: &RawDossier) {
    let mut parts = d.address_parts.clone();
    if parts == RawAddress::default() {
        parts.street_name = d.address.clone();
    }
    if parts.postcode.trim().is_empty() {
        parts.postcode = "00000".into();
    }
    x.open(3, "Adresse");
    x.open(4, "TroncCommunAdresse");
    x.leaf(5, "RGADR", "01");
    x.leaf(
        5,
        "PAYS",
        if parts.abroad.is_empty() {
            "FRA"
        } else {
            "HOR"
        },
    );
    x.leaf(5, "TYPEADR", "D");
    x.leaf(5, "ETATADR", "CO");
    x.close(4, "TroncCommunAdresse");
    if parts.abroad.is_empty() {
        x.open(4, "AdresseDetailleeFrance");
        for (tag, value) in [
            ("COMPLIDEADR", &parts.complement_id),
            ("COMPLADR", &parts.complement),
            ("NUMVOIE", &parts.number),
            ("LIBTYPEVOIE", &parts.street_type),
            ("NOMVOIE", &parts.street_name),
            ("LIEUDIST", &parts.locality),
            ("NUMCOM", &d.commune_code),
            ("CODEPOS", &parts.postcode),
            ("NOMCOM", &parts.commune_name),
        ] {
            x.leaf(5, tag, value);
        }
        x.close(4, "AdresseDetailleeFrance");
    } else {
        x.open(4, "AdresseHorsFrance");
        for n in 0..6 {
            let line = parts.abroad.get(n).map_or("", String::as_str);
            x.leaf(5, &format!("LIBLIG{}ADR", n + 2), line);
        }
        x.close(4, "AdresseHorsFrance");
    }
    x.close(3, "Adresse");
}

/// An XML text being written, tab-indented like the CAF's files.
#[derive(Default)]
struct Xml(String);

impl Xml {
    fn open(&mut self, depth: usize, tag: &str) {
        self.indent(depth);
        self.0.push_str(&format!("<{tag}>\n"));
    }

    fn close(&mut self, depth: usize, tag: &str) {
        self.indent(depth);
        self.0.push_str(&format!("</{tag}>\n"));
    }

    fn leaf(&mut self, depth: usize, tag: &str, value: &str) {
        self.indent(depth);
        let value = quick_xml::escape::escape(value.trim());
        if value.is_empty() {
            self.0.push_str(&format!("<{tag} />\n"));
        } else {
            self.0.push_str(&format!("<{tag}>{value}</{tag}>\n"));
        }
    }

    fn indent(&mut self, depth: usize) {
        self.0.extend(std::iter::repeat_n('\t', depth));
    }
}

/// `text` in windows-1252; a character it lacks as a character reference.
fn windows_1252(text: &str) -> Vec<u8> {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c) {
            code @ (0..=0x7f | 0xa0..=0xff) => out.push(code as u8),
            code => match HIGH.iter().position(|h| *h == c) {
                Some(i) if !(0x80..=0x9f).contains(&code) => out.push(0x80 + i as u8),
                _ => out.extend(format!("&#{code};").bytes()),
            },
        }
    }
    out
}

#[cfg(test)]
mod declaration_tests {
    use super::*;
    use time::macros::date;

    /// Reads a file's header: whatever its declaration, an answer or an
    /// error, never a panic.
    fn header(bytes: &[u8]) -> Result<Header, FileError> {
        CafXml::new(std::io::Cursor::new(bytes.to_vec()), date!(2026 - 12 - 01)).header()
    }

    #[test]
    fn malformed_declarations_are_refused_without_a_panic() {
        let cases: &[&[u8]] = &[
            b"<?xml version=\"1.0\" encoding=\"",
            b"<?xml version=\"1.0\" encoding=\"?>",
            b"<?xml version=\"1.0\" encoding=\"?><Racine/>",
            b"<?xml ?>",
            b"<?xml ?><Racine/>",
            b"<?xml?>",
            b"<?xml",
            b"<?xml encoding?>",
            b"<?xml encoding=?>",
            b"<?xml encoding=\xc3\xa9?>",
            "<?xml encoding=é?><Racine/>".as_bytes(),
            "<?xml encoding=«utf-8«?><Racine/>".as_bytes(),
            b"<?xml version=\"1.0\" encoding=\"klingon\"?><Racine/>",
            b"<?xml version=\"1.0\" encoding='x-unknown'?><Racine></Racine>",
            b"<?xml version=\"1.0\" encoding=\"utf-16\"?><Racine/>",
            b"<?xml version=\"1.0\" encoding=\"\"?><Racine/>",
            b"\xef\xbb\xbf<?xml encoding=\"windows-1252\"?>\xe9",
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><?xml ?>",
            b"",
            b"?>",
        ];
        for case in cases {
            let outcome = std::panic::catch_unwind(|| header(case).map(|_| ()));
            match outcome {
                Ok(result) => assert!(
                    result.is_err(),
                    "{:?} is no CAF file",
                    String::from_utf8_lossy(case)
                ),
                Err(_) => panic!("{:?} panics", String::from_utf8_lossy(case)),
            }
        }
    }

    /// The test's monthly file (windows-1252).
    const MONTHLY: &[u8] = include_bytes!("../tests/fixtures/flux-beneficiaires-mensuel.xml");

    /// Every dossier of a file (its header read first), up to its first
    /// error; a panic fails the test with the case's name.
    fn read_all(case: &str, bytes: Vec<u8>) -> (Vec<RawDossier>, Option<FileError>) {
        std::panic::catch_unwind(move || {
            let mut reader = CafXml::new(std::io::Cursor::new(bytes), date!(2026 - 12 - 01));
            if let Err(error) = reader.header() {
                return (Vec::new(), Some(error));
            }
            let mut dossiers = Vec::new();
            loop {
                match reader.next_dossier() {
                    Ok(Some(dossier)) => dossiers.push(dossier),
                    Ok(None) => return (dossiers, None),
                    Err(error) => return (dossiers, Some(error)),
                }
            }
        })
        .unwrap_or_else(|_| panic!("{case}: panics"))
    }

    #[test]
    fn a_second_declaration_is_refused_without_a_panic() {
        // Found by fuzz/ (caf_xml): a windows-1252 file holding a second
        // declaration made quick-xml's decoder switch encodings too late.
        let first_dossier_end = MONTHLY
            .windows(17)
            .position(|w| w == b"</InfosFoyerRSA>\n")
            .unwrap()
            + 17;
        let in_the_middle = [&MONTHLY[..first_dossier_end], MONTHLY].concat();
        let inside_a_dossier = [
            &MONTHLY[..400],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>".as_slice(),
            &MONTHLY[400..],
        ]
        .concat();
        let end_to_end = [MONTHLY, MONTHLY].concat();
        for (case, bytes, read) in [
            ("in the middle", in_the_middle, 1),
            ("inside a dossier", inside_a_dossier, 0),
            ("end to end", end_to_end, 3),
        ] {
            let (dossiers, error) = read_all(case, bytes);
            assert_eq!(dossiers.len(), read, "{case}");
            let error = error.unwrap_or_else(|| panic!("{case}: read whole"));
            assert!(error.message.contains("bout à bout"), "{case}: {error}");
            assert!(error.line.is_some(), "{case}: {error}");
        }
    }

    #[test]
    fn the_declared_encoding_holds_from_the_first_byte() {
        // A declaration longer than quick-xml's 64-byte look-ahead, or
        // after a blank line: the file is still read in windows-1252.
        let body = &MONTHLY[MONTHLY.iter().position(|b| *b == b'\n').unwrap()..];
        for declaration in [
            "<?xml version=\"1.0\" encoding=\"windows-1252\" standalone=\"yes\"         ?>",
            "\n<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
        ] {
            let (dossiers, error) = read_all(declaration, [declaration.as_bytes(), body].concat());
            assert_eq!(error, None, "{declaration}");
            assert_eq!(dossiers.len(), 3, "{declaration}");
            assert_eq!(dossiers[0].persons[0].last_name, "BENSAÏD", "{declaration}");
        }
    }

    #[test]
    fn an_unknown_encoding_is_named_in_french() {
        let error = header(b"<?xml version=\"1.0\" encoding=\"klingon\"?><Racine/>")
            .map(|_| ())
            .unwrap_err();
        assert!(error.to_string().contains("klingon"), "{error}");
        assert!(error.to_string().contains("non pris en charge"), "{error}");
    }

    #[test]
    fn the_declared_encoding_is_read_only_between_quotes() {
        assert_eq!(
            declared_encoding(b"<?xml encoding=\"utf-8\"?>").as_deref(),
            Some("utf-8")
        );
        assert_eq!(
            declared_encoding(b"<?xml encoding = 'latin1' ?>").as_deref(),
            Some("latin1")
        );
        assert_eq!(declared_encoding("<?xml encoding=é?>".as_bytes()), None);
        assert_eq!(declared_encoding(b"<?xml encoding=\"utf-8?>"), None);
        assert_eq!(
            declared_encoding(b"<?xml version=\"1.0\" encoding=\""),
            None
        );
    }
}
