import Foundation
import WenshuCore
import Yams

/// The contract's columns that an import fills (the caller is handled apart: it is hashed).
public enum TicketField: String, CaseIterable, Sendable {
    case id, created_at, channel, kind, category, subcategory, district, street, community, address
    case content, department, status, urgent, due_at, closed_at, satisfaction, resolved

    /// The values the contract allows, for the fields whose list is closed.
    public var contractValues: Set<String>? {
        switch self {
        case .channel: return ["电话", "微信", "网站", "APP", "信件"]
        case .kind: return ["投诉", "举报", "咨询", "求助", "建议", "表扬"]
        case .status: return ["待派单", "办理中", "已办结"]
        case .satisfaction: return ["满意", "基本满意", "不满意"]
        case .resolved, .urgent: return ["1", "0"]
        default: return nil
        }
    }

    var isDate: Bool { self == .created_at || self == .closed_at || self == .due_at }
}

/// What to do with a value that is neither in the contract's list nor in the mapping's `values`.
public enum OtherPolicy: Equatable, Sendable {
    case keep, null, reject, derive
    case value(String)

    init(_ s: String) {
        switch s {
        case "keep": self = .keep
        case "null", "~", "": self = .null
        case "reject": self = .reject
        case "derive": self = .derive
        default: self = .value(s)
        }
    }

    var label: String {
        switch self {
        case .keep: return "keep"
        case .null: return "null"
        case .reject: return "reject"
        case .derive: return "derive"
        case .value(let v): return v
        }
    }
}

/// How one contract field is fed from the source columns.
public struct FieldSpec: Sendable {
    /// Candidate source columns; the first one the header has is used.
    public var columns: [String] = []
    /// Source value (after cleaning) → contract value; a nil target stores NULL.
    public var values: [String: String?] = [:]
    public var other: OtherPolicy = .keep
    /// Used when every row of a ticket leaves the field empty.
    public var defaultValue: String?
    /// Separators of a path such as 「一级->二级->三级」, and which level (1-based) this field takes.
    public var split: [String] = []
    public var level: Int = 1
    /// Removes the ticket's district (full or bare name) written in front of the value.
    public var stripDistrict = false
}

/// One deadline rule: the first rule whose conditions hold gives the time allowed.
public struct DeadlineRule: Sendable {
    public var urgent: Int?
    public var kinds: Set<String>?
    public var categories: Set<String>?
    public var hours: Int?
    public var workingDays: Int?
}

/// A mapping file (`Lexicon/imports/NAME.yaml`): which source column feeds which contract
/// field, how values translate, how to clean, and how to derive what the export lacks.
public struct Mapping: Sendable {
    public var name = ""
    public var description = ""
    public var source = ""
    public var headerSearchRows = 30
    public var encoding = "auto"
    public var sheet: String?
    public var missing: Set<String> = ["不详", "无", "空", "None", "NONE", "none", "NULL", "null", "Null", "-", "--", "—", "/", "#N/A", "N/A", "n/a", "NaN", "nan", "暂无", "未知"]
    public var fields: [TicketField: FieldSpec] = [:]
    public var callerColumns: [String] = []
    public var salt: String?
    public var deadlineRules: [DeadlineRule] = [DeadlineRule(workingDays: 7)]
    /// Extra non-working days and the makeup working days (调休) on top of the holiday calendar.
    public var extraHolidays: Set<Day> = []
    public var workdays: Set<Day> = []
    public var holidayFile: String?
    public var variants: [(String, String)] = []
    public var city: String?
    /// Hours east of UTC for Unix timestamps in the data (the contract's times are local).
    public var utcOffsetHours = 8

    public init() {}

    public func spec(_ f: TicketField) -> FieldSpec? { fields[f] }

    /// The shipped mappings' directory: `Lexicon/imports/` of the data root.
    public static func shippedDirectory(root: URL) -> URL { root.appendingPathComponent("Lexicon/imports") }

    /// Loads `--mapping`: a file path (anything with a `/` or a .yaml/.yml ending) or the name
    /// of a shipped mapping.
    public static func load(_ nameOrPath: String, root: URL?) throws -> Mapping {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        let url: URL
        if isPath {
            url = URL(fileURLWithPath: nameOrPath)
        } else {
            guard let root else { throw ImportError(.mapping, "找不到 Lexicon/ 数据目录，无法载入内置映射「\(nameOrPath)」。请用文件路径，或设置 WENSHU_HOME。") }
            url = shippedDirectory(root: root).appendingPathComponent(nameOrPath + ".yaml")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let known = root.map { shipped(root: $0) } ?? []
            throw ImportError(.mapping, "找不到映射文件 \(url.path)。内置映射：\(known.joined(separator: ", "))；也可以给出 YAML 文件路径。")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError(.mapping, "映射文件 \(url.path) 不是 UTF-8 文本。")
        }
        var m = try parse(text, source: url.path)
        if m.name.isEmpty { m.name = url.deletingPathExtension().lastPathComponent }
        return m
    }

    /// Names of the shipped mappings.
    public static func shipped(root: URL) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: shippedDirectory(root: root).path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Parses a mapping's YAML text. Every problem names the key it is about.
    public static func parse(_ text: String, source: String = "mapping") throws -> Mapping {
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { throw ImportError(.mapping, "映射文件 \(source) 是空的。") }
            root = n
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError(.mapping, "映射文件 \(source) 不是合法的 YAML：\(error)")
        }
        guard let top = root.mapping else { throw ImportError(.mapping, "映射文件 \(source) 的顶层应是键值表（name、fields、…）。") }
        var m = Mapping()
        m.source = source
        func fail(_ what: String) -> ImportError { ImportError(.mapping, "映射文件 \(source)：\(what)") }
        let knownTop: Set<String> = ["name", "description", "header", "encoding", "sheet", "missing", "fields", "caller", "deadline", "variants", "places", "utc_offset_hours"]
        for (k, _) in top {
            let key = k.scalar?.string ?? ""
            if !knownTop.contains(key) { throw fail("未知的键「\(key)」。可用：\(knownTop.sorted().joined(separator: ", "))") }
        }
        m.name = top["name"]?.scalar?.string ?? ""
        m.description = top["description"]?.scalar?.string ?? ""
        if let h = top["header"] {
            if let rows = h["search_rows"] {
                guard let n = boundedInt(rows, 1...1000) else { throw fail("header.search_rows 需要 1 到 1000 之间的整数。") }
                m.headerSearchRows = n
            }
        }
        if let e = top["encoding"]?.scalar?.string {
            let norm = e.lowercased()
            guard ["auto", "utf-8", "utf8", "gb18030", "gbk", "gb2312"].contains(norm) else { throw fail("encoding 只能是 auto、utf-8 或 gb18030（收到 \(e)）。") }
            m.encoding = norm == "utf8" ? "utf-8" : (["gbk", "gb2312"].contains(norm) ? "gb18030" : norm)
        }
        m.sheet = top["sheet"]?.scalar?.string
        if let miss = top["missing"] {
            guard miss.sequence != nil else { throw fail("missing 需要一个列表。") }
            m.missing = Set(miss.array().compactMap { $0.scalar?.string })
        }
        if let off = top["utc_offset_hours"] {
            guard let n = boundedInt(off, -12...14) else { throw fail("utc_offset_hours 需要 -12 到 14 之间的整数。") }
            m.utcOffsetHours = n
        }
        guard let fields = top["fields"]?.mapping else { throw fail("缺少 fields（字段 → 源列）。") }
        for (k, v) in fields {
            let key = k.scalar?.string ?? ""
            guard let f = TicketField(rawValue: key) else {
                throw fail("fields 下未知的字段「\(key)」。合同字段：\(TicketField.allCases.map(\.rawValue).joined(separator: ", "))（来电人写在 caller 下）。")
            }
            m.fields[f] = try fieldSpec(v, field: f, fail: fail)
        }
        for required in [TicketField.id, .created_at] where m.fields[required]?.columns.isEmpty ?? true {
            throw fail("fields.\(required.rawValue) 必须给出源列。")
        }
        if let c = top["caller"] {
            if c.sequence != nil || c.scalar != nil {
                m.callerColumns = stringList(c)
            } else {
                m.callerColumns = c["columns"].map(stringList) ?? []
                if let s = c["salt"]?.scalar?.string, !s.isEmpty { m.salt = s }
            }
        }
        if let d = top["deadline"] {
            if let rules = d["rules"] {
                guard rules.sequence != nil else { throw fail("deadline.rules 需要一个列表。") }
                m.deadlineRules = try rules.array().enumerated().map { i, r in try deadlineRule(r, index: i + 1, fail: fail) }
                guard m.deadlineRules.contains(where: { $0.urgent == nil && $0.kinds == nil && $0.categories == nil }) else {
                    throw fail("deadline.rules 需要一条不带条件的兜底规则（如 {working_days: 7}）。")
                }
            }
            m.holidayFile = d["holidays"]?.scalar?.string
            for (key, target) in [("extra_holidays", \Mapping.extraHolidays), ("workdays", \Mapping.workdays)] {
                guard let list = d[key] else { continue }
                var days = Set<Day>()
                for node in list.array() {
                    guard let s = node.scalar?.string, let day = Day(parsing: s), s.count == 10 else { throw fail("deadline.\(key) 的日期需要 YYYY-MM-DD（收到 \(node.scalar?.string ?? "?")）。") }
                    days.insert(day)
                }
                m[keyPath: target] = days
            }
        }
        if let v = top["variants"] {
            guard let map = v.mapping else { throw fail("variants 需要「异体字: 规范字」的键值表。") }
            m.variants = map.compactMap { k, v in
                guard let a = k.scalar?.string, let b = v.scalar?.string, !a.isEmpty else { return nil }
                return (a, b)
            }
        }
        if let p = top["places"] { m.city = p["city"]?.scalar?.string }
        return m
    }

    private static func fieldSpec(_ v: Node, field: TicketField, fail: (String) -> ImportError) throws -> FieldSpec {
        var s = FieldSpec()
        if v.scalar != nil || v.sequence != nil {
            s.columns = stringList(v)
        } else if let map = v.mapping {
            let known: Set<String> = ["columns", "values", "other", "default", "split", "level", "strip_district"]
            for (k, _) in map where !known.contains(k.scalar?.string ?? "") {
                throw fail("fields.\(field.rawValue) 下未知的键「\(k.scalar?.string ?? "")」。可用：\(known.sorted().joined(separator: ", "))")
            }
            s.columns = v["columns"].map(stringList) ?? []
            if let vals = v["values"] {
                guard let vm = vals.mapping else { throw fail("fields.\(field.rawValue).values 需要「源值: 合同值」的键值表。") }
                for (a, b) in vm {
                    guard let key = a.scalar?.string else { continue }
                    s.values[TextCleaner.foldWidth(key)] = isNull(b) ? .some(nil) : .some(b.scalar?.string)
                }
            }
            if let o = v["other"] {
                s.other = isNull(o) ? .null : OtherPolicy(o.scalar?.string ?? "keep")
                if s.other == .derive && field != .status { throw fail("fields.\(field.rawValue).other: derive 只用于 status（按办结时间推出）。") }
            }
            if let d = v["default"], !isNull(d) { s.defaultValue = d.scalar?.string }
            s.split = v["split"].map(stringList)?.filter { !$0.isEmpty } ?? []
            if let l = v["level"] {
                guard let n = boundedInt(l, 1...10) else { throw fail("fields.\(field.rawValue).level 需要 1 到 10 之间的整数。") }
                s.level = n
            }
            if let sd = v["strip_district"] { s.stripDistrict = sd.scalar?.string == "true" || sd.scalar?.string == "yes" }
        } else {
            throw fail("fields.\(field.rawValue) 需要源列名、列名列表或键值表。")
        }
        if let allowed = field.contractValues {
            for (src, target) in s.values {
                if let t = target, !allowed.contains(t) {
                    throw fail("fields.\(field.rawValue).values 把「\(src)」映射为「\(t)」，不在合同的取值 \(allowed.sorted().joined(separator: "/")) 中。")
                }
            }
            if case .value(let t) = s.other, !allowed.contains(t) {
                throw fail("fields.\(field.rawValue).other 的「\(t)」不在合同的取值 \(allowed.sorted().joined(separator: "/")) 中。")
            }
        }
        return s
    }

    private static func deadlineRule(_ r: Node, index: Int, fail: (String) -> ImportError) throws -> DeadlineRule {
        guard r.mapping != nil else { throw fail("deadline.rules 第\(index)条需要键值表。") }
        var rule = DeadlineRule()
        if let u = r["urgent"] {
            guard let n = boundedInt(u, 0...1) else { throw fail("deadline.rules 第\(index)条 urgent 只能是 0 或 1。") }
            rule.urgent = n
        }
        if let k = r["kind"] { rule.kinds = Set(stringList(k)) }
        if let c = r["category"] { rule.categories = Set(stringList(c)) }
        if let h = r["hours"] {
            guard let n = boundedInt(h, 1...8760) else { throw fail("deadline.rules 第\(index)条 hours 需要 1 到 8760 之间的整数。") }
            rule.hours = n
        }
        if let w = r["working_days"] {
            guard let n = boundedInt(w, 0...365) else { throw fail("deadline.rules 第\(index)条 working_days 需要 0 到 365 之间的整数。") }
            rule.workingDays = n
        }
        guard (rule.hours == nil) != (rule.workingDays == nil) else { throw fail("deadline.rules 第\(index)条需要 hours 或 working_days 之一。") }
        return rule
    }

    static func stringList(_ n: Node) -> [String] {
        if let s = n.scalar?.string { return [s] }
        return n.array().compactMap { $0.scalar?.string }
    }

    static func isNull(_ n: Node) -> Bool {
        guard let s = n.scalar else { return false }
        return s.style == .plain && ["null", "Null", "NULL", "~", ""].contains(s.string)
    }

    static func boundedInt(_ n: Node, _ range: ClosedRange<Int>) -> Int? {
        guard let s = n.scalar?.string, s.count <= 12, let v = Int(s), range.contains(v) else { return nil }
        return v
    }
}
