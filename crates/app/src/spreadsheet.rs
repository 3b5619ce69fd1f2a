//! Tables as the département's staff open them: CSV for a spreadsheet in
//! French (UTF-8 with a byte-order mark, `;` between fields, decimal comma)
//! and an XLSX workbook, one sheet per table (rust_xlsxwriter).

use crate::Failure;
use rust_xlsxwriter::{Format, Workbook};

/// A cell: text, a count, a number with decimals, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Number(f64),
    Empty,
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<Option<f64>> for Value {
    fn from(n: Option<f64>) -> Value {
        n.map_or(Value::Empty, Value::Number)
    }
}

impl From<Option<i64>> for Value {
    fn from(n: Option<i64>) -> Value {
        n.map_or(Value::Empty, Value::Int)
    }
}

/// One table: its name (the sheet's, at most 31 characters in XLSX), its
/// column headers and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// The table as CSV, as a French spreadsheet opens it.
pub fn csv(sheet: &Sheet) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        // Writing into memory cannot fail.
        let _ = writer.write_record(&sheet.headers);
        for row in &sheet.rows {
            let _ = writer.write_record(row.iter().map(french));
        }
        let _ = writer.flush();
    }
    out
}

/// A cell as French write it: « 12,5 ». A text a spreadsheet would take
/// for a formula (= + - @, or a tab or carriage return before one) is
/// written after an apostrophe, which shows it as the text it is.
fn french(value: &Value) -> String {
    match value {
        Value::Text(text) if formula_like(text) => format!("'{text}"),
        Value::Text(text) => text.clone(),
        Value::Int(n) => n.to_string(),
        Value::Number(n) => format!("{n:.1}").replace('.', ","),
        Value::Empty => String::new(),
    }
}

/// Whether a spreadsheet would take this text for a formula.
fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The tables as one workbook, a sheet each, headers in bold. Texts are
/// string cells, never formulas; one that looks like a formula also gets
/// the quote prefix, so that editing the cell keeps it a text.
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, Failure> {
    let fault = |e: rust_xlsxwriter::XlsxError| Failure::Internal(format!("classeur XLSX : {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let decimal = Format::new().set_num_format("0.0");
    let quoted = Format::new().set_quote_prefix();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        let name: String = sheet
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        worksheet.set_name(&name).map_err(fault)?;
        for (col, header) in sheet.headers.iter().enumerate() {
            worksheet
                .write_string_with_format(0, col as u16, header, &bold)
                .map_err(fault)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, value) in row.iter().enumerate() {
                let col = col as u16;
                match value {
                    Value::Text(text) if formula_like(text) => worksheet
                        .write_string_with_format(r, col, text, &quoted)
                        .map(|_| ()),
                    Value::Text(text) => worksheet.write_string(r, col, text).map(|_| ()),
                    Value::Int(n) => worksheet.write_number(r, col, *n as f64).map(|_| ()),
                    Value::Number(n) => worksheet
                        .write_number_with_format(r, col, *n, &decimal)
                        .map(|_| ()),
                    Value::Empty => Ok(()),
                }
                .map_err(fault)?;
            }
        }
        worksheet.autofit();
    }
    workbook.save_to_buffer().map_err(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            name: "Délais : orientation".into(),
            headers: vec!["Mois".into(), "Médiane (jours)".into(), "Personnes".into()],
            rows: vec![
                vec!["mars 2026".into(), Some(22.5).into(), 3.into()],
                vec!["avril; « mai »".into(), Value::Empty, 0.into()],
            ],
        }
    }

    #[test]
    fn a_text_is_never_read_as_a_formula() {
        let sheet = Sheet {
            name: "Personnes".into(),
            headers: vec!["Nom".into()],
            rows: [
                "=HYPERLINK(\"x\")",
                "+33 6",
                "-1",
                "@SUM(A1)",
                "Dupont-Martin",
            ]
            .iter()
            .map(|t| vec![Value::from(*t)])
            .collect(),
        };
        let text = String::from_utf8(csv(&sheet)).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            vec![
                "Nom",
                "\"'=HYPERLINK(\"\"x\"\")\"",
                "'+33 6",
                "'-1",
                "'@SUM(A1)",
                "Dupont-Martin"
            ]
        );
    }

    #[test]
    fn csv_opens_in_a_french_spreadsheet() {
        let text = String::from_utf8(csv(&sheet())).unwrap();
        assert!(text.starts_with('\u{feff}'), "byte-order mark");
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "Mois;Médiane (jours);Personnes");
        assert_eq!(lines[1], "mars 2026;22,5;3");
        assert_eq!(
            lines[2], "\"avril; « mai »\";;0",
            "a separator inside is quoted"
        );
    }

    #[test]
    fn xlsx_is_a_zip_workbook_with_a_sheet_per_table() {
        let bytes = xlsx(&[
            sheet(),
            Sheet {
                name: "Stock".into(),
                ..sheet()
            },
        ])
        .unwrap();
        assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip archive");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("xl/worksheets/sheet2.xml"), "two sheets");
    }
}
