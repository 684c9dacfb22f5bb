// The inspector's model code on a big capture, as the window runs it: the loader (worker thread,
// batches by queued signals into the record store and the message model), a display filter over
// every record, a chart series. Prints seconds per step and the peak resident memory; run.sh turns
// them into ratios against ovmsdump --json on the same file in the same run.
// Usage: ovms-bench-inspector CAPTURE KEYS [FILTER] [FIELD]
#include <QCoreApplication>
#include <QEventLoop>
#include <chrono>
#include <cstdio>

#include "model/allocator.h"
#include <sys/resource.h>

#include "io/open_source.h"
#include "model/message_model.h"
#include "model/time_series.h"

using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  inspector::prepare_allocator_for_records();
  if (argc < 3) {
    std::fprintf(stderr, "usage: ovms-bench-inspector CAPTURE KEYS [FILTER] [FIELD]\n");
    return 2;
  }
  const char* filter_text = argc > 3 ? argv[3] : "status.soc < 50 && dir == \"c2s\"";
  const char* field = argc > 4 ? argv[4] : "status.soc";
  QString error;
  auto keys = inspector::load_keys(argv[2], error);
  if (!keys) {
    std::fprintf(stderr, "%s\n", qPrintable(error));
    return 2;
  }
  inspector::RecordStore store;
  inspector::MessageModel model(store);
  auto t = Clock::now();
  auto worker = inspector::open_capture_file(argv[1], std::move(keys), error);
  if (!worker) {
    std::fprintf(stderr, "%s\n", qPrintable(error));
    return 1;
  }
  QEventLoop loop;
  QObject::connect(worker.get(), &inspector::RecordSource::batchReady, &loop, [&](const inspector::BatchPtr& b) {
    std::size_t first = store.size();
    store.append(std::move(*b));
    model.storeAppended(first);
  }, Qt::QueuedConnection);
  QObject::connect(worker.get(), &inspector::RecordSource::finished, &loop, &QEventLoop::quit, Qt::QueuedConnection);
  worker->start();
  loop.exec();
  double load = since(t);

  ovms::FilterError ferr;
  auto f = ovms::DisplayFilter::compile(filter_text, ferr);
  if (!f) {
    std::fprintf(stderr, "filter: column %zu: %s\n", ferr.column, ferr.message.c_str());
    return 2;
  }
  t = Clock::now();
  model.setFilter(f);
  double filter = since(t);
  std::size_t shown = model.rowCount();

  t = Clock::now();
  std::map<std::string, std::vector<inspector::SeriesPoint>> series;
  inspector::collect_series(store, field, 0, series);
  double chart = since(t);
  std::size_t points = 0;
  for (const auto& s : series) points += s.second.size();

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("records %zu\nload_s %.3f\nfilter_s %.4f\nfilter_shown %zu\nchart_s %.4f\nchart_points %zu\npeak_mib %.0f\n",
              store.size(), load, filter, shown, chart, points, ru.ru_maxrss / 1024.0);
  return 0;
}
