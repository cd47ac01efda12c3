def test_me_as_each_role(users, api):
    for role in ("staff", "moderator", "executive", "admin"):
        response = api(users[role]).get("/api/v1/me")
        assert response.status_code == 200
        assert response.json["role"] == role
        assert response.json["email"] == users[role].email


def test_me_anonymous(api):
    response = api(None).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_login_as(users, login_as):
    browser = login_as(users["staff"])
    assert browser.get("/api/v1/me").json["id"] == users["staff"].id
