#include "detect/heuristics/boot_sector.h"

#include <cstdlib>

#include "detect/heuristics/finding.h"

namespace msw::detect::heuristics {
namespace {

void repair(model::Finding& f, bool windows_disk) {
  f.actions.push_back({model::ActionKind::RepairBootSector, "MBR",
                       windows_disk ? "Boot from Windows installation or rescue media and run bootrec /fixmbr (and "
                                      "bootrec /fixboot); then scan again before the system starts normally."
                                    : "Boot from rescue media, save the first MiB for analysis, and reinstall the boot "
                                      "loader (grub-install, or bootrec /fixmbr for Windows).",
                       windows_disk ? "使用 Windows 安装盘或救援介质启动，执行 bootrec /fixmbr（及 bootrec /fixboot），修复后在正常启动前再次扫描。"
                                    : "使用救援介质启动，先保存磁盘前 1 MiB 供分析，再重装引导程序（grub-install，Windows 用 bootrec /fixmbr）。"});
}

class BootSectorEngine final : public Engine {
 public:
  std::string_view name() const override { return "boot-sector"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    for (const auto& ev : a.events) {
      if (ev.category != "boot_record") continue;
      const std::string loader = ev.value("BootLoader");
      const std::string sha = ev.value("BootCodeSha256"), entropy = ev.value("BootCodeEntropy");
      const bool ntfs_disk = ev.value("Partitions").find("0x07@") != std::string::npos;
      if (loader == "unknown") {
        // Other legitimate loaders exist (LILO, vendor tools): unrecognised code is medium; code that looks
        // encrypted or packed (high entropy for 440 bytes) is high.
        const bool packed = std::strtod(entropy.c_str(), nullptr) >= 6.5;
        model::Finding f = heuristic_finding(kUnknownBootCodeRule, packed ? model::Severity::High : model::Severity::Medium, std::nullopt);
        f.attack = {"T1542.003"};
        f.title_en = "Unknown boot code in the master boot record";
        f.title_zh = "主引导记录（MBR）中存在未知引导代码";
        f.description_en = "The MBR's boot code is none of the standard loaders (Windows, GRUB 2, SYSLINUX): " +
                           ev.value("BootLoaderEvidence") + "; entropy " + entropy + " bits/byte, SHA-256 " + sha +
                           ". MBR bootkits (MyKings installs one) replace it to run before Windows and re-infect the "
                           "host. Compare the SHA-256 with a clean machine of the same build, keep a copy of the first "
                           "MiB as evidence, and repair the MBR from rescue media.";
        f.description_zh = "MBR 中的引导代码不属于任何标准引导程序（Windows、GRUB 2、SYSLINUX）：" + ev.value("BootLoaderEvidence") +
                           "；熵值 " + entropy + " 比特/字节，SHA-256 " + sha +
                           "。MBR 引导木马（MyKings 会安装此类木马）通过替换它在 Windows 之前运行并反复感染主机。请与同版本干净主机的 SHA-256 对比，"
                           "保存磁盘前 1 MiB 作为证据，并使用救援介质修复 MBR。";
        f.evidence.push_back({std::string(a.path), std::string(a.sha256), 0, 440, 0,
                              "boot code sha256 " + sha + ", entropy " + entropy + ", partitions " + ev.value("Partitions")});
        repair(f, ntfs_disk);
        out.push_back(std::move(f));
      }
      const long used = std::strtol(ev.value("GapSectorsUsed").c_str(), nullptr, 10);
      if (used > 0 && loader != "grub2" && loader != "unknown" && ev.value("PartitionStyle") == "mbr") {
        const double gap_entropy = std::strtod(ev.value("GapEntropy").c_str(), nullptr);
        model::Finding f = heuristic_finding(kHiddenSectorsRule, gap_entropy > 6.0 ? model::Severity::High : model::Severity::Medium,
                                             std::nullopt);
        f.attack = {"T1542.003"};
        f.title_en = std::to_string(used) + " sector(s) of data hidden before the first partition";
        f.title_zh = "第一个分区之前隐藏了 " + std::to_string(used) + " 个扇区的数据";
        f.description_en = "Behind a " + loader + " boot loader, which does not use the gap between the MBR and the first "
                           "partition, " + std::to_string(used) + " of " + ev.value("GapSectors") + " sectors hold data "
                           "(entropy " + ev.value("GapEntropy") + " bits/byte). Bootkits keep their original MBR copy and "
                           "payload there; some disk-encryption and vendor recovery tools do too. Save the first MiB and "
                           "examine it before repairing the MBR.";
        f.description_zh = "当前为 " + loader + " 引导程序，它不使用 MBR 与第一个分区之间的空隙，但其中 " + ev.value("GapSectors") + " 个扇区中有 " +
                           std::to_string(used) + " 个含有数据（熵值 " + ev.value("GapEntropy") +
                           " 比特/字节）。引导木马常在此存放原始 MBR 副本和载荷，部分磁盘加密和厂商恢复工具也会使用。请先保存磁盘前 1 MiB 并分析，再修复 MBR。";
        f.evidence.push_back({std::string(a.path), std::string(a.sha256), 512, 0, 0,
                              std::to_string(used) + " used sectors before the first partition, entropy " + ev.value("GapEntropy")});
        repair(f, ntfs_disk);
        out.push_back(std::move(f));
      }
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_boot_sector_engine() { return std::make_unique<BootSectorEngine>(); }

}  // namespace msw::detect::heuristics
