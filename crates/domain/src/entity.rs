//! The enterprise-status columns of the unified data format (DOMAIN §9) — 企业类型,
//! 特殊类别 and 失信标志 — read from the Chinese names, the English codes, and the variants
//! clerks actually type. Each list of names is one table.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::text::normalize_code_cow;

/// The legal form of an enterprise (企业类型).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntityType {
    /// 法人企业
    LegalPerson,
    /// 分支机构
    Branch,
    /// 个体工商户
    IndividualBusiness,
    /// 农民专业合作社
    FarmerCooperative,
    /// 其他
    Other,
}

/// A name table row (tables are in the enum's declaration order, checked by a test): the value, its stable code, its Chinese name, and accepted variants.
struct Names<T: 'static> {
    value: T,
    code: &'static str,
    name_zh: &'static str,
    variants: &'static [&'static str],
}

static ENTITY_TYPES: [Names<EntityType>; 5] = [
    Names {
        value: EntityType::LegalPerson,
        code: "legal_person",
        name_zh: "法人企业",
        // Company forms as the tax register writes them (登记注册类型) are legal persons too.
        variants: &[
            "企业法人",
            "法人",
            "独立法人",
            "法人单位",
            "企业法人单位",
            "有限责任公司",
            "有限公司",
            "股份有限公司",
            "私营有限责任公司",
            "私营股份有限公司",
            "国有企业",
            "集体企业",
        ],
    },
    Names {
        value: EntityType::Branch,
        code: "branch",
        name_zh: "分支机构",
        variants: &["分公司", "分支", "非法人分支机构", "企业分支机构"],
    },
    Names {
        value: EntityType::IndividualBusiness,
        code: "individual_business",
        name_zh: "个体工商户",
        variants: &["个体户", "个体", "个体经营"],
    },
    Names {
        value: EntityType::FarmerCooperative,
        code: "farmer_cooperative",
        name_zh: "农民专业合作社",
        variants: &["农民合作社", "专业合作社", "合作社", "农民专业合作社法人"],
    },
    Names {
        value: EntityType::Other,
        code: "other",
        name_zh: "其他",
        variants: &["其它"],
    },
];

/// The categories the campaign leaves out whatever their size (特殊类别, DOMAIN §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecialCategory {
    LocalGovFinancingPlatform,
    RealEstate,
    InvestmentCompany,
    LargeProjectUnderConstruction,
    Spv,
    MicroLoan,
    FinancingGuarantee,
    Pawnshop,
    FinancialLeasing,
    CommercialFactoring,
    LocalAssetManagement,
}

static SPECIAL_CATEGORIES: [Names<SpecialCategory>; 11] = [
    Names {
        value: SpecialCategory::LocalGovFinancingPlatform,
        code: "local_gov_financing_platform",
        name_zh: "地方政府融资平台",
        variants: &[
            "融资平台",
            "政府融资平台",
            "地方融资平台",
            "地方政府融资平台公司",
            "城投公司",
        ],
    },
    Names {
        value: SpecialCategory::RealEstate,
        code: "real_estate",
        name_zh: "房地产企业",
        variants: &["房地产", "房地产公司", "房地产开发企业"],
    },
    Names {
        value: SpecialCategory::InvestmentCompany,
        code: "investment_company",
        name_zh: "投资公司",
        variants: &["投资类公司", "投资类企业"],
    },
    Names {
        value: SpecialCategory::LargeProjectUnderConstruction,
        code: "large_project_under_construction",
        name_zh: "大型在建工程",
        variants: &["大型在建项目"],
    },
    Names {
        value: SpecialCategory::Spv,
        code: "spv",
        name_zh: "SPV",
        variants: &["特殊目的载体", "特殊目的公司", "特殊目的实体"],
    },
    Names {
        value: SpecialCategory::MicroLoan,
        code: "micro_loan",
        name_zh: "小额贷款公司",
        variants: &["小贷公司", "小额贷款"],
    },
    Names {
        value: SpecialCategory::FinancingGuarantee,
        code: "financing_guarantee",
        name_zh: "融资担保公司",
        variants: &["融资担保", "担保公司", "融资性担保公司"],
    },
    Names {
        value: SpecialCategory::Pawnshop,
        code: "pawnshop",
        name_zh: "典当行",
        variants: &["典当", "典当公司"],
    },
    Names {
        value: SpecialCategory::FinancialLeasing,
        code: "financial_leasing",
        name_zh: "融资租赁公司",
        variants: &["融资租赁"],
    },
    Names {
        value: SpecialCategory::CommercialFactoring,
        code: "commercial_factoring",
        name_zh: "商业保理公司",
        variants: &["商业保理", "保理公司"],
    },
    Names {
        value: SpecialCategory::LocalAssetManagement,
        code: "local_asset_management",
        name_zh: "地方资产管理公司",
        variants: &["地方资产管理", "地方AMC"],
    },
];

/// Cells that mean "no special category".
const NO_CATEGORY: [&str; 5] = ["无", "否", "没有", "none", "不适用"];

/// Spellings of the 失信标志 flag, by meaning.
const YES: [&str; 7] = ["是", "有", "y", "yes", "1", "true", "失信"];
const NO: [&str; 6] = ["否", "无", "n", "no", "0", "false"];

/// Why an entity column could not be read. `raw` is the cell as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    #[error("企业类型未填写：应为 法人企业、分支机构、个体工商户、农民专业合作社 或 其他")]
    MissingEntityType,
    #[error("企业类型“{raw}”无法识别：应为 法人企业、分支机构、个体工商户、农民专业合作社 或 其他")]
    UnknownEntityType { raw: String },
    #[error(
        "特殊类别“{raw}”无法识别：应留空，或为 地方政府融资平台、房地产企业、投资公司、大型在建工程、SPV、小额贷款公司、融资担保公司、典当行、融资租赁公司、商业保理公司、地方资产管理公司 之一"
    )]
    UnknownSpecialCategory { raw: String },
    #[error("失信标志“{raw}”无法识别：应为 是 或 否（可留空，视为否）")]
    UnknownFlag { raw: String },
}

/// The form names are compared in: half-width, upper case, no spaces, no `_` or `-`, so that
/// `"Legal Person"`, `"legal-person"` and `"LEGAL_PERSON"` all meet `legal_person`.
/// Borrows from the cell when it is already in that form (法人企业 is).
fn match_key(s: &str) -> Cow<'_, str> {
    without_separators(normalize_code_cow(s))
}

/// Removes `_` and `-` from a normalised cell.
fn without_separators(normalized: Cow<'_, str>) -> Cow<'_, str> {
    // Bytes, not a search for either character: this runs for three cells of every row.
    if normalized.bytes().any(|b| b == b'_' || b == b'-') {
        Cow::Owned(normalized.replace(['_', '-'], ""))
    } else {
        normalized
    }
}

/// Whether a table name reads as the cell's `match_key`. Table names are half-width already,
/// so only the cheap part of the normalisation is repeated here, without allocating.
fn name_matches(key: &str, name: &str) -> bool {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .eq(key.chars())
}

/// A table name as [`name_matches`] reads it: `name_matches(key, name)` exactly when
/// `key == name_key(name)`.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Every name of a table (code, Chinese name, variants) in key form, with its row's value,
/// in table order. Tables are matched against on every row of an 8-million-row list, so
/// their names are put in key form once rather than on every comparison.
fn keys_of<T: Copy>(table: &[Names<T>]) -> Vec<(String, T)> {
    table
        .iter()
        .flat_map(|row| {
            [row.code, row.name_zh]
                .into_iter()
                .chain(row.variants.iter().copied())
                .map(move |name| (name_key(name), row.value))
        })
        .collect()
}

static ENTITY_TYPE_KEYS: LazyLock<Vec<(String, EntityType)>> =
    LazyLock::new(|| keys_of(&ENTITY_TYPES));
static SPECIAL_CATEGORY_KEYS: LazyLock<Vec<(String, SpecialCategory)>> =
    LazyLock::new(|| keys_of(&SPECIAL_CATEGORIES));

/// The value of the first row with a name reading as `key` (a cell's `match_key`).
fn find_by_key<T: Copy>(keys: &[(String, T)], key: &str) -> Option<T> {
    keys.iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| *value)
}

fn find_by_code<T: Copy>(table: &[Names<T>], code: &str) -> Option<T> {
    table
        .iter()
        .find(|row| row.code == code)
        .map(|row| row.value)
}

impl EntityType {
    /// Every type, in the data format's order.
    pub const ALL: [EntityType; 5] = [
        EntityType::LegalPerson,
        EntityType::Branch,
        EntityType::IndividualBusiness,
        EntityType::FarmerCooperative,
        EntityType::Other,
    ];

    /// The stable identifier: `"legal_person"`, `"branch"`, `"individual_business"`,
    /// `"farmer_cooperative"`, `"other"`.
    pub fn code(self) -> &'static str {
        ENTITY_TYPES[self as usize].code
    }

    /// The name the data format uses: 法人企业, 分支机构, ….
    pub fn name_zh(self) -> &'static str {
        ENTITY_TYPES[self as usize].name_zh
    }

    /// The type of a `code()`, exactly.
    pub fn from_code(code: &str) -> Option<EntityType> {
        find_by_code(&ENTITY_TYPES, code)
    }

    /// Whether the enterprise is its own legal person. Only branches and individual
    /// businesses are not (DOMAIN §8); a cooperative is a legal person, and "other" is
    /// given the benefit of the doubt (the bureau can exclude it by override).
    pub fn is_legal_person(self) -> bool {
        !matches!(self, EntityType::Branch | EntityType::IndividualBusiness)
    }
}

/// Reads a 企业类型 cell: the Chinese name, the English code, or a common variant
/// (企业法人, 法人, 分公司, 个体户, …). The column is required, so blank is an error.
pub fn parse_entity_type(raw: &str) -> Result<EntityType, EntityError> {
    let normalized = normalize_code_cow(raw);
    if normalized.is_empty() {
        return Err(EntityError::MissingEntityType);
    }
    let key = without_separators(normalized);
    find_by_key(&ENTITY_TYPE_KEYS, &key).ok_or_else(|| EntityError::UnknownEntityType {
        raw: raw.to_owned(),
    })
}

impl SpecialCategory {
    /// Every category, in DOMAIN §9's order.
    pub const ALL: [SpecialCategory; 11] = [
        SpecialCategory::LocalGovFinancingPlatform,
        SpecialCategory::RealEstate,
        SpecialCategory::InvestmentCompany,
        SpecialCategory::LargeProjectUnderConstruction,
        SpecialCategory::Spv,
        SpecialCategory::MicroLoan,
        SpecialCategory::FinancingGuarantee,
        SpecialCategory::Pawnshop,
        SpecialCategory::FinancialLeasing,
        SpecialCategory::CommercialFactoring,
        SpecialCategory::LocalAssetManagement,
    ];

    /// The stable snake_case identifier, e.g. `"local_gov_financing_platform"`.
    pub fn code(self) -> &'static str {
        SPECIAL_CATEGORIES[self as usize].code
    }

    /// The name exactly as the data format lists it, e.g. 地方政府融资平台.
    pub fn name_zh(self) -> &'static str {
        SPECIAL_CATEGORIES[self as usize].name_zh
    }

    /// The category of a `code()`, exactly.
    pub fn from_code(code: &str) -> Option<SpecialCategory> {
        find_by_code(&SPECIAL_CATEGORIES, code)
    }
}

/// Reads a 特殊类别 cell. Blank, 无 or 否 → `Ok(None)`; otherwise the category's name, code
/// or a common variant (小贷公司, 担保公司, 城投公司, …).
pub fn parse_special_category(raw: &str) -> Result<Option<SpecialCategory>, EntityError> {
    let key = match_key(raw);
    if key.is_empty() || NO_CATEGORY.iter().any(|no| name_matches(&key, no)) {
        return Ok(None);
    }
    find_by_key(&SPECIAL_CATEGORY_KEYS, &key)
        .map(Some)
        .ok_or_else(|| EntityError::UnknownSpecialCategory {
            raw: raw.to_owned(),
        })
}

/// Reads a 失信标志 cell: 是/否, 有/无, Y/N, yes/no, 1/0, true/false; blank → `false`
/// (the column is optional and lists mark only the dishonest).
pub fn parse_dishonest(raw: &str) -> Result<bool, EntityError> {
    let key = match_key(raw);
    let is_in = |words: &[&str]| words.iter().any(|w| name_matches(&key, w));
    if key.is_empty() || is_in(&NO) {
        Ok(false)
    } else if is_in(&YES) {
        Ok(true)
    } else {
        Err(EntityError::UnknownFlag {
            raw: raw.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_type_names_and_codes_round_trip() {
        let expected = [
            (EntityType::LegalPerson, "legal_person", "法人企业"),
            (EntityType::Branch, "branch", "分支机构"),
            (
                EntityType::IndividualBusiness,
                "individual_business",
                "个体工商户",
            ),
            (
                EntityType::FarmerCooperative,
                "farmer_cooperative",
                "农民专业合作社",
            ),
            (EntityType::Other, "other", "其他"),
        ];
        for (t, code, name) in expected {
            assert_eq!((t.code(), t.name_zh()), (code, name));
            assert_eq!(EntityType::from_code(code), Some(t));
            assert_eq!(parse_entity_type(code), Ok(t));
            assert_eq!(parse_entity_type(name), Ok(t));
        }
        assert_eq!(EntityType::from_code("Branch"), None);
    }

    #[test]
    fn entity_type_variants() {
        for (raw, t) in [
            ("企业法人", EntityType::LegalPerson),
            ("法人", EntityType::LegalPerson),
            (" 法人 企业 ", EntityType::LegalPerson),
            ("Legal Person", EntityType::LegalPerson),
            ("LEGAL-PERSON", EntityType::LegalPerson),
            ("分公司", EntityType::Branch),
            ("BRANCH", EntityType::Branch),
            ("个体户", EntityType::IndividualBusiness),
            ("合作社", EntityType::FarmerCooperative),
            ("其它", EntityType::Other),
        ] {
            assert_eq!(parse_entity_type(raw), Ok(t), "{raw}");
        }
    }

    #[test]
    fn entity_type_errors() {
        assert_eq!(parse_entity_type(" "), Err(EntityError::MissingEntityType));
        // A partnership is not a legal person, and not one of the five: the clerk decides.
        assert_eq!(
            parse_entity_type("合伙企业"),
            Err(EntityError::UnknownEntityType {
                raw: "合伙企业".to_owned()
            })
        );
        assert_eq!(
            parse_entity_type("有限责任公司"),
            Ok(EntityType::LegalPerson)
        );
        assert_eq!(
            parse_entity_type("子公司").unwrap_err().to_string(),
            "企业类型“子公司”无法识别：应为 法人企业、分支机构、个体工商户、农民专业合作社 或 其他"
        );
    }

    #[test]
    fn only_branches_and_individual_businesses_are_not_legal_persons() {
        let not_legal: Vec<EntityType> = EntityType::ALL
            .into_iter()
            .filter(|t| !t.is_legal_person())
            .collect();
        assert_eq!(
            not_legal,
            [EntityType::Branch, EntityType::IndividualBusiness]
        );
    }

    #[test]
    fn special_category_names_are_exactly_the_data_formats() {
        let names: Vec<&str> = SpecialCategory::ALL.iter().map(|c| c.name_zh()).collect();
        assert_eq!(
            names,
            [
                "地方政府融资平台",
                "房地产企业",
                "投资公司",
                "大型在建工程",
                "SPV",
                "小额贷款公司",
                "融资担保公司",
                "典当行",
                "融资租赁公司",
                "商业保理公司",
                "地方资产管理公司",
            ]
        );
        for c in SpecialCategory::ALL {
            assert_eq!(SpecialCategory::from_code(c.code()), Some(c));
            assert_eq!(parse_special_category(c.code()), Ok(Some(c)));
            assert_eq!(parse_special_category(c.name_zh()), Ok(Some(c)));
        }
        assert_eq!(SpecialCategory::Spv.code(), "spv");
        assert_eq!(SpecialCategory::MicroLoan.code(), "micro_loan");
    }

    fn all_names<T>(row: &Names<T>) -> impl Iterator<Item = &'static str> {
        [row.code, row.name_zh]
            .into_iter()
            .chain(row.variants.iter().copied())
    }

    fn assert_no_name_in_two_rows<T: Copy + PartialEq + std::fmt::Debug>(table: &[Names<T>]) {
        for a in table {
            for name in all_names(a) {
                assert!(
                    name_matches(&match_key(name), name),
                    "{name} is not in key form"
                );
                let owners: Vec<T> = table
                    .iter()
                    .filter(|b| all_names(b).any(|other| match_key(other) == match_key(name)))
                    .map(|b| b.value)
                    .collect();
                assert_eq!(owners, [a.value], "{name}");
            }
        }
    }

    #[test]
    fn no_name_belongs_to_two_rows() {
        assert_no_name_in_two_rows(&ENTITY_TYPES);
        assert_no_name_in_two_rows(&SPECIAL_CATEGORIES);
    }

    #[test]
    fn tables_follow_the_enum_order() {
        let types: Vec<EntityType> = ENTITY_TYPES.iter().map(|r| r.value).collect();
        assert_eq!(types, EntityType::ALL);
        let categories: Vec<SpecialCategory> = SPECIAL_CATEGORIES.iter().map(|r| r.value).collect();
        assert_eq!(categories, SpecialCategory::ALL);
    }

    #[test]
    fn flag_words_do_not_overlap() {
        for yes in YES {
            assert!(!NO.contains(&yes), "{yes}");
        }
    }

    #[test]
    fn special_category_blanks_and_variants() {
        for raw in ["", " ", "无", "否", "NONE"] {
            assert_eq!(parse_special_category(raw), Ok(None), "{raw}");
        }
        for (raw, c) in [
            ("spv", SpecialCategory::Spv),
            ("ＳＰＶ", SpecialCategory::Spv),
            ("小贷公司", SpecialCategory::MicroLoan),
            ("担保公司", SpecialCategory::FinancingGuarantee),
            ("城投公司", SpecialCategory::LocalGovFinancingPlatform),
            ("地方AMC", SpecialCategory::LocalAssetManagement),
            ("Real Estate", SpecialCategory::RealEstate),
        ] {
            assert_eq!(parse_special_category(raw), Ok(Some(c)), "{raw}");
        }
        assert_eq!(
            parse_special_category("是"),
            Err(EntityError::UnknownSpecialCategory {
                raw: "是".to_owned()
            })
        );
        assert_eq!(
            parse_special_category("银行"),
            Err(EntityError::UnknownSpecialCategory {
                raw: "银行".to_owned()
            })
        );
    }

    #[test]
    fn dishonest_flags() {
        for raw in ["是", "有", "Y", "y", "Yes", "1", "TRUE", "ｙ"] {
            assert_eq!(parse_dishonest(raw), Ok(true), "{raw}");
        }
        for raw in ["", " ", "否", "无", "N", "no", "0", "False"] {
            assert_eq!(parse_dishonest(raw), Ok(false), "{raw}");
        }
        for raw in ["2", "maybe", "不详", "是否"] {
            assert_eq!(
                parse_dishonest(raw),
                Err(EntityError::UnknownFlag {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
        assert_eq!(
            parse_dishonest("?").unwrap_err().to_string(),
            "失信标志“?”无法识别：应为 是 或 否（可留空，视为否）"
        );
    }

    #[test]
    fn name_keys_read_as_name_matches_does() {
        let every_name = ENTITY_TYPES
            .iter()
            .flat_map(all_names)
            .chain(SPECIAL_CATEGORIES.iter().flat_map(all_names))
            .chain(NO_CATEGORY)
            .chain(YES)
            .chain(NO);
        for name in every_name {
            assert!(name_matches(&name_key(name), name), "{name}");
            for other in ["", "法人", "SPV", "地方AMC", "LEGALPERSON"] {
                assert_eq!(name_matches(other, name), other == name_key(name), "{name}");
            }
        }
    }

    mod properties {
        use super::super::*;
        use super::all_names;
        use crate::text::normalize_code;
        use proptest::prelude::*;

        /// The table search as it was before the names were put in key form once:
        /// normalising the cell into a `String`, comparing each name character by character.
        fn reference_find<T: Copy>(table: &[Names<T>], cell: &str) -> Option<T> {
            let key = normalize_code(cell).replace(['_', '-'], "");
            table
                .iter()
                .find(|row| all_names(row).any(|name| name_matches(&key, name)))
                .map(|row| row.value)
        }

        fn reference_entity_type(raw: &str) -> Result<EntityType, EntityError> {
            if normalize_code(raw).is_empty() {
                return Err(EntityError::MissingEntityType);
            }
            reference_find(&ENTITY_TYPES, raw).ok_or_else(|| EntityError::UnknownEntityType {
                raw: raw.to_owned(),
            })
        }

        fn reference_special_category(raw: &str) -> Result<Option<SpecialCategory>, EntityError> {
            let key = normalize_code(raw).replace(['_', '-'], "");
            if key.is_empty() || NO_CATEGORY.iter().any(|no| name_matches(&key, no)) {
                return Ok(None);
            }
            reference_find(&SPECIAL_CATEGORIES, raw)
                .map(Some)
                .ok_or_else(|| EntityError::UnknownSpecialCategory {
                    raw: raw.to_owned(),
                })
        }

        fn reference_dishonest(raw: &str) -> Result<bool, EntityError> {
            let key = normalize_code(raw).replace(['_', '-'], "");
            let is_in = |words: &[&str]| words.iter().any(|w| name_matches(&key, w));
            if key.is_empty() || is_in(&NO) {
                Ok(false)
            } else if is_in(&YES) {
                Ok(true)
            } else {
                Err(EntityError::UnknownFlag {
                    raw: raw.to_owned(),
                })
            }
        }

        /// Table names as clerks mistype them: case, spaces, separators, full width,
        /// truncated or extended, plus anything else.
        fn entity_cell() -> impl Strategy<Value = String> {
            let names: Vec<&'static str> = ENTITY_TYPES
                .iter()
                .flat_map(all_names)
                .chain(SPECIAL_CATEGORIES.iter().flat_map(all_names))
                .chain(NO_CATEGORY)
                .chain(YES)
                .chain(NO)
                .collect();
            let mangled = (
                proptest::sample::select(names),
                proptest::collection::vec(0u8..8, 0..40),
            )
                .prop_map(|(name, styles)| {
                    let mut out = String::new();
                    for (c, style) in name.chars().zip(styles.iter().chain(std::iter::repeat(&0))) {
                        match style {
                            1 => out.push(c.to_ascii_lowercase()),
                            2 => out.push(c.to_ascii_uppercase()),
                            3 => {
                                out.push(' ');
                                out.push(c);
                            }
                            4 => {
                                out.push('-');
                                out.push(c);
                            }
                            5 => out.push(
                                char::from_u32(c as u32 + 0xFEE0)
                                    .filter(|_| c.is_ascii_graphic())
                                    .unwrap_or(c),
                            ),
                            6 => {}
                            _ => out.push(c),
                        }
                    }
                    if styles.len() > name.chars().count() {
                        out.push('司');
                    }
                    out
                });
            prop_oneof![mangled, "[a-zA-Z_\\- 是否有无]{0,6}", any::<String>()]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(8192))]

            #[test]
            fn parsers_agree_with_the_reference(raw in entity_cell()) {
                prop_assert_eq!(parse_entity_type(&raw), reference_entity_type(&raw));
                prop_assert_eq!(parse_special_category(&raw), reference_special_category(&raw));
                prop_assert_eq!(parse_dishonest(&raw), reference_dishonest(&raw));
            }
        }
    }
}
