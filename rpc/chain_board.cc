#include "rpc/node_api.h"

namespace ans::rpc {
namespace {
constexpr size_t kMaxRejectionsKept = 10'000;
}

void ChainBoard::publish(ChainStatus status) {
  {
    std::lock_guard lock(mutex_);
    status.version = status_->version + 1;
    status_ = std::make_shared<const ChainStatus>(std::move(status));
  }
  changed_.notify_all();
}

size_t ChainBoard::run_posted() {
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task();
  return tasks.size();
}

void ChainBoard::note_rejected(const Hash256& tx_id, Rejection why) {
  std::lock_guard lock(mutex_);
  if (rejected_.insert_or_assign(tx_id, std::move(why)).second) rejected_order_.push_back(tx_id);
  while (rejected_order_.size() > kMaxRejectionsKept) {
    rejected_.erase(rejected_order_.front());
    rejected_order_.pop_front();
  }
}

void ChainBoard::forget_rejected(const Hash256& tx_id) {
  std::lock_guard lock(mutex_);
  rejected_.erase(tx_id);  // its place in rejected_order_ goes when it comes to the front
}

std::shared_ptr<const ChainStatus> ChainBoard::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::shared_ptr<const ChainStatus> ChainBoard::wait_newer(
    uint64_t version, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return closed_ || status_->version > version; });
  return status_;
}

bool ChainBoard::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || tasks_.size() >= max_queued_) return false;
    tasks_.push_back(std::move(task));
  }
  tasks_ready_.notify_one();
  return true;
}

void ChainBoard::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  tasks_ready_.notify_all();
}

bool ChainBoard::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void ChainBoard::wait_for_tasks(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  tasks_ready_.wait_until(lock, deadline, [&] { return closed_ || woken_ || !tasks_.empty(); });
  woken_ = false;
}

void ChainBoard::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  tasks_ready_.notify_one();
}

std::optional<Rejection> ChainBoard::rejected(const Hash256& tx_id) const {
  std::lock_guard lock(mutex_);
  auto it = rejected_.find(tx_id);
  if (it == rejected_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ans::rpc
