//! Static vocabularies of the generator: GB/T 4754-2017 class codes with the words
//! enterprise names use for them and their share of a realistic list, brand characters,
//! surnames and given-name characters, mobile prefixes.
//!
//! Every class code here exists in GB/T 4754-2017 (checked against the published table);
//! the clean-row codes avoid sections and groups the MIIT size standard does not cover
//! (J, P, S, T, Q84, G53, K704) so that a clean row always has a size class.

/// An industry class with the word enterprise names use for it and its weight (in units
/// of 0.01 % of clean rows).
#[derive(Clone, Copy, Debug)]
pub struct Industry {
    pub code: &'static str,
    pub word: &'static str,
    pub weight: u32,
}

const fn ind(code: &'static str, word: &'static str, weight: u32) -> Industry {
    Industry { code, word, weight }
}

/// Clean-row industries. Section shares: C ≈ 20 %, F ≈ 30 % (wholesale 12, retail 18),
/// L 9, E 7, H 6, G 5, I 5, M 5, O 4, A 3, K 2, R 1.5, N 1, B/D/Q 0.5 each.
pub const INDUSTRIES: &[Industry] = &[
    // A 农、林、牧、渔业 (300)
    ind("A0141", "蔬菜种植", 60),
    ind("A0151", "果品种植", 50),
    ind("A0313", "生猪养殖", 50),
    ind("A0321", "家禽养殖", 40),
    ind("A0412", "水产养殖", 40),
    ind("A0164", "茶叶种植", 30),
    ind("A0512", "农机服务", 30),
    // B 采矿业 (50)
    ind("B1019", "砂石", 50),
    // C 制造业 (2000)
    ind("C1311", "米业", 60),
    ind("C1392", "豆制品", 50),
    ind("C1431", "食品", 100),
    ind("C1462", "酿造", 50),
    ind("C1512", "酒业", 50),
    ind("C1529", "饮品", 40),
    ind("C1713", "印染", 40),
    ind("C1819", "服饰", 120),
    ind("C1952", "鞋业", 50),
    ind("C2110", "家具", 90),
    ind("C2231", "包装", 70),
    ind("C2319", "印刷", 60),
    ind("C2438", "珠宝", 30),
    ind("C2641", "涂料", 40),
    ind("C2720", "制药", 30),
    ind("C2927", "塑业", 100),
    ind("C3021", "建材", 70),
    ind("C3311", "钢结构", 70),
    ind("C3391", "铸造", 50),
    ind("C3399", "五金制品", 70),
    ind("C3412", "动力机械", 40),
    ind("C3484", "精密机械", 150),
    ind("C3525", "模具", 70),
    ind("C3591", "环保设备", 50),
    ind("C3670", "汽车配件", 100),
    ind("C3831", "电缆", 50),
    ind("C3872", "照明", 60),
    ind("C3976", "光电", 50),
    ind("C3982", "电子", 100),
    ind("C4090", "仪器仪表", 40),
    ind("C4210", "再生资源", 50),
    // D 电力、热力、燃气及水 (50)
    ind("D4416", "光伏发电", 30),
    ind("D4430", "热力", 20),
    // E 建筑业 (700)
    ind("E4710", "建筑工程", 150),
    ind("E4813", "市政工程", 100),
    ind("E4891", "园林绿化工程", 100),
    ind("E4910", "电气安装工程", 80),
    ind("E4920", "机电设备安装", 70),
    ind("E5011", "装饰工程", 120),
    ind("E5012", "家居装饰", 80),
    // F51 批发业 (1200)
    ind("F5111", "粮油", 80),
    ind("F5123", "果蔬", 80),
    ind("F5127", "酒业", 70),
    ind("F5132", "服装", 80),
    ind("F5138", "电器", 70),
    ind("F5151", "医药", 60),
    ind("F5165", "建材", 120),
    ind("F5169", "化工", 70),
    ind("F5172", "汽车配件", 60),
    ind("F5174", "五金", 100),
    ind("F5176", "电子科技", 80),
    ind("F5181", "贸易", 150),
    ind("F5191", "再生资源", 40),
    ind("F5193", "电子商务", 60),
    ind("F5199", "商贸", 80),
    // F52 零售业 (1800)
    ind("F5211", "百货", 120),
    ind("F5212", "超市", 150),
    ind("F5213", "便利店", 100),
    ind("F5221", "粮油", 80),
    ind("F5223", "果蔬", 80),
    ind("F5224", "生鲜", 90),
    ind("F5226", "茶业", 80),
    ind("F5232", "服饰", 150),
    ind("F5234", "日化", 60),
    ind("F5245", "珠宝", 50),
    ind("F5251", "大药房", 120),
    ind("F5261", "汽车销售", 80),
    ind("F5263", "汽车用品", 60),
    ind("F5272", "家电", 80),
    ind("F5274", "通讯器材", 70),
    ind("F5281", "五金", 100),
    ind("F5283", "家居", 90),
    ind("F5292", "电子商务", 150),
    ind("F5299", "商行", 90),
    // G 交通运输、仓储和邮政业 (500)
    ind("G5431", "物流", 180),
    ind("G5437", "城市配送", 60),
    ind("G5821", "货运代理", 80),
    ind("G5910", "装卸服务", 30),
    ind("G5920", "仓储", 60),
    ind("G5930", "冷链", 40),
    ind("G6020", "快递", 50),
    // H 住宿和餐饮业 (600)
    ind("H6110", "酒店", 70),
    ind("H6121", "酒店管理", 60),
    ind("H6130", "民宿", 40),
    ind("H6210", "餐饮", 180),
    ind("H6220", "快餐", 100),
    ind("H6232", "咖啡", 50),
    ind("H6291", "小吃", 100),
    // I 信息传输、软件和信息技术服务业 (500)
    ind("I6410", "网络", 30),
    ind("I6429", "网络科技", 90),
    ind("I6513", "软件", 120),
    ind("I6531", "信息系统", 70),
    ind("I6550", "数据", 50),
    ind("I6560", "信息咨询", 60),
    ind("I6572", "动漫", 30),
    ind("I6599", "信息技术", 50),
    // K 房地产业 (200): no K701 (a real estate developer is a special category) or K704.
    ind("K7020", "物业管理", 120),
    ind("K7030", "房产经纪", 60),
    ind("K7090", "房地产服务", 20),
    // L 租赁和商务服务业 (900)
    ind("L7111", "汽车租赁", 60),
    ind("L7113", "机械设备租赁", 60),
    ind("L7224", "供应链管理", 90),
    ind("L7241", "财务咨询", 90),
    ind("L7243", "企业管理咨询", 150),
    ind("L7259", "广告", 120),
    ind("L7263", "人力资源", 80),
    ind("L7271", "保安服务", 40),
    ind("L7289", "会展服务", 60),
    ind("L7291", "旅行社", 70),
    ind("L7299", "商务服务", 80),
    // M 科学研究和技术服务业 (500)
    ind("M7320", "技术研发", 80),
    ind("M7452", "检测", 60),
    ind("M7484", "工程设计", 80),
    ind("M7491", "工业设计", 50),
    ind("M7492", "设计", 60),
    ind("M7511", "农业科技", 50),
    ind("M7514", "节能科技", 50),
    ind("M7530", "科技服务", 70),
    // N 水利、环境和公共设施管理业 (100)
    ind("N7723", "环境工程", 40),
    ind("N7820", "环境卫生", 30),
    ind("N7840", "绿化", 30),
    // O 居民服务、修理和其他服务业 (400)
    ind("O8010", "家政服务", 70),
    ind("O8030", "洗衣", 30),
    ind("O8040", "美容美发", 80),
    ind("O8053", "养生", 40),
    ind("O8111", "汽车维修", 90),
    ind("O8132", "家电维修", 30),
    ind("O8211", "保洁", 40),
    ind("O8222", "宠物", 20),
    // Q85 社会工作 (50)
    ind("Q8514", "养老服务", 30),
    ind("Q8521", "护理服务", 20),
    // R 文化、体育和娱乐业 (150)
    ind("R8730", "影视", 30),
    ind("R8810", "文化艺术", 40),
    ind("R8930", "健身", 40),
    ind("R9051", "文化传播", 40),
];

/// Industries of individual businesses (个体工商户): small shops, named `…店`.
pub const SHOP_INDUSTRIES: &[(&str, &str)] = &[
    ("F5213", "便利店"),
    ("F5223", "水果店"),
    ("F5232", "服装店"),
    ("F5281", "五金店"),
    ("F5299", "商店"),
    ("H6210", "饭店"),
    ("H6291", "小吃店"),
    ("O8040", "理发店"),
    ("O8111", "汽车修理部"),
    ("O8132", "家电维修部"),
];

/// Financial-sector classes (section J), outside the MIIT size standard: a listed firm in
/// one of them cannot be classified.
pub const FINANCE: &[(&str, &str)] = &[
    ("J6852", "保险代理"),
    ("J6851", "保险经纪"),
    ("J6940", "金融信息服务"),
    ("J6760", "股权投资"),
];

/// Industry and name word of each special category (in `SpecialCategory::ALL` order):
/// (single-reason code, word, financial code). The single-reason code is covered by the
/// size standard so the category is the row's only reason; the financial code (section J)
/// is what the firm really is for the financial categories, used when a second reason
/// (`size_unknown`) is wanted.
pub const SPECIAL: [(&str, &str, Option<&str>); 11] = [
    ("L7212", "城市建设投资", None),
    ("K7010", "置业", None),
    ("L7212", "投资", None),
    ("E4813", "项目建设", None),
    ("L7219", "项目管理", None),
    ("L7299", "小额贷款", Some("J6635")),
    ("L7296", "融资担保", Some("J6999")),
    ("L7299", "典当", Some("J6633")),
    ("L7299", "融资租赁", Some("J6631")),
    ("L7299", "商业保理", Some("J6639")),
    ("L7212", "资产管理", Some("J6950")),
];

/// Characters that make up the two-character brand (字号) of an enterprise name.
pub const BRAND: &[char] = &[
    '海', '川', '华', '信', '鑫', '达', '恒', '通', '瑞', '丰', '泰', '安', '宏', '远', '盛', '源',
    '祥', '和', '裕', '隆', '昌', '兴', '嘉', '禾', '德', '润', '金', '益', '博', '创', '腾', '飞',
    '聚', '成', '伟', '业', '东', '方', '明', '辉', '永', '新', '立', '邦', '正', '中', '天', '宇',
    '宸', '诺', '凯', '旭', '晟', '卓', '越', '众', '合', '信', '力', '铭', '峰', '豪', '景', '汇',
    '沃', '星', '光', '鸿', '浩', '源', '顺', '宝', '利', '佳', '美', '万', '家', '锦', '弘', '康',
];

/// Common surnames, roughly by frequency (the first ones are drawn more often).
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "欧阳", "司马", "诸葛", "上官",
];

/// Characters of given names.
pub const GIVEN: &[char] = &[
    '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明',
    '超', '秀', '霞', '平', '刚', '桂', '英', '华', '玉', '萍', '红', '鹏', '建', '文', '辉', '力',
    '斌', '宇', '浩', '凯', '健', '俊', '帆', '帅', '旭', '宁', '龙', '林', '欣', '丹', '晨', '晶',
    '婷', '雪', '琳', '颖', '倩', '梅', '莉', '兰', '凤', '海', '峰', '波', '国', '志', '永', '春',
    '成', '东', '亮', '飞', '鑫', '阳', '佳', '慧', '思', '雨', '博',
];

/// Mobile number prefixes (3 digits) of the three operators.
pub const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182",
    "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
];

#[cfg(test)]
mod tests {
    use super::*;
    use yinqi_domain::industry::{IndustryCode, Section};
    use yinqi_domain::size::miit_industry;

    #[test]
    fn clean_industries_are_class_codes_the_size_standard_covers() {
        for i in INDUSTRIES
            .iter()
            .map(|i| i.code)
            .chain(SHOP_INDUSTRIES.iter().map(|s| s.0))
        {
            let code = IndustryCode::parse(i).unwrap_or_else(|e| panic!("{i}: {e}"));
            assert_eq!(code.as_string(), i);
            assert!(code.class().is_some(), "{i} is a class (4 digits)");
            assert!(miit_industry(&code).is_ok(), "{i} is covered");
        }
        for (single, _, financial) in SPECIAL {
            assert!(
                miit_industry(&IndustryCode::parse(single).unwrap()).is_ok(),
                "{single}"
            );
            if let Some(j) = financial {
                assert_eq!(IndustryCode::parse(j).unwrap().section(), Section::J);
            }
        }
        for (j, _) in FINANCE {
            assert_eq!(IndustryCode::parse(j).unwrap().section(), Section::J);
        }
    }

    #[test]
    fn section_shares_are_as_documented() {
        let share = |pred: &dyn Fn(&str) -> bool| -> u32 {
            INDUSTRIES
                .iter()
                .filter(|i| pred(i.code))
                .map(|i| i.weight)
                .sum()
        };
        assert_eq!(share(&|_| true), 10_000);
        assert_eq!(share(&|c| c.starts_with('C')), 2_000);
        assert_eq!(share(&|c| c.starts_with('F')), 3_000);
        assert_eq!(share(&|c| c.starts_with("F51")), 1_200);
    }
}
