"""Every sponsor hears of an official response: who they are and what they are told (notifications delivers)."""

from core.extensions import db
from ideas import queries, visibility
from ideas.announcements import message_about
from ideas.models import Idea, Response, status_label
from ideas.serialize import public_idea_json
from notifications import webhooks
from notifications.services import notify


def _status(response: Response) -> str:
    """The status in the sentence: its one label (ideas.models.STATUS_LABELS), lower case mid-sentence."""
    label = status_label(response.status).lower()
    return label if label == response.status else f"{label} (status {response.status})"


def response_published(response_id: int) -> dict:
    """Every sponsor but the responder gets one notification (and e-mail by preference); webhooks hear it."""
    response = db.session.get(Response, response_id)
    idea = db.session.get(Idea, response.idea_id)
    responder = response.responder.shown_name if response.responder else "An executive"
    text = f"{responder} answered “{idea.title}”: {_status(response)}."
    event_key = f"response:{response.id}"
    subject = f"Ideapool: an answer to “{idea.title}”"
    message = message_about(idea, "idea_responded", text, event_key, subject)
    notified = notify(queries.sponsor_ids(idea), message, response.responder_id)
    if visibility.is_public(idea):
        payload = {
            "idea": public_idea_json(idea),
            "response": {"id": response.id, "status": response.status, "body": response.body},
        }
        webhooks.emit("idea.responded", payload, event_key)
    return {"response_id": response.id, "notified": notified}
