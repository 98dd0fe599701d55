// EVTX record → model::Event: System fields under their Sigma names (EventID, Channel, Provider_Name, Computer,
// TimeCreated, EventRecordID, Level, Security_UserID, ...), every EventData/UserData value under its own name,
// unnamed Data elements numbered Data_1, Data_2, .... Event::service is the channel in lower case.
#pragma once

#include <string_view>

#include "formats/evtx/evtx.h"
#include "model/event.h"

namespace msw::normalize {

// Fills `ev` (which the caller may reuse); the record's tree must still be valid.
void evtx_record_event(const formats::evtx::Record& rec, std::string_view display_path, model::Event& ev);

}  // namespace msw::normalize
