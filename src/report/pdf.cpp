#include "report/pdf.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <sys/wait.h>

extern char** environ;

namespace msw::report {
namespace {

namespace fs = std::filesystem;

// Exit status of argv[0] run with `argv`, its output discarded; -1 when it could not run or was killed.
int run_quietly(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Removes the private folder however print_pdf returns.
struct TempFolder {
  fs::path path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

std::string find_chromium() {
  if (const char* env = std::getenv("MINESWEEP_CHROMIUM"); env && *env) return env;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

Result<void> print_pdf(std::string_view html, const std::string& pdf_path) {
  const std::string browser = find_chromium();
  if (browser.empty())
    return Error::make("report.no_browser",
                       "--pdf prints through headless Chromium, which is not installed: apt-get install chromium "
                       "(or set MINESWEEP_CHROMIUM), or open the HTML report and print it");
  std::string templ = (fs::temp_directory_path() / "minesweep-pdf-XXXXXX").string();
  if (!::mkdtemp(templ.data())) return Error::make("report.pdf", "cannot create a temporary folder for printing");
  TempFolder tmp{templ};
  const fs::path page = tmp.path / "report.html";
  {
    std::ofstream out(page, std::ios::binary);
    out << html;
    if (!out.flush()) return Error::make("report.pdf", "cannot write " + page.string());
  }
  std::error_code ec;
  const fs::path target = fs::absolute(pdf_path, ec);
  fs::remove(target, ec);  // so a PDF found afterwards is this run's
  std::vector<std::string> argv = {browser,
                                   "--headless",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-sync",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-default-apps",
                                   "--user-data-dir=" + (tmp.path / "profile").string(),
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf=" + target.string(),
                                   "file://" + page.string()};
  // Chromium will not start its sandbox as root; a report page holds no script to sandbox (its CSP forbids them).
  if (::geteuid() == 0) argv.insert(argv.begin() + 1, "--no-sandbox");
  const int status = run_quietly(argv);
  std::ifstream check(target, std::ios::binary);
  char magic[5] = {};
  check.read(magic, 5);
  if (status != 0 || std::string_view(magic, 5) != "%PDF-")
    return Error::make("report.pdf", browser + " did not print " + target.string() + " (exit " +
                                         std::to_string(status) +
                                         "); write the HTML report with --out and print it from a browser");
  return {};
}

}  // namespace msw::report
