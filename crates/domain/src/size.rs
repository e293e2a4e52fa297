//! Enterprise size classification (大型/中型/小型/微型) by the MIIT four-ministry standard
//! 工信部联企业〔2011〕300号: the industry rows and their bounds are data (one versioned table
//! per standard), applied to an enterprise's GB/T 4754-2017 industry code and indicators.

use crate::amount::Yuan;
use crate::industry::{IndustryCode, Section};

// The table below reads like the standard's: X, Y, Z are its names for the indicators.
use Indicator::{Assets as Z, Employees as X, Revenue as Y};
use MiitIndustry as Row;

/// A row (1–16) of the MIIT size table: the industry groups the standard sets bounds for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MiitIndustry {
    Agriculture,
    Industry,
    Construction,
    Wholesale,
    Retail,
    Transport,
    Warehousing,
    Postal,
    Accommodation,
    Catering,
    InfoTransmission,
    Software,
    RealEstateDev,
    PropertyMgmt,
    LeasingBusiness,
    Other,
}

impl MiitIndustry {
    /// Every row, in the table's order.
    pub const ALL: [MiitIndustry; 16] = [
        MiitIndustry::Agriculture,
        MiitIndustry::Industry,
        MiitIndustry::Construction,
        MiitIndustry::Wholesale,
        MiitIndustry::Retail,
        MiitIndustry::Transport,
        MiitIndustry::Warehousing,
        MiitIndustry::Postal,
        MiitIndustry::Accommodation,
        MiitIndustry::Catering,
        MiitIndustry::InfoTransmission,
        MiitIndustry::Software,
        MiitIndustry::RealEstateDev,
        MiitIndustry::PropertyMgmt,
        MiitIndustry::LeasingBusiness,
        MiitIndustry::Other,
    ];

    /// The row number in the standard's table, 1–16.
    pub fn row_number(self) -> u8 {
        self as u8 + 1
    }

    /// The row's name as the standard writes it.
    pub fn name_zh(self) -> &'static str {
        match self {
            MiitIndustry::Agriculture => "农、林、牧、渔业",
            MiitIndustry::Industry => "工业",
            MiitIndustry::Construction => "建筑业",
            MiitIndustry::Wholesale => "批发业",
            MiitIndustry::Retail => "零售业",
            MiitIndustry::Transport => "交通运输业",
            MiitIndustry::Warehousing => "仓储业",
            MiitIndustry::Postal => "邮政业",
            MiitIndustry::Accommodation => "住宿业",
            MiitIndustry::Catering => "餐饮业",
            MiitIndustry::InfoTransmission => "信息传输业",
            MiitIndustry::Software => "软件和信息技术服务业",
            MiitIndustry::RealEstateDev => "房地产开发经营",
            MiitIndustry::PropertyMgmt => "物业管理",
            MiitIndustry::LeasingBusiness => "租赁和商务服务业",
            MiitIndustry::Other => "其他未列明行业",
        }
    }
}

/// Why an industry code has no row in the size table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotCovered {
    /// J: finance has its own size standard (银发〔2015〕309号), outside this one.
    #[error("金融业（J）适用金融业企业划型标准，不在本划型标准范围内")]
    Finance,
    /// G53: rail transport is excluded from row 6.
    #[error("铁路运输业（G53）不在划型标准范围内")]
    Rail,
    /// P, S and T: education, public administration, international organisations.
    #[error("{}（{}）不在划型标准范围内", .0.name_zh(), .0.letter())]
    Section(Section),
    /// Q84: health (only social work, Q85, is covered).
    #[error("卫生（Q84）不在划型标准范围内")]
    Q84,
    /// G59 or K70 given without the group digit: their groups fall in different rows.
    #[error(
        "行业代码过粗：装卸搬运和仓储业（G59）、房地产业（K70）须填写到中类（如 G592、K701）才能划型"
    )]
    TooCoarse,
    /// K704 房地产租赁经营: the statistical practice leaves own-property letting
    /// (自有房地产经营活动) out of row 16, and no other row takes it.
    #[error("房地产租赁经营（K704）不在划型标准范围内")]
    RealEstateLeasing,
    /// A group of G59 or K70 that the mapping does not list (K705–K708 do not exist in
    /// GB/T 4754-2017).
    #[error("行业中类 {division:02}{group} 未列入划型对照表，请核对行业代码")]
    UnlistedGroup { division: u8, group: u8 },
}

/// The size table row of an industry code, by the statistical practice that maps
/// GB/T 4754-2017 onto the standard's rows (DOMAIN §3). Rules are tried top to bottom.
pub fn miit_industry(code: &IndustryCode) -> Result<MiitIndustry, NotCovered> {
    use MiitIndustry::*;
    use Section as S;
    let (division, group) = (code.division(), code.group());
    match (code.section(), division, group) {
        (S::A, _, _) => Ok(Agriculture),
        (S::B | S::C | S::D, _, _) => Ok(Industry),
        (S::E, _, _) => Ok(Construction),
        (S::F, 51, _) => Ok(Wholesale),
        (S::F, _, _) => Ok(Retail),
        (S::G, 53, _) => Err(NotCovered::Rail),
        (S::G, 54..=58, _) => Ok(Transport),
        (S::G, 59, None) => Err(NotCovered::TooCoarse),
        (S::G, 59, Some(1)) => Ok(Transport), // 装卸搬运
        (S::G, 59, Some(_)) => Ok(Warehousing),
        (S::G, _, _) => Ok(Postal), // G60, the only division left
        (S::H, 61, _) => Ok(Accommodation),
        (S::H, _, _) => Ok(Catering),
        (S::I, 63 | 64, _) => Ok(InfoTransmission),
        (S::I, _, _) => Ok(Software),
        (S::J, _, _) => Err(NotCovered::Finance),
        (S::K, _, None) => Err(NotCovered::TooCoarse),
        (S::K, _, Some(1)) => Ok(RealEstateDev),
        (S::K, _, Some(2)) => Ok(PropertyMgmt),
        (S::K, _, Some(3 | 9)) => Ok(Other),
        (S::K, _, Some(4)) => Err(NotCovered::RealEstateLeasing),
        (S::K, _, Some(group)) => Err(NotCovered::UnlistedGroup { division, group }),
        (S::L, _, _) => Ok(LeasingBusiness),
        (S::M | S::N | S::O | S::R, _, _) => Ok(Other),
        (S::Q, 84, _) => Err(NotCovered::Q84),
        (S::Q, _, _) => Ok(Other), // Q85 社会工作
        (S::P | S::S | S::T, _, _) => Err(NotCovered::Section(code.section())),
    }
}

/// A size class.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SizeClass {
    Large,
    Medium,
    Small,
    Micro,
}

impl SizeClass {
    /// Every class, largest first.
    pub const ALL: [SizeClass; 4] = [
        SizeClass::Large,
        SizeClass::Medium,
        SizeClass::Small,
        SizeClass::Micro,
    ];

    /// The stable identifier used in files and the API: `"large"` … `"micro"`.
    pub fn code(self) -> &'static str {
        match self {
            SizeClass::Large => "large",
            SizeClass::Medium => "medium",
            SizeClass::Small => "small",
            SizeClass::Micro => "micro",
        }
    }

    /// 大型 / 中型 / 小型 / 微型.
    pub fn name_zh(self) -> &'static str {
        match self {
            SizeClass::Large => "大型",
            SizeClass::Medium => "中型",
            SizeClass::Small => "小型",
            SizeClass::Micro => "微型",
        }
    }

    /// The class of a `code()`.
    pub fn from_code(code: &str) -> Option<SizeClass> {
        SizeClass::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// An enterprise's size indicators; `None` means not given (never zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indicators {
    pub employees: Option<i64>,
    pub revenue: Option<Yuan>,
    pub assets: Option<Yuan>,
}

impl Indicators {
    /// One indicator in the unit the comparison uses: persons, or yuan.
    fn value(&self, indicator: Indicator) -> Option<i64> {
        match indicator {
            Indicator::Employees => self.employees,
            Indicator::Revenue => self.revenue.map(|y| y.0),
            Indicator::Assets => self.assets.map(|y| y.0),
        }
    }
}

/// A size indicator: X, Y, Z of the standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    Employees,
    Revenue,
    Assets,
}

impl Indicator {
    /// 从业人员 / 营业收入 / 资产总额.
    pub fn name_zh(self) -> &'static str {
        match self {
            Indicator::Employees => "从业人员",
            Indicator::Revenue => "营业收入",
            Indicator::Assets => "资产总额",
        }
    }

    /// A bound of the table (persons, or 万元) in the unit of `Indicators::value`.
    fn bound_in_comparison_unit(self, bound: i64) -> i64 {
        match self {
            Indicator::Employees => bound,
            Indicator::Revenue | Indicator::Assets => Yuan::from_wan(bound).0,
        }
    }
}

/// One row of a size table. Bounds are lower bounds (≥), aligned with `indicators`, in
/// persons for employees and 万元 for revenue and assets, exactly as the standard prints them.
#[derive(Debug)]
pub struct SizeRow {
    pub industry: MiitIndustry,
    pub indicators: &'static [Indicator],
    pub large: &'static [i64],
    pub medium: &'static [i64],
    pub small: &'static [i64],
}

impl SizeRow {
    /// The row's lower bounds for a class; micro has none (it is whatever is left).
    pub fn bounds(&self, class: SizeClass) -> &'static [i64] {
        match class {
            SizeClass::Large => self.large,
            SizeClass::Medium => self.medium,
            SizeClass::Small => self.small,
            SizeClass::Micro => &[],
        }
    }
}

/// A version of the size standard.
#[derive(Debug)]
pub struct SizeStandard {
    /// Stable identifier, stored with each classification.
    pub id: &'static str,
    /// The document as it is cited.
    pub name_zh: &'static str,
    /// The date it was issued and took effect (ISO 8601).
    pub effective: &'static str,
    /// One row per `MiitIndustry`, in that order (checked by a test).
    rows: &'static [SizeRow; 16],
}

/// 工信部联企业〔2011〕300号《中小企业划型标准规定》, issued 2011-06-18.
#[rustfmt::skip]
pub static MIIT_2011: SizeStandard = SizeStandard {
    id: "miit-2011-300",
    name_zh: "工信部联企业〔2011〕300号",
    effective: "2011-06-18",
    rows: &[
        SizeRow { industry: Row::Agriculture, indicators: &[Y], large: &[20000], medium: &[500], small: &[50] },
        SizeRow { industry: Row::Industry, indicators: &[X, Y], large: &[1000, 40000], medium: &[300, 2000], small: &[20, 300] },
        SizeRow { industry: Row::Construction, indicators: &[Y, Z], large: &[80000, 80000], medium: &[6000, 5000], small: &[300, 300] },
        SizeRow { industry: Row::Wholesale, indicators: &[X, Y], large: &[200, 40000], medium: &[20, 5000], small: &[5, 1000] },
        SizeRow { industry: Row::Retail, indicators: &[X, Y], large: &[300, 20000], medium: &[50, 500], small: &[10, 100] },
        SizeRow { industry: Row::Transport, indicators: &[X, Y], large: &[1000, 30000], medium: &[300, 3000], small: &[20, 200] },
        SizeRow { industry: Row::Warehousing, indicators: &[X, Y], large: &[200, 30000], medium: &[100, 1000], small: &[20, 100] },
        SizeRow { industry: Row::Postal, indicators: &[X, Y], large: &[1000, 30000], medium: &[300, 2000], small: &[20, 100] },
        SizeRow { industry: Row::Accommodation, indicators: &[X, Y], large: &[300, 10000], medium: &[100, 2000], small: &[10, 100] },
        SizeRow { industry: Row::Catering, indicators: &[X, Y], large: &[300, 10000], medium: &[100, 2000], small: &[10, 100] },
        SizeRow { industry: Row::InfoTransmission, indicators: &[X, Y], large: &[2000, 100000], medium: &[100, 1000], small: &[10, 100] },
        SizeRow { industry: Row::Software, indicators: &[X, Y], large: &[300, 10000], medium: &[100, 1000], small: &[10, 50] },
        SizeRow { industry: Row::RealEstateDev, indicators: &[Y, Z], large: &[200000, 10000], medium: &[1000, 5000], small: &[100, 2000] },
        SizeRow { industry: Row::PropertyMgmt, indicators: &[X, Y], large: &[1000, 5000], medium: &[300, 1000], small: &[100, 500] },
        SizeRow { industry: Row::LeasingBusiness, indicators: &[X, Z], large: &[300, 120000], medium: &[100, 8000], small: &[10, 100] },
        SizeRow { industry: Row::Other, indicators: &[X], large: &[300], medium: &[100], small: &[10] },
    ],
};

/// Every version of the size standard, newest last. A revision is added here, and older
/// classifications keep naming the version they used.
pub static STANDARDS: [&SizeStandard; 1] = [&MIIT_2011];

/// The standard with this `id`.
pub fn standard_by_id(id: &str) -> Option<&'static SizeStandard> {
    STANDARDS.into_iter().find(|s| s.id == id)
}

/// Why an enterprise's size can't be determined (a reason shown to the bureau; never micro).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeUnknown {
    #[error("{0}")]
    NotCovered(#[from] NotCovered),
    #[error("缺少{}，无法划型", .0.name_zh())]
    Missing(Indicator),
}

impl SizeUnknown {
    /// The stable identifier stored with an enterprise that could not be classified.
    pub fn code(&self) -> &'static str {
        match self {
            SizeUnknown::NotCovered(_) => "industry_not_covered",
            SizeUnknown::Missing(Indicator::Employees) => "missing_employees",
            SizeUnknown::Missing(Indicator::Revenue) => "missing_revenue",
            SizeUnknown::Missing(Indicator::Assets) => "missing_assets",
        }
    }
}

impl SizeStandard {
    /// The table's rows, in row order.
    pub fn rows(&self) -> &'static [SizeRow] {
        self.rows
    }

    /// The row of an industry group.
    pub fn row(&self, m: MiitIndustry) -> &'static SizeRow {
        &self.rows[m as usize]
    }

    /// The indicators that decide the size in an industry row; the others are ignored.
    pub fn indicators_for(&self, m: MiitIndustry) -> &'static [Indicator] {
        self.row(m).indicators
    }

    /// Classifies an enterprise: the largest class all of whose bounds its indicators meet,
    /// else micro. Only the row's indicators matter, and each of them must be given.
    pub fn classify(
        &self,
        industry: &IndustryCode,
        ind: &Indicators,
    ) -> Result<SizeClass, SizeUnknown> {
        let row = self.row(miit_industry(industry)?);
        let values = indicator_values(row, ind)?;
        let meets = |class: SizeClass| {
            let bounds = row.bounds(class);
            row.indicators
                .iter()
                .zip(bounds)
                .zip(&values)
                .all(|((indicator, bound), value)| {
                    *value >= indicator.bound_in_comparison_unit(*bound)
                })
        };
        let tiers = [SizeClass::Large, SizeClass::Medium, SizeClass::Small];
        Ok(tiers
            .into_iter()
            .find(|c| meets(*c))
            .unwrap_or(SizeClass::Micro))
    }
}

/// The row's indicator values, in row order (the rest of the array unused); the first one
/// missing is the reason. An array, not a `Vec`: this runs for every row of a list, and a row
/// names each of the three indicators at most once (a test checks every standard).
fn indicator_values(row: &SizeRow, ind: &Indicators) -> Result<[i64; 3], SizeUnknown> {
    let mut values = [0; 3];
    for (value, i) in values.iter_mut().zip(row.indicators) {
        *value = ind.value(*i).ok_or(SizeUnknown::Missing(*i))?;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> IndustryCode {
        IndustryCode::parse(raw).unwrap()
    }

    fn mapped(raw: &str) -> Result<MiitIndustry, NotCovered> {
        miit_industry(&code(raw))
    }

    /// DOMAIN §3's table transcribed again, independently of `MIIT_2011`:
    /// (row, [(indicator, large, medium, small)]) with amounts in 万元, plus a code in the row.
    #[allow(clippy::type_complexity)]
    const EXPECTED: [(MiitIndustry, &str, &[(Indicator, i64, i64, i64)]); 16] = [
        (Row::Agriculture, "A01", &[(Y, 20000, 500, 50)]),
        (
            Row::Industry,
            "C3011",
            &[(X, 1000, 300, 20), (Y, 40000, 2000, 300)],
        ),
        (
            Row::Construction,
            "E47",
            &[(Y, 80000, 6000, 300), (Z, 80000, 5000, 300)],
        ),
        (
            Row::Wholesale,
            "F51",
            &[(X, 200, 20, 5), (Y, 40000, 5000, 1000)],
        ),
        (
            Row::Retail,
            "F52",
            &[(X, 300, 50, 10), (Y, 20000, 500, 100)],
        ),
        (
            Row::Transport,
            "G54",
            &[(X, 1000, 300, 20), (Y, 30000, 3000, 200)],
        ),
        (
            Row::Warehousing,
            "G592",
            &[(X, 200, 100, 20), (Y, 30000, 1000, 100)],
        ),
        (
            Row::Postal,
            "G60",
            &[(X, 1000, 300, 20), (Y, 30000, 2000, 100)],
        ),
        (
            Row::Accommodation,
            "H61",
            &[(X, 300, 100, 10), (Y, 10000, 2000, 100)],
        ),
        (
            Row::Catering,
            "H62",
            &[(X, 300, 100, 10), (Y, 10000, 2000, 100)],
        ),
        (
            Row::InfoTransmission,
            "I63",
            &[(X, 2000, 100, 10), (Y, 100000, 1000, 100)],
        ),
        (
            Row::Software,
            "I65",
            &[(X, 300, 100, 10), (Y, 10000, 1000, 50)],
        ),
        (
            Row::RealEstateDev,
            "K701",
            &[(Y, 200000, 1000, 100), (Z, 10000, 5000, 2000)],
        ),
        (
            Row::PropertyMgmt,
            "K702",
            &[(X, 1000, 300, 100), (Y, 5000, 1000, 500)],
        ),
        (
            Row::LeasingBusiness,
            "L72",
            &[(X, 300, 100, 10), (Z, 120000, 8000, 100)],
        ),
        (Row::Other, "M73", &[(X, 300, 100, 10)]),
    ];

    /// Indicators with each listed one exactly at its bound for `class` (in table units).
    fn at_bounds(bounds: &[(Indicator, i64)]) -> Indicators {
        let mut ind = Indicators::default();
        for (indicator, bound) in bounds {
            set(
                &mut ind,
                *indicator,
                Indicator::bound_in_comparison_unit(*indicator, *bound),
            );
        }
        ind
    }

    /// Sets one indicator, given in persons or yuan.
    fn set(ind: &mut Indicators, indicator: Indicator, value: i64) {
        match indicator {
            X => ind.employees = Some(value),
            Y => ind.revenue = Some(Yuan(value)),
            Z => ind.assets = Some(Yuan(value)),
        }
    }

    fn one_below(ind: &Indicators, indicator: Indicator) -> Indicators {
        let mut lowered = *ind;
        set(&mut lowered, indicator, ind.value(indicator).unwrap() - 1);
        lowered
    }

    fn classify(raw: &str, ind: &Indicators) -> Result<SizeClass, SizeUnknown> {
        MIIT_2011.classify(&code(raw), ind)
    }

    #[test]
    fn rows_follow_the_enum_order_and_bounds_align() {
        for (i, row) in MIIT_2011.rows().iter().enumerate() {
            assert_eq!(row.industry, MiitIndustry::ALL[i]);
            assert_eq!(row.industry.row_number() as usize, i + 1);
            for class in [SizeClass::Large, SizeClass::Medium, SizeClass::Small] {
                assert_eq!(
                    row.bounds(class).len(),
                    row.indicators.len(),
                    "{:?}",
                    row.industry
                );
            }
        }
    }

    #[test]
    fn table_matches_the_standard() {
        for (industry, _, expected) in EXPECTED {
            let row = MIIT_2011.row(industry);
            let indicators: Vec<Indicator> = expected.iter().map(|e| e.0).collect();
            assert_eq!(row.indicators, indicators.as_slice(), "{industry:?}");
            assert_eq!(MIIT_2011.indicators_for(industry), indicators.as_slice());
            let column = |f: fn(&(Indicator, i64, i64, i64)) -> i64| {
                expected.iter().map(f).collect::<Vec<_>>()
            };
            assert_eq!(row.large, column(|e| e.1).as_slice(), "{industry:?} large");
            assert_eq!(
                row.medium,
                column(|e| e.2).as_slice(),
                "{industry:?} medium"
            );
            assert_eq!(row.small, column(|e| e.3).as_slice(), "{industry:?} small");
        }
    }

    #[test]
    fn every_row_at_and_just_below_each_bound() {
        let tiers = [
            (SizeClass::Large, SizeClass::Medium),
            (SizeClass::Medium, SizeClass::Small),
            (SizeClass::Small, SizeClass::Micro),
        ];
        for (industry, sample, expected) in EXPECTED {
            assert_eq!(mapped(sample), Ok(industry), "{sample}");
            for (tier_index, (class, next_down)) in tiers.into_iter().enumerate() {
                let bounds: Vec<(Indicator, i64)> = expected
                    .iter()
                    .map(|e| (e.0, [e.1, e.2, e.3][tier_index]))
                    .collect();
                let at = at_bounds(&bounds);
                assert_eq!(classify(sample, &at), Ok(class), "{sample} at {class:?}");
                for (indicator, _) in &bounds {
                    let below = one_below(&at, *indicator);
                    assert_eq!(
                        classify(sample, &below),
                        Ok(next_down),
                        "{sample} {indicator:?} one below {class:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_row_reports_each_missing_indicator() {
        for (industry, sample, expected) in EXPECTED {
            let bounds: Vec<(Indicator, i64)> = expected.iter().map(|e| (e.0, e.1)).collect();
            let full = at_bounds(&bounds);
            for (indicator, _) in &bounds {
                let mut partial = full;
                match indicator {
                    X => partial.employees = None,
                    Y => partial.revenue = None,
                    Z => partial.assets = None,
                }
                assert_eq!(
                    classify(sample, &partial),
                    Err(SizeUnknown::Missing(*indicator)),
                    "{industry:?}"
                );
            }
        }
    }

    #[test]
    fn one_indicator_under_the_small_bound_makes_micro() {
        // Industry: 5000 staff but 299 万元 revenue.
        let ind = Indicators {
            employees: Some(5000),
            revenue: Some(Yuan::from_wan(299)),
            assets: None,
        };
        assert_eq!(classify("C30", &ind), Ok(SizeClass::Micro));
    }

    #[test]
    fn the_class_is_the_largest_whose_bounds_are_all_met() {
        // Retail: 1000 staff (large) but 600 万元 revenue (only medium).
        let ind = Indicators {
            employees: Some(1000),
            revenue: Some(Yuan::from_wan(600)),
            assets: None,
        };
        assert_eq!(classify("F5211", &ind), Ok(SizeClass::Medium));
    }

    #[test]
    fn unlisted_indicators_are_ignored_even_when_missing() {
        let only_revenue = Indicators {
            employees: None,
            revenue: Some(Yuan::from_wan(60)),
            assets: None,
        };
        assert_eq!(classify("A0111", &only_revenue), Ok(SizeClass::Small));
        let only_staff = Indicators {
            employees: Some(150),
            revenue: None,
            assets: None,
        };
        assert_eq!(classify("M7310", &only_staff), Ok(SizeClass::Medium));
        // Construction uses revenue and assets, not staff.
        let construction = Indicators {
            employees: Some(1),
            revenue: Some(Yuan::from_wan(300)),
            assets: Some(Yuan::from_wan(300)),
        };
        assert_eq!(classify("E4710", &construction), Ok(SizeClass::Small));
    }

    #[test]
    fn missing_is_never_zero() {
        assert_eq!(
            classify("C30", &Indicators::default()),
            Err(SizeUnknown::Missing(Indicator::Employees))
        );
        let no_revenue = Indicators {
            employees: Some(3),
            revenue: None,
            assets: None,
        };
        assert_eq!(
            classify("C30", &no_revenue),
            Err(SizeUnknown::Missing(Indicator::Revenue))
        );
        assert_eq!(
            SizeUnknown::Missing(Indicator::Revenue).to_string(),
            "缺少营业收入，无法划型"
        );
    }

    #[test]
    fn amounts_compare_to_the_yuan() {
        // Agriculture small bound is 50 万元 = 500,000 元.
        let revenue = |yuan| Indicators {
            revenue: Some(Yuan(yuan)),
            ..Indicators::default()
        };
        assert_eq!(classify("A01", &revenue(500_000)), Ok(SizeClass::Small));
        assert_eq!(classify("A01", &revenue(499_999)), Ok(SizeClass::Micro));
    }

    #[test]
    fn mapping_rules() {
        use MiitIndustry::*;
        let cases: [(&str, Result<MiitIndustry, NotCovered>); 52] = [
            ("A01", Ok(Agriculture)),
            ("A05", Ok(Agriculture)),
            ("B06", Ok(Industry)),
            ("B12", Ok(Industry)),
            ("C13", Ok(Industry)),
            ("C43", Ok(Industry)),
            ("D44", Ok(Industry)),
            ("D46", Ok(Industry)),
            ("E47", Ok(Construction)),
            ("E50", Ok(Construction)),
            ("F51", Ok(Wholesale)),
            ("F5191", Ok(Wholesale)),
            ("F52", Ok(Retail)),
            ("G53", Err(NotCovered::Rail)),
            ("G5311", Err(NotCovered::Rail)),
            ("G54", Ok(Transport)),
            ("G58", Ok(Transport)),
            ("G59", Err(NotCovered::TooCoarse)),
            ("G591", Ok(Transport)),
            ("G5910", Ok(Transport)),
            ("G592", Ok(Warehousing)),
            ("G599", Ok(Warehousing)),
            ("G60", Ok(Postal)),
            ("H61", Ok(Accommodation)),
            ("H62", Ok(Catering)),
            ("I63", Ok(InfoTransmission)),
            ("I64", Ok(InfoTransmission)),
            ("I65", Ok(Software)),
            ("J66", Err(NotCovered::Finance)),
            ("J69", Err(NotCovered::Finance)),
            ("K70", Err(NotCovered::TooCoarse)),
            ("K701", Ok(RealEstateDev)),
            ("K7010", Ok(RealEstateDev)),
            ("K702", Ok(PropertyMgmt)),
            ("K703", Ok(Other)),
            ("K704", Err(NotCovered::RealEstateLeasing)),
            (
                "K705",
                Err(NotCovered::UnlistedGroup {
                    division: 70,
                    group: 5,
                }),
            ),
            ("K709", Ok(Other)),
            ("L71", Ok(LeasingBusiness)),
            ("L72", Ok(LeasingBusiness)),
            ("M73", Ok(Other)),
            ("M75", Ok(Other)),
            ("N76", Ok(Other)),
            ("N79", Ok(Other)),
            ("O80", Ok(Other)),
            ("O82", Ok(Other)),
            ("P83", Err(NotCovered::Section(Section::P))),
            ("Q84", Err(NotCovered::Q84)),
            ("Q85", Ok(Other)),
            ("R86", Ok(Other)),
            ("S91", Err(NotCovered::Section(Section::S))),
            ("T97", Err(NotCovered::Section(Section::T))),
        ];
        for (raw, expected) in cases {
            assert_eq!(mapped(raw), expected, "{raw}");
        }
        assert_eq!(mapped("R90"), Ok(Other));
        assert_eq!(mapped("S96"), Err(NotCovered::Section(Section::S)));
    }

    #[test]
    fn not_covered_becomes_size_unknown() {
        let full = Indicators {
            employees: Some(5),
            revenue: Some(Yuan::from_wan(5)),
            assets: Some(Yuan::from_wan(5)),
        };
        assert_eq!(
            classify("J6620", &full),
            Err(SizeUnknown::NotCovered(NotCovered::Finance))
        );
        assert_eq!(
            classify("K70", &full),
            Err(SizeUnknown::NotCovered(NotCovered::TooCoarse))
        );
        assert_eq!(
            SizeUnknown::NotCovered(NotCovered::Section(Section::P)).to_string(),
            "教育（P）不在划型标准范围内"
        );
        assert_eq!(
            NotCovered::UnlistedGroup {
                division: 70,
                group: 5
            }
            .to_string(),
            "行业中类 705 未列入划型对照表，请核对行业代码"
        );
    }

    #[test]
    fn size_class_codes_round_trip() {
        for class in SizeClass::ALL {
            assert_eq!(SizeClass::from_code(class.code()), Some(class));
        }
        assert_eq!(SizeClass::Micro.code(), "micro");
        assert_eq!(SizeClass::Medium.name_zh(), "中型");
        assert_eq!(SizeClass::from_code("Large"), None);
        assert!(SizeClass::Large < SizeClass::Micro);
    }

    #[test]
    fn the_registry_knows_the_2011_standard() {
        let standard = standard_by_id("miit-2011-300").unwrap();
        assert!(std::ptr::eq(standard, &MIIT_2011));
        assert_eq!(standard.effective, "2011-06-18");
        assert!(standard_by_id("miit-2017").is_none());
    }

    #[test]
    fn indicator_names() {
        assert_eq!(Indicator::Employees.name_zh(), "从业人员");
        assert_eq!(Indicator::Revenue.name_zh(), "营业收入");
        assert_eq!(Indicator::Assets.name_zh(), "资产总额");
        assert_eq!(MiitIndustry::Other.name_zh(), "其他未列明行业");
        assert_eq!(MiitIndustry::Other.row_number(), 16);
    }

    /// `indicator_values` fills a 3-slot array, one slot per indicator of the row.
    #[test]
    fn rows_name_each_indicator_at_most_once() {
        for standard in STANDARDS {
            for row in standard.rows() {
                let mut seen = Vec::new();
                for i in row.indicators {
                    assert!(!seen.contains(i), "{} {:?}", standard.id, row.industry);
                    seen.push(*i);
                }
                assert!(row.indicators.len() <= 3);
            }
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// `classify` as it was, collecting the indicator values into a `Vec`.
        fn reference_classify(
            industry: &IndustryCode,
            ind: &Indicators,
        ) -> Result<SizeClass, SizeUnknown> {
            let row = MIIT_2011.row(miit_industry(industry)?);
            let values: Vec<i64> = row
                .indicators
                .iter()
                .map(|i| ind.value(*i).ok_or(SizeUnknown::Missing(*i)))
                .collect::<Result<_, _>>()?;
            let meets = |class: SizeClass| {
                row.indicators
                    .iter()
                    .zip(row.bounds(class))
                    .zip(&values)
                    .all(|((indicator, bound), value)| {
                        *value >= indicator.bound_in_comparison_unit(*bound)
                    })
            };
            Ok([SizeClass::Large, SizeClass::Medium, SizeClass::Small]
                .into_iter()
                .find(|c| meets(*c))
                .unwrap_or(SizeClass::Micro))
        }

        fn amount() -> impl Strategy<Value = Option<i64>> {
            prop_oneof![
                Just(None),
                (0i64..2_000).prop_map(Some),
                (0i64..3_000_000_000).prop_map(Some),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn classify_agrees_with_the_reference(
                raw in "[A-T][0-9]{2,4}",
                employees in amount(),
                revenue in amount(),
                assets in amount(),
            ) {
                if let Ok(industry) = IndustryCode::parse(&raw) {
                    let ind = Indicators {
                        employees,
                        revenue: revenue.map(Yuan),
                        assets: assets.map(Yuan),
                    };
                    prop_assert_eq!(
                        MIIT_2011.classify(&industry, &ind),
                        reference_classify(&industry, &ind)
                    );
                }
            }
        }
    }
}
