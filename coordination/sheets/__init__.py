"""Spreadsheets in and out: the item columns, XLSX and CSV writers that cannot smuggle a formula, and exports of
item lists and the dashboard's tables."""
