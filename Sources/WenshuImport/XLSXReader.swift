import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The first worksheet (or the one the mapping names) of an .xlsx file: shared strings,
/// inline strings and numbers. Dates stay Excel serial numbers; the date cleaner reads them.
struct XLSXReader: TableReader {
    let file: String
    let sheetName: String
    private let sheetXML: Data
    private let sharedStrings: [String]
    let format = "XLSX"
    let encoding = "XML (UTF-8)"

    init(url: URL, sheet: String?) throws {
        file = url.path
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw ImportError(.input, "\(url.path) 不是完整的 .xlsx 文件（ZIP 目录读不出：文件可能被截断）。")
        }
        func read(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize < 2_000_000_000 else { throw ImportError(.input, "\(url.path) 中的 \(path) 过大。") }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            } catch {
                throw ImportError(.input, "\(url.path) 中的 \(path) 读取失败（文件可能被截断或损坏）：\(error)")
            }
            return data
        }
        guard let workbook = try read("xl/workbook.xml") else {
            throw ImportError(.input, "\(url.path) 不是 .xlsx 工作簿（缺少 xl/workbook.xml）。")
        }
        let sheets = try XLSXReader.parse(workbook, file: url.path, collector: SheetListCollector()).sheets
        guard !sheets.isEmpty else { throw ImportError(.input, "\(url.path) 没有工作表。") }
        let chosen: (name: String, rid: String)
        if let sheet {
            guard let s = sheets.first(where: { $0.name == sheet }) else {
                throw ImportError(.input, "\(url.path) 没有名为「\(sheet)」的工作表。有：\(sheets.map(\.name).joined(separator: ", "))")
            }
            chosen = s
        } else {
            chosen = sheets[0]
        }
        sheetName = chosen.name
        var target = "worksheets/sheet1.xml"
        if let rels = try read("xl/_rels/workbook.xml.rels") {
            let map = try XLSXReader.parse(rels, file: url.path, collector: RelsCollector()).targets
            if let t = map[chosen.rid] { target = t }
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard let sheetData = try read(path) else { throw ImportError(.input, "\(url.path) 缺少工作表数据 \(path)。") }
        sheetXML = sheetData
        if let ss = try read("xl/sharedStrings.xml") {
            sharedStrings = try XLSXReader.parse(ss, file: url.path, collector: SharedStringsCollector()).strings
        } else {
            sharedStrings = []
        }
    }

    func forEach(_ body: (SourceRecord) throws -> Void) throws {
        try withoutActuallyEscaping(body) { body in
            let collector = SheetCollector(shared: sharedStrings, body: body)
            let parser = XMLParser(data: sheetXML)
            parser.delegate = collector
            let ok = parser.parse()
            if let e = collector.thrown { throw e }
            guard ok else {
                throw ImportError(.input, "\(file) 的工作表「\(sheetName)」XML 损坏（第 \(parser.lineNumber) 行）：\(parser.parserError.map { "\($0)" } ?? "未知错误")")
            }
        }
    }

    private static func parse<C: XMLParserDelegate>(_ data: Data, file: String, collector: C) throws -> C {
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse() else { throw ImportError(.input, "\(file) 的 XML 损坏：\(parser.parserError.map { "\($0)" } ?? "未知错误")") }
        return collector
    }

    /// Column index of a cell reference such as "AB12" (A = 0); nil for a malformed one.
    static func column(of ref: String) -> Int? {
        var n = 0
        var letters = 0
        for u in ref.utf8 {
            if u >= 0x41 && u <= 0x5A { n = n * 26 + Int(u - 0x40); letters += 1 } else if u >= 0x61 && u <= 0x7A { n = n * 26 + Int(u - 0x60); letters += 1 } else { break }
            if letters > 3 { return nil }  // Excel stops at XFD
        }
        return letters == 0 ? nil : n - 1
    }
}

private final class SheetListCollector: NSObject, XMLParserDelegate {
    var sheets: [(name: String, rid: String)] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard name == "sheet" || name.hasSuffix(":sheet") else { return }
        let rid = attributes["r:id"] ?? attributes.first { $0.key.hasSuffix(":id") }?.value ?? ""
        sheets.append((attributes["name"] ?? "", rid))
    }
}

private final class RelsCollector: NSObject, XMLParserDelegate {
    var targets: [String: String] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "Relationship", let id = attributes["Id"], let t = attributes["Target"] { targets[id] = t }
    }
}

/// Shared strings: each <si> is one string, the concatenation of its <t> runs (phonetic
/// <rPh> runs left out).
private final class SharedStringsCollector: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var inT = false
    private var inPhonetic = false
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "si": current = ""
        case "t": inT = true
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inT && !inPhonetic { current += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current)
        case "t": inT = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// Streams the rows of a worksheet to `body` as they end, filling gaps between cells.
private final class SheetCollector: NSObject, XMLParserDelegate {
    let shared: [String]
    let body: (SourceRecord) throws -> Void
    var thrown: Error?
    private var rowNumber = 0
    private var cells: [String] = []
    private var cellType = ""
    private var cellColumn = 0
    private var text = ""
    private var inValue = false
    private var inPhonetic = false

    init(shared: [String], body: @escaping (SourceRecord) throws -> Void) {
        self.shared = shared
        self.body = body
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "row":
            let r = attributes["r"].flatMap { $0.count <= 7 ? Int($0) : nil }
            rowNumber = r ?? rowNumber + 1
            cells = []
        case "c":
            cellType = attributes["t"] ?? "n"
            cellColumn = attributes["r"].flatMap(XLSXReader.column(of:)) ?? cells.count
            text = ""
        case "v", "t": inValue = true
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inValue && !inPhonetic { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inValue = false
        case "rPh": inPhonetic = false
        case "c":
            var value = text
            if cellType == "s" {
                if let i = Int(text.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count { value = shared[i] } else { value = "" }
            } else if cellType == "b" {
                value = text == "1" ? "TRUE" : "FALSE"
            } else if cellType == "n" {
                value = SheetCollector.plainNumber(text)
            }
            // Columns beyond XFD are malformed; a gap (empty cells not written) becomes "".
            guard cellColumn < 16_384 else { return }
            while cells.count < cellColumn { cells.append("") }
            if cells.count == cellColumn { cells.append(value) } else { cells[cellColumn] = value }
        case "row":
            guard thrown == nil else { return }
            do { try body(SourceRecord(line: rowNumber, cells: cells, fraction: 0)) } catch {
                thrown = error
                parser.abortParsing()
            }
        default: break
        }
    }

    /// Excel writes long integers such as phone numbers as 1.3812345678E10: back to digits.
    static func plainNumber(_ s: String) -> String {
        guard s.contains("E") || s.contains("e"), let d = Double(s), d.rounded() == d, abs(d) < 1e16 else { return s }
        return String(Int64(d))
    }
}
