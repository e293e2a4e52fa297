//! The defects a generated list carries on purpose, how often (per mille), and what the
//! importer must make of each: the expected import summary is tallied from this plan, row
//! by row, never by running the importer's own parsing — a test comparing the two would
//! otherwise be circular.

use std::collections::BTreeMap;

use yinqi_domain::eligibility::{Exclusion, Unassigned};

/// One planned kind of row other than a clean one. Each row gets at most one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefectKind {
    // Rejected: the row is not loaded.
    /// Position 18 of the credit code is wrong.
    BadCheckChar,
    /// The credit code arrives as Excel's scientific notation (`9.14403010001E+17`).
    ExcelNumberCode,
    /// The enterprise name is blank.
    BlankName,
    /// The region belongs to another bureau.
    ForeignRegion,
    /// The region code is not 6 digits (`3702`).
    MalformedRegion,
    /// The industry code does not exist (`C99`).
    UnknownIndustry,
    /// The staff count is written in words (`五十`).
    NonNumericEmployees,
    /// The tax credit level is not A/B/M/C/D (`E`).
    UnknownTaxCredit,
    /// The entity type is not one of the five (`合伙企业`).
    UnknownEntityType,
    /// The credit code (and name) of an earlier clean row of the same file again; the later
    /// copy is held back, the earlier row keeps its own outcome.
    DuplicateCode,
    // Accepted with a warning, otherwise clean (eligible and assigned).
    /// The organisation-code check (positions 9–17) fails; position 18 is right.
    OrgCodeCheck,
    /// A well-formed region code of the bureau that is not on the current list.
    UnlistedRegion,
    /// The contact phone is neither a mobile nor a landline number.
    MalformedPhone,
    // Accepted and excluded, for exactly this reason.
    NotLegalPerson,
    SpecialCategory,
    Dishonest,
    Large,
    Medium,
    SizeUnknown,
    /// Tax credit C, D, M or not rated (excluded under the default bureau options).
    CreditLevel,
    /// Two exclusion reasons; the summary counts the first in DOMAIN §8 order.
    TwoReasons,
    // Accepted and eligible but not assigned to a bank.
    /// The bank code is not 12 digits (11 digits, blank, or Excel notation).
    BankCodeInvalid,
    /// A well-formed 12-digit bank code that is not in the registry.
    BankUnknown,
}

impl DefectKind {
    /// Every kind, in declaration order (the order of the mix table).
    pub const ALL: [DefectKind; 23] = [
        DefectKind::BadCheckChar,
        DefectKind::ExcelNumberCode,
        DefectKind::BlankName,
        DefectKind::ForeignRegion,
        DefectKind::MalformedRegion,
        DefectKind::UnknownIndustry,
        DefectKind::NonNumericEmployees,
        DefectKind::UnknownTaxCredit,
        DefectKind::UnknownEntityType,
        DefectKind::DuplicateCode,
        DefectKind::OrgCodeCheck,
        DefectKind::UnlistedRegion,
        DefectKind::MalformedPhone,
        DefectKind::NotLegalPerson,
        DefectKind::SpecialCategory,
        DefectKind::Dishonest,
        DefectKind::Large,
        DefectKind::Medium,
        DefectKind::SizeUnknown,
        DefectKind::CreditLevel,
        DefectKind::TwoReasons,
        DefectKind::BankCodeInvalid,
        DefectKind::BankUnknown,
    ];

    /// A stable snake_case name, for command-line options and messages.
    pub fn code(self) -> &'static str {
        match self {
            DefectKind::BadCheckChar => "bad_check_char",
            DefectKind::ExcelNumberCode => "excel_number_code",
            DefectKind::BlankName => "blank_name",
            DefectKind::ForeignRegion => "foreign_region",
            DefectKind::MalformedRegion => "malformed_region",
            DefectKind::UnknownIndustry => "unknown_industry",
            DefectKind::NonNumericEmployees => "non_numeric_employees",
            DefectKind::UnknownTaxCredit => "unknown_tax_credit",
            DefectKind::UnknownEntityType => "unknown_entity_type",
            DefectKind::DuplicateCode => "duplicate_code",
            DefectKind::OrgCodeCheck => "org_code_check",
            DefectKind::UnlistedRegion => "unlisted_region",
            DefectKind::MalformedPhone => "malformed_phone",
            DefectKind::NotLegalPerson => "not_legal_person",
            DefectKind::SpecialCategory => "special_category",
            DefectKind::Dishonest => "dishonest",
            DefectKind::Large => "large",
            DefectKind::Medium => "medium",
            DefectKind::SizeUnknown => "size_unknown",
            DefectKind::CreditLevel => "credit_level",
            DefectKind::TwoReasons => "two_reasons",
            DefectKind::BankCodeInvalid => "bank_code_invalid",
            DefectKind::BankUnknown => "bank_unknown",
        }
    }

    /// The kind of a `code()`.
    pub fn from_code(code: &str) -> Option<DefectKind> {
        DefectKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the importer refuses the row.
    pub fn is_rejected(self) -> bool {
        self <= DefectKind::DuplicateCode
    }

    /// The exclusion reason of a single-reason kind.
    pub fn exclusion(self) -> Option<Exclusion> {
        Some(match self {
            DefectKind::NotLegalPerson => Exclusion::NotLegalPerson,
            DefectKind::SpecialCategory => Exclusion::SpecialCategory,
            DefectKind::Dishonest => Exclusion::Dishonest,
            DefectKind::Large => Exclusion::Large,
            DefectKind::Medium => Exclusion::Medium,
            DefectKind::SizeUnknown => Exclusion::SizeUnknown,
            DefectKind::CreditLevel => Exclusion::CreditLevel,
            _ => return None,
        })
    }
}

/// How many rows per thousand get each [`DefectKind`]; the rest are clean. A
/// `DuplicateCode` planned before any clean row exists has nothing to copy and stays clean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefectMix {
    per_mille: [u16; DefectKind::ALL.len()],
}

impl DefectMix {
    /// No defects at all: every row clean, eligible and assigned.
    pub fn none() -> DefectMix {
        DefectMix {
            per_mille: [0; DefectKind::ALL.len()],
        }
    }

    /// The share of a kind, per mille.
    pub fn get(&self, kind: DefectKind) -> u16 {
        self.per_mille[kind as usize]
    }

    /// Sets the share of a kind, per mille.
    pub fn set(&mut self, kind: DefectKind, per_mille: u16) -> &mut DefectMix {
        self.per_mille[kind as usize] = per_mille;
        self
    }

    /// The mix with one share changed.
    pub fn with(mut self, kind: DefectKind, per_mille: u16) -> DefectMix {
        self.set(kind, per_mille);
        self
    }

    /// Sum of all shares; at most 1000 for a usable mix.
    pub fn total(&self) -> u32 {
        self.per_mille.iter().map(|p| u32::from(*p)).sum()
    }

    /// The kind a roll in `0..1000` falls on, `None` for clean.
    pub(crate) fn kind_for(&self, roll: u64) -> Option<DefectKind> {
        let mut upper = 0u64;
        for kind in DefectKind::ALL {
            upper += u64::from(self.get(kind));
            if roll < upper {
                return Some(kind);
            }
        }
        None
    }
}

impl Default for DefectMix {
    /// A realistic list. Tax credit and size follow the campaign's observed shape — levels
    /// A 20 %, B 55 %, M 10 %, C 8 %, D 4 %, not rated 3 % (so `credit_level` is 250 ‰)
    /// and sizes micro 80 %, small 16 %, medium 3 %, large 1 % — and data defects a few
    /// per mille each.
    fn default() -> DefectMix {
        use DefectKind::*;
        let mut mix = DefectMix::none();
        for (kind, per_mille) in [
            (BadCheckChar, 2),
            (ExcelNumberCode, 1),
            (BlankName, 1),
            (ForeignRegion, 2),
            (MalformedRegion, 1),
            (UnknownIndustry, 1),
            (NonNumericEmployees, 1),
            (UnknownTaxCredit, 1),
            (UnknownEntityType, 1),
            (DuplicateCode, 2),
            (OrgCodeCheck, 3),
            (UnlistedRegion, 2),
            (MalformedPhone, 5),
            (NotLegalPerson, 20),
            (SpecialCategory, 5),
            (Dishonest, 3),
            (Large, 10),
            (Medium, 30),
            (SizeUnknown, 5),
            (CreditLevel, 250),
            (TwoReasons, 5),
            (BankCodeInvalid, 3),
            (BankUnknown, 3),
        ] {
            mix.set(kind, per_mille);
        }
        mix
    }
}

/// What the importer makes of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Not loaded.
    Rejected,
    /// Eligible and assigned to its account bank's branch; `warning` if accepted with one.
    Assigned { warning: bool },
    /// Accepted but off the list, counted under this (first) reason.
    Excluded(Exclusion),
    /// Eligible, but not assigned (`BankCodeInvalid` or `BankUnknown`).
    Unassigned(Unassigned),
}

/// The import summary the importer must report for a generated file, in its JSON shape:
/// `{"rows":N,"accepted":N,"rejected":N,"warnings":N,"eligible":N,"excluded":{…},
/// "assigned":N,"unassigned":{…},"duplicates":0}`. Maps list only non-zero reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExpectedSummary {
    /// Data rows in the file (the header not counted).
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Accepted rows carrying a warning.
    pub warnings: u64,
    pub eligible: u64,
    /// Excluded rows by first reason code.
    pub excluded: BTreeMap<String, u64>,
    pub assigned: u64,
    /// Accepted rows without a bank, by reason code (`excluded`, `bank_code_invalid`,
    /// `bank_unknown`).
    pub unassigned: BTreeMap<String, u64>,
    /// Rows another bureau listed first; always 0 for a single file.
    pub duplicates: u64,
}

impl ExpectedSummary {
    /// Counts one row.
    pub fn record(&mut self, outcome: Outcome) {
        self.rows += 1;
        match outcome {
            Outcome::Rejected => self.rejected += 1,
            Outcome::Assigned { warning } => {
                self.accepted += 1;
                self.eligible += 1;
                self.assigned += 1;
                self.warnings += u64::from(warning);
            }
            Outcome::Excluded(reason) => {
                self.accepted += 1;
                *self.excluded.entry(reason.code().to_owned()).or_default() += 1;
                *self
                    .unassigned
                    .entry(Unassigned::Excluded.code().to_owned())
                    .or_default() += 1;
            }
            Outcome::Unassigned(reason) => {
                self.accepted += 1;
                self.eligible += 1;
                *self.unassigned.entry(reason.code().to_owned()).or_default() += 1;
            }
        }
    }

    /// The identities every summary satisfies: rows = accepted + rejected,
    /// accepted = eligible + Σ excluded = assigned + Σ unassigned.
    pub fn adds_up(&self) -> bool {
        let excluded: u64 = self.excluded.values().sum();
        let unassigned: u64 = self.unassigned.values().sum();
        self.rows == self.accepted + self.rejected
            && self.accepted == self.eligible + excluded
            && self.accepted == self.assigned + unassigned
            && self.warnings <= self.accepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mix_is_realistic_and_usable() {
        let mix = DefectMix::default();
        assert_eq!(mix.total(), 357);
        assert_eq!(mix.get(DefectKind::CreditLevel), 250);
        assert!(DefectKind::ALL.iter().all(|k| mix.get(*k) > 0));
        assert_eq!(mix.kind_for(0), Some(DefectKind::BadCheckChar));
        assert_eq!(mix.kind_for(356), Some(DefectKind::BankUnknown));
        assert_eq!(mix.kind_for(357), None);
        assert_eq!(DefectMix::none().kind_for(0), None);
    }

    #[test]
    fn kinds_round_trip_and_are_classified() {
        for (i, k) in DefectKind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i);
            assert_eq!(DefectKind::from_code(k.code()), Some(k));
        }
        let rejected = DefectKind::ALL.iter().filter(|k| k.is_rejected()).count();
        assert_eq!(rejected, 10);
        assert_eq!(DefectKind::Medium.exclusion(), Some(Exclusion::Medium));
        assert_eq!(DefectKind::TwoReasons.exclusion(), None);
    }

    #[test]
    fn summary_serialises_in_the_importers_shape() {
        let mut s = ExpectedSummary::default();
        s.record(Outcome::Assigned { warning: false });
        s.record(Outcome::Assigned { warning: true });
        s.record(Outcome::Rejected);
        s.record(Outcome::Excluded(Exclusion::CreditLevel));
        s.record(Outcome::Unassigned(Unassigned::BankUnknown));
        assert!(s.adds_up());
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"rows":5,"accepted":4,"rejected":1,"warnings":1,"eligible":3,"excluded":{"credit_level":1},"assigned":2,"unassigned":{"bank_unknown":1,"excluded":1},"duplicates":0}"#
        );
        let empty = ExpectedSummary::default();
        assert_eq!(
            serde_json::to_string(&empty).unwrap(),
            r#"{"rows":0,"accepted":0,"rejected":0,"warnings":0,"eligible":0,"excluded":{},"assigned":0,"unassigned":{},"duplicates":0}"#
        );
    }
}
