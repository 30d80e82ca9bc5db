#include "perf/explore/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace systole::explore {
namespace {

constexpr double kWidth = 560, kHeight = 360, kLeft = 70, kRight = 20, kTop = 30, kBottom = 50;

std::string fmt(const char* f, double v) {
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return fmt("%.0e", v);
  if (a >= 100) return fmt("%.0f", v);
  return fmt("%.3g", v);
}

// One axis: data range -> pixels, log when the data span more than 30x and are all positive.
struct Axis {
  double lo = 0, hi = 1, p0 = 0, p1 = 1;
  bool log = false;

  Axis(double mn, double mx, double from, double to) : p0(from), p1(to) {
    log = mn > 0 && mx / mn > 30;
    if (log) {
      lo = std::floor(std::log10(mn));
      hi = std::ceil(std::log10(mx));
      if (hi <= lo) hi = lo + 1;
    } else {
      const double pad = mx > mn ? 0.05 * (mx - mn) : std::max(std::fabs(mx) * 0.1, 1.0);
      lo = mn - pad < 0 && mn >= 0 ? 0 : mn - pad;
      hi = mx + pad;
    }
  }
  bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double pos(double v) const {
    const double t = ((log ? std::log10(v) : v) - lo) / (hi - lo);
    return p0 + t * (p1 - p0);
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    if (log) {
      for (double e = lo; e <= hi + 1e-9; e += 1) t.push_back(std::pow(10.0, e));
      return t;
    }
    const double raw = (hi - lo) / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(v);
    return t;
  }
};

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_plot(const Plot& plot) {
  double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
  for (const Series& s : plot.series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xmn = std::min(xmn, x), xmx = std::max(xmx, x), ymn = std::min(ymn, y), ymx = std::max(ymx, y);
    }
  }
  for (const RefLine& l : plot.lines) ymn = std::min(ymn, l.y), ymx = std::max(ymx, l.y);
  if (!std::isfinite(xmn)) xmn = 0, xmx = 1;
  if (!std::isfinite(ymn)) ymn = 0, ymx = 1;
  const Axis ax(xmn, xmx, kLeft, kWidth - kRight), ay(ymn, ymx, kHeight - kBottom, kTop);

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"" + fmt("%.0f", kWidth) +
                  "\" height=\"" + fmt("%.0f", kHeight) + "\" viewBox=\"0 0 " + fmt("%.0f", kWidth) + " " +
                  fmt("%.0f", kHeight) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s += "<title>" + html_escape(plot.title) + "</title>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  s += "<text x=\"" + fmt("%.0f", kWidth / 2) + "\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">" +
       html_escape(plot.title) + "</text>\n";
  // Grid and tick labels.
  for (double t : ax.ticks()) {
    const double x = ax.pos(t);
    s += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", kTop) + "\" x2=\"" + fmt("%.1f", x) + "\" y2=\"" +
         fmt("%.1f", kHeight - kBottom) + "\" stroke=\"#e4e4e4\"/>\n<text x=\"" + fmt("%.1f", x) + "\" y=\"" +
         fmt("%.1f", kHeight - kBottom + 14) + "\" text-anchor=\"middle\">" + tick_label(t) + "</text>\n";
  }
  for (double t : ay.ticks()) {
    const double y = ay.pos(t);
    s += "<line x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", y) + "\" x2=\"" + fmt("%.1f", kWidth - kRight) +
         "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"#e4e4e4\"/>\n<text x=\"" + fmt("%.1f", kLeft - 4) + "\" y=\"" +
         fmt("%.1f", y + 4) + "\" text-anchor=\"end\">" + tick_label(t) + "</text>\n";
  }
  s += "<rect x=\"" + fmt("%.0f", kLeft) + "\" y=\"" + fmt("%.0f", kTop) + "\" width=\"" +
       fmt("%.0f", kWidth - kLeft - kRight) + "\" height=\"" + fmt("%.0f", kHeight - kTop - kBottom) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  s += "<text x=\"" + fmt("%.0f", (kLeft + kWidth - kRight) / 2) + "\" y=\"" + fmt("%.0f", kHeight - 12) +
       "\" text-anchor=\"middle\">" + html_escape(plot.x_label) + (ax.log ? " (log)" : "") + "</text>\n";
  s += "<text transform=\"translate(14," + fmt("%.0f", (kTop + kHeight - kBottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(plot.y_label) + (ay.log ? " (log)" : "") + "</text>\n";
  // Reference lines.
  for (const RefLine& l : plot.lines) {
    if (!ay.usable(l.y)) continue;
    const double y = ay.pos(l.y);
    s += "<line class=\"baseline\" x1=\"" + fmt("%.1f", kLeft) + "\" y1=\"" + fmt("%.1f", y) + "\" x2=\"" +
         fmt("%.1f", kWidth - kRight) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"" + l.color +
         "\" stroke-dasharray=\"6 4\"/>\n<text x=\"" + fmt("%.1f", kWidth - kRight - 4) + "\" y=\"" +
         fmt("%.1f", y - 4) + "\" text-anchor=\"end\" fill=\"" + l.color + "\">" + html_escape(l.label) + "</text>\n";
  }
  // Series, then the legend.
  double legend_y = kTop + 12;
  for (const Series& ser : plot.series) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : ser.points) {
      if (ax.usable(p.first) && ay.usable(p.second)) pts.push_back(p);
    }
    if (ser.line && pts.size() > 1) {
      std::sort(pts.begin(), pts.end());
      s += "<polyline class=\"front\" fill=\"none\" stroke=\"" + ser.color + "\" stroke-width=\"1.5\" points=\"";
      for (const auto& [x, y] : pts) s += fmt("%.1f", ax.pos(x)) + "," + fmt("%.1f", ay.pos(y)) + " ";
      s += "\"/>\n";
    }
    for (const auto& [x, y] : pts) {
      s += "<circle cx=\"" + fmt("%.1f", ax.pos(x)) + "\" cy=\"" + fmt("%.1f", ay.pos(y)) + "\" r=\"" +
           (ser.line ? "3.5" : "2.5") + "\" fill=\"" + ser.color + "\"" + (ser.line ? "" : " fill-opacity=\"0.5\"") +
           "/>\n";
    }
    s += "<circle cx=\"" + fmt("%.0f", kWidth - kRight - 150) + "\" cy=\"" + fmt("%.0f", legend_y - 4) +
         "\" r=\"4\" fill=\"" + ser.color + "\"/><text x=\"" + fmt("%.0f", kWidth - kRight - 140) + "\" y=\"" +
         fmt("%.0f", legend_y) + "\">" + html_escape(ser.name) + "</text>\n";
    legend_y += 14;
  }
  return s + "</svg>\n";
}

}  // namespace systole::explore
