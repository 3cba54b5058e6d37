// Windows has no uids: a process's owner is a SID, which the Windows module
// does not turn into a uid, so a sample carries none and this is not asked;
// when it is, the number stands for itself.
#include "probes/user_names.h"

namespace proctree {

std::string UserNames::Lookup(std::uint32_t uid) { return std::to_string(uid); }

}  // namespace proctree
