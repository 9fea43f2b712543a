"""The fridge's skills: an inventory of dated batches, and named lists.

Each purchase is a batch with its own added and expiry dates (from the catalogue's shelf life),
so "what expires soon" knows the old milk from the new; using food takes the oldest batch first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tinychat.dialogue.phrasing import day_words, join_words
from tinychat.dialogue.skills import Outcome, Request, Skill
from tinychat.domain.entities import find_mention
from tinychat.domain.utterance import normalise_utterance

FOOD, UNIT = "food", "unit"
DEFAULT_LIST = "shopping"
#: "what expires soon" looks this many days ahead
SOON_DAYS = 3


# ------------------------------------------------------------------ inventory
def inventory_add(req: Request) -> Outcome:
    item, unit = str(req.slots["item"]), req.slots.get("unit")
    quantity = int(req.slots.get("quantity", 1))
    entity = req.phrasing.catalogue(FOOD).by_id().get(item)
    shelf = entity.shelf_life_days if entity is not None else None
    expires = (req.now + timedelta(days=shelf)).isoformat() if shelf is not None else None
    cursor = req.db.execute(
        "INSERT INTO inventory (item, quantity, unit, added_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (item, quantity, unit, req.now.isoformat(), expires),
    )
    amount = req.phrasing.amount(FOOD, item, quantity, str(unit) if unit else None, req.lang)
    return Outcome(values={"amount": amount, "total": _stock_words(req, item)}, undo={"rows": [cursor.lastrowid]})


def _undo_add(req: Request, undo: dict[str, Any]) -> None:
    req.db.executemany("DELETE FROM inventory WHERE id = ?", [(row,) for row in undo["rows"]])


def inventory_remove(req: Request) -> Outcome:
    item = str(req.slots["item"])
    rows = req.db.execute("SELECT id, item, quantity, unit, added_at, expires_at FROM inventory WHERE item = ? "
                          "ORDER BY added_at, id", (item,)).fetchall()
    if not rows:
        return Outcome(key="missing")
    wanted = req.slots.get("quantity", 1 if _says_one(req) else None)  # no count: all of it ("we finished the milk")
    taking = rows if wanted is None else _rows_counted_as_said(req, item, rows)
    if wanted is not None and sum(r[2] for r in taking) < int(wanted):
        # "I ate 3 eggs" with only "a tray of eggs" stored: how many eggs a tray holds is unknown
        return Outcome(key="in_containers", values={"left": _stock_words(req, item)})
    left = int(wanted) if wanted is not None else sum(r[2] for r in rows)
    for row_id, _, quantity, *_ in taking:
        if left <= 0:
            break
        taken = min(quantity, left)
        left -= taken
        if taken == quantity:
            req.db.execute("DELETE FROM inventory WHERE id = ?", (row_id,))
        else:
            req.db.execute("UPDATE inventory SET quantity = quantity - ? WHERE id = ?", (taken, row_id))
    remaining = _stock_words(req, item)
    return Outcome(key="done" if remaining else "done_all", values={"left": remaining},
                   undo={"restore": [list(r) for r in rows]})


#: an article that counts one: "i used an egg", "i drank a bottle of milk"
_ONE = re.compile(r"(?:^|\s)(?:a|an|one)\s+$")
_STARTS_WITH_ONE = re.compile(r"^(?:a|an|one)\s")
#: Korean says the count after the name: "계란 하나 먹었어"
_KO_ONE_AFTER = re.compile(r"^\s*(?:하나|한)(?:\s|$|만|도)")


def _says_one(req: Request) -> bool:
    """Whether the food or its container is said with "a"/"an" or "하나" (the model copies no count for it)."""
    said = normalise_utterance(req.text)
    for catalogue in (FOOD, UNIT):
        mention = find_mention(req.phrasing.catalogue(catalogue), said)
        if mention is not None and (_ONE.search(said[: mention.start])
                                    or _STARTS_WITH_ONE.match(said[mention.start : mention.end])
                                    or _KO_ONE_AFTER.match(said[mention.end :])):
            return True  # the name may take its article in: "an egg" is one name said
    return False


def _rows_counted_as_said(req: Request, item: str, rows: list[Any]) -> list[Any]:
    """The batches a count without its unit takes from. A count of food that is not counted ("2 milk")
    means its containers, any of them. A count of food that is ("3 eggs") means pieces: batches bought
    as pieces, or in the container the utterance names ("a bag of apples")."""
    if not req.phrasing.countable(FOOD, item):
        return rows
    named = find_mention(req.phrasing.catalogue(UNIT), normalise_utterance(req.text))
    stored_in = {row[3] for row in rows}
    unit = named.id if named is not None and named.id in stored_in else None  # "개" names pieces, not a container
    return [row for row in rows if row[3] == unit]


def _undo_remove(req: Request, undo: dict[str, Any]) -> None:
    rows = undo["restore"]
    req.db.execute("DELETE FROM inventory WHERE item = ?", (rows[0][1],))
    req.db.executemany(
        "INSERT INTO inventory (id, item, quantity, unit, added_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        [tuple(r) for r in rows],
    )


def inventory_query(req: Request) -> Outcome:
    item = req.slots.get("item")
    if item is not None:
        stock = _stock_words(req, str(item))
        return Outcome(key="have", values={"amount": stock}) if stock else Outcome(key="missing")
    items = [row[0] for row in req.db.execute("SELECT DISTINCT item FROM inventory ORDER BY item")]
    if not items:
        return Outcome(key="empty")
    amounts = [amount for i in items for amount in _stock_amounts(req, i)]  # one list, not lists in a list
    return Outcome(key="all", values={"items": join_words(amounts, req.lang),
                                      "count": str(len(items))})


def _stock_words(req: Request, item: str) -> str:
    """How much of ``item`` is in the fridge, per unit ("two bottles of milk and one carton of milk"), or ''."""
    return join_words(_stock_amounts(req, item), req.lang)


def _stock_amounts(req: Request, item: str) -> list[str]:
    """How much of ``item`` is in the fridge, one amount per unit.

    Food bought without a unit counts in its usual container: "jam" and "2 jars of jam" are three jars.
    """
    rows = req.db.execute("SELECT unit, SUM(quantity) FROM inventory WHERE item = ? GROUP BY unit", (item,))
    usual = _usual_unit(req, item)
    totals: dict[str, int] = {}
    named: set[str] = set()  # units someone said: bought without one only, it reads as before ("우유 1팩")
    for unit, total in rows:
        key = unit or usual or ""
        totals[key] = totals.get(key, 0) + int(total)
        named.update([unit] if unit else [])
    return [req.phrasing.amount(FOOD, item, total, unit if unit in named else None, req.lang)
            for unit, total in sorted(totals.items())]


def _usual_unit(req: Request, item: str) -> str | None:
    """The unit a food that is not counted comes in, when its container word is one ("jam" → jar)."""
    if req.phrasing.countable(FOOD, item):
        return None
    container = req.phrasing.counter(FOOD, item, "en")
    return container if container in req.phrasing.catalogue(UNIT).by_id() else None


def expiry_query(req: Request) -> Outcome:
    item = req.slots.get("item")
    today = req.now.date()
    if item is not None:
        row = req.db.execute("SELECT MIN(expires_at), COUNT(*) FROM inventory WHERE item = ?", (str(item),)).fetchone()
        if row[1] == 0:
            return Outcome(key="missing")
        if row[0] is None:
            return Outcome(key="unknown")
        expires = datetime.fromisoformat(row[0]).date()
        days = (expires - today).days
        when = day_words(expires, today, req.lang)  # "went off on Friday", "will keep until Friday"
        values = {"day": when if days < 0 else when.removeprefix("on "), "days": str(max(days, 0))}
        return Outcome(key="expired" if days < 0 else "expires", values=values)
    horizon = (req.now + timedelta(days=SOON_DAYS)).isoformat()
    rows = req.db.execute("SELECT item, MIN(expires_at) FROM inventory WHERE expires_at IS NOT NULL "
                          "AND expires_at <= ? GROUP BY item ORDER BY MIN(expires_at)", (horizon,)).fetchall()
    if not rows:
        return Outcome(key="nothing_soon", values={"days": str(SOON_DAYS)})
    parts = []
    for name, expires_at in rows:
        day = datetime.fromisoformat(expires_at).date()
        when = day_words(day, today, req.lang)
        parts.append(f"{req.phrasing.name(FOOD, name, req.lang)} ({when})")
    return Outcome(key="soon", values={"items": join_words(parts, req.lang)})


# ------------------------------------------------------------------ lists
def list_words(req: Request, name: str) -> str:
    """"shopping" → "shopping list" / "장보기 목록"."""
    if req.lang == "ko":
        aliases = req.phrasing.spec.text_values.get("list")
        korean = [a for a in (aliases.aliases.get(name, []) if aliases else []) if not a.isascii()]
        with_word = [a for a in korean if a.endswith("목록")]
        return with_word[0] if with_word else f"{korean[0] if korean else name} 목록"
    readable = {"todo": "to-do"}.get(name, name)
    return readable if readable.endswith("list") else f"{readable} list"


def _list_name(req: Request) -> str:
    return str(req.slots.get("list") or DEFAULT_LIST)


def list_add(req: Request) -> Outcome:
    name, item = _list_name(req), str(req.slots["item"])
    quantity = req.slots.get("quantity")
    before = req.db.execute("SELECT quantity FROM list_items WHERE list = ? AND item = ?", (name, item)).fetchone()
    req.db.execute("INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)", (name, req.now.isoformat()))
    req.db.execute(
        "INSERT INTO list_items (list, item, quantity, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (list, item) "
        "DO UPDATE SET quantity = CASE WHEN excluded.quantity IS NULL THEN quantity "
        "ELSE COALESCE(quantity, 0) + excluded.quantity END",
        (name, item, quantity, req.now.isoformat()),
    )
    amount = req.phrasing.amount(FOOD, item, int(quantity) if quantity is not None else None, None, req.lang)
    undo = {"list": name, "item": item, "before": list(before) if before else None}
    key = "already" if before is not None and quantity is None else "done"
    return Outcome(key=key, values={"amount": amount, "list_name": list_words(req, name)}, undo=undo)


def _undo_list_add(req: Request, undo: dict[str, Any]) -> None:
    if undo["before"] is None:
        req.db.execute("DELETE FROM list_items WHERE list = ? AND item = ?", (undo["list"], undo["item"]))
    else:
        req.db.execute("UPDATE list_items SET quantity = ? WHERE list = ? AND item = ?",
                       (undo["before"][0], undo["list"], undo["item"]))


def list_remove(req: Request) -> Outcome:
    item = str(req.slots["item"])
    named = req.slots.get("list")
    where = [str(named)] if named else [r[0] for r in req.db.execute("SELECT list FROM list_items WHERE item = ?",
                                                                     (item,))]
    removed = [name for name in where
               if req.db.execute("DELETE FROM list_items WHERE list = ? AND item = ?", (name, item)).rowcount]
    name = removed[0] if removed else str(named or DEFAULT_LIST)
    return Outcome(key="done" if removed else "missing", values={"list_name": list_words(req, name)})


def list_query(req: Request) -> Outcome:
    named = req.slots.get("list")
    lists = [r[0] for r in req.db.execute(
        "SELECT name FROM lists UNION SELECT DISTINCT list FROM list_items ORDER BY 1")]
    if named is None and len(lists) > 1:
        summary = [f"{list_words(req, n)} ({_count_items(req, n)})" for n in lists]
        return Outcome(key="lists", values={"lists": join_words(summary, req.lang), "count": str(len(lists))})
    name = str(named or (lists[0] if lists else DEFAULT_LIST))
    rows = req.db.execute("SELECT item, quantity FROM list_items WHERE list = ? ORDER BY added_at, item",
                          (name,)).fetchall()
    values = {"list_name": list_words(req, name)}
    if not rows:
        return Outcome(key="empty", values=values)
    items = [req.phrasing.amount(FOOD, item, quantity, None, req.lang) for item, quantity in rows]
    return Outcome(key="items", values={**values, "items": join_words(items, req.lang), "count": str(len(rows))})


def _count_items(req: Request, name: str) -> str:
    n = req.db.execute("SELECT COUNT(*) FROM list_items WHERE list = ?", (name,)).fetchone()[0]
    if req.lang == "ko":
        return f"{n}개"
    return f"{n} item{'' if n == 1 else 's'}"


def list_clear(req: Request) -> Outcome:
    name = _list_name(req)
    values = {"list_name": list_words(req, name)}
    removed = req.db.execute("DELETE FROM list_items WHERE list = ?", (name,)).rowcount
    known = req.db.execute("DELETE FROM lists WHERE name = ?", (name,)).rowcount
    return Outcome(key="done" if removed or known else "missing", values=values)


SKILLS = {
    "inventory_add": Skill(inventory_add, _undo_add),
    "inventory_remove": Skill(inventory_remove, _undo_remove),
    "inventory_query": Skill(inventory_query),
    "expiry_query": Skill(expiry_query),
    "list_add": Skill(list_add, _undo_list_add),
    "list_remove": Skill(list_remove),
    "list_query": Skill(list_query),
    "list_clear": Skill(list_clear),
}


def snapshot(db: Any, now: datetime) -> dict[str, Any]:
    """Inventory and lists as a door panel shows them."""
    inventory = [{"item": i, "quantity": q, "unit": u, "added_at": a, "expires_at": e}
                 for i, q, u, a, e in db.execute("SELECT item, quantity, unit, added_at, expires_at FROM inventory "
                                                  "ORDER BY item, added_at")]
    names = db.execute("SELECT name FROM lists ORDER BY name")
    lists: dict[str, list[dict[str, Any]]] = {name: [] for (name,) in names}
    for name, item, quantity in db.execute("SELECT list, item, quantity FROM list_items ORDER BY list, added_at"):
        lists.setdefault(name, []).append({"item": item, "quantity": quantity})
    return {"inventory": inventory, "lists": lists}
