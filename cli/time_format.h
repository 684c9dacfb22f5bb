// -t: how a capture time stamp is written, as tshark's -t (and tcpdump -tttt for the default).
#pragma once

#include <string>

#include "options.h"

// Appends `ts` (epoch seconds) as `f` says; `first` is the first line's time (for -t r).
void append_time(std::string& out, double ts, TimeFormat f, double first);
