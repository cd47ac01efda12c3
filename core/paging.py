"""Page numbers of lists that page: `page` (1-based) and `per_page`, checked once for every list.

The API answers a paged list as `{"items", "page", "per_page", "total"}` (docs/api.md); without
`page` a caller gets the first page, and nothing is cut off silently.
"""

from dataclasses import dataclass

from core.errors import validation_error

MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one cannot exist and must not reach a query


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list, already checked."""

    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.per_page


def positive_int(value, name: str, errors: dict, default: int | None, maximum: int | None = MAX_ID) -> int | None:
    """A whole number ≥ 1 from a query parameter, or `default` when absent; a bad one is named in `errors`."""
    if value in (None, ""):
        return default
    if not str(value).isdecimal() or int(value) < 1:
        errors[name] = ["Must be a positive whole number."]
        return default
    if maximum is not None and int(value) > maximum:
        errors[name] = [f"Must be at most {maximum}."]
        return default
    return int(value)


def page_request(args, errors: dict, default_per_page: int = 20, max_per_page: int = 100) -> PageRequest:
    """`page` and `per_page` from query parameters (more than `max_per_page` is cut to it)."""
    page = positive_int(args.get("page"), "page", errors, 1)
    per_page = positive_int(args.get("per_page"), "per_page", errors, default_per_page, maximum=None)
    return PageRequest(page, min(per_page, max_per_page))


def parse_page(args, default_per_page: int = 20, max_per_page: int = 100) -> PageRequest:
    """The page a list asks for; a 422 names each bad parameter."""
    errors: dict = {}
    requested = page_request(args, errors, default_per_page, max_per_page)
    if errors:
        raise validation_error(errors)
    return requested


def page_count(total: int, per_page: int) -> int:
    """How many pages hold `total` items (at least one)."""
    return max(1, -(-total // per_page))


def page_json(items: list, requested: PageRequest, total: int) -> dict:
    """The API's answer for one page of a list."""
    return {"items": items, "page": requested.page, "per_page": requested.per_page, "total": total}
