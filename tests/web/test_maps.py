"""The server-drawn world map: Equal Earth projection, TopoJSON decoding and the choropleth SVG."""

from __future__ import annotations

import math
import re

import pytest

from solidarity.web.maps import (
    INCIDENCE_SCALE,
    MapEntry,
    choropleth,
    decode_arcs,
    equal_earth,
    geometry_polygons,
    legend,
    shapes_from_topology,
    split_at_antimeridian,
    world_shapes,
)

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796


def paper_equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Šavrič, Patterson & Jenny (2018), equations 1 and 2, written out as the paper prints them."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(math.sqrt(3) / 2 * math.sin(phi))
    x = (2 * math.sqrt(3) * lam * math.cos(theta)) / (
        3 * (9 * A4 * theta**8 + 7 * A3 * theta**6 + 3 * A2 * theta**2 + A1)
    )
    y = A4 * theta**9 + A3 * theta**7 + A2 * theta**3 + A1 * theta
    return x, y


def test_equal_earth_maps_the_origin_to_the_origin() -> None:
    assert equal_earth(0.0, 0.0) == (0.0, 0.0)


@pytest.mark.parametrize(("lon", "lat"), [(17.08, -22.56), (-74.0, 40.7), (139.7, 35.7), (180.0, 90.0)])
def test_equal_earth_matches_the_papers_formula(lon: float, lat: float) -> None:
    assert equal_earth(lon, lat) == pytest.approx(paper_equal_earth(lon, lat), abs=1e-12)


def test_equal_earth_is_symmetric_about_the_equator_and_the_central_meridian() -> None:
    x, y = equal_earth(40.0, 25.0)
    assert equal_earth(-40.0, 25.0) == pytest.approx((-x, y))
    assert equal_earth(40.0, -25.0) == pytest.approx((x, -y))


def test_equal_earth_has_the_papers_extent() -> None:
    # Equator end: pi / (M * A1); pole line: theta = pi / 3. Width to height about 2.05 (paper, section 3).
    half_width, _ = equal_earth(180.0, 0.0)
    _, half_height = equal_earth(0.0, 90.0)
    assert half_width == pytest.approx(math.pi / (math.sqrt(3) / 2 * A1))
    theta = math.pi / 3
    assert half_height == pytest.approx(A1 * theta + A2 * theta**3 + A3 * theta**7 + A4 * theta**9)
    assert half_width / half_height == pytest.approx(2.0546, abs=1e-3)


def test_equal_earth_preserves_area_the_whole_map_is_four_pi() -> None:
    # The unit sphere has area 4 pi; an equal-area map of it must too.
    outline = [equal_earth(180.0, lat / 10) for lat in range(-900, 901)]
    outline += [equal_earth(-180.0, lat / 10) for lat in range(900, -901, -1)]
    edges = zip(outline, outline[1:] + outline[:1], strict=True)
    area = 0.5 * abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in edges))
    assert area == pytest.approx(4 * math.pi, rel=1e-4)


def tiny_topology() -> dict[str, object]:
    """Two unit squares sharing an edge, quantized with scale 0.5 and translate (10, 20)."""
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [0, 2]],  # 0: shared edge (11,20) -> (11,21)
            [[2, 2], [-2, 0], [0, -2], [2, 0]],  # 1: west square, (11,21) -> (10,21) -> (10,20) -> (11,20)
            [[2, 0], [2, 0], [0, 2], [-2, 0]],  # 2: east square, (11,20) -> (12,20) -> (12,21) -> (11,21)
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "516", "properties": {"name": "Namibia"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"name": "Kosovo"}},
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "010", "properties": {"name": "Antarctica"}},
                ],
            }
        },
    }


def test_decoding_undoes_delta_encoding_and_the_quantization_transform() -> None:
    arcs = decode_arcs(tiny_topology())
    assert arcs[0] == [(11.0, 20.0), (11.0, 21.0)]
    assert arcs[1] == [(11.0, 21.0), (10.0, 21.0), (10.0, 20.0), (11.0, 20.0)]


def test_decoding_joins_arcs_and_walks_a_negative_index_backwards() -> None:
    topology = tiny_topology()
    arcs = decode_arcs(topology)
    east = topology["objects"]["countries"]["geometries"][1]  # type: ignore[index]
    [[ring]] = geometry_polygons(east, arcs)
    # arc 2 forwards, then arc 0 (~0 == -1) backwards, sharing each joining point once
    assert ring == [(11.0, 20.0), (12.0, 20.0), (12.0, 21.0), (11.0, 21.0), (11.0, 20.0)]


def test_shapes_carry_alpha2_codes_kosovo_becomes_xk_and_antarctica_is_left_off() -> None:
    shapes = shapes_from_topology(tiny_topology())
    assert sorted((s.code, s.name) for s in shapes if s.code) == [("NA", "Namibia"), ("XK", "Kosovo")]
    assert all(s.path.startswith("M") and s.path.endswith("z") for s in shapes)


def test_a_ring_across_the_antimeridian_is_cut_into_two_pieces() -> None:
    pieces = split_at_antimeridian([(175.0, -16.0), (-178.0, -16.0), (-178.0, -17.0), (175.0, -17.0)])
    assert len(pieces) == 2
    assert all(-180.0 <= lon <= 180.0 for piece in pieces for lon, _ in piece)


def subpath_widths(path: str) -> list[float]:
    """The x-extent of each subpath of a path written as ``Mx,y l dx,dy ... z``."""
    widths = []
    for subpath in re.findall(r"M([^z]*)z", path):
        start, steps = subpath.split("l")
        numbers = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", steps)]
        x = float(re.findall(r"-?(?:\d+\.?\d*|\.\d+)", start)[0])
        xs = [x]
        for dx in numbers[0::2]:
            x += dx
            xs.append(x)
        widths.append(max(xs) - min(xs))
    return widths


def test_the_world_atlas_has_namibia_and_kosovo_and_no_band_across_the_map() -> None:
    shapes = {s.code: s for s in world_shapes() if s.code}
    assert shapes["NA"].name == "Namibia"
    assert shapes["XK"].name == "Kosovo"
    assert len(shapes) > 170
    # Fiji and Russia cross 180°: cut there, no piece of them stretches across the map.
    assert max(subpath_widths(shapes["FJ"].path)) < 20
    assert max(subpath_widths(shapes["RU"].path)) < 700
    assert 30 < max(subpath_widths(shapes["NA"].path)) < 40  # about 14° of longitude out of 360° on 960 units


def test_choropleth_draws_namibia_with_its_value_class_tooltip_and_link() -> None:
    svg = str(choropleth({"NA": MapEntry(12.25, "/reporting/areas/NA")}, title="Incidence"))
    match = re.search(r'<a href="/reporting/areas/NA"[^>]*><path class="country (choro-\d)"[^>]*>(.*?)</path>', svg)
    assert match is not None
    assert match.group(1) == f"choro-{INCIDENCE_SCALE.classify(12.25)}" == "choro-2"
    assert match.group(2) == "<title>Namibia: 12.2 new cases per 100,000</title>"


def test_choropleth_greys_countries_without_data_and_never_draws_other_areas() -> None:
    svg = str(choropleth({"XX": MapEntry(99.0, "/reporting/areas/XX")}, title="Incidence"))
    assert 'data-code="XX"' not in svg
    assert "/reporting/areas/XX" not in svg
    assert 'class="country choro-none" data-code="FR"' in svg
    assert "<title>France: no data</title>" in svg


def test_choropleth_escapes_what_it_writes() -> None:
    svg = str(choropleth({}, title='<script>"x"</script>'))
    assert "<script>" not in svg


def test_legend_states_every_class_and_no_data() -> None:
    labels = [label for _, label in legend()]
    assert labels[0] == "under 1"
    assert labels[-2] == "250 or more"
    assert labels[-1] == "no data"
