"""Screenshots of every page of every role, at phone and desktop size, for a reviewer to look through.

They land in `screenshots/` at the repository root (ignored by git), named `<role>-<page-slug>-<phone|desktop>.png`,
and are made again on every run. Each page is loaded once and photographed at both sizes, so the test stays cheap.
"""

import re
from pathlib import Path

import pytest

from tests.browser import test_accessibility, test_phone_layout

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SIZES = {"phone": test_phone_layout.PHONE, "desktop": test_phone_layout.DESKTOP}
scene = test_accessibility.scene
crowded = test_phone_layout.crowded  # the scene, with long names, links and audit details


def slug(path: str) -> str:
    """'/ideas/{idea}/edit' -> 'ideas-idea-edit', '/' -> 'home', '/?sort=top' -> 'home-sort-top'."""
    words = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    if path == "/" or path.startswith("/?"):
        return "-".join(filter(None, ["home", words]))
    return words


def photograph(page, role: str, path: str, url: str) -> list[Path]:
    """Load `url` once and save a full-page PNG at each size; the files written."""
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    written = []
    for size_name, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        target = SCREENSHOTS / f"{role}-{slug(path)}-{size_name}.png"
        page.screenshot(path=target, full_page=True, animations="disabled")
        written.append(target)
    return written


def test_every_page_of_every_role_is_photographed_at_phone_and_desktop_size(
    page, live_server, sign_in, crowded, make_user
):
    SCREENSHOTS.mkdir(exist_ok=True)
    written = []
    for path in test_phone_layout.SIGNED_OUT_PAGES:
        written += photograph(page, "signed-out", path, path)
    for role, paths in sorted(test_accessibility.PAGES_BY_ROLE.items()):
        page.context.clear_cookies()
        sign_in(page, live_server, crowded["author"] if role == "staff" else make_user(role))
        for path in paths:
            written += photograph(page, role, path, test_accessibility.page_url(path, crowded))
    pages = len(test_phone_layout.SIGNED_OUT_PAGES) + sum(map(len, test_accessibility.PAGES_BY_ROLE.values()))
    assert len(set(written)) == 2 * pages
    assert all(target.stat().st_size > 1000 for target in written)
