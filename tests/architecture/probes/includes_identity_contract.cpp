// Probe for the CMake layer (tests/CMakeLists.txt): preprocessed with the include path of a target
// that does not declare identity (inventory, the kernel), it must fail: the header is not there.
#include "boxoffice/identity/api.hpp"
