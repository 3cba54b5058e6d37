#pragma once
// MonotonicSum driven the way TreeAggregator drives it, for tests that feed
// it member sets directly: each update's members become the next update's
// table of last-scan values.
#include <functional>
#include <vector>

#include "probes/tree/monotonic_sum.h"

namespace proctree {

class DrivenSum {
 public:
  TreeCounters Update(std::vector<SumMember> members, const std::function<bool(const ProcessKey&)>& alive,
                      const std::vector<const ExitedProcess*>& exits = {}, ExitCredit* credit = nullptr) {
    std::vector<const SumMember*> pointers;
    for (const SumMember& m : members) pointers.push_back(&m);
    const TreeCounters total = sum_.Update(pointers, before_, alive, exits, credit);
    before_.Assign(std::move(members));
    return total;
  }
  const TreeCounters& carry() const { return sum_.carry(); }

 private:
  MonotonicSum sum_;
  MemberTable before_;
};

}  // namespace proctree
