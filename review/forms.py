"""The executive side's forms: official responses and campaigns. They carry the fields; the rules and their
messages are the services' (review/responses.py, review/campaigns.py), for forms and JSON alike."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ideas.models import RESPONSE_STATUSES, status_label


class ResponseForm(FlaskForm):
    """An executive's official response."""

    status = SelectField(
        "New status",
        choices=[SelectChoice(value, status_label(value)) for value in RESPONSE_STATUSES],
    )
    body = TextAreaField("Response (Markdown)")
    confirm_back = BooleanField("Yes, move it back")


class CampaignForm(FlaskForm):
    """Open or edit a campaign."""

    title = StringField("Question to the organisation")
    description = TextAreaField("Description (Markdown)")
    owner_id = SelectField("Owner (an executive)", coerce=str, validate_choice=False)
    closes_at = DateField("Closes on", validators=[Optional()])
    vote_threshold = StringField("Votes before executive review", default="10")
    closed = BooleanField("Closed (read-only)")

    def campaign_data(self) -> dict:
        """The service's fields."""
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "owner_id": self.owner_id.data or None,
            "closes_at": self.closes_at.data.isoformat() if self.closes_at.data else None,
            "vote_threshold": self.vote_threshold.data,
            "closed": bool(self.closed.data),
        }
