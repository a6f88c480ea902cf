// Probe for the CMake layer (tests/CMakeLists.txt): preprocessed with the kernel's include path it
// must fail (the kernel sees no contract); with inventory's, which declares USES events, it must
// succeed, so the failing probes are known to fail for the right reason.
#include "boxoffice/events/api.hpp"
