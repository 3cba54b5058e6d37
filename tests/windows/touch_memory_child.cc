// A child for the Windows probe tests: says "started", waits for a line,
// allocates and touches 64 MiB, says "touched", then lives until its stdin
// closes (so it never outlives the test that started it).
#include <windows.h>

#include <cstring>

namespace {

void Say(const char* line) {
  DWORD n = 0;
  ::WriteFile(::GetStdHandle(STD_OUTPUT_HANDLE), line, static_cast<DWORD>(std::strlen(line)), &n, nullptr);
}

// False at end of input.
bool ReadByte() {
  char c;
  DWORD n = 0;
  return ::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), &c, 1, &n, nullptr) && n == 1;
}

}  // namespace

int main() {
  Say("started\n");
  if (!ReadByte()) return 1;
  constexpr SIZE_T kBytes = 64u << 20;
  auto* p = static_cast<volatile char*>(::VirtualAlloc(nullptr, kBytes, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
  if (!p) return 2;
  for (SIZE_T i = 0; i < kBytes; i += 4096) p[i] = 1;
  Say("touched\n");
  while (ReadByte()) {
  }
  return 0;
}
