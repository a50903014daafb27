#!/usr/bin/env python3
"""Every theory citation in the code points at something the theory documents define.

The code cites docs/theory/<family>.md by section (`gmm.md §2.3`, `docs/theory/grok.md §1.3`)
and by equation label (NS-7, LS-3, CM-5).  A section counts as defined where a heading
starts with its number, the document itself says `§x.y`, or a numbered paragraph opens with
it ("7.1 The closure ...").  A label counts as defined where the document of its family
contains it.  Fails listing every dangling citation with the files that make it.
"""
import os
import re
import subprocess
import sys

ROOT = os.environ.get("HDSIM_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THEORY = os.path.join(ROOT, "docs", "theory")
LABEL_DOC = {"NS": "noisy.md", "LS": "lsq.md", "CM": "committee.md"}
DIRS = ["src", "ode", "sde", "models", "tests", "bench", "validation", "python", "plots"]
SECTION_CITE = re.compile(
    r"\b(lsq|noisy|gmm|sam|grok|glm|committee)\.md,? "
    r"((?:§[0-9][0-9.]*[0-9a-z]?(?:[-–][0-9.]+)?(?:, )?)+)")
LABEL_CITE = re.compile(r"\b(NS|LS|CM)-([0-9]+[a-z]?)\b")


def source_files():
    try:
        out = subprocess.check_output(["git", "-C", ROOT, "ls-files"] + DIRS,
                                      stderr=subprocess.DEVNULL).decode().split()
        return [os.path.join(ROOT, p) for p in out]
    except (OSError, subprocess.CalledProcessError):  # a tarball: walk the tree instead
        return [os.path.join(d, f) for top in DIRS for d, _, fs in os.walk(os.path.join(ROOT, top))
                for f in fs]


def section_defined(doc, sec):
    s = re.escape(sec)
    return re.search(r"(^#+ *(§ ?)?" + s + r"\b)|§" + s + r"\b|(^|[.:] |\()" + s + r"[ )]",
                     doc, re.M) is not None


def main():
    docs = {f: open(os.path.join(THEORY, f), encoding="utf-8").read()
            for f in os.listdir(THEORY) if f.endswith(".md")}
    missing = {}
    cites = 0
    for path in source_files():
        if not path.endswith((".c", ".h", ".ini", ".py", ".sh")) or path.endswith("doc_citations.py"):
            continue
        try:
            text = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        rel = os.path.relpath(path, ROOT)
        for m in SECTION_CITE.finditer(text):
            doc = m.group(1) + ".md"
            for sec in re.findall(r"§([0-9][0-9.]*[0-9])", m.group(2)):
                cites += 1
                if not section_defined(docs[doc], sec):
                    missing.setdefault(f"{doc} §{sec}", set()).add(rel)
        for m in LABEL_CITE.finditer(text):
            cites += 1
            label = f"{m.group(1)}-{m.group(2)}"
            if not re.search(re.escape(label) + r"\b", docs[LABEL_DOC[m.group(1)]]):
                missing.setdefault(f"{LABEL_DOC[m.group(1)]} {label}", set()).add(rel)
    for what, where in sorted(missing.items()):
        print(f"FAIL {what} is cited by {', '.join(sorted(where))} but not defined there")
    print(f"{cites} citations checked, {len(missing)} undefined")
    return 1 if missing or cites == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
