"""Demo departments and one user of each role (passwords documented in README.md)."""

from accounts import services

DEPARTMENTS = ("Engineering", "Finance", "Operations", "People", "Sales", "Customer Care")

# (e-mail, name, role, department); every demo password is "<role>-demo-password".
DEMO_USERS = (
    ("staff@demo.ideapool", "Sam Staff", "staff", "Engineering"),
    ("moderator@demo.ideapool", "Mona Moderator", "moderator", "Operations"),
    ("executive@demo.ideapool", "Erik Executive", "executive", "Finance"),
    ("admin@demo.ideapool", "Ada Admin", "admin", "People"),
)


def demo_password(role: str) -> str:
    """The documented demo password for a role."""
    return f"{role}-demo-password"


def seed() -> None:
    """Create the departments and demo users that are missing."""
    for name in DEPARTMENTS:
        services.get_or_create_department(name)
    for email, name, role, department in DEMO_USERS:
        if services.find_user(email) is None:
            services.create_user(email, name, demo_password(role), role, department)
