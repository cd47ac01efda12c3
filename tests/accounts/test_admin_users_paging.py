"""/admin/users: 25 people to a page, the search kept on the next page's link."""


def test_users_come_25_to_a_page_and_the_search_follows_the_pager(users, make_user, login_as):
    for number in range(30):
        make_user(name=f"Pager Person {number:02d}")
    admin = login_as(users["admin"])
    first = admin.get("/admin/users?q=pager").get_data(as_text=True)
    assert first.count('<tr id="user-') == 25
    assert "Page 1 of 2" in first and "q=pager" in first.split('rel="next"')[1].split(">")[0]
    second = admin.get("/admin/users?q=pager&page=2").get_data(as_text=True)
    assert second.count('<tr id="user-') == 5
