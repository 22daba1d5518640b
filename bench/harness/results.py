"""Figures as they are measured: one value per repetition, or the reason the repetition is void."""
import statistics


class Figure:
    def __init__(self, case, tool, metric, unit, better):
        self.case, self.tool, self.metric, self.unit, self.better = case, tool, metric, unit, better
        self.values, self.void, self.details, self.note = [], [], [], None

    def median(self):
        return statistics.median(self.values) if self.values else None

    def as_dict(self):
        return {"case": self.case, "tool": self.tool, "metric": self.metric, "unit": self.unit, "better": self.better,
                "values": self.values, "median": self.median(), "min": min(self.values, default=None),
                "max": max(self.values, default=None), "void": self.void, "note": self.note, "details": self.details}


class Results:
    def __init__(self):
        self.figures = {}
        self.order = []

    def figure(self, case, tool, metric, unit, better="higher"):
        key = (case, tool, metric)
        if key not in self.figures:
            self.figures[key] = Figure(case, tool, metric, unit, better)
            self.order.append(key)
        return self.figures[key]

    def add(self, case, tool, metric, unit, value, better="higher", detail=None):
        f = self.figure(case, tool, metric, unit, better)
        f.values.append(value)
        if detail is not None:
            f.details.append(detail)

    def void(self, case, tool, metric, unit, reason, better="higher", detail=None):
        f = self.figure(case, tool, metric, unit, better)
        f.void.append(reason)
        if detail is not None:
            f.details.append(detail)
        print(f"  VOID {case} / {tool} / {metric}: {reason}", flush=True)

    def note(self, case, tool, metric, unit, text, better="higher"):
        self.figure(case, tool, metric, unit, better).note = text

    def get(self, case, tool, metric):
        f = self.figures.get((case, tool, metric))
        return f.median() if f else None

    def all(self):
        return [self.figures[k] for k in self.order]
