"""World maps drawn on the server: TopoJSON decoded, projected with Equal Earth, written as inline SVG.

The outlines are world-atlas 2 (Natural Earth 1:110m, ``data/world-atlas``), so a map needs no
internet, no JavaScript and no tile server. They are decoded and projected once per process, on
first use. Countries carry ISO 3166-1 numeric ids there; they are matched to the alpha-2 codes
reporting uses through ``solidarity.reference.countries``. Three shapes have no id: Kosovo is
``XK``, as in WHO's files; Somaliland and Northern Cyprus are drawn with Somalia and Cyprus, the
member states whose reports count them. Antarctica is left off: nobody reports from it, and it
would take a fifth of the height.

>>> x, y = equal_earth(0.0, 0.0)
>>> (x, y) == (0.0, 0.0)
True
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from solidarity.reference.countries import find_country

WORLD_ATLAS = Path(__file__).parent / "data" / "world-atlas" / "countries-110m.json"

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]
"""An outer ring followed by its holes."""

# Šavrič, Patterson & Jenny (2018), "The Equal Earth map projection", IJGIS 33(3), equations 1 and 2.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2

NAMES_WITHOUT_IDS = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY"}
LEFT_OFF = {"010"}  # Antarctica

WIDTH = 960.0
"""Width of the map in SVG user units; the height follows from the projection."""
_SCALE = WIDTH / (2 * math.pi / (_M * _A1))  # the equator, ±180°, spans the full width


def equal_earth(longitude: float, latitude: float) -> Point:
    """Project a point given in degrees onto the Equal Earth plane of the unit sphere (y points north).

    >>> x, y = equal_earth(180.0, 0.0)
    >>> round(x, 5), y
    (2.70663, 0.0)
    """
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def decode_arcs(topology: Mapping[str, Any]) -> list[list[Point]]:
    """The arcs of a TopoJSON topology as (longitude, latitude) points.

    A quantized topology stores each arc's first position as integers and every later one as the
    difference from the one before; its ``transform`` turns integers back into degrees.

    >>> decode_arcs({"transform": {"scale": [0.5, 0.25], "translate": [-10, 20]}, "arcs": [[[4, 8], [2, -4]]]})
    [[(-8.0, 22.0), (-7.0, 21.0)]]
    """
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        qx = qy = 0
        points: list[Point] = []
        for position in arc:
            qx += position[0]
            qy += position[1]
            points.append((qx * sx + tx, qy * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: Sequence[Sequence[Point]]) -> Ring:
    """Join arcs into a ring; ``~i`` (that is ``-i - 1``) means arc ``i`` walked backwards."""
    ring: Ring = []
    for index in indexes:
        arc = list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
        # consecutive arcs share their joining point
        ring.extend(arc[1:] if ring else arc)
    return ring


def geometry_polygons(geometry: Mapping[str, Any], arcs: Sequence[Sequence[Point]]) -> list[Polygon]:
    """The polygons of a TopoJSON ``Polygon`` or ``MultiPolygon`` geometry; other types have none.

    >>> arcs = [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)], [(1.0, 1.0), (0.0, 0.0)]]
    >>> geometry_polygons({"type": "Polygon", "arcs": [[0, 1]]}, arcs)
    [[[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]]]
    """
    kind = geometry.get("type")
    if kind == "Polygon":
        return [[_ring(ring, arcs) for ring in geometry["arcs"]]]
    if kind == "MultiPolygon":
        return [[_ring(ring, arcs) for ring in polygon] for polygon in geometry["arcs"]]
    return []


def split_at_antimeridian(ring: Ring) -> list[Ring]:
    """The pieces of a ring on each side of the ±180° meridian, each within [-180, 180].

    world-atlas keeps rings whole on the sphere (Russia's and Fiji's cross 180°); a flat map has to
    cut them there, or they would be drawn as bands across the whole map.

    >>> east, west = split_at_antimeridian([(170.0, 0.0), (-170.0, 0.0), (-170.0, 10.0), (170.0, 10.0)])
    >>> east
    [(170.0, 0.0), (180.0, 0.0), (180.0, 10.0), (170.0, 10.0)]
    >>> west
    [(-180.0, 0.0), (-170.0, 0.0), (-170.0, 10.0), (-180.0, 10.0)]
    """
    unwrapped: Ring = []
    for lon, lat in ring:
        if unwrapped:
            previous = unwrapped[-1][0]
            lon += 360.0 * round((previous - lon) / 360.0)
        unwrapped.append((lon, lat))
    low, high = min(p[0] for p in unwrapped), max(p[0] for p in unwrapped)
    if low >= -180.0 and high <= 180.0:
        return [ring]
    pieces: list[Ring] = []
    for window in range(math.floor((low + 180.0) / 360.0), math.ceil((high - 180.0) / 360.0) + 1):
        west, east = -180.0 + 360.0 * window, 180.0 + 360.0 * window
        piece = _clip(_clip(unwrapped, west, keep_east=True), east, keep_east=False)
        if len(piece) >= 3:
            pieces.append([(lon - 360.0 * window, lat) for lon, lat in piece])
    return pieces


def _clip(ring: Ring, meridian: float, *, keep_east: bool) -> Ring:
    """Sutherland-Hodgman: the part of a closed ring east (or west) of ``meridian``."""

    def inside(point: Point) -> bool:
        return point[0] >= meridian if keep_east else point[0] <= meridian

    out: Ring = []
    for index, current in enumerate(ring):
        previous = ring[index - 1]
        if inside(current):
            if not inside(previous):
                out.append(_crossing(previous, current, meridian))
            out.append(current)
        elif inside(previous):
            out.append(_crossing(previous, current, meridian))
    return out


def _crossing(a: Point, b: Point, meridian: float) -> Point:
    share = (meridian - a[0]) / (b[0] - a[0])
    return meridian, a[1] + share * (b[1] - a[1])


def _to_svg(point: Point) -> Point:
    x, y = equal_earth(*point)
    return x * _SCALE, -y * _SCALE


def svg_path(polygons: Iterable[Polygon]) -> str:
    """SVG path data for projected polygons: relative moves in tenths of a unit, no repeated points.

    Rounding happens on the absolute positions, so relative steps never drift.

    >>> svg_path([[[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]]])
    'M0,0l26.7,0-.2-35.8z'
    """
    parts: list[str] = []
    for polygon in polygons:
        for ring in (piece for whole in polygon for piece in split_at_antimeridian(whole)):
            tenths: list[tuple[int, int]] = []
            for point in ring:
                x, y = _to_svg(point)
                position = (round(x * 10), round(y * 10))
                if not tenths or position != tenths[-1]:
                    tenths.append(position)
            if len(tenths) > 1 and tenths[-1] == tenths[0]:
                tenths.pop()
            if len(tenths) < 3:
                continue
            (x0, y0), steps = tenths[0], []
            for (xa, ya), (xb, yb) in itertools.pairwise(tenths):
                steps.append(_pair(xb - xa, yb - ya))
            parts.append(f"M{_pair(x0, y0).lstrip(',')}l{''.join(steps).lstrip(',')}z")
    return "".join(parts)


def _tenths(value: int) -> str:
    sign, value = ("-", -value) if value < 0 else ("", value)
    whole, tenth = divmod(value, 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{tenth}"


def _pair(dx: int, dy: int) -> str:
    """Two numbers, separated only where SVG needs it (a minus sign separates by itself)."""
    x, y = _tenths(dx), _tenths(dy)
    return ("" if x.startswith("-") else ",") + x + ("" if y.startswith("-") else ",") + y


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Shape:
    """One country outline, ready to draw."""

    code: str | None
    """ISO alpha-2 (or ``XK``); ``None`` for a shape no reporting area stands for."""
    name: str
    path: str
    bounds: tuple[float, float, float, float]
    """min x, min y, max x, max y in SVG units."""


def _bounds(polygons: Iterable[Polygon]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for polygon in polygons:
        for point in (p for piece in split_at_antimeridian(polygon[0]) for p in piece):
            x, y = _to_svg(point)
            xs.append(x)
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def _code(geometry: Mapping[str, Any]) -> str | None:
    numeric = geometry.get("id")
    if numeric is None:
        return NAMES_WITHOUT_IDS.get(geometry.get("properties", {}).get("name", ""))
    country = find_country(str(numeric))
    return country.alpha2 if country else None


def shapes_from_topology(topology: Mapping[str, Any], object_name: str = "countries") -> tuple[Shape, ...]:
    """Every drawable country of ``topology``, projected, largest first so small ones are on top."""
    arcs = decode_arcs(topology)
    shapes: list[Shape] = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if geometry.get("id") in LEFT_OFF:
            continue
        polygons = geometry_polygons(geometry, arcs)
        if not polygons:
            continue
        name = str(geometry.get("properties", {}).get("name", ""))
        shapes.append(Shape(_code(geometry), name, svg_path(polygons), _bounds(polygons)))
    shapes.sort(key=lambda s: -(s.bounds[2] - s.bounds[0]) * (s.bounds[3] - s.bounds[1]))
    return tuple(shapes)


@cache
def world_shapes() -> tuple[Shape, ...]:
    """The world's countries from the vendored world-atlas, decoded and projected once per process."""
    with WORLD_ATLAS.open(encoding="utf-8") as handle:
        return shapes_from_topology(json.load(handle))


@cache
def _sphere_path() -> str:
    """The outline of the whole globe: both ±180° meridians, as the ocean behind the countries."""
    east = [(180.0, lat / 2) for lat in range(-180, 181)]
    west = [(-180.0, lat / 2) for lat in range(180, -181, -1)]
    return svg_path([[east + west]])


@dataclass(frozen=True)
class ColourScale:
    """Fixed class breaks: class ``i`` holds values from ``breaks[i-1]`` (included) to ``breaks[i]``."""

    breaks: tuple[float, ...]
    unit: str

    @property
    def classes(self) -> int:
        return len(self.breaks) + 1

    def classify(self, value: float) -> int:
        """The class of ``value``.

        >>> INCIDENCE_SCALE.classify(0), INCIDENCE_SCALE.classify(1), INCIDENCE_SCALE.classify(1000)
        (0, 1, 6)
        """
        for index, bound in enumerate(self.breaks):
            if value < bound:
                return index
        return len(self.breaks)

    def labels(self) -> list[str]:
        """What each class means, for the legend.

        >>> ColourScale((1, 10), "per 100,000").labels()
        ['under 1', '1 to 10', '10 or more']
        """
        labels = [f"under {_plain(self.breaks[0])}"]
        labels += [f"{_plain(low)} to {_plain(high)}" for low, high in zip(self.breaks, self.breaks[1:], strict=False)]
        labels.append(f"{_plain(self.breaks[-1])} or more")
        return labels


def _plain(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


INCIDENCE_SCALE = ColourScale((1, 5, 25, 50, 100, 250), "new cases per 100,000")
"""Fixed breaks, so that maps of different dates and sources compare at a glance."""


@dataclass(frozen=True)
class MapEntry:
    """The value shown for one area, and where its link goes."""

    value: float | None
    href: str | None = None


def choropleth(
    entries: Mapping[str, MapEntry],
    *,
    scale: ColourScale = INCIDENCE_SCALE,
    title: str,
    describe: Callable[[float], str] | None = None,
) -> Markup:
    """The world map as an ``<svg>`` element: each country in its class colour, grey without data.

    ``entries`` is keyed by alpha-2 code; areas that are not on the map (ships, "Other",
    subnational areas) are simply never drawn. Colours come from the ``choro-N`` classes of the
    stylesheet, so the page needs no inline style.
    """
    shapes = world_shapes()
    describe = describe or (lambda value: f"{value:,.1f} {scale.unit}")
    min_x = min(s.bounds[0] for s in shapes)
    min_y = min(s.bounds[1] for s in shapes)
    max_x = max(s.bounds[2] for s in shapes)
    max_y = max(s.bounds[3] for s in shapes)
    pad = 4.0
    box = (min_x - pad, min_y - pad, max_x - min_x + 2 * pad, max_y - min_y + 2 * pad)
    view = " ".join(_number(value) for value in box)
    out = [
        f'<svg class="world-map" viewBox="{view}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<path class="sphere" d="{_sphere_path()}"/>',
    ]
    for shape in shapes:
        entry = entries.get(shape.code) if shape.code else None
        value = entry.value if entry else None
        css = "choro-none" if value is None else f"choro-{scale.classify(value)}"
        text = f"{shape.name}: {'no data' if value is None else describe(value)}"
        path = (
            f'<path class="country {css}" data-code="{escape(shape.code or "")}" '
            f'data-value="{"" if value is None else f"{value:.6g}"}" d="{shape.path}">'
            f"<title>{escape(text)}</title></path>"
        )
        if entry is not None and entry.href:
            path = f'<a href="{escape(entry.href)}" aria-label="{escape(text)}">{path}</a>'
        out.append(path)
    out.append("</svg>")
    # every name and link above went through escape(); paths and numbers are ours
    return Markup("".join(out))  # noqa: S704


def legend(scale: ColourScale = INCIDENCE_SCALE) -> list[tuple[str, str]]:
    """(css class, label) for each colour of the map, then the one for no data."""
    rows = [(f"choro-{index}", label) for index, label in enumerate(scale.labels())]
    rows.append(("choro-none", "no data"))
    return rows
