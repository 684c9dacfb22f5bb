// The pictures beside the details, each over the same store and sharing one cursor (the selected
// message): timeline, charts, map, statistics.
#pragma once

#include "views/chart_panel.h"
#include "views/map_view.h"
#include "views/stats_view.h"
#include "views/timeline_view.h"
