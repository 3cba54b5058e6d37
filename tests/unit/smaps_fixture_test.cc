// LinuxProbe::ReadMemoryDetails over a copy of tests/fixtures/proc with the
// real smaps captures (tests/fixtures/files/smaps/special) added to pid 8444:
// the rollup, the maps, the fallback to smaps without smaps_rollup, and the
// start-time check that keeps a reused pid from being read as the old process.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/smaps_parser.h"
#include "probes/probe_errors.h"
#include "tests/unit/run_unprivileged.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kKiB = 1024;
constexpr std::int64_t kPid = 8444;
constexpr std::uint64_t kStart = 162464;  // field 22 of tests/fixtures/proc/8444/stat
const ProcessKey kKey{kPid, kStart};

std::string Fixture(std::string_view rel) { return std::string(PROCTREE_FIXTURES) + "/" + std::string(rel); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read " << p;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) ADD_FAILURE() << "cannot write " << p;
}

class SmapsFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "proctree-smaps-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    tmp_ = tmpl;
    root_ = tmp_ / "proc";
    fs::copy(Fixture("proc"), root_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    pid_dir_ = root_ / std::to_string(kPid);
    fs::copy_file(Fixture("files/smaps/special/smaps"), pid_dir_ / "smaps");
    fs::copy_file(Fixture("files/smaps/special/smaps_rollup"), pid_dir_ / "smaps_rollup");
    Open();
  }
  void TearDown() override {
    probe_.reset();
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
  void Open() {
    std::string error;
    probe_ = LinuxProbe::Open(root_.string(), &error);
    ASSERT_NE(probe_, nullptr) << error;
  }

  DetailOutcome Read(const ProcessKey& key, bool maps, MemoryDetails* d) {
    return probe_->ReadMemoryDetails(key, maps, d, errors_);
  }

  fs::path tmp_, root_, pid_dir_;
  std::unique_ptr<LinuxProbe> probe_;
  ScanErrors errors_;
};

const MemoryMap* FindPath(const MemoryDetails& d, std::string_view path) {
  for (const auto& m : d.maps)
    if (m.path == path) return &m;
  return nullptr;
}

TEST_F(SmapsFixtureTest, RollupFigures) {
  MemoryDetails d;
  ASSERT_EQ(Read(kKey, false, &d), DetailOutcome::kOk);
  EXPECT_TRUE(d.has_rollup);
  EXPECT_EQ(d.uss, (536 + 5796 + 2048) * kKiB);
  EXPECT_EQ(d.pss, 9497 * kKiB);
  EXPECT_EQ(d.swap_pss, 0u);
  EXPECT_FALSE(d.has_maps);
  EXPECT_TRUE(d.maps.empty());
  EXPECT_TRUE(errors_.syscall_errors().empty());
  EXPECT_TRUE(errors_.parse_errors().empty());
}

TEST_F(SmapsFixtureTest, MapsFigures) {
  MemoryDetails d;
  ASSERT_EQ(Read(kKey, true, &d), DetailOutcome::kOk);
  EXPECT_TRUE(d.has_maps);
  EXPECT_EQ(d.map_count, 90u);
  ASSERT_EQ(d.maps.size(), 28u);
  EXPECT_EQ(d.maps[0].path, "[anon]");
  EXPECT_EQ(d.maps[0].figures.rss, 7568 * kKiB);
  EXPECT_EQ(d.maps[0].mappings, 10u);
  EXPECT_EQ(d.maps[1].path, "/usr/bin/python3.11");
  EXPECT_EQ(d.maps[1].figures.rss, 4408 * kKiB);
  const MemoryMap* del = FindPath(d, "/var/tmp/proctree-smaps-capture/deleted.bin (deleted)");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->figures.rss, 64 * kKiB);
  EXPECT_EQ(del->figures.private_clean, 64 * kKiB);
  const MemoryMap* sp = FindPath(d, "/var/tmp/proctree-smaps-capture/with space.bin");
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(sp->figures.private_dirty, 8 * kKiB);
  EXPECT_EQ(sp->figures.private_clean, 120 * kKiB);
  // Rollup figures with maps come from summing smaps.
  EXPECT_TRUE(d.has_rollup);
  EXPECT_EQ(d.uss, 8380 * kKiB);
  EXPECT_EQ(d.pss, 9492 * kKiB);
  EXPECT_TRUE(errors_.parse_errors().empty());
}

TEST_F(SmapsFixtureTest, WithoutRollupFallsBackToSmaps) {
  fs::remove(pid_dir_ / "smaps_rollup");
  MemoryDetails d;
  ASSERT_EQ(Read(kKey, false, &d), DetailOutcome::kOk);
  EXPECT_TRUE(d.has_rollup);
  EXPECT_EQ(d.uss, 8380 * kKiB);  // same as the rollup's
  EXPECT_EQ(d.pss, 9492 * kKiB);  // the per-mapping sum (rollup: 9497)
  EXPECT_EQ(d.swap_pss, 0u);
  EXPECT_FALSE(d.has_maps) << "a rollup request must not return maps";
  EXPECT_TRUE(d.maps.empty());
  // The missing smaps_rollup is counted, not hidden.
  bool counted = false;
  for (const auto& [k, v] : errors_.syscall_errors())
    if (k.source == "smaps_rollup" && k.err == "ENOENT") counted = v == 1;
  EXPECT_TRUE(counted);
  // The same figures ParseSmaps gives.
  MemoryDetails parsed;
  ASSERT_TRUE(linux_proc::ParseSmaps(ReadAll(pid_dir_ / "smaps"), &parsed));
  EXPECT_EQ(d.uss, parsed.uss);
  EXPECT_EQ(d.pss, parsed.pss);
}

// A kernel without smaps_rollup (before 4.14) is told once, from <procfs>/self:
// uss/pss come from smaps with no ENOENT counted on every read.
TEST_F(SmapsFixtureTest, KernelWithoutRollupIsToldOnceAndNothingIsCounted) {
  fs::create_directory(root_ / "self");
  fs::copy_file(pid_dir_ / "stat", root_ / "self" / "stat");
  fs::copy_file(pid_dir_ / "smaps", root_ / "self" / "smaps");
  Open();
  EXPECT_TRUE(probe_->Supports(Feature::kUss));
  EXPECT_TRUE(probe_->Supports(Feature::kMemoryMaps));
  MemoryDetails d;
  ASSERT_EQ(Read(kKey, false, &d), DetailOutcome::kOk);
  EXPECT_EQ(d.uss, 8380 * kKiB);
  EXPECT_TRUE(errors_.syscall_errors().empty());
}

// Without smaps at all (CONFIG_PROC_PAGE_MONITOR=n) uss, pss and maps are
// unsupported: reported as such, never read, never counted.
TEST_F(SmapsFixtureTest, KernelWithoutSmapsReportsUnsupported) {
  fs::create_directory(root_ / "self");
  fs::copy_file(pid_dir_ / "stat", root_ / "self" / "stat");
  Open();
  for (Feature f : {Feature::kUss, Feature::kPss, Feature::kSwapPss, Feature::kMemoryMaps})
    EXPECT_FALSE(probe_->Supports(f)) << FeatureName(f);
  EXPECT_TRUE(probe_->Supports(Feature::kMemoryInfo));
  MemoryDetails d;
  EXPECT_EQ(Read(kKey, false, &d), DetailOutcome::kUnsupported);
  EXPECT_EQ(Read(kKey, true, &d), DetailOutcome::kUnsupported);
  EXPECT_TRUE(errors_.syscall_errors().empty());
}

// psutil's AccessDenied at the boundary: an unreadable smaps_rollup is its
// own outcome (not "vanished", not a generic failure), and it is counted.
TEST_F(SmapsFixtureTest, UnreadableRollupIsAccessDenied) {
  fs::permissions(tmp_, fs::perms(0755));
  for (const auto& e : fs::recursive_directory_iterator(root_))
    if (!e.is_symlink()) fs::permissions(e.path(), e.is_directory() ? fs::perms(0755) : fs::perms(0644));
  fs::permissions(pid_dir_ / "smaps_rollup", fs::perms::none);
  bool skipped = false;
  const std::string got = proctree::testing::RunUnprivileged(
      root_.string(),
      [&] {
        ScanErrors errors;
        MemoryDetails d;
        const DetailOutcome o = probe_->ReadMemoryDetails(kKey, false, &d, errors);
        std::string out = std::to_string(static_cast<int>(o));
        for (const auto& [k, n] : errors.syscall_errors()) out += ";" + k.source + "/" + k.err;
        return out;
      },
      &skipped);
  if (skipped) GTEST_SKIP() << "cannot switch to uid 65534 here";
  EXPECT_EQ(got, std::to_string(static_cast<int>(DetailOutcome::kAccessDenied)) + ";smaps_rollup/EACCES");
}

TEST_F(SmapsFixtureTest, StartTimeMismatchIsVanished) {
  MemoryDetails d;
  d.uss = 12345;
  EXPECT_EQ(Read({kPid, kStart + 1}, false, &d), DetailOutcome::kVanished);
  EXPECT_EQ(Read({kPid, kStart - 1}, true, &d), DetailOutcome::kVanished);
  EXPECT_EQ(Read({kPid, 0}, false, &d), DetailOutcome::kVanished);
}

TEST_F(SmapsFixtureTest, MissingPidIsVanished) {
  MemoryDetails d;
  EXPECT_EQ(Read({999999, kStart}, false, &d), DetailOutcome::kVanished);
  EXPECT_EQ(Read({999999, kStart}, true, &d), DetailOutcome::kVanished);
}

TEST_F(SmapsFixtureTest, MalformedFilesFailWithAParseError) {
  WriteAll(pid_dir_ / "smaps_rollup", ReadAll(Fixture("files/status/garbage")));
  MemoryDetails d;
  EXPECT_EQ(Read(kKey, false, &d), DetailOutcome::kFailed);
  EXPECT_EQ(errors_.parse_errors().count("smaps_rollup"), 1u);

  WriteAll(pid_dir_ / "smaps", "Rss:                4096 kB\n" + ReadAll(Fixture("files/smaps/special/smaps")));
  EXPECT_EQ(Read(kKey, true, &d), DetailOutcome::kFailed);
  EXPECT_EQ(errors_.parse_errors().count("smaps"), 1u);
}

TEST_F(SmapsFixtureTest, LargeSmapsStreamedAcrossReadChunks) {
  // Ten copies of the capture (~700 KB, more than two 256 KiB read chunks,
  // so lines straddle chunk boundaries): every figure ten times over.
  const std::string one = ReadAll(Fixture("files/smaps/special/smaps"));
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += one;
  ASSERT_GT(ten.size(), 2u * 256 * 1024);
  WriteAll(pid_dir_ / "smaps", ten);
  MemoryDetails d;
  ASSERT_EQ(Read(kKey, true, &d), DetailOutcome::kOk);
  EXPECT_EQ(d.map_count, 10 * 90u);
  ASSERT_EQ(d.maps.size(), 28u);
  EXPECT_EQ(d.uss, 10 * 8380 * kKiB);
  EXPECT_EQ(d.pss, 10 * 9492 * kKiB);
  MemoryDetails parsed;
  ASSERT_TRUE(linux_proc::ParseSmaps(ten, &parsed));
  for (std::size_t i = 0; i < d.maps.size(); ++i) {
    EXPECT_EQ(d.maps[i].path, parsed.maps[i].path);
    EXPECT_EQ(d.maps[i].mappings, parsed.maps[i].mappings);
    EXPECT_EQ(d.maps[i].figures.rss, parsed.maps[i].figures.rss);
    EXPECT_EQ(d.maps[i].figures.private_dirty, parsed.maps[i].figures.private_dirty);
  }
  const MemoryMap* anon = FindPath(d, "[anon]");
  ASSERT_NE(anon, nullptr);
  EXPECT_EQ(anon->figures.rss, 10 * 7568 * kKiB);
  EXPECT_EQ(anon->mappings, 100u);
}

}  // namespace
}  // namespace proctree
