// What the proxy did to each line it showed, as the window's notes (model/record_notes.h): the list's
// "Leg" and "Proxy" columns (the relay's own words: leg_name(), relay::show_mark_name(), and "replayed"
// for the lines a Replay… sent), a row colour for changed, dropped and injected lines, and in the details
// tree what arrived and what was sent for a changed line. The controller fills it as lines come; the
// window keeps it (shared) with the records after the proxy stops.
#pragma once

#include <map>

#include "model/record_notes.h"
#include "ovms/relay.h"

namespace inspector {

// What the proxy did to one shown record (by the store's record id).
struct ProxyMark {
  ovms::Leg from = ovms::Leg::Client;  // the leg it arrived on (a replay's lines: the server leg)
  bool changed = false, dropped = false, injected = false, to_proxy = false, replayed = false;
  ovms::RecordPtr arrived;  // the line as it arrived (the store shows a changed line as it was sent)
  quint32 session = 0;      // the proxy's session (Server's number); not a replay's (see replayed)
  const char* what = "";    // relay::show_mark_name(), or "replayed"
};

class ProxyNotes : public RecordNotes {
 public:
  enum Column { kLeg, kProxy, kColumns };

  void add(uint64_t record_id, ProxyMark mark) { marks_[record_id] = std::move(mark); }
  const ProxyMark* mark(uint64_t record_id) const;

  int columnCount() const override { return kColumns; }
  QString columnTitle(int column) const override;
  QString text(const ovms::LineRecord& r, int column) const override;
  std::optional<QColor> rowColour(const ovms::LineRecord& r) const override;
  void addDetails(QStandardItem* root, const ovms::LineRecord& r) const override;

  // "replayed": the mark of the lines a replay sent (the relay has no such line; the replay is not relayed).
  static const char* replayedName();

 private:
  std::map<uint64_t, ProxyMark> marks_;
};

}  // namespace inspector
