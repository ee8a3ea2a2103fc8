"""Statement documents: HTML from a Jinja2 template, and PDF drawn with fpdf2.

fpdf2 is pure Python (its dependencies are wheels: Pillow, fontTools, defusedxml) and needs no system
libraries, unlike HTML-to-PDF renderers (WeasyPrint needs Pango); ReportLab would also do, but fpdf2's
table API is smaller for what a statement needs. Core PDF fonts cover Latin-1: other characters print as '?'.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from attain.app.runs.statements import Statement, line_text, money

TEMPLATES = Path(__file__).with_name("templates")


def template_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.globals.update(money=money, text=line_text)
    return env


def statement_html(s: Statement) -> str:
    """A standalone HTML page of the statement."""
    return template_environment().get_template("statement_page.html").render(s=s)


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def statement_pdf(s: Statement) -> bytes:
    """The statement as a PDF (A4 landscape): the same lines and totals as the HTML."""
    from fpdf import FPDF  # noqa: PLC0415 - fpdf (Pillow, fontTools) costs every CLI command a second to load

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin(f"Statement {s.period_key}: {s.name} ({s.person})"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    status = "Final: the period is closed." if s.final else "Provisional: the period is open and may change."
    pdf.cell(0, 6, status, new_x="LMARGIN", new_y="NEXT")
    for p in s.plans:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        head = f"Plan {p.plan_key} (run {p.run_id}), {p.currency}; proration {p.proration:.4f}; "
        head += f"target incentive {money(p.target_incentive, p.currency)}"
        pdf.cell(0, 7, _latin(head), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        for m in p.measures:
            att = "" if m.attainment is None else f" = {m.attainment * 100:.2f}%"
            value, quota = p.measure_value(m)
            quota = f" of quota {quota}" if quota else ""
            pdf.cell(0, 5, _latin(f"{m.measure}: {value}{quota}{att}"), new_x="LMARGIN", new_y="NEXT")
        for title, lines, total in (
            ("Earnings", p.earning_lines, p.earnings),
            ("Payout", p.payout_lines, p.payout),
        ):
            with pdf.table(
                col_widths=(10, 30, 28, 170, 32), text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT")
            ) as t:
                t.row(["#", "Component", "Kind", f"{title}: explanation", "Amount"])
                for line in lines:
                    t.row(
                        [
                            str(line.seq),
                            _latin(line.component),
                            line.kind,
                            _latin(line_text(line, p.currency)),
                            money(line.amount, p.currency),
                        ]
                    )
                t.row(["", "", "", title, money(total, p.currency)])
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    for currency, (earned, paid) in sorted(s.totals.items()):
        text = f"Total {currency}: earnings {money(earned, currency)}, payout {money(paid, currency)}"
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
