// Linux persistence artefacts → events: crontab entries (category "cron_entry"), /etc/ld.so.preload libraries
// ("preload_entry") and SSH authorized keys ("ssh_authorized_key"). Sigma has no categories for these; the names
// are minesweep's own and documented in HACKING.md.
#include "core/text.h"
#include "formats/crontab/crontab.h"
#include "normalize/normalize.h"

namespace msw::normalize {
namespace {

// Lines with their byte offsets, comments and blanks skipped; for the two simple line formats below.
template <typename Fn>
void content_lines(std::string_view all, Fn&& fn) {
  uint32_t no = 0;
  for (size_t pos = 0; pos < all.size();) {
    const size_t start = pos;
    size_t eol = all.find('\n', pos);
    std::string_view line = trim(all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos));
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    ++no;
    if (!line.empty() && line[0] != '#') fn(line, no, start);
  }
}

model::Event base_event(std::string_view category, const Source& src, uint64_t offset, uint32_t line) {
  model::Event ev;
  ev.category = category;
  ev.product = "linux";
  ev.artefact = src.display_path;
  ev.offset = offset;
  ev.set(model::Field::TargetFilename, std::string(src.display_path));
  ev.set(model::Field::LineNumber, std::to_string(line));
  return ev;
}

// The account an authorized_keys file belongs to, from its path (/root/.ssh/..., /home/NAME/.ssh/...).
std::string key_owner(std::string_view path) {
  size_t ssh = path.rfind("/.ssh/");
  if (ssh == std::string_view::npos) return {};
  std::string_view home = path.substr(0, ssh);
  size_t slash = home.rfind('/');
  std::string_view name = slash == std::string_view::npos ? home : home.substr(slash + 1);
  return std::string(name);
}

}  // namespace

Result<void> crontab_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out) {
  // /etc/crontab and /etc/cron.d/* carry a user field; per-user crontabs do not.
  const std::string_view p = src.display_path;
  const bool system_format = iends_with_ascii(p, "etc/crontab") || p.find("/cron.d/") != std::string_view::npos ||
                             p.starts_with("cron.d/");
  auto tab = formats::crontab::parse(bytes, system_format, src.display_path, diags);
  if (!tab) return tab.error();
  std::string owner;
  if (!system_format) {
    size_t slash = p.rfind('/');
    owner = std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));  // spool file name = user
  }
  for (const auto& e : tab->entries) {
    model::Event ev = base_event("cron_entry", src, e.offset, e.line);
    ev.set(model::Field::CommandLine, e.command);
    ev.set(model::Field::User, system_format ? e.user : owner);
    ev.set(model::Field::Details, e.schedule);
    ev.set(model::Field::Message, e.raw);
    out.push_back(std::move(ev));
  }
  return {};
}

Result<void> preload_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (1u << 20)) return Error::make("preload.too_large", "ld.so.preload over 1 MiB");
  DecodedText text = decode_text(bytes);
  content_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    // ld.so(8): libraries separated by white space or colons.
    for (size_t i = 0; i < line.size();) {
      size_t j = line.find_first_of(" \t:", i);
      std::string_view lib = line.substr(i, (j == std::string_view::npos ? line.size() : j) - i);
      if (!lib.empty()) {
        model::Event ev = base_event("preload_entry", src, at, no);
        ev.set(model::Field::ImageLoaded, std::string(lib));
        ev.set(model::Field::Message, std::string(line.substr(0, 1024)));
        out.push_back(std::move(ev));
      }
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
  });
  return {};
}

Result<void> authorized_key_events(Bytes bytes, const Source& src, Diagnostics&, std::vector<model::Event>& out) {
  if (bytes.size() > (16u << 20)) return Error::make("authorized_keys.too_large", "authorized_keys over 16 MiB");
  DecodedText text = decode_text(bytes);
  const std::string owner = key_owner(src.display_path);
  content_lines(text.utf8, [&](std::string_view line, uint32_t no, size_t at) {
    // [options] keytype base64 [comment]: the key type is the first word that starts with ssh-, ecdsa- or sk-.
    model::Event ev = base_event("ssh_authorized_key", src, at, no);
    ev.set(model::Field::User, owner);
    std::string type, comment;
    std::string_view rest = line;
    size_t words = 0;
    while (!rest.empty() && words < 64) {
      rest = trim(rest);
      size_t end = rest.find_first_of(" \t");
      std::string_view w = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      ++words;
      if (type.empty() && (w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-"))) {
        type = w;
        std::string_view after = trim(rest);
        size_t blob_end = after.find_first_of(" \t");
        comment = blob_end == std::string_view::npos ? std::string() : std::string(trim(after.substr(blob_end)));
        break;
      }
    }
    ev.set(model::Field::Details, type.empty() ? std::string("unrecognised key line") : type + " " + comment);
    ev.set(model::Field::Message, std::string(line.substr(0, 1024)));
    out.push_back(std::move(ev));
  });
  return {};
}

}  // namespace msw::normalize
