import WenshuCore

/// Place names matched against a city file's places when the mapping names one (bare forms
/// such as 西湖 become 西湖区); without a city file, or for names the file lacks, the data's
/// own names are kept (learned) and counted in the report.
struct PlaceMatcher {
    private var districts: [String: String] = [:]          // full or bare → full
    private var streets: [String: [String: String]] = [:]  // district → (full or bare → full)
    private var allStreets: [String: String] = [:]
    let hasCity: Bool

    init(city: CityFile?) {
        hasCity = city != nil
        guard let city else { return }
        for d in city.districts {
            districts[d.name] = d.name
            districts[TextCleaner.bare(d.name)] = d.name
            var s: [String: String] = [:]
            for st in d.streets {
                s[st.name] = st.name
                s[TextCleaner.bare(st.name)] = st.name
                allStreets[st.name] = st.name
            }
            streets[d.name] = s
        }
    }

    func district(_ name: String, report: inout ImportReport) -> String? {
        guard hasCity else { return name }
        if let full = districts[name] {
            if full != name { report.count("地名补全为城市文件中的全称") }
            return full
        }
        report.count("区名不在城市文件中（按数据保留）")
        return name
    }

    func street(_ name: String, district: String?, report: inout ImportReport) -> String? {
        guard hasCity else { return name }
        if let d = district, let full = streets[d]?[name] {
            if full != name { report.count("地名补全为城市文件中的全称") }
            return full
        }
        if allStreets[name] != nil { return name }
        report.count("街道名不在城市文件中（按数据保留）")
        return name
    }
}
