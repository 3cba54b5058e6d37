// The live listener: as root it receives the exit record of a child this
// test starts, with the child's pid, start and exit code, from its own thread
// while this one drains (a TSan build checks the queue they share). Without
// CAP_NET_ADMIN it must refuse to start, saying why.
#include "probes/os/linux/taskstats_listener.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace proctree {
namespace {

std::uint64_t StartTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {}
  return std::stoull(field);
}

TEST(TaskstatsListenerLive, ReceivesTheExitOfAChild) {
  std::string why;
  auto listener = TaskstatsListener::Start(ExitAccountingOptions{}, static_cast<double>(sysconf(_SC_CLK_TCK)), &why);
  if (!listener) {
    if (geteuid() == 0) GTEST_SKIP() << "root, yet taskstats refused (a container without CAP_NET_ADMIN?): " << why;
    EXPECT_NE(why.find("CAP_NET_ADMIN"), std::string::npos) << why;
    return;
  }
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  if (child == 0) {
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) < 0) _exit(1);
    _exit(7);
  }
  const std::uint64_t start = StartTicks(child);
  close(go[1]);  // the child reads EOF and exits
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);

  std::vector<ExitRecord> got;
  ExitStats stats;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  const ExitRecord* mine = nullptr;
  while (!mine && std::chrono::steady_clock::now() < deadline) {
    listener->Drain(&got, &stats);
    for (const ExitRecord& r : got)
      if (r.pid == child) mine = &r;
    if (!mine) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(mine, nullptr) << "no record for pid " << child << " among " << got.size();
  EXPECT_EQ(mine->tgid, child);
  EXPECT_EQ(mine->ppid, getpid());
  EXPECT_EQ(mine->reason, ExitReason::kNonzeroExit);
  EXPECT_LE(mine->start_time_ticks > start ? mine->start_time_ticks - start : start - mine->start_time_ticks,
            kExitStartToleranceTicks);
  close(go[0]);
}

}  // namespace
}  // namespace proctree
