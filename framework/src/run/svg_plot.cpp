#include "spotlight/framework/run/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace spotlight {

namespace {

constexpr double kWidth = 640, kHeight = 400;
constexpr double kLeft = 80, kRight = 20, kTop = 40, kBottom = 60;

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

// Text is data (metric names, paths): escape what XML treats specially.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string line_plot(const LinePlot& plot) {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  for (size_t i = 0; i < plot.xs.size() && i < plot.ys.size(); ++i) {
    if (!std::isfinite(plot.ys[i])) continue;
    x_min = std::min(x_min, plot.xs[i]);
    x_max = std::max(x_max, plot.xs[i]);
    y_min = std::min(y_min, plot.ys[i]);
    y_max = std::max(y_max, plot.ys[i]);
  }
  const bool empty = !std::isfinite(x_min);
  if (empty) x_min = x_max = y_min = y_max = 0;
  if (x_max == x_min) x_max = x_min + 1;
  if (y_max == y_min) y_max = y_min + 1;
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * (kWidth - kLeft - kRight); };
  auto py = [&](double y) { return kHeight - kBottom - (y - y_min) / (y_max - y_min) * (kHeight - kTop - kBottom); };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" << escaped(plot.title)
      << "</text>\n";
  // Axes, with the extreme values as ticks.
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << kHeight - kBottom << "\" x2=\"" << kWidth - kRight << "\" y2=\""
      << kHeight - kBottom << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << kHeight - kBottom
      << "\" stroke=\"black\"/>\n";
  svg << "<text x=\"" << kLeft << "\" y=\"" << kHeight - kBottom + 18 << "\" text-anchor=\"middle\">" << number(x_min)
      << "</text>\n<text x=\"" << kWidth - kRight << "\" y=\"" << kHeight - kBottom + 18
      << "\" text-anchor=\"middle\">" << number(x_max) << "</text>\n";
  svg << "<text x=\"" << kLeft - 6 << "\" y=\"" << kHeight - kBottom << "\" text-anchor=\"end\">" << number(y_min)
      << "</text>\n<text x=\"" << kLeft - 6 << "\" y=\"" << kTop + 4 << "\" text-anchor=\"end\">" << number(y_max)
      << "</text>\n";
  svg << "<text x=\"" << (kLeft + kWidth - kRight) / 2 << "\" y=\"" << kHeight - 16 << "\" text-anchor=\"middle\">"
      << escaped(plot.x_label) << "</text>\n<text transform=\"translate(18," << (kTop + kHeight - kBottom) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escaped(plot.y_label) << "</text>\n";
  if (!empty) {
    svg << "<polyline fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\" points=\"";
    for (size_t i = 0; i < plot.xs.size() && i < plot.ys.size(); ++i) {
      if (std::isfinite(plot.ys[i])) svg << number(px(plot.xs[i])) << "," << number(py(plot.ys[i])) << " ";
    }
    svg << "\"/>\n";
    for (size_t i = 0; i < plot.xs.size() && i < plot.ys.size(); ++i) {
      if (!std::isfinite(plot.ys[i])) continue;
      const bool best = static_cast<int>(i) == plot.highlighted;
      svg << "<circle cx=\"" << number(px(plot.xs[i])) << "\" cy=\"" << number(py(plot.ys[i])) << "\" r=\""
          << (best ? 6 : 3) << "\" fill=\"" << (best ? "crimson" : "steelblue") << "\"><title>" << number(plot.xs[i])
          << ": " << number(plot.ys[i]) << "</title></circle>\n";
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace spotlight
