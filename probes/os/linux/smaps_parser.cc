#include "probes/os/linux/smaps_parser.h"

#include <algorithm>
#include <cstdint>

#include "probes/os/linux/parse_util.h"

namespace proctree::linux_proc {

namespace {

enum class Size { kNone, kOk, kOverflow };

// "Key:   1234 kB" -> bytes; kNone if the line is not a size line, kOverflow
// if its bytes do not fit 64 bits (no kernel writes that: not an smaps file).
Size SizeLine(std::string_view line, std::string_view* key, std::uint64_t* bytes) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return Size::kNone;
  *key = line.substr(0, colon);
  std::string_view rest = line.substr(colon + 1);
  std::uint64_t v = 0;
  if (!TakeNumber(rest, &v)) return Size::kNone;
  SkipSpaces(rest);
  if (StartsWith(rest, "kB")) {
    if (v > UINT64_MAX / 1024) return Size::kOverflow;
    v *= 1024;
  }
  *bytes = v;
  return Size::kOk;
}

// Header lines start with "<hex>-<hex> "; size lines with a capitalized key.
bool IsHeader(std::string_view line) {
  std::size_t dash = line.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 16) return false;
  for (std::size_t i = 0; i < dash; ++i) {
    char c = line[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The path is everything after the 5th field; it may contain spaces and end
// in " (deleted)", both kept as the kernel writes them.
std::string_view HeaderPath(std::string_view line) {
  std::string_view rest = line;
  for (int field = 0; field < 5; ++field) {
    SkipSpaces(rest);
    if (!SkipToken(rest)) return {};
  }
  SkipSpaces(rest);
  return rest;
}

void AddField(std::string_view key, std::uint64_t b, MapFigures* f) {
  if (key == "Rss") f->rss += b;
  else if (key == "Size") f->size += b;
  else if (key == "Pss") f->pss += b;
  else if (key == "Shared_Clean") f->shared_clean += b;
  else if (key == "Shared_Dirty") f->shared_dirty += b;
  else if (key == "Private_Clean") f->private_clean += b;
  else if (key == "Private_Dirty") f->private_dirty += b;
  else if (key == "Referenced") f->referenced += b;
  else if (key == "Anonymous") f->anonymous += b;
  else if (key == "Swap") f->swap += b;
}

}  // namespace

bool ParseSmapsRollup(std::string_view text, MemoryDetails* out) {
  bool header = false, pss = false;
  std::uint64_t uss = 0, pss_v = 0, swap_pss = 0;
  while (!text.empty()) {
    std::string_view line = TakeLine(text);
    if (line.empty()) continue;
    if (!header) {
      if (!IsHeader(line)) return false;
      header = true;
      continue;
    }
    std::string_view key;
    std::uint64_t b = 0;
    const Size size = SizeLine(line, &key, &b);
    if (size == Size::kOverflow) return false;
    if (size == Size::kNone) continue;
    if (StartsWith(key, "Private_")) uss += b;
    else if (key == "Pss") {
      pss_v = b;
      pss = true;
    } else if (key == "SwapPss") swap_pss = b;
  }
  if (!header || !pss) return false;
  out->has_rollup = true;
  out->uss = uss;
  out->pss = pss_v;
  out->swap_pss = swap_pss;
  return true;
}

bool SmapsGrouper::Line(std::string_view line) {
  if (line.empty()) return true;
  if (IsHeader(line)) {
    std::string_view path = HeaderPath(line);
    if (path.empty()) path = "[anon]";
    auto [it, inserted] = index_.try_emplace(std::string(path), maps_.size());
    if (inserted) maps_.push_back(MemoryMap{std::string(path), {}, 0});
    cur_ = it->second;
    ++maps_[cur_].mappings;
    ++count_;
    return true;
  }
  if (cur_ == SIZE_MAX) return false;  // size lines before any mapping: not an smaps file
  std::string_view key;
  std::uint64_t b = 0;
  const Size size = SizeLine(line, &key, &b);
  if (size == Size::kOverflow) return false;
  if (size == Size::kNone) return true;  // VmFlags, THPeligible, ...
  AddField(key, b, &maps_[cur_].figures);
  if (StartsWith(key, "Private_")) uss_ += b;
  else if (key == "Pss") pss_ += b;
  else if (key == "SwapPss") swap_pss_ += b;
  return true;
}

void SmapsGrouper::Finish(MemoryDetails* out) {
  std::sort(maps_.begin(), maps_.end(), [](const MemoryMap& a, const MemoryMap& b) {
    return a.figures.rss != b.figures.rss ? a.figures.rss > b.figures.rss : a.path < b.path;
  });
  out->has_maps = true;
  out->maps = std::move(maps_);
  out->map_count = count_;
  if (!out->has_rollup) {
    out->has_rollup = true;
    out->uss = uss_;
    out->pss = pss_;
    out->swap_pss = swap_pss_;
  }
}

bool ParseSmaps(std::string_view text, MemoryDetails* out) {
  SmapsGrouper g;
  while (!text.empty())
    if (!g.Line(TakeLine(text))) return false;
  g.Finish(out);
  return true;
}

}  // namespace proctree::linux_proc
