//! One row of a list on its way into the database, stored compactly: the thirteen text
//! fields share one heap buffer. A million-row load holds tens of thousands of these at a
//! time, and one allocation per row instead of ten is what keeps the load's memory flat.

/// The text fields of a [`StagedRow`], borrowed. Codes are the domain crate's stable
/// identifiers (`legal_person`, `small`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowText<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub region_code: &'a str,
    pub industry_code: &'a str,
    pub tax_credit: Option<&'a str>,
    pub entity_type: &'a str,
    pub special_category: Option<&'a str>,
    /// The basic-account bank code when it is 12 digits.
    pub account_bank_code: Option<&'a str>,
    /// What the file said when it was not a valid code (kept so the bureau can see it).
    pub account_bank_raw: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub size_class: Option<&'a str>,
    pub size_unknown: Option<&'a str>,
}

use std::io::{self, Read, Write};

const FIELDS: usize = 13;

impl<'a> RowText<'a> {
    fn to_array(self) -> [Option<&'a str>; FIELDS] {
        [
            Some(self.uscc),
            Some(self.name),
            Some(self.region_code),
            Some(self.industry_code),
            self.tax_credit,
            Some(self.entity_type),
            self.special_category,
            self.account_bank_code,
            self.account_bank_raw,
            self.contact_name,
            self.contact_phone,
            self.size_class,
            self.size_unknown,
        ]
    }

    fn from_array(a: [Option<&'a str>; FIELDS]) -> RowText<'a> {
        RowText {
            uscc: a[0].unwrap_or(""),
            name: a[1].unwrap_or(""),
            region_code: a[2].unwrap_or(""),
            industry_code: a[3].unwrap_or(""),
            tax_credit: a[4],
            entity_type: a[5].unwrap_or(""),
            special_category: a[6],
            account_bank_code: a[7],
            account_bank_raw: a[8],
            contact_name: a[9],
            contact_phone: a[10],
            size_class: a[11],
            size_unknown: a[12],
        }
    }
}

/// One accepted, screened row of a bureau's list, ready to be loaded. Amounts in yuan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StagedRow {
    pub line: u64,
    pub employees: Option<i64>,
    pub revenue: Option<i64>,
    pub assets: Option<i64>,
    pub dishonest: bool,
    /// The bank owning the account branch, when the registry knows the code.
    pub bank_id: Option<i64>,
    /// Exclusion reasons as the domain's bit set (never `duplicate`: the load decides that).
    pub exclusions: i64,
    pub warnings: i64,
    text: Packed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Packed {
    buf: Box<str>,
    ends: [u32; FIELDS],
    present: u16,
}

impl Packed {
    fn new(text: &RowText<'_>) -> Packed {
        let fields = text.to_array();
        let mut buf = String::with_capacity(fields.iter().flatten().map(|s| s.len()).sum());
        let mut ends = [0u32; FIELDS];
        let mut present = 0u16;
        for (i, field) in fields.iter().enumerate() {
            if let Some(s) = field {
                buf.push_str(s);
                present |= 1 << i;
            }
            ends[i] = buf.len() as u32;
        }
        Packed {
            buf: buf.into_boxed_str(),
            ends,
            present,
        }
    }

    fn text(&self) -> RowText<'_> {
        let mut fields = [None; FIELDS];
        let mut start = 0;
        for (i, field) in fields.iter_mut().enumerate() {
            let end = self.ends[i] as usize;
            if self.present & (1 << i) != 0 {
                *field = Some(&self.buf[start..end]);
            }
            start = end;
        }
        RowText::from_array(fields)
    }
}

impl StagedRow {
    /// A row with these texts; the numeric fields start empty and are set directly.
    pub fn new(line: u64, text: &RowText<'_>) -> StagedRow {
        StagedRow {
            line,
            text: Packed::new(text),
            ..StagedRow::default()
        }
    }

    /// The credit code (the key rows are sorted and matched by), without unpacking the rest.
    pub fn uscc(&self) -> &str {
        &self.text.buf[..self.text.ends[0] as usize]
    }

    /// The row's text fields.
    pub fn text(&self) -> RowText<'_> {
        self.text.text()
    }

    /// Changes text fields (to values that outlive the call, such as literals).
    pub fn edit(&mut self, change: impl for<'x> FnOnce(&mut RowText<'x>)) {
        let packed = {
            let mut text = self.text.text();
            change(&mut text);
            Packed::new(&text)
        };
        self.text = packed;
    }
}

/// The binary form of a row in an import's sorted runs (`listing::runs`): fixed-width
/// numbers, then the packed text as it is in memory. Written and read back by the same
/// process, so no versioning.
impl StagedRow {
    pub(super) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.line.to_le_bytes())?;
        for n in [self.employees, self.revenue, self.assets, self.bank_id] {
            out.write_all(&[u8::from(n.is_some())])?;
            out.write_all(&n.unwrap_or(0).to_le_bytes())?;
        }
        out.write_all(&[u8::from(self.dishonest)])?;
        out.write_all(&self.exclusions.to_le_bytes())?;
        out.write_all(&self.warnings.to_le_bytes())?;
        out.write_all(&self.text.present.to_le_bytes())?;
        for end in self.text.ends {
            out.write_all(&end.to_le_bytes())?;
        }
        out.write_all(self.text.buf.as_bytes())
    }

    /// The next row, or `None` at the end of the run.
    pub(super) fn read_from(input: &mut impl Read) -> io::Result<Option<StagedRow>> {
        let mut word = [0u8; 8];
        match input.read_exact(&mut word) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let line = u64::from_le_bytes(word);
        let mut optional = || -> io::Result<Option<i64>> {
            let mut flag = [0u8; 1];
            input.read_exact(&mut flag)?;
            input.read_exact(&mut word)?;
            Ok((flag[0] == 1).then_some(i64::from_le_bytes(word)))
        };
        let (employees, revenue, assets, bank_id) =
            (optional()?, optional()?, optional()?, optional()?);
        let mut flag = [0u8; 1];
        input.read_exact(&mut flag)?;
        input.read_exact(&mut word)?;
        let exclusions = i64::from_le_bytes(word);
        input.read_exact(&mut word)?;
        let warnings = i64::from_le_bytes(word);
        let mut half = [0u8; 2];
        input.read_exact(&mut half)?;
        let present = u16::from_le_bytes(half);
        let mut ends = [0u32; FIELDS];
        let mut quarter = [0u8; 4];
        for end in &mut ends {
            input.read_exact(&mut quarter)?;
            *end = u32::from_le_bytes(quarter);
        }
        let mut buf = vec![0u8; ends[FIELDS - 1] as usize];
        input.read_exact(&mut buf)?;
        let buf = String::from_utf8(buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
            .into_boxed_str();
        Ok(Some(StagedRow {
            line,
            employees,
            revenue,
            assets,
            dishonest: flag[0] == 1,
            bank_id,
            exclusions,
            warnings,
            text: Packed { buf, ends, present },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_including_absent_and_empty_fields() {
        let text = RowText {
            uscc: "91350100M000100Y43",
            name: "福州某某有限公司",
            region_code: "350102",
            industry_code: "C3011",
            tax_credit: None,
            entity_type: "legal_person",
            special_category: Some(""),
            account_bank_code: None,
            account_bank_raw: Some("10245"),
            contact_name: Some("王丽"),
            contact_phone: None,
            size_class: Some("small"),
            size_unknown: None,
        };
        let mut row = StagedRow::new(7, &text);
        assert_eq!(row.text(), text);
        assert_eq!(row.uscc(), "91350100M000100Y43");
        row.edit(|t| {
            t.name = "改名后";
            t.tax_credit = Some("B");
        });
        assert_eq!(row.text().name, "改名后");
        assert_eq!(row.text().tax_credit, Some("B"));
        assert_eq!(row.text().special_category, Some(""));
        assert_eq!(row.text().uscc, text.uscc);
        assert_eq!(row.line, 7);
    }

    #[test]
    fn rows_round_trip_through_their_binary_form() {
        let text = RowText {
            uscc: "91350100M000100Y43",
            name: "福州某某有限公司",
            special_category: Some(""),
            contact_phone: Some("13800000000"),
            ..RowText::default()
        };
        let mut first = StagedRow::new(u64::MAX - 1, &text);
        first.employees = Some(-3);
        first.bank_id = Some(i64::MAX);
        first.dishonest = true;
        first.exclusions = 0b1011;
        first.warnings = 4;
        let second = StagedRow::new(9, &RowText::default());
        let mut bytes = Vec::new();
        first.write_to(&mut bytes).unwrap();
        second.write_to(&mut bytes).unwrap();
        let mut input = &bytes[..];
        assert_eq!(StagedRow::read_from(&mut input).unwrap(), Some(first));
        assert_eq!(StagedRow::read_from(&mut input).unwrap(), Some(second));
        assert_eq!(StagedRow::read_from(&mut input).unwrap(), None);
        // A run cut short is an error, not a silently shorter list.
        let mut cut = &bytes[..bytes.len() - 1];
        StagedRow::read_from(&mut cut).unwrap();
        assert!(StagedRow::read_from(&mut cut).is_err());
    }
}
