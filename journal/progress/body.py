"""The body diagram's areas, written in one pass.

The diagram's frame is templates/progress/_body.html (the progress page, the clinician
summary and the note form's picker); its areas are written here rather than area by area
in the template, whose escaping, lookups and macro call for each were most of a diagram's cost.
"""

from markupsafe import Markup, escape

from journal.models.notes import AREAS, FEELINGS

#: Each area's shape (the front view, and the back's own outline).
SHAPES = {
    "face": '<circle cx="110" cy="34" r="24"/>',
    "shoulders": '<rect x="68" y="62" width="84" height="18" rx="9"/>',
    "hands": '<rect x="40" y="66" width="24" height="118" rx="11"/><rect x="156" y="66" width="24" height="118" rx="11"/>',
    "chest": '<rect x="72" y="84" width="76" height="38" rx="10"/>',
    "belly": '<rect x="76" y="126" width="68" height="34" rx="10"/>',
    "scar": '<rect x="84" y="163" width="52" height="10" rx="5"/>',
    "hips": '<rect x="70" y="177" width="26" height="42" rx="10"/><rect x="124" y="177" width="26" height="42" rx="10"/>',
    "intimate_outer": '<rect x="99" y="177" width="22" height="24" rx="7"/>',
    "intimate_inner": '<ellipse cx="110" cy="210" rx="9" ry="7"/>',
    "feet": '<rect x="76" y="224" width="28" height="112" rx="12"/><rect x="116" y="224" width="28" height="112" rx="12"/>',
    "back": '<rect x="226" y="62" width="60" height="120" rx="14"/>',
}
#: Plain fills; "reduced" and "uncomfortable" are hatch patterns defined in each diagram.
FILL = {"comfortable": "#3d7a4f", "neutral": "#b9b0a4", "not_tried": "#ffffff"}
HATCHED = ("reduced", "uncomfortable")


#: Our own words for the areas and feelings, and the feelings' keys, escaped once per
#: process: a page writes each of them a few dozen times.
_OURS = {text: escape(text) for text in (*AREAS.values(), *FEELINGS.values(), *FEELINGS, "none")}


def html_words(text: str) -> str:
    """`text` escaped: our own words from `_OURS`, anything else (what a form was sent) each time."""
    return _OURS.get(text) or escape(text)


def body_areas(diagram_id: str, feelings: dict, areas: dict[str, str], feeling_words: dict[str, str], links=False):
    """Every area of `areas` (AREAS), shaded by its feeling in `feelings`: an area's latest
    answer, or what the note form was sent, which may hold anything (escaped; a feeling
    not in `feeling_words` has no words). With `links`, each area links to its answer."""
    diagram = escape(diagram_id)
    parts = []
    for key, words in areas.items():
        feeling = feelings.get(key)
        said = html_words(feeling_words.get(feeling, "")) if feeling else "no answer"
        described = f"{html_words(words)}: {said}"
        fill = f"url(#{diagram}-{html_words(feeling)})" if feeling in HATCHED else FILL.get(feeling, "#ffffff")
        area = (
            f'<g class="area area-{key} feel-{html_words(feeling or "none")}" fill="{fill}" stroke="#5b544c" '
            f'stroke-width="1.5"><title>{described}</title>{SHAPES.get(key, "")}</g>'
        )
        if links:
            area = (
                f'<a href="#sensation-{key}" class="area-link" id="{diagram}-{key}" aria-label="{described}">{area}</a>'
            )
        parts.append(area)
    return Markup("\n".join(parts))  # nosec B704 (our own shapes and area keys; every feeling and word escaped)
