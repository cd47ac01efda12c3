"""The response form after publishing: it shows the idea's new status, and the page opens at its message."""

import re

from tests.notifications.support import new_idea


def test_after_publishing_the_form_shows_the_new_status_and_the_page_opens_at_the_top(users, login_as):
    idea = new_idea(users["staff"], title="Standing desks for every floor")
    executive = login_as(users["executive"])
    page = executive.get(f"/ideas/{idea.id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    answer = executive.post(
        f"/ideas/{idea.id}/respond", data={"csrf_token": token.group(1), "status": "planned", "body": "From May."}
    )
    assert answer.status_code == 302 and "#" not in answer.headers["Location"]
    html = executive.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="planned">|<option value="planned" selected>', html)
