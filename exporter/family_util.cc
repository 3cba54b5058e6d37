#include "exporter/family_util.h"

namespace proctree {

prometheus::MetricFamily NewFamily(Fam f, std::size_t reserve) {
  const FamilyDef& d = Def(f);
  prometheus::MetricFamily fam;
  fam.name = std::string(d.name);
  fam.help = std::string(d.help);
  fam.type = d.type;
  fam.metric.reserve(reserve);
  return fam;
}

void AddValue(prometheus::MetricFamily& fam, std::vector<prometheus::ClientMetric::Label> labels, double v) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (fam.type == prometheus::MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  fam.metric.push_back(std::move(m));
}

}  // namespace proctree
