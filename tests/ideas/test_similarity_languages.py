"""Ideas in French, German, Spanish (and scripts without spaces) are matched, accents and inflections aside."""

import pytest

from core.extensions import db
from ideas import services, similarity

IDEAS = {
    "fr": ("Plus de places de parking pour les vélos", "Les vélos des employés sont garés dans le couloir."),
    "de": ("Fahrradständer am Haupteingang erweitern", "Die Fahrräder stehen morgens überall im Weg."),
    "es": ("Más aparcamientos para bicicletas", "Las bicicletas de la plantilla no tienen sitio."),
    "en": ("Longer opening hours for the canteen", "Stay open until eight so late shifts can eat."),
    "ja": ("会議室の予約システムを改善する", "予約が重なることが多いです。"),
}
# Queries as someone would type them: other inflections, no accents, other case.
QUERIES = {
    "fr": "parking velo",
    "de": "Fahrradstaender Haupteingang",
    "es": "aparcamiento de bicicleta",
    "ja": "会議室の予約",
}


@pytest.fixture
def posted(users) -> dict[str, int]:
    ids = {}
    for language, (title, body) in IDEAS.items():
        ids[language] = services.create_idea(users["staff"], {"title": title, "body": body}).id
    db.session.commit()
    return ids


@pytest.mark.parametrize("language", sorted(QUERIES))
def test_a_query_in_the_same_language_finds_the_idea_first(posted, language):
    found = similarity.query(QUERIES[language])
    assert found and found[0][0] == posted[language]


def test_accents_and_case_do_not_matter(posted):
    plain = similarity.query("plus de places de parking pour les velos")
    accented = similarity.query("PLUS DE PLACES DE PARKING POUR LES VÉLOS")
    assert plain[0][0] == accented[0][0] == posted["fr"]
    assert plain[0][1] == pytest.approx(accented[0][1])


def test_any_text_is_safe(posted):
    for text in ("🚲🚲🚲", "‮؟ مرحبا", "\x00\x01", "a" * 5000, "Ω≈ç√∫˜µ≤≥÷", "ﬁ ① Ⅻ"):
        assert all(0.0 <= score <= 1.0 for _, score in similarity.query(text))
