"""The executive side's forms: official responses and campaigns. They check presence and shape only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ideas.models import BODY_MAX, RESPONSE_STATUSES, TITLE_MAX


class ResponseForm(FlaskForm):
    """An executive's official response."""

    status = SelectField(
        "New status",
        choices=[SelectChoice(value, value.replace("_", " ")) for value in RESPONSE_STATUSES],
    )
    body = TextAreaField("Response (Markdown)", validators=[DataRequired(), Length(max=BODY_MAX)])


class CampaignForm(FlaskForm):
    """Open or edit a campaign."""

    title = StringField("Question to the organisation", validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField("Description (Markdown)", validators=[Optional(), Length(max=BODY_MAX)])
    owner_id = SelectField("Owner (an executive)", coerce=str, validators=[Optional()])
    closes_at = DateField("Closes on", validators=[Optional()])
    vote_threshold = IntegerField(
        "Votes before executive review", default=10, validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
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
