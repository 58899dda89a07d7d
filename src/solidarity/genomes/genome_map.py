"""A genome map drawn as SVG on the server: the reference as a bar, genes as blocks, changes as ticks.

Pure: no database, no web. The page inlines the SVG, so the map needs no JavaScript.

>>> svg = genome_map_svg(29903, [("S", 21563, 25384)], ["C241T"], ["11288-11296"], ["1-54"])
>>> svg.count('class="tick substitution"'), svg.count('class="tick deletion"'), 'class="gene"' in svg
(1, 1, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from solidarity.genomes.distance import parse_range, site_of

WIDTH = 1000
LEFT = 10
BAR_Y = 40
BAR_HEIGHT = 22


def _x(site: int, length: int) -> float:
    return round(LEFT + (site - 1) / max(length, 1) * (WIDTH - 2 * LEFT), 1)


def genome_map_svg(
    length: int,
    genes: Sequence[tuple[str, int, int]],
    substitutions: Sequence[str],
    deletions: Sequence[str],
    missing: Sequence[str],
) -> str:
    """An SVG of a ``length`` nt genome with gene blocks, substitution and deletion ticks and missing ranges."""
    parts = [
        f'<svg class="genome-map" viewBox="0 0 {WIDTH} 110" role="img" '
        f'aria-label="Genome map: {len(substitutions)} substitutions, {len(deletions)} deletions, '
        f'{len(missing)} missing ranges" xmlns="http://www.w3.org/2000/svg">',
        f'<rect class="genome" x="{LEFT}" y="{BAR_Y}" width="{WIDTH - 2 * LEFT}" height="{BAR_HEIGHT}"/>',
    ]
    for index, (name, start, end) in enumerate(genes):
        x0, x1 = _x(start, length), _x(end, length)
        parts.append(
            f'<rect class="gene" x="{x0}" y="{BAR_Y}" width="{max(x1 - x0, 1)}" height="{BAR_HEIGHT}">'
            f"<title>{escape(name)} {start}-{end}</title></rect>"
        )
        label_y = BAR_Y + BAR_HEIGHT + 14 + (index % 2) * 12
        parts.append(f'<text class="gene-label" x="{round((x0 + x1) / 2, 1)}" y="{label_y}">{escape(name)}</text>')
    for item in missing:
        start, end = parse_range(item)
        x0, x1 = _x(start, length), _x(end, length)
        parts.append(
            f'<rect class="missing" x="{x0}" y="{BAR_Y - 4}" width="{max(x1 - x0, 1)}" height="{BAR_HEIGHT + 8}">'
            f"<title>missing {start}-{end}</title></rect>"
        )
    for token in substitutions:
        x = _x(site_of(token), length)
        parts.append(
            f'<line class="tick substitution" x1="{x}" x2="{x}" y1="{BAR_Y - 22}" y2="{BAR_Y}">'
            f"<title>{escape(token)}</title></line>"
        )
    for item in deletions:
        start, end = parse_range(item)
        x = _x(start, length)
        parts.append(
            f'<line class="tick deletion" x1="{x}" x2="{x}" y1="{BAR_Y - 14}" y2="{BAR_Y}">'
            f"<title>deletion {start}-{end}</title></line>"
        )
    parts.append("</svg>")
    return "".join(parts)
