// ReadPidNamespaceInfo against the real /proc and against trees made in a
// temporary directory (a captured tree has no ns/ links: they are made here).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "probes/os/linux/namespace_info.h"
#include "tests/unit/fixture_util.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;

std::string Readlink(const std::string& path) {
  char buf[128];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

class TempTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/proctree-ns-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  // <root>/<dir>/ns/pid -> target
  std::string Link(const std::string& dir, const std::string& target) {
    fs::create_directories(root_ / dir / "ns");
    fs::create_symlink(target, root_ / dir / "ns" / "pid");
    return (root_ / dir).string();
  }
  fs::path root_;
};

TEST(PidNamespaceInfo, RealProcIsTheExportersOwn) {
  const PidNamespaceInfo info = ReadPidNamespaceInfo("/proc");
  const std::string own = Readlink("/proc/self/ns/pid");
  ASSERT_FALSE(own.empty());
  EXPECT_EQ(info.exporter_pid_namespace, own);
  EXPECT_EQ(info.procfs, "/proc");
  EXPECT_EQ(info.view, ProcfsView::kOwn);
  EXPECT_STREQ(ProcfsViewName(info.view), "own");
  // Read from /proc/1/ns/pid when allowed, else known from the view: the same either way.
  EXPECT_EQ(info.procfs_pid_namespace, own);
}

TEST_F(TempTree, CapturedTreeWithLinks) {
  // The exporter's own /proc, and a copy of a captured tree with an ns/pid link for its pid 1.
  const std::string own_proc = Link("own/self", "pid:[4026532555]");
  (void)own_proc;
  fs::copy(testing::FixturePath("proc"), root_ / "captured", fs::copy_options::recursive);
  Link("captured/1", "pid:[4026531836]");
  const PidNamespaceInfo info = ReadPidNamespaceInfo((root_ / "captured").string(), (root_ / "own").string());
  EXPECT_EQ(info.exporter_pid_namespace, "pid:[4026532555]");
  EXPECT_EQ(info.procfs_pid_namespace, "pid:[4026531836]");
  EXPECT_EQ(info.view, ProcfsView::kNotProcfs);
  EXPECT_STREQ(ProcfsViewName(info.view), "not_procfs");
}

TEST_F(TempTree, CapturedTreeWithoutLinksIsUnknown) {
  const PidNamespaceInfo info = ReadPidNamespaceInfo(testing::FixturePath("proc"), (root_ / "none").string());
  EXPECT_EQ(info.exporter_pid_namespace, "unknown");
  EXPECT_EQ(info.procfs_pid_namespace, "unknown");
  EXPECT_EQ(info.view, ProcfsView::kNotProcfs);
}

TEST_F(TempTree, OnlyKernelShapedLinksBecomeLabels) {
  for (const char* target : {"pid:[]", "pid:[12a]", "pid:[1", "net:[4026531840]", "../../etc/passwd",
                             "pid:[4026531836] ", "pid:[99999999999999999999999999999999999999999999999999999]"}) {
    const std::string dir = "t" + std::to_string(std::hash<std::string>{}(target));
    Link(dir + "/1", target);
    const PidNamespaceInfo info = ReadPidNamespaceInfo((root_ / dir).string(), (root_ / dir).string());
    EXPECT_EQ(info.procfs_pid_namespace, "unknown") << target;
  }
}

TEST_F(TempTree, MissingPathIsUnknown) {
  const PidNamespaceInfo info = ReadPidNamespaceInfo((root_ / "absent").string(), (root_ / "absent").string());
  EXPECT_EQ(info.view, ProcfsView::kUnknown);
  EXPECT_STREQ(ProcfsViewName(info.view), "unknown");
  EXPECT_EQ(info.procfs_pid_namespace, "unknown");
}

TEST(PidNamespaceInfo, ProcfsLabelIsValidUtf8) {
  const PidNamespaceInfo info = ReadPidNamespaceInfo("/nonexistent/\xff/proc", "/nonexistent");
  EXPECT_EQ(info.procfs, "/nonexistent/\xEF\xBF\xBD/proc");
}

TEST(PidNamespaceInfo, EveryViewIsExplained) {
  std::set<std::string> texts;
  for (ProcfsView v : {ProcfsView::kOwn, ProcfsView::kAncestor, ProcfsView::kOther, ProcfsView::kNotProcfs,
                       ProcfsView::kUnknown}) {
    PidNamespaceInfo info;
    info.view = v;
    info.levels_up = 1;
    texts.insert(DescribePidNamespaceInfo(info));
  }
  EXPECT_EQ(texts.size(), 5u);
  PidNamespaceInfo up;
  up.view = ProcfsView::kAncestor;
  up.levels_up = 2;
  EXPECT_NE(DescribePidNamespaceInfo(up).find("2 level(s) above"), std::string::npos);
}

}  // namespace
}  // namespace proctree
