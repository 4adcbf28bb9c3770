import WenshuCore

/// Turns one source row into one staged row: every value cleaned, translated to the
/// contract's lists, dates normalised, text masked, the caller hashed. Counts each step in
/// the report. A row without a ticket id, or with a value the mapping says to reject, is
/// rejected with its reason; everything else is kept, and gaps are filled after merging.
struct RowCleaner {
    let mapping: Mapping
    let deriver: DeadlineDeriver
    let hasher: CallerHasher
    let places: PlaceMatcher
    /// Dates after this are out of range (tomorrow, from the clock); before 1990 too.
    let latestDay: Day
    var report: ImportReport
    /// Districts seen so far, for streets whose district column is empty.
    private var knownDistricts: [String] = []
    private var knownDistrictSet: Set<String> = []
    private var valueChanges: [String: (field: String, value: String, became: String, count: Int)] = [:]
    private var phoneCounts = PrivacyMask.Counts()
    private let variants: TextCleaner.Variants
    /// Category paths repeat a lot: each distinct path is split once.
    private var levelCache: [[String: [String]]] = [[:], [:]]

    init(mapping: Mapping, deriver: DeadlineDeriver, hasher: CallerHasher, places: PlaceMatcher, latestDay: Day, report: ImportReport) {
        self.mapping = mapping
        self.deriver = deriver
        self.hasher = hasher
        self.places = places
        self.latestDay = latestDay
        self.report = report
        variants = TextCleaner.Variants(mapping.variants)
    }

    enum Outcome {
        case staged([DBValue])
        case rejected(String)
    }

    mutating func clean(_ cells: [String], header: HeaderBinding, file: String, line: Int) -> Outcome {
        var v: [TicketField: String] = [:]
        // 1. Raw text: widths folded, missing markers to NULL, variants folded.
        for (f, i) in header.pairs {
            guard i < cells.count else { continue }
            let raw = cells[i]
            if raw.isEmpty { continue }
            let freeText = f == .content || f == .address
            let folded = freeText ? TextCleaner.foldAlnum(raw) : TextCleaner.foldWidth(raw)
            if folded != TextCleaner.trim(raw) { report.count("全角字符转半角") }
            if folded.isEmpty { continue }
            if mapping.missing.contains(folded) { report.count("「不详/无/空」等记为 NULL"); continue }
            var value = folded
            if !freeText {
                let f2 = variants.fold(value)
                if f2 != value { report.count("异体字/旧写法规范化"); value = f2 }
            }
            v[f] = value
        }
        guard let id = v[.id] else { return .rejected("没有工单编号") }

        // 2. Dates.
        var out: [TicketField: String?] = [:]
        for f in [TicketField.created_at, .closed_at, .due_at] {
            guard let raw = v[f] else { continue }
            out[f] = date(raw, field: f)
        }
        if let c = out[.created_at] ?? nil, let cl = out[.closed_at] ?? nil, cl < c {
            report.count("办结时间早于受理时间 → NULL")
            out[.closed_at] = .some(nil)
        }

        // 3. Values with a closed list, and value maps on the others.
        for f in [TicketField.channel, .kind, .status, .satisfaction, .resolved, .urgent, .department, .community, .address] {
            guard let raw = v[f] else { continue }
            switch translate(f, raw) {
            case .success(let t): out[f] = t
            case .failure(let reason): return .rejected(reason.message)
            }
        }

        // 4. Categories: one level of a path such as 「一级->二级->三级」.
        for (k, f) in [TicketField.category, .subcategory].enumerated() {
            guard let raw = v[f], let spec = mapping.fields[f] else { continue }
            var value: String? = raw
            if !spec.split.isEmpty {
                let parts: [String]
                if let p = levelCache[k][raw] { parts = p } else {
                    parts = TextCleaner.levels(raw, separators: spec.split)
                    if levelCache[k].count < 20_000 { levelCache[k][raw] = parts }
                }
                value = spec.level - 1 < parts.count ? parts[spec.level - 1] : nil
                if f == .category, parts.count > 1 { report.count("分类按层级拆分") }
            }
            if let x = value {
                switch translate(f, x) {
                case .success(let t): value = t
                case .failure(let reason): return .rejected(reason.message)
                }
            }
            out[f] = value
        }

        // 5. Places: district written in front of the street stripped; names matched to the city file.
        let places = self.places
        var district: String? = nil
        if let d = v[.district] { district = places.district(d, report: &report) }
        if let d = district, !knownDistrictSet.contains(d), knownDistricts.count < 1000 {
            knownDistrictSet.insert(d)
            knownDistricts.append(d)
        }
        var street = v[.street]
        if let s = street, mapping.fields[.street]?.stripDistrict ?? false {
            if let (rest, d) = TextCleaner.stripPrefix(s, district: district, others: district == nil ? knownDistricts : []) {
                report.count("街道去掉前面的区名")
                street = rest
                if district == nil {
                    district = d
                    report.count("区名取自街道前缀")
                }
            }
        }
        if let s = street { street = places.street(s, district: district, report: &report) }
        out[.district] = district
        out[.street] = street

        // 6. Free text: phone and ID numbers masked before anything is stored.
        for f in [TicketField.content, .address] {
            guard let text = (out[f] ?? nil) ?? v[f] else { continue }
            out[f] = PrivacyMask.mask(text, counts: &phoneCounts)
        }

        // 7. The caller, hashed; and the deadline this row implies.
        var callerRaw: String? = nil
        for i in header.callerIndexes where i < cells.count {
            let t = TextCleaner.foldWidth(cells[i])
            if !t.isEmpty && !mapping.missing.contains(t) { callerRaw = t; break }
        }
        var derivedDue: String? = nil
        if let created = out[.created_at] ?? nil {
            let urgent = Int((out[.urgent] ?? nil) ?? mapping.fields[.urgent]?.defaultValue ?? "0") ?? 0
            let kind = (out[.kind] ?? nil) ?? mapping.fields[.kind]?.defaultValue ?? ""
            let category = (out[.category] ?? nil) ?? mapping.fields[.category]?.defaultValue ?? ""
            derivedDue = deriver.due(created: created, urgent: urgent, kind: kind, category: category)
        }

        func t(_ f: TicketField) -> DBValue { (out[f] ?? nil).map { .text($0) } ?? .null }
        func n(_ f: TicketField) -> DBValue { (out[f] ?? nil).flatMap { Int64($0) }.map { .integer($0) } ?? .null }
        return .staged([
            .text(id), t(.created_at), t(.channel), t(.kind), t(.category), t(.subcategory), t(.district), t(.street),
            t(.community), t(.address), t(.content), t(.department), t(.status), n(.urgent), t(.due_at), t(.closed_at),
            t(.satisfaction), n(.resolved), callerRaw.map { .text(hasher.hash($0, ticketID: id)) } ?? .null,
            derivedDue.map { .text($0) } ?? .null, callerRaw == nil ? .text(hasher.hash(nil, ticketID: id)) : .null, .text(file), .integer(Int64(line)),
        ])
    }

    private mutating func date(_ raw: String, field: TicketField) -> String? {
        guard let (stamp, form) = DateParser.parse(raw, utcOffsetHours: mapping.utcOffsetHours) else {
            report.unreadableDates["\(field.rawValue) 无法识别", default: 0] += 1
            if report.dateExamples.count < 20 { report.dateExamples.append(raw) }
            return nil
        }
        if let d = Day(parsing: stamp), d.year < 1990 || d > latestDay {
            report.unreadableDates["\(field.rawValue) 超出范围（1990 年以前或晚于明天）", default: 0] += 1
            if report.dateExamples.count < 20 { report.dateExamples.append(raw) }
            return nil
        }
        report.dateForms[form.rawValue, default: 0] += 1
        return stamp
    }

    struct Rejection: Error { let message: String }

    /// A value through the mapping's `values`, then, for the fields with a closed list, the
    /// `other` policy. Everything that changed or was not in the list is tallied.
    private mutating func translate(_ f: TicketField, _ raw: String) -> Result<String?, Rejection> {
        let spec = mapping.fields[f] ?? FieldSpec()
        if let allowed = f.contractValues, allowed.contains(raw) { return .success(raw) }
        if let mapped = spec.values[raw] ?? spec.values[TextCleaner.foldWidth(raw)] {
            if f.contractValues != nil || mapped != raw { note(f, raw, mapped ?? "NULL") }
            return .success(mapped)
        }
        guard f.contractValues != nil else { return .success(raw) }
        switch spec.other {
        case .keep: note(f, raw, "保留原值"); return .success(raw)
        case .null: note(f, raw, "NULL"); return .success(nil)
        case .derive: note(f, raw, "按办结时间推算"); return .success(nil)
        case .value(let x): note(f, raw, x); return .success(x)
        case .reject:
            note(f, raw, "拒收该行")
            return .failure(Rejection(message: "\(f.rawValue) 的值「\(raw)」不在合同取值和映射中"))
        }
    }

    private mutating func note(_ f: TicketField, _ value: String, _ became: String) {
        let key = f.rawValue + "\u{1F}" + value
        if var e = valueChanges[key] { e.count += 1; valueChanges[key] = e } else {
            guard valueChanges.count < 5000 else { return }
            valueChanges[key] = (f.rawValue, value, became, 1)
        }
    }

    /// The report with the tallies kept during cleaning folded in.
    func finish() -> ImportReport {
        var r = report
        r.count("手机号/座机号打码", phoneCounts.phones)
        r.count("身份证号打码", phoneCounts.ids)
        r.valueChanges = valueChanges.values
            .map { ImportReport.ValueChange(field: $0.field, value: $0.value, became: $0.became, count: $0.count) }
            .sorted { ($0.field, -$0.count, $0.value) < ($1.field, -$1.count, $1.value) }
        return r
    }
}
