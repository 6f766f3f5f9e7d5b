"""The cascading scope tree: profile → database → schema → table/view → column, tri-state ticks.

The tree lists one database of a DB profile and loads each level when it is first expanded, in a
thread worker, because the catalog may sit on a remote server.  A level read from the catalog
cache because the database cannot be reached now keeps its cached children under a line that
says how old they are, why, and which key tries the database again.  The selection is not the tree's
own state: it is `ScopeTree.ticked`, a set of `core.scope` paths relative to the database, changed
only through `core.scope.toggle` so the rules live once, in the core.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets._tree import TOGGLE_STYLE, TreeNode
from textual.worker import get_current_worker

from core.catalog.scope import ScopePath, State, format_path, state, summary, toggle
from core.catalog.service import CatalogNode, Listing
from core.errors import AmxError
from studio_tui.keys import key_label
from studio_tui.time_words import relative

__all__ = ["CHUNK_SIZE", "EntryKind", "Loader", "ScopeEntry", "ScopeTree"]

EntryKind = Literal[
    "profile", "database", "schema", "table", "view", "column", "loading", "error", "empty", "stale"
]
"""What a tree line stands for: a catalog level, or a placeholder under a node."""

Loader = Callable[[tuple[str, ...]], Listing]
"""Lists a catalog parent's children; the parent path starts with the database name.  A listing
with an `error` was served from the cache because the database could not be read."""

CHUNK_SIZE = 200
"""Children added per call into the event loop, so a schema with thousands of tables stays live."""

FOLDERS = re.compile(r"(?<![\w.])/(?:[^\s/]+/)+(?=[^\s/])")
"""The folders of an absolute path, shortened to ``…/`` on one-line notes (``…/shop.db``)."""

TICKABLE: frozenset[EntryKind] = frozenset({"database", "schema", "table", "view", "column"})
EXPANDABLE: frozenset[EntryKind] = frozenset({"database", "schema", "table", "view"})
MARKS: dict[State, str] = {"checked": "[x]", "partial": "[~]", "unchecked": "[ ]"}
EMPTY_TEXT: dict[EntryKind, str] = {
    "database": "(no schemas)",
    "schema": "(no tables or views)",
    "table": "(no columns)",
    "view": "(no columns)",
}


@dataclass(frozen=True)
class ScopeEntry:
    """The data behind one tree line.

    Attributes:
        path: The scope path relative to the database: ``()`` for the database itself; for the
            profile line and for placeholders, the path of the node they belong to.
        kind: The catalog level, or ``loading``/``error``/``empty``/``stale`` for placeholders.
        name: The name shown (for placeholders, their text; for ``stale``, why the database
            could not be read).
        type: A column's SQL type.
        primary_key: Whether a column is part of the primary key.
        foreign_key: The ``schema.table.column`` a column refers to.
        fetched_at: For ``stale``, when the cached children were read.
    """

    path: ScopePath
    kind: EntryKind
    name: str
    type: str | None = None
    primary_key: bool = False
    foreign_key: str | None = None
    fetched_at: datetime | None = None

    @property
    def tickable(self) -> bool:
        """Whether the line carries a check mark."""
        return self.kind in TICKABLE

    @property
    def detail(self) -> str:
        """The dimmed text after the name: the kind, or a column's type and keys."""
        if self.kind == "column":
            parts = [self.type or ""]
            if self.primary_key:
                parts.append("pk")
            if self.foreign_key:
                parts.append(f"→ {self.foreign_key}")
            return " ".join(part for part in parts if part)
        if self.kind in ("profile", *TICKABLE):
            return self.kind
        return ""


def _child_entry(parent: ScopePath, node: CatalogNode) -> ScopeEntry:
    return ScopeEntry(
        path=(*parent, node.name),
        kind=node.kind,
        name=node.name,
        type=node.type,
        primary_key=node.primary_key,
        foreign_key=node.foreign_key,
    )


class ScopeTree(Tree[ScopeEntry], inherit_bindings=False):
    """A lazily loaded catalog tree whose lines tick a scope on and off.

    The root line is the DB profile (not tickable); below it is the database, whose tick means
    the whole database.  Space ticks the highlighted node with `core.scope.toggle` and posts
    `ScopeTree.Changed`; enter expands or collapses it.  Marks are text (``[x]``, ``[~]``,
    ``[ ]``), so they read the same in 16 colours and with ``NO_COLOR``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_tick", "Tick", id="scope-tree.tick"),
        Binding("enter", "toggle_expand", "Expand", id="scope-tree.expand"),
        Binding("up", "cursor_up", "Up", show=False, id="scope-tree.up"),
        Binding("down", "cursor_down", "Down", show=False, id="scope-tree.down"),
        Binding("left", "collapse_or_parent", "Collapse", show=False, id="scope-tree.left"),
        Binding("right", "expand_or_child", "Expand", show=False, id="scope-tree.right"),
        Binding("home", "scroll_home", "First", show=False, id="scope-tree.home"),
        Binding("end", "scroll_end", "Last", show=False, id="scope-tree.end"),
        Binding("pageup", "page_up", "Page up", show=False, id="scope-tree.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="scope-tree.page-down"),
        Binding("ctrl+r", "retry", "Retry", show=False, id="scope-tree.retry"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | space | Tick or untick the highlighted node. |
    | enter | Expand or collapse the highlighted node. |
    | up, down | Move the cursor. |
    | left | Collapse the node, or move to its parent. |
    | right | Expand the node, or move to its first child. |
    | home, end, pageup, pagedown | Jump through the tree. |
    | ctrl+r | Read the levels shown from the cache from the database again. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = Tree.COMPONENT_CLASSES | {
        "scope-tree--checked",
        "scope-tree--partial",
        "scope-tree--unchecked",
        "scope-tree--detail",
        "scope-tree--loading",
        "scope-tree--error",
        "scope-tree--stale",
    }
    """
    | Class | Description |
    | :- | :- |
    | `scope-tree--checked` | The ``[x]`` mark. |
    | `scope-tree--partial` | The ``[~]`` mark. |
    | `scope-tree--unchecked` | The ``[ ]`` mark. |
    | `scope-tree--detail` | The kind, or a column's type and keys, after the name. |
    | `scope-tree--loading` | The "loading…" placeholder. |
    | `scope-tree--error` | The ⚠ line shown when a level failed to load. |
    | `scope-tree--stale` | The ⚠ line above children shown from the cache. |
    """

    DEFAULT_CSS = """
    ScopeTree {
        & > .scope-tree--checked { color: $success; text-style: bold; }
        & > .scope-tree--partial { color: $warning; text-style: bold; }
        & > .scope-tree--unchecked { color: $text-muted; }
        & > .scope-tree--detail { color: $text-muted; }
        & > .scope-tree--loading { color: $text-muted; text-style: italic; }
        & > .scope-tree--error { color: $text-error; }
        & > .scope-tree--stale { color: $text-warning; }
    }
    """

    @dataclass
    class Changed(Message):
        """The ticked set changed because the person ticked or unticked a node."""

        scope_tree: ScopeTree
        """The tree that changed."""
        ticked: frozenset[ScopePath]
        """The new ticked set, relative to the database."""
        summary: str
        """`core.scope.summary` of the ticked set, cut to the tree's `summary_limit`."""

        @property
        def control(self) -> ScopeTree:
            """The tree that changed; for `@on(ScopeTree.Changed, "#selector")`."""
            return self.scope_tree

    @dataclass
    class LoadFailed(Message):
        """A level could not be listed; the node shows the message and retries on re-expand."""

        scope_tree: ScopeTree
        """The tree that tried to load."""
        path: ScopePath
        """The node whose children failed, relative to the database (``()``: the schemas)."""
        message: str
        """The core's one-sentence reason."""

        @property
        def control(self) -> ScopeTree:
            """The tree that tried to load."""
            return self.scope_tree

    def __init__(
        self,
        loader: Loader,
        profile: str,
        database: str,
        ticked: frozenset[ScopePath] = frozenset(),
        *,
        now: Callable[[], datetime],
        summary_limit: int | None = 60,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the tree; nothing is listed until it is mounted.

        Args:
            loader: Lists a catalog parent's children, e.g.
                ``lambda parent: catalog.children(profile, parent, refresh=True)``.  It blocks
                and may raise `core.errors.AmxError`; it runs in a thread.
            profile: The DB profile's name, shown on the root line.
            database: The database listed under the profile.
            ticked: The initial selection, relative to the database.
            now: The clock, for the age of listings shown from the cache.
            summary_limit: Characters the summary in `Changed` may take, or None for no limit.
            name: The widget's name.
            id: The widget's ID in the DOM.
            classes: The widget's CSS classes.
            disabled: Whether the widget starts disabled.
        """
        super().__init__(
            profile,
            ScopeEntry((), "profile", profile),
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )
        self.profile = profile
        self.database = database
        self.ticked: frozenset[ScopePath] = frozenset(ticked)
        self.summary_limit = summary_limit
        self._loader = loader
        self._now = now
        self._stale: dict[ScopePath, TreeNode[ScopeEntry]] = {}
        self._retrying: set[ScopePath] = set()
        self._loaded: set[ScopePath] = set()
        self._loading: set[ScopePath] = set()
        self._load_done: dict[ScopePath, asyncio.Event] = {}
        self._quiet_expand: set[TreeNode[ScopeEntry]] = set()
        self.database_node = self.root.add(
            database, ScopeEntry((), "database", database), allow_expand=True
        )
        """The line for the database; ticking it selects the whole database."""

    @property
    def summary(self) -> str:
        """The current selection as ``public.orders, public.users``, cut to `summary_limit`."""
        return summary(self.ticked, limit=self.summary_limit)

    def on_mount(self) -> None:
        """Open the database to its schemas and put the cursor on it."""
        self.root.expand()
        self.database_node.expand()
        _ = self._tree_lines  # build the lines so the database node knows its line
        self.move_cursor(self.database_node)

    # -- selection --------------------------------------------------------------------------

    def set_ticked(self, ticked: frozenset[ScopePath]) -> None:
        """Replace the selection and redraw the marks; posts no `Changed` message.

        Args:
            ticked: The new ticked set, relative to the database.
        """
        self.ticked = frozenset(ticked)
        self._refresh_marks()

    def _refresh_marks(self) -> None:
        # Every line's cache key holds the root's update count, so bumping it redraws all marks.
        self.root.refresh()
        self.refresh()

    def action_toggle_tick(self) -> None:
        """Tick or untick the highlighted node and post `Changed`."""
        node = self.cursor_node
        if node is None or node.data is None or not node.data.tickable:
            self.app.bell()
            return
        self.ticked = toggle(self.ticked, node.data.path)
        self._refresh_marks()
        self.post_message(self.Changed(self, self.ticked, self.summary))

    # -- moving and expanding ---------------------------------------------------------------

    def action_toggle_expand(self) -> None:
        """Expand the highlighted node, or collapse it when it is open."""
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.toggle()

    def action_collapse_or_parent(self) -> None:
        """Collapse the highlighted node, or move to its parent when it is closed."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_expand_or_child(self) -> None:
        """Expand the highlighted node, or move to its first child when it is open."""
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0])

    async def expand_path(self, path: ScopePath) -> TreeNode[ScopeEntry] | None:
        """Expand the database and each node down `path`, loading levels as needed.

        The node at `path` is expanded too (unless it is a column) and gets the cursor.

        Args:
            path: A scope path relative to the database; ``()`` is the database.

        Returns:
            The node at `path`, or None when a level failed or a name is not in the catalog.
        """
        node = self.database_node
        for depth in range(len(path) + 1):
            if node.allow_expand:
                if not node.is_expanded:
                    # This expansion loads below; its NodeExpanded must not retry a failure.
                    self._quiet_expand.add(node)
                    node.expand()
                if not await self._ensure_loaded(node):
                    return None
            if depth == len(path):
                break
            found = next(
                (
                    child
                    for child in node.children
                    if child.data is not None
                    and child.data.tickable
                    and child.data.path == path[: depth + 1]
                ),
                None,
            )
            if found is None:
                return None
            node = found
        _ = self._tree_lines  # rebuild the lines so the node knows which one it is on
        self.move_cursor(node)
        return node

    # -- loading ----------------------------------------------------------------------------

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[ScopeEntry]) -> None:
        node = event.node
        if node in self._quiet_expand:
            self._quiet_expand.discard(node)
            return
        if node.data is not None and node.data.kind in EXPANDABLE:
            self._start_load(node)

    async def _ensure_loaded(self, node: TreeNode[ScopeEntry]) -> bool:
        assert node.data is not None
        path = node.data.path
        self._start_load(node)
        done = self._load_done.get(path)
        if done is not None:
            await done.wait()
        return path in self._loaded

    def _start_load(self, node: TreeNode[ScopeEntry]) -> None:
        """Show the placeholder and list the node's children, once, unless that failed."""
        assert node.data is not None
        path = node.data.path
        if path in self._loaded or path in self._loading:
            return
        self._loading.add(path)
        self._load_done[path] = asyncio.Event()
        node.remove_children()
        node.add_leaf("loading…", ScopeEntry(path, "loading", "loading…"))
        self._fetch(node, path)

    @work(
        thread=True,
        exit_on_error=False,
        group="scope-tree-load",
        description="Read the database's tables",
    )
    def _fetch(self, node: TreeNode[ScopeEntry], path: ScopePath) -> None:
        """List `path`'s children in a thread and hand them to the event loop in chunks."""
        worker = get_current_worker()
        listing = self._read(path)
        if isinstance(listing, str):
            if not worker.is_cancelled:
                self.app.call_from_thread(self._fail_load, node, path, listing)
            return
        found = listing.nodes
        for start in range(0, len(found), CHUNK_SIZE):
            if worker.is_cancelled:
                return
            chunk = found[start : start + CHUNK_SIZE]
            self.app.call_from_thread(self._populate_chunk, node, path, chunk, start == 0)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._finish_load, node, path, listing)

    def _read(self, path: ScopePath) -> Listing | str:
        """The loader's listing for `path`, or the one-sentence reason it failed."""
        try:
            return self._loader((self.database, *path))
        except AmxError as exc:
            return exc.message
        except Exception as exc:  # a driver's own error must not take the studio down
            return f"could not list {format_path(path)}: {exc}."

    def _populate_chunk(
        self,
        node: TreeNode[ScopeEntry],
        path: ScopePath,
        chunk: Sequence[CatalogNode],
        first: bool,
    ) -> None:
        if first:
            node.remove_children()
        for item in chunk:
            entry = _child_entry(path, item)
            if entry.kind == "column":
                node.add_leaf(entry.name, entry)
            else:
                node.add(entry.name, entry, allow_expand=True)

    def _finish_load(self, node: TreeNode[ScopeEntry], path: ScopePath, listing: Listing) -> None:
        if not listing.nodes and node.data is not None:
            node.remove_children()
            text = EMPTY_TEXT.get(node.data.kind, "(empty)")
            node.add_leaf(text, ScopeEntry(path, "empty", text))
        self._mark_stale(node, path, listing)
        self._loading.discard(path)
        self._loaded.add(path)
        self._load_done[path].set()

    def _mark_stale(self, node: TreeNode[ScopeEntry], path: ScopePath, listing: Listing) -> None:
        """Put (or take away) the line saying the children below come from the cache."""
        for child in list(node.children):
            if child.data is not None and child.data.kind == "stale":
                child.remove()
        if listing.error is None:
            self._stale.pop(path, None)
            return
        entry = ScopeEntry(path, "stale", listing.error, fetched_at=listing.fetched_at)
        node.add_leaf(listing.error, entry, before=0 if node.children else None)
        self._stale[path] = node

    def _fail_load(self, node: TreeNode[ScopeEntry], path: ScopePath, message: str) -> None:
        node.remove_children()
        node.add_leaf(f"⚠ {message}", ScopeEntry(path, "error", message))
        self._loading.discard(path)
        self._load_done[path].set()
        self.post_message(self.LoadFailed(self, path, message))

    # -- trying the database again ----------------------------------------------------------

    def action_retry(self) -> None:
        """Read every level shown from the cache from the database again."""
        if not self._stale:
            self.app.bell()
            return
        for path, node in list(self._stale.items()):
            if path not in self._retrying:
                self._retrying.add(path)
                self._refetch(node, path)

    @work(
        thread=True,
        exit_on_error=False,
        group="scope-tree-retry",
        description="Read the database's tables again",
    )
    def _refetch(self, node: TreeNode[ScopeEntry], path: ScopePath) -> None:
        """Read a stale level again in a thread, keeping its children on screen meanwhile."""
        listing = self._read(path)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._retried, node, path, listing)

    def _retried(self, node: TreeNode[ScopeEntry], path: ScopePath, listing: Listing | str) -> None:
        self._retrying.discard(path)
        if isinstance(listing, str):
            # Still unreachable and now not even cached: keep what is shown, say why.
            old = self._stale_entry(node)
            fetched_at = old.fetched_at if old is not None else None
            listing = Listing(
                profile=self.profile,
                parent=(self.database, *path),
                nodes=[],
                fetched_at=fetched_at or self._now(),
                from_cache=True,
                error=listing,
            )
            self._mark_stale(node, path, listing)
            return
        shown = [c.data.name for c in node.children if c.data and c.data.tickable]
        if shown != [item.name for item in listing.nodes]:
            # The catalog changed since it was cached: list the level afresh, closed below.
            self._forget_below(path)
            self._populate_chunk(node, path, listing.nodes, True)
            if not listing.nodes and node.data is not None:
                text = EMPTY_TEXT.get(node.data.kind, "(empty)")
                node.add_leaf(text, ScopeEntry(path, "empty", text))
        self._mark_stale(node, path, listing)

    def _stale_entry(self, node: TreeNode[ScopeEntry]) -> ScopeEntry | None:
        for child in node.children:
            if child.data is not None and child.data.kind == "stale":
                return child.data
        return None

    def _forget_below(self, path: ScopePath) -> None:
        """Levels under `path` are listed again when next opened."""
        below = len(path)
        for known in (self._loaded, self._stale):
            for other in [p for p in known if len(p) > below and p[:below] == path]:
                if isinstance(known, dict):
                    known.pop(other, None)
                else:
                    known.discard(other)

    # -- drawing ----------------------------------------------------------------------------

    def render_label(self, node: TreeNode[ScopeEntry], base_style: Style, style: Style) -> Text:
        """Draw the expand icon, the tri-state mark, the name and the dimmed detail.

        Args:
            node: The node to draw.
            base_style: The style of the line.
            style: The label style (cursor, highlight) laid over the mark and name.

        Returns:
            The line's label.
        """
        entry = node.data
        if entry is None:
            return super().render_label(node, base_style, style)
        label = Text()
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            label.append(icon, base_style + TOGGLE_STYLE)
        start = len(label)
        if entry.kind == "loading":
            label.append(entry.name, self._style("scope-tree--loading"))
        elif entry.kind == "error":
            label.append(f"⚠ {entry.name}", self._style("scope-tree--error"))
        elif entry.kind == "stale":
            label.append(self._stale_text(entry), self._style("scope-tree--stale"))
        elif entry.kind == "empty":
            label.append(entry.name, self._style("scope-tree--detail"))
        else:
            if entry.tickable:
                mark = state(self.ticked, entry.path)
                label.append(MARKS[mark], self._style(f"scope-tree--{mark}"))
                label.append(" ")
            label.append(entry.name)
            if entry.detail:
                label.append(f"  {entry.detail}", self._style("scope-tree--detail"))
        # Over, not under: on the cursor line the cursor's colours win, since a green or amber
        # mark on the cursor's background reads poorly; the text mark still says the state.
        label.stylize(style, start)
        return label

    def _stale_text(self, entry: ScopeEntry) -> str:
        """``⚠ cached 3 h ago (^r retries) — <why>``; the key comes first, to show at 80 columns."""
        age = ""
        if entry.fetched_at is not None:
            seconds = (self._now() - entry.fetched_at).total_seconds()
            age = " just now" if seconds < 60 else f" {relative(entry.fetched_at, self._now())}"
        key = key_label(self.app, self.BINDINGS, "scope-tree.retry")
        return f"⚠ cached{age} ({key} retries) — {FOLDERS.sub('…/', entry.name)}"

    def _style(self, component: str) -> Style:
        # Only the full style blends alpha colours such as $text-muted into a real colour; take
        # that colour but not its background, so the cursor and hover still show under the text.
        full = self.get_component_rich_style(component)
        return self.get_component_rich_style(component, partial=True) + Style(color=full.color)
