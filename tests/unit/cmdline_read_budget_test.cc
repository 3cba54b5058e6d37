// How much of a command line the probe reads: what the cmdline label can use
// (ScanRequest::cmdline_max_bytes, from labels.cmdline_max_length), unless a
// selector's regex needs the whole line. Over a fixture tree, over a live
// process with more than 1 MiB of arguments (counting the bytes this test
// process read, /proc/self/io rchar), and through whole scrapes.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exporter/metrics/process_families.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/scraper.h"
#include "probes/os/linux/linux_probe.h"
#include "tests/unit/fixture_util.h"
#include "tests/unit/temp_dir.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;
using proctree::testing::FixturePath;
using proctree::testing::ReadFixture;
using namespace std::string_literals;

constexpr std::size_t kMiB = 1 << 20;
const std::string kEllipsis = "\xE2\x80\xA6";

using proctree::testing::TempDir;
using proctree::testing::WriteFile;


// A proc root (tmp/name) with fixture process 8444 as pid 700, whose cmdline is `cmdline`.
fs::path FixtureRoot(const TempDir& tmp, const std::string& name, const std::string& cmdline) {
  const fs::path root = tmp.path() / name;
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  const fs::path dir = root / "700";
  fs::copy(FixturePath("proc/8444"), dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(dir / "fd");
  std::string stat = ReadFixture("proc/8444/stat");
  stat.replace(0, 4, "700");
  WriteFile(dir / "stat", stat);
  WriteFile(dir / "cmdline", cmdline);
  return root;
}

std::optional<ProcessSample> ScanOne(const std::string& root, std::size_t cmdline_max_bytes) {
  std::string error;
  auto probe = LinuxProbe::Open(root, &error);
  EXPECT_NE(probe, nullptr) << error;
  if (!probe) return std::nullopt;
  ScanRequest req;
  req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kCmdline;
  req.cmdline_max_bytes = cmdline_max_bytes;
  ScanErrors errors;
  ScanResult r = probe->Scan(req, errors);
  EXPECT_TRUE(errors.syscall_errors().empty());
  if (r.processes.size() != 1) {
    ADD_FAILURE() << r.processes.size() << " processes in " << root;
    return std::nullopt;
  }
  return r.processes[0];
}

TEST(CmdlineReadBudget, FixtureReadStopsAtTheBudget) {
  TempDir tmp;
  std::string huge;
  for (int i = 0; huge.size() < 10 * kMiB; ++i) huge += "arg" + std::to_string(i) + std::string(100, 'x') + '\0';
  const std::string root = FixtureRoot(tmp, "huge", huge).string();

  auto s = ScanOne(root, 4096);
  ASSERT_TRUE(s && s->cmdline.has_value());
  EXPECT_EQ(s->cmdline.value, huge.substr(0, 4096));
  EXPECT_TRUE(s->cmdline_cut);
  // Without a budget, the 1 MiB every file is read to; that cut is marked too.
  s = ScanOne(root, ScanRequest::kWholeCmdline);
  ASSERT_TRUE(s && s->cmdline.has_value());
  EXPECT_EQ(s->cmdline.value.size(), kMiB);
  EXPECT_TRUE(s->cmdline_cut);
  // A budget larger than the file reads it all, uncut; exactly its size is not a cut either.
  const std::string small = "sleep\0" "100\0"s;
  const std::string small_root = FixtureRoot(tmp, "small", small).string();
  for (std::size_t budget : {small.size(), std::size_t{4096}}) {
    s = ScanOne(small_root, budget);
    ASSERT_TRUE(s && s->cmdline.has_value());
    EXPECT_EQ(s->cmdline.value, small) << budget;
    EXPECT_FALSE(s->cmdline_cut) << budget;
  }
  s = ScanOne(small_root, small.size() - 1);
  ASSERT_TRUE(s && s->cmdline.has_value());
  EXPECT_EQ(s->cmdline.value, small.substr(0, small.size() - 1));
  EXPECT_TRUE(s->cmdline_cut);
}

// rchar of this process: every byte read() returned, /proc files included.
std::optional<std::uint64_t> BytesReadSoFar() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::uint64_t v = 0;
  while (in >> key >> v)
    if (key == "rchar:") return v;
  return std::nullopt;  // a kernel without CONFIG_TASK_IO_ACCOUNTING
}

// A child with more than 1 MiB of arguments (sh waiting on its stdin), and a
// proc root that lists only it: symlinks to the real /proc/stat and /proc/<pid>.
class HugeCmdlineChild {
 public:
  HugeCmdlineChild() {
    std::vector<std::string> args = {"sh", "-c", "read x", "sh"};
    for (int i = 0; total_ < 1100 * 1024; ++i) {
      args.push_back("pad" + std::to_string(i) + std::string(1000, 'x'));
      total_ += args.back().size() + 1;
    }
    if (static_cast<long>(total_ + 64 * 1024) > ::sysconf(_SC_ARG_MAX)) {
      skip_ = "ARG_MAX (a quarter of ulimit -s) is below a 1.1 MiB command line";
      return;
    }
    int fds[2];
    if (::pipe(fds) != 0) {
      ADD_FAILURE() << "pipe: " << std::strerror(errno);
      return;
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execv("/bin/sh", argv.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    stdin_ = fds[1];
    if (pid_ < 0) ADD_FAILURE() << "fork: " << std::strerror(errno);
  }
  ~HugeCmdlineChild() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
  }
  const char* skip() const { return skip_; }
  pid_t pid() const { return pid_; }
  std::size_t total() const { return total_; }

  // After exec, /proc/<pid>/cmdline shows the new arguments.
  bool WaitForExec() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::string path = "/proc/" + std::to_string(pid_) + "/cmdline";
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(path, std::ios::binary);
      std::string head(7, '\0');
      in.read(head.data(), 7);
      if (in.gcount() == 7 && head == "sh\0-c\0r"s) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::size_t total_ = 0;
  const char* skip_ = nullptr;
};

TEST(CmdlineReadBudget, LiveProcessIsReadOnlyToTheBudget) {
  HugeCmdlineChild child;
  if (child.skip()) GTEST_SKIP() << child.skip();
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(child.WaitForExec()) << "the child did not exec sh";
  TempDir tmp;
  const fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::create_symlink("/proc/stat", root / "stat");
  fs::create_symlink("/proc/" + std::to_string(child.pid()), root / std::to_string(child.pid()));

  struct Run {
    std::optional<ProcessSample> sample;
    std::optional<std::uint64_t> bytes_read;
  };
  auto run = [&](std::size_t budget) {
    Run r;
    auto before = BytesReadSoFar();
    r.sample = ScanOne(root.string(), budget);
    auto after = BytesReadSoFar();
    if (before && after) r.bytes_read = *after - *before;
    return r;
  };
  const std::size_t budget = CmdlineLabelReadBytes(256);
  Run cut = run(budget);
  ASSERT_TRUE(cut.sample && cut.sample->cmdline.has_value());
  EXPECT_EQ(cut.sample->cmdline.value.size(), budget);
  EXPECT_TRUE(cut.sample->cmdline_cut);
  EXPECT_EQ(cut.sample->cmdline.value.substr(0, 14), "sh\0-c\0read x\0sh"s.substr(0, 14));
  Run whole = run(ScanRequest::kWholeCmdline);
  ASSERT_TRUE(whole.sample && whole.sample->cmdline.has_value());
  EXPECT_EQ(whole.sample->cmdline.value.size(), kMiB);
  EXPECT_TRUE(whole.sample->cmdline_cut);
  if (!cut.bytes_read || !whole.bytes_read) GTEST_SKIP() << "no /proc/self/io: cannot count the bytes read";
  // stat, the proc root's stat and this process' io file are a few KiB; the
  // command line is 4 KiB plus the byte that tells a cut, not 1 MiB.
  EXPECT_LT(*cut.bytes_read, budget + 32 * 1024);
  EXPECT_GE(*whole.bytes_read, kMiB);
  std::printf("bytes read by one scan of a process with a %zu-byte command line: %llu with a %zu-byte budget, "
              "%llu without\n",
              child.total(), static_cast<unsigned long long>(*cut.bytes_read), budget,
              static_cast<unsigned long long>(*whole.bytes_read));
}

// --- through the scraper: which budget a config asks for ---

// Records the requests and answers with one fixed process, a row: the
// label-only groups are asked for in phase 2 (Probe::Complete's default
// scans again), with the same budget.
class RecordingProbe final : public Probe {
 public:
  std::string_view os() const override { return "linux"; }
  bool Supports(Feature) const override { return true; }
  ScanResult Scan(const ScanRequest& req, ScanErrors&) const override {
    seen.push_back(req);
    ScanResult r;
    r.processes.emplace_back();
    r.processes.back().pid = 700;
    r.processes.back().start_time_ticks = 1;
    return r;
  }
  std::optional<ProcessSample> SampleSelf(const ScanRequest&, ScanErrors&) const override { return std::nullopt; }
  DetailOutcome ReadMemoryDetails(const ProcessKey&, bool, MemoryDetails*, ScanErrors&) const override {
    return DetailOutcome::kUnsupported;
  }
  mutable std::vector<ScanRequest> seen;
};

std::shared_ptr<const RuntimeConfig> Config(const TempDir& tmp, const std::string& yaml) {
  const fs::path p = tmp.path() / "config.yml";
  WriteFile(p, yaml);
  std::string error;
  auto rc = LoadRuntimeConfig(p.string(), &error);
  EXPECT_NE(rc, nullptr) << error;
  return rc;
}

std::optional<ScanRequest> RequestFor(const std::string& yaml) {
  TempDir tmp;
  auto rc = Config(tmp, yaml);
  if (!rc) return std::nullopt;
  RecordingProbe probe;
  Scraper scraper(probe, BuildInfo{"test", "test", "linux"});
  scraper.Scrape(*rc);
  // The one that reads the command line, else the first.
  for (const ScanRequest& req : probe.seen)
    if (req.groups.has(FieldGroup::kCmdline)) return req;
  if (probe.seen.empty()) return std::nullopt;
  return probe.seen.front();
}

TEST(CmdlineReadBudget, ScrapeAsksForWhatTheLabelCanUse) {
  auto req = RequestFor("labels: {cmdline: true, cmdline_max_length: 200}\n");
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->groups.has(FieldGroup::kCmdline));
  EXPECT_EQ(req->cmdline_max_bytes, 4096u);  // 16 x 200, at least a page
  req = RequestFor("labels: {cmdline: true, cmdline_max_length: 1000}\n");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->cmdline_max_bytes, 16000u);
  // A selector's regex, anywhere (a match, an ancestor's, a tree root's), sees the whole line.
  for (const char* yaml : {"labels: {cmdline: true}\nprocesses:\n  - match: {cmdline: ['x']}\n",
                           "processes:\n  - match: {comm: [a], ancestor: {cmdline: ['x']}}\n",
                           "labels: {cmdline: true}\ntree:\n  roots: [{cmdline: ['x']}]\n"}) {
    req = RequestFor(yaml);
    ASSERT_TRUE(req) << yaml;
    EXPECT_TRUE(req->groups.has(FieldGroup::kCmdline)) << yaml;
    EXPECT_EQ(req->cmdline_max_bytes, ScanRequest::kWholeCmdline) << yaml;
  }
  // No label, no selector: not read at all.
  req = RequestFor("labels: {cmdline: false}\n");
  ASSERT_TRUE(req);
  EXPECT_FALSE(req->groups.has(FieldGroup::kCmdline));
}

std::string LabelOf(const std::string& payload) {
  const std::string key = "proctree_process_info{pid=\"700\"";
  std::size_t line = payload.find(key);
  if (line == std::string::npos) return "<no info series for pid 700>";
  std::size_t b = payload.find("cmdline=\"", line);
  std::size_t eol = payload.find('\n', line);
  if (b == std::string::npos || b > eol) return "<no cmdline label>";
  b += 9;
  return payload.substr(b, payload.find('"', b) - b);
}

TEST(CmdlineReadBudget, ScrapeOfACutReadShowsNoPartOfASecret) {
  // The 4096-byte read ends inside the token of an https://TOKEN@host URL,
  // after a long redacted value shrank the label's first 4 KiB.
  std::string cmdline = "app\0--password="s + std::string(4060, 's') + '\0';
  const std::size_t url = cmdline.size();
  cmdline += "https://ghp_" + std::string(40, 'T') + "@github.com/x\0--verbose\0"s;
  ASSERT_GT(4096u, url + 12);
  ASSERT_LT(4096u, url + 52);
  TempDir tmp;
  const std::string root = FixtureRoot(tmp, "proc", cmdline).string();
  std::string error;
  auto probe = LinuxProbe::Open(root, &error);
  ASSERT_NE(probe, nullptr) << error;
  Scraper scraper(*probe, BuildInfo{"test", "test", "linux"});

  auto rc = Config(tmp, "labels: {cmdline: true, cmdline_max_length: 200}\n");
  ASSERT_TRUE(rc);
  std::string payload = scraper.Scrape(*rc);
  EXPECT_EQ(LabelOf(payload), "app --password=<redacted> " + kEllipsis);
  EXPECT_EQ(payload.find("ghp_"), std::string::npos);
  // A selector's regex makes it read the whole line: the same label as if uncut.
  rc = Config(tmp, "labels: {cmdline: true, cmdline_max_length: 200}\nprocesses:\n  - match: {cmdline: ['verbose']}\n");
  ASSERT_TRUE(rc);
  payload = scraper.Scrape(*rc);
  EXPECT_EQ(LabelOf(payload), "app --password=<redacted> https://<redacted>@github.com/x --verbose");
  EXPECT_EQ(payload.find("ghp_"), std::string::npos);
}

}  // namespace
}  // namespace proctree
