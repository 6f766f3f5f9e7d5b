"""ScopeTree: lazy loading in a thread, tri-state ticks through core.scope, keys, snapshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._tree import TreeNode

from core.catalog.scope import ScopePath
from core.catalog.service import CatalogNode, Listing, NodeKind
from core.catalog.targets import Unreachable
from studio_tui.widgets.scope_tree import CHUNK_SIZE, ScopeEntry, ScopeTree

DATABASE = "shop"
PUBLIC: ScopePath = ("public",)
USERS: ScopePath = ("public", "users")
ORDERS: ScopePath = ("public", "orders")
SALES_DOWN = "cannot reach db.example.com:5432: connection refused."
SHOP_GONE = (
    "cannot open /srv/shop.db for DB profile 'shop-prod': no such file; restore it or correct "
    "the profile's URL."
)
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
CACHED_AT = NOW - timedelta(hours=3)


def column(name: str, type_: str, *, pk: bool = False, fk: str | None = None) -> CatalogNode:
    return CatalogNode(name=name, kind="column", type=type_, primary_key=pk, foreign_key=fk)


def table(name: str, kind: NodeKind = "table") -> CatalogNode:
    return CatalogNode(name=name, kind=kind)


SHOP: dict[tuple[str, ...], list[CatalogNode]] = {
    ("shop",): [
        CatalogNode(name="public", kind="schema"),
        CatalogNode(name="sales", kind="schema"),
    ],
    ("shop", "public"): [
        table("customers"),
        table("orders"),
        table("users"),
        table("v_recent", "view"),
    ],
    ("shop", "public", "orders"): [
        column("id", "INTEGER", pk=True),
        column("user_id", "INTEGER", fk="public.users.id"),
        column("total", "NUMERIC(10, 2)"),
    ],
    ("shop", "public", "users"): [column("id", "INTEGER", pk=True), column("email", "TEXT")],
    ("shop", "sales"): [table("invoices")],
}


class FakeCatalog:
    """An in-memory loader: parent path → children, with a delay, held parents, failures, and
    parents served from a cache read three hours ago because the database cannot be read."""

    def __init__(
        self,
        listing: Mapping[tuple[str, ...], list[CatalogNode]] = SHOP,
        *,
        failing: Mapping[tuple[str, ...], str] | None = None,
        stale: Mapping[tuple[str, ...], str] | None = None,
        held: Iterable[tuple[str, ...]] = (),
        delay: float = 0.0,
    ) -> None:
        self.listing = dict(listing)
        self.failing = dict(failing or {})
        self.stale = dict(stale or {})
        self.held = set(held)
        self.delay = delay
        self.release = threading.Event()
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, parent: tuple[str, ...]) -> Listing:
        self.calls.append(parent)
        if self.delay:
            time.sleep(self.delay)
        if parent in self.held:
            self.release.wait(timeout=5)
        if parent in self.failing:
            raise Unreachable(self.failing[parent])
        error = self.stale.get(parent)
        return Listing(
            profile="shop-prod",
            parent=parent,
            nodes=list(self.listing.get(parent, [])),
            fetched_at=CACHED_AT if error else NOW,
            from_cache=error is not None,
            error=error,
        )


class Host(App[None]):
    """A ScopeTree over the fake shop with a summary line, recording the tree's messages."""

    CSS = """
    ScopeTree { height: 1fr; }
    #summary { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, loader: FakeCatalog, ticked: frozenset[ScopePath] = frozenset()) -> None:
        super().__init__()
        self.loader = loader
        self.initial = ticked
        self.changes: list[ScopeTree.Changed] = []
        self.failures: list[ScopeTree.LoadFailed] = []

    def compose(self) -> ComposeResult:
        tree = ScopeTree(
            self.loader, "shop-prod", DATABASE, self.initial, now=lambda: NOW, id="scope"
        )
        yield tree
        yield Static(f"Scope: {tree.summary}", id="summary", markup=False)

    def on_scope_tree_changed(self, event: ScopeTree.Changed) -> None:
        self.changes.append(event)
        self.query_one("#summary", Static).update(f"Scope: {event.summary}")

    def on_scope_tree_load_failed(self, event: ScopeTree.LoadFailed) -> None:
        self.failures.append(event)

    @property
    def scope_tree(self) -> ScopeTree:
        return self.query_one(ScopeTree)

    @property
    def summary_text(self) -> str:
        return str(self.query_one("#summary", Static).render())


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for every load to finish and the screen to catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def node_at(tree: ScopeTree, path: ScopePath) -> TreeNode[ScopeEntry]:
    node = tree.database_node
    for depth in range(len(path)):
        node = next(c for c in node.children if c.data and c.data.path == path[: depth + 1])
    return node


def names(node: TreeNode[ScopeEntry]) -> list[str]:
    return [child.data.name for child in node.children if child.data is not None]


def line(tree: ScopeTree, node: TreeNode[ScopeEntry]) -> str:
    return tree.render_label(node, Style(), Style()).plain


def cursor_path(tree: ScopeTree) -> ScopePath | None:
    node = tree.cursor_node
    return None if node is None or node.data is None else node.data.path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- ticking with real keys ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_ticking_narrowing_and_widening_with_keys() -> None:
    app = Host(FakeCatalog())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        assert cursor_path(tree) == ()
        assert names(tree.database_node) == ["public", "sales"]

        await pilot.press("down", "space")
        assert tree.ticked == {PUBLIC}
        assert line(tree, node_at(tree, PUBLIC)).startswith("▶ [x] public")
        assert line(tree, tree.database_node).startswith("▼ [~] shop")
        assert app.summary_text == "Scope: public"

        await pilot.press("right")
        await settle(pilot)
        assert names(node_at(tree, PUBLIC)) == ["customers", "orders", "users", "v_recent"]
        assert line(tree, node_at(tree, USERS)).startswith("▶ [x] users")  # inside a ticked schema

        await pilot.press("down", "down", "down", "space")
        assert cursor_path(tree) == USERS
        assert tree.ticked == {PUBLIC, USERS}
        assert app.summary_text == "Scope: public.users"
        assert line(tree, node_at(tree, PUBLIC)).startswith("▼ [~] public")
        assert line(tree, node_at(tree, ORDERS)).startswith("▶ [ ] orders")

        await pilot.press("up", "space")
        assert app.summary_text == "Scope: public.orders, public.users"

        await pilot.press("space", "down", "space")
        assert tree.ticked == {PUBLIC}
        assert app.summary_text == "Scope: public"
        assert line(tree, node_at(tree, ORDERS)).startswith("▶ [x] orders")

        assert [event.ticked for event in app.changes] == [
            {PUBLIC},
            {PUBLIC, USERS},
            {PUBLIC, USERS, ORDERS},
            {PUBLIC, USERS},
            {PUBLIC},
        ]
        assert [event.summary for event in app.changes][-3:] == [
            "public.orders, public.users",
            "public.users",
            "public",
        ]
        assert all(event.control is tree for event in app.changes)


@pytest.mark.anyio
async def test_ticking_a_partial_schema_selects_all_of_it() -> None:
    app = Host(FakeCatalog(), ticked=frozenset({USERS}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        assert app.summary_text == "Scope: public.users"
        assert line(tree, node_at(tree, PUBLIC)).startswith("▶ [~] public")

        await pilot.press("down", "space")
        assert tree.ticked == {PUBLIC}
        assert app.changes[-1].summary == "public"
        assert line(tree, node_at(tree, PUBLIC)).startswith("▶ [x] public")


@pytest.mark.anyio
async def test_the_database_node_ticks_the_whole_database_and_the_profile_does_not_tick() -> None:
    app = Host(FakeCatalog())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        await pilot.press("space")
        assert tree.ticked == {()}
        assert app.summary_text == "Scope: *"
        assert line(tree, node_at(tree, ("sales",))).startswith("▶ [x] sales")

        await pilot.press("up", "space")  # the profile line
        assert cursor_path(tree) == ()
        assert tree.cursor_node is tree.root
        assert tree.ticked == {()}
        assert len(app.changes) == 1
        assert line(tree, tree.root) == "▼ shop-prod  profile"


@pytest.mark.anyio
async def test_enter_and_left_right_expand_and_collapse() -> None:
    app = Host(FakeCatalog())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        public = node_at(tree, PUBLIC)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert public.is_expanded
        assert names(public)[0] == "customers"

        await pilot.press("enter")
        assert not public.is_expanded
        await pilot.press("right")
        assert public.is_expanded
        await pilot.press("right")  # already open: go to the first child
        assert cursor_path(tree) == ("public", "customers")
        await pilot.press("left")  # a closed node: go to the parent
        assert cursor_path(tree) == PUBLIC
        await pilot.press("left")
        assert not public.is_expanded
        await pilot.press("end")
        assert cursor_path(tree) == ("sales",)
        await pilot.press("home")
        assert tree.cursor_node is tree.root
        assert app.scope_tree.ticked == frozenset()
        assert app.changes == []


@pytest.mark.anyio
async def test_columns_show_type_and_keys_and_cannot_expand() -> None:
    app = Host(FakeCatalog(), ticked=frozenset({("public", "orders", "total")}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        node = await tree.expand_path(ORDERS)
        assert node is node_at(tree, ORDERS)
        assert cursor_path(tree) == ORDERS
        assert [line(tree, child) for child in node.children] == [
            "[ ] id  INTEGER pk",
            "[ ] user_id  INTEGER → public.users.id",
            "[x] total  NUMERIC(10, 2)",
        ]
        assert line(tree, node).startswith("▼ [~] orders  table")
        assert line(tree, node_at(tree, ("public", "v_recent"))) == "▶ [ ] v_recent  view"
        assert not node.children[0].allow_expand
        assert await tree.expand_path(("public", "nope")) is None


# -- loading ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_loading_placeholder_is_replaced_by_the_children() -> None:
    catalog = FakeCatalog(held={("shop", "public")})
    app = Host(catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await settle(pilot)
            await pilot.press("down", "right")
            await pilot.pause()
            public = node_at(app.scope_tree, PUBLIC)
            assert [child.data.kind for child in public.children if child.data] == ["loading"]
            assert line(app.scope_tree, public.children[0]) == "loading…"
        finally:
            catalog.release.set()
        await settle(pilot)
        assert names(public) == ["customers", "orders", "users", "v_recent"]
        # Collapsing and expanding again does not list the schema again.
        await pilot.press("left", "right")
        await settle(pilot)
        assert catalog.calls == [("shop",), ("shop", "public")]


@pytest.mark.anyio
async def test_a_failed_level_shows_the_reason_and_retries_on_expand() -> None:
    catalog = FakeCatalog(failing={("shop", "sales"): SALES_DOWN})
    app = Host(catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "right")
        await settle(pilot)
        sales = node_at(app.scope_tree, ("sales",))
        assert [child.data.kind for child in sales.children if child.data] == ["error"]
        assert line(app.scope_tree, sales.children[0]) == f"⚠ {SALES_DOWN}"
        assert [(event.path, event.message) for event in app.failures] == [(("sales",), SALES_DOWN)]

        # expand_path on a closed, failing node tries once; its own expansion does not retry.
        await pilot.press("left")
        assert await app.scope_tree.expand_path(("sales",)) is None
        await settle(pilot)
        assert catalog.calls.count(("shop", "sales")) == 2
        assert len(app.failures) == 2

        del catalog.failing[("shop", "sales")]
        await pilot.press("left", "right")
        await settle(pilot)
        assert names(sales) == ["invoices"]
        assert len(app.failures) == 2


@pytest.mark.anyio
async def test_a_failed_database_listing_and_an_empty_level() -> None:
    catalog = FakeCatalog({("shop", "public"): []}, failing={("shop",): SALES_DOWN})
    app = Host(catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        assert line(tree, tree.database_node.children[0]) == f"⚠ {SALES_DOWN}"
        assert await tree.expand_path(PUBLIC) is None  # retries the listing once
        await settle(pilot)
        assert catalog.calls == [("shop",), ("shop",)]
        assert [event.path for event in app.failures] == [(), ()]

        catalog.failing.clear()
        catalog.listing[("shop",)] = [CatalogNode(name="public", kind="schema")]
        public = await tree.expand_path(PUBLIC)
        assert public is not None
        assert line(tree, public.children[0]) == "(no tables or views)"


@pytest.mark.anyio
async def test_wide_levels_arrive_in_chunks_and_complete() -> None:
    many = [table(f"t{index:04d}") for index in range(CHUNK_SIZE * 2 + 50)]
    catalog = FakeCatalog({**SHOP, ("shop", "public"): many})
    app = Host(catalog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        public = await app.scope_tree.expand_path(PUBLIC)
        assert public is not None
        assert names(public) == [node.name for node in many]
        await pilot.press("down", "right", "end")
        assert cursor_path(app.scope_tree) == ("sales",)


@pytest.mark.anyio
async def test_set_ticked_redraws_without_a_message() -> None:
    app = Host(FakeCatalog())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = app.scope_tree
        tree.set_ticked(frozenset({("sales",)}))
        await pilot.pause()
        assert line(tree, node_at(tree, ("sales",))).startswith("▶ [x] sales")
        assert tree.summary == "sales"
        assert app.changes == []


@pytest.mark.anyio
async def test_slow_loads_keep_the_tree_responsive() -> None:
    app = Host(FakeCatalog(delay=0.05))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")  # before the schemas arrive: the database is already there
        assert app.scope_tree.ticked == {()}
        await settle(pilot)
        assert names(app.scope_tree.database_node) == ["public", "sales"]


# -- snapshots -------------------------------------------------------------------------------

PARTIAL = frozenset({USERS, ("public", "orders", "total")})


async def _open_orders(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, Host)
    await app.scope_tree.expand_path(ORDERS)
    await pilot.pause()


async def _open_sales(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("down", "down", "right")
    await settle(pilot)


async def _open_public(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, Host)
    await app.scope_tree.expand_path(PUBLIC)
    await pilot.pause()


def test_snapshot_partial_selection(snap_compare: Any) -> None:
    assert snap_compare(
        Host(FakeCatalog(), PARTIAL), terminal_size=(80, 24), run_before=_open_orders
    )


def test_snapshot_partial_selection_no_color(
    snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # read by App.__init__, so set before the app is made
    app = Host(FakeCatalog(), PARTIAL)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_orders)


def test_snapshot_load_failure(snap_compare: Any) -> None:
    catalog = FakeCatalog(failing={("shop", "sales"): SALES_DOWN})
    assert snap_compare(
        Host(catalog, frozenset({PUBLIC})), terminal_size=(80, 24), run_before=_open_sales
    )


def test_snapshot_stale_listing(snap_compare: Any) -> None:
    # The database cannot be read now: its schemas come from the cache, under a line saying so.
    catalog = FakeCatalog(stale={("shop",): SHOP_GONE})
    assert snap_compare(
        Host(catalog, frozenset({USERS})), terminal_size=(80, 24), run_before=_open_public
    )
