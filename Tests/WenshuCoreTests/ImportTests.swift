import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuImport

/// `wenshu import` on generated exports in Beijing's layout (CSV UTF-8, CSV GB18030, XLSX):
/// the stored rows field by field, the report's figures, appends, bad files, and questions on
/// the imported store through the real binary.
final class ImportTests: XCTestCase {
    static let root = Fixtures.packageRoot
    static let salt = "test-salt"

    func importFiles(_ files: [String], mapping: String = "beijing-12345", out: String? = nil, append: Bool = false) throws -> (String, ImportReport) {
        let store = out ?? ImportFixtures.temp("store.db")
        var o = Importer.Options(mapping: try Mapping.load(mapping, root: Self.root), out: store, files: files)
        o.append = append
        o.salt = Self.salt
        o.root = Self.root
        return (store, try Importer(options: o).run())
    }

    func row(_ store: String, _ id: String) throws -> [String: String] {
        let cols = TicketSchema.columns
        let rows = try Fixtures.oracle(store, "SELECT \(cols.joined(separator: ", ")) FROM tickets WHERE id = '\(id)'")
        XCTAssertEqual(rows.count, 1, "ticket \(id)")
        guard let r = rows.first else { return [:] }
        var out: [String: String] = [:]
        for (i, c) in cols.enumerated() {
            switch r[i] {
            case .null: out[c] = "NULL"
            default: out[c] = r[i].description
            }
        }
        return out
    }

    /// The values every format must give (the caller is checked apart: it is a hash).
    static let expected: [String: [String: String]] = [
        "A001": ["created_at": "2024-01-08 15:03:00", "channel": "电话", "kind": "投诉", "category": "城乡建设", "subcategory": "物业管理",
                 "district": "朝阳区", "street": "望京街道", "community": "花家地社区", "address": "望京花园3号楼",
                 "content": "小区物业不作为，联系电话138****5678，请尽快处理", "department": "望京街道办事处", "status": "已办结",
                 "urgent": "0", "due_at": "2024-01-17 15:03:00", "closed_at": "2024-01-11 10:00:00", "satisfaction": "满意", "resolved": "1"],
        "A002": ["created_at": "2024-01-09 08:30:00", "channel": "电话", "kind": "求助", "category": "公共服务", "subcategory": "供水",
                 "district": "海淀区", "street": "中关村街道", "community": "NULL", "address": "NULL",
                 "content": "家里停水两天了，身份证号110105********1234，座机010-6*****78", "department": "北京市自来水集团",
                 "status": "办理中", "urgent": "0", "due_at": "2024-01-18 08:30:00", "closed_at": "NULL", "satisfaction": "NULL", "resolved": "NULL"],
        "A003": ["created_at": "2024-01-10 12:00:00", "channel": "上级派发", "kind": "举报", "category": "卫生健康", "subcategory": "控烟",
                 "district": "朝阳区", "street": "望京街道", "status": "已办结", "due_at": "2024-01-19 12:00:00",
                 "closed_at": "2024-01-12 09:30:00", "satisfaction": "不满意", "resolved": "0"],
        "A004": ["created_at": "2024-01-11 09:05:00", "channel": "微信", "kind": "表扬", "category": "城乡建设", "subcategory": "市容环境",
                 "street": "望京街道", "status": "已办结", "due_at": "2024-02-01 09:05:00", "closed_at": "2024-01-12 15:30:00",
                 "satisfaction": "满意", "resolved": "1"],
        "A005": ["created_at": "2024-01-12 10:30:00", "channel": "网站", "kind": "咨询", "category": "社会保障", "subcategory": "社会保险",
                 "district": "NULL", "street": "NULL", "department": "NULL", "status": "待派单", "due_at": "2024-01-15 10:30:00",
                 "closed_at": "NULL", "satisfaction": "NULL", "resolved": "NULL"],
        "A006": ["created_at": "2024-01-15 10:40:00", "channel": "APP", "kind": "求助", "subcategory": "供暖", "street": "中关村街道",
                 "content": "暖气不热，电话 137****2222", "status": "办理中", "due_at": "2024-01-24 10:40:00", "closed_at": "NULL",
                 "satisfaction": "基本满意", "resolved": "0"],
        "A007": ["created_at": "2024-01-13 14:00:00", "status": "已办结", "due_at": "2024-01-23 14:00:00", "closed_at": "2024-01-15 11:00:00"],
        "A009": ["created_at": "2024-01-14 09:00:00", "status": "办理中", "due_at": "2024-01-23 09:00:00", "street": "望京街道"],
        "A010": ["created_at": "2024-02-08 09:00:00", "due_at": "2024-02-23 09:00:00"],
    ]

    func assertExpectedRows(_ store: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ids = try Fixtures.oracle(store, "SELECT id FROM tickets ORDER BY id").map { $0[0].description }
        XCTAssertEqual(ids, ["A001", "A002", "A003", "A004", "A005", "A006", "A007", "A009", "A010"], file: file, line: line)
        for (id, fields) in Self.expected {
            let r = try row(store, id)
            for (f, v) in fields { XCTAssertEqual(r[f], v, "\(id).\(f)", file: file, line: line) }
        }
        // Callers: stored only as hashes; the same number in two spellings is one caller.
        let a1 = try row(store, "A001")["caller"], a3 = try row(store, "A003")["caller"], a7 = try row(store, "A007")["caller"]
        XCTAssertEqual(a1, a3, file: file, line: line)
        XCTAssertEqual(a1, a7, file: file, line: line)
        XCTAssertEqual(a1?.count, 16, file: file, line: line)
        XCTAssertNotEqual(try row(store, "A005")["caller"], try row(store, "A004")["caller"], file: file, line: line)
        let all = try Fixtures.oracle(store, "SELECT content, address, caller FROM tickets").flatMap { $0.map(\.description) }.joined(separator: "|")
        for secret in ["13812345678", "110105199001011234", "62345678", "13700002222"] {
            XCTAssertFalse(all.contains(secret), "\(secret) stored in clear", file: file, line: line)
        }
    }

    func testUTF8CSVFieldByFieldAndReport() throws {
        let csv = try ImportFixtures.writeUTF8CSV()
        let (store, report) = try importFiles([csv])
        try assertExpectedRows(store)
        XCTAssertEqual(report.files.first?.encoding, "UTF-8")
        XCTAssertEqual(report.files.first?.headerLine, 3)
        XCTAssertEqual(report.files.first?.titleRows, 2)
        XCTAssertEqual(report.rowsRead, 12)
        XCTAssertEqual(report.rowsRejected, 1)
        XCTAssertEqual(report.rowsMerged, 1)
        XCTAssertEqual(report.ticketsInFiles, 10)
        XCTAssertEqual(report.ticketsRejected, 1)
        XCTAssertEqual(report.ticketsWritten, 9)
        XCTAssertEqual(report.ticketsAlreadyInStore, 0)
        XCTAssertEqual(report.rejections.map(\.line), [12, 13])
        XCTAssertEqual(report.rejections.map(\.reason), ["没有工单编号", "没有可识别的受理时间（created_at）"])
        func change(_ f: String, _ v: String) -> ImportReport.ValueChange? { report.valueChanges.first { $0.field == f && $0.value == v } }
        XCTAssertEqual(change("kind", "诉求")?.became, "求助")
        XCTAssertEqual(change("kind", "控烟")?.became, "举报")
        XCTAssertEqual(change("channel", "上级派发")?.became, "保留原值")
        XCTAssertEqual(change("channel", "110接警")?.became, "电话")
        XCTAssertEqual(change("status", "回复完成")?.count, 4)
        XCTAssertEqual(change("status", "挂起")?.became, "按办结时间推算")
        XCTAssertEqual(change("resolved", "部分解决")?.became, "0")
        XCTAssertEqual(change("satisfaction", "未评价")?.became, "NULL")
        XCTAssertEqual(report.cleaning["街道去掉前面的区名"], 6)
        XCTAssertEqual(report.cleaning["「不详/无/空」等记为 NULL"], 3)
        XCTAssertEqual(report.cleaning["手机号/座机号打码"], 4)
        XCTAssertEqual(report.cleaning["身份证号打码"], 1)
        XCTAssertEqual(report.cleaning["办理时限按规则推算（无时限列或为空）"], 9)
        XCTAssertEqual(report.cleaning["工单状态按办结时间推算"], 1)
        XCTAssertEqual(report.unreadableDates["created_at 无法识别"], 1)
        XCTAssertEqual(report.dateForms.count, 8, "\(report.dateForms)")
        XCTAssertTrue(report.files[0].fieldsWithoutColumn.contains("due_at"))
        XCTAssertTrue(report.files[0].columnsIgnored.contains("企业名称"))
        XCTAssertEqual(report.missingRates["district"] ?? -1, 1.0 / 9, accuracy: 1e-9)
        XCTAssertTrue(report.text.contains("写入 9"))
        let json = try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any]
        XCTAssertEqual(json?["tickets_written"] as? Int, 9)
        XCTAssertEqual((json?["rejections"] as? [[String: Any]])?.first?["line"] as? Int, 12)
    }

    func testGB18030CSVGivesTheSameStore() throws {
        let csv = try ImportFixtures.writeGB18030CSV()
        let raw = try Data(contentsOf: URL(fileURLWithPath: csv))
        XCTAssertNil(String(data: raw, encoding: .utf8), "the fixture really is GB18030, not UTF-8")
        let before = raw
        let (store, report) = try importFiles([csv])
        XCTAssertEqual(report.files.first?.encoding, "GB18030")
        try assertExpectedRows(store)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: csv)), before, "the source file is never changed")
    }

    func testXLSXGivesTheSameStore() throws {
        let xlsx = try ImportFixtures.writeXLSX()
        let (store, report) = try importFiles([xlsx])
        XCTAssertEqual(report.files.first?.format, "XLSX")
        XCTAssertEqual(report.files.first?.headerLine, 3)
        XCTAssertEqual(report.rejections.map(\.line), [12, 13])
        XCTAssertGreaterThan(report.dateForms[DateParser.Form.excel.rawValue] ?? 0, 4, "date cells are Excel serials")
        try assertExpectedRows(store)
    }

    func testAppendingTheSameFileTwiceAddsNothing() throws {
        let csv = try ImportFixtures.writeUTF8CSV()
        let (store, first) = try importFiles([csv])
        XCTAssertEqual(first.ticketsWritten, 9)
        let (_, second) = try importFiles([csv], out: store, append: true)
        XCTAssertEqual(second.ticketsWritten, 0)
        XCTAssertEqual(second.ticketsAlreadyInStore, 9)
        XCTAssertEqual(try Fixtures.oracle(store, "SELECT count(*) FROM tickets")[0][0], .integer(9))
        // A later export with one new ticket adds exactly that one.
        var table = ImportFixtures.table
        table.append(ImportFixtures.header.map { ["工单编号": "A011", "工单类型": "投诉", "问题分类": "城乡建设->物业管理", "主要内容": "新的", "来电时间": "2024-02-20 10:00"][$0] ?? "" })
        let later = ImportFixtures.temp("later.csv")
        try Data(ImportFixtures.csv(table).utf8).write(to: URL(fileURLWithPath: later))
        let (_, third) = try importFiles([later], out: store, append: true)
        XCTAssertEqual(third.ticketsWritten, 1)
        XCTAssertEqual(try Fixtures.oracle(store, "SELECT count(*) FROM tickets")[0][0], .integer(10))
        // Without --append an existing store is refused and left alone.
        XCTAssertThrowsError(try importFiles([csv], out: store)) { XCTAssertEqual(($0 as? ImportError)?.kind, .store) }
    }

    func testSeveralFilesMergeTicketsAcrossThem() throws {
        let a = try ImportFixtures.writeUTF8CSV(), b = try ImportFixtures.writeXLSX()
        let (store, report) = try importFiles([a, b])
        XCTAssertEqual(report.rowsRead, 24)
        XCTAssertEqual(report.ticketsWritten, 9)
        XCTAssertEqual(report.rowsMerged, 1 + 11)
        try assertExpectedRows(store)
    }

    func testBadFilesAreErrorsAndLeaveNoStore() throws {
        // Truncated XLSX.
        let xlsx = try ImportFixtures.writeXLSX()
        let data = try Data(contentsOf: URL(fileURLWithPath: xlsx))
        let cut = ImportFixtures.temp("cut.xlsx")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        // An unclosed quote, a file with no header, and an old binary .xls.
        let quote = ImportFixtures.temp("quote.csv")
        try Data((ImportFixtures.csv(ImportFixtures.table) + "A099,投诉,\"never closed\n").utf8).write(to: URL(fileURLWithPath: quote))
        let noHeader = ImportFixtures.temp("noheader.csv")
        try Data("a,b,c\n1,2,3\n".utf8).write(to: URL(fileURLWithPath: noHeader))
        let xls = ImportFixtures.temp("old.xls")
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).write(to: URL(fileURLWithPath: xls))
        for (bad, words) in [(cut, "截断"), (quote, "引号"), (noHeader, "表头"), (xls, ".xls")] {
            let store = ImportFixtures.temp("bad.db")
            XCTAssertThrowsError(try importFiles([try ImportFixtures.writeUTF8CSV(), bad], out: store), bad) { e in
                XCTAssertEqual((e as? ImportError)?.kind, .input, "\(e)")
                XCTAssertTrue("\(e)".contains(words), "\(e)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: store), "no store left behind for \(bad)")
            let dir = (store as NSString).deletingLastPathComponent
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "no temporary file left behind")
        }
    }

    func testFailedAppendLeavesTheStoreAsItWas() throws {
        let csv = try ImportFixtures.writeUTF8CSV()
        let (store, _) = try importFiles([csv])
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        var table = ImportFixtures.table
        table.append(ImportFixtures.header.map { ["工单编号": "A012", "来电时间": "2024-02-20 10:00"][$0] ?? "" })
        let good = ImportFixtures.temp("more.csv")
        try Data(ImportFixtures.csv(table).utf8).write(to: URL(fileURLWithPath: good))
        let bad = ImportFixtures.temp("quote.csv")
        try Data("工单编号,来电时间\n\"A013,2024-01-01\n".utf8).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try importFiles([good, bad], out: store, append: true))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
    }

    // MARK: - The end-to-end path through the real binary.

    func testCLIImportThenAsk() throws {
        let csv = try ImportFixtures.writeGB18030CSV()
        let store = ImportFixtures.temp("cli.db")
        let reportFile = ImportFixtures.temp("report.json")
        let (code, out, err) = try Fixtures.runWenshu(["import", "--mapping", "beijing-12345", "--out", store, "--salt", "s", "--report", reportFile, csv])
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(out.contains("写入 9"), out)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportFile))) as? [String: Any]
        XCTAssertEqual(report?["rows_read"] as? Int, 12)

        func ask(_ q: String) throws -> [String: Any] {
            let (c, o, e) = try Fixtures.runWenshu(["ask", "--db", store, "--now", "2024-01-31 12:00:00", "--format", "json", q])
            XCTAssertEqual(c, 0, e)
            return try JSONSerialization.jsonObject(with: Data(o.utf8)) as? [String: Any] ?? [:]
        }
        func count(_ sql: String) throws -> Int64 {
            if case .integer(let n) = try Fixtures.oracle(store, sql)[0][0] { return n }
            return -1
        }
        let complaints = try ask("2024年1月投诉有多少件")
        XCTAssertEqual(complaints["status"] as? String, "answered", "\(complaints)")
        XCTAssertEqual((complaints["rows"] as? [[Any]])?.first?.first as? Int, 3)
        XCTAssertEqual(try count("SELECT count(*) FROM tickets WHERE kind = '投诉' AND created_at >= '2024-01-01' AND created_at < '2024-02-01'"), 3)
        let chaoyang = try ask("2024年1月朝阳区工单量")
        XCTAssertEqual((chaoyang["rows"] as? [[Any]])?.first?.first as? Int, 5, "\(chaoyang)")

        // Bad input: a clear message and an exit code, never a crash.
        let (c2, _, e2) = try Fixtures.runWenshu(["import", "--mapping", "nonexistent-city", "--out", ImportFixtures.temp("x.db"), csv])
        XCTAssertEqual(c2, 2)
        XCTAssertTrue(e2.contains("beijing-12345"), e2)
        let (c3, _, e3) = try Fixtures.runWenshu(["import", "--mapping", "beijing-12345", "--out", ImportFixtures.temp("y.db"), "/nonexistent/file.csv"])
        XCTAssertEqual(c3, 3)
        XCTAssertTrue(e3.contains("/nonexistent/file.csv"), e3)
        let (c4, _, e4) = try Fixtures.runWenshu(["import", "--mapping", "beijing-12345", "--out", store, csv])
        XCTAssertEqual(c4, 4)
        XCTAssertTrue(e4.contains("--append"), e4)
    }

    // MARK: - Cleaning steps on their own.

    func testDateForms() {
        let cases: [(String, String, DateParser.Form)] = [
            ("2024-01-08 15:03:00", "2024-01-08 15:03:00", .iso),
            ("2024-01-08T15:03", "2024-01-08 15:03:00", .iso),
            ("2024-01-08 15:03:00.123", "2024-01-08 15:03:00", .iso),
            ("2024/1/8 15:03", "2024-01-08 15:03:00", .slash),
            ("2024/01/08", "2024-01-08 00:00:00", .slash),
            ("2024.1.8 7:05:09", "2024-01-08 07:05:09", .dot),
            ("2024年1月8日下午3时", "2024-01-08 15:00:00", .chinese),
            ("2024年1月8日 晚上11点30分", "2024-01-08 23:30:00", .chinese),
            ("2024年1月8日上午12时5分", "2024-01-08 00:05:00", .chinese),
            ("2024年1月8日中午1点", "2024-01-08 13:00:00", .chinese),
            ("45299.627083333", "2024-01-08 15:03:00", .excel),
            ("45299", "2024-01-08 00:00:00", .excel),
            ("20240108", "2024-01-08 00:00:00", .compact),
            ("20240108150300", "2024-01-08 15:03:00", .compact),
            ("1704697380", "2024-01-08 15:03:00", .epoch),
            ("1704697380000", "2024-01-08 15:03:00", .epoch),
            ("1/8/2024 3:03 PM", "2024-01-08 15:03:00", .monthFirst),
            ("２０２４／１／８　１５：０３", "2024-01-08 15:03:00", .slash),
        ]
        for (input, want, form) in cases {
            let got = DateParser.parse(input)
            XCTAssertEqual(got?.0, want, input)
            XCTAssertEqual(got?.1, form, input)
        }
        for bad in ["", "昨天", "2024-13-01", "2024-02-30 10:00", "2024-01-08 25:00", "99999999999999999999999", "2024/1/8 15:03 foo",
                    "12345678901234567890.5", "0", "2024年1月", "-1", "1e309", "2024-01-08 10:60"] {
            XCTAssertNil(DateParser.parse(bad), bad)
        }
    }

    func testMasking() {
        var c = PrivacyMask.Counts()
        XCTAssertEqual(PrivacyMask.mask("电话13812345678。", counts: &c), "电话138****5678。")
        XCTAssertEqual(PrivacyMask.mask("座机0571-87654321或057187654321", counts: &c), "座机0571-8*****21或0571-8*****21")
        XCTAssertEqual(PrivacyMask.mask("身份证33010619900101123X号", counts: &c), "身份证330106********123X号")
        XCTAssertEqual(PrivacyMask.mask("工单2024010812345678901和金额1234567元", counts: &c), "工单2024010812345678901和金额1234567元")
        XCTAssertEqual(c.phones, 3)
        XCTAssertEqual(c.ids, 1)
    }

    func testStreetPrefixes() {
        XCTAssertEqual(TextCleaner.stripPrefix("朝阳区望京街道", district: "朝阳区")?.street, "望京街道")
        XCTAssertEqual(TextCleaner.stripPrefix("朝阳区-望京街道", district: nil, others: ["海淀区", "朝阳区"])?.district, "朝阳区")
        XCTAssertEqual(TextCleaner.stripPrefix("朝阳 望京街道", district: "朝阳区")?.street, "望京街道")
        XCTAssertNil(TextCleaner.stripPrefix("望京街道", district: "朝阳区"))
        XCTAssertNil(TextCleaner.stripPrefix("朝阳区", district: "朝阳区"))
        XCTAssertEqual(TextCleaner.level("城乡建设->物业管理->物业服务", separators: ["->"], 2), "物业管理")
        XCTAssertNil(TextCleaner.level("城乡建设", separators: ["->"], 2))
    }

    func testMappingErrorsNameTheKey() {
        let cases: [(String, String)] = [
            ("fields: [", "YAML"),
            ("name: x\n", "fields"),
            ("fields:\n  id: 编号\n", "created_at"),
            ("fields:\n  id: 编号\n  created_at: 时间\n  colour: 颜色\n", "colour"),
            ("fields:\n  id: 编号\n  created_at: 时间\n  kind:\n    columns: 类型\n    values: {诉求: 需求}\n", "需求"),
            ("fields:\n  id: 编号\n  created_at: 时间\ndeadline:\n  rules:\n    - {kind: [咨询], working_days: 1}\n", "兜底"),
            ("fields:\n  id: 编号\n  created_at: 时间\ndeadline:\n  rules:\n    - {working_days: 99999999999999999999}\n", "working_days"),
            ("fields:\n  id: 编号\n  created_at: 时间\nheader: {search_rows: -3}\n", "search_rows"),
        ]
        for (yaml, word) in cases {
            XCTAssertThrowsError(try Mapping.parse(yaml), yaml) { e in
                XCTAssertEqual((e as? ImportError)?.kind, .mapping)
                XCTAssertTrue("\(e)".contains(word), "\(e) should name \(word)")
            }
        }
        for name in ["beijing-12345", "generic"] { XCTAssertNoThrow(try Mapping.load(name, root: Self.root), name) }
    }

    func testGenericMappingOnAPlainLayout() throws {
        let p = ImportFixtures.temp("plain.csv")
        try Data("""
        工单编号,受理时间,来源渠道,诉求类型,一级分类,二级分类,区县,街道,社区,诉求内容,承办单位,状态,是否紧急,办理时限,办结时间,回访评价,是否解决,来电人电话
        G1,2025-03-03 09:00:00,电话,投诉,城市管理,噪声扰民,西湖区,西湖区北山街道,宝石社区,楼下太吵,区城管局,已办结,否,2025-03-06 18:00:00,2025-03-04 10:00:00,满意,是,13512345678
        G2,2025-03-04 10:00:00,微信,咨询,公用事业,供水,西湖区,北山街道,,停水了吗,,办理中,紧急,,,,,
        """.utf8).write(to: URL(fileURLWithPath: p))
        let (store, report) = try importFiles([p], mapping: "generic")
        XCTAssertEqual(report.ticketsWritten, 2)
        let g1 = try row(store, "G1"), g2 = try row(store, "G2")
        XCTAssertEqual(g1["street"], "北山街道")
        XCTAssertEqual(g1["due_at"], "2025-03-06 18:00:00", "a deadline column is taken as given")
        XCTAssertEqual(g1["resolved"], "1")
        XCTAssertEqual(g2["urgent"], "1")
        XCTAssertEqual(g2["due_at"], "2025-03-05 10:00:00", "urgent: 24 hours")
        XCTAssertEqual(g2["department"], "NULL")
    }

    func testPlacesMatchedAgainstACityFile() throws {
        let mappingFile = ImportFixtures.temp("hz.yaml")
        let generic = try String(contentsOf: Self.root.appendingPathComponent("Lexicon/imports/generic.yaml"), encoding: .utf8)
        try Data((generic.replacingOccurrences(of: "name: generic", with: "name: hz") + "\nplaces: {city: hangzhou}\n").utf8)
            .write(to: URL(fileURLWithPath: mappingFile))
        let p = ImportFixtures.temp("hz.csv")
        try Data("""
        工单编号,受理时间,诉求类型,一级分类,区县,街道,诉求内容
        H1,2025-03-03 09:00:00,投诉,城市管理,西湖,北山,楼下太吵
        H2,2025-03-03 10:00:00,投诉,城市管理,西湖区,西湖区北山街道,还是吵
        H3,2025-03-03 11:00:00,投诉,城市管理,东方区,东方街道,不存在的区
        """.utf8).write(to: URL(fileURLWithPath: p))
        let (store, report) = try importFiles([p], mapping: mappingFile)
        XCTAssertEqual(try row(store, "H1")["district"], "西湖区")
        XCTAssertEqual(try row(store, "H1")["street"], "北山街道")
        XCTAssertEqual(try row(store, "H2")["street"], "北山街道")
        XCTAssertEqual(try row(store, "H3")["district"], "东方区", "names the city file lacks are kept")
        XCTAssertEqual(report.cleaning["地名补全为城市文件中的全称"], 2)
        XCTAssertEqual(report.cleaning["区名不在城市文件中（按数据保留）"], 1)
        XCTAssertTrue(report.warnings.isEmpty, "\(report.warnings)")
    }

    /// Random strings from the characters real values are made of: the parsers never trap,
    /// a date they return is a valid contract timestamp, and masking is idempotent.
    func testCleanersNeverTrapOnRandomInput() {
        let alphabet = Array("0123456789０１２３-/.:： T年月日时点分秒上下午晚中PMAMpmXx+ e零一") + ["\u{3000}", "\u{FF0D}"]
        var rng = SystemRandomNumberGenerator()
        var counts = PrivacyMask.Counts()
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...30, using: &rng)
            let s = String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            if let (stamp, _) = DateParser.parse(s) {
                XCTAssertEqual(stamp.count, 19, s)
                XCTAssertNotNil(Now(stamp), s)
            }
            let masked = PrivacyMask.mask(s, counts: &counts)
            XCTAssertEqual(PrivacyMask.mask(masked, counts: &counts), masked, "masking twice changes nothing: \(s)")
            _ = TextCleaner.levels(s, separators: ["->", "/"])
            _ = TextCleaner.stripPrefix(s, district: "朝阳区", others: ["海淀区"])
            _ = CallerHasher.normalize(s)
        }
    }
}
