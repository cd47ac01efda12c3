"""The forms and the JSON API apply the same rules with the same messages (ideas/validation.py via the services)."""

import html

import pytest

from ideas.models import BODY_MAX, TITLE_MAX
from tests.ideas.pages_support import idea_form, post_form
from tests.ideas.support import IDEAS_URL

CASES = {
    "title_too_long": {"title": "x" * (TITLE_MAX + 1)},
    "title_too_short": {"title": "ab"},
    "title_missing": {"title": ""},
    "body_too_long": {"body": "y" * (BODY_MAX + 1)},
    "too_many_tags": {"tags": "a, b, c, d, e, f"},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_idea_gets_the_same_message_from_the_form_and_the_api(case, api, login_as, users):
    fields = CASES[case]
    body = {"title": "A fine title", **{key: value for key, value in fields.items() if key != "tags"}}
    if "tags" in fields:
        body["tags"] = [tag.strip() for tag in fields["tags"].split(",")]
    answer = api(users["staff"]).post(IDEAS_URL, json=body)
    assert answer.status_code == 422
    ((field, messages),) = answer.get_json()["error"]["fields"].items()
    page = post_form(login_as(users["staff"]), "/ideas/new", **idea_form(**fields))
    assert page.status_code == 422
    assert all(html.escape(message) in page.get_data(as_text=True) for message in messages), (field, messages)
