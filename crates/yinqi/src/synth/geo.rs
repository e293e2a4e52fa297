//! Geography for synthetic data: the registration units of each bureau (counties, plus the
//! few prefecture-level cities that have no counties, like 东莞) and the short place names
//! Chinese enterprise and bank names are built from (`青岛市` → `青岛`, `即墨区` → `即墨`).

use yinqi_domain::bureau::Bureau;
use yinqi_domain::region::{self, Region};

/// Name suffix of the pseudo-prefectures grouping county-level cities directly under a
/// province (429000 省直辖县级行政区划): their counties stand as their own cities.
const DIRECT_COUNTIES_SUFFIX: &str = "直辖县级行政区划";

/// Ethnic designations stripped from autonomous prefecture and county names, longest first
/// so that `蒙古族` goes before `蒙古`.
const ETHNIC: [&str; 24] = [
    "柯尔克孜",
    "哈萨克",
    "蒙古族",
    "朝鲜族",
    "土家族",
    "布依族",
    "哈尼族",
    "景颇族",
    "傈僳族",
    "达斡尔族",
    "鄂温克族",
    "蒙古",
    "苗族",
    "藏族",
    "羌族",
    "彝族",
    "侗族",
    "壮族",
    "傣族",
    "白族",
    "回族",
    "黎族",
    "瑶族",
    "满族",
];

/// One place an enterprise can be registered in.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The 6-digit region code.
    pub code: &'static str,
    /// The official name (`即墨区`).
    pub name: &'static str,
    /// Short county name (`即墨`), used in branch and shop names.
    pub short: String,
    /// Short name of the city it belongs to (`青岛`; `北京` for municipal districts; the
    /// county's own short name for county-level cities directly under a province).
    pub city: String,
}

/// A prefecture-level area of a bureau: a city and its counties (or, for municipalities, a
/// group of neighbouring districts).
#[derive(Clone, Debug)]
pub struct Area {
    pub city: String,
    pub units: Vec<Unit>,
}

/// Whether a bureau is one of the four municipalities, which have no prefecture level.
pub fn is_municipality(bureau: &Bureau) -> bool {
    matches!(bureau.code, "11" | "12" | "31" | "50")
}

/// Strips a suffix if something of at least two characters remains.
fn strip<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    name.strip_suffix(suffix)
        .filter(|rest| rest.chars().count() >= 2)
}

/// Removes trailing ethnic designations (`海西蒙古族藏族` → `海西`).
fn strip_ethnic(mut name: &str) -> &str {
    loop {
        match ETHNIC.iter().find_map(|e| strip(name, e)) {
            Some(rest) => name = rest,
            None => return name,
        }
    }
}

/// Short form of a prefecture-level name: `青岛市` → `青岛`, `延边朝鲜族自治州` → `延边`,
/// `大兴安岭地区` → `大兴安岭`, `兴安盟` → `兴安`, `北京市` → `北京`.
pub fn short_city(name: &str) -> String {
    if let Some(rest) = strip(name, "自治州") {
        return strip_ethnic(rest).to_owned();
    }
    for suffix in ["地区", "市", "盟"] {
        if let Some(rest) = strip(name, suffix) {
            return rest.to_owned();
        }
    }
    name.to_owned()
}

/// Short form of a county-level name: `即墨区` → `即墨`, `平度市` → `平度`,
/// `长阳土家族自治县` → `长阳`, `鄂温克族自治旗` → `鄂温克族自治旗`; two-character names
/// (`城区`, `矿区`) stay whole.
pub fn short_county(name: &str) -> String {
    for suffix in ["自治县", "自治旗"] {
        if let Some(rest) = strip(name, suffix) {
            let rest = strip_ethnic(rest);
            if rest.chars().count() >= 2 {
                return rest.to_owned();
            }
        }
    }
    for suffix in ["新区", "林区", "特区", "区", "县", "市", "旗"] {
        if let Some(rest) = strip(name, suffix) {
            return rest.to_owned();
        }
    }
    name.to_owned()
}

fn unit(r: &'static Region, city: String) -> Unit {
    Unit {
        code: r.code,
        name: r.name,
        short: short_county(r.name),
        city,
    }
}

/// The prefecture-level areas of a bureau, in region-code order. Municipalities are cut
/// into groups of three neighbouring districts so their branch networks look like those of
/// a prefecture; directly administered county-level cities are areas of their own.
pub fn areas(bureau: &Bureau) -> Vec<Area> {
    let prefix = bureau.code;
    if is_municipality(bureau) {
        let city = bureau
            .region()
            .map_or(String::new(), |r| short_city(r.name));
        let units: Vec<Unit> = region::counties_under(prefix)
            .filter(|r| bureau.contains(r.code))
            .map(|r| unit(r, city.clone()))
            .collect();
        return units
            .chunks(3)
            .map(|chunk| Area {
                city: city.clone(),
                units: chunk.to_vec(),
            })
            .collect();
    }
    let prefectures: Vec<&'static Region> = if bureau.is_city() {
        bureau.region().into_iter().collect()
    } else {
        region::all()
            .iter()
            .filter(|r| {
                r.code.starts_with(prefix)
                    && r.code.ends_with("00")
                    && !r.code.ends_with("0000")
                    && bureau.contains(r.code)
            })
            .collect()
    };
    let mut areas = Vec::new();
    for p in prefectures {
        let counties: Vec<&'static Region> = region::counties_under(&p.code[..4])
            .filter(|r| bureau.contains(r.code))
            .collect();
        if p.name.ends_with(DIRECT_COUNTIES_SUFFIX) {
            for c in counties {
                let city = short_county(c.name);
                areas.push(Area {
                    city: city.clone(),
                    units: vec![unit(c, city)],
                });
            }
        } else if counties.is_empty() {
            // 东莞, 中山, 儋州, 嘉峪关: prefecture-level cities without counties.
            let city = short_city(p.name);
            areas.push(Area {
                city: city.clone(),
                units: vec![unit(p, city)],
            });
        } else {
            let city = short_city(p.name);
            areas.push(Area {
                units: counties
                    .into_iter()
                    .map(|c| unit(c, city.clone()))
                    .collect(),
                city,
            });
        }
    }
    areas
}

/// Every registration unit of a bureau, in region-code order.
pub fn units(bureau: &Bureau) -> Vec<Unit> {
    let mut units: Vec<Unit> = areas(bureau).into_iter().flat_map(|a| a.units).collect();
    units.sort_by_key(|u| u.code);
    units
}

/// Well-formed region codes inside the bureau that are *not* on the current list — what
/// abolished districts look like in old registrations (`370201` 市辖区). Derived from the
/// bureau's own prefectures so that `bureau.contains` holds for every one.
pub fn unlisted_codes(bureau: &Bureau) -> Vec<String> {
    let mut prefixes: Vec<&str> = units(bureau).iter().map(|u| &u.code[..4]).collect();
    prefixes.dedup();
    let mut codes = Vec::new();
    for prefix in prefixes {
        // 01 is the old 市辖区 code of every prefecture; 99 and 98 are never assigned.
        for suffix in ["01", "99", "98"] {
            let code = format!("{prefix}{suffix}");
            if region::is_well_formed(&code)
                && region::lookup(&code).is_none()
                && bureau.contains(&code)
            {
                codes.push(code);
                break;
            }
        }
    }
    codes
}

/// Counties of the next bureau in code order: a plausible "wrong province" for rows that
/// a clerk copied from a neighbour's list.
pub fn foreign_units(bureau: &Bureau) -> Vec<Unit> {
    let all = yinqi_domain::bureau::all();
    let index = all.iter().position(|b| b.code == bureau.code).unwrap_or(0);
    let other = &all[(index + 1) % all.len()];
    units(other)
}

/// The long-distance area code of the bureau's capital, for landline contact numbers.
pub fn area_code(bureau: &Bureau) -> &'static str {
    match bureau.code {
        "11" => "010",
        "12" => "022",
        "13" => "0311",
        "14" => "0351",
        "15" => "0471",
        "21" => "024",
        "2102" => "0411",
        "22" => "0431",
        "23" => "0451",
        "31" => "021",
        "32" => "025",
        "33" => "0571",
        "3302" => "0574",
        "34" => "0551",
        "35" => "0591",
        "3502" => "0592",
        "36" => "0791",
        "37" => "0531",
        "3702" => "0532",
        "41" => "0371",
        "42" => "027",
        "43" => "0731",
        "44" => "020",
        "4403" => "0755",
        "45" => "0771",
        "46" => "0898",
        "50" => "023",
        "51" => "028",
        "52" => "0851",
        "53" => "0871",
        "54" => "0891",
        "61" => "029",
        "62" => "0931",
        "63" => "0971",
        "64" => "0951",
        _ => "0991",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinqi_domain::bureau;

    #[test]
    fn short_names() {
        assert_eq!(short_city("青岛市"), "青岛");
        assert_eq!(short_city("延边朝鲜族自治州"), "延边");
        assert_eq!(short_city("海西蒙古族藏族自治州"), "海西");
        assert_eq!(short_city("博尔塔拉蒙古自治州"), "博尔塔拉");
        assert_eq!(short_city("克孜勒苏柯尔克孜自治州"), "克孜勒苏");
        assert_eq!(short_city("大兴安岭地区"), "大兴安岭");
        assert_eq!(short_city("兴安盟"), "兴安");
        assert_eq!(short_county("即墨区"), "即墨");
        assert_eq!(short_county("平度市"), "平度");
        assert_eq!(short_county("长阳土家族自治县"), "长阳");
        assert_eq!(short_county("城区"), "城区");
        assert_eq!(short_county("神农架林区"), "神农架");
    }

    #[test]
    fn every_bureau_has_units_inside_it_and_unlisted_codes() {
        for b in bureau::all() {
            let units = units(b);
            assert!(!units.is_empty(), "{}", b.code);
            for u in &units {
                assert!(b.contains(u.code), "{} {}", b.code, u.code);
                assert!(region::lookup(u.code).is_some());
                assert!(!u.short.is_empty() && !u.city.is_empty(), "{}", u.code);
            }
            let unlisted = unlisted_codes(b);
            assert!(!unlisted.is_empty(), "{}", b.code);
            for code in unlisted {
                assert!(region::is_well_formed(&code));
                assert!(region::lookup(&code).is_none(), "{code}");
                assert!(b.contains(&code), "{code}");
            }
            assert!(foreign_units(b).iter().all(|u| !b.contains(u.code)));
        }
    }

    #[test]
    fn qingdao_is_one_area_and_shandong_excludes_it() {
        let qingdao = areas(bureau::by_code("3702").unwrap());
        assert_eq!(qingdao.len(), 1);
        assert_eq!(qingdao[0].city, "青岛");
        let shandong = areas(bureau::by_code("37").unwrap());
        assert_eq!(shandong.len(), 15);
        assert!(shandong.iter().all(|a| a.city != "青岛"));
        let guangdong = units(bureau::by_code("44").unwrap());
        assert!(
            guangdong.iter().any(|u| u.code == "441900"),
            "东莞 has no counties"
        );
        let beijing = areas(bureau::by_code("11").unwrap());
        assert_eq!(beijing.len(), 6);
        assert!(beijing.iter().all(|a| a.city == "北京"));
    }
}
