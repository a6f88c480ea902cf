#pragma once
// Undo log for in-memory changes made while a transaction is open. The engine changes its
// working state as it decides each command (later commands in the same batch must see earlier
// ones); if the transaction, or one command's savepoint, rolls back, the journal puts memory
// back exactly as it was.
#include <functional>
#include <utility>
#include <vector>

namespace boxoffice::inventory {

class Journal {
 public:
  // Sets `target` to `value`, remembering the old value.
  template <class T, class V>
  void set(T& target, V&& value) {
    undo_.push_back([&target, old = target] { target = old; });
    target = std::forward<V>(value);
  }
  void onUndo(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  std::size_t mark() const { return undo_.size(); }
  // Undoes everything recorded after `mark`, newest first.
  void undoTo(std::size_t mark) {
    while (undo_.size() > mark) {
      undo_.back()();
      undo_.pop_back();
    }
  }
  void undoAll() { undoTo(0); }
  void clear() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

}  // namespace boxoffice::inventory
