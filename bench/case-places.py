#!/usr/bin/env python3
"""bench/case-places.py - the places bench/case-report.lua reports at.

    case-places.py GRIDS.geojson CATEGORIES.json COUNT [SEED]

GRIDS is GET /api/v1/grids.geojson, CATEGORIES GET /api/v1/categories?kind=event.
Prints COUNT lines "CATEGORY LAT LNG": a minor category and a point inside a
grid, the grid drawn at random (every grid alike, as every grid reports), the
point at random inside its outer ring (holes are not looked at: the demo's
grids have none). The same SEED gives the same places, so that two runs
report the same mix."""
import json
import random
import sys


def inside(ring, x, y):
    """Even-odd rule: whether (x, y) is inside the closed ring."""
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    grids = [f["geometry"] for f in json.load(open(sys.argv[1]))["features"] if f.get("geometry")]
    categories = [k["code"] for c in json.load(open(sys.argv[2]))["items"] for k in c["children"]]
    count = int(sys.argv[3])
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    if not grids or not categories:
        sys.exit("case-places.py: no drawn grids or no categories")
    out = []
    while len(out) < count:
        g = rnd.choice(grids)
        polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        ring = [p[:2] for p in rnd.choice(polygons)[0]]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        x, y = rnd.uniform(min(xs), max(xs)), rnd.uniform(min(ys), max(ys))
        if inside(ring, x, y):
            out.append("%s %.6f %.6f" % (rnd.choice(categories), y, x))
    print("\n".join(out))


main()
