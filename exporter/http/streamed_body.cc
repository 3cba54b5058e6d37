#include "exporter/http/streamed_body.h"

#include <cstdio>

namespace proctree {

StreamedBody::StreamedBody(Out out, Mode mode) : out_(std::move(out)), mode_(mode) {
  if (mode_.gzip) gzip_ = std::make_unique<GzipStream>();
}

bool StreamedBody::Write(std::string_view piece) {
  if (gzip_) return gzip_->Write(piece, [this](std::string_view b) { return Emit(b); });
  return Emit(piece);
}

bool StreamedBody::Finish() {
  if (gzip_ && !gzip_->Finish([this](std::string_view b) { return Emit(b); })) return false;
  if (mode_.head_only) return out_.head(counted_);
  if (chunked_) return out_.write("0\r\n\r\n");
  return out_.head(static_cast<std::int64_t>(pending_.size())) && (pending_.empty() || out_.write(pending_));
}

bool StreamedBody::Emit(std::string_view bytes) {
  if (mode_.head_only) {
    counted_ += static_cast<std::int64_t>(bytes.size());
    return true;
  }
  if (chunked_) return SendChunk(bytes);
  if (!mode_.may_chunk || pending_.size() + bytes.size() < kCommitBytes) {
    pending_.append(bytes);
    return true;
  }
  chunked_ = true;
  const bool ok = out_.head(-1) && SendChunk(pending_) && SendChunk(bytes);
  std::string().swap(pending_);
  return ok;
}

bool StreamedBody::SendChunk(std::string_view bytes) {
  if (bytes.empty()) return true;  // an empty chunk would end the body
  char size_line[24];
  const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
  return out_.write(std::string_view(size_line, static_cast<std::size_t>(n))) && out_.write(bytes) &&
         out_.write("\r\n");
}

}  // namespace proctree
