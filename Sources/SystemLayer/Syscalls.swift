import Glibc

/// The system calls credstore makes, each written once (as swift-system's `Internals/Syscalls.swift`): a failure
/// throws its `Errno`, and a call a signal interrupts (`EINTR`) is made again, so no caller writes that loop.
///
/// `close` is the exception: on Linux the descriptor is gone even when `close` fails, and closing it again could close
/// one another thread has just opened, so it is never retried.
package enum Syscalls {
    /// Runs `call` again while it fails with `EINTR`; any other failure (-1) throws the `errno`.
    @inline(__always)
    package static func retryingInterrupts<Result: FixedWidthInteger>(
        _ call: () -> Result
    ) throws(Errno) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let code = errno
            if code != EINTR { throw Errno(rawValue: code) }
        }
    }

    /// `open(2)`; returns the descriptor.
    package static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(Errno) -> Int32 {
        try retryingInterrupts { Glibc.open(path, flags, mode) }
    }

    /// `read(2)` into `buffer`; returns the number of bytes read (0 at the end of the file).
    package static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retryingInterrupts { Glibc.read(fd, base, buffer.count) }
    }

    /// `write(2)` from `buffer`; returns the number of bytes written, which may be fewer than asked.
    package static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retryingInterrupts { Glibc.write(fd, base, buffer.count) }
    }

    /// Writes all of `buffer`, however many `write(2)` calls that takes.
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            offset += try write(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        }
    }

    /// Reads until the end of the file, at most `limit + 1` bytes (one more than allowed, so a caller notices a file
    /// larger than it expected, or one that grew after `fstat`, without reading all of it). `capacity` is the first
    /// allocation; the buffer grows only past it. A `sensitive` read zeroes what it read when it fails.
    package static func readToEnd(_ fd: Int32, capacity: Int, limit: Int = Int.max,
                                  sensitive: Bool = false) throws(Errno) -> [UInt8] {
        let cap = limit == Int.max ? Int.max : limit + 1
        var bytes = [UInt8](repeating: 0, count: max(1, min(capacity, cap)))
        var total = 0
        while total < cap {
            if total == bytes.count {
                // Grown past the size it had: more room, up to the cap. (Never for a sensitive read that was given
                // `capacity == limit + 1`, so no copy of a secret is left behind in freed memory.)
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, cap - bytes.count)))
            }
            let result = bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) in try read(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[total...])) }
            }
            let count: Int
            switch result {
            case .success(let read): count = read
            case .failure(let error):
                if sensitive { wipe(&bytes) }
                throw error
            }
            if count == 0 { break }
            total += count
        }
        bytes.removeLast(bytes.count - total)
        return bytes
    }

    /// Overwrites `bytes` with zeros in a way the compiler cannot drop (`explicit_bzero`).
    package static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
        }
    }

    /// `fsync(2)`: the file's data and metadata reach the disk.
    package static func fsync(_ fd: Int32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.fsync(fd) }
    }

    /// `close(2)`, checked (a failure can mean written data never reached the disk, as NFS reports it) and never
    /// retried: the descriptor is released either way.
    package static func close(_ fd: Int32) throws(Errno) {
        guard Glibc.close(fd) == 0 else { throw Errno.current }
    }

    /// `rename(2)`: atomically replaces `destination` with `source`. The only rename in credstore's sources.
    package static func rename(_ source: String, _ destination: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.rename(source, destination) }
    }

    /// `unlink(2)`.
    package static func unlink(_ path: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.unlink(path) }
    }

    /// `mkdir(2)`; the mode is filtered by the umask.
    package static func mkdir(_ path: String, _ mode: mode_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.mkdir(path, mode) }
    }

    /// `chmod(2)`: sets the mode exactly (the umask does not apply).
    package static func chmod(_ path: String, _ mode: mode_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.chmod(path, mode) }
    }

    /// `fchmod(2)`: sets the mode exactly (the umask does not apply).
    package static func fchmod(_ fd: Int32, _ mode: mode_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.fchmod(fd, mode) }
    }

    /// `fchown(2)`.
    package static func fchown(_ fd: Int32, _ owner: uid_t, _ group: gid_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.fchown(fd, owner, group) }
    }

    /// `fstat(2)`.
    package static func fstat(_ fd: Int32) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try retryingInterrupts { Glibc.fstat(fd, &info) }
        return info
    }

    /// `stat(2)`: follows symbolic links.
    package static func stat(_ path: String) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try retryingInterrupts { cStat(path, &info) }
        return info
    }

    /// `lstat(2)`: describes a symbolic link itself.
    package static func lstat(_ path: String) throws(Errno) -> Glibc.stat {
        var info = Glibc.stat()
        _ = try retryingInterrupts { Glibc.lstat(path, &info) }
        return info
    }

    /// `readlink(2)`: the target a symbolic link names, as written in the link.
    package static func readlink(_ path: String) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = try retryingInterrupts { Glibc.readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in a directory (without "." and "..").
    package static func directoryEntries(_ path: String) throws(Errno) -> [String] {
        guard let handle = opendir(path) else { throw Errno.current }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `flock(2)`; a blocking request interrupted by a signal is made again.
    package static func flock(_ fd: Int32, _ operation: Int32) throws(Errno) {
        _ = try retryingInterrupts { cFlock(fd, operation) }
    }

    /// A pipe whose two ends are close-on-exec, so no program started later inherits them (`pipe2` is not visible to
    /// Swift on glibc).
    package static func pipe() throws(Errno) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        _ = try retryingInterrupts { Glibc.pipe(&ends) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// `poll(2)`, waiting at most `milliseconds` in all (negative: no bound). An interrupted poll is made again for
    /// the time that is left, measured on `clock`.
    package static func poll(_ descriptors: inout [pollfd], milliseconds: Int32,
                             clock: any Clock = MonotonicClock()) throws(Errno) -> Int32 {
        let deadline = clock.now + Double(milliseconds) / 1000
        var timeout = milliseconds
        while true {
            let ready = Glibc.poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready >= 0 { return ready }
            let code = errno
            guard code == EINTR else { throw Errno(rawValue: code) }
            if milliseconds >= 0 { timeout = Int32(max(0, ((deadline - clock.now) * 1000).rounded(.up))) }
        }
    }

    /// `waitpid(2)`: the child that changed state (0 with `WNOHANG` when none did) and its raw status.
    package static func waitpid(_ pid: pid_t, options: Int32 = 0) throws(Errno) -> (pid: pid_t, status: Int32) {
        var status: Int32 = 0
        let result = try retryingInterrupts { Glibc.waitpid(pid, &status, options) }
        return (result, status)
    }
}

/// The C `flock` function (inside `Syscalls` the name is the wrapper's, and `Glibc.flock` is the C struct).
@inline(__always)
func cFlock(_ fd: Int32, _ operation: Int32) -> Int32 {
    flock(fd, operation)
}

/// The C `stat` function (inside `Syscalls` the name is the wrapper's, and `Glibc.stat` is the C struct).
@inline(__always)
func cStat(_ path: String, _ info: inout stat) -> Int32 {
    stat(path, &info)
}

/// How a child process ended, decoded from a `waitpid` status.
package enum ProcessTermination: Equatable, Sendable {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal with this number killed it.
    case signaled(Int32)

    /// Decodes a raw `waitpid` status (`WIFSIGNALED`/`WTERMSIG`/`WEXITSTATUS`, which Swift does not import).
    package init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal != 0 ? .signaled(signal) : .exited((status >> 8) & 0xFF)
    }
}
