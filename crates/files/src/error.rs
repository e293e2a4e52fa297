//! The crate's error type. Every message is written for the data clerk who uploaded the
//! file: it says what is wrong, where (line, column) when known, and what to do in Excel.

use std::fmt;

use crate::decode::TextEncoding;
use crate::{MAX_COLUMNS, XLSX_MAX_CELL_CHARS};

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The operating system refused to read or write the file.
    #[error("读写文件时出错（{}）：{}", io_reason(.0), .0)]
    Io(#[source] std::io::Error),

    /// Zero bytes, or only a byte-order mark and whitespace.
    #[error("文件是空的，没有任何内容。请检查是否选错了文件")]
    Empty,

    /// OLE2 container: Excel 97-2003 `.xls`, WPS `.et`, or an encrypted workbook.
    #[error(
        "这是旧版 Excel 97-2003 工作簿（.xls）、WPS 表格文件或设置了打开密码的 Excel 文件，系统无法直接读取。\
         请在 Excel 中打开它，选择“文件 → 另存为”，保存为“Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）（*.csv）”后重新上传\
         （如设有打开密码，请先取消密码）"
    )]
    LegacyExcel,

    /// A zip archive that is not an Excel workbook.
    #[error(
        "文件是 ZIP 压缩包{}，不是 Excel 工作簿（.xlsx）。请上传 .xlsx 或 CSV 文件",
        hint(.what)
    )]
    NotAWorkbook {
        /// What the archive looks like instead, when recognisable (e.g. "Word 文档").
        what: Option<&'static str>,
    },

    /// Not a table at all: binary data, a PDF, an image, an archive…
    #[error(
        "这不是 CSV 或 XLSX 文件{}。请上传 Excel 工作簿（.xlsx）或 CSV 文件",
        hint(.what)
    )]
    NotATable {
        /// What the file looks like instead, when recognisable (e.g. "PDF 文件").
        what: Option<&'static str>,
    },

    /// HTML or XML text, which some systems export with an `.xls` name.
    #[error(
        "文件内容是网页（HTML）或 XML 格式，不是真正的 Excel 或 CSV 文件（有些系统导出的“.xls”其实是网页）。\
         请用 Excel 打开后“另存为”“Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）”后重新上传"
    )]
    HtmlOrXml,

    /// UTF-16 text ("Unicode 文本" in Excel).
    #[error(
        "文件是 UTF-16 编码（Excel 中的“Unicode 文本”），系统不支持这种编码。\
         请用 Excel 打开后“另存为”“CSV UTF-8（逗号分隔）（*.csv）”再重新上传"
    )]
    Utf16,

    /// A byte sequence that is not valid in the encoding the file started with.
    #[error("{}", encoding_message(*.line, *.encoding, *.truncated))]
    Encoding {
        /// 1-based physical line of the bad bytes.
        line: u64,
        /// The encoding decided from the start of the file.
        encoding: TextEncoding,
        /// The file ends in the middle of a character (cut off), rather than containing
        /// a foreign byte sequence.
        truncated: bool,
    },

    /// One record is longer than [`crate::MAX_RECORD_BYTES`].
    #[error(
        "从第 {} 行开始的一条记录超过了 1 MB 的上限。最常见的原因是某个单元格以英文双引号（\"）开头却没有配对的结束引号，\
         导致后面的许多行被当成了同一个单元格。请检查这一行附近的引号，或用 Excel 打开后重新另存为“CSV UTF-8”再上传",
        Thousands(*.line)
    )]
    RecordTooLong {
        /// 1-based line (or Excel row) where the record starts.
        line: u64,
    },

    /// A row with more than [`crate::MAX_COLUMNS`] columns.
    #[error(
        "第 {} 行有 {} 列，超过了 {MAX_COLUMNS} 列的上限。请删除多余的列（或检查分隔符是否正确）后重新上传",
        Thousands(*.line),
        Thousands(*.columns as u64)
    )]
    TooManyColumns {
        /// 1-based line (or Excel row).
        line: u64,
        /// Number of columns found (at least this many).
        columns: usize,
    },

    /// No non-blank row at all, so no header.
    #[error(
        "文件中没有找到表头行（所有行都是空的）。第一行非空的行应当是表头，例如“统一社会信用代码,企业名称,……”"
    )]
    NoHeader,

    /// The workbook has no worksheet with cells.
    #[error("Excel 工作簿中没有可以读取的工作表")]
    NoWorksheet,

    /// calamine could not parse the workbook.
    #[error(
        "Excel 文件已损坏或包含系统无法识别的内容{}。请在 Excel 中打开并重新“另存为”“Excel 工作簿（*.xlsx）”后上传（技术信息：{detail}）",
        at_line(*.line)
    )]
    Xlsx {
        /// Excel row near which the problem was found, if known.
        line: Option<u64>,
        /// The parser's own (English) description, for support staff.
        detail: String,
    },

    /// The XLSX reading thread stopped without reporting why (a panic in the parser).
    #[error(
        "读取 Excel 文件时意外中断{}。文件可能已损坏，请在 Excel 中打开并重新“另存为” .xlsx 后上传",
        at_line(*.line)
    )]
    XlsxReaderLost {
        /// Last Excel row read before the interruption, if any.
        line: Option<u64>,
    },

    /// A CSV syntax problem the parser reports (rare: the reader is lenient).
    #[error("第 {} 行 CSV 格式错误：{detail}", Thousands(*.line))]
    Csv {
        /// 1-based line.
        line: u64,
        /// The parser's description.
        detail: String,
    },

    /// Writing XLSX: a cell longer than Excel allows.
    #[error(
        "第 {} 行第 {} 列（{} 列）的内容有 {} 个字符，超过了 Excel 单元格 {} 个字符的上限。请改为导出 CSV 文件",
        Thousands(*.row), .column + 1, ColumnLetter(*.column), Thousands(*.chars as u64),
        Thousands(XLSX_MAX_CELL_CHARS as u64)
    )]
    CellTooLong {
        /// 1-based row of the output table (the header is row 1).
        row: u64,
        /// 0-based column.
        column: usize,
        /// Characters in the cell.
        chars: usize,
    },

    /// Writing XLSX: more rows or columns than one worksheet holds.
    #[error(
        "数据超过了 Excel 工作表的上限（最多 1,048,576 行、16,384 列）。请改为导出 CSV 文件，或分成多个文件"
    )]
    TooBigForXlsx,

    /// Writing GB18030: a character the encoding cannot represent.
    #[error(
        "第 {} 行第 {} 列（{} 列）中的字符“{}”（U+{:04X}）无法用 GB18030 编码保存。请改为导出 UTF-8 编码的 CSV 或 .xlsx 文件",
        Thousands(*.row), .column + 1, ColumnLetter(*.column), .ch, *.ch as u32
    )]
    Unencodable {
        /// 1-based row of the output table (the header is row 1).
        row: u64,
        /// 0-based column.
        column: usize,
        /// The character.
        ch: char,
    },

    /// rust_xlsxwriter failed while writing.
    #[error("写入 Excel 文件失败：{0}")]
    XlsxWrite(String),
}

impl FileError {
    /// The 1-based line (or Excel row) the error refers to, if it refers to one.
    pub fn line(&self) -> Option<u64> {
        match self {
            FileError::Encoding { line, .. }
            | FileError::RecordTooLong { line }
            | FileError::TooManyColumns { line, .. }
            | FileError::Csv { line, .. } => Some(*line),
            FileError::Xlsx { line, .. } | FileError::XlsxReaderLost { line } => *line,
            FileError::CellTooLong { row, .. } | FileError::Unencodable { row, .. } => Some(*row),
            _ => None,
        }
    }
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        FileError::Io(e)
    }
}

fn hint(what: &Option<&'static str>) -> String {
    match what {
        // A space between 是 and a Latin word, as Chinese typesetting does.
        Some(w) if w.starts_with(|c: char| c.is_ascii()) => format!("（看起来是 {w}）"),
        Some(w) => format!("（看起来是{w}）"),
        None => String::new(),
    }
}

fn at_line(line: Option<u64>) -> String {
    match line {
        Some(l) => format!("（第 {} 行附近）", Thousands(l)),
        None => String::new(),
    }
}

fn io_reason(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "找不到文件",
        PermissionDenied => "没有访问权限",
        AlreadyExists => "文件已存在",
        StorageFull => "磁盘空间不足",
        UnexpectedEof => "文件意外结束，可能不完整",
        _ => "系统错误",
    }
}

fn encoding_message(line: u64, encoding: TextEncoding, truncated: bool) -> String {
    let line = Thousands(line);
    let resave = "请用 Excel 打开后“另存为”“CSV UTF-8（逗号分隔）”后重新上传";
    if truncated {
        return format!(
            "第 {line} 行编码错误：文件在一个 {} 字符的中间结束，文件可能没有完整上传或已损坏。{resave}",
            encoding.label()
        );
    }
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            format!("第 {line} 行编码错误：文件前面是 UTF-8，此处不是（混合编码）。{resave}")
        }
        TextEncoding::Gb18030 => format!(
            "第 {line} 行编码错误：文件前面是 GBK/GB18030（中文 Excel 默认的 CSV 编码），此处的内容不是有效的 GBK/GB18030 字符（混合编码或文件已损坏）。{resave}"
        ),
    }
}

/// Formats a count with thousands separators, as clerks read numbers: `1,203`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thousands(pub u64);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let len = digits.len();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (len - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Excel's letter name of a 0-based column index: 0 → `A`, 27 → `AB`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnLetter(pub usize);

impl fmt::Display for ColumnLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut n = self.0 + 1;
        let mut letters = [0u8; 8];
        let mut i = letters.len();
        while n > 0 {
            i -= 1;
            letters[i] = b'A' + ((n - 1) % 26) as u8;
            n = (n - 1) / 26;
        }
        // Only ASCII letters were written.
        f.write_str(std::str::from_utf8(&letters[i..]).unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(Thousands(0).to_string(), "0");
        assert_eq!(Thousands(999).to_string(), "999");
        assert_eq!(Thousands(1_203).to_string(), "1,203");
        assert_eq!(Thousands(8_000_000).to_string(), "8,000,000");
    }

    #[test]
    fn column_letters() {
        assert_eq!(ColumnLetter(0).to_string(), "A");
        assert_eq!(ColumnLetter(25).to_string(), "Z");
        assert_eq!(ColumnLetter(26).to_string(), "AA");
        assert_eq!(ColumnLetter(27).to_string(), "AB");
        assert_eq!(ColumnLetter(16_383).to_string(), "XFD");
    }

    #[test]
    fn encoding_message_names_line() {
        let e = FileError::Encoding {
            line: 1203,
            encoding: TextEncoding::Utf8,
            truncated: false,
        };
        assert_eq!(
            e.to_string(),
            "第 1,203 行编码错误：文件前面是 UTF-8，此处不是（混合编码）。请用 Excel 打开后“另存为”“CSV UTF-8（逗号分隔）”后重新上传"
        );
        assert_eq!(e.line(), Some(1203));
    }
}

#[cfg(test)]
mod render {
    use super::*;

    #[test]
    fn every_message_renders() {
        let all = [
            FileError::Io(std::io::Error::from(std::io::ErrorKind::NotFound)),
            FileError::Empty,
            FileError::LegacyExcel,
            FileError::NotAWorkbook { what: None },
            FileError::NotAWorkbook {
                what: Some("Word 文档"),
            },
            FileError::NotATable {
                what: Some("PDF 文件"),
            },
            FileError::HtmlOrXml,
            FileError::Utf16,
            FileError::Encoding {
                line: 7,
                encoding: TextEncoding::Gb18030,
                truncated: false,
            },
            FileError::Encoding {
                line: 7,
                encoding: TextEncoding::Utf8,
                truncated: true,
            },
            FileError::RecordTooLong { line: 12_345 },
            FileError::TooManyColumns {
                line: 3,
                columns: 5000,
            },
            FileError::NoHeader,
            FileError::NoWorksheet,
            FileError::Xlsx {
                line: Some(9),
                detail: "Xml error".into(),
            },
            FileError::XlsxReaderLost { line: None },
            FileError::Csv {
                line: 2,
                detail: "x".into(),
            },
            FileError::CellTooLong {
                row: 2,
                column: 27,
                chars: 40_000,
            },
            FileError::TooBigForXlsx,
            FileError::Unencodable {
                row: 2,
                column: 0,
                ch: '\u{E5E5}',
            },
            FileError::XlsxWrite("boom".into()),
        ];
        for e in &all {
            let m = e.to_string();
            println!("{m}");
            assert!(!m.contains('{') && !m.contains('}'), "{m}");
        }
        assert!(all[11].to_string().contains("超过了 512 列的上限"));
        assert!(all[17].to_string().contains("第 2 行第 28 列（AB 列）"));
        assert!(all[17].to_string().contains("40,000 个字符"));
        assert!(all[10].to_string().starts_with("从第 12,345 行开始"));
        assert!(all[14].to_string().contains("（第 9 行附近）"));
    }
}
