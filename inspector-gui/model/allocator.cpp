#include "model/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace inspector {

void prepare_allocator_for_records() {
#if defined(__GLIBC__)
  mallopt(M_TOP_PAD, 256 << 20);
#endif
}

}  // namespace inspector
