//! Deciding from the first bytes (and the file name) whether an upload is a CSV or an
//! XLSX file, and turning everything else into a message the clerk can act on.
//!
//! Content wins over the name: systems routinely export tab-separated text or HTML under
//! an `.xls` name, and clerks rename files. The name only sharpens the messages.

use crate::error::FileError;

/// How many leading bytes [`sniff`] looks at. A head shorter than this is taken to be
/// the whole file (that is how an empty or whitespace-only file is recognised).
pub const SNIFF_LEN: usize = 8 * 1024;

/// The two formats the readers handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Delimited text (encoding and delimiter are detected while reading).
    Csv,
    /// Office Open XML workbook.
    Xlsx,
}

/// Decides the kind of a file from its first [`SNIFF_LEN`] bytes (fewer if the file is
/// shorter) and, optionally, its name.
pub fn sniff(head: &[u8], file_name: Option<&str>) -> Result<FileKind, FileError> {
    let whole_file = head.len() < SNIFF_LEN;
    if head.is_empty() {
        return Err(FileError::Empty);
    }
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();

    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return zip_kind(head, &ext);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" | "ppt" => Err(FileError::NotATable {
                what: Some("旧版 Office 文档"),
            }),
            _ => Err(FileError::LegacyExcel),
        };
    }
    if let Some(what) = binary_magic(head) {
        return Err(FileError::NotATable { what: Some(what) });
    }

    // Byte-order marks. A BOM followed by nothing (or whitespace) is an empty file,
    // which is the more useful thing to say.
    let utf16_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let body = if utf16_bom {
        &head[2..]
    } else {
        head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)
    };
    let blank = body
        .iter()
        .all(|&b| b.is_ascii_whitespace() || (utf16_bom && b == 0));
    if whole_file && blank {
        return Err(FileError::Empty);
    }
    if utf16_bom || looks_like_utf16(head) {
        return Err(FileError::Utf16);
    }
    if head.contains(&0) {
        return Err(FileError::NotATable { what: None });
    }
    // Text files have almost no C0 control characters besides tab, CR, LF (and the odd
    // form feed or DOS end-of-file marker); binary formats without NULs in their first
    // kilobytes still have plenty.
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    if controls * 20 > head.len() {
        return Err(FileError::NotATable { what: None });
    }
    if looks_like_markup(body) {
        return Err(FileError::HtmlOrXml);
    }
    Ok(FileKind::Csv)
}

fn zip_kind(head: &[u8], ext: &str) -> Result<FileKind, FileError> {
    // The OpenDocument mimetype is stored uncompressed as the first entry; Word and
    // PowerPoint part names show up in the local headers near the start.
    let what = if contains(head, b"application/vnd.oasis.opendocument.spreadsheet") {
        Some("OpenDocument 表格（.ods），请用 Excel 或 WPS 另存为 .xlsx")
    } else if contains(head, b"application/vnd.oasis.opendocument") {
        Some("OpenDocument 文档")
    } else if contains(head, b"word/") || ext == "docx" {
        Some("Word 文档")
    } else if contains(head, b"ppt/") || ext == "pptx" {
        Some("PowerPoint 演示文稿")
    } else if ext == "xlsb" {
        Some("Excel 二进制工作簿（.xlsb），请另存为 .xlsx")
    } else {
        None
    };
    match what {
        Some(w) => Err(FileError::NotAWorkbook { what: Some(w) }),
        // Whether the zip really is a workbook is settled when it is opened.
        None => Ok(FileKind::Xlsx),
    }
}

fn binary_magic(head: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"%PDF", "PDF 文件"),
        (b"\x89PNG", "PNG 图片"),
        (b"\xFF\xD8\xFF", "JPEG 图片"),
        (b"GIF8", "GIF 图片"),
        (b"BM", "BMP 图片"),
        (b"II*\x00", "TIFF 图片"),
        (b"MM\x00*", "TIFF 图片"),
        (b"Rar!", "RAR 压缩包"),
        (b"7z\xBC\xAF\x27\x1C", "7z 压缩包"),
        (b"\x1F\x8B", "gzip 压缩包"),
        (b"{\\rtf", "RTF 文档"),
        (b"SQLite format 3", "SQLite 数据库"),
    ];
    // "BM" is also how a text file could start ("BM,..."), so demand a plausible BMP
    // header (the reserved bytes 6..10 are zero) before calling it an image.
    MAGICS.iter().find_map(|(magic, what)| {
        if !head.starts_with(magic) {
            return None;
        }
        if *magic == b"BM" && !(head.len() >= 10 && head[6..10] == [0, 0, 0, 0]) {
            return None;
        }
        Some(*what)
    })
}

/// UTF-16 without a BOM: ASCII text encoded as UTF-16 has a NUL in every other byte.
fn looks_like_utf16(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(SNIFF_LEN)];
    if sample.len() < 4 {
        return false;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let half = sample.len() / 2;
    // At least 30% of one parity is NUL and the other parity has (almost) none.
    (odd * 10 >= half * 3 && even * 20 <= odd) || (even * 10 >= half * 3 && odd * 20 <= even)
}

fn looks_like_markup(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let text = &body[start..body.len().min(start + 64)];
    let lower: Vec<u8> = text.iter().map(u8::to_ascii_lowercase).collect();
    [
        &b"<!doctype"[..],
        b"<html",
        b"<table",
        b"<?xml",
        b"<head",
        b"<meta",
        b"<body",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_csv() {
        assert_eq!(sniff(b"a,b\n1,2\n", None).unwrap(), FileKind::Csv);
        assert_eq!(
            sniff("统一社会信用代码,企业名称\n".as_bytes(), Some("x.csv")).unwrap(),
            FileKind::Csv
        );
        // A text file named .xls (a common export) is still read as text.
        assert_eq!(sniff(b"a\tb\n", Some("export.xls")).unwrap(), FileKind::Csv);
        assert_eq!(sniff(b"BMW,1\n", None).unwrap(), FileKind::Csv);
    }

    #[test]
    fn rejects() {
        assert!(matches!(sniff(b"", None), Err(FileError::Empty)));
        assert!(matches!(
            sniff(b"\xEF\xBB\xBF", None),
            Err(FileError::Empty)
        ));
        assert!(matches!(sniff(b" \r\n\t\n", None), Err(FileError::Empty)));
        assert!(matches!(sniff(b"\xFF\xFE", None), Err(FileError::Empty)));
        assert!(matches!(
            sniff(b"\xFF\xFEa\x00,\x00b\x00", None),
            Err(FileError::Utf16)
        ));
        assert!(matches!(
            sniff(b"a\x00,\x00b\x00\n\x00", None),
            Err(FileError::Utf16)
        ));
        assert!(matches!(
            sniff(b"%PDF-1.7\n", None),
            Err(FileError::NotATable {
                what: Some("PDF 文件")
            })
        ));
        assert!(matches!(
            sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", Some("a.xls")),
            Err(FileError::LegacyExcel)
        ));
        assert!(matches!(
            sniff(b"ab\x00\x00\x00\x01cd", None),
            Err(FileError::NotATable { what: None })
        ));
        assert!(matches!(
            sniff(b"  <html><table>", Some("export.xls")),
            Err(FileError::HtmlOrXml)
        ));
        assert!(matches!(
            sniff(b"PK\x03\x04....", Some("a.docx")),
            Err(FileError::NotAWorkbook { .. })
        ));
        assert_eq!(
            sniff(b"PK\x03\x04....", Some("a.xlsx")).unwrap(),
            FileKind::Xlsx
        );
    }
}
