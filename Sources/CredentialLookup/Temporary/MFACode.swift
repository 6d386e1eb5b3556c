/// A one-time code of an MFA device: exactly six ASCII digits, checked before anything is sent to STS. It prints as
/// `<redacted>`: a code is valid for a short while and must not end up in a log.
package struct MFACode: Sendable, CustomStringConvertible {
    /// The number of digits of every code AWS accepts from a virtual or hardware MFA device.
    package static let length = 6

    /// The six digits, for the `TokenCode` parameter only.
    package let digits: String

    /// The code in `text` once spaces, tabs and line breaks around it are removed (what a program prints ends with
    /// a line break, and people paste with a space); `nil` unless exactly six ASCII digits remain.
    package init?(validating text: String) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.utf8.count == Self.length, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        digits = trimmed
    }

    /// Never the code.
    package var description: String { "MFACode(<redacted>)" }
}

/// What an MFA code is asked for: the profile whose setting names the device, and the device (`mfa_serial`).
package struct MFARequest: Sendable, Equatable {
    /// The profile that has `mfa_serial`.
    package var profile: String
    /// The device: the ARN of a virtual device or the serial number of a hardware one.
    package var serial: String

    /// Creates a request.
    package init(profile: String, serial: String) {
        self.profile = profile
        self.serial = serial
    }
}

/// Asks a person for an MFA code (the CLI's terminal prompt, which validates and asks again itself). Returns `nil`
/// when there is nobody to ask (no terminal): the lookup then fails at once with `mfa-code-unavailable` instead of
/// waiting for input that cannot come. Throws when the person gave up or typed invalid codes too often.
package typealias MFAPrompt = (MFARequest) throws -> MFACode?
