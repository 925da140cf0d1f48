#pragma once

#include <string>
#include <vector>

namespace spotlight {

// A small, dependency-free SVG writer for the plots `spotlight run` leaves next to its
// results: training loss per epoch, and the metric of each trial of a search.
struct LinePlot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> xs;
  std::vector<double> ys;  // NaN for a missing point (a failed trial): skipped
  int highlighted = -1;    // index of a point drawn larger (the best trial), or -1
};

// A complete SVG document: axes with min/max ticks, the points joined by a line.
std::string line_plot(const LinePlot& plot);

}  // namespace spotlight
