#include "exporter/cmd/service.h"

namespace proctree {

int RunAsService(int argc, char** argv, MainFn run) { return run(argc, argv); }

}  // namespace proctree
