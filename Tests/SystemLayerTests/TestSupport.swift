import Foundation
import SystemLayer
import TestSupport

extension TemporaryDirectory {
    /// Writes `bytes` to `name` with exactly `mode`.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String, mode: Int) throws -> String {
        try write(bytes, to: name, mode: mode_t(mode))
    }

    func bytes(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { Array($0) }
    }

    func mode(_ name: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: file(name)))?[.posixPermissions] as? Int
    }

    /// Names of the temporary files of atomic writes in the directory.
    func temporaries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.contains(".tmp-") }.sorted()
    }
}

/// A clock the test drives: `sleep` only moves its time on, so a timeout test takes no real time.
final class ManualClock: Clock, @unchecked Sendable {
    private(set) var now: Double = 1000
    private(set) var sleeps = 0

    func sleep(seconds: Double) {
        now += seconds
        sleeps += 1
    }
}
