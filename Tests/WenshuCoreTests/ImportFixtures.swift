import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ZIPFoundation

/// A small export in Beijing's 接诉即办 layout, written by the tests as UTF-8 CSV, GB18030 CSV
/// and XLSX: two title rows above the header, mixed date forms, district prefixes on streets,
/// 「不详」, one ticket on two rows, phone and ID numbers in the text, values outside the
/// contract's lists, a row without an id and a ticket whose date cannot be read.
enum ImportFixtures {
    static let header = ["工单编号", "工单类型", "问题分类", "标签", "标题", "主要内容", "工单状态", "来电人", "来电人电话/账号",
                         "被反映区", "被反映街乡镇", "村/社区", "小区点位", "办理结果", "回复内容", "处理受理方式", "主办单位",
                         "来电时间", "办结时间", "企业名称", "是否解决", "是否满意", "工单性质"]

    static let titles = [["北京市12345接诉即办工单明细"], ["导出时间：2024年3月1日", "", "单位：件"]]

    /// One row as column name → value; missing columns are empty.
    static let rows: [[String: String]] = [
        ["工单编号": "A001", "工单类型": "投诉", "问题分类": "城乡建设->物业管理->物业服务", "标题": "物业不管", "主要内容": "小区物业不作为，联系电话13812345678，请尽快处理",
         "工单状态": "回复完成", "来电人": "张先生", "来电人电话/账号": "13812345678", "被反映区": "朝阳区", "被反映街乡镇": "朝阳区望京街道",
         "村/社区": "花家地社区", "小区点位": "望京花园3号楼", "处理受理方式": "电话", "主办单位": "望京街道办事处",
         "来电时间": "2024/1/8 15:03", "办结时间": "2024年1月10日下午3时", "企业名称": "不详", "是否解决": "已解决", "是否满意": "满意"],
        // The same ticket again: a second handling unit, closing later.
        ["工单编号": "A001", "工单类型": "投诉", "问题分类": "城乡建设->物业管理->物业服务", "主要内容": "小区物业不作为，联系电话13812345678，请尽快处理",
         "工单状态": "回复完成", "来电人电话/账号": "13812345678", "被反映区": "朝阳区", "被反映街乡镇": "朝阳区望京街道",
         "处理受理方式": "电话", "主办单位": "朝阳区住房和城乡建设委员会", "来电时间": "2024/1/8 15:03", "办结时间": "2024-01-11 10:00:00",
         "是否解决": "已解决", "是否满意": "满意"],
        ["工单编号": "A002", "工单类型": "诉求", "问题分类": "公共服务->供水->停水", "主要内容": "家里停水两天了，身份证号110105199001011234，座机010-62345678",
         "工单状态": "处理中", "来电人电话/账号": "13900001111", "被反映区": "海淀区", "被反映街乡镇": "海淀区-中关村街道",
         "处理受理方式": "110接警", "主办单位": "北京市自来水集团", "来电时间": "2024-01-09 08:30:00", "办结时间": "",
         "是否解决": "不详", "是否满意": "未评价"],
        ["工单编号": "A003", "工单类型": "控烟", "问题分类": "卫生健康->控烟", "主要内容": "餐厅里有人吸烟",
         "工单状态": "回复完成", "来电人电话/账号": "138-1234-5678", "被反映区": "朝阳区", "被反映街乡镇": "望京街道",
         "处理受理方式": "上级派发", "主办单位": "朝阳区卫生健康委员会", "来电时间": "45301.5", "办结时间": "20240112093000",
         "是否解决": "部分解决", "是否满意": "不满意"],
        ["工单编号": "A004", "工单类型": "感谢", "问题分类": "城乡建设->市容环境", "主要内容": "感谢街道及时清理垃圾",
         "工单状态": "已归档", "来电人": "李女士", "被反映区": "朝阳区", "被反映街乡镇": "朝阳区 望京街道",
         "处理受理方式": "微信公众号", "主办单位": "望京街道办事处", "来电时间": "2024.1.11 9:05", "办结时间": "1/12/2024 3:30 PM",
         "是否解决": "已解决", "是否满意": "非常满意"],
        ["工单编号": "A005", "工单类型": "咨询", "问题分类": "社会保障->社会保险", "主要内容": "咨询医保报销比例",
         "工单状态": "待受理", "来电人": "不详", "来电人电话/账号": "不详", "被反映区": "无", "被反映街乡镇": "不详",
         "处理受理方式": "网站", "来电时间": "2024年1月12日上午10时30分", "是否解决": "", "是否满意": ""],
        ["工单编号": "A006", "工单类型": "求助", "问题分类": "公共服务->供暖", "主要内容": "暖气不热，电话 13700002222",
         "工单状态": "挂起", "来电人电话/账号": "13700002222", "被反映区": "海淀区", "被反映街乡镇": "海淀区中关村街道",
         "处理受理方式": "北京通", "主办单位": "海淀区城市管理委员会", "来电时间": "1705286400", "是否解决": "未解决", "是否满意": "基本满意"],
        ["工单编号": "A007", "工单类型": "投诉", "问题分类": "城乡建设->物业管理", "主要内容": "物业乱收费",
         "工单状态": "回复完成", "来电人电话/账号": "13812345678", "被反映区": "朝阳区", "被反映街乡镇": "朝阳区望京街道",
         "处理受理方式": "电话", "主办单位": "望京街道办事处", "来电时间": "2024-01-13T14:00:00", "办结时间": "2024-01-15 11:00:00",
         "是否解决": "已解决", "是否满意": "满意"],
        // No id: rejected with its line.
        ["工单编号": "", "工单类型": "投诉", "主要内容": "没有编号的行", "来电时间": "2024-01-14 09:00:00"],
        // A date nobody can read: the ticket is rejected.
        ["工单编号": "A008", "工单类型": "投诉", "问题分类": "城乡建设->物业管理", "主要内容": "日期写错了", "来电时间": "昨天下午"],
        // Full-width id and date.
        ["工单编号": "Ａ009", "工单类型": "投诉", "问题分类": "城乡建设->物业管理", "主要内容": "全角编号", "工单状态": "处理中",
         "被反映区": "朝阳区", "被反映街乡镇": "望京街道", "来电时间": "２０２４－０１－１４　０９：００"],
        // Just before the Spring Festival of 2024: the deadline skips the holiday and counts the makeup Sunday.
        ["工单编号": "A010", "工单类型": "投诉", "问题分类": "城乡建设->物业管理", "主要内容": "节前投诉", "工单状态": "处理中",
         "被反映区": "朝阳区", "被反映街乡镇": "望京街道", "来电时间": "2024-02-08 09:00:00"],
    ]

    static var table: [[String]] { titles + [header] + rows.map { r in header.map { r[$0] ?? "" } } }

    static func csv(_ table: [[String]]) -> String {
        table.map { row in
            row.map { c in c.contains(",") || c.contains("\"") || c.contains("\n") ? "\"" + c.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : c }
                .joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    static func temp(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "wenshu-import-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    static func writeUTF8CSV() throws -> String {
        let p = temp("export-utf8.csv")
        try Data(csv(table).utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    static func writeGB18030CSV() throws -> String {
        let p = temp("export-gb.csv")
        try gb18030(csv(table)).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// UTF-8 → GB18030 with glibc's iconv (independent of the importer's decoder).
    static func gb18030(_ s: String) throws -> Data {
        let cd = iconv_open("GB18030", "UTF-8")
        guard cd != iconv_t(bitPattern: -1) else { throw NSError(domain: "iconv", code: 1) }
        defer { iconv_close(cd) }
        var input = Array(s.utf8)
        var out = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var produced = 0
        input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                var ip: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var il = inBuf.count
                var op: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var ol = outBuf.count
                _ = iconv(cd, &ip, &il, &op, &ol)
                produced = outBuf.count - ol
            }
        }
        return Data(out[0..<produced])
    }

    /// An .xlsx built by hand: shared strings for text, numbers for the Excel serial dates
    /// (as Excel stores a date cell), an inline string, and gaps where cells are empty.
    static func writeXLSX(_ table: [[String]] = table, numericColumns: Set<String> = ["来电时间"], at path: String? = nil) throws -> String {
        let p = path ?? temp("export.xlsx")
        var shared: [String] = []
        var index: [String: Int] = [:]
        func si(_ s: String) -> Int {
            if let i = index[s] { return i }
            index[s] = shared.count
            shared.append(s)
            return shared.count - 1
        }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func ref(_ col: Int, _ row: Int) -> String {
            var n = col + 1
            var s = ""
            while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(65 + r)!) + s; n = (n - 1) / 26 }
            return s + String(row)
        }
        let headerRow = table.firstIndex(of: header) ?? 0
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (r, row) in table.enumerated() {
            sheet += "<row r=\"\(r + 1)\">"
            for (c, v) in row.enumerated() where !v.isEmpty {
                let colName = r > headerRow && c < header.count ? header[c] : ""
                if numericColumns.contains(colName), let serial = excelSerial(v) {
                    sheet += "<c r=\"\(ref(c, r + 1))\" s=\"1\"><v>\(serial)</v></c>"
                } else if colName == "标题" {
                    sheet += "<c r=\"\(ref(c, r + 1))\" t=\"inlineStr\"><is><t>\(esc(v))</t></is></c>"
                } else {
                    sheet += "<c r=\"\(ref(c, r + 1))\" t=\"s\"><v>\(si(v))</v></c>"
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        var sst = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(shared.count)" uniqueCount="\#(shared.count)">"#
        for s in shared { sst += "<si><t xml:space=\"preserve\">\(esc(s))</t></si>" }
        sst += "</sst>"
        let entries: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#),
            ("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="工单明细" sheetId="1" r:id="rId7"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", sst),
        ]
        try? FileManager.default.removeItem(atPath: p)
        let archive = try Archive(url: URL(fileURLWithPath: p), accessMode: .create)
        for (name, text) in entries {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<(Int(pos) + size))
            }
        }
        return p
    }

    /// The Excel serial number of a 'YYYY-MM-DD HH:MM[:SS]' or 'YYYY/M/D H:MM' value, as Excel
    /// would store the cell; nil for other forms (they stay text).
    static func excelSerial(_ v: String) -> String? {
        let parts = v.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard parts.count >= 5, parts[0] > 1900, v.first?.isNumber == true, !v.contains("T") else { return nil }
        var c = DateComponents()
        c.year = parts[0]; c.month = parts[1]; c.day = parts[2]
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: c), let base = cal.date(from: DateComponents(year: 1899, month: 12, day: 30)) else { return nil }
        let days = Int((date.timeIntervalSince(base) / 86400).rounded())
        let secs = parts[3] * 3600 + parts[4] * 60 + (parts.count > 5 ? parts[5] : 0)
        return String(Double(days) + Double(secs) / 86400)
    }
}
