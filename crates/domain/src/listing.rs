//! The unified data format (统一数据格式, DOMAIN §9): its columns, and turning one row of a
//! bureau's list into a validated, size-classified, screened record — or into the list of
//! what is wrong with it, column by column, in words a data clerk can act on.
//!
//! [`parse_record_ref`] is the same reading with a record that borrows its texts from the
//! row's cells wherever they were already in normal form, for the list import, which reads
//! millions of rows and would otherwise allocate several strings for each.

use std::borrow::Cow;

use crate::amount;
use crate::bank_code::BankCode;
use crate::bureau::Bureau;
use crate::eligibility::{self, Candidate, EligibilityOptions, Exclusions};
use crate::entity::{self, EntityType, SpecialCategory};
use crate::industry::IndustryCode;
use crate::size::{Indicators, SizeClass, SizeStandard, SizeUnknown};
use crate::tax_credit::{self, TaxCredit};
use crate::text::normalize_text_cow;
use crate::uscc::Uscc;
use crate::{phone, region};

/// A column of the unified data format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Uscc,
    Name,
    RegionCode,
    IndustryCode,
    Employees,
    Revenue,
    Assets,
    TaxCredit,
    EntityType,
    SpecialCategory,
    Dishonest,
    AccountBankCode,
    ContactName,
    ContactPhone,
}

impl Field {
    /// Every column, in the order of DOMAIN §9 (the order files are written in).
    pub const ALL: [Field; 14] = [
        Field::Uscc,
        Field::Name,
        Field::RegionCode,
        Field::IndustryCode,
        Field::Employees,
        Field::Revenue,
        Field::Assets,
        Field::TaxCredit,
        Field::EntityType,
        Field::SpecialCategory,
        Field::Dishonest,
        Field::AccountBankCode,
        Field::ContactName,
        Field::ContactPhone,
    ];

    /// The Chinese header of the standard template.
    pub fn header_zh(self) -> &'static str {
        match self {
            Field::Uscc => "统一社会信用代码",
            Field::Name => "企业名称",
            Field::RegionCode => "注册地行政区划代码",
            Field::IndustryCode => "行业代码",
            Field::Employees => "从业人员",
            Field::Revenue => "营业收入（万元）",
            Field::Assets => "资产总额（万元）",
            Field::TaxCredit => "纳税信用级别",
            Field::EntityType => "企业类型",
            Field::SpecialCategory => "特殊类别",
            Field::Dishonest => "失信标志",
            Field::AccountBankCode => "基本存款账户开户行行号",
            Field::ContactName => "联系人",
            Field::ContactPhone => "联系电话",
        }
    }

    /// The English key, accepted as a header too.
    pub fn key(self) -> &'static str {
        match self {
            Field::Uscc => "uscc",
            Field::Name => "name",
            Field::RegionCode => "region_code",
            Field::IndustryCode => "industry_code",
            Field::Employees => "employees",
            Field::Revenue => "revenue",
            Field::Assets => "assets",
            Field::TaxCredit => "tax_credit",
            Field::EntityType => "entity_type",
            Field::SpecialCategory => "special_category",
            Field::Dishonest => "dishonest",
            Field::AccountBankCode => "account_bank_code",
            Field::ContactName => "contact_name",
            Field::ContactPhone => "contact_phone",
        }
    }

    /// Every header accepted for this column: the template's, the key, and the variants
    /// bureaus' own spreadsheets use.
    pub fn header_names(self) -> &'static [&'static str] {
        match self {
            Field::Uscc => &[
                "统一社会信用代码",
                "uscc",
                "社会信用代码",
                "信用代码",
                "纳税人识别号",
            ],
            Field::Name => &["企业名称", "name", "纳税人名称", "名称"],
            Field::RegionCode => &[
                "注册地行政区划代码",
                "region_code",
                "行政区划代码",
                "注册地区划代码",
            ],
            Field::IndustryCode => &["行业代码", "industry_code", "国民经济行业代码", "行业"],
            Field::Employees => &[
                "从业人员",
                "employees",
                "从业人数",
                "从业人员（人）",
                "员工人数",
            ],
            Field::Revenue => &["营业收入（万元）", "revenue", "营业收入"],
            Field::Assets => &["资产总额（万元）", "assets", "资产总额"],
            Field::TaxCredit => &["纳税信用级别", "tax_credit", "纳税信用等级", "信用级别"],
            Field::EntityType => &["企业类型", "entity_type", "主体类型"],
            Field::SpecialCategory => &["特殊类别", "special_category"],
            Field::Dishonest => &["失信标志", "dishonest", "失信", "是否失信"],
            Field::AccountBankCode => &[
                "基本存款账户开户行行号",
                "account_bank_code",
                "开户行行号",
                "基本户开户行行号",
                "基本存款账户行号",
            ],
            Field::ContactName => &["联系人", "contact_name", "联系人姓名"],
            Field::ContactPhone => &["联系电话", "contact_phone", "联系方式", "手机号码"],
        }
    }

    /// Whether a file without this column is refused (DOMAIN §9 "required: yes"). The size
    /// indicators are optional columns: without them rows are "cannot classify".
    pub fn column_required(self) -> bool {
        matches!(
            self,
            Field::Uscc
                | Field::Name
                | Field::RegionCode
                | Field::IndustryCode
                | Field::TaxCredit
                | Field::EntityType
                | Field::AccountBankCode
        )
    }
}

/// Something kept but worth the bureau's look (the row is accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Warning {
    /// The organisation-code part (positions 9–17) fails its check (GB 11714).
    OrgCodeCheck,
    /// A well-formed region code not in the current GB/T 2260 list (abolished districts persist).
    RegionUnknown,
    /// A contact phone that is neither a mobile nor a landline number; kept as given.
    PhoneMalformed,
}

impl Warning {
    pub const ALL: [Warning; 3] = [
        Warning::OrgCodeCheck,
        Warning::RegionUnknown,
        Warning::PhoneMalformed,
    ];

    /// The stable identifier used in files, the API and reports.
    pub fn code(self) -> &'static str {
        match self {
            Warning::OrgCodeCheck => "org_code_check",
            Warning::RegionUnknown => "region_unknown",
            Warning::PhoneMalformed => "phone_malformed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Warning::OrgCodeCheck => "统一社会信用代码第9–17位（组织机构代码）校验不通过，请核实",
            Warning::RegionUnknown => "行政区划代码不在现行区划表中（可能是已撤销的区县），请核实",
            Warning::PhoneMalformed => "联系电话不是有效的手机或固定电话号码，已按原样保存",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of [`Warning`]s, stored as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Warnings(u32);

impl Warnings {
    pub fn insert(&mut self, w: Warning) {
        self.0 |= w.bit();
    }
    pub fn contains(self, w: Warning) -> bool {
        self.0 & w.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn bits(self) -> u32 {
        self.0
    }
    /// `None` when `bits` holds a bit no warning uses.
    pub fn from_bits(bits: u32) -> Option<Warnings> {
        let known = Warning::ALL.iter().fold(0, |acc, w| acc | w.bit());
        (bits & !known == 0).then_some(Warnings(bits))
    }
    pub fn iter(self) -> impl Iterator<Item = Warning> {
        Warning::ALL.into_iter().filter(move |w| self.contains(*w))
    }
}

/// The basic-account bank column as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountBank {
    Valid(BankCode),
    /// Present but not a 12-digit code; kept as written so the bureau can see it.
    Invalid(String),
    Missing,
}

/// One accepted row: normalised, classified and screened (duplicates are decided later, by
/// the store, which alone sees the whole list).
#[derive(Clone, Debug, PartialEq)]
pub struct ListingRecord {
    pub uscc: Uscc,
    pub name: String,
    pub region_code: String,
    pub industry: IndustryCode,
    pub indicators: Indicators,
    pub tax_credit: Option<TaxCredit>,
    pub entity_type: EntityType,
    pub special_category: Option<SpecialCategory>,
    pub dishonest: bool,
    pub account_bank: AccountBank,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub size: Result<SizeClass, SizeUnknown>,
    pub exclusions: Exclusions,
    pub warnings: Warnings,
}

/// [`AccountBank`] as [`parse_record_ref`] reads it: an invalid cell borrows from the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountBankRef<'a> {
    Valid(BankCode),
    Invalid(Cow<'a, str>),
    Missing,
}

impl AccountBankRef<'_> {
    pub fn into_owned(self) -> AccountBank {
        match self {
            AccountBankRef::Valid(code) => AccountBank::Valid(code),
            AccountBankRef::Invalid(raw) => AccountBank::Invalid(raw.into_owned()),
            AccountBankRef::Missing => AccountBank::Missing,
        }
    }
}

/// A [`ListingRecord`] whose texts borrow from the row's cells when the cells were already
/// in normal form (as nearly all are), from [`parse_record_ref`].
#[derive(Clone, Debug, PartialEq)]
pub struct ListingRecordRef<'a> {
    pub uscc: Uscc,
    pub name: Cow<'a, str>,
    pub region_code: Cow<'a, str>,
    pub industry: IndustryCode,
    pub indicators: Indicators,
    pub tax_credit: Option<TaxCredit>,
    pub entity_type: EntityType,
    pub special_category: Option<SpecialCategory>,
    pub dishonest: bool,
    pub account_bank: AccountBankRef<'a>,
    pub contact_name: Option<Cow<'a, str>>,
    pub contact_phone: Option<Cow<'a, str>>,
    pub size: Result<SizeClass, SizeUnknown>,
    pub exclusions: Exclusions,
    pub warnings: Warnings,
}

impl ListingRecordRef<'_> {
    pub fn into_owned(self) -> ListingRecord {
        ListingRecord {
            uscc: self.uscc,
            name: self.name.into_owned(),
            region_code: self.region_code.into_owned(),
            industry: self.industry,
            indicators: self.indicators,
            tax_credit: self.tax_credit,
            entity_type: self.entity_type,
            special_category: self.special_category,
            dishonest: self.dishonest,
            account_bank: self.account_bank.into_owned(),
            contact_name: self.contact_name.map(Cow::into_owned),
            contact_phone: self.contact_phone.map(Cow::into_owned),
            size: self.size,
            exclusions: self.exclusions,
            warnings: self.warnings,
        }
    }
}

/// What is wrong with one cell of a rejected row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

/// The rules a row is read under: whose list it is and which standard and options apply.
#[derive(Clone, Copy, Debug)]
pub struct ListingContext<'a> {
    pub bureau: &'a Bureau,
    pub standard: &'a SizeStandard,
    pub options: &'a EligibilityOptions,
}

/// Longest enterprise name accepted (the longest registered names are about 60 characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest contact name accepted.
pub const MAX_CONTACT_CHARS: usize = 50;

/// Reads one row. `cell(field)` gives the raw text of that column ("" when the file has no
/// such column). Every problem of the row is reported, not only the first.
pub fn parse_record<'c>(
    cell: impl Fn(Field) -> &'c str,
    ctx: &ListingContext<'_>,
) -> Result<ListingRecord, Vec<FieldError>> {
    parse_record_ref(cell, ctx).map(ListingRecordRef::into_owned)
}

/// [`parse_record`], with a record that borrows from the cells instead of copying them.
pub fn parse_record_ref<'c>(
    cell: impl Fn(Field) -> &'c str,
    ctx: &ListingContext<'_>,
) -> Result<ListingRecordRef<'c>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut warnings = Warnings::default();
    let mut fail = |field: Field, message: String| errors.push(FieldError { field, message });

    let uscc = match Uscc::parse(cell(Field::Uscc)) {
        Ok(parsed) => {
            if !parsed.org_code_valid {
                warnings.insert(Warning::OrgCodeCheck);
            }
            Some(parsed.code)
        }
        Err(e) => {
            fail(Field::Uscc, e.to_string());
            None
        }
    };
    let name = read_name(cell(Field::Name))
        .map_err(|m| fail(Field::Name, m))
        .ok();
    let region_code = match region::parse_code_cow(cell(Field::RegionCode)) {
        Ok(code) => match check_jurisdiction(&code, ctx.bureau) {
            Ok(()) => {
                if region::lookup(&code).is_none() {
                    warnings.insert(Warning::RegionUnknown);
                }
                Some(code)
            }
            Err(m) => {
                fail(Field::RegionCode, m);
                None
            }
        },
        Err(e) => {
            fail(Field::RegionCode, e.to_string());
            None
        }
    };
    let industry = IndustryCode::parse(cell(Field::IndustryCode))
        .map_err(|e| fail(Field::IndustryCode, e.to_string()))
        .ok();
    let employees = amount::parse_count(cell(Field::Employees))
        .map_err(|e| fail(Field::Employees, e.to_string()))
        .ok();
    let revenue = amount::parse_wan(cell(Field::Revenue))
        .map_err(|e| fail(Field::Revenue, e.to_string()))
        .ok();
    let assets = amount::parse_wan(cell(Field::Assets))
        .map_err(|e| fail(Field::Assets, e.to_string()))
        .ok();
    let tax_credit = tax_credit::parse(cell(Field::TaxCredit))
        .map_err(|e| fail(Field::TaxCredit, e.to_string()))
        .ok();
    let entity_type = entity::parse_entity_type(cell(Field::EntityType))
        .map_err(|e| fail(Field::EntityType, e.to_string()))
        .ok();
    let special_category = entity::parse_special_category(cell(Field::SpecialCategory))
        .map_err(|e| fail(Field::SpecialCategory, e.to_string()))
        .ok();
    let dishonest = entity::parse_dishonest(cell(Field::Dishonest))
        .map_err(|e| fail(Field::Dishonest, e.to_string()))
        .ok();
    let contact_name = read_contact_name(cell(Field::ContactName))
        .map_err(|m| fail(Field::ContactName, m))
        .ok();
    let contact_phone = read_phone(cell(Field::ContactPhone), &mut warnings);
    let account_bank = read_account_bank(cell(Field::AccountBankCode));

    let (
        Some(uscc),
        Some(name),
        Some(region_code),
        Some(industry),
        Some(employees),
        Some(revenue),
        Some(assets),
        Some(tax_credit),
        Some(entity_type),
        Some(special_category),
        Some(dishonest),
        Some(contact_name),
    ) = (
        uscc,
        name,
        region_code,
        industry,
        employees,
        revenue,
        assets,
        tax_credit,
        entity_type,
        special_category,
        dishonest,
        contact_name,
    )
    else {
        return Err(errors);
    };
    let indicators = Indicators {
        employees,
        revenue,
        assets,
    };
    let size = ctx.standard.classify(&industry, &indicators);
    let exclusions = eligibility::screen(
        &Candidate {
            entity_type,
            special_category,
            dishonest,
            size: &size,
            tax_credit,
        },
        ctx.options,
    );
    Ok(ListingRecordRef {
        uscc,
        name,
        region_code,
        industry,
        indicators,
        tax_credit,
        entity_type,
        special_category,
        dishonest,
        account_bank,
        contact_name,
        contact_phone,
        size,
        exclusions,
        warnings,
    })
}

fn read_name(raw: &str) -> Result<Cow<'_, str>, String> {
    let name = normalize_text_cow(raw);
    if name.is_empty() {
        return Err("企业名称为空".to_owned());
    }
    if more_chars_than(&name, MAX_NAME_CHARS) {
        return Err(format!("企业名称超过 {MAX_NAME_CHARS} 个字符"));
    }
    if has_control_char(&name) {
        return Err("企业名称含有不可见的控制字符".to_owned());
    }
    Ok(name)
}

fn read_contact_name(raw: &str) -> Result<Option<Cow<'_, str>>, String> {
    let name = normalize_text_cow(raw);
    if name.is_empty() {
        return Ok(None);
    }
    if more_chars_than(&name, MAX_CONTACT_CHARS) {
        return Err(format!("联系人超过 {MAX_CONTACT_CHARS} 个字符"));
    }
    Ok(Some(name))
}

/// `s.chars().count() > max`, without counting when the byte length already settles it.
fn more_chars_than(s: &str, max: usize) -> bool {
    s.len() > max && s.chars().count() > max
}

/// `s.chars().any(char::is_control)`, deciding from the bytes alone when it can: control
/// characters are U+0000–U+001F, U+007F and U+0080–U+009F (encoded `C2 80`–`C2 9F`).
fn has_control_char(s: &str) -> bool {
    let maybe = s.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == 0x7F) | (b == 0xC2)
    });
    maybe && s.chars().any(char::is_control)
}

/// A phone that can't be read is kept as written (trimmed) with a warning: contact data is
/// optional and the bank can still make sense of "0532 8888 6666 转 12".
fn read_phone<'a>(raw: &'a str, warnings: &mut Warnings) -> Option<Cow<'a, str>> {
    let trimmed = normalize_text_cow(raw);
    if trimmed.is_empty() {
        return None;
    }
    let parsed = match &trimmed {
        Cow::Borrowed(cell) => phone::normalize(cell),
        Cow::Owned(cell) => phone::normalize(cell).map(|p| Cow::Owned(p.into_owned())),
    };
    match parsed {
        Ok(p) => Some(p),
        Err(_) => {
            warnings.insert(Warning::PhoneMalformed);
            Some(first_chars(trimmed, MAX_CONTACT_CHARS))
        }
    }
}

fn read_account_bank(raw: &str) -> AccountBankRef<'_> {
    let trimmed = normalize_text_cow(raw);
    if trimmed.is_empty() {
        return AccountBankRef::Missing;
    }
    match BankCode::parse(&trimmed) {
        Ok(code) => AccountBankRef::Valid(code),
        Err(_) => AccountBankRef::Invalid(first_chars(trimmed, 64)),
    }
}

/// The first `n` characters of `s` (all of it if shorter), borrowed if `s` is.
fn first_chars(s: Cow<'_, str>, n: usize) -> Cow<'_, str> {
    match s.char_indices().nth(n) {
        None => s,
        Some((end, _)) => match s {
            Cow::Borrowed(s) => Cow::Borrowed(&s[..end]),
            Cow::Owned(mut s) => {
                s.truncate(end);
                Cow::Owned(s)
            }
        },
    }
}

/// A bureau lists only enterprises registered in its own jurisdiction (DOMAIN §1); a row of
/// another bureau's territory is refused so it is not lost in the wrong list.
fn check_jurisdiction(region_code: &str, bureau: &Bureau) -> Result<(), String> {
    if bureau.contains(region_code) {
        return Ok(());
    }
    Err(match crate::bureau::for_region(region_code) {
        Some(owner) => format!(
            "注册地 {region_code} 属于{}的辖区，不属于{}，请由{}报送",
            owner.name, bureau.name, owner.name
        ),
        None => format!("注册地 {region_code} 不属于任何省级辖区，请核对行政区划代码"),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::bureau;
    use crate::eligibility::Exclusion;
    use crate::size::MIIT_2011;

    /// A valid code written the way a Chinese input method types it: full width, lower case.
    fn full_width(code: &str) -> &'static str {
        let wide: String = code
            .chars()
            .map(|c| char::from_u32(c.to_ascii_lowercase() as u32 + 0xFEE0).unwrap())
            .collect();
        Box::leak(format!(" {wide} ").into_boxed_str())
    }

    fn good_row() -> HashMap<Field, &'static str> {
        HashMap::from([
            (Field::Uscc, full_width(&valid_uscc_in("370202"))),
            (Field::Name, " 青岛海川  精密机械有限公司 "),
            (Field::RegionCode, "370202"),
            (Field::IndustryCode, "c3011"),
            (Field::Employees, "45"),
            (Field::Revenue, "1,200.5"),
            (Field::Assets, "800"),
            (Field::TaxCredit, "B级"),
            (Field::EntityType, "法人企业"),
            (Field::SpecialCategory, ""),
            (Field::Dishonest, "否"),
            (Field::AccountBankCode, "102452000012"),
            (Field::ContactName, "王丽"),
            (Field::ContactPhone, "138 0013 8000"),
        ])
    }

    fn qingdao() -> &'static Bureau {
        bureau::by_code("3702").unwrap()
    }

    fn parse(
        cells: &HashMap<Field, &'static str>,
        bureau: &Bureau,
    ) -> Result<ListingRecord, Vec<FieldError>> {
        let options = EligibilityOptions::default();
        let ctx = ListingContext {
            bureau,
            standard: &MIIT_2011,
            options: &options,
        };
        parse_record(|f| cells.get(&f).copied().unwrap_or(""), &ctx)
    }

    fn valid_uscc_in(region: &str) -> String {
        let org_check = crate::uscc::org_code_check_char(b"MA3C1GLQ").unwrap() as char;
        let body = format!("91{region}MA3C1GLQ{org_check}");
        Uscc::from_first17(&body).unwrap().as_str().to_owned()
    }

    #[test]
    fn a_clean_row_is_normalised_classified_and_eligible() {
        let cells = good_row();
        let code = valid_uscc_in("370202");
        let rec = parse(&cells, qingdao()).expect("clean row");
        assert_eq!(rec.uscc.as_str(), code);
        assert_eq!(rec.name, "青岛海川 精密机械有限公司");
        assert_eq!(rec.industry.as_string(), "C3011");
        assert_eq!(rec.indicators.revenue.map(|y| y.0), Some(12_005_000));
        assert_eq!(rec.size, Ok(SizeClass::Small));
        assert_eq!(rec.tax_credit, Some(TaxCredit::B));
        assert!(rec.exclusions.is_empty());
        assert!(rec.warnings.is_empty());
        assert_eq!(rec.contact_phone.as_deref(), Some("13800138000"));
        assert!(
            matches!(rec.account_bank, AccountBank::Valid(ref c) if c.as_str() == "102452000012")
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_column() {
        let cells = HashMap::from([
            (Field::Uscc, "91100000100003962A"),
            (Field::Name, "   "),
            (Field::RegionCode, "3702"),
            (Field::IndustryCode, "C99"),
            (Field::Employees, "五十"),
            (Field::Revenue, "-5"),
            (Field::TaxCredit, "E"),
            (Field::EntityType, "合伙企业"),
            (Field::SpecialCategory, "银行"),
            (Field::Dishonest, "也许"),
        ]);
        let errors = parse(&cells, qingdao()).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::Uscc,
                Field::Name,
                Field::RegionCode,
                Field::IndustryCode,
                Field::Employees,
                Field::Revenue,
                Field::TaxCredit,
                Field::EntityType,
                Field::SpecialCategory,
                Field::Dishonest,
            ]
        );
        assert!(errors[0].message.contains("校验"), "{}", errors[0].message);
        assert_eq!(errors[1].message, "企业名称为空");
    }

    #[test]
    fn a_row_of_another_bureaus_territory_is_refused_by_name() {
        let mut cells = good_row();
        let code = valid_uscc_in("370102");
        cells.insert(Field::Uscc, Box::leak(code.into_boxed_str()));
        cells.insert(Field::RegionCode, "370102");
        let errors = parse(&cells, qingdao()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, Field::RegionCode);
        assert!(
            errors[0].message.contains("山东银保监局"),
            "{}",
            errors[0].message
        );
        // The same row is fine for Shandong.
        assert!(parse(&cells, bureau::by_code("37").unwrap()).is_ok());
    }

    #[test]
    fn an_excel_number_credit_code_is_reported_as_lost_digits() {
        let mut cells = good_row();
        cells.insert(Field::Uscc, "9.13702E+17");
        let errors = parse(&cells, qingdao()).unwrap_err();
        assert_eq!(errors[0].field, Field::Uscc);
        assert!(errors[0].message.contains("Excel"), "{}", errors[0].message);
    }

    #[test]
    fn warnings_keep_the_row() {
        let mut cells = good_row();
        cells.insert(Field::Uscc, "91310000631295002H");
        cells.insert(Field::RegionCode, "370299");
        cells.insert(Field::ContactPhone, "12345");
        let rec = parse(&cells, qingdao()).expect("kept");
        let found: Vec<Warning> = rec.warnings.iter().collect();
        assert_eq!(
            found,
            vec![
                Warning::OrgCodeCheck,
                Warning::RegionUnknown,
                Warning::PhoneMalformed
            ]
        );
        assert_eq!(rec.contact_phone.as_deref(), Some("12345"));
        assert_eq!(Warnings::from_bits(rec.warnings.bits()), Some(rec.warnings));
        assert_eq!(Warnings::from_bits(1 << 20), None);
    }

    #[test]
    fn bank_column_variants() {
        let mut cells = good_row();
        for (raw, expected) in [
            ("", AccountBank::Missing),
            ("10245200001", AccountBank::Invalid("10245200001".into())),
            ("1.02452E+11", AccountBank::Invalid("1.02452E+11".into())),
        ] {
            cells.insert(Field::AccountBankCode, raw);
            let rec = parse(&cells, qingdao()).expect("bank problems never reject a row");
            assert_eq!(rec.account_bank, expected);
        }
        for raw in ["1024-5200-0012", "１０２４５２００００１２"] {
            cells.insert(Field::AccountBankCode, raw);
            let rec = parse(&cells, qingdao()).unwrap();
            assert!(
                matches!(rec.account_bank, AccountBank::Valid(ref c) if c.as_str() == "102452000012")
            );
        }
    }

    #[test]
    fn screening_reasons_come_through() {
        let mut cells = good_row();
        cells.insert(Field::EntityType, "分支机构");
        cells.insert(Field::TaxCredit, "");
        cells.insert(Field::Employees, "");
        let rec = parse(&cells, qingdao()).unwrap();
        let reasons: Vec<Exclusion> = rec.exclusions.iter().collect();
        assert_eq!(
            reasons,
            vec![
                Exclusion::NotLegalPerson,
                Exclusion::SizeUnknown,
                Exclusion::CreditLevel
            ]
        );
        assert_eq!(rec.exclusions.first(), Some(Exclusion::NotLegalPerson));
    }

    #[test]
    fn headers_are_unique_across_fields() {
        let mut seen = std::collections::HashSet::new();
        for f in Field::ALL {
            assert_eq!(f.header_names()[0], f.header_zh());
            assert_eq!(f.header_names()[1], f.key());
            for name in f.header_names() {
                assert!(seen.insert(*name), "{name} names two columns");
            }
        }
    }

    #[test]
    fn clean_cells_are_borrowed_not_copied() {
        let mut cells = good_row();
        cells.insert(Field::Name, "青岛海川精密机械有限公司");
        let options = EligibilityOptions::default();
        let ctx = ListingContext {
            bureau: qingdao(),
            standard: &MIIT_2011,
            options: &options,
        };
        let rec = parse_record_ref(|f| cells.get(&f).copied().unwrap_or(""), &ctx).unwrap();
        assert!(matches!(rec.name, Cow::Borrowed(_)));
        assert!(matches!(rec.region_code, Cow::Borrowed(_)));
        assert!(matches!(rec.contact_name, Some(Cow::Borrowed(_))));
        // Written with spaces, the phone had to be rewritten.
        assert!(matches!(rec.contact_phone, Some(Cow::Owned(_))));
    }

    #[test]
    fn text_helpers_match_their_definitions() {
        for s in [
            "", "abc", "青岛", "a\u{0}b", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "é",
        ] {
            assert_eq!(
                has_control_char(s),
                s.chars().any(char::is_control),
                "{s:?}"
            );
            for n in 0..4 {
                assert_eq!(more_chars_than(s, n), s.chars().count() > n, "{s:?}");
                let first: String = s.chars().take(n).collect();
                assert_eq!(first_chars(Cow::Borrowed(s), n), first);
                assert_eq!(first_chars(Cow::Owned(s.to_owned()), n), first);
            }
        }
    }

    mod properties {
        use super::super::*;
        use super::valid_uscc_in;
        use crate::bureau;
        use crate::size::MIIT_2011;
        use crate::text::normalize_text;
        use proptest::prelude::*;

        /// `parse_record` as it was before records could borrow: every text normalised into
        /// a `String` by the owned normalisers and parsers. The fast path must agree with it.
        fn reference_parse_record<'c>(
            cell: impl Fn(Field) -> &'c str,
            ctx: &ListingContext<'_>,
        ) -> Result<ListingRecord, Vec<FieldError>> {
            let mut errors = Vec::new();
            let mut warnings = Warnings::default();
            let mut fail =
                |field: Field, message: String| errors.push(FieldError { field, message });

            let uscc = match Uscc::parse(cell(Field::Uscc)) {
                Ok(parsed) => {
                    if !parsed.org_code_valid {
                        warnings.insert(Warning::OrgCodeCheck);
                    }
                    Some(parsed.code)
                }
                Err(e) => {
                    fail(Field::Uscc, e.to_string());
                    None
                }
            };
            let name = reference_read_name(cell(Field::Name))
                .map_err(|m| fail(Field::Name, m))
                .ok();
            let region_code = match region::parse_code(cell(Field::RegionCode)) {
                Ok(code) => match check_jurisdiction(&code, ctx.bureau) {
                    Ok(()) => {
                        if region::lookup(&code).is_none() {
                            warnings.insert(Warning::RegionUnknown);
                        }
                        Some(code)
                    }
                    Err(m) => {
                        fail(Field::RegionCode, m);
                        None
                    }
                },
                Err(e) => {
                    fail(Field::RegionCode, e.to_string());
                    None
                }
            };
            let industry = IndustryCode::parse(cell(Field::IndustryCode))
                .map_err(|e| fail(Field::IndustryCode, e.to_string()))
                .ok();
            let employees = amount::parse_count(cell(Field::Employees))
                .map_err(|e| fail(Field::Employees, e.to_string()))
                .ok();
            let revenue = amount::parse_wan(cell(Field::Revenue))
                .map_err(|e| fail(Field::Revenue, e.to_string()))
                .ok();
            let assets = amount::parse_wan(cell(Field::Assets))
                .map_err(|e| fail(Field::Assets, e.to_string()))
                .ok();
            let tax_credit = tax_credit::parse(cell(Field::TaxCredit))
                .map_err(|e| fail(Field::TaxCredit, e.to_string()))
                .ok();
            let entity_type = entity::parse_entity_type(cell(Field::EntityType))
                .map_err(|e| fail(Field::EntityType, e.to_string()))
                .ok();
            let special_category = entity::parse_special_category(cell(Field::SpecialCategory))
                .map_err(|e| fail(Field::SpecialCategory, e.to_string()))
                .ok();
            let dishonest = entity::parse_dishonest(cell(Field::Dishonest))
                .map_err(|e| fail(Field::Dishonest, e.to_string()))
                .ok();
            let contact_name = reference_read_contact_name(cell(Field::ContactName))
                .map_err(|m| fail(Field::ContactName, m))
                .ok();
            let contact_phone = reference_read_phone(cell(Field::ContactPhone), &mut warnings);
            let account_bank = reference_read_account_bank(cell(Field::AccountBankCode));

            let (
                Some(uscc),
                Some(name),
                Some(region_code),
                Some(industry),
                Some(employees),
                Some(revenue),
                Some(assets),
                Some(tax_credit),
                Some(entity_type),
                Some(special_category),
                Some(dishonest),
                Some(contact_name),
            ) = (
                uscc,
                name,
                region_code,
                industry,
                employees,
                revenue,
                assets,
                tax_credit,
                entity_type,
                special_category,
                dishonest,
                contact_name,
            )
            else {
                return Err(errors);
            };
            let indicators = Indicators {
                employees,
                revenue,
                assets,
            };
            let size = ctx.standard.classify(&industry, &indicators);
            let exclusions = eligibility::screen(
                &Candidate {
                    entity_type,
                    special_category,
                    dishonest,
                    size: &size,
                    tax_credit,
                },
                ctx.options,
            );
            Ok(ListingRecord {
                uscc,
                name,
                region_code,
                industry,
                indicators,
                tax_credit,
                entity_type,
                special_category,
                dishonest,
                account_bank,
                contact_name,
                contact_phone,
                size,
                exclusions,
                warnings,
            })
        }

        fn reference_read_name(raw: &str) -> Result<String, String> {
            let name = normalize_text(raw);
            if name.is_empty() {
                return Err("企业名称为空".to_owned());
            }
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(format!("企业名称超过 {MAX_NAME_CHARS} 个字符"));
            }
            if name.chars().any(char::is_control) {
                return Err("企业名称含有不可见的控制字符".to_owned());
            }
            Ok(name)
        }

        fn reference_read_contact_name(raw: &str) -> Result<Option<String>, String> {
            let name = normalize_text(raw);
            if name.is_empty() {
                return Ok(None);
            }
            if name.chars().count() > MAX_CONTACT_CHARS {
                return Err(format!("联系人超过 {MAX_CONTACT_CHARS} 个字符"));
            }
            Ok(Some(name))
        }

        fn reference_read_phone(raw: &str, warnings: &mut Warnings) -> Option<String> {
            let trimmed = normalize_text(raw);
            if trimmed.is_empty() {
                return None;
            }
            match phone::parse(&trimmed) {
                Ok(p) => Some(p.as_str().to_owned()),
                Err(_) => {
                    warnings.insert(Warning::PhoneMalformed);
                    Some(trimmed.chars().take(MAX_CONTACT_CHARS).collect())
                }
            }
        }

        fn reference_read_account_bank(raw: &str) -> AccountBank {
            let trimmed = normalize_text(raw);
            if trimmed.is_empty() {
                return AccountBank::Missing;
            }
            match BankCode::parse(&trimmed) {
                Ok(code) => AccountBank::Valid(code),
                Err(_) => AccountBank::Invalid(trimmed.chars().take(64).collect()),
            }
        }

        /// One column's cells: the usual values (the first, a good one, most often, so that
        /// many rows are accepted), the usual mistakes, and anything at all.
        fn column(usual: Vec<String>) -> impl Strategy<Value = String> {
            prop_oneof![
                40 => Just(usual[0].clone()),
                6 => proptest::sample::select(usual),
                1 => "[ \u{3000}\t]?[0-9A-Za-z０-９Ａ-Ｚ 青岛.,\\-]{0,14}[ \u{3000}]?",
                1 => any::<String>(),
            ]
        }

        fn strings(values: &[&str]) -> Vec<String> {
            values.iter().map(|v| (*v).to_owned()).collect()
        }

        fn row() -> impl Strategy<Value = Vec<String>> {
            let long = "很".repeat(MAX_NAME_CHARS + 1);
            let contact_long = "长".repeat(MAX_CONTACT_CHARS + 3);
            let uscc = strings(&[
                &valid_uscc_in("370202"),
                &valid_uscc_in("370102"),
                &valid_uscc_in("440305"),
                &format!(" {} ", valid_uscc_in("370212").to_lowercase()),
                "91310000631295002H",
                "9.13702E+17",
                "913702000000000000",
                "",
            ]);
            let name = strings(&[
                "青岛海川精密机械有限公司",
                " 青岛海川  精密机械有限公司 ",
                "青岛\u{3000}海川",
                "ＡＢＣ科技",
                "坏\u{7}名",
                "坏\u{85}名",
                &long,
                "",
                "   ",
            ]);
            let region = strings(&[
                "370202",
                "370102",
                "370299",
                "３７０２０２",
                "370202.0",
                "3702",
                "440305",
                "",
            ]);
            let industry = strings(&[
                "C3011", "c30", "F52", "K70", "K7010", "J66", "Z3011", "C3", "",
            ]);
            let count = strings(&["45", "1,200", "", "五十", "12.5", "-3", "12.0", "10000001"]);
            let money = strings(&[
                "1,200.5",
                "800",
                "",
                "0.00005",
                "-5",
                "1e5",
                "300万元",
                "(1,000)",
            ]);
            let tax = strings(&["B级", "", "A", "E", "未评级", "ｍ", "C", "D"]);
            let entity = strings(&[
                "法人企业",
                "分支机构",
                "个体户",
                "合伙企业",
                "",
                "Legal-Person",
            ]);
            let special = strings(&["", "小贷公司", "银行", "无", "SPV"]);
            let flag = strings(&["否", "", "是", "也许", "Y"]);
            let bank = strings(&[
                "102452000012",
                "",
                "10245200001",
                "1.02452E+11",
                "1024-5200-0012",
                "１０２４５２００００１２",
                &"9".repeat(70),
            ]);
            let contact = strings(&["王丽", "", " 王  丽 ", &contact_long]);
            let phone = strings(&[
                "13800138000",
                "138 0013 8000",
                "0532-88886666",
                "0532-88886666转12",
                "12345",
                "",
                &"电话".repeat(30),
            ]);
            (
                (
                    column(uscc),
                    column(name),
                    column(region),
                    column(industry),
                    column(count),
                ),
                (
                    column(money.clone()),
                    column(money),
                    column(tax),
                    column(entity),
                    column(special),
                ),
                (column(flag), column(bank), column(contact), column(phone)),
            )
                .prop_map(|((a, b, c, d, e), (f, g, h, i, j), (k, l, m, n))| {
                    vec![a, b, c, d, e, f, g, h, i, j, k, l, m, n]
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn records_agree_with_the_reference(
                cells in row(),
                bureau_code in proptest::sample::select(vec!["3702", "3702", "3702", "37", "4403", "44"]),
                accept_m in any::<bool>(),
            ) {
                let bureau = bureau::by_code(bureau_code).expect("a bureau");
                let options = EligibilityOptions { accept_m, ..EligibilityOptions::default() };
                let ctx = ListingContext { bureau, standard: &MIIT_2011, options: &options };
                let cell = |f: Field| cells[f as usize].as_str();
                let expected = std::panic::catch_unwind(|| reference_parse_record(cell, &ctx));
                let borrowed = std::panic::catch_unwind(|| {
                    parse_record_ref(cell, &ctx).map(ListingRecordRef::into_owned)
                });
                let owned = std::panic::catch_unwind(|| parse_record(cell, &ctx));
                let expected = expected.ok();
                prop_assert_eq!(&borrowed.ok(), &expected);
                prop_assert_eq!(&owned.ok(), &expected);
            }
        }
    }
}
