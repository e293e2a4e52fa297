//! Matching a file's header row to the fields a caller expects, generically: the caller
//! describes each field by an id and its accepted header names, and gets back which
//! column holds which field.
//!
//! Clerks retype headers, so comparison is on a normalised form: trimmed, BOM and
//! zero-width characters removed, full-width ASCII (including （） and the ideographic
//! space) folded to half-width, ASCII case ignored, all whitespace removed, and the
//! `*` that templates put on required columns dropped. "营业收入（万元）",
//! "营业收入(万元)" and " 营业收入 (万元) *" are the same header.

use std::fmt;

use crate::error::{ColumnLetter, Thousands};
use crate::read::Row;

/// One field a caller expects in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Caller's identifier, returned in the [`HeaderMap`].
    pub id: usize,
    /// Accepted header names; the first is the one shown in messages.
    pub names: &'static [&'static str],
    /// Whether the file must have this column.
    pub required: bool,
}

/// A header cell that matched no field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownColumn {
    /// 0-based column index.
    pub index: usize,
    /// The header text as written (trimmed).
    pub header: String,
}

/// Where each field was found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderMap {
    /// (field id, column index), in column order.
    columns: Vec<(usize, usize)>,
    unknown: Vec<UnknownColumn>,
}

impl HeaderMap {
    /// The column holding field `id`, if the file has it.
    pub fn get(&self, id: usize) -> Option<usize> {
        self.columns
            .iter()
            .find(|(field, _)| *field == id)
            .map(|&(_, col)| col)
    }

    /// The cell of field `id` in `row`: `""` if the file has no such column.
    pub fn cell<'r>(&self, row: &'r Row, id: usize) -> &'r str {
        self.get(id).map_or("", |c| row.get(c))
    }

    /// (field id, column index) pairs for every field found, in column order.
    pub fn fields(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.columns.iter().copied()
    }

    /// Non-empty header cells that matched no field (allowed; a caller may warn).
    pub fn unknown_columns(&self) -> &[UnknownColumn] {
        &self.unknown
    }
}

/// A required field with no column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingField {
    /// The field's id.
    pub id: usize,
    /// Its accepted names (the first is the preferred one).
    pub names: &'static [&'static str],
}

/// A field found in more than one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateField {
    /// The field's id.
    pub id: usize,
    /// Its accepted names.
    pub names: &'static [&'static str],
    /// (column index, header as written) of every column matching it.
    pub columns: Vec<(usize, String)>,
}

/// Everything wrong with a header row, all at once, so the clerk fixes it in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct HeaderError {
    /// Required fields without a column, in the order of the field list.
    pub missing: Vec<MissingField>,
    /// Fields that appear in two or more columns.
    pub duplicated: Vec<DuplicateField>,
}

impl HeaderError {
    fn message(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            let list: Vec<String> = self.missing.iter().map(|m| quoted_names(m.names)).collect();
            parts.push(format!(
                "缺少 {} 个必填列：{}",
                self.missing.len(),
                list.join("、")
            ));
        }
        for d in &self.duplicated {
            let cols: Vec<String> = d
                .columns
                .iter()
                .map(|(i, h)| {
                    format!(
                        "第 {} 列（{} 列）“{h}”",
                        Thousands(*i as u64 + 1),
                        ColumnLetter(*i)
                    )
                })
                .collect();
            parts.push(format!(
                "“{}”出现了 {} 次：{}，只能保留一列",
                d.names.first().copied().unwrap_or("?"),
                d.columns.len(),
                cols.join("、")
            ));
        }
        format!(
            "表头不符合要求：{}。请对照模板修改表头（第一行非空的行）后重新上传",
            parts.join("；")
        )
    }
}

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quoted_names(self.names))
    }
}

/// `“统一社会信用代码”（也可以写作“uscc”或“信用代码”）`
fn quoted_names(names: &[&str]) -> String {
    let Some((first, rest)) = names.split_first() else {
        return "“?”".into();
    };
    if rest.is_empty() {
        format!("“{first}”")
    } else {
        let alts: Vec<String> = rest.iter().map(|n| format!("“{n}”")).collect();
        format!("“{first}”（也可以写作{}）", alts.join("或"))
    }
}

/// Maps header cells to fields. See the module documentation for how names compare.
pub fn match_headers(headers: &[String], fields: &[FieldSpec]) -> Result<HeaderMap, HeaderError> {
    let wanted: Vec<Vec<String>> = fields
        .iter()
        .map(|f| f.names.iter().map(|n| normalize_header(n)).collect())
        .collect();
    // Per field: the columns that matched it.
    let mut found: Vec<Vec<usize>> = vec![Vec::new(); fields.len()];
    let mut unknown = Vec::new();
    for (col, header) in headers.iter().enumerate() {
        let key = normalize_header(header);
        if key.is_empty() {
            continue;
        }
        match wanted.iter().position(|names| names.contains(&key)) {
            Some(field) => found[field].push(col),
            None => unknown.push(UnknownColumn {
                index: col,
                header: header.trim().to_owned(),
            }),
        }
    }

    let mut missing = Vec::new();
    let mut duplicated = Vec::new();
    let mut columns = Vec::new();
    for (spec, cols) in fields.iter().zip(&found) {
        match cols.as_slice() {
            [] if spec.required => missing.push(MissingField {
                id: spec.id,
                names: spec.names,
            }),
            [] => {}
            [col] => columns.push((spec.id, *col)),
            many => duplicated.push(DuplicateField {
                id: spec.id,
                names: spec.names,
                columns: many
                    .iter()
                    .map(|&c| (c, headers[c].trim().to_owned()))
                    .collect(),
            }),
        }
    }
    if !missing.is_empty() || !duplicated.is_empty() {
        return Err(HeaderError {
            missing,
            duplicated,
        });
    }
    columns.sort_by_key(|&(_, col)| col);
    Ok(HeaderMap { columns, unknown })
}

/// The form headers are compared in (see the module documentation).
pub fn normalize_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            // Full-width ASCII variants (！ to ～) map to ASCII by a fixed offset.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200D}' | '\u{2060}') {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_matches('*').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        FieldSpec {
            id: 0,
            names: &["统一社会信用代码", "uscc", "信用代码"],
            required: true,
        },
        FieldSpec {
            id: 1,
            names: &["企业名称", "name"],
            required: true,
        },
        FieldSpec {
            id: 2,
            names: &["营业收入（万元）", "revenue"],
            required: false,
        },
        FieldSpec {
            id: 3,
            names: &["联系电话", "contact_phone"],
            required: false,
        },
    ];

    fn h(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_header(" 营业收入 (万元) "), "营业收入(万元)");
        assert_eq!(normalize_header("营业收入（万元）"), "营业收入(万元)");
        assert_eq!(normalize_header("\u{feff}USCC"), "uscc");
        assert_eq!(normalize_header("ＵＳＣＣ"), "uscc");
        assert_eq!(normalize_header("*企业名称"), "企业名称");
        assert_eq!(normalize_header("企业\u{3000}名称"), "企业名称");
        assert_eq!(normalize_header("Contact_Phone"), "contact_phone");
    }

    #[test]
    fn matches_any_name_and_lists_unknown() {
        let map = match_headers(
            &h(&["USCC", "备注", " 企业名称 ", "", "营业收入(万元)"]),
            FIELDS,
        )
        .unwrap();
        assert_eq!(map.get(0), Some(0));
        assert_eq!(map.get(1), Some(2));
        assert_eq!(map.get(2), Some(4));
        assert_eq!(map.get(3), None);
        assert_eq!(
            map.unknown_columns(),
            &[UnknownColumn {
                index: 1,
                header: "备注".into()
            }]
        );
        assert_eq!(
            map.fields().collect::<Vec<_>>(),
            vec![(0, 0), (1, 2), (2, 4)]
        );
        let mut row = Row::new();
        row.set(2, ["9137", "x", "青岛"]);
        assert_eq!(map.cell(&row, 1), "青岛");
        assert_eq!(map.cell(&row, 2), "");
        assert_eq!(map.cell(&row, 3), "");
    }

    #[test]
    fn all_missing_listed() {
        let err = match_headers(&h(&["营业收入", "联系电话"]), FIELDS).unwrap_err();
        assert_eq!(err.missing.len(), 2);
        assert_eq!(err.missing[0].id, 0);
        assert_eq!(err.missing[1].id, 1);
        let msg = err.to_string();
        assert!(msg.contains("缺少 2 个必填列"), "{msg}");
        assert!(
            msg.contains("“统一社会信用代码”（也可以写作“uscc”或“信用代码”）"),
            "{msg}"
        );
        assert!(msg.contains("“企业名称”（也可以写作“name”）"), "{msg}");
    }

    #[test]
    fn duplicate_field() {
        let err = match_headers(&h(&["信用代码", "企业名称", "USCC"]), FIELDS).unwrap_err();
        assert!(err.missing.is_empty());
        assert_eq!(err.duplicated.len(), 1);
        assert_eq!(
            err.duplicated[0].columns,
            vec![(0, "信用代码".to_string()), (2, "USCC".to_string())]
        );
        let msg = err.to_string();
        assert!(
            msg.contains(
                "“统一社会信用代码”出现了 2 次：第 1 列（A 列）“信用代码”、第 3 列（C 列）“USCC”"
            ),
            "{msg}"
        );
    }

    #[test]
    fn missing_and_duplicate_together() {
        let err = match_headers(&h(&["name", "企业名称"]), FIELDS).unwrap_err();
        assert_eq!(err.missing.len(), 1);
        assert_eq!(err.duplicated.len(), 1);
    }
}
