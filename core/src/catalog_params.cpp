// The module's numbered parameters (PROTOCOL.md §6.2 command 3; §3 the AP record uses the same
// numbering, "-" meaning empty). Part of the catalog: the AP record's field names come from here.
#include "ovms/catalog.h"

namespace ovms {
namespace {

using T = FieldType;

const FieldDef kParams[] = {
    {"registered_phone", "Registered phone", T::Text, nullptr},
    {"module_password", "Module password", T::Text, nullptr, nullptr, 0, nullptr, 0, FieldShape::Scalar, nullptr, nullptr, true},
    {"distance_units", "Distance units", T::Text, nullptr},
    {"notifications", "Notifications", T::Text, nullptr},
    {"server", "Server address", T::Text, nullptr},
    {"gprs_apn", "GPRS APN", T::Text, nullptr},
    {"gprs_user", "GPRS user", T::Text, nullptr},
    {"gprs_password", "GPRS password", T::Text, nullptr, nullptr, 0, nullptr, 0, FieldShape::Scalar, nullptr, nullptr, true},
    {"vehicle_id", "Vehicle id", T::Text, nullptr},
    {"server_password", "Server password", T::Text, nullptr, nullptr, 0, nullptr, 0, FieldShape::Scalar, nullptr,
     "v2 PIC blanks it in C3 replies; v3 sends it", true},
    {"paranoid", "Paranoid mode", T::Text, nullptr, nullptr, 0, nullptr, 0, FieldShape::Scalar, nullptr,
     "2013 guide: paranoid secret; unused by v3"},
    {"param_11", "Parameter 11", T::Text, nullptr},
    {"param_12", "Parameter 12", T::Text, nullptr},
    {"param_13", "Parameter 13", T::Text, nullptr},
    {"vehicle_type", "Vehicle type", T::Text, nullptr},
    {"param_15", "Parameter 15", T::Text, nullptr},
    {"param_16", "Parameter 16", T::Text, nullptr},
    {"param_17", "Parameter 17", T::Text, nullptr},
    {"param_18", "Parameter 18", T::Text, nullptr},
    {"param_19", "Parameter 19", T::Text, nullptr},
    {"param_20", "Parameter 20", T::Text, nullptr},
    {"param_21", "Parameter 21", T::Text, nullptr},
    {"dns", "DNS server", T::Text, nullptr},
    {"timezone", "Time zone", T::Text, nullptr},
};

}  // namespace

const FieldDef* module_params(std::size_t* count) {
  *count = sizeof kParams / sizeof kParams[0];
  return kParams;
}

}  // namespace ovms
