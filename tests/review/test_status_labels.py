"""One wording per status: badges, filters, the response form, analytics and the live similar list all use
ideas.models.STATUS_LABELS."""

import json
import re

from ideas.models import STATUS_LABELS
from review import responses
from tests.notifications.support import new_idea


def test_every_page_words_in_progress_the_same_way(users, login_as, db):
    idea = new_idea(users["staff"], title="Standing desks for every floor")
    responses.respond(users["executive"], idea, {"status": "in_progress", "body": "We are on it."})
    db.session.commit()
    executive = login_as(users["executive"])
    badge = executive.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert '<span class="status status-in_progress">In progress</span>' in badge
    assert '<option value="in_progress">In progress</option>' in badge or ">In progress</option>" in badge
    filters = executive.get("/").get_data(as_text=True)
    assert re.search(r'<option value="in_progress"[^>]*>In progress</option>', filters)
    assert ">In progress</text>" in executive.get("/analytics").get_data(as_text=True)
    form = executive.get("/ideas/new").get_data(as_text=True)
    labels = re.search(r'data-status-labels="([^"]*)"', form).group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert json.loads(labels) == STATUS_LABELS
    for page in (badge, filters):
        assert "in progress<" not in page
