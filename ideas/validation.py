"""Field checks shared by the API and the forms: one set of rules, one set of messages."""

from core.paging import MAX_ID
from core.sanitize import one_line
from ideas.models import BODY_MAX, COMMENT_MAX, MAX_TAGS, TAG_MAX, TITLE_MAX, TITLE_MIN, VISIBILITIES

NUL = "\x00"  # PostgreSQL text cannot hold it (the driver raises); refused on SQLite too, so both behave alike
NUL_MESSAGE = "Must not contain NUL characters."


def _text(
    value,
    name: str,
    errors: dict,
    *,
    required: bool,
    min_len: int,
    max_len: int,
    missing: str = "This field is required.",
    single_line: bool = False,
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = [missing]
        return None
    if not isinstance(value, str):
        errors[name] = ["Must be text."]
        return None
    if NUL in value:
        errors[name] = [NUL_MESSAGE]
        return None
    value = one_line(value) if single_line else value.strip()
    if len(value) < min_len:
        errors[name] = [f"Use at least {min_len} characters."]
    elif len(value) > max_len:
        errors[name] = [f"Use at most {max_len:,} characters."]
    return value


def title(value, errors: dict, required: bool = True) -> str | None:
    """3–200 characters on one line (line breaks and control characters fold into a space)."""
    return _text(value, "title", errors, required=required, min_len=TITLE_MIN, max_len=TITLE_MAX, single_line=True)


def body(value, errors: dict, required: bool = False) -> str | None:
    """Markdown up to 20,000 characters."""
    if value is None and not required:
        return None
    if value == "" and not required:
        return ""
    return _text(value, "body", errors, required=required, min_len=0, max_len=BODY_MAX)


def comment_body(value, errors: dict) -> str | None:
    """A non-empty comment up to 10,000 characters."""
    return _text(value, "body", errors, required=True, min_len=1, max_len=COMMENT_MAX, missing="Write a comment first.")


def tags(value, errors: dict) -> list[str] | None:
    """Up to five tags, each 1–40 characters; normalised to lower case, duplicates dropped."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        errors["tags"] = ["Give a list of tags."]
        return None
    if any(NUL in tag for tag in value):
        errors["tags"] = [NUL_MESSAGE]
        return None
    names = list(dict.fromkeys(one_line(tag.lower()) for tag in value if one_line(tag)))
    if len(names) > MAX_TAGS:
        errors["tags"] = [f"Use at most {MAX_TAGS} tags."]
    elif any(len(name) > TAG_MAX for name in names):
        errors["tags"] = [f"A tag has at most {TAG_MAX} characters."]
    return names


def visibility(value, errors: dict) -> str:
    """`everyone` (default) or `department`."""
    if value is None:
        return "everyone"
    if value not in VISIBILITIES:
        errors["visibility"] = [f"Choose one of: {', '.join(VISIBILITIES)}."]
    return value


def flag(value, name: str, errors: dict) -> bool:
    """A JSON boolean (absent means false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        errors[name] = ["Must be true or false."]
        return False
    return value


def optional_id(value, name: str, errors: dict) -> int | None:
    """A positive integer id, or null."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdecimal() or int(value) > MAX_ID:
        errors[name] = ["Must be an id."]
        return None
    return int(value)
