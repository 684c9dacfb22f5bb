// The store keeps every record the decoder makes (about 1.7 KB each: a million records are 1.7 GB
// of small allocations that are never freed while the capture is open). glibc's malloc grows the heap
// 128 KiB at a time by default; asking for 256 MiB more each time it grows saves most of the system
// calls and page-table work, and loading a million records took about a third less time when
// measured (inspector-gui/bench). Called once, by main() and by the benchmark.
#pragma once

namespace inspector {
void prepare_allocator_for_records();
}
