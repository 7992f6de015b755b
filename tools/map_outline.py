"""Writes care/portal/nl_outline.json: the outline of the Netherlands the set-up form's map
draws (docs/portal.md), from Natural Earth's 1:50m countries (public domain), as the Debian
package r-cran-rnaturalearthdata ships them. Run by hand when the outline should change; the
app and its tests only read the file (no map data is fetched, ever).

    apt-get install --no-install-recommends r-cran-rnaturalearthdata
    python -m tools.map_outline

Keeps the rings of the country "NL" that lie inside the default area of care/couple.py (the
European Netherlands, not the Caribbean islands), with coordinates rounded to 0.001 degree
(about 100 m: a map to point at a home, the typed degrees stay the exact ones). CPython only.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "care" / "portal" / "nl_outline.json"
R = r"""
suppressMessages({library(sp); library(rnaturalearthdata)})
x <- countries50
p <- x@polygons[[which(x$iso_a2 == "NL")]]
for (q in p@Polygons) {
  cat("ring\n")
  write.table(q@coords, row.names = FALSE, col.names = FALSE)
}
"""


def rings(text):
    out = []
    for line in text.splitlines():
        if line == "ring":
            out.append([])
        elif line.strip():
            lon, lat = (float(v) for v in line.split())
            out[-1].append([round(lon, 3), round(lat, 3)])
    return out


def main():
    sys.path.insert(0, str(ROOT))
    from care.couple import DEFAULT_AREA

    s, w, n, e = DEFAULT_AREA
    done = subprocess.run(["Rscript", "-e", R], capture_output=True, text=True, check=True)
    kept = [r for r in rings(done.stdout)
            if all(w <= lon <= e and s <= lat <= n for lon, lat in r)]
    doc = {"source": "Natural Earth 1:50m Admin 0 countries (public domain), the Netherlands' "
                     "rings inside %s, via Debian's r-cran-rnaturalearthdata; made by "
                     "tools/map_outline.py" % (list(DEFAULT_AREA),),
           "rings": kept}
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print("%s: %d rings, %d points" % (OUT.relative_to(ROOT), len(kept),
                                        sum(len(r) for r in kept)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
