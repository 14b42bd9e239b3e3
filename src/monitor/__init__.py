"""monitor: scheduled scraping and change monitoring of Cuban human-rights figures."""

__version__ = "0.1.0"
