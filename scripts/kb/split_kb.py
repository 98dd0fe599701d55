#!/usr/bin/env python3
"""Restructures the research knowledge base (../shared/corpus/kb/mining-kb.yaml) into data/kb/: one YAML file per
family, one for mining pools, one for XMRig's flags and config keys, and one for the conventions. Every fact keeps
its `source` and `confidence`; nothing is added here. The build embeds data/kb/ and src/intel/kb.cpp reads it.

  scripts/kb/split_kb.py [path/to/mining-kb.yaml] [data/kb]
Needs PyYAML (Debian: python3-yaml). Run by hand when the research file changes; the output is committed.
"""
import pathlib
import sys

import yaml

src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/kb/mining-kb.yaml")
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "data/kb")
kb = yaml.safe_load(src.read_text(encoding="utf-8"))
out.mkdir(parents=True, exist_ok=True)

header = ("# Restructured by scripts/kb/split_kb.py from the project's research knowledge base "
          "(shared/corpus/kb/mining-kb.yaml, compiled {compiled}).\n"
          "# Facts and sources as published there; see conventions.yaml for what confidence means.\n")


def dump(name, doc):
    text = header.format(compiled=str(kb.get("compiled", "?")).split(" ")[0])
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    (out / name).write_text(text, encoding="utf-8")


dump("conventions.yaml", {"schema_version": kb["schema_version"], "title": kb["title"],
                          "compiled": kb["compiled"], "conventions": kb["conventions"]})
for family in kb["families"]:
    dump(f"family-{family['id'].replace('_', '-')}.yaml", {"family": family})
dump("mining-pools.yaml", {"mining_pools": kb["mining_pools"]})
dump("xmrig.yaml", {"xmrig": kb["xmrig"]})
print(f"wrote {len(kb['families'])} families to {out}")
