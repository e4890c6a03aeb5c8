// Mutexes, their scoped locks and a condition variable, annotated for Clang's thread-safety
// analysis (-Wthread-safety): a field marked GAPLOG_GUARDED_BY(mu_) may be touched only with mu_
// held, a function marked GAPLOG_REQUIRES(mu_) only called with it held, and the compiler checks
// both (the clang builds of scripts/test). With other compilers the annotations are empty.
//
// Thread-safety: Mutex and SharedMutex are mutexes; a lock object belongs to the thread that
// made it; a CondVar may be waited on and notified from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>

#if defined(__clang__)
#define GAPLOG_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define GAPLOG_THREAD_ANNOTATION(x)
#endif

#define GAPLOG_CAPABILITY(x) GAPLOG_THREAD_ANNOTATION(capability(x))
#define GAPLOG_SCOPED_CAPABILITY GAPLOG_THREAD_ANNOTATION(scoped_lockable)
#define GAPLOG_GUARDED_BY(x) GAPLOG_THREAD_ANNOTATION(guarded_by(x))
#define GAPLOG_REQUIRES(...) GAPLOG_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define GAPLOG_REQUIRES_SHARED(...) \
  GAPLOG_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define GAPLOG_ACQUIRE(...) GAPLOG_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define GAPLOG_ACQUIRE_SHARED(...) GAPLOG_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define GAPLOG_RELEASE(...) GAPLOG_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define GAPLOG_RELEASE_SHARED(...) GAPLOG_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define GAPLOG_RELEASE_GENERIC(...) \
  GAPLOG_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define GAPLOG_TRY_ACQUIRE(...) GAPLOG_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define GAPLOG_TRY_ACQUIRE_SHARED(...) \
  GAPLOG_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#define GAPLOG_EXCLUDES(...) GAPLOG_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// For the rare read the analysis cannot follow; say why next to it.
#define GAPLOG_NO_THREAD_SAFETY_ANALYSIS GAPLOG_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace gaplog {

// std::mutex, as a capability.
class GAPLOG_CAPABILITY("mutex") Mutex {
 public:
  void lock() GAPLOG_ACQUIRE() { mu_.lock(); }
  bool try_lock() GAPLOG_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  void unlock() GAPLOG_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex or a SharedMutex exclusively for its scope (MutexLock, WriterLock). unlock()
// ends the hold early (around a sync, a callback); lock() takes it again.
template <typename M>
class GAPLOG_SCOPED_CAPABILITY ExclusiveLock {
 public:
  explicit ExclusiveLock(M& mu) GAPLOG_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  // Takes over a hold the caller already has (after SharedMutex::try_lock_for).
  ExclusiveLock(M& mu, std::adopt_lock_t) GAPLOG_REQUIRES(mu) : mu_(mu) {}
  ~ExclusiveLock() GAPLOG_RELEASE() {
    if (held_) mu_.unlock();
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

  void lock() GAPLOG_ACQUIRE() {
    mu_.lock();
    held_ = true;
  }
  void unlock() GAPLOG_RELEASE() {
    held_ = false;
    mu_.unlock();
  }

 private:
  M& mu_;
  bool held_ = true;
};
using MutexLock = ExclusiveLock<Mutex>;

// A condition variable for a Mutex (std::condition_variable underneath). The waits take no
// predicate: callers loop on their condition in the open, where the analysis sees that the
// guarded fields it reads are read under the lock.
class CondVar {
 public:
  // Releases `mu` while blocked; holds it again on return (woken, or spuriously).
  void wait(Mutex& mu) GAPLOG_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // The same, until `deadline` at the latest: false once it has passed.
  bool wait_until(Mutex& mu, std::chrono::steady_clock::time_point deadline) GAPLOG_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// std::shared_mutex, as a capability. No timed locking: libstdc++ implements it with
// pthread_rwlock_clock*lock, which ThreadSanitizer (gcc 12) cannot see; try_lock_for() polls.
class GAPLOG_CAPABILITY("mutex") SharedMutex {
 public:
  void lock() GAPLOG_ACQUIRE() { mu_.lock(); }
  void unlock() GAPLOG_RELEASE() { mu_.unlock(); }
  void lock_shared() GAPLOG_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() GAPLOG_RELEASE_SHARED() { mu_.unlock_shared(); }

  // Exclusive / shared, if it is free within `wait` (polling try_lock, yielding in between).
  bool try_lock_for(std::chrono::microseconds wait) GAPLOG_TRY_ACQUIRE(true) {
    return poll(wait, [this] { return mu_.try_lock(); });
  }
  bool try_lock_shared_for(std::chrono::microseconds wait) GAPLOG_TRY_ACQUIRE_SHARED(true) {
    return poll(wait, [this] { return mu_.try_lock_shared(); });
  }

 private:
  template <typename TryLock>
  static bool poll(std::chrono::microseconds wait, TryLock try_lock) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!try_lock()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  std::shared_mutex mu_;
};

// Holds a SharedMutex exclusively (ExclusiveLock above; a std::condition_variable_any may wait
// on it).
using WriterLock = ExclusiveLock<SharedMutex>;

// Holds a SharedMutex shared for its scope.
class GAPLOG_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) GAPLOG_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ReaderLock(SharedMutex& mu, std::adopt_lock_t) GAPLOG_REQUIRES_SHARED(mu) : mu_(mu) {}
  ~ReaderLock() GAPLOG_RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace gaplog
