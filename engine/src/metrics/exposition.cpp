#include "metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sluice::metrics {

const char* const kContentType = "text/plain; version=0.0.4; charset=utf-8";

namespace {

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(const std::string& s, bool colon) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!name_char(s[i], i == 0, colon)) return false;
  }
  return true;
}

// `{a="x",b="y"` without the closing brace, or "" when there are no labels.
std::string open_labels(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  if (names.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  return out;
}

std::string close_labels(const std::string& open) { return open.empty() ? std::string() : open + "}"; }

}  // namespace

void check_metric_name(const std::string& name) {
  if (!valid_name(name, true)) {
    throw std::invalid_argument("metric name '" + name + "' is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
}

void check_label_names(const std::string& metric, const std::vector<std::string>& names, bool histogram) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (!valid_name(n, false) || n.rfind("__", 0) == 0) {
      throw std::invalid_argument("metric " + metric + ": label name '" + n +
                                  "' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
    }
    if (histogram && n == "le") {
      throw std::invalid_argument("metric " + metric + ": a histogram cannot have a label 'le' (its buckets use it)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (names[j] == n) throw std::invalid_argument("metric " + metric + ": label '" + n + "' given twice");
    }
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits, laid out as Go's strconv 'g' does (Prometheus's own format):
  // plain decimals unless tiny or huge, so a bucket reads le="0.0005", as users query it.
  const double mag = std::fabs(v);
  const auto layout = v != 0 && (mag < 1e-4 || mag >= 1e21) ? std::chars_format::scientific : std::chars_format::fixed;
  char buf[400];  // fixed notation of a double below 1e21, or of one down to 1e-4, fits easily
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, layout);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes; be safe rather than wrong
  return std::string(buf, end);
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Exposition::Family& Exposition::family(const std::string& name, MetricType type, const std::string& help,
                                       const std::vector<std::string>& label_names) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    check_metric_name(name);
    check_label_names(name, label_names, type == MetricType::histogram);
    return families_.emplace(name, Family{type, help, label_names, {}}).first->second;
  }
  Family& f = it->second;
  if (f.type != type) {
    throw std::invalid_argument("metric " + name + " is a " + type_name(f.type) + ", asked for as a " +
                                type_name(type));
  }
  if (f.help != help) throw std::invalid_argument("metric " + name + " was declared with another help text");
  if (f.label_names != label_names) {
    throw std::invalid_argument("metric " + name + " was declared with other label names");
  }
  return f;
}

std::string& Exposition::series(Family& family, const std::string& name, const std::vector<std::string>& label_values) {
  auto [it, added] = family.series.emplace(label_values, std::string());
  if (!added) throw std::invalid_argument("metric " + name + ": the same series was written twice");
  return it->second;
}

void Exposition::add(const std::string& name, MetricType type, const std::string& help, const MetricLabels& labels,
                     double value) {
  if (type == MetricType::histogram) {
    throw std::invalid_argument("metric " + name + ": a collector cannot write a histogram");
  }
  std::vector<std::string> names, values;
  for (const auto& [n, v] : labels) {
    names.push_back(n);
    values.push_back(v);
  }
  add_series(name, type, help, names, values, format_value(value));
}

void Exposition::add_series(const std::string& name, MetricType type, const std::string& help,
                            const std::vector<std::string>& label_names, const std::vector<std::string>& label_values,
                            const std::string& value) {
  Family& f = family(name, type, help, label_names);
  std::string& out = series(f, name, label_values);
  out = name + close_labels(open_labels(label_names, label_values)) + " " + value + "\n";
}

void Exposition::add_histogram(const std::string& name, const std::string& help,
                               const std::vector<std::string>& label_names,
                               const std::vector<std::string>& label_values, const std::vector<double>& bounds,
                               const std::vector<std::uint64_t>& cumulative, double sum) {
  Family& f = family(name, MetricType::histogram, help, label_names);
  std::string& out = series(f, name, label_values);
  const std::string open = open_labels(label_names, label_values);
  const std::string le_open = open.empty() ? "{le=\"" : open + ",le=\"";
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
    out += name + "_bucket" + le_open + le + "\"} " + std::to_string(cumulative[i]) + "\n";
  }
  const std::uint64_t count = cumulative.empty() ? 0 : cumulative.back();
  out += name + "_sum" + close_labels(open) + " " + format_value(sum) + "\n";
  out += name + "_count" + close_labels(open) + " " + std::to_string(count) + "\n";
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    for (const auto& [values, lines] : f.series) out += lines;
  }
  return out;
}

}  // namespace sluice::metrics
