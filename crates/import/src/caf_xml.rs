//! Streaming reader of the CAF/MSA XML files (bénéficiaires and
//! instruction): one dossier (`InfosFoyerRSA`) at a time, so memory stays
//! flat whatever the file's size. The official schema is not public, so the
//! reader is tolerant: fields are found by element name wherever they are
//! nested, unknown elements are ignored. Encodings are those the XML
//! declaration names (CAF files are often ISO-8859-1).

use crate::{FileError, Source};
use parcours_domain::caf::{file_date, RawDossier, RawPerson};
use parcours_domain::person::Fund;
use quick_xml::encoding::DecodingReader;
use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::BufRead;
use time::Date;

const RECORD: &str = "InfosFoyerRSA";
const PERSON: &str = "Personne";

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
    leaf: bool,
    header_fields: Vec<(String, String)>,
    root: Option<String>,
    /// The first record's start, read while looking for the header.
    pending: Option<RawDossier>,
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
                Input::Decoded(DecodingReader::new(input))
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
            leaf: false,
            header_fields: Vec::new(),
            root: None,
            pending: None,
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
        let root = self.root.clone().unwrap_or_default().to_lowercase();
        let kind = match field("TYPEFLUX").map(str::to_uppercase).as_deref() {
            Some("B" | "BENEFICIAIRES" | "BÉNÉFICIAIRES") => FileKind::Beneficiaries,
            Some("I" | "INSTRUCTION") => FileKind::Instruction,
            Some("F" | "FINANCIER") => return Err(FileError::file(
                "Ce fichier est un flux financier : seuls les flux bénéficiaires et instruction \
                     sont importés ici.",
            )),
            Some(other) => {
                return Err(FileError::file(format!(
                    "Type de flux inconnu (TYPEFLUX = « {other} ») : attendu B (bénéficiaires) ou \
                     I (instruction)."
                )))
            }
            None if root.contains("instruction") => FileKind::Instruction,
            None if root.contains("benef") || root.contains("bénéf") => FileKind::Beneficiaries,
            None => {
                return Err(FileError::file(
                    "Type de fichier inconnu : ni TYPEFLUX ni balise racine de flux bénéficiaires \
                     ou instruction de la CAF/MSA.",
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
        let fund = match field("ORGANISME").map(str::to_uppercase).as_deref() {
            None | Some("" | "CAF") => Fund::Caf,
            Some("MSA") => Fund::Msa,
            Some(other) => {
                return Err(FileError::file(format!(
                    "Organisme inconnu (ORGANISME = « {other} ») : attendu CAF ou MSA."
                )))
            }
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
        let mut person: Option<RawPerson> = None;
        loop {
            match self.event()? {
                Step::Start => {
                    if self.open.last().eq_ignore_ascii_case(PERSON) {
                        person = Some(RawPerson {
                            line: self.line(),
                            ..RawPerson::default()
                        });
                    }
                }
                Step::Field => {
                    let (name, value) = (self.open.closed(), self.text.trim());
                    match &mut person {
                        Some(p) => person_field(p, name, value),
                        None => dossier_field(&mut dossier, name, value),
                    }
                }
                Step::End => {
                    if self.open.closed().eq_ignore_ascii_case(PERSON) {
                        dossier.persons.extend(person.take());
                    }
                }
                Step::Eof => return Err(self.truncated()),
            }
            if self.open.len() < depth {
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
                Step::Start if self.open.last().eq_ignore_ascii_case(RECORD) => {
                    return Ok(Some(RawDossier {
                        line: self.line(),
                        ..RawDossier::default()
                    }))
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
                    if let Some(Ok(label)) = decl.encoding() {
                        let encoding = decl.encoder().ok_or_else(|| {
                            FileError::file(format!(
                                "Encodage « {label} » non pris en charge (attendu UTF-8 ou ISO-8859-1)."
                            ))
                        })?;
                        if let Input::Decoded(decoding) = &mut self.reader.get_mut().inner {
                            decoding.set_encoding(encoding);
                        }
                    }
                }
                Event::Start(start) => {
                    self.open.push(start.local_name().into_inner());
                    self.text.clear();
                    self.leaf = true;
                    return Ok(Step::Start);
                }
                Event::Empty(start) => {
                    self.open.push(start.local_name().into_inner());
                    self.open.pop();
                    self.text.clear();
                    self.leaf = false;
                    return Ok(Step::Field);
                }
                Event::Text(text) => {
                    if self.leaf {
                        self.text.push_str(&text.xml10_content());
                    }
                }
                Event::CData(data) => {
                    if self.leaf {
                        self.text.push_str(&data.xml10_content());
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
                        self.text.push_str(&resolved);
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

    /// The element closed last.
    fn closed(&self) -> &str {
        self.names.get(self.depth).map_or("", String::as_str)
    }
}

/// `name` in capitals, in `buf` rather than a new string (a file has
/// millions of fields); a name longer than `buf` is no field we read.
fn upper<'b>(name: &str, buf: &'b mut [u8; 24]) -> &'b str {
    let Some(out) = buf.get_mut(..name.len()) else {
        return "";
    };
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_uppercase();
    std::str::from_utf8(out).unwrap_or("")
}

fn dossier_field(dossier: &mut RawDossier, name: &str, value: &str) {
    let slot = match upper(name, &mut [0; 24]) {
        "NUMDEMRSA" => &mut dossier.rsa_number,
        "MATRICULE" => &mut dossier.caf_number,
        "ETATDOSRSA" => &mut dossier.rsa_state,
        "DTETATDOSRSA" | "DTETATRSA" => &mut dossier.rsa_state_on,
        "NUMCOMPTT" | "CODEINSEE" => &mut dossier.commune_code,
        "LIBVOIE" | "ADRESSE" => &mut dossier.address,
        _ => return,
    };
    value.clone_into(slot);
}

fn person_field(person: &mut RawPerson, name: &str, value: &str) {
    let slot = match upper(name, &mut [0; 24]) {
        "ROLEPERS" => &mut person.role,
        "NOM" => &mut person.last_name,
        "PRENOM" => &mut person.first_names,
        "NOMNAI" => &mut person.birth_name,
        "DTNAI" => &mut person.birth_date,
        "SEXE" => &mut person.sex,
        "NIR" => &mut person.nir,
        "TOPPERSDRODEVORSA" => &mut person.subject_to_duties,
        _ => return,
    };
    value.clone_into(slot);
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
        .starts_with("<?xml")
    {
        return None;
    }
    let value = declaration.split("encoding").nth(1)?.trim_start();
    let value = value.strip_prefix('=')?.trim_start();
    let quote = value.chars().next()?;
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
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            line: 1,
            bytes: 0,
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
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes being consumed are still in the inner buffer.
        if let Ok(buf) = self.inner.fill_buf() {
            let end = amount.min(buf.len());
            self.line += buf[..end].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.bytes += amount as u64;
        self.inner.consume(amount);
    }
}

/// Writes CAF XML files in the layout the reader expects: the scale dataset's
/// files and the tests' fixtures.
pub struct CafXmlWriter<W: std::io::Write> {
    out: W,
}

impl<W: std::io::Write> CafXmlWriter<W> {
    pub fn new(mut out: W, kind: FileKind, date: Date, fund: Fund) -> std::io::Result<Self> {
        let kind = match kind {
            FileKind::Beneficiaries => "B",
            FileKind::Instruction => "I",
        };
        let fund = match fund {
            Fund::Caf => "CAF",
            Fund::Msa => "MSA",
        };
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FluxBeneficiaires>\n  <IdentificationFlux>\n    \
             <TYPEFLUX>{kind}</TYPEFLUX>\n    <DTCREAFLUX>{}</DTCREAFLUX>\n    \
             <ORGANISME>{fund}</ORGANISME>\n  </IdentificationFlux>\n",
            parcours_domain::caf::iso_date(date)
        )?;
        Ok(CafXmlWriter { out })
    }

    pub fn dossier(&mut self, d: &RawDossier) -> std::io::Result<()> {
        let e = |s: &str| quick_xml::escape::escape(s.to_owned()).into_owned();
        writeln!(
            self.out,
            "  <InfosFoyerRSA>\n    <IdentificationRSA><NUMDEMRSA>{}</NUMDEMRSA><MATRICULE>{}</MATRICULE></IdentificationRSA>\n    \
             <Adresse><LIBVOIE>{}</LIBVOIE><NUMCOMPTT>{}</NUMCOMPTT></Adresse>\n    \
             <PrestationRSA><EtatDossierRSA><ETATDOSRSA>{}</ETATDOSRSA><DTETATDOSRSA>{}</DTETATDOSRSA></EtatDossierRSA></PrestationRSA>",
            e(&d.rsa_number),
            e(&d.caf_number),
            e(&d.address),
            e(&d.commune_code),
            e(&d.rsa_state),
            e(&d.rsa_state_on)
        )?;
        for p in &d.persons {
            writeln!(
                self.out,
                "    <Personne>\n      <Identification><NOM>{}</NOM><PRENOM>{}</PRENOM><NOMNAI>{}</NOMNAI>\
                 <DTNAI>{}</DTNAI><SEXE>{}</SEXE><NIR>{}</NIR></Identification>\n      \
                 <Prestations><ROLEPERS>{}</ROLEPERS><TOPPERSDRODEVORSA>{}</TOPPERSDRODEVORSA></Prestations>\n    </Personne>",
                e(&p.last_name),
                e(&p.first_names),
                e(&p.birth_name),
                e(&p.birth_date),
                e(&p.sex),
                e(&p.nir),
                e(&p.role),
                e(&p.subject_to_duties)
            )?;
        }
        writeln!(self.out, "  </InfosFoyerRSA>")
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        writeln!(self.out, "</FluxBeneficiaires>")?;
        Ok(self.out)
    }
}
