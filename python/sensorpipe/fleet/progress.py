"""A one-line progress bar on a terminal (nothing when stderr is not one)."""
import sys
import time


def _mb(n):
    return "%.1f MB" % (n / 1e6)


def _clock(s):
    s = int(s)
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


class Progress:
    def __init__(self, total, stream=None, enabled=None, width=28):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.width = total, width
        self.done = self.failed = self.skipped = self.bytes = 0
        self.t0 = time.monotonic()
        self._last = 0.0
        self.draw(force=True)

    def update(self, rec=None, failed=False):
        if failed:
            self.failed += 1
        else:
            self.done += 1
            if rec and rec.get("skipped"):
                self.skipped += 1
            elif rec:
                self.bytes += rec.get("bytes") or 0
        self.draw()

    def draw(self, force=False):
        if not self.enabled:
            return
        now = time.monotonic()
        n = self.done + self.failed
        if not force and now - self._last < 0.1 and n < self.total:
            return
        self._last = now
        frac = n / self.total if self.total else 1.0
        fill = int(frac * self.width)
        dt = now - self.t0
        ran = n - self.skipped
        eta = (self.total - n) * dt / ran if ran else 0
        line = "\r[%s%s] %d/%d logs" % ("#" * fill, "." * (self.width - fill),
                                       n, self.total)
        if self.failed:
            line += "  %d failed" % self.failed
        line += "  %s  %s" % (_mb(self.bytes), _clock(dt))
        if n < self.total and ran:
            line += "  eta %s" % _clock(eta)
        self.stream.write(line + "  ")
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
