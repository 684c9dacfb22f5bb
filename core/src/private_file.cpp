#include "ovms/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ovms {

int open_private_file(const std::string& path, const std::string& what, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + what + " '" + path + "': " + std::strerror(errno);
    return -1;
  }
  // The file may have existed with a wider mode (O_CREAT's mode applies to new files only).
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) && ::fchmod(fd, 0600) != 0) {
    error = "cannot restrict the mode of " + what + " '" + path + "': " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace ovms
