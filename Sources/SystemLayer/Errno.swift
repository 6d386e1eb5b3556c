import Glibc

/// The error number of a failed system call, as swift-system's `Errno`: what every `Syscalls` wrapper throws, so a
/// caller maps it to its own error type in one `catch`.
package struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    package var rawValue: Int32

    /// Wraps a C `errno` value.
    package init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The calling thread's `errno` now (read it right after the failed call).
    package static var current: Errno { Errno(rawValue: errno) }

    /// The C library's text for the number (`strerror`), e.g. "No space left on device".
    package var description: String { String(cString: strerror(rawValue)) }

    /// `EINTR`: a signal interrupted the call; the wrappers retry it.
    package static let interrupted = Errno(rawValue: EINTR)
    /// `EAGAIN`/`EWOULDBLOCK`: a non-blocking call would have waited.
    package static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    /// `ENOENT`: no such file or directory.
    package static let noSuchFile = Errno(rawValue: ENOENT)
    /// `EEXIST`: the file exists.
    package static let fileExists = Errno(rawValue: EEXIST)
    /// `ELOOP`: a symbolic link where `O_NOFOLLOW` refused one, or too many levels of links.
    package static let tooManySymlinks = Errno(rawValue: ELOOP)
    /// `ENOTDIR`: a path component is not a directory.
    package static let notADirectory = Errno(rawValue: ENOTDIR)
    /// `EISDIR`: the file is a directory.
    package static let isADirectory = Errno(rawValue: EISDIR)
    /// `EINVAL`: an invalid argument (a directory `fsync` on file systems without it answers this).
    package static let invalidArgument = Errno(rawValue: EINVAL)
}
