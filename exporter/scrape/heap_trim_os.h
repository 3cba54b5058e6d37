#pragma once
// What heap_trim.cc asks of malloc: glibc's (heap_trim_posix.cc), or none on
// Windows (heap_trim_windows.cc: HeapInUseBytes 0 means never trim).
namespace proctree {

// Gives free memory back to the kernel; false when this malloc cannot.
bool TrimMalloc();

}  // namespace proctree
