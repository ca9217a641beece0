"""The journal: the list, writing and editing entries, one-tap small moments."""

from functools import lru_cache

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from journal.access import SHARED, scope
from journal.edits import EditConflict
from journal.entries import listing, services
from journal.entries.cards import journal_cards
from journal.entries.forms import EntryForm, MomentForm
from journal.entries.markdown import render_markdown
from journal.extensions import db
from journal.forms import EmptyForm
from journal.inputs import query_int
from journal.models.entries import OWN_WORDS, Entry
from journal.views import delete_confirmed

bp = Blueprint("entries", __name__, url_prefix="/journal")

#: Session key naming the moment just kept, so the journal offers to undo it.
MOMENT_KEPT = "entries_moment_kept"
#: Session key naming the draft (in the browser's storage) that a save just made safe.
DRAFT_SAVED = "entries_draft_saved"


def draft_key(path: str) -> str:
    """Where static/js/drafts.js keeps the unsent text of the form at `path`, per person
    so two people sharing one browser never see each other's drafts."""
    return f"tandem-draft:{current_user.id}:{path}"


@bp.get("")
@login_required
def index():
    return _journal(None)


def blank_moment_fields() -> Markup:
    """The "keep a moment" fields as every GET of the journal shows them, rendered once
    per app: the form is blank (no data, no errors), its choices are the library's and
    its words fixed, so they are the same for everyone. Its CSRF field is not in them."""
    return _blank_moment_fields(current_app._get_current_object())


@lru_cache(maxsize=8)  # one per app (tests make many)
def _blank_moment_fields(app: Flask) -> Markup:
    form = MomentForm(formdata=None, meta={"csrf": False})
    return app.jinja_env.get_template("entries/_moment_fields.html").module.fields(form)


#: Where each form's CSRF field goes in the kept moment buttons (`moment_buttons`).
_CSRF_GAP = Markup("\x00csrf\x00")


def moment_buttons(csrf: Markup) -> Markup:
    """The one-tap buttons that keep a moment, each its own form: rendered once per app
    and path prefix with a gap where each form's CSRF field goes, filled with this
    request's. All else in them is the library's words and the app's link, the same for
    everyone, and the fifteen forms were written again on every GET of the journal."""
    here = request._get_current_object()
    return csrf.join(_moment_buttons(current_app._get_current_object(), here.script_root))


@lru_cache(maxsize=16)  # per app (tests make many) and path prefix
def _moment_buttons(app: Flask, script_root: str) -> tuple[Markup, ...]:
    macro = app.jinja_env.get_template("entries/_parts.html").module.moment_buttons
    rendered = macro(services.moment_labels(), url_for("entries.moment_new"), _CSRF_GAP)
    return tuple(Markup(piece) for piece in rendered.split(_CSRF_GAP))  # nosec B704 (our own words and link)


def _just_kept() -> Entry | None:
    """The moment this person kept a moment ago, while its Undo still works."""
    kept_id = session.get(MOMENT_KEPT)
    if not kept_id:
        return None
    entry = services.moment_get(scope=scope(), entry_id=kept_id)
    if entry is None or not services.moment_undoable(entry=entry, user=current_user):
        session.pop(MOMENT_KEPT, None)
        return None
    return entry


def _journal(moment_form: MomentForm | None, status: int = 200):
    """The journal; `moment_form` is the one just posted with its errors, or None for the
    blank one."""
    filters = listing.Filters.from_args(request.args)
    s = scope()
    page = listing.journal_page(s, filters=filters, page=request.args.get("page", 1, type=query_int) or 1)
    labels = services.moment_labels()
    return render_template(
        "entries/index.html",
        journal=page,
        cards=journal_cards(page.items, viewer=s.user, labels=labels, link=current_app.jinja_env.globals["url_for"]),
        filters=filters,
        moment_form=moment_form,
        blank_moment_fields=blank_moment_fields() if moment_form is None else None,
        moment_buttons=moment_buttons(current_app.jinja_env.globals["csrf_field"]()),
        just_kept=_just_kept(),
        labels=labels,
        own_words=OWN_WORDS,
        cap=listing.SEARCH_CAP,
    ), status


@bp.post("/moments")
@login_required
def moment_new():
    form = MomentForm()
    if form.validate_on_submit():
        moment = services.moment_create(
            author=current_user,
            moment_kind=form.moment_kind.data,
            line=form.line.data or "",
            visibility=form.visibility.data,
        )
        db.session.commit()
        session[MOMENT_KEPT] = moment.id
        flash(
            "Kept. " + ("Your partner can see it too." if form.visibility.data == "shared" else "Only you can see it."),
            "success",
        )
        return redirect(url_for("entries.index"))
    return _journal(form, 422)


@bp.post("/<int:entry_id>/undo")
@login_required
def moment_undo(entry_id):
    """Take back a moment kept a moment ago: its author only, within UNDO_WINDOW."""
    entry = scope().get_own_or_404(Entry, entry_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.moment_undo(entry=entry, user=current_user):
        db.session.commit()
        flash("Undone. That moment is gone.", "info")
    else:
        flash("That one was kept a while ago. You can still delete it from its own page.", "info")
    session.pop(MOMENT_KEPT, None)
    return redirect(url_for("entries.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    s = scope()
    form = EntryForm()
    if request.method == "GET":
        form.prompt.data = request.args.get("prompt", "")
        form.practice.data = request.args.get("practice", "")
    if form.validate_on_submit():
        link = services.link_resolve(s, practice_id=form.practice_id(), prompt=form.prompt.data)
        entry = services.entry_create(author=current_user, link=link, **form.values())
        db.session.commit()
        session[DRAFT_SAVED] = draft_key(request.path)
        flash("Saved. " + _who_sees(entry), "success")
        return redirect(url_for("entries.read", entry_id=entry.id))
    return _editor(form, entry=None)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id):
    s = scope()
    entry = s.get_own_or_404(Entry, entry_id)
    if entry.is_moment:
        return _edit_moment(entry)
    form = EntryForm()
    text = None
    if request.method == "GET":
        text = services.entry_open(entry)
        form.title.data, form.body.data, form.tags.data = text.title or "", text.body or "", ", ".join(text.tags)
        form.visibility.data = entry.visibility
        form.practice.data = str(entry.practice_id or "")
        form.prompt.data = services.prompt_key(entry.schedule_id, entry.occurrence_at)
        form.version.data = entry.version
    if form.validate_on_submit():
        link = services.link_resolve(s, practice_id=form.practice_id(), prompt=form.prompt.data, entry=entry)
        try:
            changed = services.entry_update(
                entry=entry, author=current_user, link=link, version=form.version.data, **form.values()
            )
        except EditConflict:
            return _editor(form, entry=_changed_meanwhile(form, entry_id), conflict=True)
        db.session.commit()
        session[DRAFT_SAVED] = draft_key(request.path)
        flash(("Saved. " + _who_sees(entry)) if changed else "Nothing changed.", "success")
        return redirect(url_for("entries.read", entry_id=entry.id))
    return _editor(form, entry=entry, unreadable=bool(text and text.unreadable))


def _changed_meanwhile(form, entry_id: int) -> Entry:
    """A save from an older version: nothing is written; the form keeps what was typed and
    now carries the current version, so saving again replaces the other text knowingly."""
    db.session.rollback()
    entry = scope().get_own_or_404(Entry, entry_id)
    form.version.data = entry.version
    return entry


def _meanwhile(entry: Entry) -> dict:
    """The version saved in between, as the conflict notice shows it."""
    text = services.entry_open(entry)
    return {"text": text, "body_html": render_markdown(text.body) if text.body else None}


def _editor(form: EntryForm, *, entry: Entry | None, unreadable: bool = False, conflict: bool = False):
    s = scope()
    prompt = services.prompt_practice(s, form.prompt.data, entry=entry)
    if prompt is None:
        form.prompt.data = ""
    form.practice.choices = [
        ("", "Nothing in particular"),
        *services.practice_choices(s, current_id=form.practice_id()),
    ]
    return render_template(
        "entries/form.html",
        form=form,
        entry=entry,
        prompt=prompt,
        unreadable=unreadable,
        meanwhile=_meanwhile(entry) if conflict else None,
        draft=draft_key(request.path),
        starter=services.writing_prompt(current_user),
    ), 409 if conflict else 422 if form.errors else 200


def _edit_moment(entry: Entry):
    form = MomentForm()
    text = None
    if request.method == "GET":
        text = services.entry_open(entry)
        form.moment_kind.data, form.line.data, form.visibility.data = (
            entry.moment_kind,
            text.line or "",
            entry.visibility,
        )
        form.version.data = entry.version
    conflict = False
    if form.validate_on_submit():
        try:
            changed = services.moment_update(
                entry=entry,
                author=current_user,
                moment_kind=form.moment_kind.data,
                line=form.line.data or "",
                visibility=form.visibility.data,
                version=form.version.data,
            )
        except EditConflict:
            entry, conflict = _changed_meanwhile(form, entry.id), True
        else:
            db.session.commit()
            flash(("Saved. " + _who_sees(entry)) if changed else "Nothing changed.", "success")
            return redirect(url_for("entries.read", entry_id=entry.id))
    return render_template(
        "entries/moment_form.html",
        form=form,
        entry=entry,
        unreadable=bool(text and text.unreadable),
        meanwhile=_meanwhile(entry) if conflict else None,
        labels=services.moment_labels(),
        own_words=OWN_WORDS,
    ), 409 if conflict else 422 if form.errors else 200


@bp.get("/<int:entry_id>")
@login_required
def read(entry_id):
    s = scope()
    entry, text = services.entry_read_or_404(s, entry_id)
    mine = entry.author_id == current_user.id
    # The partner's name shows on their entry, and on one's own shared in the couple one is in now.
    shared_here = entry.visibility == SHARED and entry.couple_id == current_user.couple_id
    partner = s.partner() if not mine or shared_here else None
    if mine:
        author_name = current_user.display_name
    elif partner is not None and partner.id == entry.author_id:
        author_name = partner.display_name
    else:
        author_name = services.author_name(entry)
    practice, prompt_at = services.link_describe(s, entry)
    return render_template(
        "entries/read.html",
        entry=entry,
        text=text,
        body_html=render_markdown(text.body),
        mine=mine,
        author_name=author_name,
        partner_name=partner.display_name if partner else None,
        practice=practice,
        prompt_at=prompt_at,
        labels=services.moment_labels(),
        own_words=OWN_WORDS,
        unreadable=services.UNREADABLE,
        draft_saved=session.pop(DRAFT_SAVED, None),
    )


@bp.route("/<int:entry_id>/delete", methods=["GET", "POST"])
@login_required
def delete(entry_id):
    entry = scope().get_own_or_404(Entry, entry_id)
    done = delete_confirmed(
        lambda: services.entry_delete(entry=entry),
        message="That moment is gone." if entry.is_moment else "Deleted. It's gone for good.",
        category="success",
        to=url_for("entries.index"),
    )
    if done:
        return done
    text = services.entry_open(entry)
    return render_template(
        "entries/delete.html",
        entry=entry,
        text=text,
        labels=services.moment_labels(),
        own_words=OWN_WORDS,
        unreadable=services.UNREADABLE,
    ), 400 if request.method == "POST" else 200


def _who_sees(entry: Entry) -> str:
    if entry.visibility == "shared" and current_user.couple_id and entry.couple_id == current_user.couple_id:
        return "Your partner can read it too."
    if entry.visibility == "shared":
        return "It's marked shared, but only you can read it for now."
    return "Only you can read it."
