#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format. One instance is built in main and handed to whoever records.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace boxoffice {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  void increment(const std::string& name, const Labels& labels = {}, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);
  // A gauge computed when scraped (open connections, outbox lag, memory).
  void gaugeCallback(const std::string& name, std::function<double()> read);
  // Declares a metric's help text and type ("counter", "gauge", "histogram").
  void describe(const std::string& name, const std::string& type, const std::string& help,
                std::vector<double> buckets = {});
  std::string render() const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;  // per bound, plus +Inf at the end
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    std::string type = "counter";
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
    std::function<double()> callback;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace boxoffice
