#pragma once
// Writes one scan's per-process families and the per-state process counts.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/text_writer.h"
#include "probes/probe.h"
#include "probes/user_names.h"

namespace proctree {

// The optional labels of per-process series, already derived (see
// LabelPolicy); empty when off.
struct OptionalLabels {
  std::string user, exe, cgroup, container_id, cmdline;
};

// The cmdline label from /proc/[pid]/cmdline as read: redacted
// (config/redaction.h) and at most max_bytes of valid UTF-8. Invalid bytes
// become U+FFFD (3 bytes each) before the cut, not after, so that the label
// and not the raw command line is what fits in labels.cmdline_max_length.
// read_cut: raw_cmdline is only the first bytes of the command line; its
// last, possibly partial word is left out and the label ends in " …".
std::string CmdlineLabel(std::string_view raw_cmdline, std::size_t max_bytes, bool read_cut = false);

// How many bytes of a command line the probe reads for a label of max_bytes
// (ScanRequest::cmdline_max_bytes). A label byte comes from about one byte
// read, except where a long secret shrinks to "<redacted>" (a JWT, a key);
// sixteen times the label, and at least a page, leaves room for those, so the
// label of a cut read is the same as of the whole line but for rare cases.
std::size_t CmdlineLabelReadBytes(std::size_t max_bytes);

// `pid="..",comm=".."` (plus optional labels) per process, sanitized to
// UTF-8 and escaped once per scrape, shared by every series of that process.
// `optional` may be empty (no optional labels) or parallel to ps. `needed`:
// empty, or parallel to ps: only those get a prefix (the others stay empty,
// so a config with few per-process rows holds few prefixes).
std::vector<std::string> ProcessLabelPrefixes(const std::vector<ProcessSample>& ps,
                                              const std::vector<OptionalLabels>& optional = {},
                                              const std::vector<bool>& needed = {});

// Writes the per-process families for the processes at `rows` (indexes into
// ps), and proctree_processes for all of ps. details: empty, or parallel to
// ps with the smaps figures of the processes that have them (else nullptr).
// user_in_prefix: the prefixes carry `user` already (labels.user), so
// proctree_process_info must not add it again.
void WriteProcessFamilies(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                          const std::vector<std::string>& prefixes, const EnabledFamilies& enabled,
                          UserNames& users, TextWriter& w,
                          const std::vector<const MemoryDetails*>& details = {}, bool user_in_prefix = false);

// proctree_process_memory_map_bytes and proctree_process_memory_maps: at most
// max_paths paths per process (largest rss first), the rest summed into
// path="[other]" so the totals still add up.
void WriteMemoryMapFamilies(const std::vector<int>& rows, const std::vector<std::string>& prefixes,
                            const std::vector<const MemoryDetails*>& details, std::size_t max_paths,
                            const EnabledFamilies& enabled, TextWriter& w);

// The exporter's own process_* families, as every client library exposes them.
void WriteSelfFamilies(const ProcessSample& self, const EnabledFamilies& enabled, TextWriter& w);

}  // namespace proctree
