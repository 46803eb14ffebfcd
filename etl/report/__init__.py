"""The dataset report: one self-contained HTML page, built from the warehouse's views."""

from .database import dn_sql_files, report_connection
from .render import render_report

__all__ = ["dn_sql_files", "render_report", "report_connection"]
