#include "boxoffice/kernel/metrics.hpp"

#include <cmath>
#include <fmt/format.h>
#include <sstream>

namespace boxoffice {

namespace {
std::string renderLabels(const Labels& labels, const std::string& extraName = {}, const std::string& extraValue = {}) {
  if (labels.empty() && extraName.empty()) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!first) out += ',';
    first = false;
    out += name + "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extraName.empty()) add(extraName, extraValue);
  return out + "}";
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}
}  // namespace

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto& family = families_[name];
  family.type = type;
  family.help = help;
  family.buckets = std::move(buckets);
}

void Metrics::increment(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lock(mutex_);
  families_[name].values[labels] += by;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& family = families_[name];
  family.type = "gauge";
  family.values[labels] = value;
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& family = families_[name];
  family.type = "histogram";
  if (family.buckets.empty()) family.buckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  auto& histogram = family.histograms[labels];
  if (histogram.counts.empty()) {
    histogram.bounds = family.buckets;
    histogram.counts.assign(family.buckets.size() + 1, 0);
  }
  std::size_t i = 0;
  while (i < histogram.bounds.size() && value > histogram.bounds[i]) ++i;
  ++histogram.counts[i];
  histogram.sum += value;
  ++histogram.count;
}

void Metrics::gaugeCallback(const std::string& name, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  auto& family = families_[name];
  family.type = "gauge";
  family.callback = std::move(read);
}

std::string Metrics::render() const {
  std::map<std::string, Family> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = families_;
  }
  std::ostringstream out;
  for (const auto& [name, family] : snapshot) {
    if (!family.help.empty()) out << "# HELP " << name << ' ' << family.help << '\n';
    out << "# TYPE " << name << ' ' << family.type << '\n';
    if (family.callback) {
      out << name << ' ' << number(family.callback()) << '\n';
      continue;
    }
    for (const auto& [labels, value] : family.values) {
      out << name << renderLabels(labels) << ' ' << number(value) << '\n';
    }
    for (const auto& [labels, histogram] : family.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
        cumulative += histogram.counts[i];
        std::string bound = i < histogram.bounds.size() ? number(histogram.bounds[i]) : "+Inf";
        out << name << "_bucket" << renderLabels(labels, "le", bound) << ' ' << cumulative << '\n';
      }
      out << name << "_sum" << renderLabels(labels) << ' ' << number(histogram.sum) << '\n';
      out << name << "_count" << renderLabels(labels) << ' ' << histogram.count << '\n';
    }
  }
  return out.str();
}

}  // namespace boxoffice
