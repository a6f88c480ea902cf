#pragma once
// Child processes for the harness: the server and one-shot commands. POSIX only.
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace boxoffice::testing::process {

// The current environment without BOXOFFICE_* (a developer's shell must not change test
// results), then `extra` added in order, later entries replacing earlier ones of the same name.
std::vector<std::string> environmentWith(const std::vector<std::pair<std::string, std::string>>& extra);

// Starts `binary args...` with `env`, stdout and stderr appended to `outputFile`, stdin from
// `stdinFd` (or /dev/null when -1). The child is killed if the test process dies first.
pid_t spawn(const std::filesystem::path& binary, const std::vector<std::string>& args,
            const std::vector<std::string>& env, const std::filesystem::path& outputFile, int stdinFd = -1);

// Waits up to `timeoutMs` for the child: its exit code (128 + signal if a signal ended it), or
// -1 if it is still running.
int waitFor(pid_t pid, int timeoutMs);
// True once the child has exited; `status` gets the exit code as waitFor reports it.
bool exited(pid_t pid, int& status);

std::string readFile(const std::filesystem::path& file, std::uintmax_t offset = 0);
using test_support::makeTempDir;  // temp_dir.hpp

}  // namespace boxoffice::testing::process
