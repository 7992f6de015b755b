"""The set-up form's map of the organisation's area: an inline SVG drawn from a bundled outline
(nl_outline.json: Natural Earth, made by tools/map_outline.py), no tiles, nothing fetched. A
click on it fills the home's latitude and longitude (the form's script); the typed fields stay
the real input and care/couple.py still checks that the home lies in the area.

The projection is equirectangular with longitude scaled by the cosine of the area's middle
latitude (true shape at this scale, a few hundred metres off at the edges: the fields show the
degrees that are used, and the social worker can type exact ones)."""

import json
import math
from pathlib import Path

from care import couple as rules

OUTLINE = Path(__file__).resolve().parent / "nl_outline.json"
WIDTH = 400  # SVG units across the area


class AreaMap:
    def __init__(self, area=None):
        self.south, self.west, self.north, self.east = area or rules.area()
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        self.scale = WIDTH / ((self.east - self.west) * self.kx)
        self.width = WIDTH
        self.height = round((self.north - self.south) * self.scale, 1)

    def xy(self, lat, lon):
        return (round((lon - self.west) * self.kx * self.scale, 2),
                round((self.north - lat) * self.scale, 2))

    def latlon(self, x, y):
        """Degrees of a point of the map (what the form's script computes for a click)."""
        return self.north - y / self.scale, self.west + x / (self.kx * self.scale)

    def paths(self):
        """One SVG path per ring of the outline (rings outside the area are left out)."""
        out = []
        for ring in json.loads(OUTLINE.read_text())["rings"]:
            if not any(self.south <= lat <= self.north and self.west <= lon <= self.east
                       for lon, lat in ring):
                continue
            points = ["%s,%s" % self.xy(lat, lon) for lon, lat in ring]
            out.append("M" + " L".join(points) + " Z")
        return out

    def context(self, home=None):
        """What the template draws: size, outline, the home's marker (None: not set)."""
        marker = None
        if home is not None:
            try:
                lat, lon = (float(str(v).strip().replace(",", ".")) for v in home)
            except ValueError:
                lat = lon = None
            if lat is not None and self.south <= lat <= self.north and \
                    self.west <= lon <= self.east:
                marker = self.xy(lat, lon)
        return {"width": self.width, "height": self.height, "paths": self.paths(),
                "marker": marker, "south": self.south, "west": self.west,
                "north": self.north, "kx": self.kx, "scale": self.scale}
