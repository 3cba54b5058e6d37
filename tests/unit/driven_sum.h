#pragma once
// MonotonicSum driven the way TreeAggregator drives it, for tests that feed
// it member sets directly: each update's members become the next update's
// table of last-scan values.
#include <functional>
#include <utility>
#include <vector>

#include "probes/tree/monotonic_sum.h"

namespace proctree {

class DrivenSum {
 public:
  TreeCounters Update(std::vector<SumMember> members, const std::function<bool(const ProcessKey&)>& alive,
                      const std::vector<const ExitedProcess*>& exits = {}, ExitCredit* credit = nullptr) {
    std::vector<ProcessKey> keys;
    for (const SumMember& m : members) keys.push_back(m.key);
    MemberTable now;
    now.Assign(std::move(members));
    std::vector<MemberTable::Index> indexes;
    for (const ProcessKey& k : keys) indexes.push_back(now.IndexOf(k));
    const TreeCounters total = sum_.Update(indexes, now, before_, alive, exits, credit);
    before_ = std::move(now);
    return total;
  }
  const TreeCounters& carry() const { return sum_.carry(); }

 private:
  MonotonicSum sum_;
  MemberTable before_;
};

}  // namespace proctree
