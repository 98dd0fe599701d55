#include "model/event.h"

namespace msw::model {

void Event::set(Field f, std::string value) {
  const auto i = static_cast<size_t>(f);
  const bool indexed = counted_ == fields.size();
  if (!indexed || present_.test(i))
    for (auto& [k, v] : fields)
      if (k == f) {
        v = std::move(value);
        return;
      }
  fields.emplace_back(f, std::move(value));
  if (indexed) {
    present_.set(i);
    ++counted_;
  }
}

void Event::set(std::string_view name, std::string value) {
  if (auto f = field_from_name(name)) return set(*f, std::move(value));
  for (auto& [k, v] : extra)
    if (k == name) {
      v = std::move(value);
      return;
    }
  extra.emplace_back(std::string(name), std::move(value));
}

const std::string* Event::get(Field f) const {
  if (counted_ == fields.size() && !present_.test(static_cast<size_t>(f))) return nullptr;
  // Events hold a handful of fields; a linear scan beats any map at that size.
  for (const auto& [k, v] : fields)
    if (k == f) return &v;
  return nullptr;
}

const std::string* Event::get(std::string_view name) const {
  if (auto f = field_from_name(name)) return get(*f);
  for (const auto& [k, v] : extra)
    if (k == name) return &v;
  return nullptr;
}

std::string Event::value(Field f) const {
  const std::string* v = get(f);
  return v ? *v : std::string();
}

std::string Event::value(std::string_view name) const {
  const std::string* v = get(name);
  return v ? *v : std::string();
}

}  // namespace msw::model
