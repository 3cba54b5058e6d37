#include "probes/monotonic_sum.h"

#include <algorithm>

namespace proctree {

namespace {
double Get(const Field<double>& f) { return f.has_value() ? f.value : 0.0; }
double GetU(const Field<std::uint64_t>& f) { return f.has_value() ? static_cast<double>(f.value) : 0.0; }

void ClampUp(double& total, double& carry, double previous) {
  if (total < previous) {
    carry += previous - total;
    total = previous;
  }
}
}  // namespace

TreeCounters MemberCounters(const ProcessSample& s, TreeCounters* absorbed) {
  TreeCounters v;
  v.cpu_user = Get(s.cpu_user_seconds) + Get(s.children_user_seconds);
  v.cpu_system = Get(s.cpu_system_seconds) + Get(s.children_system_seconds);
  v.io_read = GetU(s.io_read_bytes);
  v.io_write = GetU(s.io_write_bytes);
  // The kernel does not say which part of io came from reaped children, so
  // all of it may have; an over-estimate only means less is carried, and
  // the clamp still keeps the total from dropping.
  absorbed->cpu_user = Get(s.children_user_seconds);
  absorbed->cpu_system = Get(s.children_system_seconds);
  absorbed->io_read = v.io_read;
  absorbed->io_write = v.io_write;
  return v;
}

TreeCounters MonotonicSum::Update(const std::vector<SumMember>& members,
                                  const std::function<bool(const ProcessKey&)>& alive) {
  std::unordered_map<ProcessKey, const SumMember*, ProcessKeyHash> now;
  now.reserve(members.size() * 2);
  for (const auto& m : members) now.emplace(m.key, &m);

  // Exited members grouped by their last parent, when that parent is still a member.
  std::unordered_map<ProcessKey, TreeCounters, ProcessKeyHash> reaped_by;
  for (const auto& [key, last] : last_) {
    if (now.count(key)) continue;
    if (!alive(key) && now.count(last.parent)) reaped_by[last.parent] += last.value;
    else carry_ += last.value;  // moved out alive, or nobody inside can have absorbed it
  }
  for (const auto& [parent, gone] : reaped_by) {
    const SumMember& p = *now.at(parent);
    TreeCounters before;
    if (auto it = last_.find(parent); it != last_.end()) before = it->second.absorbed;
    auto shortfall = [](double gone_v, double now_v, double before_v) {
      return std::max(0.0, gone_v - std::max(0.0, now_v - before_v));
    };
    carry_.cpu_user += shortfall(gone.cpu_user, p.absorbed.cpu_user, before.cpu_user);
    carry_.cpu_system += shortfall(gone.cpu_system, p.absorbed.cpu_system, before.cpu_system);
    carry_.io_read += shortfall(gone.io_read, p.absorbed.io_read, before.io_read);
    carry_.io_write += shortfall(gone.io_write, p.absorbed.io_write, before.io_write);
  }

  TreeCounters total = carry_;
  for (const auto& m : members) total += m.value;
  if (!first_) {
    ClampUp(total.cpu_user, carry_.cpu_user, total_.cpu_user);
    ClampUp(total.cpu_system, carry_.cpu_system, total_.cpu_system);
    ClampUp(total.io_read, carry_.io_read, total_.io_read);
    ClampUp(total.io_write, carry_.io_write, total_.io_write);
  }
  first_ = false;
  total_ = total;

  last_.clear();
  for (const auto& m : members) last_.emplace(m.key, Last{m.parent, m.value, m.absorbed});
  return total_;
}

}  // namespace proctree
