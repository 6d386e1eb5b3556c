import AWSAPI
import FoundationEssentials
import Glibc

/// RFC 3339 timestamps (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.5+02:00`) without a date formatter, which is
/// slow to create and locale-sensitive; credstore runs before every AWS call.
package enum RFC3339 {
    /// Parses an RFC 3339 `date-time` (`T`, `t` or a space between date and time; `Z`, `z` or `±hh:mm`).
    package static func parse<Bytes: Collection>(_ text: Bytes) -> Date? where Bytes.Element == UInt8 {
        let bytes = Array(text)
        var index = 0

        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ allowed: [UInt8]) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }

        guard let year = digits(4), expect([0x2D]), let month = digits(2), expect([0x2D]), let day = digits(2),
              expect([0x54, 0x74, 0x20]),
              let hour = digits(2), expect([0x3A]), let minute = digits(2), expect([0x3A]), let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }

        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }

        var offsetSeconds = 0
        if expect([0x5A, 0x7A]) {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let offsetHour = digits(2), expect([0x3A]), let offsetMinute = digits(2),
                  offsetHour <= 23, offsetMinute <= 59 else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }

        // A leap second (:60) is read as the last second of its minute; credential expiries do not need better.
        let days = Int(AWSDate.daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Formats `date` as `yyyy-MM-ddTHH:mm:ssZ` in UTC (whole seconds).
    package static func format(_ date: Date) -> String {
        AWSDate.iso8601(date)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
