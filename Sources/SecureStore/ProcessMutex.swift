import Glibc

/// A pthread mutex at a fixed heap address.
///
/// Foundation's `NSLock` would pull the whole of Foundation (CoreFoundation and ICU) into the statically linked
/// binary, which costs every run of the CLI a few milliseconds of start-up; a `pthread_mutex_t` stored inline in a
/// Swift class has no guaranteed stable address, so it lives in its own allocation.
final class ProcessMutex: @unchecked Sendable {
    // @unchecked: the mutex itself is the synchronisation.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
