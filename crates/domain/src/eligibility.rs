//! Who is on the campaign list (DOMAIN §8): the exclusion reasons with their stable codes and
//! order, screening of one enterprise against a bureau's credit-level setting, and the
//! bureau's recorded override.

use crate::entity::{EntityType, SpecialCategory};
use crate::size::{SizeClass, SizeUnknown};
use crate::tax_credit::TaxCredit;

/// A bureau's setting for the credit levels the campaign leaves to it. A and B are always
/// accepted; an enterprise that is not rated counts as M.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EligibilityOptions {
    pub accept_c: bool,
    pub accept_d: bool,
    pub accept_m: bool,
}

impl EligibilityOptions {
    /// Whether a tax credit level (`None` = not rated) is accepted.
    pub fn accepts(&self, level: Option<TaxCredit>) -> bool {
        match level {
            Some(TaxCredit::A | TaxCredit::B) => true,
            Some(TaxCredit::M) | None => self.accept_m,
            Some(TaxCredit::C) => self.accept_c,
            Some(TaxCredit::D) => self.accept_d,
        }
    }
}

/// A reason an enterprise is not on the list. Declaration order is DOMAIN §8's order, the
/// one summaries use to count an enterprise under its first reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exclusion {
    Duplicate,
    NotLegalPerson,
    SpecialCategory,
    Dishonest,
    Large,
    Medium,
    SizeUnknown,
    CreditLevel,
}

impl Exclusion {
    /// Every reason, in DOMAIN order.
    pub const ALL: [Exclusion; 8] = [
        Exclusion::Duplicate,
        Exclusion::NotLegalPerson,
        Exclusion::SpecialCategory,
        Exclusion::Dishonest,
        Exclusion::Large,
        Exclusion::Medium,
        Exclusion::SizeUnknown,
        Exclusion::CreditLevel,
    ];

    /// The stable identifier used in files, the API and reports.
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::Duplicate => "duplicate",
            Exclusion::NotLegalPerson => "not_legal_person",
            Exclusion::SpecialCategory => "special_category",
            Exclusion::Dishonest => "dishonest",
            Exclusion::Large => "large",
            Exclusion::Medium => "medium",
            Exclusion::SizeUnknown => "size_unknown",
            Exclusion::CreditLevel => "credit_level",
        }
    }

    /// The reason as the bureau reads it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Exclusion::Duplicate => "重复：已在其他名单中",
            Exclusion::NotLegalPerson => "非法人企业（分支机构、个体工商户）",
            Exclusion::SpecialCategory => "特殊类别企业",
            Exclusion::Dishonest => "有失信或逃废债记录",
            Exclusion::Large => "大型企业",
            Exclusion::Medium => "中型企业",
            Exclusion::SizeUnknown => "无法划型",
            Exclusion::CreditLevel => "纳税信用级别不在接受范围内",
        }
    }

    /// The reason of a `code()`.
    pub fn from_code(code: &str) -> Option<Exclusion> {
        Exclusion::ALL.into_iter().find(|e| e.code() == code)
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of exclusion reasons, stored as bits (bit n = the n-th reason in DOMAIN order) so
/// that it fits one integer column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Exclusions(u16);

impl Exclusions {
    /// Every bit a reason uses.
    const KNOWN_BITS: u16 = (1 << Exclusion::ALL.len()) - 1;

    /// The empty set.
    pub fn new() -> Exclusions {
        Exclusions(0)
    }

    /// Adds a reason.
    pub fn insert(&mut self, e: Exclusion) {
        self.0 |= e.bit();
    }

    /// Removes a reason.
    pub fn remove(&mut self, e: Exclusion) {
        self.0 &= !e.bit();
    }

    /// Whether the set holds a reason.
    pub fn contains(&self, e: Exclusion) -> bool {
        self.0 & e.bit() != 0
    }

    /// Whether no reason applies.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// How many reasons apply.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The first reason in DOMAIN order: the one a summary counts the enterprise under.
    pub fn first(&self) -> Option<Exclusion> {
        self.iter().next()
    }

    /// The reasons in DOMAIN order.
    pub fn iter(&self) -> impl Iterator<Item = Exclusion> + use<> {
        let set = *self;
        Exclusion::ALL.into_iter().filter(move |e| set.contains(*e))
    }

    /// The bits, for storage.
    pub fn bits(&self) -> u16 {
        self.0
    }

    /// The set stored as `bits`; `None` if a bit names no reason (corrupt or newer data).
    pub fn from_bits(bits: u16) -> Option<Exclusions> {
        (bits & !Self::KNOWN_BITS == 0).then_some(Exclusions(bits))
    }

    /// The reasons' codes in DOMAIN order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.iter().map(Exclusion::code).collect()
    }
}

impl FromIterator<Exclusion> for Exclusions {
    fn from_iter<I: IntoIterator<Item = Exclusion>>(iter: I) -> Self {
        let mut set = Exclusions::new();
        iter.into_iter().for_each(|e| set.insert(e));
        set
    }
}

/// What screening needs to know about one enterprise.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    pub entity_type: EntityType,
    pub special_category: Option<SpecialCategory>,
    pub dishonest: bool,
    pub size: &'a Result<SizeClass, SizeUnknown>,
    /// `None` = not rated.
    pub tax_credit: Option<TaxCredit>,
}

/// Every reason that applies to the enterprise — never `Duplicate`, which only the store,
/// seeing all submissions, can tell.
pub fn screen(c: &Candidate<'_>, opts: &EligibilityOptions) -> Exclusions {
    [
        (!c.entity_type.is_legal_person()).then_some(Exclusion::NotLegalPerson),
        c.special_category.map(|_| Exclusion::SpecialCategory),
        c.dishonest.then_some(Exclusion::Dishonest),
        size_exclusion(c.size),
        (!opts.accepts(c.tax_credit)).then_some(Exclusion::CreditLevel),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Small and micro enterprises are the campaign's target; anything else is a reason.
fn size_exclusion(size: &Result<SizeClass, SizeUnknown>) -> Option<Exclusion> {
    match size {
        Ok(SizeClass::Large) => Some(Exclusion::Large),
        Ok(SizeClass::Medium) => Some(Exclusion::Medium),
        Ok(SizeClass::Small | SizeClass::Micro) => None,
        Err(_) => Some(Exclusion::SizeUnknown),
    }
}

/// Why an enterprise has no bank to go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unassigned {
    /// Not on the list, so not assigned.
    Excluded,
    /// The basic account bank code is not 12 digits.
    BankCodeInvalid,
    /// The bank code is well formed but not in the bank registry.
    BankUnknown,
}

impl Unassigned {
    /// Every reason.
    pub const ALL: [Unassigned; 3] = [
        Unassigned::Excluded,
        Unassigned::BankCodeInvalid,
        Unassigned::BankUnknown,
    ];

    /// The stable identifier: `"excluded"`, `"bank_code_invalid"`, `"bank_unknown"`.
    pub fn code(self) -> &'static str {
        match self {
            Unassigned::Excluded => "excluded",
            Unassigned::BankCodeInvalid => "bank_code_invalid",
            Unassigned::BankUnknown => "bank_unknown",
        }
    }

    /// The reason as the bureau reads it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Unassigned::Excluded => "不符合条件（不对应网点）",
            Unassigned::BankCodeInvalid => "开户行行号不是 12 位数字",
            Unassigned::BankUnknown => "开户行行号不在银行机构名录中",
        }
    }

    /// The reason of a `code()`.
    pub fn from_code(code: &str) -> Option<Unassigned> {
        Unassigned::ALL.into_iter().find(|u| u.code() == code)
    }
}

/// A bureau's recorded decision on one enterprise, overriding the screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Override {
    Include,
    Exclude,
}

impl Override {
    /// `"include"` or `"exclude"`.
    pub fn code(self) -> &'static str {
        match self {
            Override::Include => "include",
            Override::Exclude => "exclude",
        }
    }

    /// 纳入 / 排除.
    pub fn label_zh(self) -> &'static str {
        match self {
            Override::Include => "纳入",
            Override::Exclude => "排除",
        }
    }

    /// The decision of a `code()`.
    pub fn from_code(code: &str) -> Option<Override> {
        [Override::Include, Override::Exclude]
            .into_iter()
            .find(|o| o.code() == code)
    }
}

/// Whether the enterprise is on the list: the bureau's override wins; without one, it is on
/// the list exactly when no reason applies.
pub fn effective_eligible(exclusions: Exclusions, ovr: Option<Override>) -> bool {
    match ovr {
        Some(Override::Include) => true,
        Some(Override::Exclude) => false,
        None => exclusions.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::industry::Section;
    use crate::size::{Indicator, NotCovered};

    const SMALL: Result<SizeClass, SizeUnknown> = Ok(SizeClass::Small);

    /// An enterprise on the list under the strictest setting.
    fn eligible(size: &Result<SizeClass, SizeUnknown>) -> Candidate<'_> {
        Candidate {
            entity_type: EntityType::LegalPerson,
            special_category: None,
            dishonest: false,
            size,
            tax_credit: Some(TaxCredit::A),
        }
    }

    fn strict() -> EligibilityOptions {
        EligibilityOptions::default()
    }

    fn only(e: Exclusion) -> Exclusions {
        [e].into_iter().collect()
    }

    #[test]
    fn a_small_legal_person_rated_a_is_eligible() {
        assert!(screen(&eligible(&SMALL), &strict()).is_empty());
        let micro = Ok(SizeClass::Micro);
        assert!(screen(&eligible(&micro), &strict()).is_empty());
    }

    #[test]
    fn each_reason_alone() {
        let c = eligible(&SMALL);
        let cases = [
            (
                Candidate {
                    entity_type: EntityType::Branch,
                    ..c
                },
                Exclusion::NotLegalPerson,
            ),
            (
                Candidate {
                    entity_type: EntityType::IndividualBusiness,
                    ..c
                },
                Exclusion::NotLegalPerson,
            ),
            (
                Candidate {
                    special_category: Some(SpecialCategory::Pawnshop),
                    ..c
                },
                Exclusion::SpecialCategory,
            ),
            (
                Candidate {
                    dishonest: true,
                    ..c
                },
                Exclusion::Dishonest,
            ),
            (
                Candidate {
                    tax_credit: Some(TaxCredit::C),
                    ..c
                },
                Exclusion::CreditLevel,
            ),
            (
                Candidate {
                    tax_credit: None,
                    ..c
                },
                Exclusion::CreditLevel,
            ),
        ];
        for (candidate, reason) in cases {
            assert_eq!(screen(&candidate, &strict()), only(reason), "{reason:?}");
        }
        let sizes = [
            (Ok(SizeClass::Large), Exclusion::Large),
            (Ok(SizeClass::Medium), Exclusion::Medium),
            (
                Err(SizeUnknown::Missing(Indicator::Revenue)),
                Exclusion::SizeUnknown,
            ),
            (
                Err(SizeUnknown::NotCovered(NotCovered::Finance)),
                Exclusion::SizeUnknown,
            ),
            (
                Err(SizeUnknown::NotCovered(NotCovered::Section(Section::P))),
                Exclusion::SizeUnknown,
            ),
        ];
        for (size, reason) in &sizes {
            assert_eq!(
                screen(&eligible(size), &strict()),
                only(*reason),
                "{reason:?}"
            );
        }
    }

    #[test]
    fn cooperatives_and_others_are_legal_persons() {
        for entity_type in [EntityType::FarmerCooperative, EntityType::Other] {
            let c = Candidate {
                entity_type,
                ..eligible(&SMALL)
            };
            assert!(screen(&c, &strict()).is_empty(), "{entity_type:?}");
        }
    }

    #[test]
    fn every_applicable_reason_is_reported_in_domain_order() {
        let large = Ok(SizeClass::Large);
        let c = Candidate {
            entity_type: EntityType::Branch,
            special_category: Some(SpecialCategory::RealEstate),
            dishonest: true,
            size: &large,
            tax_credit: Some(TaxCredit::D),
        };
        let reasons = screen(&c, &strict());
        assert_eq!(
            reasons.codes(),
            [
                "not_legal_person",
                "special_category",
                "dishonest",
                "large",
                "credit_level"
            ]
        );
        assert_eq!(reasons.first(), Some(Exclusion::NotLegalPerson));
        assert_eq!(reasons.len(), 5);

        let unknown = Err(SizeUnknown::Missing(Indicator::Employees));
        let c = Candidate {
            dishonest: true,
            tax_credit: None,
            ..eligible(&unknown)
        };
        let reasons = screen(&c, &strict());
        assert_eq!(
            reasons.codes(),
            ["dishonest", "size_unknown", "credit_level"]
        );
        assert_eq!(reasons.first(), Some(Exclusion::Dishonest));
    }

    #[test]
    fn credit_levels_under_each_setting() {
        use TaxCredit::*;
        // (accept_c, accept_d, accept_m) → accepted levels; None = not rated, like M.
        for bits in 0..8u8 {
            let opts = EligibilityOptions {
                accept_c: bits & 1 != 0,
                accept_d: bits & 2 != 0,
                accept_m: bits & 4 != 0,
            };
            let expected = [
                (Some(A), true),
                (Some(B), true),
                (Some(M), opts.accept_m),
                (None, opts.accept_m),
                (Some(C), opts.accept_c),
                (Some(D), opts.accept_d),
            ];
            for (level, accepted) in expected {
                let c = Candidate {
                    tax_credit: level,
                    ..eligible(&SMALL)
                };
                let reasons = screen(&c, &opts);
                assert_eq!(reasons.is_empty(), accepted, "{level:?} under {opts:?}");
                assert_eq!(reasons.contains(Exclusion::CreditLevel), !accepted);
            }
        }
        let lenient = EligibilityOptions {
            accept_c: true,
            accept_d: false,
            accept_m: true,
        };
        let d = Candidate {
            tax_credit: Some(D),
            ..eligible(&SMALL)
        };
        assert_eq!(screen(&d, &lenient), only(Exclusion::CreditLevel));
    }

    /// DOMAIN §8 stated positively: in are small or micro legal-person enterprises with an
    /// accepted credit level, outside the special categories and without a dishonesty record.
    fn on_the_list_by_domain(c: &Candidate<'_>, opts: &EligibilityOptions) -> bool {
        let small_or_micro = matches!(c.size, Ok(SizeClass::Small) | Ok(SizeClass::Micro));
        let legal_person = !matches!(
            c.entity_type,
            EntityType::Branch | EntityType::IndividualBusiness
        );
        let credit_ok = match c.tax_credit.unwrap_or(TaxCredit::M) {
            TaxCredit::A | TaxCredit::B => true,
            TaxCredit::M => opts.accept_m,
            TaxCredit::C => opts.accept_c,
            TaxCredit::D => opts.accept_d,
        };
        small_or_micro && legal_person && credit_ok && c.special_category.is_none() && !c.dishonest
    }

    #[test]
    fn eligible_exactly_when_no_reason_applies_over_all_combinations() {
        let sizes: Vec<Result<SizeClass, SizeUnknown>> = SizeClass::ALL
            .into_iter()
            .map(Ok)
            .chain([Err(SizeUnknown::NotCovered(NotCovered::Q84))])
            .collect();
        let specials = std::iter::once(None).chain(SpecialCategory::ALL.map(Some));
        let levels: Vec<Option<TaxCredit>> = std::iter::once(None)
            .chain(TaxCredit::ALL.map(Some))
            .collect();
        let mut checked = 0;
        for special_category in specials {
            for entity_type in EntityType::ALL {
                for dishonest in [false, true] {
                    for size in &sizes {
                        for tax_credit in &levels {
                            for bits in 0..8u8 {
                                let opts = EligibilityOptions {
                                    accept_c: bits & 1 != 0,
                                    accept_d: bits & 2 != 0,
                                    accept_m: bits & 4 != 0,
                                };
                                let c = Candidate {
                                    entity_type,
                                    special_category,
                                    dishonest,
                                    size,
                                    tax_credit: *tax_credit,
                                };
                                let reasons = screen(&c, &opts);
                                assert_eq!(
                                    reasons.is_empty(),
                                    on_the_list_by_domain(&c, &opts),
                                    "{c:?} {opts:?}"
                                );
                                assert!(!reasons.contains(Exclusion::Duplicate));
                                assert_eq!(effective_eligible(reasons, None), reasons.is_empty());
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 12 * 5 * 2 * 5 * 6 * 8);
    }

    #[test]
    fn the_override_wins() {
        let excluded = only(Exclusion::Large);
        assert!(effective_eligible(excluded, Some(Override::Include)));
        assert!(!effective_eligible(
            Exclusions::new(),
            Some(Override::Exclude)
        ));
        assert!(!effective_eligible(excluded, None));
        assert!(effective_eligible(Exclusions::new(), None));
    }

    #[test]
    fn exclusion_codes_in_domain_order() {
        let codes: Vec<&str> = Exclusion::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "duplicate",
                "not_legal_person",
                "special_category",
                "dishonest",
                "large",
                "medium",
                "size_unknown",
                "credit_level",
            ]
        );
        for e in Exclusion::ALL {
            assert_eq!(Exclusion::from_code(e.code()), Some(e));
        }
        assert_eq!(Exclusion::from_code("Large"), None);
        let mut sorted = Exclusion::ALL;
        sorted.sort();
        assert_eq!(sorted, Exclusion::ALL);
        assert_eq!(Exclusion::SizeUnknown.label_zh(), "无法划型");
    }

    #[test]
    fn exclusions_store_as_bits() {
        let mut set = Exclusions::new();
        set.insert(Exclusion::CreditLevel);
        set.insert(Exclusion::Duplicate);
        assert_eq!(set.bits(), 0b1000_0001);
        assert_eq!(set.first(), Some(Exclusion::Duplicate));
        assert_eq!(set.codes(), ["duplicate", "credit_level"]);
        set.remove(Exclusion::Duplicate);
        assert_eq!(set.codes(), ["credit_level"]);
        assert_eq!(Exclusions::from_bits(0b1000_0000), Some(set));
        assert_eq!(Exclusions::from_bits(0xFF).map(|s| s.len()), Some(8));
        assert_eq!(Exclusions::from_bits(0x100), None);
        assert_eq!(Exclusions::from_bits(0x8000), None);
        assert_eq!(Exclusions::default().first(), None);
        assert!(Exclusions::from_bits(0).unwrap().is_empty());
    }

    #[test]
    fn unassigned_and_override_codes() {
        for u in Unassigned::ALL {
            assert_eq!(Unassigned::from_code(u.code()), Some(u));
        }
        assert_eq!(Unassigned::BankCodeInvalid.code(), "bank_code_invalid");
        assert_eq!(Unassigned::from_code("bank"), None);
        assert_eq!(Override::from_code("include"), Some(Override::Include));
        assert_eq!(Override::from_code("exclude"), Some(Override::Exclude));
        assert_eq!(Override::from_code("Include"), None);
        assert_eq!(Override::Exclude.code(), "exclude");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        fn any_exclusion() -> impl Strategy<Value = Exclusion> {
            (0..Exclusion::ALL.len()).prop_map(|i| Exclusion::ALL[i])
        }

        proptest! {
            #[test]
            fn the_set_behaves_like_an_ordered_set(
                reasons in proptest::collection::vec(any_exclusion(), 0..12)
            ) {
                let model: BTreeSet<Exclusion> = reasons.iter().copied().collect();
                let set: Exclusions = reasons.iter().copied().collect();
                prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
                prop_assert_eq!(set.first(), model.first().copied());
                prop_assert_eq!(set.len(), model.len());
                prop_assert_eq!(Exclusions::from_bits(set.bits()), Some(set));
                for e in Exclusion::ALL {
                    prop_assert_eq!(set.contains(e), model.contains(&e));
                }
            }
        }
    }
}
