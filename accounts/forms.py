"""Account forms. They validate; they never save."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class TokenForm(FlaskForm):
    """Name a new personal access token, how long it lives and whether it may only read."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])
    days = SelectField(
        "Expires",
        choices=[
            SelectChoice("30", "in 30 days"),
            SelectChoice("90", "in 90 days"),
            SelectChoice("365", "in a year"),
            SelectChoice("", "never (until revoked)"),
        ],
        default="90",
    )
    read_only = BooleanField("Read-only (it can only read, never change anything)")


class PasswordChangeForm(FlaskForm):
    """The current password and a new one (the services check both)."""

    current_password = PasswordField("Current password")
    new_password = PasswordField("New password (at least 12 characters)")


class PasswordResetRequestForm(FlaskForm):
    """The e-mail address to send a reset link to."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class PasswordResetForm(FlaskForm):
    """A new password, from a reset link."""

    new_password = PasswordField("New password (at least 12 characters)")


class EmailPreferenceForm(FlaskForm):
    """How notifications reach the user by e-mail."""

    email_preference = RadioField(
        "E-mail me about ideas I back",
        choices=[
            SelectChoice("immediate", "At once"),
            SelectChoice("digest", "Once a day, in a digest"),
            SelectChoice("never", "Never (notifications stay in Ideapool)"),
        ],
    )
