// Running a system program (systemctl, iptables) for a remediation step or its undo: arguments passed as they are,
// never through a shell, so evidence text in an argument stays one argument.
#pragma once

#include <string>
#include <vector>

namespace msw::respond {

// The program's exit status, or -1 when it could not be started or did not exit normally.
int run_program(const std::vector<std::string>& argv);

}  // namespace msw::respond
