// Scatter plots as inline SVG (no script, no external resource): linear or logarithmic axes chosen from the data's
// range, a polyline per front, dashed horizontal reference lines (baselines) with labels.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace systole::explore {

struct Series {
  std::string name, color;
  std::vector<std::pair<double, double>>
      points;         // (x, y); points with a non-positive coordinate on a log axis are left out
  bool line = false;  // join the points in x order (a Pareto front)
};

struct RefLine {
  std::string label, color;
  double y = 0;
};

struct Plot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<RefLine> lines;
};

std::string svg_plot(const Plot& plot);

// Text for HTML and SVG: &, <, >, " escaped.
std::string html_escape(const std::string& s);

}  // namespace systole::explore
