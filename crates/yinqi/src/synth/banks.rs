//! A synthetic national bank registry (银行机构名录): provincial, city and sub-branches of
//! the big state banks, joint-stock banks, a city commercial bank per prefecture, rural
//! commercial banks, village banks and a few private banks — about 10,000 branches with
//! unique 12-digit payment-system codes (DOMAIN §7). Enterprise lists draw their basic
//! account banks from it, so loading both gives a campaign where assignment works.

use std::collections::{HashMap, HashSet};

use yinqi_domain::bureau::{self, Bureau};

use super::geo::{self, Area};
use super::rng::Rng;

/// Column headers of the registry file, in [`BranchRow::cells`] order.
pub const BANK_HEADERS: [&str; 6] = [
    "行号",
    "网点名称",
    "法人机构",
    "机构类型",
    "行政区划代码",
    "上级行号",
];

/// One branch of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchRow {
    /// 12-digit payment-system bank code.
    pub code: String,
    /// Branch name, e.g. `中国工商银行青岛市南支行`.
    pub name: String,
    /// The legal entity (法人机构) it belongs to, e.g. `中国工商银行`.
    pub bank_name: String,
    /// 国有大型银行, 股份制银行, 城市商业银行, 农村商业银行, 村镇银行 or 民营银行.
    pub bank_type: &'static str,
    /// Region code of the branch's location (a county of its bureau).
    pub region_code: String,
    /// Code of the branch it reports to; `None` for provincial branches and head offices.
    pub parent_code: Option<String>,
}

impl BranchRow {
    /// The row's cells in [`BANK_HEADERS`] order.
    pub fn cells(&self) -> [&str; 6] {
        [
            &self.code,
            &self.name,
            &self.bank_name,
            self.bank_type,
            &self.region_code,
            self.parent_code.as_deref().unwrap_or(""),
        ]
    }
}

pub(crate) const STATE: &str = "国有大型银行";
pub(crate) const JOINT_STOCK: &str = "股份制银行";
pub(crate) const CITY_COMMERCIAL: &str = "城市商业银行";
pub(crate) const RURAL_COMMERCIAL: &str = "农村商业银行";
pub(crate) const VILLAGE: &str = "村镇银行";
pub(crate) const PRIVATE: &str = "民营银行";

/// The big state banks: category, name, and how many counties of a prefecture get a
/// sub-branch (ABC and the postal bank reach further into the countryside).
const STATE_BANKS: [(&str, &str, usize); 6] = [
    ("102", "中国工商银行", 2),
    ("103", "中国农业银行", 3),
    ("104", "中国银行", 1),
    ("105", "中国建设银行", 2),
    ("301", "交通银行", 1),
    ("403", "中国邮政储蓄银行", 2),
];

const JOINT_STOCK_BANKS: [(&str, &str); 9] = [
    ("302", "中信银行"),
    ("303", "中国光大银行"),
    ("304", "华夏银行"),
    ("305", "中国民生银行"),
    ("306", "广发银行"),
    ("307", "平安银行"),
    ("308", "招商银行"),
    ("309", "兴业银行"),
    ("310", "上海浦东发展银行"),
];

/// Private banks (category 323 in the payment system, e.g. 微众银行 323584000888), one in
/// a few bureaus, named as the real ones are.
const PRIVATE_BANKS: [(&str, &str); 9] = [
    ("11", "北京中关村银行"),
    ("12", "天津金城银行"),
    ("31", "上海华瑞银行"),
    ("33", "浙江网商银行"),
    ("42", "武汉众邦银行"),
    ("43", "湖南三湘银行"),
    ("4403", "深圳前海微众银行"),
    ("50", "重庆富民银行"),
    ("51", "四川新网银行"),
];

/// Sponsor banks that village banks (村镇银行) are usually named after.
const VILLAGE_SPONSORS: [&str; 8] = [
    "中银富登",
    "建信",
    "浦发",
    "兴福",
    "国民",
    "汇通",
    "民生",
    "齐鲁",
];

/// Serials at or above this value are never given to a registry branch, so
/// [`unknown_code`] can build well-formed codes guaranteed to be absent.
pub(crate) const FIRST_UNUSED_SERIAL: u32 = 9000;

/// A branch plus whether enterprises open basic accounts there (sub-branches and local
/// banks' head offices do; provincial and city-level management branches don't).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub row: BranchRow,
    pub assignable: bool,
}

/// The deterministic check digit of the synthetic codes. The real algorithm is unpublished
/// (DOMAIN §7) and nothing validates it; any fixed function keeps codes reproducible.
pub(crate) fn check_digit(first11: &str) -> char {
    const WEIGHTS: [u32; 3] = [3, 7, 1];
    let sum: u32 = first11
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * WEIGHTS[i % 3])
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A well-formed code with the category and city of `like` whose serial is in the range the
/// registry never uses: what a bank code typo or a branch missing from the registry looks like.
pub(crate) fn unknown_code(like: &str, rng: &mut Rng) -> String {
    let serial = FIRST_UNUSED_SERIAL + rng.below(u64::from(10_000 - FIRST_UNUSED_SERIAL)) as u32;
    let first11 = format!("{}{serial:04}", &like[..7]);
    let check = check_digit(&first11);
    format!("{first11}{check}")
}

/// The legal entity a branch belongs to: payment-system category, name and type.
#[derive(Clone, Copy, Debug)]
struct Bank<'a> {
    category: &'static str,
    name: &'a str,
    kind: &'static str,
}

struct Builder {
    rng: Rng,
    entries: Vec<Entry>,
    serials: HashMap<(&'static str, String), u32>,
    local_names: HashSet<String>,
}

impl Builder {
    fn push(
        &mut self,
        bank: Bank<'_>,
        name: String,
        region_code: &str,
        parent: Option<&str>,
        assignable: bool,
    ) -> String {
        let Bank {
            category,
            name: bank_name,
            kind: bank_type,
        } = bank;
        let city = region_code[..4].to_owned();
        let serial = self.serials.entry((category, city.clone())).or_insert(0);
        *serial += 1;
        assert!(
            *serial < FIRST_UNUSED_SERIAL,
            "too many branches in {category}{city}"
        );
        let first11 = format!("{category}{city}{:04}", *serial);
        let code = format!("{first11}{}", check_digit(&first11));
        self.entries.push(Entry {
            row: BranchRow {
                code: code.clone(),
                name,
                bank_name: bank_name.to_owned(),
                bank_type,
                region_code: region_code.to_owned(),
                parent_code: parent.map(str::to_owned),
            },
            assignable,
        });
        code
    }

    /// The first candidate name not yet taken by a local bank (banks are matched by name
    /// when the registry is loaded, so two different banks must never share one).
    fn unique_name(&mut self, candidates: &[String]) -> String {
        let name = candidates
            .iter()
            .find(|c| !self.local_names.contains(*c))
            .cloned()
            .unwrap_or_else(|| {
                let base = &candidates[candidates.len() - 1];
                (2..)
                    .map(|n| format!("{base}{n}"))
                    .find(|c| !self.local_names.contains(c))
                    .unwrap_or_default()
            });
        self.local_names.insert(name.clone());
        name
    }

    /// `count` distinct units of an area, in code order.
    fn some_units<'a>(&mut self, area: &'a Area, count: usize) -> Vec<&'a geo::Unit> {
        let mut units: Vec<&geo::Unit> = area.units.iter().collect();
        self.rng.shuffle(&mut units);
        units.truncate(count.min(area.units.len()));
        units.sort_by_key(|u| u.code);
        units
    }

    fn bureau(&mut self, bureau: &Bureau) {
        let areas = geo::areas(bureau);
        let Some(capital) = areas.first() else {
            return;
        };
        let hq = capital.units[0].code;
        let capital_city = capital.city.clone();
        let municipality = geo::is_municipality(bureau);
        // Provinces have a city (二级分行) level; municipalities and the five cities don't.
        let city_level = !municipality && !bureau.is_city();
        let area_name = bureau.region().map_or("", |r| r.name);

        let state: Vec<String> = STATE_BANKS
            .iter()
            .map(|(cat, bank, _)| {
                self.push(
                    Bank {
                        category: cat,
                        name: bank,
                        kind: STATE,
                    },
                    format!("{bank}{area_name}分行"),
                    hq,
                    None,
                    false,
                )
            })
            .collect();
        let mut joint: Vec<(usize, String)> = Vec::new();
        let wanted = if city_level {
            4 + self.rng.below(6)
        } else {
            7 + self.rng.below(3)
        };
        let mut order: Vec<usize> = (0..JOINT_STOCK_BANKS.len()).collect();
        self.rng.shuffle(&mut order);
        order.truncate(wanted as usize);
        order.sort_unstable();
        for i in order {
            let (cat, bank) = JOINT_STOCK_BANKS[i];
            let code = self.push(
                Bank {
                    category: cat,
                    name: bank,
                    kind: JOINT_STOCK,
                },
                format!("{bank}{capital_city}分行"),
                hq,
                None,
                false,
            );
            joint.push((i, code));
        }
        if let Some((_, bank)) = PRIVATE_BANKS.iter().find(|(b, _)| *b == bureau.code) {
            self.local_names.insert((*bank).to_owned());
            self.push(
                Bank {
                    category: "323",
                    name: bank,
                    kind: PRIVATE,
                },
                (*bank).to_owned(),
                hq,
                None,
                true,
            );
        }
        // Municipalities have one city bank and one rural commercial bank for the whole city.
        let municipal_banks: Vec<(&'static str, &'static str, String, String)> = if municipality {
            [
                ("313", CITY_COMMERCIAL, format!("{capital_city}银行")),
                (
                    "314",
                    RURAL_COMMERCIAL,
                    format!("{capital_city}农村商业银行"),
                ),
            ]
            .into_iter()
            .map(|(category, kind, name)| {
                self.local_names.insert(name.clone());
                let bank = Bank {
                    category,
                    name: &name,
                    kind,
                };
                let head = self.push(bank, name.clone(), hq, None, true);
                (category, kind, name, head)
            })
            .collect()
        } else {
            Vec::new()
        };

        for (index, area) in areas.iter().enumerate() {
            // A separately-planned city is one big area: a denser network than a prefecture.
            let extra = if bureau.is_city() { 2 } else { 0 };
            self.state_branches(area, &state, city_level, extra);
            self.joint_stock_branches(area, &joint, city_level, index == 0, extra);
            if !municipality {
                self.local_banks(bureau, area);
            }
            for (category, kind, name, head) in &municipal_banks {
                let (category, kind) = (*category, *kind);
                let count = 1 + self.rng.below(2) as usize;
                for unit in self.some_units(area, count) {
                    let bank = Bank {
                        category,
                        name,
                        kind,
                    };
                    self.push(
                        bank,
                        format!("{name}{}支行", unit.short),
                        unit.code,
                        Some(head),
                        true,
                    );
                }
            }
            self.village_bank(area);
        }
    }

    fn state_branches(
        &mut self,
        area: &Area,
        provincial: &[String],
        city_level: bool,
        extra: usize,
    ) {
        let seat = area.units[0].code;
        for ((cat, bank, reach), prov) in STATE_BANKS.iter().zip(provincial) {
            let parent = if city_level {
                self.push(
                    Bank {
                        category: cat,
                        name: bank,
                        kind: STATE,
                    },
                    format!("{bank}{}分行", area.city),
                    seat,
                    Some(prov),
                    false,
                )
            } else {
                prov.clone()
            };
            // Municipal district groups are small: one or two sub-branches per bank.
            let count = if city_level || extra > 0 {
                reach + extra
            } else {
                1 + self.rng.below(2) as usize
            };
            for unit in self.some_units(area, count) {
                let place = if unit.short == area.city {
                    format!("{}城区", area.city)
                } else {
                    format!("{}{}", area.city, unit.short)
                };
                self.push(
                    Bank {
                        category: cat,
                        name: bank,
                        kind: STATE,
                    },
                    format!("{bank}{place}支行"),
                    unit.code,
                    Some(&parent),
                    true,
                );
            }
        }
    }

    fn joint_stock_branches(
        &mut self,
        area: &Area,
        provincial: &[(usize, String)],
        city_level: bool,
        is_capital: bool,
        extra: usize,
    ) {
        for (i, prov) in provincial {
            let (cat, bank) = JOINT_STOCK_BANKS[*i];
            let (parent, count) = if extra > 0 {
                (prov.clone(), extra + self.rng.below(2) as usize)
            } else if !city_level {
                if !self.rng.chance(500) {
                    continue;
                }
                (prov.clone(), 1)
            } else if is_capital {
                (prov.clone(), 1 + self.rng.below(2) as usize)
            } else if self.rng.chance(250) {
                let city_branch = self.push(
                    Bank {
                        category: cat,
                        name: bank,
                        kind: JOINT_STOCK,
                    },
                    format!("{bank}{}分行", area.city),
                    area.units[0].code,
                    Some(prov),
                    false,
                );
                (city_branch, 1)
            } else {
                continue;
            };
            for unit in self.some_units(area, count) {
                let name = if unit.short == area.city {
                    format!("{bank}{}营业部", area.city)
                } else {
                    format!("{bank}{}{}支行", area.city, unit.short)
                };
                self.push(
                    Bank {
                        category: cat,
                        name: bank,
                        kind: JOINT_STOCK,
                    },
                    name,
                    unit.code,
                    Some(&parent),
                    true,
                );
            }
        }
    }

    /// The prefecture's city commercial bank and its counties' rural commercial banks.
    fn local_banks(&mut self, bureau: &Bureau, area: &Area) {
        let province = bureau::by_code(&bureau.code[..2])
            .and_then(Bureau::region)
            .map_or(String::new(), |r| geo::short_city(r.name));
        // Directly administered county-level cities have no city bank of their own.
        let is_direct = area.units.len() == 1 && area.units[0].short == area.city;
        if !is_direct {
            let bank = self.unique_name(&[
                format!("{}银行", area.city),
                format!("{province}{}银行", area.city),
            ]);
            let head = self.push(
                Bank {
                    category: "313",
                    name: &bank,
                    kind: CITY_COMMERCIAL,
                },
                bank.clone(),
                area.units[0].code,
                None,
                true,
            );
            let count = 2 + self.rng.below(2) as usize;
            for unit in self.some_units(area, count) {
                self.push(
                    Bank {
                        category: "313",
                        name: &bank,
                        kind: CITY_COMMERCIAL,
                    },
                    format!("{bank}{}支行", unit.short),
                    unit.code,
                    Some(&head),
                    true,
                );
            }
        }
        let mut rural: Vec<&geo::Unit> =
            area.units.iter().filter(|_| self.rng.chance(500)).collect();
        if rural.is_empty() {
            rural.push(&area.units[self.rng.below(area.units.len() as u64) as usize]);
        }
        for unit in rural {
            let bank = self.unique_name(&[
                format!("{}农村商业银行", unit.short),
                format!("{}{}农村商业银行", area.city, unit.short),
                format!("{province}{}{}农村商业银行", area.city, unit.short),
            ]);
            let head = self.push(
                Bank {
                    category: "314",
                    name: &bank,
                    kind: RURAL_COMMERCIAL,
                },
                bank.clone(),
                unit.code,
                None,
                true,
            );
            if self.rng.chance(400) {
                self.push(
                    Bank {
                        category: "314",
                        name: &bank,
                        kind: RURAL_COMMERCIAL,
                    },
                    format!("{bank}营业部"),
                    unit.code,
                    Some(&head),
                    true,
                );
            }
        }
    }

    fn village_bank(&mut self, area: &Area) {
        if !self.rng.chance(600) {
            return;
        }
        let unit = &area.units[self.rng.below(area.units.len() as u64) as usize];
        let sponsor = *self.rng.pick(&VILLAGE_SPONSORS);
        let bank = self.unique_name(&[
            format!("{}{sponsor}村镇银行", unit.short),
            format!("{}{}{sponsor}村镇银行", area.city, unit.short),
        ]);
        self.push(
            Bank {
                category: "320",
                name: &bank,
                kind: VILLAGE,
            },
            bank.clone(),
            unit.code,
            None,
            true,
        );
    }
}

/// Every branch with its assignability, in a fixed order (bureau by bureau).
pub(crate) fn registry_entries(seed: u64) -> Vec<Entry> {
    let mut builder = Builder {
        rng: Rng::new(seed ^ 0xBA4C_0DE5),
        entries: Vec::with_capacity(12_000),
        serials: HashMap::new(),
        local_names: HashSet::new(),
    };
    for b in bureau::all() {
        builder.bureau(b);
    }
    builder.entries
}

/// The national bank registry for `seed`: about 10,000 branches of every bureau, codes
/// unique, each branch's region inside a bureau, parents listed before their children.
pub fn bank_registry(seed: u64) -> Vec<BranchRow> {
    registry_entries(seed).into_iter().map(|e| e.row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinqi_domain::bank_code::BankCode;
    use yinqi_domain::region;

    #[test]
    fn codes_are_unique_twelve_digits_and_parents_come_first() {
        let rows = bank_registry(7);
        assert!((8_000..14_000).contains(&rows.len()), "{} rows", rows.len());
        let mut seen = HashSet::new();
        for row in &rows {
            assert_eq!(row.code.len(), 12, "{}", row.code);
            assert!(row.code.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(
                BankCode::parse(&row.code).map(|c| c.to_string()),
                Ok(row.code.clone())
            );
            if let Some(parent) = &row.parent_code {
                assert!(
                    seen.contains(parent),
                    "{} before its parent {parent}",
                    row.code
                );
            }
            assert!(seen.insert(row.code.clone()), "duplicate {}", row.code);
            let serial: u32 = row.code[7..11].parse().unwrap();
            assert!(serial < FIRST_UNUSED_SERIAL);
            assert_eq!(row.code[3..7], row.region_code[..4]);
        }
    }

    #[test]
    fn every_branch_is_in_a_bureau_and_every_bureau_has_branches() {
        let rows = bank_registry(7);
        let mut per_bureau: HashMap<&str, usize> = HashMap::new();
        for row in &rows {
            assert!(
                region::lookup(&row.region_code).is_some(),
                "{}",
                row.region_code
            );
            let owner = bureau::for_region(&row.region_code);
            assert!(owner.is_some(), "{}", row.region_code);
            *per_bureau.entry(owner.map_or("", |b| b.code)).or_default() += 1;
            assert!(
                !row.name.is_empty() && row.name.contains("银行"),
                "{}",
                row.name
            );
            assert!(row.name.starts_with(&row.bank_name) || row.name == row.bank_name);
        }
        assert_eq!(per_bureau.len(), 36);
        assert!(per_bureau.values().all(|n| *n >= 60), "{per_bureau:?}");
    }

    #[test]
    fn bank_names_map_to_one_type_and_categories_are_known_or_private() {
        let rows = bank_registry(3);
        let mut types: HashMap<&str, &str> = HashMap::new();
        for row in &rows {
            let previous = types.insert(&row.bank_name, row.bank_type);
            assert!(
                previous.is_none_or(|t| t == row.bank_type),
                "{}",
                row.bank_name
            );
            let category = &row.code[..3];
            assert!(
                yinqi_domain::bank_code::category_name(category).is_some() || category == "323",
                "{category}"
            );
        }
        for t in [
            STATE,
            JOINT_STOCK,
            CITY_COMMERCIAL,
            RURAL_COMMERCIAL,
            VILLAGE,
            PRIVATE,
        ] {
            assert!(types.values().any(|v| *v == t), "{t}");
        }
        assert!(rows.iter().any(|r| r.name == "中国工商银行山东省分行"));
        assert!(rows.iter().any(|r| r.name == "青岛银行"));
        assert!(
            rows.iter()
                .any(|r| r.name.starts_with("中国工商银行青岛") && r.name.ends_with("支行"))
        );
    }

    #[test]
    fn deterministic_per_seed() {
        assert_eq!(bank_registry(11), bank_registry(11));
        assert_ne!(bank_registry(11), bank_registry(12));
    }

    #[test]
    fn unknown_codes_are_well_formed_and_absent() {
        let rows = bank_registry(5);
        let codes: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        let mut rng = Rng::new(1);
        for row in rows.iter().take(500) {
            let unknown = unknown_code(&row.code, &mut rng);
            assert_eq!(unknown.len(), 12);
            assert!(BankCode::parse(&unknown).is_ok());
            assert!(!codes.contains(unknown.as_str()), "{unknown}");
        }
        assert_eq!(check_digit("10210009999"), check_digit("10210009999"));
    }
}
