//! The synthetic enterprise list of one bureau, in the unified data format (DOMAIN §9):
//! a streaming generator of realistic rows, each built to carry exactly the defect (or
//! exclusion reason) planned for it, with the exact import summary those plans add up to.
//!
//! Row `i` depends only on `(seed, i)` and, for planned duplicates, on earlier clean rows,
//! so the generator never holds the list in memory; credit codes are unique because their
//! organisation-code body is a bijection of the row index.

use std::collections::{HashMap, VecDeque};

use anyhow::{Context as _, bail};
use yinqi_domain::bureau::Bureau;
use yinqi_domain::eligibility::{Exclusion, Unassigned};
use yinqi_domain::entity::{EntityType, SpecialCategory};
use yinqi_domain::industry::IndustryCode;
use yinqi_domain::listing::Field;
use yinqi_domain::size::{Indicator, MIIT_2011, SizeClass, SizeRow, miit_industry};
use yinqi_domain::uscc::{CHARSET, Uscc, org_code_check_char};

use super::banks::{self, registry_entries};
use super::defects::{DefectKind, DefectMix, ExpectedSummary, Outcome};
use super::geo::{self, Unit};
use super::rng::Rng;
use super::tables::{
    BRAND, FINANCE, GIVEN, INDUSTRIES, MOBILE_PREFIXES, SHOP_INDUSTRIES, SPECIAL, SURNAMES,
};

/// Bank registry seed used unless a spec says otherwise; lists and the registry generated
/// with defaults therefore match.
pub const DEFAULT_BANK_SEED: u64 = 20_191_101;

/// Stream ids of [`Rng::for_item`], so row draws never coincide with other draws.
const ROW_STREAM: u64 = 1;

/// Multiplier of the organisation-code bijection: odd and not a multiple of 5, hence a
/// unit modulo 10^8, so `index × K + offset (mod 10^8)` never repeats within 10^8 rows.
const ORG_BODY_MULTIPLIER: u64 = 48_271_853;
const ORG_BODY_MODULUS: u64 = 100_000_000;

/// Most recent clean rows remembered as duplicate sources.
const RING: usize = 64;

/// Two-reason combinations (first, second in DOMAIN §8 order); the first is counted.
const PAIRS: [(Exclusion, Exclusion); 7] = [
    (Exclusion::NotLegalPerson, Exclusion::CreditLevel),
    (Exclusion::NotLegalPerson, Exclusion::Medium),
    (Exclusion::SpecialCategory, Exclusion::SizeUnknown),
    (Exclusion::SpecialCategory, Exclusion::Large),
    (Exclusion::Dishonest, Exclusion::CreditLevel),
    (Exclusion::Medium, Exclusion::CreditLevel),
    (Exclusion::SizeUnknown, Exclusion::CreditLevel),
];

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct ListingSpec {
    /// Number of data rows.
    pub rows: u64,
    /// Seed of the rows.
    pub seed: u64,
    /// The bureau whose list it is: every clean row is registered in its territory.
    pub bureau: &'static Bureau,
    /// Shares of defects and exclusions.
    pub mix: DefectMix,
    /// Seed of the bank registry the account banks are drawn from ([`super::bank_registry`]).
    pub bank_seed: u64,
}

impl ListingSpec {
    /// A list with the default mix and bank registry.
    pub fn new(bureau: &'static Bureau, rows: u64, seed: u64) -> ListingSpec {
        ListingSpec {
            rows,
            seed,
            bureau,
            mix: DefectMix::default(),
            bank_seed: DEFAULT_BANK_SEED,
        }
    }

    /// The summary importing the list must give, computed from the row plans alone (no row
    /// is built), so it can be known before the file is written. Equals
    /// [`ListingGenerator::expected`] after the generator is exhausted.
    pub fn expected_summary(&self) -> ExpectedSummary {
        let mut summary = ExpectedSummary::default();
        let mut seen_clean = false;
        for index in 0..self.rows {
            let plan = plan_row(self, index, seen_clean);
            seen_clean |= plan.defect.is_none();
            summary.record(plan.outcome());
        }
        summary
    }
}

/// The headers of the unified format, in [`Field::ALL`] order.
pub fn listing_headers() -> [&'static str; 14] {
    Field::ALL.map(Field::header_zh)
}

/// One generated row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedRow {
    /// Cells in [`Field::ALL`] order.
    pub cells: [String; 14],
    /// The planned defect; `None` for a clean row.
    pub defect: Option<DefectKind>,
    /// What the importer must make of the row.
    pub outcome: Outcome,
}

impl GeneratedRow {
    /// The cell of one column.
    pub fn cell(&self, field: Field) -> &str {
        &self.cells[field as usize]
    }
}

/// A row's plan: its defect and, for two-reason rows, which pair.
#[derive(Clone, Copy, Debug)]
struct Plan {
    defect: Option<DefectKind>,
    pair: (Exclusion, Exclusion),
}

impl Plan {
    fn outcome(&self) -> Outcome {
        use DefectKind::*;
        match self.defect {
            None => Outcome::Assigned { warning: false },
            Some(OrgCodeCheck | UnlistedRegion | MalformedPhone) => {
                Outcome::Assigned { warning: true }
            }
            Some(BankCodeInvalid) => Outcome::Unassigned(Unassigned::BankCodeInvalid),
            Some(BankUnknown) => Outcome::Unassigned(Unassigned::BankUnknown),
            Some(TwoReasons) => Outcome::Excluded(self.pair.0),
            Some(kind) => match kind.exclusion() {
                Some(reason) => Outcome::Excluded(reason),
                None => Outcome::Rejected,
            },
        }
    }
}

/// The row's random stream, already past the two planning draws.
fn row_rng(spec: &ListingSpec, index: u64) -> (Rng, u64, usize) {
    let mut rng = Rng::for_item(spec.seed, ROW_STREAM, index);
    let roll = rng.below(1000);
    let pair = rng.below(PAIRS.len() as u64) as usize;
    (rng, roll, pair)
}

fn plan_row(spec: &ListingSpec, index: u64, seen_clean: bool) -> Plan {
    let (_, roll, pair) = row_rng(spec, index);
    plan_from(spec, roll, pair, seen_clean)
}

fn plan_from(spec: &ListingSpec, roll: u64, pair: usize, seen_clean: bool) -> Plan {
    let defect = match spec.mix.kind_for(roll) {
        // Nothing to duplicate yet: the row stays clean.
        Some(DefectKind::DuplicateCode) if !seen_clean => None,
        other => other,
    };
    Plan {
        defect,
        pair: PAIRS[pair],
    }
}

/// Reference data of one bureau's list, built once per generator.
struct Context {
    units: Vec<Unit>,
    foreign: Vec<Unit>,
    unlisted: Vec<String>,
    /// Assignable branch codes by the first 4 digits of their region code.
    banks_by_city: HashMap<String, Vec<String>>,
    all_banks: Vec<String>,
    industry_cumulative: Vec<u32>,
    industry_rows: Vec<&'static SizeRow>,
    shop_rows: Vec<&'static SizeRow>,
    area_code: &'static str,
    org_offset: u64,
}

fn size_row(code: &str) -> anyhow::Result<&'static SizeRow> {
    let parsed = IndustryCode::parse(code).with_context(|| format!("industry table: {code}"))?;
    let industry =
        miit_industry(&parsed).with_context(|| format!("industry table: {code} not covered"))?;
    Ok(MIIT_2011.row(industry))
}

impl Context {
    fn new(spec: &ListingSpec) -> anyhow::Result<Context> {
        if spec.mix.total() > 1000 {
            bail!(
                "defect shares add up to {}‰, more than 1000‰",
                spec.mix.total()
            );
        }
        let units = geo::units(spec.bureau);
        let mut banks_by_city: HashMap<String, Vec<String>> = HashMap::new();
        let mut all_banks = Vec::new();
        for entry in registry_entries(spec.bank_seed) {
            if entry.assignable && spec.bureau.contains(&entry.row.region_code) {
                banks_by_city
                    .entry(entry.row.region_code[..4].to_owned())
                    .or_default()
                    .push(entry.row.code.clone());
                all_banks.push(entry.row.code);
            }
        }
        if units.is_empty() || all_banks.is_empty() {
            bail!("no regions or banks for bureau {}", spec.bureau.code);
        }
        let mut cumulative = Vec::with_capacity(INDUSTRIES.len());
        let mut total = 0;
        for industry in INDUSTRIES {
            total += industry.weight;
            cumulative.push(total);
        }
        let mut sm = spec.seed;
        Ok(Context {
            foreign: geo::foreign_units(spec.bureau),
            unlisted: geo::unlisted_codes(spec.bureau),
            units,
            banks_by_city,
            all_banks,
            industry_cumulative: cumulative,
            industry_rows: INDUSTRIES
                .iter()
                .map(|i| size_row(i.code))
                .collect::<anyhow::Result<_>>()?,
            shop_rows: SHOP_INDUSTRIES
                .iter()
                .map(|(code, _)| size_row(code))
                .collect::<anyhow::Result<_>>()?,
            area_code: geo::area_code(spec.bureau),
            org_offset: super::rng::splitmix64(&mut sm) % ORG_BODY_MODULUS,
        })
    }

    fn pick_industry(&self, rng: &mut Rng) -> usize {
        let total = self.industry_cumulative.last().copied().unwrap_or(1);
        let x = rng.below(u64::from(total)) as u32;
        self.industry_cumulative.partition_point(|c| *c <= x)
    }

    fn bank_for(&self, region: &str, rng: &mut Rng) -> &str {
        let pool = self
            .banks_by_city
            .get(&region[..4])
            .filter(|p| !p.is_empty())
            .unwrap_or(&self.all_banks);
        rng.pick::<String>(pool)
    }
}

/// What the size columns should make of the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SizeTarget {
    Class(SizeClass),
    /// One indicator the row's industry needs is left blank.
    Missing,
    /// A financial-sector (J) industry, outside the size standard.
    Finance,
}

/// The eligibility-relevant facts a row is built from.
#[derive(Clone, Copy, Debug)]
struct Profile {
    entity: EntityType,
    special: Option<SpecialCategory>,
    dishonest: bool,
    size: SizeTarget,
    /// Tax credit outside A/B (C, D, M or not rated).
    bad_credit: bool,
}

impl Profile {
    fn clean(rng: &mut Rng) -> Profile {
        // Micro 80 : small 16 among small and micro firms.
        let class = if rng.below(96) < 80 {
            SizeClass::Micro
        } else {
            SizeClass::Small
        };
        Profile {
            entity: EntityType::LegalPerson,
            special: None,
            dishonest: false,
            size: SizeTarget::Class(class),
            bad_credit: false,
        }
    }

    fn apply(&mut self, reason: Exclusion, financial_pair: bool, rng: &mut Rng) {
        match reason {
            Exclusion::NotLegalPerson => {
                self.entity = if rng.chance(500) {
                    EntityType::Branch
                } else {
                    EntityType::IndividualBusiness
                };
            }
            Exclusion::SpecialCategory => {
                let candidates: Vec<SpecialCategory> = SpecialCategory::ALL
                    .into_iter()
                    .filter(|c| !financial_pair || SPECIAL[*c as usize].2.is_some())
                    .collect();
                self.special = Some(*rng.pick(&candidates));
            }
            Exclusion::Dishonest => self.dishonest = true,
            Exclusion::Large => self.size = SizeTarget::Class(SizeClass::Large),
            Exclusion::Medium => self.size = SizeTarget::Class(SizeClass::Medium),
            Exclusion::SizeUnknown => {
                self.size = if financial_pair || rng.chance(500) {
                    SizeTarget::Finance
                } else {
                    SizeTarget::Missing
                };
            }
            Exclusion::CreditLevel => self.bad_credit = true,
            // Decided by the store, never planned here.
            Exclusion::Duplicate => {}
        }
    }
}

/// Streams the rows of a [`ListingSpec`]; [`ListingGenerator::expected`] is exact once the
/// iterator is exhausted.
pub struct ListingGenerator {
    spec: ListingSpec,
    ctx: Context,
    next: u64,
    ring: VecDeque<(String, String)>,
    expected: ExpectedSummary,
}

impl std::fmt::Debug for ListingGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListingGenerator")
            .field("spec", &self.spec)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl ListingGenerator {
    /// Prepares the bureau's regions and the bank registry; fails if the mix exceeds 1000‰.
    pub fn new(spec: &ListingSpec) -> anyhow::Result<ListingGenerator> {
        Ok(ListingGenerator {
            spec: *spec,
            ctx: Context::new(spec)?,
            next: 0,
            ring: VecDeque::with_capacity(RING),
            expected: ExpectedSummary::default(),
        })
    }

    /// The summary of the rows generated so far: the exact expected import summary once
    /// the iterator has returned `None`.
    pub fn expected(&self) -> ExpectedSummary {
        self.expected.clone()
    }

    /// Whether every row has been generated.
    pub fn is_done(&self) -> bool {
        self.next >= self.spec.rows
    }

    fn build(&mut self, index: u64) -> GeneratedRow {
        let (mut rng, roll, pair) = row_rng(&self.spec, index);
        let plan = plan_from(&self.spec, roll, pair, !self.ring.is_empty());
        let cells = RowBuilder {
            ctx: &self.ctx,
            rng: &mut rng,
            index,
        }
        .build(plan, &self.ring);
        // Remembering every clean row would cost two allocations per row; the first RING
        // and then every 16th are plenty of duplicate sources.
        if plan.defect.is_none() && (self.ring.len() < RING || index.is_multiple_of(16)) {
            if self.ring.len() == RING {
                self.ring.pop_front();
            }
            self.ring.push_back((
                cells[Field::Uscc as usize].clone(),
                cells[Field::Name as usize].clone(),
            ));
        }
        GeneratedRow {
            cells,
            defect: plan.defect,
            outcome: plan.outcome(),
        }
    }
}

impl Iterator for ListingGenerator {
    type Item = GeneratedRow;

    fn next(&mut self) -> Option<GeneratedRow> {
        if self.is_done() {
            return None;
        }
        let row = self.build(self.next);
        self.next += 1;
        self.expected.record(row.outcome);
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.spec.rows - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

/// Builds one row from its plan.
struct RowBuilder<'a> {
    ctx: &'a Context,
    rng: &'a mut Rng,
    index: u64,
}

/// Indicator values in the generator's units: persons, and hundredths of 万元 (so values
/// print with two decimals and compare to the standard's bounds exactly).
#[derive(Clone, Copy, Debug, Default)]
struct Values {
    employees: Option<i64>,
    revenue: Option<i64>,
    assets: Option<i64>,
}

impl RowBuilder<'_> {
    fn build(mut self, plan: Plan, ring: &VecDeque<(String, String)>) -> [String; 14] {
        use DefectKind as K;
        let ctx = self.ctx;
        let mut profile = Profile::clean(self.rng);
        match plan.defect {
            Some(K::TwoReasons) => {
                let financial = plan.pair == (Exclusion::SpecialCategory, Exclusion::SizeUnknown);
                profile.apply(plan.pair.0, financial, self.rng);
                profile.apply(plan.pair.1, financial, self.rng);
            }
            Some(kind) => {
                if let Some(reason) = kind.exclusion() {
                    profile.apply(reason, false, self.rng);
                }
            }
            None => {}
        }

        let unit = self.rng.pick(&ctx.units).clone();
        let (industry_code, word, size_row) = self.industry(&profile);
        let section = industry_code.as_bytes()[0];
        if profile.entity == EntityType::LegalPerson {
            // Cooperatives farm; "other" forms are rare. Both are legal persons (clean).
            if section == b'A' && self.rng.chance(400) {
                profile.entity = EntityType::FarmerCooperative;
            } else if self.rng.chance(5) {
                profile.entity = EntityType::Other;
            }
        }

        let region = match plan.defect {
            Some(K::UnlistedRegion) => self.rng.pick(&ctx.unlisted).clone(),
            _ => unit.code.to_owned(),
        };
        let uscc = self.credit_code(&profile, &region, plan.defect == Some(K::OrgCodeCheck));
        let name = self.name(&profile, &unit, word);
        let values = self.values(size_row, profile.size);
        let tax_credit = self.tax_credit(profile.bad_credit);
        let entity = match profile.entity {
            EntityType::LegalPerson if self.rng.chance(50) => "企业法人".to_owned(),
            other => other.name_zh().to_owned(),
        };
        let special = profile
            .special
            .map_or("", SpecialCategory::name_zh)
            .to_owned();
        let dishonest = if profile.dishonest {
            "是"
        } else if self.rng.chance(600) {
            "否"
        } else {
            ""
        };
        let bank = ctx.bank_for(unit.code, self.rng).to_owned();
        let (contact, phone) = self.contact();

        let mut cells: [String; 14] = [
            uscc,
            name,
            region,
            industry_code,
            values.employees.map_or(String::new(), |v| v.to_string()),
            values.revenue.map_or(String::new(), wan),
            values.assets.map_or(String::new(), wan),
            tax_credit,
            entity,
            special,
            dishonest.to_owned(),
            bank,
            contact,
            phone,
        ];
        if let Some(kind) = plan.defect {
            self.inject(kind, &mut cells, ring);
        }
        cells
    }

    /// The industry code, the word names use for it, and its size-table row (`None` for
    /// the financial sector).
    fn industry(&mut self, profile: &Profile) -> (String, &'static str, Option<&'static SizeRow>) {
        let ctx = self.ctx;
        if profile.entity == EntityType::IndividualBusiness {
            let i = self.rng.below(SHOP_INDUSTRIES.len() as u64) as usize;
            let (code, word) = SHOP_INDUSTRIES[i];
            return (code.to_owned(), word, Some(ctx.shop_rows[i]));
        }
        if let Some(category) = profile.special {
            let (single, word, financial) = SPECIAL[category as usize];
            return match (profile.size, financial) {
                (SizeTarget::Finance, Some(j)) => (j.to_owned(), word, None),
                _ => (single.to_owned(), word, size_row(single).ok()),
            };
        }
        if profile.size == SizeTarget::Finance {
            let (code, word) = *self.rng.pick(FINANCE);
            return (code.to_owned(), word, None);
        }
        let i = ctx.pick_industry(self.rng);
        let industry = &INDUSTRIES[i];
        (
            industry.code.to_owned(),
            industry.word,
            Some(ctx.industry_rows[i]),
        )
    }

    /// `91`/`92`/`93` + region + organisation code + check character. The organisation-code
    /// body is a bijection of the row index, so codes never repeat within a file.
    fn credit_code(&mut self, profile: &Profile, region: &str, bad_org_check: bool) -> String {
        let category = match profile.entity {
            EntityType::IndividualBusiness => "92",
            EntityType::FarmerCooperative => "93",
            _ => "91",
        };
        let body = (self.index % ORG_BODY_MODULUS)
            .wrapping_mul(ORG_BODY_MULTIPLIER)
            .wrapping_add(self.ctx.org_offset)
            % ORG_BODY_MODULUS;
        let body = format!("{body:08}");
        let right = org_code_check_char(body.as_bytes()).unwrap_or(b'0');
        let check = if bad_org_check {
            // Any other GB 11714 check character (all are in the credit-code charset).
            let others: Vec<u8> = b"0123456789X"
                .iter()
                .copied()
                .filter(|c| *c != right)
                .collect();
            *self.rng.pick(&others)
        } else {
            right
        };
        let first17 = format!("{category}{region}{body}{}", char::from(check));
        Uscc::from_first17(&first17)
            .map(|c| c.to_string())
            .unwrap_or(first17)
    }

    fn brand(&mut self) -> String {
        let a = *self.rng.pick(BRAND);
        let mut b = *self.rng.pick(BRAND);
        while b == a {
            b = *self.rng.pick(BRAND);
        }
        format!("{a}{b}")
    }

    fn name(&mut self, profile: &Profile, unit: &Unit, word: &str) -> String {
        let place = match self.rng.below(20) {
            0..=11 => unit.city.clone(),
            12..=16 => unit.short.clone(),
            _ => format!("{}市", unit.city),
        };
        let suffix = match self.rng.below(20) {
            0..=14 => "有限公司",
            15..=18 => "有限责任公司",
            _ => "股份有限公司",
        };
        let brand = self.brand();
        match profile.entity {
            EntityType::IndividualBusiness => {
                let owner = if self.rng.chance(500) {
                    format!("{}记", self.rng.pick(SURNAMES))
                } else {
                    brand
                };
                format!("{}{owner}{word}", unit.name)
            }
            EntityType::FarmerCooperative => format!("{}{brand}{word}专业合作社", unit.name),
            EntityType::Branch => {
                let office = if unit.short == unit.city {
                    "城区".to_owned()
                } else {
                    unit.short.clone()
                };
                format!("{}{brand}{word}{suffix}{office}分公司", unit.city)
            }
            _ => format!("{place}{brand}{word}{suffix}"),
        }
    }

    /// Indicator values whose class under the size standard is exactly the target.
    fn values(&mut self, row: Option<&'static SizeRow>, target: SizeTarget) -> Values {
        let class = match target {
            SizeTarget::Class(class) => class,
            // Small or micro, so size is the only question about the row.
            SizeTarget::Missing | SizeTarget::Finance => {
                if self.rng.chance(800) {
                    SizeClass::Micro
                } else {
                    SizeClass::Small
                }
            }
        };
        let mut values = Values {
            employees: Some(self.unlisted(Indicator::Employees, class)),
            revenue: Some(self.unlisted(Indicator::Revenue, class)),
            assets: Some(self.unlisted(Indicator::Assets, class)),
        };
        let Some(row) = row else {
            return values;
        };
        // Micro: one indicator (the limiting one) under the small bound is enough.
        let limiting = self.rng.below(row.indicators.len() as u64) as usize;
        for (k, indicator) in row.indicators.iter().enumerate() {
            let unit = if *indicator == Indicator::Employees {
                1
            } else {
                100
            };
            let (s, m, l) = (
                row.small[k] * unit,
                row.medium[k] * unit,
                row.large[k] * unit,
            );
            let value = match class {
                SizeClass::Large => self.rng.skewed(l, 3 * l),
                SizeClass::Medium => self.rng.skewed(m, l),
                SizeClass::Small => self.rng.skewed(s, m),
                SizeClass::Micro if k == limiting => self.rng.skewed(1, s),
                SizeClass::Micro => self.rng.skewed(1, m),
            };
            set(&mut values, *indicator, Some(value));
        }
        if target == SizeTarget::Missing {
            let k = self.rng.below(row.indicators.len() as u64) as usize;
            set(&mut values, row.indicators[k], None);
        }
        values
    }

    /// A plausible value for an indicator the row's size-table row does not use.
    fn unlisted(&mut self, indicator: Indicator, class: SizeClass) -> i64 {
        let (persons, wan) = match class {
            SizeClass::Micro => ((1, 20), (1, 1_000)),
            SizeClass::Small => ((10, 100), (50, 5_000)),
            SizeClass::Medium => ((80, 500), (1_000, 50_000)),
            SizeClass::Large => ((500, 5_000), (20_000, 500_000)),
        };
        match indicator {
            Indicator::Employees => self.rng.skewed(persons.0, persons.1),
            _ => self.rng.skewed(wan.0 * 100, wan.1 * 100),
        }
    }

    fn tax_credit(&mut self, bad: bool) -> String {
        if bad {
            // C 8 : D 4 : M 10 : not rated 3, as in the campaign's lists.
            return match self.rng.weighted(&[8, 4, 10, 3]) {
                0 => "C",
                1 => "D",
                2 => "M",
                _ if self.rng.chance(300) => "未评级",
                _ => "",
            }
            .to_owned();
        }
        // A 20 : B 55.
        if self.rng.below(75) < 20 { "A" } else { "B" }.to_owned()
    }

    fn contact(&mut self) -> (String, String) {
        if self.rng.chance(30) {
            return (String::new(), String::new());
        }
        let mut name = (*self.rng.pick(SURNAMES)).to_owned();
        name.push(*self.rng.pick(GIVEN));
        if self.rng.chance(700) {
            name.push(*self.rng.pick(GIVEN));
        }
        let phone = if self.rng.chance(900) {
            let prefix = self.rng.pick(MOBILE_PREFIXES);
            format!("{prefix}{:08}", self.rng.below(100_000_000))
        } else {
            // Local numbers never start with 0 or 1.
            format!(
                "{}-{}",
                self.ctx.area_code,
                self.rng.range(20_000_000, 90_000_000)
            )
        };
        (name, phone)
    }

    /// Overwrites the cells a cell-level defect lives in.
    fn inject(
        &mut self,
        kind: DefectKind,
        cells: &mut [String; 14],
        ring: &VecDeque<(String, String)>,
    ) {
        use DefectKind as K;
        let cell = |f: Field| f as usize;
        match kind {
            K::BadCheckChar => {
                let code = &mut cells[cell(Field::Uscc)];
                let last = code.as_bytes()[17];
                let value = CHARSET.iter().position(|c| *c == last).unwrap_or(0);
                let shift = 1 + self.rng.below(30) as usize;
                let wrong = char::from(CHARSET[(value + shift) % 31]);
                code.truncate(17);
                code.push(wrong);
            }
            K::ExcelNumberCode => {
                // Excel shows 18 digits as a 12- or 6-significant-digit float.
                let code = &cells[cell(Field::Uscc)];
                let digits = if self.rng.chance(500) { 11 } else { 5 };
                cells[cell(Field::Uscc)] = format!("{}.{}E+17", &code[..1], &code[1..=digits]);
            }
            K::BlankName => {
                cells[cell(Field::Name)] =
                    if self.rng.chance(800) { "" } else { "\u{3000}" }.to_owned();
            }
            K::ForeignRegion => {
                cells[cell(Field::RegionCode)] = self.rng.pick(&self.ctx.foreign).code.to_owned();
            }
            K::MalformedRegion => {
                let region = &cells[cell(Field::RegionCode)];
                let len = if self.rng.chance(700) { 4 } else { 5 };
                cells[cell(Field::RegionCode)] = region[..len].to_owned();
            }
            K::UnknownIndustry => {
                cells[cell(Field::IndustryCode)] =
                    (*self.rng.pick(&["C99", "C52", "Z3011", "C3", "制造业"])).to_owned();
            }
            K::NonNumericEmployees => {
                cells[cell(Field::Employees)] =
                    (*self.rng.pick(&["五十", "三十余", "二十", "十五", "一百"])).to_owned();
            }
            K::UnknownTaxCredit => {
                cells[cell(Field::TaxCredit)] =
                    (*self.rng.pick(&["E", "A+", "AAA", "优秀"])).to_owned();
            }
            K::UnknownEntityType => {
                cells[cell(Field::EntityType)] =
                    (*self
                        .rng
                        .pick(&["合伙企业", "个人独资企业", "子公司", "外资企业"]))
                    .to_owned();
            }
            K::DuplicateCode => {
                // The planner only asks for a duplicate once a clean row exists.
                if let Some((code, name)) = ring.get(self.rng.below(ring.len() as u64) as usize) {
                    cells[cell(Field::Uscc)] = code.clone();
                    cells[cell(Field::Name)] = name.clone();
                }
            }
            K::MalformedPhone => {
                let phone = match self.rng.below(3) {
                    0 => format!("{:05}", self.rng.below(100_000)),
                    1 => self.rng.range(20_000_000, 90_000_000).to_string(),
                    _ => format!(
                        "{}{:07}",
                        self.rng.pick(MOBILE_PREFIXES),
                        self.rng.below(10_000_000)
                    ),
                };
                cells[cell(Field::ContactPhone)] = phone;
                if cells[cell(Field::ContactName)].is_empty() {
                    cells[cell(Field::ContactName)] =
                        format!("{}{}", self.rng.pick(SURNAMES), self.rng.pick(GIVEN));
                }
            }
            K::BankCodeInvalid => {
                let code = &cells[cell(Field::AccountBankCode)];
                cells[cell(Field::AccountBankCode)] = match self.rng.below(3) {
                    0 => code[..11].to_owned(),
                    1 => String::new(),
                    _ => format!("{}.{}E+11", &code[..1], &code[1..7]),
                };
            }
            K::BankUnknown => {
                let code = &cells[cell(Field::AccountBankCode)];
                cells[cell(Field::AccountBankCode)] = banks::unknown_code(code, self.rng);
            }
            // Built into the row already (credit code, region, profile).
            K::OrgCodeCheck
            | K::UnlistedRegion
            | K::NotLegalPerson
            | K::SpecialCategory
            | K::Dishonest
            | K::Large
            | K::Medium
            | K::SizeUnknown
            | K::CreditLevel
            | K::TwoReasons => {}
        }
    }
}

fn set(values: &mut Values, indicator: Indicator, value: Option<i64>) {
    match indicator {
        Indicator::Employees => values.employees = value,
        Indicator::Revenue => values.revenue = value,
        Indicator::Assets => values.assets = value,
    }
}

/// Hundredths of 万元 as the cell text, `1234.50`.
fn wan(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use yinqi_domain::amount;
    use yinqi_domain::bank_code::BankCode;
    use yinqi_domain::bureau;
    use yinqi_domain::eligibility::EligibilityOptions;
    use yinqi_domain::entity;
    use yinqi_domain::industry::Section;
    use yinqi_domain::listing::{AccountBank, ListingContext, parse_record};
    use yinqi_domain::phone;
    use yinqi_domain::region;
    use yinqi_domain::size::Indicators;
    use yinqi_domain::tax_credit::{self, TaxCredit};

    fn spec(code: &str, rows: u64, seed: u64) -> ListingSpec {
        ListingSpec::new(bureau::by_code(code).unwrap(), rows, seed)
    }

    fn rows(spec: &ListingSpec) -> Vec<GeneratedRow> {
        ListingGenerator::new(spec).unwrap().collect()
    }

    /// A mix where every kind is frequent, to exercise all of them in few rows.
    fn every_kind() -> DefectMix {
        let mut mix = DefectMix::none();
        for kind in DefectKind::ALL {
            mix.set(kind, 30);
        }
        mix
    }

    fn indicators(row: &GeneratedRow) -> Indicators {
        Indicators {
            employees: amount::parse_count(row.cell(Field::Employees)).unwrap(),
            revenue: amount::parse_wan(row.cell(Field::Revenue)).unwrap(),
            assets: amount::parse_wan(row.cell(Field::Assets)).unwrap(),
        }
    }

    fn classify(row: &GeneratedRow) -> Result<SizeClass, yinqi_domain::size::SizeUnknown> {
        let code = IndustryCode::parse(row.cell(Field::IndustryCode)).unwrap();
        MIIT_2011.classify(&code, &indicators(row))
    }

    #[test]
    fn same_seed_same_rows_other_seed_other_rows() {
        let a = rows(&spec("37", 3_000, 1));
        assert_eq!(a, rows(&spec("37", 3_000, 1)));
        let b = rows(&spec("37", 3_000, 2));
        assert_ne!(a, b);
        assert!(a.iter().zip(&b).filter(|(x, y)| x.cells == y.cells).count() < 10);
        // A prefix of a longer list is the shorter list.
        let longer = rows(&spec("37", 4_000, 1));
        assert_eq!(a[..], longer[..3_000]);
    }

    #[test]
    fn clean_credit_codes_parse_and_all_codes_are_unique_over_200k_rows() {
        let s = spec("44", 200_000, 9);
        let mut seen: HashSet<String> = HashSet::with_capacity(200_000);
        let mut clean = 0;
        for row in ListingGenerator::new(&s).unwrap() {
            let code = row.cell(Field::Uscc);
            if row.defect.is_none() {
                let parsed = Uscc::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
                assert!(parsed.org_code_valid, "{code}");
                assert_eq!(parsed.code.as_str(), code);
                assert_eq!(parsed.code.region_part(), row.cell(Field::RegionCode));
                clean += 1;
            }
            match row.defect {
                Some(DefectKind::DuplicateCode) => {
                    assert!(seen.contains(code), "duplicate of an earlier row: {code}");
                }
                // What Excel left of a code is not a code; several may look alike.
                Some(DefectKind::ExcelNumberCode) => {}
                _ => {
                    assert!(seen.insert(code.to_owned()), "repeated code {code}");
                }
            }
        }
        assert!(clean > 120_000, "{clean}");
    }

    #[test]
    fn clean_rows_are_plausible() {
        let s = spec("3702", 5_000, 3);
        let registry: HashSet<String> = banks::bank_registry(s.bank_seed)
            .into_iter()
            .filter(|b| s.bureau.contains(&b.region_code))
            .map(|b| b.code)
            .collect();
        for row in rows(&s).iter().filter(|r| r.defect.is_none()) {
            let region = row.cell(Field::RegionCode);
            assert!(
                s.bureau.contains(region) && region::lookup(region).is_some(),
                "{region}"
            );
            assert!(registry.contains(row.cell(Field::AccountBankCode)));
            let name = row.cell(Field::Name);
            assert!(name.ends_with("公司") || name.ends_with("合作社"), "{name}");
            assert!(name.chars().count() >= 8, "{name}");
            let size = classify(row);
            assert!(
                matches!(size, Ok(SizeClass::Micro | SizeClass::Small)),
                "{size:?}"
            );
            let level = tax_credit::parse(row.cell(Field::TaxCredit)).unwrap();
            assert!(matches!(level, Some(TaxCredit::A | TaxCredit::B)));
            let t = entity::parse_entity_type(row.cell(Field::EntityType)).unwrap();
            assert!(t.is_legal_person());
            assert_eq!(
                entity::parse_special_category(row.cell(Field::SpecialCategory)),
                Ok(None)
            );
            assert_eq!(
                entity::parse_dishonest(row.cell(Field::Dishonest)),
                Ok(false)
            );
            let phone = row.cell(Field::ContactPhone);
            assert!(phone.is_empty() || phone::parse(phone).is_ok(), "{phone}");
            for f in [Field::Revenue, Field::Assets] {
                let cell = row.cell(f);
                assert!(
                    cell.len() >= 4 && cell.as_bytes()[cell.len() - 3] == b'.',
                    "{cell}"
                );
            }
        }
    }

    #[test]
    fn planned_defects_are_really_in_the_cells() {
        let mut s = spec("37", 30_000, 11);
        s.mix = every_kind();
        let registry: HashSet<String> = banks::bank_registry(s.bank_seed)
            .into_iter()
            .map(|b| b.code)
            .collect();
        let mut seen = HashSet::new();
        for row in rows(&s) {
            let Some(kind) = row.defect else { continue };
            seen.insert(kind);
            let c = |f| row.cell(f);
            use DefectKind as K;
            match kind {
                K::BadCheckChar => assert!(matches!(
                    Uscc::parse(c(Field::Uscc)),
                    Err(yinqi_domain::uscc::UsccError::CheckChar { .. }
                        | yinqi_domain::uscc::UsccError::LostDigits { .. })
                )),
                K::ExcelNumberCode => {
                    assert!(c(Field::Uscc).ends_with("E+17"));
                    assert!(matches!(
                        Uscc::parse(c(Field::Uscc)),
                        Err(yinqi_domain::uscc::UsccError::LostDigits { .. })
                    ));
                }
                K::BlankName => assert!(c(Field::Name).trim().is_empty()),
                K::ForeignRegion => {
                    assert!(region::lookup(c(Field::RegionCode)).is_some());
                    assert!(!s.bureau.contains(c(Field::RegionCode)));
                }
                K::MalformedRegion => assert!(region::parse_code(c(Field::RegionCode)).is_err()),
                K::UnknownIndustry => assert!(IndustryCode::parse(c(Field::IndustryCode)).is_err()),
                K::NonNumericEmployees => {
                    assert!(amount::parse_count(c(Field::Employees)).is_err());
                }
                K::UnknownTaxCredit => assert!(tax_credit::parse(c(Field::TaxCredit)).is_err()),
                K::UnknownEntityType => {
                    assert!(entity::parse_entity_type(c(Field::EntityType)).is_err());
                }
                K::DuplicateCode => assert!(Uscc::parse(c(Field::Uscc)).is_ok()),
                K::OrgCodeCheck => {
                    let parsed = Uscc::parse(c(Field::Uscc)).unwrap();
                    assert!(!parsed.org_code_valid);
                }
                K::UnlistedRegion => {
                    let region = c(Field::RegionCode);
                    assert!(region::is_well_formed(region) && region::lookup(region).is_none());
                    assert!(s.bureau.contains(region));
                }
                K::MalformedPhone => assert!(phone::parse(c(Field::ContactPhone)).is_err()),
                K::NotLegalPerson => {
                    let t = entity::parse_entity_type(c(Field::EntityType)).unwrap();
                    assert!(!t.is_legal_person());
                    let category = if t == EntityType::IndividualBusiness {
                        "92"
                    } else {
                        "91"
                    };
                    assert!(c(Field::Uscc).starts_with(category));
                }
                K::SpecialCategory => {
                    assert!(
                        entity::parse_special_category(c(Field::SpecialCategory))
                            .unwrap()
                            .is_some()
                    );
                }
                K::Dishonest => assert_eq!(entity::parse_dishonest(c(Field::Dishonest)), Ok(true)),
                K::Large => assert_eq!(classify(&row), Ok(SizeClass::Large)),
                K::Medium => assert_eq!(classify(&row), Ok(SizeClass::Medium)),
                K::SizeUnknown => assert!(classify(&row).is_err()),
                K::CreditLevel => {
                    let level = tax_credit::parse(c(Field::TaxCredit)).unwrap();
                    assert!(!EligibilityOptions::default().accepts(level));
                }
                K::TwoReasons => {}
                K::BankCodeInvalid => assert!(BankCode::parse(c(Field::AccountBankCode)).is_err()),
                K::BankUnknown => {
                    let code = c(Field::AccountBankCode);
                    assert_eq!(code.len(), 12);
                    assert!(BankCode::parse(code).is_ok());
                    assert!(!registry.contains(code), "{code}");
                }
            }
        }
        assert_eq!(seen.len(), DefectKind::ALL.len());
    }

    /// What the import must make of the rows, found independently of the plan: the domain's
    /// row parser and screening, the registry, and "every later occurrence of a code is held
    /// back". Every row's planned outcome must match.
    fn cross_check(s: &ListingSpec) -> ExpectedSummary {
        let registry: HashSet<String> = banks::bank_registry(s.bank_seed)
            .into_iter()
            .map(|b| b.code)
            .collect();
        let options = EligibilityOptions::default();
        let ctx = ListingContext {
            bureau: s.bureau,
            standard: &MIIT_2011,
            options: &options,
        };
        let mut staged: HashSet<String> = HashSet::new();
        let mut observed = ExpectedSummary::default();
        let mut generator = ListingGenerator::new(s).unwrap();
        for (line, row) in generator.by_ref().enumerate() {
            let outcome = match parse_record(|f| row.cell(f), &ctx) {
                Err(_) => Outcome::Rejected,
                Ok(record) if !staged.insert(record.uscc.to_string()) => Outcome::Rejected,
                Ok(record) => {
                    let warning = !record.warnings.is_empty();
                    if let Some(reason) = record.exclusions.first() {
                        assert!(!warning, "line {line}: excluded row with a warning");
                        Outcome::Excluded(reason)
                    } else {
                        match record.account_bank {
                            AccountBank::Valid(code) if registry.contains(code.as_str()) => {
                                Outcome::Assigned { warning }
                            }
                            AccountBank::Valid(_) => Outcome::Unassigned(Unassigned::BankUnknown),
                            AccountBank::Invalid(_) | AccountBank::Missing => {
                                Outcome::Unassigned(Unassigned::BankCodeInvalid)
                            }
                        }
                    }
                }
            };
            assert!(
                outcome == row.outcome,
                "line {line}: planned {:?} ({:?}) but the row reads as {outcome:?}: {:?}",
                row.outcome,
                row.defect,
                row.cells
            );
            if !matches!(outcome, Outcome::Assigned { warning: true })
                && outcome != Outcome::Rejected
            {
                // Warnings only where planned.
                let record = parse_record(|f| row.cell(f), &ctx).unwrap();
                assert!(record.warnings.is_empty(), "line {line}: unplanned warning");
            }
            observed.record(outcome);
        }
        assert_eq!(observed, generator.expected());
        observed
    }

    #[test]
    fn every_planned_outcome_is_what_the_domain_rules_make_of_the_row() {
        for code in ["3702", "11", "46", "65"] {
            let mut s = spec(code, 8_000, 21);
            s.mix = every_kind();
            let summary = cross_check(&s);
            assert!(summary.adds_up());
            assert!(summary.excluded.len() >= 7, "{summary:?}");
        }
        let summary = cross_check(&spec("44", 20_000, 22));
        assert!(summary.adds_up());
    }

    #[test]
    fn the_summary_adds_up_and_is_known_up_front() {
        let s = spec("33", 50_000, 4);
        let mut generator = ListingGenerator::new(&s).unwrap();
        let n = generator.by_ref().count() as u64;
        let summary = generator.expected();
        assert_eq!(n, 50_000);
        assert_eq!(summary.rows, 50_000);
        assert!(summary.adds_up(), "{summary:?}");
        assert_eq!(summary, s.expected_summary());
        assert_eq!(summary.duplicates, 0);
        // The default mix: ≈ 1.3 % rejected, ≈ 1 % warnings, ≈ 33 % excluded, mostly for the
        // credit level.
        let share = |n: u64| n as f64 / 50_000.0;
        assert!(
            (0.008..0.02).contains(&share(summary.rejected)),
            "{summary:?}"
        );
        assert!(
            (0.006..0.014).contains(&share(summary.warnings)),
            "{summary:?}"
        );
        assert!((0.22..0.28).contains(&share(summary.excluded["credit_level"])));
        assert!(
            (0.60..0.68).contains(&share(summary.assigned)),
            "{summary:?}"
        );
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["rows"], 50_000);
        assert!(json["excluded"]["duplicate"].is_null());
    }

    #[test]
    fn sizes_and_credit_levels_follow_the_campaigns_shape() {
        let s = spec("32", 40_000, 8);
        let mut sizes = HashMap::new();
        let mut levels = HashMap::new();
        let mut sections = HashMap::new();
        for row in rows(&s) {
            if row.defect.is_some_and(|k| k.is_rejected()) {
                continue;
            }
            if let Ok(class) = classify(&row) {
                *sizes.entry(class).or_insert(0u32) += 1;
            }
            let level = tax_credit::parse(row.cell(Field::TaxCredit)).unwrap();
            *levels.entry(level).or_insert(0u32) += 1;
            let code = IndustryCode::parse(row.cell(Field::IndustryCode)).unwrap();
            *sections.entry(code.section()).or_insert(0u32) += 1;
        }
        let total: u32 = sizes.values().sum();
        let share = |n: Option<&u32>| f64::from(*n.unwrap_or(&0)) / f64::from(total);
        assert!(
            (0.76..0.84).contains(&share(sizes.get(&SizeClass::Micro))),
            "{sizes:?}"
        );
        assert!(
            (0.13..0.19).contains(&share(sizes.get(&SizeClass::Small))),
            "{sizes:?}"
        );
        assert!(
            (0.02..0.045).contains(&share(sizes.get(&SizeClass::Medium))),
            "{sizes:?}"
        );
        assert!(
            (0.005..0.02).contains(&share(sizes.get(&SizeClass::Large))),
            "{sizes:?}"
        );
        let all: u32 = levels.values().sum();
        let level = |l| f64::from(*levels.get(&l).unwrap_or(&0)) / f64::from(all);
        assert!(
            (0.17..0.23).contains(&level(Some(TaxCredit::A))),
            "{levels:?}"
        );
        assert!(
            (0.50..0.60).contains(&level(Some(TaxCredit::B))),
            "{levels:?}"
        );
        assert!(
            (0.08..0.12).contains(&level(Some(TaxCredit::M))),
            "{levels:?}"
        );
        assert!(
            (0.06..0.10).contains(&level(Some(TaxCredit::C))),
            "{levels:?}"
        );
        assert!(
            (0.03..0.05).contains(&level(Some(TaxCredit::D))),
            "{levels:?}"
        );
        assert!((0.02..0.04).contains(&level(None)), "{levels:?}");
        let all: u32 = sections.values().sum();
        let section = |s| f64::from(*sections.get(&s).unwrap_or(&0)) / f64::from(all);
        assert!((0.17..0.23).contains(&section(Section::C)), "{sections:?}");
        assert!((0.27..0.34).contains(&section(Section::F)), "{sections:?}");
    }

    #[test]
    fn size_values_meet_their_bounds_exactly() {
        // Indicators sit anywhere in their band, including on a bound: check the classifier
        // agrees on many rows of every industry.
        let mut s = spec("41", 20_000, 5);
        s.mix = DefectMix::none()
            .with(DefectKind::Large, 200)
            .with(DefectKind::Medium, 200);
        for row in rows(&s) {
            let expected = match row.defect {
                Some(DefectKind::Large) => SizeClass::Large,
                Some(DefectKind::Medium) => SizeClass::Medium,
                _ => continue,
            };
            assert_eq!(classify(&row), Ok(expected), "{:?}", row.cells);
        }
    }

    #[test]
    fn a_mix_over_1000_per_mille_is_refused() {
        let mut s = spec("11", 10, 1);
        s.mix = DefectMix::none().with(DefectKind::CreditLevel, 1001);
        assert!(ListingGenerator::new(&s).is_err());
        s.mix = DefectMix::none().with(DefectKind::CreditLevel, 1000);
        let summary = {
            let mut g = ListingGenerator::new(&s).unwrap();
            g.by_ref().for_each(drop);
            g.expected()
        };
        assert_eq!(summary.excluded.get("credit_level"), Some(&10));
        assert_eq!(listing_headers()[0], "统一社会信用代码");
    }

    #[test]
    fn duplicates_before_any_clean_row_stay_clean() {
        let mut s = spec("12", 200, 1);
        s.mix = DefectMix::none().with(DefectKind::DuplicateCode, 1000);
        let all = rows(&s);
        assert_eq!(all[0].defect, None, "nothing to copy yet");
        assert!(
            all[1..]
                .iter()
                .all(|r| r.defect == Some(DefectKind::DuplicateCode))
        );
        assert!(all[1..].iter().all(|r| r.cells[0] == all[0].cells[0]));
        let summary = s.expected_summary();
        assert_eq!((summary.assigned, summary.rejected), (1, 199));
        s.mix = DefectMix::none().with(DefectKind::DuplicateCode, 500);
        let all = rows(&s);
        assert_eq!(all[0].defect, None);
        assert!(
            all.iter()
                .any(|r| r.defect == Some(DefectKind::DuplicateCode))
        );
        assert_eq!(s.expected_summary(), {
            let mut g = ListingGenerator::new(&s).unwrap();
            g.by_ref().for_each(drop);
            g.expected()
        });
    }

    #[test]
    #[ignore = "timing; run with --release -- --ignored --nocapture"]
    fn generation_speed() {
        let s = spec("44", 1_000_000, 1);
        let start = std::time::Instant::now();
        let mut bytes = 0usize;
        let mut generator = ListingGenerator::new(&s).unwrap();
        for row in generator.by_ref() {
            bytes += row.cells.iter().map(String::len).sum::<usize>();
        }
        let elapsed = start.elapsed();
        println!(
            "1,000,000 rows ({} MB of cell text) in {:.2?}: {:.0} rows/s",
            bytes / 1_000_000,
            elapsed,
            1e6 / elapsed.as_secs_f64()
        );
        assert_eq!(generator.expected().rows, 1_000_000);
    }
}
