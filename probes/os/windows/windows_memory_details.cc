#include "probes/os/windows/windows_probe.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "probes/os/windows/process_handle.h"
#include "probes/os/windows/win_api.h"

namespace proctree {

namespace {

constexpr std::size_t kMaxRegions = std::size_t{1} << 22;  // a bound on a walk, far above any real process

// The path of the file mapped at an allocation, "[anon]" for private memory
// (Linux's name for it); one GetMappedFileNameW per allocation, not per region
// (an image's sections are regions of one allocation).
class MapNames {
 public:
  MapNames(const WinApi& api, HANDLE h) : api_(api), h_(h), name_(32768) {}

  const std::string& Of(const MEMORY_BASIC_INFORMATION& mbi) {
    static const std::string kAnon = "[anon]";
    if (mbi.Type != MEM_IMAGE && mbi.Type != MEM_MAPPED) return kAnon;
    auto [it, inserted] = by_allocation_.try_emplace(mbi.AllocationBase);
    if (!inserted) return it->second;
    const DWORD n = api_.GetMappedFileNameW(h_, mbi.BaseAddress, name_.data(), static_cast<DWORD>(name_.size()));
    // A section without a file name (pagefile-backed shared memory) is anonymous too.
    it->second = n == 0 ? kAnon
                        : api_.devices.ToDos(win::Utf16ToUtf8(std::u16string_view(reinterpret_cast<const char16_t*>(name_.data()), n)));
    return it->second;
  }

 private:
  const WinApi& api_;
  HANDLE h_;
  std::vector<wchar_t> name_;
  std::unordered_map<const void*, std::string> by_allocation_;
};

}  // namespace

// Only the maps (each path's committed size): uss would need the working set
// page by page (QueryWorkingSetEx), which this module does not read.
DetailOutcome WindowsProbe::ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                              ScanErrors& errors) const {
  if (!maps) return DetailOutcome::kUnsupported;
  ProcessHandle h;
  const DetailOutcome opened =
      h.Open(key.pid, key.start, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, "memory_maps", errors);
  if (opened != DetailOutcome::kOk) return opened;
  MapNames names(*api_, h.get());
  std::map<std::string, MemoryMap> by_path;
  *out = MemoryDetails{};
  const char* at = nullptr;
  for (std::size_t i = 0; i < kMaxRegions; ++i) {
    MEMORY_BASIC_INFORMATION mbi;
    if (::VirtualQueryEx(h.get(), at, &mbi, sizeof mbi) == 0) {
      const DWORD err = ::GetLastError();
      if (err == ERROR_INVALID_PARAMETER) break;  // past the last region
      return win::DetailOutcomeOf(RecordWin32(errors, key.pid, "VirtualQueryEx", "memory_maps", err));
    }
    const char* next = static_cast<const char*>(mbi.BaseAddress) + mbi.RegionSize;
    if (mbi.State == MEM_COMMIT) {
      MemoryMap& m = by_path[names.Of(mbi)];
      m.figures.size += mbi.RegionSize;
      ++m.mappings;
      ++out->map_count;
    }
    if (next <= at) break;  // the top of the address space
    at = next;
  }
  for (auto& [path, m] : by_path) {
    m.path = path;
    out->maps.push_back(std::move(m));
  }
  std::stable_sort(out->maps.begin(), out->maps.end(),
                   [](const MemoryMap& a, const MemoryMap& b) { return a.figures.size > b.figures.size; });
  out->has_maps = true;
  out->maps_size_only = true;
  return DetailOutcome::kOk;
}

}  // namespace proctree
