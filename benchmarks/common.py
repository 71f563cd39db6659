"""What the benchmarks share: memory readings, result tables, fast setup inserts, timing stats."""

import logging
import os
import statistics

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def table(headers, rows):
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        first, *rest = cells
        return "  ".join([f"{first:<{widths[0]}}", *(f"{cell:>{w}}" for cell, w in zip(rest, widths[1:], strict=True))])

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


class FastInserts:
    """Setup only: WAL, no syncs and a big page cache while rows go in; SQLite's defaults again after."""

    def __enter__(self):
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA journal_mode=DELETE")
        connection.close()  # the next connection starts with the defaults (synchronous=FULL, 2 MiB cache)


def stats(times_ns):
    """Median, 90th percentile and requests per second of the wall times; median of the CPU times."""
    ms = [wall / 1e6 for wall, _cpu in times_ns]
    ordered = sorted(ms)
    return {
        "count": len(ms),
        "median": statistics.median(ms),
        "cpu": statistics.median(cpu / 1e6 for _wall, cpu in times_ns),
        "p90": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
        "rps": len(ms) / (sum(ms) / 1000),
    }


class PluginLogProblems(logging.Handler):
    """Counts the warnings and errors the plugin logs (its receivers and on-commit events log failures)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        logging.getLogger("credentials_plugin").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("credentials_plugin").removeHandler(self)
