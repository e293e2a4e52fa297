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
}
