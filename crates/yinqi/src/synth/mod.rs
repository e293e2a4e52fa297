//! Synthetic but realistic data for the demo, the tests and the benchmarks, deterministic
//! from a seed: a national bank registry ([`bank_registry`]) and bureaus' enterprise lists
//! ([`ListingGenerator`]) that carry known defects in known numbers, so that importing a
//! generated file must reproduce [`ExpectedSummary`] exactly.
//!
//! Everything streams: an 8-million-row list is generated row by row and written through
//! the files crate's [`TableWriter`] without ever being held in memory.

mod answers;
mod banks;
mod defects;
mod geo;
mod listing;
pub mod rng;
mod tables;

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context as _, bail};
use yinqi_files::{SourceFormat, TableWriter, TextEncoding};

pub use answers::{AnswerShares, SyntheticAnswer, answers_for};
pub use banks::{BANK_HEADERS, BranchRow, bank_registry};
pub use defects::{DefectKind, DefectMix, ExpectedSummary, Outcome};
pub use listing::{
    DEFAULT_BANK_SEED, GeneratedRow, ListingGenerator, ListingSpec, listing_headers,
};

/// Most data rows one XLSX worksheet holds (1,048,576 rows minus the header).
pub const XLSX_MAX_DATA_ROWS: u64 = 1_048_575;

/// The file formats generated data can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// CSV in UTF-8 with a BOM (Excel's "CSV UTF-8").
    CsvUtf8,
    /// CSV in GB18030, as Chinese Excel writes plain "CSV".
    CsvGb18030,
    /// An XLSX workbook, every cell a string.
    Xlsx,
}

impl OutputFormat {
    /// The format a file name asks for: `.xlsx` → XLSX, anything else → CSV UTF-8.
    pub fn for_path(path: &Path) -> OutputFormat {
        let is_xlsx = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if is_xlsx {
            OutputFormat::Xlsx
        } else {
            OutputFormat::CsvUtf8
        }
    }

    fn source_format(self, sheet: &str) -> SourceFormat {
        match self {
            OutputFormat::CsvUtf8 => SourceFormat::Csv {
                encoding: TextEncoding::Utf8Bom,
                delimiter: b',',
            },
            OutputFormat::CsvGb18030 => SourceFormat::Csv {
                encoding: TextEncoding::Gb18030,
                delimiter: b',',
            },
            OutputFormat::Xlsx => SourceFormat::Xlsx {
                sheet: sheet.to_owned(),
            },
        }
    }
}

impl FromStr for OutputFormat {
    type Err = anyhow::Error;

    /// `csv` (UTF-8 with BOM), `gb18030` / `gbk` / `csv-gb18030`, `xlsx`.
    fn from_str(s: &str) -> anyhow::Result<OutputFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "csv-utf8" | "utf8" | "utf-8" => Ok(OutputFormat::CsvUtf8),
            "gb18030" | "gbk" | "csv-gb18030" | "csv-gbk" => Ok(OutputFormat::CsvGb18030),
            "xlsx" => Ok(OutputFormat::Xlsx),
            other => bail!("unknown format “{other}”: use csv, gb18030 or xlsx"),
        }
    }
}

/// Writes a generated enterprise list (header row of Chinese headers, then the rows) and
/// returns the summary importing it must give.
pub fn write_listing(
    spec: &ListingSpec,
    path: &Path,
    format: OutputFormat,
) -> anyhow::Result<ExpectedSummary> {
    if format == OutputFormat::Xlsx && spec.rows > XLSX_MAX_DATA_ROWS {
        bail!(
            "an XLSX worksheet holds at most {XLSX_MAX_DATA_ROWS} data rows, {} were asked for: \
             write CSV instead",
            spec.rows
        );
    }
    let mut generator = ListingGenerator::new(spec)?;
    let mut writer = TableWriter::create(path, &format.source_format("企业名单"))
        .with_context(|| format!("creating {}", path.display()))?;
    writer.write_row(&listing_headers())?;
    for row in generator.by_ref() {
        writer.write_row(&row.cells)?;
    }
    writer
        .finish()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(generator.expected())
}

/// Writes the bank registry of `seed` and returns its number of branches.
pub fn write_registry(seed: u64, path: &Path, format: OutputFormat) -> anyhow::Result<usize> {
    let rows = bank_registry(seed);
    let mut writer = TableWriter::create(path, &format.source_format("银行机构名录"))
        .with_context(|| format!("creating {}", path.display()))?;
    writer.write_row(&BANK_HEADERS)?;
    for row in &rows {
        writer.write_row(&row.cells())?;
    }
    writer
        .finish()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinqi_domain::bureau;

    #[test]
    fn formats_from_names_and_paths() {
        assert_eq!(
            OutputFormat::for_path(Path::new("a/list.XLSX")),
            OutputFormat::Xlsx
        );
        assert_eq!(
            OutputFormat::for_path(Path::new("list.csv")),
            OutputFormat::CsvUtf8
        );
        assert_eq!(
            "gbk".parse::<OutputFormat>().ok(),
            Some(OutputFormat::CsvGb18030)
        );
        assert_eq!(
            "xlsx".parse::<OutputFormat>().ok(),
            Some(OutputFormat::Xlsx)
        );
        assert!("xls".parse::<OutputFormat>().is_err());
    }

    #[test]
    fn xlsx_refuses_more_rows_than_a_sheet_holds() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ListingSpec::new(bureau::by_code("3702").unwrap(), XLSX_MAX_DATA_ROWS + 1, 1);
        let path = dir.path().join("big.xlsx");
        let err = write_listing(&spec, &path, OutputFormat::Xlsx).unwrap_err();
        assert!(err.to_string().contains("1048575"), "{err}");
        assert!(!path.exists(), "nothing written");
    }

    #[test]
    fn writes_every_format_and_returns_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ListingSpec::new(bureau::by_code("3702").unwrap(), 2_000, 5);
        for (format, name) in [
            (OutputFormat::CsvUtf8, "l.csv"),
            (OutputFormat::CsvGb18030, "l-gbk.csv"),
            (OutputFormat::Xlsx, "l.xlsx"),
        ] {
            let path = dir.path().join(name);
            let summary = write_listing(&spec, &path, format).unwrap();
            assert_eq!(summary, spec.expected_summary());
            assert!(std::fs::metadata(&path).unwrap().len() > 10_000, "{name}");
        }
        let csv = std::fs::read(dir.path().join("l.csv")).unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert_eq!(text.lines().count(), 2_001);
        assert!(text.starts_with("统一社会信用代码,企业名称,"));
        let registry = dir.path().join("banks.csv");
        let n = write_registry(3, &registry, OutputFormat::CsvUtf8).unwrap();
        let text = std::fs::read_to_string(&registry).unwrap();
        assert_eq!(text.lines().count(), n + 1);
        assert!(text.starts_with("\u{feff}行号,网点名称,法人机构,机构类型,行政区划代码,上级行号"));
    }
}
