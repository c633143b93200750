"""The board pack (PDF and XLSX) and the figures it shares with the dashboard."""
