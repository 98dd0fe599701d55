// The lab's stand-in for libprocesshider: preloaded into a program, it hides one /proc entry (the pid in
// MSW_HIDE_PID) from readdir() — exactly what mining rootkits do through /etc/ld.so.preload. Built by the tests only.
#include <dirent.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace {
template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}
bool hide(const char* name) {
  const char* pid = std::getenv("MSW_HIDE_PID");
  return pid != nullptr && std::strcmp(name, pid) == 0;
}
}  // namespace

extern "C" {
struct dirent* readdir(DIR* d) {
  static auto real = next<struct dirent* (*)(DIR*)>("readdir");
  struct dirent* e;
  do e = real(d);
  while (e != nullptr && hide(e->d_name));
  return e;
}
struct dirent64* readdir64(DIR* d) {
  static auto real = next<struct dirent64* (*)(DIR*)>("readdir64");
  struct dirent64* e;
  do e = real(d);
  while (e != nullptr && hide(e->d_name));
  return e;
}
}
