import FoundationEssentials
import SystemLayer

/// The SDKs' "standard" retry mode: up to `maxAttempts` attempts in all (3 unless `AWS_MAX_ATTEMPTS` or the profile's
/// `max_attempts` says otherwise), throttling errors, 5xx answers, time-outs and broken connections retried after
/// min(random · 2^(retry − 1), 20) seconds; authentication, authorisation and validation errors never retried. Each
/// attempt is signed anew with the clock's date.
///
/// Sleeping and randomness are parameters, so tests run the policy without waiting and with known delays.
package struct RetryPolicy: Sendable {
    /// Attempts in all, the first included (at least 1).
    package var maxAttempts: Int
    /// The longest delay between two attempts, in seconds.
    package var maxBackoff: Double
    /// A random number in [0, 1).
    package var random: @Sendable () -> Double
    /// Waits the given number of seconds.
    package var sleep: @Sendable (Double) -> Void

    /// Creates a policy; the defaults are the standard mode's, with the real random source and sleep.
    package init(maxAttempts: Int = 3, maxBackoff: Double = 20,
                 random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                 sleep: @escaping @Sendable (Double) -> Void = { MonotonicClock().sleep(seconds: $0) }) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxBackoff = maxBackoff
        self.random = random
        self.sleep = sleep
    }

    /// The standard policy with `max_attempts` from `AWS_MAX_ATTEMPTS` (first) or the profile.
    ///
    /// - Throws: `AWSServiceError` `.endpointInvalid` when the setting is not a whole number from 1 to 20.
    package static func standard(environment: [String: String], profileSettings: [String: String]) throws
        -> RetryPolicy {
        let (source, raw): (String, String?) = environment["AWS_MAX_ATTEMPTS"].map { ("AWS_MAX_ATTEMPTS", $0) }
            ?? ("max_attempts", profileSettings["max_attempts"])
        guard let raw, !Text.trimmed(raw).isEmpty else { return RetryPolicy() }
        guard let attempts = Int(Text.trimmed(raw)), (1...20).contains(attempts) else {
            throw AWSServiceError(.endpointInvalid, "\(source) must be a whole number from 1 to 20 (attempts in all), "
                                  + "not '\(raw.prefix(40))'")
        }
        return RetryPolicy(maxAttempts: attempts)
    }

    /// The delay before retry number `retry` (1 for the first retry).
    package func delay(beforeRetry retry: Int) -> Double {
        min(random() * Double(1 << min(max(retry - 1, 0), 30)), maxBackoff)
    }

    /// Runs `attempt` until it succeeds, fails with an error that is not retryable, or `maxAttempts` is used up;
    /// the last error is thrown.
    package func run<Result>(_ attempt: (Int) throws -> Result) throws -> Result {
        var number = 1
        while true {
            do {
                return try attempt(number)
            } catch let error as AWSServiceError where error.isRetryable && number < maxAttempts {
                sleep(delay(beforeRetry: number))
                number += 1
            }
        }
    }
}
