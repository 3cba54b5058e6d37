// MonotonicSum on synthetic member sets: no /proc access.
#include "probes/tree/monotonic_sum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "tests/unit/driven_sum.h"

namespace proctree {
namespace {

struct Cpu {
  double utime = 0, cutime = 0, stime = 0, cstime = 0;
};
struct Io {
  std::uint64_t read = 0, write = 0;
};

ProcessSample S(std::int64_t pid, std::uint64_t start, Cpu cpu, Io io = {}) {
  ProcessSample s;
  s.pid = pid;
  s.start_time_ticks = start;
  s.comm = "p";
  s.cpu_user_seconds.set(cpu.utime);
  s.children_user_seconds.set(cpu.cutime);
  s.cpu_system_seconds.set(cpu.stime);
  s.children_system_seconds.set(cpu.cstime);
  s.io_read_bytes.set(io.read);
  s.io_write_bytes.set(io.write);
  return s;
}

SumMember M(const ProcessSample& s, ProcessKey parent = {}) {
  SumMember m;
  m.key = KeyOf(s);
  m.parent = parent;
  m.value = MemberCounters(s, &m.reaped);
  return m;
}

// Identities used throughout.
const ProcessKey kG{10, 1000};
const ProcessKey kP{20, 2000};
const ProcessKey kC{30, 3000};
const ProcessKey kC2{31, 3100};
const ProcessKey kS{40, 4000};

struct Alive {
  std::set<ProcessKey> keys;
  bool operator()(const ProcessKey& k) const { return keys.count(k) != 0; }
};

void ExpectCounters(const TreeCounters& t, double user, double system, double read, double write) {
  EXPECT_DOUBLE_EQ(t.cpu_user, user);
  EXPECT_DOUBLE_EQ(t.cpu_system, system);
  EXPECT_DOUBLE_EQ(t.io_read, read);
  EXPECT_DOUBLE_EQ(t.io_write, write);
}

TEST(MonotonicSumTest, MemberCountersSplitsOwnAndReapedParts) {
  ReapedPart reaped;
  TreeCounters v = MemberCounters(S(1, 1, {5, 3, 2, 1}, {100, 40}), &reaped);
  ExpectCounters(v, 8, 3, 100, 40);
  ExpectCounters(Absorbed(v, reaped), 3, 1, 100, 40);  // io: all of it may come from reaped children

  ProcessSample empty;  // no field read: contributes nothing, invents no value
  v = MemberCounters(empty, &reaped);
  ExpectCounters(v, 0, 0, 0, 0);
  ExpectCounters(Absorbed(v, reaped), 0, 0, 0, 0);
}

TEST(MonotonicSumTest, FirstUpdateIsThePlainSum) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0}, {100, 10})),
                               M(S(kC.pid, kC.start, {3, 0, 2, 0}, {50, 20}), kP)},
                              alive);
  ExpectCounters(t, 8, 3, 150, 30);
  ExpectCounters(sum.carry(), 0, 0, 0, 0);
}

TEST(MonotonicSumTest, ChildReapedByMemberParentIsNotCarried) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  ExpectCounters(sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0})), M(S(kC.pid, kC.start, {3, 0, 2, 0}), kP)},
                            alive),
                 8, 3, 0, 0);
  // C exits; P waits for it, so P's cutime/cstime grow by C's 3/2. P also ran 1s more.
  alive.keys.erase(kC);
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {6, 3, 1, 2}))}, alive);
  ExpectCounters(t, 9, 3, 0, 0);
  ExpectCounters(sum.carry(), 0, 0, 0, 0);
}

TEST(MonotonicSumTest, ChildWithItsOwnReapedChildrenReapedByMemberParent) {
  // C's value includes what C had reaped (cutime 4); P's cutime grows by
  // C's utime + cutime = 7 when P reaps C.
  DrivenSum sum;
  Alive alive{{kP, kC}};
  ExpectCounters(sum.Update({M(S(kP.pid, kP.start, {5, 0, 0, 0})), M(S(kC.pid, kC.start, {3, 4, 0, 0}), kP)},
                            alive),
                 12, 0, 0, 0);
  alive.keys.erase(kC);
  ExpectCounters(sum.Update({M(S(kP.pid, kP.start, {5, 7, 0, 0}))}, alive), 12, 0, 0, 0);
  ExpectCounters(sum.carry(), 0, 0, 0, 0);
}

TEST(MonotonicSumTest, AutoReapedChildIsCarriedAtLastValue) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0})), M(S(kC.pid, kC.start, {3, 0, 2, 0}), kP)}, alive);
  // C exits and the kernel reaps it (SIGCHLD ignored): P's children times stay 0.
  alive.keys.erase(kC);
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {6, 0, 1, 0}))}, alive);
  ExpectCounters(sum.carry(), 3, 2, 0, 0);
  ExpectCounters(t, 9, 3, 0, 0);
  // The carry stays on later scans.
  t = sum.Update({M(S(kP.pid, kP.start, {7, 0, 1, 0}))}, alive);
  ExpectCounters(t, 10, 3, 0, 0);
  ExpectCounters(sum.carry(), 3, 2, 0, 0);
}

TEST(MonotonicSumTest, PartlyAbsorbedExitsCarryTheShortfall) {
  // Two children exit; P waited for C (3s) but C2 (4s) was auto-reaped.
  DrivenSum sum;
  Alive alive{{kP, kC, kC2}};
  ExpectCounters(sum.Update({M(S(kP.pid, kP.start, {5, 0, 0, 0})), M(S(kC.pid, kC.start, {3, 0, 0, 0}), kP),
                             M(S(kC2.pid, kC2.start, {4, 0, 0, 0}), kP)},
                            alive),
                 12, 0, 0, 0);
  alive.keys.erase(kC);
  alive.keys.erase(kC2);
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {5, 3, 0, 0}))}, alive);
  ExpectCounters(sum.carry(), 4, 0, 0, 0);
  ExpectCounters(t, 12, 0, 0, 0);
}

TEST(MonotonicSumTest, MemberMovingOutAliveIsCarried) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0}, {100, 10})),
              M(S(kC.pid, kC.start, {3, 0, 2, 0}, {50, 20}), kP)},
             alive);
  // C still runs (alive) but is no longer in the set (e.g. re-parented out).
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0}, {100, 10}))}, alive);
  ExpectCounters(sum.carry(), 3, 2, 50, 20);
  ExpectCounters(t, 8, 3, 150, 30);
}

TEST(MonotonicSumTest, ParentAndChildExitingTogetherAreBothCarried) {
  // S stays; P (a root of the set) and its child C both exit between scans.
  DrivenSum sum;
  Alive alive{{kS, kP, kC}};
  ExpectCounters(sum.Update({M(S(kS.pid, kS.start, {10, 0, 0, 0}, {1000, 0})),
                             M(S(kP.pid, kP.start, {5, 0, 1, 0}, {100, 10})),
                             M(S(kC.pid, kC.start, {3, 0, 2, 0}, {50, 20}), kP)},
                            alive),
                 18, 3, 1150, 30);
  alive.keys = {kS};
  TreeCounters t = sum.Update({M(S(kS.pid, kS.start, {11, 0, 0, 0}, {1000, 0}))}, alive);
  ExpectCounters(sum.carry(), 8, 3, 150, 30);
  ExpectCounters(t, 19, 3, 1150, 30);
}

TEST(MonotonicSumTest, ParentReapedByMemberGrandparentChildCarried) {
  // G -> P -> C. P and C exit together; G waits for P (cutime += P's 5),
  // C went to init and is carried.
  DrivenSum sum;
  Alive alive{{kG, kP, kC}};
  ExpectCounters(sum.Update({M(S(kG.pid, kG.start, {10, 0, 0, 0})), M(S(kP.pid, kP.start, {5, 0, 0, 0}), kG),
                             M(S(kC.pid, kC.start, {3, 0, 0, 0}), kP)},
                            alive),
                 18, 0, 0, 0);
  alive.keys = {kG};
  TreeCounters t = sum.Update({M(S(kG.pid, kG.start, {10, 5, 0, 0}))}, alive);
  ExpectCounters(sum.carry(), 3, 0, 0, 0);
  ExpectCounters(t, 18, 0, 0, 0);
}

TEST(MonotonicSumTest, ChainReapedByMemberGrandparentIsNotDoubleCounted) {
  // G -> P -> C, all members. Between two scans C exits and P waits for it
  // (P's cutime += 3), then P exits and G waits for P (G's cutime += P's
  // utime 5 + cutime 3 = 8). Nothing ran in between, so the true total is
  // still 10 + 5 + 3 = 18 and G's absorbed growth (8) covers both P and C:
  // nothing is to be carried.
  DrivenSum sum;
  Alive alive{{kG, kP, kC}};
  ExpectCounters(sum.Update({M(S(kG.pid, kG.start, {10, 0, 0, 0}, {1000, 0})),
                             M(S(kP.pid, kP.start, {5, 0, 0, 0}, {100, 0}), kG),
                             M(S(kC.pid, kC.start, {3, 0, 0, 0}, {50, 0}), kP)},
                            alive),
                 18, 0, 1150, 0);
  alive.keys = {kG};
  // The kernel folded C's io into P's and then P's (with C's) into G's.
  TreeCounters t = sum.Update({M(S(kG.pid, kG.start, {10, 8, 0, 0}, {1150, 0}))}, alive);
  ExpectCounters(t, 18, 0, 1150, 0);
  ExpectCounters(sum.carry(), 0, 0, 0, 0);
}

TEST(MonotonicSumTest, ClampKeepsTotalFromDropping) {
  DrivenSum sum;
  Alive alive{{kP}};
  ExpectCounters(sum.Update({M(S(kP.pid, kP.start, {10, 0, 4, 0}, {100, 50}))}, alive), 10, 4, 100, 50);
  // Every counter of the only member goes down.
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {7, 0, 1, 0}, {60, 20}))}, alive);
  ExpectCounters(t, 10, 4, 100, 50);
  ExpectCounters(sum.carry(), 3, 3, 40, 30);
  // The clamp's difference is carried, so later growth adds on top of it.
  t = sum.Update({M(S(kP.pid, kP.start, {12, 0, 1, 0}, {60, 20}))}, alive);
  ExpectCounters(t, 15, 4, 100, 50);
}

TEST(MonotonicSumTest, IoReapedByMemberParentIsNotCarried) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  sum.Update({M(S(kP.pid, kP.start, {}, {100, 10})), M(S(kC.pid, kC.start, {}, {50, 20}), kP)}, alive);
  alive.keys.erase(kC);
  // The kernel folds the reaped child's io into the parent's.
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {}, {150, 30}))}, alive);
  ExpectCounters(sum.carry(), 0, 0, 0, 0);
  ExpectCounters(t, 0, 0, 150, 30);
}

TEST(MonotonicSumTest, IoOfAutoReapedChildIsCarried) {
  DrivenSum sum;
  Alive alive{{kP, kC}};
  sum.Update({M(S(kP.pid, kP.start, {}, {100, 10})), M(S(kC.pid, kC.start, {}, {50, 20}), kP)}, alive);
  alive.keys.erase(kC);
  TreeCounters t = sum.Update({M(S(kP.pid, kP.start, {}, {100, 10}))}, alive);
  ExpectCounters(sum.carry(), 0, 0, 50, 20);
  ExpectCounters(t, 0, 0, 150, 30);
}

TEST(MonotonicSumTest, EmptySetAfterEverythingExitedKeepsTotal) {
  DrivenSum sum;
  Alive alive{{kP}};
  sum.Update({M(S(kP.pid, kP.start, {5, 0, 1, 0}, {7, 9}))}, alive);
  alive.keys.clear();
  ExpectCounters(sum.Update({}, alive), 5, 1, 7, 9);
  ExpectCounters(sum.carry(), 5, 1, 7, 9);
}

// Page faults fold into a reaping parent's cminflt/cmajflt like CPU time;
// context switches fold into nobody, so an exited member's are carried.
TEST(MonotonicSumTest, FaultsAreAbsorbedContextSwitchesAreCarried) {
  auto sample = [](std::int64_t pid, std::uint64_t start, std::uint64_t minflt, std::uint64_t cminflt,
                   std::uint64_t vol) {
    ProcessSample s;
    s.pid = pid;
    s.start_time_ticks = start;
    s.minor_faults.set(minflt);
    s.children_minor_faults.set(cminflt);
    s.major_faults.set(0);
    s.children_major_faults.set(0);
    s.voluntary_ctxt_switches.set(vol);
    s.involuntary_ctxt_switches.set(0);
    return s;
  };
  DrivenSum sum;
  Alive alive{{kP, kC}};
  TreeCounters t = sum.Update({M(sample(kP.pid, kP.start, 100, 0, 10)), M(sample(kC.pid, kC.start, 40, 0, 7), kP)}, alive);
  EXPECT_DOUBLE_EQ(t.minor_faults, 140);
  EXPECT_DOUBLE_EQ(t.ctx_voluntary, 17);
  // C exits; P reaps it: P's cminflt grows by C's 40 faults; C's 7 switches go nowhere.
  alive.keys = {kP};
  t = sum.Update({M(sample(kP.pid, kP.start, 100, 40, 10))}, alive);
  EXPECT_DOUBLE_EQ(t.minor_faults, 140);
  EXPECT_DOUBLE_EQ(t.ctx_voluntary, 17);
  EXPECT_DOUBLE_EQ(sum.carry().minor_faults, 0);
  EXPECT_DOUBLE_EQ(sum.carry().ctx_voluntary, 7);
}

}  // namespace
}  // namespace proctree
