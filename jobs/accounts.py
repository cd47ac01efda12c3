"""Account jobs: thin entry points that take ids and call the code that owns the work."""

from flask import current_app

from accounts import services
from accounts.models import User
from core.extensions import db
from notifications import mail


def send_password_reset(user_id: int) -> dict:
    """E-mail a user a link that sets a new password (made now: it works once, for an hour)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return {"sent": 0}
    token = services.password_reset_token(user)
    message = mail.compose(
        user.email,
        user.name,
        "Ideapool: set a new password",
        "password_reset",
        f"password-reset-{user.id}-{token[-12:]}",
        user_id=user.id,
        reset_url=f"{current_app.config['BASE_URL']}/password-reset/{token}",
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )
    with mail.smtp_session() as send:
        send(message)
    return {"sent": 1}
