import FoundationEssentials

/// The date formats AWS uses, written and parsed by hand in UTC (no locale, no Foundation formatters): the SigV4
/// `X-Amz-Date` (`20150830T123600Z`), ISO 8601 timestamps in responses (`2021-08-05T19:58:02Z`, fractions allowed),
/// and the HTTP `Date` header (`Thu, 05 Aug 2021 18:58:02 GMT`).
package enum AWSDate {
    /// `date` as `YYYYMMDDTHHMMSSZ` (whole seconds, UTC).
    package static func amzDate(_ date: Date) -> String {
        let (year, month, day, hour, minute, second) = civil(Int64(date.timeIntervalSince1970.rounded(.down)))
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(hour, 2) + pad(minute, 2) + pad(second, 2) + "Z"
    }

    /// `date` as ISO 8601 `YYYY-MM-DDTHH:MM:SSZ`.
    package static func iso8601(_ date: Date) -> String {
        let (year, month, day, hour, minute, second) = civil(Int64(date.timeIntervalSince1970.rounded(.down)))
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
    package static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for index in start..<start + length {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"), let month = number(5, 2),
              bytes[7] == UInt8(ascii: "-"), let day = number(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(14, 2),
              bytes[16] == UInt8(ascii: ":"), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let oh = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                  let om = number(index + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        guard let seconds = epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute,
                                         second: second) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds - Int64(offset)) + fraction)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses an HTTP `Date` header in the IMF-fixdate form (`Thu, 05 Aug 2021 18:58:02 GMT`); nil otherwise.
    package static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]) else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2]),
              let seconds = epochSeconds(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute,
                                         second: second) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, hour < 24, minute < 60, second <= 60
        else { return nil }
        let monthDays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil; the
    /// caller checks the ranges). The one copy of this arithmetic: CredentialLookup's `RFC3339` uses it too.
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    // swiftlint:disable:next large_tuple
    private static func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        // Civil from days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day), Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// The wall clock requests are signed with and expirations are checked against. A parameter everywhere, so tests
/// sign as of a fixed date and replay recorded traffic at its own time.
package protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The system's real-time clock.
package struct SystemWallClock: WallClock {
    /// The real clock.
    package init() {}

    /// `Date()`.
    package var now: Date { Date() }
}
