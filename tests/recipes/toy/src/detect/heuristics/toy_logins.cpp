#include "detect/heuristics/toy_logins.h"

namespace msw::detect::heuristics {
namespace {

class ToyLoginEngine final : public Engine {
 public:
  std::string_view name() const override { return "toy_logins"; }
  void scan_artefact(const ArtefactView& artefact, std::vector<model::Finding>& out) const override {
    if (artefact.kind != "toy_log") return;
    for (const auto& ev : artefact.events) {
      const std::string* user = ev.get(model::Field::TargetUserName);
      const std::string* result = ev.get(model::Field::EventType);
      if (!user || !result || *user != "root" || *result != "success") continue;
      model::Finding f;
      f.rule_id = std::string(kToyRootLoginRule);
      f.engine = "heuristics";
      f.severity = model::Severity::High;
      f.title_en = "root logged on (toy log)";
      f.title_zh = "root 已登录（玩具日志）";
      f.description_en = "A login as root succeeded from " + ev.value(model::Field::IpAddress) + ".";
      f.description_zh = "来自 " + ev.value(model::Field::IpAddress) + " 的 root 登录成功。";
      f.attack = {"T1078"};
      f.evidence.push_back({std::string(artefact.path), std::string(artefact.sha256), ev.offset, 0, 0,
                            ev.value(model::Field::IpAddress)});
      out.push_back(std::move(f));
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_toy_login_engine() { return std::make_unique<ToyLoginEngine>(); }

}  // namespace msw::detect::heuristics
