//! The 36 provincial-level regulator bureaus (银保监局, DOMAIN §1) and which one an
//! enterprise belongs to, decided by its registered region code.
//!
//! A bureau's code is the region prefix it covers: 2 digits for a province, 4 digits for the
//! five separately-planned cities, which are carved out of their provinces.

use std::sync::LazyLock;

use crate::region;

/// A provincial-level bureau, identified by the region prefix it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Bureau {
    /// Region prefix: `37` (Shandong without Qingdao) or `3702` (Qingdao).
    pub code: &'static str,
    /// Name as used in 2019, e.g. `山东银保监局`.
    pub name: &'static str,
    /// The area it covers, e.g. `山东省（不含青岛）`.
    pub area: &'static str,
}

const fn bureau(code: &'static str, name: &'static str, area: &'static str) -> Bureau {
    Bureau { code, name, area }
}

/// Sorted by code as strings, so each city follows its province (`21`, `2102`, `22`) and
/// [`by_code`] can binary-search.
static BUREAUS: [Bureau; 36] = [
    bureau("11", "北京银保监局", "北京市"),
    bureau("12", "天津银保监局", "天津市"),
    bureau("13", "河北银保监局", "河北省"),
    bureau("14", "山西银保监局", "山西省"),
    bureau("15", "内蒙古银保监局", "内蒙古自治区"),
    bureau("21", "辽宁银保监局", "辽宁省（不含大连）"),
    bureau("2102", "大连银保监局", "大连市"),
    bureau("22", "吉林银保监局", "吉林省"),
    bureau("23", "黑龙江银保监局", "黑龙江省"),
    bureau("31", "上海银保监局", "上海市"),
    bureau("32", "江苏银保监局", "江苏省"),
    bureau("33", "浙江银保监局", "浙江省（不含宁波）"),
    bureau("3302", "宁波银保监局", "宁波市"),
    bureau("34", "安徽银保监局", "安徽省"),
    bureau("35", "福建银保监局", "福建省（不含厦门）"),
    bureau("3502", "厦门银保监局", "厦门市"),
    bureau("36", "江西银保监局", "江西省"),
    bureau("37", "山东银保监局", "山东省（不含青岛）"),
    bureau("3702", "青岛银保监局", "青岛市"),
    bureau("41", "河南银保监局", "河南省"),
    bureau("42", "湖北银保监局", "湖北省"),
    bureau("43", "湖南银保监局", "湖南省"),
    bureau("44", "广东银保监局", "广东省（不含深圳）"),
    bureau("4403", "深圳银保监局", "深圳市"),
    bureau("45", "广西银保监局", "广西壮族自治区"),
    bureau("46", "海南银保监局", "海南省"),
    bureau("50", "重庆银保监局", "重庆市"),
    bureau("51", "四川银保监局", "四川省"),
    bureau("52", "贵州银保监局", "贵州省"),
    bureau("53", "云南银保监局", "云南省"),
    bureau("54", "西藏银保监局", "西藏自治区"),
    bureau("61", "陕西银保监局", "陕西省"),
    bureau("62", "甘肃银保监局", "甘肃省"),
    bureau("63", "青海银保监局", "青海省"),
    bureau("64", "宁夏银保监局", "宁夏回族自治区"),
    bureau("65", "新疆银保监局", "新疆维吾尔自治区"),
];

/// All 36 bureaus, ordered by code.
pub fn all() -> &'static [Bureau] {
    &BUREAUS
}

/// The bureau with exactly this code (`37`, `3702`).
pub fn by_code(code: &str) -> Option<&'static Bureau> {
    BUREAUS
        .binary_search_by(|b| b.code.cmp(code))
        .ok()
        .map(|i| &BUREAUS[i])
}

/// The codes of the separately-planned cities' bureaus, as bytes.
static CITY_CODES: LazyLock<Vec<[u8; 4]>> = LazyLock::new(|| {
    BUREAUS
        .iter()
        .filter_map(|b| b.code.as_bytes().try_into().ok())
        .collect()
});

/// Whether a 4-digit prefix is one of the cities' bureau codes.
fn is_city_code(prefix: &str) -> bool {
    <[u8; 4]>::try_from(prefix.as_bytes()).is_ok_and(|p| CITY_CODES.contains(&p))
}

/// The bureau responsible for a region: the 4-digit prefix if it is one of the five
/// separately-planned cities, else the 2-digit province prefix.
///
/// Accepts a 6-digit region code, or a 2- or 4-digit prefix of one. `None` for anything
/// else, and for prefixes that are not one of the 31 provinces (e.g. `100000`, the region part
/// of centrally registered firms, or `810000` Hong Kong).
pub fn for_region(region_code: &str) -> Option<&'static Bureau> {
    let is_prefix_shaped =
        matches!(region_code.len(), 2 | 4 | 6) && region_code.bytes().all(|b| b.is_ascii_digit());
    if !is_prefix_shaped {
        return None;
    }
    region_code
        .get(..4)
        .and_then(by_code)
        .or_else(|| by_code(&region_code[..2]))
}

impl Bureau {
    /// Whether an enterprise registered in `region_code` belongs to this bureau. A province
    /// bureau does not contain its separately-planned city.
    pub fn contains(&self, region_code: &str) -> bool {
        // `for_region(region_code) == Some(self)`, without its two binary searches of
        // strings: this runs for every row of a list.
        let is_prefix_shaped = matches!(region_code.len(), 2 | 4 | 6)
            && region_code.bytes().all(|b| b.is_ascii_digit());
        if !is_prefix_shaped {
            return false;
        }
        match region_code.get(..4).filter(|p| is_city_code(p)) {
            Some(city) => city == self.code,
            None => &region_code[..2] == self.code,
        }
    }

    /// Whether this is one of the five separately-planned cities (计划单列市).
    pub fn is_city(&self) -> bool {
        self.code.len() == 4
    }

    /// The GB/T 2260 region this bureau is named after: the province (`370000`) or the city
    /// (`370200`).
    pub fn region(&self) -> Option<&'static region::Region> {
        let padding = if self.is_city() { "00" } else { "0000" };
        region::lookup(&format!("{}{padding}", self.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_for(region_code: &str) -> Option<&'static str> {
        for_region(region_code).map(|b| b.code)
    }

    #[test]
    fn there_are_36_distinct_bureaus_in_code_order() {
        assert_eq!(all().len(), 36);
        assert!(all().windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(all().iter().filter(|b| b.is_city()).count(), 5);
        let names: std::collections::HashSet<&str> = all().iter().map(|b| b.name).collect();
        assert_eq!(names.len(), 36);
        assert!(all().iter().all(|b| b.name.ends_with("银保监局")));
        let order: Vec<&str> = all().iter().take(8).map(|b| b.code).collect();
        assert_eq!(order, ["11", "12", "13", "14", "15", "21", "2102", "22"]);
    }

    #[test]
    fn cities_are_carved_out_of_their_provinces() {
        assert_eq!(code_for("370202"), Some("3702"));
        assert_eq!(code_for("370102"), Some("37"));
        assert_eq!(code_for("440305"), Some("4403"));
        assert_eq!(code_for("440106"), Some("44"));
        assert_eq!(code_for("210202"), Some("2102"));
        assert_eq!(code_for("210102"), Some("21"));
        assert_eq!(code_for("330203"), Some("3302"));
        assert_eq!(code_for("330106"), Some("33"));
        assert_eq!(code_for("350203"), Some("3502"));
        assert_eq!(code_for("350102"), Some("35"));
        // The city row itself and a prefix.
        assert_eq!(code_for("370200"), Some("3702"));
        assert_eq!(code_for("3702"), Some("3702"));
        assert_eq!(code_for("37"), Some("37"));
    }

    #[test]
    fn every_province_and_city_maps_to_its_bureau() {
        let provinces = [
            ("110101", "北京银保监局"),
            ("120101", "天津银保监局"),
            ("130102", "河北银保监局"),
            ("140105", "山西银保监局"),
            ("150102", "内蒙古银保监局"),
            ("210102", "辽宁银保监局"),
            ("220102", "吉林银保监局"),
            ("230102", "黑龙江银保监局"),
            ("310101", "上海银保监局"),
            ("320102", "江苏银保监局"),
            ("330102", "浙江银保监局"),
            ("340102", "安徽银保监局"),
            ("350102", "福建银保监局"),
            ("360102", "江西银保监局"),
            ("370102", "山东银保监局"),
            ("410102", "河南银保监局"),
            ("420102", "湖北银保监局"),
            ("430102", "湖南银保监局"),
            ("440103", "广东银保监局"),
            ("450102", "广西银保监局"),
            ("460105", "海南银保监局"),
            ("500101", "重庆银保监局"),
            ("510104", "四川银保监局"),
            ("520102", "贵州银保监局"),
            ("530102", "云南银保监局"),
            ("540102", "西藏银保监局"),
            ("610102", "陕西银保监局"),
            ("620102", "甘肃银保监局"),
            ("630102", "青海银保监局"),
            ("640104", "宁夏银保监局"),
            ("650102", "新疆银保监局"),
            ("210202", "大连银保监局"),
            ("330203", "宁波银保监局"),
            ("350203", "厦门银保监局"),
            ("370202", "青岛银保监局"),
            ("440303", "深圳银保监局"),
        ];
        for (region_code, name) in provinces {
            assert_eq!(
                for_region(region_code).map(|b| b.name),
                Some(name),
                "{region_code}"
            );
        }
        let distinct: std::collections::HashSet<&str> = provinces
            .iter()
            .filter_map(|(code, _)| code_for(code))
            .collect();
        assert_eq!(distinct.len(), 36);
    }

    #[test]
    fn regions_outside_the_31_provinces_have_no_bureau() {
        for code in [
            "100000",
            "710000",
            "810000",
            "820000",
            "990101",
            "",
            "3",
            "370",
            "37020",
            "37020A",
            "３７０２０２",
        ] {
            assert_eq!(code_for(code), None, "{code:?}");
        }
    }

    #[test]
    fn every_listed_mainland_region_has_a_bureau_that_contains_it() {
        let mainland = region::all().iter().filter(|r| {
            r.code[..2]
                .parse::<u8>()
                .is_ok_and(|p| (11..=65).contains(&p))
        });
        let mut count = 0;
        for r in mainland {
            let bureau = for_region(r.code);
            assert!(bureau.is_some_and(|b| b.contains(r.code)), "{}", r.code);
            count += 1;
        }
        assert!(count > 3000);
    }

    #[test]
    fn a_province_does_not_contain_its_city() {
        let shandong = by_code("37").map(|b| (b.contains("370202"), b.contains("370102")));
        assert_eq!(shandong, Some((false, true)));
        let qingdao = by_code("3702").map(|b| (b.contains("370202"), b.contains("370102")));
        assert_eq!(qingdao, Some((true, false)));
    }

    #[test]
    fn lookup_by_code_and_named_region() {
        assert_eq!(by_code("3702").map(|b| b.area), Some("青岛市"));
        assert_eq!(by_code("44").map(|b| b.area), Some("广东省（不含深圳）"));
        assert_eq!(by_code("370"), None);
        assert_eq!(by_code("71"), None);
        for b in all() {
            let region = b.region();
            assert!(region.is_some(), "{} has no region row", b.code);
            let region_name = region.map_or("", |r| r.name);
            assert!(
                b.area.starts_with(region_name),
                "{} vs {}",
                b.area,
                region_name
            );
        }
    }

    /// `contains` as it was defined, through `for_region`: the fast version must agree on
    /// every prefix of every shape, each bureau.
    #[test]
    fn contains_agrees_with_for_region() {
        let mut cells: Vec<String> = Vec::new();
        for n in 0..10_000 {
            let four = format!("{n:04}");
            cells.push(format!("{four}01"));
            cells.push(format!("{four}00"));
            cells.push(four.clone());
            if n < 100 {
                cells.push(format!("{n:02}"));
            }
        }
        cells.extend(
            [
                "",
                "3",
                "370",
                "37020",
                "37020A",
                "３７０２０２",
                "3702021",
                "37 202",
            ]
            .map(str::to_owned),
        );
        for b in all() {
            for cell in &cells {
                let expected = for_region(cell).is_some_and(|owner| owner.code == b.code);
                assert_eq!(b.contains(cell), expected, "{} {cell:?}", b.code);
            }
        }
    }
}
