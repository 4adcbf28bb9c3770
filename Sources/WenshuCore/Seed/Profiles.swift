/// How each subcategory behaves in the demo data: volume, season, time of day, which
/// kinds it attracts, urgency, deadline and who handles it.
struct Profile {
    let sub: String
    let category: String
    let weight: Double
    let season: [Double]      // Jan…Dec factors
    let evening: Double       // extra weight for 18:00–06:00
    let kindTilt: [String: Double]
    let urgentP: Double
    let dueDays: Int
    let dept: String          // department rule key
}

enum Seasons {
    static let flat = [Double](repeating: 1, count: 12)
    static let summer = [0.8, 0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 1.7, 1.3, 1.0, 0.9, 0.85]
    static let heating = [3.0, 2.5, 1.2, 0.1, 0.04, 0.03, 0.03, 0.03, 0.04, 0.15, 1.7, 3.0]
    static let winter = [1.3, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2, 1.4]
    static let noise = [0.7, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 1.5, 1.2, 1.0, 0.8, 0.7]
    static let school = [0.6, 0.7, 0.9, 1.2, 1.9, 2.1, 1.9, 1.7, 1.2, 0.7, 0.5, 0.5]
    static let wages = [1.6, 1.5, 0.8, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 1.0, 1.2, 1.7]
    static let rainy = [0.9, 0.9, 1.0, 1.0, 1.1, 1.5, 1.4, 1.2, 1.0, 0.9, 0.9, 0.9]
}

enum Profiles {
    typealias S = Seasons
    static let all: [Profile] = [
        Profile(sub: "供水", category: "公用事业", weight: 5, season: S.summer, evening: 1, kindTilt: ["求助": 2, "投诉": 1.1], urgentP: 0.14, dueDays: 3, dept: "water"),
        Profile(sub: "供电", category: "公用事业", weight: 4, season: S.summer, evening: 1.4, kindTilt: ["求助": 2], urgentP: 0.12, dueDays: 3, dept: "power"),
        Profile(sub: "燃气", category: "公用事业", weight: 2, season: S.winter, evening: 1, kindTilt: ["求助": 1.8, "咨询": 1.2], urgentP: 0.22, dueDays: 3, dept: "gas"),
        Profile(sub: "供暖", category: "公用事业", weight: 1.3, season: S.heating, evening: 1.6, kindTilt: ["投诉": 1.3, "求助": 1.4], urgentP: 0.08, dueDays: 5, dept: "heating"),
        Profile(sub: "通信网络", category: "公用事业", weight: 2.5, season: S.flat, evening: 1, kindTilt: ["投诉": 1.2], urgentP: 0.02, dueDays: 5, dept: "telecom"),
        Profile(sub: "市容环境", category: "城市管理", weight: 5, season: S.flat, evening: 1, kindTilt: ["举报": 1.6, "建议": 1.5], urgentP: 0.02, dueDays: 5, dept: "urban"),
        Profile(sub: "违章建筑", category: "城市管理", weight: 3, season: S.flat, evening: 0.8, kindTilt: ["举报": 4], urgentP: 0.02, dueDays: 10, dept: "urban"),
        Profile(sub: "占道经营", category: "城市管理", weight: 3.5, season: S.summer, evening: 1.5, kindTilt: ["举报": 2.5], urgentP: 0.01, dueDays: 5, dept: "urban"),
        Profile(sub: "噪声扰民", category: "城市管理", weight: 7, season: S.noise, evening: 3, kindTilt: ["投诉": 1.4], urgentP: 0.04, dueDays: 5, dept: "noise"),
        Profile(sub: "垃圾清运", category: "城市管理", weight: 3, season: S.summer, evening: 1, kindTilt: ["投诉": 1.2], urgentP: 0.02, dueDays: 5, dept: "urban"),
        Profile(sub: "园林绿化", category: "城市管理", weight: 1.5, season: S.rainy, evening: 0.8, kindTilt: ["建议": 2.5], urgentP: 0.05, dueDays: 10, dept: "garden"),
        Profile(sub: "物业管理", category: "住房物业", weight: 7, season: S.flat, evening: 1, kindTilt: ["投诉": 1.3], urgentP: 0.02, dueDays: 10, dept: "property"),
        Profile(sub: "电梯安全", category: "住房物业", weight: 2.5, season: S.flat, evening: 1, kindTilt: ["求助": 1.8, "举报": 1.3], urgentP: 0.18, dueDays: 3, dept: "elevator"),
        Profile(sub: "房屋维修", category: "住房物业", weight: 3, season: S.rainy, evening: 1, kindTilt: ["求助": 1.8], urgentP: 0.04, dueDays: 10, dept: "housing"),
        Profile(sub: "房产交易", category: "住房物业", weight: 2, season: S.flat, evening: 0.6, kindTilt: ["咨询": 2.5], urgentP: 0.01, dueDays: 10, dept: "housing_market"),
        Profile(sub: "道路设施", category: "交通出行", weight: 3.5, season: S.rainy, evening: 1, kindTilt: ["建议": 1.6, "求助": 1.2], urgentP: 0.06, dueDays: 15, dept: "road"),
        Profile(sub: "公交运营", category: "交通出行", weight: 2.5, season: S.flat, evening: 1, kindTilt: ["建议": 2.2, "表扬": 2], urgentP: 0.01, dueDays: 5, dept: "bus"),
        Profile(sub: "出租网约车", category: "交通出行", weight: 2, season: S.flat, evening: 1.5, kindTilt: ["投诉": 1.4, "表扬": 1.5], urgentP: 0.01, dueDays: 5, dept: "transport"),
        Profile(sub: "停车管理", category: "交通出行", weight: 4, season: S.flat, evening: 1.2, kindTilt: ["举报": 1.5], urgentP: 0.01, dueDays: 5, dept: "parking"),
        Profile(sub: "大气污染", category: "生态环境", weight: 1.5, season: S.winter, evening: 1, kindTilt: ["举报": 2.5], urgentP: 0.03, dueDays: 15, dept: "ecology"),
        Profile(sub: "水污染", category: "生态环境", weight: 1, season: S.summer, evening: 1, kindTilt: ["举报": 2.5], urgentP: 0.04, dueDays: 15, dept: "ecology"),
        Profile(sub: "油烟污染", category: "生态环境", weight: 2, season: S.summer, evening: 1.8, kindTilt: ["投诉": 1.3], urgentP: 0.01, dueDays: 10, dept: "urban"),
        Profile(sub: "食品安全", category: "市场监管", weight: 3, season: S.summer, evening: 1, kindTilt: ["举报": 2.2], urgentP: 0.04, dueDays: 5, dept: "market"),
        Profile(sub: "消费维权", category: "市场监管", weight: 6, season: S.flat, evening: 1, kindTilt: ["投诉": 1.4], urgentP: 0.01, dueDays: 5, dept: "market"),
        Profile(sub: "价格监管", category: "市场监管", weight: 1.5, season: S.flat, evening: 1, kindTilt: ["举报": 2], urgentP: 0.01, dueDays: 5, dept: "market"),
        Profile(sub: "欠薪讨薪", category: "劳动社保", weight: 3, season: S.wages, evening: 0.8, kindTilt: ["求助": 2.2, "投诉": 1.2], urgentP: 0.08, dueDays: 10, dept: "labor"),
        Profile(sub: "社会保险", category: "劳动社保", weight: 3, season: S.flat, evening: 0.6, kindTilt: ["咨询": 3], urgentP: 0.01, dueDays: 5, dept: "social_security"),
        Profile(sub: "就业服务", category: "劳动社保", weight: 1.5, season: S.flat, evening: 0.6, kindTilt: ["咨询": 2.5, "建议": 1.3], urgentP: 0.01, dueDays: 5, dept: "labor"),
        Profile(sub: "校外培训", category: "教育文体", weight: 1.2, season: S.school, evening: 1, kindTilt: ["投诉": 1.2, "举报": 1.5], urgentP: 0.01, dueDays: 5, dept: "education"),
        Profile(sub: "招生入学", category: "教育文体", weight: 1.5, season: S.school, evening: 0.6, kindTilt: ["咨询": 3], urgentP: 0.01, dueDays: 5, dept: "education"),
        Profile(sub: "学校管理", category: "教育文体", weight: 1.5, season: S.flat, evening: 0.8, kindTilt: ["建议": 1.8], urgentP: 0.02, dueDays: 5, dept: "education"),
        Profile(sub: "医疗服务", category: "卫生健康", weight: 2.5, season: S.flat, evening: 1, kindTilt: ["投诉": 1.2, "表扬": 2.5], urgentP: 0.03, dueDays: 5, dept: "health"),
        Profile(sub: "医保报销", category: "卫生健康", weight: 2, season: S.flat, evening: 0.6, kindTilt: ["咨询": 3], urgentP: 0.01, dueDays: 5, dept: "medical_insurance"),
        Profile(sub: "疫情防控", category: "卫生健康", weight: 0.3, season: S.winter, evening: 1, kindTilt: ["咨询": 2], urgentP: 0.05, dueDays: 3, dept: "cdc"),
        Profile(sub: "消防安全", category: "公共安全", weight: 1.5, season: S.winter, evening: 1.2, kindTilt: ["举报": 2.5], urgentP: 0.2, dueDays: 3, dept: "fire"),
        Profile(sub: "治安管理", category: "公共安全", weight: 2, season: S.flat, evening: 1.8, kindTilt: ["求助": 1.5, "举报": 1.5], urgentP: 0.08, dueDays: 5, dept: "police"),
        Profile(sub: "安全生产", category: "公共安全", weight: 1, season: S.flat, evening: 1, kindTilt: ["举报": 3], urgentP: 0.15, dueDays: 5, dept: "safety"),
    ]

    /// District-type affinity: where a problem is more or less common.
    static let affinity: [String: [String: Double]] = [
        "core": ["噪声扰民": 1.2, "物业管理": 1.2, "电梯安全": 1.4, "停车管理": 1.3, "违章建筑": 0.6, "欠薪讨薪": 0.7, "出租网约车": 1.3],
        "suburb": ["违章建筑": 1.3, "欠薪讨薪": 1.4, "安全生产": 1.3, "道路设施": 1.2],
        "county": ["违章建筑": 1.5, "道路设施": 1.4, "通信网络": 1.4, "电梯安全": 0.5, "停车管理": 0.6, "出租网约车": 0.4],
    ]

    static let kinds = ["投诉", "咨询", "求助", "举报", "建议", "表扬"]
    static let kindBase = [45.0, 25, 15, 8, 5, 2]
    static let channels = ["电话", "微信", "网站", "APP", "信件"]
    static let channelWeights = [60.0, 15, 8, 12, 5]
}
