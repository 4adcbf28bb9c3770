import XCTest
@testable import WenshuCore

/// Runs the grammar corpora beside this file: every positive line must read as the
/// interpretation given (no unexplained words), every negative line must get the status given.
final class CorpusTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func lines(_ file: String) throws -> [(String, String)] {
        let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").compactMap { l in
            if l.hasPrefix("#") || l.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            let c = l.split(separator: "\t", maxSplits: 1).map(String.init)
            return c.count == 2 ? (c[0], c[1]) : nil
        }
    }

    func testPositiveCorpus() throws {
        let e = try Fixtures.engine()
        var failures: [String] = []
        for (q, want) in try CorpusTests.lines("positive.tsv") {
            let (u, reading) = e.read(q, conversation: nil, now: Fixtures.now)
            guard case .plan(let p, let notes) = reading else { failures.append("\(q): not answered (\(reading))"); continue }
            let got = Describe.interpretation(p, notes: notes)
            if got != want { failures.append("\(q)\n  want: \(want)\n  got:  \(got)") }
            if !u.unknown.isEmpty { failures.append("\(q): unexplained \(u.unknown)") }
        }
        for f in failures { print("CORPUS-FAIL " + f.replacingOccurrences(of: "\n", with: " ⏎ ")) }
        XCTAssert(failures.isEmpty, "\(failures.count) corpus lines failed (see CORPUS-FAIL lines)")
    }

    func testNegativeCorpus() throws {
        let e = try Fixtures.engine()
        var failures: [String] = []
        for (q, want) in try CorpusTests.lines("negative.tsv") {
            var conv = Conversation()
            let a = e.ask(q, conversation: &conv, now: Fixtures.now)
            if a.status.rawValue != want { failures.append("\(q): want \(want), got \(a.status.rawValue) \(a.interpretation ?? a.message ?? "")") }
            if a.status != .answered { XCTAssertNil(a.sql, q); XCTAssertTrue(a.rows.isEmpty, q) }
        }
        for f in failures { print("CORPUS-FAIL " + f.replacingOccurrences(of: "\n", with: " ⏎ ")) }
        XCTAssert(failures.isEmpty, "\(failures.count) corpus lines failed (see CORPUS-FAIL lines)")
    }
}
