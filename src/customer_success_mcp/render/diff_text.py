"""`csm diff`: what moved between two scorings of a book, for an 80-column terminal."""

from __future__ import annotations

from customer_success_mcp.formatting import money, money_short, plural, share
from customer_success_mcp.render.text import WIDTH, fit
from customer_success_mcp.scoring.compare_models import Cell, Comparison, Mover


def _matrix(title: str, cells: list[Cell], order: list[str]) -> list[str]:
    seen_before = [n for n in order if any(c.before == n and c.accounts for c in cells)]
    seen_after = [n for n in order if any(c.after == n and c.accounts for c in cells)]
    head = "  " + fit("before / after", 18) + "".join(fit(n.replace("_", " "), 15) for n in seen_after)
    lines = [title, head.rstrip()]
    for b in seen_before:
        row = f"  {fit(b.replace('_', ' '), 18)}"
        for a in seen_after:
            cell = next((c for c in cells if c.before == b and c.after == a), None)
            row += fit("-" if cell is None else f"{cell.accounts} ({money_short(cell.arr)})", 15)
        lines.append(row.rstrip())
    return lines


def _movers(title: str, movers: list[Mover]) -> list[str]:
    lines = [title]
    if not movers:
        return [*lines, "  none"]
    for m in movers:
        before = "-" if m.before is None else f"{m.before:g}"
        after = "-" if m.after is None else f"{m.after:g}"
        line = (f"{m.name} ({m.customer_id}) {money(m.arr)}: {before} -> {after} ({m.change:+g}), "
                f"{m.class_before} -> {m.class_after}")  # fmt: skip
        lines.append("  " + fit(line, WIDTH - 2).rstrip())
        why = ", ".join(f"{p.part} {p.change:+g}" for p in m.groups)
        lines.append("    " + fit(f"by: {why}", WIDTH - 4).rstrip())
    return lines


def diff_text(c: Comparison) -> str:
    out = [
        f"CHANGES · {c.from_as_of.isoformat()} -> {c.to_as_of.isoformat()}",
        f"{c.accounts_before} accounts before, {c.accounts_after} after, {c.accounts_in_both} in both",
        f"Added {plural(c.added, 'account')} ({money(c.added_arr)}); lost {plural(c.lost, 'account')} "
        f"({money(c.lost_arr)})",
        f"Retention: NRR {'-' if c.nrr is None else share(c.nrr, 1)}, GRR "
        f"{'-' if c.grr is None else share(c.grr, 1)} from {money(c.start_arr)} at the start:",
        f"  expansion {money(c.expansion_arr)}, contraction {money(c.contraction_arr)}, churned "
        f"{money(c.churned_arr)}",
        "",
    ]
    out += _matrix("Health class (accounts, ARR now)", c.health_migration,
                   ["green", "yellow", "red", "insufficient_data"])  # fmt: skip
    out += [""]
    out += _matrix("Risk tier (accounts, ARR now)", c.risk_migration, ["critical", "high", "medium", "low"])
    out += ["", *_movers("Biggest health moves", c.health_movers), ""]
    out += _movers("Biggest churn-risk moves", c.risk_movers)
    if c.lost_accounts:
        out += [
            "",
            "Lost: " + ", ".join(f"{a.name} ({a.customer_id}) {money(a.arr)}" for a in c.lost_accounts),
        ]
    return "\n".join(out)
