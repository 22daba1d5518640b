#pragma once
// Latency samples and the percentiles the results file reports. Every sample is kept (a 10-second
// run at 10k/s is 100k of them), so percentiles are exact rather than bucketed.

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

class Latencies {
 public:
  void add(std::int64_t micros) { samples_.push_back(micros < 0 ? 0 : micros); }
  std::size_t size() const { return samples_.size(); }

  // {"count":..,"p50_us":..,"p99_us":..,"p999_us":..,"max_us":..}
  std::string json() {
    std::sort(samples_.begin(), samples_.end());
    std::ostringstream out;
    out << "{\"count\":" << samples_.size();
    if (!samples_.empty()) {
      out << ",\"p50_us\":" << at(0.50) << ",\"p90_us\":" << at(0.90) << ",\"p99_us\":" << at(0.99)
          << ",\"p999_us\":" << at(0.999) << ",\"max_us\":" << samples_.back();
    }
    out << "}";
    return out.str();
  }

 private:
  std::int64_t at(double q) const {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(samples_.size() - 1) + 0.5);
    return samples_[std::min(i, samples_.size() - 1)];
  }
  std::vector<std::int64_t> samples_;
};

}  // namespace bench
