"""/admin/users: 25 people to a page, the search kept on the next page's link."""

import re


def test_users_come_25_to_a_page_and_the_search_follows_the_pager(users, make_user, login_as):
    for number in range(30):
        make_user(name=f"Pager Person {number:02d}")
    admin = login_as(users["admin"])
    first = admin.get("/admin/users?q=pager").get_data(as_text=True)
    assert first.count('<tr id="user-') == 25
    assert "Page 1 of 2" in first and "q=pager" in first.split('rel="next"')[1].split(">")[0]
    second = admin.get("/admin/users?q=pager&page=2").get_data(as_text=True)
    assert second.count('<tr id="user-') == 5


def _page_numbers(html: str) -> list[str]:
    """The pager's entries in order: numbers, "…" for a run left out, the current one as "[n]"."""
    listed = html.split('<ol class="page-numbers">', 1)[1].split("</ol>", 1)[0]
    entries = re.findall(r'<li( aria-hidden="true")?>(?:<a href="([^"]+)"( aria-current="page")?>)?([^<]+)', listed)
    return [f"[{text}]" if current else text.strip() for _, _, current, text in entries]


def test_the_pager_numbers_the_pages_around_this_one_and_keeps_the_search(users, make_user, login_as):
    for number in range(25 * 9 + 1):  # ten pages
        make_user(name=f"Numbered Person {number:03d}")
    admin = login_as(users["admin"])
    html = admin.get("/admin/users?q=numbered&page=5").get_data(as_text=True)
    assert _page_numbers(html) == ["1", "…", "3", "4", "[5]", "6", "7", "…", "10"]
    links = re.findall(r'<li><a href="([^"]+)"', html.split('<ol class="page-numbers">', 1)[1].split("</ol>", 1)[0])
    assert all("q=numbered" in link for link in links)
    assert _page_numbers(admin.get("/admin/users?q=numbered&page=1").get_data(as_text=True)) == [
        "[1]", "2", "3", "…", "10",
    ]  # fmt: skip
    assert "<ol" not in admin.get("/admin/users?q=numbered+person+000").get_data(as_text=True)  # one page: no pager
