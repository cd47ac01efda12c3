"""Idea and comment forms. They check presence and shape; the rules themselves live in ideas/validation.py."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ideas.models import BODY_MAX, COMMENT_MAX, TITLE_MAX


class IdeaForm(FlaskForm):
    """New or edited idea."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField("Describe your idea (Markdown)", validators=[Optional(), Length(max=BODY_MAX)])
    tags = StringField("Tags (comma-separated, up to 5)", validators=[Optional()])
    campaign_id = SelectField("Campaign", coerce=str, validators=[Optional()])
    visibility = RadioField(
        "Who can see it",
        choices=[
            SelectChoice("everyone", "Everyone"),
            SelectChoice("department", "Only my department (and moderators, executives)"),
        ],
        default="everyone",
    )
    anonymous = BooleanField("Post anonymously (moderators still see who you are)")


class CommentForm(FlaskForm):
    """A comment, or a reply when parent_id is set."""

    body = TextAreaField("Your comment", validators=[DataRequired(), Length(max=COMMENT_MAX)])
    parent_id = HiddenField()


def form_errors_from(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    """Show a service's field errors on the form's fields (or on the form when there is no such field)."""
    for name, messages in (fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)


class ResponseForm(FlaskForm):
    """An executive's official response."""

    status = SelectField(
        "New status",
        choices=[
            SelectChoice(value, value.replace("_", " "))
            for value in ("under_review", "planned", "in_progress", "done", "declined")
        ],
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
