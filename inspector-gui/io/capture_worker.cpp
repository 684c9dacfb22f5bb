#include "io/capture_worker.h"

#include <chrono>

#include "ovms/analyzer.h"
#include "ovms/capture_feed.h"
#include "ovms/pcapng_writer.h"

namespace inspector {

namespace {

// Collects what the analyzer emits into the batch under construction.
class BatchSink final : public ovms::RecordSink {
 public:
  BatchPtr batch = std::make_shared<RecordBatch>();
  void on_record(const ovms::RecordPtr& r) override { batch->records.push_back(r); }
  void on_response_link(uint64_t req, uint64_t resp, uint64_t) override { batch->links.emplace_back(req, resp); }
  void on_orphan_diagnostic(uint32_t conn, const ovms::Diagnostic& d) override {
    batch->orphans.emplace_back(conn, d);
  }
  bool empty() const { return batch->records.empty() && batch->links.empty() && batch->orphans.empty(); }
};

constexpr std::size_t kBatchRecords = 16384;
constexpr auto kBatchInterval = std::chrono::milliseconds(100);

}  // namespace

CaptureWorker::CaptureWorker(std::unique_ptr<ovms::PacketSource> source, std::optional<ovms::KeyStore> keys,
                             QObject* parent)
    : RecordSource(parent), source_(std::move(source)), keys_(std::move(keys)),
      name_(QString::fromStdString(source_->name())), thread_(QThread::create([this] { run(); })) {
  qRegisterMetaType<inspector::BatchPtr>();
}

CaptureWorker::~CaptureWorker() {
  cancel();
  thread_->wait();
  delete thread_;
}

void CaptureWorker::start() { thread_->start(); }

void CaptureWorker::cancel() {
  cancelled_ = true;
  source_->request_stop();  // wakes a live source's wait and ends a file's next read
}

void CaptureWorker::run() {
  BatchSink sink;
  ovms::CaptureAnalyzer analyzer(keys_ ? &*keys_ : nullptr, sink);
  ovms::CaptureFeed feed(analyzer, sink);
  std::size_t connections_sent = 0;
  auto last_flush = std::chrono::steady_clock::now();
  int last_percent = -2;
  const uint64_t total = source_->file_size();

  auto flush = [&] {
    const auto& infos = analyzer.connections();
    for (; connections_sent < infos.size(); ++connections_sent) sink.batch->connections.push_back(infos[connections_sent]);
    if (!sink.empty() || !sink.batch->connections.empty()) {
      Q_EMIT batchReady(sink.batch);
      sink.batch = std::make_shared<RecordBatch>();
    }
    int percent = total ? static_cast<int>(100.0 * source_->bytes_read() / total) : -1;
    if (percent != last_percent) Q_EMIT progress(last_percent = percent);
    last_flush = std::chrono::steady_clock::now();
  };

  ovms::PcapngWriter recorder;
  std::string record_error;
  if (!record_path_.empty()) {
    ovms::PcapngWriter::Options o;
    o.flush_each_block = true;
    o.application = "ovms-inspector";
    if (!recorder.open(record_path_, o, record_error)) source_->request_stop();
  }

  ovms::CapturedFrame frame;
  for (;;) {
    auto status = source_->read(frame);
    if (status == ovms::PacketSource::Status::End) break;
    if (status == ovms::PacketSource::Status::Idle) {
      feed.report_drops(*source_);
      flush();
      source_->wait(100);
      continue;
    }
    if (recorder.is_open() && !recorder.write(frame.dlt, frame.ts, frame.data, frame.caplen, frame.wirelen) &&
        record_error.empty())
      record_error = recorder.error();
    feed.frame(frame);
    if (sink.batch->records.size() >= kBatchRecords ||
        (feed.frames() % 256 == 0 && std::chrono::steady_clock::now() - last_flush > kBatchInterval))
      flush();
  }
  feed.report_drops(*source_);
  analyzer.finish();
  // Connections are sent again at the end: their state (is_ovms) may have been settled late.
  sink.batch->connections = analyzer.connections();
  connections_sent = analyzer.connections().size();
  flush();
  if (recorder.is_open()) recorder.close(record_error);
  QString error = QString::fromStdString(record_error.empty() ? source_->error() : record_error);
  Q_EMIT finished(cancelled_ && record_error.empty() ? QString() : error, cancelled_.load());
}

}  // namespace inspector
