import Foundation
import WenshuCore

/// `wenshu import`: reads exports, cleans and merges their rows, and writes a contract store.
/// A new store is written under a temporary name and renamed at the end; an append runs in
/// one transaction. Either way a failure leaves the target as it was. Source files are only
/// read.
public struct Importer {
    public struct Options {
        public var mapping: Mapping
        public var out: String
        public var files: [String]
        public var append = false
        /// The salt for callers' hashes; nil → the per-user salt file.
        public var salt: String?
        /// The data root (for the holiday calendar and city files).
        public var root: URL?
        /// Dates after this day are out of range; default: tomorrow.
        public var latestDay: Day?

        public init(mapping: Mapping, out: String, files: [String]) {
            self.mapping = mapping
            self.out = out
            self.files = files
        }
    }

    /// (rows read so far, file number from 1, file count, fraction of the current file or nil).
    public typealias ProgressHandler = (Int, Int, Int, Double?) -> Void

    let options: Options

    public init(options: Options) { self.options = options }

    public func run(progress: ProgressHandler = { _, _, _, _ in }) throws -> ImportReport {
        let started = Date()
        let o = options
        let m = o.mapping
        try checkInputs()
        let exists = FileManager.default.fileExists(atPath: o.out)
        if exists && !o.append {
            throw ImportError(.store, "\(o.out) 已存在。要把新工单追加进去，请加 --append；要新建，请换一个路径。")
        }
        let appending = exists
        let writePath = appending ? o.out : o.out + ".importing-\(getpid())"
        if !appending {
            let dir = (o.out as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
                throw ImportError(.store, "输出目录 \(dir) 不存在。")
            }
            try? FileManager.default.removeItem(atPath: writePath)
        }

        var report = ImportReport()
        report.mapping = m.name
        report.store = o.out
        report.appended = appending
        let db: Database
        do {
            db = try Database.openForWriting(writePath)
            if appending {
                try TicketSchema.validate(db)
                try db.execute("PRAGMA cache_size = -200000; PRAGMA temp_store = FILE; BEGIN IMMEDIATE")
            } else {
                try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000; PRAGMA temp_store = FILE")
                try db.execute(TicketSchema.createSQL)
                try db.execute("BEGIN")
            }
        } catch let e as StoreError {
            if !appending { try? FileManager.default.removeItem(atPath: writePath) }
            throw ImportError(.store, e.message)
        }
        do {
            let staging = try Staging(db: db)
            report = try read(into: staging, report: report, progress: progress)
            try staging.finish(mapping: m, report: &report)
            try db.execute("COMMIT")
            if !appending {
                for sql in TicketSchema.indexSQL { try db.execute(sql) }
                try db.execute("ANALYZE")
            }
            let learned = try db.writerRows("SELECT count(DISTINCT district), count(DISTINCT street), count(DISTINCT community), count(DISTINCT department), count(DISTINCT category), count(DISTINCT subcategory) FROM main.tickets")[0]
            for (i, name) in ["区县", "街道", "社区", "部门", "一级分类", "二级分类"].enumerated() {
                if case .integer(let n) = learned[i] { report.placesLearned[name] = Int(n) }
            }
            if m.city == nil {
                report.warnings.append("地名没有和城市文件核对（映射未设 places.city）：区县、街道、社区按数据原样学习，同一地方的不同写法会算作不同地名。")
            }
        } catch {
            if appending { try? db.execute("ROLLBACK") } else { try? FileManager.default.removeItem(atPath: writePath) }
            if let e = error as? ImportError { throw e }
            if let e = error as? StoreError { throw ImportError(.store, "写入 \(o.out) 失败：\(e.message)（目标未改动）") }
            throw ImportError(.input, "\(error)")
        }
        if !appending {
            do { try FileManager.default.moveItem(atPath: writePath, toPath: o.out) } catch {
                try? FileManager.default.removeItem(atPath: writePath)
                throw ImportError(.store, "无法把结果写到 \(o.out)：\(error.localizedDescription)")
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func checkInputs() throws {
        guard !options.files.isEmpty else { throw ImportError(.input, "没有给出要导入的文件。") }
        let outReal = URL(fileURLWithPath: options.out).standardizedFileURL.resolvingSymlinksInPath().path
        for f in options.files {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: f, isDirectory: &isDir) else { throw ImportError(.input, "找不到文件 \(f)。") }
            guard !isDir.boolValue else { throw ImportError(.input, "\(f) 是目录，请给出文件。") }
            guard FileManager.default.isReadableFile(atPath: f) else { throw ImportError(.input, "无法读取 \(f)（权限不足）。") }
            if URL(fileURLWithPath: f).standardizedFileURL.resolvingSymlinksInPath().path == outReal {
                throw ImportError(.input, "输出库 \(options.out) 和输入文件是同一个文件。")
            }
        }
    }

    private func read(into staging: Staging, report start: ImportReport, progress: ProgressHandler) throws -> ImportReport {
        let o = options
        let m = o.mapping
        let holidayFile = m.holidayFile.map { URL(fileURLWithPath: $0, relativeTo: o.root) }
            ?? o.root?.appendingPathComponent("Lexicon/holidays.tsv")
        let calendar = WorkCalendar(holidayFile: holidayFile, extra: m.extraHolidays, workdays: m.workdays)
        if holidayFile == nil || !FileManager.default.fileExists(atPath: holidayFile!.path) {
            var r = start
            r.warnings.append("没有找到节假日表，工作日只按周一至周五计算。")
            return try readFiles(into: staging, report: r, calendar: calendar, progress: progress)
        }
        return try readFiles(into: staging, report: start, calendar: calendar, progress: progress)
    }

    private func readFiles(into staging: Staging, report start: ImportReport, calendar: WorkCalendar, progress: ProgressHandler) throws -> ImportReport {
        let o = options
        let m = o.mapping
        var city: CityFile? = nil
        if let c = m.city, !c.isEmpty {
            guard let root = o.root else { throw ImportError(.mapping, "映射指定了城市 \(c)，但找不到 Lexicon/ 数据目录。") }
            do { city = try CityFile.load(c, resources: root) } catch { throw ImportError(.mapping, "映射的 places.city：\(error)") }
        }
        let salt: String
        if let s = o.salt ?? m.salt { salt = s } else { salt = try CallerHasher.userSalt(directory: UserDirectories.data) }
        let today = Now.wallClock().day
        var cleaner = RowCleaner(
            mapping: m, deriver: DeadlineDeriver(rules: m.deadlineRules, calendar: calendar), hasher: CallerHasher(salt: salt),
            places: PlaceMatcher(city: city), latestDay: o.latestDay ?? today.adding(days: 1), report: start)
        var rowsRead = 0
        var rowsRejected = 0
        var files: [ImportReport.FileInfo] = []
        var rejections: [(String, Int, String)] = []
        for (fi, path) in o.files.enumerated() {
            let reader = try SourceFile.open(path, mapping: m)
            var header: HeaderBinding? = nil
            var titleRows = 0
            var headerLine = 0
            var rows = 0
            try reader.forEach { rec in
                guard let h = header else {
                    if let h = HeaderBinding(cells: rec.cells, mapping: m) {
                        header = h
                        headerLine = rec.line
                    } else {
                        titleRows += 1
                        if titleRows >= m.headerSearchRows { throw SourceFile.noHeader(path, mapping: m) }
                    }
                    return
                }
                if rec.cells.allSatisfy({ TextCleaner.trim($0).isEmpty }) { return }
                rows += 1
                rowsRead += 1
                switch cleaner.clean(rec.cells, header: h, file: path, line: rec.line) {
                case .staged(let row): try staging.add(row)
                case .rejected(let reason):
                    rowsRejected += 1
                    rejections.append((path, rec.line, reason))
                }
                if rowsRead % 5000 == 0 { progress(rowsRead, fi + 1, o.files.count, reader.format == "XLSX" ? nil : rec.fraction) }
            }
            guard let h = header else { throw SourceFile.noHeader(path, mapping: m) }
            files.append(.init(path: path, format: reader.format, encoding: reader.encoding, headerLine: headerLine, titleRows: titleRows,
                               rows: rows, columnsUsed: h.columnsUsed, columnsIgnored: h.ignored, fieldsWithoutColumn: h.withoutColumn))
        }
        progress(rowsRead, o.files.count, o.files.count, 1)
        var report = cleaner.finish()
        report.files = files
        report.rowsRead = rowsRead
        report.rowsRejected = rowsRejected
        for (f, l, r) in rejections { report.reject(file: f, line: l, reason: r) }
        return report
    }
}

/// Opens a source file by what it holds, not by its name: a ZIP is an .xlsx workbook,
/// an old binary workbook is refused with advice, anything else is read as CSV text.
enum SourceFile {
    static func open(_ path: String, mapping: Mapping) throws -> TableReader {
        let url = URL(fileURLWithPath: path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError(.input, "无法读取 \(path)。") }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        try? handle.close()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try XLSXReader(url: url, sheet: mapping.sheet) }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ImportError(.input, "\(path) 是旧版 Excel（.xls）文件，不支持：请在 Excel/WPS 中另存为 .xlsx 或 CSV 后再导入。")
        }
        if path.lowercased().hasSuffix(".xlsx") {
            throw ImportError(.input, "\(path) 不是有效的 .xlsx 文件（不是 ZIP 格式，可能被截断或改了扩展名）。")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch { throw ImportError(.input, "无法读取 \(path)：\(error.localizedDescription)") }
        return try CSVReader(data: data, forcedEncoding: mapping.encoding, file: path)
    }

    static func noHeader(_ path: String, mapping: Mapping) -> ImportError {
        let ids = (mapping.fields[.id]?.columns ?? []).joined(separator: "/")
        let created = (mapping.fields[.created_at]?.columns ?? []).joined(separator: "/")
        return ImportError(.input, "\(path)：前 \(mapping.headerSearchRows) 行中找不到表头（需要一行同时含有「\(ids)」和「\(created)」列）。请检查文件或映射 \(mapping.name)。")
    }
}
