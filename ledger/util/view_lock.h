// The lock between one writer (the chain thread changing live structures in place) and any
// number of readers (threads answering queries from read views).
//
// Writer-preferring: a writer that waits closes the gate to readers that come after it, so
// a steady stream of readers cannot keep it out; readers already in finish first. The
// writer's own reads of the structures it alone changes take no lock.
#pragma once

#include <mutex>
#include <shared_mutex>

namespace ans {

class ViewLock {
 public:
  class Shared {
   public:
    explicit Shared(ViewLock& lock) : lock_(lock) {
      { std::lock_guard<std::mutex> gate(lock_.gate_); }
      lock_.rw_.lock_shared();
    }
    ~Shared() { lock_.rw_.unlock_shared(); }
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;

   private:
    ViewLock& lock_;
  };

  class Exclusive {
   public:
    explicit Exclusive(ViewLock& lock) : lock_(lock) {
      lock_.gate_.lock();
      lock_.rw_.lock();
    }
    ~Exclusive() {
      lock_.rw_.unlock();
      lock_.gate_.unlock();
    }
    Exclusive(const Exclusive&) = delete;
    Exclusive& operator=(const Exclusive&) = delete;

   private:
    ViewLock& lock_;
  };

 private:
  std::mutex gate_;  // held by a writer from before it waits until it is done
  std::shared_mutex rw_;
};

}  // namespace ans
