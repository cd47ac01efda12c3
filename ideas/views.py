"""Idea pages. Every form posts and redirects, so the pages work without JavaScript."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from accounts.auth import signed_in
from core import paging, transaction
from core.errors import ApiError
from core.extensions import limiter
from core.input import positive_number
from core.paging import MAX_ID
from core.replica import reads_from_replica
from core.timeutil import utcnow
from ideas import catalogue, listing, posting, queries, reads, services, visibility
from ideas.forms import CommentForm, IdeaForm, form_errors_from
from ideas.ratelimits import COMMENT_LIMIT, IDEA_LIMIT, VOTE_LIMIT, per_user
from ideas.threads import build_thread

bp = Blueprint("ideas", __name__)

NUMBERED_PAGES = 10  # the list's pages reached by number; later ones by cursor
CAMPAIGN_PAGE_SIZE = 50
COMMENTS_PER_PAGE = 50  # an idea page shows this many comments, then a link to the next ones


@bp.get("/")
@signed_in
@reads_from_replica
def index():
    """The idea list: sort, filter, search, pages."""
    try:
        params = listing.parse_list_params(request.args)
    except ApiError as error:
        flash(error.message, "error")
        params = listing.ListParams()
    found = listing.list_ideas(current_user, params)
    voted, _ = queries.caller_state(current_user, [idea.id for idea in found.items])
    pages = paging.page_count(found.total, params.per_page)
    return render_template(
        "ideas/index.html",
        listing=found,
        ideas=found.items,
        params=params,
        voted=voted,
        campaigns=catalogue.campaign_choices(),
        tags=catalogue.popular_tags(),
        pages=pages,
        next_args=_next_page_args(params, found, pages),
    )


def _next_page_args(params: listing.ListParams, found: listing.Listing, pages: int) -> dict | None:
    """The query of the next page: by number for the first pages, then by cursor (as cheap as the first)."""
    if found.next_cursor is None:
        return None
    args = request.args.to_dict()
    if params.cursor is None and params.page < min(pages, NUMBERED_PAGES):
        args.pop("cursor", None)
        args["page"] = params.page + 1
    else:
        args.pop("page", None)
        args["cursor"] = found.next_cursor
    return args


def _campaign_choices() -> list[SelectChoice]:
    campaigns = queries.open_campaigns(utcnow())
    return [SelectChoice("", "No campaign")] + [SelectChoice(str(c.id), c.title) for c in campaigns]


def _similar_to(form: IdeaForm, exclude_id: int | None = None) -> list[posting.SimilarIdea]:
    return posting.similar_to(current_user, posting.draft_text(form.title.data, form.body.data), exclude_id)


def _idea_data(form: IdeaForm) -> dict:
    return {
        "title": form.title.data,
        "body": form.body.data or "",
        "tags": form.tags.data or "",
        "campaign_id": form.campaign_id.data or None,
        "visibility": form.visibility.data,
        "anonymous": bool(form.anonymous.data),
    }


@bp.route("/ideas/new", methods=["GET", "POST"])
@signed_in
@limiter.limit(IDEA_LIMIT, key_func=per_user, methods=["POST"])
def new_idea():
    """Post an idea; similar ideas are shown first (live with JavaScript, on request without)."""
    form = IdeaForm(campaign_id=request.args.get("campaign_id", ""))
    form.campaign_id.choices = _campaign_choices()
    action = request.form.get("action")  # "check" (show similar ideas), "post_anyway", or posting
    similar, close = [], []
    if form.validate_on_submit() and action != "check":
        similar = _similar_to(form)
        close = posting.close_matches(similar)
        if not close or action == "post_anyway":
            try:
                idea = posting.post_anyway(current_user, _idea_data(form), close)
            except ApiError as error:
                transaction.discard()
                form_errors_from(form, error.fields or {"title": [error.message]})
            else:
                flash("Your idea is posted.", "success")
                return redirect(url_for("ideas.show", idea_id=idea.id))
    status = 422 if form.errors and request.method == "POST" and action != "check" else 200
    similar = similar or _similar_to(form)
    return render_template("ideas/form.html", form=form, similar=similar, close=close, idea=None), status


@bp.post("/ideas/new/vote-instead")
@signed_in
@limiter.limit(VOTE_LIMIT, key_func=per_user)
def vote_instead():
    """The author of a draft votes for a close match instead of posting a copy of it."""
    idea = queries.get_visible_idea(current_user, request.form.get("idea_id", type=positive_number) or 0)
    try:
        posting.vote_instead(current_user, idea, request.form.get("title", ""), request.form.get("body", ""))
    except ApiError as error:
        transaction.discard()
        flash(error.message, "error")
        return redirect(url_for("ideas.new_idea"))
    flash("Your vote is on this idea, and you follow it. Add what yours had to say as a comment.", "success")
    return redirect(url_for("ideas.show", idea_id=idea.id, _anchor="comment-body"))


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_idea(idea_id: int):
    """Edit an idea (author until the first response; moderators)."""
    idea = queries.get_visible_idea(current_user, idea_id)
    if idea.merged_into_id is not None:
        raise ApiError(409, "This idea was merged and is read-only.", "idea_merged")
    if not services.may_edit(current_user, idea):
        raise ApiError(403, "Only the author (until the first response) and moderators may edit this idea.")
    form = IdeaForm(obj=idea, tags=", ".join(tag.name for tag in idea.tags))
    del form.campaign_id, form.visibility, form.anonymous
    if form.validate_on_submit():
        try:
            services.edit_idea(
                current_user,
                idea,
                {"title": form.title.data, "body": form.body.data or "", "tags": form.tags.data or ""},
            )
        except ApiError as error:
            transaction.discard()
            form_errors_from(form, error.fields or {"title": [error.message]})
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("ideas.show", idea_id=idea.id))
    status = 422 if form.errors else 200
    return render_template("ideas/form.html", form=form, similar=[], idea=idea), status


@bp.get("/ideas/<int:idea_id>")
@signed_in
def show(idea_id: int):
    """The idea page: body, votes, follow, threaded comments, status and timeline."""
    idea = queries.get_visible_idea(current_user, idea_id)
    if idea.merged_into_id is not None and request.args.get("stay") is None:
        flash(f"“{idea.title}” was merged into this idea. Its votes, followers and comments are here.", "info")
        return redirect(url_for("ideas.show", idea_id=idea.merged_into_id))
    reads.record_read(current_user.id, idea.id)
    voted, following = queries.caller_state(current_user, [idea.id])
    merged_from = queries.merged_sources(idea)
    after_id = request.args.get("comments_after", type=positive_number)
    after_id = after_id if after_id and 0 < after_id <= MAX_ID else None
    comments = queries.comments_of(idea, merged_from, after_id, limit=COMMENTS_PER_PAGE + 1)
    timeline = queries.timeline_of(idea)
    # Other ideas the page refers to (merged in, merged into) are named only to who may see them.
    referred = {event.data.get("source") or event.data.get("into") for event in timeline} | set(merged_from)
    may_name = queries.visible_among(current_user, referred)
    return render_template(
        "ideas/show.html",
        idea=idea,
        voted=idea.id in voted,
        following=idea.id in following,
        thread=build_thread(comments[:COMMENTS_PER_PAGE], idea.id),
        comments_after=after_id,
        more_comments_after=comments[COMMENTS_PER_PAGE - 1].id if len(comments) > COMMENTS_PER_PAGE else None,
        merged_from=merged_from,
        timeline=timeline,
        may_name=may_name,
        campaign=idea.campaign,
        comment_form=CommentForm(),
        responses=queries.responses_of(idea),
        may_edit=services.may_edit(current_user, idea),
        author_visible=visibility.may_see_author(current_user, idea),
    )


def _back_to(idea_id: int, anchor: str = ""):
    return redirect(url_for("ideas.show", idea_id=idea_id) + anchor)


def _flash_refusal(error: ApiError, idea_id: int):
    transaction.discard()
    flash(error.message, "error")
    return _back_to(idea_id)


@bp.post("/ideas/<int:idea_id>/vote")
@signed_in
@limiter.limit(VOTE_LIMIT, key_func=per_user)
def vote(idea_id: int):
    """Vote or take the vote back (field `action`: vote | unvote)."""
    idea = queries.get_visible_idea(current_user, idea_id)
    try:
        if request.form.get("action") == "unvote":
            services.unvote(current_user, idea)
        else:
            services.vote(current_user, idea)
    except ApiError as error:
        return _flash_refusal(error, idea_id)
    return _back_to(idea_id, "#votes")


@bp.post("/ideas/<int:idea_id>/follow")
@signed_in
def follow(idea_id: int):
    """Follow or unfollow (field `action`: follow | unfollow)."""
    idea = queries.get_visible_idea(current_user, idea_id)
    try:
        services.set_following(current_user, idea, request.form.get("action") != "unfollow")
    except ApiError as error:
        return _flash_refusal(error, idea_id)
    return _back_to(idea_id, "#votes")


@bp.post("/ideas/<int:idea_id>/comments")
@signed_in
@limiter.limit(COMMENT_LIMIT, key_func=per_user)
def comment(idea_id: int):
    """Comment or reply; on bad input the page shows why."""
    idea = queries.get_visible_idea(current_user, idea_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash("The form was sent without its security token; please try again.", "error")
        return _back_to(idea_id, "#comments")
    try:
        created = services.add_comment(
            current_user, idea, {"body": form.body.data, "parent_id": form.parent_id.data or None}
        )
    except ApiError as error:
        return _flash_refusal(error, idea_id)
    return _back_to(idea_id, f"#comment-{created.id}")


@bp.get("/campaigns")
@signed_in
def campaigns():
    """Every campaign, open ones first."""
    now = utcnow()
    rows = sorted(queries.all_campaigns(), key=lambda campaign: not campaign.is_open(now))
    return render_template("ideas/campaigns.html", campaigns=rows, now=now)


@bp.get("/campaigns/<int:campaign_id>")
@signed_in
@reads_from_replica
def campaign(campaign_id: int):
    """A campaign and its ideas."""
    found = queries.get_campaign(campaign_id)
    ideas = listing.list_ideas(current_user, listing.ListParams(campaign_id=found.id, per_page=CAMPAIGN_PAGE_SIZE))
    voted, _ = queries.caller_state(current_user, [idea.id for idea in ideas.items])
    return render_template(
        "ideas/campaign.html",
        campaign=found,
        ideas=ideas.items,
        total=ideas.total,
        voted=voted,
        is_open=found.is_open(utcnow()),
    )
